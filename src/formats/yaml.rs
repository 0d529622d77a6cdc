//! A bounded YAML tree for the small manifests airlock reads by their keys (MLflow's `MLmodel`,
//! conda environment files): the first document of a YAML 1.2 stream (`saphyr-parser`'s event
//! stream), scalars as strings with their line, aliases left unexpanded (an alias stands for
//! nothing: no alias bomb can grow the tree), tags ignored.
//!
//! Bounds: [`MAX_TEXT`] bytes read, [`MAX_EVENTS`] events, [`MAX_DEPTH`] nested containers.
//! A bound or a syntax error ends the reading with [`Stop`], and the tree built up to there is
//! kept (open containers closed where the reading stopped).

use saphyr_parser::{Event, Parser};

/// Largest text read (bytes): manifests are a few KiB.
pub const MAX_TEXT: usize = 4 << 20;

/// Events read at most.
pub const MAX_EVENTS: usize = 200_000;

/// Containers nested at most; deeper ones are read as [`Yaml::Null`].
pub const MAX_DEPTH: usize = 64;

/// A YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// A scalar (plain or quoted) and its line (1-based).
    Scalar(String, usize),
    /// A sequence.
    Seq(Vec<Yaml>),
    /// A mapping, keys in file order (a key that is not a scalar is kept as `""`).
    Map(Vec<(String, Yaml)>),
    /// An alias, an empty document, or a container past [`MAX_DEPTH`].
    Null,
}

/// Why the reading ended before the end of the first document.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// A bound was hit: what it is (`"more than 200000 YAML events"`).
    Bound(String),
    /// The text is not YAML: the parser's message and its line.
    Syntax(usize, String),
}

impl Yaml {
    /// The value under `key` in a mapping (the first, as YAML loaders keep the last; a
    /// duplicate key is rare in a manifest and either answer is a guess).
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// The line of a scalar (1-based).
    pub fn line(&self) -> Option<usize> {
        match self {
            Yaml::Scalar(_, l) => Some(*l),
            _ => None,
        }
    }
}

/// An open container while reading.
enum Open {
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>, Option<String>),
    /// A container past the depth bound, skipped to its end.
    Skipped,
}

/// Add a finished node to the container on top, or make it the document.
fn attach(stack: &mut [Open], root: &mut Option<Yaml>, node: Yaml) {
    match stack.last_mut() {
        Some(Open::Seq(items)) => items.push(node),
        Some(Open::Map(pairs, key)) => match key.take() {
            Some(k) => pairs.push((k, node)),
            None => *key = Some(node.as_str().unwrap_or_default().to_string()),
        },
        Some(Open::Skipped) => {}
        None => {
            if root.is_none() {
                *root = Some(node);
            }
        }
    }
}

/// Close an open container into a node.
fn close(open: Open) -> Yaml {
    match open {
        Open::Seq(items) => Yaml::Seq(items),
        Open::Map(pairs, _) => Yaml::Map(pairs),
        Open::Skipped => Yaml::Null,
    }
}

/// `text` cut to at most `max` bytes at a character boundary, with the bound's [`Stop`] when
/// it was cut.
fn bounded_text(text: &str, max: usize) -> (&str, Option<Stop>) {
    if text.len() <= max {
        return (text, None);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let stop = Stop::Bound(format!("a YAML file larger than {max} bytes"));
    (&text[..end], Some(stop))
}

/// `text` with every surrogate escape of a double-quoted scalar (`"\ud800"`, `"\U0000DFFF"`,
/// either half of an escaped pair) spelled `\ufffd` (`\U0000FFFD`), same length, so lines and
/// offsets stay. PyYAML, which Hydra, OmegaConf, MLflow and conda read YAML and JSON with, turns
/// such an escape into the code point (`chr`), surrogates included; saphyr refuses any of them,
/// and a reader that stops there would hide every key after it (tester t29 K9). An escape is a
/// `\u` or `\U` after an odd run of backslashes; elsewhere (plain or single-quoted scalars,
/// where a backslash is itself) the rewrite changes text that names nothing.
pub fn pyyaml_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'\\', &b[i..]) {
        let start = i + at;
        let run = b[start..].iter().take_while(|c| **c == b'\\').count();
        let esc = start + run - 1;
        i = start + run;
        if run % 2 == 0 {
            continue;
        }
        let (n, with) = match b.get(esc + 1) {
            Some(b'u') => (4, "\\ufffd"),
            Some(b'U') => (8, "\\U0000FFFD"),
            _ => continue,
        };
        let Some(hex) = b.get(esc + 2..esc + 2 + n) else {
            continue;
        };
        let value = std::str::from_utf8(hex)
            .ok()
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        if value.is_some_and(|v| (0xD800..=0xDFFF).contains(&v)) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..esc]);
            o.push_str(with);
            copied = esc + 2 + n;
            i = copied;
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// The next event of `parser`, counting it in `events`: `None` at the end of the stream, or
/// when a syntax error or more than `max` events end the reading (the first reason is kept in
/// `stop`).
fn next_event<'a>(
    parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
    events: &mut usize,
    max: usize,
    stop: &mut Option<Stop>,
) -> Option<(Event<'a>, saphyr_parser::Span)> {
    let next = match parser.next_event()? {
        Ok(e) => e,
        Err(e) => {
            stop.get_or_insert(Stop::Syntax(e.marker().line(), e.info().to_string()));
            return None;
        }
    };
    *events += 1;
    if *events > max {
        stop.get_or_insert(Stop::Bound(format!("more than {max} YAML events")));
        return None;
    }
    Some(next)
}

