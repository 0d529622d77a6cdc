//! What one module tells the check stage about the other modules of its package
//! (`check/python_modules.rs`): the functions of other modules it calls at load, the modules it
//! imports at load, and, for each of its own functions, the signals that would run at load if
//! another module called it.
//!
//! The analyser follows calls within one file (`called_at_load`, `close_calls`); a package
//! usually keeps its code in several (`__init__.py` does `from ._boot import init; init()`),
//! and analysers never read other files. So each module leaves its half here and the check
//! joins them.
//!
//! Only names that can be modules of the same package are kept: relative names (`._boot.init`)
//! and absolute names whose first component is one of the folders around the file
//! (`a01._boot.init` in `a01/__init__.py`). Bounds: [`MAX_NAMES`] names per list,
//! [`MAX_FUNCTIONS`] functions, [`MAX_LATENT`] signals and [`MAX_FN_CALLS`] calls per function,
//! [`MAX_STEPS`] steps of the propagation through the file's call graph; past one,
//! [`ModuleLinks::truncated`] is set and the analyser reports a `resource-limit` (info).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Role, Signals};
use crate::finding::{Location, Severity};
use crate::rules::python as r;
use crate::rules::Rule;

/// Names kept per list (calls at load, imports at load).
pub const MAX_NAMES: usize = 256;
/// Functions of one module described.
pub const MAX_FUNCTIONS: usize = 1024;
/// Signals kept per function.
pub const MAX_LATENT: usize = 16;
/// Calls into other modules kept per function.
pub const MAX_FN_CALLS: usize = 64;
/// Steps of the propagation of signals from callees to callers within one module.
const MAX_STEPS: usize = 1 << 16;
/// Bytes of pending archive members' sources held per input ([`ModuleLinks::source`]);
/// past them a member is parsed when it is analysed.
pub const MAX_HELD: usize = 4 << 20;
/// Folders around a file whose names count as its package's roots for absolute imports.
const ROOT_FOLDERS: usize = 4;

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

/// One module's links to the other modules of its package.
#[derive(Debug, Clone)]
pub struct ModuleLinks {
    /// The module (the file, or its member chain), without a span.
    pub location: Location,
    /// When its top level runs.
    pub role: Role,
    /// What kind of module it is.
    pub kind: Kind,
    /// Names of other modules' callables its top level reaches (`._boot.init`), sorted.
    pub calls_at_load: Vec<String>,
    /// The subset its top level calls itself, not through a function of its own.
    pub calls_direct: Vec<String>,
    /// Modules its top level imports (`.cli`, `pkg.cli`), sorted; for `from M import n`
    /// both `M` and `M.n` (`n` may be a submodule).
    pub imports_at_load: Vec<String>,
    /// Its functions (`f`, `Class.method`) that reach a signal or another module.
    pub functions: BTreeMap<String, Reach>,
    /// For a script: the signals its top level holds, graded at load.
    pub script_latent: Vec<Latent>,
    /// A bound dropped some of the above.
    pub truncated: bool,
    /// Not parsed: a module the prefilter skipped that calls something it imports from its
    /// package at load. The names it may call (`._boot.init`
    /// for `from ._boot import init`, `._t` for `from . import _t`); the check parses it
    /// ([`super::module_links`]) when one of them reaches a signal.
    pub pending: Vec<String>,
    /// An unparsed archive member's source, for the check to parse (a file on disk is read
    /// again instead).
    pub source: Option<std::sync::Arc<[u8]>>,
    /// The module was parsed (else only its imports were read, and the check parses it when
    /// a load calls into it or `pending` names a signal).
    pub parsed: bool,
    /// Not parsed, but it has a process, network or exec word (in a function nobody in the
    /// file calls): worth parsing when a load elsewhere calls into it.
    pub words: bool,
    /// With `words`: the functions and classes whose bodies hold one (or call one that does),
    /// by name (`python_layout::hot_names`); `None` when that could not be told.
    pub hot: Option<Vec<String>>,
}

impl ModuleLinks {
    /// For an unparsed module: whether function `attr` (`f`, `K.m`) may hold a process,
    /// network or exec word.
    pub fn may_hold(&self, attr: &str) -> bool {
        let first = attr.split('.').next().unwrap_or(attr);
        self.words
            && self
                .hot
                .as_ref()
                .is_none_or(|h| h.iter().any(|n| n == first))
    }

    /// Whether there is nothing to join.
    pub fn is_empty(&self) -> bool {
        self.calls_at_load.is_empty()
            && self.imports_at_load.is_empty()
            && self.functions.is_empty()
            && self.script_latent.is_empty()
            && self.pending.is_empty()
            && self.parsed
    }
}

