import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FailedPreconditionError, InternalError, messageOf } from '@berth/errdefs';
import type { Logger } from '@berth/log';

/** A port mapping handed to the portmap plugin (CNI's `runtimeConfig.portMappings`). */
export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

/** What a pod's network attachment needs. */
export interface CniAttachment {
  /** The sandbox ID (CNI_CONTAINERID). */
  id: string;
  /** Path of the pod's network namespace (CNI_NETNS). */
  netns: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  portMappings?: CniPortMapping[];
}

export interface CniResult {
  /** The pod's addresses (first IPv4 first), without prefix length. */
  ips: string[];
  /** The raw result of the last plugin (kept for DEL and CHECK's prevResult). */
  raw: Record<string, unknown>;
}

interface NetworkConfigList {
  cniVersion: string;
  name: string;
  plugins: Record<string, unknown>[];
  file: string;
}

/**
 * Pod networking through CNI plugins, as containerd's CRI plugin uses them: the first network
 * configuration (by file name) in the conf dir (`.conflist`, `.conf`, `.json`), its plugins run in
 * order for ADD (each given the previous result) and in reverse for DEL, against the pod's
 * network namespace, interface eth0.
 */
export class CniNetwork {
  readonly confDir: string;
  readonly binDirs: string[];
  private readonly logger: Logger;

  constructor(opts: { confDir: string; binDirs: string[]; logger: Logger }) {
    this.confDir = opts.confDir;
    this.binDirs = opts.binDirs;
    this.logger = opts.logger;
  }

  /** NetworkReady: a configuration exists and its plugins are installed. */
  async status(): Promise<{ ready: boolean; message: string }> {
    try {
      const conf = await this.load();
      for (const p of conf.plugins) await this.plugin(String(p['type']));
      return { ready: true, message: '' };
    } catch (e) {
      return { ready: false, message: messageOf(e) };
    }
  }

  private async load(): Promise<NetworkConfigList> {
    const names = await fs.readdir(this.confDir).catch(() => [] as string[]);
    const files = names.filter((n) => /\.(conflist|conf|json)$/.test(n)).sort();
    if (files.length === 0) throw new FailedPreconditionError(`cni config uninitialized: no network config found in ${this.confDir}`);
    const file = path.join(this.confDir, files[0]!);
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new FailedPreconditionError(`cni config ${file}: ${messageOf(e)}`);
    }
    if (Array.isArray(raw['plugins'])) {
      return { cniVersion: String(raw['cniVersion'] ?? '0.4.0'), name: String(raw['name'] ?? ''), plugins: raw['plugins'] as Record<string, unknown>[], file };
    }
    return { cniVersion: String(raw['cniVersion'] ?? '0.4.0'), name: String(raw['name'] ?? ''), plugins: [raw], file };
  }

  private async plugin(type: string): Promise<string> {
    if (!/^[A-Za-z0-9._-]+$/.test(type)) throw new FailedPreconditionError(`cni plugin type ${JSON.stringify(type)}: not a plugin name`);
    for (const d of this.binDirs) {
      const p = path.join(d, type);
      if (await fs.access(p, fs.constants?.X_OK ?? 1).then(() => true, () => false)) return p;
    }
    throw new FailedPreconditionError(`cni plugin ${type} not found in ${this.binDirs.join(':')}`);
  }

  async add(a: CniAttachment): Promise<CniResult> {
    const conf = await this.load();
    let prev: Record<string, unknown> | undefined;
    try {
      for (const p of conf.plugins) {
        prev = await this.run('ADD', conf, p, a, prev);
      }
    } catch (e) {
      await this.del(a).catch((e2: unknown) => this.logger.warn({ id: a.id, err: messageOf(e2) }, 'cni: DEL after a failed ADD failed'));
      throw e;
    }
    return { ips: ipsOf(prev ?? {}), raw: prev ?? {} };
  }

  async check(a: CniAttachment, prevResult: Record<string, unknown>): Promise<void> {
    const conf = await this.load();
    for (const p of conf.plugins) await this.run('CHECK', conf, p, a, prevResult);
  }

  /** DEL in reverse order; every plugin is asked even when one fails (the first error is thrown after). */
  async del(a: CniAttachment, prevResult?: Record<string, unknown>): Promise<void> {
    const conf = await this.load();
    let first: unknown;
    for (const p of [...conf.plugins].reverse()) {
      await this.run('DEL', conf, p, a, prevResult).catch((e: unknown) => {
        first ??= e;
      });
    }
    if (first) throw first;
  }

  private async run(cmd: 'ADD' | 'DEL' | 'CHECK', conf: NetworkConfigList, plugin: Record<string, unknown>, a: CniAttachment, prev?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const type = String(plugin['type']);
    const bin = await this.plugin(type);
    const input: Record<string, unknown> = { ...plugin, cniVersion: conf.cniVersion, name: conf.name };
    if (prev !== undefined) input['prevResult'] = prev;
    const caps = (plugin['capabilities'] ?? {}) as Record<string, boolean>;
    const runtimeConfig: Record<string, unknown> = {};
    if (caps['portMappings'] && a.portMappings?.length) runtimeConfig['portMappings'] = a.portMappings;
    if (Object.keys(runtimeConfig).length) input['runtimeConfig'] = runtimeConfig;
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: cmd,
      CNI_CONTAINERID: a.id,
      CNI_NETNS: a.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: this.binDirs.join(':'),
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${a.podNamespace};K8S_POD_NAME=${a.podName};K8S_POD_INFRA_CONTAINER_ID=${a.id};K8S_POD_UID=${a.podUid}`,
    };
    const t0 = Date.now();
    const out = await runPlugin(bin, env, JSON.stringify(input));
    this.logger.debug({ id: a.id, cmd, plugin: type, ms: Date.now() - t0 }, 'cni plugin');
    if (out.code !== 0) {
      let msg = out.stdout.trim() || out.stderr.trim();
      try {
        const err = JSON.parse(out.stdout) as { msg?: string; details?: string };
        msg = [err.msg, err.details].filter(Boolean).join(': ');
      } catch {
        /* not JSON */
      }
      throw new InternalError(`cni plugin ${type} ${cmd} failed: ${msg || `exit ${out.code}`}`);
    }
    if (cmd !== 'ADD') return prev ?? {};
    try {
      return JSON.parse(out.stdout) as Record<string, unknown>;
    } catch {
      throw new InternalError(`cni plugin ${type} ADD: result is not JSON`);
    }
  }
}

function ipsOf(result: Record<string, unknown>): string[] {
  const ips = (result['ips'] ?? []) as { address?: string; version?: string }[];
  const out = ips.map((i) => String(i.address ?? '').split('/')[0]!).filter(Boolean);
  return out.sort((x, y) => Number(x.includes(':')) - Number(y.includes(':')));
}

function runPlugin(bin: string, env: Record<string, string>, stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}
