//! `requirements-extra-index`: a requirements file adds a package index or installs from a URL without a hash.
//!
//! Documented in `docs/rules/requirements-extra-index.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `requirements-extra-index` rule.
pub static RULE: Rule = Rule {
    id: "requirements-extra-index",
    default_severity: Severity::Medium,
    summary: "a requirements file adds a package index or installs from a URL without a hash",
    formats: "requirements",
    since: "0.1.0",
};
