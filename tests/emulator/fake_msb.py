#!/usr/bin/env python3
# =====================================================================================
#  fake_msb.py -- a fake `msb` 0.2.6 command line, driving msb_emulator.py as msbserver
# =====================================================================================
#
#  THIS IS A TEST TOOL. It is never built into, shipped with or installed by PySandbox.
#  Put tests/emulator/bin on PATH to make `msb` resolve to it.
#
#  It reproduces what a setup wizard observes when it runs the real `msb` 0.2.6 (protocol
#  doc /work/shared/docs/microsandbox-0.2-protocol.md section 4, checked against upstream
#  microsandbox-v0.2.6: microsandbox-cli, microsandbox-server/lib/management.rs,
#  microsandbox-core/lib/management/{image,orchestra}.rs): exit statuses, stdout/stderr
#  texts, server.pid / server.key handling, and the TTY-only progress output. The server
#  it starts is msb_emulator.py, so NOTHING RUNS IN A SANDBOX (see README.md).
#
#  Everything stays on loopback; `msb pull` downloads nothing (it is a timed simulation).
#  Python 3 standard library only. Layout: fake_msb_cli.py (clap-like parsing),
#  fake_msb_term.py (console/indicatif/tracing output), fake_msb_pull.py (`msb pull`),
#  fake_msb_status.py (the `msb server status` table).
# =====================================================================================
"""Fake `msb` 0.2.6 for tests (see tests/emulator/README.md, "The fake `msb` command")."""

import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree

import contextlib  # noqa: E402
import io  # noqa: E402
import ipaddress  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import selectors  # noqa: E402
import shlex  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fake_msb_cli as C  # noqa: E402
import fake_msb_status as S  # noqa: E402
import fake_msb_term as T  # noqa: E402

EMULATOR = os.path.join(HERE, "msb_emulator.py")
DEFAULT_PORT = 5555
EMULATOR_VERSIONS = ("0.2.0", "0.2.1", "0.2.2", "0.2.3", "0.2.4", "0.2.5", "0.2.6")
LISTENING_RE = re.compile(rb"MSB-EMULATOR LISTENING (\d+)")
KEYGEN_MISSING = ("Server key failed to generate: Server key file not found. "
                  "Make sure the server is running in secure mode.")


# ---- small helpers ----------------------------------------------------------------------

def emulator_module():
    """Import msb_emulator lazily (token minting, keygen, image names); it takes ~0.2 s."""
    import msb_emulator
    return msb_emulator


def fail(message):
    """Rust's main returning Err: `Error: <message>` on stderr, exit status 1."""
    sys.stderr.write("Error: %s\n" % message)
    sys.stderr.flush()
    return 1


def out(text):
    """A stdout line, flushed at once (msbserver's stdout is line-buffered)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fake_version():
    """FAKE_MSB_VERSION without a leading `v` (default 0.2.6)."""
    return (os.environ.get("FAKE_MSB_VERSION") or "0.2.6").lstrip("vV")


def version_tuple(ver):
    """'0.2.6' -> (0, 2, 6); unparsable parts count as 0."""
    parts = []
    for piece in ver.split(".")[:3]:
        m = re.match(r"\d+", piece)
        parts.append(int(m.group()) if m else 0)
    return tuple(parts + [0] * (3 - len(parts)))


def ms_home():
    """$MICROSANDBOX_HOME or ~/.microsandbox (section 1; not MSB_HOME)."""
    return os.environ.get("MICROSANDBOX_HOME") or os.path.join(os.path.expanduser("~"), ".microsandbox")


def pid_file(home):
    """server.pid: msbserver's PID, decimal, no newline (section 1)."""
    return os.path.join(home, "server.pid")


def sidecar_file(home):
    """Where the fake remembers how to reach the server it started (not an upstream file)."""
    return os.path.join(home, ".emulator", "fake-msb.json")


