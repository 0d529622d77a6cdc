//! ONNX `ModelProto`: operators, opsets, initializers and external data, walked without copying.
//!
//! Field numbers are those of `onnx/onnx.proto` (proto2; <https://github.com/onnx/onnx/blob/main/onnx/onnx.proto>).
//! The walk ([`super::protobuf`]) skips `raw_data`, `float_data` and the other payload fields, so
//! only the pages of a mapped file that hold the graph are read. What is walked: the main graph,
//! subgraphs in node attributes (`If`, `Loop`, `Scan`), training graphs and model-local functions.
//!
//! Findings: an external-data location that is absolute, has a `..` component or names
//! onnxruntime's in-memory address tag (`onnx-external-data-traversal`); nodes of an operator
//! domain that neither ONNX, onnxruntime nor a model-local function defines
//! (`onnx-custom-operator`); a damaged protobuf (`onnx-malformed`). External data locations are
//! kept as a fact (`onnx.external_data`) for the check stage, which resolves them on disk
//! (`crate::check`), since an analyser never reads other files.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;

use super::protobuf::{fields, text, varints, Value};
use crate::analyse::Ctx;
use crate::finding::{Finding, Location};
use crate::formats::Format;
use crate::rules::onnx as r;

/// `OperatorSetIdProto` (onnx.proto): an operator set a model imports.
#[derive(Clone, PartialEq, Message)]
pub struct OperatorSetIdProto {
    /// Field 1, `domain`: empty or `ai.onnx` for the default operator set. Kept as bytes: proto2
    /// runtimes do not require UTF-8.
    #[prost(bytes = "vec", tag = "1")]
    pub domain: Vec<u8>,
    /// Field 2, `version`.
    #[prost(int64, tag = "2")]
    pub version: i64,
}

/// `StringStringEntryProto` (onnx.proto): one `external_data` key/value pair of a `TensorProto`
/// (`location`, `offset`, `length`, `checksum`).
#[derive(Clone, PartialEq, Message)]
pub struct StringStringEntryProto {
    /// Field 1, `key`.
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    /// Field 2, `value`.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// Operator domains whose kernels ship with ONNX or onnxruntime (its contrib and internal
/// domains, `onnxruntime/core/graph/constants.h`). Any other domain needs a custom operator
/// library registered with the runtime, unless a model-local function defines it.
pub const KNOWN_DOMAINS: &[&str] = &[
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
    "com.microsoft",
    "com.microsoft.nchwc",
    "com.microsoft.experimental",
    "com.ms.internal.nhwc",
    "com.microsoft.dml",
];

/// Operators of the known domains that call a Python function of the process by name
/// (onnxruntime training's `PythonOp` / `PythonOpGrad`, which `ORTModule` exports for
/// `torch.autograd.Function`s): the model picks which callable runs.
pub const PYTHON_OPS: &[(&str, &str)] = &[
    ("com.microsoft", "PythonOp"),
    ("com.microsoft", "PythonOpGrad"),
];

/// onnxruntime reads external data at a memory address when the location is this tag
/// (`kTensorProtoMemoryAddressTag`); a file never needs it.
const ORT_MEMORY_TAG: &str = "*/_ORT_MEM_ADDR_/*";

/// Graphs nested in attributes deeper than this are not walked (protobuf's C++ parser refuses
/// messages nested more than 100 deep; one graph level is three messages).
pub const MAX_GRAPH_DEPTH: u32 = 32;

/// Distinct operators and external locations kept (real models have a few hundred at most).
const MAX_DISTINCT: usize = 10_000;

/// Why a location leaves the model's folder, judged from its text alone; `None` when it stays.
pub fn location_escapes(location: &str) -> Option<&'static str> {
    if location == ORT_MEMORY_TAG || location.contains("_ORT_MEM_ADDR_") {
        return Some("is onnxruntime's in-memory address tag");
    }
    let b = location.as_bytes();
    if b.first().is_some_and(|&c| c == b'/' || c == b'\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
    {
        return Some("is an absolute path");
    }
    if location.split(['/', '\\']).any(|c| c == "..") {
        return Some("has a `..` component");
    }
    if location.contains('\0') {
        return Some("has a NUL byte");
    }
    None
}

/// What the walk learned.
#[derive(Debug, Default)]
struct Walk {
    ir_version: Option<u64>,
    producer: String,
    producer_version: String,
    opsets: Vec<(String, i64)>,
    /// (domain, op_type) → nodes.
    ops: BTreeMap<(String, String), u64>,
    nodes: u64,
    /// Model-local functions, (domain, name).
    functions: BTreeSet<(String, String)>,
    /// Location → first tensor naming it.
    external: BTreeMap<String, String>,
    parameters: u128,
    /// The first wire error: (what, where).
    error: Option<String>,
    /// A bound that stopped the walk.
    bound: Option<String>,
    steps: u64,
}

impl Walk {
    fn fail(&mut self, what: String) {
        if self.error.is_none() {
            self.error = Some(what);
        }
    }

