//! Tar archives, plain or compressed, including the PyTorch 0.1.x tar checkpoint (`sys_info`,
//! `pickle`, `storages`, `tensors`).
//!
//! Read with the `tar` crate, in one pass, member by member:
//!
//! - a plain tar in memory (a mapped file, a member held whole) is walked with seeks: a member's
//!   data is sliced from the input by its raw file position, so nothing is copied and the data
//!   of members is never touched by the walk;
//! - a compressed tar ([`analyse_stream`], called by [`super::compress`]) is decoded through the
//!   tar reader as a stream. A member that is analysed is held (its first 64 KiB when its format
//!   is judged from its head, up to [`crate::yara::MAX_MATCHED`] for content the byte-pattern
//!   rules match, else all of it, within the member allowance, the ratio bound and the text
//!   bound); every other byte is decoded and discarded in chunks, charged to the total
//!   decompressed budget and the time, never held. So a 130 KB tar.gz of 128 MiB of zeros and a
//!   pickle costs the pickle, not the zeros.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Severity, Span};
use crate::formats::compress::{report_stop, Stopped};
use crate::formats::Format;
use crate::rules::archive as r;

/// A pre-POSIX (v7) tar header: no `ustar` magic, but a valid header checksum and a name.
pub fn looks_like_old_tar(data: &[u8]) -> bool {
    let Some(h) = data.get(..512) else {
        return false;
    };
    if h[0] == 0 {
        return false;
    }
    let field = String::from_utf8_lossy(&h[148..156]);
    let Ok(want) = u32::from_str_radix(field.trim_matches(|c: char| c == '\0' || c == ' '), 8)
    else {
        return false;
    };
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == want
}

/// At most this many archives read back to back in one input (each past the end-of-archive
/// marker of the one before); more is `resource-limit`.
const MAX_SEGMENTS: usize = 64;

/// Bytes of a streamed member read first to decide whether the rest is needed.
const SNIFF_PREFIX: u64 = 64 * 1024;

/// Largest text member held from a stream (bytes), as for zip members.
const MAX_TEXT_MEMBER: u64 = 64 << 20;

/// Most bytes after the array data of a streamed `.npy` member held for analysis.
const MAX_NPY_TAIL: u64 = 64 << 20;

/// Most bytes the tar reader may take between the end of one member's data and the start of
/// the next member's (headers, GNU long names and links, PAX records, sparse maps). The `tar`
/// crate holds those whole; real ones are a few KiB.
const MAX_EXTENSION: u64 = 1 << 20;

/// Largest `pyproject.toml` read for its `[build-system]` table.
const MAX_PYPROJECT: usize = 1 << 20;

/// Analyse every member of a tar archive held in memory; returns `PytorchLegacyTar` for
/// PyTorch 0.1.x files and `Sdist` for source distributions.
///
/// Members after the end-of-archive marker are read too: `tar -i` and Python's
/// `tarfile.open(ignore_zeros=True)` skip zero blocks and read a second archive appended there,
/// so the bytes after the marker are `tar-hidden-data` and, when they start with a tar header,
/// their members are analysed as members of this archive; other content is analysed as a
/// nested artifact.
pub fn analyse(ctx: &mut Ctx, data: &[u8], loc: &Location, depth: u32) -> Format {
    let mut walk = Walk::new(loc, depth);
    walk.links_start = ctx.python_links.len();
    walk.plain(ctx, data);
    walk.finish(ctx, &Source::Plain(data))
}

/// A decompressed stream that holds a tar archive.
pub struct Stream<'a> {
    /// Starts the decoder from the beginning of the compressed data (called again when members
    /// must be read a second time).
    pub open: &'a dyn Fn() -> Result<Box<dyn Read + 'a>, String>,
    /// Size of the compressed data (bytes), for the ratio bound of held members.
    pub compressed: u64,
    /// The compressed artifact, where a corrupt stream is reported.
    pub outer: &'a Location,
}

/// [`analyse`] for a tar read as a stream: `loc` is the decompressed content
/// (`x.tar.gz!<gzip content>`). Holds only the members it analyses (see the module docs).
pub fn analyse_stream(ctx: &mut Ctx, stream: &Stream<'_>, loc: &Location, depth: u32) -> Format {
    let mut walk = Walk::new(loc, depth);
    walk.links_start = ctx.python_links.len();
    walk.stream(ctx, stream);
    walk.finish(ctx, &Source::Stream(stream))
}

enum Source<'s, 'a> {
    Plain(&'a [u8]),
    Stream(&'s Stream<'a>),
}

/// Members whose bytes a collecting reading keeps ([`Walk::collect`]).
struct Collect {
    wanted: HashSet<String>,
    got: std::collections::HashMap<String, Vec<u8>>,
}

/// The members of one tar, read again for the join of its Python modules: one collecting
/// walk per request (a stream is decoded again from its start), on a budget of its own so the
/// second reading does not count against the input's.
struct TarSources<'s, 'a, 'l> {
    src: &'s Source<'s, 'a>,
    loc: &'l Location,
    depth: u32,
    limits: crate::analyse::BudgetLimits,
    /// The scan's byte-pattern rules, for members the join reads as scripts.
    yara: Option<std::sync::Arc<crate::yara::YaraRules>>,
}

impl crate::formats::python::join::Sources for TarSources<'_, '_, '_> {
    fn yara(&self) -> Option<std::sync::Arc<crate::yara::YaraRules>> {
        self.yara.clone()
    }

    fn read(&mut self, locs: &[&Location]) -> Vec<Option<Vec<u8>>> {
        let base = self.loc.members.len();
        let names: Vec<Option<&String>> = locs
            .iter()
            .map(|l| {
                (l.path == self.loc.path
                    && l.members.len() == base + 1
                    && l.members[..base] == self.loc.members[..])
                    .then(|| &l.members[base])
            })
            .collect();
        let wanted: HashSet<String> = names.iter().flatten().map(|n| (*n).clone()).collect();
        if wanted.is_empty() {
            return names.iter().map(|_| None).collect();
        }
        let mut scratch = Ctx::new(self.limits);
        let mut walk = Walk::new(self.loc, self.depth);
        walk.collect = Some(Collect {
            wanted,
            got: std::collections::HashMap::new(),
        });
        match self.src {
            Source::Plain(data) => walk.plain(&mut scratch, data),
            Source::Stream(s) => walk.stream(&mut scratch, s),
        }
        let got = walk.collect.map(|c| c.got).unwrap_or_default();
        names
            .into_iter()
            .map(|n| n.and_then(|n| got.get(n).cloned()))
            .collect()
    }
}

/// Whether the walk goes on after a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Go,
    /// Stopped (a bound, damage); already reported, unless the stream's meter says why.
    Stop,
}

/// A member's data as the walk has it.
enum Body<'b> {
    /// A slice of the archive in memory; `None` when it runs past the end.
    Slice(Option<&'b [u8]>),
    /// The member's reader in a stream, its meter, and the size of the compressed stream.
    Read(&'b mut dyn Read, &'b Meter, u64),
}

/// The state of one walk over an archive's members.
struct Walk<'l> {
    loc: &'l Location,
    depth: u32,
    /// Regular members seen so far (the index of the next).
    index: usize,
    /// `sys_info`, `pickle`, `storages` seen (PyTorch 0.1.x).
    legacy: [bool; 3],
    /// A top-folder `PKG-INFO` or `setup.py` seen.
    sdist: bool,
    /// The top-folder files that name install-time code ([`Declarer`]): for each one read, its
    /// index and the member names of the code it names (the PEP 517 in-tree backend, the
    /// modules of setuptools command classes).
    backend: Vec<(usize, Vec<String>)>,
    /// The declaring files read so far (the first of each kind counts).
    declarers: Vec<Declarer>,
    /// The install files in force before this archive named its own, restored at the end.
    outer_install: Option<Vec<String>>,
    /// Hashes of the names of Python members analysed, with their index (the first), so a
    /// module named as install-time code by a later member is read again.
    early_py: std::collections::HashMap<u64, usize>,
    /// A second reading: only these members, analysed as install-time code, and only before
    /// this index. Nothing else is reported.
    only: Option<(Vec<String>, usize)>,
    /// A reading that only collects the bytes of these members (for the join of the archive's
    /// Python modules). Nothing is analysed or reported.
    collect: Option<Collect>,
    /// `Ctx::python_links` before this archive's members: the ones after are its own.
    links_start: usize,
    /// Link members (symbolic or hard) that stay inside the archive: name → the member path
    /// extraction makes it point to (at most [`MAX_LINKS`]).
    file_links: Vec<(String, String)>,
    /// Members compiled into a Cargo build script that their names do not tell (a custom
    /// `build = PATH`, a path build-dependency's library) or that include other members
    /// (`include_str!`): read again at the end as build scripts, their includes resolved
    /// ([`Walk::cargo_scripts`]; at most [`crate::formats::build_files::MAX_CARGO_SOURCES`]).
    cargo: Vec<String>,
    /// Global pax records (`g` headers) in force, in the order CPython's `tarfile` keeps them
    /// (a dict: a key set again keeps its place).
    global: Vec<(String, Vec<u8>)>,
    /// The entry before this one was a global pax header (whose sparse keys `tarfile` applies
    /// to this entry).
    after_global: bool,
}

