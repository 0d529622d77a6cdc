//! Zip archives (PyTorch checkpoints, `.npz`, `.keras`, wheels, plain zips), read the way PyTorch
//! reads them: from the central directory.
//!
//! Why our own reader rather than the `zip` crate: the attacks on model scanners live in exactly
//! what a convenient reader hides — a local header whose name or flags disagree with the central
//! directory (CVE-2025-1944/1945), a wrong CRC that PyTorch ignores (CVE-2025-10156), a broken
//! first local header (modelscan #354), bytes in front of the archive. airlock must see every one
//! of them, read members that strict readers refuse, and slice stored members straight out of the
//! memory map without a copy. Decompression itself uses `flate2` and `bzip2`.
//!
//! Source: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local header), 4.3.12 (central directory),
//! 4.3.16 (end of central directory), 4.3.14/4.3.15 and 4.5.3 (ZIP64).

use std::collections::HashSet;
use std::io::Read;

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Span};
use crate::formats::compress::{read_bounded, read_bounded_sized, report_stop};
use crate::formats::pypkg::WheelParts;
use crate::formats::{refine_by_name, sniff, Format};
use crate::rules::archive as r;

/// Bytes of a member decompressed to sniff its format before deciding to read it all.
const SNIFF_PREFIX: u64 = 64 * 1024;

/// One central directory entry.
#[derive(Debug, Clone)]
struct Entry {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    local_offset: u64,
    central_offset: u64,
}

