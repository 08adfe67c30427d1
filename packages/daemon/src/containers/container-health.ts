import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { compareApiVersions } from '@berth/api';
import { messageOf, publicMessage } from '@berth/errdefs';
import { buildExecProcess, type Task } from '@berth/runtime';
import type { ContainerContext } from './container-context';
import type { Entry } from './container-entry';
import { HealthMonitor, hasHealthcheck, type ProbeResult } from './health-monitor';
import { setLongTimeout } from '../long-timeout';

/** Runs a container's health check (health-monitor.ts) with probes executed in the container. */
export class ContainerHealth {
  constructor(private readonly ctx: ContainerContext) {}

  /** Starts the container's health check, if it has one (a new run starts over with `starting`). */
  start(e: Entry, fresh: boolean): void {
    e.health?.stop();
    e.health = undefined;
    const cfg = e.rec.config.Healthcheck;
    if (!cfg || !hasHealthcheck(cfg)) return;
    if (fresh || !e.rec.state.health) e.rec.state.health = HealthMonitor.initialState();
    const m: HealthMonitor = new HealthMonitor(
      cfg,
      e.rec.state.health!,
      (cmd, timeoutMs) => this.probe(e, cmd, timeoutMs),
      (status) => this.ctx.emit(e, `health_status: ${status}`),
      (): boolean => e.rec.state.status === 'running' && e.health === m,
      this.ctx.now,
      startPeriodPace(e.rec.apiVersion),
    );
    e.health = m;
    m.start();
  }

  /** One health probe: the command as an exec (docker's), 4 KiB of output kept, killed at the timeout. */
  private async probe(e: Entry, cmd: string[], timeoutMs: number): Promise<ProbeResult> {
    const id = e.rec.id;
    const dir = this.ctx.layout.execDir(id, `health-${randomBytes(8).toString('hex')}`);
    let task: Task | undefined;
    try {
      const spec = JSON.parse(await fs.readFile(path.join(this.ctx.layout.containerDir(id), 'config.json'), 'utf8'));
      const proc = await buildExecProcess(spec, { cmd });
      // runAtOnce, as user execs: no shim ever waits for a start that a removal or a daemon
      // restart in between would never send (such a shim outlived its container)
      task = await this.ctx.runtimeFor(e).exec({ id, dir, process: proc, runAtOnce: true });
      const chunks: Buffer[] = [];
      let size = 0;
      task.subscribe((c) => {
        if (size < 4096) chunks.push(c.data);
        size += c.data.length;
      });
      await task.start();
      let cancel: (() => void) | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        cancel = setLongTimeout(() => resolve('timeout'), timeoutMs);
      });
      const r = await Promise.race([task.wait(), timedOut]);
      cancel?.();
      if (r === 'timeout') {
        await task.kill('KILL').catch(() => undefined);
        await task.wait().catch(() => undefined);
        return { exitCode: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` };
      }
      return { exitCode: r.exitCode, output: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      if (task) {
        await task.kill('KILL').catch(() => undefined);
        task.detach();
      }
      const code = /executable file not found/i.test(messageOf(err)) ? 127 : 126;
      return { exitCode: code, output: publicMessage(err, this.ctx.layout.hostPaths) };
    } finally {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * Whether a container's health check probes at StartInterval during its start period: moby takes
 * StartInterval from API 1.44 (the create route drops it below) and probes at its 5 s default
 * since 26.1; Docker 20.10 (API 1.41) probes at Interval throughout. So by the API version the
 * container was created with: 1.44 or later as newer Docker, below (and unknown: the builder's,
 * rows older than the column) as Docker 20.10.
 */
export function startPeriodPace(apiVersion: string | undefined): boolean {
  return apiVersion !== undefined && compareApiVersions(apiVersion, '1.44') >= 0;
}
