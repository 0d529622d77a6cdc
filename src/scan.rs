//! The scan job: discover files, analyse each in parallel with its own budget, collect reports.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analyse::{self, BudgetLimits, Ctx, Member};

/// Facts by artifact, then by name.
pub type Facts = std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;
use crate::discover::{self, DiscoverError};
use crate::finding::{Finding, Location, Severity, Verdict};
use crate::formats::Format;
use crate::rules;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// `--exclude` globs.
    pub exclude: Vec<String>,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Budget per top-level file.
    pub limits: BudgetLimits,
    /// Byte-pattern rules matched over every artifact (`None`: none). The CLI passes the
    /// built-in rules plus `--rules` folders ([`crate::yara::YaraRules::compile`]).
    pub yara: Option<std::sync::Arc<crate::yara::YaraRules>>,
}

/// The result for one file on disk.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its format, judged by content.
    pub format: Format,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why it was not analysed, for `Unanalysed`.
    pub reason: Option<String>,
    /// Findings, worst first.
    pub findings: Vec<Finding>,
    /// Archive members and wrapped streams found inside, with their formats.
    pub members: Vec<Member>,
    /// Facts by artifact (`path!member`) and name; see [`crate::analyse::Ctx::facts`].
    pub facts: Facts,
    /// True when the file could not be read.
    pub io_error: bool,
    /// sha256 of the file, taken while it was in memory anyway: set for Python sources and
    /// startup files (`.pth`, `.start`) read whole, the files the installed-environment check
    /// compares with RECORD (`check/installed.rs`), so that check does not read them again.
    /// Files memory-mapped (over 1 MiB) are left to that check, which streams them.
    pub sha256: Option<[u8; 32]>,
    /// Findings a policy entry accepted, with its reason ([`crate::policy`]); they count for
    /// nothing but are reported.
    pub suppressed: Vec<(Finding, String)>,
    /// Python modules' links to the other modules of their package
    /// ([`crate::analyse::Ctx::python_links`]), for the check stage.
    pub python_links: Vec<crate::formats::python::ModuleLinks>,
    /// `.pyc` files read ([`crate::analyse::Ctx::pyc_modules`]), judged by the check stage
    /// by the files beside them.
    pub pyc_modules: Vec<crate::formats::pyc::PycModule>,
}

impl FileReport {
    /// The worst severity among its findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Sort the findings worst first and set the verdict from them (again, after the check
    /// stage added some).
    pub fn grade(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.location.cmp(&b.location))
                .then_with(|| a.rule.id.cmp(b.rule.id))
        });
        let worst = self.worst();
        // A file that could not be read was not analysed, whatever the `io-error` severity.
        self.verdict = if self.io_error
            || (self.reason.is_some() && worst.is_none_or(|w| w < Severity::Medium))
        {
            Verdict::Unanalysed
        } else {
            Verdict::from_worst(worst)
        };
    }
}

/// The result of a whole scan.
#[derive(Debug, Clone)]
pub struct ScanReport {
    /// One report per file, sorted by path.
    pub files: Vec<FileReport>,
    /// Wall time of the scan.
    pub elapsed: Duration,
    /// Policy suppressions that matched no finding, as `rule at glob`.
    pub unused_suppressions: Vec<String>,
    /// `--exclude` globs that matched no path, as given.
    pub unmatched_excludes: Vec<String>,
}

impl ScanReport {
    /// Findings of every file.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// True when any file could not be read.
    pub fn had_io_errors(&self) -> bool {
        self.files.iter().any(|f| f.io_error)
    }
}

/// Whether `link` is a virtual environment's interpreter link: `python*` (or `pypy*`) in the
/// `bin/` (`Scripts/`) folder of a root holding `pyvenv.cfg`, pointing at an interpreter of
/// that name shape (PEP 405: `venv` links the base interpreter named by `home` there).
fn venv_interpreter_link(link: &Path, target: &Path) -> bool {
    let interpreter = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("python") || n.starts_with("pypy"))
    };
    let Some(bin) = link.parent() else {
        return false;
    };
    matches!(
        bin.file_name().and_then(|n| n.to_str()),
        Some("bin" | "Scripts")
    ) && bin
        .parent()
        .is_some_and(|root| root.join("pyvenv.cfg").is_file())
        && interpreter(link)
        && interpreter(target)
}

