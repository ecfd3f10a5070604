#!/usr/bin/env bash
# Installs what k8s/validate/validate.mjs needs: node and npm (Debian packages, when missing) and the pinned npm
# packages of k8s/validate/package-lock.json into k8s/validate/node_modules (npm ci: exactly the locked versions,
# checked against their integrity hashes). Needs only the Debian and npm registries. Idempotent: does nothing when
# node_modules already matches the lock file. Run by ManifestSchemaTest; safe to run by hand.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/validate"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-validate-deps: installing nodejs and npm with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
  else
    echo "install-validate-deps: node and npm are required (apt-get install nodejs npm)" >&2
    exit 1
  fi
fi

# npm writes node_modules/.package-lock.json after a complete install: same content as the lock file's packages
# means nothing to do
if [ -f "$dir/node_modules/.package-lock.json" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] \
   && node -e '
     const fs = require("fs"), d = process.argv[1];
     const a = JSON.parse(fs.readFileSync(d + "/package-lock.json")).packages, b = JSON.parse(fs.readFileSync(d + "/node_modules/.package-lock.json")).packages;
     const ka = Object.keys(a).filter((k) => k !== ""), kb = Object.keys(b);
     process.exit(ka.length === kb.length && ka.every((k) => b[k] && b[k].version === a[k].version) ? 0 : 1);' "$dir"; then
  exit 0
fi
echo "install-validate-deps: npm ci in $dir" >&2
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error >&2
