//! Chat templates: Jinja source that tokenizers render for every conversation
//! (`tokenizer.chat_template` in GGUF, `chat_template` in `tokenizer_config.json`,
//! `chat_template.jinja` files).
//!
//! Loaders render these with Jinja2's sandbox (transformers) or with a plain Jinja2
//! `Environment` (llama-cpp-python before 0.2.72, CVE-2024-34359), so a template that walks
//! Python internals (`().__class__.__base__.__subclasses__()`, `__globals__`, `__builtins__`)
//! runs code on the machine that formats a prompt. Templates are parsed with minijinja's parser
//! (`minijinja::machinery`), and the syntax tree is walked; a template that does not parse is
//! reported and its identifiers are scanned token by token, so a syntax trick that minijinja
//! rejects but Jinja2 accepts cannot hide an escape.
//!
//! Names are judged after constant folding ([`fold`]): an expression that builds a string from
//! pieces without input (`'__cla' ~ 'ss__'`, `'%c' | format(95)`, a list joined, a string
//! reversed, a variable or `namespace` attribute set from such pieces, a loop over a literal list)
//! is judged as the string it builds, wherever a literal would be, so an obfuscated escape is
//! graded as the escape it is.

pub mod fold;

use std::collections::BTreeSet;

use minijinja::machinery::ast;

use crate::analyse::Ctx;
use crate::finding::{Finding, Location, Severity, Span};
use crate::formats::{json, Format};
use crate::rules::chat_template as r;

/// Dunder attributes that walk from any object to classes, functions' globals and builtins: the
/// steps of every published Jinja2 sandbox escape.
const ESCAPE_DUNDERS: &[&str] = &[
    "__class__",
    "__base__",
    "__bases__",
    "__mro__",
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__import__",
    "__init__",
    "__dict__",
    "__getattribute__",
    "__code__",
    "__func__",
    "__self__",
    "__closure__",
    "__reduce__",
    "__reduce_ex__",
    "__loader__",
    "__spec__",
    "__module__",
    // Not dunders, but the same steps: the attributes Jinja2's own sandbox refuses
    // (`jinja2/sandbox.py` UNSAFE_FUNCTION_ATTRIBUTES, UNSAFE_METHOD_ATTRIBUTES,
    // UNSAFE_GENERATOR_ATTRIBUTES, UNSAFE_COROUTINE_ATTRIBUTES,
    // UNSAFE_ASYNC_GENERATOR_ATTRIBUTES) and the frame, traceback and code attributes they lead
    // to. `(x|map('string')).gi_frame.f_builtins` is the builtins dict of a filter's generator.
    "gi_frame",
    "gi_code",
    "cr_frame",
    "cr_code",
    "ag_frame",
    "ag_code",
    "func_globals",
    "func_code",
    "func_closure",
    "func_dict",
    "func_defaults",
    "im_func",
    "im_self",
    "im_class",
    "f_globals",
    "f_builtins",
    "f_locals",
    "f_back",
    "f_code",
    "tb_frame",
    "tb_next",
    "co_code",
    "co_consts",
    "co_names",
];

/// The non-dunder entries of [`ESCAPE_DUNDERS`]: introspection attributes of functions,
/// generators, coroutines, frames, tracebacks and code objects.
fn introspection(s: &str) -> bool {
    !s.starts_with("__") && ESCAPE_DUNDERS.contains(&s)
}

/// Dunders that reach modules or callables by themselves (graded critical): with them a template
/// gets at `os` or `eval`.
const MODULE_DUNDERS: &[&str] = &[
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__import__",
    "__mro__",
    "__base__",
    "__bases__",
    "__code__",
    "__func__",
    "__loader__",
    "gi_frame",
    "cr_frame",
    "ag_frame",
    "func_globals",
    "f_globals",
    "f_builtins",
    "f_locals",
    "f_back",
    "tb_frame",
];

/// Globals of Jinja2 (and Flask's Jinja environment) whose attributes lead to Python modules:
/// `cycler.__init__.__globals__`, `lipsum.__globals__`, `self._TemplateReference__context`,
/// `config.__class__`, `request.application`.
const GADGETS: &[&str] = &[
    "cycler",
    "joiner",
    "namespace",
    "lipsum",
    "self",
    "request",
    "config",
    "url_for",
    "get_flashed_messages",
];

/// Other globals a template may be given that are Python functions or classes (Jinja2's `range`,
/// `dict`, a macro's `caller`, transformers' `raise_exception` and `strftime_now`): their
/// attributes are Python internals as a gadget's are, but only an attribute of unknown name is
/// judged (see [`Walker::unknown_member`]).
const CALLABLE_GLOBALS: &[&str] = &["range", "dict", "caller", "raise_exception", "strftime_now"];

/// Filters that hand back their input or items of it, so what they return reaches what the input
/// reaches.
const PASS_THROUGH_FILTERS: &[&str] = &[
    "attr",
    "first",
    "last",
    "list",
    "default",
    "d",
    "reverse",
    "sort",
    "unique",
    "min",
    "max",
    "random",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "batch",
    "slice",
    "items",
    "dictsort",
    "groupby",
    "map",
];

/// Methods that look a name or key up: `x.__getitem__(k)` is `x[k]`.
const LOOKUP_METHODS: &[&str] = &[
    "__getitem__",
    "__getattribute__",
    "__getattr__",
    "get",
    "pop",
    "setdefault",
];

/// Names of modules and functions that run code or touch the operating system.
const SUSPICIOUS_NAMES: &[&str] = &[
    "os",
    "subprocess",
    "popen",
    "eval",
    "exec",
    "import",
    "__import__",
    "builtins",
    "globals",
    "getattr",
    "sys",
    "posix",
    "importlib",
    "check_output",
    "spawn",
    "compile",
];

/// Jinja tests that compare their operand with their arguments (`x is eq('exec')`,
/// `selectattr('name', 'equalto', 'exec')`): the arguments are values, never names looked up.
const COMPARISON_TESTS: &[&str] = &[
    "eq",
    "equalto",
    "==",
    "ne",
    "!=",
    "lt",
    "lessthan",
    "<",
    "le",
    "<=",
    "gt",
    "greaterthan",
    ">",
    "ge",
    ">=",
    "in",
    "sameas",
];

/// Most findings reported per template and rule.
const MAX_HITS: usize = 8;

/// What one node of the template does that a sandbox should stop.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    line: u64,
    kind: Kind,
    what: String,
    snippet: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A dunder attribute of [`ESCAPE_DUNDERS`] (or any other dunder).
    Dunder,
    /// An attribute of a [`GADGETS`] global.
    Gadget,
    /// A [`SUSPICIOUS_NAMES`] name.
    Name,
    /// An attribute or item of unknown name (one the folder cannot compute) taken from an object
    /// that reaches Python internals: it may be any dunder.
    Unknown,
}

/// How far the value of an expression reaches Python internals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    /// Template data: the conversation, literals, what filters compute.
    No,
    /// An object whose attributes of known name are data (a `namespace(...)` instance, `loop`),
    /// but whose attributes of unknown name may be its Python internals.
    Data,
    /// A Python function, class or module, or what was taken from one: a [`GADGETS`] or
    /// [`CALLABLE_GLOBALS`] global, a macro, a dunder's value, any member of these.
    Internals,
}

/// A dunder name (`__x__`), or one of the introspection attributes that are escape steps all
/// the same ([`introspection`]).
/// Whether `global.name` takes a member of a [`GADGETS`] global that leads out of the template.
/// Jinja's `self` is the template's reference to its own blocks: `self.footer()` (or
/// `self['footer']`) renders the block `footer`, which sandboxed templates may do; only its
/// private attributes (`self._TemplateReference__context`) reach the rendering context.
fn gadget_member(global: &str, name: &str) -> bool {
    GADGETS.contains(&global) && (global != "self" || name.starts_with('_'))
}

