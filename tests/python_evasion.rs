//! Spellings that hide a command or a decoded exec from a reader of names: import aliases,
//! names bound to builtins or module attributes, dynamic imports and attribute lookups, and
//! decoded data kept in a variable before it is exec'd. Each is written here, defanged (the
//! commands only `echo`, hosts under `example.invalid`), as module-level code of a package's
//! `__init__.py` (or a function in it), and scanned with the library; nothing is executed.
//! Benign look-alikes must give nothing at medium or above.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};
use base64::Engine;

/// The defanged payload the decoded cases hide.
const PAYLOAD: &str = "import os; os.system('echo airlock-test')";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

fn zlib(s: &str) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, s.as_bytes()).expect("deflate");
    z.finish().expect("deflate")
}

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::package;

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

/// The worst severity `rule` has in the file itself (not in decoded members).
fn on_file(r: &FileReport, rule: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| f.rule.id == rule && f.location.members.is_empty())
        .map(|f| f.severity)
        .max()
}

/// The worst severity `rule` has anywhere (the file or code decoded from it).
fn anywhere(r: &FileReport, rule: &str) -> Option<Severity> {
    r.findings
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| f.severity)
        .max()
}

/// (case, source, rule, severity on the file itself, severity of the decoded code's
/// `python-shell-command` when the payload is decoded and analysed).
type Shape = (
    &'static str,
    String,
    &'static str,
    Severity,
    Option<Severity>,
);

