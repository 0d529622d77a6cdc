//! Keras model configs: the `config.json` (and `metadata.json`) of a Keras v3 `.keras` archive,
//! and the `model_config` root attribute of a legacy Keras 2 HDF5 file ([`super::hdf5`]).
//!
//! Keras rebuilds a model from this JSON by importing what it names. Two shapes run code:
//! - a `Lambda` layer (or any serialized `__lambda__`) carries marshalled Python bytecode, which
//!   `keras.src.utils.python_utils.func_load` turns back into a function (Keras 3
//!   `layers/core/lambda_layer.py`; Keras 2 `layers/core/lambda_layer.py`; `safe_mode` is ignored
//!   for `.h5`, CVE-2025-9905);
//! - `module` / `class_name` / `registered_name` that point outside Keras: Keras 3
//!   `saving/serialization_lib.py` `_retrieve_class_or_fn` imports `module` and fetches
//!   `class_name` (or the `config` name of a `"function"`) from it (CVE-2025-1550).
//!
//! The whole JSON tree is walked (nested models, functional graphs, `shared_object_id`s, layer
//! wrappers), since Keras deserializes nested objects with the same code. Nothing is decoded or
//! run: the evidence shows the start of the base64 bytecode as it is stored.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::analyse::Ctx;
use crate::finding::{plural, truncate_chars, Finding, Location, Severity, Span};
use crate::formats::{json, protobuf, Format};
use crate::rules::keras as r;

/// The largest config parsed (bytes). Real configs of large functional models are a few MiB;
/// parsing builds a tree several times the text's size.
pub const MAX_CONFIG: usize = 64 << 20;

/// Top-level packages whose objects Keras deserializes as its own: Keras itself, TensorFlow,
/// the Keras 2 fork, and keras-team's model libraries (whose objects are registered under these
/// package names); and the TensorFlow project's own layer libraries, whose layers models are
/// saved with every day (TF-Hub's `KerasLayer`, TF Text, TF Addons, TF Probability, TF
/// Recommenders, KerasTuner; tester t21). A module is judged by its first dotted component,
/// exactly.
const KERAS_PACKAGES: &[&str] = &[
    "keras",
    "tensorflow",
    "tf_keras",
    "keras_hub",
    "keras_nlp",
    "keras_cv",
    "tensorflow_hub",
    "tensorflow_text",
    "tensorflow_addons",
    "tensorflow_probability",
    "tensorflow_recommenders",
    "keras_tuner",
];

/// Functions of Keras and TensorFlow (matched on the last name part of the object a config
/// names) that must not run from a config: (name, severity, what it does). Sources: Keras
/// advisories GHSA-c9rc-mg46-23w3 (CVE-2025-8747, `keras.utils.get_file` downloads and extracts
/// archives at load) and CVE-2025-9906 (`keras.config.enable_unsafe_deserialization` from a
/// config turns safe mode off, then a Lambda runs); Keras `src/utils/python_utils.py`
/// (`func_load` rebuilds marshalled bytecode); `keras.saving.load_model` and `TFSMLayer` load
/// another model from a path in the config.
const UNSAFE_FUNCTIONS: &[(&str, Severity, &str)] = &[
    (
        "get_file",
        Severity::Critical,
        "downloads a URL and may extract it over local paths",
    ),
    (
        "enable_unsafe_deserialization",
        Severity::Critical,
        "turns Keras safe mode off for the rest of the load (Lambda layers then run)",
    ),
    (
        "func_load",
        Severity::Critical,
        "rebuilds a Python function from marshalled bytecode",
    ),
    (
        "load_model",
        Severity::High,
        "loads another model from a path or URL the config names",
    ),
    (
        "TFSMLayer",
        Severity::High,
        "loads a TensorFlow SavedModel (its graph ops run) from a path the config names",
    ),
    ("write_file", Severity::Critical, "writes a file"),
    (
        "extract_archive",
        Severity::Critical,
        "extracts an archive over local paths",
    ),
    ("rmtree", Severity::Critical, "deletes a folder tree"),
    (
        "load_model_from_hdf5",
        Severity::High,
        "loads another model from a path the config names",
    ),
];

/// Modules whose import alone means commands, processes or code evaluation: a config naming
/// them is graded critical rather than high.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "builtins",
    "__builtin__",
    "sys",
    "runpy",
    "importlib",
    "shutil",
    "socket",
    "pty",
    "code",
    "pickle",
    "marshal",
];

