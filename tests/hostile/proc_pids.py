# /proc shows which processes exist: list them with their names, and look for the host test.
import os

pids = sorted(int(e) for e in os.listdir("/proc") if e.isdigit())
names = {}
for pid in pids[:50]:
    try:
        with open("/proc/%d/comm" % pid) as f:
            names[str(pid)] = f.read().strip()
    except OSError:
        pass
result = {"pids": pids[:200], "count": len(pids), "names": names, "self": os.getpid(),
          "host_pid_visible": os.path.exists("/proc/%d" % inputs["host_pid"])}
