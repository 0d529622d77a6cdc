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

fn object_descr(descr: &str) -> bool {
    descr.contains("'O") || descr.contains("|O") || descr.contains("\"O")
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
