//! What one module tells the join of its package's modules (`python/join.rs`): the names it
//! imports from its package, and either what a parse found (the functions of other modules it
//! calls at load, and for each of its own functions the signals that would run at load if
//! another module called it) or, for a module the prefilter left unparsed, which of its
//! functions hold a process, network or exec word.
//!
//! The analyser follows calls within one file (`called_at_load`, `close_calls`); a package
//! usually keeps its code in several (`__init__.py` does `from ._boot import init; init()`),
//! and analysers never read other files. So each module leaves its half here and the join
//! matches them, parsing a module again only when both halves say it may matter.
//!
//! Only names that can be modules of the same package are kept: relative names (`._boot.init`)
//! and absolute names whose first component is one of the folders around the file
//! (`a01._boot.init` in `a01/__init__.py`). Bounds: [`MAX_NAMES`] names per list,
//! [`MAX_FUNCTIONS`] functions, [`MAX_LATENT`] signals and [`MAX_FN_CALLS`] calls per function,
//! [`MAX_STEPS`] steps of the propagation through the file's call graph; past one,
//! [`ModuleLinks::truncated`] is set and the join says so (once).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Role, Signals};
use crate::finding::{Location, Severity};
use crate::rules::python as r;
use crate::rules::Rule;

/// Names kept per list (calls at load, imports).
pub const MAX_NAMES: usize = 256;
/// Functions of one module described.
pub const MAX_FUNCTIONS: usize = 1024;
/// Signals kept per function.
pub const MAX_LATENT: usize = 16;
/// Calls into other modules kept per function.
pub const MAX_FN_CALLS: usize = 64;
/// Steps of the propagation of signals from callees to callers within one module.
const MAX_STEPS: usize = 1 << 16;
/// Folders around a file whose names count as its package's roots for absolute imports.
const ROOT_FOLDERS: usize = 4;
/// Bytes of one import statement read (a longer one is cut there).
const MAX_STATEMENT: usize = 2048;

/// One signal as the analyser keeps it: line, inside a function, evidence.
type Signal = (usize, bool, String);

/// A signal inside a function, graded as it would be if the function ran at load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latent {
    /// The rule it fires.
    pub rule: &'static Rule,
    /// Its severity when the code runs at load.
    pub severity: Severity,
    /// The line in its module.
    pub line: usize,
    /// What it does (`runs a shell command`).
    pub what: &'static str,
    /// The evidence the analyser took.
    pub evidence: String,
}

/// What calling one function of a module reaches.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    /// Signals the function or the functions of the same module it calls hold.
    pub latent: Vec<Latent>,
    /// Network calls in the function itself: at load only when the caller calls it directly
    /// (as within one file, `python-network-at-load`).
    pub network: Vec<Latent>,
    /// Functions of other modules it (or what it calls in its module) calls.
    pub calls: Vec<String>,
}

/// How a module's top level runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Imported: its top level runs whenever its package or it is imported.
    Module,
    /// A command-line script (an argument parser at its top level): run on purpose; its top
    /// level runs at import only when a module imports it.
    Script,
    /// `__main__.py`: runs under `python -m`, on purpose.
    Main,
    /// A test module: runs under a test runner.
    Test,
}

/// What a parse of a module found, for the join.
#[derive(Debug, Clone, Default)]
pub struct Exact {
    /// Names of other modules' callables its top level reaches (`._boot.init`), sorted.
    pub calls_at_load: Vec<String>,
    /// The subset its top level calls itself, not through a function of its own.
    pub calls_direct: Vec<String>,
    /// Modules its top level imports (`.cli`, `pkg.cli`), outside function bodies, sorted;
    /// for `from M import n` both `M` and `M.n` (`n` may be a submodule).
    pub imports_at_load: Vec<String>,
    /// Its functions (`f`, `Class.method`) that reach a signal or another module.
    pub functions: BTreeMap<String, Reach>,
    /// For a script: the signals its top level holds, graded at load.
    pub script_latent: Vec<Latent>,
    /// Its module-level classes, by name: their bases in the package and the methods they
    /// define (a class without a constructor of its own runs its first base's).
    pub classes: BTreeMap<String, Shape>,
}

/// What the join needs of one class: its bases that may be the package's (in order: another
/// module's, `.base.EvilBase`, or a class of the same module, `A`) and its methods, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub bases: Vec<String>,
    pub methods: Vec<String>,
}

impl Shape {
    /// Whether the class defines `method` itself.
    pub fn defines(&self, method: &str) -> bool {
        has(&self.methods, method)
    }
}

