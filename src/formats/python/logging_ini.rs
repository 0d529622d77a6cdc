//! What `logging.config.fileConfig` evaluates of a configuration file, as Python source.
//!
//! CPython's `logging/config.py` (`_install_handlers`) evaluates three values of every
//! `[handler_*]` section with `eval(…, vars(logging))`: `class` (when it is no dotted name
//! `_resolve` imports), `args` and `kwargs`, then calls `klass(*args, **kwargs)`. So a shipped
//! `logging.ini` with `args=(__import__('os').system('…'),)` runs a command whenever a module
//! hands it to `fileConfig`. [`program`] writes those values as one call per handler, at the
//! line of its first evaluated key, so the Python analyser judges them as the calling module's
//! top level would run them; the names `logging` binds (`os`, `sys`) are imported on line 1.
//!
//! The reading follows `configparser` as `fileConfig` uses it: `[section]` headers (names kept
//! as written), `key = value` or `key: value` with keys lowercased, `#`/`;` comment lines, and
//! indented continuation lines joined to the value, lines ended by `\n`, `\r\n` or `\r`
//! (universal newlines), and `%(name)s` expanded from the section's keys and `[DEFAULT]`'s and
//! `%%` read as `%` (basic interpolation, [`interpolate`]).

/// Lines of a configuration file read, and handler sections written.
const MAX_LINES: usize = 20_000;
const MAX_HANDLERS: usize = 256;
/// Bytes of one value kept.
const MAX_VALUE: usize = 4096;

#[derive(Default)]
struct Handler {
    /// The line (1-based) of the first evaluated key.
    line: usize,
    class: Option<String>,
    args: Option<String>,
    kwargs: Option<String>,
    /// Every key of the section (lowercased) and its value, for `%(name)s` interpolation.
    keys: std::collections::HashMap<String, String>,
}

/// `%(name)s` references expanded as `configparser`'s basic interpolation does (the section's
/// keys, then `[DEFAULT]`'s; at most 10 levels, as its `MAX_INTERPOLATION_DEPTH`), `%%` read
/// as `%`; the result cut to [`MAX_VALUE`] bytes.
fn interpolate(
    value: &str,
    keys: &std::collections::HashMap<String, String>,
    defaults: &std::collections::HashMap<String, String>,
    depth: usize,
) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('%') {
            out.push('%');
            rest = r;
        } else if let Some((name, r)) = after
            .strip_prefix('(')
            .and_then(|a| a.split_once(")s"))
            .filter(|(n, _)| !n.contains(['(', ')']) && n.len() <= 128)
        {
            let lower = name.to_ascii_lowercase();
            match keys.get(&lower).or_else(|| defaults.get(&lower)) {
                Some(v) if depth < 10 => out.push_str(&interpolate(v, keys, defaults, depth + 1)),
                _ => out.push_str(&rest[i..i + 1 + name.len() + 3]),
            }
            rest = r;
        } else {
            out.push('%');
            rest = after;
        }
        if out.len() > MAX_VALUE {
            break;
        }
    }
    out.push_str(rest);
    out.chars().take(MAX_VALUE).collect()
}

