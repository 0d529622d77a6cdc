//! `python-hidden-process`: Python code starts a second Python interpreter with its output silenced.
//!
//! Documented in `docs/rules/python-hidden-process.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-hidden-process` rule.
pub static RULE: Rule = Rule {
    id: "python-hidden-process",
    default_severity: Severity::High,
    summary: "Python code starts a second Python interpreter with its output silenced",
    formats: "python-source, pth, wheel, sdist",
    since: "0.1.0",
};
