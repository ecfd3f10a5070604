#!/bin/sh
# iptables for the chaos tests (dev.beacon.it.chaos, docs/reliability.md): a cut path is packets DROPped on one veth
# inside a test network namespace (never in the root namespace's firewall), which is also how one-way cuts are made.
# Without iptables the tests still run, but every cut is the link set down (both ways, and the one-way scenarios are
# then two-way). Debian/Ubuntu, as root:
set -e
if command -v iptables >/dev/null 2>&1 && iptables -w -S INPUT >/dev/null 2>&1; then
  iptables -V
  exit 0
fi
apt-get install -y iptables || { apt-get update && apt-get install -y iptables; }
iptables -V
