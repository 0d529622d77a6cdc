//! `pickle-trailing-data`: bytes follow the last pickle that are neither a pickle nor a known format.
//!
//! Documented in `docs/rules/pickle-trailing-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-trailing-data` rule.
pub static RULE: Rule = Rule {
    id: "pickle-trailing-data",
    default_severity: Severity::Low,
    summary: "bytes follow the last pickle that are neither a pickle nor a known format",
    formats: "pickle, pytorch, joblib",
    since: "0.1.0",
};
