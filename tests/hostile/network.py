# Network: connect to the listener the test opened on the host's 127.0.0.1; list the
# interfaces (netlink, /proc/net/dev, /sys/class/net); ask the kernel for a route to the
# resolver and to outside addresses (a UDP connect() sends no packet). Nothing is ever sent.
import errno
import os
import socket


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


result = {}
tcp = {"connected": False}
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # a warm run may not even get one
    s.settimeout(1.0)
    try:
        s.connect(("127.0.0.1", inputs["port"]))
        tcp["connected"] = True
    finally:
        s.close()
except OSError as e:
    tcp["error"] = name(e)
result["tcp_loopback"] = tcp

try:
    result["if_nameindex"] = sorted(n for _, n in socket.if_nameindex())  # needs a netlink socket
except OSError as e:
    result["if_nameindex"] = name(e)
with open("/proc/net/dev") as f:
    result["proc_net_dev"] = sorted(line.split(":")[0].strip() for line in f.read().splitlines()[2:])
try:
    result["sys_class_net"] = sorted(os.listdir("/sys/class/net"))
except OSError as e:
    result["sys_class_net"] = name(e)

routes = {}
for family, address in ((socket.AF_INET, inputs["resolver"]), (socket.AF_INET, "192.0.2.1"),
                        (socket.AF_INET6, "2001:db8::1")):
    try:
        u = socket.socket(family, socket.SOCK_DGRAM)
        try:
            u.connect((address, 53))  # picks a route and a source address; sends nothing
            routes[address] = {"routed": True, "source": u.getsockname()[0]}
        finally:
            u.close()
    except OSError as e:
        routes[address] = {"routed": False, "error": name(e)}
result["udp_routes"] = routes
