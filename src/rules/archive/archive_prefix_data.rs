//! `archive-prefix-data`: bytes precede the first member of an archive, so another format can sit in front of it (a polyglot).
//!
//! Documented in `docs/rules/archive-prefix-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `archive-prefix-data` rule.
pub static RULE: Rule = Rule {
    id: "archive-prefix-data",
    default_severity: Severity::Medium,
    summary: "bytes precede the first member of an archive, so another format can sit in front of it (a polyglot)",
    formats: "zip",
    since: "0.1.0",
};
