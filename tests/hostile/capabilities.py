# Capabilities: every capability set of this process.
with open("/proc/self/status") as f:
    result = {k: v.strip() for k, v in (line.split(":", 1) for line in f if line.startswith("Cap"))}