impl<'l> Walk<'l> {
    fn new(loc: &'l Location, depth: u32) -> Self {
        Walk {
            loc,
            depth,
            index: 0,
            legacy: [false; 3],
            sdist: false,
            backend: Vec::new(),
            declarers: Vec::new(),
            outer_install: None,
            early_py: std::collections::HashMap::new(),
            only: None,
            collect: None,
            links_start: usize::MAX,
            file_links: Vec::new(),
            cargo: Vec::new(),
            global: Vec::new(),
            after_global: false,
        }
    }

    fn quiet(&self) -> bool {
        self.only.is_some() || self.collect.is_some()
    }

    /// The format, after reading again the install-time members that came before the file
    /// that names them (a frontend runs them whatever their order in the archive).
    fn finish(mut self, ctx: &mut Ctx, src: &Source<'_, '_>) -> Format {
        let mut early: Vec<String> = Vec::new();
        let mut before = 0;
        for (at, files) in &self.backend {
            for f in files {
                if self.early_py.get(&hash(f)).is_some_and(|i| i < at) && !early.contains(f) {
                    early.push(f.clone());
                    before = before.max(*at);
                }
            }
        }
        if !early.is_empty() {
            let mut again = Walk::new(self.loc, self.depth);
            again.only = Some((early, before));
            match src {
                Source::Plain(data) => again.plain(ctx, data),
                Source::Stream(s) => again.stream(ctx, s),
            }
        }
        self.linked_code(ctx, src);
        self.cargo_scripts(ctx, src);
        if let Some(outer) = self.outer_install.take() {
            ctx.install_files = outer;
        }
        // The archive's Python modules are one package space: joined here, with members read
        // again (the stream decoded again) when the join must read one.
        if self.links_start <= ctx.python_links.len() {
            let links = ctx.python_links.split_off(self.links_start);
            if !links.is_empty() {
                let mut sources = TarSources {
                    src,
                    loc: self.loc,
                    depth: self.depth,
                    limits: ctx.budget.limits,
                    yara: ctx.yara.clone(),
                };
                let links = links.into_iter().map(std::borrow::Cow::Owned).collect();
                for (_, f) in crate::formats::python::join::join(links, &mut sources) {
                    ctx.emit(f);
                }
            }
        }
        if self.legacy.iter().all(|&b| b) {
            Format::PytorchLegacyTar
        } else if self.sdist {
            Format::Sdist
        } else {
            Format::Tar
        }
    }

    /// What CPython's `tarfile` makes of an entry (`_proc_pax`, `_proc_builtin`,
    /// `_apply_pax_info`): the global pax records in force apply to every member, then the
    /// member's own pax records on top of them; `path` and `GNU.sparse.name` rename it,
    /// `size`, `GNU.sparse.size` and `GNU.sparse.realsize` size it, and the pax header right
    /// before it (its own, or a global one) may give it a sparse map (0.0, 0.1 or 1.0). A
    /// global header is recorded and gives `None`. `name` and `size` are the `tar` crate's
    /// (which applies the member's own `path` and `size` but no global record).
    fn tarfile_view<R: Read>(
        &mut self,
        ctx: &mut Ctx,
        entry: &mut tar::Entry<'_, R>,
        kind: tar::EntryType,
        name: &str,
        size: u64,
    ) -> Option<PyView> {
        if kind == tar::EntryType::XGlobalHeader {
            self.after_global = true;
            if size > MAX_EXTENSION {
                if !self.quiet() {
                    ctx.limit(
                        self.loc,
                        &format!(
                            "a global pax header longer than {}",
                            plural(MAX_EXTENSION, "byte")
                        ),
                        "its records (not applied to later members)",
                    );
                }
                return None;
            }
            if let Ok(Some(ext)) = entry.pax_extensions() {
                for rec in ext.flatten() {
                    let key = String::from_utf8_lossy(rec.key_bytes()).into_owned();
                    set_record(&mut self.global, key, rec.value_bytes().to_vec());
                }
            }
            return None;
        }
        let local: Option<Vec<(String, Vec<u8>)>> = match entry.pax_extensions() {
            Ok(Some(ext)) => Some(
                ext.flatten()
                    .map(|r| {
                        (
                            String::from_utf8_lossy(r.key_bytes()).into_owned(),
                            r.value_bytes().to_vec(),
                        )
                    })
                    .collect(),
            ),
            _ => None,
        };
        let after_global = std::mem::take(&mut self.after_global);
        Some(python_view(
            &self.global,
            local.as_deref(),
            after_global,
            name,
            size,
        ))
    }

    /// Analyse an entry under the name CPython's `tarfile` gives it, with the data its
    /// `extractfile` returns (a sparse member rebuilt, holes as zeros, within the budget); a
    /// name that differs from the `tar` crate's is reported.
    #[allow(clippy::too_many_arguments)]
    fn python_entry(
        &mut self,
        ctx: &mut Ctx,
        view: PyView,
        name: String,
        kind: tar::EntryType,
        link: Option<String>,
        size: u64,
        body: Body<'_>,
    ) -> Flow {
        let regular = kind.is_file() || kind == tar::EntryType::Continuous;
        if view.name != name && regular && !self.quiet() {
            ctx.emit(
                Finding::builder(&r::zip_header_mismatch::RULE, self.loc.member(view.name.clone()))
                    .message("tar readers disagree on the member's name: Python's tarfile (pip, torch.load of legacy tars) applies global pax headers and GNU.sparse.name, the tar crate does not; analysed under tarfile's name")
                    .evidence(format!("tarfile name {:?}, tar crate name {name:?}", view.name))
                    .build(),
            );
        }
        let Some(sparse) = view.sparse.filter(|_| regular) else {
            return self.entry(ctx, view.name, kind, link, size, body);
        };
        let mloc = self.loc.member(view.name.clone());
        let limits = ctx.budget.limits;
        let mut held = Vec::new();
        let stored: &[u8] = match body {
            Body::Slice(Some(d)) => d,
            Body::Slice(None) => return self.entry(ctx, view.name, kind, link, size, body),
            Body::Read(rd, meter, _) => {
                meter.sync(ctx);
                let want = size.min(limits.max_member_size);
                let got = fill(rd, &mut held, want);
                if let Some(flow) = self.short(ctx, meter, got, held.len() as u64, want, &mloc) {
                    return flow;
                }
                meter.sync(ctx);
                &held
            }
        };
        // Holes cost memory as inflated bytes do: the member allowance and the ratio bound.
        let cap = ctx.budget.member_allowance().min(
            (stored.len() as u64)
                .saturating_mul(limits.max_ratio)
                .max(limits.ratio_floor),
        );
        let rebuilt = match rebuild_sparse(stored, &sparse, view.size, cap) {
            Ok(b) => b,
            Err(why) => {
                if !self.quiet() {
                    malformed(ctx, &mloc, &format!("sparse member: {why}"));
                }
                return Flow::Go;
            }
        };
        if view.size > rebuilt.len() as u64 && !self.quiet() {
            ctx.limit(
                &mloc,
                &format!(
                    "a sparse member rebuilt past {} (member, total or ratio bound)",
                    plural(cap, "byte")
                ),
                &format!(
                    "the member after {} ({} declared)",
                    plural(rebuilt.len(), "byte"),
                    plural(view.size, "byte")
                ),
            );
        }
        ctx.budget.decompressed += rebuilt.len() as u64;
        let n = rebuilt.len() as u64;
        self.entry(ctx, view.name, kind, link, n, Body::Slice(Some(&rebuilt)))
    }

