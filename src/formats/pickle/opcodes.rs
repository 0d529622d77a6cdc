//! Decoding of pickle opcodes, protocols 0 to 5, named as Python's `pickletools` names them.
//!
//! [`decode`] reads one opcode and its argument from a byte slice. Every length field is checked
//! against the bytes that remain before anything is sliced, so a 100-byte stream that claims a
//! 4 GiB `BINBYTES8` is an error, never an allocation. Arguments borrow from the input.
//!
//! Source: CPython `Lib/pickletools.py` (the opcode table) and `Modules/_pickle.c`.

use std::borrow::Cow;

/// One decoded opcode with its argument, borrowing from the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Op<'a> {
    /// `(`: push a mark.
    Mark,
    /// `.`: end of the pickle.
    Stop,
    /// `0`: discard the top of the stack.
    Pop,
    /// `1`: discard up to and including the top mark.
    PopMark,
    /// `2`: duplicate the top of the stack.
    Dup,
    /// `F`: float from a decimal text line.
    Float(f64),
    /// `I` and `L` (text integers), `BININT`, `BININT1`, `BININT2`, `LONG1`, `LONG4` when the
    /// value fits in an `i64`. `I01`/`I00` push booleans in protocol 0.
    Int(i64),
    /// A long integer too large for `i64`: its decimal text (or a hex rendering).
    BigInt(String),
    /// `I01` / `I00` / `NEWTRUE` / `NEWFALSE`.
    Bool(bool),
    /// `N`.
    None,
    /// `P`: persistent id from a text line.
    Persid(&'a [u8]),
    /// `Q`.
    Binpersid,
    /// `R`.
    Reduce,
    /// `S`, `T`, `U`: a Python 2 `str` (decoded by Python 3 as text); the raw bytes.
    String(Cow<'a, [u8]>),
    /// `V`, `X`, `\x8c`, `\x8d`: text (invalid UTF-8 replaced).
    Unicode(Cow<'a, str>),
    /// `B`, `C`, `\x8e`, `\x96` (`BYTEARRAY8`): the payload, borrowed from the stream.
    Bytes(&'a [u8]),
    /// `a`.
    Append,
    /// `b`.
    Build,
    /// `c`: module and name from two text lines.
    Global(Cow<'a, str>, Cow<'a, str>),
    /// `d`.
    Dict,
    /// `}`.
    EmptyDict,
    /// `e`.
    Appends,
    /// `g`, `h`, `j`: memo index.
    Get(u64),
    /// `g` with a key past `u64` or negative (pure-Python unpickler only), as its digits.
    GetKey(Box<str>),
    /// `i`: module and name from two text lines, then instantiate with the items above the mark.
    Inst(Cow<'a, str>, Cow<'a, str>),
    /// `l`.
    List,
    /// `]`.
    EmptyList,
    /// `o`.
    Obj,
    /// `p`, `q`, `r`: memo index.
    Put(u64),
    /// `p` with a key past `u64` or negative, as its digits.
    PutKey(Box<str>),
    /// `s`.
    Setitem,
    /// `t`.
    Tuple,
    /// `)`.
    EmptyTuple,
    /// `u`.
    Setitems,
    /// `G`: big-endian double.
    Binfloat(f64),
    /// `\x80`: protocol number.
    Proto(u8),
    /// `\x81`.
    Newobj,
    /// `\x82`, `\x83`, `\x84`: extension registry code.
    Ext(i64),
    /// `\x85`.
    Tuple1,
    /// `\x86`.
    Tuple2,
    /// `\x87`.
    Tuple3,
    /// `\x8f`.
    EmptySet,
    /// `\x90`.
    Additems,
    /// `\x91`.
    Frozenset,
    /// `\x92`.
    NewobjEx,
    /// `\x93`.
    StackGlobal,
    /// `\x94`.
    Memoize,
    /// `\x95`: frame length (bytes); informational.
    Frame(u64),
    /// `\x97`.
    NextBuffer,
    /// `\x98`.
    ReadonlyBuffer,
}

impl Op<'_> {
    /// The `pickletools` name of the opcode.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Mark => "MARK",
            Op::Stop => "STOP",
            Op::Pop => "POP",
            Op::PopMark => "POP_MARK",
            Op::Dup => "DUP",
            Op::Float(_) => "FLOAT",
            Op::Int(_) | Op::BigInt(_) => "INT",
            Op::Bool(_) => "NEWTRUE",
            Op::None => "NONE",
            Op::Persid(_) => "PERSID",
            Op::Binpersid => "BINPERSID",
            Op::Reduce => "REDUCE",
            Op::String(_) => "STRING",
            Op::Unicode(_) => "UNICODE",
            Op::Bytes(_) => "BINBYTES",
            Op::Append => "APPEND",
            Op::Build => "BUILD",
            Op::Global(..) => "GLOBAL",
            Op::Dict => "DICT",
            Op::EmptyDict => "EMPTY_DICT",
            Op::Appends => "APPENDS",
            Op::Get(_) | Op::GetKey(_) => "GET",
            Op::Inst(..) => "INST",
            Op::List => "LIST",
            Op::EmptyList => "EMPTY_LIST",
            Op::Obj => "OBJ",
            Op::Put(_) | Op::PutKey(_) => "PUT",
            Op::Setitem => "SETITEM",
            Op::Tuple => "TUPLE",
            Op::EmptyTuple => "EMPTY_TUPLE",
            Op::Setitems => "SETITEMS",
            Op::Binfloat(_) => "BINFLOAT",
            Op::Proto(_) => "PROTO",
            Op::Newobj => "NEWOBJ",
            Op::Ext(_) => "EXT1",
            Op::Tuple1 => "TUPLE1",
            Op::Tuple2 => "TUPLE2",
            Op::Tuple3 => "TUPLE3",
            Op::EmptySet => "EMPTY_SET",
            Op::Additems => "ADDITEMS",
            Op::Frozenset => "FROZENSET",
            Op::NewobjEx => "NEWOBJ_EX",
            Op::StackGlobal => "STACK_GLOBAL",
            Op::Memoize => "MEMOIZE",
            Op::Frame(_) => "FRAME",
            Op::NextBuffer => "NEXT_BUFFER",
            Op::ReadonlyBuffer => "READONLY_BUFFER",
        }
    }
}

