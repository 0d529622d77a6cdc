//! ONNX: external data traversal (in the file and on disk), custom operator domains, facts, and
//! hostile protobuf (truncation at every offset, deep nesting, huge lengths). Fixtures are built
//! here with `support/pb.rs`; nothing is loaded by a runtime.

#[path = "support/pb.rs"]
mod pb;

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::formats::Format;
use airlock::scan::{scan, scan_file, FileReport, ScanOptions};
use airlock::Severity;

fn scan_one(dir: &Path, name: &str, data: &[u8]) -> FileReport {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, data).expect("write");
    scan_file(&p, BudgetLimits::default())
}

fn scan_dir(dir: &Path) -> Vec<FileReport> {
    let opts = ScanOptions {
        paths: vec![dir.to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    scan(&opts, &|_, _| {}).expect("scan").files
}

fn rules(r: &FileReport) -> Vec<(&'static str, Severity)> {
    r.findings.iter().map(|f| (f.rule.id, f.severity)).collect()
}

fn fact<'a>(r: &'a FileReport, name: &str) -> Option<&'a str> {
    r.facts
        .values()
        .next()
        .and_then(|f| f.get(name))
        .map(String::as_str)
}

#[test]
fn traversal_locations_are_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    for loc in [
        "../../../../etc/passwd",
        "/etc/passwd",
        "weights/../../../../etc/passwd",
        "weights/..",
        "..\\..\\secret",
        "C:\\Windows\\win.ini",
        "\\\\server\\share\\w.bin",
        "*/_ORT_MEM_ADDR_/*",
    ] {
        let r = scan_one(dir.path(), "m.onnx", &pb::onnx(Some(loc), "Identity", ""));
        assert_eq!(r.format, Format::Onnx, "{loc}");
        assert!(
            rules(&r).contains(&("onnx-external-data-traversal", Severity::High)),
            "{loc}: {:?}",
            rules(&r)
        );
    }
}

#[test]
fn plain_locations_and_inline_data_are_clean_with_facts() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, loc) in [
        ("inline.onnx", None),
        ("ext.onnx", Some("model.onnx_data")),
        ("sub.onnx", Some("weights/w.bin")),
        ("dots.onnx", Some("w..bin")),
    ] {
        let r = scan_one(dir.path(), name, &pb::onnx(loc, "Identity", ""));
        assert!(r.findings.is_empty(), "{name}: {:?}", rules(&r));
        assert_eq!(fact(&r, "parameters"), Some("4"));
        assert_eq!(fact(&r, "opset"), Some("ai.onnx:17"));
        assert_eq!(fact(&r, "operators"), Some("Identity:1"));
        assert_eq!(fact(&r, "onnx.ir_version"), Some("8"));
        assert_eq!(fact(&r, "producer"), Some("airlock-test 1.0"));
        if let Some(loc) = loc {
            assert_eq!(
                fact(&r, "onnx.external_data"),
                Some(format!("[\"{loc}\"]").as_str())
            );
        }
    }
}

