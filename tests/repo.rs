//! Hugging Face repositories (issue 4, repository level): fixture repositories built here in a
//! temporary folder, inert (the "malicious" code only echoes), scanned as a whole.

use std::path::{Path, PathBuf};

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan, ScanOptions, ScanReport};
use airlock::Severity;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, bytes).expect("write");
    p
}

/// A safetensors file holding one F32 scalar per name.
fn safetensors(names: &[&str]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    for (i, n) in names.iter().enumerate() {
        header.insert(
            n.to_string(),
            serde_json::json!({"dtype": "F32", "shape": [1], "data_offsets": [i * 4, i * 4 + 4]}),
        );
    }
    let h = serde_json::to_vec(&header).expect("json");
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend(std::iter::repeat_n(0u8, names.len() * 4));
    out
}

fn index(map: &[(&str, &str)]) -> Vec<u8> {
    let m: serde_json::Map<String, serde_json::Value> = map
        .iter()
        .map(|(t, s)| (t.to_string(), serde_json::Value::from(*s)))
        .collect();
    serde_json::to_vec(&serde_json::json!({"metadata": {"total_size": 8}, "weight_map": m}))
        .expect("json")
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

/// Findings of `rule` as (file name, severity, message).
fn fired(report: &ScanReport, rule: &str) -> Vec<(String, Severity, String)> {
    report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().map(move |x| (f, x)))
        .filter(|(_, x)| x.rule.id == rule)
        .map(|(f, x)| {
            (
                f.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                x.severity,
                x.message.clone(),
            )
        })
        .collect()
}

fn worst_of(report: &ScanReport, name: &str) -> Option<Severity> {
    report
        .files
        .iter()
        .find(|f| f.path.file_name().is_some_and(|n| n == name))
        .and_then(|f| f.worst())
}

const CONFIG_REMOTE: &[u8] =
    br#"{"model_type": "evil", "auto_map": {"AutoConfig": "configuration_evil.EvilConfig", "AutoModelForCausalLM": "modeling_evil.EvilModel"}}"#;

#[test]
fn malicious_auto_map_module_is_remote_code_and_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "config.json", CONFIG_REMOTE);
    write(
        root,
        "modeling_evil.py",
        b"import os\nos.system('echo airlock-test')\n\nclass EvilModel:\n    pass\n",
    );
    // exec of base64-decoded code ("print('airlock-test')").
    write(
        root,
        "configuration_evil.py",
        b"import base64\nexec(base64.b64decode('cHJpbnQoJ2FpcmxvY2stdGVzdCcp'))\n\nclass EvilConfig:\n    pass\n",
    );
    write(root, "model.safetensors", &safetensors(&["w"]));
    let report = scan_dir(root);
    let remote = fired(&report, "remote-code");
    assert_eq!(remote.len(), 2, "{remote:?}");
    assert!(remote
        .iter()
        .all(|(f, s, _)| f == "config.json" && *s == Severity::Medium));
    assert!(
        remote
            .iter()
            .any(|(_, _, m)| m.contains("modeling_evil.py") && m.contains("malicious")),
        "{remote:?}"
    );
    assert!(worst_of(&report, "modeling_evil.py") >= Some(Severity::High));
    assert!(worst_of(&report, "configuration_evil.py") >= Some(Severity::High));
}

#[test]
fn remote_code_from_another_repository_and_missing_module() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "tokenizer_config.json",
        br#"{"auto_map": {"AutoTokenizer": ["other/repo--tokenization_x.XTokenizer", null]}}"#,
    );
    write(
        dir.path(),
        "config.json",
        br#"{"auto_map": {"AutoModel": "modeling_gone.Gone"}}"#,
    );
    let report = scan_dir(dir.path());
    let remote = fired(&report, "remote-code");
    assert!(remote
        .iter()
        .any(|(f, _, m)| f == "tokenizer_config.json" && m.contains("other/repo")));
    assert!(remote
        .iter()
        .any(|(f, _, m)| f == "config.json" && m.contains("not in the folder")));
}

/// `custom_pipelines` in `config.json` (transformers' custom pipeline registration): `pipeline(...,
/// trust_remote_code=True)` imports the module its `impl` names, as for `auto_map`.
#[test]
fn custom_pipelines_impl_is_remote_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "config.json",
        br#"{"model_type": "bert", "custom_pipelines": {"pair-classification": {"impl": "pair_pipe.PairPipeline", "pt": ["AutoModelForSequenceClassification"], "type": "text"}}}"#,
    );
    write(
        root,
        "pair_pipe.py",
        b"import os\nos.system('echo airlock-test')\n\nclass PairPipeline:\n    pass\n",
    );
    write(root, "model.safetensors", &safetensors(&["w"]));
    let report = scan_dir(root);
    let remote = fired(&report, "remote-code");
    assert_eq!(remote.len(), 1, "{remote:?}");
    let (file, severity, message) = &remote[0];
    assert_eq!(
        (file.as_str(), *severity),
        ("config.json", Severity::Medium)
    );
    assert!(
        message.contains("pair_pipe.py") && message.contains("malicious"),
        "{message}"
    );
}

