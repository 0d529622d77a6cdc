//! TensorFlow SavedModel (`saved_model.pb`, and its text form `saved_model.pbtxt`): the
//! operations of every graph and function.
//!
//! Field numbers are those of `tensorflow/core/protobuf/saved_model.proto`,
//! `meta_graph.proto`, `tensorflow/core/framework/graph.proto`, `node_def.proto`,
//! `function.proto` and `op_def.proto`
//! (<https://github.com/tensorflow/tensorflow/tree/master/tensorflow/core>). The walk
//! ([`super::protobuf`]) borrows the bytes and skips constant tensors unread.
//!
//! Findings: operations that call Python (`tf-python-op`, high) and operations that read, write
//! or list files other than through the checkpoint machinery (`tf-file-op`, medium; low for
//! vocabulary tables read from the model's assets); a damaged protobuf (`tf-savedmodel-malformed`).

use std::collections::BTreeMap;

use super::protobuf::{fields, parses_as, text, Value};
use crate::analyse::Ctx;
use crate::finding::{Finding, Location, Severity};
use crate::formats::Format;
use crate::rules::tf as r;

/// Operations that run a Python callable registered in the process (`tf.py_function`,
/// `tf.numpy_function`, `tf.compat.v1.py_func`).
pub const PYTHON_OPS: &[&str] = &["PyFunc", "PyFuncStateless", "EagerPyFunc"];

/// Operations that open network connections or listen for them, by capability class from
/// TensorFlow's op registry (`tensorflow/core/ops/*.cc`) rather than by known example (tester
/// t29 K11): the RPC ops of `tf.distribute.experimental.rpc` (a server listening on the address
/// it is given, a client calling out) and the older `Rpc`/`TryRpc`; the tf.data service
/// (`DataServiceDataset*` connect to a dispatcher, `RegisterDataset*` and `DistributedSave`
/// send it the dataset); the version 1 debug ops, which stream tensor values to the
/// `debug_urls` of their attrs (`grpc://` a remote debug server, `file://` dumps); BigQuery
/// readers. Collective ops (which talk to the cluster the process is configured with) and the
/// checkpoint machinery are not listed.
pub const NETWORK_OPS: &[&str] = &[
    "RpcServer",
    "RpcServerStart",
    "RpcServerRegister",
    "RpcClient",
    "RpcCall",
    "RpcCheckStatus",
    "RpcGetValue",
    "DeleteRpcFutureResource",
    "Rpc",
    "TryRpc",
    "DataServiceDataset",
    "DataServiceDatasetV2",
    "DataServiceDatasetV3",
    "DataServiceDatasetV4",
    "RegisterDataset",
    "RegisterDatasetV2",
    "DistributedSave",
    "DebugIdentity",
    "DebugNanCount",
    "DebugNumericSummary",
    "BigQueryReader",
    "GenerateBigQueryReaderPartitions",
];

/// The synthetic operation name a `PrintV2` node gets when its `output_stream` attr is a
/// `file://` URL (`tf.print(..., output_stream='file:///path')` appends to any path); a
/// `PrintV2` to stderr, in many real graphs, is nothing.
const PRINT_TO_FILE: &str = "PrintV2 (output_stream file)";

/// The [`FILE_OPS`] that write a file.
pub const WRITE_OPS: &[&str] = &[
    PRINT_TO_FILE,
    "WriteFile",
    "DatasetToTFRecord",
    "ExperimentalDatasetToTFRecord",
];

