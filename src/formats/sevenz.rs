//! 7z archives, decoded with the `sevenz-rust2` crate; every member is read within the budget
//! and analysed (nullifAI shipped PyTorch pickles in 7z to slip past zip-only scanners).

use std::io::Cursor;

use crate::analyse::Ctx;
use crate::finding::{Finding, Location};
use crate::formats::compress::{
    read_bounded, read_bounded_sized, report_stop, skip_bounded, Stopped,
};
use crate::formats::{refine_by_name, sniff, Format};
use crate::rules::archive as r;

/// Bytes of a member decoded to sniff its format before deciding to keep the rest.
const SNIFF_PREFIX: u64 = 64 * 1024;

/// Memory the 7z decoder may use for headers and dictionaries (KiB).
const MEMORY_LIMIT_KB: usize = 256 * 1024;

/// Analyse every member of a 7z archive.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32) -> Format {
    let mut reader = match sevenz_rust2::ArchiveReader::new_with_memory_limit(
        Cursor::new(data),
        sevenz_rust2::Password::empty(),
        MEMORY_LIMIT_KB,
    ) {
        Ok(r) => r,
        Err(e) => {
            malformed(ctx, loc, &e.to_string());
            return Format::SevenZ;
        }
    };
    reader.set_thread_count(1);
    let compressed = data.len() as u64;
    // Each member is analysed as it is decoded and dropped before the next, so at most one is
    // held; a member whose head decides its verdict is decoded on without being kept.
    let result = reader.for_each_entries(|entry, rd| {
        if entry.is_directory() {
            return Ok(true);
        }
        if ctx.budget.members >= ctx.budget.limits.max_members {
            ctx.limit(
                loc,
                &format!("more than {} members", ctx.budget.limits.max_members),
                "the remaining 7z members",
            );
            return Ok(false);
        }
        let name = entry.name().to_string();
        let mloc = loc.member(name.clone());
        crate::formats::zip::check_member_name(ctx, &name, &mloc);
        let (head, stop) = read_bounded(ctx, &mut *rd, compressed, Some(SNIFF_PREFIX));
        let (body, stop) = if stop.is_none() && head.len() as u64 >= SNIFF_PREFIX {
            let f = refine_by_name(sniff(&head), &name);
            if head_decides(ctx, f, &head, &name) {
                let (skipped, stop) = skip_bounded(ctx, &mut *rd, compressed, head.len() as u64);
                let total = head.len() as u64 + skipped;
                if let Some(s) = &stop {
                    report_stop(ctx, s, &mloc, usize::try_from(total).unwrap_or(usize::MAX));
                }
                ctx.nested_sized(&head, total.max(entry.size()), &mloc, &name, depth + 1);
                return Ok(!matches!(stop, Some(Stopped::Limit(_))));
            }
            ctx.budget.decompressed = ctx.budget.decompressed.saturating_sub(head.len() as u64);
            read_bounded_sized(ctx, &mut *rd, compressed, None, entry.size(), head)
        } else {
            (head, stop)
        };
        if let Some(s) = &stop {
            report_stop(ctx, s, &mloc, body.len());
        }
        ctx.nested(&body, &mloc, &name, depth + 1);
        Ok(!matches!(stop, Some(Stopped::Limit(_))))
    });
    if let Err(e) = result {
        malformed(ctx, loc, &e.to_string());
    }
    Format::SevenZ
}

/// True when the first [`SNIFF_PREFIX`] bytes of a member of format `f` decide its verdict, so
/// the rest need not be kept: formats judged by their head that the byte-pattern rules do not
/// match whole and that carry no chat template, and safetensors whose header fits the head.
/// NumPy arrays are kept (their trailing-data check needs the end).
fn head_decides(ctx: &Ctx, f: Format, head: &[u8], name: &str) -> bool {
    match f {
        Format::Safetensors => crate::formats::safetensors::header_fits(head),
        Format::Npy => false,
        _ => {
            f.judged_by_head()
                && !(ctx.yara.is_some() && crate::yara::matched_format(f))
                && !(f == Format::Text && crate::formats::tar::carries_template(name))
        }
    }
}

fn malformed(ctx: &mut Ctx, loc: &Location, why: &str) {
    ctx.emit(
        Finding::builder(&r::archive_malformed::RULE, loc.clone())
            .message("the 7z archive cannot be read completely")
            .evidence(why.to_string())
            .build(),
    );
}
