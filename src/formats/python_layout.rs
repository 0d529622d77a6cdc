//! Where in a Python module a word sits, without parsing it: a one-pass scan of the logical
//! lines (Python Language Reference, "Lexical analysis": comments, string literals with
//! PEP 701 f-string fields, bracket continuation, indentation) that tells the prefilter of
//! [`crate::formats::python`] whether a word can run when the module is imported.
//!
//! Large modules are only parsed with tree-sitter when this says so, because parsing every
//! large module that mentions `subprocess.` or `requests.` costs several times the CPU of the
//! rest of a scan of an environment. The scan errs towards "runs at import": a word in an
//! f-string field, a lambda, a decorator, a default argument, a class body or a construct it
//! does not follow counts as module level; only a word in a comment, in the text of a string,
//! on an `import` line or inside a function body does not. A function or class whose body
//! holds a word counts when its name appears anywhere in module-level code (called, passed as
//! a thread target, registered, subclassed).
//!
//! Bounded: one pass over the bytes, at most [`MAX_NAMES`] names kept and [`MAX_NEST`]
//! nested f-strings followed; past a bound the module counts as running its words.

use std::collections::HashMap;

/// Most distinct module-level names and hot function names kept.
const MAX_NAMES: usize = 16_384;

/// Most bytes of a dotted name and the spaces after it read to see whether it is called.
const MAX_CALL_SCAN: usize = 512;

/// Attribute names of the callables that [`Scan::is_reference`] counts when named without a
/// call: the process, exec and request functions the name table follows through bindings.
const REFERENCED: &[&[u8]] = &[
    b"system",
    b"popen",
    b"Popen",
    b"exec",
    b"eval",
    b"getoutput",
    b"getstatusoutput",
    b"check_output",
    b"check_call",
    b"call",
    b"run",
    b"execv",
    b"execve",
    b"execl",
    b"execlp",
    b"execvp",
    b"execvpe",
    b"spawnl",
    b"spawnv",
    b"spawnlp",
    b"spawnvp",
    b"posix_spawn",
    b"urlopen",
    b"urlretrieve",
];

/// Deepest f-string nesting followed.
const MAX_NEST: usize = 64;

#[derive(Clone, Copy)]
struct Block {
    indent: usize,
    /// `def` or `async def`.
    def: bool,
    /// Name of the block's function or class (byte range in the source), if any.
    name: Option<(usize, usize)>,
}

/// Whether any of the words starting at `offsets` (sorted byte offsets into `src`) can run
/// when the module is imported: at module level or in a class body, outside comments, string
/// text and `import` lines, or inside a function or class whose name module-level code
/// mentions. `exec`/`eval` right after `.` (a method such as `model.eval()`) is not counted
/// unless the object is `builtins` or `__builtins__`.
pub fn runs_at_import(src: &[u8], offsets: &[usize]) -> bool {
    place(src, offsets, &[], &[], false).at_import
}

/// Where the words at `offsets` sit ([`place`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// One can run at import ([`runs_at_import`]), or a bound stopped the scan.
    pub at_import: bool,
    /// One is called, decorates or is handed on in module-level code itself (not through a
    /// function the module calls or names).
    pub direct: bool,
    /// When no word runs at import: the functions and methods (by their own name) whose
    /// bodies hold a word other than the `weak` ones, or call by name one that does, sorted.
    pub hot: Vec<String>,
    /// The same for classes (a class whose method holds such a word), sorted.
    pub classes: Vec<String>,
    /// The functions, methods and classes whose own bodies hold a `weak` word (not closed over
    /// calls), sorted.
    pub weak: Vec<String>,
}

/// [`runs_at_import`], and when no word runs at import, the names of the functions and classes
/// whose bodies hold one (the closure the answer was computed from, so no second pass).
/// `weak`: the offsets (a sorted subset of `offsets`) of words that only count when a
/// function holding them is called directly (network calls), reported apart; `ignored`:
/// offsets placed for `at_import` but making no function hot. `any_use`: a
/// word that is a decorator or handed on by `=` counts as a call (`@register`,
/// `Thread(target=m.run)`, `f = init`), for words that are names bound by imports (`init` of
/// `from ._boot import init`) rather than process or network calls.
pub fn place(
    src: &[u8],
    offsets: &[usize],
    weak: &[usize],
    ignored: &[usize],
    any_use: bool,
) -> Placement {
    let mut s = Scan::new(src, offsets);
    s.weak = weak;
    s.ignored = ignored;
    s.any_use = any_use;
    s.run();
    let direct = s.found;
    if s.found || s.overflow || s.referenced() {
        return Placement {
            at_import: true,
            direct,
            ..Placement::default()
        };
    }
    // The strong names closed over the calls by name, as `close_hot` closes them all.
    let mut strong: std::collections::HashSet<&[u8]> = s.strong.iter().copied().collect();
    let mut work: Vec<&[u8]> = strong.iter().copied().collect();
    while let Some(callee) = work.pop() {
        for (caller, _) in s.calls.get(callee).into_iter().flatten() {
            if strong.len() < MAX_NAMES && strong.insert(caller) {
                work.push(caller);
            }
        }
    }
    let text = |n: &&[u8]| String::from_utf8_lossy(n).into_owned();
    let class = |n: &&[u8]| s.hot.get(*n).copied().unwrap_or(false);
    let mut hot: Vec<String> = strong.iter().filter(|n| !class(n)).map(text).collect();
    let mut classes: Vec<String> = strong.iter().filter(|n| class(n)).map(text).collect();
    let mut weak: Vec<String> = s.weak_hot.iter().map(text).collect();
    hot.sort_unstable();
    classes.sort_unstable();
    weak.sort_unstable();
    Placement {
        at_import: false,
        direct,
        hot,
        classes,
        weak,
    }
}

