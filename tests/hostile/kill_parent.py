# Killing the parent: SIGKILL to our parent, to pid 1 and to every process we may signal
# (kill(-1)). Only done when the test process and its `sleep` are invisible to us; if they
# are visible (no PID namespace: this would really kill them), nothing is sent.
import errno
import os
import signal


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


host_pids = (inputs["host_pid"], inputs["host_sleep_pid"])
visible = [p for p in host_pids if os.path.exists("/proc/%d" % p)] + \
          ([os.getppid()] if os.getppid() in host_pids else [])
result = {"ppid": os.getppid(), "pid": os.getpid(), "host_visible": visible}
if not visible:
    for label, target in (("parent", os.getppid()), ("pid1", 1), ("everyone", -1)):
        try:
            os.kill(target, signal.SIGKILL)
            result[label] = "sent"
        except OSError as e:
            result[label] = name(e)
    result["alive_after"] = True
