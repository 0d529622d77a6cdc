//! Hostile Python package inputs (issue 3): each gives a finding or a clear verdict, within time
//! and memory bounds, and never a panic. Every input is built here; nothing is stored.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};

/// Wall-time bound per input (debug build, a loaded machine).
const BOUND: Duration = Duration::from_secs(60);

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write");
    p
}

fn timed_scan(p: &Path) -> FileReport {
    let t = Instant::now();
    let r = scan_file(p, BudgetLimits::default());
    assert!(t.elapsed() < BOUND, "{}: {:?}", p.display(), t.elapsed());
    r
}

fn ids(r: &FileReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule.id).collect()
}

/// A zip of (name, method, crc, data, declared uncompressed size).
fn zip(members: &[(&str, u16, u32, &[u8], u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, method, crc, data, usize) in members {
        let off = out.len() as u32;
        let fields = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&method.to_le_bytes());
            v.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&usize.to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(b"PK\x03\x04");
        fields(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        fields(&mut central);
        central.extend_from_slice(&[0; 6]); // comment len, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&off.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_off = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let n = members.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A raw deflate stream (one fixed-Huffman block) that inflates to `1 + 258 * runs` bytes
/// `byte` (below 144): a literal, then `runs` copies of (length 258, distance 1). 13 bits per 258 bytes, so 2 GiB
/// is 13 MB; built by hand because compressing 2 GiB in a debug test takes minutes.
fn bomb(byte: u8, runs: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, v: u64, bits: u32) {
            self.acc |= v << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code: most significant bit first.
        fn code(&mut self, c: u64, bits: u32) {
            let mut r = 0;
            for i in 0..bits {
                r |= ((c >> i) & 1) << (bits - 1 - i);
            }
            self.put(r, bits);
        }
    }
    let mut b = Bits {
        out: Vec::with_capacity((runs * 13 / 8 + 16) as usize),
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman
    b.code(0x30 + u64::from(byte), 8); // the literal
    for _ in 0..runs {
        b.code(0xC5, 8); // length code 285: 258
        b.code(0, 5); // distance code 0: 1
    }
    b.code(0, 7); // end of block (256)
    b.put(0, 7);
    b.out
}

#[test]
fn inflating_the_hand_made_bomb_gives_zeros() {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(&bomb(0, 4)[..])
        .read_to_end(&mut out)
        .expect("inflate");
    assert_eq!(out, vec![0u8; 1 + 258 * 4]);
}

const WHEEL: &[u8] = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

#[test]
fn wheel_whose_record_lists_a_million_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut record = String::new();
    for i in 0..1_000_000u32 {
        record.push_str(&format!("demo/m{i}.py,sha256=AAAA,1\n"));
    }
    let init = b"x = 1\n";
    let w = zip(&[
        ("demo/__init__.py", 0, crc(init), init, init.len() as u32),
        (
            "demo-1.0.dist-info/WHEEL",
            0,
            crc(WHEEL),
            WHEEL,
            WHEEL.len() as u32,
        ),
        (
            "demo-1.0.dist-info/RECORD",
            0,
            0,
            record.as_bytes(),
            record.len() as u32,
        ),
    ]);
    let r = timed_scan(&write(dir.path(), "demo-1.0-py3-none-any.whl", &w));
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "wheel-record-mismatch")
        .expect("wheel-record-mismatch");
    // The problems are counted up to a bound, and the evidence stays short.
    assert!(f.evidence.len() < 2000, "{}", f.evidence.len());
    assert!(f.message.len() < 200);
}

fn crc(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

#[test]
fn two_gib_pth_in_a_tiny_zip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = ((2u64 << 30) - 1) / 258;
    // Newlines: the member sniffs as text, so the .pth needs every line (zeros would be judged
    // binary from the first 64 KiB and never inflated).
    let bomb = bomb(b'\n', runs);
    let size = (1 + 258 * runs) as u32;
    assert!(bomb.len() < 16 << 20);
    // A plain zip, and a wheel (whose RECORD check wants every member whole).
    let plain = zip(&[("evil.pth", 8, 0, &bomb, size)]);
    let record = b"demo.pth,sha256=AAAA,2147483647\n";
    let wheel = zip(&[
        ("demo.pth", 8, 0, &bomb, size),
        (
            "demo-1.0.dist-info/WHEEL",
            0,
            crc(WHEEL),
            WHEEL,
            WHEEL.len() as u32,
        ),
        (
            "demo-1.0.dist-info/RECORD",
            0,
            crc(record),
            record,
            record.len() as u32,
        ),
    ]);
    // A lying header: 2 GiB declared, ten bytes inside.
    let small = b"import os\n";
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut z, small).expect("deflate");
    let small_deflated = z.finish().expect("deflate");
    let liar = zip(&[("liar.pth", 8, crc(small), &small_deflated, u32::MAX - 1)]);
    for (name, bytes) in [
        ("bomb.zip", plain),
        ("demo-1.0-py3-none-any.whl", wheel),
        ("liar.zip", liar),
    ] {
        let r = timed_scan(&write(dir.path(), name, &bytes));
        let got = ids(&r);
        if name == "liar.zip" {
            // Judged from what is really there: an executable .pth line.
            assert!(got.contains(&"pth-executable-line"), "{name}: {got:?}");
        } else {
            assert!(got.contains(&"resource-limit"), "{name}: {got:?}");
        }
    }
}

