//! GGUF (llama.cpp): the header, every metadata key/value and every tensor info are parsed with
//! bounds; the tensor data is never read. Chat templates found in the metadata go to
//! [`crate::formats::chat_template`].
//!
//! Spec followed: <https://github.com/ggml-org/ggml/blob/master/docs/gguf.md>. Layout:
//!
//! ```text
//! "GGUF" | u32 version | u64 tensor_count | u64 kv_count          (v1: u32 counts)
//! kv_count × { string key | u32 value_type | value }
//! tensor_count × { string name | u32 n_dims | u64 dims[n_dims] | u32 ggml_type | u64 offset }
//! padding to general.alignment (default 32) | tensor data
//! string = u64 length (v1: u32) + UTF-8 bytes, no terminator
//! ```
//!
//! Byte order: files for big-endian hosts store every number big-endian, the version included;
//! a version that reads as 1 to 3 only after a byte swap marks such a file.
//!
//! Every count and length is checked against the bytes that remain before anything is allocated
//! for it, so a header that claims 2^62 keys or a 2^60-byte string is a finding, not an
//! allocation. Array nesting and the number of elements walked are bounded.

use std::collections::{BTreeMap, BTreeSet};

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Span};
use crate::formats::{chat_template, Format};
use crate::rules::gguf as r;

/// Append the strings of `items`, and of arrays nested in them, in order.
fn join_strings(items: &[Value], out: &mut String) {
    for x in items {
        match x {
            Value::Str { text, .. } => out.push_str(text),
            Value::Array { items, .. } => join_strings(items, out),
            _ => {}
        }
    }
}

/// Deepest array-in-array nesting accepted (llama.cpp itself writes none).
pub const MAX_ARRAY_DEPTH: u32 = 8;

/// Most array elements walked one by one (strings and arrays; fixed-width arrays are skipped
/// in one step) in one file. A 256k-token vocabulary with its merges is about 0.5 M.
pub const MAX_WALKED_ELEMENTS: u64 = 16_000_000;

/// Array elements kept per array for facts (the rest are walked and checked, not kept).
const KEPT_ELEMENTS: usize = 256;

/// Most metadata key/values kept in memory. Real files have a few dozen (a vocabulary is one
/// array value); past this, later key/values are still parsed and checked, but only the ones
/// the analysis needs ([`needed_later`]) are kept.
pub const MAX_KEPT_KVS: usize = 65_536;

/// Most bytes of keys and kept values (texts, array items, and a fixed cost per entry) held
/// for the key/values, before later ones stop being kept as for [`MAX_KEPT_KVS`].
pub const MAX_KEPT_KV_BYTES: u64 = 64 << 20;

/// Most tensor infos kept in memory (real models have a few thousand); later ones are parsed
/// and checked, not kept, and the tensor layout is then not checked.
pub const MAX_KEPT_TENSORS: usize = 262_144;

/// Most bytes of tensor names (and a fixed cost per entry) held, before later tensor infos
/// stop being kept as for [`MAX_KEPT_TENSORS`].
pub const MAX_KEPT_TENSOR_BYTES: u64 = 64 << 20;

/// Cost charged per kept key/value or tensor info besides its texts (bytes): the entry, its
/// allocations and its place in the duplicate check.
const ENTRY_COST: u64 = 128;

/// Most tensor dimensions (`GGML_MAX_DIMS`).
pub const MAX_DIMS: u32 = 4;

/// Most `gguf-malformed` findings reported per file; later problems are counted in the last.
const MAX_PROBLEMS: usize = 8;

/// A metadata value (GGUF `gguf_metadata_value_type`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Type 0.
    U8(u8),
    /// Type 1.
    I8(i8),
    /// Type 2.
    U16(u16),
    /// Type 3.
    I16(i16),
    /// Type 4.
    U32(u32),
    /// Type 5.
    I32(i32),
    /// Type 6.
    F32(f32),
    /// Type 7 (one byte, 0 or 1).
    Bool(bool),
    /// Type 8: UTF-8 text (invalid sequences replaced); `offset` is where its bytes start.
    Str {
        /// The text.
        text: String,
        /// Byte offset of the text in the file.
        offset: u64,
    },
    /// Type 9: element type, element count, and the first [`KEPT_ELEMENTS`] elements.
    Array {
        /// The element type code.
        elem: u32,
        /// The declared element count.
        len: u64,
        /// The first elements (at most 256).
        items: Vec<Value>,
    },
    /// Type 10.
    U64(u64),
    /// Type 11.
    I64(i64),
    /// Type 12.
    F64(f64),
}

