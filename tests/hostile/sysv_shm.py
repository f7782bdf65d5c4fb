# SysV IPC: attach to the shared memory segment the host test created under a known key.
import ctypes
import errno

libc = ctypes.CDLL(None, use_errno=True)
key = inputs["key"]
shmid = libc.shmget(ctypes.c_int(key), ctypes.c_size_t(0), 0)
result = {"shmget": "found" if shmid >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")}
try:
    with open("/proc/sysvipc/shm") as f:
        keys = [int(line.split()[0]) for line in f.read().splitlines()[1:] if line.strip()]
    result["listed_keys"] = len(keys)
    result["key_listed"] = key in keys
except OSError as e:
    result["listing_error"] = type(e).__name__