def listen_file(home):
    """A detached emulator's stdout: its `MSB-EMULATOR LISTENING <port>` line lands here."""
    return os.path.join(home, ".emulator", "fake-msb.stdout")


def parse_i32(text):
    """Rust `str::parse::<i32>()` of an already trimmed string, or None."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    n = int(text)
    return n if -2 ** 31 <= n < 2 ** 31 else None


def read_pid(home):
    """(exists, pid or None) of server.pid; the content is trimmed like upstream does."""
    try:
        with open(pid_file(home), encoding="utf-8", errors="replace") as f:
            return True, parse_i32(f.read().strip())
    except FileNotFoundError:
        return False, None


def remove_pid(home):
    """management.rs `clean`: delete server.pid if it exists."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(pid_file(home))


def process_alive(pid):
    """`libc::kill(pid, 0) == 0`, exactly as upstream checks it (EPERM counts as dead)."""
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def is_emulator(pid):
    """True if pid is an msb_emulator.py process (the only processes the fake will signal)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"msb_emulator.py" in f.read()
    except OSError:
        return False


def write_json(path, obj):
    """Write a small JSON file atomically (another fake msb may read it at the same time)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".fake-msb-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


read_json = S.read_json  # one reader for the sidecar files, shared with the status table


def display_addr(host, port):
    """Rust SocketAddr Display: `127.0.0.1:5555`, `[::1]:5555`."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "%s:%d" % (host, port)
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip, port)


def wait_status(returncode):
    """Debug of tokio's `io::Result<ExitStatus>` on Unix: `Ok(ExitStatus(unix_wait_status(N)))`."""
    raw = returncode << 8 if returncode >= 0 else -returncode
    return "Ok(ExitStatus(unix_wait_status(%d)))" % raw


# ---- msb server start (section 4.1) --------------------------------------------------------

def emulator_home(home, path):
    """The --home to give the emulator. With `-p/--path DIR` the namespaces live in DIR.

    The emulator always uses `<home>/namespaces`, so for --path a small home under
    `<home>/.emulator/path-home` is built whose `namespaces` and `.emulator` are symlinks to
    DIR and to the real `<home>/.emulator` (images.json stays shared with `msb pull`).
    """
    if path is None:
        return home
    ns_dir = os.path.abspath(path)
    os.makedirs(ns_dir, exist_ok=True)
    eh = os.path.join(home, ".emulator", "path-home")
    os.makedirs(eh, exist_ok=True)
    for name, target in (("namespaces", ns_dir), (".emulator", os.path.join(home, ".emulator"))):
        link = os.path.join(eh, name)
        if os.path.islink(link):
            os.unlink(link)
        if not os.path.exists(link):
            os.symlink(target, link)
    return eh


def server_key_args(home, key, reset_key):
    """Upstream's key handling in msb (not in msbserver): --key, else the file, else random.

    The file is (re)written only when it did not exist, with --key, or with --reset-key; the
    key always reaches the server as `--key <KEY>` (section 3.1).
    """
    key_path = os.path.join(home, "server.key")
    provided = key is not None
    if provided:
        server_key = key
    elif os.path.exists(key_path) and not reset_key:
        with open(key_path, encoding="utf-8", newline="") as f:
            server_key = f.read()
    else:
        server_key = emulator_module().random_alnum(32)
    if not os.path.exists(key_path) or provided or reset_key:
        with open(key_path, "w", encoding="utf-8", newline="") as f:
            f.write(server_key)
    return ["--key", server_key, "--key-file", key_path]


