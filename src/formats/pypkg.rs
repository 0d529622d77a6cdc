//! Python package artifacts: `.pth` path files, PEP 829 `.start` files, startup hook modules,
//! and the wheel-level checks (RECORD integrity, binaries in pure wheels, console scripts that
//! shadow common commands).
//!
//! Sources: Python `site` module documentation (`.pth` handling: lines starting with `import`
//! followed by a space or tab are executed), PEP 829 (`.start` files), PEP 376 and PEP 427
//! (RECORD: `path,sha256=<urlsafe base64 without padding>,size`), PEP 491 (WHEEL metadata),
//! the entry points specification (`entry_points.txt`).

use std::collections::BTreeMap;

use base64::Engine;
use sha2::Digest;

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Severity, Span};
use crate::formats::python::{self, Role};
use crate::formats::Format;
use crate::rules::package as r;

/// Known benign `.pth` import lines, recognised exactly (whitespace-normalised).
fn benign_shape(file: &str, line: &str) -> Option<&'static str> {
    let norm: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let setuptools = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim();";
    if norm == setuptools || norm == setuptools.trim_end_matches(';') {
        return Some("setuptools distutils-precedence");
    }
    let parts: Vec<&str> = norm
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if let [imp, call] = parts.as_slice() {
        if let Some(m) = imp.strip_prefix("import ") {
            if m.starts_with("__editable___")
                && m.ends_with("_finder")
                && *call == format!("{m}.install()")
            {
                return Some("setuptools editable finder (PEP 660)");
            }
        }
    }
    if norm == "import _virtualenv" {
        return Some("virtualenv");
    }
    if file.ends_with("-nspkg.pth")
        && norm.contains("sys._getframe(1).f_locals['sitedir']")
        && !norm.contains("exec")
        && !norm.contains("system")
    {
        return Some("setuptools namespace package");
    }
    None
}

/// Whether an executable `.pth` line adds a path in a folder others can write to the import
/// path (`site.addsitedir`, `sys.path.insert`/`append`/`extend`) or names one as
/// `PYTHONSTARTUP`: a string literal in the line that [`python::shared_path`] recognises.
fn sys_path_to_shared(text: &str) -> bool {
    let adds = ["addsitedir", "sys.path", "PYTHONSTARTUP", "__path__"]
        .iter()
        .any(|w| text.contains(w));
    adds && text
        .split(['\'', '"'])
        .skip(1)
        .step_by(2)
        .any(|s| python::shared_path(s) || s == "..")
}

/// Whether a `.pth` path line names a folder others can write ([`python::shared_path`]: a
/// temporary, shared or downloads folder) or climbs out of site-packages with `..`.
fn untrusted_path_line(p: &str) -> bool {
    // The path as the file system reads it: `//tmp/x` and `/./tmp/x` are `/tmp/x`.
    let mut norm = String::with_capacity(p.len());
    if p.starts_with(['/', '\\']) {
        norm.push('/');
    }
    let parts: Vec<&str> = p
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    norm.push_str(&parts.join("/"));
    python::shared_path(&norm) || parts.contains(&"..")
}

/// setuptools' editable finder module (`__editable___<name>_finder.py`, PEP 660): its
/// `MAPPING` (package name to source folder) and `NAMESPACES` (namespace package to folders)
/// are what `install()` puts on the import path at every start, as a `.pth` path line is.
/// A folder there that others can write is reported as [`untrusted_path_line`] does, one
/// `pth-untrusted-path` finding per line. Only lines that start with either name are read
/// (setuptools writes each as one line of `repr`).
fn editable_finder_paths(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    for (i, line) in data
        .split(|&b| b == b'\n')
        .enumerate()
        .take(MAX_FINDER_LINES)
    {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if !(text.starts_with("MAPPING") || text.starts_with("NAMESPACES")) {
            continue;
        }
        let Some(bad) = text
            .split(['\'', '"'])
            .skip(1)
            .step_by(2)
            .find(|s| untrusted_path_line(s))
        else {
            continue;
        };
        ctx.emit(
            Finding::builder(
                &r::pth_untrusted_path::RULE,
                loc.with_span(Span::Line { line: i as u64 + 1 }),
            )
            .message(
                "an editable install maps a package to a folder others can write, or outside \
                 its environment; every start imports it from there",
            )
            .evidence(bad.to_string())
            .build(),
        );
    }
}

/// Lines of an editable finder module [`editable_finder_paths`] reads (setuptools writes
/// `MAPPING` and `NAMESPACES` in its first twenty).
const MAX_FINDER_LINES: usize = 200;

/// Analyse a `.pth` file named `file`.
///
/// Every line is read (Python reads them all, so an import line after a million path lines still
/// runs); import lines past [`MAX_EXEC_LINES`] stop the analysis with a `resource-limit`
/// finding, since each is a finding and a parse. Lines are those of [`site_lines`].
pub fn analyse_pth(ctx: &mut Ctx, data: &[u8], file: &str, loc: &Location, depth: u32) {
    let mut executable = 0usize;
    // The modules its import lines import, for the join of the modules around the file: their
    // top level runs at every start (a Sphinx `conf.py`, a script, imported this way runs).
    let mut imported: Vec<String> = Vec::new();
    let mut called: Vec<String> = Vec::new();
    for line in site_lines(data) {
        let bytes = line.bytes;
        if bytes.starts_with(b"#") || bytes.iter().all(|b| is_site_space(*b)) {
            continue;
        }
        let at = loc.with_span(Span::Line {
            line: line.number as u64,
        });
        if bytes.starts_with(b"import ") || bytes.starts_with(b"import\t") {
            executable += 1;
            if executable > MAX_EXEC_LINES {
                // High: Python runs every line, and no real `.pth` has this many.
                ctx.limit_at(
                    Severity::High,
                    &at,
                    &format!("more than {MAX_EXEC_LINES} executable lines in one .pth"),
                    "this line and the rest of the file",
                );
                return;
            }
            let text = line.text();
            let shape = benign_shape(file, &text);
            if shape.is_none() && imported.len() < python::links_max_names() {
                imported.extend(python::startup_imports(&text));
            }
            // What the line calls in other modules runs at every start, a known shape's
            // callee too (`_distutils_hack.add_shim`, an editable finder's `install`): the
            // shape vouches for the line, not for the code it reaches.
            if called.len() < python::links_max_names() {
                let (calls, imports) = python::startup_calls(&text, loc);
                called.extend(calls);
                if shape.is_some() {
                    imported.extend(imports);
                }
            }
            // A line that computes what it runs (`getattr(os, 'sys' + 'tem')`, exec of a
            // concatenation) is no known shape and hides what it does: high.
            let dynamic = match shape {
                Some(_) => None,
                None => python::analyse_pth_line(ctx, &text, &at, depth),
            };
            let (severity, message) = match (shape, &dynamic, line.legacy) {
                // A known shape whose pieces lead elsewhere: a namespace package's `.pth`
                // joining `'..'` pieces to site-packages, into `/tmp`.
                (Some(s), _, _) if sys_path_to_shared(&text) => (
                    Severity::Medium,
                    format!(
                        "executable .pth line of a known shape ({s}) puts a folder others can \
                         write, or one outside site-packages, on the import path"
                    ),
                ),
                (Some(s), _, _) => (
                    Severity::Info,
                    format!("executable .pth line of a known benign shape ({s})"),
                ),
                (None, Some(d), _) => (
                    Severity::High,
                    format!("executable .pth line computes what it runs ({d})"),
                ),
                // `site.addsitedir('/dev/shm/x')`, `sys.path.insert(0, '/var/tmp/x')`,
                // `os.environ['PYTHONSTARTUP'] = '/tmp/x.py'`: code other users can write is
                // put where every start imports or runs it, as a path line in /tmp is.
                (None, None, _) if sys_path_to_shared(&text) => (
                    Severity::Medium,
                    "this .pth line puts a folder others can write on sys.path, or a startup file there, at every interpreter start".into(),
                ),
                (None, None, false) => (
                    Severity::Low,
                    "Python executes this .pth line at every interpreter start".into(),
                ),
                (None, None, true) => (
                    Severity::Low,
                    "Python 3.12 and older execute this .pth line whole (later Pythons split \
                     it at a line separator)"
                        .into(),
                ),
            };
            ctx.emit(
                Finding::builder(&r::pth_executable_line::RULE, at.clone())
                    .severity(severity)
                    .message(message)
                    .evidence(text.to_string())
                    .build(),
            );
            continue;
        }
        let text = line.text();
        let p = text.trim();
        if untrusted_path_line(p) {
            ctx.emit(
                Finding::builder(&r::pth_untrusted_path::RULE, at)
                    .message("adds a world-writable or traversing directory to sys.path")
                    .evidence(p.to_string())
                    .build(),
            );
        }
    }
    if !imported.is_empty() || !called.is_empty() {
        ctx.python_links.push(python::ModuleLinks::loader(
            loc.clone(),
            Role::Startup,
            called,
            imported,
        ));
    }
}

