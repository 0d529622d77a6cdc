//! Regressions for gaps an attacker found in the pickle verdicts: callables with side effects
//! missing from the denylist, constructors that open files, sockets, processes or threads,
//! joblib's old `ZF` format and its side files, and data hidden between zip members or after
//! the array data of a `.npy`.
//!
//! Every fixture is built here, in a temporary folder, and only read: nothing is unpickled.
//! Payloads are inert (`echo airlock-test`), hosts only under `example.invalid`.

use std::io::Write;
use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};
use airlock::Severity;

const CMD: &str = "echo airlock-test";

/// Protocol 2: `os.system('echo airlock-test')`.
const SYSTEM: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

/// `SHORT_BINUNICODE s` followed by `MEMOIZE`, as protocol 4 writes strings.
fn su(s: &str) -> Vec<u8> {
    let mut v = vec![0x8c, u8::try_from(s.len()).expect("short string")];
    v.extend_from_slice(s.as_bytes());
    v.push(0x94);
    v
}

/// `BINUNICODE s`.
fn bu(s: &str) -> Vec<u8> {
    let mut v = vec![b'X'];
    v.extend_from_slice(&u32::try_from(s.len()).expect("short").to_le_bytes());
    v.extend_from_slice(s.as_bytes());
    v
}

/// Protocol 4: `module.name(*args)` with string arguments, via `STACK_GLOBAL` and `REDUCE`.
fn p4_call(module: &str, name: &str, args: &[&str]) -> Vec<u8> {
    let mut p = b"\x80\x04".to_vec();
    p.extend(su(module));
    p.extend(su(name));
    p.push(0x93);
    p.push(b'(');
    for a in args {
        p.extend(su(a));
    }
    p.extend_from_slice(b"tR.");
    p
}

fn scan_named(name: &str, bytes: &[u8]) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    scan_file(Path::new(&path), BudgetLimits::default())
}

fn show(r: &FileReport) -> Vec<(&'static str, Severity, String, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.message.clone(), f.evidence.clone()))
        .collect()
}

/// The report has a finding of `rule` at `sev` or above.
fn assert_rule(r: &FileReport, rule: &str, sev: Severity) {
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == rule && f.severity >= sev),
        "want {rule} at {sev} or above: {:#?}",
        show(r)
    );
}

/// Each `module.name(*args)` call is a critical `pickle-dangerous-call`.
fn assert_critical_calls(calls: &[(&str, &str, &[&str])]) {
    for (m, n, args) in calls {
        let r = scan_named("model.pkl", &p4_call(m, n, args));
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "pickle-dangerous-call" && f.severity == Severity::Critical),
            "{m}.{n}: {:#?}",
            show(&r)
        );
    }
}

fn assert_below_medium(r: &FileReport) {
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::Medium),
        "{:#?}",
        show(r)
    );
}

/// Callables that run code, start processes, reach the network or write files, under the
/// names an attacker used, are dangerous calls (critical), not unknown ones.
#[test]
fn side_effect_callables_are_dangerous_calls() {
    assert_critical_calls(&[
        (
            "_bootsubprocess",
            "check_output",
            &["echo", "airlock-test"][..],
        ),
        ("_testcapi", "run_in_subinterp", &["import os"][..]),
        ("_frozen_importlib", "_gcd_import", &["antigravity"][..]),
        ("_frozen_importlib", "__import__", &["antigravity"][..]),
        (
            "_frozen_importlib_external",
            "spec_from_file_location",
            &["x", "/tmp/x.py"][..],
        ),
        ("IPython.utils.process", "getoutput", &[CMD][..]),
        ("IPython.utils.process", "system", &[CMD][..]),
        ("pkg_resources", "run_script", &["evilpkg", "evil"][..]),
        ("pkg_resources", "run_main", &["evilpkg", "evil"][..]),
        (
            "torch.fx.graph_module",
            "_forward_from_src",
            &["import os"][..],
        ),
        (
            "torch.fx.graph_module",
            "forward_from_src",
            &["import os"][..],
        ),
        ("datasets", "load_dataset", &["example.invalid/evil"][..]),
        ("fsspec", "open", &["https://example.invalid/x"][..]),
        ("fsspec", "filesystem", &["http"][..]),
        ("numpy.ma", "dump", &["x", "/tmp/victim"][..]),
        ("numpy.ma.core", "dump", &["x", "/tmp/victim"][..]),
        ("numpy", "ndarray.dump", &["x", "/tmp/victim"][..]),
        ("numpy", "ndarray.tofile", &["x", "/tmp/victim"][..]),
        ("pandas", "DataFrame.to_json", &["x", "/tmp/victim"][..]),
        (
            "pandas.core.series",
            "Series.to_csv",
            &["x", "/tmp/victim"][..],
        ),
        (
            "pandas.core.generic",
            "NDFrame.to_pickle",
            &["x", "/tmp/v"][..],
        ),
        ("pandas", "DataFrame.to_parquet", &["x", "/tmp/victim"][..]),
        ("readline", "write_history_file", &["/tmp/victim"][..]),
        ("readline", "append_history_file", &["1", "/tmp/victim"][..]),
        ("pandas", "eval", &["1+1"][..]),
        ("pandas.core.computation.eval", "eval", &["1+1"][..]),
        ("pandas", "DataFrame.eval", &["x", "a+1"][..]),
        ("pandas.core.frame", "DataFrame.query", &["x", "a>1"][..]),
    ]);
}

/// Tester round 10, B3: the same gadgets under the paths libraries re-export them from, or
/// kept them at before a move, are as critical as under their canonical names. A look-alike
/// reconstruction from those modules stays below medium.
#[test]
fn re_exported_gadgets_are_dangerous_calls() {
    assert_critical_calls(&[
        ("sklearn.utils._joblib", "dump", &["x", "/tmp/victim"][..]),
        (
            "sklearn.datasets",
            "dump_svmlight_file",
            &["x", "y", "/tmp/victim"][..],
        ),
        (
            "transformers.file_utils",
            "cached_path",
            &["https://x.example.invalid/a.tar.gz"][..],
        ),
        (
            "transformers.utils.import_utils",
            "direct_transformers_import",
            &["/tmp/evil"][..],
        ),
        (
            "torch.utils.model_zoo",
            "load_url",
            &["https://x.example.invalid/w.pth"][..],
        ),
    ]);
    for (m, n) in [
        ("sklearn.tree._tree", "Tree"),
        ("transformers.file_utils", "ModelOutput"),
        ("sklearn.datasets._base", "Bunch"),
    ] {
        let r = scan_named("model.pkl", &p4_call(m, n, &[]));
        assert_below_medium(&r);
    }
}

