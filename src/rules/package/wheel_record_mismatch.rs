//! `wheel-record-mismatch`: a file in a wheel does not match its RECORD hash or size, is not listed, or is listed but absent (PEP 376, PEP 427).
//!
//! Documented in `docs/rules/wheel-record-mismatch.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `wheel-record-mismatch` rule.
pub static RULE: Rule = Rule {
    id: "wheel-record-mismatch",
    default_severity: Severity::Medium,
    summary: "a file in a wheel does not match its RECORD hash or size, is not listed, or is listed but absent (PEP 376, PEP 427)",
    formats: "wheel",
    since: "0.1.0",
};
