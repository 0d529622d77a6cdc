//! `config-target-call`: an instantiate config (Hydra / OmegaConf YAML or JSON, a `.nemo`
//! model's `model_config.yaml`) whose `_target_` names a callable that runs code, processes,
//! files or the network, or one outside the libraries airlock knows.
//!
//! Documented in `docs/rules/config-target-call.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `config-target-call` rule.
pub static RULE: Rule = Rule {
    id: "config-target-call",
    default_severity: Severity::Critical,
    summary: "a config's `_target_` names a callable that hydra.utils.instantiate imports and calls when the model or config is loaded",
    formats: "hydra-config",
    since: "0.1.0",
};
