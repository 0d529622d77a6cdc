//! `keras-external-object`: a Keras config names a module or registered object outside Keras
//! and TensorFlow (the CVE-2025-1550 shape).
//!
//! Documented in `docs/rules/keras-external-object.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `keras-external-object` rule.
pub static RULE: Rule = Rule {
    id: "keras-external-object",
    default_severity: Severity::High,
    summary: "a Keras config names a module, class or registered object outside Keras and TensorFlow, which Keras imports when loading",
    formats: "keras, hdf5, keras-metadata",
    since: "0.1.0",
};
