//! Human output: files with findings grouped, worst first; colour only on a terminal; one
//! summary line at the end, the same at every [`Detail`] level.
//!
//! Each file is headed by its verdict (`MALICIOUS`, `SUSPICIOUS`, `clean`, `unanalysed`),
//! except that a clean file with low findings is headed [`NOTES`]: its verdict is still clean.

use std::io::{self, Write};

use crate::finding::{escape_controls, plural, Severity, Verdict};
use crate::report::Summary;
use crate::rules::Rule;
use crate::scan::ScanReport;

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn sev_code(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// The word that heads a file whose verdict is clean but which has low findings (worst low).
pub const NOTES: &str = "notes";

/// How much the human report shows above its summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// `--quiet`: the summary line alone.
    Quiet,
    /// Files with findings above info, each finding with its location and evidence.
    Normal,
    /// `--verbose`: also info findings, suppressed findings, clean and unanalysed files (with
    /// the reason) and facts.
    Verbose,
}

/// Write the report: the files `detail` asks for, then [`summary_line`].
pub fn write(
    out: &mut dyn Write,
    report: &ScanReport,
    color: bool,
    detail: Detail,
) -> io::Result<()> {
    if detail != Detail::Quiet {
        write_files(out, report, color, detail == Detail::Verbose)?;
    }
    writeln!(out, "{}", summary_line(report))
}

fn write_files(
    out: &mut dyn Write,
    report: &ScanReport,
    color: bool,
    verbose: bool,
) -> io::Result<()> {
    let mut files: Vec<_> = report
        .files
        .iter()
        .filter(|f| verbose || f.findings.iter().any(|x| x.severity > Severity::Info))
        .collect();
    files.sort_by(|a, b| b.worst().cmp(&a.worst()).then_with(|| a.path.cmp(&b.path)));
    for f in files {
        let verdict = match f.verdict {
            Verdict::Malicious => paint(color, "1;31", "MALICIOUS"),
            Verdict::Suspicious => paint(color, "33", "SUSPICIOUS"),
            // Low findings leave a file clean (JSON `clean`, counted clean in the summary),
            // but `clean` above a list of findings reads as a contradiction: such a file is
            // headed `notes`, the word SARIF uses for low (`level: note`).
            Verdict::Clean if f.worst() == Some(Severity::Low) => paint(color, "36", NOTES),
            Verdict::Clean => paint(color, "32", "clean"),
            Verdict::Unanalysed => paint(color, "2", "unanalysed"),
        };
        writeln!(
            out,
            "{} {} [{}]",
            verdict,
            paint(
                color,
                "1",
                &escape_controls(&crate::finding::display_path(&f.path))
            ),
            f.format.name()
        )?;
        for x in &f.findings {
            if x.severity == Severity::Info && !verbose {
                continue;
            }
            writeln!(
                out,
                "  {:<8} {} {}",
                paint(color, sev_code(x.severity), x.severity.as_str()),
                paint(color, "1", x.rule.id),
                escape_controls(&x.message)
            )?;
            // Names and evidence come from the artifact: no terminal controls get through.
            writeln!(
                out,
                "           at {}",
                escape_controls(&x.location.to_string())
            )?;
            writeln!(out, "           {}", escape_controls(&x.evidence))?;
        }
        if verbose {
            for (x, reason) in &f.suppressed {
                writeln!(
                    out,
                    "  {:<8} {} {} (suppressed: {reason})",
                    paint(color, "2", x.severity.as_str()),
                    x.rule.id,
                    x.message
                )?;
            }
            if let Some(r) = &f.reason {
                writeln!(out, "  ({r})")?;
            }
            for (artifact, facts) in &f.facts {
                let shown: Vec<String> = facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(out, "  facts {artifact}: {}", shown.join(", "))?;
            }
        }
    }
    Ok(())
}

/// The one-line summary that ends every human report, `--quiet` or not:
/// `2 files in 0.01s: 1 malicious, 0 suspicious, 1 clean, 0 unanalysed; 1 finding: 1 critical,
/// 0 high, 0 medium, 0 low, 0 info`, then `; N folded (...)` when repeated findings were
/// folded (they are in the counts, [`crate::analyse::Ctx::fold_repeats`]) and
/// `; N suppressed by the policy` when a policy suppressed findings. Verdicts and severities
/// are adjectives, so only the two counts of things (files, findings) take a plural.
pub fn summary_line(report: &ScanReport) -> String {
    let s = Summary::of(report);
    let [info, low, medium, high, critical] = s.by_severity;
    format!(
        "{} in {:.2}s: {} malicious, {} suspicious, {} clean, {} unanalysed; {}: {critical} critical, {high} high, {medium} medium, {low} low, {info} info{}",
        plural(s.files, "file"),
        report.elapsed.as_secs_f64(),
        s.malicious,
        s.suspicious,
        s.clean,
        s.unanalysed,
        plural(s.by_severity.iter().sum::<usize>(), "finding"),
        notes(&s)
    )
}