/// The Python source `fileConfig` evaluates of `text`, as long in lines as the file; `None`
/// when no handler section has a `class`, `args` or `kwargs` value.
pub fn program(text: &str) -> Option<String> {
    // Python reads the file with universal newlines: a lone `\r` ends a line too.
    let text = &text.replace("\r\n", "\n").replace('\r', "\n");
    let mut handlers: Vec<Handler> = Vec::new();
    let mut defaults: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut in_defaults = false;
    let mut in_handler = false;
    // The key whose value continuation lines extend.
    let mut current: Option<&'static str> = None;
    let mut lines = 0;
    for (i, raw) in text.lines().enumerate().take(MAX_LINES) {
        lines = i + 1;
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // A continuation line of the current value.
            if let (true, Some(key), Some(h)) = (in_handler, current, handlers.last_mut()) {
                let slot = match key {
                    "class" => &mut h.class,
                    "args" => &mut h.args,
                    _ => &mut h.kwargs,
                };
                if let Some(v) = slot {
                    if v.len() + trimmed.len() < MAX_VALUE {
                        v.push(' ');
                        v.push_str(trimmed);
                    }
                }
            }
            continue;
        }
        current = None;
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name.split(']').next().unwrap_or("");
            in_handler = name.starts_with("handler_") && handlers.len() < MAX_HANDLERS;
            in_defaults = name == "DEFAULT";
            if in_handler {
                handlers.push(Handler::default());
            }
            continue;
        }
        if !in_handler && !in_defaults {
            continue;
        }
        let Some(at) = trimmed.find(['=', ':']) else {
            continue;
        };
        let key = trimmed[..at].trim().to_ascii_lowercase();
        let value = trimmed[at + 1..].trim();
        let kept: String = value.chars().take(MAX_VALUE).collect();
        if in_defaults {
            if defaults.len() < MAX_HANDLERS {
                defaults.insert(key, kept);
            }
            continue;
        }
        if let Some(h) = handlers.last_mut().filter(|h| h.keys.len() < MAX_HANDLERS) {
            h.keys.insert(key.clone(), kept);
        }
        let key: &'static str = match key.as_str() {
            "class" => "class",
            "args" => "args",
            "kwargs" => "kwargs",
            _ => continue,
        };
        let Some(h) = handlers.last_mut() else {
            continue;
        };
        let value: String = value.chars().take(MAX_VALUE).collect();
        if h.line == 0 {
            h.line = i + 1;
        }
        current = Some(key);
        match key {
            "class" => h.class = Some(value),
            "args" => h.args = Some(value),
            _ => h.kwargs = Some(value),
        }
    }
    let mut out: Vec<String> = vec![String::new(); lines.max(1)];
    out[0] = "import os, sys, logging, logging.handlers".to_string();
    let mut any = false;
    for h in handlers {
        if h.line == 0 {
            continue;
        }
        // A bare class name is looked up in `logging`'s namespace; a dotted one that is not
        // there is imported (`_resolve`): either way it is called with the arguments.
        let expand = |v: Option<String>, default: &str| {
            interpolate(v.as_deref().unwrap_or(default), &h.keys, &defaults, 0)
        };
        let class = expand(h.class.clone(), "StreamHandler");
        let args = expand(h.args.clone(), "()");
        let kwargs = expand(h.kwargs.clone(), "{}");
        let call = format!("({class})(*({args}), **({kwargs}))");
        let slot = &mut out[h.line - 1];
        if slot.is_empty() {
            *slot = call;
        } else {
            slot.push_str("; ");
            slot.push_str(&call);
        }
        any = true;
    }
    any.then(|| out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::program;

    #[test]
    fn handler_values_become_one_call_at_their_line() {
        let ini = "[handlers]\nkeys=h\n[handler_h]\nclass=StreamHandler\nargs=(sys.stderr,)\n";
        let p = program(ini).expect("a handler");
        let lines: Vec<&str> = p.split('\n').collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[3], "(StreamHandler)(*((sys.stderr,)), **({}))");
        assert!(program("[loggers]\nkeys=root\n").is_none());
        // Continuations and `:`.
        let p = program("[handler_x]\nArgs: ('a',\n  'b')\n").expect("a handler");
        assert_eq!(
            p.lines().nth(1),
            Some("(StreamHandler)(*(('a', 'b')), **({}))")
        );
    }

    /// `%(name)s` from the section and `[DEFAULT]` is expanded, `%%` is `%`, and a lone `\r`
    /// ends a line, as `configparser` reads the file for `fileConfig` (tester t23 i01-i03).
    #[test]
    fn interpolation_and_lone_carriage_returns_are_read_as_configparser_does() {
        let ini = "[DEFAULT]\ncmd=__import__('os').system('echo hi')\n[handler_h]\nmod=os\nargs=(%(cmd)s, '%(mod)s', '100%%')\n";
        let p = program(ini).expect("a handler");
        assert_eq!(
            p.lines().nth(4),
            Some("(StreamHandler)(*((__import__('os').system('echo hi'), 'os', '100%')), **({}))")
        );
        let cr = "[handler_h]\rargs=(1,)\r";
        let p = program(cr).expect("a handler");
        assert_eq!(p.lines().nth(1), Some("(StreamHandler)(*((1,)), **({}))"));
        // A reference to itself stops at ten levels.
        let looped = "[handler_h]\na=%(a)s\nargs=(%(a)s,)\n";
        assert!(program(looped).is_some());
    }
}
