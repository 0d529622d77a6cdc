//! `pyc-unchecked-hash`: a cached .pyc marked unchecked-hash (PEP 552), which CPython runs without comparing it with its source.
//!
//! Documented in `docs/rules/pyc-unchecked-hash.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pyc-unchecked-hash` rule.
pub static RULE: Rule = Rule {
    id: "pyc-unchecked-hash",
    default_severity: Severity::Medium,
    summary: "a cached .pyc marked unchecked-hash (PEP 552), which CPython runs without comparing it with its source",
    formats: "pyc, wheel, site-packages",
    since: "0.1.0",
};
