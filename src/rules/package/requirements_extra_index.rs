//! `requirements-extra-index`: a requirements file, pip's or uv's configuration or a lock file adds a package index, turns off certificate checks or installs from a URL without a hash.
//!
//! Documented in `docs/rules/requirements-extra-index.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `requirements-extra-index` rule.
pub static RULE: Rule = Rule {
    id: "requirements-extra-index",
    default_severity: Severity::Medium,
    summary: "a requirements file, installer configuration or lock file adds a package index or fetches without TLS or a hash",
    formats: "requirements, pip-config, pyproject, setup-cfg, python-source, uv-lock, poetry-lock, pylock",
    since: "0.1.0",
};
