# PySandbox's supervisor for one snippet in a microsandbox sandbox (see MsbReplCode.h).
#
# The portal feeds sandbox.repl.run's code to the sandbox's persistent `python3 -i` line by line
# (microsandbox-0.2-protocol.md §5), so this file arrives as data inside ONE line:
#   exec(compile("<this file>", "<pysandbox-msb>", "exec"), {"__name__": "__pysandbox_msb__", "_CALL": {...}})
# A blank line would end an indented block there and a second line could be eaten by input().
#
# This process, the REPL, only supervises. The snippet runs in a forked child that becomes the
# native runner (resources/runner/pysandbox_runner.py: the same request and result frames, the
# same result encoding as the native engine), with fd 0 = /dev/null, 1 and 2 = memory files,
# 3 = the request, 4 = the result. Hence:
# * Nothing the snippet writes (print, sys.stdout.buffer, os.write(1, ...), its children) reaches
#   the REPL's stdout. The bytes come back inside our report, base64, exactly as written, so the
#   portal never sees invalid UTF-8 (which hangs the call and kills the REPL, §12.4) nor output
#   without a final newline (which glues onto the portal's end marker and hangs the call, §5).
#   Re-encoding the streams with errors="backslashreplace" would only have hidden that problem
#   and lost bytes; the child's text streams use the native runner's -X utf8 settings instead.
# * The REPL never runs snippet code: its state stays clean for the next call, and exit(),
#   input() (EOF) or os._exit() end only the child.
# * The wall clock is ours: the child is killed at the limit, before the portal's own timeout,
#   which would interrupt nothing and leave the REPL busy (§2.4, §12.6).
# The report is ASCII lines "pysandbox-msb:<nonce>:<i>:<base64>", then "pysandbox-msb:<nonce>:end:<n>".
# The child never holds the REPL's stdout, and this process makes itself non-dumpable, so that a
# snippet not running as root cannot reach our stdout through /proc/<pid>/fd/1 or ptrace either;
# the host refuses a call with two reports, or one next to the portal's timeout line.
import os
import sys


def _dumpable(flag):
    """prctl(PR_SET_DUMPABLE, flag): 0 closes our /proc/<pid>/fd and ptrace to the same user."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, flag, 0, 0, 0)
    except BaseException:
        pass  # best effort: the duplicate-report check on the host still applies


def _memfile(name):
    try:
        return os.memfd_create(name)
    except (AttributeError, OSError):  # an old kernel or Python: an unlinked temporary file
        import tempfile
        with tempfile.TemporaryFile() as handle:
            return os.dup(handle.fileno())


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_at_most(fd, limit):
    """(the first `limit` bytes, or all if limit < 0; the file's size)."""
    size = os.fstat(fd).st_size
    want = size if limit < 0 else min(size, limit)
    chunks, offset = [], 0
    while offset < want:
        chunk = os.pread(fd, min(want - offset, 1 << 20), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks), size


# Who runs the snippet when the REPL is root (the image's USER is not applied to server-started
# sandboxes, §2.4): root could raise its own hard limits, stop or read this supervisor and forge
# the report. An unprivileged uid cannot do any of that.
_NOBODY = 65534


def _snippet_uid():
    return _NOBODY if os.geteuid() == 0 else os.geteuid()


def _drop_privileges(workdir):
    if os.geteuid() != 0:
        return
    os.chown(workdir, _NOBODY, _NOBODY)
    os.setgroups([])
    os.setgid(_NOBODY)
    os.setuid(_NOBODY)


def _child(call, fds, workdir):
    """The forked child: the native runner on fds 0-4, under the run's limits. Never returns."""
    try:
        os.setsid()  # its own process group: the supervisor kills the whole group at the end
        import fcntl
        null = os.open(os.devnull, os.O_RDONLY)
        request, out, err, result = fds
        # Above 4 first, so that no dup2 below overwrites a source that is still needed.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (null, out, err, request, result)]
        for target, fd in enumerate(high):
            os.dup2(fd, target)
        for name in os.listdir("/proc/self/fd"):  # the REPL's stdout and stderr go here, too
            if int(name) > 4:
                try:
                    os.close(int(name))
                except OSError:
                    pass  # the listing's own fd
        _dumpable(1)  # its own /proc entries work as usual; ours stay closed to it
        import builtins
        import io
        import resource
        _drop_privileges(workdir)
        os.chdir(workdir)
        if "tempfile" in sys.modules:
            sys.modules["tempfile"].tempdir = workdir  # gettempdir() was cached by the supervisor
        # As a native run: home, temporary files and matplotlib's cache in the run's own directory.
        for name in ("HOME", "TMPDIR", "MPLCONFIGDIR"):
            os.environ[name] = workdir
        # RLIMIT_FSIZE also bounds the memory files that hold stdout and stderr, which the
        # supervisor only measures between its polls.
        limits = ((resource.RLIMIT_CORE, 0, 0), (resource.RLIMIT_CPU, call["cpu_s"], call["cpu_s"] + 1),
                  (resource.RLIMIT_AS, call["memory_mb"] << 20, call["memory_mb"] << 20),
                  (resource.RLIMIT_FSIZE, call["fsize"], call["fsize"]))
        for which, soft, hard in limits:
            if which == resource.RLIMIT_CORE or soft > 0:
                resource.setrlimit(which, (soft, hard))
        # As the native runner's `-u -X utf8` streams: UTF-8, unbuffered, surrogateescape/backslashreplace.
        sys.stdin = sys.__stdin__ = io.open(0, "r", encoding="utf-8", closefd=False)
        sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                                       errors="surrogateescape", write_through=True)
        sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                                       errors="backslashreplace", write_through=True)
        sys.argv[:] = ["-c", "3", "4"]
        runner = {"__name__": "__pysandbox_warm__", "__builtins__": builtins}  # defines, does not run
        exec(compile(call["runner"], "<pysandbox_runner>", "exec"), runner)
        runner["_main"]()  # reads fd 3, runs the snippet, writes fd 4, leaves with os._exit
    except BaseException as exc:
        try:
            message = "pysandbox-msb: the run could not start: %s: %s\n" % (type(exc).__name__, exc)
            os.write(2, message.encode("utf-8", "backslashreplace"))
        except BaseException:
            pass
    os._exit(126)


