//! `shard-unreferenced`: a weight file sits next to a shard index that does not reference it.
//!
//! Documented in `docs/rules/shard-unreferenced.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `shard-unreferenced` rule.
pub static RULE: Rule = Rule {
    id: "shard-unreferenced",
    default_severity: Severity::Low,
    summary: "a weight file sits next to a shard index that does not reference it",
    formats: "hf-repository",
    since: "0.1.0",
};
