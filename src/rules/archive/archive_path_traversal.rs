//! `archive-path-traversal`: an archive member name is absolute or climbs out of the extraction folder with ...
//!
//! Documented in `docs/rules/archive-path-traversal.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `archive-path-traversal` rule.
pub static RULE: Rule = Rule {
    id: "archive-path-traversal",
    default_severity: Severity::Medium,
    summary: "an archive member name is absolute or climbs out of the extraction folder with ..",
    formats: "zip, tar, 7z",
    since: "0.1.0",
};