/// The GGUF type code of a value (`gguf_type`: 0 `UINT8` … 12 `FLOAT64`).
fn type_code(v: &Value) -> u32 {
    match v {
        Value::U8(_) => 0,
        Value::I8(_) => 1,
        Value::U16(_) => 2,
        Value::I16(_) => 3,
        Value::U32(_) => 4,
        Value::I32(_) => 5,
        Value::F32(_) => 6,
        Value::Bool(_) => 7,
        Value::Str { .. } => 8,
        Value::Array { .. } => 9,
        Value::U64(_) => 10,
        Value::I64(_) => 11,
        Value::F64(_) => 12,
    }
}

impl Value {
    /// The value as an unsigned integer, for integer types.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U8(v) => Some(v.into()),
            Value::U16(v) => Some(v.into()),
            Value::U32(v) => Some(v.into()),
            Value::U64(v) => Some(v),
            Value::I8(v) => u64::try_from(v).ok(),
            Value::I16(v) => u64::try_from(v).ok(),
            Value::I32(v) => u64::try_from(v).ok(),
            Value::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as text, for strings.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// One tensor info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// Tensor name.
    pub name: String,
    /// Dimensions, innermost first (`ne[0]` is the row length).
    pub dims: Vec<u64>,
    /// `ggml_type` code.
    pub ggml_type: u32,
    /// Offset of its data from the start of the data section (bytes).
    pub offset: u64,
}

/// A parsed GGUF header.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// Format version (1, 2 or 3).
    pub version: u32,
    /// True when the numbers are big-endian.
    pub big_endian: bool,
    /// Declared tensor count.
    pub tensor_count: u64,
    /// Declared key/value count.
    pub kv_count: u64,
    /// Key/value pairs read, in file order, with the offset of each key.
    pub kvs: Vec<(String, Value, u64)>,
    /// Tensor infos read, in file order.
    pub tensors: Vec<TensorInfo>,
    /// Offset just past the last tensor info (bytes), when all were read.
    pub header_end: Option<u64>,
    /// Problems that did not stop parsing: (offset, description).
    pub problems: Vec<(u64, String)>,
    /// Where key/values stopped being kept ([`MAX_KEPT_KVS`], [`MAX_KEPT_KV_BYTES`]), and how
    /// many later ones were parsed but not kept.
    pub kvs_unkept: Option<(u64, u64)>,
    /// Where tensor infos stopped being kept ([`MAX_KEPT_TENSORS`]), and how many later ones
    /// were parsed but not kept.
    pub tensors_unkept: Option<(u64, u64)>,
}

impl Header {
    /// The first value stored under `key`, keys compared as llama.cpp compares them
    /// ([`c_key`]).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.kvs
            .iter()
            .find(|(k, _, _)| c_key(k) == key)
            .map(|(_, v, _)| v)
    }
}

/// A metadata key as a C reader sees it: up to its first NUL. GGUF strings carry a length and
/// may hold NUL bytes, but llama.cpp looks keys up with `strcmp(key, kv.get_key().c_str())`
/// (`gguf_find_key`), so `"tokenizer.chat_template\0x"` is found as
/// `tokenizer.chat_template`. Every comparison of keys goes through this.
pub fn c_key(key: &str) -> &str {
    key.split('\0').next().unwrap_or(key)
}

/// Why parsing stopped before the end of the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A count or length claims more bytes than remain, or the file ends inside the header.
    Bounds {
        /// Where (bytes).
        offset: u64,
        /// What.
        what: String,
    },
    /// A value the format does not allow (type code, version, dimension count, nesting).
    Invalid {
        /// Where (bytes).
        offset: u64,
        /// What.
        what: String,
    },
    /// [`MAX_WALKED_ELEMENTS`] was reached.
    Budget {
        /// Where (bytes).
        offset: u64,
    },
    /// A kept text passed what is left of [`MAX_KEPT_KV_BYTES`], or past [`MAX_KEPT_KVS`] the
    /// key/values still kept (chat templates, the alignment) passed the same bounds again.
    Kept {
        /// Where (bytes).
        offset: u64,
    },
}

/// Keys kept after [`MAX_KEPT_KVS`] (raw bytes, compared up to the first NUL as [`c_key`]
/// does): what the analysis judges (chat templates) or needs for the layout (the alignment).
fn needed_later(raw: &[u8]) -> bool {
    let key = raw.split(|&b| b == 0).next().unwrap_or(raw);
    key == b"tokenizer.chat_template"
        || key.starts_with(b"tokenizer.chat_template.")
        || key == b"general.alignment"
}

