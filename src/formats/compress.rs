//! Single-stream compression wrappers (gzip, bzip2, xz, legacy lzma, zlib, joblib's old `ZF`
//! format, zstd and LZ4 frames, LZ4's legacy frame) and the bounded decompression every
//! container uses.
//!
//! [`read_bounded`] enforces the [`crate::analyse::Budget`]: total decompressed bytes, the
//! largest member held in memory, and the compression ratio. A bound that stops it is reported
//! as `resource-limit` by the caller, with what was left unread.

use std::io::Read;

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location};
use crate::formats::Format;
use crate::rules;

/// Why a bounded read stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// A budget bound: which one.
    Limit(String),
    /// The stream is corrupt or truncated: the decoder's message.
    Corrupt(String),
}

/// Bytes decoded per read call.
const CHUNK: usize = 1 << 16;

/// Decompress `reader` into memory, at most `want` bytes (or everything when `None`), charging
/// the budget. `compressed` is the input size, for the ratio bound.
///
/// Returns the bytes and, when it stopped early, why. Never panics on hostile input.
pub fn read_bounded<R: Read>(
    ctx: &mut Ctx,
    reader: R,
    compressed: u64,
    want: Option<u64>,
) -> (Vec<u8>, Option<Stopped>) {
    read_bounded_sized(ctx, reader, compressed, want, 0, Vec::new())
}

/// [`read_bounded`] for a stream whose container declares its decompressed size (`declared`,
/// bytes; 0 when unknown). The declaration is only a hint for the first allocation, capped by
/// the bounds and by deflate's largest ratio, so a lying header costs nothing but address
/// space; the bytes are decoded straight into the result, never through a second buffer.
///
/// `prefix` holds bytes already taken from `reader` (a sniffed head; empty otherwise): decoding
/// goes on after them, and they count towards `want` and the bounds. The caller must not have
/// charged them to the budget (this function charges everything it returns).
pub fn read_bounded_sized<R: Read>(
    ctx: &mut Ctx,
    mut reader: R,
    compressed: u64,
    want: Option<u64>,
    declared: u64,
    prefix: Vec<u8>,
) -> (Vec<u8>, Option<Stopped>) {
    let allowance = ctx.budget.member_allowance();
    let limits = ctx.budget.limits;
    let cap = want.map_or(allowance, |w| w.min(allowance));
    // Deflate expands at most 1032:1 (RFC 1951: a 258-byte match per 2 bits).
    let hint = declared
        .min(cap)
        .min(compressed.saturating_mul(1032))
        .min(MAX_HINT);
    let mut out = prefix;
    out.reserve((hint as usize).saturating_sub(out.len()));
    let stop = loop {
        if out.len() as u64 >= cap {
            if want.is_some_and(|w| w <= cap) {
                break None;
            }
            // One more byte tells whether the stream really goes on.
            let mut probe = [0u8; 1];
            match reader.read(&mut probe) {
                Ok(0) => break None,
                Ok(_) => {
                    break Some(Stopped::Limit(format!(
                        "decompressed size above {} bytes (member or total bound)",
                        cap
                    )))
                }
                Err(e) => break Some(stopped_by(e)),
            }
        }
        let len = out.len();
        let spare = out.capacity() - len;
        // Decode into the reserved space a few MiB at a time (zeroing all of a large hint at
        // once would touch pages a short stream never needs).
        let room = ((cap - len as u64) as usize).min(spare.clamp(CHUNK, MAX_STEP));
        out.resize(len + room, 0);
        let got = reader.read(&mut out[len..]);
        match got {
            Ok(0) => {
                out.truncate(len);
                break None;
            }
            Ok(n) => {
                out.truncate(len + n);
                let len = out.len() as u64;
                if len > limits.ratio_floor && len > compressed.saturating_mul(limits.max_ratio) {
                    break Some(Stopped::Limit(format!(
                        "compression ratio above {}:1 past {} bytes",
                        limits.max_ratio, limits.ratio_floor
                    )));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => out.truncate(len),
            Err(e) => {
                out.truncate(len);
                break Some(stopped_by(e));
            }
        }
        if ctx.budget.out_of_time() {
            break Some(Stopped::Limit(format!(
                "time per input ({:?})",
                limits.max_time
            )));
        }
    };
    ctx.budget.decompressed += out.len() as u64;
    (out, stop)
}

/// Decode the rest of `reader` without keeping it, charging the budget as
/// [`read_bounded_sized`] does: a member whose head decided its verdict is read on only because
/// the members after it in the stream (a solid 7z block) depend on it. `already` is what was
/// taken from the member before (its head, charged), for the member and ratio bounds.
///
/// Returns the bytes skipped and, when it stopped early, why.
pub fn skip_bounded<R: Read>(
    ctx: &mut Ctx,
    reader: R,
    compressed: u64,
    already: u64,
) -> (u64, Option<Stopped>) {
    skip_bounded_tap(ctx, reader, compressed, already, &mut |_| {})
}

/// [`skip_bounded`], showing every byte skipped to `tap`.
pub fn skip_bounded_tap<R: Read>(
    ctx: &mut Ctx,
    mut reader: R,
    compressed: u64,
    already: u64,
    tap: &mut dyn FnMut(&[u8]),
) -> (u64, Option<Stopped>) {
    let limits = ctx.budget.limits;
    let cap = ctx.budget.member_allowance().saturating_sub(already);
    let mut buf = vec![0u8; CHUNK];
    let mut skipped = 0u64;
    let stop = loop {
        match reader.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => {
                tap(&buf[..n]);
                skipped += n as u64;
                let total = already + skipped;
                if skipped > cap {
                    break Some(Stopped::Limit(format!(
                        "decompressed size above {} bytes (member or total bound)",
                        cap + already
                    )));
                }
                if total > limits.ratio_floor && total > compressed.saturating_mul(limits.max_ratio)
                {
                    break Some(Stopped::Limit(format!(
                        "compression ratio above {}:1 past {} bytes",
                        limits.max_ratio, limits.ratio_floor
                    )));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Some(stopped_by(e)),
        }
        if ctx.budget.out_of_time() {
            break Some(Stopped::Limit(format!(
                "time per input ({:?})",
                limits.max_time
            )));
        }
    };
    ctx.budget.decompressed += skipped;
    (skipped, stop)
}

/// Most bytes decoded per read call into reserved space.
const MAX_STEP: usize = 4 << 20;

/// Largest first allocation made from a declared size (bytes); beyond it the buffer grows.
const MAX_HINT: u64 = 256 << 20;

/// Raw deflate (RFC 1951) over a slice, as a [`Read`]: the input is handed to the inflater
/// directly, without the copy through a `BufReader` that `flate2::read::DeflateDecoder` makes.
pub struct SliceInflater<'a> {
    input: &'a [u8],
    inflater: flate2::Decompress,
    done: bool,
}

impl<'a> SliceInflater<'a> {
    /// An inflater over raw deflate data (no zlib or gzip header).
    pub fn new(input: &'a [u8]) -> Self {
        SliceInflater {
            input,
            inflater: flate2::Decompress::new(false),
            done: false,
        }
    }
}

impl Read for SliceInflater<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        loop {
            let in_before = self.inflater.total_in();
            let out_before = self.inflater.total_out();
            let status = self
                .inflater
                .decompress(self.input, buf, flate2::FlushDecompress::None)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            let used = (self.inflater.total_in() - in_before) as usize;
            let made = (self.inflater.total_out() - out_before) as usize;
            self.input = &self.input[used.min(self.input.len())..];
            if status == flate2::Status::StreamEnd {
                self.done = true;
                return Ok(made);
            }
            if made > 0 {
                return Ok(made);
            }
            if used == 0 {
                // No progress and no end: the stream is cut short.
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "deflate stream ends before its last block",
                ));
            }
        }
    }
}

