import { describe, expect, it } from '@jest/globals';
import { createdState, type ContainerStateRecord } from './container-record';
import { commandText, humanDuration, statusText } from './status-text';

const base: ContainerStateRecord = createdState();

describe('status text', () => {
  it('humanDuration follows go-units', () => {
    expect(humanDuration(300)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(5400)).toBe('5 seconds');
    expect(humanDuration(60_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(humanDuration(3600_000)).toBe('About an hour');
    expect(humanDuration(5 * 3600_000)).toBe('5 hours');
    expect(humanDuration(3 * 24 * 3600_000)).toBe('3 days');
    expect(humanDuration(3 * 7 * 24 * 3600_000)).toBe('3 weeks');
    expect(humanDuration(90 * 24 * 3600_000)).toBe('3 months');
    expect(humanDuration(3 * 365 * 24 * 3600_000)).toBe('3 years');
  });

  it('composes docker ps Status strings', () => {
    const now = new Date('2026-11-28T08:15:00Z');
    expect(statusText(base, now)).toBe('Created');
    expect(statusText({ ...base, status: 'running', startedAt: '2026-11-28T08:14:55.1Z' }, now)).toBe('Up 4 seconds');
    expect(statusText({ ...base, status: 'running', startedAt: '2026-11-28T08:14:59.9Z' }, now)).toBe('Up Less than a second');
    expect(
      statusText({ ...base, status: 'exited', exitCode: 7, startedAt: '2026-11-28T08:10:00Z', finishedAt: '2026-11-28T08:14:57Z' }, now),
    ).toBe('Exited (7) 3 seconds ago');
    expect(statusText({ ...base, status: 'created', exitCode: 127 }, now)).toBe('Created');
    expect(statusText({ ...base, status: 'removing' }, now)).toBe('Removal In Progress');
    expect(statusText({ ...base, status: 'dead' }, now)).toBe('Dead');
  });

  it('quotes arguments with spaces as docker ps does', () => {
    expect(commandText('echo', ['kept'])).toBe('echo kept');
    expect(commandText('sh', ['-c', 'echo out; exit 7'])).toBe("sh -c 'echo out; exit 7'");
    expect(commandText('sh', [])).toBe('sh');
  });
});
