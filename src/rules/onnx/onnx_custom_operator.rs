//! `onnx-custom-operator`: ONNX nodes use an operator domain that needs a native custom-operator library.
//!
//! Documented in `docs/rules/onnx-custom-operator.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `onnx-custom-operator` rule.
pub static RULE: Rule = Rule {
    id: "onnx-custom-operator",
    default_severity: Severity::Medium,
    summary: "ONNX nodes use an operator domain that needs a native custom-operator library",
    formats: "onnx",
    since: "0.1.0",
};