/// Dunders whose value is only a string (a function's, class's or module's name, a docstring):
/// reading one reaches nothing that runs (code generators print `f.__name__`), so alone it is
/// low; a sandbox refuses it, so a chat template that reads one fails rather than escapes.
const INERT_DUNDERS: &[&str] = &["__name__", "__qualname__", "__module__", "__doc__"];

fn is_dunder(s: &str) -> bool {
    (s.len() > 4 && s.starts_with("__") && s.ends_with("__")) || introspection(s)
}

/// The escape attributes ([`is_dunder`]) a string names as steps of an attribute path that
/// filters and `str.format` follow: a dotted path without spaces (Jinja's `map`, `sort`,
/// `selectattr`, `groupby`, `sum`, `unique` and `min`/`max` split `attribute='a.__class__'` on
/// dots and look each step up), and the replacement fields of a format string
/// (`'{0.__init__.__globals__[os]}'.format(x)`, `format_map`), whose `.name` and `[key]`
/// steps Python's `str.format` looks up on its argument.
fn path_dunders(s: &str) -> impl Iterator<Item = &str> {
    let dotted = (!s.contains(char::is_whitespace) && s.contains('.')).then_some(s);
    let fields = s
        .split('{')
        .skip(1)
        .filter_map(|f| f.split_once('}').map(|(field, _)| field))
        .filter(|f| f.contains(['.', '[']));
    dotted
        .into_iter()
        .chain(fields)
        .flat_map(|p| p.split(['.', '[', ']', '!', ':']))
        .filter(|seg| is_dunder(seg))
        .take(1)
}

struct Walker<'s> {
    src: &'s str,
    hits: BTreeSet<Hit>,
    fold: fold::Folder,
    /// True while walking the pieces of an expression already judged by its folded value.
    in_folded: bool,
    /// Variables set (in any branch) to what reaches Python internals, and macro names: the
    /// strongest reach each was given. Never lowered, which over-approximates.
    aliases: std::collections::BTreeMap<String, Reach>,
    /// Names the template binds itself ([`bound_names`]): such a variable is not the module
    /// or builtin of its name.
    bound: BTreeSet<String>,
}

