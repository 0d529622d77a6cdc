//! `pickle-broken-after-call`: a pickle stream breaks after it has already called something (the call runs before the loader fails).
//!
//! Documented in `docs/rules/pickle-broken-after-call.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-broken-after-call` rule.
pub static RULE: Rule = Rule {
    id: "pickle-broken-after-call",
    default_severity: Severity::High,
    summary: "a pickle stream breaks after it has already called something (the call runs before the loader fails)",
    formats: "pickle, pytorch, numpy, joblib",
    since: "0.1.0",
};
