/**
 * The CRI streaming server (issue 13): Exec, Attach and PortForward answer a one-time URL on
 * berthd's streaming server, which speaks Kubernetes' remotecommand (v4.channel.k8s.io) and
 * portforward (portforward.k8s.io) protocols over SPDY/3.1, as kubelet's proxy and crictl do.
 * berthd runs inside a network namespace the test made (network safety), pods get a CNI bridge;
 * the test reaches the streaming server (on the namespace's loopback) through a socket connected
 * from inside that namespace. The client is the harness's own SPDY/3 client (spdy-client.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dialInNetns } from '@berth/network';
import { BerthDaemon, NetNs, scratchDir, sleep, spdyConnect, startCriDaemon, stopCriDaemon, waitFor, type CriClient, type SpdyClientSession } from './harness';

const V4 = 'v4.channel.k8s.io';
/** `--cri-stream-address` (the namespace's own loopback: any port is free there). */
const STREAM_PORT = 10010;

describe('CRI streaming: exec, attach, port-forward over SPDY/3.1 (berthd in a network namespace of the test)', () => {
  let ns: NetNs;
  let d: BerthDaemon;
  let cri: CriClient;
  let work: string;
  let podId: string;
  let ctrId: string;

  /** Upgrades a URL from the CRI (on the namespace's loopback) to a SPDY session. */
  const connect = async (url: string, protocols = [V4]): Promise<SpdyClientSession> => {
    const port = Number(new URL(url).port);
    const r = await spdyConnect(url, protocols, () => dialInNetns(ns.path, port));
    if ('status' in r) throw new Error(`upgrade refused: ${r.status} ${r.body}`);
    return r;
  };

  beforeAll(async () => {
    work = scratchDir('cri-streaming');
    const confDir = path.join(work, 'net.d');
    fs.mkdirSync(confDir);
    fs.writeFileSync(
      path.join(confDir, '10-pods.conflist'),
      JSON.stringify({
        cniVersion: '0.4.0',
        name: 'be2e-stream',
        plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.89.3.0/24' }]], dataDir: path.join(work, 'ipam') } }],
      }),
    );
    ns = NetNs.create('cristream');
    ({ d, cri } = await startCriDaemon(ns, confDir, ['--cri-stream-address', `127.0.0.1:${STREAM_PORT}`]));
    const config = { metadata: { name: 'sp', namespace: 'default', uid: 'uid-sp', attempt: 0 }, hostname: 'sp', log_directory: path.join(work, 'logs'), linux: {} };
    ({ pod_sandbox_id: podId } = await cri.runtime('RunPodSandbox', { config }));
    ({ container_id: ctrId } = await cri.runtime('CreateContainer', {
      pod_sandbox_id: podId,
      config: {
        metadata: { name: 'echo' },
        image: { image: 'busybox:latest' },
        command: ['sh', '-c', 'mkdir -p /www && echo pf-body > /www/index.html && httpd -p 8080 -h /www && while read l; do echo got:$l; done; sleep 3600'],
        stdin: true,
        log_path: 'echo.log',
        linux: {},
      },
      sandbox_config: config,
    }));
    await cri.runtime('StartContainer', { container_id: ctrId });
  }, 120_000);

  afterAll(() => stopCriDaemon(cri, d, ns), 60_000);

  it('Exec (no TTY): stdout and stderr apart, the exit code as a NonZeroExitCode status; the URL works once', async () => {
    const { url } = await cri.runtime('Exec', { container_id: ctrId, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true });
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${STREAM_PORT}/exec/[A-Za-z0-9_-]+$`));
    const s = await connect(url);
    expect(s.protocol).toBe(V4);
    const error = s.open({ streamtype: 'error' });
    const stdout = s.open({ streamtype: 'stdout' });
    const stderr = s.open({ streamtype: 'stderr' });
    await Promise.all([error.replied, stdout.replied, stderr.replied]);
    expect((await stdout.done).toString()).toBe('out\n');
    expect((await stderr.done).toString()).toBe('err\n');
    const status = JSON.parse((await error.done).toString());
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    await s.closed;
    // single use
    const again = await spdyConnect(url, [V4], () => dialInNetns(ns.path, Number(new URL(url).port)));
    expect(again).toMatchObject({ status: 404 });
  });

  it('Exec with stdin: bytes in, bytes out, Success at the end', async () => {
    const { url } = await cri.runtime('Exec', { container_id: ctrId, cmd: ['cat'], stdin: true, stdout: true, stderr: true });
    const s = await connect(url);
    const error = s.open({ streamtype: 'error' });
    const stdin = s.open({ streamtype: 'stdin' });
    const stdout = s.open({ streamtype: 'stdout' });
    s.open({ streamtype: 'stderr' });
    await stdout.replied;
    stdin.write('hello over spdy\n');
    stdin.end();
    expect((await stdout.done).toString()).toBe('hello over spdy\n');
    expect(JSON.parse((await error.done).toString())).toEqual({ metadata: {}, status: 'Success' });
  });

  it('Exec with a TTY: the first resize is the terminal size; tty and stderr together are refused', async () => {
    const { url } = await cri.runtime('Exec', { container_id: ctrId, cmd: ['sh', '-c', 'stty size; tty'], tty: true, stdout: true });
    const s = await connect(url);
    const error = s.open({ streamtype: 'error' });
    const stdout = s.open({ streamtype: 'stdout' });
    const resize = s.open({ streamtype: 'resize' });
    await resize.replied;
    resize.write(JSON.stringify({ Width: 91, Height: 33 }));
    const out = (await stdout.done).toString();
    expect(out).toMatch(/^33 91\r\n\/dev\/pts\/\d+\r\n$/);
    expect(JSON.parse((await error.done).toString())).toMatchObject({ status: 'Success' });
    await expect(cri.runtime('Exec', { container_id: ctrId, cmd: ['true'], tty: true, stdout: true, stderr: true })).rejects.toThrow(/tty and stderr cannot both be true/);
    await expect(cri.runtime('Exec', { container_id: ctrId, cmd: ['true'] })).rejects.toThrow(/one of stdin, stdout, or stderr must be set/);
  });

  it('Attach: stdin reaches the container process, its output comes back', async () => {
    const { url } = await cri.runtime('Attach', { container_id: ctrId, stdin: true, stdout: true, stderr: true });
    expect(url).toMatch(/\/attach\//);
    const s = await connect(url);
    s.open({ streamtype: 'error' });
    const stdin = s.open({ streamtype: 'stdin' });
    const stdout = s.open({ streamtype: 'stdout' });
    s.open({ streamtype: 'stderr' });
    await stdout.replied;
    stdin.write('ping-attach\n');
    await waitFor('the echo of the attached stdin', () => stdout.received().toString().includes('got:ping-attach'), 10_000);
    s.close();
  });

  it('PortForward: a connection to the pod port from inside its network namespace; a closed port is an error on the error stream', async () => {
    const { url } = await cri.runtime('PortForward', { pod_sandbox_id: podId, port: [8080] });
    expect(url).toMatch(/\/portforward\//);
    const s = await connect(url, ['portforward.k8s.io']);
    expect(s.protocol).toBe('portforward.k8s.io');
    let body = '';
    for (let i = 0; i < 50 && !body.includes('pf-body'); i++) {
      const error = s.open({ streamtype: 'error', port: '8080', requestid: String(i) });
      const data = s.open({ streamtype: 'data', port: '8080', requestid: String(i) });
      await data.replied;
      data.write('GET /index.html HTTP/1.0\r\n\r\n');
      body = (await data.done).toString();
      if (!body.includes('pf-body')) await sleep(100); // httpd may not listen yet
      void error;
    }
    expect(body).toMatch(/^HTTP\/1\.[01] 200/);
    expect(body).toContain('pf-body');
    const error = s.open({ streamtype: 'error', port: '8099', requestid: '100' });
    const data = s.open({ streamtype: 'data', port: '8099', requestid: '100' });
    expect((await error.done).toString()).toMatch(/error forwarding port 8099: .*ECONNREFUSED|refused/i);
    await data.done;
    s.close();
  });
});