fn shapes() -> Vec<Shape> {
    use Severity::*;
    let p = b64(PAYLOAD);
    let z = b64_bytes(&zlib(PAYLOAD));
    let h = hex(PAYLOAD.as_bytes());
    let r13 = rot13(PAYLOAD);
    vec![
        // 1. Dynamic imports and attribute lookups.
        ("dunder-import", "__import__('os').system('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("import-module", "import importlib\nimportlib.import_module('o' + 's').system('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("import-module-from", "from importlib import import_module as im\nim('subprocess').Popen('echo airlock-test', shell=True)\n".into(), "python-shell-command", High, None),
        ("getattr-os", "import os\ngetattr(os, 'system')('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("getattr-dunder-import", "getattr(__import__('os'), 'system')('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("sys-modules", "import sys, os\nsys.modules['os'].system('echo airlock-test')\n".into(), "python-shell-command", High, None),
        // 2. Import aliases.
        ("alias-os", "import os as o\no.system('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("alias-subprocess", "import subprocess as sp\nsp.Popen('echo airlock-test', shell=True)\n".into(), "python-shell-command", High, None),
        ("from-import-alias", "from os import system as s\ns('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("from-import", "from subprocess import getoutput\ngetoutput('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("wildcard-import", "from os import *\nsystem('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("from-base64-alias", format!("from base64 import b64decode as d\nexec(d('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("alias-base64", format!("import base64 as b\nexec(b.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        // 3. Names bound to builtins and callables.
        ("eval-alias-string", "e = eval\ne(\"__import__('os').system('echo airlock-test')\")\n".into(), "python-shell-command", High, None),
        ("eval-alias-decoded", format!("import base64\ne = eval\ne(base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("exec-alias", format!("import base64\nx = exec\nx(base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("system-alias", "import os\nf = os.system\nf('echo airlock-test')\n".into(), "python-shell-command", High, None),
        ("builtins-exec", format!("import base64, builtins\nbuiltins.exec(base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("dunder-builtins-exec", format!("import base64\n__builtins__.exec(base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("dunder-builtins-subscript", format!("import base64\n__builtins__['exec'](base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("getattr-builtins", format!("import base64, builtins\ngetattr(builtins, 'exec')(base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("builtins-alias", format!("import base64\nimport builtins as bi\nbi.eval(base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("exec-alias-tuple", format!("import base64\nr, x = print, exec\nx(base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("vars-builtins", format!("import base64, builtins\nvars(builtins)['exec'](base64.b64decode('{p}'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("walrus", format!("import base64\nif (c := base64.b64decode('{p}')):\n    exec(c)\n"), "python-exec-decoded", Critical, Some(High)),
        // 4. Decoded data in a variable, exec'd later.
        ("var-b64", format!("import base64\n_c = base64.b64decode('{p}')\nexec(_c)\n"), "python-exec-decoded", Critical, Some(High)),
        ("var-zlib", format!("import base64, zlib\ncode = zlib.decompress(base64.b64decode('{z}'))\nexec(code)\n"), "python-exec-decoded", Critical, Some(High)),
        ("var-rot13", format!("import codecs\ns = \"{r13}\"\nexec(codecs.decode(s, 'rot13'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("var-rot13-result", format!("import codecs\nc = codecs.decode(\"{r13}\", 'rot_13')\neval(compile(c, '<x>', 'exec'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("var-fromhex", format!("h = bytes.fromhex('{h}')\nexec(h)\n"), "python-exec-decoded", Critical, Some(High)),
        ("var-marshal", "import marshal\nm = marshal.loads(b'\\xe3\\x00')\nexec(m)\n".into(), "python-exec-decoded", Critical, None),
        ("var-compile", format!("import base64\npayload = base64.b64decode('{p}')\nexec(compile(payload, '<x>', 'exec'))\n"), "python-exec-decoded", Critical, Some(High)),
        ("var-pieces", format!("import base64\np = '{}'\np += '{}'\nexec(base64.b64decode(p[::-1][::-1]).decode())\n", &p[..8], &p[8..]), "python-exec-decoded", Critical, Some(High)),
        ("var-hex-escapes", format!("code = '{}'\nexec(code)\n", PAYLOAD.bytes().map(|b| format!("\\x{b:02x}")).collect::<String>()), "python-shell-command", High, None),
        // The function runs at import (called at the top level) and reads a module variable
        // bound after its definition.
        ("var-function-called", format!("import base64\ndef run():\n    exec(payload)\npayload = base64.b64decode('{p}')\nrun()\n"), "python-exec-decoded", Critical, Some(High)),
        // Inside functions: weighs less, as the rules grade it.
        ("alias-in-function", "import subprocess as sp\ndef build():\n    sp.Popen('echo airlock-test', shell=True)\n".into(), "python-shell-command", Low, None),
        ("var-in-function", format!("import base64\ndef f():\n    c = base64.b64decode('{p}')\n    exec(c)\n"), "python-exec-decoded", High, Some(High)),
        ("alias-main-guard", "import os as o\nif __name__ == '__main__':\n    o.system('echo airlock-test')\n".into(), "python-shell-command", Low, None),
    ]
}

/// Shapes the analyser follows whose words the keyword prefilter does not look for, so a
/// module holding only them is not parsed; `setup.py` always is.
fn parsed_shapes() -> Vec<Shape> {
    use Severity::*;
    let p = b64(PAYLOAD);
    vec![
        (
            "getattr-name-constant",
            "import os\nname = 'sys' + 'tem'\ngetattr(os, name)('echo airlock-test')\n".into(),
            "python-shell-command",
            High,
            None,
        ),
        (
            "getattr-builtins-pieces",
            format!("import base64, builtins\nrun = getattr(builtins, 'ex' + 'ec')\nrun(base64.b64decode('{p}'))\n"),
            "python-exec-decoded",
            Critical,
            Some(High),
        ),
    ]
}

fn b64_bytes(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn every_evasion_shape_is_graded_as_its_plain_spelling() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let cases = shapes()
        .into_iter()
        .map(|s| (s, &["__init__.py", "mod.py"][..]))
        .chain(parsed_shapes().into_iter().map(|s| (s, &["setup.py"][..])));
    for ((case, source, rule, severity, decoded), files) in cases {
        for &file in files {
            let p = package(dir.path(), &format!("{case}-{file}"), file, &source);
            let r = scan_file(&p, BudgetLimits::default());
            let got = on_file(&r, rule);
            // Decoded strings given to a plain exec are analysed as nested code: the command is
            // reported in the decoded member.
            let got = if decoded.is_none() && got.is_none() {
                anywhere(&r, rule)
            } else {
                got
            };
            if got != Some(severity) {
                failures.push(format!(
                    "{case} ({file}): want {rule} {severity}, got {:?}: {:#?}",
                    got,
                    summary(&r)
                ));
            }
            if let Some(want) = decoded {
                let nested = r.findings.iter().any(|f| {
                    f.rule.id == "python-shell-command"
                        && f.severity == want
                        && f.location
                            .members
                            .iter()
                            .any(|m| m.starts_with("<decoded code"))
                });
                if !nested {
                    failures.push(format!(
                        "{case} ({file}): decoded payload not analysed: {:#?}",
                        summary(&r)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn exec_of_compile_of_decoded_data_is_one_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = format!(
        "import base64\nexec(compile(base64.b64decode('{}'), '<x>', 'exec'))\n",
        b64(PAYLOAD)
    );
    let p = package(dir.path(), "compile", "__init__.py", &src);
    let r = scan_file(&p, BudgetLimits::default());
    let n = r
        .findings
        .iter()
        .filter(|f| f.rule.id == "python-exec-decoded")
        .count();
    assert_eq!(n, 1, "{:#?}", summary(&r));
}

#[test]
fn evidence_names_what_a_call_resolves_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = package(
        dir.path(),
        "ev",
        "__init__.py",
        "from os import system as s\ns('echo airlock-test')\n",
    );
    let r = scan_file(&p, BudgetLimits::default());
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "python-shell-command")
        .expect("finding");
    assert!(f.evidence.contains("os.system"), "{}", f.evidence);
    let p = package(
        dir.path(),
        "ev2",
        "__init__.py",
        &format!(
            "import base64\n_c = base64.b64decode('{}')\nexec(_c)\n",
            b64(PAYLOAD)
        ),
    );
    let r = scan_file(&p, BudgetLimits::default());
    let f = r
        .findings
        .iter()
        .find(|f| f.rule.id == "python-exec-decoded")
        .expect("finding");
    assert!(f.evidence.contains("line 2"), "{}", f.evidence);
}

/// Benign code that looks like the shapes above: nothing at medium or above.
fn look_alikes() -> Vec<(&'static str, String)> {
    let p = b64("hello");
    vec![
        ("subprocess-alias-list", "import subprocess as sp\n\ndef build(out):\n    sp.run(['ls', out], check=True)\n    return sp.check_output(['git', 'rev-parse', 'HEAD'])\n".into()),
        ("evaluate-alias", "def evaluate_model(m):\n    return m\n\ne = evaluate_model\nresult = e(1)\nexecutor = e\n".into()),
        ("evaluate-alias-decoded", format!("import base64\nfrom mylib import evaluate_model\ne = evaluate_model\nscore = e(base64.b64decode('{p}'))\n")),
        ("os-alias-path", "import os as o\nHERE = o.path.dirname(o.path.abspath(__file__))\nNAME = o.environ.get('NAME', 'x')\n".into()),
        ("decoded-not-executed", format!("import base64\nDATA = base64.b64decode('{p}')\nprint(DATA)\n")),
        ("getattr-other", "import platform\nkind = getattr(platform, 'system')()\nname = getattr(object(), 'system_name', None)\n".into()),
        ("shadowed-alias", "import os as o\nclass Other:\n    def system(self, cmd):\n        return cmd\no = Other()\no.system('echo airlock-test')\n".into()),
        ("shadowed-by-parameter", "e = eval\n\ndef apply(e, x):\n    return e(x)\n\nimport base64\nvalue = apply(len, base64.b64decode('aGVsbG8='))\n".into()),
        ("exec-own-file", "import os\nwith open(os.path.join(os.path.dirname(__file__), 'version.py')) as f:\n    exec(f.read())\n".into()),
        ("re-compile-alias", "import re as regex\nPATTERN = regex.compile('[a-z]+')\n".into()),
        ("model-eval", "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval()\nfast = torch.compile(model)\n".into()),
        ("importlib-plugin", "import importlib\nplugin = importlib.import_module('mypkg.plugins.' + 'default')\nplugin.setup()\n".into()),
        ("requests-alias-in-function", "import requests as r\n\ndef fetch(url):\n    return r.get(url, timeout=5)\n".into()),
    ]
}

#[test]
fn benign_look_alikes_stay_below_medium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for (case, source) in look_alikes() {
        for file in ["__init__.py", "mod.py"] {
            let p = package(dir.path(), &format!("{case}-{file}"), file, &source);
            let r = scan_file(&p, BudgetLimits::default());
            if r.findings.iter().any(|f| f.severity >= Severity::Medium) {
                failures.push(format!("{case} ({file}): {:#?}", summary(&r)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The binary, on a whole package folder: the look-alikes pass a medium gate, the shapes fail a
/// high gate.
#[test]
fn binary_gates_the_package_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let benign = dir.path().join("benign");
    for (case, source) in look_alikes() {
        package(&benign, case, "__init__.py", &source);
    }
    let run = |root: &Path, gate: &str| {
        Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(["scan", "--quiet", "--fail-on", gate])
            .arg(root)
            .output()
            .expect("airlock runs")
    };
    let out = run(&benign, "medium");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for (case, source, _, severity, _) in shapes() {
        if severity < Severity::High {
            continue;
        }
        let root = dir.path().join("bad").join(case);
        package(&root, "pkg", "__init__.py", &source);
        let out = run(&root, "high");
        assert_eq!(out.status.code(), Some(1), "{case}");
    }
}

/// Hostile inputs for the name table: each within time, without a panic.
#[test]
fn name_table_bounds_hold_on_hostile_sources() {
    const BOUND: Duration = Duration::from_secs(60);
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 100_000;
    let mut chain = String::from("import os\na0 = os\n");
    for i in 1..n {
        chain.push_str(&format!("a{i} = a{}.x\n", i - 1));
    }
    chain.push_str("os.system('echo airlock-test')\n");
    let mut doubling = String::from("import base64\nx = 'QUFB'\n");
    for _ in 0..64 {
        doubling.push_str("x = x + x\n");
    }
    doubling.push_str("exec(base64.b64decode(x))\n");
    // Padding a module with names: up to the bound they are followed; past it the source is
    // a resource-limit finding.
    let padded = |count: usize| {
        let mut s = String::new();
        for i in 0..count {
            s.push_str(&format!("v{i} = 'value{i}'\n"));
        }
        s.push_str("e = eval\nimport base64\ne(base64.b64decode('aGk='))\n");
        s
    };
    let cases: Vec<(&str, String)> = vec![
        ("alias-chain", chain),
        ("doubling", doubling),
        ("many-names", padded(60_000)),
        ("too-many-names", padded(70_000)),
        (
            "getattr-nest",
            format!(
                "import os\nf = {}os{}\n",
                "getattr(".repeat(n),
                ", 'x')".repeat(n)
            ),
        ),
        (
            "import-nest",
            format!("x = {}'os'{}\n", "__import__(".repeat(n), ")".repeat(n)),
        ),
        (
            "concat",
            format!(
                "import base64\nexec(base64.b64decode({}'QUFB'))\n",
                "'QUFB' + ".repeat(n)
            ),
        ),
        (
            "subscripts",
            format!("x = __builtins__{}\n", "['exec']".repeat(n)),
        ),
        (
            "zlib-bomb",
            format!(
                "import zlib, base64\nc = zlib.decompress(base64.b64decode('{}'))\nexec(c)\n",
                b64_bytes(&{
                    let mut z =
                        flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
                    std::io::Write::write_all(&mut z, &vec![b'#'; 64 << 20]).expect("deflate");
                    z.finish().expect("deflate")
                })
            ),
        ),
    ];
    for (case, src) in cases {
        // setup.py: install-time code is always parsed.
        let d = dir.path().join(case);
        std::fs::create_dir(&d).expect("mkdir");
        let p = d.join("setup.py");
        std::fs::write(&p, src).expect("write");
        let t = Instant::now();
        let r = scan_file(&p, BudgetLimits::default());
        assert!(t.elapsed() < BOUND, "{case}: {:?}", t.elapsed());
        assert!(!r.io_error, "{case}");
        if case == "too-many-names" {
            assert!(
                r.findings.iter().any(|f| f.rule.id == "resource-limit"),
                "{case}: {:#?}",
                summary(&r)
            );
        }
        if case == "many-names" || case == "doubling" || case == "zlib-bomb" {
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.rule.id == "python-exec-decoded"),
                "{case}: {:#?}",
                summary(&r)
            );
        }
    }
}

/// A source in an 8-bit legacy coding (PEP 263 cookie, one Latin-1 byte) is still Python source,
/// and a cookie naming UTF-7 (which turns `+AAo-` into a newline) is itself reported.
#[test]
fn source_codings_do_not_hide_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let latin1 =
        b"# -*- coding: latin-1 -*-\n# (c) \xa9 2024\nimport os\nos.system('echo airlock-test')\n";
    let path = dir.path().join("setup.py");
    std::fs::write(&path, latin1).expect("write");
    let r = airlock::scan::scan_file(&path, airlock::analyse::BudgetLimits::default());
    assert_eq!(r.format, airlock::Format::PythonSource);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "python-shell-command" && f.severity >= airlock::Severity::High),
        "{:?}",
        r.findings
            .iter()
            .map(|f| (f.rule.id, f.severity))
            .collect::<Vec<_>>()
    );
    for cookie in [
        "# coding: utf-7",
        "#!/usr/bin/env python\n# vim: set fileencoding=UTF7 :",
        "# -*- coding: raw-unicode-escape -*-",
    ] {
        let src = format!("{cookie}\nimport os\n#+AAo-os.system('echo airlock-test')\n");
        let path = dir.path().join("m.py");
        std::fs::write(&path, src).expect("write");
        let r = airlock::scan::scan_file(&path, airlock::analyse::BudgetLimits::default());
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "python-source-encoding"
                    && f.severity == airlock::Severity::High),
            "{cookie}: {:?}",
            r.findings
                .iter()
                .map(|f| (f.rule.id, f.severity))
                .collect::<Vec<_>>()
        );
    }
    // ASCII-compatible codings are not reported.
    std::fs::write(&path, "# -*- coding: utf-8 -*-\nx = 1\n").expect("write");
    let r = airlock::scan::scan_file(&path, airlock::analyse::BudgetLimits::default());
    assert!(r
        .findings
        .iter()
        .all(|f| f.rule.id != "python-source-encoding"));
}

/// A lone CR ends a line, and so a comment, for CPython (universal newlines): the call after it
/// runs at import.
#[test]
fn a_lone_cr_ends_a_comment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.py");
    std::fs::write(
        &path,
        b"import os\n# harmless comment\ros.system('echo airlock-test')\n",
    )
    .expect("write");
    let r = airlock::scan::scan_file(&path, airlock::analyse::BudgetLimits::default());
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "python-shell-command" && f.severity >= airlock::Severity::High),
        "{:?}",
        r.findings
            .iter()
            .map(|f| (f.rule.id, f.severity))
            .collect::<Vec<_>>()
    );
}

/// Process calls whose argv starts a shell on a command line or an interpreter on code, in the
/// spellings the first-pair check missed: option clusters (`sh -ec`), long options first
/// (`bash --norc -c`), wrappers (`env`, `busybox`, `sudo`), `perl -e`, `executable='/bin/sh'`
/// and a shell fed its commands on standard input. Running a script, or `sh -x build.sh`, is not
/// a command line.
#[test]
fn argv_shells_in_every_spelling() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("subprocess.run(['sh', '-ec', 'echo airlock-test'])", true),
        (
            "subprocess.run(['bash', '--norc', '-c', 'echo airlock-test'])",
            true,
        ),
        (
            "subprocess.run(['/usr/bin/env', 'sh', '-c', 'echo airlock-test'])",
            true,
        ),
        (
            "subprocess.run(['env', 'A=1', 'bash', '-lc', 'echo airlock-test'])",
            true,
        ),
        (
            "subprocess.run(['busybox', 'sh', '-c', 'echo airlock-test'])",
            true,
        ),
        (
            "subprocess.run(['perl', '-e', 'system(q(echo airlock-test))'])",
            true,
        ),
        (
            "subprocess.run(['x', '-c', 'echo airlock-test'], executable='/bin/sh')",
            true,
        ),
        ("subprocess.run(['sh'], input=b'echo airlock-test')", true),
        (
            "subprocess.run(['bash', '-s'], input=b'echo airlock-test')",
            true,
        ),
        ("subprocess.run(['bash', 'scripts/build.sh'])", false),
        ("subprocess.run(['sh', '-x', 'build.sh'])", false),
        (
            "subprocess.run(['env', 'python', 'setup.py', 'build'])",
            false,
        ),
    ];
    for (i, (call, shell)) in cases.iter().enumerate() {
        let src = format!("import subprocess\n{call}\n");
        let p = package(dir.path(), &format!("c{i}"), "__init__.py", &src);
        let r = airlock::scan::scan_file(&p, airlock::analyse::BudgetLimits::default());
        let got = on_file(&r, "python-shell-command");
        if *shell {
            assert_eq!(got, Some(Severity::High), "{call}: {:#?}", summary(&r));
        } else {
            assert_eq!(got, None, "{call}: {:#?}", summary(&r));
        }
    }
}

/// Attribute names computed by slicing with a step, `reversed`, `casefold`, or decoders inside
/// the `getattr` call, and a module imported second in a statement (`import codecs, os`)
/// (tester t18 2.4).
#[test]
fn getattr_names_computed_other_ways_resolve() {
    use airlock::finding::Severity::High;
    pysrc::check(&[
        ("demo/__init__.py", "import os\ngetattr(os, 'sxyxsxtxexm'[::2])('echo airlock-test')\n", "python-shell-command", Some(High)),
        ("demo/__init__.py", "import os\ngetattr(os, ''.join(reversed('metsys')))('echo airlock-test')\n", "python-shell-command", Some(High)),
        ("demo/__init__.py", "import os\ngetattr(os, 'System'.casefold())('echo airlock-test')\n", "python-shell-command", Some(High)),
        ("demo/__init__.py", "import codecs, os\ngetattr(os, codecs.decode('flfgrz', 'rot13'))('echo airlock-test')\n", "python-shell-command", Some(High)),
        ("demo/__init__.py", "import base64, os\ngetattr(os, base64.b64decode('c3lzdGVt').decode())('echo airlock-test')\n", "python-shell-command", Some(High)),
        ("demo/__init__.py", "import os\ngetattr(os, 'xxsystemxx'[2:-2])('echo airlock-test')\n", "python-shell-command", Some(High)),
    ]);
}
