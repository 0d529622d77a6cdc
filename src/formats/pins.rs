//! Which Python releases an artifact is or pins: core metadata (`METADATA`, `PKG-INFO`) and
//! pinned dependency lists. The analysers only record facts; the advisories check
//! (`check::advisories`) matches them against OSV records.
//!
//! Facts: `package.name` and `package.version` for core metadata (the core metadata
//! specification, PEP 566/643: `Name:` and `Version:` headers); `package.pins`, a JSON array of
//! `{"name", "version", "line"}`, for lists:
//! - `requirements*.txt` and `pip freeze` output (pip's requirements file format): `name==version`
//!   or `name===version`, with extras, environment markers (`; ...`), options (`--hash ...`),
//!   comments and line continuations ignored. A requirement that is no exact pin keeps its
//!   specifier as the `version` (a range, `~=`, empty for a bare name), matched by the releases
//!   it admits; a direct reference whose file name is a release (`name @ …/name-1.0-….whl`)
//!   pins that release; PEP 508's `name (==1.0)` is an exact pin.
//! - `pylock.toml` / `pylock.*.toml` (PEP 751): `[[packages]]` `name` and `version`.
//! - `uv.lock`, `poetry.lock` and `pdm.lock`: `[[package]]` `name` and `version`.
//! - `Pipfile.lock` (Pipenv): the `default` and `develop` maps of name to `{"version": "==1.0"}`.
//! - A PEP 751 package without `version` (a direct URL or VCS source) pins the release its wheel
//!   or sdist file name says, when it names one.
//! - rye's `requirements.lock` / `requirements-dev.lock` and pip-tools' `*.in` (read as
//!   requirements files).
//! - `Pipfile` package tables, `pyproject.toml`'s PEP 621, PEP 735 and PEP 518 lists and the
//!   uv, PDM, Poetry and pixi tables, `pixi.toml`, `setup.cfg`, and (from the Python analyser)
//!   `setup.py`'s `setup()` lists and PEP 723 script blocks: every entry a PEP 508 requirement
//!   read by [`pin_of`], Poetry's constraints translated first ([`poetry_constraint`]).
//! - `pixi.lock` and `conda-lock.yml` (their PyPI packages, read as a YAML event stream) and
//!   conda's `conda-meta/*.json` records (`name`, `version`).
//! - Core metadata's `Requires-Dist` exact pins (`==`, `===`): ranges there are not matched.
//!
//! The same files, and the installers' own configuration (`pip.conf`/`pip.ini`, the
//! `[tool.uv]` and `[tool.poetry]` tables of `pyproject.toml`), are read for where packages come
//! from (`requirements-extra-index`): a second index, plain HTTP, hosts without certificate
//! checks.

use crate::analyse::Ctx;
use crate::finding::Location;
use crate::formats::Format;

/// Dependencies of a `pyproject.toml` matched at most (a real project lists tens).
const MAX_PROJECT_DEPENDENCIES: usize = 4096;

/// Largest `Pipfile.lock` or TOML lock file (`uv.lock`, `poetry.lock`, `pdm.lock`,
/// `pylock.toml`) read (bytes): a JSON tree costs about ten times its text, a TOML tree about
/// 25 times.
pub const MAX_PIPFILE_LOCK: usize = 16 << 20;

/// Pins kept per list; a longer list is cut (and a `resource-limit` finding says so).
pub const MAX_PINS: usize = 100_000;

/// The list or installer-configuration format a file name says, for text files (decided by
/// name: these formats have no magic). `base` is the file name without folders.
pub fn list_format(base: &str) -> Option<Format> {
    let lower = base.to_ascii_lowercase();
    if lower == "pip.conf" || lower == "pip.ini" {
        Some(Format::PipConfig)
    } else if lower == "pyproject.toml" {
        Some(Format::Pyproject)
    } else if lower == "uv.toml" {
        Some(Format::UvConfig)
    } else if lower == "pipfile" {
        Some(Format::Pipfile)
    } else if lower == "setup.cfg" {
        Some(Format::SetupCfg)
    } else if lower == "pyvenv.cfg" {
        Some(Format::PyvenvCfg)
    } else if lower == "uv.lock" {
        Some(Format::UvLock)
    } else if lower == "poetry.lock" {
        Some(Format::PoetryLock)
    } else if lower == "pdm.lock" {
        Some(Format::PdmLock)
    } else if lower == "pipfile.lock" {
        Some(Format::PipfileLock)
    } else if lower == "pylock.toml" || (lower.starts_with("pylock.") && lower.ends_with(".toml")) {
        Some(Format::Pylock)
    } else if lower == "pixi.toml" {
        Some(Format::PixiManifest)
    } else if lower == "pixi.lock" {
        Some(Format::PixiLock)
    } else if ["conda-lock.yml", "conda-lock.yaml"]
        .iter()
        .any(|n| lower == *n || lower.ends_with(&format!(".{n}")))
    {
        Some(Format::CondaLock)
    } else if lower.starts_with("requirements") && lower.ends_with(".lock") {
        // rye's `requirements.lock` and `requirements-dev.lock`: `pip freeze` lines.
        Some(Format::Requirements)
    } else if lower.ends_with(".txt")
        && (lower.starts_with("requirements")
            || lower.starts_with("constraints")
            || lower.ends_with("-requirements.txt")
            || lower.ends_with("_requirements.txt")
            || lower.contains("freeze"))
    {
        Some(Format::Requirements)
    } else {
        None
    }
}

/// Requirement files that only their folder or pip-tools' naming tells, read as requirements
/// when their content is (every logical line a requirement or a pip option,
/// [`looks_like_requirements`]): `*.in` (pip-tools' inputs, `requirements-dev.in`,
/// `requirements/base.in`) and any `*.txt` in a folder named `requirements` or `reqs`
/// (`requirements/base.txt`, the cookiecutter-django layout); and conda's package records
/// (`conda-meta/*.json`, [`Format::CondaMeta`]). `path` is the file's path or archive member
/// name, with folders.
pub fn sniff_list(path: &str, data: &[u8]) -> Option<Format> {
    let mut parts = path.rsplit(['/', '\\']);
    let base = parts.next()?.to_ascii_lowercase();
    let parent = parts.next().unwrap_or("").to_ascii_lowercase();
    // conda's record of an installed package: JSON with its `name` and `version`.
    if parent == "conda-meta"
        && base.ends_with(".json")
        && data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    {
        return Some(Format::CondaMeta);
    }
    // pip-tools' inputs are any `*.in` (`requirements/base.in`, `dev.in`); the content check
    // keeps autotools templates and `MANIFEST.in` out.
    let named = (base.ends_with(".in") && base != "manifest.in")
        || (base.ends_with(".txt") && matches!(parent.as_str(), "requirements" | "reqs"));
    (named && looks_like_requirements(data)).then_some(Format::Requirements)
}

/// Logical lines looked at by [`looks_like_requirements`].
const SNIFF_LINES: usize = 2000;

/// Whether text reads as a pip requirements file: at least one logical line, and every one
/// of the first [`SNIFF_LINES`] (comments and blanks aside) a pip option (`-r`, `-e`, `-i`,
/// `--extra-index-url` …, any unambiguous prefix) or a requirement (a distribution name followed
/// by nothing, extras, a version specifier, a marker or `@ URL`; or a URL or local path).
fn looks_like_requirements(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let mut lines = 0usize;
    let mut all = true;
    logical_lines(text, |_, l| {
        let l = l.trim();
        if l.is_empty() {
            return true;
        }
        lines += 1;
        if !(option_line(l) || requirement_line(l)) {
            all = false;
        }
        all && lines < SNIFF_LINES
    });
    all && lines > 0
}

/// A pip option line: a short option of the requirements file format or a long one (by an
/// unambiguous prefix).
fn option_line(l: &str) -> bool {
    let w = l.split_whitespace().next().unwrap_or("");
    if let Some(body) = w.strip_prefix("--") {
        let name = body.split('=').next().unwrap_or(body);
        return name.len() >= 3 && LONG_OPTIONS.iter().any(|o| o.starts_with(name));
    }
    ["-r", "-c", "-e", "-i", "-f"]
        .iter()
        .any(|o| w.starts_with(o))
}

/// A requirement line (PEP 508 or a URL or path pip accepts).
fn requirement_line(l: &str) -> bool {
    if l.contains("://") || l.starts_with(['.', '/']) || l.starts_with("git+") {
        return true;
    }
    let end = l
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(l.len());
    let (name, rest) = l.split_at(end);
    if name.is_empty() || !name.as_bytes()[0].is_ascii_alphanumeric() {
        return false;
    }
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with(['[', '<', '>', '=', '!', '~', ';', '@', '(', ','])
}

/// True for a core metadata file name (`METADATA` of a wheel or installed `.dist-info`,
/// `PKG-INFO` of an sdist or `.egg-info`).
pub fn is_metadata_name(base: &str) -> bool {
    // distutils (Python 3.11 and older) installs a package's metadata as a single file
    // `<name>-<version>-py3.x.egg-info` holding what a `PKG-INFO` holds.
    base == "METADATA" || base == "PKG-INFO" || base.ends_with(".egg-info")
}

/// Record `package.name` / `package.version` from core metadata headers (read up to the first
/// blank line, which starts the description).
pub fn analyse_metadata(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    let head = &data[..data.len().min(64 << 10)];
    let text = String::from_utf8_lossy(head);
    let (mut name, mut version) = (None, None);
    let mut reported = 0;
    let mut requires: Vec<Pin> = Vec::new();
    for (i, line) in crate::formats::pypkg::universal_lines(&text)
        .enumerate()
        .take(2000)
    {
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "name" if name.is_none() => name = Some(v.trim().to_string()),
                "version" if version.is_none() => version = Some(v.trim().to_string()),
                // pip installs a dependency from its direct reference with the package.
                "requires-dist" => {
                    // An exact pin is the release pip installs with the package; a range is
                    // left to the installed release's own metadata (module docs).
                    if requires.len() < MAX_PROJECT_DEPENDENCIES {
                        requires.extend(
                            requirement_pins([((i + 1) as u64, v.trim())])
                                .into_iter()
                                .filter(is_exact),
                        );
                    }
                    if reported >= 16 {
                        continue;
                    }
                    if let Some(url) = direct_url(v.trim()).filter(|u| plain(u)) {
                        reported += 1;
                        emit_source(
                            ctx,
                            loc,
                            (i + 1) as u64,
                            crate::finding::Severity::Medium,
                            "a dependency is installed from a URL without a hash",
                            url,
                            line,
                        );
                    }
                }
                _ => {}
            }
        }
    }
    if let (Some(n), Some(v)) = (name, version) {
        if !n.is_empty() && !v.is_empty() {
            ctx.fact(loc, "package.name", n);
            ctx.fact(loc, "package.version", v);
        }
    }
    add_pins(ctx, loc, requires);
}

/// Pins of PEP 508 requirement strings (`name[extras] (specifier) ; marker`), each at its
/// line, as a requirements file's lines are read ([`pin_of`]): exact pins, prefix pins and
/// specifiers (matched by the releases they admit); at most [`MAX_PINS`].
pub(crate) fn requirement_pins<'a>(reqs: impl IntoIterator<Item = (u64, &'a str)>) -> Vec<Pin> {
    reqs.into_iter()
        .filter_map(|(line, r)| pin_of(&r.replace(['\n', '\r'], " ")).map(|p| Pin { line, ..p }))
        .take(MAX_PINS)
        .collect()
}

/// Whether a pin names one release (`==X`, `===X`, a lock entry), not a prefix or a range.
pub(crate) fn is_exact(p: &Pin) -> bool {
    !is_specifier(&p.version) && !p.version.ends_with(".*")
}

