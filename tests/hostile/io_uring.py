# io_uring_setup through a raw syscall (425 on every architecture): a one-entry ring,
# closed again at once.
import ctypes
import errno
import os
import platform

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
supported = platform.machine() in ("x86_64", "aarch64")
result = {"arch": platform.machine(), "supported": supported}
if supported:
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    fd = libc.syscall(425, 1, params)
    if fd >= 0:
        os.close(fd)
        result["io_uring_setup"] = "ok"
    else:
        result["io_uring_setup"] = errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
