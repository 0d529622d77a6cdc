//! Helpers for tests that write Python sources as a package's files and read the findings.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use airlock::finding::Severity;
use airlock::scan::FileReport;

/// Write `source` as `<case>/demo/<file>` under `root` (with an empty `__init__.py` beside a
/// module of another name); returns the file's path.
pub fn package(root: &Path, case: &str, file: &str, source: &str) -> PathBuf {
    let dir = root.join(case).join("demo");
    std::fs::create_dir_all(&dir).expect("mkdir");
    if file != "__init__.py" {
        std::fs::write(dir.join("__init__.py"), "").expect("write");
    }
    let p = dir.join(file);
    std::fs::write(&p, source).expect("write");
    p
}

/// The worst severity `rule` has anywhere in the report.
pub fn worst(r: &FileReport, rule: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| f.severity)
        .max()
}
