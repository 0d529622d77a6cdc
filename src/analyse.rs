//! The analyse stage: sniff an artifact's format, run its analyser, recurse into members.
//!
//! One [`Ctx`] serves one top-level input. It carries the [`Budget`] down into every nested
//! artifact and collects findings and the format of every member. Analysers never print and
//! never read other files.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::finding::{plural, Confidence, Finding, Location, Severity};
use crate::formats::{self, Format};
use crate::rules;
use crate::yara::{self, YaraRules};

/// Bounds for one top-level input (DESIGN.md, Budget). Running out is a `resource-limit` finding.
#[derive(Debug, Clone, Copy)]
pub struct BudgetLimits {
    /// Archive and wrapper nesting depth (the file itself is depth 0).
    pub max_depth: u32,
    /// Bytes decompressed in total, across all members (bytes).
    pub max_decompressed: u64,
    /// Largest single member held in memory after decompression (bytes).
    pub max_member_size: u64,
    /// Compression ratio (uncompressed / compressed) allowed once a member passes
    /// [`BudgetLimits::ratio_floor`] bytes.
    pub max_ratio: u64,
    /// Decompressed size below which the ratio is not checked (bytes).
    pub ratio_floor: u64,
    /// Archive members, in total.
    pub max_members: u64,
    /// Pickle machine bounds; its opcode bound is shared by all pickles of the input.
    pub pickle: formats::pickle::machine::Limits,
    /// Wall time for the input.
    pub max_time: Duration,
}

impl Default for BudgetLimits {
    fn default() -> Self {
        BudgetLimits {
            max_depth: 8,
            max_decompressed: 8 << 30,
            max_member_size: 1 << 30,
            max_ratio: 200,
            ratio_floor: 64 << 20,
            max_members: 200_000,
            pickle: formats::pickle::machine::Limits::default(),
            max_time: Duration::from_secs(60),
        }
    }
}

/// What is left of the bounds for one input.
#[derive(Debug)]
pub struct Budget {
    /// The bounds.
    pub limits: BudgetLimits,
    /// Bytes decompressed so far.
    pub decompressed: u64,
    /// Members seen so far.
    pub members: u64,
    /// Pickle opcodes executed so far.
    pub pickle_ops: u64,
    /// When the input's time runs out.
    pub deadline: Instant,
}

impl Budget {
    /// A fresh budget starting now.
    pub fn new(limits: BudgetLimits) -> Self {
        Budget {
            limits,
            decompressed: 0,
            members: 0,
            pickle_ops: 0,
            deadline: Instant::now() + limits.max_time,
        }
    }

    /// True when the input's wall time is spent.
    pub fn out_of_time(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Bytes that may still be decompressed for one member.
    pub fn member_allowance(&self) -> u64 {
        self.limits.max_member_size.min(
            self.limits
                .max_decompressed
                .saturating_sub(self.decompressed),
        )
    }
}

/// A member found inside an input, with its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// `path!member!member`.
    pub name: String,
    /// Its format.
    pub format: Format,
}

/// The analysis state of one top-level input.
#[derive(Debug)]
pub struct Ctx {
    /// The budget.
    pub budget: Budget,
    /// Findings so far.
    pub findings: Vec<Finding>,
    /// Members analysed so far (not the input itself).
    pub members: Vec<Member>,
    /// What analysers learned that a BOM or a policy needs (DESIGN.md, Facts), keyed by
    /// artifact (`path!member`) and then by fact name (`gguf.architecture`,
    /// `parameters`, `license`, ...). Sorted, so output is deterministic.
    pub facts: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// Byte-pattern rules matched over every artifact of a matched format
    /// ([`crate::yara::matched_format`]); `None` matches none.
    pub yara: Option<Arc<YaraRules>>,
    /// The bytes after the array data of the `.npy` member about to be analysed, when its
    /// container judged the array from its head but inflated the tail (offset in the member,
    /// bytes): set by the zip reader just before [`Ctx::nested_sized`], taken by the `.npy`
    /// analyser, cleared by the reader after, so it reaches that one member only.
    pub npy_tail: Option<(u64, Vec<u8>)>,
    /// Members of the sdist being read that its build runs (a PEP 517 in-tree backend named
    /// by `backend-path` in `pyproject.toml`), by member name: analysed as install-time code.
    /// Set by the tar reader for its members, restored after them.
    pub install_files: Vec<String>,
    /// Python modules' links to the other modules of their package (imports, calls at load,
    /// what their functions reach), for the join of a package's modules
    /// (`formats/python/join.rs`): an archive joins its members' when its analysis ends, the
    /// check stage joins the files'. Not output: the join turns them into findings.
    pub python_links: Vec<crate::formats::python::ModuleLinks>,
    /// `.pyc` files read, for the judgement by the files beside them (`formats/pyc/`,
    /// [`crate::formats::pyc::judge`]): an archive judges its members' when its analysis ends,
    /// the check stage the files'. Not output.
    pub pyc_modules: Vec<crate::formats::pyc::PycModule>,
    /// Per rule id and severity: findings kept, and findings past [`MAX_FINDINGS_PER_RULE`]
    /// counted and not kept ([`Ctx::emit`]), for [`Ctx::fold_repeats`].
    per_rule: std::collections::BTreeMap<(&'static str, Severity), (u64, u64)>,
}

/// Low and info findings of one rule at one severity listed per top-level input; the rest are
/// folded into one entry that counts them ([`Ctx::fold_repeats`]). A `.pth` of 100,000 path
/// lines into `/tmp` gives 20 findings and one entry for the other 99,980, not a thousand
/// identical lines. Keyed by severity too, so a worse finding of the same rule is never folded
/// behind milder ones. Findings of medium and above, each a place a reviewer must look at,
/// are listed up to [`MAX_FINDINGS_PER_RULE`] before they fold.
pub const FOLD_AFTER: u64 = 20;

/// How many findings of a rule at `severity` [`Ctx::fold_repeats`] lists before it folds.
pub fn listed_before_fold(severity: Severity) -> u64 {
    if severity <= Severity::Low {
        FOLD_AFTER
    } else {
        MAX_FINDINGS_PER_RULE
    }
}

/// Findings of one rule at one severity held per top-level input while it is analysed. Past
/// it they are only counted (and reach the fold entry's count): a `.pth` of two million path
/// lines costs a thousand findings of memory, not two million and a gigabyte.
pub const MAX_FINDINGS_PER_RULE: u64 = 1000;

impl Ctx {
    /// A context with a fresh budget and no byte-pattern rules.
    pub fn new(limits: BudgetLimits) -> Self {
        Ctx {
            budget: Budget::new(limits),
            findings: Vec::new(),
            members: Vec::new(),
            facts: std::collections::BTreeMap::new(),
            yara: None,
            npy_tail: None,
            install_files: Vec::new(),
            python_links: Vec::new(),
            pyc_modules: Vec::new(),
            per_rule: std::collections::BTreeMap::new(),
        }
    }

