//! NumPy `.npy` files: the header dict is read; object arrays hold a pickle, which is analysed.
//!
//! Source: NEP 1 and `numpy/lib/format.py` (versions 1.0, 2.0 and 3.0 of the format).

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Span};
use crate::formats::Format;
use crate::rules::numpy as r;

/// True when the `.npy` header in `head` declares an object dtype (its data is a pickle).
pub fn is_object(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    field(&text, "descr").is_some_and(|d| object_descr(&d))
}

/// True when a header's `descr` (a Python literal, as `numpy.lib.format.descr_to_dtype` reads
/// it) makes a dtype that holds objects, so that NumPy reads the data with `pickle`
/// (`dtype.hasobject`): a type string whose code, after an optional byte-order character
/// (`<`, `>`, `=`, `|`), is `O` (`'O'`, `'<O'`, `'|O8'`) or names `object` (`'object'`,
/// `'object_'`); a structured dtype (a list of `(name, type[, shape])` fields) with such a field
/// at any depth; a subarray `(type, shape)` of one. A `descr` that does not parse as such a
/// literal counts as an object dtype when any string in it is an object type code, so a spelling
/// airlock does not model errs towards analysing the data as a pickle.
fn object_descr(descr: &str) -> bool {
    let mut p = Literal {
        s: descr.as_bytes(),
        at: 0,
        depth: 0,
    };
    match p.value() {
        Some(v) if p.rest_is_blank() => object_dtype(&v),
        _ => quoted(descr).iter().any(|s| object_code(s)),
    }
}

/// A dtype type string that holds objects. NumPy's `dtype(str)` also reads a comma-separated
/// format string (`'i4,O'`, `numpy/_core/_internal.py` `_commastring`), each part an optional
/// byte order, an optional repeat count or shape (`3`, `(2,3)`), another optional byte order
/// and the type: any part with an object type makes the whole dtype hold objects.
fn object_code(s: &str) -> bool {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.iter().any(|part| {
        let t = part.trim().trim_start_matches(['<', '>', '=', '|']);
        let t = match t.strip_prefix('(') {
            Some(rest) => rest.split_once(')').map_or("", |(_, after)| after),
            None => t.trim_start_matches(|c: char| c.is_ascii_digit()),
        };
        let t = t.trim_start_matches(['<', '>', '=', '|']);
        t.starts_with('O') || t.to_ascii_lowercase().starts_with("object")
    })
}

fn object_dtype(v: &Lit) -> bool {
    match v {
        Lit::Str(s) => object_code(s),
        // A subarray: (base type, shape).
        Lit::Tuple(items) => items.first().is_some_and(object_dtype),
        // Structured: fields (name, type[, shape]); the name may be a (title, name) pair.
        Lit::List(fields) => fields.iter().any(|f| match f {
            Lit::Tuple(parts) => parts.get(1).is_some_and(object_dtype),
            _ => false,
        }),
        Lit::Other => false,
    }
}

/// Every quoted string in `text`.
fn quoted(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize)> = None;
    for (i, c) in text.char_indices() {
        match open {
            Some((q, start)) if c == q => {
                out.push(&text[start..i]);
                open = None;
            }
            Some(_) => {}
            None if c == '\'' || c == '"' => open = Some((c, i + 1)),
            None => {}
        }
    }
    out
}

/// A Python literal of the kinds a `descr` holds.
enum Lit {
    Str(String),
    List(Vec<Lit>),
    Tuple(Vec<Lit>),
    /// A number or anything else that is neither a string nor a container.
    Other,
}

/// Most nested containers in a `descr` (NumPy's own headers nest a few levels).
const MAX_DESCR_DEPTH: u32 = 32;

/// A recursive-descent reader of [`Lit`]s, bounded by [`MAX_DESCR_DEPTH`].
struct Literal<'a> {
    s: &'a [u8],
    at: usize,
    depth: u32,
}

