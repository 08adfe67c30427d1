'use strict';
/**
 * The CRI endpoint (issue 13), alone: `node bench/cri.js` (root). A berthd of its own inside a
 * network namespace made for the run (pods get a CNI bridge there, never in the host's
 * namespace), driven by a gRPC client from the repository (@berth/cri's proto), as kubelet
 * drives it. Medians of BENCH_RUNS (default 15):
 * - RunPodSandbox with a CNI bridge + host-local network (pause container + CNI ADD), and with
 *   the host's network (no CNI);
 * - CreateContainer + StartContainer of one busybox container in a ready pod (joining the pod's
 *   namespaces, or the host's network).
 * Every pod is stopped and removed (untimed) after its round; the namespace and temp dir go at the end.
 *
 * Side by side with containerd (its CRI plugin) when `containerd` is installed (Debian's
 * `containerd`; BENCH_CRI_CONTAINERD=0 skips it): a containerd of its own in a second namespace,
 * root/state/socket in the temp dir, the same CNI conflist and plugins, the same stand-in images
 * (berth save → ctr import), the same gRPC client and the same rounds. After it: its pods removed,
 * containerd stopped, its mounts, its shims' /run/containerd and its /k8s.io cgroups (when they
 * did not exist before) and the pinned pod namespaces it made under /run/netns removed.
 *
 * BENCH_CRICTL=PATH: every timed call through that crictl instead (one process per call).
 */
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const common = require('./common');

const RUNS = Number(process.env.BENCH_RUNS || 15);

function criClient(address) {
  const grpc = require('@grpc/grpc-js');
  const { loadCriServices } = require(path.join(common.repoRoot, 'packages', 'cri', 'dist'));
  const { RuntimeService } = loadCriServices();
  const rt = new RuntimeService(address, grpc.credentials.createInsecure());
  const call = (m, req) =>
    new Promise((resolve, reject) => rt[m](req, { deadline: Date.now() + 60_000 }, (e, r) => (e ? reject(e) : resolve(r))));
  return { call, close: () => rt.close() };
}

/**
 * The same calls through crictl (BENCH_CRICTL=PATH): one crictl process per call, as a person or
 * a script drives a runtime; the request objects are crictl's JSON files (the CRI's field names).
 */
function crictlClient(crictl, address, dir) {
  let n = 0;
  const file = (obj) => {
    const f = path.join(dir, `crictl-${n++}.json`);
    fs.writeFileSync(f, JSON.stringify(obj));
    return f;
  };
  const run = (args) => execFileSync(crictl, ['--runtime-endpoint', address, '--image-endpoint', address, '--timeout', '60s', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const calls = {
    RunPodSandbox: (r) => ({ pod_sandbox_id: run(['runp', file(r.config)]) }),
    CreateContainer: (r) => ({ container_id: run(['create', '--no-pull', r.pod_sandbox_id, file(r.config), file(r.sandbox_config)]) }),
    StartContainer: (r) => run(['start', r.container_id]) && {},
    StopPodSandbox: (r) => run(['stopp', r.pod_sandbox_id]) && {},
    RemovePodSandbox: (r) => run(['rmp', r.pod_sandbox_id]) && {},
  };
  const grpc = criClient(address); // the rest (status, clean-up lists) by gRPC
  return {
    call: async (m, req) => (calls[m] ? calls[m](req) : grpc.call(m, req)),
    close: () => grpc.close(),
  };
}

/** The client the rounds use: the repository's gRPC client, or crictl when BENCH_CRICTL names it. */
function clientFor(address, dir) {
  return process.env.BENCH_CRICTL ? crictlClient(process.env.BENCH_CRICTL, address, dir) : criClient(address);
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

function writeConflist(confDir, subnet, ipamDir) {
  fs.mkdirSync(confDir, { recursive: true });
  fs.writeFileSync(
    path.join(confDir, '10-bench.conflist'),
    JSON.stringify({
      cniVersion: '0.4.0',
      name: 'bench-pods',
      plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: ipamDir } }],
    }),
  );
}

