//! `tar-hidden-data`: bytes after a tar archive's end-of-archive marker.
//!
//! Documented in `docs/rules/tar-hidden-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `tar-hidden-data` rule.
pub static RULE: Rule = Rule {
    id: "tar-hidden-data",
    default_severity: Severity::Medium,
    summary: "bytes after a tar archive's end-of-archive marker, such as a second archive that `tar -i` reads",
    formats: "tar, sdist, pytorch-legacy",
    since: "0.1.0",
};