impl Literal<'_> {
    fn blank(&mut self) {
        while self.s.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn rest_is_blank(&mut self) -> bool {
        self.blank();
        self.at == self.s.len()
    }

    fn value(&mut self) -> Option<Lit> {
        self.blank();
        match *self.s.get(self.at)? {
            q @ (b'\'' | b'"') => {
                let start = self.at + 1;
                let len = self.s.get(start..)?.iter().position(|&c| c == q)?;
                self.at = start + len + 1;
                Some(Lit::Str(
                    String::from_utf8_lossy(&self.s[start..start + len]).into_owned(),
                ))
            }
            open @ (b'[' | b'(') => {
                let close = if open == b'[' { b']' } else { b')' };
                self.depth += 1;
                if self.depth > MAX_DESCR_DEPTH {
                    return None;
                }
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.blank();
                    if self.s.get(self.at) == Some(&close) {
                        self.at += 1;
                        break;
                    }
                    items.push(self.value()?);
                    self.blank();
                    match self.s.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(&c) if c == close => {}
                        _ => return None,
                    }
                }
                self.depth -= 1;
                Some(if open == b'[' {
                    Lit::List(items)
                } else {
                    Lit::Tuple(items)
                })
            }
            _ => {
                let start = self.at;
                while self.s.get(self.at).is_some_and(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.' | b'_')
                }) {
                    self.at += 1;
                }
                // `ast.literal_eval` reads numbers and the constants True, False and None;
                // any other name (`__import__`) is no literal.
                let word = &self.s[start..self.at];
                let literal = word
                    .first()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.'))
                    || matches!(word, b"True" | b"False" | b"None");
                (self.at > start && literal).then_some(Lit::Other)
            }
        }
    }
}

/// The offset where the array data of a non-object `.npy` ends (header plus itemsize × shape),
/// from its first bytes; `None` when the header cannot be read or the size is unknown.
pub fn data_end(head: &[u8]) -> Option<u64> {
    let (hlen, start) = match head.get(6)? {
        1 => (
            u64::from(u16::from_le_bytes(head.get(8..10)?.try_into().ok()?)),
            10u64,
        ),
        2 | 3 => (
            u64::from(u32::from_le_bytes(head.get(8..12)?.try_into().ok()?)),
            12u64,
        ),
        _ => return None,
    };
    let header = head.get(start as usize..usize::try_from(start + hlen).ok()?)?;
    let text = String::from_utf8_lossy(header);
    let descr = field(&text, "descr")?;
    if object_descr(&descr) {
        return None;
    }
    let code = descr.trim_matches(|c| c == '\'' || c == '"');
    let item = crate::formats::pickle::itemsize(code)?;
    let shape = field(&text, "shape")?;
    let need = shape
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .try_fold(item, |a, s| {
            a.checked_mul(s.trim_end_matches('L').parse::<u64>().ok()?)
        })?;
    (start + hlen).checked_add(need)
}

