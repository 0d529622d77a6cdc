//! Python bytecode (tester t14's pyc cases): sourceless modules, cached `.pyc`s that were not
//! compiled from the source beside them, unchecked hash-based caches, damaged and hostile
//! streams. The `.pyc`s are assembled here byte by byte (PEP 552 header and a `marshal` stream
//! of Python 3.11/3.12 code objects); no Python runs and nothing is executed. Benign look-alikes
//! stay below medium.

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan, scan_file, FileReport, ScanOptions};

#[path = "support/pyc.rs"]
mod pycasm;
use pycasm::*;

fn write(root: &Path, name: &str, data: &[u8]) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, data).expect("write");
}

/// Scan a folder tree (the check stage judges `.pyc`s by the files beside them).
fn scan_tree(root: &Path) -> Vec<FileReport> {
    let opts = ScanOptions {
        paths: vec![root.to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    scan(&opts, &|_, _| {}).expect("scan").files
}

fn worst_in(reports: &[FileReport], rule: &str) -> Option<Severity> {
    reports
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.rule.id == rule)
        .map(|f| f.severity)
        .max()
}

fn worst_any(reports: &[FileReport]) -> Option<Severity> {
    reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| f.severity)
        .max()
}

fn all(reports: &[FileReport]) -> Vec<String> {
    reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| format!("{} {} {}", f.rule.id, f.severity, f.evidence))
        .collect()
}

#[test]
fn sourceless_module_code_reaching_a_process_is_high() {
    for magic in [MAGIC_311, MAGIC_312] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "pkg/__init__.py", b"from . import core\n");
        write(dir.path(), "pkg/core.pyc", &pyc(magic, 0, 0, evil_module()));
        let r = scan_tree(dir.path());
        assert_eq!(
            worst_in(&r, "pyc-sourceless"),
            Some(Severity::High),
            "{:?}",
            all(&r)
        );
        assert!(
            all(&r).iter().any(|e| e.contains("os.system")),
            "{:?}",
            all(&r)
        );
    }
}

#[test]
fn sourceless_package_and_startup_hook_are_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "only/__init__.pyc",
        &pyc(MAGIC_311, 0, 0, evil_module()),
    );
    write(
        dir.path(),
        "sitecustomize.pyc",
        &pyc(MAGIC_311, 0, 0, evil_module()),
    );
    let r = scan_tree(dir.path());
    let high: Vec<_> = r
        .iter()
        .filter(|f| {
            f.findings
                .iter()
                .any(|x| x.rule.id == "pyc-sourceless" && x.severity == Severity::High)
        })
        .collect();
    assert_eq!(high.len(), 2, "{:?}", all(&r));
}

#[test]
fn sourceless_module_with_benign_names_is_low() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pkg/__init__.py", b"");
    write(
        dir.path(),
        "pkg/version.pyc",
        &pyc(MAGIC_311, 0, 0, benign_module()),
    );
    let r = scan_tree(dir.path());
    assert_eq!(
        worst_in(&r, "pyc-sourceless"),
        Some(Severity::Low),
        "{:?}",
        all(&r)
    );
    assert_eq!(worst_any(&r), Some(Severity::Low), "{:?}", all(&r));
}

#[test]
fn sourceless_function_reaching_a_process_is_medium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = code(
        "run",
        &[vec![b'N'], short("echo airlock")],
        &["os", "system"],
    );
    let module = code("<module>", &[f, short("run"), vec![b'N']], &["run"]);
    write(dir.path(), "pkg/tool.pyc", &pyc(MAGIC_312, 0, 0, module));
    let r = scan_tree(dir.path());
    assert_eq!(
        worst_in(&r, "pyc-sourceless"),
        Some(Severity::Medium),
        "{:?}",
        all(&r)
    );
}

#[test]
fn sourceless_decoded_exec_and_credentials_are_high() {
    for module in [
        code(
            "<module>",
            &[short("ZWNobw=="), vec![b'N']],
            &["base64", "exec", "b64decode"],
        ),
        code(
            "<module>",
            &[short("~/.aws/credentials"), vec![b'N']],
            &["open", "read"],
        ),
        code(
            "<module>",
            &[short("https://c.example.invalid"), vec![b'N']],
            &["urllib.request", "urlopen"],
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "m.pyc", &pyc(MAGIC_311, 0, 0, module));
        let r = scan_tree(dir.path());
        assert_eq!(
            worst_in(&r, "pyc-sourceless"),
            Some(Severity::High),
            "{:?}",
            all(&r)
        );
    }
}

