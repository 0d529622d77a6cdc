//! Calls the source never spells: `logging.config.dictConfig` importing and calling the
//! callable a `'()'` or `'class'` entry names, `operator.call(f, …)` (Python 3.11+), and a class
//! made at the top level by `type(name, bases, ns)`, which runs its bases' `__init_subclass__`
//! as a class statement does. Fixtures are written here, defanged (commands only `echo`), and
//! scanned; nothing is executed. Benign look-alikes stay below medium.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{benign, check};

const SHELL: &str = "python-shell-command";

#[test]
fn logging_configurations_call_the_callables_they_name() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import logging.config\nlogging.config.dictConfig({'version': 1, 'handlers': {'h': {'()': 'os.system', 'command': 'echo airlock-test'}}})\n", SHELL, Some(High)),
        ("demo/__init__.py", "import logging.config\nlogging.config.dictConfig({'version': 1, 'handlers': {'h': {'class': 'subprocess.Popen', 'args': 'echo airlock-test', 'shell': True}}})\n", SHELL, Some(High)),
        // Through a variable, and a `ext://` prefix.
        ("demo/__init__.py", "import logging.config\ncfg = {'version': 1, 'formatters': {'f': {'()': 'ext://os.system', 'command': 'echo airlock-test'}}}\nlogging.config.dictConfig(cfg)\n", SHELL, Some(High)),
        // A factory only the pickle denylist names.
        ("demo/__init__.py", "import logging.config\nlogging.config.dictConfig({'version': 1, 'filters': {'f': {'()': 'pexpect.run', 'command': 'echo airlock-test'}}})\n", SHELL, Some(High)),
        // In a function nothing calls.
        ("demo/tools.py", "import logging.config\ndef setup():\n    logging.config.dictConfig({'version': 1, 'handlers': {'h': {'()': 'os.system', 'command': 'echo airlock-test'}}})\n", SHELL, Some(Low)),
    ]);
}

#[test]
fn ordinary_logging_configurations_stay_quiet() {
    benign(&[
        ("demo/__init__.py", "import logging.config\nlogging.config.dictConfig({'version': 1, 'formatters': {'json': {'()': 'myapp.log.JsonFormatter', 'fmt': '%(message)s'}}, 'handlers': {'console': {'class': 'logging.StreamHandler', 'formatter': 'json', 'stream': 'ext://sys.stdout'}, 'file': {'class': 'logging.handlers.RotatingFileHandler', 'filename': 'app.log'}}, 'root': {'handlers': ['console', 'file'], 'level': 'INFO'}})\n"),
        // Factories from modules the denylist takes whole, and a non-logging `class` key.
        ("demo/__init__.py", "import logging.config\nlogging.config.dictConfig({'version': 1, 'filters': {'a': {'()': 'os.path.join', 'a': 'x'}, 'b': {'()': 'threading.Lock'}}})\nMODELS = {'runner': {'class': 'sh.Command', 'args': ['ls']}}\n"),
        ("demo/__init__.py", "import logging.config, os\nlogging.config.fileConfig(os.path.join(os.path.dirname(__file__), 'logging.ini'))\n"),
        ("demo/__init__.py", "import logging.config\nlogging.config.fileConfig('logging.conf', disable_existing_loggers=False)\n"),
    ]);
}

#[test]
fn operator_call_calls_its_first_argument() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import operator, os\noperator.call(os.system, 'echo airlock-test')\n", SHELL, Some(High)),
        ("demo/__init__.py", "from operator import call\nimport subprocess\ncall(subprocess.run, 'echo airlock-test', shell=True)\n", SHELL, Some(High)),
        ("demo/tools.py", "import operator, os\ndef go():\n    operator.call(os.system, 'echo airlock-test')\n", SHELL, Some(Low)),
    ]);
    benign(&[(
        "demo/__init__.py",
        "import operator\nprint(operator.call(len, [1, 2, 3]), operator.add(1, 2))\n",
    )]);
}

#[test]
fn a_class_made_by_type_runs_its_bases_init_subclass() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os\nclass B:\n    def __init_subclass__(cls, **kw):\n        os.system('echo airlock-test')\nX = type('X', (B,), {})\n", SHELL, Some(High)),
        ("demo/__init__.py", "import os\nclass B:\n    def __init_subclass__(cls, **kw):\n        os.system('echo airlock-test')\nns = {'x': 1}\ntype('X', (object, B), ns)\n", SHELL, Some(High)),
        // Inside a function nothing calls.
        ("demo/tools.py", "import os\nclass B:\n    def __init_subclass__(cls, **kw):\n        os.system('echo airlock-test')\ndef make():\n    return type('X', (B,), {})\n", SHELL, Some(Low)),
    ]);
    benign(&[(
        "demo/__init__.py",
        "class Registry:\n    items = []\n    def __init_subclass__(cls, **kw):\n        Registry.items.append(cls.__name__)\nX = type('X', (Registry,), {'v': 1})\nprint(type(X), type('s'))\n",
    )]);
}

