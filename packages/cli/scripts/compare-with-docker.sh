#!/bin/bash
# Runs the real docker CLI and berth with the same arguments against the same daemon socket and
# diffs stdout, stderr and the exit code ("docker" is replaced by "berth" in docker's stderr).
# Usage: SOCK=/run/berth.sock packages/cli/scripts/compare-with-docker.sh ps -a
# Mind that both runs act on the daemon: compare read-only commands, or commands whose effect
# the first run does not change.
set -u
SOCK=${SOCK:-/run/berth.sock}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DOCKER_HOST=unix://$SOCK timeout -k 1 30 docker "$@" >"$tmp/d.out" 2>"$tmp/d.err" </dev/null; drc=$?
BERTH_HOST=unix://$SOCK timeout -k 1 30 node -- "$here/bin/berth.js" "$@" >"$tmp/b.out" 2>"$tmp/b.err" </dev/null; brc=$?
sed -i 's/docker/berth/g; s/Docker/berth/g' "$tmp/d.err"
if cmp -s "$tmp/d.out" "$tmp/b.out" && cmp -s "$tmp/d.err" "$tmp/b.err" && [ "$drc" = "$brc" ]; then
  echo "SAME: $*"
else
  echo "DIFF: $* (exit docker=$drc berth=$brc)"
  diff "$tmp/d.out" "$tmp/b.out"
  diff "$tmp/d.err" "$tmp/b.err"
  exit 1
fi
