# Raw, packet and netlink sockets: created and closed at once, nothing is sent.
import errno
import socket


def name(e):
    return errno.errorcode.get(getattr(e, "errno", None) or 0, type(e).__name__)


ETH_P_ALL = 0x0003
attempts = {
    "netlink_route": (socket.AF_NETLINK, socket.SOCK_RAW, 0),
    "netlink_audit": (socket.AF_NETLINK, socket.SOCK_RAW, 9),
    "packet": (socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL)),
    "inet_raw_icmp": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "inet6_raw": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6),
    "inet_packet": (socket.AF_INET, 10, 0),  # SOCK_PACKET
    "vsock": (40, socket.SOCK_STREAM, 0),     # AF_VSOCK
    "inet_tcp": (socket.AF_INET, socket.SOCK_STREAM, 0),  # allowed: it reaches nothing
}
result = {}
for label, (family, kind, proto) in attempts.items():
    try:
        socket.socket(family, kind, proto).close()
        result[label] = "created"
    except OSError as e:
        result[label] = name(e)
