//! Duplicated keys in the JSON documents loaders read (`json-duplicate-key`): safetensors
//! headers, Keras configs, tokenizer configs and a repository's `config.json`, where serde_json
//! and Python keep the last copy and other readers the first. GGUF metadata, which is not JSON,
//! reports its duplicates as `gguf-malformed` (llama.cpp refuses them).

use std::path::Path;

use airlock::analyse::{BudgetLimits, Ctx};
use airlock::finding::{Finding, Span};
use airlock::scan::{scan, scan_file, FileReport, ScanOptions};
use airlock::{Location, Severity, Verdict};

fn scan_bytes(dir: &Path, name: &str, data: &[u8]) -> FileReport {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write");
    scan_file(&p, BudgetLimits::default())
}

/// A safetensors file with `header` (padded to 8 bytes) and `data` bytes of tensor data.
fn safetensors(header: &str, data: usize) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    while h.len() % 8 != 0 {
        h.push(b' ');
    }
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend(std::iter::repeat_n(0u8, data));
    out
}

/// (pointer, severity, evidence) of the `json-duplicate-key` findings.
fn duplicates(findings: &[Finding]) -> Vec<(String, Severity, String)> {
    findings
        .iter()
        .filter(|f| f.rule.id == "json-duplicate-key")
        .map(|f| {
            let pointer = match &f.location.span {
                Some(Span::JsonPointer { pointer }) => pointer.clone(),
                other => format!("{other:?}"),
            };
            (pointer, f.severity, f.evidence.clone())
        })
        .collect()
}

#[test]
fn a_safetensors_tensor_named_twice_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two entries for `w`: serde_json (the `safetensors` crate) keeps the second, a reader built
    // on RapidJSON or simdjson the first. The crate accepts the header.
    let header = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#;
    let r = scan_bytes(dir.path(), "dup.safetensors", &safetensors(header, 8));
    assert_eq!(
        duplicates(&r.findings),
        vec![(
            "/w".to_string(),
            Severity::Medium,
            r#"key "w" twice in the object at the top level"#.to_string()
        )]
    );
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule.id != "safetensors-invalid-header"),
        "{:?}",
        r.findings
    );
    // Inside `__metadata__`, and a key spelled with an escape is the same key.
    let header = r#"{"__metadata__":{"format":"pt","form\u0061t":"tf"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let r = scan_bytes(dir.path(), "meta.safetensors", &safetensors(header, 8));
    assert_eq!(
        duplicates(&r.findings),
        vec![(
            "/__metadata__/format".to_string(),
            Severity::Medium,
            r#"key "format" twice in the object at /__metadata__"#.to_string()
        )]
    );
    // The same tensors named once each: nothing.
    let header = r#"{"v":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    let r = scan_bytes(dir.path(), "ok.safetensors", &safetensors(header, 8));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn a_keras_config_field_given_twice_is_reported() {
    // The layer reads as `Dense` to Keras (the last copy) and as `Lambda` to a first-wins reader.
    let config = br#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "class_name": "Dense", "config": {"units": 1}}]}}"#;
    let mut ctx = Ctx::new(BudgetLimits::default());
    let loc = Location::file("model.keras").member("config.json");
    airlock::formats::keras::analyse_json(&mut ctx, config, &loc, &Location::file("model.keras"));
    assert_eq!(
        duplicates(&ctx.findings),
        vec![(
            "/config/layers/0/class_name".to_string(),
            Severity::Medium,
            r#"key "class_name" twice in the object at /config/layers/0"#.to_string()
        )]
    );
}

#[test]
fn every_copy_of_a_duplicated_chat_template_is_judged() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The escape sits in the first copy, which Python's json drops; a first-wins reader keeps it.
    let config = r#"{"chat_template": "{{ cycler.__init__.__globals__.os.popen('echo airlock-test') }}", "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}"}"#;
    let r = scan_bytes(dir.path(), "tokenizer_config.json", config.as_bytes());
    assert_eq!(
        duplicates(&r.findings),
        vec![(
            "/chat_template".to_string(),
            Severity::Medium,
            r#"key "chat_template" twice in the object at the top level"#.to_string()
        )]
    );
    assert!(
        r.findings.iter().any(
            |f| f.rule.id == "chat-template-sandbox-escape" && f.severity == Severity::Critical
        ),
        "{:?}",
        r.findings
    );
}

#[test]
fn a_repository_config_with_two_auto_maps_is_reported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("config.json"),
        br#"{"model_type": "x", "auto_map": {"AutoModel": "evil.Model"}, "auto_map": {"AutoModel": "modeling.Model"}}"#,
    )
    .expect("write");
    let opts = ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    let report = scan(&opts, &|_, _| {}).expect("scan");
    let found: Vec<_> = report
        .files
        .iter()
        .flat_map(|f| duplicates(&f.findings))
        .collect();
    assert_eq!(
        found,
        vec![(
            "/auto_map".to_string(),
            Severity::Medium,
            r#"key "auto_map" twice in the object at the top level"#.to_string()
        )]
    );
}