/// Report why a bounded read stopped, at `loc`.
pub fn report_stop(ctx: &mut Ctx, stop: &Stopped, loc: &Location, got: usize) {
    match stop {
        Stopped::Limit(bound) => ctx.limit(
            loc,
            bound,
            &format!("the rest of the stream after {got} decompressed bytes"),
        ),
        Stopped::Corrupt(msg) => ctx.emit(
            Finding::builder(&rules::archive::archive_malformed::RULE, loc.clone())
                .message(format!(
                    "compressed data is corrupt or truncated after {}",
                    plural(got, "byte")
                ))
                .evidence(msg.clone())
                .build(),
        ),
    }
}

/// [`report_stop`] for a stream that holds a pickle the window could not end
/// ([`hold_pickle`] held it whole): a bound that stops it leaves unread the rest of a pickle,
/// which `pickle.load` (and pandas, joblib, torch) goes on decoding and running, so the bound is
/// high, not medium: padding that compresses a thousandfold (a run of `NONE`/`POP` before the
/// call) would otherwise push a payload past the ratio bound (tester t26 m57-m60). Other stops
/// (a corrupt stream) are reported as [`report_stop`] reports them.
pub fn report_pickle_stop(ctx: &mut Ctx, stop: &Stopped, loc: &Location, got: usize) {
    match stop {
        Stopped::Limit(bound) => ctx.limit_at(
            crate::finding::Severity::High,
            loc,
            bound,
            &format!(
                "the rest of the pickle stream after {got} decompressed bytes, which a loader decodes and runs"
            ),
        ),
        Stopped::Corrupt(_) => report_stop(ctx, stop, loc, got),
    }
}