def _kill(pid):
    for kill in (os.killpg, os.kill):  # the group; the child alone if it had no time to setsid
        try:
            kill(pid, 9)
        except OSError:
            pass


def _wait(pid, call, fds, started):
    """Waits for the child, enforcing the wall clock and the output cap; returns the facts."""
    import time
    deadline, cap = started + call["wall_ms"] / 1000.0, call["max_output"]
    stopped, pause = None, 0.0005
    # WNOWAIT: the child stays a zombie, so its pid (= its group id) cannot be reused before
    # the group is killed below.
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if stopped is None and cap > 0 and os.fstat(fds[1]).st_size + os.fstat(fds[2]).st_size > cap:
            stopped = "output"
        elif stopped is None and time.monotonic() >= deadline:
            stopped = "timeout"
        if stopped is not None:
            _kill(pid)
        time.sleep(pause)
        pause = min(pause * 2, 0.01)
    wall_ms = int((time.monotonic() - started) * 1000)
    _kill(pid)  # whatever the snippet left running in its group
    if stopped is None and cap > 0 and os.fstat(fds[1]).st_size + os.fstat(fds[2]).st_size > cap:
        stopped = "output"  # it wrote past the cap between two polls and then ended
    _, status, usage = os.wait4(pid, 0)
    return {"exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "stopped": stopped, "wall_ms": wall_ms, "max_rss_kb": usage.ru_maxrss,
            "cpu_ms": int((usage.ru_utime + usage.ru_stime) * 1000)}


def _emit(call, report, sections):
    """The report on the REPL's stdout: only ASCII, only whole lines, nothing the snippet wrote."""
    prefix = "pysandbox-msb:" + call["nonce"] + ":"
    try:
        import base64
        import json
        report["sections"] = [len(section) for section in sections]
        blob = base64.b64encode(json.dumps(report).encode("ascii") + b"\n" + b"".join(sections)).decode("ascii")
        size = call["chunk"]
        lines = [prefix + str(i) + ":" + blob[at:at + size] for i, at in enumerate(range(0, len(blob), size))]
        lines.append(prefix + "end:" + str(len(lines)))
        _write_all(1, ("\n".join(lines) + "\n").encode("ascii"))
    except BaseException:
        try:
            _write_all(1, (prefix + "fail\n").encode("ascii"))
        except BaseException:
            pass


def _supervise(call):
    import time
    report = {"v": 1, "nonce": call["nonce"], "error": None, "stdout_bytes": 0, "stderr_bytes": 0,
              "uid": _snippet_uid()}
    sections, fds, workdir = [b"", b"", b""], [], None
    try:
        import base64
        import shutil
        import tempfile
        _dumpable(0)
        fds = [_memfile("pysandbox-" + name) for name in ("request", "stdout", "stderr", "result")]
        _write_all(fds[0], base64.b64decode(call["request"]))
        os.lseek(fds[0], 0, os.SEEK_SET)  # the child shares this offset and reads from it
        workdir = tempfile.mkdtemp(prefix="pysandbox-run-")  # a fresh working directory per run
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(call, fds, workdir)
        report.update(_wait(pid, call, fds, started))
        cap = call["max_output"]
        out, report["stdout_bytes"] = _read_at_most(fds[1], cap if cap > 0 else -1)
        err, report["stderr_bytes"] = _read_at_most(fds[2], cap - len(out) if cap > 0 else -1)
        result, _ = _read_at_most(fds[3], call["max_result"])
        sections = [out, err, result]
    except BaseException as exc:
        report["error"] = "%s: %s" % (type(exc).__name__, exc)
    finally:
        for fd in fds:
            os.close(fd)
        if workdir is not None:
            sys.modules["shutil"].rmtree(workdir, ignore_errors=True)
    _emit(call, report, sections)


def _first_time(nonce):
    """False if a call with this nonce already ran in this REPL (an HTTP layer resent it)."""
    seen = sys.modules.get("__pysandbox_msb_nonces__")
    if seen is None:
        import types
        seen = sys.modules["__pysandbox_msb_nonces__"] = types.ModuleType("__pysandbox_msb_nonces__")
        seen.nonces = set()
    if nonce in seen.nonces:
        return False
    seen.nonces.add(nonce)
    return True


if _first_time(_CALL["nonce"]):  # noqa: F821 (given by the line that runs this file)
    _supervise(_CALL)  # noqa: F821
else:
    _write_all(1, ("pysandbox-msb:" + _CALL["nonce"] + ":fail\n").encode("ascii"))  # noqa: F821
