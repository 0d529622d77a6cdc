//! `python-listener-at-load`: Python code starts a server on every interface, or a logging
//! configuration listener, while it is installed or imported.
//!
//! Documented in `docs/rules/python-listener-at-load.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-listener-at-load` rule.
pub static RULE: Rule = Rule {
    id: "python-listener-at-load",
    default_severity: Severity::High,
    summary: "Python code starts a server on every interface or a logging config listener while it is imported",
    formats: "python-source, wheel, sdist",
    since: "0.1.0",
};
