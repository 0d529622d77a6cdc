//! skops files (`.skops`, scikit-learn's "secure" persistence, `skops.io.dump`/`load`): a zip
//! whose `schema.json` describes the object tree and whose `*.npy` members hold the arrays
//! (read with `allow_pickle=False`; analysed as NumPy members like any other).
//!
//! Each node of `schema.json` is a JSON object with `__module__`, `__class__` and `__loader__`
//! (the node type, `skops/io/_general.py`, `_numpy.py`, `_scipy.py`, `_sklearn.py`), and what
//! loading does with the type the two names give depends on the loader:
//! - `ObjectNode`: `cls.__new__(cls)`, then `__setstate__` or `__dict__.update` (a rebuild, as
//!   a pickle's `NEWOBJ` + `BUILD`);
//! - `ConstructorFromReduceNode`, `ReduceNode`, and the container nodes (`DictNode`, `ListNode`,
//!   `SetNode`, `TupleNode`: `gettype(module, cls)()` / `cls([...])`): the type is called;
//! - `FunctionNode`, `TypeNode`, `MethodNode`, `PartialNode`: a reference to a callable, called
//!   later by whatever holds it (a `FunctionTransformer`, a `defaultdict` factory);
//! - `OperatorFuncNode`: `getattr(operator, __class__)(*attrs)`: the `__module__` is ignored by
//!   older skops (the CVE-2025-54412 shape: the user trusts `sklearn.x.attrgetter` and
//!   `operator.call` runs).
//!
//! skops refuses types outside its trusted defaults unless the caller passes them in
//! `trusted=`, and `get_untrusted_types()` hands users exactly that list, so a file naming a
//! denylisted callable is graded as a pickle calling it would be (the pickle lists,
//! `formats::pickle::classify`). Rule: `docs/rules/skops-unsafe-type.md`.
//!
//! Bounds: `schema.json` up to [`MAX_SCHEMA`] bytes (serde_json's own nesting bound of 128
//! applies), [`MAX_NODES`] nodes walked, [`MAX_REPORTED`] findings; a bound says so.

use crate::analyse::Ctx;
use crate::finding::{plural, truncate_chars, Finding, Location, Severity};
use crate::formats::pickle::classify::{self, Class};
use crate::rules;

/// Largest `schema.json` read (bytes).
pub const MAX_SCHEMA: usize = 64 << 20;

/// Nodes (JSON values) walked at most.
pub const MAX_NODES: usize = 1_000_000;

/// Findings reported per schema at most; the rest are counted in the last one.
pub const MAX_REPORTED: usize = 64;

/// True for the member names of a skops archive: `schema.json` at the root.
pub fn is_skops(names: &[String]) -> bool {
    names.iter().any(|n| n == "schema.json")
}

/// How loading uses the type a node names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Rebuilt through `cls.__new__` and its state.
    Rebuilt,
    /// Called (with the node's content or nothing).
    Called,
    /// Referenced, called later by what holds it.
    Referenced,
}

fn use_of(loader: &str) -> Use {
    match loader {
        "ObjectNode" => Use::Rebuilt,
        "FunctionNode" | "TypeNode" | "MethodNode" | "PartialNode" => Use::Referenced,
        _ => Use::Called,
    }
}

