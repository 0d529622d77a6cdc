//! Compressed tars read as streams: member by member through the decoder, holding only the
//! members that are analysed. Padding in front of a payload (a large compressible member, many
//! members) must not hide it below the default gate, and must not cost its size in memory.
//!
//! Fixtures are built here, in a temporary folder; payloads only `echo`.

use std::io::Write;
use std::path::{Path, PathBuf};

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};
use airlock::Severity;

/// `pickle.dumps` (protocol 2) of an object whose `__reduce__` returns
/// `(os.system, ('echo airlock-test',))`.
const OS_SYSTEM_PICKLE: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

/// A tar member's body: bytes, or `n` zero bytes written in chunks (never held whole).
enum Body<'a> {
    Bytes(&'a [u8]),
    Zeros(u64),
}

/// Zeros as a reader, so the fixture writer does not hold them either.
struct Zeros(u64);

impl std::io::Read for Zeros {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(usize::try_from(self.0).unwrap_or(usize::MAX));
        buf[..n].fill(0);
        self.0 -= n as u64;
        Ok(n)
    }
}

/// Write `members` as a gzip-compressed tar at `dir/name`.
fn tar_gz(dir: &Path, name: &str, members: &[(&str, Body<'_>)]) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).expect("create");
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
    let mut b = tar::Builder::new(gz);
    for (name, body) in members {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match body {
            Body::Bytes(data) => {
                h.set_size(data.len() as u64);
                h.set_cksum();
                b.append_data(&mut h, name, *data).expect("append");
            }
            Body::Zeros(n) => {
                h.set_size(*n);
                h.set_cksum();
                b.append_data(&mut h, name, Zeros(*n)).expect("append");
            }
        }
    }
    let gz = b.into_inner().expect("tar");
    gz.finish().expect("gzip").flush().expect("flush");
    path
}

fn found(r: &FileReport) -> Vec<(&'static str, Severity, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.evidence.clone()))
        .collect()
}

fn worst(r: &FileReport, rule: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| f.severity)
        .max()
}

/// Regression (t7 E4, C1): 128 MiB of zeros in a first member (a 130 KB file, far past the
/// 200:1 ratio), then a malicious pickle. The zeros are decoded and discarded, never held, so
/// neither the ratio bound nor the member bound stops the stream, and the pickle is analysed.
#[test]
fn a_payload_after_a_highly_compressible_member_is_analysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = tar_gz(
        dir.path(),
        "ratio_pad.tar.gz",
        &[
            ("padding.bin", Body::Zeros(128 << 20)),
            ("model.pkl", Body::Bytes(OS_SYSTEM_PICKLE)),
        ],
    );
    assert!(std::fs::metadata(&path).expect("size").len() < 1 << 20);
    let r = scan_file(&path, BudgetLimits::default());
    assert_eq!(
        worst(&r, "pickle-dangerous-call"),
        Some(Severity::Critical),
        "{:#?}",
        found(&r)
    );
    let call = r
        .findings
        .iter()
        .find(|f| f.rule.id == "pickle-dangerous-call")
        .expect("call");
    assert_eq!(
        call.location.members.last().map(String::as_str),
        Some("model.pkl")
    );
    assert_eq!(worst(&r, "resource-limit"), None, "{:#?}", found(&r));
    assert_eq!(worst(&r, "archive-malformed"), None, "{:#?}", found(&r));

    // Peak memory: with every member held at most 1 MiB (the member bound), the 128 MiB member
    // could not have been held whole (the old reader held the whole decompressed tar and
    // stopped at this bound). Nothing is reported as stopped, so nothing larger was held.
    let small = BudgetLimits {
        max_member_size: 1 << 20,
        ..BudgetLimits::default()
    };
    let r = scan_file(&path, small);
    assert_eq!(
        worst(&r, "pickle-dangerous-call"),
        Some(Severity::Critical),
        "{:#?}",
        found(&r)
    );
    assert_eq!(worst(&r, "resource-limit"), None, "{:#?}", found(&r));
}

/// Skipped data still counts toward the total decompressed budget: past it the stream stops,
/// with members left unread, which is high (padding costs little).
#[test]
fn the_total_budget_stops_a_stream_with_members_left_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = tar_gz(
        dir.path(),
        "big.tar.gz",
        &[
            ("padding.bin", Body::Zeros(32 << 20)),
            ("model.pkl", Body::Bytes(OS_SYSTEM_PICKLE)),
        ],
    );
    let limits = BudgetLimits {
        max_decompressed: 16 << 20,
        ..BudgetLimits::default()
    };
    let r = scan_file(&path, limits);
    let limit = r
        .findings
        .iter()
        .find(|f| f.rule.id == "resource-limit")
        .unwrap_or_else(|| panic!("{:#?}", found(&r)));
    assert_eq!(limit.severity, Severity::High, "{:#?}", found(&r));
    assert!(
        limit.message.contains("tar members left unread"),
        "{}",
        limit.message
    );
    assert_eq!(worst(&r, "pickle-dangerous-call"), None);
}

