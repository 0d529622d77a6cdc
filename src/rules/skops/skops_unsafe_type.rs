//! `skops-unsafe-type`: a skops schema names a type or callable that `skops.io.load` would
//! rebuild, call or hand on, outside the types airlock's lists allow (graded with the pickle
//! lists: a denylisted callable is high or critical).
//!
//! Documented in `docs/rules/skops-unsafe-type.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `skops-unsafe-type` rule.
pub static RULE: Rule = Rule {
    id: "skops-unsafe-type",
    default_severity: Severity::High,
    summary: "a skops schema names a type or callable that loading would rebuild, call or hand on, outside the allowed lists",
    formats: "skops",
    since: "0.1.0",
};
