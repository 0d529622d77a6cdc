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

/// Largest header validated by the `safetensors` crate itself (bytes): about 200,000 tensor
/// entries (DeepSeek-V3's 91,000 tensors would take about 9 MB in one file). A larger header, up
/// to [`MAX_HEADER`], is validated the same way by a streamed pass that holds about 40 bytes per
/// tensor (`validate_large`), because the crate's parse holds about 17 bytes per header byte.
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
    let summary = if n > MAX_VALIDATED {
        match validate_large(header) {
            Ok((summary, duplicate)) => {
                if let Some(key) = duplicate {
                    let dup = crate::formats::json::Duplicate {
                        object: String::new(),
                        key,
                    };
                    ctx.emit(crate::formats::json::duplicate_finding(
                        loc,
                        &dup,
                        "the safetensors header",
                    ));
                }
                summary
            }
            Err(LargeError::Json(e)) => {
                bad(ctx, json_error_message(&e).into(), e.to_string());
                return Format::Safetensors;
            }
            Err(LargeError::Inconsistent(why)) => {
                bad(
                    ctx,
                    "tensor offsets, shapes or dtypes are inconsistent".into(),
                    why,
                );
                return Format::Safetensors;
            }
        }
    } else {
        let meta: safetensors::tensor::Metadata = match serde_json::from_slice(header) {
            Ok(m) => m,
            Err(e) => {
                bad(ctx, json_error_message(&e).into(), e.to_string());
                return Format::Safetensors;
            }
        };
        // serde_json (and so the `safetensors` crate) keeps the last of two equal tensor names;
        // readers built on RapidJSON or simdjson take the first.
        if let Some(dup) = crate::formats::json::duplicate_key(header) {
            ctx.emit(crate::formats::json::duplicate_finding(
                loc,
                &dup,
                "the safetensors header",
            ));
        }
        Summary::of_metadata(&meta)
    };
    record_facts(ctx, loc, &summary);
    let end = 8 + n + summary.data_len;
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
    // A large header was validated as the crate validates, streamed; the crate's own read
    // would buffer it whole again.
    let whole = n <= MAX_VALIDATED && end <= data.len() as u64;
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
fn record_facts(ctx: &mut Ctx, loc: &Location, summary: &Summary) {
    ctx.fact(loc, "tensors", summary.tensors.to_string());
    ctx.fact(loc, "parameters", summary.params.to_string());
    let shown: Vec<String> = summary
        .dtypes
        .iter()
        .map(|(d, n)| format!("{d}:{n}"))
        .collect();
    ctx.fact(loc, "dtypes", shown.join(","));
    ctx.fact(loc, NAMES_FACT, summary.names_sha256.clone());
    if let Some(format) = &summary.format {
        ctx.fact(
            loc,
            "safetensors.format",
            crate::finding::truncate_chars(format, 64),
        );
    }
}

/// The `safetensors-invalid-header` message for a header serde could not read: valid JSON whose
/// entries are wrong (the crate checks offsets, shapes and dtypes while it deserialises) is told
/// apart from broken JSON.
fn json_error_message(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Data => {
            "header is valid JSON, but its tensor entries are not valid safetensors (offsets, shapes, dtypes or keys)"
        }
        _ => "header is not valid safetensors JSON",
    }
}

/// What the BOM, the shard check and the trailing-data check need from a validated header.
struct Summary {
    /// Tensor entries (not counting `__metadata__`).
    tensors: usize,
    /// Sum over tensors of the product of the shape.
    params: u128,
    /// Tensor count per dtype name (`F32`, `BF16`, ...).
    dtypes: std::collections::BTreeMap<String, usize>,
    /// [`names_digest`] of the tensor names.
    names_sha256: String,
    /// `__metadata__.format`, when present.
    format: Option<String>,
    /// Bytes of tensor data after the header (the end of the last tensor).
    data_len: u64,
}

impl Summary {
    fn of_metadata(meta: &safetensors::tensor::Metadata) -> Summary {
        let tensors = meta.tensors();
        let mut params: u128 = 0;
        let mut dtypes = std::collections::BTreeMap::<String, usize>::new();
        for info in tensors.values() {
            params += info.shape.iter().map(|&d| d as u128).product::<u128>();
            *dtypes.entry(format!("{:?}", info.dtype)).or_default() += 1;
        }
        Summary {
            tensors: tensors.len(),
            params,
            dtypes,
            names_sha256: names_digest(tensors.keys().map(String::as_str)),
            format: meta
                .metadata()
                .as_ref()
                .and_then(|m| m.get("format"))
                .cloned(),
            data_len: meta.data_len() as u64,
        }
    }
}