/// Whether the rest of an `if` line is `__name__ == '__main__':` (either order, either quote),
/// nothing else before the colon.
fn is_main_guard(rest: &[u8]) -> bool {
    let squeezed: Vec<u8> = rest
        .iter()
        .take_while(|c| **c != b'\n' && **c != b'#')
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| if *c == b'"' { b'\'' } else { *c })
        .collect();
    matches!(
        squeezed.as_slice(),
        b"__name__=='__main__':" | b"'__main__'==__name__:"
    )
}

impl<'a> Scan<'a> {
    fn new(src: &'a [u8], offsets: &'a [usize]) -> Self {
        Scan {
            src,
            offsets,
            next: 0,
            stack: Vec::new(),
            module_names: HashMap::new(),
            hot: HashMap::new(),
            found: false,
            overflow: false,
            exit_hook: false,
            bases: std::collections::HashSet::new(),
            subclass_hooks: std::collections::HashSet::new(),
            calls: HashMap::new(),
            call_edges: 0,
            crowded: std::collections::HashSet::new(),
            any_use: false,
            weak: &[],
            ignored: &[],
            strong: std::collections::HashSet::new(),
            weak_hot: std::collections::HashSet::new(),
        }
    }
}

struct Scan<'a> {
    src: &'a [u8],
    offsets: &'a [usize],
    /// Index of the next offset not yet placed.
    next: usize,
    stack: Vec<Block>,
    /// Identifiers seen in code that runs at import, and whether one of them was called or
    /// had an attribute taken (`A(`, `A.`).
    module_names: HashMap<&'a [u8], bool>,
    /// Names of the functions and classes whose bodies hold a word, and whether the name is
    /// only a class's.
    hot: HashMap<&'a [u8], bool>,
    found: bool,
    overflow: bool,
    /// A module-level `@atexit.register` line was seen: the next definition runs at exit.
    exit_hook: bool,
    /// Names a module-level class header names as bases (or as its metaclass).
    bases: std::collections::HashSet<&'a [u8]>,
    /// Classes with a word in their `__init_subclass__` (or, as a metaclass, `__new__` /
    /// `__init__`): a class header naming them runs it.
    subclass_hooks: std::collections::HashSet<&'a [u8]>,
    /// Callee name → the functions and classes whose bodies call it (and whether each is a
    /// class), at most [`MAX_CALLS`] callees.
    calls: HashMap<&'a [u8], Vec<(&'a [u8], bool)>>,
    /// Caller-callee pairs recorded in `calls`.
    call_edges: usize,
    /// Callees with more than [`MAX_CALLERS`] callers (`isinstance`, `len`, or a padded
    /// payload function): one of them that holds a word counts as reached.
    crowded: std::collections::HashSet<&'a [u8]>,
    /// A word that is a decorator or handed on by `=` counts as a call ([`place`]).
    any_use: bool,
    /// Offsets of words that count only in a function called directly ([`place`]).
    weak: &'a [usize],
    /// Offsets of words that make no function hot ([`place`]).
    ignored: &'a [usize],
    /// Names of the functions and classes around a word other than a weak one.
    strong: std::collections::HashSet<&'a [u8]>,
    /// Names of the functions and classes around a weak word.
    weak_hot: std::collections::HashSet<&'a [u8]>,
}

/// Callers recorded per callee name.
const MAX_CALLERS: usize = 64;

/// Caller-callee pairs recorded for the call-graph closure; past it (or past
/// [`MAX_CALLERS`] callers of one name) the source counts as running at import, as when the
/// name tables overflow.
const MAX_CALLS: usize = 262_144;

/// What the current logical line is.
struct Line {
    /// The line is inside a function body.
    in_def: bool,
    /// The line starts with `def`/`async def` (`Some(true)`) or `class` (`Some(false)`): its
    /// body starts after the first `:` outside brackets.
    header: Option<bool>,
    /// Past that `:` (a one-line body).
    past_colon: bool,
    /// `import ...` or `from ... import ...`.
    import: bool,
    /// The last significant code byte (`:` opens a block).
    last_code: Option<u8>,
    /// Name token of a `def`/`class` header.
    name: Option<(usize, usize)>,
    indent: usize,
    /// `if __name__ == '__main__':` at module level, for names bound by imports (`any_use`):
    /// its block runs when the file is run as a script, not at import (as the parse has it).
    guard: bool,
}

impl<'a> Scan<'a> {
    fn run(&mut self) {
        let src = self.src;
        let n = src.len();
        let mut i = 0;
        let mut depth: usize = 0;
        let mut line: Option<Line> = None;
        while i < n && !self.found && !self.overflow {
            // Start of a logical line: measure indentation.
            if line.is_none() {
                let (col, width) = indentation(&src[i..]);
                i += width;
                if i >= n {
                    break;
                }
                match src[i] {
                    b'\n' | b'\r' => {
                        i += 1;
                        continue;
                    }
                    b'#' => {
                        i = line_end(src, i);
                        self.skip(i);
                        continue;
                    }
                    _ => {}
                }
                line = Some(self.open_line(i, col));
            }
            let Some(l) = line.as_mut() else { break };
            match src[i] {
                b'\n' | b'\r' => {
                    i += 1;
                    if depth == 0 {
                        self.close_line(l);
                        line = None;
                    }
                }
                // `import a; a.f()`: a new simple statement, which may or may not import.
                b';' if depth == 0 => {
                    self.place(i, l);
                    l.last_code = Some(b';');
                    i += 1;
                    let rest = &src[i..];
                    let rest = &rest[ws_len(rest)..];
                    let word = |w: &[u8]| {
                        rest.starts_with(w)
                            && rest
                                .get(w.len())
                                .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    };
                    l.import = word(b"import") || word(b"from");
                }
                _ => i = self.token(i, l, &mut depth, 0),
            }
        }
        if let Some(l) = line.as_ref() {
            self.place(n, l);
        }
    }

