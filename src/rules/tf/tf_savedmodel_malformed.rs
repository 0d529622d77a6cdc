//! `tf-savedmodel-malformed`: a TensorFlow SavedModel protobuf is damaged: truncated, bad lengths or wire types.
//!
//! Documented in `docs/rules/tf-savedmodel-malformed.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `tf-savedmodel-malformed` rule.
pub static RULE: Rule = Rule {
    id: "tf-savedmodel-malformed",
    default_severity: Severity::Medium,
    summary: "a TensorFlow SavedModel protobuf is damaged: truncated, bad lengths or wire types",
    formats: "tf-savedmodel",
    since: "0.1.0",
};
