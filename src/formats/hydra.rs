//! Instantiate configs: YAML or JSON whose `_target_` keys name a callable that
//! `hydra.utils.instantiate` imports and calls (Hydra's "Instantiating objects with Hydra";
//! `hydra/_internal/instantiate/_instantiate2.py`, the path resolved by
//! `hydra/_internal/utils.py` `_locate`). NeMo restores a `.nemo` model by instantiating its
//! `model_config.yaml` this way (the class of CVE-2025-23304), and Lightning, torchtune and many
//! research repositories build models, optimisers and data from such configs: loading the
//! model runs whatever the config names.
//!
//! The config is read with `saphyr-parser`'s event stream (YAML 1.2, which takes JSON too):
//! aliases are not expanded (an alias stands for the scalar its anchor named, when it named
//! one), at most [`MAX_EVENTS`] events and [`MAX_REPORTED`] findings per file; a bound that
//! stops the walk gives an info `resource-limit` finding. A document that does not parse is
//! not a config Hydra would load: the walk stops there, with what it found before.
//!
//! Each node with `_target_` is judged by the callable its dotted path names, with the pickle
//! lists (`formats::pickle::classify`: a denylisted callable is what a pickle calling it would
//! be), and rendered as the call instantiate makes (`os.system('echo hi')`, from `_args_` and
//! the node's other scalar keys). Rule: `docs/rules/config-target-call.md`.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser};

use crate::analyse::Ctx;
use crate::finding::{plural, truncate_chars, Finding, Location, Severity, Span};
use crate::formats::pickle::classify::{self, Class};
use crate::rules;

/// How a bound that stops the reading is graded: medium in a file that names a target key
/// outright (a target may hide past it), info in text read for a `target:` word.
fn bound_severity(strong: bool) -> Severity {
    if strong {
        Severity::Medium
    } else {
        Severity::Info
    }
}

/// Largest config parsed (bytes).
pub const MAX_CONFIG: usize = 8 << 20;

/// Events read per file at most.
pub const MAX_EVENTS: usize = 1_000_000;

/// Findings reported per file at most (the rest are counted in one info finding).
pub const MAX_REPORTED: usize = 64;

/// Characters of a rendered call kept as evidence.
const EVIDENCE_CHARS: usize = 200;

/// Top-level packages whose callables configs name all the time (optimisers, models, data
/// modules): a target there that the pickle lists do not deny is not reported.
const KNOWN: &[&str] = &[
    "torch",
    "torchvision",
    "torchaudio",
    "torchtune",
    "torchmetrics",
    "nemo",
    "megatron",
    "apex",
    "lightning",
    "pytorch_lightning",
    "transformers",
    "huggingface_hub",
    "diffusers",
    "peft",
    "accelerate",
    "datasets",
    "tokenizers",
    "sentencepiece",
    "timm",
    "omegaconf",
    "hydra",
    "numpy",
    "sklearn",
    "scipy",
    "pandas",
    "einops",
    "lhotse",
    "librosa",
    "soundfile",
    "bitsandbytes",
    "deepspeed",
    "trl",
    "sentence_transformers",
    "open_clip",
    "monai",
    "detectron2",
    "mmengine",
];

/// Keys whose value names a callable: Hydra's `_target_`, torchtune's `_component_`, and
/// NeMo's older `target` / `cls` (judged only when denylisted: the words are common in other
/// YAML).
const TARGET_KEYS: &[&str] = &["_target_", "_component_", "target", "cls"];

/// Largest text read as a config only for a `target` or `cls` key (bytes): those words are
/// common in other YAML and JSON, and a large data file is not a config.
const MAX_PLAIN_KEY_FILE: usize = 1 << 20;

/// Whether `data` may be an instantiate config: it holds `_target_` or `_component_` as a
/// whole word (not `__target_name`), a `target` or `cls` key (a small file), or a quoted key
/// with escapes that spells one of [`TARGET_KEYS`] (`"\x5ftarget_"`, `"\u005ftarget_"`). The
/// parse decides; a file that is no YAML gives nothing.
pub fn looks_like_config(data: &[u8]) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let word = |w: &[u8]| has_word(data, w);
    // Logging `dictConfig` factories (`"()": …`, a handler's `class`) and fiddle references.
    let key = |w: &[u8]| {
        memchr::memmem::find_iter(data, w).any(|at| {
            let before = at.checked_sub(1).map(|i| data[i]);
            let rest = &data[at + w.len()..];
            let rest = &rest[rest
                .iter()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'"' | b'\''))
                .count()..];
            !before.is_some_and(ident) && rest.first() == Some(&b':')
        })
    };
    let logging = factory_key(data) || (key(b"handlers") && key(b"class"));
    if word(b"_target_")
        || word(b"_component_")
        || logging
        || memchr::memmem::find(data, b"\"pyref\"").is_some()
        || memchr::memmem::find(data, b"!!python/").is_some()
        || memchr::memmem::find(data, b"tag:yaml.org,2002:python/").is_some()
    {
        return true;
    }
    // JSON files hold `"cls"` and `"target"` keys of their own (a tokenizer's post-processor),
    // and NeMo's configs are YAML: a JSON file is read for them only with a Stable Diffusion
    // style `"params"` beside (OmegaConf loads JSON as YAML; tester t17 z07).
    let json = data
        .iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|c| matches!(c, b'{' | b'['));
    // A Stable Diffusion style `target:` with `params:` is read whatever the size.
    // jsonargparse's `class_path` (LightningCLI configs) is a key no data file has.
    if key(b"class_path") {
        return true;
    }
    if (key(b"target") || key(b"cls"))
        && if json {
            key(b"params")
        } else {
            data.len() <= MAX_PLAIN_KEY_FILE || key(b"params")
        }
    {
        return true;
    }
    escaped_key(data)
}