#[test]
fn chat_template_that_escapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "config.json", br#"{"model_type": "llama"}"#);
    write(
        dir.path(),
        "tokenizer_config.json",
        br#"{"chat_template": "{{ ''.__class__.__base__.__subclasses__()[0] }}{% for m in messages %}{{ m.content }}{% endfor %}"}"#,
    );
    let report = scan_dir(dir.path());
    assert!(worst_of(&report, "tokenizer_config.json") >= Some(Severity::High));
    assert!(!fired(&report, "chat-template-sandbox-escape").is_empty());
}

#[test]
fn missing_shard_duplicate_tensor_unreferenced_and_pickle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "config.json", br#"{"model_type": "llama"}"#);
    write(
        root,
        "model.safetensors.index.json",
        &index(&[
            ("a.w", "model-00001-of-00003.safetensors"),
            ("b.w", "model-00002-of-00003.safetensors"),
            ("c.w", "model-00003-of-00003.safetensors"),
        ]),
    );
    write(
        root,
        "model-00001-of-00003.safetensors",
        &safetensors(&["a.w"]),
    );
    // Shard 2 also carries `a.w`: a second copy that replaces the first at load.
    write(
        root,
        "model-00002-of-00003.safetensors",
        &safetensors(&["a.w", "b.w"]),
    );
    write(root, "extra.safetensors", &safetensors(&["x"]));
    write(
        root,
        "pytorch_model.bin",
        b"\x80\x02ccollections\nOrderedDict\n)R.",
    );
    let report = scan_dir(root);
    let missing = fired(&report, "shard-missing");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].1, Severity::High);
    assert!(missing[0].2.contains("model-00003-of-00003.safetensors"));
    let mismatch = fired(&report, "shard-index-mismatch");
    assert_eq!(mismatch.len(), 1, "{mismatch:?}");
    assert_eq!(mismatch[0].0, "model-00002-of-00003.safetensors");
    assert!(report
        .findings()
        .any(|f| f.rule.id == "shard-index-mismatch"
            && f.evidence
                .contains("a.w (index: model-00001-of-00003.safetensors)")));
    let unref = fired(&report, "shard-unreferenced");
    assert_eq!(unref.len(), 1, "{unref:?}");
    assert_eq!(unref[0].0, "extra.safetensors");
    let pickle = fired(&report, "pickle-weights-in-repo");
    assert_eq!(pickle.len(), 1, "{pickle:?}");
    assert!(pickle[0].2.contains("safetensors weights too"));
}

#[test]
fn consistent_sharded_repository_is_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "config.json", br#"{"model_type": "llama"}"#);
    write(
        root,
        "model.safetensors.index.json",
        &index(&[
            ("a.w", "model-00001-of-00002.safetensors"),
            ("b.w", "model-00002-of-00002.safetensors"),
            ("c.w", "model-00002-of-00002.safetensors"),
        ]),
    );
    write(
        root,
        "model-00001-of-00002.safetensors",
        &safetensors(&["a.w"]),
    );
    write(
        root,
        "model-00002-of-00002.safetensors",
        &safetensors(&["c.w", "b.w"]),
    );
    let report = scan_dir(root);
    let all: Vec<_> = report.findings().map(|f| f.rule.id).collect();
    assert!(all.is_empty(), "{all:?}");
}

#[test]
fn index_with_escaping_shard_name_and_duplicate_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "model.safetensors.index.json",
        br#"{"weight_map": {"a": "../../etc/passwd", "b": "x.safetensors", "b": "x.safetensors"}}"#,
    );
    write(dir.path(), "x.safetensors", &safetensors(&["b"]));
    let report = scan_dir(dir.path());
    assert!(fired(&report, "shard-missing")
        .iter()
        .any(|(_, _, m)| m.contains("leaves the repository folder")));
    assert!(fired(&report, "shard-index-mismatch")
        .iter()
        .any(|(_, _, m)| m.contains("twice")));
}

#[test]
fn pickle_only_repository_is_low() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "config.json", br#"{"model_type": "bert"}"#);
    write(
        dir.path(),
        "pytorch_model.bin",
        b"\x80\x02ccollections\nOrderedDict\n)R.",
    );
    let report = scan_dir(dir.path());
    let pickle = fired(&report, "pickle-weights-in-repo");
    assert_eq!(pickle.len(), 1);
    assert_eq!(pickle[0].1, Severity::Low);
    assert!(pickle[0].2.contains("without safetensors"));
}

