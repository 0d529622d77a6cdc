//! `resource-limit`: a budget bound (size, ratio, depth, count, opcodes, time) stopped analysis; the rest was not read.
//!
//! Documented in `docs/rules/resource-limit.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `resource-limit` rule.
pub static RULE: Rule = Rule {
    id: "resource-limit",
    default_severity: Severity::Medium,
    summary: "a budget bound (size, ratio, depth, count, opcodes, time) stopped analysis; the rest was not read",
    formats: "all",
    since: "0.1.0",
};
