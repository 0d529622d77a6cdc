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