/// CapWords classes whose constructor opens a file, socket, process or thread, or loads code,
/// are dangerous calls, not object reconstruction graded low.
#[test]
fn side_effect_constructors_are_dangerous_calls() {
    for (m, n, args) in [
        ("logging", "FileHandler", &["/tmp/victim"][..]),
        (
            "logging.handlers",
            "RotatingFileHandler",
            &["/tmp/victim"][..],
        ),
        (
            "logging.handlers",
            "SocketHandler",
            &["example.invalid", "1"][..],
        ),
        ("lzma", "LZMAFile", &["/tmp/victim", "w"][..]),
        ("bz2", "BZ2File", &["/tmp/victim", "w"][..]),
        ("gzip", "GzipFile", &["/tmp/victim", "w"][..]),
        ("zipfile", "ZipFile", &["/tmp/victim", "w"][..]),
        ("tarfile", "TarFile", &["/tmp/victim", "w"][..]),
        ("wave", "Wave_write", &["/tmp/victim"][..]),
        ("wave", "open", &["/tmp/victim", "wb"][..]),
        ("torch.distributed", "TCPStore", &["example.invalid"][..]),
        ("torch.distributed", "FileStore", &["/tmp/victim"][..]),
        (
            "_frozen_importlib_external",
            "SourceFileLoader",
            &["x", "/tmp/x.py"][..],
        ),
        (
            "importlib.machinery",
            "SourceFileLoader",
            &["x", "/tmp/x.py"][..],
        ),
        (
            "importlib.machinery",
            "ExtensionFileLoader",
            &["x", "/tmp/x.so"][..],
        ),
        ("socket", "socket", &[][..]),
        ("subprocess", "Popen", &[CMD][..]),
        ("threading", "Thread", &[][..]),
        ("multiprocessing", "Process", &[][..]),
        ("http.client", "HTTPConnection", &["example.invalid"][..]),
        ("smtplib", "SMTP", &["example.invalid"][..]),
        ("urllib.request", "URLopener", &[][..]),
        ("tempfile", "NamedTemporaryFile", &[][..]),
        ("shelve", "DbfilenameShelf", &["/tmp/victim"][..]),
        ("sqlite3", "connect", &["/tmp/victim"][..]),
        ("io", "FileIO", &["/tmp/victim", "w"][..]),
        ("_io", "FileIO", &["/tmp/victim", "w"][..]),
    ] {
        let r = scan_named("model.pkl", &p4_call(m, n, args));
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "pickle-dangerous-call" && f.severity >= Severity::High),
            "{m}.{n}: {:#?}",
            show(&r)
        );
    }
}

/// Ordinary reconstruction in the same packages stays below medium.
#[test]
fn reconstruction_in_the_same_packages_stays_clean() {
    for (m, n) in [
        ("pandas.core.frame", "DataFrame"),
        ("torch.distributed.tensor.placement_types", "Shard"),
        ("mypkg.io", "FileConfig"),
    ] {
        let r = scan_named("model.pkl", &p4_call(m, n, &[]));
        assert_below_medium(&r);
    }
    // Any pickled time zone (tz-aware pandas data): `ZoneInfo._unpickle(key, from_cache)`
    // (tester t14).
    let r = scan_named(
        "model.pkl",
        &p4_call("zoneinfo", "ZoneInfo._unpickle", &["UTC"]),
    );
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
    // pytz's and dateutil's zones, and a saved `torch.max(x, dim)` result (tester t21).
    for (m, n, args) in [
        ("pytz", "_p", &["Europe/Berlin", "CET"][..]),
        ("pytz", "_UTC", &[][..]),
        ("dateutil.tz.tz", "tzutc", &[][..]),
        ("torch.return_types", "max", &[][..]),
        ("torch.return_types", "topk", &[][..]),
        ("operator", "itemgetter", &["1"][..]),
    ] {
        let r = scan_named("model.pkl", &p4_call(m, n, args));
        assert!(r.findings.is_empty(), "{m}.{n}: {:#?}", show(&r));
    }
    // dateutil's `tzfile` opens the path it is given: not allowlisted.
    let r = scan_named(
        "model.pkl",
        &p4_call("dateutil.tz.tz", "tzfile", &["/etc/passwd"]),
    );
    assert!(!r.findings.is_empty());
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("zlib");
    e.finish().expect("zlib")
}

/// joblib < 0.10 `write_zfile`: `ZF`, the length in hex padded to 19 bytes, a zlib stream.
fn zfile(payload: &[u8]) -> Vec<u8> {
    let mut out = b"ZF".to_vec();
    out.extend_from_slice(format!("{:<19}", format!("{:#x}", payload.len())).as_bytes());
    out.extend(zlib(payload));
    out
}

/// The old `ZF` format is recognised by its content and the pickle inside analysed.
#[test]
fn joblib_zfile_is_analysed() {
    let r = scan_named("model.pkl", &zfile(SYSTEM));
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    assert!(
        r.findings
            .iter()
            .any(|f| f.location.to_string().contains("<joblib-zfile content>")),
        "{:#?}",
        show(&r)
    );
    // A benign old dump stays clean.
    let r = scan_named(
        "model.pkl",
        &zfile(b"\x80\x02ccollections\nOrderedDict\n)R."),
    );
    assert_below_medium(&r);
    assert_eq!(r.format.name(), "joblib-zfile");
}

/// `data` as one LZ4 frame (what python-lz4's `LZ4FrameFile` writes for joblib's
/// `compress='lz4'`).
fn lz4_frame(data: &[u8]) -> Vec<u8> {
    let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
    e.write_all(data).expect("lz4");
    e.finish().expect("lz4")
}

