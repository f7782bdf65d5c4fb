# Signals to host processes: the test started a `sleep` on the host and passes its pid.
import errno
import os
import signal


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


result = {"pid_visible": os.path.exists("/proc/%d" % inputs["pid"])}
for label, sig in (("probe", 0), ("kill", signal.SIGKILL)):
    try:
        os.kill(inputs["pid"], sig)
        result[label] = "sent"
    except OSError as e:
        result[label] = name(e)
