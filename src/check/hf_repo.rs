//! Hugging Face repository folders: shard indexes, remote code, pickle weights.
//!
//! A folder is read as a repository from the names a loader looks for: `config.json`,
//! `tokenizer_config.json`, `*.index.json` shard indexes. The Hugging Face cache's snapshot
//! folders are repositories too: discovery analyses a snapshot's links to `blobs/` at the link's
//! path (`discover`), so the names are there.
//!
//! - Shard indexes (`model.safetensors.index.json`, `pytorch_model.bin.index.json`, any
//!   `*.index.json` with a `weight_map`): every shard named exists (`shard-missing`), the
//!   `weight_map` names each tensor once and each safetensors shard holds exactly the tensors the
//!   index assigns to it (`shard-index-mismatch`, compared through the analyser's fact
//!   [`NAMES_FACT`]), and weight files of the index's kind that no index names are reported
//!   (`shard-unreferenced`).
//! - Remote code: `auto_map` and `custom_pipelines` (`impl`) in the configs name modules
//!   `trust_remote_code=True` imports (`remote-code`), as do custom components and pipelines in
//!   diffusers' `model_index.json` and custom module types in sentence-transformers'
//!   `modules.json` ([`CODE_MANIFESTS`]); the modules themselves were analysed as Python source
//!   like every `*.py`.
//! - Pickle files in a repository (`pickle-weights-in-repo`), next to safetensors or alone.
//!
//! What this check reads: the index and config JSON files (small; up to [`MAX_JSON`] bytes), and
//! the header of a safetensors shard whose tensor names disagree with its index (to name the
//! tensors), never tensor data. Everything else comes from the reports and file metadata.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

use crate::finding::{plural, truncate_chars, Finding, Location, Severity, Verdict};
use crate::formats::json::{self, Pairs};
use crate::formats::safetensors::{names_digest, MAX_VALIDATED, NAMES_FACT};
use crate::formats::Format;
use crate::rules::repo as r;
use crate::scan::FileReport;

/// Largest index or config JSON read (bytes); a DeepSeek-V3 index is about 9 MB.
pub const MAX_JSON: u64 = 64 << 20;

/// Configs whose `auto_map` transformers honours with `trust_remote_code=True`.
const CONFIGS: &[&str] = &[
    "config.json",
    "tokenizer_config.json",
    "processor_config.json",
    "preprocessor_config.json",
    "video_preprocessor_config.json",
];

/// The module transformers' `generate(custom_generate=…, trust_remote_code=True)` loads from a
/// repository, and the function of it that it calls.
const CUSTOM_GENERATE: &str = "custom_generate/generate.py";

/// Class methods a loader calls on a class an `auto_map` names, besides calling the class
/// (its constructors).
const LOADER_METHODS: &[&str] = &[
    "from_pretrained",
    "from_config",
    "_from_config",
    // `PreTrainedModel.__init__` calls `post_init`, which initialises weights the checkpoint
    // lacks through `init_weights` / `_init_weights`.
    "post_init",
    "init_weights",
    "_init_weights",
    // `from_pretrained` then ties the weights, asks whether the class generates, picks the
    // attention implementation and puts the model in eval mode (transformers
    // `modeling_utils.py`).
    "tie_weights",
    "_tie_or_clone_weights",
    "get_input_embeddings",
    "get_output_embeddings",
    "can_generate",
    "_autoset_attn_implementation",
    "_check_and_adjust_attn_implementation",
    "_backward_compatibility_gradient_checkpointing",
    "eval",
];

/// What a loader calls in the Python code of a repository folder, for the join of a
/// package's modules (`check/python_modules.rs`), which grades what those calls reach as code
/// run at load.
#[derive(Debug, Clone)]
pub struct LoaderCalls {
    /// The report the loader's own findings would go to (its manifest, or the module).
    pub report: usize,
    /// Where the loader sits: its manifest (`config.json`), or a name for it in the folder
    /// (`torch.hub.load`), so relative names resolve against that folder.
    pub location: std::path::PathBuf,
    /// The callables it calls, as relative dotted names (`.modeling_x.XModel`,
    /// `.modeling_x.XModel.from_pretrained`), sorted.
    pub calls: Vec<String>,
    /// Modules it imports (runs the top level of) without calling into them, as relative
    /// dotted names (`.chain`: MLflow's models from code).
    pub imports: Vec<String>,
}