/// Operations that touch the file system by a path computed in the graph. The checkpoint
/// machinery (`SaveV2`, `RestoreV2`, `MergeV2Checkpoints`, `ShardedFilename`, `StringJoin`) is
/// in every SavedModel and is not listed.
pub const FILE_OPS: &[&str] = &[
    PRINT_TO_FILE,
    "ReadFile",
    "WriteFile",
    "DatasetToTFRecord",
    "ExperimentalDatasetToTFRecord",
    "MatchingFiles",
    "ImmutableConst",
    "LoadAndRemapMatrix",
    "WholeFileReader",
    "WholeFileReaderV2",
    "TextLineReader",
    "TextLineReaderV2",
    "TFRecordReader",
    "TFRecordReaderV2",
    "FixedLengthRecordReader",
    "FixedLengthRecordReaderV2",
    "LMDBReader",
    "TextLineDataset",
    "TFRecordDataset",
    "TFRecordDatasetV2",
    "FixedLengthRecordDataset",
    "FixedLengthRecordDatasetV2",
    "LMDBDataset",
    "CSVDataset",
    "CSVDatasetV2",
    "ExperimentalCSVDataset",
    "ExperimentalLMDBDataset",
    "SqlDataset",
    "ExperimentalSqlDataset",
    "SaveDataset",
    "SaveDatasetV2",
    "LoadDataset",
    "SnapshotDataset",
    "SnapshotDatasetV2",
    "CacheDataset",
    "CacheDatasetV2",
    "CreateSummaryFileWriter",
    "CreateSummaryDbWriter",
    "DebugIdentityV2",
    "DecodeProtoV2",
    "EncodeProto",
];

/// File reads that SavedModels with lookup tables make from their own `assets/` (vocabularies):
/// reported low.
pub const ASSET_OPS: &[&str] = &[
    "InitializeTableFromTextFile",
    "InitializeTableFromTextFileV2",
];

/// A `SavedModel` starts with `saved_model_schema_version` (field 1, varint, 0 to 9) and has
/// only that field and `meta_graphs` (field 2, a message); the first meta graph's own fields are
/// all `MetaGraphDef` messages (1 to 7). ONNX `ModelProto` (field 2 is a string, field 7 a graph)
/// and ONNX test `TensorProto` files (field 2 is a varint) fail this.
pub fn looks_like(data: &[u8]) -> bool {
    if data.len() < 4 || data[0] != 0x08 || data[1] > 9 || data[2] != 0x12 {
        return false;
    }
    let is_meta_field =
        |tag: u32, v: &Value<'_>| (1..=7).contains(&tag) && matches!(v, Value::Bytes(_));
    let mut first_meta = None;
    for (n, f) in fields(data).enumerate() {
        match f {
            Ok((1, Value::Varint(_))) => {}
            Ok((2, Value::Bytes(b))) => {
                first_meta.get_or_insert(b);
            }
            // A file cut short inside its first meta graph is still a SavedModel (a damaged one,
            // reported by the walk): what is there of the meta graph must look like one.
            Err(_) if first_meta.is_none() => {
                let mut rest = &data[3..];
                if prost::encoding::decode_varint(&mut rest).is_err() || rest.is_empty() {
                    return false;
                }
                return rest[0] & 7 == 2
                    && (1..=7).contains(&(rest[0] >> 3))
                    && fields(rest).all(|f| match f {
                        Ok((tag, v)) => is_meta_field(tag, &v),
                        Err(_) => true,
                    });
            }
            _ => return false,
        }
        if n >= 64 {
            break;
        }
    }
    first_meta.is_some_and(|m| parses_as(m, 64, is_meta_field))
}

#[derive(Debug, Default)]
struct Walk {
    tf_version: String,
    tags: Vec<String>,
    /// op → nodes.
    ops: BTreeMap<String, u64>,
    nodes: u64,
    functions: u64,
    error: Option<String>,
}

impl Walk {
    fn fail(&mut self, what: String) {
        self.error.get_or_insert(what);
    }

    /// `SavedModel`: 2 meta_graphs.
    fn saved_model(&mut self, msg: &[u8]) {
        for f in fields(msg) {
            match f {
                Ok((2, Value::Bytes(m))) => self.meta_graph(m),
                Ok(_) => {}
                Err(e) => self.fail(format!("saved model: {e}")),
            }
        }
    }

    /// `MetaGraphDef`: 1 meta_info_def (4 tags, 5 tensorflow_version), 2 graph_def.
    fn meta_graph(&mut self, msg: &[u8]) {
        for f in fields(msg) {
            match f {
                Ok((1, Value::Bytes(info))) => {
                    for f in fields(info) {
                        match f {
                            Ok((4, v)) if self.tags.len() < 16 => {
                                self.tags.push(text(v).unwrap_or_default())
                            }
                            Ok((5, v)) => self.tf_version = text(v).unwrap_or_default(),
                            Ok(_) => {}
                            Err(e) => self.fail(format!("meta_info_def: {e}")),
                        }
                    }
                }
                Ok((2, Value::Bytes(g))) => self.graph(g),
                Ok(_) => {}
                Err(e) => self.fail(format!("meta graph: {e}")),
            }
        }
    }