async function waitFor(file, what, logFile) {
  for (let i = 0; i < 300 && !fs.existsSync(file); i++) await common.sleep(100);
  if (!fs.existsSync(file)) throw new Error(`${what} did not start:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

/** The rounds, the same for every runtime: medians of RUNS. */
async function rounds(cri) {
  const runs = { runPodCni: [], runPodHost: [], createStartCni: [], createStartHost: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const host of [false, true]) {
      const nsOpts = host ? { network: 2, pid: 1, ipc: 2 } : {};
      const config = { metadata: { name: `b${i}${host ? 'h' : ''}`, namespace: 'bench', uid: `u${i}${host ? 'h' : ''}`, attempt: 0 }, linux: { security_context: { namespace_options: nsOpts } } };
      const { ms, r } = await timed(() => cri.call('RunPodSandbox', { config }));
      runs[host ? 'runPodHost' : 'runPodCni'].push(ms);
      const cc = await timed(async () => {
        const { container_id } = await cri.call('CreateContainer', {
          pod_sandbox_id: r.pod_sandbox_id,
          sandbox_config: config,
          config: { metadata: { name: 'c', attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: nsOpts } } },
        });
        await cri.call('StartContainer', { container_id });
      });
      runs[host ? 'createStartHost' : 'createStartCni'].push(cc.ms);
      await cri.call('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
      await cri.call('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
    }
  }
  return {
    runPodSandboxCniMs: common.median(runs.runPodCni),
    runPodSandboxHostNetworkMs: common.median(runs.runPodHost),
    createStartContainerCniMs: common.median(runs.createStartCni),
    createStartContainerHostNetworkMs: common.median(runs.createStartHost),
  };
}

function withNetns(ns) {
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  return () => execFileSync('ip', ['netns', 'del', ns]);
}

/** berthd's rounds; also leaves the stand-in images as docker archives in `tmp` for containerd. */
async function benchBerthd(tmp) {
  const ns = `berth-bench-cri-${process.pid}`;
  const delNs = withNetns(ns);
  let daemon;
  let cri;
  try {
    const confDir = path.join(tmp, 'net.d');
    writeConflist(confDir, '10.91.0.0/24', path.join(tmp, 'ipam'));
    const sock = path.join(tmp, 'berthd.sock');
    const criSock = path.join(tmp, 'cri.sock');
    const log = path.join(tmp, 'berthd.log');
    const out = fs.openSync(log, 'a');
    daemon = spawn(
      'nsenter',
      [`--net=/var/run/netns/${ns}`, process.execPath, common.berthdBin, '--config-file', '', '--data-root', path.join(tmp, 'root'), '-H', `unix://${sock}`, '--log-level', 'warn', '--cri-socket', `unix://${criSock}`, '--cni-conf-dir', confDir, '--cni-bin-dir', '/usr/lib/cni'],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    await waitFor(criSock, 'berthd', log);
    const rootfs = path.join(tmp, 'busybox.tar');
    execFileSync(common.makeRootfs, ['-o', rootfs], { stdio: 'ignore' });
    const env = { ...process.env, BERTH_HOST: `unix://${sock}` };
    // PATH in the image as busybox's has it (containerd, unlike berthd and dockerd, adds none)
    const envPath = ['-c', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
    execFileSync(common.berthBin, ['import', ...envPath, rootfs, 'busybox:latest'], { env, stdio: 'ignore' });
    execFileSync(common.berthBin, ['import', ...envPath, '-c', 'CMD ["sleep","2147483647"]', rootfs, 'registry.k8s.io/pause:3.9'], { env, stdio: 'ignore' });
    execFileSync(common.berthBin, ['save', '-o', path.join(tmp, 'images.tar'), 'busybox:latest', 'registry.k8s.io/pause:3.9'], { env, stdio: 'ignore' });
    cri = clientFor(`unix://${criSock}`, tmp);
    return await rounds(cri);
  } finally {
    cri?.close();
    await common.stopProcess(daemon);
    common.unmountBelow(tmp);
    delNs();
  }
}

function hasContainerd() {
  if (process.env.BENCH_CRI_CONTAINERD === '0') return false;
  return spawnSync('containerd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** containerd's rounds (its CRI plugin), same conflist, images and client as berthd's. */
async function benchContainerd(tmp) {
  const ns = `berth-bench-ctrd-${process.pid}`;
  const dir = path.join(tmp, 'containerd');
  const runExisted = fs.existsSync('/run/containerd');
  // containerd's CRI puts pods without a cgroup parent under /k8s.io in every v1 hierarchy
  const cgroupDirs = fs.existsSync('/sys/fs/cgroup') ? fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, 'k8s.io')) : [];
  const cgroupsBefore = new Set(cgroupDirs.filter((d) => fs.existsSync(d)));
  const netnsBefore = new Set(fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []);
  const delNs = withNetns(ns);
  let daemon;
  let cri;
  const sock = path.join(dir, 'containerd.sock');
  try {
    const confDir = path.join(dir, 'net.d');
    writeConflist(confDir, '10.92.0.0/24', path.join(dir, 'ipam'));
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(
      config,
      [
        'version = 2',
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        '[grpc]',
        `  address = "${sock}"`,
        '[ttrpc]',
        `  address = "${sock}.ttrpc"`,
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = "${dir}/opt"`,
        '[plugins."io.containerd.grpc.v1.cri"]',
        '  sandbox_image = "registry.k8s.io/pause:3.9"',
        // no CAP_SYS_RESOURCE here: kubelet's negative OOM scores clamped (berthd does the same)
        '  restrict_oom_score_adj = true',
        '  [plugins."io.containerd.grpc.v1.cri".cni]',
        '    bin_dir = "/usr/lib/cni"',
        `    conf_dir = "${confDir}"`,
        '  [plugins."io.containerd.grpc.v1.cri".containerd]',
        '    snapshotter = "overlayfs"',
        '',
      ].join('\n'),
    );
    const log = path.join(dir, 'containerd.log');
    const out = fs.openSync(log, 'a');
    daemon = spawn('nsenter', [`--net=/var/run/netns/${ns}`, 'containerd', '--config', config], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    await waitFor(sock, 'containerd', log);
    execFileSync('ctr', ['--address', sock, '--namespace', 'k8s.io', 'images', 'import', path.join(tmp, 'images.tar')], { stdio: 'ignore' });
    cri = clientFor(`unix://${sock}`, dir);
    await cri.call('Status', {}); // the CRI plugin is up
    return await rounds(cri);
  } finally {
    if (cri) {
      // pods a failed round left (RemovePodSandbox removes their containers)
      const left = await cri.call('ListPodSandbox', {}).catch(() => ({ items: [] }));
      for (const p of left.items ?? []) {
        await cri.call('StopPodSandbox', { pod_sandbox_id: p.id }).catch(() => undefined);
        await cri.call('RemovePodSandbox', { pod_sandbox_id: p.id }).catch(() => undefined);
      }
      cri.close();
    }
    await common.stopProcess(daemon);
    common.unmountBelow(dir);
    // the pinned pod namespaces containerd made (cni-<uuid>) and the shims' state under /run/containerd
    for (const n of fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []) {
      if (n.startsWith('cni-') && !netnsBefore.has(n)) spawnSync('ip', ['netns', 'del', n]);
    }
    for (const d of cgroupDirs) if (!cgroupsBefore.has(d) && fs.existsSync(d)) spawnSync('rmdir', [d]);
    if (!runExisted) {
      common.unmountBelow('/run/containerd/');
      fs.rmSync('/run/containerd', { recursive: true, force: true });
    }
    delNs();
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-cri-'));
  try {
    const r = { runs: RUNS, client: process.env.BENCH_CRICTL ? 'crictl' : 'grpc', berthd: await benchBerthd(tmp), ...(hasContainerd() ? { containerd: await benchContainerd(tmp) } : {}) };
    console.log(JSON.stringify(r, null, 2));
    const c = r.containerd;
    const other = (k) => (c ? `containerd ${c[k].toFixed(1)} ms` : 'containerd: not installed here');
    common.printRows([
      ['RunPodSandbox, CNI bridge (median)', `${r.berthd.runPodSandboxCniMs.toFixed(1)} ms`, other('runPodSandboxCniMs')],
      ['RunPodSandbox, host network (median)', `${r.berthd.runPodSandboxHostNetworkMs.toFixed(1)} ms`, other('runPodSandboxHostNetworkMs')],
      ['CreateContainer + StartContainer, CNI pod (median)', `${r.berthd.createStartContainerCniMs.toFixed(1)} ms`, other('createStartContainerCniMs')],
      ['CreateContainer + StartContainer, host-network pod (median)', `${r.berthd.createStartContainerHostNetworkMs.toFixed(1)} ms`, other('createStartContainerHostNetworkMs')],
    ]);
  } finally {
    common.unmountBelow(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench cri: ${e.stack || e}`);
  process.exit(1);
});
