//! Findings, their severity and confidence, and where they were found.
//!
//! A [`Finding`] is built through [`FindingBuilder`], which checks the invariants every reporter
//! relies on: a known rule id, a location, and a non-empty piece of evidence.

use std::fmt;
use std::path::PathBuf;

use crate::rules::{self, Rule};

/// How bad a finding is, ordered from least to most severe (`Info < Low < … < Critical`).
///
/// `--fail-on` compares against this order: a finding at or above the gate fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Severity {
    /// Inventory and context only; fails a gate only with `--fail-on info`.
    Info,
    /// Unusual but usually benign; worth a look in a review.
    Low,
    /// Could run code or hide content under some loaders; review before use.
    Medium,
    /// Runs code or defeats other scanners; do not load.
    High,
    /// Runs commands, loads code or reaches the network at load time.
    Critical,
}

impl Severity {
    /// The lowercase name used in every output format (`"critical"` … `"info"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Confidence {
    /// Lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// How sure the rule is that the finding is what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// A heuristic; expect false positives.
    Low,
    /// Structural evidence, but context can make it benign.
    Medium,
    /// The bytes say exactly this (for example a decoded call to `os.system`).
    High,
}

/// A position inside one artifact (the innermost member of a [`Location`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Span {
    /// A byte offset from the start of the innermost member (bytes).
    Offset {
        /// Byte offset.
        offset: u64,
    },
    /// A pickle opcode: its 0-based index in the stream and its byte offset.
    Opcode {
        /// 0-based index of the opcode in its pickle stream.
        index: u64,
        /// Byte offset of the opcode from the start of the innermost member.
        offset: u64,
    },
    /// A JSON pointer (RFC 6901) into a JSON document, such as a safetensors header.
    JsonPointer {
        /// The pointer, for example `/weight/data_offsets`.
        pointer: String,
    },
    /// A 1-based line number in a text member.
    Line {
        /// 1-based line.
        line: u64,
    },
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Offset { offset } => write!(f, "offset {offset}"),
            Span::Opcode { index, offset } => write!(f, "opcode #{index} at offset {offset}"),
            Span::JsonPointer { pointer } => write!(f, "json {pointer}"),
            Span::Line { line } => write!(f, "line {line}"),
        }
    }
}

/// Where something is: a file on disk, the chain of archive members inside it, and an optional
/// span inside the innermost member.
///
/// Displayed as `model.zip!archive/data.pkl` (members joined with `!`), followed by the span.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The path as the user gave it or as discovery found it.
    pub path: PathBuf,
    /// Archive members from the outermost to the innermost; empty for the file itself.
    pub members: Vec<String>,
    /// A position inside the innermost member, when the rule knows one.
    pub span: Option<Span>,
}

impl Location {
    /// The location of a file on disk, without members or span.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            path: path.into(),
            members: Vec::new(),
            span: None,
        }
    }

    /// This location with one more archive member appended (and no span).
    pub fn member(&self, name: impl Into<String>) -> Self {
        let mut members = self.members.clone();
        members.push(name.into());
        Location {
            path: self.path.clone(),
            members,
            span: None,
        }
    }

    /// This location with the given span.
    pub fn with_span(&self, span: Span) -> Self {
        Location {
            span: Some(span),
            ..self.clone()
        }
    }

    /// `path!member!member`, without the span.
    pub fn artifact_name(&self) -> String {
        let mut s = display_path(&self.path);
        for m in &self.members {
            s.push('!');
            s.push_str(m);
        }
        s
    }
}

/// Bytes as text, exactly: valid UTF-8 unchanged, every byte of an invalid sequence written as
/// `\xNN` (two lower-case hex digits). A name that is not UTF-8 (`bad\xff\xfename.pkl`) is
/// then shown as the bytes it is, never with U+FFFD replacement characters that name no file.
pub fn escape_invalid_utf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A path as every reporter shows it, and as policy globs match it: its bytes through
/// [`escape_invalid_utf8`] on Unix (a valid UTF-8 path is unchanged); elsewhere as
/// [`Path::display`] shows it.
pub fn display_path(path: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        escape_invalid_utf8(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        path.display().to_string()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.artifact_name())?;
        if let Some(span) = &self.span {
            write!(f, " ({span})")?;
        }
        Ok(())
    }
}

/// One problem found in an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that produced it; see [`crate::rules::RULES`].
    pub rule: &'static Rule,
    /// Severity, usually the rule's default.
    pub severity: Severity,
    /// How sure the rule is.
    pub confidence: Confidence,
    /// Where it is.
    pub location: Location,
    /// One line that says what is wrong.
    pub message: String,
    /// The readable piece of the artifact behind it (for a pickle, the decompiled call).
    pub evidence: String,
    /// The Python release the finding concerns, when known (from core metadata, a wheel or
    /// sdist name, or a pinned list); see [`Package`].
    pub package: Option<Package>,
    /// 0 for a finding. For a fold entry ([`crate::analyse::Ctx::fold_repeats`]): how many
    /// findings of its rule and severity in its file it stands for, none of them listed.
    pub folded: u64,
}

/// A Python release: its distribution name as written and its PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    /// The distribution name (core metadata `Name`, PEP 503 normalises it for comparison).
    pub name: String,
    /// The version (core metadata `Version`, PEP 440).
    pub version: String,
}

impl Finding {
    /// How many findings this entry counts for in a summary: the findings it folded for a fold
    /// entry, else 1.
    pub fn count(&self) -> u64 {
        if self.folded > 0 {
            self.folded
        } else {
            1
        }
    }

