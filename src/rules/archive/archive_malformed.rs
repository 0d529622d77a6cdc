//! `archive-malformed`: an archive or compressed stream cannot be read (truncated, corrupt or unsupported); what could be read was analysed.
//!
//! Documented in `docs/rules/archive-malformed.md`.

use crate::finding::Severity;
use crate::rules::Rule;

/// The `archive-malformed` rule.
pub static RULE: Rule = Rule {
    id: "archive-malformed",
    default_severity: Severity::Medium,
    summary: "an archive or compressed stream cannot be read (truncated, corrupt or unsupported); what could be read was analysed",
    formats: "zip, tar, 7z, gzip, bzip2, xz, lzma, zlib, zstd, lz4",
    since: "0.1.0",
};
