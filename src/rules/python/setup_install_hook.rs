//! `setup-install-hook`: setup.py overrides install commands (cmdclass), so code of the package's choosing runs at install.
//!
//! Documented in `docs/rules/setup-install-hook.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `setup-install-hook` rule.
pub static RULE: Rule = Rule {
    id: "setup-install-hook",
    default_severity: Severity::Medium,
    summary: "setup.py overrides install commands (cmdclass), so code of the package's choosing runs at install",
    formats: "sdist",
    since: "0.1.0",
};
