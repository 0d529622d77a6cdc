//! `.npy` headers are read as NumPy reads them, with `ast.literal_eval` (tester t29 K8): every
//! string escape (`'\x7cO'`, `'\u007cO'`, `'\N{VERTICAL LINE}O'`, `'\174O'`), adjacent literals,
//! comments, the last of two `descr` keys, escaped key names. A dtype the reader cannot decode
//! exactly is taken as an object dtype, so the data is analysed as the pickle it may be (fail
//! closed). Also inside `.npz` archives, stored and deflated. Fixtures are built here; the
//! pickle only names `posix.system` with an `echo`.

use std::io::Write;

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};
use airlock::Severity;

/// `posix.system('echo airlock-test')`, protocol 2.
const SYSTEM: &[u8] = b"\x80\x02cposix\nsystem\n(X\x11\x00\x00\x00echo airlock-testtR.";

/// A version 1.0 `.npy` whose header dict is `header` (padded as NumPy pads it), then `body`.
fn npy(header: &str, body: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(h.len()).expect("short").to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(body);
    out
}

fn scan_named(name: &str, bytes: &[u8]) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("write");
    scan_file(&p, BudgetLimits::default())
}

fn show(r: &FileReport) -> Vec<(&'static str, Severity, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.evidence.clone()))
        .collect()
}

fn critical_call(r: &FileReport) -> bool {
    r.findings
        .iter()
        .any(|f| f.rule.id == "pickle-dangerous-call" && f.severity == Severity::Critical)
}

/// `.npz` of one member, deflated or stored.
fn npz(member: &[u8], deflate: bool) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    w.start_file("arr.npy", opts).expect("member");
    w.write_all(member).expect("write");
    w.finish().expect("finish").into_inner()
}

/// Headers NumPy reads as an object dtype, spelled so a reader that does not evaluate the
/// literal sees something else.
const OBJECT_HEADERS: &[&str] = &[
    r"{'descr': '\x7cO', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '\u007cO', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '\U0000007cO', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '\N{VERTICAL LINE}O', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '|\N{latin capital letter o}', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '\174O', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '<f4', 'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
    r"{'d\x65scr': '|O', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '<f4', 'd\x65scr': '|O', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '|' 'O', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': '''|O''', 'fortran_order': False, 'shape': (1,), }",
    "{'descr': # the dtype\n '|O', 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': ('|O'), 'fortran_order': False, 'shape': (1_0,), }",
    r"{'descr': ['xO'], 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': [('a', '\x4f')], 'fortran_order': False, 'shape': (1,), }",
];

#[test]
fn every_spelling_numpy_reads_as_objects_has_its_pickle_analysed() {
    for header in OBJECT_HEADERS {
        let bytes = npy(header, SYSTEM);
        let r = scan_named("x.npy", &bytes);
        assert!(critical_call(&r), "{header}: {:#?}", show(&r));
        for deflate in [false, true] {
            let r = scan_named("x.npz", &npz(&bytes, deflate));
            assert!(critical_call(&r), "npz {deflate} {header}: {:#?}", show(&r));
        }
    }
}

/// A `\N{…}` name outside the reader's table, or a header that is no literal it reads: the
/// dtype is not known, so the data is analysed as a pickle (fail closed), and says so.
#[test]
fn a_dtype_the_reader_cannot_decode_is_analysed_as_objects() {
    for header in [
        r"{'descr': '|\N{FULLWIDTH LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }",
        r"{'\N{LATIN SMALL LETTER D WITH CARON}escr': '<f4', 'fortran_order': False, 'shape': (1,), }",
        r"{'descr': f'|O', 'fortran_order': False, 'shape': (1,), }",
    ] {
        let r = scan_named("x.npy", &npy(header, SYSTEM));
        assert!(critical_call(&r), "{header}: {:#?}", show(&r));
        assert!(
            r.findings.iter().any(|f| f.rule.id == "numpy-object-array"),
            "{header}: {:#?}",
            show(&r)
        );
        let r = scan_named("x.npz", &npz(&npy(header, SYSTEM), true));
        assert!(critical_call(&r), "npz {header}: {:#?}", show(&r));
    }
}

/// Plain dtypes stay plain however they are spelled; NumPy's own headers give no finding.
#[test]
fn plain_dtypes_are_plain_whatever_their_spelling() {
    for header in [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
        r"{'descr': '\x3cf4', 'fortran_order': False, 'shape': (2,), }",
        r"{'descr': '<' 'f4', 'fortran_order': True, 'shape': (1, 2), }",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
        r"{'descr': [('O', '<f4'), ('object', '<i2'), ('b', '<i2')], 'fortran_order': False, 'shape': (1,), }",
    ] {
        let r = scan_named("x.npy", &npy(header, &[0u8; 8]));
        assert!(r.findings.is_empty(), "{header}: {:#?}", show(&r));
    }
}

/// What NumPy refuses (keys other than its three, a shape of floats, a header that is no
/// dict) is an invalid header.
#[test]
fn headers_numpy_refuses_are_invalid() {
    for header in [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1.0,), }",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
        "['descr', '<f4']",
    ] {
        let r = scan_named("x.npy", &npy(header, &[0u8; 4]));
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "numpy-invalid-header" && f.severity == Severity::Medium),
            "{header}: {:#?}",
            show(&r)
        );
    }
}
