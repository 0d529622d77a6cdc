//! `zip-encrypted-flag`: a zip member is flagged encrypted; some readers refuse it, others (PyTorch) read it as plain data.
//!
//! Documented in `docs/rules/zip-encrypted-flag.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `zip-encrypted-flag` rule.
pub static RULE: Rule = Rule {
    id: "zip-encrypted-flag",
    default_severity: Severity::Medium,
    summary: "a zip member is flagged encrypted; some readers refuse it, others (PyTorch) read it as plain data",
    formats: "zip, pytorch, npz, wheel",
    since: "0.1.0",
};
