//! Keras v3 `.keras` configs, legacy Keras HDF5 `model_config`, and TorchScript `code/` source:
//! fixtures built here (defanged: the "bytecode" is base64 of plain text, the external objects
//! only name functions), benign look-alikes, and hostile variants that must not panic.

use std::path::Path;

use airlock::analyse::{analyse, BudgetLimits, Ctx};
use airlock::scan::scan_file;
use airlock::{Format, Location, Severity};

/// A stored (uncompressed) zip of `members`.
fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let mut c = flate2::Crc::new();
        c.update(data);
        let off = body.len() as u32;
        body.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        body.extend_from_slice(&c.sum().to_le_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(&(name.len() as u16).to_le_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        central.extend_from_slice(&c.sum().to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&off.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd = body.len() as u32;
    let n = members.len() as u16;
    body.extend_from_slice(&central);
    body.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
    body.extend_from_slice(&n.to_le_bytes());
    body.extend_from_slice(&n.to_le_bytes());
    body.extend_from_slice(&(central.len() as u32).to_le_bytes());
    body.extend_from_slice(&cd.to_le_bytes());
    body.extend_from_slice(&[0, 0]);
    body
}

const METADATA: &[u8] = br#"{"keras_version": "3.8.0", "date_saved": "2025-01-01@00:00:00"}"#;

fn layer(class: &str, name: &str) -> String {
    format!(
        r#"{{"module": "keras.layers", "class_name": "{class}", "registered_name": null, "config": {{"name": "{name}", "units": 2}}, "build_config": {{"input_shape": [null, 4]}}}}"#
    )
}

/// A Keras 3 `Lambda` layer; the "code" is base64 of `defanged, not bytecode`.
const LAMBDA: &str = r#"{"module": "keras.layers", "class_name": "Lambda", "registered_name": null, "config": {"name": "my_lambda", "function": {"class_name": "__lambda__", "config": {"code": "ZGVmYW5nZWQsIG5vdCBieXRlY29kZQ==", "defaults": null, "closure": null}}, "arguments": {}}}"#;

/// The CVE-2025-1550 shape: an object that names `os.system` (never called here).
const EXTERNAL: &str =
    r#"{"module": "os", "class_name": "function", "config": "system", "registered_name": null}"#;

fn sequential(layers: &[String]) -> String {
    format!(
        r#"{{"module": "keras", "class_name": "Sequential", "registered_name": null, "config": {{"name": "sequential", "layers": [{}]}}}}"#,
        layers.join(", ")
    )
}

fn keras(config: &str) -> Vec<u8> {
    zip(&[
        ("metadata.json", METADATA),
        ("config.json", config.as_bytes()),
        ("model.weights.h5", b"\x89HDF\r\n\x1a\n"),
    ])
}

fn analyse_bytes(data: &[u8], name: &str) -> Ctx {
    let mut ctx = Ctx::new(BudgetLimits::default());
    let loc = Location::file(name);
    let f = analyse(&mut ctx, data, None, data.len() as u64, &loc, name, 0);
    ctx.members.push(airlock::analyse::Member {
        name: name.to_string(),
        format: f,
    });
    ctx
}

fn ids(ctx: &Ctx) -> Vec<(&'static str, Severity)> {
    ctx.findings
        .iter()
        .map(|f| (f.rule.id, f.severity))
        .collect()
}

fn loud(ctx: &Ctx) -> Vec<(&'static str, String)> {
    ctx.findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| (f.rule.id, f.evidence.clone()))
        .collect()
}

#[test]
fn keras_v3_lambda_layer_is_high_with_name_and_code_start() {
    let cfg = sequential(&[layer("Dense", "d1"), LAMBDA.to_string()]);
    let ctx = analyse_bytes(&keras(&cfg), "m.keras");
    let f = ctx
        .findings
        .iter()
        .find(|f| f.rule.id == "keras-lambda-layer")
        .expect("lambda reported");
    assert_eq!(f.severity, Severity::High);
    assert!(f.evidence.contains("my_lambda"), "{}", f.evidence);
    assert!(f.evidence.contains("ZGVmYW5nZWQs"), "{}", f.evidence);
    assert!(f.location.to_string().contains("config.json"));
    assert_eq!(ctx.members.last().map(|m| m.format), Some(Format::Keras));
}

#[test]
fn keras_v3_external_module_is_flagged_anywhere_in_the_tree() {
    // Nested three models deep, as a layer's activation, and with NaN that Python's json writes.
    let inner = format!(
        r#"{{"module": "keras.layers", "class_name": "Dense", "config": {{"name": "d", "bias": NaN, "activation": {EXTERNAL}}}}}"#
    );
    let nested = sequential(&[sequential(&[sequential(&[inner])])]);
    let ctx = analyse_bytes(&keras(&nested), "m.keras");
    let f = ctx
        .findings
        .iter()
        .find(|f| f.rule.id == "keras-external-object")
        .unwrap_or_else(|| panic!("not reported: {:?}", ids(&ctx)));
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.evidence.contains("os.system"), "{}", f.evidence);
    // A package outside Keras through its module.
    let custom = r#"{"module": "mypkg.layers", "class_name": "Custom", "registered_name": "mypkg>Custom", "config": {"name": "c"}}"#;
    let ctx = analyse_bytes(&keras(&sequential(&[custom.to_string()])), "m.keras");
    assert!(ids(&ctx).contains(&("keras-external-object", Severity::High)));
    // TF-Hub's layer, which transfer-learning models are saved with (tester t21).
    let hub = r#"{"module": "tensorflow_hub.keras_layer", "class_name": "KerasLayer", "registered_name": "tensorflow_hub>KerasLayer", "config": {"name": "h", "handle": "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5"}}"#;
    let ctx = analyse_bytes(&keras(&sequential(&[hub.to_string()])), "m.keras");
    assert!(loud(&ctx).is_empty(), "{:?}", loud(&ctx));
    // A registered name alone is a registry key, and `__main__` the running program: Keras
    // imports nothing for either (a notebook's custom layer; tester t13).
    for custom in [
        r#"{"module": null, "class_name": "MyLayer", "registered_name": "my_package>MyLayer", "config": {"name": "c"}}"#,
        r#"{"module": "__main__", "class_name": "MyLayer", "registered_name": "Custom>MyLayer", "config": {"name": "c"}}"#,
    ] {
        let ctx = analyse_bytes(&keras(&sequential(&[custom.to_string()])), "m.keras");
        assert!(
            !ids(&ctx)
                .iter()
                .any(|(id, _)| *id == "keras-external-object"),
            "{custom}: {:?}",
            ids(&ctx)
        );
    }
    // A registry key spelling a system module imports nothing either, but is written on
    // purpose: medium.
    let os = r#"{"module": null, "class_name": "MyLayer", "registered_name": "os>system", "config": {"name": "c"}}"#;
    let ctx = analyse_bytes(&keras(&sequential(&[os.to_string()])), "m.keras");
    assert!(
        ids(&ctx).contains(&("keras-external-object", Severity::Medium)),
        "{:?}",
        ids(&ctx)
    );
}