/// Whitespace as `str.strip()` sees it, for the ASCII bytes a blank line is made of.
fn is_site_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f)
}

/// One line of a `.pth` or `.start` file as some Python's `site` reads it.
#[derive(Debug)]
pub struct SiteLine<'a> {
    /// The line number, counted as Python 3.13 and later count lines.
    pub number: usize,
    /// The line's bytes, without its end.
    pub bytes: &'a [u8],
    /// The file is not UTF-8: `site` decodes it in the locale's encoding, read as Latin-1.
    pub latin1: bool,
    /// A line only Python 3.12 and older read whole: it holds a separator that later Pythons
    /// split it at (its parts are lines of their own too).
    pub legacy: bool,
}

impl SiteLine<'_> {
    /// The line's text, decoded as `site` decodes the file.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        if self.latin1 {
            self.bytes
                .iter()
                .map(|&b| b as char)
                .collect::<String>()
                .into()
        } else {
            String::from_utf8_lossy(self.bytes)
        }
    }
}

/// The lines of a `.pth` or `.start` file as the Python versions in use read them, without
/// copying the file.
///
/// Decoding: Python 3.13 and later decode the file as `utf-8-sig` (a leading byte order mark is
/// dropped, so a BOM-prefixed `import` line runs) and fall back to the locale's encoding when
/// that fails; 3.12 and older decode it in the locale's encoding. A file that is not UTF-8 is
/// read here as Latin-1, in which every byte is a character, so an `import` line is found
/// whatever the locale's single-byte encoding.
///
/// Splitting: 3.12 and older iterate a text file, whose universal newlines end a line at `\n`,
/// `\r\n` and a lone `\r` (`str::lines` leaves a lone `\r` inside a line, so
/// `# comment\rimport os; ...` would look like one comment while `site` runs its second half).
/// 3.13 and later iterate `str.splitlines()`, which also ends a line at `\x0b`, `\x0c`,
/// `\x1c`, `\x1d`, `\x1e`, `\x85`, U+2028 and U+2029. Every line of the later reading is
/// yielded; a line of the older reading that the later one splits is yielded whole too
/// ([`SiteLine::legacy`]), since `import os;\x0cos.system(…)` runs whole on 3.12.
pub fn site_lines(data: &[u8]) -> impl Iterator<Item = SiteLine<'_>> {
    let body = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let latin1 = std::str::from_utf8(body).is_err();
    let mut number = 0usize;
    let mut pending: std::collections::VecDeque<SiteLine<'_>> = Default::default();
    let mut rest = Some(body);
    std::iter::from_fn(move || loop {
        if let Some(l) = pending.pop_front() {
            return Some(l);
        }
        let t = rest?;
        let line = match memchr::memchr2(b'\n', b'\r', t) {
            Some(i) => {
                let skip = if t[i..].starts_with(b"\r\n") { 2 } else { 1 };
                rest = Some(&t[i + skip..]).filter(|r| !r.is_empty());
                &t[..i]
            }
            None => {
                rest = None;
                t
            }
        };
        let first = number + 1;
        let mut parts = 0usize;
        let mut start = 0;
        let mut i = 0;
        while i < line.len() {
            let sep = match line[i] {
                0x0b | 0x0c | 0x1c | 0x1d | 0x1e => 1,
                0x85 if latin1 => 1,
                0xc2 if !latin1 && line.get(i + 1) == Some(&0x85) => 2,
                0xe2 if !latin1 && matches!(line.get(i + 1..i + 3), Some([0x80, 0xa8 | 0xa9])) => 3,
                _ => 0,
            };
            if sep == 0 {
                i += 1;
                continue;
            }
            number += 1;
            parts += 1;
            pending.push_back(SiteLine {
                number,
                bytes: &line[start..i],
                latin1,
                legacy: false,
            });
            i += sep;
            start = i;
        }
        // `splitlines` drops nothing but a final empty part after the last separator.
        if start < line.len() || pending.is_empty() {
            number += 1;
            parts += 1;
            pending.push_back(SiteLine {
                number,
                bytes: &line[start..],
                latin1,
                legacy: false,
            });
        }
        // Two parts or more: the older reading differs (a separator only at the end does not
        // change what runs).
        if parts > 1 {
            pending.push_back(SiteLine {
                number: first,
                bytes: line,
                latin1,
                legacy: true,
            });
        }
    })
}

