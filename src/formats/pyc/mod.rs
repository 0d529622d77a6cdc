//! Python bytecode (`.pyc`): the PEP 552 header and a bounded reader of the `marshal` stream
//! after it, for the names and constants of every code object. Nothing is disassembled: what a
//! module's code can reach is judged from the names it uses (`co_names`) and its constants, as
//! the source analyser's vocabularies judge dotted names (`docs/rules/pyc-sourceless.md`).
//!
//! Whether a `.pyc` is a problem depends on the files beside it (a source, or none), which an
//! analyser never reads: [`analyse`] leaves a [`PycModule`] in `Ctx::pyc_modules`, and [`judge`]
//! decides once the siblings are known (the check stage for files on disk, `zip.rs` for a
//! wheel's members).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Severity};
use crate::rules::python as r;

mod source;

/// CPython refuses a marshal stream nested deeper than this (`MAX_MARSHAL_STACK_DEPTH` on
/// Linux, `Python/marshal.c`), so a deeper stream is broken, not hidden code.
const MAX_DEPTH: u32 = 2000;
/// Nesting read on the caller's stack; a deeper stream is read again on a thread of its own
/// with [`DEEP_STACK`] bytes of stack (real code nests a few dozen levels).
const SHALLOW_DEPTH: u32 = 200;
/// The stack of that thread (bytes): room for [`MAX_DEPTH`] levels in a debug build.
const DEEP_STACK: usize = 256 << 20;
/// Objects read per file (a 1 MiB pyc holds a few hundred thousand).
const MAX_OBJECTS: u64 = 4_000_000;
/// Strings and bytes kept per file for the judgement (bytes); the rest is read, not kept.
const MAX_KEPT: usize = 4 << 20;
/// Names and strings kept per file.
const MAX_ITEMS: usize = 65_536;

/// How CPython decides whether a `.pyc` is stale (PEP 552).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    /// The source's mtime and size (bytes) as recorded.
    Timestamp { mtime: u32, size: u32 },
    /// A hash of the source that CPython compares (flags 0b11).
    CheckedHash,
    /// A hash CPython never compares with the source (flags 0b01).
    UncheckedHash,
}

/// A `.pyc` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The magic number (`importlib.util.MAGIC_NUMBER` without `\r\n`).
    pub magic: u16,
    /// The Python version the magic belongs to (3.7 to 3.15).
    pub version: (u8, u8),
    /// The invalidation mode.
    pub invalidation: Invalidation,
}

/// The Python version of a magic number, by the ranges `Lib/importlib/_bootstrap_external.py`
/// allocates (alphas and betas included).
fn version_of(magic: u16) -> Option<(u8, u8)> {
    Some(match magic {
        3390..=3399 => (3, 7),
        3400..=3419 => (3, 8),
        3420..=3429 => (3, 9),
        3430..=3449 => (3, 10),
        3450..=3499 => (3, 11),
        3500..=3549 => (3, 12),
        3550..=3599 => (3, 13),
        3600..=3649 => (3, 14),
        3650..=3699 => (3, 15),
        _ => return None,
    })
}

/// The header of `data`, when it starts like a `.pyc` of Python 3.7 or later: a known magic,
/// `\r\n`, and flags 0, 1 or 3.
pub fn header(data: &[u8]) -> Option<Header> {
    if data.len() < 16 || &data[2..4] != b"\r\n" {
        return None;
    }
    let magic = u16::from_le_bytes([data[0], data[1]]);
    let version = version_of(magic)?;
    let u32_at = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
    let invalidation = match u32_at(4) {
        0 => Invalidation::Timestamp {
            mtime: u32_at(8),
            size: u32_at(12),
        },
        1 => Invalidation::UncheckedHash,
        3 => Invalidation::CheckedHash,
        _ => return None,
    };
    Some(Header {
        magic,
        version,
        invalidation,
    })
}

/// True when `data` sniffs as a `.pyc` ([`header`]).
pub fn looks_like(data: &[u8]) -> bool {
    header(data).is_some()
}

/// What the code objects of one part of a module use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Used {
    /// `co_names` (globals, attributes, imported modules), `co_name`s.
    pub names: BTreeSet<String>,
    /// Local, cell and free variable names (`co_varnames`, `co_cellvars`, `co_freevars`; 3.11+
    /// `co_localsplusnames`), each followed by `\n` (one allocation, not one per name: every
    /// `.pyc` of a scan waits for the check stage): compared with the source, never judged (a
    /// local named `system` reaches nothing).
    pub locals: String,
    /// String and bytes constants (bytes read as Latin-1), in order of reading.
    pub strings: Vec<String>,
}

/// One `.pyc` as its analysis left it for [`judge`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PycModule {
    /// Where it is.
    pub location: Location,
    /// Its header.
    pub header: Header,
    /// The module's own code (the first code object): what runs at import.
    pub top: Used,
    /// Every code object inside it (functions, classes' bodies, comprehensions).
    pub nested: Used,
    /// `co_filename` of the module's code.
    pub filename: Option<String>,
    /// True when the stream was read whole; false when it is damaged or a bound stopped it.
    pub complete: bool,
    /// True when a bound (not damage) stopped the reading: what was not read may run.
    pub bounded: bool,
}

/// A marshalled value, as far as names need it.
#[derive(Debug, Clone)]
enum Obj {
    Null,
    /// A string or bytes object: its span in the stream (read as text when it is kept).
    Str(usize, usize),
    Seq(Arc<[Obj]>),
    Code,
    Other,
}

