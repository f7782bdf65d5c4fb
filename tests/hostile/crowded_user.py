# A modest snippet, well under its process limit, run while the same user has many other
# processes on the host: start a few children and wait for them.
import errno
import os

started, error = 0, None
for _ in range(inputs["children"]):
    try:
        pid = os.fork()
    except OSError as e:
        error = errno.errorcode.get(e.errno, str(e.errno))
        break
    if pid == 0:
        os._exit(0)
    started += 1
for _ in range(started):
    os.wait()
result = {"started": started, "error": error}
