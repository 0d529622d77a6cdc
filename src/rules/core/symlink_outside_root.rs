//! `symlink-outside-root`: a symbolic link inside a scanned folder points outside it; it was reported, not followed.
//!
//! Documented in `docs/rules/symlink-outside-root.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `symlink-outside-root` rule.
pub static RULE: Rule = Rule {
    id: "symlink-outside-root",
    default_severity: Severity::Medium,
    summary:
        "a symbolic link inside a scanned folder points outside it; it was reported, not followed",
    formats: "all",
    since: "0.1.0",
};