/// Lines as Python's text files split them (universal newlines: `\n`, `\r\n` and a lone
/// `\r` each end a line), without their ends. `str::lines` leaves a lone `\r` inside a line.
pub fn universal_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match t.find(['\n', '\r']) {
            Some(i) => {
                let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&t[i + skip..]).filter(|r| !r.is_empty());
                Some(&t[..i])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

/// Executable lines of one `.pth` (or entries of one `.start` file) analysed; more is a
/// `resource-limit` finding (medium: no real startup file has so many).
pub const MAX_EXEC_LINES: usize = 1000;

/// Analyse a PEP 829 `.start` file: every `module:function` entry is reported.
pub fn analyse_start(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    let mut entries = 0usize;
    // `pkg.mod:func` entries as calls at load, for the join of the modules around the file
    // (`python/join.rs` resolves them against the file's own folder, a site folder).
    let mut calls: Vec<String> = Vec::new();
    // PEP 829 files are read as Python 3.13 and later read `.pth` files.
    for line in site_lines(data).filter(|l| !l.legacy) {
        let text = line.text();
        let entry = text.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let at = loc.with_span(Span::Line {
            line: line.number as u64,
        });
        entries += 1;
        if entries > MAX_EXEC_LINES {
            ctx.limit_at(
                Severity::High,
                &at,
                &format!("more than {MAX_EXEC_LINES} entries in one .start file"),
                "this line and the rest of the file",
            );
            return;
        }
        if let Some((module, function)) = entry.split_once(':') {
            let name = format!("{}.{}", module.trim(), function.trim());
            if calls.len() < python::links_max_names() && crate::formats::is_dotted_name(&name) {
                calls.push(name);
            }
        }
        ctx.emit(
            Finding::builder(&r::startup_entry_point::RULE, at)
                .message("entry point runs at every interpreter start (PEP 829)")
                .evidence(entry.to_string())
                .build(),
        );
    }
    if !calls.is_empty() {
        ctx.python_links.push(python::ModuleLinks::loader(
            loc.clone(),
            Role::Startup,
            calls,
            Vec::new(),
        ));
    }
}

/// Analyse a Python source file named `file`: its role follows from its name.
pub fn analyse_python(ctx: &mut Ctx, data: &[u8], file: &str, loc: &Location, depth: u32) {
    let base = file.rsplit('/').next().unwrap_or(file);
    // `site` imports the module `sitecustomize`: a package's `sitecustomize/__init__.py` is
    // that module too, judged by where its folder is.
    let package_hook = (base == "__init__.py")
        .then(|| package_folder(loc))
        .flatten()
        .filter(|(name, _)| matches!(name.as_str(), "sitecustomize" | "usercustomize"));
    let role = match base {
        // Build hook files the backend runs while it builds (hatchling's custom hook,
        // pdm-backend's): install-time code, as `setup.py` is.
        "setup.py" | "hatch_build.py" | "pdm_build.py" => Role::Install,
        _ if ctx.install_files.iter().any(|f| f == file) => Role::Install,
        _ if package_hook.is_some() => match &package_hook {
            Some((name, folder)) => startup_hook(ctx, &format!("{name}/__init__.py"), folder, loc),
            None => Role::Module,
        },
        "sitecustomize.py" | "usercustomize.py" => startup_hook(ctx, base, loc, loc),
        _ => Role::Module,
    };
    // setuptools' PEP 517 backend and pip's legacy shim run `setup.py` as `__main__`, and
    // `python -m pkg` runs `pkg/__main__.py` so; an in-tree backend is imported instead.
    let as_main = matches!(base, "setup.py" | "__main__.py");
    if base.starts_with("__editable___") && base.ends_with("_finder.py") {
        editable_finder_paths(ctx, data, loc);
    }
    // PEP 723 inline script metadata: the dependencies `uv run` installs first.
    crate::formats::pins::inline_script(ctx, data, loc);
    python::analyse(ctx, data, role, base == "__init__.py", as_main, loc, depth);
}

/// The folder of the module at `loc` (its last path part dropped): its name, and a location
/// standing for the folder (the member or path without the file name).
fn package_folder(loc: &Location) -> Option<(String, Location)> {
    let mut folder = loc.clone();
    folder.span = None;
    match folder.members.last_mut() {
        Some(m) => {
            let (dir, _) = m.rsplit_once(['/', '\\'])?;
            *m = dir.to_string();
        }
        None => folder.path = folder.path.parent()?.to_path_buf(),
    }
    let name = match folder.members.last() {
        Some(m) => m.rsplit(['/', '\\']).next().unwrap_or(m).to_string(),
        None => folder.path.file_name()?.to_string_lossy().into_owned(),
    };
    Some((name, folder))
}

/// A compiled startup hook (`sitecustomize.cpython-311-x86_64-linux-gnu.so`,
/// `usercustomize.pyd`): `site` imports an extension module as readily as a source file, and
/// airlock cannot read what its machine code does. Reported high where `site` would import
/// it, low in a package subfolder. `name` is the file or member name.
pub fn native_startup_hook(ctx: &mut Ctx, name: &str, loc: &Location) {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let Some((module, rest)) = base.split_once('.') else {
        return;
    };
    if !matches!(module, "sitecustomize" | "usercustomize")
        || !(rest.ends_with("so") && (rest == "so" || rest.ends_with(".so"))
            || rest == "pyd"
            || rest.ends_with(".pyd"))
    {
        return;
    }
    let (severity, message) = if nested_in_package(loc) {
        (
            Severity::Low,
            format!("{base}, a compiled {module} inside a package folder, runs only when that folder is put on PYTHONPATH"),
        )
    } else {
        (
            Severity::High,
            format!("{base} is a compiled {module}: it runs at every interpreter start, and its machine code cannot be analysed"),
        )
    };
    ctx.emit(
        Finding::builder(&r::startup_hook_file::RULE, loc.clone())
            .severity(severity)
            .message(message)
            .evidence(name.to_string())
            .build(),
    );
}

/// Report a `sitecustomize`/`usercustomize` module `shown` (the file, or the package's
/// `__init__.py`) whose place `site` judges by `place` (the file, or the package folder), with
/// the finding at `loc`; returns the role its code runs in.
fn startup_hook(ctx: &mut Ctx, shown: &str, place: &Location, loc: &Location) -> Role {
    let (severity, message, role) = if nested_in_package(place) {
        // Python imports only a top-level `sitecustomize` module: this one runs only when
        // someone puts its folder on `PYTHONPATH` (ddtrace's `ddtrace-run` does so with
        // `ddtrace/bootstrap/`), so it is an ordinary module of its package.
        (
            Some(Severity::Low),
            format!(
                "{shown} inside a package folder runs only when that folder is put on PYTHONPATH"
            ),
            Role::Module,
        )
    } else if loose_on_disk(place) {
        // A file on disk outside any site folder and any archive: nothing says a `site`
        // import reaches it (its folder is on `sys.path` only if someone puts it there), so
        // its presence is inventory; its code is still startup code.
        (
            Some(Severity::Low),
            format!("{shown} runs at every interpreter start once its folder is on sys.path"),
            Role::Startup,
        )
    } else {
        (
            None,
            format!("{shown} runs at every interpreter start"),
            Role::Startup,
        )
    };
    let mut f = Finding::builder(&r::startup_hook_file::RULE, loc.clone())
        .message(message)
        .evidence(shown.to_string());
    if let Some(sev) = severity {
        f = f.severity(sev);
    }
    ctx.emit(f.build());
    role
}

/// True when the startup hook at `loc` sits in a subfolder of what Python puts
/// on `sys.path`, so `site` never imports it: `site` imports the module `sitecustomize`
/// (`usercustomize`), which only a file directly in a `sys.path` folder provides.
///
/// The `sys.path` folders are known from where the file is: on disk, `site-packages` or
/// `dist-packages`; in a wheel, its root and the roots of `*.data/purelib/` and
/// `*.data/platlib/` (PEP 427: installed into site-packages); in another archive (an sdist, an
/// egg), its root folder and the `src/` under it. Anywhere else the folder may well be on
/// `sys.path`, so the file counts as top level.
/// Folders `site` adds to `sys.path`, by name.
const SITE: [&str; 2] = ["site-packages", "dist-packages"];

/// True for a file on disk (no archive member) with no site folder ([`SITE`]) among its
/// folders.
fn loose_on_disk(loc: &Location) -> bool {
    loc.members.is_empty()
        && !loc
            .path
            .components()
            .any(|c| SITE.iter().any(|s| c.as_os_str() == *s))
}

fn nested_in_package(loc: &Location) -> bool {
    let Some(member) = loc.members.last() else {
        // On disk: only a file under a site folder is known to be nested.
        let dirs: Vec<String> = loc
            .path
            .parent()
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        return match dirs.iter().rposition(|d| SITE.contains(&d.as_str())) {
            Some(i) => i + 1 < dirs.len(),
            None => false,
        };
    };
    let dirs: Vec<&str> = member
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let dirs = &dirs[..dirs.len().saturating_sub(1)];
    if let Some(i) = dirs.iter().rposition(|d| SITE.contains(d)) {
        return i + 1 < dirs.len();
    }
    let container = match loc.members.len() {
        1 => loc.path.to_string_lossy().into_owned(),
        n => loc.members[n - 2].clone(),
    };
    if container.to_ascii_lowercase().ends_with(".whl") {
        return match dirs {
            [] => false,
            [data, scheme] => {
                !(data.ends_with(".data") && matches!(*scheme, "purelib" | "platlib"))
            }
            _ => true,
        };
    }
    // An sdist's root folder (`name-1.0/`), then an optional `src/` layout.
    let rest = dirs.get(1..).unwrap_or_default();
    let rest = rest.strip_prefix(&["src"]).unwrap_or(rest);
    !rest.is_empty()
}

/// Command names a console script must not take, with the distributions whose own command it
/// is (PEP 503 names). Compared after [`command_key`].
const SHADOWED: &[(&str, &[&str])] = &[
    ("pip", &["pip"]),
    ("python", &[]),
    // The Windows launcher and the windowed interpreter.
    ("py", &[]),
    ("pythonw", &[]),
    ("uv", &["uv"]),
    ("uvx", &["uv"]),
    ("conda", &["conda"]),
    ("mamba", &["mamba"]),
    ("pipx", &["pipx"]),
    ("huggingface-cli", &["huggingface-hub"]),
    ("hf", &["huggingface-hub"]),
    ("git", &[]),
    ("ssh", &[]),
    ("scp", &[]),
    ("sudo", &[]),
    ("su", &[]),
    ("ls", &[]),
    ("cp", &[]),
    ("mv", &[]),
    ("rm", &[]),
    ("curl", &[]),
    ("wget", &[]),
    ("bash", &[]),
    ("sh", &[]),
    ("env", &[]),
    ("make", &[]),
    ("docker", &[]),
    ("kubectl", &[]),
    ("aws", &["awscli"]),
    ("gcloud", &[]),
    ("npm", &[]),
    ("node", &[]),
    // Tools that hold or are handed credentials: a shadow sees tokens, passphrases and keys.
    ("twine", &["twine"]),
    ("gh", &[]),
    ("glab", &[]),
    ("ssh-add", &[]),
    ("ssh-agent", &[]),
    ("ssh-keygen", &[]),
    ("gpg", &[]),
    ("az", &["azure-cli"]),
    ("gsutil", &["gsutil"]),
    ("vault", &[]),
    ("terraform", &[]),
    ("helm", &[]),
];

/// A command name as a shell on any platform finds it: lower case (Windows and macOS file
/// systems ignore case), without `.exe`, without a version suffix (`python3.12`, `pip3`,
/// `python3.13t`).
fn command_key(cmd: &str) -> String {
    let lower = cmd.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix(".exe").unwrap_or(&lower);
    // A free-threaded build's `t` after the version (`python3.13t`).
    let lower = match lower.strip_suffix('t') {
        Some(l) if l.ends_with(|c: char| c.is_ascii_digit()) => l,
        _ => lower,
    };
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let key = if base.is_empty() { lower } else { base };
    key.to_string()
}

/// The Windows script-launcher stubs that the packaging toolchain itself ships in pure wheels:
/// distlib's (`pip/_vendor/distlib/t32.exe` ...) and setuptools' (`cli-64.exe` ...). Sources:
/// pypa/distlib `distlib/` and pypa/setuptools `setuptools/` file listings.
const LAUNCHERS: &[&str] = &[
    "t32.exe",
    "t64.exe",
    "t64-arm.exe",
    "w32.exe",
    "w64.exe",
    "w64-arm.exe",
    "cli.exe",
    "cli-32.exe",
    "cli-64.exe",
    "cli-arm64.exe",
    "gui.exe",
    "gui-32.exe",
    "gui-64.exe",
    "gui-arm64.exe",
];

/// What the wheel check needs from the archive.
#[derive(Debug, Default)]
pub struct WheelParts {
    /// Member name → (sha256, size) of its whole content.
    pub digests: BTreeMap<String, ([u8; 32], u64)>,
    /// Members that are executables or native libraries.
    pub binaries: Vec<String>,
    /// Text of `*.dist-info/RECORD`, `WHEEL`, `entry_points.txt` (name, text).
    pub dist_info: Vec<(String, String)>,
}

/// Record a member's digest and size for the RECORD check, and whether it is a binary.
pub fn record_digest(
    parts: &mut WheelParts,
    name: &str,
    digest: [u8; 32],
    size: u64,
    format: Format,
) {
    parts.digests.insert(name.to_string(), (digest, size));
    if format == Format::Executable {
        parts.binaries.push(name.to_string());
    }
}

/// sha256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// The wheel-level checks over everything the zip reader collected.
pub fn check_wheel(ctx: &mut Ctx, parts: &WheelParts, loc: &Location) {
    let find = |suffix: &str| {
        parts
            .dist_info
            .iter()
            .find(|(n, _)| {
                n.matches('/').count() == 1
                    && (n.ends_with(suffix)
                        // `Entry_Points.txt`: case-insensitive file systems find it.
                        || (suffix.ends_with("entry_points.txt")
                            && n.to_ascii_lowercase().ends_with(suffix)))
            })
            .map(|(n, t)| (n.clone(), t.clone()))
    };
    match find(".dist-info/RECORD") {
        None => ctx.emit(
            Finding::builder(&r::wheel_record_missing::RULE, loc.clone())
                .message("no dist-info/RECORD: the wheel's files cannot be verified")
                .evidence(plural(parts.digests.len(), "member"))
                .build(),
        ),
        Some((name, text)) => check_record(ctx, parts, &name, &text, loc),
    }
    if let Some((_, wheel)) = find(".dist-info/WHEEL") {
        // Pure means installable anywhere: `Root-Is-Purelib: true` and a tag that claims the
        // platform `any` (in the file name, by which pip installs, or in a `Tag:` line; a
        // compressed tag set `any.manylinux_…` claims it too). playwright's, wandb's and
        // xgboost's `py3-none-manylinux_2_28_x86_64` wheels set Root-Is-Purelib but claim only
        // their platform (tester t25 wb01, wb02, wb04 keep the finding).
        let purelib = wheel.lines().any(|l| {
            l.replace(' ', "")
                .eq_ignore_ascii_case("Root-Is-Purelib:true")
        });
        let claims_any = |platform: &str| platform.split('.').any(|p| p == "any");
        let tags: Vec<&str> = wheel
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("Tag"))
            .filter_map(|(_, v)| v.trim().rsplit('-').next())
            .collect();
        let file = loc.artifact_name();
        let file = file.rsplit(['/', '\\', '!']).next().unwrap_or("");
        let named = file
            .strip_suffix(".whl")
            .and_then(|stem| stem.rsplit('-').next());
        let anywhere = named.is_some_and(claims_any)
            || tags.iter().any(|t| claims_any(t))
            || (named.is_none() && tags.is_empty());
        let pure = purelib && anywhere;
        if pure {
            for b in &parts.binaries {
                let base = b.rsplit('/').next().unwrap_or(b);
                let launcher = LAUNCHERS.contains(&base);
                ctx.emit(
                    Finding::builder(&r::wheel_binary_in_pure_wheel::RULE, loc.member(b.clone()))
                        .severity(if launcher {
                            Severity::Low
                        } else {
                            Severity::Medium
                        })
                        .message(if launcher {
                            "a pure-Python wheel ships a packaging tool's Windows script launcher"
                        } else {
                            "a pure-Python wheel ships an executable or native library"
                        })
                        .evidence(b.clone())
                        .build(),
                );
            }
        }
    }
    if let Some((name, text)) = find(".dist-info/entry_points.txt") {
        let mut section = String::new();
        // Entry points a host tool calls on its own, in every run (plugins): joined as calls
        // at load from the entry points file (`python/join.rs` resolves them at the wheel's
        // root, where the modules are installed).
        let mut calls: Vec<String> = Vec::new();
        let mut imports: Vec<String> = Vec::new();
        // Every line: importlib.metadata reads the whole file (the member is bounded by the
        // text bound, 64 MiB), so a console script after 100,000 dummy groups counts.
        for line in universal_lines(text.as_str()) {
            let l = line.trim();
            if l.starts_with('[') {
                section = l.to_string();
                continue;
            }
            let group = section.trim_start_matches('[').trim_end_matches(']');
            let (key, value) = l.split_once('=').unwrap_or((l, ""));
            if let Some(host) = host_hooks(group, key.trim()) {
                if !value.is_empty() {
                    let value = value.split('[').next().unwrap_or("").trim();
                    let (module, attr) = match value.split_once(':') {
                        Some((m, a)) => (m.trim(), Some(a.trim())),
                        None => (value, None),
                    };
                    let dotted = crate::formats::is_dotted_name;
                    if dotted(module) && calls.len() < python::links_max_names() {
                        imports.push(module.to_string());
                        match attr.filter(|a| dotted(a)) {
                            Some(a) => {
                                calls.push(format!("{module}.{a}"));
                                calls.extend(
                                    host.methods.iter().map(|m| format!("{module}.{a}.{m}")),
                                );
                            }
                            None => {
                                calls.extend(host.functions.iter().map(|h| format!("{module}.{h}")))
                            }
                        }
                    }
                }
                continue;
            }
            if section != "[console_scripts]" && section != "[gui_scripts]" {
                continue;
            }
            if let Some((cmd, target)) = l.split_once('=') {
                let cmd = cmd.trim();
                // A distribution's own command (pip's `pip` and `pip3`) is not shadowing.
                let dist = dist_of(name.split('/').next().unwrap_or(""));
                shadowing(
                    ctx,
                    cmd,
                    &dist,
                    "console script",
                    format!("{cmd} = {}", target.trim()),
                    loc.member(name.clone()),
                );
            }
        }
        if !calls.is_empty() {
            ctx.python_links.push(python::ModuleLinks::loader(
                loc.member(name.clone()),
                Role::Module,
                calls,
                imports,
            ));
        }
    }
    // Scripts the installer copies into `bin` as they are (tester t14: `.data/scripts/ssh`).
    for member in parts.digests.keys() {
        if let Some(cmd) = installed_command(member) {
            let dist = dist_of(member);
            shadowing(
                ctx,
                cmd,
                &dist,
                "installed script",
                member.clone(),
                loc.member(member.clone()),
            );
        }
    }
}

