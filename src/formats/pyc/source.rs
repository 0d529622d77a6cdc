//! A Python source read as CPython's tokenizer reads it, for [`super::judge`]: the identifiers
//! of its code (never the words of its strings, comments or docstrings) and the decoded values
//! of its string literals (escapes such as `\x41`, `\u0041` and `\101` decoded, implicit and
//! `+` concatenation joined, f-string pieces split at their replacement fields, whose
//! expressions are code). Nothing is parsed beyond tokens: a broken source gives whatever tokens
//! it holds, never an error, and the walk is linear in the source's length.

use unicode_normalization::UnicodeNormalization;

/// CPython folds `'ab' * n` into a constant up to this many bytes (`MAX_STR_SIZE`,
/// `Python/ast_opt.c`).
const MAX_FOLDED: usize = 4096;

/// f-strings nested deeper than this are read as plain literals (CPython 3.12 allows 150 levels;
/// real code nests two or three).
const MAX_NESTING: u32 = 64;

/// One token of the source that [`read`] hands to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// An identifier of the code (keywords included), NFKC-normalised as PEP 3131 says.
    Ident(&'a [u8]),
    /// A value a string constant of the compiled module may have whole: a literal's decoded
    /// value, a concatenation of literals, a piece of an f-string between its fields, a format
    /// spec, a piece of a `%`-format between its conversions (CPython 3.12+ folds
    /// `'a%sb' % (x,)` into an f-string), or one of these with surrounding whitespace trimmed
    /// (3.13 cleans docstrings).
    Whole(&'a [u8]),
}

/// What [`read`] learned beyond the tokens it handed out.
#[derive(Debug, Default)]
pub struct Source {
    /// Every decoded literal value, piece and concatenation, each followed by a NUL byte: a
    /// word of a string constant is in the source when it is in here.
    pub literals: Vec<u8>,
    /// The source holds an f-string (CPython 3.10+ builds one of more than 30 pieces with
    /// `''.join`, so `join` is in `co_names`).
    pub fstring: bool,
    /// The source holds `assert` (before 3.9 it loads `AssertionError` by name).
    pub assert: bool,
    /// The source holds `async` (3.7 loads `StopAsyncIteration` by name for `async for`).
    pub asynchronous: bool,
    /// The source holds `...` (3.7 and 3.8 write a folded tuple holding it as `Ellipsis` in
    /// the text of a postponed annotation).
    pub ellipsis: bool,
    /// The source names `__future__` and `annotations` (`from __future__ import annotations`:
    /// every annotation is compiled to its text, a string constant no literal spells).
    pub postponed_annotations: bool,
    /// The source names `__future__`.
    future: bool,
}

/// Read `src`, handing each code identifier and each whole literal value to `on`.
pub fn read(src: &[u8], on: &mut dyn FnMut(Token<'_>)) -> Source {
    let mut lx = Lexer {
        s: src,
        i: 0,
        out: Source::default(),
        group: Vec::new(),
        group_len: 0,
        joinable: false,
        atom: None,
        atom_len: 0,
        times: None,
        others: 0,
        folding: src.len() + (64 << 10),
        on,
    };
    lx.code(0, false);
    lx.flush();
    lx.out
}

/// Parentheses opened and not closed, per [`Lexer::code`] walk, past which a parenthesised
/// constant is not folded.
const MAX_PARENS: usize = 256;

/// The concatenation in progress outside a `(`, put aside while the parentheses are read.
struct Outside {
    group: Vec<u8>,
    group_len: u32,
    joinable: bool,
    atom: Option<Vec<u8>>,
    atom_len: u32,
    others: u64,
    /// `N *` before the `(`.
    times: Option<usize>,
}

/// Why [`Lexer::code`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Eof,
    /// A `}` closing an f-string replacement field.
    Close,
    /// A `!` conversion of a replacement field.
    Conversion,
    /// A `:` starting a format spec.
    Spec,
}

struct Lexer<'s, 'f> {
    s: &'s [u8],
    i: usize,
    out: Source,
    /// The running concatenation of literals written side by side (or joined by `+`).
    group: Vec<u8>,
    /// Literals in `group`.
    group_len: u32,
    /// The last token was a literal (or a `+` after one): a next literal joins `group`.
    joinable: bool,
    /// The literals written side by side that end at the last token, joined (`'a' 'b' * 3`
    /// repeats `ab`: implicit concatenation binds tighter than `*`, `+` looser).
    atom: Option<Vec<u8>>,
    /// Literals in `atom`.
    atom_len: u32,
    /// `N *` before the next literal (`5 * ' '`).
    times: Option<usize>,
    /// Tokens read that are not literals or the operators folded with them: a parenthesised
    /// expression that met none is a constant (`('ab' * 2) + 'c'`).
    others: u64,
    /// Bytes of repetitions still to fold (a source of many `'a' * 4096` stays linear).
    folding: usize,
    on: &'f mut dyn FnMut(Token<'_>),
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// A string prefix (`r`, `b`, `u`, `f`, `t` and their pairs, any case): which it is.
fn prefix(w: &[u8]) -> Option<(bool, bool, bool)> {
    if w.is_empty() || w.len() > 2 {
        return None;
    }
    let (mut raw, mut bytes, mut fmt, mut uni) = (false, false, false, false);
    for &c in w {
        let seen = match c.to_ascii_lowercase() {
            b'r' => std::mem::replace(&mut raw, true),
            b'b' => std::mem::replace(&mut bytes, true),
            b'f' | b't' => std::mem::replace(&mut fmt, true),
            b'u' => std::mem::replace(&mut uni, true),
            _ => return None,
        };
        if seen {
            return None;
        }
    }
    if (uni && w.len() > 1) || (bytes && fmt) {
        return None;
    }
    Some((raw, bytes, fmt))
}

impl Lexer<'_, '_> {
    fn at(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    /// Code until the end of the source, or (in a replacement field) until the `}`, `!` or `:`
    /// that ends the field's expression at bracket depth 0.
    fn code(&mut self, depth: u32, field: bool) -> End {
        let mut brackets = 0u32;
        // One entry per open bracket: what a `(` put aside, `None` for `[`, `{` and past
        // `MAX_PARENS`.
        let mut open: Vec<Option<Outside>> = Vec::new();
        while let Some(c) = self.at(0) {
            // An operator that binds tighter than `+` takes the last literals alone
            // (`'a' + 'b' % x`, `'a' + '|'.join(x)`, `'a' + 'b'[0]`): what came before them is
            // a folded value of its own.
            if self.atom.is_some() && matches!(c, b'%' | b'.' | b'[' | b'/' | b'@') {
                self.cut();
            }
            match c {
                b'#' => {
                    let rest = &self.s[self.i..];
                    self.i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                }
                b' ' | b'\t' | b'\x0c' | b'\r' | b'\n' | b'\\' => self.i += 1,
                b'\'' | b'"' => self.string(false, false, false, depth),
                c if ident_start(c) => {
                    let start = self.i;
                    while self.at(0).is_some_and(ident_byte) {
                        self.i += 1;
                    }
                    let w = &self.s[start..self.i];
                    if matches!(self.at(0), Some(b'\'' | b'"')) {
                        if let Some((raw, bytes, fmt)) = prefix(w) {
                            self.string(raw, bytes, fmt, depth);
                            continue;
                        }
                    }
                    self.others += 1;
                    self.flush();
                    self.ident(w);
                }
                b'0'..=b'9' => {
                    if !self.times_literal() {
                        self.others += 1;
                        self.number();
                    }
                }
                b'.' if self.at(1).is_some_and(|d| d.is_ascii_digit()) => {
                    self.others += 1;
                    self.number();
                }
                b'+' => {
                    self.end_atom();
                    self.i += 1;
                }
                b'*' if self.atom.is_some() => {
                    self.i += 1;
                    self.repeat();
                }
                b'(' if open.len() < MAX_PARENS => {
                    // After `+`, the concatenation waits for the parenthesised operand.
                    let times = self.times.take();
                    if !self.joinable {
                        self.flush();
                    }
                    let mut outside = self.put_aside();
                    outside.times = times;
                    open.push(Some(outside));
                    brackets += 1;
                    self.i += 1;
                }
                b'(' | b'[' | b'{' => {
                    self.others += 1;
                    self.flush();
                    if open.len() < MAX_PARENS {
                        open.push(None);
                    }
                    brackets += 1;
                    self.i += 1;
                }
                b'}' if field && brackets == 0 => {
                    self.flush();
                    return End::Close;
                }
                b'!' if field && brackets == 0 && self.at(1) != Some(b'=') => {
                    self.flush();
                    return End::Conversion;
                }
                b':' if field && brackets == 0 => {
                    self.flush();
                    return End::Spec;
                }
                b')' | b']' | b'}' => {
                    match open.pop().flatten() {
                        Some(outside) if c == b')' => self.close_paren(outside),
                        Some(outside) => {
                            self.close_paren(outside);
                            self.others += 1;
                            self.flush();
                        }
                        None => {
                            self.others += 1;
                            self.flush();
                        }
                    }
                    brackets = brackets.saturating_sub(1);
                    self.i += 1;
                }
                _ => {
                    self.others += 1;
                    if self.s[self.i..].starts_with(b"...") {
                        self.out.ellipsis = true;
                    }
                    self.flush();
                    self.i += 1;
                }
            }
        }
        End::Eof
    }

    /// Put the concatenation in progress aside at a `(`.
    fn put_aside(&mut self) -> Outside {
        let outside = Outside {
            group: std::mem::take(&mut self.group),
            group_len: self.group_len,
            joinable: self.joinable,
            atom: self.atom.take(),
            atom_len: self.atom_len,
            others: self.others,
            times: None,
        };
        self.group_len = 0;
        self.joinable = false;
        self.atom_len = 0;
        self.times = None;
        outside
    }

    /// At the `)` of a `(` that put `outside` aside: a parenthesised constant (literals and the
    /// operators folded with them only) is one operand of the concatenation outside.
    fn close_paren(&mut self, outside: Outside) {
        let mut value = (self.others == outside.others && self.group_len > 0 && self.joinable)
            .then(|| self.group.clone());
        if let (Some(v), Some(n)) = (&mut value, outside.times) {
            let size = n.saturating_mul(v.len());
            if size <= MAX_FOLDED && size <= self.folding {
                self.folding -= size;
                *v = v.repeat(n);
            }
        }
        self.flush();
        self.group = outside.group;
        self.group_len = outside.group_len;
        self.joinable = outside.joinable;
        self.atom = outside.atom;
        self.atom_len = outside.atom_len;
        match value {
            Some(v) => self.literal(&v, true, true),
            None => {
                self.others += 1;
                self.flush();
            }
        }
    }

    /// After `literal *`: an integer folds into the repeated literal (CPython's constant
    /// folding), which continues the concatenation; anything else ends it.
    fn repeat(&mut self) {
        let Some(last) = self.atom.take() else {
            return;
        };
        let mut k = self.i;
        while matches!(self.s.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        let (n, used) = int_expr(&self.s[k..]).map_or((None, 0), |(n, used)| (Some(n), used));
        k += used;
        let size = n.and_then(|n| n.checked_mul(last.len()));
        match (n, size) {
            (Some(n), Some(size))
                if size <= MAX_FOLDED
                    && size <= self.folding
                    && !self.s.get(k).is_some_and(|&c| ident_byte(c) || c == b'.') =>
            {
                self.folding -= size;
                self.i = k;
                let rep = last.repeat(n);
                if self.group.ends_with(&last) {
                    self.group.truncate(self.group.len() - last.len());
                    self.group.extend_from_slice(&rep);
                }
                self.emit(&rep);
                self.atom = Some(rep);
                self.joinable = true;
            }
            _ => {
                self.atom = Some(last);
                self.cut();
            }
        }
    }

    /// `N * 'literal'`: true (and past the `*`) when an integer is followed by `*` and a
    /// literal, whose value the literal then repeats; the concatenation goes on.
    fn times_literal(&mut self) -> bool {
        let mut k = self.i;
        while self
            .s
            .get(k)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'_')
        {
            k += 1;
        }
        let n = std::str::from_utf8(&self.s[self.i..k])
            .ok()
            .and_then(|d| d.replace('_', "").parse::<usize>().ok());
        let blank = |k: &mut usize| {
            while matches!(self.s.get(*k), Some(b' ' | b'\t')) {
                *k += 1;
            }
        };
        blank(&mut k);
        if self.s.get(k) != Some(&b'*') || self.s.get(k + 1) == Some(&b'*') {
            return false;
        }
        k += 1;
        blank(&mut k);
        let mut q = k;
        while q < k + 2 && self.s.get(q).is_some_and(|c| c.is_ascii_alphabetic()) {
            q += 1;
        }
        let quoted = (matches!(self.s.get(q), Some(b'\'' | b'"'))
            && (q == k || prefix(&self.s[k..q]).is_some_and(|(_, _, fmt)| !fmt)))
            || self.s.get(k) == Some(&b'(');
        match n {
            Some(n) if quoted => {
                self.times = Some(n);
                self.i = k;
                true
            }
            _ => false,
        }
    }

    fn ident(&mut self, w: &[u8]) {
        match w {
            b"assert" => self.out.assert = true,
            b"async" => self.out.asynchronous = true,
            b"__future__" => self.out.future = true,
            b"annotations" if self.out.future => self.out.postponed_annotations = true,
            _ => {}
        }
        if w.is_ascii() {
            (self.on)(Token::Ident(w));
        } else {
            // PEP 3131: `ｏｓ` is `os`.
            let n: String = String::from_utf8_lossy(w).nfkc().collect();
            (self.on)(Token::Ident(n.as_bytes()));
        }
    }

    /// A number (`0x1f`, `1e-5`, `1_000j`): skipped, so its letters are not identifiers.
    fn number(&mut self) {
        self.flush();
        while let Some(c) = self.at(0) {
            let exp_sign =
                matches!(c, b'+' | b'-') && self.i > 0 && matches!(self.s[self.i - 1], b'e' | b'E');
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exp_sign {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// Past a literal's opening quote: the quote and whether it is tripled.
    fn opening(&mut self) -> (u8, bool) {
        let q = self.s[self.i];
        let triple = self.at(1) == Some(q) && self.at(2) == Some(q);
        self.i += if triple { 3 } else { 1 };
        (q, triple)
    }

    /// True (and past it) when the closing quote is at `self.i`.
    fn closing(&mut self, q: u8, triple: bool) -> bool {
        if triple {
            if self.at(0) == Some(q) && self.at(1) == Some(q) && self.at(2) == Some(q) {
                self.i += 3;
                return true;
            }
            false
        } else if self.at(0) == Some(q) {
            self.i += 1;
            true
        } else {
            // A newline ends a broken one-line literal.
            self.at(0) == Some(b'\n')
        }
    }

    fn string(&mut self, raw: bool, bytes: bool, fmt: bool, depth: u32) {
        let (q, triple) = self.opening();
        if fmt && depth < MAX_NESTING {
            self.times = None;
            self.out.fstring = true;
            // `'a' + f'…'` is not folded (only literals written side by side join an f-string).
            if self.joinable && self.atom.is_none() {
                self.flush();
            }
            return self.fstring(q, triple, raw, depth);
        }
        let start = self.i;
        let mut end = self.s.len();
        while self.i < self.s.len() {
            if self.s[self.i] == b'\\' {
                self.i += 2;
                continue;
            }
            let here = self.i;
            if self.closing(q, triple) {
                end = here;
                break;
            }
            self.i += 1;
        }
        self.i = self.i.min(self.s.len());
        let body = &self.s[start..end.min(self.s.len())];
        let mut value = if raw {
            body.to_vec()
        } else {
            let mut v = Vec::with_capacity(body.len());
            crate::formats::pyliteral::unescape_lenient(body, bytes, &mut v);
            v
        };
        if let Some(n) = self.times.take() {
            let size = n.saturating_mul(value.len());
            if size <= MAX_FOLDED && size <= self.folding {
                self.folding -= size;
                value = value.repeat(n);
            }
        }
        self.literal(&value, true, true);
    }

    /// An f-string (or a 3.14 t-string) after its opening quote: its literal pieces and the
    /// code of its replacement fields.
    fn fstring(&mut self, q: u8, triple: bool, raw: bool, depth: u32) {
        let mut run = Vec::new();
        let mut first = true;
        let piece = |lx: &mut Self, run: &mut Vec<u8>, last: bool, first: &mut bool| {
            let mut v = Vec::with_capacity(run.len());
            if raw {
                v.extend_from_slice(run);
            } else {
                crate::formats::pyliteral::unescape_lenient(run, false, &mut v);
            }
            run.clear();
            lx.literal(&v, *first, last);
            *first = false;
            v
        };
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if self.closing(q, triple) {
                break;
            }
            match c {
                b'\\' => {
                    // `\N{…}` names a character; its braces open no field.
                    if !raw && self.at(1) == Some(b'N') && self.at(2) == Some(b'{') {
                        let rest = &self.s[self.i..];
                        let n = memchr::memchr(b'}', rest).map_or(rest.len(), |e| e + 1);
                        run.extend_from_slice(&rest[..n]);
                        self.i += n;
                    } else if self.at(1).is_some_and(|n| n != b'{' && n != b'}') {
                        run.extend_from_slice(&self.s[self.i..self.i + 2]);
                        self.i += 2;
                    } else {
                        run.push(b'\\');
                        self.i += 1;
                    }
                }
                b'{' if self.at(1) == Some(b'{') => {
                    run.push(b'{');
                    self.i += 2;
                }
                b'}' if self.at(1) == Some(b'}') => {
                    run.push(b'}');
                    self.i += 2;
                }
                b'{' => {
                    // With the literals written side by side before it, when it joins them.
                    let prior = if first && self.joinable && self.atom.is_some() {
                        self.atom.clone().unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    let before = [prior, piece(self, &mut run, false, &mut first)].concat();
                    self.flush();
                    self.i += 1;
                    // `f'a {k=}'` compiles to the piece `a k=`: the text before the field
                    // with the field's expression as written.
                    if let Some(debug) = self.field(depth + 1) {
                        self.emit(&[before, debug].concat());
                    }
                }
                _ => {
                    run.push(c);
                    self.i += 1;
                }
            }
        }
        piece(self, &mut run, true, &mut first);
    }

    /// A replacement field after its `{`: the expression's code, a conversion, a format spec
    /// (a literal piece, with fields of its own), up to and past the closing `}`. The
    /// expression's text when it ends in a self-documenting `=` (`{k=}`, `{ k = }`).
    fn field(&mut self, depth: u32) -> Option<Vec<u8>> {
        if depth > MAX_NESTING {
            return None;
        }
        self.flush();
        let start = self.i;
        let mut end = self.code(depth, true);
        let text = &self.s[start..self.i.min(self.s.len())];
        let t = text.trim_ascii_end();
        let debug = (end != End::Eof
            && t.ends_with(b"=")
            && !(t.len() >= 2 && b"=!<>".contains(&t[t.len() - 2])))
        .then(|| text.to_vec());
        if end == End::Conversion {
            self.i += 1;
            while self.at(0).is_some_and(|c| c != b':' && c != b'}') {
                self.i += 1;
            }
            end = match self.at(0) {
                Some(b':') => End::Spec,
                Some(_) => End::Close,
                None => End::Eof,
            };
        }
        if end == End::Spec {
            self.i += 1;
            let mut spec = Vec::new();
            while let Some(c) = self.at(0) {
                match c {
                    b'}' => break,
                    b'{' => {
                        // A field in the spec splits it into pieces (`{x:h1{y=}h2}`: `h1y=`).
                        self.emit(&spec);
                        self.i += 1;
                        if let Some(debug) = self.field(depth + 1) {
                            self.emit(&[&spec[..], &debug[..]].concat());
                        }
                        spec.clear();
                    }
                    _ => {
                        spec.push(c);
                        self.i += 1;
                    }
                }
            }
            self.emit(&spec);
            end = if self.at(0).is_some() {
                End::Close
            } else {
                End::Eof
            };
        }
        if end == End::Close {
            self.i += 1;
        }
        self.flush();
        debug
    }

    /// A literal value (or an f-string piece): `joins_left` when it continues a concatenation
    /// before it, `joins_right` when one after it may continue it.
    fn literal(&mut self, v: &[u8], joins_left: bool, joins_right: bool) {
        self.emit(v);
        if joins_left && self.joinable {
            self.group.extend_from_slice(v);
            self.group_len += 1;
            match &mut self.atom {
                Some(a) => {
                    a.extend_from_slice(v);
                    self.atom_len += 1;
                }
                None => {
                    self.atom = Some(v.to_vec());
                    self.atom_len = 1;
                }
            }
        } else {
            self.flush();
            self.group.extend_from_slice(v);
            self.group_len = 1;
            self.atom = Some(v.to_vec());
            self.atom_len = 1;
        }
        if joins_right {
            self.joinable = true;
        } else {
            self.flush();
        }
    }

    /// End the literals written side by side: joined, they are one constant.
    fn end_atom(&mut self) {
        if let Some(a) = self.atom.take() {
            if self.atom_len > 1 {
                self.emit(&a);
            }
        }
        self.atom_len = 0;
    }

    /// An operator binding tighter than `+` follows the last literals: the concatenation before
    /// them is a value of its own; then end it.
    fn cut(&mut self) {
        if let Some(a) = &self.atom {
            if self.group.len() > a.len() && self.group.ends_with(a) {
                let head = self.group[..self.group.len() - a.len()].to_vec();
                self.emit(&head);
            }
        }
        self.flush();
    }

    /// End a concatenation: its joined value is a value of its own.
    fn flush(&mut self) {
        self.end_atom();
        if self.group_len > 1 {
            let g = std::mem::take(&mut self.group);
            self.emit(&g);
            self.group = g;
        }
        self.group.clear();
        self.group_len = 0;
        self.joinable = false;
        self.times = None;
    }

    /// Record a whole value: in the literal text, to the caller with its trimmed form and its
    /// `%`-format pieces.
    fn emit(&mut self, v: &[u8]) {
        self.out.literals.extend_from_slice(v);
        self.out.literals.push(0);
        (self.on)(Token::Whole(v));
        let t = v.trim_ascii();
        if t.len() != v.len() {
            (self.on)(Token::Whole(t));
        }
        if memchr::memchr(b'%', v).is_some() {
            for p in crate::formats::python::percent_pieces(v) {
                (self.on)(Token::Whole(&p));
                (self.on)(Token::Whole(p.trim_ascii()));
            }
        }
    }
}

/// An integer operand CPython folds (`349`, `(4 * 87 + 1)`, `1_000`) at the start of `s`:
/// its value (at most 2^32) and the bytes it takes. Digits, `+`, `-`, `*`, brackets and
/// blanks only; anything else is no constant.
fn int_expr(s: &[u8]) -> Option<(usize, usize)> {
    fn sum(s: &[u8], i: &mut usize, depth: u32) -> Option<u64> {
        let mut v = product(s, i, depth)?;
        loop {
            blank(s, i);
            match s.get(*i) {
                Some(b'+') => {
                    *i += 1;
                    v = v.checked_add(product(s, i, depth)?)?;
                }
                Some(b'-') => {
                    *i += 1;
                    v = v.checked_sub(product(s, i, depth)?)?;
                }
                _ => return Some(v),
            }
        }
    }
    fn product(s: &[u8], i: &mut usize, depth: u32) -> Option<u64> {
        let mut v = atom(s, i, depth)?;
        loop {
            blank(s, i);
            if s.get(*i) == Some(&b'*') && s.get(*i + 1) != Some(&b'*') {
                *i += 1;
                v = v.checked_mul(atom(s, i, depth)?)?;
            } else {
                return Some(v);
            }
        }
    }
    fn atom(s: &[u8], i: &mut usize, depth: u32) -> Option<u64> {
        blank(s, i);
        if s.get(*i) == Some(&b'(') && depth < 8 {
            *i += 1;
            let v = sum(s, i, depth + 1)?;
            blank(s, i);
            (s.get(*i) == Some(&b')')).then(|| *i += 1)?;
            return Some(v);
        }
        let start = *i;
        while s.get(*i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            *i += 1;
        }
        let digits: String = s[start..*i]
            .iter()
            .filter(|c| c.is_ascii_digit())
            .map(|&c| char::from(c))
            .collect();
        let v = digits.parse::<u64>().ok()?;
        (v <= 1 << 32 && !s.get(*i).is_some_and(|&c| ident_byte(c) || c == b'.')).then_some(v)
    }
    fn blank(s: &[u8], i: &mut usize) {
        while matches!(s.get(*i), Some(b' ' | b'\t')) {
            *i += 1;
        }
    }
    // One operand: `'a' * 256 * 1024` folds left to right, one repetition at a time.
    let mut i = 0;
    let v = atom(s, &mut i, 0)?;
    Some((usize::try_from(v).ok()?, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> (Vec<String>, Vec<String>, Source) {
        let (mut idents, mut wholes) = (Vec::new(), Vec::new());
        let s = read(src.as_bytes(), &mut |t| match t {
            Token::Ident(w) => idents.push(String::from_utf8_lossy(w).into_owned()),
            Token::Whole(w) => wholes.push(String::from_utf8_lossy(w).into_owned()),
        });
        (idents, wholes, s)
    }

    #[test]
    fn identifiers_come_from_code_only() {
        let (idents, wholes, s) = tokens(
            "\"\"\"Do not import os.\"\"\"\n# call system here\nx = 0x1f + 1e-5 # os\ny = rb'\\x00' u'z'\n",
        );
        assert_eq!(idents, ["x", "y"]);
        assert!(wholes.contains(&"Do not import os.".to_string()));
        assert!(!s.fstring && !s.assert);
    }

    #[test]
    fn escapes_are_decoded() {
        let (_, wholes, _) = tokens(
            r#"a = b"\x7f\x45\x4c\x46"; b = "\u0048\u0065\u006c\u006c\u006f"; c = "\101\102C"; d = r"\x41""#,
        );
        for w in ["\u{7f}ELF", "Hello", "ABC", "\\x41"] {
            assert!(wholes.contains(&w.to_string()), "{w}: {wholes:?}");
        }
    }

    #[test]
    fn concatenations_and_format_pieces() {
        let (idents, wholes, s) = tokens(
            "k = ('sys' 'tem', \"ab\" + 'cd')\nm = f\"get_{os.name!r:>{width}}tail{{x}}\" 'more'\np = 'abc%sdef' % (q,)\n",
        );
        assert_eq!(idents, ["k", "m", "os", "name", "width", "p", "q"]);
        for w in ["system", "abcd", "get_", ">", "tail{x}more", "abc", "def"] {
            assert!(wholes.contains(&w.to_string()), "{w}: {wholes:?}");
        }
        assert!(s.fstring);
        // A 3.12 f-string nesting the same quotes.
        let (idents, wholes, _) = tokens("v = f\"{d[\"key\"]}{f\"{inner}\"}\"\n");
        assert_eq!(idents, ["v", "d", "inner"]);
        assert!(wholes.contains(&"key".to_string()), "{wholes:?}");
    }

    #[test]
    fn repetitions_fold() {
        let (_, wholes, s) = tokens(
            "s = 'a'*3+'b' * 2; t = ('xy a'*2+'\\n')*5; u = 'c' * 99999; v = 'to' 'o' * 2\n",
        );
        for w in ["aaabb", "xy axy a", "xy axy a\n", "tootoo"] {
            assert!(wholes.contains(&w.to_string()), "{w}: {wholes:?}");
        }
        assert!(!wholes.iter().any(|w| w.starts_with("cc")), "{wholes:?}");
        assert!(s.literals.len() < 300, "{}", s.literals.len());
    }

    #[test]
    fn folding_follows_precedence() {
        let (_, wholes, _) = tokens(concat!(
            "a = 'HTTP/1.1 200 OK' 'x' + '0' * 65536 + 'tail'\n",
            "b = 'Saved' + 5 * ' ' + 'OK'\n",
            "c = 'pre' 'fix' + '|'.join(x)\n",
            "d = f'choices: {k=}' + f'{ v = !r}'\n",
            "e = '10%% off of %s (%s)' % (a, b)\n",
            "f = ('long/' * 3) + 'end'; g = ('xy a'*2+'\\n')*2\n",
            "h = 'Version ' + 'string ' + f'found: {v}'\n",
            "i = b'a' * (4 * 2 + 1); j = 2 * ('x' * 3 + '=') + 'y'\n",
        ));
        for w in [
            "HTTP/1.1 200 OKx",
            "Saved     OK",
            "prefix",
            "choices: k=",
            " v = ",
            "10% off of ",
            " (",
            "long/long/long/end",
            "xy axy a\nxy axy a\n",
            "Version string ",
            "aaaaaaaaa",
            "xxx=xxx=y",
        ] {
            assert!(wholes.contains(&w.to_string()), "{w:?}: {wholes:?}");
        }
    }

    #[test]
    fn broken_sources_end() {
        for src in [
            "'open",
            "f'{x",
            "f'{x:{",
            "\"\"\"never",
            "x = \\",
            "f'{'",
            "b'\\",
        ] {
            let _ = tokens(src);
        }
        // Hostile shapes stay linear and bounded.
        for s in [
            "f'{".repeat(20_000),
            "f'{x:{".repeat(20_000),
            "(".repeat(50_000),
            "2 * (".repeat(20_000),
            "('a' * 4096 + ".repeat(5_000),
            "'a' 'b' ".repeat(50_000),
            "'\\N{".repeat(20_000),
        ] {
            let t = std::time::Instant::now();
            let (_, _, out) = tokens(&s);
            assert!(t.elapsed().as_secs() < 5, "{}", &s[..8]);
            assert!(out.literals.len() < 8 * s.len() + (1 << 20), "{}", &s[..8]);
        }
    }
}
