//! `python-startup-write`: Python code writes a file that runs at every interpreter start (a
//! `.pth`, `sitecustomize.py`, `usercustomize.py`) or writes into site-packages itself.
//!
//! Documented in `docs/rules/python-startup-write.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-startup-write` rule.
pub static RULE: Rule = Rule {
    id: "python-startup-write",
    default_severity: Severity::High,
    summary: "Python code writes a .pth, sitecustomize or usercustomize file, or a file into site-packages",
    formats: "python-source, wheel, sdist",
    since: "0.1.0",
};
