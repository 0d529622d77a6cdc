//! Installed environments (a `site-packages` folder, a venv root): every installed
//! distribution's `*.dist-info/RECORD` (PEP 376, PyPA "Recording installed projects") and legacy
//! `*.egg-info/installed-files.txt` found among the scanned files is compared with the files on
//! disk, and the executable startup files of the environment are matched against them.
//!
//! - A file whose size or sha256 (urlsafe base64 without padding, or 64 hex digits as Debian's
//!   packages write it) differs from its RECORD row is `installed-record-mismatch`, reported on
//!   the changed file itself (a policy can accept one file): high for a startup file at the environment root (a `.pth`, `.start`,
//!   `sitecustomize.py`, `usercustomize.py`: a tampered loader), low for bytecode (`.pyc` is
//!   rewritten by the interpreter), medium otherwise. A listed file that is gone is low.
//! - A startup file in an environment folder that no RECORD owns — a `.pth` with import lines,
//!   a `.start` file with entries, `sitecustomize.py`, `usercustomize.py` — is
//!   `startup-file-unowned` (high): an orphan loader, the shape of the LiteLLM 1.82.8 and
//!   "`_virtualenv.pth` that virtualenv did not write" incidents. An unowned `.pth` whose import
//!   lines all have a known benign shape (virtualenv's own `import _virtualenv`, which virtualenv
//!   writes without a RECORD) is low.
//!
//! Bounds: only files the scan itself found are opened (so only files under the scanned roots,
//! never through a link); RECORD files over [`MAX_RECORD`] bytes are not read and rows past
//! [`MAX_ROWS`] are not checked; sizes come from the scan's reports and only files whose size
//! matches are hashed (Python sources and startup files only; other files by size), startup
//! files first, within [`HASH_BUDGET`] bytes in all.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use rayon::prelude::*;
use sha2::Digest;

use crate::finding::{plural, Finding, Location, Severity};
use crate::formats::Format;
use crate::rules::core::resource_limit;
use crate::rules::package::{
    installed_record_mismatch as mismatch, pth_executable_line, startup_entry_point,
    startup_file_unowned as unowned,
};
use crate::scan::FileReport;

/// Largest RECORD or installed-files.txt read, in bytes.
pub const MAX_RECORD: u64 = 64 << 20;
/// Rows checked per RECORD.
pub const MAX_ROWS: usize = 1_000_000;
/// Bytes hashed in all, per scan.
pub const HASH_BUDGET: u64 = 4 << 30;

/// One file to hash: (report index of the file, report index of its RECORD, expected urlsafe
/// base64 sha256).
struct Job {
    file: usize,
    record: usize,
    want: String,
    /// A startup file Python runs: one at the environment root (`site.py` reads `.pth` files
    /// only there; a `model.pth` in a package folder is data).
    startup: bool,
}

/// What is wrong with one listed file.
struct Problem {
    severity: Severity,
    text: String,
}

/// True for the files compared with RECORD by content (sha256) rather than by size: the ones
/// Python runs as source, modules and startup files. The scan hashes them while it holds
/// them ([`crate::scan::FileReport::sha256`]).
pub fn hashed_when_installed(name: &str) -> bool {
    is_startup_name(name) || name.ends_with(".py")
}

fn is_startup_name(name: &str) -> bool {
    name.ends_with(".pth")
        || name.ends_with(".start")
        || name == "sitecustomize.py"
        || name == "usercustomize.py"
}

/// Lexical normalisation: `.` dropped, `..` pops a normal component. The paths compared here
/// all come from the same discovery, so no file system access is needed.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// One RECORD row: (path, hash, size), the path unquoted (it may contain commas, so the row is
/// split from the right).
fn record_row(line: &str) -> Option<(String, &str, &str)> {
    let mut it = line.rsplitn(3, ',');
    let (size, hash, path) = (it.next()?, it.next()?, it.next()?);
    let path = path.trim();
    let path = match path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => path.to_string(),
    };
    (!path.is_empty()).then_some((path, hash.trim(), size.trim()))
}

/// Said of a changed native library of a system package.
const STRIPPED: &str =
    " (a system package: its packager strips native libraries after writing RECORD)";

