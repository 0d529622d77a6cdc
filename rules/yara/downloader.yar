// Downloaders and encoded launchers: a script fetched or decoded and run at once.
//
// airlock built-in rules (docs/rules/yara-match.md). PowerShell ignores case, but `nocase`
// multiplies the atoms to look for; the spellings seen in the wild are listed instead.

rule powershell_encoded_command
{
    meta:
        id = "yara-powershell-encoded"
        severity = "high"
        description = "PowerShell started with an encoded command (-EncodedCommand and a base64 payload)"
    strings:
        $enc = /\b([Pp]ower[Ss]hell|POWERSHELL|pwsh)(\.exe)?\b[^\n]{0,120}\s[-\/][eE]([cC]|[nN][cC]([oO][dD][eE][dD][cC][oO][mM][mM][aA][nN][dD])?)?\s+['"]?[A-Za-z0-9+\/]{40,}={0,2}/
    condition:
        $enc
}

rule powershell_decode_and_run
{
    meta:
        id = "yara-powershell-decode-exec"
        severity = "high"
        description = "PowerShell decoding base64 and running the result (FromBase64String with Invoke-Expression or IEX)"
    strings:
        $a = /\b(IEX|iex|Iex|Invoke-Expression|invoke-expression)\b[^\n]{0,300}FromBase64String/
        $b = /FromBase64String[^\n]{0,300}\|\s*(IEX|iex|Iex|Invoke-Expression|invoke-expression)\b/
    condition:
        any of them
}

rule powershell_download_cradle
{
    meta:
        id = "yara-powershell-download-exec"
        severity = "low"
        script_severity = "medium"
        description = "PowerShell downloading a script and running it (DownloadString, iwr or irm piped to IEX); also how some installers are documented"
    strings:
        $a = /\b(IEX|iex|Iex|Invoke-Expression|invoke-expression)\b[^\n]{0,40}\(\s*(New-Object\s+)?(System\.)?Net\.WebClient\)?\.DownloadString\(/
        $b = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\s[^\n|]{0,200}\|\s*(IEX|iex|Iex|Invoke-Expression|invoke-expression)\b/
        // `iex (iwr URL)`, `iex (irm URL).Content`.
        $c = /\b(IEX|iex|Iex|Invoke-Expression|invoke-expression)\s*\(\s*(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\s/
    condition:
        any of them
}

rule encoded_shell
{
    meta:
        id = "yara-encoded-shell"
        severity = "medium"
        script_severity = "high"
        description = "base64-decoded data piped into a shell (echo … | base64 -d | sh): a command hidden from whoever reads the script"
    strings:
        $a = /\bbase64\s+(-d|--decode|-D)\b[^\n|;&]{0,80}\|\s*(sudo\s+)?(env\s+)?(\/usr)?(\/bin\/)?(ba|z|da|k)?sh\b/
    condition:
        $a
}

rule pipe_to_shell
{
    meta:
        id = "yara-pipe-to-shell"
        severity = "low"
        script_severity = "medium"
        description = "a download piped into a shell (curl ... | sh, wget -O- ... | bash); also how many installers are documented"
    strings:
        // Also through `env`, a path (`| /bin/sh`), and across `\`-continued lines.
        $p = /\b(curl|wget)\s([^\n|;&]|\\\r?\n){0,200}\|\s*(sudo\s+(-[A-Za-z]+\s+)*)?(env\s+)?(\/usr)?(\/local)?(\/bin\/)?(ba|z|da|k)?sh\b/
        // An interpreter reading its program from the pipe (`| python3 -`, `| perl` at the
        // end of the command); `| python3 -c '…json…'` and `| perl -pe …` only filter text.
        $i = /\b(curl|wget)\s([^\n|;&]|\\\r?\n){0,200}\|\s*(sudo\s+(-[A-Za-z]+\s+)*)?(env\s+)?(\/usr)?(\/local)?(\/bin\/)?(python[0-9.]*|perl|ruby|node)(\s+-)?\s*[\r\n;&)"'`]/
        // `bash -c "$(curl -fsSL URL)"` (Homebrew's installer spelling), `sh -c "`wget …`"`,
        // `python3 -c "$(curl …)"`, `eval "$(curl …)"`.
        $c = /\b((ba|z|da|k)?sh|python[0-9.]*|perl|ruby|node)\s+-c\s+["']?(\$\(|`)\s*(curl|wget)\s/
        $e = /\beval\s+["']?(\$\(|`)\s*(curl|wget)\s/
        // `source <(curl …)`, `. <(wget -O- …)`, `bash <(curl …)`, fish's `curl … | source`.
        $s = /(\bsource|\s\.|\b(ba|z|da|k)?sh)\s+<\(\s*(curl|wget)\s/
        $f = /\b(curl|wget)\s[^\n|;&]{0,200}\|\s*source\b/
        // Saved, then run on the same line: `wget -q URL -O /tmp/i.sh && sh /tmp/i.sh`,
        // `curl -s URL -o %TEMP%\x.bat && call %TEMP%\x.bat`.
        $r = /\b(curl|wget)(\.exe)?\s[^\n;&|]{0,200}\s(-o|-O|--output|--output-document)[ =]?\S+\s*(&&|;)\s*((sudo\s+)?(ba|z|da|k)?sh|call|start|powershell(\.exe)?|chmod\s+\+x)\s/
    condition:
        any of them
}

rule credential_upload
{
    meta:
        id = "yara-credential-upload"
        severity = "medium"
        script_severity = "high"
        description = "curl or wget on the same line as a credential file or folder (~/.aws/credentials, ~/.ssh, ~/.kube/config, ~/.git-credentials, ~/.netrc, ~/.docker/config.json, gcloud, ~/.pypirc, ~/.npmrc), or such a file piped into a network client: a key sent out, or written over"
    strings:
        $u = /\b(curl|wget)(\.exe)?\s[^\n]{0,300}(~|\$HOME|\$\{HOME\}|\$\(HOME\)|%USERPROFILE%|\/root|\/home\/[A-Za-z0-9_.-]{1,32}|\/Users\/[A-Za-z0-9_.-]{1,32})[\/\\]\.(aws([\/\\]credentials|[\s"';|)])|ssh([\/\\]id_|[\s"';|)])|kube[\/\\]config|git-credentials|netrc|docker[\/\\]config\.json|config[\/\\]gcloud|pypirc|npmrc)/
        $p = /(~|\$HOME|\$\{HOME\}|\$\(HOME\)|%USERPROFILE%|\/root|\/home\/[A-Za-z0-9_.-]{1,32}|\/Users\/[A-Za-z0-9_.-]{1,32})[\/\\]\.(aws|ssh|kube|git-credentials|netrc|docker|config[\/\\]gcloud|pypirc|npmrc)[^\n|]{0,300}\|\s*(curl|wget|nc|ncat|netcat)\b/
    condition:
        any of them
}
