# Writing outside the scratch directory: try to create each canary path the test chose
# (host home, host /tmp, the root directory, /usr...). Where the parent is missing, also try
# to create it first (that may work in a private /tmp: the host must still see nothing).
import errno
import os


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


def write(path):
    with open(path, "x") as f:
        f.write("canary\n")


result = {}
for path in inputs["targets"]:
    seen = {"wrote": False}
    try:
        write(path)
        seen["wrote"] = True
    except OSError as e:
        seen["error"] = name(e)
        if isinstance(e, FileNotFoundError):
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                write(path)
                seen["wrote_after_mkdir"] = True
            except OSError as e2:
                seen["mkdir_error"] = name(e2)
    result[path] = seen