/// Why an opcode could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The stream ended inside an opcode or its argument.
    #[error("stream ends inside {op} (needs {needed} more bytes, {left} left)")]
    Truncated {
        /// The opcode's `pickletools` name.
        op: &'static str,
        /// Bytes the argument needs.
        needed: u64,
        /// Bytes that remain.
        left: u64,
    },
    /// The stream ended where an opcode was expected (no `STOP`).
    #[error("stream ends without STOP")]
    Eof,
    /// A byte that is no opcode of protocols 0 to 5.
    #[error("unknown opcode byte 0x{0:02x}")]
    UnknownOpcode(u8),
    /// An argument is malformed (bad text integer, negative length, bad quoting).
    #[error("bad argument to {op}: {why}")]
    BadArgument {
        /// The opcode's `pickletools` name.
        op: &'static str,
        /// What is wrong.
        why: String,
    },
}

/// Longest text line (module names, text integers, protocol-0 strings) accepted, in bytes.
pub const MAX_LINE: usize = 1 << 30;

fn need<'a>(buf: &'a [u8], pos: usize, n: u64, op: &'static str) -> Result<&'a [u8], DecodeError> {
    let left = (buf.len() - pos) as u64;
    if n > left {
        return Err(DecodeError::Truncated {
            op,
            needed: n,
            left,
        });
    }
    Ok(&buf[pos..pos + n as usize])
}

fn line<'a>(buf: &'a [u8], pos: usize, op: &'static str) -> Result<&'a [u8], DecodeError> {
    let rest = &buf[pos..];
    let window = &rest[..rest.len().min(MAX_LINE)];
    match window.iter().position(|&b| b == b'\n') {
        Some(i) => Ok(&window[..i]),
        None if rest.len() > MAX_LINE => Err(DecodeError::BadArgument {
            op,
            why: format!("line longer than {MAX_LINE} bytes"),
        }),
        None => Err(DecodeError::Truncated {
            op,
            needed: rest.len() as u64 + 1,
            left: rest.len() as u64,
        }),
    }
}

fn bad(op: &'static str, why: impl Into<String>) -> DecodeError {
    DecodeError::BadArgument {
        op,
        why: why.into(),
    }
}