/// Whether `data` holds `w` as a whole identifier: neither the byte before nor the byte after
/// is a letter, digit or `_` (`_target_` is in `_target_: a.B`, not in `realpath_target_zip`).
fn has_word(data: &[u8], w: &[u8]) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    memchr::memmem::find_iter(data, w).any(|at| {
        let before = at.checked_sub(1).map(|i| data[i]);
        let after = data.get(at + w.len()).copied();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Whether `data` has a logging `dictConfig` factory key: `"()":` or `'()':` (JSON, quoted
/// YAML), or a plain `():` that starts a line or follows `{` or `,` (not `f(): …` in C++ or a
/// Python stub, nor the token "()" of a vocabulary).
fn factory_key(data: &[u8]) -> bool {
    let colon_after = |at: usize| {
        data[at..]
            .iter()
            .find(|c| !matches!(c, b' ' | b'\t'))
            .is_some_and(|c| *c == b':')
    };
    let quoted = [&b"\"()\""[..], &b"'()'"[..]]
        .iter()
        .any(|w| memchr::memmem::find_iter(data, w).any(|at| colon_after(at + w.len())));
    quoted
        || memchr::memmem::find_iter(data, b"():").any(|at| {
            data[..at]
                .iter()
                .rev()
                .find(|c| !matches!(c, b' ' | b'\t'))
                .is_none_or(|c| matches!(c, b'\n' | b'\r' | b'{' | b','))
        })
}

/// Whether a double-quoted string with a backslash escape, followed by `:` (a key), decodes to
/// one of [`TARGET_KEYS`]. Only strings of at most 64 bytes besides whitespace are looked at
/// (an escaped line break may be followed by any indent: PyYAML drops it); the key opens within
/// 64 bytes before its first backslash and, after an escaped line break, closes within 4 KiB.
fn escaped_key(data: &[u8]) -> bool {
    /// Bytes other than whitespace a key may hold, and bytes looked through for its quotes.
    const MAX_KEY: usize = 64;
    const MAX_SPAN: usize = 4096;
    let short = |s: &[u8]| s.iter().filter(|c| !c.is_ascii_whitespace()).count() <= MAX_KEY;
    memchr::memchr_iter(b'\\', data).any(|at| {
        // A double-quoted string may be folded over lines by an escaped line break.
        // The key opens within 64 bytes before its first escape; only an escaped line break
        // lets its close lie further than 64 bytes on.
        let from = at.saturating_sub(MAX_KEY);
        let Some(open) = data[from..at].iter().rposition(|c| *c == b'"') else {
            return false;
        };
        let open = from + open;
        let fold = matches!(data.get(at + 1), Some(b'\n' | b'\r'));
        let span = if fold { MAX_SPAN } else { MAX_KEY };
        let Some(close) = data[at..data.len().min(at + span)]
            .iter()
            .position(|c| *c == b'"')
            .map(|i| at + i)
        else {
            return false;
        };
        if !short(&data[open + 1..close]) {
            return false;
        }
        let after = &data[close + 1..];
        let after = &after[after.iter().take_while(|c| c.is_ascii_whitespace()).count()..];
        after.first() == Some(&b':')
            && decode_escapes(&data[open + 1..close])
                .is_some_and(|k| TARGET_KEYS.contains(&k.as_str()))
    })
}

/// A double-quoted YAML or JSON string's escapes decoded (`\xNN`, `\uNNNN`, `\UNNNNNNNN`, and
/// the one-letter ones); `None` when malformed.
fn decode_escapes(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        // An escaped line break folds the string: the break and the next line's indent go.
        if e == '\n' || e == '\r' {
            let rest: String = chars.by_ref().collect();
            let rest = rest.trim_start_matches(['\n', '\r', ' ', '\t']);
            out.push_str(&decode_escapes(rest.as_bytes())?);
            return Some(out);
        }
        let hex = |n: usize, chars: &mut std::str::Chars<'_>| {
            let h: String = chars.by_ref().take(n).collect();
            u32::from_str_radix(&h, 16).ok().and_then(char::from_u32)
        };
        out.push(match e {
            'x' => hex(2, &mut chars)?,
            'u' => hex(4, &mut chars)?,
            'U' => hex(8, &mut chars)?,
            'n' => '\n',
            't' => '\t',
            '_' => '\u{a0}',
            other => other,
        });
    }
    Some(out)
}

/// The text as PyYAML reads it (Hydra and OmegaConf load configs with PyYAML): it breaks lines
/// at U+0085, U+2028 and U+2029 as well, which YAML 1.2 parsers do not, so a `# comment` ending
/// in one would hide the key after it. Each becomes a `\n`.
fn pyyaml_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        std::borrow::Cow::Owned(text.replace(['\u{85}', '\u{2028}', '\u{2029}'], "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The loader that reads a node's target key, and so how it is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// Hydra's `instantiate` (`_target_`, torchtune's `_component_`).
    Instantiate,
    /// `logging.config.dictConfig`'s `()` factory.
    Factory,
    /// A `dictConfig` handler's `class`.
    HandlerClass,
    /// NeMo's `from_config_dict` (`target`, `cls`).
    Nemo,
    /// jsonargparse's `class_path` (LightningCLI), called only when the argument's type admits
    /// the class: at most medium.
    ClassPath,
    /// A fiddle `pyref` (NeMo 2's `io.json`).
    Fiddle,
}

impl Via {
    /// Keys that common data files use for other things: judged only when the path is
    /// denylisted (more than low).
    fn strict(self) -> bool {
        matches!(self, Via::HandlerClass | Via::Nemo | Via::ClassPath)
    }
}

/// One open node of the walk.
enum Frame {
    Mapping {
        /// The key just read, waiting for its value.
        key: Option<String>,
        /// The target key's value, its line, and the loader that reads that key.
        target: Option<(String, usize, Via)>,
        /// `_args_`, when a sequence of scalars.
        args: Vec<String>,
        /// The other scalar keys (not `_…_`), in order.
        kwargs: Vec<(String, String)>,
        /// True while the value of `_args_` is being read.
        in_args: bool,
        /// Its dotted path in the document (`model.encoder`), for relative interpolations.
        at: String,
        /// Its first line (1-based).
        start: usize,
        /// Whether it is a logging `dictConfig` handler (a mapping under `handlers`), whose
        /// `class` is resolved and called.
        handler: bool,
    },
    Sequence {
        /// The `_args_` sequence of the mapping below it.
        args: bool,
        /// Items read so far (the next one's index, for dotted paths).
        items: usize,
    },
}

impl Frame {
    /// The node a closed (or, at a stop, still open) mapping with a target key is.
    fn into_node(self) -> Option<Node> {
        match self {
            Frame::Mapping {
                target: Some((target, line, via)),
                args,
                kwargs,
                at,
                ..
            } => Some(Node {
                target,
                line,
                via,
                args,
                kwargs,
                at,
            }),
            // A fiddle reference (NeMo 2's `context/io.json`: `{"type": "pyref", "module": …,
            // "name": …}`): `fdl.build` imports it and calls it with the config's arguments.
            Frame::Mapping {
                target: None,
                kwargs,
                at,
                start,
                ..
            } if kwargs.iter().any(|(k, v)| k == "type" && v == "pyref") => {
                let get = |key: &str| {
                    kwargs
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone())
                };
                let (module, name) = (get("module")?, get("name")?);
                Some(Node {
                    target: format!("{module}.{name}"),
                    line: start,
                    via: Via::Fiddle,
                    args: Vec::new(),
                    kwargs: Vec::new(),
                    at,
                })
            }
            _ => None,
        }
    }
}

/// Keep `node`, or count it as dropped past [`MAX_NODES`].
fn keep(nodes: &mut Vec<Node>, dropped: &mut usize, node: Node) {
    if nodes.len() < MAX_NODES {
        nodes.push(node);
    } else {
        *dropped += 1;
    }
}

/// A node with a target, judged once the whole document is read (an interpolation may name a
/// value further down).
struct Node {
    target: String,
    line: usize,
    via: Via,
    args: Vec<String>,
    kwargs: Vec<(String, String)>,
    /// The mapping's dotted path (for `${.x}` and `${..x}`).
    at: String,
}

/// Arguments and keyword arguments kept per node (for the evidence and the judging of the
/// paths they hand over); a node with a million keys keeps its first ones.
const MAX_SHOWN_ARGS: usize = 64;

/// Scalar values kept by dotted path, for interpolations (`${model.cmd}`).
const MAX_VALUES: usize = 100_000;

/// Nodes with a target kept per file.
const MAX_NODES: usize = 10_000;

/// Analyse an instantiate config (`data`, UTF-8 text; other bytes end the walk). Emits one
/// `config-target-call` finding per node whose target key (`_target_`, `_component_`, NeMo's
/// `target` / `cls`) names a denylisted callable or, for `_target_` / `_component_`, a callable
/// outside [`KNOWN`] and the allowlists, at `loc` with the node's 1-based line. An
/// interpolation (`${path}`, `${oc.env:VAR,default}`) is resolved against the file's own values
/// first. A document the parser stops in (malformed, or nested past its bound) after a mapping
/// began is reported. Returns whether the text read as a config (a target, a Python tag or a
/// mapping the parser stopped in); other text that merely holds the word is plain text.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32) -> bool {
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default(),
    };
    // A file that names a target key outright: a bound that stops its reading is medium.
    // As whole words: a shell variable in a workflow (`$realpath_target_zip`) names no key.
    let strong = has_word(text.as_bytes(), b"_target_")
        || has_word(text.as_bytes(), b"_component_")
        || text.contains("\"pyref\"")
        || factory_key(data)
        || escaped_key(data);
    // Comment lines make no events: a config padded past the bound with comments is read with
    // them blanked (line numbers kept).
    let uncommented;
    let text = if text.len() > MAX_CONFIG {
        uncommented = text
            .split('\n')
            .map(|l| {
                if l.trim_start().starts_with('#') {
                    ""
                } else {
                    l
                }
            })
            .collect::<Vec<&str>>()
            .join("\n");
        if uncommented.len() - uncommented.matches('\n').count() <= MAX_CONFIG {
            &uncommented[..]
        } else {
            text
        }
    } else {
        text
    };
    if text.len() - text.matches('\n').count() > MAX_CONFIG {
        // The event parser holds tens of bytes per byte of a large flow mapping; no instantiate
        // config is this large. Reported, not read.
        ctx.limit_at(
            bound_severity(strong),
            loc,
            &format!("a config larger than {MAX_CONFIG} bytes"),
            "its `_target_` keys",
        );
        return strong;
    }
    let text = pyyaml_lines(text);
    let text = crate::formats::yaml::pyyaml_escapes(&text);
    let mut stack: Vec<Frame> = Vec::new();
    // The key (or index) each open container sits under, parallel to `stack`.
    let mut path: Vec<String> = Vec::new();
    let mut anchors: HashMap<usize, String> = HashMap::new();
    let mut values: HashMap<String, String> = HashMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut dropped = 0usize;
    let mut events = 0usize;
    let mut stopped: Option<String> = None;
    let mut failed: Option<(usize, String)> = None;
    // PyYAML's Python tags (line, tag) and MONAI bundle `$` expressions (line, expression).
    let mut tags: Vec<(usize, String)> = Vec::new();
    let mut expressions: Vec<(usize, String)> = Vec::new();
    // Code handed to an `${eval:…}`-style resolver (line, code).
    let mut resolved: Vec<(usize, String)> = Vec::new();
    let mut mappings = false;
    // Values are kept for interpolations only when there are some.
    let interpolated = text.contains("${");
    // A parse stop is reported only for a file that names a target key outright (`strong`; not
    // one read for a `target:` word, which Python stubs and other YAML have too).
    let mut parser = Parser::new_from_str(&text);
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(e) => e,
            Err(e) => {
                failed = Some((e.marker().line(), e.info().to_string()));
                break;
            }
        };
        events += 1;
        if events > MAX_EVENTS {
            stopped = Some(format!("more than {MAX_EVENTS} YAML events"));
            break;
        }
        if events % 4096 == 0 && ctx.budget.out_of_time() {
            stopped = Some("the input's time bound".to_string());
            break;
        }
        let line = span.start.line();
        let tag = match &event {
            Event::Scalar(_, _, _, t) | Event::MappingStart(_, t) | Event::SequenceStart(_, t) => {
                t.as_ref().map(|t| format!("{}{}", t.handle, t.suffix))
            }
            _ => None,
        };
        if let Some(t) = tag.filter(|t| t.contains("python/")) {
            if tags.len() < MAX_REPORTED {
                tags.push((line, t));
            }
        }
        if let Event::Scalar(v, ..) = &event {
            if v.starts_with('$') && !v.starts_with("${") && expressions.len() < MAX_EXPRESSIONS {
                expressions.push((line, v[1..].to_string()));
            }
            if v.contains("${") && resolved.len() < MAX_EXPRESSIONS {
                resolved.extend(code_resolvers(v).into_iter().map(|c| (line, c)));
            }
        }
        // A scalar (or an alias of one) completes a key or a value of the frame on top.
        let scalar = match &event {
            Event::Scalar(v, _, anchor, _) => {
                if *anchor > 0 && anchors.len() < MAX_VALUES {
                    anchors.insert(*anchor, v.to_string());
                }
                Some(v.to_string())
            }
            Event::Alias(id) => Some(anchors.get(id).cloned().unwrap_or_default()),
            _ => None,
        };
        mappings |= matches!(event, Event::MappingStart(..));
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let args = matches!(stack.last(), Some(Frame::Mapping { in_args: true, .. }))
                    && matches!(event, Event::SequenceStart(..));
                // A container as a value: the key it belongs to is used up.
                let under = match stack.last_mut() {
                    Some(Frame::Mapping { key, in_args, .. }) => {
                        *in_args = false;
                        key.take().unwrap_or_default()
                    }
                    Some(Frame::Sequence { items, .. }) => {
                        *items += 1;
                        (*items - 1).to_string()
                    }
                    None => String::new(),
                };
                let handler = path.last().is_some_and(|p| p == "handlers");
                path.push(under);
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    let at = if interpolated {
                        truncate_chars(&path[1.min(path.len())..].join("."), 512)
                    } else {
                        String::new()
                    };
                    Frame::Mapping {
                        key: None,
                        target: None,
                        args: Vec::new(),
                        kwargs: Vec::new(),
                        in_args: false,
                        at,
                        start: line,
                        handler,
                    }
                } else {
                    Frame::Sequence { args, items: 0 }
                });
            }
            Event::MappingEnd => {
                path.pop();
                if let Some(node) = stack.pop().and_then(Frame::into_node) {
                    keep(&mut nodes, &mut dropped, node);
                }
            }
            Event::SequenceEnd => {
                path.pop();
                stack.pop();
            }
            Event::Scalar(..) | Event::Alias(_) => {
                let value = scalar.unwrap_or_default();
                let depth = stack.len();
                match stack.last_mut() {
                    Some(Frame::Mapping {
                        key,
                        target,
                        kwargs,
                        in_args,
                        handler,
                        ..
                    }) => match key.take() {
                        None => {
                            *in_args = value == "_args_";
                            *key = Some(value);
                        }
                        Some(k) => {
                            *in_args = false;
                            if interpolated && values.len() < MAX_VALUES {
                                let mut p: Vec<&str> =
                                    path[1.min(depth)..].iter().map(String::as_str).collect();
                                p.push(&k);
                                values.insert(p.join("."), value.clone());
                            }
                            if k == "_target_" || k == "_component_" {
                                *target = Some((value, line, Via::Instantiate));
                            } else if (k == "()" || (k == "class" && *handler))
                                && target.is_none()
                                && !value.starts_with("logging.")
                            {
                                // `logging.config.dictConfig` (Hydra's `job_logging` and
                                // `hydra_logging`, uvicorn's and vLLM's logging configs)
                                // resolves a `()` factory or a handler's `class` and calls it
                                // with the other keys.
                                let via = if k == "class" {
                                    Via::HandlerClass
                                } else {
                                    Via::Factory
                                };
                                *target = Some((value, line, via));
                            } else if matches!(k.as_str(), "target" | "cls" | "class_path")
                                && target.as_ref().is_none_or(|t| t.2.strict())
                            {
                                // NeMo's `from_config_dict` imports `target` / `cls` too, and
                                // jsonargparse (LightningCLI) a `class_path`.
                                let via = if k == "class_path" {
                                    Via::ClassPath
                                } else {
                                    Via::Nemo
                                };
                                *target = Some((value, line, via));
                            } else if !(k.starts_with('_') && k.ends_with('_'))
                                && kwargs.len() < MAX_SHOWN_ARGS
                            {
                                kwargs.push((k, value));
                            }
                        }
                    },
                    Some(Frame::Sequence { args, items }) => {
                        if interpolated && values.len() < MAX_VALUES {
                            let mut p: Vec<&str> =
                                path[1.min(depth)..].iter().map(String::as_str).collect();
                            let index = items.to_string();
                            p.push(&index);
                            values.insert(p.join("."), value.clone());
                        }
                        *items += 1;
                        if *args {
                            if let Some(Frame::Mapping { args, .. }) = stack.iter_mut().rev().nth(1)
                            {
                                if args.len() < MAX_SHOWN_ARGS {
                                    args.push(value);
                                }
                            }
                        }
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }
    // A stop (a bound, or a parse error) leaves mappings open: their targets were read and
    // count as any other (PyYAML may read the whole file).
    if stopped.is_some() || failed.is_some() {
        for node in stack.drain(..).rev().filter_map(Frame::into_node) {
            keep(&mut nodes, &mut dropped, node);
        }
    }
    let mut reported = 0usize;
    let mut over = dropped;
    for node in &nodes {
        // MONAI evaluates a `$` target and calls what it gives: the call, as Python.
        if let Some(expr) = node
            .target
            .trim()
            .strip_prefix('$')
            .filter(|e| !e.starts_with('{'))
        {
            if expressions.len() < MAX_EXPRESSIONS {
                let args: Vec<String> = node.args.iter().map(|a| quote(a)).collect();
                expressions.push((node.line, format!("({expr})({})", args.join(", "))));
            }
            continue;
        }
        let Some((severity, why)) = resolve(&node.target, &node.at, &values)
            .and_then(|(t, how)| judge(&t, &node.args, &node.kwargs).map(|(s, w)| (s, w, how)))
            .filter(|(s, _, _)| !node.via.strict() || *s > Severity::Low)
            // jsonargparse checks the class against the argument's type before it calls it.
            .map(|(s, w, how)| match node.via {
                Via::ClassPath => (s.min(Severity::Medium), w, how),
                _ => (s, w, how),
            })
            .map(|(s, w, how)| (s, format!("{w}{how}")))
        else {
            continue;
        };
        if reported >= MAX_REPORTED {
            over += 1;
            continue;
        }
        reported += 1;
        let mut parts: Vec<String> = node.args.iter().map(|a| quote(a)).collect();
        parts.extend(node.kwargs.iter().map(|(k, v)| format!("{k}={}", quote(v))));
        let call = truncate_chars(
            &format!("{}({})", node.target.trim(), parts.join(", ")),
            EVIDENCE_CHARS,
        );
        ctx.emit(
            Finding::builder(
                &rules::repo::config_target_call::RULE,
                loc.with_span(Span::Line {
                    line: node.line as u64,
                }),
            )
            .severity(severity)
            .message(match node.via {
                Via::Nemo => format!("`target` names {why}; NeMo's from_config_dict imports and calls it when the model is restored"),
                Via::ClassPath => format!("`class_path` names {why}; jsonargparse (LightningCLI) imports it, and calls it with `init_args` where the argument's type admits it"),
                Via::HandlerClass | Via::Factory => format!("the logging config names {why}; logging.config.dictConfig imports and calls it when the config is applied"),
                Via::Fiddle => format!("the fiddle reference names {why}; fdl.build imports and calls it when the config is built"),
                Via::Instantiate => format!("the target key names {why}; hydra.utils.instantiate imports and calls it when the config is loaded"),
            })
            .evidence(call)
            .build(),
        );
    }
    python_tags(ctx, &tags, loc);
    // MONAI's `ConfigParser` evaluates a `$` value as a Python expression (`$import x` runs
    // the import) when the bundle is parsed: judged as Python run at load, at its line.
    for (line, expr) in &expressions {
        python_at_line(ctx, *line, expr, loc, depth);
    }
    // `${eval:'…'}`: OmegaConf has no such resolver, but many projects register Python's
    // `eval` under that name (`OmegaConf.register_new_resolver("eval", eval)`), and then the
    // code runs when the value is read. Judged as Python run at load, capped at medium, since
    // it runs only where the resolver is registered.
    for (line, code) in resolved.iter().take(MAX_EXPRESSIONS) {
        let from = ctx.findings.len();
        python_at_line(ctx, *line, code, loc, depth);
        for f in &mut ctx.findings[from..] {
            if f.severity > Severity::Medium {
                f.severity = Severity::Medium;
            }
            f.message = format!(
                "{} (in an `${{eval:…}}` interpolation: it runs where a project registers `eval` as a resolver)",
                f.message
            );
        }
    }
    if let Some(bound) = stopped {
        // A file that names a target outright may hide one past the bound: medium, as other
        // bounds are; other text read for a `target:` word only notes it.
        ctx.limit_at(
            bound_severity(strong),
            loc,
            &bound,
            "the rest of the config (its `_target_` keys)",
        );
    }
    let failed = failed.filter(|_| mappings && (strong || !nodes.is_empty()));
    let config = !nodes.is_empty() || !tags.is_empty() || failed.is_some();
    if let Some((line, why)) = failed {
        // PyYAML, which Hydra uses, may read further than this parser (it has no nesting
        // bound of its own): what follows is not judged, and is said so.
        let nested = why.contains("recursion");
        ctx.emit(
            Finding::builder(
                &rules::core::resource_limit::RULE,
                loc.with_span(Span::Line { line: line as u64 }),
            )
            .severity(if nested || strong {
                Severity::Medium
            } else {
                Severity::Low
            })
            .message(format!(
                "config not read past line {line}: the YAML parser stopped ({}); `_target_` keys after it are not judged",
                truncate_chars(&why, 120)
            ))
            .evidence(format!("line {line}"))
            .build(),
        );
    }
    if over > 0 {
        ctx.limit_at(
            Severity::Info,
            loc,
            &format!("more than {MAX_REPORTED} `_target_` findings in one config"),
            &format!("{} not reported", plural(over, "further target")),
        );
    }
    config
}

/// Analyse `code` from a config's `line` as Python run at load, moved down to that line (up to
/// [`MAX_PAD_LINES`]) so its findings carry the config's line.
fn python_at_line(ctx: &mut Ctx, line: usize, code: &str, loc: &Location, depth: u32) {
    let pad = if line <= MAX_PAD_LINES { line - 1 } else { 0 };
    let src = format!("{}{}\n", "\n".repeat(pad), code);
    crate::formats::python::analyse(
        ctx,
        src.as_bytes(),
        crate::formats::python::Role::Module,
        false,
        false,
        loc,
        depth + 1,
    );
}

/// Resolver names projects register for Python's `eval` (`${eval:'…'}`), whose argument is
/// Python code.
const CODE_RESOLVERS: &[&str] = &["eval", "exec", "python", "py", "pyeval", "expr"];

/// The code of each `${<resolver>:…}` interpolation in `value` whose resolver is one of
/// [`CODE_RESOLVERS`], its quotes taken off; at most 8 per value.
fn code_resolvers(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in value.match_indices("${").take(64) {
        let rest = &value[at + 2..];
        let Some((name, body)) = rest.split_once(':') else {
            continue;
        };
        if !CODE_RESOLVERS.contains(&name.trim()) {
            continue;
        }
        // The interpolation ends at the `}` that closes it: braces inside quotes or nested
        // interpolations do not.
        let (mut depth, mut quote, mut end) = (0usize, None::<char>, body.len());
        for (i, c) in body.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '{') => depth += 1,
                (None, '}') if depth == 0 => {
                    end = i;
                    break;
                }
                (None, '}') => depth -= 1,
                _ => {}
            }
        }
        let code = body[..end].trim();
        let code = code
            .strip_prefix('\'')
            .and_then(|c| c.strip_suffix('\''))
            .or_else(|| code.strip_prefix('"').and_then(|c| c.strip_suffix('"')))
            .unwrap_or(code);
        out.push(code.to_string());
        if out.len() >= 8 {
            break;
        }
    }
    out
}

