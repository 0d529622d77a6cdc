//! `known-vulnerable-release`: a Python release inside the affected versions of an OSV
//! vulnerability record (PYSEC, GHSA).
//!
//! Documented in `docs/rules/known-vulnerable-release.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `known-vulnerable-release` rule.
pub static RULE: Rule = Rule {
    id: "known-vulnerable-release",
    default_severity: Severity::Medium,
    summary: "a Python release that an OSV vulnerability record (PYSEC, GHSA) lists as affected",
    formats: "wheel, sdist, package-metadata, requirements, pylock, uv-lock, poetry-lock, pdm-lock, pipfile-lock, pipfile, pyproject, setup-cfg, python-source, pixi-manifest, pixi-lock, conda-lock, conda-meta, conda-environment",
    since: "0.1.0",
};
