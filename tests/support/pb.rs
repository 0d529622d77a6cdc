//! A protobuf writer for test fixtures: ONNX models (`onnx/onnx.proto`) and TensorFlow
//! SavedModels (`tensorflow/core/protobuf/saved_model.proto`) built in code, so hostile
//! fixtures stay inert and readable.

#![allow(dead_code)]

/// A varint.
pub fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

/// Field `field` as a varint.
pub fn int(field: u64, n: u64) -> Vec<u8> {
    let mut out = varint(field << 3);
    out.extend(varint(n));
    out
}

/// Field `field` as length-delimited bytes.
pub fn bytes(field: u64, data: &[u8]) -> Vec<u8> {
    let mut out = varint((field << 3) | 2);
    out.extend(varint(data.len() as u64));
    out.extend_from_slice(data);
    out
}

/// Concatenate fields.
pub fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// `TensorProto` named `name` of 4 floats: inline `raw_data`, or external at `location`.
pub fn tensor(name: &str, location: Option<&str>) -> Vec<u8> {
    let mut t = cat(&[int(1, 4), int(2, 1), bytes(8, name.as_bytes())]);
    match location {
        Some(loc) => {
            for (k, v) in [("location", loc), ("offset", "0"), ("length", "16")] {
                t.extend(bytes(
                    13,
                    &cat(&[bytes(1, k.as_bytes()), bytes(2, v.as_bytes())]),
                ));
            }
            t.extend(int(14, 1));
        }
        None => t.extend(bytes(9, &[0u8; 16])),
    }
    t
}

/// `NodeProto` `op` of `domain` reading W, writing Y.
pub fn node(op: &str, domain: &str) -> Vec<u8> {
    let mut n = cat(&[
        bytes(1, b"W"),
        bytes(2, b"Y"),
        bytes(3, b"n0"),
        bytes(4, op.as_bytes()),
    ]);
    if !domain.is_empty() {
        n.extend(bytes(7, domain.as_bytes()));
    }
    n
}

/// `GraphProto` with `nodes` and the initializers `inits`.
pub fn graph(nodes: &[Vec<u8>], inits: &[Vec<u8>]) -> Vec<u8> {
    let mut g = Vec::new();
    for n in nodes {
        g.extend(bytes(1, n));
    }
    g.extend(bytes(2, b"g"));
    for t in inits {
        g.extend(bytes(5, t));
    }
    g
}

/// `ModelProto` (IR 8) around `graph`, importing the default opset 17 and `extra` fields.
pub fn model_with(graph: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
    let mut m = cat(&[
        int(1, 8),
        bytes(2, b"airlock-test"),
        bytes(3, b"1.0"),
        bytes(7, graph),
        bytes(8, &cat(&[bytes(1, b""), int(2, 17)])),
    ]);
    for e in extra {
        m.extend_from_slice(e);
    }
    m
}

/// The ONNX model of the handed cases: initializer W → `op` of `domain` → Y; W inline or at
/// `location`.
pub fn onnx(location: Option<&str>, op: &str, domain: &str) -> Vec<u8> {
    model_with(&graph(&[node(op, domain)], &[tensor("W", location)]), &[])
}

/// A SavedModel with one meta graph (tag `serve`, TensorFlow `2.15.0`) holding nodes of `ops`,
/// and a function library with one function holding nodes of `fn_ops`.
pub fn saved_model(ops: &[&str], fn_ops: &[&str]) -> Vec<u8> {
    let mut graph = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        graph.extend(bytes(
            1,
            &cat(&[
                bytes(1, format!("n{i}").as_bytes()),
                bytes(2, op.as_bytes()),
            ]),
        ));
    }
    if !fn_ops.is_empty() {
        let mut func = bytes(1, &bytes(1, b"__inference_f"));
        for op in fn_ops {
            func.extend(bytes(3, &cat(&[bytes(1, b"x"), bytes(2, op.as_bytes())])));
        }
        graph.extend(bytes(2, &bytes(1, &func)));
    }
    graph.extend(bytes(4, &int(1, 1700)));
    let info = cat(&[bytes(4, b"serve"), bytes(5, b"2.15.0")]);
    let meta = cat(&[bytes(1, &info), bytes(2, &graph)]);
    cat(&[int(1, 1), bytes(2, &meta)])
}
