//! skops archives (`.skops`): the types `schema.json` names, graded by what `skops.io.load`
//! does with each (docs/rules/skops-unsafe-type.md). Fixtures are built here and inert.

use std::io::Write;

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan, ScanOptions};
use airlock::Severity;

/// A skops archive: `schema.json` and one array member.
fn skops(schema: &serde_json::Value) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("schema.json", opts).expect("member");
    w.write_all(&serde_json::to_vec(schema).expect("json"))
        .expect("write");
    w.start_file("coef.npy", opts).expect("member");
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
    let pad = 64 - (10 + header.len() + 1) % 64;
    let h = format!("{header}{}\n", " ".repeat(pad % 64));
    npy.extend_from_slice(&u16::try_from(h.len()).expect("short").to_le_bytes());
    npy.extend_from_slice(h.as_bytes());
    npy.extend_from_slice(&[0u8; 8]);
    w.write_all(&npy).expect("write");
    w.finish().expect("finish").into_inner()
}

fn node(module: &str, class: &str, loader: &str) -> serde_json::Value {
    serde_json::json!({"__module__": module, "__class__": class, "__loader__": loader})
}

fn json_str(s: &str) -> serde_json::Value {
    serde_json::json!({"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
        "content": serde_json::to_string(s).expect("json"), "is_json": true})
}

/// A pipeline holding `inner` as a `FunctionTransformer`'s `func`, beside a fitted estimator.
fn pipeline(inner: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "__class__": "Pipeline", "__module__": "sklearn.pipeline", "__loader__": "ObjectNode",
        "protocol": 2, "_skops_version": "0.10.0",
        "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
            "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": []},
            "content": {
                "f": {"__class__": "FunctionTransformer", "__module__": "sklearn.preprocessing._function_transformer",
                    "__loader__": "ObjectNode", "content": {"__class__": "dict", "__module__": "builtins",
                        "__loader__": "DictNode", "content": {"func": inner}}},
                "coef_": {"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode",
                    "type": "numpy", "file": "coef.npy"}
            }}
    })
}

/// The worst `skops-unsafe-type` severity and every finding of the scan of one archive.
fn scan_one(bytes: &[u8]) -> (Option<Severity>, Vec<String>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("model.skops");
    std::fs::write(&p, bytes).expect("write");
    let opts = ScanOptions {
        paths: vec![p],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    let report = scan(&opts, &|_, _| {}).expect("scan");
    let f = &report.files[0];
    let all: Vec<String> = f
        .findings
        .iter()
        .map(|x| format!("{} {:?} {}", x.rule.id, x.severity, x.message))
        .collect();
    let worst = f
        .findings
        .iter()
        .filter(|x| x.rule.id == "skops-unsafe-type")
        .map(|x| x.severity)
        .max();
    (worst, all, f.format.name().to_string())
}

#[test]
fn a_fitted_sklearn_pipeline_is_clean() {
    let (worst, all, format) = scan_one(&skops(&pipeline(node("numpy", "log1p", "FunctionNode"))));
    assert_eq!(format, "skops");
    // A NumPy function handed to a FunctionTransformer: outside the allowlist (functions are
    // not data), so never clean, but low.
    assert_eq!(worst, Some(Severity::Low), "{all:?}");
    assert!(
        all.iter()
            .all(|f| !f.contains("Medium") && !f.contains("High")),
        "{all:?}"
    );
}

#[test]
fn callables_that_run_code_are_high_whatever_the_node() {
    let methodcaller = serde_json::json!({"__class__": "methodcaller", "__module__": "operator",
        "__loader__": "OperatorFuncNode",
        "attrs": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
            "content": [json_str("system"), json_str("echo airlock")]}});
    let cases = [
        (
            "a function handed to FunctionTransformer",
            node("os", "system", "FunctionNode"),
        ),
        (
            "a type called with its content",
            serde_json::json!({"__class__": "eval", "__module__": "builtins",
                "__loader__": "ConstructorFromReduceNode",
                "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                    "content": [json_str("print('airlock')")]}}),
        ),
        (
            "operator.call under a trusted-looking module (CVE-2025-54412)",
            node("sklearn.preprocessing._data", "call", "OperatorFuncNode"),
        ),
        ("methodcaller of system", methodcaller),
        (
            "a container node of a process class",
            node("subprocess", "Popen", "ListNode"),
        ),
    ];
    for (what, inner) in cases {
        let (worst, all, _) = scan_one(&skops(&pipeline(inner)));
        assert!(
            worst.is_some_and(|s| s >= Severity::High),
            "{what}: {all:?}"
        );
    }
}

#[test]
fn unknown_classes_rebuilt_from_state_are_low_and_unknown_calls_medium() {
    let (worst, all, _) = scan_one(&skops(&pipeline(node(
        "mylib.features",
        "Scaler",
        "ObjectNode",
    ))));
    assert_eq!(worst, Some(Severity::Low), "{all:?}");
    let (worst, all, _) = scan_one(&skops(&pipeline(node(
        "mylib.features",
        "make_features",
        "ConstructorFromReduceNode",
    ))));
    assert_eq!(worst, Some(Severity::Medium), "{all:?}");
    // A plain attrgetter is what skops itself writes for sklearn scorers.
    let getter = serde_json::json!({"__class__": "attrgetter", "__module__": "operator",
        "__loader__": "OperatorFuncNode",
        "attrs": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
            "content": [json_str("coef_")]}});
    let (worst, all, _) = scan_one(&skops(&pipeline(getter)));
    assert_eq!(worst, None, "{all:?}");
}

#[test]
fn a_deeply_nested_schema_is_a_bound_not_a_panic() {
    let mut s = String::new();
    for _ in 0..100_000 {
        s.push_str("{\"a\":");
    }
    s.push('1');
    for _ in 0..100_000 {
        s.push('}');
    }
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("schema.json", zip::write::SimpleFileOptions::default())
        .expect("member");
    w.write_all(s.as_bytes()).expect("write");
    let bytes = w.finish().expect("finish").into_inner();
    let (_, all, format) = scan_one(&bytes);
    assert_eq!(format, "skops");
    assert!(
        all.iter().any(|f| f.starts_with("resource-limit")),
        "{all:?}"
    );
}
