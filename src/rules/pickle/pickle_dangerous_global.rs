//! `pickle-dangerous-global`: a pickle imports a dangerous callable without calling it at load time.
//!
//! Documented in `docs/rules/pickle-dangerous-global.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-dangerous-global` rule.
pub static RULE: Rule = Rule {
    id: "pickle-dangerous-global",
    default_severity: Severity::Medium,
    summary: "a pickle imports a dangerous callable without calling it at load time",
    formats: "pickle, pytorch, numpy, joblib",
    since: "0.1.0",
};
