//! `io-error`: a file could not be read.
//!
//! Documented in `docs/rules/io-error.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `io-error` rule.
pub static RULE: Rule = Rule {
    id: "io-error",
    default_severity: Severity::Medium,
    summary: "a file could not be read",
    formats: "all",
    since: "0.1.0",
};