/// The module-level classes of a parse ([`Exact::classes`]): each base kept when it names a
/// class of the same module or may name one of the package ([`in_package`]); `nn.Module` and
/// `PreTrainedModel` are not followed.
fn shapes(sig: &Signals, roots: &[String]) -> BTreeMap<String, Shape> {
    let local: BTreeSet<&str> = sig.class_shapes.iter().map(|c| c.0.as_str()).collect();
    let mut out = BTreeMap::new();
    for (name, bases, methods) in &sig.class_shapes {
        if out.len() >= MAX_FUNCTIONS {
            break;
        }
        let bases: Vec<String> = bases
            .iter()
            .filter(|b| local.contains(b.as_str()) && *b != name || in_package(b, roots))
            .cloned()
            .collect();
        let mut methods = methods.clone();
        methods.sort_unstable();
        methods.dedup();
        // A later definition of the same name replaces the class, as it does in Python.
        out.insert(name.clone(), Shape { bases, methods });
    }
    out
}

/// One module's links to the other modules of its package.
#[derive(Debug, Clone)]
pub struct ModuleLinks {
    /// The module (the file, or its member chain), without a span.
    pub location: Location,
    /// When its top level runs.
    pub role: Role,
    /// What kind of module it is (a module left unparsed is a script only if a parse says so).
    pub kind: Kind,
    /// The package names its import statements bind, wherever they are (read without
    /// parsing, so an import inside a function or a string counts too; the join only uses
    /// them to choose what to read again).
    pub imports: ImportList,
    /// What a parse found; `None` for a module the prefilter left unparsed.
    pub exact: Option<Box<Exact>>,
    /// Unparsed: the functions and methods (by their own name) whose bodies hold a process or
    /// exec word, or call one that does within the file (`python_layout::place`), sorted.
    pub hot: Vec<String>,
    /// Unparsed: the classes one of whose methods is in `hot`, sorted.
    pub hot_classes: Vec<String>,
    /// Unparsed: the functions, methods and classes whose own bodies hold a network word (a
    /// network call counts at load only when the loading module calls its function
    /// directly), sorted.
    pub hot_net: Vec<String>,
    /// A bound dropped some of the above.
    pub truncated: bool,
    /// Parsed: the logging configuration files its top level hands to
    /// `logging.config.fileConfig` by a constant relative path (`/`-separated, relative to the
    /// module's folder), with the call's line; the join reads a shipped one and judges what
    /// fileConfig evaluates of it (`python/logging_ini.rs`).
    pub configs: Vec<(String, usize)>,
    /// Parsed: the files of its package its top level (or a function it calls at load) runs
    /// through an interpreter (`subprocess.run(['bash', 'scripts/post.sh'])`,
    /// `exec(open('x.txt').read())`); the join reads a shipped one and analyses it as a script
    /// of that interpreter, graded as this module's code (`python/join.rs`, `ran_files`).
    pub runs: Vec<RunFile>,
}

/// A file of the package a module runs through an interpreter at load ([`ModuleLinks::runs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFile {
    /// `/`-separated, relative to the module's folder.
    pub path: String,
    /// What runs it.
    pub interpreter: super::Interpreter,
    /// The line of the call in the module.
    pub line: usize,
    /// The call (evidence).
    pub call: String,
}

/// The methods that run when a class is called or subclassed.
const CONSTRUCTORS: &[&str] = &["__init__", "__new__", "__init_subclass__", "__post_init__"];

fn has(list: &[String], name: &str) -> bool {
    list.binary_search_by(|h| h.as_str().cmp(name)).is_ok()
}

/// [`ModuleLinks::may_hold`] over sorted lists of hot functions and methods, and of classes.
pub fn may_hold_in(hot: &[String], classes: &[String], attr: &str) -> bool {
    match attr.split_once('.') {
        None => has(hot, attr) || has(classes, attr) && CONSTRUCTORS.iter().any(|c| has(hot, c)),
        Some((first, rest)) => {
            let last = rest.rsplit('.').next().unwrap_or(rest);
            (has(classes, first) || has(hot, first)) && has(hot, last)
        }
    }
}

impl ModuleLinks {
    /// The links of something that is no parsed module but loads code of the package the way a
    /// module's top level would: a `.pth` file's import lines, a `.start` file's entries, a
    /// wheel's plugin entry points, a model loader's manifest. `calls` are called directly at
    /// load, `imports` imported; both are sorted and deduplicated here, and cut at
    /// [`MAX_NAMES`].
    pub fn loader(
        location: Location,
        role: Role,
        mut calls: Vec<String>,
        mut imports: Vec<String>,
    ) -> ModuleLinks {
        for v in [&mut calls, &mut imports] {
            v.sort_unstable();
            v.dedup();
            v.truncate(MAX_NAMES);
        }
        parsed(
            &location,
            role,
            Kind::Module,
            Exact {
                calls_direct: calls.clone(),
                calls_at_load: calls,
                imports_at_load: imports,
                ..Exact::default()
            },
            false,
        )
    }

