//! `unrecognised-model-file`: a file with a model-file extension has content airlock does not recognise.
//!
//! Documented in `docs/rules/unrecognised-model-file.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `unrecognised-model-file` rule.
pub static RULE: Rule = Rule {
    id: "unrecognised-model-file",
    default_severity: Severity::Info,
    summary: "a file with a model-file extension has content airlock does not recognise",
    formats: "all",
    since: "0.1.0",
};
