//! Tar archives (plain; compressed ones arrive here through [`super::compress`]), including the
//! PyTorch 0.1.x tar checkpoint (`sys_info`, `pickle`, `storages`, `tensors`).
//!
//! Read with the `tar` crate over the in-memory bytes; a member's data is sliced from the input
//! by its raw file position, so nothing is copied.

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Span};
use crate::formats::Format;
use crate::rules::archive as r;

/// A pre-POSIX (v7) tar header: no `ustar` magic, but a valid header checksum and a name.
pub fn looks_like_old_tar(data: &[u8]) -> bool {
    let Some(h) = data.get(..512) else {
        return false;
    };
    if h[0] == 0 {
        return false;
    }
    let field = String::from_utf8_lossy(&h[148..156]);
    let Ok(want) = u32::from_str_radix(field.trim_matches(|c: char| c == '\0' || c == ' '), 8)
    else {
        return false;
    };
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == want
}

/// At most this many archives read back to back in one input (each past the end-of-archive
/// marker of the one before); more is `resource-limit`.
const MAX_SEGMENTS: usize = 64;

/// Analyse every member of a tar archive; returns `PytorchLegacyTar` for PyTorch 0.1.x files.
///
/// Members after the end-of-archive marker are read too: `tar -i` and Python's
/// `tarfile.open(ignore_zeros=True)` skip zero blocks and read a second archive appended there,
/// so the bytes after the marker are `tar-hidden-data` and, when they start with a tar header,
/// their members are analysed as members of this archive; other content is analysed as a
/// nested artifact.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32) -> Format {
    let mut names = Vec::new();
    let mut members: Vec<(String, usize, usize)> = Vec::new();
    let mut start = 0usize;
    for segment in 0.. {
        if segment == MAX_SEGMENTS {
            ctx.limit(
                loc,
                &format!("{MAX_SEGMENTS} archives appended after end-of-archive markers"),
                &format!(
                    "{} after offset {start}",
                    plural(data.len() - start, "byte")
                ),
            );
            break;
        }
        let Some(eoa) = read_segment(ctx, data, start, loc, &mut names, &mut members) else {
            break;
        };
        // Zero blocks after the marker are padding (tar writes whole records of 10 KiB).
        let Some(hidden) = first_nonzero_block(data, eoa) else {
            break;
        };
        let rest = &data[hidden..];
        let is_tar = crate::formats::sniff(rest) == Format::Tar || looks_like_old_tar(rest);
        ctx.emit(
            Finding::builder(&r::tar_hidden_data::RULE, loc.with_span(Span::Offset { offset: hidden as u64 }))
                .message(if is_tar {
                    "another tar archive follows the end-of-archive marker; `tar -i` and Python's tarfile with ignore_zeros read its members"
                } else {
                    "bytes follow the end-of-archive marker of the tar archive"
                })
                .evidence(format!(
                    "{} after the end-of-archive marker at offset {eoa}: {}",
                    plural(rest.len(), "byte"),
                    crate::finding::hex_head(rest, 16)
                ))
                .build(),
        );
        if is_tar {
            start = hidden;
            continue;
        }
        let f = crate::formats::sniff(rest);
        // A zip whose end record ends the file is read by the polyglot check
        // (`<zip found from the end of the file>`); reading it here too would report it twice.
        let polyglot_zip = f == Format::Zip && crate::formats::zip::has_eocd(data);
        if !matches!(f, Format::Unknown | Format::Text) && !polyglot_zip {
            let name = format!("<data after end of archive at offset {hidden}>");
            ctx.nested(rest, &loc.member(name.clone()), &name, depth + 1);
        }
        break;
    }
    // A PEP 517 in-tree backend runs when the sdist is built: analysed as install-time code.
    let backend = in_tree_backend(data, &members);
    let outer = std::mem::replace(&mut ctx.install_files, backend);
    for (name, start, size) in members {
        let mloc = loc.member(name.clone());
        crate::formats::zip::check_member_name(ctx, &name, &mloc);
        let end = start.saturating_add(size);
        let Some(body) = data.get(start..end) else {
            malformed(
                ctx,
                &mloc,
                &format!(
                    "member data ({} at {start}) runs past the end",
                    plural(size, "byte")
                ),
            );
            continue;
        };
        ctx.nested(body, &mloc, &name, depth + 1);
    }
    ctx.install_files = outer;
    let legacy = ["sys_info", "pickle", "storages"]
        .iter()
        .all(|n| names.iter().any(|m| m == n));
    let sdist = names.iter().any(|n| {
        n.matches('/').count() == 1 && (n.ends_with("/PKG-INFO") || n.ends_with("/setup.py"))
    });
    if legacy {
        Format::PytorchLegacyTar
    } else if sdist {
        Format::Sdist
    } else {
        Format::Tar
    }
}

/// Largest `pyproject.toml` read for its `[build-system]` table.
const MAX_PYPROJECT: usize = 1 << 20;

