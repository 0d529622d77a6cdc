//! `pyc-sourceless`: an importable .pyc with no source beside it, graded by what its code names reach.
//!
//! Documented in `docs/rules/pyc-sourceless.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pyc-sourceless` rule.
pub static RULE: Rule = Rule {
    id: "pyc-sourceless",
    default_severity: Severity::High,
    summary: "an importable .pyc with no source beside it, graded by what its code names reach",
    formats: "pyc, wheel, site-packages",
    since: "0.1.0",
};