/// Every loader's calls into the code of the folders scanned: the classes `auto_map`,
/// `custom_pipelines`, diffusers and sentence-transformers manifests name (called, and their
/// [`LOADER_METHODS`]), `custom_generate/generate.py`'s `generate`, and for a `hubconf.py`
/// the public functions `hubconf` names (`entries`: its report, and the functions its parse or
/// the prefilter found; `torch.hub.load(repo, name)` calls one).
pub fn loader_calls(files: &[FileReport], entries: &[(usize, Vec<String>)]) -> Vec<LoaderCalls> {
    let by_path = paths_index(files);
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let (Some(dir), Some(name)) = (f.path.parent(), f.path.file_name()) else {
            continue;
        };
        let name = name.to_string_lossy();
        if name == "MLmodel" {
            // MLflow's pyfunc loader: `loader_module` from the model's `code` folder (on
            // `sys.path`), its `_load_pyfunc` called; a `model_code_path` file run.
            let text = read_small(&f.path).unwrap_or_default();
            for (folder, module, calls) in
                crate::formats::mlflow::loader_imports(&String::from_utf8_lossy(&text))
            {
                let (calls, imports) = if calls {
                    (vec![format!(".{module}._load_pyfunc")], Vec::new())
                } else {
                    (Vec::new(), vec![format!(".{module}")])
                };
                out.push(LoaderCalls {
                    report: i,
                    location: dir.join(folder).join("mlflow.pyfunc.load_model"),
                    calls,
                    imports,
                });
            }
            continue;
        }
        if !(CONFIGS.contains(&name.as_ref()) || CODE_MANIFESTS.contains(&name.as_ref())) {
            continue;
        }
        let Some(value) =
            read_small(&f.path).and_then(|b| json::from_python::<serde_json::Value>(&b).value.ok())
        else {
            continue;
        };
        let exists = |rel: &str| by_path.contains_key(dir.join(rel).as_path());
        let mut calls = BTreeSet::new();
        for (_, _, reference) in references(&f.path, &value, &exists) {
            if reference.starts_with("installed ") || reference.contains("--") {
                continue;
            }
            calls.insert(format!(".{reference}"));
            for m in LOADER_METHODS {
                calls.insert(format!(".{reference}.{m}"));
            }
        }
        if name == "config.json" && exists(CUSTOM_GENERATE) {
            calls.insert(".custom_generate.generate.generate".to_string());
        }
        if !calls.is_empty() {
            out.push(LoaderCalls {
                report: i,
                location: f.path.clone(),
                calls: calls.into_iter().collect(),
                imports: Vec::new(),
            });
        }
    }
    for (i, functions) in entries {
        let Some(dir) = files.get(*i).and_then(|f| f.path.parent()) else {
            continue;
        };
        let calls: BTreeSet<String> = functions
            .iter()
            // A module `__getattr__` answers any entry name `torch.hub.load` asks for.
            .filter(|f| (!f.starts_with('_') || *f == "__getattr__") && !f.contains('.'))
            .map(|f| format!(".hubconf.{f}"))
            .collect();
        if !calls.is_empty() {
            out.push(LoaderCalls {
                report: *i,
                location: dir.join("torch.hub.load"),
                calls: calls.into_iter().collect(),
                imports: Vec::new(),
            });
        }
    }
    out
}

/// Manifests of other libraries that name code to import from the repository: diffusers'
/// `model_index.json` (a component `[library, class]` whose `<component>/<library>.py` exists is
/// loaded with `get_class_from_dynamic_module`; `_class_name` as `[module, class]` is a custom
/// pipeline in `<module>.py`), sentence-transformers' `modules.json` (a module `type` outside
/// `sentence_transformers.` is imported, from the repository with `trust_remote_code=True`),
/// PEFT's `adapter_config.json` (`auto_mapping.parent_library`, imported by `AutoPeftModel`).
const CODE_MANIFESTS: &[&str] = &["model_index.json", "modules.json", "adapter_config.json"];

/// Libraries a PEFT adapter's `auto_mapping.parent_library` names in ordinary adapters (the
/// base model's class comes from one of them).
const PEFT_PARENT_LIBRARIES: &[&str] = &[
    "transformers",
    "peft",
    "diffusers",
    "timm",
    "torchvision",
    "sentence_transformers",
];

