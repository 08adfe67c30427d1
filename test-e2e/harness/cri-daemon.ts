import * as fs from 'node:fs';
import * as path from 'node:path';
import { busyboxRootfsTar } from './busybox';
import { clientsFor } from './clients';
import { criClient, type CriClient } from './cri-client';
import { BerthDaemon } from './daemon';
import { ok } from './expect-exit';
import type { NetNs } from './netns';

/** Debian's containernetworking-plugins. */
const CNI_BIN = '/usr/lib/cni';

/**
 * A CNI configuration dir `DIR/net.d` holding one conflist `name`: a `bridge` (cni0, gateway, no
 * masquerade) with host-local addresses from `subnet` (its state in `DIR/ipam`), and `portmap`
 * when `portMappings` is set. Returns the conf dir, for `startCriDaemon`.
 */
export function writeBridgeCniConf(dir: string, name: string, subnet: string, opts: { portMappings?: boolean } = {}): string {
  const confDir = path.join(dir, 'net.d');
  fs.mkdirSync(confDir);
  const bridge = { type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: path.join(dir, 'ipam') } };
  const plugins = opts.portMappings ? [bridge, { type: 'portmap', capabilities: { portMappings: true } }] : [bridge];
  fs.writeFileSync(path.join(confDir, '10-pods.conflist'), JSON.stringify({ cniVersion: '0.4.0', name, plugins }));
  return confDir;
}

/**
 * berthd inside `ns` with its CRI endpoint on and the CNI configuration of `confDir`, with
 * `busybox:latest` and the pause image (`registry.k8s.io/pause:3.9`) imported, and a CRI client.
 * The daemon is disposed if the imports fail.
 */
export async function startCriDaemon(ns: NetNs, confDir: string, extraArgs: string[] = []): Promise<{ d: BerthDaemon; cri: CriClient }> {
  const d = await BerthDaemon.start({ netns: ns, cri: true, args: ['--cni-conf-dir', confDir, '--cni-bin-dir', CNI_BIN, ...extraArgs] });
  try {
    const c = clientsFor(d);
    ok(await c.berth(['import', busyboxRootfsTar(), 'busybox:latest']));
    ok(await c.berth(['import', '-c', 'CMD ["sleep","2147483647"]', busyboxRootfsTar(), 'registry.k8s.io/pause:3.9']));
  } catch (e) {
    await d.dispose();
    throw e;
  }
  return { d, cri: criClient(d.criAddress) };
}

/** Undoes `startCriDaemon` and the namespace: closes the client, disposes berthd, deletes `ns`. */
export async function stopCriDaemon(cri: CriClient | undefined, d: BerthDaemon | undefined, ns: NetNs | undefined): Promise<void> {
  cri?.close();
  try {
    await d?.dispose();
  } finally {
    ns?.delete();
  }
}