/// A bounds-checked cursor over the header bytes.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    big_endian: bool,
    /// Version 1 stores lengths and counts as u32.
    v1: bool,
    walked: u64,
    /// Bytes that kept texts may still take ([`MAX_KEPT_KV_BYTES`]); a kept string longer than
    /// this stops parsing ([`Stop::Kept`]).
    keep_left: u64,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> u64 {
        (self.data.len() - self.pos) as u64
    }

    fn bounds(&self, what: impl Into<String>) -> Stop {
        Stop::Bounds {
            offset: self.pos as u64,
            what: what.into(),
        }
    }

    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], Stop> {
        if n > self.remaining() {
            return Err(self.bounds(format!(
                "{what}: needs {}, {} left",
                plural(n, "byte"),
                plural(self.remaining(), "byte")
            )));
        }
        let s = &self.data[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Stop> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N as u64, what)?);
        if self.big_endian {
            a.reverse();
        }
        Ok(a)
    }

    fn u32(&mut self, what: &str) -> Result<u32, Stop> {
        self.array::<4>(what).map(u32::from_le_bytes)
    }

    fn u64(&mut self, what: &str) -> Result<u64, Stop> {
        self.array::<8>(what).map(u64::from_le_bytes)
    }

    /// A length or count: u64, or u32 in version 1.
    fn len(&mut self, what: &str) -> Result<u64, Stop> {
        if self.v1 {
            self.u32(what).map(u64::from)
        } else {
            self.u64(what)
        }
    }

    /// A string to keep; its length is checked against the remaining bytes and charged to
    /// [`Reader::keep_left`] before anything is copied.
    fn string(&mut self, what: &str) -> Result<(String, u64), Stop> {
        let start = self.pos as u64;
        let n = self.len(what)?;
        let at = self.pos as u64;
        let b = self.take(n, what)?;
        if n > self.keep_left {
            return Err(Stop::Kept { offset: start });
        }
        self.keep_left -= n;
        Ok((String::from_utf8_lossy(b).into_owned(), at))
    }

    /// A string's bytes, borrowed (nothing copied or charged).
    fn raw_string(&mut self, what: &str) -> Result<&'a [u8], Stop> {
        let n = self.len(what)?;
        self.take(n, what)
    }

    /// Skip a string without copying it.
    fn skip_string(&mut self, what: &str) -> Result<(), Stop> {
        let n = self.len(what)?;
        self.take(n, what).map(|_| ())
    }

    /// Smallest encoded size of one value of type `t` (bytes), or `None` for an unknown type.
    fn min_size(&self, t: u32) -> Option<u64> {
        let len = if self.v1 { 4 } else { 8 };
        Some(match t {
            0 | 1 | 7 => 1,
            2 | 3 => 2,
            4..=6 => 4,
            10..=12 => 8,
            8 => len,
            9 => 4 + len,
            _ => return None,
        })
    }

    fn value(&mut self, t: u32, depth: u32, keep: bool) -> Result<Value, Stop> {
        let at = self.pos as u64;
        Ok(match t {
            0 => Value::U8(self.array::<1>("u8")?[0]),
            1 => Value::I8(i8::from_le_bytes(self.array::<1>("i8")?)),
            2 => Value::U16(u16::from_le_bytes(self.array::<2>("u16")?)),
            3 => Value::I16(i16::from_le_bytes(self.array::<2>("i16")?)),
            4 => Value::U32(u32::from_le_bytes(self.array::<4>("u32")?)),
            5 => Value::I32(i32::from_le_bytes(self.array::<4>("i32")?)),
            6 => Value::F32(f32::from_le_bytes(self.array::<4>("f32")?)),
            7 => {
                let b = self.array::<1>("bool")?[0];
                if b > 1 {
                    return Err(Stop::Invalid {
                        offset: at,
                        what: format!("bool value {b} (only 0 and 1 are valid)"),
                    });
                }
                Value::Bool(b == 1)
            }
            8 => {
                if keep {
                    let (text, offset) = self.string("string value")?;
                    Value::Str { text, offset }
                } else {
                    self.skip_string("string value")?;
                    Value::Str {
                        text: String::new(),
                        offset: at,
                    }
                }
            }
            9 => self.array_value(depth, keep)?,
            10 => Value::U64(u64::from_le_bytes(self.array::<8>("u64")?)),
            11 => Value::I64(i64::from_le_bytes(self.array::<8>("i64")?)),
            12 => Value::F64(f64::from_le_bytes(self.array::<8>("f64")?)),
            other => {
                return Err(Stop::Invalid {
                    offset: at,
                    what: format!("unknown value type {other}"),
                })
            }
        })
    }

    fn array_value(&mut self, depth: u32, keep: bool) -> Result<Value, Stop> {
        let at = self.pos as u64;
        if depth >= MAX_ARRAY_DEPTH {
            return Err(Stop::Invalid {
                offset: at,
                what: format!("arrays nested deeper than {MAX_ARRAY_DEPTH}"),
            });
        }
        let elem = self.u32("array element type")?;
        let len = self.len("array length")?;
        let Some(min) = self.min_size(elem) else {
            return Err(Stop::Invalid {
                offset: at,
                what: format!("unknown array element type {elem}"),
            });
        };
        if len.checked_mul(min).is_none_or(|n| n > self.remaining()) {
            return Err(self.bounds(format!(
                "array of {} of type {elem} needs at least {}, {} left",
                plural(len, "element"),
                plural(len.saturating_mul(min), "byte"),
                plural(self.remaining(), "byte")
            )));
        }
        let mut items = Vec::new();
        if matches!(elem, 8 | 9) {
            for i in 0..len {
                self.walked += 1;
                if self.walked > MAX_WALKED_ELEMENTS {
                    return Err(Stop::Budget {
                        offset: self.pos as u64,
                    });
                }
                let keep_this = keep && (i as usize) < KEPT_ELEMENTS;
                let v = self.value(elem, depth + 1, keep_this)?;
                if keep_this {
                    items.push(v);
                }
            }
        } else {
            // Fixed-width elements: keep the first few, skip the rest in one step.
            let kept = if keep {
                len.min(KEPT_ELEMENTS as u64)
            } else {
                0
            };
            for _ in 0..kept {
                items.push(self.value(elem, depth + 1, true)?);
            }
            self.take((len - kept) * min, "array data")?;
        }
        Ok(Value::Array { elem, len, items })
    }
}