    /// This context, matching `rules` over its artifacts (see [`Ctx::yara`]).
    pub fn with_yara(mut self, rules: Option<Arc<YaraRules>>) -> Self {
        self.yara = rules;
        self
    }

    /// Record a fact about the artifact at `loc` (the last value for a name wins).
    pub fn fact(&mut self, loc: &Location, name: &str, value: impl Into<String>) {
        self.facts
            .entry(loc.artifact_name())
            .or_default()
            .insert(name.to_string(), value.into());
    }

    /// Record a finding; past [`MAX_FINDINGS_PER_RULE`] findings of its rule and severity it
    /// is only counted, for the fold entry [`Ctx::fold_repeats`] makes.
    pub fn emit(&mut self, f: Finding) {
        let entry = self
            .per_rule
            .entry((f.rule.id, f.severity))
            .or_insert((0, 0));
        if entry.0 >= MAX_FINDINGS_PER_RULE {
            entry.1 += 1;
            return;
        }
        entry.0 += 1;
        self.findings.push(f);
    }

    /// Fold repeated findings, once the input's analysis has ended: of each rule at each
    /// severity the first [`listed_before_fold`] findings (in the order they were made: 20 of
    /// low and info, all a rule holds in memory of medium and above) stay listed,
    /// and the others (those kept and those only counted by [`Ctx::emit`]) become one entry of
    /// the same rule and severity whose [`Finding::folded`] says how many it stands for, at
    /// the first folded finding's location, with its evidence and message. Nothing is dropped silently,
    /// the verdict cannot change (every severity keeps its own listed findings), and a summary
    /// counts the fold entry as the findings it folded ([`Finding::count`]). `loc` is the input,
    /// the location of an entry whose findings were all only counted. Exact repeats (same rule,
    /// severity, location, message and evidence) are made one first.
    pub fn fold_repeats(&mut self, loc: &Location) {
        // The same finding made twice (two signals of one call agreeing: `nc` in an argv is a
        // network client by its program and by its arguments) is one: same rule, severity,
        // location, message and evidence.
        let keep: Vec<bool> = {
            let mut seen = std::collections::BTreeSet::new();
            self.findings
                .iter()
                .map(|f| {
                    seen.insert((
                        f.rule.id,
                        f.severity,
                        &f.location,
                        f.message.as_str(),
                        f.evidence.as_str(),
                    ))
                })
                .collect()
        };
        let mut keep = keep.into_iter();
        self.findings.retain(|_| keep.next().unwrap_or(true));
        type Key = (&'static str, Severity);
        let mut listed: std::collections::BTreeMap<Key, u64> = std::collections::BTreeMap::new();
        // Per key: findings folded, the first of them, the highest confidence among them.
        let mut folded: std::collections::BTreeMap<Key, (u64, Option<Finding>, Confidence)> =
            std::collections::BTreeMap::new();
        let mut kept = Vec::with_capacity(self.findings.len());
        for f in std::mem::take(&mut self.findings) {
            let key = (f.rule.id, f.severity);
            let n = listed.entry(key).or_insert(0);
            if *n < listed_before_fold(f.severity) {
                *n += 1;
                kept.push(f);
                continue;
            }
            let e = folded.entry(key).or_insert((0, None, Confidence::Low));
            e.0 += 1;
            e.2 = e.2.max(f.confidence);
            if e.1.is_none() {
                e.1 = Some(f);
            }
        }
        for (key, &(_, dropped)) in &self.per_rule {
            if dropped > 0 {
                folded.entry(*key).or_insert((0, None, Confidence::Low)).0 += dropped;
            }
        }
        for ((id, severity), (n, first, confidence)) in folded {
            let Some(rule) = rules::by_id(id) else {
                continue;
            };
            let (at, evidence) = match &first {
                Some(f) => (
                    f.location.clone(),
                    format!("first folded: {} ({})", f.evidence, f.message),
                ),
                None => (loc.clone(), String::new()),
            };
            let mut entry = Finding::builder(rule, at)
                .severity(severity)
                .confidence(confidence)
                .message(format!(
                    "{} of this rule at {} severity in this file, folded into this entry (the first {} are listed)",
                    plural(n, "more finding"),
                    severity.as_str(),
                    listed_before_fold(severity)
                ))
                .evidence(evidence);
            if let Some(p) = first.as_ref().and_then(|f| f.package.clone()) {
                entry = entry.package(p.name, p.version);
            }
            let mut entry = entry.build();
            entry.folded = n;
            kept.push(entry);
        }
        self.findings = kept;
    }

    /// Record a `resource-limit` finding: `bound` was hit at `loc`, `unread` says what was left.
    ///
    /// A bound is reported once per input: later members stopped by the same bound are covered
    /// by the first finding, whose evidence says what was left unread.
    pub fn limit(&mut self, loc: &Location, bound: &str, unread: &str) {
        self.limit_at(Severity::Medium, loc, bound, unread);
    }

    /// [`Ctx::limit`] with a severity other than the rule's default.
    pub fn limit_at(&mut self, severity: Severity, loc: &Location, bound: &str, unread: &str) {
        let message = format!("analysis stopped by a bound: {bound}");
        if self
            .findings
            .iter()
            .any(|f| f.rule.id == rules::core::resource_limit::RULE.id && f.message == message)
        {
            return;
        }
        self.emit(
            Finding::builder(&rules::core::resource_limit::RULE, loc.clone())
                .severity(severity)
                .message(message)
                .evidence(format!(
                    "{bound}; not analysed: {unread} (and anything later it stopped)"
                ))
                .build(),
        );
    }

    /// Analyse a nested artifact (an archive member, decompressed stream, pickle argument).
    ///
    /// Checks depth and member-count bounds, then sniffs and analyses it; returns its format, or
    /// `None` when a bound stopped it (a finding says so).
    pub fn nested(
        &mut self,
        data: &[u8],
        loc: &Location,
        name: &str,
        depth: u32,
    ) -> Option<Format> {
        self.nested_sized(data, data.len() as u64, loc, name, depth)
    }

    /// [`Ctx::nested`] for a member of which only a prefix was read: `total` is its real size in
    /// bytes (used by formats judged from their header: `.npy`, safetensors).
    pub fn nested_sized(
        &mut self,
        data: &[u8],
        total: u64,
        loc: &Location,
        name: &str,
        depth: u32,
    ) -> Option<Format> {
        self.nested_as(data, total, loc, name, depth, None)
    }

    /// [`Ctx::nested_sized`] for a member whose format its container already knows from the
    /// member's role (`Some`, see [`formats::member_role`]); `None` sniffs it.
    pub fn nested_as(
        &mut self,
        data: &[u8],
        total: u64,
        loc: &Location,
        name: &str,
        depth: u32,
        format: Option<Format>,
    ) -> Option<Format> {
        if !self.admit(loc, depth, data.len() as u64) {
            return None;
        }
        let f = analyse(self, data, format, total, loc, name, depth);
        self.members.push(Member {
            name: loc.artifact_name(),
            format: f,
        });
        Some(f)
    }

    /// [`Ctx::nested_as`] for an artifact read as a stream rather than held whole (a
    /// compressed tar): the same depth and member bounds, then `read` analyses it and returns
    /// its format. `size` is what is known of its size (bytes), for the depth finding.
    pub fn nested_with(
        &mut self,
        loc: &Location,
        depth: u32,
        size: u64,
        read: impl FnOnce(&mut Ctx) -> Format,
    ) -> Option<Format> {
        if !self.admit(loc, depth, size) {
            return None;
        }
        let f = read(self);
        self.members.push(Member {
            name: loc.artifact_name(),
            format: f,
        });
        Some(f)
    }

    /// Check the depth and member bounds for one more nested artifact of `size` bytes at
    /// `loc`, and count it; false (with a finding) when a bound stops it.
    fn admit(&mut self, loc: &Location, depth: u32, size: u64) -> bool {
        if depth > self.budget.limits.max_depth {
            // Nesting this deep has no use in a model file but hiding what is inside it, so it is
            // graded high (`docs/rules/resource-limit.md`).
            self.limit_at(
                Severity::High,
                loc,
                &format!("nesting deeper than {}", self.budget.limits.max_depth),
                &format!("{} at this depth", plural(size, "byte")),
            );
            return false;
        }
        self.budget.members += 1;
        if self.budget.members > self.budget.limits.max_members {
            if self.budget.members == self.budget.limits.max_members + 1 {
                // A member is left unread, and padding an archive with members costs little (a
                // million empty tar headers gzip to a few MB): high, as for depth
                // (`docs/rules/resource-limit.md`).
                self.limit_at(
                    Severity::High,
                    loc,
                    &format!("more than {} members", self.budget.limits.max_members),
                    "this member and every later one",
                );
            }
            return false;
        }
        true
    }
}

/// A file that sniffed as one format may be read as another by a different loader:
/// `pickle.load`/`torch.load` do not look at magic numbers, and zip readers find an archive from
/// its end. Both readings are analysed, and the double reading is itself a finding.
fn polyglot(
    ctx: &mut Ctx,
    data: &[u8],
    sniffed: Format,
    format: Format,
    loc: &Location,
    depth: u32,
) {
    // libhdf5 (h5py, Keras `load_model` of an `.h5`) finds a superblock after a user block of
    // 512, 1024, … bytes whatever the bytes in front: a file of another format with one behind
    // it is also an HDF5 file (tester t29 K10). Its user block is the file already analysed.
    // Archives are walked instead: a stored `.h5` member's data starts where a superblock may
    // be looked for (a tar's first member at 512, a stored `model.weights.h5` in a `.keras`), and
    // the walk analyses it as a member, or as hidden data when no member owns it.
    if format != Format::Hdf5
        && !matches!(
            sniffed,
            Format::Hdf5 | Format::Zip | Format::Tar | Format::SevenZ
        )
        && formats::hdf5::superblock_offset(data).is_some_and(|at| at > 0)
    {
        formats::hdf5::analyse(ctx, data, loc, depth, false);
        ctx.emit(
            Finding::builder(&rules::core::polyglot_file::RULE, loc.clone())
                .message(format!(
                    "the file is {} by its first bytes and also a valid hdf5; an hdf5 loader reads the other content",
                    format.name()
                ))
                .evidence(format!("{} and hdf5", format.name()))
                .build(),
        );
    }
    let pickle_family = matches!(
        format,
        Format::Pickle(_) | Format::PytorchLegacy | Format::Joblib
    );
    // Whatever a zip was refined to (PyTorch, npz, wheel, Keras), it was read as a zip.
    let zip_family = sniffed == Format::Zip;
    let wrapper = matches!(
        format,
        Format::Gzip
            | Format::Bzip2
            | Format::Xz
            | Format::Lzma
            | Format::Zstd
            | Format::Lz4
            | Format::Zlib
            | Format::JoblibZfile
            | Format::SevenZ
    );
    // Text (source, .pth, templates, Keras configs, TorchScript code) is not read as a binary
    // format by any loader.
    let text = matches!(sniffed, Format::Text | Format::Unknown)
        || matches!(
            format,
            Format::Text
                | Format::Unknown
                | Format::KerasConfig
                | Format::TorchscriptCode
                | Format::SkopsSchema
        );
    if pickle_family || wrapper || text {
        return;
    }
    let mut second = None;
    // No loader reads a `.pyc` as a pickle; a 3.8 magic (`U\r\r\n`) starts like one.
    if format != Format::Pyc && formats::pickle::looks_like(data).is_some() {
        second = Some("pickle");
        formats::pickle::analyse(ctx, data, loc, depth);
    } else if !zip_family
        && format != Format::Safetensors
        && formats::zip::has_eocd(data)
        && !zip_is_a_member(data, format)
    {
        second = Some("zip");
        let name = "<zip found from the end of the file>".to_string();
        // Read as a zip, not sniffed again: the same bytes would sniff as `format` once more.
        ctx.nested_as(
            data,
            data.len() as u64,
            &loc.member(name.clone()),
            &name,
            depth + 1,
            Some(Format::Zip),
        );
    }
    if let Some(second) = second {
        ctx.emit(
            Finding::builder(&rules::core::polyglot_file::RULE, loc.clone())
                .message(format!(
                    "the file is {} by its first bytes and also a valid {second}; a {second} loader reads the other content",
                    format.name()
                ))
                .evidence(format!("{} and {second}", format.name()))
                .build(),
        );
    }
}

/// A file whose name makes its consumer read it as text (`setup.py` run by Python, a `.pth`
/// or `.start` read by `site`, a `*.jinja` template rendered by Jinja:
/// [`formats::consumed_by_name`]) but whose bytes sniffed as a binary format (`().count` on
/// the first line of a `.py` is a valid pickle; a GGUF or `PK` header before a `.pth`'s import
/// line is a path line `site` skips): read as the named format too, so the code its consumer
/// runs is judged; when that reading finds something, the file is also a `polyglot-file`
/// (medium: the code's own findings carry its severity).
fn consumed_as_named(
    ctx: &mut Ctx,
    data: &[u8],
    sniffed: Format,
    name: &str,
    loc: &Location,
    depth: u32,
) {
    let Some(named) = formats::consumed_by_name(name) else {
        return;
    };
    // Text was refined by its name already. Unknown content is read as named too (Python
    // accepts control bytes in comments and strings), except source with a NUL byte, which
    // the interpreter refuses to compile.
    let nul = || memchr::memchr(0, data).is_some();
    if named == sniffed
        || sniffed.is_text()
        || (named == Format::PythonSource && nul())
        || (sniffed == Format::Executable)
    {
        return;
    }
    // `site` runs only the lines of a `.pth` that start with `import`: a binary file without
    // one (a PyTorch checkpoint saved as `.pth`, hundreds of megabytes) has nothing it runs,
    // and is not read line by line. A `.start` file of binary content is read up to 1 MiB.
    // A line start is any byte some Python's `site` ends a line at (3.13's `splitlines`:
    // form feeds, U+0085 and U+2028/9 by their last UTF-8 byte, NEL in Latin-1).
    let runs_import = || {
        memchr::memmem::find_iter(data, b"import").any(|at| {
            at == 0
                || matches!(
                    data[at - 1],
                    b'\n' | b'\r' | 0x0b | 0x0c | 0x1c | 0x1d | 0x1e | 0x85 | 0xa8 | 0xa9
                )
        })
    };
    if (named == Format::Pth && !runs_import())
        || (named == Format::StartFile && data.len() > 1 << 20)
    {
        return;
    }
    let before = ctx.findings.len();
    match named {
        Format::PythonSource => formats::pypkg::analyse_python(ctx, data, name, loc, depth),
        Format::Pth => formats::pypkg::analyse_pth(ctx, data, name, loc, depth),
        Format::StartFile => formats::pypkg::analyse_start(ctx, data, loc),
        Format::ChatTemplate if formats::chat_template::looks_like_template(data, name) => {
            formats::chat_template::analyse_template(ctx, data, loc);
        }
        _ => return,
    }
    // Reported when the named reading found something: PyTorch saves models as `.pth`, and a
    // text starting `N.` is a pickle of `None` with text after it; neither is news alone.
    // Source with a control byte (unknown content) is only source.
    if sniffed == Format::Unknown || ctx.findings.len() == before {
        return;
    }
    ctx.emit(
        Finding::builder(&rules::core::polyglot_file::RULE, loc.clone())
            .severity(Severity::Medium)
            .message(format!(
                "named as {} (read so by its consumer) but its bytes are {}: read as both",
                named.name(),
                sniffed.name()
            ))
            .evidence(format!("{name}: {} content", sniffed.name()))
            .build(),
    );
}

/// True when the zip a zip reader finds from the end of a tar lies wholly inside one member's
/// data: a tar whose last member is a `.pt` or a wheel. That zip is the member, analysed as
/// such, so reading the tar as a zip shows nothing the tar reading did not.
fn zip_is_a_member(data: &[u8], format: Format) -> bool {
    if !matches!(
        format,
        Format::Tar | Format::Sdist | Format::PytorchLegacyTar
    ) {
        return false;
    }
    let Some((start, eocd)) = formats::zip::extent(data) else {
        return false;
    };
    formats::tar::data_spans(data)
        .iter()
        .any(|&(s, e)| s <= start && eocd < e)
}

/// Sniff `data` (unless the caller already did: `sniffed`) and run its analyser; `name` is the
/// file or member name (for name/content mismatches only), `total` the artifact's real size
/// (bytes; more than `data.len()` when only a header was read). Returns the format, refined by
/// the analyser.
pub fn analyse(
    ctx: &mut Ctx,
    data: &[u8],
    sniffed: Option<Format>,
    total: u64,
    loc: &Location,
    name: &str,
    depth: u32,
) -> Format {
    let raw = sniffed.unwrap_or_else(|| formats::sniff(data));
    let mut sniffed = formats::refine_by_name(raw, name);
    let mut text_savedmodel = false;
    // Chat templates are text: a JSON object with `chat_template`, or Jinja named `*.jinja`.
    if sniffed == Format::Text {
        // Requirement files only their folder names (`requirements/base.txt`): the member's or
        // the file's path, with folders.
        let path = loc
            .members
            .last()
            .map_or_else(|| loc.path.to_string_lossy(), |m| m.as_str().into());
        if formats::chat_template::looks_like_config(data) {
            sniffed = Format::TokenizerConfig;
        } else if formats::chat_template::looks_like_template(data, name) {
            sniffed = Format::ChatTemplate;
        } else if let Some(list) = formats::pins::sniff_list(&path, data) {
            sniffed = list;
        } else if let Some(kind) = formats::build_files::kind(name) {
            // Read for the commands the build runs; the file stays text (byte patterns too).
            formats::build_files::analyse(ctx, data, kind, loc, depth);
        } else if formats::hydra::looks_like_config(data) {
            sniffed = Format::HydraConfig;
        } else if name.rsplit(['/', '\\']).next() == Some("saved_model.pbtxt") {
            // The text form of a SavedModel, read by TensorFlow's loader when there is no
            // `saved_model.pb`.
            formats::tf_savedmodel::analyse_text(ctx, data, loc);
            sniffed = Format::TfSavedModel;
            text_savedmodel = true;
        }
    }
    let format = match sniffed {
        Format::Pickle(_) => formats::pickle::analyse(ctx, data, loc, depth),
        Format::Zip => formats::zip::analyse(ctx, data, loc, depth),
        Format::Tar => formats::tar::analyse(ctx, data, loc, depth),
        Format::SevenZ => formats::sevenz::analyse(ctx, data, loc, depth),
        Format::Gzip
        | Format::Bzip2
        | Format::Xz
        | Format::Lzma
        | Format::Zstd
        | Format::Lz4
        | Format::Zlib
        | Format::JoblibZfile => formats::compress::analyse(ctx, sniffed, data, loc, depth),
        Format::Npy => formats::numpy::analyse(ctx, data, total, loc, depth),
        Format::PythonSource => {
            formats::pypkg::analyse_python(ctx, data, name, loc, depth);
            Format::PythonSource
        }
        Format::Pyc => {
            formats::pyc::analyse(ctx, data, loc);
            Format::Pyc
        }
        Format::Pth => {
            formats::pypkg::analyse_pth(ctx, data, name, loc, depth);
            Format::Pth
        }
        Format::StartFile => {
            formats::pypkg::analyse_start(ctx, data, loc);
            Format::StartFile
        }
        Format::PackageMetadata => {
            formats::pins::analyse_metadata(ctx, data, loc);
            Format::PackageMetadata
        }
        Format::Requirements
        | Format::Pylock
        | Format::UvLock
        | Format::PoetryLock
        | Format::PdmLock
        | Format::PipfileLock
        | Format::PixiManifest
        | Format::PixiLock
        | Format::CondaLock
        | Format::CondaMeta => {
            formats::pins::analyse_list(ctx, sniffed, data, loc);
            sniffed
        }
        Format::PipConfig
        | Format::UvConfig
        | Format::Pipfile
        | Format::Pyproject
        | Format::SetupCfg
        | Format::PyvenvCfg => {
            formats::pins::analyse_config(ctx, sniffed, data, loc);
            sniffed
        }
        Format::Safetensors => formats::safetensors::analyse(ctx, data, total, loc, depth),
        Format::Onnx => formats::onnx::analyse(ctx, data, loc),
        Format::TfSavedModel if text_savedmodel => Format::TfSavedModel,
        Format::TfSavedModel => formats::tf_savedmodel::analyse(ctx, data, loc),
        Format::Gguf => formats::gguf::analyse(ctx, data, total, loc, depth),
        Format::ChatTemplate => formats::chat_template::analyse_template(ctx, data, loc),
        Format::TokenizerConfig => formats::chat_template::analyse_config(ctx, data, loc),
        Format::HydraConfig => {
            if formats::hydra::analyse(ctx, data, loc, depth) {
                Format::HydraConfig
            } else {
                Format::Text
            }
        }
        Format::MlflowModel if formats::mlflow::analyse_mlmodel(ctx, data, loc) => sniffed,
        Format::CondaEnvironment if formats::mlflow::analyse_conda(ctx, data, loc) => sniffed,
        Format::MlflowModel | Format::CondaEnvironment => Format::Text,
        Format::Executable => {
            formats::pypkg::native_startup_hook(ctx, name, loc);
            Format::Executable
        }
        Format::Hdf5 => formats::hdf5::analyse(ctx, data, loc, depth, true),
        Format::KerasConfig => formats::keras::analyse_config(ctx, data, loc),
        Format::KerasMetadata => formats::keras::analyse_metadata(ctx, data, loc),
        Format::SkopsSchema => {
            formats::skops::analyse_schema(ctx, data, loc);
            Format::SkopsSchema
        }
        Format::TorchscriptCode => formats::torchscript::analyse_code(ctx, data, loc),
        other => other,
    };
    polyglot(ctx, data, sniffed, format, loc, depth);
    consumed_as_named(ctx, data, sniffed, name, loc, depth);
    let code_bearing = matches!(
        format,
        Format::Pickle(_)
            | Format::PytorchLegacy
            | Format::Joblib
            | Format::Zip
            | Format::PytorchZip
            | Format::Torchscript
            | Format::Keras
            | Format::Skops
            | Format::SevenZ
            | Format::Tar
    );
    if code_bearing && formats::claims_data_only(name) {
        ctx.emit(
            Finding::builder(&rules::core::format_extension_mismatch::RULE, loc.clone())
                .message(format!(
                    "the name says a data-only format but the content is {}",
                    format.name()
                ))
                .evidence(format!("{name}: {} content", format.name()))
                .build(),
        );
    }
    // Files other tools run from an environment's prefix (kernel specs, conda activation
    // hooks), by their path.
    let host = {
        let path = loc
            .members
            .last()
            .map_or_else(|| loc.path.to_string_lossy(), |m| m.as_str().into());
        formats::pypkg::host_file(&path)
    };
    if let Some(kind) = host.filter(|_| format.is_text()) {
        formats::pypkg::analyse_host_file(ctx, kind, data, loc);
    }
    match_patterns(ctx, data, total, format, loc);
    if let Some(kind) = host.filter(|_| format.is_text()) {
        formats::pypkg::host_file_patterns(ctx, kind, loc);
    }
    // A `.pth` of unknown content is read as a path file, and still named as a model file
    // airlock does not recognise (`.pth` is PyTorch's extension too).
    let unknown = matches!(format, Format::Unknown | Format::Text)
        || (format == Format::Pth && raw == Format::Unknown);
    if unknown && formats::has_model_extension(name) {
        let head = crate::finding::hex_head(data, 8);
        ctx.emit(
            Finding::builder(&rules::core::unrecognised_model_file::RULE, loc.clone())
                .message("model-file extension, but the content matches no known model format")
                .evidence(format!("first bytes: {head} ({})", plural(total, "byte")))
                .build(),
        );
    }
    format
}

/// Match the byte-pattern rules over one artifact (`docs/rules/yara-match.md`): once per
/// artifact, only for [`yara::matched_format`]s, within what is left of the input's time.
/// `total` is the artifact's size in bytes; when fewer were matched (the matched bound, or only
/// a head was read), an info `resource-limit` finding names the bytes left unmatched.
fn match_patterns(ctx: &mut Ctx, data: &[u8], total: u64, format: Format, loc: &Location) {
    match_patterns_as(ctx, data, total, format, loc, false);
}

/// Match the byte-pattern `rules` over `data`, a file that code of the package runs with an
/// interpreter (`python/join.rs`): graded as a script whatever its name (`sh tools/setup.md`
/// runs the Markdown file as one), never as a document.
pub(crate) fn match_script_patterns(
    ctx: &mut Ctx,
    rules: &Arc<YaraRules>,
    data: &[u8],
    loc: &Location,
) {
    let saved = ctx.yara.replace(Arc::clone(rules));
    match_patterns_as(ctx, data, data.len() as u64, Format::Text, loc, true);
    ctx.yara = saved;
}

/// [`match_patterns`]; `run_as_script`: the artifact is run by an interpreter, so a rule's
/// script grade applies whatever its name.
fn match_patterns_as(
    ctx: &mut Ctx,
    data: &[u8],
    total: u64,
    format: Format,
    loc: &Location,
    run_as_script: bool,
) {
    let Some(patterns) = ctx.yara.clone() else {
        return;
    };
    if data.is_empty() || !yara::matched_format(format) {
        return;
    }
    let left = ctx
        .budget
        .deadline
        .saturating_duration_since(Instant::now());
    let hits = if left.is_zero() {
        Err(yara_x::ScanError::Timeout)
    } else {
        yara::scan(&patterns, data, left)
    };
    let matched = data.len().min(yara::MAX_MATCHED) as u64;
    let total = total.max(data.len() as u64);
    if total > matched {
        let bound = if matched == yara::MAX_MATCHED as u64 {
            format!("{} bytes matched per artifact", yara::MAX_MATCHED)
        } else {
            format!("the {} read of this artifact", plural(matched, "byte"))
        };
        ctx.limit_at(
            Severity::Info,
            loc,
            &bound,
            &format!(
                "byte-pattern rules on the {} after them",
                plural(total - matched, "byte")
            ),
        );
    }
    let hits = match hits {
        Ok(h) => h,
        Err(e) => {
            let bound = match e {
                yara_x::ScanError::Timeout => {
                    format!("time per input ({:?})", ctx.budget.limits.max_time)
                }
                other => format!("byte-pattern matching failed: {other}"),
            };
            ctx.limit(loc, &bound, "byte-pattern rules on this artifact");
            return;
        }
    };
    let name = match loc.members.last() {
        Some(m) => m.clone(),
        None => loc.path.to_string_lossy().into_owned(),
    };
    // Inside a wheel nothing runs a script at install but the installer's copy of
    // `<name>.data/scripts/` onto `PATH` (a dataset script in the package tree runs only when
    // someone calls it: ultralytics' `data/scripts/get_imagenet.sh`); so too for the package
    // tree once installed (under `site-packages/` or `dist-packages/`).
    let in_package_tree = || {
        let path = loc.path.to_string_lossy().replace('\\', "/");
        path.to_ascii_lowercase().ends_with(".whl")
            || loc
                .members
                .iter()
                .rev()
                .skip(1)
                .any(|m| m.to_ascii_lowercase().ends_with(".whl"))
            || (loc.members.is_empty()
                && (path.contains("/site-packages/") || path.contains("/dist-packages/")))
    };
    let script = hits.iter().any(|h| h.meta.script_severity.is_some())
        && (run_as_script
            || yara::is_script(data, &name)
                && (yara::installed_script(&name) || !in_package_tree()));
    // Whether the artifact is prose or data quoting the patterns: read once, for the rules
    // that give `doc_severity` (its run-key scan reads up to 4 MiB).
    let document = !script
        && !run_as_script
        && hits.iter().any(|h| h.meta.doc_severity.is_some())
        && yara::is_document(data, &name);
    // A script's comment lines are its documentation (`# install with: curl … | sh`): a rule
    // whose first match lies on one is matched again over the script with its comment lines
    // blanked, once, and takes its script grade only when it still matches on code
    // (`docs/rules/yara-match.md`).
    // (`None` inside: the second matching failed, and the script grade stands.)
    let mut uncommented: Option<Option<Vec<yara::Hit>>> = None;
    for mut hit in hits {
        let mut severity = hit.meta.severity.unwrap_or(Severity::Medium);
        if let Some(s) = hit.meta.script_severity.filter(|_| script) {
            let commented = hit
                .offset
                .is_some_and(|o| yara::in_comment_line(data, &name, o as usize));
            if !commented {
                severity = s;
            } else {
                let again = uncommented.get_or_insert_with(|| {
                    let left = ctx
                        .budget
                        .deadline
                        .saturating_duration_since(Instant::now());
                    let blank = yara::blank_comment_lines(data, &name);
                    yara::scan(&patterns, &blank, left).ok()
                });
                match again {
                    None => severity = s,
                    Some(again) => {
                        if let Some(code) = again
                            .iter()
                            .find(|h| h.meta.identifier == hit.meta.identifier)
                        {
                            severity = s;
                            hit = code.clone();
                        }
                    }
                }
            }
        }
        if let Some(d) = hit.meta.doc_severity.filter(|_| document) {
            severity = d;
        }
        let mut message = format!("YARA rule {}", hit.meta.id);
        if hit.meta.id != hit.meta.identifier {
            message.push_str(&format!(" ({})", hit.meta.identifier));
        }
        if let Some(d) = &hit.meta.description {
            message.push_str(": ");
            message.push_str(d);
        }
        if let (None, Some(raw)) = (hit.meta.severity, &hit.meta.severity_raw) {
            message.push_str(&format!(" (severity {raw:?} unknown; graded medium)"));
        }
        let at = match hit.offset {
            Some(offset) => loc.with_span(crate::finding::Span::Offset { offset }),
            None => loc.clone(),
        };
        let evidence = if hit.offset.is_some() {
            yara::evidence(&hit)
        } else {
            format!(
                "rule {} matched by its condition alone",
                hit.meta.identifier
            )
        };
        ctx.emit(
            Finding::builder(&rules::core::yara_match::RULE, at)
                .severity(severity)
                .confidence(crate::finding::Confidence::Medium)
                .message(message)
                .evidence(evidence)
                .build(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Span;

    fn line(rule: &'static rules::Rule, severity: Severity, n: u64) -> Finding {
        Finding::builder(
            rule,
            Location::file("x.pth").with_span(Span::Line { line: n }),
        )
        .severity(severity)
        .message("a repeated finding")
        .evidence(format!("line {n}"))
        .build()
    }

    /// Low repeats of one rule are folded past [`FOLD_AFTER`] into one entry that counts them;
    /// a worse finding of the same rule, found after the repeats, stays listed, and medium
    /// findings of another rule are listed past it.
    /// A finding made twice, identical in rule, severity, location, message and evidence, is
    /// reported once; one differing in its evidence is not a repeat.
    #[test]
    fn an_identical_finding_made_twice_is_one() {
        let pth = &rules::package::pth_executable_line::RULE;
        let mut ctx = Ctx::new(BudgetLimits::default());
        ctx.emit(line(pth, Severity::Medium, 2));
        ctx.emit(line(pth, Severity::Medium, 2));
        ctx.emit(line(pth, Severity::Medium, 3));
        ctx.fold_repeats(&Location::file("x.pth"));
        let evidence: Vec<&str> = ctx.findings.iter().map(|f| f.evidence.as_str()).collect();
        assert_eq!(evidence, ["line 2", "line 3"]);
    }

    #[test]
    fn repeats_fold_into_one_counted_entry_per_rule_and_severity() {
        let pth = &rules::package::pth_executable_line::RULE;
        let other = &rules::package::pth_untrusted_path::RULE;
        let mut ctx = Ctx::new(BudgetLimits::default());
        for n in 1..=30 {
            ctx.emit(line(pth, Severity::Low, n));
        }
        ctx.emit(line(pth, Severity::High, 31));
        for n in 32..=61 {
            ctx.emit(line(other, Severity::Medium, n));
        }
        ctx.fold_repeats(&Location::file("x.pth"));
        let of = |id: &str, s: Severity| -> Vec<&Finding> {
            ctx.findings
                .iter()
                .filter(|f| f.rule.id == id && f.severity == s)
                .collect()
        };
        let low = of(pth.id, Severity::Low);
        assert_eq!(low.len(), 21);
        let listed: Vec<&str> = low
            .iter()
            .filter(|f| f.folded == 0)
            .map(|f| f.evidence.as_str())
            .collect();
        assert_eq!(listed.len(), 20);
        assert_eq!(listed[0], "line 1");
        assert_eq!(listed[19], "line 20");
        let entry = low.iter().find(|f| f.folded > 0).expect("a fold entry");
        assert_eq!(entry.folded, 10);
        assert_eq!(entry.count(), 10);
        assert_eq!(entry.location.span, Some(Span::Line { line: 21 }));
        assert!(entry.evidence.contains("line 21"), "{}", entry.evidence);
        assert_eq!(
            entry.message,
            "10 more findings of this rule at low severity in this file, folded into this entry (the first 20 are listed)"
        );
        let high = of(pth.id, Severity::High);
        assert_eq!(high.len(), 1);
        assert_eq!(high[0].folded, 0);
        // Thirty medium findings are all listed: a place to review each.
        let medium = of(other.id, Severity::Medium);
        assert_eq!(medium.len(), 30);
        assert!(medium.iter().all(|f| f.folded == 0));
        assert_eq!(ctx.findings.iter().map(Finding::count).sum::<u64>(), 61);
    }

    /// Findings past the thousand held in memory are counted by the same entry.
    #[test]
    fn findings_only_counted_in_memory_reach_the_fold_entry() {
        let pth = &rules::package::pth_executable_line::RULE;
        let mut ctx = Ctx::new(BudgetLimits::default());
        for n in 1..=2500 {
            ctx.emit(line(pth, Severity::Low, n));
        }
        assert_eq!(ctx.findings.len() as u64, MAX_FINDINGS_PER_RULE);
        ctx.fold_repeats(&Location::file("x.pth"));
        assert_eq!(ctx.findings.len(), 21);
        let entry = ctx.findings.iter().find(|f| f.folded > 0).expect("entry");
        assert_eq!(entry.folded, 2480);
        // Nothing repeated past the bound: folding changes nothing.
        let mut ctx = Ctx::new(BudgetLimits::default());
        for n in 1..=20 {
            ctx.emit(line(pth, Severity::Low, n));
        }
        ctx.fold_repeats(&Location::file("x.pth"));
        assert_eq!(ctx.findings.len(), 20);
        assert!(ctx.findings.iter().all(|f| f.folded == 0));
    }
}