/// What a host tool calls, on its own, for a plugin entry point (`name = module[:object]`).
#[derive(Debug, Clone, Copy)]
struct Host {
    /// The functions of a module the value names alone (pluggy-style hook names); empty when
    /// the host calls the object the value names (a module alone is then only imported).
    functions: &'static [&'static str],
    /// Methods the host calls on what the object returns when called (poetry's `activate`).
    methods: &'static [&'static str],
}

const CALLS_OBJECT: Host = Host {
    functions: &[],
    methods: &[],
};

/// The setuptools commands a build runs without being asked for them by name (pip's and
/// `build`'s PEP 517 hooks, `setup.py install`/`develop`): setuptools' `get_command_class`
/// loads the `distutils.commands` entry point of the command's name and builds it.
const BUILD_COMMANDS: &[&str] = &[
    "build",
    "build_clib",
    "build_ext",
    "build_py",
    "build_scripts",
    "bdist_wheel",
    "bdist_egg",
    "develop",
    "dist_info",
    "editable_wheel",
    "egg_info",
    "install",
    "install_data",
    "install_egg_info",
    "install_headers",
    "install_lib",
    "install_scripts",
    "sdist",
];

/// What a host tool calls, on its own and whenever it runs, for an entry point `name` of
/// `group` (docs/rules/python-shell-command.md, "Plugin entry points", lists them with their
/// reasons). `None` for other
/// groups and names: console scripts run when someone types them, and a plugin a host loads
/// only when a user names it in a configuration (Sphinx themes, builders and extensions,
/// IPython extensions, hatch plugins, which hatchling loads only for a plugin name it does not
/// ship) is the user's choice.
fn host_hooks(group: &str, name: &str) -> Option<Host> {
    let functions = |functions| {
        Some(Host {
            functions,
            methods: &[],
        })
    };
    match group {
        // setuptools calls these in every build (`Distribution.finalize_options`,
        // `_finalize_setup_keywords`, the sdist and egg_info file finders and writers).
        "setuptools.finalize_distribution_options"
        | "distutils.setup_keywords"
        | "setuptools.file_finders"
        | "egg_info.writers" => Some(CALLS_OBJECT),
        // setuptools builds the command class of a build's own commands from this group.
        "distutils.commands" if BUILD_COMMANDS.contains(&name) => Some(CALLS_OBJECT),
        // tox 4 loads every `tox` entry point at start and calls its hooks (`tox/plugin/spec.py`).
        "tox" => functions(&[
            "tox_register_tox_env",
            "tox_add_option",
            "tox_add_core_config",
            "tox_add_env_config",
            "tox_extend_envs",
            "tox_on_install",
            "tox_before_run_commands",
            "tox_after_run_commands",
            "tox_env_teardown",
        ]),
        // virtualenv's plugins (creators, seeders, activators, discovery) and flake8's checks are
        // built whenever the host runs.
        "virtualenv.create"
        | "virtualenv.seed"
        | "virtualenv.activate"
        | "virtualenv.discovery"
        | "flake8.extension"
        | "flake8.report" => Some(CALLS_OBJECT),
        "pytest11" => functions(&[
            "pytest_addoption",
            "pytest_configure",
            "pytest_load_initial_conftests",
            "pytest_cmdline_main",
            "pytest_sessionstart",
            "pytest_collection_modifyitems",
            "pytest_runtest_setup",
            "pytest_report_header",
            "pytest_unconfigure",
            "pytest_sessionfinish",
        ]),
        // keyring's `_load_plugins` calls every entry point's object (when callable) the first
        // time a keyring is wanted: pip's index authentication, twine, poetry.
        "keyring.backends" => Some(CALLS_OBJECT),
        // numba's `entrypoints.init_all` calls every `init` entry point at the first compilation.
        "numba_extensions" if name == "init" => Some(CALLS_OBJECT),
        // PyInstaller's `discover_hook_directories` calls every `hook-dirs` function in every
        // build.
        "pyinstaller40" if name == "hook-dirs" => Some(CALLS_OBJECT),
        // pdm's `Core.load_plugins` calls every plugin with the core at every start.
        "pdm" | "pdm.plugin" => Some(CALLS_OBJECT),
        // poetry's plugin manager builds every plugin class at every start and calls its
        // `activate`.
        "poetry.plugin" | "poetry.application.plugin" => Some(Host {
            functions: &[],
            methods: &["activate"],
        }),
        // nbconvert's `get_export_names` builds every exporter to ask whether it is enabled: in
        // every `jupyter nbconvert` run and in jupyter_server's nbconvert API, which JupyterLab
        // queries at start.
        "nbconvert.exporters" => Some(CALLS_OBJECT),
        // jupyter_client starts every kernel with the provisioner of this name (the last entry
        // point of the name wins) unless the kernel spec names another.
        "jupyter_client.kernel_provisioners" if name == "local-provisioner" => Some(CALLS_OBJECT),
        // llm imports every `llm` plugin when it is imported itself (pluggy) and calls its
        // hooks when the CLI starts and when it lists models.
        "llm" => functions(&[
            "register_commands",
            "register_models",
            "register_embedding_models",
            "register_tools",
            "register_template_loaders",
            "register_fragment_loaders",
        ]),
        _ => None,
    }
}

