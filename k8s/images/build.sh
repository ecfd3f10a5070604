#!/bin/bash
# k8s/images/build.sh: builds the three images (beacon, bridge, status-page) with podman from the jars the Maven build
# produced, checks that each runs as UID 10001 on a read-only root filesystem with its CDS archive mapped, and can
# measure a beacon node's start-to-ready with and without the archive. For machines with no Docker engine and no
# registry (like the CI machines): the base image is made locally with debootstrap. Run with --help for the options.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: k8s/images/build.sh [--base IMAGE] [--only NAME] [--tag TAG] [--no-check] [--measure N] [--no-install] [--help]

Builds localhost/beacon/{beacon,bridge,status-page}:TAG with podman from beacon/target/beacon.jar,
bridge/target/bridge.jar and status-page/target/status-page.jar (build them first:
./mvnw -B -pl beacon,bridge,status-page -am package -DskipTests), then checks each image.

  --base IMAGE   base image for both stages (BASE_IMAGE build-arg). Default: localhost/beacon-base:bookworm, made here
                 when missing: debootstrap of Debian bookworm (minbase) + openjdk-17-jre-headless from the Debian
                 mirror ($DEBIAN_MIRROR, default http://deb.debian.org/debian), imported with podman import.
                 With a registry: --base eclipse-temurin:17-jre (the Dockerfiles' own default).
  --only NAME    build (and check) only beacon, bridge or status-page
  --tag TAG      image tag (default: the Maven version, 0.1.0-SNAPSHOT)
  --no-check     skip the checks
  --measure N    also start a beacon node N times with the image's CDS archive, N times with only the JDK's default
                 archive and N times with -Xshare:off, and print podman-run-to-/readyz times (median, min, max)
  --no-install   do not run k8s/scripts/install-podman.sh (apt-get) when podman, runc or debootstrap are missing
  --help         this text

The checks, for each image: `podman run --rm --read-only --user 10001:10001 --network none IMAGE --help` exits 0; the
same with -Xshare:on -Xlog:cds maps the image's archive ("Mapped dynamic region"; -Xshare:on fails if it cannot);
a beacon node from the image with dev certificates answers /readyz 200 with epoll and BoringSSL; with all three
built, a node, a bridge and a status page run together with their default CMD, the configuration where the charts
mount it (/etc/{beacon,bridge,status-page}/config/config.yaml), --network host: all ready, the bridge registered, the page
served, the database on the status page's volume, each exits 0 on SIGTERM.

Podman options this needs on the CI machines (and harmless elsewhere), in PODMAN_OPTS / RUN_OPTS:
  --runtime runc       crun 1.8 (Debian 12) fails: "cgroups in hybrid mode not supported"
  --ulimit nofile=20000:20000 --ulimit nproc=8192:8192
                       podman's default limits (1048576) exceed the hard limits here: "setrlimit RLIMIT_NOFILE:
                       Operation not permitted"
  --network none       (build and checks) no CNI bridge needed; the node readiness check uses --network host
Needs root (rootful podman).
USAGE
}

base=""
only=""
tag=""
check=1
measure=0
install=1
while [[ $# -gt 0 ]]; do
    case "$1" in
    --base) base=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --no-check) check=0; shift ;;
    --measure) measure=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "build.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
say() { echo "== $(date -u +%H:%M:%S) $*"; }
die() { echo "build.sh: $*" >&2; exit 1; }

declare -A jar=([beacon]=beacon/target/beacon.jar [bridge]=bridge/target/bridge.jar [status-page]=status-page/target/status-page.jar)
names=(beacon bridge status-page)
if [[ -n $only ]]; then
    [[ -n ${jar[$only]:-} ]] || die "--only takes beacon, bridge or status-page, not $only"
    names=("$only")
fi
# every stage needs beacon.jar (training certificates; the peer node of the bridge and status page training runs)
for n in beacon "${names[@]}"; do
    [[ -f ${jar[$n]} ]] || die "${jar[$n]} missing: build the jars first (./mvnw -B -pl beacon,bridge,status-page -am package -DskipTests)"
done