/// Standard-library modules whose import alone does something (opens a browser, starts IDLE,
/// prints): a diffusers component naming one as its "library" runs that when the pipeline is
/// loaded (diffusers imports the library before it looks for the class). Importing other
/// standard modules (`os`, `subprocess`) calls nothing.
const IMPORT_SIDE_EFFECTS: &[&str] = &["antigravity", "idlelib", "this", "__hello__", "__phello__"];

/// Findings listed per index or config at most; the rest are summed up in the last one.
const MAX_PER_FILE: usize = 64;

/// Run the repository checks over every folder.
pub fn check(files: &[FileReport], _: &super::Inputs) -> Vec<(usize, Finding)> {
    let mut dirs: BTreeMap<&Path, BTreeMap<String, usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let (Some(dir), Some(name)) = (f.path.parent(), f.path.file_name()) else {
            continue;
        };
        dirs.entry(dir)
            .or_default()
            .insert(name.to_string_lossy().into_owned(), i);
    }
    let by_path = paths_index(files);
    let mut out = Vec::new();
    for (dir, names) in &dirs {
        let is_repo = names.keys().any(|n| {
            CONFIGS.contains(&n.as_str())
                || CODE_MANIFESTS.contains(&n.as_str())
                || n.ends_with(".index.json")
        });
        if !is_repo {
            continue;
        }
        let mut referenced = BTreeSet::new();
        let mut kinds = BTreeSet::new();
        for (name, &i) in names {
            if name.ends_with(".index.json") {
                shard_index(files, dir, names, i, &mut referenced, &mut kinds, &mut out);
            }
        }
        for (name, &i) in names {
            let kind = weight_kind(name);
            if kind.is_some_and(|k| kinds.contains(k)) && !referenced.contains(name) {
                out.push((
                    i,
                    Finding::builder(&r::shard_unreferenced::RULE, Location::file(&files[i].path))
                        .message(format!(
                            "{name} is a weight file no shard index in its folder names"
                        ))
                        .evidence(format!(
                            "indexes of {} weights in {}",
                            kind.unwrap_or(""),
                            dir.display()
                        ))
                        .build(),
                ));
            }
            if CONFIGS.contains(&name.as_str()) || CODE_MANIFESTS.contains(&name.as_str()) {
                remote_code(files, &by_path, i, &mut out);
            }
        }
        pickle_weights(files, names, &mut out);
        if let Some(&g) = by_path.get(dir.join(CUSTOM_GENERATE).as_path()) {
            out.push((
                g,
                Finding::builder(&r::remote_code::RULE, Location::file(&files[g].path))
                    .message(
                        "generate(custom_generate=…, trust_remote_code=True) on this repository imports this module and calls its generate()",
                    )
                    .evidence(CUSTOM_GENERATE)
                    .build(),
            ));
        }
    }
    out
}

/// Each report's index by its path.
fn paths_index(files: &[FileReport]) -> std::collections::HashMap<&Path, usize> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_path(), i))
        .collect()
}

/// The weight kind a file name belongs to, for `shard-unreferenced`.
fn weight_kind(name: &str) -> Option<&'static str> {
    if name.ends_with(".safetensors") {
        Some("safetensors")
    } else if name.ends_with(".bin")
        && (name.starts_with("pytorch_model") || name.starts_with("model"))
    {
        Some("bin")
    } else {
        None
    }
}

/// Read a small file whole, up to [`MAX_JSON`] bytes.
fn read_small(path: &Path) -> Option<Vec<u8>> {
    let size = std::fs::metadata(path).ok()?.len();
    (size <= MAX_JSON)
        .then(|| std::fs::read(path).ok())
        .flatten()
}

/// The part of a shard index read here.
#[derive(serde::Deserialize)]
struct Index {
    weight_map: Option<Pairs>,
}

