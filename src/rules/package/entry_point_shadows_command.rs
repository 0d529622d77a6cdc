//! `entry-point-shadows-command`: a console-script entry point is named like a common command (pip, python, git, ssh, sudo, ls...).
//!
//! Documented in `docs/rules/entry-point-shadows-command.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `entry-point-shadows-command` rule.
pub static RULE: Rule = Rule {
    id: "entry-point-shadows-command",
    default_severity: Severity::High,
    summary: "a console-script entry point is named like a common command (pip, python, git, ssh, sudo, ls...)",
    formats: "wheel, site-packages, pyproject, setup-cfg, sdist",
    since: "0.1.0",
};