/// Run a scan. `progress` is called once per finished file (from worker threads).
///
/// Errors: only a bad `--exclude` glob stops a scan; unreadable files become reports with an
/// `io-error` finding.
pub fn scan(
    opts: &ScanOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ScanReport, DiscoverError> {
    let start = Instant::now();
    let mut exclude = discover::excludes(&opts.exclude)?;
    let found = discover::discover(&opts.paths, &mut exclude);
    let total = found.files.len();
    let order = largest_first(&found.files);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let work = || -> Vec<FileReport> {
        // Handed out one at a time in this order (`par_bridge`), so the largest start first;
        // the reports are sorted by path afterwards.
        order
            .iter()
            .par_bridge()
            .map(|p| {
                let r = scan_file_with(p, opts.limits, opts.yara.clone());
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total);
                r
            })
            .collect()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .ok();
    let mut files = match &pool {
        Some(pool) => pool.install(work),
        None => work(),
    };
    for (link, target) in &found.escaping_links {
        let shown = crate::finding::display_path(target);
        let secret = secret_target(&target.to_string_lossy());
        let mut f = Finding::builder(
            &rules::core::symlink_outside_root::RULE,
            Location::file(link),
        )
        .message(match secret {
            Some(what) => format!(
                "symbolic link points outside the scanned folder, at {what}; a loader that follows it reads (and may upload) that file; not followed"
            ),
            None => "symbolic link points outside the scanned folder; not followed".to_string(),
        })
        .evidence(format!("link target {shown}"));
        if secret.is_some() {
            f = f.severity(Severity::High);
        } else if venv_interpreter_link(link, target) {
            f = f
                .severity(Severity::Info)
                .message("a virtual environment's interpreter link (`pyvenv.cfg` beside its `bin/`), as `python -m venv` makes it; not followed");
        }
        let f = f.build();
        files.push(report_of(
            link,
            0,
            Format::Unknown,
            vec![f],
            Vec::new(),
            None,
            false,
        ));
    }
    for (path, err) in &found.errors {
        files.push(io_error_report(path, err));
    }
    files.sort_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
    // The check stage: rules over all files (docs/architecture.md).
    // On the scan's pool, so `--jobs` bounds the checks' threads too.
    let inputs = crate::check::Inputs {
        yara: opts.yara.clone(),
    };
    match &pool {
        Some(pool) => pool.install(|| crate::check::run(&mut files, &inputs)),
        None => crate::check::run(&mut files, &inputs),
    }
    Ok(ScanReport {
        files,
        elapsed: start.elapsed(),
        unused_suppressions: Vec::new(),
        unmatched_excludes: found.unmatched_excludes,
    })
}

/// What a link target names when it is a credential store or a system secret (a path in
/// [`crate::formats::python::CREDENTIALS`], `/etc/shadow`, the process environment, ...).
fn secret_target(target: &str) -> Option<&'static str> {
    const SYSTEM: &[(&str, &str)] = &[
        ("/etc/shadow", "the system's password hashes"),
        ("/etc/gshadow", "the system's password hashes"),
        ("/etc/passwd", "the system's account list"),
        ("/etc/sudoers", "the sudo configuration"),
        (
            "/proc/",
            "a process's live state (environment, memory, files)",
        ),
        (".netrc", "a credential store"),
        (".gnupg/", "a credential store"),
    ];
    let t = target.replace('\\', "/");
    if let Some((_, what)) = SYSTEM
        .iter()
        .find(|(p, _)| t.contains(p) || t.ends_with(p.trim_end_matches('/')))
    {
        return Some(what);
    }
    // A `.env` file (the link is not followed, so a virtual environment named `.env` looks the
    // same; such a link out of a model folder deserves a look anyway).
    if t.ends_with("/.env") || t == ".env" {
        return Some("an environment file with secrets");
    }
    crate::formats::python::CREDENTIALS
        .iter()
        .any(|c| t.contains(c))
        .then_some("a credential store")
}

/// Inputs up to this count are started largest first.
const ORDER_BY_SIZE_MAX: usize = 4096;

/// The files in the order they are started. With few inputs (a folder of wheels, a model
/// repository) the wall time is set by the largest one, so they are started largest first
/// (longest-processing-time-first scheduling); with many, work stealing balances the load and a
/// `stat` per file would cost more than it saves, so discovery order is kept.
fn largest_first(files: &[std::path::PathBuf]) -> Vec<&Path> {
    let mut order: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    if order.len() > 1 && order.len() <= ORDER_BY_SIZE_MAX {
        order
            .sort_by_cached_key(|p| std::cmp::Reverse(std::fs::metadata(p).map_or(0, |m| m.len())));
    }
    order
}

