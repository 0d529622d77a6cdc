//! `startup-file-unowned`: an executable startup file in an environment (`.pth` with import lines, `.start`, sitecustomize.py, usercustomize.py) that no installed distribution's RECORD owns.
//!
//! Documented in `docs/rules/startup-file-unowned.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `startup-file-unowned` rule.
pub static RULE: Rule = Rule {
    id: "startup-file-unowned",
    default_severity: Severity::High,
    summary:
        "an executable startup file in an installed environment that no distribution's RECORD owns",
    formats: "site-packages",
    since: "0.1.0",
};