/// Add `pins` to the fact `package.pins` of `loc`, after any pins already recorded there
/// (a `setup.py` with an inline script block, a `pyproject.toml` read for several tables).
pub(crate) fn add_pins(ctx: &mut Ctx, loc: &Location, mut pins: Vec<Pin>) {
    if pins.is_empty() {
        return;
    }
    let key = loc.artifact_name();
    if let Some(old) = ctx.facts.get(&key).and_then(|f| f.get("package.pins")) {
        let mut all: Vec<Pin> = serde_json::from_str(old).unwrap_or_default();
        all.append(&mut pins);
        pins = all;
    }
    if pins.len() > MAX_PINS {
        pins.truncate(MAX_PINS);
        ctx.limit(loc, &format!("{MAX_PINS} pins per list"), "later pins");
    }
    if let Ok(json) = serde_json::to_string(&pins) {
        ctx.fact(loc, "package.pins", json);
    }
}

/// The 1-based line of the first occurrence of `needle` in `text` (0 when absent), looked up
/// in files of ordinary size only (one search per entry).
fn find_line(text: &str, needle: &str) -> u64 {
    if text.len() > 4 << 20 || needle.is_empty() {
        return 0;
    }
    text.find(needle)
        .map_or(0, |at| text[..at].matches('\n').count() as u64 + 1)
}

/// The 1-based line of the key `key` in the TOML table whose header is one of `headers`
/// (dotted, as written without spaces and quotes: `tool.poetry.dependencies`), found by a pass
/// over the lines; 0 when not found (an inline table, a dotted key).
fn toml_key_line(text: &str, headers: &[String], key: &str) -> u64 {
    let mut inside = false;
    for (i, l) in text.lines().enumerate().take(1 << 20) {
        let t = l.trim();
        if let Some(h) = t.strip_prefix('[') {
            let h: String = h
                .split(']')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '"' | '\''))
                .collect();
            inside = headers.contains(&h);
            continue;
        }
        if inside {
            let k = t.split('=').next().unwrap_or("").trim();
            let k = k.trim_matches(['"', '\'']);
            if !k.is_empty() && k.eq_ignore_ascii_case(key) {
                return (i + 1) as u64;
            }
        }
    }
    0
}

/// The PEP 508 requirement for `name` and a version specifier given apart from it (Pipfile's
/// `[packages]`, pixi's `[pypi-dependencies]`: PEP 440, `*` or nothing for any release),
/// blanks dropped.
fn spec_requirement(name: &str, spec: &str) -> String {
    let spec: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
    if spec.is_empty() || spec == "*" {
        name.to_string()
    } else if spec.starts_with(|c: char| c.is_ascii_digit()) {
        // A bare version (`"1.0"`), which Pipenv reads as `==1.0`.
        format!("{name}=={spec}")
    } else {
        format!("{name}{spec}")
    }
}

/// Poetry's version constraint syntax as PEP 440 specifiers, one per `||` alternative (at
/// most 16): a bare version is exact (`1.2.3` is `==1.2.3`, `=1.2.3` too), `^1.2.3` is
/// `>=1.2.3,<2.0.0` (the first non-zero part bumped), `~1.2.3` is `>=1.2.3,<1.3` (`~1` is
/// `>=1,<2`), `1.2.*` is a prefix pin, `*` or nothing any release; PEP 440 operators pass
/// through, and clauses may be joined by commas or blanks (poetry-core's
/// `parse_constraint`). An alternative that does not read so is dropped.
pub fn poetry_constraint(c: &str) -> Vec<String> {
    c.split("||")
        .take(16)
        .filter_map(|alt| {
            // Clauses: an operator may stand apart from its version (`>= 1.2`).
            let mut clauses: Vec<String> = Vec::new();
            let mut op = String::new();
            for w in alt
                .split([',', ' ', '\t'])
                .filter(|w| !w.is_empty())
                .take(16)
            {
                if w.chars()
                    .all(|ch| matches!(ch, '<' | '>' | '=' | '!' | '~' | '^'))
                {
                    op.push_str(w);
                    continue;
                }
                clauses.push(format!("{op}{w}"));
                op.clear();
            }
            if !op.is_empty() {
                return None;
            }
            let mut out: Vec<String> = Vec::new();
            for cl in clauses {
                let converted = if cl == "*" {
                    continue;
                } else if let Some(v) = cl.strip_prefix('^') {
                    bumped(v, true)?
                } else if let Some(v) = cl.strip_prefix('~').filter(|v| !v.starts_with('=')) {
                    bumped(v, false)?
                } else if cl.starts_with(['<', '>', '!', '~']) || cl.starts_with("==") {
                    cl
                } else if let Some(v) = cl.strip_prefix('=') {
                    format!("=={v}")
                } else if cl.starts_with(|ch: char| ch.is_ascii_digit()) {
                    format!("=={cl}")
                } else {
                    return None;
                };
                out.push(converted);
            }
            Some(out.join(","))
        })
        .collect()
}

/// `>=v,<u` for Poetry's caret (`caret`) or tilde requirement on `v`: the upper bound bumps
/// the first non-zero release part (caret; the last part when all are zero) or the second part
/// (tilde; the first when there is one part), dropping the parts after it.
fn bumped(v: &str, caret: bool) -> Option<String> {
    let parts: Vec<u64> = v
        .split('.')
        .take(8)
        .map_while(|x| x.parse::<u64>().ok())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let at = if caret {
        parts
            .iter()
            .position(|&x| x != 0)
            .unwrap_or(parts.len() - 1)
    } else {
        usize::from(parts.len() >= 2)
    };
    let mut upper: Vec<String> = parts[..at].iter().map(u64::to_string).collect();
    upper.push((parts[at] + 1).to_string());
    Some(format!(">={v},<{}", upper.join(".")))
}

/// Requirements of a name-to-specification table (Poetry's dependency tables, Pipfile's
/// `[packages]`, pixi's `[pypi-dependencies]`): a string, a table with `version`, or (Poetry)
/// a list of such tables; `poetry` says whether versions are Poetry constraints (else PEP
/// 440). Each entry's line is its key's line under one of `headers`. Entries from a `git`,
/// `path` or `url` source, and `python`, have no version to match. At most
/// [`MAX_PROJECT_DEPENDENCIES`] entries.
fn table_pins(deps: &toml::Table, text: &str, headers: &[String], poetry: bool) -> Vec<Pin> {
    let mut out = Vec::new();
    for (name, spec) in deps.iter().take(MAX_PROJECT_DEPENDENCIES) {
        if name.eq_ignore_ascii_case("python") || !valid_name(name) {
            continue;
        }
        let versions: Vec<&str> = match spec {
            toml::Value::String(s) => vec![s.as_str()],
            toml::Value::Table(t) => t
                .get("version")
                .and_then(|v| v.as_str())
                .into_iter()
                .collect(),
            toml::Value::Array(a) => a
                .iter()
                .take(16)
                .filter_map(|t| t.get("version").and_then(|v| v.as_str()))
                .collect(),
            _ => Vec::new(),
        };
        let line = toml_key_line(text, headers, name);
        for v in versions {
            let specs = if poetry {
                poetry_constraint(v)
            } else {
                vec![v.to_string()]
            };
            for s in specs {
                let req = spec_requirement(name, &s);
                out.extend(pin_of(&req).map(|p| Pin { line, ..p }));
            }
        }
    }
    out
}

/// Pins of PEP 508 strings held in a TOML array (or arrays of the values of a table of them:
/// PEP 735 groups, PDM's dev groups), each at the line of its text; tables in the array (PEP
/// 735's `{include-group = …}`) are passed over.
fn array_pins<'a>(lists: impl Iterator<Item = &'a toml::Value>, text: &str) -> Vec<Pin> {
    let reqs = lists
        .filter_map(|l| l.as_array())
        .flatten()
        .filter_map(|v| v.as_str())
        .take(MAX_PROJECT_DEPENDENCIES)
        .map(|r| (find_line(text, r), r));
    requirement_pins(reqs)
}

/// The pins of a parsed `pyproject.toml` beyond PEP 621's (which [`pyproject_table`] reads
/// with their sources): `[build-system] requires` (PEP 518), `[dependency-groups]` (PEP 735),
/// `[tool.uv]`'s `dev-dependencies`, `constraint-dependencies` and `override-dependencies`,
/// `[tool.pdm.dev-dependencies]`, Poetry's `[tool.poetry.dependencies]`,
/// `dev-dependencies` and `[tool.poetry.group.<g>.dependencies]` (Poetry's constraint syntax,
/// [`poetry_constraint`]), and pixi's `[tool.pixi.pypi-dependencies]` (with its features and
/// targets, [`pixi_pins`]).
fn pyproject_more_pins(table: &toml::Table, text: &str) -> Vec<Pin> {
    let tool = table.get("tool");
    let uv = tool.and_then(|t| t.get("uv"));
    let pdm_dev = tool
        .and_then(|t| t.get("pdm"))
        .and_then(|p| p.get("dev-dependencies"))
        .and_then(|d| d.as_table());
    let groups = table.get("dependency-groups").and_then(|g| g.as_table());
    let lists = table
        .get("build-system")
        .and_then(|b| b.get("requires"))
        .into_iter()
        .chain(groups.into_iter().flat_map(|g| g.values()))
        .chain(
            [
                "dev-dependencies",
                "constraint-dependencies",
                "override-dependencies",
            ]
            .into_iter()
            .filter_map(|k| uv.and_then(|u| u.get(k))),
        )
        .chain(pdm_dev.into_iter().flat_map(|g| g.values()));
    let mut pins = array_pins(lists, text);
    if let Some(poetry) = tool.and_then(|t| t.get("poetry")) {
        for key in ["dependencies", "dev-dependencies"] {
            if let Some(deps) = poetry.get(key).and_then(|d| d.as_table()) {
                let h = [format!("tool.poetry.{key}")];
                pins.extend(table_pins(deps, text, &h, true));
            }
        }
        if let Some(groups) = poetry.get("group").and_then(|g| g.as_table()) {
            for (g, body) in groups.iter().take(64) {
                if let Some(deps) = body.get("dependencies").and_then(|d| d.as_table()) {
                    let h = [format!("tool.poetry.group.{g}.dependencies")];
                    pins.extend(table_pins(deps, text, &h, true));
                }
            }
        }
    }
    if let Some(pixi) = tool.and_then(|t| t.get("pixi")).and_then(|p| p.as_table()) {
        pins.extend(pixi_pins(pixi, text, "tool.pixi."));
    }
    pins.truncate(MAX_PINS);
    pins
}