if [[ $(id -u) -ne 0 ]]; then die "needs root (rootful podman; debootstrap for the base image)"; fi
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || { [[ -z $base ]] && ! command -v debootstrap >/dev/null; }; then
    [[ $install -eq 1 ]] || die "podman, runc or debootstrap missing (and --no-install given)"
    say "installing podman, buildah, runc, debootstrap (k8s/scripts/install-podman.sh)"
    k8s/scripts/install-podman.sh
fi

PODMAN_OPTS=${PODMAN_OPTS:---runtime runc}
LIMITS=${LIMITS:---ulimit nofile=20000:20000 --ulimit nproc=8192:8192}
podman() { command podman $PODMAN_OPTS "$@"; }
run() { podman run --rm $LIMITS "$@"; }

[[ -n $tag ]] || tag=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | sed -n 1p)
[[ -n $tag ]] || tag=dev
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

# ---- the base image ----
if [[ -z $base ]]; then
    base=localhost/beacon-base:bookworm
    if podman image exists "$base"; then
        say "base image $base exists (podman rmi it to make it again)"
    else
        mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
        dir=$(mktemp -d /var/tmp/beacon-base.XXXXXX)
        trap 'rm -rf "$dir"' EXIT
        say "making $base: debootstrap bookworm (minbase + openjdk-17-jre-headless) from $mirror (about a minute)"
        debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$dir/rootfs" "$mirror" >"$dir/debootstrap.log" 2>&1 \
            || { tail -n 20 "$dir/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
        # apt caches, package lists, docs, man pages, locales: not needed in an image (about 190 MB)
        rm -rf "$dir"/rootfs/var/cache/apt/*.bin "$dir"/rootfs/var/cache/apt/archives/*.deb "$dir"/rootfs/var/lib/apt/lists/* \
            "$dir"/rootfs/usr/share/doc/* "$dir"/rootfs/usr/share/man/* "$dir"/rootfs/usr/share/locale/*
        say "importing $base ($(du -sh "$dir/rootfs" | cut -f1))"
        tar --numeric-owner -C "$dir/rootfs" -c . | podman import --quiet \
            --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$base" >/dev/null
        rm -rf "$dir"
        trap - EXIT
    fi
fi
say "base: $base ($(run --network none --entrypoint java "$base" -version 2>&1 | sed -n 2p))"

# ---- build ----
for n in "${names[@]}"; do
    image=localhost/beacon/$n:$tag
    say "building $image (k8s/images/$n/Dockerfile; the cds stage starts the service once, about 20 s)"
    t0=$(date +%s)
    podman build --network none $LIMITS --build-arg BASE_IMAGE="$base" --build-arg VERSION="$tag" \
        --build-arg REVISION="$revision" -f "k8s/images/$n/Dockerfile" -t "$image" . 2>&1 \
        | grep -v 'warning\]\[cds\]' | sed 's/^/   /'
    [[ ${PIPESTATUS[0]} -eq 0 ]] || die "podman build of $n failed (output above)"
    say "built $image in $(($(date +%s) - t0)) s, $(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1000000}')"
done

[[ $check -eq 1 || $measure -gt 0 ]] || exit 0

entrypoint() { podman image inspect --format '{{json .Config.Entrypoint}}' "$1"; }
# the image's ENTRYPOINT with extra JVM flags inserted before -jar, as JSON for --entrypoint
with_flags() { # image flag...
    local ep
    ep=$(entrypoint "$1")
    shift
    python3 -c 'import json,sys; ep=json.loads(sys.argv[1]); i=ep.index("-jar"); print(json.dumps(ep[:i]+sys.argv[2:]+ep[i:]))' "$ep" "$@"
}
without_archive() { # image [flag...]: the ENTRYPOINT without -XX:SharedArchiveFile (the JDK's default archive only)
    local ep
    ep=$(entrypoint "$1")
    shift
    python3 -c 'import json,sys; ep=[a for a in json.loads(sys.argv[1]) if not a.startswith("-XX:SharedArchiveFile")]; i=ep.index("-jar"); print(json.dumps(ep[:i]+sys.argv[2:]+ep[i:]))' "$ep" "$@"
}

secure=(--read-only --user 10001:10001 --cap-drop ALL --security-opt no-new-privileges)

if [[ $check -eq 1 ]]; then
    for n in "${names[@]}"; do
        image=localhost/beacon/$n:$tag
        run --network none "${secure[@]}" "$image" --help >/dev/null 2>&1 \
            || die "$n: 'podman run --read-only --user 10001:10001 $image --help' failed"
        say "check $n: --help as 10001 on a read-only root: exit 0"
        out=$(run --network none "${secure[@]}" --entrypoint "$(with_flags "$image" -Xshare:on -Xlog:cds)" "$image" --version 2>&1) \
            || { echo "$out" | tail -n 20 >&2; die "$n: -Xshare:on failed: the archive does not map"; }
        grep -q "Mapped dynamic region" <<<"$out" || { echo "$out" | tail -n 20 >&2; die "$n: -Xlog:cds shows no dynamic (application) archive mapped"; }
        say "check $n: -Xshare:on -Xlog:cds: $(grep -c 'Mapped dynamic region' <<<"$out") dynamic regions of /opt/beacon/$n.jsa mapped"
    done
fi

# ---- a beacon node from the image: ready? how fast? ----
if [[ " ${names[*]} " == *" beacon "* ]] && { [[ $check -eq 1 ]] || [[ $measure -gt 0 ]]; }; then
    image=localhost/beacon/beacon:$tag
    node_ctr=image-check-$$ # unique: several checkouts may run this at once on one machine
    w=$(mktemp -d /var/tmp/beacon-node.XXXXXX)
    cleanup() { command podman $PODMAN_OPTS rm -f -t 0 "$node_ctr" >/dev/null 2>&1 || true; rm -rf "$w"; }
    trap cleanup EXIT
    java -jar beacon/target/beacon.jar pki init --dir "$w/ca" >/dev/null
    java -jar beacon/target/beacon.jar pki issue --ca "$w/ca" --out "$w/node" --dns localhost --ip 127.0.0.1 \
        spiffe://image.check/node/node-1 >/dev/null
    chmod -R a+rX "$w" # the node runs as 10001; these are throw-away keys
    free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
    admin=$(free_port)
    relay=$(free_port)
    cat >"$w/beacon.yaml" <<YAML
tls: {cert: /etc/beacon/node/tls.crt, key: /etc/beacon/node/tls.key, ca: /etc/beacon/node/ca.crt}
relay: {host: 127.0.0.1, port: $relay}
admin: {host: 127.0.0.1, port: $admin}
drain: {gracePeriod: 1s}
YAML
    # start a node, wait for /readyz 200; prints the milliseconds from `podman run` to the first 200
    start_node() { # entrypoint-json-or-empty
        local ep=("$@") t0 t1 code
        command podman $PODMAN_OPTS rm -f -t 0 "$node_ctr" >/dev/null 2>&1 || true
        t0=$(date +%s%N)
        podman run -d --name "$node_ctr" $LIMITS --network host "${secure[@]}" --tmpfs /tmp:rw,size=64m \
            -v "$w:/etc/beacon:ro" "${ep[@]}" "$image" server --config /etc/beacon/beacon.yaml >/dev/null
        for ((i = 0; i < 3000; i++)); do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$admin/readyz" || true)
            if [[ $code == 200 ]]; then
                t1=$(date +%s%N)
                # and from the container's process start (podman's StartedAt) to the node's "ready" log line: the
                # JVM's own part, without podman's container set-up
                local started readyline
                started=$(podman inspect --format '{{.State.StartedAt}}' "$node_ctr")
                readyline=$(podman logs "$node_ctr" 2>&1 | grep -m1 'beacon node ready' || true)
                echo "$(((t1 - t0) / 1000000)) $(python3 - "$started" "$readyline" <<'PY'
import datetime, re, sys
s = re.match(r"(\S+ \d+:\d+:\d+)(\.\d+)?", sys.argv[1])
start = datetime.datetime.strptime(s.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
start += datetime.timedelta(seconds=float("0" + (s.group(2) or ".0")))
r = re.match(r"(\S+)Z ", sys.argv[2])
ready = datetime.datetime.fromisoformat(r.group(1)).replace(tzinfo=datetime.timezone.utc) if r else None
print(round((ready - start).total_seconds() * 1000) if ready else -1)
PY
)"
                return 0
            fi
            sleep 0.01
        done
        podman logs "$node_ctr" >&2 || true
        return 1
    }
    stop_node() { podman stop -t 10 "$node_ctr" >/dev/null; podman rm -f "$node_ctr" >/dev/null 2>&1 || true; }
    if [[ $check -eq 1 ]]; then
        ms=$(start_node) || die "beacon: a node from $image did not answer /readyz 200 within 30 s (its log above)"
        log=$(podman logs "$node_ctr" 2>&1)
        stop_node
        say "check beacon: a node (read-only root, UID 10001, /tmp tmpfs) answered /readyz 200 ${ms% *} ms after podman run (JVM start to ready: ${ms#* } ms): $(grep -o 'beacon node ready.*' <<<"$log" | head -1)"
        # BoringSSL and epoll are native libraries Netty unpacks into /tmp: a noexec /tmp silently means JDK TLS and NIO
        grep -q 'transport=epoll tls=OPENSSL' <<<"$log" \
            || die "beacon: the node did not run with epoll and BoringSSL (is /tmp noexec?): $(grep -E 'TLS provider|node ready' <<<"$log")"
    fi
    if [[ $measure -gt 0 ]]; then
        command -v curl >/dev/null || die "--measure needs curl"
        declare -A ep=(
            ["app CDS (image default)"]=""
            ["JDK default CDS only"]=$(without_archive "$image")
            ["no CDS (-Xshare:off)"]=$(without_archive "$image" -Xshare:off)
        )
        say "measuring podman-run-to-/readyz of a beacon node, $measure runs per mode (modes interleaved)"
        declare -A times=() jvm=()
        for ((r = 1; r <= measure; r++)); do
            for mode in "app CDS (image default)" "JDK default CDS only" "no CDS (-Xshare:off)"; do
                if [[ -n ${ep[$mode]} ]]; then ms=$(start_node --entrypoint "${ep[$mode]}"); else ms=$(start_node); fi \
                    || die "node did not get ready ($mode)"
                stop_node
                times[$mode]+="${ms% *} "
                jvm[$mode]+="${ms#* } "
            done
        done
        for mode in "app CDS (image default)" "JDK default CDS only" "no CDS (-Xshare:off)"; do
            python3 - "$mode" "${times[$mode]}" "${jvm[$mode]}" <<'PY'
import statistics, sys
for what, arg in (("podman run -> /readyz 200", sys.argv[2]), ("JVM start -> ready log", sys.argv[3])):
    v = [int(x) for x in arg.split()]
    print(f"   {sys.argv[1]:<24} {what:<26} median {statistics.median(v):6.0f} ms  min {min(v):5d}  max {max(v):5d}  runs {v}")
PY
        done
    fi
fi

# ---- the three together: a node, a bridge that registers with it, a status page that probes it ----
if [[ $check -eq 1 && ${#names[@]} -eq 3 ]]; then
    java -jar beacon/target/beacon.jar pki issue --ca "$w/ca" --out "$w/bridge" spiffe://image.check/tenant/t1/bridge/b1 >/dev/null
    java -jar beacon/target/beacon.jar pki issue --ca "$w/ca" --out "$w/inner" --dns localhost spiffe://image.check/tenant/t1/wrapper/inner >/dev/null
    java -jar beacon/target/beacon.jar pki issue --ca "$w/ca" --out "$w/wrapper" spiffe://image.check/tenant/canary/wrapper/status >/dev/null
    chmod -R a+rX "$w"
    bridge_admin=$(free_port)
    page=$(free_port)
    page_admin=$(free_port)
    # each image's default CMD reads the path the charts mount the configuration at
    mkdir -p "$w/config" "$w/bridge-config" "$w/status-page-config"
    cp "$w/beacon.yaml" "$w/config/config.yaml" # /etc/beacon/config/config.yaml through the /etc/beacon mount
    cat >"$w/bridge-config/config.yaml" <<YAML
beacon: {addresses: ["127.0.0.1:$relay"]}
tls: {cert: /etc/beacon/bridge/tls.crt, key: /etc/beacon/bridge/tls.key, ca: /etc/beacon/bridge/ca.crt}
inner: {cert: /etc/beacon/inner/tls.crt, key: /etc/beacon/inner/tls.key, ca: /etc/beacon/inner/ca.crt}
upstream: {address: "127.0.0.1:9"}
allow: ["spiffe://image.check/tenant/t1/wrapper/*"]
admin: {host: 127.0.0.1, port: $bridge_admin}
YAML
    cat >"$w/status-page-config/config.yaml" <<YAML
listen: {host: 127.0.0.1, port: $page}
admin: {host: 127.0.0.1, port: $page_admin, token: image-check-token-0123456789}
probes:
  nodes: [{name: node-1, relay: "127.0.0.1:$relay", admin: "http://127.0.0.1:$admin"}]
  wrapper: {cert: /etc/beacon/wrapper/tls.crt, key: /etc/beacon/wrapper/tls.key, ca: /etc/beacon/wrapper/ca.crt}
YAML
    mkdir -p "$w/status-data"
    chown 10001:10001 "$w/status-data" # the status page's volume (/var/lib/status-page)
    containers=("$node_ctr-beacon" "$node_ctr-bridge" "$node_ctr-status-page")
    cleanup() { # one at a time: podman rm stops at the first name that does not exist
        for c in "$node_ctr" "${containers[@]}"; do command podman $PODMAN_OPTS rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
        rm -rf "$w"
    }
    common=($LIMITS --network host "${secure[@]}" --tmpfs /tmp:rw,size=64m -v "$w:/etc/beacon:ro")
    podman run -d --name "$node_ctr-beacon" "${common[@]}" "localhost/beacon/beacon:$tag" >/dev/null
    podman run -d --name "$node_ctr-bridge" "${common[@]}" -v "$w/bridge-config:/etc/bridge/config:ro" \
        "localhost/beacon/bridge:$tag" >/dev/null
    podman run -d --name "$node_ctr-status-page" "${common[@]}" -v "$w/status-page-config:/etc/status-page/config:ro" \
        -v "$w/status-data:/var/lib/status-page" \
        "localhost/beacon/status-page:$tag" >/dev/null
    ok() { [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true) == 200 ]]; }
    for url in "http://127.0.0.1:$admin/readyz" "http://127.0.0.1:$bridge_admin/readyz" \
            "http://127.0.0.1:$page/readyz" "http://127.0.0.1:$page_admin/readyz"; do
        for ((i = 0; i < 600; i++)); do ok "$url" && break; sleep 0.1; done
        ok "$url" || { for c in "${containers[@]}"; do echo "--- $c" >&2; podman logs "$c" 2>&1 | tail -n 15 >&2; done; die "$url did not answer 200 within 60 s"; }
    done
    for ((i = 0; i < 100; i++)); do curl -s "http://127.0.0.1:$admin/bridges" | grep -q '"tenant" : "t1"' && break; sleep 0.1; done
    curl -s "http://127.0.0.1:$admin/bridges" | grep -q '"tenant" : "t1"' || die "the bridge did not register with the node (/bridges)"
    ok "http://127.0.0.1:$page/" || die "the status page did not serve its page"
    [[ -f $w/status-data/data/status.mv.db ]] || die "the status page wrote no database to its volume"
    say "check all three: node, bridge and status page from the images ready; the bridge registered with the node (/bridges); the page served; status.mv.db on the volume"
    for c in "$node_ctr-status-page" "$node_ctr-bridge" "$node_ctr-beacon"; do
        podman stop -t 15 "$c" >/dev/null
        code=$(podman inspect --format '{{.State.ExitCode}}' "$c")
        [[ $code == 0 ]] || { podman logs "$c" 2>&1 | tail -n 15 >&2; die "$c exited $code on SIGTERM"; }
    done
    say "check all three: each exited 0 on SIGTERM (podman stop)"
fi
say "done"
