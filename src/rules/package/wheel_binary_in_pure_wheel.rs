//! `wheel-binary-in-pure-wheel`: a pure-Python wheel (py3-none-any) ships an executable or native library.
//!
//! Documented in `docs/rules/wheel-binary-in-pure-wheel.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `wheel-binary-in-pure-wheel` rule.
pub static RULE: Rule = Rule {
    id: "wheel-binary-in-pure-wheel",
    default_severity: Severity::Medium,
    summary: "a pure-Python wheel (py3-none-any) ships an executable or native library",
    formats: "wheel",
    since: "0.1.0",
};
