#!/usr/bin/env bash
# Regenerates the README screenshots by driving the real app under Xvfb.
#   tools/screenshots.sh [build-dir]   (default: build/dev)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
app="${1:-build/dev}/app/pysandbox"
[ -x "$app" ] || { echo "build the app first (./dev.sh run or cmake --build --preset dev)" >&2; exit 1; }
mkdir -p docs/screenshots
xvfb-run -a -s "-screen 0 1280x800x24" "$app" --screenshot docs/screenshots/main-window.png
