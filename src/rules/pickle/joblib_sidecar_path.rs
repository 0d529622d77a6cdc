//! `joblib-sidecar-path`: an old joblib array wrapper names a side file outside the pickle's
//! folder.
//!
//! Documented in `docs/rules/joblib-sidecar-path.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `joblib-sidecar-path` rule.
pub static RULE: Rule = Rule {
    id: "joblib-sidecar-path",
    default_severity: Severity::High,
    summary: "an old joblib array wrapper names a side file outside the pickle's folder",
    formats: "joblib, pickle",
    since: "0.1.0",
};
