//! Known-malicious and vulnerable Python releases, from OSV records.
//!
//! Records follow the OSV schema (<https://ossf.github.io/osv-schema/>): `id`, `summary`,
//! `withdrawn`, `affected[].package.{ecosystem,name}`, `affected[].versions` (exact versions) and
//! `affected[].ranges[]` of type `ECOSYSTEM` or `SEMVER` whose `events` are `introduced`, `fixed`
//! and `last_affected`. `MAL-` ids are the OpenSSF malicious-packages set; `PYSEC-` and `GHSA-`
//! ids are vulnerabilities. Only the `PyPI` ecosystem is kept.
//!
//! Names are compared normalised as PEP 503 says (lowercase, runs of `-`, `_`, `.` become one
//! `-`); versions and range bounds are PEP 440 versions (`pep440_rs`), so `1.0` equals `1.0.0`.
//!
//! A database is a folder of `*.json` records (walked recursively, zips inside it included) or a
//! zip of them (the OSV export `PyPI/all.zip`). Loading is bounded by [`Limits`]: file count,
//! bytes per record and bytes in total; a database over a bound is an error, not a partial load,
//! so a scan never silently runs against half a database.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::Version;
use rayon::prelude::*;
use serde::Deserialize;

use crate::finding::Severity;

/// Bounds on loading a database.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files (records, zip members, other entries) looked at.
    pub max_files: usize,
    /// Bytes of one record.
    pub max_record: u64,
    /// Bytes of all records together.
    pub max_total: u64,
}

impl Default for Limits {
    /// 250 000 files (the OSV PyPI export holds some tens of thousands), 8 MiB per record
    /// (real records are a few KiB), 2 GiB in total.
    fn default() -> Self {
        Limits {
            max_files: 250_000,
            max_record: 8 << 20,
            max_total: 2 << 30,
        }
    }
}

/// Why a database could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    /// The path could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A zip could not be read.
    #[error("{path}: not a readable zip of OSV records: {message}")]
    Zip {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A bound of [`Limits`] was exceeded.
    #[error("{path}: the OSV database exceeds a bound: {bound}")]
    Limit {
        /// Where the bound was hit.
        path: PathBuf,
        /// The bound.
        bound: String,
    },
}

/// Whether an advisory says the release is malware or vulnerable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An OpenSSF malicious-packages record (`MAL-` id).
    Malicious,
    /// A vulnerability (PYSEC, GHSA, CVE ...).
    Vulnerable,
}

/// One interval of affected versions: from `introduced` (inclusive; `None` for `0`) to `end`.
#[derive(Debug, Clone)]
struct Interval {
    introduced: Option<Version>,
    /// The end and whether it is included (`last_affected`) or not (`fixed`).
    end: Option<(Version, bool)>,
}

impl Interval {
    fn contains(&self, v: &Version) -> bool {
        self.introduced.as_ref().is_none_or(|i| v >= i)
            && match &self.end {
                None => true,
                Some((e, true)) => v <= e,
                Some((e, false)) => v < e,
            }
    }
}

/// One advisory about one PyPI package.
#[derive(Debug, Clone)]
pub struct Advisory {
    /// The OSV id (`MAL-2025-1234`, `PYSEC-2024-1`, `GHSA-...`).
    pub id: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// The summary, or the start of the details.
    pub summary: String,
    /// Malware or vulnerability.
    pub kind: Kind,
    /// The severity a match is reported with: critical for malware; high for a vulnerability
    /// whose record says `HIGH` or `CRITICAL` (`database_specific.severity`), else medium.
    pub severity: Severity,
    versions: Vec<(String, Option<Version>)>,
    ranges: Vec<Interval>,
}

/// How much of a prefix pin (`==1.0.*`, PEP 440 prefix matching) an advisory affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Coverage {
    /// No release the pin admits is affected.
    None,
    /// Some release the pin admits is affected (listed, or a range overlaps the prefix).
    Some,
    /// Every release the pin admits is affected (one range holds the whole prefix).
    All,
}

