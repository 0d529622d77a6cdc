//! What the names of a Python module stand for, as far as a walk in source order can tell
//! without running anything: import aliases (`import subprocess as sp`, `from os import system
//! as s`), names bound to modules, builtins or their attributes (`e = eval`, `f = os.system`),
//! names bound to constants and to decoded data (`payload = base64.b64decode('…')`), and the
//! dynamic spellings of the same (`__import__('os')`, `importlib.import_module('os')`,
//! `getattr(os, 'system')`, `__builtins__['exec']`, `vars(builtins)['exec']`).
//!
//! The table is flow-sensitive at the level it is walked in (a later `o = None` hides an earlier
//! `import os as o`), and one table per function, class and lambda; a function body sees the
//! bindings its module has at the end of the module's walk, as it would when called after the
//! import. Anything it cannot follow binds the name to [`Value::Opaque`], which hides bindings of
//! enclosing scopes, so a name is only ever resolved to what the source really bound it to.
//!
//! Bounds: [`MAX_BINDINGS`] names per source, [`MAX_SCOPES`] scopes, values of at most
//! [`MAX_VALUE`] bytes and [`VALUE_BUDGET`] bytes of values made per source, and every
//! resolution or evaluation stops after [`MAX_STEPS`] nodes or [`MAX_DEPTH`] nested
//! expressions. Past a bound a name or value is unknown, never an error.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use crate::formats::pyliteral::unescape_lenient;
use base64::Engine;
use tree_sitter::Node;

use super::{field, positional, text, KindName, F};

/// Calls that hand their argument back, or wrap it in something that calls it: a context
/// manager entered on it (`contextlib.nullcontext`), `typing.cast`, `copy.copy`/`deepcopy`,
/// `functools.cache`/`lru_cache`, and `get`/`pop`/`setdefault` of a map.
const PASS_THROUGH: &[&str] = &[
    "nullcontext",
    "cast",
    "copy",
    "deepcopy",
    "cache",
    "lru_cache",
    "get",
    "pop",
    "setdefault",
];

/// Names bound in one source (all scopes together). Real modules bind at most a few thousand
/// (sympy's `test_args.py`, the largest of 25 000 corpus modules, 1 285); past the bound new
/// names are not recorded and the source says so ([`Names::overflow`]), since padding a module
/// with names would otherwise hide the aliases after them.
pub const MAX_BINDINGS: usize = 65_536;
/// Longest dotted name bound (`a1 = a0.x`, `a2 = a1.x`, … would grow without end).
const MAX_BOUND_NAME: usize = 512;
/// Scopes (functions, classes, lambdas) of one source; deeper ones share their parent's.
pub const MAX_SCOPES: usize = 16_384;
/// Largest value (a string constant or decoded data) kept, in bytes; longer decoder output is
/// cut there.
pub const MAX_VALUE: usize = 1 << 20;
/// Bytes of values made per source (literals copied, concatenations, decoder output).
pub const VALUE_BUDGET: usize = 16 << 20;
/// Nodes one resolution or evaluation may visit.
const MAX_STEPS: usize = 2048;
/// Expressions one resolution or evaluation may nest into.
const MAX_DEPTH: u32 = 24;

/// Operands of one `+` chain read in a loop ([`Names::eval`]); a longer chain's first part
/// nests as usual. Each operand other than a plain string literal costs a step of
/// [`MAX_STEPS`]; literals cost their bytes (at most [`MAX_VALUE`]). 100 000 empty strings in
/// front of `'sy' + 'stem'` are walked in a few milliseconds (tester t18 m17).
const MAX_SUM_OPERANDS: usize = 1 << 18;
/// Links of an attribute or call chain followed. The names the rules know have a handful
/// (`requests.Session().get`); a longer chain never resolves to one, and a hostile
/// `f()()()…` chain costs every call in it this many steps.
const MAX_CHAIN: usize = 64;
/// Calls in a chain followed: a name the rules know has a few (`K().run`,
/// `methodcaller('system')(os)`); every call of a hostile chain resolves the rest of it.
const MAX_CALL_LINKS: usize = 8;
/// Parts of a concatenation, or targets of a tuple assignment, followed.
pub const MAX_PARTS: usize = 4096;
/// Longest module or attribute name taken from a string (`__import__('os')`).
const MAX_NAME: usize = 256;
/// Entries of a dict display kept as a [`Value::Map`].
const MAX_MAP: usize = 64;
/// The key under which a list's [`Value::Map`] keeps the list's length, so that `L[-1]` can
/// be told after `L.append(f)`: no index or name is spelled so.
const LEN: &str = "#";

/// What a name is bound to.
#[derive(Debug, Clone)]
pub enum Value {
    /// A module, a module's attribute or a builtin, by its dotted name with any `builtins.`
    /// prefix removed: `os`, `os.system`, `base64.b64decode`, `eval`.
    Name(Rc<str>),
    /// A string or bytes constant, or what a decoder returned (`decoded`); the bytes when they
    /// could be computed within the bounds.
    Data {
        bytes: Option<Rc<[u8]>>,
        decoded: bool,
        /// Computed from pieces (`+`, `[::-1]`, `''.join(chr(c) …)`, `%`, `.format`,
        /// `.replace`, an f-string, `bytes([…])`): code spelled so that no reader sees it.
        built: bool,
    },
    /// A class defined in this source, by the index of its body's scope: `C.run` is what
    /// `run` is bound to in the body (`class C: run = os.system`).
    Class(usize),
    /// A list or tuple display of string constants (`['__imp', 'ort__']`), at most
    /// [`MAX_PARTS`] items, for a later `''.join(…)` of the name bound to it.
    Seq(Rc<[Rc<[u8]>]>),
    /// A dict display whose constant keys map to names (`{'r': os.system}`), at most
    /// [`MAX_MAP`] entries.
    Map(Rc<[(String, Rc<str>)]>),
    /// A file: an open file (`with open(P) as f`), a path object (`Path(P)`) or what was read
    /// from one (`f.read()`, `Path(P).read_text()`), with why running its content would be
    /// worth a finding (the analyser's judgement of `P`; `None` for a `.py` module of the
    /// package). Bound by the analyser, which judges the path, never made by [`Names::eval`].
    File(Option<&'static str>),
    /// Something not followed (a call result, a parameter, a loop variable).
    Opaque,
}

impl Value {
    /// Whether this is data a decoder returned.
    pub fn decoded(&self) -> bool {
        matches!(self, Value::Data { decoded: true, .. })
    }

    /// Whether this is data computed from pieces rather than written as one constant.
    pub fn built(&self) -> bool {
        matches!(self, Value::Data { built: true, .. })
    }

    /// The bytes of a data value.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Data { bytes: Some(b), .. } => Some(b),
            _ => None,
        }
    }
}

/// A binding and the line it was made on.
#[derive(Debug, Clone)]
pub struct Binding {
    pub value: Value,
    pub line: usize,
}

#[derive(Debug, Default)]
struct Scope {
    parent: Option<usize>,
    /// A class body: its names are not visible to the functions defined in it.
    class: bool,
    map: HashMap<String, Binding>,
}

/// The name tables of one source.
#[derive(Debug)]
pub struct Names {
    scopes: Vec<Scope>,
    bindings: usize,
    /// Bytes of values that may still be made.
    budget: Cell<usize>,
    /// A new name was not recorded because of [`MAX_BINDINGS`].
    pub overflow: bool,
    /// Names ever bound, by [`quick_hash`]: most names looked up (`self`, `len`, `print`)
    /// were never bound, and this answers for them without hashing the name for the maps.
    seen: Box<[u64; SEEN_WORDS]>,
    /// Names a binding in a branch does not replace with a harmless one (the callables that
    /// run code, processes or the network); none by default.
    pub sticky: fn(&str) -> bool,
}

const SEEN_WORDS: usize = 64;

/// A cheap hash of a name for [`Names::seen`] (its first and last bytes and its length); a
/// collision only costs a map lookup.
fn quick_hash(name: &str) -> usize {
    let b = name.as_bytes();
    let mut h: u32 = 0x811c_9dc5 ^ b.len() as u32;
    for &c in b.iter().take(8).chain(b.iter().rev().take(8)) {
        h = (h ^ u32::from(c)).wrapping_mul(0x0100_0193);
    }
    (h as usize) % (SEEN_WORDS * 64)
}

/// What a bounded resolution or evaluation may still spend.
struct Fuel {
    steps: usize,
}

impl Fuel {
    fn new() -> Self {
        Fuel { steps: MAX_STEPS }
    }
    fn take(&mut self) -> Option<()> {
        self.steps = self.steps.checked_sub(1)?;
        Some(())
    }
}

/// Modules and builtins the rules recognise by their spelling alone.
const SPELLED: &[&str] = &[
    "os",
    "posix",
    "subprocess",
    "commands",
    "pty",
    "platform",
    "builtins",
    "exec",
    "eval",
    "compile",
    "pickle",
    "marshal",
    "runpy",
    "code",
    "timeit",
    "ctypes",
    "socket",
    "requests",
    "httpx",
    "urllib",
    "urllib3",
    "base64",
    "codecs",
    "zlib",
];

/// The module scope's index.
pub const MODULE: usize = 0;

/// Removes a `builtins.` (or `__builtins__.`, Python 2's `__builtin__.`) prefix, so that
/// `builtins.exec` and `__builtins__.exec` are `exec`; the bare names are `builtins`.
pub fn canonical(name: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["__builtins__", "__builtin__", "builtins"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            if rest.is_empty() {
                return "builtins".into();
            }
            // `builtins.__dict__` stays whole: it is the namespace, not a builtin.
            if let Some(r) = rest.strip_prefix('.').filter(|r| *r != "__dict__") {
                return r.into();
            }
        }
    }
    name.into()
}

/// Callables whose result is a module or an attribute named by their arguments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    DunderImport,
    ImportModule,
    Getattr,
    Vars,
    /// `sys.modules.get('os')`: the module.
    ModulesGet,
    /// `functools.partial(f, …)`: calling it calls `f`.
    Partial,
    /// `pkgutil.resolve_name('os:system')`, `pydoc.locate('os.system')`: the callable a
    /// string names, imported.
    ResolveName,
}

/// The dotted name a string names a callable by, as `pkgutil.resolve_name`, `pydoc.locate`,
/// an entry point's `value`, logging's `'()'` or `PYTHONBREAKPOINT` read it: `module:attr` or
/// `module.attr` (`os:system` is `os.system`), with a `builtins.` prefix removed.
pub fn named_callable(s: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(s).ok()?.trim();
    if s.is_empty()
        || s.len() > MAX_NAME
        || s.bytes().filter(|c| *c == b':').count() > 1
        || !s
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':'))
    {
        return None;
    }
    Some(canonical(&s.replace(':', ".")).into_owned())
}

impl Default for Names {
    fn default() -> Self {
        Names {
            scopes: vec![Scope::default()],
            bindings: 0,
            budget: Cell::new(VALUE_BUDGET),
            overflow: false,
            seen: Box::new([0; SEEN_WORDS]),
            sticky: |_| false,
        }
    }
}

impl Names {
    /// A new scope inside `parent`: a function's or lambda's (`class` false) or a class body's.
    pub fn new_scope(&mut self, parent: usize, class: bool) -> usize {
        if self.scopes.len() >= MAX_SCOPES {
            return parent;
        }
        // Names of a class body are not visible inside its methods.
        let mut p = parent;
        if !class {
            while self.scopes[p].class {
                match self.scopes[p].parent {
                    Some(q) => p = q,
                    None => break,
                }
            }
        }
        self.scopes.push(Scope {
            parent: Some(p),
            class,
            map: HashMap::new(),
        });
        self.scopes.len() - 1
    }

    /// Whether `scope` is a class body.
    pub fn is_class(&self, scope: usize) -> bool {
        self.scopes.get(scope).is_some_and(|s| s.class)
    }

    /// Bind `name` in `scope` where the binding may not run (a branch of `if`, `try`, a loop):
    /// a module or callable the name stands for is kept unless the new value is one too, since
    /// Python reaches a later use through either binding (`try: import os as q` /
    /// `except ImportError: q = None`).
    ///
    /// Between two names, the one [`Names::sticky`] marks wins (`if c: f = os.system` /
    /// `else: f = print`): the table keeps one binding a name, and the one that runs code is
    /// the one a later call must be judged by.
    pub fn bind_in_branch(&mut self, scope: usize, name: &str, value: Value, line: usize) {
        if self.maybe_bound(name) {
            if let Some(Binding {
                value: Value::Name(old),
                ..
            }) = self.scopes.get(scope).and_then(|s| s.map.get(name))
            {
                let keep = match &value {
                    Value::Name(new) => (self.sticky)(old) && !(self.sticky)(new),
                    Value::Class(_) => false,
                    _ => true,
                };
                if keep {
                    return;
                }
            }
        }
        self.bind(scope, name, value, line);
    }

    /// Bind `name` in `scope`. New names past [`MAX_BINDINGS`] are not recorded.
    pub fn bind(&mut self, scope: usize, name: &str, value: Value, line: usize) {
        let value = match value {
            Value::Name(n) if n.len() > MAX_BOUND_NAME => Value::Opaque,
            v => v,
        };
        if scope >= self.scopes.len() {
            return;
        }
        let known = self.maybe_bound(name);
        if known {
            if let Some(b) = self.scopes[scope].map.get_mut(name) {
                *b = Binding { value, line };
                return;
            }
        }
        // An unknown value for a name no scope binds changes nothing, unless the name is a
        // module or builtin the rules know by its spelling (`os = _FakeOS()` makes `os.system`
        // no longer the module's, [`Names::rebound`]).
        if matches!(value, Value::Opaque)
            && (!known || self.lookup(scope, name).is_none())
            && !SPELLED.contains(&name)
        {
            return;
        }
        if self.bindings >= MAX_BINDINGS {
            self.overflow = true;
            return;
        }
        self.bindings += 1;
        let h = quick_hash(name);
        self.seen[h / 64] |= 1 << (h % 64);
        self.scopes[scope]
            .map
            .insert(name.to_string(), Binding { value, line });
    }