/// Why a stream stopped.
enum Stop {
    Malformed(String),
    Bound(String),
    /// Deeper than the reader's `max_depth` when that is [`SHALLOW_DEPTH`].
    Deep,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    version: (u8, u8),
    max_depth: u32,
    /// Reading a field that is bytes nobody judges (bytecode, line and exception tables):
    /// skipped, not copied.
    lean: bool,
    refs: Vec<Obj>,
    objects: u64,
    kept: usize,
    deadline: Instant,
    /// Code objects being read, innermost last; index 0 is the module's.
    frames: u32,
    top: Used,
    nested: Used,
    filename: Option<String>,
}

type Res<T> = Result<T, Stop>;

fn malformed<T>(what: impl Into<String>) -> Res<T> {
    Err(Stop::Malformed(what.into()))
}

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Res<&[u8]> {
        let Some(end) = self.pos.checked_add(n).filter(|&e| e <= self.data.len()) else {
            return malformed(format!(
                "truncated: {} wanted at offset {}, {} left",
                plural(n, "byte"),
                self.pos,
                self.data.len().saturating_sub(self.pos)
            ));
        };
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Res<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn i32(&mut self) -> Res<i32> {
        let b = self.bytes(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A non-negative length (`r_long` then CPython's negative check).
    fn len(&mut self, what: &str) -> Res<usize> {
        let n = self.i32()?;
        if n < 0 {
            return malformed(format!(
                "negative {what} length {n} at offset {}",
                self.pos - 4
            ));
        }
        Ok(n as usize)
    }

    fn text(&mut self, n: usize) -> Res<Obj> {
        let start = self.pos;
        self.bytes(n)?;
        Ok(Obj::Str(start, n))
    }

    /// The text of a string object: invalid UTF-8 (CPython would refuse it for `str`, and
    /// bytes constants are not UTF-8) read as Latin-1.
    fn as_text(&self, start: usize, len: usize) -> std::borrow::Cow<'_, str> {
        let b = &self.data[start..start + len];
        match std::str::from_utf8(b) {
            Ok(s) => s.into(),
            Err(_) => b.iter().map(|&c| char::from(c)).collect::<String>().into(),
        }
    }

    fn seq(&mut self, n: usize, depth: u32) -> Res<Obj> {
        // Each item takes at least one byte: a count beyond what is left is a lie.
        if n > self.data.len() - self.pos {
            return malformed(format!("a sequence of {n} items at offset {}", self.pos));
        }
        let mut items = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            items.push(self.object(depth + 1)?);
        }
        Ok(Obj::Seq(items.into()))
    }

    fn object(&mut self, depth: u32) -> Res<Obj> {
        if depth > self.max_depth {
            if self.max_depth < MAX_DEPTH {
                return Err(Stop::Deep);
            }
            return malformed(format!(
                "nested deeper than {MAX_DEPTH} (CPython's marshal refuses it)"
            ));
        }
        self.objects += 1;
        if self.objects > MAX_OBJECTS {
            return Err(Stop::Bound(format!(
                "more than {MAX_OBJECTS} marshal objects"
            )));
        }
        if self.objects % 4096 == 0 && Instant::now() >= self.deadline {
            return Err(Stop::Bound("time per input".into()));
        }
        let at = self.pos;
        let code = self.u8()?;
        let flag_ref = code & 0x80 != 0;
        let slot = if flag_ref {
            self.refs.push(Obj::Other);
            Some(self.refs.len() - 1)
        } else {
            None
        };
        let obj = match code & 0x7f {
            b'0' => Obj::Null,
            b'N' | b'F' | b'T' | b'S' | b'.' => Obj::Other,
            b'i' => {
                self.bytes(4)?;
                Obj::Other
            }
            b'I' | b'g' => {
                self.bytes(8)?;
                Obj::Other
            }
            b'y' => {
                self.bytes(16)?;
                Obj::Other
            }
            b'f' => {
                let n = self.u8()? as usize;
                self.bytes(n)?;
                Obj::Other
            }
            b'x' => {
                for _ in 0..2 {
                    let n = self.u8()? as usize;
                    self.bytes(n)?;
                }
                Obj::Other
            }
            b'l' => {
                let n = self.i32()?.unsigned_abs() as usize;
                self.bytes(n.saturating_mul(2))?;
                Obj::Other
            }
            b's' if self.lean => {
                let n = self.len("string")?;
                self.bytes(n)?;
                Obj::Other
            }
            b's' | b't' | b'u' | b'a' | b'A' => {
                let n = self.len("string")?;
                self.text(n)?
            }
            b'z' | b'Z' => {
                let n = self.u8()? as usize;
                self.text(n)?
            }
            b'(' | b'[' | b'<' | b'>' => {
                let n = self.len("sequence")?;
                self.seq(n, depth)?
            }
            b')' => {
                let n = self.u8()? as usize;
                self.seq(n, depth)?
            }
            b'{' => {
                let mut items = Vec::new();
                loop {
                    let k = self.object(depth + 1)?;
                    if matches!(k, Obj::Null) {
                        break;
                    }
                    items.push(k);
                    items.push(self.object(depth + 1)?);
                }
                Obj::Seq(items.into())
            }
            // A slice constant (Python 3.14).
            b':' => self.seq(3, depth)?,
            b'r' => {
                let i = self.i32()?;
                match usize::try_from(i).ok().and_then(|i| self.refs.get(i)) {
                    Some(o) => o.clone(),
                    None => {
                        return malformed(format!(
                            "reference {i} to an unknown object at offset {at}"
                        ))
                    }
                }
            }
            b'c' => self.code(depth)?,
            other => {
                return malformed(format!(
                    "unknown marshal type {:?} (0x{:02x}) at offset {at}",
                    char::from(other),
                    code
                ))
            }
        };
        if let Some(i) = slot {
            self.refs[i] = obj.clone();
        }
        Ok(obj)
    }

    /// An object whose bytes are not judged (a `bytes` field of a code object).
    fn lean_object(&mut self, depth: u32) -> Res<Obj> {
        let was = std::mem::replace(&mut self.lean, true);
        let r = self.object(depth);
        self.lean = was;
        r
    }

    /// A code object: its fields as `Python/marshal.c` reads them for this version.
    fn code(&mut self, depth: u32) -> Res<Obj> {
        let minor = self.version.1;
        // argcount, posonlyargcount (3.8+), kwonlyargcount, nlocals (before 3.11), stacksize,
        // flags.
        let ints = match minor {
            7 => 5,
            8..=10 => 6,
            _ => 5,
        };
        self.bytes(4 * ints)?;
        let frame = self.frames;
        self.frames += 1;
        let result = self.code_fields(depth, frame);
        self.frames -= 1;
        result.map(|()| Obj::Code)
    }

    fn code_fields(&mut self, depth: u32, frame: u32) -> Res<()> {
        let minor = self.version.1;
        self.lean_object(depth + 1)?; // code
        let consts = self.object(depth + 1)?;
        let names = self.object(depth + 1)?;
        // varnames, freevars, cellvars; or localsplusnames, localspluskinds (3.11+).
        let mut locals = Vec::new();
        if minor >= 11 {
            locals.push(self.object(depth + 1)?); // localsplusnames
            self.lean_object(depth + 1)?; // localspluskinds
        } else {
            for _ in 0..3 {
                locals.push(self.object(depth + 1)?);
            }
        }
        let filename = self.object(depth + 1)?;
        let name = self.object(depth + 1)?;
        if minor >= 11 {
            self.object(depth + 1)?; // qualname
        }
        self.bytes(4)?; // firstlineno
        self.lean_object(depth + 1)?; // lnotab / linetable
        if minor >= 11 {
            self.lean_object(depth + 1)?; // exceptiontable
        }
        if frame == 0 && self.filename.is_none() {
            if let Obj::Str(a, n) = filename {
                self.filename = Some(self.as_text(a, n).into_owned());
            }
        }
        let mut add_names = Vec::new();
        if let Obj::Seq(items) = &names {
            for n in items.iter() {
                if let Obj::Str(a, n) = *n {
                    add_names.push((a, n));
                }
            }
        }
        if let Obj::Str(a, n) = name {
            add_names.push((a, n));
        }
        let mut add_locals = Vec::new();
        for l in &locals {
            if let Obj::Seq(items) = l {
                for n in items.iter() {
                    if let Obj::Str(a, n) = *n {
                        add_locals.push((a, n));
                    }
                }
            }
        }
        let mut strings = Vec::new();
        collect_strings(&consts, &mut strings, 0);
        let data = self.data;
        let text = |(a, n): (usize, usize)| -> std::borrow::Cow<'_, str> {
            let b = &data[a..a + n];
            match std::str::from_utf8(b) {
                Ok(s) => s.into(),
                Err(_) => b.iter().map(|&c| char::from(c)).collect::<String>().into(),
            }
        };
        let kept = &mut self.kept;
        let used = if frame == 0 {
            &mut self.top
        } else {
            &mut self.nested
        };
        for span in add_names {
            let s = text(span);
            if used.names.len() < MAX_ITEMS && !used.names.contains(&*s) {
                *kept += s.len();
                used.names.insert(s.into_owned());
            }
        }
        for span in add_locals {
            if *kept + span.1 > MAX_KEPT {
                break;
            }
            *kept += span.1;
            used.locals.push_str(&text(span));
            used.locals.push('\n');
        }
        for span in strings {
            if *kept + span.1 > MAX_KEPT || used.strings.len() >= MAX_ITEMS {
                break;
            }
            *kept += span.1;
            used.strings.push(text(span).into_owned());
        }
        Ok(())
    }
}

