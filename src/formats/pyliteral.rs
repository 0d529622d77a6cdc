//! Python literals as `ast.literal_eval` reads them: strings (every prefix, quote and escape,
//! adjacent literals joined), bytes, numbers (`1_0`, `0x10`, floats, imaginary, a sign),
//! `True`/`False`/`None`, tuples, lists, dicts (the last of two equal keys wins), sets and
//! `set()`, with comments, line continuations and trailing commas where Python allows them.
//!
//! NumPy reads a `.npy` header with `ast.literal_eval` (`numpy/lib/_format_impl.py`
//! `_read_array_header` → `safe_eval`), so a reader that takes the header's text at its word is
//! shown a different dtype from the one NumPy builds: `'\x7cO'`, `'\174O'`,
//! `'\N{VERTICAL LINE}O'` are all `'|O'`, and `{'descr': '<f4', 'descr': '|O'}` is an object
//! array (tester t29 K8). What this reader cannot decode exactly (a `\N{…}` name outside its
//! table, a surrogate escape) is marked inexact rather than guessed, so its user can fail closed.
//!
//! Bounded: containers nest at most [`MAX_DEPTH`] levels (CPython's parser stops at 200), and
//! the work is linear in the text.

/// Containers nested at most; deeper is an error (the caller fails closed).
pub const MAX_DEPTH: u32 = 100;

/// A Python literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    /// A `str`; `exact` is false when an escape could not be decoded here (a `\N{…}` name
    /// outside [`char_named`], a surrogate), which is then U+FFFD in `text`.
    Str {
        text: String,
        exact: bool,
    },
    Bytes(Vec<u8>),
    /// An `int` (`bool` is [`Py::Bool`]); `None` when beyond `i128`.
    Int(Option<i128>),
    Bool(bool),
    /// A `float` or `complex`.
    Float,
    None,
    Tuple(Vec<Py>),
    List(Vec<Py>),
    Set(Vec<Py>),
    /// Key-value pairs in source order, duplicates kept ([`Py::get`] takes the last).
    Dict(Vec<(Py, Py)>),
}

