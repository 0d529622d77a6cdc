//! `keras-unsafe-function`: a Keras config names a Keras or TensorFlow function that downloads or
//! writes files, loads another model, or turns safe mode off (the CVE-2025-8747 and
//! CVE-2025-9906 shapes, which `safe_mode=True` did not stop).
//!
//! Documented in `docs/rules/keras-unsafe-function.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `keras-unsafe-function` rule.
pub static RULE: Rule = Rule {
    id: "keras-unsafe-function",
    default_severity: Severity::Critical,
    summary: "a Keras config names a Keras or TensorFlow function that downloads or writes files, loads another model, or turns safe mode off",
    formats: "keras, hdf5, keras-metadata",
    since: "0.1.0",
};
