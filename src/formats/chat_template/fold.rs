//! Constant folding of template expressions: the strings (and the integers and lists they are
//! built from) that an expression can evaluate to without any input, so that a name built from
//! pieces (`'__cla' ~ 'ss__'`, `'_' * 2 ~ 'class' ~ '_' * 2`, `'%c' | format(95)`,
//! `['__', 'globals', '__'] | join`, `'__ssalc__' | reverse`, `'{}{}'.format(a, b)`, a variable
//! set from such pieces, a loop that appends to a `namespace`) is judged as the name it builds.
//!
//! Python's `str` methods that a template can call on a string (`swapcase`, `center`, `split`,
//! `partition`, `format` with format specs, `format_map`, `%` with a dict, ...) follow the
//! Python documentation (Library Reference, "Text Sequence Type", "Format Specification
//! Mini-Language", "printf-style String Formatting"); Jinja2's filters follow
//! `jinja2/filters.py`. A padding width is checked against [`MAX_LEN`] before a string is built.
//!
//! The folder follows Jinja2's semantics for what it folds and gives up (no value) on anything
//! else: a value that depends on the conversation is unknown, never guessed. Where control flow
//! decides (both branches of an `if`, a variable set in either), an expression has several
//! possible values, at most [`MAX_ALTERNATIVES`]; every one is checked, which over-approximates
//! what the template can build and never misses a branch.
//!
//! Bounds: strings of at most [`MAX_LEN`] characters, lists of at most [`MAX_ITEMS`] items,
//! expressions folded at most [`MAX_DEPTH`] deep, and [`MAX_STEPS`] folding steps per template
//! (copying the environment at a branch costs steps too; the walker also unrolls loops over
//! folded lists, at most [`MAX_UNROLLED`] bytes of template walked again); past a bound the value
//! is unknown.

use std::collections::BTreeMap;

use minijinja::machinery::ast;

/// Longest string folded (characters); an attribute or module name is far shorter.
pub const MAX_LEN: usize = 1024;
/// Most items of a folded list.
pub const MAX_ITEMS: usize = 256;
/// Most alternative values kept for one expression or variable.
pub const MAX_ALTERNATIVES: usize = 8;
/// Deepest expression folded.
pub const MAX_DEPTH: u32 = 256;
/// Folding steps (expression nodes evaluated) per template.
pub const MAX_STEPS: u64 = 1_000_000;
/// Template text (bytes) walked again by unrolled loops, in all, per template: a loop over a
/// folded list of n items costs n times its source length.
pub const MAX_UNROLLED: u64 = 4 << 20;
/// Most variables the environment knows; later ones are unknown.
pub const MAX_VARS: usize = 256;

/// A value known without input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folded {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A list or tuple.
    List(Vec<Folded>),
    /// A dict with string keys, in insertion order (a dict literal, `dict(k=v)`, keyword
    /// arguments): what `%` with `%(name)s`, `format_map` and `str.format` fields look up.
    Map(Vec<(String, Folded)>),
}

impl Folded {
    /// The value as Jinja renders it into a string (`~`, `string`): lists are not folded.
    pub fn text(&self) -> Option<String> {
        match self {
            Folded::Str(s) => Some(s.clone()),
            Folded::Int(i) => Some(i.to_string()),
            Folded::List(_) | Folded::Map(_) => None,
        }
    }

    /// The value of `key` in a dict.
    fn get(&self, key: &str) -> Option<&Folded> {
        match self {
            Folded::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A dict from pairs; a later key replaces an earlier one, as in Python.
    fn map(pairs: impl IntoIterator<Item = (String, Folded)>) -> Option<Folded> {
        let mut out: Vec<(String, Folded)> = Vec::new();
        for (k, v) in pairs {
            if let Some(slot) = out.iter_mut().find(|(x, _)| *x == k) {
                slot.1 = v;
            } else if out.len() < MAX_ITEMS {
                out.push((k, v));
            } else {
                return None;
            }
        }
        Some(Folded::Map(out))
    }

    fn str(s: String) -> Option<Folded> {
        (s.chars().count() <= MAX_LEN).then_some(Folded::Str(s))
    }

    fn list(items: Vec<Folded>) -> Option<Folded> {
        (items.len() <= MAX_ITEMS).then_some(Folded::List(items))
    }

    /// The items a `for` loop (or `list`) takes from the value: a list's items, a string's
    /// characters, a dict's keys.
    pub fn items(&self) -> Option<Vec<Folded>> {
        match self {
            Folded::List(v) => Some(v.clone()),
            Folded::Map(m) => Some(m.iter().map(|(k, _)| Folded::Str(k.clone())).collect()),
            Folded::Str(s) if s.chars().count() <= MAX_ITEMS => {
                Some(s.chars().map(|c| Folded::Str(c.to_string())).collect())
            }
            _ => None,
        }
    }
}

/// Possible values of an expression: empty when unknown.
pub type Values = Vec<Folded>;

fn push(out: &mut Values, v: Folded) {
    if out.len() < MAX_ALTERNATIVES && !out.contains(&v) {
        out.push(v);
    }
}

/// Every combination of one value from each list, at most [`MAX_ALTERNATIVES`]; empty when
/// any list is empty (unknown).
fn product(lists: &[Values]) -> Vec<Vec<&Folded>> {
    let mut out: Vec<Vec<&Folded>> = vec![Vec::new()];
    for l in lists {
        let mut next = Vec::new();
        'outer: for prefix in &out {
            for v in l {
                if next.len() >= MAX_ALTERNATIVES {
                    break 'outer;
                }
                let mut p = prefix.clone();
                p.push(v);
                next.push(p);
            }
        }
        out = next;
    }
    out
}

/// What the walker knows of the template's variables: for each name (or `ns.attr` of a
/// `namespace`), the values it may hold. A name absent is unknown.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, Values>,
}

impl Env {
    /// Set `name` to `values` (unknown when empty, or when [`MAX_VARS`] others are known).
    pub fn set(&mut self, name: String, values: Values) {
        if values.is_empty() {
            self.vars.remove(&name);
        } else if self.vars.len() < MAX_VARS || self.vars.contains_key(&name) {
            self.vars.insert(name, values);
        }
    }

    /// What copying the environment costs, in folding steps.
    fn weight(&self) -> u64 {
        self.vars
            .values()
            .flatten()
            .map(|v| 1 + v.text().map_or(0, |t| t.len() as u64 / 64))
            .sum::<u64>()
            + 1
    }

    /// Forget `name` and its `namespace` attributes.
    pub fn forget(&mut self, name: &str) {
        self.vars.remove(name);
        let prefix = format!("{name}.");
        self.vars.retain(|k, _| !k.starts_with(&prefix));
    }

    /// After an `if`: a variable may hold what either branch left in it.
    pub fn merge(&mut self, other: Env) {
        for (k, vs) in other.vars {
            let mine = self.vars.entry(k).or_default();
            for v in vs {
                push(mine, v);
            }
        }
    }
}

/// The name a `set` target or a variable reference stands for in an [`Env`]: `x`, or `ns.attr`
/// for a namespace attribute.
pub fn target_name(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Var(v) => Some(v.id.to_string()),
        ast::Expr::GetAttr(g) => match &g.expr {
            ast::Expr::Var(v) => Some(format!("{}.{}", v.id, g.name)),
            _ => None,
        },
        _ => None,
    }
}

/// The folder: the environment and the step budget of one template.
#[derive(Debug)]
pub struct Folder {
    /// The variables known at the point the walker has reached.
    pub env: Env,
    steps: u64,
    /// Template bytes unrolled loops may still walk again.
    pub unroll_budget: u64,
}

impl Default for Folder {
    fn default() -> Self {
        Folder {
            env: Env::default(),
            steps: MAX_STEPS,
            unroll_budget: MAX_UNROLLED,
        }
    }
}

