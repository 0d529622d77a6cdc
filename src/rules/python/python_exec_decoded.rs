//! `python-exec-decoded`: Python code execs or evals data it decodes first (base64, zlib, marshal, hex, rot13): hidden code.
//!
//! Documented in `docs/rules/python-exec-decoded.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-exec-decoded` rule.
pub static RULE: Rule = Rule {
    id: "python-exec-decoded",
    default_severity: Severity::Critical,
    summary: "Python code execs or evals data it decodes first (base64, zlib, marshal, hex, rot13): hidden code",
    formats: "python-source, pth, wheel, sdist",
    since: "0.1.0",
};
