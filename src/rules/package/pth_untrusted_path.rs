//! `pth-untrusted-path`: a .pth file adds a world-writable or traversing path to sys.path.
//!
//! Documented in `docs/rules/pth-untrusted-path.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pth-untrusted-path` rule.
pub static RULE: Rule = Rule {
    id: "pth-untrusted-path",
    default_severity: Severity::Medium,
    summary: "a .pth file adds a world-writable or traversing path to sys.path",
    formats: "pth, wheel, site-packages",
    since: "0.1.0",
};
