# Reading host secrets: a private key the test planted in the host's home (like
# ~/.ssh/id_ed25519), plus a look for any real ~/.ssh of this or other users.
import errno
import glob
import os


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


def attempt(path):
    seen = {"exists": os.path.exists(path), "read": False}
    try:
        with open(path) as f:
            seen["content"] = f.read(200)
        seen["read"] = True
    except OSError as e:
        seen["error"] = name(e)
    return seen


secret = inputs["secret"]
candidates = glob.glob("/root/.ssh") + glob.glob("/home/*/.ssh") + [os.path.expanduser("~/.ssh")]
result = {
    "secret": attempt(secret),
    "secret_dir_listed": os.path.isdir(os.path.dirname(secret)),
    "host_home_visible": os.path.isdir(inputs["host_home"]),
    "ssh_dirs": sorted({d for d in candidates if os.path.isdir(d)}),
}
