//! `safetensors-trailing-data`: bytes follow the last tensor of a safetensors file.
//!
//! Documented in `docs/rules/safetensors-trailing-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `safetensors-trailing-data` rule.
pub static RULE: Rule = Rule {
    id: "safetensors-trailing-data",
    default_severity: Severity::Medium,
    summary: "bytes follow the last tensor of a safetensors file",
    formats: "safetensors",
    since: "0.1.0",
};