def server_start(p, ver):
    """`msb server start`: pid-file check, key handling, spawn, then detach or supervise."""
    port = C.parse_port(p.options["port"]) if "port" in p.options else None   # clap validates first
    home = ms_home()
    os.makedirs(os.path.join(home, "namespaces"), exist_ok=True)
    spinner = T.Spinner("Start sandbox server")
    exists, pid = read_pid(home)
    if exists:
        if pid is not None and process_alive(pid):
            spinner.finish(False)
            out("A sandbox server is already running (PID: %d) - Use %s to stop it"
                % (pid, T.style("msb server stop", T.YELLOW)))
            return 0
        remove_pid(home)                                # stale or invalid PID file

    opts, flags = p.options, p.flags
    host = opts.get("host")
    dev, detach = "dev" in flags, "detach" in flags
    argv = [sys.executable, EMULATOR, "--home", emulator_home(home, opts.get("path")),
            "--port", str(DEFAULT_PORT if port is None else port)]
    if host is not None:
        argv += ["--host", host]
    if dev:
        argv.append("--dev")
    else:
        argv += server_key_args(home, opts.get("key"), "reset-key" in flags)
    if ver in EMULATOR_VERSIONS:
        argv += ["--version", ver]
    argv += shlex.split(os.environ.get("FAKE_MSB_EMULATOR_ARGS", ""))

    os.makedirs(os.path.dirname(listen_file(home)), exist_ok=True)
    stop = []
    if not detach:           # before the spawn, so that an early signal cannot orphan the child
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: stop.append(signum))
    try:
        if detach:       # setsid, stdio to /dev/null (stdout: the sidecar file, see listen_file)
            with open(listen_file(home), "wb") as stdout:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        else:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        spinner.finish(False)
        return fail("Server failed to start: failed to spawn server process: %s (os error %d)"
                    % (e.strerror, e.errno))
    with open(pid_file(home), "w", encoding="utf-8") as f:
        f.write(str(proc.pid))
    info = {"pid": proc.pid, "host": host or "127.0.0.1", "port": port if port is not None else DEFAULT_PORT,
            "dev": dev, "version": ver, "detached": detach,
            "listen_file": listen_file(home) if detach else None}
    write_json(sidecar_file(home), info)
    spinner.finish(True)
    if detach:
        return 0                                        # no check that anything listens (as upstream)
    return supervise(proc, home, info, spinner, stop)


def supervise(proc, home, info, spinner, stop):
    """Foreground `msb server start`: relay msbserver's output until it exits or a signal.

    msbserver prints `✓ Running in development mode` first and `✓ Server listening on …`
    *before* it binds, so that line also precedes a bind error. The fake prints it when the
    emulator reports its (real) port, or right before the bind error, and holds the
    emulator's stderr until then to keep that order. `stop` fills up with received signals.
    """
    if info["dev"]:
        out("%s Running in %s mode" % (T.checkmark(), T.style("development", T.YELLOW)))

    def listening(port):
        out("%s Server listening on %s" % (T.checkmark(), T.style(display_addr(info["host"], port), T.YELLOW)))

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    pending_out, held_err, gate_open, open_pipes = b"", b"", False, 2
    while open_pipes and not stop:
        for key, _ in sel.select(0.05):
            data = os.read(key.fileobj.fileno(), 65536)
            if not data:
                sel.unregister(key.fileobj)
                open_pipes -= 1
            elif key.data == "err":
                if gate_open:
                    os.write(2, data)
                else:
                    held_err += data
            else:
                pending_out += data
                while b"\n" in pending_out:
                    line, pending_out = pending_out.split(b"\n", 1)
                    m = LISTENING_RE.fullmatch(line)
                    if m and not gate_open:
                        info["port"] = int(m.group(1))
                        write_json(sidecar_file(home), info)
                        listening(info["port"])
                        gate_open = True
                        os.write(2, held_err)
                        held_err = b""
                    elif not m:
                        sys.stdout.buffer.write(line + b"\n")
                        sys.stdout.flush()
    if stop:                     # upstream: kill msbserver, remove server.pid, exit 0
        terminate(proc)
        remove_pid(home)
        return 0
    rc = proc.wait()
    text = held_err.decode("utf-8", "replace")
    if not gate_open and text.startswith("Error: io error: "):
        listening(info["port"])
    sys.stderr.write(with_cause(text))
    sys.stderr.flush()
    remove_pid(home)
    if rc == 0:
        return 0
    T.tracing_error("microsandbox_server::management",
                    "child process — sandbox server — exited with status: %s" % wait_status(rc))
    spinner.finish(False)
    return fail("Server failed to start: child process — sandbox server — failed with exit status: %s"
                % wait_status(rc))


