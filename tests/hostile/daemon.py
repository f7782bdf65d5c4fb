# A daemon that outlives the run: double fork, new session, ignore the usual signals, then
# 2 s later (as a marked `sh`) write a canary to the host path the test chose.
import os
import signal

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        os.execv("/bin/sh", ["/bin/sh", "-c", 'sleep 2; echo escaped > "$1"', inputs["marker"], inputs["canary"]])
    os._exit(0)
result = {"daemonized": True}
