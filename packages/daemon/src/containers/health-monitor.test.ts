import { describe, expect, it } from '@jest/globals';
import { startPeriodPace } from './container-health';
import { HealthMonitor, probeCommand, type ProbeResult } from './health-monitor';

const S = 1e9;

function monitor(results: ProbeResult[], cfg: { Retries?: number; StartPeriod?: number } = {}, clock = { t: 0 }) {
  const statuses: string[] = [];
  const cmds: string[][] = [];
  const m = new HealthMonitor(
    { Test: ['CMD-SHELL', 'check'], Interval: S, Timeout: S, ...cfg },
    HealthMonitor.initialState(),
    async (cmd) => {
      cmds.push(cmd);
      return results.shift() ?? { exitCode: 0, output: '' };
    },
    (s) => statuses.push(s),
    () => true,
    () => new Date(clock.t),
  );
  return { m, statuses, cmds, clock };
}

describe('health checks', () => {
  it('maps Test to a command', () => {
    expect(probeCommand(['CMD-SHELL', 'curl -f x'])).toEqual(['/bin/sh', '-c', 'curl -f x']);
    expect(probeCommand(['CMD', 'true', 'x'])).toEqual(['true', 'x']);
    expect(probeCommand(['NONE'])).toBeUndefined();
    expect(probeCommand([])).toBeUndefined();
  });

  it('starting -> unhealthy after Retries failures -> healthy after one success; log keeps 5', async () => {
    const { m, statuses, cmds } = monitor([{ exitCode: 1, output: 'no' }, { exitCode: 1, output: 'no' }], { Retries: 2 });
    await m.runOnce();
    expect(m.state).toMatchObject({ Status: 'starting', FailingStreak: 1 });
    await m.runOnce();
    expect(m.state).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
    for (let i = 0; i < 5; i++) await m.runOnce();
    expect(m.state).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    expect(m.state.Log).toHaveLength(5);
    expect(statuses).toEqual(['unhealthy', 'healthy']);
    expect(cmds[0]).toEqual(['/bin/sh', '-c', 'check']);
  });

  it('failures in the start period do not count; a probe that throws is a failure', async () => {
    const clock = { t: 0 };
    const { m } = monitor([{ exitCode: 1, output: '' }], { Retries: 1, StartPeriod: 10 * S }, clock);
    await m.runOnce();
    expect(m.state).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    clock.t = 11_000;
    const m2 = new HealthMonitor({ Test: ['CMD', 'x'], Retries: 1 }, HealthMonitor.initialState(), async () => {
      throw new Error('cannot exec');
    }, () => undefined, () => true);
    await m2.runOnce();
    expect(m2.state.Status).toBe('unhealthy');
    expect(m2.state.Log[0]).toMatchObject({ ExitCode: -1, Output: 'cannot exec' });
  });

  it('durations and Retries as Go reads them (int64 ns, beyond 2^53 a bigint): delays in ms, a probe timeout that long, retries counted', async () => {
    const timeouts: number[] = [];
    const m = new HealthMonitor(
      { Test: ['CMD', 'x'], Interval: 2n ** 62n, Timeout: 9223372036854775807n, StartPeriod: 2n ** 60n, StartInterval: 2n ** 55n, Retries: 2n ** 62n },
      HealthMonitor.initialState(),
      async (_cmd, timeoutMs) => {
        timeouts.push(timeoutMs);
        return { exitCode: 1, output: '' };
      },
      () => undefined,
      () => true,
      () => new Date(0),
    );
    expect(m.intervalMs).toBe(Number(2n ** 62n) / 1e6);
    expect(m.nextDelayMs).toBe(Number(2n ** 55n) / 1e6); // starting, within the start period
    await m.runOnce();
    expect(timeouts).toEqual([9223372036854.775]);
    expect(m.state).toMatchObject({ Status: 'starting', FailingStreak: 0 });
  });

  it('the start period paced by the API version the container was created with: StartInterval (default 5 s) from 1.44, Interval throughout below (Docker 20.10)', () => {
    const at = (cfg: Record<string, number>, pace: boolean, t = 0): number =>
      new HealthMonitor({ Test: ['CMD', 'x'], Interval: 60 * S, StartPeriod: 30 * S, ...cfg }, HealthMonitor.initialState(), async () => ({ exitCode: 0, output: '' }), () => undefined, () => true, () => new Date(t), pace).nextDelayMs;
    expect(at({}, true)).toBe(5_000);
    expect(at({ StartInterval: 0.3 * S }, true)).toBe(300);
    expect(at({}, false)).toBe(60_000);
    expect(at({ StartInterval: 0.3 * S }, false)).toBe(60_000);
    expect(startPeriodPace('1.44')).toBe(true);
    expect(startPeriodPace('1.45')).toBe(true);
    expect(startPeriodPace('1.43')).toBe(false);
    expect(startPeriodPace('1.41')).toBe(false);
    expect(startPeriodPace(undefined)).toBe(false);
  });
});
