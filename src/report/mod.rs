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
    /// Findings by severity, `[info, low, medium, high, critical]`.
    pub by_severity: [usize; 5],
    /// Findings a policy suppressed (not in `by_severity`).
    pub suppressed: usize,
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
        for f in report.findings() {
            s.by_severity[f.severity as usize] += 1;
        }
        s.suppressed = report.files.iter().map(|f| f.suppressed.len()).sum();
        s
    }

    /// Findings at or above `gate`.
    pub fn at_or_above(&self, gate: Severity) -> usize {
        self.by_severity[gate as usize..].iter().sum()
    }
}
