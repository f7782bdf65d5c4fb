# Memory bomb, bounded at 1 GB: grab and touch 32 MB blocks. The MemoryError (if any) is
# not caught: what stopped it is the engine's verdict; `result` says how far it got.
import time

blocks, started = [], time.monotonic()
result = {"allocated_mb": 0}
while len(blocks) < 32 and time.monotonic() - started < 10:
    block = bytearray(32 << 20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    blocks.append(block)
    result = {"allocated_mb": 32 * len(blocks)}