    /// One token of code at `i` (not a line end) of line `l`; returns the offset after it.
    /// `depth` is the bracket depth, `nest` the f-string nesting.
    fn token(&mut self, mut i: usize, l: &mut Line, depth: &mut usize, nest: usize) -> usize {
        let src = self.src;
        let n = src.len();
        let b = src[i];
        match b {
            b'#' => {
                i = line_end(src, i);
                self.skip(i);
                return i;
            }
            b'\\' if src.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if src.get(i + 1) == Some(&b'\r') => {
                i += if src.get(i + 2) == Some(&b'\n') { 3 } else { 2 }
            }
            b'(' | b'[' | b'{' => {
                *depth += 1;
                l.last_code = Some(b);
                i += 1;
            }
            b')' | b']' | b'}' => {
                *depth = depth.saturating_sub(1);
                l.last_code = Some(b);
                i += 1;
            }
            b':' => {
                if *depth == 0 && l.header.is_some() && !l.past_colon {
                    l.past_colon = true;
                }
                l.last_code = Some(b);
                i += 1;
            }
            b'\'' | b'"' => {
                l.last_code = Some(b);
                return self.string(i, i, false, l, nest);
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < n && (src[i] == b'_' || src[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let word = &src[start..i];
                // A string prefix (r, b, u, f, t and their pairs) right before a quote.
                if i < n && (src[i] == b'\'' || src[i] == b'"') && is_prefix(word) {
                    let f = word
                        .iter()
                        .any(|c| matches!(c.to_ascii_lowercase(), b'f' | b't'));
                    l.last_code = Some(src[i]);
                    return self.string(start, i, f, l, nest);
                }
                self.place(i, l);
                // An import binds names and uses none; for names bound by imports
                // (`any_use`), `from .b import f as g` must not count as a use of a local `f`.
                let binding = self.any_use && l.import;
                if self.runs(l) && !binding && l.name.is_none_or(|(s, _)| s != start) {
                    if self.module_names.len() >= MAX_NAMES {
                        self.overflow = true;
                    }
                    let rest = &src[i..];
                    // A base named in a class header runs its `__init_subclass__`.
                    if l.header == Some(false) && !l.past_colon && *depth > 0 {
                        self.bases.insert(word);
                    }
                    // Called, an attribute taken, or subscripted (`K[int]` runs the class's
                    // `__class_getitem__`).
                    // With `any_use`, a decorator or a name handed on by `=` is a use too.
                    let used = matches!(rest.get(ws_len(rest)), Some(b'(' | b'.' | b'['))
                        || self.any_use && self.is_handed_on(start);
                    *self.module_names.entry(word).or_insert(false) |= used;
                } else if !self.runs(l) {
                    // A call inside a function body: the functions and classes around it
                    // reach the callee (`def a(): sh()`), for the closure in `referenced`.
                    let rest = &src[i..];
                    if rest.get(ws_len(rest)) == Some(&b'(') {
                        let around: Vec<(&'a [u8], bool)> = self
                            .enclosing(l)
                            .into_iter()
                            .map(|((s, e), class)| (&src[s..e], class))
                            .collect();
                        let callers = self.calls.entry(word).or_default();
                        for (caller, class) in around {
                            // A few callers a callee are enough to make it reached; the
                            // check stays cheap on a source of a million calls.
                            if callers.contains(&(caller, class)) {
                                continue;
                            }
                            // Past a bound the closure would be partial: a callee with too many
                            // callers is remembered (reaching it counts as reached, see
                            // `referenced`); too many pairs count the source as running at
                            // import (it is parsed, or graded by its size).
                            if callers.len() >= MAX_CALLERS {
                                self.crowded.insert(word);
                                break;
                            }
                            if self.call_edges >= MAX_CALLS {
                                self.overflow = true;
                                break;
                            }
                            callers.push((caller, class));
                            self.call_edges += 1;
                        }
                    }
                }
                l.last_code = Some(b'a');
                return i;
            }
            b' ' | b'\t' | b'\x0c' => i += 1,
            _ => {
                l.last_code = Some(b);
                i += 1;
            }
        }
        self.place(i, l);
        i
    }

    /// Pop the blocks the line at `col` closes and describe the line starting at `i`.
    fn open_line(&mut self, i: usize, col: usize) -> Line {
        while self.stack.last().is_some_and(|b| b.indent >= col) {
            self.stack.pop();
        }
        let rest = &self.src[i..];
        let word = |w: &[u8]| {
            rest.starts_with(w)
                && rest
                    .get(w.len())
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        };
        let in_def = self.stack.iter().any(|b| b.def);
        if !in_def && rest.starts_with(b"@") {
            let deco = &rest[1..];
            let deco = &deco[ws_len(deco)..];
            self.exit_hook |= deco.starts_with(b"atexit.register");
        }
        let is_async = word(b"async") && after_ws(rest, 5).starts_with(b"def");
        let def = word(b"def") || is_async;
        let class = word(b"class");
        let header = (def || class).then_some(def);
        let name = header.and_then(|_| {
            let kw = if is_async {
                5 + ws_len(&rest[5..]) + 3
            } else if def {
                3
            } else {
                5
            };
            let s = (i + kw + ws_len(&rest[kw.min(rest.len())..])).min(self.src.len());
            let e = s + self.src[s..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            (e > s).then_some((s, e))
        });
        if let Some((s, e)) = name.filter(|_| header == Some(true) && !in_def) {
            if std::mem::take(&mut self.exit_hook) {
                if self.module_names.len() >= MAX_NAMES {
                    self.overflow = true;
                }
                self.module_names.insert(&self.src[s..e], true);
            }
        }
        Line {
            in_def,
            header,
            past_colon: false,
            import: word(b"import") || word(b"from"),
            last_code: None,
            name,
            indent: col,
            guard: self.any_use && col == 0 && word(b"if") && is_main_guard(&rest[2..]),
        }
    }

    fn close_line(&mut self, l: &Line) {
        if l.last_code == Some(b':') {
            self.stack.push(Block {
                indent: l.indent,
                def: l.header == Some(true) || l.guard,
                name: l.name,
            });
        }
    }

    /// Whether the outermost open block is a module-level `def __getattr__` (PEP 562).
    fn in_module_getattr(&self) -> bool {
        self.stack.first().is_some_and(|b| {
            b.def
                && b.indent == 0
                && b.name
                    .is_some_and(|(s, e)| &self.src[s..e] == b"__getattr__")
        })
    }

    /// Whether code at the current point of line `l` runs at import.
    fn runs(&self, l: &Line) -> bool {
        !(l.in_def || (l.header == Some(true) && l.past_colon))
    }

    /// Place every word offset below `upto`, as code of line `l` at its current point.
    fn place(&mut self, upto: usize, l: &Line) {
        while self.next < self.offsets.len() && self.offsets[self.next] < upto {
            let at = self.offsets[self.next];
            self.next += 1;
            if l.import || self.is_method(at) || l.name.is_some_and(|(s, e)| (s..e).contains(&at)) {
                continue;
            }
            if !(self.is_call(at) || self.any_use && self.is_handed_on(at)) {
                // A callable named without a call in code that runs at import
                // (`f = os.system`, `a, b = 1, os.system`, `e = eval`) can be called under
                // the name it is bound to.
                if self.runs(l) && self.is_reference(at) {
                    self.found = true;
                    return;
                }
                continue;
            }
            // PEP 562: a module-level `__getattr__` runs at the first access of a name the
            // module lacks, which its importers make at once.
            if self.runs(l) || self.in_module_getattr() {
                self.found = true;
                return;
            }
            // Inside a function: every enclosing function and class is hot (a method runs
            // when its class is used, a nested function when its outer one is called).
            let names = self.enclosing(l);
            let weak = self.weak.binary_search(&at).is_ok();
            let ignored = self.ignored.binary_search(&at).is_ok();
            for ((s, e), class) in names {
                if self.hot.len() >= MAX_NAMES {
                    self.overflow = true;
                    return;
                }
                let name = &self.src[s..e];
                *self.hot.entry(name).or_insert(true) &= class;
                if weak {
                    // Network calls count only in the function called: not its class.
                    if !class {
                        self.weak_hot.insert(name);
                    }
                } else if !ignored {
                    self.strong.insert(name);
                }
            }
            // A word in `__init_subclass__` (or a metaclass's `__new__`/`__init__`) runs when
            // a class header names the class.
            let blocks: Vec<Block> = self
                .stack
                .iter()
                .copied()
                .chain(l.name.map(|n| Block {
                    indent: l.indent,
                    def: l.header == Some(true),
                    name: Some(n),
                }))
                .collect();
            for pair in blocks.windows(2) {
                let (class, method) = (pair[0], pair[1]);
                if let (false, true, Some((cs, ce)), Some((ms, me))) =
                    (class.def, method.def, class.name, method.name)
                {
                    if matches!(
                        &self.src[ms..me],
                        b"__init_subclass__" | b"__new__" | b"__init__" | b"__prepare__"
                    ) && self.subclass_hooks.len() < MAX_NAMES
                    {
                        self.subclass_hooks.insert(&self.src[cs..ce]);
                    }
                }
            }
        }
    }

    /// The functions and classes around the current line (their name ranges, and whether each
    /// is a class), outermost first. For names bound by imports (`any_use`, the join's
    /// placement), a function nested in a function is left out: its name is bound only inside
    /// the outer one, which is named already, and common inner names (`wrapper`, `decorator`)
    /// would make every function calling some other `wrapper(` hot (torch's test helpers).
    fn enclosing(&self, l: &Line) -> Vec<((usize, usize), bool)> {
        let header = l.name.zip(l.header).map(|(n, def)| Block {
            indent: l.indent,
            def,
            name: Some(n),
        });
        let mut in_def = false;
        let mut out = Vec::new();
        for b in self.stack.iter().copied().chain(header) {
            if let Some(n) = b.name {
                if !(self.any_use && in_def) {
                    out.push((n, !b.def));
                }
            }
            in_def |= b.def;
        }
        out
    }

    /// Skip the word offsets below `to`: they are in a comment or the text of a string.
    fn skip(&mut self, to: usize) {
        while self.next < self.offsets.len() && self.offsets[self.next] < to {
            self.next += 1;
        }
    }

    /// Whether module-level code names a hot function, or calls (or takes an attribute of)
    /// a hot class: subclassing or annotating with a class runs none of its methods.
    fn referenced(&mut self) -> bool {
        if self.subclass_hooks.iter().any(|c| self.bases.contains(c)) {
            return true;
        }
        self.close_hot();
        if self.crowded.iter().any(|c| self.hot.contains_key(c)) {
            return true;
        }
        // A function named anywhere at module level counts (it may be called through a
        // table); for names bound by imports (`any_use`) only a use does, as for classes:
        // the join then parses the module to know.
        self.hot.iter().any(|(name, class)| {
            self.module_names
                .get(name)
                .is_some_and(|used| *used || !*class && !self.any_use)
        })
    }

    /// A function whose body calls a hot function is hot too (`def a(): sh()`), as far as
    /// the calls by name go; bounded by the names recorded.
    fn close_hot(&mut self) {
        let mut work: Vec<&[u8]> = self.hot.keys().copied().collect();
        while let Some(callee) = work.pop() {
            let Some(callers) = self.calls.get(callee) else {
                continue;
            };
            for (caller, class) in callers {
                if !self.hot.contains_key(caller) && self.hot.len() < MAX_NAMES {
                    self.hot.insert(caller, *class);
                    work.push(caller);
                }
            }
        }
    }

    /// Whether the word at `at` starts a called name: not the tail of a longer identifier
    /// (`Retrieval(`, `dup_eval(`; `posix_spawn` excepted), and the dotted name
    /// it begins is followed by `(` (`requests.get(`, not `requests.ConnectionError`).
    fn is_call(&self, at: usize) -> bool {
        let src = self.src;
        // `shell=True` is an argument: the call it is in is where the word stands.
        if src[at..].starts_with(b"shell=True") {
            return true;
        }
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        if at > 0 && ident(src[at - 1]) && !src[..at].ends_with(b"posix_") {
            return false;
        }
        // Each word scans at most MAX_CALL_SCAN bytes, so a long dotted chain holding many
        // words (`subprocess.subprocess....`) costs no more than linear time; past it the word
        // counts as a call.
        let end = src.len().min(at + MAX_CALL_SCAN);
        let mut j = at;
        while j < end && (ident(src[j]) || src[j] == b'.' || src[j] == b' ' || src[j] == b'\t') {
            if (src[j] == b' ' || src[j] == b'\t') && src.get(j + 1).is_some_and(|c| ident(*c)) {
                return false;
            }
            j += 1;
        }
        if j == end && end < src.len() {
            return true;
        }
        // A comment, a line continuation or a line end inside brackets may stand between the
        // name and its `(` (`(os.system  # note` then `('…'))` on the next line). Whether
        // a bracket is open is not known here; counting one more call only costs a parse.
        while j < end {
            match src[j] {
                b' ' | b'\t' | b'\n' | b'\r' | b'\\' | 0x0c => j += 1,
                b'#' => j = line_end(src, j).min(end),
                _ => break,
            }
        }
        j == end && end < src.len() || src.get(j) == Some(&b'(')
    }

    /// Whether the word at `at` names a callable that runs code, a process or a request
    /// without calling it: an attribute in [`REFERENCED`] (`os.system`, `subprocess.Popen`,
    /// not on `self` or `cls`) or the builtin `exec`/`eval`, and not a binding target, keyword
    /// or annotation (`system = …`, `system: str`).
    fn is_reference(&self, at: usize) -> bool {
        let src = self.src;
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        if at > 0 && ident(src[at - 1]) {
            return false;
        }
        let end = src.len().min(at + MAX_CALL_SCAN);
        let mut j = at;
        while j < end && (ident(src[j]) || src[j] == b'.') {
            j += 1;
        }
        let chain = &src[at..j];
        let last = chain.rsplit(|c| *c == b'.').next().unwrap_or(chain);
        let rest = &src[j..];
        let next = rest.get(ws_len(rest)).copied();
        let next2 = rest.get(ws_len(rest) + 1).copied();
        if next == Some(b':') || (next == Some(b'=') && next2 != Some(b'=')) {
            return false;
        }
        let attribute = chain.contains(&b'.') || (at > 0 && src[at - 1] == b'.');
        if !attribute {
            return matches!(last, b"exec" | b"eval");
        }
        // The object of an attribute that starts at the word (`.system`): not an instance's.
        if at > 0 && src[at - 1] == b'.' {
            let before = &src[..at - 1];
            if before.ends_with(b"self") || before.ends_with(b"cls") {
                return false;
            }
        }
        REFERENCED.contains(&last)
    }

    /// Whether the name at `at` is a decorator (`@name`) or handed on by `=` (a keyword
    /// argument such as `target=name`, or a binding called later): the ways a callable runs
    /// at load without a `(` after its name ([`named_at_import`]).
    fn is_handed_on(&self, at: usize) -> bool {
        let before = self.src[..at].trim_ascii_end();
        match before.last() {
            Some(b'@') => true,
            Some(b'=') => !matches!(
                before.get(before.len().wrapping_sub(2)),
                Some(b'=' | b'!' | b'<' | b'>')
            ),
            _ => false,
        }
    }

    /// `exec`/`eval` right after `.`, on an object other than `builtins`/`__builtins__`: a
    /// method such as `model.eval()`, not the builtin.
    fn is_method(&self, at: usize) -> bool {
        let word = &self.src[at..];
        if !(word.starts_with(b"exec") || word.starts_with(b"eval")) {
            return false;
        }
        if at == 0 || self.src[at - 1] != b'.' {
            return false;
        }
        let before = &self.src[..at - 1];
        !(before.ends_with(b"builtins") || before.ends_with(b"builtins__"))
    }

    /// A string literal whose prefix starts at `start` and quote at `q`; returns the offset
    /// after it. The text of a string is skipped; the replacement fields of an f-string (or
    /// t-string) are code, scanned as PEP 701 tokenizes them (a nested string may reuse the
    /// quote; a format spec is text with nested fields). An unterminated single-quoted string
    /// ends at the line end, an unterminated triple-quoted one at the end of the file.
    fn string(&mut self, start: usize, q: usize, f: bool, l: &mut Line, nest: usize) -> usize {
        let src = self.src;
        let n = src.len();
        self.place(start, l);
        if nest >= MAX_NEST {
            self.overflow = true;
            return n;
        }
        let quote = src[q];
        let triple = src.get(q..q + 3) == Some(&[quote, quote, quote][..]);
        let mut i = q + if triple { 3 } else { 1 };
        while i < n && !self.overflow {
            let c = src[i];
            if c == b'\\' {
                i += 2;
                continue;
            }
            if f && c == b'{' {
                if src.get(i + 1) == Some(&b'{') {
                    i += 2;
                    continue;
                }
                self.skip(i);
                i = self.field(i + 1, l, nest + 1);
                continue;
            }
            if c == quote {
                if !triple {
                    i += 1;
                    break;
                }
                if src.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                    i += 3;
                    break;
                }
            }
            if !triple && (c == b'\n' || c == b'\r') {
                break;
            }
            i += 1;
        }
        let end = i.min(n);
        self.skip(end);
        if !f && !triple && start == q && end > q + 1 && src[end - 1] == quote && self.runs(l) {
            self.namespace_key(start, &src[q + 1..end - 1]);
        }
        end
    }

    /// A string at module level that names a module global through its namespace
    /// (`globals()['f']`, `vars()['f']`, `….__dict__['f']`, `getattr(sys.modules[__name__],
    /// 'f')`) mentions `f` as a call of it would.
    fn namespace_key(&mut self, start: usize, key: &'a [u8]) {
        let src = self.src;
        if key.is_empty()
            || key.len() > 256
            || !key.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return;
        }
        let before = src[..start].trim_ascii_end();
        let keyed = before.strip_suffix(b"[").is_some_and(|b| {
            let b = b.trim_ascii_end();
            b.ends_with(b")") || b.ends_with(b"__dict__")
        });
        let by_getattr = before.ends_with(b",") && {
            let window = &before[before.len().saturating_sub(96)..];
            memchr::memmem::rfind(window, b"getattr(").is_some_and(|p| {
                let call = &window[p..];
                memchr::memmem::find(call, b"sys.modules").is_some()
                    || memchr::memmem::find(call, b"globals()").is_some()
            })
        };
        if keyed || by_getattr {
            if self.module_names.len() >= MAX_NAMES {
                self.overflow = true;
                return;
            }
            self.module_names.insert(key, true);
        }
    }

    /// The replacement field of an f-string, starting after its `{` at `i`: code up to `!`,
    /// `:` or `}` at bracket depth 0; after `!` or `:` text (a conversion and format spec,
    /// with nested fields) up to `}`. Returns the offset after the closing `}`, or of the
    /// quote or line end that a valid field cannot hold there.
    fn field(&mut self, mut i: usize, l: &mut Line, nest: usize) -> usize {
        let src = self.src;
        let n = src.len();
        let mut depth = 0;
        while i < n && !self.overflow {
            match src[i] {
                b'}' if depth == 0 => {
                    self.place(i, l);
                    return i + 1;
                }
                b':' | b'!' if depth == 0 && src.get(i + 1) != Some(&b'=') => {
                    self.place(i, l);
                    let mut j = i + 1;
                    while j < n && !self.overflow {
                        match src[j] {
                            b'}' => {
                                self.skip(j);
                                return j + 1;
                            }
                            b'{' => {
                                self.skip(j);
                                if nest >= MAX_NEST {
                                    self.overflow = true;
                                    return n;
                                }
                                j = self.field(j + 1, l, nest + 1);
                            }
                            b'\n' | b'\r' | b'\'' | b'"' => {
                                self.skip(j);
                                return j;
                            }
                            _ => j += 1,
                        }
                    }
                    return j.min(n);
                }
                b'\n' | b'\r' => i += 1,
                _ => i = self.token(i, l, &mut depth, nest),
            }
        }
        i.min(n)
    }
}

/// The column a line's indentation reaches, as CPython's tokenizer counts it (a tab to the
/// next multiple of 8, a form feed back to 0), and the bytes it spans, for `line` starting at
/// a line's first byte.
pub fn indentation(line: &[u8]) -> (usize, usize) {
    let mut col = 0;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b' ' => col += 1,
            b'\t' => col = (col / 8 + 1) * 8,
            b'\x0c' => col = 0,
            _ => break,
        }
        i += 1;
    }
    (col, i)
}