    /// Handle one entry: name checks, the member bound, then the member's analysis.
    fn entry(
        &mut self,
        ctx: &mut Ctx,
        name: String,
        kind: tar::EntryType,
        link: Option<String>,
        size: u64,
        body: Body<'_>,
    ) -> Flow {
        let mloc = self.loc.member(name.clone());
        let regular = kind.is_file()
            || kind == tar::EntryType::Continuous
            || kind == tar::EntryType::GNUSparse;
        if let Some(c) = self.collect.as_mut() {
            if regular && c.wanted.contains(&name) && !c.got.contains_key(&name) {
                let max = crate::formats::python::MAX_SOURCE as u64;
                let bytes = match body {
                    Body::Slice(Some(d)) if d.len() as u64 <= max => Some(d.to_vec()),
                    Body::Read(rd, meter, _) if size <= max => {
                        let mut v = Vec::new();
                        let ok = fill(rd, &mut v, size).is_ok();
                        meter.sync(ctx);
                        ok.then_some(v)
                    }
                    _ => None,
                };
                if let Some(b) = bytes {
                    c.got.insert(name, b);
                }
                if c.got.len() == c.wanted.len() {
                    return Flow::Stop;
                }
            }
            return Flow::Go;
        }
        if !self.quiet() {
            self.note_name(&name);
            if !regular {
                crate::formats::zip::check_member_name(ctx, &name, &mloc);
                if let Some(target) = &link {
                    self.link(ctx, &name, kind, target, &mloc);
                }
                return Flow::Go;
            }
        } else if !regular {
            return Flow::Go;
        }
        let index = self.index;
        self.index += 1;
        if let Some((names, before)) = &self.only {
            if index >= *before {
                return Flow::Stop;
            }
            if !names.contains(&name) {
                return Flow::Go;
            }
            // Read as an ordinary module the first time; its findings are replaced. (A name
            // that occurs twice loses the first reading of both copies.)
            forget(ctx, &mloc);
        }
        if self.quiet() {
            return self.analyse_member(ctx, &name, &mloc, size, body).0;
        }
        let max = ctx.budget.limits.max_members;
        if ctx.budget.members >= max {
            // Graded high: members are left unread, and padding costs little
            // (`docs/rules/resource-limit.md`).
            ctx.limit_at(
                Severity::High,
                self.loc,
                &format!("more than {max} members"),
                &format!("tar member {name:?} and every later one"),
            );
            return Flow::Stop;
        }
        crate::formats::zip::check_member_name(ctx, &name, &mloc);
        let declarer = Declarer::of(&name).filter(|d| !self.declarers.contains(d));
        if name.ends_with(".py") && self.early_py.len() < MAX_EARLY_PY {
            self.early_py.entry(hash(&name)).or_insert(index);
        }
        let (flow, held) = self.analyse_member(ctx, &name, &mloc, size, body);
        if let Some(d) = declarer {
            self.declarers.push(d);
            let files = held
                .as_deref()
                .map(|b| match d {
                    Declarer::Pyproject => in_tree_backend(&name, b),
                    Declarer::SetupCfg => setup_cfg_commands(&name, b),
                })
                .unwrap_or_default();
            // The frontend's calls of the in-tree backend's hooks, for the join of the sdist's
            // modules: the hooks may be re-exported, aliased, built by `partial`, methods of
            // an object (`hooks:api`) or answered by a module `__getattr__`.
            if d == Declarer::Pyproject {
                if let Some(b) = held.as_deref() {
                    for (dir, calls) in backend_calls(&name, b) {
                        ctx.python_links
                            .push(crate::formats::python::ModuleLinks::loader(
                                self.loc.member(format!("{dir}/pep517-frontend")),
                                crate::formats::python::Role::Install,
                                calls.clone(),
                                calls
                                    .iter()
                                    .filter_map(|c| c.split('.').nth(1).map(|m| format!(".{m}")))
                                    .collect(),
                            ));
                    }
                }
            }
            if !files.is_empty() {
                let outer = self
                    .outer_install
                    .get_or_insert_with(|| ctx.install_files.clone());
                let mut all = outer.clone();
                all.extend(self.backend.iter().flat_map(|(_, f)| f.iter().cloned()));
                all.extend(files.iter().cloned());
                ctx.install_files = all;
                self.backend.push((index, files));
            }
        }
        if let Some(b) = held.as_deref().filter(|_| cargo_file(&name)) {
            self.note_cargo(&name, b);
        }
        flow
    }

    /// Note the build-script sources a Cargo manifest names, or a build script that includes
    /// other files, for [`Walk::cargo_scripts`].
    fn note_cargo(&mut self, name: &str, bytes: &[u8]) {
        use crate::formats::build_files as bf;
        let text = String::from_utf8_lossy(bytes);
        let wants = if bf::kind(name) == Some(bf::Kind::CargoBuild) {
            if bf::rust_includes(name, &text).is_empty() {
                Vec::new()
            } else {
                vec![name.to_string()]
            }
        } else {
            bf::cargo_build_sources(name, &text)
        };
        for w in wants {
            if !self.cargo.contains(&w) && self.cargo.len() < bf::MAX_CARGO_SOURCES {
                self.cargo.push(w);
            }
        }
    }

    /// The bytes of the members `wanted`, read by a collecting walk (the stream decoded again)
    /// on a budget of its own.
    fn collect_members(
        &self,
        ctx: &Ctx,
        src: &Source<'_, '_>,
        wanted: HashSet<String>,
    ) -> std::collections::HashMap<String, Vec<u8>> {
        let mut scratch = Ctx::new(ctx.budget.limits);
        let mut walk = Walk::new(self.loc, self.depth);
        walk.collect = Some(Collect {
            wanted,
            got: std::collections::HashMap::new(),
        });
        match src {
            Source::Plain(data) => walk.plain(&mut scratch, data),
            Source::Stream(s) => walk.stream(&mut scratch, s),
        }
        walk.collect.map(|c| c.got).unwrap_or_default()
    }

    /// Analyse the build-script sources noted by [`Walk::note_cargo`] as Cargo build scripts,
    /// each with its `include!`/`include_str!` files of this archive in place (one level):
    /// Cargo compiles them into the build script it runs. A finding the first reading of a
    /// `build.rs` already gave is not given twice.
    fn cargo_scripts(&mut self, ctx: &mut Ctx, src: &Source<'_, '_>) {
        use crate::formats::build_files as bf;
        let scripts = std::mem::take(&mut self.cargo);
        if scripts.is_empty() || self.quiet() {
            return;
        }
        let got = self.collect_members(ctx, src, scripts.iter().cloned().collect());
        let mut includes: HashSet<String> = HashSet::new();
        for name in &scripts {
            if let Some(b) = got.get(name) {
                let text = String::from_utf8_lossy(b);
                includes.extend(
                    bf::rust_includes(name, &text)
                        .into_iter()
                        .map(|(_, p, _)| p),
                );
            }
        }
        let included = if includes.is_empty() {
            std::collections::HashMap::new()
        } else {
            self.collect_members(ctx, src, includes)
        };
        for name in &scripts {
            let Some(b) = got.get(name) else {
                continue;
            };
            let text = String::from_utf8_lossy(b);
            let full = bf::with_includes(name, &text, &|p| included.get(p).cloned());
            let mloc = self.loc.member(name.clone());
            // A `build.rs` read again with its includes: its commands' first reading (Python
            // findings, which a build file gets only from its commands) is replaced.
            if bf::kind(name) == Some(bf::Kind::CargoBuild) {
                ctx.findings.retain(|f| {
                    !(f.location.path == mloc.path
                        && f.location.members == mloc.members
                        && f.rule.id.starts_with("python-"))
                });
            }
            let fresh = bf::reanalyse_cargo(
                &full,
                &mloc,
                self.depth + 1,
                ctx.budget.limits,
                &ctx.findings,
            );
            for f in fresh {
                ctx.emit(f);
            }
        }
    }

