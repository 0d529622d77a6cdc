//! `gguf-trailing-data`: bytes follow the last tensor of a GGUF file.
//!
//! Documented in `docs/rules/gguf-trailing-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `gguf-trailing-data` rule.
pub static RULE: Rule = Rule {
    id: "gguf-trailing-data",
    default_severity: Severity::Medium,
    summary: "bytes follow the last tensor of a GGUF file",
    formats: "gguf",
    since: "0.1.0",
};
