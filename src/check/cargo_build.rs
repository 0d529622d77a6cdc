//! The check that reads a Cargo package on disk as its build does (`formats/build_files.rs`):
//! a `build.rs` beside a manifest is read by its name when it is analysed, but Cargo also
//! compiles into the build script a custom `build = PATH`, the library of a path
//! build-dependency, and the files `include!`/`include_str!` pull in. For each scanned
//! `Cargo.toml` and `build.rs`, the scanned files it names are read again (each at most
//! [`crate::formats::build_files::MAX_TEXT`] bytes, a regular file, included files one level
//! deep) and judged as build scripts. Archives do the same for their own members when their
//! walk ends (`tar.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::analyse::BudgetLimits;
use crate::finding::{Finding, Location};
use crate::formats::build_files as bf;
use crate::scan::FileReport;

/// A scanned text file, read again: a regular file (links not followed) of at most
/// [`bf::MAX_TEXT`] bytes.
fn read_small(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > bf::MAX_TEXT as u64 {
        return None;
    }
    std::fs::read(path).ok()
}

/// `rel` (`/`-separated, normalised) under `dir`.
fn under(dir: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(dir.to_path_buf(), |p, c| p.join(c))
}

/// Judge the build-script sources of the Cargo packages scanned on disk.
pub fn check(files: &[FileReport], _: &super::Inputs) -> Vec<(usize, Finding)> {
    let cargo = |r: &FileReport| {
        r.path
            .file_name()
            .is_some_and(|n| n == "Cargo.toml" || n == "build.rs")
    };
    if !files.iter().any(cargo) {
        return Vec::new();
    }
    let index: BTreeMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, r)| (r.path.as_path(), i))
        .collect();
    // The scripts to read: (report index, path), each once, at most `MAX_CARGO_SOURCES` per
    // manifest or script.
    let mut scripts: BTreeSet<(usize, PathBuf)> = BTreeSet::new();
    for (i, r) in files.iter().enumerate().filter(|(_, r)| cargo(r)) {
        let Some(dir) = r.path.parent() else {
            continue;
        };
        let Some(bytes) = read_small(&r.path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if r.path.file_name().is_some_and(|n| n == "build.rs") {
            let name = r.path.to_string_lossy().replace('\\', "/");
            if !bf::rust_includes(&name, &text).is_empty() {
                scripts.insert((i, r.path.clone()));
            }
            continue;
        }
        for rel in bf::cargo_build_sources("Cargo.toml", &text) {
            let p = under(dir, &rel);
            if let Some(&j) = index.get(p.as_path()) {
                scripts.insert((j, p));
            }
        }
    }
    let mut out = Vec::new();
    for (i, path) in scripts {
        let Some(bytes) = read_small(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        // Include paths are resolved against the script's own path (`..` included), and read
        // only when that file was scanned too.
        let name = path.to_string_lossy().replace('\\', "/");
        let root = if path.is_absolute() { "/" } else { "" };
        let read = |rel: &str| {
            let p = under(Path::new(root), rel);
            index
                .contains_key(p.as_path())
                .then(|| read_small(&p))
                .flatten()
        };
        let full = bf::with_includes(&name, &text, &read);
        let loc = Location::file(path.clone());
        for f in bf::reanalyse_cargo(&full, &loc, 0, BudgetLimits::default(), &files[i].findings) {
            out.push((i, f));
        }
    }
    out
}
