//! Regressions for callables reached by resolution rather than named by a global (attack
//! session t24, §1 and §7): a module reached as another module's attribute (`shlex.os`), a
//! `getattr` result handed to a call that can call it, allowlisted helpers that call what they
//! are given (`torch._tensor._rebuild_from_type_v2`, `copyreg._reconstructor`), and globals
//! with very long dotted names.
//!
//! Every fixture is built here, in a temporary folder, and only read: nothing is unpickled.
//! Payloads are inert (`echo airlock-test`).

use std::path::Path;
use std::time::{Duration, Instant};

use airlock::analyse::BudgetLimits;
use airlock::scan::{scan_file, FileReport};
use airlock::Severity;

const CMD: &str = "echo airlock-test";

/// `SHORT_BINUNICODE s` (or `BINUNICODE` when longer than 255 bytes).
fn s(t: &str) -> Vec<u8> {
    match u8::try_from(t.len()) {
        Ok(n) => {
            let mut v = vec![0x8c, n];
            v.extend_from_slice(t.as_bytes());
            v
        }
        Err(_) => {
            let mut v = vec![b'X'];
            v.extend_from_slice(&u32::try_from(t.len()).expect("len").to_le_bytes());
            v.extend_from_slice(t.as_bytes());
            v
        }
    }
}

/// `STACK_GLOBAL module name`.
fn g(module: &str, name: &str) -> Vec<u8> {
    [s(module), s(name), vec![0x93]].concat()
}

/// `builtins.getattr(target, attr)` as a value on the stack.
fn getattr(target: &[u8], attr: &str) -> Vec<u8> {
    [
        g("builtins", "getattr"),
        target.to_vec(),
        s(attr),
        b"\x86R".to_vec(),
    ]
    .concat()
}

/// A protocol 4 pickle of `body` (one value) followed by `STOP`.
fn p4(body: &[u8]) -> Vec<u8> {
    [b"\x80\x04".as_slice(), body, b"."].concat()
}

/// `{'k': value}`.
fn in_dict(value: &[u8]) -> Vec<u8> {
    [b"}".as_slice(), &s("k"), value, b"s"].concat()
}

/// A tensor's `torch._utils._rebuild_tensor_v2(storage, 0, (4,), (1,), False, OrderedDict())`,
/// its storage a persistent id as `torch.save` writes it.
fn rebuild_tensor_args() -> Vec<u8> {
    [
        b"((".as_slice(),
        &s("storage"),
        &g("torch", "FloatStorage"),
        &s("0"),
        &s("cpu"),
        b"K\x04tQK\x00K\x04\x85K\x01\x85\x89",
        &g("collections", "OrderedDict"),
        b")Rt",
    ]
    .concat()
}

fn scan(bytes: &[u8]) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("model.pkl");
    std::fs::write(&path, bytes).expect("write fixture");
    scan_file(Path::new(&path), BudgetLimits::default())
}

fn show(r: &FileReport) -> Vec<(&'static str, Severity, String, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.message.clone(), f.evidence.clone()))
        .collect()
}

/// The worst finding is `rule` at `sev`, and its message contains `words`.
fn assert_worst(r: &FileReport, rule: &str, sev: Severity, words: &str) {
    let worst = r.findings.iter().max_by_key(|f| f.severity);
    assert!(
        worst.is_some_and(|f| f.rule.id == rule && f.severity == sev && f.message.contains(words)),
        "expected {rule} {sev:?} with {words:?}: {:#?}",
        show(r)
    );
}

fn assert_below_medium(r: &FileReport) {
    assert!(
        r.findings.iter().all(|f| f.severity < Severity::Medium),
        "{:#?}",
        show(r)
    );
}

/// A module reached as an attribute of another module is that module: a bare reference to it is
/// a reference to a denylisted module (medium), whatever module it is reached through.
#[test]
fn a_module_reached_through_another_module_is_that_module() {
    for (module, name) in [
        ("shlex", "os"),
        ("argparse", "_os"),
        ("logging", "os"),
        ("torch", "os"),
        ("collections", "_sys"),
        ("torch.backends.xeon.run_cpu", "subprocess"),
    ] {
        let r = scan(&p4(&in_dict(&g(module, name))));
        assert_worst(
            &r,
            "pickle-dangerous-global",
            Severity::Medium,
            &format!("imports {module}.{name}"),
        );
    }
    // Called through getattr: the category is the module's (processes), not the one of a
    // `* system` entry elsewhere in the denylist.
    let called = p4(&[
        getattr(&g("shlex", "os"), "system"),
        s(CMD),
        b"\x85R".to_vec(),
    ]
    .concat());
    assert_worst(
        &scan(&called),
        "pickle-dangerous-call",
        Severity::Critical,
        "calls shlex.os.system at load time (processes)",
    );
}

