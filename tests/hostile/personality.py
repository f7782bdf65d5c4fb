# personality(READ_IMPLIES_EXEC): make every readable mapping executable after the next exec.
import ctypes
import errno

READ_IMPLIES_EXEC, QUERY = 0x0400000, 0xffffffff
libc = ctypes.CDLL(None, use_errno=True)
libc.personality.argtypes = [ctypes.c_ulong]
before = libc.personality(QUERY)
rc = libc.personality(before | READ_IMPLIES_EXEC)
result = {"query": before, "set": "ok" if rc != -1 else errno.errorcode.get(ctypes.get_errno(), "?")}
result["after"] = libc.personality(QUERY)
if result["after"] != before:
    libc.personality(before)  # put it back
