//! `python-credential-stealer`: Python code reads credential locations or the environment and sends data over the network.
//!
//! Documented in `docs/rules/python-credential-stealer.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-credential-stealer` rule.
pub static RULE: Rule = Rule {
    id: "python-credential-stealer",
    default_severity: Severity::Critical,
    summary:
        "Python code reads credential locations or the environment and sends data over the network",
    formats: "python-source, pth, wheel, sdist",
    since: "0.1.0",
};