/// A zlib stream as joblib writes it: CMF 0x78 (deflate, 32 KiB window), a valid FCHECK, no
/// preset dictionary, and a first deflate block that decodes.
pub fn looks_like_zlib(data: &[u8]) -> bool {
    if data.len() < 6 || data[0] != 0x78 {
        return false;
    }
    let (cmf, flg) = (u16::from(data[0]), u16::from(data[1]));
    if (cmf * 256 + flg) % 31 != 0 || flg & 0x20 != 0 {
        return false;
    }
    let mut d = flate2::read::ZlibDecoder::new(&data[..data.len().min(4096)]);
    let mut buf = [0u8; 64];
    matches!(d.read(&mut buf), Ok(n) if n > 0)
}

/// Length of the header of joblib's old `ZF` format: the prefix and the hex length padded to
/// `len(hex(2**64))` (`joblib/numpy_pickle_compat.py`, `_MAX_LEN`).
const ZFILE_HEADER: usize = 2 + 19;

/// Where the zlib stream of joblib's old `ZF` format (joblib < 0.10) starts, when `data` is one:
/// `ZF`, a hex length (`0x…`, Python 2 may end it with `L`) padded with spaces to 19 bytes, an
/// optional space (`read_zfile` skips it), then a zlib stream ([`looks_like_zlib`]).
pub fn zfile_stream(data: &[u8]) -> Option<usize> {
    let head = data.get(..ZFILE_HEADER)?;
    let len = head.strip_prefix(b"ZF")?;
    let text = std::str::from_utf8(len).ok()?.trim_end_matches(' ');
    let digits = text.strip_prefix("0x")?.trim_end_matches('L');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let start = if data.get(ZFILE_HEADER) == Some(&b' ') {
        ZFILE_HEADER + 1
    } else {
        ZFILE_HEADER
    };
    looks_like_zlib(&data[start..]).then_some(start)
}

/// Legacy `.lzma` (LZMA alone): properties byte below 225, a power-of-two-ish dictionary size,
/// and an uncompressed size that is either unknown (all ones) or plausible.
pub fn looks_like_lzma(data: &[u8]) -> bool {
    if data.len() < 13 || data[0] >= 225 {
        return false;
    }
    let dict = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
    let size = u64::from_le_bytes([
        data[5], data[6], data[7], data[8], data[9], data[10], data[11], data[12],
    ]);
    // xz writes 2^n or 2^n + 2^(n-1) bytes; any size from 4 KiB up decodes (CPython and
    // joblib accept a header claiming 3 GiB: the window is allocated as it fills).
    let dict_ok = dict >= 1 << 12
        && (dict.is_power_of_two() || (dict % 3 == 0 && (dict / 3).is_power_of_two()));
    dict_ok && data[0] == 0x5d && (size == u64::MAX || size < 1 << 40)
}

/// zstd frame magic (RFC 8878 §3.1.1), little-endian.
const ZSTD_MAGIC: u32 = 0xFD2F_B528;

/// LZ4 frame magic (LZ4 Frame Format Description §General structure), little-endian.
const LZ4_MAGIC: u32 = 0x184D_2204;

/// Skippable frames, shared by zstd (RFC 8878 §3.1.2) and LZ4: magic `0x184D2A50..=5F`, a
/// 4-byte little-endian length, then that many bytes of user data that decoders pass over.
const SKIPPABLE: std::ops::RangeInclusive<u32> = 0x184D_2A50..=0x184D_2A5F;
/// The magic number of LZ4's legacy frame (`lz4 -l`, lz4 before r118): blocks of at most
/// [`LZ4_LEGACY_BLOCK`] bytes decoded, each after its compressed size (u32 LE), to the end of
/// the input or the next magic number.
const LZ4_LEGACY_MAGIC: u32 = 0x184C_2102;
/// Largest decoded block of a legacy LZ4 frame (8 MiB, lz4's `LEGACY_BLOCKSIZE`).
const LZ4_LEGACY_BLOCK: usize = 8 << 20;

