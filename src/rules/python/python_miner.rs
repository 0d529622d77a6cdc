//! `python-miner`: Python code that starts processes carries cryptocurrency-miner strings.
//!
//! Documented in `docs/rules/python-miner.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-miner` rule.
pub static RULE: Rule = Rule {
    id: "python-miner",
    default_severity: Severity::Critical,
    summary: "Python code that starts processes carries cryptocurrency-miner strings",
    formats: "python-source, wheel, sdist",
    since: "0.1.0",
};
