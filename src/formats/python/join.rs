//! The modules of one Python package, joined: code a module runs at load through another
//! module of its package is graded as code run at load.
//!
//! Each Python module leaves its half as [`ModuleLinks`] (`links.rs`). A parsed module says
//! exactly which callables of its package its top level reaches (`from ._boot import init;
//! init()`, a thread target `_t.run`, a decorator, a base class's `__init_subclass__`) and what
//! each of its functions would do at load. Most modules are not parsed (the prefilter found
//! nothing that could fire a rule): they leave only the package names their import statements
//! bind and, when they hold process, network or exec words inside functions, the names of those
//! functions (the prefilter's placement computed them anyway). The join resolves the names
//! against the other modules of the same folder tree on disk, or of the same archive: a relative
//! name against the importing file's package folder (`.` its folder, `..` the one above), an
//! absolute name against the folder above the enclosing folder of that name (`a01._boot` from
//! `a01/__init__.py`); `x.py` or `x/__init__.py`.
//!
//! Reading a module again costs what the prefilter saved, so the join does it in two steps,
//! each on as few modules as it can tell:
//!
//! 1. *Which unparsed modules use a hot name.* A module that imports a function that may hold a
//!    word (`from ._boot import init` where `init` is hot, or `_boot` imported whole and
//!    `_boot.init` written) is read again and its uses of that name placed by
//!    `python_layout::place`, without parsing: a use at load marks the module for a parse;
//!    uses inside its functions make those functions hot in turn (a helper that calls
//!    `init()`), which may make more importers worth reading, until nothing changes.
//! 2. *The exact walk.* From every parsed module that runs at load (including the ones step 1
//!    marked), its calls into the package are followed through the parsed functions of other
//!    modules; an unparsed module is parsed when the walk calls one of its hot functions. A
//!    signal reached so gets a finding of its own rule, at the severity it would have at load,
//!    on the called module's line, naming the module whose load runs it; the function's own
//!    low finding stays beside it.
//!
//! Which modules' loads count: every module that is imported (its top level runs at import, as
//! within one file). Scripts (an argument parser at the top level), `__main__.py` and test
//! modules run on purpose, so what they call is not joined; but a module that imports a script
//! runs the script's top level, so the script's top-level signals are graded at load then, and
//! what its top level calls is followed.
//!
//! Bounds: [`MAX_DEPTH`] modules deep from the loading module, [`MAX_WORK`] steps of the walk,
//! [`MAX_READ`] bytes read again and [`MAX_PARSED`] modules parsed again per join. A join stopped
//! by one says so once (`resource-limit`, info), with the number of modules it left.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::links::{join as join_name, may_hold_in, Kind, Latent, ModuleLinks, Reach};
use super::Role;
use crate::finding::{display_path, Finding, Location, Severity, Span};
use crate::rules::core::resource_limit;

/// Imports followed from a module to where a name it re-exports is defined.
const MAX_REEXPORTS: usize = 4;
/// Classes looked at to tell whether a base provides a method ([`Join::provides`]).
const MAX_MRO: usize = 64;
/// Inherited methods of one class, and classes of one module, looked at when bases change
/// ([`Join::inherits_hot`]).
const MAX_INHERITED: usize = 64;
const MAX_INHERITING: usize = 256;

/// Modules followed from the one whose load starts the walk.
pub const MAX_DEPTH: usize = 8;
/// Steps of all walks of one join.
pub const MAX_WORK: usize = 1 << 20;
/// Bytes of sources read again (for step 1 and for parses) per join.
pub const MAX_READ: u64 = 256 << 20;
/// Modules parsed again per join.
pub const MAX_PARSED: usize = 512;
/// Rounds of both steps (hot names spreading to importers, parses asked for by the walk); each
/// round reaches a module deeper, and a chain is followed first up by step 1, then down by the
/// walk.
const MAX_ROUNDS: usize = 2 * MAX_DEPTH + 4;

/// Where the join gets a module's source again: a file is read from disk, an archive member
/// inflated again from its archive. `None` for a module that cannot be read.
pub trait Sources {
    /// The sources of `locs`, in order.
    fn read(&mut self, locs: &[&Location]) -> Vec<Option<Vec<u8>>>;

    /// The byte-pattern rules of the scan, for files the join reads as scripts
    /// ([`ran_files`]); `None` when the scan has none (or the caller did not pass them).
    fn yara(&self) -> Option<std::sync::Arc<crate::yara::YaraRules>> {
        None
    }
}

/// Sources that cannot be read again (the join uses what parses found).
pub struct NoSources;

impl Sources for NoSources {
    fn read(&mut self, locs: &[&Location]) -> Vec<Option<Vec<u8>>> {
        locs.iter().map(|_| None).collect()
    }
}

/// Files on disk, read again.
pub struct DiskSources {
    /// The scan's byte-pattern rules, for files the join reads as scripts.
    pub yara: Option<std::sync::Arc<crate::yara::YaraRules>>,
}

impl Sources for DiskSources {
    fn yara(&self) -> Option<std::sync::Arc<crate::yara::YaraRules>> {
        self.yara.clone()
    }

    fn read(&mut self, locs: &[&Location]) -> Vec<Option<Vec<u8>>> {
        locs.iter()
            .map(|l| {
                if !l.members.is_empty() {
                    return None;
                }
                let meta = std::fs::metadata(&l.path).ok()?;
                if meta.len() > super::MAX_SOURCE as u64 {
                    return None;
                }
                std::fs::read(&l.path).ok()
            })
            .collect()
    }
}

struct Module<'a> {
    /// `/`-separated, normalised path (the file's on disk, the member's in an archive).
    path: String,
    /// Its index in the links handed to [`join`].
    origin: usize,
    links: std::borrow::Cow<'a, ModuleLinks>,
    /// Patterns its source was already scanned for (step 1).
    scanned: BTreeSet<String>,
    /// Step 1 found a hot name used at load, or step 2 calls into a hot function: parse it.
    parse: bool,
    /// Reading or parsing it failed (too large, gone, damaged).
    unreadable: bool,
    /// Unparsed: its functions and methods that use a hot name of another module (step 1),
    /// and its classes with such methods, sorted.
    relay: Vec<String>,
    relay_classes: Vec<String>,
}

impl Module<'_> {
    /// The name it is imported by ([`stem`]).
    fn stem(&self) -> &str {
        stem(&self.path)
    }

    /// Unparsed: whether calling `attr` reaches a hot name of another module (step 1).
    fn relays(&self, attr: &str) -> bool {
        may_hold_in(&self.relay, &self.relay_classes, attr)
    }
}

/// `a/./b/../c` as `a/c`, with `/` separators.
fn normalise(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let absolute = p.starts_with('/');
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !absolute {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    let joined = out.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Whether a path has `\\` separators or `.`/`..` components ([`normalise`]).
fn needs_normalising(p: &str) -> bool {
    p.contains('\\') || p.split('/').any(|c| c == "." || c == "..")
}

/// The folder of a path (`""` at the top).
fn folder(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) => "/",
        Some(i) => &p[..i],
        None => "",
    }
}

fn child(base: &str, name: &str) -> String {
    match base {
        "" => name.to_string(),
        "/" => format!("/{name}"),
        b => format!("{b}/{name}"),
    }
}

/// A use the join looks for in an unparsed module's source: a name bound by an import
/// (`init`), or an attribute path through a module bound whole (`_boot.` followed by one of
/// the attributes). A class name counts only where it is called or one of `methods` is taken
/// (`K(`, `K.m`).
#[derive(Debug, Clone)]
enum Pattern {
    Name(String),
    Class(String, Vec<String>),
    Attr(String, Vec<String>),
    /// A class whose calling reaches no word but some of whose `methods` do: `K.m`, or `K` as
    /// a base in a class header (the subclass inherits them).
    Methods(String, Vec<String>),
}

impl Pattern {
    fn key(&self) -> String {
        match self {
            Pattern::Name(n) => n.clone(),
            Pattern::Class(n, methods) => format!("{n}({})", methods.join(",")),
            Pattern::Attr(p, attrs) => format!("{p}{{{}}}", attrs.join(",")),
            Pattern::Methods(n, methods) => format!("{n}[{}]", methods.join(",")),
        }
    }
}

/// The offsets in `src` where one of `patterns` starts a name (not the tail of a longer name
/// nor an attribute of something else), sorted, at most `cap`.
fn occurrences(src: &[u8], patterns: &[Pattern], cap: usize) -> Vec<usize> {
    occurrences_and_bases(src, patterns, cap).0
}