/// The PyPI pins of a pixi manifest (`pixi.toml`, or `[tool.pixi]` of a `pyproject.toml`,
/// whose headers carry `prefix`): `[pypi-dependencies]`, and the same table under each
/// `[feature.<f>]`, `[target.<t>]` and `[feature.<f>.target.<t>]` (PEP 440 specifiers, a
/// table with `version`, or a `git`/`path`/`url` source with no version). pixi's conda
/// `[dependencies]` are not PyPI releases and are not matched.
fn pixi_pins(pixi: &toml::Table, text: &str, prefix: &str) -> Vec<Pin> {
    fn targets(t: &toml::Table) -> impl Iterator<Item = (&String, &toml::Value)> {
        t.get("target")
            .and_then(|t| t.as_table())
            .into_iter()
            .flat_map(|t| t.iter().take(64))
    }
    fn deps(t: &toml::Value) -> Option<&toml::Table> {
        t.get("pypi-dependencies").and_then(|d| d.as_table())
    }
    let mut tables: Vec<(String, &toml::Table)> = Vec::new();
    if let Some(d) = pixi.get("pypi-dependencies").and_then(|d| d.as_table()) {
        tables.push((format!("{prefix}pypi-dependencies"), d));
    }
    for (t, body) in targets(pixi) {
        if let Some(d) = deps(body) {
            tables.push((format!("{prefix}target.{t}.pypi-dependencies"), d));
        }
    }
    if let Some(features) = pixi.get("feature").and_then(|f| f.as_table()) {
        for (f, body) in features.iter().take(64) {
            if let Some(d) = deps(body) {
                tables.push((format!("{prefix}feature.{f}.pypi-dependencies"), d));
            }
            for (t, tb) in body.as_table().into_iter().flat_map(targets) {
                if let Some(d) = deps(tb) {
                    tables.push((
                        format!("{prefix}feature.{f}.target.{t}.pypi-dependencies"),
                        d,
                    ));
                }
            }
        }
    }
    let mut pins = Vec::new();
    for (header, deps) in tables.into_iter().take(256) {
        pins.extend(table_pins(deps, text, &[header], false));
    }
    pins
}

/// One pinned release.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pin {
    /// The distribution name as written.
    pub name: String,
    /// The version as written.
    pub version: String,
    /// 1-based line, 0 when unknown.
    pub line: u64,
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The files a requirements file includes (`-r F`, `--requirement F`, `-c F`, `--constraint F`,
/// with `=` or a blank), as written, with their 1-based lines; at most 64. pip reads them
/// relative to the including file's folder.
pub fn requirement_includes(text: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    logical_lines(text, |line, l| {
        let l = l.trim();
        let rest = ["--requirement", "--constraint", "-r", "-c"]
            .iter()
            .find_map(|o| l.strip_prefix(o))
            .filter(|r| r.starts_with([' ', '\t', '=']) || (!r.is_empty() && !l.starts_with("--")));
        if let Some(r) = rest {
            let file = r
                .trim_start_matches(['=', ' ', '\t'])
                .split_whitespace()
                .next()
                .unwrap_or("");
            if !file.is_empty() && !file.contains("://") {
                out.push((file.to_string(), line));
            }
        }
        out.len() < 64
    });
    out
}

/// Pins of a requirements file or `pip freeze` output.
pub fn parse_requirements(text: &str) -> Vec<Pin> {
    let mut pins = Vec::new();
    logical_lines(text, |line, l| {
        if let Some(p) = pin_of(l) {
            pins.push(Pin { line, ..p });
        }
        pins.len() < MAX_PINS
    });
    pins
}

/// The logical lines of a requirements file as pip reads them (pip's requirements file
/// format): a byte order mark ignored, comments dropped (`#` at the line start or after
/// whitespace), lines ending in `\` joined with the next. `each` gets the number of a logical
/// line's first physical line (1-based) and its text, and returns false to stop.
/// The text of a requirements file as pip decodes it (`auto_decode`: a UTF-16 or UTF-32 byte
/// order mark says the encoding; otherwise UTF-8, invalid bytes replaced).
pub fn decode_requirements(data: &[u8]) -> std::borrow::Cow<'_, str> {
    let utf16 = |be: bool| {
        let units: Vec<u16> = data[2..]
            .chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        std::borrow::Cow::Owned(String::from_utf16_lossy(&units))
    };
    let utf32 = |be: bool| {
        let text: String = data[4..]
            .chunks_exact(4)
            .map(|c| {
                let n = if be {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(n).unwrap_or('\u{fffd}')
            })
            .collect();
        std::borrow::Cow::Owned(text)
    };
    if data.starts_with(b"\xff\xfe\x00\x00") {
        utf32(false)
    } else if data.starts_with(b"\x00\x00\xfe\xff") {
        utf32(true)
    } else if data.starts_with(b"\xff\xfe") {
        utf16(false)
    } else if data.starts_with(b"\xfe\xff") {
        utf16(true)
    } else {
        String::from_utf8_lossy(data)
    }
}

/// Lines as Python's `str.splitlines()` splits them, which pip uses for requirements files:
/// `\n`, `\r`, `\r\n`, `\x0b`, `\x0c`, `\x1c`, `\x1d`, `\x1e`, `\x85`, U+2028 and U+2029 each
/// end a line.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let ends = |c: char| {
        matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    };
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match t.char_indices().find(|&(_, c)| ends(c)) {
            Some((i, c)) => {
                let skip = if t[i..].starts_with("\r\n") {
                    2
                } else {
                    c.len_utf8()
                };
                rest = Some(&t[i + skip..]).filter(|r| !r.is_empty());
                Some(&t[..i])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

fn logical_lines(text: &str, mut each: impl FnMut(u64, &str) -> bool) {
    let mut logical = String::new();
    let mut first = 0u64;
    for (i, raw) in python_lines(text).enumerate() {
        let raw = raw.trim_start_matches('\u{feff}');
        if logical.is_empty() {
            first = (i + 1) as u64;
        }
        let code = raw
            .char_indices()
            .find(|&(j, c)| c == '#' && (j == 0 || raw[..j].ends_with([' ', '\t'])))
            .map_or(raw, |(j, _)| &raw[..j]);
        if let Some(cont) = code.trim_end().strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(code);
        if !each(first, &logical) {
            return;
        }
        logical.clear();
    }
    if !logical.is_empty() {
        each(first, &logical);
    }
}

fn pin_of(line: &str) -> Option<Pin> {
    let l = line.trim();
    if l.is_empty() || l.starts_with('-') {
        return None;
    }
    // Markers and per-requirement options end the requirement.
    let l = l.split(';').next()?.split(" --").next()?.trim();
    if l.contains('(') {
        return range_of(l);
    }
    let Some((name_part, version)) = l.split_once("===").or_else(|| l.split_once("==")) else {
        return range_of(l);
    };
    if version.contains(',') {
        return range_of(l);
    }
    let name = name_part.split('[').next()?.trim();
    let version = version.trim();
    // A prefix pin (`==1.0.*`, PEP 440 prefix matching) is kept as written: it admits a range of
    // releases, and the advisory check matches the range.
    let exact = version.strip_suffix(".*").unwrap_or(version);
    if !valid_name(name)
        || exact.is_empty()
        || exact.contains([',', '*', ' ', '<', '>', '!', '~', '='])
        || (exact.len() < version.len() && l.contains("==="))
    {
        return None;
    }
    Some(Pin {
        name: name.to_string(),
        version: version.to_string(),
        line: 0,
    })
}

/// A requirement that is no exact pin, as a [`Pin`] whose `version` is its version specifier:
/// a bare name (`""`: any release), a range (`>=1.2.3,<1.2.4`, `~=1.2.3`), a PEP 508
/// parenthesised specifier (`name (==1.2.3)`); or, for a direct reference whose file name is a
/// wheel or sdist name (`name @ https://…/name-1.2.3-py3-none-any.whl`), that release. The
/// advisory check matches a specifier by the releases it admits (`osv::Advisory::covers_spec`).
fn range_of(l: &str) -> Option<Pin> {
    if let Some((name_part, url)) = l.split_once('@') {
        let name = name_part.split('[').next()?.trim();
        let file = url.trim().rsplit('/').next()?.split(['#', '?']).next()?;
        let release = crate::check::advisories::release_from_file_name(file)?;
        return (valid_name(name)
            && crate::osv::normalise(name) == crate::osv::normalise(&release.name))
        .then(|| Pin {
            name: name.to_string(),
            version: release.version,
            line: 0,
        });
    }
    let end = l
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(l.len());
    let name = &l[..end];
    let rest = l[end..].trim_start();
    // Extras, then an optional parenthesised specifier.
    let rest = match rest.strip_prefix('[') {
        Some(r) => r.split_once(']')?.1.trim_start(),
        None => rest,
    };
    let spec = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest)
        .trim();
    if !valid_name(name)
        || !name.as_bytes()[0].is_ascii_alphanumeric()
        || spec.contains(['@', ' ', '\t'])
        || !(spec.is_empty() || spec.starts_with(['<', '>', '=', '!', '~']))
    {
        return None;
    }
    // `name (==1.2.3)`: an exact pin after all.
    if let Some(v) = spec
        .strip_prefix("==")
        .filter(|v| !v.is_empty() && !v.contains([',', '*', '<', '>', '!', '~', '=']))
    {
        return Some(Pin {
            name: name.to_string(),
            version: v.to_string(),
            line: 0,
        });
    }
    Some(Pin {
        name: name.to_string(),
        version: spec.to_string(),
        line: 0,
    })
}

/// Whether a pin's `version` is a specifier (a range, or empty for any release) rather than
/// one release or a prefix pin.
pub fn is_specifier(version: &str) -> bool {
    version.is_empty() || version.starts_with(['<', '>', '=', '!', '~'])
}

/// Pins of a TOML lock file: entries of the array of tables `key` (`packages` for PEP 751,
/// `package` for uv and Poetry) with a `name` and a `version`. Lines are found by the order of
/// `name = "..."` lines under `[[key]]` headers.
pub fn parse_toml_lock(text: &str, key: &str) -> Result<Vec<Pin>, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    Ok(lock_pins(&table, text, key))
}

/// [`parse_toml_lock`] of a parsed table.
fn lock_pins(table: &toml::Table, text: &str, key: &str) -> Vec<Pin> {
    let header = format!("[[{key}]]");
    // The line of each `[[key]]` table, in order.
    let lines: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .map(|(i, _)| (i + 1) as u64)
        .collect();
    let mut pins = Vec::new();
    if let Some(toml::Value::Array(list)) = table.get(key) {
        for (i, p) in list.iter().enumerate().take(MAX_PINS) {
            let name = p.get("name").and_then(|v| v.as_str());
            let version = p
                .get("version")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .or_else(|| name.and_then(|n| file_release(p, n)));
            if let (Some(n), Some(v)) = (name, version) {
                pins.push(Pin {
                    name: n.to_string(),
                    version: v,
                    line: lines.get(i).copied().unwrap_or(0),
                });
            }
        }
    }
    pins
}

/// The release a lock entry without `version` installs, from the file names of its `wheels`
/// and `sdist` (PEP 751: `name`, else the last component of `url` or `path`), when one is a
/// release file of the entry's `name`.
fn file_release(entry: &toml::Value, name: &str) -> Option<String> {
    let files = entry
        .get("wheels")
        .and_then(|w| w.as_array())
        .into_iter()
        .flatten()
        .chain(entry.get("sdist"));
    files.take(64).find_map(|f| {
        let file = f.get("name").and_then(|v| v.as_str()).or_else(|| {
            ["url", "path"]
                .iter()
                .find_map(|k| f.get(*k).and_then(|v| v.as_str()))
                .and_then(|u| u.split(['#', '?']).next()?.rsplit('/').next())
        })?;
        let release = crate::check::advisories::release_from_file_name(file)?;
        (crate::osv::normalise(&release.name) == crate::osv::normalise(name))
            .then_some(release.version)
    })
}

/// Largest YAML lock file read (bytes); read as events, never as a tree
/// ([`crate::formats::yaml::list_entries`]), so only its names and versions are held.
pub const MAX_YAML_LOCK: usize = 64 << 20;

/// YAML events read per lock file at most (a package entry is some tens).
const MAX_YAML_LOCK_EVENTS: usize = 20_000_000;

