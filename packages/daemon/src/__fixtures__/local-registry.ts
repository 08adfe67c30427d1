import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's distribution registry on a loopback port, storage in a temp dir (tests only). */
export class LocalRegistry {
  private proc?: ChildProcess;
  dir = '';
  port = 0;

  static available(): boolean {
    return fs.existsSync(DOCKER_REGISTRY) && fs.existsSync('/usr/bin/skopeo');
  }

  async start(): Promise<this> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-registry-'));
    this.port = await freePort();
    const file = path.join(this.dir, 'config.yml');
    fs.writeFileSync(file, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${this.dir}/data\nhttp:\n  addr: 127.0.0.1:${this.port}\n`);
    this.proc = spawn(DOCKER_REGISTRY, ['serve', file], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${this.port}/v2/`).then((r) => r.status === 200, () => false);
      if (ok) return this;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('docker-registry did not start');
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
