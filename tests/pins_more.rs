//! One requirement reader wherever a dependency list or a name/version pair appears (tester
//! report: lists that pinned a known-malicious release gave no finding). Each fixture is built
//! in a temporary folder with a small OSV database written here (`MAL-` records for
//! `litellm` 1.82.8 and `elementary-data` 0.23.3); nothing is fetched, nothing is run.

use std::path::Path;

use airlock::osv::Db;
use airlock::scan::ScanReport;
use airlock::Severity;

#[path = "support/osvscan.rs"]
mod osvscan;
use osvscan::scan_with;

const MAL_LITELLM: &str = r#"{
  "id": "MAL-2026-0101",
  "summary": "Malicious code in litellm (PyPI)",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "litellm"}, "versions": ["1.82.8"]}]
}"#;

const MAL_ELEMENTARY: &str = r#"{
  "id": "MAL-2025-0001",
  "summary": "Malicious code in elementary-data (PyPI)",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "elementary-data"}, "versions": ["0.23.3"]}]
}"#;

fn db(root: &Path) -> Db {
    let d = root.join("osv");
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join("MAL-2026-0101.json"), MAL_LITELLM).expect("write");
    std::fs::write(d.join("MAL-2025-0001.json"), MAL_ELEMENTARY).expect("write");
    Db::load(&d).expect("load")
}

/// An advisory finding: (severity, package, version, file name, line).
type Hit = (Severity, String, String, String, Option<u64>);

