//! `tf-network-op`: a TensorFlow graph opens network connections or listens for them.
//!
//! Documented in `docs/rules/tf-network-op.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `tf-network-op` rule.
pub static RULE: Rule = Rule {
    id: "tf-network-op",
    default_severity: Severity::High,
    summary: "a TensorFlow graph opens network connections (RPC, tf.data service, debug streams) or listens for them",
    formats: "tf-savedmodel",
    since: "0.1.0",
};
