//! Regressions for pickle analyser bypasses: dotted qualified names, wildcard allowlist entries
//! that admitted functions, `__setstate__` injected through `BUILD`, imports hidden behind a
//! bound, and CPython-internal modules that start processes.
//!
//! Every fixture is built here, in a temporary folder, and only read: nothing is unpickled.
//! Payloads are inert (`echo airlock-test`), hosts only under `example.invalid`.

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};
use airlock::Severity;

const CMD: &str = "echo airlock-test";

/// `SHORT_BINUNICODE s` followed by `MEMOIZE`, as protocol 4 writes strings.
fn su(s: &str) -> Vec<u8> {
    let mut v = vec![0x8c, u8::try_from(s.len()).expect("short string")];
    v.extend_from_slice(s.as_bytes());
    v.push(0x94);
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

fn scan_bytes_with(bytes: &[u8], limits: BudgetLimits) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("model.pkl");
    std::fs::write(&path, bytes).expect("write fixture");
    scan_file(Path::new(&path), limits)
}

fn scan_bytes(bytes: &[u8]) -> FileReport {
    scan_bytes_with(bytes, BudgetLimits::default())
}

fn worst(r: &FileReport) -> Option<Severity> {
    r.findings.iter().map(|f| f.severity).max()
}

fn show(r: &FileReport) -> Vec<(&'static str, Severity, String, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.message.clone(), f.evidence.clone()))
        .collect()
}

fn assert_at_least(r: &FileReport, sev: Severity) {
    assert!(worst(r).is_some_and(|w| w >= sev), "{:#?}", show(r));
}

fn assert_below_medium(r: &FileReport) {
    assert!(
        worst(r).is_none_or(|w| w < Severity::Medium),
        "{:#?}",
        show(r)
    );
}

/// Dotted names are walked with getattr from the module: a part naming a denylisted module
/// (`torch.os`, `platform.subprocess`, `_sys`) reaches it, whatever allowlisted module starts
/// the path.
#[test]
fn dotted_names_reaching_dangerous_modules_are_denied() {
    for (m, n) in [
        ("torch.nn.modules.module", "torch.os.execv"),
        ("sklearn.base", "platform.subprocess.check_output"),
        ("shlex", "os.system"),
        ("collections", "_sys.modules.get"),
        ("numpy", "core.os.system"),
    ] {
        let r = scan_bytes(&p4_call(m, n, &[CMD]));
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "pickle-dangerous-call" && f.severity >= Severity::High),
            "{m} {n}: {:#?}",
            show(&r)
        );
    }
}

/// A dotted name not listed exactly is never admitted by a wildcard entry.
#[test]
fn dotted_names_are_not_admitted_by_wildcards() {
    let r = scan_bytes(&p4_call(
        "torch.nn.modules.module",
        "Module.helper.run",
        &[CMD],
    ));
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-unknown-call"),
        "{:#?}",
        show(&r)
    );
}

/// Functions under a wildcard-allowlisted package are not admitted: denylisted functions are
/// found in any submodule, other functions are unknown calls.
#[test]
fn wildcard_entries_do_not_admit_dangerous_functions() {
    for (m, n, args) in [
        ("transformers.testing_utils", "run_command", &[CMD][..]),
        (
            "transformers.models.auto.auto_factory",
            "get_class_from_dynamic_module",
            &["x.y", "example.invalid/repo"][..],
        ),
        (
            "sklearn.datasets._openml",
            "fetch_openml",
            &["example.invalid"][..],
        ),
        (
            "numpy.lib._npyio_impl",
            "savetxt",
            &["/tmp/airlock-test", "x"][..],
        ),
        ("numpy.rec", "fromfile", &["/tmp/airlock-test"][..]),
        (
            "pandas.compat._optional",
            "import_optional_dependency",
            &["airlock_test"][..],
        ),
    ] {
        let r = scan_bytes(&p4_call(m, n, args));
        assert_at_least(&r, Severity::High);
    }
    // Any other function under a wildcard entry, called with arguments, is an unknown call.
    let r = scan_bytes(&p4_call("sklearn.utils.misc", "helper", &["x"]));
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-unknown-call" && f.severity == Severity::Medium),
        "{:#?}",
        show(&r)
    );
}

