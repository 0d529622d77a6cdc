//! `python-credential-access`: Python code names a credential location.
//!
//! Documented in `docs/rules/python-credential-access.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-credential-access` rule.
pub static RULE: Rule = Rule {
    id: "python-credential-access",
    default_severity: Severity::Low,
    summary: "Python code names a credential location",
    formats: "python-source, wheel, sdist",
    since: "0.1.0",
};
