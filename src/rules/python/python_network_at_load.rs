//! `python-network-at-load`: Python code reaches the network at import, install or interpreter start (module level).
//!
//! Documented in `docs/rules/python-network-at-load.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-network-at-load` rule.
pub static RULE: Rule = Rule {
    id: "python-network-at-load",
    default_severity: Severity::Medium,
    summary:
        "Python code reaches the network at import, install or interpreter start (module level)",
    formats: "python-source, pth, wheel, sdist",
    since: "0.1.0",
};
