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

/// Whether `data` has a `_target_` key: the word at a line's start (after blanks, `- `, a
/// quote) or after `{` / `,`, followed by an optional quote and a `:`. CMake and source text
/// that merely contain the letters (`__target_name`) do not count.
pub fn looks_like_config(data: &[u8]) -> bool {
    memchr::memmem::find_iter(data, b"_target_").any(|at| {
        let before = data[..at]
            .iter()
            .rev()
            .find(|c| !matches!(c, b' ' | b'\t' | b'"' | b'\''));
        let key_start = matches!(before, None | Some(b'\n' | b'\r' | b'{' | b',' | b'-'));
        let after = &data[at + b"_target_".len()..];
        let after = &after[after
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'"' | b'\''))
            .count()..];
        key_start && after.first() == Some(&b':')
    })
}

/// One open node of the walk.
enum Frame {
    Mapping {
        /// The key just read, waiting for its value.
        key: Option<String>,
        /// `_target_`'s value and its line, and whether it came from NeMo's older `target` or
        /// `cls` key (judged only when denylisted: the words are common in other YAML).
        target: Option<(String, usize, bool)>,
        /// `_args_`, when a sequence of scalars.
        args: Vec<String>,
        /// The other scalar keys (not `_…_`), in order.
        kwargs: Vec<(String, String)>,
        /// True while the value of `_args_` is being read.
        in_args: bool,
    },
    Sequence {
        /// The `_args_` sequence of the mapping below it.
        args: bool,
    },
}

/// Analyse an instantiate config (`data`, UTF-8 text; other bytes end the walk). Emits one
/// `config-target-call` finding per node whose `_target_` names a denylisted callable (the
/// pickle denylist's severity for its category) or a callable outside [`KNOWN`] and the
/// allowlists (low), at `loc` with the node's 1-based line.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default(),
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, String> = HashMap::new();
    let mut reported = 0usize;
    let mut over = 0usize;
    let mut events = 0usize;
    let mut emit = |ctx: &mut Ctx,
                    target: &str,
                    line: usize,
                    strict: bool,
                    args: &[String],
                    kw: &[(String, String)]| {
        let Some((severity, why)) = judge(target).filter(|(s, _)| !strict || *s > Severity::Low)
        else {
            return;
        };
        if reported >= MAX_REPORTED {
            over += 1;
            return;
        }
        reported += 1;
        let mut parts: Vec<String> = args.iter().map(|a| quote(a)).collect();
        parts.extend(kw.iter().map(|(k, v)| format!("{k}={}", quote(v))));
        let call = truncate_chars(&format!("{target}({})", parts.join(", ")), EVIDENCE_CHARS);
        ctx.emit(
            Finding::builder(
                &rules::repo::config_target_call::RULE,
                loc.with_span(Span::Line { line: line as u64 }),
            )
            .severity(severity)
            .message(if strict {
                format!("`target` names {why}; NeMo's from_config_dict imports and calls it when the model is restored")
            } else {
                format!("`_target_` names {why}; hydra.utils.instantiate imports and calls it when the config is loaded")
            })
            .evidence(call)
            .build(),
        );
    };
    let mut parser = Parser::new_from_str(text);
    let mut stopped: Option<String> = None;
    while let Some(next) = parser.next_event() {
        let Ok((event, span)) = next else { break };
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
        // A scalar (or an alias of one) completes a key or a value of the frame on top.
        let scalar = match &event {
            Event::Scalar(v, _, anchor, _) => {
                if *anchor > 0 {
                    anchors.insert(*anchor, v.to_string());
                }
                Some(v.to_string())
            }
            Event::Alias(id) => Some(anchors.get(id).cloned().unwrap_or_default()),
            _ => None,
        };
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let args = matches!(stack.last(), Some(Frame::Mapping { in_args: true, .. }))
                    && matches!(event, Event::SequenceStart(..));
                // A container as a value: the key it belongs to is used up.
                if let Some(Frame::Mapping { key, in_args, .. }) = stack.last_mut() {
                    *key = None;
                    *in_args = false;
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping {
                        key: None,
                        target: None,
                        args: Vec::new(),
                        kwargs: Vec::new(),
                        in_args: false,
                    }
                } else {
                    Frame::Sequence { args }
                });
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping {
                    target: Some((t, l, strict)),
                    args,
                    kwargs,
                    ..
                }) = stack.pop()
                {
                    emit(ctx, &t, l, strict, &args, &kwargs);
                }
            }
            Event::SequenceEnd => {
                stack.pop();
            }
            Event::Scalar(..) | Event::Alias(_) => {
                let value = scalar.unwrap_or_default();
                match stack.last_mut() {
                    Some(Frame::Mapping {
                        key,
                        target,
                        kwargs,
                        in_args,
                        ..
                    }) => match key.take() {
                        None => {
                            *in_args = value == "_args_";
                            *key = Some(value);
                        }
                        Some(k) => {
                            *in_args = false;
                            if k == "_target_" {
                                *target = Some((value, line, false));
                            } else if matches!(k.as_str(), "target" | "cls")
                                && target.as_ref().is_none_or(|t| t.2)
                            {
                                // NeMo's `from_config_dict` imports `target` / `cls` too.
                                *target = Some((value, line, true));
                            } else if !(k.starts_with('_') && k.ends_with('_')) {
                                kwargs.push((k, value));
                            }
                        }
                    },
                    Some(Frame::Sequence { args: true }) => {
                        if let Some(Frame::Mapping { args, .. }) = stack.iter_mut().rev().nth(1) {
                            args.push(value);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some(bound) = stopped {
        ctx.limit_at(
            Severity::Info,
            loc,
            &bound,
            "the rest of the config (its `_target_` keys)",
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

/// The severity and a description of what a `_target_` path names, or `None` when it names an
/// allowlisted callable or one in a [`KNOWN`] package. Every split of the dotted path into a
/// module and a qualified name is tried, as `_locate` imports the longest module it can.
fn judge(target: &str) -> Option<(Severity, String)> {
    let target = target.trim();
    if target.contains("${") {
        return Some((
            Severity::Low,
            format!("a callable computed when the config is resolved (`{target}`)"),
        ));
    }
    let parts: Vec<&str> = target.split('.').collect();
    let identifier = |p: &str| {
        !p.is_empty()
            && p.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !p.starts_with(|c: char| c.is_ascii_digit())
    };
    if parts.len() < 2 || !parts.iter().all(|p| identifier(p)) {
        return None;
    }
    let mut allowed = false;
    for i in 1..parts.len() {
        let (module, name) = (parts[..i].join("."), parts[i..].join("."));
        match classify::classify(&module, &name) {
            Class::Denied(category) => {
                let severity = classify::call_severity(category).max(Severity::Medium);
                return Some((severity, format!("`{target}` ({category})")));
            }
            Class::Allowed => allowed = true,
            Class::Unknown => {}
        }
    }
    if allowed || KNOWN.contains(&parts[0]) {
        return None;
    }
    Some((
        Severity::Low,
        format!("`{target}`, a callable outside the libraries airlock knows"),
    ))
}
