//! `pickle-dangerous-call`: a pickle calls a callable that runs code, starts processes, touches files or the network, or loads another pickle.
//!
//! Documented in `docs/rules/pickle-dangerous-call.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-dangerous-call` rule.
pub static RULE: Rule = Rule {
    id: "pickle-dangerous-call",
    default_severity: Severity::Critical,
    summary: "a pickle calls a callable that runs code, starts processes, touches files or the network, or loads another pickle",
    formats: "pickle, pytorch, numpy, joblib",
    since: "0.1.0",
};
