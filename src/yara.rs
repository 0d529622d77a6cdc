//! Byte-pattern rules with YARA-X: the built-in set under `rules/yara/`, compiled into the
//! binary, plus the `*.yar`/`*.yara` files of every `scan --rules DIR`.
//!
//! The rules are compiled once per run ([`YaraRules::compile`]) and shared by every worker
//! through an `Arc`; [`crate::analyse::analyse`] matches them over each artifact it holds whole
//! (or the head it read) whose format can carry a script or command line ([`matched_format`]),
//! at most [`MAX_MATCHED`] bytes of it. Every match is a finding of the one airlock rule
//! `yara-match` (`docs/rules/yara-match.md`), graded by the YARA rule's `severity` meta.
//!
//! A `yara_x::Scanner` costs a WebAssembly instance to create, so each thread keeps one for the
//! rules it last matched (a cache keyed by the `Arc`; results never depend on it).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::finding::Severity;
use crate::formats::Format;

/// The built-in rule files, compiled in from `rules/yara/`: (file name, YARA source).
pub static BUILTIN: &[(&str, &str)] = &[
    ("miner.yar", include_str!("../rules/yara/miner.yar")),
    (
        "reverse_shell.yar",
        include_str!("../rules/yara/reverse_shell.yar"),
    ),
    (
        "exfiltration.yar",
        include_str!("../rules/yara/exfiltration.yar"),
    ),
    (
        "downloader.yar",
        include_str!("../rules/yara/downloader.yar"),
    ),
    (
        "cloud_metadata.yar",
        include_str!("../rules/yara/cloud_metadata.yar"),
    ),
    (
        "native_constructor.yar",
        include_str!("../rules/yara/native_constructor.yar"),
    ),
];

/// Longest prefix of one artifact that is matched (bytes). Text members of archives are held up
/// to the same size (`formats/zip.rs`), so a script is matched whole; an executable, unknown
/// content or a pickle larger than this is matched on its first 64 MiB, and an info
/// `resource-limit` finding names the bytes after them.
pub const MAX_MATCHED: usize = 64 << 20;

/// Matched bytes kept as evidence, before escaping (bytes).
const MAX_EVIDENCE_BYTES: usize = 120;

/// Why the rules could not be compiled. Each is a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum YaraError {
    /// A `--rules` folder or one of its files could not be read.
    #[error("--rules {}: {source}", path.display())]
    Read {
        /// The folder or file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A `--rules` folder holds no `*.yar` or `*.yara` file.
    #[error("--rules {}: no *.yar or *.yara files in this folder", path.display())]
    Empty {
        /// The folder.
        path: PathBuf,
    },
    /// A rule file does not compile; `message` is yara-x's report.
    #[error("rule file {}: {message}", path.display())]
    Compile {
        /// The file (for a built-in file, `rules/yara/<name>`).
        path: PathBuf,
        /// yara-x's message, with the line it points at.
        message: String,
    },
}

/// A compiled set of YARA rules: the built-in ones and those of the `--rules` folders.
#[derive(Debug)]
pub struct YaraRules {
    rules: yara_x::Rules,
    files: Vec<PathBuf>,
}

impl YaraRules {
    /// The built-in rules only.
    ///
    /// Errors: none in a released binary (the built-in files are compiled by the tests); the
    /// `Result` carries a [`YaraError::Compile`] should one stop compiling.
    pub fn builtin() -> Result<Self, YaraError> {
        Self::compile(&[])
    }

