//! `python-shell-command`: Python code runs a shell command (a string, or shell=True).
//!
//! Documented in `docs/rules/python-shell-command.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-shell-command` rule.
pub static RULE: Rule = Rule {
    id: "python-shell-command",
    default_severity: Severity::High,
    summary: "Python code runs a shell command (a string, or shell=True)",
    formats: "python-source, pth, wheel, sdist",
    since: "0.1.0",
};