/// `$` expressions judged per file at most.
const MAX_EXPRESSIONS: usize = 256;

/// Lines an expression is moved down by so its findings carry its line in the config; past
/// this, line 1 of the expression is reported.
const MAX_PAD_LINES: usize = 100_000;

/// PyYAML's Python tags: `!!python/object/apply:F` and `!!python/object/new:C` call `F` / `C`
/// when a file is read with `yaml.unsafe_load` (or `yaml.load` with the `Loader`, `UnsafeLoader`,
/// before PyYAML 5.1 by default): graded as the call (the denylist's severity; at least medium,
/// since the file runs code with those loaders); `!!python/name:` and `!!python/module:` only
/// import (low, medium for a denylisted name). Hydra and OmegaConf use a safe loader, which
/// refuses them; other code reads model configs with `yaml.load`.
fn python_tags(ctx: &mut Ctx, tags: &[(usize, String)], loc: &Location) {
    for (line, tag) in tags {
        let Some((kind, name)) = tag
            .split_once("python/")
            .and_then(|(_, r)| r.split_once(':'))
        else {
            continue;
        };
        let calls = matches!(kind, "object/apply" | "object/new" | "object");
        let judged = judge(name, &[], &[]);
        let severity = match (&judged, calls) {
            (Some((s, _)), true) => (*s).max(Severity::Medium),
            (None, true) => Severity::Medium,
            (Some((s, _)), false) if *s > Severity::Low => Severity::Medium,
            _ => Severity::Low,
        };
        let what = judged.map_or_else(|| format!("`{name}`"), |(_, w)| w);
        ctx.emit(
            Finding::builder(
                &rules::repo::config_target_call::RULE,
                loc.with_span(Span::Line { line: *line as u64 }),
            )
            .severity(severity)
            .message(format!(
                "YAML tag `!!python/{kind}` names {what}; PyYAML's unsafe loaders {} it when the file is read",
                if calls { "call" } else { "import" }
            ))
            .evidence(truncate_chars(tag, EVIDENCE_CHARS))
            .build(),
        );
    }
}

