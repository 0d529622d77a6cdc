//! `keras-lambda-layer`: a Keras model config holds a `Lambda` layer or a serialized lambda.
//!
//! Documented in `docs/rules/keras-lambda-layer.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `keras-lambda-layer` rule.
pub static RULE: Rule = Rule {
    id: "keras-lambda-layer",
    default_severity: Severity::High,
    summary: "a Keras model config holds a Lambda layer or a serialized lambda, Python bytecode that runs when the model is loaded or called",
    formats: "keras, hdf5, keras-metadata",
    since: "0.1.0",
};
