//! `zip-hidden-data`: bytes between zip members that no central directory entry covers.
//!
//! Documented in `docs/rules/zip-hidden-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `zip-hidden-data` rule.
pub static RULE: Rule = Rule {
    id: "zip-hidden-data",
    default_severity: Severity::Medium,
    summary: "bytes between zip members that no central directory entry covers",
    formats: "zip, pytorch, npz",
    since: "0.1.0",
};
