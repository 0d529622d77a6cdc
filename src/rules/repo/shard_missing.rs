//! `shard-missing`: a shard index names a weight file that is not in the repository.
//!
//! Documented in `docs/rules/shard-missing.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `shard-missing` rule.
pub static RULE: Rule = Rule {
    id: "shard-missing",
    default_severity: Severity::High,
    summary: "a shard index names a weight file that is not in the repository",
    formats: "hf-repository",
    since: "0.1.0",
};
