//! `format-extension-mismatch`: a file's name claims a data-only format but its content is a pickle or an archive.
//!
//! Documented in `docs/rules/format-extension-mismatch.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `format-extension-mismatch` rule.
pub static RULE: Rule = Rule {
    id: "format-extension-mismatch",
    default_severity: Severity::Medium,
    summary: "a file's name claims a data-only format but its content is a pickle or an archive",
    formats: "all",
    since: "0.1.0",
};
