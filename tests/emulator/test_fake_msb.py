#!/usr/bin/env python3
"""Self-tests of tests/emulator/fake_msb.py (the fake `msb` 0.2.6) and of the emulator's
`die` fault. TEST TOOLS only.

Every test gets its own temporary MICROSANDBOX_HOME, runs the fake through its wrapper
tests/emulator/bin/msb, talks to the emulator only on 127.0.0.1, and kills every process it
started (tearDown, plus an atexit safety net). Expected texts come from
/work/shared/docs/microsandbox-0.2-protocol.md section 4 and the upstream 0.2.6 sources it
cites (see README.md, "The fake `msb` command").
"""
import atexit
import collections
import http.client
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "bin")
MSB = os.path.join(BIN, "msb")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import msb_emulator as M  # noqa: E402

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FAST = "--time-scale 0.01"
DOC_KEY = "0123456789abcdefABCDEF0123456789"
START_FAILED = ("Error: Server failed to start: child process — sandbox server — failed with exit status: "
                "Ok(ExitStatus(unix_wait_status(%d)))\n")
IN_USE = ("Error: io error: Address already in use (os error 98)\n\nCaused by:\n"
          "    Address already in use (os error 98)\n")

Result = collections.namedtuple("Result", "args returncode stdout stderr")   # r[1:] = (rc, out, err)
_PIDS = set()           # every emulator/fake pid a test saw; killed at exit if still there


def alive(pid):
    """Running and not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid, limit=10.0):
    end = time.monotonic() + limit
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return not alive(pid)


def kill_pid(pid):
    """SIGTERM, then SIGKILL, a process the tests started (only emulators and fakes)."""
    if not alive(pid):
        return
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read()
    except OSError:
        return
    if b"msb_emulator.py" not in cmd and b"fake_msb.py" not in cmd:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except OSError:
            return
        if wait_gone(pid, 5):
            return


@atexit.register
def _kill_leftovers():
    for pid in list(_PIDS):
        kill_pid(pid)


def health(port, timeout=1.0):
    try:
        with OPENER.open("http://127.0.0.1:%d/api/v1/health" % port, timeout=timeout) as r:
            return r.status
    except (urllib.error.URLError, OSError):
        return None


def rpc(port, method, params, token=None, timeout=30):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1}).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/api/v1/rpc" % port, data=body, headers=headers)
    with OPENER.open(req, timeout=timeout) as r:
        return json.loads(r.read())


def control(port, method, path, obj=None):
    body = json.dumps(obj).encode() if obj is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d/__emulator/%s" % (port, path), data=body, method=method,
                                 headers={"Content-Type": "application/json"})
    with OPENER.open(req, timeout=10) as r:
        return json.loads(r.read())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FakeMsbCase(unittest.TestCase):
    """A fresh MICROSANDBOX_HOME and environment per test; every server is stopped after it."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="fake-msb-test-")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("FAKE_MSB_", "CLICOLOR")) and k not in ("NO_COLOR", "RUST_LOG")}
        self.env.update(MICROSANDBOX_HOME=self.home, PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
                        FAKE_MSB_EMULATOR_ARGS=FAST, LANG="C.UTF-8")
        self.procs = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            for stream in (p.stdout, p.stderr):
                if stream:
                    stream.close()
        for pid in self.server_pids():
            kill_pid(pid)
        shutil.rmtree(self.home, ignore_errors=True)

    def server_pids(self):
        pids = set()
        try:
            pids.add(int(self.read("server.pid")))
        except (OSError, ValueError):
            pass
        try:
            pids.add(json.loads(self.read(".emulator/fake-msb.json"))["pid"])
        except (OSError, ValueError, KeyError):
            pass
        _PIDS.update(pids)
        return pids

    def read(self, rel):
        with open(os.path.join(self.home, rel), encoding="utf-8", newline="") as f:
            return f.read()

    def msb(self, *args, env=None, timeout=30):
        """Run the fake under pipes → Result with str stdout/stderr."""
        r = subprocess.run([MSB] + list(args), capture_output=True, env=dict(self.env, **(env or {})),
                           timeout=timeout)
        self.server_pids()
        return Result(r.args, r.returncode, r.stdout.decode(), r.stderr.decode())

    def popen(self, *args, env=None):
        p = subprocess.Popen([MSB] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(self.env, **(env or {})))
        self.procs.append(p)
        _PIDS.add(p.pid)
        return p

    def start_detached(self, *args, env=None):
        """`msb server start --detach --port 0 …` → (port, pid) once the emulator is healthy."""
        t0 = time.monotonic()
        r = self.msb("server", "start", "--detach", "--port", "0", *args, env=env)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertLess(time.monotonic() - t0, 5)
        pid_text = self.read("server.pid")
        self.assertRegex(pid_text, r"^[0-9]+$")                  # decimal, no newline
        pid = int(pid_text)
        end = time.monotonic() + 10
        port = None
        while time.monotonic() < end:
            m = re.match(r"MSB-EMULATOR LISTENING (\d+)", self.read(".emulator/fake-msb.stdout"))
            if m and health(int(m.group(1))) == 200:
                port = int(m.group(1))
                break
            time.sleep(0.02)
        self.assertIsNotNone(port, "detached server never became healthy")
        return port, pid

    def run_pty(self, *args, env=None, stdout_tty=False, timeout=20):
        """Run the fake with stdin and stderr on a pseudo-terminal → (status, tty bytes, stdout)."""
        master, slave = pty.openpty()
        p = subprocess.Popen([MSB] + list(args), stdin=slave, stderr=slave,
                             stdout=slave if stdout_tty else subprocess.PIPE,
                             env=dict(self.env, **(env or {})))
        os.close(slave)
        self.procs.append(p)
        data, end = b"", time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:                                  # EIO: the child side closed
                    break
                if not chunk:
                    break
                data += chunk
            elif p.poll() is not None:
                break
        os.close(master)
        stdout = p.stdout.read() if p.stdout else b""
        return p.wait(10), data, stdout


