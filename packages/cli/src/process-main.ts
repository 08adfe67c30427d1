import type { CliIo } from './cli-context';
import { runCli } from './cli';

/** A closed pipe on our stdout (`berth logs x | head -1`) ends the command quietly, as SIGPIPE ends docker. */
function quietOnEpipe<S extends NodeJS.WriteStream>(s: S): S {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  return s;
}

/**
 * Runs the CLI on this process: its streams, environment and exit code. Shared by `main.ts`
 * (`bin/berth.js`) and the start-up snapshot's entry (`snapshot-main.ts`), which calls it only
 * after deserialisation, so nothing here may run at snapshot build time.
 */
export function runOnProcess(args: string[]): void {
  // Node creates each process stream on first use (stdin alone cost ~4 ms): most commands never
  // read stdin and write nothing to stderr, so hand them over on demand.
  let stdout: NodeJS.WriteStream | undefined;
  let stderr: NodeJS.WriteStream | undefined;
  const io: CliIo = {
    get stdout() {
      return (stdout ??= quietOnEpipe(process.stdout));
    },
    get stderr() {
      return (stderr ??= quietOnEpipe(process.stderr));
    },
    get stdin() {
      return process.stdin;
    },
  };
  runCli(args, { io, env: process.env }).then(
    (code) => {
      process.exitCode = code;
      // Hijacked or keep-alive sockets must not hold the process open once the command is done.
      setImmediate(() => process.exit(code));
    },
    (e: unknown) => {
      io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