def with_cause(text):
    """pretty-error-debug prints the io::Error behind msbserver's `io error: …` as its cause."""
    lines = []
    for line in text.split("\n"):
        lines.append(line)
        if line.startswith("Error: io error: "):
            lines += ["", "Caused by:", "    " + line[len("Error: io error: "):]]
    return "\n".join(lines)


def terminate(proc):
    """Stop the emulator child: SIGTERM (so its sandbox processes are cleaned up), then SIGKILL.

    Upstream sends SIGKILL straight away; a client cannot tell the difference, and SIGTERM lets
    the emulator kill its REPL process groups so that tests leave no orphans.
    """
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- msb server stop (section 4.2) ---------------------------------------------------------

def server_stop():
    """SIGTERM to the PID in server.pid, delete the file; the three upstream errors."""
    home = ms_home()
    spinner = T.Spinner("Stop sandbox server")
    exists, pid = read_pid(home)
    if not exists:
        spinner.finish(False)
        return fail("Server failed to stop: server is not running (PID file not found)")
    if pid is None:
        spinner.finish(True)        # upstream returns before finishing: indicatif leaves ✓
        return fail("Server failed to stop: invalid PID found in server.pid file")
    if pid > 0 and process_alive(pid) and not is_emulator(pid):
        # Safety: never signal a process the fake did not start; treat it as gone.
        sys.stderr.write("fake msb: PID %d is not an msb_emulator.py process; not signalling it\n" % pid)
        alive = False
    else:
        alive = True
    try:
        if pid <= 0:
            raise PermissionError("refusing to signal a process group")
        if not alive:
            raise ProcessLookupError()
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        remove_pid(home)
        spinner.finish(False)
        return fail("Server failed to stop: server process not found (stale PID file removed)")
    except OSError:
        spinner.finish(False)
        return fail("Server failed to stop: failed to stop server process (PID: %d)" % pid)
    remove_pid(home)
    spinner.finish(True)
    return 0


# ---- msb server keygen (section 4.3) ---------------------------------------------------------

def server_keygen(p, ver):
    """Delegates to `msb_emulator.py keygen` (in-process) and adds msb's TTY decorations."""
    M = emulator_module()
    home = ms_home()
    expire, namespace = p.options.get("expire"), p.options.get("namespace")
    if expire is not None:
        try:
            M.parse_duration(expire)
        except ValueError as e:
            return fail("invalid argument: %s" % e)
    spinner = T.Spinner("Generate new API key")
    if not os.path.exists(os.path.join(home, "server.key")):
        spinner.finish(False)
        return fail(KEYGEN_MISSING)
    argv = ["--home", home]
    if expire is not None:
        argv.append("--expire=" + expire)
    if namespace is not None:
        argv.append("--namespace=" + namespace)
    if ver in EMULATOR_VERSIONS:
        argv += ["--version", ver]
    captured_out, captured_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(captured_out), contextlib.redirect_stderr(captured_err):
        rc = M.keygen_main(argv)
    spinner.finish(rc == 0)
    sys.stderr.write(captured_err.getvalue())
    for line in captured_out.getvalue().splitlines():
        label, sep, value = line.partition(": ")
        sys.stdout.write(label + sep + T.style(value, T.CYAN) + "\n" if sep else line + "\n")
    sys.stdout.flush()
    return rc


# ---- msb server status (section 4.4; rendering in fake_msb_status.py) ---------------------

