//! `pickle-unknown-call`: a pickle calls a callable outside the allowlists.
//!
//! Documented in `docs/rules/pickle-unknown-call.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-unknown-call` rule.
pub static RULE: Rule = Rule {
    id: "pickle-unknown-call",
    default_severity: Severity::Medium,
    summary: "a pickle calls a callable outside the allowlists",
    formats: "pickle, pytorch, numpy, joblib",
    since: "0.1.0",
};
