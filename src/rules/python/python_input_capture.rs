//! `python-input-capture`: Python code hooks the keyboard or mouse, or replaces what the
//! clipboard holds, while it is imported.
//!
//! Documented in `docs/rules/python-input-capture.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-input-capture` rule.
pub static RULE: Rule = Rule {
    id: "python-input-capture",
    default_severity: Severity::Medium,
    summary:
        "Python code hooks the keyboard or mouse, or hijacks the clipboard, while it is imported",
    formats: "python-source, wheel, sdist",
    since: "0.1.0",
};