/// Parse the header in `data` (the whole file, or at least its header).
///
/// Returns what was read, and why parsing stopped early (`None` when the whole header was read).
/// Never allocates more than the bytes it has checked exist (plus small per-item overhead).
pub fn parse(data: &[u8]) -> (Header, Option<Stop>) {
    let mut h = Header::default();
    let mut rd = Reader {
        data,
        pos: 0,
        big_endian: false,
        v1: false,
        walked: 0,
        keep_left: MAX_KEPT_KV_BYTES,
    };
    macro_rules! tryp {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(stop) => return (h, Some(stop)),
            }
        };
    }
    let magic = tryp!(rd.take(4, "magic"));
    if magic != b"GGUF" {
        let stop = Stop::Invalid {
            offset: 0,
            what: "magic is not GGUF".into(),
        };
        return (h, Some(stop));
    }
    let raw = tryp!(rd.u32("version"));
    let version = if (1..=3).contains(&raw) {
        raw
    } else if (1..=3).contains(&raw.swap_bytes()) {
        rd.big_endian = true;
        raw.swap_bytes()
    } else {
        let stop = Stop::Invalid {
            offset: 4,
            what: format!("unknown version {raw}"),
        };
        return (h, Some(stop));
    };
    h.version = version;
    h.big_endian = rd.big_endian;
    rd.v1 = version == 1;
    h.tensor_count = tryp!(rd.len("tensor count"));
    h.kv_count = tryp!(rd.len("metadata key/value count"));
    // Each key/value is at least a key length, a type and one byte; each tensor info at least a
    // name length, n_dims, a type and an offset.
    let (kv_min, ti_min) = if rd.v1 { (9, 20) } else { (13, 24) };
    let need = h
        .kv_count
        .saturating_mul(kv_min)
        .saturating_add(h.tensor_count.saturating_mul(ti_min));
    if need > rd.remaining() {
        let need = if need == u64::MAX {
            "2^64 or more".to_string()
        } else {
            need.to_string()
        };
        let what = format!(
            "header claims {} and {} (at least {need} bytes), {} left",
            plural(h.kv_count, "metadata key/value"),
            plural(h.tensor_count, "tensor"),
            plural(rd.remaining(), "byte")
        );
        let stop = rd.bounds(what);
        return (h, Some(stop));
    }
    let mut keys = BTreeSet::new();
    // Past the bounds (`later`), key/values are parsed and checked, and only the needed ones
    // kept, within the bounds once more.
    let (mut later, mut kept_later, mut unkept) = (false, 0usize, 0u64);
    rd.keep_left = MAX_KEPT_KV_BYTES;
    for _ in 0..h.kv_count {
        let at = rd.pos as u64;
        let raw = tryp!(rd.raw_string("metadata key"));
        let t = tryp!(rd.u32("value type"));
        let cost = ENTRY_COST + raw.len() as u64;
        if !later && (h.kvs.len() >= MAX_KEPT_KVS || rd.keep_left < cost) {
            later = true;
            h.kvs_unkept = Some((at, 0));
            rd.keep_left = MAX_KEPT_KV_BYTES;
        }
        if later {
            if !needed_later(raw) {
                tryp!(rd.value(t, 0, false));
                unkept += 1;
                continue;
            }
            kept_later += 1;
            if kept_later > MAX_KEPT_KVS || rd.keep_left < cost {
                return (h, Some(Stop::Kept { offset: at }));
            }
        }
        rd.keep_left -= cost;
        let v = tryp!(rd.value(t, 0, true));
        if let Some(u) = &mut h.kvs_unkept {
            u.1 = unkept;
        }
        let key = String::from_utf8_lossy(raw).into_owned();
        if key.contains('\0') {
            h.problems.push((
                at,
                format!(
                    "metadata key {key:?} holds a NUL byte; C readers see it as {:?}",
                    c_key(&key)
                ),
            ));
        }
        if !keys.insert(c_key(&key).to_string()) {
            h.problems
                .push((at, format!("duplicate metadata key {key:?}")));
        }
        h.kvs.push((key, v, at));
    }
    if let Some(u) = &mut h.kvs_unkept {
        u.1 = unkept;
    }
    let mut names = BTreeSet::new();
    rd.keep_left = MAX_KEPT_TENSOR_BYTES;
    let mut dims = Vec::with_capacity(MAX_DIMS as usize);
    for _ in 0..h.tensor_count {
        let at = rd.pos as u64;
        let raw = tryp!(rd.raw_string("tensor name"));
        let cost = ENTRY_COST + raw.len() as u64;
        let keep = h.tensors.len() < MAX_KEPT_TENSORS && rd.keep_left >= cost;
        let n_dims = tryp!(rd.u32("tensor n_dims"));
        if n_dims > MAX_DIMS {
            let name = String::from_utf8_lossy(&raw[..raw.len().min(256)]).into_owned();
            let stop = Stop::Invalid {
                offset: at,
                what: format!(
                    "tensor {name:?} has {} (at most {MAX_DIMS})",
                    plural(n_dims, "dimension")
                ),
            };
            return (h, Some(stop));
        }
        dims.clear();
        for _ in 0..n_dims {
            dims.push(tryp!(rd.u64("tensor dimension")));
        }
        let ggml_type = tryp!(rd.u32("tensor type"));
        let offset = tryp!(rd.u64("tensor offset"));
        if !keep {
            h.tensors_unkept.get_or_insert((at, 0)).1 += 1;
            continue;
        }
        rd.keep_left -= cost;
        let name = String::from_utf8_lossy(raw).into_owned();
        if !names.insert(name.clone()) {
            h.problems
                .push((at, format!("duplicate tensor name {name:?}")));
        }
        h.tensors.push(TensorInfo {
            name,
            dims: dims.clone(),
            ggml_type,
            offset,
        });
    }
    h.header_end = Some(rd.pos as u64);
    (h, None)
}