#[test]
fn external_data_inside_a_subgraph_is_seen() {
    // If(then_branch = graph with a Constant whose value tensor is external).
    let constant = pb::cat(&[
        pb::bytes(2, b"c"),
        pb::bytes(4, b"Constant"),
        pb::bytes(
            5,
            &pb::cat(&[
                pb::bytes(1, b"value"),
                pb::bytes(5, &pb::tensor("c", Some("../x"))),
            ]),
        ),
    ]);
    let then = pb::graph(&[constant], &[]);
    let if_node = pb::cat(&[
        pb::bytes(1, b"cond"),
        pb::bytes(4, b"If"),
        pb::bytes(
            5,
            &pb::cat(&[pb::bytes(1, b"then_branch"), pb::bytes(6, &then)]),
        ),
    ]);
    let m = pb::model_with(&pb::graph(&[if_node], &[]), &[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let r = scan_one(dir.path(), "if.onnx", &m);
    assert!(rules(&r).contains(&("onnx-external-data-traversal", Severity::High)));
    assert_eq!(fact(&r, "onnx.nodes"), Some("2"));
}

#[test]
fn custom_domains_are_medium_but_runtime_and_local_function_domains_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = scan_one(
        dir.path(),
        "c.onnx",
        &pb::onnx(None, "Evil", "com.example.ops"),
    );
    assert_eq!(rules(&r), vec![("onnx-custom-operator", Severity::Medium)]);
    assert!(r.findings[0].evidence.contains("Evil:1"));
    for domain in ["com.microsoft", "ai.onnx.ml", "ai.onnx"] {
        let r = scan_one(dir.path(), "ms.onnx", &pb::onnx(None, "FusedGemm", domain));
        assert!(r.findings.is_empty(), "{domain}: {:?}", rules(&r));
    }
    // onnxruntime training's PythonOp calls a Python function by name, known domain or not.
    for op in ["PythonOp", "PythonOpGrad"] {
        let r = scan_one(dir.path(), "py.onnx", &pb::onnx(None, op, "com.microsoft"));
        assert_eq!(
            rules(&r),
            vec![("onnx-custom-operator", Severity::Medium)],
            "{op}"
        );
    }
    // A model-local function (FunctionProto, ModelProto field 25) defines pkg.custom.Helper.
    let func = pb::cat(&[
        pb::bytes(1, b"Helper"),
        pb::bytes(4, b"x"),
        pb::bytes(5, b"y"),
        pb::bytes(7, &pb::node("Identity", "")),
        pb::bytes(10, b"pkg.custom"),
    ]);
    let g = pb::graph(&[pb::node("Helper", "pkg.custom")], &[]);
    let m = pb::model_with(&g, &[pb::bytes(25, &func)]);
    let r = scan_one(dir.path(), "f.onnx", &m);
    assert!(r.findings.is_empty(), "{:?}", rules(&r));
    // ... but not another operator of that domain.
    let g = pb::graph(&[pb::node("Other", "pkg.custom")], &[]);
    let r = scan_one(
        dir.path(),
        "g.onnx",
        &pb::model_with(&g, &[pb::bytes(25, &func)]),
    );
    assert_eq!(rules(&r), vec![("onnx-custom-operator", Severity::Medium)]);
    // A custom-domain operator inside a function's body (FunctionProto.node, field 7) is one
    // of the model's operators: medium, as in the main graph (tester t13 custom_in_function).
    let evil = pb::cat(&[
        pb::bytes(1, b"EvilFn"),
        pb::bytes(4, b"x"),
        pb::bytes(5, b"y"),
        pb::bytes(7, &pb::node("Shell", "com.example.evil")),
        pb::bytes(10, b"com.example.fn"),
    ]);
    let g = pb::graph(&[pb::node("EvilFn", "com.example.fn")], &[]);
    let r = scan_one(
        dir.path(),
        "h.onnx",
        &pb::model_with(&g, &[pb::bytes(25, &evil)]),
    );
    assert_eq!(rules(&r), vec![("onnx-custom-operator", Severity::Medium)]);
    assert!(
        r.findings[0].evidence.contains("Shell:1"),
        "{:?}",
        r.findings
    );
    // The same node bytes in field 5 are an `output` name (onnx.proto), not a node: the
    // runtime runs no such operator, and neither is it reported (the t13 file's layout).
    let named = pb::cat(&[
        pb::bytes(1, b"EvilFn"),
        pb::bytes(5, &pb::node("Shell", "com.example.evil")),
        pb::bytes(10, b"com.example.fn"),
    ]);
    let r = scan_one(
        dir.path(),
        "i.onnx",
        &pb::model_with(&g, &[pb::bytes(25, &named)]),
    );
    assert!(r.findings.is_empty(), "{:?}", rules(&r));
}

#[test]
fn symlinked_external_data_is_reported_by_the_check_stage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = pb::onnx(Some("weights.bin"), "Identity", "");
    // A link to a file outside the folder (the CVE-2026-34447 shape; the target is never read).
    let a = dir.path().join("a");
    std::fs::create_dir(&a).expect("mkdir");
    std::fs::write(a.join("model.onnx"), &model).expect("write");
    std::os::unix::fs::symlink("/etc/hostname", a.join("weights.bin")).expect("symlink");
    // A plain file: clean.
    let b = dir.path().join("b");
    std::fs::create_dir(&b).expect("mkdir");
    std::fs::write(b.join("model.onnx"), &model).expect("write");
    std::fs::write(b.join("weights.bin"), [0u8; 16]).expect("write");
    // A linked folder on the way.
    let c = dir.path().join("c");
    std::fs::create_dir(&c).expect("mkdir");
    std::fs::write(
        c.join("model.onnx"),
        pb::onnx(Some("w/weights.bin"), "Identity", ""),
    )
    .expect("write");
    std::os::unix::fs::symlink("/etc", c.join("w")).expect("symlink");
    // Missing data: the runtime's load error, not a finding.
    let d = dir.path().join("d");
    std::fs::create_dir(&d).expect("mkdir");
    std::fs::write(d.join("model.onnx"), &model).expect("write");
    // The Hugging Face cache layout: snapshot files link into blobs/ of the same repository.
    let repo = dir.path().join("hub/models--org--m");
    let snap = repo.join("snapshots/0123abcd");
    std::fs::create_dir_all(&snap).expect("mkdir");
    std::fs::create_dir_all(repo.join("blobs")).expect("mkdir");
    std::fs::write(repo.join("blobs/aaaa"), &model).expect("write");
    std::fs::write(repo.join("blobs/bbbb"), [0u8; 16]).expect("write");
    std::os::unix::fs::symlink("../../blobs/aaaa", snap.join("model.onnx")).expect("symlink");
    std::os::unix::fs::symlink("../../blobs/bbbb", snap.join("weights.bin")).expect("symlink");

    // A link that stays inside the model's folder (tester t20 b_o03): the runtime reads the
    // folder's own file. Clean.
    let e = dir.path().join("e");
    std::fs::create_dir_all(e.join("data")).expect("mkdir");
    std::fs::write(e.join("model.onnx"), &model).expect("write");
    std::fs::write(e.join("data/real.bin"), [0u8; 16]).expect("write");
    std::os::unix::fs::symlink("data/real.bin", e.join("weights.bin")).expect("symlink");
    // ... but one to something inside that is no regular file (a socket here; a FIFO would
    // hang the runtime's read) is reported.
    let f = dir.path().join("f");
    std::fs::create_dir_all(f.join("data")).expect("mkdir");
    std::fs::write(f.join("model.onnx"), &model).expect("write");
    let _socket = std::os::unix::net::UnixListener::bind(f.join("data/sock")).expect("bind");
    std::os::unix::fs::symlink("data/sock", f.join("weights.bin")).expect("symlink");

    let files = scan_dir(dir.path());
    let by = |p: &Path| {
        files
            .iter()
            .find(|f| f.path == p)
            .unwrap_or_else(|| panic!("{} not scanned", p.display()))
    };
    let ra = by(&a.join("model.onnx"));
    assert_eq!(
        rules(ra),
        vec![("onnx-external-data-symlink", Severity::High)]
    );
    assert_eq!(ra.verdict.as_str(), "malicious");
    assert!(ra.findings[0].message.contains("/etc/hostname"));
    assert!(rules(by(&b.join("model.onnx"))).is_empty());
    assert_eq!(
        rules(by(&c.join("model.onnx"))),
        vec![("onnx-external-data-symlink", Severity::High)]
    );
    assert!(rules(by(&d.join("model.onnx"))).is_empty());
    assert!(rules(by(&e.join("model.onnx"))).is_empty());
    let rf = by(&f.join("model.onnx"));
    assert_eq!(
        rules(rf),
        vec![("onnx-external-data-symlink", Severity::High)]
    );
    assert!(rf.findings[0].message.contains("not a regular file"));
    // The snapshot link itself is followed by discovery only if it stays in the root; whichever
    // way, no external-data finding for the cache layout.
    assert!(files
        .iter()
        .flat_map(|f| &f.findings)
        .filter(|f| f.rule.id == "onnx-external-data-symlink")
        .all(|f| !f.location.to_string().contains("models--")));
}

