#!/usr/bin/env bash
# Regenerates the README screenshots by driving the real app under Xvfb.
#   tools/screenshots.sh [build-dir]   (default: build/dev)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
app="${1:-build/dev}/app/pysandbox"
[ -x "$app" ] || { echo "build the app first (./dev.sh run or cmake --build --preset dev)" >&2; exit 1; }
mkdir -p docs/screenshots
xvfb-run -a -s "-screen 0 1280x800x24" "$app" --screenshot docs/screenshots/main-window.png
# A DataFrame and a figure, on Debian's python3 (which has pandas and matplotlib), with fresh
# settings so that nothing of the user's own configuration shows.
settings=$(mktemp -d)
trap 'rm -rf "$settings"' EXIT
for tab in Tables Figures; do
    PATH=/usr/bin:$PATH XDG_CONFIG_HOME="$settings" xvfb-run -a -s "-screen 0 1280x800x24" "$app" \
        --snippet tools/snippets/sales_by_region.py --result-tab "$tab" \
        --screenshot "docs/screenshots/result-$(echo "$tab" | tr '[:upper:]' '[:lower:]').png"
done
# An error: the traceback with the lines of the user's own code, which jump to the editor.
PATH=/usr/bin:$PATH XDG_CONFIG_HOME="$settings" xvfb-run -a -s "-screen 0 1280x800x24" "$app" \
    --snippet tools/snippets/traceback.py --result-tab Traceback --screenshot docs/screenshots/result-traceback.png
# The dark theme (setting ui/theme=dark), with the result tree and both output streams.
mkdir -p "$settings/PySandbox"
printf '[ui]\ntheme=dark\n[native]\ninterpreter=/usr/bin/python3\n' > "$settings/PySandbox/PySandbox.conf"
XDG_CONFIG_HOME="$settings" xvfb-run -a -s "-screen 0 1280x800x24" "$app" \
    --snippet tools/snippets/streams_and_result.py --result-tab Result --screenshot docs/screenshots/main-window-dark.png