/// The folder names around `loc` that an absolute import of the same package can start with:
/// the innermost member's folders inside an archive, else the file's, at most
/// [`ROOT_FOLDERS`], each a Python identifier.
pub fn roots(loc: &Location) -> Vec<String> {
    let path = match loc.members.last() {
        Some(m) => m.replace('\\', "/"),
        None => loc.path.to_string_lossy().replace('\\', "/"),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts
        .into_iter()
        .rev()
        .filter(|p| !p.is_empty())
        .take(ROOT_FOLDERS)
        .filter(|p| is_identifier(p))
        .map(str::to_string)
        .collect()
}

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
        roots.iter().any(|r| r == first)
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

/// The names one import statement's text binds (see [`Import`]); a wildcard binds none.
pub fn parse_import(stmt: &[u8]) -> Vec<Import> {
    // One line: continuations, brackets and comments dropped.
    let text = String::from_utf8_lossy(stmt);
    let mut clean = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.split('#').next().unwrap_or("");
        clean.push_str(line.trim_end_matches(['\\', '\r']));
        clean.push(' ');
    }
    let clean = clean.replace(['(', ')'], " ");
    let words: Vec<&str> = clean.split_whitespace().collect();
    let mut out = Vec::new();
    match words.first().copied() {
        Some("import") => {
            for item in words[1..].join(" ").split(',') {
                let w: Vec<&str> = item.split_whitespace().collect();
                match w.as_slice() {
                    [m] => out.push(Import {
                        module: (*m).to_string(),
                        name: None,
                        bound: m.split('.').next().unwrap_or(m).to_string(),
                    }),
                    [m, "as", a] => out.push(Import {
                        module: (*m).to_string(),
                        name: None,
                        bound: (*a).to_string(),
                    }),
                    _ => {}
                }
            }
        }
        Some("from") => {
            let Some(at) = words.iter().position(|w| *w == "import") else {
                return out;
            };
            // `from . import x` and `from .. a import b` (spaces are allowed among the dots).
            let module: String = words[1..at].concat();
            if module.is_empty() {
                return out;
            }
            for item in words[at + 1..].join(" ").split(',') {
                let w: Vec<&str> = item.split_whitespace().collect();
                let (name, bound) = match w.as_slice() {
                    [n] => (*n, *n),
                    [n, "as", a] => (*n, *a),
                    _ => continue,
                };
                if name == "*" || !is_identifier(name) || !is_identifier(bound) {
                    continue;
                }
                out.push(Import {
                    module: module.clone(),
                    name: Some(name.to_string()),
                    bound: bound.to_string(),
                });
            }
        }
        _ => {}
    }
    out.retain(|i| {
        i.module
            .split('.')
            .all(|p| p.is_empty() || is_identifier(p))
    });
    out
}

/// The imports at load of `src` that can name modules of the same package (see
/// [`in_package`]), and whether a bound stopped the scan.
pub fn package_imports(src: &[u8], roots: &[String]) -> (Vec<Import>, bool) {
    let (statements, stopped) = crate::formats::python_layout::import_statements(src);
    let mut out = Vec::new();
    for (s, e) in statements {
        for i in parse_import(&src[s..e]) {
            if in_package(&i.module, roots) {
                out.push(i);
            }
        }
    }
    (out, stopped)
}

/// The module names `imports` runs at load, sorted and bounded; the bool is true when
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

/// The names a module may call through `imports`, sorted, at most [`MAX_NAMES`].
pub fn candidates(imports: &[Import]) -> Vec<String> {
    let set: BTreeSet<String> = imports
        .iter()
        .map(|i| match &i.name {
            Some(n) => join(&i.module, n),
            None => i.module.clone(),
        })
        .collect();
    set.into_iter().take(MAX_NAMES).collect()
}

/// `module` and `name` joined as Python joins them (`.` + `x` is `.x`).
pub fn join(module: &str, name: &str) -> String {
    if module.ends_with('.') {
        format!("{module}{name}")
    } else {
        format!("{module}.{name}")
    }
}

/// Whether a module that the prefilter would not parse is worth parsing for its links: it
/// binds names from its package's modules and calls one of them (or uses it as a decorator,
/// or hands it on by `=`) where it runs at import
/// ([`crate::formats::python_layout::named_at_import`]). Parsing every module that imports
/// from its package tripled the time of a scan of an environment.
pub fn worth_parsing(src: &[u8], imports: &[Import]) -> bool {
    if imports.is_empty() {
        return false;
    }
    let names: Vec<(usize, usize)> = {
        let mut distinct: Vec<&str> = imports.iter().map(|i| i.bound.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        // The name's first occurrence in the source stands for its byte range.
        distinct
            .into_iter()
            .filter_map(|n| memchr::memmem::find(src, n.as_bytes()).map(|at| (at, at + n.len())))
            .collect()
    };
    let mut placed = Vec::new();
    super::place_names(src, &names, &mut placed);
    placed.sort_unstable();
    placed.dedup();
    !placed.is_empty() && crate::formats::python_layout::named_at_import(src, &placed)
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

/// Build the links of a parsed module from its signals (after promotion within the file).
pub fn build(
    sig: &Signals,
    direct: &std::collections::HashSet<String>,
    location: &Location,
    role: Role,
    kind: Kind,
    imports: &[Import],
) -> ModuleLinks {
    let roots = roots(location);
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
    ModuleLinks {
        location: location.clone(),
        role,
        kind,
        calls_at_load,
        calls_direct,
        imports_at_load,
        functions,
        script_latent: Vec::new(),
        truncated,
        pending: Vec::new(),
        source: None,
        parsed: true,
        words: false,
        hot: None,
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
        assert!(parse_import(b"from .x import *").is_empty());
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
    fn imports_on_one_line_with_a_call_are_split() {
        let src = b"from ._boot import init; init()\ndef f():\n    from .x import y\n";
        let (imports, _) = package_imports(src, &[]);
        assert_eq!(imports.len(), 1);
        assert_eq!(imports[0].bound, "init");
    }
}