/// Builds `models--org--name/` with blobs and a snapshot whose files link to them.
fn hf_cache(root: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    let entry = root.join("models--org--name");
    let snap = entry.join("snapshots").join("0123abcd");
    std::fs::create_dir_all(&snap).expect("mkdir");
    std::fs::create_dir_all(entry.join("blobs")).expect("mkdir");
    for (i, (name, bytes)) in files.iter().enumerate() {
        let blob = format!("{i:064x}");
        write(&entry.join("blobs"), &blob, bytes);
        std::os::unix::fs::symlink(format!("../../blobs/{blob}"), snap.join(name)).expect("link");
    }
    entry
}

#[test]
fn hf_cache_links_inside_are_analysed_once_at_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = hf_cache(
        dir.path(),
        &[
            ("config.json", CONFIG_REMOTE),
            (
                "modeling_evil.py",
                b"import os\nos.system('echo airlock-test')\n",
            ),
            (
                "model.safetensors.index.json",
                &index(&[("a", "model-00001-of-00002.safetensors")]),
            ),
            ("model-00001-of-00002.safetensors", &safetensors(&["a"])),
        ],
    );
    // A blob no snapshot names is still analysed, as a blob.
    write(&entry.join("blobs"), "orphan", &safetensors(&["z"]));
    let report = scan_dir(&entry);
    let paths: Vec<String> = report
        .files
        .iter()
        .map(|f| {
            f.path
                .strip_prefix(&entry)
                .expect("inside")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        paths,
        [
            "blobs/orphan",
            "snapshots/0123abcd/config.json",
            "snapshots/0123abcd/model-00001-of-00002.safetensors",
            "snapshots/0123abcd/model.safetensors.index.json",
            "snapshots/0123abcd/modeling_evil.py",
        ]
    );
    assert!(worst_of(&report, "modeling_evil.py") >= Some(Severity::High));
    assert!(fired(&report, "remote-code")
        .iter()
        .any(|(_, _, m)| m.contains("modeling_evil.py") && m.contains("malicious")));
    assert!(fired(&report, "symlink-outside-root").is_empty());
    assert!(fired(&report, "shard-index-mismatch").is_empty());
    assert!(fired(&report, "shard-missing").is_empty());
}

#[test]
fn hf_cache_links_outside_are_reported_not_followed() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = write(
        outside.path(),
        "modeling_x.py",
        b"import os\nos.system('echo airlock-test')\n",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = hf_cache(dir.path(), &[("config.json", br#"{"model_type": "x"}"#)]);
    let snap = entry.join("snapshots").join("0123abcd");
    std::os::unix::fs::symlink(&secret, snap.join("modeling_x.py")).expect("link");
    std::os::unix::fs::symlink("/etc/hostname", snap.join("tokenizer.json")).expect("link");
    let report = scan_dir(&entry);
    let out = fired(&report, "symlink-outside-root");
    assert_eq!(out.len(), 2, "{out:?}");
    // Not followed: nothing from the target was analysed.
    assert!(fired(&report, "python-shell-command").is_empty());
    let linked = report
        .files
        .iter()
        .find(|f| f.path.ends_with("modeling_x.py"))
        .expect("reported");
    assert_eq!(linked.findings.len(), 1);
    assert_eq!(linked.size, 0);
}

/// A link out of the folder at a credential store or a system secret is high and says what it
/// points at; a link elsewhere (a system interpreter, a `.venv` virtual environment) stays medium.
#[test]
fn links_at_secrets_are_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "config.json", br#"{"model_type": "x"}"#);
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, root.join(name)).expect("link");
    };
    link("/root/.ssh/id_rsa", "model.safetensors");
    link("/etc/shadow", "tokenizer.json");
    link("/proc/self/environ", "vocab.txt");
    link("/home/user/project/.env", "special_tokens_map.json");
    link("/usr/bin/python3", "python");
    link("/home/user/.venv", "venv");
    let report = scan_dir(root);
    let mut out = fired(&report, "symlink-outside-root");
    out.sort();
    let got: Vec<(&str, Severity)> = out.iter().map(|(f, s, _)| (f.as_str(), *s)).collect();
    assert_eq!(
        got,
        vec![
            ("model.safetensors", Severity::High),
            ("python", Severity::Medium),
            ("special_tokens_map.json", Severity::High),
            ("tokenizer.json", Severity::High),
            ("venv", Severity::Medium),
            ("vocab.txt", Severity::High),
        ]
    );
    assert!(out[0].2.contains("a credential store"), "{out:?}");
}

