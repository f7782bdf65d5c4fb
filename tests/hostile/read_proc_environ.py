# Reading host secrets: other processes' environments. The test put a unique variable into
# its own environment (and a child's); look for it in every /proc/*/environ we can read.
import os

token = inputs["token"].encode()
scanned, readable, found = 0, 0, []
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    scanned += 1
    try:
        with open("/proc/%s/environ" % entry, "rb") as f:
            data = f.read(1 << 20)
    except OSError:
        continue
    readable += 1
    if token in data:
        found.append(int(entry))
result = {"scanned": scanned, "readable": readable, "found_in": found,
          "own_environ_has_token": token in open("/proc/self/environ", "rb").read()}
