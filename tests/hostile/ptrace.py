# ptrace: PTRACE_ATTACH to our parent (only if it is not the host test process) and to a
# child of our own (harmless anywhere: we detach by killing it).
import ctypes
import errno
import os
import time

PTRACE_ATTACH = 16
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def attach(pid):
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
        return "attached"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


result = {}
if "parent" in inputs["ptrace_targets"]:
    ppid = os.getppid()
    result["parent"] = attach(ppid) if ppid != inputs["host_pid"] else "refused: parent is the host test"
if "child" in inputs["ptrace_targets"]:
    child = os.fork()
    if child == 0:
        time.sleep(5)
        os._exit(0)
    result["child"] = attach(child)
    os.kill(child, 9)
    os.waitpid(child, 0)