/// Benign look-alikes stay below medium: classes under wildcard entries, NumPy's lower-case
/// types and pickle helpers, Cython's `__pyx_unpickle_*` reconstructors.
#[test]
fn benign_wildcard_lookalikes_stay_clean() {
    for (m, n, args) in [
        (
            "sklearn.linear_model._logistic",
            "LogisticRegression",
            &[][..],
        ),
        (
            "numpy.random._pickle",
            "__randomstate_ctor",
            &["MT19937"][..],
        ),
        ("numpy", "float64", &["x"][..]),
        (
            "pandas._libs.arrays",
            "__pyx_unpickle_NDArrayBacked",
            &["x"][..],
        ),
        (
            "transformers.trainer_utils",
            "IntervalStrategy",
            &["steps"][..],
        ),
    ] {
        let r = scan_bytes(&p4_call(m, n, args));
        assert_below_medium(&r);
    }
}

/// CPython-internal modules that start processes (`_pyrepl.pager.pipe_pager` runs a shell
/// command on 3.13+).
#[test]
fn cpython_internal_process_modules_are_denied() {
    for (m, n, args) in [
        ("_pyrepl.pager", "pipe_pager", &["x", CMD][..]),
        ("_pyrepl.pager", "tempfile_pager", &["x", CMD][..]),
        ("pydoc", "pipepager", &["x", CMD][..]),
        ("_sitebuiltins", "_Helper", &[][..]),
    ] {
        let r = scan_bytes(&p4_call(m, n, args));
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "pickle-dangerous-call" && f.severity >= Severity::High),
            "{m}.{n}: {:#?}",
            show(&r)
        );
    }
}

/// `BUILD {'__setstate__': posix.system}` then `BUILD 'echo ...'` calls `os.system('echo ...')`.
#[test]
fn build_setstate_injection_is_a_call() {
    let mut p = b"\x80\x04".to_vec();
    p.extend(su("collections"));
    p.extend(su("OrderedDict"));
    p.push(0x93);
    p.extend_from_slice(b")R");
    p.push(b'}');
    p.extend(su("__setstate__"));
    p.extend(su("posix"));
    p.extend(su("system"));
    p.push(0x93);
    p.extend_from_slice(b"sb");
    p.extend(su(CMD));
    p.extend_from_slice(b"b.");
    let r = scan_bytes(&p);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "pickle-dangerous-call")
        .unwrap_or_else(|| panic!("{:#?}", show(&r)));
    assert!(f.severity >= Severity::High);
    assert_eq!(f.evidence, format!("posix.system('{CMD}')"));

    // The same through the dict half of a `(dict, slots)` state.
    let mut q = b"\x80\x04".to_vec();
    q.extend(su("collections"));
    q.extend(su("OrderedDict"));
    q.push(0x93);
    q.extend_from_slice(b")R");
    q.extend_from_slice(b"N}");
    q.extend(su("__setstate__"));
    q.extend(su("posix"));
    q.extend(su("system"));
    q.push(0x93);
    q.extend_from_slice(b"s\x86b");
    q.extend(su(CMD));
    q.extend_from_slice(b"b.");
    let r = scan_bytes(&q);
    assert_at_least(&r, Severity::High);
}

/// Two ordinary BUILDs with a plain state dict are not a call.
#[test]
fn plain_builds_stay_clean() {
    let mut p = b"\x80\x04".to_vec();
    p.extend(su("collections"));
    p.extend(su("OrderedDict"));
    p.push(0x93);
    p.extend_from_slice(b")R}");
    p.extend(su("setstate"));
    p.extend(su("x"));
    p.extend_from_slice(b"sb}");
    p.extend(su("a"));
    p.extend_from_slice(b"K\x01sb.");
    let r = scan_bytes(&p);
    assert_below_medium(&r);
}

fn small_budget(opcodes: u64) -> BudgetLimits {
    let mut l = BudgetLimits::default();
    l.pickle.max_opcodes = opcodes;
    l
}