fn u16_at(d: &[u8], p: usize) -> Option<u16> {
    d.get(p..p + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(d: &[u8], p: usize) -> Option<u32> {
    d.get(p..p + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(d: &[u8], p: usize) -> Option<u64> {
    d.get(p..p + 8).map(|b| {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        u64::from_le_bytes(a)
    })
}

/// The end records, as both families of readers take them.
///
/// Readers that follow the counts and pointers (PyTorch's miniz, the `zip` crate) take the
/// EOCD's entry count and, when a ZIP64 locator sits before the EOCD, the ZIP64 end record at
/// the locator's offset. CPython's `zipfile` (`_EndRecData64`) ignores the locator's offset and
/// reads the ZIP64 end record at the fixed position just before the locator ("Assume no 'zip64
/// extensible data'"), and `_RealGetContents` walks `size_cd` bytes of directory, never looking
/// at the count.
#[derive(Debug, Clone, Copy)]
struct Ends {
    /// Position of the end-of-central-directory record.
    eocd: usize,
    /// Entry count, directory size and offset for the locator readers (from the ZIP64 end
    /// record the locator names when there is one, else from the EOCD).
    count: u64,
    size: u64,
    offset: u64,
    /// Where the directory ends for the locator readers: the ZIP64 end record they use, else
    /// the EOCD.
    end: usize,
    /// The ZIP64 end record the locator names, when the locator readers use one.
    z64: Option<usize>,
    /// The ZIP64 locator's position (just before the EOCD), when there is one.
    locator: Option<usize>,
    /// The ZIP64 end record CPython uses: the one adjacent to the locator, when its signature is
    /// there.
    z64_python: Option<usize>,
}

/// Size of a ZIP64 end of central directory record without extensible data (APPNOTE 4.3.14).
const Z64_RECORD: usize = 56;

fn find_ends(data: &[u8]) -> Option<Ends> {
    if data.len() < 22 {
        return None;
    }
    let start = data.len().saturating_sub(22 + 65535);
    let window = data.get(start..data.len() - 18)?;
    let pos = start + memchr::memmem::rfind(window, b"PK\x05\x06")?;
    let mut ends = Ends {
        eocd: pos,
        count: u64::from(u16_at(data, pos + 10)?),
        size: u64::from(u32_at(data, pos + 12)?),
        offset: u64::from(u32_at(data, pos + 16)?),
        end: pos,
        z64: None,
        locator: None,
        z64_python: None,
    };
    // ZIP64 locator sits just before the EOCD.
    let Some(loc) = pos.checked_sub(20) else {
        return Some(ends);
    };
    if !data
        .get(loc..)
        .is_some_and(|d| d.starts_with(b"PK\x06\x07"))
    {
        return Some(ends);
    }
    ends.locator = Some(loc);
    ends.z64_python = loc
        .checked_sub(Z64_RECORD)
        .filter(|&r| data.get(r..).is_some_and(|d| d.starts_with(b"PK\x06\x06")));
    if let Some(rec) = u64_at(data, loc + 8).and_then(|r| usize::try_from(r).ok()) {
        if data
            .get(rec..)
            .is_some_and(|d| d.starts_with(b"PK\x06\x06"))
        {
            ends.count = u64_at(data, rec + 32)?;
            ends.size = u64_at(data, rec + 40)?;
            ends.offset = u64_at(data, rec + 48)?;
            ends.end = rec;
            ends.z64 = Some(rec);
        }
    }
    Some(ends)
}

/// The end of central directory as the locator readers take it: (entry count, directory size,
/// directory offset, offset where the directory ends: the ZIP64 end record when there is one,
/// else the EOCD).
fn find_eocd(data: &[u8]) -> Option<(u64, u64, u64, usize)> {
    find_ends(data).map(|e| (e.count, e.size, e.offset, e.end))
}

/// The central directory as CPython's `zipfile` lists it (`_RealGetContents`, 3.8 to 3.14):
/// `size_cd` bytes walked entry by entry ending right before the end record it uses (the ZIP64
/// record adjacent to the locator, else the EOCD), header offsets moved by the same shift
/// (`concat`, which may be negative). Entries carry absolute offsets; an entry whose shifted
/// offset falls before the file is left out (Python cannot read it). `Err` when Python refuses
/// the archive (its message), or when more than `max` entries were walked (the bound; the
/// entries so far are returned by the caller's other reader).
///
/// Returns the entries and the directory's (start, end).
fn python_directory(
    data: &[u8],
    ends: &Ends,
    max: u64,
) -> Result<(Vec<Entry>, (usize, usize)), String> {
    let (size, offset, end) = match ends.z64_python {
        Some(r) => (
            u64_at(data, r + 40).ok_or("ZIP64 end record truncated")?,
            u64_at(data, r + 48).ok_or("ZIP64 end record truncated")?,
            r,
        ),
        None => (
            u64::from(u32_at(data, ends.eocd + 12).ok_or("end record truncated")?),
            u64::from(u32_at(data, ends.eocd + 16).ok_or("end record truncated")?),
            ends.eocd,
        ),
    };
    let start = (end as u64)
        .checked_sub(size)
        .ok_or("Bad offset for central directory")? as usize;
    let concat = i128::from(end as u64) - i128::from(size) - i128::from(offset);
    let cd = data
        .get(start..end)
        .ok_or("central directory outside the file")?;
    let mut out = Vec::new();
    let mut p = 0usize;
    while (p as u64) < size {
        if out.len() as u64 > max {
            return Err(format!("more than {max} central directory entries"));
        }
        let h = cd
            .get(p..p.saturating_add(46))
            .ok_or("Truncated central directory")?;
        if !h.starts_with(b"PK\x01\x02") {
            return Err("Bad magic number for central directory".into());
        }
        let field16 = |at: usize| u16_at(h, at).map_or(0, usize::from);
        let (nl, el, cl) = (field16(28), field16(30), field16(32));
        // Short reads of the name and extra field are what Python gets from its buffer.
        let piece = |from: usize, len: usize| {
            let a = from.min(cd.len());
            &cd[a..from.saturating_add(len).min(cd.len())]
        };
        let name = piece(p + 46, nl);
        let extra = piece(p + 46 + nl, el);
        let mut e = Entry {
            name: name.to_vec(),
            flags: u16_at(h, 8).unwrap_or(0),
            method: u16_at(h, 10).unwrap_or(0),
            crc: u32_at(h, 16).unwrap_or(0),
            csize: u64::from(u32_at(h, 20).unwrap_or(0)),
            usize: u64::from(u32_at(h, 24).unwrap_or(0)),
            local_offset: u64::from(u32_at(h, 42).unwrap_or(0)),
            central_offset: (start + p) as u64,
        };
        zip64_extra(extra, &mut e);
        if let Ok(abs) = u64::try_from(i128::from(e.local_offset) + concat) {
            e.local_offset = abs;
            out.push(e);
        }
        p = p + 46 + nl + el + cl;
    }
    Ok((out, (start, end)))
}

/// True when an end-of-central-directory record sits in the last 64 KiB and its directory fits
/// before it.
pub fn has_eocd(data: &[u8]) -> bool {
    find_eocd(data).is_some_and(|(_, size, _, eocd)| size <= eocd as u64)
}

/// Where the zip found from the end of `data` lies: (offset of its first byte as the end record
/// computes it, offset of its end record), or `None` without an end record or when the record's
/// sizes point before the start of `data`.
pub fn extent(data: &[u8]) -> Option<(usize, usize)> {
    let (_, size, offset, eocd) = find_eocd(data)?;
    let start = (eocd as u64).checked_sub(size)?.checked_sub(offset)?;
    Some((start as usize, eocd))
}

/// True when the file ends with an end-of-central-directory record that has no comment.
pub fn has_eocd_at_end(data: &[u8]) -> bool {
    data.len() >= 22 && data[data.len() - 22..].starts_with(b"PK\x05\x06") && has_eocd(data)
}

/// Apply a ZIP64 extended-information extra field to sizes and offset that overflowed.
fn zip64_extra(extra: &[u8], e: &mut Entry) {
    let mut p = 0;
    while p + 4 <= extra.len() {
        let (Some(id), Some(len)) = (u16_at(extra, p), u16_at(extra, p + 2)) else {
            return;
        };
        let body = &extra[(p + 4).min(extra.len())..(p + 4 + len as usize).min(extra.len())];
        if id == 1 {
            let mut q = 0;
            for field in [&mut e.usize, &mut e.csize, &mut e.local_offset] {
                if *field == u64::from(u32::MAX) {
                    if let Some(v) = u64_at(body, q) {
                        *field = v;
                        q += 8;
                    }
                }
            }
        }
        p += 4 + len as usize;
    }
}

fn parse_central(
    data: &[u8],
    cd_start: usize,
    count: u64,
    cd_end: usize,
) -> (Vec<Entry>, Option<String>) {
    let mut out = Vec::new();
    let mut p = cd_start;
    // Never trust the declared count beyond what the directory's bytes can hold.
    let max = count.min(((cd_end.saturating_sub(cd_start)) / 46) as u64 + 1);
    for i in 0..max {
        if !data.get(p..).is_some_and(|d| d.starts_with(b"PK\x01\x02")) {
            return (
                out,
                Some(format!(
                    "central directory entry {i} at offset {p} has no signature"
                )),
            );
        }
        let (
            Some(flags),
            Some(method),
            Some(crc),
            Some(cs),
            Some(us),
            Some(nl),
            Some(el),
            Some(cl),
            Some(lo),
        ) = (
            u16_at(data, p + 8),
            u16_at(data, p + 10),
            u32_at(data, p + 16),
            u32_at(data, p + 20),
            u32_at(data, p + 24),
            u16_at(data, p + 28),
            u16_at(data, p + 30),
            u16_at(data, p + 32),
            u32_at(data, p + 42),
        )
        else {
            return (
                out,
                Some(format!("central directory truncated at entry {i}")),
            );
        };
        let name_end = p + 46 + nl as usize;
        let extra_end = name_end + el as usize;
        let Some(name) = data.get(p + 46..name_end) else {
            return (
                out,
                Some(format!("central directory truncated at entry {i}")),
            );
        };
        let mut e = Entry {
            name: name.to_vec(),
            flags,
            method,
            crc,
            csize: u64::from(cs),
            usize: u64::from(us),
            local_offset: u64::from(lo),
            central_offset: p as u64,
        };
        if let Some(extra) = data.get(name_end..extra_end) {
            zip64_extra(extra, &mut e);
        }
        out.push(e);
        p = extra_end + cl as usize;
    }
    (out, None)
}

/// Entries found by walking local headers from the start (when there is no usable central
/// directory). Members with a data descriptor and no sizes end the walk.
fn walk_local(data: &[u8], max: u64) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut p = 0usize;
    while (out.len() as u64) < max && data.get(p..).is_some_and(|d| d.starts_with(b"PK\x03\x04")) {
        let (Some(flags), Some(method), Some(crc), Some(cs), Some(us), Some(nl), Some(el)) = (
            u16_at(data, p + 6),
            u16_at(data, p + 8),
            u32_at(data, p + 14),
            u32_at(data, p + 18),
            u32_at(data, p + 22),
            u16_at(data, p + 26),
            u16_at(data, p + 28),
        ) else {
            break;
        };
        let Some(name) = data.get(p + 30..p + 30 + nl as usize) else {
            break;
        };
        if flags & 8 != 0 && cs == 0 {
            break;
        }
        out.push(Entry {
            name: name.to_vec(),
            flags,
            method,
            crc,
            csize: u64::from(cs),
            usize: u64::from(us),
            local_offset: p as u64,
            central_offset: p as u64,
        });
        p += 30 + nl as usize + el as usize + cs as usize;
    }
    out
}

/// A member name as text: invalid UTF-8 bytes as `\xNN` ([`crate::finding::escape_invalid_utf8`]),
/// so the name shown is the name stored.
fn show(name: &[u8]) -> String {
    crate::finding::escape_invalid_utf8(name)
}

/// True for `../x`, `a/../../x`, `/abs`, `C:\x` and `\\server\x`.
pub fn is_traversal(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/') || n.as_bytes().get(1) == Some(&b':') || normalise_member(&n).is_none()
}

/// A member path with `.` and `..` components resolved and `\\` read as `/`, as extraction
/// writes it; `None` when a `..` climbs above the extraction folder (`a/../setup.py` is
/// `setup.py`, inside; `a/../../x` leaves). Absolute paths are not judged here.
pub fn normalise_member(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in name.split(['/', '\\']) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// Report a member name that escapes the extraction folder.
pub fn check_member_name(ctx: &mut Ctx, name: &str, loc: &Location) {
    if is_traversal(name) {
        ctx.emit(
            Finding::builder(&r::archive_path_traversal::RULE, loc.clone())
                .message("member name leaves the extraction folder")
                .evidence(format!("member name {name:?}"))
                .build(),
        );
    }
}

/// Analyse a zip; returns the refined format (Keras v3, PyTorch zip, TorchScript, npz, or zip).
/// Members whose role the refined format defines ([`crate::formats::member_role`]) are analysed
/// as that format rather than sniffed.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32) -> Format {
    let max_members = ctx.budget.limits.max_members;
    // Python modules' links left by this archive's members, joined when they are all read.
    let links_start = ctx.python_links.len();
    let pyc_start = ctx.pyc_modules.len();
    // Byte ranges of the archive's own structures (directories, end records), for the
    // hidden-data check; empty when the directory was not read whole (gaps mean nothing then).
    let mut structure: Vec<(u64, u64, String)> = Vec::new();
    let ends = find_ends(data);
    // Entries carry absolute offsets in this file from here on.
    let mut entries = match &ends {
        Some(ends) => {
            // Where the directory really is, and how far the archive was shifted by a prefix.
            let real_start = (ends.end as u64).saturating_sub(ends.size);
            let delta = real_start.saturating_sub(ends.offset);
            let (entries, err) = parse_central(
                data,
                real_start as usize,
                ends.count.min(max_members + 1),
                ends.end,
            );
            let mut entries: Vec<Entry> = entries
                .into_iter()
                .map(|e| Entry {
                    local_offset: e.local_offset.saturating_add(delta),
                    ..e
                })
                .collect();
            if let Some(err) = &err {
                // Streaming extractors read local headers; so does airlock when the directory
                // is damaged, for every member the directory did not list.
                let listed: HashSet<u64> = entries.iter().map(|e| e.local_offset).collect();
                for e in walk_local(data, max_members + 1) {
                    if !listed.contains(&e.local_offset) {
                        entries.push(e);
                    }
                }
                ctx.emit(
                    Finding::builder(&r::archive_malformed::RULE, loc.clone())
                        .message("the zip central directory is damaged; members after the damage were not listed")
                        .evidence(err.clone())
                        .build(),
                );
            } else {
                structure.push((real_start, ends.end as u64, "the central directory".into()));
                if let Some(rec) = ends.z64 {
                    // The record's own size field counts what follows it (extensible data).
                    let len = u64_at(data, rec + 4).map_or(44, |n| n.min(1 << 20));
                    let stop = (rec as u64).saturating_add(12).saturating_add(len);
                    structure.push((rec as u64, stop, "the ZIP64 end record".into()));
                }
            }
            union_with_python(ctx, data, ends, &mut entries, &mut structure, loc);
            entries
        }
        None => {
            let entries = walk_local(data, max_members + 1);
            ctx.emit(
                Finding::builder(&r::archive_malformed::RULE, loc.clone())
                    .message("no end of central directory record: truncated or not a complete zip; members were read from their local headers")
                    .evidence(format!(
                        "{}, {} readable",
                        plural(data.len(), "byte"),
                        plural(entries.len(), "local header")
                    ))
                    .build(),
            );
            entries
        }
    };
    if let Some(first) = entries.iter().map(|e| e.local_offset).min() {
        if first > 0 {
            ctx.emit(
                Finding::builder(
                    &r::archive_prefix_data::RULE,
                    loc.with_span(Span::Offset { offset: 0 }),
                )
                .message(format!(
                    "{} before the first zip member",
                    plural(first, "byte")
                ))
                .evidence(format!(
                    "first bytes: {}",
                    crate::finding::hex_head(data, 12)
                ))
                .build(),
            );
            // What a reader that walks local headers, or loads the file as another format,
            // finds there is analysed like hidden data between members (a pickle at the start
            // is read by the polyglot check already).
            let prefix = &data[..(first as usize).min(data.len())];
            if !matches!(sniff(prefix), Format::Unknown | Format::Text)
                && crate::formats::pickle::looks_like(data).is_none()
            {
                let name = "<data before the first member>";
                ctx.nested(prefix, &loc.member(name.to_string()), name, depth + 1);
            }
        }
    }
    if let (Some(ends), false) = (&ends, structure.is_empty()) {
        if let Some(l) = ends.locator {
            structure.push((l as u64, ends.eocd as u64, "the ZIP64 locator".into()));
        }
        hidden_data(
            ctx,
            data,
            &entries,
            &structure,
            ends.eocd as u64,
            loc,
            depth,
        );
    }
    if let Some(ends) = &ends {
        after_end_record(ctx, data, ends.eocd, loc, depth);
    }
    entries.sort_by_key(|e| e.central_offset);
    let repeats = overlapping(ctx, data, &entries, loc);
    let names: Vec<String> = entries.iter().map(|e| show(&e.name)).collect();
    let refined = refine(&names);
    let mut wheel = (refined == Format::Wheel).then(WheelParts::default);
    for (i, e) in entries.iter().enumerate() {
        if repeats.contains(&i) {
            continue;
        }
        if ctx.budget.out_of_time() {
            ctx.limit(
                loc,
                &format!("time per input ({:?})", ctx.budget.limits.max_time),
                "the remaining zip members",
            );
            break;
        }
        member(ctx, data, e, loc, depth, refined, wheel.as_mut());
    }
    if let Some(parts) = &wheel {
        crate::formats::pypkg::check_wheel(ctx, parts, loc);
    }
    // Members read again by name (their index built once, when first needed): the `.pyc`
    // judge's sources beside them, and the join's modules.
    let mut sources = ZipSources {
        data,
        entries: &entries,
        loc,
        by_name: None,
        yara: ctx.yara.clone(),
    };
    // Its `.pyc` members, judged by the members beside them.
    let pycs = ctx
        .pyc_modules
        .split_off(pyc_start.min(ctx.pyc_modules.len()));
    if !pycs.is_empty() {
        for (_, f) in crate::formats::pyc::judge(&pycs, &mut sources) {
            ctx.emit(f);
        }
    }
    // The archive's Python modules are one package space: joined here, with members inflated
    // again when the join must read one, so no source is held while the members are read.
    let links = ctx
        .python_links
        .split_off(links_start.min(ctx.python_links.len()));
    if !links.is_empty() {
        let links = links.into_iter().map(std::borrow::Cow::Owned).collect();
        for (_, f) in crate::formats::python::join::join(links, &mut sources) {
            ctx.emit(f);
        }
    }
    refined
}

/// The members of one zip, inflated again for the join of its Python modules (at most
/// [`crate::formats::python::MAX_SOURCE`] bytes each; a member that fails is `None`).
struct ZipSources<'a> {
    data: &'a [u8],
    entries: &'a [Entry],
    loc: &'a Location,
    by_name: Option<std::collections::HashMap<String, usize>>,
    /// The scan's byte-pattern rules, for members the join reads as scripts.
    yara: Option<std::sync::Arc<crate::yara::YaraRules>>,
}

impl crate::formats::python::join::Sources for ZipSources<'_> {
    fn yara(&self) -> Option<std::sync::Arc<crate::yara::YaraRules>> {
        self.yara.clone()
    }

    fn read(&mut self, locs: &[&Location]) -> Vec<Option<Vec<u8>>> {
        let data = self.data;
        locs.iter()
            .map(|l| self.entry(l).and_then(|e| member_source(data, e)))
            .collect()
    }
}

impl ZipSources<'_> {
    /// The entry of the member `l` names, when it is a member of this archive.
    fn entry(&mut self, l: &Location) -> Option<&Entry> {
        let entries = self.entries;
        let by_name = self.by_name.get_or_insert_with(|| {
            entries
                .iter()
                .enumerate()
                .map(|(i, e)| (show(&e.name), i))
                .collect()
        });
        let base = self.loc.members.len();
        if l.path != self.loc.path
            || l.members.len() != base + 1
            || l.members[..base] != self.loc.members[..]
        {
            return None;
        }
        by_name.get(&l.members[base]).map(|&i| &entries[i])
    }
}

