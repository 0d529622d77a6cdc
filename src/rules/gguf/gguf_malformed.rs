//! `gguf-malformed`: a GGUF header is malformed: a count or length beyond the file, an unknown type, a truncated header, duplicate keys, bad tensor infos.
//!
//! Documented in `docs/rules/gguf-malformed.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `gguf-malformed` rule.
pub static RULE: Rule = Rule {
    id: "gguf-malformed",
    default_severity: Severity::Medium,
    summary: "a GGUF header is malformed: a count or length beyond the file, an unknown type, a truncated header, duplicate keys, bad tensor infos",
    formats: "gguf",
    since: "0.1.0",
};
