//! `airlock scan --format sarif` against the official SARIF 2.1.0 JSON schema
//! (`tests/data/sarif-schema-2.1.0.json`, OASIS errata 01; see `tests/data/README.md`), plus
//! the properties the schema cannot check: one rule entry per rule id, results that point at
//! their rule, levels, URIs, and exit codes that do not depend on `--format`.
//!
//! Fixtures are built here in a temporary folder; the payload only `echo`es and nothing is ever
//! loaded.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// `pickle.dumps` (protocol 2) of an object whose `__reduce__` returns
/// `(os.system, ('echo airlock-test',))`.
const OS_SYSTEM_PICKLE: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

/// `pickle.dumps({'epoch': 3}, protocol=2)`.
#[path = "support/zip.rs"]
mod zip;
use zip::zip_with;

const BENIGN_PICKLE: &[u8] = b"\x80\x02}q\x00X\x05\x00\x00\x00epochq\x01K\x03s.";

const SCHEMA: &str = include_str!("data/sarif-schema-2.1.0.json");

fn airlock(args: &[&str], path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(args)
        .arg(path)
        .output()
        .expect("run airlock")
}

/// A validator for the SARIF schema (draft-04, self-contained), with `format` asserted.
fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"], "http://json-schema.org/draft-04/schema#",
        "tests/data/sarif-schema-2.1.0.json is not the draft-04 OASIS schema"
    );
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Every schema violation of `log`, one per line.
fn violations(v: &jsonschema::Validator, log: &Value) -> String {
    v.iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let mut f = std::fs::File::create(dir.join(name)).expect("create fixture");
    f.write_all(bytes).expect("write fixture");
}

/// The rule entries of the single run.
fn rules_of(log: &Value) -> &Vec<Value> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("runs[0].tool.driver.rules is an array")
}

fn results_of(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"]
        .as_array()
        .expect("runs[0].results is an array")
}

/// True when `s` is made only of RFC 3986 URI-reference characters (percent-escapes well
/// formed), with no query or fragment.
fn is_plain_uri_path(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
                {
                    return false;
                }
                i += 3;
                continue;
            }
            c if c.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+'
            | b',' | b';' | b'=' | b':' | b'@' | b'/' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

fn percent_decode(s: &str) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[test]
fn sarif_output_is_valid_and_consistent() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "evil.pkl", OS_SYSTEM_PICKLE);
    write(
        dir.path(),
        "bundle.zip",
        &zip_with("archive/data.pkl", OS_SYSTEM_PICKLE),
    );
    write(dir.path(), "benign.pkl", BENIGN_PICKLE);

    let out = airlock(&["scan", "--format", "sarif"], dir.path());
    let log = parse(&out);
    let v = validator();
    let errors = violations(&v, &log);
    assert!(errors.is_empty(), "SARIF schema violations:\n{errors}");

    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "airlock");

    // One rule entry per rule id that a result references (SARIF 2.1.0 §3.19.23: not every
    // rule airlock has, whose documentation made a small log 866 KB), in registry order, each
    // with its help URI.
    let rules = rules_of(&log);
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let used: std::collections::BTreeSet<&str> = results_of(&log)
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    let expected: Vec<&str> = airlock::rules::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| used.contains(id))
        .collect();
    assert_eq!(ids, expected);
    assert!(ids.contains(&"pickle-dangerous-call"), "{ids:?}");
    assert!(
        ids.len() < airlock::rules::RULES.len(),
        "every rule listed: {}",
        ids.len()
    );
    for (entry, id) in rules.iter().zip(&ids) {
        let rule = airlock::rules::by_id(id).expect("a listed rule exists");
        assert_eq!(entry["helpUri"], rule.doc_url(), "{}", rule.id);
        // An absolute link to the rule page in the repository Cargo.toml names.
        assert_eq!(
            rule.doc_url(),
            format!(
                "https://github.com/airlock-dev/airlock/blob/main/docs/rules/{}.md",
                rule.id
            )
        );
        assert!(
            entry["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{}",
            rule.id
        );
    }

    // Every result names a rule that exists, and its index points at that rule.
    let results = results_of(&log);
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId is a string");
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex is an integer") as usize;
        assert!(ids.contains(&id), "unknown ruleId {id}");
        assert_eq!(rules[idx]["id"], id, "ruleIndex {idx} of {id}");
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert!(loc.as_str().is_some_and(|u| !u.is_empty()), "{r:#}");
    }

    // The malicious pickle: an error-level result at its byte offset.
    let evil: Vec<&Value> = results
        .iter()
        .filter(|r| {
            r["ruleId"] == "pickle-dangerous-call"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("/evil.pkl"))
        })
        .collect();
    assert_eq!(evil.len(), 1, "{results:#?}");
    assert_eq!(evil[0]["level"], "error");
    assert_eq!(evil[0]["properties"]["severity"], "critical");
    assert!(
        evil[0]["locations"][0]["physicalLocation"]["region"]["byteOffset"].is_u64(),
        "{:#}",
        evil[0]
    );

    // The member of the zip: the result points at the zip on disk and names the member.
    let member: Vec<&Value> = results
        .iter()
        .filter(|r| {
            r["ruleId"] == "pickle-dangerous-call"
                && r["properties"]["members"][0] == "archive/data.pkl"
        })
        .collect();
    assert_eq!(member.len(), 1, "{results:#?}");
    assert_eq!(member[0]["level"], "error");
    assert!(
        member[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/bundle.zip"))
    );
    assert!(member[0]["message"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("archive/data.pkl")));

    // The benign pickle has no result.
    assert!(!results.iter().any(|r| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/benign.pkl"))
    }));

    // Exit codes do not depend on the format.
    assert_eq!(out.status.code(), Some(1), "sarif");
    for format in ["human", "json"] {
        let o = airlock(&["scan", "--format", format], dir.path());
        assert_eq!(o.status.code(), Some(1), "{format}");
    }
}

