//! Archives whose member list, as Python's own readers see it, differs from what readers that
//! follow counts and pointers see (tester t9 §1, §2, §7). CPython's `zipfile` walks the
//! directory's bytes and takes the ZIP64 end record before the locator; its `tarfile` applies
//! global pax headers, `GNU.sparse.name` and sparse maps. airlock analyses what either reader
//! loads and reports the disagreement.
//!
//! Fixtures are built here, in a temporary folder; payloads only `echo`.

use std::path::{Path, PathBuf};

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};
use airlock::Severity;

/// `pickle.dumps` (protocol 2) of an object whose `__reduce__` returns
/// `(os.system, ('echo airlock-test',))`.
const OS_SYSTEM_PICKLE: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

/// A benign pickle: `pickle.dumps({'a': 1}, 2)`.
const BENIGN_PICKLE: &[u8] = b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s.";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write fixture");
    p
}

fn scan(path: &Path) -> FileReport {
    scan_file(path, BudgetLimits::default())
}

/// (rule, severity, member chain) of every finding, sorted.
fn found(r: &FileReport) -> Vec<(&'static str, Severity, String)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.location.members.join("!")))
        .collect();
    v.sort();
    v
}

fn has(r: &FileReport, rule: &str, severity: Severity, member: &str) -> bool {
    found(r)
        .iter()
        .any(|(id, s, m)| *id == rule && *s == severity && m == member)
}

/// A finding of `rule` at `severity` or above on `member`.
fn has_at_least(r: &FileReport, rule: &str, severity: Severity, member: &str) -> bool {
    found(r)
        .iter()
        .any(|(id, s, m)| *id == rule && *s >= severity && m == member)
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

fn le16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn le32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn le64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

// ---------------------------------------------------------------------------------------------
// Zip
// ---------------------------------------------------------------------------------------------

/// A zip member: name, method, stored bytes, CRC and size of the content.
struct Member {
    name: &'static str,
    method: u16,
    raw: Vec<u8>,
    crc: u32,
    size: u32,
}

fn stored(name: &'static str, data: &[u8]) -> Member {
    Member {
        name,
        method: 0,
        raw: data.to_vec(),
        crc: crc32(data),
        size: data.len() as u32,
    }
}

/// Append a local header and data; returns its offset.
fn local(out: &mut Vec<u8>, m: &Member) -> u32 {
    let at = out.len() as u32;
    out.extend_from_slice(b"PK\x03\x04");
    le16(out, 20);
    le16(out, 0);
    le16(out, m.method);
    le16(out, 0);
    le16(out, 0x21);
    le32(out, m.crc);
    le32(out, m.raw.len() as u32);
    le32(out, m.size);
    le16(out, m.name.len() as u16);
    le16(out, 0);
    out.extend_from_slice(m.name.as_bytes());
    out.extend_from_slice(&m.raw);
    at
}

/// Append a central directory for `members` at their local offsets; returns (start, size).
fn directory(out: &mut Vec<u8>, members: &[(&Member, u32)]) -> (u32, u32) {
    let start = out.len() as u32;
    for (m, at) in members {
        out.extend_from_slice(b"PK\x01\x02");
        le16(out, 20);
        le16(out, 20);
        le16(out, 0);
        le16(out, m.method);
        le16(out, 0);
        le16(out, 0x21);
        le32(out, m.crc);
        le32(out, m.raw.len() as u32);
        le32(out, m.size);
        le16(out, m.name.len() as u16);
        le16(out, 0);
        le16(out, 0);
        le16(out, 0);
        le16(out, 0);
        le32(out, 0);
        le32(out, *at);
        out.extend_from_slice(m.name.as_bytes());
    }
    (start, out.len() as u32 - start)
}

fn eocd(out: &mut Vec<u8>, count: u16, size: u32, offset: u32) {
    out.extend_from_slice(b"PK\x05\x06");
    le16(out, 0);
    le16(out, 0);
    le16(out, count);
    le16(out, count);
    le32(out, size);
    le32(out, offset);
    le16(out, 0);
}

/// A zip of `members` whose end record counts `count` entries (the directory holds them all).
fn zip_counting(members: &[Member], count: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let at: Vec<u32> = members.iter().map(|m| local(&mut out, m)).collect();
    let pairs: Vec<(&Member, u32)> = members.iter().zip(at).collect();
    let (start, size) = directory(&mut out, &pairs);
    eocd(&mut out, count, size, start);
    out
}

fn zip64_record(out: &mut Vec<u8>, count: u64, start: u32, size: u32) -> u64 {
    let at = out.len() as u64;
    out.extend_from_slice(b"PK\x06\x06");
    le64(out, 44);
    le16(out, 45);
    le16(out, 45);
    le32(out, 0);
    le32(out, 0);
    le64(out, count);
    le64(out, count);
    le64(out, u64::from(size));
    le64(out, u64::from(start));
    at
}

/// t9 §1a: the end record counts 0 entries while its `size_cd` covers both. CPython's
/// `zipfile` lists both (pip, `numpy.load`); miniz lists none. The pickle is analysed and the
/// disagreement is high.
#[test]
fn zip_count_zero_with_a_pickle_member() {
    let dir = tempfile::tempdir().expect("tempdir");
    let z = zip_counting(
        &[
            stored("a.pkl", BENIGN_PICKLE),
            stored("model.pkl", OS_SYSTEM_PICKLE),
        ],
        0,
    );
    let r = scan(&write(dir.path(), "count0.zip", &z));
    assert!(
        has(&r, "pickle-dangerous-call", Severity::Critical, "model.pkl"),
        "{:#?}",
        found(&r)
    );
    assert!(
        has(&r, "zip-header-mismatch", Severity::High, ""),
        "{:#?}",
        found(&r)
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "zip-header-mismatch")
        .expect("mismatch");
    assert!(
        f.evidence
            .contains("counts 0 entries, CPython's zipfile walks 2"),
        "{}",
        f.evidence
    );
    assert!(f.evidence.contains("\"model.pkl\""), "{}", f.evidence);
}

/// An end record whose directory is empty (count 0, size 0) after a whole member: no reader
/// lists it, but the bytes before the directory are hidden data, analysed as such.
#[test]
fn zip_empty_directory_still_checks_for_hidden_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut z = Vec::new();
    local(&mut z, &stored("model.pkl", OS_SYSTEM_PICKLE));
    let at = z.len() as u32;
    eocd(&mut z, 0, 0, at);
    let r = scan(&write(dir.path(), "empty.zip", &z));
    let f = found(&r);
    assert!(
        f.iter()
            .any(|(id, s, m)| *id == "zip-hidden-data" && *s == Severity::Medium && m.is_empty()),
        "{f:#?}"
    );
    assert!(
        f.iter().any(|(id, s, m)| *id == "pickle-dangerous-call"
            && *s == Severity::Critical
            && m.starts_with("<hidden data at offset 0>")),
        "{f:#?}"
    );
}