/// The command a wheel member installs into the environment's `bin` folder (`Scripts` on
/// Windows): a file directly in `<name>.data/scripts/` (the installer copies it there, rewriting
/// a `#!python` line), or in `<name>.data/data/bin/` (`data` is installed into the prefix).
fn installed_command(member: &str) -> Option<&str> {
    let (data, rest) = member.split_once('/')?;
    if !data.ends_with(".data") {
        return None;
    }
    let cmd = rest
        .strip_prefix("scripts/")
        .or_else(|| rest.strip_prefix("data/bin/"))?;
    (!cmd.is_empty() && !cmd.contains('/')).then_some(cmd)
}

/// The PEP 503 name of the distribution a wheel path starts with (`Foo_Bar-1.0.dist-info/…`,
/// `foo_bar-1.0.data/…`: the part before the first `-`).
fn dist_of(path: &str) -> String {
    crate::osv::normalise(path.split('-').next().unwrap_or(""))
}

/// Report a command that shadows a common one ([`SHADOWED`]), unless `dist` (a PEP 503 name)
/// owns it: `how` says how the package installs it, `evidence` what the package says.
/// Whether installing a command named `cmd` (a file in `bin`, `Scripts/cmd.exe`) by the
/// distribution `dist` (PEP 503 name) shadows a common command that is not its own.
pub(crate) fn shadows_command(cmd: &str, dist: &str) -> bool {
    let key = command_key(cmd);
    SHADOWED
        .iter()
        .any(|(c, owners)| *c == key && !owners.contains(&dist))
}