    /// Check a link member `name` to `target` (a symbolic link's target is relative to its
    /// folder, a hard link's to the archive's root): one that leaves the extraction folder is
    /// `archive-path-traversal`; one that stays is remembered, so a link that Python would run
    /// is judged by what extraction makes it ([`Walk::linked_code`]).
    fn link(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        kind: tar::EntryType,
        target: &str,
        mloc: &Location,
    ) {
        let joined = if kind.is_symlink() {
            match name.replace('\\', "/").rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{target}"),
                None => target.to_string(),
            }
        } else {
            target.to_string()
        };
        let absolute = {
            let t = target.replace('\\', "/");
            t.starts_with('/') || t.as_bytes().get(1) == Some(&b':')
        };
        match crate::formats::zip::normalise_member(&joined).filter(|_| !absolute) {
            None => ctx.emit(
                Finding::builder(&r::archive_path_traversal::RULE, mloc.clone())
                    .message("link target leaves the extraction folder")
                    .evidence(format!("{name:?} links to {target:?}"))
                    .build(),
            ),
            Some(resolved) => {
                if self.file_links.len() < MAX_LINKS {
                    self.file_links.push((name.to_string(), resolved));
                }
            }
        }
    }

    /// Analyse the link members Python would run (`setup.py`, a package's `__init__.py`, any
    /// `.py`, `.pth` or `.start`) as the member they point to, under their own name: pip and
    /// `build` extract an sdist's links, so `setup.py -> docs/notes.txt` runs the notes (tester
    /// t14 ta03, ta04, ta06). The targets are read by a collecting walk (a stream decoded
    /// again), only when such a link exists; a chain of links is followed 8 steps at most.
    fn linked_code(&self, ctx: &mut Ctx, src: &Source<'_, '_>) {
        let runs = |n: &str| {
            [".py", ".pyw", ".pth", ".start"]
                .iter()
                .any(|s| n.to_ascii_lowercase().ends_with(s))
        };
        let mut wanted: Vec<(&str, String)> = Vec::new();
        for (name, target) in self.file_links.iter().filter(|(n, _)| runs(n)) {
            let mut t = target.clone();
            for _ in 0..8 {
                match self.file_links.iter().rev().find(|(n, _)| *n == t) {
                    Some((_, next)) => t = next.clone(),
                    None => break,
                }
            }
            wanted.push((name, t));
        }
        if wanted.is_empty() {
            return;
        }
        let mut scratch = Ctx::new(ctx.budget.limits);
        let mut walk = Walk::new(self.loc, self.depth);
        walk.collect = Some(Collect {
            wanted: wanted.iter().map(|(_, t)| t.clone()).collect(),
            got: std::collections::HashMap::new(),
        });
        match src {
            Source::Plain(data) => walk.plain(&mut scratch, data),
            Source::Stream(s) => walk.stream(&mut scratch, s),
        }
        let got = walk.collect.map(|c| c.got).unwrap_or_default();
        for (name, target) in wanted {
            if let Some(bytes) = got.get(&target) {
                ctx.nested(bytes, &self.loc.member(name), name, self.depth + 1);
            }
        }
    }

    /// Analyse one regular member; returns the flow and, for a `pyproject.toml` whole and
    /// small enough, its bytes.
    fn analyse_member(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        mloc: &Location,
        size: u64,
        body: Body<'_>,
    ) -> (Flow, Option<Vec<u8>>) {
        let keep = |b: &[u8]| {
            (Declarer::of(name).is_some() && b.len() <= MAX_PYPROJECT
                || cargo_file(name) && b.len() <= crate::formats::build_files::MAX_TEXT)
                .then(|| b.to_vec())
        };
        match body {
            Body::Slice(Some(data)) => {
                ctx.nested(data, mloc, name, self.depth + 1);
                (Flow::Go, keep(data))
            }
            Body::Slice(None) => {
                if !self.quiet() {
                    malformed(
                        ctx,
                        mloc,
                        &format!("member data ({}) runs past the end", plural(size, "byte")),
                    );
                }
                (Flow::Go, None)
            }
            Body::Read(rd, meter, compressed) => {
                let (held, flow) = self.hold(ctx, rd, meter, compressed, name, mloc, size);
                let Some(held) = held else {
                    return (flow, None);
                };
                meter.sync(ctx);
                ctx.nested_sized(&held.bytes, held.total, mloc, name, self.depth + 1);
                ctx.npy_tail = None;
                meter.sync(ctx);
                let kept = (held.total == held.bytes.len() as u64)
                    .then(|| keep(&held.bytes))
                    .flatten();
                (flow, kept)
            }
        }
    }

    /// Read what the analysis of a streamed member needs: its head when that decides, else
    /// the whole member within the bounds. The rest is left for the tar reader to skip.
    #[allow(clippy::too_many_arguments)]
    fn hold(
        &self,
        ctx: &mut Ctx,
        rd: &mut dyn Read,
        meter: &Meter,
        compressed: u64,
        name: &str,
        mloc: &Location,
        size: u64,
    ) -> (Option<Held>, Flow) {
        use crate::formats::{refine_by_name, sniff};
        meter.sync(ctx);
        let mut head = Vec::new();
        let want = size.min(SNIFF_PREFIX);
        let got = fill(rd, &mut head, want);
        if let Some(flow) = self.short(ctx, meter, got, head.len() as u64, want, mloc) {
            return (Some(Held::whole(head)), flow);
        }
        if head.len() as u64 == size {
            return (Some(Held::whole(head)), Flow::Go);
        }
        let f = refine_by_name(sniff(&head), name);
        let header_only = match f {
            Format::Safetensors => crate::formats::safetensors::header_fits(&head),
            Format::Npy => !crate::formats::numpy::is_object(&head),
            _ => false,
        };
        let limits = ctx.budget.limits;
        let ratio = compressed
            .saturating_mul(limits.max_ratio)
            .max(limits.ratio_floor);
        // Content the byte-pattern rules match is held up to their bound (and the ratio and
        // member bounds), as a zip member or a file on disk is, so padding a script past the
        // sniffed head hides nothing; what is left unmatched is reported by the matcher.
        if f.judged_by_head() && ctx.yara.is_some() && crate::yara::matched_format(f) {
            let mut body = head;
            let want = size
                .min(crate::yara::MAX_MATCHED as u64)
                .min(ratio)
                .min(limits.max_member_size);
            let got = fill(rd, &mut body, want);
            if let Some(flow) = self.short(ctx, meter, got, body.len() as u64, want, mloc) {
                return (Some(Held::whole(body)), flow);
            }
            return (Some(Held::head(body, size)), Flow::Go);
        }
        let head_decides = f.judged_by_head() && !(f == Format::Text && carries_template(name));
        if header_only || head_decides {
            if f == Format::Npy {
                if let Some(flow) = self.npy_tail(ctx, rd, meter, &head, size, mloc) {
                    return (Some(Held::head(head, size)), flow);
                }
            }
            return (Some(Held::head(head, size)), Flow::Go);
        }
        // The whole member, within the member allowance, the ratio bound (against the whole
        // compressed stream: a member's own compressed size is not known) and the text bound.
        let text = f.is_text();
        let mut bounds = vec![
            (
                limits.max_member_size,
                format!(
                    "decompressed size above {} bytes (member bound)",
                    limits.max_member_size
                ),
            ),
            (
                ratio,
                format!(
                    "compression ratio above {}:1 past {} bytes",
                    limits.max_ratio, limits.ratio_floor
                ),
            ),
        ];
        if text {
            bounds.push((
                MAX_TEXT_MEMBER,
                format!("a text member larger than {MAX_TEXT_MEMBER} bytes"),
            ));
        }
        let Some((cap, bound)) = bounds.into_iter().min_by_key(|b| b.0) else {
            return (None, Flow::Go);
        };
        let mut body = head;
        let want = size.min(cap);
        let got = fill(rd, &mut body, want);
        if let Some(flow) = self.short(ctx, meter, got, body.len() as u64, want, mloc) {
            return (Some(Held::whole(body)), flow);
        }
        if size > cap {
            ctx.limit(
                mloc,
                &bound,
                &format!(
                    "the member after {} ({} declared)",
                    plural(cap, "byte"),
                    plural(size, "byte")
                ),
            );
        }
        (Some(Held::whole(body)), Flow::Go)
    }

    /// After a read of a streamed member that was to give `want` bytes and gave `got`: `None`
    /// when it did, else the flow (a stopped meter is reported by the walk; an archive that
    /// ends inside the member is reported here).
    fn short(
        &self,
        ctx: &mut Ctx,
        meter: &Meter,
        got: std::io::Result<()>,
        have: u64,
        want: u64,
        mloc: &Location,
    ) -> Option<Flow> {
        if got.is_ok() && have == want {
            return None;
        }
        if meter.stop.borrow().is_none() && !self.quiet() {
            let why = match got {
                Err(e) => e.to_string(),
                Ok(()) => "the archive ends inside the member".to_string(),
            };
            malformed(
                ctx,
                mloc,
                &format!(
                    "member data: {} of {} read: {why}",
                    plural(have, "byte"),
                    want
                ),
            );
            meter.reported.set(true);
        }
        Some(Flow::Stop)
    }

    /// A streamed `.npy` member judged from its head whose declared size is longer than its
    /// array data: skip the array (decoded, not kept) and hand the bytes after it to the `.npy`
    /// analyser through [`Ctx::npy_tail`], as the zip reader does. `Some` when the read
    /// stopped the walk.
    fn npy_tail(
        &self,
        ctx: &mut Ctx,
        rd: &mut dyn Read,
        meter: &Meter,
        head: &[u8],
        size: u64,
        mloc: &Location,
    ) -> Option<Flow> {
        let end = crate::formats::numpy::data_end(head)?;
        if end >= size || head.len() as u64 >= size {
            return None;
        }
        let mut tail = head
            .get(end as usize..)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let at = head.len() as u64;
        if at < end {
            let skipped = std::io::copy(&mut Read::take(&mut *rd, end - at), &mut std::io::sink());
            let got = skipped.as_ref().map_or(0, |n| *n);
            if let Some(flow) = self.short(ctx, meter, skipped.map(|_| ()), at + got, end, mloc) {
                return Some(flow);
            }
        }
        let want = (size - end).min(MAX_NPY_TAIL);
        let got = fill(rd, &mut tail, want);
        if let Some(flow) = self.short(ctx, meter, got, tail.len() as u64, want, mloc) {
            return Some(flow);
        }
        ctx.npy_tail = Some((end, tail));
        None
    }

    /// Record what a member's name says about the archive.
    fn note_name(&mut self, name: &str) {
        for (i, n) in ["sys_info", "pickle", "storages"].iter().enumerate() {
            if name == *n {
                self.legacy[i] = true;
            }
        }
        if name.matches('/').count() == 1
            && (name.ends_with("/PKG-INFO") || name.ends_with("/setup.py"))
        {
            self.sdist = true;
        }
    }

    /// The bound on archives appended after end-of-archive markers, with what it left unread.
    fn segments_limit(&self, ctx: &mut Ctx, unread: &str) {
        if !self.quiet() {
            ctx.limit(
                self.loc,
                &format!("{MAX_SEGMENTS} archives appended after end-of-archive markers"),
                unread,
            );
        }
    }

    /// Walk a tar in memory, archive after archive.
    fn plain(&mut self, ctx: &mut Ctx, data: &[u8]) {
        let mut start = 0usize;
        for segment in 0.. {
            if segment == MAX_SEGMENTS {
                self.segments_limit(
                    ctx,
                    &format!(
                        "{} after offset {start}",
                        plural(data.len() - start, "byte")
                    ),
                );
                break;
            }
            let Some(eoa) = self.plain_segment(ctx, data, start) else {
                break;
            };
            // Zero blocks after the marker are padding (tar writes whole records of 10 KiB).
            let Some(hidden) = first_nonzero_block(data, eoa) else {
                break;
            };
            let rest = &data[hidden..];
            let is_tar = crate::formats::sniff(rest) == Format::Tar || looks_like_old_tar(rest);
            if !self.quiet() {
                let (eoa, at) = (eoa as u64, hidden as u64);
                hidden_data(
                    ctx,
                    self.loc,
                    is_tar,
                    eoa,
                    at,
                    Some(rest.len() as u64),
                    rest,
                );
            }
            if is_tar {
                start = hidden;
                continue;
            }
            let f = crate::formats::sniff(rest);
            // A zip whose end record ends the file is read by the polyglot check
            // (`<zip found from the end of the file>`); reading it here too would report it
            // twice.
            let polyglot_zip = f == Format::Zip && crate::formats::zip::has_eocd(data);
            if !matches!(f, Format::Unknown | Format::Text) && !polyglot_zip && !self.quiet() {
                let name = format!("<data after end of archive at offset {hidden}>");
                ctx.nested(rest, &self.loc.member(name.clone()), &name, self.depth + 1);
            }
            break;
        }
    }

    /// Walk the archive starting at `start` of `data`. Returns the offset of its end-of-archive
    /// marker (the first zero block), or `None` when the archive ran to the end of the input,
    /// was damaged or hit a bound (each reported).
    fn plain_segment(&mut self, ctx: &mut Ctx, data: &[u8], start: usize) -> Option<usize> {
        let seg = &data[start..];
        let mut archive = tar::Archive::new(Cursor::new(seg));
        let flow = match archive.entries_with_seek() {
            Err(e) => {
                if !self.quiet() {
                    malformed(ctx, self.loc, &e.to_string());
                }
                Flow::Stop
            }
            Ok(entries) => {
                let mut flow = Flow::Go;
                for entry in entries {
                    let mut entry = match entry {
                        Ok(e) => e,
                        Err(e) => {
                            if !self.quiet() {
                                malformed(ctx, self.loc, &e.to_string());
                            }
                            flow = Flow::Stop;
                            break;
                        }
                    };
                    let (name, kind, link) = describe(&entry);
                    let pos = start.saturating_add(entry.raw_file_position() as usize);
                    let size = entry.size();
                    let Some(view) = self.tarfile_view(ctx, &mut entry, kind, &name, size) else {
                        continue;
                    };
                    let body = data.get(pos..pos.saturating_add(size as usize));
                    if self.python_entry(ctx, view, name, kind, link, size, Body::Slice(body))
                        == Flow::Stop
                    {
                        flow = Flow::Stop;
                        break;
                    }
                }
                flow
            }
        };
        if flow == Flow::Stop {
            return None;
        }
        // The cursor stops just after the zero block that ended the archive; when the input
        // ran out instead, nothing is left and nothing follows.
        let consumed = (archive.into_inner().position() as usize).min(seg.len());
        let left = seg.len() - consumed;
        (left > 0 && consumed >= 512).then(|| start + consumed - 512)
    }

    /// Walk a compressed tar as a stream, archive after archive.
    fn stream(&mut self, ctx: &mut Ctx, s: &Stream<'_>) {
        let inner = match (s.open)() {
            Ok(r) => r,
            Err(e) => {
                if !self.quiet() {
                    report_stop(ctx, &Stopped::Corrupt(e), s.outer, 0);
                }
                return;
            }
        };
        let meter = Rc::new(Meter::new(ctx));
        meter.sync(ctx);
        let mut reader: Box<dyn Read + '_> = Box::new(Metered {
            inner,
            meter: meter.clone(),
        });
        let mut start = 0u64;
        for segment in 0.. {
            if segment == MAX_SEGMENTS {
                self.segments_limit(ctx, &format!("the stream after offset {start}"));
                break;
            }
            let mut archive = tar::Archive::new(reader);
            let flow = self.stream_segment(ctx, &mut archive, &meter, s);
            reader = archive.into_inner();
            if flow == Flow::Stop {
                self.stream_stopped(ctx, &meter, s, None);
                break;
            }
            let eoa = meter.pos.get().saturating_sub(512);
            // Zero blocks after the marker are padding; the first other block is hidden data.
            let mut block = Vec::with_capacity(512);
            let hidden = loop {
                meter.sync(ctx);
                block.clear();
                match fill(&mut reader, &mut block, 512) {
                    Err(e) => {
                        self.stream_stopped(ctx, &meter, s, Some(&e.to_string()));
                        break None;
                    }
                    Ok(()) if block.is_empty() => break None,
                    Ok(()) if block.iter().all(|&b| b == 0) => {}
                    Ok(()) => break Some(meter.pos.get() - block.len() as u64),
                }
            };
            let Some(hidden) = hidden else {
                break;
            };
            let is_tar = crate::formats::sniff(&block) == Format::Tar || looks_like_old_tar(&block);
            if is_tar {
                if !self.quiet() {
                    hidden_data(ctx, self.loc, true, eoa, hidden, None, &block);
                }
                start = hidden;
                reader = Box::new(Cursor::new(block).chain(reader));
                continue;
            }
            if self.quiet() {
                break;
            }
            // Other content: held (within the member allowance and the ratio bound), reported
            // and analysed as a nested artifact.
            let limits = ctx.budget.limits;
            let cap = limits.max_member_size.min(
                s.compressed
                    .saturating_mul(limits.max_ratio)
                    .max(limits.ratio_floor),
            );
            let mut rest = block;
            let got = fill(&mut reader, &mut rest, cap);
            meter.sync(ctx);
            if let Err(e) = got {
                self.stream_stopped(ctx, &meter, s, Some(&e.to_string()));
            } else if rest.len() as u64 == cap && !matches!(reader.read(&mut [0u8]), Ok(0)) {
                ctx.limit(
                    self.loc,
                    "the data after the end-of-archive marker is larger than the member bound",
                    &format!("the stream after offset {}", hidden + cap),
                );
            }
            hidden_data(
                ctx,
                self.loc,
                false,
                eoa,
                hidden,
                Some(rest.len() as u64),
                &rest,
            );
            let f = crate::formats::sniff(&rest);
            if !matches!(f, Format::Unknown | Format::Text) {
                let name = format!("<data after end of archive at offset {hidden}>");
                ctx.nested(&rest, &self.loc.member(name.clone()), &name, self.depth + 1);
            }
            break;
        }
        meter.sync(ctx);
    }

    /// Walk one archive of a stream, up to its end-of-archive marker.
    fn stream_segment<'a>(
        &mut self,
        ctx: &mut Ctx,
        archive: &mut tar::Archive<Box<dyn Read + 'a>>,
        meter: &Meter,
        s: &Stream<'_>,
    ) -> Flow {
        let mut entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                if !self.quiet() {
                    malformed(ctx, self.loc, &e.to_string());
                }
                return Flow::Stop;
            }
        };
        let mut next_header = meter.pos.get();
        loop {
            meter.sync(ctx);
            meter.window.set(
                next_header
                    .max(meter.pos.get())
                    .saturating_add(MAX_EXTENSION),
            );
            let item = entries.next();
            meter.window.set(u64::MAX);
            let mut entry = match item {
                None => return Flow::Go,
                Some(Ok(e)) => e,
                Some(Err(e)) => {
                    self.stream_stopped(ctx, meter, s, Some(&e.to_string()));
                    return Flow::Stop;
                }
            };
            let (name, kind, link) = describe(&entry);
            let size = entry.size();
            // The reader stands at the start of the member's data; its stored length rounded
            // to whole blocks leads to the next header.
            let stored = if kind == tar::EntryType::GNUSparse {
                entry.header().entry_size().unwrap_or(size)
            } else {
                size
            };
            next_header = meter
                .pos
                .get()
                .saturating_add(stored.saturating_add(511) & !511);
            let Some(view) = self.tarfile_view(ctx, &mut entry, kind, &name, size) else {
                continue;
            };
            let body = Body::Read(&mut entry, meter, s.compressed);
            if self.python_entry(ctx, view, name, kind, link, size, body) == Flow::Stop {
                return Flow::Stop;
            }
        }
    }

    /// Report why a stream stopped before its end, once: a bound of the meter (high: members
    /// are left unread), a corrupt stream (at the compressed artifact), or damage the tar
    /// reader found (`err`).
    fn stream_stopped(&self, ctx: &mut Ctx, meter: &Meter, s: &Stream<'_>, err: Option<&str>) {
        if self.quiet() || meter.reported.replace(true) {
            return;
        }
        let at = meter.pos.get();
        match meter.stop.borrow().clone() {
            Some(Stopped::Limit(bound)) => ctx.limit_at(
                Severity::High,
                self.loc,
                &format!("{bound}, with tar members left unread"),
                &format!("the tar stream after {}", plural(at, "decompressed byte")),
            ),
            Some(corrupt) => report_stop(ctx, &corrupt, s.outer, at as usize),
            None => {
                if let Some(e) = err {
                    malformed(ctx, self.loc, e);
                }
            }
        }
    }
}