/// A virtual environment's interpreter links (`bin/python* -> /usr/bin/python3.11`, as
/// `python -m venv` makes them beside `pyvenv.cfg`) are info (tester t29 FP4); the same link in
/// a folder without `pyvenv.cfg`, or a `bin/` link at another program, stays medium.
#[test]
fn a_venvs_interpreter_links_are_info() {
    let dir = tempfile::tempdir().expect("tempdir");
    let venv = dir.path().join("venv");
    write(
        &venv,
        "pyvenv.cfg",
        b"home = /usr/bin\ninclude-system-site-packages = false\n",
    );
    std::fs::create_dir_all(venv.join("bin")).expect("mkdir");
    for name in ["python", "python3", "python3.11"] {
        std::os::unix::fs::symlink("/usr/bin/python3.11", venv.join("bin").join(name))
            .expect("link");
    }
    std::os::unix::fs::symlink("/usr/bin/curl", venv.join("bin").join("pip-helper")).expect("link");
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(plain.join("bin")).expect("mkdir");
    std::os::unix::fs::symlink("/usr/bin/python3.11", plain.join("bin").join("python"))
        .expect("link");
    let report = scan_dir(dir.path());
    let mut out: Vec<(String, Severity)> = report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().map(move |x| (f, x)))
        .filter(|(_, x)| x.rule.id == "symlink-outside-root")
        .map(|(f, x)| {
            let p = f.path.strip_prefix(dir.path()).expect("inside");
            (p.display().to_string(), x.severity)
        })
        .collect();
    out.sort();
    assert_eq!(
        out,
        vec![
            ("plain/bin/python".to_string(), Severity::Medium),
            ("venv/bin/pip-helper".to_string(), Severity::Medium),
            ("venv/bin/python".to_string(), Severity::Info),
            ("venv/bin/python3".to_string(), Severity::Info),
            ("venv/bin/python3.11".to_string(), Severity::Info),
        ]
    );
}

#[test]
fn a_snapshot_folder_reads_its_own_entrys_blobs_and_no_other_link() {
    // `snapshot_download` returns `models--org--name/snapshots/<rev>`: its links lead to
    // `../../blobs/`, the same cache entry, and are analysed at the link; a link that leaves the
    // entry is still reported and not followed.
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = write(
        outside.path(),
        "modeling_x.py",
        b"import os\nos.system('echo airlock-test')\n",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = hf_cache(
        dir.path(),
        &[(
            "pytorch_model.bin",
            b"\x80\x02cposix\nsystem\nX\x11\x00\x00\x00echo airlock-test\x85R.",
        )],
    );
    let snap = entry.join("snapshots").join("0123abcd");
    std::os::unix::fs::symlink(&secret, snap.join("modeling_x.py")).expect("link");
    let report = scan_dir(&snap);
    assert!(worst_of(&report, "pytorch_model.bin") >= Some(Severity::High));
    let bin = report
        .files
        .iter()
        .find(|f| f.path.ends_with("pytorch_model.bin"))
        .expect("analysed at the link");
    assert!(bin.path.starts_with(&snap));
    assert_eq!(fired(&report, "symlink-outside-root").len(), 1);
    assert!(fired(&report, "python-shell-command").is_empty());
}

/// diffusers' `model_index.json`: a component `[library, class]` whose `<component>/<library>.py`
/// exists is custom code, `_class_name` as `[module, class]` a custom pipeline, and a component
/// whose library is a standard module that does something on import (`antigravity`) is high;
/// `["os", "system"]` only imports `os` (diffusers fails before calling anything). The components
/// of a stock pipeline (`["diffusers", ...]`, `["transformers", ...]`, a diffusers pipeline module
/// such as `stable_diffusion`) are not remote code.
#[test]
fn diffusers_custom_components_are_remote_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "model_index.json",
        br#"{"_class_name": ["pipeline_evil", "EvilPipeline"], "_diffusers_version": "0.30.0",
            "unet": ["my_unet", "MyUNet"], "vae": ["diffusers", "AutoencoderKL"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"],
            "scheduler": ["antigravity", "Fly"], "tokenizer": ["os", "system"],
            "feature_extractor": [null, null]}"#,
    );
    write(
        root,
        "unet/my_unet.py",
        b"import os\nos.system('echo airlock-test')\n\nclass MyUNet:\n    pass\n",
    );
    write(root, "unet/config.json", br#"{"_class_name": "MyUNet"}"#);
    write(root, "pipeline_evil.py", b"class EvilPipeline:\n    pass\n");
    let report = scan_dir(root);
    let mut remote = fired(&report, "remote-code");
    remote.sort();
    assert_eq!(remote.len(), 3, "{remote:?}");
    assert!(remote.iter().all(|(f, _, _)| f == "model_index.json"));
    let has = |needle: &str, sev: Severity| {
        remote
            .iter()
            .any(|(_, s, m)| *s == sev && m.contains(needle))
    };
    assert!(
        has(
            "unet/my_unet.py: in the folder, and malicious",
            Severity::Medium
        ),
        "{remote:?}"
    );
    assert!(
        has(
            "pipeline_evil.py: in the folder (analysed",
            Severity::Medium
        ),
        "{remote:?}"
    );
    assert!(
        has("standard module antigravity", Severity::High),
        "{remote:?}"
    );
}

