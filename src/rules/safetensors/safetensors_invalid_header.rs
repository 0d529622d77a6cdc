//! `safetensors-invalid-header`: a safetensors header is invalid: bad length, JSON, dtype, shape, offsets or overlaps.
//!
//! Documented in `docs/rules/safetensors-invalid-header.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `safetensors-invalid-header` rule.
pub static RULE: Rule = Rule {
    id: "safetensors-invalid-header",
    default_severity: Severity::Medium,
    summary: "a safetensors header is invalid: bad length, JSON, dtype, shape, offsets or overlaps",
    formats: "safetensors",
    since: "0.1.0",
};