fn line_end(src: &[u8], i: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &src[i..]).map_or(src.len(), |p| i + p)
}

fn ws_len(s: &[u8]) -> usize {
    s.iter().take_while(|c| **c == b' ' || **c == b'\t').count()
}

fn after_ws(s: &[u8], at: usize) -> &[u8] {
    let s = s.get(at..).unwrap_or(&[]);
    &s[ws_len(s)..]
}

fn is_prefix(w: &[u8]) -> bool {
    w.len() <= 2
        && w.iter()
            .all(|c| matches!(c.to_ascii_lowercase(), b'r' | b'b' | b'u' | b'f' | b't'))
}

#[cfg(test)]
mod tests {
    use super::{place, runs_at_import};

    /// A call after `;` on an import line is placed (it was skipped with the import line).
    #[test]
    fn statements_after_a_semicolon_are_their_own() {
        assert!(runs("import os; os.system('x')\n"));
        assert!(!runs("import os; x = 1\ndef f():\n    os.system('x')\n"));
        let named = |src: &str| place(src.as_bytes(), &at(src, "b"), &[], &[], true).at_import;
        assert!(named("from .a import b; b()\n"));
        assert!(!named("from .a import b; x = 1\n"));
    }

    /// For names bound by imports (the join's placement), a function nested in a function is
    /// named by its outer one only, and a main guard's block does not run at import.
    #[test]
    fn inner_functions_and_the_main_guard_for_the_join() {
        let placed = |src: &str| place(src.as_bytes(), &at(src, "init"), &[], &[], true);
        // torch's test helpers: an inner `wrapper` holds the use; another `wrapper(` call at
        // module level is not a call of it.
        let src = "def deco(f):\n    def wrapper():\n        init()\n    return wrapper\n\ndef other(f):\n    def wrapper():\n        return f()\n    return wrapper\nx = other(1)\nwrapper()\n";
        let p = placed(src);
        assert!(!p.at_import);
        assert_eq!(p.hot, ["deco"]);
        // The outer function called at module level still is.
        assert!(
            placed("def deco():\n    def wrapper():\n        init()\n    wrapper()\ndeco()\n")
                .at_import
        );
        // A main guard.
        for guard in [
            "if __name__ == '__main__':",
            "if \"__main__\" == __name__ :",
        ] {
            let src = format!("def main():\n    init()\n\n{guard}\n    main()\n    init()\n");
            let p = placed(&src);
            assert!(!p.at_import, "{guard}");
            assert_eq!(p.hot, ["main"]);
        }
        assert!(
            placed("def main():\n    init()\nif __name__ == '__main__' or X:\n    main()\n")
                .at_import
        );
        // The prefilter's own placement is unchanged: a guard's body runs at import for it.
        let src = "import os\nif __name__ == '__main__':\n    os.system('x')\n";
        assert!(runs(src));
    }

