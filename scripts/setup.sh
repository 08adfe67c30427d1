#!/usr/bin/env bash
# Everything berth needs on a fresh Debian 12 machine of this kind, safe to run again and again:
#   1. the Debian packages berth drives (crun, the default runtime, and runc; busybox-static, skopeo, docker-registry, tini;
#      docker-compose, nsenter and ip for the networking tests)
#      and the build tools for sqlite3's native addon — installed only when something is missing;
#   2. the npm packages (`npm ci`, or `npm install` without a lockfile; sqlite3's compiled addon is
#      kept in npm's cache for the next npm ci here: scripts/cache-sqlite3-build.js) — skipped when
#      node_modules already matches the lockfile;
#   3. the build (`npm run build`).
# Run it as root (apt-get needs root; so does berthd). No internet beyond the npm registry and apt.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# --- 1. Debian packages -------------------------------------------------------------------------
# binary on PATH (or file) -> Debian package that provides it
declare -A need=(
  [runc]=runc
  [crun]=crun
  [/usr/bin/busybox]=busybox-static
  [skopeo]=skopeo
  [/usr/bin/docker-registry]=docker-registry
  [tini]=tini
  [openssl]=openssl
  [make]=build-essential
  [g++]=build-essential
  [python3]=python3
  [mkfifo]=coreutils
  [setfattr]=attr
  [zstd]=zstd
  # the sqlite3 shell holds berth.db's write lock in the kill -9 blob tests (crash-leftovers, registry-pull)
  [sqlite3]=sqlite3
  # apparmor_parser: compiles the generated docker-default without loading it (runtime/src/apparmor.test.ts)
  [/usr/sbin/apparmor_parser]=apparmor
  # Docker's Python SDK, the real client of the issue-12 e2e tests (test-e2e/harness/python-sdk.ts)
  [/usr/lib/python3/dist-packages/docker]=python3-docker
  # @berth/network: bridges, veths and netns (ip, unshare, nsenter, umount), nftables rules.
  [ip]=iproute2
  [nft]=nftables
  [iptables]=iptables
  [nsenter]=util-linux
  # CNI plugins for CRI pods (bridge, host-local, portmap, loopback under /usr/lib/cni; test-e2e/cri.test.ts)
  [/usr/lib/cni/bridge]=containernetworking-plugins
  # docker-compose 1.29: the real compose client of test-e2e/compose.test.ts
  [docker-compose]=docker-compose
  # the TZ database: the CLI's Go time.Local (packages/cli/src/format/go-local-zone.test.ts runs under other zones)
  [/usr/share/zoneinfo]=tzdata
  # setcap: a security.capability xattr kept by the volume copy-up (packages/daemon/src/containers/copy-up.test.ts)
  [setcap]=libcap2-bin
)
missing=()
for what in "${!need[@]}"; do
  if [[ $what == /* ]]; then [ -x "$what" ] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  missing+=("${need[$what]}")
done
# The static busybox is what make-busybox-rootfs.sh copies into images.
if [ -x /usr/bin/busybox ] && command -v file >/dev/null 2>&1 && ! file -L /usr/bin/busybox | grep -q 'statically linked'; then
  missing+=(busybox-static)
fi
# The end-to-end tests drive the real docker CLI (the client only; berthd is the daemon). This kind
# of machine ships docker CLI 28; Debian's docker.io brings a 20.10 CLI where it is missing.
command -v docker >/dev/null 2>&1 || missing+=(docker.io)

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  say "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    say "apt-get needs root: run this script as root (sudo ./scripts/setup.sh)"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: all present"
fi

# --- 2. npm packages ----------------------------------------------------------------------------
npm_fresh() {
  # npm keeps node_modules/.package-lock.json in step with what it installed; `npm ls` checks the
  # tree against every package.json. Both must hold to skip the (slow, sqlite3-compiling) npm ci.
  [ -d node_modules ] && [ -f node_modules/.package-lock.json ] || return 1
  [ -f package-lock.json ] && [ node_modules/.package-lock.json -ot package-lock.json ] && return 1
  npm ls --all >/dev/null 2>&1 || return 1
  # the native addon must have been built
  node -e 'require("sqlite3")' >/dev/null 2>&1 || return 1
}
if [ "${BERTH_SETUP_FORCE_NPM:-}" != 1 ] && npm_fresh; then
  say "npm packages: up to date"
elif [ -f package-lock.json ]; then
  # The lockfile pins every version but names no tarball URL (.npmrc: omit-lockfile-registry-resolved),
  # so npm asks the registry about each of ~1000 packages again, which took most of the 3 minutes
  # of `npm ci` in CI. --prefer-offline takes what npm's cache already knows (a fresh machine has
  # no cache and asks as before); a cache too old to know a locked version fails it (ETARGET):
  # then a plain `npm ci`.
  say "npm ci"
  npm ci --no-fund --no-audit --prefer-offline || {
    say "npm ci --prefer-offline failed: again, asking the registry"
    npm ci --no-fund --no-audit
  }
else
  say "npm install (no lockfile)"
  npm install --no-fund --no-audit
fi

# sqlite3 has no binary this machine may download, so npm ci compiles it (about two minutes of CPU):
# keep that build where its installer looks first, for the next npm ci here (the script says how).
node scripts/cache-sqlite3-build.js || say "sqlite3: its build could not be kept (the next npm ci compiles it again)"

# --- 3. build -----------------------------------------------------------------------------------
say "npm run build"
npm run build --silent
say "done: start the daemon with 'npx berthd' (as root), run the tests with 'npm test'"