#[test]
fn truncation_at_every_offset_never_panics() {
    let full = pb::onnx(Some("../w.bin"), "Evil", "com.example");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut malformed = 0;
    for n in 1..full.len() {
        let r = scan_one(dir.path(), "t.onnx", &full[..n]);
        if r.findings.iter().any(|f| f.rule.id == "onnx-malformed") {
            malformed += 1;
        }
    }
    assert!(malformed > 0);
}

#[test]
fn deep_nesting_stops_at_the_bound() {
    // graph → node → attribute(g) → graph ..., 2000 levels: no stack overflow, one bound finding.
    let mut g = pb::graph(&[pb::node("Identity", "")], &[]);
    for _ in 0..2000 {
        let attr = pb::cat(&[pb::bytes(1, b"body"), pb::bytes(6, &g)]);
        let node = pb::cat(&[pb::bytes(4, b"Loop"), pb::bytes(5, &attr)]);
        g = pb::bytes(1, &node);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let r = scan_one(dir.path(), "deep.onnx", &pb::model_with(&g, &[]));
    assert!(
        rules(&r).iter().any(|(id, _)| *id == "resource-limit"),
        "{:?}",
        rules(&r)
    );
}

#[test]
fn huge_declared_lengths_and_dims_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A graph field that declares 2^60 bytes.
    let mut m = pb::cat(&[pb::int(1, 8), pb::bytes(2, b"x")]);
    m.extend(pb::varint((7 << 3) | 2));
    m.extend(pb::varint(1 << 60));
    m.extend_from_slice(&[0x0a, 0x00]);
    let r = scan_one(dir.path(), "huge.onnx", &m);
    assert_eq!(r.format, Format::Onnx);
    assert!(rules(&r).iter().any(|(id, _)| *id == "onnx-malformed"));
    // An initializer with dims 2^62 × 2^62 (packed): the parameter count saturates.
    let t = pb::cat(&[
        pb::bytes(1, &pb::cat(&[pb::varint(1 << 62), pb::varint(1 << 62)])),
        pb::int(2, 1),
        pb::bytes(8, b"W"),
    ]);
    let r = scan_one(
        dir.path(),
        "dims.onnx",
        &pb::model_with(&pb::graph(&[pb::node("Identity", "")], &[t]), &[]),
    );
    assert!(r.findings.is_empty(), "{:?}", rules(&r));
    assert_eq!(
        fact(&r, "parameters"),
        Some("21267647932558653966460912964485513216")
    );
}