/// A class body runs when the class statement does: a function of the class called there by
/// its bare name (`X = r()`, a staticmethod's `r.__func__()`) runs at import (tester t18 g16,
/// g17); the same function only defined, or a pure helper called there, is not code at load.
#[test]
fn a_class_body_calling_its_own_function_runs_it_at_import() {
    check(&[
        (
            "m.py",
            "import os\nclass C:\n    def r():\n        os.system('echo airlock')\n    X = r()\n",
            "python-shell-command",
            Some(Severity::High),
        ),
        (
            "m.py",
            "import os\nclass C:\n    @staticmethod\n    def r():\n        os.system('echo airlock')\n    r.__func__()\n",
            "python-shell-command",
            Some(Severity::High),
        ),
        (
            "m.py",
            "import os\nclass C:\n    def r(self):\n        os.system('echo airlock')\n    def size():\n        return 4\n    N = size()\n",
            "python-shell-command",
            Some(Severity::Low),
        ),
    ]);
}

/// A lambda's default values are evaluated when the lambda is made, as a def's are (tester t18
/// g02); `x=None` or `x=os.sep` run nothing.
#[test]
fn a_lambda_default_runs_when_the_lambda_is_made() {
    check(&[
        (
            "m.py",
            "import os\nf = lambda x=os.system('echo airlock'): x\n",
            SHELL,
            Some(Severity::High),
        ),
        (
            "m.py",
            "import os\nHANDLERS = [lambda x=os.popen('echo airlock').read(): x]\n",
            SHELL,
            Some(Severity::High),
        ),
        // The body still waits for a call.
        (
            "m.py",
            "import os\nf = lambda x=None: os.system(x)\n",
            SHELL,
            Some(Severity::Low),
        ),
    ]);
    benign(&[(
        "m.py",
        "import os\nf = lambda x=os.sep, y=None: os.path.join(x, y or '')\ndef g(p=os.curdir, q=None):\n    return p\n",
    )]);
}

/// Every class statement calls `builtins.__build_class__`: a function put there runs at the next
/// class statement (tester t18 g06).
#[test]
fn a_replaced_build_class_runs_at_the_next_class_statement() {
    check(&[(
        "m.py",
        "import builtins, os\n_o = builtins.__build_class__\ndef _bc(*a, **k):\n    os.system('echo airlock')\n    return _o(*a, **k)\nbuiltins.__build_class__ = _bc\nclass X:\n    pass\n",
        SHELL,
        Some(Severity::High),
    )]);
}

/// Properties run on instances made at module level: the getter on a read, the setter on an
/// assignment, the deleter on `del`, through `@p.setter` or `property(fget, fset, fdel)`, on
/// `C()` or a name bound to one; a method called on such a name runs too (tester t18 g18).
#[test]
fn property_setters_and_methods_of_module_level_instances_run_at_import() {
    check(&[
        (
            "m.py",
            "import os\nclass C:\n    @property\n    def p(self):\n        return 1\n    @p.setter\n    def p(self, v):\n        os.system(v)\nc = C()\nc.p = 'echo airlock'\n",
            SHELL,
            Some(Severity::High),
        ),
        (
            "m.py",
            "import os\nclass C:\n    def _get(self):\n        return 1\n    def _set(self, v):\n        os.system(v)\n    p = property(_get, _set)\nC().p = 'echo airlock'\n",
            SHELL,
            Some(Severity::High),
        ),
        (
            "m.py",
            "import os\nclass C:\n    @property\n    def p(self):\n        return 1\n    @p.deleter\n    def drop(self):\n        os.system('echo airlock')\nc = C()\ndel c.p\n",
            SHELL,
            Some(Severity::High),
        ),
        (
            "m.py",
            "import os\nclass C:\n    def go(self):\n        os.system('echo airlock')\nc = C()\nc.go()\n",
            SHELL,
            Some(Severity::High),
        ),
        // A setter only defined, an instance only made.
        (
            "m.py",
            "import os\nclass C:\n    @property\n    def p(self):\n        return 1\n    @p.setter\n    def p(self, v):\n        os.system(v)\nc = C()\n",
            SHELL,
            Some(Severity::Low),
        ),
    ]);
    benign(&[(
        "m.py",
        "class Config:\n    def __init__(self):\n        self._level = 0\n    @property\n    def level(self):\n        return self._level\n    @level.setter\n    def level(self, v):\n        self._level = int(v)\nconfig = Config()\nconfig.level = 3\nprint(config.level)\n",
    )]);
}

/// `T().start()` of a `threading.Thread` or `multiprocessing.Process` subclass runs its `run()`
/// (tester t18 m12), also through a name bound to the instance and a subclass of a subclass.
#[test]
fn a_thread_subclass_started_at_import_runs_its_run() {
    check(&[
        (
            "m.py",
            "import os, threading\nclass T(threading.Thread):\n    def run(self):\n        os.system('echo airlock')\nT().start()\n",
            SHELL,
            Some(Severity::High),
        ),
        (
            "m.py",
            "import os\nfrom multiprocessing import Process\nclass B(Process):\n    pass\nclass P(B):\n    def run(self):\n        os.system('echo airlock')\np = P()\np.start()\n",
            SHELL,
            Some(Severity::High),
        ),
        // Defined, never started.
        (
            "m.py",
            "import os, threading\nclass T(threading.Thread):\n    def run(self):\n        os.system('echo airlock')\n",
            SHELL,
            Some(Severity::Low),
        ),
    ]);
    benign(&[(
        "m.py",
        "import threading\nclass Warm(threading.Thread):\n    def run(self):\n        self.total = sum(i * i for i in range(1000))\nWarm(daemon=True).start()\n",
    )]);
}