/// [`occurrences`], and whether one is a base in a class header (`class B(EvilBase):`): the
/// subclass inherits what is hot, so only a parse can tell what its callers reach.
fn occurrences_and_bases(src: &[u8], patterns: &[Pattern], cap: usize) -> (Vec<usize>, bool) {
    let mut base = false;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    for p in patterns {
        let lead = match p {
            Pattern::Name(n)
            | Pattern::Class(n, _)
            | Pattern::Attr(n, _)
            | Pattern::Methods(n, _) => n.as_str(),
        };
        if lead.is_empty() {
            continue;
        }
        for at in memchr::memmem::find_iter(src, lead.as_bytes()) {
            if out.len() >= cap {
                break;
            }
            let before = at.checked_sub(1).map(|i| src[i]);
            if before.is_some_and(|c| ident(c) || c == b'.') {
                continue;
            }
            let end = at + lead.len();
            let attr_in = |attrs: &[String], from: usize| {
                let n = src[from..].iter().take_while(|c| ident(**c)).count();
                let attr = &src[from..from + n];
                attrs.iter().any(|a| a.as_bytes() == attr)
            };
            // A base in a class header (`class B(EvilBase):`, `class B(m.EvilBase, C)`), the
            // name ending at `from`: it runs `__init_subclass__`, and the class inherits its
            // constructor and methods.
            let in_header = |from: usize| {
                let rest = &src[from..];
                let gap = rest
                    .iter()
                    .take_while(|c| matches!(c, b' ' | b'\t'))
                    .count();
                let line = src[..at]
                    .iter()
                    .rposition(|c| *c == b'\n')
                    .map_or(0, |p| p + 1);
                matches!(rest.get(gap), Some(b')' | b','))
                    && src[line..at].trim_ascii_start().starts_with(b"class ")
            };
            let ok = match p {
                Pattern::Name(_) => !src.get(end).copied().is_some_and(ident),
                Pattern::Attr(_, attrs) => {
                    let found = attr_in(attrs, end);
                    if found {
                        let n = src[end..].iter().take_while(|c| ident(**c)).count();
                        base |= in_header(end + n);
                    }
                    found
                }
                Pattern::Class(_, methods) | Pattern::Methods(_, methods) => {
                    let rest = &src[end..];
                    let gap = rest
                        .iter()
                        .take_while(|c| matches!(c, b' ' | b'\t'))
                        .count();
                    match rest.get(gap) {
                        Some(b'(') => matches!(p, Pattern::Class(..)),
                        Some(b'.') => attr_in(methods, end + gap + 1),
                        Some(b')' | b',') => {
                            let header = in_header(end);
                            base |= header;
                            header
                        }
                        _ => false,
                    }
                }
            };
            if ok {
                out.push(at);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    (out, base)
}

/// Offsets placed per module scan; past it the placement says "at load" (a parse decides).
const MAX_OFFSETS: usize = 4096;

/// Names resolved and remembered per join.
const MAX_RESOLVED: usize = 1 << 20;

fn has_name(list: &[String], name: &str) -> bool {
    list.binary_search_by(|h| h.as_str().cmp(name)).is_ok()
}

/// Answers remembered per module, by the name asked.
type Memo<T> = HashMap<usize, HashMap<Box<str>, T>>;

/// The attributes of a module whose call may run a signal, and those that reach the network
/// when called directly ([`Join::hot_attrs`]).
type HotAttrs = (Vec<String>, Vec<String>);

/// What the walk reached, by (module, line, rule).
type Found = BTreeMap<(usize, usize, &'static str), Reached>;

struct Join<'a, 's> {
    modules: Vec<Module<'a>>,
    by_path: HashMap<String, usize>,
    sources: &'s mut dyn Sources,
    /// Bytes read again so far.
    read: u64,
    /// Modules parsed again so far.
    parsed: usize,
    /// Modules a bound left (not read, not parsed, or not followed), and the bounds.
    left: BTreeSet<usize>,
    bounds: BTreeSet<String>,
    /// The loading module of the first walk a bound cut, where the finding goes.
    cut: Option<usize>,
    /// Modules a walk started from or stepped into whose links a bound cut
    /// ([`ModuleLinks::truncated`]): only those make the join incomplete.
    truncated: BTreeSet<usize>,
    /// Names resolved by [`Join::callee`], per module.
    resolved: std::cell::RefCell<Memo<Option<(usize, String)>>>,
    resolved_count: std::cell::Cell<usize>,
    /// What is left of the budget of one [`Join::is_hot`] question for inherited methods.
    mro_fuel: std::cell::Cell<usize>,
    /// [`Join::inherited`] answers; forgotten when a module is parsed (a base it could not
    /// tell may be told then).
    mro_memo: std::cell::RefCell<Memo<Vec<(usize, String)>>>,
    /// Names resolved by [`Join::imported`], per module.
    imports_memo: std::cell::RefCell<Memo<Option<usize>>>,
    /// Unparsed modules whose own words make a name another module uses hot
    /// ([`Join::is_hot`]): parsed before anything spreads from them.
    roots: std::cell::RefCell<BTreeSet<usize>>,
    /// Functions of parsed modules (by their keys, `f`, `K.m`) that call a hot function of
    /// another module.
    exact_hot: HashMap<usize, HashSet<String>>,
    /// The parsed modules by the last components of the names they call or import (hashed:
    /// a collision only adds a module to look at).
    callers: Keyed<usize>,
    /// The unparsed modules that may load others, with the index of the import, by the names
    /// their imports end with ([`importers`], hashed).
    importers: Keyed<(usize, usize)>,
    /// Parsed modules whose top level calls something hot: where the walk starts.
    loaders: BTreeSet<usize>,
    /// [`Join::hot_attrs`] answers within one round of step 1.
    attrs_memo: std::cell::RefCell<HashMap<usize, HotAttrs>>,
}

impl Join<'_, '_> {
    /// The module file `parts` names under `base`: `base/a/b.py` or `base/a/b/__init__.py`
    /// (`base/__init__.py` for no parts).
    fn module_at(&self, base: &str, parts: &[&str]) -> Option<usize> {
        let stem = parts.iter().fold(base.to_string(), |acc, p| child(&acc, p));
        if parts.is_empty() {
            return self.by_path.get(&child(&stem, "__init__.py")).copied();
        }
        self.by_path
            .get(&format!("{stem}.py"))
            .or_else(|| self.by_path.get(&child(&stem, "__init__.py")))
            .copied()
    }

    /// The folder a name is resolved from and its components: `..a.b` from `p/q/m.py` is
    /// (`p`, [a, b]); `pkg.a.b` from `x/pkg/sub/m.py` is (`x`, [pkg, a, b]).
    fn base<'n>(&self, from: usize, name: &'n str) -> Option<(String, Vec<&'n str>)> {
        let path = &self.modules[from].path;
        let dots = name.bytes().take_while(|b| *b == b'.').count();
        let parts: Vec<&str> = name[dots..].split('.').filter(|p| !p.is_empty()).collect();
        let mut dir = folder(path).to_string();
        if dots > 0 {
            for _ in 1..dots {
                if dir.is_empty() || dir == "/" {
                    return None;
                }
                dir = folder(&dir).to_string();
            }
            return Some((dir, parts));
        }
        let root = *parts.first()?;
        // `setup.py` runs with its own folder on `sys.path` (`from build_helpers import f`);
        // a `.pth` or `.start` file sits in a site folder, where the modules it names are.
        if beside_on_path(path) {
            dir = installed_dir(&dir).to_string();
        }
        // Build-time code (an in-tree backend in its `backend-path`, a build hook) runs with
        // its folder on `sys.path` too: `from _impl import *` in `_b/hooks.py` is `_b/_impl.py`
        // (tester t18 bk02).
        let on_path = beside_on_path(path) || self.modules[from].links.role == Role::Install;
        if on_path && (1..=parts.len()).any(|i| self.module_at(&dir, &parts[..i]).is_some()) {
            return Some((dir, parts));
        }
        loop {
            if dir.is_empty() || dir == "/" {
                return None;
            }
            if dir.rsplit('/').next() == Some(root) {
                return Some((folder(&dir).to_string(), parts));
            }
            dir = folder(&dir).to_string();
        }
    }

    /// The module and attribute a called name stands for, the longest module first
    /// (memoised: the walk resolves the same names every round).
    fn callee(&self, from: usize, name: &str) -> Option<(usize, String)> {
        if let Some(hit) = self.resolved.borrow().get(&from).and_then(|m| m.get(name)) {
            return hit.clone();
        }
        let got = self.base(from, name).and_then(|(base, parts)| {
            (0..parts.len()).rev().find_map(|i| {
                let m = self.module_at(&base, &parts[..i])?;
                (m != from).then(|| (m, parts[i..].join(".")))
            })
        });
        let mut cache = self.resolved.borrow_mut();
        if self.resolved_count.get() < MAX_RESOLVED {
            self.resolved_count.set(self.resolved_count.get() + 1);
            cache
                .entry(from)
                .or_default()
                .insert(name.into(), got.clone());
        }
        got
    }

    /// The module an imported name stands for (memoised).
    fn imported(&self, from: usize, name: &str) -> Option<usize> {
        if let Some(hit) = self
            .imports_memo
            .borrow()
            .get(&from)
            .and_then(|m| m.get(name))
        {
            return *hit;
        }
        let got = self.base(from, name).and_then(|(base, parts)| {
            let m = self.module_at(&base, &parts)?;
            (m != from).then_some(m)
        });
        if self.resolved_count.get() < MAX_RESOLVED {
            self.resolved_count.set(self.resolved_count.get() + 1);
            self.imports_memo
                .borrow_mut()
                .entry(from)
                .or_default()
                .insert(name.into(), got);
        }
        got
    }

    /// Whether calling `attr` of module `m` may run a process or exec signal (network calls
    /// count only when called directly, [`Join::is_net`]): a parsed module's function holds
    /// one, or calls (through other modules) one that does; an unparsed module's function uses
    /// a hot name of another module (step 1). An unparsed module whose own words make `attr`
    /// hot is not trusted: it is noted in `roots`, to be parsed before anything spreads from
    /// it (a word is not a signal, and spreading from words reached most of sympy and
    /// transformers through their helpers).
    fn is_hot(&self, m: usize, attr: &str) -> bool {
        self.mro_fuel.set(MAX_MRO);
        self.is_hot_at(m, attr, 0)
    }

    /// [`Join::is_hot`], following a name the module only imports ([`Join::reexport`]) at
    /// most [`MAX_REEXPORTS`] times.
    fn is_hot_at(&self, m: usize, attr: &str, hops: usize) -> bool {
        let module = &self.modules[m];
        let further = || {
            hops < MAX_REEXPORTS
                && self
                    .reexport(m, attr)
                    .is_some_and(|(c, a)| self.is_hot_at(c, &a, hops + 1))
        };
        let Some(exact) = &module.links.exact else {
            if !module.unreadable && module.links.may_hold(attr) {
                self.roots.borrow_mut().insert(m);
            }
            return module.relays(attr) || further();
        };
        let hot = self.exact_hot.get(&m);
        reaches_keyed(&exact.functions, attr)
            .into_iter()
            .any(|(k, r)| !r.latent.is_empty() || hot.is_some_and(|h| h.contains(k.as_str())))
            || further()
            || hops < MAX_DEPTH
                && exact
                    .classes
                    .contains_key(attr.split('.').next().unwrap_or(attr))
                && self.mro_fuel.get() > 0
                && {
                    // Bases of bases branch: one budget per question ([`Join::is_hot`]).
                    self.mro_fuel.set(self.mro_fuel.get() - 1);
                    self.inherited(m, attr)
                        .iter()
                        .any(|(c, a)| self.is_hot_at(*c, a, hops + 1))
                }
    }

    /// The bases of class `class` of parsed module `m` that may be the package's, resolved:
    /// (module, the class's name there), in order.
    fn bases_of(&self, m: usize, class: &str) -> Vec<(usize, String)> {
        let Some(e) = &self.modules[m].links.exact else {
            return Vec::new();
        };
        let Some(shape) = e.classes.get(class) else {
            return Vec::new();
        };
        shape
            .bases
            .iter()
            .filter_map(|b| {
                if e.classes.contains_key(b.as_str()) {
                    Some((m, b.clone()))
                } else {
                    self.callee(m, b)
                }
            })
            .collect()
    }

    /// Whether class `class` of module `m` has `method`, its own or inherited: `None` when it
    /// cannot be told (a module on the way unparsed, or a bound reached).
    fn provides(&self, m: usize, class: &str, method: &str, fuel: &mut usize) -> Option<bool> {
        if *fuel == 0 {
            return None;
        }
        *fuel -= 1;
        let e = self.modules[m].links.exact.as_ref()?;
        // Not a class of `m` (a re-export, an alias): not known here.
        let shape = e.classes.get(class)?;
        if shape.defines(method) {
            return Some(true);
        }
        let mut unknown = false;
        for (c, b) in self.bases_of(m, class) {
            match self.provides(c, &b, method, fuel) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            }
        }
        (!unknown).then_some(false)
    }

    /// What calling `attr` of parsed module `m` runs on the bases of a class of `m` that does
    /// not define it: for `K`, its constructors (`__init__`, `__new__`); for `K.m`, `m`. Each
    /// base is asked left to right until one provides it, itself or through its own bases
    /// (depth first, as Python's method resolution order for the usual single chain); a base
    /// that cannot be told (unparsed) is asked and the next one too. Bases outside the package
    /// (`nn.Module`) are not followed.
    fn inherited(&self, m: usize, attr: &str) -> Vec<(usize, String)> {
        if let Some(hit) = self.mro_memo.borrow().get(&m).and_then(|x| x.get(attr)) {
            return hit.clone();
        }
        let got = self.inherited_now(m, attr);
        if self.resolved_count.get() < MAX_RESOLVED {
            self.resolved_count.set(self.resolved_count.get() + 1);
            self.mro_memo
                .borrow_mut()
                .entry(m)
                .or_default()
                .insert(attr.into(), got.clone());
        }
        got
    }

    /// [`Join::inherited`], not remembered.
    fn inherited_now(&self, m: usize, attr: &str) -> Vec<(usize, String)> {
        let Some(e) = &self.modules[m].links.exact else {
            return Vec::new();
        };
        let (class, method) = match attr.split_once('.') {
            None => (attr, None),
            Some((k, meth)) if !meth.contains('.') => (k, Some(meth)),
            Some(_) => return Vec::new(),
        };
        let Some(shape) = e.classes.get(class).filter(|s| !s.bases.is_empty()) else {
            return Vec::new();
        };
        let methods = match method {
            Some(m) => vec![m],
            None => vec!["__init__", "__new__"],
        };
        let bases = self.bases_of(m, class);
        let mut out = Vec::new();
        for meth in methods {
            if shape.defines(meth) {
                continue;
            }
            let mut fuel = MAX_MRO;
            for (c, b) in &bases {
                out.push((*c, format!("{b}.{meth}")));
                if self.provides(*c, b, meth, &mut fuel) == Some(true) {
                    break;
                }
            }
        }
        out
    }

    /// Where a name module `m` only imports is defined (`from .impl import XModel` re-exports
    /// `XModel`; a hubconf entry imported from `models/net.py`): the module and attribute, when
    /// `attr`'s first component is bound by an import of the package and not defined in `m`.
    fn reexport(&self, m: usize, attr: &str) -> Option<(usize, String)> {
        let (first, rest) = match attr.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (attr, None),
        };
        let links = &self.modules[m].links;
        let from = match &links.exact {
            None => links.imports.iter().find_map(|i| {
                (i.bound == first).then(|| match i.name {
                    Some(n) => join_name(i.module, n),
                    None => i.module.to_string(),
                })
            })?,
            Some(e) => {
                if !reaches_of(&e.functions, attr).is_empty() {
                    return None;
                }
                e.imports_at_load
                    .iter()
                    .find(|i| i.rsplit('.').next() == Some(first) && i.len() > first.len())?
                    .clone()
            }
        };
        let name = match rest {
            Some(r) => format!("{from}.{r}"),
            None => from,
        };
        self.callee(m, &name).filter(|(c, _)| *c != m)
    }

    /// Whether calling `attr` of module `m` directly reaches the network. An unparsed
    /// module's words are taken as they are: a network call counts only when a module calls
    /// the function itself at module level, which few importers do, so placing their uses
    /// costs less than parsing every module that names a request.
    fn is_net(&self, m: usize, attr: &str) -> bool {
        let l = &self.modules[m].links;
        match &l.exact {
            Some(exact) => reaches_keyed(&exact.functions, attr)
                .into_iter()
                .any(|(_, r)| !r.network.is_empty()),
            None => l.may_reach_network(attr),
        }
    }

    /// The attributes of module `m` whose call may run a signal: process or exec (`.0`), or a
    /// network call when called directly (`.1`), for a module imported whole.
    fn hot_attrs(&self, m: usize) -> HotAttrs {
        if let Some(hit) = self.attrs_memo.borrow().get(&m) {
            return hit.clone();
        }
        let got = self.hot_attrs_of(m);
        self.attrs_memo.borrow_mut().insert(m, got.clone());
        got
    }

    fn hot_attrs_of(&self, m: usize) -> HotAttrs {
        let module = &self.modules[m];
        let l = &module.links;
        let Some(exact) = &l.exact else {
            if !l.hot.is_empty() && !module.unreadable {
                self.roots.borrow_mut().insert(m);
            }
            let classes = module
                .relay_classes
                .iter()
                .filter(|c| module.relays(c))
                .cloned();
            let strong: BTreeSet<String> = module.relay.iter().cloned().chain(classes).collect();
            return (strong.into_iter().collect(), l.hot_net.clone());
        };
        let hot = self.exact_hot.get(&m);
        let mut strong: BTreeSet<String> = BTreeSet::new();
        let mut net: BTreeSet<String> = BTreeSet::new();
        for (f, r) in &exact.functions {
            // `K.__init__` and `K.m` are reached through `K`.
            let name = f.split('.').next().unwrap_or(f).to_string();
            if !r.latent.is_empty() || hot.is_some_and(|h| h.contains(f.as_str())) {
                strong.insert(name.clone());
            }
            if !r.network.is_empty() {
                net.insert(name);
            }
        }
        // Classes that inherit a hot method ([`Join::settle`]).
        for f in hot.into_iter().flatten() {
            strong.insert(f.split('.').next().unwrap_or(f).to_string());
        }
        (strong.into_iter().collect(), net.into_iter().collect())
    }

    /// The uses of hot names an unparsed module may make, per import of its package that binds
    /// a hot function or a module with hot functions: those whose use anywhere at load counts
    /// (process, exec), and those that count only when called directly (network). The bool:
    /// it imports a script whose top level holds a signal, which only a parse can place.
    fn patterns(&self, x: usize, which: &BTreeSet<usize>) -> (Vec<Pattern>, Vec<Pattern>, bool) {
        let mut strong = Vec::new();
        let mut net = Vec::new();
        let mut script = false;
        let imports = &self.modules[x].links.imports;
        for imp in which.iter().filter_map(|i| imports.get(*i)) {
            let full = match imp.name {
                Some(n) => join_name(imp.module, n),
                None => imp.module.to_string(),
            };
            // `from . import cli`, `from .cli import p`, `import demo.cli`: the script's top
            // level runs.
            for m in [self.imported(x, imp.module), self.imported(x, &full)]
                .into_iter()
                .flatten()
            {
                let l = &self.modules[m].links;
                script |= l.kind == Kind::Script
                    && l.exact
                        .as_ref()
                        .is_some_and(|e| !e.script_latent.is_empty());
            }
            if let Some(m) = self.imported(x, &full) {
                // `import a.b` binds `a` and is used as `a.b.f`; `import a.b as c` and
                // `from a import b` bind the module itself.
                let first = imp.module.split('.').next().unwrap_or("");
                let prefix = if imp.name.is_none() && imp.bound == first && imp.module != first {
                    format!("{}.", imp.module)
                } else {
                    format!("{}.", imp.bound)
                };
                let (s, n) = self.hot_attrs(m);
                if !s.is_empty() {
                    strong.push(Pattern::Attr(prefix.clone(), s));
                }
                if !n.is_empty() {
                    net.push(Pattern::Attr(prefix, n));
                }
            } else if let Some((m, attr)) = self.callee(x, &full) {
                let bound = imp.bound.to_string();
                let module = &self.modules[m];
                let l = &module.links;
                // The hot methods of a class, taken as `K.m`.
                let methods: Vec<String> = match &l.exact {
                    None if has_name(&module.relay_classes, &attr) => module.relay.clone(),
                    None => Vec::new(),
                    Some(e) => {
                        let inherited = self.exact_hot.get(&m).into_iter().flatten();
                        let mut ms: Vec<String> = e
                            .functions
                            .keys()
                            .chain(inherited)
                            .filter_map(|f| f.strip_prefix(attr.as_str())?.strip_prefix('.'))
                            .filter(|meth| self.is_hot(m, &format!("{attr}.{meth}")))
                            .map(str::to_string)
                            .collect();
                        ms.sort_unstable();
                        ms.dedup();
                        ms
                    }
                };
                if self.is_hot(m, &attr) {
                    strong.push(if methods.is_empty() {
                        Pattern::Name(bound.clone())
                    } else {
                        Pattern::Class(bound.clone(), methods)
                    });
                } else if !methods.is_empty() {
                    // Calling the class reaches no word: only `K.m` with a hot `m` counts,
                    // or a subclass, which inherits `m`.
                    strong.push(Pattern::Methods(bound.clone(), methods));
                }
                if self.is_net(m, &attr) {
                    net.push(Pattern::Name(bound));
                }
            }
        }
        (strong, net, script)
    }

    /// Read the sources of `ms` again, within [`MAX_READ`]; a module past it is left.
    fn read(&mut self, ms: &[usize]) -> Vec<(usize, Vec<u8>)> {
        let locs: Vec<&Location> = ms
            .iter()
            .map(|m| &self.modules[*m].links.location)
            .collect();
        let got = self.sources.read(&locs);
        let mut out = Vec::new();
        for (m, src) in ms.iter().zip(got) {
            match src {
                Some(s) if self.read + s.len() as u64 <= MAX_READ => {
                    self.read += s.len() as u64;
                    out.push((*m, s));
                }
                Some(_) => {
                    self.bounds
                        .insert(format!("more than {MAX_READ} bytes of sources read again"));
                    self.left.insert(*m);
                    self.modules[*m].unreadable = true;
                }
                None => self.modules[*m].unreadable = true,
            }
        }
        out
    }

    /// Index the calls and imports of parsed module `e` by their last component
    /// ([`Join::callers`]).
    fn index_calls(&mut self, e: usize) {
        let Some(exact) = &self.modules[e].links.exact else {
            return;
        };
        let calls = exact.functions.values().flat_map(|r| &r.calls);
        // A class inherits from its bases: it is looked at again when they change.
        let bases = exact.classes.values().flat_map(|c| &c.bases);
        for c in calls
            .chain(&exact.calls_at_load)
            .chain(&exact.imports_at_load)
            .chain(bases)
        {
            let list = self.callers.entry(key_hash(last(c))).or_default();
            if list.last() != Some(&e) {
                list.push(e);
            }
        }
    }

    /// What a parsed module `e` already reaches: its own signals, calls into what is hot now,
    /// and scripts it imports. Returns whether it has something hot (its importers and
    /// callers are then looked at).
    /// With `names` (hashes of last components), only the calls ending with one of them are
    /// looked at: what they name is what changed since the module was last settled.
    fn settle(&mut self, e: usize, names: Option<&HashSet<u64>>) -> bool {
        let Some(exact) = &self.modules[e].links.exact else {
            return false;
        };
        let asked = |c: &str| names.is_none_or(|n| n.contains(&key_hash(last(c))));
        let mut hot: Vec<String> = Vec::new();
        let mut own = !exact.script_latent.is_empty();
        for (f, r) in &exact.functions {
            own |= !r.latent.is_empty() || !r.network.is_empty();
            let calls_hot = r
                .calls
                .iter()
                .filter(|c| asked(c))
                .any(|c| self.callee(e, c).is_some_and(|(m, a)| self.is_hot(m, &a)));
            if calls_hot {
                hot.push(f.clone());
            }
        }
        let loads = exact.calls_at_load.iter().filter(|c| asked(c)).any(|c| {
            self.callee(e, c).is_some_and(|(m, a)| {
                self.is_hot(m, &a) || exact.calls_direct.contains(c) && self.is_net(m, &a)
            })
        }) || exact.imports_at_load.iter().filter(|c| asked(c)).any(|n| {
            self.imported(e, n).is_some_and(|m| {
                let l = &self.modules[m].links;
                l.kind == Kind::Script
                    && l.exact
                        .as_ref()
                        .is_some_and(|x| !x.script_latent.is_empty())
            })
        });
        if loads && self.modules[e].links.kind == Kind::Module {
            self.loaders.insert(e);
        }
        hot.extend(self.inherits_hot(e, &asked));
        let set = self.exact_hot.entry(e).or_default();
        let before = set.len();
        set.extend(hot);
        names.is_none() && own || set.len() != before
    }

    /// The methods (`K.__init__`, `K.m`) that classes of parsed module `e` inherit from a
    /// base whose call may run a signal, for bases whose names `asked` admits: what callers
    /// of `K` reach, which [`Join::spread`] then hands on as it does for `e`'s own functions.
    fn inherits_hot(&self, e: usize, asked: &dyn Fn(&str) -> bool) -> Vec<String> {
        let Some(exact) = &self.modules[e].links.exact else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut checks = 0usize;
        for (k, shape) in exact.classes.iter().filter(|(_, c)| !c.bases.is_empty()) {
            if !shape.bases.iter().any(|b| asked(b)) {
                continue;
            }
            checks += 1;
            if checks > MAX_INHERITING {
                break;
            }
            // The methods its bases may hold: hot functions of parsed bases, hot method
            // names of unparsed ones (each checked through [`Join::is_hot`]).
            let mut members: BTreeSet<String> = BTreeSet::new();
            for (c, b) in self.bases_of(e, k) {
                let module = &self.modules[c];
                match &module.links.exact {
                    Some(x) => {
                        let prefix = format!("{b}.");
                        let hot = self.exact_hot.get(&c).into_iter().flatten();
                        for f in x.functions.keys().chain(hot) {
                            if let Some(m) = f.strip_prefix(prefix.as_str()) {
                                members.insert(m.to_string());
                            }
                        }
                    }
                    None => members.extend(module.links.hot.iter().cloned()),
                }
            }
            for m in members.into_iter().take(MAX_INHERITED) {
                let key = format!("{k}.{m}");
                let attr = if matches!(m.as_str(), "__init__" | "__new__") {
                    k.as_str()
                } else {
                    key.as_str()
                };
                if !shape.defines(&m) && self.is_hot(e, attr) {
                    out.push(key);
                }
            }
        }
        out
    }

    /// Step 1, from the modules whose hot names changed: their parsed callers (by the index of
    /// calls) and their unparsed importers (read again and placed). Returns the modules whose
    /// hot names changed in turn, and marks for a parse the unparsed modules that use one at
    /// load and the roots some module uses.
    fn spread(&mut self, changed: &BTreeSet<usize>) -> BTreeSet<usize> {
        let mut next = BTreeSet::new();
        self.attrs_memo.borrow_mut().clear();
        // Parsed callers.
        let mut callers: BTreeSet<usize> = BTreeSet::new();
        let mut keys: HashSet<u64> = HashSet::new();
        for &m in changed {
            let module = &self.modules[m];
            let hot = self.exact_hot.get(&m);
            let names: Vec<String> = match &module.links.exact {
                Some(e) => e
                    .functions
                    .iter()
                    .filter(|(f, r)| {
                        !r.latent.is_empty()
                            || !r.network.is_empty()
                            || hot.is_some_and(|h| h.contains(f.as_str()))
                    })
                    .map(|(f, _)| f)
                    // Methods its classes inherit from a hot base.
                    .chain(hot.into_iter().flatten())
                    .map(|f| {
                        // Called as `K` for a constructor, else by the method's own name.
                        match f.split_once('.') {
                            Some((k, "__init__" | "__new__")) => k.to_string(),
                            _ => f.rsplit('.').next().unwrap_or(f).to_string(),
                        }
                    })
                    // A script is imported by its module's name.
                    .chain((!e.script_latent.is_empty()).then(|| module.stem().to_string()))
                    .collect(),
                None => module
                    .relay
                    .iter()
                    .chain(&module.relay_classes)
                    .chain(&module.links.hot)
                    .chain(&module.links.hot_classes)
                    .chain(&module.links.hot_net)
                    .cloned()
                    .collect(),
            };
            for n in names {
                let k = key_hash(&n);
                keys.insert(k);
                callers.extend(self.callers.get(&k).into_iter().flatten());
            }
        }
        for e in callers {
            if self.settle(e, Some(&keys)) {
                next.insert(e);
            }
        }
        // Unparsed importers, and which of their imports may name a changed module.
        // An import is kept when it resolves to the changed module (a `utils` is imported
        // across the corpus under that name: only the package's own counts).
        let mut candidates: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for &m in changed {
            let key = key_hash(self.modules[m].stem());
            for &(x, i) in self.importers.get(&key).into_iter().flatten() {
                let module = &self.modules[x];
                if module.links.exact.is_some() || module.parse || module.unreadable {
                    continue;
                }
                let Some(imp) = module.links.imports.get(i) else {
                    continue;
                };
                // Without allocating first: most entries name another package's `utils`.
                if !may_name(&module.path, imp.module, imp.name, &self.modules[m].path) {
                    continue;
                }
                let hits = self.imported(x, imp.module) == Some(m)
                    || imp.name.is_some_and(|n| {
                        let full = join_name(imp.module, n);
                        self.imported(x, &full) == Some(m)
                            || self.callee(x, &full).is_some_and(|(c, _)| c == m)
                    });
                if hits {
                    candidates.entry(x).or_default().insert(i);
                }
            }
        }
        let mut batch: Vec<(usize, Vec<Pattern>, Vec<Pattern>)> = Vec::new();
        for (x, which) in candidates {
            let m = &self.modules[x];
            if m.links.exact.is_some() || m.parse || m.unreadable {
                continue;
            }
            let (strong, net, script) = self.patterns(x, &which);
            let scanned = &self.modules[x].scanned;
            if script {
                self.modules[x].parse = true;
            } else if strong
                .iter()
                .chain(&net)
                .any(|p| !scanned.contains(&p.key()))
            {
                batch.push((x, strong, net));
            }
        }
        let ids: Vec<usize> = batch.iter().map(|(x, _, _)| *x).collect();
        let srcs: HashMap<usize, Vec<u8>> = if ids.is_empty() {
            HashMap::new()
        } else {
            self.read(&ids).into_iter().collect()
        };
        for (x, strong, net) in batch {
            self.modules[x]
                .scanned
                .extend(strong.iter().chain(&net).map(Pattern::key));
            let Some(src) = srcs.get(&x) else { continue };
            // A network function counts only called directly at module level.
            let offsets = occurrences(src, &net, MAX_OFFSETS);
            if !offsets.is_empty()
                && crate::formats::python_layout::place(src, &offsets, &[], &[], true).direct
            {
                self.modules[x].parse = true;
                continue;
            }
            let (offsets, base) = occurrences_and_bases(src, &strong, MAX_OFFSETS);
            if offsets.is_empty() {
                continue;
            }
            if base {
                // A class of it inherits a hot constructor or method (`class B(EvilBase)`).
                self.modules[x].parse = true;
                continue;
            }
            let placed = crate::formats::python_layout::place(src, &offsets, &[], &[], true);
            let m = &mut self.modules[x];
            if placed.at_import {
                m.parse = true;
                continue;
            }
            let before = m.relay.len() + m.relay_classes.len();
            m.relay.extend(placed.hot);
            m.relay.sort_unstable();
            m.relay.dedup();
            m.relay_classes.extend(placed.classes);
            m.relay_classes.sort_unstable();
            m.relay_classes.dedup();
            if m.relay.len() + m.relay_classes.len() != before {
                next.insert(x);
            }
        }
        // The roots some module used: parsed before they spread.
        for m in std::mem::take(&mut *self.roots.borrow_mut()) {
            let module = &mut self.modules[m];
            if module.links.exact.is_none() && !module.unreadable {
                module.parse = true;
            }
        }
        next
    }

    /// Parse the modules marked for a parse, within [`MAX_PARSED`]; returns those parsed.
    fn parse_marked(&mut self) -> Vec<usize> {
        let mut want: Vec<usize> = (0..self.modules.len())
            .filter(|m| {
                let m = &self.modules[*m];
                m.parse && m.links.exact.is_none() && !m.unreadable
            })
            .collect();
        if want.is_empty() {
            return want;
        }
        let room = MAX_PARSED.saturating_sub(self.parsed);
        if want.len() > room {
            self.bounds
                .insert(format!("more than {MAX_PARSED} modules parsed again"));
            for m in want.drain(room..) {
                self.left.insert(m);
                self.modules[m].unreadable = true;
            }
        }
        self.parsed += want.len();
        self.mro_memo.borrow_mut().clear();
        let mut done = Vec::new();
        for (m, src) in self.read(&want) {
            let loc = self.modules[m].links.location.clone();
            match super::module_links(&src, &loc) {
                Some(mut l) => {
                    l.imports.clone_from(&self.modules[m].links.imports);
                    self.modules[m].links = std::borrow::Cow::Owned(l);
                    self.index_calls(m);
                    done.push(m);
                }
                None => self.modules[m].unreadable = true,
            }
        }
        done
    }

    fn shown(&self, m: usize) -> String {
        let loc = &self.modules[m].links.location;
        match loc.members.last() {
            Some(last) => last.clone(),
            None => display_path(&loc.path),
        }
    }
}

/// The unparsed modules that may load others (not tests nor `__main__.py`) by the last
/// component of each module name their imports bind and by each imported name (`_boot` for
/// `from ._boot import init`, `from . import _boot` and `import demo._boot`).
fn importers(modules: &[Module<'_>]) -> Keyed<(usize, usize)> {
    let mut out: Keyed<(usize, usize)> = Keyed::default();
    for (x, m) in modules.iter().enumerate() {
        if m.links.exact.is_some() || matches!(m.links.kind, Kind::Test | Kind::Main) {
            continue;
        }
        for (i, imp) in m.links.imports.iter().enumerate() {
            for key in [Some(last(imp.module)), imp.name].into_iter().flatten() {
                if key.is_empty() {
                    continue;
                }
                let list = out.entry(key_hash(key)).or_default();
                if list.last() != Some(&(x, i)) {
                    list.push((x, i));
                }
            }
        }
    }
    out
}

/// Whether `from module import name` (or `import module`) in the file at `path` may name the
/// module at `target` or a callable in it: the target's path, without `.py` or `/__init__.py`,
/// is the folder the name is resolved from ([`Join::base`]) followed by leading components of
/// the name. A cheap necessary test, without allocating; the join then resolves exactly.
fn may_name(path: &str, module: &str, name: Option<&str>, target: &str) -> bool {
    let stemmed = target
        .strip_suffix("/__init__.py")
        .or_else(|| target.strip_suffix(".py"))
        .unwrap_or(target);
    let dots = module.bytes().take_while(|b| *b == b'.').count();
    let mut parts = module[dots..]
        .split('.')
        .filter(|p| !p.is_empty())
        .chain(name);
    let mut dir = folder(path);
    // `setup.py`'s own folder is on `sys.path` ([`Join::base`]).
    if dots == 0 && beside_on_path(path) {
        let beside = match dir {
            "" => Some(stemmed),
            d => stemmed.strip_prefix(d).and_then(|r| r.strip_prefix('/')),
        };
        if let Some(rest) = beside.filter(|r| !r.is_empty()) {
            let mut parts = module.split('.').filter(|p| !p.is_empty()).chain(name);
            if rest.split('/').all(|c| parts.next() == Some(c)) {
                return true;
            }
        }
    }
    let base = if dots > 0 {
        for _ in 1..dots {
            if dir.is_empty() || dir == "/" {
                return false;
            }
            dir = folder(dir);
        }
        dir
    } else {
        let Some(root) = module[dots..].split('.').find(|p| !p.is_empty()).or(name) else {
            return false;
        };
        loop {
            if dir.is_empty() || dir == "/" {
                return false;
            }
            if dir.rsplit('/').next() == Some(root) {
                break folder(dir);
            }
            dir = folder(dir);
        }
    };
    let rest = match base {
        "" => Some(stemmed),
        "/" => stemmed.strip_prefix('/'),
        b => stemmed.strip_prefix(b).and_then(|r| {
            if r.is_empty() {
                Some(r)
            } else {
                r.strip_prefix('/')
            }
        }),
    };
    let Some(rest) = rest else {
        return false;
    };
    if rest.is_empty() {
        // The package folder itself (`from . import x` naming `__init__.py`).
        return target.ends_with("__init__.py");
    }
    rest.split('/').all(|c| parts.next() == Some(c))
}

/// Whether the folder of the file at `path` is on `sys.path` when it runs: `setup.py` (run as
/// a script) and a PEP 829 `.start` file (in a site folder).
fn beside_on_path(path: &str) -> bool {
    matches!(stem(path), "setup" | "hubconf")
        || path.ends_with(".start")
        || path.ends_with(".pth")
        || path.ends_with("/entry_points.txt")
        || (path.ends_with(".json")
            && (path.contains("jupyter_server_config.d/")
                || path.contains("jupyter_notebook_config.d/")))
}

/// The folder a startup file in a wheel's `.data/purelib` or `.data/platlib` is installed in:
/// the wheel's root, where its packages land too; for a file of a `.dist-info` folder, the
/// folder above it; for a file under `.data/data/` (installed into the prefix), the wheel's
/// root too (`dir` otherwise).
fn installed_dir(dir: &str) -> &str {
    let last = dir.rsplit('/').next().unwrap_or(dir);
    let parent = folder(dir);
    if matches!(last, "purelib" | "platlib") && parent.ends_with(".data") {
        folder(parent)
    } else if last.ends_with(".dist-info") || last.ends_with(".egg-info") {
        // A dist-info file (`entry_points.txt`) names modules installed beside its folder.
        parent
    } else if let Some(at) = dir.find(".data/data/") {
        // A file the wheel installs into the environment's prefix (a Jupyter config fragment
        // in `<name>.data/data/etc/jupyter/…`) names modules on `sys.path`: the wheel's root.
        folder(&dir[..at + ".data".len()])
    } else {
        dir
    }
}

/// The last component of a dotted name.
fn last(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// A map keyed by [`key_hash`] values, which need no hashing again.
type Keyed<V> = HashMap<u64, Vec<V>, std::hash::BuildHasherDefault<Passthrough>>;

/// FNV-1a of a name: the index keys of [`Keyed`] maps.
fn key_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Passthrough(u64);

impl std::hash::Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The name a module is imported by: `x` of `a/x.py` and of `a/x/__init__.py`.
fn stem(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    if file == "__init__.py" {
        folder(path).rsplit('/').next().unwrap_or("")
    } else {
        file.strip_suffix(".py").unwrap_or(file)
    }
}

/// The functions calling `attr` runs, with their keys: the function itself, or a class's
/// constructor.
fn reaches_keyed<'a>(
    functions: &'a BTreeMap<String, Reach>,
    attr: &str,
) -> Vec<(&'a String, &'a Reach)> {
    let mut out: Vec<(&String, &Reach)> = functions.get_key_value(attr).into_iter().collect();
    if !attr.contains('.') {
        // `attr.__init__`, `attr.__new__`: the keys right after `attr` that start `attr.`
        // (identifiers hold no byte below `.`, so they all come first).
        let after = functions
            .range::<str, _>((std::ops::Bound::Excluded(attr), std::ops::Bound::Unbounded));
        for (k, r) in after {
            match k.strip_prefix(attr).and_then(|rest| rest.strip_prefix('.')) {
                Some("__init__" | "__new__") => out.push((k, r)),
                Some(_) => {}
                None => break,
            }
        }
    }
    out
}

/// The reaches of calling `attr`: the function itself, or a class's constructor.
fn reaches_of<'a>(functions: &'a BTreeMap<String, Reach>, attr: &str) -> Vec<&'a Reach> {
    reaches_keyed(functions, attr)
        .into_iter()
        .map(|(_, r)| r)
        .collect()
}

