//! `keras-invalid-config`: a Keras model config that is not readable JSON.
//!
//! Documented in `docs/rules/keras-invalid-config.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `keras-invalid-config` rule.
pub static RULE: Rule = Rule {
    id: "keras-invalid-config",
    default_severity: Severity::Low,
    summary: "a Keras model config (config.json or the HDF5 model_config attribute) is not valid JSON, so it was not analysed",
    formats: "keras, hdf5, keras-metadata",
    since: "0.1.0",
};