/// A stock diffusers pipeline and a stock sentence-transformers model: no remote code.
#[test]
fn stock_diffusers_and_sentence_transformers_manifests_are_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "model_index.json",
        br#"{"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0",
            "unet": ["diffusers", "UNet2DConditionModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
            "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"]}"#,
    );
    write(
        root,
        "st/modules.json",
        br#"[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]"#,
    );
    let report = scan_dir(root);
    assert_eq!(fired(&report, "remote-code"), Vec::new());
}

/// sentence-transformers' `modules.json`: a module `type` outside `sentence_transformers.` is
/// imported (from the repository with `trust_remote_code=True`).
#[test]
fn sentence_transformers_custom_module_is_remote_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "modules.json",
        br#"[{"idx": 0, "name": "0", "path": "", "type": "custom_st.EvilModule"}]"#,
    );
    write(
        root,
        "custom_st.py",
        b"import os\nos.system('echo airlock-test')\n\nclass EvilModule:\n    pass\n",
    );
    let report = scan_dir(root);
    let remote = fired(&report, "remote-code");
    assert_eq!(remote.len(), 1, "{remote:?}");
    assert_eq!(remote[0].0, "modules.json");
    assert!(
        remote[0]
            .2
            .contains("custom_st.py: in the folder, and malicious"),
        "{remote:?}"
    );
}

/// A sentence-transformers module `type` that is a denylisted callable (`subprocess.Popen`,
/// called with the module's folder) is judged as a config target is: critical (tester t21).
#[test]
fn sentence_transformers_module_type_that_runs_a_process_is_critical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "modules.json",
        br#"[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_x", "type": "subprocess.Popen"}]"#,
    );
    let report = scan_dir(root);
    let remote = fired(&report, "remote-code");
    assert!(
        remote.iter().any(|(f, s, m)| f == "modules.json"
            && *s == Severity::Critical
            && m.contains("subprocess.Popen")),
        "{remote:?}"
    );
    // No "would run subprocess.py" for an installed library's callable.
    assert_eq!(remote.len(), 1, "{remote:?}");
}

/// PEFT's `adapter_config.json`: `AutoPeftModel` imports `auto_mapping.parent_library`
/// without `trust_remote_code` (tester t17 h10); an ordinary adapter's `transformers` is not
/// reported.
#[test]
fn peft_auto_mapping_outside_the_usual_libraries_is_remote_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "a/adapter_config.json",
        br#"{"peft_type": "LORA", "base_model_name_or_path": "org/base", "auto_mapping": {"base_model_class": "XModel", "parent_library": "transformers_modules.org.base.modeling_x"}, "r": 8}"#,
    );
    write(
        root,
        "b/adapter_config.json",
        br#"{"peft_type": "LORA", "base_model_name_or_path": "meta-llama/Llama-3.2-1B", "auto_mapping": {"base_model_class": "LlamaForCausalLM", "parent_library": "transformers.models.llama.modeling_llama"}, "r": 8}"#,
    );
    let report = scan_dir(root);
    let remote = fired(&report, "remote-code");
    assert_eq!(remote.len(), 1, "{remote:?}");
    assert_eq!(remote[0].1, Severity::Medium);
    assert!(
        remote[0]
            .2
            .contains("transformers_modules.org.base.modeling_x"),
        "{remote:?}"
    );
}

/// The severities of `python-shell-command` findings on the file named `name`, worst first.
fn shell_on(report: &ScanReport, name: &str) -> Vec<Severity> {
    let mut v: Vec<Severity> = fired(report, "python-shell-command")
        .into_iter()
        .filter(|(f, _, _)| f == name)
        .map(|(_, s, _)| s)
        .collect();
    v.sort_by(|a, b| b.cmp(a));
    v
}