/// What the walk does next: call `attr` of a module, or import (run the top level of) one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Call(String),
    Import,
}

/// A signal reached from a loading module: the module it is in, the signal, how it was
/// reached (the function called, or `None` for a script's top level) and the loading module.
struct Reached {
    module: usize,
    latent: Latent,
    via: Option<String>,
    root: usize,
}

type Queue = Vec<(usize, Step, usize, bool)>;

/// The steps a parsed module's top level starts: its calls and imports at load.
fn starts(j: &Join<'_, '_>, m: usize, depth: usize, queue: &mut Queue) {
    let Some(e) = &j.modules[m].links.exact else {
        return;
    };
    for name in &e.calls_at_load {
        if let Some((callee, attr)) = j.callee(m, name) {
            let direct = e.calls_direct.contains(name);
            queue.push((callee, Step::Call(attr), depth, direct));
        }
    }
    for name in &e.imports_at_load {
        if let Some(imported) = j.imported(m, name) {
            queue.push((imported, Step::Import, depth, false));
        }
    }
}

/// Step 2: walk from the parsed modules whose load reaches something hot. Returns what was
/// reached, and the unparsed modules whose hot functions the walk called (to parse before
/// walking again).
fn walk(j: &mut Join<'_, '_>) -> (Found, BTreeSet<usize>) {
    let mut found: Found = BTreeMap::new();
    let mut wanted = BTreeSet::new();
    let mut work_left = MAX_WORK;
    for root in j.loaders.clone() {
        let mut queue: Queue = Vec::new();
        let mut seen: HashSet<(usize, Step)> = HashSet::new();
        if j.modules[root].links.truncated {
            j.truncated.insert(root);
        }
        starts(j, root, 1, &mut queue);
        while let Some((m, step, depth, direct)) = queue.pop() {
            if work_left == 0 {
                j.bounds
                    .insert(format!("more than {MAX_WORK} steps joining Python modules"));
                j.left.insert(root);
                j.cut.get_or_insert(root);
                break;
            }
            work_left -= 1;
            if depth > MAX_DEPTH {
                j.bounds.insert(format!(
                    "calls through more than {MAX_DEPTH} modules of a package"
                ));
                j.left.insert(m);
                j.cut.get_or_insert(root);
                continue;
            }
            if !seen.insert((m, step.clone())) {
                continue;
            }
            let target = &j.modules[m];
            let Some(exact) = &target.links.exact else {
                // An unparsed module: parsed when the call may reach a word of it.
                if let Step::Call(attr) = &step {
                    if !target.unreadable
                        && (target.links.may_hold(attr)
                            || target.relays(attr)
                            || direct && target.links.may_reach_network(attr))
                    {
                        wanted.insert(m);
                    }
                    // A name it imports (`from .impl import XModel`): on to where it is
                    // defined.
                    if let Some((callee, a)) = j.reexport(m, attr) {
                        queue.push((callee, Step::Call(a), depth + 1, direct));
                    }
                }
                continue;
            };
            if target.links.truncated {
                j.truncated.insert(m);
            }
            match step {
                Step::Call(attr) => {
                    let reaches = reaches_of(&exact.functions, &attr);
                    // A name the module only imports (`from .impl import XModel`, a hubconf
                    // entry imported from `models/net.py`): the call goes on to where it is
                    // defined.
                    if reaches.is_empty() {
                        if let Some((callee, a)) = j.reexport(m, &attr) {
                            queue.push((callee, Step::Call(a), depth + 1, direct));
                        }
                    }
                    // A constructor or method the class inherits (`class XModel(EvilBase)`):
                    // on to the base that provides it.
                    for (callee, a) in j.inherited(m, &attr) {
                        queue.push((callee, Step::Call(a), depth + 1, direct));
                    }
                    for reach in reaches {
                        let net = reach.network.iter().filter(|_| direct);
                        for l in reach.latent.iter().chain(net) {
                            found
                                .entry((m, l.line, l.rule.id))
                                .or_insert_with(|| Reached {
                                    module: m,
                                    latent: l.clone(),
                                    via: Some(attr.clone()),
                                    root,
                                });
                        }
                        for c in &reach.calls {
                            if let Some((callee, a)) = j.callee(m, c) {
                                queue.push((callee, Step::Call(a), depth + 1, false));
                            }
                        }
                    }
                }
                Step::Import => {
                    if target.links.kind != Kind::Script {
                        continue;
                    }
                    for l in &exact.script_latent {
                        found
                            .entry((m, l.line, l.rule.id))
                            .or_insert_with(|| Reached {
                                module: m,
                                latent: l.clone(),
                                via: None,
                                root,
                            });
                    }
                    starts(j, m, depth + 1, &mut queue);
                }
            }
        }
    }
    (found, wanted)
}