#[test]
fn poisoned_cache_beside_its_source_is_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pkg/__init__.py", BENIGN_SRC.as_bytes());
    let size = BENIGN_SRC.len() as u32;
    write(
        dir.path(),
        "pkg/__pycache__/__init__.cpython-311.pyc",
        &pyc(MAGIC_311, 0, size, evil_module()),
    );
    let r = scan_tree(dir.path());
    assert_eq!(
        worst_in(&r, "pyc-source-mismatch"),
        Some(Severity::High),
        "{:?}",
        all(&r)
    );
    assert_eq!(worst_in(&r, "pyc-sourceless"), None);
}

#[test]
fn matching_and_stale_caches_are_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = "import os\n\nclass C:\n    \"\"\"Run things.\"\"\"\n    def __go(self):\n        return os.getcwd()\n";
    write(dir.path(), "pkg/__init__.py", src.as_bytes());
    let method = code("__go", &[vec![b'N']], &["os", "getcwd"]);
    let class = code(
        "C",
        &[short("C"), short("Run things."), method, vec![b'N']],
        &[
            "__name__",
            "__module__",
            "__qualname__",
            "__doc__",
            "_C__go",
        ],
    );
    let module = code(
        "<module>",
        &[vec![b'i', 0, 0, 0, 0], vec![b'N'], class, short("C")],
        &["os", "C"],
    );
    write(
        dir.path(),
        "pkg/__pycache__/__init__.cpython-311.pyc",
        &pyc(MAGIC_311, 0, src.len() as u32, module),
    );
    // A poisoned cache whose recorded size is not the source's: CPython compiles the source
    // again, so it runs nothing.
    write(dir.path(), "old/__init__.py", BENIGN_SRC.as_bytes());
    write(
        dir.path(),
        "old/__pycache__/__init__.cpython-311.pyc",
        &pyc(MAGIC_311, 0, 999, evil_module()),
    );
    // A cache without its source is never imported.
    write(
        dir.path(),
        "gone/__pycache__/mod.cpython-311.pyc",
        &pyc(MAGIC_311, 0, 0, evil_module()),
    );
    let r = scan_tree(dir.path());
    assert_eq!(worst_any(&r), None, "{:?}", all(&r));
}

/// Write `src` as `pkg/<name>.py` and `module` as its 3.x cache (timestamp, the source's size).
fn cache(root: &Path, name: &str, magic: u16, src: &str, module: Vec<u8>) {
    write(root, &format!("pkg/{name}.py"), src.as_bytes());
    let tag = match magic {
        MAGIC_38 => "cpython-38",
        MAGIC_312 => "cpython-312",
        _ => "cpython-311",
    };
    write(
        root,
        &format!("pkg/__pycache__/{name}.{tag}.pyc"),
        &pyc(magic, 0, src.len() as u32, module),
    );
}

/// Tester t28 B1: caches CPython itself writes. The code objects are what CPython 3.11 (3.8
/// for `assert`) compiles from each source (checked with `compile()` and `co_names`,
/// `co_varnames`, `co_consts` when the fixtures were written).
#[test]
fn regression_t28_b1_compiler_additions_and_escapes_are_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // An f-string of more than 30 pieces: `''.join([...])`, so `join` is in `co_names`.
    let parts = vec!["{a}"; 20].join(" ");
    let src = format!("def show(a):\n    return f'{parts} x {parts}'\n");
    let show = code_with_locals(
        "show",
        &[vec![b'N'], short(""), short(" "), short(" x ")],
        &["join"],
        &["a"],
    );
    cache(
        root,
        "longfmt",
        MAGIC_311,
        &src,
        code("<module>", &[show, vec![b'N']], &["show"]),
    );
    // Escapes that decode to words, a folded repetition, concatenations.
    let src = concat!(
        "MAGIC = {\"elf\": b\"\\x7f\\x45\\x4c\\x46\"}\n",
        "GREETING = \"\\u0048\\u0065\\u006c\\u006c\\u006f\"\n",
        "RULE = \"=-\" * 20\n",
        "BANNER = (\"spam\" \"eggs\", 'to' 'o long' * 3)\n",
    );
    let module = code(
        "<module>",
        &[
            short("elf"),
            bytes(b"\x7fELF"),
            short("Hello"),
            short(&"=-".repeat(20)),
            short("spameggs"),
            short("too longtoo longtoo long"),
            vec![b'N'],
        ],
        &["MAGIC", "GREETING", "RULE", "BANNER"],
    );
    cache(root, "magic", MAGIC_311, src, module);
    // 3.8 loads `AssertionError` by name for `assert`, and writes a folded `...` as
    // `Ellipsis` in a postponed annotation.
    let src = "from __future__ import annotations\nx: Literal[..., 0] = 1\nassert x, 'bad'\n";
    let module = code38(
        "<module>",
        &[
            short("annotations"),
            short("Literal[(Ellipsis, 0)]"),
            short("bad"),
            vec![b'N'],
        ],
        &[
            "__future__",
            "annotations",
            "__annotations__",
            "x",
            "AssertionError",
        ],
    );
    cache(root, "legacy", MAGIC_38, src, module);
    let r = scan_tree(root);
    assert_eq!(worst_any(&r), None, "{:?}", all(&r));
}