/// Read the first document of `text`. Returns the tree (`Yaml::Null` for an empty stream) and,
/// when the reading ended early, why.
pub fn parse(text: &str) -> (Yaml, Option<Stop>) {
    let (text, mut stop) = bounded_text(text, MAX_TEXT);
    let escaped = pyyaml_escapes(text);
    let text = &*escaped;
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Yaml> = None;
    let mut events = 0usize;
    let mut parser = Parser::new_from_str(text);
    while let Some((event, span)) = next_event(&mut parser, &mut events, MAX_EVENTS, &mut stop) {
        let deep = stack.len() >= MAX_DEPTH || matches!(stack.last(), Some(Open::Skipped));
        match event {
            Event::MappingStart(..) if deep => stack.push(Open::Skipped),
            Event::SequenceStart(..) if deep => stack.push(Open::Skipped),
            Event::MappingStart(..) => stack.push(Open::Map(Vec::new(), None)),
            Event::SequenceStart(..) => stack.push(Open::Seq(Vec::new())),
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(open) = stack.pop() {
                    attach(&mut stack, &mut root, close(open));
                }
            }
            Event::Scalar(v, ..) => attach(
                &mut stack,
                &mut root,
                Yaml::Scalar(v.to_string(), span.start.line()),
            ),
            Event::Alias(_) => attach(&mut stack, &mut root, Yaml::Null),
            // The first document only: manifests have one.
            Event::DocumentEnd if root.is_some() => break,
            _ => {}
        }
    }
    if stop.is_some() {
        while let Some(open) = stack.pop() {
            attach(&mut stack, &mut root, close(open));
        }
    }
    (root.unwrap_or(Yaml::Null), stop)
}

/// One entry of a list read by [`list_entries`]: its kept scalar fields, `(field, value,
/// line)`.
pub type Entry = Vec<(String, String, usize)>;

