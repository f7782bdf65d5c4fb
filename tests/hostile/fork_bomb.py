# Fork bomb, bounded: at most `max_forks` forks; each child becomes a marked `sh` that
# sleeps 2 s and ends, so even with no limits everything is gone a few seconds later.
import errno
import os
import time

marker, max_forks = inputs["marker"], inputs["max_forks"]
forks, refused, first_error = 0, 0, None
started = time.monotonic()
result = {}
for _ in range(max_forks):
    try:
        pid = os.fork()
    except OSError as e:
        refused += 1
        first_error = first_error or errno.errorcode.get(e.errno, str(e.errno))
        if refused >= 200:
            break
        time.sleep(0.001)
        continue
    if pid == 0:
        try:
            os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 2; :", marker])
        finally:
            os._exit(0)
    forks += 1
    result = {"forks": forks, "refused": refused, "first_error": first_error,
              "seconds": round(time.monotonic() - started, 3)}
result = {"forks": forks, "refused": refused, "first_error": first_error,
          "seconds": round(time.monotonic() - started, 3)}
