# PySandbox warm zygote (docs/design/warm-pool.md, docs/runner-protocol.md "Warm starts").
#
# Started inside the same bubblewrap sandbox as a cold run, as
#   python3 -I -B -u -X utf8 -c <this source> <control-fd> <config-json> <runner-source>
# It imports the preload list once, then forks one child per run. The host sends each run as
# a SOCK_SEQPACKET message on the control socket: a JSON header (limits) and, by SCM_RIGHTS,
# the run's stdout, stderr, request and result pipes and its status socket. The child locks
# itself down (own session, rlimits, own directory, Landlock, a second seccomp filter), says
# "started" on the status socket (the kernel attaches its pid for the host), closes every
# other descriptor and becomes the ordinary runner. This process never runs user code, and
# never sees a run's code, inputs or environment: those travel in the run's request pipe.
import builtins
import ctypes
import gc
import json
import os
import resource
import secrets
import select
import signal
import socket
import stat
import sys

_CONTROL_FD, _CONFIG, _RUNNER_SOURCE = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
del sys.argv[1:]

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_PR_SET_PDEATHSIG, _PR_SET_SECCOMP, _PR_SET_CHILD_SUBREAPER = 1, 22, 36
_SECCOMP_MODE_FILTER = 2
_NR_LANDLOCK_CREATE_RULESET, _NR_LANDLOCK_ADD_RULE, _NR_LANDLOCK_RESTRICT_SELF = 444, 445, 446

# Landlock access rights by the ABI that introduced them (linux/landlock.h).
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_FS_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_NET_TCP = 1 | 2                                    # bind, connect (ABI 4)
_SCOPE_ALL = 1 | 2                                  # abstract unix sockets, signals (ABI 6)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _check(result, what):
    if result < 0:
        raise OSError(ctypes.get_errno(), "%s: %s" % (what, os.strerror(ctypes.get_errno())))
    return result


def _landlock_abi():
    return max(0, _libc.syscall(_NR_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))