/// `data` as one zstd frame.
fn zstd_frame(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A skippable frame (shared by zstd and LZ4) with `len` bytes of user data.
fn skippable(len: u32) -> Vec<u8> {
    let mut v = 0x184D_2A53u32.to_le_bytes().to_vec();
    v.extend_from_slice(&len.to_le_bytes());
    v.extend(std::iter::repeat_n(b'x', len as usize));
    v
}

/// Tester round 10, B4: joblib's `compress='lz4'` (an LZ4 frame) and a zstd `.pkl.zst`
/// (`pandas.read_pickle` infers zstd from the name) are decoded and the pickle inside judged,
/// also after skippable frames and split across frames; a benign pickle so wrapped stays clean.
#[test]
fn lz4_and_zstd_frames_are_analysed() {
    let (head, tail) = SYSTEM.split_at(20);
    for (name, data, format, member) in [
        ("model.joblib", lz4_frame(SYSTEM), "lz4", "<lz4 content>"),
        (
            "model.pkl.zst",
            zstd_frame(SYSTEM),
            "zstd",
            "<zstd content>",
        ),
        (
            "model.pkl.zst",
            [skippable(5), zstd_frame(SYSTEM)].concat(),
            "zstd",
            "<zstd content>",
        ),
        (
            "model.pkl.zst",
            [zstd_frame(head), skippable(0), zstd_frame(tail)].concat(),
            "zstd",
            "<zstd content>",
        ),
        (
            "model.joblib",
            [skippable(3), lz4_frame(head), skippable(7), lz4_frame(tail)].concat(),
            "lz4",
            "<lz4 content>",
        ),
    ] {
        let r = scan_named(name, &data);
        assert_eq!(r.format.name(), format);
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
        assert!(
            r.findings
                .iter()
                .any(|f| f.location.to_string().contains(member)),
            "{:#?}",
            show(&r)
        );
    }
    let benign = b"\x80\x02ccollections\nOrderedDict\n)R.";
    for data in [lz4_frame(benign), zstd_frame(benign)] {
        let r = scan_named("model.joblib", &data);
        assert_below_medium(&r);
        assert!(r.findings.is_empty(), "{:#?}", show(&r));
    }
    // Bytes after the last frame that start no frame: the pickle before them is still judged,
    // and the damage reported.
    let r = scan_named(
        "model.pkl.zst",
        &[zstd_frame(SYSTEM), b"junk".to_vec()].concat(),
    );
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    assert_rule(&r, "archive-malformed", Severity::Low);
}

/// `data` as a legacy LZ4 frame (`lz4 -l`): the magic number, then each block's compressed
/// size and the block, `chunk` input bytes per block.
fn lz4_legacy(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = 0x184C_2102u32.to_le_bytes().to_vec();
    for piece in data.chunks(chunk) {
        let block = lz4_flex::block::compress(piece);
        out.extend_from_slice(&u32::try_from(block.len()).expect("small").to_le_bytes());
        out.extend_from_slice(&block);
    }
    out
}

/// Legacy LZ4 frames (`lz4 -l`, tester t11 z06) are decoded like the current ones: a payload
/// split over blocks, and over two legacy frames back to back, is found; a block size past
/// what an 8 MiB block can compress to, or a block cut short, is damage reported beside what
/// was decoded.
#[test]
fn legacy_lz4_frames_are_analysed() {
    let (head, tail) = SYSTEM.split_at(20);
    for data in [
        lz4_legacy(SYSTEM, 1 << 20),
        lz4_legacy(SYSTEM, 7),
        [lz4_legacy(head, 5), lz4_legacy(tail, 9)].concat(),
    ] {
        let r = scan_named("model.pkl.lz4", &data);
        assert_eq!(r.format.name(), "lz4");
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
    let mut lying = lz4_legacy(SYSTEM, 1 << 20);
    lying.extend_from_slice(&u32::MAX.to_le_bytes());
    let r = scan_named("model.pkl.lz4", &lying);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    assert_rule(&r, "archive-malformed", Severity::Low);
    let mut cut = lz4_legacy(SYSTEM, 1 << 20);
    cut.truncate(cut.len() - 3);
    let r = scan_named("model.pkl.lz4", &cut);
    assert_rule(&r, "archive-malformed", Severity::Low);
}

/// joblib's old `NDArrayWrapper` (through `_reconstructor`, protocol 2) naming `filename`.
fn ndarray_wrapper(class: &str, filename: &str) -> Vec<u8> {
    let mut p = format!(
        "\x00\x02ccopyreg\n_reconstructor\n(cjoblib.numpy_pickle\n{class}\ncbuiltins\nobject\nNtR}}("
    )
    .into_bytes();
    p[0] = 0x80;
    p.extend(bu("filename"));
    p.extend(bu(filename));
    p.extend(bu("allow_mmap"));
    p.extend_from_slice(b"\x89ub.");
    p
}

/// A side file outside the pickle's folder is a path-traversal read at load time.
#[test]
fn joblib_sidecar_outside_the_folder_is_high() {
    for name in [
        "/tmp/elsewhere/evil_sidecar.bin",
        "../../../../tmp/elsewhere/evil_sidecar.bin",
        "sub/../../x.npy",
        "C:\\x\\evil.npy",
    ] {
        for class in ["NDArrayWrapper", "ZNDArrayWrapper"] {
            let r = scan_named("model.joblib", &ndarray_wrapper(class, name));
            assert_rule(&r, "joblib-sidecar-path", Severity::High);
        }
    }
    // Inside the old ZF format too.
    let r = scan_named(
        "model.pkl",
        &zfile(&ndarray_wrapper("NDArrayWrapper", "/tmp/x.npy")),
    );
    assert_rule(&r, "joblib-sidecar-path", Severity::High);
    // What joblib itself writes: a plain name next to the pickle.
    let r = scan_named(
        "model.joblib",
        &ndarray_wrapper("NDArrayWrapper", "model.joblib_01.npy"),
    );
    assert_below_medium(&r);
}

/// Stored zip members, with optional bytes between them and optional data descriptors.
struct Zip {
    body: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Zip {
    fn new() -> Self {
        Zip {
            body: Vec::new(),
            central: Vec::new(),
            count: 0,
        }
    }

    /// A stored member; with `descriptor`, flag bit 3 is set, the local sizes are zero and a
    /// data descriptor (with its signature) follows the data.
    fn add(&mut self, name: &str, data: &[u8], descriptor: bool) {
        self.add_with(name, data, descriptor, false);
    }

    /// A deflated member (method 8).
    fn add_deflated(&mut self, name: &str, data: &[u8]) {
        self.add_with(name, data, false, true);
    }

    fn add_with(&mut self, name: &str, data: &[u8], descriptor: bool, deflate: bool) {
        let mut c = flate2::Crc::new();
        c.update(data);
        let crc = c.sum();
        let stored = if deflate {
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).expect("deflate");
            e.finish().expect("deflate")
        } else {
            data.to_vec()
        };
        let method: [u8; 2] = if deflate { [8, 0] } else { [0, 0] };
        let off = u32::try_from(self.body.len()).expect("small");
        let size = u32::try_from(data.len()).expect("small");
        let csize = u32::try_from(stored.len()).expect("small");
        let flags: u16 = if descriptor { 8 } else { 0 };
        let (lcrc, lsize, lcsize) = if descriptor {
            (0, 0, 0)
        } else {
            (crc, size, csize)
        };
        let n = u16::try_from(name.len()).expect("short");
        let b = &mut self.body;
        b.extend_from_slice(b"PK\x03\x04\x14\x00");
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(&method);
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&lcrc.to_le_bytes());
        b.extend_from_slice(&lcsize.to_le_bytes());
        b.extend_from_slice(&lsize.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(&stored);
        if descriptor {
            b.extend_from_slice(b"PK\x07\x08");
            b.extend_from_slice(&crc.to_le_bytes());
            b.extend_from_slice(&csize.to_le_bytes());
            b.extend_from_slice(&size.to_le_bytes());
        }
        let e = &mut self.central;
        e.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
        e.extend_from_slice(&flags.to_le_bytes());
        e.extend_from_slice(&method);
        e.extend_from_slice(&[0; 4]);
        e.extend_from_slice(&crc.to_le_bytes());
        e.extend_from_slice(&csize.to_le_bytes());
        e.extend_from_slice(&size.to_le_bytes());
        e.extend_from_slice(&n.to_le_bytes());
        e.extend_from_slice(&[0; 12]);
        e.extend_from_slice(&off.to_le_bytes());
        e.extend_from_slice(name.as_bytes());
        self.count += 1;
    }

    fn gap(&mut self, bytes: &[u8]) {
        self.body.extend_from_slice(bytes);
    }

    fn finish(self, comment: &[u8]) -> Vec<u8> {
        let mut out = self.body;
        let cd = u32::try_from(out.len()).expect("small");
        out.extend_from_slice(&self.central);
        out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(
            &u32::try_from(self.central.len())
                .expect("small")
                .to_le_bytes(),
        );
        out.extend_from_slice(&cd.to_le_bytes());
        out.extend_from_slice(&u16::try_from(comment.len()).expect("short").to_le_bytes());
        out.extend_from_slice(comment);
        out
    }
}

const BENIGN: &[u8] = b"\x80\x02ccollections\nOrderedDict\n)R.";

/// A local header with its member data, as an attacker slips it between listed members.
fn local_member(name: &str, data: &[u8]) -> Vec<u8> {
    let mut z = Zip::new();
    z.add(name, data, false);
    z.body
}

/// A whole member, or a bare pickle, between two listed members is reported and analysed.
#[test]
fn bytes_between_zip_members_are_reported_and_analysed() {
    for hidden in [local_member("archive/data.pkl", SYSTEM), SYSTEM.to_vec()] {
        let mut z = Zip::new();
        z.add("archive/data.pkl", BENIGN, false);
        z.gap(&hidden);
        z.add("archive/version", b"3\n", false);
        z.add("archive/data/0", &[0u8; 8], false);
        let r = scan_named("model.pt", &z.finish(b""));
        assert_rule(&r, "zip-hidden-data", Severity::Medium);
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
    // After the last member, before the central directory.
    let mut z = Zip::new();
    z.add("a.npy", &npy(&[0u8; 8]), false);
    z.gap(SYSTEM);
    let r = scan_named("x.npz", &z.finish(b""));
    assert_rule(&r, "zip-hidden-data", Severity::Medium);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    // Bytes that are no known format are still reported.
    let mut z = Zip::new();
    z.add("a.txt", b"hello", false);
    z.gap(&[0xa5; 40]);
    z.add("b.txt", b"world", false);
    let r = scan_named("x.zip", &z.finish(b""));
    assert_rule(&r, "zip-hidden-data", Severity::Medium);
}

/// Data descriptors and an archive comment are not hidden data.
#[test]
fn descriptors_and_comments_are_not_hidden_data() {
    let mut z = Zip::new();
    z.add("archive/data.pkl", BENIGN, true);
    z.add("archive/version", b"3\n", true);
    z.add("archive/data/0", &[0u8; 8], false);
    let r = scan_named("model.pt", &z.finish(b"a comment"));
    assert!(
        r.findings.iter().all(|f| f.rule.id != "zip-hidden-data"),
        "{:#?}",
        show(&r)
    );
    assert_below_medium(&r);
}

/// A pickle as the archive comment, or appended after the end record, is skipped by every zip
/// reader: `zip-hidden-data`, and the pickle is analysed (tester t13). Text after the end record
/// stays unreported, as a text comment does.
#[test]
fn a_pickle_in_the_comment_or_after_the_end_record_is_hidden_data() {
    let torch = || {
        let mut z = Zip::new();
        z.add("archive/data.pkl", BENIGN, false);
        z.add("archive/version", b"3\n", false);
        z
    };
    for bytes in [
        torch().finish(SYSTEM),
        [torch().finish(b""), SYSTEM.to_vec()].concat(),
    ] {
        let r = scan_named("model.pt", &bytes);
        assert_rule(&r, "zip-hidden-data", Severity::Medium);
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
    let r = scan_named(
        "model.pt",
        &[
            torch().finish(b""),
            b"signed by the release team\n".to_vec(),
        ]
        .concat(),
    );
    assert_below_medium(&r);
}

/// A float32 `.npy` of two elements, then `tail`.
fn npy(tail: &[u8]) -> Vec<u8> {
    npy_of(2, tail)
}

/// A float32 `.npy` of `n` zero elements, then `tail`.
fn npy_of(n: usize, tail: &[u8]) -> Vec<u8> {
    let mut out = npy_header("'<f4'", &format!("({n},)"));
    out.resize(out.len() + 4 * n, 0);
    out.extend_from_slice(tail);
    out
}

/// A version 1.0 `.npy` header with `descr` (a Python literal) and `shape`, padded to 64 bytes.
fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    let mut h = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(h.len()).expect("short").to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out
}

/// A pickle after the array data of a `.npy`, alone or in an `.npz`, is reported and analysed.
#[test]
fn pickle_after_npy_data_is_reported_and_analysed() {
    let r = scan_named("x.npy", &npy(SYSTEM));
    assert_rule(&r, "numpy-trailing-data", Severity::Medium);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    let mut z = Zip::new();
    z.add("w.npy", &npy(SYSTEM), false);
    let r = scan_named("x.npz", &z.finish(b""));
    assert_rule(&r, "numpy-trailing-data", Severity::Medium);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    // Exactly the declared data: nothing.
    let r = scan_named("x.npy", &npy(b""));
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
}

/// Compressed `.npz` members: the tail after the array is inflated and analysed whether the
/// member is small (read whole) or large (judged from its head, the array data skipped).
#[test]
fn pickle_after_npy_data_in_a_deflated_npz_member_is_analysed() {
    for n in [2usize, 100_000] {
        let mut z = Zip::new();
        z.add_deflated("w.npy", &npy_of(n, SYSTEM));
        let r = scan_named("x.npz", &z.finish(b""));
        let trailing = r
            .findings
            .iter()
            .find(|f| f.rule.id == "numpy-trailing-data")
            .unwrap_or_else(|| panic!("{n}: {:#?}", show(&r)));
        assert_eq!(trailing.severity, Severity::Medium);
        assert_eq!(
            trailing.location.span,
            Some(airlock::finding::Span::Offset {
                offset: 128 + 4 * n as u64
            })
        );
        let call = r
            .findings
            .iter()
            .find(|f| f.rule.id == "pickle-dangerous-call")
            .unwrap_or_else(|| panic!("{n}: {:#?}", show(&r)));
        assert_eq!(
            call.location.members,
            vec![
                "w.npy".to_string(),
                format!("<data after array at offset {}>", 128 + 4 * n)
            ]
        );
    }
    // A large compressed array with nothing after it: no finding.
    let mut z = Zip::new();
    z.add_deflated("w.npy", &npy_of(100_000, b""));
    let r = scan_named("x.npz", &z.finish(b""));
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
}

/// The worst finding of a report: (severity, rule id).
fn worst(r: &FileReport) -> Option<(Severity, &'static str)> {
    r.findings
        .iter()
        .map(|f| (f.severity, f.rule.id))
        .max_by_key(|(s, _)| *s)
}

/// Regression (attack session 4, #13): callables that build something able to run code were
/// unknown calls (low or medium). YAML loaders and Mako templates run code at load (critical);
/// a Keras `Lambda` layer, under every module path, runs its function when used (high); a
/// Jinja2 template compiled from pickled text runs code when rendered (medium).
#[test]
fn loaders_and_templates_are_graded_by_category() {
    let yaml = "!!python/object/apply:os.system [\"echo airlock-test\"]";
    for (m, n, args, sev) in [
        ("yaml", "unsafe_load", &[yaml][..], Severity::Critical),
        ("yaml", "load", &[yaml][..], Severity::Critical),
        ("yaml", "full_load", &[yaml][..], Severity::Critical),
        ("yaml", "load_all", &[yaml][..], Severity::Critical),
        ("yaml", "unsafe_load_all", &[yaml][..], Severity::Critical),
        ("yaml", "UnsafeLoader", &[yaml][..], Severity::Critical),
        ("yaml.loader", "Loader", &[yaml][..], Severity::Critical),
        ("ruamel.yaml", "load", &[yaml][..], Severity::Critical),
        (
            "mako.template",
            "Template",
            &["<%! import os; os.system('echo airlock-test') %>"][..],
            Severity::Critical,
        ),
        ("keras.layers", "Lambda", &["x"][..], Severity::High),
        (
            "tensorflow.keras.layers",
            "Lambda",
            &["x"][..],
            Severity::High,
        ),
        (
            "tensorflow",
            "keras.layers.Lambda",
            &["x"][..],
            Severity::High,
        ),
        (
            "keras.src.layers.core.lambda_layer",
            "Lambda",
            &["x"][..],
            Severity::High,
        ),
        (
            "tensorflow.python.keras.layers.core",
            "Lambda",
            &["x"][..],
            Severity::High,
        ),
        ("jinja2", "Template", &["{{ 1 }}"][..], Severity::Medium),
        (
            "jinja2.environment",
            "Environment.from_string",
            &["{{ 1 }}"][..],
            Severity::Medium,
        ),
    ] {
        let r = scan_named("m.pkl", &p4_call(m, n, args));
        assert_eq!(
            worst(&r),
            Some((sev, "pickle-dangerous-call")),
            "{m}.{n}: {:#?}",
            show(&r)
        );
    }
    // `keras.layers.Lambda(None)` as the attacker wrote it (`N` TUPLE1 REDUCE).
    let mut p = b"\x80\x04".to_vec();
    p.extend(su("keras.layers"));
    p.extend(su("Lambda"));
    p.extend_from_slice(b"\x93N\x85R.");
    let r = scan_named("lambda.pkl", &p);
    assert_eq!(worst(&r), Some((Severity::High, "pickle-dangerous-call")));
    // The safe loader is not a dangerous call.
    let r = scan_named("safe.pkl", &p4_call("yaml", "safe_load", &["a: 1"]));
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule.id != "pickle-dangerous-call"),
        "{:#?}",
        show(&r)
    );
}

/// A medium callable that is handed a critical one is still critical.
#[test]
fn critical_argument_of_a_medium_callable_is_critical() {
    let mut p = b"\x80\x04".to_vec();
    p.extend(su("jinja2"));
    p.extend(su("Template"));
    p.push(0x93);
    p.extend(su("posix"));
    p.extend(su("system"));
    p.push(0x93);
    p.extend_from_slice(b"\x85R.");
    let r = scan_named("t.pkl", &p);
    assert_eq!(
        worst(&r),
        Some((Severity::Critical, "pickle-dangerous-call")),
        "{:#?}",
        show(&r)
    );
}

/// numpy pickles a ufunc as `_ufunc_reconstruct(module, name)`, which imports the module and
/// returns the attribute: a ufunc of numpy is data, any other target is a lookup gadget.
#[test]
fn ufunc_reconstruct_is_graded_by_what_it_looks_up() {
    for module in ["numpy.core", "numpy._core"] {
        let r = scan_named(
            "ufunc.pkl",
            &p4_call(module, "_ufunc_reconstruct", &["numpy._core.umath", "cos"]),
        );
        assert_below_medium(&r);
        let r = scan_named(
            "gadget.pkl",
            &p4_call(module, "_ufunc_reconstruct", &["os", "system"]),
        );
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
        // Calling what it returns is a call of another call's result.
        let mut p = p4_call(module, "_ufunc_reconstruct", &["os", "system"]);
        p.pop();
        p.extend(su("echo airlock-test"));
        p.extend_from_slice(b"\x85R.");
        let r = scan_named("called.pkl", &p);
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
}

/// A protocol 0 stream of plain data runs past the sniff's first window before its first
/// import; `pickle.load` needs no magic, so it is a pickle all the same.
#[test]
fn a_long_protocol_0_prefix_does_not_hide_the_pickle() {
    let mut p = b"(lp0\n".to_vec();
    for i in 0..40 {
        p.extend(format!("Vitem number {i}\np{}\na", i + 1).as_bytes());
    }
    p.extend(b"0cos\nsystem\n(Vecho airlock-test\ntR.");
    let r = scan_named("data.bin", &p);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    // The same list alone is a clean pickle, not an unrecognised file.
    let mut benign = b"(lp0\n".to_vec();
    for i in 0..40 {
        benign.extend(format!("Vitem number {i}\np{}\na", i + 1).as_bytes());
    }
    benign.push(b'.');
    let r = scan_named("list.pkl", &benign);
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
    assert!(
        matches!(r.format, airlock::formats::Format::Pickle(_)),
        "{:?}",
        r.format
    );
}

/// A million short strings fill the value store; the rest is plain data, so the bound is
/// reported low, not as a possible hidden payload.
#[test]
fn a_large_plain_data_pickle_is_bounded_low() {
    let mut p = b"\x80\x04}\x94(".to_vec();
    for i in 0..1_000_000u32 {
        let k = format!("k{i}");
        p.push(0x8c);
        p.push(k.len() as u8);
        p.extend(k.as_bytes());
        p.push(0x94);
        p.push(b'J');
        p.extend(i.to_le_bytes());
    }
    p.extend(b"u.");
    let r = scan_named("vocab.pkl", &p);
    let limit = r
        .findings
        .iter()
        .find(|f| f.rule.id == "resource-limit")
        .unwrap_or_else(|| panic!("{:#?}", show(&r)));
    assert_eq!(limit.severity, Severity::Low, "{:#?}", show(&r));
    assert!(r.findings.iter().all(|f| f.severity < Severity::Medium));
    // A call after the bound keeps the bound medium and is reported itself.
    p.truncate(p.len() - 2);
    p.extend(
        b"u0\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x11echo airlock-test\x94\x85\x94R\x94.",
    );
    let r = scan_named("vocab.pkl", &p);
    assert_rule(&r, "resource-limit", Severity::Medium);
    assert_rule(&r, "pickle-dangerous-global", Severity::High);
}

/// A `.npy` whose header has `descr` written as `descr` (a Python literal), then `body`.
fn npy_descr(descr: &str, body: &[u8]) -> Vec<u8> {
    let mut out = npy_header(descr, "(1,)");
    out.extend_from_slice(body);
    out
}

/// Every spelling NumPy reads as an object dtype (`numpy.dtype` of the `descr`, `hasobject`)
/// has its data analysed as the pickle it is; numeric and text dtypes with a field named like
/// an object code do not.
#[test]
fn every_object_dtype_spelling_is_analysed_as_a_pickle() {
    for descr in [
        "'|O'",
        "'O'",
        "'<O'",
        "'=O'",
        "'>O'",
        "'|O8'",
        "'object'",
        "'object_'",
        "\"O\"",
        "[('a', 'object')]",
        "[('a', '<f4'), ('b', '|O')]",
        "[('a', [('b', 'O')])]",
        "[(('title', 'a'), 'O', (2,))]",
        "('O', (2,))",
        // Comma-separated format strings (`numpy.dtype('i4,O')`), with repeats and shapes.
        "'i4,O'",
        "'<i4,|O8'",
        "'f8,3O'",
        "'(2,3)O,i4'",
        "[('a', 'i4,O')]",
    ] {
        let r = scan_named("x.npy", &npy_descr(descr, SYSTEM));
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
    for descr in [
        "'<f4'",
        "'|u1'",
        "[('O', '<f4'), ('object', '<i8')]",
        "'<U5'",
        "'i4,f8'",
        "'(2,3)f4,i4'",
    ] {
        let r = scan_named("x.npy", &npy_descr(descr, &[0u8; 64]));
        assert!(
            r.findings.iter().all(|f| !f.rule.id.starts_with("pickle-")),
            "{descr}: {:#?}",
            show(&r)
        );
    }
}

/// A member (local header and data) put before the first member the central directory lists is
/// reported as prefix data and analysed, as hidden data between members is.
#[test]
fn a_member_before_the_first_listed_member_is_analysed() {
    for deflate in [false, true] {
        let mut evil = Zip::new();
        evil.add_with("archive/data.pkl", SYSTEM, false, deflate);
        let evil = evil.finish(b"");
        // Its local header and data: everything before its central directory.
        let eocd = evil.len() - 22;
        let cd = u32::from_le_bytes(evil[eocd + 16..eocd + 20].try_into().expect("4 bytes"));
        let mut z = Zip::new();
        z.add("archive/data.pkl", BENIGN, false);
        z.add("archive/version", b"3\n", false);
        let file = [&evil[..cd as usize], &z.finish(b"")[..]].concat();
        let r = scan_named("model.pt", &file);
        assert_rule(&r, "archive-prefix-data", Severity::Medium);
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
}

/// A pickle that rebinds an allowlisted name in a module (SETITEM into its `__dict__`, BUILD on
/// the module) and then calls it by that name is graded by what it stored there.
#[test]
fn a_rebound_global_is_judged_by_what_was_stored() {
    let call = b"X\x11\x00\x00\x00echo airlock-test\x85R.";
    // collections.__dict__['OrderedDict'] = os.system; collections.OrderedDict('echo ...')
    let mut setitem = b"\x80\x02ccollections\n__dict__\nX\x0b\x00\x00\x00OrderedDictcos\nsystem\ns0ccollections\nOrderedDict\n".to_vec();
    setitem.extend_from_slice(call);
    // torch.nn.modules.__setattr__('Linear', os.system) through BUILD; torch.nn.modules.Linear(...)
    let mut build = b"\x80\x02ctorch.nn\nmodules\n}X\x06\x00\x00\x00Linearcos\nsystem\nsb0ctorch.nn.modules\nLinear\n".to_vec();
    build.extend_from_slice(call);
    // The same through the slot half of a (None, {...}) state, and a dotted qualname.
    let mut slots = b"\x80\x02ctorch\n_utils\nN}X\x12\x00\x00\x00_rebuild_tensor_v2cos\nsystem\ns\x86b0ctorch\n_utils._rebuild_tensor_v2\n".to_vec();
    slots.extend_from_slice(call);
    for p in [setitem, build, slots] {
        let r = scan_named("x.pkl", &p);
        assert_rule(&r, "pickle-global-mutation", Severity::High);
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
    // Writing into a dict the pickle made is ordinary.
    let r = scan_named("x.pkl", b"\x80\x02}X\x01\x00\x00\x00aK\x01s.");
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
}

/// Many writes of long keys into a module's namespace: reported once, with short evidence (the
/// keys are cut, and names no module has are not followed).
#[test]
fn writes_of_long_keys_into_a_namespace_stay_small() {
    let key = "k".repeat(100_000);
    let mut p = b"\x80\x02ccollections\n__dict__\n".to_vec();
    for _ in 0..200 {
        p.push(b'X');
        p.extend_from_slice(&u32::try_from(key.len()).expect("short").to_le_bytes());
        p.extend_from_slice(key.as_bytes());
        p.extend_from_slice(b"K\x01s");
    }
    p.extend_from_slice(b"0N.");
    let r = scan_named("x.pkl", &p);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "pickle-global-mutation")
        .unwrap_or_else(|| panic!("{:#?}", show(&r)));
    assert!(f.evidence.len() < 200, "{}", f.evidence.len());
}

/// Classes whose `__init__` is the danger (a LightGBM `Booster` given a `train_set` joins a
/// network, an XGBoost `Booster` reads the path it is given): calling one with arguments is
/// high, while the way real checkpoints rebuild it (`NEWOBJ`, then `BUILD` with its state) stays
/// clean. Classes that wildcard allowlists admitted and whose construction reaches the Hub or
/// the file system are critical.
#[test]
fn classes_dangerous_only_when_initialised() {
    fn s(x: &str) -> Vec<u8> {
        let mut v = vec![0x8c, u8::try_from(x.len()).expect("short")];
        v.extend_from_slice(x.as_bytes());
        v
    }
    let global = |m: &str, n: &str| [s(m), s(n), vec![0x93]].concat();
    // Booster({'machines': ...}, Dataset('train.csv')) through REDUCE.
    let reduce = [
        b"\x80\x04".to_vec(),
        global("lightgbm.basic", "Booster"),
        b"}".to_vec(),
        s("machines"),
        s("a.example.invalid:12400"),
        b"s".to_vec(),
        global("lightgbm.basic", "Dataset"),
        s("train.csv"),
        b"\x85R\x86R.".to_vec(),
    ]
    .concat();
    let r = scan_named("booster.pkl", &reduce);
    assert_rule(&r, "pickle-dangerous-call", Severity::High);
    // Booster.__new__(Booster) then BUILD with its state: how LightGBM models are pickled.
    let newobj = [
        b"\x80\x04".to_vec(),
        global("lightgbm.basic", "Booster"),
        b")\x81}".to_vec(),
        s("handle"),
        s("tree\nversion=v4\n"),
        b"sb.".to_vec(),
    ]
    .concat();
    let r = scan_named("model.pkl", &newobj);
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
    for (m, n) in [
        ("transformers.keras_callbacks", "PushToHubCallback"),
        ("transformers.commands.train", "TrainCommand"),
        ("numpy.lib._npyio_impl", "NpzFile"),
    ] {
        let p = [
            b"\x80\x04".to_vec(),
            global(m, n),
            s("/tmp/airlock-test"),
            b"\x85R.".to_vec(),
        ]
        .concat();
        let r = scan_named("x.pkl", &p);
        assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    }
}

/// Functions that evaluate or execute a string (tester t9): typing's annotation evaluation,
/// dataclasses' code builder, sympy's parsers, numexpr, Cython, hydra, jsonpickle, process
/// libraries outside the standard library, model loaders by the name `load_model`.
#[test]
fn eval_and_exec_gadgets_are_dangerous_calls() {
    let code = "__import__('os').system('echo airlock-test')";
    assert_critical_calls(&[
        ("typing", "_eval_type", &[code][..]),
        ("dataclasses", "_create_fn", &["f", code][..]),
        ("sympy", "sympify", &[code][..]),
        ("sympy.core.sympify", "sympify", &[code][..]),
        ("sympy.parsing.sympy_parser", "parse_expr", &[code][..]),
        ("sympy.utilities.lambdify", "lambdify", &["x", code][..]),
        ("numexpr", "evaluate", &[code][..]),
        ("Cython.Build.Inline", "cython_inline", &[code][..]),
        ("hydra.utils", "call", &["os.system"][..]),
        ("hydra.utils", "instantiate", &["os.system"][..]),
        ("jsonpickle", "decode", &["{}"][..]),
        ("pexpect", "run", &[CMD][..]),
        ("pexpect.popen_spawn", "PopenSpawn", &[CMD][..]),
        ("mlflow.pyfunc", "load_model", &["runs:/x/model"][..]),
        ("tf_keras.saving", "load_model", &["/tmp/m.h5"][..]),
    ]);
}

/// `typing.get_type_hints(obj)` evaluates the string annotations a `BUILD` gave `obj`: the call
/// is critical, and the evidence shows the state that carries the payload.
#[test]
fn get_type_hints_shows_the_build_state_it_evaluates() {
    let mut p = b"\x80\x04".to_vec();
    p.extend(su("typing"));
    p.extend(su("get_type_hints"));
    p.push(0x93);
    p.extend(su("argparse"));
    p.extend(su("Namespace"));
    p.push(0x93);
    // Namespace.__new__(Namespace), then BUILD {'__annotations__': {'x': code}}.
    p.extend_from_slice(b")\x81}");
    p.extend(su("__annotations__"));
    p.push(b'}');
    p.extend(su("x"));
    p.extend(su("__import__('os').system('echo airlock-test')"));
    p.extend_from_slice(b"ssb\x85R.");
    let r = scan_named("model.pkl", &p);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "pickle-dangerous-call")
        .unwrap_or_else(|| panic!("{:#?}", show(&r)));
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.evidence,
        "typing.get_type_hints(argparse.Namespace.__new__().__setstate__({'__annotations__': {'x': '__import__(\\'os\\').system(\\'echo airlock-test\\')'}}))"
    );
}

/// What the standard library's own `__reduce__` writes for `NoneType` (`type(None)`) and for a
/// logger (`logging.getLogger('name')`) rebuilds a value and is clean; other arguments to the
/// same callables are not.
#[test]
fn stdlib_reduce_shapes_are_clean() {
    // Protocol 2 `pickle.dumps(type(None))`: `builtins.type` called with `(None,)`.
    let none_type = b"\x80\x02cbuiltins\ntype\nN\x85R.";
    let r = scan_named("types.pkl", none_type);
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
    let ellipsis = b"\x80\x02cbuiltins\ntype\ncbuiltins\nEllipsis\n\x85R.";
    let r = scan_named("types.pkl", ellipsis);
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
    let r = scan_named("logger.pkl", &p4_call("logging", "getLogger", &["trainer"]));
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
    // Three-argument `type` builds a class (its bases' `__init_subclass__` runs): not this shape.
    let r = scan_named(
        "types.pkl",
        &p4_call("builtins", "type", &["X", "not-a-tuple", "d"]),
    );
    assert_rule(&r, "pickle-unknown-call", Severity::Medium);
}

/// A call through a module constant (`lightgbm.basic._LIB`, a ctypes library) is a function
/// called with arguments, medium, even when its last name is capitalised (tester t10, q15);
/// a nested class rebuilt with data stays low.
#[test]
fn calls_through_a_module_constant_are_functions() {
    let r = scan_named(
        "lib.pkl",
        &p4_call(
            "lightgbm.basic",
            "_LIB.LGBM_BoosterCreateFromModelfile",
            &["/tmp/m"],
        ),
    );
    assert_rule(&r, "pickle-unknown-call", Severity::Medium);
    let r = scan_named(
        "nested.pkl",
        &p4_call("mypkg.models", "Outer.Inner", &["x"]),
    );
    assert_below_medium(&r);
}

/// A joblib `NumpyArrayWrapper` whose state joblib cannot read (no dtype), then a call: joblib's
/// loader fails at the `BUILD`, but `pickle.load` reads on and runs the call (tester t12, q06).
/// The wrapper is malformed and the call after it is still found.
#[test]
fn a_call_after_a_wrapper_joblib_cannot_read_is_found() {
    let mut b = b"\x80\x02(cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}b".to_vec();
    b.extend_from_slice(b"cposix\nsystem\n(");
    b.extend_from_slice(&su("echo airlock-test"));
    b.extend_from_slice(b"tRt.");
    let r = scan_named("w.pkl", &b);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    assert_rule(&r, "pickle-malformed", Severity::Medium);
}

/// A payload pickle behind bytes a loader stops at: after junk that follows a complete pickle,
/// after a pickle that breaks on an unknown opcode, after a string that runs past the end, in protocol 0
/// and in protocol 2. Each is found, named at the offset where it starts.
#[test]
fn a_pickle_hidden_behind_junk_or_a_broken_pickle_is_analysed() {
    let benign = b"\x80\x02}q\x00.".to_vec();
    let proto0 = format!("cos\nsystem\n(S'{CMD}'\ntR.").into_bytes();
    let inst0 = format!("(S'{CMD}'\nios\nsystem\n.").into_bytes();
    let junk = [&benign[..], b"\xff\xfe junk "].concat();
    let cases: [(&str, &[u8], &[u8]); 5] = [
        ("junk after a whole pickle", &junk, SYSTEM),
        ("unknown opcode", b"\x80\x02]q\x00\xff", SYSTEM),
        (
            "a string past the end",
            b"\x80\x02X\xff\xff\x00\x00",
            SYSTEM,
        ),
        ("protocol 0 GLOBAL", &junk, &proto0),
        ("protocol 0 INST", b"\x80\x02]q\x00\xfe", &inst0),
    ];
    for (what, prefix, payload) in cases {
        let bytes = [prefix, payload].concat();
        let offset = prefix.len();
        let r = scan_named("hidden.pkl", &bytes);
        let hit = r
            .findings
            .iter()
            .find(|f| f.rule.id == "pickle-dangerous-call")
            .unwrap_or_else(|| panic!("{what}: {:?}", show(&r)));
        assert_eq!(hit.severity, Severity::Critical, "{what}");
        assert!(
            hit.message.contains(&format!("hidden at offset {offset},")),
            "{what}: {}",
            hit.message
        );
    }
}

/// Junk after a pickle that only happens to decode (a `PROTO` byte, a text line starting with
/// `c`, names that are not denylisted) stays the low trailing-data finding.
#[test]
fn junk_that_decodes_as_a_harmless_pickle_is_only_trailing_data() {
    let benign = b"\x80\x02}q\x00.".to_vec();
    let tails: [&[u8]; 3] = [
        b"\xff\x80\x02K\x01.",
        b"\xffcollections\nOrderedDict\n)R.",
        b"\xff c\nnot a name\n\x80\x09 random \x80",
    ];
    for tail in tails {
        let r = scan_named("tail.pkl", &[&benign[..], tail].concat());
        assert_below_medium(&r);
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "pickle-trailing-data"),
            "{:?}",
            show(&r)
        );
    }
}

