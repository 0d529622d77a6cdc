//! Python package artifacts: `.pth` path files, PEP 829 `.start` files, startup hook modules,
//! and the wheel-level checks (RECORD integrity, binaries in pure wheels, console scripts that
//! shadow common commands).
//!
//! Sources: Python `site` module documentation (`.pth` handling: lines starting with `import`
//! followed by a space or tab are executed), PEP 829 (`.start` files), PEP 376 and PEP 427
//! (RECORD: `path,sha256=<urlsafe base64 without padding>,size`), PEP 491 (WHEEL metadata),
//! the entry points specification (`entry_points.txt`).

use std::collections::BTreeMap;

use base64::Engine;
use sha2::Digest;

use crate::analyse::Ctx;
use crate::finding::{plural, Finding, Location, Severity, Span};
use crate::formats::python::{self, Role};
use crate::formats::Format;
use crate::rules::package as r;

/// Known benign `.pth` import lines, recognised exactly (whitespace-normalised).
fn benign_shape(file: &str, line: &str) -> Option<&'static str> {
    let norm: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let setuptools = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim();";
    if norm == setuptools || norm == setuptools.trim_end_matches(';') {
        return Some("setuptools distutils-precedence");
    }
    let parts: Vec<&str> = norm
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if let [imp, call] = parts.as_slice() {
        if let Some(m) = imp.strip_prefix("import ") {
            if m.starts_with("__editable___")
                && m.ends_with("_finder")
                && *call == format!("{m}.install()")
            {
                return Some("setuptools editable finder (PEP 660)");
            }
        }
    }
    if norm == "import _virtualenv" {
        return Some("virtualenv");
    }
    if file.ends_with("-nspkg.pth")
        && norm.contains("sys._getframe(1).f_locals['sitedir']")
        && !norm.contains("exec")
        && !norm.contains("system")
    {
        return Some("setuptools namespace package");
    }
    None
}

/// Analyse a `.pth` file named `file`.
///
/// Every line is read (Python reads them all, so an import line after a million path lines still
/// runs); import lines past [`MAX_EXEC_LINES`] stop the analysis with a `resource-limit`
/// finding, since each is a finding and a parse.
pub fn analyse_pth(ctx: &mut Ctx, data: &[u8], file: &str, loc: &Location, depth: u32) {
    let text = startup_text(data);
    let mut executable = 0usize;
    for (i, line) in universal_lines(&text).enumerate() {
        let n = (i + 1) as u64;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let at = loc.with_span(Span::Line { line: n });
        if line.starts_with("import ") || line.starts_with("import\t") {
            executable += 1;
            if executable > MAX_EXEC_LINES {
                ctx.limit(
                    &at,
                    &format!("more than {MAX_EXEC_LINES} executable lines in one .pth"),
                    "this line and the rest of the file",
                );
                return;
            }
            let shape = benign_shape(file, line);
            ctx.emit(
                Finding::builder(&r::pth_executable_line::RULE, at.clone())
                    .severity(if shape.is_some() {
                        Severity::Info
                    } else {
                        Severity::Low
                    })
                    .message(match shape {
                        Some(s) => format!("executable .pth line of a known benign shape ({s})"),
                        None => "Python executes this .pth line at every interpreter start".into(),
                    })
                    .evidence(line.to_string())
                    .build(),
            );
            if shape.is_none() {
                python::analyse(ctx, line.as_bytes(), Role::Startup, true, &at, depth);
            }
            continue;
        }
        let p = line.trim();
        let risky = p.starts_with("/tmp")
            || p.starts_with("/var/tmp")
            || p.starts_with("/dev/shm")
            || p.split(['/', '\\']).any(|c| c == "..");
        if risky {
            ctx.emit(
                Finding::builder(&r::pth_untrusted_path::RULE, at)
                    .message("adds a world-writable or traversing directory to sys.path")
                    .evidence(p.to_string())
                    .build(),
            );
        }
    }
}

/// The text of a `.pth` or `.start` file as `site` reads it: from Python 3.13 decoded as
/// `utf-8-sig`, so a leading byte order mark is dropped and a BOM-prefixed `import` line runs.
/// (Older Pythons keep the BOM and skip the line; airlock takes the reading that runs code.)
fn startup_text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data))
}