    /// For an unparsed module: whether calling `attr` (`f`, `K`, `K.m`) may run a process or
    /// exec word: a hot function, a class with a hot constructor, or a hot method of a class
    /// with hot methods. (Method names are kept without their class, so `K.__init__` is
    /// taken as hot when some class's `__init__` is.)
    pub fn may_hold(&self, attr: &str) -> bool {
        may_hold_in(&self.hot, &self.hot_classes, attr)
    }

    /// For an unparsed module: whether calling `attr` directly may reach the network.
    pub fn may_reach_network(&self, attr: &str) -> bool {
        let last = attr.rsplit('.').next().unwrap_or(attr);
        has(&self.hot_net, last)
    }

    /// Whether there is nothing to join.
    pub fn is_empty(&self) -> bool {
        self.imports.is_empty()
            && self.hot.is_empty()
            && self.hot_net.is_empty()
            && self.exact.as_ref().is_none_or(|e| {
                e.calls_at_load.is_empty()
                    && e.imports_at_load.is_empty()
                    && e.functions.is_empty()
                    && e.script_latent.is_empty()
            })
            && self.configs.is_empty()
            && self.runs.is_empty()
    }
}

/// The folder names around `loc` that an absolute import of the same package can start with:
/// the innermost member's folders inside an archive, else the file's, at most
/// [`ROOT_FOLDERS`], each a Python identifier.
/// `setup.py` runs as a script, with its own folder first on `sys.path`: any absolute name
/// may be a module beside it (`from build_helpers import prepare`), so its roots hold
/// [`ANY_ROOT`]; so do `hubconf.py` and `.pth` files.
pub fn roots(loc: &Location) -> Vec<String> {
    let path = match loc.members.last() {
        Some(m) => m.replace('\\', "/"),
        None => loc.path.to_string_lossy().replace('\\', "/"),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop();
    let mut out: Vec<String> = parts
        .into_iter()
        .rev()
        .filter(|p| !p.is_empty())
        .take(ROOT_FOLDERS)
        .filter(|p| is_identifier(p))
        .map(str::to_string)
        .collect();
    // `setup.py` runs with its folder on `sys.path`, and so does a `hubconf.py` torch.hub loads;
    // a `.pth` file's import lines run with its site folder on `sys.path`.
    if matches!(file, Some("setup.py" | "hubconf.py")) || file.is_some_and(|f| f.ends_with(".pth"))
    {
        out.push(ANY_ROOT.to_string());
    }
    out
}

/// A root that admits every absolute name ([`roots`] of `setup.py`).
pub const ANY_ROOT: &str = "";

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && !s.as_bytes()[0].is_ascii_digit()
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Whether a dotted name can name something of another module of the same package.
pub fn in_package(name: &str, roots: &[String]) -> bool {
    if name.len() > 512 || name.is_empty() {
        return false;
    }
    name.starts_with('.') || {
        let first = name.split('.').next().unwrap_or("");
        roots.iter().any(|r| r == first || r == ANY_ROOT)
    }
}

/// One name an import statement binds: `from .a import b as c` is (`.a`, `Some("b")`, `c`);
/// `import a.b as c` is (`a.b`, `None`, `c`); `import a.b` is (`a.b`, `None`, `a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    pub name: Option<String>,
    pub bound: String,
}

/// One entry of an [`ImportList`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportRef<'a> {
    pub module: &'a str,
    pub name: Option<&'a str>,
    pub bound: &'a str,
}

/// The package imports of one module, kept in one string (a module binds tens of names; one
/// allocation a name for every module of an environment showed in the scan's CPU).
#[derive(Debug, Clone, Default)]
pub struct ImportList {
    text: String,
    /// Per import: where its module, name (empty: none) and bound name end in `text`.
    ends: Vec<[u32; 3]>,
    /// Which imports have a name.
    named: Vec<bool>,
}

