//! `remote-code`: a model repository's manifests (`auto_map`, `custom_pipelines`, diffusers'
//! `model_index.json`, sentence-transformers' `modules.json`) name Python modules that
//! trust_remote_code=True would run.
//!
//! Documented in `docs/rules/remote-code.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `remote-code` rule.
pub static RULE: Rule = Rule {
    id: "remote-code",
    default_severity: Severity::Medium,
    summary:
        "a model repository's auto_map or loader manifest names Python modules that trust_remote_code=True would run",
    formats: "hf-repository",
    since: "0.1.0",
};