/// Run `analyse` on `ctx`, containing a panic of an analyser to the file at `loc`: the findings
/// made before it stay, an `analysis-error` finding (high) carries the panic's message, and the
/// file's format is what was sniffed (`Format::Unknown` when nothing was). The panic itself is
/// still printed on standard error by the default hook. A hostile file must give a finding,
/// never end a scan of thirty thousand others.
fn contained(
    ctx: &mut Ctx,
    loc: &Location,
    sniffed: Option<Format>,
    analyse: impl FnOnce(&mut Ctx) -> Format,
) -> Format {
    let run = std::panic::AssertUnwindSafe(|| analyse(&mut *ctx));
    match std::panic::catch_unwind(run) {
        Ok(format) => format,
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            ctx.emit(
                Finding::builder(&rules::core::analysis_error::RULE, loc.clone())
                    .message("airlock's analysis of this file stopped on an internal error (a bug in airlock); what it had not reached was not analysed")
                    .evidence(crate::finding::truncate_chars(&why, 300))
                    .build(),
            );
            sniffed.unwrap_or(Format::Unknown)
        }
    }
}

fn io_error_report(path: &Path, err: &str) -> FileReport {
    let f = Finding::builder(&rules::core::io_error::RULE, Location::file(path))
        .message("the file could not be read")
        .evidence(err.to_string())
        .build();
    report_of(
        path,
        0,
        Format::Unknown,
        vec![f],
        Vec::new(),
        Some(format!("could not be read: {err}")),
        true,
    )
}

fn report_of(
    path: &Path,
    size: u64,
    format: Format,
    findings: Vec<Finding>,
    members: Vec<Member>,
    reason: Option<String>,
    io_error: bool,
) -> FileReport {
    let mut r = FileReport {
        path: path.to_path_buf(),
        size,
        format,
        verdict: Verdict::Clean,
        reason,
        findings,
        members,
        facts: Facts::new(),
        io_error,
        sha256: None,
        suppressed: Vec::new(),
        python_links: Vec::new(),
        pyc_modules: Vec::new(),
    };
    r.grade();
    r
}

/// Files up to this size are read into memory; larger ones are memory-mapped. Mapping and
/// unmapping thousands of small files costs more (TLB shootdowns across threads) than reading
/// them.
const MAP_THRESHOLD: u64 = 1 << 20;