/// What a streamed member's analysis gets: its bytes and its real size.
struct Held {
    bytes: Vec<u8>,
    total: u64,
}

impl Held {
    fn whole(bytes: Vec<u8>) -> Self {
        let total = bytes.len() as u64;
        Held { bytes, total }
    }

    fn head(bytes: Vec<u8>, total: u64) -> Self {
        Held { bytes, total }
    }
}

/// The accounting of a decompressed stream, shared between the walk and the reader the `tar`
/// crate owns: bytes decoded (charged to the budget at each [`Meter::sync`]), the bounds, and
/// why it stopped.
struct Meter {
    /// Bytes decoded so far.
    pos: Cell<u64>,
    /// Bytes already charged to the budget.
    charged: Cell<u64>,
    /// Position at which the total decompressed budget runs out.
    cap: Cell<u64>,
    /// Position the tar reader may not pass while it reads headers ([`MAX_EXTENSION`]).
    window: Cell<u64>,
    deadline: Instant,
    max_time: Duration,
    max_total: u64,
    /// Why the stream stopped: a bound, or the decoder's error.
    stop: RefCell<Option<Stopped>>,
    /// The stop (or damage) was reported.
    reported: Cell<bool>,
}

impl Meter {
    fn new(ctx: &Ctx) -> Self {
        Meter {
            pos: Cell::new(0),
            charged: Cell::new(0),
            cap: Cell::new(0),
            window: Cell::new(u64::MAX),
            deadline: ctx.budget.deadline,
            max_time: ctx.budget.limits.max_time,
            max_total: ctx.budget.limits.max_decompressed,
            stop: RefCell::new(None),
            reported: Cell::new(false),
        }
    }