/// The releases a prefix pin `X.Y.*` admits, as the half-open interval `[X.Y, X.(Y+1))` of
/// final releases (pre-releases of `X.Y` itself, which pip skips by default, are left out);
/// `None` when `pin` is not a prefix pin or its prefix is not a PEP 440 release.
fn prefix_interval(pin: &str) -> Option<(Version, Version)> {
    let prefix = pin.trim().strip_suffix(".*")?;
    let lo = Version::from_str(prefix).ok()?;
    if lo.any_prerelease() || lo.is_post() || lo.is_local() {
        return None;
    }
    let mut release = lo.release().to_vec();
    *release.last_mut()? += 1;
    let hi = Version::new(release).with_epoch(lo.epoch());
    Some((lo, hi))
}

/// The releases a version specifier admits, as bounds (each with whether it is inclusive):
/// `>=`, `>`, `<`, `<=`, `~=` (PEP 440 compatible release: `~=1.2.3` is `>=1.2.3, <1.3`) and
/// `==` clauses joined by commas; `!=` and `===` clauses leave the bounds as they are (they only
/// take releases out). An empty specifier (a bare name) admits every release. `None` when a
/// clause does not parse.
fn spec_bounds(spec: &str) -> Option<SpecBounds> {
    let mut b = SpecBounds::default();
    for clause in spec.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let ops = ["~=", "===", "==", "!=", ">=", "<=", ">", "<"];
        let op = ops.iter().find(|o| clause.starts_with(**o))?;
        let raw = clause[op.len()..].trim();
        if *op == "===" {
            continue;
        }
        if *op == "!=" {
            // `!=X.*` takes out a prefix: not modelled, the bounds stay.
            if let Ok(v) = Version::from_str(raw) {
                b.excluded.push(v);
            }
            continue;
        }
        if raw.ends_with(".*") {
            let (lo, hi) = prefix_interval(raw)?;
            b.raise((lo, true));
            b.lower((hi, false));
            continue;
        }
        let v = Version::from_str(raw).ok()?;
        match *op {
            ">=" => b.raise((v, true)),
            ">" => b.raise((v, false)),
            "<" => b.lower((v, false)),
            "<=" => b.lower((v, true)),
            "==" => {
                b.raise((v.clone(), true));
                b.lower((v, true));
            }
            _ => {
                // `~=X.Y.Z`: at least X.Y.Z, below X.(Y+1); needs two release segments.
                let mut release = v.release().to_vec();
                if release.len() < 2 {
                    return None;
                }
                release.pop();
                *release.last_mut()? += 1;
                let hi = Version::new(release).with_epoch(v.epoch());
                b.raise((v, true));
                b.lower((hi, false));
            }
        }
    }
    Some(b)
}

/// Bounds of the releases a specifier admits ([`spec_bounds`]); `None` is unbounded.
#[derive(Debug, Default, Clone)]
struct SpecBounds {
    lo: Option<(Version, bool)>,
    hi: Option<(Version, bool)>,
    /// Releases a `!=` clause takes out.
    excluded: Vec<Version>,
}

impl SpecBounds {
    fn raise(&mut self, new: (Version, bool)) {
        let tighter = match &self.lo {
            None => true,
            Some((v, incl)) => new.0 > *v || (new.0 == *v && *incl && !new.1),
        };
        if tighter {
            self.lo = Some(new);
        }
    }

    fn lower(&mut self, new: (Version, bool)) {
        let tighter = match &self.hi {
            None => true,
            Some((v, incl)) => new.0 < *v || (new.0 == *v && *incl && !new.1),
        };
        if tighter {
            self.hi = Some(new);
        }
    }

