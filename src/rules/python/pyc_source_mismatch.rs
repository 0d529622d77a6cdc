//! `pyc-source-mismatch`: a cached .pyc whose names and strings are not in the source beside it, so CPython runs code nobody reviewed.
//!
//! Documented in `docs/rules/pyc-source-mismatch.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pyc-source-mismatch` rule.
pub static RULE: Rule = Rule {
    id: "pyc-source-mismatch",
    default_severity: Severity::High,
    summary: "a cached .pyc whose names and strings are not in the source beside it, so CPython runs code nobody reviewed",
    formats: "pyc, wheel, site-packages",
    since: "0.1.0",
};