/// `torch.storage._load_from_bytes(b'…')` is what `pickle.dumps` of a CUDA tensor writes: with
/// a constant pickle that is analysed and clean it is data (low, tester t13); with a payload
/// inside, the payload is reported where it is, at its own severity.
#[test]
fn a_loader_of_a_clean_constant_pickle_is_low() {
    let call = |inner: &[u8]| {
        let mut p = b"\x80\x03ctorch.storage\n_load_from_bytes\nB".to_vec();
        p.extend_from_slice(&u32::try_from(inner.len()).expect("small").to_le_bytes());
        p.extend_from_slice(inner);
        p.extend_from_slice(b"\x85R.");
        p
    };
    let clean = b"\x80\x02ccollections\nOrderedDict\n)R.";
    let r = scan_named("tensor.pkl", &call(clean));
    assert_below_medium(&r);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-dangerous-call" && f.severity == Severity::Low),
        "{:#?}",
        show(&r)
    );
    let r = scan_named("tensor.pkl", &call(SYSTEM));
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-dangerous-call"
                && f.severity == Severity::Critical
                && f.location.to_string().contains("<pickle argument")),
        "{:#?}",
        show(&r)
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-dangerous-call"
                && f.severity == Severity::Critical
                && f.message.contains("_load_from_bytes")),
        "{:#?}",
        show(&r)
    );
}

