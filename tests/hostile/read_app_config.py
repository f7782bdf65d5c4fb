# Reading host secrets: the app's own config directory (where it would keep tokens); the
# test plants a token file there.
import errno
import os


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


path = inputs["token_file"]
seen = {"exists": os.path.exists(path), "read": False,
        "config_dir_visible": os.path.isdir(os.path.dirname(path))}
try:
    with open(path) as f:
        seen["content"] = f.read(200)
    seen["read"] = True
except OSError as e:
    seen["error"] = name(e)
try:
    seen["config_listing"] = sorted(os.listdir(os.path.dirname(path)))
except OSError as e:
    seen["listing_error"] = name(e)
result = seen