/// Check one `*.index.json`: shards exist, tensors named once, safetensors headers agree.
fn shard_index(
    files: &[FileReport],
    dir: &Path,
    names: &BTreeMap<String, usize>,
    i: usize,
    referenced: &mut BTreeSet<String>,
    kinds: &mut BTreeSet<&'static str>,
    out: &mut Vec<(usize, Finding)>,
) {
    let path = &files[i].path;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let known = name == "model.safetensors.index.json" || name == "pytorch_model.bin.index.json";
    let at = |msg: String, ev: String, rule| {
        Finding::builder(rule, Location::file(path))
            .message(msg)
            .evidence(ev)
            .build()
    };
    let parsed = read_small(path).map(|b| json::from_python::<Index>(&b).value);
    let map = match parsed {
        Some(Ok(Index {
            weight_map: Some(m),
        })) => m.0,
        Some(Err(e)) if known => {
            out.push((
                i,
                at(
                    "the shard index is not valid JSON with a `weight_map` object".into(),
                    truncate_chars(&e.to_string(), 200),
                    &r::shard_index_mismatch::RULE,
                ),
            ));
            return;
        }
        // Another kind of `*.index.json`, or too large to read (not a shard index we know).
        _ => return,
    };
    // shard name → tensors the index assigns to it.
    let mut shards: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut dups = Vec::new();
    let mut bad_values = 0usize;
    for (tensor, shard) in &map {
        let Some(shard) = shard.as_str() else {
            bad_values += 1;
            continue;
        };
        if !seen.insert(tensor.as_str()) {
            dups.push(tensor.as_str());
        }
        shards.entry(shard.to_string()).or_default().push(tensor);
    }
    if !dups.is_empty() || bad_values > 0 {
        let mut what = Vec::new();
        if !dups.is_empty() {
            what.push(format!("names {} twice", plural(dups.len(), "tensor")));
        }
        if bad_values > 0 {
            what.push(format!(
                "has {}",
                plural(bad_values, "non-string shard name")
            ));
        }
        out.push((
            i,
            at(
                format!("the weight_map {}", what.join(" and ")),
                truncate_chars(&dups.join(", "), 200),
                &r::shard_index_mismatch::RULE,
            ),
        ));
    }
    let mut missing = Vec::new();
    for (shard, tensors) in &shards {
        if escapes(shard) {
            out.push((
                i,
                at(
                    format!(
                        "shard name `{}` leaves the repository folder",
                        truncate_chars(shard, 120)
                    ),
                    truncate_chars(shard, 200),
                    &r::shard_missing::RULE,
                ),
            ));
            continue;
        }
        if let Some(k) = weight_kind(shard) {
            kinds.insert(k);
        }
        referenced.insert(shard.clone());
        let on_disk = dir.join(shard);
        if std::fs::metadata(&on_disk).is_err() {
            missing.push(shard.as_str());
            continue;
        }
        let Some(&s) = names.get(shard.as_str()) else {
            continue;
        };
        let sr = &files[s];
        if sr.format != Format::Safetensors {
            continue;
        }
        let key = Location::file(&sr.path).artifact_name();
        let Some(digest) = sr.facts.get(&key).and_then(|f| f.get(NAMES_FACT)) else {
            continue;
        };
        if *digest == names_digest(tensors.iter().copied()) {
            continue;
        }
        let (ev, msg) = describe_difference(&sr.path, tensors, &shards, shard);
        out.push((
            s,
            Finding::builder(&r::shard_index_mismatch::RULE, Location::file(&sr.path))
                .message(msg)
                .evidence(ev)
                .build(),
        ));
    }
    let total = missing.len();
    for shard in missing.iter().take(MAX_PER_FILE) {
        out.push((
            i,
            at(
                format!("the index names {shard}, which is not in the folder ({total} missing)"),
                format!("{name}: {shard}"),
                &r::shard_missing::RULE,
            ),
        ));
    }
}

