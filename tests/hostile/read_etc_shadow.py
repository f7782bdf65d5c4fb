# Reading host secrets: the password hashes, and the account list next to them.
import errno
import os


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


result = {}
for path in ("/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/sudoers"):
    seen = {"exists": os.path.exists(path), "read": False}
    try:
        with open(path, "rb") as f:
            seen["bytes"] = len(f.read(4096))
        seen["read"] = True
    except OSError as e:
        seen["error"] = name(e)
    result[path] = seen
