import { describe, expect, it } from '@jest/globals';
import { validateExecConfig } from './exec-session';

describe('exec ConsoleSize', () => {
  it('refuses a size a double cannot hold exactly (1e30 reached the runtime as "1e+30" and failed exec start)', () => {
    expect(() => validateExecConfig({ Cmd: ['ls'], Tty: true, ConsoleSize: [1e30, 2] })).toThrow('ConsoleSize: expected [height, width]');
    expect(validateExecConfig({ Cmd: ['ls'], Tty: true, ConsoleSize: [24, 80] }).consoleSize).toEqual({ height: 24, width: 80 });
  });
});
