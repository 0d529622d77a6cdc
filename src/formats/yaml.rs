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

/// Read the first document of `text`. Returns the tree (`Yaml::Null` for an empty stream) and,
/// when the reading ended early, why.
pub fn parse(text: &str) -> (Yaml, Option<Stop>) {
    let mut stop = None;
    let text = if text.len() > MAX_TEXT {
        stop = Some(Stop::Bound(format!(
            "a YAML file larger than {MAX_TEXT} bytes"
        )));
        // Cut at a character boundary.
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    } else {
        text
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Yaml> = None;
    let mut events = 0usize;
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(e) => e,
            Err(e) => {
                stop.get_or_insert(Stop::Syntax(e.marker().line(), e.info().to_string()));
                break;
            }
        };
        events += 1;
        if events > MAX_EVENTS {
            stop.get_or_insert(Stop::Bound(format!("more than {MAX_EVENTS} YAML events")));
            break;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
