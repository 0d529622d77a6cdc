//! `zip-overlapping-members`: central directory entries whose data overlaps another entry's.
//!
//! Documented in `docs/rules/zip-overlapping-members.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `zip-overlapping-members` rule.
pub static RULE: Rule = Rule {
    id: "zip-overlapping-members",
    default_severity: Severity::High,
    summary: "zip entries whose data overlaps another entry's (a zip bomb's construction)",
    formats: "zip, pytorch, npz, wheel",
    since: "0.1.0",
};
