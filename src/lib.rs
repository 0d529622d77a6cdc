//! airlock verifies open-source AI artifacts (model files, archives, model repositories) before
//! anything loads them, without ever loading, importing, unpickling or executing them.
//!
//! The pipeline (see `docs/architecture.md`): [`discover`] walks the inputs, [`formats::sniff`]
//! decides each format from content, [`analyse`] runs the format's analyser with a
//! [`analyse::Budget`] and recurses into members, and [`report`] renders the findings.
//!
//! ```
//! use airlock::analyse::{analyse, BudgetLimits, Ctx};
//! use airlock::finding::{Location, Severity};
//!
//! // `pickle.dumps` of an object whose __reduce__ returns (os.system, ('echo hi',)), protocol 2.
//! let payload = b"\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03.";
//! let mut ctx = Ctx::new(BudgetLimits::default());
//! analyse(&mut ctx, payload, None, payload.len() as u64, &Location::file("model.bin"), "model.bin", 0);
//! let worst = &ctx.findings[0];
//! assert_eq!(worst.rule.id, "pickle-dangerous-call");
//! assert_eq!(worst.severity, Severity::Critical);
//! assert_eq!(worst.evidence, "posix.system('echo hi')");
//! ```

#![deny(unsafe_code)]

pub mod analyse;
pub mod check;
pub mod cli;
pub mod discover;
pub mod finding;
pub mod formats;
pub mod osv;
pub mod policy;
pub mod report;
pub mod rules;
pub mod scan;
pub mod yara;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

pub use finding::{Finding, Location, Severity, Verdict};
pub use formats::Format;
pub use scan::{scan, ScanOptions, ScanReport};

use cli::{Cli, Command, DbCommand, ScanArgs};
use report::OutputFormat;

/// Exit code: passed.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings at or above the gate.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage or I/O error.
pub const EXIT_ERROR: u8 = 2;

/// Run a parsed command line; returns the process exit code.
///
/// Exit codes do not depend on `--format`: 1 when a finding is at or above `--fail-on`, else 2
/// when a file could not be read or the command failed, else 0.
pub fn run(cli: Cli) -> ExitCode {
    let stderr = &mut std::io::stderr();
    let code = match cli.command {
        Command::Scan(args) => run_scan(&args, stderr),
        Command::Explain { rule } => match rules::by_id(&rule).and_then(|r| r.doc()) {
            Some(doc) => write_or_fail(&mut std::io::stdout(), doc.as_bytes(), stderr),
            None => {
                let _ = writeln!(
                    stderr,
                    "airlock: no rule {rule:?}; `airlock rules` lists them"
                );
                EXIT_ERROR
            }
        },
        Command::Db(DbCommand::Update { dir }) => match dir.or_else(osv::default_path) {
            None => {
                let _ = writeln!(
                    stderr,
                    "airlock: no cache folder (set XDG_CACHE_HOME or HOME, or pass --dir)"
                );
                EXIT_ERROR
            }
            Some(dir) => match osv::update(&dir) {
                Ok(n) => {
                    let _ = writeln!(
                        stderr,
                        "airlock: {n} bytes from {} written to {}",
                        osv::PYPI_EXPORT_URL,
                        dir.join(osv::EXPORT_FILE).display()
                    );
                    EXIT_OK
                }
                Err(e) => {
                    let _ = writeln!(stderr, "airlock: db update failed: {e}");
                    EXIT_ERROR
                }
            },
        },
        Command::Rules => write_or_fail(
            &mut std::io::stdout(),
            report::human::rules_table(rules::RULES).as_bytes(),
            stderr,
        ),
    };
    ExitCode::from(code)
}

fn write_or_fail(out: &mut dyn Write, bytes: &[u8], err: &mut dyn Write) -> u8 {
    match out.write_all(bytes) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "airlock: {e}");
            EXIT_ERROR
        }
    }
}