/// Lines as Python's text files split them (universal newlines: `\n`, `\r\n` and a lone
/// `\r` each end a line), without their ends. `str::lines` leaves a lone `\r` inside a line,
/// so `# comment\rimport os; ...` would look like one comment while `site` runs its second
/// half.
pub fn universal_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        match t.find(['\n', '\r']) {
            Some(i) => {
                let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
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

/// Executable lines of one `.pth` (or entries of one `.start` file) analysed; more is a
/// `resource-limit` finding (medium: no real startup file has so many).
pub const MAX_EXEC_LINES: usize = 1000;

/// Analyse a PEP 829 `.start` file: every `module:function` entry is reported.
pub fn analyse_start(ctx: &mut Ctx, data: &[u8], loc: &Location) {
    let text = startup_text(data);
    let mut entries = 0usize;
    for (i, line) in universal_lines(&text).enumerate() {
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        entries += 1;
        if entries > MAX_EXEC_LINES {
            ctx.limit(
                &loc.with_span(Span::Line {
                    line: (i + 1) as u64,
                }),
                &format!("more than {MAX_EXEC_LINES} entries in one .start file"),
                "this line and the rest of the file",
            );
            return;
        }
        ctx.emit(
            Finding::builder(
                &r::startup_entry_point::RULE,
                loc.with_span(Span::Line {
                    line: (i + 1) as u64,
                }),
            )
            .message("entry point runs at every interpreter start (PEP 829)")
            .evidence(entry.to_string())
            .build(),
        );
    }
}

/// Analyse a Python source file named `file`: its role follows from its name.
pub fn analyse_python(ctx: &mut Ctx, data: &[u8], file: &str, loc: &Location, depth: u32) {
    let base = file.rsplit('/').next().unwrap_or(file);
    let role = match base {
        "setup.py" => Role::Install,
        "sitecustomize.py" | "usercustomize.py" => {
            ctx.emit(
                Finding::builder(&r::startup_hook_file::RULE, loc.clone())
                    .message(format!("{base} runs at every interpreter start"))
                    .evidence(file.to_string())
                    .build(),
            );
            Role::Startup
        }
        _ => Role::Module,
    };
    python::analyse(ctx, data, role, base == "__init__.py", loc, depth);
}

/// Command names a console script must not take.
const SHADOWED: &[&str] = &[
    "pip", "pip3", "python", "python3", "git", "ssh", "scp", "sudo", "su", "ls", "cp", "mv", "rm",
    "curl", "wget", "bash", "sh", "env", "make", "docker", "kubectl", "aws", "gcloud", "npm",
    "node",
];

/// The Windows script-launcher stubs that the packaging toolchain itself ships in pure wheels:
/// distlib's (`pip/_vendor/distlib/t32.exe` ...) and setuptools' (`cli-64.exe` ...). Sources:
/// pypa/distlib `distlib/` and pypa/setuptools `setuptools/` file listings.
const LAUNCHERS: &[&str] = &[
    "t32.exe",
    "t64.exe",
    "t64-arm.exe",
    "w32.exe",
    "w64.exe",
    "w64-arm.exe",
    "cli.exe",
    "cli-32.exe",
    "cli-64.exe",
    "cli-arm64.exe",
    "gui.exe",
    "gui-32.exe",
    "gui-64.exe",
    "gui-arm64.exe",
];

/// What the wheel check needs from the archive.
#[derive(Debug, Default)]
pub struct WheelParts {
    /// Member name → (sha256, size) of its whole content.
    pub digests: BTreeMap<String, ([u8; 32], u64)>,
    /// Members that are executables or native libraries.
    pub binaries: Vec<String>,
    /// Text of `*.dist-info/RECORD`, `WHEEL`, `entry_points.txt` (name, text).
    pub dist_info: Vec<(String, String)>,
}

/// Record a member's digest and size for the RECORD check, and whether it is a binary.
pub fn record_digest(
    parts: &mut WheelParts,
    name: &str,
    digest: [u8; 32],
    size: u64,
    format: Format,
) {
    parts.digests.insert(name.to_string(), (digest, size));
    if format == Format::Executable {
        parts.binaries.push(name.to_string());
    }
}

/// sha256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// The wheel-level checks over everything the zip reader collected.
pub fn check_wheel(ctx: &mut Ctx, parts: &WheelParts, loc: &Location) {
    let find = |suffix: &str| {
        parts
            .dist_info
            .iter()
            .find(|(n, _)| n.ends_with(suffix) && n.matches('/').count() == 1)
            .map(|(n, t)| (n.clone(), t.clone()))
    };
    match find(".dist-info/RECORD") {
        None => ctx.emit(
            Finding::builder(&r::wheel_record_missing::RULE, loc.clone())
                .message("no dist-info/RECORD: the wheel's files cannot be verified")
                .evidence(plural(parts.digests.len(), "member"))
                .build(),
        ),
        Some((name, text)) => check_record(ctx, parts, &name, &text, loc),
    }
    if let Some((_, wheel)) = find(".dist-info/WHEEL") {
        let pure = wheel.lines().any(|l| {
            l.replace(' ', "")
                .eq_ignore_ascii_case("Root-Is-Purelib:true")
        });
        if pure {
            for b in &parts.binaries {
                let base = b.rsplit('/').next().unwrap_or(b);
                let launcher = LAUNCHERS.contains(&base);
                ctx.emit(
                    Finding::builder(&r::wheel_binary_in_pure_wheel::RULE, loc.member(b.clone()))
                        .severity(if launcher {
                            Severity::Low
                        } else {
                            Severity::Medium
                        })
                        .message(if launcher {
                            "a pure-Python wheel ships a packaging tool's Windows script launcher"
                        } else {
                            "a pure-Python wheel ships an executable or native library"
                        })
                        .evidence(b.clone())
                        .build(),
                );
            }
        }
    }
    if let Some((name, text)) = find(".dist-info/entry_points.txt") {
        let mut section = String::new();
        for line in universal_lines(text.as_str()).take(100_000) {
            let l = line.trim();
            if l.starts_with('[') {
                section = l.to_string();
                continue;
            }
            if section != "[console_scripts]" && section != "[gui_scripts]" {
                continue;
            }
            if let Some((cmd, target)) = l.split_once('=') {
                let cmd = cmd.trim();
                // A distribution's own command (pip's `pip` and `pip3`) is not shadowing.
                let dist = name
                    .split('/')
                    .next()
                    .and_then(|d| d.split('-').next())
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .replace('_', "-");
                let base = cmd.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
                if SHADOWED.contains(&cmd) && base != dist {
                    ctx.emit(
                        Finding::builder(
                            &r::entry_point_shadows_command::RULE,
                            loc.member(name.clone()),
                        )
                        .message(format!("console script {cmd:?} shadows a common command"))
                        .evidence(format!("{cmd} = {}", target.trim()))
                        .build(),
                    );
                }
            }
        }
    }
}

fn check_record(ctx: &mut Ctx, parts: &WheelParts, record: &str, text: &str, loc: &Location) {
    let rloc = loc.member(record.to_string());
    let mut listed = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for line in universal_lines(text) {
        // `path,hash,size`; the path may itself contain commas (CSV quoting), so split from
        // the right.
        let mut it = line.rsplitn(3, ',');
        let (Some(size), Some(hash), Some(path)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        // Checked first: the absent-file branch below `continue`s, and a hostile RECORD may
        // list a million absent files.
        if problems.len() > 1000 {
            break;
        }
        let path = path.trim_matches('"');
        listed.insert(path.to_string());
        let Some((want, got_size)) = parts.digests.get(path) else {
            if !path.ends_with(".dist-info/RECORD") {
                problems.push(format!("{path}: listed in RECORD but absent"));
            }
            continue;
        };
        if let Some(b64) = hash.strip_prefix("sha256=") {
            let got = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(want);
            if got != b64.trim_end_matches('=') {
                problems.push(format!("{path}: sha256 {got} but RECORD says {b64}"));
                continue;
            }
        }
        if let Ok(n) = size.trim().parse::<u64>() {
            if n != *got_size {
                problems.push(format!(
                    "{path}: {} but RECORD says {n}",
                    plural(*got_size, "byte")
                ));
            }
        }
    }
    for name in parts.digests.keys() {
        if problems.len() > 1000 {
            break;
        }
        let exempt = name.ends_with(".dist-info/RECORD")
            || name.ends_with(".dist-info/RECORD.jws")
            || name.ends_with(".dist-info/RECORD.p7s")
            || name.ends_with('/');
        if !exempt && !listed.contains(name) {
            problems.push(format!("{name}: not listed in RECORD"));
        }
    }
    if !problems.is_empty() {
        ctx.emit(
            Finding::builder(&r::wheel_record_mismatch::RULE, rloc)
                .severity(Severity::Medium)
                .message(format!(
                    "{} file(s) do not match the wheel's RECORD",
                    problems.len()
                ))
                .evidence(
                    problems
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; "),
                )
                .build(),
        );
    }
}