    /// Charge what was decoded since the last call, and set the cap from what is left of the
    /// total budget (nested members charge it too).
    fn sync(&self, ctx: &mut Ctx) {
        let pos = self.pos.get();
        ctx.budget.decompressed += pos - self.charged.get();
        self.charged.set(pos);
        let left = self.max_total.saturating_sub(ctx.budget.decompressed);
        self.cap.set(pos.saturating_add(left));
    }

    fn fail(&self, why: Stopped) -> std::io::Error {
        let msg = match &why {
            Stopped::Limit(b) => b.clone(),
            Stopped::Corrupt(m) => m.clone(),
        };
        self.stop.borrow_mut().get_or_insert(why);
        std::io::Error::other(msg)
    }
}

/// A decoder read through a [`Meter`].
struct Metered<'a> {
    inner: Box<dyn Read + 'a>,
    meter: Rc<Meter>,
}

impl Read for Metered<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let m = &*self.meter;
        if let Some(stop) = m.stop.borrow().as_ref() {
            return Err(std::io::Error::other(format!("{stop:?}")));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if Instant::now() >= m.deadline {
            return Err(m.fail(Stopped::Limit(format!("time per input ({:?})", m.max_time))));
        }
        let pos = m.pos.get();
        let (limit, bound) = if m.window.get() < m.cap.get() {
            (
                m.window.get(),
                format!(
                    "a tar extension header (GNU long name or link, PAX records, sparse map) longer than {}",
                    plural(MAX_EXTENSION, "byte")
                ),
            )
        } else {
            (
                m.cap.get(),
                format!(
                    "more than {} decompressed in total",
                    plural(m.max_total, "byte")
                ),
            )
        };
        if pos >= limit {
            // One more byte tells whether the stream really goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe) {
                Ok(0) => Ok(0),
                Ok(_) => Err(m.fail(Stopped::Limit(bound))),
                Err(e) => Err(m.fail(Stopped::Corrupt(e.to_string()))),
            };
        }
        let n = buf
            .len()
            .min(usize::try_from(limit - pos).unwrap_or(usize::MAX));
        match self.inner.read(&mut buf[..n]) {
            Ok(k) => {
                m.pos.set(pos + k as u64);
                Ok(k)
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(m.fail(Stopped::Corrupt(e.to_string()))),
        }
    }
}

