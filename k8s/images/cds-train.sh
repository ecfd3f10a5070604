#!/bin/bash
# cds-train.sh NAME [JVM FLAG...]
#
# Runs in the "cds" build stage of k8s/images/NAME/Dockerfile, never at runtime. It starts the service once the way a
# pod does (same JRE, same jar path, the JVM flags of the image's ENTRYPOINT given as arguments) with
# -XX:ArchiveClassesAtExit=/opt/beacon/NAME.jsa, waits until it is ready, touches its endpoints, stops it with SIGTERM
# (a clean exit, which is when the JVM writes the archive) and checks the archive is there. The classes a real start
# loads (Vert.x, Netty, BoringSSL, TLS, YAML, Micrometer, logback, ...) are then in NAME.jsa, which the image maps with
# -XX:SharedArchiveFile instead of parsing and verifying them again at every start.
#
# Training needs throw-away certificates: they are made with /train/beacon.jar pki (beacon.jar is copied into every cds
# stage for that; only NAME.jar and NAME.jsa go into the final image). Nothing leaves the build stage but the archive.
# Ports are loopback-only inside the build container (podman build --network none works).
set -euo pipefail

name=${1:?usage: cds-train.sh beacon|bridge|status-page [JVM FLAG...]}
shift
flags=("$@")
jar=/opt/beacon/$name.jar
jsa=/opt/beacon/$name.jsa
tool=/train/beacon.jar
work=$(mktemp -d)
cd "$work"

log() { echo "cds-train[$name]: $*"; }

# GET path on 127.0.0.1:port; true when the answer is 200. bash's /dev/tcp: the base image has no curl.
http_ok() {
    local port=$1 path=$2 line
    { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
    IFS= read -r -t 5 line <&3 || line=""
    cat <&3 >/dev/null 2>&1 || true
    exec 3<&-
    [[ $line == *" 200 "* ]]
}

wait_ok() { # port path seconds pid
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        http_ok "$1" "$2" && return 0
        kill -0 "$4" 2>/dev/null || { log "process $4 exited before 127.0.0.1:$1$2 answered 200"; return 1; }
        sleep 0.1
    done
    log "127.0.0.1:$1$2 did not answer 200 within $3 s"
    return 1
}

stop() { # pid: SIGTERM, then wait for the exit (the archive is written on the way out)
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" || true
}

java -jar "$tool" pki init --dir ca >/dev/null
java -jar "$tool" pki issue --ca ca --out node --dns localhost --ip 127.0.0.1 spiffe://cds.train/node/train-1 >/dev/null
java -jar "$tool" pki issue --ca ca --out bridge spiffe://cds.train/tenant/canary/bridge/canary >/dev/null
java -jar "$tool" pki issue --ca ca --out wrapper spiffe://cds.train/tenant/canary/wrapper/status >/dev/null
java -jar "$tool" pki issue --ca ca --out inner --dns localhost spiffe://cds.train/tenant/canary/wrapper/inner >/dev/null

cat >beacon.yaml <<YAML
tls: {cert: node/tls.crt, key: node/tls.key, ca: node/ca.crt}
relay: {host: 127.0.0.1, port: 8443}
admin: {host: 127.0.0.1, port: 9090}
drain: {gracePeriod: 1s}
YAML

# A beacon node the bridge and the status page talk to (not recorded: plain JVM, no archive flag).
peer_beacon() {
    java -jar "$tool" server --config beacon.yaml >beacon-peer.log 2>&1 &
    peer=$!
    wait_ok 9090 /readyz 60 "$peer" || { cat beacon-peer.log; exit 1; }
}

rec=(java "${flags[@]}" -XX:ArchiveClassesAtExit="$jsa" -jar "$jar")
started=$(date +%s)
case "$name" in
beacon)
    "${rec[@]}" server --config beacon.yaml >train.log 2>&1 &
    pid=$!
    wait_ok 9090 /readyz 60 "$pid" || { grep -v 'warning.*\[cds\]' train.log; exit 1; }
    http_ok 9090 /healthz; http_ok 9090 /metrics; http_ok 9090 /bridges || true; http_ok 9090 /cluster || true
    stop "$pid"
    ;;
bridge)
    peer_beacon
    cat >bridge.yaml <<YAML
beacon: {addresses: ["127.0.0.1:8443"]}
tls: {cert: bridge/tls.crt, key: bridge/tls.key, ca: bridge/ca.crt}
inner: {cert: inner/tls.crt, key: inner/tls.key, ca: inner/ca.crt}
upstream: {address: "127.0.0.1:9"}
allow: ["spiffe://cds.train/tenant/canary/wrapper/*"]
admin: {host: 127.0.0.1, port: 9091}
YAML
    "${rec[@]}" run --config bridge.yaml >train.log 2>&1 &
    pid=$!
    wait_ok 9091 /readyz 60 "$pid" || { grep -v 'warning.*\[cds\]' train.log; exit 1; }
    http_ok 9091 /healthz; http_ok 9091 /metrics; http_ok 9091 /beacons || true
    stop "$pid"
    stop "$peer"
    ;;
status-page)
    peer_beacon
    cat >status.yaml <<YAML
dataDir: $work/data
listen: {host: 127.0.0.1, port: 8080}
admin: {host: 127.0.0.1, port: 8081, token: cds-train-token-0123456789}
probes:
  interval: 3s
  timeout: 1s
  retryDelay: 500ms
  nodes: [{name: node-1, relay: "127.0.0.1:8443", admin: "http://127.0.0.1:9090"}]
  wrapper: {cert: wrapper/tls.crt, key: wrapper/tls.key, ca: wrapper/ca.crt}
YAML
    "${rec[@]}" serve --config status.yaml >train.log 2>&1 &
    pid=$!
    wait_ok 8081 /readyz 60 "$pid" || { grep -v 'warning.*\[cds\]' train.log; exit 1; }
    sleep 3 # a probe round or two (TLS handshake, /readyz) and a view refresh
    http_ok 8080 /; http_ok 8080 /readyz; http_ok 8081 /metrics || true
    for p in /api/v2/summary.json /summary.json /api/summary.json; do http_ok 8080 "$p" && break; done || true
    stop "$pid"
    stop "$peer"
    ;;
*)
    echo "cds-train.sh: unknown service $name (beacon, bridge, status-page)" >&2
    exit 2
    ;;
esac

if [[ ! -s $jsa ]]; then
    log "no archive written; the service's log:"
    grep -v 'warning.*\[cds\]' train.log
    exit 1
fi
log "$(basename "$jsa"): $(($(stat -c %s "$jsa") / 1024 / 1024)) MiB, training run $(($(date +%s) - started)) s"
cd / && rm -rf "$work"
