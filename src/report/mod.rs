//! Reporters: the only code that writes output. Each renders a [`ScanReport`] to a writer.

pub mod human;
pub mod json;
pub mod progress;
pub mod sarif;

use crate::finding::Severity;
use crate::scan::ScanReport;

/// Output formats for `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Grouped by file, worst first, with a summary line.
    Human,
    /// Versioned JSON (`docs/json-output.md`).
    Json,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
}

/// Counts shown in every summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Files scanned.
    pub files: usize,
    /// Files with a malicious verdict.
    pub malicious: usize,
    /// Files with a suspicious verdict.
    pub suspicious: usize,
    /// Files analysed and clean.
    pub clean: usize,
    /// Files not analysed (not a model format, unreadable).
    pub unanalysed: usize,
    /// Findings by severity, `[info, low, medium, high, critical]`, folded ones included (a
    /// fold entry counts as the findings it stands for, [`crate::Finding::count`]).
    pub by_severity: [usize; 5],
    /// Findings a policy suppressed (not in `by_severity`).
    pub suppressed: usize,
    /// Findings in `by_severity` that are not listed one by one but counted by a fold entry
    /// ([`crate::analyse::Ctx::fold_repeats`]).
    pub folded: usize,
}

impl Summary {
    /// Count a report.
    pub fn of(report: &ScanReport) -> Summary {
        use crate::finding::Verdict;
        let mut s = Summary {
            files: report.files.len(),
            ..Summary::default()
        };
        for f in &report.files {
            match f.verdict {
                Verdict::Malicious => s.malicious += 1,
                Verdict::Suspicious => s.suspicious += 1,
                Verdict::Clean => s.clean += 1,
                Verdict::Unanalysed => s.unanalysed += 1,
            }
        }
        let n = |f: &crate::Finding| usize::try_from(f.count()).unwrap_or(usize::MAX);
        for f in report.findings() {
            s.by_severity[f.severity as usize] += n(f);
            s.folded += usize::try_from(f.folded).unwrap_or(usize::MAX);
        }
        s.suppressed = report
            .files
            .iter()
            .flat_map(|f| f.suppressed.iter())
            .map(|(x, _)| n(x))
            .sum();
        s
    }

    /// Findings at or above `gate`.
    pub fn at_or_above(&self, gate: Severity) -> usize {
        self.by_severity[gate as usize..].iter().sum()
    }
}
