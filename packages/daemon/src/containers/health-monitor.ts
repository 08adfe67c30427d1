import type { HealthConfig, Int64 } from '@berth/api';
import { rfc3339Nano } from '@berth/oci';
import { setLongTimeout } from '../long-timeout';

/** One probe as docker's `State.Health.Log` shows it. */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** docker's `State.Health` (kept in memory: a daemon restart starts over with `starting`). */
export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export interface ProbeResult {
  exitCode: number;
  output: string;
}

/** Runs the probe command in the container; rejects when it cannot run at all. */
export type Probe = (cmd: string[], timeoutMs: number) => Promise<ProbeResult>;

const NS = 1_000_000;
/** A duration of the config (ns, a Go time.Duration: up to 2^63-1, a bigint beyond 2^53) in ms; 0 when unset or not positive. */
const msOf = (ns: Int64 | undefined): number => (ns !== undefined && ns > 0 ? Number(ns) / NS : 0);
/** docker's defaults (api/types/container: DefaultHealthInterval etc.). */
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_START_INTERVAL_MS = 5_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
/** docker keeps the last five probes and 4 KiB of each one's output. */
const MAX_LOG = 5;
const MAX_OUTPUT = 4096;

/** The command a Healthcheck.Test runs; undefined for none (`NONE`, empty, or no check). */
export function probeCommand(test: string[] | undefined | null): string[] | undefined {
  if (!test || test.length === 0) return undefined;
  const [kind, ...rest] = test;
  if (kind === 'NONE') return undefined;
  if (kind === 'CMD') return rest.length ? rest : undefined;
  if (kind === 'CMD-SHELL') return rest.length ? ['/bin/sh', '-c', rest.join(' ')] : undefined;
  return undefined;
}

/** Is there a health check to run for this config? */
export function hasHealthcheck(cfg: HealthConfig | undefined | null): boolean {
  return probeCommand(cfg?.Test) !== undefined;
}

/**
 * Docker's health monitor for one running container: a probe every Interval (the first one an
 * Interval after start), a timed-out probe counts as a failure (exit -1), failures during the
 * StartPeriod do not count, Retries consecutive failures make it unhealthy, one success healthy.
 * `onStatus` is called when the status changes (the `health_status: …` event).
 */
export class HealthMonitor {
  private cancelTimer?: () => void;
  private stopped = false;
  private readonly startedMs: number;

  constructor(
    private readonly cfg: HealthConfig,
    readonly state: HealthState,
    private readonly probe: Probe,
    private readonly onStatus: (status: HealthState['Status']) => void,
    private readonly isRunning: () => boolean,
    private readonly now: () => Date = () => new Date(),
    /**
     * Whether the start period has its own pace (StartInterval, default 5 s): a container created
     * with API 1.44 or later, as Docker 26.1+; below, Docker 20.10's monitor, which probes at
     * Interval throughout (startPeriodPace below).
     */
    private readonly startPeriodPace = true,
  ) {
    this.startedMs = this.now().getTime();
  }

  /** A fresh state for a container that just started. */
  static initialState(): HealthState {
    return { Status: 'starting', FailingStreak: 0, Log: [] };
  }

  get intervalMs(): number {
    return msOf(this.cfg.Interval) || DEFAULT_INTERVAL_MS;
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /**
   * The delay before the next probe (moby 26.1+ monitor's getInterval): StartInterval (default
   * 5 s) while within StartPeriod and still starting, Interval otherwise. Without a start-period
   * pace (a container created below API 1.44), Interval always, as Docker 20.10's monitor.
   */
  get nextDelayMs(): number {
    if (!this.startPeriodPace) return this.intervalMs;
    if (this.now().getTime() - this.startedMs >= msOf(this.cfg.StartPeriod) || this.state.Status !== 'starting') return this.intervalMs;
    return msOf(this.cfg.StartInterval) || DEFAULT_START_INTERVAL_MS;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = setLongTimeout(() => void this.runOnce().finally(() => this.schedule()), this.nextDelayMs, { unref: true });
  }

  /** One probe and its effect on the state (exported for tests through the class). */
  async runOnce(): Promise<void> {
    const cmd = probeCommand(this.cfg.Test);
    if (!cmd || this.stopped || !this.isRunning()) return;
    const timeoutMs = msOf(this.cfg.Timeout) || DEFAULT_TIMEOUT_MS;
    const start = this.now();
    let r: ProbeResult;
    try {
      r = await this.probe(cmd, timeoutMs);
    } catch (err) {
      r = { exitCode: -1, output: err instanceof Error ? err.message : String(err) };
    }
    if (this.stopped) return;
    const end = this.now();
    const s = this.state;
    // Docker's probe times are time.Now(): RFC3339Nano in the daemon's zone
    s.Log.push({ Start: rfc3339Nano(start, { local: true }), End: rfc3339Nano(end, { local: true }), ExitCode: r.exitCode, Output: r.output.slice(0, MAX_OUTPUT) });
    while (s.Log.length > MAX_LOG) s.Log.shift();
    const before = s.Status;
    if (r.exitCode === 0) {
      s.FailingStreak = 0;
      s.Status = 'healthy';
    } else {
      const inStartPeriod = start.getTime() - this.startedMs < msOf(this.cfg.StartPeriod);
      if (!inStartPeriod || s.Status !== 'starting') {
        s.FailingStreak++;
        const retries = this.cfg.Retries !== undefined && this.cfg.Retries > 0 ? Number(this.cfg.Retries) : DEFAULT_RETRIES;
        if (s.FailingStreak >= retries) s.Status = 'unhealthy';
      }
    }
    if (s.Status !== before) this.onStatus(s.Status);
  }
}
