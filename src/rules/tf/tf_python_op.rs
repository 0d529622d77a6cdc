//! `tf-python-op`: a TensorFlow graph calls Python (PyFunc, EagerPyFunc).
//!
//! Documented in `docs/rules/tf-python-op.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `tf-python-op` rule.
pub static RULE: Rule = Rule {
    id: "tf-python-op",
    default_severity: Severity::High,
    summary: "a TensorFlow graph calls Python (PyFunc, EagerPyFunc)",
    formats: "tf-savedmodel",
    since: "0.1.0",
};
