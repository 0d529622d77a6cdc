//! Large Python modules (over the 8 KiB that are always parsed when they name a process,
//! network or exec call): a call that runs at import is found wherever the module hides it,
//! and calls inside functions nothing at module level reaches stay below medium.

use std::path::Path;

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::scan_file;

/// 40 KB of ordinary functions, the shape of a real library module.
fn filler() -> String {
    (0..600)
        .map(|i| {
            format!(
                "def helper_{i}(x):\n    \"\"\"Return x plus {i}.\"\"\"\n    return x + {i}\n\n"
            )
        })
        .collect()
}

/// Worst severity of `python-*` findings for `src` written as a module of a package.
fn worst(dir: &Path, name: &str, src: &str) -> Option<Severity> {
    let p = dir.join(name);
    std::fs::write(&p, src).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    r.findings
        .iter()
        .filter(|f| f.rule.id.starts_with("python-"))
        .map(|f| f.severity)
        .max()
}

#[test]
fn import_time_calls_in_large_modules_are_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = filler();
    let cases = [
        ("tail.py", format!("import os\n{f}os.system('echo hi')\n")),
        (
            "try.py",
            format!("import os\n{f}try:\n    os.system('echo hi')\nexcept Exception:\n    pass\n"),
        ),
        (
            "called.py",
            format!("import subprocess\n{f}def _init():\n    subprocess.Popen('echo hi', shell=True)\n\n_init()\n"),
        ),
        (
            "thread.py",
            format!("import os, threading\n{f}def _bg():\n    os.system('echo hi')\n\nthreading.Thread(target=_bg, daemon=True).start()\n"),
        ),
        (
            "fstring.py",
            format!("import os\n{f}x = f\"{{'\"'}}\"; os.system('echo hi')\n"),
        ),
        // An alias names no word of its module where it is used.
        (
            "alias.py",
            format!("import subprocess as sp\n{f}sp.call('echo hi', shell=True)\n"),
        ),
        (
            "from-alias-in-called.py",
            format!("from os import system as run\n{f}def _init():\n    run('echo hi')\n\n_init()\n"),
        ),
        // A function called through the module's namespace.
        (
            "globals-call.py",
            format!("import os\n{f}def f():\n    os.system('echo hi')\n\nglobals()['f']()\n"),
        ),
    ];
    for (name, src) in &cases {
        assert!(src.len() > 8 * 1024, "{name} is not large");
        let w = worst(dir.path(), name, src);
        assert!(
            w >= Some(Severity::High),
            "{name}: worst python finding {w:?}"
        );
    }
}

#[test]
fn calls_only_inside_functions_stay_below_medium() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = filler();
    let src = format!(
        "import subprocess\nimport requests\n{f}def build(cmd):\n    return subprocess.run(cmd, shell=True)\n\nclass Client(requests.Session):\n    def fetch(self, url):\n        return requests.get(url)\n\nclass Sub(Client):\n    pass\n"
    );
    let w = worst(dir.path(), "lib.py", &src);
    assert!(w < Some(Severity::Medium), "worst python finding {w:?}");
}

/// Padding a module past the parse bound (2 MiB) does not lower the grade of a call that runs
/// at import below the default gate; a module whose calls sit in uncalled functions is not
/// parsed at all (as for any large module), so it gets no finding.
#[test]
fn modules_past_the_parse_bound_are_graded_by_placement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pad = format!("# {}\n", "x".repeat(100)).repeat(30_000); // about 3 MB of comments
    let grade = |name: &str, src: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, src).expect("write");
        let r = scan_file(&p, BudgetLimits::default());
        r.findings
            .iter()
            .filter(|f| f.rule.id == "resource-limit")
            .map(|f| f.severity)
            .max()
    };
    assert_eq!(
        grade(
            "padded.py",
            format!("import os\n{pad}os.system('echo hi')\n")
        ),
        Some(Severity::High)
    );
    assert_eq!(
        grade(
            "latent.py",
            format!("import os\n{pad}def f():\n    os.system('echo hi')\n")
        ),
        None
    );
}

/// A tokenizer config too large to read whole is a high `resource-limit`, never silence.
#[test]
fn an_oversized_tokenizer_config_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("tokenizer_config.json");
    let f = std::fs::File::create(&p).expect("create");
    use std::io::Write;
    (&f).write_all(b"{\"added_tokens_decoder\": {\"0\": {\"content\": \"<unk>\"}},\n")
        .expect("write");
    f.set_len(65 << 20).expect("sparse length");
    let r = scan_file(&p, BudgetLimits::default());
    assert!(
        r.findings
            .iter()
            .any(|x| x.rule.id == "resource-limit" && x.severity == Severity::High),
        "{:?}",
        r.findings
            .iter()
            .map(|x| (x.rule.id, x.severity))
            .collect::<Vec<_>>()
    );
}

/// A chain of calls `a()()()…()` before a payload (tester round 9 §8): every call of the chain
/// is a call node whose callee is the rest of it, and walking that rest for each cost 64 µs a
/// node, so 2 MB took 67 s and the time budget cut the scan. At 200 000 calls (400 KB) the old
/// walk ran into the 60 s budget in a debug build (`resource-limit`); the payload must be found
/// with the whole module analysed.
#[test]
fn a_long_chain_of_calls_is_analysed_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("chain.py");
    let src = format!(
        "x = a{}\nimport os\nos.system('echo airlock-test')\n",
        "()".repeat(200_000)
    );
    std::fs::write(&p, src).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    let found: Vec<(&str, Severity, String)> = r
        .findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.evidence.clone()))
        .collect();
    assert_eq!(
        found,
        vec![(
            "python-shell-command",
            Severity::High,
            "os.system('echo airlock-test')".to_string()
        )]
    );
}