    /// Counts a step; every 64 Ki steps, checks the wall-time budget.
    fn step(&mut self, ctx: &Ctx) -> bool {
        self.steps += 1;
        if self.steps % 65_536 == 0 && ctx.budget.out_of_time() {
            self.bound.get_or_insert_with(|| "wall time".to_string());
        }
        self.bound.is_none()
    }

    /// `ModelProto`: 1 ir_version, 2 producer_name, 3 producer_version, 7 graph, 8 opset_import,
    /// 20 training_info, 25 functions.
    fn model(&mut self, ctx: &Ctx, msg: &[u8]) {
        for f in fields(msg) {
            match f {
                Ok((1, Value::Varint(v))) => self.ir_version = Some(v),
                Ok((2, v)) => self.producer = text(v).unwrap_or_default(),
                Ok((3, v)) => self.producer_version = text(v).unwrap_or_default(),
                Ok((7, Value::Bytes(g))) => self.graph(ctx, g, 1, "graph"),
                Ok((8, Value::Bytes(b))) => match OperatorSetIdProto::decode(b) {
                    Ok(o) => self
                        .opsets
                        .push((String::from_utf8_lossy(&o.domain).into_owned(), o.version)),
                    Err(e) => self.fail(format!("opset_import: {e}")),
                },
                Ok((20, Value::Bytes(t))) => {
                    // TrainingInfoProto: 1 initialization, 2 algorithm (graphs).
                    for f in fields(t) {
                        match f {
                            Ok((1 | 2, Value::Bytes(g))) => self.graph(ctx, g, 1, "training graph"),
                            Ok(_) => {}
                            Err(e) => self.fail(format!("training_info: {e}")),
                        }
                    }
                }
                Ok((25, Value::Bytes(func))) => self.function(ctx, func),
                Ok(_) => {}
                Err(e) => self.fail(format!("model: {e}")),
            }
            if self.bound.is_some() {
                return;
            }
        }
    }

    /// `GraphProto`: 1 node, 5 initializer, 15 sparse_initializer.
    fn graph(&mut self, ctx: &Ctx, msg: &[u8], depth: u32, what: &str) {
        if depth > MAX_GRAPH_DEPTH {
            self.bound
                .get_or_insert_with(|| format!("subgraphs nested deeper than {MAX_GRAPH_DEPTH}"));
            return;
        }
        for f in fields(msg) {
            if !self.step(ctx) {
                return;
            }
            match f {
                Ok((1, Value::Bytes(n))) => self.node(ctx, n, depth),
                Ok((5, Value::Bytes(t))) => self.tensor(t, true),
                Ok((15, Value::Bytes(s))) => self.sparse(s, true),
                Ok(_) => {}
                Err(e) => self.fail(format!("{what}: {e}")),
            }
        }
    }

    /// `NodeProto`: 4 op_type, 7 domain, 5 attribute.
    fn node(&mut self, ctx: &Ctx, msg: &[u8], depth: u32) {
        let (mut op, mut domain) = (String::new(), String::new());
        for f in fields(msg) {
            match f {
                Ok((4, v)) => op = text(v).unwrap_or_default(),
                Ok((7, v)) => domain = text(v).unwrap_or_default(),
                Ok((5, Value::Bytes(a))) => self.attribute(ctx, a, depth),
                Ok(_) => {}
                Err(e) => self.fail(format!("node: {e}")),
            }
        }
        self.nodes += 1;
        let key = (domain, op);
        if let Some(n) = self.ops.get_mut(&key) {
            *n += 1;
        } else if self.ops.len() < MAX_DISTINCT {
            self.ops.insert(key, 1);
        } else {
            self.bound
                .get_or_insert_with(|| format!("more than {MAX_DISTINCT} distinct operators"));
        }
    }

