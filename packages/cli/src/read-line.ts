import { spawnSync } from 'node:child_process';
import type { CliIo } from './cli-context';

/** Reads one line from stdin (without its newline); at end of input, what was read. */
export function readLine(io: CliIo): Promise<string> {
  return new Promise<string>((resolve) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl).replace(/\r$/, ''));
    };
    const done = (s: string) => {
      io.stdin.off('data', onData);
      io.stdin.off('end', onEnd);
      io.stdin.pause();
      resolve(s);
    };
    const onEnd = () => done(buf);
    io.stdin.on('data', onData);
    io.stdin.on('end', onEnd);
    io.stdin.resume();
  });
}

/** Turns the echo of the terminal that is our stdin off (or back on), as docker's DisableInputEcho. */
export function setEcho(on: boolean): void {
  try {
    spawnSync('stty', [on ? 'echo' : '-echo'], { stdio: ['inherit', 'ignore', 'ignore'] });
  } catch {
    /* no stty: the password shows */
  }
}