/// Look-alikes: parts of the module path are submodules the import system resolves (scipy's
/// `signal` package is not the `signal` module), and names that merely contain a module's name
/// are not that module.
#[test]
fn module_parts_and_lookalike_names_stay_clean() {
    for (module, name) in [
        ("scipy.signal._ltisys", "TransferFunction"),
        ("pandas.core.frame", "DataFrame"),
        ("numba.core.types.scalars", "Integer"),
        ("mypkg.config", "osmosis"),
        ("collections", "OrderedDict"),
    ] {
        let r = scan(&p4(&in_dict(&g(module, name))));
        assert_below_medium(&r);
    }
}

/// A callable resolved by `getattr` is a value wherever it flows: handed to a call that can
/// call it (`map`, `heapq.nsmallest`'s key, `functools.partial`), or fetched back from the
/// memo first.
#[test]
fn a_resolved_callable_handed_to_a_call_is_judged_as_what_it_resolves_to() {
    let system = getattr(&g("shlex", "os"), "system");
    let map = [
        g("builtins", "map"),
        system.clone(),
        b"]".to_vec(),
        s(CMD),
        b"a\x86R".to_vec(),
    ]
    .concat();
    let nsmallest = [
        g("heapq", "nsmallest"),
        b"K\x01]".to_vec(),
        s(CMD),
        b"a".to_vec(),
        system.clone(),
        b"\x87R".to_vec(),
    ]
    .concat();
    let partial = [
        g("functools", "partial"),
        system.clone(),
        s(CMD),
        b"\x86R".to_vec(),
    ]
    .concat();
    // MEMOIZE, POP, then BINGET 0 before the hand-off.
    let memo = [
        system.clone(),
        b"\x940".to_vec(),
        g("builtins", "map"),
        b"h\x00]".to_vec(),
        s(CMD),
        b"a\x86R".to_vec(),
    ]
    .concat();
    for (case, body, via) in [
        ("map", map, "builtins.map"),
        ("nsmallest", nsmallest, "heapq.nsmallest"),
        ("partial", partial, "functools.partial"),
        ("memo", memo, "builtins.map"),
    ] {
        let r = scan(&p4(&body));
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule.id == "pickle-dangerous-call"
                    && f.severity == Severity::Critical
                    && f.message
                        .contains(&format!("hands shlex.os.system (processes) to {via}"))),
            "{case}: {:#?}",
            show(&r)
        );
    }
}

/// `torch._tensor._rebuild_from_type_v2(func, type, args, state)` starts with `func(*args)`:
/// what it is handed as `func` is called. A tensor subclass's real rebuild stays clean.
#[test]
fn rebuild_from_type_calls_its_first_argument() {
    let tensor = g("torch", "Tensor");
    for helper in ["_rebuild_from_type_v2", "_rebuild_from_type"] {
        let bad = p4(&[
            g("torch._tensor", helper),
            b"(".to_vec(),
            getattr(&g("shlex", "os"), "system"),
            tensor.clone(),
            s(CMD),
            b"\x85}tR".to_vec(),
        ]
        .concat());
        assert_worst(
            &scan(&bad),
            "pickle-dangerous-call",
            Severity::Critical,
            &format!("called by torch._tensor.{helper}"),
        );
        // A callable that cannot be named (another call's result) is an unresolved call.
        let computed = p4(&[
            g("torch._tensor", helper),
            b"(".to_vec(),
            g("mypkg.util", "resolve_dotted"),
            s("os.system"),
            b"\x85R".to_vec(),
            tensor.clone(),
            s(CMD),
            b"\x85}tR".to_vec(),
        ]
        .concat());
        assert_worst(
            &scan(&computed),
            "pickle-unresolved-call",
            Severity::High,
            &format!("torch._tensor.{helper} calls something that cannot be named"),
        );
        let good = p4(&in_dict(
            &[
                g("torch._tensor", helper),
                b"(".to_vec(),
                g("torch._utils", "_rebuild_tensor_v2"),
                tensor.clone(),
                rebuild_tensor_args(),
                b"}tR".to_vec(),
            ]
            .concat(),
        ));
        assert_below_medium(&scan(&good));
    }
}

