# Disk filling, bounded at `max_bytes` per directory: fill the working directory, the
# temp directory and /dev/shm with many files (a full filesystem: ENOSPC), try /dev itself
# (read-only: EROFS), then write one big file (a file-size limit: EFBIG). Everything written
# is deleted again.
import errno
import os
import tempfile
import time

CHUNK = b"\0" * (1 << 20)


def fill(directory, file_bytes, max_bytes):
    written, paths, error, started = 0, [], None, time.monotonic()
    try:
        while written < max_bytes and error is None:
            path = os.path.join(directory, "fill-%d.bin" % len(paths))
            paths.append(path)
            with open(path, "wb", buffering=0) as f:
                size = 0
                while size < file_bytes and written < max_bytes:
                    try:
                        n = f.write(CHUNK)
                    except OSError as e:
                        error = errno.errorcode.get(e.errno, str(e.errno))
                        break
                    size += n
                    written += n
    except OSError as e:
        error = error or errno.errorcode.get(e.errno, str(e.errno))
    finally:
        for path in paths:
            try:
                os.unlink(path)
            except OSError:
                pass
    return {"bytes": written, "error": error, "seconds": round(time.monotonic() - started, 3)}


limit = inputs["max_bytes"]
result = {
    "work_many_files": fill(os.getcwd(), 4 << 20, limit),
    "tmp_many_files": fill(tempfile.gettempdir(), 4 << 20, limit),
    "shm_many_files": fill("/dev/shm", 4 << 20, limit),
    "dev_many_files": fill("/dev", 4 << 20, limit),
    "work_one_file": fill(os.getcwd(), limit, limit),
    "tmp_path": tempfile.gettempdir(),
}
