//! `onnx-malformed`: an ONNX protobuf is damaged: truncated, bad lengths or wire types.
//!
//! Documented in `docs/rules/onnx-malformed.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `onnx-malformed` rule.
pub static RULE: Rule = Rule {
    id: "onnx-malformed",
    default_severity: Severity::Medium,
    summary: "an ONNX protobuf is damaged: truncated, bad lengths or wire types",
    formats: "onnx",
    since: "0.1.0",
};
