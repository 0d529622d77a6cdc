//! NumPy `.npy` files: the header dict is read; object arrays hold a pickle, which is analysed.
//!
//! Source: NEP 1 and `numpy/lib/format.py` (versions 1.0, 2.0 and 3.0 of the format).

use crate::analyse::Ctx;
use crate::finding::{plural, truncate_chars, Finding, Location, Span};
use crate::formats::pyliteral::{self, Py};
use crate::formats::Format;
use crate::rules::numpy as r;

/// What a header's dtype makes of the array data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Holds {
    /// Numbers, text or records of them: NumPy reads the data as bytes.
    Plain,
    /// The reader could not tell (a string it could not decode exactly, a header that is no
    /// literal it reads): taken as objects, so the data is analysed as the pickle it may be.
    Unsure,
    /// Objects (`dtype.hasobject`): `np.load(allow_pickle=True)` unpickles the data.
    Objects,
}

/// A `.npy` file's header as NumPy reads it.
struct Header {
    /// The header text (decoded as NumPy decodes it: Latin-1 for versions 1 and 2, UTF-8 for 3).
    text: String,
    /// Where the array data starts.
    body_start: usize,
    /// The header evaluated as `ast.literal_eval` does, or why it is no literal.
    value: Result<Py, String>,
}

impl Header {
    /// The header of the `.npy` file starting `data`, or why it cannot be read.
    fn read(data: &[u8]) -> Result<Header, String> {
        let &major = data.get(6).ok_or("file ends inside the magic")?;
        let (hlen, start) = match major {
            1 => (
                u64::from(u16::from_le_bytes(
                    data.get(8..10)
                        .ok_or("file ends inside the header length")?
                        .try_into()
                        .map_err(|_| "header length")?,
                )),
                10usize,
            ),
            2 | 3 => (
                u64::from(u32::from_le_bytes(
                    data.get(8..12)
                        .ok_or("file ends inside the header length")?
                        .try_into()
                        .map_err(|_| "header length")?,
                )),
                12usize,
            ),
            v => return Err(format!("unknown format version {v}")),
        };
        let header = data
            .get(start..start + hlen as usize)
            .filter(|_| hlen <= data.len() as u64)
            .ok_or_else(|| {
                format!(
                    "header length {hlen} exceeds the file ({})",
                    plural(data.len(), "byte")
                )
            })?;
        // `numpy/lib/_format_impl.py` `_read_array_header`: `header.decode(encoding)`.
        let text: String = if major == 3 {
            String::from_utf8_lossy(header).into_owned()
        } else {
            header.iter().map(|&b| char::from(b)).collect()
        };
        let value = pyliteral::literal_eval(&text);
        Ok(Header {
            text,
            body_start: start + hlen as usize,
            value,
        })
    }

    /// The header's `descr` (the last of two, as a Python dict keeps), if it is a dict with one.
    fn descr(&self) -> Option<&Py> {
        self.value.as_ref().ok()?.get("descr")
    }

    /// What the dtype makes of the data: a header that is no literal, or a dict without a
    /// `descr` (its key may be spelled in a way the reader did not decode), fails closed.
    fn holds(&self) -> Holds {
        self.descr().map_or(Holds::Unsure, dtype_holds)
    }

