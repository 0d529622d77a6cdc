//! TorchScript source: the `code/**/*.py` members of a TorchScript archive.
//!
//! `torch.jit.load` compiles these files (PyTorch `torch/csrc/jit/serialization/import_source.cpp`,
//! a restricted Python subset printed by `python_print.cpp`). Real files call `torch.*`, `ops.aten.*`,
//! `ops.prim.*` and the archive's own `__torch__` classes. A file that names the operating system
//! (`os`, `subprocess`, `builtins`...), evaluates code (`exec`, `eval`, `__import__`), opens files,
//! or loads libraries or other models (`torch.ops.load_library`, `torch.classes.load_library`,
//! `torch.load`, `torch.from_file`) is not what `torch.jit.save` writes; it is flagged.
//!
//! The scan is lexical: comments and string literals are skipped (strings are inert in
//! TorchScript; `ops.prim.RaiseException(..., "builtins.ValueError")` names an exception class),
//! except f-strings, whose text is scanned as code. Dotted names are read whole, so
//! `self.os.system` is an attribute of the module, not the `os` module.

use crate::analyse::Ctx;
use crate::finding::{truncate_chars, Finding, Location, Span};
use crate::formats::Format;
use crate::rules::torchscript as r;

/// Findings reported per member at most; the rest are counted in the last one's evidence.
const MAX_PER_MEMBER: usize = 20;

/// Modules that reach the operating system, the network or the interpreter.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "builtins",
    "__builtin__",
    "__builtins__",
    "sys",
    "socket",
    "shutil",
    "importlib",
    "ctypes",
    "pty",
    "runpy",
    "pickle",
    "marshal",
    "urllib",
    "requests",
    "http",
];

/// Bare names that evaluate code or open files when called.
const DANGEROUS_CALLS: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "__import__",
    "open",
    "globals",
    "locals",
    "breakpoint",
];

/// Dotted names (after an optional leading `torch.`) that load native code, other models or
/// files.
const DANGEROUS_TORCH: &[&str] = &[
    "ops.load_library",
    "classes.load_library",
    "_C._jit_set_",
    "load",
    "save",
    "from_file",
    "ops.aten.from_file",
    "ops.aten.save",
    "jit.load",
    "jit.save",
    "hub.",
    "utils.cpp_extension",
    "_ops.ops.load_library",
];

/// Why `name` (a dotted name; `call` when a `(` follows) is dangerous, if it is.
fn judge(name: &str, call: bool) -> Option<&'static str> {
    let first = name.split('.').next().unwrap_or(name);
    if DANGEROUS_MODULES.contains(&first) {
        return Some("names a module that reaches the operating system or the interpreter");
    }
    if !name.contains('.') {
        return (call && DANGEROUS_CALLS.contains(&name))
            .then_some("calls a builtin that evaluates code or opens files");
    }
    let rest = name.strip_prefix("torch.").unwrap_or(name);
    if name.starts_with("torch.") || rest.starts_with("ops.") || rest.starts_with("classes.") {
        let hit = DANGEROUS_TORCH.iter().any(|d| {
            if d.ends_with('.') || d.ends_with('_') {
                rest.starts_with(d)
            } else {
                rest == *d
            }
        });
        if hit {
            return Some("loads a native library, another model or a file");
        }
    }
    None
}

/// One name found in the source: (line, dotted name, followed by a call).
type Hit = (u64, String, bool);