fn u32_le(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The length of the skippable frame at the start of `data`, header included, when there is one
/// (it may run past the end of `data`).
fn skippable_len(data: &[u8]) -> Option<u64> {
    let magic = u32_le(data, 0)?;
    SKIPPABLE
        .contains(&magic)
        .then(|| 8 + u64::from(u32_le(data, 4).unwrap_or(0)))
}

/// [`Format::Zstd`] or [`Format::Lz4`] when `data` starts with a frame of either, after any
/// skippable frames. Skippable frames exist only in these two formats, so a file that starts
/// with one whose end lies past `data` (a sniffed head) is taken as zstd; the decoder decides
/// each frame by its own magic.
pub fn frame_stream(data: &[u8]) -> Option<Format> {
    let mut at = 0u64;
    let mut skipped = false;
    loop {
        let Some(rest) = usize::try_from(at).ok().and_then(|a| data.get(a..)) else {
            // The skippable frames run past what was read.
            return skipped.then_some(Format::Zstd);
        };
        match skippable_len(rest) {
            Some(n) => {
                at += n;
                skipped = true;
            }
            None => {
                return match u32_le(rest, 0) {
                    Some(ZSTD_MAGIC) => Some(Format::Zstd),
                    // FLG's version bits are `01` in every LZ4 frame.
                    Some(LZ4_MAGIC) if rest.get(4).is_some_and(|f| f >> 6 == 1) => {
                        Some(Format::Lz4)
                    }
                    // A legacy frame's first block size follows its magic: never above the
                    // compressed bound of an 8 MiB block.
                    Some(LZ4_LEGACY_MAGIC)
                        if u32_le(rest, 4)
                            .is_some_and(|n| n > 0 && (n as usize) <= legacy_bound()) =>
                    {
                        Some(Format::Lz4)
                    }
                    None if skipped && rest.len() < 4 => Some(Format::Zstd),
                    _ => None,
                };
            }
        }
    }
}

/// One frame being decoded by [`Frames`].
enum Frame<'a> {
    /// Boxed: ruzstd's decoder state is several hundred bytes.
    Zstd(Box<ruzstd::decoding::StreamingDecoder<&'a [u8], ruzstd::decoding::FrameDecoder>>),
    Lz4(lz4_flex::frame::FrameDecoder<&'a [u8]>),
    Lz4Legacy(LegacyLz4<'a>),
}

/// The largest compressed size of one legacy block (LZ4's `LZ4_COMPRESSBOUND` of
/// [`LZ4_LEGACY_BLOCK`]).
fn legacy_bound() -> usize {
    LZ4_LEGACY_BLOCK + LZ4_LEGACY_BLOCK / 255 + 16
}

/// The blocks of one legacy LZ4 frame, after its magic number; the frame ends at the end of the
/// input or where a magic number stands in place of a block size.
pub struct LegacyLz4<'a> {
    rest: &'a [u8],
    out: Vec<u8>,
    pos: usize,
    len: usize,
}

impl<'a> LegacyLz4<'a> {
    fn new(rest: &'a [u8]) -> Self {
        LegacyLz4 {
            rest,
            out: Vec::new(),
            pos: 0,
            len: 0,
        }
    }

    fn into_inner(self) -> &'a [u8] {
        self.rest
    }
}

impl Read for LegacyLz4<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Blocks that decode to nothing are passed over (each costs 4 input bytes at least).
        while self.pos == self.len {
            let Some(size) = u32_le(self.rest, 0) else {
                // The end of the input (a stray 1-3 bytes are left for the caller).
                return Ok(0);
            };
            if size == LZ4_LEGACY_MAGIC
                || size == LZ4_MAGIC
                || size == ZSTD_MAGIC
                || SKIPPABLE.contains(&size)
            {
                return Ok(0);
            }
            let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
            let size = size as usize;
            if size > legacy_bound() {
                return Err(bad(format!(
                    "legacy LZ4 block of {size} bytes is larger than an 8 MiB block can be"
                )));
            }
            let Some(block) = self.rest.get(4..4 + size) else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "legacy LZ4 block runs past the end",
                ));
            };
            if self.out.len() < LZ4_LEGACY_BLOCK {
                self.out.resize(LZ4_LEGACY_BLOCK, 0);
            }
            let n = lz4_flex::block::decompress_into(block, &mut self.out)
                .map_err(|e| bad(format!("legacy LZ4 block invalid: {e}")))?;
            self.rest = &self.rest[4 + size..];
            self.pos = 0;
            self.len = n;
        }
        let n = buf.len().min(self.len - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// zstd and LZ4 frames one after another, as `zstd -d`, `lz4 -d`, Python 3.14's
/// `compression.zstd` and python-lz4's `LZ4FrameFile` (joblib's `compress='lz4'`) read a file:
/// skippable frames are passed over, each frame is decoded by the decoder its magic names
/// (ruzstd, whose window is bounded at libzstd's default `windowLogMax`, 128 MiB, as for zip
/// members; lz4_flex, whose blocks are at most 4 MiB), and bytes after the last frame that
/// start no frame are an error (the decoded content before them is kept by the caller).
pub struct Frames<'a> {
    rest: &'a [u8],
    frame: Option<Frame<'a>>,
    /// Input consumed before `rest`, for error messages.
    offset: usize,
}