    /// Decorators and `=` count as uses of a name at import; a mention in a table does not.
    #[test]
    fn names_handed_on_at_import() {
        let named = |src: &str| place(src.as_bytes(), &at(src, "init"), &[], &[], true).at_import;
        assert!(named("@init\ndef f(): pass\n"));
        assert!(named("t = Thread(target=init)\n"));
        assert!(named("m.init()\n"));
        assert!(!named("H = {'a': init}\n"));
        assert!(!named("def f():\n    init()\n"));
        // Through a function of the module: called, decorating or handed on counts, a mention
        // does not (the join then leaves the module unparsed).
        assert!(named("def f():\n    init()\nf()\n"));
        assert!(named("def f():\n    init()\nx = f\n"));
        assert!(!named("def f():\n    init()\n__all__ = [f]\n"));
        let src = "def a():\n    os.system('x')\ndef b():\n    a()\ndef c():\n    pass\n";
        let p = place(src.as_bytes(), &at(src, "system("), &[], &[], false);
        assert!(!p.at_import);
        assert_eq!(p.hot, ["a", "b"]);
        // A network word is reported apart, and not closed over calls.
        let src = "def a():\n    urlopen(u)\ndef b():\n    a()\ndef c():\n    os.system('x')\n";
        let mut offsets = at(src, "urlopen(");
        let weak = offsets.clone();
        offsets.extend(at(src, "system("));
        let p = place(src.as_bytes(), &offsets, &weak, &[], false);
        assert_eq!(
            (p.hot, p.weak),
            (vec!["c".to_string()], vec!["a".to_string()])
        );
        // A function named like a name an import binds is not used by the import.
        let src = "from .b import f as g\n\ndef f():\n    g()\n";
        let p = place(src.as_bytes(), &at(src, "g"), &[], &[], true);
        assert!(!p.at_import);
        assert_eq!(p.hot, ["f"]);
        // A method's word makes its class and the method hot.
        let src = "class K:\n    def m(self):\n        os.system('x')\n";
        let p = place(src.as_bytes(), &at(src, "system("), &[], &[], false);
        assert_eq!(
            (p.hot, p.classes),
            (vec!["m".to_string()], vec!["K".to_string()])
        );
    }