/// Join the modules of one package space (a folder tree on disk, or the members of one
/// archive) and grade what their loads reach. `sources` reads a module again. Each finding
/// comes with the index in `links` of the module it is on.
pub fn join<'a>(
    links: Vec<std::borrow::Cow<'a, ModuleLinks>>,
    sources: &mut dyn Sources,
) -> Vec<(usize, Finding)> {
    let mut modules = Vec::with_capacity(links.len());
    let mut by_path = HashMap::new();
    for (origin, links) in links.into_iter().enumerate() {
        let loc = &links.location;
        let raw = match loc.members.last() {
            None => loc.path.to_string_lossy(),
            Some(last) => std::borrow::Cow::Borrowed(last.as_str()),
        };
        let path = if needs_normalising(&raw) || raw.contains("//") {
            normalise(&raw.replace('\\', "/"))
        } else {
            raw.into_owned()
        };
        let module = Module {
            path: path.clone(),
            origin,
            links,
            scanned: BTreeSet::new(),
            parse: false,
            unreadable: false,
            relay: Vec::new(),
            relay_classes: Vec::new(),
        };
        // A member read twice (a tar's in-tree build backend, read again as install code):
        // the later reading stands.
        match by_path.get(&path) {
            Some(&i) => modules[i] = module,
            None => {
                by_path.insert(path, modules.len());
                modules.push(module);
            }
        }
    }
    let mut j = Join {
        modules,
        by_path,
        sources,
        read: 0,
        parsed: 0,
        left: BTreeSet::new(),
        bounds: BTreeSet::new(),
        cut: None,
        truncated: BTreeSet::new(),
        resolved: std::cell::RefCell::new(HashMap::new()),
        resolved_count: std::cell::Cell::new(0),
        mro_fuel: std::cell::Cell::new(MAX_MRO),
        mro_memo: std::cell::RefCell::new(HashMap::new()),
        imports_memo: std::cell::RefCell::new(HashMap::new()),
        roots: std::cell::RefCell::new(BTreeSet::new()),
        exact_hot: HashMap::new(),
        callers: Keyed::default(),
        importers: Keyed::default(),
        loaders: BTreeSet::new(),
        attrs_memo: std::cell::RefCell::new(HashMap::new()),
    };
    j.importers = importers(&j.modules);
    // The sources: parsed modules with a signal in a function or a script's top level, and
    // unparsed modules with process, exec or network words (whose importers and callers are
    // looked at; the roots they use are parsed first).
    let mut changed = BTreeSet::new();
    for m in 0..j.modules.len() {
        j.index_calls(m);
    }
    for m in 0..j.modules.len() {
        let l = &j.modules[m].links;
        let source = match &l.exact {
            Some(e) => {
                !e.script_latent.is_empty()
                    || e.functions
                        .values()
                        .any(|r| !r.latent.is_empty() || !r.network.is_empty())
            }
            None => !(l.hot.is_empty() && l.hot_net.is_empty()),
        };
        if source {
            j.settle(m, None);
            changed.insert(m);
        }
    }
    // Rounds: hot names spread one module further (callers and importers, step 1) and the
    // modules marked are parsed; when nothing changes, the walk (step 2) follows the loads that
    // reach something hot, and asks for the unparsed modules it calls into.
    let mut found = BTreeMap::new();
    let mut settled = false;
    for _ in 0..MAX_ROUNDS {
        let mut next = if changed.is_empty() {
            BTreeSet::new()
        } else {
            j.spread(&changed)
        };
        for e in j.parse_marked() {
            j.settle(e, None);
            next.insert(e);
        }
        if next.is_empty() {
            let (f, wanted) = walk(&mut j);
            found = f;
            let mut more = false;
            for m in wanted {
                if !j.modules[m].parse {
                    j.modules[m].parse = true;
                    more = true;
                }
            }
            if !more {
                settled = true;
                break;
            }
        }
        changed = next;
    }
    if !settled {
        // Hot names were still spreading (a cycle of thousands of modules): what is parsed
        // so far is walked, and the modules the spread had reached are the ones left.
        j.bounds.insert(format!(
            "more than {MAX_ROUNDS} rounds joining Python modules"
        ));
        j.left.extend(changed.iter().copied());
        found = walk(&mut j).0;
    }
    let mut out = Vec::new();
    for r in found.into_values() {
        let module = &j.modules[r.module];
        let root = &j.modules[r.root];
        let when = root.links.role.when();
        let message = match &r.via {
            Some(f) => format!(
                "{} {when}: {f}() is called when {} loads",
                r.latent.what,
                j.shown(r.root)
            ),
            None => format!(
                "{} {when}: this script's top level runs when {} imports it",
                r.latent.what,
                j.shown(r.root)
            ),
        };
        let loc: Location = module.links.location.with_span(Span::Line {
            line: r.latent.line as u64,
        });
        out.push((
            module.origin,
            Finding::builder(r.latent.rule, loc)
                .severity(r.latent.severity)
                .message(message)
                .evidence(r.latent.evidence.clone())
                .build(),
        ));
    }
    out.extend(logging_configs(&mut j));
    out.extend(ran_files(&mut j));
    let truncated = j.truncated.len();
    if truncated > 0 {
        j.left.extend(j.truncated.iter().copied());
        j.bounds.insert(format!(
            "{truncated} modules with more calls or functions than the join keeps"
        ));
    }
    if !j.bounds.is_empty() {
        // One finding per join, on the first module left (or the first module).
        let at = j.cut.or_else(|| j.left.iter().next().copied()).unwrap_or(0);
        if let Some(m) = j.modules.get(at) {
            let bounds: Vec<&str> = j.bounds.iter().map(String::as_str).collect();
            out.push((
                m.origin,
                Finding::builder(&resource_limit::RULE, m.links.location.clone())
                    .severity(Severity::Info)
                    .message(format!(
                        "analysis stopped by a bound: joining a package's Python modules ({})",
                        bounds.join("; ")
                    ))
                    .evidence(format!(
                        "{} modules not followed, starting with {}",
                        j.left.len(),
                        j.shown(at)
                    ))
                    .build(),
            ));
        }
    }
    out
}

