# TIOCSTI: push characters into a terminal's input. On fd 0, on /dev/tty, and on a fresh
# pseudo-terminal of our own that a child makes its controlling terminal (where the kernel
# itself would allow it).
import errno
import fcntl
import os
import termios


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


def push(fd):
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"x")
        return "ok"
    except OSError as e:
        return name(e)


result = {"stdin": push(0)}
try:
    tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    result["dev_tty"] = push(tty)
    os.close(tty)
except OSError as e:
    result["dev_tty"] = "open: " + name(e)

read_end, write_end = os.pipe()
child = os.fork()
if child == 0:
    try:
        os.setsid()
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        outcome = push(slave)
    except OSError as e:
        outcome = "setup: " + name(e)
    os.write(write_end, outcome.encode())
    os._exit(0)
os.close(write_end)
result["own_pty"] = os.read(read_end, 100).decode()
os.waitpid(child, 0)