impl Walker<'_> {
    fn new(src: &str) -> Walker<'_> {
        Walker {
            src,
            hits: BTreeSet::new(),
            fold: fold::Folder::default(),
            in_folded: false,
            aliases: std::collections::BTreeMap::new(),
            bound: BTreeSet::new(),
        }
    }

    fn hit(&mut self, span: minijinja::machinery::Span, kind: Kind, what: String) {
        let (a, b) = (span.start_offset as usize, span.end_offset as usize);
        let snippet = self
            .src
            .get(a..b.max(a))
            .map(|s| crate::finding::truncate_chars(s.trim(), 160))
            .unwrap_or_default();
        self.hits.insert(Hit {
            line: u64::from(span.start_line),
            kind,
            what,
            snippet,
        });
    }

    /// A string that names a dunder or a module, used as an item key, an `attr` argument or an
    /// import (`x['__globals__']`, `attr('__class__')`, `('os')`), literal or folded.
    fn string(&mut self, span: minijinja::machinery::Span, s: &str) {
        if ESCAPE_DUNDERS.contains(&s) {
            self.hit(span, Kind::Dunder, s.to_string());
        } else if SUSPICIOUS_NAMES.contains(&s) {
            self.hit(span, Kind::Name, s.to_string());
        } else if let Some(d) = path_dunders(s).next() {
            self.hit(span, Kind::Dunder, d.to_string());
        }
    }

    /// An attribute or item name reached from `base`.
    fn member(&mut self, span: minijinja::machinery::Span, base: &ast::Expr, name: &str) {
        if is_dunder(name) {
            self.hit(span, Kind::Dunder, name.to_string());
        } else if let ast::Expr::Var(v) = base {
            if gadget_member(v.id, name) {
                self.hit(span, Kind::Gadget, format!("{}.{name}", v.id));
            }
        }
        if SUSPICIOUS_NAMES.contains(&name) {
            self.hit(span, Kind::Name, name.to_string());
        }
    }

    /// `e`'s whole span: minijinja starts the span of `x[k]`, `x.k`, `x|f` and `x(...)` at the
    /// operator, so the start is taken from the leftmost operand.
    fn full_span(e: &ast::Expr) -> minijinja::machinery::Span {
        use ast::Expr;
        let mut span = e.span();
        let mut cur = e;
        loop {
            let left = match cur {
                Expr::GetItem(g) => &g.expr,
                Expr::GetAttr(g) => &g.expr,
                Expr::Slice(s) => &s.expr,
                Expr::Call(c) => &c.expr,
                Expr::Filter(f) => match &f.expr {
                    Some(x) => x,
                    None => break,
                },
                _ => break,
            };
            let l = left.span();
            if l.start_offset < span.start_offset {
                span.start_offset = l.start_offset;
                span.start_line = l.start_line;
                span.start_col = l.start_col;
            }
            cur = left;
        }
        span
    }

    fn source(&self, span: minijinja::machinery::Span, max: usize) -> String {
        let (a, b) = (span.start_offset as usize, span.end_offset as usize);
        self.src
            .get(a..b.max(a))
            .map(|s| crate::finding::truncate_chars(s.trim(), max))
            .unwrap_or_default()
    }

    /// Record that `target` (a name or a tuple of names) may hold what reaches `reach`.
    fn alias(&mut self, target: &ast::Expr, reach: Reach) {
        if reach == Reach::No {
            return;
        }
        match target {
            ast::Expr::Var(v) => {
                let r = self.aliases.entry(v.id.to_string()).or_insert(reach);
                *r = (*r).max(reach);
            }
            ast::Expr::Tuple(t) => t.items.iter().for_each(|x| self.alias(x, reach)),
            _ => {}
        }
    }

    /// The values a key or attribute name expression folds to; `None` when it folds to nothing
    /// (unknown).
    fn key(&mut self, e: &ast::Expr) -> Option<Vec<String>> {
        let v = self.fold.fold(e);
        if v.is_empty() {
            return None;
        }
        Some(
            v.into_iter()
                .filter_map(|v| match v {
                    fold::Folded::Str(s) => Some(s),
                    _ => None,
                })
                .collect(),
        )
    }

    /// How far what `e` evaluates to reaches Python internals. A member of an object reaches
    /// internals when the object does, when its name is a dunder, or when its name is unknown
    /// and the object is more than data.
    fn reach(&mut self, e: &ast::Expr) -> Reach {
        use ast::Expr;
        match e {
            Expr::Var(v) => {
                if GADGETS.contains(&v.id) || CALLABLE_GLOBALS.contains(&v.id) {
                    Reach::Internals
                } else if v.id == "loop" {
                    Reach::Data
                } else {
                    self.aliases.get(v.id).copied().unwrap_or(Reach::No)
                }
            }
            Expr::GetAttr(g) => {
                if is_dunder(g.name) {
                    return Reach::Internals;
                }
                match self.reach(&g.expr) {
                    Reach::Internals => Reach::Internals,
                    _ => Reach::No,
                }
            }
            Expr::GetItem(g) => self.member_reach(&g.expr, &g.subscript_expr),
            Expr::Filter(f) => match (&f.expr, f.name, f.args.first()) {
                (Some(base), "attr", Some(ast::CallArg::Pos(name))) => {
                    self.member_reach(base, name)
                }
                (Some(base), name, _) if PASS_THROUGH_FILTERS.contains(&name) => self.reach(base),
                _ => Reach::No,
            },
            Expr::Call(c) => match &c.expr {
                Expr::Var(v) if v.id == "namespace" => Reach::Data,
                Expr::Var(v) if v.id == "cycler" || v.id == "joiner" => Reach::Internals,
                // `range(3)`, `lipsum()`, a macro's call: data.
                Expr::Var(_) => Reach::No,
                callee => match self.reach(callee) {
                    Reach::Internals => Reach::Internals,
                    _ => Reach::No,
                },
            },
            Expr::Slice(s) => self.reach(&s.expr),
            Expr::IfExpr(i) => {
                let t = self.reach(&i.true_expr);
                let f = i.false_expr.as_ref().map_or(Reach::No, |f| self.reach(f));
                t.max(f)
            }
            Expr::List(l) => l
                .items
                .iter()
                .map(|x| self.reach(x))
                .max()
                .unwrap_or(Reach::No),
            Expr::Tuple(t) => t
                .items
                .iter()
                .map(|x| self.reach(x))
                .max()
                .unwrap_or(Reach::No),
            Expr::Map(m) => m
                .values
                .iter()
                .map(|x| self.reach(x))
                .max()
                .unwrap_or(Reach::No),
            _ => Reach::No,
        }
    }

    /// How far `base[key]` (or `base|attr(key)`) reaches.
    fn member_reach(&mut self, base: &ast::Expr, key: &ast::Expr) -> Reach {
        let b = self.reach(base);
        if b == Reach::Internals {
            return b;
        }
        match self.key(key) {
            Some(names) if names.iter().any(|n| is_dunder(n)) => Reach::Internals,
            None if b == Reach::Data => Reach::Internals,
            _ => Reach::No,
        }
    }

    /// `base[key]`, `base|attr(key)`, `base.__getitem__(key)` with a key the folder cannot
    /// compute: when `base` reaches Python internals (or, for `attr`, is a literal, whose
    /// attributes of known name are its methods), the key may be any dunder, so it is judged as
    /// one ([`Kind::Unknown`]). A subscript of conversation data (`message[key]`) is not.
    fn unknown_member(
        &mut self,
        whole: &ast::Expr,
        base: &ast::Expr,
        key: &ast::Expr,
        spelling: &str,
    ) {
        if self.key(key).is_some() {
            return;
        }
        let literal = spelling == "attr"
            && matches!(
                base,
                ast::Expr::Const(_) | ast::Expr::List(_) | ast::Expr::Tuple(_) | ast::Expr::Map(_)
            );
        if !literal && self.reach(base) == Reach::No {
            return;
        }
        let span = Self::full_span(whole);
        let what = format!(
            "{} ({} not computable)",
            self.source(span, 60),
            if spelling == "attr" { "name" } else { "key" }
        );
        self.hit(span, Kind::Unknown, what);
    }

    fn stmts(&mut self, body: &[ast::Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    /// The text a `{% set x %}...{% endset %}` block captures, when it is constant.
    fn captured(&mut self, body: &[ast::Stmt]) -> fold::Values {
        let mut out = vec![String::new()];
        for s in body {
            let pieces = match s {
                ast::Stmt::EmitRaw(r) => vec![r.raw.to_string()],
                ast::Stmt::EmitExpr(e) => self.fold.strings(&e.expr),
                _ => Vec::new(),
            };
            if pieces.is_empty() {
                return Vec::new();
            }
            let mut next = Vec::new();
            for a in &out {
                for p in &pieces {
                    if next.len() < fold::MAX_ALTERNATIVES && a.len() + p.len() <= fold::MAX_LEN {
                        next.push(format!("{a}{p}"));
                    }
                }
            }
            out = next;
        }
        out.into_iter().map(fold::Folded::Str).collect()
    }

    fn for_loop(&mut self, f: &ast::ForLoop, span: minijinja::machinery::Span) {
        self.expr(&f.iter);
        // `for c in x.__subclasses__()`: each item is what the list reaches.
        if self.reach(&f.iter) == Reach::Internals {
            self.alias(&f.target, Reach::Internals);
        }
        if let Some(e) = &f.filter_expr {
            self.expr(e);
        }
        // A loop over a list known without input runs its body once per item, in order, so a
        // name a `namespace` accumulates is folded too. Each walk judges the body again; hits
        // are a set, so a body repeats none.
        let items: Vec<fold::Folded> = self
            .fold
            .fold(&f.iter)
            .iter()
            .filter_map(fold::Folded::items)
            .flatten()
            .take(fold::MAX_ITEMS)
            .collect();
        let size = u64::from(span.end_offset.saturating_sub(span.start_offset)).max(1);
        let cost = (items.len() as u64).saturating_mul(size);
        if !items.is_empty() && cost <= self.fold.unroll_budget {
            self.fold.unroll_budget -= cost;
            for item in items {
                self.fold.bind(&f.target, vec![item]);
                self.stmts(&f.body);
            }
        } else {
            self.fold.unbind(&f.target);
            self.stmts(&f.body);
        }
        self.fold.unbind(&f.target);
        self.expr(&f.target);
        self.stmts(&f.else_body);
    }

    fn stmt(&mut self, s: &ast::Stmt) {
        use ast::Stmt;
        match s {
            Stmt::Template(t) => self.stmts(&t.children),
            Stmt::EmitExpr(e) => self.expr(&e.expr),
            Stmt::EmitRaw(_) | Stmt::Continue(_) | Stmt::Break(_) => {}
            Stmt::ForLoop(f) => self.for_loop(f, f.span()),
            Stmt::IfCond(i) => {
                // Both branches may run: a variable afterwards holds what either left in it.
                self.expr(&i.expr);
                let before = self.fold.snapshot();
                self.stmts(&i.true_body);
                let after_true = std::mem::replace(&mut self.fold.env, before);
                self.stmts(&i.false_body);
                self.fold.env.merge(after_true);
            }
            Stmt::WithBlock(w) => {
                let before = self.fold.snapshot();
                for (a, b) in &w.assignments {
                    self.expr(a);
                    self.expr(b);
                    let r = self.reach(b);
                    self.alias(a, r);
                    self.fold.assign(a, b);
                }
                self.stmts(&w.body);
                self.fold.env = before;
            }
            Stmt::Set(x) => {
                self.expr(&x.target);
                self.expr(&x.expr);
                let r = self.reach(&x.expr);
                self.alias(&x.target, r);
                self.fold.assign(&x.target, &x.expr);
            }
            Stmt::SetBlock(x) => {
                self.expr(&x.target);
                if let Some(f) = &x.filter {
                    self.expr(f);
                }
                self.stmts(&x.body);
                let values = if x.filter.is_some() {
                    Vec::new()
                } else {
                    self.captured(&x.body)
                };
                for v in &values {
                    if let Some(text) = v.text() {
                        self.string(x.target.span(), &text);
                    }
                }
                self.fold.bind(&x.target, values);
            }
            Stmt::AutoEscape(a) => {
                self.expr(&a.enabled);
                self.stmts(&a.body);
            }
            Stmt::FilterBlock(f) => {
                self.expr(&f.filter);
                self.stmts(&f.body);
            }
            Stmt::Block(b) => self.stmts(&b.body),
            Stmt::Import(i) => {
                self.expr(&i.expr);
                self.expr(&i.name);
            }
            Stmt::FromImport(i) => {
                self.expr(&i.expr);
                for (a, b) in &i.names {
                    self.expr(a);
                    if let Some(b) = b {
                        self.expr(b);
                    }
                }
            }
            Stmt::Extends(e) => self.expr(&e.name),
            Stmt::Include(i) => self.expr(&i.name),
            Stmt::Macro(m) => self.macro_(m),
            Stmt::CallBlock(c) => {
                self.call(&c.call, c.call.span());
                self.macro_(&c.macro_decl);
            }
            Stmt::Do(d) => self.call(&d.call, d.call.span()),
        }
    }

    fn macro_(&mut self, m: &ast::Macro) {
        // A macro is a Python object (`macro.__globals__` is not, but `|attr(x)` may be
        // anything); its arguments are unknown data.
        self.aliases.insert(m.name.to_string(), Reach::Internals);
        for e in m.args.iter().chain(&m.defaults) {
            self.expr(e);
        }
        // Arguments are unknown inside the body; what the body sets stays inside it.
        let before = self.fold.snapshot();
        for a in &m.args {
            self.fold.unbind(a);
        }
        self.stmts(&m.body);
        self.fold.env = before;
    }

    fn call(&mut self, c: &ast::Call, span: minijinja::machinery::Span) {
        self.expr(&c.expr);
        self.args(&c.args, span);
    }

    /// The arguments of the call, filter or test at `span`.
    fn args(&mut self, args: &[ast::CallArg], span: minijinja::machinery::Span) {
        for a in args {
            match a {
                // `dict(__class__=1) | first` names a dunder through a keyword.
                ast::CallArg::Kwarg(name, e) => {
                    if is_dunder(name) {
                        self.hit(span, Kind::Dunder, name.to_string());
                    }
                    self.expr(e);
                }
                ast::CallArg::Pos(e) | ast::CallArg::PosSplat(e) | ast::CallArg::KwargSplat(e) => {
                    self.expr(e)
                }
            }
        }
    }

    /// An operand whose value a comparison consumes (`==`, `!=`, `<`, `in`, a comparison
    /// test's argument): a string there is compared, never looked up as an attribute, a key or
    /// a module (`t.function.name == 'exec'`, `name in ['eval', 'exec']`), so literals, lists
    /// and tuples of them and concatenations of them give nothing; anything else is walked as
    /// usual (`x|attr('__class__') == y` still reaches the attribute).
    fn compared(&mut self, e: &ast::Expr) {
        use ast::Expr;
        match e {
            Expr::Const(_) => {}
            Expr::List(l) => l.items.iter().for_each(|x| self.compared(x)),
            Expr::Tuple(t) => t.items.iter().for_each(|x| self.compared(x)),
            Expr::BinOp(b) => {
                self.compared(&b.left);
                self.compared(&b.right);
            }
            _ => self.expr(e),
        }
    }

    /// [`Self::args`] for arguments a comparison consumes ([`Self::compared`]).
    fn compared_args(&mut self, args: &[ast::CallArg], span: minijinja::machinery::Span) {
        for a in args {
            match a {
                ast::CallArg::Pos(e) => self.compared(e),
                _ => self.args(std::slice::from_ref(a), span),
            }
        }
    }

    /// The strings `e` folds to (none inside an expression already folded).
    fn folded(&mut self, e: &ast::Expr) -> Vec<String> {
        if self.in_folded {
            Vec::new()
        } else {
            self.fold.names(e)
        }
    }

    fn expr(&mut self, e: &ast::Expr) {
        use ast::Expr;
        // A composite expression that folds to a string is judged by that string, and its
        // pieces are not folded again (a chain of n pieces costs n steps, not n squared).
        let composite = !matches!(e, Expr::Const(_) | Expr::Var(_) | Expr::GetAttr(_));
        let values = if composite {
            self.folded(e)
        } else {
            Vec::new()
        };
        for v in &values {
            self.string(e.span(), v);
        }
        let outer = self.in_folded;
        self.in_folded |= !values.is_empty();
        self.expr_parts(e);
        self.in_folded = outer;
    }

    fn expr_parts(&mut self, e: &ast::Expr) {
        use ast::Expr;
        match e {
            Expr::Var(v) => {
                if is_dunder(v.id) {
                    self.hit(v.span(), Kind::Dunder, v.id.to_string());
                }
                if SUSPICIOUS_NAMES.contains(&v.id) && !self.bound.contains(v.id) {
                    self.hit(v.span(), Kind::Name, v.id.to_string());
                }
            }
            Expr::Const(c) => {
                if let Some(s) = c.value.as_str() {
                    self.string(c.span(), s);
                }
            }
            Expr::Slice(s) => {
                self.expr(&s.expr);
                for x in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                    self.expr(x);
                }
            }
            Expr::UnaryOp(u) => self.expr(&u.expr),
            // minijinja parses one comparison (`a == 'x'`, `a in ['x']`) as a binary operator,
            // a chain (`a < b < c`) as `Compare`.
            Expr::BinOp(b)
                if matches!(
                    b.op,
                    ast::BinOpKind::Eq
                        | ast::BinOpKind::Ne
                        | ast::BinOpKind::Lt
                        | ast::BinOpKind::Lte
                        | ast::BinOpKind::Gt
                        | ast::BinOpKind::Gte
                        | ast::BinOpKind::In
                ) =>
            {
                self.compared(&b.left);
                self.compared(&b.right);
            }
            Expr::BinOp(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::Compare(c) => {
                self.compared(&c.expr);
                for op in &c.ops {
                    self.compared(&op.expr);
                }
            }
            Expr::IfExpr(i) => {
                self.expr(&i.test_expr);
                self.expr(&i.true_expr);
                if let Some(f) = &i.false_expr {
                    self.expr(f);
                }
            }
            Expr::Filter(f) => {
                // `x | attr(name)` is `x.name`.
                if let (Some(base), "attr", Some(ast::CallArg::Pos(name))) =
                    (&f.expr, f.name, f.args.first())
                {
                    for n in self.fold.names(name) {
                        self.member(f.span(), base, &n);
                    }
                    self.unknown_member(e, base, name, "attr");
                }
                // `map(attribute=x)`, `selectattr(x)`-like lookups of an unknown name on what
                // reaches internals.
                if let Some(base) = &f.expr {
                    for a in &f.args {
                        if let ast::CallArg::Kwarg("attribute", name) = a {
                            self.unknown_member(e, base, name, "attr");
                        }
                    }
                }
                if let Some(x) = &f.expr {
                    self.expr(x);
                }
                // `select('eq', V)`, `selectattr('a.b', 'equalto', V)`: V is compared.
                let test_at = match f.name {
                    "select" | "reject" => Some(0),
                    "selectattr" | "rejectattr" => Some(1),
                    _ => None,
                };
                let compares = test_at.and_then(|i| f.args.get(i)).is_some_and(|a| {
                    matches!(a, ast::CallArg::Pos(ast::Expr::Const(c))
                        if c.value.as_str().is_some_and(|t| COMPARISON_TESTS.contains(&t)))
                });
                match test_at.filter(|_| compares) {
                    Some(i) => {
                        let (head, values) = f.args.split_at(i + 1);
                        self.args(head, f.span());
                        self.compared_args(values, f.span());
                    }
                    None => self.args(&f.args, f.span()),
                }
            }
            Expr::Test(t) if COMPARISON_TESTS.contains(&t.name) => {
                self.expr(&t.expr);
                self.compared_args(&t.args, t.span());
            }
            Expr::Test(t) => {
                self.expr(&t.expr);
                self.args(&t.args, t.span());
            }
            Expr::GetAttr(g) => {
                self.member(g.span(), &g.expr, g.name);
                self.expr(&g.expr);
            }
            Expr::GetItem(g) => {
                for s in self.fold.names(&g.subscript_expr) {
                    self.member(g.span(), &g.expr, &s);
                }
                self.unknown_member(e, &g.expr, &g.subscript_expr, "[]");
                self.expr(&g.expr);
                self.expr(&g.subscript_expr);
            }
            Expr::Call(c) => {
                // `x.__getitem__(k)`, `x|attr('get')(k)`: a lookup by a method.
                let method = match &c.expr {
                    Expr::GetAttr(g) => Some((&g.expr, g.name.to_string())),
                    Expr::Filter(f) => match (&f.expr, f.name, f.args.first()) {
                        (Some(b), "attr", Some(ast::CallArg::Pos(n))) => {
                            self.fold.names(n).into_iter().next().map(|n| (b, n))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let (Some((base, m)), Some(ast::CallArg::Pos(k))) = (method, c.args.first()) {
                    if LOOKUP_METHODS.contains(&m.as_str()) {
                        self.unknown_member(e, base, k, &m);
                    }
                }
                self.expr(&c.expr);
                self.args(&c.args, c.span());
            }
            Expr::List(l) => l.items.iter().for_each(|x| self.expr(x)),
            Expr::Tuple(t) => t.items.iter().for_each(|x| self.expr(x)),
            Expr::Map(m) => m.keys.iter().chain(&m.values).for_each(|x| self.expr(x)),
        }
    }
}

/// Identifiers of `text` with their 1-based lines, found without a parser: the fallback for a
/// template minijinja rejects. Dunders are taken from anywhere (strings included); other names
/// only between `{{ }}` / `{% %}` delimiters.
fn scan_tokens(text: &str) -> BTreeSet<Hit> {
    let mut hits = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut line = 1u64;
    let mut in_code = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
        }
        if b == b'{' && matches!(bytes.get(i + 1), Some(b'{' | b'%')) {
            in_code = true;
        } else if matches!(b, b'}' | b'%') && bytes.get(i + 1) == Some(&b'}') {
            in_code = false;
        }
        if b == b'_' || b.is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let word = &text[start..i];
            let prev_is_word = start > 0 && bytes[start - 1].is_ascii_alphanumeric();
            if !prev_is_word {
                let kind = if is_dunder(word) && ESCAPE_DUNDERS.contains(&word) {
                    Some(Kind::Dunder)
                } else if in_code && SUSPICIOUS_NAMES.contains(&word) {
                    Some(Kind::Name)
                } else if in_code
                    && GADGETS.contains(&word)
                    && (matches!(bytes.get(i), Some(b'['))
                        || (bytes.get(i) == Some(&b'.')
                            && (word != "self" || bytes.get(i + 1) == Some(&b'_')))
                        || text[i..].trim_start().starts_with('|'))
                {
                    Some(Kind::Gadget)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    hits.insert(Hit {
                        line,
                        kind,
                        what: word.to_string(),
                        snippet: word.to_string(),
                    });
                }
            }
            continue;
        }
        i += 1;
    }
    hits
}

/// Check one template. `loc` is where it sits: with a span (a GGUF string's offset, a JSON
/// pointer) that span is kept and lines go into the evidence; without one, findings get line
/// spans. `source` names the template for messages (`tokenizer.chat_template`).
pub fn check(ctx: &mut Ctx, text: &str, loc: &Location, source: &str) {
    // minijinja bounds the nesting of parentheses and blocks, but parses a chain of operators
    // (`'a' ~ 'a' ~ ...`, `- - - 1`) into a tree as deep as the chain, which its parser, our
    // walk and the tree's drop all recurse through: ten thousand links overflow a thread's
    // stack and abort the process. A tag longer than any template needs is not parsed.
    if let Some((line, closed)) = overlong_tag(text) {
        // Graded high, as nesting past the depth bound is: no template needs such a tag, and
        // the computed-name escapes only the syntax tree shows would hide behind it. A tag
        // that never closes is low: Jinja2 cannot render it either (with the default
        // delimiters: LaTeX's `{%` in a template written for `((* *))` tags, nbconvert's),
        // so nothing runs from it that the token scan does not see.
        let (severity, what) = if closed {
            (
                Severity::High,
                "a tag too long to parse safely (no template needs one)",
            )
        } else {
            (
                Severity::Low,
                "a tag that never closes, too long to parse safely (Jinja2 cannot render it with the default delimiters either)",
            )
        };
        ctx.emit(
            Finding::builder(&r::chat_template_unparsable::RULE, at(loc, Some(line)))
                .severity(severity)
                .message(format!(
                    "{source} has {what}; its identifiers were scanned token by token"
                ))
                .evidence(format!(
                    "a tag with more than {MAX_TAG_TOKENS} tokens, from line {line}"
                ))
                .build(),
        );
        report(ctx, &scan_tokens(text), loc, source);
        return;
    }
    let text = &prepare(text);
    let text = &call_on_filter_result(text);
    let hits = match parse_and_walk(text) {
        Ok(hits) => hits,
        Err(e) => {
            ctx.emit(
                Finding::builder(&r::chat_template_unparsable::RULE, at(loc, e.line()))
                    .message(format!("{source} does not parse as a Jinja template"))
                    .evidence(e.to_string())
                    .build(),
            );
            let mut hits = scan_tokens(text);
            hits.extend(salvage(text));
            hits
        }
    };
    report(ctx, &hits, loc, source);
}

/// Parse `text` with minijinja and walk its tree (folding computed names).
fn parse_and_walk(text: &str) -> Result<BTreeSet<Hit>, minijinja::Error> {
    let syntax = minijinja::syntax::SyntaxConfig::default();
    let tree = minijinja::machinery::parse(text, "<chat template>", syntax)?;
    let mut w = Walker::new(text);
    bound_names(&tree, &mut w.bound, 0);
    w.stmt(&tree);
    Ok(w.hits)
}

/// The names a template binds itself (`{% set x %}`, `{% for x, y in … %}`, `{% with x = … %}`,
/// a macro's name and parameters), into `out`. A variable the template binds is its own, not
/// a Python module or builtin of the same name: `{% for sys in messages %}` reads a message
/// (tester t27 t9). Nesting past [`MAX_BOUND_DEPTH`] statements is not read (the walk still
/// judges it).
fn bound_names(s: &ast::Stmt, out: &mut BTreeSet<String>, depth: usize) {
    use ast::Stmt;
    fn targets(e: &ast::Expr, out: &mut BTreeSet<String>) {
        match e {
            ast::Expr::Var(v) => {
                out.insert(v.id.to_string());
            }
            ast::Expr::List(l) => l.items.iter().for_each(|x| targets(x, out)),
            ast::Expr::Tuple(t) => t.items.iter().for_each(|x| targets(x, out)),
            _ => {}
        }
    }
    if depth > MAX_BOUND_DEPTH || out.len() >= MAX_BOUND {
        return;
    }
    let body = |b: &[ast::Stmt], out: &mut BTreeSet<String>| {
        b.iter().for_each(|x| bound_names(x, out, depth + 1))
    };
    match s {
        Stmt::Template(t) => body(&t.children, out),
        Stmt::ForLoop(f) => {
            targets(&f.target, out);
            body(&f.body, out);
            body(&f.else_body, out);
        }
        Stmt::IfCond(i) => {
            body(&i.true_body, out);
            body(&i.false_body, out);
        }
        Stmt::WithBlock(w) => {
            w.assignments.iter().for_each(|(a, _)| targets(a, out));
            body(&w.body, out);
        }
        Stmt::Set(x) => targets(&x.target, out),
        Stmt::SetBlock(x) => {
            targets(&x.target, out);
            body(&x.body, out);
        }
        Stmt::AutoEscape(a) => body(&a.body, out),
        Stmt::FilterBlock(f) => body(&f.body, out),
        Stmt::Block(b) => body(&b.body, out),
        Stmt::Macro(m) => {
            out.insert(m.name.to_string());
            m.args.iter().for_each(|a| targets(a, out));
            body(&m.body, out);
        }
        Stmt::CallBlock(c) => {
            c.macro_decl.args.iter().for_each(|a| targets(a, out));
            body(&c.macro_decl.body, out);
        }
        _ => {}
    }
}

/// Statements nested deeper than this are not read for the names they bind.
const MAX_BOUND_DEPTH: usize = 256;
/// Names a template binds, kept.
const MAX_BOUND: usize = 4096;

/// One lexical pass over a template's tags: `(start, end, is_statement)` of each `{{ }}` and
/// `{% %}` tag (end exclusive, delimiters included), string literals inside tags skipped, `{# #}`
/// comments passed over. An unclosed tag runs to the end of the text.
fn tags(text: &str) -> Vec<(usize, usize, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] != b'{' {
            i += 1;
            continue;
        }
        let close = match b[i + 1] {
            b'{' => b'}',
            b'%' => b'%',
            b'#' => {
                i = text[i + 2..].find("#}").map_or(b.len(), |k| i + 2 + k + 2);
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let start = i;
        let mut j = i + 2;
        let mut quote: Option<u8> = None;
        while j < b.len() {
            match quote {
                Some(q) => {
                    if b[j] == b'\\' {
                        j += 1;
                    } else if b[j] == q {
                        quote = None;
                    }
                }
                None if b[j] == b'\'' || b[j] == b'"' => quote = Some(b[j]),
                None if b[j] == close && b.get(j + 1) == Some(&b'}') => {
                    j += 2;
                    break;
                }
                None => {}
            }
            j += 1;
        }
        let end = j.min(b.len());
        out.push((start, end, close == b'%'));
        i = end;
    }
    out
}

/// The words of a statement tag: its text without the delimiters and whitespace-control marks.
fn statement_body(tag: &str) -> &str {
    let inner = tag.get(2..tag.len().saturating_sub(2)).unwrap_or("");
    inner
        .trim_start_matches(['-', '+'])
        .trim_end_matches(['-', '+'])
        .trim()
}

/// Replace the bytes of `text[range]` with spaces, newlines kept (so lines and offsets stay).
fn blank(out: &mut [u8], range: std::ops::Range<usize>) {
    for c in &mut out[range] {
        if *c != b'\n' {
            *c = b' ';
        }
    }
}

/// The template as minijinja can parse it, byte for byte the same length so that spans and lines
/// stay right:
///
/// - transformers' extension tags `{% generation %}` / `{% endgeneration %}` (its
///   `AssistantTracker` extension, used by real templates to mark assistant tokens) only wrap
///   content; they are blanked out, as if they were not there;
/// - Jinja2 takes Unicode identifiers (`{% set café = 1 %}`), minijinja only ASCII ones: each
///   byte of a non-ASCII character in a tag outside string literals becomes an ASCII letter
///   (the same character always the same letters), so the name stays a name.
fn prepare(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    if text.is_ascii() && !text.contains("generation") {
        return std::borrow::Cow::Borrowed(text);
    }
    let all = tags(text);
    let mut out = b.to_vec();
    for &(start, end, statement) in &all {
        if statement
            && matches!(
                statement_body(&text[start..end]),
                "generation" | "endgeneration"
            )
        {
            blank(&mut out, start..end);
            continue;
        }
        let mut quote: Option<u8> = None;
        let mut j = start;
        while j < end {
            let c = b[j];
            match quote {
                Some(q) => {
                    if c == b'\\' {
                        j += 1;
                    } else if c == q {
                        quote = None;
                    }
                }
                None if c == b'\'' || c == b'"' => quote = Some(c),
                None if !c.is_ascii() => out[j] = b'a' + c % 26,
                None => {}
            }
            j += 1;
        }
    }
    // Only ASCII bytes replaced whole UTF-8 sequences, so the result is UTF-8.
    match String::from_utf8(out) {
        Ok(s) => std::borrow::Cow::Owned(s),
        Err(_) => std::borrow::Cow::Borrowed(text),
    }
}

/// Words that end an expression rather than name something a bracket could call or index
/// (`in (a, b)` is no call of `in`).
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "elif",
    "for",
    "set",
    "with",
    "as",
    "import",
    "from",
    "recursive",
    "return",
    "print",
    "do",
    "include",
    "call",
    "macro",
    "filter",
];