/// Why a large header failed [`validate_large`].
enum LargeError {
    /// Not JSON, or JSON of the wrong shape (serde's message).
    Json(serde_json::Error),
    /// Valid entries whose offsets, shapes or dtypes disagree (the tensor named).
    Inconsistent(String),
}

/// A header of more than [`MAX_VALIDATED`] bytes, validated as the `safetensors` crate
/// validates (`Metadata::validate`: each tensor's bytes are its element count times its dtype's
/// size, and the tensors, sorted by their start, tile the data from offset 0 with no gap or
/// overlap), but streamed: the crate's `#[serde(flatten)]` buffers the whole document (about
/// 17 bytes of memory per header byte), while this keeps, per tensor, its name (borrowed from
/// `header` unless escaped) and its two offsets: about 40 bytes per tensor, 40 MB for a
/// million. Also returns the first tensor name that occurs twice (loaders disagree on which
/// entry counts).
fn validate_large(header: &[u8]) -> Result<(Summary, Option<String>), LargeError> {
    use serde::de::{DeserializeSeed, MapAccess, Visitor};
    use std::borrow::Cow;

    struct Key<'a>(Cow<'a, str>);
    impl<'de> serde::Deserialize<'de> for Key<'de> {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a tensor name")
                }
                fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(v)))
                }
                fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v.to_string())))
                }
            }
            d.deserialize_str(V)
        }
    }

    #[derive(Default)]
    struct Acc<'a> {
        names: Vec<Cow<'a, str>>,
        /// (start, end, index into `names`)
        spans: Vec<(usize, usize, usize)>,
        params: u128,
        dtypes: std::collections::BTreeMap<String, usize>,
        format: Option<String>,
        bad: Option<String>,
    }
    struct Top<'s, 'a>(&'s mut Acc<'a>);
    impl<'de, 's> DeserializeSeed<'de> for Top<'s, 'de> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de, 's> Visitor<'de> for Top<'s, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a safetensors header object")
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            let acc = self.0;
            while let Some(Key(name)) = map.next_key::<Key<'de>>()? {
                if name == "__metadata__" {
                    let m: std::collections::HashMap<String, String> = map.next_value()?;
                    acc.format = m.get("format").cloned();
                    continue;
                }
                let info: safetensors::tensor::TensorInfo = map.next_value()?;
                let (s, e) = info.data_offsets;
                let size = info
                    .shape
                    .iter()
                    .try_fold(1usize, |a, &d| a.checked_mul(d))
                    .and_then(|n| n.checked_mul(info.dtype.bitsize()))
                    .filter(|bits| bits % 8 == 0)
                    .map(|bits| bits / 8);
                if acc.bad.is_none() && (e < s || size != Some(e - s)) {
                    acc.bad = Some(format!(
                        "tensor {:?}: offsets [{s}, {e}] do not hold {:?} of shape {:?}",
                        crate::finding::truncate_chars(&name, 120),
                        info.dtype,
                        info.shape
                    ));
                }
                acc.params += info.shape.iter().map(|&d| d as u128).product::<u128>();
                *acc.dtypes.entry(format!("{:?}", info.dtype)).or_default() += 1;
                acc.spans.push((s, e, acc.names.len()));
                acc.names.push(name);
            }
            Ok(())
        }
    }

    let mut acc = Acc::default();
    let mut de = serde_json::Deserializer::from_slice(header);
    Top(&mut acc)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(LargeError::Json)?;
    if let Some(why) = acc.bad {
        return Err(LargeError::Inconsistent(why));
    }
    acc.spans.sort_unstable();
    let mut end = 0usize;
    for &(s, e, i) in &acc.spans {
        if s != end {
            return Err(LargeError::Inconsistent(format!(
                "tensor {:?} starts at {s}, not where the previous one ends ({end})",
                crate::finding::truncate_chars(&acc.names[i], 120)
            )));
        }
        end = e;
    }
    let mut sorted: Vec<&str> = acc.names.iter().map(|n| n.as_ref()).collect();
    sorted.sort_unstable();
    let duplicate = sorted
        .windows(2)
        .find(|w| w[0] == w[1])
        .map(|w| w[0].to_string());
    let summary = Summary {
        tensors: acc.names.len(),
        params: acc.params,
        dtypes: acc.dtypes,
        names_sha256: names_digest(sorted.into_iter()),
        format: acc.format,
        data_len: end as u64,
    };
    Ok((summary, duplicate))
}
