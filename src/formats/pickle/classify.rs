//! Classification of pickle globals against the allowlist and the denylist.
//!
//! The lists are data files compiled in: `data/pickle-allowlist.txt` and
//! `data/pickle-denylist.txt` (each says its format and sources). Precedence: an exact allowlist
//! entry, then the denylist, then a wildcard allowlist entry; anything else is unknown, and
//! unknown is never clean.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::finding::Severity;

/// What the lists say about one global.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Rebuilds data only (allowlisted).
    Allowed,
    /// Runs code, processes, files, network, installs or loads pickles; the category says which
    /// ([`call_severity`] says how bad a call of it is).
    Denied(&'static str),
    /// In neither list.
    Unknown,
}

struct Lists {
    exact_allow: HashSet<(String, String)>,
    wild_allow: Vec<String>,
    /// `module **` entries: every single name defined in exactly that module, functions too.
    module_allow: HashSet<String>,
    /// (module prefix, optional name prefix, category); module "*" means "any module, last name".
    deny: Vec<(String, Option<String>, &'static str)>,
    /// The severity of a call, per category that does not use the default (critical).
    severities: Vec<(&'static str, Severity)>,
    /// Categories whose entries are dangerous only when initialised with arguments
    /// ([`init_only`]).
    init_only: Vec<&'static str>,
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| {
    let mut exact_allow = HashSet::new();
    let mut wild_allow = Vec::new();
    let mut module_allow = HashSet::new();
    for line in include_str!("../../../data/pickle-allowlist.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(m), Some(n)) = (it.next(), it.next()) else {
            continue;
        };
        if n == "**" {
            module_allow.insert(m.to_string());
        } else if n == "*" {
            wild_allow.push(m.to_string());
        } else {
            exact_allow.insert((m.to_string(), n.to_string()));
        }
    }
    let mut deny = Vec::new();
    let mut severities = Vec::new();
    let mut init_only = Vec::new();
    let mut category: &'static str = "dangerous";
    for line in include_str!("../../../data/pickle-denylist.txt").lines() {
        let line = line.trim();
        if let Some(sec) = line.strip_prefix("# ---") {
            // `# --- name ---`, `# --- name --- severity` or `# --- name --- severity init`.
            let (name, severity, init) = match sec.split_once("---") {
                Some((name, rest)) => {
                    let mut words = rest.split_whitespace();
                    let sev = parse_severity(words.next().unwrap_or(""));
                    (name, sev, words.next() == Some("init"))
                }
                None => (sec, Severity::Critical, false),
            };
            category = leak(name.trim().to_string());
            if init {
                init_only.push(category);
            }
            if severity != Severity::Critical {
                severities.push((category, severity));
            }
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
        module_allow,
        deny,
        severities,
        init_only,
    }
});

/// The severity word of a denylist section header; an empty or unknown word is critical (the
/// `headers_parse` test keeps every header in the file valid).
fn parse_severity(word: &str) -> Severity {
    match word {
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Critical,
    }
}

/// How bad a load-time call of a callable of denylist `category` is: critical, unless the
/// category's section header names a lower severity (callables that run code only when the
/// object they build is used later, such as a template compiled from pickled text).
pub fn call_severity(category: &str) -> Severity {
    LISTS
        .severities
        .iter()
        .find(|(c, _)| *c == category)
        .map_or(Severity::Critical, |(_, s)| *s)
}

/// True for a category whose section header ends with `init`: classes whose `__init__` is the
/// danger (it connects, reads a path, runs a process) while real files rebuild them through
/// `cls.__new__` (`NEWOBJ`, `copyreg._reconstructor`) and `__setstate__`. Only a call that runs
/// `__init__` with arguments (`REDUCE`, `INST`, `OBJ`) is denied; see [`classify_uninitialised`].
pub fn init_only(category: &str) -> bool {
    LISTS.init_only.contains(&category)
}

/// [`classify`] for a global that is not initialised with arguments (rebuilt through
/// `cls.__new__`, called without arguments, or only imported): entries of [`init_only`]
/// categories do not count, so the allowlists decide.
pub fn classify_uninitialised(module: &str, name: &str) -> Class {
    match classify(module, name) {
        Class::Denied(c) if init_only(c) => {
            let lists = &*LISTS;
            if wildcard_admits(name) && lists.wild_allow.iter().any(|m| dotted_prefix(module, m)) {
                Class::Allowed
            } else {
                Class::Unknown
            }
        }
        other => other,
    }
}

/// True when `s` is `prefix` or starts with `prefix` followed by a dot.
fn dotted_prefix(s: &str, prefix: &str) -> bool {
    s == prefix
        || (s.len() > prefix.len() && s.starts_with(prefix) && s.as_bytes()[prefix.len()] == b'.')
}

/// Does `glob` match `s`? A `*` in `glob` matches any run of characters other than a dot, so a
/// pattern never reaches across a dotted part.
fn glob_part(glob: &str, s: &str) -> bool {
    let Some((head, rest)) = glob.split_once('*') else {
        return glob == s;
    };
    let Some(mut tail) = s.strip_prefix(head) else {
        return false;
    };
    loop {
        if glob_part(rest, tail) {
            return true;
        }
        match tail.chars().next() {
            Some(c) if c != '.' => tail = &tail[c.len_utf8()..],
            _ => return false,
        }
    }
}

/// [`dotted_prefix`] with a name pattern: the first dotted parts of `s`, as many as `pattern`
/// has, each match [`glob_part`] (`*.to_*` covers `DataFrame.to_json` and its attributes).
fn dotted_prefix_glob(s: &str, pattern: &str) -> bool {
    if !pattern.contains('*') {
        return dotted_prefix(s, pattern);
    }
    let mut parts = s.split('.');
    pattern
        .split('.')
        .all(|p| parts.next().is_some_and(|part| glob_part(p, part)))
}

/// Does the deny entry `(m, n)` cover the object at the dotted path `full`, whose last
/// part is `last`? A module entry covers the module and its submodules; a function entry
/// `m n` covers `n` (and its attributes) in `m` or in any submodule of `m`, since packages
/// re-export their functions from private submodules (`numpy.savetxt` is
/// `numpy.lib._npyio_impl.savetxt`); `* n` covers any callable whose last name part is `n`.
/// A `*` in `n` matches inside one dotted part ([`glob_part`]). An undotted `n` also covers an
/// object reached by attributes anywhere under `m` whose last part is `n`
/// (`tensorflow` / `keras.layers.Lambda` is `Lambda` under `tensorflow`), as attribute paths
/// reach re-exports the same way submodules do.
fn deny_hit(m: &str, n: Option<&str>, module: &str, name: &str, full: &str, last: &str) -> bool {
    match (m, n) {
        ("*", Some(n)) => glob_part(n, last),
        (m, None) if m.starts_with("*.") => {
            let part = &m[2..];
            module.split('.').any(|p| p == part) || full.split('.').any(|p| p == part)
        }
        (m, None) => dotted_prefix(module, m) || dotted_prefix(full, m),
        (m, Some(n)) => {
            (dotted_prefix(module, m) && dotted_prefix_glob(name, n))
                || (!n.contains('.')
                    && glob_part(n, last)
                    && full
                        .rsplit_once('.')
                        .is_some_and(|(parent, _)| dotted_prefix(parent, m)))
        }
    }
}

/// The first denylist category covering `module.name`, or covering any attribute path a dotted
/// `name` walks through: Python resolves `torch.nn.modules.module` / `torch.os.execv` by
/// `getattr` from the module, so the tail `os.execv` is reached as the module `os`. Every part
/// of the name counts, the last one too: `shlex` / `os` is the module `os` itself (an import
/// inside `shlex`), covered by the denylist's module entry `os`. A path part is also tried
/// without leading underscores, as modules alias imports that way (`import sys as _sys`).
/// Parts of the module (`scipy.signal`) are not tried: `find_class` imports the module path,
/// and the import system resolves each part as a submodule, never as an attribute.
///
/// When several categories cover it, the one whose call is worst ([`call_severity`]) is
/// returned, and among equally bad ones the one reached through the deepest tail, so
/// `shlex` / `os.system` is `os.system` (processes), not the `* system` entry of another
/// section. The tails are slices of `name`, so a long name costs linear memory (the machine
/// bounds how many parts a global keeps, [`super::machine::MAX_GLOBAL_PARTS`]).
fn denied(module: &str, name: &str) -> Option<&'static str> {
    let lists = &*LISTS;
    let last = name.rsplit('.').next().unwrap_or(name);
    // (module, name) pairs to try, deepest first: every part of the name read as a module with
    // the rest of the name as the path on it (the rest empty for the last part), then the pair
    // as written.
    let mut tries: Vec<(&str, &str)> = Vec::new();
    let mut start = 0usize;
    for (i, part) in name.split('.').enumerate() {
        let rest_at = start + part.len();
        let rest = name.get(rest_at + 1..).unwrap_or("");
        if i > 0 || !part.is_empty() {
            for head in [part, part.trim_start_matches('_')] {
                if !head.is_empty() && tries.last() != Some(&(head, rest)) {
                    tries.push((head, rest));
                }
            }
        }
        start = rest_at + 1;
    }
    tries.reverse();
    tries.push((module, name));
    let mut best: Option<(&'static str, Severity)> = None;
    for (tm, tn) in tries {
        let tfull = if tn.is_empty() {
            tm.to_string()
        } else {
            format!("{tm}.{tn}")
        };
        for (m, n, cat) in &lists.deny {
            // A bare module (`tn` empty) is covered by module entries only.
            let hit = if tn.is_empty() {
                n.is_none()
                    && (dotted_prefix(tm, m)
                        || m.strip_prefix("*.")
                            .is_some_and(|p| tm.split('.').any(|x| x == p)))
            } else {
                deny_hit(m, n.as_deref(), tm, tn, &tfull, last)
            };
            if hit {
                let sev = call_severity(cat);
                if sev == Severity::Critical {
                    return Some(cat);
                }
                if best.is_none_or(|(_, b)| sev > b) {
                    best = Some((cat, sev));
                }
            }
        }
    }
    best.map(|(cat, _)| cat)
}

/// True when a wildcard allowlist entry may admit `name`: a single (undotted) name that looks
/// like a class (CapWords), or a Cython-generated `__pyx_unpickle_<Class>` reconstructor.
/// Functions, and names walking attributes, must be listed by name.
fn wildcard_admits(name: &str) -> bool {
    !name.contains('.') && (looks_like_class(name) || name.starts_with("__pyx_unpickle_"))
}

/// Classify the global `module.name` (`name` may be a dotted qualname).
///
/// Precedence: an exact allowlist entry; a dunder reached through a dotted name; the denylist
/// (including every attribute path a dotted name walks through); a wildcard allowlist entry,
/// which admits only class-like single names ([`wildcard_admits`]); else unknown.
pub fn classify(module: &str, name: &str) -> Class {
    let lists = &*LISTS;
    if lists
        .exact_allow
        .contains(&(module.to_string(), name.to_string()))
    {
        return Class::Allowed;
    }
    if !name.contains('.') && !name.starts_with("__") && lists.module_allow.contains(module) {
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
    if let Some(cat) = denied(module, name) {
        return Class::Denied(cat);
    }
    if wildcard_admits(name) && lists.wild_allow.iter().any(|m| dotted_prefix(module, m)) {
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
/// (PEP 8): it starts with an upper-case ASCII letter, after optional leading underscores; and
/// no earlier part is a constant's name (`_LIB`, `REGISTRY`: all capitals), through which a
/// call reaches a function, not a class.
pub fn looks_like_class(name: &str) -> bool {
    // `lightgbm.basic._LIB.LGBM_BoosterCreateFromModelfile`: a call through a module constant
    // (a ctypes library, a registry object) is a function call, whatever its last name.
    let constant = |p: &str| {
        let t = p.trim_start_matches('_');
        t.len() >= 2
            && t.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
    };
    let mut parts = name.rsplit('.');
    let last = parts.next().unwrap_or(name);
    if parts.any(constant) {
        return false;
    }
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
        // Re-exports reachable through the `transformers *` and `sklearn *` wildcards.
        assert_eq!(
            classify("transformers", "HfAgent"),
            Class::Denied("running code")
        );
        assert_eq!(
            classify("transformers", "PythonInterpreterTool"),
            Class::Denied("running code")
        );
        assert_eq!(
            classify("transformers", "HfApiEngine"),
            Class::Denied("network")
        );
        assert_eq!(
            classify("transformers", "PreTrainedModel.push_to_hub"),
            Class::Denied("network")
        );
        assert_eq!(
            classify("sklearn.datasets", "fetch_file"),
            Class::Denied("loading another pickle or model")
        );
        assert_eq!(classify("numpy", "test"), Class::Denied("running code"));
        assert_eq!(classify("transformers", "BertModel"), Class::Allowed);
        assert_eq!(
            classify("sklearn.linear_model", "LogisticRegression"),
            Class::Allowed
        );
        assert_eq!(classify("mypkg.models", "Net"), Class::Unknown);
        assert_eq!(
            classify("builtins", "object.__subclasses__"),
            Class::Denied("reaching a dunder attribute")
        );
        assert_eq!(classify("copyreg", "__newobj__"), Class::Allowed);
        assert_eq!(classify("numpy", "ndarray.tofile"), Class::Denied("files"));
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

    /// Dotted names are walked with getattr: any part naming a denylisted module denies them,
    /// and a wildcard entry never admits one.
    #[test]
    fn dotted_names() {
        assert_eq!(
            classify("torch.nn.modules.module", "torch.os.execv"),
            Class::Denied("processes")
        );
        assert_eq!(
            classify("sklearn.base", "platform.subprocess.check_output"),
            Class::Denied("processes")
        );
        assert_eq!(classify("shlex", "os.execv"), Class::Denied("processes"));
        assert!(matches!(
            classify("collections", "_sys.modules.get"),
            Class::Denied(_)
        ));
        // Not denylisted, but a wildcard entry does not admit it.
        assert_eq!(
            classify("torch.nn.modules.linear", "Linear.Inner"),
            Class::Unknown
        );
        assert_eq!(
            classify("torch.nn.modules.linear", "Linear"),
            Class::Allowed
        );
    }

    /// Function entries of the denylist cover submodules; wildcard entries admit classes only.
    #[test]
    fn wildcards_admit_classes_only() {
        for (m, n) in [
            ("numpy.lib._npyio_impl", "savetxt"),
            ("numpy.rec", "fromfile"),
            ("sklearn.datasets._openml", "fetch_openml"),
            ("transformers.testing_utils", "run_command"),
            (
                "transformers.models.auto.auto_factory",
                "get_class_from_dynamic_module",
            ),
            ("pandas.compat._optional", "import_optional_dependency"),
            ("_pyrepl.pager", "pipe_pager"),
            ("_pyrepl.pager", "tempfile_pager"),
            ("pydoc", "pipepager"),
        ] {
            assert!(matches!(classify(m, n), Class::Denied(_)), "{m}.{n}");
        }
        // A function under a wildcard entry is unknown unless listed by name.
        assert_eq!(classify("sklearn.utils.misc", "helper"), Class::Unknown);
        assert_eq!(classify("numpy", "float64"), Class::Allowed);
        assert_eq!(
            classify("sklearn.linear_model._logistic", "LogisticRegression"),
            Class::Allowed
        );
        assert_eq!(
            classify("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
            Class::Allowed
        );
    }

    /// A dangerous function is denied under every path that reaches it: the re-exports and old
    /// homes that libraries keep (tester round 10, B3), as well as its canonical name.
    #[test]
    fn re_exports_are_denied_like_the_canonical_name() {
        for (m, n) in [
            // joblib's functions as scikit-learn re-exports them.
            ("joblib", "dump"),
            ("sklearn.utils._joblib", "dump"),
            ("sklearn.externals.joblib", "dump"),
            ("sklearn.utils._joblib", "load"),
            ("sklearn.utils._joblib", "Memory"),
            ("sklearn.utils.fixes", "dump"),
            // A writer of an arbitrary path, public and private.
            ("sklearn.datasets", "dump_svmlight_file"),
            ("sklearn.datasets._svmlight_format_io", "dump_svmlight_file"),
            ("sklearn.datasets.svmlight_format", "dump_svmlight_file"),
            // transformers' hub helpers, old and new homes, and re-exports.
            ("transformers.utils.hub", "cached_file"),
            ("transformers.file_utils", "cached_path"),
            ("transformers.file_utils", "get_from_cache"),
            ("transformers.file_utils", "http_get"),
            ("transformers.file_utils", "hf_hub_download"),
            ("transformers.utils", "move_cache"),
            ("transformers.modeling_utils", "load_state_dict"),
            ("allennlp.common.file_utils", "cached_path"),
            ("sentence_transformers.util", "http_get"),
            // Executes `path/__init__.py`.
            (
                "transformers.utils.import_utils",
                "direct_transformers_import",
            ),
            ("transformers.utils", "direct_transformers_import"),
            // torch.hub's downloaders and their re-exports.
            ("torch.hub", "load_state_dict_from_url"),
            ("torch.utils.model_zoo", "load_url"),
            ("torchvision.models.utils", "load_state_dict_from_url"),
            ("torchvision.datasets.utils", "download_url"),
            // torch.load and numpy.load under their implementation modules.
            ("torch.serialization", "load"),
            ("numpy.lib.npyio", "load"),
            ("numpy.lib._npyio_impl", "load"),
            ("numpy.lib._npyio_impl", "fromregex"),
            ("numpy.ma.mrecords", "fromtextfile"),
            ("_functools", "reduce"),
            ("nltk", "download"),
            ("nltk.downloader", "Downloader"),
            ("sklearn.utils.testing", "assert_run_python_script"),
        ] {
            assert!(matches!(classify(m, n), Class::Denied(_)), "{m}.{n}");
        }
        // Reconstruction in the same packages stays allowed.
        assert_eq!(
            classify("sklearn.ensemble._forest", "RandomForestClassifier"),
            Class::Allowed
        );
        assert_eq!(
            classify("transformers.training_args", "TrainingArguments"),
            Class::Allowed
        );
    }

    /// Callables that run code, start processes, reach the network or write files under names
    /// the denylist once missed, and classes whose constructor opens a file, socket, process
    /// or thread: all denied, by module, by function or by a method pattern.
    #[test]
    fn side_effects_are_denied() {
        for (m, n) in [
            ("_bootsubprocess", "check_output"),
            ("_bootsubprocess", "_check_cmd"),
            ("_testcapi", "run_in_subinterp"),
            ("_frozen_importlib", "_gcd_import"),
            ("_frozen_importlib", "_load"),
            ("_frozen_importlib_external", "spec_from_file_location"),
            ("_frozen_importlib_external", "SourceFileLoader"),
            ("_frozen_importlib_external", "SourcelessFileLoader"),
            ("_frozen_importlib_external", "ExtensionFileLoader"),
            ("importlib.machinery", "SourceFileLoader"),
            ("IPython.utils.process", "getoutput"),
            ("IPython.utils.process", "system"),
            ("IPython", "get_ipython"),
            ("pkg_resources", "run_script"),
            ("pkg_resources", "run_main"),
            ("torch.fx.graph_module", "_forward_from_src"),
            ("torch.fx.graph_module", "forward_from_src"),
            ("torch.fx.graph_module", "reduce_graph_module"),
            ("datasets", "load_dataset"),
            ("datasets.load", "load_dataset"),
            ("fsspec", "open"),
            ("fsspec", "filesystem"),
            ("fsspec.implementations.local", "LocalFileSystem"),
            ("numpy.ma", "dump"),
            ("numpy.ma.core", "dump"),
            ("numpy", "ndarray.dump"),
            ("numpy", "ndarray.tofile"),
            ("numpy.ma.core", "MaskedArray.dump"),
            ("pandas", "DataFrame.to_json"),
            ("pandas.core.frame", "DataFrame.to_csv"),
            ("pandas.core.series", "Series.to_pickle"),
            ("pandas.core.generic", "NDFrame.to_parquet"),
            ("pandas", "DataFrame.to_excel"),
            ("readline", "write_history_file"),
            ("readline", "append_history_file"),
            ("pandas", "eval"),
            ("pandas.core.computation.eval", "eval"),
            ("pandas", "DataFrame.eval"),
            ("pandas.core.frame", "DataFrame.query"),
            ("logging", "FileHandler"),
            ("logging.handlers", "RotatingFileHandler"),
            ("logging.handlers", "TimedRotatingFileHandler"),
            ("logging.handlers", "WatchedFileHandler"),
            ("logging.handlers", "SocketHandler"),
            ("logging.handlers", "SysLogHandler"),
            ("logging.handlers", "HTTPHandler"),
            ("logging.handlers", "SMTPHandler"),
            ("lzma", "LZMAFile"),
            ("bz2", "BZ2File"),
            ("gzip", "GzipFile"),
            ("zipfile", "ZipFile"),
            ("tarfile", "TarFile"),
            ("wave", "Wave_write"),
            ("wave", "open"),
            ("torch.distributed", "TCPStore"),
            ("torch.distributed", "FileStore"),
            ("torch._C._distributed_c10d", "TCPStore"),
            ("socket", "socket"),
            ("subprocess", "Popen"),
            ("threading", "Thread"),
            ("threading", "Timer"),
            ("multiprocessing", "Process"),
            ("http.client", "HTTPConnection"),
            ("smtplib", "SMTP"),
            ("ftplib", "FTP"),
            ("telnetlib", "Telnet"),
            ("urllib.request", "Request"),
            ("urllib.request", "URLopener"),
            ("tempfile", "NamedTemporaryFile"),
            ("shelve", "DbfilenameShelf"),
            ("dbm", "open"),
            ("sqlite3", "connect"),
            ("io", "FileIO"),
            ("_io", "FileIO"),
            ("io", "open"),
        ] {
            assert!(matches!(classify(m, n), Class::Denied(_)), "{m}.{n}");
        }
        // Data reconstruction in the same packages stays allowed or unknown.
        for (m, n) in [
            ("pandas", "DataFrame"),
            ("pandas.core.frame", "DataFrame"),
            ("pandas", "to_datetime"),
            ("numpy", "ndarray"),
            ("numpy.ma.core", "_mareconstruct"),
            ("torch.distributed.tensor.placement_types", "Shard"),
            ("logging", "getLogger"),
            ("collections", "OrderedDict"),
        ] {
            assert!(!matches!(classify(m, n), Class::Denied(_)), "{m}.{n}");
        }
    }

    /// YAML loaders and Mako templates run code at load (critical); a Keras `Lambda` under
    /// every module path is high; Jinja2 templates are medium. Safe loaders stay undenied.
    #[test]
    fn code_through_loaders_and_templates() {
        for (m, n, sev) in [
            ("yaml", "unsafe_load", Severity::Critical),
            ("yaml", "load", Severity::Critical),
            ("yaml", "full_load", Severity::Critical),
            ("yaml", "load_all", Severity::Critical),
            ("yaml", "unsafe_load_all", Severity::Critical),
            ("yaml", "UnsafeLoader", Severity::Critical),
            ("yaml.loader", "Loader", Severity::Critical),
            ("yaml.constructor", "UnsafeConstructor", Severity::Critical),
            ("ruamel.yaml", "load", Severity::Critical),
            ("ruamel.yaml.main", "unsafe_load", Severity::Critical),
            ("ruamel.yaml.constructor", "Constructor", Severity::Critical),
            ("mako.template", "Template", Severity::Critical),
            (
                "keras.src.utils.python_utils",
                "func_load",
                Severity::Critical,
            ),
            ("keras.layers", "Lambda", Severity::High),
            ("keras", "layers.Lambda", Severity::High),
            (
                "keras.src.layers.core.lambda_layer",
                "Lambda",
                Severity::High,
            ),
            ("tensorflow.keras.layers", "Lambda", Severity::High),
            ("tensorflow", "keras.layers.Lambda", Severity::High),
            (
                "tensorflow.python.keras.layers.core",
                "Lambda",
                Severity::High,
            ),
            ("tf_keras.src.layers.core", "Lambda", Severity::High),
            ("keras.models", "model_from_json", Severity::High),
            ("jinja2", "Template", Severity::Medium),
            ("jinja2.environment", "Template", Severity::Medium),
            ("jinja2", "Environment.from_string", Severity::Medium),
            (
                "jinja2.environment",
                "Environment.compile_expression",
                Severity::Medium,
            ),
            // Walking through a medium name to a critical one is critical.
            ("jinja2", "Template.os.system", Severity::Critical),
        ] {
            let Class::Denied(cat) = classify(m, n) else {
                panic!("{m}.{n} is not denied");
            };
            assert_eq!(call_severity(cat), sev, "{m}.{n} ({cat})");
        }
        for (m, n) in [
            ("yaml", "safe_load"),
            ("yaml", "SafeLoader"),
            ("keras.layers", "Dense"),
            ("jinja2", "Environment"),
            ("sympy.core.function", "Lambda"),
        ] {
            assert!(!matches!(classify(m, n), Class::Denied(_)), "{m}.{n}");
        }
    }

    /// Every section header of the denylist names a known severity, or none.
    #[test]
    fn headers_parse() {
        for line in include_str!("../../../data/pickle-denylist.txt").lines() {
            if let Some(sec) = line.trim().strip_prefix("# ---") {
                if let Some((_, sev)) = sec.split_once("---") {
                    let sev = sev.trim();
                    let sev = sev.strip_suffix(" init").unwrap_or(sev);
                    assert!(
                        matches!(sev, "" | "critical" | "high" | "medium" | "low"),
                        "{line}"
                    );
                }
            }
        }
    }

    #[test]
    fn name_globs() {
        assert!(glob_part("to_*", "to_json"));
        assert!(glob_part("*", "DataFrame"));
        assert!(!glob_part("to_*", "from_json"));
        assert!(dotted_prefix_glob("DataFrame.to_json", "*.to_*"));
        assert!(dotted_prefix_glob("DataFrame.to_json.x", "*.to_*"));
        assert!(!dotted_prefix_glob("to_json", "*.to_*"));
        assert!(!dotted_prefix_glob("a.b.to_json", "*.to_*"));
    }

    #[test]
    fn class_names() {
        assert!(looks_like_class("IntervalStrategy"));
        assert!(looks_like_class("_Private.Inner"));
        assert!(!looks_like_class("spawnv_passfds"));
    }
}