impl crate::formats::pyc::Siblings for ZipSources<'_> {
    fn size(&mut self, loc: &Location) -> Option<u64> {
        self.entry(loc).map(|e| e.usize)
    }

    fn read(&mut self, loc: &Location) -> Option<Vec<u8>> {
        let data = self.data;
        member_source(data, self.entry(loc)?)
    }
}

/// A member's bytes again, when they are at most `MAX_SOURCE` (stored: copied; compressed:
/// inflated up to one byte past the bound).
fn member_source(data: &[u8], e: &Entry) -> Option<Vec<u8>> {
    let max = crate::formats::python::MAX_SOURCE as u64;
    if e.usize > max {
        return None;
    }
    let lho = usize::try_from(e.local_offset).ok()?;
    let h = data.get(lho..lho.checked_add(30)?)?;
    let nl = u16_at(h, 26)? as usize;
    let el = u16_at(h, 28)? as usize;
    let start = lho + 30 + nl + el;
    let end = (start as u64)
        .saturating_add(e.csize)
        .min(data.len() as u64) as usize;
    let raw = data.get(start..end)?;
    if e.method == 0 {
        return (raw.len() as u64 <= max).then(|| raw.to_vec());
    }
    let rd = decoder(e, raw).ok()?;
    let mut out = Vec::new();
    rd.take(max + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= max).then_some(out)
}

