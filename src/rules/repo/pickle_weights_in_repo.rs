//! `pickle-weights-in-repo`: a model repository ships pickle weights, next to safetensors or instead of them.
//!
//! Documented in `docs/rules/pickle-weights-in-repo.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-weights-in-repo` rule.
pub static RULE: Rule = Rule {
    id: "pickle-weights-in-repo",
    default_severity: Severity::Low,
    summary: "a model repository ships pickle weights, next to safetensors or instead of them",
    formats: "hf-repository",
    since: "0.1.0",
};
