//! `pickle-attribute-access`: a pickle reads an attribute of a data object, or a dunder attribute, through builtins.getattr.
//!
//! Documented in `docs/rules/pickle-attribute-access.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-attribute-access` rule.
pub static RULE: Rule = Rule {
    id: "pickle-attribute-access",
    default_severity: Severity::Medium,
    summary: "a pickle reads an attribute of a data object, or a dunder attribute, through builtins.getattr",
    formats: "pickle",
    since: "0.1.0",
};
