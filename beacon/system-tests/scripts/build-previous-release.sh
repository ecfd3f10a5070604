#!/usr/bin/env bash
# Builds the previous release named in beacon/system-tests/previous-release.properties (or the commit given as $1)
# from this repository's own history, in a scratch git worktree under beacon/system-tests/target/, and caches its
# beacon.jar and bridge.jar in beacon/system-tests/target/previous-release/<commit>/. Never installs anything
# into ~/.m2: `package` only. Reuses the cached jars when both are there. Prints the cache directory last.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"            # beacon/system-tests
repo="$(git -C "$here" rev-parse --show-toplevel)"
commit="${1:-$(sed -n 's/^commit=//p' "$here/previous-release.properties")}"
if ! git -C "$repo" rev-parse -q --verify "$commit^{commit}" >/dev/null; then
  # a shallow clone (CI's, often) lacks the older history: fetch it once, loudly
  if [[ "$(git -C "$repo" rev-parse --is-shallow-repository)" == true ]]; then
    echo "previous release $commit: not in this shallow clone; fetching the history (git fetch --unshallow)" >&2
    git -C "$repo" fetch -q --unshallow >&2 || true
  fi
  git -C "$repo" rev-parse -q --verify "$commit^{commit}" >/dev/null || {
    echo "previous release $commit: no such commit in $repo; UpgradeIT needs the project's git history (a full clone)" >&2
    exit 1; }
fi
commit="$(git -C "$repo" rev-parse --verify "$commit^{commit}")"
cache="$here/target/previous-release/$commit"
if [[ -s "$cache/beacon.jar" && -s "$cache/bridge.jar" ]]; then
  echo "previous release $commit: cached jars in $cache" >&2
  echo "$cache"; exit 0
fi
tree="$here/target/previous-release-src/$commit"
if [[ ! -e "$tree/pom.xml" ]]; then
  echo "previous release $commit: creating scratch worktree $tree" >&2
  git -C "$repo" worktree prune
  rm -rf "$tree"
  git -C "$repo" worktree add --detach "$tree" "$commit" >&2
fi
echo "previous release $commit: building beacon.jar and bridge.jar (mvn -DskipTests package -pl beacon,bridge -am)" >&2
start=$(date +%s)
# not offline: on a fresh machine the old release may need plugins or libraries this build never fetched
( cd "$tree" && ./mvnw -B -q -DskipTests package -pl beacon,bridge -am ) >&2
echo "previous release $commit: built in $(( $(date +%s) - start )) s" >&2
mkdir -p "$cache"
# The module layout moved in issue 10: look for the jars rather than assume their paths.
b=$(cd "$tree" && find . -path '*/target/beacon.jar' -not -path '*/system-tests/*' | head -1)
r=$(cd "$tree" && find . -path '*/target/bridge.jar' -not -path '*/system-tests/*' | head -1)
[[ -n "$b" && -n "$r" ]] || { echo "previous release $commit: beacon.jar or bridge.jar not found after the build" >&2; exit 1; }
cp "$tree/$b" "$cache/beacon.jar.tmp" && mv "$cache/beacon.jar.tmp" "$cache/beacon.jar"
cp "$tree/$r" "$cache/bridge.jar.tmp" && mv "$cache/bridge.jar.tmp" "$cache/bridge.jar"
git -C "$repo" log -1 --format='%H %s' "$commit" > "$cache/commit.txt"
echo "previous release $commit: jars in $cache" >&2
echo "$cache"
