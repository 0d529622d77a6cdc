//! The modules of one Python package, joined: code a module runs at load through another
//! module of its package is graded as code run at load.
//!
//! Each Python module leaves its half as [`ModuleLinks`] (`formats/python/links.rs`): the
//! callables of its package's other modules its top level calls (`from ._boot import init;
//! init()`, a thread target `_t.run`, a decorator, a base class's `__init_subclass__`), the
//! modules it imports, and for each of its functions the signals inside that would be graded
//! higher at load. This check resolves the names against the other modules of the same folder
//! tree on disk, or of the same archive (a wheel, an sdist, a zip): a relative name against the
//! importing file's package folder (`.` its folder, `..` the one above), an absolute name
//! against the folder above the enclosing folder of that name (`a01._boot` from
//! `a01/__init__.py`); `x.py` or `x/__init__.py`. A signal reached so gets a finding of its own
//! rule, at the severity it would have at load, on the called module's line, naming the module
//! whose load runs it; the function's own low finding stays beside it.
//!
//! Which modules' loads count: every module that is imported (its top level runs at import, as
//! within one file). Scripts (an argument parser at the top level), `__main__.py` and test
//! modules run on purpose, so what they call is not joined; but a module that imports a script
//! runs the script's top level, so the script's top-level signals are graded at load then, and
//! what its top level calls is followed.
//!
//! Bounds: [`MAX_DEPTH`] modules deep from the loading module, [`MAX_WORK`] steps per scan;
//! a walk stopped by either says so (`resource-limit`, info, on the loading module).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::finding::{display_path, Finding, Location, Span};
use crate::formats::python::{Latent, ModuleKind, ModuleLinks};
use crate::rules::core::resource_limit;
use crate::scan::FileReport;

/// Modules followed from the one whose load starts the walk.
pub const MAX_DEPTH: usize = 8;
/// Steps of all walks of one scan.
pub const MAX_WORK: usize = 1 << 20;
/// Modules the prefilter skipped that the check parses, per scan.
pub const MAX_PENDING: usize = 256;

/// Where a module lives: on disk, or inside one archive (report index, outer members).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Space {
    Disk,
    Archive(usize, Vec<String>),
}

struct Module<'a> {
    report: usize,
    space: Space,
    /// `/`-separated, normalised path (the file's on disk, the member's in an archive).
    path: String,
    links: std::borrow::Cow<'a, ModuleLinks>,
}

/// What the walk does next: call `attr` of a module, or import (run the top level of) one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Call(String),
    Import,
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

struct Index<'a> {
    modules: Vec<Module<'a>>,
    by_path: HashMap<(Space, String), usize>,
    /// Modules parsed by the check so far.
    parsed: usize,
}

impl<'a> Index<'a> {
    fn new(files: &'a [FileReport]) -> Self {
        let mut modules = Vec::new();
        let mut by_path = HashMap::new();
        for (i, r) in files.iter().enumerate() {
            for links in &r.python_links {
                let loc = &links.location;
                let (space, path) = match loc.members.split_last() {
                    None => (Space::Disk, loc.path.to_string_lossy().replace('\\', "/")),
                    Some((last, outer)) => {
                        (Space::Archive(i, outer.to_vec()), last.replace('\\', "/"))
                    }
                };
                let path = normalise(&path);
                by_path.insert((space.clone(), path.clone()), modules.len());
                modules.push(Module {
                    report: i,
                    space,
                    path,
                    links: std::borrow::Cow::Borrowed(links),
                });
            }
        }
        Index {
            modules,
            by_path,
            parsed: 0,
        }
    }