/// t9 §1b: a ZIP64 locator names a decoy end record (a benign archive) while the record right
/// before the locator, which CPython reads, lists the payload.
#[test]
fn zip64_locator_decoy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = stored("a.pkl", BENIGN_PICKLE);
    let b = stored("model.pkl", OS_SYSTEM_PICKLE);
    let mut z = Vec::new();
    let at_a = local(&mut z, &a);
    let (sa, na) = directory(&mut z, &[(&a, at_a)]);
    let decoy = zip64_record(&mut z, 1, sa, na);
    let at_b = local(&mut z, &b);
    let (sb, nb) = directory(&mut z, &[(&b, at_b)]);
    zip64_record(&mut z, 1, sb, nb);
    z.extend_from_slice(b"PK\x06\x07");
    le32(&mut z, 0);
    le64(&mut z, decoy);
    le32(&mut z, 1);
    eocd(&mut z, 0xFFFF, u32::MAX, u32::MAX);
    let r = scan(&write(dir.path(), "z64.zip", &z));
    assert!(
        has(&r, "pickle-dangerous-call", Severity::Critical, "model.pkl"),
        "{:#?}",
        found(&r)
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "zip-header-mismatch")
        .expect("mismatch");
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.evidence.contains(&format!(
            "the ZIP64 locator names the end record at offset {decoy}"
        )),
        "{}",
        f.evidence
    );
}