impl ImportList {
    /// Add one import (ignored past [`MAX_NAMES`] or 4 GiB of text).
    pub fn push(&mut self, module: &str, name: Option<&str>, bound: &str) {
        if self.ends.len() >= MAX_NAMES || self.text.len() > u32::MAX as usize / 2 {
            return;
        }
        self.text.push_str(module);
        let m = self.text.len() as u32;
        self.text.push_str(name.unwrap_or(""));
        let n = self.text.len() as u32;
        self.text.push_str(bound);
        self.ends.push([m, n, self.text.len() as u32]);
        self.named.push(name.is_some());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The import at `i`.
    pub fn get(&self, i: usize) -> Option<ImportRef<'_>> {
        let [m, n, b] = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1][2] } as usize;
        let (m, n, b) = (m as usize, n as usize, b as usize);
        Some(ImportRef {
            module: &self.text[start..m],
            name: self.named[i].then(|| &self.text[m..n]),
            bound: &self.text[n..b],
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = ImportRef<'_>> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// The names one import statement's text binds (see [`Import`]); a wildcard binds none.
pub fn parse_import(stmt: &[u8]) -> Vec<Import> {
    let mut out = Vec::new();
    each_import(stmt, &mut |module, name, bound| {
        out.push(Import {
            module: module.to_string(),
            name: name.map(str::to_string),
            bound: bound.to_string(),
        });
    });
    out
}

/// [`parse_import`], handing each import to `each` (module, name, bound) without allocating.
pub fn each_import(stmt: &[u8], each: &mut dyn FnMut(&str, Option<&str>, &str)) {
    // Tokens: dotted names, `,`, `*`; comments, brackets, continuations and blanks dropped.
    // One pass over the bytes, no copy of the text (this runs on every package import of
    // every module).
    let mut tokens: Vec<&[u8]> = Vec::with_capacity(16);
    let mut i = 0;
    while i < stmt.len() && tokens.len() < 4096 {
        let c = stmt[i];
        if c == b'#' {
            while i < stmt.len() && stmt[i] != b'\n' {
                i += 1;
            }
        } else if c == b',' || c == b'*' {
            tokens.push(&stmt[i..=i]);
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            let s = i;
            while i < stmt.len() {
                let d = stmt[i];
                if d.is_ascii_alphanumeric() || d == b'_' || d == b'.' {
                    i += 1;
                } else {
                    break;
                }
            }
            tokens.push(&stmt[s..i]);
        } else {
            i += 1;
        }
    }
    // Tokens are ASCII (identifiers, dots, `,`, `*`): a non-ASCII byte ends a token and
    // makes the import's name invalid.
    fn text(t: &[u8]) -> &str {
        std::str::from_utf8(t).unwrap_or("")
    }
    let valid_module = |m: &[u8]| {
        m.split(|c| *c == b'.')
            .all(|p| p.is_empty() || is_identifier_bytes(p))
    };
    match tokens.first().copied() {
        Some(b"import") => {
            for item in tokens[1..].split(|t| *t == b",") {
                let (m, bound) = match item {
                    [m] => (*m, m.split(|c| *c == b'.').next().unwrap_or(m)),
                    [m, b"as", a] => (*m, *a),
                    _ => continue,
                };
                if valid_module(m) && is_identifier_bytes(bound) {
                    each(text(m), None, text(bound));
                }
            }
        }
        Some(b"from") => {
            let Some(at) = tokens.iter().position(|w| *w == b"import") else {
                return;
            };
            // `from . import x` and `from .. a import b` (spaces are allowed among the dots).
            let joined;
            let module: &[u8] = match &tokens[1..at] {
                [one] => one,
                many => {
                    joined = many.concat();
                    &joined
                }
            };
            if module.is_empty() || !valid_module(module) {
                return;
            }
            let module = text(module);
            // `from M import *`: the module is imported (its top level runs); the names it
            // binds are not known here, so it is kept as an import of the module itself,
            // bound to its last component.
            if tokens[at + 1..] == [b"*"] {
                let last = module.rsplit('.').next().unwrap_or("");
                if is_identifier_bytes(last.as_bytes()) {
                    each(module, None, last);
                }
                return;
            }
            for item in tokens[at + 1..].split(|t| *t == b",") {
                let (name, bound) = match item {
                    [n] => (*n, *n),
                    [n, b"as", a] => (*n, *a),
                    _ => continue,
                };
                if !is_identifier_bytes(name) || !is_identifier_bytes(bound) {
                    continue;
                }
                each(module, Some(text(name)), text(bound));
            }
        }
        _ => {}
    }
}

fn is_identifier_bytes(s: &[u8]) -> bool {
    !s.is_empty()
        && !s[0].is_ascii_digit()
        && s.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// The import statements of `src` that bind names of its own package ([`in_package`]),
/// read without parsing: every `import` keyword, its statement found around it (`from M
/// import …` and `import …`, with brackets, comments and line continuations), at most
/// [`MAX_NAMES`]. A statement inside a function or a string counts too: these only choose
/// which modules the join reads again, and a parse decides.
pub fn package_imports(src: &[u8], loc: &Location) -> ImportList {
    package_imports_at(src, memchr::memmem::find_iter(src, b"import"), loc)
}

/// [`package_imports`] from the offsets of the `import` keywords, sorted (the prefilter's
/// searcher found them already).
pub fn package_imports_at(
    src: &[u8],
    offsets: impl Iterator<Item = usize>,
    loc: &Location,
) -> ImportList {
    let mut out = ImportList::default();
    let mut last = usize::MAX;
    // The folders around the file, computed at the first absolute import that needs them,
    // with a searcher for each (built once: most files import many other distributions).
    let mut roots: Option<(Vec<String>, Vec<memchr::memmem::Finder<'static>>)> = None;
    let mut roots_of = || {
        let r = self::roots(loc);
        let finders = r
            .iter()
            .map(|n| memchr::memmem::Finder::new(n.as_bytes()).into_owned())
            .collect();
        (r, finders)
    };
    for at in offsets {
        if out.len() >= MAX_NAMES {
            break;
        }
        let ident = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
        if at > 0 && ident(&src[at - 1]) || src.get(at + 6).is_some_and(ident) {
            continue;
        }
        let Some((start, end)) = statement(src, at) else {
            continue;
        };
        if start == last {
            continue;
        }
        last = start;
        let stmt = &src[start..end];
        // Most imports name other distributions (`import os`, `from torch import nn`): a
        // relative module, or a folder name around the file somewhere in the statement, is
        // needed before the statement is read.
        let relative = stmt.starts_with(b"from") && {
            let rest = &stmt[4..];
            let rest = &rest[rest
                .iter()
                .take_while(|c| c.is_ascii_whitespace() || **c == b'\\')
                .count()..];
            rest.first() == Some(&b'.')
        };
        let (roots, finders) = roots.get_or_insert_with(&mut roots_of);
        if !relative && !finders.iter().any(|f| f.find(stmt).is_some()) {
            continue;
        }
        let roots: &[String] = roots;
        each_import(stmt, &mut |module, name, bound| {
            if in_package(module, roots) {
                out.push(module, name, bound);
            }
        });
    }
    out
}

/// The import statement whose `import` keyword is at `at`: its start (the `from` of a `from`
/// import, over line continuations) and its end (a line end outside brackets, a `;` or a
/// comment). `None` when the keyword does not start a statement or follow `from M`.
fn statement(src: &[u8], at: usize) -> Option<(usize, usize)> {
    let floor = at.saturating_sub(MAX_STATEMENT);
    let mut line_start =
        memchr::memrchr3(b'\n', b'\r', b';', &src[floor..at]).map_or(floor, |p| floor + p + 1);
    // `from ._boot \` on the line before (a continuation).
    while line_start > floor + 1 && src[line_start - 1] == b'\n' {
        let prev = src[..line_start - 1].trim_ascii_end();
        if !prev.ends_with(b"\\") || prev.len() <= floor {
            break;
        }
        line_start = memchr::memrchr3(b'\n', b'\r', b';', &src[floor..prev.len() - 1])
            .map_or(floor, |p| floor + p + 1);
    }
    let before = &src[line_start..at];
    let lead = before.len() - before.trim_ascii_start().len();
    let before = before
        .trim_ascii()
        .strip_suffix(b"\\")
        .unwrap_or(before.trim_ascii());
    let start = if before.is_empty() {
        at
    } else if before.starts_with(b"from") && before.get(4).is_some_and(u8::is_ascii_whitespace) {
        line_start + lead
    } else {
        return None;
    };
    let limit = src.len().min(at + MAX_STATEMENT);
    let mut i = at + 6;
    let mut open = 0usize;
    while i < limit {
        match src[i] {
            b'(' => open += 1,
            b')' => open = open.saturating_sub(1),
            b'\\' => i += 1,
            b'#' => {
                while i < limit && !matches!(src[i], b'\n' | b'\r') {
                    i += 1;
                }
                if open == 0 {
                    break;
                }
                continue;
            }
            b'\n' | b'\r' | b';' if open == 0 => break,
            _ => {}
        }
        i += 1;
    }
    Some((start, i.min(limit)))
}

/// The module names `imports` runs, sorted and bounded; the bool is true when
/// [`MAX_NAMES`] dropped some.
pub fn imported_modules(imports: &[Import]) -> (Vec<String>, bool) {
    let mut set = BTreeSet::new();
    for i in imports {
        set.insert(i.module.clone());
        if let Some(n) = &i.name {
            set.insert(join(&i.module, n));
        }
    }
    let over = set.len() > MAX_NAMES;
    (set.into_iter().take(MAX_NAMES).collect(), over)
}

/// `module` and `name` joined as Python joins them (`.` + `x` is `.x`).
pub fn join(module: &str, name: &str) -> String {
    if module.ends_with('.') {
        format!("{module}{name}")
    } else {
        format!("{module}.{name}")
    }
}

/// The severity a shell command, hidden spawn, exec of decoded data or dropper has when it
/// runs at load, and what it does.
fn at_load(rule: &'static Rule) -> (Severity, &'static str) {
    if std::ptr::eq(rule, &r::python_exec_decoded::RULE) {
        (Severity::Critical, "runs exec/eval of decoded data")
    } else if std::ptr::eq(rule, &r::python_hidden_process::RULE) {
        (
            Severity::High,
            "starts a second Python interpreter with its output silenced",
        )
    } else if std::ptr::eq(rule, &r::python_exec_computed::RULE) {
        (Severity::High, "runs a file it downloaded")
    } else if std::ptr::eq(rule, &r::python_network_at_load::RULE) {
        (Severity::Medium, "reaches the network")
    } else if std::ptr::eq(rule, &r::python_credential_stealer::RULE) {
        (Severity::Critical, "reads a secret and reaches the network")
    } else {
        (Severity::High, "runs a shell command")
    }
}

fn latent(rule: &'static Rule, line: usize, evidence: &str) -> Latent {
    let (severity, what) = at_load(rule);
    Latent {
        rule,
        severity,
        line,
        what,
        evidence: evidence.to_string(),
    }
}

/// The signals at the top level of a script that its script status made latent (captured
/// before that), graded at load: a dropper at module level is critical, as within one file.
pub fn script_latent(sig: &Signals) -> Vec<Latent> {
    let mut out = Vec::new();
    for (line, in_fn, ev) in &sig.shell {
        if !in_fn {
            out.push(latent(&r::python_shell_command::RULE, *line, ev));
        }
    }
    for (line, in_fn, ev) in &sig.network {
        if !in_fn {
            out.push(latent(&r::python_network_at_load::RULE, *line, ev));
        }
    }
    // A secret read and a network call both at its top level: a stealer when it runs at load,
    // as within one file.
    let secret = sig
        .credentials
        .iter()
        // The metadata address is where a request goes, not a secret read by itself.
        .filter(|c| !super::METADATA_HOSTS.contains(&c.2.as_str()))
        .chain(&sig.secret_reads)
        .any(|(_, in_fn, _)| !in_fn)
        || sig.env_dump.iter().any(|d| !d.1);
    if let Some((line, _, ev)) = sig.network.iter().find(|n| !n.1).filter(|_| secret) {
        out.push(latent(&r::python_credential_stealer::RULE, *line, ev));
    }
    for (line, in_fn, ev) in &sig.droppers {
        if !in_fn {
            let mut l = latent(&r::python_exec_computed::RULE, *line, ev);
            if !sig.enclosing.contains_key(line) {
                l.severity = Severity::Critical;
            }
            out.push(l);
        }
    }
    out.truncate(MAX_NAMES);
    out
}

/// Build the links of a parsed module from its signals (after promotion within the file);
/// `imports`: its import statements outside function bodies that name its package.
pub fn build(
    sig: &Signals,
    direct: &std::collections::HashSet<String>,
    location: &Location,
    role: Role,
    kind: Kind,
    imports: &[Import],
) -> ModuleLinks {
    let mut roots = roots(location);
    // Build-time code runs with its folder on `sys.path` (`setup.py`'s folder, an in-tree
    // backend's `backend-path`): any absolute name may be a module beside it.
    if role == Role::Install && !roots.iter().any(|r| r == ANY_ROOT) {
        roots.push(ANY_ROOT.to_string());
    }
    let mut truncated = false;
    let mut pick = |names: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        let set: BTreeSet<&String> = names.filter(|n| in_package(n, &roots)).collect();
        truncated |= set.len() > MAX_NAMES;
        set.into_iter().take(MAX_NAMES).cloned().collect()
    };
    // Scripts, `__main__.py` and tests run on purpose: what their top level reaches is joined
    // only when a module imports a script (the check follows its calls then).
    let calls_at_load = pick(&mut sig.called_at_load.iter());
    let calls_direct = pick(&mut direct.iter());
    let (imports_at_load, over) = imported_modules(imports);
    truncated |= over;
    let classes = shapes(sig, &roots);

    // Nothing to describe (most parsed modules): no signal inside a function and no call
    // into the package from one.
    let latent_in_fn = [
        &sig.shell,
        &sig.hidden_spawn,
        &sig.exec_decoded,
        &sig.droppers,
        &sig.network,
    ]
    .iter()
    .any(|l| l.iter().any(|(_, in_fn, _)| *in_fn));
    let calls_package = || {
        sig.calls_in
            .values()
            .any(|cs| cs.iter().any(|c| in_package(c, &roots)))
    };
    if !latent_in_fn && !calls_package() {
        return parsed(
            location,
            role,
            kind,
            Exact {
                calls_at_load,
                calls_direct,
                imports_at_load,
                classes,
                ..Exact::default()
            },
            truncated,
        );
    }
    // Seeds: each function's own latent signals and calls into other modules.
    let mut all: Vec<Latent> = Vec::new();
    let mut own: HashMap<&str, (BTreeSet<usize>, BTreeSet<String>)> = HashMap::new();
    let mut network: HashMap<&str, Vec<Latent>> = HashMap::new();
    let lists: [(&'static Rule, &[Signal]); 4] = [
        (&r::python_shell_command::RULE, &sig.shell),
        (&r::python_hidden_process::RULE, &sig.hidden_spawn),
        (&r::python_exec_decoded::RULE, &sig.exec_decoded),
        (&r::python_exec_computed::RULE, &sig.droppers),
    ];
    for (rule, list) in lists {
        for (line, in_fn, ev) in list {
            let Some(f) = sig.enclosing.get(line).filter(|f| !f.ends_with('.')) else {
                continue;
            };
            if !in_fn {
                continue;
            }
            let set = &mut own.entry(f.as_str()).or_default().0;
            if set.len() < MAX_LATENT {
                set.insert(all.len());
                all.push(latent(rule, *line, ev));
            } else {
                truncated = true;
            }
        }
    }
    for (line, in_fn, ev) in &sig.network {
        if let Some(f) = sig
            .enclosing
            .get(line)
            .filter(|f| !f.ends_with('.') && *in_fn)
        {
            let v = network.entry(f.as_str()).or_default();
            if v.len() < MAX_LATENT {
                v.push(latent(&r::python_network_at_load::RULE, *line, ev));
            }
        }
    }
    for (f, callees) in &sig.calls_in {
        if f.ends_with('.') {
            continue;
        }
        for c in callees.iter().filter(|c| in_package(c, &roots)) {
            let set = &mut own.entry(f.as_str()).or_default().1;
            if set.len() < MAX_FN_CALLS {
                set.insert(c.clone());
            } else {
                truncated = true;
            }
        }
    }
    // Callers of each function of this module, as `close_calls` names callees.
    let mut callers: HashMap<String, Vec<&str>> = HashMap::new();
    for (f, callees) in &sig.calls_in {
        let class = f.split_once('.').map(|(c, _)| c);
        for c in callees {
            let c = c.replace("().", ".");
            let c = match (c.split_once('.'), class) {
                (Some(("self" | "cls", rest)), Some(k)) => format!("{k}.{rest}"),
                _ => c,
            };
            if !c.contains('.') {
                callers
                    .entry(format!("{c}.__init__"))
                    .or_default()
                    .push(f.as_str());
            }
            callers.entry(c).or_default().push(f.as_str());
        }
    }
    // Propagate each function's payload to its callers, until nothing grows.
    let mut reach: HashMap<&str, (BTreeSet<usize>, BTreeSet<String>)> = own.clone();
    let mut work: Vec<&str> = own.keys().copied().collect();
    work.sort_unstable();
    let mut steps = 0usize;
    while let Some(f) = work.pop() {
        steps += 1;
        if steps > MAX_STEPS {
            truncated = true;
            break;
        }
        let Some((lat, calls)) = reach.get(f).cloned() else {
            continue;
        };
        for caller in callers.get(f).into_iter().flatten() {
            if caller.ends_with('.') || *caller == f {
                continue;
            }
            let entry = reach.entry(caller).or_default();
            let before = (entry.0.len(), entry.1.len());
            for l in &lat {
                if entry.0.len() < MAX_LATENT {
                    entry.0.insert(*l);
                }
            }
            for c in &calls {
                if entry.1.len() < MAX_FN_CALLS {
                    entry.1.insert(c.clone());
                }
            }
            if (entry.0.len(), entry.1.len()) != before {
                work.push(caller);
            }
        }
    }
    let mut functions = BTreeMap::new();
    let mut names: Vec<&str> = reach.keys().chain(network.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    for f in names {
        if functions.len() >= MAX_FUNCTIONS {
            truncated = true;
            break;
        }
        let (lat, calls) = reach.get(f).cloned().unwrap_or_default();
        let net = network.get(f).cloned().unwrap_or_default();
        if lat.is_empty() && calls.is_empty() && net.is_empty() {
            continue;
        }
        functions.insert(
            f.to_string(),
            Reach {
                latent: lat.into_iter().map(|i| all[i].clone()).collect(),
                network: net,
                calls: calls.into_iter().collect(),
            },
        );
    }
    // Module-level aliases (`resnet18 = _build`, `XModel = _Impl`, `generate =
    // partial(_impl, …)`): another module calling the alias reaches what the target reaches.
    for (alias, target) in &sig.module_aliases {
        let copies: Vec<(String, Reach)> = functions
            .iter()
            .filter_map(|(k, r)| {
                let rest = k.strip_prefix(target.as_str())?;
                (rest.is_empty() || rest.starts_with('.'))
                    .then(|| (format!("{alias}{rest}"), r.clone()))
            })
            .collect();
        for (k, r) in copies {
            if functions.len() >= MAX_FUNCTIONS {
                truncated = true;
                break;
            }
            functions.entry(k).or_insert(r);
        }
    }
    parsed(
        location,
        role,
        kind,
        Exact {
            calls_at_load,
            calls_direct,
            imports_at_load,
            functions,
            script_latent: Vec::new(),
            classes,
        },
        truncated,
    )
}

/// The links of a parsed module: what its parse found, nothing left to guess from words.
fn parsed(
    location: &Location,
    role: Role,
    kind: Kind,
    exact: Exact,
    truncated: bool,
) -> ModuleLinks {
    ModuleLinks {
        location: location.clone(),
        role,
        kind,
        imports: ImportList::default(),
        exact: Some(Box::new(exact)),
        hot: Vec::new(),
        hot_classes: Vec::new(),
        hot_net: Vec::new(),
        truncated,
        configs: Vec::new(),
        runs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_statements_are_read() {
        let i = parse_import(b"from ._boot import init, run as r");
        assert_eq!(i.len(), 2);
        assert_eq!(i[0].module, "._boot");
        assert_eq!(i[1].bound, "r");
        let i = parse_import(b"from . import (\n  a,  # x\n  b,\n)");
        assert_eq!(
            i.iter().map(|x| x.bound.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let i = parse_import(b"import pkg.cli as c, os");
        assert_eq!(i[0].module, "pkg.cli");
        assert_eq!(i[0].bound, "c");
        assert_eq!(i[1].bound, "os");
        // A star import imports the module itself (bound to its last component).
        let i = parse_import(b"from .x import *");
        assert_eq!(
            (
                i[0].module.as_str(),
                i[0].name.as_deref(),
                i[0].bound.as_str()
            ),
            (".x", None, "x")
        );
        assert!(parse_import(b"from . import *").is_empty());
        let i = parse_import(b"from .. sub import f");
        assert_eq!(i[0].module, "..sub");
    }

    #[test]
    fn package_names_are_relative_or_rooted_in_a_folder_around_the_file() {
        let loc = Location::file("/x/site/a01/sub/m.py");
        let roots = roots(&loc);
        assert!(roots.contains(&"a01".to_string()));
        assert!(in_package("._boot.init", &roots));
        assert!(in_package("a01.core.f", &roots));
        assert!(!in_package("os.system", &roots));
    }

    #[test]
    fn package_imports_are_found_without_parsing() {
        let loc = Location::file("/x/demo/m.py");
        let src = b"import os\nfrom ._boot import init; init()\ndef f():\n    from .x import (\n        y,  # z\n        w as v)\nimport demo.cli as c, sys\nfrom .a \\\n    import b\nx = 'import'\n";
        let got: Vec<(String, Option<String>, String)> = package_imports(src, &loc)
            .iter()
            .map(|i| {
                (
                    i.module.to_string(),
                    i.name.map(str::to_string),
                    i.bound.to_string(),
                )
            })
            .collect();
        let want = [
            ("._boot", Some("init"), "init"),
            (".x", Some("y"), "y"),
            (".x", Some("w"), "v"),
            ("demo.cli", None, "c"),
            (".a", Some("b"), "b"),
        ];
        let want: Vec<(String, Option<String>, String)> = want
            .iter()
            .map(|(m, n, b)| (m.to_string(), n.map(str::to_string), b.to_string()))
            .collect();
        assert_eq!(got, want);
    }
}