impl<'a> Frames<'a> {
    /// A reader over the frames of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Frames {
            rest: data,
            frame: None,
            offset: 0,
        }
    }

    fn advance_to(&mut self, rest: &'a [u8]) {
        self.offset += self.rest.len() - rest.len();
        self.rest = rest;
    }

    /// Pass over skippable frames; an error when one is cut short.
    fn skip_skippable(&mut self) -> std::io::Result<()> {
        while let Some(n) = skippable_len(self.rest) {
            let Some(next) = usize::try_from(n).ok().and_then(|n| self.rest.get(n..)) else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "skippable frame at offset {} runs past the end",
                        self.offset
                    ),
                ));
            };
            self.advance_to(next);
        }
        Ok(())
    }

    fn start_frame(&mut self) -> std::io::Result<Option<Frame<'a>>> {
        self.skip_skippable()?;
        if self.rest.is_empty() {
            return Ok(None);
        }
        let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        match u32_le(self.rest, 0) {
            Some(ZSTD_MAGIC) => ruzstd::decoding::StreamingDecoder::new(self.rest)
                .map(|d| Some(Frame::Zstd(Box::new(d))))
                .map_err(|e| {
                    bad(format!(
                        "zstd frame header invalid at offset {}: {e}",
                        self.offset
                    ))
                }),
            Some(LZ4_MAGIC) => Ok(Some(Frame::Lz4(lz4_flex::frame::FrameDecoder::new(
                self.rest,
            )))),
            Some(LZ4_LEGACY_MAGIC) => Ok(Some(Frame::Lz4Legacy(LegacyLz4::new(&self.rest[4..])))),
            _ => Err(bad(format!(
                "{} bytes after the last frame (offset {}) start no frame",
                self.rest.len(),
                self.offset
            ))),
        }
    }
}

impl Read for Frames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let got = match &mut self.frame {
                None => match self.start_frame()? {
                    Some(f) => {
                        self.frame = Some(f);
                        continue;
                    }
                    None => return Ok(0),
                },
                Some(Frame::Zstd(d)) => d.read(buf),
                Some(Frame::Lz4(d)) => d.read(buf),
                Some(Frame::Lz4Legacy(d)) => d.read(buf),
            };
            match got {
                Ok(0) => {
                    // The frame (for LZ4: the run of frames) ended; go on after it.
                    let rest = match self.frame.take() {
                        Some(Frame::Zstd(d)) => (*d).into_inner(),
                        Some(Frame::Lz4(d)) => d.into_inner(),
                        Some(Frame::Lz4Legacy(d)) => d.into_inner(),
                        None => self.rest,
                    };
                    self.advance_to(rest);
                }
                Ok(n) => return Ok(n),
                Err(e) => {
                    // lz4_flex reads LZ4 frames back to back itself, and stops at a skippable
                    // frame between them, having read its magic and length.
                    let skip = e
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<lz4_flex::frame::Error>())
                        .and_then(|inner| match inner {
                            lz4_flex::frame::Error::SkippableFrame(n) => Some(*n),
                            _ => None,
                        });
                    match (skip, self.frame.take()) {
                        (Some(n), Some(Frame::Lz4(d))) => {
                            let rest = d.into_inner();
                            let Some(next) = usize::try_from(n).ok().and_then(|n| rest.get(n..))
                            else {
                                return Err(std::io::Error::new(
                                    std::io::ErrorKind::UnexpectedEof,
                                    "skippable frame runs past the end",
                                ));
                            };
                            self.advance_to(next);
                        }
                        _ => {
                            // Nothing after a broken frame is read.
                            self.rest = &[];
                            return Err(e);
                        }
                    }
                }
            }
        }
    }
}

/// bzip2 streams with data decoded back to back at most (empty streams, a fixed 14 bytes, are
/// passed over without a decoder and not counted). Creating a decoder per stream is what costs
/// (about 40 µs each), so this bounds a file of tiny streams to about 40 s, under the default
/// time budget, which [`Bz2Streams`] lets the caller check between them.
pub const MAX_BZ2_STREAMS: u64 = 1_000_000;

/// Whether `data` starts with an empty bzip2 stream: `BZh`, a level digit, the end-of-stream
/// magic `0x177245385090` and a combined CRC of 0 (what `bzip2` writes for no input).
fn empty_bz2_stream(data: &[u8]) -> bool {
    data.len() >= 14
        && data.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&data[3])
        && data[4..14] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90, 0, 0, 0, 0]
}

/// Streams in a row that decode to nothing before [`Bz2Streams`] hands control back
/// (`Interrupted`), so the caller's read loop checks the time budget.
const BZ2_EMPTY_RUN: u32 = 256;

/// A bound a reader stopped at, carried in an `std::io::Error` so the read loops report it as
/// a bound ([`Stopped::Limit`]) rather than as corrupt data.
#[derive(Debug)]
pub struct ReadBound(pub String);

impl std::fmt::Display for ReadBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadBound {}

/// Why a read loop stopped on `e`: a [`ReadBound`] is a bound, anything else corrupt data.
fn stopped_by(e: std::io::Error) -> Stopped {
    match e.get_ref().and_then(|i| i.downcast_ref::<ReadBound>()) {
        Some(b) => Stopped::Limit(b.0.clone()),
        None => Stopped::Corrupt(e.to_string()),
    }
}