/// `copyreg._reconstructor(cls, base, state)` with a `base` other than `object` runs
/// `base.__init__(obj, state)`: `_reconstructor(Popen, Popen, argv)` is `Popen(argv)`. The
/// reconstructions protocol 0-1 pickles write (`object`, `dict`, `list` bases) stay clean.
#[test]
fn reconstructor_calls_its_base_with_the_state() {
    let popen = getattr(&g("torch.backends.xeon.run_cpu", "subprocess"), "Popen");
    let bad = p4(&[
        g("copyreg", "_reconstructor"),
        popen.clone(),
        popen,
        b"]".to_vec(),
        s(CMD),
        b"a\x87R".to_vec(),
    ]
    .concat());
    assert_worst(
        &scan(&bad),
        "pickle-dangerous-call",
        Severity::Critical,
        "calls torch.backends.xeon.run_cpu.subprocess.Popen at load time (processes), called by copyreg._reconstructor",
    );
    for (base, state) in [
        (g("builtins", "object"), b"N".to_vec()),
        (
            g("builtins", "dict"),
            [b"}".as_slice(), &s("a"), b"K\x01s"].concat(),
        ),
        (g("builtins", "list"), b"]K\x01a".to_vec()),
    ] {
        let good = p4(&[
            g("copyreg", "_reconstructor"),
            g("sklearn.tree._classes", "DecisionTreeClassifier"),
            base,
            state,
            b"\x87R".to_vec(),
        ]
        .concat());
        assert_below_medium(&scan(&good));
    }
}

/// A dotted name of 50 000 parts (250 KB) took 31 s and 12 GB: names are cut to their first 64
/// parts, reported as a bound, and judged by those parts. Ordinary long qualnames are kept.
#[test]
fn very_long_dotted_names_are_cut_and_judged_by_their_first_parts() {
    let name = format!("os.{}sep", "path.".repeat(50_000));
    let started = Instant::now();
    let r = scan(&p4(&in_dict(&g("shlex", &name))));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(
        r.findings.iter().any(|f| f.rule.id == "resource-limit"
            && f.severity == Severity::Medium
            && f.message.contains("at most 64 dotted parts")),
        "{:#?}",
        show(&r)
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-dangerous-global"
                && f.severity == Severity::Medium
                && f.message.contains("(processes)")),
        "{:#?}",
        show(&r)
    );
    let qualname = "Outer.Inner.Deeper.Model";
    let r = scan(&p4(&in_dict(&g("mypkg.models", qualname))));
    assert!(
        r.findings.iter().all(|f| f.rule.id != "resource-limit"),
        "{:#?}",
        show(&r)
    );
    assert_below_medium(&r);
}

fn scan_with_store(bytes: &[u8], max_bytes: usize) -> FileReport {
    let mut limits = BudgetLimits::default();
    limits.pickle.max_bytes = max_bytes;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("model.pkl");
    std::fs::write(&path, bytes).expect("write fixture");
    scan_file(Path::new(&path), limits)
}

/// A `getattr` chain long enough to fill the value store, then a call of its result (t24 h2):
/// the linear pass after the bound follows the stack's shapes and finds that the last call
/// calls the result of another call (high), whatever the chain starts from. A long stream of
/// ordinary rebuild calls past the same bound (memoised globals fetched with `BINGET`, as
/// `torch.save` writes them) calls only named globals and gets no such finding.
#[test]
fn a_call_of_a_computed_callable_after_the_store_bound_is_high() {
    let n = 4000;
    let bad = p4(&[
        g("builtins", "getattr").repeat(n),
        g("mypkg.util", "Thing"),
        [s("attr"), b"\x86R".to_vec()].concat().repeat(n),
        s(CMD),
        b"\x85R".to_vec(),
    ]
    .concat());
    let r = scan_with_store(&bad, 256 << 10);
    assert!(
        r.findings.iter().any(|f| f.rule.id == "resource-limit"),
        "the fixture must reach the bound: {:#?}",
        show(&r)
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule.id == "pickle-unresolved-call"
                && f.severity == Severity::High
                && f.message.contains("calls the result of another call")),
        "{:#?}",
        show(&r)
    );
    // OrderedDict() and _rebuild_tensor_v2 memoised once, then fetched for each entry.
    let mut good = b"\x80\x04".to_vec();
    good.extend(g("collections", "OrderedDict"));
    good.extend(b"\x94)R\x94(");
    good.extend(g("torch._utils", "_rebuild_tensor_v2"));
    good.extend(b"\x940");
    for i in 0..n {
        good.extend(s(&format!("layer{i}.weight")));
        good.extend(b"h\x02");
        good.extend(rebuild_tensor_args());
        good.push(b'R');
    }
    good.extend(b"u.");
    let r = scan_with_store(&good, 256 << 10);
    assert!(
        r.findings.iter().any(|f| f.rule.id == "resource-limit"),
        "the fixture must reach the bound: {:#?}",
        show(&r)
    );
    assert!(
        r.findings
            .iter()
            .all(|f| f.severity < Severity::High && f.rule.id != "pickle-unresolved-call"),
        "{:#?}",
        show(&r)
    );
}