    /// The binding `name` has in `scope` (or the scopes around it); `None` for unbound names
    /// and names bound to something not followed.
    pub fn lookup(&self, scope: usize, name: &str) -> Option<&Binding> {
        if !self.maybe_bound(name) {
            return None;
        }
        let mut s = Some(scope);
        while let Some(i) = s {
            let sc = self.scopes.get(i)?;
            if let Some(b) = sc.map.get(name) {
                return (!matches!(b.value, Value::Opaque)).then_some(b);
            }
            s = sc.parent;
        }
        None
    }

    fn maybe_bound(&self, name: &str) -> bool {
        let h = quick_hash(name);
        self.seen[h / 64] & (1 << (h % 64)) != 0
    }

    /// Reserve `n` bytes of the value budget.
    fn alloc(&self, n: usize) -> bool {
        if n > MAX_VALUE {
            return false;
        }
        match self.budget.get().checked_sub(n) {
            Some(left) => {
                self.budget.set(left);
                true
            }
            None => false,
        }
    }

    /// The dotted name an expression resolves to through the table, when that differs from its
    /// spelling: `o.system` after `import os as o` is `os.system`, `getattr(os, 'system')` is
    /// `os.system`, `__builtins__.exec` is `exec`. `None` when nothing was resolved.
    pub fn resolve(&self, n: Node<'_>, src: &[u8], scope: usize) -> Option<String> {
        let mut fuel = Fuel::new();
        let (name, changed) = self.resolve_chain(n, src, scope, 0, &mut fuel, false)?;
        changed.then_some(name)
    }

