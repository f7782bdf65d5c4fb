# CPU spin that ignores SIGXCPU (the soft RLIMIT_CPU warning); gives up by itself after 10 s.
import signal
import time

signal.signal(signal.SIGXCPU, signal.SIG_IGN)
started = time.monotonic()
spins = 0
while time.monotonic() - started < 10:
    spins += 1
result = {"spun_for_s": round(time.monotonic() - started, 2)}