/// `(name, block size in elements, bytes per block)` of a `ggml_type` code (ggml's
/// `type_traits`); `None` for codes that were removed or never existed.
pub fn ggml_type(code: u32) -> Option<(&'static str, u64, u64)> {
    Some(match code {
        0 => ("F32", 1, 4),
        1 => ("F16", 1, 2),
        2 => ("Q4_0", 32, 18),
        3 => ("Q4_1", 32, 20),
        6 => ("Q5_0", 32, 22),
        7 => ("Q5_1", 32, 24),
        8 => ("Q8_0", 32, 34),
        9 => ("Q8_1", 32, 36),
        10 => ("Q2_K", 256, 84),
        11 => ("Q3_K", 256, 110),
        12 => ("Q4_K", 256, 144),
        13 => ("Q5_K", 256, 176),
        14 => ("Q6_K", 256, 210),
        15 => ("Q8_K", 256, 292),
        16 => ("IQ2_XXS", 256, 66),
        17 => ("IQ2_XS", 256, 74),
        18 => ("IQ3_XXS", 256, 98),
        19 => ("IQ1_S", 256, 50),
        20 => ("IQ4_NL", 32, 18),
        21 => ("IQ3_S", 256, 110),
        22 => ("IQ2_S", 256, 82),
        23 => ("IQ4_XS", 256, 136),
        24 => ("I8", 1, 1),
        25 => ("I16", 1, 2),
        26 => ("I32", 1, 4),
        27 => ("I64", 1, 8),
        28 => ("F64", 1, 8),
        29 => ("IQ1_M", 256, 56),
        30 => ("BF16", 1, 2),
        34 => ("TQ1_0", 256, 54),
        35 => ("TQ2_0", 256, 66),
        39 => ("MXFP4", 32, 17),
        _ => return None,
    })
}