/// The PyPI pins of a YAML lock file: `pixi.lock`'s `packages` that are PyPI packages (a
/// `pypi:` key, lock format 6; `kind: pypi` before), and `conda-lock.yml`'s `package` entries
/// with `manager: pip` (once per name and version: conda-lock repeats an entry per platform).
/// An entry without `version` pins the release its file name (`pypi:` or `url:`) says. Conda
/// packages are not PyPI releases and are not matched. A bound that stops the reading is a
/// `resource-limit` finding, a syntax error the fact `package.pins_error`; the pins read until
/// then are kept.
fn yaml_lock_pins(ctx: &mut Ctx, format: Format, text: &str, loc: &Location) -> Vec<Pin> {
    use crate::formats::yaml::{list_entries, Stop};
    let (lists, fields): (&[&str], &[&str]) = if format == Format::PixiLock {
        (&["packages"], &["name", "version", "kind", "pypi", "url"])
    } else {
        (&["package"], &["name", "version", "manager", "url"])
    };
    let (entries, stop) = list_entries(
        text,
        lists,
        fields,
        MAX_YAML_LOCK,
        MAX_YAML_LOCK_EVENTS,
        MAX_PINS,
    );
    match stop {
        Some(Stop::Bound(b)) => ctx.limit(loc, &b, "its later pins"),
        Some(Stop::Syntax(line, m)) => ctx.fact(
            loc,
            "package.pins_error",
            format!("line {line}: {}", crate::finding::truncate_chars(&m, 200)),
        ),
        None => {}
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut pins = Vec::new();
    for e in entries {
        let get = |k: &str| {
            e.iter()
                .find(|(f, _, _)| f == k)
                .map(|(_, v, l)| (v.as_str(), *l))
        };
        let pypi = match format {
            Format::PixiLock => {
                get("pypi").is_some() || get("kind").is_some_and(|(k, _)| k == "pypi")
            }
            _ => get("manager").is_some_and(|(m, _)| m == "pip"),
        };
        if !pypi {
            continue;
        }
        let file = get("pypi").or(get("url")).and_then(|(u, _)| {
            let base = u.split(['#', '?']).next()?.rsplit('/').next()?;
            crate::check::advisories::release_from_file_name(base)
        });
        let Some((name, line)) = get("name").or(file.as_ref().map(|f| (f.name.as_str(), 0))) else {
            continue;
        };
        let Some(version) = get("version").map(|(v, _)| v.to_string()).or_else(|| {
            file.as_ref()
                .filter(|f| crate::osv::normalise(&f.name) == crate::osv::normalise(name))
                .map(|f| f.version.clone())
        }) else {
            continue;
        };
        let line = if line == 0 {
            get("pypi").or(get("url")).map_or(0, |(_, l)| l)
        } else {
            line
        };
        if valid_name(name) && seen.insert((crate::osv::normalise(name), version.clone())) {
            pins.push(Pin {
                name: name.to_string(),
                version,
                line: line as u64,
            });
        }
    }
    pins
}

/// Largest `conda-meta/*.json` record read (bytes): a record lists every file of its package
/// (tens of MB for the largest), and only `name` and `version` are kept.
const MAX_CONDA_META: usize = 256 << 20;

/// The release a conda package record (`conda-meta/<name>-<version>-<build>.json`) says is
/// installed: its `name` and `version`, matched as a PyPI release of that name (conda-forge
/// publishes PyPI projects under their PyPI names). Read with a serde struct of the two
/// fields, so the file lists it also holds are passed over, not built.
fn conda_meta_pin(
    ctx: &mut Ctx,
    data: &[u8],
    text: &str,
    loc: &Location,
) -> Result<Vec<Pin>, String> {
    #[derive(serde::Deserialize)]
    struct Record {
        name: Option<String>,
        version: Option<String>,
    }
    if data.len() > MAX_CONDA_META {
        ctx.limit(
            loc,
            &format!("a conda-meta record larger than {MAX_CONDA_META} bytes"),
            "its name and version",
        );
        return Ok(Vec::new());
    }
    // conda reads it with Python's `json`.
    let r: Record = crate::formats::json::from_python(data)
        .value
        .map_err(|e| e.to_string())?;
    Ok(match (r.name, r.version) {
        (Some(name), Some(version)) if valid_name(&name) && !version.is_empty() => vec![Pin {
            line: find_line(text, "\"name\""),
            name,
            version,
        }],
        _ => Vec::new(),
    })
}

/// The dependencies of a PEP 723 inline script metadata block (`# /// script`, lines of
/// `#` or `# ` plus TOML, `# ///`) in Python source, which `uv run`, `pipx run` and `pdm run`
/// install before they run the script: recorded as `package.pins` at their lines. The block
/// is found with one substring search; its TOML is read only when the block is at most 1 MiB.
pub fn inline_script(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    const OPEN: &str = "# /// script";
    if memchr::memmem::find(data, OPEN.as_bytes()).is_none() {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let Some(at) = text.find(OPEN) else {
        return;
    };
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let first = text[..start].matches('\n').count() as u64 + 1;
    let mut block = String::new();
    let mut lines = Vec::new();
    let mut closed = false;
    for (i, l) in text[start..].lines().enumerate() {
        let l = l.trim_end_matches('\r');
        if i == 0 {
            if l != OPEN {
                return;
            }
            continue;
        }
        if l == "# ///" {
            closed = true;
            break;
        }
        let Some(body) = l.strip_prefix("# ").or_else(|| (l == "#").then_some("")) else {
            return;
        };
        if block.len() + body.len() > 1 << 20 {
            ctx.limit(
                loc,
                "an inline script block larger than 1 MiB",
                "its dependencies",
            );
            return;
        }
        block.push_str(body);
        block.push('\n');
        lines.push(first + i as u64);
    }
    if !closed {
        return;
    }
    let Ok(table) = block.parse::<toml::Table>() else {
        ctx.fact(
            loc,
            "package.pins_error",
            "an inline script block that is not TOML",
        );
        return;
    };
    let reqs: Vec<(u64, &str)> = strings_all(table.get("dependencies"))
        .into_iter()
        .map(|r| {
            let line = block
                .lines()
                .position(|l| l.contains(r))
                .and_then(|i| lines.get(i).copied())
                .unwrap_or(first);
            (line, r)
        })
        .collect();
    add_pins(ctx, loc, requirement_pins(reqs));
}

/// The strings of a TOML array (at most [`MAX_PROJECT_DEPENDENCIES`]).
fn strings_all(v: Option<&toml::Value>) -> Vec<&str> {
    v.and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str())
        .take(MAX_PROJECT_DEPENDENCIES)
        .collect()
}

/// Report the package indexes of a `Pipfile.lock` (`_meta.sources`, which pipenv installs the
/// locked packages from) over plain HTTP or with `verify_ssl: false`: medium, as a requirements
/// file's index over plain HTTP (tester t18 p12).
fn pipfile_sources(ctx: &mut Ctx, value: &serde_json::Value, text: &str, loc: &Location) {
    if let Some(sources) = value
        .get("_meta")
        .and_then(|m| m.get("sources"))
        .and_then(|s| s.as_array())
    {
        index_sources(ctx, sources, text, loc);
    }
}

/// Report Pipenv's package indexes (`Pipfile.lock` `_meta.sources`, `Pipfile` `[[source]]`,
/// each `{url, verify_ssl, name}`): over plain HTTP, in a folder any user can write, or
/// without certificate checks (`verify_ssl: false`), medium.
fn index_sources(ctx: &mut Ctx, sources: &[serde_json::Value], text: &str, loc: &Location) {
    use crate::finding::Severity;
    for src in sources.iter().take(MAX_SOURCES) {
        let Some(url) = src.get("url").and_then(|v| v.as_str()) else {
            continue;
        };
        let unverified = src.get("verify_ssl").and_then(|v| v.as_bool()) == Some(false);
        let what = if plain(url) {
            "installs packages from an index over plain HTTP"
        } else if shared_local(url) {
            "installs packages from an index in a folder any user can write"
        } else if unverified {
            "installs packages from an index without certificate checks (verify_ssl: false)"
        } else {
            continue;
        };
        let line = line_of(text, url);
        let evidence = text.lines().nth((line - 1) as usize).unwrap_or("");
        emit_source(ctx, loc, line, Severity::Medium, what, url, evidence);
    }
}

/// Pins of a `Pipfile.lock`: every entry of its `default` and `develop` maps whose `version`
/// is `==V` (Pipenv writes exact pins; an entry from a VCS or a path has none). Lines are those
/// of each name's key in `text`; `value` is the parsed file.
fn pipfile_pins(value: &serde_json::Value, text: &str) -> Vec<Pin> {
    // The first line of each `"name":` key, found in one pass.
    let mut lines: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for (i, l) in text.lines().enumerate() {
        let key = l
            .trim_start()
            .strip_prefix('"')
            .and_then(|r| r.split_once('"'))
            .filter(|(_, rest)| rest.trim_start().starts_with(':'))
            .map(|(k, _)| k);
        if let Some(k) = key {
            lines.entry(k).or_insert((i + 1) as u64);
        }
    }
    let mut pins = Vec::new();
    for section in ["default", "develop"] {
        let Some(map) = value.get(section).and_then(|m| m.as_object()) else {
            continue;
        };
        for (name, entry) in map.iter().take(MAX_PINS) {
            let Some(v) = entry.get("version").and_then(|v| v.as_str()) else {
                continue;
            };
            let version = v
                .strip_prefix("===")
                .or_else(|| v.strip_prefix("=="))
                .unwrap_or(v);
            let line = lines.get(name.as_str()).copied().unwrap_or(0);
            if valid_name(name) && pins.len() < MAX_PINS {
                pins.push(Pin {
                    name: name.clone(),
                    version: version.trim().to_string(),
                    line,
                });
            }
        }
    }
    pins
}

/// Report the index options and URL requirements of a requirements file
/// (`requirements-extra-index`, pip's requirements file format): `--extra-index-url` (a second
/// index pip searches beside PyPI, taking the highest version of a name from either: dependency
/// confusion) is medium, low when every requirement carries a `--hash` (pip's hash-checking
/// mode refuses what the file did not pin); an index or link over plain `http://`, and
/// `--trusted-host` (no certificate check), are medium; `--index-url`, `--find-links`, a
/// requirements or constraints file included from a URL (`-r URL`, `-c URL`) and a requirement
/// fetched from a URL (`name @ https://…`, a bare `https://…/x.whl`) without a `--hash` are low.
/// One finding per option line, at most 16.
fn index_options(ctx: &mut Ctx, text: &str, loc: &Location) {
    use crate::finding::Severity;
    let mut logical: Vec<(u64, String)> = Vec::new();
    logical_lines(text, |line, l| {
        logical.push((line, l.to_string()));
        logical.len() < MAX_PINS
    });
    let requirement = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('-')
    };
    // An editable requirement cannot carry a hash, and an included file's requirements are
    // not in view: either leaves the file outside hash-checking mode as far as it shows.
    let unhashable = |l: &str| {
        let w = l.split_whitespace().next().unwrap_or("");
        ["-e", "--editable", "-r", "--requirement"].iter().any(|o| {
            w == *o || (o.len() == 2 && w.starts_with(o)) || w.starts_with(&format!("{o}="))
        })
    };
    let all_hashed = logical.iter().any(|(_, l)| requirement(l))
        && !logical.iter().any(|(_, l)| unhashable(l.trim()))
        && logical
            .iter()
            .filter(|(_, l)| requirement(l))
            .all(|(_, l)| l.contains("--hash"));
    let mut reported = 0;
    for (line, l) in &logical {
        if reported >= 16 {
            break;
        }
        let l = l.trim();
        let words: Vec<&str> = l.split_whitespace().collect();
        // pip reads these options with optparse: a long option may be any unambiguous prefix
        // (`--extra-index`), and a short one may carry its value (`-ihttps://…`).
        let option = |long: &str, short: Option<&str>| {
            words.iter().enumerate().find_map(|(j, w)| {
                let next = || words.get(j + 1).map(|v| v.to_string());
                if let Some(body) = w.strip_prefix("--") {
                    let (name, value) = match body.split_once('=') {
                        Some((n, v)) => (n, Some(v.to_string())),
                        None => (body, None),
                    };
                    let full = long.trim_start_matches("--");
                    let unique = LONG_OPTIONS.iter().filter(|o| o.starts_with(name)).count() == 1;
                    if name.len() >= 3 && full.starts_with(name) && (name == full || unique) {
                        return value.or_else(next);
                    }
                    return None;
                }
                let s = short?;
                if *w == s {
                    return next();
                }
                w.strip_prefix(s)
                    .filter(|v| !v.is_empty() && !v.starts_with('-'))
                    .map(|v| v.trim_start_matches('=').to_string())
            })
        };
        let graded = |o: &'static str, v: String| {
            grade_option(o, &v, all_hashed, false).map(|(sev, what)| (sev, what, v))
        };
        let (severity, what, value) = if let Some(g) =
            option("--extra-index-url", None).and_then(|u| graded("extra-index-url", u))
        {
            g
        } else if let Some(g) =
            option("--trusted-host", None).and_then(|h| graded("trusted-host", h))
        {
            g
        } else if let Some(g) = option("--index-url", Some("-i"))
            .and_then(|u| graded("index-url", u))
            .or_else(|| option("--find-links", Some("-f")).and_then(|u| graded("find-links", u)))
            .or_else(|| option("--requirement", Some("-r")).and_then(|u| graded("requirement", u)))
            .or_else(|| option("--constraint", Some("-c")).and_then(|u| graded("constraint", u)))
        {
            g
        } else if let Some(u) = option("--editable", Some("-e"))
            .filter(|u| (u.contains("://") && !u.starts_with("file:")) || shared_local(u))
        {
            // An editable install from a VCS URL cannot be hashed.
            if shared_local(&u) {
                (
                    Severity::Medium,
                    "installs a package from a folder any user can write",
                    u,
                )
            } else {
                (
                    if plain(&u) {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    "installs a package from a URL without a hash",
                    u,
                )
            }
        } else if requirement(l) && !l.contains("--hash") {
            let url = words
                .iter()
                .position(|w| *w == "@")
                .and_then(|j| words.get(j + 1))
                .or_else(|| {
                    words
                        .first()
                        .filter(|w| w.contains("://") || shared_local(w))
                });
            match url {
                Some(u) if shared_local(u) => (
                    Severity::Medium,
                    "installs a package from a folder any user can write",
                    u.to_string(),
                ),
                Some(u) if u.contains("://") && !u.starts_with("file:") => (
                    if plain(u) {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    "installs a package from a URL without a hash",
                    u.to_string(),
                ),
                _ => continue,
            }
        } else {
            continue;
        };
        reported += 1;
        emit_source(ctx, loc, *line, severity, what, &value, l);
    }
}

/// Whether an index URL is PyPI's own simple index (`https://pypi.org/simple`, the old
/// `pypi.python.org` name), which pip-compile and uv write out explicitly: not another index.
fn pypi_itself(url: &str) -> bool {
    let u = url.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    let u = u.trim_end_matches('/');
    matches!(
        u,
        "https://pypi.org/simple" | "https://pypi.python.org/simple" | "https://pypi.org/simple/"
    )
}

/// A local path or `file:` URL into a folder any user or process can write (a temporary
/// folder, a shared or downloads folder: [`crate::formats::python::shared_path`]): whoever
/// writes there first chooses what is installed, and a path source carries no hash.
pub(crate) fn shared_local(u: &str) -> bool {
    let u = u.trim().trim_matches(['"', '\'']);
    let u = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .find_map(|p| u.strip_prefix(p))
        .unwrap_or(u);
    let path = match u.get(..5) {
        Some(f) if f.eq_ignore_ascii_case("file:") => {
            let rest = u[5..].trim_start_matches('/');
            let rest = rest.strip_prefix("localhost/").unwrap_or(rest);
            format!("/{rest}")
        }
        _ if u.contains("://") => return false,
        _ => u.to_string(),
    };
    crate::formats::python::shared_path(&path)
}

/// A URL over plain HTTP, VCS URLs included (`git+http://`, `hg+http://`).
fn plain(u: &str) -> bool {
    let u = u.trim_start_matches(['"', '\'']);
    let u = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .find_map(|p| u.strip_prefix(p))
        .unwrap_or(u);
    u.starts_with("http://")
}

/// How a pip option that changes where packages come from is graded, by its long name
/// (`extra-index-url`, `trusted-host`, `index-url`, `find-links`, `requirement`, `constraint`):
/// an extra index is medium (low when every requirement is `hashed`, medium again over plain
/// HTTP; low also for uv, whose default `first-index` strategy takes a name from the first
/// index that has it, unless `unsafe_strategy`), a host without certificate checks medium,
/// another index or link page low (medium over plain HTTP), and so is a requirements or
/// constraints file fetched from a URL: what it says is not in view, and over plain HTTP
/// anyone on the path writes it (another `--index-url`, any package). A local one is read
/// where it is, unless it lies in a folder any user can write (medium).
fn grade_option(
    option: &str,
    value: &str,
    hashed: bool,
    first_index: bool,
) -> Option<(crate::finding::Severity, &'static str)> {
    use crate::finding::Severity;
    let sev = |low: bool| {
        if low && !plain(value) {
            Severity::Low
        } else {
            Severity::Medium
        }
    };
    if matches!(option, "extra-index-url" | "index-url") && pypi_itself(value) {
        return None;
    }
    match option {
        "extra-index-url" => Some((
            sev(hashed || first_index),
            if first_index {
                "adds a package index searched before PyPI"
            } else {
                "adds a package index beside PyPI (dependency confusion: pip takes the highest version of a name from either)"
            },
        )),
        "trusted-host" | "allow-insecure-host" => {
            Some((Severity::Medium, "turns off certificate checks for a host"))
        }
        "index-url" | "find-links" if shared_local(value) => Some((
            Severity::Medium,
            "installs from a folder any user can write",
        )),
        "index-url" | "find-links" => Some((sev(true), "installs from another index or link page")),
        "requirement" | "constraint" if shared_local(value) => Some((
            Severity::Medium,
            if option == "requirement" {
                "includes requirements from a folder any user can write"
            } else {
                "takes constraints from a folder any user can write"
            },
        )),
        "requirement" | "constraint"
            if value.contains("://") && !value.to_ascii_lowercase().starts_with("file:") =>
        {
            Some((
                sev(true),
                if option == "requirement" {
                    "includes requirements from a URL: what pip installs from it is not in view"
                } else {
                    "takes constraints from a URL: the versions pip installs are not in view"
                },
            ))
        }
        _ => None,
    }
}

/// Report one source of packages (`requirements-extra-index`) at `line` of `loc`.
pub(crate) fn emit_source(
    ctx: &mut Ctx,
    loc: &Location,
    line: u64,
    severity: crate::finding::Severity,
    what: &str,
    value: &str,
    evidence: &str,
) {
    use crate::finding::{Finding, Span};
    let mut at = loc.clone();
    at.span = Some(Span::Line { line: line.max(1) });
    ctx.emit(
        Finding::builder(&crate::rules::package::requirements_extra_index::RULE, at)
            .severity(severity)
            .message(format!(
                "{what}: {}",
                crate::finding::truncate_chars(value, 120)
            ))
            .evidence(crate::finding::truncate_chars(evidence.trim(), 200))
            .build(),
    );
}

/// Sources reported per file.
const MAX_SOURCES: usize = 16;

/// Report the index options of a pip configuration file (`pip.conf`, `pip.ini`: INI, any
/// section, keys being pip's long option names, `_` read as `-`, values continued on indented
/// lines), graded as in a requirements file without hashes ([`grade_option`]).
fn pip_config(ctx: &mut Ctx, text: &str, loc: &Location) {
    // (line, key, value, the line's text)
    let entries: Vec<(u64, String, String, String)> = ini_entries(text)
        .into_iter()
        .map(|e| {
            let value = e
                .values
                .iter()
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            (e.line, e.key.replace('_', "-"), value, e.text)
        })
        .collect();
    let mut reported = 0;
    for (line, key, value, evidence) in &entries {
        if reported >= MAX_SOURCES {
            break;
        }
        // The worst of the values (`extra-index-url` may list several).
        let worst = value
            .split_whitespace()
            .filter_map(|v| grade_option(key, v, false, false).map(|(s, w)| (s, w, v)))
            .max_by_key(|(s, _, _)| *s);
        if let Some((sev, what, v)) = worst {
            reported += 1;
            emit_source(ctx, loc, *line, sev, what, v, evidence);
        }
    }
}

/// One `key = value` entry of an INI file as Python's `configparser` reads it.
#[derive(Debug)]
struct IniEntry {
    /// 1-based line of the key.
    line: u64,
    /// The section, lower case, without brackets.
    section: String,
    /// The key, lower case.
    key: String,
    /// The value's lines (the one after the key, then each indented continuation line), with
    /// their 1-based numbers; blank ones dropped.
    values: Vec<(u64, String)>,
    /// The key's line as written.
    text: String,
}

/// Continuation lines kept per INI value.
const MAX_INI_VALUE_LINES: usize = 1000;

/// The entries of an INI file (`pip.conf`, `setup.cfg`): `[section]` headers, `key = value` or
/// `key: value`, values continued on indented lines, `#` and `;` comment lines, a byte order
/// mark ignored; at most [`MAX_PINS`] lines read and [`MAX_INI_VALUE_LINES`] lines per value.
fn ini_entries(text: &str) -> Vec<IniEntry> {
    let mut entries: Vec<IniEntry> = Vec::new();
    let mut section = String::new();
    for (i, raw) in crate::formats::pypkg::universal_lines(text)
        .enumerate()
        .take(MAX_PINS)
    {
        let raw = raw.trim_start_matches('\u{feff}');
        let t = raw.trim();
        let line = (i + 1) as u64;
        if t.is_empty() || t.starts_with(['#', ';']) {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            if let Some(last) = entries.last_mut() {
                if last.values.len() < MAX_INI_VALUE_LINES {
                    last.values.push((line, t.to_string()));
                }
            }
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
            section = name.0.trim().to_ascii_lowercase();
            continue;
        }
        let Some(at) = t.find(['=', ':']) else {
            continue;
        };
        let value = t[at + 1..].trim();
        entries.push(IniEntry {
            line,
            section: section.clone(),
            key: t[..at].trim().to_ascii_lowercase(),
            values: if value.is_empty() {
                Vec::new()
            } else {
                vec![(line, value.to_string())]
            },
            text: t.to_string(),
        });
    }
    entries
}

/// Report what a setuptools `setup.cfg` declares that installs or runs something: the console
/// and GUI scripts of `[options.entry_points]` and the files of `[options] scripts` that
/// shadow a common command (`entry-point-shadows-command`, as for a wheel's
/// `entry_points.txt`), and build requirements of `[options] setup_requires` fetched from a
/// URL ([`build_requirement`]). (`[options] cmdclass` names install-time code, which the sdist
/// reader analyses as such.)
fn setup_cfg(ctx: &mut Ctx, text: &str, loc: &Location) {
    use crate::finding::Span;
    let entries = ini_entries(text);
    let dist = entries
        .iter()
        .find(|e| e.section == "metadata" && e.key == "name")
        .and_then(|e| e.values.first())
        .map(|(_, v)| crate::osv::normalise(v))
        .unwrap_or_default();
    // setuptools' list values: one item a line, or comma-separated on one line
    // (`setup_requires` also `;`-separated).
    let items = |e: &IniEntry, seps: &[char]| -> Vec<(u64, String)> {
        e.values
            .iter()
            .flat_map(|(l, v)| {
                v.split(seps)
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(|x| (*l, x.to_string()))
                    .collect::<Vec<_>>()
            })
            .take(MAX_INI_VALUE_LINES)
            .collect()
    };
    let mut deps: Vec<Pin> = Vec::new();
    for e in &entries {
        match (e.section.as_str(), e.key.as_str()) {
            ("options.entry_points", "console_scripts" | "gui_scripts") => {
                for (line, v) in &e.values {
                    if let Some((cmd, target)) = v.split_once('=') {
                        let cmd = cmd.trim();
                        crate::formats::pypkg::shadowing(
                            ctx,
                            cmd,
                            &dist,
                            "console script",
                            format!("{cmd} = {}", target.trim()),
                            loc.with_span(Span::Line { line: *line }),
                        );
                    }
                }
            }
            ("options", "scripts") => {
                for (line, path) in items(e, &[',']) {
                    let base = path.rsplit(['/', '\\']).next().unwrap_or(&path);
                    if !base.is_empty() {
                        crate::formats::pypkg::shadowing(
                            ctx,
                            base,
                            &dist,
                            "installed script",
                            format!("scripts = {path}"),
                            loc.with_span(Span::Line { line }),
                        );
                    }
                }
            }
            // Dependencies pip installs with the package: exact pins are matched against OSV
            // as a requirements file's are.
            ("options", "install_requires") | ("options.extras_require", _) => {
                for (line, req) in items(e, &[]) {
                    if deps.len() < MAX_PINS {
                        deps.extend(pin_of(&req).map(|p| Pin { line, ..p }));
                    }
                    local_requirement(ctx, &req, line, loc);
                }
            }
            ("options", "setup_requires") => {
                for (line, req) in items(e, &[';']).into_iter().take(MAX_SOURCES) {
                    build_requirement(ctx, &req, line, loc);
                }
            }
            _ => {}
        }
    }
    if !deps.is_empty() {
        if let Ok(json) = serde_json::to_string(&deps) {
            ctx.fact(loc, "package.pins", json);
        }
    }
}

/// Report a virtual environment whose interpreter comes from a folder others can write
/// (`pth-untrusted-path`, medium): `pyvenv.cfg`'s `home` (the folder of the base interpreter,
/// whose standard library and `site` every process of the environment imports), `executable`,
/// `base-executable` or `base-prefix` under `/tmp`, `/var/tmp`, `/dev/shm`, `C:\Users\Public`
/// and the like ([`crate::formats::python::shared_path`]).
fn pyvenv_cfg(ctx: &mut Ctx, text: &str, loc: &Location) {
    use crate::finding::{Finding, Severity, Span};
    for e in ini_entries(text).iter().take(64) {
        if !matches!(
            e.key.as_str(),
            "home" | "executable" | "base-executable" | "base-prefix" | "base-exec-prefix"
        ) {
            continue;
        }
        let Some((_, value)) = e.values.first() else {
            continue;
        };
        if crate::formats::python::shared_path(value) {
            ctx.emit(
                Finding::builder(
                    &crate::rules::package::pth_untrusted_path::RULE,
                    loc.with_span(Span::Line { line: e.line }),
                )
                .severity(Severity::Medium)
                .message(format!(
                    "the environment's interpreter comes from a folder others can write ({}): its standard library and site run in every process of the environment",
                    e.key
                ))
                .evidence(crate::finding::truncate_chars(&e.text, 200))
                .build(),
            );
            return;
        }
    }
}

/// The URL of a PEP 508 direct reference (`name [extras] @ URL [; marker]`), if `req` is one.
fn direct_url(req: &str) -> Option<&str> {
    let (name, rest) = req.split_once('@')?;
    let name = name.split('[').next().unwrap_or(name).trim();
    if !valid_name(name) {
        return None;
    }
    let url = rest.split_whitespace().next()?.trim_end_matches(';');
    url.contains("://").then_some(url)
}

/// How a build requirement is graded (`[build-system] requires`, `setup_requires`): one
/// fetched from a URL runs its code on the building machine before anything is installed,
/// from a host that is not the index: medium, plain HTTP included (see
/// `docs/rules/requirements-extra-index.md`); low over HTTPS with a hash in the URL's fragment
/// (`#sha256=…`), which pip checks. A local `file:` URL, or a name from the index, is not
/// reported.
fn grade_build_requirement(req: &str) -> Option<(crate::finding::Severity, &'static str, &str)> {
    use crate::finding::Severity;
    let url = direct_url(req)?;
    let scheme = url.split("://").next().unwrap_or("").to_ascii_lowercase();
    let scheme = scheme.rsplit('+').next().unwrap_or(&scheme);
    if scheme == "file" {
        return shared_local(url).then_some((
            Severity::Medium,
            "installs a build dependency from a folder any user can write: its code runs while the package builds",
            url,
        ));
    }
    let hashed = ["#sha256=", "#sha384=", "#sha512="]
        .iter()
        .any(|h| url.to_ascii_lowercase().contains(h));
    Some(if scheme == "http" {
        (
            Severity::Medium,
            "fetches a build dependency over plain HTTP: its code runs while the package builds",
        )
    } else if hashed {
        (
            Severity::Low,
            "fetches a hash-pinned build dependency from a URL: its code runs while the package builds",
        )
    } else {
        (
            Severity::Medium,
            "fetches a build dependency from a URL instead of the index: its code runs while the package builds",
        )
    })
    .map(|(s, w)| (s, w, url))
}

/// Report a dependency `req` (PEP 508) installed from a folder any user can write
/// (`x @ file:///tmp/x.whl`; [`shared_local`]) at `line` of `loc`: medium.
fn local_requirement(ctx: &mut Ctx, req: &str, line: u64, loc: &Location) {
    if let Some(url) = direct_url(req).filter(|u| shared_local(u)) {
        emit_source(
            ctx,
            loc,
            line,
            crate::finding::Severity::Medium,
            "installs a package from a folder any user can write",
            url,
            req,
        );
    }
}

/// Report a build requirement `req` at `line` of `loc` fetched from a URL
/// ([`grade_build_requirement`]).
pub(crate) fn build_requirement(ctx: &mut Ctx, req: &str, line: u64, loc: &Location) {
    if let Some((sev, what, url)) = grade_build_requirement(req) {
        emit_source(ctx, loc, line, sev, what, url, req);
    }
}

/// The first line of `text` that holds `needle` (1-based), or 1.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| (i + 1) as u64)
}

