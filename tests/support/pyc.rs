//! A `.pyc` assembler for tests: the PEP 552 header and a `marshal` stream of Python 3.11/3.12
//! code objects, written byte by byte (no Python runs).
#![allow(dead_code)]

pub const MAGIC_311: u16 = 3495;
pub const MAGIC_312: u16 = 3531;

pub fn short(s: &str) -> Vec<u8> {
    assert!(s.len() < 256 && s.is_ascii());
    let mut v = vec![b'z', s.len() as u8];
    v.extend_from_slice(s.as_bytes());
    v
}

pub fn bytes(b: &[u8]) -> Vec<u8> {
    let mut v = vec![b's'];
    v.extend_from_slice(&(b.len() as i32).to_le_bytes());
    v.extend_from_slice(b);
    v
}

pub fn tuple(items: &[Vec<u8>]) -> Vec<u8> {
    let mut v = vec![b'('];
    v.extend_from_slice(&(items.len() as i32).to_le_bytes());
    for i in items {
        v.extend_from_slice(i);
    }
    v
}

pub fn names(ns: &[&str]) -> Vec<u8> {
    tuple(&ns.iter().map(|n| short(n)).collect::<Vec<_>>())
}

/// A Python 3.11/3.12 code object (`Python/marshal.c` field order): `consts` are marshalled
/// objects, `co_names` the given names.
pub fn code(name: &str, consts: &[Vec<u8>], co_names: &[&str]) -> Vec<u8> {
    code_with_locals(name, consts, co_names, &[])
}

/// [`code`] with local variables (`co_localsplusnames`, each a plain local).
pub fn code_with_locals(
    name: &str,
    consts: &[Vec<u8>],
    co_names: &[&str],
    locals: &[&str],
) -> Vec<u8> {
    let mut v = vec![b'c' | 0x80];
    for _ in 0..5 {
        v.extend_from_slice(&0i32.to_le_bytes());
    }
    v.extend(bytes(b"\x97\x00d\x00S\x00"));
    v.extend(tuple(consts));
    v.extend(names(co_names));
    v.extend(names(locals)); // localsplusnames
    v.extend(bytes(&vec![0x20; locals.len()])); // localspluskinds: CO_FAST_LOCAL
    v.extend(short("<frozen x>"));
    v.extend(short(name));
    v.extend(short(name)); // qualname
    v.extend_from_slice(&1i32.to_le_bytes());
    v.extend(bytes(b"")); // linetable
    v.extend(bytes(b"")); // exceptiontable
    v
}

pub const MAGIC_38: u16 = 3413;

/// A Python 3.8 code object (six ints, `co_varnames`, `co_freevars`, `co_cellvars`, no
/// qualname or exception table).
pub fn code38(name: &str, consts: &[Vec<u8>], co_names: &[&str]) -> Vec<u8> {
    let mut v = vec![b'c' | 0x80];
    for _ in 0..6 {
        v.extend_from_slice(&0i32.to_le_bytes());
    }
    v.extend(bytes(b"d\x00S\x00"));
    v.extend(tuple(consts));
    v.extend(names(co_names));
    for _ in 0..3 {
        v.extend(names(&[]));
    }
    v.extend(short("<frozen x>"));
    v.extend(short(name));
    v.extend_from_slice(&1i32.to_le_bytes());
    v.extend(bytes(b"")); // lnotab
    v
}

pub fn header(magic: u16, flags: u32, size: u32) -> Vec<u8> {
    let mut v = magic.to_le_bytes().to_vec();
    v.extend_from_slice(b"\r\n");
    v.extend_from_slice(&flags.to_le_bytes());
    if flags & 1 == 1 {
        v.extend_from_slice(&[0x5a; 8]);
    } else {
        v.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        v.extend_from_slice(&size.to_le_bytes());
    }
    v
}

pub fn pyc(magic: u16, flags: u32, size: u32, body: Vec<u8>) -> Vec<u8> {
    let mut v = header(magic, flags, size);
    v.extend(body);
    v
}

/// `import os; os.system('echo airlock')` at module level.
pub fn evil_module() -> Vec<u8> {
    code(
        "<module>",
        &[vec![b'N'], short("echo airlock")],
        &["os", "system"],
    )
}

/// `VERSION = '1.0'`.
pub const BENIGN_SRC: &str = "VERSION = '1.0'\n";

pub fn benign_module() -> Vec<u8> {
    code("<module>", &[short("1.0"), vec![b'N']], &["VERSION"])
}
