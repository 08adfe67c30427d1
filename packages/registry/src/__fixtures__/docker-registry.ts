import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's reference registry (distribution 2.8) on a random loopback port, storage in a temp dir. */
export class DockerRegistry {
  private proc: ChildProcess | undefined;
  dir = '';
  port = 0;
  output = '';

  constructor(
    private readonly htpasswd?: string,
    /** Extra top-level YAML, e.g. a `proxy:` section. */
    private readonly extra = '',
  ) {}

  static available(): boolean {
    return existsSync(DOCKER_REGISTRY);
  }

  async start(): Promise<this> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'docker-registry-'));
    this.port = await freePort();
    const auth = this.htpasswd ? `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${this.htpasswd}\n` : '';
    const config = `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${this.dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${this.port}\n${auth}${this.extra}`;
    const file = path.join(this.dir, 'config.yml');
    await writeFile(file, config);
    this.proc = spawn(DOCKER_REGISTRY, ['serve', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.proc.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    for (let i = 0; i < 100; i++) {
      if (this.proc.exitCode !== null) throw new Error(`docker-registry exited: ${this.output}`);
      const ok = await fetch(`http://127.0.0.1:${this.port}/v2/`).then(
        (r) => r.status === 200 || r.status === 401,
        () => false,
      );
      if (ok) return this;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`docker-registry did not answer: ${this.output}`);
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
