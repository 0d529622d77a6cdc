//! `python-exec-computed`: Python code runs code it computes, downloads or reads from outside
//! the package (exec/eval/compile, `runpy`, `code.InteractiveInterpreter`).
//!
//! Documented in `docs/rules/python-exec-computed.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-exec-computed` rule.
pub static RULE: Rule = Rule {
    id: "python-exec-computed",
    default_severity: Severity::High,
    summary: "Python code runs code it builds from pieces, downloads, or reads from a file outside the package",
    formats: "python-source, pth, wheel, sdist",
    since: "0.1.0",
};