/// `; N folded` when fold entries stand for findings not listed one by one, then
/// `; N suppressed by the policy` when a policy suppressed findings, else nothing.
fn notes(s: &Summary) -> String {
    let mut out = String::new();
    if s.folded > 0 {
        out.push_str(&format!(
            "; {} folded (repeats of a rule not listed one by one)",
            s.folded
        ));
    }
    out.push_str(&suppressed_note(s));
    out
}

/// `; N suppressed by the policy` when a policy suppressed findings, else nothing.
fn suppressed_note(s: &Summary) -> String {
    if s.suppressed == 0 {
        String::new()
    } else {
        format!("; {} suppressed by the policy", s.suppressed)
    }
}

/// The `airlock rules` table: id, default severity and summary, one rule a line, in columns as
/// wide as their widest entry (plus two spaces), so a long id never shifts the columns after it.
pub fn rules_table(rules: &[&Rule]) -> String {
    let id_width = rules
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(0);
    let sev_width = rules
        .iter()
        .map(|r| r.default_severity.as_str().chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for r in rules {
        s.push_str(&format!(
            "{:<id_width$}  {:<sev_width$}  {}\n",
            r.id,
            r.default_severity.as_str(),
            r.summary
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Location};
    use crate::formats::Format;
    use crate::scan::FileReport;

    fn file(path: &str, format: Format, findings: Vec<Finding>) -> FileReport {
        let mut f = FileReport {
            path: path.into(),
            size: 1,
            format,
            verdict: Verdict::Clean,
            reason: None,
            findings,
            members: Vec::new(),
            facts: Default::default(),
            io_error: false,
            sha256: None,
            suppressed: Vec::new(),
            python_links: Vec::new(),
            pyc_modules: Vec::new(),
        };
        f.grade();
        f
    }

    fn finding(path: &str, severity: Severity) -> Finding {
        Finding::builder(
            &crate::rules::package::pth_executable_line::RULE,
            Location::file(path),
        )
        .severity(severity)
        .message("Python executes this .pth line at every interpreter start")
        .evidence("import x; x.run()")
        .build()
    }

    fn render(report: &ScanReport, detail: Detail) -> String {
        let mut buf = Vec::new();
        write(&mut buf, report, false, detail).expect("write to a Vec");
        String::from_utf8(buf).expect("utf-8")
    }

    /// A clean file with low findings is headed `notes`, not `clean` above its findings; its
    /// verdict (and so JSON's and the summary's) stays clean. Files without findings, or with
    /// info findings only, are still headed `clean`.
    #[test]
    fn a_clean_file_with_low_findings_is_headed_notes() {
        let low = file("a.pth", Format::Pth, vec![finding("a.pth", Severity::Low)]);
        assert_eq!(low.verdict, Verdict::Clean);
        let info = file("b.pth", Format::Pth, vec![finding("b.pth", Severity::Info)]);
        let none = file("c.pth", Format::Pth, Vec::new());
        let medium = file(
            "d.pth",
            Format::Pth,
            vec![finding("d.pth", Severity::Medium)],
        );
        let report = ScanReport {
            files: vec![low, info, none, medium],
            elapsed: std::time::Duration::ZERO,
            unused_suppressions: Vec::new(),
            unmatched_excludes: Vec::new(),
        };
        let normal = render(&report, Detail::Normal);
        let heads: Vec<&str> = normal.lines().filter(|l| !l.starts_with(' ')).collect();
        assert_eq!(
            heads,
            vec![
                "SUSPICIOUS d.pth [pth]",
                "notes a.pth [pth]",
                "4 files in 0.00s: 0 malicious, 1 suspicious, 3 clean, 0 unanalysed; 3 findings: 0 critical, 0 high, 1 medium, 1 low, 1 info",
            ],
            "{normal}"
        );
        let verbose = render(&report, Detail::Verbose);
        let heads: Vec<&str> = verbose.lines().filter(|l| !l.starts_with(' ')).collect();
        assert_eq!(
            heads[..4],
            [
                "SUSPICIOUS d.pth [pth]",
                "notes a.pth [pth]",
                "clean b.pth [pth]",
                "clean c.pth [pth]",
            ],
            "{verbose}"
        );
    }
}