/// The entries (indexes into `entries`) whose data starts inside an earlier-starting entry's
/// extent (local header, name, extra field, compressed data), reported once as
/// `zip-overlapping-members`; the analysis reads each overlapping run's first entry only.
fn overlapping(ctx: &mut Ctx, data: &[u8], entries: &[Entry], loc: &Location) -> HashSet<usize> {
    let mut spans: Vec<(u64, u64, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((e.local_offset, data_end(data, e)?, i)))
        .collect();
    spans.sort_unstable();
    let mut repeats = HashSet::new();
    let mut reach: Option<(u64, u64, usize)> = None;
    let mut first = None;
    for (start, end, i) in spans {
        if let Some((rs, re, ri)) = reach {
            if start < re {
                repeats.insert(i);
                first.get_or_insert((i, start, ri, rs, re));
                if end <= re {
                    continue;
                }
            }
        }
        reach = Some((start, end, i));
    }
    if let Some((i, start, ri, rs, re)) = first {
        ctx.emit(
            Finding::builder(&r::zip_overlapping_members::RULE, loc.clone())
                .message("zip entries overlap another entry's data (a zip bomb's construction); the repeats were not decompressed again")
                .evidence(format!(
                    "{} overlap another's data (first: {:?} starts at offset {start}, inside {:?}, offsets {rs}..{re})",
                    if repeats.len() == 1 {
                        "1 entry".to_string()
                    } else {
                        format!("{} entries", repeats.len())
                    },
                    show(&entries[i].name),
                    show(&entries[ri].name)
                ))
                .build(),
        );
    }
    repeats
}

/// Where a member's compressed data ends in the file: its local header (with the local name and
/// extra fields), then the central directory's compressed size. `None` when the local header is
/// not there.
fn data_end(data: &[u8], e: &Entry) -> Option<u64> {
    let lho = usize::try_from(e.local_offset).ok()?;
    let h = data.get(lho..lho.checked_add(30)?)?;
    if !h.starts_with(b"PK\x03\x04") {
        return None;
    }
    let nl = u64::from(u16_at(h, 26)?);
    let el = u64::from(u16_at(h, 28)?);
    Some(
        e.local_offset
            .saturating_add(30 + nl + el)
            .saturating_add(e.csize),
    )
}

/// Where a member's bytes end in the file: its local header (with the local name and extra
/// fields, which hold ZIP64 sizes and alignment padding such as PyTorch's `FB` field), its
/// compressed data (the central directory's size, which readers trust), and its data descriptor
/// when flag bit 3 is set (optional signature, CRC, then 32- or 64-bit sizes). `None` when the
/// local header is not there (reported by [`member`]).
fn member_end(data: &[u8], e: &Entry) -> Option<u64> {
    let mut end = data_end(data, e)?;
    if e.flags & 8 != 0 {
        let p = usize::try_from(end).ok()?;
        let mut d = p;
        if data.get(d..d + 4) == Some(b"PK\x07\x08") {
            d += 4;
        }
        // CRC, then sizes: 64-bit ones when they match the entry (ZIP64), else 32-bit.
        d += 4;
        let wide = u64_at(data, d) == Some(e.csize) && u64_at(data, d + 8) == Some(e.usize);
        d += if wide { 16 } else { 8 };
        end = d as u64;
    }
    Some(end)
}

/// Add to `entries` (the locator readers' listing) the members CPython's `zipfile` lists and
/// they do not, and report the disagreement (`zip-header-mismatch`, high: the same principle as
/// a local header that disagrees with the directory, two readers that load different members).
/// pip, `numpy.load` and Keras read through `zipfile`; PyTorch through miniz. CPython's
/// directory and end record join `structure`.
fn union_with_python(
    ctx: &mut Ctx,
    data: &[u8],
    ends: &Ends,
    entries: &mut Vec<Entry>,
    structure: &mut Vec<(u64, u64, String)>,
    loc: &Location,
) {
    let max = ctx.budget.limits.max_members;
    // An archive Python refuses (or one past the member bound) has no Python listing to add.
    let Ok((python, dir)) = python_directory(data, ends, max) else {
        return;
    };
    let key = |e: &Entry| (e.name.clone(), e.local_offset);
    let ours: HashSet<(Vec<u8>, u64)> = entries.iter().map(key).collect();
    let theirs: HashSet<(Vec<u8>, u64)> = python.iter().map(key).collect();
    let walked = python.len();
    let only_ours: Vec<String> = entries
        .iter()
        .filter(|e| !theirs.contains(&key(e)))
        .map(|e| show(&e.name))
        .collect();
    let only_python: Vec<Entry> = python
        .into_iter()
        .filter(|e| !ours.contains(&key(e)))
        .collect();
    if !structure.is_empty() {
        structure.push((dir.0 as u64, dir.1 as u64, "the central directory".into()));
        if let Some(r) = ends.z64_python {
            let stop = (r + Z64_RECORD) as u64;
            structure.push((r as u64, stop, "the ZIP64 end record".into()));
        }
    }
    let names = |v: &[String]| {
        let mut s = v
            .iter()
            .take(8)
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        if v.len() > 8 {
            s.push_str(&format!(" and {} more", v.len() - 8));
        }
        s
    };
    let mut diffs = Vec::new();
    if ends.count != walked as u64 {
        diffs.push(format!(
            "the end record counts {} entries, CPython's zipfile walks {} in the directory's {}",
            ends.count,
            walked,
            plural(ends.size, "byte")
        ));
    }
    if ends.locator.is_some() && ends.z64 != ends.z64_python {
        let at = |r: Option<usize>| r.map_or("none".to_string(), |r| format!("offset {r}"));
        diffs.push(format!(
            "the ZIP64 locator names the end record at {}, CPython's zipfile reads the one before the locator at {}",
            at(ends.z64),
            at(ends.z64_python)
        ));
    }
    if !only_python.is_empty() {
        let v: Vec<String> = only_python.iter().map(|e| show(&e.name)).collect();
        diffs.push(format!("only CPython's zipfile lists {}", names(&v)));
    }
    if !only_ours.is_empty() {
        diffs.push(format!(
            "only readers that follow the count and locator list {}",
            names(&only_ours)
        ));
    }
    if diffs.is_empty() {
        return;
    }
    ctx.emit(
        Finding::builder(&r::zip_header_mismatch::RULE, loc.with_span(Span::Offset { offset: ends.eocd as u64 }))
            .message("readers disagree on the zip's member list: CPython's zipfile (pip, numpy.load, Keras) walks the directory's bytes and takes the ZIP64 end record before the locator, PyTorch's miniz and the zip crate follow the entry count and the locator; the members of both are analysed")
            .evidence(diffs.join("; "))
            .build(),
    );
    entries.extend(only_python);
}