/// Whether `url` is an `https` URL of a model on TF-Hub or Kaggle Models, the hub
/// `tensorflow_hub` resolves handles from (the host read as a URL parser reads it: after any
/// `user@`, before any port; a backslash in the authority is refused).
fn hub_model_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('\\') {
        return false;
    }
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let path = &rest[end..];
    match host.as_str() {
        "tfhub.dev" => true,
        "www.kaggle.com" | "kaggle.com" => path.starts_with("/models/"),
        _ => false,
    }
}

fn first_component(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

fn is_keras_module(module: &str) -> bool {
    KERAS_PACKAGES.contains(&first_component(module))
}

/// Analyse a Keras v3 `config.json` or `metadata.json` member; facts go to the archive.
pub fn analyse_config(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    let mut archive = loc.clone();
    archive.members.pop();
    archive.span = None;
    analyse_json(ctx, data, loc, &archive);
    Format::KerasConfig
}

/// Analyse Keras config JSON `data` found at `loc`; facts (Keras version, backend, layer counts)
/// are recorded for `facts_at`.
pub fn analyse_json(ctx: &mut Ctx, data: &[u8], loc: &Location, facts_at: &Location) {
    if data.len() > MAX_CONFIG {
        ctx.limit(
            loc,
            &format!("Keras config larger than {MAX_CONFIG} bytes"),
            &format!("the config ({})", plural(data.len(), "byte")),
        );
        return;
    }
    // Read as Python's `json` reads it (Keras 3 `json.loads`, tf.keras the `model_config`
    // attribute): lone surrogates, `NaN`, `1e400` and deep padding do not stop the reading.
    let parsed = json::from_python::<Value>(data);
    let dup = parsed.duplicate();
    let value = match parsed.value {
        Ok(v) => {
            // Keras reads the last of two equal keys, as airlock does; another reader of the
            // config may take the first (a layer's class hidden behind its duplicate).
            if let Some(dup) = dup {
                ctx.emit(json::duplicate_finding(loc, &dup, "the Keras config"));
            }
            if parsed.deep {
                // Python's json goes deeper than serde_json, so the config still loads. A model
                // graph has no use for that depth but hiding what is inside it.
                ctx.limit_at(
                    Severity::High,
                    loc,
                    &format!("Keras config nested deeper than {} levels", json::MAX_DEPTH),
                    "the values below that depth (the config above it was analysed)",
                );
            }
            v
        }
        Err(e) => {
            ctx.emit(
                Finding::builder(&r::keras_invalid_config::RULE, loc.clone())
                    .message("the Keras config is not valid JSON; Keras cannot load it and airlock did not analyse it")
                    .evidence(format!("{e} ({})", plural(data.len(), "byte")))
                    .build(),
            );
            return;
        }
    };
    let mut w = Walk {
        loc,
        layers: BTreeMap::new(),
        findings: Vec::new(),
        embedded: Vec::new(),
    };
    w.visit(&value, &mut String::new(), false);
    if let Some(v) = value.get("keras_version").and_then(Value::as_str) {
        ctx.fact(facts_at, "keras.version", v);
    }
    if let Some(v) = value.get("backend").and_then(Value::as_str) {
        ctx.fact(facts_at, "keras.backend", v);
    }
    if !w.layers.is_empty() {
        let counts: Vec<String> = w.layers.iter().map(|(k, n)| format!("{k}:{n}")).collect();
        ctx.fact(facts_at, "keras.layers", counts.join(", "));
    }
    for f in w.findings {
        ctx.emit(f);
    }
    // The module a TorchModuleWrapper carries is what `torch.load` unpickles: analysed as the
    // artifact it is (a pickle or a PyTorch zip).
    for (pointer, bytes) in w.embedded {
        let at = loc.with_span(Span::JsonPointer { pointer });
        ctx.nested(&bytes, &at, "module", 1);
    }
}

/// Whether `data` is a TF-Keras (Keras 2) SavedModel's `keras_metadata.pb`: a `SavedMetadata`
/// message (TF-Keras `protobuf/saved_metadata.proto`) whose field 1 repeats `SavedObject`
/// messages of `node_id` (2, varint), `node_path` (3), `identifier` (4, `_tf_keras_layer`,
/// `_tf_keras_model` …), `metadata` (5, the layer's JSON config) and `version` (6). The first
/// object must parse with only those fields and name a `_tf_keras_` identifier.
pub fn looks_like_metadata(data: &[u8]) -> bool {
    if data.len() < 4 || data[0] != 0x0a {
        return false;
    }
    let Some(Ok((1, protobuf::Value::Bytes(first)))) = protobuf::fields(data).next() else {
        return false;
    };
    let mut keras = false;
    for f in protobuf::fields(first).take(16) {
        match f {
            Ok((2, protobuf::Value::Varint(_))) => {}
            Ok((4, protobuf::Value::Bytes(b))) => keras |= b.starts_with(b"_tf_keras_"),
            Ok((3 | 5 | 6, protobuf::Value::Bytes(_))) => {}
            _ => return false,
        }
    }
    keras
}

/// Most `SavedObject` nodes of a `keras_metadata.pb` whose configs are read.
const MAX_METADATA_NODES: usize = 65_536;

/// Analyse a TF-Keras SavedModel's `keras_metadata.pb` ([`looks_like_metadata`]): every node's
/// `metadata` JSON is the config `tf.keras.models.load_model(dir)` revives its layer or model
/// from (TF-Keras `saving/legacy/saved_model/load.py`), so each is judged as a Keras config is
/// (a `Lambda` with marshalled bytecode, a layer class from another module). The root model's
/// config lists every layer again: a finding repeated by a layer's own node (same rule and
/// evidence) is kept once. Facts come from the root node, read last.
pub fn analyse_metadata(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    let mut configs: Vec<(usize, bool, &[u8])> = Vec::new();
    let mut walk = protobuf::fields(data);
    let mut extra = 0usize;
    while let Some(f) = walk.next() {
        match f {
            Ok((1, protobuf::Value::Bytes(node))) => {
                let at = walk.offset() - node.len();
                if configs.len() >= MAX_METADATA_NODES {
                    extra += 1;
                    continue;
                }
                let (mut root, mut meta) = (false, None);
                for g in protobuf::fields(node).flatten() {
                    match g {
                        (3, protobuf::Value::Bytes(p)) => root = p == b"root",
                        (5, protobuf::Value::Bytes(m)) => meta = Some(m),
                        _ => {}
                    }
                }
                if let Some(m) = meta.filter(|m| !m.is_empty()) {
                    configs.push((at, root, m));
                }
            }
            Ok(_) => {}
            Err(e) => {
                ctx.emit(
                    Finding::builder(&r::keras_invalid_config::RULE, loc.clone())
                        .message("keras_metadata.pb is cut short or damaged; the layer configs after the damage were not analysed")
                        .evidence(e.to_string())
                        .build(),
                );
                break;
            }
        }
    }
    if extra > 0 {
        ctx.limit(
            loc,
            &format!("more than {MAX_METADATA_NODES} nodes in keras_metadata.pb"),
            &format!("the configs of {}", plural(extra, "further node")),
        );
    }
    // Layers first, the root last (its facts stay).
    configs.sort_by_key(|c| c.1);
    let from = ctx.findings.len();
    for (at, _, meta) in configs {
        analyse_json(
            ctx,
            meta,
            &loc.with_span(Span::Offset { offset: at as u64 }),
            loc,
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut at = 0;
    ctx.findings.retain(|f| {
        at += 1;
        at <= from || seen.insert((f.rule.id, f.evidence.clone()))
    });
    Format::KerasMetadata
}

struct Walk<'a> {
    loc: &'a Location,
    layers: BTreeMap<String, u64>,
    findings: Vec<Finding>,
    /// Bytes a layer's config embeds that Keras hands to a loader (pointer, bytes): a
    /// `TorchModuleWrapper`'s `module`, which Keras `torch.load`s.
    embedded: Vec<(String, Vec<u8>)>,
}

/// Embedded blobs analysed per config at most.
const MAX_EMBEDDED: usize = 16;

/// RFC 6901 escaping of one pointer token.
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Walk<'_> {
    fn at(&self, pointer: &str) -> Location {
        self.loc.with_span(Span::JsonPointer {
            pointer: pointer.to_string(),
        })
    }

    /// Visit `v` at `pointer`; `in_lambda` is true inside a Lambda layer already reported.
    fn visit(&mut self, v: &Value, pointer: &mut String, in_lambda: bool) {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    self.visit(item, pointer, in_lambda);
                    pointer.truncate(len);
                }
            }
            Value::Object(map) => {
                let mut in_lambda = in_lambda;
                let class = map.get("class_name").and_then(Value::as_str);
                if let Some(class) = class {
                    let is_layer = map.get("config").is_some_and(Value::is_object)
                        && pointer
                            .rsplit_once('/')
                            .is_some_and(|(parent, _)| parent.ends_with("/layers"));
                    if is_layer {
                        *self.layers.entry(class.to_string()).or_default() += 1;
                    }
                    if class == "TorchModuleWrapper" {
                        self.torch_module(map, pointer);
                    }
                    if !in_lambda && (class == "Lambda" || class == "__lambda__") {
                        self.lambda(map, class, pointer);
                        in_lambda = true;
                    }
                }
                if !in_lambda {
                    self.model_handle(map, pointer);
                    self.file_config(map, pointer);
                    self.external(map, pointer);
                }
                for (k, child) in map {
                    if matches!(child, Value::Object(_) | Value::Array(_)) {
                        let len = pointer.len();
                        pointer.push('/');
                        pointer.push_str(&token(k));
                        self.visit(child, pointer, in_lambda);
                        pointer.truncate(len);
                    }
                }
            }
            _ => {}
        }
    }

    /// Keras 3's `TorchModuleWrapper` (`keras/src/utils/torch_utils.py`): `from_config` passes
    /// `config.module` to `torch.load(…, weights_only=False)`, which unpickles it whatever it
    /// holds. Reported (`keras-unsafe-function`, medium: a real wrapped module is a pickle of
    /// torch classes too) and the bytes kept for analysis as the pickle or zip they are. The
    /// value is a string of the bytes, or Keras' `{"class_name": "__bytes__", "config":
    /// {"value": …}}`; base64 is tried when the text is not a pickle or zip itself.
    fn torch_module(&mut self, map: &serde_json::Map<String, Value>, pointer: &str) {
        let module = map.get("config").and_then(|c| c.get("module"));
        let text = match module {
            Some(Value::String(s)) => Some(s.as_str()),
            Some(Value::Object(o)) => o
                .get("config")
                .and_then(|c| c.get("value"))
                .and_then(Value::as_str),
            _ => None,
        };
        let Some(text) = text else { return };
        self.findings.push(
            Finding::builder(&r::keras_unsafe_function::RULE, self.at(pointer))
                .severity(Severity::Medium)
                .message("TorchModuleWrapper: Keras passes the embedded module to torch.load with weights_only=False while loading; it is analysed below as the pickle it is")
                .evidence(format!("config.module, {}", plural(text.len(), "byte")))
                .build(),
        );
        let raw = text.as_bytes();
        let looks = raw.first() == Some(&0x80)
            || raw.starts_with(b"PK")
            || raw.starts_with(b"(")
            || raw.starts_with(b"c");
        let bytes = if looks {
            raw.to_vec()
        } else {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .unwrap_or_else(|_| raw.to_vec())
        };
        if self.embedded.len() < MAX_EMBEDDED {
            self.embedded
                .push((format!("{pointer}/config/module"), bytes));
        }
    }

    fn lambda(&mut self, map: &serde_json::Map<String, Value>, class: &str, pointer: &str) {
        let config = map.get("config");
        let name = config
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)");
        // Keras 3: config.function = {"class_name": "__lambda__", "config": {"code": "<base64>"}};
        // Keras 2: config.function = ["<base64>", defaults, closure], function_type "lambda";
        // a bare `__lambda__` object holds config.code itself.
        let function = if class == "__lambda__" {
            config
        } else {
            config.and_then(|c| c.get("function"))
        };
        let code = function.and_then(|f| {
            f.get("config")
                .and_then(|c| c.get("code"))
                .or_else(|| f.get("code"))
                .or_else(|| f.get(0))
                .or(Some(f))
        });
        let shown = match code {
            Some(Value::String(s)) => truncate_chars(s.trim(), 48),
            Some(other) => truncate_chars(&other.to_string(), 48),
            None => "(no function)".to_string(),
        };
        let what = if class == "Lambda" {
            format!("Lambda layer {name:?}")
        } else {
            "serialized lambda (__lambda__)".to_string()
        };
        self.findings.push(
            Finding::builder(&r::keras_lambda_layer::RULE, self.at(pointer))
                .message(format!(
                    "{what}: Keras rebuilds its Python function from the config; loading or calling the model runs it"
                ))
                .evidence(format!("{what}, function {shown}"))
                .build(),
        );
    }

    /// A Keras or TensorFlow function that the config names and that is unsafe to call from a
    /// config ([`UNSAFE_FUNCTIONS`]): `keras-unsafe-function`.
    fn unsafe_function(&mut self, target: &str, pointer: &str) {
        let last = target.rsplit('.').next().unwrap_or(target);
        let Some((_, severity, does)) = UNSAFE_FUNCTIONS.iter().find(|(n, _, _)| *n == last) else {
            return;
        };
        self.findings.push(
            Finding::builder(&r::keras_unsafe_function::RULE, self.at(pointer))
                .severity(*severity)
                .message(format!(
                    "the config names {}, which {does}; Keras calls it while loading, safe mode or not",
                    truncate_chars(target, 120)
                ))
                .evidence(truncate_chars(target, 200))
                .build(),
        );
    }

    /// A layer whose config names another model that Keras fetches and loads when it builds
    /// the layer, judged as that load (tester t29 K6): TF-Hub's `KerasLayer` (`handle`, the
    /// documented `custom_objects={'KerasLayer': hub.KerasLayer}` pattern, and the `.keras`
    /// form from `tensorflow_hub.keras_layer`) downloads the handle (`hub.resolve`) and loads it
    /// as a SavedModel, whose graph then runs, as `TFSMLayer` loads its `filepath`. A handle on
    /// the hub itself (`https://tfhub.dev/…`, `https://www.kaggle.com/models/…`) is low, a
    /// dependency named for the record; any other URL (`http:`, `gs:`, `file:`, another host)
    /// or a local path (resolved from wherever the loader runs, outside the model) is high.
    fn model_handle(&mut self, map: &serde_json::Map<String, Value>, pointer: &str) {
        let Some(class) = map.get("class_name").and_then(Value::as_str) else {
            return;
        };
        if class.rsplit('.').next() != Some("KerasLayer") {
            return;
        }
        let Some(handle) = map
            .get("config")
            .and_then(|c| c.get("handle"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            return;
        };
        let (severity, where_) = if hub_model_url(handle) {
            (Severity::Low, "a model on TF-Hub / Kaggle Models")
        } else if handle.contains("://") {
            (Severity::High, "a model at a URL outside TF-Hub")
        } else {
            (Severity::High, "a model at a local path outside this file")
        };
        self.findings.push(
            Finding::builder(&r::keras_unsafe_function::RULE, self.at(pointer))
                .severity(severity)
                .message(format!(
                    "KerasLayer loads {where_} ({}) as a TensorFlow SavedModel when the layer is built; its graph runs when the model is called",
                    truncate_chars(handle, 120)
                ))
                .evidence(truncate_chars(&format!("{class}.handle = {handle:?}"), 200))
                .build(),
        );
    }

    /// A layer whose config names a file it reads when it is built: `StringLookup`,
    /// `IntegerLookup` and `TextVectorization` with `vocabulary` (or `vocabulary_file`) given as
    /// a path, and keras-hub tokenizers with `vocabulary`, `merges` or `proto` as a path
    /// (CVE-2025-12058: any local file, or a `gs://` / `hdfs://` URL through `tf.io.gfile`, is
    /// read at load, safe mode or not). Saved models keep these in the archive's assets, so a
    /// string here is a path outside the model: `keras-unsafe-function`, high.
    fn file_config(&mut self, map: &serde_json::Map<String, Value>, pointer: &str) {
        let Some(config) = map.get("config").and_then(Value::as_object) else {
            return;
        };
        let class = map.get("class_name").and_then(Value::as_str).unwrap_or("?");
        for key in ["vocabulary", "vocabulary_file", "merges", "proto"] {
            let Some(path) = config.get(key).and_then(Value::as_str) else {
                continue;
            };
            if path.trim().is_empty() {
                continue;
            }
            self.findings.push(
                Finding::builder(&r::keras_unsafe_function::RULE, self.at(pointer))
                    .severity(Severity::High)
                    .message(format!(
                        "{} has its `{key}` given as the path {}, which Keras reads when it builds the layer, safe mode or not (CVE-2025-12058)",
                        truncate_chars(class, 60),
                        truncate_chars(path, 120)
                    ))
                    .evidence(truncate_chars(&format!("{class}.{key} = {path:?}"), 200))
                    .build(),
            );
        }
    }

    fn external(&mut self, map: &serde_json::Map<String, Value>, pointer: &str) {
        // A `module` value that is no dotted name is data (a TorchModuleWrapper's config keeps
        // its pickled module under that key), not something Keras imports.
        let module = map.get("module").and_then(Value::as_str).filter(|m| {
            m.len() <= 256
                && m.split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        });
        let class = map.get("class_name").and_then(Value::as_str);
        let registered = map.get("registered_name").and_then(Value::as_str);
        let mut bad: Vec<(String, &str)> = Vec::new();
        // `__main__` is the running program (a notebook's `@register_keras_serializable`
        // layers are saved so): importing it imports nothing new.
        if let Some(m) = module.filter(|m| *m != "__main__") {
            if !is_keras_module(m) {
                bad.push((m.to_string(), "module"));
            }
        }
        // A dotted class_name is a module path too (Keras 2 `tf.keras` configs use bare names).
        if let Some(c) = class {
            if c.contains('.') && !is_keras_module(c) {
                bad.push((c.to_string(), "class_name"));
            }
        }
        // `registered_name` (`package>Name`) is only a key of the custom-object registry
        // (`object_registration.get_registered_object`): nothing is imported to resolve it, so
        // it is shown in the evidence but never judged by itself.
        let target = match (module, class) {
            (Some(m), Some("function")) => {
                let f = map.get("config").and_then(Value::as_str).unwrap_or("?");
                format!("{m}.{f}")
            }
            (Some(m), Some(c)) => format!("{m}.{c}"),
            (None, Some(c)) => c.to_string(),
            (Some(m), None) => m.to_string(),
            (None, None) => registered.unwrap_or("?").to_string(),
        };
        if bad.is_empty() {
            // A registry key that spells a system module (`os>system`) imports nothing, but no
            // tool writes one: medium.
            if let Some(reg) = registered.filter(|r| {
                r.split_once('>')
                    .is_some_and(|(p, _)| DANGEROUS_MODULES.contains(&first_component(p)))
            }) {
                self.findings.push(
                    Finding::builder(&r::keras_external_object::RULE, self.at(pointer))
                        .severity(Severity::Medium)
                        .message(format!(
                            "the registered name {reg} spells a system module; Keras only looks it up among registered objects, but no tool writes such a name"
                        ))
                        .evidence(format!("{target} (registered_name {reg:?})"))
                        .build(),
                );
            }
            self.unsafe_function(&target, pointer);
            return;
        }
        let dangerous = bad
            .iter()
            .any(|(m, _)| DANGEROUS_MODULES.contains(&first_component(m)));
        let fields: Vec<String> = bad.iter().map(|(m, k)| format!("{k} {m:?}")).collect();
        self.findings.push(
            Finding::builder(&r::keras_external_object::RULE, self.at(pointer))
                .severity(if dangerous {
                    Severity::Critical
                } else {
                    Severity::High
                })
                .message(format!(
                    "the config names {target}, outside Keras and TensorFlow; Keras imports it while loading"
                ))
                .evidence(format!(
                    "{target} ({}; registered_name {})",
                    fields.join(", "),
                    registered.map_or("null".to_string(), |r| format!("{r:?}"))
                ))
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_are_read_as_null() {
        let v: Value = json::from_python(br#"{"a": NaN, "b": "NaN", "c": -Infinity}"#)
            .value
            .expect("parses");
        assert!(v["a"].is_null());
        assert_eq!(v["b"], "NaN");
        assert!(v["c"].is_null());
    }

    #[test]
    fn hub_urls_are_read_as_urls() {
        for ok in [
            "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5",
            "https://www.kaggle.com/models/google/mobilenet-v2/TensorFlow2/100-224-feature-vector/2",
            "https://TFHUB.dev:443/google/x/1?tf-hub-format=compressed",
        ] {
            assert!(hub_model_url(ok), "{ok}");
        }
        for bad in [
            "http://tfhub.dev/google/x/1",
            "https://tfhub.dev@evil.example.invalid/x",
            "https://tfhub.dev.example.invalid/x",
            "https://evil.example.invalid/tfhub.dev/x",
            "https://www.kaggle.com/datasets/x",
            "https://tfhub.dev\\@evil.example.invalid/x",
            "gs://bucket/model",
            "/tmp/model",
        ] {
            assert!(!hub_model_url(bad), "{bad}");
        }
    }

    #[test]
    fn module_prefixes() {
        assert!(is_keras_module("keras.layers"));
        assert!(is_keras_module("keras_hub.src.models"));
        assert!(!is_keras_module("keras_evil"));
        assert!(!is_keras_module("os"));
    }
}
