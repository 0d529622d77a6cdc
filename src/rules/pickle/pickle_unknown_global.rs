//! `pickle-unknown-global`: a pickle imports a global outside the allowlists without calling it.
//!
//! Documented in `docs/rules/pickle-unknown-global.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-unknown-global` rule.
pub static RULE: Rule = Rule {
    id: "pickle-unknown-global",
    default_severity: Severity::Low,
    summary: "a pickle imports a global outside the allowlists without calling it",
    formats: "pickle, pytorch, numpy, joblib",
    since: "0.1.0",
};
