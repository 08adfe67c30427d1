import type { CliIo } from './cli-context';

/** docker's prompt: prints `message` and `Are you sure you want to continue? [y/N] `, reads one line. */
export async function confirm(io: CliIo, message: string, separator = '\n'): Promise<boolean> {
  io.stdout.write(`${message}${separator}Are you sure you want to continue? [y/N] `);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
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
  });
  return /^y(es)?$/i.test(line.trim());
}
