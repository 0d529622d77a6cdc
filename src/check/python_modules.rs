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
pub fn check(files: &[FileReport], inputs: &super::Inputs) -> Vec<(usize, Finding)> {
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
    // Loaders as importers: what transformers, diffusers, sentence-transformers and
    // torch.hub call in a repository folder on disk (`hf_repo::loader_calls`) joins as the
    // top-level calls of a module at the loader's place.
    let hubconfs: Vec<(usize, Vec<String>)> = files
        .iter()
        .enumerate()
        .filter(|(_, r)| r.path.file_name().is_some_and(|n| n == "hubconf.py"))
        .filter_map(|(i, r)| {
            let l = r
                .python_links
                .iter()
                .find(|l| l.location.members.is_empty())?;
            // Its functions, and the names it imports (an entry defined in `models/net.py`).
            let mut names: Vec<String> = match &l.exact {
                Some(e) => e
                    .functions
                    .keys()
                    .cloned()
                    .chain(
                        e.imports_at_load
                            .iter()
                            .filter_map(|i| i.rsplit('.').next().map(str::to_string)),
                    )
                    .collect(),
                None => l
                    .hot
                    .iter()
                    .chain(&l.hot_net)
                    .cloned()
                    .chain(l.imports.iter().map(|i| i.bound.to_string()))
                    .collect(),
            };
            names.sort();
            names.dedup();
            Some((i, names))
        })
        .collect();
    for loader in crate::check::hf_repo::loader_calls(files, &hubconfs) {
        spaces
            .entry(None)
            .or_default()
            .push((loader.report, Cow::Owned(loader_links(&loader))));
    }
    let mut out = Vec::new();
    for (key, members) in spaces {
        let (reports, links): (Vec<usize>, Vec<Cow<'_, ModuleLinks>>) = members.into_iter().unzip();
        let findings = match key {
            None => join(
                links,
                &mut DiskSources {
                    yara: inputs.yara.clone(),
                },
            ),
            Some(_) => join(links, &mut NoSources),
        };
        // Findings go to the report of the file they are in.
        out.extend(findings.into_iter().map(|(at, f)| (reports[at], f)));
    }
    out
}

/// A loader's calls as the links of a module at its place whose top level makes them.
fn loader_links(loader: &crate::check::hf_repo::LoaderCalls) -> ModuleLinks {
    let modules: Vec<String> = loader
        .calls
        .iter()
        .filter_map(|c| c.rsplit_once('.').map(|(m, _)| m.to_string()))
        .filter(|m| !m.is_empty())
        .chain(loader.imports.iter().cloned())
        .collect();
    ModuleLinks::loader(
        crate::finding::Location::file(&loader.location),
        crate::formats::python::Role::Module,
        loader.calls.clone(),
        modules,
    )
}