pub(crate) fn shadowing(
    ctx: &mut Ctx,
    cmd: &str,
    dist: &str,
    how: &str,
    evidence: String,
    at: Location,
) {
    if shadows_command(cmd, dist) {
        ctx.emit(
            Finding::builder(&r::entry_point_shadows_command::RULE, at)
                .message(format!("{how} {cmd:?} shadows a common command"))
                .evidence(evidence)
                .build(),
        );
    }
}

fn check_record(ctx: &mut Ctx, parts: &WheelParts, record: &str, text: &str, loc: &Location) {
    let rloc = loc.member(record.to_string());
    let mut listed = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for line in universal_lines(text) {
        // `path,hash,size`; the path may itself contain commas (CSV quoting), so split from
        // the right.
        let mut it = line.rsplitn(3, ',');
        let (Some(size), Some(hash), Some(path)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        // Checked first: the absent-file branch below `continue`s, and a hostile RECORD may
        // list a million absent files.
        if problems.len() > 1000 {
            break;
        }
        let path = path.trim_matches('"');
        listed.insert(path.to_string());
        let Some((want, got_size)) = parts.digests.get(path) else {
            if !path.ends_with(".dist-info/RECORD") {
                problems.push(format!("{path}: listed in RECORD but absent"));
            }
            continue;
        };
        if let Some(b64) = hash.strip_prefix("sha256=") {
            let got = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(want);
            if got != b64.trim_end_matches('=') {
                problems.push(format!("{path}: sha256 {got} but RECORD says {b64}"));
                continue;
            }
        } else {
            // PEP 427: every file but RECORD and its signatures has a hash of sha256 or
            // stronger. A missing hash, or a weaker algorithm that an installer still checks
            // (any hashlib name), leaves the file unverified against what was built.
            let algo = hash.split_once('=').map_or("", |(a, _)| a.trim());
            let strong = matches!(
                algo,
                "sha384" | "sha512" | "sha3_256" | "sha3_384" | "sha3_512" | "blake2b"
            );
            let exempt = path.ends_with(".dist-info/RECORD")
                || path.ends_with(".dist-info/RECORD.jws")
                || path.ends_with(".dist-info/RECORD.p7s");
            if !exempt && hash.trim().is_empty() {
                problems.push(format!("{path}: no hash in RECORD (cannot be verified)"));
                continue;
            } else if !exempt && !strong {
                problems.push(format!(
                    "{path}: RECORD hashes it with {algo}, weaker than the sha256 PEP 427 requires"
                ));
                continue;
            }
        }
        if let Ok(n) = size.trim().parse::<u64>() {
            if n != *got_size {
                problems.push(format!(
                    "{path}: {} but RECORD says {n}",
                    plural(*got_size, "byte")
                ));
            }
        }
    }
    for name in parts.digests.keys() {
        if problems.len() > 1000 {
            break;
        }
        let exempt = name.ends_with(".dist-info/RECORD")
            || name.ends_with(".dist-info/RECORD.jws")
            || name.ends_with(".dist-info/RECORD.p7s")
            || name.ends_with('/');
        if !exempt && !listed.contains(name) {
            problems.push(format!("{name}: not listed in RECORD"));
        }
    }
    if !problems.is_empty() {
        ctx.emit(
            Finding::builder(&r::wheel_record_mismatch::RULE, rloc)
                .severity(Severity::Medium)
                .message(format!(
                    "{} file(s) do not match the wheel's RECORD",
                    problems.len()
                ))
                .evidence(
                    problems
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; "),
                )
                .build(),
        );
    }
}

/// What a file other tools run from an environment's prefix is, by its path (a wheel's
/// `<name>.data/data/` is installed into the prefix, so its members count as well as files on
/// disk): a Jupyter kernel spec (`share/jupyter/kernels/<k>/kernel.json`, whose `argv` every
/// notebook started with the kernel runs) or a conda activation hook
/// (`etc/conda/activate.d/*`, `deactivate.d/*`, run in the user's shell at every
/// `conda activate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostFile {
    /// A Jupyter kernel spec.
    KernelSpec,
    /// A conda activation or deactivation script.
    CondaActivation,
    /// A Jupyter server or notebook config fragment (`etc/jupyter/jupyter_server_config.d/*.json`,
    /// `jupyter_notebook_config.d/*.json`), whose enabled extensions every server start loads.
    JupyterConfig,
}

