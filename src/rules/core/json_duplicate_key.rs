//! `json-duplicate-key`: a JSON document a loader reads (a safetensors header, a Keras config, a
//! tokenizer config, a Hugging Face `config.json`) names the same key twice in one object.
//!
//! Documented in `docs/rules/json-duplicate-key.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `json-duplicate-key` rule.
pub static RULE: Rule = Rule {
    id: "json-duplicate-key",
    default_severity: Severity::Medium,
    summary: "a JSON header or config names a key twice in one object, so loaders disagree on which value counts",
    formats: "safetensors, keras, tokenizer-config, hf-config",
    since: "0.1.0",
};
