//! Discovery: turn the paths a user gives into the list of files to analyse.
//!
//! Folders are walked with the `ignore` crate with every filter off: hidden files and
//! git-ignored files are scanned too (attackers hide there). `--exclude` globs are honoured.
//! Symbolic links are never followed; a link whose target stays inside the root is skipped (its
//! target is scanned where it lives) and a link that points out of the root is reported.
//!
//! One bounded exception, for the Hugging Face cache: a link to a regular file whose canonical
//! target stays inside the root and is a cache blob (`models--ORG--NAME/blobs/<hash>`) is
//! analysed at the link's path, and the blob itself is not analysed again. Blobs are named by
//! their hash; loaders open them by the snapshot's names (`config.json`, `modeling_x.py`,
//! `model-00001-of-00002.safetensors`), and the formats refined by name and the repository
//! checks need those names. Each blob is analysed once, under the first link (in path order)
//! that reaches it; blobs no link reaches are analysed as blobs. Links out of the root stay
//! reported and unread.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Regular files to analyse, sorted.
    pub files: Vec<PathBuf>,
    /// Symbolic links that point outside their root: (link, target as read).
    pub escaping_links: Vec<(PathBuf, PathBuf)>,
    /// Paths that could not be read, and special files (FIFOs, devices, sockets), which are
    /// never read: (path, why).
    pub errors: Vec<(PathBuf, String)>,
    /// Links inside a root to Hugging Face cache blobs: (link, canonical blob). Each blob is in
    /// `files` once, under the first of its links.
    pub blob_links: Vec<(PathBuf, PathBuf)>,
    /// `--exclude` globs that matched no path of the walk, as given (a typo excludes
    /// nothing, so the CLI warns about them).
    pub unmatched_excludes: Vec<String>,
}

/// The `--exclude` globs, matched as one set, with which of them matched a path.
#[derive(Debug)]
pub struct Excludes {
    set: GlobSet,
    /// The globs as given; user glob `i` is patterns `2i` and `2i + 1` of `set`.
    globs: Vec<String>,
    used: Vec<bool>,
}

impl Excludes {
    /// True when there is no glob.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// True when a glob matches `rel` (the path under its root) or `path` (as shown); marks
    /// the globs that matched.
    fn matches(&mut self, rel: &Path, path: &Path) -> bool {
        if !(self.set.is_match(rel) || self.set.is_match(path)) {
            return false;
        }
        for p in [rel, path] {
            for i in self.set.matches(p) {
                self.used[i / 2] = true;
            }
        }
        true
    }

    /// The globs that have matched no path so far, as given.
    fn unmatched(&self) -> Vec<String> {
        self.globs
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(g, _)| g.clone())
            .collect()
    }
}

/// Errors that stop discovery before it starts.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// An `--exclude` glob does not parse.
    #[error("invalid --exclude glob {glob:?}: {source}")]
    BadGlob {
        /// The glob.
        glob: String,
        /// Why.
        source: globset::Error,
    },
}

/// Build the exclude matcher from `--exclude` globs. A glob without a `/` matches a file or
/// folder name anywhere; one with `/` matches the path.
pub fn excludes(globs: &[String]) -> Result<Excludes, DiscoverError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let pattern = if g.contains('/') {
            g.clone()
        } else {
            format!("**/{g}")
        };
        for p in [pattern.clone(), format!("{pattern}/**")] {
            b.add(Glob::new(&p).map_err(|source| DiscoverError::BadGlob {
                glob: g.clone(),
                source,
            })?);
        }
    }
    let set = b.build().map_err(|source| DiscoverError::BadGlob {
        glob: globs.join(","),
        source,
    })?;
    Ok(Excludes {
        set,
        globs: globs.to_vec(),
        used: vec![false; globs.len()],
    })
}

