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
/// not decode (an odd length, an unpaired surrogate, a code point out of range).
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
            char::decode_utf16(units).collect::<Result<_, _>>().ok()?
        }
        Enc::U32(big) => {
            if body.len() % 4 != 0 {
                return None;
            }
            body.chunks_exact(4)
                .map(|c| {
                    let b = [c[0], c[1], c[2], c[3]];
                    char::from_u32(if big {
                        u32::from_be_bytes(b)
                    } else {
                        u32::from_le_bytes(b)
                    })
                })
                .collect::<Option<_>>()?
        }
    };
    Some(Cow::Owned(text.into_bytes()))
}

/// Containers nested at most before [`shallow`] reads the deeper ones as `null`: serde_json
/// stops at 128 levels, Python's `json` reads any depth its stack allows.
pub const MAX_DEPTH: usize = 100;

/// `data` with every array or object nested deeper than `max` levels replaced by `null`, or
/// `None` when nothing is nested that deep. Strings are passed over as they are (escapes
/// included); the pass is linear and needs no stack. So a document padded with a deep dummy
/// value beside its real keys (`{"pad": [[[…]]], "chat_template": …}`), which serde_json
/// refuses and Python reads, is read for its shallow keys.
pub fn shallow(data: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    // Bytes of `data` before this offset are in `out` already.
    let mut copied = 0;
    let mut depth = 0usize;
    let mut i = 0;
    let mut in_str = false;
    // The container being replaced: where it starts, and how deep inside it the pass is.
    let mut skipping: Option<(usize, usize)> = None;
    while i < data.len() {
        let b = data[i];
        if in_str {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_str = false;
            }
        } else if b == b'"' {
            in_str = true;
        } else if let Some((start, d)) = skipping.as_mut() {
            if b == b'[' || b == b'{' {
                *d += 1;
            } else if b == b']' || b == b'}' {
                *d -= 1;
                if *d == 0 {
                    let o = out.get_or_insert_with(Vec::new);
                    o.extend_from_slice(&data[copied..*start]);
                    o.extend_from_slice(b"null");
                    copied = i + 1;
                    skipping = None;
                }
            }
        } else if (b == b'[' || b == b'{') && depth == max {
            skipping = Some((i, 1));
        } else if b == b'[' || b == b'{' {
            depth += 1;
        } else if b == b']' || b == b'}' {
            depth = depth.saturating_sub(1);
        }
        i += 1;
    }
    if let Some(o) = out.as_mut() {
        o.extend_from_slice(&data[copied.min(data.len())..]);
    }
    out
}

/// `serde_json::from_slice` of `data`, read again through [`shallow`] when it fails by its
/// nesting bound; the flag says whether values deeper than [`MAX_DEPTH`] were read as `null`
/// (report it with [`report_deep`]).
pub fn from_slice_shallow<T: serde::de::DeserializeOwned>(
    data: &[u8],
) -> (Result<T, serde_json::Error>, bool) {
    match serde_json::from_slice::<T>(data) {
        Err(e) if e.to_string().contains("recursion limit") => match shallow(data, MAX_DEPTH) {
            Some(fixed) => match serde_json::from_slice::<T>(&fixed) {
                Ok(v) => (Ok(v), true),
                Err(_) => (Err(e), false),
            },
            None => (Err(e), false),
        },
        other => (other, false),
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
    fn shallow_reads_deep_values_as_null() {
        let deep = format!(
            "{{\"pad\": {}1{}, \"s\": \"[[\\\"\", \"k\": [1, {{\"a\": 2}}]}}",
            "[".repeat(150),
            "]".repeat(150)
        );
        let fixed = shallow(deep.as_bytes(), 3).expect("rewritten");
        let v: serde_json::Value = serde_json::from_slice(&fixed).expect("parses");
        assert_eq!(v["k"][1]["a"], 2);
        assert_eq!(v["s"], "[[\"");
        assert_eq!(v["pad"][0][0], serde_json::Value::Null);
        assert_eq!(shallow(b"{\"a\": [1]}", 3), None);
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
        // Odd UTF-16, an unpaired surrogate: no text.
        assert!(python_json_text(&[0xff, 0xfe, b'{']).is_none());
        assert!(python_json_text(&[0xff, 0xfe, 0x00, 0xd8, b'}', 0]).is_none());
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
