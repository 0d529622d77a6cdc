//! Known-malicious and vulnerable releases: the Python releases the analysers recorded
//! (`package.name`/`package.version` from core metadata, `package.pins` from pinned lists, and
//! wheel and sdist file names) matched against an OSV database ([`crate::osv::Db`]), loaded once
//! per scan.
//!
//! It also attributes findings to their release: a finding inside a wheel or sdist whose core
//! metadata names a release carries that release ([`crate::finding::Package`]), so JSON and SARIF
//! say which package a finding is about.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Finding, Location, Package, Severity, Span};
use crate::formats::pins::Pin;
use crate::formats::Format;
use crate::osv::{Coverage, Db, Kind};
use crate::rules::advisory as r;
use crate::scan::FileReport;

/// The location of artifact `key` (`path!member!member`) of `report`.
fn location_of(report: &FileReport, key: &str) -> Location {
    let mut loc = Location::file(&report.path);
    let root = crate::finding::display_path(&report.path);
    if let Some(rest) = key.strip_prefix(&root) {
        for m in rest.split('!').skip(1) {
            loc = loc.member(m.to_string());
        }
    }
    loc
}

/// The release named by a wheel file name (PEP 427: `{name}-{version}(-{build})?-{python}-{abi}-
/// {platform}.whl`) or an sdist name (`{name}-{version}.tar.gz` / `.zip`, PEP 625).
pub fn release_from_file_name(base: &str) -> Option<Package> {
    if let Some(stem) = base.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        if parts.len() >= 5 {
            return Some(Package {
                name: parts[0].to_string(),
                version: parts[1].to_string(),
            });
        }
        return None;
    }
    let stem = base
        .strip_suffix(".tar.gz")
        .or_else(|| base.strip_suffix(".zip"))?;
    let (name, version) = stem.rsplit_once('-')?;
    (!name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit())).then(|| Package {
        name: name.to_string(),
        version: version.to_string(),
    })
}

/// Releases of one report by artifact key: the artifact that holds the metadata (a wheel or
/// sdist member's container; the file itself for an installed `METADATA`).
fn releases(report: &FileReport) -> BTreeMap<String, (String, Package)> {
    let mut out = BTreeMap::new();
    for (key, facts) in &report.facts {
        if let (Some(n), Some(v)) = (facts.get("package.name"), facts.get("package.version")) {
            let owner = match key.rsplit_once('!') {
                Some((container, _)) => container.to_string(),
                None => key.clone(),
            };
            let p = Package {
                name: n.clone(),
                version: v.clone(),
            };
            // The first (outermost, shortest key) metadata of a container wins.
            out.entry(owner).or_insert((key.clone(), p));
        }
    }
    let root = crate::finding::display_path(&report.path);
    if matches!(report.format, Format::Wheel | Format::Sdist) && !out.contains_key(&root) {
        let base = report
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(p) = release_from_file_name(&base) {
            out.insert(root.clone(), (root, p));
        }
    }
    out
}

fn finding(db_hit: &crate::osv::Advisory, p: &Package, loc: Location, what: &str) -> Finding {
    let rule = match db_hit.kind {
        Kind::Malicious => &r::known_malicious_release::RULE,
        Kind::Vulnerable => &r::known_vulnerable_release::RULE,
    };
    let word = match db_hit.kind {
        Kind::Malicious => "a known-malicious release",
        Kind::Vulnerable => "a release with a known vulnerability",
    };
    let mut evidence = db_hit.id.clone();
    if !db_hit.aliases.is_empty() {
        evidence.push_str(&format!(" ({})", db_hit.aliases.join(", ")));
    }
    if !db_hit.summary.is_empty() {
        evidence.push_str(": ");
        evidence.push_str(&db_hit.summary);
    }
    Finding::builder(rule, loc)
        .severity(db_hit.severity)
        .message(format!(
            "{what} {} {} is {word} ({})",
            p.name, p.version, db_hit.id
        ))
        .evidence(evidence)
        .package(&p.name, &p.version)
        .build()
}