/// A target with its interpolations resolved against the file's own `values` (`${a.b}`,
/// followed up to 8 times) and OmegaConf's `${oc.env:VAR,default}` taken at its default (what
/// loads when `VAR` is unset), with a note on how; `None` for an interpolation that is not one
/// of those, judged as computed.
fn resolve(target: &str, at: &str, values: &HashMap<String, String>) -> Option<(String, String)> {
    let mut t = target.trim().to_string();
    let mut how = String::new();
    // Each `${…}` the file can answer is replaced (`${mod}.system` with `mod: os`), eight
    // rounds at most.
    for _ in 0..8 {
        let Some(open) = t.find("${") else { break };
        let Some(close) = t[open..].find('}').map(|c| open + c) else {
            break;
        };
        let inner = t[open + 2..close].trim().to_string();
        // `${a[1]}` is `${a.1}`; `${.x}` is a key beside the node, `${..x}` one level up.
        let key = inner.replace('[', ".").replace(']', "");
        let key = match key.strip_prefix('.') {
            Some(rest) => {
                let up = rest.len() - rest.trim_start_matches('.').len();
                let mut base: Vec<&str> = at.split('.').filter(|p| !p.is_empty()).collect();
                base.truncate(base.len().saturating_sub(up));
                base.push(rest.trim_start_matches('.'));
                base.join(".")
            }
            None => key,
        };
        let value = if let Some(lit) = inner.strip_prefix("oc.decode:") {
            // `${oc.decode:'os.system'}`: a literal, decoded as YAML.
            how = " (through `oc.decode`)".to_string();
            Some(lit.trim().trim_matches(['\'', '"']).to_string())
        } else if let Some(sel) = inner.strip_prefix("oc.select:") {
            // `${oc.select:key,default}`: the key's value, else the default.
            let (key, default) = sel.split_once(',').unwrap_or((sel, ""));
            values.get(key.trim()).cloned().or_else(|| {
                how = format!(" (the default of `${{oc.select:{}}}`)", key.trim());
                Some(default.trim().trim_matches(['\'', '"']).to_string())
            })
        } else if let Some(env) = inner.strip_prefix("oc.env:") {
            env.split_once(',').map(|(var, default)| {
                how = format!(" (the default of `${{oc.env:{}}}`)", var.trim());
                default.trim().trim_matches(['\'', '"']).to_string()
            })
        } else {
            values.get(&key).map(|v| {
                how = format!(" (through `${{{inner}}}`)");
                v.trim().to_string()
            })
        };
        match value {
            Some(v) if t.len() + v.len() < 4096 => t.replace_range(open..=close, &v),
            _ => break,
        }
    }
    Some((t, how))
}

