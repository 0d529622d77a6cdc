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
