//! Droppers: how a file gets downloaded data, and what runs a file.
//!
//! The analyser keeps the files a source writes with downloaded data as keys ([`super::path_key`]:
//! `=/tmp/x` for a constant path, `$p` for a name, `~expr` for an expression's text) and
//! compares them with the keys of what a later call runs. This module holds the parts of that
//! comparison that are about paths and callables alone: a file under a folder, a file's name,
//! the callables that run or load the file they are handed, a downloader's output folder.

use super::{field, positional, string_value, text, KindName, F};

/// Whether the file `file` lies in the folder `dir` (both [`super::path_key`]s): a constant
/// path under a constant folder (`=/tmp/xd/run` under `=/tmp/xd`), or an expression that joins
/// onto the name of the folder (`~os.path.join(d,'run')`, `~d+'/run'`, `~f'{d}/run'`,
/// `~pathlib.Path(d,'run')`, `~d/'run'` under `$d`).
pub(super) fn under(dir: &str, file: &str) -> bool {
    if let (Some(d), Some(f)) = (dir.strip_prefix('='), file.strip_prefix('=')) {
        let d = d.trim_end_matches(['/', '\\']);
        return !d.is_empty()
            && f.len() > d.len() + 1
            && f.starts_with(d)
            && matches!(f.as_bytes()[d.len()], b'/' | b'\\');
    }
    let (Some(d), Some(f)) = (dir.strip_prefix('$'), file.strip_prefix('~')) else {
        return false;
    };
    // Without allocating: this runs for each folder and file compared.
    let joined = ["os.path.join(", "path.join(", "pathlib.Path(", "Path("]
        .iter()
        .any(|p| {
            f.strip_prefix(p)
                .and_then(|r| r.strip_prefix(d))
                .is_some_and(|r| r.starts_with(','))
        });
    let appended = f
        .strip_prefix(d)
        .is_some_and(|r| r.starts_with('+') || r.starts_with('/'));
    let formatted = ["f'{", "f\"{"].iter().any(|p| {
        f.strip_prefix(p)
            .and_then(|r| r.strip_prefix(d))
            .is_some_and(|r| r.starts_with("}/"))
    });
    joined || appended || formatted
}

/// The last component of the file a key names: `x.py` of `=/tmp/x.py`, of
/// `~os.path.join(d,'x.py')` (the last string literal in the expression) and of `~d+'/x.py'`.
pub(super) fn file_name(key: &str) -> Option<&str> {
    let path = if let Some(p) = key.strip_prefix('=') {
        p
    } else {
        let t = key.strip_prefix('~')?.trim_end_matches(')');
        let quote = t.chars().last().filter(|c| matches!(c, '\'' | '"'))?;
        let body = &t[..t.len() - 1];
        let start = body.rfind(quote)?;
        &body[start + 1..]
    };
    let name = path.rsplit(['/', '\\']).next()?;
    (!name.is_empty()).then_some(name)
}

/// Whether importing module `module` from the folder `dir` (a [`super::path_key`] of a folder
/// put on `sys.path`) loads the file `file`: `dir/module.py`, `dir/module/__init__.py`, or an
/// extension module `dir/module.*.so` / `.pyd`.
pub(super) fn imports_file(dir: &str, module: &str, file: &str) -> bool {
    if !under(dir, file) {
        return false;
    }
    let Some(name) = file_name(file) else {
        return false;
    };
    if name == "__init__.py" {
        let parent = file.trim_end_matches(['\'', '"', ')']);
        let parent = parent.strip_suffix("__init__.py").unwrap_or(parent);
        let parent = parent.trim_end_matches(['/', '\\']);
        return parent.ends_with(&format!("/{module}")) || parent.ends_with(&format!("\\{module}"));
    }
    let Some((stem, _)) = name.split_once('.') else {
        return false;
    };
    let ext = name.rsplit('.').next().unwrap_or("");
    stem == module && matches!(ext, "py" | "pyc" | "so" | "pyd")
}

/// Callables that run or load the file they are handed, not a command line: the argument
/// position of the file. `os.startfile(P)` opens it with its associated program (runs an
/// `.exe`), `ShellExecute*(hwnd, 'open', P, …)` likewise, and a ctypes library load
/// (`ctypes.CDLL(P)`, `cdll.LoadLibrary(P)`, `windll.kernel32.LoadLibraryW(P)`) runs the
/// library's initialisers.
pub(super) fn file_runner(name: &str) -> Option<usize> {
    let last = name.rsplit('.').next().unwrap_or(name);
    if name == "os.startfile" || name == "nt.startfile" {
        return Some(0);
    }
    // `ctypes.windll.shell32.ShellExecuteW`, `win32api.ShellExecute`,
    // `win32api.ShellExecuteEx` takes keywords (not followed).
    if matches!(last, "ShellExecuteW" | "ShellExecuteA" | "ShellExecute")
        && (name.contains("shell32") || name.starts_with("win32api.") || name == last)
    {
        return Some(2);
    }
    let ctypes = name.starts_with("ctypes.") || name.starts_with("_ctypes.");
    if ctypes
        && (matches!(
            last,
            "CDLL" | "PyDLL" | "WinDLL" | "OleDLL" | "LoadLibrary" | "dlopen"
        ) || last.starts_with("LoadLibrary"))
    {
        return Some(0);
    }
    None
}