/// Regression (t7 E4): more members than the member bound, the payload last. It is not read,
/// and the bound that stopped the archive with members left is high, so the default gate
/// fails.
#[test]
fn the_member_bound_with_members_left_is_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = (0..300).map(|i| format!("f{i}")).collect();
    let mut members: Vec<(&str, Body<'_>)> = names
        .iter()
        .map(|n| (n.as_str(), Body::Bytes(b"")))
        .collect();
    members.push(("model.pkl", Body::Bytes(OS_SYSTEM_PICKLE)));
    let path = tar_gz(dir.path(), "pad_members.tar.gz", &members);
    let limits = BudgetLimits {
        max_members: 200,
        ..BudgetLimits::default()
    };
    let r = scan_file(&path, limits);
    assert_eq!(
        worst(&r, "resource-limit"),
        Some(Severity::High),
        "{:#?}",
        found(&r)
    );
    assert!(r.verdict >= airlock::Verdict::Malicious, "{:?}", r.verdict);
    // Within the bound, the payload is found.
    let r = scan_file(&path, BudgetLimits::default());
    assert_eq!(worst(&r, "pickle-dangerous-call"), Some(Severity::Critical));
}

/// A tar.gz sdist whose in-tree build backend comes before `pyproject.toml` (sorted order, as
/// setuptools writes it): the backend is still judged as install-time code, once.
#[test]
fn an_in_tree_backend_before_its_pyproject_runs_at_install() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pyproject =
        b"[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n";
    let hook: &[u8] = b"import os\ndef build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    os.system('echo airlock-test')\n    return 'demo-1.0-py3-none-any.whl'\n";
    let pkg_info = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
    // Enough data that the stream is longer than its sniffed head.
    let readme = vec![b'x'; 200 << 10];
    let path = tar_gz(
        dir.path(),
        "demo-1.0.tar.gz",
        &[
            ("demo-1.0/PKG-INFO", Body::Bytes(pkg_info)),
            ("demo-1.0/README.md", Body::Bytes(&readme)),
            ("demo-1.0/backend.py", Body::Bytes(hook)),
            ("demo-1.0/pyproject.toml", Body::Bytes(pyproject)),
        ],
    );
    // Streamed (longer than the sniffed head), then small enough to be read in memory.
    let small = tar_gz(
        dir.path(),
        "demo-1.0-small.tar.gz",
        &[
            ("demo-1.0/PKG-INFO", Body::Bytes(pkg_info)),
            ("demo-1.0/backend.py", Body::Bytes(hook)),
            ("demo-1.0/pyproject.toml", Body::Bytes(pyproject)),
        ],
    );
    for path in [path, small] {
        let r = scan_file(&path, BudgetLimits::default());
        let shell: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule.id == "python-shell-command")
            .collect();
        assert_eq!(shell.len(), 1, "{:#?}", found(&r));
        assert_eq!(shell[0].severity, Severity::High, "{:#?}", found(&r));
    }
}

/// Bytes after the end-of-archive marker of a streamed tar: reported, and a second tar there
/// has its members analysed.
#[test]
fn a_second_tar_after_the_marker_of_a_streamed_tar_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = |name: &str, data: &[u8]| {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).expect("append");
        b.into_inner().expect("tar")
    };
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut bytes = one("noise.bin", &noise);
    bytes.extend_from_slice(&one("data.pkl", OS_SYSTEM_PICKLE));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).expect("gzip");
    let path = dir.path().join("two.tar.gz");
    std::fs::write(&path, gz.finish().expect("gzip")).expect("write");
    let r = scan_file(&path, BudgetLimits::default());
    assert_eq!(
        worst(&r, "tar-hidden-data"),
        Some(Severity::Medium),
        "{:#?}",
        found(&r)
    );
    assert_eq!(
        worst(&r, "pickle-dangerous-call"),
        Some(Severity::Critical),
        "{:#?}",
        found(&r)
    );
}

/// A GNU long name of 4 MiB (the `tar` crate holds such records whole) stops the stream at the
/// extension bound instead of being held.
#[test]
fn a_huge_long_name_record_stops_at_the_extension_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut raw = Vec::new();
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().expect("gnu").name[..13].copy_from_slice(b"././@LongLink");
    h.set_entry_type(tar::EntryType::GNULongName);
    h.set_size(4 << 20);
    h.set_mode(0o644);
    h.set_cksum();
    raw.extend_from_slice(h.as_bytes());
    raw.resize(raw.len() + (4 << 20), b'a');
    let mut h = tar::Header::new_gnu();
    h.set_path("x.pkl").expect("path");
    h.set_size(OS_SYSTEM_PICKLE.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    raw.extend_from_slice(h.as_bytes());
    raw.extend_from_slice(OS_SYSTEM_PICKLE);
    raw.resize(raw.len().next_multiple_of(512) + 1024, 0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).expect("gzip");
    let path = dir.path().join("longname.tar.gz");
    std::fs::write(&path, gz.finish().expect("gzip")).expect("write");
    let r = scan_file(&path, BudgetLimits::default());
    let limit = r
        .findings
        .iter()
        .find(|f| f.rule.id == "resource-limit")
        .unwrap_or_else(|| panic!("{:#?}", found(&r)));
    assert!(
        limit.message.contains("extension header"),
        "{}",
        limit.message
    );
    assert_eq!(limit.severity, Severity::High);
}
