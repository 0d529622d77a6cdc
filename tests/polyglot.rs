//! Files that read as two formats: a tar whose last member is a zip is not a polyglot (the zip
//! is the member and is analysed as one); a zip appended after a tar's members is.

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan, ScanOptions, ScanReport};

#[path = "support/zip.rs"]
mod zip;
use zip::zip_with;

/// A benign protocol 2 pickle: `{'epoch': 3}`.
const BENIGN_PICKLE: &[u8] = b"\x80\x02}q\x00X\x05\x00\x00\x00epochq\x01K\x03s.";

fn tar_with(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).expect("append");
    }
    b.into_inner().expect("tar")
}

fn run(path: &Path) -> ScanReport {
    scan(
        &ScanOptions {
            paths: vec![path.to_path_buf()],
            exclude: Vec::new(),
            jobs: 1,
            limits: BudgetLimits::default(),
            yara: None,
        },
        &|_, _| {},
    )
    .expect("scan")
}

fn rules(r: &ScanReport) -> Vec<&'static str> {
    r.findings().map(|f| f.rule.id).collect()
}

#[test]
fn a_tar_of_a_model_zip_is_not_a_polyglot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = zip_with("archive/data.pkl", BENIGN_PICKLE);
    let path = dir.path().join("model.tar");
    std::fs::write(&path, tar_with(&[("model/model.pt", &model)])).expect("write");
    let r = run(&path);
    assert!(!rules(&r).contains(&"polyglot-file"), "{:?}", rules(&r));
    assert!(r
        .findings()
        .all(|f| f.severity < airlock::finding::Severity::Medium));
    // The member itself is still read as the zip it is.
    assert!(r.files[0]
        .members
        .iter()
        .any(|m| m.name.ends_with("model.pt!archive/data.pkl")));
}

#[test]
fn a_zip_appended_after_a_tar_is_a_polyglot_read_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = tar_with(&[("README", b"plain text\n")]);
    bytes.extend_from_slice(&zip_with("data.pkl", BENIGN_PICKLE));
    let path = dir.path().join("both.tar");
    std::fs::write(&path, bytes).expect("write");
    let r = run(&path);
    let polyglots = rules(&r)
        .iter()
        .filter(|id| **id == "polyglot-file")
        .count();
    assert_eq!(polyglots, 1, "{:?}", rules(&r));
    assert!(r.files[0].members.iter().any(|m| m
        .name
        .ends_with("<zip found from the end of the file>!data.pkl")));
}

/// Protocol 2: `os.system('echo airlock-test')`.
const SYSTEM: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

/// Regression (attack session 4, #18): a second tar after the first one's end-of-archive
/// blocks, which `tar -i` and `tarfile.open(ignore_zeros=True)` read, was not looked at. The
/// bytes after the marker are `tar-hidden-data` and the second archive's members are members.
#[test]
fn a_tar_after_the_end_of_archive_is_reported_and_its_members_analysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = tar_with(&[("a.txt", b"hi\n")]);
    let mut bytes = first.clone();
    // Pad to a 10 KiB record, as tar writers do, so the padding itself is not reported.
    bytes.resize(10240, 0);
    bytes.extend_from_slice(&tar_with(&[("data.pkl", SYSTEM)]));
    let path = dir.path().join("two.tar");
    std::fs::write(&path, &bytes).expect("write");
    let r = run(&path);
    let hidden: Vec<_> = r
        .findings()
        .filter(|f| f.rule.id == "tar-hidden-data")
        .collect();
    assert_eq!(hidden.len(), 1, "{:?}", rules(&r));
    assert_eq!(
        hidden[0].location.span,
        Some(airlock::finding::Span::Offset { offset: 10240 })
    );
    assert_eq!(hidden[0].severity, airlock::finding::Severity::Medium);
    let call = r
        .findings()
        .find(|f| f.rule.id == "pickle-dangerous-call")
        .expect("the hidden member is analysed");
    assert_eq!(call.location.members, vec!["data.pkl".to_string()]);

    // One tar alone, padded to its record, has nothing hidden.
    let path = dir.path().join("one.tar");
    std::fs::write(&path, &bytes[..10240]).expect("write");
    let r = run(&path);
    assert!(!rules(&r).contains(&"tar-hidden-data"), "{:?}", rules(&r));

    // A pickle (not a tar) after the marker is reported and analysed as a nested artifact.
    let mut bytes = first;
    bytes.extend_from_slice(SYSTEM);
    let path = dir.path().join("pickle.tar");
    std::fs::write(&path, &bytes).expect("write");
    let r = run(&path);
    assert!(rules(&r).contains(&"tar-hidden-data"), "{:?}", rules(&r));
    let call = r
        .findings()
        .find(|f| f.rule.id == "pickle-dangerous-call")
        .expect("the hidden pickle is analysed");
    assert!(
        call.location.members[0].starts_with("<data after end of archive at offset "),
        "{:?}",
        call.location.members
    );
}