/// The callables that extract an archive into a folder, and how: `extractall`/`extract` of a
/// `zipfile.ZipFile`/`tarfile` object, `shutil.unpack_archive(P, D)`.
pub(super) fn opens_archive(name: &str) -> bool {
    matches!(
        name,
        "zipfile.ZipFile"
            | "ZipFile"
            | "tarfile.open"
            | "tarfile.TarFile"
            | "tarfile.TarFile.open"
            | "py7zr.SevenZipFile"
    )
}

/// The output folder of a downloader argv (`wget -P DIR`, `wget --directory-prefix=DIR`,
/// `curl --output-dir DIR`), from the list items in source order.
pub(super) fn downloader_folder<'t>(
    items: &[tree_sitter::Node<'t>],
    src: &[u8],
    wget: bool,
) -> Option<FolderArg<'t>> {
    let (short, long): (&[&str], &[&str]) = if wget {
        (&["-P"], &["--directory-prefix"])
    } else {
        (&[], &["--output-dir"])
    };
    for (i, x) in items.iter().enumerate() {
        let Some(v) = string_value(*x, src) else {
            continue;
        };
        if short.contains(&v.as_str()) || long.contains(&v.as_str()) {
            return items.get(i + 1).copied().map(FolderArg::Node);
        }
        for l in long {
            if let Some(rest) = v.strip_prefix(&format!("{l}=")) {
                return Some(FolderArg::Text(rest.to_string()));
            }
        }
        // `-P/tmp`: the short flag joined to its value.
        for s in short {
            if let Some(rest) = v.strip_prefix(s).filter(|r| !r.is_empty()) {
                return Some(FolderArg::Text(rest.to_string()));
            }
        }
    }
    None
}

/// A downloader's output folder: a list item naming it, or the value joined to its flag.
pub(super) enum FolderArg<'t> {
    Node(tree_sitter::Node<'t>),
    Text(String),
}

