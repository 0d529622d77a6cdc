//! `zip-header-mismatch`: a zip local file header disagrees with its central directory entry (name, sizes, method) or is missing; also two readers' member lists (CPython's `zipfile` against count/locator readers) or tar member names (`tarfile` against the `tar` crate) that differ.
//!
//! Documented in `docs/rules/zip-header-mismatch.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `zip-header-mismatch` rule.
pub static RULE: Rule = Rule {
    id: "zip-header-mismatch",
    default_severity: Severity::High,
    summary: "a zip local file header disagrees with its central directory entry (name, sizes, method) or is missing",
    formats: "zip, pytorch, npz, wheel, keras, tar, sdist",
    since: "0.1.0",
};