/// The compiler's additions are allowed only for the construct that makes them: `join` without
/// an f-string, `AssertionError` in a 3.11 cache, a word only an escape-free comment holds.
#[test]
fn compiler_additions_need_their_construct() {
    for (magic, src, module, missing) in [
        (
            MAGIC_311,
            "def show(a):\n    return a\n",
            code("<module>", &[vec![b'N']], &["show", "join"]),
            "names join",
        ),
        (
            MAGIC_311,
            "assert x\n",
            code("<module>", &[vec![b'N']], &["x", "AssertionError"]),
            "names AssertionError",
        ),
        (
            MAGIC_311,
            "# ELF\nMAGIC = b'\\x7f'\n",
            code("<module>", &[bytes(b"\x7fELF"), vec![b'N']], &["MAGIC"]),
            "strings ELF",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        cache(dir.path(), "m", magic, src, module);
        let r = scan_tree(dir.path());
        assert_eq!(
            worst_in(&r, "pyc-source-mismatch"),
            Some(Severity::Medium),
            "{:?}",
            all(&r)
        );
        assert!(all(&r).iter().any(|e| e.contains(missing)), "{:?}", all(&r));
    }
}

/// Tester t28 A4: a swapped cache whose names and words the source spells only in its
/// docstring or comments. Names must be identifiers of the code, and a one-word string
/// constant (`'os'`, `'system'`) a whole literal or an identifier.
#[test]
fn regression_t28_a4_names_only_in_docstring_or_comments_are_high() {
    let doc = "\"\"\"Helpers. Note: this module does not import os or call system; run echo airlock yourself.\"\"\"\nVERSION = \"1.0\"\n";
    let comment = "# import os; os.system('echo airlock')\nVERSION = \"1.0\"\n";
    // `getattr(__import__('os'), 'system')('echo airlock')` beside a source that calls
    // `getattr` itself and names `os` and `system` in its docstring.
    let lookup = "\"\"\"Look a name up: getattr(obj, name). Never os or system; echo airlock.\"\"\"\n\ndef lookup(obj, name):\n    return getattr(obj, name, None)\n";
    let by_strings = code(
        "<module>",
        &[
            short("os"),
            short("system"),
            short("echo airlock"),
            vec![b'N'],
        ],
        &["getattr", "__import__"],
    );
    // A function whose local the source never names.
    let local = "def run(cmd):\n    \"\"\"Run cmd with os.system.\"\"\"\n    return cmd\n";
    let run = code_with_locals("run", &[vec![b'N']], &["os", "system"], &["cmd", "payload"]);
    // A source that calls `os.system(cmd)` itself, and a cache whose command is spelled only
    // in the docstring: the command is a string constant no literal holds whole.
    let runner = "\"\"\"Runs cmd. Never runs echo airlock.\"\"\"\nimport os\n\ndef run(cmd):\n    return os.system(cmd)\n";
    let hardcoded = code(
        "<module>",
        &[short("echo airlock"), vec![b'N']],
        &["os", "system"],
    );
    for (src, module, missing) in [
        (runner, hardcoded, "text \"echo airlock\""),
        (doc, evil_module(), "names os, system"),
        (comment, evil_module(), "names os, system"),
        (lookup, by_strings, "strings os, system"),
        (
            local,
            code("<module>", &[run, vec![b'N']], &["run"]),
            "names os, payload, system",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        cache(dir.path(), "__init__", MAGIC_311, src, module);
        let r = scan_tree(dir.path());
        assert_eq!(
            worst_in(&r, "pyc-source-mismatch"),
            Some(Severity::High),
            "{src}: {:?}",
            all(&r)
        );
        assert!(
            all(&r)
                .iter()
                .any(|e| e.contains(missing) && e.contains("reaches os.system")),
            "{src}: {:?}",
            all(&r)
        );
    }
}

#[test]
fn unchecked_hash_cache_is_medium_and_mismatch_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a/__init__.py", BENIGN_SRC.as_bytes());
    write(
        dir.path(),
        "a/__pycache__/__init__.cpython-311.pyc",
        &pyc(MAGIC_311, 1, 0, benign_module()),
    );
    let r = scan_tree(dir.path());
    assert_eq!(
        worst_in(&r, "pyc-unchecked-hash"),
        Some(Severity::Medium),
        "{:?}",
        all(&r)
    );
    assert_eq!(worst_in(&r, "pyc-source-mismatch"), None, "{:?}", all(&r));

    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a/__init__.py", BENIGN_SRC.as_bytes());
    write(
        dir.path(),
        "a/__pycache__/__init__.cpython-311.pyc",
        &pyc(MAGIC_311, 1, 0, evil_module()),
    );
    let r = scan_tree(dir.path());
    assert_eq!(
        worst_in(&r, "pyc-source-mismatch"),
        Some(Severity::High),
        "{:?}",
        all(&r)
    );
    // A checked hash: CPython compares it and compiles the source instead.
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a/__init__.py", BENIGN_SRC.as_bytes());
    write(
        dir.path(),
        "a/__pycache__/__init__.cpython-311.pyc",
        &pyc(MAGIC_311, 3, 0, evil_module()),
    );
    let r = scan_tree(dir.path());
    assert_eq!(worst_any(&r), Some(Severity::Low), "{:?}", all(&r));
}

/// A minimal stored zip.
fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let mut c = flate2::Crc::new();
        c.update(data);
        let crc = c.sum();
        let off = body.len() as u32;
        let mut h = b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&h);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(data);
        let mut c = b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&[0; 12]);
        c.extend_from_slice(&off.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        central.extend_from_slice(&c);
    }
    let cd_off = body.len() as u32;
    body.extend_from_slice(&central);
    body.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
    body.extend_from_slice(&(files.len() as u16).to_le_bytes());
    body.extend_from_slice(&(files.len() as u16).to_le_bytes());
    body.extend_from_slice(&(central.len() as u32).to_le_bytes());
    body.extend_from_slice(&cd_off.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body
}

