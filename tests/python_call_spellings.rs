//! Call spellings tester t11 found graded too low: a callable stored on an object or class
//! (`c.f = os.system`, `setattr(C, 'f', staticmethod(os.system))`) and called from it, a callable
//! chosen by a conditional or a boolean operator, a lambda installed as an interpreter hook,
//! code written to a `.py` file then imported, and exec of code taken from the environment or
//! built from an integer's bytes, through a name. Fixtures are written here, defanged (commands
//! only `echo`), and scanned; nothing is executed. Benign look-alikes stay below medium.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{benign, check};

const SHELL: &str = "python-shell-command";

/// A callable stored on an object, a class or through `setattr`, or chosen by `x if c else y`,
/// `x or y`, resolves as the callable itself (t11 nm04, nm05, nm08, nm09).
#[test]
fn callables_stored_on_objects_or_chosen_by_operators_resolve() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os\nclass C: pass\nc = C()\nc.f = os.system\nc.f('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nclass C: pass\nsetattr(C, 'f', staticmethod(os.system))\nC.f('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nclass C: pass\nC.f = os.system\nC.f('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\n(os.system if True else print)('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\n(print if False else os.system)('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\n(None or os.system)('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nf = None or os.system\nf('echo airlock-test')\n", SHELL, Some(High)),
        // In a function nothing calls: low, as the plain call.
        ("demo/tools.py", "import os\ndef go():\n    class C: pass\n    c = C()\n    c.f = os.system\n    c.f('echo airlock-test')\n", SHELL, Some(Low)),
        // Another object's attribute of the same name.
        ("demo/__init__.py", "import os\nclass C: pass\nc, d = C(), C()\nc.f = os.system\nd.f('echo airlock-test')\n", SHELL, None),
    ]);
}

/// A lambda installed as an interpreter hook or a signal handler runs at load as a named
/// function does (t11 nm25, nm30).
#[test]
fn lambdas_installed_as_hooks_run_at_load() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os, sys\nsys.excepthook = lambda *a: os.system('echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os, sys\nsys.excepthook = lambda *a: os.system('echo airlock-test')\nraise SystemExit(1)\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os, signal\nsignal.signal(signal.SIGALRM, lambda *a: os.system('echo airlock-test'))\nsignal.alarm(1)\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os, signal\ndef h(*a):\n    os.system('echo airlock-test')\nsignal.signal(signal.SIGALRM, h)\nsignal.alarm(1)\n", SHELL, Some(High)),
        // A lambda bound to a name nothing calls stays latent.
        ("demo/__init__.py", "import os, sys\nhook = lambda *a: os.system('echo airlock-test')\n", SHELL, Some(Low)),
    ]);
}

/// Code written to a `.py` file, then imported, is analysed as code of its own, also when the
/// path is a name bound to a join and the code is decoded (t11 nm31, nm34).
#[test]
fn modules_written_then_imported_are_analysed() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os, sys, importlib\np = os.path.join(os.path.dirname(__file__), '_gen.py')\nopen(p, 'w').write('impor'+'t os;'+' os.s'+'ystem'+\"('ech\"+'o air'+'lock-'+\"test'\"+')')\nfrom . import _gen\n", SHELL, Some(High)),
        ("demo/__init__.py", "import sys, base64\nopen('/tmp/_k.py', 'wb').write(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2VjaG8gYWlybG9jay10ZXN0Jyk='))\nsys.path.insert(0, '/tmp')\nimport _k\n", SHELL, Some(High)),
    ]);
}

/// exec of a name bound to an environment variable's value, or to payload material turned into
/// code, is graded as the direct spelling (t11 ex29, ex19).
#[test]
fn exec_of_names_bound_to_env_values_or_payload_constants() {
    use Severity::*;
    const EXEC: &str = "python-exec-computed";
    check(&[
        ("demo/__init__.py", "import os\nc = os.environ.get('HOOK', '')\nexec(c)\n", EXEC, Some(Medium)),
        ("demo/__init__.py", "import os\nc = os.environ['HOOK']\nexec(c)\n", EXEC, Some(Medium)),
        ("demo/tools.py", "import os\ndef f():\n    c = os.environ.get('HOOK', '')\n    exec(c)\n", EXEC, Some(Low)),
        // Bound again to a literal before the exec.
        ("demo/__init__.py", "import os\nc = os.environ.get('HOOK', '')\nc = 'x = 1'\nexec(c)\n", EXEC, None),
        ("demo/__init__.py", "n = 225191766559160880546577082815962655877400961814869525014928650427407122629003557153726653762119465\nexec(n.to_bytes(41, 'big').decode())\n", EXEC, Some(High)),
        ("demo/__init__.py", "K = [105, 109, 112, 111, 114, 116, 32, 111, 115, 59, 111, 115]\nexec(bytes(c ^ 0 for c in K).decode())\n", EXEC, Some(High)),
        // A short integer is no payload: what runs is only not shown (a note, session 21).
        ("demo/__init__.py", "n = 12345\nexec(n.to_bytes(2, 'big').decode())\n", EXEC, Some(Low)),
    ]);
}