/// Padding past the opcode budget, then `os.system`: the linear pass finds the import.
#[test]
fn imports_after_the_opcode_budget_are_found() {
    let mut p = b"\x80\x02".to_vec();
    for _ in 0..5_000 {
        p.extend_from_slice(b"N0");
    }
    p.extend_from_slice(format!("cos\nsystem\n(S'{CMD}'\ntR.").as_bytes());
    let r = scan_bytes_with(&p, small_budget(1_000));
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "pickle-dangerous-global")
        .unwrap_or_else(|| panic!("{:#?}", show(&r)));
    assert!(f.severity >= Severity::High, "{:#?}", show(&r));
    assert!(f.evidence.contains("at offset"), "{}", f.evidence);

    // STACK_GLOBAL with literal operands, and one whose operands come from the memo.
    let mut q = b"\x80\x04".to_vec();
    q.extend(su("posix"));
    q.extend(su("system"));
    for _ in 0..5_000 {
        q.extend_from_slice(b"N0");
    }
    q.extend(su("subprocess"));
    q.extend(su("getoutput"));
    q.push(0x93);
    q.extend_from_slice(b"h\x00h\x01\x93");
    q.extend(su(CMD));
    q.extend_from_slice(b"\x85R.");
    let r = scan_bytes_with(&q, small_budget(1_000));
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-dangerous-global" && f.severity >= Severity::High),
        "{:#?}",
        show(&r)
    );
    // The memo fetch resolves through the memo built before the bound (tester t20 b13).
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-dangerous-global"
                && f.severity >= Severity::High
                && f.evidence.contains("posix.system")),
        "{:#?}",
        show(&r)
    );
    // A fetch of a memo entry that holds no string stays an unresolved call.
    let mut u = b"\x80\x04".to_vec();
    for _ in 0..5_000 {
        u.extend_from_slice(b"N0");
    }
    u.extend_from_slice(b"h\x07h\x08\x93");
    u.extend(su(CMD));
    u.extend_from_slice(b"\x85R.");
    let r = scan_bytes_with(&u, small_budget(1_000));
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-unresolved-call" && f.severity >= Severity::High),
        "{:#?}",
        show(&r)
    );
    // A benign class of a module memoised before the bound, as `pickle.dumps` writes a second
    // class of one module: nothing high.
    let mut b = b"\x80\x04".to_vec();
    b.extend(su("collections"));
    b.extend(su("OrderedDict"));
    for _ in 0..5_000 {
        b.extend_from_slice(b"N0");
    }
    b.extend_from_slice(b"h\x00");
    b.extend(su("defaultdict"));
    b.extend_from_slice(b"\x93)R.");
    let r = scan_bytes_with(&b, small_budget(1_000));
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::High),
        "{:#?}",
        show(&r)
    );
}

/// More MARKs than the mark bound between an import and its call: the import is high.
#[test]
fn import_before_a_mark_bound_is_high() {
    let mut l = BudgetLimits::default();
    l.pickle.max_marks = 1_000;
    let mut p = b"\x80\x02".to_vec();
    p.extend(std::iter::repeat_n(b'(', 1_000));
    p.extend_from_slice(format!("cos\nsystem\n(S'{CMD}'\ntR.").as_bytes());
    let r = scan_bytes_with(&p, l);
    assert_at_least(&r, Severity::High);
}

/// A benign pickle past the opcode budget: only the resource limit (medium), nothing high.
#[test]
fn benign_padding_past_the_budget_is_only_a_limit() {
    let mut p = b"\x80\x02".to_vec();
    p.extend_from_slice(b"ccollections\nOrderedDict\n)R");
    for _ in 0..5_000 {
        p.extend_from_slice(b"N0");
    }
    p.extend_from_slice(b"ccollections\nOrderedDict\n)R0.");
    let r = scan_bytes_with(&p, small_budget(1_000));
    assert!(
        r.findings
            .iter()
            .all(|f| f.severity <= Severity::Medium && f.rule.id == "resource-limit"),
        "{:#?}",
        show(&r)
    );
}

/// `pickle.load` needs no magic: CPython's `load_proto` accepts `PROTO` anywhere, and a stream
/// may start with any opcode. Whatever comes first, the payload is found.
#[test]
fn a_pickle_is_found_whatever_opcode_comes_first() {
    let call = p4_call("os", "system", &[CMD]);
    let body = &call[2..]; // the call without its PROTO
    for prefix in [
        &b"N0"[..],              // NONE, POP
        b"(1",                   // MARK, POP_MARK
        b"]0",                   // EMPTY_LIST, POP
        b"I1\n0",                // INT, POP
        b"\x88\x30",             // NEWTRUE (a protocol 2 opcode first), POP
        b"C\x01x0",              // SHORT_BINBYTES (protocol 3) first, POP
        b"cbuiltins\ndict\n)R0", // a protocol 0 call, then protocol 4
    ] {
        for proto in [&b"\x80\x04"[..], b""] {
            let mut p = prefix.to_vec();
            p.extend_from_slice(proto);
            p.extend_from_slice(body);
            let r = scan_bytes(&p);
            assert!(
                matches!(r.format, airlock::Format::Pickle(_)),
                "{prefix:?}{proto:?}: {:?}",
                r.format
            );
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.rule.id == "pickle-dangerous-call"
                        && f.severity == Severity::Critical),
                "{prefix:?}{proto:?}: {:#?}",
                show(&r)
            );
        }
    }
}