/// A `+` chain of 100 000 empty literals in front of `'sy' + 'stem'` folds to `system`
/// (tester t18 m17): literals are joined in one buffer, so the fold's bound is the chain's
/// bytes, not its length.
#[test]
fn a_very_long_sum_of_literals_still_folds() {
    let pieces = "'' + ".repeat(100_000);
    let src = format!("import os\nn = {pieces}'sy' + 'stem'\ngetattr(os, n)('echo airlock')\n");
    let r = pysrc::scan("m.py", &src);
    assert_eq!(pysrc::worst(&r, SHELL), Some(Severity::High));
    let benign_src = format!("import os\nn = {pieces}'pa' + 'th'\nprint(getattr(os, n).sep)\n");
    let r = pysrc::scan("m.py", &benign_src);
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::Medium),
        "{:?}",
        r.findings
    );
}

/// A closure a function only returns runs when what was returned is called (session 17: mlflow's
/// `autologging_integration` factory, used as `@autologging_integration(NAME)` at import, keeps
/// a tracking call in its innermost function): a decorator factory's innermost function is not
/// run by applying the decorator; every other nested function runs with its function (a
/// first-level closure, a helper called or handed to a thread); calling the decorated function
/// or method at load runs the innermost one. A test module's network probe at its top level
/// is medium, as any module's.
#[test]
fn returned_closures_run_when_called_and_test_modules_probe_the_network() {
    use Severity::*;
    let factory = "import os\n\
                   def factory(n):\n\
                   \x20   def wrapper(f):\n\
                   \x20       def inner(*a):\n\
                   \x20           os.system('echo inner')\n\
                   \x20       return inner\n\
                   \x20   return wrapper\n\
                   @factory('x')\n\
                   def g():\n\
                   \x20   pass\n";
    let called = format!("{factory}g()\n");
    let wrapper_runs = "import os\n\
                        def factory(n):\n\
                        \x20   def wrapper(f):\n\
                        \x20       os.system('echo wrapper')\n\
                        \x20       return f\n\
                        \x20   return wrapper\n\
                        @factory('x')\n\
                        def g():\n\
                        \x20   pass\n";
    let wrapper_kept = "import os\n\
                        def factory(n):\n\
                        \x20   def wrapper(f):\n\
                        \x20       os.system('echo wrapper')\n\
                        \x20       return f\n\
                        \x20   return wrapper\n\
                        x = factory('x')\n";
    let helper = "import os\n\
                  def outer():\n\
                  \x20   def helper():\n\
                  \x20       os.system('echo helper')\n\
                  \x20   helper()\n\
                  outer()\n";
    let thread = "import os, threading\n\
                  def outer():\n\
                  \x20   def helper():\n\
                  \x20       os.system('echo helper')\n\
                  \x20   threading.Thread(target=helper).start()\n\
                  outer()\n";
    let first_level = "import os\n\
                       def make():\n\
                       \x20   def inner(*a):\n\
                       \x20       os.system('echo inner')\n\
                       \x20   return inner\n\
                       make()()\n"
        .to_string();
    // A decorated method called at load runs the factory's innermost function.
    let method = format!(
        "{}class App:\n\
         \x20   @factory('x')\n\
         \x20   def start(self):\n\
         \x20       pass\n\
         App().start()\n",
        factory.replace("@factory('x')\ndef g():\n    pass\n", "")
    );
    let probe = "import urllib.request\n\
                 try:\n\
                 \x20   urllib.request.urlopen('https://pypi.org', timeout=1)\n\
                 \x20   ONLINE = True\n\
                 except Exception:\n\
                 \x20   ONLINE = False\n";
    pysrc::check(&[
        ("m.py", factory, "python-shell-command", Some(Low)),
        ("m.py", &called, "python-shell-command", Some(High)),
        ("m.py", wrapper_runs, "python-shell-command", Some(High)),
        // A first-level closure runs with its function (what `factory` returns can be called
        // at load in many ways: tester t25 nl02-nl09).
        ("m.py", wrapper_kept, "python-shell-command", Some(High)),
        ("m.py", &first_level, "python-shell-command", Some(High)),
        ("m.py", &method, "python-shell-command", Some(High)),
        ("m.py", helper, "python-shell-command", Some(High)),
        ("m.py", thread, "python-shell-command", Some(High)),
        // A test module's probe is medium too: a `.pth` or `__init__` may import it (t25).
        (
            "pkg/tests/test_net.py",
            probe,
            "python-network-at-load",
            Some(Medium),
        ),
        ("pkg/net.py", probe, "python-network-at-load", Some(Medium)),
    ]);
}