/// One token of a tag for [`call_on_filter_result`]: its byte range in the tag and its kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A name, a string literal or a number.
    Atom,
    /// A keyword of [`KEYWORDS`].
    Keyword,
    /// Any other character outside string literals (`|`, `.`, brackets, operators).
    Punct(u8),
}

/// The tokens of a tag's text, `(start, end, kind)`.
fn tag_tokens(tag: &str) -> Vec<(usize, usize, Tok)> {
    let b = tag.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let kind = if c == b'\'' || c == b'"' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            Tok::Atom
        } else if c == b'_' || c.is_ascii_alphanumeric() {
            while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            // A number's fraction (`1.5`), so the dot is not read as attribute access.
            if c.is_ascii_digit() && b.get(i) == Some(&b'.') {
                i += 1;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
            }
            if KEYWORDS.contains(&&tag[start..i]) {
                Tok::Keyword
            } else {
                Tok::Atom
            }
        } else {
            i += 1;
            Tok::Punct(c)
        };
        out.push((start, i, kind));
    }
    out
}

/// For each token, the index of the bracket that matches it (for brackets that are matched),
/// found with one stack in one pass.
fn bracket_mates(toks: &[(usize, usize, Tok)]) -> Vec<Option<usize>> {
    let mut mates = vec![None; toks.len()];
    let mut open = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        match t.2 {
            Tok::Punct(b'(' | b'[' | b'{') => open.push(k),
            Tok::Punct(b')' | b']' | b'}') => {
                if let Some(o) = open.pop() {
                    mates[o] = Some(k);
                    mates[k] = Some(o);
                }
            }
            _ => {}
        }
    }
    mates
}