/// Read from `rd` until `out` holds `want` bytes or the input ends.
fn fill(rd: &mut dyn Read, out: &mut Vec<u8>, want: u64) -> std::io::Result<()> {
    let mut chunk = vec![0u8; 1 << 16];
    while (out.len() as u64) < want {
        let room = usize::try_from(want - out.len() as u64)
            .unwrap_or(usize::MAX)
            .min(chunk.len());
        match rd.read(&mut chunk[..room]) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An entry's name, type and link target, names as escaped text.
fn describe<R: Read>(entry: &tar::Entry<'_, R>) -> (String, tar::EntryType, Option<String>) {
    let name = crate::finding::escape_invalid_utf8(&entry.path_bytes());
    let kind = entry.header().entry_type();
    let link = (kind.is_symlink() || kind.is_hard_link()).then(|| {
        entry
            .link_name_bytes()
            .map(|b| crate::finding::escape_invalid_utf8(&b))
            .unwrap_or_default()
    });
    (name, kind, link)
}

/// Report the bytes after an end-of-archive marker (`size` when known).
fn hidden_data(
    ctx: &mut Ctx,
    loc: &Location,
    is_tar: bool,
    eoa: u64,
    hidden: u64,
    size: Option<u64>,
    head: &[u8],
) {
    let what = match size {
        Some(n) => plural(n, "byte"),
        None => "bytes".to_string(),
    };
    ctx.emit(
        Finding::builder(&r::tar_hidden_data::RULE, loc.with_span(Span::Offset { offset: hidden }))
            .message(if is_tar {
                "another tar archive follows the end-of-archive marker; `tar -i` and Python's tarfile with ignore_zeros read its members"
            } else {
                "bytes follow the end-of-archive marker of the tar archive"
            })
            .evidence(format!(
                "{what} after the end-of-archive marker at offset {eoa}: {}",
                crate::finding::hex_head(head, 16)
            ))
            .build(),
    );
}

/// Drop what an earlier reading of the member at `loc` recorded (findings, members, facts),
/// before it is read again.
fn forget(ctx: &mut Ctx, loc: &Location) {
    let within = |l: &Location| l.path == loc.path && l.members.starts_with(&loc.members);
    ctx.findings.retain(|f| !within(&f.location));
    let name = loc.artifact_name();
    let below = format!("{name}!");
    let inside = |n: &str| n == name || n.starts_with(&below);
    let before = ctx.members.len();
    ctx.members.retain(|m| !inside(&m.name));
    ctx.budget.members = ctx
        .budget
        .members
        .saturating_sub((before - ctx.members.len()) as u64);
    ctx.facts.retain(|k, _| !inside(k));
}

/// Whether a member is read for a Cargo build script ([`Walk::note_cargo`]): a `Cargo.toml` or a
/// `build.rs`.
fn cargo_file(name: &str) -> bool {
    name.rsplit(['/', '\\']).next() == Some("Cargo.toml")
        || crate::formats::build_files::kind(name)
            == Some(crate::formats::build_files::Kind::CargoBuild)
}

fn hash(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

/// Names of the text members that carry chat templates, read whole although text.
pub(crate) fn carries_template(name: &str) -> bool {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    base.ends_with(".jinja")
        || base == "tokenizer_config.json"
        || base == "chat_template.json"
        || base == "processor_config.json"
        || base.ends_with(".yaml")
        || base.ends_with(".yml")
}

/// A top-folder file of an sdist that names modules the build imports and runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declarer {
    /// `pyproject.toml`: an in-tree backend, `[tool.setuptools.cmdclass]`.
    Pyproject,
    /// `setup.cfg`: `[options] cmdclass`.
    SetupCfg,
}

impl Declarer {
    /// The kind of declaring file the member `name` is, if it sits in the archive's top folder.
    fn of(name: &str) -> Option<Declarer> {
        if name.matches('/').count() != 1 {
            return None;
        }
        if name.ends_with("/pyproject.toml") {
            Some(Declarer::Pyproject)
        } else if name.ends_with("/setup.cfg") {
            Some(Declarer::SetupCfg)
        } else {
            None
        }
    }
}

/// Link members remembered per archive ([`Walk::file_links`]).
const MAX_LINKS: usize = 4096;

/// Python members whose index is remembered for a reading again ([`Walk::early_py`]).
const MAX_EARLY_PY: usize = 1 << 16;

/// The members that may hold the modules of setuptools command classes (`install =
/// pkg._custom.Install`, or `pkg._custom:Install`), under the sdist's folder `root`:
/// `pkg/_custom.py` or `pkg/_custom/__init__.py`, at the root or under `src/` (setuptools
/// resolves them through `package_dir`, whose usual value is one of those). At most 32
/// targets; paths with `..` are ignored.
fn command_modules<'a>(root: &str, targets: impl Iterator<Item = &'a str>) -> Vec<String> {
    targets
        .take(32)
        .filter_map(|v| {
            v.trim()
                .rsplit_once(['.', ':'])
                .map(|(m, _)| m.trim().replace('.', "/"))
        })
        .filter(|m| !m.is_empty() && !m.split('/').any(|c| c == ".." || c.is_empty()))
        .flat_map(|m| {
            [
                format!("{root}/{m}.py"),
                format!("{root}/{m}/__init__.py"),
                format!("{root}/src/{m}.py"),
                format!("{root}/src/{m}/__init__.py"),
            ]
        })
        .collect()
}

/// The members holding the command classes a top-folder `setup.cfg` (`name`, `text`) names in
/// `[options] cmdclass` (`install = pkg._custom.Install`, one a line): setuptools imports them
/// and runs the classes as build and install commands (tester t14 bd17).
fn setup_cfg_commands(name: &str, text: &[u8]) -> Vec<String> {
    let root = &name[..name.len() - "/setup.cfg".len()];
    let text = String::from_utf8_lossy(text);
    let mut section = String::new();
    let mut in_cmdclass = false;
    let mut targets: Vec<String> = Vec::new();
    for raw in crate::formats::pypkg::universal_lines(&text).take(100_000) {
        let t = raw.trim();
        if t.is_empty() || t.starts_with(['#', ';']) {
            continue;
        }
        let continued = raw.starts_with([' ', '\t']);
        if !continued {
            in_cmdclass = false;
            if let Some((s, _)) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
                section = s.trim().to_ascii_lowercase();
                continue;
            }
            if section == "options" {
                if let Some((k, v)) = t.split_once(['=', ':']) {
                    in_cmdclass = k.trim().eq_ignore_ascii_case("cmdclass");
                    if in_cmdclass && !v.trim().is_empty() {
                        targets.push(v.trim().to_string());
                    }
                }
            }
        } else if in_cmdclass && targets.len() < 32 {
            targets.push(t.to_string());
        }
    }
    // Each entry is `command = module.Class`; the module is what is imported.
    command_modules(
        root,
        targets
            .iter()
            .filter_map(|t| t.split_once('=').map(|(_, v)| v)),
    )
}

/// The members of an sdist that form its PEP 517 in-tree build backend, from its top-folder
/// `pyproject.toml` (`name`, `text`): `build-backend = "pkg.mod:obj"` and
/// `backend-path = ["dir", …]`, so the frontend imports `pkg.mod` from those folders
/// (`dir/pkg/mod.py` or `dir/pkg/mod/__init__.py`) and calls its hooks. Paths with `..` are
/// ignored (PEP 517 requires them to stay inside the source tree; a frontend refuses them).
fn in_tree_backend(name: &str, text: &[u8]) -> Vec<String> {
    let root = &name[..name.len() - "/pyproject.toml".len()];
    let Some(text) = Some(text)
        .filter(|b| b.len() <= MAX_PYPROJECT)
        .and_then(|b| std::str::from_utf8(b).ok())
    else {
        return Vec::new();
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    // `[tool.setuptools.cmdclass] build_py = "_custom.BuildPy"`: setuptools imports the module
    // from the project's folder and runs the class as a build command (tester t14 bd05).
    let mut out: Vec<String> = doc
        .get("tool")
        .and_then(|t| t.get("setuptools"))
        .and_then(|t| t.get("cmdclass"))
        .and_then(|c| c.as_table())
        .map(|c| command_modules(root, c.values().filter_map(|v| v.as_str())))
        .unwrap_or_default();
    // Build hook files at a configured path: hatchling's custom hook
    // (`[tool.hatch.build.hooks.custom] path`, also per target) and pdm-backend's
    // (`[tool.pdm.build] custom-hook`).
    let tool = doc.get("tool");
    let hatch_build = tool
        .and_then(|t| t.get("hatch"))
        .and_then(|h| h.get("build"));
    let mut hook_paths: Vec<&str> = Vec::new();
    if let Some(p) = hatch_build
        .and_then(|b| b.get("hooks"))
        .and_then(|h| h.get("custom"))
        .and_then(|c| c.get("path"))
        .and_then(|p| p.as_str())
    {
        hook_paths.push(p);
    }
    if let Some(targets) = hatch_build
        .and_then(|b| b.get("targets"))
        .and_then(|t| t.as_table())
    {
        for t in targets.values().take(16) {
            if let Some(p) = t
                .get("hooks")
                .and_then(|h| h.get("custom"))
                .and_then(|c| c.get("path"))
                .and_then(|p| p.as_str())
            {
                hook_paths.push(p);
            }
        }
    }
    if let Some(p) = tool
        .and_then(|t| t.get("pdm"))
        .and_then(|p| p.get("build"))
        .and_then(|b| b.get("custom-hook"))
        .and_then(|p| p.as_str())
    {
        hook_paths.push(p);
    }
    for p in hook_paths {
        let p = p.trim_start_matches("./");
        if !p.split(['/', '\\']).any(|c| c == "..") && p.ends_with(".py") {
            out.push(format!("{root}/{p}"));
        }
    }
    let Some(bs) = doc.get("build-system").and_then(|v| v.as_table()) else {
        return out;
    };
    let (Some(backend), Some(paths)) = (
        bs.get("build-backend").and_then(|v| v.as_str()),
        bs.get("backend-path").and_then(|v| v.as_array()),
    ) else {
        return out;
    };
    let module = backend
        .split(':')
        .next()
        .unwrap_or(backend)
        .trim()
        .replace('.', "/");
    if module.is_empty() {
        return out;
    }
    for p in paths.iter().filter_map(|p| p.as_str()).take(16) {
        let parts: Vec<&str> = p
            .split(['/', '\\'])
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        if parts.contains(&"..") {
            continue;
        }
        let mut dir = root.to_string();
        for c in parts {
            dir.push('/');
            dir.push_str(c);
        }
        out.push(format!("{dir}/{module}.py"));
        out.push(format!("{dir}/{module}/__init__.py"));
    }
    out
}

/// The hooks a PEP 517 frontend calls on an in-tree backend (`build-backend = "pkg.mod:obj"`,
/// `backend-path = ["dir"]`): per backend folder (the sdist's top folder joined with the
/// path), the relative names `.pkg.mod.obj.build_wheel`, … of every hook.
fn backend_calls(name: &str, text: &[u8]) -> Vec<(String, Vec<String>)> {
    let root = &name[..name.len() - "/pyproject.toml".len()];
    let Some(doc) = Some(text)
        .filter(|b| b.len() <= MAX_PYPROJECT)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Vec::new();
    };
    let Some(bs) = doc.get("build-system").and_then(|v| v.as_table()) else {
        return Vec::new();
    };
    let (Some(backend), Some(paths)) = (
        bs.get("build-backend").and_then(|v| v.as_str()),
        bs.get("backend-path").and_then(|v| v.as_array()),
    ) else {
        return Vec::new();
    };
    let target = backend.trim().replace(':', ".");
    if !crate::formats::is_dotted_name(&target) {
        return Vec::new();
    }
    let module = backend.split(':').next().unwrap_or(backend).trim();
    let calls: Vec<String> = crate::formats::python::PEP517_HOOKS
        .iter()
        .map(|h| format!(".{target}.{h}"))
        // A module `__getattr__` answers every hook name the frontend asks for.
        .chain(std::iter::once(format!(".{module}.__getattr__")))
        .collect();
    paths
        .iter()
        .filter_map(|p| p.as_str())
        .take(16)
        .filter_map(|p| {
            let parts: Vec<&str> = p
                .split(['/', '\\'])
                .filter(|c| !c.is_empty() && *c != ".")
                .collect();
            if parts.contains(&"..") {
                return None;
            }
            let mut dir = root.to_string();
            for c in parts {
                dir.push('/');
                dir.push_str(c);
            }
            Some((dir, calls.clone()))
        })
        .collect()
}