#[test]
fn loaders_run_what_their_manifests_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    // auto_map: from_pretrained builds the class, so its constructor runs at load.
    let a = dir.path().join("automap");
    write(
        &a,
        "config.json",
        br#"{"model_type": "x", "auto_map": {"AutoModelForCausalLM": "modeling_x.XModel"}}"#,
    );
    write(
        &a,
        "modeling_x.py",
        b"import os\nclass XModel:\n    def __init__(self, config):\n        os.system('echo airlock')\n    def forward(self, x):\n        os.system('echo later')\n",
    );
    let r = scan_dir(&a);
    // The constructor is graded at load; `forward` (not called by the loader) stays low.
    assert_eq!(
        shell_on(&r, "modeling_x.py"),
        vec![Severity::High, Severity::Low, Severity::Low]
    );
    let msg = fired(&r, "python-shell-command")
        .into_iter()
        .find(|(_, s, _)| *s == Severity::High)
        .expect("high")
        .2;
    assert!(msg.contains("XModel() is called when"), "{msg}");
    assert!(msg.contains("config.json"), "{msg}");
    // A classmethod the loader calls.
    let b = dir.path().join("classmethod");
    write(
        &b,
        "video_preprocessor_config.json",
        br#"{"auto_map": {"AutoVideoProcessor": "vp.MyVP"}}"#,
    );
    write(
        &b,
        "vp.py",
        b"import subprocess\nclass MyVP:\n    @classmethod\n    def from_pretrained(cls, path):\n        subprocess.run('echo airlock', shell=True)\n",
    );
    let r = scan_dir(&b);
    assert_eq!(shell_on(&r, "vp.py")[0], Severity::High);
    assert_eq!(fired(&r, "remote-code").len(), 1);
    // Methods from_pretrained calls after building the model: tie_weights, can_generate.
    for method in ["tie_weights(self)", "can_generate(cls)"] {
        let t = dir.path().join(method.split('(').next().expect("name"));
        write(
            &t,
            "config.json",
            br#"{"auto_map": {"AutoModelForCausalLM": "modeling_t.TModel"}}"#,
        );
        write(
            &t,
            "modeling_t.py",
            format!(
                "import os
class TModel:
    def {method}:
        os.system('echo airlock')
"
            )
            .as_bytes(),
        );
        let r = scan_dir(&t);
        assert_eq!(shell_on(&r, "modeling_t.py")[0], Severity::High, "{method}");
    }
    // torch.hub: every public function of hubconf.py is an entry point; private helpers that
    // no entry calls are not.
    let h = dir.path().join("hub");
    write(
        &h,
        "hubconf.py",
        b"import os\ndependencies = ['torch']\ndef resnet(pretrained=False):\n    os.system('echo airlock')\ndef _cache():\n    os.system('echo helper')\n",
    );
    let r = scan_dir(&h);
    assert_eq!(
        shell_on(&r, "hubconf.py"),
        vec![Severity::High, Severity::Low, Severity::Low]
    );
    // custom_generate/generate.py: generate() is called.
    let g = dir.path().join("gen");
    write(&g, "config.json", br#"{"model_type": "llama"}"#);
    write(
        &g,
        "custom_generate/generate.py",
        b"import subprocess\ndef generate(model, *a, **k):\n    subprocess.run('echo airlock', shell=True)\n",
    );
    let r = scan_dir(&g);
    assert_eq!(shell_on(&r, "generate.py")[0], Severity::High);
    assert_eq!(
        fired(&r, "remote-code")
            .into_iter()
            .map(|(f, s, _)| (f, s))
            .collect::<Vec<_>>(),
        vec![("generate.py".to_string(), Severity::Medium)]
    );
    // The same module with no manifest naming it: nothing calls the class.
    let n = dir.path().join("none");
    write(
        &n,
        "modeling_x.py",
        b"import os\nclass XModel:\n    def __init__(self, config):\n        os.system('echo airlock')\n",
    );
    let r = scan_dir(&n);
    assert_eq!(shell_on(&r, "modeling_x.py"), vec![Severity::Low]);
}