/// Most hidden regions reported (and analysed) per archive; the rest are counted.
const MAX_HIDDEN_REPORTS: usize = 16;

/// Bytes between the first member (the start of the file when no member is listed) and the
/// end record at `end` that no member and no structure of the archive (`structure`: the
/// directories and end records the readers use) covers (`zip-hidden-data`), so bytes left
/// after a chosen end record, or a whole archive behind an end record that lists nothing, are
/// seen. Each region is reported and, when it sniffs as a known format (a pickle, a local
/// header with its member, a compressed stream), analysed as a nested artifact. Offsets in
/// `entries` are absolute.
fn hidden_data(
    ctx: &mut Ctx,
    data: &[u8],
    entries: &[Entry],
    structure: &[(u64, u64, String)],
    end: u64,
    loc: &Location,
    depth: u32,
) {
    // (start, end, what) of every member and structure, in file order.
    let mut spans: Vec<(u64, u64, String)> = Vec::with_capacity(entries.len() + structure.len());
    for e in entries {
        let Some(stop) = member_end(data, e) else {
            // A member whose local header is missing: what lies around it cannot be placed.
            return;
        };
        spans.push((e.local_offset, stop, format!("member {}", show(&e.name))));
    }
    // Bytes before the first member are prefix data, reported on their own; with no member at
    // all, everything before the directory is unaccounted for.
    let from = spans.iter().map(|s| s.0).min().unwrap_or(0);
    spans.extend(structure.iter().cloned());
    spans.sort_by_key(|s| s.0);
    let end = end.min(data.len() as u64);
    let mut gaps: Vec<(u64, u64, String, String)> = Vec::new();
    let (mut reach, mut prev) = (from, "the start of the archive".to_string());
    for (start, stop, what) in spans {
        let start = start.min(end);
        if start > reach {
            gaps.push((reach, start, prev.clone(), what.clone()));
        }
        if stop > reach {
            reach = stop;
            prev = what;
        }
    }
    if end > reach {
        gaps.push((reach, end, prev, "the end record".to_string()));
    }
    let total = gaps.len();
    for (start, end, after, before) in gaps.into_iter().take(MAX_HIDDEN_REPORTS) {
        let bytes = &data[start as usize..end as usize];
        ctx.emit(
            Finding::builder(
                &r::zip_hidden_data::RULE,
                loc.with_span(Span::Offset { offset: start }),
            )
            .message(format!(
                "{} after {after}, before {before}, that no central directory entry covers",
                plural(bytes.len(), "byte")
            ))
            .evidence(format!(
                "hidden bytes: {}",
                crate::finding::hex_head(bytes, 16)
            ))
            .build(),
        );
        if !matches!(sniff(bytes), Format::Unknown | Format::Text) {
            let name = format!("<hidden data at offset {start}>");
            ctx.nested(bytes, &loc.member(name.clone()), &name, depth + 1);
        }
    }
    if total > MAX_HIDDEN_REPORTS {
        ctx.limit(
            loc,
            &format!("{MAX_HIDDEN_REPORTS} hidden regions reported per archive"),
            &format!("{} more hidden regions", total - MAX_HIDDEN_REPORTS),
        );
    }
}

/// The archive comment and the bytes after the end record (`eocd` its position): readers skip
/// both, so content of a recognised format there (a pickle placed as the comment or appended
/// after the archive) is `zip-hidden-data` and analysed as a nested artifact. Text comments and
/// unrecognised padding are what archivers and signers leave, and are not reported.
fn after_end_record(ctx: &mut Ctx, data: &[u8], eocd: usize, loc: &Location, depth: u32) {
    let Some(comment_len) = u16_at(data, eocd + 20) else {
        return;
    };
    let start = eocd + 22;
    let comment_end = (start + usize::from(comment_len)).min(data.len());
    for (from, to, what) in [
        (start, comment_end, "the archive comment"),
        (comment_end, data.len(), "the space after the end record"),
    ] {
        let Some(bytes) = data.get(from..to).filter(|b| !b.is_empty()) else {
            continue;
        };
        let f = sniff(bytes);
        if matches!(f, Format::Unknown | Format::Text) {
            continue;
        }
        ctx.emit(
            Finding::builder(
                &r::zip_hidden_data::RULE,
                loc.with_span(Span::Offset {
                    offset: from as u64,
                }),
            )
            .message(format!(
                "{} holds {} data ({}) that zip readers skip",
                what,
                f.name(),
                plural(bytes.len(), "byte")
            ))
            .evidence(format!(
                "hidden bytes: {}",
                crate::finding::hex_head(bytes, 16)
            ))
            .build(),
        );
        let name = format!("<hidden data at offset {from}>");
        ctx.nested(bytes, &loc.member(name.clone()), &name, depth + 1);
    }
}

/// sha256 and size of a decompressed stream whose first bytes (`head`) were already taken from
/// `r`: the rest is read in chunks and never held whole; bounded by the member allowance and
/// the input's time.
fn stream_digest<R: Read>(
    ctx: &mut Ctx,
    head: &[u8],
    mut r: R,
) -> Result<([u8; 32], u64), crate::formats::compress::Stopped> {
    use crate::formats::compress::Stopped;
    use sha2::Digest;
    let cap = ctx.budget.member_allowance();
    let mut h = sha2::Sha256::new();
    // Large reads keep the inflater's window copies (32 KiB per call) small next to the output.
    let mut buf = vec![0u8; 1 << 20];
    h.update(head);
    let mut n = head.len() as u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => {
                h.update(&buf[..k]);
                n += k as u64;
                if n > cap {
                    return Err(Stopped::Limit(format!(
                        "decompressed size above {cap} bytes (member or total bound)"
                    )));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Stopped::Corrupt(e.to_string())),
        }
        if ctx.budget.out_of_time() {
            return Err(Stopped::Limit("time per input".into()));
        }
    }
    Ok((h.finalize().into(), n))
}