/// Analyse an `.npy` file; `total` is its real size (bytes), which may exceed `data.len()` when
/// only the header was read (then the bytes after the array data may come in
/// [`Ctx::npy_tail`]).
pub fn analyse(ctx: &mut Ctx, data: &[u8], total: u64, loc: &Location, depth: u32) -> Format {
    let tail = ctx.npy_tail.take();
    let bad = |ctx: &mut Ctx, why: String| {
        ctx.emit(
            Finding::builder(
                &r::numpy_invalid_header::RULE,
                loc.with_span(Span::Offset { offset: 0 }),
            )
            .message("invalid .npy header")
            .evidence(why)
            .build(),
        );
    };
    let Some(&major) = data.get(6) else {
        bad(ctx, "file ends inside the magic".into());
        return Format::Npy;
    };
    let (hlen, start) = match major {
        1 => match data.get(8..10) {
            Some(b) => (u64::from(u16::from_le_bytes([b[0], b[1]])), 10usize),
            None => {
                bad(ctx, "file ends inside the header length".into());
                return Format::Npy;
            }
        },
        2 | 3 => match data.get(8..12) {
            Some(b) => (
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                12usize,
            ),
            None => {
                bad(ctx, "file ends inside the header length".into());
                return Format::Npy;
            }
        },
        v => {
            bad(ctx, format!("unknown format version {v}"));
            return Format::Npy;
        }
    };
    let Some(header) = data
        .get(start..start + hlen as usize)
        .filter(|_| hlen <= data.len() as u64)
    else {
        bad(
            ctx,
            format!(
                "header length {hlen} exceeds the file ({})",
                plural(data.len(), "byte")
            ),
        );
        return Format::Npy;
    };
    let text = String::from_utf8_lossy(header);
    let body_start = start + hlen as usize;
    let Some(descr) = field(&text, "descr") else {
        bad(
            ctx,
            format!(
                "no 'descr' in header {:?}",
                crate::finding::truncate_chars(&text, 120)
            ),
        );
        return Format::Npy;
    };
    // `numpy.lib.format` reads the header with `ast.literal_eval`: a `descr` that is no
    // literal (`__import__('os').system(…)`) makes `np.load` refuse the file; written so on
    // purpose, it is bait for a reader that evaluates the header.
    let mut p = Literal {
        s: descr.as_bytes(),
        at: 0,
        depth: 0,
    };
    if !(p.value().is_some() && p.rest_is_blank()) {
        bad(
            ctx,
            format!(
                "'descr' is not a Python literal: {}",
                crate::finding::truncate_chars(&descr, 120)
            ),
        );
    }
    let object = object_descr(&descr);
    if object {
        ctx.emit(
            Finding::builder(&r::numpy_object_array::RULE, loc.clone())
                .message("object array: np.load(allow_pickle=True) unpickles its data")
                .evidence(format!("descr {descr}"))
                .build(),
        );
        // `np.load(allow_pickle=True)` unpickles the data whatever its first bytes: analysed
        // as a pickle, not sniffed.
        let name = "<object array pickle>".to_string();
        let body = &data[body_start..];
        ctx.nested_as(
            body,
            body.len() as u64,
            &loc.member(name.clone()),
            &name,
            depth + 1,
            Some(crate::formats::Format::Pickle(None)),
        );
        return Format::Npy;
    }
    // Check the data is as long as the header says.
    let shape = field(&text, "shape").unwrap_or_default();
    let code = descr.trim_matches(|c| c == '\'' || c == '"');
    let item = crate::formats::pickle::itemsize(code);
    let dims: Option<Vec<u64>> = shape
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<u64>().ok())
        .collect();
    if let (Some(item), Some(dims)) = (item, dims) {
        let need = dims.iter().try_fold(item, |a, &d| a.checked_mul(d));
        let have = total.max(data.len() as u64) - body_start as u64;
        match need {
            Some(need) if need < have => {
                let at = body_start as u64 + need;
                let size = total.max(data.len() as u64);
                let tail = match &tail {
                    // Read whole: the tail is in `data`.
                    _ if data.len() as u64 >= size => data.get(at as usize..),
                    // Judged from the head, the tail (or its first part, when long) inflated
                    // by the container.
                    Some((t_at, t)) if *t_at == at && at + t.len() as u64 <= size => Some(&t[..]),
                    _ => None,
                };
                trailing(ctx, tail, size, at, loc, depth);
            }
            Some(need) if need > have => bad(
                ctx,
                format!(
                    "data is {}, shape {shape} of {code} needs {need}",
                    plural(have, "byte")
                ),
            ),
            None => bad(ctx, format!("shape {shape} overflows")),
            _ => {}
        }
    }
    Format::Npy
}

/// Bytes after the array data, from `at` to the end of the file (`size` bytes; `tail` holds
/// them when they were read): reported, and analysed as a nested artifact when they were read
/// and sniff as a known format.
fn trailing(ctx: &mut Ctx, tail: Option<&[u8]>, size: u64, at: u64, loc: &Location, depth: u32) {
    let evidence = match tail {
        Some(t) => format!("trailing bytes: {}", crate::finding::hex_head(t, 16)),
        None => format!(
            "the array data ends at offset {at} of {}; the tail was not read",
            plural(size, "byte")
        ),
    };
    ctx.emit(
        Finding::builder(
            &r::numpy_trailing_data::RULE,
            loc.with_span(Span::Offset { offset: at }),
        )
        .message(format!(
            "{} after the array data, which np.load never reads",
            plural(size - at, "byte")
        ))
        .evidence(evidence)
        .build(),
    );
    let Some(tail) = tail else { return };
    if !matches!(crate::formats::sniff(tail), Format::Unknown | Format::Text) {
        let name = format!("<data after array at offset {at}>");
        ctx.nested(tail, &loc.member(name.clone()), &name, depth + 1);
    }
}

/// The source text of a header field's value: `'descr': '<f4'` → `'<f4'`.
fn field(text: &str, key: &str) -> Option<String> {
    let k = text
        .find(&format!("'{key}'"))
        .or_else(|| text.find(&format!("\"{key}\"")))?;
    let rest = text[k + key.len() + 2..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    // The value ends at the comma that closes it at nesting depth 0.
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, '}') if depth == 0 => return Some(rest[..i].trim().to_string()),
            (None, '}') => depth -= 1,
            (None, ',') if depth == 0 => return Some(rest[..i].trim().to_string()),
            _ => {}
        }
    }
    None
}