/// Bytes from a small linear congruential generator (deterministic noise).
fn noise(n: usize, alphabet: Option<&[u8]>) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let b = (x >> 33) as u8;
            match alphabet {
                Some(a) => a[b as usize % a.len()],
                None => b,
            }
        })
        .collect()
}

#[test]
fn binary_garbage_named_setup_py() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (sub, bytes) in [
        ("binary", noise(1 << 20, None)),
        // Text that is no Python: tree-sitter parses it with errors, the walk goes on.
        (
            "text",
            noise(1 << 20, Some(b"()[]{}:=.,'\"\\ \n\tabcdef0123#@lambda")),
        ),
        ("nul", vec![0u8; 100_000]),
    ] {
        let d = dir.path().join(sub);
        std::fs::create_dir(&d).expect("mkdir");
        let r = timed_scan(&write(&d, "setup.py", &bytes));
        assert!(!r.io_error, "{sub}");
    }
}

#[test]
fn deeply_nested_python_expressions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 100_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "parens",
            format!("x = {}{}\n", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "lists",
            format!("x = {}{}\n", "[".repeat(50_000), "]".repeat(50_000)),
        ),
        ("attributes", format!("x = a{}\n", ".b".repeat(n))),
        ("calls", format!("x = f{}\n", "()".repeat(n))),
        (
            "exec-chain",
            format!(
                "import base64\nexec(base64.b64decode('cHJpbnQoMSk=')){}\n",
                "()".repeat(n)
            ),
        ),
        ("unclosed", format!("x = {}\n", "(".repeat(n))),
        ("unary", format!("x = {}1\n", "-".repeat(n))),
    ];
    for (sub, src) in cases {
        let d = dir.path().join(sub);
        std::fs::create_dir(&d).expect("mkdir");
        // setup.py: install-time code is always parsed.
        let r = timed_scan(&write(&d, "setup.py", src.as_bytes()));
        assert!(!r.io_error, "{sub}");
    }
}

#[test]
fn pth_with_a_million_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A million import lines: stopped at the bound with a resource-limit finding.
    let imports = "import x\n".repeat(1_000_000);
    let r = timed_scan(&write(dir.path(), "many.pth", imports.as_bytes()));
    assert!(ids(&r).contains(&"resource-limit"), "{:?}", ids(&r));
    // High: Python runs every line, so a payload past the bound must not pass a high gate.
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "resource-limit" && f.severity == airlock::Severity::High),
        "{:?}",
        ids(&r)
    );
    assert!(r.findings.len() < 1100, "{}", r.findings.len());
    // A million path lines hide one import line at the end: it is still found.
    let mut paths = "/opt/lib\n".repeat(1_000_000);
    paths.push_str("import evil; evil.go()\n");
    let r = timed_scan(&write(dir.path(), "paths.pth", paths.as_bytes()));
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "pth-executable-line")
        .expect("the last line");
    assert!(format!("{:?}", f.location).contains("1000001"));
}

