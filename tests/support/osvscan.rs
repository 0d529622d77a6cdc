//! Scan a path with the library and match its releases and pins against an OSV database, as
//! `airlock scan --db` does (one worker, default bounds, no byte-pattern rules).
#![allow(dead_code)]

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::check::advisories;
use airlock::osv::Db;
use airlock::scan::{scan, ScanOptions, ScanReport};

/// The scan of `path` with its advisories from `db` applied.
pub fn scan_with(path: &Path, db: &Db) -> ScanReport {
    let opts = ScanOptions {
        paths: vec![path.to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    let mut report = scan(&opts, &|_, _| {}).expect("scan");
    advisories::apply(&mut report.files, Some(db));
    report
}
