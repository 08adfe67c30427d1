import { describe, expect, it } from '@jest/globals';
import { execConsoleSize, validateExecConfig } from './exec-session';

describe('exec ConsoleSize', () => {
  it('refuses a size a double cannot hold exactly (1e30 reached the runtime as "1e+30" and failed exec start)', () => {
    expect(() => validateExecConfig({ Cmd: ['ls'], Tty: true, ConsoleSize: [1e30, 2] })).toThrow('ConsoleSize: expected [height, width]');
    expect(validateExecConfig({ Cmd: ['ls'], Tty: true, ConsoleSize: [24, 80] }).consoleSize).toEqual({ height: 24, width: 80 });
  });

  it('one rule for create and start: unset or a zero in it is none, two non-negative integers or a 400', () => {
    expect(execConsoleSize(undefined)).toBeUndefined();
    expect(execConsoleSize(null)).toBeUndefined();
    expect(execConsoleSize([0, 80])).toBeUndefined();
    expect(execConsoleSize([24, 80])).toEqual({ height: 24, width: 80 });
    for (const bad of [[24], [24, 80, 1], [-1, 80], [2.5, 80], ['24', 80], {}, 'x']) expect(() => execConsoleSize(bad)).toThrow('ConsoleSize: expected [height, width]');
  });
});
