import { describe, expect, it } from '@jest/globals';
import { parsePs } from './container-processes';

describe('parsePs', () => {
  const out = [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'root           1       0  0 08:00 ?        00:00:01 /sbin/init',
    'root        6198    6146  0 08:09 ?        00:00:00 sleep 3600',
    'root        6200    6198  0 08:09 ?        00:00:00 sh -c echo a  b',
    '',
  ].join('\n');

  it('keeps the rows of the container PIDs, the command with its spaces', () => {
    expect(parsePs(out, new Set([6198, 6200]))).toEqual({
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [
        ['root', '6198', '6146', '0', '08:09', '?', '00:00:00', 'sleep 3600'],
        ['root', '6200', '6198', '0', '08:09', '?', '00:00:00', 'sh -c echo a b'],
      ],
    });
  });

  it('custom columns; no PID column is an error', () => {
    expect(parsePs('  PID COMMAND\n 6198 sleep\n   1 init\n', new Set([6198]))).toEqual({ Titles: ['PID', 'COMMAND'], Processes: [['6198', 'sleep']] });
    expect(() => parsePs('COMMAND\nsleep\n', new Set([1]))).toThrow("Couldn't find PID field");
  });
});