    /// The module file `parts` names under `base`: `base/a/b.py` or `base/a/b/__init__.py`
    /// (`base/__init__.py` for no parts).
    fn module_at(&self, space: &Space, base: &str, parts: &[&str]) -> Option<usize> {
        let stem = parts.iter().fold(base.to_string(), |acc, p| child(&acc, p));
        let candidates = if parts.is_empty() {
            vec![child(&stem, "__init__.py")]
        } else {
            vec![format!("{stem}.py"), child(&stem, "__init__.py")]
        };
        candidates
            .into_iter()
            .find_map(|c| self.by_path.get(&(space.clone(), normalise(&c))).copied())
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

    /// The module and attribute a called name stands for, the longest module first.
    fn callee(&self, from: usize, name: &str) -> Option<(usize, String)> {
        let (base, parts) = self.base(from, name)?;
        let space = &self.modules[from].space;
        (0..parts.len()).rev().find_map(|i| {
            let m = self.module_at(space, &base, &parts[..i])?;
            (m != from).then(|| (m, parts[i..].join(".")))
        })
    }

    /// The module an imported name stands for.
    fn imported(&self, from: usize, name: &str) -> Option<usize> {
        let (base, parts) = self.base(from, name)?;
        let m = self.module_at(&self.modules[from].space, &base, &parts)?;
        (m != from).then_some(m)
    }

    /// Whether calling or importing `name` from module `from` can reach a signal, following
    /// calls through other modules' functions; past [`MAX_DEPTH`] modules it may (the walk
    /// then says where it stopped).
    fn reaches_signal(&self, from: usize, name: &str) -> bool {
        self.reaches(from, name, 1, &mut HashSet::new())
    }

    fn reaches(
        &self,
        from: usize,
        name: &str,
        depth: usize,
        seen: &mut HashSet<(usize, String)>,
    ) -> bool {
        let callee = self
            .callee(from, name)
            .is_some_and(|(m, attr)| self.function_reaches(m, &attr, depth, seen));
        callee
            || self.imported(from, name).is_some_and(|m| {
                let l = &self.modules[m].links;
                (l.kind == ModuleKind::Script && !l.script_latent.is_empty())
                    // A module imported whole by the loading module itself (`from . import
                    // _t`, then `_t.run()`): which function is called is not known.
                    || depth == 1
                        && !l.parsed
                        && l.words
                        && l.hot.as_ref().is_none_or(|h| !h.is_empty())
                    || l.functions
                        .keys()
                        .any(|f| self.function_reaches(m, f, depth, seen))
            })
    }

    /// Whether function `attr` of module `m` holds a signal or calls one that does.
    fn function_reaches(
        &self,
        m: usize,
        attr: &str,
        depth: usize,
        seen: &mut HashSet<(usize, String)>,
    ) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        if !seen.insert((m, attr.to_string())) {
            return false;
        }
        let l = &self.modules[m].links;
        if !l.parsed {
            // Not parsed yet: it may hold a signal when the function (or its class) holds a
            // process, network or exec word, or reach one through what it imports.
            return l.may_hold(attr)
                || l.imports_at_load
                    .iter()
                    .any(|n| self.reaches(m, n, depth + 1, seen));
        }
        let Some(r) = l.functions.get(attr) else {
            return false;
        };
        !r.latent.is_empty()
            || !r.network.is_empty()
            || r.calls.iter().any(|c| {
                self.callee(m, c)
                    .is_some_and(|(m2, a)| self.function_reaches(m2, &a, depth + 1, seen))
            })
    }

    /// Whether calling `attr` of an unparsed module may reach a signal: the function holds a
    /// process, network or exec word, or the module imports from its package something that
    /// reaches one.
    fn worth_parsing(&self, m: usize, attr: &str) -> bool {
        self.function_reaches(m, attr, 1, &mut HashSet::new())
    }

    fn resolve_pending(&mut self) -> Option<usize> {
        for m in 0..self.modules.len() {
            let links = &self.modules[m].links;
            if links.parsed
                || links.pending.is_empty()
                || !links.pending.iter().any(|n| self.reaches_signal(m, n))
            {
                continue;
            }
            if !self.parse(m) {
                return Some(m);
            }
        }
        None
    }

    /// Parse module `m`, which the prefilter skipped, for its links: from the source its
    /// analysis held (an archive member), else read again from disk (at most
    /// [`crate::formats::python::MAX_SOURCE`] bytes). False when [`MAX_PENDING`] modules were
    /// parsed already.
    fn parse(&mut self, m: usize) -> bool {
        if self.parsed >= MAX_PENDING {
            return false;
        }
        self.parsed += 1;
        let links = &self.modules[m].links;
        let loc = links.location.clone();
        let src = match &links.source {
            Some(held) => Some(held.to_vec()),
            None if loc.members.is_empty() => match std::fs::metadata(&loc.path) {
                Ok(meta) if meta.len() <= crate::formats::python::MAX_SOURCE as u64 => {
                    std::fs::read(&loc.path).ok()
                }
                _ => None,
            },
            None => None,
        };
        let mut parsed = src
            .and_then(|s| crate::formats::python::module_links(&s, &loc))
            .unwrap_or_else(|| {
                let mut l = (*self.modules[m].links).clone();
                l.pending.clear();
                l
            });
        parsed.parsed = true;
        parsed.source = None;
        self.modules[m].links = std::borrow::Cow::Owned(parsed);
        true
    }

    fn shown(&self, m: usize) -> String {
        let loc = &self.modules[m].links.location;
        match loc.members.last() {
            Some(last) => last.clone(),
            None => display_path(&loc.path),
        }
    }
}

/// A signal reached from a loading module: the module it is in, the signal, how it was
/// reached (the function called, or `None` for a script's top level) and the loading module.
struct Reached {
    module: usize,
    latent: Latent,
    via: Option<String>,
    root: usize,
}