/// The [`HostFile`] at `path` (a file path or member name), if it is one.
pub fn host_file(path: &str) -> Option<HostFile> {
    let p = path.replace('\\', "/");
    if p.ends_with("/kernel.json") && p.contains("jupyter/kernels/") {
        Some(HostFile::KernelSpec)
    } else if p.contains("etc/conda/activate.d/") || p.contains("etc/conda/deactivate.d/") {
        Some(HostFile::CondaActivation)
    } else if p.ends_with(".json")
        && (p.contains("jupyter_server_config.d/") || p.contains("jupyter_notebook_config.d/"))
    {
        Some(HostFile::JupyterConfig)
    } else {
        None
    }
}

/// Shells a kernel's `argv` may start (by the program's base name).
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "csh",
    "tcsh",
    "cmd",
    "cmd.exe",
    "powershell",
    "powershell.exe",
    "pwsh",
];

/// Analyse a [`HostFile`]: a kernel spec whose `argv` starts a shell or runs Python code given
/// on the command line (`-c`) is high (every notebook run with it runs that); a conda
/// activation hook is reported low (packages set variables so), and high when a byte-pattern
/// rule matched it ([`host_file_patterns`]).
pub fn analyse_host_file(ctx: &mut Ctx, kind: HostFile, data: &[u8], loc: &Location) {
    match kind {
        HostFile::KernelSpec => {
            if data.len() > 1 << 20 {
                // Kernel specs are a few hundred bytes; one this large is not read, and says so.
                ctx.limit_at(
                    Severity::High,
                    loc,
                    "a Jupyter kernel spec larger than 1 MiB",
                    "its argv",
                );
                return;
            }
            // Jupyter reads it with Python's `json`.
            let parsed = crate::formats::json::from_python::<serde_json::Value>(data);
            let Ok(spec) = parsed.value else {
                return;
            };
            if parsed.deep {
                // A kernel spec is a small flat object: one nested past the bound may hide its
                // `argv` from the analysis, not from Jupyter.
                ctx.limit_at(
                    Severity::High,
                    loc,
                    &format!(
                        "a Jupyter kernel spec nested deeper than {} levels",
                        crate::formats::json::MAX_DEPTH
                    ),
                    "its values below that depth",
                );
            }
            let Some(argv) = spec.get("argv").and_then(|a| a.as_array()) else {
                return;
            };
            let words: Vec<&str> = argv.iter().filter_map(|a| a.as_str()).collect();
            let Some(program) = words.first() else {
                return;
            };
            let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
            let shell = SHELLS.contains(&base.to_ascii_lowercase().as_str());
            let inline = words.iter().skip(1).any(|w| *w == "-c" || *w == "/c");
            if shell || inline {
                ctx.emit(
                    Finding::builder(&r::startup_hook_file::RULE, loc.clone())
                        .severity(Severity::High)
                        .message(if shell {
                            "a Jupyter kernel spec whose argv starts a shell: every notebook run with this kernel runs it"
                        } else {
                            "a Jupyter kernel spec whose argv runs code given on its command line (-c): every notebook run with this kernel runs it"
                        })
                        .evidence(crate::finding::truncate_chars(
                            &words.iter().take(64).copied().collect::<Vec<_>>().join(" "),
                            200,
                        ))
                        .build(),
                );
            }
        }
        HostFile::JupyterConfig => jupyter_extensions(ctx, data, loc),
        HostFile::CondaActivation => match activation_command(data) {
            Some((line, what, text)) => ctx.emit(
                Finding::builder(
                    &r::startup_hook_file::RULE,
                    loc.with_span(Span::Line { line: line as u64 }),
                )
                .severity(Severity::High)
                .message(format!(
                    "a conda activation hook {what} at every `conda activate` of the environment"
                ))
                .evidence(crate::finding::truncate_chars(&text, 200))
                .build(),
            ),
            None => ctx.emit(
                Finding::builder(&r::startup_hook_file::RULE, loc.clone())
                    .severity(Severity::Low)
                    .message("a conda activation hook: it runs in the user's shell at every `conda activate` of the environment")
                    .evidence(crate::finding::truncate_chars(&loc.artifact_name(), 200))
                    .build(),
            ),
        },
    }
}