/// The members of an sdist that form its PEP 517 in-tree build backend: `pyproject.toml` at
/// the top folder names `build-backend = "pkg.mod:obj"` and `backend-path = ["dir", …]`, so
/// the frontend imports `pkg.mod` from those folders (`dir/pkg/mod.py` or
/// `dir/pkg/mod/__init__.py`) and calls its hooks. Paths with `..` are ignored (PEP 517 requires
/// them to stay inside the source tree; a frontend refuses them).
fn in_tree_backend(data: &[u8], members: &[(String, usize, usize)]) -> Vec<String> {
    let Some((name, start, size)) = members
        .iter()
        .find(|(n, _, _)| n.matches('/').count() == 1 && n.ends_with("/pyproject.toml"))
    else {
        return Vec::new();
    };
    let root = &name[..name.len() - "/pyproject.toml".len()];
    let Some(text) = data
        .get(*start..start.saturating_add(*size))
        .filter(|b| b.len() <= MAX_PYPROJECT)
        .and_then(|b| std::str::from_utf8(b).ok())
    else {
        return Vec::new();
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(bs) = doc.get("build-system").and_then(|v| v.as_table()) else {
        return Vec::new();
    };
    let (Some(backend), Some(paths)) = (
        bs.get("build-backend").and_then(|v| v.as_str()),
        bs.get("backend-path").and_then(|v| v.as_array()),
    ) else {
        return Vec::new();
    };
    let module = backend
        .split(':')
        .next()
        .unwrap_or(backend)
        .trim()
        .replace('.', "/");
    if module.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in paths.iter().filter_map(|p| p.as_str()).take(16) {
        let parts: Vec<&str> = p
            .split(['/', '\\'])
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        if parts.contains(&"..") {
            continue;
        }
        let mut dir = root.to_string();
        for c in parts {
            dir.push('/');
            dir.push_str(c);
        }
        out.push(format!("{dir}/{module}.py"));
        out.push(format!("{dir}/{module}/__init__.py"));
    }
    out
}

/// Read the headers of the archive starting at `start`, adding its names and its regular
/// members (name, absolute data offset, size). Returns the offset of the end-of-archive marker
/// (the first zero block), or `None` when the archive ran to the end of the input, was damaged
/// or hit the member bound (each reported).
fn read_segment(
    ctx: &mut Ctx,
    data: &[u8],
    start: usize,
    loc: &Location,
    names: &mut Vec<String>,
    members: &mut Vec<(String, usize, usize)>,
) -> Option<usize> {
    let seg = &data[start..];
    let mut archive = tar::Archive::new(seg);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            malformed(ctx, loc, &e.to_string());
            return None;
        }
    };
    for entry in entries {
        if ctx.budget.members + members.len() as u64 > ctx.budget.limits.max_members {
            ctx.limit(
                loc,
                &format!("more than {} members", ctx.budget.limits.max_members),
                "the remaining tar members",
            );
            return None;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                malformed(ctx, loc, &e.to_string());
                return None;
            }
        };
        let name = crate::finding::escape_invalid_utf8(&entry.path_bytes());
        names.push(name.clone());
        let kind = entry.header().entry_type();
        if !(kind.is_file()
            || kind == tar::EntryType::Continuous
            || kind == tar::EntryType::GNUSparse)
        {
            if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| crate::finding::escape_invalid_utf8(&b))
                    .unwrap_or_default();
                crate::formats::zip::check_member_name(ctx, &target, &loc.member(name.clone()));
            }
            crate::formats::zip::check_member_name(ctx, &name, &loc.member(name.clone()));
            continue;
        }
        let pos = start.saturating_add(entry.raw_file_position() as usize);
        let size = entry.size() as usize;
        members.push((name, pos, size));
    }
    // The reader (a slice, advanced by every read) stops just after the zero block that ended
    // the archive; when the input ran out instead, nothing is left and nothing follows.
    let left = archive.into_inner().len();
    let consumed = seg.len() - left;
    (left > 0 && consumed >= 512).then(|| start + consumed - 512)
}

/// The offset of the first 512-byte block at or after `from` that holds a non-zero byte (a
/// short last block counts).
fn first_nonzero_block(data: &[u8], from: usize) -> Option<usize> {
    data.get(from..)?
        .chunks(512)
        .position(|b| b.iter().any(|&x| x != 0))
        .map(|i| from + i * 512)
}

/// Byte ranges (start, end) of the regular members' data in a tar archive, from its headers
/// alone; stops at the first damaged header.
pub fn data_spans(data: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut archive = tar::Archive::new(data);
    let Ok(entries) = archive.entries() else {
        return spans;
    };
    for entry in entries {
        let Ok(entry) = entry else { break };
        if entry.header().entry_type().is_file() {
            let start = entry.raw_file_position() as usize;
            spans.push((start, start.saturating_add(entry.size() as usize)));
        }
    }
    spans
}

fn malformed(ctx: &mut Ctx, loc: &Location, why: &str) {
    ctx.emit(
        Finding::builder(&r::archive_malformed::RULE, loc.clone())
            .message("the tar archive is damaged; members after the damage were not read")
            .evidence(why.to_string())
            .build(),
    );
}