    /// Offsets of every occurrence of `w` in `src`.
    fn at(src: &str, w: &str) -> Vec<usize> {
        src.match_indices(w).map(|(i, _)| i).collect()
    }

    fn runs(src: &str) -> bool {
        runs_at_import(src.as_bytes(), &at(src, "system("))
    }

    #[test]
    fn module_level_call_runs() {
        assert!(runs("import os\nos.system('echo hi')\n"));
        assert!(runs(
            "try:\n    os.system('echo')\nexcept Exception:\n    pass\n"
        ));
        assert!(runs("class A:\n    x = os.system('echo')\n"));
        assert!(runs("x = f'{os.system(\"echo\")}'\n"));
        assert!(runs("def f(a=os.system('echo')):\n    pass\n"));
        assert!(runs("@deco(os.system('echo'))\ndef f():\n    pass\n"));
        assert!(runs("y = (1,\n  2)\nos.system('echo')\n"));
        assert!(runs("def f():\n    pass\n\nos.system('echo')\n"));
        assert!(runs("x = 1; os.system('echo')\n"));
    }

    #[test]
    fn function_body_runs_only_when_named_at_module_level() {
        assert!(!runs("def f():\n    os.system('echo')\n"));
        assert!(!runs(
            "def f():\n    '''doc\n\nx'''\n    os.system('echo')\n"
        ));
        assert!(!runs("def f(): os.system('echo')\n"));
        assert!(!runs(
            "class A:\n    def m(self):\n        os.system('echo')\n"
        ));
        assert!(runs("def f():\n    os.system('echo')\nf()\n"));
        assert!(runs(
            "def f():\n    os.system('echo')\nthreading.Thread(target=f).start()\n"
        ));
        assert!(runs(
            "class A:\n    def __init__(self):\n        os.system('echo')\nA()\n"
        ));
        assert!(runs(
            "class A:\n    @classmethod\n    def m(cls):\n        os.system('echo')\nA.m()\n"
        ));
        // Subclassing or annotating with a class runs none of its methods.
        assert!(!runs(
            "class A:\n    def m(self):\n        os.system('echo')\nclass B(A):\n    pass\nx: A = None\n"
        ));
        // Named only in a string or a comment: not a reference.
        assert!(!runs(
            "def f():\n    os.system('echo')\n__all__ = ['f']  # f()\n"
        ));
    }