/// The entries of a lock file's top-level list: for the first document's top-level key in
/// `lists` whose value is a sequence, each item that is a mapping, as its scalar fields named
/// in `fields` (`(field, value, line)`); nested containers are passed over. Read from the
/// event stream without building a tree, so a large lock costs its kept fields only. Bounds:
/// `max_text` bytes, `max_events` events, `max_entries` entries; a bound or a syntax error
/// ends the reading with [`Stop`], the entries read until then kept.
pub fn list_entries(
    text: &str,
    lists: &[&str],
    fields: &[&str],
    max_text: usize,
    max_events: usize,
    max_entries: usize,
) -> (Vec<Entry>, Option<Stop>) {
    let (text, mut stop) = bounded_text(text, max_text);
    let escaped = pyyaml_escapes(text);
    let text = &*escaped;
    // Open containers: whether each is a mapping, the key awaiting its value (mappings), and
    // the key the container is the value of.
    struct Frame {
        map: bool,
        key: Option<String>,
        of: Option<String>,
    }
    let entry_on_top = |stack: &[Frame]| {
        stack.len() == 3
            && stack[0].map
            && !stack[1].map
            && stack[2].map
            && stack[1].of.as_deref().is_some_and(|k| lists.contains(&k))
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    // Whether the mapping on top of the stack is an entry being read.
    let mut in_entry = false;
    let mut events = 0usize;
    let mut parser = Parser::new_from_str(text);
    while let Some((event, span)) = next_event(&mut parser, &mut events, max_events, &mut stop) {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let map = matches!(event, Event::MappingStart(..));
                let of = stack
                    .last_mut()
                    .filter(|f| f.map)
                    .and_then(|f| f.key.take());
                stack.push(Frame { map, key: None, of });
                in_entry = entry_on_top(&stack);
                if in_entry {
                    if entries.len() >= max_entries {
                        stop.get_or_insert(Stop::Bound(format!("more than {max_entries} entries")));
                        break;
                    }
                    entries.push(Vec::new());
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                in_entry = entry_on_top(&stack);
            }
            Event::Scalar(v, ..) => {
                if let Some(top) = stack.last_mut().filter(|f| f.map) {
                    match top.key.take() {
                        None => top.key = Some(v.to_string()),
                        Some(k) => {
                            if in_entry && fields.contains(&k.as_str()) {
                                if let Some(e) = entries.last_mut() {
                                    e.push((k, v.to_string(), span.start.line()));
                                }
                            }
                        }
                    }
                }
            }
            Event::Alias(_) => {
                if let Some(top) = stack.last_mut().filter(|f| f.map) {
                    if top.key.take().is_none() {
                        top.key = Some(String::new());
                    }
                }
            }
            Event::DocumentEnd if !stack.is_empty() || !entries.is_empty() => break,
            _ => {}
        }
    }
    (entries, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_escapes_are_read_as_pyyaml_reads_them() {
        // Lone, paired, 8-digit; an escaped backslash before `u` is no escape; length kept.
        let text = "a: \"x\\ud800\\uD83D\\uDE00\\U0000DC00\\\\ud800\\u0041\"\nb: 1\n";
        let got = pyyaml_escapes(text);
        assert_eq!(got.len(), text.len());
        assert_eq!(
            got,
            "a: \"x\\ufffd\\ufffd\\ufffd\\U0000FFFD\\\\ud800\\u0041\"\nb: 1\n"
        );
        let (y, stop) = parse(text);
        assert!(stop.is_none(), "{stop:?}");
        assert_eq!(y.get("b").and_then(Yaml::as_str), Some("1"));
        assert!(matches!(
            pyyaml_escapes("a: b\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn nested_mappings_and_lines() {
        let (y, stop) = parse("a:\n  b: [x, 'y']\n  c: {d: 1}\ne: &k v\nf: *k\n");
        assert_eq!(stop, None);
        let b = y.get("a").and_then(|a| a.get("b")).expect("a.b");
        assert_eq!(
            b,
            &Yaml::Seq(vec![
                Yaml::Scalar("x".into(), 2),
                Yaml::Scalar("y".into(), 2)
            ])
        );
        assert_eq!(
            y.get("a")
                .and_then(|a| a.get("c"))
                .and_then(|c| c.get("d"))
                .and_then(Yaml::line),
            Some(3)
        );
        assert_eq!(y.get("e").and_then(Yaml::as_str), Some("v"));
        assert_eq!(y.get("f"), Some(&Yaml::Null));
    }

    #[test]
    fn bounds_and_errors_stop_with_the_tree_so_far() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let (y, stop) = parse(&deep);
        assert_eq!(stop, None);
        assert!(matches!(y, Yaml::Seq(_)));
        let (y, stop) = parse("a: 1\nb: [2\n");
        assert!(matches!(stop, Some(Stop::Syntax(..))), "{stop:?}");
        assert_eq!(y.get("a").and_then(Yaml::as_str), Some("1"));
        let many = "- x\n".repeat(MAX_EVENTS);
        let (_, stop) = parse(&many);
        assert!(matches!(stop, Some(Stop::Bound(_))), "{stop:?}");
    }

    #[test]
    fn list_entries_keep_the_named_fields_of_each_entry() {
        let text = "version: 6\npackages:\n- conda: https://x/a.conda\n  depends:\n  - b\n- pypi: https://x/litellm-1.0-py3-none-any.whl\n  name: litellm\n  version: '1.0'\n  requires_dist: [x]\nother:\n- name: no\n";
        let (e, stop) = list_entries(
            text,
            &["packages"],
            &["name", "version", "pypi", "conda"],
            1 << 20,
            1000,
            10,
        );
        assert_eq!(stop, None);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0], vec![("conda".into(), "https://x/a.conda".into(), 3)]);
        assert_eq!(e[1][1], ("name".into(), "litellm".into(), 7));
        assert_eq!(e[1][2], ("version".into(), "1.0".into(), 8));
        let (e, stop) = list_entries(text, &["packages"], &["name"], 1 << 20, 1000, 1);
        assert_eq!(e.len(), 1);
        assert!(matches!(stop, Some(Stop::Bound(_))));
    }
}