/// Record what the wheel checks need about one member's whole content.
fn record_wheel_member(parts: &mut WheelParts, name: &str, body: &[u8], format: Format) {
    crate::formats::pypkg::record_digest(
        parts,
        name,
        crate::formats::pypkg::sha256(body),
        body.len() as u64,
        format,
    );
    let dist_info = name.matches('/').count() == 1
        && [
            ".dist-info/RECORD",
            ".dist-info/WHEEL",
            ".dist-info/entry_points.txt",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        // `Entry_Points.txt` is read on case-insensitive file systems (Windows, macOS).
        || (name.matches('/').count() == 1
            && name
                .to_ascii_lowercase()
                .ends_with(".dist-info/entry_points.txt"));
    if dist_info && body.len() < 64 << 20 {
        parts
            .dist_info
            .push((name.to_string(), String::from_utf8_lossy(body).into_owned()));
    }
}

fn refine(names: &[String]) -> Format {
    let has = |suffix: &str| {
        names
            .iter()
            .any(|n| n == suffix.trim_start_matches('/') || n.ends_with(suffix))
    };
    let dist_info = |f: &str| {
        names
            .iter()
            .any(|n| n.matches('/').count() == 1 && n.ends_with(&format!(".dist-info/{f}")))
    };
    let root = |n: &str| names.iter().any(|m| m == n);
    if dist_info("WHEEL") || dist_info("RECORD") {
        Format::Wheel
    // Keras 3 `saving_lib.load_model` opens `config.json` and `metadata.json` at the root of the
    // zip (keras `src/saving/saving_lib.py`); `model.weights.h5` may be absent.
    } else if root("config.json") && root("metadata.json") {
        Format::Keras
    } else if crate::formats::skops::is_skops(names) {
        Format::Skops
    } else if has("/constants.pkl") && names.iter().any(|n| n.contains("/code/")) {
        Format::Torchscript
    } else if has("/data.pkl") || has("data.pkl") {
        Format::PytorchZip
    } else if !names.is_empty()
        && names
            .iter()
            .all(|n| n.ends_with(".npy") || n.ends_with('/'))
    {
        Format::Npz
    } else {
        Format::Zip
    }
}

fn member(
    ctx: &mut Ctx,
    data: &[u8],
    e: &Entry,
    loc: &Location,
    depth: u32,
    container: Format,
    mut wheel: Option<&mut WheelParts>,
) {
    let name = show(&e.name);
    let role = crate::formats::member_role(container, &name);
    let mloc = loc.member(name.clone());
    check_member_name(ctx, &name, &mloc);
    let lho = e.local_offset as usize;
    // Compare the local header with the central directory (PyTorch trusts the latter).
    let local = data.get(lho..lho.saturating_add(30));
    let mut data_start = None;
    match local {
        Some(h) => {
            let sig_ok = h.starts_with(b"PK\x03\x04");
            let lflags = u16_at(h, 6).unwrap_or(0);
            let lmethod = u16_at(h, 8).unwrap_or(0);
            let lcs = u32_at(h, 18).unwrap_or(0);
            let lus = u32_at(h, 22).unwrap_or(0);
            let nl = u16_at(h, 26).unwrap_or(0) as usize;
            let el = u16_at(h, 28).unwrap_or(0) as usize;
            let lname = data.get(lho + 30..lho + 30 + nl).unwrap_or(&[]);
            let mut diffs = Vec::new();
            if !sig_ok {
                diffs.push(format!(
                    "local header signature is {:02x?}, not PK\\x03\\x04",
                    &h[..4]
                ));
            }
            if lname != e.name.as_slice() {
                diffs.push(format!(
                    "local name {:?}, central name {:?}",
                    show(lname),
                    name
                ));
            }
            if lmethod != e.method {
                diffs.push(format!(
                    "local method {lmethod}, central method {}",
                    e.method
                ));
            }
            if (lflags & 1) != (e.flags & 1) {
                diffs.push(format!(
                    "local flags {lflags:#06x}, central flags {:#06x}",
                    e.flags
                ));
            }
            let sizes_known = lflags & 8 == 0 && lcs != u32::MAX && lus != u32::MAX;
            if sizes_known && (u64::from(lcs) != e.csize || u64::from(lus) != e.usize) {
                diffs.push(format!(
                    "local sizes {lcs}/{lus}, central sizes {}/{}",
                    e.csize, e.usize
                ));
            }
            if !diffs.is_empty() {
                ctx.emit(
                    Finding::builder(&r::zip_header_mismatch::RULE, mloc.with_span(Span::Offset { offset: lho as u64 }))
                        .message("the local file header disagrees with the central directory; readers that walk local headers see another archive")
                        .evidence(diffs.join("; "))
                        .build(),
                );
            }
            let start = lho + 30 + nl + el;
            if start <= data.len() {
                data_start = Some(start);
            }
        }
        None => {
            ctx.emit(
                Finding::builder(&r::zip_header_mismatch::RULE, mloc.clone())
                    .message("the central directory points past the end of the file")
                    .evidence(format!(
                        "local header offset {lho}, file size {}",
                        data.len()
                    ))
                    .build(),
            );
        }
    }
    let Some(start) = data_start else { return };
    if e.name.ends_with(b"/") && e.usize == 0 {
        return;
    }
    if e.flags & 1 != 0 {
        ctx.emit(
            Finding::builder(&r::zip_encrypted_flag::RULE, mloc.clone())
                .message("member is flagged encrypted; Python's zipfile refuses it, PyTorch reads it as plain data; analysed as stored")
                .evidence(format!("general purpose flags {:#06x}", e.flags))
                .build(),
        );
    }
    let end = (start as u64).saturating_add(e.csize);
    let raw = &data[start..(end.min(data.len() as u64) as usize)];
    if end > data.len() as u64 {
        ctx.emit(
            Finding::builder(&r::archive_malformed::RULE, mloc.clone())
                .message("member data runs past the end of the file")
                .evidence(format!(
                    "{} of {} compressed bytes present",
                    raw.len(),
                    e.csize
                ))
                .build(),
        );
    }
    match e.method {
        0 => {
            // Stored: a zero-copy slice. Only what the format needs is touched.
            let body = raw;
            let f = role.unwrap_or_else(|| refine_by_name(sniff(body), &name));
            if needs_whole(f) {
                check_crc(ctx, body, e, &mloc);
            }
            if let Some(parts) = wheel {
                record_wheel_member(parts, &name, body, f);
            }
            ctx.nested_as(body, body.len() as u64, &mloc, &name, depth + 1, role);
        }
        8 | 12 | 14 | 93 | 95 => {
            // One decoder per member: the head sniffed first, then, when more is needed, the
            // rest decoded after it (never the head twice).
            let mut rd = match decoder(e, raw) {
                Ok(rd) => rd,
                Err(why) => {
                    ctx.emit(
                        Finding::builder(&r::archive_malformed::RULE, mloc.clone())
                            .message(format!(
                                "member's compressed stream cannot be decoded ({why}); member not analysed"
                            ))
                            .evidence(format!("method {}, {} compressed bytes", e.method, e.csize))
                            .build(),
                    );
                    return;
                }
            };
            let (mut head, mut stop) =
                read_bounded(ctx, &mut rd, raw.len() as u64, Some(SNIFF_PREFIX));
            let lied = size_lie(ctx, head.len() as u64, e, &mloc, false);
            let f = role.unwrap_or_else(|| refine_by_name(sniff(&head), &name));
            // Content the byte-pattern rules match is held up to their bound, as a file on disk
            // is, so padding a script or a library past the sniffed head hides nothing.
            if f.judged_by_head()
                && ctx.yara.is_some()
                && crate::yara::matched_format(f)
                && stop.is_none()
                && head.len() as u64 >= SNIFF_PREFIX
            {
                ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(head.len() as u64);
                (head, stop) = read_bounded_sized(
                    ctx,
                    &mut rd,
                    raw.len() as u64,
                    Some(crate::yara::MAX_MATCHED as u64),
                    e.usize,
                    head,
                );
            }
            // A wheel member judged from its head (a native library, data) is only hashed for
            // the RECORD check: streamed through sha256, never held whole.
            if let Some(parts) = wheel.as_deref_mut() {
                let more = stop.is_none() && head.len() as u64 >= SNIFF_PREFIX;
                if more && !needs_whole(f) && !f.is_text() {
                    match stream_digest(ctx, &head, rd) {
                        Ok((digest, size)) => {
                            crate::formats::pypkg::record_digest(parts, &name, digest, size, f)
                        }
                        Err(s) => report_stop(ctx, &s, &mloc, 0),
                    }
                    ctx.nested_as(&head, e.usize, &mloc, &name, depth + 1, role);
                    return;
                }
            }
            // A wheel's RECORD check needs every member whole.
            let whole = needs_whole(f) || wheel.is_some();
            // Formats judged from their header need no more than the prefix.
            let header_only = match f {
                Format::Npy => !crate::formats::numpy::is_object(&head),
                Format::Safetensors => crate::formats::safetensors::header_fits(&head),
                _ => false,
            };
            if header_only && stop.is_none() && wheel.is_none() {
                if f == Format::Npy {
                    npy_tail(ctx, rd, raw.len() as u64, &head, e.usize, &mloc);
                }
                ctx.nested_sized(&head, e.usize, &mloc, &name, depth + 1);
                ctx.npy_tail = None;
                return;
            }
            if !whole || (stop.is_none() && (head.len() as u64) < SNIFF_PREFIX) {
                if let Some(s) = &stop {
                    report_stop(ctx, s, &mloc, head.len());
                }
                if whole {
                    check_crc(ctx, &head, e, &mloc);
                }
                if let Some(parts) = wheel {
                    record_wheel_member(parts, &name, &head, f);
                }
                // A member judged from what was read keeps its declared size, so the matcher
                // names the bytes it did not see.
                let total = if whole {
                    head.len() as u64
                } else {
                    e.usize.max(head.len() as u64)
                };
                ctx.nested_as(&head, total, &mloc, &name, depth + 1, role);
                return;
            }
            ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(head.len() as u64);
            // Text (sources, .pth, configs, lock files) has no business being larger than
            // MAX_TEXT_MEMBER: inflate one byte more than that and stop.
            let text = f.is_text();
            let want = text.then_some(MAX_TEXT_MEMBER + 1);
            // A pickle member is held in a window: bytes after its last pickle are counted,
            // not held (a wheel's RECORD check needs every member whole).
            let (mut body, stop) = if matches!(f, Format::Pickle(_)) && wheel.is_none() {
                use crate::formats::compress::{
                    hold_pickle, report_cut, HeldPickle, PICKLE_WINDOW,
                };
                let mut tail_crc = flate2::Crc::new();
                let held = hold_pickle(ctx, &mut rd, raw.len() as u64, e.usize, head, &mut |b| {
                    tail_crc.update(b)
                });
                match held {
                    HeldPickle::Whole(all, stop) => (all, stop),
                    HeldPickle::Cut {
                        win,
                        end,
                        skipped,
                        stop,
                    } => {
                        size_lie(ctx, PICKLE_WINDOW + skipped, e, &mloc, lied);
                        report_cut(ctx, end, skipped, stop.as_ref(), &mloc, &mloc);
                        if stop.is_none() {
                            let mut crc = flate2::Crc::new();
                            crc.update(&win);
                            crc.combine(&tail_crc);
                            crc_matches(ctx, crc.sum(), e, &mloc);
                        }
                        let total = win.len() as u64 + skipped;
                        ctx.nested_as(&win, total, &mloc, &name, depth + 1, role);
                        return;
                    }
                }
            } else {
                read_bounded_sized(ctx, &mut rd, raw.len() as u64, want, e.usize, head)
            };
            size_lie(ctx, body.len() as u64, e, &mloc, lied);
            let too_big = text && body.len() as u64 > MAX_TEXT_MEMBER;
            if too_big {
                // A wheel's RECORD check needs the whole member's digest: the rest is hashed
                // as it streams, never held.
                if let Some(parts) = wheel.as_deref_mut() {
                    if let Ok((digest, n)) = stream_digest(ctx, &body, &mut rd) {
                        crate::formats::pypkg::record_digest(parts, &name, digest, n, f);
                    }
                }
                body.truncate(MAX_TEXT_MEMBER as usize);
                ctx.limit(
                    &mloc,
                    &format!("a text member larger than {MAX_TEXT_MEMBER} bytes"),
                    &format!(
                        "the member after {MAX_TEXT_MEMBER} bytes ({} declared)",
                        e.usize
                    ),
                );
            }
            if let Some(s) = &stop {
                if matches!(f, Format::Pickle(_)) {
                    crate::formats::compress::report_pickle_stop(ctx, s, &mloc, body.len());
                } else {
                    report_stop(ctx, s, &mloc, body.len());
                }
            } else if !too_big {
                check_crc(ctx, &body, e, &mloc);
            }
            if let (Some(parts), false) = (wheel, too_big) {
                record_wheel_member(parts, &name, &body, f);
            }
            ctx.nested_as(&body, body.len() as u64, &mloc, &name, depth + 1, role);
        }
        m => {
            ctx.emit(
                Finding::builder(&r::archive_unsupported_method::RULE, mloc.clone())
                    .message(format!(
                        "compression method {m} is not decodable by airlock; member not analysed"
                    ))
                    .evidence(format!("method {m}, {} compressed bytes", e.csize))
                    .build(),
            );
        }
    }
}

/// Most bytes after the array data of a compressed `.npy` member kept for analysis; a longer
/// tail is reported whole but only its first part is analysed.
const MAX_NPY_TAIL: u64 = 64 << 20;

/// A compressed `.npy` member judged from its head whose declared size is longer than its array
/// data: inflate the rest, discarding the array data in chunks (never held), and hand the bytes
/// after it to the `.npy` analyser through [`Ctx::npy_tail`]. Charged to the decompression
/// budget and bounded by it, the ratio and the time; a bound or a corrupt stream is reported
/// and leaves the tail unread.
fn npy_tail(
    ctx: &mut Ctx,
    mut rd: impl Read,
    compressed: u64,
    head: &[u8],
    usize: u64,
    loc: &Location,
) {
    use crate::formats::compress::Stopped;
    let Some(end) = crate::formats::numpy::data_end(head) else {
        return;
    };
    if end >= usize || (head.len() as u64) >= usize {
        return;
    }
    let mut at = head.len() as u64;
    let mut tail = head
        .get(end as usize..)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let limits = ctx.budget.limits;
    let mut buf = vec![0u8; 1 << 16];
    // Skip the array data: decoded and counted, not kept.
    while at < end {
        if ctx.budget.member_allowance() < buf.len() as u64 {
            report_stop(
                ctx,
                &Stopped::Limit("decompressed size (member or total bound)".into()),
                loc,
                at as usize,
            );
            return;
        }
        if ctx.budget.out_of_time() {
            report_stop(
                ctx,
                &Stopped::Limit(format!("time per input ({:?})", limits.max_time)),
                loc,
                at as usize,
            );
            return;
        }
        let want = (end - at).min(buf.len() as u64) as usize;
        match rd.read(&mut buf[..want]) {
            Ok(0) => return,
            Ok(n) => {
                at += n as u64;
                ctx.budget.decompressed += n as u64;
                if at > limits.ratio_floor && at > compressed.saturating_mul(limits.max_ratio) {
                    report_stop(
                        ctx,
                        &Stopped::Limit(format!(
                            "compression ratio above {}:1 past {} bytes",
                            limits.max_ratio, limits.ratio_floor
                        )),
                        loc,
                        at as usize,
                    );
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                report_stop(ctx, &Stopped::Corrupt(e.to_string()), loc, at as usize);
                return;
            }
        }
    }
    // The skipped array was charged above; the head was charged when it was read.
    let want = (usize - end)
        .saturating_sub(tail.len() as u64)
        .min(MAX_NPY_TAIL);
    let (rest, stop) = crate::formats::compress::read_bounded(ctx, rd, compressed, Some(want));
    if let Some(s) = &stop {
        report_stop(
            ctx,
            s,
            loc,
            (at.max(end) as usize).saturating_add(rest.len()),
        );
        return;
    }
    tail.extend_from_slice(&rest);
    if end + tail.len() as u64 <= usize {
        ctx.npy_tail = Some((end, tail));
    }
}

/// Largest text member inflated (bytes): Python sources, `.pth` and `.start` files, configs,
/// templates, lock files and metadata.
const MAX_TEXT_MEMBER: u64 = 64 << 20;

/// The decoder of a member's compressed bytes `raw`: deflate (8), bzip2 (12), LZMA (14), zstd
/// (93) or xz (95), the methods Python's `zipfile` reads (APPNOTE 4.4.5; zstd since Python 3.14,
/// PEP 784).
///
/// A zstd member is one frame, as CPython's `ZstdDecompressor` reads it (its `eof` ends the
/// member); the window is bounded at libzstd's default `windowLogMax` (27, 128 MiB, ruzstd's
/// default too), so a frame header cannot ask for more memory than Python would give it. The
/// output is bounded by the caller like every other method (ratio, total, time).
///
/// An LZMA member (APPNOTE 5.8.8) starts with a 4-byte header (LZMA SDK version, properties
/// size) and the properties (lc/lp/pb byte, dictionary size u32 LE). It is decoded as CPython's
/// `zipfile` does (a raw LZMA1 decoder): general-purpose bit 1 and the declared size do not
/// decide where the stream ends; the stream's end marker or the end of the data does, and the
/// output is cut at the declared size. The dictionary is capped at the declared size and at the
/// memory bound of standalone `.lzma`/`.xz` streams: a window larger than what was decoded is
/// never referenced, and a stream that does reach further back fails where it does (reported).
///
/// Errors: a truncated LZMA header or invalid properties (a message for the finding).
fn decoder<'a>(e: &Entry, raw: &'a [u8]) -> Result<Box<dyn Read + 'a>, String> {
    use crate::formats::compress::LZMA_MEM_LIMIT_KIB;
    Ok(match e.method {
        8 => Box::new(crate::formats::compress::SliceInflater::new(raw)),
        12 => Box::new(bzip2::read::BzDecoder::new(raw)),
        14 => {
            let (Some(size), Some(_)) = (u16_at(raw, 2), raw.get(8)) else {
                return Err("LZMA header truncated".into());
            };
            let start = 4 + usize::from(size);
            let (Some(&props), Some(dict)) = (raw.get(4), u32_at(raw, 5)) else {
                return Err("LZMA header truncated".into());
            };
            if size < 5 || raw.len() < start {
                return Err(format!("LZMA properties of {size} bytes, 5 expected"));
            }
            let window = u64::from(LZMA_MEM_LIMIT_KIB / 2) * 1024;
            let dict = u64::from(dict).min(e.usize.max(4096)).min(window) as u32;
            lzma_rust2::lzma_get_memory_usage_by_props(dict, props)
                .map_err(|err| format!("LZMA properties invalid: {err}"))?;
            let inner =
                lzma_rust2::LzmaReader::new_with_props(&raw[start..], u64::MAX, props, dict, None)
                    .map_err(|err| format!("LZMA stream invalid: {err}"))?;
            Box::new(
                RawLzma {
                    inner,
                    produced: 0,
                    declared: e.usize,
                }
                .take(e.usize),
            )
        }
        93 => Box::new(
            ruzstd::decoding::StreamingDecoder::new(raw)
                .map_err(|err| format!("zstd frame header invalid: {err}"))?,
        ),
        _ => Box::new(lzma_rust2::XzReader::new_mem_limit(
            raw,
            true,
            LZMA_MEM_LIMIT_KIB,
        )),
    })
}