/// A wheel whose `.pth` only CPython's `zipfile` lists (pip installs it; it runs at every
/// interpreter start).
#[test]
fn wheel_pth_only_cpython_sees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pth = b"import os; os.system('echo airlock-test')\n";
    let members = [
        stored("demo/__init__.py", b""),
        stored(
            "demo-1.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        ),
        stored(
            "demo-1.0.dist-info/WHEEL",
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n",
        ),
        stored("demo-1.0.dist-info/RECORD", b""),
        stored("demo.pth", pth),
    ];
    let z = zip_counting(&members, 4);
    let r = scan(&write(dir.path(), "demo-1.0-py3-none-any.whl", &z));
    assert_eq!(r.format, airlock::Format::Wheel);
    let f = found(&r);
    assert!(
        f.iter().any(|(id, s, m)| *id == "python-shell-command"
            && *s >= Severity::High
            && m == "demo.pth"),
        "{f:#?}"
    );
    assert!(has(&r, "zip-header-mismatch", Severity::High, ""), "{f:#?}");
}

/// A well-formed zip: both readers list the same members, nothing is reported.
#[test]
fn zip_readers_agree_on_a_plain_zip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let z = zip_counting(
        &[
            stored("a.pkl", BENIGN_PICKLE),
            stored("b.pkl", BENIGN_PICKLE),
        ],
        2,
    );
    let r = scan(&write(dir.path(), "plain.zip", &z));
    assert!(found(&r).is_empty(), "{:#?}", found(&r));
}

/// t9 §7: a zstd member (method 93, PEP 784: Python 3.14's `zipfile` reads it) is decoded and
/// its pickle analysed.
#[test]
fn zip_zstd_member_is_analysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = ruzstd::encoding::compress_to_vec(
        OS_SYSTEM_PICKLE,
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let m = Member {
        name: "model.pkl",
        method: 93,
        raw,
        crc: crc32(OS_SYSTEM_PICKLE),
        size: OS_SYSTEM_PICKLE.len() as u32,
    };
    let r = scan(&write(dir.path(), "zstd.zip", &zip_counting(&[m], 1)));
    assert_eq!(
        found(&r),
        vec![(
            "pickle-dangerous-call",
            Severity::Critical,
            "model.pkl".to_string()
        )]
    );
}

/// A zstd member whose frame asks for a 2 GiB window (above libzstd's default limit, which
/// CPython keeps) is refused before anything is allocated, and reported.
#[test]
fn zip_zstd_member_with_a_huge_window_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Frame header: magic, descriptor (no single segment, no checksum), window byte for 2 GiB.
    let raw = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xA8, 0, 0, 0];
    let m = Member {
        name: "model.pkl",
        method: 93,
        raw,
        crc: 0,
        size: 100,
    };
    let r = scan(&write(dir.path(), "zstd.zip", &zip_counting(&[m], 1)));
    assert!(
        has(&r, "archive-malformed", Severity::Medium, "model.pkl"),
        "{:#?}",
        found(&r)
    );
}

// ---------------------------------------------------------------------------------------------
// Tar
// ---------------------------------------------------------------------------------------------

/// A ustar header block for `name` of `size` bytes and type `kind`.
fn tar_header(name: &str, size: usize, kind: u8) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// Append a member (header, data padded to whole blocks).
fn tar_member(out: &mut Vec<u8>, name: &str, kind: u8, data: &[u8]) {
    out.extend_from_slice(&tar_header(name, data.len(), kind));
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// Pax records (`"%d %s=%s\n"`, the length counting itself).
fn pax(records: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in records {
        let body = format!(" {k}={v}\n");
        let mut n = body.len() + 1;
        while format!("{n}{body}").len() != n {
            n += 1;
        }
        out.extend_from_slice(format!("{n}{body}").as_bytes());
    }
    out
}

fn tar_end(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0u8; 1024]);
}

const SETUP_PY: &[u8] = b"import os\nos.system('echo airlock-test')\n";
const PKG_INFO: &[u8] = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";

/// A global pax header's `path` renames every later member for `tarfile` (pip unpacks sdists
/// with it): `notes.txt` is `setup.py` and runs at install time.
#[test]
fn tar_global_pax_path_names_the_setup_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = Vec::new();
    tar_member(&mut t, "demo-1.0/PKG-INFO", b'0', PKG_INFO);
    tar_member(
        &mut t,
        "pax_global_header",
        b'g',
        &pax(&[("path", "demo-1.0/setup.py")]),
    );
    tar_member(&mut t, "demo-1.0/notes.txt", b'0', SETUP_PY);
    tar_end(&mut t);
    let r = scan(&write(dir.path(), "demo-1.0.tar", &t));
    assert!(
        has_at_least(
            &r,
            "python-shell-command",
            Severity::High,
            "demo-1.0/setup.py"
        ),
        "{:#?}",
        found(&r)
    );
    let m = r
        .findings
        .iter()
        .find(|f| f.rule.id == "zip-header-mismatch")
        .expect("name mismatch");
    assert_eq!(m.severity, Severity::High);
    assert_eq!(
        m.evidence,
        "tarfile name \"demo-1.0/setup.py\", tar crate name \"demo-1.0/notes.txt\""
    );
}

