//! Rendering machine values as short Python-like source, for evidence.
//!
//! `posix.system('echo hi')`, `torch._utils._rebuild_tensor_v2(persistent_load(...), 0, ...)`.
//! Strings are cut to [`MAX_STR`] characters, containers to [`MAX_ITEMS`] items, nesting to
//! [`MAX_DEPTH`] levels.

use super::machine::{CallKind, Machine, Node, V};

/// Characters of a string shown before it is cut.
pub const MAX_STR: usize = 120;
/// Items of a container shown before `...`.
pub const MAX_ITEMS: usize = 6;
/// Nesting levels shown before `…`.
pub const MAX_DEPTH: usize = 4;

/// Render `v` as Python-like source.
pub fn render(m: &Machine<'_>, v: V) -> String {
    let mut s = String::new();
    go(m, v, 0, &mut s);
    s
}

/// Render the items of an argument tuple without the parentheses: `a, b`.
pub fn render_args(m: &Machine<'_>, args: V) -> String {
    let mut s = String::new();
    match m.node_of(args) {
        Some(Node::Tuple(items)) => seq(m, items, items.len() as u64, 0, &mut s),
        _ => {
            s.push('*');
            go(m, args, 0, &mut s);
        }
    }
    s
}

fn quote_str(t: &str, s: &mut String) {
    let n = t.chars().count();
    s.push('\'');
    for c in t.chars().take(MAX_STR) {
        match c {
            '\'' => s.push_str("\\'"),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => s.push_str(&format!("\\x{:02x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('\'');
    if n > MAX_STR {
        s.push_str(&format!("…({n} chars)"));
    }
}

fn quote_bytes(b: &[u8], s: &mut String) {
    s.push_str("b'");
    for &x in b.iter().take(MAX_STR / 2) {
        match x {
            b'\'' => s.push_str("\\'"),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(x as char),
            _ => s.push_str(&format!("\\x{x:02x}")),
        }
    }
    s.push('\'');
    if b.len() > MAX_STR / 2 {
        s.push_str(&format!("…({} bytes)", b.len()));
    }
}

fn seq(m: &Machine<'_>, items: &[V], total: u64, depth: usize, s: &mut String) {
    for (i, v) in items.iter().take(MAX_ITEMS).enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        go(m, *v, depth + 1, s);
    }
    if total as usize > MAX_ITEMS.min(items.len()) {
        s.push_str(&format!(", …({total} items)"));
    }
}

fn go(m: &Machine<'_>, v: V, depth: usize, s: &mut String) {
    if depth > MAX_DEPTH {
        s.push('…');
        return;
    }
    match v {
        V::None => s.push_str("None"),
        V::Bool(b) => s.push_str(if b { "True" } else { "False" }),
        V::Int(i) => s.push_str(&i.to_string()),
        V::Float(f) => s.push_str(&format!("{f:?}")),
        V::Opaque => s.push('…'),
        V::Node(id) => match m.node(id) {
            Node::Str(t) => quote_str(t, s),
            Node::Bytes(b) => quote_bytes(b, s),
            Node::BigInt(t) => s.push_str(t),
            Node::Tuple(items) => {
                s.push('(');
                seq(m, items, items.len() as u64, depth, s);
                if items.len() == 1 {
                    s.push(',');
                }
                s.push(')');
            }
            Node::List(items, n) => {
                s.push('[');
                seq(m, items, *n, depth, s);
                s.push(']');
            }
            Node::Set(items, n) => {
                s.push('{');
                seq(m, items, *n, depth, s);
                s.push('}');
            }
            Node::Dict(pairs, n) => {
                s.push('{');
                for (i, (k, v)) in pairs.iter().take(MAX_ITEMS).enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    go(m, *k, depth + 1, s);
                    s.push_str(": ");
                    go(m, *v, depth + 1, s);
                }
                if *n as usize > MAX_ITEMS.min(pairs.len()) {
                    s.push_str(&format!(", …({n} items)"));
                }
                s.push('}');
            }
            Node::Global { module, name } => {
                s.push_str(module);
                s.push('.');
                s.push_str(name);
            }
            Node::Unresolved(why) => s.push_str(&format!("<{why}>")),
            Node::Call {
                func, args, kind, ..
            } => {
                go(m, *func, depth + 1, s);
                if matches!(kind, CallKind::Newobj | CallKind::NewobjEx) {
                    s.push_str(".__new__");
                }
                s.push('(');
                if let Some(Node::Tuple(items)) = m.node_of(*args) {
                    seq(m, items, items.len() as u64, depth, s);
                } else {
                    s.push('*');
                    go(m, *args, depth + 1, s);
                }
                s.push(')');
                // The state a `BUILD` gave the object, as CPython applies it.
                if let Some(state) = m.built_state(id) {
                    s.push_str(".__setstate__(");
                    go(m, state, depth + 1, s);
                    s.push(')');
                }
            }
            Node::PersId(pid) => {
                s.push_str("persistent_load(");
                go(m, *pid, depth + 1, s);
                s.push(')');
            }
            Node::Buffer => s.push_str("<out-of-band buffer>"),
        },
    }
}
