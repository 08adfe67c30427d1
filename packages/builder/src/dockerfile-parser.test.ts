import { describe, expect, it } from '@jest/globals';
import { parseDockerfile } from './dockerfile-parser';

describe('parseDockerfile', () => {
  it('joins continuations, drops comments, reads flags and exec forms', () => {
    const p = parseDockerfile(
      ['# syntax=docker/dockerfile:1', 'FROM busybox AS base', '# a comment', 'RUN echo a \\', '  # inner comment', '  && echo b', 'COPY --from=base --chown=1:2 /a /b', 'CMD ["sh", "-c", "x"]', ''].join('\n'),
    );
    expect(p.directives).toEqual({ syntax: 'docker/dockerfile:1' });
    expect(p.instructions.map((i) => i.keyword)).toEqual(['FROM', 'RUN', 'COPY', 'CMD']);
    expect(p.instructions[1]!.original).toBe('RUN echo a   && echo b');
    expect(p.instructions[1]!.line).toBe(4);
    expect(p.instructions[2]!.flags).toEqual({ from: 'base', chown: '1:2' });
    expect(p.instructions[2]!.args).toBe('/a /b');
    expect(p.instructions[3]!.json).toEqual(['sh', '-c', 'x']);
  });

  it('honours the escape directive', () => {
    const p = parseDockerfile('# escape=`\nFROM x\nRUN dir c:\\ `\n  /b\n');
    expect(p.escape).toBe('`');
    expect(p.instructions[1]!.args).toBe('dir c:\\   /b');
  });

  it('names the line of an unknown instruction', () => {
    expect(() => parseDockerfile('FROM x\n\nFOO bar\n')).toThrow('dockerfile parse error line 3: unknown instruction: FOO');
  });

  it('names the line of a missing argument', () => {
    expect(() => parseDockerfile('FROM x\nWORKDIR\n')).toThrow('line 2: WORKDIR requires at least one argument');
  });
});