/// `GNU.sparse.name` in a member's own pax header names it for `tarfile`.
#[test]
fn tar_gnu_sparse_name_names_the_setup_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = Vec::new();
    tar_member(&mut t, "demo-1.0/PKG-INFO", b'0', PKG_INFO);
    tar_member(
        &mut t,
        "PaxHeaders/notes.txt",
        b'x',
        &pax(&[("GNU.sparse.name", "demo-1.0/setup.py")]),
    );
    tar_member(&mut t, "demo-1.0/notes.txt", b'0', SETUP_PY);
    tar_end(&mut t);
    let r = scan(&write(dir.path(), "demo-1.0.tar", &t));
    assert_eq!(r.format, airlock::Format::Sdist);
    assert!(
        has(
            &r,
            "zip-header-mismatch",
            Severity::High,
            "demo-1.0/setup.py"
        ),
        "{:#?}",
        found(&r)
    );
    assert!(
        has_at_least(
            &r,
            "python-shell-command",
            Severity::High,
            "demo-1.0/setup.py"
        ),
        "{:#?}",
        found(&r)
    );
}

/// A GNU sparse 1.0 member holding a pickle (the map in the data, before the data, in whole
/// blocks): analysed as `tarfile.extractfile` returns it, under its real name, plain and
/// gzip-compressed.
#[test]
fn tar_sparse_1_0_member_holding_a_pickle() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two chunks: the pickle's first 5 bytes, a 0-byte hole-free join, then the rest; the
    // second chunk's offset follows the first, so the rebuilt data is the pickle itself.
    let n = OS_SYSTEM_PICKLE.len();
    let mut stored = format!("2\n0\n5\n5\n{}\n", n - 5).into_bytes();
    stored.resize(512, 0);
    stored.extend_from_slice(OS_SYSTEM_PICKLE);
    let real = n.to_string();
    let mut t = Vec::new();
    tar_member(
        &mut t,
        "PaxHeaders/model.pkl",
        b'x',
        &pax(&[
            ("GNU.sparse.major", "1"),
            ("GNU.sparse.minor", "0"),
            ("GNU.sparse.name", "model.pkl"),
            ("GNU.sparse.realsize", &real),
        ]),
    );
    tar_member(&mut t, "GNUSparseFile.0/model.pkl", b'0', &stored);
    tar_end(&mut t);
    let plain = write(dir.path(), "sparse.tar", &t);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &t).expect("gzip");
    let gz = write(dir.path(), "sparse.tar.gz", &gz.finish().expect("gzip"));
    for (path, prefix) in [(plain, ""), (gz, "<gzip content>!")] {
        let r = scan(&path);
        let f = found(&r);
        assert!(
            f.iter().any(|(id, s, m)| *id == "pickle-dangerous-call"
                && *s == Severity::Critical
                && *m == format!("{prefix}model.pkl")),
            "{f:#?}"
        );
        assert!(
            f.iter().any(|(id, s, m)| *id == "zip-header-mismatch"
                && *s == Severity::High
                && *m == format!("{prefix}model.pkl")),
            "{f:#?}"
        );
        assert!(
            !f.iter().any(|(_, _, m)| m.contains("GNUSparseFile")),
            "{f:#?}"
        );
    }
}

/// A sparse member whose real size is 2^40 bytes in a tiny archive stops at the ratio bound
/// (resource-limit), without allocating it.
#[test]
fn tar_sparse_member_with_a_huge_real_size_stops_at_a_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = Vec::new();
    tar_member(
        &mut t,
        "PaxHeaders/big",
        b'x',
        &pax(&[
            ("GNU.sparse.map", "1099511627000,5"),
            ("GNU.sparse.name", "big.bin"),
            ("GNU.sparse.realsize", "1099511627776"),
        ]),
    );
    tar_member(&mut t, "GNUSparseFile.0/big", b'0', b"hello");
    tar_end(&mut t);
    let r = scan(&write(dir.path(), "big.tar", &t));
    assert!(
        found(&r)
            .iter()
            .any(|(id, _, m)| *id == "resource-limit" && m == "big.bin"),
        "{:#?}",
        found(&r)
    );
}
