import { runCli } from './cli';

/**
 * Runs the CLI on this process: its streams, environment and exit code. Shared by `main.ts`
 * (`bin/berth.js`) and the start-up snapshot's entry (`snapshot-main.ts`), which calls it only
 * after deserialisation, so nothing here may run at snapshot build time.
 */
export function runOnProcess(args: string[]): void {
  // A closed pipe on our stdout (`berth logs x | head -1`) ends the command quietly, as SIGPIPE ends docker.
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  runCli(args, { io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, env: process.env }).then(
    (code) => {
      process.exitCode = code;
      // Hijacked or keep-alive sockets must not hold the process open once the command is done.
      setImmediate(() => process.exit(code));
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