/// A file's bytes: read or mapped.
enum Bytes {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Read(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

/// Bytes read first from a file; without byte-pattern rules, text and executables are judged from
/// them alone.
const HEAD: u64 = 4096;

/// Bytes at the end of a file judged by its head that are searched for a zip end record: 4 KiB
/// for text (a zip comment longer than that behind text is not found), the whole 64 KiB comment
/// range for everything else.
const TEXT_TAIL: u64 = 4096;
const ZIP_TAIL: u64 = 22 + 65535;

/// Text files read whole although their head says text: chat templates and the JSON configs that
/// carry them, whose `chat_template` key usually sits after a long `added_tokens_decoder`, and
/// YAML files, whose `_target_` keys may come late. Their format is still decided by content
/// ([`crate::formats::chat_template`], [`crate::formats::hydra`]); up to 64 MiB.
fn reads_whole_text(path: &Path, size: u64) -> bool {
    size <= MAX_WHOLE_TEXT && carries_template(path)
        // Build files are read for the commands they run (`formats/build_files.rs`).
        || size <= crate::formats::build_files::MAX_TEXT as u64
            && path.file_name().is_some_and(|n| {
                crate::formats::build_files::kind(&n.to_string_lossy()).is_some()
            })
}

/// Largest file [`reads_whole_text`] reads whole (bytes).
const MAX_WHOLE_TEXT: u64 = 64 << 20;

/// Names of the text files that carry chat templates or instantiate configs
/// ([`crate::formats::tar::carries_template`]).
fn carries_template(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| crate::formats::tar::carries_template(&n.to_string_lossy()))
}

/// Read a file: the whole of it, or only its head when the head decides that nothing more is
/// needed (text or an executable, when no byte-pattern rules are `matched` over it, and no zip
/// end record in the tail). The second value is the format sniffed from the head when only the
/// head is returned.
fn load(
    mut file: File,
    size: u64,
    name: &str,
    whole_text: bool,
    matched: bool,
) -> std::io::Result<(Bytes, Option<Format>)> {
    use std::io::{Read, Seek, SeekFrom};
    if size > HEAD && !matched {
        let mut head = vec![0u8; HEAD as usize];
        file.read_exact(&mut head)?;
        let f = crate::formats::refine_by_name(crate::formats::sniff(&head), name);
        if matches!(f, Format::Text | Format::Executable) && !(f == Format::Text && whole_text) {
            let want = if f == Format::Text {
                TEXT_TAIL
            } else {
                ZIP_TAIL
            };
            let n = want.min(size - HEAD);
            let mut tail = vec![0u8; n as usize];
            file.seek(SeekFrom::Start(size - n))?;
            file.read_exact(&mut tail)?;
            // libhdf5 opens a file whose superblock follows a user block of text or code.
            let hdf5 = crate::formats::hdf5::superblock_offsets(size).any(|o| {
                let mut sig = [0u8; 8];
                o > 0
                    && file.seek(SeekFrom::Start(o)).is_ok()
                    && file.read_exact(&mut sig).is_ok()
                    && &sig == crate::formats::hdf5::MAGIC
            });
            if memchr::memmem::find(&tail, b"PK\x05\x06").is_none() && !hdf5 {
                return Ok((Bytes::Read(head), Some(f)));
            }
        }
        file.seek(SeekFrom::Start(0))?;
    }
    if size <= MAP_THRESHOLD {
        let mut v = Vec::with_capacity(size as usize);
        file.read_to_end(&mut v)?;
        return Ok((Bytes::Read(v), None));
    }
    // SAFETY: the map is read-only and private; a file truncated by another process while it is
    // mapped can raise SIGBUS, the documented hazard of memmap2 that every mmap-based scanner
    // (ripgrep included) accepts for read-only inputs.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok((Bytes::Mapped(map), None))
}

/// Analyse one file on disk with a fresh budget and no byte-pattern rules.
pub fn scan_file(path: &Path, limits: BudgetLimits) -> FileReport {
    scan_file_with(path, limits, None)
}

/// [`scan_file`], matching `yara` over every artifact of a matched format
/// ([`crate::yara::matched_format`]).
pub fn scan_file_with(
    path: &Path,
    limits: BudgetLimits,
    yara: Option<std::sync::Arc<crate::yara::YaraRules>>,
) -> FileReport {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return io_error_report(path, &e.to_string()),
    };
    let size = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return io_error_report(path, &e.to_string()),
    };
    if size == 0 {
        return report_of(
            path,
            0,
            Format::Unknown,
            Vec::new(),
            Vec::new(),
            Some("empty file".into()),
            false,
        );
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Text and executables are matched by the byte-pattern rules ([`crate::yara::matched_format`])
    // as they are inside archives: whole, up to the matched bound, so padding a script past its
    // head hides nothing.
    let matched = yara.is_some();
    let (data, sniffed) = match load(file, size, &name, reads_whole_text(path, size), matched) {
        Ok(d) => d,
        Err(e) => return io_error_report(path, &e.to_string()),
    };
    let mut ctx = Ctx::new(limits).with_yara(yara);
    let loc = Location::file(path);
    if size > MAX_WHOLE_TEXT && carries_template(path) {
        // Padding a tokenizer config past the bound must not silence its template.
        ctx.limit_at(
            Severity::High,
            &loc,
            &format!("a chat-template or config file larger than {MAX_WHOLE_TEXT} bytes"),
            "the template (only the first bytes were read)",
        );
    }
    let format = contained(&mut ctx, &loc, sniffed, |ctx| {
        analyse::analyse(ctx, &data, sniffed, size, &loc, &name, 0)
    });
    let reason = match format {
        Format::Unknown => Some("format not recognised".to_string()),
        Format::Text => Some("text, not a model format".to_string()),
        Format::Executable => Some("executable or library, not a model format".to_string()),
        _ => None,
    };
    ctx.fold_repeats(&loc);
    let facts = std::mem::take(&mut ctx.facts);
    let links = std::mem::take(&mut ctx.python_links);
    let mut report = report_of(path, size, format, ctx.findings, ctx.members, reason, false);
    report.facts = facts;
    report.python_links = links;
    report.pyc_modules = std::mem::take(&mut ctx.pyc_modules);
    // Only files read into memory: hashing a mapped one would pull every page into the
    // resident set (a PyTorch zip named `*.pth`); the check stage streams those instead.
    if matches!(data, Bytes::Read(_))
        && data.len() as u64 == size
        && crate::check::installed::hashed_when_installed(&name)
    {
        report.sha256 = Some(crate::formats::pypkg::sha256(&data));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_of_an_analyser_is_contained_to_its_file() {
        let mut ctx = Ctx::new(BudgetLimits::default());
        let loc = Location::file(Path::new("crafted.pkl"));
        let format = contained(&mut ctx, &loc, Some(Format::Npy), |ctx| {
            ctx.limit(&loc, "a bound reached before the panic", "the rest");
            let formats: Vec<Format> = Vec::new();
            formats[formats.len() + 3]
        });
        assert_eq!(format, Format::Npy);
        let ids: Vec<&str> = ctx.findings.iter().map(|f| f.rule.id).collect();
        assert_eq!(ids, vec!["resource-limit", "analysis-error"]);
        let f = &ctx.findings[1];
        assert_eq!(f.severity, Severity::High);
        assert!(f.evidence.contains("index out of bounds"), "{}", f.evidence);
        // Without a panic, the analyser's format is returned and nothing is added.
        let mut ctx = Ctx::new(BudgetLimits::default());
        assert_eq!(
            contained(&mut ctx, &loc, None, |_| Format::Gguf),
            Format::Gguf
        );
        assert!(ctx.findings.is_empty());
    }
}
