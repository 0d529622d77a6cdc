//! Calls hidden behind a wrapper that runs them at load (tester t12): a lambda applied where
//! it is written, a chain of decorators, a function made from a code object, an encrypted
//! module run by an obfuscator's runtime; and persistence written through a loop over file
//! names or into a repository's git hooks. Fixtures are written here, defanged (commands only
//! `echo`, hosts under `example.invalid`), and scanned; nothing is executed. Benign
//! look-alikes stay below medium.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{benign, check};

const SHELL: &str = "python-shell-command";
const DECODED: &str = "python-exec-decoded";
const COMPUTED: &str = "python-exec-computed";
const STARTUP: &str = "python-startup-write";

/// `(lambda f, s: f(s))(exec, CODE)` calls `exec(CODE)`; the callable may be looked up
/// (`getattr(__import__('builtins'), 'ex' 'ec')`) or a process function (t12 o10).
#[test]
fn a_lambda_applied_in_place_calls_what_it_is_handed() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "(lambda f, s: f(s))(getattr(__import__('builtins'), 'ex' 'ec'), \"__import__('os').system('echo airlock-test')\")\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\n(lambda f, s: f(s))(os.system, 'echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "import base64\n(lambda run, b: run(base64.b64decode(b)))(exec, 'aW1wb3J0IG9z')\n", DECODED, Some(Critical)),
        // A lambda applied to ordinary values calls nothing that runs code.
        ("demo/__init__.py", "import os\nSIZE = (lambda f, s: f(s))(len, 'abc')\n", SHELL, None),
    ]);
}

/// Decorators apply from the innermost: `@exec` over `@base64.b64decode` over a lambda that
/// returns a constant runs the decoded constant at load (t12 o21).
#[test]
fn a_decorator_chain_ending_in_exec_runs_its_payload() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import base64\n@exec\n@base64.b64decode\n@lambda f: 'aW1wb3J0IG9zCm9zLnN5c3RlbSgnZWNobyBhaXJsb2NrLXRlc3QnKQo='\ndef _(): pass\n", DECODED, Some(Critical)),
        ("demo/__init__.py", "@exec\n@lambda f: \"__import__('os').system('echo airlock-test')\"\ndef _(): pass\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\n@os.system\n@lambda f: 'echo airlock-test'\ndef _(): pass\n", SHELL, Some(High)),
    ]);
    benign(&[(
        "demo/__init__.py",
        "import functools\n@functools.lru_cache(maxsize=None)\n@staticmethod\ndef f(x):\n    return x\n",
    )]);
}

/// `types.FunctionType(marshal.loads(decoded), globals())()` runs decoded code (t12 o13); a
/// function copied from another's code object, or rebuilt inside a function from data it is
/// handed (Keras' `func_load`), is ordinary.
#[test]
fn a_function_made_from_decoded_code_is_exec_of_it() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import types, marshal, base64\ntypes.FunctionType(marshal.loads(base64.b64decode('4wAAAAAAAAAA')), globals())()\n", DECODED, Some(Critical)),
        ("demo/__init__.py", "from types import FunctionType\nimport marshal, zlib\nFunctionType(marshal.loads(zlib.decompress(b'x\\x9c\\x03\\x00\\x00\\x00\\x00\\x01')), {})()\n", DECODED, Some(Critical)),
    ]);
    benign(&[(
        "demo/serial.py",
        "import codecs, marshal, types\ndef func_load(code, defaults=None, closure=None, globs=None):\n    raw_code = codecs.decode(code.encode('ascii'), 'base64')\n    code = marshal.loads(raw_code)\n    return types.FunctionType(code, globs or globals(), name=code.co_name, argdefs=defaults, closure=closure)\n",
    )]);
    benign(&[(
        "demo/copying.py",
        "import types\ndef copy(f):\n    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)\ng = copy(len)\n",
    )]);
}

/// A module encrypted by PyArmor runs through `__pyarmor__(…)` at load: nothing in it can be
/// reviewed (t12 o19): medium.
#[test]
fn an_encrypted_module_is_medium() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "from .pyarmor_runtime_000000 import __pyarmor__\n__pyarmor__(__name__, __file__, b'PY000000\\x00\\x03')\n", COMPUTED, Some(Medium)),
        ("demo/core.py", "from pytransform import pyarmor_runtime\npyarmor_runtime()\n__pyarmor__(__name__, __file__, b'\\x50\\x59\\x41\\x52')\n", COMPUTED, Some(Medium)),
        // A module that only mentions the tool.
        ("demo/notes.py", "TOOL = 'pyarmor'\n", COMPUTED, None),
    ]);
}

/// Persistence through a loop over rc names (t12 e08) and into the current repository's git
/// hooks built from pieces (t12 e13) is high at load; a loop over ordinary names and reading a
/// hook are not.
#[test]
fn persistence_through_loops_and_git_hooks_is_high() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "from pathlib import Path\nfor rc in ('.zshrc', '.profile', '.bash_profile'):\n    with (Path.home() / rc).open('a') as fh:\n        fh.write(\"alias sudo='echo airlock-test; sudo'\\n\")\n", STARTUP, Some(High)),
        ("demo/__init__.py", "import os\nfor name in ['.bashrc', '.zshrc']:\n    open(os.path.join(os.path.expanduser('~'), name), 'a').write('echo airlock-test\\n')\n", STARTUP, Some(High)),
        ("demo/__init__.py", "import os\nh = os.path.join(os.getcwd(), '.git', 'hooks', 'pre-commit')\nopen(h, 'w').write('#!/bin/sh\\necho airlock-test\\n')\nos.chmod(h, 0o755)\n", STARTUP, Some(High)),
        ("demo/__init__.py", "import os\nfor name in ('a.txt', 'b.txt'):\n    open(os.path.join(os.path.expanduser('~'), name), 'a').write('x\\n')\n", STARTUP, None),
        ("demo/__init__.py", "import os\nHOOK = open(os.path.join(os.getcwd(), '.git', 'hooks', 'pre-commit')).read()\n", STARTUP, None),
    ]);
}
