//! JSON helpers shared by the analysers that read JSON documents (safetensors headers, Keras
//! configs, tokenizer configs, Hugging Face `config.json`).
//!
//! serde_json, Python's `json` and JavaScript's `JSON.parse` keep the last of two equal keys in
//! an object; RapidJSON's and simdjson's lookups return the first. A document with a duplicated
//! key therefore means two different things to two loaders (a parser differential): one picks
//! one tensor, layer or template, another the other, and a scanner that reads it like one loader
//! can be shown the harmless half. [`duplicate_key`] finds such a key at any depth.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::finding::{truncate_chars, Finding, Location, Span};
use crate::rules::core::json_duplicate_key::RULE;

/// The bytes of a JSON document as UTF-8, decoded the way Python's `json.loads` decodes `bytes`
/// (`json.detect_encoding`): a UTF-32, UTF-16 or UTF-8 byte-order mark, else the NUL pattern of
/// the first four bytes (UTF-16 or UTF-32, big- or little-endian), else UTF-8. Loaders that hand
/// `json.loads` the raw bytes of a file (Keras 3 reads `config.json` so) accept all of them.
///
/// Returns the input itself when it is UTF-8 without a mark; `None` when the encoding's units do
/// not decode (an odd length, a code point out of range). Python decodes with `surrogatepass`,
/// so an unpaired surrogate is kept (here as U+FFFD).
pub fn python_json_text(data: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    #[derive(Clone, Copy)]
    enum Enc {
        U32(bool),
        U16(bool),
    }
    let (enc, skip) = if data.starts_with(&[0, 0, 0xfe, 0xff]) {
        (Enc::U32(true), 4)
    } else if data.starts_with(&[0xff, 0xfe, 0, 0]) {
        (Enc::U32(false), 4)
    } else if data.starts_with(&[0xfe, 0xff]) {
        (Enc::U16(true), 2)
    } else if data.starts_with(&[0xff, 0xfe]) {
        (Enc::U16(false), 2)
    } else if let Some(rest) = data.strip_prefix(b"\xef\xbb\xbf") {
        return Some(Cow::Borrowed(rest));
    } else if data.len() >= 4 && data[0] == 0 {
        (
            if data[1] != 0 {
                Enc::U16(true)
            } else {
                Enc::U32(true)
            },
            0,
        )
    } else if data.len() >= 4 && data[1] == 0 {
        (
            if data[2] != 0 || data[3] != 0 {
                Enc::U16(false)
            } else {
                Enc::U32(false)
            },
            0,
        )
    } else if data.len() == 2 && data[0] == 0 {
        (Enc::U16(true), 0)
    } else if data.len() == 2 && data[1] == 0 {
        (Enc::U16(false), 0)
    } else {
        return Some(Cow::Borrowed(data));
    };
    let body = &data[skip..];
    let text: String = match enc {
        Enc::U16(big) => {
            if body.len() % 2 != 0 {
                return None;
            }
            let units = body.chunks_exact(2).map(|c| {
                let b = [c[0], c[1]];
                if big {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                }
            });
            // `surrogatepass`: an unpaired surrogate is kept (read here as U+FFFD).
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        Enc::U32(big) => {
            if body.len() % 4 != 0 {
                return None;
            }
            body.chunks_exact(4)
                .map(|c| {
                    let b = [c[0], c[1], c[2], c[3]];
                    let v = if big {
                        u32::from_be_bytes(b)
                    } else {
                        u32::from_le_bytes(b)
                    };
                    // `surrogatepass` keeps a surrogate; past U+10FFFF is an error.
                    char::from_u32(v).or_else(|| {
                        (0xD800..=0xDFFF)
                            .contains(&v)
                            .then_some(char::REPLACEMENT_CHARACTER)
                    })
                })
                .collect::<Option<_>>()?
        }
    };
    Some(Cow::Owned(text.into_bytes()))
}

/// Containers nested at most before [`python_rewrite`] reads the deeper ones as `null`:
/// serde_json stops at 128 levels, Python's `json` reads any depth its stack allows.
pub const MAX_DEPTH: usize = 100;

/// `data` rewritten into JSON serde_json reads with the meaning Python's `json.loads` gives it,
/// or `None` when nothing needs rewriting. Returns the text and whether values nested deeper
/// than `max` were read as `null`.
///
/// Python's `json` accepts what strict JSON (and so serde_json) refuses, and a model loader that
/// reads a config with it (transformers, Keras, Hydra, skops, conda, Jupyter) loads such a file
/// while a strict reader gives up on the whole document (tester t29 K9). The rewrite, in one
/// linear pass with no stack:
/// - a lone surrogate escape (`"\ud800"`, an escaped low surrogate without its high half; Python
///   keeps it in the `str`) becomes `\ufffd`, and so does a surrogate encoded raw in UTF-8 (what
///   `json.loads` of bytes accepts through `surrogatepass`); an escaped pair stays a pair;
/// - `NaN`, `Infinity`, `-Infinity` (Python's floats) and numbers beyond f64 (`1e400`, which
///   Python reads as `inf`; a 400-digit integer, a Python `int`) become `null`, since
///   serde_json's numbers are finite;
/// - an array or object nested deeper than `max` levels becomes `null`, so a document padded
///   with a deep dummy value beside its real keys (`{"pad": [[[…]]], "chat_template": …}`) is
///   read for its shallow keys.
///
/// serde_json offers none of these as an option: it reads lone surrogates only into byte
/// buffers (serde-rs/json#827, #828), and `arbitrary_precision` changes `Number` for every user
/// of the crate, the safetensors crate's own header parse included, whose strictness is the
/// loader's.
pub fn python_rewrite(data: &[u8], max: usize) -> Option<(Vec<u8>, bool)> {
    let mut out: Option<Vec<u8>> = None;
    // Bytes of `data` before this offset are in `out` already.
    let mut copied = 0;
    let mut deep = false;
    let put =
        |out: &mut Option<Vec<u8>>, copied: &mut usize, from: usize, to: usize, with: &[u8]| {
            let o = out.get_or_insert_with(|| Vec::with_capacity(data.len()));
            o.extend_from_slice(&data[*copied..from]);
            o.extend_from_slice(with);
            *copied = to;
        };
    let hex4 = |at: usize| -> Option<u32> {
        let h = data.get(at..at + 4)?;
        let h = std::str::from_utf8(h).ok()?;
        u32::from_str_radix(h, 16)
            .ok()
            .filter(|_| h.bytes().all(|c| c.is_ascii_hexdigit()))
    };
    let mut depth = 0usize;
    let mut i = 0;
    let mut in_str = false;
    // The container being replaced: where it starts, and how deep inside it the pass is.
    let mut skipping: Option<(usize, usize)> = None;
    while i < data.len() {
        let b = data[i];
        if in_str {
            if b == b'\\' {
                if data.get(i + 1) == Some(&b'u') && skipping.is_none() {
                    if let Some(v) = hex4(i + 2) {
                        let paired = (0xD800..=0xDBFF).contains(&v)
                            && data.get(i + 6..i + 8) == Some(&b"\\u"[..])
                            && hex4(i + 8).is_some_and(|w| (0xDC00..=0xDFFF).contains(&w));
                        if paired {
                            i += 12;
                            continue;
                        }
                        if (0xD800..=0xDFFF).contains(&v) {
                            put(&mut out, &mut copied, i, i + 6, b"\\ufffd");
                        }
                        i += 6;
                        continue;
                    }
                }
                i += 2;
                continue;
            } else if b == b'"' {
                in_str = false;
            } else if b == 0xED
                && skipping.is_none()
                && data.get(i + 1).is_some_and(|c| (0xA0..=0xBF).contains(c))
                && data.get(i + 2).is_some_and(|c| (0x80..=0xBF).contains(c))
            {
                put(&mut out, &mut copied, i, i + 3, "\u{fffd}".as_bytes());
                i += 3;
                continue;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_str = true;
        } else if let Some((start, d)) = skipping.as_mut() {
            if b == b'[' || b == b'{' {
                *d += 1;
            } else if b == b']' || b == b'}' {
                *d -= 1;
                if *d == 0 {
                    let start = *start;
                    skipping = None;
                    put(&mut out, &mut copied, start, i + 1, b"null");
                }
            }
        } else if (b == b'[' || b == b'{') && depth == max {
            skipping = Some((i, 1));
            deep = true;
        } else if b == b'[' || b == b'{' {
            depth += 1;
        } else if b == b']' || b == b'}' {
            depth = depth.saturating_sub(1);
        } else if let Some(w) = [&b"-Infinity"[..], b"Infinity", b"NaN"]
            .into_iter()
            .find(|w| data[i..].starts_with(w))
        {
            put(&mut out, &mut copied, i, i + w.len(), b"null");
            i += w.len();
            continue;
        } else if b == b'-' || b.is_ascii_digit() {
            let end = i + data[i..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
                .count();
            let infinite = std::str::from_utf8(&data[i..end])
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .is_some_and(f64::is_infinite);
            if infinite {
                put(&mut out, &mut copied, i, end, b"null");
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out.map(|mut o| {
        o.extend_from_slice(&data[copied.min(data.len())..]);
        (o, deep)
    })
}

/// A JSON document read as Python's `json` reads it ([`from_python`]).
pub struct Parsed<'a, T> {
    /// The value, or serde_json's error on the document as given.
    pub value: Result<T, serde_json::Error>,
    /// Whether values nested deeper than [`MAX_DEPTH`] were read as `null` (report it with
    /// [`report_deep`]).
    pub deep: bool,
    /// The text that was parsed: decoded as `json.loads` decodes bytes, and rewritten by
    /// [`python_rewrite`] when serde_json refused it as given.
    text: std::borrow::Cow<'a, [u8]>,
}

impl<T> Parsed<'_, T> {
    /// The first duplicated key of the document as it was read ([`duplicate_key`]).
    pub fn duplicate(&self) -> Option<Duplicate> {
        duplicate_key(&self.text)
    }
}

/// The one reader of scanned JSON that a Python loader reads with `json`: `data` decoded as
/// `json.loads` decodes bytes ([`python_json_text`]), parsed by serde_json, and when that fails
/// parsed again after [`python_rewrite`] (lone surrogates, non-finite numbers, nesting past
/// [`MAX_DEPTH`]). So a document Python reads is never dropped for a strictness of ours. The
/// error is the first parse's.
pub fn from_python<T: serde::de::DeserializeOwned>(data: &[u8]) -> Parsed<'_, T> {
    use std::borrow::Cow;
    let text = python_json_text(data).unwrap_or(Cow::Borrowed(data));
    match serde_json::from_slice::<T>(&text) {
        Ok(v) => Parsed {
            value: Ok(v),
            deep: false,
            text,
        },
        Err(e) => match python_rewrite(&text, MAX_DEPTH) {
            Some((fixed, deep)) => match serde_json::from_slice::<T>(&fixed) {
                Ok(v) => Parsed {
                    value: Ok(v),
                    deep,
                    text: Cow::Owned(fixed),
                },
                Err(_) => Parsed {
                    value: Err(e),
                    deep: false,
                    text,
                },
            },
            None => Parsed {
                value: Err(e),
                deep: false,
                text,
            },
        },
    }
}

/// The low `resource-limit` finding for a document whose deepest values [`shallow`] read as
/// `null`: its keys above that depth were judged.
pub fn report_deep(ctx: &mut crate::analyse::Ctx, loc: &Location) {
    ctx.limit_at(
        crate::finding::Severity::Low,
        loc,
        &format!("JSON nested deeper than {MAX_DEPTH} levels"),
        "the values below that depth (its keys above it were read)",
    );
}

/// The first key that occurs twice in one JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// JSON pointer (RFC 6901) of the object holding the key: `""` for the top level.
    pub object: String,
    /// The key, unescaped (so `"a"` and `"\u0061"` are the same key, as every loader reads them).
    pub key: String,
}

impl Duplicate {
    /// JSON pointer of the duplicated key itself.
    pub fn pointer(&self) -> String {
        format!("{}/{}", self.object, escape_pointer(&self.key))
    }
}

/// The first duplicated key of `json`, at any depth, in document order; `None` when every object
/// names each key once, or when the document stops parsing before a duplicate (serde_json's
/// bounds apply: nesting deeper than 128 levels does not parse). Keys are compared after unescaping. Memory is the
/// keys of the objects open along the current path.
pub fn duplicate_key(json: &[u8]) -> Option<Duplicate> {
    let mut found = None;
    let mut path = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(json);
    // The walk stops with an error at the first duplicate; `found` says which error that was.
    let _ = Walk {
        path: &mut path,
        found: &mut found,
    }
    .deserialize(&mut de);
    found
}

/// The `json-duplicate-key` finding for `dup` in the document at `loc` (its span becomes the
/// key's JSON pointer); `document` names it for the message (`the safetensors header`).
pub fn duplicate_finding(loc: &Location, dup: &Duplicate, document: &str) -> Finding {
    let key = truncate_chars(&dup.key, 120);
    let object = if dup.object.is_empty() {
        "the top level".to_string()
    } else {
        truncate_chars(&dup.object, 200)
    };
    Finding::builder(
        &RULE,
        loc.with_span(Span::JsonPointer {
            pointer: truncate_chars(&dup.pointer(), 240),
        }),
    )
    .message(format!(
        "{document} names the key {key:?} twice in one object; loaders disagree on which value counts"
    ))
    .evidence(format!("key {key:?} twice in the object at {object}"))
    .build()
}

/// A JSON object read as its (key, value) pairs in document order, keeping duplicate keys (a
/// `serde_json::Map` keeps only the last).
#[derive(Debug, Default)]
pub struct Pairs(pub Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut v = Vec::new();
                while let Some(kv) = m.next_entry()? {
                    v.push(kv);
                }
                Ok(Pairs(v))
            }
        }
        d.deserialize_map(V)
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A value being walked; `path` holds the escaped pointer components above it.
struct Walk<'a> {
    path: &'a mut Vec<String>,
    found: &'a mut Option<Duplicate>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            self.path.push(i.to_string());
            let more = seq.next_element_seed(Walk {
                path: self.path,
                found: self.found,
            });
            self.path.pop();
            if more?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                *self.found = Some(Duplicate {
                    object: self.path.iter().map(|p| format!("/{p}")).collect(),
                    key,
                });
                return Err(de::Error::custom("duplicate key"));
            }
            self.path.push(escape_pointer(&key));
            seen.insert(key);
            let value = map.next_value_seed(Walk {
                path: self.path,
                found: self.found,
            });
            self.path.pop();
            value?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_reads_deep_values_as_null() {
        let deep = format!(
            "{{\"pad\": {}1{}, \"s\": \"[[\\\"\", \"k\": [1, {{\"a\": 2}}]}}",
            "[".repeat(150),
            "]".repeat(150)
        );
        let (fixed, deep) = python_rewrite(deep.as_bytes(), 3).expect("rewritten");
        assert!(deep);
        let v: serde_json::Value = serde_json::from_slice(&fixed).expect("parses");
        assert_eq!(v["k"][1]["a"], 2);
        assert_eq!(v["s"], "[[\"");
        assert_eq!(v["pad"][0][0], serde_json::Value::Null);
        assert_eq!(python_rewrite(b"{\"a\": [1]}", 3), None);
    }

    /// What Python's `json.loads` accepts and serde_json refuses (tester t29 K9).
    #[test]
    fn reads_what_python_reads() {
        let read = |doc: &[u8]| -> serde_json::Value {
            from_python::<serde_json::Value>(doc)
                .value
                .expect("Python reads it")
        };
        // Lone surrogates, escaped (high, low, high before a non-surrogate) or raw UTF-8.
        let v = read(br#"{"a": "x\ud800", "b": "\udfff", "c": "\uD83D\u0041", "k": 1}"#);
        assert_eq!(v["a"], "x\u{fffd}");
        assert_eq!(v["b"], "\u{fffd}");
        assert_eq!(v["c"], "\u{fffd}A");
        assert_eq!(v["k"], 1);
        let v = read(b"{\"a\": \"\xed\xa0\x80\", \"k\": 1}");
        assert_eq!(v["a"], "\u{fffd}");
        // A pair stays a pair; an escaped backslash before `u` is no escape.
        let v = read(br#"{"a": "\ud83d\ude00", "b": "\\ud800", "c": "\ud800"}"#);
        assert_eq!(v["a"], "\u{1f600}");
        assert_eq!(v["b"], "\\ud800");
        // Non-finite numbers, in and out of f64 range; strings holding them stay.
        let v = read(br#"{"a": 1e400, "b": -1E+999, "c": NaN, "d": -Infinity, "e": "1e400 NaN", "f": 2.5, "g": 1e308}"#);
        assert_eq!(v["a"], serde_json::Value::Null);
        assert_eq!(v["b"], serde_json::Value::Null);
        assert_eq!(v["c"], serde_json::Value::Null);
        assert_eq!(v["d"], serde_json::Value::Null);
        assert_eq!(v["e"], "1e400 NaN");
        assert_eq!(v["f"], 2.5);
        assert_eq!(v["g"], 1e308);
        let big = format!("{{\"n\": {}, \"k\": 1}}", "9".repeat(400));
        assert_eq!(read(big.as_bytes())["k"], 1);
        // Still refused, as Python refuses it.
        assert!(from_python::<serde_json::Value>(br#"{"a": 'x'}"#)
            .value
            .is_err());
        assert!(from_python::<serde_json::Value>(br#"{"a": +1}"#)
            .value
            .is_err());
        // A duplicate behind a lone surrogate is still found.
        let p = from_python::<serde_json::Value>(br#"{"x": "\ud800", "a": 1, "a": 2}"#);
        assert_eq!(p.duplicate().map(|d| d.key), Some("a".to_string()));
    }

    #[test]
    fn decodes_json_bytes_as_python_does() {
        let doc = "{\"a\": \"\u{e9}\"}";
        let utf16le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let utf32le: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let utf32be: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        let with = |mark: &[u8], body: &[u8]| [mark, body].concat();
        for bytes in [
            doc.as_bytes().to_vec(),
            with(b"\xef\xbb\xbf", doc.as_bytes()),
            utf16le.clone(),
            utf16be.clone(),
            with(&[0xff, 0xfe], &utf16le),
            with(&[0xfe, 0xff], &utf16be),
            utf32le.clone(),
            utf32be.clone(),
            with(&[0xff, 0xfe, 0, 0], &utf32le),
            with(&[0, 0, 0xfe, 0xff], &utf32be),
        ] {
            let got = python_json_text(&bytes).expect("decodes");
            assert_eq!(std::str::from_utf8(&got).expect("utf-8"), doc);
        }
        // Odd UTF-16: no text. An unpaired surrogate passes (`surrogatepass`).
        assert!(python_json_text(&[0xff, 0xfe, b'{']).is_none());
        let got = python_json_text(&[0xff, 0xfe, 0x00, 0xd8, b'}', 0]).expect("decodes");
        assert_eq!(&got[..], "\u{fffd}}".as_bytes());
    }

    #[test]
    fn finds_the_first_duplicate_at_any_depth() {
        assert_eq!(duplicate_key(br#"{"a":1,"b":{"c":[1,{"d":2}]}}"#), None);
        let d = duplicate_key(br#"{"a":1,"b":2,"a":3}"#).expect("duplicate");
        assert_eq!((d.object.as_str(), d.key.as_str()), ("", "a"));
        assert_eq!(d.pointer(), "/a");
        let d =
            duplicate_key(br#"{"x":[0,{"k/~":1,"k\/~":2}],"y":{"z":1,"z":1}}"#).expect("duplicate");
        assert_eq!(d.object, "/x/1");
        assert_eq!(d.key, "k/~");
        assert_eq!(d.pointer(), "/x/1/k~1~0");
    }

    #[test]
    fn keys_are_compared_unescaped_and_per_object() {
        assert!(duplicate_key(br#"{"w":1,"\u0077":2}"#).is_some());
        assert_eq!(duplicate_key(br#"{"a":{"k":1},"b":{"k":1},"k":0}"#), None);
    }

    #[test]
    fn unparsable_or_too_deep_is_none() {
        assert_eq!(duplicate_key(br#"{"a":1,"b""#), None);
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(duplicate_key(deep.as_bytes()), None);
    }
}