/// What the spellings above must not catch.
#[test]
fn ordinary_hooks_attributes_and_generated_modules_stay_below_medium() {
    benign(&[
        ("demo/__init__.py", "import signal\nSTOP = False\ndef _handler(signum, frame):\n    global STOP\n    STOP = True\nsignal.signal(signal.SIGINT, _handler)\nsignal.signal(signal.SIGTERM, lambda *a: None)\n"),
        ("demo/__init__.py", "import sys, traceback\nsys.excepthook = lambda t, v, tb: traceback.print_exception(t, v, tb)\n"),
        ("demo/__init__.py", "import logging\nclass C: pass\nc = C()\nc.log = logging.info\nc.log('x')\nverbose = False\n(print if verbose else logging.debug)('x')\n(None or print)('x')\n"),
        ("demo/__init__.py", "import os\nTOKEN = os.environ.get('HOOK', '')\nprint(TOKEN)\nSEED = 225191766559160880546577082815962655877400961814869525014928650427407122629003557153726653762119465\nx = SEED.to_bytes(41, 'big')\n"),
        ("demo/__init__.py", "import os\nhere = os.path.dirname(__file__)\np = os.path.join(here, '_version.py')\nif not os.path.exists(p):\n    open(p, 'w').write(\"__version__ = '1.0'\\n\")\nfrom ._version import __version__\n"),
    ]);
}

/// Calls the language makes implicitly at load (t14 ob03, ob18, du18, ob10): `f.__call__(…)`
/// is `f(…)`, `K()()` runs `K.__call__`, an Enum's `__new__` runs for each member when the
/// class is made, and a return annotation is evaluated with the function's definition (up to
/// Python 3.13). Benign shapes (an instance made but not called, an Enum without code, an
/// annotation naming a type) stay below medium.
#[test]
fn implicit_calls_at_load_run_at_import() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os\nos.system.__call__('echo airlock-test')\n", SHELL, Some(High)),
        // The standard library's private process helper (t14 ob45).
        ("demo/__init__.py", "import uuid\nuuid._get_command_stdout('sh', '-c', 'echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nclass C:\n    def __call__(self):\n        os.system('echo airlock-test')\nC()()\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os, enum\nclass E(enum.Enum):\n    A = 1\n    def __new__(cls, v):\n        os.system('echo airlock-test')\n        o = object.__new__(cls)\n        o._value_ = v\n        return o\n", SHELL, Some(High)),
        ("demo/__init__.py", "import subprocess\ndef f() -> subprocess.call('echo airlock-test', shell=True):\n    pass\n", SHELL, Some(High)),
        // Made but never called: `__call__` does not run.
        ("demo/__init__.py", "import os\nclass C:\n    def __call__(self):\n        os.system('echo airlock-test')\nc = C()\n", SHELL, Some(Low)),
        // A plain class with a `__new__`: not an enum, nothing made at load.
        ("demo/__init__.py", "import os\nclass E:\n    def __new__(cls):\n        os.system('echo airlock-test')\n        return object.__new__(cls)\n", SHELL, Some(Low)),
    ]);
    benign(&[
        ("demo/__init__.py", "import enum\nclass Color(enum.Enum):\n    RED = 1\n    def __new__(cls, v):\n        o = object.__new__(cls)\n        o._value_ = v\n        return o\n"),
        ("demo/__init__.py", "import subprocess\ndef run(cmd: str) -> subprocess.CompletedProcess:\n    return subprocess.run(cmd, shell=True)\n"),
        ("demo/__init__.py", "class Handler:\n    def __call__(self, x):\n        return x\nHANDLER = Handler()\nHANDLER(1)\n"),
    ]);
}