/// The offset of the first 512-byte block at or after `from` that holds a non-zero byte (a
/// short last block counts).
fn first_nonzero_block(data: &[u8], from: usize) -> Option<usize> {
    data.get(from..)?
        .chunks(512)
        .position(|b| b.iter().any(|&x| x != 0))
        .map(|i| from + i * 512)
}

/// Byte ranges (start, end) of the regular members' data in a tar archive, from its headers
/// alone (member data is seeked over, not read); stops at the first damaged header.
pub fn data_spans(data: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut archive = tar::Archive::new(Cursor::new(data));
    let Ok(entries) = archive.entries_with_seek() else {
        return spans;
    };
    for entry in entries {
        let Ok(entry) = entry else { break };
        if entry.header().entry_type().is_file() {
            let start = entry.raw_file_position() as usize;
            spans.push((start, start.saturating_add(entry.size() as usize)));
        }
    }
    spans
}

fn malformed(ctx: &mut Ctx, loc: &Location, why: &str) {
    ctx.emit(
        Finding::builder(&r::archive_malformed::RULE, loc.clone())
            .message("the tar archive is damaged; members after the damage were not read")
            .evidence(why.to_string())
            .build(),
    );
}

/// Most entries of a sparse map read (pairs); a longer map is damage to `tarfile` only when
/// its memory runs out, so more is reported as malformed here.
const MAX_SPARSE_ENTRIES: usize = 1 << 20;

/// A member as CPython's `tarfile` names and sizes it.
#[derive(Debug)]
struct PyView {
    name: String,
    /// The size `extractfile` returns (the real size of a sparse member).
    size: u64,
    sparse: Option<Sparse>,
}

/// A sparse member's map.
#[derive(Debug)]
enum Sparse {
    /// (offset, length) pairs, the data stored back to back (GNU sparse 0.0 and 0.1).
    Map(Vec<(u64, u64)>),
    /// GNU sparse 1.0: the map is in the data, before the data, in whole blocks.
    InData,
}

/// Set a pax record as CPython's dict does: a key already there keeps its place.
fn set_record(records: &mut Vec<(String, Vec<u8>)>, key: String, value: Vec<u8>) {
    match records.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => records.push((key, value)),
    }
}

fn number(v: &[u8]) -> Option<u64> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

/// [`Walk::tarfile_view`] over the records: `global` in force, the member's own `local`
/// records, whether a global header came right before it, and the `tar` crate's name and size.
fn python_view(
    global: &[(String, Vec<u8>)],
    local: Option<&[(String, Vec<u8>)]>,
    after_global: bool,
    name: &str,
    size: u64,
) -> PyView {
    let mut merged = global.to_vec();
    for (k, v) in local.unwrap_or_default() {
        set_record(&mut merged, k.clone(), v.clone());
    }
    let mut view = PyView {
        name: name.to_string(),
        size,
        sparse: None,
    };
    for (k, v) in &merged {
        match k.as_str() {
            "GNU.sparse.name" => view.name = crate::finding::escape_invalid_utf8(v),
            "path" => {
                view.name = crate::finding::escape_invalid_utf8(v)
                    .trim_end_matches('/')
                    .to_string()
            }
            "GNU.sparse.size" | "GNU.sparse.realsize" | "size" => {
                view.size = number(v).unwrap_or(0)
            }
            _ => {}
        }
    }
    // The records of the pax header right before the member decide its sparse format.
    let before: &[(String, Vec<u8>)] = match (local, after_global) {
        (Some(_), _) => &merged,
        (None, true) => global,
        (None, false) => return view,
    };
    let get = |key: &str| {
        before
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    };
    if let Some(map) = get("GNU.sparse.map") {
        let nums: Vec<u64> = map
            .split(|&b| b == b',')
            .take(MAX_SPARSE_ENTRIES * 2)
            .map(|n| number(n).unwrap_or(0))
            .collect();
        view.sparse = Some(Sparse::Map(
            nums.chunks_exact(2).map(|p| (p[0], p[1])).collect(),
        ));
    } else if get("GNU.sparse.size").is_some() {
        // Version 0.0 repeats `GNU.sparse.offset` and `GNU.sparse.numbytes` in the raw
        // records of the header (CPython matches them with a regex, in order).
        let raw = local.unwrap_or(global);
        let field = |key: &str| {
            raw.iter()
                .filter(|(k, _)| k == key)
                .take(MAX_SPARSE_ENTRIES)
                .map(|(_, v)| number(v).unwrap_or(0))
                .collect::<Vec<u64>>()
        };
        let offsets = field("GNU.sparse.offset");
        let lengths = field("GNU.sparse.numbytes");
        view.sparse = Some(Sparse::Map(offsets.into_iter().zip(lengths).collect()));
    } else if get("GNU.sparse.major") == Some(b"1") && get("GNU.sparse.minor") == Some(b"0") {
        view.sparse = Some(Sparse::InData);
    }
    view
}

/// The data `tarfile.extractfile` returns for a sparse member (`_FileInFile`): `real` bytes,
/// holes as zeros, the stored chunks placed in map order; at most `cap` bytes are rebuilt.
/// A 1.0 map is read as `_proc_gnusparse_10` reads it: a count line in the first block, then
/// one number a line, one more block read whenever a line is not complete; the data starts
/// after the blocks read. Errors: a map `tarfile` cannot read.
fn rebuild_sparse(stored: &[u8], sparse: &Sparse, real: u64, cap: u64) -> Result<Vec<u8>, String> {
    let in_data;
    let (map, data): (&[(u64, u64)], &[u8]) = match sparse {
        Sparse::Map(m) => (m, stored),
        Sparse::InData => {
            let mut end = 512.min(stored.len());
            let mut p = 0usize;
            let line = |p: &mut usize, end: &mut usize| -> Result<u64, String> {
                let find = |from: usize, to: usize| {
                    stored.get(from..to).and_then(|b| memchr::memchr(b'\n', b))
                };
                let nl = match find(*p, *end) {
                    Some(i) => i,
                    None => {
                        *end = (*end + 512).min(stored.len());
                        find(*p, *end).ok_or("a sparse map line runs past its block")?
                    }
                };
                let v =
                    number(&stored[*p..*p + nl]).ok_or("a sparse map number is not a number")?;
                *p += nl + 1;
                Ok(v)
            };
            let fields = line(&mut p, &mut end)?;
            if fields > MAX_SPARSE_ENTRIES as u64 {
                return Err(format!("a sparse map of {fields} entries"));
            }
            // Each pair takes at least four bytes of the map (`0\n0\n`): reserve no more than
            // the stored data can hold, whatever the count says.
            let mut pairs = Vec::with_capacity((fields as usize).min(stored.len() / 4));
            for _ in 0..fields {
                let off = line(&mut p, &mut end)?;
                let len = line(&mut p, &mut end)?;
                pairs.push((off, len));
            }
            in_data = pairs;
            (&in_data[..], stored.get(end..).unwrap_or_default())
        }
    };
    let size = usize::try_from(real.min(cap)).map_err(|_| "a sparse size too large")?;
    let mut out = vec![0u8; size];
    let mut at = 0usize;
    for &(off, len) in map {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let chunk = data
            .get(at..at.saturating_add(len).min(data.len()))
            .unwrap_or_default();
        at = at.saturating_add(len);
        let Ok(off) = usize::try_from(off) else {
            continue;
        };
        if off >= size {
            continue;
        }
        let n = chunk.len().min(size - off);
        out[off..off + n].copy_from_slice(&chunk[..n]);
    }
    Ok(out)
}
