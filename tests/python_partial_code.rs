//! Code runners handed a visible payload joined with a part the constant folder cannot compute
//! (`exec(CODE + str())`, `exec(CODE % x)`, f-strings, `.format`, `+=`, `join`, a prefix):
//! the constant pieces are analysed as the code (or pickle) they are and graded as when the
//! whole argument folds, with evidence saying the argument was partly computed. Templates of
//! harmless code stay below medium. Also `operator.methodcaller('run', …)(subprocess)`, whose
//! arguments sit in the inner call. Fixtures are defanged (the payload only `echo`s) and
//! scanned with the library; nothing is executed.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{benign, check, check_at_import_and_install, evidence_summary, scan};

const SHELL: &str = "python-shell-command";
const PICKLE: &str = "pickle-dangerous-call";

/// A pickle (protocol 0) calling `os.system('echo hi')`, as a Python bytes literal.
const PICKLE_LIT: &str = r"b'cos\nsystem\n(S\'echo hi\'\ntR.'";

#[test]
fn constant_code_beside_an_unknown_part_is_analysed() {
    let code = "import os; os.system('echo airlock-test')";
    let high = Some(Severity::High);
    let sources = [
        format!("exec({code:?})"),
        format!("exec({code:?} + str())"),
        format!("import sys\nexec({code:?} + sys.argv[0][:0])"),
        format!("import os\nexec({code:?} + os.environ.get('X', ''))"),
        "exec(\"import os; os.system('echo %s')\" % x)".to_string(),
        "exec(\"import os; os.system('echo %(a)s %%')\" % {'a': x})".to_string(),
        "exec(f\"import os; os.system('echo {x}')\")".to_string(),
        "exec(\"import os; os.system('echo {}')\".format(*a))".to_string(),
        format!("c = {code:?}\nc += y\nexec(c)"),
        format!("c = {code:?} + y\nexec(c)"),
        format!("exec(x + {code:?})"),
        format!("exec(''.join([{code:?}, x]))"),
        format!("eval(compile({code:?} + str(), '<s>', 'exec'))"),
        format!("import code\ncode.InteractiveInterpreter().runsource({code:?} + str())"),
        format!("import timeit\ntimeit.timeit({code:?} + str())"),
        format!("def f(x):\n    exec({code:?} + x)\n"),
    ];
    check_at_import_and_install(&sources, SHELL, high);
}

#[test]
fn evidence_says_the_argument_was_partly_computed() {
    let r = scan(
        "demo/__init__.py",
        "exec(\"import os; os.system('echo airlock-test')\" + str())\n",
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == SHELL)
        .unwrap_or_else(|| panic!("{:#?}", evidence_summary(&r)));
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.evidence.contains("os.system('echo airlock-test')"),
        "{}",
        f.evidence
    );
    assert!(f.evidence.contains("partly computed"), "{}", f.evidence);
    assert_eq!(
        f.location.members,
        vec!["<partly computed code at line 1>".to_string()]
    );
}

#[test]
fn a_pickle_beside_an_unknown_part_is_analysed() {
    let whole = format!("import pickle\npickle.loads({PICKLE_LIT})\n");
    let partly = format!("import pickle\npickle.loads({PICKLE_LIT} + bytes())\n");
    let named = format!("import pickle\np = {PICKLE_LIT}\np += tail\npickle.loads(p)\n");
    let critical = Some(Severity::Critical);
    check(&[
        ("demo/__init__.py", whole.as_str(), PICKLE, critical),
        ("demo/__init__.py", partly.as_str(), PICKLE, critical),
        ("demo/__init__.py", named.as_str(), PICKLE, critical),
    ]);
    let r = scan("demo/__init__.py", &partly);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == PICKLE && f.evidence.contains("partly computed")),
        "{:#?}",
        evidence_summary(&r)
    );
}

#[test]
fn templates_of_harmless_code_stay_below_medium() {
    benign(&[
        ("demo/__init__.py", "exec('x = %d' % n)\n"),
        ("demo/__init__.py", "print(eval('1 + ' + s))\n"),
        ("demo/__init__.py", "exec(f'def f(): return {v}')\n"),
        (
            "demo/__init__.py",
            "src = 'def {name}(self):\\n    return self._{name}\\n'\nexec(src.format(name=n), ns)\n",
        ),
        (
            "demo/__init__.py",
            "code = 'class %s(tuple):\\n    __slots__ = ()\\n' % typename\ncode += body\nexec(code, namespace)\n",
        ),
        ("demo/__init__.py", "exec(''.join(['import json\\n', extra]))\n"),
        ("demo/__init__.py", "import timeit\ntimeit.timeit('sorted(x)' + setup)\n"),
        ("setup.py", "exec(open('v.py').read() + '\\n__version__ = VERSION')\n"),
        (
            "demo/__init__.py",
            "import pickle\npickle.loads(b'\\x80\\x04K\\x01.' + tail)\n",
        ),
    ]);
}

#[test]
fn methodcaller_arguments_are_judged_as_a_plain_call() {
    let high = Some(Severity::High);
    check(&[
        (
            "demo/__init__.py",
            "import operator, subprocess\noperator.methodcaller('run', cmd, shell=True)(subprocess)\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import operator, builtins\nC = \"import os; os.system('echo airlock-test')\"\noperator.methodcaller('exec', C)(builtins)\n",
            SHELL,
            high,
        ),
        (
            "demo/__init__.py",
            "import operator, os\noperator.methodcaller('system', 'echo airlock-test')(os)\n",
            SHELL,
            high,
        ),
    ]);
    benign(&[
        (
            "demo/__init__.py",
            "import operator, subprocess\noperator.methodcaller('check_output', ['git', 'rev-parse', 'HEAD'])(subprocess)\n",
        ),
        ("demo/__init__.py", "import operator\nup = operator.methodcaller('upper')('abc')\n"),
    ]);
}