    /// `GraphDef`: 1 node, 2 library (`FunctionDefLibrary`: 1 function).
    fn graph(&mut self, msg: &[u8]) {
        for f in fields(msg) {
            match f {
                Ok((1, Value::Bytes(n))) => self.node(n),
                Ok((2, Value::Bytes(lib))) => {
                    for f in fields(lib) {
                        match f {
                            Ok((1, Value::Bytes(func))) => self.function(func),
                            Ok(_) => {}
                            Err(e) => self.fail(format!("function library: {e}")),
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => self.fail(format!("graph: {e}")),
            }
        }
    }

    /// `FunctionDef`: 3 node_def.
    fn function(&mut self, msg: &[u8]) {
        self.functions += 1;
        for f in fields(msg) {
            match f {
                Ok((3, Value::Bytes(n))) => self.node(n),
                Ok(_) => {}
                Err(e) => self.fail(format!("function: {e}")),
            }
        }
    }

    /// `NodeDef`: 2 op, 5 attr (map entries: 1 key, 2 `AttrValue`, whose 2 is a string).
    fn node(&mut self, msg: &[u8]) {
        let mut op = String::new();
        let mut to_file = false;
        for f in fields(msg) {
            match f {
                Ok((2, v)) => op = text(v).unwrap_or_default(),
                Ok((5, Value::Bytes(entry))) => {
                    let (mut key, mut value) = (None, None);
                    for f in fields(entry).flatten() {
                        match f {
                            (1, v) => key = text(v),
                            (2, Value::Bytes(attr)) => {
                                value = fields(attr).flatten().find_map(|f| match f {
                                    (2, v) => text(v),
                                    _ => None,
                                })
                            }
                            _ => {}
                        }
                    }
                    to_file |= key.as_deref() == Some("output_stream")
                        && value.is_some_and(|v| v.trim_start().starts_with("file://"));
                }
                Ok(_) => {}
                Err(e) => self.fail(format!("node: {e}")),
            }
        }
        if op == "PrintV2" && to_file {
            op = PRINT_TO_FILE.to_string();
        }
        self.nodes += 1;
        if let Some(n) = self.ops.get_mut(&op) {
            *n += 1;
        } else if self.ops.len() < 10_000 {
            self.ops.insert(op, 1);
        }
    }
}

/// Walk every graph and function of the SavedModel; report Python and file operations.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    let mut w = Walk::default();
    w.saved_model(data);
    report(ctx, loc, &w)
}

/// Lines of a `saved_model.pbtxt` read (a text SavedModel of a large graph has millions).
const MAX_TEXT_LINES: usize = 4_000_000;

/// Analyse `saved_model.pbtxt`, the protobuf text format of a SavedModel, which TensorFlow's
/// loader reads when there is no `saved_model.pb` (`tensorflow/cc/saved_model/reader.cc`):
/// every `op: "…"` field (a `NodeDef`'s operation, in graphs and functions alike), the
/// `tensorflow_version` and the `tags`, judged as for the binary form. Lines past
/// [`MAX_TEXT_LINES`] are reported as a bound.
pub fn analyse_text(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    let mut w = Walk::default();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        if i >= MAX_TEXT_LINES {
            ctx.limit(
                loc,
                &format!("more than {MAX_TEXT_LINES} lines of a text SavedModel"),
                "its operations after them",
            );
            break;
        }
        let line = String::from_utf8_lossy(raw);
        // A line may hold several fields (`node { name: "r" op: "ReadFile" }`).
        for op in text_fields(&line, "op") {
            w.nodes += 1;
            if w.ops.len() < MAX_DISTINCT_OPS || w.ops.contains_key(op) {
                *w.ops.entry(op.to_string()).or_default() += 1;
            }
        }
        if w.tf_version.is_empty() {
            if let Some(v) = text_fields(&line, "tensorflow_version").first() {
                w.tf_version = v.to_string();
            }
        }
        for t in text_fields(&line, "tags") {
            if w.tags.len() < 16 {
                w.tags.push(t.to_string());
            }
        }
    }
    report(ctx, loc, &w)
}

/// The string values of the protobuf text format field `key` on `line` (`key: "value"`, the
/// key a whole word); escapes are kept as written.
fn text_fields<'a>(line: &'a str, key: &str) -> Vec<&'a str> {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = line.as_bytes();
    let mut out = Vec::new();
    for (at, _) in line.match_indices(key) {
        if at > 0 && ident(b[at - 1]) {
            continue;
        }
        let rest = line[at + key.len()..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
        }
    }
    out
}

