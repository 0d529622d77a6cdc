//! `pickle-global-mutation`: a pickle writes into an imported module, class or global dict at
//! load time (monkeypatching).
//!
//! Documented in `docs/rules/pickle-global-mutation.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `pickle-global-mutation` rule.
pub static RULE: Rule = Rule {
    id: "pickle-global-mutation",
    default_severity: Severity::High,
    summary: "a pickle writes into an imported module, class or global dict at load time (monkeypatching)",
    formats: "pickle",
    since: "0.1.0",
};
