//! `torchscript-dangerous-call`: TorchScript source calls something that reaches the operating
//! system, loads native code or evaluates code.
//!
//! Documented in `docs/rules/torchscript-dangerous-call.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `torchscript-dangerous-call` rule.
pub static RULE: Rule = Rule {
    id: "torchscript-dangerous-call",
    default_severity: Severity::High,
    summary: "TorchScript code names an operation that reaches the operating system, loads a native library or evaluates code",
    formats: "torchscript",
    since: "0.1.0",
};