/// A raw LZMA1 stream read as CPython's `LZMADecompressor(FORMAT_RAW)` reads a zip member: a
/// stream without an end marker ends with its data, so running out of input once the declared
/// size was produced is the end, not an error.
struct RawLzma<R> {
    inner: R,
    produced: u64,
    declared: u64,
}

impl<R: Read> Read for RawLzma<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.produced += n as u64;
                Ok(n)
            }
            Err(_) if self.produced >= self.declared => Ok(0),
            Err(err) => Err(err),
        }
    }
}

/// Formats whose verdict needs every byte of the member (so its CRC is worth checking).
fn needs_whole(f: Format) -> bool {
    !f.judged_by_head()
}

/// A member that inflates to more than the uncompressed size its headers declare (a bomb's
/// disguise: Python's `zipfile` stops at the declared size, other readers do not) is
/// `zip-header-mismatch`, once per member (`already`: reported before). Returns whether it is
/// reported now or was before.
fn size_lie(ctx: &mut Ctx, got: u64, e: &Entry, loc: &Location, already: bool) -> bool {
    if already || got <= e.usize {
        return already;
    }
    ctx.emit(
        Finding::builder(&r::zip_header_mismatch::RULE, loc.clone())
            .message(format!(
                "the member inflates to more than the {} its headers declare",
                plural(e.usize as usize, "byte")
            ))
            .evidence(format!(
                "declared uncompressed size {}, at least {got} bytes inflated",
                e.usize
            ))
            .build(),
    );
    true
}