    /// `AttributeProto`: 5 t, 6 g, 10 tensors, 11 graphs, 22 sparse_tensor, 23 sparse_tensors.
    fn attribute(&mut self, ctx: &Ctx, msg: &[u8], depth: u32) {
        for f in fields(msg) {
            match f {
                Ok((5 | 10, Value::Bytes(t))) => self.tensor(t, false),
                Ok((6 | 11, Value::Bytes(g))) => self.graph(ctx, g, depth + 1, "subgraph"),
                Ok((22 | 23, Value::Bytes(s))) => self.sparse(s, false),
                Ok(_) => {}
                Err(e) => self.fail(format!("attribute: {e}")),
            }
        }
    }

    /// `FunctionProto`: 1 name, 7 node, 10 domain.
    fn function(&mut self, ctx: &Ctx, msg: &[u8]) {
        let (mut name, mut domain) = (String::new(), String::new());
        for f in fields(msg) {
            match f {
                Ok((1, v)) => name = text(v).unwrap_or_default(),
                Ok((10, v)) => domain = text(v).unwrap_or_default(),
                Ok((7, Value::Bytes(n))) => self.node(ctx, n, 1),
                Ok(_) => {}
                Err(e) => self.fail(format!("function: {e}")),
            }
        }
        if self.functions.len() < MAX_DISTINCT {
            self.functions.insert((domain, name));
        }
    }

    /// `SparseTensorProto`: 1 values, 2 indices (tensors).
    fn sparse(&mut self, msg: &[u8], params: bool) {
        for f in fields(msg) {
            match f {
                Ok((1, Value::Bytes(t))) => self.tensor(t, params),
                Ok((2, Value::Bytes(t))) => self.tensor(t, false),
                Ok(_) => {}
                Err(e) => self.fail(format!("sparse tensor: {e}")),
            }
        }
    }

    /// `TensorProto`: 1 dims, 8 name, 13 external_data; `raw_data` (9) and the typed data fields
    /// are skipped unread. `params`: count its elements as parameters (initializers).
    fn tensor(&mut self, msg: &[u8], params: bool) {
        let mut dims: Vec<u64> = Vec::new();
        let mut name = String::new();
        let mut location = None;
        for f in fields(msg) {
            match f {
                Ok((1, v)) => match varints(v) {
                    Some(d) if dims.len() < 64 => dims.extend(d),
                    Some(_) => {}
                    None => self.fail("tensor dims: damaged packed field".into()),
                },
                Ok((8, v)) => name = text(v).unwrap_or_default(),
                Ok((13, Value::Bytes(e))) => match StringStringEntryProto::decode(e) {
                    Ok(kv) if kv.key == b"location" => {
                        location = Some(String::from_utf8_lossy(&kv.value).into_owned());
                    }
                    Ok(_) => {}
                    Err(e) => self.fail(format!("external_data: {e}")),
                },
                Ok(_) => {}
                Err(e) => self.fail(format!("tensor: {e}")),
            }
        }
        if params {
            // dims are int64 on the wire; negative or huge values saturate rather than wrap.
            let n = dims
                .iter()
                .try_fold(1u128, |acc, &d| acc.checked_mul(u128::from(d)));
            self.parameters = self.parameters.saturating_add(n.unwrap_or(u128::MAX));
        }
        if let Some(loc) = location {
            if !self.external.contains_key(&loc) {
                if self.external.len() < MAX_DISTINCT {
                    self.external.insert(loc, name);
                } else {
                    self.bound.get_or_insert_with(|| {
                        format!("more than {MAX_DISTINCT} external data locations")
                    });
                }
            }
        }
    }
}

/// Walk the model, report what is wrong and record its facts.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    let mut w = Walk::default();
    w.model(ctx, data);
    if let Some(bound) = &w.bound {
        ctx.limit(loc, &format!("ONNX: {bound}"), "the rest of the model");
    }
    if let Some(err) = &w.error {
        ctx.emit(
            Finding::builder(&r::onnx_malformed::RULE, loc.clone())
                .message("the ONNX protobuf is damaged; what came before the damage was analysed")
                .evidence(crate::finding::truncate_chars(err, 200))
                .build(),
        );
    }
    for (location, tensor) in &w.external {
        if let Some(why) = location_escapes(location) {
            ctx.emit(
                Finding::builder(&r::onnx_external_data_traversal::RULE, loc.clone())
                    .message(format!(
                        "external data location {why}: the runtime reads a file outside the model's folder"
                    ))
                    .evidence(format!(
                        "tensor {}: location {}",
                        crate::finding::truncate_chars(tensor, 80),
                        crate::finding::truncate_chars(location, 200)
                    ))
                    .build(),
            );
        }
    }
    let local: BTreeSet<&str> = w.functions.iter().map(|(d, _)| d.as_str()).collect();
    let mut custom: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
    for ((domain, op), n) in &w.ops {
        let by_function = w.functions.contains(&(domain.clone(), op.clone()));
        let python = PYTHON_OPS.iter().any(|(d, o)| d == domain && o == op);
        if (python || !KNOWN_DOMAINS.contains(&domain.as_str())) && !by_function {
            custom.entry(domain).or_default().push((op, *n));
        }
    }
    for (domain, ops) in custom {
        let shown: Vec<String> = ops
            .iter()
            .take(8)
            .map(|(o, n)| format!("{o}:{n}"))
            .collect();
        let note = if local.contains(domain) {
            " (the domain has model-local functions, but not these)"
        } else {
            ""
        };
        if KNOWN_DOMAINS.contains(&domain) {
            ctx.emit(
                Finding::builder(&r::onnx_custom_operator::RULE, loc.clone())
                    .message(format!(
                        "operators of `{}` that call a Python function of the running process by name (onnxruntime training)",
                        crate::finding::truncate_chars(domain, 80)
                    ))
                    .evidence(crate::finding::truncate_chars(&shown.join(","), 300))
                    .build(),
            );
            continue;
        }
        ctx.emit(
            Finding::builder(&r::onnx_custom_operator::RULE, loc.clone())
                .message(format!(
                    "operators of the custom domain `{}` need a native operator library loaded into the runtime{note}",
                    crate::finding::truncate_chars(domain, 80)
                ))
                .evidence(crate::finding::truncate_chars(&shown.join(","), 300))
                .build(),
        );
    }
    record_facts(ctx, loc, &w);
    Format::Onnx
}

