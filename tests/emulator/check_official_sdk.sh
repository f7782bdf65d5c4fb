#!/usr/bin/env bash
# check_official_sdk.sh — run the official microsandbox 0.2.6 Python SDK examples
# (examples/repl.py, examples/command.py, examples/metrics.py) against msb_emulator.py.
#
# Usage: tests/emulator/check_official_sdk.sh <path-to-sdk/python checkout>
#
# The SDK is UPSTREAM code (github.com/microsandbox/microsandbox, tag microsandbox-v0.2.6,
# directory sdk/python). It is fetched separately by whoever runs this check and is NEVER
# committed to this repository. This script downloads nothing and installs nothing: it needs
# an existing checkout plus aiohttp and python-dotenv for $PYTHON (default /usr/bin/python3;
# on Debian 12: apt-get install python3-aiohttp python3-dotenv). See OFFICIAL_SDK_CHECK.md.
#
# What it does: starts the emulator in key mode (not --dev) with a temporary --home and fast
# timing (--time-scale 0.01 --preloaded), on loopback only, mints a token with
# `msb_emulator.py keygen`, runs each example with a timeout and MSB_API_KEY/MSB_SERVER_URL set,
# prints PASS/FAIL per example with its exit code and wall time, then stops the emulator and
# cleans up (trap). Exit status: 0 = all PASS, 1 = some FAIL, 2 = usage/setup error.
#
# Caveats (see OFFICIAL_SDK_CHECK.md):
# * The port must be 5555: repl.py's "Explicit Lifecycle" example hard-codes
#   server_url="http://127.0.0.1:5555" and ignores MSB_SERVER_URL. If 5555 is taken the emulator
#   cannot bind and this script stops before any example runs (so nothing is sent elsewhere).
# * The emulator is NOT a sandbox: the examples' commands run on this machine as this user.
#   command.py and metrics.py write /tmp/test.txt, /tmp/test_dir/, /tmp/test.py, /tmp/testfile
#   (10 MiB) and /tmp/cpu_test.py on the host. The script refuses to run if any of them already
#   exists and removes them afterwards.
# * The examples catch their own exceptions and exit 0 even when they fail, so PASS also
#   requires the expected output lines and the absence of the examples' error lines.
#
# Environment overrides: PYTHON (interpreter for the emulator and the examples),
# MSB_CHECK_PORT (default 5555), MSB_CHECK_TIMEOUT (seconds per example, default 120),
# MSB_CHECK_SCALE (--time-scale, default 0.01), MSB_CHECK_KEEP=1 (keep the work directory).
set -euo pipefail

