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
        "a sitecustomize/usercustomize module (file, package or extension) ships with a package, or a host start-up file (Jupyter kernel spec, conda activation hook) runs code at every start",
    formats: "wheel, sdist, site-packages, venv",
    since: "0.1.0",
};
