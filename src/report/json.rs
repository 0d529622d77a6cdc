//! JSON output, schema version 1 (documented in `docs/json-output.md`).
//!
//! The wire types here are their own structs, never a dump of internal ones, so that internal
//! changes cannot change the contract.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Span};
use crate::report::Summary;
use crate::scan::ScanReport;

/// The schema version written in `schema_version`.
pub const SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: &'static str,
    tool: Tool,
    summary: JsonSummary,
    files: Vec<JsonFile<'a>>,
    /// Policy suppressions that matched nothing (`rule at glob`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unused_suppressions: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    malicious: usize,
    suspicious: usize,
    clean: usize,
    unanalysed: usize,
    findings: FindingCounts,
    /// Findings a policy suppressed (counted in no severity).
    suppressed: usize,
    /// Findings counted in `findings` but folded into a fold entry, not listed one by one.
    folded: usize,
    elapsed_seconds: f64,
}

#[derive(Serialize)]
struct FindingCounts {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: String,
    size_bytes: u64,
    format: &'static str,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    members: Vec<JsonMember>,
    /// Facts by artifact (`path!member`) and name.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    facts: &'a crate::scan::Facts,
    findings: Vec<JsonFinding<'a>>,
    /// Findings a policy suppressed, each with the policy's reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressed: Vec<JsonSuppressed<'a>>,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    suppression_reason: &'a str,
}

#[derive(Serialize)]
struct JsonMember {
    name: String,
    format: &'static str,
    /// False for a member a finding names that was never analysed (an undecodable or skipped
    /// member, a member past a bound); omitted when true.
    #[serde(skip_serializing_if = "is_true")]
    analysed: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// The members of `f` as JSON: every member analysed, then every member a finding names that
/// was not analysed (`format` `unknown`, `analysed` false), so a consumer that walks `members`
/// sees each member the report talks about.
fn members_of(f: &crate::scan::FileReport) -> Vec<JsonMember> {
    let mut out: Vec<JsonMember> = f
        .members
        .iter()
        .map(|m| JsonMember {
            name: m.name.clone(),
            format: m.format.name(),
            analysed: true,
        })
        .collect();
    let mut seen: std::collections::BTreeSet<String> = out.iter().map(|m| m.name.clone()).collect();
    for finding in f.findings.iter().chain(f.suppressed.iter().map(|(x, _)| x)) {
        let mut name = crate::finding::display_path(&finding.location.path);
        for m in &finding.location.members {
            name.push('!');
            name.push_str(m);
            if seen.insert(name.clone()) {
                out.push(JsonMember {
                    name: name.clone(),
                    format: crate::formats::Format::Unknown.name(),
                    analysed: false,
                });
            }
        }
    }
    out
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: &'static str,
    confidence: &'static str,
    message: &'a str,
    evidence: &'a str,
    location: JsonLocation,
    help_uri: String,
    /// The Python release the finding concerns, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<JsonPackage<'a>>,
    /// For a fold entry: how many findings of its rule and severity in its file it stands for,
    /// none of them listed; absent for every other finding.
    #[serde(skip_serializing_if = "is_zero")]
    folded: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct JsonPackage<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct JsonLocation {
    path: String,
    members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<JsonSpan>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum JsonSpan {
    Offset { offset: u64 },
    Opcode { index: u64, offset: u64 },
    JsonPointer { pointer: String },
    Line { line: u64 },
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: f.rule.id,
        severity: f.severity.as_str(),
        confidence: f.confidence.as_str(),
        message: &f.message,
        evidence: &f.evidence,
        location: JsonLocation {
            path: crate::finding::display_path(&f.location.path),
            members: f.location.members.clone(),
            span: f.location.span.as_ref().map(|s| match s {
                Span::Offset { offset } => JsonSpan::Offset { offset: *offset },
                Span::Opcode { index, offset } => JsonSpan::Opcode {
                    index: *index,
                    offset: *offset,
                },
                Span::JsonPointer { pointer } => JsonSpan::JsonPointer {
                    pointer: pointer.clone(),
                },
                Span::Line { line } => JsonSpan::Line { line: *line },
            }),
        },
        help_uri: f.rule.doc_url(),
        package: f.package.as_ref().map(|p| JsonPackage {
            name: &p.name,
            version: &p.version,
        }),
        folded: f.folded,
    }
}

/// Write the report as pretty JSON.
pub fn write(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let s = Summary::of(report);
    let [info, low, medium, high, critical] = s.by_severity;
    let doc = Doc {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "airlock",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: JsonSummary {
            files: s.files,
            malicious: s.malicious,
            suspicious: s.suspicious,
            clean: s.clean,
            unanalysed: s.unanalysed,
            findings: FindingCounts {
                critical,
                high,
                medium,
                low,
                info,
            },
            suppressed: s.suppressed,
            folded: s.folded,
            elapsed_seconds: report.elapsed.as_secs_f64(),
        },
        files: report
            .files
            .iter()
            .map(|f| JsonFile {
                path: crate::finding::display_path(&f.path),
                size_bytes: f.size,
                format: f.format.name(),
                verdict: f.verdict.as_str(),
                reason: f.reason.as_deref(),
                members: members_of(f),
                facts: &f.facts,
                findings: f.findings.iter().map(finding).collect(),
                suppressed: f
                    .suppressed
                    .iter()
                    .map(|(x, reason)| JsonSuppressed {
                        finding: finding(x),
                        suppression_reason: reason,
                    })
                    .collect(),
            })
            .collect(),
        unused_suppressions: &report.unused_suppressions,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
