//! ONNX external data on disk: every location an ONNX model names (fact `onnx.external_data`,
//! recorded by `formats::onnx`) is resolved against the model's folder. A location that passes
//! through a symbolic link, or resolves outside the folder, is `onnx-external-data-symlink`
//! (the CVE-2026-34447 shape: `weights.bin` next to the model is a link to `/etc/passwd`).
//!
//! Only metadata is read (`symlink_metadata`, `read_link`, `canonicalize`); the target is never
//! opened. Locations that are absolute or climb with `..` are already reported by the analyser
//! (`onnx-external-data-traversal`) and are not resolved. The one link that is expected is the
//! Hugging Face cache's: `models--ORG--NAME/snapshots/REV/x` links into `models--ORG--NAME/blobs/`.

use std::path::{Component, Path, PathBuf};

use crate::finding::{Finding, Location};
use crate::formats::onnx::{location_escapes, EXTERNAL_DATA_FACT};
use crate::formats::Format;
use crate::rules::onnx::onnx_external_data_symlink as rule;
use crate::scan::FileReport;

/// Resolve the external data locations of every ONNX file on disk.
pub fn check(files: &[FileReport], _: &super::Inputs) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    for (i, r) in files.iter().enumerate() {
        if r.format != Format::Onnx {
            continue;
        }
        let key = Location::file(&r.path).artifact_name();
        let Some(list) = r.facts.get(&key).and_then(|f| f.get(EXTERNAL_DATA_FACT)) else {
            continue;
        };
        let locations: Vec<String> = serde_json::from_str(list).unwrap_or_default();
        let dir = match r.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        for location in locations {
            if location_escapes(&location).is_some() {
                continue;
            }
            if let Some(why) = escapes_on_disk(&dir, &location) {
                out.push((
                    i,
                    Finding::builder(&rule::RULE, Location::file(&r.path))
                        .message(format!(
                            "external data `{}` {why}",
                            crate::finding::truncate_chars(&location, 120)
                        ))
                        .evidence(crate::finding::truncate_chars(&location, 200))
                        .build(),
                ));
            }
        }
    }
    out
}

/// Why `location`, resolved from `dir`, is not a plain file inside `dir`; `None` when it is, or
/// when it does not exist (a missing file is the runtime's load error, not a risk). A link on
/// the way is reported unless it resolves inside `dir` itself (a folder assembled with a link
/// to its own `data/real.bin`: the runtime reads a file of the folder, which the scan sees too)
/// or into the Hugging Face cache's `blobs/`; what the location finally names must then be a
/// regular file (a FIFO or a device would hang or feed the runtime endless data).
fn escapes_on_disk(dir: &Path, location: &str) -> Option<String> {
    let base = std::fs::canonicalize(dir).ok()?;
    let blobs = hf_cache_blobs(dir);
    let mut p = dir.to_path_buf();
    for c in Path::new(location).components() {
        match c {
            Component::Normal(name) => p.push(name),
            Component::CurDir => continue,
            // Absolute and `..` locations were rejected before.
            _ => return None,
        }
        let meta = std::fs::symlink_metadata(&p).ok()?;
        if meta.file_type().is_symlink() {
            let resolved = std::fs::canonicalize(&p).ok();
            let expected = resolved.as_ref().is_some_and(|r| {
                r.starts_with(&base) || blobs.as_ref().is_some_and(|b| r.starts_with(b))
            });
            if expected {
                continue;
            }
            let target = std::fs::read_link(&p)
                .map(|t| crate::finding::display_path(&t))
                .unwrap_or_default();
            return Some(format!(
                "passes through the symbolic link {} → {target}",
                crate::finding::display_path(&p)
            ));
        }
    }
    let full = std::fs::canonicalize(&p).ok()?;
    let inside = full.starts_with(&base) || blobs.as_ref().is_some_and(|b| full.starts_with(b));
    if !inside {
        return Some(format!(
            "resolves outside the model's folder, to {}",
            crate::finding::display_path(&full)
        ));
    }
    let meta = std::fs::metadata(&full).ok()?;
    (!meta.is_file() && !meta.is_dir()).then(|| {
        format!(
            "names {}, which is not a regular file",
            crate::finding::display_path(&full)
        )
    })
}

/// The `blobs/` folder of the Hugging Face cache entry `dir` is a snapshot folder of
/// (`models--ORG--NAME/snapshots/REV/...`), canonicalised.
fn hf_cache_blobs(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let mut cur = dir.as_path();
    while let Some(parent) = cur.parent() {
        let is_snapshots = cur.file_name().is_some_and(|n| n == "snapshots");
        let is_repo = parent
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("models--"));
        if is_snapshots && is_repo {
            return std::fs::canonicalize(parent.join("blobs")).ok();
        }
        cur = parent;
    }
    None
}
