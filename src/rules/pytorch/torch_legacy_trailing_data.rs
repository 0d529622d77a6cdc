//! `torch-legacy-trailing-data`: a legacy PyTorch file has bytes after its storages that PyTorch never reads.
//!
//! Documented in `docs/rules/torch-legacy-trailing-data.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `torch-legacy-trailing-data` rule.
pub static RULE: Rule = Rule {
    id: "torch-legacy-trailing-data",
    default_severity: Severity::Low,
    summary: "a legacy PyTorch file has bytes after its storages that PyTorch never reads",
    formats: "pytorch-legacy",
    since: "0.1.0",
};
