//! safetensors: the header is validated with the `safetensors` crate (length bound, JSON, dtypes,
//! shapes, offsets, overlaps) and checked for duplicated keys, which that crate accepts
//! silently (`json-duplicate-key`); only the header is read, never the tensor data.
//!
//! Source: <https://github.com/huggingface/safetensors> (format description in its README).

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Span};
use crate::formats::Format;
use crate::rules::safetensors as r;

/// Largest header the `safetensors` crate accepts (bytes).
pub const MAX_HEADER: u64 = 100_000_000;

/// Largest header validated (bytes): about 200,000 tensor entries. DeepSeek-V3's 91,000
/// tensors would take about 9 MB in one file; a larger header is reported, not parsed.
pub const MAX_VALIDATED: u64 = 16 << 20;

/// An 8-byte little-endian header length followed by a JSON object.
///
/// A header length that does not fit the file still counts (that is a finding), unless the
/// eight length bytes are printable text: then this is a text file that happens to have a `{`.
pub fn looks_like(data: &[u8]) -> bool {
    if data.len() < 10
        || data[8] != b'{'
        || !matches!(data[9], b'"' | b'}' | b' ' | b'\n' | b'\r' | b'\t')
    {
        return false;
    }
    let mut n8 = [0u8; 8];
    n8.copy_from_slice(&data[..8]);
    let fits = u64::from_le_bytes(n8) <= (data.len() - 8) as u64;
    fits || !data[..8]
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || b"\n\r\t".contains(b))
}

/// True when `head` holds the whole header, so the file can be judged from it.
pub fn header_fits(head: &[u8]) -> bool {
    head.len() >= 8 && {
        let mut n8 = [0u8; 8];
        n8.copy_from_slice(&head[..8]);
        u64::from_le_bytes(n8) <= (head.len() - 8) as u64
    }
}

/// Validate the header; report what is wrong and any bytes after the last tensor. `total` is the
/// file's real size (bytes); `data` may be only its first bytes when they hold the header.
pub fn analyse(ctx: &mut Ctx, data: &[u8], total: u64, loc: &Location, depth: u32) -> Format {
    let mut n8 = [0u8; 8];
    n8.copy_from_slice(&data[..8]);
    let n = u64::from_le_bytes(n8);
    let bad = |ctx: &mut Ctx, msg: String, ev: String| {
        ctx.emit(
            Finding::builder(
                &r::safetensors_invalid_header::RULE,
                loc.with_span(Span::Offset { offset: 0 }),
            )
            .message(msg)
            .evidence(ev)
            .build(),
        );
    };
    let len = total.max(data.len() as u64);
    if n > MAX_HEADER || n > len - 8 {
        bad(
            ctx,
            "header length is larger than the bound or the file".into(),
            format!(
                "header length {}; file {}; bound {MAX_HEADER}",
                plural(n, "byte"),
                plural(len, "byte")
            ),
        );
        return Format::Safetensors;
    }
    let header = &data[8..8 + n as usize];
    if n > MAX_VALIDATED {
        // The crate's parse holds about 17 bytes per header byte (a million tensor entries
        // cost over a gigabyte); no real model's header comes near this.
        ctx.limit(
            loc,
            &format!("a safetensors header larger than {MAX_VALIDATED} bytes"),
            "the header's tensor entries (dtypes, shapes, offsets)",
        );
        return Format::Safetensors;
    }
    let meta: safetensors::tensor::Metadata = match serde_json::from_slice(header) {
        Ok(m) => m,
        Err(e) => {
            // The crate's `Metadata` checks offsets, shapes and dtypes while it deserialises:
            // a data error is valid JSON whose entries are wrong, not broken JSON.
            let why = match e.classify() {
                serde_json::error::Category::Data => {
                    "header is valid JSON, but its tensor entries are not valid safetensors (offsets, shapes, dtypes or keys)"
                }
                _ => "header is not valid safetensors JSON",
            };
            bad(ctx, why.into(), e.to_string());
            return Format::Safetensors;
        }
    };
    record_facts(ctx, loc, &meta);
    // serde_json (and so the `safetensors` crate) keeps the last of two equal tensor names;
    // readers built on RapidJSON or simdjson take the first.
    if let Some(dup) = crate::formats::json::duplicate_key(header) {
        ctx.emit(crate::formats::json::duplicate_finding(
            loc,
            &dup,
            "the safetensors header",
        ));
    }
    let end = 8 + n + meta.data_len() as u64;
    if end > len {
        bad(
            ctx,
            "tensor data runs past the end of the file".into(),
            format!(
                "last tensor ends at byte {end}; the file is {}",
                plural(len, "byte")
            ),
        );
        return Format::Safetensors;
    }
    let whole = end <= data.len() as u64;
    if let Some(Err(e)) =
        whole.then(|| safetensors::SafeTensors::read_metadata(&data[..end as usize]))
    {
        bad(
            ctx,
            "tensor offsets, shapes or dtypes are inconsistent".into(),
            format!("{e:?}"),
        );
        return Format::Safetensors;
    }
    if end < len {
        let rest = data.get(end as usize..).unwrap_or_default();
        let what = crate::formats::sniff(rest);
        ctx.emit(
            Finding::builder(
                &r::safetensors_trailing_data::RULE,
                loc.with_span(Span::Offset { offset: end }),
            )
            .message(format!(
                "{} after the last tensor",
                plural(len - end, "byte")
            ))
            .evidence(format!("trailing data sniffs as {}", what.name()))
            .build(),
        );
        if !matches!(what, Format::Unknown | Format::Text) {
            let name = format!("<data after tensors at offset {end}>");
            ctx.nested(rest, &loc.member(name.clone()), &name, depth + 1);
        }
    }
    Format::Safetensors
}

