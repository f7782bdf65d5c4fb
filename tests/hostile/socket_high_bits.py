# The socket family is an int, but the syscall register is 64 bits wide: set bit 32 and a
# filter that compared the whole register would let vsock and netlink through. Created and
# closed at once; nothing is bound or sent.
import ctypes
import errno
import os
import platform

SYS_SOCKET = {"x86_64": 41, "aarch64": 198}.get(platform.machine())
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
attempts = {"vsock_high_bit": (40, 1), "netlink_high_bit": (16, 2), "packet_high_bit": (17, 3)}
result = {"supported": SYS_SOCKET is not None}
for label, (family, kind) in attempts.items():
    if SYS_SOCKET is None:
        break
    fd = libc.syscall(SYS_SOCKET, ctypes.c_long(family | (1 << 32)), ctypes.c_long(kind), ctypes.c_long(0))
    if fd >= 0:
        os.close(fd)
        result[label] = "created"
    else:
        result[label] = errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