/// `trust_remote_code: true` among a loader's keyword arguments: the loader imports and runs
/// the repository's Python code.
/// Whether a keyword names where a download or extraction writes (`output_dir`, `filepath`,
/// `extract_dir`, `dst`, `root`, `cache_dir`, `local_dir`).
fn output_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    ["dir", "path", "dst", "dest", "root", "output", "target"]
        .iter()
        .any(|w| k.contains(w))
}

/// Whether a path is the root of the file system, of a home folder, or a system folder
/// (`/`, `/etc`, `/usr/lib`, `~`, `$HOME`, `C:\Windows`): a download extracted there replaces
/// the system's or the user's own files.
fn system_folder(v: &str) -> bool {
    let p = v.trim().replace('\\', "/").to_ascii_lowercase();
    let p = p.trim_end_matches('/');
    if p.is_empty() || matches!(p, "~" | "$home" | "${home}" | "${oc.env:home}" | "c:") {
        return true;
    }
    [
        "/etc",
        "/usr",
        "/bin",
        "/sbin",
        "/lib",
        "/lib64",
        "/boot",
        "/root",
        "/opt",
        "/var/lib",
        "c:/windows",
    ]
    .iter()
    .any(|d| p == *d || p.starts_with(&format!("{d}/")))
}

fn remote_code(kwargs: &[(String, String)]) -> bool {
    kwargs
        .iter()
        .any(|(k, v)| k == "trust_remote_code" && matches!(v.as_str(), "true" | "True"))
}

