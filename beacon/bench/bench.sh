#!/usr/bin/env bash
# The beacon benchmark: direct vs beacon vs HAProxy, side by side, on this machine.
#
#   ./mvnw -B -DskipTests package          # the README's build
#   beacon/bench/bench.sh                  # about 10 minutes; updates docs/performance.md and docs/performance.json
#   beacon/bench/bench.sh --smoke          # seconds; checks that it works (CI runs this through BenchSmokeIT)
#   beacon/bench/bench.sh --help           # every option
#
# Installs HAProxy from Debian's packages if it is missing and raises the open-file limit (10k idle streams
# need about 20k descriptors in the relay), then runs `java -jar beacon/bench/target/bench.jar run`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
jar="beacon/bench/target/bench.jar"

for a in "$@"; do
  case "$a" in
    -h|--help) exec java -jar "$jar" run --help ;;
  esac
done

if [[ ! -f "$jar" || ! -f beacon/target/beacon.jar ]]; then
  echo "bench.sh: $jar or beacon/target/beacon.jar is missing; build first: ./mvnw -B -DskipTests package" >&2
  exit 2
fi

if ! command -v haproxy >/dev/null 2>&1 && [[ " $* " != *" --no-haproxy "* ]]; then
  echo "bench.sh: installing haproxy (apt-get)..."
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q haproxy >/tmp/beacon-bench-apt.log 2>&1 \
    || { $sudo_cmd apt-get update -q >>/tmp/beacon-bench-apt.log 2>&1 && $sudo_cmd apt-get install -y -q haproxy >>/tmp/beacon-bench-apt.log 2>&1; } \
    || { echo "bench.sh: could not install haproxy (log: /tmp/beacon-bench-apt.log); pass --no-haproxy to run without it" >&2; exit 1; }
fi

# 10k idle streams need 20k descriptors in the relay; raising the hard limit needs CAP_SYS_RESOURCE, and without
# it the benchmark measures as many idle streams as the limit allows (it says so).
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

out=(--markdown docs/performance.md --json docs/performance.json)
[[ " $* " == *" --smoke "* ]] && out=(--markdown target/bench-smoke/performance.md --json target/bench-smoke/performance.json)
[[ " $* " == *" --markdown"* || " $* " == *" --json"* ]] && out=()
exec java -Xms1g -Xmx1g -jar "$jar" run --beacon-jar beacon/target/beacon.jar "${out[@]}" "$@"
