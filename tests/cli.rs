//! The command-line contract, through the real binary: exit codes (0 passed, 1 findings at or
//! above `--fail-on`, 2 usage or I/O error) independent of `--format`, `--output`, the JSON
//! schema version and facts, `explain` and `rules`.

use std::path::Path;
use std::process::{Command, Output};

const SYSTEM: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

fn airlock(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(args)
        .args(paths)
        .output()
        .expect("airlock runs")
}

fn safetensors() -> Vec<u8> {
    let mut h = br#"{"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}}"#.to_vec();
    while h.len() % 8 != 0 {
        h.push(b' ');
    }
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(&[0u8; 12]);
    out
}

#[test]
fn exit_codes_follow_the_gate_not_the_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("model.bin");
    std::fs::write(&bad, SYSTEM).expect("write");
    let good = dir.path().join("w.safetensors");
    std::fs::write(&good, safetensors()).expect("write");
    for format in ["human", "json", "sarif"] {
        let out = airlock(&["scan", "--format", format], &[&bad]);
        assert_eq!(out.status.code(), Some(1), "{format} on a malicious file");
        let out = airlock(&["scan", "--format", format, "--fail-on", "low"], &[&good]);
        assert_eq!(out.status.code(), Some(0), "{format} on a benign file");
    }
    let missing = dir.path().join("missing.pt");
    assert_eq!(airlock(&["scan"], &[&missing]).status.code(), Some(2));
    assert_eq!(
        airlock(&["scan", "--format", "yaml"], &[&good])
            .status
            .code(),
        Some(2)
    );
    // A gate failure outranks an unreadable path.
    assert_eq!(airlock(&["scan"], &[&bad, &missing]).status.code(), Some(1));
}

#[test]
fn json_has_the_schema_version_the_verdicts_and_the_facts() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("model.bin"), SYSTEM).expect("write");
    std::fs::write(dir.path().join("w.safetensors"), safetensors()).expect("write");
    let report = dir.path().join("report.json");
    let out = airlock(
        &["scan", "--format", "json", "--output"],
        &[&report, dir.path()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "--output leaves stdout empty");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report written")).expect("json");
    assert_eq!(doc["schema_version"], "1");
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["summary"]["malicious"], 1);
    let files = doc["files"].as_array().expect("files");
    let bin = files
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with("model.bin")))
        .expect("model.bin reported");
    assert_eq!(bin["format"], "pickle");
    assert_eq!(bin["verdict"], "malicious");
    let f = &bin["findings"][0];
    assert_eq!(f["rule"], "pickle-dangerous-call");
    assert_eq!(f["evidence"], "posix.system('echo airlock-test')");
    assert_eq!(f["location"]["span"]["kind"], "opcode");
    let st = files
        .iter()
        .find(|f| f["format"] == "safetensors")
        .expect("safetensors reported");
    let facts = st["facts"]
        .as_object()
        .and_then(|m| m.values().next())
        .expect("facts for the safetensors file");
    assert_eq!(facts["parameters"], "6");
    assert_eq!(facts["tensors"], "1");
    assert_eq!(facts["dtypes"], "F16:1");
}

