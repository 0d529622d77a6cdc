//! `python-source-encoding`: a Python source declares a coding in which its bytes do not read as
//! they show.
//!
//! Documented in `docs/rules/python-source-encoding.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `python-source-encoding` rule.
pub static RULE: Rule = Rule {
    id: "python-source-encoding",
    default_severity: Severity::High,
    summary: "a Python source declares a coding (UTF-7, unicode_escape...) in which ASCII bytes do not mean what they show",
    formats: "python-source, wheel, sdist",
    since: "0.1.0",
};