/// The module an import statement loads first, for each module it names (`import a.b` loads
/// `a`, `from a.b import c` loads `a`); relative imports are the package's own modules.
pub(super) fn imported_modules(n: tree_sitter::Node<'_>, src: &[u8]) -> Vec<String> {
    let first = |t: &str| t.split('.').next().unwrap_or("").trim().to_string();
    let mut out = Vec::new();
    if n.kind_name() == "import_from_statement" {
        if let Some(m) = field(n, F::ModuleName) {
            if m.kind_name() == "dotted_name" {
                out.push(first(text(m, src)));
            }
        }
        return out;
    }
    let mut c = n.walk();
    for x in n.named_children(&mut c).take(32) {
        let name = match x.kind_name() {
            "dotted_name" => Some(x),
            "aliased_import" => field(x, F::Name),
            _ => None,
        };
        if let Some(name) = name {
            out.push(first(text(name, src)));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

/// The folder argument of `sys.path.insert(i, D)`, `sys.path.append(D)`,
/// `site.addsitedir(D)`.
pub(super) fn path_folder<'t>(
    name: &str,
    args: tree_sitter::Node<'t>,
) -> Option<tree_sitter::Node<'t>> {
    match name {
        "sys.path.insert" => positional(args, 1),
        "sys.path.append" | "site.addsitedir" => positional(args, 0),
        _ => None,
    }
}

/// The innermost function or lambda `n` is in (`None`: module level), within 256 parents.
pub(super) fn enclosing_function(n: tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>> {
    let mut cur = n;
    for _ in 0..256 {
        let p = cur.parent()?;
        if matches!(p.kind_name(), "function_definition" | "lambda") {
            return Some(p);
        }
        cur = p;
    }
    None
}

/// Whether the name `id` is a local of the function `def`: a parameter, or a name its body
/// binds without a `global` statement (nested functions and classes not looked into). The walk
/// is bounded.
pub(super) fn local_name(def: tree_sitter::Node<'_>, id: &str, src: &[u8]) -> bool {
    if field(def, F::Parameters).is_some_and(|p| super::parameter_names(p, src).contains(&id)) {
        return true;
    }
    let Some(body) = def.child_by_field_name("body") else {
        return false;
    };
    if memchr::memmem::find(&src[body.start_byte()..body.end_byte()], id.as_bytes()).is_none() {
        return false;
    }
    let mut local = false;
    let mut stack = vec![body];
    let mut seen = 0;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > MAX_LOCAL_WALK {
            break;
        }
        let target = match x.kind_name() {
            "function_definition" | "class_definition" | "lambda" => continue,
            "global_statement" | "nonlocal_statement" => {
                let mut c = x.walk();
                let declared = x
                    .named_children(&mut c)
                    .any(|i| i.kind_name() == "identifier" && text(i, src) == id);
                if declared {
                    return false;
                }
                None
            }
            "assignment" | "augmented_assignment" | "for_statement" => field(x, F::Left),
            "named_expression" => field(x, F::Name),
            "as_pattern" => field(x, F::Alias),
            _ => None,
        };
        if let Some(t) = target {
            local |= super::Names::target_names(t)
                .iter()
                .any(|i| text(*i, src) == id);
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    local
}

/// Nodes of a function body [`local_name`] looks at.
const MAX_LOCAL_WALK: usize = 4096;

/// The kind of folder a program run from `path` (a constant path, or the text of a path
/// expression) lies in, when any user or any other process can put a file there: temporary
/// folders (`/tmp`, `/var/tmp`, `/dev/shm`, `C:\Windows\Temp`, `%TEMP%`, `AppData\Local\Temp`,
/// `tempfile.gettempdir()`), Windows' shared folders (`C:\Users\Public`, `C:\ProgramData`) and
/// download folders (`~/Downloads`). Running a program from one runs whatever another step or
/// another user placed there. `None` for any other path (a package's own files, `/usr/bin`).
pub(super) fn shared_folder(path: &str) -> Option<&'static str> {
    let p = path.trim().to_ascii_lowercase().replace('\\', "/");
    let p = p.as_str();
    let temp = [
        "/tmp/",
        "/var/tmp/",
        "/dev/shm/",
        "/run/shm/",
        "/private/tmp/",
    ];
    if temp.iter().any(|t| p.starts_with(t))
        || p.contains("/windows/temp/")
        || p.contains("/appdata/local/temp/")
        || p.starts_with("%temp%")
        || p.starts_with("%tmp%")
        || p.starts_with("$tmpdir")
        || p.starts_with("${tmpdir}")
        || p.contains("gettempdir()")
    {
        return Some("a temporary folder");
    }
    if p.contains("/users/public/")
        || p.starts_with("%public%")
        || p.contains("/programdata/")
        || p.starts_with("%programdata%")
    {
        return Some("a folder shared by all users");
    }
    if ["~/downloads/", "$home/downloads/", "${home}/downloads/"]
        .iter()
        .any(|d| p.starts_with(d))
        || (p.contains("/users/") || p.starts_with("/home/")) && p.contains("/downloads/")
    {
        return Some("a downloads folder");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_under_folders() {
        assert!(under("=/tmp/xd", "=/tmp/xd/run"));
        assert!(under("=/tmp/", "=/tmp/x"));
        assert!(!under("=/tmp/xd", "=/tmp/xdd/run"));
        assert!(!under("=/tmp", "=/tmp"));
        assert!(under("$d", "~os.path.join(d,'m.py')"));
        assert!(under("$d", "~d+'/m.py'"));
        assert!(!under("$d", "~os.path.join(dd,'m.py')"));
        assert!(!under("$d", "$d"));
    }

    #[test]
    fn names_of_files() {
        assert_eq!(file_name("=/tmp/x.py"), Some("x.py"));
        assert_eq!(file_name("~os.path.join(d,'x.py')"), Some("x.py"));
        assert_eq!(file_name("~d+\"/sub/x.so\""), Some("x.so"));
        assert_eq!(file_name("$p"), None);
    }

    #[test]
    fn modules_imported_from_a_folder() {
        assert!(imports_file("=/tmp", "xmod", "=/tmp/xmod.py"));
        assert!(imports_file("=/tmp", "xmod", "=/tmp/xmod/__init__.py"));
        assert!(imports_file(
            "=/tmp",
            "xmod",
            "=/tmp/xmod.cpython-312-x86_64-linux-gnu.so"
        ));
        assert!(!imports_file("=/tmp", "xmod", "=/tmp/other.py"));
        assert!(!imports_file("=/opt", "xmod", "=/tmp/xmod.py"));
        assert!(imports_file("$d", "m", "~os.path.join(d,'m.py')"));
    }

    #[test]
    fn runners_of_files() {
        assert_eq!(file_runner("os.startfile"), Some(0));
        assert_eq!(file_runner("ctypes.windll.shell32.ShellExecuteW"), Some(2));
        assert_eq!(file_runner("ctypes.CDLL"), Some(0));
        assert_eq!(file_runner("ctypes.cdll.LoadLibrary"), Some(0));
        assert_eq!(file_runner("ctypes.windll.kernel32.LoadLibraryW"), Some(0));
        assert_eq!(file_runner("os.path.join"), None);
        assert_eq!(file_runner("ctypes.c_char_p"), None);
    }
}
