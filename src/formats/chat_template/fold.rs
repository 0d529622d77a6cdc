//! Constant folding of template expressions: the strings (and the integers and lists they are
//! built from) that an expression can evaluate to without any input, so that a name built from
//! pieces (`'__cla' ~ 'ss__'`, `'_' * 2 ~ 'class' ~ '_' * 2`, `'%c' | format(95)`,
//! `['__', 'globals', '__'] | join`, `'__ssalc__' | reverse`, `'{}{}'.format(a, b)`, a variable
//! set from such pieces, a loop that appends to a `namespace`) is judged as the name it builds.
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
}

impl Folded {
    /// The value as Jinja renders it into a string (`~`, `string`): lists are not folded.
    pub fn text(&self) -> Option<String> {
        match self {
            Folded::Str(s) => Some(s.clone()),
            Folded::Int(i) => Some(i.to_string()),
            Folded::List(_) => None,
        }
    }

    fn str(s: String) -> Option<Folded> {
        (s.chars().count() <= MAX_LEN).then_some(Folded::Str(s))
    }

    fn list(items: Vec<Folded>) -> Option<Folded> {
        (items.len() <= MAX_ITEMS).then_some(Folded::List(items))
    }

    /// The items a `for` loop (or `list`) takes from the value: a list's items, a string's
    /// characters.
    pub fn items(&self) -> Option<Vec<Folded>> {
        match self {
            Folded::List(v) => Some(v.clone()),
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
            Expr::Var(_) | Expr::GetAttr(_) => match target_name(e) {
                Some(n) => self.env.vars.get(&n).cloned().unwrap_or_default(),
                None => Vec::new(),
            },
            Expr::List(l) => self.seq(&l.items, d),
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
                let Some(args) = self.args(&f.args, d) else {
                    return Vec::new();
                };
                let mut lists = vec![base];
                lists.extend(args);
                product(&lists)
                    .into_iter()
                    .filter_map(|p| filter(f.name, p[0], &p[1..]))
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
                    if let Folded::Int(i) = p[1] {
                        if let Some(v) = index(p[0], *i) {
                            push(&mut out, v);
                        }
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

    /// Positional arguments (keyword arguments make the call unknown).
    fn args(&mut self, args: &[ast::CallArg], d: u32) -> Option<Vec<Values>> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            let ast::CallArg::Pos(e) = a else {
                return None;
            };
            let v = self.fold_at(e, d);
            if v.is_empty() {
                return None;
            }
            out.push(v);
        }
        Some(out)
    }

    /// `range(...)` and string methods (`'x'.join(...)`, `.format`, `.replace`, `.lower`, ...).
    fn call(&mut self, c: &ast::Call, d: u32) -> Values {
        let (base, method) = match &c.expr {
            ast::Expr::Var(v) if v.id == "range" => (None, "range"),
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
        let Some(args) = self.args(&c.args, d) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match base {
            None => {
                for p in product(&args) {
                    if let Some(v) = range(&p) {
                        push(&mut out, v);
                    }
                }
            }
            Some(base) => {
                let mut lists = vec![base];
                lists.extend(args);
                for p in product(&lists) {
                    if let Some(v) = method_call(method, p[0], &p[1..]) {
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
    use Folded::{Int, List, Str};
    match (op, l, r) {
        (K::Concat, _, _) => Folded::str(l.text()? + &r.text()?),
        (K::Add, Str(a), Str(b)) => Folded::str(format!("{a}{b}")),
        (K::Add, List(a), List(b)) => Folded::list(a.iter().chain(b).cloned().collect()),
        (K::Add, Int(a), Int(b)) => a.checked_add(*b).map(Int),
        (K::Sub, Int(a), Int(b)) => a.checked_sub(*b).map(Int),
        (K::Mul, Int(a), Int(b)) => a.checked_mul(*b).map(Int),
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
        // Python's printf-style formatting: `'%c%c' % (95, 95)`.
        (K::Rem, Str(f), args) => {
            let args: Vec<&Folded> = match args {
                List(v) => v.iter().collect(),
                other => vec![other],
            };
            percent_format(f, &args)
        }
        _ => None,
    }
}

fn filter(name: &str, base: &Folded, args: &[&Folded]) -> Option<Folded> {
    use Folded::{Int, List, Str};
    match (name, base, args) {
        ("string" | "safe", v, []) => Folded::str(v.text()?),
        ("lower", Str(s), []) => Folded::str(s.to_lowercase()),
        ("upper", Str(s), []) => Folded::str(s.to_uppercase()),
        ("trim", Str(s), []) => Folded::str(s.trim().to_string()),
        ("trim", Str(s), [Str(chars)]) => {
            Folded::str(s.trim_matches(|c| chars.contains(c)).to_string())
        }
        ("replace", Str(s), [Str(a), Str(b)]) => replace(s, a, b, None),
        ("replace", Str(s), [Str(a), Str(b), Int(n)]) => replace(s, a, b, Some(*n)),
        ("reverse", Str(s), []) => Folded::str(s.chars().rev().collect()),
        ("reverse", List(v), []) => Folded::list(v.iter().rev().cloned().collect()),
        ("join", List(v), []) => join(v, ""),
        ("join", List(v), [sep]) => join(v, &sep.text()?),
        ("format", Str(f), args) => percent_format(f, args),
        ("first", v, []) => v.items()?.first().cloned(),
        ("last", v, []) => v.items()?.last().cloned(),
        ("list", v, []) => Folded::list(v.items()?),
        ("int", Int(i), []) => Some(Int(*i)),
        ("int", Str(s), []) => s.trim().parse().ok().map(Int),
        ("length" | "count", Str(s), []) => i64::try_from(s.chars().count()).ok().map(Int),
        ("length" | "count", List(v), []) => i64::try_from(v.len()).ok().map(Int),
        _ => None,
    }
}

fn method_call(method: &str, base: &Folded, args: &[&Folded]) -> Option<Folded> {
    use Folded::{Int, List, Str};
    let Str(s) = base else {
        return None;
    };
    match (method, args) {
        ("join", [List(v)]) => join(v, s),
        ("join", [Str(t)]) => {
            Folded::str(t.chars().map(|c| c.to_string()).collect::<Vec<_>>().join(s))
        }
        ("format", args) => brace_format(s, args),
        ("replace", [Str(a), Str(b)]) => replace(s, a, b, None),
        ("replace", [Str(a), Str(b), Int(n)]) => replace(s, a, b, Some(*n)),
        ("lower", []) => Folded::str(s.to_lowercase()),
        ("upper", []) => Folded::str(s.to_uppercase()),
        ("strip", []) => Folded::str(s.trim().to_string()),
        ("lstrip", []) => Folded::str(s.trim_start().to_string()),
        ("rstrip", []) => Folded::str(s.trim_end().to_string()),
        ("strip", [Str(c)]) => Folded::str(s.trim_matches(|x| c.contains(x)).to_string()),
        ("lstrip", [Str(c)]) => Folded::str(s.trim_start_matches(|x| c.contains(x)).to_string()),
        ("rstrip", [Str(c)]) => Folded::str(s.trim_end_matches(|x| c.contains(x)).to_string()),
        ("removeprefix", [Str(p)]) => Folded::str(s.strip_prefix(p.as_str()).unwrap_or(s).into()),
        ("removesuffix", [Str(p)]) => Folded::str(s.strip_suffix(p.as_str()).unwrap_or(s).into()),
        _ => None,
    }
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
    Folded::str(parts.join(sep))
}

fn replace(s: &str, a: &str, b: &str, count: Option<i64>) -> Option<Folded> {
    // Python replaces between characters for an empty `old`; rare enough to leave unknown.
    if a.is_empty() {
        return None;
    }
    let out = match count.map(usize::try_from) {
        None | Some(Err(_)) => s.replace(a, b),
        Some(Ok(n)) => s.replacen(a, b, n),
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

/// Python's `str % args` (Jinja's `format` filter): `%s`, `%d`/`%i`, `%c`, `%x`, `%o`, `%%`;
/// anything with flags, widths or mapping keys is unknown.
fn percent_format(f: &str, args: &[&Folded]) -> Option<Folded> {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = f.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let piece = match chars.next()? {
            '%' => "%".to_string(),
            's' | 'r' => next.next()?.text()?,
            'd' | 'i' => match next.next()? {
                Folded::Int(i) => i.to_string(),
                _ => return None,
            },
            'x' => match next.next()? {
                Folded::Int(i) => format!("{i:x}"),
                _ => return None,
            },
            'o' => match next.next()? {
                Folded::Int(i) => format!("{i:o}"),
                _ => return None,
            },
            'c' => char_of(next.next()?)?,
            _ => return None,
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

/// `str.format`: `{}`, `{N}` with an optional `:c`, `:s` or `:d` spec, `{{` and `}}`.
fn brace_format(f: &str, args: &[&Folded]) -> Option<Folded> {
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
                        x => field.push(x),
                    }
                    if field.len() > 16 {
                        return None;
                    }
                }
                let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                let i = if name.is_empty() {
                    auto += 1;
                    auto - 1
                } else {
                    name.parse().ok()?
                };
                let arg = args.get(i)?;
                let piece = match spec {
                    "" | "s" => arg.text()?,
                    "c" => char_of(arg)?,
                    "d" => match arg {
                        Folded::Int(i) => i.to_string(),
                        _ => return None,
                    },
                    _ => return None,
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
            "{{ '%5s' | format('a') }}",
            "{{ 'a' * 100000 }}",
            "{{ '{x}'.format(x=1) }}",
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