def _lock_down_files(abi, run_dir):
    """Landlock: read-only system paths, read-write only the run's own directory, no TCP,
    no signals or abstract sockets beyond this run's own processes."""
    fs = _FS_BY_ABI[max(k for k in _FS_BY_ABI if k <= abi)]
    attr = _RulesetAttr(fs, _NET_TCP if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _check(_libc.syscall(_NR_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                                   ctypes.c_uint32(0)), "landlock_create_ruleset")
    rules = [(path, _FS_READ) for path in _CONFIG["read_only"]]
    rules += [(path, _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE) for path in ("/dev/null", "/dev/zero", "/dev/full")]
    rules += [(path, _FS_READ_FILE) for path in ("/dev/urandom", "/dev/random")]
    rules.append((run_dir, fs))
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # an optional path (e.g. /etc/matplotlibrc) this system lacks
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    access &= _FS_FILE_RIGHTS  # directory rights on a file are refused
                rule = _PathBeneath(access & fs, fd)
                _check(_libc.syscall(_NR_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0), path)
            finally:
                os.close(fd)
        _check(_libc.syscall(_NR_LANDLOCK_RESTRICT_SELF, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _stack_seccomp(program):
    """A second filter (no_new_privs is already set): SysV IPC, POSIX queues, inet sockets."""
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _check(_libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "seccomp")


def _sandbox_processes():
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def _limit_resources(limits):
    def lower(which, value):
        soft, hard = resource.getrlimit(which)
        new_hard = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (min(value, new_hard), new_hard))

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("cpu_seconds", 0) > 0:
        seconds = int(limits["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    if limits.get("memory_mb", 0) > 0:
        # The preload is already mapped: the limit is what the run may add on top of it.
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * resource.getpagesize()
        lower(resource.RLIMIT_AS, mapped + (int(limits["memory_mb"]) << 20))
    if limits.get("max_file_size", 0) > 0:
        lower(resource.RLIMIT_FSIZE, int(limits["max_file_size"]))
    if limits.get("max_processes", 0) > 0:
        # Counted per user inside the sandbox, shared with concurrent runs: a backstop only,
        # the host's monitor holds this run's own tree to the limit.
        lower(resource.RLIMIT_NPROC, _sandbox_processes() + int(limits["max_processes"]))


_owned = []  # this process's sockets, detached in each child


def _prepare_spare(run_dir):
    """In a freshly forked spare, before any run is known: everything that does not depend on
    the run. Returns (Landlock ABI, number of seccomp filters, error)."""
    os.setsid()
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _ZYGOTE_PID:
        os._exit(1)
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # Like a cold run's /work and /tmp: an empty working directory and a temp directory.
        os.chdir(run_dir + "/work")
        os.environ.update(HOME=run_dir + "/work", TMPDIR=run_dir + "/tmp", MPLCONFIGDIR=run_dir + "/tmp")
        skip = _CONFIG.get("skip", [])  # layers a test takes away to prove they matter
        abi = 0 if "landlock" in skip else _landlock_abi()
        if abi:
            _lock_down_files(abi, run_dir)
        filters = 1
        if "per-run-seccomp" not in skip:
            _stack_seccomp(_SECCOMP_PROGRAM)
            filters = 2
        return abi, filters, None
    except BaseException as exc:
        return 0, 0, "%s: %s" % (type(exc).__name__, exc)


def _become_spare(channel, run_dir, devnull, runner):
    """The spare: locked down ahead of time, then waiting for its run. Never returns."""
    try:
        for sock in _owned:
            if sock is not channel:
                sock.detach()
        keep = {0, 1, 2, channel.fileno(), devnull}
        for name in os.listdir("/proc/self/fd"):  # the zygote's sockets, other runs' status
            if int(name) not in keep:
                try:
                    os.close(int(name))
                except OSError:
                    pass  # the directory listing's own fd
        abi, filters, error = _prepare_spare(run_dir)
        message, fds, _, _ = socket.recv_fds(channel, 65536, 8)
        if not message or len(fds) != 5:
            os._exit(0)  # the zygote is shutting down
        status = socket.socket(fileno=fds[4])
        try:
            if error:
                raise RuntimeError(error)
            _limit_resources(json.loads(message).get("limits", {}))
            for target, fd in enumerate((devnull, fds[0], fds[1], fds[2], fds[3])):
                os.dup2(fd, target)
            with open("/proc/self/statm") as statm:
                rss_kb = int(statm.read().split()[1]) * resource.getpagesize() // 1024
            status.send(json.dumps({"type": "started", "landlock": abi, "seccomp_filters": filters,
                                    "rss_kb": rss_kb, "run": os.path.basename(run_dir)}).encode())
        except BaseException as exc:
            status.send(json.dumps({"type": "setup_failed", "error": "%s: %s" % (type(exc).__name__, exc)}).encode())
            os._exit(126)
        status.detach()
        channel.detach()
        os.closerange(5, 1 << 16)
        sys.argv[:] = ["-c", "3", "4"]
        runner["_main"]()
    except BaseException:
        pass
    os._exit(125)


class _Spare:
    """A child forked ahead of time, so that a run waits neither for fork() nor for the lock-down."""

    def __init__(self, devnull, runner):
        self.run_dir = "/work/run-" + secrets.token_hex(16)  # unguessable: siblings cannot name it
        os.mkdir(self.run_dir, 0o700)
        os.mkdir(self.run_dir + "/work", 0o700)
        os.mkdir(self.run_dir + "/tmp", 0o700)
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        _owned.append(theirs)
        self.pid = os.fork()
        if self.pid == 0:
            _become_spare(theirs, self.run_dir, devnull, runner)
        _owned.remove(theirs)
        theirs.close()
        _owned.append(self.channel)

    def hand_over(self, message, fds):
        try:
            socket.send_fds(self.channel, [message], fds)
            return True
        except OSError:
            return False
        finally:
            self.close()

    def close(self):
        if self.channel in _owned:
            _owned.remove(self.channel)
            self.channel.close()


def _children_of(pid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                if int(fields[1]) == pid and fields[0] != b"Z":
                    found.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def _remove_tree(path):
    """Removes a run directory whatever modes the snippet (or _seal) left on it.

    Taking it apart needs its search permission back, which every run (one uid) would share:
    so it first gets a new random name, which no run knows (none can list /work), and a sibling
    that learnt the old path finds nothing there, not even while this runs."""
    hidden = os.path.join(os.path.dirname(path), ".gone-" + secrets.token_hex(16))
    try:
        os.rename(path, hidden)  # within one directory: allowed on a sealed (mode 0) directory
        path = hidden
    except OSError:
        pass
    try:
        os.chmod(path, 0o700)
    except OSError:
        return
    for root, dirs, files in os.walk(path, topdown=True):
        for name in dirs:
            try:
                os.chmod(os.path.join(root, name), 0o700, follow_symlinks=False)
            except OSError:
                pass
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            try:
                os.unlink(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            try:
                full = os.path.join(root, name)
                (os.unlink if os.path.islink(full) else os.rmdir)(full)
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


def _sweep(runs, spare):
    """Kills every child of this subreaper that is neither a run nor the spare: the orphans of
    runs that ended. Their own children become ours when they die, and the next sweep (after
    the reap their death causes) takes those."""
    for leftover in _children_of(_ZYGOTE_PID):
        if leftover not in runs and leftover != spare.pid:
            try:
                os.kill(leftover, signal.SIGKILL)
            except OSError:
                pass


def _reap(runs, spare):
    reaped = False
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        reaped = True
        entry = runs.pop(pid, None)
        if entry is None:
            continue  # a leftover the sweep killed, or a spare that died
        sock, run_dir = entry
        _seal(run_dir)  # before the report: the host may start the next run as soon as it has it
        _sweep(runs, spare)  # nothing of a finished run lives on when its exit is reported
        report = {"type": "exit", "status": status, "user_us": int(usage.ru_utime * 1e6),
                  "system_us": int(usage.ru_stime * 1e6), "max_rss_kb": usage.ru_maxrss}
        try:
            sock.send(json.dumps(report).encode())
        except OSError:
            pass
        _owned.remove(sock)
        sock.close()
        _remove_tree(run_dir)  # after the report: the host need not wait for it
    if reaped:
        _sweep(runs, spare)


def _seal(run_dir):
    """Mode 0 on a finished run's directory: nothing in the sandbox (same uid, no capabilities)
    can look up a path through it any more, not even to stat a file, until it is removed."""
    try:
        os.chmod(run_dir, 0)
    except OSError:
        pass


def _finished(message, runs):
    """The host has the run's result and ended it: seal its directory before the next run."""
    name = message.get("run")
    for pid, (sock, run_dir) in runs.items():
        if isinstance(name, str) and os.path.basename(run_dir) == name:
            try:
                os.killpg(pid, signal.SIGKILL)  # the host did too; its leftovers go at the reap
            except OSError:
                pass
            _seal(run_dir)


def _handle(message, fds, runs, spare):
    """One control message. Returns "run" when the spare took a run (the caller replaces it),
    "done" for anything else, False when the spare is gone."""
    try:
        header = json.loads(message)
    except ValueError:
        header = None
    if isinstance(header, dict) and header.get("type") == "finished" and not fds:
        _finished(header, runs)
        return "done"
    valid = isinstance(header, dict) and header.get("type") == "run" and len(fds) == 5
    if not valid:
        for fd in fds:
            os.close(fd)  # EOF on the status socket: the host reports that the run did not start
        return "done"
    if not spare.hand_over(message, fds):
        return False
    for fd in fds[:4]:
        os.close(fd)
    sock = socket.socket(fileno=fds[4])
    _owned.append(sock)
    runs[spare.pid] = (sock, spare.run_dir)
    return "run"


def _preload(names):
    loaded, failed = [], {}
    for name in names:
        try:
            if name.split(".")[0] == "matplotlib":
                import matplotlib
                matplotlib.use("Agg")
            __import__(name)
            loaded.append(name)
        except BaseException as exc:
            failed[name] = "%s: %s" % (type(exc).__name__, exc)
    return loaded, failed


def _serve():
    control = socket.socket(fileno=_CONTROL_FD)
    _owned.append(control)
    devnull = os.open(os.devnull, os.O_RDWR)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    runner = {"__name__": "__pysandbox_warm__", "__builtins__": builtins}
    exec(compile(_RUNNER_SOURCE, "<pysandbox_runner>", "exec"), runner)
    runner["_library"]("_figures")  # compiled once here rather than in every run
    loaded, failed = _preload(_CONFIG.get("preload", []))
    gc.collect()
    gc.freeze()  # the children's collections then leave the shared pages alone
    with open("/proc/self/statm") as statm:
        mapped_kb = int(statm.read().split()[0]) * resource.getpagesize() // 1024
    control.send(json.dumps({"type": "ready", "pid": _ZYGOTE_PID, "python": sys.version.split()[0],
                             "preloaded": loaded, "failed": failed, "landlock": _landlock_abi(),
                             "mapped_kb": mapped_kb}).encode())
    runs = {}
    spare = _Spare(devnull, runner)
    while True:
        readable = select.select([control, wake_r], [], [])[0]
        # A waiting run first: reaping (and the report nobody waits for) can come after.
        if control in readable:
            message, fds, _, _ = socket.recv_fds(control, 65536, 8)
            if not message:
                break  # the host is gone
            outcome = _handle(message, fds, runs, spare)
            if not outcome:
                spare = _Spare(devnull, runner)
                outcome = _handle(message, fds, runs, spare)
                if not outcome:
                    for fd in fds:
                        os.close(fd)
            if outcome == "run":
                spare = _Spare(devnull, runner)  # the refill, while the run runs
        if wake_r in readable:
            while True:
                try:
                    if not os.read(wake_r, 4096):
                        break
                except BlockingIOError:
                    break
            _reap(runs, spare)
            if not _alive(spare.pid):
                spare.close()
                spare = _Spare(devnull, runner)
    for pid in list(runs) + _children_of(_ZYGOTE_PID):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)


_ZYGOTE_PID = os.getpid()
_SECCOMP_PROGRAM = bytes.fromhex(_CONFIG["seccomp"])
_serve()