    fn admits(&self, v: &Version) -> bool {
        !self.excluded.contains(v)
            && self
                .lo
                .as_ref()
                .is_none_or(|(l, incl)| if *incl { v >= l } else { v > l })
            && self
                .hi
                .as_ref()
                .is_none_or(|(h, incl)| if *incl { v <= h } else { v < h })
    }
}

impl Advisory {
    /// How much of what the version specifier `spec` admits this advisory affects (a bare name,
    /// `>=1.2.3,<1.2.4`, `~=1.2.3`, `>=0.1`): [`Coverage::All`] when one affected range holds
    /// every release the specifier admits (a range from `0` with no fix holds any: a package
    /// that is malicious in every release); [`Coverage::Some`] when a listed version is admitted
    /// or a range overlaps; else [`Coverage::None`], also for a specifier that does not parse.
    pub fn covers_spec(&self, spec: &str) -> Coverage {
        let Some(b) = spec_bounds(spec) else {
            return Coverage::None;
        };
        let holds = |r: &Interval| {
            let lo_ok = match (&r.introduced, &b.lo) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(i), Some((l, _))) => i <= l,
            };
            let hi_ok = match (&r.end, &b.hi) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some((e, e_incl)), Some((h, h_incl))) => {
                    e > h || (e == h && (*e_incl || !*h_incl))
                }
            };
            lo_ok && hi_ok
        };
        if self.ranges.iter().any(holds) {
            return Coverage::All;
        }
        let listed = self
            .versions
            .iter()
            .any(|(_, v)| v.as_ref().is_some_and(|v| b.admits(v)));
        let overlaps = self.ranges.iter().any(|r| {
            let below_hi = match (&r.introduced, &b.hi) {
                (None, _) | (_, None) => true,
                (Some(i), Some((h, incl))) => {
                    if *incl {
                        i <= h
                    } else {
                        i < h
                    }
                }
            };
            let above_lo = match (&r.end, &b.lo) {
                (None, _) | (_, None) => true,
                (Some((e, e_incl)), Some((l, l_incl))) => e > l || (e == l && *e_incl && *l_incl),
            };
            below_hi && above_lo
        });
        if listed || overlaps {
            Coverage::Some
        } else {
            Coverage::None
        }
    }

    /// How much of the prefix pin `pin` (`1.0.*`) this advisory affects: a listed version the
    /// pin admits (PEP 440 prefix matching) or a range that overlaps `[1.0, 1.1)` is
    /// [`Coverage::Some`]; a range that holds the whole interval is [`Coverage::All`]. A pin
    /// that is not a prefix pin gives [`Coverage::None`] (use [`Advisory::affects`]).
    pub fn covers_prefix(&self, pin: &str) -> Coverage {
        let Some((lo, hi)) = prefix_interval(pin) else {
            return Coverage::None;
        };
        let all = self.ranges.iter().any(|r| {
            r.introduced.as_ref().is_none_or(|i| i <= &lo)
                && r.end.as_ref().is_none_or(|(e, _)| e >= &hi)
        });
        if all {
            return Coverage::All;
        }
        let admitted = |v: &Version| v >= &lo && v < &hi;
        let listed = self
            .versions
            .iter()
            .any(|(_, v)| v.as_ref().is_some_and(admitted));
        let overlaps = self.ranges.iter().any(|r| {
            r.introduced.as_ref().is_none_or(|i| i < &hi)
                && r.end
                    .as_ref()
                    .is_none_or(|(e, incl)| if *incl { e >= &lo } else { e > &lo })
        });
        if listed || overlaps {
            Coverage::Some
        } else {
            Coverage::None
        }
    }

    /// True when `version` is affected: listed in `versions`, or inside a range.
    pub fn affects(&self, version: &str) -> bool {
        let parsed = Version::from_str(version.trim()).ok();
        let listed = self.versions.iter().any(|(raw, v)| match (v, &parsed) {
            (Some(a), Some(b)) => a == b,
            _ => raw.trim() == version.trim(),
        });
        listed
            || parsed
                .as_ref()
                .is_some_and(|p| self.ranges.iter().any(|r| r.contains(p)))
    }
}

