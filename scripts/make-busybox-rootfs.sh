#!/usr/bin/env bash
# Writes a busybox root filesystem as an uncompressed tar, ready for `berth import`:
#
#   scripts/make-busybox-rootfs.sh | berth import - busybox:latest
#   scripts/make-busybox-rootfs.sh -o busybox.tar
#   scripts/make-busybox-rootfs.sh --pad-mb 100 -o big.tar     # adds /pad (100 MB of random bytes)
#
# Built from the host's static busybox (Debian's busybox-static, /usr/bin/busybox): bin/busybox,
# one symlink per applet in bin/, etc/passwd and etc/group (root and nobody), tmp/ (1777), and the
# usual empty top-level directories. Entries are owned by 0:0 and sorted; no network needed.
set -euo pipefail

busybox=${BUSYBOX:-/usr/bin/busybox}
out=-
pad_mb=0
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--output) out=$2; shift 2 ;;
    --pad-mb) pad_mb=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-busybox-rootfs: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ ! -x "$busybox" ]; then
  echo "make-busybox-rootfs: $busybox not found: install it with 'apt-get install busybox-static' (or run scripts/setup.sh)" >&2
  exit 1
fi
if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
  echo "make-busybox-rootfs: $busybox is not statically linked: install busybox-static" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/busybox-rootfs.XXXXXX")
trap 'rm -rf "$dir"' EXIT

mkdir -p "$dir"/{bin,etc,tmp,root,home,dev,proc,sys,var,usr}
chmod 755 "$dir"
chmod 1777 "$dir/tmp"
chmod 700 "$dir/root"
cp "$busybox" "$dir/bin/busybox"
chmod 755 "$dir/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] && continue
  ln -s busybox "$dir/bin/$applet"
done
cat > "$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
cat > "$dir/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
GROUP
chmod 644 "$dir/etc/passwd" "$dir/etc/group"
if [ "$pad_mb" -gt 0 ]; then
  head -c "$((pad_mb * 1024 * 1024))" /dev/urandom > "$dir/pad"
fi

tar_args=(-C "$dir" --numeric-owner --owner=0 --group=0 --sort=name --mtime='2024-01-01 00:00:00Z' -cf)
if [ "$out" = - ]; then
  tar "${tar_args[@]}" - .
else
  tar "${tar_args[@]}" "$out" .
fi
