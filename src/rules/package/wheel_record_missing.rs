//! `wheel-record-missing`: a wheel has no dist-info RECORD, so its files cannot be verified.
//!
//! Documented in `docs/rules/wheel-record-missing.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `wheel-record-missing` rule.
pub static RULE: Rule = Rule {
    id: "wheel-record-missing",
    default_severity: Severity::Medium,
    summary: "a wheel has no dist-info RECORD, so its files cannot be verified",
    formats: "wheel",
    since: "0.1.0",
};
