import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { exec, type ExecOptions, type ExecResult } from './exec';

let counter = 0;

/**
 * A network namespace of a test's own (BRIEF: network safety): every test that gives containers
 * a network starts berthd inside one (`BerthDaemon.start({ netns })`), so that bridges, veths,
 * nft rules and published ports live there and never touch the host's own namespace.
 *
 *   const ns = NetNs.create('net');           // ip netns add, lo up
 *   const d = await BerthDaemon.start({ netns: ns });
 *   await ns.exec('wget', ['-qO-', 'http://127.0.0.1:8080/']);   // runs in the namespace
 *   await d.dispose(); ns.delete();             // delete after the daemon is gone
 *
 * Processes enter it with `nsenter --net=/var/run/netns/NAME` (not `ip netns exec`, which
 * remounts /sys and so hides the cgroup tree berthd needs).
 */
export class NetNs {
  private deleted = false;

  private constructor(readonly name: string) {}

  /** `ip netns add` a fresh name (`be2e-<prefix>-<pid>-<n>`), with loopback up. */
  static create(prefix = 'ns'): NetNs {
    const name = `be2e-${prefix}-${process.pid}-${++counter}`.slice(0, 60);
    execFileSync('ip', ['netns', 'add', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ns = new NetNs(name);
    try {
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      ns.delete();
      throw e;
    }
    return ns;
  }

  /** The namespace's file: what `nsenter --net=` and a runtime's netns path take. */
  get path(): string {
    return `/var/run/netns/${this.name}`;
  }

  /** `[nsenter, --net=PATH, --]`: prefix a command line with it to run the command inside. */
  get prefix(): string[] {
    return ['nsenter', `--net=${this.path}`, '--'];
  }

  /** Runs a command inside the namespace to completion (never rejects for a non-zero exit). */
  exec(command: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return exec('nsenter', [`--net=${this.path}`, '--', command, ...args], opts);
  }

  /** Same, synchronously, stdout as text; throws on a non-zero exit. */
  execSync(command: string, args: string[]): string {
    return execFileSync('nsenter', [`--net=${this.path}`, '--', command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** `ip -o link` names inside the namespace (veths and bridges a test expects gone). */
  links(): string[] {
    return this.execSync('ip', ['-o', 'link', 'show'])
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined);
  }

  /** `nft list ruleset` inside the namespace ('' when empty). */
  nftRuleset(): string {
    try {
      return this.execSync('nft', ['list', 'ruleset']);
    } catch {
      return '';
    }
  }

  /** `ip netns del`; idempotent. Call once berthd (and all its containers) have stopped. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: ['ignore', 'ignore', 'ignore'] });
    } catch {
      // already gone
    }
    try {
      if (fs.existsSync(this.path)) fs.rmSync(this.path, { force: true });
    } catch {
      // still mounted (a process holds it): `ip netns del` said why
    }
  }
}