/// Walk `roots`, skipping what `exclude` matches (a path named as a root is never excluded).
pub fn discover(roots: &[PathBuf], exclude: &mut Excludes) -> Discovered {
    let mut out = Discovered::default();
    for root in roots {
        let meta = match std::fs::symlink_metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push((root.clone(), e.to_string()));
                continue;
            }
        };
        if meta.is_file() {
            out.files.push(root.clone());
            continue;
        }
        if meta.file_type().is_symlink() {
            // A path the user named explicitly is taken as meant, even through a link.
            match std::fs::metadata(root) {
                Ok(m) if m.is_file() => out.files.push(root.clone()),
                Ok(m) if m.is_dir() => walk(root, &dunce(root), exclude, &mut out),
                Ok(m) => out.errors.push((root.clone(), not_regular(&m.file_type()))),
                Err(e) => out.errors.push((root.clone(), e.to_string())),
            }
            continue;
        }
        if !meta.is_dir() {
            out.errors
                .push((root.clone(), not_regular(&meta.file_type())));
            continue;
        }
        walk(root, &dunce(root), exclude, &mut out);
    }
    out.unmatched_excludes = exclude.unmatched();
    analyse_blobs_at_links(&mut out);
    out.files
        .sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    out.files.dedup();
    out
}

/// True when `real` (canonical) is a file in a Hugging Face cache entry's `blobs/` folder
/// (`models--*`, `datasets--*` or `spaces--*`).
pub fn is_hf_blob(real: &Path) -> bool {
    let mut up = real.ancestors().skip(1);
    let (Some(blobs), Some(entry)) = (up.next(), up.next()) else {
        return false;
    };
    blobs.file_name().is_some_and(|n| n == "blobs")
        && entry.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            ["models--", "datasets--", "spaces--"]
                .iter()
                .any(|p| n.starts_with(p))
        })
}

/// True when `real` is a blob of the Hugging Face cache entry whose `snapshots/` folder holds
/// `canon_root`: scanning `models--org--name/snapshots/<rev>` (the folder `snapshot_download`
/// returns) follows its links into `../../blobs/`, which belong to the same entry. Links that
/// leave the entry are still reported and not followed.
fn same_hf_entry(real: &Path, canon_root: &Path) -> bool {
    is_hf_blob(real)
        && real
            .parent()
            .and_then(Path::parent)
            .is_some_and(|entry| canon_root.starts_with(entry.join("snapshots")))
}

/// Replace each linked blob in `files` by the first link (in path order) that reaches it.
fn analyse_blobs_at_links(out: &mut Discovered) {
    if out.blob_links.is_empty() {
        return;
    }
    out.blob_links
        .sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    let mut first = std::collections::BTreeMap::<PathBuf, PathBuf>::new();
    for (link, real) in &out.blob_links {
        first.entry(real.clone()).or_insert_with(|| link.clone());
    }
    out.files.retain(|f| {
        // Only files in a `blobs/` folder can be linked blobs; canonicalise just those.
        let in_blobs = f
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == "blobs");
        !(in_blobs && first.contains_key(&dunce(f)))
    });
    out.files.extend(first.into_values());
}

/// Why a path that is neither a file, a folder nor a link is not read.
fn not_regular(ft: &std::fs::FileType) -> String {
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            "a named pipe (FIFO)"
        } else if ft.is_char_device() {
            "a character device"
        } else if ft.is_block_device() {
            "a block device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        }
    };
    #[cfg(not(unix))]
    let kind = {
        let _ = ft;
        "not a regular file"
    };
    format!("{kind}; not read")
}

fn dunce(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn walk(root: &Path, canon_root: &Path, exclude: &mut Excludes, out: &mut Discovered) {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = match &e {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => root.to_path_buf(),
                };
                out.errors.push((path, e.to_string()));
                continue;
            }
        };
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(path);
        // A glob may be written against the path relative to the root or against the path as
        // the report shows it (`examples/malicious/**` when scanning `examples/`).
        if !exclude.is_empty() && !rel.as_os_str().is_empty() && exclude.matches(rel, path) {
            continue;
        }
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_file() {
            out.files.push(path.to_path_buf());
        } else if !ft.is_dir() && !ft.is_symlink() {
            // A FIFO would block a reader and a device never ends: reported, not read.
            out.errors.push((path.to_path_buf(), not_regular(&ft)));
        } else if ft.is_symlink() {
            let target = std::fs::read_link(path).unwrap_or_default();
            match std::fs::canonicalize(path) {
                Ok(real) if real.starts_with(canon_root) || same_hf_entry(&real, canon_root) => {
                    if is_hf_blob(&real) && real.is_file() {
                        out.blob_links.push((path.to_path_buf(), real));
                    }
                }
                Ok(real) => out.escaping_links.push((path.to_path_buf(), real)),
                Err(_) => out.escaping_links.push((path.to_path_buf(), target)),
            }
        }
    }
}
