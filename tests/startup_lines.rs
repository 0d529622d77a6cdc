//! `.pth` and `.start` files are read as `site` reads them: universal newlines (a lone CR ends a
//! line) and, from Python 3.13, a leading byte order mark dropped. Either trick must not hide
//! an import line.

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::scan_file;

fn findings(name: &str, data: &[u8]) -> Vec<(&'static str, Severity, Option<u64>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join(name);
    std::fs::write(&p, data).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    r.findings
        .iter()
        .map(|f| {
            let line = match f.location.span {
                Some(airlock::finding::Span::Line { line }) => Some(line),
                _ => None,
            };
            (f.rule.id, f.severity, line)
        })
        .collect()
}

#[test]
fn a_lone_carriage_return_ends_a_pth_line() {
    let f = findings(
        "paths.pth",
        b"# only paths here\rimport os;os.system('echo hi')\n/opt/lib\n",
    );
    assert!(
        f.contains(&("pth-executable-line", Severity::Low, Some(2))),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|(id, sev, _)| *id == "python-shell-command" && *sev >= Severity::High),
        "{f:?}"
    );
}

#[test]
fn a_byte_order_mark_does_not_hide_a_pth_import_line() {
    let f = findings("bom.pth", b"\xef\xbb\xbfimport os;os.system('echo hi')\n");
    assert!(
        f.iter()
            .any(|(id, sev, _)| *id == "python-shell-command" && *sev >= Severity::High),
        "{f:?}"
    );
}

#[test]
fn start_entries_split_on_every_line_end() {
    let f = findings(
        "tool.start",
        b"# entry points\rpkg.mod:hook\r\nother.mod:run\n",
    );
    let entries: Vec<_> = f
        .iter()
        .filter(|(id, _, _)| *id == "startup-entry-point")
        .map(|(_, _, line)| *line)
        .collect();
    assert_eq!(entries, vec![Some(2), Some(3)], "{f:?}");
}
