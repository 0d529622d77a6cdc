//! Classification of pickle globals against the allowlist and the denylist.
//!
//! The lists are data files compiled in: `data/pickle-allowlist.txt` and
//! `data/pickle-denylist.txt` (each says its format and sources). Precedence: an exact allowlist
//! entry, then the denylist, then a wildcard allowlist entry; anything else is unknown, and
//! unknown is never clean.

use std::collections::HashSet;
use std::sync::LazyLock;

/// What the lists say about one global.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Rebuilds data only (allowlisted).
    Allowed,
    /// Runs code, processes, files, network, installs or loads pickles; the category says which.
    Denied(&'static str),
    /// In neither list.
    Unknown,
}

struct Lists {
    exact_allow: HashSet<(String, String)>,
    wild_allow: Vec<String>,
    /// (module prefix, optional name prefix, category); module "*" means "any module, last name".
    deny: Vec<(String, Option<String>, &'static str)>,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| {
    let mut exact_allow = HashSet::new();
    let mut wild_allow = Vec::new();
    for line in include_str!("../../../data/pickle-allowlist.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(m), Some(n)) = (it.next(), it.next()) else {
            continue;
        };
        if n == "*" {
            wild_allow.push(m.to_string());
        } else {
            exact_allow.insert((m.to_string(), n.to_string()));
        }
    }
    let mut deny = Vec::new();
    let mut category: &'static str = "dangerous";
    for line in include_str!("../../../data/pickle-denylist.txt").lines() {
        let line = line.trim();
        if let Some(sec) = line.strip_prefix("# ---") {
            category = leak(sec.trim_end_matches('-').trim().to_string());
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        let Some(m) = it.next() else { continue };
        deny.push((m.to_string(), it.next().map(str::to_string), category));
    }
    Lists {
        exact_allow,
        wild_allow,
        deny,
    }
});

/// True when `s` is `prefix` or starts with `prefix` followed by a dot.
fn dotted_prefix(s: &str, prefix: &str) -> bool {
    s == prefix
        || (s.len() > prefix.len() && s.starts_with(prefix) && s.as_bytes()[prefix.len()] == b'.')
}

/// Classify the global `module.name` (`name` may be a dotted qualname).
pub fn classify(module: &str, name: &str) -> Class {
    let lists = &*LISTS;
    if lists
        .exact_allow
        .contains(&(module.to_string(), name.to_string()))
    {
        return Class::Allowed;
    }
    // A dunder reached through a dotted name (`object.__subclasses__`, `ndarray.__reduce__`)
    // is attribute walking, not reconstruction.
    if name
        .split('.')
        .any(|c| c.len() > 4 && c.starts_with("__") && c.ends_with("__"))
    {
        return Class::Denied("reaching a dunder attribute");
    }
    let full = format!("{module}.{name}");
    let last = name.rsplit('.').next().unwrap_or(name);
    for (m, n, cat) in &lists.deny {
        let hit = match (m.as_str(), n) {
            ("*", Some(n)) => last == n,
            (m, None) => dotted_prefix(module, m) || dotted_prefix(&full, m),
            (m, Some(n)) => module == m && dotted_prefix(name, n),
        };
        if hit {
            return Class::Denied(cat);
        }
    }
    if lists.wild_allow.iter().any(|m| dotted_prefix(module, m)) {
        return Class::Allowed;
    }
    Class::Unknown
}

struct Compat {
    modules: std::collections::HashMap<String, String>,
    names: std::collections::HashMap<(String, String), (String, String)>,
}

static COMPAT: LazyLock<Compat> = LazyLock::new(|| {
    let mut modules = std::collections::HashMap::new();
    let mut names = std::collections::HashMap::new();
    for line in include_str!("../../../data/pickle-compat.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            [m, n] => {
                modules.insert(m.to_string(), n.to_string());
            }
            [m, n, m2, n2] => {
                names.insert(
                    (m.to_string(), n.to_string()),
                    (m2.to_string(), n2.to_string()),
                );
            }
            _ => {}
        }
    }
    Compat { modules, names }
});

/// The module and name Python 3 imports for a global of a protocol 0-2 pickle
/// (`Lib/_compat_pickle.py`, applied by `fix_imports`); unchanged when no mapping applies.
pub fn fix_imports(module: &str, name: &str) -> (String, String) {
    let c = &*COMPAT;
    if let Some((m, n)) = c.names.get(&(module.to_string(), name.to_string())) {
        return (m.clone(), n.clone());
    }
    match c.modules.get(module) {
        Some(m) => (m.clone(), name.to_string()),
        None => (module.to_string(), name.to_string()),
    }
}

/// The conventional alias of a module name on this platform's Python (`posix` → `os`).
pub fn display_alias(module: &str) -> Option<&'static str> {
    match module {
        "posix" | "nt" => Some("os"),
        "__builtin__" => Some("builtins"),
        "_pickle" | "cPickle" => Some("pickle"),
        _ => None,
    }
}

/// True when the last part of a dotted name follows the CapWords class naming convention
/// (PEP 8): it starts with an upper-case ASCII letter, after optional leading underscores.
pub fn looks_like_class(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.trim_start_matches('_')
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence() {
        assert_eq!(classify("posix", "system"), Class::Denied("processes"));
        assert_eq!(
            classify("asyncio.unix_events", "_UnixSubprocessTransport._start"),
            Class::Denied("processes")
        );
        assert_eq!(classify("numpy", "dtype"), Class::Allowed);
        assert_eq!(
            classify("numpy.random._pickle", "__randomstate_ctor"),
            Class::Allowed
        );
        assert_eq!(
            classify("numpy", "load"),
            Class::Denied("loading another pickle or model")
        );
        assert_eq!(classify("types", "SimpleNamespace"), Class::Allowed);
        assert_eq!(classify("types", "CodeType"), Class::Denied("running code"));
        assert_eq!(
            classify("transformers", "AutoModel.from_pretrained"),
            Class::Denied("loading another pickle or model")
        );
        assert_eq!(classify("mypkg.models", "Net"), Class::Unknown);
        assert_eq!(
            classify("builtins", "object.__subclasses__"),
            Class::Denied("reaching a dunder attribute")
        );
        assert_eq!(classify("copyreg", "__newobj__"), Class::Allowed);
        assert_eq!(
            classify("numpy", "ndarray.tofile"),
            Class::Denied("loading another pickle or model")
        );
        assert_eq!(classify("osx_tools", "thing"), Class::Unknown);
        assert_eq!(
            fix_imports("UserString", "defaultdict"),
            ("collections".to_string(), "defaultdict".to_string())
        );
        assert_eq!(
            fix_imports("__builtin__", "long"),
            ("builtins".to_string(), "int".to_string())
        );
    }

    #[test]
    fn class_names() {
        assert!(looks_like_class("IntervalStrategy"));
        assert!(looks_like_class("_Private.Inner"));
        assert!(!looks_like_class("spawnv_passfds"));
    }
}