/// True for a distribution the operating system's package manager installed: a `*.dist-info`
/// without an `INSTALLER` file (PyPA "Recording installed projects": installers such as pip and
/// uv write one; Debian's `python3-*` packages do not) in a `dist-packages` folder (Debian's name
/// for the system's environment, `/usr/lib/python3/dist-packages`).
fn system_managed(meta_dir: &Path, root: &Path, scanned: &HashMap<PathBuf, usize>) -> bool {
    file_name(root) == "dist-packages"
        && !scanned.contains_key(&normalise(&meta_dir.join("INSTALLER")))
        && std::fs::symlink_metadata(meta_dir.join("INSTALLER")).is_err()
}

/// The prefix of the environment whose site folder is `root`: the folder above its `lib`
/// (`<prefix>/lib/python3.12/site-packages`, `/usr/lib/python3/dist-packages`,
/// `<prefix>\\Lib\\site-packages`, `~/.local/lib/python3.12/site-packages`). `None` when no such
/// folder is in the path (a site folder copied elsewhere): nothing then says where the prefix
/// is.
fn prefix_of(root: &Path) -> Option<PathBuf> {
    let comps: Vec<Component<'_>> = root.components().collect();
    let i = comps.iter().rposition(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some("lib" | "Lib" | "lib64" | "lib32")
        )
    })?;
    Some(comps[..i].iter().collect())
}

