//! `chat-template-unparsable`: a chat template does not parse as Jinja.
//!
//! Documented in `docs/rules/chat-template-unparsable.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `chat-template-unparsable` rule.
pub static RULE: Rule = Rule {
    id: "chat-template-unparsable",
    default_severity: Severity::Low,
    summary: "a chat template does not parse as Jinja",
    formats: "gguf, tokenizer-config, chat-template",
    since: "0.1.0",
};
