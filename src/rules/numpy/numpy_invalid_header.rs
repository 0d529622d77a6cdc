//! `numpy-invalid-header`: a NumPy .npy header is invalid or its data is shorter than the header says.
//!
//! Documented in `docs/rules/numpy-invalid-header.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `numpy-invalid-header` rule.
pub static RULE: Rule = Rule {
    id: "numpy-invalid-header",
    default_severity: Severity::Medium,
    summary: "a NumPy .npy header is invalid or its data is shorter than the header says",
    formats: "numpy",
    since: "0.1.0",
};