    /// Why NumPy refuses the header (`_read_array_header`), if it does: not a literal, not a
    /// dict, keys other than exactly `descr`, `fortran_order` and `shape`, a shape that is no
    /// tuple of ints, a `fortran_order` that is no bool.
    fn refused(&self) -> Option<String> {
        let v = match &self.value {
            Err(why) => {
                return Some(format!(
                    "the header is not a Python literal ({why}): {}",
                    truncate_chars(self.text.trim_end(), 120)
                ))
            }
            Ok(v) => v,
        };
        let Py::Dict(pairs) = v else {
            return Some(format!(
                "the header is not a dict: {}",
                truncate_chars(self.text.trim_end(), 120)
            ));
        };
        let mut keys: Vec<String> = pairs
            .iter()
            .map(|(k, _)| match k {
                Py::Str { text, .. } => text.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        keys.sort();
        keys.dedup();
        if keys != ["descr", "fortran_order", "shape"] {
            return Some(format!(
                "header keys {keys:?}, not exactly descr, fortran_order and shape"
            ));
        }
        if self.dims().is_none() {
            return Some(format!(
                "shape {} is not a tuple of ints",
                truncate_chars(&format!("{:?}", v.get("shape")), 80)
            ));
        }
        if !matches!(v.get("fortran_order"), Some(Py::Bool(_))) {
            return Some("fortran_order is not a bool".into());
        }
        None
    }

    /// The shape's dimensions, when it is a tuple of non-negative ints.
    fn dims(&self) -> Option<Vec<u64>> {
        match self.value.as_ref().ok()?.get("shape")? {
            Py::Tuple(items) => items
                .iter()
                .map(|d| d.as_int().and_then(|v| u64::try_from(v).ok()))
                .collect(),
            _ => None,
        }
    }

    /// The plain dtype code (`'<f4'`) when `descr` is one exactly decoded string.
    fn code(&self) -> Option<&str> {
        match self.descr()? {
            Py::Str { text, exact: true } => Some(text),
            _ => None,
        }
    }
}

/// True when the `.npy` header in `head` declares an object dtype (its data is a pickle) or
/// one airlock cannot tell from an object dtype, or cannot be read from `head` (fail closed:
/// the whole member is read and its data analysed).
pub fn is_object(head: &[u8]) -> bool {
    Header::read(head).map_or(true, |h| h.holds() != Holds::Plain)
}

/// What a `descr` (a Python literal, as `numpy.lib.format.descr_to_dtype` reads it) makes of the
/// data: objects when NumPy would read it with `pickle` (`dtype.hasobject`): a type string whose
/// code, after an optional byte-order character (`<`, `>`, `=`, `|`), is `O` (`'O'`, `'<O'`,
/// `'|O8'`) or names `object` (`'object'`, `'object_'`); a subarray `(type, shape)` of one; a
/// structured dtype whose fields (`descr_to_dtype` iterates the `descr` and unpacks each field
/// into `name, type[, shape]`: a tuple, a list, or a string of two or three characters, whose
/// second is the type) hold one at any depth. A string not decoded exactly, or fields of
/// unordered containers (a set, whose second element is not known), are [`Holds::Unsure`].
fn dtype_holds(v: &Py) -> Holds {
    match v {
        Py::Str { text, exact } => {
            if object_code(text) {
                Holds::Objects
            } else if *exact {
                Holds::Plain
            } else {
                Holds::Unsure
            }
        }
        // A subarray: (base type, shape).
        Py::Tuple(items) => items.first().map_or(Holds::Plain, dtype_holds),
        Py::List(fields) | Py::Set(fields) => {
            fields.iter().map(field_holds).max().unwrap_or(Holds::Plain)
        }
        // A dict iterates its keys.
        Py::Dict(pairs) => pairs
            .iter()
            .map(|(k, _)| field_holds(k))
            .max()
            .unwrap_or(Holds::Plain),
        // `descr_to_dtype` refuses the rest.
        _ => Holds::Plain,
    }
}

/// One field of a structured `descr`, unpacked as `name, type[, shape]`.
fn field_holds(f: &Py) -> Holds {
    match f {
        Py::Tuple(parts) | Py::List(parts) if (2..=3).contains(&parts.len()) => {
            dtype_holds(&parts[1])
        }
        Py::Str { text, exact } if (2..=3).contains(&text.chars().count()) => {
            let second = text.chars().nth(1).map(String::from).unwrap_or_default();
            dtype_holds(&Py::Str {
                text: second,
                exact: *exact,
            })
        }
        // Order unknown: any part that may be objects makes the field unsure.
        Py::Set(parts) if (2..=3).contains(&parts.len()) => parts
            .iter()
            .map(dtype_holds)
            .max()
            .map_or(Holds::Plain, |h| h.min(Holds::Unsure)),
        Py::Dict(pairs) if (2..=3).contains(&pairs.len()) => dtype_holds(&pairs[1].0),
        _ => Holds::Plain,
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

/// The offset where the array data of a non-object `.npy` ends (header plus itemsize × shape),
/// from its first bytes; `None` when the header cannot be read or the size is unknown.
pub fn data_end(head: &[u8]) -> Option<u64> {
    let h = Header::read(head).ok()?;
    if h.holds() != Holds::Plain {
        return None;
    }
    let item = crate::formats::pickle::itemsize(h.code()?)?;
    let need = h
        .dims()?
        .into_iter()
        .try_fold(item, |a, d| a.checked_mul(d))?;
    (h.body_start as u64).checked_add(need)
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
    let header = match Header::read(data) {
        Ok(h) => h,
        Err(why) => {
            bad(ctx, why);
            return Format::Npy;
        }
    };
    // `numpy.lib.format` reads the header with `ast.literal_eval`: a header that is no literal
    // (`__import__('os').system(…)`) makes `np.load` refuse the file; written so on purpose, it
    // is bait for a reader that evaluates the header.
    if let Some(why) = header.refused() {
        bad(ctx, why);
    }
    let body_start = header.body_start;
    let holds = header.holds();
    if holds != Holds::Plain {
        let descr = header.descr().map_or_else(
            || "no 'descr' the reader could decode".to_string(),
            |d| format!("descr {}", truncate_chars(&d.to_string(), 160)),
        );
        let (message, evidence) = if holds == Holds::Objects {
            (
                "object array: np.load(allow_pickle=True) unpickles its data".to_string(),
                descr,
            )
        } else {
            (
                "dtype airlock could not decode: analysed as an object array, whose data np.load(allow_pickle=True) unpickles".to_string(),
                format!(
                    "{descr} (header {})",
                    truncate_chars(header.text.trim_end(), 160)
                ),
            )
        };
        ctx.emit(
            Finding::builder(&r::numpy_object_array::RULE, loc.clone())
                .message(message)
                .evidence(evidence)
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
    let code = header.code();
    let item = code.and_then(crate::formats::pickle::itemsize);
    if let (Some(code), Some(item), Some(dims)) = (code, item, header.dims()) {
        let shape = format!("{dims:?}");
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