impl Py {
    /// The value of the string key `key` in a dict: the last pair whose key equals it, as a
    /// Python dict display keeps the last.
    pub fn get(&self, key: &str) -> Option<&Py> {
        match self {
            Py::Dict(pairs) => pairs.iter().rev().find_map(|(k, v)| match k {
                Py::Str { text, exact: true } if text == key => Some(v),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The value as an integer, as Python's `isinstance(x, int)` sees it (`True` is 1).
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Py::Int(v) => *v,
            Py::Bool(b) => Some(i128::from(*b)),
            _ => None,
        }
    }
}

/// Python's `repr` of the value, near enough for evidence (`'|O'`, `[('a', '<f4')]`); a string
/// not decoded exactly shows U+FFFD where the reader gave up.
impl std::fmt::Display for Py {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let items = |f: &mut std::fmt::Formatter<'_>, v: &[Py]| -> std::fmt::Result {
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{x}")?;
            }
            Ok(())
        };
        match self {
            Py::Str { text, .. } => {
                f.write_str("'")?;
                for c in text.chars() {
                    match c {
                        '\'' => f.write_str("\\'")?,
                        '\\' => f.write_str("\\\\")?,
                        c if c.is_control() => write!(f, "\\x{:02x}", c as u32)?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("'")
            }
            Py::Bytes(b) => write!(f, "b'{}'", b.escape_ascii()),
            Py::Int(Some(v)) => write!(f, "{v}"),
            Py::Int(None) => f.write_str("<int>"),
            Py::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            Py::Float => f.write_str("<float>"),
            Py::None => f.write_str("None"),
            Py::Tuple(v) => {
                f.write_str("(")?;
                items(f, v)?;
                f.write_str(if v.len() == 1 { ",)" } else { ")" })
            }
            Py::List(v) => {
                f.write_str("[")?;
                items(f, v)?;
                f.write_str("]")
            }
            Py::Set(v) => {
                f.write_str("{")?;
                items(f, v)?;
                f.write_str("}")
            }
            Py::Dict(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Evaluate `src` as `ast.literal_eval(src)` does; the error says where and why it stopped.
pub fn literal_eval(src: &str) -> Result<Py, String> {
    // `literal_eval` strips leading spaces and tabs before parsing in eval mode.
    let src = src.trim_start_matches([' ', '\t']);
    let mut p = Parser {
        s: src.as_bytes(),
        src,
        at: 0,
        depth: 0,
    };
    let v = p.value(false)?;
    p.blank(true);
    if p.at != p.s.len() {
        return Err(p.error("text after the literal"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    at: usize,
    depth: u32,
}

impl Parser<'_> {
    fn error(&self, why: &str) -> String {
        format!("{why} at offset {}", self.at)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    /// Skip whitespace, comments and line continuations; line breaks only inside brackets or
    /// at the end (`lines`), as Python's tokenizer joins lines only there.
    fn blank(&mut self, lines: bool) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\x0c') => self.at += 1,
                Some(b'\n' | b'\r') if lines => self.at += 1,
                Some(b'#') => {
                    while self.peek().is_some_and(|c| c != b'\n' && c != b'\r') {
                        self.at += 1;
                    }
                }
                Some(b'\\') if matches!(self.s.get(self.at + 1), Some(b'\n' | b'\r')) => {
                    self.at += 2;
                    if self.s.get(self.at - 1) == Some(&b'\r') && self.peek() == Some(b'\n') {
                        self.at += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// One value; `inside` says whether it sits inside brackets (line breaks are blank).
    fn value(&mut self, inside: bool) -> Result<Py, String> {
        self.blank(inside);
        let c = self.peek().ok_or_else(|| self.error("end of text"))?;
        match c {
            b'(' | b'[' | b'{' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error("nested too deep"));
                }
                self.at += 1;
                let v = match c {
                    b'(' => self.paren(),
                    b'[' => self.seq(b']').map(Py::List),
                    _ => self.brace(),
                };
                self.depth -= 1;
                v
            }
            b'\'' | b'"' => self.strings(inside, None),
            b'-' | b'+' => {
                self.at += 1;
                self.blank(inside);
                let n = self.number()?;
                let n = match (c, n) {
                    (b'-', Py::Int(v)) => Py::Int(v.and_then(i128::checked_neg)),
                    (_, n) => n,
                };
                self.complex_tail(inside, n)
            }
            b'0'..=b'9' | b'.' => {
                let n = self.number()?;
                self.complex_tail(inside, n)
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => self.word(inside),
            _ => Err(self.error("no literal")),
        }
    }

    /// `a + bj` / `a - bj`: `literal_eval` admits a real number plus or minus an imaginary one.
    fn complex_tail(&mut self, inside: bool, n: Py) -> Result<Py, String> {
        let save = self.at;
        self.blank(inside);
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.at += 1;
            self.blank(inside);
            let start = self.at;
            if self.number().is_ok() && matches!(self.s.get(self.at - 1), Some(b'j' | b'J')) {
                return Ok(Py::Float);
            }
            self.at = start;
            return Err(self.error("an operator outside a complex literal"));
        }
        self.at = save;
        Ok(n)
    }

    /// `True`, `False`, `None`, `set()`, or a string prefix.
    fn word(&mut self, inside: bool) -> Result<Py, String> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
        {
            self.at += 1;
        }
        let w = &self.s[start..self.at];
        if matches!(self.peek(), Some(b'\'' | b'"')) {
            let lower = w.to_ascii_lowercase();
            return match lower.as_slice() {
                b"r" | b"u" | b"b" | b"br" | b"rb" => self.strings(inside, Some(&lower)),
                _ => Err(self.error("a string prefix literal_eval does not read (f, t)")),
            };
        }
        match w {
            b"True" => Ok(Py::Bool(true)),
            b"False" => Ok(Py::Bool(false)),
            b"None" => Ok(Py::None),
            b"set" => {
                self.blank(inside);
                if self.s.get(self.at..self.at + 1) == Some(b"(") {
                    self.at += 1;
                    self.blank(true);
                    if self.peek() == Some(b')') {
                        self.at += 1;
                        return Ok(Py::Set(Vec::new()));
                    }
                }
                Err(self.error("a call"))
            }
            _ => Err(self.error("a name")),
        }
    }

    /// After `(`: `()`, a parenthesised value, or a tuple.
    fn paren(&mut self) -> Result<Py, String> {
        self.blank(true);
        if self.peek() == Some(b')') {
            self.at += 1;
            return Ok(Py::Tuple(Vec::new()));
        }
        let first = self.value(true)?;
        self.blank(true);
        match self.peek() {
            Some(b')') => {
                self.at += 1;
                Ok(first)
            }
            Some(b',') => {
                self.at += 1;
                let mut items = vec![first];
                items.extend(self.seq(b')')?);
                Ok(Py::Tuple(items))
            }
            _ => Err(self.error("expected ',' or ')'")),
        }
    }

    /// Items up to `close`, separated by commas, a trailing comma allowed.
    fn seq(&mut self, close: u8) -> Result<Vec<Py>, String> {
        let mut items = Vec::new();
        loop {
            self.blank(true);
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(items);
            }
            items.push(self.value(true)?);
            self.blank(true);
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(c) if c == close => {}
                _ => return Err(self.error("expected ',' or a closing bracket")),
            }
        }
    }

    /// After `{`: a dict or a set.
    fn brace(&mut self) -> Result<Py, String> {
        self.blank(true);
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Py::Dict(Vec::new()));
        }
        let first = self.value(true)?;
        self.blank(true);
        if self.peek() != Some(b':') {
            let mut items = vec![first];
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    items.extend(self.seq(b'}')?);
                }
                Some(b'}') => self.at += 1,
                _ => return Err(self.error("expected ',' or '}'")),
            }
            return Ok(Py::Set(items));
        }
        let mut pairs = Vec::new();
        let mut key = first;
        loop {
            // At the ':' after `key`.
            self.at += 1;
            let v = self.value(true)?;
            pairs.push((key, v));
            self.blank(true);
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Py::Dict(pairs));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
            self.blank(true);
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Py::Dict(pairs));
            }
            key = self.value(true)?;
            self.blank(true);
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
        }
    }

    /// A number token: an int (any base, underscores, a Python 2 `L` suffix, which NumPy's
    /// `_filter_header` drops), a float or an imaginary number.
    fn number(&mut self) -> Result<Py, String> {
        let start = self.at;
        while let Some(c) = self.peek() {
            let sign_in_exponent = matches!(c, b'+' | b'-')
                && matches!(self.s.get(self.at - 1), Some(b'e' | b'E'))
                && !self.s[start..].starts_with(b"0x")
                && !self.s[start..].starts_with(b"0X");
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || sign_in_exponent {
                self.at += 1;
            } else {
                break;
            }
        }
        let tok = &self.src[start..self.at];
        parse_number(tok).ok_or_else(|| format!("not a number: {tok:?} at offset {start}"))
    }

    /// One string literal or several adjacent ones joined (`'|' 'O'`), `prefix` already read
    /// for the first.
    fn strings(&mut self, inside: bool, prefix: Option<&[u8]>) -> Result<Py, String> {
        let mut text = String::new();
        let mut bytes: Option<Vec<u8>> = None;
        let mut exact = true;
        let mut prefix = prefix.map(<[u8]>::to_vec).unwrap_or_default();
        let mut first = true;
        loop {
            let raw = prefix.contains(&b'r');
            let is_bytes = prefix.contains(&b'b');
            if first {
                if is_bytes {
                    bytes = Some(Vec::new());
                }
            } else if is_bytes != bytes.is_some() {
                return Err(self.error("bytes and str joined"));
            }
            first = false;
            self.one_string(raw, &mut text, bytes.as_mut(), &mut exact)?;
            // Another literal next?
            let save = self.at;
            self.blank(inside);
            let pstart = self.at;
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) && self.at - pstart < 2 {
                self.at += 1;
            }
            let p = self.s[pstart..self.at].to_ascii_lowercase();
            let valid = matches!(p.as_slice(), b"" | b"r" | b"u" | b"b" | b"br" | b"rb");
            if valid && matches!(self.peek(), Some(b'\'' | b'"')) {
                prefix = p;
                continue;
            }
            self.at = save;
            return Ok(match bytes {
                Some(b) => Py::Bytes(b),
                None => Py::Str { text, exact },
            });
        }
    }

    /// One literal at its opening quote, decoded onto `text` (or `bytes`).
    fn one_string(
        &mut self,
        raw: bool,
        text: &mut String,
        bytes: Option<&mut Vec<u8>>,
        exact: &mut bool,
    ) -> Result<(), String> {
        let q = self.s[self.at];
        let triple = self.s.get(self.at..self.at + 3) == Some(&[q, q, q][..]);
        self.at += if triple { 3 } else { 1 };
        let start = self.at;
        let end = loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'\\') => self.at += 2,
                Some(b'\n' | b'\r') if !triple => {
                    return Err(self.error("line break in a string"));
                }
                Some(c) if c == q => {
                    if !triple {
                        break self.at;
                    }
                    if self.s.get(self.at..self.at + 3) == Some(&[q, q, q][..]) {
                        break self.at;
                    }
                    self.at += 1;
                }
                Some(_) => self.at += 1,
            }
        };
        self.at = end + if triple { 3 } else { 1 };
        let body = self
            .src
            .get(start..end)
            .ok_or_else(|| self.error("string"))?;
        match bytes {
            Some(out) => {
                if !body.is_ascii() {
                    return Err(self.error("bytes with a non-ASCII character"));
                }
                if raw {
                    out.extend_from_slice(body.as_bytes());
                } else {
                    let mut s = String::new();
                    unescape(body, true, &mut s, exact)?;
                    // Bytes escapes decode to values below 256, kept one per char.
                    out.extend(s.chars().map(|c| c as u32 as u8));
                }
            }
            None if raw => text.push_str(body),
            None => unescape(body, false, text, exact)?,
        }
        Ok(())
    }
}