# =====================================================================================

class TestVersionAndArgs(FakeMsbCase):
    def test_version_both_variants(self):
        for flag in ("--version", "-V"):
            self.assertEqual(self.msb(flag)[1:], (0, "v0.2.6\n", ""))
        self.assertEqual(self.msb("version")[1:], (0, "", ""))               # the "TODO" arm
        self.assertEqual(self.msb("--version", env={"FAKE_MSB_VERSION": "0.6.1"})[1:], (0, "v0.6.1\n", ""))

    def test_06_has_no_server_subcommand(self):
        r = self.msb("server", "start", "--detach", env={"FAKE_MSB_VERSION": "0.6.1"})
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertTrue(r.stderr.startswith("error: unrecognized subcommand 'server'\n"), r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.home, "server.pid")))

    def test_usage_errors_exit_2_and_global_flags(self):
        r = self.msb("frobnicate")
        self.assertEqual((r.returncode, r.stderr), (2, "error: unrecognized subcommand 'frobnicate'\n\n"
                                                       "Usage: msb [OPTIONS] [COMMAND]\n\n"
                                                       "For more information, try '--help'.\n"))
        self.assertEqual(self.msb("server", "start", "--bogus").returncode, 2)
        r = self.msb("server", "start", "--port", "99999")
        self.assertEqual((r.returncode, r.stderr.splitlines()[0]),
                         (2, "error: invalid value '99999' for '--port <PORT>': 99999 is not in 0..=65535"))
        self.assertEqual(self.msb("pull").returncode, 2)
        for args in (["--debug", "server", "stop"], ["server", "stop", "--trace"], ["--error", "--warn", "server", "stop"]):
            r = self.msb(*args)                                             # accepted; stop then fails
            self.assertEqual((r.returncode, r.stderr),
                             (1, "Error: Server failed to stop: server is not running (PID file not found)\n"))