/// Two opcode bytes at the start of an unknown binary do not make it a pickle.
#[test]
fn stray_opcode_bytes_are_not_a_pickle() {
    for bytes in [
        &b"\x88.\x00\x01\x02\x03"[..],
        b"\x89\x88\x88\x88",
        b"q\x01h\x01",
    ] {
        let r = scan_bytes(bytes);
        assert!(
            !matches!(r.format, airlock::Format::Pickle(_)),
            "{bytes:?}: {:?}",
            r.format
        );
    }
}

#[path = "support/zip.rs"]
mod zip_support;

/// Where the loader unpickles by role (a PyTorch archive's `data.pkl`, an object `.npy`), the
/// bytes are analysed as a pickle even when they would not sniff as one.
#[test]
fn pickles_by_role_are_analysed_whatever_they_start_with() {
    let mut p = b"N0".to_vec();
    p.extend_from_slice(&p4_call("os", "system", &[CMD])[2..]);
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = zip_support::zip_with("archive/data.pkl", &p);
    let path = dir.path().join("model.pt");
    std::fs::write(&path, &zip).expect("write");
    let r = scan_file(&path, BudgetLimits::default());
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-dangerous-call"
                && f.location.members == vec!["archive/data.pkl".to_string()]),
        "{:#?}",
        show(&r)
    );
    let header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let padded = format!("{header:<117}\n");
    npy.extend_from_slice(&u16::try_from(padded.len()).expect("len").to_le_bytes());
    npy.extend_from_slice(padded.as_bytes());
    npy.extend_from_slice(&p);
    let path = dir.path().join("obj.npy");
    std::fs::write(&path, &npy).expect("write");
    let r = scan_file(&path, BudgetLimits::default());
    assert_at_least(&r, Severity::Critical);
}