/// Scan `src` for dotted names, skipping comments and (non-f) string literals.
fn names(src: &[u8], first_line: u64, out: &mut Vec<Hit>) {
    let mut i = 0;
    let mut line = first_line;
    while i < src.len() {
        let b = src[i];
        match b {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'#' => {
                while i < src.len() && src[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                // The prefix letters (r, b, f, u) were read as a name just before; an f-string's
                // body is scanned as code.
                let prefix_f = i > 0 && matches!(src[i - 1], b'f' | b'F')
                    || i > 1
                        && matches!(src[i - 2], b'f' | b'F')
                        && src[i - 1].is_ascii_alphabetic();
                let triple = src[i..].starts_with(&[b, b, b]);
                let q = if triple { 3 } else { 1 };
                let start = i + q;
                let mut j = start;
                let mut end = src.len();
                while j < src.len() {
                    if src[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if src[j] == b && (!triple || src[j..].starts_with(&[b, b, b])) {
                        end = j;
                        break;
                    }
                    if !triple && src[j] == b'\n' {
                        end = j;
                        break;
                    }
                    j += 1;
                }
                let body = &src[start..end.min(src.len())];
                if prefix_f {
                    names(body, line, out);
                }
                line += body.iter().filter(|&&c| c == b'\n').count() as u64;
                i = (end + q).min(src.len()).max(start);
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                loop {
                    while i < src.len() && (src[i].is_ascii_alphanumeric() || src[i] == b'_') {
                        i += 1;
                    }
                    let next = src.get(i + 1).copied().unwrap_or(0);
                    if src.get(i) == Some(&b'.') && (next.is_ascii_alphabetic() || next == b'_') {
                        i += 1;
                        continue;
                    }
                    break;
                }
                let name = String::from_utf8_lossy(&src[start..i]).into_owned();
                let mut k = i;
                while k < src.len() && (src[k] == b' ' || src[k] == b'\t') {
                    k += 1;
                }
                let call = src.get(k) == Some(&b'(');
                // A string prefix (`r"`, `f'`) is not a name.
                if !matches!(src.get(i), Some(b'\'' | b'"')) {
                    out.push((line, name, call));
                }
            }
            _ if b.is_ascii_digit() => {
                while i < src.len() && (src[i].is_ascii_alphanumeric() || src[i] == b'.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
}

/// Analyse one TorchScript source member.
pub fn analyse_code(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    let mut hits = Vec::new();
    names(data, 1, &mut hits);
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let bad: Vec<(u64, String, &'static str)> = hits
        .into_iter()
        .filter_map(|(line, name, call)| judge(&name, call).map(|why| (line, name, why)))
        .collect();
    let total = bad.len();
    for (n, (line, name, why)) in bad.into_iter().enumerate() {
        if n == MAX_PER_MEMBER {
            break;
        }
        let text = lines
            .get(line.saturating_sub(1) as usize)
            .map(|l| String::from_utf8_lossy(l).trim().to_string())
            .unwrap_or_default();
        let more = if n + 1 == MAX_PER_MEMBER && total > MAX_PER_MEMBER {
            format!(" (and {} more in this member)", total - MAX_PER_MEMBER)
        } else {
            String::new()
        };
        ctx.emit(
            Finding::builder(
                &r::torchscript_dangerous_call::RULE,
                loc.with_span(Span::Line { line }),
            )
            .message(format!("TorchScript code {why}: {name}"))
            .evidence(format!("{}{more}", truncate_chars(&text, 160)))
            .build(),
        );
    }
    Format::TorchscriptCode
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(src: &str) -> Vec<String> {
        let mut hits = Vec::new();
        names(src.as_bytes(), 1, &mut hits);
        hits.into_iter()
            .filter(|(_, n, c)| judge(n, *c).is_some())
            .map(|(_, n, _)| n)
            .collect()
    }

    #[test]
    fn flags_os_and_exec_not_strings_or_attributes() {
        assert_eq!(judged("x = os.system(\"echo\")"), ["os.system"]);
        assert_eq!(judged("exec (\"x\")"), ["exec"]);
        assert_eq!(
            judged("ops.prim.RaiseException(_3, \"builtins.ValueError\")"),
            Vec::<String>::new()
        );
        assert_eq!(
            judged("# os.system\ny = self.os.system(1)"),
            Vec::<String>::new()
        );
        assert_eq!(
            judged("torch.ops.load_library(\"x.so\")"),
            ["torch.ops.load_library"]
        );
        assert_eq!(judged("torch.add(x, 1.5)"), Vec::<String>::new());
        assert_eq!(judged("y = f\"{os.getcwd()}\""), ["os.getcwd"]);
        assert_eq!(judged("open = 1"), Vec::<String>::new());
        assert_eq!(judged("'''a\nos.system\n'''\nopen(x)"), ["open"]);
    }
}
