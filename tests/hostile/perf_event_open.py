# perf_event_open through a raw syscall: a software CPU-clock counter on ourselves (closed
# again at once).
import ctypes
import errno
import os
import platform
import struct

NUMBERS = {"x86_64": 298, "aarch64": 241}
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = NUMBERS.get(platform.machine())
result = {"arch": platform.machine(), "supported": nr is not None}
if nr:
    attr = bytearray(128)  # struct perf_event_attr; the kernel accepts trailing zeros
    PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK = 1, 0
    DISABLED, EXCLUDE_KERNEL, EXCLUDE_HV = 1, 1 << 5, 1 << 6
    struct.pack_into("=IIQ", attr, 0, PERF_TYPE_SOFTWARE, len(attr), PERF_COUNT_SW_CPU_CLOCK)
    struct.pack_into("=Q", attr, 40, DISABLED | EXCLUDE_KERNEL | EXCLUDE_HV)
    buffer = (ctypes.c_char * len(attr)).from_buffer(attr)
    fd = libc.syscall(nr, buffer, 0, -1, -1, 0)
    if fd >= 0:
        os.close(fd)
        result["perf_event_open"] = "ok"
    else:
        result["perf_event_open"] = errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
