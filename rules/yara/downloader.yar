// Downloaders and encoded launchers: a script fetched or decoded and run at once.
//
// airlock built-in rules (docs/rules/yara-match.md).

rule powershell_encoded_command
{
    meta:
        id = "yara-powershell-encoded"
        severity = "high"
        description = "PowerShell started with an encoded command (-EncodedCommand and a base64 payload)"
    strings:
        $enc = /\bpowershell(\.exe)?\b[^\n]{0,120}\s[-\/]e(c|nc|nco|ncod|ncode|ncoded|ncodedcommand)?\s+['"]?[A-Za-z0-9+\/]{40,}={0,2}/ nocase
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
        $a = /\b(IEX|Invoke-Expression)\b[^\n]{0,300}FromBase64String/ nocase
        $b = /FromBase64String[^\n]{0,300}\|\s*(IEX|Invoke-Expression)\b/ nocase
    condition:
        any of them
}

rule powershell_download_cradle
{
    meta:
        id = "yara-powershell-download-exec"
        severity = "low"
        description = "PowerShell downloading a script and running it (DownloadString, iwr or irm piped to IEX); also how some installers are documented"
    strings:
        $a = /\b(IEX|Invoke-Expression)\b[^\n]{0,40}\(\s*(New-Object\s+)?(System\.)?Net\.WebClient\)?\.DownloadString\(/ nocase
        $b = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\s[^\n|]{0,200}\|\s*(IEX|Invoke-Expression)\b/ nocase
    condition:
        any of them
}

rule pipe_to_shell
{
    meta:
        id = "yara-pipe-to-shell"
        severity = "low"
        description = "a download piped into a shell (curl ... | sh, wget -O- ... | bash); also how many installers are documented"
    strings:
        $p = /\b(curl|wget)\s[^\n|;&]{0,200}\|\s*(sudo\s+(-[A-Za-z]+\s+)*)?(ba|z|da|k)?sh\b/
    condition:
        $p
}