/// Decode the escapes of a literal's body (not raw) as CPython does, for readers of source
/// code that CPython compiled or will (the source analyser, the pyc source reader), unlike
/// [`literal_eval`] which refuses what Python refuses; `bytes` for a `b''`
/// literal (no `\u`, `\U`, `\N`). Text is kept as UTF-8; a `\N{…}` name (no table of names
/// here) and an invalid escape are kept as written.
pub fn unescape_lenient(raw: &[u8], bytes: bool, out: &mut Vec<u8>) {
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
        if e == b'N' && !bytes && raw.get(i) == Some(&b'{') {
            // A character named in Unicode's table, which is not here: one non-ASCII
            // placeholder, so words around it stay apart as they are in the value.
            if let Some(end) = raw[i..].iter().position(|&c| c == b'}') {
                out.extend_from_slice("\u{fffd}".as_bytes());
                i += end + 1;
                continue;
            }
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

/// Python's escapes in a non-raw literal's body (the Python reference, "Escape sequences");
/// `bytes` leaves `\N`, `\u`, `\U` as they are. An unknown escape keeps its backslash.
fn unescape(body: &str, bytes: bool, out: &mut String, exact: &mut bool) -> Result<(), String> {
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| {
            let h: String = chars.by_ref().take(n).collect();
            if h.len() == n && h.bytes().all(|c| c.is_ascii_hexdigit()) {
                u32::from_str_radix(&h, 16).ok()
            } else {
                None
            }
        };
        let mut push_code = |v: u32, out: &mut String| match char::from_u32(v) {
            Some(ch) => out.push(ch),
            None => {
                *exact = false;
                out.push(char::REPLACEMENT_CHARACTER);
            }
        };
        match e {
            '\n' => {}
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                push_code(if bytes { v & 0xff } else { v }, out);
            }
            'x' => {
                let v = hex(&mut chars, 2).ok_or("a truncated \\xXX escape")?;
                push_code(v, out);
            }
            'u' | 'U' if !bytes => {
                let n = if e == 'u' { 4 } else { 8 };
                let v = hex(&mut chars, n).ok_or("a truncated \\u escape")?;
                if v > 0x10FFFF {
                    return Err("an escape beyond U+10FFFF".into());
                }
                push_code(v, out);
            }
            'N' if !bytes => {
                if chars.next() != Some('{') {
                    return Err("a malformed \\N escape".into());
                }
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                match char_named(&name) {
                    Some(ch) => out.push(ch),
                    None => {
                        *exact = false;
                        out.push(char::REPLACEMENT_CHARACTER);
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(())
}

/// Names of the printable ASCII characters other than letters and digits (Unicode's names, as
/// `unicodedata.name` gives them).
const ASCII_NAMES: &[(&str, char)] = &[
    ("SPACE", ' '),
    ("EXCLAMATION MARK", '!'),
    ("QUOTATION MARK", '"'),
    ("NUMBER SIGN", '#'),
    ("DOLLAR SIGN", '$'),
    ("PERCENT SIGN", '%'),
    ("AMPERSAND", '&'),
    ("APOSTROPHE", '\''),
    ("LEFT PARENTHESIS", '('),
    ("RIGHT PARENTHESIS", ')'),
    ("ASTERISK", '*'),
    ("PLUS SIGN", '+'),
    ("COMMA", ','),
    ("HYPHEN-MINUS", '-'),
    ("FULL STOP", '.'),
    ("SOLIDUS", '/'),
    ("COLON", ':'),
    ("SEMICOLON", ';'),
    ("LESS-THAN SIGN", '<'),
    ("EQUALS SIGN", '='),
    ("GREATER-THAN SIGN", '>'),
    ("QUESTION MARK", '?'),
    ("COMMERCIAL AT", '@'),
    ("LEFT SQUARE BRACKET", '['),
    ("REVERSE SOLIDUS", '\\'),
    ("RIGHT SQUARE BRACKET", ']'),
    ("CIRCUMFLEX ACCENT", '^'),
    ("LOW LINE", '_'),
    ("GRAVE ACCENT", '`'),
    ("LEFT CURLY BRACKET", '{'),
    ("VERTICAL LINE", '|'),
    ("RIGHT CURLY BRACKET", '}'),
    ("TILDE", '~'),
];

const DIGIT_NAMES: [&str; 10] = [
    "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
];

/// The printable ASCII character a `\N{…}` name names (case-insensitive, as Python looks names
/// up); `None` for any other name, which the caller treats as not decoded. A dtype string is
/// ASCII, so this is all a `.npy` header needs to be read exactly.
pub fn char_named(name: &str) -> Option<char> {
    let n = name.trim().to_ascii_uppercase();
    if let Some(&(_, c)) = ASCII_NAMES.iter().find(|(k, _)| *k == n) {
        return Some(c);
    }
    if let Some(d) = n.strip_prefix("DIGIT ") {
        let i = DIGIT_NAMES.iter().position(|k| *k == d)?;
        return char::from_digit(i as u32, 10);
    }
    let letter = |rest: &str| {
        let mut c = rest.chars();
        match (c.next(), c.next()) {
            (Some(l), None) if l.is_ascii_uppercase() => Some(l),
            _ => None,
        }
    };
    if let Some(rest) = n.strip_prefix("LATIN CAPITAL LETTER ") {
        return letter(rest);
    }
    if let Some(rest) = n.strip_prefix("LATIN SMALL LETTER ") {
        return letter(rest).map(|c| c.to_ascii_lowercase());
    }
    None
}

/// An integer's text as Python's `int(text, base)` reads it (`base` 0 or 10): its sign, radix and
/// digits with the `_` separators removed (at least one digit). Blanks must already be trimmed.
/// With base 0 a prefix picks the radix and a decimal other than zero has no leading zero: the
/// grammar of an integer literal too (the Python reference, "Integer literals"), so the
/// literal readers of pickles, `.npy` headers and sources share it.
pub struct PyInt {
    /// A leading `-`.
    pub negative: bool,
    /// 2, 8, 10 or 16.
    pub radix: u32,
    /// The digits, no separators, in `radix`.
    pub digits: String,
}

pub fn py_int(t: &str, base: u32) -> Option<PyInt> {
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.get(..2).map(str::to_ascii_lowercase);
    let (radix, body, prefixed) = match (base, lower.as_deref()) {
        (0, Some("0x")) => (16, &t[2..], true),
        (0, Some("0o")) => (8, &t[2..], true),
        (0, Some("0b")) => (2, &t[2..], true),
        _ => (10, t, false),
    };
    // After a prefix one `_` may come first (`0x_1f`); elsewhere `_` sits between digits.
    let body = if prefixed {
        body.strip_prefix('_').unwrap_or(body)
    } else {
        body
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    if base == 0
        && radix == 10
        && digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().any(|b| b != b'0')
    {
        return None;
    }
    Some(PyInt {
        negative,
        radix,
        digits,
    })
}

/// A Python number token's value (`None` when Python's tokenizer refuses it).
fn parse_number(tok: &str) -> Option<Py> {
    let underscores_ok = |digits: &str| {
        !digits.is_empty()
            && !digits.ends_with('_')
            && !digits.contains("__")
            && digits.bytes().any(|c| c != b'_')
    };
    if let Some(t) = tok.strip_suffix(['j', 'J']) {
        return parse_number(t)
            .filter(|v| matches!(v, Py::Int(_) | Py::Float))
            .map(|_| Py::Float);
    }
    let lower = tok.to_ascii_lowercase();
    let prefixed = ["0x", "0o", "0b"].iter().any(|p| lower.starts_with(p));
    if prefixed || !lower.contains(['.', 'e']) {
        if lower.starts_with(['+', '-']) {
            return None;
        }
        let i = py_int(lower.strip_suffix('l').unwrap_or(&lower), 0)?;
        return Some(Py::Int(i128::from_str_radix(&i.digits, i.radix).ok()));
    }
    let digits: String = lower.chars().filter(|c| *c != '_').collect();
    let ok = lower
        .split(['.', 'e', '+', '-'])
        .all(|part| part.is_empty() || underscores_ok(part));
    (ok && digits.parse::<f64>().is_ok()).then_some(Py::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Py {
        Py::Str {
            text: text.into(),
            exact: true,
        }
    }

    #[test]
    fn strings_decode_as_python_does() {
        for (src, want) in [
            (r"'\x7cO'", "|O"),
            (r"'\u007cO'", "|O"),
            (r"'\U0000007cO'", "|O"),
            (r"'\N{VERTICAL LINE}O'", "|O"),
            (
                r"'\N{vertical line}\N{LATIN CAPITAL LETTER O}\N{DIGIT EIGHT}'",
                "|O8",
            ),
            (r"'\174O'", "|O"),
            (r"'|' 'O'", "|O"),
            (r#"'|' "O""#, "|O"),
            (r"'''|O'''", "|O"),
            (r#""""|O""""#, "|O"),
            (r"u'|O'", "|O"),
            (r"('|O')", "|O"),
            (r"r'\x7c'", r"\x7c"),
            (r"'\q'", r"\q"),
            (r"'a\'b'", "a'b"),
            ("'a\\\nb'", "ab"),
        ] {
            assert_eq!(literal_eval(src), Ok(s(want)), "{src}");
        }
        // A name outside the table: U+FFFD, inexact.
        assert_eq!(
            literal_eval(r"'\N{GREEK SMALL LETTER ALPHA}O'"),
            Ok(Py::Str {
                text: "\u{fffd}O".into(),
                exact: false
            })
        );
        assert_eq!(literal_eval(r"b'\x7cO'"), Ok(Py::Bytes(b"|O".to_vec())));
        assert_eq!(
            literal_eval(r"b'\u007c'"),
            Ok(Py::Bytes(br"\u007c".to_vec()))
        );
        for bad in [
            r"f'|O'",
            r"'|O",
            "'a\nb'",
            r"'\x7'",
            r"b'|' 'O'",
            "'a' + 'b'",
        ] {
            assert!(literal_eval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dicts_keep_the_last_duplicate_and_read_as_numpy_headers() {
        let h = "{'descr': '<f4', 'd\\x65scr': '|O', 'fortran_order': False, # c\n 'shape': (1_0, 0x2, True), }   \n";
        let v = literal_eval(h).expect("literal");
        assert_eq!(v.get("descr"), Some(&s("|O")));
        assert_eq!(v.get("fortran_order"), Some(&Py::Bool(false)));
        let Some(Py::Tuple(dims)) = v.get("shape") else {
            panic!("{v:?}")
        };
        let dims: Vec<_> = dims.iter().map(Py::as_int).collect();
        assert_eq!(dims, vec![Some(10), Some(2), Some(1)]);
        assert_eq!(
            literal_eval("{1, 2,}"),
            Ok(Py::Set(vec![Py::Int(Some(1)), Py::Int(Some(2))]))
        );
        assert_eq!(literal_eval("set()"), Ok(Py::Set(Vec::new())));
        assert_eq!(
            literal_eval("(3L, -4)"),
            Ok(Py::Tuple(vec![Py::Int(Some(3)), Py::Int(Some(-4))]))
        );
        assert_eq!(literal_eval("-1+2j"), Ok(Py::Float));
        assert_eq!(
            literal_eval("[1e-3, .5, 1_0.0_1]"),
            Ok(Py::List(vec![Py::Float; 3]))
        );
        for bad in [
            "__import__('os')",
            "{'a': 1} {'b': 2}",
            "01",
            "1__0",
            "--1",
            "{**{}}",
            "[1, 2",
            "1 + 2",
        ] {
            assert!(literal_eval(bad).is_err(), "{bad}");
        }
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(literal_eval(&deep).is_err());
    }

    #[test]
    fn ascii_names_are_unicode_names() {
        assert_eq!(char_named("HYPHEN-MINUS"), Some('-'));
        assert_eq!(char_named("latin small letter f"), Some('f'));
        assert_eq!(char_named("DIGIT FOUR"), Some('4'));
        assert_eq!(char_named("LATIN CAPITAL LETTER AB"), None);
        assert_eq!(char_named("SNOWMAN"), None);
    }
}
