# The host's name: what uname, the socket module and /proc say.
import os
import socket

result = {"uname": os.uname().nodename, "gethostname": socket.gethostname(),
          "proc": open("/proc/sys/kernel/hostname").read().strip(),
          "etc_hostname_exists": os.path.exists("/etc/hostname")}