/// What a loader names may be defined elsewhere: a class re-exported from another module of
/// the repository, an entry point imported by `hubconf.py`, a module-level alias
/// (`resnet18 = _build`, `XModel = _Impl`), a `functools.partial` of a builder, a module
/// `__getattr__` answering any entry name, or an `_init_weights` override the loader calls
/// (tester t15 h01, h09, h10, h11, h17, h18, h19, h20).
#[test]
fn loaders_follow_aliases_and_re_exports() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            "reexport",
            &[
                ("config.json", r#"{"auto_map": {"AutoModel": "modeling_x.XModel"}}"#),
                ("modeling_x.py", "from .impl import XModel  # re-export\n"),
                ("impl.py", "import os\nclass XModel:\n    def __init__(self, c):\n        os.system('echo airlock')\n"),
            ],
            "impl.py",
        ),
        (
            "class alias",
            &[
                ("config.json", r#"{"auto_map": {"AutoModel": "modeling_x.XModel"}}"#),
                ("modeling_x.py", "import os\nclass _Impl:\n    def __init__(self, c):\n        os.system('echo airlock')\nXModel = _Impl\n"),
            ],
            "modeling_x.py",
        ),
        (
            "init weights",
            &[
                ("config.json", r#"{"auto_map": {"AutoModel": "modeling_x.XModel"}}"#),
                ("modeling_x.py", "import os\nclass XModel:\n    def _init_weights(self, m):\n        os.system('echo airlock')\n"),
            ],
            "modeling_x.py",
        ),
        (
            "hub alias",
            &[("hubconf.py", "import os\ndef _build(p=False):\n    os.system('echo airlock')\nresnet18 = _build\n")],
            "hubconf.py",
        ),
        (
            "hub partial",
            &[("hubconf.py", "import os, functools\ndef _build(depth, p=False):\n    os.system('echo airlock')\nresnet18 = functools.partial(_build, 18)\n")],
            "hubconf.py",
        ),
        (
            "hub getattr",
            &[("hubconf.py", "import os\ndef __getattr__(name):\n    os.system('echo airlock')\n")],
            "hubconf.py",
        ),
        (
            "hub reexport",
            &[
                ("hubconf.py", "dependencies = ['torch']\nfrom models.net import resnet18\n"),
                ("models/__init__.py", ""),
                ("models/net.py", "import os\ndef resnet18(p=False):\n    os.system('echo airlock')\n"),
            ],
            "net.py",
        ),
        (
            "generate alias",
            &[
                ("config.json", r#"{"model_type": "llama"}"#),
                ("custom_generate/generate.py", "import os\ndef _impl(model, *a):\n    os.system('echo airlock')\ngenerate = _impl\n"),
            ],
            "generate.py",
        ),
    ];
    for (what, files, target) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        for (n, src) in *files {
            write(dir.path(), n, src.as_bytes());
        }
        let r = scan_dir(dir.path());
        assert_eq!(
            shell_on(&r, target).first(),
            Some(&Severity::High),
            "{what}: {:?}",
            fired(&r, "python-shell-command")
        );
    }
    // A private helper of hubconf.py that nothing public names or calls stays low.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "hubconf.py",
        b"import os\ndef _helper():\n    os.system('echo airlock')\nalias_name = print\n",
    );
    let r = scan_dir(dir.path());
    assert_eq!(shell_on(&r, "hubconf.py"), vec![Severity::Low]);
}

/// An MLflow model's `MLmodel` and the code its pyfunc loader runs.
fn mlmodel(python_function: &str) -> String {
    format!(
        "artifact_path: model\nflavors:\n  python_function:\n{python_function}    env:\n      conda: conda.yaml\n    python_version: 3.11.7\nmlflow_version: 2.15.1\nmodel_uuid: 0f3c\nutc_time_created: '2026-01-01 00:00:00.000000'\n"
    )
}

#[test]
fn mlflow_loaders_run_their_code_folder_and_model_code() {
    // A custom loader module from the model's code folder: `_load_pyfunc` runs at load.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "MLmodel",
        mlmodel("    code: code\n    loader_module: my_loader\n    data: data\n").as_bytes(),
    );
    write(
        dir.path(),
        "code/my_loader.py",
        b"import os\n\ndef _load_pyfunc(path):\n    os.system('echo airlock')\n    return None\n",
    );
    let r = scan_dir(dir.path());
    assert_eq!(shell_on(&r, "my_loader.py").first(), Some(&Severity::High));
    let remote = fired(&r, "remote-code");
    assert_eq!(remote.len(), 1, "{remote:?}");
    assert_eq!(
        (remote[0].0.as_str(), remote[0].1),
        ("MLmodel", Severity::Medium)
    );
    assert!(remote[0].2.contains("my_loader"), "{remote:?}");
    let mlmodel_report = r
        .files
        .iter()
        .find(|f| f.path.ends_with("MLmodel"))
        .expect("MLmodel");
    assert_eq!(mlmodel_report.format.name(), "mlflow-model");

    // Models from code: the file runs when the model loads.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "MLmodel",
        mlmodel("    loader_module: mlflow.pyfunc.model\n    model_code_path: /home/u/chain.py\n")
            .as_bytes(),
    );
    write(
        dir.path(),
        "chain.py",
        b"import mlflow\nmlflow.models.set_model(None)\n",
    );
    let r = scan_dir(dir.path());
    let remote = fired(&r, "remote-code");
    assert_eq!(remote.len(), 1, "{remote:?}");
    assert!(remote[0].2.contains("chain.py"), "{remote:?}");

    // Built-in flavors (sklearn through mlflow.sklearn) name no code: nothing at medium.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "MLmodel",
        mlmodel("    loader_module: mlflow.sklearn\n    model_path: model.pkl\n    code: null\n")
            .as_bytes(),
    );
    write(
        dir.path(),
        "conda.yaml",
        b"channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip<=24.0\n- pip:\n  - mlflow==2.15.1\n  - scikit-learn==1.5.1\nname: mlflow-env\n",
    );
    write(
        dir.path(),
        "code/helpers.py",
        b"import os\n\ndef _load_pyfunc(path):\n    os.system('echo airlock')\n",
    );
    let r = scan_dir(dir.path());
    assert!(fired(&r, "remote-code").is_empty());
    assert_eq!(worst_of(&r, "MLmodel"), None);
    assert_eq!(worst_of(&r, "conda.yaml"), None);
    assert_eq!(shell_on(&r, "helpers.py"), vec![Severity::Low]);
}

