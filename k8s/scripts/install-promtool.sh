#!/usr/bin/env bash
# Makes `promtool` available for the rule checks (PrometheusRulesTest, `promtool check rules`, `promtool test rules`).
# Idempotent and quiet: does nothing when promtool is already on the PATH; otherwise installs Debian's `prometheus`
# package (which ships promtool) with apt-get, as root or through sudo. Prints promtool's path on success.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  command -v promtool
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-promtool: promtool is not on the PATH and apt-get is missing; install promtool from" \
       "https://github.com/prometheus/prometheus/releases (it is in the prometheus tarball) and put it on the PATH" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-promtool: promtool is missing and installing it needs root (apt-get install prometheus);" \
         "run this script as root or with passwordless sudo, or install promtool yourself" >&2
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# the package's postinst would start a Prometheus server where a service manager runs: forbid that
policy_added=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  policy_added=1
fi
status=0
if ! $SUDO apt-get install -y -q --no-install-recommends prometheus >"$log" 2>&1; then
  # the package lists may be missing or old (a fresh container): refresh once and retry
  if ! { $SUDO apt-get update -q >>"$log" 2>&1 && $SUDO apt-get install -y -q --no-install-recommends prometheus >>"$log" 2>&1; }; then
    status=1
  fi
fi
[ -n "$policy_added" ] && $SUDO rm -f /usr/sbin/policy-rc.d
if [ "$status" -ne 0 ] || ! command -v promtool >/dev/null 2>&1; then
  echo "install-promtool: apt-get install prometheus failed; its output:" >&2
  cat "$log" >&2
  exit 1
fi
command -v promtool