    /// The dotted name of `n` and whether the table (or a builtins prefix, or a dynamic
    /// spelling) changed it.
    fn resolve_at(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<(String, bool)> {
        self.resolve_chain(n, src, scope, depth, fuel, true)
    }

    /// [`Names::resolve_at`]; with `always` false, `None` as soon as it is clear that nothing
    /// changes the spelling (the common case, without building the name).
    fn resolve_chain(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
        always: bool,
    ) -> Option<(String, bool)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut suffix: Vec<&str> = Vec::new();
        let mut calls = 0;
        let mut cur = n;
        let mut changed = false;
        let head: std::borrow::Cow<'_, str> = loop {
            fuel.take()?;
            if suffix.len() >= MAX_CHAIN || calls > MAX_CALL_LINKS {
                return None;
            }
            match cur.kind_name() {
                "identifier" => {
                    let id = text(cur, src);
                    // `c.f` after `c.f = os.system` or `setattr(c, 'f', os.system)`: the
                    // attribute's own binding ([`Names::store`], [`attribute_key`]).
                    if let [.., attr, "."] = suffix[..] {
                        let key = attribute_key(id, attr);
                        if let Some(Binding {
                            value: Value::Name(p),
                            ..
                        }) = self.lookup(scope, &key)
                        {
                            let p = p.to_string();
                            suffix.truncate(suffix.len() - 2);
                            changed = true;
                            break p.into();
                        }
                    }
                    break match self.lookup(scope, id) {
                        Some(Binding {
                            value: Value::Name(p),
                            ..
                        }) => {
                            changed |= &**p != id;
                            p.to_string().into()
                        }
                        // `C.run` of `class C: run = os.system`: the attribute's binding in
                        // the class body (the part next to the name is the last pushed).
                        Some(Binding {
                            value: Value::Class(body),
                            ..
                        }) => {
                            // `K().run` of an instance reads the class's binding too.
                            let next = match suffix.last() {
                                Some(&"()") => suffix.len() - 1,
                                _ => suffix.len(),
                            };
                            let at = next.checked_sub(2);
                            let bound =
                                at.and_then(|i| {
                                    let attr = suffix[i];
                                    self.scopes.get(*body)?.map.get(attr).and_then(|b| {
                                        match &b.value {
                                            Value::Name(p) => Some(p.clone()),
                                            _ => None,
                                        }
                                    })
                                });
                            match (bound, at) {
                                (Some(p), Some(at)) => {
                                    suffix.truncate(at);
                                    changed = true;
                                    p.to_string().into()
                                }
                                _ => id.into(),
                            }
                        }
                        _ => id.into(),
                    };
                }
                "attribute" => {
                    let o = field(cur, F::Object)?;
                    let a = field(cur, F::Attribute)?;
                    suffix.push(text(a, src));
                    suffix.push(".");
                    cur = o;
                }
                "call" => {
                    let f = field(cur, F::Function)?;
                    let args = field(cur, F::Arguments);
                    if let Some(special) = self.special(f, src, scope) {
                        changed = true;
                        break self
                            .special_result(special, args, src, scope, depth, fuel)?
                            .into();
                    }
                    if let Some(name) = self.attribute_getter(f, args, src, scope, depth, fuel) {
                        changed = true;
                        break name.into();
                    }
                    if let Some(name) = self.entry_point_load(f, src, scope, depth, fuel) {
                        changed = true;
                        break name.into();
                    }
                    suffix.push("()");
                    calls += 1;
                    cur = f;
                }
                "subscript" => {
                    changed = true;
                    break self.subscript(cur, src, scope, depth, fuel)?.into();
                }
                "parenthesized_expression" => cur = cur.named_child(0)?,
                // `(os.system if c else print)(…)`, `(None or os.system)(…)`: either operand
                // may be what is called; the one that runs code stands for it.
                "conditional_expression" | "boolean_operator" => {
                    let (a, b) = if cur.kind_name() == "conditional_expression" {
                        (cur.named_child(0)?, cur.named_child(2)?)
                    } else {
                        (field(cur, F::Left)?, field(cur, F::Right)?)
                    };
                    let a = self.resolve_at(a, src, scope, depth + 1, fuel);
                    let b = self.resolve_at(b, src, scope, depth + 1, fuel);
                    let pick = match (a, b) {
                        (Some(a), Some(b)) if !(self.sticky)(&a.0) && (self.sticky)(&b.0) => b,
                        (Some(a), _) => a,
                        (None, Some(b)) => b,
                        (None, None) => return None,
                    };
                    changed = true;
                    break pick.0.into();
                }
                _ => return None,
            }
        };
        if !always && !changed && !head.starts_with("__builtin") && head != "builtins" {
            return None;
        }
        let mut out = head.into_owned();
        for part in suffix.iter().rev() {
            out.push_str(part);
        }
        let c = canonical(&out);
        if c != out {
            return Some((c.into_owned(), true));
        }
        Some((out, changed))
    }

    /// Whether the callee `f` is one of the dynamic import or attribute functions. Judged from
    /// its own name (an identifier or `module.attribute`), without following call chains.
    /// Whether the leftmost name of a dotted callee (`redis` in `redis.Redis`, `rd` bound by
    /// `import redis as rd`) is a service package [`service_client`] knows. Bounded walk down
    /// attributes and calls.
    fn service_root_of(&self, f: Node<'_>, src: &[u8], scope: usize) -> bool {
        let mut x = f;
        for _ in 0..16 {
            x = match x.kind_name() {
                "attribute" => match field(x, F::Object) {
                    Some(o) => o,
                    None => return false,
                },
                "call" => match field(x, F::Function) {
                    Some(o) => o,
                    None => return false,
                },
                "identifier" => {
                    let id = text(x, src);
                    if service_root(id) {
                        return true;
                    }
                    return match self.lookup(scope, id).map(|b| &b.value) {
                        Some(Value::Name(n)) => {
                            service_root(n.split(['.', '(']).next().unwrap_or(n))
                        }
                        _ => false,
                    };
                }
                _ => return false,
            };
        }
        false
    }

    fn special(&self, f: Node<'_>, src: &[u8], scope: usize) -> Option<Special> {
        let of = |name: &str| match &*canonical(name) {
            "__import__" | "importlib.__import__" => Some(Special::DunderImport),
            "importlib.import_module" => Some(Special::ImportModule),
            "getattr" => Some(Special::Getattr),
            "vars" => Some(Special::Vars),
            "sys.modules.get" => Some(Special::ModulesGet),
            "functools.partial" | "functools.partialmethod" => Some(Special::Partial),
            "pkgutil.resolve_name" | "pydoc.locate" => Some(Special::ResolveName),
            _ => None,
        };
        let bound = |id: &str| match self.lookup(scope, id) {
            Some(Binding {
                value: Value::Name(p),
                ..
            }) => Some(p.clone()),
            _ => None,
        };
        match f.kind_name() {
            "identifier" => {
                let id = text(f, src);
                match bound(id) {
                    Some(p) => of(&p),
                    None => of(id),
                }
            }
            "attribute" => {
                let o = field(f, F::Object)?;
                let a = text(field(f, F::Attribute)?, src);
                if a == "get"
                    && o.kind_name() == "attribute"
                    && field(o, F::Attribute).is_some_and(|m| text(m, src) == "modules")
                {
                    let (base, _) = self.resolve_chain(o, src, scope, 0, &mut Fuel::new(), true)?;
                    return (base == "sys.modules").then_some(Special::ModulesGet);
                }
                // Checked first: this runs for every call in every chain.
                if o.kind_name() != "identifier"
                    || !matches!(
                        a,
                        "__import__"
                            | "import_module"
                            | "getattr"
                            | "vars"
                            | "partial"
                            | "partialmethod"
                            | "resolve_name"
                            | "locate"
                    )
                {
                    return None;
                }
                let id = text(o, src);
                match bound(id) {
                    Some(p) => of(&format!("{p}.{a}")),
                    None => of(&format!("{id}.{a}")),
                }
            }
            _ => None,
        }
    }

    fn special_result(
        &self,
        special: Special,
        args: Option<Node<'_>>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<String> {
        let args = args.filter(|a| a.kind_name() == "argument_list")?;
        let positional = |i: usize| positional(args, i);
        match special {
            Special::DunderImport | Special::ImportModule => {
                let module = self.const_name(positional(0)?, src, scope, depth + 1, fuel)?;
                // `import_module('.core', __name__)` (or `package=__package__`): a module of
                // the caller's package, named as a relative import names it.
                if module.starts_with('.') {
                    let package = positional(1).or_else(|| {
                        let mut c = args.walk();
                        let k = args.named_children(&mut c).find(|k| {
                            k.kind_name() == "keyword_argument"
                                && field(*k, F::Name).is_some_and(|x| text(x, src) == "package")
                        });
                        k.and_then(|k| field(k, F::Value))
                    })?;
                    let own = matches!(text(package, src), "__name__" | "__package__");
                    return (special == Special::ImportModule && own).then_some(module);
                }
                // `__import__('os.path')` returns `os`, unless a fromlist asks for the leaf.
                let fromlist = positional(3).is_some() || {
                    let mut c = args.walk();
                    let has = args.named_children(&mut c).any(|k| {
                        k.kind_name() == "keyword_argument"
                            && field(k, F::Name).is_some_and(|x| text(x, src) == "fromlist")
                    });
                    has
                };
                if special == Special::DunderImport && !fromlist {
                    return module.split('.').next().map(str::to_string);
                }
                Some(module)
            }
            Special::Getattr => {
                let (object, _) = self.resolve_at(positional(0)?, src, scope, depth + 1, fuel)?;
                let attr = self.const_name(positional(1)?, src, scope, depth + 1, fuel)?;
                Some(format!("{object}.{attr}"))
            }
            Special::Vars => {
                let (object, _) = self.resolve_at(positional(0)?, src, scope, depth + 1, fuel)?;
                Some(format!("{object}.__dict__"))
            }
            Special::ModulesGet => self.const_name(positional(0)?, src, scope, depth + 1, fuel),
            Special::Partial => {
                let (callable, _) = self.resolve_at(positional(0)?, src, scope, depth + 1, fuel)?;
                Some(callable)
            }
            Special::ResolveName => {
                let v = self.eval_at(positional(0)?, src, scope, depth + 1, fuel)?;
                named_callable(v.bytes()?)
            }
        }
    }

    /// `EntryPoint(name, value, group).load()` (`importlib.metadata`, `importlib_metadata`):
    /// the callable `value` names. `f` is the callee of the outer call (`….load`).
    fn entry_point_load(
        &self,
        f: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<String> {
        if f.kind_name() != "attribute" || text(field(f, F::Attribute)?, src) != "load" {
            return None;
        }
        let made = field(f, F::Object).filter(|o| o.kind_name() == "call")?;
        let ctor = field(made, F::Function)?;
        let spelled = match ctor.kind_name() {
            "identifier" => text(ctor, src),
            "attribute" => text(field(ctor, F::Attribute)?, src),
            _ => return None,
        };
        // Told from the spelling first; an alias is resolved.
        let (name, _) = if spelled == "EntryPoint" || self.lookup(scope, spelled).is_some() {
            self.resolve_at(ctor, src, scope, depth + 1, fuel)?
        } else {
            return None;
        };
        if !name.ends_with("metadata.EntryPoint") && name != "EntryPoint" {
            return None;
        }
        let args = field(made, F::Arguments)?;
        let value = super::keyword(args, src, "value").or_else(|| positional(args, 1))?;
        let v = self.eval_at(value, src, scope, depth + 1, fuel)?;
        named_callable(v.bytes()?)
    }

    /// The attribute that a call of an attribute getter returns, as `getattr` does:
    /// `operator.attrgetter('system')(os)` and `os.__getattribute__('system')` are
    /// `os.system`, `type.__getattribute__(os, 'system')` (or `object.`) too. `f` is the
    /// callee, `args` the call's arguments.
    fn attribute_getter(
        &self,
        f: Node<'_>,
        args: Option<Node<'_>>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<String> {
        let args = args.filter(|a| a.kind_name() == "argument_list")?;
        // Calls that hand their argument back, or a wrapper that calls it: a context
        // manager entered on it (`with contextlib.nullcontext(os.system) as f`), `typing.cast`,
        // `copy.copy`, `functools.cache(f)` / `lru_cache(f)`; `D.get('r')` of a map.
        let last = match f.kind_name() {
            "identifier" => Some(text(f, src)),
            "attribute" => field(f, F::Attribute).map(|a| text(a, src)),
            _ => None,
        };
        if let Some(last) = last.filter(|l| PASS_THROUGH.contains(l)) {
            if matches!(last, "get" | "pop" | "setdefault") {
                let object = field(f, F::Object)?;
                let map = if matches!(object.kind_name(), "identifier" | "dictionary") {
                    self.eval_at(object, src, scope, depth + 1, fuel)
                } else {
                    None
                };
                let key = self.const_name(positional(args, 0)?, src, scope, depth + 1, fuel)?;
                if let Some(Value::Map(entries)) = map {
                    return entries
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, v)| v.to_string());
                }
                // `builtins.__dict__.get('ex' + 'ec')`, `vars(os).get('system')`: a
                // namespace's entry.
                if !matches!(object.kind_name(), "attribute" | "call") {
                    return None;
                }
                let (base, _) = self.resolve_at(object, src, scope, depth + 1, fuel)?;
                let namespace = base.ends_with("__dict__") || base == "globals()";
                return namespace
                    .then(|| self.namespace_entry(&base, key, scope))
                    .flatten();
            }
            let (name, _) = self.resolve_at(f, src, scope, depth + 1, fuel)?;
            let at = match name.as_str() {
                "contextlib.nullcontext"
                | "copy.copy"
                | "copy.deepcopy"
                | "functools.cache"
                | "functools.lru_cache" => 0,
                "typing.cast" => 1,
                _ => return None,
            };
            let arg = positional(args, at)?;
            if !matches!(
                arg.kind_name(),
                "identifier" | "attribute" | "call" | "subscript"
            ) {
                return None;
            }
            let (inner, _) = self.resolve_at(arg, src, scope, depth + 1, fuel)?;
            return Some(inner);
        }
        match f.kind_name() {
            // `attrgetter('system')(os)`: the getter is itself a call.
            "call" => {
                let getter = field(f, F::Function)?;
                if !matches!(getter.kind_name(), "identifier" | "attribute") {
                    return None;
                }
                let (name, _) = self.resolve_at(getter, src, scope, depth + 1, fuel)?;
                // `functools.lru_cache(maxsize=None)(os.system)`: the wrapper calls it.
                if name == "functools.lru_cache" {
                    let arg = positional(args, 0)?;
                    let (inner, _) = self.resolve_at(arg, src, scope, depth + 1, fuel)?;
                    return Some(inner);
                }
                if name != "operator.attrgetter" {
                    return None;
                }
                let attr = field(f, F::Arguments).and_then(|a| positional(a, 0))?;
                let attr = self.const_name(attr, src, scope, depth + 1, fuel)?;
                let (object, _) =
                    self.resolve_at(positional(args, 0)?, src, scope, depth + 1, fuel)?;
                Some(format!("{object}.{attr}"))
            }
            "attribute" => {
                if text(field(f, F::Attribute)?, src) != "__getattribute__" {
                    return None;
                }
                let owner = field(f, F::Object)?;
                // `type.__getattribute__(os, name)`: the object is the first argument.
                let (object, attr) = if matches!(text(owner, src), "type" | "object") {
                    (positional(args, 0)?, positional(args, 1)?)
                } else {
                    (owner, positional(args, 0)?)
                };
                let attr = self.const_name(attr, src, scope, depth + 1, fuel)?;
                let (object, _) = self.resolve_at(object, src, scope, depth + 1, fuel)?;
                Some(format!("{object}.{attr}"))
            }
            _ => None,
        }
    }

    /// `X['name']` where `X` is a namespace: a module's `__dict__`, `builtins` (the mapping
    /// `__builtins__` is outside `__main__`), `sys.modules`, `globals()` or `locals()`.
    fn subscript(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<String> {
        let value = field(n, F::Value)?;
        let key = field(n, F::Subscript)?;
        let key = match index_key(key, src) {
            Some(i) => i,
            None => self.const_name(key, src, scope, depth + 1, fuel)?,
        };
        // `{'r': os.system}['r']`, or a name bound to that display: the entry's value.
        if matches!(
            value.kind_name(),
            "dictionary" | "identifier" | "list" | "tuple"
        ) {
            if let Some(Value::Map(entries)) = self.eval_at(value, src, scope, depth + 1, fuel) {
                return entries
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.to_string());
            }
            if value.kind_name() != "identifier" {
                return None;
            }
        }
        let (base, _) = self.resolve_at(value, src, scope, depth + 1, fuel)?;
        self.namespace_entry(&base, key, scope)
    }

    /// The entry `key` of the namespace `base` names (`sys.modules`, `globals()`, a module's
    /// `__dict__`, `builtins`), as `base[key]` or `base.get(key)` reads it.
    fn namespace_entry(&self, base: &str, key: String, scope: usize) -> Option<String> {
        let base = canonical(base).into_owned();
        // A frame's namespaces (`sys._getframe(0).f_globals`, `inspect.currentframe().f_back
        // .f_builtins`): the module's globals, locals or the builtins.
        let base = if base.ends_with(".f_globals") {
            "globals()".to_string()
        } else if base.ends_with(".f_locals") {
            "locals()".to_string()
        } else if base.ends_with(".f_builtins") {
            "builtins".to_string()
        } else {
            base
        };
        match base.as_str() {
            "sys.modules" => Some(key),
            // `globals()['f']` is the module's `f`: what the table binds it to.
            "globals()" | "locals()" => match self.lookup(scope, &key) {
                Some(Binding {
                    value: Value::Name(p),
                    ..
                }) => Some(p.to_string()),
                _ => Some(key),
            },
            // A ctypes library looks its functions up by subscript as by attribute
            // (`ctypes.CDLL(None)['system']`, `ctypes.cdll['libc.so.6']`).
            b if b.starts_with("ctypes.") => Some(format!("{b}.{key}")),
            "builtins" | "builtins.__dict__" => Some(canonical(&key).into_owned()),
            b => b.strip_suffix(".__dict__").map(|m| format!("{m}.{key}")),
        }
    }

    /// A short string constant usable as a module or attribute name.
    fn const_name(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<String> {
        let v = self.eval_at(n, src, scope, depth, fuel)?;
        let b = v.bytes()?;
        if b.is_empty()
            || b.len() > MAX_NAME
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
        {
            return None;
        }
        String::from_utf8(b.to_vec()).ok()
    }

    /// The value of an expression: a name (`os.system`, `eval`), a constant, or decoded data.
    pub fn eval(&self, n: Node<'_>, src: &[u8], scope: usize) -> Option<Value> {
        let mut fuel = Fuel::new();
        self.eval_at(n, src, scope, 0, &mut fuel)
    }

    fn data(&self, bytes: Vec<u8>, decoded: bool) -> Value {
        let bytes = self.alloc(bytes.len()).then(|| Rc::from(bytes));
        Value::Data {
            bytes,
            decoded,
            built: false,
        }
    }

    /// Data computed from pieces ([`Value::built`]).
    fn built(&self, bytes: Vec<u8>, decoded: bool) -> Value {
        let bytes = self.alloc(bytes.len()).then(|| Rc::from(bytes));
        Value::Data {
            bytes,
            decoded,
            built: true,
        }
    }

    fn eval_at(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        fuel.take()?;
        match n.kind_name() {
            "string" => match literal(n, src) {
                Some(b) => Some(self.data(b, false)),
                None => self.fstring(n, src, scope, depth, fuel),
            },
            "concatenated_string" => {
                let mut out = Vec::new();
                let mut c = n.walk();
                for (i, part) in n.named_children(&mut c).enumerate() {
                    fuel.take()?;
                    if i >= MAX_PARTS {
                        return Some(Value::Data {
                            bytes: None,
                            decoded: false,
                            built: false,
                        });
                    }
                    let b = literal(part, src)?;
                    if out.len() + b.len() > MAX_VALUE {
                        return Some(Value::Data {
                            bytes: None,
                            decoded: false,
                            built: false,
                        });
                    }
                    out.extend_from_slice(&b);
                }
                Some(self.data(out, false))
            }
            "identifier" => {
                let id = text(n, src);
                match self.scopes_lookup_raw(scope, id) {
                    Some(Value::Opaque) => None,
                    Some(v) => Some(v),
                    None => Some(Value::Name(Rc::from(&*canonical(id)))),
                }
            }
            "parenthesized_expression" => {
                self.eval_at(n.named_child(0)?, src, scope, depth + 1, fuel)
            }
            // `A if cond else B`: either may run; the first that has a value stands for it
            // (`getattr(__builtins__, 'ex' + 'ec') if hasattr(…) else __builtins__['exec']`).
            "conditional_expression" => {
                let a = n.named_child(0)?;
                self.eval_at(a, src, scope, depth + 1, fuel).or_else(|| {
                    let b = n.named_child(2)?;
                    self.eval_at(b, src, scope, depth + 1, fuel)
                })
            }
            // `f = None or os.system`: as for a conditional, the operand that runs code; only
            // names are followed (`os.environ.get(K) or ''` is no constant).
            "boolean_operator" => {
                let l = self.eval_at(field(n, F::Left)?, src, scope, depth + 1, fuel);
                let r = self.eval_at(field(n, F::Right)?, src, scope, depth + 1, fuel);
                let name = |v: &Option<Value>| match v {
                    Some(Value::Name(p)) => Some(p.clone()),
                    _ => None,
                };
                match (name(&l), name(&r)) {
                    (Some(a), Some(b)) if !(self.sticky)(&a) && (self.sticky)(&b) => {
                        Some(Value::Name(b))
                    }
                    (Some(a), _) => Some(Value::Name(a)),
                    (None, Some(b)) if (self.sticky)(&b) => Some(Value::Name(b)),
                    _ => None,
                }
            }
            "binary_operator" => {
                let op = field(n, F::Operator).map(|o| text(o, src));
                match op {
                    // `'i' + 'm' + 'p' + …` nests to the left, one level per piece: its
                    // operands are read in a loop (up to [`MAX_SUM_OPERANDS`]), so an obfuscator's
                    // long chain does not run into the depth bound.
                    Some("+") => {
                        // In order, through both sides and brackets (`'a' + ('b' + ('c' + …))`
                        // nests to the right).
                        let mut operands = Vec::new();
                        let mut todo = vec![n];
                        while let Some(cur) = todo.pop() {
                            let plus = cur.kind_name() == "binary_operator"
                                && field(cur, F::Operator).map(|o| text(o, src)) == Some("+");
                            let room = operands.len() + todo.len() < MAX_SUM_OPERANDS;
                            if plus && room {
                                todo.push(field(cur, F::Right)?);
                                todo.push(field(cur, F::Left)?);
                            } else if cur.kind_name() == "parenthesized_expression" && room {
                                todo.push(cur.named_child(0)?);
                            } else {
                                operands.push(cur);
                            }
                        }
                        // Runs of plain literals (`'' + '' + … + 'sy' + 'stem'`, tester t18 m17)
                        // are joined in one buffer without fuel: their cost is their bytes,
                        // bounded by the source, and each other operand costs a step as before.
                        let mut acc: Option<Value> = None;
                        let mut run: Vec<u8> = Vec::new();
                        let mut run_open = false;
                        for x in operands {
                            if x.kind_name() == "string" {
                                if let Some(b) = literal(x, src) {
                                    if run.len() + b.len() > MAX_VALUE {
                                        return Some(Value::Data {
                                            bytes: None,
                                            decoded: false,
                                            built: true,
                                        });
                                    }
                                    run.extend_from_slice(&b);
                                    run_open = true;
                                    continue;
                                }
                            }
                            if run_open {
                                let lit = self.built(std::mem::take(&mut run), false);
                                acc = Some(match acc {
                                    Some(a) => self.concat(&a, &lit)?,
                                    None => lit,
                                });
                                run_open = false;
                            }
                            let r = self.eval_at(x, src, scope, depth + 1, fuel)?;
                            acc = Some(match acc {
                                Some(a) => self.concat(&a, &r)?,
                                None => r,
                            });
                        }
                        if run_open {
                            let lit = self.built(run, false);
                            acc = Some(match acc {
                                Some(a) => self.concat(&a, &lit)?,
                                None => lit,
                            });
                        }
                        acc
                    }
                    // `'import %s' % 'os'`, `'%s.%s' % ('os', 'system')`.
                    Some("%") => {
                        let l = self.eval_at(field(n, F::Left)?, src, scope, depth + 1, fuel)?;
                        let fmt = l.bytes()?.to_vec();
                        let right = field(n, F::Right)?;
                        let args = if right.kind_name() == "tuple" {
                            self.items(right, src, scope, depth + 1, fuel)?
                        } else {
                            vec![self.piece(right, src, scope, depth + 1, fuel)?]
                        };
                        let out = percent_format(&fmt, &args)?;
                        Some(self.built(out, l.decoded()))
                    }
                    _ => None,
                }
            }
            "subscript" => {
                // `s[::-1]`: a reversed constant.
                let key = field(n, F::Subscript)?;
                if key.kind_name() == "slice" {
                    // `s[::-1]`, `s[::2]`, `s[1:-1]`: integer bounds and step, Python's rules.
                    let t: String = text(key, src)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    let parts: Vec<&str> = t.split(':').collect();
                    if parts.len() > 3 {
                        return None;
                    }
                    let int = |i: usize| -> Option<Option<i64>> {
                        match parts.get(i).copied().unwrap_or("") {
                            "" => Some(None),
                            p => p.parse::<i64>().ok().map(Some),
                        }
                    };
                    let (start, stop, step) = (int(0)?, int(1)?, int(2)?.unwrap_or(1));
                    if step == 0 {
                        return None;
                    }
                    let v = self.eval_at(field(n, F::Value)?, src, scope, depth + 1, fuel)?;
                    return match v {
                        Value::Data { bytes, decoded, .. } => {
                            let bytes = bytes.and_then(|b| {
                                let r = py_slice(&b, start, stop, step);
                                self.alloc(r.len()).then(|| Rc::from(r))
                            });
                            Some(Value::Data {
                                bytes,
                                decoded,
                                built: true,
                            })
                        }
                        _ => None,
                    };
                }
                let (name, _) = self.resolve_at(n, src, scope, depth, fuel)?;
                Some(Value::Name(Rc::from(name)))
            }
            "attribute" => {
                let (name, _) = self.resolve_at(n, src, scope, depth, fuel)?;
                Some(Value::Name(Rc::from(name)))
            }
            "call" => {
                // `dict()` and `list()`: empty containers for a later `update` or `append`.
                if let Some(f) = field(n, F::Function).filter(|f| f.kind_name() == "identifier") {
                    let empty = field(n, F::Arguments).is_some_and(|a| a.named_child(0).is_none());
                    let name = text(f, src);
                    if empty
                        && matches!(name, "dict" | "list")
                        && self.scopes_lookup_raw(scope, name).is_none()
                    {
                        return Some(empty_container(name == "list"));
                    }
                }
                self.eval_call(n, src, scope, depth, fuel)
            }
            "list" | "tuple" => {
                // Displays of string literals: code kept in pieces for a join. A display that
                // holds names (`[print, os.system]`) is kept as a map from index to name, for
                // `L[1](…)`.
                if n.kind_name() == "list" && n.named_child(0).is_none() {
                    return Some(empty_container(true));
                }
                let mut c = n.walk();
                let mut out: Vec<Rc<[u8]>> = Vec::new();
                for x in n.named_children(&mut c) {
                    fuel.take()?;
                    if x.kind_name() != "string" && out.is_empty() {
                        return self.indexed(n, src, scope, depth, fuel);
                    }
                    if x.kind_name() != "string" || out.len() >= MAX_PARTS {
                        return None;
                    }
                    let b = literal(x, src)?;
                    if !self.alloc(b.len()) {
                        return None;
                    }
                    out.push(Rc::from(b));
                }
                (!out.is_empty()).then(|| Value::Seq(Rc::from(out)))
            }
            "dictionary" if n.named_child(0).is_none() => Some(empty_container(false)),
            "dictionary" => {
                let mut out = Vec::new();
                let mut c = n.walk();
                let pairs: Vec<Node<'_>> = n
                    .named_children(&mut c)
                    .filter(|p| p.kind_name() == "pair")
                    .take(MAX_MAP)
                    .collect();
                for pair in pairs {
                    let (Some(k), Some(v)) = (pair.named_child(0), pair.named_child(1)) else {
                        continue;
                    };
                    let Some(key) = self.const_name(k, src, scope, depth + 1, fuel) else {
                        continue;
                    };
                    if !matches!(v.kind_name(), "identifier" | "attribute") {
                        continue;
                    }
                    if let Some((name, _)) = self.resolve_at(v, src, scope, depth + 1, fuel) {
                        out.push((key, Rc::from(name)));
                    }
                }
                (!out.is_empty()).then(|| Value::Map(Rc::from(out)))
            }
            _ => None,
        }
    }

    /// A list or tuple display whose items include names, as a [`Value::Map`] from each index
    /// (and its negative spelling) to the name an item resolves to; at most [`MAX_MAP`]
    /// entries.
    fn indexed(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<Value> {
        let mut c = n.walk();
        let items: Vec<Node<'_>> = n
            .named_children(&mut c)
            .filter(|x| x.kind_name() != "comment")
            .take(MAX_MAP / 2 + 1)
            .collect();
        if items.len() > MAX_MAP / 2 || items.iter().any(|x| x.kind_name() == "list_splat") {
            return None;
        }
        let len = items.len();
        let mut out = Vec::new();
        for (i, x) in items.into_iter().enumerate() {
            if !matches!(x.kind_name(), "identifier" | "attribute") {
                continue;
            }
            if let Some((name, _)) = self.resolve_at(x, src, scope, depth + 1, fuel) {
                out.push((i, Rc::from(name)));
            }
        }
        (!out.is_empty()).then(|| list_map(&out, Some(len)))
    }

    /// What a method call that changes a list or dict bound to a name in `scope` itself makes
    /// of it: `L.append(f)`, `L.insert(0, f)`, `L.extend([f, g])`, `D.update(k=f)`,
    /// `D.update({'k': f})`, `D.setdefault('k', f)`; the name and its new value. Only names are
    /// kept as items (as [`Names::store`] keeps them); a list whose length becomes unknown
    /// (`L.extend(other)`) keeps its items from the front only.
    pub fn mutate(&self, call: Node<'_>, src: &[u8], scope: usize) -> Option<(String, Value)> {
        let f = field(call, F::Function).filter(|f| f.kind_name() == "attribute")?;
        let object = field(f, F::Object).filter(|o| o.kind_name() == "identifier")?;
        let method = text(field(f, F::Attribute)?, src);
        if !matches!(
            method,
            "append" | "insert" | "extend" | "update" | "setdefault"
        ) {
            return None;
        }
        let id = text(object, src);
        if !self.maybe_bound(id) {
            return None;
        }
        let Value::Map(entries) = self.scopes.get(scope)?.map.get(id)?.value.clone() else {
            return None;
        };
        let args = field(call, F::Arguments)?;
        let mut fuel = Fuel::new();
        let mut name_of = |x: Node<'_>| -> Option<Rc<str>> {
            if !matches!(x.kind_name(), "identifier" | "attribute") {
                return None;
            }
            let (name, _) = self.resolve_at(x, src, scope, 1, &mut fuel)?;
            Some(Rc::from(name))
        };
        let len = entries
            .iter()
            .find(|(k, _)| k == LEN)
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let list = entries.iter().any(|(k, _)| k == LEN);
        let value = if list {
            // The items by position, without the negative spellings.
            let mut items: Vec<(usize, Rc<str>)> = entries
                .iter()
                .filter_map(|(k, v)| Some((k.parse::<usize>().ok()?, v.clone())))
                .collect();
            let len = len?;
            let new_len = match method {
                "append" => {
                    items.extend(name_of(positional(args, 0)?).map(|n| (len, n)));
                    Some(len + 1)
                }
                "insert" => {
                    let at = index_key(positional(args, 0)?, src)?
                        .parse::<i64>()
                        .ok()
                        .filter(|i| *i >= 0)?;
                    let at = (at as usize).min(len);
                    for item in items.iter_mut().filter(|(i, _)| *i >= at) {
                        item.0 += 1;
                    }
                    items.extend(name_of(positional(args, 1)?).map(|n| (at, n)));
                    Some(len + 1)
                }
                "extend" => {
                    let more = positional(args, 0)?;
                    if matches!(more.kind_name(), "list" | "tuple") {
                        let mut c = more.walk();
                        let added: Vec<_> = more
                            .named_children(&mut c)
                            .filter(|x| x.kind_name() != "comment")
                            .take(MAX_MAP / 2 + 1)
                            .collect();
                        if added.len() > MAX_MAP / 2
                            || added.iter().any(|x| x.kind_name() == "list_splat")
                        {
                            None
                        } else {
                            let n = added.len();
                            for (i, x) in added.into_iter().enumerate() {
                                items.extend(name_of(x).map(|v| (len + i, v)));
                            }
                            Some(len + n)
                        }
                    } else {
                        None
                    }
                }
                _ => return None,
            };
            if items.len() > MAX_MAP / 2 {
                return None;
            }
            list_map(&items, new_len)
        } else {
            let mut out: Vec<(String, Rc<str>)> = entries.to_vec();
            let mut put = |k: String, v: Option<Rc<str>>, replace: bool| {
                let at = out.iter().position(|(x, _)| *x == k);
                match (at, v) {
                    (Some(_), _) if !replace => {}
                    (Some(i), Some(v)) => out[i].1 = v,
                    (Some(i), None) => {
                        out.remove(i);
                    }
                    (None, Some(v)) if out.len() < MAX_MAP => out.push((k, v)),
                    _ => {}
                }
            };
            match method {
                "update" => {
                    let mut c = args.walk();
                    let given: Vec<_> = args.named_children(&mut c).take(MAX_MAP).collect();
                    for a in given {
                        match a.kind_name() {
                            "keyword_argument" => {
                                let (Some(k), Some(v)) = (field(a, F::Name), field(a, F::Value))
                                else {
                                    continue;
                                };
                                put(text(k, src).to_string(), name_of(v), true);
                            }
                            "dictionary" => {
                                let mut c = a.walk();
                                let pairs: Vec<_> = a
                                    .named_children(&mut c)
                                    .filter(|p| p.kind_name() == "pair")
                                    .take(MAX_MAP)
                                    .collect();
                                for pair in pairs {
                                    let (Some(k), Some(v)) =
                                        (field(pair, F::Key), field(pair, F::Value))
                                    else {
                                        continue;
                                    };
                                    let mut kf = Fuel::new();
                                    if let Some(k) = self.const_name(k, src, scope, 1, &mut kf) {
                                        put(k, name_of(v), true);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "setdefault" => {
                    let mut kf = Fuel::new();
                    let k = self.const_name(positional(args, 0)?, src, scope, 1, &mut kf)?;
                    put(k, name_of(positional(args, 1)?), false);
                }
                _ => return None,
            }
            Value::Map(Rc::from(out))
        };
        Some((id.to_string(), value))
    }

    /// What an assignment to a subscript or attribute binds: `D['r'] = os.system` makes `D`
    /// a map holding the entry, `builtins.q = os.system` and `globals()['q'] = os.system` bind
    /// `q`. Only a value that is a name (or, for a namespace, any followed value) is kept.
    pub fn store(
        &self,
        target: Node<'_>,
        value: Node<'_>,
        src: &[u8],
        scope: usize,
    ) -> Option<(String, Value)> {
        let mut fuel = Fuel::new();
        let (container, key) = match target.kind_name() {
            "attribute" => (
                field(target, F::Object)?,
                text(field(target, F::Attribute)?, src).to_string(),
            ),
            "subscript" => {
                let k = field(target, F::Subscript)?;
                let key = match index_key(k, src) {
                    Some(i) => i,
                    None => self.const_name(k, src, scope, 0, &mut fuel)?,
                };
                (field(target, F::Value)?, key)
            }
            _ => return None,
        };
        let v = self.eval_at(value, src, scope, 0, &mut fuel)?;
        let namespace =
            |c: &str| matches!(c, "builtins" | "builtins.__dict__" | "globals()" | "vars()");
        if target.kind_name() == "subscript" && container.kind_name() == "identifier" {
            let Value::Name(name) = v else {
                return None;
            };
            let id = text(container, src);
            let mut entries: Vec<(String, Rc<str>)> = match self.scopes_lookup_raw(scope, id) {
                Some(Value::Map(m)) => m.iter().filter(|(k, _)| *k != key).cloned().collect(),
                _ => Vec::new(),
            };
            if entries.len() >= MAX_MAP {
                return None;
            }
            entries.push((key, name));
            return Some((id.to_string(), Value::Map(Rc::from(entries))));
        }
        let (c, _) = self.resolve_at(container, src, scope, 0, &mut fuel)?;
        let c = canonical(&c);
        let scope_of = if target.kind_name() == "attribute" {
            &*c == "builtins"
        } else {
            namespace(&c)
        };
        if scope_of {
            return Some((canonical(&key).into_owned(), v));
        }
        // `c.f = os.system` on an object, class or module this source names: `c.f` reads it
        // back. Only callables that run code, processes or requests are kept: every method
        // assigns attributes.
        match (&v, target.kind_name(), container.kind_name()) {
            (Value::Name(p), "attribute", "identifier") if (self.sticky)(p) => {
                Some((attribute_key(text(container, src), &key), v))
            }
            _ => None,
        }
    }

    /// `setattr(o, 'k', v)` of an object, class or module this source names, as
    /// [`Names::store`] binds `o.k = v`; the key and value to bind.
    pub fn set_attribute(
        &self,
        object: Node<'_>,
        key: &str,
        value: Node<'_>,
        src: &[u8],
        scope: usize,
    ) -> Option<(String, Value)> {
        if object.kind_name() != "identifier" {
            return None;
        }
        match self.eval(value, src, scope)? {
            Value::Name(p) if (self.sticky)(&p) => {
                Some((attribute_key(text(object, src), key), Value::Name(p)))
            }
            _ => None,
        }
    }

    /// Whether `name` is bound in `scope` (or around it) to something other than a module or
    /// callable name: a class, data, a map or something not followed. Its spelling then no
    /// longer stands for the module it names (`os = _FakeOS()`).
    pub fn rebound(&self, scope: usize, name: &str) -> bool {
        self.scopes_lookup_raw(scope, name)
            .is_some_and(|v| !matches!(v, Value::Name(_)))
    }

    /// The binding of `name` including `Opaque` (which hides enclosing scopes).
    fn scopes_lookup_raw(&self, scope: usize, name: &str) -> Option<Value> {
        if !self.maybe_bound(name) {
            return None;
        }
        let mut s = Some(scope);
        while let Some(i) = s {
            let sc = self.scopes.get(i)?;
            if let Some(b) = sc.map.get(name) {
                return Some(b.value.clone());
            }
            s = sc.parent;
        }
        None
    }

    /// `l + r` of two data values.
    pub fn concat(&self, l: &Value, r: &Value) -> Option<Value> {
        match (l, r) {
            (
                Value::Data {
                    bytes: lb,
                    decoded: ld,
                    ..
                },
                Value::Data {
                    bytes: rb,
                    decoded: rd,
                    ..
                },
            ) => {
                let decoded = *ld || *rd;
                let bytes = match (lb, rb) {
                    (Some(a), Some(b)) if a.len() + b.len() <= MAX_VALUE => {
                        if self.alloc(a.len() + b.len()) {
                            let mut v = Vec::with_capacity(a.len() + b.len());
                            v.extend_from_slice(a);
                            v.extend_from_slice(b);
                            Some(Rc::from(v))
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                Some(Value::Data {
                    bytes,
                    decoded,
                    built: true,
                })
            }
            _ => None,
        }
    }

    fn eval_call(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<Value> {
        let f = field(n, F::Function)?;
        let args = field(n, F::Arguments)?;
        // Most calls are none of the ones followed here; tell from the callee's last name
        // (or a binding of it) before building anything.
        let known = |name: &str| {
            super::DECODERS.contains(&name)
                || matches!(
                    name,
                    "loads"
                        | "decode"
                        | "encode"
                        | "strip"
                        | "literal_eval"
                        | "compile"
                        | "bytes"
                        | "bytearray"
                        | "str"
                        | "__import__"
                        | "import_module"
                        | "getattr"
                        | "vars"
                        | "partial"
                        | "partialmethod"
                        | "resolve_name"
                        | "locate"
                        | "load"
                        | "chr"
                        | "join"
                        | "replace"
                        | "format"
                        | "CDLL"
                        | "PyDLL"
                        | "LoadLibrary"
                        | "Session"
                        | "session"
                        | "Client"
                        | "AsyncClient"
                        | "ClientSession"
                        | "HTTPConnection"
                        | "HTTPSConnection"
                        | "PoolManager"
                        | "build_opener"
                        | "SMTP"
                        | "SMTP_SSL"
                        | "FTP"
                        | "socket"
                        | "Curl"
                        | "wrap_socket"
                        | "BytesIO"
                        | "lower"
                        | "casefold"
                        | "upper"
                        | "swapcase"
                        | "translate"
                        | "staticmethod"
                        | "classmethod"
                        | "Trace"
                        | "Bdb"
                        | "Pdb"
                        | "Profile"
                        | "InteractiveInterpreter"
                        | "OpenerDirector"
                        | "Compile"
                        | "CommandCompiler"
                        | "InteractiveConsole"
                        | "Unpickler"
                        | "_Unpickler"
                        | "__getattribute__"
                )
                || PASS_THROUGH.contains(&name)
        };
        match f.kind_name() {
            "attribute" => {
                let last = field(f, F::Attribute).map(|a| text(a, src));
                // A service's constructor reached through its module (`redis.Redis(…)`,
                // `rd.StrictRedis(…)`) is followed like `from redis import Redis; Redis(…)`,
                // whose bound name passes below: the root of the dotted callee, or what it is
                // bound to, decides (py16 note: `r = redis.Redis(…)` then `r.set(…)`).
                if !last.is_some_and(known)
                    && !last.is_some_and(|l| {
                        service_constructor(l) && self.service_root_of(f, src, scope)
                    })
                {
                    return None;
                }
            }
            "identifier" => {
                let id = text(f, src);
                if !known(id) && self.lookup(scope, id).is_none() {
                    return None;
                }
            }
            _ => {}
        }
        if self.special(f, src, scope).is_some() {
            let (name, _) = self.resolve_at(n, src, scope, depth, fuel)?;
            return Some(Value::Name(Rc::from(name)));
        }
        if let Some(name) = self.attribute_getter(f, Some(args), src, scope, depth, fuel) {
            return Some(Value::Name(Rc::from(name)));
        }
        if let Some(name) = self.entry_point_load(f, src, scope, depth, fuel) {
            return Some(Value::Name(Rc::from(name)));
        }
        let positional: Vec<Node<'_>> = {
            let mut c = args.walk();
            let v = args
                .named_children(&mut c)
                .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
                .take(3)
                .collect();
            v
        };
        // Methods of a constant that build code from pieces: `''.join(…)`,
        // `'…'.replace(a, b)`, `'…'.format(…)`.
        if f.kind_name() == "attribute" {
            let method = field(f, F::Attribute).map(|a| text(a, src));
            if matches!(
                method,
                Some(
                    "join"
                        | "replace"
                        | "format"
                        | "lower"
                        | "casefold"
                        | "upper"
                        | "swapcase"
                        | "translate"
                )
            ) {
                let object = field(f, F::Object)?;
                let base = self
                    .eval_at(object, src, scope, depth + 1, fuel)
                    .and_then(|v| v.bytes().map(<[u8]>::to_vec))?;
                let out = match method {
                    Some("join") => {
                        // `''.join(chr(c) for c in …)`: the generator is the argument list.
                        let iterable = if args.kind_name() == "generator_expression" {
                            args
                        } else {
                            *positional.first()?
                        };
                        let parts = self.items(iterable, src, scope, depth + 1, fuel)?;
                        let mut out = Vec::new();
                        for (i, p) in parts.iter().enumerate() {
                            if i > 0 {
                                out.extend_from_slice(&base);
                            }
                            out.extend_from_slice(p);
                            if out.len() > MAX_VALUE {
                                return None;
                            }
                        }
                        out
                    }
                    Some("lower" | "casefold") => base.to_ascii_lowercase(),
                    Some("upper") => base.to_ascii_uppercase(),
                    Some("swapcase") => base
                        .iter()
                        .map(|c| {
                            if c.is_ascii_lowercase() {
                                c.to_ascii_uppercase()
                            } else {
                                c.to_ascii_lowercase()
                            }
                        })
                        .collect(),
                    Some("translate") => {
                        let table =
                            self.translation(*positional.first()?, src, scope, depth + 1, fuel)?;
                        let text = std::str::from_utf8(&base).ok()?;
                        let mut out = String::new();
                        for ch in text.chars() {
                            match table.iter().find(|(k, _)| *k == ch) {
                                Some((_, to)) => out.push_str(to),
                                None => out.push(ch),
                            }
                            if out.len() > MAX_VALUE {
                                return None;
                            }
                        }
                        out.into_bytes()
                    }
                    Some("replace") => {
                        let from = self.piece(*positional.first()?, src, scope, depth + 1, fuel)?;
                        let to = self.piece(*positional.get(1)?, src, scope, depth + 1, fuel)?;
                        replace_all(&base, &from, &to)?
                    }
                    _ => {
                        let mut c = args.walk();
                        let all: Vec<Node<'_>> = args
                            .named_children(&mut c)
                            .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
                            .take(64)
                            .collect();
                        let mut vals = Vec::new();
                        for a in all {
                            vals.push(self.piece(a, src, scope, depth + 1, fuel)?);
                        }
                        brace_format(&base, &vals)?
                    }
                };
                // Whole lines joined by line ends (`'\n'.join(LINES)`) read as they are
                // written; other joins and edits spell code in pieces.
                if method == Some("join") && base.contains(&b'\n') {
                    return Some(self.data(out, false));
                }
                return Some(self.built(out, false));
            }
        }
        // A method of a constant: `'…'.encode()`, `data.decode('utf-8')`, `s.strip()`.
        if f.kind_name() == "attribute" {
            let method = field(f, F::Attribute).map(|a| text(a, src));
            if matches!(method, Some("encode" | "decode" | "strip")) {
                let object = field(f, F::Object)?;
                if let Some(v @ Value::Data { .. }) =
                    self.eval_at(object, src, scope, depth + 1, fuel)
                {
                    if method == Some("strip") {
                        let Value::Data {
                            bytes,
                            decoded,
                            built,
                        } = v
                        else {
                            return None;
                        };
                        let bytes = bytes.map(|b| {
                            let t = b.trim_ascii();
                            Rc::from(t)
                        });
                        return Some(Value::Data {
                            bytes,
                            decoded,
                            built,
                        });
                    }
                    // `b'i\x00m\x00…'.decode('utf-16-le')`: text in a wide encoding, read as
                    // the UTF-8 the rest of the analysis reads (and marked decoded: it hides).
                    if method == Some("decode") {
                        let codec = positional.first().and_then(|a| literal(*a, src)).map(|c| {
                            String::from_utf8_lossy(&c)
                                .to_ascii_lowercase()
                                .replace('_', "-")
                        });
                        if let (Some(codec), Value::Data { bytes: Some(b), .. }) = (codec, &v) {
                            if let Some(text) = wide_text(b, &codec) {
                                return Some(self.data(text.into_bytes(), true));
                            }
                        }
                    }
                    return Some(v);
                }
            }
        }
        let (callee, _) = self.resolve_at(f, src, scope, depth + 1, fuel)?;
        let arg = |i: usize, fuel: &mut Fuel| {
            positional
                .get(i)
                .and_then(|a| self.eval_at(*a, src, scope, depth + 1, fuel))
        };
        match callee.as_str() {
            "chr" => {
                let c = int_expr(*positional.first()?, src, None, 0)?;
                let c = char::from_u32(u32::try_from(c).ok()?)?;
                Some(self.built(c.to_string().into_bytes(), false))
            }
            "bytes" | "bytearray"
                if positional
                    .first()
                    .is_some_and(|a| matches!(a.kind_name(), "list" | "tuple")) =>
            {
                let list = *positional.first()?;
                let mut out = Vec::new();
                let mut c = list.walk();
                for x in list.named_children(&mut c).take(MAX_VALUE) {
                    fuel.take()?;
                    out.push(u8::try_from(int_expr(x, src, None, 0)?).ok()?);
                }
                Some(self.built(out, false))
            }
            // `staticmethod(os.system)` in a class body is still `os.system`.
            "staticmethod" | "classmethod" => match arg(0, fuel)? {
                v @ Value::Name(_) => Some(v),
                _ => None,
            },
            // `ctypes.CDLL(None)`: the C library, whose `system` runs a shell. Network clients:
            // `s = requests.Session()` makes `s.post` the name `requests.Session().post`.
            // Objects whose methods run code (`t = trace.Trace()` makes `t.run` the name
            // `trace.Trace().run`), or unpickle (`pickle.Unpickler(f).load`).
            "trace.Trace"
            | "bdb.Bdb"
            | "pdb.Pdb"
            | "cProfile.Profile"
            | "profile.Profile"
            | "code.InteractiveInterpreter"
            | "code.InteractiveConsole"
            | "pickle.Unpickler"
            | "pickle._Unpickler"
            | "_pickle.Unpickler"
            | "dill.Unpickler"
            | "ctypes.CDLL"
            | "ctypes.PyDLL"
            | "ctypes.cdll.LoadLibrary"
            | "ctypes.CDLL.LoadLibrary"
            | "requests.Session"
            | "requests.session"
            | "httpx.Client"
            | "httpx.AsyncClient"
            | "aiohttp.ClientSession"
            | "http.client.HTTPConnection"
            | "http.client.HTTPSConnection"
            | "urllib3.PoolManager"
            | "urllib.request.build_opener"
            | "urllib.request.OpenerDirector"
            | "codeop.Compile"
            | "codeop.CommandCompiler"
            | "smtplib.SMTP"
            | "smtplib.SMTP_SSL"
            | "ftplib.FTP"
            | "socket.socket"
            | "pycurl.Curl"
            | "ssl.wrap_socket" => Some(Value::Name(Rc::from(format!("{callee}()")))),
            // Clients of the message queues, stores and services whose calls carry data to
            // another host (`c = mqtt.Client()` then `c.publish(…)`, `s =
            // zmq.Context().socket(zmq.PUSH)` then `s.send_string(…)`, tester t18 c01, c07):
            // the calls are judged by `sends_through_a_service`.
            c if c.len() <= 128 && service_client(c) => {
                Some(Value::Name(Rc::from(format!("{callee}()"))))
            }
            // `ssl.create_default_context().wrap_socket(sock)`: a TLS socket.
            c if c.ends_with(".wrap_socket") && c.len() <= 128 => {
                Some(Value::Name(Rc::from(format!("{callee}()"))))
            }
            // `io.BytesIO(data)` reads as its data (`pickle.load(io.BytesIO(b'…'))`).
            "io.BytesIO" => match arg(0, fuel)? {
                v @ Value::Data { .. } => Some(v),
                _ => None,
            },
            "compile" | "bytes" | "bytearray" | "str" => match arg(0, fuel)? {
                v @ Value::Data { .. } => Some(v),
                _ => None,
            },
            "codecs.encode" => {
                // `codecs.encode(s, 'rot13')` decodes as well as it encodes.
                let enc = self.codec_arg(args, &positional, src, scope, depth, fuel)?;
                if !is_rot13(&enc) {
                    return None;
                }
                let input = arg(0, fuel)?;
                let bytes = input.bytes().map(rot13);
                Some(match bytes {
                    Some(b) => self.data(b, true),
                    None => Value::Data {
                        bytes: None,
                        decoded: true,
                        built: false,
                    },
                })
            }
            // `ast.literal_eval("b'…'")`: a literal written inside a constant is that
            // literal's value, decoded as `bytes.fromhex` decodes (tester t18 lit01). A value
            // not known here is left alone: `literal_eval(line)` parses configs everywhere.
            "ast.literal_eval" => {
                let b = python_literal(arg(0, fuel)?.bytes()?)?;
                Some(self.data(b, true))
            }
            name if super::is_decoder(name) => {
                let input = arg(0, fuel);
                let codec = if name == "codecs.decode" {
                    self.codec_arg(args, &positional, src, scope, depth, fuel)
                } else {
                    None
                };
                let out = input
                    .as_ref()
                    .and_then(Value::bytes)
                    .and_then(|b| decode(name, codec.as_deref(), b));
                Some(match out {
                    Some(b) => self.data(b, true),
                    None => Value::Data {
                        bytes: None,
                        decoded: true,
                        built: false,
                    },
                })
            }
            _ => None,
        }
    }

    /// The table of `str.translate`: a dict display from code points (`ord('j')`, `106`) to
    /// strings, code points or `None`, or `str.maketrans('jb', 'ip')`. At most [`MAX_MAP`]
    /// entries.
    fn translation(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<Vec<(char, String)>> {
        let code_point = |x: Node<'_>| -> Option<char> {
            if let Some(i) = int_expr(x, src, None, 0) {
                return char::from_u32(u32::try_from(i).ok()?);
            }
            // `ord('j')`.
            let f = field(x, F::Function)?;
            if x.kind_name() != "call" || text(f, src) != "ord" {
                return None;
            }
            let s = literal(positional(field(x, F::Arguments)?, 0)?, src)?;
            let s = String::from_utf8(s).ok()?;
            let mut cs = s.chars();
            let c = cs.next()?;
            cs.next().is_none().then_some(c)
        };
        let mut out = Vec::new();
        match n.kind_name() {
            "dictionary" => {
                let mut c = n.walk();
                let pairs: Vec<Node<'_>> = n
                    .named_children(&mut c)
                    .filter(|p| p.kind_name() == "pair")
                    .take(MAX_MAP + 1)
                    .collect();
                if pairs.len() > MAX_MAP {
                    return None;
                }
                for pair in pairs {
                    fuel.take()?;
                    let from = code_point(pair.named_child(0)?)?;
                    let v = pair.named_child(1)?;
                    let to = match v.kind_name() {
                        "none" => String::new(),
                        "integer" => code_point(v)?.to_string(),
                        _ => String::from_utf8(
                            self.eval_at(v, src, scope, depth + 1, fuel)?
                                .bytes()?
                                .to_vec(),
                        )
                        .ok()?,
                    };
                    out.push((from, to));
                }
            }
            "call" => {
                let f = field(n, F::Function)?;
                if !matches!(
                    text(f, src),
                    "str.maketrans" | "''.maketrans" | "\"\".maketrans"
                ) {
                    return None;
                }
                let args = field(n, F::Arguments)?;
                let arg = |i: usize, fuel: &mut Fuel| -> Option<String> {
                    let v = self.eval_at(positional(args, i)?, src, scope, depth + 1, fuel)?;
                    String::from_utf8(v.bytes()?.to_vec()).ok()
                };
                let (a, b) = (arg(0, fuel)?, arg(1, fuel)?);
                if a.chars().count() != b.chars().count() || a.chars().count() > MAX_MAP {
                    return None;
                }
                out.extend(a.chars().zip(b.chars().map(String::from)));
                if let Some(d) = positional(args, 2) {
                    let v = self.eval_at(d, src, scope, depth + 1, fuel)?;
                    let d = String::from_utf8(v.bytes()?.to_vec()).ok()?;
                    out.extend(d.chars().take(MAX_MAP).map(|c| (c, String::new())));
                }
            }
            _ => return None,
        }
        Some(out)
    }

    /// The bytes of a piece of built code: a constant, or an integer written as `%d` would.
    fn piece(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<Vec<u8>> {
        if let Some(i) = int_expr(n, src, None, 0) {
            return Some(i.to_string().into_bytes());
        }
        self.eval_at(n, src, scope, depth, fuel)?
            .bytes()
            .map(<[u8]>::to_vec)
    }

    /// The constant items of an iterable that builds code: a list or tuple of constants,
    /// `chr(…)` of each integer of a list (`chr(c) for c in [105, …]`, `map(chr, […])`),
    /// a string's characters. `None` when any item is not constant.
    fn items(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<Vec<Vec<u8>>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut out = Vec::new();
        let mut size = 0usize;
        let mut push = |b: Vec<u8>, out: &mut Vec<Vec<u8>>| {
            size += b.len();
            out.push(b);
            size <= MAX_VALUE && out.len() <= MAX_PARTS
        };
        match n.kind_name() {
            "list" | "tuple" => {
                let mut c = n.walk();
                let xs: Vec<Node<'_>> = n.named_children(&mut c).take(MAX_PARTS + 1).collect();
                for x in xs {
                    fuel.take()?;
                    if !push(self.piece(x, src, scope, depth + 1, fuel)?, &mut out) {
                        return None;
                    }
                }
            }
            "generator_expression" | "list_comprehension" => {
                // One `for v in [ints]` clause, the body an expression of `v`.
                let body = n.named_child(0)?;
                let clause = n.named_child(1)?;
                if clause.kind_name() != "for_in_clause" || n.named_child_count() != 2 {
                    return None;
                }
                let var = field(clause, F::Left)?;
                let list = field(clause, F::Right)?;
                if var.kind_name() != "identifier" || !matches!(list.kind_name(), "list" | "tuple")
                {
                    return None;
                }
                let var = text(var, src);
                // `x for x in [...]`: the items themselves.
                if body.kind_name() == "identifier" && text(body, src) == var {
                    return self.items(list, src, scope, depth + 1, fuel);
                }
                let mut c = list.walk();
                let xs: Vec<Node<'_>> = list.named_children(&mut c).take(MAX_PARTS + 1).collect();
                for x in xs {
                    fuel.take()?;
                    let v = int_expr(x, src, None, 0)?;
                    let b = char_expr(body, src, (var, v))?;
                    if !push(b, &mut out) {
                        return None;
                    }
                }
            }
            "call" => {
                // `map(chr, [ints])`.
                let f = field(n, F::Function)?;
                let args = field(n, F::Arguments)?;
                // `reversed('metsys')`: the characters from the end.
                if text(f, src) == "reversed" && self.lookup(scope, "reversed").is_none() {
                    let mut items =
                        self.items(args.named_child(0)?, src, scope, depth + 1, fuel)?;
                    items.reverse();
                    return Some(items);
                }
                if text(f, src) != "map" {
                    return self
                        .eval_at(n, src, scope, depth + 1, fuel)?
                        .bytes()
                        .map(|b| b.iter().map(|c| vec![*c]).collect());
                }
                let (Some(g), Some(list)) = (args.named_child(0), args.named_child(1)) else {
                    return None;
                };
                if text(g, src) != "chr" || !matches!(list.kind_name(), "list" | "tuple") {
                    return None;
                }
                let mut c = list.walk();
                let xs: Vec<Node<'_>> = list.named_children(&mut c).take(MAX_PARTS + 1).collect();
                for x in xs {
                    fuel.take()?;
                    let v = u32::try_from(int_expr(x, src, None, 0)?).ok()?;
                    if !push(char::from_u32(v)?.to_string().into_bytes(), &mut out) {
                        return None;
                    }
                }
            }
            _ => {
                // A name bound to a display of strings: its items; a string: its characters.
                let v = self.eval_at(n, src, scope, depth + 1, fuel)?;
                if let Value::Seq(items) = &v {
                    for b in items.iter() {
                        if !push(b.to_vec(), &mut out) {
                            return None;
                        }
                    }
                    return Some(out);
                }
                let s = String::from_utf8(v.bytes()?.to_vec()).ok()?;
                for ch in s.chars() {
                    if !push(ch.to_string().into_bytes(), &mut out) {
                        return None;
                    }
                }
            }
        }
        Some(out)
    }

    /// An f-string whose replacement fields are constants (`f'import {m}'` after `m = 'os'`).
    fn fstring(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<Value> {
        let mut out = Vec::new();
        let mut raw = false;
        let mut c = n.walk();
        let parts: Vec<Node<'_>> = n.named_children(&mut c).take(MAX_PARTS).collect();
        for ch in parts {
            fuel.take()?;
            match ch.kind_name() {
                "string_start" => raw = text(ch, src).contains(['r', 'R']),
                "string_content" => {
                    let t = text(ch, src);
                    if raw {
                        out.extend_from_slice(t.as_bytes());
                    } else {
                        unescape_lenient(t.as_bytes(), false, &mut out);
                    }
                }
                "interpolation" => {
                    let e = ch.named_child(0)?;
                    // A conversion or format spec changes the text: not followed.
                    if ch.named_child_count() > 1 {
                        return None;
                    }
                    out.extend(self.piece(e, src, scope, depth + 1, fuel)?);
                }
                _ => {}
            }
            if out.len() > MAX_VALUE {
                return None;
            }
        }
        Some(self.built(out, false))
    }

    /// The constant pieces of a string built from pieces that do not all fold (`CODE +
    /// str()`, `'…%s…' % x`, `f'…{x}…'`, `'…{}'.format(*a)`, `''.join([CODE, x])`, a name
    /// built so with `+=`, looked up in `named`): the pieces in order with each unknown part
    /// left out, and whether any part was unknown. What the analyser hands a code runner is
    /// then judged by the code it can read ([`Names::partial`]). Bounded: [`MAX_DEPTH`],
    /// [`MAX_VALUE`] bytes and [`MAX_PARTS`] parts, each part folded with its own fuel.
    pub fn pieces(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        named: &dyn Fn(&str) -> Option<Rc<[u8]>>,
    ) -> (Vec<u8>, bool) {
        let mut p = Pieces {
            out: Vec::new(),
            holes: false,
            parts: 0,
        };
        self.pieces_at(n, src, scope, named, 0, &mut p);
        (p.out, p.holes)
    }

    /// [`Names::pieces`] of a string that does not fold as a whole, when some of it does:
    /// `None` for a constant, or for a value with no constant text but whitespace.
    pub fn partial(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        named: &dyn Fn(&str) -> Option<Rc<[u8]>>,
    ) -> Option<Vec<u8>> {
        let (out, holes) = self.pieces(n, src, scope, named);
        (holes && !out.iter().all(u8::is_ascii_whitespace)).then_some(out)
    }

    /// The pieces of a formatting template (`'…%s…' % x`, `'…{}…'.format(…)`): its own
    /// pieces with its fields left out by `holes`, which are holes of the result.
    #[allow(clippy::too_many_arguments)]
    fn template_pieces(
        &self,
        template: Node<'_>,
        src: &[u8],
        scope: usize,
        named: &dyn Fn(&str) -> Option<Rc<[u8]>>,
        depth: u32,
        p: &mut Pieces,
        holes: fn(&[u8]) -> Vec<u8>,
    ) {
        let mut fmt = Pieces {
            out: Vec::new(),
            holes: false,
            parts: p.parts,
        };
        self.pieces_at(template, src, scope, named, depth + 1, &mut fmt);
        p.parts = fmt.parts;
        p.out.extend(holes(&fmt.out));
        p.holes = true;
    }

    fn pieces_at(
        &self,
        n: Node<'_>,
        src: &[u8],
        scope: usize,
        named: &dyn Fn(&str) -> Option<Rc<[u8]>>,
        depth: u32,
        p: &mut Pieces,
    ) {
        p.parts += 1;
        if depth > MAX_DEPTH || p.parts > MAX_PARTS || p.out.len() > MAX_VALUE {
            p.holes = true;
            return;
        }
        let mut fuel = Fuel::new();
        if let Some(b) = self
            .eval_at(n, src, scope, 0, &mut fuel)
            .as_ref()
            .and_then(Value::bytes)
        {
            p.out.extend_from_slice(b);
            return;
        }
        match n.kind_name() {
            "parenthesized_expression" => match n.named_child(0) {
                Some(c) => self.pieces_at(c, src, scope, named, depth + 1, p),
                None => p.holes = true,
            },
            "binary_operator" => {
                let op = field(n, F::Operator).map(|o| text(o, src));
                let (Some(l), Some(r)) = (field(n, F::Left), field(n, F::Right)) else {
                    p.holes = true;
                    return;
                };
                match op {
                    Some("+") => {
                        // A long chain nests to the left: its operands in a loop, as `eval`.
                        let mut operands = Vec::new();
                        let mut todo = vec![r, l];
                        while let Some(cur) = todo.pop() {
                            let plus = cur.kind_name() == "binary_operator"
                                && field(cur, F::Operator).map(|o| text(o, src)) == Some("+");
                            match (field(cur, F::Left), field(cur, F::Right)) {
                                (Some(a), Some(b)) if plus && operands.len() < MAX_PARTS => {
                                    todo.push(b);
                                    todo.push(a);
                                }
                                _ => operands.push(cur),
                            }
                        }
                        for x in operands {
                            self.pieces_at(x, src, scope, named, depth + 1, p);
                        }
                    }
                    // `'…%s…' % x`: the template with its conversions unknown.
                    Some("%") => {
                        self.template_pieces(l, src, scope, named, depth, p, percent_holes)
                    }
                    _ => p.holes = true,
                }
            }
            "concatenated_string" => {
                let mut c = n.walk();
                let parts: Vec<Node<'_>> = n.named_children(&mut c).take(MAX_PARTS).collect();
                for x in parts {
                    self.pieces_at(x, src, scope, named, depth + 1, p);
                }
            }
            // An f-string: its text, and the replacement fields that fold.
            "string" => {
                let mut raw = false;
                let mut c = n.walk();
                let parts: Vec<Node<'_>> = n.named_children(&mut c).take(MAX_PARTS).collect();
                for ch in parts {
                    match ch.kind_name() {
                        "string_start" => raw = text(ch, src).contains(['r', 'R']),
                        "string_content" if raw => {
                            p.out.extend_from_slice(text(ch, src).as_bytes())
                        }
                        "string_content" => {
                            unescape_lenient(text(ch, src).as_bytes(), false, &mut p.out)
                        }
                        "interpolation" => {
                            let mut fuel = Fuel::new();
                            match ch
                                .named_child(0)
                                .filter(|_| ch.named_child_count() == 1)
                                .and_then(|e| self.piece(e, src, scope, 0, &mut fuel))
                            {
                                Some(b) => p.out.extend(b),
                                None => p.holes = true,
                            }
                        }
                        _ => {}
                    }
                }
            }
            "call" => match field(n, F::Function)
                .filter(|f| f.kind_name() == "attribute")
                .and_then(|f| Some((field(f, F::Object)?, text(field(f, F::Attribute)?, src))))
            {
                // `'…{}…'.format(*a)`: the template with its fields unknown.
                Some((object, "format")) => {
                    self.template_pieces(object, src, scope, named, depth, p, brace_holes)
                }
                // `''.join([CODE, x])`: the items of a display, the separator between them.
                Some((object, "join")) => {
                    let mut fuel = Fuel::new();
                    let sep = self
                        .eval_at(object, src, scope, 0, &mut fuel)
                        .and_then(|v| v.bytes().map(<[u8]>::to_vec));
                    let items = field(n, F::Arguments)
                        .and_then(|a| positional(a, 0))
                        .filter(|i| matches!(i.kind_name(), "list" | "tuple"));
                    p.holes = true;
                    let (Some(sep), Some(items)) = (sep, items) else {
                        return;
                    };
                    let mut c = items.walk();
                    let items: Vec<Node<'_>> =
                        items.named_children(&mut c).take(MAX_PARTS).collect();
                    for (i, x) in items.into_iter().enumerate() {
                        if i > 0 {
                            p.out.extend_from_slice(&sep);
                        }
                        self.pieces_at(x, src, scope, named, depth + 1, p);
                    }
                }
                _ => p.holes = true,
            },
            // `c = CODE; c += x`: what the analyser kept of a name built so.
            "identifier" => {
                if let Some(b) = named(text(n, src)) {
                    p.out.extend_from_slice(&b);
                }
                p.holes = true;
            }
            _ => p.holes = true,
        }
    }

    /// What `operator.methodcaller('name', …)(obj)` calls: `obj.name`, with `call` the inner
    /// call and `outer` the arguments handed to its result.
    pub fn methodcaller(
        &self,
        call: Node<'_>,
        outer: Node<'_>,
        src: &[u8],
        scope: usize,
    ) -> Option<String> {
        let mut fuel = Fuel::new();
        let f = field(call, F::Function)?;
        let (callee, _) = self.resolve_at(f, src, scope, 0, &mut fuel)?;
        if callee != "operator.methodcaller" {
            return None;
        }
        let method = self.const_name(
            field(call, F::Arguments)?.named_child(0)?,
            src,
            scope,
            1,
            &mut fuel,
        )?;
        let (object, _) = self.resolve_at(outer.named_child(0)?, src, scope, 1, &mut fuel)?;
        Some(format!("{object}.{method}"))
    }

    /// The codec of `codecs.decode(obj, encoding)` / `codecs.encode`: the second positional
    /// argument or `encoding=`; `utf-8` when absent.
    fn codec_arg(
        &self,
        args: Node<'_>,
        positional: &[Node<'_>],
        src: &[u8],
        scope: usize,
        depth: u32,
        fuel: &mut Fuel,
    ) -> Option<String> {
        let node = positional
            .get(1)
            .copied()
            .or_else(|| super::keyword(args, src, "encoding"));
        let Some(node) = node else {
            return Some("utf-8".into());
        };
        let v = self.eval_at(node, src, scope, depth + 1, fuel)?;
        let b = v.bytes()?;
        (b.len() <= 32).then(|| {
            String::from_utf8_lossy(b)
                .to_ascii_lowercase()
                .replace('-', "_")
        })
    }

    /// Bind the names an import statement binds.
    pub fn bind_import(&mut self, n: Node<'_>, src: &[u8], scope: usize, line: usize) {
        match n.kind_name() {
            "import_statement" => {
                let mut c = n.walk();
                let names: Vec<Node<'_>> = n.children_by_field_name("name", &mut c).collect();
                for name in names {
                    match name.kind_name() {
                        // `import a.b.c` binds `a`.
                        "dotted_name" => {
                            let full = text(name, src);
                            let first = full.split('.').next().unwrap_or(full).trim();
                            self.bind(scope, first, Value::Name(Rc::from(first)), line);
                        }
                        "aliased_import" => {
                            if let (Some(m), Some(a)) =
                                (field(name, F::Name), field(name, F::Alias))
                            {
                                let module = dotted_text(m, src);
                                self.bind(scope, text(a, src), Value::Name(Rc::from(module)), line);
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = field(n, F::ModuleName) else {
                    return;
                };
                let module = dotted_text(module, src);
                let mut c = n.walk();
                let names: Vec<Node<'_>> = n.children_by_field_name("name", &mut c).collect();
                for name in &names {
                    let (orig, alias) = match name.kind_name() {
                        "dotted_name" => (dotted_text(*name, src), dotted_text(*name, src)),
                        "aliased_import" => match (field(*name, F::Name), field(*name, F::Alias)) {
                            (Some(m), Some(a)) => (dotted_text(m, src), text(a, src).to_string()),
                            _ => continue,
                        },
                        _ => continue,
                    };
                    let full = join(&module, &orig);
                    self.bind(
                        scope,
                        &alias,
                        Value::Name(Rc::from(&*canonical(&full))),
                        line,
                    );
                }
                // `from os import *`: the names that matter here.
                let mut c = n.walk();
                if n.named_children(&mut c)
                    .any(|x| x.kind_name() == "wildcard_import")
                {
                    for name in wildcard(&module) {
                        let full = join(&module, name);
                        self.bind(scope, name, Value::Name(Rc::from(&*canonical(&full))), line);
                    }
                }
            }
            _ => {}
        }
    }

    /// The identifiers a binding target names (`x`, `a, b`, `(a, [b, *c])`), at most
    /// [`MAX_PARTS`]; attribute and subscript targets bind no name.
    pub fn target_names(n: Node<'_>) -> Vec<Node<'_>> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            if out.len() >= MAX_PARTS {
                break;
            }
            match x.kind_name() {
                "identifier" => out.push(x),
                // `with … as f`: the target is the aliased identifier itself.
                "as_pattern_target" if x.named_child_count() == 0 => out.push(x),
                "pattern_list"
                | "tuple_pattern"
                | "list_pattern"
                | "tuple"
                | "list"
                | "expression_list"
                | "list_splat_pattern"
                | "parenthesized_expression"
                | "list_splat"
                | "as_pattern_target" => {
                    let mut c = x.walk();
                    let children: Vec<_> = x.named_children(&mut c).collect();
                    stack.extend(children.into_iter().rev());
                }
                _ => {}
            }
        }
        out
    }
}

/// An empty list (its length under [`LEN`]) or dict.
/// The table's key for the attribute `attr` of the object named `object` (`c.f`): no
/// identifier has a dot, so it names no variable.
fn attribute_key(object: &str, attr: &str) -> String {
    format!("{object}.{attr}")
}

fn empty_container(list: bool) -> Value {
    let entries: Vec<(String, Rc<str>)> = if list {
        vec![(LEN.to_string(), Rc::from("0"))]
    } else {
        Vec::new()
    };
    Value::Map(Rc::from(entries))
}

/// A list's [`Value::Map`]: each item by its index and, when the length is known, by its
/// negative index too, and the length under [`LEN`].
fn list_map(items: &[(usize, Rc<str>)], len: Option<usize>) -> Value {
    let mut out = Vec::new();
    for (i, name) in items {
        out.push((i.to_string(), name.clone()));
        if let Some(len) = len {
            out.push(((*i as i64 - len as i64).to_string(), name.clone()));
        }
    }
    if let Some(len) = len {
        out.push((LEN.to_string(), Rc::from(len.to_string())));
    }
    Value::Map(Rc::from(out))
}

/// `module.name`, for a relative module (`.`, `..pkg`) without doubling the dot.
/// The index of a subscript written as an integer literal (`L[1]`, `L[-1]`), as the key of an
/// indexed [`Value::Map`].
fn index_key(n: Node<'_>, src: &[u8]) -> Option<String> {
    let t = text(n, src);
    let digits = t.strip_prefix('-').unwrap_or(t).trim();
    if !matches!(n.kind_name(), "integer" | "unary_operator")
        || digits.is_empty()
        || digits.len() > 4
        || !digits.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let i: i64 = digits.parse().ok()?;
    Some(if t.starts_with('-') { -i } else { i }.to_string())
}

fn join(module: &str, name: &str) -> String {
    if module.ends_with('.') {
        format!("{module}{name}")
    } else {
        format!("{module}.{name}")
    }
}

/// A dotted name's text without the spaces Python allows around its dots.
fn dotted_text(n: Node<'_>, src: &[u8]) -> String {
    text(n, src)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Names a wildcard import of `module` binds that the rules care about.
fn wildcard(module: &str) -> &'static [&'static str] {
    match module {
        "os" => &[
            "system",
            "popen",
            "execv",
            "execve",
            "execl",
            "execvp",
            "spawnl",
            "spawnv",
            "spawnve",
            "spawnlp",
            "posix_spawn",
        ],
        "subprocess" => &[
            "Popen",
            "call",
            "run",
            "check_call",
            "check_output",
            "getoutput",
            "getstatusoutput",
        ],
        "builtins" | "__builtin__" => &["exec", "eval", "compile", "getattr", "__import__"],
        "importlib" => &["import_module"],
        "urllib.request" => &["urlopen", "urlretrieve", "Request"],
        "requests" => &["get", "post", "put", "patch", "request", "Session"],
        _ => &[],
    }
}

/// The value of one Python string or bytes literal written as text (`b'…'`, `"…"`, `r'…'`,
/// triple quotes), as `ast.literal_eval` gives it, with the common escapes undone (newline,
/// tab, carriage return, NUL, `x` hex pairs, quotes, backslash). `None` for anything else (a
/// number, a container, an expression), which no code is hidden in.
fn python_literal(text: &[u8]) -> Option<Vec<u8>> {
    let t = std::str::from_utf8(text).ok()?.trim();
    let quote_at = t.find(['\'', '"'])?;
    let prefix = t[..quote_at].to_ascii_lowercase();
    if prefix.len() > 2 || !prefix.chars().all(|c| matches!(c, 'b' | 'r' | 'u')) {
        return None;
    }
    let rest = &t[quote_at..];
    let q = if rest.starts_with("\"\"\"") || rest.starts_with("\'\'\'") {
        &rest[..3]
    } else {
        &rest[..1]
    };
    let body = rest.strip_prefix(q)?.strip_suffix(q)?;
    if prefix.contains('r') {
        return Some(body.as_bytes().to_vec());
    }
    let mut out = Vec::with_capacity(body.len());
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'0' => out.push(0),
            b'\n' => {}
            b'x' if i + 2 <= b.len() => {
                let h = std::str::from_utf8(&b[i..i + 2]).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            b'\\' | b'\'' | b'"' => out.push(c),
            _ => {
                out.push(b'\\');
                out.push(c);
            }
        }
    }
    Some(out)
}

fn is_rot13(codec: &str) -> bool {
    matches!(codec, "rot13" | "rot_13")
}

fn rot13(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| match c {
            b'a'..=b'z' => (c - b'a' + 13) % 26 + b'a',
            b'A'..=b'Z' => (c - b'A' + 13) % 26 + b'A',
            _ => c,
        })
        .collect()
}

/// Apply decoder `name` (with `codecs.decode`'s codec) to `input`; `None` when it is not one
/// computed here or the input does not decode. Output is cut at [`MAX_VALUE`].
fn decode(name: &str, codec: Option<&str>, input: &[u8]) -> Option<Vec<u8>> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let module = name.rsplit_once('.').map_or("", |(m, _)| m);
    match (name, last) {
        ("codecs.decode", _) => match codec? {
            c if is_rot13(c) => Some(rot13(input)),
            "base64" | "base_64" | "base64_codec" => base64_decode(input, false),
            "hex" | "hex_codec" => hex_decode(input),
            "zlib" | "zip" | "zlib_codec" => inflate(input),
            "bz2" | "bz2_codec" => bunzip(input),
            "utf8" | "utf_8" | "ascii" | "latin_1" | "latin1" => Some(input.to_vec()),
            _ => None,
        },
        (_, "b64decode" | "standard_b64decode" | "decodebytes" | "decodestring") => {
            base64_decode(input, false)
        }
        (_, "urlsafe_b64decode") => base64_decode(input, true),
        (_, "b32decode") => base32_decode(input),
        (_, "b16decode" | "unhexlify" | "fromhex") => hex_decode(input),
        (_, "decompress") => match module {
            "zlib" | "gzip" => inflate(input),
            "bz2" => bunzip(input),
            "lzma" => unxz(input),
            _ => None,
        },
        _ => None,
    }
}

/// Base64 as Python's non-validating `b64decode`: characters outside the alphabet are
/// skipped, padding is optional.
fn base64_decode(input: &[u8], urlsafe: bool) -> Option<Vec<u8>> {
    let clean: Vec<u8> = input
        .iter()
        .map(|&c| match (urlsafe, c) {
            (true, b'-') => b'+',
            (true, b'_') => b'/',
            _ => c,
        })
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(&clean).ok()
}

fn base32_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 5 / 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn hex_decode(input: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = input
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| {
            let h = (p[0] as char).to_digit(16)?;
            let l = (p[1] as char).to_digit(16)?;
            Some((h * 16 + l) as u8)
        })
        .collect()
}

/// At most [`MAX_VALUE`] bytes of a decompressor's output (a prefix of a bomb is still code).
fn bounded(r: impl Read) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match r.take(MAX_VALUE as u64).read_to_end(&mut out) {
        Ok(_) => Some(out),
        Err(_) if !out.is_empty() => Some(out),
        Err(_) => None,
    }
}

/// zlib, gzip or raw deflate, as `zlib.decompress` with its `wbits` would read them.
fn inflate(input: &[u8]) -> Option<Vec<u8>> {
    if input.starts_with(&[0x1f, 0x8b]) {
        return bounded(flate2::read::MultiGzDecoder::new(input));
    }
    bounded(flate2::read::ZlibDecoder::new(input))
        .or_else(|| bounded(flate2::read::DeflateDecoder::new(input)))
}

fn bunzip(input: &[u8]) -> Option<Vec<u8>> {
    bounded(bzip2::read::BzDecoder::new(input))
}

fn unxz(input: &[u8]) -> Option<Vec<u8>> {
    // 64 MiB of decoder state at most: a header may claim a 4 GiB dictionary.
    const MEM_LIMIT_KIB: u32 = 64 * 1024;
    let mut out = Vec::new();
    let read = |r: &mut dyn Read, out: &mut Vec<u8>| {
        let ok = std::io::copy(r, &mut Cap(out)).is_ok();
        ok || !out.is_empty()
    };
    let ok = if input.starts_with(b"\xfd7zXZ") {
        let mut r = lzma_rust2::XzReader::new_mem_limit(input, true, MEM_LIMIT_KIB);
        read(&mut r, &mut out)
    } else {
        match lzma_rust2::LzmaReader::new_mem_limit(input, MEM_LIMIT_KIB, None) {
            Ok(mut r) => read(&mut r, &mut out),
            Err(_) => false,
        }
    };
    ok.then_some(out)
}

/// A writer that takes at most [`MAX_VALUE`] bytes and then fails, stopping the decoder.
struct Cap<'a>(&'a mut Vec<u8>);

impl std::io::Write for Cap<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = MAX_VALUE.saturating_sub(self.0.len());
        if room == 0 {
            return Err(std::io::Error::other("value bound"));
        }
        let n = buf.len().min(room);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes of a string literal with its escapes undone (`\x69`, `\n`, `\u0069`, octal);
/// `None` for an f-string with interpolations or a literal over [`MAX_VALUE`].
pub fn literal(n: Node<'_>, src: &[u8]) -> Option<Vec<u8>> {
    if n.kind_name() != "string" {
        return None;
    }
    let mut out = Vec::new();
    let mut prefix = "";
    let mut c = n.walk();
    for ch in n.named_children(&mut c) {
        match ch.kind_name() {
            "string_start" => {
                let t = text(ch, src);
                prefix = &t[..t.find(['\'', '"']).unwrap_or(t.len())];
            }
            "string_content" => {
                let raw = text(ch, src);
                if raw.len() + out.len() > MAX_VALUE {
                    return None;
                }
                if prefix.contains(['r', 'R']) {
                    out.extend_from_slice(raw.as_bytes());
                } else {
                    unescape_lenient(raw.as_bytes(), prefix.contains(['b', 'B']), &mut out);
                }
            }
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(out)
}

/// `bytes` decoded from UTF-16 or UTF-32 (`codec` as Python spells it, lower case with `-`:
/// `utf-16-le`, `utf-16`, `utf-32-be` …; a bare `utf-16`/`utf-32` reads a byte order mark
/// and defaults to little endian); `None` for other codecs or bytes that do not decode.
fn wide_text(bytes: &[u8], codec: &str) -> Option<String> {
    let codec = codec
        .strip_prefix("utf-")
        .or_else(|| codec.strip_prefix("utf"))?;
    let (width, rest) = match codec {
        c if c.starts_with("16") => (2, &c[2..]),
        c if c.starts_with("32") => (4, &c[2..]),
        _ => return None,
    };
    let (mut be, mut body) = (false, bytes);
    match rest {
        "-le" | "le" => {}
        "-be" | "be" => be = true,
        "" => {
            let bom_be: &[u8] = if width == 2 {
                b"\xfe\xff"
            } else {
                b"\x00\x00\xfe\xff"
            };
            let bom_le: &[u8] = if width == 2 {
                b"\xff\xfe"
            } else {
                b"\xff\xfe\x00\x00"
            };
            if let Some(r) = body.strip_prefix(bom_be) {
                (be, body) = (true, r);
            } else if let Some(r) = body.strip_prefix(bom_le) {
                body = r;
            }
        }
        _ => return None,
    }
    if body.len() % width != 0 {
        return None;
    }
    if width == 2 {
        let units = body.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
    } else {
        body.chunks_exact(4)
            .map(|c| {
                let u = if be {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(u)
            })
            .collect()
    }
}

/// Most nested operations an integer expression may have.
const MAX_INT_DEPTH: u32 = 32;

/// The value of an integer expression: literals (decimal, hex, octal, binary, with `_`),
/// `var` bound to a value, unary `-`/`+`/`~`, and `+ - * // % ^ & | << >>`. `None` for
/// anything else or on overflow.
fn int_expr(n: Node<'_>, src: &[u8], var: Option<(&str, i64)>, depth: u32) -> Option<i64> {
    if depth > MAX_INT_DEPTH {
        return None;
    }
    match n.kind_name() {
        "integer" => {
            let i = crate::formats::pyliteral::py_int(text(n, src), 0)?;
            i64::from_str_radix(&i.digits, i.radix).ok()
        }
        "identifier" => var.filter(|(v, _)| *v == text(n, src)).map(|(_, x)| x),
        "parenthesized_expression" => int_expr(n.named_child(0)?, src, var, depth + 1),
        "unary_operator" => {
            let x = int_expr(n.named_child(0)?, src, var, depth + 1)?;
            match text(n, src).trim_start().chars().next()? {
                '-' => x.checked_neg(),
                '+' => Some(x),
                '~' => Some(!x),
                _ => None,
            }
        }
        "binary_operator" => {
            let l = int_expr(field(n, F::Left)?, src, var, depth + 1)?;
            let r = int_expr(field(n, F::Right)?, src, var, depth + 1)?;
            match text(field(n, F::Operator)?, src) {
                "+" => l.checked_add(r),
                "-" => l.checked_sub(r),
                "*" => l.checked_mul(r),
                "//" => l.checked_div_euclid(r),
                "%" => l.checked_rem_euclid(r),
                "^" => Some(l ^ r),
                "&" => Some(l & r),
                "|" => Some(l | r),
                "<<" => u32::try_from(r).ok().and_then(|r| l.checked_shl(r)),
                ">>" => u32::try_from(r).ok().and_then(|r| l.checked_shr(r)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `chr(e)` (or a string constant) for one value of a comprehension's variable.
fn char_expr(body: Node<'_>, src: &[u8], var: (&str, i64)) -> Option<Vec<u8>> {
    if body.kind_name() != "call" || field(body, F::Function).map(|f| text(f, src)) != Some("chr") {
        return None;
    }
    let arg = field(body, F::Arguments)?.named_child(0)?;
    let v = u32::try_from(int_expr(arg, src, Some(var), 0)?).ok()?;
    Some(char::from_u32(v)?.to_string().into_bytes())
}

/// `fmt % args` for `%s`, `%r` (quoted), `%d`, `%i` and `%%`; `None` for other conversions or
/// a count that does not match.
fn percent_format(fmt: &[u8], args: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut next = args.iter();
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        match fmt.get(i + 1)? {
            b'%' => out.push(b'%'),
            b's' | b'd' | b'i' => out.extend_from_slice(next.next()?),
            b'r' => {
                out.push(b'\'');
                out.extend_from_slice(next.next()?);
                out.push(b'\'');
            }
            _ => return None,
        }
        i += 2;
        if out.len() > MAX_VALUE {
            return None;
        }
    }
    next.next().is_none().then_some(out)
}

/// What [`Names::pieces`] has gathered: the constant text, whether a part was unknown, and
/// the parts visited.
struct Pieces {
    out: Vec<u8>,
    holes: bool,
    parts: usize,
}

/// The pieces of a `%`-format between its conversions, `%%` read as `%` (`'a%sb'`: `a`, `b`;
/// `'10%% of %d'`: `10% of `, ``), as CPython 3.12+ folds `'…' % (x,)` into an f-string.
pub(crate) fn percent_pieces(v: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if v[i] != b'%' {
            cur.push(v[i]);
            i += 1;
            continue;
        }
        if v.get(i + 1) == Some(&b'%') {
            cur.push(b'%');
            i += 2;
            continue;
        }
        out.push(std::mem::take(&mut cur));
        i += 1;
        // `%(key)`, then flags, width, precision, length, and the conversion letter.
        if v.get(i) == Some(&b'(') {
            i += v[i..]
                .iter()
                .position(|&c| c == b')')
                .map_or(v.len() - i, |e| e + 1);
        }
        while i < v.len() && b"#0- +*.123456789hlL".contains(&v[i]) {
            i += 1;
        }
        i += 1;
    }
    out.push(cur);
    out
}

/// A `%` template with its conversions (`%s`, `%(name)r`, `%-5.2f`) left out and `%%` undone:
/// its [`percent_pieces`] joined.
fn percent_holes(fmt: &[u8]) -> Vec<u8> {
    percent_pieces(fmt).concat()
}

/// A `str.format` template with its fields (`{}`, `{0}`, `{x:{w}}`) left out and `{{`/`}}`
/// undone; an unterminated field is left out to the end.
fn brace_holes(fmt: &[u8]) -> Vec<u8> {
    brace_fill(fmt, |_| Some(Vec::new()), true).unwrap_or_default()
}

/// `fmt.format(*args)` for `{}` and `{N}` fields and `{{`/`}}`; `None` for named fields,
/// format specs, a missing argument or an unterminated field.
fn brace_format(fmt: &[u8], args: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut auto = 0usize;
    brace_fill(
        fmt,
        |inner| {
            let inner = std::str::from_utf8(inner).ok()?;
            let k = if inner.is_empty() {
                auto += 1;
                auto - 1
            } else {
                inner.parse().ok()?
            };
            args.get(k).cloned()
        },
        false,
    )
}

/// The one walk of a `str.format` template: `{{`/`}}` undone, each field (its text between the
/// braces, one level of nested fields in its spec included) replaced by what `field` returns
/// (`None` stops the walk with `None`). An unterminated field ends the walk: with what was
/// made so far when `lenient`, else `None`. `None` past [`MAX_VALUE`] bytes.
fn brace_fill(
    fmt: &[u8],
    mut field: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    lenient: bool,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(fmt.len());
    let mut i = 0;
    while i < fmt.len() {
        match fmt[i] {
            b'{' if fmt.get(i + 1) == Some(&b'{') => {
                out.push(b'{');
                i += 2;
            }
            b'}' if fmt.get(i + 1) == Some(&b'}') => {
                out.push(b'}');
                i += 2;
            }
            b'{' => {
                let start = i + 1;
                let mut open = 0usize;
                let mut closed = None;
                while i < fmt.len() {
                    match fmt[i] {
                        b'{' => open += 1,
                        b'}' => open -= 1,
                        _ => {}
                    }
                    i += 1;
                    if open == 0 {
                        closed = Some(i - 1);
                        break;
                    }
                }
                match closed {
                    Some(end) => out.extend(field(&fmt[start..end])?),
                    None if lenient => return Some(out),
                    None => return None,
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
        if out.len() > MAX_VALUE {
            return None;
        }
    }
    Some(out)
}

/// `hay.replace(from, to)`; `None` when the result would pass [`MAX_VALUE`].
fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    if from.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let mut last = 0;
    for at in memchr::memmem::find_iter(hay, from) {
        if at < last {
            continue;
        }
        out.extend_from_slice(&hay[last..at]);
        out.extend_from_slice(to);
        last = at + from.len();
        if out.len() > MAX_VALUE {
            return None;
        }
    }
    out.extend_from_slice(&hay[last..]);
    Some(out)
}

/// Python's slice `b[start:stop:step]` of a constant (its characters when it is UTF-8, else its
/// bytes), with negative bounds counted from the end and out-of-range bounds clamped.
fn py_slice(b: &[u8], start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<u8> {
    let text = std::str::from_utf8(b).ok();
    let units: Vec<&[u8]> = match text {
        Some(t) => t
            .char_indices()
            .map(|(i, c)| &b[i..i + c.len_utf8()])
            .collect(),
        None => b.chunks(1).collect(),
    };
    let len = units.len() as i64;
    let norm = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v + len } else { v };
        v.clamp(lo, hi)
    };
    let mut out = Vec::new();
    if step > 0 {
        let (mut i, end) = (
            start.map_or(0, |s| norm(s, 0, len)),
            stop.map_or(len, |s| norm(s, 0, len)),
        );
        while i < end {
            out.extend_from_slice(units[i as usize]);
            i += step;
        }
    } else {
        let (mut i, end) = (
            start.map_or(len - 1, |s| norm(s, -1, len - 1)),
            stop.map_or(-1, |s| norm(s, -1, len - 1)),
        );
        while i > end {
            out.extend_from_slice(units[i as usize]);
            i += step;
        }
    }
    out
}

/// Whether `callee` makes a client of a message queue, store or service whose methods send
/// (`paho.mqtt.client.Client`, `zmq.Context().socket`, `redis.Redis`, `pymongo.MongoClient`,
/// `kafka.KafkaProducer`, `boto3.client`, `paramiko.SSHClient`): its instance is named by the
/// call (`redis.Redis()`), so that a later `r.publish(…)` is the name the network vocabulary
/// reads.
fn service_client(callee: &str) -> bool {
    let root = callee.split(['.', '(']).next().unwrap_or(callee);
    let last = callee.rsplit('.').next().unwrap_or(callee);
    service_constructor(last) && service_root(root)
}

/// Whether the last name of a callee may make a service's client (a class, or a factory
/// function such as `boto3.client`).
fn service_constructor(last: &str) -> bool {
    last.starts_with(|c: char| c.is_ascii_uppercase())
        || matches!(
            last,
            "client" | "resource" | "socket" | "from_url" | "connect"
        )
}

/// Whether a top-level package name is one of the services [`service_client`] knows.
fn service_root(root: &str) -> bool {
    matches!(
        root,
        "paho"
            | "zmq"
            | "redis"
            | "pymongo"
            | "kafka"
            | "confluent_kafka"
            | "boto3"
            | "paramiko"
            | "pysftp"
            | "telebot"
            | "telegram"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders() {
        assert_eq!(base64_decode(b"aGk=", false).as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64_decode(b"aG\nk", false).as_deref(), Some(&b"hi"[..]));
        assert_eq!(base32_decode(b"NBUQ====").as_deref(), Some(&b"hi"[..]));
        assert_eq!(hex_decode(b"68 69").as_deref(), Some(&b"hi"[..]));
        assert_eq!(rot13(b"uv"), b"hi");
        assert_eq!(&*canonical("__builtins__.exec"), "exec");
        assert_eq!(&*canonical("builtinsx.exec"), "builtinsx.exec");
        assert_eq!(&*canonical("__builtin__"), "builtins");
    }

    #[test]
    fn escapes() {
        let mut out = Vec::new();
        unescape_lenient(br"\x69mport os\n\u0041\101\\", false, &mut out);
        assert_eq!(out, b"import os\nAA\\");
    }
}