/// Logging configurations a module's top level hands to `logging.config.fileConfig`
/// (`ModuleLinks::configs`): when the package ships the file (read through the join's sources,
/// within [`super::MAX_SOURCE`]), what fileConfig evaluates of it is analysed as code the
/// module runs in its role, and each finding is put on the module's call, naming the file's
/// line. A file the package does not ship is not judged. Scripts and tests run on purpose and
/// are left out, as in the walk.
fn logging_configs(j: &mut Join<'_, '_>) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    let mut wanted: Vec<(usize, Location, String, usize)> = Vec::new();
    for m in &j.modules {
        if m.links.configs.is_empty() || m.links.kind != Kind::Module {
            continue;
        }
        let dir = folder(&m.path);
        for (rel, line) in &m.links.configs {
            let path = if dir.is_empty() {
                normalise(rel)
            } else {
                normalise(&format!("{dir}/{rel}"))
            };
            let mut loc = m.links.location.clone();
            match loc.members.last_mut() {
                Some(last) => *last = path.clone(),
                None => loc.path = std::path::PathBuf::from(&path),
            }
            wanted.push((m.origin, loc, path, *line));
        }
    }
    // Bounded like the modules read again: at most 64 files per join.
    wanted.truncate(64);
    if wanted.is_empty() || j.read > MAX_READ {
        return out;
    }
    let locs: Vec<&Location> = wanted.iter().map(|w| &w.1).collect();
    let texts = j.sources.read(&locs);
    for ((origin, ini, path, line), text) in wanted.iter().zip(texts) {
        let Some(text) = text else { continue };
        j.read += text.len() as u64;
        let Some(m) = j.modules.iter().find(|m| m.origin == *origin) else {
            continue;
        };
        let role = m.links.role;
        let text = String::from_utf8_lossy(&text);
        let mut scratch = crate::analyse::Ctx::new(crate::analyse::BudgetLimits::default());
        if !super::analyse_logging_config(&mut scratch, &text, role, ini) {
            continue;
        }
        let network = crate::rules::python::python_network_at_load::RULE.id;
        for f in scratch.findings {
            // Handlers that send records (`SysLogHandler`, `HTTPHandler`, `SMTPHandler`) are
            // what a logging configuration is for, and connect when a record is logged: made
            // alone, they are not egress at load.
            let severity = if f.rule.id == network {
                f.severity.min(Severity::Low)
            } else {
                f.severity
            };
            let at = match f.location.span {
                Some(Span::Line { line }) => format!("{path}:{line}"),
                _ => path.clone(),
            };
            out.push((
                *origin,
                Finding::builder(
                    f.rule,
                    m.links
                        .location
                        .with_span(Span::Line { line: *line as u64 }),
                )
                .severity(severity)
                .message(format!(
                    "{} (a handler of {at}, which logging.config.fileConfig evaluates)",
                    f.message
                ))
                .evidence(f.evidence)
                .build(),
            ));
        }
    }
    out
}

