//! `zip-crc-mismatch`: a zip member's CRC-32 does not match its data; strict readers refuse it, lenient ones (PyTorch) load it.
//!
//! Documented in `docs/rules/zip-crc-mismatch.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `zip-crc-mismatch` rule.
pub static RULE: Rule = Rule {
    id: "zip-crc-mismatch",
    default_severity: Severity::Medium,
    summary: "a zip member's CRC-32 does not match its data; strict readers refuse it, lenient ones (PyTorch) load it",
    formats: "zip, pytorch, npz, wheel",
    since: "0.1.0",
};