/// The worst severity of `rule` in the report.
fn worst(r: &ScanReport, rule: &str) -> Option<airlock::Severity> {
    r.files
        .iter()
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.rule.id == rule)
        .map(|f| f.severity)
        .max()
}

/// A file its consumer reads by name (Python runs `setup.py`, `site` reads a `.pth`, Jinja
/// renders a `.jinja`) whose bytes also sniff as a binary format is read both ways (tester
/// t20): `().count` is a valid protocol 0 pickle and a valid Python line; a GGUF or `PK`
/// header is a path line `site` skips before the import line. PyTorch's own `.pth` files (a
/// zip) and text that starts `N.` (a pickle of None, then text) stay quiet.
#[test]
fn files_read_by_name_are_read_as_named_whatever_their_first_bytes() {
    use airlock::Severity::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, Vec<u8>, &str, Option<airlock::Severity>)> = vec![
        (
            "setup.py",
            b"().count\nimport os\nos.system('echo airlock')\n".to_vec(),
            "python-shell-command",
            Some(High),
        ),
        (
            "x.pth",
            b"GGUF\x03\x00\x00\x00\nimport os; os.system('echo airlock')\n".to_vec(),
            "python-shell-command",
            Some(High),
        ),
        (
            "chat_template.jinja",
            b"N.{{ cycler.__init__.__globals__.os.popen('echo airlock').read() }}\n".to_vec(),
            "chat-template-sandbox-escape",
            Some(Critical),
        ),
        (
            "rng_state.pth",
            zip_with("archive/data.pkl", BENIGN_PICKLE),
            "polyglot-file",
            None,
        ),
        (
            "notes.jinja",
            b"N.B. {{ messages[0]['content'] }}\n".to_vec(),
            "polyglot-file",
            None,
        ),
    ];
    for (i, (name, data, rule, want)) in cases.into_iter().enumerate() {
        let sub = dir.path().join(i.to_string());
        std::fs::create_dir_all(&sub).expect("mkdir");
        let p = sub.join(name);
        std::fs::write(&p, &data).expect("write");
        let r = run(&p);
        assert_eq!(worst(&r, rule), want, "{name}: {:?}", rules(&r));
        if want.is_some() {
            assert_eq!(worst(&r, "polyglot-file"), Some(Medium), "{name}");
        }
    }
}

/// Scripts whatever their name, by what starts them (tester t20): PEP 723 scripts run by
/// `uv run --script`, PyPy, and the `sh` launcher pip writes for long interpreter paths.
#[test]
fn scripts_run_by_python_runners_and_launchers_are_python() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, head) in [
        "#!/usr/bin/env -S uv run --script\n# /// script\n# dependencies = []\n# ///\n",
        "#!/usr/bin/env pypy3\n",
        "#!/bin/sh\n'''exec' \"/opt/very/long/path/venv/bin/python3\" \"$0\" \"$@\"\n' '''\n",
    ]
    .iter()
    .enumerate()
    {
        let p = dir.path().join(format!("tool{i}"));
        std::fs::write(&p, format!("{head}import os\nos.system('echo airlock')\n")).expect("write");
        let r = run(&p);
        assert_eq!(r.files[0].format, airlock::Format::PythonSource, "{head}");
        assert_eq!(
            worst(&r, "python-shell-command"),
            Some(airlock::Severity::High),
            "{head}"
        );
    }
    // A shell script stays a shell script.
    let p = dir.path().join("run.sh");
    std::fs::write(&p, "#!/bin/sh\nexec python3 -m tool \"$@\"\n").expect("write");
    assert_eq!(run(&p).files[0].format, airlock::Format::Text);
}
