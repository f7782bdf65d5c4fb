# cgroups: the control-group paths /proc/self/cgroup reveals.
with open("/proc/self/cgroup") as f:
    result = {"lines": f.read().splitlines()}
