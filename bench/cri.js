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
 */
const { spawn, execFileSync } = require('node:child_process');
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

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-cri-'));
  const ns = `berth-bench-cri-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  let daemon;
  let cri;
  try {
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const confDir = path.join(tmp, 'net.d');
    fs.mkdirSync(confDir);
    fs.writeFileSync(
      path.join(confDir, '10-bench.conflist'),
      JSON.stringify({
        cniVersion: '0.4.0',
        name: 'bench-pods',
        plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.91.0.0/24' }]], dataDir: path.join(tmp, 'ipam') } }],
      }),
    );
    const sock = path.join(tmp, 'berthd.sock');
    const criSock = path.join(tmp, 'cri.sock');
    const out = fs.openSync(path.join(tmp, 'berthd.log'), 'a');
    daemon = spawn(
      'nsenter',
      [`--net=/var/run/netns/${ns}`, process.execPath, common.berthdBin, '--data-root', path.join(tmp, 'root'), '-H', `unix://${sock}`, '--log-level', 'warn', '--cri-socket', `unix://${criSock}`, '--cni-conf-dir', confDir, '--cni-bin-dir', '/usr/lib/cni'],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    for (let i = 0; i < 300 && !fs.existsSync(criSock); i++) await common.sleep(100);
    if (!fs.existsSync(criSock)) throw new Error(`berthd did not start:\n${fs.readFileSync(path.join(tmp, 'berthd.log'), 'utf8').slice(-3000)}`);
    const rootfs = path.join(tmp, 'busybox.tar');
    execFileSync(common.makeRootfs, ['-o', rootfs], { stdio: 'ignore' });
    const env = { ...process.env, BERTH_HOST: `unix://${sock}` };
    execFileSync(common.berthBin, ['import', rootfs, 'busybox:latest'], { env, stdio: 'ignore' });
    execFileSync(common.berthBin, ['import', '-c', 'CMD ["sleep","2147483647"]', rootfs, 'registry.k8s.io/pause:3.9'], { env, stdio: 'ignore' });
    cri = criClient(`unix://${criSock}`);

    const runs = { runPodCni: [], runPodHost: [], createStartCni: [], createStartHost: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const host of [false, true]) {
        const nsOpts = host ? { network: 2, pid: 1, ipc: 2 } : {};
        const config = { metadata: { name: `b${i}${host ? 'h' : ''}`, namespace: 'bench', uid: `u${i}${host ? 'h' : ''}`, attempt: 0 }, linux: { security_context: { namespace_options: nsOpts } } };
        const { ms, r } = await timed(() => cri.call('RunPodSandbox', { config }));
        runs[host ? 'runPodHost' : 'runPodCni'].push(ms);
        {
          const cc = await timed(async () => {
            const { container_id } = await cri.call('CreateContainer', {
              pod_sandbox_id: r.pod_sandbox_id,
              sandbox_config: config,
              config: { metadata: { name: 'c', attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: nsOpts } } },
            });
            await cri.call('StartContainer', { container_id });
          });
          runs[host ? 'createStartHost' : 'createStartCni'].push(cc.ms);
        }
        await cri.call('StopPodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
        await cri.call('RemovePodSandbox', { pod_sandbox_id: r.pod_sandbox_id });
      }
    }
    const r = {
      runs: RUNS,
      runPodSandboxCniMs: common.median(runs.runPodCni),
      runPodSandboxHostNetworkMs: common.median(runs.runPodHost),
      createStartContainerCniMs: common.median(runs.createStartCni),
      createStartContainerHostNetworkMs: common.median(runs.createStartHost),
    };
    console.log(JSON.stringify(r, null, 2));
    common.printRows([
      ['RunPodSandbox, CNI bridge (median)', `${r.runPodSandboxCniMs.toFixed(1)} ms`, 'containerd: not installed here'],
      ['RunPodSandbox, host network (median)', `${r.runPodSandboxHostNetworkMs.toFixed(1)} ms`, ''],
      ['CreateContainer + StartContainer, CNI pod (median)', `${r.createStartContainerCniMs.toFixed(1)} ms`, ''],
      ['CreateContainer + StartContainer, host-network pod (median)', `${r.createStartContainerHostNetworkMs.toFixed(1)} ms`, ''],
    ]);
  } finally {
    cri?.close();
    await common.stopProcess(daemon);
    common.unmountBelow(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

main().catch((e) => {
  console.error(`bench cri: ${e.stack || e}`);
  process.exit(1);
});
