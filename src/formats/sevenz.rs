//! 7z archives, decoded with the `sevenz-rust2` crate; every member is read within the budget
//! and analysed (nullifAI shipped PyTorch pickles in 7z to slip past zip-only scanners).

use std::io::Cursor;

use crate::analyse::Ctx;
use crate::finding::{Finding, Location};
use crate::formats::compress::{read_bounded, report_stop};
use crate::formats::Format;
use crate::rules::archive as r;

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
    let mut bodies: Vec<(String, Vec<u8>)> = Vec::new();
    let compressed = data.len() as u64;
    let result = reader.for_each_entries(|entry, rd| {
        if entry.is_directory() {
            return Ok(true);
        }
        if ctx.budget.members + bodies.len() as u64 >= ctx.budget.limits.max_members {
            ctx.limit(
                loc,
                &format!("more than {} members", ctx.budget.limits.max_members),
                "the remaining 7z members",
            );
            return Ok(false);
        }
        let name = entry.name().to_string();
        let (body, stop) = read_bounded(ctx, rd, compressed, None);
        if let Some(s) = &stop {
            report_stop(ctx, s, &loc.member(name.clone()), body.len());
            if matches!(s, crate::formats::compress::Stopped::Limit(_)) {
                bodies.push((name, body));
                return Ok(false);
            }
        }
        bodies.push((name, body));
        Ok(true)
    });
    if let Err(e) = result {
        malformed(ctx, loc, &e.to_string());
    }
    for (name, body) in bodies {
        let mloc = loc.member(name.clone());
        crate::formats::zip::check_member_name(ctx, &name, &mloc);
        ctx.nested(&body, &mloc, &name, depth + 1);
    }
    Format::SevenZ
}

fn malformed(ctx: &mut Ctx, loc: &Location, why: &str) {
    ctx.emit(
        Finding::builder(&r::archive_malformed::RULE, loc.clone())
            .message("the 7z archive cannot be read completely")
            .evidence(why.to_string())
            .build(),
    );
}