#[test]
fn a_huge_lock_file_is_a_bound_and_late_console_scripts_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 20 MB of wheels for one package: reported, not parsed.
    let mut lock =
        String::from("version = 1\n\n[[package]]\nname = \"x\"\nversion = \"1.0\"\nwheels = [\n");
    while lock.len() < (20 << 20) {
        lock.push_str("  { url = \"https://files.example.invalid/x-1.0-py3-none-any.whl\", hash = \"sha256:00\" },\n");
    }
    lock.push_str("]\n");
    let r = timed_scan(&write(dir.path(), "uv.lock", lock.as_bytes()));
    assert!(ids(&r).contains(&"resource-limit"), "{:?}", ids(&r));
    // A console script that shadows `ssh` after 150,000 dummy groups.
    let mut eps = String::new();
    for i in 0..150_000 {
        eps.push_str(&format!("[g{i}]\n"));
    }
    eps.push_str("[console_scripts]\nssh = evil.cli:main\n");
    let whl = console_script_wheel("entry_points.txt", &eps);
    assert_shadows_ssh(dir.path(), &whl);
}

#[test]
fn an_entry_points_file_in_another_case_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whl = console_script_wheel(
        "Entry_Points.txt",
        "[console_scripts]\nssh = evil.cli:main\n",
    );
    assert_shadows_ssh(dir.path(), &whl);
}

#[test]
fn a_text_member_over_the_text_bound_keeps_its_record_digest() {
    use base64::Engine;
    use sha2::Digest;
    let dir = tempfile::tempdir().expect("tempdir");
    let big = "# padding line of a generated module\n".repeat((65 << 20) / 37 + 1);
    let record_row = |name: &str, data: &[u8]| {
        let d = sha2::Sha256::digest(data);
        format!(
            "{name},sha256={},{}\n",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d),
            data.len()
        )
    };
    let meta = "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n";
    let wheel_txt = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
    let mut record = String::new();
    record.push_str(&record_row("big/table.py", big.as_bytes()));
    record.push_str(&record_row("big-1.0.dist-info/METADATA", meta.as_bytes()));
    record.push_str(&record_row("big-1.0.dist-info/WHEEL", wheel_txt.as_bytes()));
    record.push_str("big-1.0.dist-info/RECORD,,\n");
    let whl = zip_of(&[
        ("big/table.py", big.as_str()),
        ("big-1.0.dist-info/METADATA", meta),
        ("big-1.0.dist-info/WHEEL", wheel_txt),
        ("big-1.0.dist-info/RECORD", record.as_str()),
    ]);
    let r = timed_scan(&write(dir.path(), "big-1.0-py3-none-any.whl", &whl));
    assert!(ids(&r).contains(&"resource-limit"), "{:?}", ids(&r));
    assert!(!ids(&r).contains(&"wheel-record-mismatch"), "{:?}", ids(&r));
}

/// A zip of (name, text) members, deflated, as a wheel builder writes them.
fn zip_of(members: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, opts).expect("member");
        w.write_all(data.as_bytes()).expect("write");
    }
    w.finish().expect("zip").into_inner()
}

/// A wheel of `evil` whose entry points file (named `name`) holds `eps`.
fn console_script_wheel(name: &str, eps: &str) -> Vec<u8> {
    let eps_member = format!("evil-1.0.dist-info/{name}");
    zip_of(&[
        ("evil/cli.py", "def main():\n    pass\n"),
        (
            "evil-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
        ),
        (&eps_member, eps),
        (
            "evil-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ])
}

/// The wheel `whl`, scanned, reports its `ssh` console script.
fn assert_shadows_ssh(dir: &Path, whl: &[u8]) {
    let r = timed_scan(&write(dir, "evil-1.0-py3-none-any.whl", whl));
    assert!(
        ids(&r).contains(&"entry-point-shadows-command"),
        "{:?}",
        ids(&r)
    );
}