/// Keras' own functions that a config must not reach: the CVE-2025-8747 (`get_file`) and
/// CVE-2025-9906 (`enable_unsafe_deserialization`) shapes are critical, a nested `load_model`
/// high; Keras modules otherwise stay quiet (the benign model below).
#[test]
fn keras_v3_unsafe_keras_functions_are_reported() {
    let get_file = r#"{"module": "keras.utils", "class_name": "get_file", "config": {"fname": "x", "origin": "https://example.invalid/x.tar.gz", "extract": true}, "registered_name": null}"#;
    let unsafe_mode = r#"{"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization", "registered_name": null}"#;
    let nested = r#"{"module": "keras.src.saving.saving_api", "class_name": "load_model", "config": {"filepath": "https://example.invalid/m.keras"}, "registered_name": null}"#;
    let lookup = r#"{"module": "keras.layers", "class_name": "StringLookup", "config": {"name": "s", "vocabulary": "/root/.ssh/id_rsa"}, "registered_name": null}"#;
    let listed = r#"{"module": "keras.layers", "class_name": "StringLookup", "config": {"name": "t", "vocabulary": ["a", "b"]}, "registered_name": null}"#;
    let cfg = sequential(&[
        layer("Dense", "d1"),
        get_file.to_string(),
        unsafe_mode.to_string(),
        nested.to_string(),
        lookup.to_string(),
        listed.to_string(),
    ]);
    let ctx = analyse_bytes(&keras(&cfg), "m.keras");
    let mut got: Vec<(Severity, String)> = ctx
        .findings
        .iter()
        .filter(|f| f.rule.id == "keras-unsafe-function")
        .map(|f| (f.severity, f.evidence.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                Severity::High,
                "StringLookup.vocabulary = \"/root/.ssh/id_rsa\"".to_string()
            ),
            (
                Severity::High,
                "keras.src.saving.saving_api.load_model".to_string()
            ),
            (
                Severity::Critical,
                "keras.config.enable_unsafe_deserialization".to_string()
            ),
            (Severity::Critical, "keras.utils.get_file".to_string()),
        ]
    );
}

