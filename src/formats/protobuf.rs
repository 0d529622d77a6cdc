//! A zero-copy walker over protobuf wire format, for the ONNX and TensorFlow analysers.
//!
//! Built on `prost::encoding` (keys, varints, wire types). Messages are walked field by field over
//! the borrowed bytes: a length-delimited field is a sub-slice, checked against the bytes that
//! remain before it is handed out, so nothing is allocated in proportion to a declared length and
//! a 2 GB `raw_data` is skipped without touching its pages.
//!
//! Why not decode whole messages with `#[derive(prost::Message)]`: a decoded `GraphProto` holds
//! every node as a struct (a 2-byte empty node becomes some 200 bytes, so a hostile file would
//! allocate a hundred times its size), a decode error discards everything read before it, and
//! prost rejects non-UTF-8 `string` fields that the C++ runtimes (proto2) accept. Small leaf
//! messages are still decoded with prost derive (see `onnx.rs`).
//!
//! Source: <https://protobuf.dev/programming-guides/encoding/>.

use prost::bytes::Buf;
use prost::encoding::{decode_key, decode_varint, WireType};

use crate::finding::plural;

/// The value of one field on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 2: bytes, a string, a sub-message or a packed repeated field.
    Bytes(&'a [u8]),
    /// Wire types 1 and 5 (the raw little-endian value).
    Fixed(u64),
}

/// A wire-format error: where (byte offset in the walked message) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset of the field that could not be read, from the start of the message.
    pub offset: usize,
    /// What was wrong.
    pub what: String,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

/// The fields of one message, in wire order. Stops after the first error (yielded once).
pub struct Fields<'a> {
    whole: &'a [u8],
    rest: &'a [u8],
    failed: bool,
}

/// Walk the fields of the message `msg`.
pub fn fields(msg: &[u8]) -> Fields<'_> {
    Fields {
        whole: msg,
        rest: msg,
        failed: false,
    }
}

impl<'a> Fields<'a> {
    /// Byte offset of the next field from the start of the message.
    pub fn offset(&self) -> usize {
        self.whole.len() - self.rest.len()
    }

    fn next_field(&mut self) -> Result<(u32, Value<'a>), String> {
        let (tag, wire) = decode_key(&mut self.rest).map_err(|e| e.to_string())?;
        match wire {
            WireType::Varint => decode_varint(&mut self.rest)
                .map(|v| (tag, Value::Varint(v)))
                .map_err(|e| e.to_string()),
            WireType::LengthDelimited => {
                let len = decode_varint(&mut self.rest).map_err(|e| e.to_string())?;
                if len > self.rest.len() as u64 {
                    return Err(format!(
                        "field {tag} declares {}, {} left",
                        plural(len, "byte"),
                        plural(self.rest.len(), "byte")
                    ));
                }
                let (v, rest) = self.rest.split_at(len as usize);
                self.rest = rest;
                Ok((tag, Value::Bytes(v)))
            }
            WireType::SixtyFourBit | WireType::ThirtyTwoBit => {
                let n = if wire == WireType::SixtyFourBit { 8 } else { 4 };
                if self.rest.len() < n {
                    return Err(format!("field {tag}: fixed value cut short"));
                }
                let v = if n == 8 {
                    self.rest.get_u64_le()
                } else {
                    u64::from(self.rest.get_u32_le())
                };
                Ok((tag, Value::Fixed(v)))
            }
            // Groups are deprecated and used by neither onnx.proto nor TensorFlow's protos.
            WireType::StartGroup | WireType::EndGroup => Err(format!("field {tag}: group")),
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Value<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let offset = self.offset();
        match self.next_field() {
            Ok(f) => Some(Ok(f)),
            Err(what) => {
                self.failed = true;
                Some(Err(WireError { offset, what }))
            }
        }
    }
}

/// The values of a repeated varint field: packed (one length-delimited run) or one value. `None`
/// when the packed run is damaged.
pub fn varints(v: Value<'_>) -> Option<Vec<u64>> {
    match v {
        Value::Varint(x) => Some(vec![x]),
        Value::Bytes(mut b) => {
            // At most one value per byte, so this bound is the bytes themselves.
            let mut out = Vec::with_capacity(b.len().min(64));
            while !b.is_empty() {
                out.push(decode_varint(&mut b).ok()?);
            }
            Some(out)
        }
        Value::Fixed(_) => None,
    }
}

/// Text of a string field, lossily decoded (proto2 runtimes do not require UTF-8).
pub fn text(v: Value<'_>) -> Option<String> {
    match v {
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// True when `data` is a whole message whose top-level fields all parse and end exactly at its
/// end, with field numbers and wire types that `allowed` accepts; at most `max_fields` fields
/// are looked at (a longer message that parsed so far counts).
pub fn parses_as(
    data: &[u8],
    max_fields: usize,
    allowed: impl Fn(u32, &Value<'_>) -> bool,
) -> bool {
    let mut n = 0;
    for f in fields(data) {
        match f {
            Ok((tag, v)) if allowed(tag, &v) => {}
            _ => return false,
        }
        n += 1;
        if n >= max_fields {
            break;
        }
    }
    n > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_fields_and_stops_on_damage() {
        // field 1 varint 7, field 2 bytes "ab", field 3 declares 5 bytes but has 1.
        let msg = [0x08, 7, 0x12, 2, b'a', b'b', 0x1a, 5, 0];
        let got: Vec<_> = fields(&msg).collect();
        assert_eq!(got[0], Ok((1, Value::Varint(7))));
        assert_eq!(got[1], Ok((2, Value::Bytes(b"ab"))));
        assert!(got[2].is_err());
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn packed_and_single_varints() {
        assert_eq!(varints(Value::Varint(3)), Some(vec![3]));
        assert_eq!(varints(Value::Bytes(&[1, 0x80, 1])), Some(vec![1, 128]));
        assert_eq!(varints(Value::Bytes(&[0x80])), None);
    }
}