fn scan_wheel(files: &[(&str, &[u8])]) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("demo-1.0-py3-none-any.whl");
    std::fs::write(&p, zip(files)).expect("write");
    scan_file(&p, BudgetLimits::default())
}

#[test]
fn wheel_members_are_judged_by_their_siblings() {
    let size = BENIGN_SRC.len() as u32;
    let poisoned = pyc(MAGIC_311, 0, size, evil_module());
    let r = scan_wheel(&[
        ("demo/__init__.py", BENIGN_SRC.as_bytes()),
        ("demo/__pycache__/__init__.cpython-311.pyc", &poisoned),
    ]);
    assert_eq!(
        worst_in(std::slice::from_ref(&r), "pyc-source-mismatch"),
        Some(Severity::High)
    );
    let sourceless = pyc(MAGIC_311, 0, 0, evil_module());
    let r = scan_wheel(&[
        ("demo/__init__.py", b"from . import core\n"),
        ("demo/core.pyc", &sourceless),
    ]);
    assert_eq!(
        worst_in(std::slice::from_ref(&r), "pyc-sourceless"),
        Some(Severity::High)
    );
    // The benign look-alike: a cache compiled from its source.
    let good = pyc(MAGIC_311, 0, size, benign_module());
    let r = scan_wheel(&[
        ("demo/__init__.py", BENIGN_SRC.as_bytes()),
        ("demo/__pycache__/__init__.cpython-311.pyc", &good),
    ]);
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::Medium),
        "{:?}",
        r.findings
    );
}