/// The name of a `general.file_type` code (llama.cpp `llama_ftype`, without `MOSTLY_`).
pub fn file_type_name(code: u64) -> Option<&'static str> {
    Some(match code {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        4 => "Q4_1_SOME_F16",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        _ => return None,
    })
}

/// Analyse a GGUF file: `data` is the whole file (usually a memory map; only the header pages are
/// touched), `total` its size in bytes.
pub fn analyse(ctx: &mut Ctx, data: &[u8], total: u64, loc: &Location, depth: u32) -> Format {
    let (h, stop) = parse(data);
    let mut problems = h.problems.clone();
    match stop {
        Some(Stop::Bounds { offset, what }) | Some(Stop::Invalid { offset, what }) => {
            problems.insert(0, (offset, what));
        }
        Some(Stop::Budget { offset }) => ctx.limit(
            &loc.with_span(Span::Offset { offset }),
            &format!("more than {MAX_WALKED_ELEMENTS} GGUF array elements"),
            "the rest of the GGUF header",
        ),
        Some(Stop::Kept { offset }) => ctx.limit(
            &loc.with_span(Span::Offset { offset }),
            &kv_bound(),
            "the rest of the GGUF header",
        ),
        None => {}
    }
    if let Some((offset, n)) = h.kvs_unkept {
        ctx.limit(
            &loc.with_span(Span::Offset { offset }),
            &kv_bound(),
            &format!(
                "{} parsed and checked but not kept (chat templates and the alignment among them were kept and judged): duplicated keys and facts among them",
                plural(n, "later metadata key/value")
            ),
        );
    }
    if let Some((offset, n)) = h.tensors_unkept {
        ctx.limit(
            &loc.with_span(Span::Offset { offset }),
            &format!(
                "more than {MAX_KEPT_TENSORS} GGUF tensor infos or {} of them kept",
                plural(MAX_KEPT_TENSOR_BYTES, "byte")
            ),
            &format!(
                "{} parsed and checked but not kept: duplicated names, and the tensor layout against the file",
                plural(n, "later tensor info")
            ),
        );
    }
    if h.version > 0 {
        ctx.fact(loc, "gguf.version", h.version.to_string());
        if h.big_endian {
            ctx.fact(loc, "gguf.byte_order", "big-endian");
        }
    }
    record_facts(ctx, loc, &h);
    for (key, v, key_offset) in &h.kvs {
        let key = c_key(key);
        if key == "tokenizer.chat_template" || key.starts_with("tokenizer.chat_template.") {
            match v {
                Value::Str { text, offset } => {
                    let at = loc.with_span(Span::Offset { offset: *offset });
                    chat_template::check(ctx, text, &at, key);
                }
                // A template stored as another type: llama.cpp's `gguf_get_val_str` aborts on
                // it, and a reader that joins an array of strings renders what it joined, so
                // the joined text is judged as the template too.
                other => {
                    problems.push((
                        *key_offset,
                        format!("{key} is not a string (GGUF type {})", type_code(other)),
                    ));
                    if let Value::Array { items, .. } = other {
                        // Nested arrays (type 9 of type 9) are valid GGUF: their strings are
                        // joined in order too (the nesting is bounded by MAX_ARRAY_DEPTH).
                        let mut joined = String::new();
                        join_strings(items, &mut joined);
                        if !joined.is_empty() {
                            let at = loc.with_span(Span::Offset {
                                offset: *key_offset,
                            });
                            chat_template::check(ctx, &joined, &at, key);
                        }
                    }
                }
            }
        }
    }
    if let (Some(end), None) = (h.header_end, h.tensors_unkept) {
        tensor_layout(ctx, data, total, loc, depth, &h, end, &mut problems);
    }
    let n = problems.len();
    for (i, (offset, what)) in problems.into_iter().take(MAX_PROBLEMS).enumerate() {
        let more = if i + 1 == MAX_PROBLEMS && n > MAX_PROBLEMS {
            format!(" (and {})", plural(n - MAX_PROBLEMS, "more problem"))
        } else {
            String::new()
        };
        ctx.emit(
            Finding::builder(
                &r::gguf_malformed::RULE,
                loc.with_span(Span::Offset { offset }),
            )
            .message("malformed GGUF header")
            .evidence(format!("{what}{more}"))
            .build(),
        );
    }
    Format::Gguf
}

