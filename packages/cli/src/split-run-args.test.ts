import { describe, expect, it } from '@jest/globals';
import { RUN_FLAGS } from './run-flag-table';
import { splitRunArgs } from './split-run-args';

describe('splitRunArgs', () => {
  const split = (s: string) => splitRunArgs(s.split(' '), 1, RUN_FLAGS);
  it('stops at the image; flags after it belong to the container', () => {
    expect(split('run --rm busybox echo -n hi')).toEqual({ head: ['run', '--rm', 'busybox'], rest: ['echo', '-n', 'hi'] });
    expect(split('run -e A=1 --name x -it busybox sh')).toEqual({ head: ['run', '-e', 'A=1', '--name', 'x', '-it', 'busybox'], rest: ['sh'] });
    expect(split('run --env=A=1 -eB=2 -de C=3 img')).toEqual({ head: ['run', '--env=A=1', '-eB=2', '-de', 'C=3', 'img'], rest: [] });
    expect(split('run -- img --rm')).toEqual({ head: ['run', 'img'], rest: ['--rm'] });
    expect(split('run -d')).toEqual({ head: ['run', '-d'], rest: [] });
  });
  it('reports unknown flags and missing values as pflag words them', () => {
    expect(split('run --x img').problem).toEqual({ message: 'unknown flag: --x' });
    expect(split('run -dx img').problem).toEqual({ message: "unknown shorthand flag: 'x' in -x" });
    expect(split('run --name').problem).toEqual({ message: 'flag needs an argument: --name' });
    // a value that looks like a flag is the value (pflag's), glued with `=` for the command-line parser
    expect(split('run -it --net=host --memory-swap -1 img sh')).toEqual({ head: ['run', '-it', '--net=host', '--memory-swap=-1', 'img'], rest: ['sh'] });
    expect(split('run --oom-score-adj -0o10 -ie -x -w - img')).toEqual({ head: ['run', '--oom-score-adj=-0o10', '-ie=-x', '-w', '-', 'img'], rest: [] });
  });
});
