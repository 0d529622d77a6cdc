//! `numpy-trailing-data`: bytes follow the array data of a `.npy` file.
//!
//! Documented in `docs/rules/numpy-trailing-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `numpy-trailing-data` rule.
pub static RULE: Rule = Rule {
    id: "numpy-trailing-data",
    default_severity: Severity::Medium,
    summary: "bytes follow the array data of a .npy file",
    formats: "numpy",
    since: "0.1.0",
};
