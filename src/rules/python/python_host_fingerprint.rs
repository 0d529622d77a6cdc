//! `python-host-fingerprint`: Python code reads the user or host name and reaches the network while it is installed or imported.
//!
//! Documented in `docs/rules/python-host-fingerprint.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-host-fingerprint` rule.
pub static RULE: Rule = Rule {
    id: "python-host-fingerprint",
    default_severity: Severity::High,
    summary: "Python code reads the user or host name and reaches the network while it is installed or imported",
    formats: "python-source, pth, wheel, sdist",
    since: "0.1.0",
};