/// The first token of the operand whose filter chain ends before `pipe`: a postfix expression
/// (an atom or a bracketed group, then `.name`, `[...]` and `(...)`), with the filters of the
/// chain before `pipe` (`x|f(a)|g`), read backwards.
fn operand_start(
    toks: &[(usize, usize, Tok)],
    mates: &[Option<usize>],
    pipe: usize,
) -> Option<usize> {
    let mut k = pipe.checked_sub(1)?;
    loop {
        let cur = match toks[k].2 {
            Tok::Punct(b')' | b']' | b'}') => mates[k]?,
            Tok::Atom => k,
            _ => return None,
        };
        let Some(p) = cur.checked_sub(1) else {
            return Some(cur);
        };
        let bracket = matches!(toks[cur].2, Tok::Punct(_));
        match toks[p].2 {
            // `x.name`, `x|filter`: the operand goes on before them.
            Tok::Punct(b'.' | b'|') if p > 0 => k = p - 1,
            // `f(...)`, `x[...]`: a call or subscript of what comes before.
            Tok::Atom | Tok::Punct(b')' | b']' | b'}') if bracket => k = p,
            _ => return Some(cur),
        }
    }
}

/// One tag with its first call on a filter result wrapped, or `None` when it has none.
fn wrap_filter_call(tag: &str) -> Option<String> {
    let toks = tag_tokens(tag);
    let mates = bracket_mates(&toks);
    for (i, t) in toks.iter().enumerate() {
        if t.2 != Tok::Punct(b'|') {
            continue;
        }
        // The filter: a name, dotted parts, then its arguments if a bracket follows.
        let mut j = i + 1;
        if toks.get(j).map(|t| t.2) != Some(Tok::Atom) {
            continue;
        }
        j += 1;
        while toks.get(j).map(|t| t.2) == Some(Tok::Punct(b'.'))
            && toks.get(j + 1).map(|t| t.2) == Some(Tok::Atom)
        {
            j += 2;
        }
        if toks.get(j).map(|t| t.2) == Some(Tok::Punct(b'(')) {
            j = mates[j]? + 1;
        }
        if toks.get(j).map(|t| t.2) != Some(Tok::Punct(b'(')) {
            continue;
        }
        let start = operand_start(&toks, &mates, i)?;
        let (a, call) = (toks[start].0, toks[j].0);
        return Some(format!("{}({}){}", &tag[..a], &tag[a..call], &tag[call..]));
    }
    None
}