/// Names of a virtual environment's activation scripts (in `bin/`, `Scripts\\` on Windows),
/// which the user's shell sources or runs at every activation.
fn is_activation_script(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "activate"
        || (lower.starts_with("activate.") && !lower.ends_with(".py"))
        || lower == "deactivate.bat"
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Compare every installed distribution with its files, and find unowned startup files.
pub fn check(files: &[FileReport], _: &super::Inputs) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    let by_path: HashMap<PathBuf, usize> = files
        .iter()
        .enumerate()
        .map(|(i, r)| (normalise(&r.path), i))
        .collect();
    // Environment folders (the parent of each dist-info/egg-info) and what their RECORDs own.
    let mut roots: HashSet<PathBuf> = HashSet::new();
    let mut owned: HashSet<PathBuf> = HashSet::new();
    let mut problems: BTreeMap<usize, Vec<Problem>> = BTreeMap::new();
    let mut jobs = Vec::new();
    for (i, r) in files.iter().enumerate() {
        let Some(meta_dir) = r.path.parent() else {
            continue;
        };
        let (name, dir) = (file_name(&r.path), file_name(meta_dir));
        let record = name == "RECORD" && dir.ends_with(".dist-info");
        let egg = name == "installed-files.txt" && dir.ends_with(".egg-info");
        if !record && !egg {
            continue;
        }
        let root = normalise(meta_dir.parent().unwrap_or(Path::new("")));
        roots.insert(root.clone());
        if r.size > MAX_RECORD || r.io_error {
            out.push((
                i,
                Finding::builder(&resource_limit::RULE, Location::file(&r.path))
                    .severity(Severity::Info)
                    .message("installed files not compared with this RECORD: it is too large or unreadable")
                    .evidence(format!("{} bytes, at most {MAX_RECORD}", r.size))
                    .build(),
            ));
            continue;
        }
        let Ok(bytes) = std::fs::read(&r.path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        // RECORD rows are relative to the environment folder, installed-files.txt rows to the
        // egg-info folder.
        let base = if record {
            root.clone()
        } else {
            normalise(meta_dir)
        };
        let system = record && system_managed(meta_dir, &root, &by_path);
        let prefix = prefix_of(&root);
        let mut outside: Vec<String> = Vec::new();
        let mut shadowed: Vec<(String, String)> = Vec::new();
        let mut rows = 0usize;
        for line in text.lines() {
            let (path, hash, size) = if record {
                match record_row(line) {
                    Some(row) => row,
                    None => continue,
                }
            } else {
                match line.trim() {
                    "" => continue,
                    p => (p.to_string(), "", ""),
                }
            };
            rows += 1;
            if rows > MAX_ROWS {
                out.push((
                    i,
                    Finding::builder(&resource_limit::RULE, Location::file(&r.path))
                        .severity(Severity::Info)
                        .message("installed files compared with the first rows of this RECORD only")
                        .evidence(format!("more than {MAX_ROWS} rows"))
                        .build(),
                ));
                break;
            }
            if Path::new(&path).is_absolute() {
                continue;
            }
            let full = normalise(&base.join(&path));
            // An installer writes inside the environment's prefix (`../../../bin/tool` from
            // `lib/python3.12/site-packages`); a row that climbs out of it (tester t14 iv08:
            // `../../../../../../../../etc/profile.d/x.sh`) says the package wrote elsewhere.
            if prefix.as_ref().is_some_and(|p| !full.starts_with(p)) {
                if outside.len() < 5 {
                    outside.push(path.clone());
                }
                continue;
            }
            // A row into the environment's `bin` (`Scripts` on Windows) installs a command: one
            // that shadows a common command is what a console script doing so would be
            // (tester t14 iv01: `../../../bin/ssh` owned by a RECORD, no entry point).
            if let Some(p) = &prefix {
                let in_bin = full
                    .parent()
                    .is_some_and(|d| d == p.join("bin") || d == p.join("Scripts"));
                let cmd = full.file_name().map(|n| n.to_string_lossy().into_owned());
                let dist = r
                    .path
                    .parent()
                    .and_then(|d| d.file_name())
                    .map(|d| {
                        crate::osv::normalise(d.to_string_lossy().split('-').next().unwrap_or(""))
                    })
                    .unwrap_or_default();
                if let Some(cmd) =
                    cmd.filter(|c| in_bin && crate::formats::pypkg::shadows_command(c, &dist))
                {
                    if shadowed.len() < 16 {
                        shadowed.push((cmd, path.clone()));
                    }
                }
            }
            owned.insert(full.clone());
            match by_path.get(&full) {
                Some(&j) => {
                    let f = &files[j];
                    // `site.py` reads `.pth`/`.start` files, and imports `sitecustomize`,
                    // only from the environment root; elsewhere such names are data or
                    // ordinary modules.
                    let startup =
                        is_startup_name(file_name(&full)) && full.parent() == Some(root.as_path());
                    // A system package's native libraries are stripped after its RECORD
                    // was written (Debian's dh_strip): a changed one is low, and says why.
                    let stripped = system && f.format == Format::Executable;
                    let sev = if startup {
                        Severity::High
                    } else if stripped || file_name(&full).ends_with(".pyc") {
                        Severity::Low
                    } else {
                        Severity::Medium
                    };
                    if let Ok(n) = size.parse::<u64>() {
                        if n != f.size {
                            problems.entry(j).or_default().push(Problem {
                                severity: sev,
                                text: format!(
                                    "{path}: {} but RECORD says {n}{}",
                                    plural(f.size, "byte"),
                                    if stripped { STRIPPED } else { "" }
                                ),
                            });
                            continue;
                        }
                    }
                    if let Some(value) = hash.strip_prefix("sha256=") {
                        jobs.push(Job {
                            file: j,
                            record: i,
                            want: record_sha256(value),
                            startup,
                        });
                    }
                }
                // Not scanned: gone, outside the scanned roots, excluded, or a link. Only a
                // path inside the environment that does not exist at all is reported.
                None => {
                    let inside = full.starts_with(&root) && !path.contains("..");
                    if inside && std::fs::symlink_metadata(&full).is_err() {
                        problems.entry(i).or_default().push(Problem {
                            severity: Severity::Low,
                            text: format!("{path}: listed but not installed"),
                        });
                    }
                }
            }
        }
        if !outside.is_empty() {
            out.push((
                i,
                Finding::builder(&mismatch::RULE, Location::file(&r.path))
                    .severity(Severity::Medium)
                    .message("this RECORD lists files installed outside the environment's prefix")
                    .evidence(outside.join("; "))
                    .build(),
            ));
        }
        for (cmd, row) in shadowed {
            out.push((
                i,
                Finding::builder(
                    &crate::rules::package::entry_point_shadows_command::RULE,
                    Location::file(&r.path),
                )
                .message(format!("installed script {cmd:?} shadows a common command"))
                .evidence(row)
                .build(),
            ));
        }
    }
    // Hash Python sources and startup files within the budget: startup files first, then in
    // path order (deterministic).
    jobs.sort_by_key(|j| (!j.startup, j.file));
    let mut spent = 0u64;
    let mut skipped = 0usize;
    let jobs: Vec<Job> = jobs
        .into_iter()
        .filter(|j| {
            // Files Python runs as source (modules and startup files) are hashed; data, native
            // libraries and the like are compared by size only, so that verifying an
            // environment does not cost a read of every byte in it.
            let name = file_name(&files[j.file].path);
            if !(j.startup || name.ends_with(".py")) {
                return false;
            }
            if files[j.file].sha256.is_some() {
                // Hashed by the scan already: costs nothing here.
                return true;
            }
            let s = files[j.file].size;
            if spent.saturating_add(s) > HASH_BUDGET {
                skipped += 1;
                return false;
            }
            spent += s;
            true
        })
        .collect();
    let hashed: Vec<Option<String>> = jobs
        .par_iter()
        .map(|j| match files[j.file].sha256 {
            Some(d) => Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d)),
            None => sha256_file(&files[j.file].path),
        })
        .collect();
    for (j, got) in jobs.iter().zip(hashed) {
        let Some(got) = got else { continue };
        if got == j.want {
            continue;
        }
        let path = &files[j.file].path;
        let name = file_name(path);
        let startup = j.startup;
        let severity = if startup {
            Severity::High
        } else if name.ends_with(".pyc") {
            Severity::Low
        } else {
            Severity::Medium
        };
        problems.entry(j.file).or_default().push(Problem {
            severity,
            text: format!(
                "{}: sha256 {got} but RECORD says {}",
                crate::finding::display_path(path),
                j.want
            ),
        });
    }
    if skipped > 0 {
        if let Some(first) = jobs.first() {
            out.push((
                first.record,
                Finding::builder(
                    &resource_limit::RULE,
                    Location::file(&files[first.record].path),
                )
                .severity(Severity::Info)
                .message("installed files not hashed: the hashing budget is spent")
                .evidence(format!(
                    "{} not hashed after {}",
                    plural(skipped, "file"),
                    plural(spent, "byte")
                ))
                .build(),
            ));
        }
    }
    for (i, list) in problems {
        // One finding per severity on each report.
        let mut by_sev: BTreeMap<Severity, Vec<String>> = BTreeMap::new();
        for p in list {
            by_sev.entry(p.severity).or_default().push(p.text);
        }
        for (severity, texts) in by_sev.into_iter().rev() {
            // Changed files are reported at themselves (so a policy can accept one file, a CA
            // bundle, say, and no other); files that are gone at their RECORD.
            let at_record = matches!(file_name(&files[i].path), "RECORD" | "installed-files.txt");
            out.push((
                i,
                Finding::builder(&mismatch::RULE, Location::file(&files[i].path))
                    .severity(severity)
                    .message(if at_record {
                        format!(
                            "{} file(s) listed in this RECORD are not installed",
                            texts.len()
                        )
                    } else if severity == Severity::High {
                        "an installed startup file differs from its distribution's RECORD"
                            .to_string()
                    } else {
                        "an installed file differs from its distribution's RECORD".to_string()
                    })
                    .evidence(texts.iter().take(5).cloned().collect::<Vec<_>>().join("; "))
                    .build(),
            ));
        }
    }
    // Startup files in an environment folder that no RECORD owns.
    for (i, r) in files.iter().enumerate() {
        let name = file_name(&r.path);
        let full = normalise(&r.path);
        // `site` imports `sitecustomize` as a package (`sitecustomize/__init__.py`) or an
        // extension module (`sitecustomize.cpython-311-x86_64-linux-gnu.so`) as well.
        let hook_package = name == "__init__.py"
            && full
                .parent()
                .and_then(|d| d.file_name())
                .is_some_and(|d| d == "sitecustomize" || d == "usercustomize");
        let hook_native = r.format == Format::Executable
            && (name.starts_with("sitecustomize.") || name.starts_with("usercustomize."));
        if !(is_startup_name(name) || hook_package || hook_native) {
            continue;
        }
        let folder = if hook_package {
            full.parent().and_then(|d| d.parent())
        } else {
            full.parent()
        };
        let in_env = folder.is_some_and(|d| roots.contains(d));
        if !in_env || owned.contains(&full) {
            continue;
        }
        let lines: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.rule.id == pth_executable_line::RULE.id)
            .collect();
        let (severity, what) = match r.format {
            Format::Pth if lines.is_empty() => continue,
            Format::Pth if lines.iter().all(|f| f.severity == Severity::Info) => (
                Severity::Low,
                "a .pth with import lines of a known benign shape",
            ),
            Format::Pth => (Severity::High, "a .pth whose import lines Python executes"),
            Format::StartFile
                if !r
                    .findings
                    .iter()
                    .any(|f| f.rule.id == startup_entry_point::RULE.id) =>
            {
                continue
            }
            Format::StartFile => (
                Severity::High,
                "a .start file whose entry points Python runs",
            ),
            _ if name.ends_with(".py") => {
                (Severity::High, "a module Python imports at every start")
            }
            Format::Executable => (
                Severity::High,
                "a compiled module Python imports at every start",
            ),
            _ => continue,
        };
        out.push((
            i,
            Finding::builder(&unowned::RULE, Location::file(&r.path))
                .severity(severity)
                .message(format!(
                    "{what}, installed by no distribution: no RECORD in this environment lists it"
                ))
                .evidence(
                    lines
                        .first()
                        .map(|f| f.evidence.clone())
                        .unwrap_or_else(|| name.to_string()),
                )
                .build(),
        ));
    }
    // A virtual environment's activation scripts (`<env>/bin/activate`, beside
    // `<env>/pyvenv.cfg`) run in the user's shell at every activation; a byte-pattern rule
    // that matched one (a download piped into a shell, a reverse shell), low on its own
    // because installers' documentation shows such lines, is the environment's start-up code
    // here (tester t14 iv03).
    for (i, r) in files.iter().enumerate() {
        if !is_activation_script(file_name(&r.path)) {
            continue;
        }
        let full = normalise(&r.path);
        let Some(env) = full
            .parent()
            .filter(|b| matches!(file_name(b), "bin" | "Scripts"))
            .and_then(Path::parent)
        else {
            continue;
        };
        if !by_path.contains_key(&env.join("pyvenv.cfg")) {
            continue;
        }
        let Some(m) = r
            .findings
            .iter()
            .find(|f| f.rule.id == crate::rules::core::yara_match::RULE.id)
        else {
            continue;
        };
        out.push((
            i,
            Finding::builder(&crate::rules::package::startup_hook_file::RULE, Location::file(&r.path))
                .severity(Severity::High)
                .message(format!(
                    "a virtual environment's activation script, which runs in the user's shell at every activation, matches a byte-pattern rule: {}",
                    crate::finding::truncate_chars(&m.message, 120)
                ))
                .evidence(m.evidence.clone())
                .build(),
        ));
    }
    out
}

