//! SARIF 2.1.0 output for code-scanning dashboards, from a small model of our own.
//!
//! One `reportingDescriptor` per rule id that a result references, with its help text and URI;
//! one result per finding. Only referenced rules are listed: every rule's documentation made a
//! small scan's log 866 KB. SARIF 2.1.0 §3.19.23 does not ask for every rule the tool has, and
//! each result's `ruleIndex` (§3.27.6) points into the array written.
//! A finding inside an archive member points at the file on disk and names the member chain in
//! its message and in `properties.members`; a byte offset in the file itself becomes a
//! `region.byteOffset`. Source: OASIS SARIF 2.1.0 (errata 01).

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Severity, Span};
use crate::rules::{Rule, RULES};
use crate::scan::ScanReport;

/// The SARIF JSON schema URI written in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: ToolObj,
    results: Vec<ResultObj>,
}

#[derive(Serialize)]
struct ToolObj {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleObj>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleObj {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Config,
    properties: RuleProps,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Config {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RuleProps {
    tags: Vec<&'static str>,
    security_severity: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultObj {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<LocationObj>,
    /// SARIF 2.1.0 §3.27.23: present (and non-empty) only for findings a policy suppressed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SuppressionObj>,
    properties: ResultProps,
}

/// SARIF 2.1.0 §3.35 `suppression`: `external`, because the policy file lives outside the
/// artifact.
#[derive(Serialize)]
struct SuppressionObj {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationObj {
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    byte_offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u64>,
}

#[derive(Serialize)]
struct ResultProps {
    severity: &'static str,
    confidence: &'static str,
    evidence: String,
    members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<String>,
    /// The Python release the result concerns, when known: `{name, version}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<PackageProps>,
    /// For a fold entry: how many findings of its rule and severity in its file it stands for
    /// (JSON `folded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    folded: Option<u64>,
}

#[derive(Serialize)]
struct PackageProps {
    name: String,
    version: String,
}

/// SARIF `level` for a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score (0.0 to 10.0) for a severity.
fn score(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule_obj(r: &Rule) -> RuleObj {
    let doc = r.doc().unwrap_or(r.summary);
    RuleObj {
        id: r.id,
        name: r
            .id
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect(),
        short_description: Text {
            text: r.summary.to_string(),
        },
        full_description: Text {
            text: format!("{} (formats: {})", r.summary, r.formats),
        },
        help_uri: r.doc_url(),
        help: Help {
            text: doc.to_string(),
            markdown: doc.to_string(),
        },
        default_configuration: Config {
            level: level(r.default_severity),
        },
        properties: RuleProps {
            tags: vec!["security", "supply-chain"],
            security_severity: score(r.default_severity).to_string(),
        },
    }
}

/// A path as a relative URI reference (RFC 3986): unreserved characters and `/` kept, every
/// other byte percent-encoded. Backslashes are separators only on Windows. On Unix the path's
/// own bytes are encoded, so a name that is not UTF-8 (`bad\xff.pkl`) is `bad%FF.pkl`, the
/// file on disk, not the replacement character's bytes.
fn uri(path: &std::path::Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.display().to_string().replace('\\', "/").into_bytes();
    let s = bytes.strip_prefix(b"./").unwrap_or(&bytes);
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `result` for a finding whose rule is entry `idx` of `tool.driver.rules`.
fn result(f: &Finding, idx: usize) -> ResultObj {
    let in_member = !f.location.members.is_empty();
    let region = match (&f.location.span, in_member) {
        (Some(Span::Offset { offset }) | Some(Span::Opcode { offset, .. }), false) => {
            Some(Region {
                byte_offset: Some(*offset),
                start_line: None,
            })
        }
        (Some(Span::Line { line }), false) => Some(Region {
            byte_offset: None,
            start_line: Some(*line),
        }),
        _ => None,
    };
    let mut text = f.message.clone();
    if in_member {
        text.push_str(&format!(" (in {})", f.location.members.join(" → ")));
    }
    text.push_str(&format!(": {}", f.evidence));
    ResultObj {
        rule_id: f.rule.id,
        rule_index: idx,
        level: level(f.severity),
        message: Text { text },
        locations: vec![LocationObj {
            physical_location: Physical {
                artifact_location: ArtifactLocation {
                    uri: uri(&f.location.path),
                },
                region,
            },
        }],
        suppressions: Vec::new(),
        properties: ResultProps {
            severity: f.severity.as_str(),
            confidence: f.confidence.as_str(),
            evidence: f.evidence.clone(),
            members: f.location.members.clone(),
            span: f.location.span.as_ref().map(|s| s.to_string()),
            package: f.package.as_ref().map(|p| PackageProps {
                name: p.name.clone(),
                version: p.version.clone(),
            }),
            folded: (f.folded > 0).then_some(f.folded),
        },
    }
}

/// The rules `findings` reference, in registry order (so the log is deterministic), each once.
fn referenced<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<&'static Rule> {
    let used: std::collections::BTreeSet<&str> = findings.map(|f| f.rule.id).collect();
    RULES
        .iter()
        .copied()
        .filter(|r| used.contains(r.id))
        .collect()
}

/// Write the report as a SARIF 2.1.0 log with one run.
pub fn write(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let suppressed = || {
        report
            .files
            .iter()
            .flat_map(|f| f.suppressed.iter().map(|(x, reason)| (x, reason)))
    };
    let rules = referenced(report.findings().chain(suppressed().map(|(x, _)| x)));
    let index = |f: &Finding| {
        rules
            .iter()
            .position(|r| r.id == f.rule.id)
            .expect("every finding's rule is in the referenced list")
    };
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: ToolObj {
                driver: Driver {
                    name: "airlock",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: rules.iter().map(|r| rule_obj(r)).collect(),
                },
            },
            results: report
                .findings()
                .map(|f| result(f, index(f)))
                .chain(suppressed().map(|(x, reason)| {
                    let mut r = result(x, index(x));
                    r.suppressions.push(SuppressionObj {
                        kind: "external",
                        justification: reason.clone(),
                    });
                    r
                }))
                .collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
