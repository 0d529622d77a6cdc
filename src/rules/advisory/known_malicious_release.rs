//! `known-malicious-release`: a Python release that an OSV `MAL-` record (the OpenSSF
//! malicious-packages set) names as malware.
//!
//! Documented in `docs/rules/known-malicious-release.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `known-malicious-release` rule.
pub static RULE: Rule = Rule {
    id: "known-malicious-release",
    default_severity: Severity::Critical,
    summary: "a Python release that an OSV malicious-packages (MAL-) record names as malware",
    formats: "wheel, sdist, package-metadata, requirements, pylock, uv-lock, poetry-lock, pdm-lock, pipfile-lock, pipfile, pyproject, setup-cfg, python-source, pixi-manifest, pixi-lock, conda-lock, conda-meta, conda-environment",
    since: "0.1.0",
};