/// String constants in a constant (tuples and frozensets of strings included), a few levels
/// deep; code objects were collected when they were read.
fn collect_strings(o: &Obj, out: &mut Vec<(usize, usize)>, depth: u32) {
    match o {
        Obj::Str(a, n) => out.push((*a, *n)),
        Obj::Seq(items) if depth < 4 => {
            for i in items.iter().take(MAX_ITEMS) {
                collect_strings(i, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn empty(data: &[u8], version: (u8, u8), deadline: Instant, max_depth: u32) -> Reader<'_> {
    Reader {
        data,
        pos: 16,
        version,
        max_depth,
        lean: false,
        refs: Vec::new(),
        objects: 0,
        kept: 0,
        deadline,
        frames: 0,
        top: Used::default(),
        nested: Used::default(),
        filename: None,
    }
}

/// Read the marshal stream after the header, nested at most `max_depth` deep.
fn read(
    data: &[u8],
    version: (u8, u8),
    deadline: Instant,
    max_depth: u32,
) -> (Reader<'_>, Res<()>) {
    let mut rd = empty(data, version, deadline, max_depth);
    let first = data.get(16).map(|b| b & 0x7f);
    let result = if first == Some(b'c') {
        rd.object(0).map(|_| ())
    } else {
        malformed(match first {
            None => "no code object after the header".to_string(),
            Some(b) => format!("the stream starts with marshal type 0x{b:02x}, not a code object"),
        })
    };
    (rd, result)
}

/// Read `data` (a whole `.pyc`): findings for a damaged stream or a bound, and the module left
/// in `Ctx::pyc_modules` for [`judge`].
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    let Some(header) = header(data) else {
        return;
    };
    let (major, minor) = header.version;
    ctx.fact(loc, "pyc.python", format!("{major}.{minor}"));
    let deadline = ctx.budget.deadline;
    let (rd, result) = match read(data, header.version, deadline, SHALLOW_DEPTH) {
        (_, Err(Stop::Deep)) => {
            // Read again where the stack has room for CPython's whole depth.
            let deep = std::thread::scope(|s| {
                std::thread::Builder::new()
                    .stack_size(DEEP_STACK)
                    .spawn_scoped(s, || read(data, header.version, deadline, MAX_DEPTH))
                    .ok()
                    .and_then(|h| h.join().ok())
            });
            match deep {
                Some(r) => r,
                None => (
                    empty(data, header.version, deadline, MAX_DEPTH),
                    Err(Stop::Bound(format!("nesting deeper than {SHALLOW_DEPTH}"))),
                ),
            }
        }
        r => r,
    };
    let complete = result.is_ok();
    let bounded = matches!(result, Err(Stop::Bound(_)));
    match result {
        Ok(()) => {}
        Err(Stop::Malformed(why)) => ctx.emit(
            Finding::builder(&r::pyc_malformed::RULE, loc.clone())
                .message("the marshal stream of this .pyc is damaged; CPython cannot load it")
                .evidence(format!(
                    "Python {major}.{minor} (magic {}): {why}",
                    header.magic
                ))
                .build(),
        ),
        // `read` answers `Deep` only below `MAX_DEPTH`, which the second reading has.
        Err(Stop::Deep) => {}
        Err(Stop::Bound(bound)) => ctx.limit_at(
            Severity::Info,
            loc,
            &bound,
            "the rest of the .pyc's marshal stream",
        ),
    }
    ctx.pyc_modules.push(PycModule {
        location: loc.clone(),
        header,
        top: rd.top,
        nested: rd.nested,
        filename: rd.filename,
        complete,
        bounded,
    });
}

// ---------------------------------------------------------------------------------------------
// What a module's names reach.

/// Modules (first dotted part) whose attributes the source analyser's vocabularies judge.
const ROOTS: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "pty",
    "platform",
    "commands",
    "asyncio",
    "socket",
    "ssl",
    "urllib",
    "urllib2",
    "urllib3",
    "requests",
    "httpx",
    "aiohttp",
    "http",
    "httplib",
    "smtplib",
    "ftplib",
    "telnetlib",
    "webbrowser",
    "xmlrpc",
    "pycurl",
    "dns",
    "ctypes",
    "builtins",
    "runpy",
    "code",
    "codeop",
    "base64",
    "binascii",
    "codecs",
    "marshal",
    "zlib",
    "bz2",
    "lzma",
    "gzip",
    "types",
    "boto3",
    "paramiko",
];

/// One thing a module's names reach.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reach {
    /// How bad it is: 3 process, network, exec of decoded data or a credential path; 2 `exec`
    /// or `__import__` alone.
    pub weight: u8,
    /// What, as evidence (`os.system`, `exec + b64decode`, `~/.aws/credentials`).
    pub what: String,
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
}

/// What `used` reaches: dotted names made of a module it names (by `import`, by a string
/// handed to `__import__`) and an attribute it names, judged by the source analyser's
/// vocabularies; `exec`/`eval` and decoders; credential paths among its strings.
pub fn reaches(used: &Used) -> Vec<Reach> {
    let mut out = BTreeSet::new();
    let attrs: BTreeSet<&str> = used
        .names
        .iter()
        .map(String::as_str)
        .chain(
            used.strings
                .iter()
                .map(String::as_str)
                .filter(|s| is_ident(s)),
        )
        .collect();
    let mut modules: BTreeSet<&str> = BTreeSet::new();
    for n in used.names.iter().map(String::as_str).chain(
        used.strings
            .iter()
            .map(String::as_str)
            .filter(|s| s.len() <= 64),
    ) {
        let root = n.split('.').next().unwrap_or(n);
        if ROOTS.contains(&root) {
            modules.insert(n);
            modules.insert(root);
        }
    }
    let sink =
        |n: &str| crate::formats::python::is_process(n) || crate::formats::python::is_network(n);
    for a in &attrs {
        // A name judged by itself (`urlopen`, `sendmail`) is not paired.
        if sink(a) {
            out.insert(Reach {
                weight: 3,
                what: (*a).to_string(),
            });
        }
    }
    for m in &modules {
        for a in &attrs {
            if a == m || sink(a) || modules.contains(a) {
                continue;
            }
            // `os.exec*` are these eight functions, not any name that starts with `exec`.
            if a.starts_with("exec")
                && !matches!(
                    *a,
                    "execl"
                        | "execle"
                        | "execlp"
                        | "execlpe"
                        | "execv"
                        | "execve"
                        | "execvp"
                        | "execvpe"
                )
            {
                continue;
            }
            let name = format!("{m}.{a}");
            if sink(&name) {
                out.insert(Reach {
                    weight: 3,
                    what: name,
                });
            }
        }
    }
    let names = |n: &str| used.names.contains(n);
    // Without disassembly a name is a global or an attribute alike: `eval` and `compile` are
    // also `model.eval()` and `re.compile`, so they count only beside a decoder.
    let exec = ["exec", "eval", "compile", "__import__"]
        .into_iter()
        .filter(|n| names(n))
        .collect::<Vec<_>>();
    let alone = |e: &str| matches!(e, "exec" | "__import__");
    let decoders = attrs
        .iter()
        .filter(|a| crate::formats::python::is_decoder(a) || **a == "loads" && names("marshal"))
        .copied()
        .collect::<Vec<_>>();
    let runner = exec.iter().find(|e| **e != "__import__");
    match (runner, decoders.first()) {
        (Some(e), Some(d)) => {
            out.insert(Reach {
                weight: 3,
                what: format!("{e} + {d}"),
            });
        }
        _ => {
            if let Some(e) = exec.iter().find(|e| alone(e)) {
                out.insert(Reach {
                    weight: 2,
                    what: (*e).to_string(),
                });
            }
        }
    }
    for s in used.strings.iter().take(MAX_ITEMS) {
        if s.len() > 4096 {
            continue;
        }
        if let Some(c) = crate::formats::python::credential_in(s) {
            out.insert(Reach {
                weight: 3,
                what: format!("credential path {c}"),
            });
        }
    }
    let mut v: Vec<Reach> = out.into_iter().collect();
    v.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.what.cmp(&b.what)));
    v.truncate(8);
    v
}