usage() { echo "usage: $0 <path-to-sdk/python checkout>" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
SDK=$(cd "$1" 2>/dev/null && pwd) || { echo "error: no such directory: $1" >&2; exit 2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EMU="$HERE/msb_emulator.py"
PYTHON=${PYTHON:-/usr/bin/python3}
PORT=${MSB_CHECK_PORT:-5555}
EX_TIMEOUT=${MSB_CHECK_TIMEOUT:-120}
SCALE=${MSB_CHECK_SCALE:-0.01}
EXAMPLES=(repl command metrics)
HOST_FILES=(/tmp/test.txt /tmp/test_dir /tmp/test.py /tmp/testfile /tmp/cpu_test.py)

for f in microsandbox/__init__.py microsandbox/base_sandbox.py examples/repl.py \
         examples/command.py examples/metrics.py; do
  [[ -f "$SDK/$f" ]] || { echo "error: $SDK/$f missing (expected an sdk/python checkout)" >&2; exit 2; }
done
[[ -f "$EMU" ]] || { echo "error: $EMU missing" >&2; exit 2; }
command -v timeout >/dev/null || { echo "error: coreutils 'timeout' is required" >&2; exit 2; }
if ! "$PYTHON" -c 'import aiohttp, dotenv' 2>/dev/null; then
  echo "error: $PYTHON cannot import aiohttp and dotenv (Debian: apt-get install python3-aiohttp python3-dotenv)" >&2
  exit 2
fi
[[ "$PORT" == 5555 ]] || echo "warning: MSB_CHECK_PORT=$PORT; repl.py's explicit-lifecycle part hard-codes port 5555 and will fail" >&2
for f in "${HOST_FILES[@]}"; do
  if [[ -e "$f" ]]; then
    echo "error: $f exists; the examples would overwrite it on this host. Move it away first." >&2
    exit 2
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/msb-sdk-check.XXXXXX")
EMU_PID=""
EX_PID=""
# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local rc=$?
  if [[ -n "$EX_PID" ]] && kill -0 "$EX_PID" 2>/dev/null; then
    kill -TERM "$EX_PID" 2>/dev/null || true
    wait "$EX_PID" 2>/dev/null || true
  fi
  if [[ -n "$EMU_PID" ]] && kill -0 "$EMU_PID" 2>/dev/null; then
    kill -TERM "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$EMU_PID" 2>/dev/null; then
      echo "warning: emulator $EMU_PID ignored SIGTERM; sending SIGKILL" >&2
      kill -KILL "$EMU_PID" 2>/dev/null || true
    fi
    wait "$EMU_PID" 2>/dev/null || true
  fi
  # Only files the examples created: the script refused to start if any of them existed.
  rm -rf -- "${HOST_FILES[@]}"
  if [[ "${MSB_CHECK_KEEP:-0}" == 1 ]]; then
    echo "work directory kept: $WORK" >&2
  else
    rm -rf -- "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

mkdir "$WORK/home" "$WORK/cwd"
echo "python: $("$PYTHON" -c 'import sys, aiohttp; print(sys.version.split()[0], "aiohttp", aiohttp.__version__)')"
echo "sdk:    $SDK"

# Key mode (no --dev), loopback only, fast protocol timing.
"$PYTHON" "$EMU" --host 127.0.0.1 --port "$PORT" --home "$WORK/home" \
  --time-scale "$SCALE" --preloaded --verbose >"$WORK/emu.stdout" 2>"$WORK/emu.stderr" &
EMU_PID=$!
for _ in $(seq 1 100); do
  grep -q '^MSB-EMULATOR LISTENING ' "$WORK/emu.stdout" 2>/dev/null && break
  kill -0 "$EMU_PID" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "^MSB-EMULATOR LISTENING $PORT\$" "$WORK/emu.stdout" 2>/dev/null; then
  echo "error: emulator did not come up on 127.0.0.1:$PORT:" >&2
  cat "$WORK/emu.stderr" >&2
  exit 2
fi
echo "emulator: pid $EMU_PID, 127.0.0.1:$PORT, key mode, --time-scale $SCALE --preloaded"

TOKEN=$("$PYTHON" "$EMU" keygen --home "$WORK/home" --expire 1h | sed -n 's/^Token: //p')
[[ "$TOKEN" == msb_* ]] || { echo "error: keygen did not print a token" >&2; exit 2; }

# Lines that must appear (fixed strings) / must not appear (regex) per example.
expect() {
  case "$1" in
    repl) printf '%s\n' \
      'Output: Hello, world!' \
      'Output: x = 42' \
      'y = [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]' \
      'ZeroDivisionError: division by zero' \
      '=== Execution Chaining Example ===' \
      'Output: Hello from Python ' ;;
    command) printf '%s\n' \
      'Output: Hello from sandbox command!' \
      'Success: False' \
      "ls: cannot access '/nonexistent'" \
      'Caught exception for nonexistent command: Failed to execute command: {"error":"Internal server error","code":5002}' \
      'Command timed out as expected: Failed to execute command: {"error":"Internal server error","code":5002}' \
      'Sandbox still works: Still working!' \
      'File content: Hello, file content!' \
      'Pipeline output (should be 2): 2' \
      'Python script executed!' \
      "Arguments: ['arg1', 'arg2', 'arg3']" \
      'Stopping sandbox...' \
      'All examples completed!' ;;
    metrics) printf '%s\n' \
      'CPU Usage: 0.0%' \
      'Is Running: True' \
      'Sandbox: all-metrics-example (namespace: default)' \
      'Monitoring complete.' \
      'CPU load test complete.' \
      'Expected error: Sandbox is not started. Call start() first.' \
      'CPU usage after starting: 0.0%' \
      'All examples completed!' ;;
  esac
}
forbid() {
  case "$1" in
    # repl.py legitimately prints one traceback (its ZeroDivisionError demo).
    repl) echo '^Error running examples|^Caught error' ;;
    command) echo '^Traceback|Command completed \(unexpected!\)|Command succeeded unexpectedly' ;;
    metrics) echo '^Traceback|^Error|Error getting metrics|^CPU: ' ;;
  esac
}

FAILED=0
for ex in "${EXAMPLES[@]}"; do
  out="$WORK/$ex.out"
  t0=$EPOCHREALTIME
  # In the background + wait, so that a signal to this script interrupts at once; env execs
  # timeout, so EX_PID is timeout's pid and the cleanup's SIGTERM reaches the example.
  env -C "$WORK/cwd" -u HTTP_PROXY -u http_proxy -u HTTPS_PROXY -u https_proxy -u ALL_PROXY -u all_proxy \
    MSB_API_KEY="$TOKEN" MSB_SERVER_URL="http://127.0.0.1:$PORT" PYTHONPATH="$SDK" \
    timeout --kill-after=5 "$EX_TIMEOUT" "$PYTHON" "$SDK/examples/$ex.py" >"$out" 2>&1 &
  EX_PID=$!
  set +e
  wait "$EX_PID"
  rc=$?
  set -e
  EX_PID=""
  t1=$EPOCHREALTIME
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  why=()
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    why+=("exit code $rc (killed by the ${EX_TIMEOUT}s timeout)")
  elif [[ $rc -ne 0 ]]; then
    why+=("exit code $rc")
  fi
  while IFS= read -r line; do
    grep -qF -- "$line" "$out" || why+=("missing: $line")
  done < <(expect "$ex")
  pat=$(forbid "$ex")
  if bad=$(grep -E -- "$pat" "$out" | head -3) && [[ -n "$bad" ]]; then
    why+=("unexpected: ${bad//$'\n'/ | }")
  fi
  if [[ ${#why[@]} -eq 0 ]]; then
    printf 'PASS  %-8s exit=%d  %6ss\n' "$ex" "$rc" "$secs"
  else
    FAILED=1
    printf 'FAIL  %-8s exit=%d  %6ss\n' "$ex" "$rc" "$secs"
    for w in "${why[@]}"; do printf '        %s\n' "$w"; done
    echo "      --- last lines of $ex output:"
    tail -n 15 "$out" | sed 's/^/      | /'
    echo "      --- emulator ERROR lines so far:"
    { grep ' ERROR ' "$WORK/emu.stderr" || true; } | tail -n 5 | sed 's/^/      | /'
  fi
done

echo "emulator internal errors logged: $(grep -c ' ERROR ' "$WORK/emu.stderr" || true) (command.py expects 2: spawn failure, command timeout)"
if [[ $FAILED -eq 0 ]]; then echo "RESULT: PASS"; else echo "RESULT: FAIL"; fi
exit "$FAILED"
