//! `numpy-object-array`: a NumPy array has object dtype, so loading it runs a pickle (allow_pickle=True).
//!
//! Documented in `docs/rules/numpy-object-array.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `numpy-object-array` rule.
pub static RULE: Rule = Rule {
    id: "numpy-object-array",
    default_severity: Severity::Low,
    summary: "a NumPy array has object dtype, so loading it runs a pickle (allow_pickle=True)",
    formats: "numpy",
    since: "0.1.0",
};
