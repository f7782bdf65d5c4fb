# Leaked file descriptors: list /proc/self/fd (the listing uses one fd of its own, closed
# again when it returns), then, without opening anything, every fd below 4096 that is open
# and where it points.
import fcntl
import os

listed = sorted(int(entry) for entry in os.listdir("/proc/self/fd"))
open_fds = {}
for fd in range(4096):
    try:
        fcntl.fcntl(fd, fcntl.F_GETFD)
    except OSError:
        continue
    try:
        open_fds[str(fd)] = os.readlink("/proc/self/fd/%d" % fd)
    except OSError as e:
        open_fds[str(fd)] = "?" + type(e).__name__
result = {"listed": listed, "open": open_fds}