impl Folder {
    /// A copy of the environment (before a branch), paid for in steps; when the steps are spent,
    /// every variable becomes unknown.
    pub fn snapshot(&mut self) -> Env {
        let w = self.env.weight();
        if self.steps < w {
            self.steps = 0;
            self.env = Env::default();
            return Env::default();
        }
        self.steps -= w;
        self.env.clone()
    }

    /// Record what `target` holds after `set target = value`.
    pub fn assign(&mut self, target: &ast::Expr, value: &ast::Expr) {
        let values = self.fold(value);
        self.bind(target, values);
        // `namespace(a=..., b=...)`: its attributes, as `ns.a`, `ns.b`.
        if let (ast::Expr::Var(t), ast::Expr::Call(c)) = (target, value) {
            if matches!(&c.expr, ast::Expr::Var(v) if v.id == "namespace") {
                for a in &c.args {
                    if let ast::CallArg::Kwarg(k, e) = a {
                        let v = self.fold(e);
                        self.env.set(format!("{}.{k}", t.id), v);
                    }
                }
            }
        }
    }

    /// Bind a target (a name, a namespace attribute, a tuple of them) to possible values.
    pub fn bind(&mut self, target: &ast::Expr, values: Values) {
        match target {
            ast::Expr::Tuple(t) => {
                for (i, item) in t.items.iter().enumerate() {
                    let parts = values
                        .iter()
                        .filter_map(|v| match v {
                            Folded::List(l) if l.len() == t.items.len() => l.get(i).cloned(),
                            _ => None,
                        })
                        .collect();
                    self.bind(item, parts);
                }
            }
            _ => {
                if let Some(name) = target_name(target) {
                    if matches!(target, ast::Expr::Var(_)) {
                        self.env.forget(&name);
                    }
                    self.env.set(name, values);
                }
            }
        }
    }

    /// Forget what a target held (a loop variable, a macro argument).
    pub fn unbind(&mut self, target: &ast::Expr) {
        match target {
            ast::Expr::Tuple(t) => t.items.iter().for_each(|x| self.unbind(x)),
            _ => {
                if let Some(name) = target_name(target) {
                    self.env.forget(&name);
                }
            }
        }
    }

    /// The possible values of `e`; empty when unknown.
    pub fn fold(&mut self, e: &ast::Expr) -> Values {
        self.fold_at(e, 0)
    }

    /// The possible renderings of `e` as text (integers rendered as Jinja does).
    pub fn strings(&mut self, e: &ast::Expr) -> Vec<String> {
        self.fold(e).iter().filter_map(Folded::text).collect()
    }

