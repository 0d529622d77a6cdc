//! `shard-index-mismatch`: a shard index and the shards' own headers disagree about which tensors live where.
//!
//! Documented in `docs/rules/shard-index-mismatch.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `shard-index-mismatch` rule.
pub static RULE: Rule = Rule {
    id: "shard-index-mismatch",
    default_severity: Severity::Medium,
    summary: "a shard index and the shards' own headers disagree about which tensors live where",
    formats: "hf-repository",
    since: "0.1.0",
};
