#!/bin/sh
# Installs Debian's podman and buildah, runc, and debootstrap (to make the local base image), once: when podman,
# buildah, runc and debootstrap are all on the PATH it does nothing. Non-interactive and quiet; needs root (or sudo)
# and a reachable Debian mirror. Exits non-zero with the reason when it cannot install them.
# Used by k8s/images/build.sh on a machine with no Docker engine (see k8s/images/README.md).
# runc: Debian 12's crun 1.8 refuses to start containers on a host with hybrid cgroups (v1 controllers plus a cgroup2
# mount that has controllers, as here): "crun: cgroups in hybrid mode not supported"; runc starts them.
set -u

if command -v podman >/dev/null 2>&1 && command -v buildah >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 \
        && command -v debootstrap >/dev/null 2>&1; then
    exit 0
fi

fail() {
    echo "install-podman.sh: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: install podman, buildah, runc and debootstrap by hand"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and no sudo: run 'apt-get install podman buildah runc debootstrap' as root"
    SUDO="sudo -n"
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# the package lists may be missing or old on a fresh machine; a failed update is reported only if the install fails too
$SUDO apt-get update -qq >"$log" 2>&1
if ! $SUDO apt-get install -y -qq --no-install-recommends podman buildah runc debootstrap \
        conmon crun containernetworking-plugins uidmap fuse-overlayfs >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get install podman buildah runc debootstrap failed (no network or no Debian mirror?); see the lines above"
fi
for c in podman buildah runc debootstrap; do
    command -v "$c" >/dev/null 2>&1 || fail "apt-get succeeded but $c is missing"
done