fn describe(reach: &[Reach]) -> String {
    reach
        .iter()
        .map(|r| r.what.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Judging a `.pyc` by the files beside it.

/// The files beside the `.pyc`s judged together: a folder tree on disk, a wheel's members.
pub trait Siblings {
    /// The size of the file at `loc` (bytes), or `None` when there is none.
    fn size(&mut self, loc: &Location) -> Option<u64>;
    /// The bytes of the file at `loc` (a source), or `None` when it cannot be read.
    fn read(&mut self, loc: &Location) -> Option<Vec<u8>>;
}

/// Files on disk.
pub struct Disk;

impl Siblings for Disk {
    fn size(&mut self, loc: &Location) -> Option<u64> {
        if !loc.members.is_empty() {
            return None;
        }
        // Followed: a source that is a link to a file is still imported.
        let m = std::fs::metadata(&loc.path).ok()?;
        m.is_file().then_some(m.len())
    }

    fn read(&mut self, loc: &Location) -> Option<Vec<u8>> {
        if !loc.members.is_empty() {
            return None;
        }
        let m = std::fs::metadata(&loc.path).ok()?;
        if m.len() > crate::formats::python::MAX_SOURCE as u64 {
            return None;
        }
        std::fs::read(&loc.path).ok()
    }
}

/// The path of `loc` (its innermost member, or the file), `/`-separated.
fn path_of(loc: &Location) -> String {
    match loc.members.last() {
        Some(m) => m.clone(),
        None => loc.path.to_string_lossy().replace('\\', "/"),
    }
}

/// `loc` with its path (innermost member, or the file) replaced by `path`.
fn with_path(loc: &Location, path: &str) -> Location {
    let mut l = loc.clone();
    l.span = None;
    match l.members.last_mut() {
        Some(m) => *m = path.to_string(),
        None => l.path = path.into(),
    }
    l
}

/// Where the source of a `.pyc` would be, and whether the `.pyc` sits in `__pycache__` (a
/// cache CPython uses only beside its source) or where the module itself would be (a sourceless
/// module, which CPython imports: `SourcelessFileLoader`).
fn source_of(path: &str) -> Option<(String, bool)> {
    let (dir, base) = match path.rsplit_once('/') {
        Some((d, b)) => (Some(d), b),
        None => (None, path),
    };
    let stem = base.strip_suffix(".pyc")?;
    let join = |d: Option<&str>, f: &str| d.map_or(f.to_string(), |d| format!("{d}/{f}"));
    match dir.and_then(|d| {
        d.strip_suffix("__pycache__")
            .filter(|p| p.is_empty() || p.ends_with('/'))
    }) {
        Some(parent) => {
            // `<name>.<cache tag>[.opt-N].pyc`: the module is the name before the first dot.
            let (module, _tag) = stem.split_once('.')?;
            let parent = parent.strip_suffix('/');
            Some((join(parent, &format!("{module}.py")), true))
        }
        // A name with a dot is no module name: the import system never finds it.
        None if is_ident(stem) => Some((join(dir, &format!("{stem}.py")), false)),
        None => None,
    }
}

/// Judge every `.pyc` of one space by the files beside it; findings carry the index of the
/// module in `modules`.
pub fn judge(modules: &[PycModule], siblings: &mut dyn Siblings) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        let Some((source, cached)) = source_of(&path_of(&m.location)) else {
            continue;
        };
        let source_loc = with_path(&m.location, &source);
        let size = siblings.size(&source_loc);
        // A legacy-location pyc beside its `.py` (or `.pyw`) is never imported: the source
        // loader comes first.
        if !cached {
            let windows = with_path(&m.location, &format!("{source}w"));
            if size.is_none() && siblings.size(&windows).is_none() {
                out.push((i, sourceless(m)));
            }
            continue;
        }
        // A cached pyc without its source is never imported.
        let Some(size) = size else {
            continue;
        };
        if m.header.invalidation == Invalidation::UncheckedHash {
            out.push((
                i,
                Finding::builder(&r::pyc_unchecked_hash::RULE, m.location.clone())
                    .message("an unchecked hash-based .pyc: CPython runs it without comparing it with the source beside it")
                    .evidence(format!("PEP 552 flags 0b01 beside {source}"))
                    .build(),
            ));
        }
        if let Invalidation::Timestamp { size: recorded, .. } = m.header.invalidation {
            // CPython compiles the source again when the recorded size differs: a stale
            // cache runs nothing.
            if u64::from(recorded) != size & 0xffff_ffff {
                continue;
            }
        }
        let Some(text) = siblings.read(&source_loc) else {
            continue;
        };
        if let Some(f) = mismatch(m, &text, &source) {
            out.push((i, f));
        }
    }
    out
}