/// The bound of the key/values kept, as a `resource-limit` names it.
fn kv_bound() -> String {
    format!(
        "more than {MAX_KEPT_KVS} GGUF metadata key/values or {} of them kept",
        plural(MAX_KEPT_KV_BYTES, "byte")
    )
}

/// Check the tensor infos against the data section: known types, whole blocks, alignment,
/// overlaps, and the data's end against the file's.
#[allow(clippy::too_many_arguments)]
fn tensor_layout(
    ctx: &mut Ctx,
    data: &[u8],
    total: u64,
    loc: &Location,
    depth: u32,
    h: &Header,
    header_end: u64,
    problems: &mut Vec<(u64, String)>,
) {
    let alignment = match h.get("general.alignment") {
        None => 32,
        Some(v) => match v.as_u64() {
            Some(a) if a.is_power_of_two() && a <= 1 << 30 => a,
            _ => {
                problems.push((0, format!("general.alignment is {v:?}, not a power of two")));
                return;
            }
        },
    };
    let align = |x: u64| x.checked_next_multiple_of(alignment);
    let Some(data_start) = align(header_end) else {
        return;
    };
    let mut spans = Vec::with_capacity(h.tensors.len());
    for t in &h.tensors {
        let Some((tname, block, bytes)) = ggml_type(t.ggml_type) else {
            problems.push((
                0,
                format!("tensor {:?} has unknown ggml type {}", t.name, t.ggml_type),
            ));
            continue;
        };
        let ne0 = t.dims.first().copied().unwrap_or(1);
        if ne0 % block != 0 {
            problems.push((
                0,
                format!(
                    "tensor {:?}: a row of {} is not whole {tname} blocks of {block}",
                    t.name,
                    plural(ne0, "element")
                ),
            ));
            continue;
        }
        let size = t
            .dims
            .iter()
            .skip(1)
            .try_fold((ne0 / block).checked_mul(bytes), |acc, &d| {
                Some(acc.and_then(|a| a.checked_mul(d)))
            })
            .flatten();
        let Some(size) = size else {
            problems.push((0, format!("tensor {:?}: size overflows", t.name)));
            continue;
        };
        if t.offset % alignment != 0 {
            problems.push((
                0,
                format!(
                    "tensor {:?}: offset {} is not a multiple of the alignment {alignment}",
                    t.name, t.offset
                ),
            ));
        }
        match t.offset.checked_add(size) {
            Some(end) => spans.push((t.offset, end, &t.name)),
            None => problems.push((0, format!("tensor {:?}: end overflows", t.name))),
        }
    }
    spans.sort();
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            problems.push((
                data_start.saturating_add(w[1].0),
                format!("tensors {:?} and {:?} overlap", w[0].2, w[1].2),
            ));
        }
    }
    let data_len = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let Some(end) = data_start.checked_add(data_len) else {
        return;
    };
    let len = total.max(data.len() as u64);
    if data_len > 0 && end > len {
        ctx.emit(
            Finding::builder(
                &r::gguf_truncated::RULE,
                loc.with_span(Span::Offset { offset: len }),
            )
            .message("the tensor data runs past the end of the file (a split or cut download?)")
            .evidence(format!(
                "header ends at byte {header_end}; tensors need bytes {data_start}..{end}; the file has {}",
                plural(len, "byte")
            ))
            .build(),
        );
        return;
    }
    // Writers pad the last tensor to the alignment; anything after that is not GGUF.
    let padded = if data_len == 0 {
        header_end.max(end.min(len))
    } else {
        align(end).unwrap_or(end)
    };
    if padded < len {
        let rest = data.get(padded as usize..).unwrap_or_default();
        if rest.iter().all(|&b| b == 0) && (len - padded) < alignment {
            return;
        }
        let what = crate::formats::sniff(rest);
        ctx.emit(
            Finding::builder(
                &r::gguf_trailing_data::RULE,
                loc.with_span(Span::Offset { offset: padded }),
            )
            .message(format!(
                "{} after the last tensor of the GGUF file",
                plural(len - padded, "byte")
            ))
            .evidence(format!("trailing data sniffs as {}", what.name()))
            .build(),
        );
        if !matches!(what, Format::Unknown | Format::Text) {
            let name = format!("<data after tensors at offset {padded}>");
            ctx.nested(rest, &loc.member(name.clone()), &name, depth + 1);
        }
    }
}