/// The fact holding [`names_digest`] of a file's tensor names, compared with a shard index by the
/// check stage (`check::hf_repo`). A digest rather than the names keeps a 100 000-tensor header
/// from bloating every report; the check reads a header again only when digests disagree.
pub const NAMES_FACT: &str = "safetensors.names_sha256";

/// SHA-256 (hex) over the tensor names, sorted, each followed by a newline.
pub fn names_digest<'a>(names: impl Iterator<Item = &'a str>) -> String {
    use sha2::Digest;
    let mut sorted: Vec<&str> = names.collect();
    sorted.sort_unstable();
    let mut h = sha2::Sha256::new();
    for n in sorted {
        h.update(n.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Facts for the BOM: tensor count, parameter count (sum of the products of the shapes), dtypes,
/// and the `__metadata__` keys models commonly carry (`format`).
fn record_facts(ctx: &mut Ctx, loc: &Location, meta: &safetensors::tensor::Metadata) {
    let tensors = meta.tensors();
    let mut params: u128 = 0;
    let mut dtypes = std::collections::BTreeMap::<String, usize>::new();
    for info in tensors.values() {
        params += info.shape.iter().map(|&d| d as u128).product::<u128>();
        *dtypes.entry(format!("{:?}", info.dtype)).or_default() += 1;
    }
    ctx.fact(loc, "tensors", tensors.len().to_string());
    ctx.fact(loc, "parameters", params.to_string());
    let shown: Vec<String> = dtypes.iter().map(|(d, n)| format!("{d}:{n}")).collect();
    ctx.fact(loc, "dtypes", shown.join(","));
    ctx.fact(
        loc,
        NAMES_FACT,
        names_digest(tensors.keys().map(String::as_str)),
    );
    if let Some(format) = meta.metadata().as_ref().and_then(|m| m.get("format")) {
        ctx.fact(
            loc,
            "safetensors.format",
            crate::finding::truncate_chars(format, 64),
        );
    }
}
