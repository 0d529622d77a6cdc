//! `startup-entry-point`: a PEP 829 .start file names an entry point that runs at every interpreter start.
//!
//! Documented in `docs/rules/startup-entry-point.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `startup-entry-point` rule.
pub static RULE: Rule = Rule {
    id: "startup-entry-point",
    default_severity: Severity::Medium,
    summary: "a PEP 829 .start file names an entry point that runs at every interpreter start",
    formats: "start, wheel, site-packages",
    since: "0.1.0",
};
