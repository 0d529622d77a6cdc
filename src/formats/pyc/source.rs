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
        folding: src.len() + (64 << 10),
        on,
    };
    lx.code(0, false);
    lx.flush();
    lx.out
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
        while let Some(c) = self.at(0) {
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
                    self.flush();
                    self.ident(w);
                }
                b'0'..=b'9' => self.number(),
                b'.' if self.at(1).is_some_and(|d| d.is_ascii_digit()) => self.number(),
                b'+' => {
                    self.atom = None;
                    self.i += 1;
                }
                b'*' if self.atom.is_some() => {
                    self.i += 1;
                    self.repeat();
                }
                b'(' | b'[' | b'{' => {
                    self.flush();
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
                    self.flush();
                    brackets = brackets.saturating_sub(1);
                    self.i += 1;
                }
                _ => {
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
        let start = k;
        while self
            .s
            .get(k)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'_')
        {
            k += 1;
        }
        let n = std::str::from_utf8(&self.s[start..k])
            .ok()
            .and_then(|d| d.replace('_', "").parse::<usize>().ok());
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
            _ => self.flush(),
        }
    }

    fn ident(&mut self, w: &[u8]) {
        match w {
            b"assert" => self.out.assert = true,
            b"async" => self.out.asynchronous = true,
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
            self.out.fstring = true;
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
        let value = if raw {
            body.to_vec()
        } else {
            let mut v = Vec::with_capacity(body.len());
            unescape(body, bytes, &mut v);
            v
        };
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
                unescape(run, false, &mut v);
            }
            run.clear();
            lx.literal(&v, *first, last);
            *first = false;
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
                    piece(self, &mut run, false, &mut first);
                    self.flush();
                    self.i += 1;
                    self.field(depth + 1);
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
    /// (a literal piece, with fields of its own), up to and past the closing `}`.
    fn field(&mut self, depth: u32) {
        if depth > MAX_NESTING {
            return;
        }
        self.flush();
        let mut end = self.code(depth, true);
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
                        self.i += 1;
                        self.field(depth + 1);
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
    }

    /// A literal value (or an f-string piece): `joins_left` when it continues a concatenation
    /// before it, `joins_right` when one after it may continue it.
    fn literal(&mut self, v: &[u8], joins_left: bool, joins_right: bool) {
        self.emit(v);
        let before = if joins_left && self.joinable {
            self.atom.take()
        } else {
            None
        };
        if joins_left && self.joinable {
            self.group.extend_from_slice(v);
            self.group_len += 1;
        } else {
            self.flush();
            self.group.extend_from_slice(v);
            self.group_len = 1;
        }
        if joins_right {
            self.joinable = true;
            let mut atom = before.unwrap_or_default();
            atom.extend_from_slice(v);
            self.atom = Some(atom);
        } else {
            self.flush();
        }
    }

    /// End a concatenation: its joined value is a value of its own.
    fn flush(&mut self) {
        if self.group_len > 1 {
            let g = std::mem::take(&mut self.group);
            self.emit(&g);
            self.group = g;
        }
        self.group.clear();
        self.group_len = 0;
        self.joinable = false;
        self.atom = None;
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
            for p in percent_pieces(v) {
                (self.on)(Token::Whole(p.trim_ascii()));
            }
        }
    }
}

/// The pieces of a `%`-format between its conversions (`'a%sb'`: `a`, `b`; `'%(k)d'`: none).
fn percent_pieces(v: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut parts = v.split(|&c| c == b'%');
    if let Some(p) = parts.next() {
        out.push(p);
    }
    for p in parts {
        // `%(key)` then flags, width, precision, length, and the conversion letter.
        let mut k = 0;
        if p.first() == Some(&b'(') {
            k = p.iter().position(|&c| c == b')').map_or(p.len(), |e| e + 1);
        }
        while k < p.len() && b"#0- +*.123456789hlL".contains(&p[k]) {
            k += 1;
        }
        out.push(&p[(k + 1).min(p.len())..]);
    }
    out
}

/// Decode the escapes of a literal's body (not raw) as CPython does; `bytes` for a `b''`
/// literal (no `\u`, `\U`, `\N`). Text is kept as UTF-8; a `\N{…}` name (no table of names
/// here) and an invalid escape are kept as written.
pub fn unescape(raw: &[u8], bytes: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    let mut buf = [0u8; 4];
    let mut push_char = |out: &mut Vec<u8>, v: u32| {
        if bytes {
            out.push(v as u8);
        } else if let Some(ch) = char::from_u32(v) {
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    };
    let hex = |s: &[u8]| -> Option<u32> {
        std::str::from_utf8(s)
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' || i + 1 >= raw.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        let simple = match e {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'v' => Some(0x0b),
            b'\\' | b'\'' | b'"' => Some(e),
            b'\n' => continue,
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        let width = match e {
            b'x' => 2,
            b'u' if !bytes => 4,
            b'U' if !bytes => 8,
            _ => 0,
        };
        if width > 0 {
            match raw.get(i..i + width).and_then(hex) {
                Some(v) => {
                    push_char(out, v);
                    i += width;
                }
                None => out.extend_from_slice(&raw[i - 2..i]),
            }
            continue;
        }
        if (b'0'..=b'7').contains(&e) {
            let mut v = u32::from(e - b'0');
            for _ in 0..2 {
                match raw.get(i) {
                    Some(&d @ b'0'..=b'7') => {
                        v = v * 8 + u32::from(d - b'0');
                        i += 1;
                    }
                    _ => break,
                }
            }
            push_char(out, v);
            continue;
        }
        if e == b'\r' {
            if raw.get(i) == Some(&b'\n') {
                i += 1;
            }
            continue;
        }
        out.extend_from_slice(&raw[i - 2..i]);
    }
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
        assert!(s.literals.len() < 100);
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
        let deep = "f'{".repeat(5000);
        let _ = tokens(&deep);
    }
}