/// Arrays and inline tables nested at most before [`toml_shallow`] reads the deeper ones as
/// `0`: the `toml` crate stops at 80 levels, Python's `tomllib` reads any depth.
const MAX_TOML_DEPTH: usize = 64;

/// `text` with every array or inline table of a value nested deeper than `max` levels replaced
/// by `0`, or `None` when nothing is that deep. Table headers (`[x]`, `[[x]]`: a `[` before
/// any `=` on its line, outside a value), strings of the four kinds and comments are passed
/// over; the pass is linear and needs no stack.
fn toml_shallow(text: &str, max: usize) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let (mut depth, mut i, mut after_eq) = (0usize, 0usize, false);
    // The container being replaced: where it starts, and how deep inside it the pass is.
    let mut skipping: Option<(usize, usize)> = None;
    // Passes over the string starting at `i` (a quote); returns the offset after it.
    let skip_string = |i: usize| -> usize {
        let q = b[i];
        let triple = b.get(i..i + 3) == Some(&[q, q, q][..]);
        let mut j = i + if triple { 3 } else { 1 };
        while j < b.len() {
            if q == b'"' && b[j] == b'\\' {
                j += 2;
                continue;
            }
            if triple {
                if b.get(j..j + 3) == Some(&[q, q, q][..]) {
                    // Up to two more quotes may close it (`""""`).
                    let mut k = j + 3;
                    while k < b.len() && b[k] == q && k < j + 5 {
                        k += 1;
                    }
                    return k;
                }
            } else if b[j] == q || b[j] == b'\n' {
                return j + 1;
            }
            j += 1;
        }
        b.len()
    };
    while i < b.len() {
        match (b[i], skipping.as_mut()) {
            (b'"' | b'\'', _) => {
                i = skip_string(i);
                continue;
            }
            (b'#', _) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            (b'[' | b'{', Some((_, d))) => *d += 1,
            (b']' | b'}', Some((start, d))) => {
                *d -= 1;
                if *d == 0 {
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(&text[copied..*start]);
                    o.push('0');
                    copied = i + 1;
                    skipping = None;
                }
            }
            (_, Some(_)) => {}
            (b'\n', None) if depth == 0 => after_eq = false,
            (b'=', None) if depth == 0 => after_eq = true,
            (b'[', None) if depth == 0 && !after_eq => {
                // A table header: to the end of its line.
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            (b'[' | b'{', None) if depth == max => skipping = Some((i, 1)),
            (b'[' | b'{', None) => depth += 1,
            (b']' | b'}', None) => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    if let Some(o) = out.as_mut() {
        o.push_str(text.get(copied..).unwrap_or(""));
    }
    out
}

/// Parse a TOML document; when the `toml` crate refuses it for its nesting bound, parse it
/// again through [`toml_shallow`] and report the values read as `0` (low `resource-limit`).
fn parse_toml(ctx: &mut Ctx, text: &str, loc: &Location) -> Result<toml::Table, toml::de::Error> {
    match text.parse::<toml::Table>() {
        Err(e) if e.message().contains("recursion") => {
            let Some(fixed) = toml_shallow(text, MAX_TOML_DEPTH) else {
                return Err(e);
            };
            let table = fixed.parse::<toml::Table>().map_err(|_| e)?;
            ctx.limit_at(
                crate::finding::Severity::Low,
                loc,
                &format!("TOML nested deeper than {MAX_TOML_DEPTH} levels"),
                "the values below that depth (its keys above it were read)",
            );
            Ok(table)
        }
        other => other,
    }
}

/// The strings of a TOML value that is a string or an array of strings (at most 64).
fn strings(v: Option<&toml::Value>) -> Vec<&str> {
    match v {
        Some(toml::Value::String(s)) => vec![s.as_str()],
        Some(toml::Value::Array(a)) => a.iter().take(64).filter_map(|x| x.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// Report where a `pyproject.toml` tells uv or Poetry to get packages: `[[tool.uv.index]]`
/// entries (plain HTTP medium; an index beside PyPI low, medium with an `unsafe-*`
/// `index-strategy`; `default = true`, which replaces PyPI, low; `explicit = true`, used only
/// by the packages `tool.uv.sources` pins to it, not reported), `extra-index-url`, `index-url`,
/// `find-links` and `allow-insecure-host` of `[tool.uv]` and `[tool.uv.pip]`
/// ([`grade_option`]), and `[[tool.poetry.source]]` over plain HTTP (medium).
fn pyproject(ctx: &mut Ctx, text: &str, loc: &Location) {
    if let Ok(table) = parse_toml(ctx, text, loc) {
        pyproject_table(ctx, text, &table, loc);
    }
}

/// Pipenv's `Pipfile` (TOML): its `[[source]]` indexes ([`index_sources`]) and the packages
/// of `[packages]`/`[dev-packages]` given by a `path` or `file` in a folder any user can write
/// or a `git` URL over plain HTTP (medium).
fn pipfile(ctx: &mut Ctx, text: &str, loc: &Location) {
    use crate::finding::Severity;
    let Ok(table) = parse_toml(ctx, text, loc) else {
        return;
    };
    // `[packages]`, `[dev-packages]` and Pipenv's other package categories (any table but
    // its own settings).
    let mut pins = Vec::new();
    for (group, body) in table.iter().take(64) {
        if matches!(group.as_str(), "source" | "requires" | "pipenv" | "scripts") {
            continue;
        }
        if let Some(deps) = body.as_table() {
            pins.extend(table_pins(deps, text, std::slice::from_ref(group), false));
        }
    }
    add_pins(ctx, loc, pins);
    if let Some(sources) = table
        .get("source")
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_array().cloned())
    {
        index_sources(ctx, &sources, text, loc);
    }
    let mut found = 0;
    for group in ["packages", "dev-packages"] {
        let Some(pkgs) = table.get(group).and_then(|g| g.as_table()) else {
            continue;
        };
        for spec in pkgs.values().take(MAX_PROJECT_DEPENDENCIES) {
            for (key, what) in [
                (
                    "path",
                    "installs a package from a folder any user can write",
                ),
                (
                    "file",
                    "installs a package from a folder any user can write",
                ),
                ("git", "installs a package from a source over plain HTTP"),
            ] {
                let Some(u) = spec.get(key).and_then(|v| v.as_str()) else {
                    continue;
                };
                let bad = if key == "git" {
                    plain(u)
                } else {
                    shared_local(u)
                };
                if bad && found < MAX_SOURCES {
                    found += 1;
                    let line = line_of(text, u);
                    let evidence = text.lines().nth((line - 1) as usize).unwrap_or("");
                    emit_source(ctx, loc, line, Severity::Medium, what, u, evidence);
                }
            }
        }
    }
}

/// uv's own configuration file, `uv.toml` (user `~/.config/uv/uv.toml`, system
/// `/etc/uv/uv.toml`, or beside a project): its keys are those of `[tool.uv]` without the
/// prefix (uv's "Configuration files"), graded as [`pyproject`] grades them.
fn uv_config(ctx: &mut Ctx, text: &str, loc: &Location) {
    let Ok(uv) = parse_toml(ctx, text, loc) else {
        return;
    };
    let mut tool = toml::Table::new();
    tool.insert("uv".into(), toml::Value::Table(uv));
    let mut table = toml::Table::new();
    table.insert("tool".into(), toml::Value::Table(tool));
    pyproject_table(ctx, text, &table, loc);
}

/// [`pyproject`] of the parsed `table`; `text` gives the lines of what it reports.
fn pyproject_table(ctx: &mut Ctx, text: &str, table: &toml::Table, loc: &Location) {
    use crate::finding::Severity;
    // PEP 621 `dependencies` and `optional-dependencies`: what installing the project pulls,
    // matched against OSV as a requirements file's lines are.
    let project = table.get("project");
    let lists = project
        .and_then(|p| p.get("dependencies"))
        .into_iter()
        .chain(
            project
                .and_then(|p| p.get("optional-dependencies"))
                .and_then(|o| o.as_table())
                .into_iter()
                .flat_map(|t| t.values()),
        );
    let mut pins = Vec::new();
    for spec in lists
        .filter_map(|l| l.as_array())
        .flatten()
        .filter_map(|v| v.as_str())
        .take(MAX_PROJECT_DEPENDENCIES)
    {
        // The line is looked up in files of ordinary size only (a search per entry).
        let line = || {
            (text.len() <= 1 << 20)
                .then(|| text.find(spec))
                .flatten()
                .map_or(0, |at| text[..at].matches('\n').count() as u64 + 1)
        };
        if let Some(p) = pin_of(spec) {
            pins.push(Pin { line: line(), ..p });
        }
        local_requirement(ctx, spec, line(), loc);
        // A direct reference over plain HTTP (`x @ http://…`, `git+http://`).
        if let Some(url) = direct_url(spec).filter(|u| plain(u)) {
            emit_source(
                ctx,
                loc,
                line(),
                Severity::Medium,
                "installs a package from a URL without a hash",
                url,
                spec,
            );
        }
    }
    pins.extend(pyproject_more_pins(table, text));
    add_pins(ctx, loc, pins);
    // Console scripts the package declares (PEP 621 `[project.scripts]` and `gui-scripts`,
    // Poetry's `[tool.poetry.scripts]`): installing the sdist makes each a command in `bin`.
    let dist = table
        .get("project")
        .and_then(|p| p.get("name"))
        .or_else(|| {
            table
                .get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("name"))
        })
        .and_then(|v| v.as_str())
        .map(crate::osv::normalise)
        .unwrap_or_default();
    let script_tables = [
        table.get("project").and_then(|p| p.get("scripts")),
        table.get("project").and_then(|p| p.get("gui-scripts")),
        table
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("scripts")),
    ];
    for scripts in script_tables
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_table())
    {
        for (cmd, target) in scripts.iter().take(1000) {
            let target = target.as_str().unwrap_or("…");
            crate::formats::pypkg::shadowing(
                ctx,
                cmd,
                &dist,
                "console script",
                format!("{cmd} = {target}"),
                loc.clone(),
            );
        }
    }
    let tool = table.get("tool");
    let uv = tool.and_then(|t| t.get("uv"));
    let mut found: Vec<(Severity, &'static str, String)> = Vec::new();
    // PEP 518 build requirements: the frontend installs them and runs their code to build.
    let build_requires = table.get("build-system").and_then(|b| b.get("requires"));
    for req in strings(build_requires) {
        if let Some((sev, what, url)) = grade_build_requirement(req) {
            found.push((sev, what, url.to_string()));
        }
    }
    if let Some(uv) = uv {
        // uv reads `index-strategy` in `[tool.uv]` and in `[tool.uv.pip]` (`[pip]` of uv.toml).
        let unsafe_strategy = [Some(uv), uv.get("pip")].into_iter().flatten().any(|t| {
            t.get("index-strategy")
                .and_then(|v| v.as_str())
                .is_some_and(|s| s.starts_with("unsafe"))
        });
        if let Some(list) = uv.get("index").and_then(|v| v.as_array()) {
            for idx in list.iter().take(64) {
                let Some(url) = idx.get("url").and_then(|v| v.as_str()) else {
                    continue;
                };
                let flag = |k: &str| idx.get(k).and_then(|v| v.as_bool()) == Some(true);
                let graded = if plain(url) {
                    Some((Severity::Medium, "adds a uv package index over plain HTTP"))
                } else if shared_local(url) {
                    Some((
                        Severity::Medium,
                        "adds a uv package index in a folder any user can write",
                    ))
                } else if flag("explicit") {
                    None
                } else if flag("default") {
                    Some((Severity::Low, "replaces PyPI with another index"))
                } else if unsafe_strategy {
                    Some((
                        Severity::Medium,
                        "adds a package index beside PyPI with an unsafe index strategy (dependency confusion: uv takes a name from either)",
                    ))
                } else {
                    Some((Severity::Low, "adds a package index searched before PyPI"))
                };
                if let Some((sev, what)) = graded {
                    found.push((sev, what, url.to_string()));
                }
            }
        }
        for t in [Some(uv), uv.get("pip")].into_iter().flatten() {
            for key in [
                "extra-index-url",
                "index-url",
                "find-links",
                "allow-insecure-host",
            ] {
                for v in strings(t.get(key)) {
                    if let Some((sev, what)) = grade_option(key, v, false, !unsafe_strategy) {
                        found.push((sev, what, v.to_string()));
                    }
                }
            }
        }
    }
    let poetry = tool
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("source"))
        .and_then(|s| s.as_array());
    for src in poetry.into_iter().flatten().take(64) {
        if let Some(url) = src.get("url").and_then(|v| v.as_str()).filter(|u| plain(u)) {
            found.push((
                Severity::Medium,
                "adds a Poetry package source over plain HTTP",
                url.to_string(),
            ));
        }
    }
    // Per-dependency sources: `[tool.uv.sources]` (`url`, `git`) and Poetry dependencies
    // given as `{ git = …, url = … }` in any group: fetched and built over plain HTTP, so
    // anyone on the path chooses the code (tester t18 p16, p17, p18).
    let poetry_tool = tool.and_then(|t| t.get("poetry"));
    let dep_tables = uv
        .and_then(|u| u.get("sources"))
        .into_iter()
        .chain(poetry_tool.and_then(|p| p.get("dependencies")))
        .chain(poetry_tool.and_then(|p| p.get("dev-dependencies")))
        .chain(
            poetry_tool
                .and_then(|p| p.get("group"))
                .and_then(|g| g.as_table())
                .into_iter()
                .flat_map(|g| g.values())
                .filter_map(|g| g.get("dependencies")),
        );
    for deps in dep_tables.filter_map(|d| d.as_table()) {
        for spec in deps.values().take(MAX_PROJECT_DEPENDENCIES) {
            // A source may be a table or a list of them (uv's per-marker sources).
            let specs: Vec<&toml::Value> = match spec {
                toml::Value::Array(a) => a.iter().take(16).collect(),
                other => vec![other],
            };
            for s in specs {
                for key in ["url", "git"] {
                    if let Some(u) = s.get(key).and_then(|v| v.as_str()).filter(|u| plain(u)) {
                        found.push((
                            Severity::Medium,
                            "installs a dependency from a source over plain HTTP",
                            u.to_string(),
                        ));
                    }
                }
                for key in ["path", "url"] {
                    if let Some(u) = s
                        .get(key)
                        .and_then(|v| v.as_str())
                        .filter(|u| shared_local(u))
                    {
                        found.push((
                            Severity::Medium,
                            "installs a dependency from a folder any user can write",
                            u.to_string(),
                        ));
                    }
                }
            }
        }
    }
    for (sev, what, value) in found.into_iter().take(MAX_SOURCES) {
        let line = line_of(text, &value);
        let evidence = text.lines().nth((line - 1) as usize).unwrap_or("");
        emit_source(ctx, loc, line, sev, what, &value, evidence);
    }
}

/// Report the packages of a lock file fetched over plain HTTP: a `source` whose `registry`,
/// `url` or `git` (uv), or `url` (Poetry), or an `index` (PEP 751) is `http://`. Medium, low
/// when every artifact of the package carries a hash (the installer checks what it fetched);
/// each URL once, at most [`MAX_SOURCES`].
fn lock_sources(ctx: &mut Ctx, table: &toml::Table, text: &str, key: &str, loc: &Location) {
    use crate::finding::Severity;
    let Some(list) = table.get(key).and_then(|v| v.as_array()) else {
        return;
    };
    let mut seen: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for p in list.iter().take(MAX_PINS) {
        if seen.len() >= MAX_SOURCES {
            break;
        }
        let source = p.get("source");
        let url = ["registry", "url", "git"]
            .iter()
            .find_map(|k| source.and_then(|s| s.get(*k)).and_then(|v| v.as_str()))
            .or_else(|| p.get("index").and_then(|v| v.as_str()))
            .filter(|u| plain(u))
            // The artifacts' own URLs (PEP 751 `vcs`, `archive`, `sdist`, `wheels[]`; uv's
            // `sdist` and `wheels[]`).
            .or_else(|| artifact_fields(p, &["vcs", "archive", "sdist"], "url").find(|u| plain(u)));
        // pdm's `files = [{url = …}]` and `{file = …}` (a file name beside an index, or a
        // path) are artifacts too, read through `artifact_fields`' `files[]`.
        // A local source in a folder anyone can write: uv's `path`, `directory`, `editable`,
        // PEP 751's `directory.path` and `archive.path`, Poetry's `url` of a file or directory
        // source.
        let local = || {
            ["path", "directory", "editable", "url", "registry"]
                .iter()
                .filter_map(|k| source.and_then(|s| s.get(*k)).and_then(|v| v.as_str()))
                .chain(artifact_fields(
                    p,
                    &["directory", "archive", "sdist"],
                    "path",
                ))
                .chain(artifact_fields(p, &[], "url"))
                .chain(artifact_fields(p, &[], "file"))
                .find(|u| shared_local(u))
        };
        let (url, what, sev) = match url {
            Some(u) => (
                u,
                "installs packages from an index or URL over plain HTTP",
                if hashed_artifacts(p) {
                    Severity::Low
                } else {
                    Severity::Medium
                },
            ),
            None => match local() {
                Some(u) => (
                    u,
                    "installs a package from a folder any user can write",
                    Severity::Medium,
                ),
                None => continue,
            },
        };
        if !seen.insert(url) {
            continue;
        }
        let line = line_of(text, url);
        let evidence = text.lines().nth((line - 1) as usize).unwrap_or("");
        emit_source(ctx, loc, line, sev, what, url, evidence);
    }
}

/// The string `field` of a lock file package's artifact tables `tables` (`sdist`, `archive`,
/// …) and of each of its `wheels[]` (uv, PEP 751) and `files[]` (pdm, Poetry: `url`, `file`),
/// at most 1,024 in all: where the installer fetches them from.
fn artifact_fields<'a>(
    p: &'a toml::Value,
    tables: &'a [&'a str],
    field: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    tables
        .iter()
        .filter_map(move |k| {
            p.get(*k)
                .and_then(|a| a.get(field))
                .and_then(|v| v.as_str())
        })
        .chain(
            ["wheels", "files"]
                .into_iter()
                .filter_map(move |k| p.get(k).and_then(|w| w.as_array()))
                .flatten()
                .take(1024)
                .filter_map(move |w| w.get(field).and_then(|v| v.as_str())),
        )
}

