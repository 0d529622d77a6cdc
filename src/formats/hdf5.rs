//! HDF5 files: legacy Keras 2 `.h5` models (their `model_config` root attribute), Keras 3
//! `.weights.h5` and plain data files.
//!
//! Keras 2 `save_model_to_hdf5` writes the model graph as JSON into the root attributes
//! `model_config` (and `keras_version`, `backend`, `training_config`); `load_model` rebuilds it,
//! Lambda layers included, and ignores `safe_mode` for `.h5` (CVE-2025-9905). The JSON is judged
//! by [`super::keras::analyse_json`].
//!
//! Reading uses the pure-Rust `hdf5-reader` crate (no libhdf5; see `docs/architecture.md` for
//! why): only the superblock, the root object header, its attribute messages and the global heap
//! collections their variable-length strings point into are read, never a dataset. The reader
//! gets a bounded prefix of the file first and the whole file only when an address points past
//! it, runs under `catch_unwind`, and has its read and object-header sizes bounded.
//!
//! Source: HDF5 File Format Specification version 3.0 (superblock, object header messages 0x000C
//! attribute and 0x0015 attribute info, global heap).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hdf5_reader::storage::{Storage, StorageBuffer};
use hdf5_reader::{Hdf5File, OpenOptions};

use crate::analyse::Ctx;
use crate::finding::{plural, truncate_chars, Finding, Location, Severity, Span};
use crate::formats::{keras, Format};
use crate::rules::hdf5 as r;

/// Bytes handed to the reader first (bytes). Keras writes the root attributes and their global
/// heap before the weights, so this covers real files; a file whose attributes point further is
/// read again whole.
const FIRST_READ: usize = 8 << 20;

/// Largest single read the reader may make (bytes): an attribute, a heap collection.
const MAX_READ: usize = keras::MAX_CONFIG + (1 << 20);

/// Largest object header the reader may parse (bytes).
const MAX_HEADER: usize = 16 << 20;

/// The first `bytes.len()` bytes of a file of `total` bytes; reads past them fail and are noted.
struct Prefix {
    bytes: Arc<[u8]>,
    total: u64,
    missed: Arc<AtomicBool>,
}

impl Storage for Prefix {
    fn len(&self) -> u64 {
        self.total
    }

    fn read_range(&self, offset: u64, len: usize) -> hdf5_reader::error::Result<StorageBuffer> {
        let end = offset.saturating_add(len as u64);
        if end <= self.bytes.len() as u64 {
            return StorageBuffer::from_shared(self.bytes.clone(), offset as usize, len);
        }
        if end <= self.total {
            self.missed.store(true, Ordering::Relaxed);
        }
        Err(hdf5_reader::error::Error::UnexpectedEof {
            offset,
            needed: len as u64,
            available: self.bytes.len() as u64,
        })
    }
}

/// What the root group says.
#[derive(Debug, Default)]
struct Root {
    /// (name, string value) of every string attribute, others as their type.
    strings: Vec<(String, String)>,
    /// Attribute names whose value could not be read as a string.
    other: Vec<String>,
}

fn read_root(
    bytes: Arc<[u8]>,
    total: u64,
    missed: Arc<AtomicBool>,
) -> hdf5_reader::error::Result<Root> {
    let storage = Arc::new(Prefix {
        bytes,
        total,
        missed,
    });
    let options = OpenOptions::default()
        .with_max_read_bytes(MAX_READ)
        .with_max_object_header_bytes(MAX_HEADER)
        .with_chunk_cache_bytes(0);
    let file = Hdf5File::from_storage_with_options(storage, options)?;
    let root = file.root_group()?;
    let mut out = Root::default();
    for a in root.attributes()? {
        match a.read_string() {
            Ok(s) => out.strings.push((a.name, s)),
            Err(_) => out.other.push(a.name),
        }
    }
    Ok(out)
}

/// The HDF5 signature, which starts the superblock.
pub const MAGIC: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Where libhdf5 looks for the superblock in a file of `len` bytes: offset 0, then 512, 1024,
/// 2048, … while the signature still fits (`H5FD_locate_signature`): a file may start with a
/// user block of any power-of-two size from 512 (`h5py.File(..., userblock_size=512)`).
pub fn superblock_offsets(len: u64) -> impl Iterator<Item = u64> {
    std::iter::once(0)
        .chain(std::iter::successors(Some(512u64), |o| o.checked_mul(2)))
        .take_while(move |o| o.checked_add(8).is_some_and(|end| end <= len))
}

/// The offset of the first HDF5 superblock in `data` where libhdf5 looks for one
/// ([`superblock_offsets`]): `Some(0)` for a plain HDF5 file, `Some(n)` after an `n`-byte user
/// block. Touches one 8-byte slice per power of two.
pub fn superblock_offset(data: &[u8]) -> Option<u64> {
    superblock_offsets(data.len() as u64).find(|&o| &data[o as usize..o as usize + 8] == MAGIC)
}

