//! `analysis-error`: an analyser stopped on an internal error (a panic) in one file.
//!
//! Documented in `docs/rules/analysis-error.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `analysis-error` rule.
pub static RULE: Rule = Rule {
    id: "analysis-error",
    default_severity: Severity::High,
    summary: "airlock's analysis of a file stopped on an internal error",
    formats: "all",
    since: "0.1.0",
};