/// NumPy reads the header with `ast.literal_eval`: a `descr` that is code, not a literal, is an
/// invalid header (tester t13); structured and subarray dtypes, which are literals, are not.
#[test]
fn a_descr_that_is_code_is_an_invalid_header() {
    let mut code = npy_header("__import__('os').system('echo airlock-test')", "(1,)");
    code.resize(code.len() + 4, 0);
    let r = scan_named("x.npy", &code);
    assert_rule(&r, "numpy-invalid-header", Severity::Medium);
    let mut structured = npy_header("[('a', '<f4'), ('b', '<i4', (2,))]", "(1,)");
    structured.resize(structured.len() + 12, 0);
    let r = scan_named("x.npy", &structured);
    assert!(r.findings.is_empty(), "{:#?}", show(&r));
}

/// `getattr(os.sys, 'modules')` handed back without a call: the looked-up global is a reference
/// to a denylisted module (medium, tester t13), as `os.system` unreferenced by any call is; when
/// the attribute is called, the call is the finding and the target is not reported again.
#[test]
fn a_getattr_whose_result_is_not_called_leaves_a_reference() {
    let mut p = b"\x80\x04".to_vec();
    p.extend(su("builtins"));
    p.extend(su("getattr"));
    p.push(0x93);
    p.extend(su("os"));
    p.extend(su("sys"));
    p.push(0x93);
    p.extend(su("modules"));
    p.extend_from_slice(b"\x86R.");
    let r = scan_named("m.pkl", &p);
    assert_rule(&r, "pickle-dangerous-global", Severity::Medium);
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::High),
        "{:#?}",
        show(&r)
    );
    let mut called = b"\x80\x04".to_vec();
    called.extend(su("builtins"));
    called.extend(su("getattr"));
    called.push(0x93);
    called.extend(su("posix"));
    called.extend(su("system"));
    called.push(0x93);
    called.extend(su("system"));
    called.extend_from_slice(b"\x86R");
    called.extend(su(CMD));
    called.extend_from_slice(b"\x85R.");
    let r = scan_named("m.pkl", &called);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule.id != "pickle-dangerous-global"),
        "{:#?}",
        show(&r)
    );
}