/// Most calls on filter results wrapped in one tag.
const MAX_WRAPPED: usize = 64;

/// Jinja2 accepts a call directly on the result of a filter or test (`''|attr(n)()`: its
/// `parse_filter_expr` takes `(` after a filter as a call), minijinja's parser does not. Each
/// such call is rewritten to the equivalent minijinja accepts, the filter chain and its operand
/// wrapped in parentheses (`(''|attr(n))()`), so the template is parsed and its names folded as
/// Jinja2 reads it (tester round 10, A2: otherwise the tag was blanked in the fallback and a name
/// built from pieces went unseen). Two bytes are added per call, never a line, so lines stay
/// right; only tags that contain a `(` right after a filter are touched, and those minijinja
/// rejects anyway.
fn call_on_filter_result(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('|') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut last = 0;
    for (start, end, _) in tags(text) {
        let inner = (start + 2, end.saturating_sub(2).max(start + 2));
        let Some(body) = text.get(inner.0..inner.1) else {
            continue;
        };
        let mut tag = std::borrow::Cow::Borrowed(body);
        for _ in 0..MAX_WRAPPED {
            match wrap_filter_call(&tag) {
                Some(next) => tag = std::borrow::Cow::Owned(next),
                None => break,
            }
        }
        if let std::borrow::Cow::Owned(t) = tag {
            out.push_str(&text[last..inner.0]);
            out.push_str(&t);
            last = inner.1;
        }
    }
    if last == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// The fallback for a template minijinja rejects, with constant folding kept: a same-length copy
/// that keeps the expression tags (`{{ }}`), the inline `{% set x = ... %}` tags (so names built
/// in variables still fold) and the conditions of `{% if %}`/`{% elif %}` rewritten as `{{ }}`;
/// every other tag is blanked, so no block is left open. A tag that still does not parse is
/// blanked in turn (at most [`MAX_SALVAGE`] times), and what remains is walked as usual.
fn salvage(text: &str) -> BTreeSet<Hit> {
    let mut out = text.as_bytes().to_vec();
    let all = tags(text);
    for &(start, end, statement) in &all {
        if !statement {
            continue;
        }
        let body = statement_body(&text[start..end]);
        let word = body
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .next();
        match word {
            Some("set") if body.contains('=') => {}
            Some(kw @ ("if" | "elif")) if end >= start + 4 && text[start..end].ends_with("%}") => {
                // `{%- if x -%}` → `{{-    x -}}`, the same length.
                out[start + 1] = b'{';
                out[end - 2] = b'}';
                let at = start + text[start..end].find(kw).unwrap_or(0);
                blank(&mut out, at..at + kw.len());
            }
            _ => blank(&mut out, start..end),
        }
    }
    for _ in 0..MAX_SALVAGE {
        let Ok(candidate) = std::str::from_utf8(&out) else {
            break;
        };
        match parse_and_walk(candidate) {
            Ok(hits) => return hits,
            Err(e) => {
                // The error's line (minijinja gives byte ranges only with its `debug`
                // feature): the first tag that touches that line is blanked.
                let Some(line) = e.line() else {
                    break;
                };
                let line_start: usize = candidate
                    .split_inclusive('\n')
                    .take(line.saturating_sub(1))
                    .map(str::len)
                    .sum();
                let line_end = candidate[line_start..]
                    .find('\n')
                    .map_or(candidate.len(), |n| line_start + n + 1);
                let blank_already =
                    |s: usize, e: usize| out[s..e].iter().all(|&c| matches!(c, b' ' | b'\n'));
                let Some(&(start, end, _)) = all
                    .iter()
                    .find(|(s, e, _)| *e > line_start && *s < line_end && !blank_already(*s, *e))
                else {
                    break;
                };
                blank(&mut out, start..end);
            }
        }
    }
    BTreeSet::new()
}

/// Most tags blanked one by one while salvaging an unparsable template.
const MAX_SALVAGE: usize = 32;

/// Most tokens in one `{{ }}` or `{% %}` tag that is parsed: a tag's syntax tree is at most as
/// deep as its tokens are many. The longest tags of real templates have a few hundred.
const MAX_TAG_TOKENS: usize = 2000;

/// The 1-based line of the first tag with more than [`MAX_TAG_TOKENS`] tokens, and whether that
/// tag closes (an unclosed one runs to the end of the text). Tokens are counted lexically: a word or number, a quoted string, or one punctuation
/// character; comments `{# #}` and text between tags do not count. A tag ends where minijinja's
/// lexer ends it: at its own closing delimiter outside brackets, so `{'a': {}}` inside a tag
/// does not end it. When in doubt the count goes on, which can only report a long tag.
fn overlong_tag(text: &str) -> Option<(usize, bool)> {
    struct Tag {
        line: usize,
        close: u8,
        depth: i64,
        tokens: usize,
    }
    let b = text.as_bytes();
    let (mut i, mut line) = (0usize, 1usize);
    let mut tag: Option<Tag> = None;
    // The line of the over-long tag, once found: the walk goes on only to see it close.
    let mut over: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
        }
        let Some(t) = &mut tag else {
            if c == b'{' && matches!(b.get(i + 1), Some(b'{' | b'%')) {
                let close = if b[i + 1] == b'{' { b'}' } else { b'%' };
                tag = Some(Tag {
                    line,
                    close,
                    depth: 0,
                    tokens: 0,
                });
                i += 2;
            } else {
                i += 1;
            }
            continue;
        };
        if c == t.close && t.depth <= 0 && b.get(i + 1) == Some(&b'}') {
            if let Some(line) = over {
                return Some((line, true));
            }
            tag = None;
            i += 2;
            continue;
        }
        match c {
            b'\'' | b'"' => {
                t.tokens += 1;
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ if c == b'_' || c.is_ascii_alphanumeric() => {
                t.tokens += 1;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
            }
            _ => {
                match c {
                    b'(' | b'[' | b'{' => t.depth += 1,
                    b')' | b']' | b'}' => t.depth -= 1,
                    _ => {}
                }
                if !c.is_ascii_whitespace() {
                    t.tokens += 1;
                }
                i += 1;
            }
        }
        if t.tokens > MAX_TAG_TOKENS && over.is_none() {
            over = Some(t.line);
        }
    }
    over.map(|line| (line, false))
}