/// True when a shard name is absolute or climbs out of the folder.
fn escapes(shard: &str) -> bool {
    shard.is_empty()
        || shard.starts_with('\\')
        || Path::new(shard)
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Read a shard's header again (header only) and say which tensors differ from the index.
fn describe_difference(
    path: &Path,
    assigned: &[&str],
    shards: &BTreeMap<String, Vec<&str>>,
    shard: &str,
) -> (String, String) {
    let Some(held) = header_names(path) else {
        return (
            "tensor-name digests differ".into(),
            format!("{shard} holds other tensors than the index assigns to it"),
        );
    };
    let assigned: BTreeSet<&str> = assigned.iter().copied().collect();
    let extra: Vec<&str> = held
        .iter()
        .map(String::as_str)
        .filter(|t| !assigned.contains(t))
        .collect();
    let absent: Vec<&str> = assigned
        .iter()
        .copied()
        .filter(|t| !held.contains(*t))
        .collect();
    let elsewhere: Vec<String> = extra
        .iter()
        .filter_map(|t| {
            shards
                .iter()
                .find(|(s, ts)| s.as_str() != shard && ts.contains(t))
                .map(|(s, _)| format!("{t} (index: {s})"))
        })
        .take(5)
        .collect();
    let msg = if elsewhere.is_empty() {
        format!(
            "{shard} holds {} tensor(s) the index does not assign to it and lacks {} it does",
            extra.len(),
            absent.len()
        )
    } else {
        format!(
            "{shard} holds {} tensor(s) that the index assigns to another shard: a second copy replaces the first at load",
            elsewhere.len()
        )
    };
    let show = |v: &[&str]| {
        truncate_chars(
            &v.iter().take(5).copied().collect::<Vec<_>>().join(", "),
            200,
        )
    };
    let ev = if elsewhere.is_empty() {
        format!(
            "not in the index: [{}]; missing: [{}]",
            show(&extra),
            show(&absent)
        )
    } else {
        truncate_chars(&elsewhere.join(", "), 300)
    };
    (ev, msg)
}

/// The tensor names of a safetensors header, read from the file (header only, bounded).
fn header_names(path: &Path) -> Option<BTreeSet<String>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let size = f.metadata().ok()?.len();
    let mut n8 = [0u8; 8];
    f.read_exact(&mut n8).ok()?;
    let n = u64::from_le_bytes(n8);
    if n > MAX_VALIDATED || n > size.saturating_sub(8) {
        return None;
    }
    let mut buf = vec![0u8; n as usize];
    f.read_exact(&mut buf).ok()?;
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&buf).ok()?;
    Some(
        map.into_iter()
            .map(|(k, _)| k)
            .filter(|k| k != "__metadata__")
            .collect(),
    )
}

/// The code references of diffusers' `model_index.json`, as (where, entry, reference), where a
/// reference is `module.Class` with `module` a dotted path from the folder (`unet.my_unet` for
/// `unet/my_unet.py`), or `module` alone for an installed library that runs code.
fn diffusers_refs<'v>(
    value: &'v serde_json::Value,
    exists: &dyn Fn(&str) -> bool,
) -> Vec<(&'static str, &'v str, String)> {
    let mut refs = Vec::new();
    let Some(map) = value.as_object() else {
        return refs;
    };
    for (key, v) in map {
        let pair = v.as_array().and_then(|a| match a.as_slice() {
            [serde_json::Value::String(lib), class] => Some((lib.as_str(), class.as_str())),
            _ => None,
        });
        let Some((library, class)) = pair else {
            continue;
        };
        if key == "_class_name" {
            refs.push((
                "model_index.json",
                key.as_str(),
                format!("{library}.{}", class.unwrap_or("")),
            ));
        } else if !key.starts_with('_')
            && !library.contains(['/', '\\'])
            && !key.contains(['/', '\\', '.'])
        {
            if exists(&format!("{key}/{library}.py")) {
                refs.push((
                    "model_index.json",
                    key.as_str(),
                    format!("{key}.{library}.{}", class.unwrap_or("")),
                ));
            } else if IMPORT_SIDE_EFFECTS.contains(&library.split('.').next().unwrap_or("")) {
                refs.push((
                    "model_index.json",
                    key.as_str(),
                    format!("installed {library}.{}", class.unwrap_or("")),
                ));
            }
        }
    }
    refs
}