fn run_scan(args: &ScanArgs, stderr: &mut dyn Write) -> u8 {
    let mut limits = analyse::BudgetLimits {
        max_depth: args.max_depth,
        max_decompressed: args.max_decompressed_mib.saturating_mul(1 << 20),
        max_members: args.max_members,
        max_time: Duration::from_secs(args.max_seconds),
        ..Default::default()
    };
    limits.pickle.max_opcodes = args.max_opcodes;
    // Byte-pattern rules are compiled once per run: the built-in set and `--rules` folders. A
    // rule file that does not compile is a usage error.
    let yara = match yara::YaraRules::compile(&args.rules) {
        Ok(r) => std::sync::Arc::new(r),
        Err(e) => {
            let _ = writeln!(stderr, "airlock: {e}");
            return EXIT_ERROR;
        }
    };
    let opts = ScanOptions {
        paths: args.paths.clone(),
        exclude: args.exclude.clone(),
        jobs: args.jobs,
        limits,
        yara: Some(yara),
    };
    // The OSV database is loaded once per scan: `--db`, else the default cache when present.
    let db_path = args.db.clone().or_else(|| {
        // The cache counts once something was stored in it (`airlock db update`'s export,
        // or records put there); an empty folder is no database.
        osv::default_path().filter(|p| p.read_dir().is_ok_and(|mut d| d.next().is_some()))
    });
    let db = match db_path.map(|p| osv::Db::load(&p)) {
        None => None,
        Some(Ok(db)) => Some(db),
        Some(Err(e)) => {
            let _ = writeln!(stderr, "airlock: {e}");
            return EXIT_ERROR;
        }
    };
    let policy = match args.policy.as_deref().map(policy::Policy::load) {
        None => policy::Policy::default(),
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            let _ = writeln!(stderr, "airlock: {e}");
            return EXIT_ERROR;
        }
    };
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = report::progress::Progress::new(show_progress);
    let result = scan(&opts, &|done, total| bar.tick(done, total));
    bar.finish();
    let mut report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(stderr, "airlock: {e}");
            return EXIT_ERROR;
        }
    };
    // Both warnings leave the exit code alone: nothing was found wrong, but a typo in a glob
    // or a path would otherwise pass as a clean scan.
    for g in &report.unmatched_excludes {
        let _ = writeln!(
            stderr,
            "airlock: warning: --exclude {g:?} matched no path, so it excluded nothing"
        );
    }
    if report.files.is_empty() {
        let roots: Vec<String> = args
            .paths
            .iter()
            .map(|p| finding::display_path(p))
            .collect();
        let excluded = if args.exclude.is_empty() {
            String::new()
        } else {
            " (after --exclude)".to_string()
        };
        let _ = writeln!(
            stderr,
            "airlock: warning: no files to scan under {}{excluded}",
            roots.join(", ")
        );
    }
    check::advisories::apply(&mut report.files, db.as_ref());
    if db.is_none() {
        // Releases were found but nothing checked them: say so rather than pass silently (a
        // warning, so `--quiet` keeps it, as README says).
        let releases = check::advisories::release_count(&report.files);
        if releases > 0 {
            let what = if releases == 1 {
                "1 Python release or pin was".to_string()
            } else {
                format!("{releases} Python releases and pins were")
            };
            let _ = writeln!(
                stderr,
                "airlock: note: {what} not checked against known-malicious and vulnerable releases: no OSV database (give --db PATH, or run `airlock db update`)"
            );
        }
    }
    report.unused_suppressions = policy
        .apply(&mut report)
        .iter()
        .map(|s| format!("{} at {}", s.rule, s.path))
        .collect();
    for s in &report.unused_suppressions {
        let _ = writeln!(
            stderr,
            "airlock: warning: policy suppression {s} matched no finding"
        );
    }
    for f in report.files.iter().filter(|f| f.io_error) {
        let _ = writeln!(
            stderr,
            "airlock: {}: {}",
            finding::display_path(&f.path),
            f.reason.as_deref().unwrap_or("could not be read")
        );
    }
    let mut buf: Vec<u8> = Vec::new();
    let color = args.output.is_none() && std::io::stdout().is_terminal();
    let written = match args.format {
        OutputFormat::Human => {
            use report::human::Detail;
            let detail = if args.quiet {
                Detail::Quiet
            } else if args.verbose {
                Detail::Verbose
            } else {
                Detail::Normal
            };
            report::human::write(&mut buf, &report, color, detail)
        }
        OutputFormat::Json => report::json::write(&mut buf, &report),
        OutputFormat::Sarif => report::sarif::write(&mut buf, &report),
    };
    let written = written.and_then(|()| match &args.output {
        Some(p) => std::fs::write(p, &buf),
        None => std::io::stdout().write_all(&buf),
    });
    if let Err(e) = written {
        let to = args.output.as_ref().map_or_else(
            || "standard output".to_string(),
            |p| p.display().to_string(),
        );
        let _ = writeln!(stderr, "airlock: cannot write the report to {to}: {e}");
        return EXIT_ERROR;
    }
    if report::Summary::of(&report).at_or_above(args.fail_on) > 0 {
        EXIT_FINDINGS
    } else if report.had_io_errors() {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}