fn version(m: &PycModule) -> String {
    format!("Python {}.{}", m.header.version.0, m.header.version.1)
}

fn sourceless(m: &PycModule) -> Finding {
    let top = reaches(&m.top);
    let nested = reaches(&m.nested);
    let at_load = top.iter().any(|r| r.weight >= 2);
    let (severity, message, reach) = if at_load {
        (
            Severity::High,
            "a sourceless module: CPython imports this .pyc, and its module code reaches a process, the network, exec or a credential path at import",
            top,
        )
    } else if m.bounded || nested.iter().any(|r| r.weight >= 2) {
        (
            Severity::Medium,
            "a sourceless module: CPython imports this .pyc, and its functions reach a process, the network, exec or a credential path",
            nested,
        )
    } else {
        (
            Severity::Low,
            "a sourceless module: CPython imports this .pyc, and there is no source to review",
            Vec::new(),
        )
    };
    let mut evidence = version(m);
    if !reach.is_empty() {
        evidence.push_str(&format!("; names: {}", describe(&reach)));
    }
    if !m.complete {
        evidence.push_str("; stream not read whole");
    }
    Finding::builder(&r::pyc_sourceless::RULE, m.location.clone())
        .severity(severity)
        .message(message)
        .evidence(evidence)
        .build()
}

