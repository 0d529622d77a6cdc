//! `chat-template-suspicious-access`: a chat template names operating-system or code-execution functions.
//!
//! Documented in `docs/rules/chat-template-suspicious-access.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `chat-template-suspicious-access` rule.
pub static RULE: Rule = Rule {
    id: "chat-template-suspicious-access",
    default_severity: Severity::Medium,
    summary: "a chat template names operating-system or code-execution functions",
    formats: "gguf, tokenizer-config, chat-template",
    since: "0.1.0",
};
