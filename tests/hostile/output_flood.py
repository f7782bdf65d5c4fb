# Output flood, bounded at 64 MB, by the way `how` names: Python's print, raw writes to
# fd 1, a child process writing to the inherited stdout, or stderr.
import os
import subprocess
import sys

how, total = inputs["how"], 64 << 20
block = "x" * 65536
if how == "print":
    for _ in range(total // len(block)):
        print(block, end="")
elif how == "raw_fd":
    data = block.encode()
    for _ in range(total // len(data)):
        os.write(1, data)
elif how == "child":
    subprocess.run(["/bin/sh", "-c", "head -c %d /dev/zero" % total])
elif how == "stderr":
    for _ in range(total // len(block)):
        sys.stderr.write(block)
result = {"finished": True}