/// Whether a lock file's package lists artifacts and every one carries a hash: `sdist`,
/// `archive`, `wheels[]` (uv, PEP 751: `hash` / `hashes`), `files[]` (Poetry).
fn hashed_artifacts(p: &toml::Value) -> bool {
    let mut artifacts = 0;
    let mut hashed = 0;
    let mut count = |a: &toml::Value| {
        artifacts += 1;
        if a.get("hash").is_some() || a.get("hashes").is_some() {
            hashed += 1;
        }
    };
    for k in ["sdist", "archive"] {
        if let Some(a) = p.get(k) {
            count(a);
        }
    }
    for k in ["wheels", "files"] {
        if let Some(list) = p.get(k).and_then(|v| v.as_array()) {
            for a in list.iter().take(1024) {
                count(a);
            }
        }
    }
    artifacts > 0 && hashed == artifacts
}

/// Report where an installer's configuration file gets packages: `pip.conf`/`pip.ini`
/// ([`pip_config`]), `pyproject.toml` ([`pyproject`]) and `uv.toml` ([`uv_config`]).
pub fn analyse_config(ctx: &mut Ctx, format: Format, data: &[u8], loc: &Location) {
    let text = String::from_utf8_lossy(data);
    match format {
        Format::PipConfig => pip_config(ctx, &text, loc),
        Format::Pyproject if data.len() > MAX_PIPFILE_LOCK => ctx.limit(
            loc,
            &format!("a pyproject.toml larger than {MAX_PIPFILE_LOCK} bytes"),
            "its dependencies and package sources",
        ),
        Format::Pyproject => pyproject(ctx, &text, loc),
        Format::UvConfig if data.len() > MAX_PIPFILE_LOCK => ctx.limit(
            loc,
            &format!("a uv.toml larger than {MAX_PIPFILE_LOCK} bytes"),
            "its package sources",
        ),
        Format::UvConfig => uv_config(ctx, &text, loc),
        Format::Pipfile if data.len() > MAX_PIPFILE_LOCK => ctx.limit(
            loc,
            &format!("a Pipfile larger than {MAX_PIPFILE_LOCK} bytes"),
            "its package sources",
        ),
        Format::Pipfile => pipfile(ctx, &text, loc),
        Format::SetupCfg => setup_cfg(ctx, &text, loc),
        Format::PyvenvCfg => pyvenv_cfg(ctx, &text, loc),
        _ => {}
    }
}