/// Names a compiler puts in code whatever the source says.
fn compiler_name(s: &str) -> bool {
    (s.starts_with("__") && s.ends_with("__"))
        || s.starts_with('<')
        || s.starts_with('.')
        || s.is_empty()
        || !s.is_ascii()
}

/// Names CPython's compiler (`Python/compile.c`, 3.12+ `Python/codegen.c`) loads by name for
/// a construct of the source whose text does not spell them.
fn added_name(n: &str, version: (u8, u8), src: &source::Source) -> bool {
    match n {
        // `compiler_joined_str`: an f-string of more than `STACK_USE_GUIDELINE` (30) pieces
        // is built as `''.join([...])` (3.10+).
        "join" => version >= (3, 10) && src.fstring,
        // `compiler_assert` loaded `AssertionError` with `LOAD_GLOBAL` until 3.9 made it
        // `LOAD_ASSERTION_ERROR`.
        "AssertionError" => version < (3, 9) && src.assert,
        // `compiler_async_for` (3.7) compared the exception with `StopAsyncIteration` by name
        // until 3.8 added `END_ASYNC_FOR`.
        "StopAsyncIteration" => version < (3, 8) && src.asynchronous,
        _ => false,
    }
}

/// Words of string constants CPython writes for a construct of the source whose text does not
/// spell them.
fn added_word(w: &str, version: (u8, u8), src: &source::Source) -> bool {
    // `from __future__ import annotations` keeps an annotation as text; 3.7 and 3.8 write a
    // tuple the optimiser folded (`Literal[..., 0]` → `Literal[(Ellipsis, 0)]`) with
    // the constant's repr (`Python/ast_unparse.c`).
    w == "Ellipsis" && version < (3, 9) && src.ellipsis
}

/// Local names CPython adds whatever the source says: 3.14's `__annotate__` functions take a
/// parameter named `format` (PEP 649).
fn added_local(n: &str, version: (u8, u8)) -> bool {
    n == "format" && version >= (3, 14)
}

/// Words of a string constant a source must hold: ASCII identifier-like runs of 3 to 32
/// characters starting with a letter (`<locals>` of old qualnames dropped). Longer runs are
/// skipped: implicit concatenation joins pieces of a long blob across source lines.
fn string_words(s: &str, out: &mut Vec<String>) {
    for w in s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if (3..=32).contains(&w.len())
            && w.as_bytes()[0].is_ascii_alphabetic()
            && !matches!(
                w,
                "locals"
                    | "lambda"
                    | "listcomp"
                    | "genexpr"
                    | "setcomp"
                    | "dictcomp"
                    | "module"
                    // The key of a return annotation.
                    | "return"
            )
        {
            out.push(w.to_string());
        }
    }
}

/// FNV-1a, for the short words of a source (SipHash costs more than the rest of the check).
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The name a mangled private name was written as (`__attr` for `_Class__attr`).
fn mangled(w: &str) -> Option<&str> {
    let rest = w.strip_prefix('_')?;
    let i = rest.find("__").filter(|&i| i > 0)?;
    Some(&rest[i..])
}

/// True when a word of a string constant is a repetition (`"a" * 10` folds to `aaaaaaaaaa`).
fn periodic(w: &str) -> bool {
    let b = w.as_bytes();
    (1..=b.len() / 2).any(|p| b.len() % p == 0 && b.chunks(p).all(|c| c == &b[..p]))
}

/// Whether a string constant holds an ASCII word (a run of letters, digits and `_` not touching
/// a non-ASCII character) that is not an identifier of the code: such text came from a literal.
fn words_beyond_code(s: &str, has: &dyn Fn(&str, u8) -> bool) -> bool {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && w.is_ascii() && w.as_bytes()[0].is_ascii_alphabetic())
        .filter(|w| {
            !matches!(
                *w,
                "locals" | "lambda" | "listcomp" | "genexpr" | "setcomp" | "dictcomp" | "module"
            )
        })
        .any(|w| !has(w, AS_IDENT))
}

