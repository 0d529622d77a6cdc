//! `pth-executable-line`: a .pth file has an import line, which Python executes at every interpreter start.
//!
//! Documented in `docs/rules/pth-executable-line.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pth-executable-line` rule.
pub static RULE: Rule = Rule {
    id: "pth-executable-line",
    default_severity: Severity::Low,
    summary: "a .pth file has an import line, which Python executes at every interpreter start",
    formats: "pth, wheel, site-packages",
    since: "0.1.0",
};
