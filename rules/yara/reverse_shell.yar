// Reverse shells: an interactive shell wired to a network connection.
//
// airlock built-in rules (docs/rules/yara-match.md).

rule reverse_shell_dev_tcp
{
    meta:
        id = "yara-reverse-shell-dev-tcp"
        severity = "critical"
        description = "an interactive shell redirected to bash's /dev/tcp or /dev/udp (a reverse shell)"
    strings:
        $i = /\b(ba|z|k|da)?sh\s+-i\s*[0-9]?[<>&]{1,3}\s*\/dev\/(tcp|udp)\/[^\/\s]+\/[0-9]{1,5}/
        $fd = /\/dev\/(tcp|udp)\/[^\/\s]+\/[0-9]{1,5}\s*0\s*>\s*&\s*1/
    condition:
        any of them
}

rule reverse_shell_netcat
{
    meta:
        id = "yara-reverse-shell-netcat"
        severity = "critical"
        description = "netcat or ncat running a shell for the remote end (-e /bin/sh), or a FIFO relay to it"
    strings:
        $e = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?\s+(-[A-Za-z]+\s+)*-[ec]\s*['"]?\/bin\/(ba|z|da)?sh\b/
        $fifo = /mkfifo\s+\S+.{0,60}\/bin\/(ba|z|da)?sh\s+-i.{0,40}\b(nc|ncat|netcat)\s/
    condition:
        any of them
}

rule reverse_shell_socat
{
    meta:
        id = "yara-reverse-shell-socat"
        severity = "critical"
        description = "socat connecting a shell (exec:sh) to a TCP or SSL peer"
    strings:
        $a = /\bsocat\s[^\n]{0,120}\b(tcp|tcp4|tcp6|ssl|openssl)(-connect)?:[^\n]{0,120}exec:['"]?(\/bin\/)?(ba|z|da)?sh\b/ nocase
        $b = /\bsocat\s[^\n]{0,120}exec:['"]?(\/bin\/)?(ba|z|da)?sh\b[^\n]{0,120}\b(tcp|tcp4|tcp6|ssl|openssl)(-connect)?:/ nocase
    condition:
        any of them
}

rule reverse_shell_python_dup2
{
    meta:
        id = "yara-reverse-shell-python"
        severity = "critical"
        description = "a Python reverse shell: a socket's descriptor duplicated onto standard input and a shell started"
    strings:
        $dup = /os\.dup2\(\s*[A-Za-z_][A-Za-z0-9_]*\.fileno\(\)\s*,\s*0\s*\)/
        $connect = ".connect((" ascii
        $sh1 = "/bin/sh" ascii
        $sh2 = "/bin/bash" ascii
        $pty = "pty.spawn(" ascii
    condition:
        $dup and $connect and any of ($sh1, $sh2, $pty)
}