/// bzip2 streams back to back, each decoded in turn, as Python's `bz2` module and `bzip2 -d`
/// read them (`pbzip2` output, `cat a.bz2 b.bz2`). Unlike `bzip2::read::MultiBzDecoder`, whose
/// one `read` call goes through any number of empty streams, this passes over empty streams
/// without a decoder, returns `Interrupted` after [`BZ2_EMPTY_RUN`] streams in a row that
/// decode to nothing (so the caller checks the time budget) and stops with a [`ReadBound`]
/// after [`MAX_BZ2_STREAMS`] streams with data. Bytes after a stream that start no
/// valid stream are an error, as they were for `MultiBzDecoder`.
pub struct Bz2Streams<'a> {
    rest: &'a [u8],
    decoder: Option<bzip2::bufread::BzDecoder<&'a [u8]>>,
    streams: u64,
}

impl<'a> Bz2Streams<'a> {
    /// A reader over the bzip2 streams of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Bz2Streams {
            rest: data,
            decoder: None,
            streams: 0,
        }
    }
}

impl Read for Bz2Streams<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut empty = 0;
        loop {
            let decoder = match &mut self.decoder {
                Some(d) => d,
                None => {
                    // Empty streams need no decoder (a million of them are 14 MB).
                    while empty_bz2_stream(self.rest) {
                        self.rest = &self.rest[14..];
                    }
                    if self.rest.is_empty() {
                        return Ok(0);
                    }
                    if self.streams >= MAX_BZ2_STREAMS {
                        return Err(std::io::Error::other(ReadBound(format!(
                            "more than {MAX_BZ2_STREAMS} bzip2 streams"
                        ))));
                    }
                    self.streams += 1;
                    self.decoder
                        .insert(bzip2::bufread::BzDecoder::new(self.rest))
                }
            };
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // This stream ended; the next one (if any) starts where it stopped reading.
            if let Some(d) = self.decoder.take() {
                self.rest = d.into_inner();
            }
            empty += 1;
            if empty >= BZ2_EMPTY_RUN && !self.rest.is_empty() {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
        }
    }
}

/// Bytes decompressed first to sniff what a stream holds.
const SNIFF_PREFIX: u64 = 64 * 1024;

/// The decoder for `format` over `data` (a single-stream wrapper), or why it cannot start.
fn decoder<'a>(format: Format, data: &'a [u8]) -> Result<Box<dyn Read + 'a>, String> {
    Ok(match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(data)),
        Format::Zlib => Box::new(flate2::read::ZlibDecoder::new(data)),
        Format::JoblibZfile => {
            let start = zfile_stream(data).unwrap_or(data.len());
            Box::new(flate2::read::ZlibDecoder::new(&data[start..]))
        }
        Format::Bzip2 => Box::new(Bz2Streams::new(data)),
        Format::Zstd | Format::Lz4 => Box::new(Frames::new(data)),
        Format::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
            data,
            true,
            LZMA_MEM_LIMIT_KIB,
        )),
        _ => {
            // The `.lzma` header: properties, dictionary size (u32 LE), uncompressed size
            // (u64 LE). The dictionary only bounds how far back a match may reach, so a header
            // that claims gigabytes (which CPython and joblib decode, allocating lazily) is
            // decoded with a window of at most [`LZMA_ALONE_WINDOW`]; a stream that reaches
            // further back fails to decode and is reported as corrupt.
            let (Some(&props), Some(dict), Some(size)) = (
                data.first(),
                data.get(1..5)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                data.get(5..13)
                    .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])),
            ) else {
                return Err("the lzma header is cut short".into());
            };
            Box::new(
                lzma_rust2::LzmaReader::new_with_props(
                    &data[13..],
                    size,
                    props,
                    dict.min(LZMA_ALONE_WINDOW),
                    None,
                )
                .map_err(|e| e.to_string())?,
            )
        }
    })
}

/// Decompress with the decoder for `format`, at most `want` bytes (everything when `None`).
fn decompress(
    ctx: &mut Ctx,
    format: Format,
    data: &[u8],
    want: Option<u64>,
) -> (Vec<u8>, Option<Stopped>) {
    match decoder(format, data) {
        Ok(r) => read_bounded(ctx, r, data.len() as u64, want),
        Err(e) => (Vec::new(), Some(Stopped::Corrupt(e))),
    }
}

/// Decompressed bytes of a pickle stream held before deciding whether the rest is needed.
/// What follows the last pickle is analysed only this far anyway (the hidden-pickle search and
/// the byte-pattern rules stop at 64 MiB).
pub const PICKLE_WINDOW: u64 = 64 << 20;