    /// Start building a finding for `rule` at `location`.
    pub fn builder(rule: &'static Rule, location: Location) -> FindingBuilder {
        FindingBuilder {
            rule,
            severity: rule.default_severity,
            confidence: Confidence::High,
            location,
            message: None,
            evidence: None,
            package: None,
        }
    }
}

/// Builds a [`Finding`], defaulting severity to the rule's and confidence to high.
#[derive(Debug)]
pub struct FindingBuilder {
    rule: &'static Rule,
    severity: Severity,
    confidence: Confidence,
    location: Location,
    message: Option<String>,
    evidence: Option<String>,
    package: Option<Package>,
}

/// Longest evidence string kept, in characters; longer evidence is cut with an ellipsis.
pub const MAX_EVIDENCE_CHARS: usize = 400;

impl FindingBuilder {
    /// Override the rule's default severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Set the confidence (default high).
    pub fn confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    /// The one-line message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The evidence; cut to [`MAX_EVIDENCE_CHARS`] characters.
    pub fn evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }

    /// The Python release the finding concerns.
    pub fn package(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.package = Some(Package {
            name: name.into(),
            version: version.into(),
        });
        self
    }

    /// Check the invariants and build.
    ///
    /// The rule must be registered in [`rules::RULES`]; when message or evidence is missing the
    /// rule's summary stands in, so a finding always says something readable.
    pub fn build(self) -> Finding {
        debug_assert!(
            rules::by_id(self.rule.id).is_some(),
            "rule {} is not registered in RULES",
            self.rule.id
        );
        let message = self
            .message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| self.rule.summary.to_string());
        let evidence = self
            .evidence
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| message.clone());
        Finding {
            rule: self.rule,
            severity: self.severity,
            confidence: self.confidence,
            location: self.location,
            message: escape_controls(&message),
            evidence: escape_controls(&truncate_chars(&evidence, MAX_EVIDENCE_CHARS)),
            package: self.package,
            folded: 0,
        }
    }
}

/// Whether `c` is a Unicode bidirectional formatting character (embeddings, overrides,
/// isolates, marks): shown as it is, it reorders the text around it on a terminal
/// (CVE-2021-42574, "Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Replace control characters with `\xNN` escapes (bidirectional formatting characters with
/// `\u{NNNN}`), so that text taken from an artifact cannot move a terminal's cursor, inject
/// escape sequences or reorder a report's text.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_bidi_control(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The first `n` bytes of `data` as space-separated hex, for evidence (`"50 4b 03 04"`).
pub fn hex_head(data: &[u8], n: usize) -> String {
    data.iter()
        .take(n)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A count with its noun, plural unless the count is one: `plural(1, "file")` is `1 file`,
/// `plural(3, "file")` is `3 files`. Nouns take a plain `s` (every noun airlock counts does).
pub fn plural<N>(n: N, noun: &str) -> String
where
    N: std::fmt::Display + PartialEq + From<u8>,
{
    if n == N::from(1) {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Cut `s` to at most `max` characters, marking the cut with `…`.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The end state of one artifact (DESIGN.md, Verdicts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Analysed; nothing above low.
    Clean,
    /// Analysed; its worst finding is medium.
    Suspicious,
    /// Analysed; its worst finding is high or critical.
    Malicious,
    /// Not analysed (format not recognised, or unreadable); the reason says why.
    Unanalysed,
}

impl Verdict {
    /// The verdict implied by the worst severity among an artifact's findings.
    pub fn from_worst(worst: Option<Severity>) -> Verdict {
        match worst {
            Some(Severity::Critical | Severity::High) => Verdict::Malicious,
            Some(Severity::Medium) => Verdict::Suspicious,
            _ => Verdict::Clean,
        }
    }

    /// Lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Suspicious => "suspicious",
            Verdict::Malicious => "malicious",
            Verdict::Unanalysed => "unanalysed",
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn invalid_utf8_bytes_are_escaped_and_valid_text_kept() {
        assert_eq!(
            escape_invalid_utf8(b"bad\xff\xfename.pkl"),
            r"bad\xff\xfename.pkl"
        );
        assert_eq!(escape_invalid_utf8("gëod/ü.pkl".as_bytes()), "gëod/ü.pkl");
        // A truncated sequence: each of its bytes.
        assert_eq!(escape_invalid_utf8(b"a\xc3"), r"a\xc3");
        assert_eq!(escape_invalid_utf8(b"\xe2\x82z"), r"\xe2\x82z");
    }

    use super::*;
    use crate::analyse::{analyse, BudgetLimits, Ctx};

    #[test]
    fn counts_take_the_singular_for_one() {
        assert_eq!(plural(0usize, "file"), "0 files");
        assert_eq!(plural(1usize, "file"), "1 file");
        assert_eq!(plural(2u64, "byte"), "2 bytes");
        assert_eq!(plural(1u64, "metadata key/value"), "1 metadata key/value");
    }

    #[test]
    fn messages_count_one_byte_as_one_byte() {
        // An empty dict pickled with protocol 2, then one or two bytes no format claims.
        for (tail, want) in [
            (&b"\x00"[..], "1 byte after the last pickle"),
            (b"\x00\x00", "2 bytes after the last pickle"),
        ] {
            let mut data = b"\x80\x02}q\x00.".to_vec();
            data.extend_from_slice(tail);
            let mut ctx = Ctx::new(BudgetLimits::default());
            let loc = Location::file("a.pkl");
            analyse(&mut ctx, &data, None, data.len() as u64, &loc, "a.pkl", 0);
            let messages: Vec<&str> = ctx.findings.iter().map(|f| f.message.as_str()).collect();
            assert!(messages.contains(&want), "{messages:?}");
        }
    }
}
