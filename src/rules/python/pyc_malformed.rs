//! `pyc-malformed`: a .pyc whose marshal stream is damaged or is not a code object.
//!
//! Documented in `docs/rules/pyc-malformed.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pyc-malformed` rule.
pub static RULE: Rule = Rule {
    id: "pyc-malformed",
    default_severity: Severity::Low,
    summary: "a .pyc whose marshal stream is damaged or is not a code object",
    formats: "pyc, wheel, site-packages",
    since: "0.1.0",
};
