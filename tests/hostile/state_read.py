# State persisting between runs, part 2: look for every trace part 1 left.
import builtins
import os
import sys
import tempfile

token = inputs["token"]
found = []
for directory in (os.getcwd(), tempfile.gettempdir(), os.path.expanduser("~")):
    path = os.path.join(directory, "state.txt")
    try:
        with open(path) as f:
            if token in f.read():
                found.append(path)
    except OSError:
        pass
for name in ("PYSANDBOX_STATE", "PYSANDBOX_STATE_PUTENV"):
    if os.environ.get(name) == token:
        found.append("env:" + name)
if getattr(os, "pysandbox_state", None) == token:
    found.append("module attribute os.pysandbox_state")
if getattr(builtins, "pysandbox_state", None) == token:
    found.append("builtins.pysandbox_state")
if "pysandbox_state" in sys.modules:
    found.append("sys.modules['pysandbox_state']")
result = {"found": found, "work_listing": sorted(os.listdir(os.getcwd())),
          "tmp_listing": sorted(os.listdir(tempfile.gettempdir()))}