class TestServer(FakeMsbCase):
    def test_detach_health_already_running_and_stop(self):
        port, pid = self.start_detached()
        key = self.read("server.key")
        self.assertRegex(key, r"^[A-Za-z0-9]{32}$")                          # non-dev: generated
        self.assertTrue(alive(pid))
        r = self.msb("server", "start", "--detach")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(r.stdout, "A sandbox server is already running (PID: %d) - Use msb server stop to stop it\n"
                         % pid)
        self.assertEqual(self.read("server.pid"), str(pid))
        self.assertEqual(self.msb("server", "stop")[1:], (0, "", ""))
        self.assertFalse(os.path.exists(os.path.join(self.home, "server.pid")))
        self.assertTrue(wait_gone(pid))
        self.assertIsNone(health(port))
        self.assertEqual(self.read("server.key"), key)                      # key file kept
        r = self.msb("server", "stop")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (1, "", "Error: Server failed to stop: server is not running (PID file not found)\n"))

    def test_stale_and_invalid_pid_files(self):
        dead = subprocess.Popen(["true"])
        dead.wait()
        pid_path = os.path.join(self.home, "server.pid")
        os.makedirs(self.home, exist_ok=True)
        with open(pid_path, "w") as f:
            f.write(str(dead.pid))
        r = self.msb("server", "stop")
        self.assertEqual((r.returncode, r.stderr),
                         (1, "Error: Server failed to stop: server process not found (stale PID file removed)\n"))
        self.assertFalse(os.path.exists(pid_path))
        with open(pid_path, "w") as f:
            f.write("not-a-pid")
        r = self.msb("server", "stop")
        self.assertEqual((r.returncode, r.stderr),
                         (1, "Error: Server failed to stop: invalid PID found in server.pid file\n"))
        self.assertTrue(os.path.exists(pid_path))                           # upstream keeps it
        _, pid = self.start_detached("--dev")                                # invalid file replaced
        self.assertNotEqual(self.read("server.pid"), "not-a-pid")
        self.msb("server", "stop")
        self.assertTrue(wait_gone(pid))
        with open(pid_path, "w") as f:
            f.write(" %d\n" % dead.pid)                                      # stale (trimmed) PID
        _, pid2 = self.start_detached("--dev")
        self.assertNotEqual(pid2, dead.pid)
        self.assertFalse(os.path.exists(os.path.join(self.home, "server.key")))   # dev: untouched
        self.assertEqual(self.msb("server", "stop").returncode, 0)
        self.assertTrue(wait_gone(pid2))

    def test_port_in_use_foreground(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        self.addCleanup(blocker.close)
        port = blocker.getsockname()[1]
        r = self.msb("server", "start", "--dev", "--port", str(port))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, IN_USE + START_FAILED % 256)
        self.assertTrue(r.stdout.startswith("✓ Running in development mode\n✓ Server listening on 127.0.0.1:%d\n"
                                            % port), r.stdout)
        self.assertIn("ERROR\x1b[0m \x1b[2mmicrosandbox_server::management", r.stdout)   # tracing line
        self.assertFalse(os.path.exists(os.path.join(self.home, "server.pid")))

    def test_foreground_lines_and_sigterm(self):
        p = self.popen("server", "start", "--port", "0", "--key", DOC_KEY)
        line = p.stdout.readline().decode()
        m = re.fullmatch(r"✓ Server listening on 127\.0\.0\.1:(\d+)\n", line)
        self.assertIsNotNone(m, line)
        port = int(m.group(1))
        self.assertEqual(health(port, 5), 200)
        pid = int(self.read("server.pid"))
        self.assertEqual(self.read("server.key"), DOC_KEY)                  # --key is written
        self.assertTrue(alive(pid))
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0)
        self.assertEqual((p.stdout.read(), p.stderr.read()), (b"", b""))
        self.assertFalse(os.path.exists(os.path.join(self.home, "server.pid")))
        self.assertTrue(wait_gone(pid))

    def test_path_option_moves_the_namespaces(self):
        ns_dir = os.path.join(self.home, "elsewhere")
        port, pid = self.start_detached("--dev", "-p", ns_dir)
        self.assertEqual(rpc(port, "sandbox.start", {"namespace": "wiz", "sandbox": "s1",
                                                     "config": {"image": "microsandbox/python"}})["result"],
                         "Sandbox s1 started successfully")
        self.assertTrue(os.path.exists(os.path.join(ns_dir, "wiz", "Sandboxfile")))
        self.assertEqual(self.msb("server", "stop").returncode, 0)
        self.assertTrue(wait_gone(pid))


