#!/usr/bin/env bash
# Where a relay's CPU goes: samples the relay's core with perf while a pinned one-round benchmark runs, then sorts
# each relay's samples (the beacon's relay thread, HAProxy, nginx) into kernel TCP/IP, kernel copies, the TLS
# library, JIT-compiled Java, memcpy and the rest. decisions/0013 quotes its output.
#
#   beacon/bench/profile.sh                 # bulk (about 1 minute), samples CPU 1
#   beacon/bench/profile.sh --only latency  # any workload of bench.sh --only
#   beacon/bench/profile.sh --help
#
# Needs perf (Debian's linux-perf, installed here if missing) and the README's build. The benchmark's own output
# goes to target/bench-profile/bench.txt, perf's samples to target/bench-profile/perf.data.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

only=bulk
cpu=$(( $(nproc) - 1 ))
usage() {
  cat <<EOF
profile.sh [--only WORKLOAD] [--cpu N]: runs beacon/bench/bench.sh --rounds 1 --pinning pinned --only WORKLOAD while
perf samples CPU N (the relay's core when pinned; default $cpu), then prints, per relay, the share of its samples in
the kernel's TCP/IP path, kernel copies to and from user space, the TLS library, JIT-compiled Java, the JVM, memcpy
and its own code. WORKLOAD: bulk (default), latency, saturation, setup, handshakes.
Output: target/bench-profile/ (bench.txt, perf.data, samples.txt).
EOF
}
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --only) [[ $# -ge 2 ]] || { echo "profile.sh: --only needs a workload (see --help)" >&2; exit 2; }; only="$2"; shift 2 ;;
    --cpu) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { echo "profile.sh: --cpu needs a CPU number (see --help)" >&2; exit 2; }; cpu="$2"; shift 2 ;;
    *) echo "profile.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -f beacon/bench/target/bench.jar ]] || { echo "profile.sh: beacon/bench/target/bench.jar is missing; build first: ./mvnw -B -DskipTests package" >&2; exit 2; }
if ! command -v perf >/dev/null 2>&1; then
  echo "profile.sh: installing perf (apt-get install linux-perf)..."
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q linux-perf >/tmp/beacon-profile-apt.log 2>&1 \
    || { $sudo_cmd apt-get update -q >>/tmp/beacon-profile-apt.log 2>&1 && $sudo_cmd apt-get install -y -q linux-perf >>/tmp/beacon-profile-apt.log 2>&1; } \
    || { echo "profile.sh: could not install perf (log: /tmp/beacon-profile-apt.log)" >&2; exit 1; }
fi

out=target/bench-profile
mkdir -p "$out"
echo "profile.sh: sampling CPU $cpu while the benchmark runs (--only $only, pinned, one round; about a minute)..."
perf record -C "$cpu" -F 1999 -o "$out/perf.data" -- sleep 3600 >"$out/perf.log" 2>&1 &
perf_pid=$!
trap 'kill -INT $perf_pid 2>/dev/null || true' EXIT
beacon/bench/bench.sh --rounds 1 --pinning pinned --only "$only" --work "$out/work" \
  --markdown "$out/performance.md" --json "$out/performance.json" >"$out/bench.txt" 2>&1 \
  || { echo "profile.sh: the benchmark failed, see $out/bench.txt" >&2; exit 1; }
kill -INT $perf_pid; wait $perf_pid 2>/dev/null || true
trap - EXIT
grep -E '^\[[0-9]+ s\] \[round' "$out/bench.txt" || true
echo
perf script -i "$out/perf.data" -F comm,ip,sym,dso 2>/dev/null >"$out/samples.txt"
awk '
  {
    dso = $NF; gsub(/[()]/, "", dso)
    if ($1 ~ /^relay-[0-9]/) who = "beacon (relay thread)"; else if ($1 == "haproxy") who = "haproxy"; else if ($1 == "haproxy-floor") who = "haproxy-floor (socket floor: plain TCP, 256 KiB buffers)"; else if ($1 == "nginx") who = "nginx"; else next
    sym = $3
    if (dso ~ /kernel/) cat = (sym ~ /copy|memcpy|memmove|datagram_iter|csum/) ? "kernel: copies to and from user space" : "kernel: TCP/IP, loopback, skb, epoll, syscalls"
    else if (dso ~ /tcnative|libcrypto|libssl/) cat = "TLS library (AES-GCM, record layer)"
    else if (dso ~ /perf-[0-9]+\.map|JIT/) cat = "JIT-compiled Java"
    else if (dso ~ /libjvm/) cat = "JVM runtime"
    else if (dso ~ /libc\.so/) cat = (sym ~ /mem(move|cpy)/) ? "libc memcpy" : "libc, other"
    else { n = split(dso, parts, "/"); cat = "own code (" parts[n] ")" }
    count[who, cat]++; total[who]++
  }
  END {
    for (k in count) { split(k, p, SUBSEP); printf "%s\t%5.1f%%\t%s\n", p[1], 100 * count[k] / total[p[1]], p[2] }
    for (w in total) printf "%s\t%d samples\n", w, total[w] > "/dev/stderr"
  }' "$out/samples.txt" | sort -t$'\t' -k1,1 -k2,2r | awk -F'\t' '{ if ($1 != last) { print "== " $1; last = $1 } print "  " $2 "  " $3 }'