/// The steps a module's top level starts: its calls and imports at load.
fn starts(index: &Index<'_>, m: usize, depth: usize, queue: &mut Vec<(usize, Step, usize, bool)>) {
    let l = &*index.modules[m].links;
    for name in &l.calls_at_load {
        if let Some((callee, attr)) = index.callee(m, name) {
            let direct = l.calls_direct.contains(name);
            queue.push((callee, Step::Call(attr), depth, direct));
        }
    }
    for name in &l.imports_at_load {
        if let Some(imported) = index.imported(m, name) {
            queue.push((imported, Step::Import, depth, false));
        }
    }
}

fn limit(index: &Index<'_>, m: usize, bound: &str, unread: String) -> (usize, Finding) {
    (
        index.modules[m].report,
        Finding::builder(
            &resource_limit::RULE,
            index.modules[m].links.location.clone(),
        )
        .severity(crate::finding::Severity::Info)
        .message(format!("analysis stopped by a bound: {bound}"))
        .evidence(format!("{bound}; not followed: {unread}"))
        .build(),
    )
}

/// Join every package's modules and grade what their loads reach.
pub fn check(files: &[FileReport]) -> Vec<(usize, Finding)> {
    let mut index = Index::new(files);
    let mut out = Vec::new();
    let pending_bound =
        format!("more than {MAX_PENDING} modules parsed again to join a package's modules");
    if let Some(m) = index.resolve_pending() {
        let unread = format!("the calls at load of {} and later modules", index.shown(m));
        out.push(limit(&index, m, &pending_bound, unread));
    }
    let mut found: BTreeMap<(usize, usize, &'static str), Reached> = BTreeMap::new();
    let mut work_left = MAX_WORK;
    for root in 0..index.modules.len() {
        if index.modules[root].links.kind != ModuleKind::Module {
            continue;
        }
        let mut queue: Vec<(usize, Step, usize, bool)> = Vec::new();
        let mut seen: HashSet<(usize, Step)> = HashSet::new();
        starts(&index, root, 1, &mut queue);
        let mut stopped = None;
        while let Some((m, step, depth, direct)) = queue.pop() {
            if work_left == 0 {
                stopped = Some(format!("more than {MAX_WORK} steps joining Python modules"));
                break;
            }
            work_left -= 1;
            if depth > MAX_DEPTH {
                stopped = Some(format!(
                    "calls through more than {MAX_DEPTH} modules of a package"
                ));
                continue;
            }
            if !seen.insert((m, step.clone())) {
                continue;
            }
            match step {
                Step::Call(attr) => {
                    // A module the prefilter skipped is parsed when a load calls into it and
                    // it may hold a signal or reach one in another module.
                    if !index.modules[m].links.parsed
                        && index.worth_parsing(m, &attr)
                        && !index.parse(m)
                    {
                        stopped = Some(pending_bound.clone());
                        continue;
                    }
                    let target = &*index.modules[m].links;
                    let Some(reach) = target.functions.get(&attr) else {
                        continue;
                    };
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
                        if let Some((callee, a)) = index.callee(m, c) {
                            queue.push((callee, Step::Call(a), depth + 1, false));
                        }
                    }
                }
                Step::Import => {
                    let target = &*index.modules[m].links;
                    if target.kind != ModuleKind::Script {
                        continue;
                    }
                    for l in &target.script_latent {
                        found
                            .entry((m, l.line, l.rule.id))
                            .or_insert_with(|| Reached {
                                module: m,
                                latent: l.clone(),
                                via: None,
                                root,
                            });
                    }
                    starts(&index, m, depth + 1, &mut queue);
                }
            }
        }
        if let Some(bound) = stopped {
            let unread = format!(
                "the rest of what {} reaches in other modules",
                index.shown(root)
            );
            out.push(limit(&index, root, &bound, unread));
        }
    }
    for r in found.into_values() {
        let module = &index.modules[r.module];
        let root = &index.modules[r.root];
        let when = root.links.role.when();
        let message = match &r.via {
            Some(f) => format!(
                "{} {when}: {f}() is called when {} loads",
                r.latent.what,
                index.shown(r.root)
            ),
            None => format!(
                "{} {when}: this script's top level runs when {} imports it",
                r.latent.what,
                index.shown(r.root)
            ),
        };
        let loc: Location = module.links.location.with_span(Span::Line {
            line: r.latent.line as u64,
        });
        out.push((
            module.report,
            Finding::builder(r.latent.rule, loc)
                .severity(r.latent.severity)
                .message(message)
                .evidence(r.latent.evidence.clone())
                .build(),
        ));
    }
    out
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
}
