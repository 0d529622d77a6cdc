//! `installed-record-mismatch`: an installed file differs from its distribution's RECORD (sha256 or size), or RECORD lists a file that is gone.
//!
//! Documented in `docs/rules/installed-record-mismatch.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `installed-record-mismatch` rule.
pub static RULE: Rule = Rule {
    id: "installed-record-mismatch",
    default_severity: Severity::Medium,
    summary: "an installed file differs from its distribution's RECORD (sha256 or size), or RECORD lists a file that is gone",
    formats: "site-packages",
    since: "0.1.0",
};