/// Callables handed to something that calls them at load (tester t18 2.1): a thread's target
/// given positionally, the low-level thread API, scheduler actions, fork and GC hooks, codec
/// search functions, JSON hooks, `re.sub` replacements, `defaultdict` factories, executor and
/// pool maps, event-loop signal handlers.
#[test]
fn callables_handed_to_invokers_run_at_load() {
    use Severity::*;
    let f = "import os\ndef f(*a, **k):\n    os.system('echo airlock-test')\n    return ''\n";
    let cases = [
        "import threading\nthreading.Thread(None, f).start()\n",
        "import _thread\n_thread.start_new_thread(f, ())\n",
        "import sched, time\ns = sched.scheduler(time.time, time.sleep)\ns.enter(0, 1, f)\ns.run()\n",
        "import gc\ngc.callbacks.append(f)\ngc.collect()\n",
        "import json\njson.loads('{}', object_hook=f)\n",
        "import re\nre.sub('x', f, 'x')\n",
        "import os\nos.register_at_fork(after_in_child=f)\n",
    ];
    let mut all: Vec<(String, &str, Option<Severity>)> = cases
        .iter()
        .map(|c| (format!("{f}{c}"), SHELL, Some(High)))
        .collect();
    all.push((
        "import os\nfrom concurrent.futures import ThreadPoolExecutor\nThreadPoolExecutor().map(os.system, ['echo airlock-test'])\n".to_string(),
        SHELL,
        Some(High),
    ));
    all.push((
        "import os, multiprocessing\nmultiprocessing.Pool(1).apply_async(os.system, ('echo airlock-test',))\n".to_string(),
        SHELL,
        Some(High),
    ));
    let owned: Vec<(&str, &str, &str, Option<Severity>)> = all
        .iter()
        .map(|(src, rule, want)| ("demo/__init__.py", src.as_str(), *rule, *want))
        .collect();
    check(&owned);
    // A pool mapping an ordinary function and a JSON hook that builds objects stay clean.
    benign(&[
        ("demo/__init__.py", "import json\nfrom concurrent.futures import ThreadPoolExecutor\ndef sq(x):\n    return x * x\nlist(ThreadPoolExecutor().map(sq, [1, 2]))\njson.loads('{}', object_hook=dict)\n"),
    ]);
}

/// Programs that run a command line or code without `sh -c` first (tester t18 2.2): a shell
/// given as one string and fed on stdin, `python3 -c CODE` named literally, `find -exec sh -c`,
/// `awk` with `system()`.
#[test]
fn shells_and_interpreters_started_other_ways_run_commands() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import subprocess\nsubprocess.run('/bin/sh', input=b'echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import subprocess\nsubprocess.Popen('sh', stdin=subprocess.PIPE).communicate(b'echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['python3', '-c', 'import os; os.system(\"echo airlock-test\")'])\n", SHELL, Some(High)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['find', '.', '-maxdepth', '0', '-exec', 'sh', '-c', 'echo airlock-test', ';'])\n", SHELL, Some(High)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['awk', 'BEGIN { system(\"echo airlock-test\") }'])\n", SHELL, Some(High)),
    ]);
    benign(&[
        ("demo/__init__.py", "import subprocess\ndef v():\n    return subprocess.run(['python3', '-c', 'import sys; print(sys.version)'], capture_output=True)\n"),
        ("demo/__init__.py", "import subprocess\ndef f():\n    subprocess.run(['find', '.', '-name', '*.pyc', '-delete'])\n"),
    ]);
}

/// Native code put into executable memory and called (tester t18 2.3): `mmap(…, PROT_EXEC)`
/// with `CFUNCTYPE`, `VirtualAlloc(…, 0x40)` with `CreateThread`. Inside a function nothing
/// calls it is low; a read-write mapping is nothing.
#[test]
fn shellcode_runners_are_critical_at_import() {
    use Severity::*;
    let rule = "python-exec-computed";
    check(&[
        ("demo/__init__.py", "import ctypes, mmap\nbuf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\nbuf.write(b'\\xc3')\naddr = ctypes.addressof(ctypes.c_char.from_buffer(buf))\nctypes.CFUNCTYPE(None)(addr)()\n", rule, Some(Critical)),
        ("demo/__init__.py", "import ctypes\nk = ctypes.windll.kernel32\np = k.VirtualAlloc(0, 4096, 0x3000, 0x40)\nk.RtlMoveMemory(p, b'\\xc3', 1)\nk.CreateThread(0, 0, p, 0, 0, 0)\n", rule, Some(Critical)),
        ("demo/jit.py", "import ctypes, mmap\ndef make(code):\n    buf = mmap.mmap(-1, len(code), prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n    buf.write(code)\n    return buf\n", rule, Some(Low)),
        ("demo/__init__.py", "import mmap\nbuf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE)\n", rule, None),
    ]);
}
