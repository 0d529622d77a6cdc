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
//! indented continuation lines joined to the value. `%%` is read as `%` (basic interpolation);
//! other interpolations are left as written.

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
}

/// The Python source `fileConfig` evaluates of `text`, as long in lines as the file; `None`
/// when no handler section has a `class`, `args` or `kwargs` value.
pub fn program(text: &str) -> Option<String> {
    let mut handlers: Vec<Handler> = Vec::new();
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
            if in_handler {
                handlers.push(Handler::default());
            }
            continue;
        }
        if !in_handler {
            continue;
        }
        let Some(at) = trimmed.find(['=', ':']) else {
            continue;
        };
        let key = trimmed[..at].trim().to_ascii_lowercase();
        let value = trimmed[at + 1..].trim();
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
        let value = value.replace("%%", "%");
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
        let class = h.class.unwrap_or_else(|| "StreamHandler".to_string());
        let args = h.args.unwrap_or_else(|| "()".to_string());
        let kwargs = h.kwargs.unwrap_or_else(|| "{}".to_string());
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
}
