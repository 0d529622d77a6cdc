//! Chat templates that would overflow the stack: a chain of operators parses into a tree as
//! deep as the chain, so a tag longer than any template needs is scanned, not parsed.

use std::time::Instant;

use airlock::analyse::BudgetLimits;
use airlock::finding::Severity;
use airlock::scan::{scan_file, FileReport};
use airlock::Format;

fn scan_template(text: &str) -> FileReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("chat_template.jinja");
    std::fs::write(&p, text).expect("write");
    let r = scan_file(&p, BudgetLimits::default());
    assert_eq!(r.format, Format::ChatTemplate, "{text}");
    r
}

/// (rule, severity) of every finding, in the report's order.
fn graded(text: &str) -> Vec<(&'static str, Severity)> {
    scan_template(text)
        .findings
        .iter()
        .map(|f| (f.rule.id, f.severity))
        .collect()
}

#[test]
fn a_chain_of_a_million_operators_is_scanned_not_parsed() {
    // Its syntax tree would be a million deep: parsing, walking or dropping it overflowed the
    // stack and aborted the whole scan. The tag is scanned token by token instead.
    let start = Instant::now();
    for chain in [
        format!("{{{{ {} }}}}", vec!["'a'"; 1_000_000].join(" ~ ")),
        format!("{{{{ {}1 }}}}", "-".repeat(1_000_000)),
        format!("{{{{ x{} }}}}", "|lower".repeat(1_000_000)),
        format!("{{% set x = {} %}}", vec!["{'k': {}}"; 100_000].join(" ~ ")),
    ] {
        let r = scan_template(&chain);
        let got: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.rule.id, f.severity, f.evidence.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(
                "chat-template-unparsable",
                Severity::Low,
                "a tag with more than 2000 tokens, from line 1"
            )]
        );
    }
    // The same chain in a tag of ordinary length parses.
    let short = format!("{{{{ {} }}}}", vec!["'a'"; 500].join(" ~ "));
    assert_eq!(graded(&short), vec![]);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}