/// Analyse a skops archive's `schema.json` (`loc` is the member).
pub fn analyse_schema(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    if data.len() > MAX_SCHEMA {
        ctx.limit(
            loc,
            &format!("a skops schema larger than {MAX_SCHEMA} bytes"),
            "the types it names",
        );
        return;
    }
    // Read as skops reads it (`json.loads`): a lone surrogate or `1e400` does not hide a type.
    let parsed = crate::formats::json::from_python::<serde_json::Value>(data);
    let value = match parsed.value {
        Ok(v) => v,
        // skops cannot load it either: nothing it names runs.
        Err(e) => {
            ctx.fact(loc, "skops.error", truncate_chars(&e.to_string(), 200));
            return;
        }
    };
    if parsed.deep {
        // High: `json.load`, which skops uses, reads such depths, and real schemas are a few
        // dozen levels deep; what is below was not read.
        ctx.limit_at(
            crate::finding::Severity::High,
            loc,
            &format!(
                "JSON nesting deeper than {} levels",
                crate::formats::json::MAX_DEPTH
            ),
            "the types the schema names below that depth",
        );
    }
    if let Some(v) = value.get("_skops_version").and_then(|v| v.as_str()) {
        ctx.fact(loc, "skops.version", truncate_chars(v, 32));
    }
    let mut found: Vec<(Severity, String, String)> = Vec::new();
    let mut stack: Vec<(&serde_json::Value, String)> = vec![(&value, String::new())];
    let mut nodes = 0usize;
    while let Some((v, path)) = stack.pop() {
        nodes += 1;
        if nodes > MAX_NODES {
            ctx.limit(
                loc,
                &format!("more than {MAX_NODES} JSON values in a skops schema"),
                "the rest of the schema",
            );
            break;
        }
        match v {
            serde_json::Value::Object(map) => {
                if let (Some(m), Some(c), Some(l)) = (
                    map.get("__module__").and_then(|x| x.as_str()),
                    map.get("__class__").and_then(|x| x.as_str()),
                    map.get("__loader__").and_then(|x| x.as_str()),
                ) {
                    let attrs = map.get("attrs").or_else(|| map.get("content"));
                    if let Some(hit) = judge(m, c, l, attrs) {
                        found.push((hit.0, hit.1, path.clone()));
                    }
                }
                for (k, child) in map.iter().rev() {
                    if child.is_object() || child.is_array() {
                        stack.push((child, child_path(&path, k)));
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    if child.is_object() || child.is_array() {
                        stack.push((child, child_path(&path, &i.to_string())));
                    }
                }
            }
            _ => {}
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let total = found.len();
    for (n, (severity, what, path)) in found.into_iter().enumerate() {
        if n + 1 == MAX_REPORTED && total > MAX_REPORTED {
            ctx.emit(
                Finding::builder(&rules::skops::skops_unsafe_type::RULE, loc.clone())
                    .severity(severity)
                    .message(format!(
                        "{} outside the lists in the skops schema (the worst shown before)",
                        plural(total - n, "more type")
                    ))
                    .evidence(truncate_chars(&what, 200))
                    .build(),
            );
            break;
        }
        let at = if path.is_empty() { "the root" } else { &path };
        ctx.emit(
            Finding::builder(&rules::skops::skops_unsafe_type::RULE, loc.clone())
                .severity(severity)
                .message(format!(
                    "skops.io.load {} (schema node at {})",
                    what,
                    truncate_chars(at, 120)
                ))
                .evidence(truncate_chars(&what, 200))
                .build(),
        );
    }
}

fn child_path(path: &str, key: &str) -> String {
    if path.len() > 200 {
        return path.to_string();
    }
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// What loading a node does, when it is worth a finding: (severity, a sentence).
fn judge(
    module: &str,
    class: &str,
    loader: &str,
    attrs: Option<&serde_json::Value>,
) -> Option<(Severity, String)> {
    let name = format!("{module}.{class}");
    if loader == "OperatorFuncNode" {
        // skops calls `getattr(operator, __class__)`, whatever `__module__` says.
        let disguised = module != "operator" && module != "_operator";
        let safe = matches!(class, "attrgetter" | "itemgetter" | "methodcaller");
        let method = attrs
            .and_then(first_string)
            .filter(|_| class == "methodcaller");
        let dangerous_method = method.as_deref().is_some_and(|m| {
            matches!(classify::classify("builtins", m), Class::Denied(_))
                || matches!(
                    m,
                    "system" | "popen" | "exec" | "eval" | "load" | "loads" | "spawn"
                )
        });
        if disguised || !safe || dangerous_method {
            let how = match (disguised, method) {
                (true, _) => format!(
                    "calls operator.{class} while the schema names it `{name}` (a type a user would trust)"
                ),
                (false, Some(m)) if dangerous_method => {
                    format!("builds operator.methodcaller('{}')", truncate_chars(&m, 60))
                }
                _ => format!("calls operator.{class}"),
            };
            return Some((Severity::High, how));
        }
        return None;
    }
    let how = use_of(loader);
    let class_of = match how {
        Use::Rebuilt | Use::Referenced => classify::classify_uninitialised(module, class),
        Use::Called => classify::classify(module, class),
    };
    let verb = match how {
        Use::Rebuilt => "rebuilds an object of",
        Use::Called => "calls",
        Use::Referenced => "references",
    };
    match class_of {
        Class::Allowed => None,
        Class::Denied(category) => {
            let severity = classify::call_severity(category).max(Severity::High);
            Some((
                severity,
                format!("{verb} `{}` ({category})", truncate_chars(&name, 120)),
            ))
        }
        Class::Unknown => {
            // A class rebuilt from its state or referenced is ordinary persistence; a callable
            // that is not a class, called, is not.
            let severity = if how == Use::Called && !classify::looks_like_class(class) {
                Severity::Medium
            } else {
                Severity::Low
            };
            Some((
                severity,
                format!(
                    "{verb} `{}`, outside the libraries airlock knows",
                    truncate_chars(&name, 120)
                ),
            ))
        }
    }
}

/// The first string a node's `attrs` holds (a `methodcaller`'s method name), looked for a few
/// levels down (`{"content": ["system", ...]}` or skops' own node for the tuple).
fn first_string(v: &serde_json::Value) -> Option<String> {
    let mut stack = vec![(v, 0u8)];
    let mut seen = 0;
    while let Some((v, depth)) = stack.pop() {
        seen += 1;
        if seen > 64 {
            return None;
        }
        match v {
            // A `JsonNode` holds its value JSON-encoded (`"\"system\""`).
            serde_json::Value::String(s) => {
                return Some(serde_json::from_str::<String>(s).unwrap_or_else(|_| s.clone()))
            }
            serde_json::Value::Array(a) if depth < 6 => {
                stack.extend(a.iter().rev().map(|x| (x, depth + 1)))
            }
            serde_json::Value::Object(o) if depth < 6 => {
                if let Some(c) = o.get("content") {
                    stack.push((c, depth + 1));
                }
            }
            _ => {}
        }
    }
    None
}