/// `NEWOBJ` of a denylisted class runs only its `__new__` (tester t13): high, and the message
/// says so; the same class called by `REDUCE` runs its constructor: critical.
#[test]
fn newobj_of_a_denylisted_class_is_high_not_critical() {
    let newobj = b"\x80\x02csubprocess\nPopen\nX\x04\x00\x00\x00echo\x85\x81.";
    let r = scan_named("m.pkl", newobj);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "pickle-dangerous-call")
        .unwrap_or_else(|| panic!("{:#?}", show(&r)));
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("only its __new__ runs"), "{}", f.message);
    let reduce = b"\x80\x02csubprocess\nPopen\nX\x04\x00\x00\x00echo\x85R.";
    let r = scan_named("m.pkl", reduce);
    assert_rule(&r, "pickle-dangerous-call", Severity::Critical);
}

/// A Hydra config saved as data in a checkpoint (Lightning's `hyper_parameters`): code that
/// instantiates it calls its `_target_` (tester t17 n06). A denylisted target is medium;
/// the optimisers and modules real checkpoints save are nothing.
#[test]
fn config_targets_saved_in_a_pickle_are_judged_at_medium_at_most() {
    let hparams = |target: &str| {
        let mut p = b"\x80\x02}(".to_vec();
        p.extend(bu("hyper_parameters"));
        p.extend(b"}(");
        for s in ["_target_", target, "command", CMD] {
            p.extend(bu(s));
        }
        p.extend(b"uu.");
        p
    };
    let r = scan_named("last.ckpt", &hparams("os.system"));
    let worst = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "config-target-call")
        .map(|f| f.severity)
        .max();
    assert_eq!(worst, Some(Severity::Medium), "{:#?}", show(&r));
    for benign in [
        "torch.optim.AdamW",
        "lightning.pytorch.callbacks.ModelCheckpoint",
        "transformers.AutoModel.from_pretrained",
    ] {
        let r = scan_named("last.ckpt", &hparams(benign));
        assert!(
            r.findings.iter().all(|f| f.rule.id != "config-target-call"),
            "{benign}: {:?}",
            show(&r)
        );
        assert_below_medium(&r);
    }
}

/// In-memory buffers rebuilt by a pickle (`pickle.dumps(io.BytesIO(b'abc'))`) open no file:
/// allowlisted over the denylist's `io` entries (tester t20 b14), while `io.open` stays
/// dangerous.
#[test]
fn in_memory_buffers_are_data_and_io_open_is_not() {
    let mut p = b"\x80\x04".to_vec();
    p.extend(su("_io"));
    p.extend(su("BytesIO"));
    p.extend(b"\x93\x94)\x81\x94(C\x03abc\x94K\x00Nt\x94b.");
    assert_below_medium(&scan_named("buf.pkl", &p));
    let r = scan_named("open.pkl", &p4_call("io", "open", &["/etc/hostname"]));
    assert_rule(&r, "pickle-dangerous-call", Severity::High);
}