/// A prefix pin (`name==1.0.*`) that admits affected releases. When every release it admits is
/// affected the finding has the advisory's severity, as an exact pin would; when only some are,
/// one grade lower (the resolver may pick an unaffected one, or the affected one), never below
/// low.
fn prefix_finding(
    db_hit: &crate::osv::Advisory,
    p: &Package,
    loc: Location,
    cover: Coverage,
) -> Finding {
    let mut f = finding(db_hit, p, loc, "pinned");
    let word = match db_hit.kind {
        Kind::Malicious => "known-malicious",
        Kind::Vulnerable => "vulnerable",
    };
    let spec = if p.version.trim().is_empty() {
        "(any release)"
    } else {
        p.version.as_str()
    };
    match cover {
        Coverage::All => {
            f.message = format!(
                "required {} {spec} admits only releases that are {word} ({})",
                p.name, db_hit.id
            );
        }
        _ => {
            f.message = format!(
                "required {} {spec} admits a {word} release and may install it ({})",
                p.name, db_hit.id
            );
            f.severity = lower(db_hit.severity);
        }
    }
    f
}

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium | Severity::Low => Severity::Low,
        Severity::Info => Severity::Info,
    }
}

/// Included files followed per including file at most, how deep, and the largest read.
const MAX_INCLUDED: usize = 64;
const MAX_INCLUDE_DEPTH: usize = 8;
const MAX_INCLUDED_SIZE: u64 = 16 << 20;

/// The pins of the files a requirements file on disk at `path` includes (`json`: the fact
/// `package.includes`, `[(file, line)]`), followed as pip follows them (relative to the
/// including file's folder, recursively), each with its location; files in `listed` (read as
/// lists by the scan) are left to their own report. Bounded by [`MAX_INCLUDED`] files,
/// [`MAX_INCLUDE_DEPTH`] levels and [`MAX_INCLUDED_SIZE`] bytes a file; a file that cannot be
/// read is passed over (pip would fail on it).
fn included_pins(
    path: &std::path::Path,
    json: &str,
    listed: &BTreeSet<std::path::PathBuf>,
) -> Vec<(Pin, Location)> {
    let first: Vec<(String, u64)> = serde_json::from_str(json).unwrap_or_default();
    let base = path.parent().unwrap_or(std::path::Path::new(""));
    let mut queue: Vec<(std::path::PathBuf, usize)> =
        first.into_iter().map(|(f, _)| (base.join(f), 1)).collect();
    // Compared canonical (`deps/../requirements.txt` is the including file again).
    let canon = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let listed: BTreeSet<std::path::PathBuf> = listed.iter().map(|p| canon(p)).collect();
    let mut seen: BTreeSet<std::path::PathBuf> = BTreeSet::new();
    seen.insert(canon(path));
    let mut out = Vec::new();
    while let Some((file, depth)) = queue.pop() {
        let key = canon(&file);
        if seen.len() > MAX_INCLUDED || listed.contains(&key) || !seen.insert(key) {
            continue;
        }
        let small =
            std::fs::metadata(&file).is_ok_and(|m| m.is_file() && m.len() <= MAX_INCLUDED_SIZE);
        let Some(text) = small.then(|| std::fs::read(&file).ok()).flatten() else {
            continue;
        };
        let text = crate::formats::pins::decode_requirements(&text);
        let loc = Location::file(&file);
        out.extend(
            crate::formats::pins::parse_requirements(&text)
                .into_iter()
                .map(|p| (p, loc.clone())),
        );
        if depth < MAX_INCLUDE_DEPTH {
            let dir = file
                .parent()
                .unwrap_or(std::path::Path::new(""))
                .to_path_buf();
            for (f, _) in crate::formats::pins::requirement_includes(&text) {
                queue.push((dir.join(f), depth + 1));
            }
        }
    }
    out
}