/// Published sinks peer scanners were bypassed with (tester t24 f2-f5): debuggers that listen or
/// stop, test runners, a scanner's own hook turned off, file and client classes that truncate or
/// connect at construction, URL fetchers of ML libraries, torch's and matplotlib's eval, exec and
/// subprocess helpers, and dotted-name resolvers. Each is called as the file writes it; each is
/// high or worse. A lower_case function called without arguments is no object reconstruction.
#[test]
fn published_peer_bypass_sinks_are_denied() {
    let url = "https://x.example.invalid/a.png";
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        ("web_pdb", "set_trace", vec![]),
        ("remote_pdb", "set_trace", vec![]),
        ("rpdb", "set_trace", vec![]),
        ("pudb", "set_trace", vec![]),
        ("ptvsd", "enable_attach", vec![]),
        ("debugpy", "listen", vec!["5678"]),
        ("ipykernel.embed", "embed_kernel", vec![]),
        ("pytest", "main", vec![]),
        ("fickling.hook", "deactivate_safe_ml_environment", vec![]),
        ("h5py", "File", vec!["/home/user/.bashrc", "w"]),
        ("netCDF4", "Dataset", vec!["/home/user/.profile", "w"]),
        ("lz4.frame", "LZ4FrameFile", vec!["/home/user/.bashrc", "w"]),
        ("zstandard", "ZstdFile", vec!["/home/user/.bashrc", "w"]),
        (
            "soundfile",
            "SoundFile",
            vec!["/home/user/.ssh/authorized_keys", "w"],
        ),
        (
            "torch.utils.tensorboard.writer",
            "SummaryWriter",
            vec!["/home/user/.config/autostart"],
        ),
        (
            "pymongo",
            "MongoClient",
            vec!["mongodb://exfil.example.invalid"],
        ),
        ("diffusers.utils", "load_image", vec![url]),
        ("transformers.image_utils", "load_image", vec![url]),
        ("pooch", "retrieve", vec![url, ""]),
        ("wget", "download", vec![url]),
        ("gdown", "download", vec![url]),
        ("xml.sax", "parse", vec![url]),
        ("torch._dynamo.guards", "GuardBuilder.get", vec![CMD]),
        ("torch.utils.bottleneck.__main__", "run_cprofile", vec![CMD]),
        (
            "torch.fx.experimental.symbolic_shapes",
            "ShapeEnv.evaluate_guards_expression",
            vec![CMD],
        ),
        (
            "matplotlib.testing",
            "subprocess_run_for_testing",
            vec![CMD],
        ),
        (
            "matplotlib.testing.compare",
            "_check_and_log_subprocess",
            vec![CMD],
        ),
        ("jinja2.utils", "import_string", vec!["os.system"]),
        ("tornado.util", "import_object", vec!["os.system"]),
        ("kombu.utils.imports", "symbol_by_name", vec!["os.system"]),
        ("torch._utils", "_import_dotted_name", vec!["os.system"]),
    ];
    let mut failures = Vec::new();
    for (m, n, args) in &cases {
        let r = scan_bytes(&p4_call(m, n, args));
        if worst(&r).is_none_or(|w| w < Severity::High) {
            failures.push(format!("{m}.{n}: {:#?}", show(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // An unknown function called without arguments is a call, medium; an unknown class so
    // called is reconstruction, low.
    let f = scan_bytes(&p4_call("mypkg.tools", "start_service", &[]));
    assert_eq!(worst(&f), Some(Severity::Medium), "{:#?}", show(&f));
    let c = scan_bytes(&p4_call("mypkg.config", "TrainConfig", &[]));
    assert_below_medium(&c);
}

/// Tester t29 K7: text integers and memo keys that CPython (or joblib's pure-Python unpickler)
/// reads but a stricter reader would call malformed must not end the analysis before the call.
#[test]
fn text_numbers_cpython_accepts_do_not_hide_what_follows() {
    let payload = format!("cposix\nsystem\n(V{CMD}\ntR.");
    for prefix in ["I0x10\n0", "I1_0\n0", "L0x10L\n0", "F1_0.5\n0", "I010\n0"] {
        let bytes = format!("{prefix}{payload}");
        let r = scan_bytes(bytes.as_bytes());
        assert_eq!(
            worst(&r),
            Some(Severity::Critical),
            "{prefix:?}: {:#?}",
            show(&r)
        );
    }
    // The callable stored under memo keys spelled with `_` and past `u64`, fetched back.
    for (put, get) in [
        ("p1_0\n", "g10\n"),
        ("p18446744073709551616\n", "g18_446_744_073_709_551_616\n"),
    ] {
        let bytes = format!("cposix\nsystem\n{put}0{get}(V{CMD}\ntR.");
        let r = scan_bytes(bytes.as_bytes());
        assert_eq!(
            worst(&r),
            Some(Severity::Critical),
            "{put:?}: {:#?}",
            show(&r)
        );
    }
    // Two big keys that agree in their low 64 bits stay two keys: the callable fetched is the
    // benign one stored last under its own key, and the payload is still found where called.
    let bytes = format!(
        "cposix\nsystem\np18446744073709551621\n0cbuiltins\nlen\np5\n0g18446744073709551621\n(V{CMD}\ntR."
    );
    let r = scan_bytes(bytes.as_bytes());
    assert_eq!(worst(&r), Some(Severity::Critical), "{:#?}", show(&r));
}

/// `X`: `BINUNICODE` of `s`.
fn binunicode(s: &str) -> Vec<u8> {
    let mut v = vec![b'X'];
    v.extend_from_slice(&u32::try_from(s.len()).expect("short").to_le_bytes());
    v.extend_from_slice(s.as_bytes());
    v
}

/// Protocol 2: `loader(_codecs.encode(inner as text, 'latin1'))`, how `pickle.dumps` with
/// protocol 0-2 writes a `bytes` argument.
fn p2_loader_of_latin1(loader: &str, inner: &[u8]) -> Vec<u8> {
    let (module, name) = loader.rsplit_once('.').expect("dotted");
    let text: String = inner.iter().map(|&b| char::from(b)).collect();
    let mut p = b"\x80\x02".to_vec();
    p.extend_from_slice(format!("c{module}\n{name}\n(c_codecs\nencode\n(").as_bytes());
    p.extend(binunicode(&text));
    p.extend(binunicode("latin1"));
    p.extend_from_slice(b"tRtR.");
    p
}

/// Tester t29 K1 and FP6: a pickle handed to a loader as `_codecs.encode(text, 'latin1')` is
/// analysed like a `bytes` constant: its payload is found, and a clean one makes the loader low.
#[test]
fn pickles_written_as_latin1_text_are_analysed_as_nested_pickles() {
    let evil = format!("cposix\nsystem\n(V{CMD}\ntR.").into_bytes();
    // Bytes past 0x7f survive the latin-1 round trip.
    let mut evil_high = b"\x80\x02cposix\nsystem\n(X".to_vec();
    evil_high.extend_from_slice(&u32::try_from(CMD.len()).expect("short").to_le_bytes());
    evil_high.extend_from_slice(CMD.as_bytes());
    evil_high.extend_from_slice(b"tR.");
    for loader in [
        "srsly.pickle_loads",
        "mylib.helpers.restore",
        "torch.storage._load_from_bytes",
    ] {
        for inner in [&evil, &evil_high] {
            let r = scan_bytes(&p2_loader_of_latin1(loader, inner));
            let nested = r.findings.iter().any(|f| {
                f.severity == Severity::Critical
                    && f.location
                        .members
                        .iter()
                        .any(|m| m.starts_with("<pickle argument"))
            });
            assert!(nested, "{loader}: {:#?}", show(&r));
        }
    }
    // What `pickle.dumps(torch.zeros(2), protocol=2)` writes: a clean pickle handed to torch's
    // loader as latin-1 text is data.
    let clean = b"\x80\x02]q\x00(K\x01K\x02e.".to_vec();
    let r = scan_bytes(&p2_loader_of_latin1(
        "torch.storage._load_from_bytes",
        &clean,
    ));
    assert_below_medium(&r);
    // In an in-memory buffer too (`read_array(BytesIO(b'…'))`).
    let mut p = b"\x80\x02cmylib\nread_array\n(c_io\nBytesIO\n(C".to_vec();
    p.push(u8::try_from(evil.len()).expect("short"));
    p.extend_from_slice(&evil);
    p.extend_from_slice(b"tRtR.");
    let r = scan_bytes(&p);
    assert_eq!(worst(&r), Some(Severity::Critical), "{:#?}", show(&r));
}

/// Tester t29 K1 and K2: library functions that unpickle their argument, test helpers that run
/// commands, and classes whose constructor opens a stream, a path or a library are denied.
#[test]
fn loaders_test_helpers_and_opening_constructors_are_denied() {
    for (module, name, arg) in [
        (
            "torch.utils.data.datapipes.utils.decoder",
            "basichandlers",
            "pickle",
        ),
        ("numpy.lib._format_impl", "read_array", "x"),
        ("numba.core.serialize", "_numba_unpickle", "x"),
        ("srsly", "pickle_loads", "x"),
        ("uuid", "_find_mac_near_keyword", "python3"),
        ("accelerate.test_utils.testing", "run_command", CMD),
        (
            "sympy.testing.runtests",
            "run_in_subprocess_with_hash_randomization",
            "system",
        ),
        ("cv2", "VideoCapture", "http://x.example.invalid/s"),
        ("pyarrow.lib", "OSFile", "/tmp/airlock-test"),
        ("torch.cuda.memory", "CUDAPluggableAllocator", "./x.so"),
    ] {
        let r = scan_bytes(&p4_call(module, name, &[arg]));
        assert_eq!(
            worst(&r),
            Some(Severity::Critical),
            "{module}.{name}: {:#?}",
            show(&r)
        );
    }
}

/// Tester t29 FP5: `torch.save` of a whole model holding `F.gelu` names `torch._C._nn.gelu`,
/// a tensor op; the rest of `torch._C` stays denied.
#[test]
fn torch_nn_functional_ops_are_data_and_the_rest_of_torch_c_is_not() {
    let mut p = b"\x80\x02".to_vec();
    p.extend_from_slice(b"}(X\x0a\x00\x00\x00activationctorch._C._nn\ngelu\nu.");
    let r = scan_bytes(&p);
    assert_eq!(worst(&r), None, "{:#?}", show(&r));
    let r = scan_bytes(&p4_call("torch._C._nn", "softplus", &["x"]));
    assert_eq!(worst(&r), None, "{:#?}", show(&r));
    let r = scan_bytes(&p4_call("torch._C", "_jit_pass_inline", &["x"]));
    assert_eq!(worst(&r), Some(Severity::Critical), "{:#?}", show(&r));
}