/// Files a join reads as scripts its modules run ([`ran_files`]).
const MAX_RAN: usize = 64;

/// Files of the package a module runs through an interpreter at load (`ModuleLinks::runs`:
/// `subprocess.run(['bash', 'scripts/post.sh'])` in a `setup.py`, `exec(open('x.txt').read())`
/// at a module's top level). When the package ships the file (read through the join's
/// sources, within [`super::MAX_SOURCE`]), it is analysed as a script of that interpreter,
/// whatever its name says (`.md`, `.yaml`, `.txt`): Python by the Python analyser, as
/// `__main__` when an interpreter is started on it; shell, PowerShell and batch scripts line by
/// line as command lines (`build_files::analyse_script`: one that reaches nothing beyond the
/// machine is low). Either way as code of the module's role, so it weighs as the module's own
/// code at install or at import; each finding is put on the module's call, naming the file and
/// its line. Other interpreters' files (`node x.js`) are matched with the byte-pattern rules,
/// with a script's grade, when the scan has them. A file the package does not ship leaves the
/// call judged as it was. Scripts and tests run on purpose and are left out, as in the walk.
/// At most [`MAX_RAN`] files per join, within [`MAX_READ`]; past either, the join says so.
fn ran_files(j: &mut Join<'_, '_>) -> Vec<(usize, Finding)> {
    use super::Interpreter as I;
    let mut out = Vec::new();
    let mut wanted: Vec<(usize, Location, String, super::RunFile)> = Vec::new();
    let mut over = 0usize;
    for (mi, m) in j.modules.iter().enumerate() {
        if m.links.runs.is_empty() || m.links.kind != Kind::Module {
            continue;
        }
        let dir = folder(&m.path);
        for run in &m.links.runs {
            let path = if dir.is_empty() {
                normalise(&run.path)
            } else {
                normalise(&format!("{dir}/{}", run.path))
            };
            // A module running itself is no other file.
            if path == m.path {
                continue;
            }
            if wanted.len() >= MAX_RAN {
                over += 1;
                continue;
            }
            // On disk, never a file a link takes out of the module's folder (discovery never
            // follows links out of a root either).
            if m.links.location.members.is_empty() && !stays_inside(&m.path, &path) {
                continue;
            }
            let mut loc = m.links.location.clone();
            loc.span = None;
            match loc.members.last_mut() {
                Some(last) => *last = path.clone(),
                None => loc.path = std::path::PathBuf::from(&path),
            }
            wanted.push((mi, loc, path, run.clone()));
        }
    }
    if over > 0 {
        j.bounds
            .insert(format!("more than {MAX_RAN} files run by interpreters"));
    }
    if wanted.is_empty() {
        return out;
    }
    if j.read > MAX_READ {
        j.bounds.insert(format!(
            "{MAX_READ} bytes read again (files run by interpreters)"
        ));
        return out;
    }
    let locs: Vec<&Location> = wanted.iter().map(|w| &w.1).collect();
    let texts = j.sources.read(&locs);
    let yara = j.sources.yara();
    for ((mi, target, path, run), text) in wanted.iter().zip(texts) {
        let Some(text) = text else { continue };
        j.read += text.len() as u64;
        let m = &j.modules[*mi];
        let origin = m.origin;
        let role = m.links.role;
        // A file run as a program: its `#!` line names the interpreter.
        let interpreter = match &run.interpreter {
            I::Direct => shebang(&text),
            i => i.clone(),
        };
        let mut scratch = crate::analyse::Ctx::new(crate::analyse::BudgetLimits::default());
        match &interpreter {
            I::Python | I::PythonCode => {
                super::analyse_ran_code(&mut scratch, &text, role, interpreter == I::Python, target)
            }
            I::Shell | I::Direct => crate::formats::build_files::analyse_script(
                &mut scratch,
                &text,
                crate::formats::build_files::Shell::Posix,
                target,
                role,
            ),
            I::PowerShell => crate::formats::build_files::analyse_script(
                &mut scratch,
                &text,
                crate::formats::build_files::Shell::PowerShell,
                target,
                role,
            ),
            I::Cmd => crate::formats::build_files::analyse_script(
                &mut scratch,
                &text,
                crate::formats::build_files::Shell::Cmd,
                target,
                role,
            ),
            I::Other(_) => {}
        }
        if let Some(rules) = &yara {
            crate::analyse::match_script_patterns(&mut scratch, rules, &text, target);
        }
        let when = role.when();
        let caller = format!("{}:{}", j.shown(*mi), run.line);
        for f in scratch.findings {
            let at = match f.location.span {
                Some(Span::Line { line }) => format!("{path}:{line}"),
                _ => path.clone(),
            };
            out.push((
                origin,
                Finding::builder(
                    f.rule,
                    m.links.location.with_span(Span::Line {
                        line: run.line as u64,
                    }),
                )
                .severity(f.severity)
                .message(format!(
                    "{} (in {at}, which {caller} runs with {} {when})",
                    f.message,
                    interpreter.name()
                ))
                .evidence(format!("{at}: {} (run by {})", f.evidence, run.call))
                .build(),
            ));
        }
    }
    out
}

