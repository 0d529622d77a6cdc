//! The floors under airlock's speed targets: the least work any scanner doing airlock's job must
//! do on the benchmark corpus, with nothing analysed. BENCHMARKS.md ("Floors") times it with
//! hyperfine beside airlock and the peers.
//!
//! ```sh
//! cargo bench --bench floor -- heads /tmp/corpus/unpacked
//! cargo bench --bench floor -- text /tmp/corpus/unpacked
//! cargo bench --bench floor -- wheels /tmp/corpus/wheels
//! cargo bench --bench floor -- yara /tmp/corpus/unpacked
//! ```
//!
//! - `heads DIR`: walk `DIR` (hidden and git-ignored files included, as `airlock scan` does) and
//!   read the first 4 KiB of every file, on every core: what sniffing each file by its content
//!   costs before any analysis.
//! - `text DIR`: as `heads`, and read every file whose first 4 KiB hold no NUL byte (text:
//!   sources, `.pth` files, templates, configs) to its end: what any scanner that looks for code
//!   in text (the Python analysis, the YARA rules) must read before analysing it.
//! - `wheels DIR`: inflate every member of every `*.whl` in `DIR` and take its sha256, members
//!   spread over every core: what the RECORD check (PEP 376 / PEP 427 hashes of every member)
//!   costs before any analysis. The CRC-32 is not computed.
//! - `yara DIR`: not a floor but the cost of one stage: read every file whose content sniffs as a
//!   format the YARA rules match (`airlock::yara::matched_format`: text, executables, unknown
//!   content, plain pickles) whole, and match the built-in rules over it, on every core. Prints
//!   the rules that matched and on how many files, so a rule edit can be timed and checked.
//!
//! Prints the files (or members) and bytes touched. Exit 2 on a usage error.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use sha2::Digest;

/// Walk `dir` on every core and read the first 4 KiB of every file; with `text`, read on to the
/// end of every file whose head holds no NUL byte. Returns (files, bytes read).
fn heads(dir: &str, text: bool) -> (u64, u64) {
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                if let Ok(e) = entry {
                    if e.file_type().is_some_and(|t| t.is_file()) {
                        if let Ok(mut f) = std::fs::File::open(e.path()) {
                            let mut buf = [0u8; 4096];
                            let mut n = f.read(&mut buf).unwrap_or(0);
                            if text && n == buf.len() && !buf.contains(&0) {
                                let mut rest = Vec::new();
                                n += f.read_to_end(&mut rest).unwrap_or(0);
                            }
                            files.fetch_add(1, Ordering::Relaxed);
                            bytes.fetch_add(n as u64, Ordering::Relaxed);
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
    (files.into_inner(), bytes.into_inner())
}

/// Inflate every member of every `*.whl` in `dir` and hash it, members spread over every core.
/// Returns (members, bytes inflated).
fn wheels(dir: &str) -> (u64, u64) {
    let mut maps = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().extension().is_some_and(|x| x == "whl") {
            if let Ok(f) = std::fs::File::open(e.path()) {
                // SAFETY: the corpus is not modified while the benchmark runs.
                if let Ok(m) = unsafe { memmap2::Mmap::map(&f) } {
                    maps.push(m);
                }
            }
        }
    }
    let archives: Vec<_> = maps
        .iter()
        .filter_map(|m| zip::ZipArchive::new(std::io::Cursor::new(&m[..])).ok())
        .collect();
    let work: Vec<(usize, usize)> = archives
        .iter()
        .enumerate()
        .flat_map(|(a, z)| (0..z.len()).map(move |i| (a, i)))
        .collect();
    let bytes: u64 = work
        .par_iter()
        .map(|&(a, i)| {
            let mut z = archives[a].clone();
            let Ok(raw) = z.by_index_raw(i) else { return 0 };
            let method = raw.compression();
            let mut h = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            let mut n = 0u64;
            let mut rd: Box<dyn Read> = if method == zip::CompressionMethod::Deflated {
                Box::new(flate2::read::DeflateDecoder::new(raw))
            } else {
                Box::new(raw)
            };
            while let Ok(k) = rd.read(&mut buf) {
                if k == 0 {
                    break;
                }
                h.update(&buf[..k]);
                n += k as u64;
            }
            std::hint::black_box(h.finalize());
            n
        })
        .sum();
    (work.len() as u64, bytes)
}

/// Match the built-in YARA rules over every matched file in `dir`, on every core. Returns
/// (files matched, bytes matched, hits per rule name).
///
/// With `AIRLOCK_FLOOR_RULES` set to a rule file, that file alone is matched instead (yara-x
/// directly, as airlock sets it up), so a rule's cost can be measured without a rebuild.
fn yara(dir: &str) -> (u64, u64, std::collections::BTreeMap<String, u64>) {
    let rules = std::sync::Arc::new(airlock::yara::YaraRules::builtin().expect("built-in rules"));
    let own = std::env::var_os("AIRLOCK_FLOOR_RULES").map(|p| {
        let src = std::fs::read_to_string(p).expect("rule file");
        let mut c = yara_x::Compiler::new();
        c.add_source(src.as_str()).expect("rules compile");
        c.build()
    });
    let paths: Vec<std::path::PathBuf> = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .collect();
    let hits = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let (n, bytes) = paths
        .par_iter()
        .map_init(
            || {
                own.as_ref().map(|r| {
                    let mut scanner = yara_x::Scanner::new(r);
                    scanner.fast_scan(true);
                    scanner
                })
            },
            |scanner, p| {
                let Ok(data) = std::fs::read(p) else {
                    return (0, 0);
                };
                if !airlock::yara::matched_format(airlock::formats::sniff(&data)) {
                    return (0, 0);
                }
                if let Some(scanner) = scanner {
                    if let Ok(r) = scanner.scan(&data) {
                        let mut hits = hits
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        for m in r.matching_rules() {
                            *hits.entry(m.identifier().to_string()).or_insert(0) += 1;
                        }
                    }
                    return (1, data.len() as u64);
                }
                let timeout = std::time::Duration::from_secs(60);
                if let Ok(found) = airlock::yara::scan(&rules, &data, timeout) {
                    let mut hits = hits
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    for h in found {
                        *hits.entry(h.meta.identifier).or_insert(0) += 1;
                    }
                }
                (1, data.len() as u64)
            },
        )
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let hits = hits
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    (n, bytes, hits)
}

// A benchmark's report is its printed line.
#[allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]
fn main() {
    // `cargo bench` adds `--bench`; the first two other arguments are the mode and the folder.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (what, n, bytes) = match (args.first().map(String::as_str), args.get(1)) {
        (Some(mode @ ("heads" | "text")), Some(dir)) => {
            let (n, b) = heads(dir, mode == "text");
            ("files", n, b)
        }
        (Some("wheels"), Some(dir)) => {
            let (n, b) = wheels(dir);
            ("members", n, b)
        }
        (Some("yara"), Some(dir)) => {
            let (n, b, hits) = yara(dir);
            for (rule, k) in hits {
                println!("{rule}: {k} files");
            }
            ("files", n, b)
        }
        _ => {
            eprintln!("usage: floor heads|text|wheels|yara DIR");
            std::process::exit(2);
        }
    };
    println!("{n} {what}, {bytes} bytes read");
}