    #[test]
    fn class_creation_hooks_and_exit_handlers_run() {
        // A base's `__init_subclass__` runs when a class header names it.
        assert!(runs(
            "class A:\n    def __init_subclass__(cls):\n        os.system('echo')\nclass B(A):\n    pass\n"
        ));
        // A metaclass's `__new__` runs when a class header names it.
        assert!(runs(
            "class M(type):\n    def __new__(m, n, b, d):\n        os.system('echo')\n        return 1\nclass B(metaclass=M):\n    pass\n"
        ));
        // `@atexit.register` runs the function at exit.
        assert!(runs(
            "import atexit\n@atexit.register\ndef f():\n    os.system('echo')\n"
        ));
        // Any other decorator does not name the function at module level.
        assert!(!runs("@app.route('/')\ndef f():\n    os.system('echo')\n"));
    }

    #[test]
    fn comments_strings_imports_and_methods_do_not_run() {
        assert!(!runs("# os.system('echo')\n"));
        assert!(!runs("x = 1  # os.system('echo')\n"));
        assert!(!runs("'''\nos.system('echo')\n'''\n"));
        assert!(!runs("x = 'os.system(1)'\n"));
        assert!(!runs("x = r'\\'' + 'os.system('\n"));
        assert!(!runs("from os import system\n"));
        assert!(!runs("x = f'text os.system( {y}'\n"));
        // Only a call counts, and only a whole name.
        let src = "x: requests.Session = None\nE = (requests.ConnectionError,)\n";
        assert!(!runs_at_import(src.as_bytes(), &at(src, "requests.")));
        let src = "requests.get('https://example.invalid')\n";
        assert!(runs_at_import(src.as_bytes(), &at(src, "requests.")));
        let src = "r = Retrieval(1)\nd = dup_eval(2)\n";
        assert!(!runs_at_import(src.as_bytes(), &at(src, "eval(")));
        let src = "os.posix_spawn('/bin/echo', [], {})\n";
        assert!(runs_at_import(src.as_bytes(), &at(src, "spawn")));
        // The name of a function is not a call of it.
        let src = "class A:\n    def eval(self):\n        pass\n";
        assert!(!runs_at_import(src.as_bytes(), &at(src, "eval(")));
        let src = "model.eval()\n";
        assert!(!runs_at_import(src.as_bytes(), &at(src, "eval(")));
        let src = "builtins.eval('1')\n";
        assert!(runs_at_import(src.as_bytes(), &at(src, "eval(")));
    }