/// Distinct operation names kept from a text SavedModel.
const MAX_DISTINCT_OPS: usize = 4096;

/// The findings and facts of a walked SavedModel, binary or text.
fn report(ctx: &mut Ctx, loc: &Location, w: &Walk) -> Format {
    if let Some(err) = &w.error {
        ctx.emit(
            Finding::builder(&r::tf_savedmodel_malformed::RULE, loc.clone())
                .message(
                    "the SavedModel protobuf is damaged; what came before the damage was analysed",
                )
                .evidence(crate::finding::truncate_chars(err, 200))
                .build(),
        );
    }
    let pick = |list: &[&str]| -> Vec<String> {
        w.ops
            .iter()
            .filter(|(op, _)| list.contains(&op.as_str()))
            .map(|(op, n)| format!("{op}:{n}"))
            .collect()
    };
    let python = pick(PYTHON_OPS);
    if !python.is_empty() {
        ctx.emit(
            Finding::builder(&r::tf_python_op::RULE, loc.clone())
                .message("the graph calls Python functions of the process that runs it")
                .evidence(python.join(","))
                .build(),
        );
    }
    let network = pick(NETWORK_OPS);
    if !network.is_empty() {
        ctx.emit(
            Finding::builder(&r::tf_network_op::RULE, loc.clone())
                .message("the graph opens network connections or listens for them when it runs (RPC, tf.data service, debug streams)")
                .evidence(network.join(","))
                .build(),
        );
    }
    let files = pick(FILE_OPS);
    if !files.is_empty() {
        // Writing a file of the graph's choosing (a `.pth` into site-packages, a shell profile)
        // is a way to run code later: high, as ModelScan grades it. Reading and listing are
        // medium.
        let writes = files
            .iter()
            .any(|f| WRITE_OPS.contains(&f.rsplit_once(':').map_or(f.as_str(), |(op, _)| op)));
        ctx.emit(
            Finding::builder(&r::tf_file_op::RULE, loc.clone())
                .severity(if writes {
                    Severity::High
                } else {
                    Severity::Medium
                })
                .message(if writes {
                    "the graph writes files at run time"
                } else {
                    "the graph reads, lists or writes (summaries, debug events, datasets) files at run time"
                })
                .evidence(files.join(","))
                .build(),
        );
    }
    let assets = pick(ASSET_OPS);
    if !assets.is_empty() {
        ctx.emit(
            Finding::builder(&r::tf_file_op::RULE, loc.clone())
                .severity(Severity::Low)
                .message(
                    "lookup tables are initialised from text files (usually the model's assets)",
                )
                .evidence(assets.join(","))
                .build(),
        );
    }
    if !w.tf_version.is_empty() {
        ctx.fact(
            loc,
            "tensorflow.version",
            crate::finding::truncate_chars(&w.tf_version, 40),
        );
    }
    if !w.tags.is_empty() {
        let tags: Vec<String> = w
            .tags
            .iter()
            .map(|t| crate::finding::truncate_chars(t, 40))
            .collect();
        ctx.fact(loc, "tensorflow.tags", tags.join(","));
    }
    let mut ops: Vec<(&String, &u64)> = w.ops.iter().collect();
    ops.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let shown: Vec<String> = ops
        .iter()
        .take(10)
        .map(|(o, n)| format!("{}:{n}", crate::finding::truncate_chars(o, 64)))
        .collect();
    ctx.fact(loc, "operators", shown.join(","));
    ctx.fact(loc, "tensorflow.nodes", w.nodes.to_string());
    ctx.fact(loc, "tensorflow.functions", w.functions.to_string());
    Format::TfSavedModel
}
