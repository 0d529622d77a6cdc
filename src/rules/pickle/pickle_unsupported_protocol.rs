//! `pickle-unsupported-protocol`: a pickle declares a protocol newer than any Python supports (0 to 5).
//!
//! Documented in `docs/rules/pickle-unsupported-protocol.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-unsupported-protocol` rule.
pub static RULE: Rule = Rule {
    id: "pickle-unsupported-protocol",
    default_severity: Severity::Medium,
    summary: "a pickle declares a protocol newer than any Python supports (0 to 5)",
    formats: "pickle",
    since: "0.1.0",
};
