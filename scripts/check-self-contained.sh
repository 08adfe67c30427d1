#!/usr/bin/env bash
# A clone must stand on its own: no test, script or document may name a path outside the
# repository (the session's shared directory, another checkout). `npm run lint` and CI run this;
# .ci/run also runs the whole suite from a bare copy, which catches relative paths out of the clone.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"   # the repository, or another tree (its test)
pattern='(\.\./shared/|/work/(shared|main|wt|notes)([/ `"'"'"']|$)|BERTH_SHARED_DIR)'
if hits=$(grep -rInE "$pattern" . \
    --exclude-dir=node_modules --exclude-dir=dist --exclude-dir=build --exclude-dir=.git \
    --exclude-dir=coverage --exclude=.git --exclude=package-lock.json --exclude='*.tsbuildinfo' \
    --exclude=check-self-contained.sh); then
  printf '%s\n' "$hits" | sed 's/^/self-contained: /' >&2
  echo "self-contained: the lines above reach outside the repository (copy what they need into it)" >&2
  exit 1
fi
echo "self-contained: nothing names a path outside the repository"
