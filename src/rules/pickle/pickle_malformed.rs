//! `pickle-malformed`: a pickle stream is invalid or truncated; what came before the error was analysed.
//!
//! Documented in `docs/rules/pickle-malformed.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-malformed` rule.
pub static RULE: Rule = Rule {
    id: "pickle-malformed",
    default_severity: Severity::Medium,
    summary: "a pickle stream is invalid or truncated; what came before the error was analysed",
    formats: "pickle, pytorch, numpy, joblib",
    since: "0.1.0",
};
