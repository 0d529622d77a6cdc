//! The check that judges `.pyc` files on disk by the files beside them
//! ([`crate::formats::pyc::judge`]): a sourceless module, a cached `.pyc` that was not compiled
//! from its source, an unchecked hash-based cache. A wheel's `.pyc` members are judged by the
//! zip reader when its members are done; `.pyc`s in other containers are not judged.

use crate::finding::Finding;
use crate::formats::pyc::{judge, Disk, PycModule};
use crate::scan::FileReport;

/// Judge every `.pyc` file of the scan.
pub fn check(files: &[FileReport], _: &super::Inputs) -> Vec<(usize, Finding)> {
    let mut modules: Vec<PycModule> = Vec::new();
    let mut reports = Vec::new();
    for (i, r) in files.iter().enumerate() {
        for m in r
            .pyc_modules
            .iter()
            .filter(|m| m.location.members.is_empty())
        {
            modules.push(m.clone());
            reports.push(i);
        }
    }
    if modules.is_empty() {
        return Vec::new();
    }
    judge(&modules, &mut Disk)
        .into_iter()
        .map(|(at, f)| (reports[at], f))
        .collect()
}