#[test]
fn damaged_streams_are_malformed_never_a_panic() {
    let whole = pyc(MAGIC_311, 0, 0, evil_module());
    let dir = tempfile::tempdir().expect("tempdir");
    for cut in 16..whole.len() {
        let p = dir.path().join(format!("m{cut}.pyc"));
        std::fs::write(&p, &whole[..cut]).expect("write");
        let r = scan_file(&p, BudgetLimits::default());
        assert_eq!(r.format.name(), "pyc");
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "pyc-malformed" && f.severity == Severity::Low),
            "cut at {cut}: {:?}",
            r.findings
        );
    }
    let mut garbage = header(MAGIC_311, 0, 0);
    garbage.extend_from_slice(b"c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff");
    let p = dir.path().join("g.pyc");
    std::fs::write(&p, &garbage).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.findings.iter().any(|f| f.rule.id == "pyc-malformed"),
        "{:?}",
        r.findings
    );
    // A header and no code object.
    let mut other = header(MAGIC_311, 0, 0);
    other.extend_from_slice(b"N");
    std::fs::write(&p, &other).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.findings.iter().any(|f| f.rule.id == "pyc-malformed"),
        "{:?}",
        r.findings
    );
}

#[test]
fn deep_nesting_is_bounded() {
    // Tuples nested far deeper than CPython's marshal accepts, and code objects nested in
    // each other's constants: both stop with a finding, on a test thread's stack.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut body = b"c".to_vec();
    body.extend_from_slice(&[0; 20]);
    body.extend(bytes(b""));
    for _ in 0..100_000 {
        body.extend_from_slice(b")\x01");
    }
    body.push(b'N');
    let p = dir.path().join("deep.pyc");
    std::fs::write(&p, pyc(MAGIC_311, 0, 0, body)).expect("write");
    let start = std::time::Instant::now();
    let r = scan_file(&p, BudgetLimits::default());
    assert!(start.elapsed().as_secs() < 10);
    assert!(
        r.findings.iter().any(|f| f.rule.id == "pyc-malformed"),
        "{:?}",
        r.findings
    );

    let mut module = code("f", &[vec![b'N']], &["os", "system"]);
    for _ in 0..1500 {
        module = code("f", &[module], &["x"]);
    }
    std::fs::write(&p, pyc(MAGIC_311, 0, 0, module)).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.findings.iter().all(|f| f.severity <= Severity::Low),
        "{:?}",
        r.findings
    );
}

#[test]
fn references_and_sniffing() {
    // A name interned once and referenced again (FLAG_REF, TYPE_REF), as CPython writes them.
    let mut module = vec![b'c' | 0x80];
    module.extend_from_slice(&[0; 20]);
    module.extend(bytes(b""));
    // consts: ('echo airlock' as ref 1, None)
    module.extend_from_slice(b")\x02");
    module.extend_from_slice(&[b'z' | 0x80, 12]);
    module.extend_from_slice(b"echo airlock");
    module.push(b'N');
    // names: ('os' ref 2, 'system' ref 3)
    module.extend_from_slice(b")\x02");
    module.extend_from_slice(&[b'Z' | 0x80, 2]);
    module.extend_from_slice(b"os");
    module.extend_from_slice(&[b'Z' | 0x80, 6]);
    module.extend_from_slice(b"system");
    module.extend_from_slice(b")\x00"); // localsplusnames
    module.extend(bytes(b""));
    // filename: a reference to 'echo airlock'; name and qualname: references to 'os'.
    module.extend_from_slice(b"r\x01\x00\x00\x00r\x02\x00\x00\x00r\x02\x00\x00\x00");
    module.extend_from_slice(&1i32.to_le_bytes());
    module.extend(bytes(b""));
    module.extend(bytes(b""));
    let dir = tempfile::tempdir().expect("tempdir");
    // Named anything: the content decides.
    write(dir.path(), "tool.pyc", &pyc(MAGIC_311, 0, 0, module));
    let r = scan_tree(dir.path());
    assert_eq!(r[0].format.name(), "pyc");
    assert_eq!(
        worst_in(&r, "pyc-sourceless"),
        Some(Severity::High),
        "{:?}",
        all(&r)
    );
    assert_eq!(worst_in(&r, "pyc-malformed"), None, "{:?}", all(&r));
}