    #[test]
    fn a_callable_named_without_a_call_at_module_level_runs() {
        let refs = |src: &str, w: &str| runs_at_import(src.as_bytes(), &at(src, w));
        assert!(refs("import os\nf = os.system\nf('echo')\n", "system"));
        assert!(refs("import os\na, b = 1, os.system\n", "system"));
        assert!(refs("e = eval\n", "eval"));
        assert!(refs("def g(f=os.system):\n    f('echo')\n", "system"));
        // Targets, keywords, annotations, an instance's attribute, a function body.
        assert!(!refs("class C:\n    system: str = ''\n", "system"));
        assert!(!refs("x = dict(system='a')\n", "system"));
        assert!(!refs("print(self.system)\n", "system"));
        assert!(!refs("def f():\n    return os.system\n", "system"));
        assert!(!refs("x = platform.machine\n", "system"));
    }

    #[test]
    fn f_string_fields_follow_pep_701() {
        // A field may reuse the quote of its f-string.
        assert!(runs("x = f\"{'\"'}\"; os.system('echo')\n"));
        // A quote in a format spec does not open a string.
        assert!(runs("x = f\"{x:'''}\"\nos.system('echo')\n"));
        assert!(runs("x = f'{ {1: os.system(\"echo\")} }'\n"));
        assert!(runs("x = f'{y:{os.system(\"echo\")}}'\n"));
    }

    #[test]
    fn hostile_layout_is_bounded() {
        // An unterminated triple-quoted string swallows the rest (Python would not compile it).
        assert!(!runs("x = '''\nos.system('echo')\n"));
        // Unbalanced closing brackets do not underflow.
        assert!(runs(")))\nos.system('echo')\n"));
        assert!(runs("x = (((\nos.system('echo')\n"));
        // Many words in one long dotted chain: each is read at most a bounded distance ahead.
        let chain = "subprocess.".repeat(50_000) + "run('echo')\n";
        assert!(runs_at_import(chain.as_bytes(), &at(&chain, "subprocess.")));
        let deep = "(".repeat(100_000) + "os.system('echo')";
        assert!(runs(&deep));
        let nested = "f'{".repeat(10_000) + "os.system('echo')";
        assert!(runs(&nested));
    }
}
