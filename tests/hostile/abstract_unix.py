# Abstract unix sockets (how X11 and D-Bus are often reached): connect to the one the host
# test listens on. The abstract namespace belongs to the network namespace.
import errno
import socket

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(1.0)
try:
    s.connect("\0" + inputs["abstract_name"])
    result = {"connected": True}
except OSError as e:
    result = {"connected": False, "error": errno.errorcode.get(e.errno or 0, type(e).__name__)}
finally:
    s.close()