/// Analyse an HDF5 file: root attributes, and a Keras `model_config` among them. A user block
/// before the superblock is reported, and analysed as a nested artifact when `block` is set (the
/// file was not already analysed as the format its first bytes show) and it sniffs as a known
/// format.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32, block: bool) -> Format {
    if let Some(at) = superblock_offset(data).filter(|&at| at > 0) {
        user_block(ctx, &data[..at as usize], loc, depth, block);
    }
    let missed = Arc::new(AtomicBool::new(false));
    let first = data.len().min(FIRST_READ);
    let mut result = run(&data[..first], data.len() as u64, &missed);
    if missed.load(Ordering::Relaxed) && first < data.len() {
        let allowance = ctx.budget.member_allowance();
        if data.len() as u64 > allowance {
            ctx.limit(
                loc,
                &format!("HDF5 root attributes beyond {allowance} bytes"),
                "the HDF5 root attributes",
            );
            return Format::Hdf5;
        }
        missed.store(false, Ordering::Relaxed);
        result = run(data, data.len() as u64, &missed);
    }
    let root = match result {
        Ok(root) => root,
        Err(why) => {
            ctx.emit(
                Finding::builder(&r::hdf5_unreadable::RULE, loc.clone())
                    .message("the HDF5 root group could not be read; its attributes (a Keras model_config) were not analysed")
                    .evidence(truncate_chars(&why, 200))
                    .build(),
            );
            return Format::Hdf5;
        }
    };
    for (name, value) in &root.strings {
        match name.as_str() {
            "keras_version" => ctx.fact(loc, "keras.version", value.as_str()),
            "backend" => ctx.fact(loc, "keras.backend", value.as_str()),
            "model_config" => {
                ctx.fact(loc, "keras.format", "hdf5");
                keras::analyse_json(ctx, value.as_bytes(), loc, loc);
            }
            _ => {}
        }
    }
    if root.other.iter().any(|n| n == "model_config") {
        ctx.emit(
            Finding::builder(&r::hdf5_unreadable::RULE, loc.clone())
                .message("the model_config attribute is not a string airlock can read; the Keras config was not analysed")
                .evidence("root attribute model_config of a non-string type")
                .build(),
        );
    }
    Format::Hdf5
}

/// The `hdf5-user-block` finding for the `block` bytes before the superblock, and the block
/// analysed (`analyse`) when it sniffs as a known format: libhdf5 (h5py, Keras `load_model`)
/// skips the block and opens the HDF5 file behind it, while a loader that decides from the first
/// bytes reads the block.
///
/// Graded by what the block holds: another format (a pickle, a zip, a compressed stream) makes
/// the file a polyglot, medium; zeros, text or bytes of no known format are what the feature is
/// for (MATLAB v7.3 `.mat` files are HDF5 behind a 512-byte MATLAB header), low.
fn user_block(ctx: &mut Ctx, block: &[u8], loc: &Location, depth: u32, analyse: bool) {
    let zeros = block.iter().all(|&b| b == 0);
    let known = !matches!(crate::formats::sniff(block), Format::Unknown | Format::Text);
    ctx.emit(
        Finding::builder(&r::hdf5_user_block::RULE, loc.with_span(Span::Offset { offset: 0 }))
            .severity(if known { Severity::Medium } else { Severity::Low })
            .message(format!(
                "{} before the HDF5 superblock (a user block): libhdf5 skips it and opens the HDF5 file behind it",
                plural(block.len(), "byte")
            ))
            .evidence(if zeros {
                format!("superblock at offset {}; the user block is zeros", block.len())
            } else {
                format!(
                    "superblock at offset {}; the user block starts {}",
                    block.len(),
                    crate::finding::hex_head(block, 16)
                )
            })
            .build(),
    );
    if analyse && known {
        let name = "<user block before the HDF5 superblock>".to_string();
        ctx.nested(block, &loc.member(name.clone()), &name, depth + 1);
    }
}

/// Read the root group of `bytes` (a prefix of a `total`-byte file), containing any panic of the
/// reader: a hostile file must give a finding, never end the scan.
fn run(bytes: &[u8], total: u64, missed: &Arc<AtomicBool>) -> Result<Root, String> {
    let shared: Arc<[u8]> = Arc::from(bytes);
    let missed = missed.clone();
    match catch_unwind(AssertUnwindSafe(move || read_root(shared, total, missed))) {
        Ok(Ok(root)) => Ok(root),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the HDF5 reader stopped on an internal error (panic)".to_string()),
    }
}
