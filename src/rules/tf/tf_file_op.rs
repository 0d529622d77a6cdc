//! `tf-file-op`: a TensorFlow graph reads, writes or lists files outside the checkpoint machinery.
//!
//! Documented in `docs/rules/tf-file-op.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `tf-file-op` rule.
pub static RULE: Rule = Rule {
    id: "tf-file-op",
    default_severity: Severity::Medium,
    summary: "a TensorFlow graph reads, writes or lists files outside the checkpoint machinery",
    formats: "tf-savedmodel",
    since: "0.1.0",
};
