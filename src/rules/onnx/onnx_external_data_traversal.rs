//! `onnx-external-data-traversal`: an ONNX tensor's external data location is absolute or climbs out of the model's folder.
//!
//! Documented in `docs/rules/onnx-external-data-traversal.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `onnx-external-data-traversal` rule.
pub static RULE: Rule = Rule {
    id: "onnx-external-data-traversal",
    default_severity: Severity::High,
    summary:
        "an ONNX tensor's external data location is absolute or climbs out of the model's folder",
    formats: "onnx",
    since: "0.1.0",
};
