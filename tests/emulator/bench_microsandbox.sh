#!/usr/bin/env bash
# The microsandbox client's overhead per warm run, against the TEST EMULATOR (no KVM needed):
#   tests/emulator/bench_microsandbox.sh BUILD_DIR [RUNS]
# starts msb_emulator.py on a free loopback port (dev mode, image preloaded, /usr/bin/python3 in
# its REPL), runs `pysandbox-bench --microsandbox URL`, and stops the emulator again.
set -euo pipefail
build=${1:?usage: bench_microsandbox.sh BUILD_DIR [RUNS]}
runs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
python3 "$here/msb_emulator.py" --port 0 --dev --preloaded --time-scale 0.02 --python /usr/bin/python3 >"$out" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do
    port=$(awk '/^MSB-EMULATOR LISTENING/ {print $3}' "$out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "${port:-}" ] || { echo "the emulator did not start" >&2; exit 1; }
"$build/app/pysandbox-bench" --microsandbox "http://127.0.0.1:$port" --runs "$runs"