class TestStatusAndKeygen(FakeMsbCase):
    def test_old_020_server(self):
        env = {"FAKE_MSB_VERSION": "0.2.0"}
        r = self.msb("server", "start", "--host", "127.0.0.1", env=env)             # --host is 0.2.6+
        self.assertEqual((r.returncode, r.stderr.splitlines()[0]), (2, "error: unexpected argument '--host' found"))
        port, pid = self.start_detached(env=env)
        token = re.search(r"^Token: (\S+)$", self.msb("server", "keygen", env=env).stdout, re.M).group(1)
        self.assertEqual(token.count("."), 1)                                # 0.2.0 key format
        rpc(port, "sandbox.start", {"namespace": "default", "sandbox": "old",
                                    "config": {"image": "microsandbox/python"}}, token)
        self.assertIn("\nold             RUNNING    ", self.msb("server", "status", env=env).stdout)
        self.msb("server", "stop", env=env)
        self.assertTrue(wait_gone(pid))


    def test_status_table(self):
        r = self.msb("server", "status")
        self.assertEqual((r.returncode, r.stderr), (1, "Error: not found: No namespaces directory found\n"))
        port, pid = self.start_detached()
        token = re.search(r"^Token: (\S+)$", self.msb("server", "keygen").stdout, re.M).group(1)
        for name in ("zeta", "alpha"):
            rpc(port, "sandbox.start", {"namespace": "default", "sandbox": name,
                                        "config": {"image": "microsandbox/python"}}, token)
        rpc(port, "sandbox.stop", {"namespace": "default", "sandbox": "zeta"}, token)
        rpc(port, "sandbox.start", {"namespace": "other", "sandbox": "o1", "config": {"image": "microsandbox/python"}},
            token)
        time.sleep(0.1)
        r = self.msb("server", "status")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        lines = r.stdout.split("\n")
        rule = "─" * 80
        header = "SANDBOX         STATUS     PIDS            CPU          MEMORY       DISK        "
        self.assertRegex(lines[0], r"^Last updated: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertEqual(lines[1:6], ["", "NAMESPACE: default", rule, header, rule])
        pids = "%d/%d" % (pid, pid)
        self.assertRegex(lines[6], r"^alpha {11}RUNNING {4}%s +0\.0%% {9}64 MiB {7}\d+(\.\d\d)? [KMG]?B +$"
                         % re.escape(pids))
        self.assertEqual(lines[7], "zeta            STOPPED    -               -            -            -           ")
        self.assertEqual(lines[8:14], ["", "", "NAMESPACE: other", rule, header, rule])
        self.assertTrue(lines[14].startswith("o1              RUNNING    "), lines[14])
        self.assertEqual(lines[15:], ["", "Total Namespaces: 2, Total Sandboxes: 3", ""])
        r = self.msb("server", "status", "-n", "other")
        self.assertEqual(r.stdout.split("\n")[1:4], ["", header, rule])
        r = self.msb("server", "status", "-n", "nope")
        self.assertEqual((r.returncode, r.stderr), (1, "Error: not found: Namespace 'nope' not found\n"))
        self.msb("server", "stop")
        self.assertTrue(wait_gone(pid))
        r = self.msb("server", "status")                                    # no server: from disk
        self.assertEqual(r.returncode, 0)
        self.assertIn("alpha           STOPPED    -  ", r.stdout)
        self.assertIn("Total Namespaces: 2, Total Sandboxes: 3", r.stdout)

    def test_keygen_output_and_errors(self):
        missing = ("Error: Server key failed to generate: Server key file not found. "
                   "Make sure the server is running in secure mode.\n")
        self.assertEqual(self.msb("server", "keygen")[1:], (1, "", missing))
        r = self.msb("server", "keygen", "--expire", "3x")
        self.assertEqual((r.returncode, r.stderr), (1, "Error: invalid argument: Invalid duration unit: x. "
                                                       "Expected one of: s, m, h, d, w, mo, y\n"))
        os.makedirs(self.home, exist_ok=True)
        with open(os.path.join(self.home, "server.key"), "w") as f:
            f.write(DOC_KEY)
        now = int(time.time())
        r = self.msb("server", "keygen", "--expire", "1y", "-n", "wizard")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        m = re.fullmatch(r"Token: (msb_\S+)\nToken expires: (\S+)\nNamespace: wizard\n", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertRegex(m.group(2), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?\+00:00$")
        claims = M.decode_jwt(m.group(1)[4:], DOC_KEY, now)
        self.assertEqual(claims["namespace"], "wizard")
        self.assertAlmostEqual(claims["exp"] - claims["iat"], 365 * 86400, delta=2)
        r = self.msb("server", "keygen")
        self.assertIn("Namespace: *\n", r.stdout)


class TestPull(FakeMsbCase):
    REF = "docker.io/microsandbox/python:latest"

    def pulled(self):
        try:
            return json.loads(self.read(".emulator/images.json"))
        except OSError:
            return []

    def test_pull_under_a_pty_draws_indicatif_progress(self):
        status, raw, stdout = self.run_pty("pull", "microsandbox/python", stdout_tty=True,
                                           env={"FAKE_MSB_PULL_DELAY": "1", "TERM": "xterm"})
        self.assertEqual(status, 0)
        text = raw.decode("utf-8")
        self.assertIn("\x1b[2K", text)
        self.assertRegex(text, r"\x1b\[\d+A")                                # cursor up
        self.assertIn("\x1b[32m", text)                                      # colours: stdout is a tty
        plain = ANSI.sub("", text)
        frames = [f for f in re.split(r"\r\n|\r|\n", plain) if f.strip()]
        self.assertIn("⠙ Fetch image details", [f.rstrip() for f in frames])
        self.assertIn("✓ Fetch image details", [f.rstrip() for f in frames])
        self.assertTrue(any(re.fullmatch(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Download layers [0-3] / 3 *", f) for f in frames))
        bars = [re.fullmatch(r"([0-9a-f]{8}) ([=+-]{40}) (\S+ \S+) / 3\.00 MiB *", f) for f in frames]
        bars = [b for b in bars if b]
        self.assertTrue(bars, frames)
        self.assertTrue(any(b.group(3) not in ("0 B", "3.00 MiB") for b in bars), "no intermediate byte count")
        self.assertTrue(any("+" in b.group(2) and "=" in b.group(2) for b in bars))
        self.assertEqual(frames[-3:], ["✓ Fetch image details", "✓ Download layers 3 / 3",
                                       "✓ Extracting layers 3 / 3" + " " * 55])
        self.assertEqual(self.pulled(), [self.REF])
        self.assertEqual(len([d for d in os.listdir(os.path.join(self.home, "layers"))
                              if d.endswith(".extracted")]), 3)
        t0 = time.monotonic()
        status, raw, _ = self.run_pty("pull", "microsandbox/python")        # cached: silent
        self.assertEqual((status, raw), (0, b""))
        self.assertLess(time.monotonic() - t0, 2)

    def test_pull_under_pipes_prints_nothing(self):
        r = self.msb("pull", "--image", "microsandbox/python", env={"FAKE_MSB_PULL_DELAY": "0.2"})
        self.assertEqual(r[1:], (0, "", ""))
        self.assertEqual(self.pulled(), [self.REF])

    def test_pull_failure(self):
        env = {"FAKE_MSB_PULL_DELAY": "0.4", "FAKE_MSB_PULL_FAIL": "layer download failed: connection reset"}
        status, raw, _ = self.run_pty("pull", "microsandbox/python", env=env)
        self.assertEqual(status, 1)
        plain = ANSI.sub("", raw.decode())
        self.assertTrue(plain.endswith("\r\nError: layer download failed: connection reset\r\n")
                        or " Error: layer download failed: connection reset\r\n" in plain, repr(plain[-300:]))
        self.assertIn("Download layers 2 / 3", plain)                       # the others finished
        last = [f for f in re.split(r"\r\n|\r", plain) if re.match(r"[0-9a-f]{8} ", f)][-1]
        self.assertRegex(last, r"^[0-9a-f]{8} =+\+-+ [0-9.]+ [KM]iB / 3\.00 MiB")   # failed bar stays
        self.assertEqual(self.pulled(), [])
        r = self.msb("pull", "microsandbox/python", env=env)
        self.assertEqual(r[1:], (1, "", "Error: layer download failed: connection reset\n"))

    def test_pull_garbled_format_and_group_error(self):
        status, raw, _ = self.run_pty("pull", "microsandbox/python",
                                      env={"FAKE_MSB_PULL_FORMAT": "garbled", "FAKE_MSB_PULL_DELAY": "0.3"})
        self.assertEqual(status, 0)
        text = raw.decode()
        self.assertTrue(text.strip())
        self.assertNotIn("Download layers", text)
        self.assertNotIn("MiB", text)
        self.assertEqual(self.pulled(), [self.REF])
        r = self.msb("pull", "-G", "microsandbox/python")
        self.assertEqual(r[1:], (1, "", "Error: image group pull is currently not supported\n"))

    def test_pull_makes_a_running_servers_next_start_fast(self):
        port, pid = self.start_detached("--dev", env={"FAKE_MSB_EMULATOR_ARGS": "--time-scale 0.05 --pull-delay 200"})
        self.assertEqual(self.msb("pull", "microsandbox/python", env={"FAKE_MSB_PULL_DELAY": "0.1"}).returncode, 0)
        t0 = time.monotonic()
        rpc(port, "sandbox.start", {"namespace": "default", "sandbox": "p", "config": {"image": "microsandbox/python"}})
        self.assertLess(time.monotonic() - t0, 5)                          # not the 10 s pull
        self.assertIn(self.REF, control(port, "GET", "state")["pulled_images"])
        self.msb("server", "stop")
        self.assertTrue(wait_gone(pid))


class TestDieFault(FakeMsbCase):
    def test_die_kills_the_server_mid_request_and_leaves_no_children(self):
        p = self.popen("server", "start", "--dev", "--port", "0")
        m = re.fullmatch(rb"\xe2\x9c\x93 Running in development mode\n", p.stdout.readline())
        self.assertIsNotNone(m)
        port = int(re.search(rb":(\d+)\n$", p.stdout.readline()).group(1))
        emu_pid = int(self.read("server.pid"))
        rpc(port, "sandbox.start", {"namespace": "default", "sandbox": "d", "config": {"image": "microsandbox/python"}})
        end = time.monotonic() + 10
        while not control(port, "GET", "state")["sandboxes"][0]["portal_ready"]:
            self.assertLess(time.monotonic(), end)
            time.sleep(0.01)
        out = rpc(port, "sandbox.repl.run", {"namespace": "default", "sandbox": "d", "language": "python",
                                            "code": "import subprocess\np = subprocess.Popen(['sleep', '300'])\n"
                                                    "print(p.pid)", "timeout": 20})
        grandchild = int(out["result"]["output"][0]["text"])
        repl = control(port, "GET", "state")["sandboxes"][0]["repl_pid"]
        self.assertTrue(alive(grandchild) and alive(repl))
        control(port, "POST", "fault", {"kind": "die", "method": "sandbox.metrics.get"})
        self.assertEqual(health(port), 200)                                  # other requests unaffected
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"*"},"id":1}'
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            conn.request("POST", "/api/v1/rpc", body, {"Content-Type": "application/json"})
            conn.getresponse()
        conn.close()
        self.assertEqual(p.wait(10), 1)                                      # msb saw msbserver die
        self.assertTrue(p.stderr.read().decode().endswith(START_FAILED % signal.SIGKILL))
        self.assertFalse(os.path.exists(os.path.join(self.home, "server.pid")))
        for pid in (emu_pid, repl, grandchild):
            self.assertTrue(wait_gone(pid, 5), pid)
        self.assertIsNone(health(port))


if __name__ == "__main__":
    unittest.main()