/// Whether the file `target` on disk, once its links are resolved, lies inside the folder of
/// the module at `module` (so a link in the package cannot hand the join a file elsewhere).
fn stays_inside(module: &str, target: &str) -> bool {
    let dir = match folder(module) {
        "" => ".",
        d => d,
    };
    let (Ok(dir), Ok(file)) = (std::fs::canonicalize(dir), std::fs::canonicalize(target)) else {
        return false;
    };
    file.starts_with(dir)
}

/// The interpreter a file's `#!` line names (`#!/usr/bin/env python3`, `#!/bin/bash`); a shell
/// without one, as `execvp`'s fallback and `os.system` run it.
fn shebang(text: &[u8]) -> super::Interpreter {
    use super::Interpreter as I;
    let Some(line) = text.strip_prefix(b"#!") else {
        return I::Shell;
    };
    let end = line
        .iter()
        .take(256)
        .position(|b| *b == b'\n')
        .unwrap_or(line.len().min(256));
    let line = String::from_utf8_lossy(&line[..end]);
    let mut words = line.split_whitespace();
    let mut prog = words.next().unwrap_or("");
    if prog.ends_with("/env") {
        prog = words.find(|w| !w.starts_with('-')).unwrap_or("");
    }
    let base = prog.rsplit('/').next().unwrap_or(prog).to_ascii_lowercase();
    if base.starts_with("python") || base.starts_with("pypy") {
        I::Python
    } else if matches!(base.as_str(), "pwsh" | "powershell") {
        I::PowerShell
    } else if matches!(
        base.as_str(),
        "node" | "nodejs" | "perl" | "ruby" | "php" | "lua" | "rscript" | "tclsh" | "osascript"
    ) {
        I::Other(base)
    } else {
        I::Shell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalise("a/./b/../c.py"), "a/c.py");
        assert_eq!(normalise("/x//y/z.py"), "/x/y/z.py");
        assert_eq!(folder("a/b.py"), "a");
        assert_eq!(folder("b.py"), "");
        assert_eq!(folder("/b.py"), "/");
    }

    #[test]
    fn imports_may_name_a_module_by_its_path() {
        let init = "x/demo/__init__.py";
        assert!(may_name(init, "._boot", Some("init"), "x/demo/_boot.py"));
        assert!(may_name(init, ".", Some("_boot"), "x/demo/_boot.py"));
        assert!(may_name(init, "demo._boot", None, "x/demo/_boot.py"));
        assert!(may_name(
            init,
            "demo",
            Some("_boot"),
            "x/demo/_boot/__init__.py"
        ));
        assert!(may_name(
            "x/demo/sub/m.py",
            "..utils",
            Some("f"),
            "x/demo/utils.py"
        ));
        assert!(may_name(
            "x/demo/sub/m.py",
            ".",
            Some("f"),
            "x/demo/sub/__init__.py"
        ));
        // Another package's `utils`, and a name deeper than the target.
        assert!(!may_name(init, ".utils", Some("f"), "x/other/utils.py"));
        assert!(!may_name(init, "utils", None, "x/demo/utils.py"));
        assert!(!may_name(init, ".a.utils", None, "x/demo/utils.py"));
        assert!(!may_name(init, "....", Some("utils"), "utils.py"));
    }

    #[test]
    fn uses_are_found_by_name_and_by_attribute() {
        let src =
            b"from ._boot import init\ninit()\nx.init()\ninitial()\n_boot.init()\n_boot.other()\n";
        let at = occurrences(src, &[Pattern::Name("init".into())], 100);
        assert_eq!(at.len(), 2); // the import's and the call's; not `x.init`, `initial`
        let at = occurrences(
            src,
            &[Pattern::Attr("_boot.".into(), vec!["init".into()])],
            100,
        );
        assert_eq!(at, [src.len() - "_boot.init()\n_boot.other()\n".len()]);
    }
}