#[test]
fn sarif_without_findings_is_valid_and_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "benign.pkl", BENIGN_PICKLE);
    let out = airlock(&["scan", "--format", "sarif"], dir.path());
    let log = parse(&out);
    let errors = violations(&validator(), &log);
    assert!(errors.is_empty(), "SARIF schema violations:\n{errors}");
    assert_eq!(results_of(&log).len(), 0);
    // No result references a rule, so none is listed.
    assert_eq!(rules_of(&log).len(), 0);
    assert_eq!(out.status.code(), Some(0), "sarif");
    for format in ["human", "json"] {
        let o = airlock(&["scan", "--format", format], dir.path());
        assert_eq!(o.status.code(), Some(0), "{format}");
    }
}

/// The schema check is not vacuous: a log the schema forbids is rejected.
#[test]
fn the_schema_rejects_a_broken_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "evil.pkl", OS_SYSTEM_PICKLE);
    let out = airlock(&["scan", "--format", "sarif"], dir.path());
    let mut log = parse(&out);
    let v = validator();
    assert!(v.is_valid(&log));
    log["runs"][0]["results"][0]["level"] = Value::from("critical");
    assert!(!v.is_valid(&log), "level 'critical' accepted");
    let mut log = parse(&out);
    log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = Value::from("not a uri");
    assert!(!v.is_valid(&log), "helpUri 'not a uri' accepted");
    let mut log = parse(&out);
    log["runs"][0]["results"][0]["unexpected"] = Value::from(1);
    assert!(!v.is_valid(&log), "unknown result property accepted");
}

/// `artifactLocation.uri` must be a valid URI reference (SARIF 2.1.0 §3.4.3, §3.10.2) that
/// names the file: characters outside RFC 3986 are percent-encoded, so `?`, `#`, `[`, `]` or a
/// backslash in a file name (all legal on Unix) do not turn into a query, a fragment, another
/// folder or an invalid reference.
#[cfg(unix)]
#[test]
fn sarif_uris_are_uri_references_that_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = [
        "plain.pkl",
        "with space #1.pkl",
        "100%.pkl",
        "what?[x]{y}.pkl",
        "modèle.pkl",
        "back\\slash.pkl",
    ];
    for n in names {
        write(dir.path(), n, OS_SYSTEM_PICKLE);
    }
    let out = airlock(&["scan", "--format", "sarif"], dir.path());
    let log = parse(&out);
    let errors = violations(&validator(), &log);
    assert!(errors.is_empty(), "SARIF schema violations:\n{errors}");
    let uris: Vec<&str> = results_of(&log)
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    let mut problems = Vec::new();
    for n in names {
        let want = dir.path().join(n).to_string_lossy().into_owned();
        let named: Vec<&&str> = uris
            .iter()
            .filter(|u| percent_decode(u) == want.as_bytes())
            .collect();
        if named.is_empty() {
            problems.push(format!("{n:?}: no uri decodes to {want:?}"));
        }
        for u in named {
            if !is_plain_uri_path(u) {
                problems.push(format!("{n:?}: {u:?} is not a valid URI reference path"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nuris: {uris:#?}",
        problems.join("\n")
    );
}

#[test]
fn suppressed_results_are_valid_sarif() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "evil.pkl", OS_SYSTEM_PICKLE);
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[suppress]]\nrule = \"pickle-dangerous-call\"\npath = \"**/evil.pkl\"\nreason = \"fixture\"\n",
    )
    .expect("write");
    let out = airlock(
        &[
            "scan",
            "--format",
            "sarif",
            "--policy",
            policy.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    let log = parse(&out);
    let v = validator();
    assert_eq!(violations(&v, &log), "");
    let suppressed: Vec<&Value> = results_of(&log)
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert!(!suppressed.is_empty());
    assert!(suppressed
        .iter()
        .all(|r| r["suppressions"][0]["justification"] == "fixture"));
    // A rule only suppressed results reference is still listed, and their index points at it.
    let rules = rules_of(&log);
    for r in &suppressed {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"], "{r:#}");
    }
    assert!(rules.iter().any(|r| r["id"] == "pickle-dangerous-call"));
}

/// A small scan's log holds the rules it uses, not the documentation of every rule (866 KB
/// before): one malicious pickle gives a log of a few kilobytes.
#[test]
fn sarif_lists_only_the_rules_its_results_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "evil.pkl", OS_SYSTEM_PICKLE);
    let out = airlock(&["scan", "--format", "sarif"], dir.path());
    let log = parse(&out);
    assert_eq!(violations(&validator(), &log), "");
    let results = results_of(&log);
    let used: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    let listed: Vec<&str> = rules_of(&log)
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(listed.len(), used.len(), "each rule once: {listed:?}");
    assert_eq!(
        listed
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        used,
        "only the used rules"
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(listed[idx], r["ruleId"], "{r:#}");
    }
    assert!(
        out.stdout.len() < 64 * 1024,
        "{} bytes for one finding's log",
        out.stdout.len()
    );
}