/// Facts: version, architecture, name, parameter count, tensor types, file type, context
/// length, license, organization, languages, base models.
fn record_facts(ctx: &mut Ctx, loc: &Location, h: &Header) {
    let text = |key: &str| {
        h.get(key)
            .and_then(Value::as_str)
            .map(|s| crate::finding::truncate_chars(s, 200))
    };
    let arch = text("general.architecture");
    if let Some(a) = &arch {
        ctx.fact(loc, "architecture", a.clone());
        if let Some(n) = h
            .get(&format!("{a}.context_length"))
            .and_then(Value::as_u64)
        {
            ctx.fact(loc, "context_length", n.to_string());
        }
    }
    for (key, fact) in [
        ("general.name", "name"),
        ("general.license", "license"),
        ("general.organization", "organization"),
    ] {
        if let Some(v) = text(key) {
            ctx.fact(loc, fact, v);
        }
    }
    if let Some(Value::Array { items, .. }) = h.get("general.languages") {
        let langs: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
        if !langs.is_empty() {
            ctx.fact(
                loc,
                "languages",
                crate::finding::truncate_chars(&langs.join(","), 400),
            );
        }
    }
    let count = h
        .get("general.base_model.count")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(64);
    let mut bases = Vec::new();
    for i in 0..count {
        let name = text(&format!("general.base_model.{i}.name"));
        let org = text(&format!("general.base_model.{i}.organization"));
        let url = text(&format!("general.base_model.{i}.repo_url"));
        let shown = match (org, name, url) {
            (Some(o), Some(n), Some(u)) => format!("{o}/{n} ({u})"),
            (None, Some(n), Some(u)) => format!("{n} ({u})"),
            (Some(o), Some(n), None) => format!("{o}/{n}"),
            (_, Some(n), None) => n,
            (_, None, Some(u)) => u,
            (_, None, None) => continue,
        };
        bases.push(shown);
    }
    if !bases.is_empty() {
        ctx.fact(
            loc,
            "base_models",
            crate::finding::truncate_chars(&bases.join("; "), 400),
        );
    }
    if let Some(ft) = h.get("general.file_type").and_then(Value::as_u64) {
        let name = file_type_name(ft).map_or_else(|| format!("unknown ({ft})"), str::to_string);
        ctx.fact(loc, "file_type", name);
    }
    if h.header_end.is_some() || !h.tensors.is_empty() {
        let mut params: u128 = 0;
        let mut types = BTreeMap::<&str, usize>::new();
        for t in &h.tensors {
            params += t.dims.iter().map(|&d| u128::from(d)).product::<u128>();
            *types
                .entry(ggml_type(t.ggml_type).map_or("unknown", |t| t.0))
                .or_default() += 1;
        }
        let unkept = h.tensors_unkept.map_or(0, |(_, n)| n);
        ctx.fact(
            loc,
            "tensors",
            (h.tensors.len() as u64 + unkept).to_string(),
        );
        ctx.fact(loc, "parameters", params.to_string());
        let set: Vec<&str> = types.keys().copied().collect();
        ctx.fact(loc, "quantization", set.join(","));
        let shown: Vec<String> = types.iter().map(|(t, n)| format!("{t}:{n}")).collect();
        ctx.fact(loc, "dtypes", shown.join(","));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(out: &mut Vec<u8>, t: &str) {
        out.extend_from_slice(&(t.len() as u64).to_le_bytes());
        out.extend_from_slice(t.as_bytes());
    }

    #[test]
    fn parses_a_small_header() {
        let mut d = b"GGUF".to_vec();
        d.extend_from_slice(&3u32.to_le_bytes());
        d.extend_from_slice(&1u64.to_le_bytes());
        d.extend_from_slice(&1u64.to_le_bytes());
        s(&mut d, "general.architecture");
        d.extend_from_slice(&8u32.to_le_bytes());
        s(&mut d, "llama");
        s(&mut d, "w");
        d.extend_from_slice(&1u32.to_le_bytes());
        d.extend_from_slice(&4u64.to_le_bytes());
        d.extend_from_slice(&0u32.to_le_bytes());
        d.extend_from_slice(&0u64.to_le_bytes());
        let (h, stop) = parse(&d);
        assert_eq!(stop, None);
        assert_eq!(
            h.get("general.architecture").and_then(Value::as_str),
            Some("llama")
        );
        assert_eq!(h.tensors[0].dims, vec![4]);
        assert_eq!(h.header_end, Some(d.len() as u64));
    }
}