#[test]
fn explain_and_rules_list_every_rule() {
    let out = airlock(&["explain", "pickle-dangerous-call"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# pickle-dangerous-call"), "{text}");
    assert_eq!(
        airlock(&["explain", "no-such-rule"], &[]).status.code(),
        Some(2)
    );
    let out = airlock(&["rules"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    for r in airlock::rules::RULES {
        assert!(
            text.lines().any(|l| l.starts_with(r.id)),
            "{} not listed",
            r.id
        );
    }
}

/// The summary line with its wall time replaced by `T`.
fn summary(line: &str) -> String {
    match (line.find(" in "), line.find("s: ")) {
        (Some(a), Some(b)) if a < b => format!("{} in T{}", &line[..a], &line[b + 1..]),
        _ => line.to_string(),
    }
}

#[test]
fn quiet_prints_the_summary_line_a_normal_run_ends_with() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("model.bin");
    std::fs::write(&bad, SYSTEM).expect("write");
    let good = dir.path().join("w.safetensors");
    std::fs::write(&good, safetensors()).expect("write");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "plain text\n").expect("write");
    for (paths, want) in [
        (
            vec![&bad],
            "1 file in T: 1 malicious, 0 suspicious, 0 clean, 0 unanalysed; 1 finding: 1 critical, 0 high, 0 medium, 0 low, 0 info",
        ),
        (
            vec![&good],
            "1 file in T: 0 malicious, 0 suspicious, 1 clean, 0 unanalysed; 0 findings: 0 critical, 0 high, 0 medium, 0 low, 0 info",
        ),
        (
            vec![&bad, &good, &notes],
            "3 files in T: 1 malicious, 0 suspicious, 1 clean, 1 unanalysed; 1 finding: 1 critical, 0 high, 0 medium, 0 low, 0 info",
        ),
    ] {
        let paths: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        let normal = airlock(&["scan"], &paths);
        let quiet = airlock(&["scan", "-q"], &paths);
        assert_eq!(normal.status.code(), quiet.status.code());
        let normal = String::from_utf8_lossy(&normal.stdout).into_owned();
        let quiet = String::from_utf8_lossy(&quiet.stdout).into_owned();
        // Quiet is the summary line alone; a normal run ends with the same line.
        assert_eq!(quiet.lines().count(), 1, "{quiet}");
        assert_eq!(summary(quiet.trim_end()), want);
        assert_eq!(
            normal.lines().last().map(summary).as_deref(),
            Some(want),
            "{normal}"
        );
    }
    // `-q -v`: the last flag wins.
    let out = airlock(&["scan", "-q", "-v"], &[&good]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("clean "),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn rules_are_listed_in_aligned_columns() {
    let out = airlock(&["rules"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let rules = airlock::rules::RULES;
    let id_width = rules.iter().map(|r| r.id.len()).max().expect("rules");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), rules.len());
    for (line, r) in lines.iter().zip(rules) {
        // Columns start where the widest id and the widest severity ("critical") end, plus two.
        assert_eq!(
            *line,
            format!(
                "{:<id_width$}  {:<8}  {}",
                r.id,
                r.default_severity.as_str(),
                r.summary
            )
        );
        assert_eq!(line.find(r.summary), Some(id_width + 2 + 8 + 2), "{line}");
    }
    // The longest id has exactly two spaces after it.
    let longest = rules
        .iter()
        .find(|r| r.id.len() == id_width)
        .expect("longest");
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&format!("{}  {}", longest.id, longest.default_severity))));
}

#[test]
fn exclude_and_hidden_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(".hidden")).expect("mkdir");
    std::fs::write(dir.path().join(".hidden/model.bin"), SYSTEM).expect("write");
    // Hidden and git-ignored files are scanned by default.
    std::fs::write(dir.path().join(".gitignore"), ".hidden\n").expect("write");
    assert_eq!(
        airlock(&["scan", "-q"], &[dir.path()]).status.code(),
        Some(1)
    );
    let out = airlock(&["scan", "-q", "--exclude", ".hidden"], &[dir.path()]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_policy_suppresses_with_a_reason_and_reports_what_it_did() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("model.bin");
    std::fs::write(&bad, SYSTEM).expect("write");
    let other = dir.path().join("other.pkl");
    std::fs::write(&other, SYSTEM).expect("write");
    let policy = dir.path().join("airlock.toml");
    std::fs::write(
        &policy,
        "[[suppress]]\nrule = \"pickle-dangerous-call\"\npath = \"**/model.bin\"\nreason = \"test fixture\"\n\n\
         [[suppress]]\nrule = \"pickle-dangerous-call\"\npath = \"**/never-there.pt\"\nreason = \"stale\"\n",
    )
    .expect("write");
    let p = policy.to_str().expect("utf-8");
    // Suppressed: the gate passes, JSON keeps the finding with its reason, SARIF marks it.
    let out = airlock(&["scan", "--format", "json", "--policy", p], &[&bad]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["summary"]["suppressed"], 1);
    assert_eq!(doc["summary"]["malicious"], 0);
    let file = &doc["files"][0];
    assert_eq!(file["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(file["suppressed"][0]["rule"], "pickle-dangerous-call");
    assert_eq!(file["suppressed"][0]["suppression_reason"], "test fixture");
    assert_eq!(
        doc["unused_suppressions"][0],
        "pickle-dangerous-call at **/never-there.pt"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("matched no finding"), "{stderr}");
    let out = airlock(&["scan", "--format", "sarif", "--policy", p], &[&bad]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "pickle-dangerous-call"
            && r["suppressions"][0]["kind"] == "external"
            && r["suppressions"][0]["justification"] == "test fixture"));
    // The same finding elsewhere is not covered by the entry.
    let out = airlock(&["scan", "--quiet", "--policy", p], &[&other]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_bad_policy_is_a_usage_error_naming_every_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("w.safetensors");
    std::fs::write(&good, safetensors()).expect("write");
    let policy = dir.path().join("airlock.toml");
    std::fs::write(
        &policy,
        "[[suppress]]\nrule = \"no-such-rule\"\npath = \"**/x\"\nreason = \"\"\n",
    )
    .expect("write");
    let out = airlock(
        &["scan", "--policy", policy.to_str().expect("utf-8")],
        &[&good],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no-such-rule") && stderr.contains("reason is empty"),
        "{stderr}"
    );
    std::fs::write(&policy, "[[suppress]]\nrule = \"pickle-dangerous-call\"\n").expect("write");
    let out = airlock(
        &["scan", "--policy", policy.to_str().expect("utf-8")],
        &[&good],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing field"));
}

#[test]
fn exclude_globs_match_the_path_as_shown_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("malicious");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(sub.join("model.bin"), SYSTEM).expect("write");
    // Relative to the root, and as the report shows the path (root included).
    let shown = format!("{}/malicious/**", dir.path().display());
    for glob in ["malicious/**", shown.as_str()] {
        let out = airlock(&["scan", "--quiet", "--exclude", glob], &[dir.path()]);
        assert_eq!(out.status.code(), Some(0), "--exclude {glob}");
    }
    let out = airlock(&["scan", "--quiet"], &[dir.path()]);
    assert_eq!(out.status.code(), Some(1));
}

/// Regression (attack session 4, #18): a file name that is not UTF-8 was shown with U+FFFD
/// replacement characters, naming no file on disk. Every reporter shows each invalid byte as
/// `\xNN` (SARIF's URI percent-encodes the bytes themselves), archive member names too, and a
/// policy glob matches the escaped form.
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_shown_with_escaped_bytes() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join(OsStr::from_bytes(b"bad\xff\xfename.pkl"));
    std::fs::write(&bad, SYSTEM).expect("write");
    let shown = r"bad\xff\xfename.pkl";

    let out = airlock(&["scan"], &[&bad]);
    let human = String::from_utf8(out.stdout).expect("human output is UTF-8");
    assert!(human.contains(shown), "{human}");
    assert!(!human.contains('\u{fffd}'), "{human}");

    let out = airlock(&["scan", "--format", "json"], &[&bad]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let path = doc["files"][0]["path"].as_str().expect("path");
    assert!(path.ends_with(&format!("/{shown}")), "{path}");
    assert_eq!(
        doc["files"][0]["findings"][0]["location"]["path"].as_str(),
        Some(path)
    );

    let out = airlock(&["scan", "--format", "sarif"], &[&bad]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .expect("uri");
    assert!(uri.ends_with("/bad%FF%FEname.pkl"), "{uri}");

    // A valid UTF-8 name is unchanged.
    let good = dir.path().join("gëod.pkl");
    std::fs::write(&good, SYSTEM).expect("write");
    let out = airlock(&["scan", "--format", "json"], &[&good]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(doc["files"][0]["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("/gëod.pkl")));

    // A glob backslash escapes, so the glob spells the shown `\x` as `\\x`.
    let policy = dir.path().join("airlock.toml");
    std::fs::write(
        &policy,
        "[[suppress]]\nrule = \"pickle-dangerous-call\"\npath = '**/bad\\\\xff\\\\xfename.pkl'\nreason = \"fixture\"\n",
    )
    .expect("write");
    let p = policy.to_str().expect("utf-8");
    let out = airlock(&["scan", "--format", "json", "--policy", p], &[&bad]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["summary"]["suppressed"], 1, "{doc}");
    assert_eq!(out.status.code(), Some(0));

    // Archive members: a tar member whose name is not UTF-8.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().expect("gnu").name[..8].copy_from_slice(b"m\xffdl.pkl");
    h.set_size(SYSTEM.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append(&h, SYSTEM).expect("append");
    let archive = dir.path().join("a.tar");
    std::fs::write(&archive, b.into_inner().expect("tar")).expect("write");
    let out = airlock(&["scan", "--format", "json"], &[&archive]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        doc["files"][0]["findings"][0]["location"]["members"][0], r"m\xffdl.pkl",
        "{doc}"
    );
}

/// Terminal controls and bidirectional formatting characters in names and evidence are shown
/// escaped in human output: a member named `\x1b[2K…` cannot erase the report's lines.
#[test]
fn controls_in_names_are_escaped_in_human_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut b = tar::Builder::new(Vec::new());
    for name in ["\u{1b}[1A\u{1b}[2Kclean.pkl", "evil\u{202e}lkp.txt.pkl"] {
        let mut h = tar::Header::new_gnu();
        h.set_size(SYSTEM.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, SYSTEM).expect("append");
    }
    let tarball = dir.path().join("names.tar");
    std::fs::write(&tarball, b.into_inner().expect("tar")).expect("write");
    let out = airlock(&["scan"], &[&tarball]);
    let human = String::from_utf8(out.stdout).expect("utf-8");
    assert!(!human.contains('\u{1b}'), "{human:?}");
    assert!(!human.contains('\u{202e}'), "{human:?}");
    assert!(human.contains(r"\x1b[1A\x1b[2Kclean.pkl"), "{human}");
    assert!(human.contains(r"evil\u{202e}lkp.txt.pkl"), "{human}");
}

/// A report that cannot be written is a usage or I/O error (exit 2) whose message names where
/// it was to go.
#[test]
fn unwritable_output_names_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("m.safetensors");
    std::fs::write(&f, safetensors()).expect("write");
    let target = dir.path().join("missing").join("out.json");
    let target_text = target.display().to_string();
    let out = airlock(&["scan", "--format", "json", "-o", &target_text], &[&f]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot write the report to {target_text}")),
        "{err}"
    );
}

#[path = "support/zip.rs"]
mod zip_support;

/// A member that a finding names but that was never analysed (here: a compression method no
/// reader of airlock's decodes, PPMd, 98) is listed in `files[].members` with `analysed: false`,
/// so a consumer walking the members sees it; analysed members carry no such field.
#[test]
fn json_members_list_the_unread_member_a_finding_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut z = zip_support::zip_with("model.pkl", SYSTEM);
    // The method field: offset 8 of the local header, offset 10 of the central header.
    z[8] = 98;
    let central = z
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central header");
    z[central + 10] = 98;
    let path = dir.path().join("weights.zip");
    std::fs::write(&path, &z).expect("write");
    let out = airlock(
        &["scan", "--format", "json", "--fail-on", "critical"],
        &[&path],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let file = &doc["files"][0];
    let named: Vec<&str> = file["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["location"]["members"][0] == "model.pkl")
        .map(|f| f["rule"].as_str().unwrap_or(""))
        .collect();
    assert!(!named.is_empty(), "{file:#}");
    let members = file["members"].as_array().expect("members");
    let unread: Vec<_> = members
        .iter()
        .filter(|m| m["analysed"] == false)
        .map(|m| {
            (
                m["name"].as_str().unwrap_or(""),
                m["format"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(unread.len(), 1, "{members:#?}");
    assert!(unread[0].0.ends_with("weights.zip!model.pkl"), "{unread:?}");
    assert_eq!(unread[0].1, "unknown");
    assert!(
        members.iter().all(|m| m["analysed"] != true),
        "{members:#?}"
    );
}

/// An `--exclude` glob that matches nothing (a typo) is named in one warning on standard
/// error; globs that matched are not, and the exit code is the scan's own.
#[test]
fn an_exclude_glob_that_matches_nothing_is_warned_about() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("malicious")).expect("mkdir");
    std::fs::write(dir.path().join("malicious/model.bin"), SYSTEM).expect("write");
    std::fs::write(dir.path().join("w.safetensors"), safetensors()).expect("write");
    let out = airlock(
        &[
            "scan",
            "-q",
            "--exclude",
            "malicous/**",
            "--exclude",
            "malicious",
        ],
        &[dir.path()],
    );
    // `malicious` excluded the pickle, so the scan passes; the typo changes nothing.
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("--exclude")).collect();
    assert_eq!(
        warnings,
        vec![
            r#"airlock: warning: --exclude "malicous/**" matched no path, so it excluded nothing"#
        ],
        "{err}"
    );
    // Only the typo: the pickle is scanned and fails the gate, with the same warning.
    let out = airlock(&["scan", "-q", "--exclude", "malicous/**"], &[dir.path()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"--exclude "malicous/**" matched no path"#),
        "{err}"
    );
    // Every glob matched: no warning.
    let out = airlock(&["scan", "-q", "--exclude", "*.bin"], &[dir.path()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A scan that finds no file (an empty folder, or everything excluded) still passes (exit 0:
/// nothing was found wrong), but says so on standard error rather than looking like a clean
/// scan, also with `--quiet`.
#[test]
fn a_scan_with_no_files_warns_and_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    for format in ["human", "json", "sarif"] {
        let out = airlock(&["scan", "-q", "--format", format], &[&empty]);
        assert_eq!(out.status.code(), Some(0), "{format}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.trim_end(),
            format!(
                "airlock: warning: no files to scan under {}",
                empty.display()
            ),
            "{format}"
        );
    }
    // Everything excluded: the same warning, which says the excludes took part.
    let full = dir.path().join("full");
    std::fs::create_dir(&full).expect("mkdir");
    std::fs::write(full.join("model.bin"), SYSTEM).expect("write");
    let out = airlock(&["scan", "-q", "--exclude", "*.bin"], &[&full]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "no files to scan under {} (after --exclude)",
            full.display()
        )),
        "{err}"
    );
    // A folder with a file: no such warning.
    let out = airlock(&["scan", "-q"], &[&full]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("no files to scan"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The example in `docs/json-output.md` is the real output of the command it names (it lacked
/// `summary.suppressed` once): every field and value, all but the wall time and the version.
#[test]
fn the_json_example_in_the_docs_is_real_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/json-output.md")).expect("read the doc");
    let start = doc.find("```json\n").expect("a json block") + "```json\n".len();
    let len = doc[start..].find("```").expect("the block ends");
    let mut example: serde_json::Value =
        serde_json::from_str(&doc[start..start + len]).expect("the example is JSON");
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args([
            "scan",
            "--format",
            "json",
            "examples/malicious/renamed_member.pt",
        ])
        .current_dir(root)
        .output()
        .expect("airlock runs");
    assert_eq!(out.status.code(), Some(1));
    let mut real: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for v in [&mut example, &mut real] {
        assert!(v["summary"]["elapsed_seconds"].is_f64(), "{v:#}");
        v["summary"]["elapsed_seconds"] = serde_json::Value::from(0.0);
        v["tool"]["version"] = serde_json::Value::from("x");
    }
    assert_eq!(example, real);
    assert_eq!(real["summary"]["suppressed"], 0);
}

/// A `.pth` of 30 executable lines of one shape: 30 low findings of one rule. Every format
/// lists the first 20 and one fold entry counting the other 10, the summaries count all 30 and
/// say 10 were folded, the verdict stays clean (JSON), and the human report heads the file
/// `notes`, not `clean` above its findings.
#[test]
fn repeated_low_findings_are_folded_and_the_file_is_headed_notes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pth = dir.path().join("many.pth");
    let text: String = (0..30)
        .map(|i| format!("import m{i}; m{i}.setup()\n"))
        .collect();
    std::fs::write(&pth, text).expect("write");

    let out = airlock(&["scan", "--format", "json"], &[&pth]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["summary"]["findings"]["low"], 30, "{doc:#}");
    assert_eq!(doc["summary"]["folded"], 10);
    let file = &doc["files"][0];
    assert_eq!(file["verdict"], "clean");
    let findings = file["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 21, "{findings:#?}");
    assert!(findings
        .iter()
        .all(|f| f["rule"] == "pth-executable-line" && f["severity"] == "low"));
    let entries: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["folded"].is_u64()).collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["folded"], 10);
    assert_eq!(entries[0]["location"]["span"]["line"], 21);
    assert!(entries[0]["evidence"]
        .as_str()
        .is_some_and(|e| e.contains("import m20; m20.setup()")));

    let out = airlock(&["scan", "--format", "sarif"], &[&pth]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 21);
    let folded: Vec<u64> = results
        .iter()
        .filter_map(|r| r["properties"]["folded"].as_u64())
        .collect();
    assert_eq!(folded, vec![10]);

    let out = airlock(&["scan"], &[&pth]);
    let human = String::from_utf8_lossy(&out.stdout);
    let first = human.lines().next().unwrap_or_default();
    assert_eq!(first, format!("notes {} [pth]", pth.display()), "{human}");
    assert!(!human.contains("clean "), "{human}");
    assert_eq!(
        human.lines().last().map(summary).as_deref(),
        Some("1 file in T: 0 malicious, 0 suspicious, 1 clean, 0 unanalysed; 30 findings: 0 critical, 0 high, 0 medium, 30 low, 0 info; 10 folded (repeats of a rule not listed one by one)"),
        "{human}"
    );
}
