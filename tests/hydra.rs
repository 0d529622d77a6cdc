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
    // 70 malicious nodes: 64 reported, the rest counted in one resource-limit finding.
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
        .any(|f| f.rule.id == "resource-limit"
            && f.evidence.contains("6 further targets not reported")));
    // Over a million events: the walk stops and says so.
    let mut big = String::from("_target_: torch.nn.Linear\nx: [");
    big.push_str(&"1,".repeat(1_000_100));
    big.push_str("1]\n");
    let r = scan_named("big.yaml", big.as_bytes());
    assert!(
        r.findings.iter().any(|f| f.rule.id == "resource-limit"
            && f.severity == Severity::Info
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
