#!/bin/sh
# Runs a native test binary (tst_hostile_*, tst_native_limits, ...) as the ordinary system user
# pysandbox-test, because CI runs as root and the sandbox behaves differently for root
# (capabilities, RLIMIT_NPROC). Started by ctest as root: creates the user if missing, copies
# the binary and the hostile corpus into a fresh world-readable directory, runs it there.
# Not root: exit 77, which ctest reports as skipped.
#
#   run_as_unprivileged_user.sh /path/to/test-binary [test arguments...]
set -eu

if [ "$#" -lt 1 ]; then
    echo "usage: $0 TEST-BINARY [ARGS...]" >&2
    exit 2
fi
binary=$1
shift
user=pysandbox-test
corpus_dir=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "not root: cannot switch to the user $user; skipped"
    exit 77
fi
for tool in useradd runuser; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool is missing: cannot run as an ordinary user; skipped"
        exit 77
    fi
done

if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --create-home --shell /usr/sbin/nologin "$user"
fi
home=$(getent passwd "$user" | cut -d: -f6)
if [ -z "$home" ] || [ ! -d "$home" ]; then
    echo "the user $user has no home directory" >&2
    exit 1
fi

work=$(mktemp -d /tmp/pysandbox-unprivileged-XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
chmod 755 "$work"
cp "$binary" "$work/"
chmod 755 "$work/$(basename "$binary")"
mkdir "$work/hostile"
cp "$corpus_dir"/*.py "$work/hostile/"
chmod 755 "$work/hostile"
chmod 644 "$work/hostile"/*.py

cd "$work"
runuser -u "$user" -- env -i \
    HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin \
    LANG=C.UTF-8 LC_ALL=C.UTF-8 TMPDIR=/tmp \
    PYSANDBOX_TEST_PYTHON="${PYSANDBOX_TEST_PYTHON:-/usr/bin/python3}" \
    PYSANDBOX_HOSTILE_DIR_OVERRIDE="$work/hostile" \
    ${PYSANDBOX_TEST_ISOLATION:+PYSANDBOX_TEST_ISOLATION="$PYSANDBOX_TEST_ISOLATION"} \
    "$work/$(basename "$binary")" "$@"
