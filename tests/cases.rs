//! The handed cases in `../shared/cases/<folder>/`: each folder's `gen.py` writes the case files
//! into a temporary folder, and every row of its `manifest.tsv` is checked with the exit-code
//! contract: `malicious` → exit 1 with `--fail-on high`; `suspicious` → exit 1 with
//! `--fail-on medium`; `benign` → exit 0 with `--fail-on medium`.
//!
//! Where `../shared` is absent (a user's own clone) the test says so and passes over the cases.
//! `AIRLOCK_CASES` may point at another cases folder.

// The test tells a user whose clone has no ../shared that the handed cases were not run.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases_root() -> Option<PathBuf> {
    let root = std::env::var_os("AIRLOCK_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/cases"));
    root.is_dir().then_some(root)
}

/// Generate `folder`'s cases and return (the folder they were written to, failures).
fn check(folder: &str) -> Option<(usize, Vec<String>)> {
    let Some(root) = cases_root() else {
        eprintln!("../shared/cases not found: handed cases of {folder} not run");
        return None;
    };
    let out = tempfile::tempdir().expect("tempdir");
    let gen = Command::new("python3")
        .arg(root.join(folder).join("gen.py"))
        .arg(out.path())
        .output()
        .expect("python3 runs gen.py");
    assert!(
        gen.status.success(),
        "gen.py failed: {}",
        String::from_utf8_lossy(&gen.stderr)
    );
    // gen.py writes manifest.tsv into the output folder, or (pkg) keeps it beside itself.
    let manifest = std::fs::read_to_string(out.path().join("manifest.tsv"))
        .or_else(|_| std::fs::read_to_string(root.join(folder).join("manifest.tsv")))
        .expect("manifest.tsv");
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, expected) = (cols[0], cols[1]);
        let (gate, want) = match expected {
            "malicious" => ("high", 1),
            "suspicious" => ("medium", 1),
            "benign" => ("medium", 0),
            other => panic!("unknown verdict {other} in manifest"),
        };
        rows += 1;
        let run = Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(["scan", "--quiet", "--fail-on", gate])
            .arg(out.path().join(file))
            .output()
            .expect("airlock runs");
        let code = run.status.code().unwrap_or(-1);
        if code != want {
            failures.push(format!(
                "{file}: expected {expected} (exit {want} with --fail-on {gate}), got exit {code}"
            ));
        }
    }
    Some((rows, failures))
}

#[test]
fn model_cases_are_classified_as_their_manifest_says() {
    let Some((rows, failures)) = check("model") else {
        return;
    };
    assert!(rows >= 60, "only {rows} rows in the model manifest");
    assert!(
        failures.is_empty(),
        "misclassified:\n{}",
        failures.join("\n")
    );
}

#[test]
fn package_cases_are_classified_as_their_manifest_says() {
    // The package cases' gen.py writes no manifest into its output; the manifest sits beside it.
    let Some((rows, failures)) = check("pkg") else {
        return;
    };
    assert!(rows >= 20, "only {rows} rows in the pkg manifest");
    assert!(
        failures.is_empty(),
        "misclassified:\n{}",
        failures.join("\n")
    );
}

/// Every row of `../shared/cases/formats`: Keras, ONNX, SavedModel, GGUF and chat templates.
#[test]
fn format_cases_are_classified_as_their_manifest_says() {
    let Some((rows, failures)) = check("formats") else {
        return;
    };
    assert!(rows >= 12, "only {rows} rows in the formats manifest");
    assert!(
        failures.is_empty(),
        "misclassified:\n{}",
        failures.join("\n")
    );
}