fn at(loc: &Location, line: Option<usize>) -> Location {
    match (&loc.span, line) {
        (None, Some(l)) => loc.with_span(Span::Line { line: l as u64 }),
        _ => loc.clone(),
    }
}

fn report(ctx: &mut Ctx, hits: &BTreeSet<Hit>, loc: &Location, source: &str) {
    let dunders: BTreeSet<&str> = hits
        .iter()
        .filter(|h| h.kind == Kind::Dunder)
        .map(|h| h.what.as_str())
        .collect();
    let names = hits.iter().any(|h| h.kind == Kind::Name);
    let unknown = hits.iter().any(|h| h.kind == Kind::Unknown);
    // The CVE-2024-34359 shape: a dunder that reaches modules, or any escape dunder together with
    // a module or code-execution name.
    // An unknown member of internals counts as an escape dunder.
    let reaches_modules = dunders.iter().any(|d| MODULE_DUNDERS.contains(d))
        || (names && (unknown || dunders.iter().any(|d| ESCAPE_DUNDERS.contains(d))));
    // One finding per rule and template: what it reaches, where it first does, the pieces.
    let mut escape = Group::default();
    let mut suspicious = Group::default();
    for h in hits {
        let escape_dunder = h.kind == Kind::Dunder && ESCAPE_DUNDERS.contains(&h.what.as_str());
        let (group, severity) = match h.kind {
            Kind::Dunder | Kind::Gadget | Kind::Unknown
                if escape_dunder || h.kind != Kind::Dunder =>
            {
                (
                    &mut escape,
                    if reaches_modules {
                        Severity::Critical
                    } else {
                        Severity::High
                    },
                )
            }
            // A name that is also an escape dunder is reported once, as an escape.
            Kind::Name if dunders.contains(h.what.as_str()) => continue,
            Kind::Name if reaches_modules => (&mut suspicious, Severity::High),
            Kind::Dunder if !reaches_modules && INERT_DUNDERS.contains(&h.what.as_str()) => {
                (&mut suspicious, Severity::Low)
            }
            _ => (&mut suspicious, Severity::Medium),
        };
        group.add(h, severity);
    }
    let lines = loc.span.is_some();
    if let Some((severity, line, whats, evidence)) = escape.finish(lines) {
        ctx.emit(
            Finding::builder(&r::chat_template_sandbox_escape::RULE, at(loc, Some(line)))
                .severity(severity)
                .message(format!(
                    "{source} reaches Python internals outside the template sandbox: {whats}"
                ))
                .evidence(evidence)
                .build(),
        );
    }
    if let Some((severity, line, whats, evidence)) = suspicious.finish(lines) {
        ctx.emit(
            Finding::builder(
                &r::chat_template_suspicious_access::RULE,
                at(loc, Some(line)),
            )
            .severity(severity)
            .message(format!(
                "{source} names what runs code or reaches the operating system: {whats}"
            ))
            .evidence(evidence)
            .build(),
        );
    }
}