#[test]
fn keras_v3_benign_model_is_quiet_with_facts() {
    let cfg = sequential(&[
        layer("InputLayer", "in"),
        layer("Dense", "d1"),
        layer("Dense", "d2"),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("m.keras");
    std::fs::write(&p, keras(&cfg)).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    let bad: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| (f.rule.id, f.evidence.clone()))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(r.format, Format::Keras);
    let facts = r
        .facts
        .values()
        .find(|m| m.contains_key("keras.layers"))
        .expect("layer facts");
    assert_eq!(facts["keras.layers"], "Dense:2, InputLayer:1");
    assert_eq!(facts["keras.version"], "3.8.0");
}

#[test]
fn keras_v3_deep_and_invalid_configs_do_not_pass_silently() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let ctx = analyse_bytes(&keras(&deep), "m.keras");
    assert!(
        ids(&ctx).contains(&("resource-limit", Severity::High)),
        "{:?}",
        ids(&ctx)
    );
    let ctx = analyse_bytes(
        &keras(r#"{"class_name": "Sequential", "config": {"#),
        "m.keras",
    );
    assert!(ids(&ctx)
        .iter()
        .any(|(id, _)| *id == "keras-invalid-config"));
}

#[test]
fn keras_v3_huge_config_is_a_resource_limit() {
    let mut big = String::from(r#"{"pad": ""#);
    big.push_str(&"x".repeat(airlock::formats::keras::MAX_CONFIG + 1));
    big.push_str(r#""}"#);
    let ctx = analyse_bytes(&keras(&big), "m.keras");
    assert!(ids(&ctx).iter().any(|(id, _)| *id == "resource-limit"));
}

/// A minimal HDF5 file: superblock version 0, a version 1 root object header holding one
/// fixed-length string attribute per `attrs` entry (HDF5 File Format Specification 3.0,
/// sections II.A, IV.A.1.a, IV.A.2.m).
fn hdf5(attrs: &[(&str, &str)]) -> Vec<u8> {
    fn pad8(v: &mut Vec<u8>) {
        while v.len() % 8 != 0 {
            v.push(0);
        }
    }
    let mut messages = Vec::new();
    for (name, value) in attrs {
        let mut body = vec![1u8, 0];
        body.extend_from_slice(&((name.len() + 1) as u16).to_le_bytes());
        body.extend_from_slice(&8u16.to_le_bytes());
        body.extend_from_slice(&8u16.to_le_bytes());
        body.extend_from_slice(name.as_bytes());
        body.push(0);
        pad8(&mut body);
        // Datatype: version 1, class 3 (string), null-terminated ASCII, size.
        body.extend_from_slice(&[0x13, 0, 0, 0]);
        body.extend_from_slice(&(value.len() as u32).to_le_bytes());
        // Dataspace: version 1, scalar (rank 0).
        body.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
        body.extend_from_slice(value.as_bytes());
        pad8(&mut body);
        messages.extend_from_slice(&0x000Cu16.to_le_bytes());
        messages.extend_from_slice(&(body.len() as u16).to_le_bytes());
        messages.extend_from_slice(&[0, 0, 0, 0]);
        messages.extend_from_slice(&body);
    }
    let header_at = 96u64;
    let mut out = Vec::new();
    out.extend_from_slice(b"\x89HDF\r\n\x1a\n");
    out.extend_from_slice(&[0, 0, 0, 0, 0, 8, 8, 0]);
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let eof = header_at + 16 + messages.len() as u64;
    for a in [0u64, u64::MAX, eof, u64::MAX] {
        out.extend_from_slice(&a.to_le_bytes());
    }
    // Root group symbol table entry: name offset, header address, cache type 0, scratch.
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&header_at.to_le_bytes());
    out.extend_from_slice(&[0u8; 24]);
    assert_eq!(out.len() as u64, header_at);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(attrs.len() as u16).to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(messages.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&messages);
    out
}

/// A Keras 2 `model_config` with a Lambda layer (Keras 2 stores the function as a list).
const H5_LAMBDA: &str = r#"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}, {"class_name": "Lambda", "config": {"name": "lam", "function": ["ZGVmYW5nZWQ=", null, null], "function_type": "lambda", "module": "__main__"}}]}}"#;
const H5_BENIGN: &str = r#"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2}}, {"class_name": "Dense", "config": {"name": "e", "units": 1}}]}}"#;

#[test]
fn legacy_h5_lambda_is_high_and_benign_h5_is_quiet_with_facts() {
    let bad = hdf5(&[
        ("keras_version", "2.15.0"),
        ("backend", "tensorflow"),
        ("model_config", H5_LAMBDA),
    ]);
    let ctx = analyse_bytes(&bad, "m.h5");
    assert!(
        ids(&ctx).contains(&("keras-lambda-layer", Severity::High)),
        "{:?}",
        ctx.findings
            .iter()
            .map(|f| (f.rule.id, &f.evidence))
            .collect::<Vec<_>>()
    );
    // The Lambda's own `module` is covered by the Lambda finding, not reported again.
    assert!(!ids(&ctx)
        .iter()
        .any(|(id, _)| *id == "keras-external-object"));
    let good = hdf5(&[
        ("keras_version", "2.15.0"),
        ("backend", "tensorflow"),
        ("model_config", H5_BENIGN),
    ]);
    let ctx = analyse_bytes(&good, "m.h5");
    assert!(loud(&ctx).is_empty(), "{:?}", loud(&ctx));
    let facts = ctx.facts.get("m.h5").expect("facts");
    assert_eq!(facts["keras.version"], "2.15.0");
    assert_eq!(facts["keras.backend"], "tensorflow");
    assert_eq!(facts["keras.layers"], "Dense:2");
}

#[test]
fn truncated_and_corrupted_hdf5_never_panics() {
    let file = hdf5(&[("keras_version", "2.15.0"), ("model_config", H5_LAMBDA)]);
    for cut in 0..file.len() {
        let _ = analyse_bytes(&file[..cut], "m.h5");
    }
    // Every byte flipped in turn (the header and the messages).
    for i in 0..file.len() {
        let mut f = file.clone();
        f[i] ^= 0xff;
        let _ = analyse_bytes(&f, "m.h5");
    }
    // The handed case made with h5py, when the shared cases are present.
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cases/formats/gen.py");
    if case.exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = std::process::Command::new("python3")
            .arg(&case)
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        let k04 = dir.path().join("k04_keras_h5_lambda.h5");
        if ok && k04.exists() {
            let bytes = std::fs::read(&k04).expect("read k04");
            let ctx = analyse_bytes(&bytes, "k04.h5");
            assert!(ids(&ctx).iter().any(|(id, _)| *id == "keras-lambda-layer"));
            for cut in (0..bytes.len()).step_by(7) {
                let _ = analyse_bytes(&bytes[..cut], "k04.h5");
            }
        }
    }
}

/// A TorchScript archive with one `code/` member.
fn torchscript(code: &str) -> Vec<u8> {
    zip(&[
        ("m/data.pkl", b"\x80\x02}q\x00."),
        ("m/constants.pkl", b"\x80\x02)."),
        ("m/code/__torch__/m.py", code.as_bytes()),
        ("m/version", b"3\n"),
    ])
}

#[test]
fn torchscript_code_that_reaches_the_system_is_high() {
    let code = "class M(Module):\n  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n    _0 = torch.ops.load_library(\"/tmp/defanged.so\")\n    return torch.add(x, 1)\n";
    let ctx = analyse_bytes(&torchscript(code), "m.pt");
    let f = ctx
        .findings
        .iter()
        .find(|f| f.rule.id == "torchscript-dangerous-call")
        .unwrap_or_else(|| panic!("not reported: {:?}", ids(&ctx)));
    assert_eq!(f.severity, Severity::High);
    assert!(f.location.to_string().contains("line 3"), "{}", f.location);
    assert!(f.evidence.contains("load_library"));
    let benign = "class M(Module):\n  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n    # os.system in a comment\n    ops.prim.RaiseException(\"x\", \"builtins.ValueError\")\n    return torch.relu(x)\n";
    let ctx = analyse_bytes(&torchscript(benign), "m.pt");
    assert!(loud(&ctx).is_empty(), "{:?}", loud(&ctx));
    assert_eq!(
        ctx.members.last().map(|m| m.format),
        Some(Format::Torchscript)
    );
}

/// TF-Hub's `KerasLayer` downloads its `handle` and loads it as a SavedModel when the layer is
/// built, as `TFSMLayer` loads its `filepath` (tester t29 K6): a handle outside TF-Hub / Kaggle
/// Models (another host, `http:`, `gs:`, `file:`, a local path) is high, in `.keras` configs
/// (module `tensorflow_hub.keras_layer`) and in Keras 2 `.h5` configs (a bare class name); a
/// handle on the hub is low.
#[test]
fn a_hub_layer_is_judged_by_the_model_it_loads() {
    let hub = |handle: &str| {
        format!(
            r#"{{"module": "tensorflow_hub.keras_layer", "class_name": "KerasLayer", "config": {{"name": "keras_layer", "trainable": false, "handle": "{handle}", "output_shape": [512]}}, "registered_name": "KerasLayer"}}"#
        )
    };
    let hub2 = |handle: &str| {
        format!(
            r#"{{"class_name": "Sequential", "config": {{"name": "s", "layers": [{{"class_name": "KerasLayer", "config": {{"name": "k", "handle": "{handle}", "trainable": false}}}}]}}}}"#
        )
    };
    for (handle, want) in [
        ("https://example.invalid/evil_savedmodel.tar.gz", Severity::High),
        ("http://tfhub.dev/google/x/1", Severity::High),
        ("https://tfhub.dev@example.invalid/x", Severity::High),
        ("gs://bucket.example.invalid/model", Severity::High),
        ("file:///tmp/attacker/savedmodel", Severity::High),
        ("/tmp/attacker/savedmodel", Severity::High),
        ("savedmodel", Severity::High),
        (
            "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5",
            Severity::Low,
        ),
        (
            "https://www.kaggle.com/models/google/mobilenet-v2/TensorFlow2/100-224-feature-vector/2",
            Severity::Low,
        ),
    ] {
        let got = ids(&analyse_bytes(&keras(&sequential(&[hub(handle)])), "m.keras"));
        assert!(got.contains(&("keras-unsafe-function", want)), "{handle}: {got:?}");
        assert!(
            !got.iter().any(|(_, s)| *s > want),
            "{handle}: {got:?}"
        );
        let h5 = hdf5(&[("keras_version", "2.15.0"), ("model_config", &hub2(handle))]);
        let got = ids(&analyse_bytes(&h5, "m.h5"));
        assert!(got.contains(&("keras-unsafe-function", want)), "h5 {handle}: {got:?}");
    }
}

/// libhdf5 finds the superblock after a user block of 512, 1024, 2048, … bytes, so `load_model`
/// opens a Keras `.h5` behind one (tester t29 K10): the model is judged as without the block,
/// the block is `hdf5-user-block`, and a pickle in it is analysed too. A signature at another
/// offset is no HDF5 file to libhdf5 and stays unrecognised.
#[test]
fn a_keras_h5_behind_a_user_block_is_analysed() {
    let h5 = hdf5(&[("keras_version", "2.15.0"), ("model_config", H5_LAMBDA)]);
    let text: Vec<u8> = b"user block: notes about this model\n"
        .iter()
        .copied()
        .cycle()
        .take(4096)
        .collect();
    // `posix.system('echo airlock-test')`, then zeros up to the block size.
    let mut pickle = b"\x80\x02cposix\nsystem\n(X\x11\x00\x00\x00echo airlock-testtR.".to_vec();
    pickle.resize(1024, 0);
    for (block, pickled) in [
        (vec![0u8; 512], false),
        (text, false),
        (pickle, true),
        (vec![0u8; 1 << 16], false),
    ] {
        let file = [&block[..], &h5].concat();
        for (i, got) in [
            ids(&analyse_bytes(&file, "m.h5")),
            // Through the file reader, which reads only the head of a text file unless a
            // superblock lies behind it.
            {
                let dir = tempfile::tempdir().expect("tempdir");
                let p = dir.path().join("m.h5");
                std::fs::write(&p, &file).expect("write");
                scan_file(&p, BudgetLimits::default())
                    .findings
                    .iter()
                    .map(|f| (f.rule.id, f.severity))
                    .collect()
            },
        ]
        .into_iter()
        .enumerate()
        {
            let n = block.len();
            assert!(
                got.contains(&("keras-lambda-layer", Severity::High)),
                "{n} {i}: {got:?}"
            );
            // Medium when the block is another format (a polyglot), low for zeros or text
            // (MATLAB v7.3 files keep their header there).
            let block_grade = if pickled {
                Severity::Medium
            } else {
                Severity::Low
            };
            assert!(
                got.contains(&("hdf5-user-block", block_grade)),
                "{n} {i}: {got:?}"
            );
            assert_eq!(
                got.contains(&("pickle-dangerous-call", Severity::Critical)),
                pickled,
                "{n} {i}: {got:?}"
            );
            assert_eq!(got.iter().any(|(id, _)| *id == "polyglot-file"), pickled);
        }
    }
    // 700 bytes in front: libhdf5 does not look there.
    let file = [&vec![0u8; 700][..], &h5].concat();
    let got = ids(&analyse_bytes(&file, "m.h5"));
    assert!(
        !got.iter().any(|(id, _)| id.starts_with("keras-")),
        "{got:?}"
    );
}

/// Keras 3 hands `json.loads` the bytes of `config.json`, which also reads UTF-16 and UTF-32
/// (with or without a byte-order mark) and UTF-8 after a mark: each is analysed as UTF-8 is.
#[test]
fn configs_in_every_encoding_python_json_reads_are_analysed() {
    let cfg = sequential(&[LAMBDA.to_string(), EXTERNAL.to_string()]);
    let utf16le: Vec<u8> = cfg.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = cfg.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let utf32le: Vec<u8> = cfg.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
    for (i, bytes) in [
        [&b"\xef\xbb\xbf"[..], cfg.as_bytes()].concat(),
        [&[0xff, 0xfe][..], &utf16le].concat(),
        utf16be,
        utf32le,
    ]
    .into_iter()
    .enumerate()
    {
        let z = zip(&[
            ("metadata.json", METADATA),
            ("config.json", &bytes),
            ("model.weights.h5", b"\x89HDF\r\n\x1a\n"),
        ]);
        let got = ids(&analyse_bytes(&z, "m.keras"));
        assert!(
            got.contains(&("keras-lambda-layer", Severity::High)),
            "{i}: {got:?}"
        );
        assert!(
            got.contains(&("keras-external-object", Severity::Critical)),
            "{got:?}"
        );
    }
}

/// Keras 3 (`json.loads`) and tf.keras (the `model_config` attribute) read a config holding a
/// lone surrogate escape, a number beyond f64 (`1e400` is `inf`) or `NaN`: the layers beside it
/// are judged as without it (tester t29 K9). A deep dummy value beside them hides nothing either.
#[test]
fn configs_python_json_reads_despite_a_twist_are_analysed() {
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    for twist in [
        r#""\ud800""#,
        r#""\udfff""#,
        "1e400",
        "-Infinity",
        "NaN",
        deep.as_str(),
    ] {
        let cfg = format!(
            r#"{{"module": "keras", "class_name": "Sequential", "registered_name": null, "config": {{"name": "s", "pad": {twist}, "layers": [{LAMBDA}, {EXTERNAL}]}}}}"#
        );
        let got = ids(&analyse_bytes(&keras(&cfg), "m.keras"));
        assert!(
            got.contains(&("keras-lambda-layer", Severity::High)),
            "{twist:.20}: {got:?}"
        );
        assert!(
            got.contains(&("keras-external-object", Severity::Critical)),
            "{twist:.20}: {got:?}"
        );
        let h5cfg = H5_LAMBDA.replacen(
            r#""name": "s""#,
            &format!(r#""name": "s", "pad": {twist}"#),
            1,
        );
        let h5 = hdf5(&[("keras_version", "2.15.0"), ("model_config", &h5cfg)]);
        let got = ids(&analyse_bytes(&h5, "m.h5"));
        assert!(
            got.contains(&("keras-lambda-layer", Severity::High)),
            "{twist:.20}: {got:?}"
        );
    }
}

/// Keras 3's `TorchModuleWrapper` hands `config.module` to `torch.load(weights_only=False)`:
/// the wrapper is reported (medium), and the embedded bytes are analysed as the pickle they
/// are, so an `os.system` pickle inside is critical (tester t15 k01, k06).
#[test]
fn torch_module_wrapper_bytes_are_analysed_as_a_pickle() {
    let wrapper = |module: &str| {
        format!(
            r#"{{"module": "keras.layers", "class_name": "TorchModuleWrapper", "registered_name": null, "config": {{"name": "torch_module_wrapper", "module": {module}}}}}"#
        )
    };
    // A protocol-0 pickle, as text (Keras keeps the bytes' text).
    let evil = serde_json::to_string("cos\nsystem\n(S'echo airlock'\ntR.").expect("json");
    let ctx = analyse_bytes(&keras(&sequential(&[wrapper(&evil)])), "m.keras");
    let found = ids(&ctx);
    assert!(
        found.contains(&("keras-unsafe-function", Severity::Medium)),
        "{found:?}"
    );
    assert!(
        found.contains(&("pickle-dangerous-call", Severity::Critical)),
        "{found:?}"
    );
    // Keras' `__bytes__` form, holding a pickle of a plain dict: only the wrapper itself.
    let bytes = format!(
        r#"{{"class_name": "__bytes__", "config": {{"value": {}}}}}"#,
        serde_json::to_string("(dp0\nS'a'\np1\nI1\ns.").expect("json")
    );
    let ctx = analyse_bytes(&keras(&sequential(&[wrapper(&bytes)])), "m.keras");
    assert_eq!(
        loud(&ctx),
        vec![(
            "keras-unsafe-function",
            "config.module, 18 bytes".to_string()
        )]
    );
}

#[path = "support/pb.rs"]
mod pb;

/// A TF-Keras SavedModel's `keras_metadata.pb`: `SavedObject` nodes (node_id 2, node_path 3,
/// identifier 4, metadata 5) each carrying a layer's or the model's JSON config.
fn keras_metadata(nodes: &[(&str, &str, &str)]) -> Vec<u8> {
    let objects: Vec<Vec<u8>> = nodes
        .iter()
        .enumerate()
        .map(|(i, (path, identifier, metadata))| {
            pb::bytes(
                1,
                &pb::cat(&[
                    pb::int(2, i as u64),
                    pb::bytes(3, path.as_bytes()),
                    pb::bytes(4, identifier.as_bytes()),
                    pb::bytes(5, metadata.as_bytes()),
                ]),
            )
        })
        .collect();
    pb::cat(&objects)
}

/// `tf.keras.models.load_model(dir)` revives each layer of a Keras 2 SavedModel from the JSON
/// config in `keras_metadata.pb`: a Lambda there is judged as in an `.h5` (high, once, although
/// the model's config and the layer's own node both carry it); a Dense model is quiet with facts.
#[test]
fn tf_keras_savedmodel_metadata_lambda_is_high_once() {
    let lambda = r#"{"class_name": "Lambda", "config": {"name": "lam", "function": ["ZGVmYW5nZWQ=", null, null], "function_type": "lambda", "module": "__main__"}}"#;
    let bad = keras_metadata(&[
        ("root", "_tf_keras_sequential", H5_LAMBDA),
        ("root.layer-1", "_tf_keras_layer", lambda),
    ]);
    let ctx = analyse_bytes(&bad, "keras_metadata.pb");
    assert_eq!(ctx.members[0].format, Format::KerasMetadata);
    let lambdas = ids(&ctx)
        .into_iter()
        .filter(|(id, _)| *id == "keras-lambda-layer")
        .collect::<Vec<_>>();
    assert_eq!(lambdas, vec![("keras-lambda-layer", Severity::High)]);
    // Only in a layer's node, not in the model's config: still found.
    let hidden = keras_metadata(&[
        ("root", "_tf_keras_sequential", H5_BENIGN),
        ("root.layer-1", "_tf_keras_layer", lambda),
    ]);
    let ctx = analyse_bytes(&hidden, "keras_metadata.pb");
    assert!(
        ids(&ctx).contains(&("keras-lambda-layer", Severity::High)),
        "{:?}",
        ids(&ctx)
    );
    let good = keras_metadata(&[
        ("root", "_tf_keras_sequential", H5_BENIGN),
        (
            "root.layer-0",
            "_tf_keras_layer",
            r#"{"class_name": "Dense", "config": {"name": "d", "units": 2}}"#,
        ),
    ]);
    let ctx = analyse_bytes(&good, "keras_metadata.pb");
    assert_eq!(ctx.members[0].format, Format::KerasMetadata);
    assert!(loud(&ctx).is_empty(), "{:?}", loud(&ctx));
    assert_eq!(ctx.facts["keras_metadata.pb"]["keras.layers"], "Dense:2");
    // Cut short inside a node: what was read is judged, the damage reported, no panic.
    for cut in 1..bad.len() {
        let _ = analyse_bytes(&bad[..cut], "keras_metadata.pb");
    }
    let ctx = analyse_bytes(&bad[..bad.len() - 5], "keras_metadata.pb");
    assert!(
        ids(&ctx).contains(&("keras-lambda-layer", Severity::High)),
        "{:?}",
        ids(&ctx)
    );
}
