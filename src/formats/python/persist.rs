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
    argv_style, dotted, field, is_shell_program, keyword, positional, string_value, text, F,
};

/// Stands for a piece of a path the fold does not know (a parameter, a call's result).
pub(super) const UNKNOWN: char = '\u{1}';
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
        match n.kind() {
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
                    match p.kind() {
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
                None => self.value(n),
            },
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
        let object = (f.kind() == "attribute")
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
        .filter(|x| !matches!(x.kind(), "keyword_argument" | "comment"))
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

/// One command of a process call: its words and the files its redirections write.
#[derive(Debug, Default, PartialEq)]
struct Command {
    words: Vec<String>,
    writes: Vec<String>,
}

/// Whether a process call installs persistence: a command writes a [`PERSISTENCE_WORDS`] file
/// (`tee -a`, `cp`/`mv`/`install`/`ln` to it, `sed -i`, `dd of=`, a `>`/`>>` redirection), or
/// installs a schedule, a service or a Run key (`crontab` given a file or standard input, not
/// `-l`; `systemctl enable`; `launchctl load`/`bootstrap`/`submit`; `schtasks /create`; `at`
/// with a time; `reg add` of a Run key; `sc create`; `update-rc.d`, `chkconfig`,
/// `rc-update`; PowerShell's `Register-ScheduledTask`, `New-Service`, and
/// `New-ItemProperty`/`Set-ItemProperty` of a Run key).
pub(super) fn process_persists(
    args: Node<'_>,
    pname: &str,
    src: &[u8],
    names: &Names,
    scope: usize,
    vars: &Spellings,
) -> bool {
    let mut c = args.walk();
    let pos: Vec<Node<'_>> = args
        .named_children(&mut c)
        .filter(|x| !matches!(x.kind(), "keyword_argument" | "comment"))
        .take(16)
        .collect();
    let word = |x: Node<'_>| {
        string_value(x, src).unwrap_or_else(|| path_spelling(x, src, names, scope, vars))
    };
    let mut cmds = Vec::new();
    if let Some(list) = pos.iter().find(|x| matches!(x.kind(), "list" | "tuple")) {
        let mut c = list.walk();
        let words: Vec<String> = list
            .named_children(&mut c)
            .take(MAX_WORDS)
            .map(word)
            .collect();
        argv(words, Vec::new(), 0, &mut cmds);
    } else if argv_style(pname) {
        // `os.execlp(file, arg0, …)`, `os.spawnlp(mode, file, arg0, …)`: the arguments from the
        // program on, less the program's own path for the `os` functions (arg0 repeats it);
        // `create_subprocess_exec(program, *args)` has none.
        let mut words: Vec<String> = pos
            .iter()
            .skip_while(|x| string_value(**x, src).is_none() && x.kind() != "identifier")
            .map(|x| word(*x))
            .collect();
        if (pname.starts_with("os.") || pname.starts_with("posix.")) && words.len() > 1 {
            words.remove(0);
        }
        argv(words, Vec::new(), 0, &mut cmds);
    } else if let Some(first) = pos.first() {
        match names.eval(*first, src, scope) {
            Some(Value::Seq(items)) => {
                let words = items
                    .iter()
                    .take(MAX_WORDS)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect();
                argv(words, Vec::new(), 0, &mut cmds);
            }
            _ => split_line(&word(*first), 0, &mut cmds),
        }
    }
    cmds.iter().any(command_persists)
}

/// Add the command `words` (with its redirections `writes`) to `out`, and the commands of the
/// command line a shell is given (`sh -c LINE`, `cmd /c LINE`, `powershell -Command LINE`).
fn argv(words: Vec<String>, writes: Vec<String>, depth: u32, out: &mut Vec<Command>) {
    if out.len() >= MAX_COMMANDS {
        return;
    }
    let words = unwrap(words);
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
    out.push(Command { words, writes });
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
                        depth,
                        out,
                    );
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
        argv(words, writes, depth, out);
    }
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
    let key_is_run = key.is_some_and(|k| match k.kind() {
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
    if v.kind() != "call" {
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
}
