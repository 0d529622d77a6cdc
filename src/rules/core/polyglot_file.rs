//! `polyglot-file`: a file is valid as two formats, one of which runs code when loaded.
//!
//! Documented in `docs/rules/polyglot-file.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `polyglot-file` rule.
pub static RULE: Rule = Rule {
    id: "polyglot-file",
    default_severity: Severity::High,
    summary: "a file is valid as two formats, and the second (a pickle or a zip) is what another loader reads",
    formats: "all",
    since: "0.1.0",
};