    /// The built-in rules plus every `*.yar` and `*.yara` file directly inside each of `dirs`
    /// (sorted by name, not recursive). Each file gets its own namespace, so rule names may
    /// repeat across files.
    ///
    /// Errors: a folder or file that cannot be read, a folder without rule files, or a file that
    /// does not compile (the first one, with yara-x's message).
    pub fn compile(dirs: &[PathBuf]) -> Result<Self, YaraError> {
        let mut compiler = yara_x::Compiler::new();
        let mut files = Vec::new();
        compiler.new_namespace("airlock");
        for (name, src) in BUILTIN {
            let path = Path::new("rules/yara").join(name);
            add(&mut compiler, &path, src.as_bytes())?;
            files.push(path);
        }
        for (n, dir) in dirs.iter().enumerate() {
            let read_err = |source| YaraError::Read {
                path: dir.clone(),
                source,
            };
            let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(read_err)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension().is_some_and(|x| {
                            x.eq_ignore_ascii_case("yar") || x.eq_ignore_ascii_case("yara")
                        })
                })
                .collect();
            if found.is_empty() {
                return Err(YaraError::Empty { path: dir.clone() });
            }
            found.sort();
            for (m, path) in found.into_iter().enumerate() {
                let src = std::fs::read(&path).map_err(|source| YaraError::Read {
                    path: path.clone(),
                    source,
                })?;
                compiler.new_namespace(&format!("user_{n}_{m}"));
                add(&mut compiler, &path, &src)?;
                files.push(path);
            }
        }
        Ok(YaraRules {
            rules: compiler.build(),
            files,
        })
    }

    /// The rule files compiled in, built-in first (`rules/yara/<name>`, then the user's paths).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The number of rules compiled (private rules included).
    pub fn len(&self) -> usize {
        self.rules.iter().count()
    }

    /// True when no rule was compiled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each rule's metadata as airlock reads it, in compilation order (for tests and listings).
    pub fn descriptions(&self) -> Vec<RuleMeta> {
        self.rules.iter().map(|r| RuleMeta::of(&r)).collect()
    }
}

