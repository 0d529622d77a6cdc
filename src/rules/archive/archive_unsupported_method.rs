//! `archive-unsupported-method`: an archive member uses a compression method airlock cannot decode, so it was not analysed.
//!
//! Documented in `docs/rules/archive-unsupported-method.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `archive-unsupported-method` rule.
pub static RULE: Rule = Rule {
    id: "archive-unsupported-method",
    default_severity: Severity::Medium,
    summary:
        "an archive member uses a compression method airlock cannot decode, so it was not analysed",
    formats: "zip, 7z",
    since: "0.1.0",
};
