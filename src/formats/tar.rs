//! Tar archives (plain; compressed ones arrive here through [`super::compress`]), including the
//! PyTorch 0.1.x tar checkpoint (`sys_info`, `pickle`, `storages`, `tensors`).
//!
//! Read with the `tar` crate over the in-memory bytes; a member's data is sliced from the input
//! by its raw file position, so nothing is copied.

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location};
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

/// Analyse every member of a tar archive; returns `PytorchLegacyTar` for PyTorch 0.1.x files.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32) -> Format {
    let mut archive = tar::Archive::new(data);
    let mut names = Vec::new();
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            malformed(ctx, loc, &e.to_string());
            return Format::Tar;
        }
    };
    let mut members: Vec<(String, usize, usize)> = Vec::new();
    for entry in entries {
        if ctx.budget.members + members.len() as u64 > ctx.budget.limits.max_members {
            ctx.limit(
                loc,
                &format!("more than {} members", ctx.budget.limits.max_members),
                "the remaining tar members",
            );
            break;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                malformed(ctx, loc, &e.to_string());
                break;
            }
        };
        let name = entry
            .path_bytes()
            .iter()
            .map(|&b| b as char)
            .collect::<String>();
        let name = String::from_utf8(entry.path_bytes().into_owned()).unwrap_or(name);
        names.push(name.clone());
        let kind = entry.header().entry_type();
        if !(kind.is_file()
            || kind == tar::EntryType::Continuous
            || kind == tar::EntryType::GNUSparse)
        {
            if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                crate::formats::zip::check_member_name(ctx, &target, &loc.member(name.clone()));
            }
            crate::formats::zip::check_member_name(ctx, &name, &loc.member(name.clone()));
            continue;
        }
        let start = entry.raw_file_position() as usize;
        let size = entry.size() as usize;
        members.push((name, start, size));
    }
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