fn add(compiler: &mut yara_x::Compiler, path: &Path, src: &[u8]) -> Result<(), YaraError> {
    let code = yara_x::SourceCode::from(src).with_origin(path.display().to_string());
    compiler
        .add_source(code)
        .map(|_| ())
        .map_err(|e| YaraError::Compile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// What airlock reads from a YARA rule's `meta:` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// The rule's identifier (`rule NAME`).
    pub identifier: String,
    /// `meta: id`, else the identifier.
    pub id: String,
    /// `meta: severity` when it is one of critical, high, medium, low, info (any case).
    pub severity: Option<Severity>,
    /// `meta: severity` as written, when present.
    pub severity_raw: Option<String>,
    /// `meta: description`, when present.
    pub description: Option<String>,
    /// `meta: script_severity`: the severity when the artifact is a script that runs as a
    /// command ([`is_script`]) rather than text that quotes the pattern (documentation, a
    /// message); unset or unknown values leave `severity` alone.
    pub script_severity: Option<Severity>,
    /// `meta: doc_severity`: the severity when the artifact is prose or data that quotes the
    /// pattern ([`is_document`]: a README, a dataset of attack strings a guardrail ships)
    /// rather than code or a program; unset or unknown values leave `severity` alone.
    pub doc_severity: Option<Severity>,
}

impl RuleMeta {
    fn of(rule: &yara_x::Rule<'_, '_>) -> Self {
        let mut meta = RuleMeta {
            identifier: rule.identifier().to_string(),
            id: rule.identifier().to_string(),
            severity: None,
            severity_raw: None,
            description: None,
            script_severity: None,
            doc_severity: None,
        };
        for (key, value) in rule.metadata() {
            let text = match value {
                yara_x::MetaValue::String(s) => s.to_string(),
                yara_x::MetaValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                yara_x::MetaValue::Integer(i) => i.to_string(),
                yara_x::MetaValue::Float(f) => f.to_string(),
                yara_x::MetaValue::Bool(b) => b.to_string(),
            };
            match key {
                "id" if !text.is_empty() => meta.id = text,
                "severity" => {
                    meta.severity = parse_severity(&text);
                    meta.severity_raw = Some(text);
                }
                "description" => meta.description = Some(text),
                "script_severity" => meta.script_severity = parse_severity(&text),
                "doc_severity" => meta.doc_severity = parse_severity(&text),
                _ => {}
            }
        }
        meta
    }
}

/// Whether an artifact is a script run as a command: its bytes start with a `#!` line, its name
/// ends in a shell, PowerShell or batch suffix (`.sh`, `.bash`, `.zsh`, `.ksh`, `.ps1`, `.psm1`,
/// `.bat`, `.cmd`), it is a build file that a package's build runs (Cargo's `build.rs`, which
/// maturin and setuptools-rust builds compile and run; `CMakeLists.txt` and `*.cmake`, which
/// scikit-build-core runs; `meson.build`, which meson-python runs; not a `Makefile`, which
/// runs only when something calls `make`), or
/// it lies directly in a wheel's `<name>.data/scripts/` folder, which the installer copies into
/// the environment's `bin/` (PEP 427). `name` is the file's path or the innermost archive
/// member's name.
pub fn is_script(data: &[u8], name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace('\\', "/");
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    data.starts_with(b"#!")
        || [
            ".sh", ".bash", ".zsh", ".ksh", ".ps1", ".psm1", ".bat", ".cmd", ".cmake",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
        || matches!(base, "build.rs" | "cmakelists.txt" | "meson.build")
        || installed_script(&lower)
        || agent_instructions(base)
}

/// Whether a file (`base`: its lower-case file name) is instructions an AI agent carries out:
/// an agent skill's `SKILL.md` (Anthropic's Agent Skills format, also read by other agents),
/// `AGENTS.md`, `CLAUDE.md`, `GEMINI.md`, `.cursorrules`, GitHub Copilot's
/// `copilot-instructions.md`. Their commands (a skill's install step: `curl … | sh`) are run by
/// the agent, so they are graded as a script's, not as documentation that quotes them.
pub fn agent_instructions(base: &str) -> bool {
    matches!(
        base,
        "skill.md"
            | "agents.md"
            | "claude.md"
            | "gemini.md"
            | ".cursorrules"
            | "copilot-instructions.md"
    )
}

/// Whether `name` (a wheel member) lies directly in the wheel's `<name>.data/scripts/`, which
/// the installer copies into the environment's `bin/` (PEP 427): the one kind of script a
/// wheel's installation puts where it runs.
pub fn installed_script(name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace('\\', "/");
    let Some((parent, _)) = lower.rsplit_once('/') else {
        return false;
    };
    parent.ends_with("/scripts")
        && parent
            .rsplit('/')
            .nth(1)
            .is_some_and(|d| d.ends_with(".data"))
}

/// Whether an artifact is prose or data that can only quote a pattern: Markdown,
/// reStructuredText, AsciiDoc and HTML, YARA rule files, a package's `METADATA`, `PKG-INFO`, README, LICENSE and
/// changelog files, and a YAML, JSON or JSON Lines file none of whose keys names something a
/// tool runs ([`RUN_KEYS`]: `command`, `args`, `script`, `run`, `steps`, `hooks`, `entry`,
/// `mcpServers`, `postinstall`, `postCreateCommand`, ...; litellm's guardrail dataset has
/// `keyword` and `severity`, a CI file, a `package.json` with `scripts`, an MCP server
/// configuration or a pre-commit configuration has run keys: tester t25). Never a file that
/// starts with `#!`, lies in a wheel's `<name>.data/scripts/` ([`installed_script`]) or is a
/// CI workflow or Compose file, nor an agent's instructions ([`agent_instructions`]); a `.txt`
/// is not a document (a script can be saved as one and run with `sh notes.txt`).
pub fn is_document(data: &[u8], name: &str) -> bool {
    if data.starts_with(b"#!") || installed_script(name) {
        return false;
    }
    let lower = name.to_ascii_lowercase().replace('\\', "/");
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    if agent_instructions(base) {
        return false;
    }
    let runs = lower.contains(".github/workflows/")
        || lower.contains(".gitlab")
        || lower.contains(".circleci/")
        || base.starts_with("docker-compose")
        || base.starts_with("compose.")
        || base.starts_with("action.");
    if runs {
        return false;
    }
    let ext = base.rsplit_once('.').map_or("", |(_, e)| e);
    // A YARA rule file (`.yar`, `.yara`) only quotes the patterns it looks for.
    if matches!(
        ext,
        "md" | "markdown" | "rst" | "adoc" | "html" | "htm" | "yar" | "yara"
    ) || matches!(base, "metadata" | "pkg-info")
        || [
            "readme",
            "license",
            "licence",
            "changelog",
            "changes",
            "history",
        ]
        .iter()
        .any(|p| base.starts_with(p))
    {
        return true;
    }
    matches!(ext, "yaml" | "yml" | "json" | "jsonl" | "ndjson") && !names_run_key(data)
}

/// Keys of configuration files whose values a tool runs as commands (CI systems, npm, MCP
/// clients, dev containers, VS Code tasks, pre-commit, Taskfile, Compose, Hydra-launched jobs).
const RUN_KEYS: &[&str] = &[
    "command",
    "commands",
    "cmd",
    "args",
    "entry",
    "entrypoint",
    "exec",
    "run",
    "runs",
    "script",
    "scripts",
    "shell",
    "steps",
    "jobs",
    "stages",
    "tasks",
    "hooks",
    "install",
    "preinstall",
    "postinstall",
    "prepare",
    "before_script",
    "after_script",
    "before_install",
    "mcpservers",
    "servers",
    "postcreatecommand",
    "poststartcommand",
    "postattachcommand",
    "oncreatecommand",
    "updatecontentcommand",
    "initializecommand",
    "pipeline",
    "pipelines",
];

/// Whether YAML or JSON text has a key of [`RUN_KEYS`] (a YAML `key:` at a line's start, after
/// indentation and a list dash; a JSON `"key":`), compared case-insensitively. Reads the first
/// 4 MiB.
fn names_run_key(data: &[u8]) -> bool {
    let text = &data[..data.len().min(4 << 20)];
    for line in text.split(|b| *b == b'\n') {
        let t = line.trim_ascii_start();
        let t = t.strip_prefix(b"- ").unwrap_or(t).trim_ascii_start();
        // YAML: `key:`; JSON (one or many keys a line): `"key":`.
        let yaml_key = t
            .iter()
            .position(|b| *b == b':')
            .map(|i| &t[..i])
            .filter(|k| {
                k.iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            });
        if yaml_key.is_some_and(run_key) {
            return true;
        }
        let mut rest = line;
        while let Some(i) = memchr::memchr(b'"', rest) {
            let after = &rest[i + 1..];
            let Some(j) = memchr::memchr(b'"', after) else {
                break;
            };
            let key = &after[..j];
            let tail = after[j + 1..].trim_ascii_start();
            if tail.starts_with(b":") && run_key(key) {
                return true;
            }
            rest = &after[j + 1..];
        }
    }
    false
}

fn run_key(k: &[u8]) -> bool {
    k.len() <= 32
        && RUN_KEYS
            .iter()
            .any(|r| r.as_bytes().eq_ignore_ascii_case(k))
}

/// How comment lines of a script start, by its name: `REM`, `@REM` or `::` in a batch file
/// (`.bat`, `.cmd`), `//` in Cargo's `build.rs`, `#` in everything else [`is_script`] takes
/// (shells, PowerShell, CMake, meson, Python and other `#!` scripts).
fn comment_line(line: &[u8], name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let t = &line[line.iter().take_while(|c| c.is_ascii_whitespace()).count()..];
    if lower.ends_with(".bat") || lower.ends_with(".cmd") {
        let t = t.strip_prefix(b"@").unwrap_or(t);
        t.starts_with(b"::")
            || t.get(..3).is_some_and(|r| r.eq_ignore_ascii_case(b"rem"))
                && t.get(3).is_none_or(|c| c.is_ascii_whitespace())
    } else if lower.rsplit(['/', '\\']).next() == Some("build.rs") {
        t.starts_with(b"//")
    } else {
        t.starts_with(b"#")
    }
}

/// Whether the byte at `offset` of script `data` (named `name`) lies on a comment line
/// ([`comment_line`]; a first line `#!` is the interpreter, not a comment).
pub fn in_comment_line(data: &[u8], name: &str, offset: usize) -> bool {
    let Some(before) = data.get(..offset) else {
        return false;
    };
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
    let line = &data[start..end];
    !(start == 0 && line.starts_with(b"#!")) && comment_line(line, name)
}

/// `data` with the text of its comment lines ([`in_comment_line`]) blanked to spaces, line
/// breaks and length kept: what a script runs, for matching a pattern again outside its
/// documentation.
pub fn blank_comment_lines(data: &[u8], name: &str) -> Vec<u8> {
    let mut out = data.to_vec();
    let mut start = 0;
    while start < out.len() {
        let end = memchr::memchr(b'\n', &out[start..]).map_or(out.len(), |i| start + i);
        let line = &out[start..end];
        if !(start == 0 && line.starts_with(b"#!")) && comment_line(line, name) {
            out[start..end].fill(b' ');
        }
        start = end + 1;
    }
    out
}

fn parse_severity(s: &str) -> Option<Severity> {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

/// One YARA rule that matched one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule's metadata.
    pub meta: RuleMeta,
    /// Byte offset of its first match in the artifact; `None` for a rule whose condition
    /// matched without a pattern match (`filesize`, `uint16(0)`, ...).
    pub offset: Option<u64>,
    /// The bytes of that first match, at most 120 of them.
    pub data: Vec<u8>,
    /// The length of that first match (bytes; more than `data.len()` when cut).
    pub len: usize,
}

/// True for the formats matched: text (sources, `.pth`, templates, configs, lock files and
/// metadata), executables, unknown content and plain pickles. Containers are not matched (their
/// members are, one by one), nor are formats that hold weights (safetensors, GGUF, NumPy, ONNX,
/// HDF5, legacy PyTorch, joblib): their bytes are numbers, and a verdict on them must not touch
/// every page.
pub fn matched_format(format: Format) -> bool {
    format.is_text()
        || matches!(
            format,
            Format::Unknown | Format::Executable | Format::Pickle(_) | Format::Pyc
        )
}

type ScannerOf<'a> = yara_x::Scanner<'a>;

self_cell::self_cell!(
    /// A scanner together with the rules it borrows, so a thread can keep it.
    struct CachedScanner {
        owner: Arc<YaraRules>,
        #[not_covariant]
        dependent: ScannerOf,
    }
);

thread_local! {
    /// This thread's scanner for the rules it matched last (creating one costs a WebAssembly
    /// instance, tens of microseconds, which across 30 000 files is most of a second).
    static SCANNER: RefCell<Option<CachedScanner>> = const { RefCell::new(None) };
}

/// Match `rules` over `data` (at most [`MAX_MATCHED`] bytes of it), stopping after `timeout`.
///
/// Returns one [`Hit`] per matching (non-private) rule, in the rules' order.
///
/// Errors: yara-x's [`yara_x::ScanError`], in practice only `Timeout`.
pub fn scan(
    rules: &Arc<YaraRules>,
    data: &[u8],
    timeout: Duration,
) -> Result<Vec<Hit>, yara_x::ScanError> {
    let data = &data[..data.len().min(MAX_MATCHED)];
    SCANNER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !slot
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c.borrow_owner(), rules))
        {
            *slot = Some(CachedScanner::new(Arc::clone(rules), |r| {
                let mut scanner = yara_x::Scanner::new(&r.rules);
                // Only the first match of each pattern is reported; later ones need not be
                // tracked (counts and offsets used by a condition still are).
                scanner.fast_scan(true);
                scanner
            }));
        }
        let Some(cached) = slot.as_mut() else {
            return Ok(Vec::new());
        };
        cached.with_dependent_mut(|_, scanner| {
            scanner.set_timeout(timeout);
            let results = scanner.scan(data)?;
            Ok(results.matching_rules().map(|r| hit(&r)).collect())
        })
    })
}

fn hit(rule: &yara_x::Rule<'_, '_>) -> Hit {
    let first = rule
        .patterns()
        .filter_map(|p| p.matches().next())
        .min_by_key(|m| m.range().start);
    let (offset, data, len) = match first {
        Some(m) => {
            let d = m.data();
            (
                Some(m.range().start as u64),
                d[..d.len().min(MAX_EVIDENCE_BYTES)].to_vec(),
                d.len(),
            )
        }
        None => (None, Vec::new(), 0),
    };
    Hit {
        meta: RuleMeta::of(rule),
        offset,
        data,
        len,
    }
}

/// Matched bytes as evidence text: printable ASCII kept, every other byte as `\xNN` (so a
/// terminal never sees raw bytes from an artifact), `…` when the match was cut.
pub fn evidence(hit: &Hit) -> String {
    let mut s = String::with_capacity(hit.data.len() + 8);
    for &b in &hit.data {
        if b == b'\\' {
            s.push_str("\\\\");
        } else if (0x20..0x7f).contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    if hit.len > hit.data.len() {
        s.push('…');
    }
    s
}