/// sha256 of a file as RECORD writes it (urlsafe base64, no padding), streamed.
fn sha256_file(path: &Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize()))
}

/// A RECORD `sha256=` value as urlsafe base64 without padding, the form the hashes are compared
/// in. PEP 376 and the wheel spec write urlsafe base64, but Debian's python3 packages install
/// RECORD files with hex digests (`distro`, `blinker` in `/usr/lib/python3/dist-packages`);
/// a value of exactly 64 hex digits cannot be base64 of a sha256 (that is 43 characters), so it
/// is read as hex. Anything else is kept as written and compared as base64.
fn record_sha256(value: &str) -> String {
    let value = value.trim_end_matches('=');
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        let mut digest = [0u8; 32];
        for (k, byte) in digest.iter_mut().enumerate() {
            // Checked as hex digits just above.
            *byte = u8::from_str_radix(&value[2 * k..2 * k + 2], 16).unwrap_or(0);
        }
        return base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_paths() {
        assert_eq!(
            record_row("a/b.py,sha256=xx,12"),
            Some(("a/b.py".to_string(), "sha256=xx", "12"))
        );
        assert_eq!(
            record_row("\"a,b.py\",,"),
            Some(("a,b.py".to_string(), "", ""))
        );
        assert_eq!(
            normalise(Path::new("env/lib/./x/../../bin/t")),
            PathBuf::from("env/bin/t")
        );
    }
}