/// An OSV database in memory, by normalised package name.
#[derive(Debug, Default)]
pub struct Db {
    by_name: BTreeMap<String, Vec<Advisory>>,
    /// Records read.
    pub records: usize,
    /// Files that were not valid OSV JSON (skipped).
    pub skipped: usize,
}

/// Normalise a distribution name as PEP 503 says: lowercase, runs of `-`, `_` and `.` become a
/// single `-`.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The default database location: `$XDG_CACHE_HOME/airlock/osv`, else `~/.cache/airlock/osv`.
pub fn default_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
    };
    Some(base.join("airlock").join("osv"))
}

/// The OSV export of every PyPI record (what `airlock db update` downloads).
pub const PYPI_EXPORT_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip";

/// The file name `airlock db update` stores the export under, inside [`default_path`].
pub const EXPORT_FILE: &str = "PyPI-all.zip";

#[derive(Deserialize)]
struct RawRecord {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    affected: Vec<RawAffected>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    ranges: Vec<RawRange>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    events: Vec<BTreeMap<String, String>>,
}

fn severity_word(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref()?
        .get("severity")?
        .as_str()
        .map(|s| s.to_ascii_uppercase())
}

fn ranges_of(raw: &[RawRange]) -> Vec<Interval> {
    let mut out = Vec::new();
    for r in raw {
        if r.kind != "ECOSYSTEM" && r.kind != "SEMVER" {
            continue;
        }
        let mut start: Option<Option<Version>> = None;
        for e in &r.events {
            for (k, v) in e {
                let parsed = Version::from_str(v.trim()).ok();
                match k.as_str() {
                    "introduced" => {
                        start = Some(if v.trim() == "0" { None } else { parsed });
                    }
                    "fixed" | "last_affected" => {
                        if let (Some(s), Some(end)) = (start.take(), parsed) {
                            out.push(Interval {
                                introduced: s,
                                end: Some((end, k == "last_affected")),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(s) = start {
            out.push(Interval {
                introduced: s,
                end: None,
            });
        }
    }
    out
}

/// Parse one OSV JSON record into advisories by normalised name (PyPI entries only).
fn parse_record(bytes: &[u8]) -> Option<Vec<(String, Advisory)>> {
    let rec: RawRecord = serde_json::from_slice(bytes).ok()?;
    if rec.withdrawn.is_some() {
        return Some(Vec::new());
    }
    let kind = if rec.id.starts_with("MAL-") {
        Kind::Malicious
    } else {
        Kind::Vulnerable
    };
    let summary = rec
        .summary
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            rec.details
                .as_ref()
                .and_then(|d| d.lines().next().map(str::to_string))
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for a in &rec.affected {
        let Some(p) = &a.package else { continue };
        // `PyPI`, possibly with a suffix (`PyPI:...`), as the schema allows for ecosystems.
        if p.ecosystem != "PyPI" && !p.ecosystem.starts_with("PyPI:") {
            continue;
        }
        let word = severity_word(&a.database_specific).or(severity_word(&rec.database_specific));
        let severity = match (kind, word.as_deref()) {
            (Kind::Malicious, _) => Severity::Critical,
            (_, Some("HIGH" | "CRITICAL")) => Severity::High,
            _ => Severity::Medium,
        };
        out.push((
            normalise(&p.name),
            Advisory {
                id: rec.id.clone(),
                aliases: rec.aliases.clone(),
                summary: summary.clone(),
                kind,
                severity,
                versions: a
                    .versions
                    .iter()
                    .map(|v| (v.clone(), Version::from_str(v.trim()).ok()))
                    .collect(),
                ranges: ranges_of(&a.ranges),
            },
        ));
    }
    Some(out)
}

/// Running totals while loading.
struct Load {
    limits: Limits,
    files: usize,
    total: u64,
    blobs: Vec<Vec<u8>>,
}

impl Load {
    fn count(&mut self, path: &Path) -> Result<(), OsvError> {
        self.files += 1;
        if self.files > self.limits.max_files {
            return Err(OsvError::Limit {
                path: path.to_path_buf(),
                bound: format!("more than {} files", self.limits.max_files),
            });
        }
        Ok(())
    }

    fn take(&mut self, path: &Path, size: u64) -> Result<(), OsvError> {
        if size > self.limits.max_record {
            return Err(OsvError::Limit {
                path: path.to_path_buf(),
                bound: format!(
                    "a record of {size} bytes, over {} bytes per record",
                    self.limits.max_record
                ),
            });
        }
        self.total += size;
        if self.total > self.limits.max_total {
            return Err(OsvError::Limit {
                path: path.to_path_buf(),
                bound: format!("more than {} bytes of records", self.limits.max_total),
            });
        }
        Ok(())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OsvError + '_ {
    move |source| OsvError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn load_zip(load: &mut Load, path: &Path) -> Result<(), OsvError> {
    let zerr = |e: zip::result::ZipError| OsvError::Zip {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zerr)?;
    for i in 0..archive.len() {
        load.count(path)?;
        let entry = archive.by_index(i).map_err(zerr)?;
        if !entry.is_file() || !entry.name().ends_with(".json") {
            continue;
        }
        let member = path.join(entry.name());
        // The declared size is checked first, and the read is bounded again in case it lies.
        load.take(&member, entry.size())?;
        let mut buf = Vec::with_capacity(entry.size() as usize);
        entry
            .take(load.limits.max_record + 1)
            .read_to_end(&mut buf)
            .map_err(io(&member))?;
        if buf.len() as u64 > load.limits.max_record {
            load.take(&member, buf.len() as u64)?;
        }
        load.blobs.push(buf);
    }
    Ok(())
}

fn load_dir(load: &mut Load, dir: &Path, depth: u32) -> Result<(), OsvError> {
    if depth > 8 {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        load.count(&path)?;
        // Links are not followed (the cache is ours; a link out of it is not).
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        if ft.is_dir() {
            load_dir(load, &path, depth + 1)?;
        } else if ft.is_file() && name.ends_with(".json") {
            let size = e.metadata().map_err(io(&path))?.len();
            load.take(&path, size)?;
            let f = std::fs::File::open(&path).map_err(io(&path))?;
            let mut buf = Vec::with_capacity(size as usize);
            f.take(load.limits.max_record + 1)
                .read_to_end(&mut buf)
                .map_err(io(&path))?;
            load.blobs.push(buf);
        } else if ft.is_file() && name.ends_with(".zip") {
            load_zip(load, &path)?;
        }
    }
    Ok(())
}

impl Db {
    /// Load a database from a folder or a zip with the default [`Limits`].
    pub fn load(path: &Path) -> Result<Db, OsvError> {
        Db::load_with(path, Limits::default())
    }

    /// Load a database from a folder of OSV JSON records (zips inside it included) or a zip of
    /// them, within `limits`.
    pub fn load_with(path: &Path, limits: Limits) -> Result<Db, OsvError> {
        let mut load = Load {
            limits,
            files: 0,
            total: 0,
            blobs: Vec::new(),
        };
        let meta = std::fs::metadata(path).map_err(io(path))?;
        if meta.is_dir() {
            load_dir(&mut load, path, 0)?;
        } else {
            load_zip(&mut load, path)?;
        }
        let parsed: Vec<Option<Vec<(String, Advisory)>>> =
            load.blobs.par_iter().map(|b| parse_record(b)).collect();
        let mut db = Db::default();
        for p in parsed {
            match p {
                None => db.skipped += 1,
                Some(list) => {
                    db.records += 1;
                    for (name, adv) in list {
                        db.by_name.entry(name).or_default().push(adv);
                    }
                }
            }
        }
        for list in db.by_name.values_mut() {
            list.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Ok(db)
    }

    /// Advisories that affect `name` (any spelling; normalised here) at `version`.
    pub fn matches(&self, name: &str, version: &str) -> Vec<&Advisory> {
        self.by_name
            .get(&normalise(name))
            .map(|l| l.iter().filter(|a| a.affects(version)).collect())
            .unwrap_or_default()
    }

    /// Advisories that affect some release the prefix pin `pin` (`1.0.*`) of `name` admits, with
    /// how much of it they affect ([`Advisory::covers_prefix`]).
    pub fn matches_prefix(&self, name: &str, pin: &str) -> Vec<(&Advisory, Coverage)> {
        self.by_name
            .get(&normalise(name))
            .map(|l| {
                l.iter()
                    .map(|a| (a, a.covers_prefix(pin)))
                    .filter(|(_, c)| *c != Coverage::None)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Advisories that affect some release the version specifier `spec` of `name` admits (a
    /// bare name, a range), with how much of it ([`Advisory::covers_spec`]).
    pub fn matches_spec(&self, name: &str, spec: &str) -> Vec<(&Advisory, Coverage)> {
        self.by_name
            .get(&normalise(name))
            .map(|l| {
                l.iter()
                    .map(|a| (a, a.covers_spec(spec)))
                    .filter(|(_, c)| *c != Coverage::None)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Number of package names with at least one advisory.
    pub fn packages(&self) -> usize {
        self.by_name.len()
    }
}

/// Download the OSV PyPI export to `dir/`[`EXPORT_FILE`] (through a temporary file renamed into
/// place, so a cut download never replaces a good database). Returns the bytes written.
pub fn update(dir: &Path) -> Result<u64, String> {
    let existed = dir.exists();
    let out = fetch_into(dir);
    if out.is_err() {
        // Leave nothing behind: no partial file, and no empty folder a later scan could take
        // for a database.
        let _ = std::fs::remove_file(dir.join(format!("{EXPORT_FILE}.part")));
        if !existed {
            let _ = std::fs::remove_dir(dir);
        }
    }
    out
}

fn fetch_into(dir: &Path) -> Result<u64, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(format!("{EXPORT_FILE}.part"));
    let mut resp = ureq::get(PYPI_EXPORT_URL)
        .call()
        .map_err(|e| format!("{PYPI_EXPORT_URL}: {e}"))?;
    let mut out = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    // The export is some tens of MB; 4 GiB bounds a misbehaving server.
    let n = std::io::copy(&mut resp.body_mut().as_reader().take(4 << 30), &mut out)
        .map_err(|e| format!("{PYPI_EXPORT_URL}: {e}"))?;
    drop(out);
    let dest = dir.join(EXPORT_FILE);
    // Check that it is a zip of records before it replaces the old one.
    Db::load(&tmp).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(normalise("Elementary_Data"), "elementary-data");
        assert_eq!(normalise("a.-_b"), "a-b");
        assert_eq!(normalise("zope.interface"), "zope-interface");
    }

    #[test]
    fn ranges_and_versions() {
        let rec = br#"{"id":"PYSEC-1","affected":[{"package":{"ecosystem":"PyPI","name":"Demo_Pkg"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"},{"introduced":"2.0"},{"last_affected":"2.1"}]}],
            "versions":["3.0rc1"]}]}"#;
        let list = parse_record(rec).expect("record");
        let a = &list[0].1;
        assert_eq!(list[0].0, "demo-pkg");
        assert!(a.affects("1.1.9"));
        assert!(!a.affects("1.2.0"));
        assert!(a.affects("2.1"));
        assert!(!a.affects("2.1.1"));
        assert!(a.affects("3.0.0rc1"));
        assert_eq!(a.severity, Severity::Medium);
    }
}