/// A scalar as a Python literal in the rendered call: numbers as they are, YAML booleans and
/// null as Python's, anything else quoted.
fn quote(v: &str) -> String {
    match v {
        "true" | "True" => "True".to_string(),
        "false" | "False" => "False".to_string(),
        "null" | "None" | "~" => "None".to_string(),
        _ if v.parse::<f64>().is_ok() => v.to_string(),
        _ => format!("{:?}", truncate_chars(v, 80)).replace('"', "'"),
    }
}

/// [`judge`] of a target named without arguments: the severity and description of what an
/// instantiate config's target key names, for configs saved as data (a pickle's dict with a
/// `_target_` key); `None` for an allowlisted or known-library callable.
pub(crate) fn judge_target(target: &str) -> Option<(Severity, String)> {
    judge(target, &[], &[])
}

/// The severity and a description of what a target path names, or `None` when it names an
/// allowlisted callable or one in a [`KNOWN`] package. Every split of the dotted path into a
/// module and a qualified name is tried, as `_locate` imports the longest module it can.
///
/// The pickle denylist decides, with two differences for configs: a loader of another model or
/// file (`from_pretrained`, `load_dataset`, `torch.load`) is what configs name all the time, so
/// it is low in a [`KNOWN`] library and medium elsewhere (`pickle.loads`); and Hydra's and
/// OmegaConf's own functions (`hydra.utils.get_class`, `OmegaConf.load`) are the config
/// system's, judged by the dotted paths they are handed (`args`, `kwargs`).
fn judge(target: &str, args: &[String], kwargs: &[(String, String)]) -> Option<(Severity, String)> {
    let target = target.trim();
    if target.contains("${") {
        return Some((
            Severity::Low,
            format!("a callable computed when the config is resolved (`{target}`)"),
        ));
    }
    let parts: Vec<&str> = target.split('.').collect();
    if parts.len() < 2 || !crate::formats::is_dotted_name(target) {
        return None;
    }
    if matches!(parts[0], "hydra" | "omegaconf") {
        // `hydra.utils.call` with `path: os.system`: the path is what runs.
        return args
            .iter()
            .chain(kwargs.iter().map(|(_, v)| v))
            .filter(|v| v.contains('.') && !v.contains(['/', ' ', '$']))
            .find_map(|v| judge(v, &[], &[]).filter(|(s, _)| *s > Severity::Low))
            .map(|(s, w)| (s, format!("{w}, through `{target}`")));
    }
    let known = KNOWN.contains(&parts[0]);
    // `_locate` imports every component it can and takes the rest as attributes: the last
    // component is the callable, the rest its module (or a path of attributes through it,
    // which the denylist walks: `os.path.os.system`).
    let (module, name) = (parts[..parts.len() - 1].join("."), parts[parts.len() - 1]);
    let handed = || args.iter().chain(kwargs.iter().map(|(_, v)| v));
    // A download or an archive extracted into the root, a home or a system folder (MONAI's
    // `download_and_extract(output_dir='/')`): the archive's files replace the system's.
    let fetcher = ["download", "extract", "unpack", "untar", "unzip", "fetch"]
        .iter()
        .any(|w| name.to_ascii_lowercase().contains(w));
    if let Some((k, v)) = kwargs
        .iter()
        .find(|(k, v)| fetcher && output_key(k) && system_folder(v))
    {
        return Some((
            Severity::Medium,
            format!("`{target}`, writing what it fetches or unpacks into `{k}: {v}`"),
        ));
    }
    match classify::classify(&module, name) {
        Class::Denied(category) if category.starts_with("loading another") => {
            // A loader fetching what it loads from a URL loads remote content at load; one
            // told to unpickle (`allow_pickle: true`, `weights_only: false`) runs what it loads.
            let remote = handed().any(|v| v.contains("://"));
            let unpickles = kwargs.iter().any(|(k, v)| {
                (k == "allow_pickle" && matches!(v.as_str(), "true" | "True"))
                    || (k == "weights_only" && matches!(v.as_str(), "false" | "False"))
                    // Keras runs a saved `Lambda`'s bytecode only with `safe_mode` off.
                    || (k == "safe_mode" && matches!(v.as_str(), "false" | "False"))
            }) || remote_code(kwargs);
            let severity = if remote {
                Severity::High
            } else if unpickles || !known {
                Severity::Medium
            } else {
                Severity::Low
            };
            let how = if remote { ", from a URL" } else { "" };
            return Some((severity, format!("`{target}` ({category}{how})")));
        }
        // Library downloads (`datasets.load_dataset`) are what training configs do, unless
        // told to run the repository's code.
        Class::Denied(category) if known && category == "network" => {
            // An environment secret interpolated into what a download sends
            // (`url: …?t=${oc.env:HF_TOKEN}`) leaves with the request.
            let secret = handed().any(|v| {
                v.match_indices("${oc.env:").any(|(i, m)| {
                    let var = v[i + m.len()..]
                        .split([',', '}'])
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    ["TOKEN", "KEY", "SECRET", "PASSWORD", "CREDENTIAL"]
                        .iter()
                        .any(|w| var.contains(w))
                })
            });
            if secret {
                return Some((
                    Severity::High,
                    format!("`{target}` ({category}), sending an environment secret"),
                ));
            }
            let severity = if remote_code(kwargs) {
                Severity::Medium
            } else {
                Severity::Low
            };
            return Some((severity, format!("`{target}` ({category})")));
        }
        Class::Denied(category) => {
            let severity = classify::call_severity(category).max(Severity::Medium);
            return Some((severity, format!("`{target}` ({category})")));
        }
        Class::Allowed => return None,
        Class::Unknown if known => return None,
        Class::Unknown => {}
    }
    Some((
        Severity::Low,
        format!("`{target}`, a callable outside the libraries airlock knows"),
    ))
}