/// The server extensions a Jupyter config fragment enables (`ServerApp.jpserver_extensions`,
/// `NotebookApp.nbserver_extensions`: module → `true`): every Jupyter server start imports each
/// module and calls its loading hooks (`_load_jupyter_server_extension`, the older
/// `load_jupyter_server_extension`, `_jupyter_server_extension_points`). They join the
/// package's code as calls at load of a start-up file, so a hook that runs a command is graded
/// as start-up code (tester t18 w04). Fragments over 1 MiB, and past 64 modules, are not read.
fn jupyter_extensions(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    const HOOKS: &[&str] = &[
        "_load_jupyter_server_extension",
        "load_jupyter_server_extension",
        "_jupyter_server_extension_points",
        "_jupyter_server_extension_paths",
    ];
    if data.len() > 1 << 20 {
        ctx.limit(
            loc,
            "a Jupyter config fragment larger than 1 MiB",
            "the extensions it enables",
        );
        return;
    }
    let Ok(v) = crate::formats::json::from_python::<serde_json::Value>(data).value else {
        return;
    };
    let mut calls = Vec::new();
    let mut imports = Vec::new();
    for (app, key) in [
        ("ServerApp", "jpserver_extensions"),
        ("NotebookApp", "nbserver_extensions"),
    ] {
        let Some(map) = v
            .get(app)
            .and_then(|a| a.get(key))
            .and_then(|m| m.as_object())
        else {
            continue;
        };
        for (module, on) in map.iter().take(64) {
            if on.as_bool() != Some(true) || !crate::formats::is_dotted_name(module) {
                continue;
            }
            imports.push(module.clone());
            calls.extend(HOOKS.iter().map(|h| format!("{module}.{h}")));
        }
    }
    if !calls.is_empty() {
        ctx.python_links.push(python::ModuleLinks::loader(
            loc.clone(),
            Role::Module,
            calls,
            imports,
        ));
    }
}

/// Lines of an activation hook [`activation_command`] reads; a hook is a few dozen.
const MAX_HOOK_LINES: usize = 10_000;

/// Programs that reach the network, by their lower-case name (`curl`, `nc`, PowerShell's
/// `Invoke-WebRequest`, Windows' `certutil`): what conda activation hooks and build files
/// (`formats/build_files.rs`) are judged by.
pub(crate) const NETWORK_PROGRAMS: &[&str] = &[
    "curl",
    "wget",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "ssh",
    "scp",
    "sftp",
    "ftp",
    "tftp",
    "invoke-webrequest",
    "invoke-restmethod",
    "iwr",
    "irm",
    "bitsadmin",
    "certutil",
];

/// The first command in an activation hook (sh, bash, cmd or PowerShell) that does what
/// activation hooks do not: start a process that outlives the activation (a command ended by a
/// single `&`, `nohup`, `setsid`, `disown`, cmd's `start /b`, `Start-Process`) or reach the
/// network (`curl`, `wget`, `nc`, `socat`, `ssh`, `/dev/tcp/`, `Invoke-WebRequest`). Real hooks
/// (conda-forge's compilers, GDAL, Java, CUDA) set and restore variables, test files and call
/// `conda` or `python` helpers. Returns (1-based line, what it does, the line); comments are
/// skipped and the first [`MAX_HOOK_LINES`] lines read.
fn activation_command(data: &[u8]) -> Option<(usize, &'static str, String)> {
    const DETACH: &[&str] = &["nohup", "setsid", "disown", "start-process", "daemonize"];
    for (i, raw) in data.split(|&b| b == b'\n').take(MAX_HOOK_LINES).enumerate() {
        let line = String::from_utf8_lossy(raw);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("::") || t.starts_with("rem ") {
            continue;
        }
        let lower = t.to_ascii_lowercase();
        // The program of each simple command: the first word after a separator (`;`, `|`,
        // `&`, `(`, `$(`, a backquote), past `VAR=value` assignments and shell keywords, by
        // its base name (`/usr/bin/curl`).
        let words: Vec<&str> = lower
            .split([';', '|', '&', '(', ')', '`'])
            .filter_map(|cmd| {
                cmd.split_whitespace()
                    .map(|w| w.trim_matches(['"', '\'', '{', '}', '$']))
                    .find(|w| {
                        !w.is_empty()
                            && !w.contains('=')
                            && !matches!(
                                *w,
                                "then"
                                    | "do"
                                    | "else"
                                    | "elif"
                                    | "if"
                                    | "while"
                                    | "!"
                                    | "exec"
                                    | "command"
                                    | "sudo"
                                    | "env"
                                    | "time"
                                    | "@"
                            )
                    })
            })
            .map(|w| w.rsplit(['/', '\\']).next().unwrap_or(w))
            .map(|w| w.strip_suffix(".exe").unwrap_or(w))
            .collect();
        let background = {
            let b = lower.trim_end_matches(|c: char| c.is_whitespace() || c == ';');
            b.ends_with('&') && !b.ends_with("&&") && !b.ends_with(">&") && !b.ends_with("|&")
        };
        let what = if background
            || words.iter().any(|w| DETACH.contains(w))
            || lower.contains("start /b")
            || lower.contains("start \"\" /b")
        {
            "starts a process that outlives the activation"
        } else if words.iter().any(|w| NETWORK_PROGRAMS.contains(w))
            || lower.contains("/dev/tcp/")
            || lower.contains("/dev/udp/")
        {
            "reaches the network"
        } else {
            continue;
        };
        return Some((i + 1, what, t.to_string()));
    }
    None
}

/// After the byte-pattern rules: a conda activation hook one of them matched (a download
/// piped into a shell, a reverse shell) is the environment's start-up code: high, as for a
/// virtual environment's `bin/activate`.
pub fn host_file_patterns(ctx: &mut Ctx, kind: HostFile, loc: &Location) {
    if kind != HostFile::CondaActivation {
        return;
    }
    let Some(m) = ctx.findings.iter().find(|f| {
        f.rule.id == crate::rules::core::yara_match::RULE.id
            && f.location.path == loc.path
            && f.location.members == loc.members
    }) else {
        return;
    };
    let (message, evidence) = (m.message.clone(), m.evidence.clone());
    ctx.emit(
        Finding::builder(&r::startup_hook_file::RULE, loc.clone())
            .severity(Severity::High)
            .message(format!(
                "a conda activation hook, which runs in the user's shell at every activation, matches a byte-pattern rule: {}",
                crate::finding::truncate_chars(&message, 120)
            ))
            .evidence(evidence)
            .build(),
    );
}
