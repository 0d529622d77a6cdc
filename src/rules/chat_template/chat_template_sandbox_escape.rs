//! `chat-template-sandbox-escape`: a chat template reaches Python internals that escape the Jinja sandbox (dunder attributes, module-reaching globals).
//!
//! Documented in `docs/rules/chat-template-sandbox-escape.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `chat-template-sandbox-escape` rule.
pub static RULE: Rule = Rule {
    id: "chat-template-sandbox-escape",
    default_severity: Severity::Critical,
    summary: "a chat template reaches Python internals that escape the Jinja sandbox (dunder attributes, module-reaching globals)",
    formats: "gguf, tokenizer-config, chat-template",
    since: "0.1.0",
};
