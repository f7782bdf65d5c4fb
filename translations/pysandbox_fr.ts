<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>main</name>
    <message>
        <source>Run untrusted Python snippets in a sandbox</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run one snippet in the window, then exit 0 if it worked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the editor&apos;s snippet, save the window to &lt;file&gt;, exit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the Python code of &lt;file&gt; into the editor.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>With --screenshot: show this result tab (Summary, Result, Tables, Figures).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox</name>
    <message>
        <source>pysandbox-cli: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[output truncated after %1 bytes]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>result: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>displays: %1 (use --json to get them)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2 · engine %3 (%4) · wall %5 ms · cpu %6 ms · peak %7 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no isolation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  isolation: %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  note: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>auto picks: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>auto picks: nothing is ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the snippet &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the snippet &quot;%1&quot; is not valid UTF-8 text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>standard input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>line %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the line is longer than %1 MiB; it was skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not valid JSON: %1 at character %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a request must be a JSON object like {&quot;id&quot;: 1, &quot;code&quot;: &quot;result = 1&quot;}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;id&quot; must be a string or a number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown field &quot;%1&quot; (a request has id, code, inputs and options)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;code&quot; is missing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;code&quot; must be a string</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;inputs&quot; must be a JSON object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;options&quot; must be a JSON object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown option &quot;%1&quot; (known: %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the inputs file &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--inputs is not valid JSON: %1 at character %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--inputs must be a JSON object, like {&quot;x&quot;: 1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 needs a number between %2 and %3, not &quot;%4&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 needs a whole number between %2 and %3, not &quot;%4&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--server needs an http:// URL such as http://127.0.0.1:5555, not &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read the token file &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--engine must be auto, native or microsandbox, not &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--env needs NAME=value, not &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown option &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 needs a value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 does not take the option &quot;%2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 takes no argument &quot;%2&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>only one snippet file may be given (got &quot;%1&quot; and &quot;%2&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>run needs a snippet file, or - to read it from standard input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no command given</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown command &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage:
  pysandbox-cli run FILE|- [options]   run a Python snippet in a sandbox
  pysandbox-cli batch [options]        run one JSON request per line of standard input
                                       and print one result envelope per line
  pysandbox-cli doctor [--json] [--python PATH] [--bubblewrap PATH] [--allow-unsandboxed]
                                       show which engines are ready and why not
  pysandbox-cli stop-sandbox [microsandbox options]
                                       stop the warm microsandbox VM (runs leave it warm)
  pysandbox-cli --version | --help

Run options:
  --engine auto|native|microsandbox   engine to use (auto: the strongest ready one)
  --inputs JSON|@file                 the inputs object the snippet sees as `inputs`
  --timeout S                         wall-time limit in seconds (default 30)
  --cpu S                             CPU-time limit in seconds (default 30, 0 = none)
  --memory MB                         memory limit in MB (default 1024, 0 = none)
  --max-output BYTES                  stdout+stderr cap (default 16 MiB, 0 = none)
  --max-processes N                   process limit (default 64, 0 = none)
  --max-file-size BYTES               largest file the snippet may write (default 64 MiB)
  --file PATH                         a read-only input file, visible as files/&lt;name&gt;
  --env NAME=VALUE                    an environment variable to pass in
  --python PATH                       the interpreter for the native engine
  --bubblewrap PATH                   the bwrap program for the native sandbox
  --allow-unsandboxed                 if the sandbox is unavailable, run with resource
                                      limits only instead of refusing
  --json                              print exactly one result envelope as JSON

Microsandbox options (run, batch, doctor, stop-sandbox):
  --server URL                        the microsandbox 0.2.x server (default
                                      $MSB_SERVER_URL or http://127.0.0.1:5555)
  --token KEY|@file                   its API key, msb_... (default $MSB_API_KEY)
  --server-key FILE                   mint a fresh key from this server.key when the
                                      key is missing, rejected or expired
  --namespace NS                      the namespace (default: default)
  --sandbox NAME                      the warm VM&apos;s name (default: pysandbox-default)
  --image IMAGE                       the image (default microsandbox/python)
  --vm-memory MIB, --vm-cpus N        the VM&apos;s size (default 1024 MiB, 1 CPU)
  --fresh-vm                          a new VM for every run (run, batch)
  --msb PATH                          the msb command for the version check

Batch: each line is {&quot;id&quot;: ..., &quot;code&quot;: ..., &quot;inputs&quot;: {...}, &quot;options&quot;: {...}};
options use the envelope&apos;s limit names (wall_timeout_ms, memory_mb, ...) and override the
command line. batch takes the run options except --inputs and --json, and:
  --parallel N                        runs at once, 1 to 16 (default 1: in input order;
                                      otherwise results come as runs finish)

Exit status: 0 ok, 1 the snippet raised an error, 2 usage error,
3 a limit stopped the run or it was cancelled, 4 the engine failed.
batch exits 0 once every line has an envelope (failed snippets included), 3 when
interrupted or when standard output closes, 4 when the engine is not ready.
</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>option &quot;%1&quot; must be a whole number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>option &quot;%1&quot; must be between %2 and %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finished in %1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed: %1 on line %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped: wall-time limit %1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped: CPU limit %1 s, used %2 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped: memory limit %1 MB, peak %2 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped: output limit %1 MB reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped: process limit %1, peak %2 processes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped: file size limit %1 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped: cancelled by the user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>engine error: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>msb %1 is installed, but PySandbox needs microsandbox 0.2.x: from 0.3 on microsandbox has no server and no HTTP API at all. Install 0.2.6 next to it with: curl -sSL https://get.microsandbox.dev | sh -s -- --version=0.2.6 (or download microsandbox-0.2.6-linux-x86_64.tar.gz from the microsandbox-v0.2.6 GitHub release) and point PySandbox at that msb.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>`%1 --version` did not answer within 5 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>`%1 --version` did not print a version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>memfd_create failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not export the seccomp program: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not read the exported seccomp program</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>libseccomp could not create a filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pandas: total sales per region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>matplotlib: a line chart</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON: reshape records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hostile: tries to steal an SSH key and phone home</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::AppSettings</name>
    <message>
        <source>the stored default limits are not valid (%1); the defaults are used</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::BatchRunner</name>
    <message>
        <source>cannot read standard input: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>standard output was closed; stopping the batch</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::Builder</name>
    <message>
        <source>libseccomp refused the rule for %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::ChildFailure::limit::value</name>
    <message>
        <source>could not set up the child&apos;s file descriptors: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not apply the resource limits: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not enter the scratch directory: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not give the child its own session: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not start &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>internal error: child fd %1 is reserved or too large</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not create pipes: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not start a process: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::ChildProcess</name>
    <message>
        <source>could not create pipes: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the warm interpreter did not take the run: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::CliRunner</name>
    <message>
        <source>could not stop the sandbox %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot start the batch: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::CodeEditor</name>
    <message>
        <source>Python code editor</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::EngineFactory</name>
    <message>
        <source>no engine is ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no engine is ready (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the %1 engine is not part of this build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the %1 engine is not ready: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::ExecutionOptions</name>
    <message>
        <source>option &quot;working_files&quot; must be a list of paths</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>option &quot;working_files&quot; must contain only non-empty paths</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>option &quot;environment&quot; must be an object of NAME: value strings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>environment variable &quot;%1&quot; must have a string value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the wall-time limit must be between 1 ms and 24 hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>limits cannot be negative</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the memory limit must be at least 32 MB (Python needs about 15 MB to start)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>environment variable name &quot;%1&quot; is not valid</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::IsolationProbe</name>
    <message>
        <source>bubblewrap may not create user namespaces (&quot;%1&quot;). On Ubuntu 24.04 and later AppArmor restricts them: install Ubuntu&apos;s bubblewrap package (it ships an AppArmor profile) or set kernel.apparmor_restrict_unprivileged_userns=0 with sysctl.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the kernel refuses unprivileged user namespaces (&quot;%1&quot;): enable them with sysctl kernel.unprivileged_userns_clone=1 (Debian) or check user.max_user_namespaces.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>user namespaces are switched off (&quot;%1&quot;): raise user.max_user_namespaces with sysctl.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bubblewrap could not start a sandbox: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the seccomp filter could not be built: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bubblewrap (%1) is not installed: install it with &quot;sudo apt install bubblewrap&quot; to give snippets namespaces, a read-only system view and no network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bubblewrap did not finish a trial sandbox within 10 s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::JsonTreeModel</name>
    <message>
        <source>%1 rows × %2 columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 item</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 items</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[1 item]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>[%1 items]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{1 key}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{%1 keys}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::MainWindow</name>
    <message>
        <source>PySandbox</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Native</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Microsandbox</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Security</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the snippet (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the running snippet (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs (JSON object)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running %1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs are not valid JSON: %1 at character %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Inputs must be a JSON object, like {&quot;x&quot;: 1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running on the %1 engine…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · ⚠ %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Isolation: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status: %1 — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Engine: %1 · %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage: wall %1 ms · CPU %2 ms · peak memory %3 MB · output %4 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output truncated in this view — save full output…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Examples</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>
[output truncated at %1 MB in this view]
</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the run&apos;s output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>output.txt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Text files (*.txt);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not save the output: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::MicrosandboxEngine</name>
    <message>
        <source>network egress allowed: a microsandbox 0.2.x server gives every sandbox public network access and its API cannot turn that off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>output arrives when the run ends: the 0.2.x REPL does not stream it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>input files and the process limit are not applied inside the VM; the VM&apos;s own memory (%1 MiB) and CPUs (%2) bound what a run can take</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>runs share one warm VM (%1): each run is a fresh process in a fresh directory, but a snippet can leave files elsewhere in the VM or a detached process for later runs to find; choose &quot;fresh VM per run&quot; to rule that out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the microsandbox engine cannot pass input files into the VM yet: use the native engine for snippets that read files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>network egress allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>needs setup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no msb command found (PATH, ~/.local/bin, ~/.cargo/bin): assuming the server at %1 is microsandbox %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>server down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ready: microsandbox %1 at %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>token expired or missing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>server refuses</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::NativeEngine</name>
    <message>
        <source>warm starts need the sandbox</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>warm starts need Landlock ABI 6 (Linux 6.12) to keep concurrent runs apart; this kernel has %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this interpreter cannot fork</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not sandboxed: resource limits only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>isolation is switched off in the settings: snippets run with your user&apos;s rights, limited only by resource limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>warm starts: runs are forked from a preloaded interpreter in one sandbox, each locked down with Landlock (ABI %1) and its own seccomp filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>warm starts are off: they need Landlock ABI 6 (Linux 6.12) to keep concurrent runs apart, and this kernel offers %1; every run starts cold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cold starts: every run gets a sandbox of its own (Landlock is not needed: the mount namespace already hides the host&apos;s files)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no cgroup limits: memory, CPU and process totals are enforced with rlimits and a 25 ms /proc monitor of the whole process tree</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running as root: the kernel does not apply RLIMIT_NPROC, so the process limit rests on the /proc monitor alone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;require isolation&quot; is on, so the native engine refuses to run without a sandbox; turn it off to run with resource limits only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ready: Python %1 at %2, %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>needs isolation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no usable Python</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the engine was closed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::NativeLaunch</name>
    <message>
        <source>could not hand the seccomp program to bubblewrap: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::NativeRun</name>
    <message>
        <source>cancelled before the interpreter started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the Python runner resource is missing from this build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>isolation is switched off in the settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>isolation is required but not available (%1); turn off &quot;require isolation&quot; to run with resource limits only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not provide the input file &quot;%1&quot; (missing, unreadable, not a regular file, a duplicate name, or over 1 GB in total)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not create a scratch directory in %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not copy the input file &quot;%1&quot; into the scratch directory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python ended with status %1 (signal %2) before it returned a result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python was killed by signal %1 before it returned a result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python exited with code %1 before it returned a result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the result was larger than %1 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the warm interpreter stopped during the run; the next run gets a new one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the warm run could not lock itself down: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the run&apos;s files grew past the %1 MB limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no sandbox: the snippet could read your files and reach the network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>these sandbox layers could not be confirmed for this run: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the run ended before its sandbox layers could be confirmed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cold start: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>input files are bound into a sandbox of their own</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>only %1 MB of memory is free (a warm start needs %2 MB)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::PythonLocator</name>
    <message>
        <source>no &quot;%1&quot; found on PATH; install Python 3.9 or newer or set the interpreter path in the settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the interpreter &quot;%1&quot; does not exist or is not executable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the interpreter &quot;%1&quot; did not answer within 15 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the interpreter &quot;%1&quot; failed to run (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; does not look like a Python interpreter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python %1 at &quot;%2&quot; is too old; PySandbox needs Python 3.%3 or newer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::Reader</name>
    <message>
        <source>the setting %1 = &quot;%2&quot; is not valid; the default is used</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::ResultEnvelope</name>
    <message>
        <source>unsupported result envelope version %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown run status &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::ResultPane</name>
    <message>
        <source>Result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result tree</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy as JSON</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tables</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Actual size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save figure…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Figures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — the first of %2 tables</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Figure %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This figure is not a readable PNG.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save figure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>figure-%1.png</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tables (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Figures (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traceback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>line %1, in %2:  %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, line %2, in %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show line %1 in the editor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>line %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::TableDisplayModel</name>
    <message>
        <source>%1 rows × %2 columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(%1 rows and %2 columns shown)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::UnavailableEngine</name>
    <message>
        <source>unavailable</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::WarmPool</name>
    <message>
        <source>the warm interpreter&apos;s source is missing from this build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>could not create the warm interpreter&apos;s control socket: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the warm interpreter was not ready after %1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the warm interpreter is not ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>killed by signal %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>exit code %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the warm interpreter could not start (%1)%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the warm interpreter stopped %1 times within a minute (last: %2)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::msb</name>
    <message>
        <source>Something answers at this address, but not as a microsandbox server&apos;s health check does (HTTP %1). Check the server URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not base64, or no header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its header does not match its contents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s REPL answered in a shape PySandbox does not know</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>more than one report carried this run&apos;s nonce: something in the sandbox wrote to the REPL&apos;s output, so none of them is trusted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s Python did not finish the call (%1); the sandbox has to be restarted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PySandbox&apos;s wrapper in the sandbox could not send its report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s answer holds no complete report from PySandbox&apos;s wrapper</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s answer holds no complete report from PySandbox&apos;s wrapper; it said: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the wrapper&apos;s report is damaged: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PySandbox&apos;s wrapper failed in the sandbox: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the result was larger than %1 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the run could not start in the sandbox: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python was killed by signal %1 before it returned a result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python exited with code %1 before it returned a result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The answer (HTTP %1) is not one a microsandbox 0.2 server sends: %2. Is something else listening at this address?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not read the request as JSON (HTTP 400: %1). This is a PySandbox bug.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing answers JSON-RPC at this address (HTTP 404: %1): check the server&apos;s URL and port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server does not take this HTTP method here (HTTP 405: %1). This is a PySandbox bug.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request is larger than the server accepts (HTTP 413, about 2 MiB): make the code or the inputs smaller.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server wants &quot;Content-Type: application/json&quot; (HTTP 415: %1). This is a PySandbox bug.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not use the request&apos;s JSON (HTTP 422: %1). This is a PySandbox bug.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the request: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key is limited to another namespace (HTTP 403 Access denied): use a key minted for this namespace or for &quot;*&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not find it: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The microsandbox server failed inside (HTTP 500) and keeps the reason in its own log. Usual causes: the image could not be pulled, the micro-VM could not start (is /dev/kvm usable?), or the sandbox is not up yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the request (HTTP %1, code %2): %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not accept the API key (Invalid credentials): none was sent or it does not start with msb_. The raw server.key is not an API key: create one with `msb server keygen` or let PySandbox mint one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server rejected the API key as invalid or expired: mint a new one (keys made before the server key was reset no longer work).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the request as unauthorised (HTTP 401): set an API key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its &quot;jsonrpc&quot; is not &quot;2.0&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it answers another request (id %1, expected %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a success without exactly one &quot;result&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a JSON-RPC error object with the wrong status or shape</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server does not know this method (%1): it is not the microsandbox 0.2 version PySandbox was set up for. Check `msb --version`.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the request&apos;s JSON-RPC envelope (%1). This is a PySandbox bug.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server answered with JSON-RPC error %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>neither a JSON-RPC reply nor an {&quot;error&quot;, &quot;code&quot;} object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an error object with a success status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error code %1 comes with another status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An HTTP proxy or gateway answered instead of the microsandbox server (HTTP %1). The local server must be reached without a proxy: unset HTTP_PROXY/http_proxy or add 127.0.0.1 to NO_PROXY, also for msbserver itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing answers JSON-RPC at this address (HTTP %1 without a body): check the server&apos;s URL and port. microsandbox 0.3 and later have no server at all.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server answered HTTP %1 without a body: the answer was lost or something else is listening at this address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>plain text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its content type is &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its JSON is broken (%1 at byte %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>its JSON is not an object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key&apos;s %1 is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key&apos;s %1 is padded with &quot;=&quot;; microsandbox accepts only unpadded base64url.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key&apos;s %1 contains a character that is not base64url.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key&apos;s %1 is not canonical base64url (cut short or altered).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key&apos;s %1 is not a JSON object.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This looks like the content of server.key, which is the server&apos;s secret, not an API key. An API key starts with msb_: create one with `msb server keygen` or let PySandbox mint one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An API key starts with msb_; this one does not.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An API key is msb_ followed by a JWT of three parts separated by dots; this one has %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>claims</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key is not signed with HS256, the only algorithm the server accepts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key&apos;s signature is %1 bytes long; an HS256 signature has 32.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key&apos;s claims lack an integer &quot;exp&quot;, an integer &quot;iat&quot; or a &quot;namespace&quot; string, which the server requires.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key carries an &quot;aud&quot; claim, which makes the server reject it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server key is empty: read ~/.microsandbox/server.key after the server has been started once without --dev.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server key is not UTF-8 text, so it cannot be the key of a microsandbox server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A key&apos;s lifetime must be at least one second, and its times must lie after 1970.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::msb::MsbCall</name>
    <message>
        <source>The request was cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::msb::MsbClient</name>
    <message>
        <source>The request was cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The microsandbox server did not answer %1 within %2 s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No microsandbox server answers at %1 (%2). Start it with `msb server start --detach` or the setup wizard, or check the URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection to the microsandbox server closed before it answered (%1). Was the server stopped or restarted?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The microsandbox server&apos;s answer (HTTP %1) was cut off: the connection closed before all of it arrived.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A fresh key could not be minted from %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> PySandbox will mint a fresh one from %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No API key is set: only a server started with --dev will answer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key expired on %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The API key expires on %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::msb::MsbRun</name>
    <message>
        <source>The run did not come back from the sandbox: %1 PySandbox restarts the sandbox before the next run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>something besides PySandbox&apos;s wrapper wrote to the REPL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PySandbox restarts the sandbox before the next run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s REPL also printed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped by the user; the sandbox&apos;s VM was stopped with it and starts again for the next run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stopped by the user before it started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s VM was started for this run (%1 ms until its Python answered)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the microsandbox engine was closed during the run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a run was abandoned while the VM ran it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the snippet ran as root inside the VM: it could raise its own limits and reach PySandbox&apos;s supervisor there</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::msb::MsbSandbox</name>
    <message>
        <source>the sandbox will be restarted before the next run: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sandbox could not be stopped for a restart: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sandbox %1 could not be started: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the server said: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sandbox&apos;s Python does not work even after a restart: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s REPL was not usable (%1): restarted it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the running sandbox %1 did not answer: restarted it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sandbox %1 runs, but its Python did not answer within %2 s. Likely causes: KVM is missing or not usable by this user (check /dev/kvm), an HTTP proxy between the server and the VM (start the server with NO_PROXY=127.0.0.1,localhost), or a slow first boot. The VM&apos;s log: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>runs of other PySandbox processes on this sandbox are not kept apart: the lock file %1 cannot be created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the sandbox&apos;s VM was already running (started earlier, perhaps by another PySandbox process): it keeps the image, memory and CPUs it was started with</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sandbox %1 was told to stop but still runs after %2 s. Its VM supervisor may be stuck: look at `msb server status` and end the msbrun process of this sandbox.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::msb::RpcRequestBuilder</name>
    <message>
        <source>The request is %1 KiB, more than the %2 KiB the microsandbox server accepts: make the code or the inputs smaller.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A sandbox configuration without an image is ignored by the server: name the image too.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Memory must be a positive number of MiB and the CPU count between 1 and 255.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The environment entry &quot;%1&quot; is not KEY=VALUE.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A REPL call needs a timeout of at least one second: without one a stuck call never returns.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A command needs a program name (there is no shell: use &quot;sh&quot; with &quot;-c&quot;).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A command&apos;s timeout cannot be negative.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>pysandbox::runner</name>
    <message>
        <source>the runner&apos;s result is not valid JSON (%1 at byte %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the runner speaks protocol %1, expected %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the runner reported an error without a type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the runner&apos;s error field is neither an object nor null</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python raised %1 while the limit was in force: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
