//! The check stage (DESIGN.md): rules that need more than one artifact, or the files around an
//! artifact, run once every file has been analysed.
//!
//! Analysers never read other files; what a check needs they leave as facts (for example
//! `onnx.external_data`). A check reads the [`FileReport`]s (paths, formats, facts), may look at
//! the file system's metadata, and returns findings for the files they concern; [`run`] adds them
//! to those reports and grades them again. A new repository-level check is one function and one
//! entry in [`CHECKS`].

use crate::finding::Finding;
use crate::scan::FileReport;

pub mod advisories;
pub mod cargo_build;
pub mod hf_repo;
pub mod installed;
pub mod onnx_external;
pub mod pyc;
pub mod python_modules;

/// A check's function: findings, each with the index of the report it belongs to.
pub type CheckFn = fn(&[FileReport], &Inputs) -> Vec<(usize, Finding)>;

/// One check over all reports of a scan.
#[derive(Debug)]
pub struct Check {
    /// A short name, for documentation and debugging.
    pub name: &'static str,
    /// Returns findings, each with the index of the report it belongs to.
    pub run: CheckFn,
}

/// What a check may use besides the reports: the scan's byte-pattern rules (the join of a
/// package's modules matches them over files its code runs as scripts).
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    /// The scan's byte-pattern rules, if any.
    pub yara: Option<std::sync::Arc<crate::yara::YaraRules>>,
}

/// Every check, run in this order.
pub static CHECKS: &[Check] = &[
    Check {
        name: "onnx-external-data-on-disk",
        run: onnx_external::check,
    },
    Check {
        name: "hf-repository",
        run: hf_repo::check,
    },
    Check {
        name: "python-package-modules",
        run: python_modules::check,
    },
    Check {
        name: "pyc-beside-source",
        run: pyc::check,
    },
    Check {
        name: "cargo-build-sources",
        run: cargo_build::check,
    },
    Check {
        name: "installed-environment",
        run: installed::check,
    },
];

/// Run every check and add what they find to the reports. The checks are independent of each
/// other, so they run in parallel (on the current rayon pool); what they find is added in the
/// order of [`CHECKS`], as if they had run one after another.
pub fn run(files: &mut [FileReport], inputs: &Inputs) {
    use rayon::prelude::*;
    let shared: &[FileReport] = files;
    let found: Vec<Vec<(usize, Finding)>> =
        CHECKS.par_iter().map(|c| (c.run)(shared, inputs)).collect();
    for (i, f) in found.into_iter().flatten() {
        if let Some(r) = files.get_mut(i) {
            r.findings.push(f);
            r.grade();
        }
    }
}