    /// The possible string values of `e` (names: an integer is no attribute name).
    pub fn names(&mut self, e: &ast::Expr) -> Vec<String> {
        self.fold(e)
            .into_iter()
            .filter_map(|v| match v {
                Folded::Str(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn fold_at(&mut self, e: &ast::Expr, depth: u32) -> Values {
        use ast::Expr;
        if depth > MAX_DEPTH || self.steps == 0 {
            return Vec::new();
        }
        self.steps -= 1;
        let d = depth + 1;
        match e {
            Expr::Const(c) => {
                let v = &c.value;
                if let Some(s) = v.as_str() {
                    Folded::str(s.to_string()).into_iter().collect()
                } else if v.kind() == minijinja::value::ValueKind::Number && v.is_integer() {
                    v.as_i64().map(Folded::Int).into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            Expr::Var(_) | Expr::GetAttr(_) => {
                if let Some(v) = target_name(e).and_then(|n| self.env.vars.get(&n)) {
                    return v.clone();
                }
                // Jinja's `d.key` falls back to `d['key']`.
                let Expr::GetAttr(g) = e else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                for b in self.fold_at(&g.expr, d) {
                    if let Some(v) = b.get(g.name) {
                        push(&mut out, v.clone());
                    }
                }
                out
            }
            Expr::List(l) => self.seq(&l.items, d),
            Expr::Map(m) => self.dict(&m.keys, &m.values, d),
            Expr::Tuple(t) => self.seq(&t.items, d),
            Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOpKind::Neg) => self
                .fold_at(&u.expr, d)
                .into_iter()
                .filter_map(|v| match v {
                    Folded::Int(i) => i.checked_neg().map(Folded::Int),
                    _ => None,
                })
                .collect(),
            Expr::BinOp(b) => {
                let l = self.fold_at(&b.left, d);
                if l.is_empty() {
                    return l;
                }
                let r = self.fold_at(&b.right, d);
                let mut out = Vec::new();
                for p in product(&[l, r]) {
                    if let Some(v) = binop(&b.op, p[0], p[1]) {
                        push(&mut out, v);
                    }
                }
                out
            }
            Expr::IfExpr(i) => {
                let mut out = self.fold_at(&i.true_expr, d);
                let other = match &i.false_expr {
                    Some(f) => self.fold_at(f, d),
                    None => vec![Folded::Str(String::new())],
                };
                for v in other {
                    push(&mut out, v);
                }
                out
            }
            Expr::Filter(f) => {
                let Some(base) = &f.expr else {
                    return Vec::new();
                };
                let base = self.fold_at(base, d);
                if f.name == "default" || f.name == "d" {
                    // The default replaces an undefined value: either may be what is used.
                    let mut out = base;
                    if let Some(ast::CallArg::Pos(a)) = f.args.first() {
                        for v in self.fold_at(a, d) {
                            push(&mut out, v);
                        }
                    }
                    return out;
                }
                if base.is_empty() {
                    return base;
                }
                let Some((pos, kw)) = self.args(&f.args, d) else {
                    return Vec::new();
                };
                let n = pos.len();
                let mut lists = vec![base];
                lists.extend(pos);
                lists.extend(kw.clone());
                product(&lists)
                    .into_iter()
                    .filter_map(|p| {
                        let kw = kw.as_ref().map(|_| p[n + 1]);
                        filter(f.name, p[0], &p[1..=n], kw)
                    })
                    .fold(Vec::new(), |mut out, v| {
                        push(&mut out, v);
                        out
                    })
            }
            Expr::Call(c) => self.call(c, d),
            Expr::Slice(s) => {
                let base = self.fold_at(&s.expr, d);
                if base.is_empty() {
                    return base;
                }
                let bound = |x: &Option<ast::Expr>, this: &mut Self| -> Option<Values> {
                    match x {
                        None => Some(vec![Folded::Str(String::new())]),
                        Some(x) => {
                            let v = this.fold_at(x, d);
                            (!v.is_empty()).then_some(v)
                        }
                    }
                };
                let (Some(a), Some(b), Some(c)) = (
                    bound(&s.start, self),
                    bound(&s.stop, self),
                    bound(&s.step, self),
                ) else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                for p in product(&[base, a, b, c]) {
                    let int = |v: &Folded| match v {
                        Folded::Int(i) => Some(Some(*i)),
                        Folded::Str(s) if s.is_empty() => Some(None),
                        _ => None,
                    };
                    if let (Some(a), Some(b), Some(c)) = (int(p[1]), int(p[2]), int(p[3])) {
                        if let Some(v) = slice(p[0], a, b, c) {
                            push(&mut out, v);
                        }
                    }
                }
                out
            }
            Expr::GetItem(g) => {
                let base = self.fold_at(&g.expr, d);
                if base.is_empty() {
                    return base;
                }
                let idx = self.fold_at(&g.subscript_expr, d);
                let mut out = Vec::new();
                for p in product(&[base, idx]) {
                    let v = match p[1] {
                        Folded::Int(i) => index(p[0], *i),
                        Folded::Str(k) => p[0].get(k).cloned(),
                        _ => None,
                    };
                    if let Some(v) = v {
                        push(&mut out, v);
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// The items of a list or tuple literal.
    fn seq(&mut self, items: &[ast::Expr], d: u32) -> Values {
        if items.len() > MAX_ITEMS {
            return Vec::new();
        }
        let mut lists = Vec::with_capacity(items.len());
        for x in items {
            let v = self.fold_at(x, d);
            if v.is_empty() {
                return v;
            }
            lists.push(v);
        }
        product(&lists)
            .into_iter()
            .filter_map(|p| Folded::list(p.into_iter().cloned().collect()))
            .collect()
    }

    /// The items of a dict literal: string keys only (another key makes the dict unknown).
    fn dict(&mut self, keys: &[ast::Expr], values: &[ast::Expr], d: u32) -> Values {
        if keys.len() > MAX_ITEMS {
            return Vec::new();
        }
        let mut lists = Vec::with_capacity(keys.len() * 2);
        for x in keys.iter().chain(values) {
            let v = self.fold_at(x, d);
            if v.is_empty() {
                return v;
            }
            lists.push(v);
        }
        let n = keys.len();
        let mut out = Vec::new();
        for p in product(&lists) {
            let pairs: Option<Vec<(String, Folded)>> = (0..n)
                .map(|i| match p[i] {
                    Folded::Str(k) => Some((k.clone(), p[n + i].clone())),
                    _ => None,
                })
                .collect();
            if let Some(m) = pairs.and_then(Folded::map) {
                push(&mut out, m);
            }
        }
        out
    }

    /// Positional arguments, and keyword arguments as the possible dicts of them (`None` when
    /// there are none); `None` when any is unknown or splatted.
    #[allow(clippy::type_complexity)]
    fn args(&mut self, args: &[ast::CallArg], d: u32) -> Option<(Vec<Values>, Option<Values>)> {
        let mut pos = Vec::with_capacity(args.len());
        let mut names = Vec::new();
        let mut kw = Vec::new();
        for a in args {
            let (ast::CallArg::Pos(e) | ast::CallArg::Kwarg(_, e)) = a else {
                return None;
            };
            let v = self.fold_at(e, d);
            if v.is_empty() {
                return None;
            }
            match a {
                ast::CallArg::Kwarg(k, _) => {
                    names.push(*k);
                    kw.push(v);
                }
                _ if !kw.is_empty() => return None,
                _ => pos.push(v),
            }
        }
        if names.is_empty() {
            return Some((pos, None));
        }
        let maps = product(&kw)
            .into_iter()
            .filter_map(|p| {
                Folded::map(names.iter().zip(p).map(|(k, v)| (k.to_string(), v.clone())))
            })
            .collect();
        Some((pos, Some(maps)))
    }

    /// `range(...)`, `dict(k=v)` and string methods (`'x'.join(...)`, `.format`, `.replace`,
    /// `.center`, `.split`, ...) and dict methods (`.get`, `.keys`, ...).
    fn call(&mut self, c: &ast::Call, d: u32) -> Values {
        let (base, method) = match &c.expr {
            ast::Expr::Var(v) if v.id == "range" || v.id == "dict" => (None, v.id),
            ast::Expr::GetAttr(g) => (Some(&g.expr), g.name),
            _ => return Vec::new(),
        };
        let base = match base {
            Some(b) => {
                let v = self.fold_at(b, d);
                if v.is_empty() {
                    return v;
                }
                Some(v)
            }
            None => None,
        };
        let Some((pos, kw)) = self.args(&c.args, d) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match base {
            None if method == "dict" => {
                if !pos.is_empty() {
                    return out;
                }
                return kw.unwrap_or_else(|| vec![Folded::Map(Vec::new())]);
            }
            None => {
                if kw.is_some() {
                    return out;
                }
                for p in product(&pos) {
                    if let Some(v) = range(&p) {
                        push(&mut out, v);
                    }
                }
            }
            Some(base) => {
                let n = pos.len();
                let mut lists = vec![base];
                lists.extend(pos);
                lists.extend(kw.clone());
                for p in product(&lists) {
                    let kw = kw.as_ref().map(|_| p[n + 1]);
                    if let Some(v) = method_call(method, p[0], &p[1..=n], kw) {
                        push(&mut out, v);
                    }
                }
            }
        }
        out
    }
}

fn binop(op: &ast::BinOpKind, l: &Folded, r: &Folded) -> Option<Folded> {
    use ast::BinOpKind as K;
    use Folded::{Int, List, Map, Str};
    match (op, l, r) {
        (K::Concat, _, _) => Folded::str(l.text()? + &r.text()?),
        (K::Add, Str(a), Str(b)) => Folded::str(format!("{a}{b}")),
        (K::Add, List(a), List(b)) => Folded::list(a.iter().chain(b).cloned().collect()),
        (K::Add, Int(a), Int(b)) => a.checked_add(*b).map(Int),
        (K::Sub, Int(a), Int(b)) => a.checked_sub(*b).map(Int),
        (K::Mul, Int(a), Int(b)) => a.checked_mul(*b).map(Int),
        (K::Pow, Int(a), Int(b)) => a.checked_pow(u32::try_from(*b).ok()?).map(Int),
        (K::Mul, Str(s), Int(n)) | (K::Mul, Int(n), Str(s)) => {
            let n = usize::try_from(*n).unwrap_or(0);
            (s.chars().count().saturating_mul(n) <= MAX_LEN).then(|| Str(s.repeat(n)))
        }
        (K::Mul, List(v), Int(n)) | (K::Mul, Int(n), List(v)) => {
            let n = usize::try_from(*n).unwrap_or(0);
            (v.len().saturating_mul(n) <= MAX_ITEMS)
                .then(|| List(v.iter().cycle().take(v.len() * n).cloned().collect()))
        }
        (K::FloorDiv, Int(a), Int(b)) if *b != 0 => {
            let q = a.checked_div(*b)?;
            Some(Int(if (a % b != 0) && ((*a < 0) != (*b < 0)) {
                q - 1
            } else {
                q
            }))
        }
        (K::Rem, Int(a), Int(b)) if *b != 0 => {
            let m = a.checked_rem(*b)?;
            Some(Int(if m != 0 && ((m < 0) != (*b < 0)) {
                m + b
            } else {
                m
            }))
        }
        // Python's printf-style formatting: `'%c%c' % (95, 95)`, `'%(u)s' % {'u': '__'}`.
        (K::Rem, Str(f), Map(_)) => percent_format(f, &[], Some(r)),
        (K::Rem, Str(f), args) => {
            let args: Vec<&Folded> = match args {
                List(v) => v.iter().collect(),
                other => vec![other],
            };
            percent_format(f, &args, None)
        }
        _ => None,
    }
}

/// Jinja2's filters of the same names (`jinja2/filters.py`), for the shapes that build strings.
fn filter(name: &str, base: &Folded, args: &[&Folded], kw: Option<&Folded>) -> Option<Folded> {
    use Folded::{Int, List, Map, Str};
    match (name, base, args, kw) {
        // `format(value, *args, **kwargs)` is `value % (kwargs or args)`.
        ("format", Str(f), [], Some(m)) => return percent_format(f, &[], Some(m)),
        ("center", Str(s), [], Some(m)) => {
            return match m.get("width") {
                Some(Int(w)) => pad(s, *w, ' ', Align::PyCenter),
                _ => None,
            }
        }
        (_, _, _, Some(_)) => return None,
        _ => {}
    }
    match (name, base, args) {
        ("string" | "safe", v, []) => Folded::str(v.text()?),
        ("lower", Str(s), []) => Folded::str(s.to_lowercase()),
        ("upper", Str(s), []) => Folded::str(s.to_uppercase()),
        ("capitalize", Str(s), []) => Folded::str(capitalize(s)),
        ("title", Str(s), []) => Folded::str(jinja_title(s)),
        ("center", Str(s), []) => pad(s, 80, ' ', Align::PyCenter),
        ("center", Str(s), [Int(w)]) => pad(s, *w, ' ', Align::PyCenter),
        ("trim", Str(s), []) => Folded::str(s.trim().to_string()),
        ("trim", Str(s), [Str(chars)]) => {
            Folded::str(s.trim_matches(|c| chars.contains(c)).to_string())
        }
        ("replace", Str(s), [Str(a), Str(b)]) => replace(s, a, b, None),
        ("replace", Str(s), [Str(a), Str(b), Int(n)]) => replace(s, a, b, Some(*n)),
        ("reverse", Str(s), []) => Folded::str(s.chars().rev().collect()),
        ("reverse", List(v), []) => Folded::list(v.iter().rev().cloned().collect()),
        ("join", v, []) => join(&v.items()?, ""),
        ("join", v, [sep]) => join(&v.items()?, &sep.text()?),
        ("format", Str(f), args) => percent_format(f, args, None),
        ("first", v, []) => v.items()?.first().cloned(),
        ("last", v, []) => v.items()?.last().cloned(),
        ("list", v, []) => Folded::list(v.items()?),
        ("items", Map(m), []) => Folded::list(
            m.iter()
                .map(|(k, v)| List(vec![Str(k.clone()), v.clone()]))
                .collect(),
        ),
        // `map('upper')`: a filter applied to every item.
        ("map", v, [Str(f)]) => Folded::list(
            v.items()?
                .iter()
                .map(|x| filter(f, x, &[], None))
                .collect::<Option<_>>()?,
        ),
        ("int", Int(i), []) => Some(Int(*i)),
        ("int", Str(s), []) => s.trim().parse().ok().map(Int),
        ("length" | "count", Str(s), []) => i64::try_from(s.chars().count()).ok().map(Int),
        ("length" | "count", List(v), []) => i64::try_from(v.len()).ok().map(Int),
        ("length" | "count", Map(m), []) => i64::try_from(m.len()).ok().map(Int),
        _ => None,
    }
}

/// Python's `str` methods (and a dict's `get`, `keys`, `values`, `items`), as the Python
/// documentation specifies them, for one folded receiver and folded arguments.
fn method_call(
    method: &str,
    base: &Folded,
    args: &[&Folded],
    kw: Option<&Folded>,
) -> Option<Folded> {
    use Folded::{Int, List, Map, Str};
    if let Map(m) = base {
        return match (method, args, kw) {
            ("get", [Str(k)], None) => Some(base.get(k).cloned().unwrap_or(Str(String::new()))),
            ("get", [Str(k), d], None) => Some(base.get(k).cloned().unwrap_or((*d).clone())),
            ("keys", [], None) => Folded::list(base.items()?),
            ("values", [], None) => Folded::list(m.iter().map(|(_, v)| v.clone()).collect()),
            ("items", [], None) => filter("items", base, &[], None),
            _ => None,
        };
    }
    let Str(s) = base else {
        return None;
    };
    // Keyword arguments: `format(**kw)`, `format_map`, `split(sep=, maxsplit=)`.
    match (method, kw) {
        ("format", Some(m)) => return brace_format(s, args, Some(m)),
        ("split" | "rsplit", Some(m)) => {
            let Map(pairs) = m else { return None };
            if !args.is_empty() || pairs.iter().any(|(k, _)| k != "sep" && k != "maxsplit") {
                return None;
            }
            let sep = match m.get("sep") {
                Some(Str(x)) => Some(x.as_str()),
                None => None,
                _ => return None,
            };
            let max = match m.get("maxsplit") {
                Some(Int(n)) => *n,
                None => -1,
                _ => return None,
            };
            return split(s, sep, max, method == "rsplit");
        }
        (_, Some(_)) => return None,
        (_, None) => {}
    }
    match (method, args) {
        ("join", [v]) => join(&v.items()?, s),
        ("format", args) => brace_format(s, args, None),
        ("format_map", [m @ Map(_)]) => brace_format(s, &[], Some(m)),
        ("replace", [Str(a), Str(b)]) => replace(s, a, b, None),
        ("replace", [Str(a), Str(b), Int(n)]) => replace(s, a, b, Some(*n)),
        ("lower", []) => Folded::str(s.to_lowercase()),
        ("upper", []) => Folded::str(s.to_uppercase()),
        ("casefold", []) if s.is_ascii() => Folded::str(s.to_ascii_lowercase()),
        ("swapcase", []) => Folded::str(swapcase(s)),
        ("title", []) => Folded::str(py_title(s)),
        ("capitalize", []) => Folded::str(capitalize(s)),
        ("center", [Int(w)]) => pad(s, *w, ' ', Align::PyCenter),
        ("ljust", [Int(w)]) => pad(s, *w, ' ', Align::Left),
        ("rjust", [Int(w)]) => pad(s, *w, ' ', Align::Right),
        ("center", [Int(w), Str(f)]) => pad(s, *w, one_char(f)?, Align::PyCenter),
        ("ljust", [Int(w), Str(f)]) => pad(s, *w, one_char(f)?, Align::Left),
        ("rjust", [Int(w), Str(f)]) => pad(s, *w, one_char(f)?, Align::Right),
        ("zfill", [Int(w)]) => zfill(s, *w),
        ("expandtabs", []) => expandtabs(s, 8),
        ("expandtabs", [Int(n)]) => expandtabs(s, *n),
        ("strip", []) => Folded::str(s.trim().to_string()),
        ("lstrip", []) => Folded::str(s.trim_start().to_string()),
        ("rstrip", []) => Folded::str(s.trim_end().to_string()),
        ("strip", [Str(c)]) => Folded::str(s.trim_matches(|x| c.contains(x)).to_string()),
        ("lstrip", [Str(c)]) => Folded::str(s.trim_start_matches(|x| c.contains(x)).to_string()),
        ("rstrip", [Str(c)]) => Folded::str(s.trim_end_matches(|x| c.contains(x)).to_string()),
        ("removeprefix", [Str(p)]) => Folded::str(s.strip_prefix(p.as_str()).unwrap_or(s).into()),
        ("removesuffix", [Str(p)]) => Folded::str(s.strip_suffix(p.as_str()).unwrap_or(s).into()),
        ("split" | "rsplit", []) => split(s, None, -1, method == "rsplit"),
        ("split" | "rsplit", [Str(sep)]) => split(s, Some(sep), -1, method == "rsplit"),
        ("split" | "rsplit", [Str(sep), Int(n)]) => split(s, Some(sep), *n, method == "rsplit"),
        ("splitlines", []) => Folded::list(
            s.lines()
                .map(|l| Str(l.to_string()))
                .take(MAX_ITEMS + 1)
                .collect(),
        ),
        ("partition", [Str(sep)]) if !sep.is_empty() => {
            let (a, b) = s.split_once(sep.as_str()).unwrap_or((s, ""));
            let mid = if a.len() == s.len() { "" } else { sep };
            Some(List(vec![Str(a.into()), Str(mid.into()), Str(b.into())]))
        }
        ("rpartition", [Str(sep)]) if !sep.is_empty() => Some(match s.rsplit_once(sep.as_str()) {
            Some((a, b)) => List(vec![Str(a.into()), Str(sep.clone()), Str(b.into())]),
            None => List(vec![Str(String::new()), Str(String::new()), Str(s.clone())]),
        }),
        ("find" | "index", [Str(sub)]) => char_pos(s, s.find(sub.as_str()), method == "find"),
        ("rfind" | "rindex", [Str(sub)]) => char_pos(s, s.rfind(sub.as_str()), method == "rfind"),
        ("count", [Str(sub)]) if !sub.is_empty() => {
            i64::try_from(s.matches(sub.as_str()).count()).ok().map(Int)
        }
        _ => None,
    }
}

/// A byte offset found in `s` as Python's character index; `-1` (or unknown for `index`)
/// when not found.
fn char_pos(s: &str, at: Option<usize>, minus_one: bool) -> Option<Folded> {
    match at {
        Some(b) => i64::try_from(s[..b].chars().count()).ok().map(Folded::Int),
        None => minus_one.then_some(Folded::Int(-1)),
    }
}

/// The single character a fill argument must be (Python raises otherwise).
fn one_char(s: &str) -> Option<char> {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(x), None) => Some(x),
        _ => None,
    }
}

/// Where padding puts the text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    /// `str.format`'s `^`: the odd fill character goes right.
    Center,
    /// `str.center`: CPython puts the odd fill character left when the width is odd.
    PyCenter,
}

/// `s` padded with `fill` to `width` characters. The width is checked against [`MAX_LEN`]
/// before anything is built, so `center(10**9)` is unknown, not a gigabyte.
fn pad(s: &str, width: i64, fill: char, align: Align) -> Option<Folded> {
    let len = s.chars().count();
    let width = usize::try_from(width).unwrap_or(0);
    if width <= len {
        return Folded::str(s.to_string());
    }
    if width > MAX_LEN {
        return None;
    }
    let marg = width - len;
    let left = match align {
        Align::Left => 0,
        Align::Right => marg,
        Align::Center => marg / 2,
        Align::PyCenter => marg / 2 + (marg & width & 1),
    };
    let mut out = String::with_capacity(width * fill.len_utf8());
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, marg - left));
    Folded::str(out)
}

/// `str.zfill`: zeros after a leading sign.
fn zfill(s: &str, width: i64) -> Option<Folded> {
    let (sign, rest) = match s.chars().next() {
        Some(c @ ('+' | '-')) => (c.to_string(), &s[1..]),
        _ => (String::new(), s),
    };
    let w = width.saturating_sub(i64::try_from(sign.len()).ok()?);
    let Folded::Str(p) = pad(rest, w, '0', Align::Right)? else {
        return None;
    };
    Folded::str(sign + &p)
}

/// `str.expandtabs`: a tab becomes spaces to the next multiple of `tab` columns (a column
/// restarts after `\n` and `\r`).
fn expandtabs(s: &str, tab: i64) -> Option<Folded> {
    let tab = usize::try_from(tab).unwrap_or(0);
    let mut out = String::new();
    let mut col = 0usize;
    for c in s.chars() {
        match c {
            '\t' => {
                let n = if tab == 0 { 0 } else { tab - col % tab };
                if out.len() + n > MAX_LEN {
                    return None;
                }
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            c => {
                out.push(c);
                col += 1;
            }
        }
    }
    Folded::str(out)
}

/// `str.swapcase`.
fn swapcase(s: &str) -> String {
    s.chars()
        .flat_map(|c| -> Box<dyn Iterator<Item = char>> {
            if c.is_uppercase() {
                Box::new(c.to_lowercase())
            } else if c.is_lowercase() {
                Box::new(c.to_uppercase())
            } else {
                Box::new(std::iter::once(c))
            }
        })
        .collect()
}

fn is_cased(c: char) -> bool {
    c.is_uppercase() || c.is_lowercase()
}

/// `str.title`: a cased character after an uncased one is upper-cased, every other lowered
/// (Python title-cases; upper case differs only for a few digraphs such as `ǆ`).
fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_cased = is_cased(c);
    }
    out
}

/// `str.capitalize` (Python 3.8+): the first character upper-cased, the rest lowered.
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Jinja2's `title` filter: each run between `-`, whitespace, `(`, `{`, `[` or `<` gets its
/// first character upper-cased and the rest lowered.
fn jinja_title(s: &str) -> String {
    let boundary = |c: char| c == '-' || c.is_whitespace() || "({[<".contains(c);
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if boundary(c) {
            out.push(c);
            start = true;
        } else if start {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `str.split` / `str.rsplit` with an optional separator (runs of whitespace when `None`) and
/// `maxsplit` (negative: no limit). An empty separator is Python's `ValueError`: unknown.
fn split(s: &str, sep: Option<&str>, maxsplit: i64, from_right: bool) -> Option<Folded> {
    let max = usize::try_from(maxsplit).unwrap_or(usize::MAX);
    let mut parts: Vec<String> = match sep {
        Some("") => return None,
        Some(sep) if from_right => s
            .rsplitn(max.saturating_add(1), sep)
            .map(String::from)
            .collect(),
        Some(sep) => s
            .splitn(max.saturating_add(1), sep)
            .map(String::from)
            .collect(),
        None => {
            // Python: runs of whitespace separate, leading and trailing ones give no empty
            // item; after `maxsplit` splits the rest is kept (stripped on the split side).
            let mut out = Vec::new();
            let mut rest: &str = if from_right {
                s.trim_end()
            } else {
                s.trim_start()
            };
            while !rest.is_empty() {
                if out.len() == max || out.len() > MAX_ITEMS {
                    out.push(rest.to_string());
                    break;
                }
                let cut = if from_right {
                    rest.rfind(char::is_whitespace).map(|i| {
                        let w = rest[i..].chars().next().map_or(1, char::len_utf8);
                        (i, i + w)
                    })
                } else {
                    rest.find(char::is_whitespace).map(|i| {
                        let w = rest[i..].chars().next().map_or(1, char::len_utf8);
                        (i, i + w)
                    })
                };
                match cut {
                    None => {
                        out.push(rest.to_string());
                        break;
                    }
                    Some((a, b)) if from_right => {
                        out.push(rest[b..].to_string());
                        rest = rest[..a].trim_end();
                    }
                    Some((a, b)) => {
                        out.push(rest[..a].to_string());
                        rest = rest[b..].trim_start();
                    }
                }
            }
            out
        }
    };
    if from_right {
        parts.reverse();
    }
    if parts.len() > MAX_ITEMS {
        return None;
    }
    Folded::list(parts.into_iter().map(Folded::Str).collect())
}

fn range(args: &[&Folded]) -> Option<Folded> {
    let ints: Vec<i64> = args
        .iter()
        .map(|a| match a {
            Folded::Int(i) => Some(*i),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let (start, stop, step) = match ints[..] {
        [stop] => (0, stop, 1),
        [start, stop] => (start, stop, 1),
        [start, stop, step] if step != 0 => (start, stop, step),
        _ => return None,
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if out.len() >= MAX_ITEMS {
            return None;
        }
        out.push(Folded::Int(i));
        i = i.checked_add(step)?;
    }
    Some(Folded::List(out))
}

fn join(items: &[Folded], sep: &str) -> Option<Folded> {
    let parts: Vec<String> = items.iter().map(Folded::text).collect::<Option<_>>()?;
    let len: usize =
        parts.iter().map(String::len).sum::<usize>() + sep.len().saturating_mul(parts.len());
    if len > 4 * MAX_LEN {
        return None;
    }
    Folded::str(parts.join(sep))
}

/// `str.replace`; an empty `old` inserts `new` before every character and at the end, as
/// Python does.
fn replace(s: &str, a: &str, b: &str, count: Option<i64>) -> Option<Folded> {
    let limit = count.and_then(|n| usize::try_from(n).ok());
    if a.is_empty() {
        let n = s.chars().count() + 1;
        let n = limit.map_or(n, |l| l.min(n));
        if s.len() + n.saturating_mul(b.len()) > 4 * MAX_LEN {
            return None;
        }
        let mut out = String::new();
        let mut done = 0;
        for c in s.chars() {
            if done < n {
                out.push_str(b);
                done += 1;
            }
            out.push(c);
        }
        if done < n {
            out.push_str(b);
        }
        return Folded::str(out);
    }
    // The result is bounded before it is built: each replacement adds at most `b`.
    let hits = s.matches(a).count();
    if s.len() + hits.saturating_mul(b.len()) > 4 * MAX_LEN {
        return None;
    }
    let out = match limit {
        None => s.replace(a, b),
        Some(n) => s.replacen(a, b, n),
    };
    Folded::str(out)
}

/// Python slicing of a string or list with optional start, stop and step.
fn slice(v: &Folded, start: Option<i64>, stop: Option<i64>, step: Option<i64>) -> Option<Folded> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let items = v.items()?;
    let len = i64::try_from(items.len()).ok()?;
    let clamp = |i: i64, lo: i64, hi: i64| {
        let i = if i < 0 { i + len } else { i };
        i.clamp(lo, hi)
    };
    let mut picked = Vec::new();
    if step > 0 {
        let (a, b) = (
            start.map_or(0, |i| clamp(i, 0, len)),
            stop.map_or(len, |i| clamp(i, 0, len)),
        );
        let mut i = a;
        while i < b {
            picked.push(items[usize::try_from(i).ok()?].clone());
            i += step;
        }
    } else {
        let (a, b) = (
            start.map_or(len - 1, |i| clamp(i, -1, len - 1)),
            stop.map_or(-1, |i| clamp(i, -1, len - 1)),
        );
        let mut i = a;
        while i > b {
            picked.push(items[usize::try_from(i).ok()?].clone());
            i += step;
        }
    }
    match v {
        Folded::Str(_) => Folded::str(picked.iter().filter_map(Folded::text).collect()),
        _ => Folded::list(picked),
    }
}

fn index(v: &Folded, i: i64) -> Option<Folded> {
    let items = v.items()?;
    let len = i64::try_from(items.len()).ok()?;
    let i = if i < 0 { i + len } else { i };
    items.get(usize::try_from(i).ok()?).cloned()
}

/// `%c` of an integer or a one-character string.
fn char_of(v: &Folded) -> Option<String> {
    match v {
        Folded::Int(i) => char::from_u32(u32::try_from(*i).ok()?).map(String::from),
        Folded::Str(s) if s.chars().count() == 1 => Some(s.clone()),
        _ => None,
    }
}

/// Python's `repr` of a string or integer (`!r`, `%r`): single quotes unless the text holds a
/// single quote and no double one, backslash escapes for the quote, `\\`, `\n`, `\r`, `\t` and
/// other ASCII controls. Unknown for other control characters and for lists and dicts.
fn repr(v: &Folded) -> Option<String> {
    let s = match v {
        Folded::Int(i) => return Some(i.to_string()),
        Folded::Str(s) => s,
        _ => return None,
    };
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => return None,
            c => out.push(c),
        }
    }
    out.push(q);
    Some(out)
}

/// An integer in base 2, 8, 10 or 16 without its sign, and the sign.
fn digits(i: i64, radix: u32, upper: bool) -> (bool, String) {
    let m = i.unsigned_abs();
    let s = match (radix, upper) {
        (2, _) => format!("{m:b}"),
        (8, _) => format!("{m:o}"),
        (16, false) => format!("{m:x}"),
        (16, true) => format!("{m:X}"),
        _ => m.to_string(),
    };
    (i < 0, s)
}

/// A number of at most [`MAX_LEN`] read from the front of `chars` (a width or precision); `Err`
/// when it is larger, `Ok(None)` when there are no digits.
fn number(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<Option<usize>, ()> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        let v = n.unwrap_or(0) * 10 + d as usize;
        if v > MAX_LEN {
            return Err(());
        }
        n = Some(v);
    }
    Ok(n)
}

/// Python's `str % args` (`printf`-style formatting, Jinja's `format` filter):
/// `%[(key)][flags][width][.precision]type` with the flags `-`, `0`, ` `, `+`, `#`, and the types
/// `s`, `r`, `a`, `d`, `i`, `u`, `x`, `X`, `o`, `c` and `%%`. `(key)` looks the value up in
/// `mapping` (`'%(u)s' % {'u': '__'}`). A `*` width, float types, a width over [`MAX_LEN`] and
/// unused arguments are unknown.
fn percent_format(f: &str, args: &[&Folded], mapping: Option<&Folded>) -> Option<Folded> {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let arg = if chars.peek() == Some(&'(') {
            chars.next();
            let mut key = String::new();
            loop {
                match chars.next()? {
                    ')' => break,
                    x => key.push(x),
                }
                if key.len() > MAX_LEN {
                    return None;
                }
            }
            Some(mapping?.get(&key)?)
        } else {
            None
        };
        let (mut left, mut zero, mut sign, mut alt) = (false, false, None, false);
        while let Some(&x) = chars.peek() {
            match x {
                '-' => left = true,
                '0' => zero = true,
                '+' => sign = Some('+'),
                ' ' if sign.is_none() => sign = Some(' '),
                ' ' => {}
                '#' => alt = true,
                _ => break,
            }
            chars.next();
        }
        let width = number(&mut chars).ok()?.unwrap_or(0);
        let precision = if chars.peek() == Some(&'.') {
            chars.next();
            Some(number(&mut chars).ok()?.unwrap_or(0))
        } else {
            None
        };
        let ty = chars.next()?;
        if ty == '%' {
            out.push('%');
            continue;
        }
        let arg = match arg {
            Some(a) => a,
            None if mapping.is_some() => return None,
            None => next.next()?,
        };
        let (body, numeric) = match ty {
            's' | 'r' | 'a' => {
                let mut t = match ty {
                    's' => arg.text()?,
                    _ => repr(arg).filter(|r| ty == 'r' || r.is_ascii())?,
                };
                if let Some(p) = precision {
                    t = t.chars().take(p).collect();
                }
                (t, None)
            }
            'c' => (char_of(arg)?, None),
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let Folded::Int(i) = arg else { return None };
                let radix = match ty {
                    'x' | 'X' => 16,
                    'o' => 8,
                    _ => 10,
                };
                let (neg, mut d) = digits(*i, radix, ty == 'X');
                if let Some(p) = precision {
                    if d.len() < p {
                        d = "0".repeat(p - d.len()) + &d;
                    }
                }
                let prefix = match (alt, ty) {
                    (true, 'x') => "0x",
                    (true, 'X') => "0X",
                    (true, 'o') => "0o",
                    _ => "",
                };
                let s = if neg { Some('-') } else { sign };
                (
                    d,
                    Some(format!(
                        "{}{prefix}",
                        s.map(String::from).unwrap_or_default()
                    )),
                )
            }
            _ => return None,
        };
        let piece = match numeric {
            Some(head) if zero && !left => {
                let w = i64::try_from(width.saturating_sub(head.chars().count())).ok()?;
                let Folded::Str(p) = pad(&body, w, '0', Align::Right)? else {
                    return None;
                };
                head + &p
            }
            Some(head) => head + &body,
            None => body,
        };
        let align = if left { Align::Left } else { Align::Right };
        let Folded::Str(piece) = pad(&piece, i64::try_from(width).ok()?, ' ', align)? else {
            return None;
        };
        out.push_str(&piece);
        if out.chars().count() > MAX_LEN {
            return None;
        }
    }
    // Python refuses unused arguments ("not all arguments converted").
    if next.next().is_some() {
        return None;
    }
    Folded::str(out)
}

/// One replacement field's value after Python's format-spec mini-language
/// (`[[fill]align][sign][#][0][width][.precision][type]`): strings with `s` (or no type) and a
/// precision that truncates; integers with `d`, `x`, `X`, `o`, `b`, `c`; fill, the aligns
/// `<`, `>`, `^`, `=`. Grouping, `z`, floats, nested fields and a width over [`MAX_LEN`] are
/// unknown.
fn format_spec(v: &Folded, spec: &str) -> Option<String> {
    let all: Vec<char> = spec.chars().collect();
    let (fill, align, rest) = match all[..] {
        [f, a, ..] if "<>^=".contains(a) => (Some(f), Some(a), &all[2..]),
        [a, ..] if "<>^=".contains(a) => (None, Some(a), &all[1..]),
        _ => (None, None, &all[..]),
    };
    let rest: String = rest.iter().collect();
    let mut chars = rest.chars().peekable();
    let sign = match chars.peek() {
        Some(&c @ ('+' | '-' | ' ')) => {
            chars.next();
            Some(c)
        }
        _ => None,
    };
    let alt = chars.next_if_eq(&'#').is_some();
    let zero = chars.next_if_eq(&'0').is_some();
    let width = number(&mut chars).ok()?.unwrap_or(0);
    let precision = if chars.next_if_eq(&'.').is_some() {
        Some(number(&mut chars).ok()?.unwrap_or(0))
    } else {
        None
    };
    let ty = chars.next();
    if chars.next().is_some() {
        return None;
    }
    let (fill, align) = match (fill, align, zero) {
        (f, Some(a), _) => (f.unwrap_or(' '), a),
        (None, None, true) => ('0', '='),
        _ => (
            ' ',
            if matches!(v, Folded::Int(_)) {
                '>'
            } else {
                '<'
            },
        ),
    };
    let (head, body) = match (v, ty) {
        (Folded::Str(s), None | Some('s')) => {
            if sign.is_some() || alt || align == '=' {
                return None;
            }
            let t = match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.clone(),
            };
            (String::new(), t)
        }
        (Folded::Int(_), Some('c')) if sign.is_none() && !alt && precision.is_none() => {
            (String::new(), char_of(v)?)
        }
        (Folded::Int(i), None | Some('d' | 'x' | 'X' | 'o' | 'b')) if precision.is_none() => {
            let (radix, upper, prefix) = match ty {
                Some('x') => (16, false, "0x"),
                Some('X') => (16, true, "0X"),
                Some('o') => (8, false, "0o"),
                Some('b') => (2, false, "0b"),
                _ => (10, false, ""),
            };
            let (neg, d) = digits(*i, radix, upper);
            let s = match (neg, sign) {
                (true, _) => "-",
                (false, Some('+')) => "+",
                (false, Some(' ')) => " ",
                _ => "",
            };
            (format!("{s}{}", if alt { prefix } else { "" }), d)
        }
        _ => return None,
    };
    let width = i64::try_from(width).ok()?;
    let text = if align == '=' {
        let w = width.saturating_sub(i64::try_from(head.chars().count()).ok()?);
        let Folded::Str(p) = pad(&body, w, fill, Align::Right)? else {
            return None;
        };
        head + &p
    } else {
        let a = match align {
            '<' => Align::Left,
            '>' => Align::Right,
            _ => Align::Center,
        };
        let Folded::Str(p) = pad(&(head + &body), width, fill, a)? else {
            return None;
        };
        p
    };
    Some(text)
}

/// `str.format` (and `format_map`): `{}`, `{N}`, `{name}` (from `kwargs`), each optionally
/// followed by `[key]` / `[N]` lookups, a `!s` / `!r` / `!a` conversion and a `:spec`
/// ([`format_spec`]); `{{` and `}}`. Attribute lookups (`{0.x}`) and nested fields are unknown.
fn brace_format(f: &str, args: &[&Folded], kwargs: Option<&Folded>) -> Option<Folded> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        '{' => return None,
                        x => field.push(x),
                    }
                    if field.len() > 64 {
                        return None;
                    }
                }
                let (head, spec) = field.split_once(':').unwrap_or((&field, ""));
                let (head, conv) = match head.split_once('!') {
                    Some((h, c)) => (h, Some(c)),
                    None => (head, None),
                };
                let name_end = head.find(['[', '.']).unwrap_or(head.len());
                let (name, mut lookups) = head.split_at(name_end);
                let mut arg: &Folded = if name.is_empty() {
                    auto += 1;
                    args.get(auto - 1)?
                } else if let Ok(i) = name.parse::<usize>() {
                    args.get(i)?
                } else {
                    kwargs?.get(name)?
                };
                while !lookups.is_empty() {
                    let inner = lookups.strip_prefix('[')?;
                    let (key, rest) = inner.split_once(']')?;
                    arg = match key.parse::<i64>() {
                        Ok(i) => match arg {
                            Folded::List(v) => v.get(usize::try_from(i).ok()?)?,
                            _ => return None,
                        },
                        Err(_) => arg.get(key)?,
                    };
                    lookups = rest;
                }
                let converted;
                let value = match conv {
                    None => arg,
                    Some("s") => {
                        converted = Folded::Str(arg.text()?);
                        &converted
                    }
                    Some(c @ ("r" | "a")) => {
                        converted = Folded::Str(repr(arg).filter(|r| c == "r" || r.is_ascii())?);
                        &converted
                    }
                    _ => return None,
                };
                let piece = if spec.is_empty() {
                    value.text()?
                } else {
                    format_spec(value, spec)?
                };
                out.push_str(&piece);
                if out.chars().count() > MAX_LEN {
                    return None;
                }
            }
            '}' => return None,
            c => out.push(c),
        }
    }
    Folded::str(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of the expression in `{{ ... }}` after the `set` statements before it.
    fn fold(src: &str) -> Vec<String> {
        let tree =
            minijinja::machinery::parse(src, "t", minijinja::syntax::SyntaxConfig::default())
                .expect("parses");
        let ast::Stmt::Template(t) = tree else {
            panic!("a template");
        };
        let mut f = Folder::default();
        let mut last = Vec::new();
        for s in &t.children {
            match s {
                ast::Stmt::Set(x) => f.assign(&x.target, &x.expr),
                ast::Stmt::EmitExpr(e) => last = f.strings(&e.expr),
                _ => {}
            }
        }
        last
    }

    #[test]
    fn folds_the_shapes_that_build_names() {
        for (src, want) in [
            ("{{ '__cla' ~ 'ss__' }}", "__class__"),
            ("{{ '_' * 2 ~ 'class' ~ '_' * 2 }}", "__class__"),
            ("{{ 2 * '_' + 'globals' + '__' }}", "__globals__"),
            (
                "{{ '%c%c' | format(95, 95) ~ 'init' ~ '%c' % 95 ~ '_' }}",
                "__init__",
            ),
            ("{{ '%c%cclass%s' % (95, 95, '__') }}", "__class__"),
            ("{{ ['__', 'globals', '__'] | join }}", "__globals__"),
            ("{{ ('__', 'bases', '__') | join('') }}", "__bases__"),
            ("{{ '__ssalc__' | reverse }}", "__class__"),
            ("{{ '__ssalc__'[::-1] }}", "__class__"),
            ("{{ 'x__class__y'[1:-1] }}", "__class__"),
            ("{{ '{}{}{}'.format('__', 'mro', '__') }}", "__mro__"),
            ("{{ '{0}subclasses{0}'.format('__') }}", "__subclasses__"),
            ("{{ ''.join(['__', 'init', '__']) }}", "__init__"),
            ("{{ '__CLASS__' | lower }}", "__class__"),
            ("{{ '__xlass__' | replace('x', 'c') }}", "__class__"),
            (
                "{{ '{:c}{:c}dict{:c}{:c}'.format(95, 95, 95, 95) }}",
                "__dict__",
            ),
            (
                "{% set a = '__glo' %}{% set b = a ~ 'bals__' %}{{ b }}",
                "__globals__",
            ),
            (
                "{% set ns = namespace(p='__cl') %}{% set ns.p = ns.p ~ 'ass__' %}{{ ns.p }}",
                "__class__",
            ),
            ("{{ (95, 95) | first | string }}", "95"),
            ("{{ range(3) | length }}", "3"),
        ] {
            assert_eq!(fold(src), vec![want.to_string()], "{src}");
        }
    }

    #[test]
    fn what_depends_on_input_is_unknown() {
        for src in [
            "{{ message['role'] ~ '__' }}",
            "{{ '<|im_start|>' ~ message.role ~ '\n' }}",
            "{{ messages | join }}",
            "{{ '%c' | format(x) }}",
            "{{ 'a' * 100000 }}",
            "{{ '{x}'.format(y=1) }}",
            "{{ 'a'.center(x) }}",
            "{{ '%(u)s' % {'u': x} }}",
            "{{ '%(v)s' % {'u': '_'} }}",
            "{{ 'a'.split('') }}",
        ] {
            assert_eq!(fold(src), Vec::<String>::new(), "{src}");
        }
    }

    /// Python's `str` methods, each against the value CPython gives.
    #[test]
    fn folds_str_methods() {
        for (src, want) in [
            ("{{ '__GLOBALS__'.swapcase() }}", "__globals__"),
            ("{{ 'GLOBALS'.swapcase().center(11, '_') }}", "__globals__"),
            ("{{ 'globals'.center(12, '_') }}", "__globals___"),
            (
                "{{ 'ab'.center(5, '*') ~ 'abc'.center(6, '*') }}",
                "**ab**abc**",
            ),
            ("{{ 'x'.center(3) }}", " x "),
            (
                "{{ 'globals'.ljust(9, '_').rjust(11, '_') }}",
                "__globals__",
            ),
            ("{{ '__GLOBALS__'.title() }}", "__Globals__"),
            ("{{ 'hello wORLD'.title() }}", "Hello World"),
            ("{{ 'gLOBALS'.capitalize() }}", "Globals"),
            ("{{ '__GLOBALS__'.casefold() }}", "__globals__"),
            ("{{ '42'.zfill(5) ~ '-42'.zfill(5) }}", "00042-0042"),
            ("{{ 'a\tb'.expandtabs(4) }}", "a   b"),
            ("{{ '  __class__ '.strip() }}", "__class__"),
            ("{{ 'xx__class__yy'.strip('xy') }}", "__class__"),
            (
                "{{ 'xx__class__'.lstrip('x') ~ '|' ~ '__class__ '.rstrip() }}",
                "__class__|__class__",
            ),
            ("{{ 'no__mro__'.removeprefix('no') }}", "__mro__"),
            ("{{ '__mro__no'.removesuffix('no') }}", "__mro__"),
            (
                "{{ '_ _ g l o b a l s _ _'.split() | join }}",
                "__globals__",
            ),
            ("{{ '__,glo,bals,__'.split(',') | join }}", "__globals__"),
            ("{{ 'a  b c '.split(maxsplit=1)[1] }}", "b c "),
            ("{{ 'a,b,c'.split(',', 1)[1] }}", "b,c"),
            ("{{ 'a,b,c'.rsplit(',', 1)[0] }}", "a,b"),
            ("{{ ' a b  c'.rsplit()[0] }}", "a"),
            ("{{ 'a,b'.split(sep=',', maxsplit=1)[1] }}", "b"),
            ("{{ 'x__globals__y'.partition('__')[2] }}", "globals__y"),
            ("{{ 'abc'.rpartition('z')[2] }}", "abc"),
            ("{{ 'ab'.replace('', '_') }}", "_a_b_"),
            ("{{ 'ab'.replace('', '_', 2) }}", "_a_b"),
            ("{{ '__globals__'.find('g') ~ 'aXa'.count('a') }}", "22"),
            ("{{ '__slabolg__'[::-1] }}", "__globals__"),
            ("{{ '_' * 2 ~ 'os'[::-1][::-1] }}", "__os"),
        ] {
            assert_eq!(fold(src), vec![want.to_string()], "{src}");
        }
    }

    /// `str.format` and `format_map` with fields, conversions and format specs; `%` with a dict,
    /// flags, widths and precisions; Python's values.
    #[test]
    fn folds_format_specs_and_percent_mappings() {
        for (src, want) in [
            ("{{ '{0:_^11}'.format('globals') }}", "__globals__"),
            ("{{ '{:_^12}'.format('globals') }}", "__globals___"),
            (
                "{{ '{:*>+6}'.format(42) ~ '|' ~ '{:=+6}'.format(42) }}",
                "***+42|+   42",
            ),
            (
                "{{ '{:#x}'.format(255) ~ '{:08b}'.format(5) }}",
                "0xff00000101",
            ),
            ("{{ '{!r:>12}'.format('gl') }}", "        'gl'"),
            ("{{ '{!r}'.format(\"it's\") }}", "\"it's\""),
            ("{{ '{!s}'.format(7) }}", "7"),
            ("{{ '{0[u]}x{k}'.format({'u': '__'}, k='y') }}", "__xy"),
            ("{{ '{u}globals{u}'.format(u='__') }}", "__globals__"),
            (
                "{{ '{u}globals{u}'.format_map({'u': '__'}) }}",
                "__globals__",
            ),
            ("{{ '{u}init{u}'.format_map(dict(u='__')) }}", "__init__"),
            ("{{ '{{}}{}'.format(1) }}", "{}1"),
            (
                "{{ '{0:c}{0:c}globals{0:c}{0:c}'.format(95) }}",
                "__globals__",
            ),
            ("{{ '%(u)sglobals%(u)s' % {'u': '__'} }}", "__globals__"),
            ("{{ '%(u)sclass%(u)s' | format(u='__') }}", "__class__"),
            (
                "{% set d = {'u': '_' * 2} %}{{ '%(u)smro%(u)s' % d }}",
                "__mro__",
            ),
            (
                "{{ {'u': '__'}['u'] ~ {'u': 'os'}.u ~ {'u': 1}.get('v', 'x') }}",
                "__osx",
            ),
            (
                "{{ '%-5s|%05d|%+d|%#x|%.2s|%5.1s|%x' % ('a', 42, 3, 255, 'abc', 'xyz', -255) }}",
                "a    |00042|+3|0xff|ab|    x|-ff",
            ),
            ("{{ '%5s' | format('a') }}", "    a"),
            ("{{ '%r' % 'a' }}", "'a'"),
            ("{{ '%s' % 10 ** 3 }}", "1000"),
        ] {
            assert_eq!(fold(src), vec![want.to_string()], "{src}");
        }
    }

    /// Jinja2's filters of the same names.
    #[test]
    fn folds_filters() {
        for (src, want) in [
            (
                "{{ 'globals' | center(11) | replace(' ', '_') }}",
                "__globals__",
            ),
            (
                "{{ 'globals' | center(width=11) | replace(' ', '_') }}",
                "__globals__",
            ),
            ("{{ ('x' | center) | length }}", "80"),
            ("{{ 'hello wORLD-x(y' | title }}", "Hello World-X(Y"),
            ("{{ 'gLOBALS' | capitalize }}", "Globals"),
            ("{{ '  os ' | trim }}", "os"),
            ("{{ '__os__' | trim('_') }}", "os"),
            (
                "{{ ['__', 'GLOBALS', '__'] | map('lower') | join }}",
                "__globals__",
            ),
            ("{{ {'__globals__': 1} | first }}", "__globals__"),
            ("{{ {'a': 'os'} | items | first | last }}", "os"),
            ("{{ 'os' | list | join('') }}", "os"),
            (
                "{{ ('__', 'class', '__') | reverse | reverse | join }}",
                "__class__",
            ),
            ("{{ dict(u='__') | first }}", "u"),
        ] {
            assert_eq!(fold(src), vec![want.to_string()], "{src}");
        }
    }

    /// A width past [`MAX_LEN`] is unknown and never allocated; so is a string built past it.
    #[test]
    fn widths_stay_bounded() {
        for src in [
            "{{ 'a'.center(10 ** 9) }}",
            "{{ 'a'.ljust(1000000000, '_') }}",
            "{{ 'a'.zfill(9223372036854775807) }}",
            "{{ '{:_^1000000000}'.format('a') }}",
            "{{ '{:_^99999999999999999999999}'.format('a') }}",
            "{{ '%1000000000s' % 'a' }}",
            "{{ '%.1000000000d' % 1 }}",
            "{{ 'a\t'.expandtabs(1000000000) }}",
            "{{ ('a' * 1000).replace('', 'bbbbbbbb') }}",
            "{{ ('a ' * 500).split() | join(('x' * 1000)) }}",
            "{{ 'a' | center(1000000000) }}",
        ] {
            assert_eq!(fold(src), Vec::<String>::new(), "{src}");
        }
    }

    #[test]
    fn both_branches_are_values() {
        assert_eq!(
            fold("{{ ('__cla' if x else 'y') ~ 'ss__' }}"),
            vec!["__class__".to_string(), "yss__".to_string()]
        );
    }
}