/// Whether a string constant reads as the text of an annotation (`Literal['a', 'b'] | None`,
/// `t.Callable[..., int]`): names, quoted strings, brackets, dots, commas, `|`; and at least
/// one bracket, dot, quote or `|`, which a command or a message in words does not need.
fn annotation_like(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"_[](),.|'\" -:*".contains(&c))
        && s.bytes().any(|c| b"[].|'\"".contains(&c))
}

/// How a word of the `.pyc` was met in its source.
const AS_IDENT: u8 = 1;
/// As a whole literal value ([`source::Token::Whole`]).
const AS_WHOLE: u8 = 2;
/// As a word of a literal's decoded value.
const AS_LITERAL_WORD: u8 = 4;

/// The names and string words of `m` that `src` does not hold, or `None` when it holds all.
///
/// Three kinds of word, each met by one kind of source token ([`source::read`]):
/// - names (`co_names`, `co_name`, locals; dotted import names split at the dots) must be
///   identifiers of the source's code, never words of its strings, comments or docstrings
///   (a docstring saying "os" and "system" does not make `os.system` the source's);
/// - a string constant that is one identifier-like word (`'os'`, `'system'`: what
///   [`reaches`] reads as module and attribute names) must be an identifier of the code or a
///   whole literal value (decoded, concatenated, an f-string or `%`-format piece);
/// - other words of string constants must be identifiers or words inside a literal's
///   decoded value (`b"\x7fELF"` holds `ELF`).
fn mismatch(m: &PycModule, src: &[u8], source: &str) -> Option<Finding> {
    // The module's words, each once, looked up while the source's tokens go by: one hash per
    // token, no set of the source built.
    let mut names: Vec<&str> = Vec::new();
    let mut locals: Vec<&str> = Vec::new();
    let mut strings: Vec<String> = Vec::new();
    let mut wholes: Vec<&str> = Vec::new();
    for used in [&m.top, &m.nested] {
        for n in &used.names {
            names.extend(n.split('.').filter(|p| !compiler_name(p)));
        }
        locals.extend(used.locals.lines().filter(|p| !compiler_name(p)));
        for s in &used.strings {
            string_words(s, &mut strings);
            if s.len() >= 2 && is_ident(s) && !compiler_name(s) && s != "return" {
                wholes.push(s);
            }
        }
    }
    let mut index: std::collections::HashMap<&[u8], usize, std::hash::BuildHasherDefault<Fnv>> =
        Default::default();
    for w in names
        .iter()
        .chain(&locals)
        .chain(&wholes)
        .copied()
        .chain(strings.iter().map(String::as_str))
    {
        let next = index.len();
        index.entry(w.as_bytes()).or_insert(next);
        // A private name in a class body is mangled: `_Class__attr` for `__attr`.
        if let Some(suffix) = mangled(w) {
            let next = index.len();
            index.entry(suffix.as_bytes()).or_insert(next);
        }
    }
    // Phrases: string constants of more than one word, looked up whole (whitespace aside: 3.13
    // dedents docstrings) among the source's literal values.
    let phrases: Vec<&str> = [&m.top, &m.nested]
        .into_iter()
        .flat_map(|u| u.strings.iter())
        .map(String::as_str)
        .filter(|s| !is_ident(s) && s.len() <= 4096)
        .collect();
    let squeeze = |b: &[u8], out: &mut Vec<u8>| {
        out.clear();
        out.extend(b.iter().copied().filter(|c| c.is_ascii_graphic()));
    };
    let mut phrase_index: std::collections::HashMap<
        Vec<u8>,
        usize,
        std::hash::BuildHasherDefault<Fnv>,
    > = Default::default();
    let mut buf = Vec::new();
    for p in &phrases {
        squeeze(p.as_bytes(), &mut buf);
        let next = phrase_index.len();
        phrase_index.entry(buf.clone()).or_insert(next);
    }
    let mut phrase_met = vec![false; phrase_index.len()];
    let mut met = vec![0u8; index.len()];
    let text = source::read(src, &mut |t| {
        let (w, how) = match t {
            source::Token::Ident(w) => (w, AS_IDENT),
            source::Token::Whole(w) => (w, AS_WHOLE),
        };
        if let Some(&i) = index.get(w) {
            met[i] |= how;
        }
        if !phrase_index.is_empty() {
            squeeze(w, &mut buf);
            if let Some(&i) = phrase_index.get(&buf) {
                phrase_met[i] = true;
            }
        }
    });
    for w in text
        .literals
        .split(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
    {
        if let Some(&i) = index.get(w) {
            met[i] |= AS_LITERAL_WORD;
        }
    }
    let has = |w: &str, how: u8| {
        let at = |w: &str| index.get(w.as_bytes()).is_some_and(|&i| met[i] & how != 0);
        at(w) || mangled(w).is_some_and(at)
    };
    let minor = m.header.version;
    let missing_names: BTreeSet<String> = names
        .iter()
        .filter(|n| !has(n, AS_IDENT) && !added_name(n, minor, &text))
        .chain(
            locals
                .iter()
                .filter(|n| !has(n, AS_IDENT) && !added_local(n, minor)),
        )
        .map(|n| (*n).to_string())
        .collect();
    let missing_words: BTreeSet<String> = strings
        .iter()
        .filter(|w| {
            !has(w, AS_IDENT | AS_LITERAL_WORD)
                && !periodic(w)
                && !added_word(w, minor, &text)
                // Inside a word of a literal: `'%sType'` compiles to a piece `Type`.
                && memchr::memmem::find(&text.literals, w.as_bytes()).is_none()
        })
        .cloned()
        .chain(
            wholes
                .iter()
                .filter(|w| !has(w, AS_IDENT | AS_WHOLE) && !periodic(w))
                .map(|w| (*w).to_string()),
        )
        .collect();
    let mut missing_phrases: BTreeSet<String> = BTreeSet::new();
    for p in &phrases {
        if missing_phrases.len() >= 8 {
            break;
        }
        squeeze(p.as_bytes(), &mut buf);
        if phrase_index.get(&buf).is_some_and(|&i| phrase_met[i]) {
            continue;
        }
        // Text made of the code's identifiers (a qualname, `k=` of an f-string) is no phrase
        // of a literal; nor is the text of a postponed annotation.
        if !words_beyond_code(p, &has) || (text.postponed_annotations && annotation_like(p)) {
            continue;
        }
        missing_phrases.insert(format!("{:?}", crate::finding::truncate_chars(p, 40)));
    }
    if missing_names.is_empty() && missing_words.is_empty() && missing_phrases.is_empty() {
        return None;
    }
    let reach: Vec<Reach> = reaches(&m.top)
        .into_iter()
        .chain(reaches(&m.nested))
        .filter(|r| r.weight >= 2)
        .collect();
    let unchecked = m.header.invalidation == Invalidation::UncheckedHash;
    let checked = m.header.invalidation == Invalidation::CheckedHash;
    let severity = if checked {
        // CPython compares the hash and compiles the source instead.
        Severity::Low
    } else if reach.iter().any(|r| r.weight >= 3) {
        Severity::High
    } else {
        Severity::Medium
    };
    let sample = |s: &BTreeSet<String>| {
        let v: Vec<&str> = s.iter().take(8).map(String::as_str).collect();
        let more = s.len().saturating_sub(8);
        if more > 0 {
            format!("{} and {more} more", v.join(", "))
        } else {
            v.join(", ")
        }
    };
    let mut evidence = format!("{} ", version(m));
    evidence.push_str(match m.header.invalidation {
        Invalidation::Timestamp { .. } => "timestamp pyc whose recorded size matches the source",
        Invalidation::UncheckedHash => "unchecked hash-based pyc",
        Invalidation::CheckedHash => "checked hash-based pyc",
    });
    evidence.push_str(&format!("; not in {source}:"));
    if !missing_names.is_empty() {
        evidence.push_str(&format!(" names {}", sample(&missing_names)));
    }
    if !missing_words.is_empty() {
        evidence.push_str(&format!(" strings {}", sample(&missing_words)));
    }
    if !missing_phrases.is_empty() {
        evidence.push_str(&format!(" text {}", sample(&missing_phrases)));
    }
    if !reach.is_empty() {
        evidence.push_str(&format!("; reaches {}", describe(&reach)));
    }
    let message = if checked {
        "this cached .pyc was not compiled from the source beside it (CPython checks its hash and compiles the source instead)"
    } else if unchecked {
        "this cached .pyc was not compiled from the source beside it, and CPython runs it instead of the source"
    } else {
        "this cached .pyc was not compiled from the source beside it; its header matches the source, so CPython runs the .pyc instead"
    };
    Some(
        Finding::builder(&r::pyc_source_mismatch::RULE, m.location.clone())
            .severity(severity)
            .message(message)
            .evidence(evidence)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_paths() {
        assert_eq!(
            source_of("a/b/__pycache__/core.cpython-311.pyc"),
            Some(("a/b/core.py".into(), true))
        );
        assert_eq!(
            source_of("__pycache__/core.cpython-311.opt-1.pyc"),
            Some(("core.py".into(), true))
        );
        assert_eq!(source_of("a/core.pyc"), Some(("a/core.py".into(), false)));
        assert_eq!(source_of("a/core.cpython-311.pyc"), None);
        assert_eq!(
            source_of("a/x__pycache__/c.cpython-311.pyc").map(|s| s.1),
            None
        );
    }

    fn module(names: &[&str], strings: &[&str]) -> PycModule {
        PycModule {
            location: Location::file("m.pyc"),
            header: Header {
                magic: 3495,
                version: (3, 11),
                invalidation: Invalidation::Timestamp { mtime: 0, size: 0 },
            },
            top: Used {
                names: names.iter().map(|s| s.to_string()).collect(),
                locals: String::new(),
                strings: strings.iter().map(|s| s.to_string()).collect(),
            },
            nested: Used::default(),
            filename: None,
            complete: true,
            bounded: false,
        }
    }

    #[test]
    fn words_from_literals_and_code() {
        let src = br#"x = "\x00abc\ndef" + f'{y!r}' + ('without' 'confirmation', "a" * 10, ('A' 'B'
 'C'), "\x45\x4c\x46", '%sType' % (z,))"#;
        let m = module(
            &["x", "y", "z"],
            &[
                "\0abc\ndef",
                "withoutconfirmation",
                "aaaaaaaaaa",
                "ABC",
                "ELF",
                "Type",
            ],
        );
        assert_eq!(mismatch(&m, src, "m.py").map(|f| f.evidence), None);
        // Words of a comment or a docstring are no names, and a word inside a docstring is no
        // whole string constant.
        let src = b"\"\"\"Calls os.system.\"\"\"\n# getattr\nx = 1\n";
        for (names, strings, missing) in [
            (&["os", "system", "x"][..], &[][..], "names os, system"),
            (&["x", "getattr"][..], &[][..], "names getattr"),
            (&["x"][..], &["os", "system"][..], "strings os, system"),
        ] {
            let f = mismatch(&module(names, strings), src, "m.py").expect("mismatch");
            assert!(f.evidence.contains(missing), "{}", f.evidence);
        }
    }
}
