//! `hdf5-user-block`: bytes before an HDF5 superblock (a user block), where another format can
//! sit in front of the file libhdf5 opens (a polyglot).
//!
//! Documented in `docs/rules/hdf5-user-block.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `hdf5-user-block` rule.
pub static RULE: Rule = Rule {
    id: "hdf5-user-block",
    default_severity: Severity::Medium,
    summary: "bytes precede the HDF5 superblock (a user block), which libhdf5 skips and other readers take for the file",
    formats: "hdf5",
    since: "0.1.0",
};
