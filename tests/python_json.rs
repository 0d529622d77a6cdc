//! JSON (and the JSON and YAML that PyYAML reads) is read as the Python loaders read it
//! (tester t29 K9): a lone surrogate escape (`"\ud800"`), a number beyond f64 (`1e400`, Python's
//! `inf`) or `NaN` anywhere in a file does not make airlock give up on the whole file, so the
//! chat template, Keras layer, `auto_map`, `_target_` or skops type beside it is judged as it is
//! without the twist. Fixtures are built here in a temporary folder; payloads only `echo`.

use std::io::Write;
use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan, scan_file, ScanOptions, ScanReport};
use airlock::Severity;

/// What a loader's `json` reads and a strict parser refuses, spliced in as a key's value.
const TWISTS: &[&str] = &[
    r#""\ud800""#,
    r#""\udfff tail""#,
    r#""\ud83d\u0041""#,
    "1e400",
    "-1E+999",
    "NaN",
    "-Infinity",
];

fn scan_named(dir: &Path, name: &str, bytes: &[u8]) -> (Vec<(&'static str, Severity)>, String) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, bytes).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    (
        r.findings.iter().map(|f| (f.rule.id, f.severity)).collect(),
        r.format.name().to_string(),
    )
}

fn scan_dir(root: &Path) -> ScanReport {
    let opts = ScanOptions {
        paths: vec![root.to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    scan(&opts, &|_, _| {}).expect("scan")
}

#[test]
fn a_tokenizer_config_with_a_twist_still_has_its_template_judged() {
    let dir = tempfile::tempdir().expect("tempdir");
    for twist in TWISTS {
        let cfg = format!(
            r#"{{"bos_token": "<s>", "x": {twist}, "chat_template": "{{{{ ().__class__.__base__.__subclasses__() }}}}"}}"#
        );
        let (got, format) = scan_named(dir.path(), "tokenizer_config.json", cfg.as_bytes());
        assert!(
            got.contains(&("chat-template-sandbox-escape", Severity::Critical)),
            "{twist}: {format} {got:?}"
        );
    }
    // The twist in the template's own text: the template is judged with U+FFFD in its place.
    let cfg = r#"{"chat_template": "{{ cycler.__init__.__globals__.os.popen('echo \ud800') }}"}"#;
    let (got, _) = scan_named(dir.path(), "tokenizer_config.json", cfg.as_bytes());
    assert!(got.iter().any(|(_, s)| *s >= Severity::High), "{got:?}");
    // A duplicate key behind a lone surrogate is still reported.
    let cfg =
        r#"{"x": "\ud800", "chat_template": "{{ messages }}", "chat_template": "{{ bos_token }}"}"#;
    let (got, _) = scan_named(dir.path(), "tokenizer_config.json", cfg.as_bytes());
    assert!(
        got.contains(&("json-duplicate-key", Severity::Medium)),
        "{got:?}"
    );
}

#[test]
fn an_instantiate_config_with_a_twist_still_has_its_targets_judged() {
    let dir = tempfile::tempdir().expect("tempdir");
    for twist in TWISTS {
        let cfg = format!(
            r#"{{"note": {twist}, "model": {{"_target_": "os.system", "_args_": ["echo airlock-test"]}}}}"#
        );
        let (got, _) = scan_named(dir.path(), "config.json", cfg.as_bytes());
        assert!(
            got.contains(&("config-target-call", Severity::Critical)),
            "{twist}: {got:?}"
        );
    }
    // YAML: PyYAML reads `\ud800`, `\U0000DC00` and an escaped pair in a double-quoted scalar.
    for twist in [r#""\ud800""#, r#""\U0000DC00""#, r#""\ud83d\ude00""#] {
        let cfg = format!(
            "note: {twist}\nmodel:\n  _target_: os.system\n  _args_: ['echo airlock-test']\n"
        );
        let (got, _) = scan_named(dir.path(), "config.yaml", cfg.as_bytes());
        assert!(
            got.contains(&("config-target-call", Severity::Critical)),
            "{twist}: {got:?}"
        );
    }
}

#[test]
fn a_config_json_with_a_twist_still_names_its_remote_code() {
    for twist in TWISTS {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = format!(
            r#"{{"model_type": "x", "name": {twist}, "auto_map": {{"AutoModel": "modeling_x.XModel"}}}}"#
        );
        std::fs::write(dir.path().join("config.json"), cfg).expect("write");
        std::fs::write(
            dir.path().join("modeling_x.py"),
            "import os\nos.system('echo airlock-test')\n\nclass XModel:\n    pass\n",
        )
        .expect("write");
        let report = scan_dir(dir.path());
        let remote: Vec<_> = report
            .files
            .iter()
            .flat_map(|f| f.findings.iter())
            .filter(|f| f.rule.id == "remote-code")
            .collect();
        assert_eq!(remote.len(), 1, "{twist}");
    }
}

#[test]
fn a_skops_schema_with_a_twist_still_has_its_types_judged() {
    let schema = r#"{"__class__": "Pipeline", "__module__": "sklearn.pipeline", "__loader__": "ObjectNode", "protocol": 2, "_skops_version": "0.10.0", "note": "\ud800", "big": 1e400,
        "content": {"__class__": "system", "__module__": "os", "__loader__": "TypeNode"}}"#;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("schema.json", zip::write::SimpleFileOptions::default())
        .expect("member");
    w.write_all(schema.as_bytes()).expect("write");
    let bytes = w.finish().expect("finish").into_inner();
    let dir = tempfile::tempdir().expect("tempdir");
    let (got, format) = scan_named(dir.path(), "model.skops", &bytes);
    assert_eq!(format, "skops");
    assert!(
        got.iter()
            .any(|(id, s)| *id == "skops-unsafe-type" && *s >= Severity::High),
        "{got:?}"
    );
}

/// Strictness that Python shares stays: a document Python refuses is not read.
#[test]
fn what_python_refuses_is_still_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = r#"{"x": 'single', "chat_template": "{{ ().__class__ }}"}"#;
    let (got, format) = scan_named(dir.path(), "tokenizer_config.json", cfg.as_bytes());
    assert!(
        !got.contains(&("chat-template-sandbox-escape", Severity::Critical)),
        "{format} {got:?}"
    );
}
