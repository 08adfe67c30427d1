#!/usr/bin/env bash
# Runs critest (Kubernetes' CRI validation suite, kubernetes-sigs/cri-tools) against berthd, offline:
#
#   scripts/critest.sh --critest /path/to/critest [--focus REGEX] [--skip REGEX] [--keep] [-- critest args]
#
# What it does (root; the repository built with `npm run build`):
#  1. a network namespace of its own (berth-critest-<pid>), loopback up; everything below runs in it
#     (nsenter --net, so pods' CNI bridge, veths and traffic never touch the host's namespace);
#  2. berth-registry on 127.0.0.1:5000 and berthd with its CRI socket, a CNI bridge + host-local +
#     portmap conflist (plugins from /usr/lib/cni, Debian's containernetworking-plugins), and
#     registry mirrors for registry.k8s.io, gcr.io and k8s.gcr.io pointing at that registry;
#  3. stand-ins for critest's images, built from the host's static busybox (scripts/make-busybox-rootfs.sh
#     --hardlinks) plus, where a spec runs a tool busybox-static lacks, the host's own program and its
#     libraries (procps pgrep, util-linux ipcs), and two small static programs built here from
#     scripts/critest/*.c (nginx and pause stand-ins, the nonewprivs program); pushed to the registry, then
#     removed from berthd so that critest pulls them through the mirror;
#  4. critest against the CRI socket; its output in WORKDIR/critest.log, the counts on stdout;
#  5. clean-up: pods, berthd, registry, mounts, the namespace and WORKDIR (unless --keep).
#
# Not part of `npm test`: critest is not in the repository (build it from cri-tools, or take the
# static binary the project keeps beside it). Needs: gcc with a static libc (libc6-dev), busybox-static,
# containernetworking-plugins, procps, util-linux (ipcmk for the HostIpc spec). One spec cannot pass
# offline: "public image with digest" pulls a pinned digest of gcr.io that no stand-in can reproduce.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
critest=${CRITEST:-}
focus=''
skip=''
keep=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --critest) critest=$2; shift 2 ;;
    --focus) focus=$2; shift 2 ;;
    --skip) skip=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "critest.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$critest" ] && [ -x "$critest" ] || { echo "critest.sh: give the critest binary with --critest PATH (or CRITEST=PATH)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "critest.sh: run as root (namespaces, mounts)" >&2; exit 2; }
for f in "$repo/packages/daemon/bin/berthd.js" "$repo/packages/cri/dist/index.js"; do
  [ -e "$f" ] || { echo "critest.sh: $f missing: run npm run build" >&2; exit 2; }
done

ns=berth-critest-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-critest.XXXXXX")
NS=(nsenter "--net=/var/run/netns/$ns")
reg_pid=''
berthd_pid=''
berth() { "${NS[@]}" "$repo/packages/cli/bin/berth" -H "unix://$work/berthd.sock" "$@"; }

cleanup() {
  set +e
  if [ -n "$berthd_pid" ] && kill -0 "$berthd_pid" 2>/dev/null; then
    # pods critest left behind (a failed spec's AfterEach), then berthd itself
    for id in $(berth ps -aq --filter label=io.berth.namespace=k8s.io 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1; done
    kill "$berthd_pid"
    for _ in $(seq 1 100); do kill -0 "$berthd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$berthd_pid" 2>/dev/null && kill -9 "$berthd_pid"
  fi
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null
  wait 2>/dev/null
  # anything still mounted below the work directory (container roots, netns binds), deepest first
  awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  ip netns del "$ns" 2>/dev/null
  if [ "$keep" = 1 ]; then echo "critest.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up

# --- registry and berthd -----------------------------------------------------------------------
mkdir -p "$work/net.d" "$work/reg"
cat > "$work/net.d/10-critest.conflist" <<JSON
{"cniVersion":"0.4.0","name":"critest-pods","plugins":[
 {"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.90.0.0/16"}]],"dataDir":"$work/ipam"}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}
JSON
"${NS[@]}" node "$repo/packages/registry/bin/berth-registry.js" serve --addr 127.0.0.1:5000 --data-root "$work/reg" > "$work/registry.log" 2>&1 &
reg_pid=$!
mirror=http://127.0.0.1:5000
"${NS[@]}" node "$repo/packages/daemon/bin/berthd.js" --config-file "" --data-root "$work/root" -H "unix://$work/berthd.sock" \
  --cri-socket "unix://$work/cri.sock" --cni-conf-dir "$work/net.d" --cni-bin-dir /usr/lib/cni \
  --registry-mirror "registry.k8s.io=$mirror" --registry-mirror "gcr.io=$mirror" --registry-mirror "k8s.gcr.io=$mirror" \
  --log-level info > "$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 1 300); do [ -S "$work/cri.sock" ] && break; sleep 0.1; done
[ -S "$work/cri.sock" ] || { echo "critest.sh: berthd did not start:" >&2; tail -20 "$work/berthd.log" >&2; exit 1; }

# --- stand-in images ---------------------------------------------------------------------------
# a host program with the shared libraries it loads (ldd), at the same paths in ROOT
add_host_program() {
  local root=$1 prog=$2
  install -D -m 755 "$prog" "$root$prog"
  for lib in $(ldd "$prog" | awk '/=>/ { print $3 } /^[ \t]*\/.*ld-linux/ { print $1 }'); do
    [ -e "$root$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
  done
}
base=$work/standins/base
mkdir -p "$base"
"$repo/scripts/make-busybox-rootfs.sh" | tar -C "$base" -xf -
# The busybox of the real image runs commands from PATH (the MaskedPaths spec masks /bin/ls and
# expects `sh -c ls` to fail); Debian's busybox-static prefers its own applets (a rescue shell), so
# the stand-ins take Debian's dynamically linked `busybox` package (fetched, not installed: it
# conflicts with busybox-static) when apt can get it; its applets as hard links, as in the image.
deb=${BUSYBOX_DEB:-}
if [ -z "$deb" ]; then
  (cd "$work" && apt-get download busybox >/dev/null 2>&1) || true
  deb=$(ls "$work"/busybox_*.deb 2>/dev/null | head -1 || true)
fi
if [ -n "$deb" ] && dpkg-deb -x "$deb" "$work/busybox-deb" && [ -x "$work/busybox-deb/bin/busybox" ]; then
  find "$base/bin" -mindepth 1 -delete
  add_host_program "$base" "$work/busybox-deb/bin/busybox"
  mv "$base$work/busybox-deb/bin/busybox" "$base/bin/busybox"
  rm -rf "${base:?}/${work#/}"
  for applet in $("$base/bin/busybox" --list); do [ "$applet" = busybox ] || ln "$base/bin/busybox" "$base/bin/$applet"; done
else
  echo "critest.sh: Debian's busybox package not available (BUSYBOX_DEB=FILE.deb to give it): busybox-static's applet shell; the MaskedPaths spec will fail" >&2
  for f in "$base"/bin/*; do [ -L "$f" ] && ln -f "$base/bin/busybox" "$f"; done
fi
# busybox's own image: its users and groups (www-data 33, users 100)
cat > "$base/etc/passwd" <<'TXT'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
TXT
cat > "$base/etc/group" <<'TXT'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
TXT
mkdir -p "$base/var/run" "$base/usr/bin" "$base/usr/sbin" "$base/usr/local/bin"

# busybox 1.29's image has pgrep and ipcs applets; Debian's busybox-static has neither
add_host_program "$base" /usr/bin/pgrep
add_host_program "$base" /usr/bin/ipcs

mkdir -p "$work/bin"
gcc -static -O2 -o "$work/bin/nginx" "$repo/scripts/critest/nginx-standin.c"
gcc -static -O2 -o "$work/bin/nonewprivs" "$repo/scripts/critest/nonewprivs-standin.c"
gcc -static -O2 -o "$work/bin/pause" "$repo/scripts/critest/pause-standin.c"

# standin NAME [import -c changes...] -- builds $work/standins/NAME from base (edit it in between
# with `variant NAME` + commands, then `push_standin NAME REF... -- CHANGES`)
variant() { rm -rf "$work/standins/$1"; cp -a "$base" "$work/standins/$1"; echo "$work/standins/$1"; }
push_standin() {
  local dir=$work/standins/$1; shift
  local refs=() changes=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do refs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  # the busybox image's PATH (exec'd commands such as pgrep are looked up in it)
  changes=(-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  for c in "$@"; do changes+=(-c "$c"); done
  tar -C "$dir" --numeric-owner --sort=name --mtime='2024-01-01 00:00:00Z' -cf "$dir.tar" .
  local first=127.0.0.1:5000/${refs[0]}
  berth import "${changes[@]}" "$dir.tar" "$first" >/dev/null
  for r in "${refs[@]}"; do
    [ "127.0.0.1:5000/$r" = "$first" ] || berth tag "$first" "127.0.0.1:5000/$r"
    berth push "127.0.0.1:5000/$r" >/dev/null
  done
  for r in "${refs[@]}"; do berth rmi "127.0.0.1:5000/$r" >/dev/null; done
  rm -f "$dir.tar"
}

E2E=e2e-test-images
CRI=k8s-staging-cri-tools

d=$(variant busybox)
push_standin busybox "$E2E/busybox:1.29-2" -- 'CMD ["sh"]'
d=$(variant pause)
install -m 755 "$work/bin/pause" "$d/pause"
push_standin pause pause:3.9 -- 'ENTRYPOINT ["/pause"]'

d=$(variant nginx)
install -m 755 "$work/bin/nginx" "$d/usr/sbin/nginx"
mkdir -p "$d/usr/share/nginx/html" "$d/etc/nginx"
printf '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n' > "$d/usr/share/nginx/html/index.html"
echo 80 > "$d/etc/nginx/listen"
push_standin nginx "$E2E/nginx:1.14-2" -- 'CMD ["nginx","-g","daemon off;"]' 'EXPOSE 80'
echo 12003 > "$d/etc/nginx/listen"
push_standin nginx "$CRI/hostnet-nginx-amd64:latest" -- 'CMD ["nginx","-g","daemon off;"]' 'EXPOSE 12003'

d=$(variant httpd)
mkdir -p "$d/usr/local/apache2/htdocs"
echo '<html><body><h1>It works!</h1></body></html>' > "$d/usr/local/apache2/htdocs/index.html"
# httpd's image logs its command line at start (AH00094) and serves htdocs on :80
cat > "$d/usr/local/bin/httpd-foreground" <<'SH'
#!/bin/sh
echo "[core:notice] [pid $$] AH00094: Command line: 'httpd -D FOREGROUND'" >&2
exec httpd -f -p 80 -h /usr/local/apache2/htdocs
SH
chmod 755 "$d/usr/local/bin/httpd-foreground"
push_standin httpd "$E2E/httpd:2.4.39-4" -- 'CMD ["httpd-foreground"]' 'EXPOSE 80'

d=$(variant nonewprivs)
install -m 4755 "$work/bin/nonewprivs" "$d/usr/local/bin/nnp"
push_standin nonewprivs "$E2E/nonewprivs:1.3" -- 'ENTRYPOINT ["/usr/local/bin/nnp"]'

# cri-tools' images/image-test: busybox + a file named after the image (each a different image)
for t in test-image-1 test-image-2 test-image-3 test-image-latest; do
  d=$(variant "$t"); echo "$t" > "$d/$t"
  push_standin "$t" "$CRI/$t:latest" -- 'CMD ["sh"]'
done
d=$(variant test-image-tag); echo test-image-tag > "$d/test-image-tag"
push_standin test-image-tag "$CRI/test-image-tag:test" "$CRI/test-image-tag:all" -- 'CMD ["sh"]'
d=$(variant test-image-tags); echo test-image-tags > "$d/test-image-tags"
push_standin test-image-tags "$CRI/test-image-tags:1" "$CRI/test-image-tags:2" "$CRI/test-image-tags:3" -- 'CMD ["sh"]'
# images/image-user: busybox with USER set
push_standin busybox "$CRI/test-image-user-uid:latest" -- 'CMD ["sh"]' 'USER 1002'
push_standin busybox "$CRI/test-image-user-username:latest" -- 'CMD ["sh"]' 'USER www-data'
push_standin busybox "$CRI/test-image-user-uid-group:latest" -- 'CMD ["sh"]' 'USER 1003:users'
push_standin busybox "$CRI/test-image-user-username-group:latest" -- 'CMD ["sh"]' 'USER www-data:100'
# images/image-predefined-group: default-user 1000 in group-defined-in-image 50000
d=$(variant predefined-group)
echo 'default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh' >> "$d/etc/passwd"
printf 'default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n' >> "$d/etc/group"
mkdir -p "$d/home/default-user" && chown 1000:1000 "$d/home/default-user"
push_standin predefined-group "$CRI/test-image-predefined-group:latest" -- 'CMD ["sh"]' 'USER 1000'

# --- critest -----------------------------------------------------------------------------------
args=(-runtime-endpoint "unix://$work/cri.sock" -image-endpoint "unix://$work/cri.sock" -ginkgo.no-color)
[ -n "$focus" ] && args+=("-ginkgo.focus=$focus")
[ -n "$skip" ] && args+=("-ginkgo.skip=$skip")
echo "critest.sh: running critest (log: $work/critest.log)" >&2
set +e
(cd "$work" && "${NS[@]}" "$critest" "${args[@]}" "${extra[@]}") > "$work/critest.log" 2>&1
rc=$?
set -e
grep -E '^\s*\[FAIL\]' "$work/critest.log" || true
grep -E '^Ran [0-9]+ of|Passed \|' "$work/critest.log" || tail -20 "$work/critest.log"
if [ "$keep" = 0 ]; then cp "$work/critest.log" "${CRITEST_LOG:-/tmp/berth-critest.log}"; echo "critest.sh: log copied to ${CRITEST_LOG:-/tmp/berth-critest.log}" >&2; fi
exit $rc
