//! `yara-match`: a byte-pattern (YARA) rule matched an artifact's bytes.
//!
//! Documented in `docs/rules/yara-match.md`. The YARA rules themselves are in `rules/yara/`
//! (built in) and in the folders given with `scan --rules DIR`; see [`crate::yara`].

use crate::finding::Severity;
use crate::rules::Rule;

/// The `yara-match` rule. Findings take their severity from the YARA rule's `severity` meta;
/// the default applies when it is missing or not a severity name.
pub static RULE: Rule = Rule {
    id: "yara-match",
    default_severity: Severity::Medium,
    summary: "a byte-pattern (YARA) rule matched: a miner, reverse shell, exfiltration URL, encoded launcher or a rule of your own",
    formats: "text, python-source, pth, pickle, executable, unknown (and such members of archives)",
    since: "0.1.0",
};
