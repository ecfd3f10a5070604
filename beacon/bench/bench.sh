#!/usr/bin/env bash
# The beacon benchmark: direct vs beacon vs HAProxy vs nginx, side by side, on this machine, pinned and unpinned.
#
#   ./mvnw -B -DskipTests package          # the README's build
#   beacon/bench/bench.sh                  # about 30 minutes (the published 5-round run took 28); updates docs/performance.md, docs/performance.json
#                                          # and docs/images/performance-rounds.svg
#   beacon/bench/bench.sh --smoke          # about 2 minutes; checks that it works (CI runs this through BenchSmokeIT)
#   beacon/bench/bench.sh --install-competitors   # only install HAProxy and nginx (BenchSmokeIT uses this)
#   beacon/bench/bench.sh --help           # every option
#
# Only a full run (all workloads, 5 rounds or more, --pinning both) writes docs/: a partial one (--only, --rounds
# below 5, --pinning pinned or unpinned) goes to target/bench-partial/, and --smoke to target/bench-smoke/, unless
# --markdown or --json name the files; the run's last line says where it wrote and why.
#
# Installs HAProxy, and nginx with its stream module, from Debian's packages if they are missing (--no-haproxy,
# --no-nginx leave them out), raises the open-file limit (10k idle streams need about 20k descriptors in the
# relay), then runs `java -jar beacon/bench/target/bench.jar run`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
jar="beacon/bench/target/bench.jar"
only_install=false

for a in "$@"; do
  case "$a" in
    -h|--help)
      echo "bench.sh [OPTIONS]: runs the benchmark below after installing HAProxy and nginx; a full run writes docs/performance.md,"
      echo "docs/performance.json and docs/images/performance-rounds.svg. A partial run (--only, --rounds below 5, --pinning other"
      echo "than both) writes target/bench-partial/ instead, --smoke target/bench-smoke/, unless --markdown or --json are given."
      echo "--install-competitors only installs HAProxy and nginx."
      echo
      exec java -jar "$jar" run --help ;;
    --install-competitors) only_install=true ;;
  esac
done

apt_install() { # apt_install WHAT PACKAGE...
  local what="$1"; shift
  echo "bench.sh: installing $what (apt-get install $*)..."
  local sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q "$@" >>/tmp/beacon-bench-apt.log 2>&1 \
    || { $sudo_cmd apt-get update -q >>/tmp/beacon-bench-apt.log 2>&1 && $sudo_cmd apt-get install -y -q "$@" >>/tmp/beacon-bench-apt.log 2>&1; }
}

# nginx with a stream module: built in, or Debian's dynamic module (libnginx-mod-stream) in nginx's modules path
nginx_ok() {
  command -v nginx >/dev/null 2>&1 || return 1
  local v dir
  v="$(nginx -V 2>&1)"
  if [[ "$v" == *"--with-stream=dynamic"* ]]; then
    dir="$(sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p' <<<"$v")"
    [[ -f "${dir:-/usr/lib/nginx/modules}/ngx_stream_module.so" ]]
  else
    [[ "$v" == *"--with-stream "* ]]
  fi
}

if ! command -v haproxy >/dev/null 2>&1 && [[ " $* " != *" --no-haproxy "* ]]; then
  apt_install haproxy haproxy \
    || { echo "bench.sh: could not install haproxy (log: /tmp/beacon-bench-apt.log); pass --no-haproxy to run without it" >&2; exit 1; }
fi
# Debian starts the nginx service (its default site on port 80) after installing it where a service manager
# allows it; the benchmark does not use that service: it runs its own nginx as the current user, on loopback.
if ! nginx_ok && [[ " $* " != *" --no-nginx "* ]]; then
  apt_install "nginx and its stream module" nginx libnginx-mod-stream && nginx_ok \
    || { echo "bench.sh: could not install nginx with its stream module (log: /tmp/beacon-bench-apt.log); pass --no-nginx to run without it" >&2; exit 1; }
fi
$only_install && exit 0

if [[ ! -f "$jar" || ! -f beacon/target/beacon.jar ]]; then
  echo "bench.sh: $jar or beacon/target/beacon.jar is missing; build first: ./mvnw -B -DskipTests package" >&2
  exit 2
fi

# 10k idle streams need 20k descriptors in the relay; raising the hard limit needs CAP_SYS_RESOURCE, and without
# it the benchmark measures as many idle streams as the limit allows (it says so).
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# A partial run must not overwrite the published result: the same rule as the run's last line (RunCommand.written)
partial=false
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  a="${args[i]}"
  next="${args[i + 1]:-}"
  case "$a" in
    --only|--only=*) partial=true ;;
    --rounds|--rounds=*)
      v="$next"
      if [[ "$a" == --rounds=* ]]; then v="${a#--rounds=}"; fi
      if [[ "$v" =~ ^[0-9]+$ ]] && (( v < 5 )); then partial=true; fi ;;
    --pinning|--pinning=*)
      v="$next"
      if [[ "$a" == --pinning=* ]]; then v="${a#--pinning=}"; fi
      if [[ "$v" != both ]]; then partial=true; fi ;;
  esac
done
out=(--markdown docs/performance.md --json docs/performance.json)
if $partial; then out=(--markdown target/bench-partial/performance.md --json target/bench-partial/performance.json); fi
[[ " $* " == *" --smoke "* ]] && out=(--markdown target/bench-smoke/performance.md --json target/bench-smoke/performance.json)
[[ " $* " == *" --markdown"* || " $* " == *" --json"* ]] && out=()
exec java -Xms1g -Xmx1g -jar "$jar" run --beacon-jar beacon/target/beacon.jar "${out[@]}" "$@"