#[test]
fn a_sparse_3_gb_model_is_judged_without_reading_its_raw_data() {
    // ModelProto { graph { node, initializer { dims, name, raw_data: 3 GB hole } } }.
    let raw: u64 = 3 << 30;
    let head = pb::cat(&[pb::int(1, 4), pb::int(2, 1), pb::bytes(8, b"W")]);
    let mut tensor_head = head.clone();
    tensor_head.extend(pb::varint((9 << 3) | 2));
    tensor_head.extend(pb::varint(raw));
    let tensor_len = tensor_head.len() as u64 + raw;
    let node = pb::bytes(1, &pb::node("Identity", ""));
    let mut graph_head = node.clone();
    graph_head.extend(pb::varint((5 << 3) | 2));
    graph_head.extend(pb::varint(tensor_len));
    graph_head.extend(&tensor_head);
    let graph_len = graph_head.len() as u64 + raw;
    let mut file = pb::int(1, 8);
    file.extend(pb::varint((7 << 3) | 2));
    file.extend(pb::varint(graph_len));
    file.extend(&graph_head);
    let total = file.len() as u64 + raw;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("big.onnx");
    let f = std::fs::File::create(&p).expect("create");
    std::io::Write::write_all(&mut &f, &file).expect("write");
    f.set_len(total).expect("set_len");
    let start = std::time::Instant::now();
    let r = scan_file(&p, BudgetLimits::default());
    assert!(start.elapsed().as_secs_f64() < 1.0, "{:?}", start.elapsed());
    assert_eq!(r.format, Format::Onnx);
    assert!(r.findings.is_empty(), "{:?}", rules(&r));
    assert_eq!(fact(&r, "parameters"), Some("4"));
}
