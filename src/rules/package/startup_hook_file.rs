//! `startup-hook-file`: a sitecustomize.py or usercustomize.py ships with a package; Python runs it at every start.
//!
//! Documented in `docs/rules/startup-hook-file.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `startup-hook-file` rule.
pub static RULE: Rule = Rule {
    id: "startup-hook-file",
    default_severity: Severity::Medium,
    summary:
        "a sitecustomize.py or usercustomize.py ships with a package; Python runs it at every start",
    formats: "wheel, sdist, site-packages, venv",
    since: "0.1.0",
};
