//! `gguf-truncated`: the tensor data a GGUF header declares runs past the end of the file.
//!
//! Documented in `docs/rules/gguf-truncated.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `gguf-truncated` rule.
pub static RULE: Rule = Rule {
    id: "gguf-truncated",
    default_severity: Severity::Low,
    summary: "the tensor data a GGUF header declares runs past the end of the file",
    formats: "gguf",
    since: "0.1.0",
};