/// The long options of pip's requirements file format (optparse accepts an unambiguous prefix
/// of each).
const LONG_OPTIONS: &[&str] = &[
    "index-url",
    "extra-index-url",
    "no-index",
    "constraint",
    "requirement",
    "editable",
    "find-links",
    "no-binary",
    "only-binary",
    "prefer-binary",
    "require-hashes",
    "pre",
    "trusted-host",
    "use-feature",
    "config-settings",
    "global-option",
    "hash",
];

/// Record the pins of a list in the format `format` as the fact `package.pins`.
pub fn analyse_list(ctx: &mut Ctx, format: Format, data: &[u8], loc: &Location) {
    let text = if format == Format::Requirements {
        decode_requirements(data)
    } else {
        String::from_utf8_lossy(data)
    };
    if format == Format::Requirements {
        index_options(ctx, &text, loc);
        let includes = requirement_includes(&text);
        if !includes.is_empty() {
            if let Ok(json) = serde_json::to_string(&includes) {
                ctx.fact(loc, "package.includes", json);
            }
        }
    }
    let key = if format == Format::Pylock {
        "packages"
    } else {
        "package"
    };
    let pins = match format {
        Format::Requirements => Ok(parse_requirements(&text)),
        // A JSON tree costs about ten times its text; no real lock file is this large.
        Format::PipfileLock if data.len() > MAX_PIPFILE_LOCK => {
            ctx.limit(
                loc,
                &format!("a Pipfile.lock larger than {MAX_PIPFILE_LOCK} bytes"),
                "its pins",
            );
            Ok(Vec::new())
        }
        Format::PipfileLock => {
            // One parse for the indexes and the pins.
            // pipenv reads it with Python's `json`.
            crate::formats::json::from_python::<serde_json::Value>(text.as_bytes())
                .value
                .map_err(|e| e.to_string())
                .map(|value| {
                    pipfile_sources(ctx, &value, &text, loc);
                    pipfile_pins(&value, &text)
                })
        }
        // A TOML tree costs about 25 times its text (a 99 MB uv.lock took 2.5 GB).
        Format::Pylock | Format::UvLock | Format::PoetryLock | Format::PdmLock
            if data.len() > MAX_PIPFILE_LOCK =>
        {
            ctx.limit(
                loc,
                &format!("a lock file larger than {MAX_PIPFILE_LOCK} bytes"),
                "its pins and sources",
            );
            Ok(Vec::new())
        }
        Format::Pylock | Format::UvLock | Format::PoetryLock | Format::PdmLock => {
            parse_toml(ctx, &text, loc)
                .map_err(|e: toml::de::Error| e.message().to_string())
                .map(|table| {
                    lock_sources(ctx, &table, &text, key, loc);
                    lock_pins(&table, &text, key)
                })
        }
        Format::PixiManifest if data.len() > MAX_PIPFILE_LOCK => {
            ctx.limit(
                loc,
                &format!("a pixi.toml larger than {MAX_PIPFILE_LOCK} bytes"),
                "its pins",
            );
            Ok(Vec::new())
        }
        Format::PixiManifest => parse_toml(ctx, &text, loc)
            .map_err(|e: toml::de::Error| e.message().to_string())
            .map(|table| pixi_pins(&table, &text, "")),
        Format::PixiLock | Format::CondaLock => Ok(yaml_lock_pins(ctx, format, &text, loc)),
        Format::CondaMeta => conda_meta_pin(ctx, data, &text, loc),
        _ => Ok(Vec::new()),
    };
    match pins {
        Ok(pins) => {
            if pins.len() >= MAX_PINS {
                ctx.limit(loc, &format!("{MAX_PINS} pins per list"), "later pins");
            }
            if let Ok(json) = serde_json::to_string(&pins) {
                ctx.fact(loc, "package.pins", json);
            }
        }
        Err(e) => ctx.fact(loc, "package.pins_error", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_shallow_reads_deep_values_as_zero() {
        let deep = format!(
            "[build-system]\nrequires = [\"x @ http://h.example.invalid/x.tgz\"]\npad = {}1{} # [[\ns = '[[' \n[[tool.x]]\nk = {{ a = [1, [2]] }}\n",
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(deep.parse::<toml::Table>().is_err());
        let fixed = toml_shallow(&deep, 4).expect("rewritten");
        let t: toml::Table = fixed.parse().expect("parses");
        assert_eq!(
            t["build-system"]["requires"][0].as_str(),
            Some("x @ http://h.example.invalid/x.tgz")
        );
        assert_eq!(t["build-system"]["s"].as_str(), Some("[["));
        assert_eq!(t["tool"]["x"][0]["k"]["a"][1][0].as_integer(), Some(2));
        assert_eq!(toml_shallow("[a]\nb = [1]\n", 4), None);
    }

    #[test]
    fn requirements_lines() {
        let text = "# c\n-r other.txt\nFoo_Bar[x]==1.0 ; python_version>'3' \\\n    --hash=sha256:ab\nbaz>=2\nqux===3.0rc1 # pinned\nurl @ https://x/y.whl\n";
        let pins = parse_requirements(text);
        assert_eq!(
            pins.iter()
                .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
                .collect::<Vec<_>>(),
            vec![
                ("Foo_Bar", "1.0", 3),
                ("baz", ">=2", 5),
                ("qux", "3.0rc1", 6)
            ]
        );
    }

    #[test]
    fn requirements_split_and_decode_as_pip_reads_them() {
        let text = "requests==2.31.0\x0b--extra-index-url https://x.example.invalid/simple\x1eb==1\r\nc==2";
        let lines: Vec<&str> = python_lines(text).collect();
        assert_eq!(
            lines,
            vec![
                "requests==2.31.0",
                "--extra-index-url https://x.example.invalid/simple",
                "b==1",
                "c==2"
            ]
        );
        let mut utf16 = vec![0xff, 0xfe];
        for u in "a==1\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_requirements(&utf16), "a==1\n");
        assert!(plain("git+http://g.example.invalid/x.git"));
        assert!(!plain("git+https://g.example.invalid/x.git"));
    }

    #[test]
    fn requirement_files_named_by_folder_are_sniffed() {
        let list = b"# base\n-r common.txt\nDjango>=4.2,<5\nfoo[bar] @ https://x.example.invalid/f.whl\n-e .\n";
        for path in [
            "requirements/base.txt",
            "proj/reqs/prod.txt",
            "requirements.in",
            "x-1.0/requirements-dev.in",
        ] {
            assert_eq!(sniff_list(path, list), Some(Format::Requirements), "{path}");
        }
        assert_eq!(sniff_list("docs/base.txt", list), None);
        assert_eq!(
            sniff_list("requirements/README.txt", b"Install these with pip.\n"),
            None
        );
        assert_eq!(sniff_list("requirements/empty.txt", b"# nothing\n\n"), None);
    }

    #[test]
    fn prefix_pins_and_ranges_are_kept_as_specifiers() {
        let pins = parse_requirements(
            "a==1.0.*\nb==1.*,!=1.2\nc===1.0.*\nd>=1.0\ne==*\nf (==2.0)\ng\nh @ https://x.example.invalid/h-3.0-py3-none-any.whl\n",
        );
        assert_eq!(
            pins.iter()
                .map(|p| (p.name.as_str(), p.version.as_str()))
                .collect::<Vec<_>>(),
            vec![
                ("a", "1.0.*"),
                ("b", "==1.*,!=1.2"),
                ("d", ">=1.0"),
                ("f", "2.0"),
                ("g", ""),
                ("h", "3.0")
            ]
        );
    }
}