/// A pickle stream as [`hold_pickle`] holds it.
pub enum HeldPickle {
    /// All of it (within the bounds), and why reading stopped early, if it did.
    Whole(Vec<u8>, Option<Stopped>),
    /// The first [`PICKLE_WINDOW`] bytes, whose pickles end at `end`; the `skipped` bytes after
    /// them were decoded, charged and shown to the tap, not held; `stop` says why that stopped
    /// early, if it did.
    Cut {
        /// The window.
        win: Vec<u8>,
        /// Offset after the last pickle's `STOP` in the window.
        end: usize,
        /// Bytes decoded after the window.
        skipped: u64,
        /// Why decoding stopped before the end of the stream.
        stop: Option<Stopped>,
    },
}

/// Hold a decompressed pickle stream from `reader`: the first [`PICKLE_WINDOW`] bytes, and the
/// rest only when the pickles need it. When the pickles in the window end there, followed by
/// bytes that start no pickle (`pickle.load` never reads them), the rest is decoded, charged to
/// the budget and counted, not held: a 14 MB gzip of a small pickle and 3 GiB of zeros costs
/// the window, not the member bound. Otherwise (a large array inside the pickle) the stream is
/// held whole, within the member bound. `prefix` holds bytes already taken from `reader` and
/// not charged (as [`read_bounded_sized`] takes them); `declared` is the container's size hint;
/// `tap` sees every byte decoded after the window (a CRC over the whole member).
pub fn hold_pickle<R: Read>(
    ctx: &mut Ctx,
    mut reader: R,
    compressed: u64,
    declared: u64,
    prefix: Vec<u8>,
    tap: &mut dyn FnMut(&[u8]),
) -> HeldPickle {
    let (win, stop) = read_bounded_sized(
        ctx,
        &mut reader,
        compressed,
        Some(PICKLE_WINDOW),
        declared,
        prefix,
    );
    if stop.is_some() || (win.len() as u64) < PICKLE_WINDOW {
        return HeldPickle::Whole(win, stop);
    }
    match crate::formats::pickle::held_prefix(&win, ctx.budget.limits.pickle) {
        Some(end) => {
            let (skipped, stop) =
                skip_bounded_tap(ctx, &mut reader, compressed, PICKLE_WINDOW, tap);
            HeldPickle::Cut {
                win,
                end,
                skipped,
                stop,
            }
        }
        None => {
            ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(win.len() as u64);
            let (all, stop) = read_bounded_sized(ctx, reader, compressed, None, declared, win);
            HeldPickle::Whole(all, stop)
        }
    }
}

/// Report the bytes [`hold_pickle`] cut after the window (`resource-limit`, info, at `inner`,
/// the content's location), and why their decoding stopped (at `loc`, the container).
pub fn report_cut(
    ctx: &mut Ctx,
    end: usize,
    skipped: u64,
    stop: Option<&Stopped>,
    loc: &Location,
    inner: &Location,
) {
    if skipped > 0 {
        ctx.limit_at(
            crate::finding::Severity::Info,
            inner,
            &format!(
                "{} of decompressed data held after the last pickle",
                plural(PICKLE_WINDOW as usize - end, "byte")
            ),
            &format!(
                "{} after them, decompressed and counted (no pickle reads them)",
                plural(skipped as usize, "byte")
            ),
        );
    }
    if let Some(s) = stop {
        report_stop(ctx, s, loc, (PICKLE_WINDOW + skipped) as usize);
    }
}

/// The decompressed content of a single-stream wrapper that holds a pickle ([`hold_pickle`]);
/// bytes cut after the window are reported at `inner`.
fn pickle_content<R: Read>(
    ctx: &mut Ctx,
    reader: R,
    compressed: u64,
    loc: &Location,
    inner: &Location,
) -> (Vec<u8>, Option<Stopped>) {
    match hold_pickle(ctx, reader, compressed, 0, Vec::new(), &mut |_| {}) {
        HeldPickle::Whole(all, stop) => (all, stop),
        HeldPickle::Cut {
            win,
            end,
            skipped,
            stop,
        } => {
            report_cut(ctx, end, skipped, stop.as_ref(), loc, inner);
            (win, None)
        }
    }
}

/// Largest dictionary a `.lzma` (LZMA-alone) stream is decoded with, bytes: xz's presets use
/// at most 64 MiB (`-9`, `--extreme`).
const LZMA_ALONE_WINDOW: u32 = 64 << 20;

/// Largest LZMA/LZMA2 decoder state (dictionary and tables) allocated, in KiB: a header may
/// claim a 4 GiB dictionary. xz presets use at most 64 MiB (`-9`).
pub(crate) const LZMA_MEM_LIMIT_KIB: u32 = 256 * 1024;