/// The references a config or code manifest at `path` (parsed: `value`) makes to Python code,
/// as (where, entry, `module.Class`): what transformers resolves with
/// `get_class_from_dynamic_module` when `trust_remote_code=True` (`auto_map` for the Auto
/// classes, `custom_pipelines.<task>.impl` for `pipeline()`), and their kin in diffusers and
/// sentence-transformers manifests. `exists` says whether a path relative to the folder is a
/// scanned file.
fn references(
    path: &Path,
    value: &serde_json::Value,
    exists: &dyn Fn(&str) -> bool,
) -> Vec<(&'static str, String, String)> {
    // (where, entry, `module.Class`): references that transformers resolves with
    // `get_class_from_dynamic_module` when `trust_remote_code=True` (`auto_map` for the Auto
    // classes, `custom_pipelines.<task>.impl` for `pipeline()`), and their kin in diffusers and
    // sentence-transformers manifests.
    let mut refs: Vec<(&'static str, String, String)> = Vec::new();
    if let Some(map) = value.get("auto_map").and_then(|m| m.as_object()) {
        for (auto, v) in map {
            match v {
                serde_json::Value::String(s) => refs.push(("auto_map", auto.clone(), s.clone())),
                serde_json::Value::Array(a) => refs.extend(
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(|s| ("auto_map", auto.clone(), s.to_string())),
                ),
                _ => {}
            }
        }
    }
    if let Some(map) = value.get("custom_pipelines").and_then(|m| m.as_object()) {
        for (task, v) in map {
            if let Some(reference) = v.get("impl").and_then(|x| x.as_str()) {
                refs.push(("custom_pipelines", task.clone(), reference.to_string()));
            }
        }
    }
    match path.file_name().and_then(|n| n.to_str()) {
        Some("model_index.json") => refs.extend(
            diffusers_refs(value, exists)
                .into_iter()
                .map(|(w, e, r)| (w, e.to_string(), r)),
        ),
        Some("modules.json") => {
            // Only a sentence-transformers manifest: one of its modules is theirs, or their
            // model config sits beside it (other tools write `modules.json` files too).
            let entries = value.as_array().map(Vec::as_slice).unwrap_or_default();
            let theirs = entries.iter().any(|m| {
                m.get("type")
                    .and_then(|t| t.as_str())
                    .is_some_and(|t| t.starts_with("sentence_transformers."))
            }) || exists("config_sentence_transformers.json")
                || (!entries.is_empty()
                    && entries.iter().all(|m| {
                        ["idx", "name", "path", "type"]
                            .iter()
                            .all(|k| m.get(k).is_some())
                    }));
            for m in entries.iter().filter(|_| theirs) {
                let (Some(t), name) = (
                    m.get("type").and_then(|t| t.as_str()),
                    m.get("name").and_then(|t| t.as_str()).unwrap_or("?"),
                ) else {
                    continue;
                };
                if !t.starts_with("sentence_transformers.") {
                    refs.push(("modules.json type", name.to_string(), t.to_string()));
                }
            }
        }
        // PEFT's `AutoPeftModel.from_pretrained` imports `auto_mapping.parent_library` with
        // `importlib.import_module` and calls `from_pretrained` of its `base_model_class`, with
        // no `trust_remote_code` asked (tester t17 h10). A library of its own kind is not
        // reported; `transformers_modules.…` (the Hub's remote-code cache) or any other is.
        Some("adapter_config.json") => {
            let mapping = value.get("auto_mapping");
            let get = |k: &str| mapping.and_then(|m| m.get(k)).and_then(|v| v.as_str());
            if let (Some(library), Some(class)) = (get("parent_library"), get("base_model_class")) {
                let root = library.split('.').next().unwrap_or(library);
                if !PEFT_PARENT_LIBRARIES.contains(&root) {
                    refs.push((
                        "peft auto_mapping",
                        "parent_library".to_string(),
                        format!("{library}.{class}"),
                    ));
                }
            }
        }
        _ => {}
    }
    refs
}

/// Report the modules an `auto_map`, a `custom_pipelines` entry, a diffusers component or a
/// sentence-transformers module type would run.
fn remote_code(
    files: &[FileReport],
    by_path: &std::collections::HashMap<&Path, usize>,
    i: usize,
    out: &mut Vec<(usize, Finding)>,
) {
    let path = &files[i].path;
    let Some(bytes) = read_small(path) else {
        return;
    };
    let parsed = json::from_python::<serde_json::Value>(&bytes);
    let dup = parsed.duplicate();
    let Ok(value) = parsed.value else {
        return;
    };
    if parsed.deep {
        out.push((
            i,
            Finding::builder(
                &crate::rules::core::resource_limit::RULE,
                Location::file(path),
            )
            .severity(Severity::Low)
            .message(format!(
                "analysis stopped by a bound: JSON nested deeper than {} levels",
                json::MAX_DEPTH
            ))
            .evidence("the values below that depth (its keys above it were read)")
            .build(),
        ));
    }
    // transformers keeps the last of two equal keys (`auto_map` twice: the module it imports is
    // the last one's); other readers take the first. A tokenizer config with a chat template was
    // checked by its analyser already.
    if files[i].format != Format::TokenizerConfig {
        if let Some(dup) = dup {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((
                i,
                json::duplicate_finding(&Location::file(path), &dup, &format!("`{name}`")),
            ));
        }
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let exists = |rel: &str| by_path.contains_key(dir.join(rel).as_path());
    let refs = references(path, &value, &exists);
    // sentence-transformers imports a module `type` as a dotted path from any installed
    // library (`import_from_string`) and calls its `load(path)`, or the class itself with the
    // module's folder: a denylisted callable there (`subprocess.Popen` runs the repository's
    // file of that name) is judged as a config's target is (tester t21).
    let mut judged: BTreeSet<&str> = BTreeSet::new();
    for (source, entry, reference) in refs.iter().filter(|r| r.0 == "modules.json type") {
        let Some((severity, what)) =
            crate::formats::hydra::judge_target(reference).filter(|(s, _)| *s > Severity::Low)
        else {
            continue;
        };
        judged.insert(reference);
        out.push((
            i,
            Finding::builder(&r::remote_code::RULE, Location::file(path))
                .severity(severity)
                .message(format!(
                    "sentence-transformers imports {what} as the module type of {} and calls it with the module's folder when the model is loaded",
                    truncate_chars(entry, 80)
                ))
                .evidence(truncate_chars(&format!("{source} {entry} → {reference}"), 200))
                .build(),
        ));
    }
    // module file (or `repo--module`) → where it is named → the entries that name it.
    let mut modules: BTreeMap<String, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for (source, entry, reference) in &refs {
        if judged.contains(reference.as_str()) {
            // An installed library's callable, reported above: no repository file runs.
            continue;
        }
        if let Some((module, _class)) = reference.rsplit_once('.') {
            modules
                .entry(module.to_string())
                .or_default()
                .entry(source)
                .or_default()
                .push(entry);
        }
    }
    for (module, autos) in modules.iter().take(MAX_PER_FILE) {
        let evidence = truncate_chars(
            &format!(
                "{} → {module}",
                autos
                    .iter()
                    .map(|(source, entries)| format!("{source} {}", entries.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            200,
        );
        if let Some(library) = module.strip_prefix("installed ") {
            out.push((
                i,
                Finding::builder(&r::remote_code::RULE, Location::file(path))
                    .severity(Severity::High)
                    .message(format!(
                        "diffusers imports the standard module {} as a component's library when loading the pipeline, and importing it runs code (a browser, IDLE, output)",
                        truncate_chars(library, 100)
                    ))
                    .evidence(evidence)
                    .build(),
            ));
            continue;
        }
        let (repo, local) = match module.split_once("--") {
            Some((repo, m)) => (Some(repo), m),
            None => (None, module.as_str()),
        };
        let file = format!("{}.py", local.replace('.', "/"));
        let state = match repo {
            Some(repo) => format!(
                "from the repository {}, not scanned here",
                truncate_chars(repo, 100)
            ),
            None => match by_path
                .get(dir.join(&file).as_path())
                .map(|&m| files[m].verdict)
            {
                Some(Verdict::Malicious) => {
                    "in the folder, and malicious (see its findings)".into()
                }
                Some(Verdict::Suspicious) => {
                    "in the folder, and suspicious (see its findings)".into()
                }
                Some(_) => "in the folder (analysed as Python source)".into(),
                None => "not in the folder".into(),
            },
        };
        out.push((
            i,
            Finding::builder(&r::remote_code::RULE, Location::file(path))
                .message(if autos.contains_key("peft auto_mapping") {
                    format!(
                        "PEFT's AutoPeftModel imports the module {} (auto_mapping.parent_library) and calls its base class's from_pretrained, without trust_remote_code: {state}",
                        truncate_chars(local, 120)
                    )
                } else {
                    format!(
                        "trust_remote_code=True would run {}: {state}",
                        truncate_chars(&file, 120)
                    )
                })
                .evidence(evidence)
                .build(),
        ));
    }
}

/// Report pickle files of a repository folder: next to safetensors, or as its only weights.
fn pickle_weights(
    files: &[FileReport],
    names: &BTreeMap<String, usize>,
    out: &mut Vec<(usize, Finding)>,
) {
    let has_safetensors = names
        .values()
        .any(|&i| files[i].format == Format::Safetensors);
    for &i in names.values() {
        let f = &files[i];
        if !matches!(
            f.format,
            Format::Pickle(_) | Format::PytorchZip | Format::PytorchLegacy | Format::Joblib
        ) {
            continue;
        }
        let why = if has_safetensors {
            "pickle file in a model repository that has safetensors weights too"
        } else {
            "pickle file in a model repository without safetensors weights"
        };
        out.push((
            i,
            Finding::builder(&r::pickle_weights_in_repo::RULE, Location::file(&f.path))
                .message(why)
                .evidence(format!(
                    "{} ({})",
                    crate::finding::display_path(&f.path),
                    f.format.name()
                ))
                .build(),
        ));
    }
}
