//! `onnx-external-data-symlink`: an ONNX external data file is a symbolic link or resolves outside the model's folder on disk.
//!
//! Documented in `docs/rules/onnx-external-data-symlink.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `onnx-external-data-symlink` rule.
pub static RULE: Rule = Rule {
    id: "onnx-external-data-symlink",
    default_severity: Severity::High,
    summary: "an ONNX external data file is a symbolic link or resolves outside the model's folder on disk",
    formats: "onnx",
    since: "0.1.0",
};