/// Decompress a single-stream wrapper and analyse what it holds. A first 64 KiB decide whether
/// the rest is worth decompressing: text and unknown content is not.
pub fn analyse(ctx: &mut Ctx, format: Format, data: &[u8], loc: &Location, depth: u32) -> Format {
    if !matches!(
        format,
        Format::Gzip
            | Format::Zlib
            | Format::JoblibZfile
            | Format::Bzip2
            | Format::Xz
            | Format::Lzma
            | Format::Zstd
            | Format::Lz4
    ) {
        return format;
    }
    let name = format!("<{} content>", format.name());
    let inner_loc = loc.member(name.clone());
    let (head, stop) = decompress(ctx, format, data, Some(SNIFF_PREFIX));
    let complete = stop.is_none() && (head.len() as u64) < SNIFF_PREFIX;
    let inner = crate::formats::sniff(&head);
    // A tar is read as a stream through the decoder, member by member, holding only what its
    // members' analysis needs (`formats/tar.rs`); the whole content is never held. A head that
    // also reads as a pickle (a polyglot tar header) is held whole as before, for the
    // second reading.
    if inner == Format::Tar
        && !complete
        && stop.is_none()
        && crate::formats::pickle::looks_like(&head).is_none()
    {
        ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(head.len() as u64);
        drop(head);
        let open = || decoder(format, data);
        let stream = crate::formats::tar::Stream {
            open: &open,
            compressed: data.len() as u64,
            outer: loc,
        };
        ctx.nested_with(&inner_loc, depth + 1, data.len() as u64, |ctx| {
            crate::formats::tar::analyse_stream(ctx, &stream, &inner_loc, depth + 1)
        });
        return format;
    }
    let (out, stop) = if complete || stop.is_some() {
        (head, stop)
    } else if inner.judged_by_head() {
        // Text, executables and unknown content are matched whole by the byte-pattern rules,
        // as files and archive members are: a payload past the head of a `.gz` must not pass
        // (fresh-user check, session 19). Decoded up to the rules' bound and one byte more, so
        // the matcher reports what lies past it; without rules the head decides.
        if ctx.yara.is_some() && crate::yara::matched_format(inner) {
            ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(head.len() as u64);
            drop(head);
            decompress(ctx, format, data, Some(crate::yara::MAX_MATCHED as u64 + 1))
        } else {
            (head, stop)
        }
    } else if matches!(inner, Format::Pickle(_)) {
        ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(head.len() as u64);
        drop(head);
        match decoder(format, data) {
            Ok(r) => pickle_content(ctx, r, data.len() as u64, loc, &inner_loc),
            Err(e) => (Vec::new(), Some(Stopped::Corrupt(e))),
        }
    } else {
        ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(head.len() as u64);
        drop(head);
        decompress(ctx, format, data, None)
    };
    if let Some(s) = &stop {
        if matches!(inner, Format::Pickle(_)) {
            report_pickle_stop(ctx, s, loc, out.len());
        } else {
            report_stop(ctx, s, loc, out.len());
        }
    }
    if !out.is_empty() {
        ctx.nested(&out, &inner_loc, &name, depth + 1);
    }
    format
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> Vec<u8> {
        let text = b"a pickle-free payload repeated: echo airlock-test ".repeat(40);
        let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
        std::io::Write::write_all(&mut lz4, &text).expect("lz4");
        let lz4 = lz4.finish().expect("lz4");
        let zstd = ruzstd::encoding::compress_to_vec(
            &text[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let mut skip = 0x184D_2A50u32.to_le_bytes().to_vec();
        skip.extend_from_slice(&3u32.to_le_bytes());
        skip.extend_from_slice(b"abc");
        [skip.clone(), zstd, skip.clone(), lz4, skip].concat()
    }

    /// Frames of both kinds with skippable frames between them decode to their contents.
    #[test]
    fn frames_of_both_kinds_decode_in_order() {
        let data = frames();
        assert_eq!(frame_stream(&data), Some(Format::Zstd));
        let mut out = Vec::new();
        Frames::new(&data).read_to_end(&mut out).expect("decode");
        let text = b"a pickle-free payload repeated: echo airlock-test ".repeat(40);
        assert_eq!(out, [text.clone(), text].concat());
        // A skippable frame longer than the head is still a frame stream.
        assert_eq!(
            frame_stream(&[0x5f, 0x2a, 0x4d, 0x18, 0xff, 0xff, 0, 0]),
            Some(Format::Zstd)
        );
        assert_eq!(frame_stream(b"\x04\x22\x4d\x18\x00"), None);
        assert_eq!(frame_stream(b"plain text"), None);
    }

    /// Every truncation and every single-byte change ends in data or an error, never a panic
    /// or a loop.
    #[test]
    fn damaged_frames_end_in_an_error() {
        let data = frames();
        for n in 0..data.len() {
            let mut out = Vec::new();
            let _ = Frames::new(&data[..n]).read_to_end(&mut out);
        }
        for i in 0..data.len() {
            let mut d = data.clone();
            d[i] ^= 0x5a;
            let mut out = Vec::new();
            let _ = Frames::new(&d).take(1 << 20).read_to_end(&mut out);
        }
    }
}