fn check_crc(ctx: &mut Ctx, body: &[u8], e: &Entry, loc: &Location) {
    let mut c = flate2::Crc::new();
    c.update(body);
    crc_matches(ctx, c.sum(), e, loc);
}

/// Report `zip-crc-mismatch` when `sum`, the CRC-32 of the member's data, is not the stored one.
fn crc_matches(ctx: &mut Ctx, sum: u32, e: &Entry, loc: &Location) {
    if sum != e.crc {
        ctx.emit(
            Finding::builder(&r::zip_crc_mismatch::RULE, loc.clone())
                .message("CRC-32 does not match the member's data; Python's zipfile raises, PyTorch loads it anyway")
                .evidence(format!("stored CRC {:#010x}, computed {:#010x}", e.crc, sum))
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_names() {
        assert!(is_traversal("../../etc/passwd"));
        assert!(is_traversal("/etc/passwd"));
        assert!(is_traversal("a/../../b"));
        assert!(is_traversal("C:\\x"));
        assert!(!is_traversal("archive/data.pkl"));
        assert!(!is_traversal("a..b/c"));
        // Inside after all: extraction writes `x-1.0/setup.py` (tester t14 report 2.5).
        assert!(!is_traversal("x-1.0/docs/../setup.py"));
        assert!(is_traversal("x-1.0/../../setup.py"));
    }
}
