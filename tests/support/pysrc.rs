//! Helpers for tests that write Python sources as a package's files and read the findings.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};

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

/// Scan `src` written as `name` (a path under a fresh folder).
pub fn scan(name: &str, src: &str) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), name, src);
    scan_file(&dir.path().join(name), BudgetLimits::default())
}

pub fn write(root: &Path, name: &str, src: &str) {
    let p = root.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, src).expect("write");
}

pub fn evidence_summary(r: &FileReport) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| format!("{} {} {}", f.rule.id, f.severity, f.evidence))
        .collect()
}

/// Each source written as a module (`demo/__init__.py`, run at import) and as a `setup.py`
/// (run at install): the worst finding of `rule` must be `want` in both.
pub fn check_at_import_and_install(sources: &[String], rule: &str, want: Option<Severity>) {
    let mut cases = Vec::new();
    for s in sources {
        for file in ["demo/__init__.py", "setup.py"] {
            cases.push((file, s.as_str(), rule, want));
        }
    }
    check(&cases);
}

/// Every (file, source, rule, severity) case: the worst finding of `rule` must be `severity`.
pub fn check(cases: &[(&str, &str, &str, Option<Severity>)]) {
    let mut failures = Vec::new();
    for (name, src, rule, want) in cases {
        let r = scan(name, src);
        let got = worst(&r, rule);
        if got != *want {
            failures.push(format!(
                "{name}: want {rule} {want:?}, got {got:?}\n{src}\n{:#?}",
                evidence_summary(&r)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every (file, source): nothing at medium or above.
pub fn benign(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (name, src) in cases {
        let r = scan(name, src);
        if r.worst().is_some_and(|w| w >= Severity::Medium) {
            failures.push(format!("{name}:\n{src}\n{:#?}", evidence_summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
