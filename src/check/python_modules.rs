//! The check that joins a package's Python modules on disk (`formats/python/join.rs`): the
//! modules of every folder tree scanned, whose files the join reads again when it must.
//! Archives join their own members when their analysis ends (`zip.rs`, `tar.rs`); what reaches
//! this check from other containers is joined from what the parses found, without reading
//! again.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::finding::Finding;
use crate::formats::python::join::{join, DiskSources, NoSources};
use crate::formats::python::ModuleLinks;
use crate::scan::FileReport;

/// Join every package's modules and grade what their loads reach.
pub fn check(files: &[FileReport]) -> Vec<(usize, Finding)> {
    // One space for the files on disk, one per container (report, outer members) that left
    // members' links unjoined. The links are borrowed: the join copies only what it parses.
    type Space<'a> = Vec<(usize, Cow<'a, ModuleLinks>)>;
    let mut spaces: BTreeMap<Option<(usize, Vec<String>)>, Space<'_>> = BTreeMap::new();
    for (i, r) in files.iter().enumerate() {
        for l in &r.python_links {
            let key = l
                .location
                .members
                .split_last()
                .map(|(_, outer)| (i, outer.to_vec()));
            spaces.entry(key).or_default().push((i, Cow::Borrowed(l)));
        }
    }
    let mut out = Vec::new();
    for (key, members) in spaces {
        let (reports, links): (Vec<usize>, Vec<Cow<'_, ModuleLinks>>) = members.into_iter().unzip();
        let findings = match key {
            None => join(links, &mut DiskSources),
            Some(_) => join(links, &mut NoSources),
        };
        // Findings go to the report of the file they are in.
        out.extend(findings.into_iter().map(|(at, f)| (reports[at], f)));
    }
    out
}