fn le_u64(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    v[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(v)
}

/// Decode a little-endian two's-complement integer (LONG1/LONG4 payload).
fn long_le(b: &[u8]) -> Op<'static> {
    if b.is_empty() {
        return Op::Int(0);
    }
    if b.len() <= 8 {
        let mut v = [0u8; 8];
        v[..b.len()].copy_from_slice(b);
        let shift = 64 - 8 * b.len() as u32;
        let raw = i64::from_le_bytes(v);
        // Sign-extend from the top byte given.
        let val = if shift == 64 {
            raw
        } else {
            (raw << shift) >> shift
        };
        return Op::Int(val);
    }
    // Too large for i64: render as hex of the raw little-endian bytes (only shown as evidence).
    let shown = b
        .iter()
        .rev()
        .take(32)
        .fold(String::from("0x"), |mut s, x| {
            s.push_str(&format!("{x:02x}"));
            s
        });
    Op::BigInt(if b.len() > 32 {
        format!("{shown}… ({} bytes)", b.len())
    } else {
        shown
    })
}

/// `I` and `L` arguments as CPython reads them. `INT` (`_pickle.c` `load_int`): C `strtol` with
/// base 0 (`0x1f`, octal `010`), else `int(text, 0)`; `00` and `01` are booleans. `LONG`
/// (`load_long`): `int(text, 0)` after a trailing `L`. So signs, ASCII blanks around, `0x`/`0o`/
/// `0b` prefixes and `_` between digits (`1_0`) are all integers, as the loader sees them.
use crate::formats::pyliteral::{py_int, PyInt};