def server_endpoint(home):
    """The running server the fake started: the sidecar info with its real port, or None."""
    exists, pid = read_pid(home)
    info = read_json(sidecar_file(home))
    if not exists or pid is None or not process_alive(pid) or not info or info.get("pid") != pid:
        return None
    if info.get("listen_file"):
        try:
            with open(info["listen_file"], "rb") as f:
                m = LISTENING_RE.match(f.readline().strip())
            if m:
                info["port"] = int(m.group(1))
        except OSError:
            pass
    return info


def live_statuses(home, info):
    """`sandbox.metrics.get` (0.2.0/0.2.1: `sandbox.getStatus`) namespace `*` over loopback.

    → {namespace: [status dict]}; raises OSError/ValueError/KeyError when it gets no answer.
    """
    M = emulator_module()
    host = info.get("host") or "127.0.0.1"
    url = "http://%s/api/v1/rpc" % display_addr(host, info["port"])
    headers = {"Content-Type": "application/json"}
    if not info.get("dev"):
        with open(os.path.join(home, "server.key"), encoding="utf-8", newline="") as f:
            key = f.read()
        now = int(time.time())
        headers["Authorization"] = "Bearer " + M.mint_api_key(key, now + 300, now, "*", info.get("version", "0.2.6"))
    method = "sandbox.getStatus" if info.get("version") in ("0.2.0", "0.2.1") else "sandbox.metrics.get"
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": {"namespace": "*"}, "id": 1}).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, data=body, headers=headers), timeout=10) as r:
        return S.group_metrics(json.loads(r.read())["result"]["sandboxes"], info["pid"])


def server_status(p):
    """`msb server status`: the live view from the running emulator, else from disk."""
    home = ms_home()

    def fetch():
        info = server_endpoint(home)
        return None if info is None else live_statuses(home, info)

    return S.show(home, fetch, p.positionals, p.options.get("namespace"))


# ---- dispatch ------------------------------------------------------------------------------

def apply_log_level(flags):
    """handlers.rs log_level: the most verbose global flag sets RUST_LOG for the children."""
    for level in ("trace", "debug", "info", "warn", "error"):
        if level in flags:
            os.environ["RUST_LOG"] = "microsandbox=%s,msb=%s" % (level, level)
            return


def dispatch(p, ver, table):
    """Run the parsed subcommand; returns the exit status."""
    if p.path == ():
        sys.stdout.write(C.help_text(table[()]))   # `msb` alone prints its help, exit 0
        return 0
    if p.path == ("version",):
        return 0                                        # the "TODO" arm: prints nothing
    if p.path in (("login",), ("push",)):
        out("%s %s functionality is not yet implemented" % (T.anstyle("error:", T.BOLD, T.RED), p.path[0]))
        return 0
    if p.path == ("pull",):
        import fake_msb_pull as P
        return P.pull(ms_home(), p.positionals[0], "image" in p.flags, "image-group" in p.flags,
                      p.options.get("layer-path"))
    if p.path == ("server", "start"):
        return server_start(p, ver)
    if p.path == ("server", "stop"):
        return server_stop()
    if p.path == ("server", "keygen"):
        return server_keygen(p, ver)
    if p.path == ("server", "status"):
        return server_status(p)
    raise AssertionError("unhandled %r" % (p.path,))


def main(argv=None):
    """Parse like clap, print the version if asked (checked first, as upstream), dispatch."""
    argv = sys.argv[1:] if argv is None else argv
    ver = fake_version()
    vt = version_tuple(ver)
    table = C.specs(has_server=vt < (0, 3, 0), has_host=(0, 2, 6) <= vt)
    try:
        p = C.parse(argv, table)
        apply_log_level(p.flags)
        if "version" in p.flags:
            out(T.anstyle("v" + ver, T.BOLD, T.BLUE))
            return 0
        return dispatch(p, ver, table)
    except C.Exit as e:
        return e.status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
