//! Python source (modules, `setup.py`, `.pth` import lines, code hidden in strings), parsed with
//! tree-sitter-python; never a regex over text, never executed.
//!
//! The walk collects what the code can do — exec of decoded data, shell commands, hidden
//! interpreter spawns, network egress, credential paths, environment dumps, miner strings,
//! install-hook overrides — and where: code that runs when the file is imported, installed or
//! started ([`Role`]) at module level weighs more than code inside a function. Code found in a
//! string that is exec'd, or in a base64 literal that is decoded and exec'd, is analysed as
//! nested source (member `<decoded code at line N>`).
//!
//! Bounds: sources over [`MAX_SOURCE`] bytes are not parsed (a `resource-limit` finding, high
//! when the linear placement pass puts a process, network or exec call at import), the
//! walk is iterative, nested code is followed to the budget's depth.

use base64::Engine;

use crate::analyse::Ctx;
use crate::finding::{Finding, Location, Severity, Span};
use crate::rules::python as r;

mod drop;
pub mod join;
mod links;
mod logging_ini;
mod names;
mod persist;

pub use links::{
    Exact, Import, ImportList, Kind as ModuleKind, Latent, ModuleLinks, Reach, RunFile,
};
pub use persist::Interpreter;

/// Names a module's links keep per list ([`links::MAX_NAMES`]).
pub fn links_max_names() -> usize {
    links::MAX_NAMES
}

/// The modules a startup line's import statements import (`import a.b; from c import d`:
/// `a.b`, `c`, `c.d`), for the join of the modules around a `.pth` file (its lines run at every
/// start, and what they import runs its top level then). At most [`links::MAX_NAMES`].
pub fn startup_imports(line: &str) -> Vec<String> {
    let imports: Vec<Import> = line
        .split(';')
        .map(str::trim)
        .filter(|s| s.starts_with("import") || s.starts_with("from"))
        .flat_map(|s| links::parse_import(s.as_bytes()))
        .collect();
    links::imported_modules(&imports).0
}

/// What a `.pth` import line (or any one-line startup code) calls in other modules at every
/// start, and the modules it imports: the line parsed as a module at `loc` (the `.pth` file),
/// its top-level calls resolved through its imports (`import m; m.install()` calls
/// `m.install`, `__import__('_distutils_hack').add_shim()` calls `_distutils_hack.add_shim`).
/// Empty for a line over [`MAX_SOURCE`] bytes (its analysis reports that bound).
pub fn startup_calls(line: &str, loc: &Location) -> (Vec<String>, Vec<String>) {
    if line.len() > MAX_SOURCE {
        return (Vec::new(), Vec::new());
    }
    let mut ctx = Ctx::new(crate::analyse::BudgetLimits::default());
    run(
        &mut ctx,
        line.as_bytes(),
        Role::Module,
        false,
        false,
        loc,
        0,
        Links::Force,
    );
    match ctx.python_links.pop().and_then(|l| l.exact) {
        Some(e) => (e.calls_at_load, e.imports_at_load),
        None => (Vec::new(), Vec::new()),
    }
}

/// Functions a module's links describe ([`links::MAX_FUNCTIONS`]).
pub fn links_max_functions() -> usize {
    links::MAX_FUNCTIONS
}

pub(crate) use names::percent_pieces;
use names::{Names, Value};

/// Largest source parsed, in bytes. tree-sitter's tree and the name table take up to about 150
/// bytes of memory per byte of a pathological source (`'a'+'a'+...`), so 2 MiB keeps a worker
/// near 300 MB at worst; real modules larger than this are generated tables.
pub const MAX_SOURCE: usize = 2 << 20;

/// When the code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A module: its top level runs at import.
    Module,
    /// `setup.py` or a build hook: runs at install time.
    Install,
    /// A `.pth` import line, `sitecustomize.py`, a `.start` target: runs at every interpreter
    /// start.
    Startup,
}

impl Role {
    /// When code of this role runs (`at import`).
    pub(crate) fn when(self) -> &'static str {
        match self {
            Role::Module => "at import",
            Role::Install => "at install time",
            Role::Startup => "at every interpreter start",
        }
    }
}

/// Decoder calls whose result, handed to exec/eval/compile, is hidden code.
const DECODERS: &[&str] = &[
    "b64decode",
    "b32decode",
    "b16decode",
    "a85decode",
    "b85decode",
    "decodebytes",
    "decodestring",
    "standard_b64decode",
    "urlsafe_b64decode",
    "decompress",
    "fromhex",
    "unhexlify",
];

/// setuptools commands that `pip install` (or `pip install -e`) runs, whose override is an
/// install hook (guarddog's cmd-overwrite).
const INSTALL_COMMANDS: &[&str] = &[
    "install",
    "develop",
    "egg_info",
    "bdist_egg",
    "easy_install",
];

/// Whether a call name is a decoder: the names above by their last part, plus
/// `marshal.loads` and `codecs.decode` by their full name.
pub(crate) fn is_decoder(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    DECODERS.contains(&last) || matches!(name, "marshal.loads" | "codecs.decode")
}

/// exec, eval and compile as builtins (not `re.compile` or a method of some object), and the
/// other calls that run (or compile) code handed to them as a string ([`runs_code`]; of
/// `runpy`, only the runners given code rather than a path or a module name).
fn is_exec(name: &str) -> bool {
    matches!(
        name,
        "exec" | "eval" | "compile" | "builtins.exec" | "builtins.eval" | "builtins.compile"
        // A function made from a code object runs that code when it is called
        // (`types.FunctionType(marshal.loads(…), globals())()`).
            | "types.FunctionType" | "types.LambdaType"
    ) || (runs_code(name)
        && (!name.starts_with("runpy.")
            || matches!(name, "runpy._run_code" | "runpy._run_module_code")))
}

/// An interactive Python interpreter on the process's standard input (`code.interact()`, a
/// console's `interact`): at import it runs whatever arrives there, as `pty.spawn('/bin/sh')`
/// runs a shell (a reverse shell once the input is a socket).
fn interactive_interpreter(name: &str) -> bool {
    name == "code.interact"
        || (name.starts_with("code.InteractiveConsole") && name.ends_with(".interact"))
}

/// Process calls that always run a shell command line (`os.system`, `os.popen`, their `posix`
/// spellings, `platform.popen`, libc's `system` through ctypes, the `getoutput` functions of
/// `subprocess` and `commands`, asyncio's `create_subprocess_shell` and an event loop's
/// `subprocess_shell`).
fn always_shell(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        name,
        "os.system"
            | "os.popen"
            | "posix.system"
            | "posix.popen"
            | "platform.popen"
            | "commands.getoutput"
            | "commands.getstatusoutput"
            // `subprocess.getoutput(cmd)` is `check_output(cmd, shell=True)`.
            | "subprocess.getoutput"
            | "subprocess.getstatusoutput"
    ) || name.ends_with("subprocess_shell")
        || (name.starts_with("ctypes.") && matches!(last, "system" | "popen"))
}

/// Process calls whose arguments are an argv, not a command line: the `os.exec*`, `os.spawn*`
/// and `posix_spawn*` families, `asyncio.create_subprocess_exec`, `pty.spawn`, `uuid`'s private
/// helpers. Their first
/// string is a program; they run a shell only when that program is one, given `-c`.
fn argv_style(name: &str) -> bool {
    let name = name
        .strip_prefix("posix.")
        .map_or(name.to_string(), |r| format!("os.{r}"));
    name.starts_with("os.exec")
        || name.starts_with("os.spawn")
        || name.starts_with("os.posix_spawn")
        || name.ends_with("create_subprocess_exec")
        || name == "pty.spawn"
        // setuptools' and distutils' `spawn(argv)`, and a command's `self.spawn(argv)`
        // (`Command.spawn`), which runs the argv as a process ([`command_spawn`]).
        || name.ends_with(".spawn")
        || name == "spawn"
        // libc's `execl`/`execv`/`posix_spawn` through ctypes (`ctypes.CDLL(None).execl(…)`).
        || (name.starts_with("ctypes.") && {
            let last = name.rsplit('.').next().unwrap_or("");
            last.starts_with("exec") || last.starts_with("posix_spawn")
        })
        // The standard library's private process helpers (`uuid._get_command_stdout('sh',
        // '-c', …)`), named by the pickle denylist too.
        || matches!(name.as_str(), "uuid._get_command_stdout" | "uuid._popen")
}

/// Whether a program path names a shell (`sh`, `/bin/bash`, `cmd.exe`, `powershell` …).
fn is_shell_program(prog: &str) -> bool {
    let base = prog
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(prog)
        .to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    matches!(
        base,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "fish" | "cmd" | "powershell" | "pwsh"
    )
}

/// Unpicklers: the bytes they are handed are a pickle, which runs what it names.
fn is_unpickle(name: &str) -> bool {
    matches!(
        name,
        "pickle.loads"
            | "pickle.load"
            | "dill.load"
            | "cloudpickle.load"
            | "pickle._loads"
            | "_pickle.loads"
            | "cPickle.loads"
            | "dill.loads"
            | "cloudpickle.loads"
    ) || is_unpickler(name)
        || name
            .strip_suffix(".load")
            .and_then(|o| o.strip_suffix("()"))
            .is_some_and(is_unpickler)
}

/// The unpickler classes: their first argument is the stream a later `.load()` reads.
fn is_unpickler(name: &str) -> bool {
    matches!(
        name,
        "pickle.Unpickler" | "pickle._Unpickler" | "_pickle.Unpickler" | "dill.Unpickler"
    )
}

/// Calls that run Python code from a file or a string other than exec/eval: `runpy`, the
/// `code` module's interpreters, `timeit`, the debuggers', profilers' and tracer's `run`
/// (also as methods of their objects: `trace.Trace().run`, `bdb.Bdb().run`), doctest's
/// `run_docstring_examples`, the C API's `PyRun_SimpleString` through ctypes.
fn runs_code(name: &str) -> bool {
    let runner = name.rsplit_once('.').is_some_and(|(object, method)| {
        matches!(
            object,
            "trace.Trace()"
                | "bdb.Bdb()"
                | "pdb.Pdb()"
                | "cProfile.Profile()"
                | "profile.Profile()"
        ) && matches!(method, "run" | "runctx" | "runeval")
    });
    runner
        || matches!(
            name,
            "runpy.run_path"
            | "runpy.run_module"
            // The private runners `python -m` uses: a module by name, as `run_module`.
            | "runpy._run_module_as_main"
            // Their first argument is code they exec.
            | "runpy._run_code"
            | "runpy._run_module_code"
            // codeop compiles its source as `compile` does (judged as `compile` is: the code
            // is analysed, and compiling decoded data is hiding it).
            | "codeop.compile_command"
            | "codeop.Compile()"
            | "codeop.CommandCompiler()"
            // Their first argument is a statement they exec.
            | "timeit.timeit"
            | "timeit.repeat"
            | "timeit.Timer"
            | "pdb.run"
            | "pdb.runeval"
            | "pdb.runctx"
            | "cProfile.run"
            | "cProfile.runctx"
            | "profile.run"
            | "profile.runctx"
            | "doctest.run_docstring_examples"
            | "ctypes.pythonapi.PyRun_SimpleString"
        )
        || (name.starts_with("code.Interactive")
            && matches!(
                name.rsplit('.').next(),
                Some("runsource" | "runcode" | "push")
            ))
}

/// The source of a docstring's examples: the lines after `>>> ` and `... ` prompts.
fn doctest_source(doc: &str) -> String {
    let mut out = String::new();
    for line in doc.lines() {
        let t = line.trim_start();
        if let Some(code) = t.strip_prefix(">>>").or_else(|| t.strip_prefix("...")) {
            out.push_str(code.strip_prefix(' ').unwrap_or(code));
            out.push('\n');
        }
    }
    out
}

/// Calls that start a process.
pub(crate) fn is_process(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let name = name
        .strip_prefix("posix.")
        .map_or(name.to_string(), |r| format!("os.{r}"));
    let name = name.as_str();
    always_shell(name)
        || (name.starts_with("os.") && last.starts_with("exec"))
        || (name.starts_with("os.")
            && (matches!(
                last,
                "system" | "popen" | "execv" | "execve" | "execl" | "execvp"
            ) || last.starts_with("spawn")
                || last.starts_with("posix_spawn")))
        || (name.starts_with("subprocess.")
            && matches!(
                last,
                "Popen"
                    | "call"
                    | "run"
                    | "check_call"
                    | "check_output"
                    | "getoutput"
                    | "getstatusoutput"
            ))
        || name.ends_with("create_subprocess_exec")
        || name == "pty.spawn"
        // The standard library's private process helpers (`uuid._get_command_stdout('sh',
        // '-c', …)`), named by the pickle denylist too.
        || matches!(name, "uuid._get_command_stdout" | "uuid._popen")
        // distutils' and setuptools' `spawn(argv)` (also `setuptools._distutils.spawn`).
        || name.ends_with("distutils.spawn.spawn")
        // libc's process calls through ctypes: `ctypes.CDLL(None).execl('/bin/sh', 'sh',
        // '-c', …)`, `CDLL(find_library('c')).posix_spawn(…)` (`system`/`popen` are
        // [`always_shell`]).
        || (name.starts_with("ctypes.")
            && (matches!(last, "execl" | "execlp" | "execle" | "execv" | "execvp" | "execve"
                | "execvpe" | "fexecve")
                || last.starts_with("posix_spawn")))
        // `webbrowser.get('sh -c "…" %s')`: a browser named by a command line runs that
        // command line when it opens a page (judged as a command string: a program alone
        // is no shell).
        || name == "webbrowser.get"
        // `webbrowser.GenericBrowser(['sh', '-c', …])` registered, then opened.
        || matches!(name, "webbrowser.GenericBrowser" | "webbrowser.BackgroundBrowser")
}

/// setuptools' `Command.spawn(argv)` however the command is reached (`self.spawn([…])` in a
/// command class, `C(Distribution()).spawn([…])`): a call of a method named `spawn` whose first
/// argument is an argv written out (a list or tuple whose first item is a string), which
/// `subprocess` runs. `rng.spawn(n)`, `pool.spawn(fn)` hand it no argv.
fn command_spawn(name: &str, args: Option<tree_sitter::Node<'_>>, src: &[u8]) -> bool {
    name.rsplit('.').next() == Some("spawn")
        && args.and_then(|a| positional(a, 0)).is_some_and(|f| {
            matches!(f.kind_name(), "list" | "tuple")
                && f.named_child(0)
                    .is_some_and(|x| string_value(x, src).is_some())
        })
}

/// Calls that reach the network.
pub(crate) fn is_network(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    // Making a client (`requests.Session()`, `httpx.Client()`, `HTTPSConnection(host)`,
    // `urllib.request.Request(url)`, a socket) sends nothing; its requests do. The name table
    // binds a client to its constructor (`s = requests.Session()` makes `s.post` the name
    // `requests.Session().post`), so they are these names.
    matches!(last, "urlopen" | "urlretrieve" | "create_connection")
        || (name.starts_with("requests.")
            && matches!(
                last,
                "get" | "post" | "put" | "patch" | "delete" | "head" | "request"
            ))
        || (name.starts_with("httpx.")
            && matches!(
                last,
                "get" | "post" | "put" | "patch" | "delete" | "request" | "stream"
            ))
        || (name.starts_with("aiohttp.ClientSession()")
            && matches!(last, "get" | "post" | "put" | "request"))
        || ((name.contains("HTTPConnection()") || name.contains("HTTPSConnection()"))
            && matches!(last, "request" | "putrequest" | "connect" | "send"))
        || (name.starts_with("socket.socket()")
            && matches!(last, "connect" | "connect_ex" | "send" | "sendall" | "sendto"))
        // urllib3 (`urllib3.request`, `PoolManager().request`), `build_opener().open`, mail,
        // FTP, and name lookups, which carry data out in the name they ask for.
        || (name.starts_with("urllib3.") && matches!(last, "request" | "urlopen"))
        || ((name.contains("build_opener") || name.contains("OpenerDirector()")) && last == "open")
        || (name.starts_with("smtplib.") && matches!(last, "SMTP" | "SMTP_SSL"))
        || last == "sendmail"
        || (name.starts_with("ftplib.") && matches!(last, "FTP" | "FTP_TLS"))
        // asyncio streams, Telnet, XML-RPC proxies' calls, pycurl's transfer.
        || matches!(
            name,
            "asyncio.open_connection" | "asyncio.open_unix_connection" | "telnetlib.Telnet"
        )
        || (name.starts_with("xmlrpc.client.ServerProxy(") && last != "ServerProxy")
        || (name.starts_with("pycurl.Curl()") && last == "perform")
        // A TLS socket (`ctx.wrap_socket(socket.socket()).connect(…)`), and the browser told
        // to open a URL (which carries whatever was put in it).
        || (name.contains("wrap_socket()")
            && matches!(last, "connect" | "connect_ex" | "send" | "sendall" | "sendto"))
        || (name.starts_with("webbrowser.")
            && matches!(last, "open" | "open_new" | "open_new_tab"))
        || (name.starts_with("socket.")
            && matches!(
                last,
                "gethostbyname" | "gethostbyname_ex" | "getaddrinfo" | "gethostbyaddr" | "getnameinfo"
            ))
        || (name.starts_with("dns.resolver.") && matches!(last, "resolve" | "query"))
        || sends_through_a_service(name, last)
}

/// Channels that carry data out without an HTTP client's name (tester t14): cloud storage
/// uploads (boto3 and botocore clients and resources, Google Cloud Storage blobs, Azure blob
/// clients), Hugging Face Hub uploads, MLflow tracking calls, SSH and SFTP (paramiko), mail
/// boxes (`imaplib`, `poplib`), logging handlers that send records over the network (their
/// construction sets the destination; the next log call sends), and `multiprocessing`'s
/// connection clients.
fn sends_through_a_service(name: &str, last: &str) -> bool {
    let root = name.split(['.', '(']).next().unwrap_or(name);
    match root {
        "boto3" | "botocore" => matches!(
            last,
            "put_object"
                | "upload_file"
                | "upload_fileobj"
                | "put"
                | "send_message"
                | "publish"
                | "put_record"
                | "put_records"
                | "put_secret_value"
                | "invoke"
        ),
        "google" | "azure" => matches!(
            last,
            "upload_from_string"
                | "upload_from_filename"
                | "upload_from_file"
                | "upload_blob"
                | "upload_file"
                | "send_message"
                | "publish"
        ),
        "huggingface_hub" => matches!(
            last,
            "upload_file" | "upload_folder" | "create_commit" | "upload_large_folder"
        ),
        "mlflow" => last.starts_with("log_") || last == "set_tag" || last == "set_tags",
        "paramiko" => matches!(
            last,
            "connect" | "put" | "putfo" | "exec_command" | "open_sftp"
        ),
        "imaplib" => last.starts_with("IMAP4"),
        "poplib" => last.starts_with("POP3"),
        "logging" => {
            name.starts_with("logging.handlers.")
                && matches!(
                    last,
                    "HTTPHandler"
                        | "SMTPHandler"
                        | "SysLogHandler"
                        | "SocketHandler"
                        | "DatagramHandler"
                )
        }
        "multiprocessing" => name.starts_with("multiprocessing.connection.") && last == "Client",
        // Message queues, databases and chat bots that carry what they are given to another
        // host (tester t18): MQTT, Redis, MongoDB, Kafka, ZeroMQ, websockets, gRPC channels,
        // Sentry events, SFTP, PostgreSQL/MySQL connections, Discord webhooks, Telegram bots.
        "paho" => matches!(last, "publish" | "single" | "multiple" | "connect"),
        "redis" => matches!(
            last,
            "set" | "publish" | "lpush" | "rpush" | "hset" | "xadd" | "setex" | "mset"
        ),
        "pymongo" => matches!(
            last,
            "insert_one" | "insert_many" | "update_one" | "replace_one"
        ),
        "kafka" => last == "send",
        "confluent_kafka" => last == "produce",
        "zmq" => matches!(
            last,
            "send" | "send_string" | "send_json" | "send_pyobj" | "send_multipart"
        ),
        "websockets" => matches!(last, "connect" | "send"),
        "grpc" => matches!(last, "insecure_channel" | "secure_channel"),
        "sentry_sdk" => matches!(last, "capture_message" | "capture_event"),
        "pysftp" => matches!(last, "Connection" | "put" | "putfo"),
        "psycopg2" | "psycopg" | "pymysql" | "mysql" => last == "connect",
        "discord_webhook" => matches!(last, "execute" | "DiscordWebhook"),
        "telebot" | "telegram" => last.starts_with("send_") || matches!(last, "TeleBot" | "Bot"),
        "ssl" => last == "get_server_certificate",
        _ => false,
    }
}

/// Whether an argument list hands the whole environment or a credential file to the call:
/// `dict(os.environ)`, `os.environ.copy()`, `os.environ` itself, `json.dumps`/`str` of them, or
/// a string naming a credential location. Bounded walk.
fn sends_secrets(
    args: tree_sitter::Node<'_>,
    src: &[u8],
    secret_vars: &std::collections::HashMap<String, String>,
) -> Option<String> {
    let mut stack = vec![args];
    let mut seen = 0;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 4096 {
            return None;
        }
        match x.kind_name() {
            // A variable that holds the environment or a key file's content
            // (`data = dict(os.environ)` … `post(json=data)`).
            "identifier" => {
                if let Some(what) = secret_vars.get(text(x, src)) {
                    return Some(what.clone());
                }
            }
            "attribute" if matches!(text(x, src), "os.environ" | "environ") => {
                // `os.environ.get('X')` reads one variable; the bare mapping is all of them,
                // and so are its `items()`, `values()` and `copy()`
                // (`{k: v for k, v in os.environ.items()}`).
                let parent_is_lookup = x.parent().is_some_and(|p| {
                    p.kind_name() == "subscript"
                        || (p.kind_name() == "attribute"
                            && !field(p, F::Attribute).is_some_and(|a| {
                                matches!(text(a, src), "items" | "values" | "copy")
                            }))
                });
                if !parent_is_lookup {
                    return Some("the whole environment".into());
                }
            }
            "string" => {
                if let Some(v) = string_value(x, src) {
                    // The metadata address in a request's arguments is where it goes (a
                    // read of the instance's metadata), not a secret it carries.
                    if let Some(c) =
                        credential_in(&v).filter(|c| !METADATA_HOSTS.contains(&c.as_str()))
                    {
                        return Some(c);
                    }
                }
                // An f-string's fields are code (`f'…{os.environ}'`); plain text is not.
                let mut c = x.walk();
                let fields: Vec<_> = x
                    .named_children(&mut c)
                    .filter(|ch| ch.kind_name() == "interpolation")
                    .collect();
                stack.extend(fields);
                continue;
            }
            _ => {}
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    None
}

/// What secret an assigned value holds: the whole environment (`dict(os.environ)`,
/// `os.environ.copy()`, `{**os.environ}`, `json.dumps`/`str` of them), a credential file's
/// content (a read of a path naming a credential store), or a variable that already holds one.
/// Bounded walk of the value.
fn holds_secret(
    v: tree_sitter::Node<'_>,
    src: &[u8],
    secret_vars: &std::collections::HashMap<String, String>,
) -> Option<String> {
    let t = text(v, src);
    // Most assignments name no secret at all: tell from the text before walking it.
    if t.len() > 512
        || !(t.contains("environ")
            || !secret_vars.is_empty()
            || CREDENTIALS
                .iter()
                .chain(CREDENTIAL_COMPONENTS)
                .any(|c| t.contains(c)))
    {
        return None;
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    // `os.environ` only: a bare `environ` is as often a WSGI request's environment.
    let env = ["os.environ"].iter().any(|e| {
        compact == *e
            || compact.ends_with(&format!("({e})"))
            || compact.contains(&format!("({e}))"))
            || compact.contains(&format!("{e}.copy()"))
            || compact.contains(&format!("**{e}"))
            || compact.contains(&format!("{e}.items()"))
    });
    if env {
        return Some("the whole environment".into());
    }
    let mut stack = vec![v];
    let mut seen = 0;
    let mut read = false;
    let mut cred = None;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 256 {
            break;
        }
        match x.kind_name() {
            "identifier" => {
                if let Some(w) = secret_vars.get(text(x, src)) {
                    return Some(w.clone());
                }
            }
            "call" => {
                let f = field(x, F::Function)
                    .map(|f| dotted(f, src))
                    .unwrap_or_default();
                let last = f.rsplit('.').next().unwrap_or(&f);
                read |= matches!(
                    last,
                    "open" | "read" | "read_text" | "read_bytes" | "readlines"
                );
            }
            "string" => {
                if let Some(s) = string_value(x, src) {
                    cred = cred.or_else(|| {
                        credential_in(&s).filter(|c| !METADATA_HOSTS.contains(&c.as_str()))
                    });
                }
                continue;
            }
            _ => {}
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    cred.filter(|_| read)
}

/// Whether an assigned value is what a network call returned: a call chain that passes
/// through one (`urlopen(u).read()`, `requests.get(u).text`), or a variable (or its
/// attribute) that already holds such data (`r.text` after `r = requests.get(u)`).
fn fetches(
    v: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    downloaded: &std::collections::HashSet<String>,
) -> bool {
    chain_reaches(v, src, downloaded, 32, |call| {
        let f = field(call, F::Function)?;
        let spelled = dotted(f, src);
        (is_network(&spelled) || names.resolve(f, src, scope).is_some_and(|r| is_network(&r)))
            .then_some(true)
    })
}

/// Walk the value chain of `n` to its root (attribute objects, parentheses, `await`, and the
/// callee of each call): true when the root is an identifier in `tainted`. At each call met on
/// the way, `at_call` may decide (`Some(answer)` ends the walk); `None` walks on into the callee.
/// At most `bound` steps (false past them).
fn chain_reaches(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    tainted: &std::collections::HashSet<String>,
    bound: usize,
    mut at_call: impl FnMut(tree_sitter::Node<'_>) -> Option<bool>,
) -> bool {
    let mut cur = n;
    for _ in 0..bound {
        let next = match cur.kind_name() {
            "identifier" => return tainted.contains(text(cur, src)),
            "attribute" => field(cur, F::Object),
            "await" | "parenthesized_expression" => cur.named_child(0),
            "call" => {
                if let Some(answer) = at_call(cur) {
                    return answer;
                }
                field(cur, F::Function)
            }
            _ => None,
        };
        match next {
            Some(o) => cur = o,
            None => return false,
        }
    }
    false
}

/// Whether code handed to exec/eval is made of string literals only: a literal, or a choice
/// between literals (coverage's `exec(os.environ.get(X) and 'code' or '')`: the left operand
/// of `and` is returned only when it is false, an empty string at most). Computed code
/// (`'a' + 'b'`, a join, a call, a name) is not.
fn literal_code(n: tree_sitter::Node<'_>, src: &[u8], depth: u32) -> bool {
    if depth > 32 {
        return false;
    }
    match n.kind_name() {
        "string" => string_value(n, src).is_some(),
        "none" => true,
        "parenthesized_expression" => n
            .named_child(0)
            .is_some_and(|c| literal_code(c, src, depth + 1)),
        "boolean_operator" => {
            let (Some(l), Some(r)) = (field(n, F::Left), field(n, F::Right)) else {
                return false;
            };
            let and = field(n, F::Operator).is_some_and(|o| text(o, src) == "and");
            (and || literal_code(l, src, depth + 1)) && literal_code(r, src, depth + 1)
        }
        "conditional_expression" => {
            let (Some(a), Some(b)) = (n.named_child(0), n.named_child(2)) else {
                return false;
            };
            literal_code(a, src, depth + 1) && literal_code(b, src, depth + 1)
        }
        _ => false,
    }
}

/// The `i`th positional argument of an argument list.
fn positional(args: tree_sitter::Node<'_>, i: usize) -> Option<tree_sitter::Node<'_>> {
    let mut c = args.walk();
    let found = args
        .named_children(&mut c)
        .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
        .nth(i);
    found
}

/// Why a call computes what it runs, or `None`: exec/eval of code that is not a literal,
/// `getattr` or `__import__` with a name that is not a literal, a call of an entry looked up in
/// a namespace (`vars(os)[…]`, `os.__dict__[…]`, `globals()[…]`), a lambda called where it is
/// written. Ordinary modules do all of this; a `.pth` line that does is not a known shape.
fn dynamic_call(
    fnode: tree_sitter::Node<'_>,
    args: Option<tree_sitter::Node<'_>>,
    names: [&str; 2],
    src: &[u8],
) -> Option<&'static str> {
    let plain = |n: Option<tree_sitter::Node<'_>>| {
        n.is_some_and(|n| n.kind_name() == "string" && string_value(n, src).is_some())
    };
    let is = |f: &dyn Fn(&str) -> bool| names.iter().any(|n| f(n));
    let args = args.filter(|a| a.kind_name() == "argument_list");
    if is(&is_exec) {
        if let Some(first) = args.and_then(|a| positional(a, 0)) {
            if !literal_code(first, src, 0) {
                return Some("exec/eval of computed code");
            }
        }
    }
    if is(&|n| matches!(n, "getattr" | "builtins.getattr"))
        && !plain(args.and_then(|a| positional(a, 1)))
    {
        return Some("getattr with a computed name");
    }
    if is(&|n| {
        matches!(
            n,
            "__import__" | "builtins.__import__" | "importlib.import_module"
        )
    }) && !plain(args.and_then(|a| positional(a, 0)))
    {
        return Some("import of a computed module name");
    }
    let mut f = fnode;
    while f.kind_name() == "parenthesized_expression" {
        match f.named_child(0) {
            Some(c) => f = c,
            None => break,
        }
    }
    match f.kind_name() {
        "lambda" => Some("a lambda called where it is written"),
        "subscript" => {
            let v = field(f, F::Value)
                .map(|v| dotted(v, src))
                .unwrap_or_default();
            let namespace = v.ends_with("__dict__")
                || matches!(
                    v.as_str(),
                    "globals()"
                        | "locals()"
                        | "vars()"
                        | "__builtins__"
                        | "builtins"
                        | "sys.modules"
                )
                || (v.starts_with("vars(") || v == "vars()")
                || field(f, F::Value).is_some_and(|x| {
                    x.kind_name() == "call"
                        && field(x, F::Function).is_some_and(|g| text(g, src) == "vars")
                });
            namespace.then_some("a call of an entry looked up in a namespace")
        }
        _ => None,
    }
}

/// Modules whose every callable runs a process or code: a callable picked out of their
/// namespace by a filter is judged as one of them.
const RUNNING_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "pty",
    "commands",
    "builtins",
    "__builtins__",
    "__builtin__",
];

/// The module a callee is picked from by a filter over its namespace, when it is one of
/// [`RUNNING_MODULES`]: `[v for k, v in vars(os).items() if k.endswith('ystem')][0]`,
/// `next(f for n, f in inspect.getmembers(os) if …)`, `[getattr(os, n) for n in dir(os) if
/// …][0]`, `os.__dict__.values()`. The name the filter keeps is computed, so this is judged
/// as `getattr(os, name)` with a computed name would be.
fn namespace_pick(
    f: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    let mut cur = f;
    for _ in 0..8 {
        cur = match cur.kind_name() {
            "parenthesized_expression" => cur.named_child(0)?,
            "subscript" => field(cur, F::Value)?,
            "call" => {
                let g = field(cur, F::Function)?;
                if !matches!(text(g, src), "next" | "list" | "tuple") {
                    return None;
                }
                // `next(x for x in …)`: the generator is the whole argument list.
                let a = field(cur, F::Arguments)?;
                if a.kind_name() == "generator_expression" {
                    a
                } else {
                    positional(a, 0)?
                }
            }
            "list_comprehension"
            | "generator_expression"
            | "set_comprehension"
            | "dictionary_comprehension" => break,
            _ => return None,
        };
    }
    if !matches!(
        cur.kind_name(),
        "list_comprehension"
            | "generator_expression"
            | "set_comprehension"
            | "dictionary_comprehension"
    ) {
        return None;
    }
    let mut c = cur.walk();
    let clause = cur
        .named_children(&mut c)
        .find(|x| x.kind_name() == "for_in_clause")?;
    let mut it = field(clause, F::Right)?;
    let module_of = |m: tree_sitter::Node<'_>| -> Option<String> {
        let r = names
            .resolve(m, src, scope)
            .unwrap_or_else(|| dotted(m, src));
        RUNNING_MODULES.contains(&r.as_str()).then_some(r)
    };
    for _ in 0..4 {
        match it.kind_name() {
            "call" => {
                let g = field(it, F::Function)?;
                let first = field(it, F::Arguments).and_then(|a| positional(a, 0));
                let gname = names
                    .resolve(g, src, scope)
                    .unwrap_or_else(|| dotted(g, src));
                match gname.as_str() {
                    "vars" | "dir" | "inspect.getmembers" | "builtins.vars" | "builtins.dir" => {
                        return module_of(first?)
                    }
                    _ => {}
                }
                // `vars(os).items()`, `os.__dict__.values()`.
                if g.kind_name() != "attribute"
                    || !matches!(
                        field(g, F::Attribute).map(|a| text(a, src)),
                        Some("items" | "values" | "keys")
                    )
                {
                    return None;
                }
                it = field(g, F::Object)?;
            }
            "attribute" => {
                if field(it, F::Attribute).map(|a| text(a, src)) != Some("__dict__") {
                    return None;
                }
                return module_of(field(it, F::Object)?);
            }
            _ => return None,
        }
    }
    None
}

/// A URL whose host is the cloud metadata address spelled so that no reader sees it: an
/// integer (`http://2852039166`), hex (`0xA9FEA9FE`), octal or short dotted forms the C
/// library's `inet_aton` reads (`0251.0376.0251.0376`, `169.254.43518`), an IPv4-mapped
/// IPv6 address (`[::ffff:a9fe:a9fe]`), or AWS's IPv6 endpoint (`[fd00:ec2::254]`), with or
/// without a path (tester t18 st16b). Nobody spells the address so to reach it by accident, so
/// it names the credential source whatever the path (the dotted address alone is only where a
/// request goes: the X-Ray SDK reads its IMDSv2 token there).
fn metadata_in_disguise(s: &str) -> Option<String> {
    let (_, rest) = s.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host.split(':').next()?
    };
    if host.is_empty() || host.len() > 64 || host == "169.254.169.254" {
        return None;
    }
    const IMDS: u32 = 0xA9FE_A9FE;
    let hit = if host.contains(':') {
        let a: std::net::Ipv6Addr = host.parse().ok()?;
        a.to_ipv4_mapped().is_some_and(|v4| u32::from(v4) == IMDS)
            || a.to_ipv4().is_some_and(|v4| u32::from(v4) == IMDS)
            || a == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
    } else {
        inet_aton(host) == Some(IMDS)
    };
    hit.then(|| format!("169.254.169.254 (spelled {host})"))
}

/// An IPv4 address as `inet_aton` reads it: one to four parts, each decimal, hex (`0x`) or
/// octal (a leading `0`), the last part filling the bytes the others leave.
fn inet_aton(host: &str) -> Option<u32> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        let lower = p.to_ascii_lowercase();
        let v = if let Some(h) = lower.strip_prefix("0x") {
            if h.is_empty() {
                0
            } else {
                u64::from_str_radix(h, 16).ok()?
            }
        } else if lower.len() > 1 && lower.starts_with('0') {
            u64::from_str_radix(&lower[1..], 8).ok()?
        } else {
            lower.parse::<u64>().ok()?
        };
        vals.push(v);
    }
    let (last, head) = vals.split_last()?;
    if head.iter().any(|v| *v > 255) {
        return None;
    }
    if *last >= 1u64 << (32 - 8 * head.len() as u32) {
        return None;
    }
    let mut out: u64 = 0;
    for (i, v) in head.iter().enumerate() {
        out |= v << (24 - 8 * i as u32);
    }
    u32::try_from(out | last).ok()
}

/// The cloud instance metadata services (AWS, Azure, GCP link-local address; GCP's name).
const METADATA_HOSTS: &[&str] = &["169.254.169.254", "metadata.google.internal"];

/// Whether `word` occurs in `src` outside a comment line and before any `#` on its line (a
/// string the code holds, not a remark: tester t25 cs02 named STS in a comment).
fn named_in_code(src: &[u8], word: &[u8]) -> bool {
    memchr::memmem::find_iter(src, word).take(256).any(|at| {
        let start = memchr::memrchr(b'\n', &src[..at]).map_or(0, |i| i + 1);
        !src[start..at].contains(&b'#')
    })
}

/// Whether every host of an `http://` or `https://` literal in `src` belongs to a cloud's own
/// services (AWS, Google, Microsoft), the metadata and container-credential addresses, or the
/// loopback: a credential chain exchanges keys with their issuers, and a URL to anywhere else
/// (`https://collector.example.invalid/u`, tester t25 cs03) is where a stealer sends them.
/// At most 1,024 URLs are read; more is no client.
fn literal_hosts_are_clouds(src: &[u8]) -> bool {
    const CLOUDS: &[&str] = &[
        "amazonaws.com",
        "amazon.com",
        "aws",
        "googleapis.com",
        "google.com",
        "google.internal",
        "microsoftonline.com",
        "microsoft.com",
        "azure.com",
        "azure.net",
        "windows.net",
        "live.com",
    ];
    let mut n = 0;
    for at in memchr::memmem::find_iter(src, b"://") {
        n += 1;
        if n > 1024 {
            return false;
        }
        let scheme = &src[at.saturating_sub(5)..at];
        if !(scheme.ends_with(b"http") || scheme.ends_with(b"https")) {
            continue;
        }
        let rest = &src[at + 3..src.len().min(at + 3 + 256)];
        let end = rest
            .iter()
            .position(|b| matches!(b, b'/' | b'\'' | b'"' | b'?' | b'#' | b' ' | b'\n' | b'`'))
            .unwrap_or(rest.len());
        let host = String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase();
        let host = host.rsplit('@').next().unwrap_or("");
        let name = if host.starts_with('[') {
            host.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            host.split(':').next().unwrap_or("")
        };
        let ok = name.is_empty()
            || name.starts_with('{')
            || name.starts_with("169.254.")
            || matches!(
                name,
                "localhost" | "127.0.0.1" | "::1" | "fd00:ec2::254" | "fd00:ec2::23"
            )
            || CLOUDS
                .iter()
                .any(|c| name == *c || name.ends_with(&format!(".{c}")));
        if !ok {
            return false;
        }
    }
    true
}

/// The token service of the cloud whose credential store `location` (a [`CREDENTIALS`] entry
/// as [`credential_in`] reports it) is: AWS's files and its metadata service's
/// `security-credentials` path and IPv6 address (`fd00:ec2::254`, which botocore uses) with
/// STS (`amazonaws.com`), gcloud's
/// files and GCP's service-account paths with Google's OAuth endpoints (`googleapis.com`),
/// Azure's CLI folder and managed-identity path with Entra ID (`microsoftonline.com`).
/// `None` for every other store (SSH keys, kube configs, browsers, wallets, tokens of tools).
fn cloud_issuer(location: &str) -> Option<&'static [u8]> {
    let l = location.to_ascii_lowercase();
    if l.contains(".aws") || l.contains("security-credentials") || l.contains("fd00:ec2::254") {
        Some(b"amazonaws.com")
    } else if l.contains("gcloud")
        || l.contains("application_default_credentials")
        || l.contains("service-accounts")
    {
        Some(b"googleapis.com")
    } else if l.contains(".azure") || l.contains("/metadata/identity/") {
        Some(b"microsoftonline.com")
    } else {
        None
    }
}

/// Substrings of string literals that name credential stores (also matched against symbolic link
/// targets, `symlink-outside-root`).
pub(crate) const CREDENTIALS: &[&str] = &[
    ".ssh/",
    "id_rsa",
    "id_ed25519",
    ".aws/credentials",
    ".aws/config",
    ".config/gcloud",
    ".kube/config",
    ".docker/config.json",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    "169.254.169.254",
    "metadata.google.internal",
    "Login Data",
    "cookies.sqlite",
    "wallet.dat",
    "Local State",
    ".bash_history",
    "Local Storage/leveldb",
    "exodus.wallet",
    ".electrum/",
    "Ethereum/keystore",
    ".ethereum/keystore",
    "/proc/self/environ",
    ".netrc",
    ".config/gh/hosts.yml",
    "huggingface/token",
];

/// Whether an environment variable's name says it holds a secret (`GITHUB_TOKEN`,
/// `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD`, `OPENAI_API_KEY`, `OPENAI_KEY`, `TWINE_PASS`,
/// `NPM_AUTH`, `GH_PAT`, `DATABASE_URL`): compared in upper case (Windows reads names so, and
/// `os.environ.get('github_token')` finds `GITHUB_TOKEN` there), by its `_`-separated words, so
/// that `TOKENIZERS_PARALLELISM` or `MAX_TOKENS` are not secrets. A word that is a secret
/// anywhere (`TOKEN`, `SECRET`, `PASSWORD`, `PASS`, `APIKEY`, `CREDENTIALS`, `COOKIE`, `DSN`,
/// `PAT`), a last word that names one (`KEY`, `AUTH`), or a name that holds one whole
/// (`DATABASE_URL`, `SSH_AUTH_SOCK`, `KUBECONFIG`).
fn secret_variable(s: &str) -> bool {
    if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return false;
    }
    // A lower-case single word (`'token'`, `'pass'`) is a dict key or a word of text far more
    // often than a variable's name: lower case counts only with words joined (`github_token`).
    if !s.contains('_') && s.bytes().any(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let up = s.to_ascii_uppercase();
    if matches!(
        up.as_str(),
        "DATABASE_URL"
            | "SSH_AUTH_SOCK"
            | "KUBECONFIG"
            | "NETRC"
            | "PGPASSFILE"
            | "DOCKER_AUTH_CONFIG"
            | "IDENTITY_HEADER"
            | "SEED_PHRASE"
    ) || [
        "ACCESSTOKEN",
        "MNEMONIC",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "APIKEY",
        "CREDENTIAL",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "API_KEY",
    ]
    .iter()
    .any(|w| up.contains(w))
    {
        return true;
    }
    let words: Vec<&str> = up.split('_').filter(|w| !w.is_empty()).collect();
    words.iter().enumerate().any(|(i, w)| {
        let last = i + 1 == words.len();
        matches!(
            *w,
            "TOKEN" | "PASS" | "PASSPHRASE" | "COOKIE" | "COOKIES" | "DSN" | "PAT" | "JWT"
        ) || (last && i > 0 && matches!(*w, "KEY" | "AUTH" | "PWD"))
            // `CI_JOB_JWT_V2`: a secret word followed by a version.
            || (i + 2 == words.len() && *w == "JWT")
    })
}

/// Environment variables that name who or where the process runs: the login name, the host
/// name, the home folder (which holds the login name), Windows' domain.
fn identity_variable(s: &str) -> bool {
    matches!(
        s.to_ascii_uppercase().as_str(),
        "USER"
            | "USERNAME"
            | "LOGNAME"
            | "COMPUTERNAME"
            | "HOSTNAME"
            | "USERDOMAIN"
            | "HOME"
            | "USERPROFILE"
    )
}

/// The environment mapping under its names: `os.environ`, its bytes twin, and the mapping `os`
/// re-exports from `posix` or `nt`.
fn is_environ(name: &str) -> bool {
    matches!(
        name,
        "os.environ" | "os.environb" | "posix.environ" | "nt.environ"
    )
}

/// Calls that read one environment variable, the name first (`os.getenv`, `os.environ.get`,
/// `os.environ.pop`, `os.environ.setdefault`, `os.environ.__getitem__`).
fn env_reader(name: &str) -> bool {
    matches!(name, "os.getenv" | "os.getenvb")
        || name.rsplit_once('.').is_some_and(|(m, f)| {
            is_environ(m) && matches!(f, "get" | "pop" | "setdefault" | "__getitem__")
        })
}

/// Commands whose output is the whole environment (`env`, `printenv`, with options only).
fn dumps_environment(command: &str) -> bool {
    let mut words = command.split_whitespace();
    let first = words.next().unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    matches!(base, "env" | "printenv") && words.all(|w| w.starts_with('-'))
}

/// The words of a process call's command for [`uploads`]: [`command_words`], keeping an
/// argument list's computed items as their source text without blanks (`'https://' + S +
/// '@host/x'` keeps the `@` before the host).
fn argv_words(
    args: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    command_items(args, src, names, scope, true)
}

/// Commands that send to another host: `scp`, `sftp` and `rsync` with a `host:path` operand,
/// `nc`/`ncat`/`netcat` and `ftp` to a host, `curl` uploading (`-T`, `--upload-file`, `-d @f`,
/// `--data-binary @f`, `-F x=@f`), `wget --post-file`, and `git`/`pip` given a URL that carries
/// a user or token (`https://TOKEN@host/…`).
fn uploads(command: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().take(64).collect();
    let Some(first) = words.first() else {
        return false;
    };
    let mut base = first
        .rsplit('/')
        .next()
        .unwrap_or(first)
        .trim_end_matches(".exe");
    // `python -m pip …`, `sys.executable -m pip …`.
    if (base.starts_with("python") || base == "sys.executable") && words.get(1) == Some(&"-m") {
        base = words.get(2).copied().unwrap_or("");
    }
    let remote = |w: &&str| {
        !w.starts_with('-')
            && w.split_once(':').is_some_and(|(h, _)| {
                !h.is_empty() && !h.contains('/') && (h.contains('@') || h.contains('.'))
            })
    };
    let url_with_user = |w: &&str| {
        w.split_once("://")
            .and_then(|(_, rest)| rest.split('/').next())
            .is_some_and(|host| host.contains('@'))
    };
    match base {
        "scp" | "sftp" | "rsync" => words[1..].iter().any(remote),
        "nc" | "ncat" | "netcat" | "ftp" | "telnet" | "socat" => words.len() > 1,
        "curl" => words.iter().any(|w| {
            matches!(*w, "-T" | "--upload-file")
                || w.starts_with("-T")
                || w.starts_with("--upload-file=")
                || (w.contains('@')
                    && !w.contains("://")
                    && (w.starts_with('@') || w.contains("=@")))
        }),
        "wget" => words
            .iter()
            .any(|w| w.starts_with("--post-file") || w.starts_with("--body-file")),
        // `git push https://host/r.git`: a push to a remote named by its URL on the command
        // line, not one the repository configured (tester t18 c17).
        "git" if words.get(1) == Some(&"push") || words.contains(&"push") => {
            words.iter().any(|w| w.contains("://") || remote(w))
        }
        "git" | "pip" | "pip3" | "uv" => words.iter().any(url_with_user),
        _ => false,
    }
}

/// Commands whose output names who or where the process runs (`whoami`, `hostname`, `id`,
/// `uname -n`).
fn identity_command(command: &str) -> bool {
    let mut words = command.split_whitespace();
    let first = words.next().unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    match base.trim_end_matches(".exe") {
        "whoami" | "hostname" | "id" | "logname" => true,
        "uname" => words.any(|w| w.starts_with('-') && (w.contains('n') || w.contains('a'))),
        _ => false,
    }
}

/// The command a process call runs, as one string: a shell string, or an argument list's
/// constant words joined by blanks (`['whoami']`, `['env', '-0']`). `None` when the first
/// argument is not a constant.
fn command_words(
    args: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    command_items(args, src, names, scope, false)
}

/// [`command_words`] and [`argv_words`]: an argument list's items (at most 32), each its
/// constant value; a computed item ends the words, or with `computed` is kept as its source
/// text without blanks (at most 512 characters).
fn command_items(
    args: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    computed: bool,
) -> Option<String> {
    let first = positional(args, 0)?;
    if matches!(first.kind_name(), "list" | "tuple") {
        let mut c = first.walk();
        let words: Vec<String> = first
            .named_children(&mut c)
            .take(if computed { 32 } else { 16 })
            .map_while(|w| {
                let constant = names
                    .eval(w, src, scope)
                    .and_then(|v| v.bytes().map(|b| String::from_utf8_lossy(b).into_owned()));
                match constant {
                    Some(v) => Some(v),
                    None if computed => Some(
                        text(w, src)
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .take(512)
                            .collect(),
                    ),
                    None => None,
                }
            })
            .collect();
        return (!words.is_empty()).then(|| words.join(" "));
    }
    names
        .eval(first, src, scope)?
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// Who or where the process runs, if the expression `n` names it right there: a call of
/// [`is_identity`], an identity environment variable (`os.environ['USER']`,
/// `os.getenv('COMPUTERNAME')`), the node name of `os.uname()` or `platform.uname()`
/// (`.nodename`, `.node`, `[1]`), the password entry's name (`pwd.getpwuid(…).pw_name`), the home
/// folder (`os.path.expanduser('~')`, `Path.home()`), or a file that names them
/// (`/etc/hostname`, `/etc/passwd`).
fn names_identity(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    match n.kind_name() {
        "call" => {
            let f = field(n, F::Function)?;
            let spelled = dotted(f, src);
            let resolved = names.resolve(f, src, scope).unwrap_or_default();
            let args = field(n, F::Arguments);
            let key = || {
                args.and_then(|a| positional(a, 0))
                    .and_then(|k| names.eval(k, src, scope))
                    .and_then(|v| v.bytes().map(|b| String::from_utf8_lossy(b).into_owned()))
            };
            for name in [spelled.as_str(), resolved.as_str()] {
                if is_identity(name)
                    || matches!(
                        name,
                        "pwd.getpwuid"
                            | "pwd.getpwnam"
                            | "uuid.getnode"
                            | "pathlib.Path.home"
                            | "Path.home"
                            | "os.getcwd"
                            | "os.getcwdb"
                    )
                {
                    return Some(short(text(n, src)));
                }
                if (env_reader(name) && key().is_some_and(|k| identity_variable(&k)))
                    || (name == "os.path.expanduser" && key().as_deref() == Some("~"))
                {
                    return Some(short(text(n, src)));
                }
                if is_process(name)
                    && args
                        .and_then(|a| command_words(a, src, names, scope))
                        .is_some_and(|c| identity_command(&c))
                {
                    return Some(short(text(n, src)));
                }
                if name.ends_with("open") || name.ends_with("read_text") {
                    let p = key().unwrap_or_default();
                    if matches!(
                        p.as_str(),
                        "/etc/hostname" | "/etc/passwd" | "/etc/machine-id"
                    ) {
                        return Some(short(text(n, src)));
                    }
                }
            }
            None
        }
        "attribute" => {
            let a = field(n, F::Attribute).map(|a| text(a, src))?;
            let o = field(n, F::Object)?;
            let on = |suffix: &str| {
                o.kind_name() == "call"
                    && field(o, F::Function).is_some_and(|f| {
                        let d = dotted(f, src);
                        d.ends_with(suffix)
                            || names
                                .resolve(f, src, scope)
                                .is_some_and(|r| r.ends_with(suffix))
                    })
            };
            ((a == "nodename" && on("uname"))
                || (a == "node" && on("uname"))
                || (a.starts_with("pw_") && on("getpwuid")))
            .then(|| short(text(n, src)))
        }
        "subscript" => {
            let v = field(n, F::Value)?;
            let k = field(n, F::Subscript)?;
            let key = names
                .eval(k, src, scope)
                .and_then(|v| v.bytes().map(|b| String::from_utf8_lossy(b).into_owned()));
            let environ = names
                .eval(v, src, scope)
                .is_some_and(|x| matches!(&x, Value::Name(m) if is_environ(m)));
            if environ && key.as_deref().is_some_and(identity_variable) {
                return Some(short(text(n, src)));
            }
            let uname = v.kind_name() == "call"
                && field(v, F::Function).is_some_and(|f| dotted(f, src).ends_with("uname"));
            (uname && text(k, src) == "1").then(|| short(text(n, src)))
        }
        _ => None,
    }
}

/// Whether text may name who or where the process runs, before [`carries_identity`] walks it:
/// one of the words its sources are spelled with, or a variable known to carry one.
fn maybe_identity(t: &str, tainted: &std::collections::HashSet<String>) -> bool {
    const WORDS: &[&str] = &[
        "getuser",
        "getlogin",
        "hostname",
        "getfqdn",
        "node",
        "uname",
        "getpw",
        "USER",
        "LOGNAME",
        "COMPUTERNAME",
        "HOME",
        "getenv",
        "environ",
        "expanduser",
        "home()",
        "whoami",
        "/etc/",
        "getnode",
        "subprocess",
        "popen",
        "check_output",
    ];
    t.len() <= 4096
        && (WORDS.iter().any(|w| t.contains(w)) || tainted.iter().any(|v| t.contains(v.as_str())))
}

/// The string constants a loop variable takes: `k` of `for k in ('A', 'B')` or of a
/// comprehension's `for k in ['A', 'B']`, found from the identifier `k` used in the loop (its
/// enclosing comprehension or `for` statement, at most 8 levels up). `parent()` walks down from
/// the root: asked only of an environment read by a name the table cannot fold.
fn loop_constants(k: tree_sitter::Node<'_>, src: &[u8]) -> Vec<String> {
    let var = text(k, src);
    let mut cur = k;
    for _ in 0..8 {
        let Some(p) = cur.parent() else { break };
        let clauses: Vec<tree_sitter::Node<'_>> = match p.kind_name() {
            "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression" => {
                let mut c = p.walk();
                p.named_children(&mut c)
                    .filter(|x| x.kind_name() == "for_in_clause")
                    .collect()
            }
            "for_statement" => vec![p],
            _ => Vec::new(),
        };
        for cl in clauses {
            let left = field(cl, F::Left).map(|l| text(l, src));
            let right = field(cl, F::Right).filter(|r| matches!(r.kind_name(), "tuple" | "list"));
            if let (Some(l), Some(r)) = (left, right) {
                if l == var {
                    let mut c = r.walk();
                    return r
                        .named_children(&mut c)
                        .take(64)
                        .filter_map(|x| string_value(x, src))
                        .collect();
                }
            }
        }
        cur = p;
    }
    Vec::new()
}

/// Whether the string `n` is (a piece of) a message handed to an output call: an argument of
/// a call whose last name has `print` in it (`print`, `_safe_print`), is `echo`/`secho`, or is
/// a logging or warning method (`logger.info`, `warnings.warn`, `log`). A path named in a
/// message is shown, not read (tester t29 FP1: `~/.netrc` in a help text).
fn message_argument(n: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let mut cur = n;
    for _ in 0..4 {
        let Some(p) = cur.parent() else {
            return false;
        };
        match p.kind_name() {
            "concatenated_string" | "parenthesized_expression" | "argument_list" => cur = p,
            "call" => {
                let Some(f) = field(p, F::Function) else {
                    return false;
                };
                let d = dotted(f, src);
                let last = d.rsplit('.').next().unwrap_or(&d).to_ascii_lowercase();
                return last.contains("print")
                    || matches!(
                        last.as_str(),
                        "echo"
                            | "secho"
                            | "log"
                            | "debug"
                            | "info"
                            | "warn"
                            | "warning"
                            | "error"
                            | "critical"
                            | "exception"
                    );
            }
            _ => return false,
        }
    }
    false
}

/// Whether a host, `host:port` or URL names this machine: `localhost`, a loopback address
/// (`127.0.0.0/8`, `::1`) or the unspecified address (`0.0.0.0`, which a client reaches as
/// itself).
fn local_address(t: &str) -> bool {
    let rest = t.split_once("://").map_or(t, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else if host_port.matches(':').count() > 1 {
        host_port
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host == "0.0.0.0"
        || host.strip_prefix("127.").is_some_and(|r| {
            r.split('.').count() == 3 && r.split('.').all(|p| p.parse::<u8>().is_ok())
        })
}

/// Name-lookup and connection tools (`nslookup`, `dig`, `host`, `ping`, `nc`, `telnet`) named
/// by a command's first word, `openssl s_client` (a TLS connection whose output can be piped
/// on), and a URL opener (`xdg-open`, `open`, `gio open`, `start`, a browser) given a web
/// address among the first 64 words.
fn network_tool(command: &str) -> bool {
    let mut words = command.split_whitespace().take(64);
    let first = words.next().unwrap_or("");
    let base = first.rsplit(['/', '\\']).next().unwrap_or(first);
    match base.trim_end_matches(".exe") {
        "nslookup" | "dig" | "host" | "ping" | "ping6" | "nc" | "ncat" | "netcat" | "telnet" => {
            true
        }
        "openssl" => words
            .next()
            .is_some_and(|w| matches!(w, "s_client" | "s_time")),
        "xdg-open" | "open" | "gio" | "sensible-browser" | "x-www-browser" | "www-browser"
        | "firefox" | "chromium" | "chromium-browser" | "google-chrome" | "start" => {
            words.any(|w| w.starts_with("http://") || w.starts_with("https://"))
        }
        _ => false,
    }
}

/// Whether the environment mapping `n` is used whole where it stands, and the evidence: its
/// items, values or copy, its private `_data`, a call's argument (`dict(…)`, `str(…)`,
/// `json.dumps(…)`; not a process call's, which hands it to the child, nor `len`, `list`,
/// `sorted` and the like, which take its names), a keyword argument other than `env=`, a
/// `**` splat, or the iterable of a loop or comprehension that reads the values too
/// (`{k: os.environ[k] for k in os.environ}`). `parent()` walks down from the root: asked only
/// of the mapping's rare uses.
fn environ_dumped(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<(String, bool)> {
    let p = n.parent()?;
    // A loop or comprehension whose iterable is `x` and whose body reads values.
    let reads_values = |x: tree_sitter::Node<'_>| {
        let Some(l) = x.parent() else { return false };
        let body = match l.kind_name() {
            "for_in_clause" => l.parent(),
            "for_statement" => Some(l),
            _ => None,
        };
        body.is_some_and(|b| {
            let t = text(b, src);
            t.len() <= 4096
                && ["environ[", "getenv(", "environ.get(", "__getitem__("]
                    .iter()
                    .any(|w| t.contains(w))
        })
    };
    let whole = match p.kind_name() {
        "attribute" => {
            field(p, F::Object).is_some_and(|o| o.id() == n.id())
                && field(p, F::Attribute).is_some_and(|a| {
                    matches!(
                        text(a, src),
                        "items"
                            | "values"
                            | "copy"
                            | "_data"
                            | "__copy__"
                            | "__iter__"
                            | "__repr__"
                    )
                })
        }
        "argument_list" => {
            let call = p.parent();
            let callee = call.and_then(|c| field(c, F::Function));
            let names_only = |c: &str| {
                matches!(
                    c,
                    "len"
                        | "list"
                        | "sorted"
                        | "set"
                        | "tuple"
                        | "iter"
                        | "isinstance"
                        | "id"
                        | "type"
                        | "bool"
                        | "hash"
                        | "frozenset"
                        | "next"
                        | "enumerate"
                        | "getattr"
                        | "hasattr"
                )
            };
            callee.is_some_and(|f| {
                let d = dotted(f, src);
                let r = names.resolve(f, src, scope).unwrap_or_default();
                let spelled = [d.as_str(), r.as_str()];
                if spelled.iter().any(|c| names_only(c)) {
                    // `for k in list(os.environ)` with the values read in the body.
                    call.is_some_and(reads_values)
                } else {
                    !spelled.iter().any(|c| is_process(c))
                }
            })
        }
        "keyword_argument" => field(p, F::Name).is_some_and(|k| text(k, src) != "env"),
        "dictionary_splat" => true,
        "for_in_clause" | "for_statement" => reads_values(n),
        _ => false,
    };
    // A copy into a new mapping (`.copy()`, `dict(…)`, `{**…}`) handed to a child as `env=`,
    // directly or through a name the file hands over so; one serialised on the spot
    // (`json.dumps(dict(os.environ))`) or returned from a helper and sent (tester t25 cs12) is
    // a dump.
    let kept = |x: tree_sitter::Node<'_>| {
        x.parent().is_some_and(|q| match q.kind_name() {
            "assignment" => {
                field(q, F::Right).is_some_and(|r| r.id() == x.id())
                    && field(q, F::Left)
                        .filter(|l| l.kind_name() == "identifier")
                        .is_some_and(|l| {
                            let name = text(l, src);
                            [format!("env={name}"), format!("env = {name}")]
                                .iter()
                                .any(|k| {
                                    memchr::memmem::find_iter(src, k.as_bytes()).any(|at| {
                                        src.get(at + k.len()).is_none_or(|c| {
                                            !(c.is_ascii_alphanumeric() || *c == b'_')
                                        })
                                    })
                                })
                        })
            }
            "keyword_argument" => field(q, F::Name).is_some_and(|k| text(k, src) == "env"),
            _ => false,
        })
    };
    let copy = match p.kind_name() {
        "attribute" => {
            field(p, F::Attribute).is_some_and(|a| matches!(text(a, src), "copy" | "__copy__"))
                && p.parent()
                    .is_some_and(|c| c.kind_name() == "call" && kept(c))
        }
        "argument_list" => p.parent().is_some_and(|c| {
            field(c, F::Function).is_some_and(|f| text(f, src) == "dict") && kept(c)
        }),
        "dictionary_splat" => p
            .parent()
            .is_some_and(|d| d.kind_name() == "dictionary" && kept(d)),
        _ => false,
    };
    whole.then(|| (short(text(p, src)), copy))
}

/// Whether the expression `n` (an argument list, a value) carries who or where the process
/// runs ([`names_identity`]) or a variable bound to it (`tainted`). Bounded walk. In a name
/// lookup (`dns`), an identity that is the whole name asked for (`gethostbyname(gethostname())`,
/// the host's own address) carries nothing out; one built into a longer name does.
fn carries_identity(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    tainted: &std::collections::HashSet<String>,
    dns: bool,
) -> Option<String> {
    let mut stack = vec![(n, false)];
    let mut seen = 0;
    while let Some((x, built)) = stack.pop() {
        seen += 1;
        if seen > 512 {
            return None;
        }
        let counts = !dns || built;
        if x.kind_name() == "identifier" {
            if counts && tainted.contains(text(x, src)) {
                return Some(text(x, src).to_string());
            }
            continue;
        }
        if matches!(x.kind_name(), "call" | "attribute" | "subscript") {
            if let Some(who) = names_identity(x, src, names, scope) {
                if counts {
                    return Some(who);
                }
                continue;
            }
        }
        // A name lookup's argument is built when it passes through an operator, an f-string,
        // a `format`/`join`/`%`, or any call other than an environment read's default.
        let builds = match x.kind_name() {
            "binary_operator" | "string" | "concatenated_string" => true,
            "call" => field(x, F::Function).is_none_or(|f| {
                let d = dotted(f, src);
                !(env_reader(&d) || names.resolve(f, src, scope).is_some_and(|r| env_reader(&r)))
            }),
            _ => false,
        };
        let mut c = x.walk();
        for ch in x.named_children(&mut c) {
            stack.push((ch, built || builds));
        }
    }
    None
}

/// Bind the names `ids` a value `v` is assigned to (or a `with` binds) to the temporary file
/// it opens for writing ([`temp_handles`]) or to the archive it opens ([`archive_of`]), for a
/// later write of downloaded data or an extraction.
fn bind_file_handles(
    sig: &mut Signals,
    ids: &[&str],
    v: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) {
    for (id, key) in temp_handles(ids, v, src, names, scope) {
        if sig.write_handles.len() < MAX_CALLED {
            sig.write_handles.insert(id, key);
        }
    }
    if let (Some(a), [id]) = (archive_of(v, src, names, scope, &sig.downloaded), ids) {
        if sig.archives.len() < MAX_CALLED {
            sig.archives.insert(id.to_string(), a);
        }
    }
}

/// Whether the subscript or attribute `n` is written, not read: the target of an assignment
/// (`x[k] = v`, also one of several targets, `a[k], b = …`) or of a `del`. An augmented
/// assignment (`x[k] += v`) reads it first.
fn stored_or_deleted(n: tree_sitter::Node<'_>) -> bool {
    let mut cur = n;
    for _ in 0..4 {
        let Some(p) = cur.parent() else {
            return false;
        };
        match p.kind_name() {
            "assignment" => return field(p, F::Left).is_some_and(|l| l.id() == cur.id()),
            "delete_statement" => return true,
            "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" => cur = p,
            _ => return false,
        }
    }
    false
}

/// Whether the string literal `n` names the environment variable read by its parent:
/// `os.environ['X']`, `os.environ.get('X')`, `os.getenv('X')`, `environ.pop('X')`. A subscript
/// that is stored to or deleted (`os.environ['API_KEY'] = key`, `del os.environ['X']`) reads
/// nothing.
fn reads_env(n: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let Some(p) = n.parent() else {
        return false;
    };
    match p.kind_name() {
        "subscript" => {
            field(p, F::Value).is_some_and(|v| text(v, src).ends_with("environ"))
                && !stored_or_deleted(p)
        }
        "argument_list" => p
            .parent()
            .and_then(|c| field(c, F::Function))
            .is_some_and(|f| {
                let t = text(f, src);
                t.ends_with("getenv")
                    || t.ends_with("environ.get")
                    || t.ends_with("environ.pop")
                    || t.ends_with("environ.setdefault")
            }),
        _ => false,
    }
}

/// Whether a call reads who or where the process runs: the user's login name or the host's
/// name (`getpass.getuser()`, `os.getlogin()`, `socket.gethostname()`, `platform.node()`; not
/// `platform.uname()`, read for the machine's architecture).
fn is_identity(name: &str) -> bool {
    matches!(
        name,
        "getpass.getuser"
            | "os.getlogin"
            | "socket.gethostname"
            | "socket.getfqdn"
            | "platform.node"
    )
}

/// Whole string literals that name a credential store as one path component, as
/// `os.path.join(home, '.ssh', 'id_rsa')` or `Path.home() / '.config' / 'google-chrome' /
/// 'Default' / 'Cookies'` spell it: a browser's cookie database, an Electron or browser
/// profile's local storage (Discord tokens), wallet folders, the key folders of ssh, gpg and the
/// cloud command-line tools.
const CREDENTIAL_COMPONENTS: &[&str] = &[
    ".ssh",
    ".env",
    ".aws",
    ".kube",
    ".gnupg",
    ".azure",
    ".electrum",
    ".bitcoin",
    ".ethereum",
    "Cookies",
    "Local Storage",
    "Login Data",
    "Web Data",
    "key4.db",
    "logins.json",
    "tdata",
];

/// More credential stores, matched as [`CREDENTIALS`] are but not prefilter words (the
/// prefilter's first searcher is full; a module that sends them anywhere is parsed for its
/// network words): system and database password files, the macOS keychains, the Azure CLI's
/// tokens, browser extension storage (wallet extensions; MetaMask's extension id).
const MORE_CREDENTIALS: &[&str] = &[
    "/etc/shadow",
    "/etc/gshadow",
    ".pgpass",
    "Library/Keychains",
    ".azure/",
    "Local Extension Settings",
    "nkbihfbeogaeaoehlefnkodbefgpgknn",
    ".password-store",
    // Tool and cloud tokens (tester t14): Terraform Cloud, Vault, Kaggle, Databricks, VS Code's
    // secret store, coding agents' logins, Hugging Face's stored tokens, a Kubernetes pod's
    // service-account token, the instance metadata services' credential paths (the address
    // alone is only where a request goes), and another process's environment.
    ".terraform.d/credentials",
    ".vault-token",
    ".kaggle/kaggle.json",
    ".databrickscfg",
    "state.vscdb",
    ".codex/auth.json",
    ".claude/.credentials.json",
    "huggingface/stored_tokens",
    "huggingface/token",
    "serviceaccount/token",
    "security-credentials",
    "service-accounts/default/token",
    // Instance user data (cloud-init secrets) from the metadata services (tester t25 cs11).
    "latest/user-data",
    "computeMetadata/v1/instance/attributes",
    "/environ", // Tester t18: tokens of AI tools, registries, clouds, CI runners, wallets and apps, shell
    // histories and dotenv variants.
    ".git/config",
    "github-copilot/hosts.json",
    "github-copilot/apps.json",
    ".gemini/oauth_creds.json",
    "pypoetry/auth.toml",
    ".cargo/credentials",
    ".gem/credentials",
    ".m2/settings.xml",
    "rclone/rclone.conf",
    ".s3cfg",
    ".terraformrc",
    "terraform.d/credentials.tfrc.json",
    ".oci/config",
    "doctl/config.yaml",
    "/.boto",
    ".azure/accessTokens.json",
    ".azure/msal_token_cache",
    ".credentials_rsaparams",
    ".zsh_history",
    ".python_history",
    ".psql_history",
    ".mysql_history",
    "ConsoleHost_history.txt",
    ".env.local",
    ".env.production",
    "solana/id.json",
    "sui.keystore",
    ".aptos/config.yaml",
    ".near-credentials",
    "GitHub CLI/hosts.yml",
    // FileZilla's saved servers, also under `~/.config/filezilla/` (lower case on Linux).
    "sitemanager.xml",
    "recentservers.xml",
    // The GitHub Actions runner's worker process, whose memory and environment hold the job's
    // secrets (tester t14 ks31); another process's memory is `/proc/<pid>/mem`
    // ([`credential_in`]).
    "Runner.Worker",
    "/metadata/identity/oauth2/token",
    "computeMetadata/v1/instance/service-accounts",
    "my.cnf",
    "gradle.properties",
    ".cloudflared/cert.pem",
    "pip/pip.conf",
    "actions-runner/.env",
    "actions-runner/.credentials",
    // A runner installed in its user's home (`/home/runner/.credentials`, its RSA key), and the
    // files steps write `GITHUB_ENV`/`GITHUB_OUTPUT` through, which hold what jobs export
    // (tester t18 l18, l19).
    "runner/.credentials",
    ".credentials_rsaparams",
    "_runner_file_commands/",
    ".wakatime.cfg",
    ".docker/contexts",
    "Monero/wallets",
    "pgadmin4.db",
    ".ovpn",
    "openvpn/",
];

/// Commands that print a credential (their words, lower case, as a command line spells them):
/// the output of one is a secret read ([`token_command`]).
const TOKEN_COMMANDS: &[&str] = &[
    "gh auth token",
    "git credential fill",
    "gcloud auth print-access-token",
    "gcloud auth application-default print-access-token",
    "aws configure export-credentials",
    "aws sts get-session-token",
    "az account get-access-token",
    "vault print token",
    "op read",
    "security find-generic-password",
    // Commands that print stored secrets (tester t18).
    "secret-tool lookup",
    "kubectl get secret",
    "kubectl get secrets",
    "aws secretsmanager get-secret-value",
    "aws ssm get-parameter",
    "gcloud secrets versions access",
    "vault kv get",
    "vault read",
    "bw list",
    "bw get",
    "docker-credential-desktop list",
    "docker-credential-desktop get",
    "docker-credential-osxkeychain get",
    "az keyvault secret show",
    "pass show",
];

/// The token command ([`TOKEN_COMMANDS`]) a process call's argument text runs, if any: the
/// text's words (quotes, commas and brackets dropped) are searched, so an argv list
/// (`['gh', 'auth', 'token']`) and a command line read alike.
fn token_command(args: &str) -> Option<&'static str> {
    if args.len() > 4096 {
        return None;
    }
    let words: String = args
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let words = format!(
        " {} ",
        words.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    TOKEN_COMMANDS
        .iter()
        .find(|c| words.contains(&format!(" {c} ")))
        .copied()
}

/// The clipboard-reading command a process call's argument text runs, if any (words read as
/// [`token_command`] reads them): `xclip -o`, `xsel` without an input flag, `pbpaste`,
/// `wl-paste`, PowerShell's `Get-Clipboard`. What the clipboard holds is often a password or
/// a wallet address just copied.
fn clipboard_command(args: &str) -> Option<&'static str> {
    if args.len() > 4096 {
        return None;
    }
    let lower = args.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .filter(|w| !w.is_empty())
        .take(64)
        .collect();
    let has = |w: &str| words.contains(&w);
    if has("pbpaste") {
        Some("pbpaste")
    } else if has("wl-paste") {
        Some("wl-paste")
    } else if has("get-clipboard") {
        Some("Get-Clipboard")
    } else if has("xclip") && (has("-o") || has("-out")) {
        Some("xclip -o")
    } else if has("xsel")
        && ![
            "-i", "--input", "-a", "--append", "-c", "--clear", "-k", "--keep",
        ]
        .iter()
        .any(|w| has(w))
    {
        Some("xsel")
    } else {
        None
    }
}

/// Server classes that listen on the address their first argument names.
fn server_class(name: &str) -> bool {
    let Some((module, last)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        module,
        "xmlrpc.server"
            | "SimpleXMLRPCServer"
            | "DocXMLRPCServer"
            | "http.server"
            | "BaseHTTPServer"
            | "socketserver"
            | "SocketServer"
            | "wsgiref.simple_server"
    ) && (last.ends_with("Server") || last == "make_server")
}

/// Whether a server address names every interface: `('0.0.0.0', p)`, `('', p)`, `('::', p)`
/// (`make_server('0.0.0.0', p, app)` names the host first).
fn all_interfaces(addr: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let host = if addr.kind_name() == "tuple" {
        addr.named_child(0)
    } else {
        Some(addr)
    };
    host.and_then(|h| string_value(h, src))
        .is_some_and(|h| matches!(h.as_str(), "0.0.0.0" | "" | "::" | "[::]"))
}

/// Keyboard and mouse hooks: pynput's listeners, the `keyboard` and `mouse` packages' hooks,
/// pyxhook, Windows' low-level hook and key-state calls.
fn key_hook(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        name,
        "pynput.keyboard.Listener"
            | "pynput.mouse.Listener"
            | "pynput.keyboard.Events"
            | "keyboard.hook"
            | "keyboard.on_press"
            | "keyboard.on_release"
            | "keyboard.record"
            | "keyboard.start_recording"
            | "mouse.hook"
            | "pyxhook.HookManager"
    ) || ((name.starts_with("ctypes.")
        || name.starts_with("win32api.")
        || name.starts_with("win32con."))
        && (last.starts_with("SetWindowsHookEx") || last == "GetAsyncKeyState"))
}

/// Clipboard writes: `pyperclip.copy`, tkinter's `clipboard_append`, `win32clipboard`.
fn clipboard_write(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        name,
        "pyperclip.copy"
            | "clipboard.copy"
            | "win32clipboard.SetClipboardText"
            | "win32clipboard.SetClipboardData"
    ) || (last == "clipboard_append" && name.starts_with("tkinter."))
}

/// Calls that hand over what a person is looking at or just copied, read as a secret: the
/// clipboard (`pyperclip.paste()`, tkinter's `clipboard_get()`, `win32clipboard`), the
/// desktop keyring (`secretstorage`'s collections; `keyring` is with the stores), and the
/// screen (`PIL.ImageGrab.grab()`, `pyautogui.screenshot()`, `mss`'s `grab`/`shot`).
fn reads_user_data(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        name,
        "pyperclip.paste"
            | "clipboard.paste"
            | "win32clipboard.GetClipboardData"
            | "secretstorage.get_default_collection"
            | "secretstorage.get_all_collections"
            | "secretstorage.get_any_collection"
            | "PIL.ImageGrab.grab"
            | "ImageGrab.grab"
            | "PIL.ImageGrab.grabclipboard"
            | "pyautogui.screenshot"
            | "pyscreenshot.grab"
    ) || (last == "clipboard_get" && name.starts_with("tkinter."))
        || (name.starts_with("mss.") && matches!(last, "grab" | "shot"))
}

/// Credential paths a glob pattern is tried against (`glob('~/.s*/id_*')` finds ssh keys).
const CREDENTIAL_PATHS: &[&str] = &[
    "~/.ssh/id_rsa",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ecdsa",
    "~/.aws/credentials",
    "~/.kube/config",
    "~/.docker/config.json",
    "~/.git-credentials",
    "~/.netrc",
    "~/.pypirc",
    "~/.npmrc",
    "~/.config/gcloud/credentials.db",
    "~/.config/gh/hosts.yml",
];

/// Credential files in a home folder that a pattern rooted there (`~/…`, as `expanduser` and
/// `Path.home()` spell it) is also tried against: the names the wildcard parts of a search for
/// secrets hit (`~/.config/**/*token*`, `~/**/*credential*`, `~/**/*.pem`, `~/**/*secret*`).
/// Only for patterns rooted at home: `**/*token*` in a project names nothing of the user's.
const HOME_CREDENTIAL_FILES: &[&str] = &[
    "~/.config/gcloud/access_tokens.db",
    "~/.config/gcloud/application_default_credentials.json",
    "~/.cache/huggingface/token",
    "~/.azure/msal_token_cache.json",
    "~/.config/app/client_secret.json",
    "~/.ssh/key.pem",
];

/// The credential location a string literal names ([`CREDENTIALS`] or [`MORE_CREDENTIALS`] as
/// a substring, Windows separators read as `/`; a [`CREDENTIAL_COMPONENTS`] path component; a
/// glob pattern that matches one of [`CREDENTIAL_PATHS`]), if any.
/// [`MORE_CREDENTIALS`] then [`CREDENTIALS`] as one automaton whose pattern ids are their
/// indexes in that order; standard match semantics, so an overlapping search reports every
/// occurrence of every entry.
static LISTED_CREDENTIALS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(MORE_CREDENTIALS.iter().chain(CREDENTIALS))
            .ok()
    });

pub(crate) fn credential_in(s: &str) -> Option<String> {
    // The more specific entries first: an instance metadata URL names its credential path,
    // not only the address. Every occurrence of every entry is found in one pass (this runs
    // on every string literal of a parsed module), and the entry first in the lists wins, as
    // a `contains` per entry in list order would have it.
    let listed = |s: &str| {
        let entries = || MORE_CREDENTIALS.iter().chain(CREDENTIALS);
        match LISTED_CREDENTIALS.as_ref() {
            Some(ac) => ac
                .find_overlapping_iter(s)
                .map(|m| m.pattern().as_usize())
                .min()
                .and_then(|i| entries().nth(i)),
            None => entries().find(|c| s.contains(**c)),
        }
        .map(|c| (*c).to_string())
    };
    if let Some(c) = listed(s) {
        return Some(c);
    }
    if let Some(c) = metadata_in_disguise(s) {
        return Some(c);
    }
    // Another process's memory (`/proc/1234/mem`, `/proc/%d/mem`), where a runner's or an
    // agent's secrets sit decrypted.
    if s.starts_with("/proc/") && s.ends_with("/mem") {
        return Some("/proc/<pid>/mem".to_string());
    }
    // `.ssh` and `~/.ssh/` name one location; so does `…\\Default\\Network\\Cookies`.
    for part in s.split(['/', '\\']).filter(|p| !p.is_empty()).take(64) {
        if let Some(c) = CREDENTIAL_COMPONENTS.iter().find(|c| part == **c) {
            return Some(if c.starts_with('.') {
                format!("{c}/")
            } else {
                (*c).to_string()
            });
        }
    }
    if s.contains('\\') {
        if let Some(c) = listed(&s.replace('\\', "/")) {
            return Some(c);
        }
    }
    credential_glob(s)
}

/// The credential path a glob pattern matches (`~/.s*/id_*`, `~/.aws/*`), when the pattern is
/// short, spans folders and its last component holds at least two literal characters (`**/*`
/// matches everything and names nothing).
fn credential_glob(s: &str) -> Option<String> {
    if s.len() > 128 || !s.contains('/') || !s.contains(['*', '?', '[']) {
        return None;
    }
    let last = s.rsplit('/').next().unwrap_or(s);
    if last
        .chars()
        .filter(|c| !matches!(c, '*' | '?' | '[' | ']'))
        .count()
        < 2
    {
        return None;
    }
    let pattern = if s.starts_with('~') || s.starts_with('*') {
        s.to_string()
    } else {
        format!("**/{}", s.trim_start_matches('/'))
    };
    let m = globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .build()
        .ok()?
        .compile_matcher();
    let home = if s.starts_with('~') {
        HOME_CREDENTIAL_FILES
    } else {
        &[]
    };
    CREDENTIAL_PATHS
        .iter()
        .find(|p| m.is_match(p) || m.is_match(p.trim_start_matches("~/")))
        .or_else(|| home.iter().find(|p| m.is_match(p)))
        .map(|p| format!("{s} (matches {p})"))
}

/// Substrings of string literals that belong to cryptocurrency miners.
const MINER: &[&str] = &[
    "xmrig",
    "stratum+tcp",
    "stratum+ssl",
    "cryptonight",
    "minergate",
];

/// Markers of a miner's command line beside [`MINER`]: XMRig's donation flag, which no other
/// program takes.
const MINER_FLAGS: &[&str] = &["--donate-level"];

/// The miner marker ([`MINER`], [`MINER_FLAGS`], any case) in the arguments of a process call:
/// its string literals, and the constant items of its argv lists (`['./xmrig', '-o', POOL]`
/// with `POOL = 'stratum+tcp://…'`), positional or `args=`. Bounded: 32 lists of 32 items.
fn miner_argument(
    args: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    let marker = |v: &str| {
        let lower = v.to_ascii_lowercase();
        MINER
            .iter()
            .chain(MINER_FLAGS)
            .find(|m| lower.contains(*m))
            .map(|m| (*m).to_string())
    };
    if let Some(m) = strings_within(args, src).iter().find_map(|s| marker(s)) {
        return Some(m);
    }
    let mut lists = Vec::new();
    let mut c = args.walk();
    for x in args.named_children(&mut c).take(32) {
        let x = if x.kind_name() == "keyword_argument" {
            match field(x, F::Value) {
                Some(v) => v,
                None => continue,
            }
        } else {
            x
        };
        if matches!(x.kind_name(), "list" | "tuple") {
            lists.push(x);
        }
    }
    lists
        .into_iter()
        .flat_map(|l| constant_items(l, src, names, scope))
        .flatten()
        .find_map(|v| marker(&v))
}

/// Files one source's calls run through an interpreter, kept at most.
const MAX_RAN_FILES: usize = 16;

/// A file of the package a call runs through an interpreter (`subprocess.run(['bash',
/// 'scripts/post.sh'])`, `exec(open('x.txt').read())`): the join reads it when the package
/// ships it and analyses it as a script of that interpreter (`python/join.rs`).
#[derive(Debug, Clone)]
struct RanFile {
    line: usize,
    in_fn: bool,
    interpreter: Interpreter,
    /// `/`-separated, relative to the module's folder ([`persist::shipped_path`]).
    path: String,
    /// The call.
    evidence: String,
}

/// A signal and where it sits: (line, inside a function, evidence).
type Placed = (usize, bool, String);

/// What one source file can do.
#[derive(Debug, Default)]
pub(crate) struct Signals {
    exec_decoded: Vec<(usize, bool, String)>,
    shell: Vec<(usize, bool, String)>,
    hidden_spawn: Vec<(usize, bool, String)>,
    network: Vec<(usize, bool, String)>,
    /// Credential locations named (line, in a function, the location).
    credentials: Vec<(usize, bool, String)>,
    /// Whole-environment dumps (line, in a function, evidence, a copy): the last is true for a
    /// dump that only copies the mapping into a new one handed to a child (`env =
    /// os.environ.copy()` … `env=env`, [`environ_dumped`]), which the whole-file stealer
    /// clause does not count unless it is sent (`handed`) or taken at load.
    env_dump: Vec<(usize, bool, String, bool)>,
    /// Reads of one secret: an environment variable named like a secret (`GITHUB_TOKEN`,
    /// `AWS_SECRET_ACCESS_KEY`) or a cloud SDK's resolved credentials (`get_credentials()`)
    /// (line, in a function, evidence).
    secret_reads: Vec<(usize, bool, String)>,
    /// Reads of who and where the process runs: user name, host name, working directory
    /// (line, in a function, evidence); what a dependency-confusion probe sends home.
    identity: Vec<(usize, bool, String)>,
    /// Variables bound to who or where the process runs ([`carries_identity`]).
    identity_vars: std::collections::HashSet<String>,
    /// Names bound to the environment mapping under another name (`from os import environ as
    /// E`, `E = getattr(os, 'environ')`).
    environ_aliases: std::collections::HashSet<String>,
    miner: Vec<(usize, String)>,
    /// Processes started with a miner's marker in their arguments (`Popen(['./xmrig', '-o',
    /// POOL, '--donate-level', '1'])`, the pool bound to a name): line, evidence, the marker.
    miner_runs: Vec<(usize, String, String)>,
    install_hook: Vec<(usize, String)>,
    /// What a `setup()` call declares beyond code: the commands it installs and the build
    /// requirements it fetches ([`setup_declarations`]).
    setup_decl: Vec<SetupDecl>,
    /// The requirements a `setup()` call declares (`install_requires=`, `setup_requires=`,
    /// `tests_require=`, the lists of `extras_require=`), each with its line; at most
    /// [`MAX_SETUP_REQUIREMENTS`], and whether more were passed over.
    setup_reqs: Vec<(usize, String)>,
    setup_reqs_cut: bool,
    /// The `name=` a `setup()` call gives its distribution.
    setup_name: Option<String>,
    /// The overridden commands are build steps only (`build_ext`, `bdist_wheel` …), not
    /// `install`/`develop`.
    build_hook_only: bool,
    /// Code to analyse as Python of its own (line, code, what it is: [`DECODED`],
    /// [`PARTLY_COMPUTED`], [`WRITTEN_OUT`]), the member named after it.
    nested: Vec<(usize, String, &'static str)>,
    /// Names bound to a string built from constant code and unknown parts (`c = CODE + x`,
    /// `c += x`): the constant pieces, for a later runner of the name ([`Names::pieces`]).
    partial_code: std::collections::HashMap<String, std::rc::Rc<[u8]>>,
    /// Network calls handed the environment or a credential location (line, what).
    exfil: Vec<(usize, String)>,
    /// Files of the package the code runs through an interpreter ([`RanFile`]), at most
    /// [`MAX_RAN_FILES`].
    ran_files: Vec<RanFile>,
    /// Calls whose target or code is computed ([`dynamic_call`]): judged in `.pth` lines.
    dynamic: Vec<(usize, String)>,
    /// exec/eval/runpy of code built from pieces, downloaded or read from outside the package
    /// (line, in a function, why, evidence).
    exec_computed: Vec<(usize, bool, &'static str, String)>,
    /// Constant or decoded bytes handed to an unpickler (line, bytes, whether only its
    /// constant pieces are known).
    pickles: Vec<(usize, Vec<u8>, bool)>,
    /// Variables bound to the environment or a credential file's content, and what they hold.
    secret_vars: std::collections::HashMap<String, String>,
    /// The calls each function makes (by the function's name, `Class.method` for methods).
    calls_in: std::collections::HashMap<String, std::collections::HashSet<String>>,
    calls_total: usize,
    /// Variables bound to what a network call returned.
    downloaded: std::collections::HashSet<String>,
    /// Files written with downloaded data ([`dropped_file`]), for a later run of them.
    dropped: Vec<Dropped>,
    /// Files made executable (`os.chmod(P, …)`, `chmod +x P`): key, function, line.
    executable: Vec<(String, Option<String>, usize)>,
    /// Names bound to a file opened for writing (`with open(P, 'wb') as f`), by name: the
    /// file's key ([`path_key`]).
    write_handles: std::collections::HashMap<String, String>,
    /// Runs of a file the code downloaded (line, in a function, evidence).
    droppers: Vec<(usize, bool, String)>,
    /// Runs of a program that lies in a temporary, shared or downloads folder
    /// ([`drop::shared_folder`]) (line, in a function, evidence).
    shared_runs: Vec<(usize, bool, String)>,
    /// Code run encrypted by an obfuscator's native runtime (PyArmor's `__pyarmor__`) (line,
    /// in a function, evidence).
    encrypted: Vec<(usize, bool, String)>,
    /// Native code put into executable memory (`VirtualAlloc(…, 0x40)`, `mmap(…, PROT_EXEC)`):
    /// (line, inside a function, evidence).
    shellcode: Vec<(usize, bool, String)>,
    /// `pip install` started by the code (line, in a function, evidence, whether it installs
    /// from a URL or another index rather than names from the default index).
    pip_installs: Vec<(usize, bool, String, bool)>,
    /// Names bound to an environment variable's value or to payload material, for exec of
    /// them ([`DataVars`]).
    data_vars: DataVars,
    /// The first exec at module level of code this file does not show, or read back from the
    /// file's own source (`exec(open(__file__).read()[…])`, `linecache`, `inspect.getsource`):
    /// (line, whether it reads the file's own source) ([`candidate_code`]).
    unseen_exec: Option<(usize, bool)>,
    /// Whether [`close_calls`] stopped at [`MAX_CALLED`] before it followed every call made
    /// at load.
    calls_cut: bool,
    /// Names known to be local to a function or not ([`global_key`]).
    local_names: LocalNames,
    /// Whether a downloaded folder is on `sys.path` (the line of its download), for the
    /// number of folders and downloads and the function it was told for ([`record_import`]).
    #[allow(clippy::type_complexity)]
    folder_import: Option<((usize, usize, Option<String>), Option<usize>)>,
    /// Runs of a file no download before them reached, for a download in another function
    /// that also runs at load ([`Run`]).
    runs: Vec<Run>,
    /// Folders put on `sys.path` (`sys.path.insert(0, D)`), as [`path_key`]s, with the
    /// function each was put on in: a later import may load a file downloaded into one.
    import_dirs: Vec<(String, Option<String>)>,
    /// Names bound to an archive opened from a file (`z = zipfile.ZipFile(P)`, `with
    /// tarfile.open(P) as t`), by name: the archive file's key, or `None` when the archive is
    /// read from downloaded bytes (`tarfile.open(fileobj=io.BytesIO(r.content))`).
    archives: std::collections::HashMap<String, Option<String>>,
    /// Names bound to a path expression that is not a constant (`p = os.path.join(d,
    /// 'x.py')`), with the expression's text, for what a later write to `p` writes.
    path_texts: std::collections::HashMap<String, String>,
    /// Variables bound to a module spec, loader or module made from a file outside the
    /// package or not a `.py` module (`spec = importlib.util.spec_from_file_location('m',
    /// '/tmp/x.py')`), with why ([`code_file`]).
    outside_specs: std::collections::HashMap<String, &'static str>,
    /// Variables bound to a path that names a startup file or site-packages, with what.
    startup_paths: std::collections::HashMap<String, &'static str>,
    /// Variables bound to a path the name table cannot compute, with its folded spelling
    /// ([`persist::path_spelling`]): `d = os.path.join(os.path.expanduser('~'), '.ssh')`.
    path_spellings: persist::Spellings,
    /// Variables bound to a Windows registry Run key opened or created
    /// ([`persist::opens_run_key`]).
    run_keys: std::collections::HashSet<String>,
    /// Shell command lines that only query version-control or build tools ([`query_command`])
    /// (line, evidence).
    query_shell: Vec<(usize, String)>,
    /// Writes of a startup file or into site-packages (line, in a function, what, evidence).
    startup_writes: Vec<(usize, bool, &'static str, String)>,
    /// The bases each module-level class names (as spelled, and as resolved through the
    /// name table when that differs: `EvilBase` and `.base.EvilBase`).
    class_bases: std::collections::HashMap<String, Vec<String>>,
    /// Every module-level class in source order: its bases in order (resolved when the name
    /// table resolves them, else as spelled) and the methods its body defines, for the join of
    /// a package's modules (a class with no constructor of its own runs its base's).
    class_shapes: Vec<(String, Vec<String>, Vec<String>)>,
    /// Line → the top-level function it is in, for signals inside functions.
    enclosing: std::collections::HashMap<usize, String>,
    /// Functions the module calls (or starts as a thread target) at its top level: their bodies
    /// run at import too.
    called_at_load: std::collections::HashSet<String>,
    /// Module-level functions and the decorator each is defined under (`@deco`,
    /// `@factory(…)`): (function, decorator), at most [`MAX_CALLED`].
    decorated: Vec<(String, String)>,
    /// Module-level aliases of a name (`resnet18 = _build`, `g = functools.partial(_impl, 1)`):
    /// (alias, the name it stands for), at most [`MAX_CALLED`].
    module_aliases: Vec<(String, String)>,
    /// The module parses command-line arguments at its top level: it is a script, run on
    /// purpose, not code that runs when a package is imported.
    script: bool,
    /// Servers bound to every interface (`SimpleXMLRPCServer(('0.0.0.0', p))`, an
    /// `http.server` on `''`) and `logging.config.listen()` (line, in a function, whether it
    /// is a logging config listener, evidence).
    listeners: Vec<(usize, bool, bool, String)>,
    /// What a listener hands the network: a process or exec callable registered with an
    /// XML-RPC server, a file server rooted at the home or root folder (line, evidence).
    exposed: Vec<(usize, String)>,
    /// The request handler classes of those servers, as spelled (`H` of `TCPServer(('', p),
    /// H)`): a handler method that runs a shell command exposes it.
    listener_handlers: Vec<String>,
    /// Keyboard or mouse hooks (`pynput.keyboard.Listener`, `keyboard.hook`,
    /// `SetWindowsHookEx`, `GetAsyncKeyState`) (line, in a function, evidence).
    key_hooks: Vec<(usize, bool, String)>,
    /// Clipboard reads and writes (line, evidence), for a function that replaces what the
    /// clipboard holds (a clipboard hijacker).
    clip_reads: Vec<(usize, String)>,
    clip_writes: Vec<(usize, String)>,
    /// The name table was full ([`names::MAX_BINDINGS`]): names bound after that point were
    /// not followed.
    names_overflow: bool,
    /// The walk stopped at the input's deadline: the source line it had reached.
    out_of_time: Option<usize>,
}

/// Fields of the grammar the walk reads. `child_by_field_name` compares the name with every
/// field name of the grammar (a `strncmp` each) on every call, which the name table's walk
/// made visible in profiles; the ids are looked up once.
#[derive(Clone, Copy)]
enum F {
    Alias,
    Arguments,
    Attribute,
    Condition,
    Consequence,
    Function,
    Key,
    Left,
    ModuleName,
    Name,
    Object,
    Operator,
    Parameters,
    Right,
    Subscript,
    Superclasses,
    Value,
}

const FIELD_NAMES: [&str; 17] = [
    "alias",
    "arguments",
    "attribute",
    "condition",
    "consequence",
    "function",
    "key",
    "left",
    "module_name",
    "name",
    "object",
    "operator",
    "parameters",
    "right",
    "subscript",
    "superclasses",
    "value",
];

static FIELD_IDS: std::sync::LazyLock<[u16; FIELD_NAMES.len()]> = std::sync::LazyLock::new(|| {
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    FIELD_NAMES.map(|n| language.field_id_for_name(n).map_or(0, |id| id.get()))
});

/// The names of tree-sitter-python's node kinds by kind id (`Language::node_kind_for_id`),
/// read once: `Node::kind` measures and validates the C string on every call, and the walks
/// ask for a node's kind millions of times in a large package.
static KIND_NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    (0..language.node_kind_count())
        .map(|id| {
            u16::try_from(id)
                .ok()
                .and_then(|id| language.node_kind_for_id(id))
                .unwrap_or("")
        })
        .collect()
});

/// [`tree_sitter::Node::kind`] by table ([`KIND_NAMES`]): the same name (alias-aware, as
/// both go by the node's symbol), without the per-call measuring.
pub(crate) trait KindName {
    /// The node's kind, as tree-sitter-python's grammar names it (`"call"`, `"identifier"`).
    fn kind_name(&self) -> &'static str;
}

impl KindName for tree_sitter::Node<'_> {
    #[inline]
    fn kind_name(&self) -> &'static str {
        match KIND_NAMES.get(usize::from(self.kind_id())) {
            Some(k) if !k.is_empty() => k,
            _ => self.kind(),
        }
    }
}

/// The child of `n` in field `f`.
fn field<'t>(n: tree_sitter::Node<'t>, f: F) -> Option<tree_sitter::Node<'t>> {
    match FIELD_IDS[f as usize] {
        0 => None,
        id => n.child_by_field_id(id),
    }
}

fn text<'a>(n: tree_sitter::Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// A dotted name for identifiers and attribute chains (`os.path.join`); `?` for anything else.
///
/// Iterative: an attribute or call chain (`a.b.c…`, `f()()()…`) in hostile source may be nested
/// a hundred thousand deep, which a recursive walk would overflow the stack on. Chains deeper
/// than [`MAX_CHAIN`] links, or with more than [`MAX_CALL_LINKS`] calls, start with `?`.
fn dotted(n: tree_sitter::Node<'_>, src: &[u8]) -> String {
    let mut suffix: Vec<&str> = Vec::new();
    let mut calls = 0;
    let mut cur = n;
    let head = loop {
        if suffix.len() >= MAX_CHAIN || calls > MAX_CALL_LINKS {
            break "?";
        }
        match cur.kind_name() {
            "identifier" => break text(cur, src),
            "attribute" => match (field(cur, F::Object), field(cur, F::Attribute)) {
                (Some(o), Some(a)) => {
                    suffix.push(text(a, src));
                    suffix.push(".");
                    cur = o;
                }
                _ => break "?",
            },
            "call" => match field(cur, F::Function) {
                Some(f) => {
                    suffix.push("()");
                    calls += 1;
                    cur = f;
                }
                None => break "?",
            },
            // `(os\n .system)(…)`: brackets around a name change nothing.
            "parenthesized_expression" => match cur.named_child(0) {
                Some(inner) if cur.named_child_count() == 1 => cur = inner,
                _ => break "?",
            },
            _ => break "?",
        }
    };
    let mut out = head.to_string();
    for part in suffix.iter().rev() {
        out.push_str(part);
    }
    out
}

/// Links of an attribute or call chain followed by [`dotted`].
const MAX_CHAIN: usize = 512;

/// Calls in a chain followed by [`dotted`] (`requests.Session().get` has one, a name the rules
/// know at most a few). Every call of a hostile `a()()()…` chain is itself a call node whose
/// callee is the rest of the chain: following [`MAX_CHAIN`] links for each cost 64 µs a node
/// (67 s for a 2 MB module, tester round 9 §8).
const MAX_CALL_LINKS: usize = 8;

/// Whether `n` is a chain (through attributes and brackets) of more than [`MAX_CALL_LINKS`]
/// calls, which [`dotted`] and the name table do not follow. At most that many links are looked
/// at, so asking this of every call of a long chain costs a constant each.
fn long_call_chain(n: tree_sitter::Node<'_>) -> bool {
    let mut cur = n;
    let mut calls = 0;
    for _ in 0..4 * MAX_CALL_LINKS {
        let next = match cur.kind_name() {
            "call" => {
                calls += 1;
                if calls > MAX_CALL_LINKS {
                    return true;
                }
                field(cur, F::Function)
            }
            "attribute" => field(cur, F::Object),
            "parenthesized_expression" => cur.named_child(0),
            _ => return false,
        };
        match next {
            Some(x) => cur = x,
            None => return false,
        }
    }
    false
}

/// The value of a plain string literal, its escapes undone as Python does, or `None`.
fn string_value(n: tree_sitter::Node<'_>, src: &[u8]) -> Option<String> {
    if n.kind_name() != "string" {
        return None;
    }
    // Escapes undone (`'C:\\Users'` is `C:\Users`; tree-sitter-python puts escape sequences
    // inside `string_content`); a literal over the name table's value bound keeps its text.
    if let Some(b) = names::literal(n, src) {
        return Some(String::from_utf8_lossy(&b).into_owned());
    }
    let mut content = String::new();
    let mut c = n.walk();
    for ch in n.named_children(&mut c) {
        match ch.kind_name() {
            "string_content" => content.push_str(text(ch, src)),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(content)
}

/// The value of keyword argument `name` in an argument list.
fn keyword<'t>(
    args: tree_sitter::Node<'t>,
    src: &[u8],
    name: &str,
) -> Option<tree_sitter::Node<'t>> {
    let mut c = args.walk();
    let found = args.named_children(&mut c).find(|kw| {
        kw.kind_name() == "keyword_argument"
            && field(*kw, F::Name).is_some_and(|k| text(k, src) == name)
    });
    found.and_then(|kw| field(kw, F::Value))
}

/// All call names inside `n` (iteratively, bounded): each as spelled and, where the name
/// table resolves it to something else, as resolved.
fn calls_within(n: tree_sitter::Node<'_>, src: &[u8], names: &Names, scope: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if out.len() > 64 {
            break;
        }
        if x.kind_name() == "call" {
            if let Some(f) = field(x, F::Function) {
                out.push(dotted(f, src));
                if let Some(r) = names.resolve(f, src, scope) {
                    out.push(r);
                }
            }
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    out
}

/// The string literals inside `n`, for base64 payloads.
fn strings_within(n: tree_sitter::Node<'_>, src: &[u8]) -> Vec<String> {
    string_nodes(n, src, usize::MAX)
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

/// The string literals inside `n` with their values, looking at most `max_nodes` nodes; a
/// string whose value is not constant (an f-string with fields) is walked into.
fn string_nodes<'t>(
    n: tree_sitter::Node<'t>,
    src: &[u8],
    max_nodes: usize,
) -> Vec<(tree_sitter::Node<'t>, String)> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    let mut seen = 0usize;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > max_nodes {
            break;
        }
        if let Some(s) = string_value(x, src) {
            out.push((x, s));
            continue;
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    out
}

/// What a `setup()` call declares that runs or installs something: a command installed into
/// the environment's `bin` (a console or GUI script entry point, a file of `scripts=`), or a
/// build requirement (`setup_requires=`).
#[derive(Debug)]
enum SetupDecl {
    /// (line, command, how it is installed, what the source says).
    Command(usize, String, &'static str, String),
    /// (line, the requirement).
    BuildRequirement(usize, String),
}

/// Declarations kept per source.
const MAX_SETUP_DECL: usize = 64;

/// The strings a `setup()` argument holds: a string, or a list or tuple of strings (literals or
/// names bound to them), at most [`MAX_SETUP_DECL`].
fn argument_strings(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Vec<String> {
    let one = |x: tree_sitter::Node<'_>| -> Vec<String> {
        match names.eval(x, src, scope) {
            Some(Value::Data { bytes: Some(b), .. }) => {
                vec![String::from_utf8_lossy(&b).into_owned()]
            }
            Some(Value::Seq(items)) => items
                .iter()
                .take(MAX_SETUP_DECL)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect(),
            _ => string_value(x, src).into_iter().collect(),
        }
    };
    match n.kind_name() {
        "list" | "tuple" => {
            let mut c = n.walk();
            n.named_children(&mut c)
                .take(MAX_SETUP_DECL)
                .flat_map(one)
                .take(MAX_SETUP_DECL)
                .collect()
        }
        _ => one(n),
    }
}

/// Record what the arguments `args` of a `setup()` call declare ([`SetupDecl`]): its `name=`,
/// `entry_points=` (a dict whose `console_scripts`/`gui_scripts` hold `cmd = target` strings,
/// or the whole mapping as INI text, as setuptools accepts), `scripts=` (files installed into
/// `bin` under their base name) and `setup_requires=`.
fn setup_declarations(
    args: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    sig: &mut Signals,
) {
    if let Some(v) = keyword(args, src, "name") {
        if let Some(s) = argument_strings(v, src, names, scope).into_iter().next() {
            sig.setup_name = Some(s);
        }
    }
    let mut out: Vec<SetupDecl> = Vec::new();
    if let Some(v) = keyword(args, src, "entry_points") {
        let line = v.start_position().row + 1;
        let mut groups: Vec<(usize, String, Vec<String>)> = Vec::new();
        if v.kind_name() == "dictionary" {
            let mut c = v.walk();
            for pair in v.named_children(&mut c).take(MAX_SETUP_DECL) {
                let (Some(k), Some(val)) = (field(pair, F::Key), field(pair, F::Value)) else {
                    continue;
                };
                let Some(group) = argument_strings(k, src, names, scope).into_iter().next() else {
                    continue;
                };
                let at = val.start_position().row + 1;
                groups.push((at, group, argument_strings(val, src, names, scope)));
            }
        } else {
            // The INI form: `[console_scripts]` sections of `name = target` lines.
            for text in argument_strings(v, src, names, scope) {
                let mut group = String::new();
                for l in text.lines().take(1000) {
                    let l = l.trim();
                    if let Some(g) = l.strip_prefix('[').and_then(|g| g.strip_suffix(']')) {
                        group = g.trim().to_string();
                    } else if !l.is_empty() {
                        groups.push((line, group.clone(), vec![l.to_string()]));
                    }
                }
            }
        }
        for (at, group, entries) in groups {
            if group.trim() != "console_scripts" && group.trim() != "gui_scripts" {
                continue;
            }
            for e in entries {
                if let Some((cmd, target)) = e.split_once('=') {
                    out.push(SetupDecl::Command(
                        at,
                        cmd.trim().to_string(),
                        "console script",
                        format!("{} = {}", cmd.trim(), target.trim()),
                    ));
                }
            }
        }
    }
    if let Some(v) = keyword(args, src, "scripts") {
        let line = v.start_position().row + 1;
        for path in argument_strings(v, src, names, scope) {
            let base = path.rsplit(['/', '\\']).next().unwrap_or(&path).to_string();
            if !base.is_empty() {
                out.push(SetupDecl::Command(
                    line,
                    base,
                    "installed script",
                    format!("scripts=[{path:?}]"),
                ));
            }
        }
    }
    if let Some(v) = keyword(args, src, "setup_requires") {
        let line = v.start_position().row + 1;
        for req in argument_strings(v, src, names, scope) {
            out.push(SetupDecl::BuildRequirement(line, req));
        }
    }
    let room = MAX_SETUP_DECL.saturating_sub(sig.setup_decl.len());
    sig.setup_decl.extend(out.into_iter().take(room));
    // Requirements pip installs with the package (or to build it): matched against OSV as a
    // requirements file's lines are. Literal lists, or names bound to them.
    let mut lists: Vec<tree_sitter::Node<'_>> =
        ["install_requires", "setup_requires", "tests_require"]
            .iter()
            .filter_map(|k| keyword(args, src, k))
            .collect();
    if let Some(v) = keyword(args, src, "extras_require").filter(|v| v.kind_name() == "dictionary")
    {
        let mut c = v.walk();
        lists.extend(
            v.named_children(&mut c)
                .take(MAX_SETUP_REQUIREMENTS)
                .filter_map(|pair| field(pair, F::Value)),
        );
    }
    for v in lists {
        for (line, req) in requirement_strings(v, src, names, scope) {
            if sig.setup_reqs.len() >= MAX_SETUP_REQUIREMENTS {
                sig.setup_reqs_cut = true;
                return;
            }
            sig.setup_reqs.push((line, req));
        }
    }
}

/// Requirements kept per `setup()` call.
const MAX_SETUP_REQUIREMENTS: usize = 4096;

/// The strings of a requirement list given to `setup()`, each with its line: a string (one
/// requirement a line, as setuptools splits it), a list or tuple of strings at their own lines,
/// or a name bound to such a list (at the name's line); one more than
/// [`MAX_SETUP_REQUIREMENTS`] at most, so the caller sees the bound.
fn requirement_strings(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Vec<(usize, String)> {
    let one = |x: tree_sitter::Node<'_>| -> Vec<(usize, String)> {
        let at = x.start_position().row + 1;
        match names.eval(x, src, scope) {
            Some(Value::Data { bytes: Some(b), .. }) => String::from_utf8_lossy(&b)
                .lines()
                .enumerate()
                .map(|(i, l)| (at + i, l.to_string()))
                .take(MAX_SETUP_REQUIREMENTS + 1)
                .collect(),
            Some(Value::Seq(items)) => items
                .iter()
                .take(MAX_SETUP_REQUIREMENTS + 1)
                .map(|b| (at, String::from_utf8_lossy(b).into_owned()))
                .collect(),
            _ => string_value(x, src).map(|v| (at, v)).into_iter().collect(),
        }
    };
    match n.kind_name() {
        "list" | "tuple" => {
            let mut c = n.walk();
            n.named_children(&mut c)
                .take(MAX_SETUP_REQUIREMENTS + 1)
                .flat_map(one)
                .take(MAX_SETUP_REQUIREMENTS + 1)
                .collect()
        }
        _ => one(n),
    }
}

fn short(s: &str) -> String {
    crate::finding::truncate_chars(s.trim(), 160)
}

/// A step of the walk: visit a node, or bind names once the node they come from (an
/// assignment, whose right-hand side is evaluated with the bindings before it) was walked.
enum Step<'t> {
    Visit {
        node: tree_sitter::Node<'t>,
        in_fn: bool,
        /// The outermost function (or `Class.`) the node is in; shared, as every node of a
        /// body carries it.
        func: Option<std::rc::Rc<str>>,
        scope: usize,
        /// The node is in a branch of its scope (`if`, `try`, a loop body): its bindings may
        /// not happen ([`Names::bind_in_branch`]).
        branch: bool,
    },
    Bind {
        binds: Vec<(String, Value)>,
        scope: usize,
        line: usize,
        branch: bool,
    },
}

/// Whether the leftmost operand of a binary operation is a list or tuple (`["zic"] + args`):
/// an argument list, not a command string.
fn list_operand(n: tree_sitter::Node<'_>) -> bool {
    let mut cur = n;
    for _ in 0..64 {
        match cur.kind_name() {
            "binary_operator" => match field(cur, F::Left) {
                Some(l) => cur = l,
                None => return false,
            },
            "parenthesized_expression" => match cur.named_child(0) {
                Some(c) => cur = c,
                None => return false,
            },
            k => return matches!(k, "list" | "tuple" | "list_comprehension"),
        }
    }
    false
}

/// Whether `n` is a list or tuple argv that runs a shell on a command line: its first item a
/// shell (`sh`, `/bin/bash`, `cmd.exe`, `powershell` …) and its second `-c` (`/c`, `-Command`).
/// Whether a call's arguments may ask `subprocess` for a shell: a `shell=` keyword whose value
/// is anything but a literal `False`, `0` or `None` (`shell=True`, `shell=S` after `S = True`),
/// or a `**kwargs` splat whose content is not known (`**{'shell': True}`), when the command is
/// not an argv list written out (with a list, `shell` runs only its first item).
fn shell_keyword(args: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let mut c = args.walk();
    let first_is_list = args
        .named_child(0)
        .is_some_and(|f| matches!(f.kind_name(), "list" | "tuple"));
    let found = args.named_children(&mut c).any(|k| match k.kind_name() {
        "keyword_argument" => {
            field(k, F::Name).is_some_and(|n| text(n, src) == "shell")
                && field(k, F::Value)
                    .is_some_and(|v| !matches!(text(v, src).trim(), "False" | "0" | "None"))
        }
        "dictionary_splat" => !first_is_list,
        _ => false,
    });
    found
}

/// A process call whose keywords make it a shell: `executable='/bin/sh'` (the argv is then the
/// shell's: `['x', '-c', CMD]`), or a shell with no script in its argv (`['sh']`, `['bash',
/// '-s']`) handed its commands through `input=` or `stdin=`.
fn shell_by_keyword(args: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let mut c = args.walk();
    let kids: Vec<tree_sitter::Node<'_>> = args.named_children(&mut c).take(16).collect();
    let keyword = |name: &str| {
        kids.iter().find_map(|k| {
            (k.kind_name() == "keyword_argument"
                && field(*k, F::Name).is_some_and(|n| text(n, src) == name))
            .then(|| field(*k, F::Value))
            .flatten()
        })
    };
    if keyword("executable")
        .and_then(|v| string_value(v, src))
        .is_some_and(|v| is_shell_program(&v))
    {
        return true;
    }
    let fed = keyword("input").is_some() || keyword("stdin").is_some();
    // A program given as one string (`Popen('sh', stdin=PIPE)`, `run('/bin/sh', input=cmd)`):
    // a shell fed its commands.
    if fed
        && kids
            .first()
            .and_then(|f| string_value(*f, src))
            .is_some_and(|p| is_shell_program(p.trim()))
    {
        return true;
    }
    let Some(first) = kids
        .first()
        .filter(|f| matches!(f.kind_name(), "list" | "tuple"))
    else {
        return false;
    };
    let mut c = first.walk();
    let items: Vec<Option<String>> = first
        .named_children(&mut c)
        .take(8)
        .map(|x| string_value(x, src))
        .collect();
    fed && items
        .first()
        .and_then(|p| p.as_deref())
        .is_some_and(is_shell_program)
        && items[1..].iter().all(|i| {
            i.as_deref()
                .is_some_and(|f| f.starts_with('-') || f == "/dev/stdin")
        })
}

fn shell_list(n: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    if !matches!(n.kind_name(), "list" | "tuple") {
        return false;
    }
    let mut c = n.walk();
    let items: Vec<Option<String>> = n
        .named_children(&mut c)
        .take(16)
        .map(|x| string_value(x, src))
        .collect();
    argv_runs_code(&items)
}

/// Whether a process call starts a shell with no script: an interactive shell on the
/// process's standard input and output (`os.execv('/bin/sh', ['sh'])`, `os.execl('/bin/bash',
/// 'bash', '-i')`, `subprocess.Popen(['/bin/bash'])`, `Popen('sh')`), which a reverse shell
/// is once those are a socket. `argv`: the call's arguments are an argv written out
/// ([`argv_style`]), not a `subprocess` command. Every string must be a constant: the shell,
/// its argv0 or a flag (`--version` and `--help` only print).
fn interactive_shell(argv: bool, spawn: bool, args: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let strings = |n: tree_sitter::Node<'_>| -> Option<Vec<String>> {
        if matches!(n.kind_name(), "list" | "tuple") {
            let mut c = n.walk();
            let items: Vec<_> = n.named_children(&mut c).take(17).collect();
            (items.len() <= 16)
                .then(|| items.into_iter().map(|x| string_value(x, src)).collect())
                .flatten()
        } else {
            string_value(n, src).map(|s| vec![s])
        }
    };
    let bare = |words: &[String]| {
        words.first().is_some_and(|p| is_shell_program(p.trim()))
            && words[1..].iter().all(|w| {
                (is_shell_program(w) || w.starts_with('-'))
                    && !matches!(
                        w.as_str(),
                        "-c" | "/c" | "--version" | "--help" | "-Command"
                    )
            })
    };
    if !argv {
        return positional(args, 0)
            .and_then(strings)
            .is_some_and(|w| bare(&w));
    }
    // `os.spawnv(mode, P, argv)` names the program second; `execve`'s environment and
    // `spawn`'s mode are not argv.
    let mut words = Vec::new();
    let mut c = args.walk();
    let kids: Vec<_> = args
        .named_children(&mut c)
        .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
        .skip(usize::from(spawn))
        .take(16)
        .collect();
    for (i, k) in kids.into_iter().enumerate() {
        match strings(k) {
            Some(w) => words.extend(w),
            // An environment (`os.environ`, `{'A': 'b'}`) is no argument of the shell.
            None if i > 0
                && (k.kind_name() == "dictionary" || text(k, src).contains("environ")) => {}
            None => return false,
        }
    }
    bare(&words)
}

/// Whether the string arguments of `os.execl('/bin/sh', 'sh', '-c', …)` or
/// `os.spawnlp(mode, 'sh', 'sh', '-c', …)` hold a shell followed by its `-c`.
fn shell_args(args: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let mut c = args.walk();
    let strings: Vec<Option<String>> = args
        .named_children(&mut c)
        .take(16)
        .map(|x| string_value(x, src))
        .collect();
    // `execl(path, argv0, …)` repeats the program: the argv may start at either.
    (0..strings.len().min(3)).any(|k| argv_runs_code(&strings[k..]))
}

/// The constant strings of a list's first 32 items (`None` for an item that is not one).
fn constant_items(
    list: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Vec<Option<String>> {
    let mut c = list.walk();
    let items: Vec<_> = list.named_children(&mut c).take(32).collect();
    items
        .into_iter()
        .map(|x| {
            string_value(x, src).or_else(|| {
                names
                    .eval(x, src, scope)
                    .as_ref()
                    .and_then(Value::bytes)
                    .filter(|b| b.len() <= 4096)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            })
        })
        .collect()
}

/// Whether an argv runs `pip install` (`pip install …`, `python -m pip install …`,
/// `uv pip install …`, `pip3.12 install …`): `Some(true)` when it installs from a URL, a
/// version-control link or another index (`-i`, `--index-url`, `--extra-index-url`,
/// `--find-links`), `Some(false)` for names from the default index or arguments that are not
/// constants, `None` when it is not a pip install.
fn pip_install(items: &[Option<String>]) -> Option<bool> {
    let is_pip = |s: &str| {
        let base = s
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(s)
            .to_ascii_lowercase();
        let base = base.strip_suffix(".exe").unwrap_or(&base);
        base.strip_prefix("pip")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    let at = items
        .windows(2)
        .position(|w| w[0].as_deref().is_some_and(is_pip) && w[1].as_deref() == Some("install"))?;
    let url = |a: &str| {
        let a = a.trim().to_ascii_lowercase();
        a.contains("://")
            || ["git+", "hg+", "svn+", "bzr+"]
                .iter()
                .any(|p| a.starts_with(p))
            || [
                "-i",
                "--index-url",
                "--extra-index-url",
                "-f",
                "--find-links",
                "--trusted-host",
            ]
            .iter()
            .any(|o| {
                a == *o || a.starts_with(&format!("{o}=")) || (o.len() == 2 && a.starts_with(o))
            })
    };
    Some(items[at + 2..].iter().flatten().any(|a| url(a)))
}

/// Whether a process call's argument text starts an argv with a Python interpreter named
/// literally (`['python3', '-c', …]`, `('/usr/bin/python', '-c', …)`): its `-c` code is
/// analysed as Python, as for `sys.executable`.
fn python_argv(arg_text: &str) -> bool {
    let t = arg_text.trim_start_matches(['(', '[', ' ']);
    let Some(q) = t.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
        return false;
    };
    let Some(prog) = t[1..].split(q).next() else {
        return false;
    };
    let base = prog.rsplit(['/', '\\']).next().unwrap_or(prog);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    // `python -c CODE`, and `python -` (or no script) handed its code through `input=`.
    (base.starts_with("python") || base == "py")
        && (arg_text.contains("-c") || arg_text.contains("input="))
}

/// Whether a program (`base`: its file name, lower case) runs a command line or a shell
/// through one of its options (`rest`: the argv after it, `None` for an item not constant):
/// netcat's `-e`/`-c` (a reverse or bind shell), socat's `EXEC:`/`SYSTEM:` addresses, git's
/// `-c alias.x=!…` and command-valued settings (`core.sshCommand`, `core.fsmonitor`,
/// `core.pager`, `core.editor`, `core.hooksPath`) and `--upload-pack`, ssh's `ProxyCommand`
/// and `LocalCommand`, scp's and sftp's `-S`, tar's `--checkpoint-action=exec`,
/// `--to-command`, `--use-compress-program`, `-I`, zip's `-TT`, vim's `-c ':!…'`, gdb's
/// `-ex '!…'`/`shell`/`python`, expect's `-c`, rsync's `-e` given a command line, `script -c`,
/// `su -c`, `flock … -c`, and `watch CMD` (run by `sh -c`). Each is what GTFOBins lists as a
/// way to run a shell through the program.
fn option_runs_command(base: &str, rest: &[Option<String>]) -> bool {
    /// The file name of a command line's first word (`/usr/bin/ssh -p 22` → `ssh`).
    fn first_program(v: &str) -> &str {
        let first = v.split_whitespace().next().unwrap_or("");
        let first = first.rsplit(['/', '\\']).next().unwrap_or(first);
        first.strip_suffix(".exe").unwrap_or(first)
    }
    let base = base.strip_suffix(".exe").unwrap_or(base);
    let rest = &rest[..rest.len().min(32)];
    let args = || rest.iter().flatten().map(|a| a.as_str());
    // The value after one of `flags` (`-c VALUE`), each checked by `ok`.
    let value_after = |flags: &[&str], ok: &dyn Fn(&str) -> bool| {
        rest.windows(2).any(|w| {
            w[0].as_deref().is_some_and(|f| flags.contains(&f)) && w[1].as_deref().is_some_and(ok)
        })
    };
    let lower = |a: &str| a.to_ascii_lowercase();
    let command_line = |v: &str| {
        let first = v.split_whitespace().next().unwrap_or("");
        is_shell_program(first) || v.contains([';', '|', '&', '`', '$'])
    };
    // A remote-shell program given where ssh is expected (`rsync -e`, `core.sshCommand`):
    // ssh itself (with its options) or a shell command line.
    let not_ssh = |v: &str| {
        command_line(v) || !matches!(first_program(v), "ssh" | "rsh" | "plink" | "tortoiseplink")
    };
    match base {
        "nc" | "ncat" | "netcat" | "nc.traditional" => args().any(|a| {
            matches!(a, "-e" | "-c" | "--exec" | "--sh-exec" | "--lua-exec")
                || a.starts_with("--exec=")
                || a.starts_with("--sh-exec=")
        }),
        "socat" => args().any(|a| {
            let a = lower(a);
            a.starts_with("exec:") || a.starts_with("system:")
        }),
        "git" => {
            let setting = |v: &str| {
                let (key, value) = v.split_once('=').unwrap_or((v, ""));
                let key = lower(key);
                // `core.pager=cat`, `core.sshCommand=ssh -i key` are ordinary: a shell or
                // shell syntax in the value is not.
                value.starts_with('!')
                    || (key.ends_with("sshcommand") && not_ssh(value))
                    || (["fsmonitor", "pager", "editor", "askpass"]
                        .iter()
                        .any(|k| key.ends_with(k))
                        && command_line(value))
            };
            value_after(&["-c"], &setting)
                || args().any(|a| {
                    a.starts_with("--upload-pack=")
                        || a.starts_with("--receive-pack=")
                        || a.starts_with("--exec=")
                })
                || value_after(&["--upload-pack", "-u", "--receive-pack"], &|_| true)
        }
        "ssh" | "scp" | "sftp" => {
            // A jump through another host (`ProxyCommand=ssh -W %h:%p bastion`, `nc`,
            // `socat`, `connect`, `corkscrew`) is what the option is for.
            let option = |v: &str| {
                let l = lower(v);
                let Some(value) = ["proxycommand", "localcommand"]
                    .iter()
                    .find_map(|k| l.strip_prefix(k))
                    .map(|r| r.trim_start_matches(['=', ' ']))
                else {
                    return false;
                };
                let first = first_program(value);
                command_line(value)
                    || !matches!(
                        first,
                        "ssh"
                            | "nc"
                            | "ncat"
                            | "netcat"
                            | "socat"
                            | "connect"
                            | "connect-proxy"
                            | "corkscrew"
                            | "cloudflared"
                            | "aws"
                            | "gcloud"
                            | "none"
                    )
            };
            value_after(&["-o"], &option)
                || args().any(|a| a.strip_prefix("-o").is_some_and(option))
                || (base != "ssh" && value_after(&["-S"], &|_| true))
        }
        "tar" | "gtar" | "bsdtar" => {
            // A compressor named as the program to filter through is ordinary
            // (`-I zstd`, `--use-compress-program=pigz`).
            let not_compressor = |v: &str| {
                let first = first_program(v);
                command_line(v)
                    || !matches!(
                        first,
                        "gzip"
                            | "gunzip"
                            | "pigz"
                            | "bzip2"
                            | "pbzip2"
                            | "lbzip2"
                            | "xz"
                            | "pxz"
                            | "zstd"
                            | "unzstd"
                            | "pzstd"
                            | "lz4"
                            | "lzip"
                            | "lzop"
                            | "brotli"
                            | "plzip"
                            | "lzma"
                    )
            };
            args().any(|a| {
                a.starts_with("--checkpoint-action=exec")
                    || a.starts_with("--to-command")
                    || a.starts_with("--rsh-command")
                    || a.starts_with("--info-script")
                    || a.starts_with("--new-volume-script")
                    || a.strip_prefix("--use-compress-program=")
                        .is_some_and(not_compressor)
            }) || value_after(&["-I", "--use-compress-program"], &not_compressor)
        }
        "zip" => args().any(|a| a == "-TT" || a.starts_with("--unzip-command")),
        "vim" | "vi" | "nvim" | "ex" | "view" | "gvim" | "vimdiff" => {
            let bang = |v: &str| {
                let v = v.trim_start_matches([':', '+', ' ']);
                v.starts_with('!') || v.contains("system(")
            };
            value_after(&["-c", "--cmd"], &bang) || args().any(|a| a.starts_with('+') && bang(a))
        }
        "gdb" => value_after(
            &["-ex", "--ex", "-eval-command", "--eval-command", "-iex"],
            &|v: &str| {
                let v = v.trim_start();
                v.starts_with('!') || v.starts_with("shell") || v.starts_with("python")
            },
        ),
        "expect" => args().any(|a| a == "-c"),
        "rsync" => {
            value_after(&["-e", "--rsh"], &not_ssh)
                || args().any(|a| a.strip_prefix("--rsh=").is_some_and(not_ssh))
        }
        "script" => args().any(|a| {
            a == "--command"
                || a.starts_with("--command=")
                || (a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
        }),
        "su" | "runuser" | "flock" => args().any(|a| matches!(a, "-c" | "--command")),
        // GNU sed's `e` command and the `e` flag of `s` run a shell command line; the script
        // is the value of `-e`/`--expression`, or else the first operand.
        "sed" | "gsed" => {
            if args().any(|a| a == "--sandbox") {
                return false;
            }
            let mut scripts = rest
                .windows(2)
                .filter(|w| matches!(w[0].as_deref(), Some("-e" | "--expression")))
                .filter_map(|w| w[1].as_deref())
                .chain(args().filter_map(|a| a.strip_prefix("--expression=")))
                .peekable();
            if scripts.peek().is_some() {
                return scripts.any(sed_script_runs);
            }
            let mut value_next = false;
            let first_operand = args().find(|a| {
                if std::mem::take(&mut value_next) {
                    return false;
                }
                value_next = matches!(*a, "-f" | "--file" | "-l" | "--line-length");
                !a.starts_with('-')
            });
            first_operand.is_some_and(sed_script_runs)
        }
        // `make --eval=TEXT` (`-E TEXT`, make 4.4): TEXT is read as makefile text, so a rule
        // with a recipe, `$(shell …)` or `!=` runs a command.
        "make" | "gmake" => {
            let runs = |t: &str| t.contains("\n\t") || t.contains("$(shell") || t.contains("!=");
            value_after(&["--eval", "-E"], &runs)
                || args().any(|a| a.strip_prefix("--eval=").is_some_and(runs))
        }
        // `watch [-n N] CMD`: every operand is part of a command line `sh -c` runs.
        "watch" => {
            let mut value_next = false;
            rest.iter().any(|a| {
                let Some(a) = a.as_deref() else {
                    return !std::mem::take(&mut value_next);
                };
                if std::mem::take(&mut value_next) {
                    return false;
                }
                if matches!(a, "-n" | "--interval" | "-d" | "-q" | "--equexit" | "-g") {
                    value_next = matches!(a, "-n" | "--interval" | "-q" | "--equexit");
                    return false;
                }
                !a.starts_with('-')
            })
        }
        _ => false,
    }
}

/// Programs that run the program after them (`env sh -c …`, `busybox sh -c …`, `sudo bash -c
/// …`); their own options and `VAR=value` / numeric arguments are skipped.
const ARGV_WRAPPERS: &[&str] = &[
    "env", "busybox", "sudo", "doas", "nohup", "nice", "setsid", "stdbuf", "timeout", "exec",
    "command", "chroot", "unshare", "xargs", "time",
];

/// Interpreters that run code given on their command line, and the flags that give it
/// (`perl -e`, `node -e`, `ruby -e`, `php -r`). `python -c` is not here: its code is analysed
/// as Python (version probes in `setup.py` are common and benign).
fn interpreter_code_flag(prog: &str) -> Option<&'static [char]> {
    let base = prog
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(prog)
        .to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    let base = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match base {
        "perl" | "ruby" | "node" | "nodejs" | "lua" | "osascript" | "rscript" | "jrunscript" => {
            Some(&['e', 'E'])
        }
        "php" => Some(&['r']),
        _ => None,
    }
}

/// Whether a GNU sed script runs a command line: an `e` command, or an `s` command with the
/// `e` flag (`1e echo hi`, `s/x/y/e`). Addresses (`3`, `$`, `/re/`, `1~2`, `a,b`, `!`) and
/// blocks are skipped; the text of `a`/`i`/`c` and the file of `r`/`w` are not commands. Reads
/// at most 4,096 characters.
fn sed_script_runs(script: &str) -> bool {
    let b: Vec<char> = script.chars().take(4096).collect();
    let at = |i: usize| b.get(i).copied().unwrap_or('\0');
    // The index after a delimited part starting at `i` (after its opening delimiter `d`).
    let past = |mut i: usize, d: char| {
        while i < b.len() && b[i] != d {
            i += if b[i] == '\\' { 2 } else { 1 };
        }
        i + 1
    };
    let to_line_end = |i: usize| (i..b.len()).find(|&j| b[j] == '\n').unwrap_or(b.len());
    let mut i = 0;
    while i < b.len() {
        while matches!(at(i), ' ' | '\t' | '\n' | ';' | '{' | '}') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        // Up to two addresses.
        for _ in 0..2 {
            match at(i) {
                '0'..='9' => {
                    while at(i).is_ascii_digit() || at(i) == '~' {
                        i += 1;
                    }
                }
                '$' => i += 1,
                '/' => i = past(i + 1, '/'),
                '\\' if i + 1 < b.len() => i = past(i + 2, b[i + 1]),
                _ => {}
            }
            while matches!(at(i), 'I' | 'M') {
                i += 1;
            }
            while matches!(at(i), ' ' | '\t') {
                i += 1;
            }
            if at(i) != ',' {
                break;
            }
            i += 1;
            while matches!(at(i), ' ' | '\t') {
                i += 1;
            }
        }
        while matches!(at(i), '!' | ' ' | '\t') {
            i += 1;
        }
        match at(i) {
            'e' => return true,
            c @ ('s' | 'y') if i + 1 < b.len() => {
                let d = b[i + 1];
                i = past(past(i + 2, d), d);
                if c == 'y' {
                    continue;
                }
                if at(i - 1) != d {
                    return false;
                }
                // Flags: `g`, `p`, a number, `i`/`I`, `m`/`M`, `e`; `w FILE` ends them.
                while at(i).is_ascii_alphanumeric() && at(i) != 'w' {
                    if at(i) == 'e' {
                        return true;
                    }
                    i += 1;
                }
                if at(i) == 'w' {
                    i = to_line_end(i);
                }
            }
            'a' | 'i' | 'c' | 'r' | 'R' | 'w' | 'W' => i = to_line_end(i),
            ':' | 'b' | 't' | 'T' => {
                i = (i..b.len())
                    .find(|&j| matches!(b[j], '\n' | ';' | '}'))
                    .unwrap_or(b.len())
            }
            _ => i += 1,
        }
    }
    false
}

/// Whether an argv (constant items; `None` for one that is not) starts a shell on a command
/// line or an interpreter on code: a shell (or interpreter), possibly behind wrappers such as
/// `env` or `busybox` ([`ARGV_WRAPPERS`]), then options of which one gives the command (`-c`,
/// a cluster holding it such as `-ec`, `/c`, `-Command`; `-e` for `perl`); long options such as
/// `--norc` are skipped. Looks at the first 16 items.
fn argv_runs_code(items: &[Option<String>]) -> bool {
    let mut i = 0;
    while let Some(Some(p)) = items.get(i) {
        let base = p
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(p)
            .to_ascii_lowercase();
        if !ARGV_WRAPPERS.contains(&base.as_str()) {
            break;
        }
        i += 1;
        while let Some(Some(a)) = items.get(i) {
            if a.starts_with('-') || a.contains('=') || a.chars().all(|c| c.is_ascii_digit()) {
                i += 1;
            } else {
                break;
            }
        }
    }
    let Some(Some(prog)) = items.get(i) else {
        return false;
    };
    // Programs that run a shell command line themselves: `find … -exec sh -c CMD`,
    // `awk 'BEGIN { system(CMD) }'`, `xargs`-like launchers further in.
    let base = prog
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(prog)
        .to_ascii_lowercase();
    if option_runs_command(&base, &items[i + 1..]) {
        return true;
    }
    if matches!(
        base.as_str(),
        "find"
            | "xargs"
            | "parallel"
            | "watch"
            | "script"
            | "docker"
            | "podman"
            | "nerdctl"
            | "systemd-run"
            | "flock"
            | "strace"
            | "ltrace"
            | "firejail"
            | "bwrap"
            | "chpst"
            | "ionice"
            | "taskset"
            | "runuser"
    ) && items[i + 1..].windows(2).take(32).any(|w| {
        w[0].as_deref().is_some_and(is_shell_program) && w[1].as_deref().is_some_and(|f| f == "-c")
    }) {
        return true;
    }
    if matches!(base.as_str(), "awk" | "gawk" | "mawk" | "nawk")
        && items[i + 1..]
            .iter()
            .take(16)
            .flatten()
            .any(|a| a.contains("system(") || a.contains("| getline") || a.contains("|getline"))
    {
        return true;
    }
    let shell = is_shell_program(prog);
    let code_flags = interpreter_code_flag(prog);
    if !shell && code_flags.is_none() {
        return false;
    }
    // PowerShell's options that take a value (`-ep bypass`, `-w hidden`): the value is not
    // the command.
    let mut value_next = false;
    for flag in items.iter().skip(i + 1).take(12) {
        let Some(flag) = flag else {
            return false;
        };
        let f = flag.to_ascii_lowercase();
        if std::mem::take(&mut value_next) {
            continue;
        }
        if matches!(
            f.trim_start_matches(['-', '/']),
            "ep" | "ex"
                | "exec"
                | "executionpolicy"
                | "w"
                | "win"
                | "windowstyle"
                | "v"
                | "version"
                | "if"
                | "inputformat"
                | "of"
                | "outputformat"
                | "wd"
                | "workingdirectory"
                | "configurationname"
                | "psconsolefile"
                | "settingsfile"
        ) && matches!(
            prog.rsplit(['/', '\\'])
                .next()
                .unwrap_or(prog)
                .to_ascii_lowercase()
                .trim_end_matches(".exe"),
            "powershell" | "pwsh"
        ) {
            value_next = true;
            continue;
        }
        if shell
            && matches!(
                f.as_str(),
                "-c" | "/c" | "/k" | "-command" | "-encodedcommand" | "-enc"
            )
        {
            return true;
        }
        if f.starts_with("--") {
            continue;
        }
        let Some(cluster) = f.strip_prefix('-') else {
            // A script path or the code itself: no command flag came first.
            return false;
        };
        let windows = matches!(
            prog.rsplit(['/', '\\'])
                .next()
                .unwrap_or(prog)
                .to_ascii_lowercase()
                .trim_end_matches(".exe"),
            "cmd" | "powershell" | "pwsh"
        );
        if windows || !cluster.chars().all(|c| c.is_ascii_alphabetic()) || cluster.is_empty() {
            continue;
        }
        let wanted: &[char] = code_flags.unwrap_or(&['c']);
        if flag[1..].chars().any(|c| wanted.contains(&c)) {
            return true;
        }
    }
    false
}

/// The start of the command a string argument of a process call holds, as far as it is
/// constant: a literal, a name bound to one, the text before an f-string's first field, or
/// the left operand of a `+` (`"sh -c " + cmd`). Bounded.
fn command_prefix(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    let cut = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(MAX_PREFIX)]).into_owned();
    if let Some(v) = names.eval(n, src, scope) {
        return v.bytes().map(cut);
    }
    // The operands of a `+` chain, leftmost first (parentheses looked through; any other
    // operator is an operand evaluated whole), at most [`MAX_COMMAND_OPERANDS`] of them: each
    // is evaluated once, so a chain of thousands costs a bounded, linear walk (evaluating
    // every left part of it again was quadratic: tester t27 f3, minutes on 6,000 operands).
    let plus = |x: tree_sitter::Node<'_>| {
        x.kind_name() == "binary_operator"
            && field(x, F::Operator).is_some_and(|o| text(o, src) == "+")
    };
    let mut rights = Vec::new();
    let mut cur = n;
    for _ in 0..MAX_COMMAND_OPERANDS {
        if plus(cur) {
            rights.extend(field(cur, F::Right));
            cur = field(cur, F::Left)?;
        } else if cur.kind_name() == "parenthesized_expression" {
            cur = cur.named_child(0)?;
        } else {
            break;
        }
    }
    let mut out = match names.eval(cur, src, scope) {
        Some(v) => cut(v.bytes()?),
        None if cur.kind_name() == "string" => {
            // An f-string: its text up to the first field.
            let mut out = String::new();
            let mut c = cur.walk();
            for ch in cur.named_children(&mut c) {
                match ch.kind_name() {
                    "string_content" => out.push_str(text(ch, src)),
                    "interpolation" => return Some(out),
                    _ => {}
                }
            }
            out
        }
        None => return None,
    };
    for r in rights.into_iter().rev() {
        if out.len() >= MAX_PREFIX {
            break;
        }
        match names.eval(r, src, scope).as_ref().and_then(Value::bytes) {
            Some(b) => out.push_str(&cut(b)),
            None => break,
        }
    }
    let mut end = out.len().min(MAX_PREFIX);
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    Some(out)
}

/// Bytes of a command's constant start that [`command_prefix`] returns.
const MAX_PREFIX: usize = 256;

/// Whether a command string handed to a `subprocess` function without `shell=True` starts a
/// shell on a command line (`"sh -c '…'"`, `"cmd /c …"`, `"powershell -Command …"`). Without
/// a shell, POSIX runs the string as one program's path, with no arguments, and Windows hands
/// it to `CreateProcess` as the command line of the program its first word names: a shell only
/// when that program is one.
fn string_starts_shell(prefix: &str) -> bool {
    let words: Vec<Option<String>> = prefix
        .split_whitespace()
        .take(16)
        .map(|w| Some(w.trim_matches(['"', '\'']).to_string()))
        .collect();
    argv_runs_code(&words)
}

/// Whether `n` (a lambda) is called where it is written: the callee of a call, through
/// parentheses (`(lambda: …)()`), a decorator, or an argument handed to something that calls
/// it ([`invoked`]: `atexit.register(lambda: …)`, `map(lambda x: …, items)`,
/// `Thread(target=lambda: …)`).
fn called_here(n: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let mut cur = n;
    for _ in 0..64 {
        let Some(p) = cur.parent() else {
            return false;
        };
        match p.kind_name() {
            "parenthesized_expression" => cur = p,
            "call" => return field(p, F::Function).is_some_and(|f| f.id() == cur.id()),
            // `@lambda f: …` is called on the definition at import.
            "decorator" => return true,
            // `sys.excepthook = lambda *a: …`: the interpreter calls it on the next uncaught
            // exception, as it calls a named hook.
            "assignment" => {
                return field(p, F::Right).is_some_and(|r| r.id() == cur.id())
                    && field(p, F::Left).is_some_and(|l| interpreter_hook(text(l, src)));
            }
            "argument_list" | "keyword_argument" => {
                let args = if p.kind_name() == "keyword_argument" {
                    match p.parent() {
                        Some(a) => a,
                        None => return false,
                    }
                } else {
                    p
                };
                let Some(call) = args.parent().filter(|c| c.kind_name() == "call") else {
                    return false;
                };
                let name = field(call, F::Function)
                    .map(|f| dotted(f, src))
                    .unwrap_or_default();
                return invoked(&name, None, args, src)
                    .iter()
                    .any(|(callee, _)| callee.id() == n.id() || callee.id() == cur.id());
            }
            _ => return false,
        }
    }
    false
}

/// Whether an assignment target is a hook the interpreter calls on its own: on the next uncaught
/// exception, unraisable error, breakpoint or displayed value.
fn interpreter_hook(target: &str) -> bool {
    matches!(
        target,
        "sys.excepthook"
            | "threading.excepthook"
            | "sys.unraisablehook"
            | "sys.breakpointhook"
            | "sys.displayhook"
            // The import statement calls `builtins.__import__`: a replacement runs on every
            // later import.
            | "builtins.__import__"
            | "__builtins__.__import__"
            | "__builtin__.__import__"
            // Every class statement calls `builtins.__build_class__`: a replacement runs at
            // the next one (tester t18 g06).
            | "builtins.__build_class__"
            | "__builtins__.__build_class__"
            | "__builtin__.__build_class__"
    )
}

/// Whether an assignment target is a method a setuptools (or distutils) command runs, replaced
/// on the command class itself (`build_py.build_py.run = run`, without any `cmdclass`): the
/// function runs when `setup()` runs the command. `resolved` is the target as the name table
/// resolves it (`setuptools.command.build_py.build_py.run`).
fn command_method_patched(resolved: &str) -> bool {
    let Some((class, method)) = resolved.rsplit_once('.') else {
        return false;
    };
    SETUPTOOLS_COMMAND_METHODS.contains(&method)
        && (class.starts_with("setuptools.command.")
            || class.starts_with("distutils.command.")
            || class.starts_with("setuptools._distutils.command.")
            || matches!(class, "setuptools.Command" | "distutils.cmd.Command"))
}

/// The methods the interpreter calls on an object handed to one of its registries, by the
/// registry's call: a finder on `sys.meta_path` (`find_spec`, `find_module`, and its loader's
/// methods), a path hook, a loader given to `importlib.util.spec_from_loader` (whose
/// `exec_module` runs the code `get_code`/`get_source`/`get_data` return), a codec search
/// function's class. The instance's class runs these later, on the next import.
fn registry_methods(name: &str) -> &'static [&'static str] {
    const IMPORTER: &[&str] = &[
        "find_spec",
        "find_module",
        "load_module",
        "create_module",
        "exec_module",
        "get_code",
        "get_source",
        "get_data",
        "get_filename",
        "__call__",
    ];
    match name {
        "sys.meta_path.insert"
        | "sys.meta_path.append"
        | "sys.meta_path.extend"
        | "sys.path_hooks.insert"
        | "sys.path_hooks.append"
        | "importlib.util.spec_from_loader"
        | "importlib.machinery.ModuleSpec"
        | "importlib.util.module_from_spec" => IMPORTER,
        _ => &[],
    }
}

/// Whether an `if` condition tests the command line for a command of the package's own
/// (`sys.argv[-1] == 'publish'`, `'upload' in sys.argv`): `Some(true)`, its body runs only when
/// a person types that command, never under pip ([`PIP_COMMANDS`]); `None` otherwise.
fn argv_guard(c: tree_sitter::Node<'_>, src: &[u8]) -> Option<bool> {
    if c.kind_name() != "comparison_operator" || !text(c, src).contains("sys.argv") {
        return None;
    }
    let t: String = text(c, src)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !(t.contains("==") || t.contains(" in ")) || t.contains("!=") || t.contains("not in") {
        return None;
    }
    let words = string_nodes(c, src, 8);
    let own = !words.is_empty()
        && words
            .iter()
            .all(|(_, w)| !w.starts_with('-') && !PIP_COMMANDS.contains(&w.as_str()));
    own.then_some(true)
}

/// Whether the source writes `sys.argv` itself (`sys.argv.append('publish')`,
/// `sys.argv[-1] = 'publish'`, `sys.argv += […]`, `sys.argv = […]`): a test of it then proves
/// nothing about how the file was run.
fn argv_written(src: &[u8]) -> bool {
    memchr::memmem::find_iter(src, b"sys.argv")
        .take(256)
        .any(|at| {
            let rest = &src[at + b"sys.argv".len()..];
            let rest = &rest[..rest.len().min(128)];
            if [&b".append("[..], b".insert(", b".extend("]
                .iter()
                .any(|m| rest.starts_with(m))
            {
                return true;
            }
            // Past a subscript (`[-1]`), the next token: an assignment, not a comparison.
            let mut i = 0;
            if rest.first() == Some(&b'[') {
                match rest.iter().position(|b| *b == b']') {
                    Some(end) => i = end + 1,
                    None => return false,
                }
            }
            while rest.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
                i += 1;
            }
            match (rest.get(i), rest.get(i + 1)) {
                (Some(b'='), Some(b'=')) => false,
                (Some(b'='), _) => true,
                (Some(b'+'), Some(b'=')) => true,
                _ => false,
            }
        })
}

/// setuptools commands that pip, a PEP 517 build or `pip install -e` runs through `setup.py`.
const PIP_COMMANDS: &[&str] = &[
    "install",
    "develop",
    "egg_info",
    "dist_info",
    "bdist_wheel",
    "bdist_egg",
    "build",
    "build_py",
    "build_ext",
    "build_clib",
    "build_scripts",
    "sdist",
    "editable_wheel",
    "easy_install",
    "install_lib",
    "install_scripts",
    "install_data",
    "install_egg_info",
];

/// Whether an `if` condition tests whether the module runs as a script: `Some(true)` for
/// `__name__ == '__main__'` (the body is latent), `Some(false)` for `!=` (the `else` is),
/// `None` for anything else (`or`, `not`, other names: both branches may run at import).
fn main_guard(c: tree_sitter::Node<'_>, src: &[u8]) -> Option<bool> {
    // `sys.platform != 'win32' and __name__ == '__main__'`: only when run as a script.
    if c.kind_name() == "boolean_operator"
        && field(c, F::Operator).is_some_and(|o| text(o, src) == "and")
    {
        let side = |x: Option<tree_sitter::Node<'_>>| x.and_then(|x| main_guard(x, src));
        if side(field(c, F::Left)) == Some(true) || side(field(c, F::Right)) == Some(true) {
            return Some(true);
        }
    }
    let t: String = text(c, src)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    match t.trim_start_matches('(').trim_end_matches(')') {
        "__name__=='__main__'" | "'__main__'==__name__" => Some(true),
        "__name__!='__main__'" | "'__main__'!=__name__" => Some(false),
        _ => None,
    }
}

/// Callables a call hands to something that calls them, each with the arguments it gets:
/// `atexit.register(f, *args)`, `weakref.finalize(obj, f, *args)`, `threading.Timer(t, f,
/// args)`, `Thread(target=f, args=…)`, `map`/`filter`/`starmap(f, items)`, an executor's
/// `submit(f, *args)`, an event loop's `call_soon(f, *args)` / `run_in_executor(x, f, *args)`,
/// `asyncio.to_thread(f, *args)`, `ExitStack().callback(f, *args)`.
fn invoked<'t>(
    name: &str,
    resolved: Option<&str>,
    args: tree_sitter::Node<'t>,
    src: &[u8],
) -> Vec<(tree_sitter::Node<'t>, Vec<tree_sitter::Node<'t>>)> {
    if args.kind_name() != "argument_list" {
        return Vec::new();
    }
    // Which argument is the callable, judged from the names first: this runs for every call.
    let mut callable_at = None;
    for n in [Some(name), resolved].into_iter().flatten() {
        let last = n.rsplit('.').next().unwrap_or(n);
        callable_at = match (n, last) {
            (
                "atexit.register" | "map" | "filter" | "itertools.starmap" | "functools.reduce",
                _,
            )
            | ("asyncio.to_thread", _)
            // `operator.call(f, *args)` (Python 3.11+) is `f(*args)`.
            | ("operator.call", _)
            // A trace, profile or audit hook runs on the next call, event or audited action.
            | (
                "sys.settrace" | "sys.setprofile" | "threading.settrace" | "threading.setprofile"
                | "threading.settrace_all_threads" | "threading.setprofile_all_threads"
                | "sys.addaudithook",
                _,
            )
            | (_, "submit" | "call_soon" | "call_soon_threadsafe" | "callback") => Some(0),
            // Threads started by the low-level API, GC callbacks, codec search functions,
            // `defaultdict` factories (called for a missing key), executor and pool maps
            // (tester t18).
            (
                "_thread.start_new_thread" | "_thread.start_new" | "thread.start_new_thread"
                | "_thread.start_joinable_thread" | "gc.callbacks.append" | "codecs.register"
                | "defaultdict" | "collections.defaultdict",
                _,
            )
            | (
                _,
                "map" | "imap" | "imap_unordered" | "map_async" | "apply" | "apply_async"
                | "starmap" | "starmap_async",
            ) => Some(0),
            // `sched.scheduler().enter(delay, priority, action, argument)`.
            (_, "enter" | "enterabs") => Some(2),
            // `re.sub(pattern, repl, string)` calls a function `repl` on every match; an event
            // loop's signal handler runs when the signal comes.
            ("re.sub" | "re.subn", _) | (_, "add_signal_handler") => Some(1),
            // JSON hooks are called on every object parsed; fork hooks on `os.fork()`.
            ("json.loads" | "json.load" | "json.JSONDecoder", _) => {
                let hooks = ["object_hook", "object_pairs_hook", "parse_float", "parse_int", "parse_constant"];
                return hooks
                    .iter()
                    .filter_map(|h| keyword(args, src, h))
                    .map(|f| (f, Vec::new()))
                    .collect();
            }
            // A dataclass field's factory is called for every instance made without the
            // field (`C()` at load).
            ("dataclasses.field" | "field", _) => {
                return keyword(args, src, "default_factory")
                    .map(|f| vec![(f, Vec::new())])
                    .unwrap_or_default();
            }
            ("os.register_at_fork", _) => {
                return ["before", "after_in_child", "after_in_parent"]
                    .iter()
                    .filter_map(|h| keyword(args, src, h))
                    .map(|f| (f, Vec::new()))
                    .collect();
            }
            // A signal handler runs when the signal comes (`signal.alarm(1)` sends it).
            ("weakref.finalize" | "threading.Timer" | "Timer" | "signal.signal", _)
            | (_, "run_in_executor" | "call_later" | "call_at") => Some(1),
            (_, "Thread" | "Process") => {
                // `Thread(group, target, name, args)`: the target by keyword or second.
                let Some(target) = keyword(args, src, "target").or_else(|| positional(args, 1))
                else {
                    return Vec::new();
                };
                let rest = keyword(args, src, "args")
                    .or_else(|| positional(args, 3))
                    .into_iter()
                    .collect();
                return vec![(target, rest)];
            }
            // `sorted(items, key=f)`, `max(…, key=f)`, `xs.sort(key=f)`: the key function is
            // called on each item.
            (
                "sorted" | "min" | "max" | "heapq.nlargest" | "heapq.nsmallest"
                | "itertools.groupby",
                _,
            )
            | (_, "sort") => {
                let Some(key) = keyword(args, src, "key") else {
                    return Vec::new();
                };
                let mut c = args.walk();
                let items: Vec<_> = args
                    .named_children(&mut c)
                    .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
                    .take(4)
                    .collect();
                return vec![(key, items)];
            }
            _ => None,
        };
        if callable_at.is_some() {
            break;
        }
    }
    let Some(i) = callable_at else {
        return Vec::new();
    };
    let mut c = args.walk();
    let all: Vec<tree_sitter::Node<'t>> = args
        .named_children(&mut c)
        .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
        .take(16)
        .collect();
    all.get(i)
        .map(|f| vec![(*f, all[i + 1..].to_vec())])
        .unwrap_or_default()
}

/// The name a lambda written at module level or in a class body goes by in
/// [`Signals::enclosing`] and [`Signals::called_at_load`]: where it starts.
fn lambda_key(n: tree_sitter::Node<'_>) -> String {
    format!("<lambda>@{}", n.start_byte())
}

/// The name a callable handed on goes by: a lambda's [`lambda_key`], else its dotted name.
fn callable_key(n: tree_sitter::Node<'_>, src: &[u8]) -> String {
    let mut cur = n;
    for _ in 0..4 {
        if cur.kind_name() != "parenthesized_expression" {
            break;
        }
        match cur.named_child(0) {
            Some(c) => cur = c,
            None => break,
        }
    }
    if cur.kind_name() == "lambda" {
        lambda_key(cur)
    } else {
        dotted(n, src)
    }
}

/// A lambda applied where it is written, whose body calls one of its parameters:
/// `(lambda f, s: f(s))(exec, code)` calls `exec(code)`. Returns the argument bound to the
/// called parameter and the arguments of the body's call, each replaced by the argument bound
/// to it when it is a parameter.
fn applied_lambda<'t>(
    call: tree_sitter::Node<'t>,
    src: &[u8],
) -> Option<(tree_sitter::Node<'t>, Vec<tree_sitter::Node<'t>>)> {
    let mut f = field(call, F::Function)?;
    for _ in 0..4 {
        if f.kind_name() != "parenthesized_expression" {
            break;
        }
        f = f.named_child(0)?;
    }
    if f.kind_name() != "lambda" {
        return None;
    }
    let args = field(call, F::Arguments)?;
    let params: Vec<&str> = f
        .child_by_field_name("parameters")
        .map(|p| {
            let mut c = p.walk();
            p.named_children(&mut c)
                .take(16)
                .map(|x| {
                    let x = x.child_by_field_name("name").unwrap_or(x);
                    text(x, src)
                })
                .collect()
        })
        .unwrap_or_default();
    let bound = |n: tree_sitter::Node<'t>| -> Option<tree_sitter::Node<'t>> {
        if n.kind_name() != "identifier" {
            return Some(n);
        }
        match params.iter().position(|p| *p == text(n, src)) {
            Some(i) => positional(args, i).or_else(|| keyword(args, src, params[i])),
            None => Some(n),
        }
    };
    let body = f.child_by_field_name("body")?;
    if body.kind_name() != "call" {
        return None;
    }
    let callee = field(body, F::Function).filter(|c| c.kind_name() == "identifier")?;
    if !params.contains(&text(callee, src)) {
        return None;
    }
    let callee = bound(callee)?;
    let inner = field(body, F::Arguments)?;
    let mut c = inner.walk();
    let rest: Vec<_> = inner
        .named_children(&mut c)
        .filter(|x| !matches!(x.kind_name(), "keyword_argument" | "comment"))
        .take(16)
        .filter_map(bound)
        .collect();
    Some((callee, rest))
}

/// Whether every URL in a network call's evidence `call` goes to the service that issues the
/// secret variable `var`: the variable's first word (`OPENAI` of `OPENAI_API_KEY`; `HF` and
/// `HUGGINGFACE` both mean huggingface, `GH` github) is the label before the host's top-level
/// domain (`api.openai.com`, `huggingface.co`). No URL, or a host elsewhere
/// (`openai.com.example.invalid`), is not.
fn own_service(var: &str, call: &str) -> bool {
    let vendor = var.split('_').next().unwrap_or("").to_ascii_lowercase();
    let vendor = match vendor.as_str() {
        "hf" | "hugging" => "huggingface",
        "gh" => "github",
        v => v,
    };
    if vendor.len() < 2 {
        return false;
    }
    let mut hosts = 0;
    for (i, _) in call.match_indices("://") {
        let rest = &call[i + 3..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .unwrap_or(rest.len());
        let host = rest[..end].to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
        if labels.len() < 2 || labels[labels.len() - 2] != vendor {
            return false;
        }
        hosts += 1;
    }
    hosts > 0
}

/// Whether an expression is an environment variable's value: `os.environ['X']`,
/// `os.getenv('X', '')`, `os.environ.get('X')`, `.setdefault`, `.pop`.
fn env_value(n: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    match n.kind_name() {
        "subscript" => field(n, F::Value).is_some_and(|v| text(v, src).ends_with("environ")),
        "call" => field(n, F::Function).is_some_and(|f| {
            let t = text(f, src);
            t.ends_with("getenv")
                || t.ends_with("environ.get")
                || t.ends_with("environ.setdefault")
                || t.ends_with("environ.pop")
        }),
        _ => false,
    }
}

/// Calls that read the process's standard input: `sys.stdin.read()` and its line and buffer
/// spellings, `input()`, Python 2's `raw_input()`.
fn stdin_read(name: &str) -> bool {
    matches!(name, "input" | "raw_input" | "builtins.input")
        || ((name.starts_with("sys.stdin.") || name.starts_with("sys.__stdin__."))
            && name
                .rsplit('.')
                .next()
                .is_some_and(|l| l.starts_with("read")))
}

/// Names bound to data whose origin decides how exec of it is judged, kept by name (the
/// name table keeps no binding of values it does not follow): an environment variable's
/// value ([`env_value`]), what was read from standard input ([`stdin_read`]), and payload
/// material ([`payload_literal`]).
#[derive(Debug, Default)]
struct DataVars {
    env: std::collections::HashSet<String>,
    stdin: std::collections::HashSet<String>,
    payload: std::collections::HashSet<String>,
}

impl DataVars {
    /// Record what `value` binds `id` to; a binding to anything else forgets the name.
    fn bind(&mut self, id: &str, value: tree_sitter::Node<'_>, src: &[u8]) {
        let stdin = value.kind_name() == "call"
            && field(value, F::Function).is_some_and(|f| stdin_read(text(f, src)));
        for (set, holds) in [
            (&mut self.env, env_value(value, src)),
            (&mut self.stdin, stdin),
            (&mut self.payload, payload_literal(value, src)),
        ] {
            if holds && set.len() < MAX_CALLED {
                set.insert(id.to_string());
            } else if !holds {
                set.remove(id);
            }
        }
    }
}

/// Why code handed to exec comes from outside the package, or is built to hide: downloaded
/// (a network call in the argument), taken from the environment or standard input, read from
/// an absolute, home or temporary path, a constant computed from pieces (`computed`: the name
/// table folded it), or, when `unseen` (module level, the name table knows no value), a value
/// this file does not show ([`CODE_UNSEEN`]).
fn outside_code(
    n: tree_sitter::Node<'_>,
    computed: bool,
    unseen: bool,
    src: &[u8],
    names: &Names,
    scope: usize,
    vars: &DataVars,
) -> Option<&'static str> {
    let calls = calls_within(n, src, names, scope);
    if calls.iter().any(|c| is_network(c)) {
        return Some("downloaded code");
    }
    // `exec(os.environ['X'])`, `exec(os.getenv('X', ''))`: whoever sets the variable chooses
    // the code (coverage's `exec(os.environ.get(X) and 'code' or '')` runs its own literal);
    // so does `c = os.environ.get('X', ''); exec(c)`.
    let env_name = n.kind_name() == "identifier" && vars.env.contains(text(n, src));
    if env_value(n, src) || env_name {
        return Some(CODE_FROM_ENV);
    }
    // `exec(sys.stdin.read())`, `exec(input())`, `c = sys.stdin.read(); exec(c)`.
    let stdin_name = n.kind_name() == "identifier" && vars.stdin.contains(text(n, src));
    if stdin_name || calls.iter().any(|c| stdin_read(c)) {
        return Some(CODE_FROM_STDIN);
    }
    // A package resource or an archive member (`pkgutil.get_data(__name__, 'x.dat')`,
    // `importlib.resources.read_text(…)`, `ZipFile(p).read('a')`): data nobody reads as source,
    // unless the resource is itself a `.py` module.
    let resource = calls.iter().any(|c| {
        c.ends_with("get_data")
            || c.starts_with("importlib.resources.")
            || c.starts_with("importlib_resources.")
            || (c.contains("ZipFile") && c.ends_with(".read"))
            || c.starts_with("zipimport.")
    });
    if resource && !text(n, src).contains(".py'") && !text(n, src).contains(".py\"") {
        return Some(CODE_NOT_PY);
    }
    // The file each read names: `open(P)`, `io.open(P)`, `Path(P).read_text()`,
    // `(here / P).read_text()`, and names bound to a file or its content (`f.read()` after
    // `with open(P) as f`, `code` after `code = f.read()`); the worst of them decides.
    let mut stack = vec![n];
    let mut seen = 0;
    let mut worst: Option<&'static str> = None;
    let mut found = false;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 256 {
            break;
        }
        if let Some(Value::File(why)) = file_value(x, src, names, scope) {
            found = true;
            worst = worse(worst, why);
            continue;
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    if found {
        return worst;
    }
    if calls
        .iter()
        .any(|c| c == "open" || c.ends_with("read_text") || c.ends_with("read_bytes"))
    {
        return Some(CODE_FILE_AT_RUN_TIME);
    }
    if computed {
        return Some("code built from pieces");
    }
    if computed_from_constants(n, src, &vars.payload) {
        return Some(CODE_TRANSFORMED);
    }
    // Not a literal, no file read, nothing the name table folds: what runs is not here.
    (unseen
        && matches!(
            n.kind_name(),
            "identifier"
                | "attribute"
                | "subscript"
                | "call"
                | "conditional_expression"
                | "boolean_operator"
        ))
    .then_some(CODE_UNSEEN)
}

/// Whether a literal is payload material as [`computed_from_constants`] counts it: an integer
/// of 20 digits or more, a string or bytes literal of 24 bytes or more that does not read as
/// Python, a display of 12 literals or more.
fn payload_literal(v: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    match v.kind_name() {
        "integer" => text(v, src).len() >= 20,
        "string" | "concatenated_string" => {
            let t = text(v, src);
            t.len() >= 24 && !reads_as_python(t)
        }
        "list" | "tuple" | "set" => {
            let mut c = v.walk();
            let items: Vec<_> = v.named_children(&mut c).take(4097).collect();
            items.len() >= 12
                && items.len() <= 4096
                && items.iter().all(|x| {
                    matches!(x.kind_name(), "integer" | "string")
                        && (x.kind_name() == "integer" || !reads_as_python(text(*x, src)))
                })
        }
        _ => false,
    }
}

/// Why: constants turned into code by a transformation the name table does not follow
/// ([`computed_from_constants`]).
const CODE_TRANSFORMED: &str = "code computed from constants";

/// Whether code handed to exec is computed from constants that do not read as code: the
/// expression holds payload material (a string or bytes literal of 24 bytes or more, a display
/// of 12 items or more, an integer of 20 digits or more) and transforms it (a call, subscript,
/// operator, comprehension or lambda: a character shift, XOR, reversal, codec, `reduce`,
/// `int.to_bytes`), while no literal in it reads as Python (a keyword such as `import`, `def`,
/// `return`, `lambda` as a whole word: a template of generated code shows its code). Reads of
/// files, resources, the network or the environment are judged elsewhere and make this false.
/// Bounded walk.
fn computed_from_constants(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    payload_vars: &std::collections::HashSet<String>,
) -> bool {
    if matches!(
        n.kind_name(),
        "string" | "concatenated_string" | "identifier"
    ) {
        return false;
    }
    let mut stack = vec![n];
    let mut seen = 0;
    let (mut payload, mut transformed) = (false, false);
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 4096 {
            return false;
        }
        match x.kind_name() {
            "string" | "concatenated_string" => {
                let t = text(x, src);
                if reads_as_python(t) {
                    return false;
                }
                payload |= t.len() >= 24;
                continue;
            }
            "integer" => {
                payload |= text(x, src).len() >= 20;
                continue;
            }
            // `n = 2251…; exec(n.to_bytes(41, 'big').decode())`: a name bound to payload
            // material ([`payload_literal`]).
            "identifier" => {
                payload |= payload_vars.contains(text(x, src));
                continue;
            }
            "list" | "tuple" | "set" => payload |= x.named_child_count() >= 12,
            "call" => {
                transformed = true;
                let last = field(x, F::Function)
                    .map(|f| text(f, src))
                    .map(|f| f.rsplit('.').next().unwrap_or(f).to_string())
                    .unwrap_or_default();
                if matches!(
                    last.as_str(),
                    "open"
                        | "read"
                        | "read_text"
                        | "read_bytes"
                        | "get_data"
                        | "getenv"
                        | "get"
                        | "urlopen"
                        | "recv"
                        | "input"
                        | "readline"
                        | "readlines"
                ) {
                    return false;
                }
            }
            "subscript"
            | "binary_operator"
            | "generator_expression"
            | "list_comprehension"
            | "lambda" => transformed = true,
            _ => {}
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    payload && transformed
}

/// Whether a literal's text holds a Python keyword as a whole word (generated code shows it).
fn reads_as_python(t: &str) -> bool {
    t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| {
            matches!(
                w,
                "import"
                    | "from"
                    | "def"
                    | "return"
                    | "class"
                    | "lambda"
                    | "for"
                    | "while"
                    | "if"
                    | "print"
                    | "self"
                    | "yield"
                    | "raise"
                    | "try"
                    | "except"
                    | "with"
                    | "pass"
                    | "None"
                    | "True"
                    | "False"
                    | "global"
                    | "exec"
                    | "eval"
            )
        })
}

/// Why: a file outside the package (absolute, home, temporary).
const CODE_OUTSIDE: &str = "code read from a file outside the package";
/// Why: a file that is not a `.py` module (a data file, a zip), named by the call.
const CODE_NOT_PY: &str = "code read from a file that is not a .py module";
/// Why: a file whose name the code computes at run time.
const CODE_FILE_AT_RUN_TIME: &str = "code read from a file named at run time";
/// Why: `pkgutil.resolve_name`, `pydoc.locate` or an entry point given a computed name.
const NAMED_COMPUTED: &str = "a callable named by a computed string";
/// Why: exec or eval named by a string (a logging config's `'()'`).
const NAMED_EXEC: &str = "code run by a callable named by a string";

/// A callable picked out of a module that runs code by a name the table cannot compute, and
/// called ([`computed_pick`]).
const PICKED_COMPUTED: &str = "a callable picked by a computed name from a module that runs code";

/// Whether `inner`, the callee of a call, is `getattr(M, N)` with an `N` the name table cannot
/// compute and an `M` that is a module whose callables run code ([`RUNNING_MODULES`]: `os`,
/// `subprocess`, `builtins`) or a module imported by a computed name (`__import__(d(x))`,
/// `importlib.import_module(d(x))`): `getattr(os, d('…'))('…')` runs whatever the
/// transform spells, and no constant shows what (tester t27 t4: XOR, shift and decoder
/// functions the table does not model). With a constant name the call resolves and is judged
/// as the direct call. Returns the module as written.
fn computed_pick(
    inner: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    let callee = |c: tree_sitter::Node<'_>| -> String {
        field(c, F::Function)
            .map(|f| {
                names
                    .resolve(f, src, scope)
                    .unwrap_or_else(|| dotted(f, src))
            })
            .unwrap_or_default()
    };
    if inner.kind_name() != "call"
        || !matches!(callee(inner).as_str(), "getattr" | "builtins.getattr")
    {
        return None;
    }
    let args = field(inner, F::Arguments)?;
    let (module, name) = (positional(args, 0)?, positional(args, 1)?);
    let constant = |x: tree_sitter::Node<'_>| {
        names
            .eval(x, src, scope)
            .is_some_and(|v| v.bytes().is_some())
    };
    if constant(name) {
        return None;
    }
    let running = match names.eval(module, src, scope) {
        Some(Value::Name(m)) => RUNNING_MODULES.contains(&&*m),
        _ => false,
    };
    let imported = module.kind_name() == "call"
        && matches!(
            callee(module).as_str(),
            "__import__" | "builtins.__import__" | "importlib.import_module"
        )
        && field(module, F::Arguments)
            .and_then(|a| positional(a, 0))
            .is_some_and(|m| !constant(m));
    (running || imported).then(|| short(text(module, src)))
}
/// What a callable a configuration names by a string (`'()'` or `'class'` in a
/// `logging.config.dictConfig` dictionary, which imports and calls it) does when called: the
/// process, exec and network sinks the analyser knows; for a `'()'` factory (`factory`), a key
/// only dictConfig gives a meaning, also the pickle denylist's categories (as for a Hydra
/// `_target_`), so `pexpect.run` counts as a process name. `'class'` is a common key of other
/// configurations (`{'class': 'threading.Thread'}`), where the denylist's whole modules would
/// be noise. Allowed and unknown names (`logging.StreamHandler`, `myapp.log.JsonFormatter`)
/// are nothing; so are denylisted callables that touch files or build objects, which a logging
/// handler does by design.
fn config_callable(target: &str, factory: bool) -> Option<Group> {
    if is_process(target) || interactive_interpreter(target) {
        return Some(Group::Process);
    }
    if is_exec(target) || runs_code(target) || is_unpickle(target) {
        return Some(Group::Exec);
    }
    if is_network(target) {
        return Some(Group::Network);
    }
    // Modules the denylist takes whole (a pickle has no business with any of them) but whose
    // dangerous callables the sink lists above already name: `os.path.join` or
    // `threading.Lock` as a factory runs nothing.
    const NAMED_BY_SINKS: &[&str] = &[
        "os",
        "posix",
        "nt",
        "threading",
        "_thread",
        "asyncio",
        "signal",
        "platform",
        "uuid",
        "multiprocessing",
        "concurrent",
        "msvcrt",
        "winreg",
        "_winapi",
        "socket",
        "_socket",
        "ssl",
        "select",
        "selectors",
        "http",
        "urllib",
        "urllib2",
        "urllib3",
        "requests",
        "httpx",
        "aiohttp",
    ];
    let first = target.split('.').next().unwrap_or(target);
    if !factory || first == "logging" || NAMED_BY_SINKS.contains(&first) {
        return None;
    }
    let (module, name) = target.rsplit_once('.')?;
    match crate::formats::pickle::classify::classify(module, name) {
        crate::formats::pickle::classify::Class::Denied(c) => match c {
            "processes" => Some(Group::Process),
            "running code" | "running code through YAML tags or templates" => Some(Group::Exec),
            "loading another pickle or model" | "installing packages" => Some(Group::Exec),
            "network" => Some(Group::Network),
            _ => None,
        },
        _ => None,
    }
}

/// Why: the code is an environment variable's value (`exec(os.environ['HOOK'])`).
const CODE_FROM_ENV: &str = "code taken from an environment variable";
/// Why: code read from the process's standard input (`exec(sys.stdin.read())`, `exec(input())`):
/// whoever feeds the process chooses it, as with an interactive interpreter.
const CODE_FROM_STDIN: &str = "code read from standard input";
/// Why: a name whose value this file does not show (a function's result, an imported name,
/// a parameter) handed to exec/eval at module level: what runs cannot be read here.
const CODE_UNSEEN: &str = "code from a value this file does not show";

/// The worse of two reasons to report code read from a file.
fn worse(a: Option<&'static str>, b: Option<&'static str>) -> Option<&'static str> {
    let rank = |w: Option<&str>| match w {
        Some(CODE_OUTSIDE) => 3,
        Some(CODE_NOT_PY) => 2,
        Some(_) => 1,
        None => 0,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// The path a call reads when it is `open(P, …)` (`io.open`, `codecs.open`) or
/// `P.read_text()` / `P.read_bytes()` (`Path(P).read_text()` gives `P`).
fn read_path<'t>(n: tree_sitter::Node<'t>, src: &[u8]) -> Option<tree_sitter::Node<'t>> {
    if n.kind_name() != "call" {
        return None;
    }
    let f = field(n, F::Function)?;
    let last = match f.kind_name() {
        "identifier" => text(f, src),
        "attribute" => text(field(f, F::Attribute)?, src),
        _ => return None,
    };
    match last {
        "open" => {
            let a = field(n, F::Arguments)?;
            positional(a, 0).or_else(|| keyword(a, src, "file"))
        }
        "read_text" | "read_bytes" => {
            let o = field(f, F::Object)?;
            if o.kind_name() == "call" {
                let g = field(o, F::Function)?;
                if matches!(
                    dotted(g, src).as_str(),
                    "Path" | "pathlib.Path" | "PurePath"
                ) {
                    return path_parts(o);
                }
            }
            Some(o)
        }
        _ => None,
    }
}

/// The path `Path(a, b, …)` makes: its one argument, or the argument list, whose last string
/// names the file (`Path(site.getusersitepackages(), 'usercustomize.py')`).
fn path_parts(call: tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>> {
    let args = field(call, F::Arguments)?;
    match positional(args, 1) {
        Some(_) => Some(args),
        None => positional(args, 0),
    }
}

/// Methods of a file, a path or read data whose result is the file's content still:
/// `f.read()`, `Path(P).read_text()`, `f.read().decode()`.
const READS: &[&str] = &[
    "read",
    "readlines",
    "read_text",
    "read_bytes",
    "decode",
    "strip",
];

/// Steps of a chain of reads followed (`open(P).read().decode().strip()`).
const MAX_READ_CHAIN: usize = 8;

/// `n` as a file ([`Value::File`]): a name bound to one, an open file (`open(P)`,
/// `io.open(P)`), a path object (`Path(P)`) or what is read from any of these
/// (`open(P).read()`, `f.read()`, `Path(P).read_text()`), judged by the path it names
/// ([`code_file`]). `with open(P) as f: exec(f.read())` is then `exec(open(P).read())`.
fn file_value(n: tree_sitter::Node<'_>, src: &[u8], names: &Names, scope: usize) -> Option<Value> {
    let mut cur = n;
    for _ in 0..MAX_READ_CHAIN {
        match cur.kind_name() {
            "identifier" => {
                return names
                    .eval(cur, src, scope)
                    .filter(|v| matches!(v, Value::File(_)));
            }
            "parenthesized_expression" | "await" => cur = cur.named_child(0)?,
            "call" => {
                // `open(P)`, `z.open(P)`, `Path(P).read_text()`, `p.read_text()`.
                if let Some(path) = read_path(cur, src) {
                    return Some(Value::File(code_file(path, src, names, scope)));
                }
                let f = field(cur, F::Function)?;
                let spelled = dotted(f, src);
                let callee = match names.resolve(f, src, scope) {
                    Some(r) => r,
                    None => spelled,
                };
                match callee.as_str() {
                    "open" | "io.open" | "codecs.open" => {
                        let a = field(cur, F::Arguments)?;
                        let path = positional(a, 0).or_else(|| keyword(a, src, "file"))?;
                        return Some(Value::File(code_file(path, src, names, scope)));
                    }
                    "Path" | "pathlib.Path" | "PurePath" | "pathlib.PurePath" => {
                        let path = path_parts(cur)?;
                        return Some(Value::File(code_file(path, src, names, scope)));
                    }
                    _ => {}
                }
                if f.kind_name() != "attribute" {
                    return None;
                }
                let method = text(field(f, F::Attribute)?, src);
                if !READS.contains(&method) {
                    return None;
                }
                cur = field(f, F::Object)?;
            }
            _ => return None,
        }
    }
    None
}

/// The file whose code an exec runs, as a path of the package ([`persist::shipped_path`]):
/// `exec(open(P).read())`, `exec(compile(open(P).read(), P, 'exec'))`,
/// `exec(Path(P).read_text())`, `exec(io.open(P).read().decode())`.
fn exec_file_path(
    first: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    vars: &persist::Spellings,
) -> Option<String> {
    let mut cur = first;
    for _ in 0..MAX_READ_CHAIN {
        match cur.kind_name() {
            "parenthesized_expression" => cur = cur.named_child(0)?,
            "call" => {
                let f = field(cur, F::Function)?;
                let a = field(cur, F::Arguments)?;
                let callee = names
                    .resolve(f, src, scope)
                    .unwrap_or_else(|| dotted(f, src));
                let path = match callee.as_str() {
                    "compile" | "builtins.compile" => {
                        cur = positional(a, 0).or_else(|| keyword(a, src, "source"))?;
                        continue;
                    }
                    "open" | "io.open" | "codecs.open" | "builtins.open" => {
                        positional(a, 0).or_else(|| keyword(a, src, "file"))?
                    }
                    "Path" | "pathlib.Path" | "PurePath" | "pathlib.PurePath" => cur,
                    _ => {
                        if f.kind_name() != "attribute"
                            || !READS.contains(&text(field(f, F::Attribute)?, src))
                        {
                            return None;
                        }
                        cur = field(f, F::Object)?;
                        continue;
                    }
                };
                return persist::shipped_path(&persist::path_spelling(
                    path, src, names, scope, vars,
                ));
            }
            _ => return None,
        }
    }
    None
}

/// Keep a file run as Python code (`exec(open(P).read())`, `runpy.run_path(P)`) for the join,
/// unless it is a `.py` module: those join as imports of the module (`run_by_name`).
fn push_ran_code(sig: &mut Signals, line: usize, in_fn: bool, path: String, evidence: String) {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".py") || lower.ends_with(".pyw") || sig.ran_files.len() >= MAX_RAN_FILES {
        return;
    }
    sig.ran_files.push(RanFile {
        line,
        in_fn,
        interpreter: Interpreter::PythonCode,
        path,
        evidence,
    });
}

/// Why running the code in the file `path` names is worth a finding: outside the package, not
/// a `.py` module, or named at run time; `None` for a `.py` file of the package (a `setup.py`
/// reading `pkg/_version.py`). A path the name table cannot compute is judged by its last
/// string constant (`os.path.join(here, 'pkg', 'version.py')`).
fn code_file(
    path: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<&'static str> {
    // `p = Path(P)` before `p.read_text()`: the path `P` was judged when `p` was bound.
    if let Some(Value::File(why)) = names.eval(path, src, scope) {
        return why;
    }
    if let Some(why) = outside_path(path, src, names, scope) {
        return Some(why);
    }
    let py = |p: &str| {
        let l = p.trim().to_ascii_lowercase();
        l.ends_with(".py") || l.ends_with(".pyw")
    };
    if let Some(p) = names
        .eval(path, src, scope)
        .as_ref()
        .and_then(Value::bytes)
        .and_then(|b| std::str::from_utf8(b).ok())
    {
        return (!py(p)).then_some(CODE_NOT_PY);
    }
    // In source order, the last string constant of the expression names the file.
    let last = string_nodes(path, src, 256)
        .into_iter()
        .max_by_key(|(s, _)| s.start_byte());
    match last {
        Some((_, p)) if py(&p) => None,
        Some((_, p)) if p.rsplit('/').next().is_some_and(|b| b.contains('.')) => Some(CODE_NOT_PY),
        _ => Some(CODE_FILE_AT_RUN_TIME),
    }
}

/// What a path expression names that runs at every interpreter start: a startup file (`.pth`,
/// `sitecustomize`, `usercustomize`), a persistence file ([`persist`]) or the site-packages
/// folder, in its text or its folded `spelling` ([`persist::path_spelling`]); `paths` are
/// variables bound to such paths.
fn startup_target(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    spelling: &str,
    paths: &std::collections::HashMap<String, &'static str>,
) -> Option<&'static str> {
    let t = text(n, src);
    for s in [t, spelling] {
        if let Some(what) = startup_words(s) {
            return Some(what);
        }
    }
    // `p = os.path.join(site.getsitepackages()[0], 'x.pth')`, then `open(p, 'w')`.
    let mut stack = vec![n];
    let mut seen = 0;
    let mut found: Option<&'static str> = None;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 64 {
            break;
        }
        if x.kind_name() == "identifier" {
            if let Some(w) = paths.get(text(x, src)) {
                if found.is_none() || *w == STARTUP_FILE {
                    found = Some(w);
                }
            }
            continue;
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    found
}

/// What: a file that runs at every interpreter start.
const STARTUP_FILE: &str = "a startup file (.pth, sitecustomize, usercustomize)";
/// What: some file in the site-packages folder.
const SITE_PACKAGES: &str = "a file in site-packages";

/// What: a file, key or command that runs code at login, on a schedule or at boot, grants a
/// login, or redirects later installs ([`persist`]).
const PERSISTENCE: &str =
    "a login, schedule, service or tool-config file or Run key (shell profile, ssh, git or pip config, cron, systemd, launchd, autostart, Windows Startup)";

/// The command line a process call's first argument holds: its whole value, or the template
/// of `'pkg-config %s' % lib` / `'git {}'.format(x)` / `f'git {x}'` whose fields are plain
/// names or attributes (what a caller passes in, not a call that computes a command).
fn known_command(
    f: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    if let Some(v) = names.eval(f, src, scope) {
        return v.bytes().map(|b| String::from_utf8_lossy(b).into_owned());
    }
    // Names, attributes and tuples of them: no call computes the command.
    let plain = |x: tree_sitter::Node<'_>| {
        let t = text(x, src);
        !t.trim_start_matches('(')
            .trim_end_matches(')')
            .contains(['(', '['])
    };
    match f.kind_name() {
        "binary_operator" if field(f, F::Operator).is_some_and(|o| text(o, src) == "%") => {
            let tmpl = field(f, F::Left).filter(|l| l.kind_name() == "string")?;
            field(f, F::Right).filter(|r| plain(*r))?;
            string_value(tmpl, src)
        }
        "string" => {
            let mut c = f.walk();
            let fields_plain = f
                .named_children(&mut c)
                .filter(|x| x.kind_name() == "interpolation")
                .all(|x| x.named_child(0).is_some_and(plain));
            fields_plain.then(|| text(f, src).to_string())
        }
        _ => None,
    }
}

/// Whether a shell command line only asks version-control or build tools a question: every
/// command of it (split at `;`, `&&`, `||`, `|`) is `cd`, a read-only `git` or `hg` subcommand,
/// or a tool that prints versions and flags (`pkg-config`, `llvm-config`, `uname`, `nvcc
/// --version` …); no command substitution, no redirection except to `/dev/null`.
fn query_command(cmd: &str) -> bool {
    const TOOLS: &[&str] = &[
        "pkg-config",
        "llvm-config",
        "python-config",
        "python3-config",
        "svnversion",
        "uname",
        "which",
        "nvidia-smi",
        "sw_vers",
        "lsb_release",
        "getconf",
    ];
    // Subcommands that read refs and objects only: none refreshes the index (which runs a
    // repository's `core.fsmonitor` command) or reads a config that names a program.
    const GIT: &[&str] = &[
        "rev-parse",
        "describe",
        "log",
        "show",
        "rev-list",
        "branch",
        "tag",
        "version",
        "--version",
    ];
    let cmd = cmd
        .replace("2>/dev/null", "")
        .replace(">/dev/null", "")
        .replace("2>&1", "");
    if cmd.contains("$(") || cmd.contains('`') || cmd.contains(['>', '<', '\n']) {
        return false;
    }
    // `git describe --tags || echo 0.0.0`: a version placeholder printed when the query fails
    // (a version helper's fallback): one word that is a version (digits, dots) or says there is
    // none (`unknown`). Only after a query: `echo` alone, or any other text, stays out (a
    // defanged payload is an echo).
    if let Some((query, fallback)) = cmd.rsplit_once("||") {
        let placeholder = fallback.trim().strip_prefix("echo ").is_some_and(|w| {
            let w = w.trim().trim_matches(['\'', '"']);
            let version = w.starts_with(|c: char| c.is_ascii_digit() || c == 'v')
                && w.chars().any(|c| c.is_ascii_digit())
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
            version || matches!(w, "unknown" | "UNKNOWN" | "none" | "dev" | "")
        });
        if placeholder {
            return query_command(query);
        }
    }
    let mut any = false;
    for seg in cmd.split([';', '|', '&']) {
        let mut words = seg
            .split_whitespace()
            .filter(|w| !w.contains('=') || w.starts_with('-'));
        let Some(prog) = words.next() else {
            continue;
        };
        let prog = prog.rsplit('/').next().unwrap_or(prog);
        let rest: Vec<&str> = words.collect();
        let ok = match prog {
            // Never `echo`: a defanged payload is an echo, and so is a test's.
            "cd" => true,
            "git" => {
                // `git -C dir …`; never `-c`/`--config-env` (a config value can name a program),
                // never `--dirty` (refreshes the index).
                let mut i = 0;
                while rest.get(i).is_some_and(|w| w.starts_with('-')) {
                    i += if rest[i] == "-C" { 2 } else { 1 };
                }
                rest.iter().all(|w| {
                    !(*w == "-c"
                        || w.starts_with("--config")
                        || w.starts_with("--dirty")
                        || w.starts_with("--exec"))
                }) && rest.get(i).is_some_and(|sub| GIT.contains(sub))
            }
            "nvcc" => rest.iter().all(|w| matches!(*w, "--version" | "-V")),
            _ => TOOLS.contains(&prog) || matches!(prog, "head" | "tail" | "cut" | "tr"),
        };
        if !ok {
            return false;
        }
        any = true;
    }
    any
}

/// The Python source a `write` call puts into a `.py` or `.pth` file: `open(P, 'w').write(S)`,
/// `Path(P).write_text(S)` (the file as [`written_path`] finds it), or `f.write(S)` on a handle
/// of `write_handles` (`with open(P, 'w') as f`), where `P` ends so and `S` has a constant value.
fn written_source(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    path_texts: &std::collections::HashMap<String, String>,
    write_handles: &std::collections::HashMap<String, String>,
) -> Option<String> {
    let f = field(n, F::Function).filter(|f| f.kind_name() == "attribute")?;
    let object = field(f, F::Object)?;
    let path = match text(field(f, F::Attribute)?, src) {
        "write" if object.kind_name() == "call" => {
            let opener = dotted(field(object, F::Function)?, src);
            written_path(object, &opener, src, names, scope)?
        }
        "write_text" => written_path(n, "write_text", src, names, scope)?,
        // `with open(P, 'w') as f: f.write(CODE)`: the handle's file ([`path_key`]).
        "write" if object.kind_name() == "identifier" => {
            let key = write_handles.get(text(object, src))?;
            let p = key.get(1..)?.trim_end_matches(['\'', '"', ')', ' ']);
            if !(p.ends_with(".py") || p.ends_with(".pth")) {
                return None;
            }
            let code = names.eval(positional(field(n, F::Arguments)?, 0)?, src, scope)?;
            let code = std::str::from_utf8(code.bytes()?).ok()?;
            return (code.len() >= 8).then(|| code.to_string());
        }
        _ => return None,
    };
    // `p` of `p = os.path.join(d, 'm.py')` is read as the expression.
    let p = names
        .eval(path, src, scope)
        .and_then(|v| v.bytes().map(|b| String::from_utf8_lossy(b).into_owned()))
        .or_else(|| {
            (path.kind_name() == "identifier")
                .then(|| path_texts.get(text(path, src)).cloned())
                .flatten()
        })
        .unwrap_or_else(|| text(path, src).to_string());
    let p = p.trim_end_matches(['\'', '"', ')', ' ']);
    if !(p.ends_with(".py") || p.ends_with(".pth")) {
        return None;
    }
    let code = names.eval(positional(field(n, F::Arguments)?, 0)?, src, scope)?;
    let code = std::str::from_utf8(code.bytes()?).ok()?;
    (code.len() >= 8).then(|| code.to_string())
}

/// What a downloader argv writes: the file after `-o`/`--output` (curl) or
/// `-O`/`--output-document` (wget), or the folder of `-P`/`--directory-prefix` (wget) or
/// `--output-dir` (curl), whichever the list names.
struct DownloadOut<'t> {
    file: Option<tree_sitter::Node<'t>>,
    folder: Option<drop::FolderArg<'t>>,
}

/// When a process call's first argument is an argument list that runs `curl` or `wget`: what
/// it writes ([`DownloadOut`]).
fn downloader_argv<'t>(args: tree_sitter::Node<'t>, src: &[u8]) -> Option<DownloadOut<'t>> {
    // The argument list wherever the call takes it: `run([...])`, `os.execv(path, [...])`,
    // `os.spawnlp(mode, 'curl', 'curl', …)`, `os.execlp('wget', 'wget', …)`.
    let mut c = args.walk();
    let top: Vec<_> = args.named_children(&mut c).take(8).collect();
    let items: Vec<tree_sitter::Node<'t>> = match top.iter().find(|x| x.kind_name() == "list") {
        Some(list) => {
            let mut c = list.walk();
            list.named_children(&mut c).take(32).collect()
        }
        None => top,
    };
    let downloader = |x: &tree_sitter::Node<'_>| {
        let p = string_value(*x, src)?;
        let base = p.rsplit(['/', '\\']).next().unwrap_or(&p).to_string();
        match base.trim_end_matches(".exe") {
            "curl" => Some((&["-o", "--output"][..], false)),
            "wget" => Some((&["-O", "--output-document"][..], true)),
            _ => None,
        }
    };
    let (flags, wget): (&[&str], bool) = items.iter().take(3).find_map(downloader)?;
    // `-o P`, `--output P`, and short flags run together (`-sLo P`, `-qO P`).
    let file = items.iter().enumerate().find_map(|(i, x)| {
        let v = string_value(*x, src)?;
        let joined = v.starts_with('-')
            && !v.starts_with("--")
            && flags.iter().any(|f| f.len() == 2 && v.ends_with(&f[1..]));
        (flags.contains(&v.as_str()) || joined)
            .then(|| items.get(i + 1).copied())
            .flatten()
    });
    let folder = if file.is_none() {
        drop::downloader_folder(&items, src, wget)
    } else {
        None
    };
    Some(DownloadOut { file, folder })
}

/// [`startup_target`] over the text of an expression or a computed path.
fn startup_words(s: &str) -> Option<&'static str> {
    let pth = s.match_indices(".pth").any(|(i, _)| {
        !s.as_bytes()
            .get(i + 4)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    });
    if pth || s.contains("sitecustomize") || s.contains("usercustomize") {
        return Some(STARTUP_FILE);
    }
    if persist::persistence_in(s) {
        return Some(PERSISTENCE);
    }
    site_packages(s)
}

/// [`SITE_PACKAGES`] when `s` names the site-packages folder.
fn site_packages(s: &str) -> Option<&'static str> {
    [
        "site-packages",
        "getsitepackages",
        "getusersitepackages",
        "USER_SITE",
    ]
    .iter()
    .any(|w| s.contains(w))
    .then_some(SITE_PACKAGES)
}

/// Why a path is outside any package: absolute, in a home folder or a temporary folder.
fn outside_path(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<&'static str> {
    if !matches!(
        n.kind_name(),
        "string" | "identifier" | "binary_operator" | "concatenated_string"
    ) {
        return None;
    }
    let v = names.eval(n, src, scope)?;
    let p = std::str::from_utf8(v.bytes()?).ok()?;
    (p.starts_with('/') || p.starts_with('~') || p.contains("\\Temp\\") || p.starts_with("C:"))
        .then_some("code read from a file outside the package")
}

/// Why `n` is a module spec, loader or module whose code is worth a finding ([`code_file`]):
/// `importlib.util.spec_from_file_location(name, PATH)`, `importlib.machinery.SourceFileLoader(
/// name, PATH)`, `module_from_spec(spec)` or `spec.loader` of one, `zipimport.zipimporter(PATH)`
/// (code from a zip archive), or a variable bound to one (`specs`).
fn outside_spec(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    specs: &std::collections::HashMap<String, &'static str>,
) -> Option<&'static str> {
    let mut cur = n;
    for _ in 0..16 {
        let next = match cur.kind_name() {
            "identifier" => return specs.get(text(cur, src)).copied(),
            "attribute" => field(cur, F::Object),
            "await" | "parenthesized_expression" => cur.named_child(0),
            "call" => {
                let f = field(cur, F::Function)?;
                // Told from the callee's own last name first: this runs for every assignment
                // of a call (an alias of the function is resolved).
                let spelled = match f.kind_name() {
                    "identifier" => text(f, src),
                    "attribute" => field(f, F::Attribute).map_or("", |a| text(a, src)),
                    _ => "",
                };
                let known = |l: &str| {
                    matches!(
                        l,
                        "spec_from_file_location"
                            | "SourceFileLoader"
                            | "SourcelessFileLoader"
                            | "module_from_spec"
                            | "zipimporter"
                    )
                };
                let name = if known(spelled) || f.kind_name() == "identifier" {
                    names
                        .resolve(f, src, scope)
                        .unwrap_or_else(|| spelled.to_string())
                } else {
                    spelled.to_string()
                };
                let last = name.rsplit('.').next().unwrap_or(&name);
                let args = field(cur, F::Arguments);
                let path = match last {
                    "spec_from_file_location" => {
                        args.and_then(|a| positional(a, 1).or_else(|| keyword(a, src, "location")))
                    }
                    "SourceFileLoader" | "SourcelessFileLoader" => {
                        args.and_then(|a| positional(a, 1).or_else(|| keyword(a, src, "path")))
                    }
                    "zipimporter" => {
                        let p =
                            args.and_then(|a| positional(a, 0).or_else(|| keyword(a, src, "path")));
                        return Some(
                            p.and_then(|p| outside_path(p, src, names, scope))
                                .unwrap_or(CODE_NOT_PY),
                        );
                    }
                    "module_from_spec" => {
                        return args
                            .and_then(|a| positional(a, 0))
                            .and_then(|s| outside_spec(s, src, names, scope, specs));
                    }
                    // `….loader.load_module()`: the chain's object.
                    _ => {
                        cur = f;
                        continue;
                    }
                };
                // `spec_from_file_location(name)` without a location finds nothing to run.
                return path.and_then(|p| {
                    // A compiled module (`SourcelessFileLoader`) is a `.pyc`.
                    if last == "SourcelessFileLoader" {
                        outside_path(p, src, names, scope)
                    } else {
                        code_file(p, src, names, scope)
                    }
                });
            }
            _ => None,
        };
        cur = next?;
    }
    None
}

/// What `breakpoint()` calls after `target = value`: the callable `PYTHONBREAKPOINT` names
/// (`os.environ['PYTHONBREAKPOINT'] = 'os.system'`: `sys.breakpointhook` reads the variable on
/// every call), or the hook itself (`sys.breakpointhook = os.system`).
fn breakpoint_hook(
    target: tree_sitter::Node<'_>,
    value: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<Value> {
    match target.kind_name() {
        "subscript" => {
            let key = field(target, F::Subscript)?;
            if string_value(key, src).as_deref() != Some("PYTHONBREAKPOINT") {
                return None;
            }
            let env = field(target, F::Value)?;
            let env = names
                .resolve(env, src, scope)
                .unwrap_or_else(|| dotted(env, src));
            if env != "os.environ" {
                return None;
            }
            env_hook(value, src, names, scope)
        }
        "attribute" => {
            let t = names
                .resolve(target, src, scope)
                .unwrap_or_else(|| dotted(target, src));
            if t != "sys.breakpointhook" {
                return None;
            }
            match names.eval(value, src, scope)? {
                Value::Name(v) => Some(Value::Name(v)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The callable a `PYTHONBREAKPOINT` value names.
fn env_hook(
    value: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<Value> {
    let v = names.eval(value, src, scope)?;
    let name = names::named_callable(v.bytes()?)?;
    Some(Value::Name(std::rc::Rc::from(name)))
}

/// The path a call writes to: `open(P, 'w')` (any mode that writes: `w`, `a`, `x`, `+`; also
/// `io.open`, `codecs.open`, `io.FileIO`, and a module's `open(P, MODE)` such as `gzip.open`),
/// `os.open(P, FLAGS)` with `O_WRONLY`, `O_RDWR`, `O_APPEND`, `O_CREAT` or `O_TRUNC`,
/// `P.open('a')` on a path object, `P.write_text` / `P.write_bytes`, `fileinput.input(P,
/// inplace=True)`, or a copy, move or link to `P` (`shutil.copy(src, P)`, `os.replace`,
/// `p.rename(P)`, `P.symlink_to(t)`).
fn written_path<'t>(
    n: tree_sitter::Node<'t>,
    name: &str,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<tree_sitter::Node<'t>> {
    let args = field(n, F::Arguments)?;
    let last = name.rsplit('.').next().unwrap_or(name);
    let object = || field(field(n, F::Function)?, F::Object);
    // `open(P, MODE)` of a module: `open`, `io.open`, `gzip.open`, `tarfile.open`.
    let module_open = || {
        let mode = positional(args, 1).or_else(|| keyword(args, src, "mode"))?;
        write_mode(mode, src, names, scope)
            .then(|| positional(args, 0).or_else(|| keyword(args, src, "file")))
            .flatten()
    };
    match (name, last) {
        ("open" | "io.open" | "codecs.open" | "io.FileIO" | "_io.open", _) => module_open(),
        ("os.open" | "posix.open", _) => {
            let flags = positional(args, 1).or_else(|| keyword(args, src, "flags"))?;
            open_flags_write(flags, src)
                .then(|| positional(args, 0).or_else(|| keyword(args, src, "path")))
                .flatten()
        }
        ("fileinput.input" | "fileinput.FileInput", _) => {
            let inplace = keyword(args, src, "inplace")?;
            let on = inplace.kind_name() == "true"
                || (inplace.kind_name() == "integer" && text(inplace, src).trim() != "0");
            on.then(|| positional(args, 0).or_else(|| keyword(args, src, "files")))
                .flatten()
        }
        (_, "open") => {
            let o = object()?;
            if matches!(names.eval(o, src, scope), Some(Value::Name(_))) {
                return module_open();
            }
            // `Path(P).open('a')`, `(Path.home() / '.bashrc').open(mode='a')`.
            let mode = positional(args, 0).or_else(|| keyword(args, src, "mode"))?;
            if !write_mode(mode, src, names, scope) {
                return None;
            }
            path_object(o, src)
        }
        (_, "write_text" | "write_bytes") => path_object(object()?, src),
        (
            "shutil.copy" | "shutil.copy2" | "shutil.copyfile" | "shutil.copytree" | "shutil.move"
            | "os.rename" | "os.renames" | "os.replace" | "os.symlink" | "os.link",
            _,
        ) => positional(args, 1).or_else(|| keyword(args, src, "dst")),
        // `Path(a).rename(P)`; `Path(P).symlink_to(t)` makes `P`.
        (_, "rename") if !matches!(names.eval(object()?, src, scope), Some(Value::Name(_))) => {
            positional(args, 0).or_else(|| keyword(args, src, "target"))
        }
        (_, "symlink_to" | "hardlink_to") => path_object(object()?, src),
        _ => None,
    }
}

/// The path a path object stands for: `P` of `Path(P)` / `pathlib.Path(P)` (its parts), else
/// the object itself.
fn path_object<'t>(o: tree_sitter::Node<'t>, src: &[u8]) -> Option<tree_sitter::Node<'t>> {
    if o.kind_name() == "call" {
        let g = field(o, F::Function)?;
        if matches!(dotted(g, src).as_str(), "Path" | "pathlib.Path") {
            return path_parts(o);
        }
    }
    Some(o)
}

/// Whether an `open` mode writes: a constant of mode letters with `w`, `a`, `x` or `+`.
fn write_mode(mode: tree_sitter::Node<'_>, src: &[u8], names: &Names, scope: usize) -> bool {
    let Some(v) = names.eval(mode, src, scope) else {
        return false;
    };
    let Some(b) = v.bytes() else {
        return false;
    };
    !b.is_empty()
        && b.len() <= 8
        && b.iter().all(|c| b"rwxabtU+".contains(c))
        && b.iter().any(|c| matches!(c, b'w' | b'a' | b'x' | b'+'))
}

/// Whether `os.open` flags write: a name among `O_WRONLY`, `O_RDWR`, `O_APPEND`, `O_CREAT`,
/// `O_TRUNC` anywhere in the expression, or an integer with one of their Linux bits.
fn open_flags_write(flags: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let mut stack = vec![flags];
    let mut seen = 0;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 32 {
            break;
        }
        match x.kind_name() {
            "identifier" => {
                if matches!(
                    text(x, src),
                    "O_WRONLY" | "O_RDWR" | "O_APPEND" | "O_CREAT" | "O_TRUNC"
                ) {
                    return true;
                }
            }
            "integer" => {
                let t = text(x, src).replace('_', "").to_ascii_lowercase();
                let v = if let Some(o) = t.strip_prefix("0o") {
                    u64::from_str_radix(o, 8).ok()
                } else if let Some(h) = t.strip_prefix("0x") {
                    u64::from_str_radix(h, 16).ok()
                } else {
                    t.parse::<u64>().ok()
                };
                // O_WRONLY 1, O_RDWR 2, O_CREAT 0o100, O_TRUNC 0o1000, O_APPEND 0o2000.
                if v.is_some_and(|v| v & 0o3103 != 0) {
                    return true;
                }
            }
            _ => {
                let mut c = x.walk();
                stack.extend(x.named_children(&mut c));
            }
        }
    }
    false
}

/// A file the code wrote with downloaded data.
#[derive(Debug)]
struct Dropped {
    /// The file's path ([`path_key`]).
    key: String,
    /// The key names a folder whose files hold downloaded data: a downloader's output folder
    /// (`wget -P D`), a folder a downloaded archive was extracted into.
    dir: bool,
    /// The key names one file wherever it is used ([`global_key`]): a download in one
    /// function may be what another one runs.
    global: bool,
    /// The outermost function the download is in (`None`: module level).
    func: Option<String>,
    line: usize,
}

impl Dropped {
    /// Whether running the file `key` runs downloaded data.
    fn holds(&self, key: &str) -> bool {
        self.key == key || (self.dir && drop::under(&self.key, key))
    }
}

/// A run of a file (a process started on it, `os.startfile`, a library load) that no download
/// before it in the same function reached; matched after the walk with downloads in other
/// functions, when both functions run at load and the file is named by a constant or a
/// module-level name.
#[derive(Debug)]
struct Run {
    /// The keys of the file run ([`path_key`]), only constants and module-level names.
    keys: Vec<String>,
    func: Option<String>,
    line: usize,
    in_fn: bool,
    /// The call, for the evidence.
    call: String,
}

/// Files downloaded and files made executable kept per source.
const MAX_DROPPED: usize = 64;

/// A path expression as a key to compare two mentions of one file by: its constant value
/// (`'/tmp/x'`, also through a name bound to it), a name (`p`), or the expression's text
/// without spaces (`os.path.join(d, 'x')`). `str(p)` and `os.fspath(p)` are `p`.
fn path_key(n: tree_sitter::Node<'_>, src: &[u8], names: &Names, scope: usize) -> Option<String> {
    let mut cur = n;
    for _ in 0..8 {
        match cur.kind_name() {
            "parenthesized_expression" => cur = cur.named_child(0)?,
            "call" => {
                let f = dotted(field(cur, F::Function)?, src);
                let args = field(cur, F::Arguments)?;
                match (f.as_str(), positional(args, 0)) {
                    ("str" | "os.fspath", Some(a)) if positional(args, 1).is_none() => cur = a,
                    _ => break,
                }
            }
            _ => break,
        }
    }
    if let Some(b) = names.eval(cur, src, scope).as_ref().and_then(Value::bytes) {
        // `./tool` and `tool` are one file.
        let p = String::from_utf8_lossy(b);
        let p = p.trim().strip_prefix("./").unwrap_or(p.trim());
        return (!p.is_empty() && p.len() <= 1024).then(|| format!("={p}"));
    }
    match cur.kind_name() {
        "identifier" => Some(format!("${}", text(cur, src))),
        "attribute" | "call" | "binary_operator" | "subscript" => {
            let t: String = text(cur, src)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            (t.len() <= 256).then(|| format!("~{t}"))
        }
        _ => None,
    }
}

/// The keys of `keys` that name one file wherever they are used: constants, and names that
/// are no local of the function `n` is in (`P` of `P = os.path.join(…)` at module level, read
/// in two functions).
fn global_keys(
    keys: &[String],
    n: tree_sitter::Node<'_>,
    src: &[u8],
    locals: &mut LocalNames,
) -> Vec<String> {
    keys.iter()
        .filter(|k| global_key(k, n, src, locals))
        .cloned()
        .collect()
}

/// Whether a name is local to a function ([`drop::local_name`]), by the function's start and
/// the name: a function with many process calls is walked once a name.
type LocalNames = std::collections::HashMap<(usize, String), bool>;

/// [`global_keys`] of one key. Past [`MAX_CALLED`] remembered answers a name counts as local.
fn global_key(key: &str, n: tree_sitter::Node<'_>, src: &[u8], locals: &mut LocalNames) -> bool {
    if key.starts_with('=') {
        return true;
    }
    let Some(id) = key.strip_prefix('$') else {
        return false;
    };
    let Some(def) = drop::enclosing_function(n) else {
        return true;
    };
    let k = (def.start_byte(), id.to_string());
    if let Some(local) = locals.get(&k) {
        return !local;
    }
    if locals.len() >= MAX_CALLED {
        return false;
    }
    let local = drop::local_name(def, id, src);
    locals.insert(k, local);
    !local
}

/// A run of the file `keys` name by `call`: a dropper when a download before it (at module
/// level, or in the same function) wrote the file, else kept for [`Run`]'s later match with
/// downloads in other functions (`global`: the keys usable there).
fn record_run(
    sig: &mut Signals,
    keys: Vec<String>,
    global: Vec<String>,
    call: String,
    func: &Option<String>,
    line: usize,
    in_fn: bool,
) {
    if keys.is_empty() {
        return;
    }
    // A download at module level reaches every function; one in a function, only that
    // function.
    let reaches = |f: &Option<String>| f.is_none() || f == func;
    let hit = sig
        .dropped
        .iter()
        .find(|d| reaches(&d.func) && keys.iter().any(|k| d.holds(k)));
    if let Some(d) = hit {
        let ev = dropper_evidence(&call, d, &sig.executable, reaches);
        if sig.droppers.len() < MAX_DROPPED {
            sig.droppers.push((line, in_fn, ev));
        }
        return;
    }
    if let Some(folder) = keys.iter().find_map(|k| {
        k.strip_prefix('=')
            .or_else(|| k.strip_prefix('~'))
            .and_then(drop::shared_folder)
    }) {
        if sig.shared_runs.len() < MAX_DROPPED {
            sig.shared_runs
                .push((line, in_fn, format!("{call} (a program in {folder})")));
        }
    }
    if !global.is_empty() && sig.runs.len() < MAX_DROPPED {
        sig.runs.push(Run {
            keys: global,
            func: func.clone(),
            line,
            in_fn,
            call,
        });
    }
}

/// The evidence of a dropper: the call, the line of the download and of a `chmod` of the file.
fn dropper_evidence(
    call: &str,
    d: &Dropped,
    executable: &[(String, Option<String>, usize)],
    reaches: impl Fn(&Option<String>) -> bool,
) -> String {
    let what = if d.dir {
        "a file in the folder downloaded"
    } else {
        "the file downloaded"
    };
    let mut ev = format!("{call} (runs {what} at line {}", d.line);
    if let Some((_, _, l)) = executable.iter().find(|(k, f, _)| d.holds(k) && reaches(f)) {
        ev.push_str(&format!(", made executable at line {l}"));
    }
    ev.push(')');
    ev
}

/// Runs that no download before them reached, matched with downloads in other functions
/// (`dl()` and `run()` both called at import, the path a module constant). Both functions must
/// run at load ([`Signals::called_at_load`], after [`close_calls`]); the order of the two calls
/// is not followed.
fn match_runs_across_functions(sig: &mut Signals) {
    let at_load = |f: &Option<String>| f.as_ref().is_none_or(|f| sig.called_at_load.contains(f));
    let mut found = Vec::new();
    for run in &sig.runs {
        if !at_load(&run.func) {
            continue;
        }
        let hit = sig.dropped.iter().find(|d| {
            d.global
                && d.func != run.func
                && at_load(&d.func)
                && run.keys.iter().any(|k| d.holds(k))
        });
        if let Some(d) = hit {
            let ev = dropper_evidence(&run.call, d, &sig.executable, |_| true);
            found.push((run.line, run.in_fn, ev));
        }
    }
    for f in found {
        if sig.droppers.len() < MAX_DROPPED {
            sig.droppers.push(f);
        }
    }
}

/// The file a call writes downloaded data to, as a [`path_key`]:
/// `urllib.request.urlretrieve(url, P)`, `open(P, 'wb').write(data)`, `f.write(data)` on a
/// handle of [`Signals::write_handles`], `Path(P).write_bytes(data)` and
/// `shutil.copyfileobj(response, f)`, where `data` is what a network call returned
/// ([`fetches`]).
#[allow(clippy::too_many_arguments)]
fn dropped_file(
    n: tree_sitter::Node<'_>,
    spelled: [&str; 2],
    args: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    downloaded: &std::collections::HashSet<String>,
    handles: &std::collections::HashMap<String, String>,
) -> Option<String> {
    let target = |o: tree_sitter::Node<'_>| -> Option<String> {
        match o.kind_name() {
            "identifier" => handles.get(text(o, src)).cloned(),
            "call" => {
                let g = field(o, F::Function)?;
                let name = names
                    .resolve(g, src, scope)
                    .unwrap_or_else(|| dotted(g, src));
                written_path(o, &name, src, names, scope)
                    .and_then(|p| path_key(p, src, names, scope))
            }
            _ => None,
        }
    };
    if spelled.iter().any(|s| s.ends_with("urlretrieve")) {
        let p = positional(args, 1).or_else(|| keyword(args, src, "filename"))?;
        return path_key(p, src, names, scope);
    }
    // `os.write(fd, data)` on a descriptor of [`Signals::write_handles`] (`fd, p = mkstemp()`).
    if spelled.contains(&"os.write") {
        let fd = positional(args, 0).filter(|f| f.kind_name() == "identifier")?;
        let data = positional(args, 1)?;
        if !fetches(data, src, names, scope, downloaded) {
            return None;
        }
        return handles.get(text(fd, src)).cloned();
    }
    if spelled
        .iter()
        .any(|s| matches!(*s, "shutil.copyfileobj" | "shutil.copyfile"))
    {
        let from = positional(args, 0)?;
        if !fetches(from, src, names, scope, downloaded) {
            return None;
        }
        return positional(args, 1).and_then(target);
    }
    let f = field(n, F::Function).filter(|f| f.kind_name() == "attribute")?;
    let method = text(field(f, F::Attribute)?, src);
    if !matches!(
        method,
        "write" | "writelines" | "write_bytes" | "write_text"
    ) {
        return None;
    }
    let data = positional(args, 0)?;
    if !fetches(data, src, names, scope, downloaded) {
        return None;
    }
    let o = field(f, F::Object)?;
    match method {
        // `Path(P).write_bytes(data)`, `p.write_bytes(data)`.
        "write_bytes" | "write_text" => {
            written_path(n, method, src, names, scope).and_then(|p| path_key(p, src, names, scope))
        }
        _ => target(o),
    }
}

/// The file an expression opens for writing (`open(P, 'wb')`, `Path(P).open('wb')` is not
/// followed), as a [`path_key`]. A descriptor or handle of [`Signals::write_handles`] opened
/// again (`os.fdopen(fd, 'wb')`, `open(fd, 'wb')`) writes that handle's file.
fn write_handle(
    v: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
    handles: &std::collections::HashMap<String, String>,
) -> Option<String> {
    if v.kind_name() != "call" {
        return None;
    }
    let g = field(v, F::Function)?;
    let name = names
        .resolve(g, src, scope)
        .unwrap_or_else(|| dotted(g, src));
    if matches!(name.as_str(), "os.fdopen" | "open" | "io.open") {
        let fd = field(v, F::Arguments).and_then(|a| positional(a, 0));
        if let Some(key) = fd
            .filter(|f| f.kind_name() == "identifier")
            .and_then(|f| handles.get(text(f, src)))
        {
            return Some(key.clone());
        }
    }
    written_path(v, &name, src, names, scope).and_then(|p| path_key(p, src, names, scope))
}

/// The last name of a callee (`ZipFile` of `zipfile.ZipFile`), or `""`.
fn last_name<'a>(f: tree_sitter::Node<'_>, src: &'a [u8]) -> &'a str {
    match f.kind_name() {
        "identifier" => text(f, src),
        "attribute" => field(f, F::Attribute).map_or("", |a| text(a, src)),
        _ => "",
    }
}

/// Whether a callee is a name the table binds (`T` of `from tempfile import
/// NamedTemporaryFile as T`): its spelling says nothing.
fn aliased(f: tree_sitter::Node<'_>, src: &[u8], names: &Names, scope: usize) -> bool {
    f.kind_name() == "identifier" && names.lookup(scope, text(f, src)).is_some()
}

/// Handles of a temporary file made by `v`, for the names `ids` it is bound to, each with the
/// [`path_key`] of the file: `f = tempfile.NamedTemporaryFile(delete=False)` makes `f` write
/// the file `f.name` names; `fd, p = tempfile.mkstemp()` makes `fd` write the file `p` names.
fn temp_handles(
    ids: &[&str],
    v: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Vec<(String, String)> {
    let Some(g) = field(v, F::Function).filter(|_| v.kind_name() == "call") else {
        return Vec::new();
    };
    // Told from the spelling first: this runs for every assignment of a call.
    if !matches!(last_name(g, src), "NamedTemporaryFile" | "mkstemp")
        && !aliased(g, src, names, scope)
    {
        return Vec::new();
    }
    let name = names
        .resolve(g, src, scope)
        .unwrap_or_else(|| dotted(g, src));
    match (name.as_str(), ids) {
        ("tempfile.NamedTemporaryFile", [f]) => vec![(f.to_string(), format!("~{f}.name"))],
        ("tempfile.mkstemp", [fd, p]) => vec![(fd.to_string(), format!("${p}"))],
        _ => Vec::new(),
    }
}

/// Why an archive made by `v` holds downloaded data: `Some(Some(key))` for an archive opened
/// from the file `key` (`zipfile.ZipFile(P)`, `tarfile.open(P)`), `Some(None)` for one read
/// from downloaded bytes (`tarfile.open(fileobj=io.BytesIO(r.content))`); `None` when `v`
/// opens no archive.
fn archive_of<'t>(
    v: tree_sitter::Node<'t>,
    src: &[u8],
    names: &Names,
    scope: usize,
    downloaded: &std::collections::HashSet<String>,
) -> Option<Option<String>> {
    let g = field(v, F::Function).filter(|_| v.kind_name() == "call")?;
    if !matches!(
        last_name(g, src),
        "ZipFile" | "open" | "TarFile" | "SevenZipFile"
    ) && !aliased(g, src, names, scope)
    {
        return None;
    }
    let name = names
        .resolve(g, src, scope)
        .unwrap_or_else(|| dotted(g, src));
    if !drop::opens_archive(&name) {
        return None;
    }
    let args = field(v, F::Arguments)?;
    let first = positional(args, 0);
    // `io.BytesIO(data)` is read as its data.
    let unwrap = |x: tree_sitter::Node<'t>| -> tree_sitter::Node<'t> {
        let inner = field(x, F::Function)
            .filter(|f| x.kind_name() == "call" && dotted(*f, src).ends_with("BytesIO"))
            .and_then(|_| field(x, F::Arguments))
            .and_then(|a| positional(a, 0));
        inner.unwrap_or(x)
    };
    let fetched = keyword(args, src, "fileobj")
        .into_iter()
        .chain(first)
        .any(|x| fetches(unwrap(x), src, names, scope, downloaded));
    if fetched {
        return Some(None);
    }
    let p = first
        .or_else(|| keyword(args, src, "file"))
        .or_else(|| keyword(args, src, "name"))?;
    path_key(p, src, names, scope).map(Some)
}

/// The archive a call extracts and the folder it extracts into: `z.extractall(D)`,
/// `zipfile.ZipFile(P).extract(m, D)`, `shutil.unpack_archive(P, D)`. The archive as
/// [`archive_of`] gives it (a name bound to one is looked up in `archives`). An extraction
/// into the working folder (no folder given) is not followed: a build that unpacks a
/// downloaded source tarball and runs its `configure` there is the usual case.
#[allow(clippy::too_many_arguments)]
fn extracted<'t>(
    n: tree_sitter::Node<'t>,
    spelled: [&str; 2],
    args: tree_sitter::Node<'t>,
    src: &[u8],
    names: &Names,
    scope: usize,
    archives: &std::collections::HashMap<String, Option<String>>,
    downloaded: &std::collections::HashSet<String>,
) -> Option<(Option<String>, tree_sitter::Node<'t>)> {
    if spelled.contains(&"shutil.unpack_archive") {
        let p = positional(args, 0).or_else(|| keyword(args, src, "filename"))?;
        let d = positional(args, 1).or_else(|| keyword(args, src, "extract_dir"))?;
        return Some((Some(path_key(p, src, names, scope)?), d));
    }
    let f = field(n, F::Function).filter(|f| f.kind_name() == "attribute")?;
    let d = match text(field(f, F::Attribute)?, src) {
        "extractall" => positional(args, 0).or_else(|| keyword(args, src, "path"))?,
        "extract" => positional(args, 1).or_else(|| keyword(args, src, "path"))?,
        _ => return None,
    };
    let o = field(f, F::Object)?;
    let archive = match o.kind_name() {
        "identifier" => archives.get(text(o, src)).cloned()?,
        "call" => archive_of(o, src, names, scope, downloaded)?,
        _ => return None,
    };
    Some((archive, d))
}

/// An import of `module` (`import m`, `importlib.import_module('m')`) after folders were put
/// on `sys.path`: a dropper when a download before it wrote the module's file into one of
/// them, or the folder is one a downloader or an extraction filled.
fn record_import(
    sig: &mut Signals,
    module: &str,
    call: String,
    func: &Option<String>,
    line: usize,
    in_fn: bool,
) {
    if sig.droppers.len() >= MAX_DROPPED {
        return;
    }
    let reaches = |f: &Option<String>| f.is_none() || f == func;
    let dirs: Vec<&String> = sig
        .import_dirs
        .iter()
        .filter(|(_, f)| reaches(f))
        .map(|(k, _)| k)
        .collect();
    // A downloaded folder on `sys.path` serves every module: told once for each state of the
    // folders and downloads, not once an import.
    let state = (sig.import_dirs.len(), sig.dropped.len(), func.clone());
    let folder = match &sig.folder_import {
        Some((s, hit)) if *s == state => *hit,
        _ => {
            let hit = sig
                .dropped
                .iter()
                .filter(|d| d.dir && reaches(&d.func))
                .find(|d| {
                    dirs.iter()
                        .any(|dir| d.key == **dir || drop::under(&d.key, dir))
                })
                .map(|d| d.line);
            sig.folder_import = Some((state, hit));
            hit
        }
    };
    // A module file: its name first, then its folder.
    let file = || {
        sig.dropped
            .iter()
            .filter(|d| !d.dir && reaches(&d.func))
            .filter(|d| {
                drop::file_name(&d.key)
                    .and_then(|n| n.split('.').next())
                    .is_some_and(|stem| stem == module || stem == "__init__")
            })
            .find(|d| {
                dirs.iter()
                    .any(|dir| drop::imports_file(dir, module, &d.key))
            })
            .map(|d| d.line)
    };
    if let Some(at) = folder.or_else(file) {
        let ev = format!(
            "{call} (imports {module} from a folder put on sys.path, downloaded into at line {at})"
        );
        sig.droppers.push((line, in_fn, ev));
    }
}

/// The program of a constant command line as a [`path_key`]: `'sh /tmp/t.sh --x'` runs
/// `/tmp/t.sh`, `'/tmp/t --x'` runs `/tmp/t`; other keys are returned as they are.
fn command_program(key: &str) -> String {
    let Some(line) = key.strip_prefix('=') else {
        return key.to_string();
    };
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("");
    let prog = match words.next() {
        Some(second) if runs_its_argument(first) => second,
        _ => first,
    };
    format!("={}", prog.strip_prefix("./").unwrap_or(prog))
}

/// Interpreters and shells whose first argument is the program they run
/// (`[sys.executable, P]`, `['sh', P]`, `'bash ' + P`).
fn runs_its_argument(prog: &str) -> bool {
    let base = prog
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    base.starts_with("python")
        || matches!(
            base,
            "sys.executable" | "sh" | "bash" | "zsh" | "dash" | "node" | "perl" | "ruby" | "wine"
        )
}

/// Operators of a command built with `+` (or `%`, `*`) that [`program_nodes`] goes down to
/// find its first operand.
const MAX_COMMAND_OPERANDS: usize = 64;

/// The expressions that name the program a process call runs: the first item of an argv list
/// (and the next one when the first is an interpreter or shell), the first operand of a
/// command built with `+`, the first field of an f-string command, or the argument itself.
fn program_nodes<'t>(
    first: tree_sitter::Node<'t>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Vec<tree_sitter::Node<'t>> {
    let prog = |x: tree_sitter::Node<'_>| -> String {
        match names.eval(x, src, scope).as_ref().and_then(Value::bytes) {
            Some(b) => String::from_utf8_lossy(b).into_owned(),
            None => dotted(x, src),
        }
    };
    match first.kind_name() {
        "list" | "tuple" => {
            let mut c = first.walk();
            let items: Vec<_> = first
                .named_children(&mut c)
                .filter(|x| x.kind_name() != "comment")
                .take(2)
                .collect();
            match items.as_slice() {
                [a, b] if runs_its_argument(&prog(*a)) => vec![*a, *b],
                [a, ..] => vec![*a],
                [] => Vec::new(),
            }
        }
        "binary_operator" => {
            // `p + ' --quiet'`, `'sh ' + p`. Down the left operands, at most
            // [`MAX_COMMAND_OPERANDS`] (a chain of thousands of `+`, `*` or `%` in hostile
            // source names no program it is worth the time to find; tester t27 f1 overflowed
            // the stack here), and into one right operand after an interpreter.
            let mut cur = first;
            for _ in 0..MAX_COMMAND_OPERANDS {
                let (Some(l), Some(r)) = (field(cur, F::Left), field(cur, F::Right)) else {
                    return Vec::new();
                };
                match command_prefix(l, src, names, scope) {
                    Some(w) if runs_its_argument(&w) && w.ends_with(' ') => {
                        return match r.kind_name() {
                            "binary_operator" => field(r, F::Left).into_iter().collect(),
                            _ => program_nodes(r, src, names, scope),
                        };
                    }
                    _ if l.kind_name() == "binary_operator" => cur = l,
                    _ => return vec![l],
                }
            }
            Vec::new()
        }
        "string"
            if first
                .named_children(&mut first.walk())
                .any(|c| c.kind_name() == "interpolation") =>
        {
            // `f'{p} --quiet'`, `f'sh {p}'`: the first field, when only an interpreter comes
            // before it.
            let lead = command_prefix(first, src, names, scope).unwrap_or_default();
            if !(lead.trim().is_empty() || runs_its_argument(&lead)) {
                return Vec::new();
            }
            let mut c = first.walk();
            let field_expr = first
                .named_children(&mut c)
                .find(|c| c.kind_name() == "interpolation")
                .and_then(|i| i.named_child(0));
            field_expr.into_iter().collect()
        }
        _ => vec![first],
    }
}

/// What a function that only hands its first parameter to a decoder, exec or a process call
/// wraps (`def d(x): return base64.b64decode(x)`, `def run(c): exec(c)`): the callee's name.
fn wrapped(def: tree_sitter::Node<'_>, src: &[u8], names: &Names, scope: usize) -> Option<String> {
    let params = field(def, F::Parameters)?;
    let first = parameter_names(params, src).into_iter().next()?;
    let body = def.child_by_field_name("body")?;
    let mut c = body.walk();
    let stmts: Vec<_> = body
        .named_children(&mut c)
        .filter(|x| x.kind_name() != "comment")
        .filter(|x| {
            // A docstring.
            !(x.kind_name() == "expression_statement"
                && x.named_child(0).is_some_and(|s| s.kind_name() == "string"))
        })
        .take(2)
        .collect();
    let [stmt] = stmts[..] else {
        return None;
    };
    let call = match stmt.kind_name() {
        "return_statement" | "expression_statement" => stmt.named_child(0)?,
        _ => return None,
    };
    if call.kind_name() != "call" {
        return None;
    }
    let f = field(call, F::Function)?;
    let arg = field(call, F::Arguments).and_then(|a| positional(a, 0))?;
    if arg.kind_name() != "identifier" || text(arg, src) != first {
        return None;
    }
    let callee = names
        .resolve(f, src, scope)
        .unwrap_or_else(|| dotted(f, src));
    (is_decoder(&callee) || is_exec(&callee) || is_process(&callee) || is_unpickle(&callee))
        .then_some(callee)
}

/// The hooks of a PEP 517 build backend (and PEP 660's editable ones) that `pip install`
/// calls on an sdist.
/// The functions pdm-backend calls in a `pdm_build.py` while it builds.
const PDM_BUILD_HOOKS: &[&str] = &[
    "pdm_build_hook_enabled",
    "pdm_build_initialize",
    "pdm_build_update_setup_kwargs",
    "pdm_build_update_files",
    "pdm_build_finalize",
];

/// The methods setuptools calls on a command class (`setuptools.Command`).
const SETUPTOOLS_COMMAND_METHODS: &[&str] =
    &["run", "initialize_options", "finalize_options", "__init__"];

/// The classes whose subclasses in `setup.py` `setup()` runs at install: the install commands
/// ([`INSTALL_COMMANDS`]) and `Distribution` (`distclass=`). A build command's override
/// (`build_ext` fetching headers) is graded by `setup-install-hook` instead, low unless the
/// file starts processes.
const SETUPTOOLS_COMMANDS: &[&str] = &[
    "install",
    "develop",
    "egg_info",
    "bdist_egg",
    "easy_install",
    "Distribution",
];

/// The methods hatchling calls on a build hook (`BuildHookInterface`) or metadata hook
/// (`MetadataHookInterface`) class of a `hatch_build.py`.
const HATCH_HOOK_METHODS: &[&str] = &["initialize", "finalize", "clean", "update", "__init__"];

/// The build backends' hook files a build runs (`hatch_build.py`, hatchling's custom hook;
/// `pdm_build.py`, pdm-backend's), by the file name `loc` ends with.
fn build_hook_file(loc: &Location) -> Option<&'static str> {
    let path = match loc.members.last() {
        Some(m) => m.clone(),
        None => loc.path.to_string_lossy().into_owned(),
    };
    let base = path.rsplit(['/', '\\']).next().unwrap_or("");
    ["hatch_build.py", "pdm_build.py"]
        .into_iter()
        .find(|b| *b == base)
}

pub const PEP517_HOOKS: &[&str] = &[
    "build_wheel",
    "build_sdist",
    "build_editable",
    "get_requires_for_build_wheel",
    "get_requires_for_build_sdist",
    "get_requires_for_build_editable",
    "prepare_metadata_for_build_wheel",
    "prepare_metadata_for_build_editable",
];

/// The PEP 517 (and pdm) hooks a module's top level imports from another module, as (module
/// as written, the hook's name there): every hook for `from M import *`, and each name bound
/// to a hook by `from M import build_wheel` or `from M import _bw as build_wheel`. At most the
/// first 256 top-level statements are read.
fn reexported_hooks(root: tree_sitter::Node<'_>, src: &[u8]) -> Vec<(String, String)> {
    let hook = |n: &str| PEP517_HOOKS.contains(&n) || PDM_BUILD_HOOKS.contains(&n);
    let mut out = Vec::new();
    let mut c = root.walk();
    let stmts: Vec<_> = root.named_children(&mut c).take(256).collect();
    for st in stmts
        .into_iter()
        .filter(|s| s.kind_name() == "import_from_statement")
    {
        let Some(m) = st.child_by_field_name("module_name") else {
            continue;
        };
        let module: String = text(m, src).split_whitespace().collect();
        let mut c = st.walk();
        if st
            .named_children(&mut c)
            .any(|k| k.kind_name() == "wildcard_import")
        {
            for h in PEP517_HOOKS.iter().chain(PDM_BUILD_HOOKS) {
                out.push((module.clone(), (*h).to_string()));
            }
            continue;
        }
        let mut c = st.walk();
        let names: Vec<_> = st.children_by_field_name("name", &mut c).take(64).collect();
        for n in names {
            let (orig, bound) = match n.kind_name() {
                "dotted_name" => (text(n, src), text(n, src)),
                "aliased_import" => match (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("alias"),
                ) {
                    (Some(o), Some(a)) => (text(o, src), text(a, src)),
                    _ => continue,
                },
                _ => continue,
            };
            if hook(bound) {
                out.push((module.clone(), orig.to_string()));
            }
        }
    }
    out
}

/// Extend `called_at_load` with what the functions in it call, transitively: `self.m()` and
/// `cls.m()` in a method of `C` are `C.m`, a class called is its constructor, a method of a
/// class is also looked up on its bases. Bounded by [`MAX_CALLED`] names.
fn close_calls(sig: &mut Signals) {
    // The protocol methods of each class (`K.__iter__`, `K.__del__`, `K.__repr__` …): an
    // instance made at load meets the interpreter's operations (iteration, formatting,
    // collection), which call them without naming them. `__call__` runs only when the
    // instance is called, which a module-level call of it names.
    let mut protocol: std::collections::HashMap<&str, Vec<String>> =
        std::collections::HashMap::new();
    for f in sig.calls_in.keys() {
        if let Some((class, method)) = f.split_once('.') {
            if method.len() > 4
                && method.starts_with("__")
                && method.ends_with("__")
                && method != "__call__"
            {
                protocol.entry(class).or_default().push(f.clone());
            }
        }
    }
    let mut work: Vec<String> = sig.called_at_load.iter().cloned().collect();
    let mut steps = 0usize;
    while let Some(f) = work.pop() {
        steps += 1;
        if steps > 4 * MAX_CALLED || sig.called_at_load.len() >= MAX_CALLED {
            // Said as a resource limit: what the rest reaches is graded as not run at load.
            sig.calls_cut = true;
            break;
        }
        let mut next: Vec<String> = Vec::new();
        // `K.m` where `K` has bases: `B.m` for each.
        if let Some((class, method)) = f.split_once('.') {
            if let Some(bases) = sig.class_bases.get(class) {
                next.extend(bases.iter().map(|b| format!("{b}.{method}")));
            }
            if method == "__init__" {
                next.extend(protocol.get(class).into_iter().flatten().cloned());
            }
            // `T().start()` of a `threading.Thread` (or `multiprocessing.Process`) subclass
            // runs its `run()` (tester t18 m12).
            if method == "start" && starts_a_run(sig, class) {
                next.push(format!("{class}.run"));
            }
        }
        let class = f.split_once('.').map(|(c, _)| c);
        for c in sig.calls_in.get(&f).into_iter().flatten() {
            let c = c.replace("().", ".");
            let c = match (c.split_once('.'), class) {
                (Some(("self" | "cls", rest)), Some(k)) => format!("{k}.{rest}"),
                _ => c,
            };
            // A name called that is not a function of this file may be a class: its
            // constructor runs.
            if !c.contains('.') && !sig.calls_in.contains_key(&c) {
                next.push(format!("{c}.__init__"));
                next.push(format!("{c}.__new__"));
            }
            next.push(c);
        }
        for n in next {
            if sig.called_at_load.insert(n.clone()) {
                work.push(n);
            }
        }
    }
}

/// The container and the function of a store into a container: `X.append(f)`, `X.add(f)`,
/// `X.appendleft(f)`, `X.insert(i, f)`, `X.setdefault(k, f)` (`X` and `f` names).
fn stored_in_container<'a>(
    fnode: tree_sitter::Node<'_>,
    args: tree_sitter::Node<'_>,
    src: &'a [u8],
) -> Option<(&'a str, &'a str)> {
    if fnode.kind_name() != "attribute" {
        return None;
    }
    let x = field(fnode, F::Object).filter(|o| o.kind_name() == "identifier")?;
    let at = match text(field(fnode, F::Attribute)?, src) {
        "append" | "add" | "appendleft" => 0,
        "insert" | "setdefault" => 1,
        _ => return None,
    };
    let v = positional(args, at).filter(|v| v.kind_name() == "identifier")?;
    Some((text(x, src), text(v, src)))
}

/// The module-level container a module-level function stores a function parameter in (its own
/// or a nested function's: a decorator factory's `def deco(f): REG[name] = f`): `X.append(p)`
/// (any store of [`stored_in_container`]) or `X[k] = p`. Walks at most [`MAX_INSTANCE_WALK`]
/// nodes.
fn registrar_container(def: tree_sitter::Node<'_>, src: &[u8]) -> Option<String> {
    let mut params: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut stores: Vec<(&str, &str)> = Vec::new();
    let mut stack = vec![def];
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > MAX_INSTANCE_WALK {
            break;
        }
        match n.kind_name() {
            "function_definition" => {
                if let Some(p) = field(n, F::Parameters) {
                    params.extend(parameter_names(p, src));
                }
            }
            "call" => {
                if let Some(st) = field(n, F::Function)
                    .zip(field(n, F::Arguments))
                    .and_then(|(f, a)| stored_in_container(f, a, src))
                {
                    stores.push(st);
                }
            }
            "assignment" => {
                let l = field(n, F::Left).filter(|l| l.kind_name() == "subscript");
                let x = l
                    .and_then(|l| field(l, F::Value))
                    .filter(|x| x.kind_name() == "identifier");
                let v = field(n, F::Right).filter(|v| v.kind_name() == "identifier");
                if let (Some(x), Some(v)) = (x, v) {
                    stores.push((text(x, src), text(v, src)));
                }
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    stores
        .into_iter()
        .find(|(x, v)| params.contains(v) && !params.contains(x))
        .map(|(x, _)| x.to_string())
}

/// The container whose entry a call calls: `REG['x']()`, `REG.get('x')()`, or `f()` where `f`
/// is the variable of an enclosing loop or comprehension over `REG` (`for f in REG`, `for k, f
/// in REG.items()`, `.values()`, `list(REG)`, `sorted(REG)`, `reversed(REG)`). Looks at most
/// 32 enclosing nodes up.
fn registry_called(f: tree_sitter::Node<'_>, src: &[u8]) -> Option<String> {
    match f.kind_name() {
        "subscript" => {
            return field(f, F::Value)
                .filter(|v| v.kind_name() == "identifier")
                .map(|v| text(v, src).to_string());
        }
        "call" => {
            let g = field(f, F::Function).filter(|g| g.kind_name() == "attribute")?;
            let o = field(g, F::Object).filter(|o| o.kind_name() == "identifier")?;
            return (text(field(g, F::Attribute)?, src) == "get").then(|| text(o, src).to_string());
        }
        "identifier" => {}
        _ => return None,
    }
    let v = text(f, src);
    let binds = |left: tree_sitter::Node<'_>| {
        left.kind_name() == "identifier" && text(left, src) == v
            || matches!(left.kind_name(), "pattern_list" | "tuple_pattern" | "tuple")
                && left
                    .named_child(left.named_child_count().saturating_sub(1))
                    .is_some_and(|l| l.kind_name() == "identifier" && text(l, src) == v)
    };
    let container = |right: tree_sitter::Node<'_>| -> Option<String> {
        let mut r = right;
        for _ in 0..2 {
            match r.kind_name() {
                "identifier" => return Some(text(r, src).to_string()),
                "call" => {
                    let g = field(r, F::Function)?;
                    r = match g.kind_name() {
                        "attribute"
                            if matches!(
                                text(field(g, F::Attribute)?, src),
                                "values" | "items" | "copy"
                            ) =>
                        {
                            field(g, F::Object)?
                        }
                        "identifier"
                            if matches!(
                                text(g, src),
                                "list" | "tuple" | "sorted" | "reversed" | "iter"
                            ) =>
                        {
                            positional(field(r, F::Arguments)?, 0)?
                        }
                        _ => return None,
                    };
                }
                _ => return None,
            }
        }
        None
    };
    let mut cur = f;
    for _ in 0..32 {
        cur = cur.parent()?;
        match cur.kind_name() {
            "for_statement" if field(cur, F::Left).is_some_and(binds) => {
                return container(field(cur, F::Right)?);
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => {
                let mut c = cur.walk();
                let clauses: Vec<_> = cur
                    .named_children(&mut c)
                    .filter(|k| k.kind_name() == "for_in_clause")
                    .take(8)
                    .collect();
                for k in clauses {
                    if field(k, F::Left).is_some_and(binds) {
                        return container(field(k, F::Right)?);
                    }
                }
            }
            "function_definition" | "lambda" | "class_definition" | "module" => return None,
            _ => {}
        }
    }
    None
}

/// `Class.attr` for an attribute of a new instance (`C().p`) or of a module-level name bound
/// to one (`c.p` after `c = C()`).
fn instance_member(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    instances: &std::collections::HashMap<String, String>,
) -> Option<String> {
    if n.kind_name() != "attribute" {
        return None;
    }
    let o = field(n, F::Object)?;
    let class = match o.kind_name() {
        "call" => field(o, F::Function)
            .filter(|f| matches!(f.kind_name(), "identifier" | "attribute"))
            .map(|f| dotted(f, src))?,
        "identifier" => instances.get(text(o, src))?.clone(),
        _ => return None,
    };
    Some(format!("{class}.{}", text(field(n, F::Attribute)?, src)))
}

/// Mark property `m` (`Class.p`) and the functions behind it as run at load, when it is one.
fn run_property(
    sig: &mut Signals,
    properties: &std::collections::HashSet<String>,
    parts: &std::collections::HashMap<String, Vec<String>>,
    m: String,
) {
    let behind = parts.get(&m);
    if !properties.contains(&m) && behind.is_none() {
        return;
    }
    for f in behind.into_iter().flatten() {
        if sig.called_at_load.len() < MAX_CALLED {
            sig.called_at_load.insert(f.clone());
        }
    }
    if sig.called_at_load.len() < MAX_CALLED {
        sig.called_at_load.insert(m);
    }
}

/// A name-level assignment outside functions: `c = C(…)` at module level binds an instance
/// of `C` (a callee spelled like a class, as the join reads `api = _Api()`), any other value
/// unbinds it; `p = property(get, set, delete)` in the body of module-level class `K` is a
/// property `K.p` whose functions are `K.get`, `K.set`, `K.delete`.
fn record_instance_or_property(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    func: Option<&str>,
    instances: &mut std::collections::HashMap<String, String>,
    properties: &mut std::collections::HashSet<String>,
    parts: &mut std::collections::HashMap<String, Vec<String>>,
) {
    let (Some(l), Some(r)) = (field(n, F::Left), field(n, F::Right)) else {
        return;
    };
    if l.kind_name() != "identifier" {
        return;
    }
    let id = text(l, src);
    let callee = (r.kind_name() == "call")
        .then(|| field(r, F::Function))
        .flatten()
        .filter(|f| matches!(f.kind_name(), "identifier" | "attribute"))
        .map(|f| dotted(f, src));
    match func {
        None => {
            let class = callee.filter(|d| {
                let last = d.rsplit('.').next().unwrap_or(d);
                last.trim_start_matches('_')
                    .starts_with(|c: char| c.is_ascii_uppercase())
            });
            match class {
                Some(k) if instances.len() < MAX_CALLED => {
                    instances.insert(id.to_string(), k);
                }
                _ => {
                    instances.remove(id);
                }
            }
        }
        Some(class) if class.ends_with('.') => {
            let is_property = callee
                .as_deref()
                .is_some_and(|d| matches!(d, "property" | "builtins.property"));
            let Some(args) = field(r, F::Arguments).filter(|_| is_property) else {
                return;
            };
            if properties.len() >= MAX_CALLED || parts.len() >= MAX_CALLED {
                return;
            }
            let m = format!("{class}{id}");
            properties.insert(m.clone());
            let mut c = args.walk();
            let fns: Vec<String> = args
                .named_children(&mut c)
                .take(4)
                .map(|a| {
                    if a.kind_name() == "keyword_argument" {
                        field(a, F::Value).unwrap_or(a)
                    } else {
                        a
                    }
                })
                .filter(|a| a.kind_name() == "identifier")
                .map(|a| format!("{class}{}", text(a, src)))
                .collect();
            parts.entry(m).or_default().extend(fns);
        }
        Some(_) => {}
    }
}

/// Whether module-level class `class` derives, within [`MAX_SHAPE_BASES`] steps up its
/// chain of bases, from a thread or process class whose `start()` calls `run()`.
fn starts_a_run(sig: &Signals, class: &str) -> bool {
    let mut cur = vec![class.to_string()];
    for _ in 0..MAX_SHAPE_BASES {
        let mut up = Vec::new();
        for c in &cur {
            for b in sig.class_bases.get(c).into_iter().flatten() {
                let last = b.rsplit('.').next().unwrap_or(b);
                if matches!(last, "Thread" | "Process" | "Timer") {
                    return true;
                }
                if up.len() < MAX_SHAPE_BASES {
                    up.push(b.clone());
                }
            }
        }
        if up.is_empty() {
            return false;
        }
        cur = up;
    }
    false
}

/// Whether `loc` is a Sphinx configuration (`conf.py` in a `doc`, `docs`, `documentation` or
/// `sphinx` folder, up to three levels up: `docs/source/conf.py`): `sphinx-build` runs it, never
/// an install or an import of the package.
fn is_docs_config(loc: &Location) -> bool {
    let path = match loc.members.last() {
        Some(m) => m.clone(),
        None => loc.path.to_string_lossy().into_owned(),
    };
    let mut parts = path.rsplit(['/', '\\']);
    parts.next() == Some("conf.py")
        && parts
            .take(3)
            .any(|d| matches!(d, "doc" | "docs" | "documentation" | "sphinx"))
}

/// Whether `loc` names a module that a tool runs and no import does (the file itself or its
/// innermost archive member): a test module, `test_*.py` or `*_test.py` in a folder named
/// `tests`, `test`, `testing` or `__tests__`, or a `conftest.py` anywhere (pytest's plugin
/// file, which only pytest loads); or a PyInstaller hook (`hook-*.py`, and the runtime hooks
/// `pyi_rth_*.py`, in a folder whose name holds `hooks` or `pyinstaller`, as `__pyinstaller`
/// of packages that register their hooks), which PyInstaller runs while it
/// freezes an application that imports the hooked package.
fn is_test_module(loc: &Location) -> bool {
    let path = match loc.members.last() {
        Some(m) => m.clone(),
        None => loc.path.to_string_lossy().into_owned(),
    };
    let mut parts = path.rsplit(['/', '\\']);
    let file = parts.next().unwrap_or("");
    if !file.ends_with(".py") {
        return false;
    }
    if file == "conftest.py" {
        return true;
    }
    let mut folders = parts.clone();
    let hook = (file.starts_with("hook-") || file.starts_with("pyi_rth_"))
        && folders
            .next()
            .is_some_and(|d| d.contains("hooks") || d.to_ascii_lowercase().contains("pyinstaller"));
    let test_file = file.starts_with("test_") || file.ends_with("_test.py");
    hook || test_file && parts.any(|d| matches!(d, "tests" | "test" | "testing" | "__tests__"))
}

/// Caller-callee pairs recorded per source.
const MAX_CALL_EDGES: usize = 65_536;

/// Names of functions called at load kept per source.
const MAX_CALLED: usize = 4096;
/// Module-level classes described for the join ([`Signals::class_shapes`]).
const MAX_CLASS_SHAPES: usize = 1024;
/// Bases and methods kept per class described.
const MAX_SHAPE_BASES: usize = 16;
const MAX_SHAPE_METHODS: usize = 256;

/// Nested code kept per source (each decoded value is bounded by the name table's budget).
const MAX_NESTED: usize = 32;

/// Nested code: constant or decoded code handed to a runner.
const DECODED: &str = "decoded code";
/// Nested code: the constant pieces of code built with parts not known ([`push_partial`]).
const PARTLY_COMPUTED: &str = "partly computed code";
/// Nested code: a call written out plainly ([`methodcaller_source`]).
const WRITTEN_OUT: &str = "call written out";
/// Nested code: the file's own texts that may be the code an exec at load runs
/// ([`candidate_code`]).
const CANDIDATE: &str = "code this file may run";
/// Bytes of candidate code kept per file ([`candidate_code`]).
const MAX_CANDIDATE_CODE: usize = 256 * 1024;
/// Syntax-tree nodes visited for candidate code ([`candidate_code`]).
const MAX_CANDIDATE_NODES: usize = 1 << 20;

/// The texts of a file that an exec at load may run when its argument is a value the file does
/// not show (`exec(CFG['init'])`, `exec(__doc__)`, `exec(get())`): every string literal that
/// looks like code (a call or an import, 6 bytes to 64 KiB), docstrings included, and, when
/// the exec reads the file's own source (`own`), every comment's text. Each is dedented and
/// they are joined one after another, to be analysed as code run at load: a payload kept in a
/// container, a class attribute or a docstring is read where the name table cannot follow it.
/// `None` when no text qualifies. Bounded by [`MAX_CANDIDATE_NODES`] nodes and
/// [`MAX_CANDIDATE_CODE`] bytes.
fn candidate_code(root: tree_sitter::Node<'_>, src: &[u8], own: bool) -> Option<String> {
    let mut out = String::new();
    let mut add = |t: &str| {
        if t.len() < 6 || t.len() > 64 * 1024 || out.len() + t.len() > MAX_CANDIDATE_CODE {
            return;
        }
        let indent = t
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        for l in t.lines() {
            out.push_str(l.get(indent..).unwrap_or(l.trim_start()));
            out.push('\n');
        }
    };
    let mut stack = vec![root];
    let mut seen = 0usize;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > MAX_CANDIDATE_NODES {
            break;
        }
        if x.kind_name() == "comment" {
            if own {
                add(text(x, src).trim_start_matches('#'));
            }
            continue;
        }
        if let Some(s) = string_value(x, src) {
            if s.contains('(') || s.contains("import ") {
                add(&s);
            }
            continue;
        }
        // In source order: a payload split over comment lines reads as written.
        let mut c = x.walk();
        let kids: Vec<_> = x.children(&mut c).collect();
        stack.extend(kids.into_iter().rev());
    }
    (!out.is_empty()).then_some(out)
}

fn push_nested(sig: &mut Signals, line: usize, code: String) {
    push_code(sig, line, code, DECODED);
}

fn push_code(sig: &mut Signals, line: usize, code: String, what: &'static str) {
    if sig.nested.len() < MAX_NESTED && !sig.nested.iter().any(|(_, c, _)| *c == code) {
        sig.nested.push((line, code, what));
    }
}

/// `obj.method(…)` written out for `operator.methodcaller('method', …)(obj)` (`inner` the
/// `methodcaller(…)` call, `callee` what it resolves to): the arguments after the name, each
/// that folds to a constant written as a literal (a name bound to code keeps its code) and
/// the others as spelled, with an import of the callee's module. `None` past 16 arguments or
/// 64 KiB.
fn methodcaller_source(
    callee: &str,
    inner: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Option<String> {
    let args = field(inner, F::Arguments)?;
    let mut c = args.walk();
    let items: Vec<_> = args
        .named_children(&mut c)
        .filter(|x| x.kind_name() != "comment")
        .skip(1)
        .take(17)
        .collect();
    if items.len() > 16 {
        return None;
    }
    let value = |x: tree_sitter::Node<'_>| match names.eval(x, src, scope).as_ref() {
        Some(Value::Data { bytes: Some(b), .. }) => py_literal(b),
        _ => text(x, src).to_string(),
    };
    let mut out = String::new();
    if let Some((module, _)) = callee.rsplit_once('.').filter(|(m, _)| {
        m.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
    }) {
        out.push_str(&format!("import {module}\n"));
    }
    out.push_str(callee);
    out.push('(');
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match (x.kind_name(), field(x, F::Name), field(x, F::Value)) {
            ("keyword_argument", Some(k), Some(v)) => {
                out.push_str(text(k, src));
                out.push('=');
                out.push_str(&value(v));
            }
            _ => out.push_str(&value(x)),
        }
        if out.len() > 1 << 16 {
            return None;
        }
    }
    out.push(')');
    Some(out)
}

/// A Python literal of `b`: a `str` when it is UTF-8, else `bytes`.
fn py_literal(b: &[u8]) -> String {
    let (prefix, text) = match std::str::from_utf8(b) {
        Ok(t) => ("", t.to_string()),
        Err(_) => ("b", b.iter().map(|&c| char::from(c)).collect()),
    };
    let mut out = format!("{prefix}'");
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || (prefix == "b" && (c as u32) > 0x7e) || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Code handed to a runner whose argument is built from constant code and parts the name
/// table cannot compute (`exec(CODE + str())`, `exec(CODE % x)`, `exec(f'…{x}…')`): the
/// constant pieces, unknown parts left out ([`Names::partial`]), are analysed as the code they
/// are, so an unknown part does not make a visible payload clean. Templates of harmless code
/// stay harmless: the pieces are judged, not the computing.
fn push_partial(sig: &mut Signals, line: usize, code: String) {
    push_code(sig, line, code, PARTLY_COMPUTED);
}

/// A sum of many string pieces the name table could not fold (past its step bound): data
/// built from pieces, its bytes unknown, as `exec` of the sum itself is judged.
fn pieces_past_bound(value: tree_sitter::Node<'_>, src: &[u8]) -> Option<Value> {
    (value.kind_name() == "binary_operator" && string_nodes(value, src, 64).len() >= 8).then_some(
        Value::Data {
            bytes: None,
            decoded: false,
            built: true,
        },
    )
}

/// What an assignment-like node binds, with its right-hand side evaluated now.
fn assignment_binds(
    n: tree_sitter::Node<'_>,
    src: &[u8],
    names: &Names,
    scope: usize,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let ident = |x: tree_sitter::Node<'_>| (x.kind_name() == "identifier").then(|| text(x, src));
    match n.kind_name() {
        "assignment" => {
            // `a = b = value`: the targets of the chain, then the value.
            let mut targets = Vec::new();
            let mut cur = n;
            let value = loop {
                if let Some(l) = field(cur, F::Left) {
                    targets.push(l);
                }
                match field(cur, F::Right) {
                    Some(r) if r.kind_name() == "assignment" && targets.len() < 64 => cur = r,
                    other => break other,
                }
            };
            // An annotation without a value binds nothing.
            let Some(value) = value else {
                return out;
            };
            let mut single: Option<Option<Value>> = None;
            for t in targets {
                if let Some(id) = ident(t) {
                    // `code = f.read()`, `f = open(P)`: the name holds a file or its content.
                    let v = single
                        .get_or_insert_with(|| {
                            file_value(value, src, names, scope)
                                .or_else(|| names.eval(value, src, scope))
                                .or_else(|| pieces_past_bound(value, src))
                        })
                        .clone();
                    out.push((id.to_string(), v.unwrap_or(Value::Opaque)));
                    continue;
                }
                // `D['r'] = os.system`, `builtins.q = os.system`, `globals()['f'] = …`.
                if matches!(t.kind_name(), "subscript" | "attribute") {
                    out.extend(names.store(t, value, src, scope));
                    continue;
                }
                // `a, b = x, y`, `*_, f = [1, g]`, `(a, (b, f)) = …`: item by item.
                for (id, r) in unpack(t, Some(value)) {
                    let v = r
                        .and_then(|r| names.eval(r, src, scope))
                        .unwrap_or(Value::Opaque);
                    out.push((text(id, src).to_string(), v));
                }
            }
        }
        "augmented_assignment" => {
            let (Some(l), Some(r)) = (field(n, F::Left), field(n, F::Right)) else {
                return out;
            };
            let Some(id) = ident(l) else {
                return out;
            };
            let op = field(n, F::Operator).map(|o| text(o, src));
            // `payload += '…'`: a constant built in pieces.
            let v = (op == Some("+="))
                .then(|| {
                    let a = names.eval(l, src, scope)?;
                    let b = names.eval(r, src, scope)?;
                    names.concat(&a, &b)
                })
                .flatten();
            out.push((id.to_string(), v.unwrap_or(Value::Opaque)));
        }
        "named_expression" => {
            if let (Some(id), Some(v)) = (field(n, F::Name).and_then(ident), field(n, F::Value)) {
                let v = names.eval(v, src, scope).unwrap_or(Value::Opaque);
                out.push((id.to_string(), v));
            }
        }
        _ => {}
    }
    out
}

/// The module globals a function assigns after declaring them `global` (`global f` then
/// `f = os.system`), with the values assigned, in its own body (not in nested functions or
/// classes). A module-level call of the function makes those bindings.
fn global_writes<'t>(
    def: tree_sitter::Node<'t>,
    src: &[u8],
) -> Vec<(String, tree_sitter::Node<'t>)> {
    let Some(body) = def.child_by_field_name("body") else {
        return Vec::new();
    };
    // Most functions declare nothing global: told from the text before walking.
    let bytes = &src[body.start_byte()..body.end_byte()];
    if memchr::memmem::find(bytes, b"global").is_none() {
        return Vec::new();
    }
    let mut globals: Vec<&str> = Vec::new();
    let mut assigns = Vec::new();
    let mut stack = vec![body];
    let mut seen = 0;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > MAX_INSTANCE_WALK {
            break;
        }
        match x.kind_name() {
            "function_definition" | "class_definition" | "lambda" => continue,
            "global_statement" => {
                let mut c = x.walk();
                for id in x
                    .named_children(&mut c)
                    .filter(|i| i.kind_name() == "identifier")
                {
                    globals.push(text(id, src));
                }
            }
            "assignment" => {
                if let (Some(l), Some(r)) = (field(x, F::Left), field(x, F::Right)) {
                    if l.kind_name() == "identifier"
                        && r.kind_name() != "assignment"
                        && assigns.len() < 64
                    {
                        assigns.push((text(l, src), r));
                    }
                }
            }
            _ => {}
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    assigns
        .into_iter()
        .filter(|(n, _)| globals.contains(n))
        .map(|(n, r)| (n.to_string(), r))
        .collect()
}

/// The names a binding target binds, each with the expression of `value` it receives when the
/// value is a display that can be matched item by item (`a, (b, c) = 1, (2, f)`; a starred
/// target takes the items between those before and after it, `*_, f = [1, g]`), else with
/// `None`. At most [`names::MAX_PARTS`] names.
fn unpack<'t>(
    target: tree_sitter::Node<'t>,
    value: Option<tree_sitter::Node<'t>>,
) -> Vec<(tree_sitter::Node<'t>, Option<tree_sitter::Node<'t>>)> {
    let strip = |mut n: tree_sitter::Node<'t>| {
        while n.kind_name() == "parenthesized_expression" {
            match n.named_child(0) {
                Some(c) => n = c,
                None => break,
            }
        }
        n
    };
    let children = |n: tree_sitter::Node<'t>| {
        let mut c = n.walk();
        let v: Vec<_> = n
            .named_children(&mut c)
            .filter(|x| x.kind_name() != "comment")
            .take(names::MAX_PARTS + 1)
            .collect();
        v
    };
    let mut out = Vec::new();
    let mut stack = vec![(target, value)];
    while let Some((t, v)) = stack.pop() {
        if out.len() >= names::MAX_PARTS {
            break;
        }
        let t = strip(t);
        match t.kind_name() {
            "identifier" => out.push((t, v)),
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
            | "expression_list" => {
                let targets = children(t);
                let items = v
                    .map(strip)
                    .filter(|v| matches!(v.kind_name(), "expression_list" | "tuple" | "list"))
                    .map(children)
                    .filter(|i| !i.iter().any(|x| x.kind_name() == "list_splat"));
                let star = targets
                    .iter()
                    .position(|x| matches!(x.kind_name(), "list_splat_pattern" | "list_splat"));
                let mut pairs: Vec<_> = targets.iter().map(|x| (*x, None)).collect();
                match (items, star) {
                    (Some(items), None) if items.len() == targets.len() => {
                        for (p, i) in pairs.iter_mut().zip(items) {
                            p.1 = Some(i);
                        }
                    }
                    (Some(items), Some(k)) if items.len() + 1 >= targets.len() => {
                        let after = targets.len() - k - 1;
                        for i in 0..k {
                            pairs[i].1 = Some(items[i]);
                        }
                        for j in 0..after {
                            pairs[k + 1 + j].1 = Some(items[items.len() - after + j]);
                        }
                    }
                    _ => {}
                }
                stack.extend(pairs.into_iter().rev());
            }
            // The starred target takes a list: none of its names is followed.
            "list_splat_pattern" | "list_splat" => {
                stack.extend(children(t).into_iter().rev().map(|x| (x, None)));
            }
            _ => {}
        }
    }
    out
}

/// The attributes the methods of class `class` assign on their instance (`self.r = value`),
/// with the values; the walk visits at most [`MAX_INSTANCE_WALK`] nodes of the class.
fn instance_attributes<'a, 't>(
    class: tree_sitter::Node<'t>,
    src: &'a [u8],
) -> Vec<(&'a str, tree_sitter::Node<'t>)> {
    let mut out = Vec::new();
    let Some(body) = class.child_by_field_name("body") else {
        return out;
    };
    let mut seen = 0;
    let mut c = body.walk();
    let defs: Vec<_> = body
        .named_children(&mut c)
        .filter_map(|d| match d.kind_name() {
            "function_definition" => Some(d),
            "decorated_definition" => d.child_by_field_name("definition"),
            _ => None,
        })
        .filter(|d| d.kind_name() == "function_definition")
        .collect();
    for def in defs {
        let Some(me) =
            field(def, F::Parameters).and_then(|p| parameter_names(p, src).into_iter().next())
        else {
            continue;
        };
        let mut stack: Vec<_> = def.child_by_field_name("body").into_iter().collect();
        while let Some(x) = stack.pop() {
            seen += 1;
            if seen > MAX_INSTANCE_WALK {
                return out;
            }
            // Statements only: an assignment is a statement of its own, so the expressions
            // that make up most of a body are not walked.
            match x.kind_name() {
                "expression_statement" => {
                    let Some(a) = x.named_child(0).filter(|a| a.kind_name() == "assignment") else {
                        continue;
                    };
                    if let (Some(l), Some(r)) = (field(a, F::Left), field(a, F::Right)) {
                        let on_me = l.kind_name() == "attribute"
                            && field(l, F::Object).is_some_and(|o| text(o, src) == me);
                        if let Some(at) = field(l, F::Attribute).filter(|_| on_me) {
                            out.push((text(at, src), r));
                        }
                    }
                }
                "block" | "if_statement" | "elif_clause" | "else_clause" | "for_statement"
                | "while_statement" | "try_statement" | "except_clause" | "finally_clause"
                | "with_statement" | "match_statement" | "case_clause" => {
                    let block = x.kind_name() == "block";
                    let mut c = x.walk();
                    stack.extend(x.named_children(&mut c).filter(|ch| {
                        block || ch.kind_name() == "block" || ch.kind_name().ends_with("clause")
                    }));
                }
                // A nested function or class has its own `self`; other statements assign
                // nothing on the instance.
                _ => {}
            }
        }
    }
    out
}

/// Nodes of a class's methods read for [`instance_attributes`].
const MAX_INSTANCE_WALK: usize = 4096;

/// The names a function's parameters bind.
fn parameter_names<'a>(params: tree_sitter::Node<'_>, src: &'a [u8]) -> Vec<&'a str> {
    parameters(params, src)
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// The names a function's parameters bind, each with its default value.
fn parameters<'a, 't>(
    params: tree_sitter::Node<'t>,
    src: &'a [u8],
) -> Vec<(&'a str, Option<tree_sitter::Node<'t>>)> {
    let mut out = Vec::new();
    let mut c = params.walk();
    for p in params.named_children(&mut c).take(1024) {
        let id = if p.kind_name() == "identifier" {
            Some(p)
        } else {
            field(p, F::Name).or_else(|| {
                let mut c2 = p.walk();
                let first = p
                    .named_children(&mut c2)
                    .find(|x| x.kind_name() == "identifier");
                first
            })
        };
        if let Some(id) = id.filter(|x| x.kind_name() == "identifier") {
            // Only a name, attribute or call can stand for a callable; constants are not read.
            let default = field(p, F::Value)
                .filter(|_| p.kind_name() != "keyword_separator")
                .filter(|d| {
                    matches!(
                        d.kind_name(),
                        "identifier" | "attribute" | "call" | "subscript"
                    )
                });
            out.push((text(id, src), default));
        }
    }
    out
}

/// Walk the tree and collect signals.
///
/// The walk goes in source order with a name table ([`names`]): imports, aliases and
/// assignments are bound as they come, so a call is judged by what its name stands for
/// (`sp.Popen` after `import subprocess as sp` is `subprocess.Popen`) as well as by its spelling.
/// Function bodies are walked after the module level, so they see the module's bindings as
/// they stand when the function can first be called.
/// The walk. `as_main`: the file runs as `__main__`, where a `__name__ == '__main__'` guard
/// decides nothing.
/// The function a node is in, as the signals keep it (`func` of [`Step::Visit`]).
fn owned(func: &Option<std::rc::Rc<str>>) -> Option<String> {
    func.as_deref().map(str::to_string)
}

fn collect(
    tree: &tree_sitter::Tree,
    src: &[u8],
    as_main: bool,
    deadline: std::time::Instant,
) -> Signals {
    let mut sig = Signals::default();
    let argv_armed = std::cell::OnceCell::new();
    let mut names = Names::default();
    names.sticky =
        |n| is_process(n) || is_exec(n) || is_decoder(n) || is_network(n) || is_unpickle(n);
    let mut stack = vec![Step::Visit {
        node: tree.root_node(),
        in_fn: false,
        func: None,
        scope: names::MODULE,
        branch: false,
    }];
    let mut deferred: std::collections::VecDeque<Vec<Step<'_>>> = std::collections::VecDeque::new();
    // String annotations that call something, and whether the module evaluates annotations at
    // load (`typing.get_type_hints(f)`, `inspect.get_annotations(f, eval_str=True)`).
    let mut annotations: Vec<(usize, String)> = Vec::new();
    let mut hints_evaluated = false;
    // Methods of module-level classes made properties (`@property`, `@cached_property`), as
    // `Class.method`: reading one on an instance runs it.
    let mut properties: std::collections::HashSet<String> = std::collections::HashSet::new();
    // The functions behind a property other than the one of its name, by `Class.property`:
    // `p = property(_get, _set, _del)`, `@p.setter def set_p(…)` (tester t18 g18).
    let mut property_parts: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    // Module-level names bound to a new instance of a class (`c = C()`), to the class as
    // spelled: `c.go()`, `c.p`, `c.p = v` and `del c.p` at module level run `C`'s methods.
    let mut instances: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    // Registries (tester t12 x12): module-level functions that store a function handed to them
    // in a module-level container (`def register(f): HOOKS.append(f)`), by name → container;
    // functions put in a container (by a registering decorator, or `HOOKS.append(f)` at module
    // level), as (container, function); and calls of a container's entries (`for f in HOOKS:
    // f()`, `REG['x']()`, `REG.get('x')()`), as (the function they are in, container).
    // Module-level functions by name, read as registrars only when a decorator names one
    // (the walk of a body costs; most modules never decorate with a function of their own).
    let mut module_defs: std::collections::HashMap<&str, tree_sitter::Node<'_>> =
        std::collections::HashMap::new();
    let mut registrars: std::collections::HashMap<String, Option<String>> =
        std::collections::HashMap::new();
    let mut registered: Vec<(String, String)> = Vec::new();
    let mut registry_calls: Vec<(Option<String>, String)> = Vec::new();
    // Module-level functions that assign globals they declare (`global f`), by name.
    let mut writes_globals: std::collections::HashMap<
        String,
        Vec<(String, tree_sitter::Node<'_>)>,
    > = std::collections::HashMap::new();
    let mut enclosed_line = 0;
    let mut visited: u32 = 0;
    // One cursor for every node's children ([`tree_sitter::Node::named_children`] resets it).
    let mut cursor = tree.walk();
    let mut walked_line = 0;
    loop {
        // The input's time bound, read every few thousand steps: a hostile module can make
        // each node cost its bounded evaluations.
        visited = visited.wrapping_add(1);
        if visited % 4096 == 0 && std::time::Instant::now() >= deadline {
            sig.out_of_time = Some(walked_line);
            break;
        }
        let step = match stack.pop() {
            Some(s) => s,
            None => match deferred.pop_front() {
                Some(batch) => {
                    stack = batch;
                    continue;
                }
                None => break,
            },
        };
        let (n, in_fn, func, scope, branch) = match step {
            Step::Bind {
                binds,
                scope,
                line,
                branch,
            } => {
                for (name, value) in binds {
                    if branch {
                        names.bind_in_branch(scope, &name, value, line);
                    } else {
                        names.bind(scope, &name, value, line);
                    }
                }
                continue;
            }
            Step::Visit {
                node,
                in_fn,
                func,
                scope,
                branch,
            } => (node, in_fn, func, scope, branch),
        };
        let line = n.start_position().row + 1;
        walked_line = line;
        // The first function seen on a line keeps it; the nodes after it on the same line
        // need not look (most nodes share their line with the one before them).
        if let Some(f) = func.as_deref().filter(|_| line != enclosed_line) {
            sig.enclosing.entry(line).or_insert_with(|| f.to_string());
            enclosed_line = line;
        }
        // Once per node: `kind()` looks the name up and measures it on every call.
        let kind = n.kind_name();
        let mut after: Vec<(String, Value)> = Vec::new();
        match kind {
            "call" => {
                let fnode = field(n, F::Function);
                // A callee of more calls than a known name has (`a()()()…()`) names nothing:
                // neither spelled nor resolved, so no call of the chain walks the rest of it.
                let nameless = fnode.is_some_and(long_call_chain);
                let name = match fnode {
                    Some(_) if nameless => "?".to_string(),
                    Some(f) => dotted(f, src),
                    None => String::new(),
                };
                // `os.system.__call__('…')` calls `os.system`.
                let name = match name.strip_suffix(".__call__") {
                    Some(callee) if !callee.is_empty() => callee.to_string(),
                    _ => name,
                };
                // What the callee stands for, when the name table knows better than its
                // spelling (`sp.Popen`, `getattr(os, 'system')`, `e` after `e = eval`).
                let args = field(n, F::Arguments);
                // `operator.methodcaller('system', …)(os)` calls `os.system`: the inner call and
                // what it calls, read once for the name and for the call written out below.
                let method_call = fnode
                    .filter(|f| !nameless && f.kind_name() == "call")
                    .and_then(|f| Some((f, names.methodcaller(f, args?, src, scope)?)));
                let resolved = method_call
                    .as_ref()
                    .map(|(_, m)| m.clone())
                    .or_else(|| {
                        fnode
                            .filter(|_| !nameless)
                            .and_then(|f| names.resolve(f, src, scope))
                    })
                    .map(|r| match r.strip_suffix(".__call__") {
                        Some(callee) if !callee.is_empty() => callee.to_string(),
                        _ => r,
                    })
                    .filter(|r| *r != name);
                // `operator.methodcaller('run', cmd, shell=True)(subprocess)`: the method gets
                // the inner call's other arguments, which the checks below (reading the outer
                // call's) do not see; the call is written out plainly and analysed as code of
                // its own, so it gives what `subprocess.run(cmd, shell=True)` gives.
                if let Some(code) = method_call
                    .as_ref()
                    .filter(|(_, m)| {
                        (is_exec(m) || is_process(m) || is_unpickle(m)) && !always_shell(m)
                    })
                    .and_then(|(inner, m)| methodcaller_source(m, *inner, src, &names, scope))
                {
                    push_code(&mut sig, line, code, WRITTEN_OUT);
                }
                // A spelling whose first name the module bound to something else
                // (`os = _FakeOS()`, `class commands:`) is not the module's function.
                let rebound = fnode
                    .and_then(|f| {
                        let mut cur = f;
                        while cur.kind_name() == "attribute" {
                            cur = field(cur, F::Object)?;
                        }
                        (cur.kind_name() == "identifier")
                            .then(|| names.rebound(scope, text(cur, src)))
                    })
                    .unwrap_or(false);
                let pick = |pred: &dyn Fn(&str) -> bool| -> Option<String> {
                    if !rebound && pred(&name) {
                        Some(name.clone())
                    } else {
                        resolved.clone().filter(|r| pred(r))
                    }
                };
                // Computed only for calls that are reported: a large call cut for every nested
                // call would make the walk quadratic.
                let call_text = |matched: &str| {
                    let t = short(text(n, src));
                    if matched == name {
                        t
                    } else {
                        format!("{t} (resolves to {matched})")
                    }
                };
                // `[v for k, v in vars(os).items() if k.endswith('ystem')][0](cmd)`: a
                // callable of a module that runs processes or code, named by a filter.
                if let Some(module) = fnode
                    .filter(|f| {
                        matches!(
                            f.kind_name(),
                            "subscript" | "call" | "parenthesized_expression"
                        )
                    })
                    .and_then(|f| namespace_pick(f, src, &names, scope))
                {
                    let ev = format!(
                        "{} (a callable of {module} picked by a filter over its namespace)",
                        short(text(n, src))
                    );
                    if matches!(module.as_str(), "builtins" | "__builtins__" | "__builtin__") {
                        if sig.exec_computed.len() < 64 {
                            sig.exec_computed.push((line, in_fn, NAMED_EXEC, ev));
                        }
                    } else {
                        sig.shell.push((line, in_fn, ev));
                    }
                }
                // `setattr(builtins, '__import__', hook)`, `setattr(build_py.build_py, 'run',
                // f)`: the assignments below, spelled as a call.
                if !in_fn && pick(&|n: &str| matches!(n, "setattr" | "builtins.setattr")).is_some()
                {
                    let a = args;
                    let object = a.and_then(|a| positional(a, 0));
                    let attr = a
                        .and_then(|a| positional(a, 1))
                        .and_then(|x| string_value(x, src));
                    let value = a.and_then(|a| positional(a, 2));
                    if let (Some(o), Some(attr), Some(v)) = (object, attr, value) {
                        let o = names
                            .resolve(o, src, scope)
                            .unwrap_or_else(|| dotted(o, src));
                        let target = format!("{o}.{attr}");
                        if (interpreter_hook(&target) || command_method_patched(&target))
                            && matches!(v.kind_name(), "identifier" | "attribute" | "lambda")
                            && sig.called_at_load.len() < MAX_CALLED
                        {
                            sig.called_at_load.insert(callable_key(v, src));
                            if let Some(r) = names.resolve(v, src, scope) {
                                sig.called_at_load.insert(r);
                            }
                        }
                    }
                }
                if !in_fn
                    && pick(&|n: &str| {
                        matches!(
                            n,
                            "typing.get_type_hints"
                                | "typing_extensions.get_type_hints"
                                | "inspect.get_annotations"
                                | "annotationlib.get_annotations"
                        )
                    })
                    .is_some()
                {
                    hints_evaluated = true;
                }
                if let Some(exec_name) = pick(&is_exec) {
                    // `exec(open('x.txt').read())`, `exec(compile(open(p).read(), p, 'exec'))`:
                    // a file of the package run as Python code, analysed by the join.
                    if matches!(
                        exec_name.as_str(),
                        "exec" | "eval" | "builtins.exec" | "builtins.eval"
                    ) {
                        if let Some(path) = args.and_then(|a| positional(a, 0)).and_then(|f| {
                            exec_file_path(f, src, &names, scope, &sig.path_spellings)
                        }) {
                            push_ran_code(&mut sig, line, in_fn, path, short(text(n, src)));
                        }
                    }
                    // `functools.partial(exec, code)()`: the code is the partial's.
                    let partial_args = fnode
                        .filter(|f| f.kind_name() == "call")
                        .and_then(|f| field(f, F::Arguments))
                        .filter(|_| args.is_some_and(|a| a.named_child(0).is_none()));
                    if let Some(a) = partial_args.or(args) {
                        let first = if partial_args.is_some() {
                            positional(a, 1)
                        } else {
                            a.named_child(0)
                        };
                        let value = first.and_then(|f| names.eval(f, src, scope));
                        let decoded = value.as_ref().is_some_and(Value::decoded)
                            || calls_within(a, src, &names, scope)
                                .iter()
                                .any(|c| is_decoder(c));
                        let code = value
                            .as_ref()
                            .and_then(Value::bytes)
                            .and_then(|b| std::str::from_utf8(b).ok())
                            .map(|c| {
                                if exec_name.starts_with("doctest.") {
                                    doctest_source(c)
                                } else {
                                    c.to_string()
                                }
                            });
                        // A function made from a code object inside a function is how
                        // serialisers rebuild functions they are handed (Keras' `func_load`
                        // decodes its parameter): judged at module level, or on constants.
                        let rebuilt = matches!(
                            exec_name.as_str(),
                            "types.FunctionType" | "types.LambdaType"
                        ) && in_fn
                            && value.as_ref().and_then(Value::bytes).is_none();
                        if decoded && !rebuilt {
                            // `exec(payload)`: say where the decoded data came from.
                            let mut ev = call_text(&exec_name);
                            if let Some(b) = first
                                .filter(|f| f.kind_name() == "identifier")
                                .and_then(|f| names.lookup(scope, text(f, src)))
                                .filter(|b| b.value.decoded())
                            {
                                ev.push_str(&format!(
                                    " ({} holds decoded data from line {})",
                                    text(first.unwrap_or(a), src),
                                    b.line
                                ));
                            }
                            // `exec(compile(x, …))` is one finding, not one per call.
                            if sig.exec_decoded.last().is_none_or(|l| l.0 != line) {
                                sig.exec_decoded.push((line, in_fn, ev));
                            }
                            if let Some(code) = code {
                                push_nested(&mut sig, line, code);
                            }
                            for s in strings_within(a, src) {
                                let compact: String =
                                    s.chars().filter(|c| !c.is_whitespace()).collect();
                                if compact.len() >= 16 {
                                    if let Ok(bytes) =
                                        base64::engine::general_purpose::STANDARD.decode(&compact)
                                    {
                                        if let Ok(code) = String::from_utf8(bytes) {
                                            push_nested(&mut sig, line, code);
                                        }
                                    }
                                }
                            }
                        } else {
                            // A sum of many string pieces the name table could not fold
                            // (past its step bound) is built code all the same.
                            let built = value.as_ref().is_some_and(Value::built)
                                || (value.is_none()
                                    && first.and_then(|f| pieces_past_bound(f, src)).is_some());
                            // `exec(d)`, `exec(r.text)`, `exec(s.recv(4096))` of a name bound
                            // to what a network call returned.
                            let fetched = first
                                .is_some_and(|f| fetches(f, src, &names, scope, &sig.downloaded));
                            let why = if fetched {
                                Some("downloaded code")
                            } else {
                                // At module level, a value this file does not show (an
                                // imported name, a function's result, `__doc__`) is never
                                // clean.
                                // `timeit(fn)` times a callable: only its strings are code.
                                let unseen = !in_fn
                                    && !exec_name.starts_with("timeit.")
                                    && value.as_ref().is_none_or(|v| matches!(v, Value::Name(_)));
                                first.and_then(|f| {
                                    outside_code(
                                        f,
                                        built,
                                        unseen,
                                        src,
                                        &names,
                                        scope,
                                        &sig.data_vars,
                                    )
                                })
                            };
                            // Code whose source is not shown, or is read back from the file
                            // itself: the file's own texts are what may run.
                            if !in_fn && sig.unseen_exec.is_none() {
                                let t = first.map_or("", |f| text(f, src));
                                // The file itself, not a file beside it
                                // (`os.path.join(os.path.dirname(__file__), 'version.py')`).
                                let beside = ["dirname", ".parent", "join(", "replace(", "/"]
                                    .iter()
                                    .any(|w| t.contains(w));
                                let own = ["linecache", "getsource", "__loader__"]
                                    .iter()
                                    .any(|w| t.contains(w))
                                    || (t.contains("__file__") && !beside);
                                if own || why == Some(CODE_UNSEEN) {
                                    sig.unseen_exec = Some((line, own));
                                }
                            }
                            // `exec(compile(f.read(), …))` is one finding, not one per call.
                            let repeated = sig
                                .exec_computed
                                .last()
                                .is_some_and(|l| l.0 == line && Some(l.2) == why);
                            if let Some(why) = why.filter(|_| !repeated) {
                                if sig.exec_computed.len() < 64 {
                                    sig.exec_computed.push((
                                        line,
                                        in_fn,
                                        why,
                                        call_text(&exec_name),
                                    ));
                                }
                            }
                            if let Some(code) = code {
                                push_nested(&mut sig, line, code);
                            } else if let Some(code) = first
                                .filter(|_| value.as_ref().is_none_or(|v| !v.built()))
                                .and_then(|f| {
                                    names.partial(f, src, scope, &|id| {
                                        sig.partial_code.get(id).cloned()
                                    })
                                })
                            {
                                let code = if exec_name.starts_with("doctest.") {
                                    doctest_source(&String::from_utf8_lossy(&code))
                                } else {
                                    String::from_utf8_lossy(&code).into_owned()
                                };
                                push_partial(&mut sig, line, code);
                            }
                        }
                    }
                }
                // `L.append(os.system)`, `D.update(r=os.system)`: the container holds it now.
                if let Some(m) = names.mutate(n, src, scope) {
                    after.push(m);
                }
                // `setattr(builtins, 'x', os.system)` makes `x` a builtin everywhere.
                if pick(&|n: &str| n == "setattr").is_some() {
                    if let Some(a) = args {
                        if let (Some(o), Some(k), Some(v)) =
                            (positional(a, 0), positional(a, 1), positional(a, 2))
                        {
                            let target = names.eval(o, src, scope);
                            if matches!(&target, Some(Value::Name(t)) if &**t == "builtins") {
                                if let (Some(k), Some(v)) =
                                    (string_value(k, src), names.eval(v, src, scope))
                                {
                                    after.push((k, v));
                                }
                            } else if let Some(b) = string_value(k, src)
                                .and_then(|k| names.set_attribute(o, &k, v, src, scope))
                            {
                                // `setattr(C, 'f', staticmethod(os.system))`: `C.f` reads it.
                                after.push(b);
                            }
                        }
                    }
                }
                // `runpy.run_path('/tmp/x.py')`: a file's code, judged like exec of its text.
                // `open(os.path.join(site.getsitepackages()[0], 'x.pth'), 'w')`: a file that
                // runs at every interpreter start, planted outside what the installer records.
                for spelled in [Some(&name), resolved.as_ref()].into_iter().flatten() {
                    let Some(p) = written_path(n, spelled, src, &names, scope) else {
                        continue;
                    };
                    let spelling =
                        persist::path_spelling(p, src, &names, scope, &sig.path_spellings);
                    if let Some(what) = startup_target(p, src, &spelling, &sig.startup_paths) {
                        if sig.startup_writes.len() < 64 {
                            sig.startup_writes
                                .push((line, in_fn, what, short(text(n, src))));
                        }
                        break;
                    }
                }
                // `winreg.SetValueEx(k, …)` on a key opened on `…\CurrentVersion\Run`.
                if persist::registry_run_write(
                    n,
                    [name.as_str(), resolved.as_deref().unwrap_or("")],
                    src,
                    &names,
                    scope,
                    &sig.path_spellings,
                    &sig.run_keys,
                ) && sig.startup_writes.len() < 64
                {
                    sig.startup_writes
                        .push((line, in_fn, PERSISTENCE, short(text(n, src))));
                }
                // `open(d + '/m.py', 'w').write(CODE)`, `Path(P).write_text(CODE)`: Python
                // source written to a `.py` file (then imported from a temporary folder put on
                // `sys.path`) is analysed as code of its own.
                if let Some(code) =
                    written_source(n, src, &names, scope, &sig.path_texts, &sig.write_handles)
                {
                    push_nested(&mut sig, line, code);
                }
                // `urlretrieve(url, P)`, `open(P, 'wb').write(r.content)`: a file now holds
                // downloaded bytes; running it later is a dropper.
                if let Some(a) = args {
                    let spelled = [name.as_str(), resolved.as_deref().unwrap_or("")];
                    let handles = &sig.write_handles;
                    if let Some(key) =
                        dropped_file(n, spelled, a, src, &names, scope, &sig.downloaded, handles)
                    {
                        if sig.dropped.len() < MAX_DROPPED {
                            sig.dropped.push(Dropped {
                                global: global_key(&key, n, src, &mut sig.local_names),
                                key,
                                dir: false,
                                func: owned(&func),
                                line,
                            });
                        }
                    }
                    // `scp ~/.ssh/id_rsa u@host:`, `rsync -a ~/.aws host:d`, `git ls-remote
                    // https://TOKEN@host/x`: a program that copies to another host reaches
                    // the network (with a credential beside it, a stealer).
                    if pick(&is_process).is_some()
                        && argv_words(a, src, &names, scope).is_some_and(|c| uploads(&c))
                        && sig.network.len() < 256
                    {
                        sig.network.push((line, in_fn, short(text(n, src))));
                    }
                    // `run(['curl', URL, '-o', P])`, `['wget', '-O', P, URL]`: a downloader
                    // program reaches the network, and its output file holds downloaded bytes.
                    if pick(&is_process).is_some() {
                        if let Some(out) = downloader_argv(a, src) {
                            if sig.network.len() < 256 {
                                sig.network.push((line, in_fn, short(text(n, src))));
                            }
                            if let Some(who) =
                                carries_identity(a, src, &names, scope, &sig.identity_vars, false)
                                    .filter(|_| sig.identity.len() < 64)
                            {
                                sig.identity.push((
                                    line,
                                    in_fn,
                                    format!("{who}, sent by {}", short(text(n, src))),
                                ));
                            }
                            let file = out.file.and_then(|p| path_key(p, src, &names, scope));
                            // `wget -P /tmp URL`: a file in the folder holds downloaded bytes.
                            let folder = match out.folder {
                                Some(drop::FolderArg::Node(d)) => path_key(d, src, &names, scope),
                                Some(drop::FolderArg::Text(d)) if !d.is_empty() => {
                                    Some(format!("={d}"))
                                }
                                _ => None,
                            };
                            let keys = file
                                .map(|k| (k, false))
                                .into_iter()
                                .chain(folder.map(|k| (k, true)));
                            for (key, dir) in keys {
                                if sig.dropped.len() < MAX_DROPPED {
                                    sig.dropped.push(Dropped {
                                        global: global_key(&key, n, src, &mut sig.local_names),
                                        key,
                                        dir,
                                        func: owned(&func),
                                        line,
                                    });
                                }
                            }
                        }
                    }
                    if pick(&|n: &str| n == "os.chmod").is_some() {
                        if let Some(key) =
                            positional(a, 0).and_then(|p| path_key(p, src, &names, scope))
                        {
                            if sig.executable.len() < MAX_DROPPED {
                                sig.executable.push((key, owned(&func), line));
                            }
                        }
                    }
                    // `os.startfile(P)`, `ShellExecuteW(None, 'open', P, …)`, `ctypes.CDLL(P)`:
                    // the file runs (a library's initialisers do).
                    if let Some(rname) = pick(&|n: &str| drop::file_runner(n).is_some()) {
                        let keys: Vec<String> = drop::file_runner(&rname)
                            .and_then(|at| positional(a, at))
                            .and_then(|p| path_key(p, src, &names, scope))
                            .into_iter()
                            .collect();
                        let global = global_keys(&keys, n, src, &mut sig.local_names);
                        record_run(
                            &mut sig,
                            keys,
                            global,
                            call_text(&rname),
                            &owned(&func),
                            line,
                            in_fn,
                        );
                    }
                    // Native code put into executable memory (`VirtualAlloc(…, 0x40)`,
                    // `VirtualProtect` to an executable page, `CreateRemoteThread`,
                    // `mmap(…, PROT_EXEC)`), the first step of running shellcode from bytes.
                    if let Some(rname) = pick(&|n: &str| {
                        let last = n.rsplit('.').next().unwrap_or(n);
                        matches!(
                            last,
                            "VirtualAlloc"
                                | "VirtualAllocEx"
                                | "VirtualProtect"
                                | "VirtualProtectEx"
                                | "CreateRemoteThread"
                                | "NtAllocateVirtualMemory"
                        ) || n == "mmap.mmap"
                    }) {
                        let args_text = text(a, src);
                        let executable = rname.ends_with("CreateRemoteThread")
                            || ["PROT_EXEC", "PAGE_EXECUTE", "0x40", "0x20", "0x10"]
                                .iter()
                                .any(|w| args_text.contains(w))
                            || (!rname.starts_with("mmap")
                                && positional(a, 3)
                                    .is_some_and(|p| matches!(text(p, src), "64" | "32" | "16")));
                        if executable && sig.shellcode.len() < 64 {
                            sig.shellcode.push((
                                line,
                                in_fn,
                                format!(
                                    "{} (native code placed in executable memory: shellcode)",
                                    call_text(&rname)
                                ),
                            ));
                        }
                    }
                    // `zipfile.ZipFile(P).extractall(D)` of a downloaded `P`: the files in
                    // `D` hold downloaded data.
                    if let Some((archive, folder)) = extracted(
                        n,
                        spelled,
                        a,
                        src,
                        &names,
                        scope,
                        &sig.archives,
                        &sig.downloaded,
                    ) {
                        let reaches =
                            |f: &Option<String>| f.is_none() || f.as_deref() == func.as_deref();
                        let downloaded = archive.is_none_or(|k| {
                            sig.dropped.iter().any(|d| reaches(&d.func) && d.holds(&k))
                        });
                        if let Some(key) = path_key(folder, src, &names, scope)
                            .filter(|_| downloaded && sig.dropped.len() < MAX_DROPPED)
                        {
                            sig.dropped.push(Dropped {
                                global: global_key(&key, n, src, &mut sig.local_names),
                                key,
                                dir: true,
                                func: owned(&func),
                                line,
                            });
                        }
                    }
                    // `sys.path.insert(0, '/tmp')`: a later import may load a file downloaded
                    // there.
                    if let Some(pn) = pick(&|n: &str| {
                        matches!(n, "sys.path.insert" | "sys.path.append" | "site.addsitedir")
                    }) {
                        if let Some(key) = drop::path_folder(&pn, a)
                            .and_then(|d| path_key(d, src, &names, scope))
                            .filter(|_| sig.import_dirs.len() < MAX_DROPPED)
                        {
                            sig.import_dirs.push((key, owned(&func)));
                        }
                    }
                    // `importlib.import_module('xmod')` after that.
                    if !sig.import_dirs.is_empty() {
                        if let Some(iname) =
                            pick(&|n: &str| matches!(n, "importlib.import_module" | "__import__"))
                        {
                            let module = positional(a, 0)
                                .and_then(|m| names.eval(m, src, scope))
                                .and_then(|v| {
                                    v.bytes().map(|b| String::from_utf8_lossy(b).into_owned())
                                })
                                .and_then(|m| m.split('.').next().map(str::to_string))
                                .filter(|m| !m.is_empty());
                            if let Some(module) = module {
                                record_import(
                                    &mut sig,
                                    &module,
                                    call_text(&iname),
                                    &owned(&func),
                                    line,
                                    in_fn,
                                );
                            }
                        }
                    }
                }
                // `os.environ.setdefault('PYTHONBREAKPOINT', 'os.system')`, `os.putenv(…)`,
                // `os.environ.update(PYTHONBREAKPOINT=…)`: what `breakpoint(…)` calls.
                if let Some(env) = pick(&|n: &str| {
                    matches!(
                        n,
                        "os.environ.setdefault" | "os.putenv" | "os.environ.update"
                    )
                }) {
                    let value = args.and_then(|a| {
                        if env == "os.environ.update" {
                            keyword(a, src, "PYTHONBREAKPOINT")
                        } else {
                            positional(a, 0)
                                .and_then(|k| string_value(k, src))
                                .filter(|k| k == "PYTHONBREAKPOINT")
                                .and_then(|_| positional(a, 1))
                        }
                    });
                    if let Some(hook) = value.and_then(|v| env_hook(v, src, &names, scope)) {
                        after.push(("breakpoint".to_string(), hook));
                    }
                }
                // `pkgutil.resolve_name(x)`, `pydoc.locate(x)`, `EntryPoint(value=x, …)` of a
                // computed `x` at the top level: which callable runs is decided elsewhere (a
                // constant name is resolved by the name table and judged as a direct call).
                if !in_fn {
                    let target =
                        if pick(&|n: &str| matches!(n, "pkgutil.resolve_name" | "pydoc.locate"))
                            .is_some()
                        {
                            args.and_then(|a| positional(a, 0).or_else(|| keyword(a, src, "name")))
                        } else if pick(&|n: &str| n.ends_with("metadata.EntryPoint")).is_some() {
                            args.and_then(|a| keyword(a, src, "value").or_else(|| positional(a, 1)))
                        } else {
                            None
                        };
                    let constant = |t: tree_sitter::Node<'_>| {
                        names
                            .eval(t, src, scope)
                            .is_some_and(|v| v.bytes().is_some())
                    };
                    if let Some(t) = target.filter(|t| !constant(*t)) {
                        if sig.exec_computed.len() < 64 {
                            sig.exec_computed.push((
                                line,
                                in_fn,
                                NAMED_COMPUTED,
                                format!(
                                    "{} ({} is computed)",
                                    short(text(n, src)),
                                    short(text(t, src))
                                ),
                            ));
                        }
                    }
                }
                if let Some(module) = fnode
                    .filter(|f| f.kind_name() == "call")
                    .and_then(|f| computed_pick(f, src, &names, scope))
                {
                    if sig.exec_computed.len() < 64 {
                        sig.exec_computed.push((
                            line,
                            in_fn,
                            PICKED_COMPUTED,
                            format!("{} (a callable of {module})", short(text(n, src))),
                        ));
                    }
                }
                // `runpy.run_path('helpers.dat')` runs a file that is no module of the package.
                if let Some(rname) = pick(&|n: &str| n.starts_with("runpy.")) {
                    if rname == "runpy.run_path" {
                        if let Some(path) = args
                            .and_then(|a| positional(a, 0).or_else(|| keyword(a, src, "path_name")))
                            .and_then(|p| {
                                persist::shipped_path(&persist::path_spelling(
                                    p,
                                    src,
                                    &names,
                                    scope,
                                    &sig.path_spellings,
                                ))
                            })
                        {
                            push_ran_code(&mut sig, line, in_fn, path, short(text(n, src)));
                        }
                    }
                    if let Some(why) = args.and_then(|a| positional(a, 0)).and_then(|f| {
                        if rname == "runpy.run_path" {
                            code_file(f, src, &names, scope)
                        } else {
                            outside_path(f, src, &names, scope)
                        }
                    }) {
                        if sig.exec_computed.len() < 64 {
                            sig.exec_computed
                                .push((line, in_fn, why, call_text(&rname)));
                        }
                    }
                }
                // `spec.loader.exec_module(m)` / `loader.load_module()` of a module made from a
                // file outside the package runs that file, as `runpy.run_path` does.
                if let Some(f) = fnode.filter(|f| f.kind_name() == "attribute") {
                    let method = field(f, F::Attribute).map(|a| text(a, src));
                    if matches!(method, Some("exec_module" | "load_module")) {
                        let why = field(f, F::Object)
                            .and_then(|o| outside_spec(o, src, &names, scope, &sig.outside_specs))
                            .or_else(|| {
                                args.and_then(|a| positional(a, 0)).and_then(|m| {
                                    outside_spec(m, src, &names, scope, &sig.outside_specs)
                                })
                            });
                        if let Some(why) = why.filter(|_| sig.exec_computed.len() < 64) {
                            sig.exec_computed
                                .push((line, in_fn, why, short(text(n, src))));
                        }
                    }
                }
                // `pickle.loads(b'…')` / `pickle.loads(base64.b64decode('…'))`: the pickle is
                // analysed as one; unpickling decoded data is hidden code like exec of it.
                if let Some(uname) = pick(&is_unpickle) {
                    if let Some(first) = args.and_then(|a| positional(a, 0)) {
                        let value = names.eval(first, src, scope);
                        // Libraries unpickle decoded data in functions all the time (caches,
                        // datasets); at module level nothing asked for it.
                        if !in_fn && value.as_ref().is_some_and(Value::decoded) {
                            sig.exec_decoded.push((line, in_fn, call_text(&uname)));
                        }
                        // `pickle.loads(PICKLE + bytes())`: the constant pieces, as for exec.
                        let partial = value
                            .as_ref()
                            .is_none_or(|v| v.bytes().is_none() && !v.built())
                            .then(|| {
                                names.partial(first, src, scope, &|id| {
                                    sig.partial_code.get(id).cloned()
                                })
                            })
                            .flatten();
                        let known = value.as_ref().and_then(Value::bytes);
                        let pieces = known
                            .map(|b| (b, false))
                            .or(partial.as_deref().map(|b| (b, true)));
                        if let Some((b, partly)) = pieces.filter(|(b, _)| {
                            matches!(crate::formats::sniff(b), crate::formats::Format::Pickle(_))
                        }) {
                            if sig.pickles.len() < MAX_NESTED {
                                sig.pickles.push((line, b.to_vec(), partly));
                            }
                        }
                    }
                }
                // A callable handed to a function that calls it: `atexit.register(os.system,
                // …)`, `Thread(target=os.system)`, `map(os.system, …)`, `partial(…)`.
                for (callee, rest) in args
                    .map(|a| invoked(&name, resolved.as_deref(), a, src))
                    .unwrap_or_default()
                    .into_iter()
                    .chain(applied_lambda(n, src))
                {
                    let cname = names
                        .resolve(callee, src, scope)
                        .unwrap_or_else(|| dotted(callee, src));
                    if !in_fn && sig.called_at_load.len() < MAX_CALLED {
                        sig.called_at_load.insert(callable_key(callee, src));
                        sig.called_at_load.insert(cname.clone());
                    }
                    let ev = || format!("{} (calls {cname})", short(text(n, src)));
                    // A command line, not an argv list: a string handed on (to a call that
                    // is not argv-style), a shell argv (`['sh', '-c', …]`), or `shell=True`.
                    let shell_line = rest.iter().any(|r| {
                        (matches!(r.kind_name(), "string" | "concatenated_string")
                            && !argv_style(&cname)
                            && command_prefix(*r, src, &names, scope)
                                .is_some_and(|p| string_starts_shell(&p)))
                            || shell_list(*r, src)
                            || matches!(r.kind_name(), "tuple" | "list")
                                && r.named_child(0).is_some_and(|x| shell_list(x, src))
                    }) || args.is_some_and(|a| shell_keyword(a, src));
                    if is_process(&cname) && (always_shell(&cname) || shell_line) {
                        sig.shell.push((line, in_fn, ev()));
                    } else if is_exec(&cname) || is_unpickle(&cname) {
                        let decoded = rest.iter().any(|r| {
                            names.eval(*r, src, scope).is_some_and(|v| v.decoded())
                                || calls_within(*r, src, &names, scope)
                                    .iter()
                                    .any(|c| is_decoder(c))
                        });
                        if decoded {
                            sig.exec_decoded.push((line, in_fn, ev()));
                        }
                        // `map(exec, [CODE])`, `(lambda f, s: f(s))(exec, CODE)`: constant
                        // code is analysed as Python, as for a direct `exec(CODE)`.
                        if is_exec(&cname) {
                            for r in &rest {
                                let value = names.eval(*r, src, scope);
                                if let Some(code) = value
                                    .as_ref()
                                    .and_then(Value::bytes)
                                    .and_then(|b| std::str::from_utf8(b).ok())
                                    .filter(|c| c.contains('('))
                                {
                                    push_nested(&mut sig, line, code.to_string());
                                } else if !in_fn && value.as_ref().and_then(Value::bytes).is_none()
                                {
                                    // `map(exec, [CODE])`, `map(exec, CODES)`: items the name
                                    // table does not fold; the file's texts may be them.
                                    sig.unseen_exec.get_or_insert((line, false));
                                    if sig.exec_computed.len() < 64 {
                                        sig.exec_computed.push((line, in_fn, CODE_UNSEEN, ev()));
                                    }
                                }
                            }
                        }
                    } else if is_network(&cname) {
                        sig.network.push((line, in_fn, ev()));
                    }
                }
                // PyArmor's loader (`__pyarmor__(__name__, __file__, b'PY…')`): the module's
                // code is encrypted and run by a native runtime; none of it can be read.
                if let Some(pname) = pick(&|n: &str| {
                    n.rsplit('.')
                        .next()
                        .is_some_and(|l| l.starts_with("__pyarmor") && l.ends_with("__"))
                }) {
                    if sig.encrypted.len() < 16 {
                        sig.encrypted.push((line, in_fn, call_text(&pname)));
                    }
                }
                if let Some(iname) = pick(&interactive_interpreter) {
                    sig.shell.push((line, in_fn, call_text(&iname)));
                }
                let spawned = command_spawn(&name, args, src).then(|| name.clone());
                if let Some(pname) = pick(&is_process).or(spawned) {
                    if let Some(m) = args
                        .filter(|_| sig.miner_runs.len() < 16)
                        .and_then(|a| miner_argument(a, src, &names, scope))
                    {
                        sig.miner_runs.push((line, short(text(n, src)), m));
                    }
                    // `run(['crontab', '-'], input=…)`, `systemctl --user enable x.service`,
                    // `['tee', '-a', rc]`, `sh -c 'echo … >> ~/.bashrc'`: installing a
                    // schedule, a service or a login file is persistence, with or without a
                    // shell.
                    let cmds = args
                        .map(|a| {
                            persist::process_commands(
                                a,
                                &pname,
                                src,
                                &names,
                                scope,
                                &sig.path_spellings,
                            )
                        })
                        .unwrap_or_default();
                    if persist::process_persists(&cmds) && sig.startup_writes.len() < 64 {
                        sig.startup_writes
                            .push((line, in_fn, PERSISTENCE, short(text(n, src))));
                    }
                    // `curl -d @~/.aws/credentials URL`, `env | curl -d @- URL`, `scp
                    // ~/.ssh/id_rsa host:`: a network client handed a secret sends it.
                    if let Some(what) = persist::sends_secret(&cmds) {
                        if !sig.network.iter().any(|x| x.0 == line) && sig.network.len() < 256 {
                            sig.network.push((line, in_fn, short(text(n, src))));
                        }
                        if sig.exfil.len() < 64 {
                            sig.exfil.push((line, what));
                        }
                    }
                    // `bash scripts/post.sh`, `[sys.executable, 'helper.py']`: a file of the
                    // package run by an interpreter, analysed as a script of it by the join.
                    for (interpreter, path) in persist::interpreted_files(&cmds) {
                        if sig.ran_files.len() < MAX_RAN_FILES {
                            sig.ran_files.push(RanFile {
                                line,
                                in_fn,
                                interpreter,
                                path,
                                evidence: short(text(n, src)),
                            });
                        }
                    }
                    let first = args.and_then(|a| a.named_child(0));
                    let shell_kw = args.is_some_and(|a| shell_keyword(a, src));
                    // A command string without `shell=True` is a program, not a command line
                    // (`check_output('nvidia-smi')`, `run('uname -a')` on Windows): a shell
                    // command only when it starts a shell with `-c` (`'sh -c …'`,
                    // `'cmd /c …'`). For argv-style calls (`os.execlp('git', …)`) the first
                    // string is a program.
                    let is_string = !argv_style(&pname)
                        && first.is_some_and(|f| {
                            matches!(
                                f.kind_name(),
                                "string" | "concatenated_string" | "binary_operator" | "identifier"
                            ) && !list_operand(f)
                                && command_prefix(f, src, &names, scope)
                                    .is_some_and(|p| string_starts_shell(&p))
                        });
                    // `pty.spawn('/bin/sh')`: an interactive shell on a terminal; so is a
                    // shell started with no script (`os.execv('/bin/sh', ['sh'])`).
                    let pty_shell = args.is_some_and(|a| {
                        interactive_shell(argv_style(&pname), pname.starts_with("os.spawn"), a, src)
                    }) || pname == "pty.spawn"
                        && first.is_some_and(|f| {
                            shell_list(f, src)
                                || string_value(f, src).is_some_and(|v| is_shell_program(&v))
                                || (matches!(f.kind_name(), "list" | "tuple")
                                    && f.named_child(0)
                                        .and_then(|x| string_value(x, src))
                                        .is_some_and(|v| is_shell_program(&v)))
                        });
                    // Running a file this code downloaded (`urlretrieve(url, p)`, then
                    // `subprocess.call([p])`): a dropper. `chmod +x P` makes it executable.
                    {
                        // `os.spawnv(mode, P, argv)` names the program second.
                        let spawn = pname.starts_with("os.spawn");
                        let program = args.and_then(|a| positional(a, usize::from(spawn)));
                        let nodes = program
                            .map(|p| program_nodes(p, src, &names, scope))
                            .unwrap_or_default();
                        let chmod = nodes.first().is_some_and(|p| {
                            command_prefix(*p, src, &names, scope)
                                .is_some_and(|c| c.trim() == "chmod" || c.starts_with("chmod "))
                        });
                        let keys: Vec<String> = if chmod {
                            // `['chmod', '+x', P]`, `'chmod +x ' + P`: the file is made
                            // executable, not run.
                            let a = args.and_then(|a| positional(a, 0));
                            let mut out: Vec<String> = a
                                .filter(|l| matches!(l.kind_name(), "list" | "tuple"))
                                .map(|l| {
                                    let mut c = l.walk();
                                    let items: Vec<_> = l.named_children(&mut c).take(8).collect();
                                    items
                                        .into_iter()
                                        .filter_map(|x| path_key(x, src, &names, scope))
                                        .collect()
                                })
                                .unwrap_or_default();
                            if let Some(r) = a
                                .filter(|b| b.kind_name() == "binary_operator")
                                .and_then(|b| field(b, F::Right))
                            {
                                out.extend(path_key(r, src, &names, scope));
                            }
                            for key in out {
                                if sig.executable.len() < MAX_DROPPED {
                                    sig.executable.push((key, owned(&func), line));
                                }
                            }
                            Vec::new()
                        } else {
                            nodes
                                .iter()
                                .filter_map(|p| path_key(*p, src, &names, scope))
                                .map(|k| command_program(&k))
                                .collect()
                        };
                        let global = global_keys(&keys, n, src, &mut sig.local_names);
                        record_run(
                            &mut sig,
                            keys,
                            global,
                            call_text(&pname),
                            &owned(&func),
                            line,
                            in_fn,
                        );
                    }
                    // `[sys.executable, '-m', 'pip', 'install', URL]`: installing at run time
                    // runs the build of whatever the server sends.
                    if let Some(from_url) = first
                        .filter(|f| matches!(f.kind_name(), "list" | "tuple"))
                        .and_then(|l| pip_install(&constant_items(l, src, &names, scope)))
                    {
                        if sig.pip_installs.len() < 64 {
                            sig.pip_installs
                                .push((line, in_fn, short(text(n, src)), from_url));
                        }
                    }
                    let arg_text = args.map(|a| text(a, src)).unwrap_or("");
                    // `gh auth token`, `git credential fill`: the output is a credential.
                    if let Some(cmd) = token_command(arg_text) {
                        if sig.credentials.len() < 64 {
                            sig.credentials
                                .push((line, in_fn, format!("the output of `{cmd}`")));
                        }
                    }
                    // `xclip -selection clipboard -o`: the clipboard, read as a secret.
                    if let Some(cmd) = clipboard_command(arg_text) {
                        if sig.secret_reads.len() < 64 {
                            sig.secret_reads.push((
                                line,
                                in_fn,
                                format!("the clipboard (`{cmd}`)"),
                            ));
                        }
                        if sig.clip_reads.len() < 16 {
                            sig.clip_reads.push((line, call_text(&pname)));
                        }
                    }
                    // `['sh', '-c', CMD]` anywhere in the arguments (`Popen(argv)`,
                    // `os.execvp('sh', ['sh', '-c', …])`) is a shell command line too.
                    let shell_argv = args.is_some_and(|a| {
                        let mut c = a.walk();
                        let found = a.named_children(&mut c).take(8).any(|x| shell_list(x, src));
                        found || shell_by_keyword(a, src)
                    });
                    if arg_text.contains("sys.executable") && arg_text.contains("DEVNULL") {
                        sig.hidden_spawn.push((line, in_fn, call_text(&pname)));
                    } else if is_string
                        || shell_kw
                        || shell_argv
                        || pty_shell
                        || always_shell(&pname)
                        || args.is_some_and(|a| shell_args(a, src))
                    {
                        // `check_output('git rev-parse HEAD', shell=True)`, `os.popen(
                        // 'pkg-config --cflags %s' % lib)`: a command line that only asks a
                        // version-control or build tool a question.
                        let query = first.is_some_and(|f| {
                            known_command(f, src, &names, scope).is_some_and(|c| query_command(&c))
                        });
                        if query {
                            if sig.query_shell.len() < 64 {
                                sig.query_shell
                                    .push((line, short(&format!("{}(…)", call_text(&pname)))));
                            }
                        } else {
                            sig.shell.push((line, in_fn, call_text(&pname)));
                        }
                    }
                    // `python -c CODE`: the code is analysed too, also when it is a name or
                    // decoded data.
                    if arg_text.contains("sys.executable") || python_argv(arg_text) {
                        if let Some(a) = args {
                            for s in strings_within(a, src) {
                                if s.contains('(') {
                                    push_nested(&mut sig, line, s);
                                }
                            }
                            if let Some(list) =
                                first.filter(|f| matches!(f.kind_name(), "list" | "tuple"))
                            {
                                let mut c = list.walk();
                                let items: Vec<_> = list.named_children(&mut c).take(64).collect();
                                for item in items.into_iter().filter(|i| i.kind_name() != "string")
                                {
                                    if let Some(code) = names
                                        .eval(item, src, scope)
                                        .as_ref()
                                        .and_then(Value::bytes)
                                        .and_then(|b| std::str::from_utf8(b).ok())
                                        .filter(|s| s.contains('('))
                                    {
                                        push_nested(&mut sig, line, code.to_string());
                                    }
                                }
                            }
                        }
                    }
                }
                if !in_fn
                    && matches!(
                        name.as_str(),
                        "argparse.ArgumentParser"
                            | "ArgumentParser"
                            | "optparse.OptionParser"
                            | "OptionParser"
                            | "getopt.getopt"
                    )
                {
                    sig.script = true;
                }
                // `setup()` at module level of a `def setup(): global f; f = os.system`: the
                // assignment happens now.
                if !in_fn && scope == names::MODULE && !writes_globals.is_empty() {
                    if let Some(w) = fnode
                        .filter(|f| f.kind_name() == "identifier")
                        .and_then(|f| writes_globals.get(text(f, src)))
                    {
                        for (g, value) in w {
                            let v = names.eval(*value, src, scope).unwrap_or(Value::Opaque);
                            after.push((g.clone(), v));
                        }
                    }
                }
                // `for f in HOOKS: f()`, `REG['x']()`, `REG.get('x')()`: the entries of a
                // registry run here; which ones is settled once the module is walked.
                if !registered.is_empty() && registry_calls.len() < MAX_CALLED {
                    if let Some(c) = fnode.and_then(|f| registry_called(f, src)) {
                        registry_calls.push((owned(&func).filter(|_| in_fn), c));
                    }
                }
                // `HOOKS.append(f)` at module level registers `f` as a decorator would.
                if !in_fn && func.is_none() && registered.len() < MAX_CALLED {
                    if let Some((c, f)) = fnode
                        .zip(args)
                        .and_then(|(f, a)| stored_in_container(f, a, src))
                    {
                        registered.push((c.to_string(), f.to_string()));
                    }
                }
                // Who calls whom, for the functions a module-level call reaches in turn.
                if let Some(f) = func.as_ref().filter(|_| in_fn) {
                    if sig.calls_total < MAX_CALL_EDGES {
                        // `super().m()` in a method of `K` calls `m` of `K`'s bases (each
                        // named: which one defines it is the join's and `close_calls`' to
                        // find).
                        let inherited: Vec<String> =
                            match (name.strip_prefix("super()."), f.split_once('.')) {
                                (Some(m), Some((k, _))) if !m.contains(['(', '.']) => sig
                                    .class_bases
                                    .get(k)
                                    .into_iter()
                                    .flatten()
                                    .map(|b| format!("{b}.{m}"))
                                    .collect(),
                                _ => Vec::new(),
                            };
                        let callees = sig.calls_in.entry(f.to_string()).or_default();
                        for c in [Some(&name), resolved.as_ref()]
                            .into_iter()
                            .flatten()
                            .chain(&inherited)
                        {
                            if !c.is_empty() && !callees.contains(c) {
                                callees.insert(c.clone());
                                sig.calls_total += 1;
                            }
                        }
                    }
                }
                if !in_fn {
                    // A callee computed by a call the names resolve (`getattr(import_module(
                    // 'pkg.core'), 'init')()`): only its resolved name counts.
                    let computed = fnode.is_some_and(|f| f.kind_name() == "call");
                    // `sys.meta_path.insert(0, Finder())`: the finder's methods run on every
                    // later import ([`registry_methods`]).
                    let registry = [Some(&name), resolved.as_ref()]
                        .into_iter()
                        .flatten()
                        .map(|n| registry_methods(n))
                        .find(|m| !m.is_empty())
                        .unwrap_or(&[]);
                    if let Some(a) = args.filter(|_| !registry.is_empty()) {
                        let mut c = a.walk();
                        let items: Vec<_> = a.named_children(&mut c).take(8).collect();
                        for item in items {
                            // A path hook or a finder class handed as itself is called too.
                            if matches!(item.kind_name(), "identifier" | "attribute" | "lambda")
                                && sig.called_at_load.len() < MAX_CALLED
                            {
                                sig.called_at_load.insert(callable_key(item, src));
                            }
                            let class = match item.kind_name() {
                                "call" => field(item, F::Function)
                                    .filter(|f| matches!(f.kind_name(), "identifier" | "attribute"))
                                    .map(|f| dotted(f, src)),
                                "identifier" | "attribute" => Some(
                                    names
                                        .resolve(item, src, scope)
                                        .map(|r| r.trim_end_matches("()").to_string())
                                        .unwrap_or_else(|| dotted(item, src)),
                                ),
                                _ => None,
                            };
                            if let Some(k) = class {
                                for m in registry {
                                    if sig.called_at_load.len() < MAX_CALLED {
                                        sig.called_at_load.insert(format!("{k}.{m}"));
                                    }
                                }
                            }
                        }
                    }
                    // In a class body, which runs when the class statement does, a bare name
                    // is the class's own function (`X = r()`, `r.__func__()` of a
                    // staticmethod): `C.r` (tester t18 g16, g17).
                    let class_body = func.as_deref().filter(|c| c.ends_with('.'));
                    if let (Some(class), Some(f)) = (class_body, fnode) {
                        let local = match f.kind_name() {
                            "identifier" => Some(text(f, src)),
                            "attribute" => field(f, F::Object)
                                .filter(|o| o.kind_name() == "identifier")
                                .filter(|_| {
                                    field(f, F::Attribute)
                                        .is_some_and(|a| text(a, src) == "__func__")
                                })
                                .map(|o| text(o, src)),
                            _ => None,
                        };
                        if let Some(l) = local.filter(|_| sig.called_at_load.len() < MAX_CALLED) {
                            sig.called_at_load.insert(format!("{class}{l}"));
                        }
                    }
                    if fnode.is_some_and(|f| {
                        matches!(
                            f.kind_name(),
                            "identifier" | "attribute" | "subscript" | "call"
                        )
                    }) {
                        // A function, or a class whose construction runs `__new__`/`__init__`
                        // (and `__set_name__` when made in a class body).
                        let own = (!computed).then_some(&name);
                        // `c.go()` after `c = C()` runs `C.go` (`c.start()` a thread's run).
                        let method = name.split_once('.').and_then(|(v, rest)| {
                            let k = instances.get(v).filter(|_| !computed)?;
                            Some(format!("{k}.{rest}"))
                        });
                        for n in [own, resolved.as_ref(), method.as_ref()]
                            .into_iter()
                            .flatten()
                        {
                            // `K().go()` runs `K.go`.
                            let n = n.replace("().", ".");
                            if sig.called_at_load.len() < MAX_CALLED {
                                for suffix in [
                                    "",
                                    ".__new__",
                                    ".__init__",
                                    ".__set_name__",
                                    ".__enter__",
                                    ".__exit__",
                                ] {
                                    sig.called_at_load.insert(format!("{n}{suffix}"));
                                }
                            }
                        }
                    }
                    // `type('X', (B,), ns)` makes a class as a class statement does: each
                    // base's `__init_subclass__` runs.
                    let builtin_type = [Some(&name), resolved.as_ref()]
                        .into_iter()
                        .flatten()
                        .any(|n| matches!(n.as_str(), "type" | "builtins.type"));
                    if let Some(bases) = args
                        .filter(|_| builtin_type)
                        .and_then(|a| a.named_child(1))
                        .filter(|b| b.kind_name() == "tuple")
                    {
                        let mut c = bases.walk();
                        let items: Vec<_> = bases.named_children(&mut c).take(64).collect();
                        for b in items
                            .into_iter()
                            .filter(|b| matches!(b.kind_name(), "identifier" | "attribute"))
                        {
                            if sig.called_at_load.len() >= MAX_CALLED {
                                break;
                            }
                            let spelled = dotted(b, src);
                            sig.called_at_load
                                .insert(format!("{spelled}.__init_subclass__"));
                            if let Some(r) = names.resolve(b, src, scope) {
                                sig.called_at_load.insert(format!("{r}.__init_subclass__"));
                            }
                        }
                    }
                    // `type('X', (), {'__init__': lambda self: …})()`: the namespace's
                    // methods are the class's; its protocol methods run as its instances are
                    // made and used, so each one named like one is marked (as a class
                    // statement's `__init__` is when the class is called).
                    if let Some(ns) = args
                        .filter(|_| builtin_type)
                        .and_then(|a| a.named_child(2))
                        .filter(|d| d.kind_name() == "dictionary")
                    {
                        let mut c = ns.walk();
                        let pairs: Vec<_> = ns.named_children(&mut c).take(64).collect();
                        for p in pairs.into_iter().filter(|p| p.kind_name() == "pair") {
                            let dunder = field(p, F::Key)
                                .and_then(|k| string_value(k, src))
                                .is_some_and(|k| k.starts_with("__") && k.ends_with("__"));
                            if let Some(v) = field(p, F::Value).filter(|v| {
                                dunder
                                    && matches!(
                                        v.kind_name(),
                                        "lambda" | "identifier" | "attribute"
                                    )
                            }) {
                                if sig.called_at_load.len() < MAX_CALLED {
                                    sig.called_at_load.insert(callable_key(v, src));
                                }
                            }
                        }
                    }
                    // `K()()` calls the instance: `K.__call__` runs.
                    if let Some(inner) = fnode
                        .filter(|f| f.kind_name() == "call")
                        .and_then(|f| field(f, F::Function))
                        .filter(|f| matches!(f.kind_name(), "identifier" | "attribute"))
                    {
                        if sig.called_at_load.len() < MAX_CALLED {
                            let k = dotted(inner, src);
                            sig.called_at_load.insert(format!("{k}.__call__"));
                            if let Some(r) = names.resolve(inner, src, scope) {
                                sig.called_at_load.insert(format!("{r}.__call__"));
                            }
                        }
                    }
                    if pick(&|x: &str| x.ends_with("Thread")).is_some() {
                        if let Some(v) = args.and_then(|a| keyword(a, src, "target")) {
                            sig.called_at_load.insert(text(v, src).to_string());
                            // `Thread(target=_t.run)` after `from . import _t`: `._t.run`,
                            // for the check that joins a package's modules.
                            if let Some(r) = names.resolve(v, src, scope) {
                                sig.called_at_load.insert(r);
                            }
                        }
                    }
                    // `functools.partial(f, 1)()` calls `f`.
                    if let Some(inner) = fnode.filter(|f| f.kind_name() == "call") {
                        let partial = field(inner, F::Function).is_some_and(|g| {
                            let d = dotted(g, src);
                            let r = names.resolve(g, src, scope).unwrap_or_default();
                            [d.as_str(), r.as_str()]
                                .iter()
                                .any(|c| matches!(*c, "functools.partial" | "partial"))
                        });
                        let target = field(inner, F::Arguments)
                            .and_then(|a| positional(a, 0))
                            .filter(|t| matches!(t.kind_name(), "identifier" | "attribute"));
                        if let (true, Some(t)) = (partial, target) {
                            if sig.called_at_load.len() < MAX_CALLED {
                                sig.called_at_load.insert(dotted(t, src));
                            }
                        }
                    }
                }
                // `smtplib.SMTP()` / `ftplib.FTP()` connect in the constructor only when given
                // a host.
                let hostless = |n: &str| {
                    let last = n.rsplit('.').next();
                    // A logging handler to the local syslog (`address='/dev/log'`, the
                    // default `('localhost', 514)`) sends nothing off the machine.
                    let local_log = matches!(last, Some("SysLogHandler"))
                        && args.is_none_or(|a| {
                            match positional(a, 0).or_else(|| keyword(a, src, "address")) {
                                None => true,
                                Some(v) => {
                                    let t = text(v, src);
                                    let q = t.trim_start_matches(['(', '[', ' ']);
                                    q.starts_with(['\'', '"'])
                                        && (q[1..].starts_with('/')
                                            || q[1..].starts_with("localhost")
                                            || q[1..].starts_with("127.0.0.1"))
                                }
                            }
                        });
                    // A connection to this machine (`connect_ex(('127.0.0.1', port))`,
                    // `urlopen('http://localhost:8080/health')`, a Unix socket path) is no
                    // egress.
                    let local_target = args
                        .and_then(|a| {
                            positional(a, 0)
                                .or_else(|| keyword(a, src, "url"))
                                .or_else(|| keyword(a, src, "address"))
                        })
                        .and_then(|v| match v.kind_name() {
                            "tuple" => v.named_child(0),
                            _ => Some(v),
                        })
                        .and_then(|v| string_value(v, src))
                        .is_some_and(|t| {
                            local_address(&t)
                                || (matches!(last, Some("connect" | "connect_ex"))
                                    && (t.starts_with('/') || t.starts_with('\0')))
                        });
                    local_log
                        || local_target
                        || matches!(last, Some("SMTP" | "SMTP_SSL" | "LMTP" | "FTP" | "FTP_TLS"))
                            && args.is_none_or(|a| {
                                positional(a, 0).is_none() && keyword(a, src, "host").is_none()
                            })
                };
                // A name lookup of a name handed over as it is (`gethostbyname(host)`,
                // `getaddrinfo(os.environ['MASTER_ADDR'], 0)`, the host's own name) asks the
                // local resolver what it was configured with and carries nothing out; a constant
                // name is a beacon, and a name built from pieces carries the pieces.
                let plain_lookup = |net: &str| {
                    matches!(
                        net.rsplit('.').next(),
                        Some("gethostbyname" | "gethostbyname_ex" | "getaddrinfo")
                    ) && args
                        .and_then(|a| positional(a, 0))
                        .is_some_and(|h| match h.kind_name() {
                            "identifier" | "attribute" | "subscript" => true,
                            "call" => field(h, F::Function).is_some_and(|g| {
                                let d = dotted(g, src);
                                let r = names.resolve(g, src, scope).unwrap_or_default();
                                [d.as_str(), r.as_str()]
                                    .iter()
                                    .any(|c| env_reader(c) || is_identity(c))
                            }),
                            _ => false,
                        })
                };
                if let Some(net) = pick(&is_network).filter(|n| !hostless(n) && !plain_lookup(n)) {
                    // A name lookup that carries the environment in the name it asks for
                    // (`gethostbyname(os.environ['TOKEN'] + '.example.invalid')`) sends it to
                    // whoever answers for that domain.
                    let dns = matches!(
                        net.rsplit('.').next(),
                        Some(
                            "gethostbyname"
                                | "gethostbyname_ex"
                                | "getaddrinfo"
                                | "resolve"
                                | "query"
                        )
                    );
                    // Looking up a host named by a variable (`DB_HOST`) is ordinary; a name
                    // built around it (`+ '.example.invalid'`, an f-string) is not.
                    let built_name = args.and_then(|a| positional(a, 0)).is_some_and(|f| {
                        let builder = match f.kind_name() {
                            "binary_operator" | "string" => true,
                            "call" => field(f, F::Function)
                                .and_then(|g| field(g, F::Attribute))
                                .is_some_and(|m| matches!(text(m, src), "format" | "join")),
                            _ => false,
                        };
                        builder && text(f, src).contains("environ")
                    });
                    if dns && built_name {
                        sig.exfil
                            .push((line, "the environment in a DNS name".to_string()));
                    }
                    sig.network.push((line, in_fn, call_text(&net)));
                    if let Some(what) = args.and_then(|a| sends_secrets(a, src, &sig.secret_vars)) {
                        sig.exfil.push((line, what));
                    }
                    // Who or where the process runs, in what the call sends (not the local
                    // file `urlretrieve` writes): a dependency-confusion probe's report.
                    let sent = if net.ends_with("urlretrieve") {
                        args.and_then(|a| positional(a, 0))
                    } else {
                        args
                    };
                    if let Some(who) = sent.and_then(|a| {
                        carries_identity(a, src, &names, scope, &sig.identity_vars, dns)
                    }) {
                        if sig.identity.len() < 64 {
                            sig.identity.push((
                                line,
                                in_fn,
                                format!("{who}, sent by {}", call_text(&net)),
                            ));
                        }
                    }
                }
                if let Some(f) = fnode {
                    let spelled = [name.as_str(), resolved.as_deref().unwrap_or("")];
                    if let Some(why) = dynamic_call(f, args, spelled, src) {
                        if sig.dynamic.len() < 64 {
                            sig.dynamic
                                .push((line, format!("{why}: {}", short(text(n, src)))));
                        }
                    }
                }
                // One environment variable read by a name the table folds (`K = 'GITHUB_TOKEN';
                // os.getenv(K)`, `ge('…')` after `from os import getenv as ge`,
                // `os.environ.__getitem__('…')`, `'GITHUB_' + 'TOKEN'`).
                if pick(&env_reader).is_some() && sig.secret_reads.len() < 64 {
                    let key = args
                        .and_then(|a| positional(a, 0))
                        .and_then(|k| names.eval(k, src, scope))
                        .and_then(|v| v.bytes().map(|b| String::from_utf8_lossy(b).into_owned()));
                    if let Some(key) = key.filter(|k| secret_variable(k)) {
                        if sig.secret_reads.last().is_none_or(|l| l.0 != line) {
                            sig.secret_reads.push((
                                line,
                                in_fn,
                                format!("the {key} environment variable"),
                            ));
                        }
                    }
                }
                // `dict(getattr(os, 'environ'))`: the mapping looked up by name, used whole.
                if sig.env_dump.len() < 64
                    && pick(&|x: &str| x == "getattr").is_some()
                    && args.and_then(|a| positional(a, 1)).is_some_and(|k| {
                        text(k, src).len() < 64 && text(k, src).contains("environ")
                    })
                    && names
                        .eval(n, src, scope)
                        .is_some_and(|v| matches!(&v, Value::Name(m) if is_environ(m)))
                {
                    if let Some((ev, copy)) = environ_dumped(n, src, &names, scope) {
                        sig.env_dump.push((line, in_fn, ev, copy));
                    }
                }
                // `{k: os.getenv(k) for k in ('AWS_SECRET_ACCESS_KEY', …)}`: the names read
                // are the loop's constants.
                if pick(&env_reader).is_some() && sig.secret_reads.len() < 64 {
                    if let Some(k) = args
                        .and_then(|a| positional(a, 0))
                        .filter(|k| k.kind_name() == "identifier")
                    {
                        if let Some(name) = loop_constants(k, src)
                            .into_iter()
                            .find(|c| secret_variable(c))
                        {
                            if sig.secret_reads.last().is_none_or(|l| l.0 != line) {
                                sig.secret_reads.push((
                                    line,
                                    in_fn,
                                    format!("the {name} environment variable"),
                                ));
                            }
                        }
                    }
                }
                // `check_output(['env'])`, `os.popen('printenv')`: the environment, printed.
                if pick(&is_process).is_some()
                    && sig.env_dump.len() < 64
                    && args
                        .and_then(|a| command_words(a, src, &names, scope))
                        .is_some_and(|c| dumps_environment(&c))
                {
                    sig.env_dump.push((line, in_fn, short(text(n, src)), false));
                }
                // `run(['nslookup', name])`, `['ping', '-c1', host]`, `['nc', host, port]`:
                // name-lookup and connection tools reach the network too; the name asked
                // for carries whatever was built into it.
                if let Some(a) = args.filter(|_| pick(&is_process).is_some()) {
                    let tool = command_words(a, src, &names, scope)
                        .or_else(|| {
                            positional(a, 0).and_then(|l| {
                                let first = l.named_child(0).filter(|_| l.kind_name() == "list")?;
                                string_value(first, src)
                            })
                        })
                        .is_some_and(|c| network_tool(&c));
                    if tool && sig.network.len() < 256 {
                        sig.network.push((line, in_fn, short(text(n, src))));
                        if let Some(who) =
                            carries_identity(a, src, &names, scope, &sig.identity_vars, true)
                        {
                            if sig.identity.len() < 64 {
                                sig.identity.push((
                                    line,
                                    in_fn,
                                    format!("{who}, sent by {}", short(text(n, src))),
                                ));
                            }
                        }
                    }
                }
                // A cloud SDK's resolved keys (`boto3.Session().get_credentials()`), and who
                // and where the process runs (what a dependency-confusion probe reports).
                let last = name.rsplit('.').next().unwrap_or(&name);
                // The stores that hand secrets over by call: `netrc.netrc()` (`~/.netrc`), the
                // system keyring, the ssh agent's keys.
                let store = pick(&|n: &str| {
                    matches!(
                        n,
                        "netrc.netrc"
                            | "keyring.get_password"
                            | "keyring.get_credential"
                            | "win32cred.CredRead"
                            | "win32crypt.CryptUnprotectData"
                    ) || (n.starts_with("paramiko.") && n.ends_with(".get_keys"))
                        || reads_user_data(n)
                });
                // Listeners, keyboard hooks, the clipboard ([`Signals::listeners`]).
                if let Some(sname) = pick(&server_class) {
                    let addr = args.and_then(|a| {
                        if sname.ends_with("make_server") {
                            positional(a, 0)
                        } else {
                            positional(a, 0).or_else(|| keyword(a, src, "server_address"))
                        }
                    });
                    if addr.is_some_and(|a| all_interfaces(a, src)) && sig.listeners.len() < 16 {
                        sig.listeners.push((line, in_fn, false, call_text(&sname)));
                        let handler = args.and_then(|a| {
                            if sname.ends_with("make_server") {
                                positional(a, 2)
                            } else {
                                positional(a, 1).or_else(|| keyword(a, src, "RequestHandlerClass"))
                            }
                        });
                        if let Some(h) =
                            handler.filter(|h| matches!(h.kind_name(), "identifier" | "attribute"))
                        {
                            sig.listener_handlers.push(dotted(h, src));
                        }
                    }
                }
                if let Some(lname) = pick(&|n: &str| n == "logging.config.listen") {
                    if sig.listeners.len() < 16 {
                        sig.listeners.push((line, in_fn, true, call_text(&lname)));
                    }
                }
                // `srv.register_function(os.system, 'run')`: a process or exec callable any
                // client may call.
                if last == "register_function" || last == "register_instance" {
                    if let Some(f) = args.and_then(|a| positional(a, 0)) {
                        let r = names
                            .resolve(f, src, scope)
                            .unwrap_or_else(|| dotted(f, src));
                        let module = RUNNING_MODULES.contains(&r.as_str());
                        if (module || is_process(&r) || is_exec(&r)) && sig.exposed.len() < 16 {
                            sig.exposed.push((line, short(text(n, src))));
                        }
                    }
                }
                // `partial(SimpleHTTPRequestHandler, directory=os.path.expanduser('~'))`: a
                // file server rooted at the home or root folder.
                // Judged from names only: this runs for every call, and the argument text of
                // nested calls would make the walk quadratic.
                let handler = |x: &str| x.ends_with("SimpleHTTPRequestHandler");
                if pick(&handler).is_some()
                    || (pick(&|x: &str| x.ends_with("partial")).is_some()
                        && args.and_then(|a| positional(a, 0)).is_some_and(|h| {
                            h.kind_name() == "attribute" || h.kind_name() == "identifier"
                        })
                        && args
                            .and_then(|a| positional(a, 0))
                            .is_some_and(|h| handler(&dotted(h, src))))
                {
                    let root = args
                        .and_then(|a| keyword(a, src, "directory"))
                        .is_some_and(|d| {
                            let t = text(d, src);
                            t.contains("expanduser")
                                || t.contains("home()")
                                || t.contains("HOME")
                                || string_value(d, src).is_some_and(|v| v == "/" || v == "~")
                        });
                    if root && sig.exposed.len() < 16 {
                        sig.exposed.push((line, short(text(n, src))));
                    }
                }
                if let Some(kname) = pick(&key_hook) {
                    if sig.key_hooks.len() < 16 {
                        sig.key_hooks.push((line, in_fn, call_text(&kname)));
                    }
                }
                if let Some(cname) = pick(&clipboard_write) {
                    if sig.clip_writes.len() < 16 {
                        sig.clip_writes.push((line, call_text(&cname)));
                    }
                }
                if let Some(cname) = pick(&|n: &str| {
                    reads_user_data(n) && (n.contains("clip") || n.ends_with("paste"))
                }) {
                    if sig.clip_reads.len() < 16 {
                        sig.clip_reads.push((line, call_text(&cname)));
                    }
                }
                if (store.is_some() || matches!(last, "get_credentials" | "get_frozen_credentials"))
                    && sig.secret_reads.len() < 64
                {
                    sig.secret_reads.push((line, in_fn, short(text(n, src))));
                }
                if name.ends_with("setup") {
                    if let Some(value) = args.and_then(|a| keyword(a, src, "cmdclass")) {
                        // Overriding how a package is built is ordinary; overriding what
                        // `pip install` runs is the hook (guarddog's cmd-overwrite).
                        let v = text(value, src);
                        // Every command pip or a PEP 517 build runs through setuptools: a
                        // wheel build runs `egg_info`, `build_py`, `build_ext`, `bdist_wheel`;
                        // `pip install -e` runs `develop`. A dict built elsewhere
                        // (`cmdclass=cmds`) is judged by the keys the source quotes.
                        let keys = if value.kind_name() == "dictionary" {
                            v
                        } else {
                            std::str::from_utf8(src).unwrap_or("")
                        };
                        let quoted = |c: &&str| {
                            keys.contains(&format!("'{c}'")) || keys.contains(&format!("\"{c}\""))
                        };
                        let install = INSTALL_COMMANDS.iter().any(quoted);
                        let build = [
                            "build",
                            "build_py",
                            "build_ext",
                            "build_clib",
                            "build_scripts",
                            "bdist_wheel",
                            "sdist",
                            "install_lib",
                            "install_scripts",
                            "editable_wheel",
                        ]
                        .iter()
                        .any(quoted);
                        if install || build {
                            sig.install_hook
                                .push((line, short(&format!("cmdclass={v}"))));
                            sig.build_hook_only = !install;
                        }
                    }
                    if let Some(a) = args {
                        setup_declarations(a, src, &names, scope, &mut sig);
                    }
                }
            }
            // The environment mapping used whole: `dict(os.environ)`, `os.environ.copy()`,
            // `{**os.environ}`, `os.environ._data`, `json=os.environ`, a comprehension over it
            // that reads the values ([`environ_dumped`]); not one variable read, a test of a
            // name, or the mapping handed to a child process (`env=os.environ`).
            "attribute" | "identifier"
                if sig.env_dump.len() < 64 && {
                    let t = text(n, src);
                    t.ends_with("environ")
                        || t.ends_with("environb")
                        || (!sig.environ_aliases.is_empty()
                            && t.len() <= 64
                            && sig.environ_aliases.contains(t))
                } =>
            {
                let whole = names
                    .eval(n, src, scope)
                    .is_some_and(|v| matches!(&v, Value::Name(m) if is_environ(m)));
                if whole {
                    if let Some((ev, copy)) = environ_dumped(n, src, &names, scope) {
                        sig.env_dump.push((line, in_fn, ev, copy));
                    }
                }
            }
            // `C().p` at module level reads an attribute of a new instance: a property's
            // getter (or a descriptor's `__get__`) runs. A method called (`C().go()`) is the
            // call's business.
            "attribute"
                if !in_fn
                    && field(n, F::Object).is_some_and(|o| {
                        o.kind_name() == "call"
                            || o.kind_name() == "identifier" && instances.contains_key(text(o, src))
                    })
                    && n.parent().is_none_or(|p| {
                        p.kind_name() != "call" || field(p, F::Function) != Some(n)
                    }) =>
            {
                // Only a property: a plain method read (`cb = Handler().handle`) is not
                // called by the read. The setter and deleter of an assignment target or a
                // `del` are the property's too (below).
                if let Some(m) = instance_member(n, src, &instances) {
                    run_property(&mut sig, &properties, &property_parts, m);
                }
            }
            // `del c.p`: the property's deleter runs.
            "delete_statement" if !in_fn => {
                let mut c = n.walk();
                let targets: Vec<_> = n.named_children(&mut c).take(64).collect();
                for t in targets {
                    let items: Vec<_> = if t.kind_name() == "expression_list" {
                        let mut c = t.walk();
                        t.named_children(&mut c).take(64).collect()
                    } else {
                        vec![t]
                    };
                    for i in items {
                        if let Some(m) = instance_member(i, src, &instances) {
                            run_property(&mut sig, &properties, &property_parts, m);
                        }
                    }
                }
            }
            // A string annotation is code that `typing.get_type_hints` evaluates: kept when
            // it calls something, analysed as code when the module evaluates annotations at
            // load (below).
            "type" if annotations.len() < MAX_NESTED => {
                if let Some(code) = n
                    .named_child(0)
                    .filter(|s| s.kind_name() == "string")
                    .and_then(|s| string_value(s, src))
                    .filter(|c| c.contains('('))
                {
                    annotations.push((line, code));
                }
            }
            "string" => {
                let value = string_value(n, src);
                // An f-string's literal parts (`f"{os.environ['HOME']}/.ssh/id_rsa"`).
                if value.is_none() && sig.credentials.len() < 64 {
                    let mut c = n.walk();
                    let literal: String = n
                        .named_children(&mut c)
                        .filter(|ch| ch.kind_name() == "string_content")
                        .map(|ch| text(ch, src))
                        .collect();
                    if let Some(c) = credential_in(&literal) {
                        sig.credentials.push((line, in_fn, c));
                    }
                }
                if let Some(s) = value {
                    // A docstring or other bare string statement is prose, not a path read
                    // (tester t29 FP1: `~/.netrc` named in a function's docstring); code kept
                    // in one is analysed where it is run (`exec(__doc__)`).
                    if let Some(c) = credential_in(&s).filter(|_| {
                        n.parent()
                            .is_none_or(|p| p.kind_name() != "expression_statement")
                            && !message_argument(n, src)
                    }) {
                        sig.credentials.push((line, in_fn, c));
                    }
                    if sig.secret_reads.len() < 64
                        && sig.secret_reads.last().is_none_or(|l| l.0 != line)
                        && secret_variable(&s)
                        && reads_env(n, src)
                    {
                        sig.secret_reads.push((
                            line,
                            in_fn,
                            format!("the {s} environment variable"),
                        ));
                    }
                    let lower = s.to_ascii_lowercase();
                    if let Some(m) = MINER.iter().find(|m| lower.contains(*m)) {
                        sig.miner.push((line, (*m).to_string()));
                    }
                }
            }
            // `'.s' + 'sh'`: a location spelled in pieces. Short sums only, and no `parent()`
            // test (it walks down from the root: quadratic in a deep chain), so the inner sums
            // of a chain are read too.
            "binary_operator" if sig.credentials.len() < 64 && n.byte_range().len() <= 256 => {
                let t = text(n, src);
                if t.contains('\'') || t.contains('"') {
                    let c = names
                        .eval(n, src, scope)
                        .as_ref()
                        .and_then(Value::bytes)
                        .and_then(|b| std::str::from_utf8(b).ok())
                        .and_then(credential_in);
                    if let Some(c) = c {
                        sig.credentials.push((line, in_fn, c));
                    }
                }
            }
            "import_statement" | "import_from_statement" => {
                names.bind_import(n, src, scope, line);
                // `from os import environ as E`: `E` is the environment mapping.
                if text(n, src).contains("environ") && sig.environ_aliases.len() < 64 {
                    let mut c = n.walk();
                    let bound: Vec<String> = n
                        .children_by_field_name("name", &mut c)
                        .map(|x| match x.kind_name() {
                            "aliased_import" => field(x, F::Alias)
                                .map(|a| text(a, src).to_string())
                                .unwrap_or_default(),
                            _ => text(x, src).to_string(),
                        })
                        .collect();
                    for b in bound {
                        let environ = names
                            .lookup(scope, &b)
                            .is_some_and(|x| matches!(&x.value, Value::Name(m) if is_environ(m)));
                        if environ && !b.ends_with("environ") && !b.ends_with("environb") {
                            sig.environ_aliases.insert(b);
                        }
                    }
                }
                // `import xmod` after `sys.path.insert(0, '/tmp')` and a download of
                // `/tmp/xmod.py`.
                if !sig.import_dirs.is_empty() {
                    for m in drop::imported_modules(n, src) {
                        record_import(
                            &mut sig,
                            &m,
                            short(text(n, src)),
                            &owned(&func),
                            line,
                            in_fn,
                        );
                    }
                }
            }
            // `logging.config.dictConfig({… {'()': 'subprocess.getoutput', 'cmd': …}})`: the
            // configuration imports the callable a `'()'` or `'class'` entry names and calls it
            // with the entry's other keys.
            "pair" => {
                let key = field(n, F::Key).and_then(|k| string_value(k, src));
                if matches!(key.as_deref(), Some("()" | "class")) {
                    // A value may name an object as `ext://module.name` (dictConfig's
                    // converter imports it).
                    if let Some(target) = field(n, F::Value)
                        .and_then(|v| names.eval(v, src, scope))
                        .and_then(|v| {
                            v.bytes().and_then(|b| {
                                names::named_callable(b.strip_prefix(b"ext://").unwrap_or(b))
                            })
                        })
                    {
                        let ev = || format!("{} (calls {target})", short(text(n, src)));
                        match config_callable(&target, key.as_deref() == Some("()")) {
                            Some(Group::Process) => sig.shell.push((line, in_fn, ev())),
                            Some(Group::Exec) if sig.exec_computed.len() < 64 => {
                                sig.exec_computed.push((line, in_fn, NAMED_EXEC, ev()));
                            }
                            Some(Group::Network) => sig.network.push((line, in_fn, ev())),
                            _ => {}
                        }
                    }
                }
            }
            // `K[int]` of a class of this source runs its `__class_getitem__`.
            "subscript" => {
                // `os.environ[K]` of a name the table folds to a secret's name.
                if let Some(v) = field(n, F::Value).filter(|v| {
                    let t = text(*v, src);
                    (t.ends_with("environ") || t.ends_with("environb"))
                        && sig.secret_reads.len() < 64
                }) {
                    let environ = names
                        .eval(v, src, scope)
                        .is_some_and(|x| matches!(&x, Value::Name(m) if is_environ(m)));
                    let key = field(n, F::Subscript)
                        .filter(|k| k.kind_name() != "string")
                        .and_then(|k| names.eval(k, src, scope))
                        .and_then(|x| x.bytes().map(|b| String::from_utf8_lossy(b).into_owned()));
                    if let (true, Some(key), false) = (
                        environ,
                        key.filter(|k| secret_variable(k)),
                        stored_or_deleted(n),
                    ) {
                        sig.secret_reads.push((
                            line,
                            in_fn,
                            format!("the {key} environment variable"),
                        ));
                    }
                }
                if let Some(v) =
                    field(n, F::Value).filter(|v| v.kind_name() == "identifier" && !in_fn)
                {
                    let id = text(v, src);
                    let class = names
                        .lookup(scope, id)
                        .is_some_and(|b| matches!(b.value, Value::Class(_)));
                    if class && sig.called_at_load.len() < MAX_CALLED {
                        sig.called_at_load.insert(format!("{id}.__class_getitem__"));
                    }
                }
            }
            "class_definition" if !in_fn => {
                // A module-level class (not one nested in a class body): its shape, for the
                // join ([`Signals::class_shapes`]); its bases are added below.
                let top = func.is_none() && sig.class_shapes.len() < MAX_CLASS_SHAPES;
                if let Some(class) = field(n, F::Name).filter(|_| top) {
                    sig.class_shapes
                        .push((text(class, src).to_string(), Vec::new(), Vec::new()));
                }
                // Creating the class runs its metaclass (`__prepare__`, `__new__`,
                // `__init__`) and each base's `__init_subclass__`.
                if let Some(bases) = field(n, F::Superclasses) {
                    let mut c = bases.walk();
                    let items: Vec<_> = bases.named_children(&mut c).take(64).collect();
                    if let Some(class) = field(n, F::Name) {
                        let mut named: Vec<String> = Vec::new();
                        let mut shape: Vec<String> = Vec::new();
                        for b in items
                            .iter()
                            .filter(|b| matches!(b.kind_name(), "identifier" | "attribute"))
                        {
                            let spelled = dotted(*b, src);
                            let resolved = names.resolve(*b, src, scope);
                            shape.push(resolved.clone().unwrap_or_else(|| spelled.clone()));
                            named.push(spelled);
                            // `from .base import EvilBase; class K(EvilBase)`: `K.m` is also
                            // `.base.EvilBase.m`, which the join follows into `base.py`.
                            named.extend(resolved);
                        }
                        if top {
                            if let Some(last) = sig.class_shapes.last_mut() {
                                shape.truncate(MAX_SHAPE_BASES);
                                last.1 = shape;
                            }
                        }
                        // An enum's members are made when the class is: its `__new__` and
                        // `__init__` run for each, at load.
                        let enum_base = named.iter().any(|b| {
                            matches!(
                                b.rsplit('.').next().unwrap_or(""),
                                "Enum" | "IntEnum" | "StrEnum" | "Flag" | "IntFlag" | "ReprEnum"
                            )
                        });
                        if enum_base && sig.called_at_load.len() < MAX_CALLED {
                            let k = text(class, src);
                            sig.called_at_load.insert(format!("{k}.__new__"));
                            sig.called_at_load.insert(format!("{k}.__init__"));
                            // `auto()` values come from `_generate_next_value_`, called as the
                            // class is made.
                            sig.called_at_load
                                .insert(format!("{k}._generate_next_value_"));
                        }
                        if sig.class_bases.len() < MAX_CALLED {
                            sig.class_bases.insert(text(class, src).to_string(), named);
                        }
                    }
                    for b in items {
                        if b.kind_name() == "keyword_argument" {
                            if field(b, F::Name).is_some_and(|k| text(k, src) == "metaclass") {
                                if let Some(m) = field(b, F::Value) {
                                    let m = dotted(m, src);
                                    for method in ["__prepare__", "__new__", "__init__"] {
                                        sig.called_at_load.insert(format!("{m}.{method}"));
                                    }
                                }
                            }
                        } else if matches!(b.kind_name(), "identifier" | "attribute") {
                            sig.called_at_load
                                .insert(format!("{}.__init_subclass__", dotted(b, src)));
                        }
                    }
                }
            }
            "assignment" | "augmented_assignment" | "named_expression" => {
                after = assignment_binds(n, src, &names, scope);
                if !in_fn && kind == "assignment" {
                    record_instance_or_property(
                        n,
                        src,
                        func.as_deref(),
                        &mut instances,
                        &mut properties,
                        &mut property_parts,
                    );
                    // `c.p = v`, `C().p = v`: the property's setter runs.
                    if let Some(m) =
                        field(n, F::Left).and_then(|l| instance_member(l, src, &instances))
                    {
                        run_property(&mut sig, &properties, &property_parts, m);
                    }
                }
                // `resnet18 = _build`, `generate = partial(_impl, …)` at module level.
                if !in_fn && kind == "assignment" && sig.module_aliases.len() < MAX_CALLED {
                    if let (Some(l), Some(r)) = (field(n, F::Left), field(n, F::Right)) {
                        let r = match r.kind_name() {
                            "call"
                                if field(r, F::Function).is_some_and(|f| {
                                    matches!(
                                        dotted(f, src).as_str(),
                                        "partial" | "functools.partial"
                                    )
                                }) =>
                            {
                                field(r, F::Arguments).and_then(|a| a.named_child(0))
                            }
                            // `api = _Api()`: an instance, whose methods are the class's.
                            "call"
                                if field(r, F::Function).is_some_and(|f| {
                                    let d = dotted(f, src);
                                    let last = d.rsplit('.').next().unwrap_or(&d);
                                    last.trim_start_matches('_')
                                        .starts_with(|c: char| c.is_ascii_uppercase())
                                }) =>
                            {
                                field(r, F::Function)
                            }
                            _ => Some(r),
                        };
                        if let Some(r) =
                            r.filter(|r| matches!(r.kind_name(), "identifier" | "attribute"))
                        {
                            if l.kind_name() == "identifier" {
                                sig.module_aliases
                                    .push((text(l, src).to_string(), dotted(r, src)));
                            }
                        }
                    }
                }
                // `E = getattr(os, 'environ')`: `E` is the environment mapping.
                for (name, v) in &after {
                    if matches!(v, Value::Name(m) if is_environ(m))
                        && sig.environ_aliases.len() < 64
                        && !name.ends_with("environ")
                    {
                        sig.environ_aliases.insert(name.clone());
                    }
                }
                // `data = dict(os.environ)`, `key = open('~/.aws/credentials').read()`: the
                // variable carries the secret to a later network call.
                let (target, value) = if kind == "named_expression" {
                    (field(n, F::Name), field(n, F::Value))
                } else {
                    (field(n, F::Left), field(n, F::Right))
                };
                if let (Some(t), Some(v)) = (target, value) {
                    // `sys.excepthook = f`, `threading.excepthook = f`: the interpreter calls the
                    // hook on the next uncaught exception, unraisable error or breakpoint, as it
                    // calls a trace hook on the next call.
                    // `builtins.__import__ = hook`; `build_py.build_py.run = run` in a
                    // `setup.py` (a command's method replaced on its class, no `cmdclass`).
                    // `__builtins__['__import__'] = hook` is the attribute spelled as a key.
                    let keyed = (t.kind_name() == "subscript")
                        .then(|| {
                            let o = field(t, F::Value)?;
                            let k = t
                                .child_by_field_name("subscript")
                                .and_then(|k| string_value(k, src))?;
                            Some(format!("{}.{k}", dotted(o, src)))
                        })
                        .flatten();
                    let patched = !in_fn && keyed.as_deref().is_some_and(interpreter_hook)
                        || !in_fn
                            && t.kind_name() == "attribute"
                            && (interpreter_hook(&dotted(t, src))
                                || names.resolve(t, src, scope).is_some_and(|r| {
                                    interpreter_hook(&r) || command_method_patched(&r)
                                }));
                    if (interpreter_hook(text(t, src)) || patched)
                        && matches!(v.kind_name(), "identifier" | "attribute" | "lambda")
                        && sig.called_at_load.len() < MAX_CALLED
                    {
                        sig.called_at_load.insert(callable_key(v, src));
                        if let Some(r) = names.resolve(v, src, scope) {
                            sig.called_at_load.insert(r);
                        }
                    }
                    // `spec = importlib.util.spec_from_file_location('m', '/tmp/x.py')`, and the
                    // module or loader made from it.
                    if let Some(why) = outside_spec(v, src, &names, scope, &sig.outside_specs)
                        .filter(|_| sig.outside_specs.len() < MAX_CALLED)
                    {
                        for id in Names::target_names(t) {
                            sig.outside_specs.insert(text(id, src).to_string(), why);
                        }
                    }
                    // `p = os.path.join(site.getsitepackages()[0], 'x.pth')`: a later write
                    // to `p` plants a startup file. `d = os.path.join(home, '.ssh')`: a later
                    // `os.path.join(d, 'config')` is read through `d`'s spelling.
                    let mut spelling =
                        persist::path_spelling(v, src, &names, scope, &sig.path_spellings);
                    let extends = kind == "augmented_assignment"
                        && field(n, F::Operator)
                            .is_some_and(|o| matches!(text(o, src), "+=" | "/="));
                    if extends && t.kind_name() == "identifier" {
                        let sep = if field(n, F::Operator).is_some_and(|o| text(o, src) == "/=") {
                            "/"
                        } else {
                            ""
                        };
                        spelling =
                            persist::path_spelling(t, src, &names, scope, &sig.path_spellings)
                                + sep
                                + &spelling;
                    }
                    if let Some(what) = startup_target(v, src, &spelling, &sig.startup_paths)
                        .filter(|_| sig.startup_paths.len() < MAX_CALLED)
                    {
                        for id in Names::target_names(t) {
                            sig.startup_paths.insert(text(id, src).to_string(), what);
                        }
                    }
                    // `c = CODE + x`, `c += x`: the constant pieces of code a runner may get.
                    if t.kind_name() == "identifier" && kind != "named_expression" {
                        let id = text(t, src);
                        let named = |id: &str| sig.partial_code.get(id).cloned();
                        let plus = kind == "assignment"
                            || field(n, F::Operator).is_some_and(|o| text(o, src) == "+=");
                        // Only a value that does not fold and may hold string pieces is taken
                        // apart (each fold spends the source's value budget).
                        let folds = after
                            .iter()
                            .any(|(name, x)| name == id && x.bytes().is_some());
                        let pieces = plus
                            && !folds
                            && (text(v, src).contains(['"', '\''])
                                || sig.partial_code.contains_key(id)
                                || sig.partial_code.contains_key(text(v, src))
                                || kind == "augmented_assignment"
                                    && names
                                        .lookup(scope, id)
                                        .is_some_and(|b| b.value.bytes().is_some()));
                        let (mut known, mut holes) = (Vec::new(), false);
                        if pieces && kind == "augmented_assignment" {
                            (known, holes) = names.pieces(t, src, scope, &named);
                        }
                        if pieces {
                            let (r, h) = names.pieces(v, src, scope, &named);
                            known.extend(r);
                            holes |= h;
                        }
                        if holes
                            && !known.iter().all(u8::is_ascii_whitespace)
                            && known.len() <= names::MAX_VALUE
                            && sig.partial_code.len() < MAX_CALLED
                        {
                            sig.partial_code.insert(id.to_string(), known.into());
                        } else {
                            sig.partial_code.remove(id);
                        }
                    }
                    if t.kind_name() == "identifier" {
                        let id = text(t, src);
                        let computed = names
                            .eval(v, src, scope)
                            .is_some_and(|x| x.bytes().is_some());
                        // `HERE = os.path.dirname(__file__)` too: the module's folder.
                        let path_like = spelling.len() <= persist::MAX_SPELLING
                            && (spelling.starts_with(persist::MODULE_DIR)
                                || spelling.contains(['/', '\\', '~'])
                                    && spelling.chars().any(|c| c.is_alphanumeric()));
                        if path_like
                            && (!computed || extends)
                            && sig.path_spellings.len() < MAX_CALLED
                        {
                            sig.path_spellings.insert(id.to_string(), spelling);
                        } else {
                            sig.path_spellings.remove(id);
                        }
                    }
                    // `k = winreg.OpenKey(HKCU, r'Software\…\CurrentVersion\Run', …)`.
                    if persist::opens_run_key(v, src, &names, scope, &sig.path_spellings)
                        && sig.run_keys.len() < MAX_CALLED
                    {
                        for id in Names::target_names(t) {
                            sig.run_keys.insert(text(id, src).to_string());
                        }
                    }
                    // `os.environ['PYTHONBREAKPOINT'] = 'os.system'`: `breakpoint(…)` imports
                    // and calls the callable the variable names.
                    if let Some(hook) = breakpoint_hook(t, v, src, &names, scope) {
                        after.push(("breakpoint".to_string(), hook));
                    }
                    // `f = open(P, 'wb')`: a later `f.write(data)` writes `P`.
                    if let Some(key) = write_handle(v, src, &names, scope, &sig.write_handles)
                        .filter(|_| sig.write_handles.len() < MAX_CALLED)
                    {
                        for id in Names::target_names(t) {
                            sig.write_handles
                                .insert(text(id, src).to_string(), key.clone());
                        }
                    }
                    let ids: Vec<&str> = Names::target_names(t)
                        .into_iter()
                        .map(|id| text(id, src))
                        .collect();
                    // `f = tempfile.NamedTemporaryFile(delete=False)`, `fd, p = mkstemp()`,
                    // `z = zipfile.ZipFile(P)` (a later `z.extractall(D)` extracts `P`).
                    bind_file_handles(&mut sig, &ids, v, src, &names, scope);
                    // `c = os.environ.get('HOOK', '')`, `n = 2251…`: for a later `exec(c)`.
                    if let [id] = ids.as_slice() {
                        sig.data_vars.bind(id, v, src);
                    }
                    // `p = os.path.join(d, '_gen.py')`: what a later `open(p, 'w')` writes.
                    if let [id] = ids.as_slice() {
                        if matches!(v.kind_name(), "call" | "binary_operator")
                            && sig.path_texts.len() < MAX_CALLED
                            && text(v, src).len() <= 256
                            && memchr::memmem::find(text(v, src).as_bytes(), b".p").is_some()
                            && names
                                .eval(v, src, scope)
                                .and_then(|x| x.bytes().map(|_| ()))
                                .is_none()
                        {
                            let t: String = text(v, src)
                                .chars()
                                .filter(|c| !c.is_whitespace())
                                .collect();
                            if t.len() <= 256 {
                                sig.path_texts.insert(id.to_string(), t);
                            }
                        }
                    }
                    // `code = urlopen(url).read()`: the variable holds downloaded data.
                    let fetched = fetches(v, src, &names, scope, &sig.downloaded);
                    if fetched && sig.downloaded.len() < MAX_CALLED {
                        for id in Names::target_names(t) {
                            sig.downloaded.insert(text(id, src).to_string());
                        }
                    }
                    // `info = getpass.getuser()`, `d['host'] = socket.gethostname()`: the
                    // variable (the container's name) carries who the process runs as.
                    // (`info = gu()` after `from getpass import getuser as gu` names no word.)
                    if sig.identity_vars.len() < MAX_CALLED
                        && (maybe_identity(text(v, src), &sig.identity_vars)
                            || (v.kind_name() == "call"
                                && names_identity(v, src, &names, scope).is_some()))
                        && carries_identity(v, src, &names, scope, &sig.identity_vars, false)
                            .is_some()
                    {
                        let mut root = t;
                        while matches!(root.kind_name(), "subscript" | "attribute") {
                            match field(root, F::Value).or_else(|| field(root, F::Object)) {
                                Some(r) => root = r,
                                None => break,
                            }
                        }
                        for id in Names::target_names(root) {
                            sig.identity_vars.insert(text(id, src).to_string());
                        }
                    }
                    if let Some(what) = holds_secret(v, src, &sig.secret_vars) {
                        if sig.secret_vars.len() < MAX_CALLED {
                            for id in Names::target_names(t) {
                                sig.secret_vars
                                    .insert(text(id, src).to_string(), what.clone());
                            }
                        }
                    }
                }
            }
            // Names bound to what is not followed: loop variables, `with … as x`,
            // `except … as e`, functions and classes.
            "for_statement" | "as_pattern" | "except_clause" => {
                // `for rc in ('.zshrc', '.profile'): (Path.home() / rc).open('a')`: the loop
                // variable's path spelling is its constants, as alternatives the fold keeps
                // apart ([`persist::UNKNOWN`] between them), so a persistence word in any of
                // them is read in a path built from it.
                if kind == "for_statement" {
                    let left = field(n, F::Left).filter(|l| l.kind_name() == "identifier");
                    let right =
                        field(n, F::Right).filter(|r| matches!(r.kind_name(), "tuple" | "list"));
                    if let (Some(l), Some(r)) = (left, right) {
                        let mut c = r.walk();
                        let items: Vec<_> = r.named_children(&mut c).take(17).collect();
                        let consts: Vec<String> =
                            items.iter().filter_map(|x| string_value(*x, src)).collect();
                        if (1..=16).contains(&consts.len())
                            && consts.len() == items.len()
                            && sig.path_spellings.len() < MAX_CALLED
                        {
                            let sep = persist::UNKNOWN.to_string();
                            let spelling = consts.join(&sep);
                            if spelling.len() <= persist::MAX_SPELLING {
                                sig.path_spellings
                                    .insert(text(l, src).to_string(), spelling);
                            }
                        }
                    }
                }
                let target = if kind == "for_statement" {
                    F::Left
                } else {
                    F::Alias
                };
                // `with httpx.Client() as c:` binds `c` to the client (`c.post` is a request);
                // `for f in [os.system, print]:` binds `f` to each item, of which the one that
                // runs code is the one a call in the body must be judged by (also item by
                // item: `for n, f in [('a', print), ('b', os.system)]:`).
                if let Some(t) = field(n, target) {
                    // `with open(P, 'wb') as f:` for a later `f.write(data)`; `for chunk in
                    // r.iter_content():` over downloaded data.
                    let value = if kind == "for_statement" {
                        field(n, F::Right)
                    } else {
                        n.named_child(0)
                    };
                    if let Some(v) = value {
                        let handle = (kind == "as_pattern")
                            .then(|| write_handle(v, src, &names, scope, &sig.write_handles))
                            .flatten();
                        // `with winreg.CreateKey(HKCU, RUN) as k:`.
                        if kind == "as_pattern"
                            && persist::opens_run_key(v, src, &names, scope, &sig.path_spellings)
                            && sig.run_keys.len() < MAX_CALLED
                        {
                            for id in Names::target_names(t) {
                                sig.run_keys.insert(text(id, src).to_string());
                            }
                        }
                        if kind == "as_pattern" {
                            let ids: Vec<&str> = Names::target_names(t)
                                .into_iter()
                                .map(|id| text(id, src))
                                .collect();
                            // `with tempfile.NamedTemporaryFile(delete=False) as f:`,
                            // `with tarfile.open(P) as t:`.
                            bind_file_handles(&mut sig, &ids, v, src, &names, scope);
                        }
                        // `iter(lambda: resp.read(8192), b'')` reads `resp` too.
                        let fetched = kind == "for_statement" && {
                            let mut stack = vec![v];
                            let mut seen = 0;
                            let mut found = false;
                            while let Some(x) = stack.pop() {
                                seen += 1;
                                if seen > 64 {
                                    break;
                                }
                                if fetches(x, src, &names, scope, &sig.downloaded) {
                                    found = true;
                                    break;
                                }
                                let mut c = x.walk();
                                stack.extend(x.named_children(&mut c));
                            }
                            found
                        };
                        // `with urlopen(url) as r:`: `r` reads downloaded data.
                        let fetched = fetched
                            || (kind == "as_pattern"
                                && fetches(v, src, &names, scope, &sig.downloaded));
                        for id in Names::target_names(t) {
                            let id = text(id, src).to_string();
                            match &handle {
                                Some(key) if sig.write_handles.len() < MAX_CALLED => {
                                    sig.write_handles.insert(id, key.clone());
                                }
                                _ if fetched && sig.downloaded.len() < MAX_CALLED => {
                                    sig.downloaded.insert(id);
                                }
                                _ => {}
                            }
                        }
                    }
                    let mut bound: Vec<(tree_sitter::Node<'_>, Value)> = Vec::new();
                    if kind == "as_pattern" {
                        // `with open(P) as f:` binds `f` to the file.
                        let value = n
                            .named_child(0)
                            .and_then(|e| {
                                file_value(e, src, &names, scope).or_else(|| {
                                    names
                                        .eval(e, src, scope)
                                        .filter(|v| matches!(v, Value::Name(_)))
                                })
                            })
                            .unwrap_or(Value::Opaque);
                        let ids = Names::target_names(t);
                        let single = ids.len() == 1;
                        for id in ids {
                            let v = if single { value.clone() } else { Value::Opaque };
                            bound.push((id, v));
                        }
                    } else {
                        for id in Names::target_names(t) {
                            bound.push((id, Value::Opaque));
                        }
                    }
                    if let Some(r) = field(n, F::Right).filter(|r| {
                        kind == "for_statement" && matches!(r.kind_name(), "list" | "tuple")
                    }) {
                        let mut c = r.walk();
                        let items: Vec<_> = r.named_children(&mut c).take(64).collect();
                        for item in items {
                            for (id, x) in unpack(t, Some(item)) {
                                let Some(Value::Name(v)) =
                                    x.and_then(|x| names.eval(x, src, scope))
                                else {
                                    continue;
                                };
                                if !(names.sticky)(&v) {
                                    continue;
                                }
                                if let Some(b) = bound
                                    .iter_mut()
                                    .find(|b| b.0.id() == id.id() && matches!(b.1, Value::Opaque))
                                {
                                    b.1 = Value::Name(v);
                                }
                            }
                        }
                    }
                    for (id, v) in bound {
                        names.bind(scope, text(id, src), v, line);
                    }
                }
            }
            "function_definition" => {
                if let Some(id) = field(n, F::Name).filter(|_| scope == names::MODULE) {
                    if module_defs.len() < MAX_CALLED {
                        module_defs.insert(text(id, src), n);
                    }
                    let w = global_writes(n, src);
                    if !w.is_empty() && writes_globals.len() < MAX_CALLED {
                        writes_globals.insert(text(id, src).to_string(), w);
                    }
                }
                if let Some(id) = field(n, F::Name) {
                    // `def d(x): return base64.b64decode(x)` is another name for the decoder
                    // (or exec, or a process call) it wraps.
                    let v = wrapped(n, src, &names, scope)
                        .map_or(Value::Opaque, |w| Value::Name(std::rc::Rc::from(w)));
                    names.bind(scope, text(id, src), v, line);
                }
            }
            "decorator" if !in_fn => {
                // The decorator's name (`@deco`, `@factory(…)`) and the name it decorates.
                let deco = n.named_child(0).and_then(|e| match e.kind_name() {
                    "identifier" => Some(e),
                    "call" => field(e, F::Function).filter(|f| f.kind_name() == "identifier"),
                    _ => None,
                });
                let def = n
                    .parent()
                    .and_then(|p| p.child_by_field_name("definition"))
                    .and_then(|d| field(d, F::Name));
                // `@register` / `@register('name')` on a module-level function: the registrar's
                // container holds it.
                if func.is_none() && registered.len() < MAX_CALLED {
                    if let (Some(d), Some(f)) = (deco, def) {
                        let d = text(d, src);
                        if !registrars.contains_key(d) && registrars.len() < MAX_CALLED {
                            let c = module_defs
                                .get(d)
                                .and_then(|n| registrar_container(*n, src));
                            registrars.insert(d.to_string(), c);
                        }
                        if let Some(Some(c)) = registrars.get(d) {
                            registered.push((c.clone(), text(f, src).to_string()));
                        }
                    }
                }
                // `@property` on a method of a module-level class (`func` is `Class.`).
                if let (Some(class), Some(e)) = (
                    func.as_deref().filter(|f| f.ends_with('.')),
                    n.named_child(0),
                ) {
                    let d = dotted(e, src);
                    let last = d.rsplit('.').next().unwrap_or(&d);
                    if let (true, Some(m)) = (matches!(last, "property" | "cached_property"), def) {
                        if properties.len() < MAX_CALLED {
                            properties.insert(format!("{class}{}", text(m, src)));
                        }
                    }
                    // `@p.setter` / `@p.deleter` (`@p.getter`) on a function of any name: it
                    // runs when `p` is assigned, deleted (read) on an instance.
                    if let (Some((prop, "setter" | "deleter" | "getter")), Some(m)) =
                        (d.rsplit_once('.'), def)
                    {
                        if !prop.contains('.') && property_parts.len() < MAX_CALLED {
                            let parts = property_parts.entry(format!("{class}{prop}")).or_default();
                            if parts.len() < MAX_SHAPE_METHODS {
                                parts.push(format!("{class}{}", text(m, src)));
                            }
                        }
                    }
                }
                // `@deco` / `@factory(…)` on a module-level function: calling the function at
                // load runs what the decorator returned ([`returned_closure`]).
                // A method of a module-level class is `Class.method` (`func` is `Class.`).
                let owner = match func.as_deref() {
                    None => Some(""),
                    Some(c) if c.ends_with('.') => Some(c),
                    Some(_) => None,
                };
                if let (Some(owner), true) = (owner, sig.decorated.len() < MAX_CALLED) {
                    if let (Some(d), Some(f)) = (deco, def) {
                        sig.decorated
                            .push((format!("{owner}{}", text(f, src)), text(d, src).to_string()));
                    }
                }
                // `@deco` calls `deco` on the definition at import.
                if let Some(e) = n.named_child(0) {
                    if matches!(e.kind_name(), "identifier" | "attribute") {
                        let spelled = dotted(e, src);
                        let resolved = names.resolve(e, src, scope);
                        // `@atexit.register` calls the function itself, at exit.
                        let calls_it = [Some(&spelled), resolved.as_ref()]
                            .into_iter()
                            .flatten()
                            .any(|d| d == "atexit.register");
                        if calls_it {
                            if let Some(name) = def {
                                sig.called_at_load.insert(text(name, src).to_string());
                            }
                        }
                        // `@exec` over `@base64.b64decode` over `@lambda f: '…'`: decorators
                        // apply from the innermost, so exec runs the decoded constant.
                        let sink = [Some(&spelled), resolved.as_ref()]
                            .into_iter()
                            .flatten()
                            .find(|d| is_exec(d) || is_process(d))
                            .cloned();
                        if let Some(sink) = sink {
                            let mut decoded = false;
                            let mut constant = None;
                            let mut next = n.next_named_sibling();
                            for _ in 0..16 {
                                let Some(d) = next.filter(|d| d.kind_name() == "decorator") else {
                                    break;
                                };
                                if let Some(e) = d.named_child(0) {
                                    match e.kind_name() {
                                        "identifier" | "attribute" => {
                                            let inner = names
                                                .resolve(e, src, scope)
                                                .unwrap_or_else(|| dotted(e, src));
                                            decoded |= is_decoder(&inner);
                                        }
                                        "lambda" => {
                                            constant = e
                                                .child_by_field_name("body")
                                                .and_then(|b| names.eval(b, src, scope))
                                                .as_ref()
                                                .and_then(Value::bytes)
                                                .map(|b| String::from_utf8_lossy(b).into_owned());
                                        }
                                        _ => {}
                                    }
                                }
                                next = d.next_named_sibling();
                            }
                            let ev = format!("@{spelled} (a decorator: calls {sink})");
                            if is_exec(&sink) && decoded {
                                sig.exec_decoded.push((line, in_fn, ev));
                            } else if is_exec(&sink) {
                                if let Some(code) = constant.filter(|c| c.contains('(')) {
                                    push_nested(&mut sig, line, code);
                                }
                            } else if constant.is_some() || decoded {
                                sig.shell.push((line, in_fn, ev));
                            }
                        }
                        sig.called_at_load.insert(spelled);
                        if let Some(r) = resolved {
                            sig.called_at_load.insert(r);
                        }
                    }
                }
            }
            // An importlib loader's `get_data`/`get_source`/`get_code` returns the module's
            // code, which the loader's `exec_module` runs: returning decoded data there is
            // exec of it.
            "return_statement" if in_fn => {
                let loader_method = func.as_deref().and_then(|f| f.split_once('.')).is_some_and(
                    |(class, method)| {
                        matches!(
                            method,
                            "get_data" | "get_source" | "get_code" | "source_to_code"
                        ) && sig.class_bases.get(class).is_some_and(|bases| {
                            bases.iter().any(|b| {
                                b.rsplit('.').next().is_some_and(|l| l.ends_with("Loader"))
                            })
                        })
                    },
                );
                if let Some(v) = n.named_child(0).filter(|_| loader_method) {
                    let decoded = names
                        .eval(v, src, scope)
                        .as_ref()
                        .is_some_and(Value::decoded)
                        || calls_within(v, src, &names, scope)
                            .iter()
                            .any(|c| is_decoder(c));
                    if decoded && sig.exec_decoded.len() < 64 {
                        sig.exec_decoded.push((
                            line,
                            in_fn,
                            format!(
                                "{} (an importlib loader's code, run by exec_module)",
                                short(text(n, src))
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
        // A leaf binds nothing and has nothing below it to visit.
        if after.is_empty() && n.named_child_count() == 0 {
            continue;
        }
        // Code under `if __name__ == "__main__":` runs when the file is run as a script, not
        // when it is imported: it counts as latent, like a function body. Under
        // `if __name__ != "__main__":` it is the `else` that is latent. In a file that runs as
        // `__main__` (`setup.py`, `__main__.py`) the guarded body is what runs: no latency.
        let guard = if kind == "if_statement" {
            let c = field(n, F::Condition);
            c.filter(|_| !as_main)
                .and_then(|c| main_guard(c, src))
                .or_else(|| {
                    // A file that writes `sys.argv` itself arms its own branches (read once).
                    c.and_then(|c| argv_guard(c, src))
                        .filter(|_| !*argv_armed.get_or_init(|| argv_written(src)))
                })
        } else {
            None
        };
        // A lambda called where it is written runs now; its body is not latent.
        let child_in_fn =
            in_fn || kind == "function_definition" || (kind == "lambda" && !called_here(n, src));
        // The outermost function a node is in (a module-level call of it runs its body); a
        // lambda bound to a name (`run = lambda: …`) is a function of that name.
        let child_func = match (&func, kind) {
            // A lambda written at module level or in a class body, not bound to a name: named
            // by where it starts ([`lambda_key`]), so a call that hands it to something that
            // calls it (`field(default_factory=lambda: …)`, `type('X', (), {'__init__':
            // lambda self: …})`) can mark it as run at load.
            (f, "lambda")
                if !in_fn
                    && f.as_ref().is_none_or(|f| f.ends_with('.'))
                    && n.parent().is_none_or(|p| {
                        p.kind_name() != "assignment"
                            || field(p, F::Left).is_none_or(|l| l.kind_name() != "identifier")
                    }) =>
            {
                Some(lambda_key(n))
            }
            // A closure the function around it only returns (a decorator's wrapper): its body
            // runs when what was returned is called, not when the outer function is
            // ([`returned_closure`]); its lines get a name of their own, which nothing calls.
            (Some(outer), "function_definition") if in_fn && returned_closure(n, src) => {
                field(n, F::Name).map(|x| format!("{outer}.<{}>", text(x, src)))
            }
            // A method of a module-level class is `Class.method`.
            (Some(class), "function_definition") if class.ends_with('.') && !in_fn => {
                let method = field(n, F::Name).map(|x| text(x, src));
                let k = class.strip_suffix('.').unwrap_or(class);
                let shape = sig.class_shapes.iter_mut().rev().find(|s| s.0 == k);
                if let (Some(m), Some(shape)) = (method, shape) {
                    if shape.2.len() < MAX_SHAPE_METHODS {
                        shape.2.push(m.to_string());
                    }
                }
                method.map(|m| format!("{class}{m}"))
            }
            _ => None,
        }
        .map(std::rc::Rc::from)
        .or_else(|| func.clone())
        .or_else(|| {
            if in_fn {
                return None;
            }
            match kind {
                "class_definition" => field(n, F::Name).map(|x| format!("{}.", text(x, src))),
                "function_definition" => field(n, F::Name).map(|x| text(x, src).to_string()),
                "lambda" => n
                    .parent()
                    .filter(|p| p.kind_name() == "assignment")
                    .and_then(|p| field(p, F::Left))
                    .filter(|l| l.kind_name() == "identifier")
                    .map(|l| text(l, src).to_string()),
                _ => None,
            }
            .map(std::rc::Rc::from)
        });
        // Bindings under these may not happen; a new scope starts straight-line again.
        let child_branch = match kind {
            "function_definition" | "lambda" | "class_definition" => false,
            "if_statement"
            | "elif_clause"
            | "else_clause"
            | "try_statement"
            | "except_clause"
            | "finally_clause"
            | "for_statement"
            | "while_statement"
            | "with_statement"
            | "match_statement"
            | "case_clause"
            | "conditional_expression" => true,
            _ => branch,
        };
        let child_scope = match kind {
            "function_definition" | "lambda" => {
                let s = names.new_scope(scope, false);
                if let Some(p) = field(n, F::Parameters) {
                    // A method's first parameter is the instance: `self.r` reads what the class
                    // binds (`r = staticmethod(os.system)`, `self.r = os.system` in a method).
                    let method = kind == "function_definition" && names.is_class(scope);
                    for (i, (id, default)) in parameters(p, src).into_iter().enumerate() {
                        // A default value is evaluated where the function is defined; one that
                        // runs code (`def g(f=os.system)`) is what a call without it gets.
                        let v = match default.and_then(|d| names.eval(d, src, scope)) {
                            Some(Value::Name(v)) if (names.sticky)(&v) => Value::Name(v),
                            _ if method && i == 0 && s != scope => Value::Class(scope),
                            _ => Value::Opaque,
                        };
                        names.bind(s, id, v, line);
                    }
                }
                s
            }
            "class_definition" => {
                let s = names.new_scope(scope, true);
                if let Some(id) = field(n, F::Name) {
                    // `C.attr` reads the body's bindings; past the scope bound, nothing.
                    let v = if s != scope {
                        Value::Class(s)
                    } else {
                        Value::Opaque
                    };
                    names.bind(scope, text(id, src), v, line);
                }
                // `self.r = os.system` in a method binds `r` on the instances: in the class
                // body, before anything of the class can be called.
                if s != scope {
                    for (attr, value) in instance_attributes(n, src) {
                        if let Some(Value::Name(v)) = names.eval(value, src, scope) {
                            if (names.sticky)(&v) {
                                names.bind(s, attr, Value::Name(v), line);
                            }
                        }
                    }
                }
                s
            }
            _ => scope,
        };
        let consequence = guard.and_then(|_| field(n, F::Consequence)).map(|x| x.id());
        let params = matches!(kind, "function_definition" | "lambda")
            .then(|| field(n, F::Parameters))
            .flatten()
            .map(|x| x.id());
        // The return annotation is evaluated with the parameters' (up to Python 3.13, without
        // `from __future__ import annotations`), as parameter annotations are.
        let returns = (kind == "function_definition")
            .then(|| n.child_by_field_name("return_type").map(|x| x.id()))
            .flatten();
        let condition = guard.and_then(|_| field(n, F::Condition)).map(|x| x.id());
        let deferred_body = kind == "function_definition";
        if !deferred_body && !after.is_empty() {
            stack.push(Step::Bind {
                binds: after,
                scope,
                line,
                branch,
            });
        }
        // The children's steps go straight onto the stack (or, for a function's body, into
        // the batch walked after the module level), first child on top: pushed in order, then
        // that run reversed. One cursor serves every node (no allocation per node).
        let mut body = Vec::new();
        let mut now = Vec::new();
        let base = stack.len();
        for ch in n.named_children(&mut cursor) {
            // Default values run when the function (or lambda: `f = lambda
            // x=os.system(…): x`) is defined, in the enclosing scope (tester t18 g02).
            if (Some(ch.id()) == params && kind == "lambda")
                || (Some(ch.id()) == params || returns.is_some_and(|r| r == ch.id()))
                    && kind == "function_definition"
            {
                now.push(Step::Visit {
                    node: ch,
                    in_fn,
                    func: func.clone(),
                    scope,
                    branch,
                });
                continue;
            }
            let latent = match guard {
                Some(eq) => (Some(ch.id()) == consequence) == eq && condition != Some(ch.id()),
                None => false,
            };
            let step = Step::Visit {
                node: ch,
                in_fn: child_in_fn || latent,
                func: child_func.clone(),
                scope: child_scope,
                branch: child_branch,
            };
            if deferred_body {
                body.push(step);
            } else {
                stack.push(step);
            }
        }
        if deferred_body {
            // A body runs when the function is called, after the module level has bound its
            // names: walked once the module level is done.
            body.reverse();
            deferred.push_back(body);
        } else {
            stack[base..].reverse();
        }
        // Defaults and annotations run now (a lambda's before its body), last child first.
        now.reverse();
        stack.extend(now);
    }
    if hints_evaluated {
        for (line, code) in annotations {
            push_nested(&mut sig, line, code);
        }
    }
    for (caller, container) in &registry_calls {
        for (_, f) in registered.iter().filter(|(c, _)| c == container) {
            if sig.called_at_load.len() >= MAX_CALLED || sig.calls_total >= MAX_CALL_EDGES {
                break;
            }
            match caller {
                None => {
                    sig.called_at_load.insert(f.clone());
                }
                Some(k) => {
                    if sig.calls_in.entry(k.clone()).or_default().insert(f.clone()) {
                        sig.calls_total += 1;
                    }
                }
            }
        }
    }
    sig.names_overflow = names.overflow;
    // Function bodies were walked last; keep the signals in source order.
    for v in [
        &mut sig.exec_decoded,
        &mut sig.shell,
        &mut sig.hidden_spawn,
        &mut sig.network,
    ] {
        v.sort_by_key(|s| s.0);
    }
    sig.env_dump.sort_by_key(|s| s.0);
    for v in [
        &mut sig.credentials,
        &mut sig.secret_reads,
        &mut sig.identity,
    ] {
        v.sort_by_key(|s| s.0);
    }
    for v in [&mut sig.miner, &mut sig.install_hook] {
        v.sort_by_key(|s| s.0);
    }
    sig
}

fn emit(
    ctx: &mut Ctx,
    rule: &'static crate::rules::Rule,
    severity: Severity,
    loc: &Location,
    line: usize,
    message: String,
    evidence: &str,
) {
    ctx.emit(
        Finding::builder(rule, loc.with_span(Span::Line { line: line as u64 }))
            .severity(severity)
            .message(message)
            .evidence(evidence.to_string())
            .build(),
    );
}

/// Whether code nested in the source at `depth` would pass the nesting bound; if so it is
/// reported (`what` was not analysed).
fn too_deep(ctx: &mut Ctx, loc: &Location, depth: u32, what: &str) -> bool {
    if depth < ctx.budget.limits.max_depth {
        return false;
    }
    ctx.limit(
        loc,
        &format!("nesting deeper than {}", ctx.budget.limits.max_depth),
        what,
    );
    true
}

/// CPython's tokenizer limit on indentation levels (`MAXINDENT` in `Parser/tokenizer.h`).
const MAX_INDENT_LEVELS: usize = 100;

/// Whether `src` indents deeper than [`MAX_INDENT_LEVELS`], counting levels as the tokenizer
/// does (a stack of columns, tabs to multiples of 8), over every line that is not blank or a
/// comment. Lines inside strings and brackets are counted too, so this may count more levels
/// than Python, never fewer.
fn too_many_indents(src: &[u8]) -> bool {
    let mut stack: Vec<usize> = Vec::new();
    for line in src.split(|b| *b == b'\n') {
        let (col, i) = crate::formats::python_layout::indentation(line);
        if i == line.len() || matches!(line[i], b'#' | b'\r') {
            continue;
        }
        while stack.last().is_some_and(|top| *top > col) {
            stack.pop();
        }
        if col > 0 && stack.last().is_none_or(|top| *top < col) {
            stack.push(col);
            if stack.len() > MAX_INDENT_LEVELS {
                return true;
            }
        }
    }
    false
}

/// `src` with every non-ASCII identifier character NFKC-normalised, as Python's tokenizer reads
/// identifiers (PEP 3131); `None` when that changes nothing (ASCII, or identifiers already in
/// NFKC such as CJK names), so most sources are not copied. Characters in strings and
/// comments are normalised too (the scan does not know where they are); NFKC never makes a
/// line break of an identifier character, so line numbers stay.
fn nfkc_identifiers(src: &[u8]) -> Option<Vec<u8>> {
    use unicode_normalization::UnicodeNormalization;
    if src.is_ascii() {
        return None;
    }
    let text = std::str::from_utf8(src).ok()?;
    let changes = |c: char| {
        !c.is_ascii()
            && unicode_ident::is_xid_continue(c)
            && unicode_normalization::is_nfkc_quick(std::iter::once(c))
                != unicode_normalization::IsNormalized::Yes
    };
    if !text.chars().any(changes) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if changes(c) {
            out.extend(std::iter::once(c).nfkc());
        } else {
            out.push(c);
        }
    }
    Some(out.into_bytes())
}

/// `src` with every CR that does not start a CRLF turned into LF.
fn lone_cr_to_lf(src: &[u8]) -> Vec<u8> {
    let mut out = src.to_vec();
    for i in memchr::memchr_iter(b'\r', src) {
        if src.get(i + 1) != Some(&b'\n') {
            out[i] = b'\n';
        }
    }
    out
}

/// Codecs (as Python normalises their names: lower case, `-` and spaces as `_`) under which a
/// source's ASCII bytes do not stand for themselves: UTF-7 turns `+AAo-` into a newline, the
/// escape codecs turn `\\n` into one, Punycode rewrites everything. Python accepts each in a
/// PEP 263 cookie; no real package needs them.
const HIDING_CODECS: &[&str] = &[
    "utf_7",
    "utf7",
    "u7",
    "unicode_1_1_utf_7",
    "csunicode11utf7",
    "unicode_escape",
    "raw_unicode_escape",
    "punycode",
];

/// The PEP 263 coding cookie of `src` (line 1 or 2, `coding[:=]\s*NAME` in a comment) when it
/// names one of [`HIDING_CODECS`]: (line number from 1, codec as written, the cookie line).
fn hiding_coding(src: &[u8]) -> Option<(usize, String, &str)> {
    for (i, raw) in src.split(|&b| b == b'\n' || b == b'\r').take(2).enumerate() {
        let line = std::str::from_utf8(raw).ok()?;
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        if !trimmed.starts_with('#') {
            // A cookie on line 2 counts only after a comment or blank line 1.
            if trimmed.is_empty() {
                continue;
            }
            return None;
        }
        let Some(at) = trimmed.find("coding") else {
            continue;
        };
        let rest = &trimmed[at + "coding".len()..];
        let Some(rest) = rest.strip_prefix([':', '=']) else {
            continue;
        };
        let name: String = rest
            .trim_start_matches([' ', '\t'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let norm = name.to_ascii_lowercase().replace(['-', ' '], "_");
        if HIDING_CODECS.contains(&norm.as_str()) {
            return Some((i + 1, name, line.trim_end()));
        }
        return None;
    }
    None
}

/// Word groups of the prefilter: a source is parsed only when one of the rules could fire on
/// it (a linear scan instead of a parse for the thousands of ordinary modules of an
/// environment; tree-sitter-python parses a few MB/s).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Exec,
    Decoder,
    Spawn,
    Silenced,
    Process,
    Network,
    Credential,
    Miner,
    Hook,
    /// A callable's name followed by whitespace: counted as [`Group::Process`] or
    /// [`Group::Exec`] only when a `(` follows ([`MaybeCall`]).
    SpacedProcess,
    SpacedExec,
    /// The start of an `import` statement (or a word inside one): judged by
    /// [`sensitive_import`], which names the group its bindings belong to.
    Import,
    /// A lookup or call that computes what it reaches (`getattr(`, `vars(`, `__dict__`,
    /// `sys.modules`, `methodcaller`, `partial(`, `atexit`, a thread target): judged only with
    /// a [`Group::Module`] word, since ordinary code is full of them.
    Dynamic,
    /// A module that runs code or processes (`import os`, `builtins`, `ctypes`, `posix` …).
    Module,
}

/// The prefilter's searcher: an Aho-Corasick DFA reporting non-overlapping leftmost-first
/// matches, which is all the groups need. Measured on the corpus tree with about 128 words per
/// searcher, the DFA took 3-4 % less CPU than Teddy (aho-corasick's SIMD packed searcher,
/// which also stops at 128 patterns): Teddy verifies a candidate at every place a word's first
/// bytes occur, and with this many words that is most places.
struct Finder(aho_corasick::AhoCorasick);

static TRIGGERS: std::sync::LazyLock<Option<(Finder, Vec<Group>)>> =
    std::sync::LazyLock::new(|| {
        let mut words: Vec<(String, Group)> = [
            ("exec(", Group::Exec),
            ("eval(", Group::Exec),
            // `os.system (…)`, `exec\t(…)`, `os.system  # comment` before a `(` on the next
            // line inside brackets: the name and a blank, the `(` checked after the match.
            // Both searchers take the pattern listed first among those that match at one
            // place (leftmost-first), so an import alias is listed before the spaced name.
            ("system as", Group::Process),
            ("popen as", Group::Process),
            ("exec ", Group::SpacedExec),
            ("eval ", Group::SpacedExec),
            ("exec\t", Group::SpacedExec),
            ("eval\t", Group::SpacedExec),
            ("system ", Group::SpacedProcess),
            ("system\t", Group::SpacedProcess),
            ("popen ", Group::SpacedProcess),
            ("popen\t", Group::SpacedProcess),
            ("Popen ", Group::SpacedProcess),
            ("Popen\t", Group::SpacedProcess),
            ("system\\", Group::SpacedProcess),
            ("sys.executable", Group::Spawn),
            ("DEVNULL", Group::Silenced),
            ("system(", Group::Process),
            ("popen(", Group::Process),
            ("Popen(", Group::Process),
            ("spawn", Group::Process),
            ("subprocess.", Group::Process),
            ("_get_command_stdout", Group::Process),
            ("pty.", Group::Process),
            ("urlopen", Group::Network),
            ("urlretrieve", Group::Network),
            ("urllib3.", Group::Network),
            ("smtplib.", Group::Network),
            ("sendmail", Group::Network),
            ("build_opener", Group::Network),
            ("dns.resolver", Group::Network),
            ("ftplib.", Group::Network),
            ("requests.", Group::Network),
            ("httpx.", Group::Network),
            ("socket.", Group::Network),
            ("HTTPConnection", Group::Network),
            ("HTTPSConnection", Group::Network),
            ("create_connection", Group::Network),
            ("cmdclass", Group::Hook),
            // Listeners and input capture without a process or network word
            // (`python-listener-at-load`, `python-input-capture`), and a browser named by a
            // command line.
            ("SimpleHTTPRequestHandler", Group::Network),
            ("XMLRPCServer", Group::Network),
            ("config.listen(", Group::Network),
            ("import listen", Group::Network),
            ("import keyboard", Group::Network),
            ("keyboard.on_", Group::Network),
            ("keyboard.hook", Group::Network),
            ("pynput", Group::Network),
            ("pyperclip", Group::Network),
            ("SetWindowsHookEx", Group::Network),
            ("GetAsyncKeyState", Group::Network),
            ("webbrowser.get(", Group::Network),
            ("marshal.loads", Group::Decoder),
            ("codecs.decode", Group::Decoder),
            ("XMRig", Group::Miner),
            // Spellings the name table resolves whose usual words are absent:
            // `getattr(os, 'system')`, `from os import system as s`, `f = os.system`,
            // `from subprocess import run`, `e = eval`, `r, x = print, exec`,
            // `getattr(builtins, 'exec')`, `__builtins__['eval']`. Each begins as a word above
            // does (`syst`, `pope`, `subp`, `exec`, `eval`), so the searcher's candidates stay where
            // they were: `'system'`, `= eval`, `os.system` or `, "system")` add fingerprints
            // ordinary code is full of (the prefilter took up to twice as long with them), and
            // a quoted `"system"` is every chat message's role. On the corpus tree these words
            // parse 51 more modules (+11% of the bytes parsed), mostly prose (`… by system")`).
            ("system')", Group::Process),
            ("system\")", Group::Process),
            ("system\n", Group::Process),
            ("system\r", Group::Process),
            ("subprocess import", Group::Process),
            // A process function named without a call (`from os import system, popen`,
            // `a, b = os.system, 1`, `(f := os.system)`, `{'r': os.system}`).
            (".system", Group::Process),
            ("system,", Group::Process),
            ("system)", Group::Process),
            ("create_subprocess", Group::Process),
            ("getoutput", Group::Process),
            ("os.exec", Group::Process),
            ("run_path", Group::Exec),
            ("run_module", Group::Exec),
            ("runsource", Group::Exec),
            ("runcode", Group::Exec),
            ("pickle.load", Group::Exec),
            ("exec}", Group::Exec),
            ("exec'", Group::Exec),
            ("exec\"", Group::Exec),
            ("exec\n", Group::Exec),
            ("exec\r", Group::Exec),
            ("exec;", Group::Exec),
            ("exec)", Group::Exec),
            ("exec,", Group::Exec),
            ("eval')", Group::Exec),
            ("eval\")", Group::Exec),
            ("eval']", Group::Exec),
            ("eval\"]", Group::Exec),
            ("eval\n", Group::Exec),
            ("eval\r", Group::Exec),
            ("eval;", Group::Exec),
            ("eval)", Group::Exec),
            ("eval,", Group::Exec),
        ]
        .iter()
        .map(|(w, g)| (w.to_string(), *g))
        .collect();
        words.extend(DECODERS.iter().map(|d| (d.to_string(), Group::Decoder)));
        words.extend(
            CREDENTIALS
                .iter()
                .map(|c| (c.to_string(), Group::Credential)),
        );
        // The search is case-sensitive: Python names are, and a case-insensitive automaton
        // loses its SIMD prefilter (the whole scan of the corpus tree took 20% more CPU). Miner
        // words, which the rule compares case-insensitively, are searched in their usual
        // spellings (lower, upper, capitalised, `XMRig`).
        for m in MINER.iter().chain(MINER_FLAGS) {
            for v in [m.to_string(), m.to_ascii_uppercase(), capitalise(m)] {
                words.push((v, Group::Miner));
            }
        }
        let words: Vec<(&str, Group)> = words.iter().map(|(w, g)| (w.as_str(), *g)).collect();
        build_finder(&words)
    });

/// The second prefilter: computed lookups ([`Group::Dynamic`]) and modules that run code
/// ([`Group::Module`]). Kept apart from [`TRIGGERS`] so that each stays small
/// patterns, and so that `import sys` cannot hide the `system as` of `import system as s`
/// (each searcher reports non-overlapping matches).
static LOOKUPS: std::sync::LazyLock<Option<(Finder, Vec<Group>)>> =
    std::sync::LazyLock::new(|| {
        let words: Vec<(&str, Group)> = vec![
            ("getattr(", Group::Dynamic),
            ("setattr(", Group::Dynamic),
            ("__dict__", Group::Dynamic),
            ("vars(", Group::Dynamic),
            // `inspect.getmembers(os)` filtered for a callable ([`namespace_pick`]).
            ("getmembers(", Group::Dynamic),
            ("sys.modules", Group::Dynamic),
            ("methodcaller", Group::Dynamic),
            // `os.__getattribute__('system')`, libc's functions by subscript
            // (`ctypes.CDLL(None)['system']`, `ctypes.cdll['libc.so.6']`). The searcher's candidates
            // come from a word's first bytes: `ibute__(` keeps `__getattribute__(` from
            // stopping at every `__get…`.
            ("ibute__(", Group::Dynamic),
            ("CDLL(", Group::Dynamic),
            ("cdll[", Group::Dynamic),
            ("partial(", Group::Dynamic),
            ("atexit", Group::Dynamic),
            ("Thread(", Group::Dynamic),
            ("Timer(", Group::Dynamic),
            ("finalize(", Group::Dynamic),
            ("globals()", Group::Dynamic),
            // Imports that bind a process module or function under another name (`import os
            // as o; o.execv(…)`, `from os import execl`, `import subprocess as sp`), and
            // dynamic imports: the call itself then names no process word.
            ("import os as", Group::Process),
            ("import builtins as", Group::Process),
            ("from os import", Group::Process),
            ("from subprocess", Group::Process),
            ("__import__(", Group::Process),
            ("import_module(", Group::Process),
            ("from pickle import", Group::Exec),
            // Callables named by strings (`pkgutil.resolve_name('os:system')`, `pydoc.locate`,
            // an entry point's value, a logging config's `'()'`, `PYTHONBREAKPOINT`) and code
            // run from files (`zipimport`), and writes of startup files: the call names no
            // process word.
            ("resolve_name", Group::Exec),
            ("pydoc", Group::Exec),
            ("EntryPoint(", Group::Exec),
            ("dictConfig", Group::Exec),
            ("fileConfig", Group::Exec),
            ("BREAKPOINT", Group::Exec),
            ("breakpointhook", Group::Exec),
            ("zipimport", Group::Exec),
            ("sitepackages", Group::Exec),
            ("customize", Group::Exec),
            (".pth", Group::Exec),
            // Persistence: login, schedule and service files, and the tools that install
            // schedules and services ([`PERSISTENCE_WORDS`], [`installs_persistence`]).
            ("bashrc", Group::Exec),
            ("bash_profile", Group::Exec),
            ("zshrc", Group::Exec),
            ("zprofile", Group::Exec),
            (".profile'", Group::Exec),
            (".profile\"", Group::Exec),
            ("crontab", Group::Exec),
            ("/etc/cron", Group::Exec),
            ("systemd", Group::Exec),
            ("systemctl", Group::Exec),
            ("launchctl", Group::Exec),
            ("LaunchAgents", Group::Exec),
            ("LaunchDaemons", Group::Exec),
            ("autostart", Group::Exec),
            ("schtasks", Group::Exec),
            ("rc.local", Group::Exec),
            ("ld.so.preload", Group::Exec),
            (".bash", Group::Exec),
            ("zlog", Group::Exec),
            (".fish", Group::Exec),
            (".ssh", Group::Exec),
            ("authorized_", Group::Exec),
            ("gitconfig", Group::Exec),
            // git hooks (`.git/hooks/pre-commit`, `join(root, '.git', 'hooks', …)`).
            ("hooks/", Group::Exec),
            ("hooks'", Group::Exec),
            ("hooks\"", Group::Exec),
            ("ip.conf", Group::Exec),
            ("ip.ini", Group::Exec),
            (".desktop", Group::Exec),
            ("Startup", Group::Exec),
            ("sudoers", Group::Exec),
            ("winreg", Group::Exec),
            ("CurrentVersion", Group::Exec),
            // Spelled from their rarer bytes (chosen when the searcher was Teddy, which picks
            // candidates by a word's first bytes): `leinput` of `fileinput`,
            // `ip.conf` of `pip.conf`, `p_socket` of `wrap_socket`, `.ipython` for
            // `profile_default`, `.fish`, `.desktop`, so that `file…`, `conf…`, `appl…`,
            // `wrap…` and `prof…` (everywhere in code) are not candidates.
            ("leinput", Group::Exec),
            (".ipython", Group::Exec),
            // Callables that run the file they are handed (`os.startfile`, `ShellExecuteW`,
            // `LoadLibraryW`).
            ("rtfile", Group::Process),
            ("ShellExecute", Group::Process),
            ("LoadLibrary", Group::Process),
            // Tool configurations that name what they run ([`persist`]'s words): zsh's
            // environment file, tmux, login banners, conda and venv activation, Jupyter
            // kernels, VS Code tasks, the user's own `bin` folder.
            ("zshenv", Group::Exec),
            ("tmux.conf", Group::Exec),
            ("update-motd", Group::Exec),
            ("activate.d", Group::Exec),
            ("bin/activate", Group::Exec),
            // `os.path.join(sys.prefix, 'bin', 'activate')` (tester t14 pe11).
            ("'activate'", Group::Exec),
            ("\"activate\"", Group::Exec),
            ("jupyter/kernels", Group::Exec),
            (".vscode", Group::Exec),
            (".local/bin", Group::Exec),
            // PyArmor's loader `__pyarmor__(…)`.
            ("armor__(", Group::Exec),
            // `u = pickle.Unpickler(stream)` … `u.load()`.
            ("Unpickler(", Group::Exec),
            ("FunctionType", Group::Exec),
            ("CodeType", Group::Exec),
            ("timeit", Group::Exec),
            ("cProfile.run", Group::Exec),
            ("pdb.run", Group::Exec),
            ("PyRun_", Group::Exec),
            ("import os", Group::Module),
            ("from os", Group::Module),
            ("import sys", Group::Module),
            ("builtins", Group::Module),
            ("__import__", Group::Module),
            ("import_module", Group::Module),
            ("posix", Group::Module),
            ("ctypes", Group::Module),
            ("import subprocess", Group::Process),
            ("subprocess", Group::Process),
            // The keyword of a shell command line, whatever the call is spelled as
            // (`sp.call(cmd, shell=True)` after `import subprocess as sp`).
            ("shell=True", Group::Process),
            ("execl(", Group::Process),
            ("execle(", Group::Process),
            ("execlp(", Group::Process),
            ("execv(", Group::Process),
            ("execve(", Group::Process),
            ("execvp(", Group::Process),
            ("execvpe(", Group::Process),
            ("import pty", Group::Module),
            ("import operator", Group::Module),
            ("import functools", Group::Module),
            ("from functools", Group::Module),
            // `from operator import attrgetter` then `attrgetter('sys' + 'tem')(os)`: the
            // getter reaches a module that a `Module` word imports.
            ("from operator", Group::Dynamic),
            // `operator.attrgetter('sys' + 'tem')(os)`: judged by what the getter is given.
            ("attrgetter(", Group::Dynamic),
            // `open(os.path.join(d, '_gen.py'), 'w').write(code)` then `import _gen`: code
            // written as a module names no other word; judged with a `Module` word too.
            (".py'", Group::Dynamic),
            (".py\"", Group::Dynamic),
            // Sinks whose calls name no other word: a module loaded from a file
            // (`spec.loader.exec_module(m)`), the `code` module's consoles, codeop, a URL
            // opener built by hand, libc's functions by subscript.
            ("exec_module(", Group::Exec),
            ("load_module(", Group::Exec),
            ("code.interact(", Group::Exec),
            ("InteractiveConsole", Group::Exec),
            ("InteractiveInterpreter", Group::Exec),
            ("compile_command(", Group::Exec),
            ("_run_code(", Group::Exec),
            ("OpenerDirector", Group::Network),
            // Shellcode runners: executable memory through ctypes or mmap.
            ("VirtualAlloc", Group::Exec),
            ("VirtualProtect", Group::Exec),
            ("CreateRemoteThread", Group::Exec),
            ("PROT_EXEC", Group::Exec),
            // Network clients kept out of the first searcher's 128 patterns.
            ("open_connection", Group::Network),
            ("telnetlib", Group::Network),
            ("aiohttp", Group::Network),
            ("ServerProxy", Group::Network),
            ("pycurl", Group::Network),
            ("webbrowser", Group::Network),
            ("p_socket", Group::Network),
            // Channels without an HTTP client's name ([`sends_through_a_service`]), spelled
            // from their rarer bytes: cloud storage, the Hugging Face Hub, SSH, a logging
            // handler that posts records.
            ("boto3", Group::Network),
            ("google.cloud", Group::Network),
            ("azure.storage", Group::Network),
            ("uggingface_hub", Group::Network),
            ("aramiko", Group::Network),
            ("TTPHandler", Group::Network),
            ("SMTPHandler", Group::Network),
            ("SysLogHandler", Group::Network),
            ("SocketHandler", Group::Network),
            ("DatagramHandler", Group::Network),
            ("mlflow", Group::Network),
            ("imaplib", Group::Network),
            ("poplib", Group::Network),
            ("multiprocessing.connection", Group::Network),
            ("paho", Group::Network),
            ("redis", Group::Network),
            ("pymongo", Group::Network),
            ("kafka", Group::Network),
            ("zmq", Group::Network),
            ("websockets", Group::Network),
            ("grpc", Group::Network),
            ("sentry_sdk", Group::Network),
            ("pysftp", Group::Network),
            ("psycopg", Group::Network),
            ("pymysql", Group::Network),
            ("discord_webhook", Group::Network),
            ("telebot", Group::Network),
            ("get_server_certificate", Group::Network),
            ("gethostbyaddr", Group::Network),
            ("getnameinfo", Group::Network),
            // Every other `import` statement, listed last so that the words above keep their
            // matches: judged by `sensitive_import` (an alias of a module that runs code,
            // processes or requests, or such a function imported by name).
            ("import ", Group::Import),
            // `from ._boot import(init)`, a tab or a line continuation after the keyword:
            // found for the package imports the join of a package's modules reads.
            ("import(", Group::Import),
            ("import\t", Group::Import),
            ("import\\", Group::Import),
        ];
        build_finder(&words)
    });

/// An import that binds a module of [`SENSITIVE_IMPORTS`] under another name, or one of its
/// functions by name.
struct SensitiveModule {
    module: &'static str,
    group: Group,
    /// A plain `import M` counts too: its calls name no word (`import code` then
    /// `code.InteractiveConsole().push(…)`).
    bare: bool,
    /// In a large module, the uses of a name the import binds under another spelling are
    /// placed (`sp.call(…)`): the calls through it name no word. Not for modules whose
    /// functions are words themselves (`o.system`, `r.urlopen`, `u.spec_from_file_location`).
    place: bool,
    /// The names a `from` import must bind to count (none listed: any name).
    names: &'static [&'static str],
}

/// Modules whose calls hide from the trigger words once they are imported under another name
/// (`import subprocess as sp`, `import urllib.request as r`) or whose functions are imported by
/// name (`from socket import socket as S`, `from code import interact`).
const SENSITIVE_IMPORTS: &[SensitiveModule] = &[
    SensitiveModule {
        module: "os",
        group: Group::Process,
        bare: false,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "posix",
        group: Group::Process,
        bare: false,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "nt",
        group: Group::Process,
        bare: false,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "subprocess",
        group: Group::Process,
        bare: false,
        place: true,
        names: &[],
    },
    SensitiveModule {
        module: "pty",
        group: Group::Process,
        bare: false,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "commands",
        group: Group::Process,
        bare: false,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "platform",
        group: Group::Process,
        bare: false,
        place: false,
        names: &["popen"],
    },
    SensitiveModule {
        module: "ctypes",
        group: Group::Process,
        bare: false,
        place: false,
        names: &["CDLL", "cdll", "PyDLL", "pythonapi"],
    },
    SensitiveModule {
        module: "builtins",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["exec", "eval", "compile", "__import__", "getattr"],
    },
    SensitiveModule {
        module: "__builtin__",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["exec", "eval", "compile", "__import__", "getattr"],
    },
    SensitiveModule {
        module: "pickle",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["load", "loads", "Unpickler", "_loads", "_Unpickler"],
    },
    SensitiveModule {
        module: "_pickle",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["load", "loads", "Unpickler"],
    },
    SensitiveModule {
        module: "cPickle",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["load", "loads", "Unpickler"],
    },
    SensitiveModule {
        module: "dill",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["load", "loads", "Unpickler"],
    },
    SensitiveModule {
        module: "cloudpickle",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["load", "loads"],
    },
    SensitiveModule {
        module: "marshal",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["load", "loads"],
    },
    SensitiveModule {
        module: "runpy",
        group: Group::Exec,
        bare: true,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "code",
        group: Group::Exec,
        bare: true,
        place: true,
        names: &["interact", "InteractiveConsole", "InteractiveInterpreter"],
    },
    SensitiveModule {
        module: "codeop",
        group: Group::Exec,
        bare: true,
        place: true,
        names: &[],
    },
    SensitiveModule {
        module: "timeit",
        group: Group::Exec,
        bare: false,
        place: false,
        names: &["timeit", "repeat", "Timer"],
    },
    SensitiveModule {
        module: "pdb",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["run", "runeval", "runctx", "Pdb"],
    },
    SensitiveModule {
        module: "bdb",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["Bdb"],
    },
    SensitiveModule {
        module: "trace",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["Trace"],
    },
    SensitiveModule {
        module: "cProfile",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["run", "runctx", "Profile"],
    },
    SensitiveModule {
        module: "profile",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["run", "runctx", "Profile"],
    },
    SensitiveModule {
        module: "doctest",
        group: Group::Exec,
        bare: false,
        place: true,
        names: &["run_docstring_examples"],
    },
    SensitiveModule {
        module: "importlib",
        group: Group::Exec,
        bare: false,
        place: false,
        names: &["import_module", "util", "machinery", "__import__"],
    },
    SensitiveModule {
        module: "importlib.util",
        group: Group::Exec,
        bare: true,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "importlib.machinery",
        group: Group::Exec,
        bare: true,
        place: false,
        names: &["SourceFileLoader", "SourcelessFileLoader"],
    },
    SensitiveModule {
        module: "types",
        group: Group::Exec,
        bare: false,
        place: false,
        names: &["FunctionType", "CodeType"],
    },
    SensitiveModule {
        module: "socket",
        group: Group::Network,
        bare: false,
        place: true,
        names: &[
            "socket",
            "create_connection",
            "gethostbyname",
            "gethostbyname_ex",
            "getaddrinfo",
        ],
    },
    SensitiveModule {
        module: "urllib",
        group: Group::Network,
        bare: false,
        place: false,
        names: &["request"],
    },
    SensitiveModule {
        module: "urllib.request",
        group: Group::Network,
        bare: true,
        place: false,
        names: &[],
    },
    SensitiveModule {
        module: "http",
        group: Group::Network,
        bare: false,
        place: false,
        names: &["client"],
    },
    SensitiveModule {
        module: "http.client",
        group: Group::Network,
        bare: true,
        place: false,
        names: &["HTTPConnection", "HTTPSConnection"],
    },
    SensitiveModule {
        module: "requests",
        group: Group::Network,
        bare: false,
        place: true,
        names: &[
            "get", "post", "put", "patch", "delete", "head", "request", "Session", "session", "api",
        ],
    },
    SensitiveModule {
        module: "httpx",
        group: Group::Network,
        bare: false,
        place: true,
        names: &[
            "get",
            "post",
            "put",
            "patch",
            "delete",
            "head",
            "request",
            "stream",
            "Client",
            "AsyncClient",
        ],
    },
    SensitiveModule {
        module: "urllib3",
        group: Group::Network,
        bare: false,
        place: true,
        names: &[
            "PoolManager",
            "ProxyManager",
            "request",
            "connection_from_url",
            "HTTPConnectionPool",
            "HTTPSConnectionPool",
        ],
    },
    SensitiveModule {
        module: "aiohttp",
        group: Group::Network,
        bare: false,
        place: true,
        names: &["ClientSession", "request"],
    },
    SensitiveModule {
        module: "smtplib",
        group: Group::Network,
        bare: false,
        place: true,
        names: &[],
    },
    SensitiveModule {
        module: "ftplib",
        group: Group::Network,
        bare: false,
        place: true,
        names: &[],
    },
    SensitiveModule {
        module: "dns",
        group: Group::Network,
        bare: false,
        place: true,
        names: &["resolver"],
    },
    SensitiveModule {
        module: "dns.resolver",
        group: Group::Network,
        bare: false,
        place: true,
        names: &[],
    },
];

/// A byte range of a source.
type ByteRange = (usize, usize);

/// Bytes of an `import` statement read ([`sensitive_import`]); a longer one is judged by its
/// start.
const MAX_IMPORT_STATEMENT: usize = 2048;

/// The `import` statement that the prefilter word at `at` (`import ` or `from `) starts or sits
/// in, when it binds a module of [`SENSITIVE_IMPORTS`] under another name or a function of
/// one by name: the statement's start (to judge each statement once), the group, and the names
/// it binds, which the calls then use (byte ranges of `src`). `None` for anything else: a
/// plain `import os`, an import of other modules, `import` in prose or a string.
fn sensitive_import(src: &[u8], at: usize) -> Option<(usize, Group, Vec<ByteRange>)> {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    if at > 0 && (ident(src[at - 1]) || src[at - 1] == b'.') {
        return None;
    }
    // The statement starts at the line start or after a `;`.
    let line_start = src[..at]
        .iter()
        .rposition(|c| matches!(c, b'\n' | b'\r' | b';'))
        .map_or(0, |p| p + 1);
    let before = src[line_start..at].trim_ascii();
    let (start, module, names_at) = if src[at..].starts_with(b"import ") {
        if before.is_empty() {
            (at, None, at + b"import ".len())
        } else {
            // `from M import …`, judged here when no `from` word matched first.
            let m = before.strip_prefix(b"from")?;
            if !m.first().is_some_and(u8::is_ascii_whitespace) {
                return None;
            }
            let start = line_start
                + (src[line_start..at].len() - src[line_start..at].trim_ascii_start().len());
            (start, Some(m.trim_ascii()), at + b"import ".len())
        }
    } else {
        // `from M import …` at `at`.
        if !before.is_empty() {
            return None;
        }
        let rest = &src[at + b"from ".len()..src.len().min(at + MAX_IMPORT_STATEMENT)];
        let skip = rest
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .count();
        let len = rest[skip..]
            .iter()
            .take_while(|c| ident(**c) || **c == b'.')
            .count();
        let m = &rest[skip..skip + len];
        let after = &rest[skip + len..];
        let gap = after
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .count();
        if gap == 0 || !after[gap..].starts_with(b"import") {
            return None;
        }
        let names_at = at + b"from ".len() + skip + len + gap + b"import".len();
        (at, Some(m), names_at)
    };
    let entry = |m: &[u8]| SENSITIVE_IMPORTS.iter().find(|e| e.module.as_bytes() == m);
    // The names bound: `a.b as c` items separated by commas, in brackets for a `from` import;
    // the statement ends at a line end outside brackets, a `;` or a comment.
    let end = src.len().min(names_at + MAX_IMPORT_STATEMENT);
    // Each imported name with its alias.
    let mut items: Vec<(ByteRange, Option<ByteRange>)> = Vec::new();
    let mut i = names_at;
    let mut open = false;
    let mut after_as = false;
    while i < end {
        match src[i] {
            b'(' => open = true,
            b')' | b';' => break,
            b'\n' | b'\r' if !open => break,
            b'\\' => i += 1,
            b'#' => {
                while i < end && !matches!(src[i], b'\n' | b'\r') {
                    i += 1;
                }
                if !open {
                    break;
                }
                continue;
            }
            c if ident(c) || c == b'*' => {
                let s = i;
                while i < end && (ident(src[i]) || src[i] == b'.' || src[i] == b'*') {
                    i += 1;
                }
                let word = (s, i);
                if &src[s..i] == b"as" {
                    after_as = true;
                } else if after_as {
                    if let Some(last) = items.last_mut() {
                        last.1 = Some(word);
                    }
                    after_as = false;
                } else {
                    items.push((word, None));
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let mut group = None;
    let mut bound = Vec::new();
    // `import codecs, os`: a module the `import os` word finds only first in a statement.
    if module.is_none()
        && items.iter().skip(1).any(|((s, e), _)| {
            matches!(
                &src[*s..*e],
                b"os" | b"sys" | b"pty" | b"operator" | b"functools"
            )
        })
    {
        group = Some(Group::Module);
    }
    for ((s, e), alias) in items {
        let name = &src[s..e];
        let hit = match module {
            // `import M as A`, or a plain `import M` of a module whose calls name no word.
            None => entry(name).filter(|e| alias.is_some() || e.bare),
            // `from M import N [as A]`.
            Some(m) => entry(m).filter(|e| {
                e.names.is_empty() || name == b"*" || e.names.iter().any(|o| o.as_bytes() == name)
            }),
        };
        if let Some(known) = hit {
            group.get_or_insert(known.group);
            // The name the calls use: the alias, else the imported name (a plain `import a.b`
            // binds `a`).
            let (bs, be) = alias.unwrap_or((s, e));
            let be = if alias.is_none() && module.is_none() {
                src[bs..be]
                    .iter()
                    .position(|c| *c == b'.')
                    .map_or(be, |p| bs + p)
            } else {
                be
            };
            // `from os import path` counts for the parse of a small source as `from os
            // import` always has, but uses are placed only for a name that runs code,
            // processes or requests, spelled otherwise than a word would find it (`from os
            // import system as run`, `from socket import socket`, `import subprocess as sp`);
            // a plain `import M` is found by its module's words.
            let placed = match module {
                None => alias.is_some() && known.place,
                Some(m) => {
                    (alias.is_some() || known.place)
                        && (!known.names.is_empty()
                            || std::str::from_utf8(m)
                                .ok()
                                .zip(std::str::from_utf8(name).ok())
                                .is_some_and(|(m, n)| {
                                    let full = format!("{m}.{n}");
                                    is_process(&full)
                                        || is_network(&full)
                                        || is_exec(&full)
                                        || runs_code(&full)
                                        || is_unpickle(&full)
                                        || matches!(n, "build_opener" | "OpenerDirector")
                                }))
                }
            };
            if name != b"*" && placed {
                bound.push((bs, be));
            }
        }
    }
    group.map(|g| (start, g, bound))
}

/// Whether `path` lies in a folder any user or process can write ([`drop::shared_folder`]).
pub(crate) fn shared_path(path: &str) -> bool {
    drop::shared_folder(&format!("{}/", path.trim_end_matches(['/', '\\']))).is_some()
}

/// A searcher for `words`: a leftmost-first DFA ([`Finder`]).
fn build_finder(words: &[(&str, Group)]) -> Option<(Finder, Vec<Group>)> {
    let groups = words.iter().map(|(_, g)| *g).collect();
    aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(words.iter().map(|(w, _)| w))
        .ok()
        .map(|ac| (Finder(ac), groups))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Number of [`Group`]s.
const GROUPS: usize = Group::Module as usize + 1;

/// Sources up to this size with a process, network or exec word are parsed to find out whether
/// the call runs at module level; larger ones when [`crate::formats::python_layout`] places
/// such a word where it can run at import, or when a combination below names a rule.
const SMALL_SOURCE: usize = 8 * 1024;

/// The prefilter's pass over `src`: which word groups occur, and where the process, network
/// and exec words are (at most [`MAX_PLACED`]), with the computed lookups when the source
/// imports a module that runs code, for placing them in a large module. `None` when the
/// prefilter could not be built.
fn find_words(src: &[u8]) -> Option<([bool; GROUPS], Vec<usize>)> {
    find_words_weak(src).map(|(seen, placed, _)| (seen, placed))
}

/// The placed words of a source by kind, for the join of a package's modules
/// ([`find_words_weak`]).
#[derive(Default)]
struct Kinds {
    /// Network words: a function holding one counts only when called directly.
    network: Vec<usize>,
    /// Where the `import` keywords are, when the second searcher ran.
    imports: Option<Vec<usize>>,
}

impl Kinds {
    /// The placed offsets that make no function hot for the join of a package's modules:
    /// every word but those [`join_strong`] keeps, and the network words (reported apart).
    fn soft(&self, src: &[u8], placed: &[usize], network: bool) -> Vec<usize> {
        placed
            .iter()
            .copied()
            .filter(|o| self.network.binary_search(o).is_err() && !join_strong(src, *o, network))
            .collect()
    }
}

/// Whether the word at `at` may be a call the join of a package's modules grades when a load
/// elsewhere reaches it ([`links::Latent`]): a shell command line, as the analyser judges one
/// (`python-shell-command`: `os.system`, `os.popen`, `getoutput`, the `exec*`/`spawn*`
/// family, `pty.spawn`, the `shell=True` keyword, a `subprocess` call whose first argument is
/// a string literal or an argv naming a shell), or, in a source that also downloads
/// (`network`), exec or a file run (a dropper). Not: `platform.system()`, `rng.spawn(n)`,
/// `spawn_materialize(…)`, `subprocess.run(cmd)` with a variable (with `shell=True` the
/// keyword counts), dynamic imports, computed lookups and the other exec words
/// (`FunctionType`, `timeit`, persistence files …), which run nothing the join grades in a
/// source the prefilter left unparsed (it would have parsed one with a decoder, a silenced
/// spawn or credentials beside a request).
fn join_strong(src: &[u8], at: usize, network: bool) -> bool {
    let rest = &src[at..src.len().min(at + PAREN_LOOKAHEAD)];
    if rest.starts_with(b"shell=True") {
        return true;
    }
    let ident = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    let n = rest.iter().take_while(|c| ident(c) || **c == b'.').count();
    let chain = &rest[..n];
    // The object the chain hangs from, before `at` (`os` of `os.system` placed at `system`).
    let before = &src[src.len().min(at).saturating_sub(PAREN_LOOKAHEAD)..at];
    let lead = before
        .iter()
        .rev()
        .take_while(|c| ident(c) || **c == b'.')
        .count();
    let full = [&before[before.len() - lead..], chain].concat();
    let mut parts = full.rsplit(|c| *c == b'.');
    let last = parts.next().unwrap_or(&[]);
    let object = parts.next();
    let on = |names: &[&[u8]]| object.is_some_and(|o| names.contains(&o));
    let plain = || object.is_none() || on(&[b"os", b"posix", b"nt", b"builtins", b"_os"]);
    match last {
        b"system" | b"popen" => !on(&[b"platform", b"self", b"cls", b"sys"]),
        b"getoutput" | b"getstatusoutput" | b"startfile" | b"create_subprocess_shell" => {
            !on(&[b"self", b"cls"])
        }
        b"spawn" => on(&[b"pty"]),
        l if l.starts_with(b"exec") && l.len() <= 7 && l != b"exec" => plain(),
        l if (l.starts_with(b"spawn") || l.starts_with(b"posix_spawn")) && l.len() <= 11 => plain(),
        b"exec" | b"eval" => network && (object.is_none() || on(&[b"builtins"])),
        b"run_path" | b"run_module" | b"exec_module" | b"load_module" => network,
        b"run"
        | b"call"
        | b"check_call"
        | b"check_output"
        | b"Popen"
        | b"create_subprocess_exec" => first_arg_shell(rest, n),
        _ => false,
    }
}

/// Whether the call whose name ends `n` bytes into `rest` has a first argument that is a
/// string literal or an argv naming a shell (`['sh', '-c', …]`).
fn first_arg_shell(rest: &[u8], n: usize) -> bool {
    let Some(open) = rest[n..].iter().position(|c| !matches!(c, b' ' | b'\t')) else {
        return false;
    };
    if rest.get(n + open) != Some(&b'(') {
        return false;
    }
    let arg = &rest[n + open + 1..];
    let arg = &arg[arg
        .iter()
        .take_while(|c| c.is_ascii_whitespace() || **c == b'\\')
        .count()..];
    let string = |a: &[u8]| {
        let p = a
            .iter()
            .take_while(|c| matches!(c, b'r' | b'b' | b'f' | b'u' | b'R' | b'B' | b'F' | b'U'))
            .count();
        p <= 2 && matches!(a.get(p), Some(b'\'' | b'"'))
    };
    if string(arg) {
        return true;
    }
    // `['sh', '-c', …]`, `("/bin/bash", "-c", …)`.
    if let Some(b'[' | b'(') = arg.first() {
        let inner = &arg[1..];
        let inner = &inner[inner.iter().take_while(|c| c.is_ascii_whitespace()).count()..];
        if string(inner) {
            let q = inner
                .iter()
                .position(|c| matches!(c, b'\'' | b'"'))
                .unwrap_or(0);
            let word = &inner[q + 1..];
            let end = word
                .iter()
                .position(|c| matches!(c, b'\'' | b'"'))
                .unwrap_or(word.len());
            let prog = word[..end].rsplit(|c| *c == b'/').next().unwrap_or(&[]);
            return matches!(
                prog,
                b"sh"
                    | b"bash"
                    | b"zsh"
                    | b"dash"
                    | b"ksh"
                    | b"cmd"
                    | b"cmd.exe"
                    | b"powershell"
                    | b"pwsh"
            );
        }
    }
    false
}

/// [`find_words`], with the offsets of the network words among the placed ones (sorted).
fn find_words_weak(src: &[u8]) -> Option<([bool; GROUPS], Vec<usize>, Kinds)> {
    let (finder, groups) = TRIGGERS.as_ref()?;
    let mut seen = [false; GROUPS];
    let mut placed = Vec::new();
    let mut network = Vec::new();
    let mut imports = Vec::new();
    let mut dynamic = Vec::new();
    // Names bound by sensitive imports (`sp` of `import subprocess as sp`), and the start of
    // the last import statement judged.
    let mut aliases: Vec<ByteRange> = Vec::new();
    let mut last_import = usize::MAX;
    let mut note = |g: Group, at: usize| {
        // An import statement (found by its `import` or by a `from …` word): an alias of a
        // module that runs code, processes or requests counts as that module's calls.
        if g == Group::Import
            || src[at..].starts_with(b"from ")
            || src[at..].starts_with(b"import ")
        {
            // Where an `import` keyword is, for the package imports the join reads
            // (`links::package_imports_at`).
            if src[at..].starts_with(b"import") && imports.len() < MAX_PLACED {
                imports.push(at);
            }
            if let Some((start, ig, bound)) = sensitive_import(src, at) {
                if start != last_import {
                    last_import = start;
                    seen[ig as usize] = true;
                    if aliases.len() < MAX_PLACED {
                        aliases.extend(bound);
                    }
                }
            }
            if g == Group::Import {
                return;
            }
        }
        // A spaced spelling (`system (`) counts only when a `(` follows.
        let g = match g {
            Group::SpacedProcess | Group::SpacedExec if !paren_follows(src, at) => return,
            Group::SpacedProcess => Group::Process,
            Group::SpacedExec => Group::Exec,
            // A computed lookup counts only on a module or builtin that runs code
            // (`getattr(os, …)`, not `getattr(self, …)`).
            Group::Dynamic if !reaches_code_runner(src, at) => return,
            g => g,
        };
        seen[g as usize] = true;
        // `.system` is placed at its name, where the placement pass looks for a call, and
        // `ibute__(` at the `__getattribute__` it ends.
        let at = if src[at] == b'.' {
            at + 1
        } else if src[at..].starts_with(b"ibute__(") {
            at.saturating_sub(b"__getattr".len())
        } else {
            at
        };
        match g {
            Group::Network if placed.len() < MAX_PLACED => {
                placed.push(at);
                network.push(at);
            }
            Group::Process | Group::Exec if placed.len() < MAX_PLACED => placed.push(at),
            Group::Dynamic if dynamic.len() < MAX_PLACED => dynamic.push(at),
            _ => {}
        }
    };
    let mut decided = false;
    search(finder, groups, src, &mut |g, at| {
        // The computed lookups matter where no process, network or exec word already makes
        // a small source worth parsing.
        decided |=
            src.len() <= SMALL_SOURCE && matches!(g, Group::Process | Group::Network | Group::Exec);
        note(g, at)
    });
    if !decided {
        if let Some((finder, groups)) = LOOKUPS.as_ref() {
            search(finder, groups, src, &mut note);
        }
    }
    // Computed lookups count where a module that runs code is imported.
    if seen[Group::Module as usize] && !dynamic.is_empty() {
        placed.extend(dynamic);
    }
    // In a large module, the uses of an alias are placed as its module's words would be
    // (`sp.call(…)` at module level, or in a function the module calls).
    if src.len() > SMALL_SOURCE {
        place_names(src, &aliases, &mut placed);
    }
    placed.sort_unstable();
    placed.dedup();
    placed.truncate(MAX_PLACED);
    network.sort_unstable();
    network.dedup();
    network.retain(|n| placed.binary_search(n).is_ok());
    // Complete only when the second searcher ran (it holds the `import ` word).
    let imports = (!decided).then_some(imports);
    Some((seen, placed, Kinds { network, imports }))
}

/// Push the offsets where the identifiers `names` (byte ranges of `src`) occur as whole
/// identifiers, at most [`MAX_PLACED`] in all.
fn place_names(src: &[u8], names: &[ByteRange], placed: &mut Vec<usize>) {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut distinct: Vec<&[u8]> = names.iter().map(|(s, e)| &src[*s..*e]).collect();
    distinct.sort_unstable();
    distinct.dedup();
    for name in distinct.into_iter().filter(|n| !n.is_empty()) {
        for at in memchr::memmem::find_iter(src, name) {
            if placed.len() >= MAX_PLACED {
                return;
            }
            let before = at.checked_sub(1).map(|i| src[i]);
            let after = src.get(at + name.len()).copied();
            // Not part of a longer name, nor an attribute of something else (`x.sp`).
            if before.is_some_and(|c| ident(c) || c == b'.') || after.is_some_and(ident) {
                continue;
            }
            placed.push(at);
        }
    }
}

/// Names whose computed lookup reaches a process, exec or an import: the modules and
/// builtins that run code.
const CODE_RUNNERS: &[&[u8]] = &[
    b"os",
    b"posix",
    b"nt",
    b"subprocess",
    b"builtins",
    b"__builtins__",
    b"__import__",
    b"importlib",
    b"sys.modules",
    b"ctypes",
    b"pty",
    b"commands",
    b"platform",
    b"exec",
    b"eval",
    b"compile",
    b"pickle",
    b"marshal",
    b"runpy",
];

/// Whether the computed lookup at `at` (a [`Group::Dynamic`] word) is on a module or builtin
/// that runs code: `getattr(os, …)`, `vars(builtins)`, `partial(os.system, …)`,
/// `os.__dict__`, `setattr(builtins, …)`, `sys.modules['os']`. Checked for every lookup the
/// prefilter finds: ordinary code is full of `getattr(self, …)`, `partial(func, …)` and
/// `globals()` at its top level, and counting those made a quarter of the corpus's large
/// modules (and 900 small ones) parsed. `methodcaller`, `atexit` (also as a decorator),
/// timers, finalizers and thread targets always count. An alias (`import os as o`) is a
/// process word of its own.
fn reaches_code_runner(src: &[u8], at: usize) -> bool {
    let rest = &src[at..src.len().min(at + 64)];
    let is_runner = |s: &[u8]| {
        CODE_RUNNERS.iter().any(|r| {
            s.starts_with(r)
                && s.get(r.len())
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        })
    };
    if rest.starts_with(b"__dict__") {
        // `os.__dict__`: the name before the dot.
        let before = &src[..at.saturating_sub(1)];
        let start = before
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.'))
            .map_or(0, |p| p + 1);
        return is_runner(&before[start..]);
    }
    if let Some(args) = rest.strip_prefix(b"CDLL(".as_slice()) {
        // The C library itself (`CDLL(None)`, `CDLL('libc.so.6')`, `CDLL(find_library('c'))`),
        // not the extension libraries packages load at import.
        let arg = &args[args.iter().take_while(|c| c.is_ascii_whitespace()).count()..];
        // A literal path in a folder others can write (`CDLL('C:/ProgramData/x.dll')`).
        let literal = arg.strip_prefix(b"r").unwrap_or(arg);
        if let Some((&q, body)) = literal
            .split_first()
            .filter(|(q, _)| matches!(q, b'\'' | b'"'))
        {
            let end = body.iter().position(|&c| c == q).unwrap_or(body.len());
            if drop::shared_folder(&String::from_utf8_lossy(&body[..end])).is_some() {
                return true;
            }
        }
        return [
            b"None".as_slice(),
            b"'libc",
            b"\"libc",
            b"ctypes.util.find_library('c')",
            b"ctypes.util.find_library(\"c\")",
            b"find_library('c')",
            b"find_library(\"c\")",
        ]
        .iter()
        .any(|p| arg.starts_with(p));
    }
    if rest.starts_with(b"ibute__(") {
        // `type.__getattribute__(os, …)`: the first argument; `os.__getattribute__(…)`: the
        // name before the dot.
        let Some(word) = at.checked_sub(b"__getattr".len()) else {
            return false;
        };
        if !src[word..].starts_with(b"__getattribute__(") {
            return false;
        }
        let before = &src[..word.saturating_sub(1)];
        let start = before
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.'))
            .map_or(0, |p| p + 1);
        let object = &before[start..];
        if object == b"type" || object == b"object" {
            let arg = &rest[b"ibute__(".len()..];
            let skip = arg.iter().take_while(|c| c.is_ascii_whitespace()).count();
            return is_runner(&arg[skip..]);
        }
        return is_runner(object);
    }
    if let Some(args) = rest.strip_prefix(b"attrgetter(".as_slice()) {
        // `attrgetter('name')` of one plain attribute counts only when applied to a module that
        // runs code there (`attrgetter('popen')(os)`); a computed name (`'sys' + 'tem'`, a
        // variable) counts wherever it is.
        let Some(&quote) = args.first().filter(|q| matches!(q, b'\'' | b'"')) else {
            return true;
        };
        let Some(close) = args[1..].iter().position(|c| *c == quote) else {
            return true;
        };
        let after = args[close + 2..].trim_ascii_start();
        return match after.strip_prefix(b")".as_slice()) {
            Some(applied) => applied
                .trim_ascii_start()
                .strip_prefix(b"(".as_slice())
                .is_some_and(|a| is_runner(a.trim_ascii_start())),
            None => true,
        };
    }
    if rest.starts_with(b"globals()") {
        // `globals().update(…)`, `for k in globals():` are everywhere; the small-source rule
        // still parses a module that calls through `globals()[…]`.
        return false;
    }
    if let Some(after) = rest
        .strip_prefix(b"sys.modules[".as_slice())
        .or_else(|| rest.strip_prefix(b"sys.modules.get(".as_slice()))
    {
        // `sys.modules['os']`: the quoted name.
        return after
            .strip_prefix(b"'".as_slice())
            .or_else(|| after.strip_prefix(b"\"".as_slice()))
            .is_some_and(is_runner);
    }
    if rest.starts_with(b"sys.modules") {
        return false;
    }
    if rest.starts_with(b"atexit") && at > 0 && src[at - 1] == b'@' {
        // `@atexit.register` on a function: it runs at exit.
        return true;
    }
    let first_arg = [
        b"getattr(".as_slice(),
        b"setattr(",
        b"vars(",
        b"partial(",
        b"atexit.register(",
    ]
    .iter()
    .any(|w| rest.starts_with(w));
    match rest.iter().position(|c| *c == b'(') {
        // `getattr(`, `vars(`, `partial(`, `setattr(`: the first argument.
        Some(p) if first_arg => {
            let arg = &rest[p + 1..];
            let skip = arg
                .iter()
                .take_while(|c| c.is_ascii_whitespace() || **c == b'\\')
                .count();
            is_runner(&arg[skip..])
        }
        _ => true,
    }
}

fn search(finder: &Finder, groups: &[Group], src: &[u8], note: &mut impl FnMut(Group, usize)) {
    finder
        .0
        .find_iter(src)
        .for_each(|m| note(groups[m.pattern().as_usize()], m.start()));
}

/// True when the placement pass (`python_layout`) puts a process, network or exec word of
/// `src` where it runs at import (module level, or a function the module calls).
fn calls_at_import(src: &[u8]) -> bool {
    let Some((_, placed)) = find_words(src) else {
        return true;
    };
    placed.len() >= MAX_PLACED || crate::formats::python_layout::runs_at_import(src, &placed)
}

/// What the prefilter says of a module ([`prefilter`]).
struct Verdict {
    /// A rule could fire: parse it.
    worth: bool,
    /// Not worth parsing: where its process, network and exec words are
    /// (`python_layout::place`: the functions and classes whose bodies hold one), for the join
    /// of a package's modules.
    placement: crate::formats::python_layout::Placement,
    /// Where the `import` keywords are (`None`: not known, search them).
    imports: Option<Vec<usize>>,
}

/// Whether `src` could make any rule fire, judged from the word groups it contains. A package's
/// `__init__.py` (`init`), which runs whenever the package is imported, is parsed whenever it
/// has a process, network or exec word, or a computed lookup beside a module that runs code.
fn prefilter(src: &[u8], role: Role, init: bool) -> Verdict {
    let worth = Verdict {
        worth: true,
        placement: Default::default(),
        imports: None,
    };
    if role != Role::Module {
        return worth;
    }
    let Some((seen, placed, mut kinds)) = find_words_weak(src) else {
        return worth;
    };
    let imports = kinds.imports.take();
    let has = |g: Group| seen[g as usize];
    // For the join: network words count only called directly, exec words only beside a
    // network word (a dropper), process words only where they may run a shell
    // (`join_strong`).
    let placement = std::cell::OnceCell::new();
    let at_import = || {
        !placed.is_empty()
            && (placed.len() >= MAX_PLACED
                || placement
                    .get_or_init(|| {
                        let soft = kinds.soft(src, &placed, has(Group::Network));
                        crate::formats::python_layout::place(
                            src,
                            &placed,
                            &kinds.network,
                            &soft,
                            false,
                        )
                    })
                    .at_import)
    };
    let worth = (has(Group::Exec) && has(Group::Decoder))
        || (has(Group::Spawn) && has(Group::Silenced))
        || has(Group::Miner)
        || (has(Group::Credential) && has(Group::Network))
        || has(Group::Hook)
        || ((has(Group::Process) || has(Group::Network) || has(Group::Exec))
            && (init || src.len() <= SMALL_SOURCE || at_import()))
        // A computed lookup beside a module that runs code: in a small source, or placed at
        // import in a larger one (a package's `__init__.py` included).
        || (has(Group::Dynamic)
            && has(Group::Module)
            && (src.len() <= SMALL_SOURCE || at_import()));
    let placement = match placement.into_inner() {
        Some(p) if !worth => p,
        _ => Default::default(),
    };
    Verdict {
        worth,
        placement,
        imports,
    }
}

/// Whether the nested function definition `def` is a closure its enclosing function only
/// returns (`def deco(f): def inner(*a): …; return inner`), so its body runs when the returned
/// value is called, not when the enclosing function runs. Its name must occur in the enclosing
/// function's body only in `return` statements (a nested helper that is called, handed to a
/// thread or a hook, or bound elsewhere runs as before). Only a closure returned by a closure
/// that is itself only returned is latent (a decorator factory's innermost function: `def
/// factory(n): def wrapper(f): def inner(*a): …; return inner; return wrapper`): applying
/// `@factory(…)` runs `factory` and `wrapper`, and `inner` runs when the decorated function
/// is called. Bounded walks.
fn returned_closure(def: tree_sitter::Node<'_>, src: &[u8]) -> bool {
    let Some(name) = field(def, F::Name).map(|x| text(x, src)) else {
        return false;
    };
    fn enclosing(d: tree_sitter::Node<'_>) -> Option<tree_sitter::Node<'_>> {
        let mut p = d.parent();
        let mut hops = 0;
        while let Some(x) = p {
            hops += 1;
            if hops > 64 {
                return None;
            }
            if x.kind_name() == "function_definition" {
                return Some(x);
            }
            if x.kind_name() == "class_definition" {
                return None;
            }
            p = x.parent();
        }
        None
    }
    let only_returned = |d: tree_sitter::Node<'_>, name: &str| {
        let Some(outer) = enclosing(d) else {
            return false;
        };
        let mut stack = vec![outer];
        let mut seen = 0;
        let mut returned = false;
        while let Some(x) = stack.pop() {
            seen += 1;
            if seen > 8192 {
                return false;
            }
            if x.id() == d.id() {
                continue;
            }
            if x.kind_name() == "identifier"
                && text(x, src) == name
                && x.id() != field(outer, F::Name).map_or(0, |n| n.id())
            {
                if x.parent()
                    .is_some_and(|r| r.kind_name() == "return_statement")
                {
                    returned = true;
                    continue;
                }
                return false;
            }
            let mut c = x.walk();
            stack.extend(x.named_children(&mut c));
        }
        returned
    };
    // Only a factory's innermost function: the enclosing function is itself a closure only
    // returned. A first-level closure (`def make(): def inner(): …; return inner`) runs with
    // its function as before: what `make()` returns is called at load in too many ways
    // (`make()()`, `h = make(); h()`, `atexit.register(make())`, a thread target, a hook, a
    // table; tester t25 nl02-nl09). The nesting is checked first, so the walks run only for
    // functions two levels deep.
    let Some(outer) = enclosing(def) else {
        return false;
    };
    if enclosing(outer).is_none() {
        return false;
    }
    let outer_name = field(outer, F::Name).map(|x| text(x, src)).unwrap_or("");
    only_returned(def, name) && only_returned(outer, outer_name)
}

/// Whether a `(` follows the word at `at` after blanks, line continuations, comments and line
/// ends (inside brackets a call may span lines), within [`PAREN_LOOKAHEAD`] bytes.
fn paren_follows(src: &[u8], at: usize) -> bool {
    let rest = &src[at..src.len().min(at + PAREN_LOOKAHEAD)];
    // Past the word itself.
    let mut i = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .unwrap_or(rest.len());
    while i < rest.len() {
        match rest[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b'\\' | 0x0c => i += 1,
            b'#' => {
                while i < rest.len() && rest[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => return true,
            _ => return false,
        }
    }
    false
}

/// Bytes looked at after a callable's name for its `(`.
const PAREN_LOOKAHEAD: usize = 256;

/// Most word positions placed in a large module; a module with more is parsed.
const MAX_PLACED: usize = 4096;

/// Analyse Python source that runs in `role`; findings at `loc`, nested code one level deeper.
/// `init` marks a package's `__init__.py`.
/// `init`: the file is a package's `__init__.py`. `as_main`: the file runs as `__main__`
/// (`setup.py`, which setuptools' PEP 517 backend and pip's legacy shim execute with `__name__`
/// set to `'__main__'`, and a package's `__main__.py`), so a `__name__ == '__main__'` guard does
/// not make its body latent.
pub fn analyse(
    ctx: &mut Ctx,
    src: &[u8],
    role: Role,
    init: bool,
    as_main: bool,
    loc: &Location,
    depth: u32,
) {
    run(ctx, src, role, init, as_main, loc, depth, Links::Record);
}

/// Whether [`run`] records a module's links to its package's other modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Links {
    /// No: a `.pth` line, or code decoded from a string.
    Skip,
    /// Yes; a module the prefilter skips is left unparsed.
    Record,
    /// Yes, parsing the module whatever the prefilter says (the join asks).
    Force,
}

/// The links of the module `src` at `loc` to its package's other modules, parsing it whatever
/// the prefilter says (within [`MAX_SOURCE`]); for the join (`python/join.rs`), which calls
/// this for a module it must know exactly. Its findings are dropped. Its role follows from its
/// name, as in [`crate::formats::pypkg::analyse_python`].
pub fn module_links(src: &[u8], loc: &Location) -> Option<ModuleLinks> {
    let name = loc.members.last().cloned().unwrap_or_else(|| {
        loc.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
    let role = match base {
        "setup.py" => Role::Install,
        "sitecustomize.py" | "usercustomize.py" => Role::Startup,
        _ => Role::Module,
    };
    let as_main = matches!(base, "setup.py" | "__main__.py");
    let mut ctx = Ctx::new(crate::analyse::BudgetLimits::default());
    run(
        &mut ctx,
        src,
        role,
        base == "__init__.py",
        as_main,
        loc,
        0,
        Links::Force,
    );
    ctx.python_links.pop()
}

/// Analyse the commands of a build file (`formats/build_files.rs`), written as Python calls
/// at the build file's lines, as install-time code ([`Role::Install`]); no links are recorded.
pub fn analyse_build_commands(ctx: &mut Ctx, src: &[u8], loc: &Location, depth: u32) {
    run(
        ctx,
        src,
        Role::Install,
        false,
        false,
        loc,
        depth,
        Links::Skip,
    );
}

/// Analyse commands written as Python calls (`formats/build_files.rs`: a shell script's lines)
/// as code of `role`; no links are recorded.
pub fn analyse_commands_as(ctx: &mut Ctx, src: &[u8], loc: &Location, role: Role) {
    run(ctx, src, role, false, false, loc, 0, Links::Skip);
}

/// Analyse a file of a package that code of `role` runs as Python (`python/join.rs`): as
/// `__main__` when an interpreter is started on it (`as_main`), else as code run in the caller
/// (`exec(open(P).read())`); findings in `ctx`, at the file's lines. No links are recorded.
pub(crate) fn analyse_ran_code(
    ctx: &mut Ctx,
    src: &[u8],
    role: Role,
    as_main: bool,
    loc: &Location,
) {
    run(ctx, src, role, false, as_main, loc, 0, Links::Skip);
}

/// What `logging.config.fileConfig` evaluates of the configuration file `text` at `loc`
/// (`python/logging_ini.rs`), analysed as code a module running in `role` runs; findings in
/// `ctx`, at the file's lines. Returns whether the file has anything fileConfig evaluates.
pub(crate) fn analyse_logging_config(
    ctx: &mut Ctx,
    text: &str,
    role: Role,
    loc: &Location,
) -> bool {
    let Some(program) = logging_ini::program(text) else {
        return false;
    };
    run(
        ctx,
        program.as_bytes(),
        role,
        false,
        false,
        loc,
        0,
        Links::Skip,
    );
    true
}

/// Analyse one `.pth` import line ([`Role::Startup`]) and say whether it computes what it runs
/// (the first such call, with why: [`dynamic_call`]), in the line or code it execs.
pub fn analyse_pth_line(ctx: &mut Ctx, line: &str, loc: &Location, depth: u32) -> Option<String> {
    run(
        ctx,
        line.as_bytes(),
        Role::Startup,
        true,
        false,
        loc,
        depth,
        Links::Skip,
    )
    .into_iter()
    .next()
}

/// [`analyse`], returning the computed calls ([`dynamic_call`]) of the source and of the code
/// it decodes. `top`: a file of its own (not a `.pth` line or decoded code), whose links to
/// its package's other modules are recorded ([`ModuleLinks`], `Ctx::python_links`).
#[allow(clippy::too_many_arguments)]
fn run(
    ctx: &mut Ctx,
    src: &[u8],
    role: Role,
    init: bool,
    as_main: bool,
    loc: &Location,
    depth: u32,
    links: Links,
) -> Vec<String> {
    // CPython reads source with universal newlines: a lone CR ends a line (and a comment), which
    // tree-sitter-python does not do. Same length, so byte offsets do not move.
    let normalised;
    let src = if memchr::memchr(b'\r', src).is_some() {
        normalised = lone_cr_to_lf(src);
        &normalised[..]
    } else {
        src
    };
    // Python reads identifiers NFKC-normalised (PEP 3131): `ｏｓ.𝔰ystem` is `os.system`.
    let nfkc;
    let src = match nfkc_identifiers(src) {
        Some(n) => {
            nfkc = n;
            &nfkc[..]
        }
        None => src,
    };
    if let Some((line, codec, text)) = hiding_coding(src) {
        emit(
            ctx,
            &r::python_source_encoding::RULE,
            Severity::High,
            loc,
            line,
            format!("the source declares the coding {codec:?}: Python decodes it before reading the code, so ASCII bytes need not mean what they show"),
            text,
        );
    }
    let test = role == Role::Module && is_test_module(loc);
    // Startup code and decoded code are not modules of a package: no links.
    let record = links != Links::Skip && role != Role::Startup;
    let verdict = prefilter(src, role, init);
    if !verdict.worth && links != Links::Force {
        // Not parsed: the join of the package's modules (`python/join.rs`) gets the package
        // names the import statements bind (one memmem pass) and the functions whose bodies
        // hold a process, network or exec word (the placement that said "not at import"
        // computed them), and reads the module again only when another module's half
        // matches.
        if record {
            let imports = match &verdict.imports {
                Some(at) => links::package_imports_at(src, at.iter().copied(), loc),
                None => links::package_imports(src, loc),
            };
            let p = verdict.placement;
            if !imports.is_empty() || !p.hot.is_empty() || !p.weak.is_empty() {
                push_links(
                    ctx,
                    ModuleLinks {
                        location: loc.clone(),
                        role,
                        kind: module_kind(role, init, as_main, test, false),
                        imports,
                        exact: None,
                        hot: p.hot,
                        hot_classes: p.classes,
                        hot_net: p.weak,
                        truncated: false,
                        configs: Vec::new(),
                        runs: Vec::new(),
                    },
                );
            }
        }
        return Vec::new();
    }
    // tree-sitter-python's scanner aborts the process when its indent stack outgrows its
    // state buffer (about 550 levels); CPython refuses more than 100 levels anyway.
    let deep_indent = too_many_indents(src);
    if src.len() > MAX_SOURCE || deep_indent {
        // Too large (or too deep) to parse; the linear placement pass still reads all of it.
        // A process, network or exec call it places at import makes the skip high: padding a
        // module past the bound must not lower a payload's grade below the default gate.
        let at_import = role == Role::Module && calls_at_import(src);
        let severity = if at_import || role != Role::Module {
            Severity::High
        } else {
            Severity::Medium
        };
        let why = if at_import {
            "; it calls process, network or exec functions at import"
        } else if role != Role::Module {
            "; all of it runs"
        } else {
            ""
        };
        let what = if deep_indent {
            format!("Python source with more than {MAX_INDENT_LEVELS} indentation levels (CPython refuses it: too many levels of indentation){why}")
        } else {
            format!("Python source larger than {MAX_SOURCE} bytes{why}")
        };
        ctx.limit_at(severity, loc, &what, "the whole file");
        return Vec::new();
    }
    let mut parser = tree_sitter::Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return Vec::new();
    }
    let Some(tree) = parser.parse(src, None) else {
        return Vec::new();
    };
    let mut sig = collect(&tree, src, as_main, ctx.budget.deadline);
    if let Some((line, own)) = sig.unseen_exec {
        if let Some(code) = candidate_code(tree.root_node(), src, own) {
            push_code(&mut sig, line, code, CANDIDATE);
        }
    }
    if let Some(line) = sig.out_of_time {
        // What the walk saw is reported; what it left is the rest of the module. A process,
        // network or exec call placed at import makes the stop high, as the size bound does.
        let at_import = role == Role::Module && calls_at_import(src);
        let severity = if at_import || role != Role::Module {
            Severity::High
        } else {
            Severity::Medium
        };
        ctx.limit_at(
            severity,
            loc,
            &format!("time per input ({:?})", ctx.budget.limits.max_time),
            &format!("the rest of the module's syntax tree (the walk stopped at line {line})"),
        );
    }
    if role == Role::Install {
        // The PEP 517 hooks a frontend calls on a build backend (and setuptools' own entry
        // points in a `setup.py` are module level anyway).
        for hook in PEP517_HOOKS.iter().chain(PDM_BUILD_HOOKS) {
            sig.called_at_load.insert((*hook).to_string());
        }
        // A backend that re-exports its hooks from a module beside it (`from _impl import *`,
        // `from ._impl import build_wheel`, tester t18 bk02): the hooks are that module's,
        // for the package join. `from setuptools.build_meta import *` names setuptools', which
        // is no module of the package.
        for (module, hook) in reexported_hooks(tree.root_node(), src) {
            if sig.called_at_load.len() < MAX_CALLED {
                sig.called_at_load.insert(format!("{module}.{hook}"));
            }
        }
        // A hatchling build hook plugin (`hatch_build.py`): hatchling calls the hook class's
        // methods while it builds.
        if build_hook_file(loc) == Some("hatch_build.py") {
            let classes: Vec<String> = sig.class_bases.keys().cloned().collect();
            for c in classes {
                for m in HATCH_HOOK_METHODS {
                    sig.called_at_load.insert(format!("{c}.{m}"));
                }
            }
        }
        // A module the build imports for its commands (`[tool.setuptools.cmdclass]`, an
        // in-tree backend): setuptools runs a command class's methods while it builds.
        let base = loc.artifact_name();
        let base = base.rsplit(['/', '\\', '!']).next().unwrap_or("");
        if build_hook_file(loc).is_none() && base != "setup.py" {
            // Also a hatchling or pdm-backend hook file at a configured path.
            let classes: Vec<String> = sig.class_bases.keys().cloned().collect();
            for c in classes {
                for m in SETUPTOOLS_COMMAND_METHODS.iter().chain(HATCH_HOOK_METHODS) {
                    sig.called_at_load.insert(format!("{c}.{m}"));
                }
            }
        }
        // In `setup.py`, a class derived from a setuptools command or `Distribution` is one
        // `setup()` runs, however it is handed over (`cmdclass=dict(install=I)`, a dict
        // splatted into `setup(**kw)`, `distclass=D`, `st.setup(...)`).
        if base == "setup.py" {
            let commands: Vec<String> = sig
                .class_bases
                .iter()
                .filter(|(_, bases)| {
                    bases.iter().any(|b| {
                        let last = b.rsplit('.').next().unwrap_or(b);
                        SETUPTOOLS_COMMANDS.contains(&last)
                    })
                })
                .map(|(c, _)| c.clone())
                .collect();
            for c in commands {
                for m in SETUPTOOLS_COMMAND_METHODS
                    .iter()
                    .chain(&["run_commands", "run_command"])
                {
                    sig.called_at_load.insert(format!("{c}.{m}"));
                }
            }
        }
    }
    // Hydra imports every module of the `hydra_plugins` namespace package at every app start
    // and calls each search-path plugin's `manipulate_search_path` (and builds the class).
    if loc
        .artifact_name()
        .replace('\\', "/")
        .contains("/hydra_plugins/")
        || loc.artifact_name().starts_with("hydra_plugins/")
        || loc
            .members
            .last()
            .is_some_and(|m| m.starts_with("hydra_plugins/"))
    {
        let classes: Vec<String> = sig.class_bases.keys().cloned().collect();
        for c in classes {
            for m in ["__init__", "manipulate_search_path"] {
                sig.called_at_load.insert(format!("{c}.{m}"));
            }
        }
    }
    if sig.names_overflow {
        ctx.limit(
            loc,
            &format!(
                "a Python source binding more than {} names",
                names::MAX_BINDINGS
            ),
            "what later names stand for",
        );
    }
    // What a function called at load calls runs at load too, and so does a method a class
    // inherits (`K()` runs `Base.__init__`). Shell commands and exec reached that way are
    // promoted; network calls only when the module calls their function itself, since a
    // library's import reaches much of its code through helpers that fetch only on request
    // (matplotlib's rc loader opens a URL only when given one).
    let direct = sig.called_at_load.clone();
    // A decorated function called at load runs the closures its decorator returned
    // (`@factory('x') def g(): …` then `g()`: the factory's innermost function runs).
    let closures: Vec<String> = sig
        .decorated
        .iter()
        .filter(|(f, _)| sig.called_at_load.contains(f))
        .flat_map(|(_, d)| {
            let prefix = format!("{d}.<");
            sig.enclosing
                .values()
                .filter(move |v| v.starts_with(&prefix))
                .cloned()
        })
        .collect();
    for c in closures {
        if sig.called_at_load.len() < MAX_CALLED {
            sig.called_at_load.insert(c);
        }
    }
    // PEP 562: a module-level `__getattr__` runs at the first access of a name the module
    // lacks (`from pkg import x`, `pkg.x`), which whoever imports it makes at once (t26).
    if sig.enclosing.values().any(|f| f == "__getattr__") && sig.called_at_load.len() < MAX_CALLED {
        sig.called_at_load.insert("__getattr__".to_string());
    }
    // A test module runs under a test runner, not when its package is imported or installed:
    // what its top level reaches through helpers (sympy's compiler probes in
    // `tests/test_codegen.py`) is not promoted; its direct top-level calls still are.
    if !test {
        close_calls(&mut sig);
    }
    if sig.calls_cut {
        // Code the rest of the calls reach counts as latent. A process, network or exec call in
        // a function makes the stop high, as the size bound does: padding a call chain must not
        // lower a payload below the default gate.
        let latent_risk = sig.shell.iter().any(|s| s.1)
            || sig.exec_decoded.iter().any(|e| e.1)
            || sig.exec_computed.iter().any(|e| e.1)
            || sig.network.iter().any(|e| e.1);
        ctx.limit_at(
            if latent_risk {
                Severity::High
            } else {
                Severity::Medium
            },
            loc,
            &format!("{MAX_CALLED} functions followed from the module's top level"),
            "which functions the rest of the calls made at load reach (their code is graded as not run at load)",
        );
    }
    match_runs_across_functions(&mut sig);
    // A function the module calls or starts as a thread at its top level runs at load.
    let runs_at_load = |line: usize| {
        sig.enclosing
            .get(&line)
            .is_some_and(|f| sig.called_at_load.contains(f))
    };
    let promote: Vec<usize> = sig
        .shell
        .iter()
        .map(|s| s.0)
        .chain(sig.hidden_spawn.iter().map(|s| s.0))
        .chain(sig.exec_decoded.iter().map(|s| s.0))
        .filter(|l| runs_at_load(*l))
        .collect();
    let promote_network: Vec<usize> = sig
        .network
        .iter()
        .map(|s| s.0)
        .filter(|l| sig.enclosing.get(l).is_some_and(|f| direct.contains(f)))
        .collect();
    for s in sig.shell.iter_mut().chain(sig.exec_decoded.iter_mut()) {
        if promote.contains(&s.0) {
            s.1 = false;
        }
    }
    for s in sig.network.iter_mut() {
        if promote_network.contains(&s.0) {
            s.1 = false;
        }
    }
    for s in sig.hidden_spawn.iter_mut() {
        if promote.contains(&s.0) {
            s.1 = false;
        }
    }
    // A command-line script (an argument parser at its top level) is run, not imported, so
    // its top-level calls count as latent. Not in a package's `__init__.py`, which every import
    // of the package runs, nor in a file that runs as `__main__`: an argument parser there
    // proves nothing, and would otherwise hide an import-time payload.
    // A Sphinx configuration is run by `sphinx-build`, never by an install or an import: latent
    // the same way, and raised the same way when a module of the package imports it.
    let script = (sig.script && role == Role::Module && !init && !as_main) || is_docs_config(loc);
    let script_latent = if script && record {
        links::script_latent(&sig)
    } else {
        Vec::new()
    };
    if script {
        for s in sig
            .shell
            .iter_mut()
            .chain(sig.network.iter_mut())
            .chain(sig.droppers.iter_mut())
        {
            s.1 = true;
        }
    }
    if record {
        let kind = module_kind(role, init, as_main, test, script);
        // The tree is walked for imports only when the source names its package in one.
        let imports = if links::package_imports(src, loc).is_empty() && !runs_by_name(src) {
            Vec::new()
        } else {
            load_imports(&tree, src, &links::roots(loc))
        };
        let mut l = links::build(&sig, &direct, loc, role, kind, &imports);
        if memchr::memmem::find(src, b"fileConfig").is_some() {
            l.configs = config_reads(&tree, src);
        }
        // Files of the package run through an interpreter at load (module level, or in a
        // function called there: a `setup.py` command class's `run`).
        l.runs = sig
            .ran_files
            .iter()
            .filter(|r| {
                !r.in_fn
                    || sig
                        .enclosing
                        .get(&r.line)
                        .is_some_and(|f| sig.called_at_load.contains(f))
            })
            .map(|r| links::RunFile {
                path: r.path.clone(),
                interpreter: r.interpreter.clone(),
                line: r.line,
                call: r.evidence.clone(),
            })
            .collect();
        if let Some(e) = l.exact.as_mut() {
            e.script_latent = script_latent;
        }
        push_links(ctx, l);
    }
    let when = role.when();
    // Code that does not run when the file does: a function body nothing calls at load, or a
    // block a guard skips (`if __name__ == '__main__':`, a Sphinx `conf.py`, a script's
    // top level).
    let latent = format!("in code that does not run {when} (a function body or a guarded block)");
    // A file downloaded and then run (made executable or not): the download-and-execute
    // dropper, whatever each step weighs alone. Tools that fetch a binary and run it on request
    // do so inside functions nothing calls at load.
    // Runs of code the package does not carry, graded by where they sit: (what is run, the
    // severity at load or in a function a load reaches, the severity in a function nothing
    // calls).
    let placed: [(&[Placed], &str, Severity, Severity); 4] = [
        (
            &sig.droppers,
            "runs a file it downloaded",
            Severity::Critical,
            Severity::High,
        ),
        (
            &sig.shellcode,
            "puts native code into executable memory (a shellcode runner)",
            Severity::Critical,
            Severity::High,
        ),
        (
            &sig.shared_runs,
            "runs a program from a folder others can write",
            Severity::High,
            Severity::High,
        ),
        (
            &sig.encrypted,
            "runs encrypted code through an obfuscator's runtime (what it does cannot be read)",
            Severity::Medium,
            Severity::Medium,
        ),
    ];
    for (list, what, at_load, reached) in placed {
        for (line, in_fn, ev) in list {
            let (sev, msg) = if !in_fn {
                (at_load, format!("{what} {when}"))
            } else if runs_at_load(*line) {
                (reached, format!("{what}, in a function called {when}"))
            } else {
                (Severity::Low, format!("{what}, {latent}"))
            };
            emit(
                ctx,
                &r::python_exec_computed::RULE,
                sev,
                loc,
                *line,
                msg,
                ev,
            );
        }
    }
    for (line, in_fn, ev, from_url) in &sig.pip_installs {
        if *in_fn && !runs_at_load(*line) {
            continue;
        }
        let (sev, what) = if *from_url {
            (
                Severity::High,
                "installs a package from a URL or another index with pip",
            )
        } else {
            (Severity::Medium, "installs packages with pip")
        };
        emit(
            ctx,
            &r::python_network_at_load::RULE,
            sev,
            loc,
            *line,
            format!("{what} {when}: pip runs the build of what it downloads"),
            ev,
        );
    }
    for (line, in_fn, ev) in &sig.exec_decoded {
        let sev = if *in_fn {
            Severity::High
        } else {
            Severity::Critical
        };
        let msg = if *in_fn {
            format!("exec/eval of decoded data {latent}")
        } else {
            format!("exec/eval of decoded data runs {when}")
        };
        emit(ctx, &r::python_exec_decoded::RULE, sev, loc, *line, msg, ev);
    }
    for (line, in_fn, why, ev) in &sig.exec_computed {
        // A function loading a file it is given (a plugin loader, a test helper) is the
        // ordinary use of these calls.
        if *in_fn && matches!(*why, CODE_FILE_AT_RUN_TIME | CODE_UNSEEN) {
            continue;
        }
        let sev = match (in_fn, *why) {
            (false, "downloaded code") => Severity::Critical,
            // Which callable runs is decided by data: worth a look where nobody calls the code
            // (install, interpreter start), ordinary plugin loading at import.
            // A module loading a file named by its settings at import (torch's test device
            // bases from `TORCH_TEST_DEVICES`) is a plugin loader; at install nobody asked.
            (false, NAMED_COMPUTED | CODE_FILE_AT_RUN_TIME) if role == Role::Module => {
                Severity::Low
            }
            // What runs is not in this file: worth a note, a look where it runs at
            // interpreter start.
            (false, CODE_UNSEEN) if role == Role::Startup => Severity::Medium,
            (_, CODE_UNSEEN) => Severity::Low,
            (true, CODE_FROM_STDIN) => Severity::Low,
            (false, NAMED_COMPUTED | CODE_FILE_AT_RUN_TIME | CODE_FROM_ENV) => Severity::Medium,
            (true, CODE_FROM_ENV) => Severity::Low,
            (false, _) | (true, "downloaded code") => Severity::High,
            (true, "code built from pieces" | CODE_NOT_PY | CODE_TRANSFORMED | PICKED_COMPUTED) => {
                Severity::Low
            }
            (true, _) => Severity::Medium,
        };
        let msg = if *in_fn {
            format!("runs {why} {latent}")
        } else {
            format!("runs {why} {when}")
        };
        emit(
            ctx,
            &r::python_exec_computed::RULE,
            sev,
            loc,
            *line,
            msg,
            ev,
        );
    }
    for (line, bytes, partly) in std::mem::take(&mut sig.pickles) {
        if too_deep(ctx, loc, depth, "an embedded pickle") {
            break;
        }
        let (member, before) = if partly {
            (
                format!("<pickle partly computed at line {line}>"),
                Some(ctx.findings.len()),
            )
        } else {
            (format!("<pickle at line {line}>"), None)
        };
        crate::formats::pickle::analyse(ctx, &bytes, &loc.member(member), depth + 1);
        mark_partly_computed(ctx, before, line);
    }
    for (line, in_fn, ev) in &sig.hidden_spawn {
        // Tools spawn silent interpreters in functions (benchmarks, code generators); at load
        // or at interpreter start it is the loader shape of litellm's .pth and lightning.
        let sev = if *in_fn && role != Role::Startup {
            Severity::Low
        } else {
            Severity::High
        };
        emit(
            ctx,
            &r::python_hidden_process::RULE,
            sev,
            loc,
            *line,
            format!(
                "starts a second Python interpreter with its output silenced{}",
                if *in_fn {
                    format!(" ({latent})")
                } else {
                    String::new()
                }
            ),
            ev,
        );
    }
    for (line, in_fn, what, ev) in &sig.startup_writes {
        // At install or at interpreter start the file is planted with nobody asking; a module
        // or tool writing one in a function is what `pip install -e` and virtualenv do.
        let sev = match (in_fn, role, *what) {
            (false, _, STARTUP_FILE | PERSISTENCE) => Severity::High,
            (false, _, _) | (true, Role::Install | Role::Startup, _) => Severity::Medium,
            (true, Role::Module, _) => Severity::Low,
        };
        let msg = if *in_fn {
            format!("writes {what} {latent}")
        } else {
            format!("writes {what} {when}")
        };
        emit(
            ctx,
            &r::python_startup_write::RULE,
            sev,
            loc,
            *line,
            msg,
            ev,
        );
    }
    let has_process = !sig.shell.is_empty() || !sig.hidden_spawn.is_empty();
    if let Some((line, ev, m)) = sig.miner_runs.first() {
        // A miner started as a program, with or without a shell, wherever the call sits (the
        // ultralytics downloader ran from a function its package called later).
        emit(
            ctx,
            &r::python_miner::RULE,
            Severity::Critical,
            loc,
            *line,
            format!("starts a process whose arguments name a cryptocurrency miner ({m})"),
            ev,
        );
    } else if let Some((line, m)) = sig.miner.first() {
        if has_process {
            emit(
                ctx,
                &r::python_miner::RULE,
                Severity::Critical,
                loc,
                *line,
                format!("cryptocurrency-miner strings ({m}) in code that starts processes"),
                &sig.shell.first().map_or(m.clone(), |s| s.2.clone()),
            );
        }
    }
    if let Some((line, ev)) = sig.query_shell.first() {
        emit(
            ctx,
            &r::python_shell_command::RULE,
            Severity::Low,
            loc,
            *line,
            "runs a shell command that only queries version-control or build tools".into(),
            ev,
        );
    }
    for (line, in_fn, ev) in &sig.shell {
        let sev = match (in_fn, role) {
            (false, _) => Severity::High,
            (true, Role::Startup) => Severity::Medium,
            (true, _) => Severity::Low,
        };
        let msg = if *in_fn {
            format!("runs a shell command {latent}")
        } else {
            format!("runs a shell command {when}")
        };
        emit(
            ctx,
            &r::python_shell_command::RULE,
            sev,
            loc,
            *line,
            msg,
            ev,
        );
    }
    listeners_and_capture(ctx, &sig, loc, when);
    let distinct_creds: std::collections::BTreeSet<&str> =
        sig.credentials.iter().map(|(_, _, c)| c.as_str()).collect();
    // A network call handed the environment or a credential file is a stealer by itself.
    let handed = sig.exfil.iter().find_map(|(l, what)| {
        let net = sig.network.iter().find(|n| n.0 == *l)?;
        Some((net, what.clone()))
    });
    // At load (module level, install, interpreter start, or a function called there) one
    // secret read together with a network call is enough: a package has no reason to do both
    // while it is imported or installed. The metadata address is where a request goes, judged
    // with the other locations above.
    let runs_at_load = |line: usize| {
        sig.enclosing
            .get(&line)
            .is_some_and(|f| sig.called_at_load.contains(f))
    };
    let at_load = |(l, in_fn): (usize, bool)| !in_fn || runs_at_load(l);
    let net_at_load = sig.network.iter().find(|n| !n.1);
    let secret_at_load = sig
        .credentials
        .iter()
        .filter(|c| !METADATA_HOSTS.contains(&c.2.as_str()))
        .find(|c| at_load((c.0, c.1)))
        .map(|c| c.2.clone())
        .or_else(|| {
            sig.env_dump
                .iter()
                .find(|e| at_load((e.0, e.1)))
                .map(|_| "the whole environment".to_string())
        })
        .or_else(|| {
            sig.secret_reads
                .iter()
                .find(|e| at_load((e.0, e.1)))
                .map(|e| e.2.clone())
        });
    // Who or where the process runs, sent by a network call that runs at load.
    let identity_at_load = sig.identity.iter().find(|e| at_load((e.0, e.1)));
    // Anywhere in the file (latent code a caller runs later): two credential locations, or one
    // and an environment dump. The metadata address is where a request goes (ray's and
    // langchain's cloud probes and SSRF lists name it), and a copy of the environment is what
    // a child process is given (`env = os.environ.copy()`), unless either is sent (`handed`)
    // or taken at load (above). A cloud SDK's credential chain reads only its clouds' stores
    // and exchanges them with their issuers: every location of a cloud whose token service the
    // file names (`~/.aws/credentials` beside `sts.amazonaws.com`) is a client, not a stealer.
    let latent_creds: std::collections::BTreeSet<&str> = distinct_creds
        .iter()
        .copied()
        .filter(|c| !METADATA_HOSTS.contains(c))
        .collect();
    let latent_dump = sig.env_dump.iter().any(|e| !e.3);
    let issuer_client = !latent_dump
        && !latent_creds.is_empty()
        && latent_creds
            .iter()
            .all(|c| cloud_issuer(c).is_some_and(|dom| named_in_code(src, dom)))
        && literal_hosts_are_clouds(src);
    let stealer = handed.is_some()
        || (!sig.network.is_empty()
            && !latent_creds.is_empty()
            && (latent_creds.len() >= 2 || latent_dump)
            && !issuer_client);
    // A function that both reads a secret and sends, reached at load through any chain of
    // calls (`C()` running `__init__` calling `_f`): the pair is the stealer, however deep the
    // function sits (network calls alone are promoted only one call deep, above).
    let net_at_load = net_at_load.or_else(|| {
        sig.network.iter().find(|n| {
            n.1 && runs_at_load(n.0)
                && sig.enclosing.get(&n.0).is_some_and(|f| {
                    let same = |l: &usize| sig.enclosing.get(l) == Some(f);
                    sig.credentials
                        .iter()
                        .any(|c| same(&c.0) && !METADATA_HOSTS.contains(&c.2.as_str()))
                        || sig.env_dump.iter().any(|e| same(&e.0))
                        || sig.secret_reads.iter().any(|e| same(&e.0))
                })
        })
    });
    // A client that sends its own service's key to that service (`OPENAI_API_KEY` to
    // `api.openai.com`) hands a secret to the party that issued it: network at load, not a
    // stealer. Only a secret variable read alone counts so, with every network call of the
    // source going to a constant URL of that vendor's domain.
    let secret_at_load = secret_at_load.filter(|what| {
        let vendor_key = what
            .strip_prefix("the ")
            .and_then(|w| w.strip_suffix(" environment variable"));
        let own = vendor_key.is_some_and(|var| {
            sig.credentials.is_empty()
                && sig.env_dump.is_empty()
                && !sig.network.is_empty()
                && sig.network.iter().all(|n| own_service(var, &n.2))
        });
        !own
    });
    let load_stealer = !stealer && net_at_load.is_some() && secret_at_load.is_some();
    if let (false, Some((line, _, net)), Some(what)) = (stealer, net_at_load, &secret_at_load) {
        emit(
            ctx,
            &r::python_credential_stealer::RULE,
            Severity::Critical,
            loc,
            *line,
            format!("reads {what} and reaches the network {when}"),
            net,
        );
    } else if let (false, Some((line, _, who))) = (stealer, identity_at_load) {
        emit(
            ctx,
            &r::python_host_fingerprint::RULE,
            Severity::High,
            loc,
            *line,
            format!("sends the user or host name over the network {when}"),
            who,
        );
    }
    if let Some(((line, _, net), what)) = handed {
        emit(
            ctx,
            &r::python_credential_stealer::RULE,
            Severity::Critical,
            loc,
            *line,
            format!("sends {what} over the network"),
            net,
        );
    } else if stealer {
        let (line, _, net) = &sig.network[0];
        let creds: Vec<&str> = distinct_creds.iter().copied().take(6).collect();
        emit(
            ctx,
            &r::python_credential_stealer::RULE,
            Severity::Critical,
            loc,
            *line,
            format!(
                "reads credential locations ({}) and sends data over the network",
                creds.join(", ")
            ),
            net,
        );
    } else if let (Some((line, _, c)), false) = (sig.credentials.first(), load_stealer) {
        emit(
            ctx,
            &r::python_credential_access::RULE,
            Severity::Low,
            loc,
            *line,
            format!("names a credential location ({c})"),
            c,
        );
    }
    for (line, _, ev) in sig.network.iter().filter(|(_, f, _)| !f) {
        // At every interpreter start, every Python process of the environment talks. (A test
        // module's probe stays medium: a `.pth` or the package's `__init__` can import it,
        // tester t25 tm02, tm03.)
        let sev = if role == Role::Startup {
            Severity::High
        } else {
            Severity::Medium
        };
        emit(
            ctx,
            &r::python_network_at_load::RULE,
            sev,
            loc,
            *line,
            format!("reaches the network {when}"),
            ev,
        );
    }
    for (line, ev) in &sig.install_hook {
        // Packages with extensions override build steps (cmake in `build_ext`) as a matter of
        // course; a build step that runs a shell command is the hook. A build step that only
        // downloads (headers, a vendored library) stays low: what would make the download a
        // payload (running it, importing it, placing it where Python starts it, sending
        // secrets) has a rule of its own. An install command that reaches the network is high.
        let sev = if has_process || (!sig.network.is_empty() && !sig.build_hook_only) {
            Severity::High
        } else if sig.build_hook_only {
            Severity::Low
        } else {
            Severity::Medium
        };
        emit(
            ctx,
            &r::setup_install_hook::RULE,
            sev,
            loc,
            *line,
            "setup() overrides install commands (cmdclass): code of the package's choosing runs at install"
                .into(),
            ev,
        );
    }
    if role == Role::Install {
        let dist = sig
            .setup_name
            .as_deref()
            .map(crate::osv::normalise)
            .unwrap_or_default();
        for d in &sig.setup_decl {
            match d {
                SetupDecl::Command(line, cmd, how, ev) => crate::formats::pypkg::shadowing(
                    ctx,
                    cmd,
                    &dist,
                    how,
                    ev.clone(),
                    loc.with_span(Span::Line { line: *line as u64 }),
                ),
                SetupDecl::BuildRequirement(line, req) => {
                    crate::formats::pins::build_requirement(ctx, req, *line as u64, loc)
                }
            }
        }
        if sig.setup_reqs_cut {
            ctx.limit(
                loc,
                &format!("{MAX_SETUP_REQUIREMENTS} requirements per setup() call"),
                "its later requirements",
            );
        }
        let pins = crate::formats::pins::requirement_pins(
            sig.setup_reqs
                .iter()
                .map(|(line, req)| (*line as u64, req.trim())),
        );
        crate::formats::pins::add_pins(ctx, loc, pins);
    }
    let mut dynamic: Vec<String> = sig
        .dynamic
        .iter()
        .map(|(l, d)| format!("line {l}: {d}"))
        .collect();
    for (line, code, what) in sig.nested.into_iter().take(16) {
        if too_deep(ctx, loc, depth, "decoded code") {
            break;
        }
        let name = format!("<{what} at line {line}>");
        let before = (what == PARTLY_COMPUTED).then_some(ctx.findings.len());
        // Code exec'd with the file's globals sees its `__name__`.
        dynamic.extend(run(
            ctx,
            code.as_bytes(),
            role,
            true,
            as_main,
            &loc.member(name),
            depth + 1,
            Links::Skip,
        ));
        mark_partly_computed(ctx, before, line);
    }
    dynamic
}

/// Says in the evidence of the findings made since `before` (of code or a pickle handed to a
/// runner, [`push_partial`]) that only the argument's constant pieces were analysed; `None`:
/// the code was whole, nothing to say.
fn mark_partly_computed(ctx: &mut Ctx, before: Option<usize>, line: usize) {
    let Some(before) = before else {
        return;
    };
    for f in ctx.findings.iter_mut().skip(before) {
        f.evidence.push_str(&format!(
            " [the argument at line {line} is partly computed: its constant pieces analysed]"
        ));
    }
}

/// How a module's top level runs, for the join of a package's modules.
/// Listening backdoors and input capture started at load ([`Signals::listeners`],
/// [`Signals::key_hooks`], the clipboard): `python-listener-at-load` and
/// `python-input-capture`. Inside a function nobody calls at load they are what a tool does on
/// request (a test server, a clipboard helper), and give nothing.
fn listeners_and_capture(ctx: &mut Ctx, sig: &Signals, loc: &Location, when: &str) {
    let runs_at_load = |line: usize| {
        sig.enclosing
            .get(&line)
            .is_some_and(|f| sig.called_at_load.contains(f))
    };
    let at_load = |line: usize, in_fn: bool| !in_fn || runs_at_load(line);
    if let Some((line, _, logging, ev)) = sig.listeners.iter().find(|l| at_load(l.0, l.1)) {
        // A handler class whose methods run shell commands: every client runs them.
        let handler_shell = sig.shell.iter().find_map(|(l, _, e)| {
            let f = sig.enclosing.get(l)?;
            let (class, _) = f.split_once('.')?;
            sig.listener_handlers.iter().any(|h| h == class).then(|| {
                (
                    *l,
                    format!("a request handler that runs a shell command ({e})"),
                )
            })
        });
        let exposed = sig.exposed.first().or(handler_shell.as_ref());
        let (sev, msg) = match (exposed, logging) {
            (Some((_, what)), _) => (
                Severity::High,
                format!("starts a server on every interface {when} that exposes {what}"),
            ),
            (None, true) => (
                Severity::Medium,
                format!(
                    "starts a logging configuration listener {when}: configurations sent to \
                     its port are applied, and they can run code"
                ),
            ),
            (None, false) => (
                Severity::Medium,
                format!("starts a server on every interface {when}"),
            ),
        };
        emit(
            ctx,
            &r::python_listener_at_load::RULE,
            sev,
            loc,
            *line,
            msg,
            ev,
        );
    }
    if let Some((line, _, ev)) = sig.key_hooks.iter().find(|k| at_load(k.0, k.1)) {
        emit(
            ctx,
            &r::python_input_capture::RULE,
            Severity::Medium,
            loc,
            *line,
            format!("hooks the keyboard or mouse {when} (a keylogger)"),
            ev,
        );
        return;
    }
    // A function (or the module level) that both reads and writes the clipboard, run at load:
    // a clipboard hijacker swapping copied wallet addresses.
    let scope_of = |l: &usize| sig.enclosing.get(l).cloned();
    let hijack = sig.clip_writes.iter().find(|(wl, _)| {
        let scope = scope_of(wl);
        let loaded = match &scope {
            Some(f) => sig.called_at_load.contains(f),
            None => true,
        };
        loaded && sig.clip_reads.iter().any(|(rl, _)| scope_of(rl) == scope)
    });
    if let Some((line, ev)) = hijack {
        emit(
            ctx,
            &r::python_input_capture::RULE,
            Severity::Medium,
            loc,
            *line,
            format!("reads and replaces what the clipboard holds {when} (a clipboard hijacker)"),
            ev,
        );
    }
}

fn module_kind(role: Role, init: bool, as_main: bool, test: bool, script: bool) -> ModuleKind {
    if test {
        ModuleKind::Test
    } else if role == Role::Module && as_main {
        ModuleKind::Main
    } else if script && role == Role::Module && !init && !as_main {
        ModuleKind::Script
    } else {
        ModuleKind::Module
    }
}

/// Keep a module's links when there is something to join (a bound that dropped some is
/// reported by the join, once).
fn push_links(ctx: &mut Ctx, l: ModuleLinks) {
    if !l.is_empty() {
        ctx.python_links.push(l);
    }
}

/// Statements walked looking for imports outside function bodies.
const MAX_IMPORT_WALK: usize = 1 << 16;

/// The import statements of a parsed module that run at load (outside function bodies: module
/// level, class bodies, `if`/`try`/`with` blocks) and name its package.
fn load_imports(tree: &tree_sitter::Tree, src: &[u8], roots: &[String]) -> Vec<links::Import> {
    let mut out = Vec::new();
    // Folders put on `sys.path` by a relative constant (`sys.path.insert(0, 'docs')`), as
    // dotted names relative to the file's folder: an absolute import may be a module there.
    let mut path_dirs: Vec<String> = Vec::new();
    let mut absolute: Vec<links::Import> = Vec::new();
    let mut stack = vec![tree.root_node()];
    let mut steps = 0usize;
    while let Some(node) = stack.pop() {
        steps += 1;
        if steps > MAX_IMPORT_WALK || out.len() >= links::MAX_NAMES {
            break;
        }
        match node.kind_name() {
            "import_statement" | "import_from_statement" => {
                for i in links::parse_import(&src[node.byte_range()]) {
                    if !i.module.starts_with('.') && absolute.len() < links::MAX_NAMES {
                        absolute.push(i.clone());
                    }
                    if links::in_package(&i.module, roots) {
                        out.push(i);
                    }
                }
            }
            // Code run by name: `importlib.import_module('pkg.mod')`, `__import__('pkg.mod')`
            // (an import), `runpy.run_path('docs/conf.py')`, `exec(open('docs/conf.py').read())`
            // (the file's top level, run from the file's folder), and folders put on
            // `sys.path`.
            "call" => match run_by_name(node, src) {
                Some(ByName::Module(m)) => {
                    if !m.starts_with('.') && absolute.len() < links::MAX_NAMES {
                        absolute.push(links::Import {
                            module: m.clone(),
                            name: None,
                            bound: m.clone(),
                        });
                    }
                    if links::in_package(&m, roots) {
                        out.push(links::Import {
                            bound: m.clone(),
                            module: m,
                            name: None,
                        });
                    }
                }
                Some(ByName::PathDir(d)) => {
                    if path_dirs.len() < 16 {
                        path_dirs.push(d);
                    }
                }
                None => {
                    let mut c = node.walk();
                    let children: Vec<_> = node.named_children(&mut c).collect();
                    stack.extend(children.into_iter().rev());
                }
            },
            "assignment" | "argument_list" | "parenthesized_expression" => {
                let mut c = node.walk();
                let children: Vec<_> = node.named_children(&mut c).collect();
                stack.extend(children.into_iter().rev());
            }
            "function_definition" | "lambda" => {}
            k if k == "module"
                || k == "block"
                || k == "class_definition"
                || k == "decorated_definition"
                || k.ends_with("_statement")
                || k.ends_with("_clause") =>
            {
                let mut c = node.walk();
                let children: Vec<_> = node.named_children(&mut c).collect();
                stack.extend(children.into_iter().rev());
            }
            _ => {}
        }
    }
    for d in &path_dirs {
        for i in &absolute {
            if out.len() < links::MAX_NAMES {
                out.push(links::Import {
                    module: format!(".{d}.{}", i.module),
                    name: i.name.clone(),
                    bound: i.bound.clone(),
                });
            }
        }
    }
    out
}

/// Logging configuration files read at load: `logging.config.fileConfig(path)` outside function
/// bodies (as [`load_imports`] walks), where the first argument holds a relative constant path
/// ending `.ini`, `.conf`, `.cfg` or `.config` (`os.path.join(os.path.dirname(__file__),
/// 'logging.ini')`: the literal is taken relative to the module's folder). At most 16.
fn config_reads(tree: &tree_sitter::Tree, src: &[u8]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    let mut steps = 0usize;
    while let Some(node) = stack.pop() {
        steps += 1;
        if steps > MAX_IMPORT_WALK || out.len() >= 16 {
            break;
        }
        match node.kind_name() {
            "function_definition" | "lambda" => continue,
            "call" => {
                let callee = field(node, F::Function).map(|f| dotted(f, src));
                if callee
                    .as_deref()
                    .is_some_and(|c| c == "fileConfig" || c.ends_with(".fileConfig"))
                {
                    if let Some(p) = field(node, F::Arguments).and_then(|a| config_path(a, src)) {
                        out.push((p, node.start_position().row + 1));
                    }
                }
            }
            _ => {}
        }
        let mut c = node.walk();
        let children: Vec<_> = node.named_children(&mut c).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The relative configuration path in a `fileConfig` call's first argument: its string
/// literals joined by `/` (`os.path.join(os.path.dirname(__file__), 'conf', 'logging.ini')`
/// is `conf/logging.ini`), when the last has a configuration suffix; never with `..` or a
/// leading `/`.
fn config_path(args: tree_sitter::Node<'_>, src: &[u8]) -> Option<String> {
    let mut c = args.walk();
    let first = args
        .named_children(&mut c)
        .find(|a| a.kind_name() != "comment" && a.kind_name() != "keyword_argument")?;
    let mut parts = Vec::new();
    let mut stack = vec![first];
    let mut seen = 0;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 256 || parts.len() > 8 {
            return None;
        }
        if x.kind_name() == "string" {
            parts.push(string_value(x, src)?);
            continue;
        }
        let mut c = x.walk();
        let children: Vec<_> = x.named_children(&mut c).collect();
        stack.extend(children.into_iter().rev());
    }
    let v = parts.join("/").replace('\\', "/");
    let v = v.trim_start_matches("./");
    let lower = v.to_ascii_lowercase();
    let ok = [".ini", ".conf", ".cfg", ".config"]
        .iter()
        .any(|s| lower.ends_with(s))
        && !v.starts_with('/')
        && !v.contains(':')
        && v.split('/').all(|p| !p.is_empty() && p != "..")
        && v.len() <= 256;
    ok.then(|| v.to_string())
}

/// Whether `src` may run code by name ([`run_by_name`]): the import walk is needed even when
/// no import statement names the package.
fn runs_by_name(src: &[u8]) -> bool {
    [
        &b"import_module("[..],
        b"__import__(",
        b"run_path(",
        b"run_module(",
        b"sys.path.",
        b".py'",
        b".py\"",
    ]
    .iter()
    .any(|w| memchr::memmem::find(src, w).is_some())
}

/// What a call runs by name ([`run_by_name`]).
enum ByName {
    /// A module, by its dotted name (relative to the file's folder when it starts with `.`).
    Module(String),
    /// A folder put on `sys.path`, as a dotted name relative to the file's folder.
    PathDir(String),
}

/// The module a call imports or runs by a constant name: `importlib.import_module('a.b')`,
/// `__import__('a.b')`, `runpy.run_module('a.b')`; a relative `.py` path run as code,
/// `runpy.run_path('docs/conf.py')` or `exec(open('docs/conf.py').read())` (also through
/// `compile`), as `.docs.conf`; or a relative folder put on `sys.path`
/// (`sys.path.insert(0, 'docs')`, `sys.path.append('tools')`). Absolute paths, `..` and
/// computed names are not followed.
fn run_by_name(node: tree_sitter::Node<'_>, src: &[u8]) -> Option<ByName> {
    let name = dotted(field(node, F::Function)?, src);
    let args = field(node, F::Arguments)?;
    let first = || {
        let mut c = args.walk();
        let a = args.named_children(&mut c).next()?;
        let v = string_value(a, src)?;
        Some(v)
    };
    let rel_dir = |p: &str| -> Option<String> {
        let p = p.trim_start_matches("./").trim_end_matches('/');
        let parts: Vec<&str> = p.split('/').collect();
        (!p.is_empty()
            && !p.starts_with('/')
            && parts
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|x| x.is_alphanumeric() || x == '_')))
        .then(|| parts.join("."))
    };
    let py_module = |p: &str| {
        p.strip_suffix(".py")
            .and_then(rel_dir)
            .map(|d| format!(".{d}"))
    };
    match name.as_str() {
        "importlib.import_module"
        | "import_module"
        | "__import__"
        | "builtins.__import__"
        | "runpy.run_module" => {
            let m = first()?;
            let ok = m
                .trim_start_matches('.')
                .split('.')
                .all(|c| !c.is_empty() && c.chars().all(|x| x.is_alphanumeric() || x == '_'));
            ok.then_some(ByName::Module(m))
        }
        "runpy.run_path" => py_module(&first()?).map(ByName::Module),
        "exec" | "builtins.exec" => {
            // The first string literal ending `.py` inside the call: `open('x.py')`.
            let text = std::str::from_utf8(&src[args.byte_range()]).ok()?;
            if !text.contains("open(") {
                return None;
            }
            let lit = text
                .split(['\'', '"'])
                .skip(1)
                .step_by(2)
                .find(|l| l.ends_with(".py"))?;
            py_module(lit).map(ByName::Module)
        }
        "sys.path.insert" | "sys.path.append" => {
            let mut c = args.walk();
            let a = args.named_children(&mut c).last()?;
            rel_dir(&string_value(a, src)?).map(ByName::PathDir)
        }
        _ => None,
    }
}

#[cfg(test)]
mod prefilter_tests {
    /// Which process words may run a shell command line, for the join's hot functions.
    #[test]
    fn join_strong_words() {
        let yes = [
            "system(cmd)",
            "os.system(cmd)",
            "popen('ls')",
            "subprocess.run('curl x | sh', shell=True)",
            "shell=True)",
            "subprocess.Popen(['sh', '-c', cmd])",
            "subprocess.call(( \"/bin/bash\", \"-c\", c))",
            "subprocess.getoutput(c)",
            "Popen(f\"echo {x}\")",
            "os.execv(p, a)",
            "pty.spawn('/bin/sh')",
        ];
        let no = [
            "subprocess.run(cmd, capture_output=True)",
            "subprocess.run(['git', 'rev-parse', 'HEAD'])",
            "Popen(args)",
            "import_module(name)",
            "__import__(name)",
            "subprocess.PIPE",
            "platform.system()",
            "rng.spawn(n)",
            "spawn_materialize(pool)",
            "subprocess_task.result()",
            "FunctionType(code, g)",
            "exec(code)",
        ];
        for w in yes {
            assert!(super::join_strong(w.as_bytes(), 0, false), "{w}");
        }
        for w in no {
            assert!(!super::join_strong(w.as_bytes(), 0, false), "{w}");
        }
        // Beside a download, exec is a dropper's.
        assert!(super::join_strong(b"exec(code)", 0, true));
    }

    /// Both prefilters build (a DFA of every word).
    #[test]
    fn both_prefilters_build() {
        for (name, f) in [
            ("triggers", &*super::TRIGGERS),
            ("lookups", &*super::LOOKUPS),
        ] {
            assert!(f.is_some(), "{name} prefilter did not build");
        }
    }

    #[test]
    fn an_import_alias_is_not_hidden_by_a_longer_word() {
        let (seen, _) =
            super::find_words(b"from os import system as s\ns('echo x')\n").expect("prefilter");
        assert!(seen[super::Group::Process as usize]);
    }

    /// Whether `src` holds a process, network or exec word for the prefilter.
    fn counts(src: &str) -> bool {
        let (seen, _) = super::find_words(src.as_bytes()).expect("prefilter");
        [
            super::Group::Process,
            super::Group::Network,
            super::Group::Exec,
        ]
        .iter()
        .any(|g| seen[*g as usize])
    }

    #[test]
    fn imports_that_rename_a_sensitive_module_count() {
        for src in [
            "from socket import socket as S\n",
            "import code as c\n",
            "import runpy as r\n",
            "from urllib import request as r\n",
            "import http.client as hc\n",
            "import json, subprocess as s\n",
            "from importlib.machinery import (\n    SourceFileLoader as L,\n)\n",
            "x = 1; import pickle as p\n",
            "from codeop import compile_command\n",
        ] {
            assert!(counts(src), "{src:?} does not count");
        }
    }

    #[test]
    fn ordinary_imports_and_prose_do_not_count() {
        for src in [
            "from urllib.parse import urlparse\n",
            "from importlib.metadata import version\n",
            "import numpy as np\n",
            "from builtins import str, object\n",
            "# to import socket as a module\n",
            "from http import HTTPStatus\n",
            "import os.path as osp\n",
        ] {
            assert!(!counts(src), "{src:?} counts");
        }
    }

    #[test]
    fn uses_of_an_alias_are_placed_in_a_large_module() {
        let filler = "def helper(x):\n    return x + 1\n\n".repeat(400);
        let at_top = format!("import subprocess as sp\n{filler}sp.check_call(['true'])\n");
        assert!(super::calls_at_import(at_top.as_bytes()));
        let in_fn =
            format!("import subprocess as sp\n{filler}def run():\n    sp.check_call(['true'])\n");
        assert!(!super::calls_at_import(in_fn.as_bytes()));
    }
}
#[cfg(test)]
mod startup_calls_tests {
    #[test]
    fn pth_lines_call_into_modules() {
        let loc = crate::finding::Location::file(std::path::Path::new("/x/site-packages/m.pth"));
        for (line, call) in [
            ("import m01mod; m01mod.install()", "m01mod.install"),
            ("import os; __import__('m02mod').go()", "m02mod.go"),
            ("import m04pkg.boot as b; b.run()", "m04pkg.boot.run"),
            (
                "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ",
                "_distutils_hack.add_shim",
            ),
        ] {
            let (calls, _) = super::startup_calls(line, &loc);
            assert!(calls.iter().any(|c| c == call), "{line}: {calls:?}");
        }
        assert_eq!(
            super::startup_calls(&"x".repeat(super::MAX_SOURCE + 1), &loc),
            (Vec::new(), Vec::new())
        );
    }
}