fn text_int(l: &[u8], op: &'static str) -> Result<Op<'static>, DecodeError> {
    let s = std::str::from_utf8(l).map_err(|_| bad(op, "not ASCII"))?;
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    if op == "INT" && t == "01" {
        return Ok(Op::Bool(true));
    }
    if op == "INT" && t == "00" {
        return Ok(Op::Bool(false));
    }
    let digits = if op == "LONG" {
        t.strip_suffix('L').unwrap_or(t)
    } else {
        t
    };
    let parsed = py_int(digits, 0).or_else(|| (op == "INT").then(|| c_octal(digits)).flatten());
    let Some(PyInt {
        negative,
        radix,
        digits: d,
    }) = parsed
    else {
        return Err(bad(op, format!("not an integer: {:?}", truncate(s))));
    };
    Ok(
        match u64::from_str_radix(&d, radix)
            .ok()
            .and_then(|v| i64::try_from(v).ok())
        {
            Some(v) => Op::Int(if negative { -v } else { v }),
            None if radix == 10 => {
                Op::BigInt(truncate(&format!("{}{d}", if negative { "-" } else { "" })))
            }
            None => Op::BigInt(truncate(&format!(
                "{}0{}{d}",
                if negative { "-" } else { "" },
                match radix {
                    16 => 'x',
                    8 => 'o',
                    _ => 'b',
                }
            ))),
        },
    )
}

/// What C `strtol(text, _, 0)` reads that `int(text, 0)` does not: a leading `0` then octal
/// digits (`010` is 8).
fn c_octal(t: &str) -> Option<PyInt> {
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    (t.len() > 1 && t.starts_with('0') && t.bytes().all(|b| (b'0'..=b'7').contains(&b))).then(
        || PyInt {
            negative,
            radix: 8,
            digits: t.to_string(),
        },
    )
}

/// A `GET`/`PUT` memo key as CPython reads it (`int(text)` in base 10: blanks, a sign and `_`
/// separators allowed). Keys past `u64` (which only the pure-Python unpickler accepts, as
/// joblib's does) are kept as their digits, without leading zeros.
fn memo_key(l: &[u8], op: &'static str) -> Result<MemoKey, DecodeError> {
    let s = std::str::from_utf8(l).map_err(|_| bad(op, "memo index is not a number"))?;
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let Some(PyInt {
        negative, digits, ..
    }) = py_int(t, 10)
    else {
        return Err(bad(op, "memo index is not a number"));
    };
    let digits = digits.trim_start_matches('0');
    if negative && !digits.is_empty() {
        // Python's dict takes a negative key; keep it apart from every other key.
        return Ok(MemoKey::Big(format!("-{digits}").into()));
    }
    Ok(match digits.parse::<u64>() {
        Ok(v) => MemoKey::Index(v),
        Err(_) if digits.is_empty() => MemoKey::Index(0),
        Err(_) => MemoKey::Big(digits.into()),
    })
}

/// A text memo key: an index, or a key past `u64` (or negative) kept as its normalised digits.
enum MemoKey {
    Index(u64),
    Big(Box<str>),
}

/// A `FLOAT` argument as CPython reads it: `float(text)`, in which `_` may sit between digits
/// (the pure-Python unpickler, joblib's) and `inf`/`nan` are spelled in any case.
fn py_float(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    if let Ok(v) = t.parse::<f64>() {
        return Some(v);
    }
    let b = t.as_bytes();
    let separated = b.iter().enumerate().all(|(i, &c)| {
        c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    if !separated {
        return None;
    }
    t.replace('_', "").parse::<f64>().ok()
}

fn truncate(s: &str) -> String {
    crate::finding::truncate_chars(s, 64)
}

/// Decode a protocol-0 `STRING` argument: a Python `repr` of a byte string, quoted with `'` or
/// `"`, with backslash escapes.
fn string_literal(l: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let l = l.strip_suffix(b"\r").unwrap_or(l);
    if l.len() < 2 || l[0] != l[l.len() - 1] || !(l[0] == b'\'' || l[0] == b'"') {
        return Err(bad("STRING", "argument is not quoted"));
    }
    Ok(unescape(&l[1..l.len() - 1]))
}

/// Undo Python's `repr` escapes (`\\n`, `\\xNN`, octal, `\\'`), byte by byte.
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' || i + 1 == s.len() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let c = s[i + 1];
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut k = 0;
                while k < 2 && i < s.len() && (b'0'..=b'7').contains(&s[i]) {
                    v = v * 8 + u32::from(s[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'x' if i + 2 <= s.len() => {
                match u8::from_str_radix(&String::from_utf8_lossy(&s[i..i + 2]), 16) {
                    Ok(v) => out.push(v),
                    Err(_) => out.extend_from_slice(&s[i - 2..i + 2]),
                }
                i += 2;
            }
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' => out.push(c),
            _ => {
                out.push(b'\\');
                out.push(c);
            }
        }
    }
    out
}

/// Decode a protocol-0 `UNICODE` argument (raw-unicode-escape: `\\uXXXX`, `\\UXXXXXXXX`).
fn raw_unicode(l: &[u8]) -> String {
    let mut out = String::with_capacity(l.len());
    let mut i = 0;
    while i < l.len() {
        if l[i] == b'\\' && i + 1 < l.len() && (l[i + 1] == b'u' || l[i + 1] == b'U') {
            let n = if l[i + 1] == b'u' { 4 } else { 8 };
            if i + 2 + n <= l.len() {
                let hex = String::from_utf8_lossy(&l[i + 2..i + 2 + n]);
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                    i += 2 + n;
                    continue;
                }
            }
        }
        // raw-unicode-escape maps every other byte to the code point of the same value.
        out.push(char::from(l[i]));
        i += 1;
    }
    out
}

type TwoLines<'a> = (Cow<'a, str>, Cow<'a, str>, usize);

fn two_lines<'a>(buf: &'a [u8], pos: usize, op: &'static str) -> Result<TwoLines<'a>, DecodeError> {
    let a = line(buf, pos, op)?;
    let b = line(buf, pos + a.len() + 1, op)?;
    let m = String::from_utf8_lossy(a.strip_suffix(b"\r").unwrap_or(a));
    let n = String::from_utf8_lossy(b.strip_suffix(b"\r").unwrap_or(b));
    Ok((m, n, a.len() + b.len() + 2))
}

/// Decode the opcode at `pos`; returns it and the position after its argument.
///
/// Errors: [`DecodeError`] when the byte is no opcode, an argument is malformed, or the stream
/// ends inside the argument. Never allocates in proportion to an unverified length.
pub fn decode(buf: &[u8], pos: usize) -> Result<(Op<'_>, usize), DecodeError> {
    let Some(&code) = buf.get(pos) else {
        return Err(DecodeError::Eof);
    };
    let p = pos + 1;
    let ok = |op: Op<'static>, len: usize| Ok((op, p + len));
    match code {
        b'(' => ok(Op::Mark, 0),
        b'.' => ok(Op::Stop, 0),
        b'0' => ok(Op::Pop, 0),
        b'1' => ok(Op::PopMark, 0),
        b'2' => ok(Op::Dup, 0),
        b'F' => {
            let l = line(buf, p, "FLOAT")?;
            let s = String::from_utf8_lossy(l);
            let v = py_float(&s)
                .ok_or_else(|| bad("FLOAT", format!("not a float: {:?}", truncate(&s))))?;
            Ok((Op::Float(v), p + l.len() + 1))
        }
        b'I' => {
            let l = line(buf, p, "INT")?;
            Ok((text_int(l, "INT")?, p + l.len() + 1))
        }
        b'L' => {
            let l = line(buf, p, "LONG")?;
            Ok((text_int(l, "LONG")?, p + l.len() + 1))
        }
        b'J' => {
            let b = need(buf, p, 4, "BININT")?;
            ok(
                Op::Int(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
                4,
            )
        }
        b'K' => {
            let b = need(buf, p, 1, "BININT1")?;
            ok(Op::Int(i64::from(b[0])), 1)
        }
        b'M' => {
            let b = need(buf, p, 2, "BININT2")?;
            ok(Op::Int(i64::from(u16::from_le_bytes([b[0], b[1]]))), 2)
        }
        b'N' => ok(Op::None, 0),
        b'P' => {
            let l = line(buf, p, "PERSID")?;
            Ok((Op::Persid(l), p + l.len() + 1))
        }
        b'Q' => ok(Op::Binpersid, 0),
        b'R' => ok(Op::Reduce, 0),
        b'S' => {
            let l = line(buf, p, "STRING")?;
            Ok((Op::String(Cow::Owned(string_literal(l)?)), p + l.len() + 1))
        }
        b'T' => {
            let b = need(buf, p, 4, "BINSTRING")?;
            let n = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if n < 0 {
                return Err(bad("BINSTRING", "negative length"));
            }
            let s = need(buf, p + 4, n as u64, "BINSTRING")?;
            Ok((Op::String(Cow::Borrowed(s)), p + 4 + n as usize))
        }
        b'U' => {
            let b = need(buf, p, 1, "SHORT_BINSTRING")?;
            let s = need(buf, p + 1, u64::from(b[0]), "SHORT_BINSTRING")?;
            Ok((Op::String(Cow::Borrowed(s)), p + 1 + s.len()))
        }
        b'V' => {
            let l = line(buf, p, "UNICODE")?;
            Ok((Op::Unicode(Cow::Owned(raw_unicode(l))), p + l.len() + 1))
        }
        b'X' => {
            let b = need(buf, p, 4, "BINUNICODE")?;
            let n = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            let s = need(buf, p + 4, n, "BINUNICODE")?;
            Ok((Op::Unicode(String::from_utf8_lossy(s)), p + 4 + s.len()))
        }
        0x8c => {
            let b = need(buf, p, 1, "SHORT_BINUNICODE")?;
            let s = need(buf, p + 1, u64::from(b[0]), "SHORT_BINUNICODE")?;
            Ok((Op::Unicode(String::from_utf8_lossy(s)), p + 1 + s.len()))
        }
        0x8d => {
            let n = le_u64(need(buf, p, 8, "BINUNICODE8")?);
            let s = need(buf, p + 8, n, "BINUNICODE8")?;
            Ok((Op::Unicode(String::from_utf8_lossy(s)), p + 8 + s.len()))
        }
        b'B' => {
            let b = need(buf, p, 4, "BINBYTES")?;
            let n = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            let d = need(buf, p + 4, n, "BINBYTES")?;
            Ok((Op::Bytes(d), p + 4 + d.len()))
        }
        b'C' => {
            let b = need(buf, p, 1, "SHORT_BINBYTES")?;
            let n = u64::from(b[0]);
            let d = need(buf, p + 1, n, "SHORT_BINBYTES")?;
            Ok((Op::Bytes(d), p + 1 + d.len()))
        }
        0x8e | 0x96 => {
            let name = if code == 0x8e {
                "BINBYTES8"
            } else {
                "BYTEARRAY8"
            };
            let n = le_u64(need(buf, p, 8, name)?);
            let d = need(buf, p + 8, n, name)?;
            Ok((Op::Bytes(d), p + 8 + d.len()))
        }
        b'a' => ok(Op::Append, 0),
        b'b' => ok(Op::Build, 0),
        b'c' => {
            let (m, n, len) = two_lines(buf, p, "GLOBAL")?;
            Ok((Op::Global(m, n), p + len))
        }
        b'd' => ok(Op::Dict, 0),
        b'}' => ok(Op::EmptyDict, 0),
        b'e' => ok(Op::Appends, 0),
        b'g' => {
            let l = line(buf, p, "GET")?;
            let op = match memo_key(l, "GET")? {
                MemoKey::Index(v) => Op::Get(v),
                MemoKey::Big(k) => Op::GetKey(k),
            };
            Ok((op, p + l.len() + 1))
        }
        b'h' => {
            let b = need(buf, p, 1, "BINGET")?;
            ok(Op::Get(u64::from(b[0])), 1)
        }
        b'j' => {
            let b = need(buf, p, 4, "LONG_BINGET")?;
            ok(
                Op::Get(u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
                4,
            )
        }
        b'i' => {
            let (m, n, len) = two_lines(buf, p, "INST")?;
            Ok((Op::Inst(m, n), p + len))
        }
        b'l' => ok(Op::List, 0),
        b']' => ok(Op::EmptyList, 0),
        b'o' => ok(Op::Obj, 0),
        b'p' => {
            let l = line(buf, p, "PUT")?;
            let op = match memo_key(l, "PUT")? {
                MemoKey::Index(v) => Op::Put(v),
                MemoKey::Big(k) => Op::PutKey(k),
            };
            Ok((op, p + l.len() + 1))
        }
        b'q' => {
            let b = need(buf, p, 1, "BINPUT")?;
            ok(Op::Put(u64::from(b[0])), 1)
        }
        b'r' => {
            let b = need(buf, p, 4, "LONG_BINPUT")?;
            ok(
                Op::Put(u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
                4,
            )
        }
        b's' => ok(Op::Setitem, 0),
        b't' => ok(Op::Tuple, 0),
        b')' => ok(Op::EmptyTuple, 0),
        b'u' => ok(Op::Setitems, 0),
        b'G' => {
            let b = need(buf, p, 8, "BINFLOAT")?;
            let mut v = [0u8; 8];
            v.copy_from_slice(b);
            ok(Op::Binfloat(f64::from_be_bytes(v)), 8)
        }
        0x80 => {
            let b = need(buf, p, 1, "PROTO")?;
            ok(Op::Proto(b[0]), 1)
        }
        0x81 => ok(Op::Newobj, 0),
        0x82 => {
            let b = need(buf, p, 1, "EXT1")?;
            ok(Op::Ext(i64::from(b[0])), 1)
        }
        0x83 => {
            let b = need(buf, p, 2, "EXT2")?;
            ok(Op::Ext(i64::from(u16::from_le_bytes([b[0], b[1]]))), 2)
        }
        0x84 => {
            let b = need(buf, p, 4, "EXT4")?;
            ok(
                Op::Ext(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
                4,
            )
        }
        0x85 => ok(Op::Tuple1, 0),
        0x86 => ok(Op::Tuple2, 0),
        0x87 => ok(Op::Tuple3, 0),
        0x88 => ok(Op::Bool(true), 0),
        0x89 => ok(Op::Bool(false), 0),
        0x8a => {
            let b = need(buf, p, 1, "LONG1")?;
            let n = usize::from(b[0]);
            let d = need(buf, p + 1, n as u64, "LONG1")?;
            Ok((long_le(d), p + 1 + n))
        }
        0x8b => {
            let b = need(buf, p, 4, "LONG4")?;
            let n = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if n < 0 {
                return Err(bad("LONG4", "negative length"));
            }
            let d = need(buf, p + 4, n as u64, "LONG4")?;
            Ok((long_le(d), p + 4 + n as usize))
        }
        0x8f => ok(Op::EmptySet, 0),
        0x90 => ok(Op::Additems, 0),
        0x91 => ok(Op::Frozenset, 0),
        0x92 => ok(Op::NewobjEx, 0),
        0x93 => ok(Op::StackGlobal, 0),
        0x94 => ok(Op::Memoize, 0),
        0x95 => {
            let n = le_u64(need(buf, p, 8, "FRAME")?);
            ok(Op::Frame(n), 8)
        }
        0x97 => ok(Op::NextBuffer, 0),
        0x98 => ok(Op::ReadonlyBuffer, 0),
        other => Err(DecodeError::UnknownOpcode(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tester t29 K7: CPython reads text integers with `strtol`/`int(text, 0)` and memo keys
    /// with `int(text)`, so prefixes and `_` separators are numbers, not malformed input.
    #[test]
    fn text_numbers_are_read_as_cpython_reads_them() {
        fn one(b: &[u8]) -> Result<Op<'_>, DecodeError> {
            decode(b, 0).map(|(op, _)| op)
        }
        assert_eq!(one(b"I0x10\n"), Ok(Op::Int(16)));
        assert_eq!(one(b"I1_0\n"), Ok(Op::Int(10)));
        assert_eq!(one(b"I010\n"), Ok(Op::Int(8)));
        assert_eq!(one(b"I -0b11 \n"), Ok(Op::Int(-3)));
        assert_eq!(one(b"I01\n"), Ok(Op::Bool(true)));
        assert_eq!(one(b"L0x10L\n"), Ok(Op::Int(16)));
        assert_eq!(one(b"L0o_17\n"), Ok(Op::Int(15)));
        assert_eq!(
            one(b"L123456789012345678901234567890L\n"),
            Ok(Op::BigInt("123456789012345678901234567890".into()))
        );
        assert_eq!(one(b"g1_0\n"), Ok(Op::Get(10)));
        assert_eq!(one(b"p 007\n"), Ok(Op::Put(7)));
        assert_eq!(
            one(b"p18446744073709551616\n"),
            Ok(Op::PutKey("18446744073709551616".into()))
        );
        assert_eq!(one(b"g-1\n"), Ok(Op::GetKey("-1".into())));
        assert_eq!(one(b"F1_0.5\n"), Ok(Op::Float(10.5)));
        assert_eq!(one(b"Finf\n"), Ok(Op::Float(f64::INFINITY)));
        // What CPython refuses stays malformed.
        for bad in [
            &b"I1__0\n"[..],
            b"I_1\n",
            b"I1_\n",
            b"I0x\n",
            b"I08\n",
            b"L010L\n",
            b"g0x1\n",
            b"F1__0\n",
            b"F_1\n",
        ] {
            assert!(one(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn huge_binbytes8_is_truncated_not_allocated() {
        let mut b = vec![0x80, 4, 0x8e];
        b.extend_from_slice(&(4u64 << 30).to_le_bytes());
        b.extend_from_slice(&[0u8; 80]);
        let (op, p) = decode(&b, 0).expect("proto");
        assert_eq!(op, Op::Proto(4));
        match decode(&b, p) {
            Err(DecodeError::Truncated { op, needed, left }) => {
                assert_eq!(op, "BINBYTES8");
                assert_eq!(needed, 4 << 30);
                assert_eq!(left, 80);
            }
            other => panic!("expected truncation, got {other:?}"),
        }
    }

    #[test]
    fn long1_sign_extends() {
        assert_eq!(decode(&[0x8a, 1, 0xff], 0).expect("ok").0, Op::Int(-1));
        assert_eq!(
            decode(&[0x8a, 2, 0x00, 0x01], 0).expect("ok").0,
            Op::Int(256)
        );
    }

    #[test]
    fn protocol0_string_unescapes() {
        let (op, _) = decode(b"S'a\\x41\\'b'\n", 0).expect("ok");
        assert_eq!(op, Op::String(Cow::Owned(b"aA'b".to_vec())));
    }

    #[test]
    fn global_reads_two_lines() {
        let (op, p) = decode(b"cos\nsystem\n.", 0).expect("ok");
        assert_eq!(op, Op::Global(Cow::Borrowed("os"), Cow::Borrowed("system")));
        assert_eq!(p, 11);
    }
}
