//! Which Python releases an artifact is or pins: core metadata (`METADATA`, `PKG-INFO`) and
//! pinned dependency lists. The analysers only record facts; the advisories check
//! (`check::advisories`) matches them against OSV records.
//!
//! Facts: `package.name` and `package.version` for core metadata (the core metadata
//! specification, PEP 566/643: `Name:` and `Version:` headers); `package.pins`, a JSON array of
//! `{"name", "version", "line"}`, for lists:
//! - `requirements*.txt` and `pip freeze` output (pip's requirements file format): `name==version`
//!   or `name===version`, with extras, environment markers (`; ...`), options (`--hash ...`),
//!   comments and line continuations ignored; ranges and URLs pin nothing.
//! - `pylock.toml` / `pylock.*.toml` (PEP 751): `[[packages]]` `name` and `version`.
//! - `uv.lock` and `poetry.lock`: `[[package]]` `name` and `version`.

use crate::analyse::Ctx;
use crate::finding::Location;
use crate::formats::Format;

/// Pins kept per list; a longer list is cut (and a `resource-limit` finding says so).
pub const MAX_PINS: usize = 100_000;

/// The list format a file name says, for text files (decided by name: these formats have no
/// magic). `base` is the file name without folders.
pub fn list_format(base: &str) -> Option<Format> {
    let lower = base.to_ascii_lowercase();
    if lower == "uv.lock" {
        Some(Format::UvLock)
    } else if lower == "poetry.lock" {
        Some(Format::PoetryLock)
    } else if lower == "pylock.toml" || (lower.starts_with("pylock.") && lower.ends_with(".toml")) {
        Some(Format::Pylock)
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

/// True for a core metadata file name (`METADATA` of a wheel or installed `.dist-info`,
/// `PKG-INFO` of an sdist or `.egg-info`).
pub fn is_metadata_name(base: &str) -> bool {
    base == "METADATA" || base == "PKG-INFO"
}

/// Record `package.name` / `package.version` from core metadata headers (read up to the first
/// blank line, which starts the description).
pub fn analyse_metadata(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    let head = &data[..data.len().min(64 << 10)];
    let text = String::from_utf8_lossy(head);
    let (mut name, mut version) = (None, None);
    for line in crate::formats::pypkg::universal_lines(&text).take(2000) {
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "name" if name.is_none() => name = Some(v.trim().to_string()),
                "version" if version.is_none() => version = Some(v.trim().to_string()),
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
fn logical_lines(text: &str, mut each: impl FnMut(u64, &str) -> bool) {
    let mut logical = String::new();
    let mut first = 0u64;
    for (i, raw) in crate::formats::pypkg::universal_lines(text).enumerate() {
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
    let (name_part, version) = if let Some((n, v)) = l.split_once("===") {
        (n, v)
    } else {
        l.split_once("==")?
    };
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

/// Pins of a TOML lock file: entries of the array of tables `key` (`packages` for PEP 751,
/// `package` for uv and Poetry) with a `name` and a `version`. Lines are found by the order of
/// `name = "..."` lines under `[[key]]` headers.
pub fn parse_toml_lock(text: &str, key: &str) -> Result<Vec<Pin>, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
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
            let version = p.get("version").and_then(|v| v.as_str());
            if let (Some(n), Some(v)) = (name, version) {
                pins.push(Pin {
                    name: n.to_string(),
                    version: v.to_string(),
                    line: lines.get(i).copied().unwrap_or(0),
                });
            }
        }
    }
    Ok(pins)
}

/// Report the index options and URL requirements of a requirements file
/// (`requirements-extra-index`, pip's requirements file format): `--extra-index-url` (a second
/// index pip searches beside PyPI, taking the highest version of a name from either: dependency
/// confusion) is medium, low when every requirement carries a `--hash` (pip's hash-checking
/// mode refuses what the file did not pin); an index or link over plain `http://`, and
/// `--trusted-host` (no certificate check), are medium; `--index-url`, `--find-links` and a
/// requirement fetched from a URL (`name @ https://…`, a bare `https://…/x.whl`) without a
/// `--hash` are low. One finding per option line, at most 16.
fn index_options(ctx: &mut Ctx, text: &str, loc: &Location) {
    use crate::finding::{Finding, Severity, Span};
    let mut logical: Vec<(u64, String)> = Vec::new();
    logical_lines(text, |line, l| {
        logical.push((line, l.to_string()));
        logical.len() < MAX_PINS
    });
    let requirement = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('-')
    };
    let all_hashed = logical.iter().any(|(_, l)| requirement(l))
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
        let plain = |u: &str| u.starts_with("http://");
        let (severity, what, value) = if let Some(u) = option("--extra-index-url", None) {
            let sev = if plain(&u) || !all_hashed {
                Severity::Medium
            } else {
                Severity::Low
            };
            (sev, "adds a package index beside PyPI (dependency confusion: pip takes the highest version of a name from either)", u)
        } else if let Some(h) = option("--trusted-host", None) {
            (
                Severity::Medium,
                "turns off certificate checks for a host",
                h,
            )
        } else if let Some(u) =
            option("--index-url", Some("-i")).or_else(|| option("--find-links", Some("-f")))
        {
            let sev = if plain(&u) {
                Severity::Medium
            } else {
                Severity::Low
            };
            (sev, "installs from another index or link page", u)
        } else if requirement(l) && !l.contains("--hash") {
            let url = words
                .iter()
                .position(|w| *w == "@")
                .and_then(|j| words.get(j + 1))
                .or_else(|| words.first().filter(|w| w.contains("://")));
            match url {
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
        let mut at = loc.clone();
        at.span = Some(Span::Line { line: *line });
        ctx.emit(
            Finding::builder(&crate::rules::package::requirements_extra_index::RULE, at)
                .severity(severity)
                .message(format!(
                    "{what}: {}",
                    crate::finding::truncate_chars(&value, 120)
                ))
                .evidence(crate::finding::truncate_chars(l, 200))
                .build(),
        );
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
    let text = String::from_utf8_lossy(data);
    if format == Format::Requirements {
        index_options(ctx, &text, loc);
    }
    let pins = match format {
        Format::Requirements => Ok(parse_requirements(&text)),
        Format::Pylock => parse_toml_lock(&text, "packages"),
        Format::UvLock | Format::PoetryLock => parse_toml_lock(&text, "package"),
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
    fn requirements_lines() {
        let text = "# c\n-r other.txt\nFoo_Bar[x]==1.0 ; python_version>'3' \\\n    --hash=sha256:ab\nbaz>=2\nqux===3.0rc1 # pinned\nurl @ https://x/y.whl\n";
        let pins = parse_requirements(text);
        assert_eq!(
            pins.iter()
                .map(|p| (p.name.as_str(), p.version.as_str(), p.line))
                .collect::<Vec<_>>(),
            vec![("Foo_Bar", "1.0", 3), ("qux", "3.0rc1", 6)]
        );
    }

    #[test]
    fn prefix_pins_are_kept_and_ranges_are_not() {
        let pins = parse_requirements("a==1.0.*\nb==1.*,!=1.2\nc===1.0.*\nd>=1.0\ne==*\n");
        assert_eq!(
            pins.iter()
                .map(|p| (p.name.as_str(), p.version.as_str()))
                .collect::<Vec<_>>(),
            vec![("a", "1.0.*")]
        );
    }
}
