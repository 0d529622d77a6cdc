//! `pth-untrusted-path`: a .pth file adds a world-writable or traversing path to sys.path.
//!
//! Documented in `docs/rules/pth-untrusted-path.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pth-untrusted-path` rule.
pub static RULE: Rule = Rule {
    id: "pth-untrusted-path",
    default_severity: Severity::Medium,
    summary: "a .pth file adds a world-writable or traversing path to sys.path, or a pyvenv.cfg takes its interpreter from one",
    formats: "pth, wheel, site-packages, pyvenv-cfg",
    since: "0.1.0",
};