/// A fixture: its tag, its files (relative path, content) and the findings it must give.
type Case = (&'static str, Vec<(&'static str, &'static str)>, Vec<Hit>);

fn hits(report: &ScanReport) -> Vec<Hit> {
    let mut out: Vec<Hit> = report
        .findings()
        .filter(|f| f.rule.id.starts_with("known-"))
        .map(|f| {
            let p = f
                .package
                .clone()
                .expect("advisory findings carry the release");
            let line = match f.location.span {
                Some(airlock::finding::Span::Line { line }) => Some(line),
                _ => None,
            };
            let name = f.location.artifact_name();
            let base = name.rsplit(['/', '!']).next().unwrap_or(&name).to_string();
            (f.severity, p.name, p.version, base, line)
        })
        .collect();
    out.sort();
    out
}

/// Write `files` (relative path, content) under a fresh folder of `root` and scan it.
fn scan_files(root: &Path, tag: &str, files: &[(&str, &str)], db: &Db) -> Vec<Hit> {
    let dir = root.join(tag);
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    hits(&scan_with(&dir, db))
}

fn critical(name: &str, version: &str, file: &str, line: u64) -> Hit {
    (
        Severity::Critical,
        name.to_string(),
        version.to_string(),
        file.to_string(),
        Some(line),
    )
}

/// Each list of the tester's table, pinning a `MAL-` release: critical, at its file and line.
#[test]
fn every_list_pins_a_known_malicious_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path());
    let cases: Vec<Case> = vec![
        (
            "pipfile",
            vec![(
                "Pipfile",
                "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nrequests = \"*\"\nlitellm = \"==1.82.8\"\n\n[dev-packages]\nelementary-data = {version = \"==0.23.3\"}\n",
            )],
            vec![
                critical("elementary-data", "0.23.3", "Pipfile", 11),
                critical("litellm", "1.82.8", "Pipfile", 8),
            ],
        ),
        (
            "pep735",
            vec![(
                "pyproject.toml",
                "[project]\nname = \"app\"\nversion = \"1.0\"\n\n[dependency-groups]\ntest = [\"pytest>=8\"]\ndev = [\n  \"ruff\",\n  \"litellm==1.82.8\",\n  {include-group = \"test\"},\n]\n",
            )],
            vec![critical("litellm", "1.82.8", "pyproject.toml", 9)],
        ),
        (
            "build-system",
            vec![(
                "pyproject.toml",
                "[build-system]\nrequires = [\"setuptools>=61\", \"litellm==1.82.8\"]\nbuild-backend = \"setuptools.build_meta\"\n",
            )],
            vec![critical("litellm", "1.82.8", "pyproject.toml", 2)],
        ),
        (
            "pep621",
            vec![(
                "pyproject.toml",
                "[project]\nname = \"app\"\nversion = \"1.0\"\ndependencies = [\n  \"requests>=2\",\n  \"litellm==1.82.8\",\n]\n\n[project.optional-dependencies]\nobs = [\"elementary-data===0.23.3\"]\n",
            )],
            vec![
                critical("elementary-data", "0.23.3", "pyproject.toml", 10),
                critical("litellm", "1.82.8", "pyproject.toml", 6),
            ],
        ),
        (
            "poetry",
            vec![(
                "pyproject.toml",
                "[tool.poetry]\nname = \"app\"\nversion = \"1.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.10\"\nlitellm = \"1.82.8\"\nrequests = \"^2.31\"\n\n[tool.poetry.group.dev.dependencies]\nelementary-data = {version = \"==0.23.3\", optional = true}\n",
            )],
            vec![
                critical("elementary-data", "0.23.3", "pyproject.toml", 11),
                critical("litellm", "1.82.8", "pyproject.toml", 7),
            ],
        ),
        (
            "poetry-legacy-dev",
            vec![(
                "pyproject.toml",
                "[tool.poetry]\nname = \"app\"\n\n[tool.poetry.dev-dependencies]\n\"litellm\" = \"==1.82.8\"\n",
            )],
            vec![critical("litellm", "1.82.8", "pyproject.toml", 5)],
        ),
        (
            "uv-dev",
            vec![(
                "pyproject.toml",
                "[project]\nname = \"app\"\nversion = \"1.0\"\n\n[tool.uv]\ndev-dependencies = [\"litellm==1.82.8\"]\n",
            )],
            vec![critical("litellm", "1.82.8", "pyproject.toml", 6)],
        ),
        (
            "pdm-dev",
            vec![(
                "pyproject.toml",
                "[project]\nname = \"app\"\nversion = \"1.0\"\n\n[tool.pdm.dev-dependencies]\nlint = [\"ruff\"]\ntest = [\"pytest\", \"litellm==1.82.8\"]\n",
            )],
            vec![critical("litellm", "1.82.8", "pyproject.toml", 7)],
        ),
        (
            "setup-py",
            vec![(
                "setup.py",
                "from setuptools import setup\n\nsetup(\n    name=\"app\",\n    version=\"1.0\",\n    install_requires=[\n        \"requests>=2\",\n        \"litellm==1.82.8\",\n    ],\n    extras_require={\"obs\": [\"elementary-data==0.23.3\"]},\n)\n",
            )],
            vec![
                critical("elementary-data", "0.23.3", "setup.py", 10),
                critical("litellm", "1.82.8", "setup.py", 8),
            ],
        ),
        (
            "setup-py-names",
            vec![(
                "setup.py",
                "import setuptools\n\nBUILD = [\"wheel\", \"litellm==1.82.8\"]\n\nsetuptools.setup(name=\"app\", setup_requires=BUILD)\n",
            )],
            vec![critical("litellm", "1.82.8", "setup.py", 5)],
        ),
        (
            "rye",
            vec![
                (
                    "requirements.lock",
                    "# generated by rye\n# use `rye lock` or `rye sync` to update this lockfile\n-e file:.\nlitellm==1.82.8\n    # via app\n",
                ),
                (
                    "requirements-dev.lock",
                    "# generated by rye\n-e file:.\nelementary-data==0.23.3\n",
                ),
            ],
            vec![
                critical("elementary-data", "0.23.3", "requirements-dev.lock", 3),
                critical("litellm", "1.82.8", "requirements.lock", 4),
            ],
        ),
        (
            "pip-tools",
            vec![
                ("requirements/base.in", "django>=4.2\nlitellm==1.82.8\n"),
                ("requirements/prod.txt", "-r base.txt\nelementary-data==0.23.3\n"),
                ("dev.in", "-c requirements/prod.txt\nlitellm==1.82.8\n"),
            ],
            vec![
                critical("elementary-data", "0.23.3", "prod.txt", 2),
                critical("litellm", "1.82.8", "base.in", 2),
                critical("litellm", "1.82.8", "dev.in", 2),
            ],
        ),
        (
            "pixi-toml",
            vec![(
                "pixi.toml",
                "[project]\nname = \"app\"\nchannels = [\"conda-forge\"]\nplatforms = [\"linux-64\"]\n\n[dependencies]\npython = \"3.12.*\"\nlitellm = \"1.82.8\"\n\n[pypi-dependencies]\nlitellm = \"==1.82.8\"\n\n[feature.obs.pypi-dependencies]\nelementary-data = { version = \"==0.23.3\" }\n",
            )],
            vec![
                critical("elementary-data", "0.23.3", "pixi.toml", 14),
                critical("litellm", "1.82.8", "pixi.toml", 11),
            ],
        ),
        (
            "pixi-lock",
            vec![(
                "pixi.lock",
                "version: 6\nenvironments:\n  default:\n    channels:\n    - url: https://conda.anaconda.org/conda-forge/\n    packages:\n      linux-64:\n      - conda: https://conda.anaconda.org/conda-forge/linux-64/python-3.12.0-h1_0_cpython.conda\n      - pypi: https://files.example.invalid/litellm-1.82.8-py3-none-any.whl\npackages:\n- conda: https://conda.anaconda.org/conda-forge/linux-64/python-3.12.0-h1_0_cpython.conda\n  sha256: 00\n  depends:\n  - libgcc\n- pypi: https://files.example.invalid/litellm-1.82.8-py3-none-any.whl\n  name: litellm\n  version: 1.82.8\n  sha256: 11\n  requires_dist:\n  - httpx>=0.23\n- pypi: https://files.example.invalid/elementary_data-0.23.3-py3-none-any.whl\n  sha256: 22\n",
            )],
            vec![
                critical("elementary_data", "0.23.3", "pixi.lock", 21),
                critical("litellm", "1.82.8", "pixi.lock", 16),
            ],
        ),
        (
            "pixi-lock-v4",
            vec![(
                "pixi.lock",
                "version: 4\npackages:\n- kind: conda\n  name: python\n  version: 3.12.0\n- kind: pypi\n  name: litellm\n  version: 1.82.8\n  url: https://files.example.invalid/litellm-1.82.8-py3-none-any.whl\n",
            )],
            vec![critical("litellm", "1.82.8", "pixi.lock", 7)],
        ),
        (
            "conda-lock",
            vec![(
                "conda-lock.yml",
                "version: 1\nmetadata:\n  platforms:\n  - linux-64\n  - osx-arm64\npackage:\n- name: python\n  version: 3.12.0\n  manager: conda\n  platform: linux-64\n- name: litellm\n  version: 1.82.8\n  manager: conda\n  platform: linux-64\n- name: litellm\n  version: 1.82.8\n  manager: pip\n  platform: linux-64\n  dependencies: {}\n  url: https://files.example.invalid/litellm-1.82.8-py3-none-any.whl\n  hash:\n    sha256: 00\n- name: litellm\n  version: 1.82.8\n  manager: pip\n  platform: osx-arm64\n",
            )],
            vec![critical("litellm", "1.82.8", "conda-lock.yml", 15)],
        ),
        (
            "pep723",
            vec![(
                "tool.py",
                "#!/usr/bin/env -S uv run --script\n# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\n#   \"requests<3\",\n#   \"litellm==1.82.8\",\n# ]\n# ///\nimport sys\nprint(sys.argv)\n",
            )],
            vec![critical("litellm", "1.82.8", "tool.py", 6)],
        ),
        (
            "conda-meta",
            vec![(
                "env/conda-meta/litellm-1.82.8-pyhd8ed1ab_0.json",
                "{\n  \"build\": \"pyhd8ed1ab_0\",\n  \"channel\": \"https://conda.anaconda.org/conda-forge/noarch\",\n  \"files\": [\"lib/python3.12/site-packages/litellm/__init__.py\"],\n  \"name\": \"litellm\",\n  \"version\": \"1.82.8\"\n}\n",
            )],
            vec![critical("litellm", "1.82.8", "litellm-1.82.8-pyhd8ed1ab_0.json", 5)],
        ),
        (
            "requires-dist",
            vec![(
                "venv/lib/python3.12/site-packages/app-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: app\nVersion: 1.0\nRequires-Dist: requests>=2\nRequires-Dist: litellm==1.82.8\nRequires-Dist: elementary-data==0.23.3; extra == \"obs\"\n\nlong description\n",
            )],
            vec![
                critical("elementary-data", "0.23.3", "METADATA", 6),
                critical("litellm", "1.82.8", "METADATA", 5),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (tag, files, want) in &cases {
        let got = scan_files(dir.path(), tag, files, &db);
        if got != *want {
            wrong.push(format!("{tag}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A wheel's and an sdist's core metadata: `Requires-Dist: litellm==1.82.8` is installed
/// with the package.
#[test]
fn a_wheel_that_requires_a_malicious_release_exactly() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path());
    let meta = "Metadata-Version: 2.1\nName: app\nVersion: 1.0\nRequires-Dist: litellm==1.82.8\n\n";
    let whl = dir.path().join("app-1.0-py3-none-any.whl");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&whl).expect("create"));
    let opts = zip::write::SimpleFileOptions::default();
    for (n, t) in [
        ("app/__init__.py", "X = 1\n"),
        ("app-1.0.dist-info/METADATA", meta),
        (
            "app-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ] {
        w.start_file(n, opts).expect("start");
        w.write_all(t.as_bytes()).expect("write");
    }
    w.finish().expect("finish");
    let report = scan_with(&whl, &db);
    let h = hits(&report);
    assert_eq!(
        h,
        vec![critical("litellm", "1.82.8", "METADATA", 4)],
        "{h:?}"
    );
    assert_eq!(report.files[0].verdict, airlock::Verdict::Malicious);

    let sdist = dir.path().join("app-1.0.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&sdist).expect("create"),
        flate2::Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    let pkg = format!("{meta}long description\n");
    for (n, t) in [
        ("app-1.0/PKG-INFO", pkg.as_str()),
        ("app-1.0/app/__init__.py", "X = 1\n"),
    ] {
        let mut head = tar::Header::new_gnu();
        head.set_size(t.len() as u64);
        head.set_mode(0o644);
        head.set_cksum();
        tar.append_data(&mut head, n, t.as_bytes()).expect("append");
    }
    tar.into_inner().expect("tar").finish().expect("gz");
    let h = hits(&scan_with(&sdist, &db));
    assert_eq!(
        h,
        vec![critical("litellm", "1.82.8", "PKG-INFO", 4)],
        "{h:?}"
    );
}

/// The benign neighbours: the same lists pinning a clean release give nothing; a Poetry caret
/// or tilde range and a `>=` that admit the bad release are ranges (high: it may be installed,
/// never critical, as in a requirements file), and a range past it gives nothing; a range in
/// `Requires-Dist` is left to the installed release's own metadata.
#[test]
fn benign_neighbours_are_not_critical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path());
    let clean: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("pipfile", vec![("Pipfile", "[packages]\nlitellm = \"==1.82.6\"\n")]),
        (
            "pep735",
            vec![("pyproject.toml", "[dependency-groups]\ndev = [\"litellm==1.82.6\"]\n")],
        ),
        (
            "poetry",
            vec![(
                "pyproject.toml",
                "[tool.poetry.dependencies]\npython = \"^3.10\"\nlitellm = \"1.82.6\"\n",
            )],
        ),
        (
            "setup-py",
            vec![(
                "setup.py",
                "from setuptools import setup\nsetup(name='a', install_requires=['litellm==1.82.6'])\n",
            )],
        ),
        ("rye", vec![("requirements.lock", "litellm==1.82.6\n")]),
        ("pip-tools", vec![("requirements/base.in", "litellm>=1.83\n")]),
        (
            "pixi",
            vec![("pixi.toml", "[pypi-dependencies]\nlitellm = \"==1.82.6\"\n")],
        ),
        (
            "pixi-lock",
            vec![(
                "pixi.lock",
                "version: 6\npackages:\n- pypi: https://files.example.invalid/litellm-1.82.6-py3-none-any.whl\n  name: litellm\n  version: 1.82.6\n",
            )],
        ),
        (
            "conda-lock",
            vec![(
                "conda-lock.yml",
                "version: 1\npackage:\n- name: litellm\n  version: 1.82.6\n  manager: pip\n",
            )],
        ),
        (
            "pep723",
            vec![(
                "tool.py",
                "# /// script\n# dependencies = [\"litellm==1.82.6\"]\n# ///\nprint(1)\n",
            )],
        ),
        (
            "conda-meta",
            vec![(
                "env/conda-meta/litellm-1.82.6-0.json",
                "{\"name\": \"litellm\", \"version\": \"1.82.6\"}\n",
            )],
        ),
        (
            "requires-dist-range",
            vec![(
                "site-packages/app-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: app\nVersion: 1.0\nRequires-Dist: litellm>=1.80\nRequires-Dist: elementary-data\n\n",
            )],
        ),
        // A block that does not close is no PEP 723 block; nor is one in a docstring's middle.
        (
            "pep723-unclosed",
            vec![(
                "tool.py",
                "# /// script\n# dependencies = [\"litellm==1.82.8\"]\nprint(1)\n",
            )],
        ),
    ];
    let mut wrong = Vec::new();
    for (tag, files) in &clean {
        let got = scan_files(dir.path(), tag, files, &db);
        if !got.is_empty() {
            wrong.push(format!("{tag}: {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Ranges that admit the bad release: high, as a requirements file's ranges are.
    let ranges: Vec<Case> = vec![
        (
            "poetry-caret",
            vec![(
                "pyproject.toml",
                "[tool.poetry.dependencies]\nlitellm = \"^1.82\"\nelementary-data = \"~0.23.1\"\n",
            )],
            vec![
                (
                    Severity::High,
                    "elementary-data".into(),
                    ">=0.23.1,<0.24".into(),
                    "pyproject.toml".into(),
                    Some(3),
                ),
                (
                    Severity::High,
                    "litellm".into(),
                    ">=1.82,<2".into(),
                    "pyproject.toml".into(),
                    Some(2),
                ),
            ],
        ),
        (
            "in-range",
            vec![("requirements.in", "litellm>=1.80\n")],
            vec![(
                Severity::High,
                "litellm".into(),
                ">=1.80".into(),
                "requirements.in".into(),
                Some(1),
            )],
        ),
    ];
    for (tag, files, want) in &ranges {
        let got = scan_files(dir.path(), tag, files, &db);
        if got != *want {
            wrong.push(format!("{tag}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Malformed lists give nothing or a clear fact, never a panic; a `setup()` with more
/// requirements than the bound says so.
#[test]
fn malformed_lists_and_bounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path());
    let broken: Vec<(&str, &str)> = vec![
        ("Pipfile", "[packages\nlitellm = \"==1.82.8\"\n"),
        (
            "pixi.toml",
            "[pypi-dependencies]\nlitellm = {version = 3}\n",
        ),
        ("pixi.lock", "packages:\n- pypi: [\n  name: litellm\n"),
        (
            "conda-lock.yml",
            "package: {name: litellm, version: 1.82.8, manager: pip}\n",
        ),
        (
            "env/conda-meta/x.json",
            "{\"name\": \"litellm\", \"version\": 1.82}\n",
        ),
        (
            "pyproject.toml",
            "[tool.poetry.dependencies]\nlitellm = \"^^^\"\nx = [1, 2]\n",
        ),
        ("tool.py", "# /// script\n# dependencies = [\n# ///\n"),
    ];
    for (i, (rel, text)) in broken.iter().enumerate() {
        let got = scan_files(dir.path(), &format!("broken{i}"), &[(rel, text)], &db);
        assert!(got.is_empty(), "{rel}: {got:?}");
    }
    let mut setup =
        String::from("from setuptools import setup\nsetup(name='a', install_requires=[\n");
    for i in 0..4100 {
        setup.push_str(&format!("    'pkg{i}==1.0',\n"));
    }
    setup.push_str("    'litellm==1.82.8',\n])\n");
    let sub = dir.path().join("big");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(sub.join("setup.py"), setup).expect("write");
    let report = scan_with(&sub, &db);
    assert!(
        report.findings().any(
            |f| f.rule.id == "resource-limit" && f.message.contains("requirements per setup()")
        ),
        "the bound is reported"
    );
}
