//! `hdf5-unreadable`: an HDF5 file whose root group airlock could not read.
//!
//! Documented in `docs/rules/hdf5-unreadable.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `hdf5-unreadable` rule.
pub static RULE: Rule = Rule {
    id: "hdf5-unreadable",
    default_severity: Severity::Low,
    summary: "an HDF5 file whose root group or model_config attribute airlock could not read, so a Keras config in it was not analysed",
    formats: "hdf5",
    since: "0.1.0",
};
