# State persisting between runs, part 1: leave traces everywhere a later run might look —
# the working directory (/work in the sandbox), the temp directory (/tmp), the home
# directory, the environment, and modules (os, builtins, sys.modules).
import builtins
import os
import sys
import tempfile

token = inputs["token"]
written = {}
for directory in (os.getcwd(), tempfile.gettempdir(), os.path.expanduser("~")):
    path = os.path.join(directory, "state.txt")
    try:
        with open(path, "w") as f:
            f.write(token)
        written[path] = True
    except OSError as e:
        written[path] = type(e).__name__
os.environ["PYSANDBOX_STATE"] = token
os.putenv("PYSANDBOX_STATE_PUTENV", token)
os.pysandbox_state = token
builtins.pysandbox_state = token
sys.modules["pysandbox_state"] = type(sys)("pysandbox_state")
result = {"written": written}
