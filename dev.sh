#!/usr/bin/env bash
# PySandbox developer entry point. On Debian 12 it installs what is missing (as root or
# through sudo), configures with CMake presets, builds with Ninja and then runs, tests,
# benchmarks or takes screenshots.
#
#   ./dev.sh run          build and launch the app
#   ./dev.sh test         build and run the whole suite (CI build, then ASan/UBSan build)
#   ./dev.sh test-quick   the CI build's suite only
#   ./dev.sh cli ARGS…    build and run pysandbox-cli with ARGS
#   ./dev.sh deps         only install the Debian packages
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

PACKAGES=(
    build-essential cmake ninja-build ccache pkg-config
    qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
    libqscintilla2-qt6-dev libgl-dev
    libseccomp-dev bubblewrap
    python3 python3-numpy python3-pandas python3-matplotlib
    xvfb xauth fonts-dejavu-core
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_missing_packages() {
    local missing=()
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            log "missing packages: ${missing[*]} (run as root or install sudo)"
            exit 1
        fi
    fi
    log "installing: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
    local preset=$1
    shift
    log "configure + build ($preset${*:+: $*})"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" ${*:+--target "$@"}
}

run_tests() {
    local preset=$1
    log "test ($preset)"
    ctest --preset "$preset"
}

cmd=${1:-help}
shift || true
case "$cmd" in
    deps)
        install_missing_packages
        ;;
    run)
        install_missing_packages
        build dev pysandbox
        if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
            log "no display found: starting the app inside a virtual X server (xvfb-run)"
            exec xvfb-run -a build/dev/app/pysandbox "$@"
        fi
        exec build/dev/app/pysandbox "$@"
        ;;
    cli)
        install_missing_packages
        build dev pysandbox-cli
        exec build/dev/app/pysandbox-cli "$@"
        ;;
    test)
        install_missing_packages
        build ci
        run_tests ci
        build asan
        run_tests asan
        ;;
    test-quick)
        install_missing_packages
        build ci
        run_tests ci
        ;;
    *)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        [ "$cmd" = help ] || exit 2
        ;;
esac
