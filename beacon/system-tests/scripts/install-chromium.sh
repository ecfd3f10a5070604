#!/bin/sh
# Installs Debian's Chromium and ChromeDriver for the browser test (StatusPageBrowserIT), once: when both
# /usr/bin/chromium and /usr/bin/chromedriver exist it does nothing. Non-interactive and quiet; needs root (or sudo)
# and a reachable Debian mirror. Exits non-zero with the reason when it cannot install them.
set -u

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

fail() {
    echo "install-chromium.sh: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: install Debian's chromium and chromium-driver packages by hand"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and no sudo: run 'apt-get install chromium chromium-driver' as root"
    SUDO="sudo -n"
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# the package lists may be missing or old on a fresh machine; a failed update is reported only if the install fails too
$SUDO apt-get update -qq >"$log" 2>&1
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get install chromium chromium-driver failed (no network or no Debian mirror?); see the lines above"
fi
[ -x /usr/bin/chromium ] || fail "apt-get succeeded but /usr/bin/chromium is missing"
[ -x /usr/bin/chromedriver ] || fail "apt-get succeeded but /usr/bin/chromedriver is missing"