/// The hits of one rule in one template.
#[derive(Default)]
struct Group<'h> {
    severity: Option<Severity>,
    first_line: Option<u64>,
    whats: BTreeSet<&'h str>,
    pieces: Vec<&'h Hit>,
}

impl<'h> Group<'h> {
    fn add(&mut self, h: &'h Hit, severity: Severity) {
        self.severity = self.severity.max(Some(severity));
        self.first_line = Some(self.first_line.map_or(h.line, |l| l.min(h.line)));
        self.whats.insert(&h.what);
        if self.pieces.len() < MAX_HITS && !self.pieces.iter().any(|p| p.snippet == h.snippet) {
            self.pieces.push(h);
        }
    }

    /// (severity, first line, what was reached, evidence), or `None` when empty. `lines` puts
    /// line numbers into the evidence (when the location's span is not a line).
    fn finish(self, lines: bool) -> Option<(Severity, usize, String, String)> {
        let severity = self.severity?;
        let whats: Vec<&str> = self.whats.into_iter().collect();
        let pieces: Vec<String> = self
            .pieces
            .iter()
            .map(|h| {
                if lines {
                    format!("line {}: {}", h.line, h.snippet)
                } else {
                    h.snippet.clone()
                }
            })
            .collect();
        Some((
            severity,
            self.first_line.unwrap_or(1) as usize,
            whats.join(", "),
            pieces.join(" | "),
        ))
    }
}

/// A JSON document that carries chat templates: a `tokenizer_config.json` or `chat_template.json`
/// (an object with a `chat_template` key whose value is a string, or a list of
/// `{"name", "template"}` objects).
pub fn looks_like_config(data: &[u8]) -> bool {
    let head = &data[..data.len().min(64)];
    let starts_object = head
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    starts_object && memfind(data, b"\"chat_template\"")
}

fn memfind(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A Jinja file: text with a statement or expression delimiter, named `*.jinja` (`*.j2`).
pub fn looks_like_template(data: &[u8], name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".jinja") || lower.ends_with(".j2"))
        && (memfind(data, b"{%") || memfind(data, b"{{"))
}

/// Analyse a `chat_template.jinja` file.
pub fn analyse_template(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    let text = String::from_utf8_lossy(data);
    check(ctx, &text, loc, "chat template");
    Format::ChatTemplate
}

/// Analyse a tokenizer config: every template under `chat_template`, in every copy of the key (a
/// duplicated key is `json-duplicate-key`: Python keeps the last copy, other readers the first,
/// so each is judged). A file that is not a JSON object is left to other checks (it is reported
/// as text).
pub fn analyse_config(ctx: &mut Ctx, data: &[u8], loc: &Location) -> Format {
    // Read as transformers reads it (`json.load`): a lone surrogate or `1e400` elsewhere in the
    // file does not hide the template.
    let parsed = json::from_python::<json::Pairs>(data);
    let dup = parsed.duplicate();
    let Ok(json::Pairs(pairs)) = parsed.value else {
        return Format::Text;
    };
    if parsed.deep {
        json::report_deep(ctx, loc);
    }
    if let Some(dup) = dup {
        ctx.emit(json::duplicate_finding(loc, &dup, "the tokenizer config"));
    }
    for (_, value) in pairs.iter().filter(|(k, _)| k == "chat_template") {
        match value {
            serde_json::Value::String(t) => {
                let at = loc.with_span(Span::JsonPointer {
                    pointer: "/chat_template".into(),
                });
                check(ctx, t, &at, "chat_template");
            }
            serde_json::Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    let Some(t) = item.get("template").and_then(|t| t.as_str()) else {
                        continue;
                    };
                    let name = item
                        .get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("unnamed");
                    let at = loc.with_span(Span::JsonPointer {
                        pointer: format!("/chat_template/{i}/template"),
                    });
                    check(ctx, t, &at, &format!("chat_template {name:?}"));
                }
            }
            _ => {}
        }
    }
    Format::TokenizerConfig
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::BudgetLimits;

    fn worst(text: &str) -> Vec<(&'static str, Severity)> {
        let mut ctx = Ctx::new(BudgetLimits::default());
        check(&mut ctx, text, &Location::file("t.jinja"), "t");
        ctx.findings
            .iter()
            .map(|f| (f.rule.id, f.severity))
            .collect()
    }

    #[test]
    fn the_cve_shape_is_critical() {
        let t = "{% for c in ().__class__.__base__.__subclasses__() %}{{ c()._module.__builtins__['__import__']('os').popen('echo hi').read() }}{% endfor %}";
        let f = worst(t);
        assert!(f.contains(&("chat-template-sandbox-escape", Severity::Critical)));
    }

    #[test]
    fn an_ordinary_template_gives_nothing() {
        let t = "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('x') }}{% endif %}{{ message['content'] }}{% endfor %}{% if add_generation_prompt %}{{ 'a' }}{% endif %}{% set ns = namespace(x=1) %}{{ ns.x }}{% if tools %}{{ tools | tojson }}{% endif %}";
        assert_eq!(worst(t), vec![]);
    }

    #[test]
    fn gadgets_and_names() {
        assert!(worst("{{ lipsum.__globals__['os'].popen('echo') }}")
            .contains(&("chat-template-sandbox-escape", Severity::Critical)));
        assert!(worst("{{ self._TemplateReference__context }}")
            .contains(&("chat-template-sandbox-escape", Severity::High)));
        assert!(worst("{{ os.popen('echo') }}")
            .contains(&("chat-template-suspicious-access", Severity::Medium)));
    }

    /// Calls on filter results are wrapped, the operand and the filters before the call with
    /// them; calls that minijinja reads already, and filter arguments, are left alone.
    #[test]
    fn calls_on_filter_results_are_wrapped() {
        for (t, want) in [
            ("{{ ''|attr('a')() }}", "{{ (''|attr('a'))() }}"),
            ("{{ x.y[0]|f(a)|g()(1) }}", "{{ (x.y[0]|f(a)|g())(1) }}"),
            ("{{ a ~ b|f()() }}", "{{ a ~ (b|f())() }}"),
            ("{{ x|f(1)(2)|g(3)(4) }}", "{{ ((x|f(1))(2)|g(3))(4) }}"),
            (
                "{% for a in b|f()(1) %}{% endfor %}",
                "{% for a in (b|f())(1) %}{% endfor %}",
            ),
            ("{{- ()|attr('x' ~ y)() -}}", "{{- (()|attr('x' ~ y))() -}}"),
            ("{{ f(x)|g()(1) }}", "{{ (f(x)|g())(1) }}"),
            (
                "{{ x|f() }}{{ x|f }}({{ y }})",
                "{{ x|f() }}{{ x|f }}({{ y }})",
            ),
            ("{{ '|a()(' ~ x|f(')(') }}", "{{ '|a()(' ~ x|f(')(') }}"),
            ("{{ not (x)|f() }}", "{{ not (x)|f() }}"),
        ] {
            assert_eq!(call_on_filter_result(t), want, "{t}");
        }
    }

    #[test]
    fn unparsable_falls_back_to_tokens() {
        let f = worst("{% for x in ().__class__.__subclasses__() %}{{ x }");
        assert!(f.contains(&("chat-template-unparsable", Severity::Low)));
        assert!(f.contains(&("chat-template-sandbox-escape", Severity::Critical)));
    }
}