/// Facts: `onnx.ir_version`, `opset`, `operators` (the most used, `op:count`), `onnx.nodes`,
/// `parameters` (elements of all initializers), `producer`, `onnx.external_data` (a JSON array
/// of the distinct locations, read by the check stage).
fn record_facts(ctx: &mut Ctx, loc: &Location, w: &Walk) {
    if let Some(v) = w.ir_version {
        ctx.fact(loc, "onnx.ir_version", v.to_string());
    }
    let opsets: Vec<String> = w
        .opsets
        .iter()
        .take(32)
        .map(|(d, v)| {
            let d = if d.is_empty() { "ai.onnx" } else { d.as_str() };
            format!("{}:{v}", crate::finding::truncate_chars(d, 64))
        })
        .collect();
    ctx.fact(loc, "opset", opsets.join(","));
    let mut ops: Vec<(&(String, String), &u64)> = w.ops.iter().collect();
    ops.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let shown: Vec<String> = ops
        .iter()
        .take(10)
        .map(|((d, o), n)| {
            let o = crate::finding::truncate_chars(o, 64);
            if KNOWN_DOMAINS[..2].contains(&d.as_str()) {
                format!("{o}:{n}")
            } else {
                format!("{}.{o}:{n}", crate::finding::truncate_chars(d, 64))
            }
        })
        .collect();
    ctx.fact(loc, "operators", shown.join(","));
    ctx.fact(loc, "onnx.nodes", w.nodes.to_string());
    ctx.fact(loc, "parameters", w.parameters.to_string());
    let producer = format!("{} {}", w.producer, w.producer_version);
    if !producer.trim().is_empty() {
        ctx.fact(
            loc,
            "producer",
            crate::finding::truncate_chars(producer.trim(), 80),
        );
    }
    if !w.external.is_empty() {
        let list: Vec<&String> = w.external.keys().collect();
        ctx.fact(
            loc,
            EXTERNAL_DATA_FACT,
            serde_json::to_string(&list).unwrap_or_default(),
        );
    }
}

/// The fact holding a model's external data locations, a JSON array of strings.
pub const EXTERNAL_DATA_FACT: &str = "onnx.external_data";
