//! `pickle-unresolved-call`: a pickle calls something whose identity cannot be known without running it (extension registry, computed callable, non-string import).
//!
//! Documented in `docs/rules/pickle-unresolved-call.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-unresolved-call` rule.
pub static RULE: Rule = Rule {
    id: "pickle-unresolved-call",
    default_severity: Severity::High,
    summary: "a pickle calls something whose identity cannot be known without running it (extension registry, computed callable, non-string import)",
    formats: "pickle, pytorch, numpy, joblib",
    since: "0.1.0",
};
