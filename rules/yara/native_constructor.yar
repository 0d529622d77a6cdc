// Native load-time code: C and C++ sources of an extension module whose constructor starts a
// process. The constructor runs when the built library is loaded, that is when Python imports
// the extension, before any of its functions is called.
//
// airlock built-in rules (docs/rules/yara-match.md).

rule native_constructor_process
{
    meta:
        id = "yara-native-constructor-process"
        severity = "high"
        description = "a C/C++ load-time constructor (__attribute__((constructor)), DllMain on DLL_PROCESS_ATTACH) that starts a process (system, popen, exec*, posix_spawn, WinExec, ShellExecute, CreateProcess): it runs when the extension is imported"
    strings:
        $gcc = /__attribute__\s*\(\(\s*(__)?constructor(__)?[^)]{0,20}\)\)[^;{]{0,200}\{[^}]{0,1000}\b(system|popen|execl|execlp|execle|execv|execvp|execve|execvpe|posix_spawnp?|WinExec|ShellExecute(Ex)?[AW]?|CreateProcess[AW]?)\s*\(/
        $dll = /DLL_PROCESS_ATTACH[^}]{0,1000}\b(system|_?popen|WinExec|ShellExecute(Ex)?[AW]?|CreateProcess[AW]?)\s*\(/
    condition:
        any of them
}