/// How many releases (core metadata, wheel and sdist names) and pins `files` name: what an
/// OSV database would be matched against.
pub fn release_count(files: &[FileReport]) -> usize {
    files
        .iter()
        .map(|report| {
            let pins: usize = report
                .facts
                .values()
                .filter_map(|facts| facts.get("package.pins"))
                .map(|json| serde_json::from_str::<Vec<Pin>>(json).map_or(0, |p| p.len()))
                .sum();
            releases(report).len() + pins
        })
        .sum()
}

/// Match every release of `files` against `db` (when given), and attribute findings to their
/// release; reports that changed are graded again.
pub fn apply(files: &mut [FileReport], db: Option<&Db>) {
    // Files on disk the scan read as pinned lists: matched on their own, not again as includes.
    let listed: BTreeSet<std::path::PathBuf> = files
        .iter()
        .filter(|r| r.facts.values().any(|f| f.contains_key("package.pins")))
        .map(|r| r.path.clone())
        .collect();
    for report in files.iter_mut() {
        let rel = releases(report);
        let mut added = Vec::new();
        if let Some(db) = db {
            let mut seen = BTreeSet::new();
            for (key, p) in rel.values() {
                for a in db.matches(&p.name, &p.version) {
                    if seen.insert((a.id.clone(), p.clone())) {
                        added.push(finding(a, p, location_of(report, key), "package"));
                    }
                }
            }
            for (key, facts) in &report.facts {
                let mut pins: Vec<(Pin, Location)> = facts
                    .get("package.pins")
                    .map(|json| serde_json::from_str::<Vec<Pin>>(json).unwrap_or_default())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p, location_of(report, key)))
                    .collect();
                // Files a requirements file on disk includes (`-r base.lst`) that the scan did
                // not read as lists of their own: their pins install as the file's do.
                if let Some(json) = facts.get("package.includes") {
                    if *key == crate::finding::display_path(&report.path) {
                        pins.extend(included_pins(&report.path, json, &listed));
                    }
                }
                for (pin, at) in pins {
                    let p = Package {
                        name: pin.name.clone(),
                        version: pin.version.clone(),
                    };
                    let mut loc = at;
                    if pin.line > 0 {
                        loc = loc.with_span(Span::Line { line: pin.line });
                    }
                    if crate::formats::pins::is_specifier(&pin.version) {
                        // A bare name admits every release, the old bad one and the current
                        // good one alike: only a package bad in every release (a typosquat's
                        // `introduced: 0`) is reported for it.
                        let bare =
                            !pin.version.contains(['<', '>', '~']) && !pin.version.contains("==");
                        for (a, cover) in db.matches_spec(&pin.name, &pin.version) {
                            if bare && cover != Coverage::All {
                                continue;
                            }
                            added.push(prefix_finding(a, &p, loc.clone(), cover));
                        }
                        continue;
                    }
                    if pin.version.ends_with(".*") {
                        for (a, cover) in db.matches_prefix(&pin.name, &pin.version) {
                            added.push(prefix_finding(a, &p, loc.clone(), cover));
                        }
                        continue;
                    }
                    for a in db.matches(&pin.name, &pin.version) {
                        added.push(finding(a, &p, loc.clone(), "pinned"));
                    }
                }
            }
        }
        let changed = !added.is_empty();
        report.findings.extend(added);
        // Attribution: the release of the innermost container that holds the finding.
        let mut attributed = false;
        for f in report.findings.iter_mut().filter(|f| f.package.is_none()) {
            let name = f.location.artifact_name();
            let best = rel
                .iter()
                .filter(|(owner, _)| {
                    name == **owner
                        || name
                            .strip_prefix(owner.as_str())
                            .is_some_and(|rest| rest.starts_with('!'))
                })
                .max_by_key(|(owner, _)| owner.len());
            if let Some((_, (_, p))) = best {
                f.package = Some(p.clone());
                attributed = true;
            }
        }
        if changed || attributed {
            report.grade();
        }
    }
}