/// A class the loader names without a constructor or loader method of its own runs its
/// base's: the first base (left to right, depth first) that provides it, in the same module
/// or another module of the repository; bases from outside (`PreTrainedModel`, `nn.Module`)
/// are not followed, and a base that defines the method first stops the search.
#[test]
fn loaders_run_what_classes_inherit_from_local_bases() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, Severity);
    let cfg = r#"{"auto_map": {"AutoModel": "modeling_x.XModel"}}"#;
    let evil_init = "import os\nclass EvilBase:\n    def __init__(self, c):\n        os.system('echo airlock')\n";
    let cases: &[Case] = &[
        (
            "base in another module",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from .base import EvilBase\nclass XModel(EvilBase):\n    pass\n"),
                ("base.py", evil_init),
            ],
            "base.py",
            Severity::High,
        ),
        (
            "base through a middle class",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from .mid import Mid\nclass XModel(Mid):\n    def forward(self, x):\n        return x\n"),
                ("mid.py", "from .base import EvilBase\nclass Mid(EvilBase):\n    pass\n"),
                ("base.py", evil_init),
            ],
            "base.py",
            Severity::High,
        ),
        (
            "base module imported whole",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from . import base\nclass XModel(base.EvilBase):\n    pass\n"),
                ("base.py", evil_init),
            ],
            "base.py",
            Severity::High,
        ),
        (
            "super().__init__ in the subclass",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from .base import EvilBase\nclass XModel(EvilBase):\n    def __init__(self, c):\n        super().__init__(c)\n"),
                ("base.py", evil_init),
            ],
            "base.py",
            Severity::High,
        ),
        (
            "from_pretrained inherited",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from .base import Loader\nclass XModel(Loader):\n    pass\n"),
                ("base.py", "import subprocess\nclass Loader:\n    @classmethod\n    def from_pretrained(cls, p):\n        subprocess.run('echo airlock', shell=True)\n"),
            ],
            "base.py",
            Severity::High,
        ),
        (
            "_init_weights inherited",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from transformers import PreTrainedModel\nfrom .base import Init\nclass XModel(PreTrainedModel, Init):\n    pass\n"),
                ("base.py", "import os\nclass Init:\n    def _init_weights(self, m):\n        os.system('echo airlock')\n"),
            ],
            "base.py",
            Severity::High,
        ),
        (
            "base in the same module",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "import os\nclass A:\n    def __init__(self, c):\n        os.system('echo airlock')\nclass XModel(A):\n    pass\n"),
            ],
            "modeling_x.py",
            Severity::High,
        ),
        // Benign look-alikes: the shell command is in a base the class does not inherit
        // it from.
        (
            "only an outside base",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from transformers import PreTrainedModel\nclass XModel(PreTrainedModel):\n    pass\n"),
                ("base.py", evil_init),
            ],
            "base.py",
            Severity::Low,
        ),
        (
            "first base defines the constructor",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from .base import EvilBase\nclass Quiet:\n    def __init__(self, c):\n        self.c = c\nclass XModel(Quiet, EvilBase):\n    pass\n"),
                ("base.py", evil_init),
            ],
            "base.py",
            Severity::Low,
        ),
        (
            "own constructor without super",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from .base import EvilBase\nclass XModel(EvilBase):\n    def __init__(self, c):\n        self.c = c\n"),
                ("base.py", evil_init),
            ],
            "base.py",
            Severity::Low,
        ),
        (
            "a sibling class of the base",
            &[
                ("config.json", cfg),
                ("modeling_x.py", "from .base import Plain\nclass XModel(Plain):\n    pass\n"),
                ("base.py", "import os\nclass Plain:\n    def forward(self, x):\n        return x\nclass Other:\n    def __init__(self, c):\n        os.system('echo airlock')\n"),
            ],
            "base.py",
            Severity::Low,
        ),
    ];
    let mut failures = Vec::new();
    for (what, files, target, want) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        for (n, src) in *files {
            write(dir.path(), n, src.as_bytes());
        }
        let r = scan_dir(dir.path());
        let got = shell_on(&r, target).first().copied();
        if got != Some(*want) {
            failures.push(format!(
                "{what}: want {want:?}, got {got:?}: {:?}",
                fired(&r, "python-shell-command")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
