/** Flags of run/create (and the global ones) that take a value: needed to find where the image is. */
const VALUE_FLAGS = new Set([
  'name', 'env', 'e', 'env-file', 'workdir', 'w', 'entrypoint', 'user', 'u', 'hostname', 'h', 'label', 'l',
  'stop-signal', 'stop-timeout', 'volume', 'v', 'publish', 'p', 'memory', 'm', 'cpus', 'restart', 'network', 'net',
  'platform', 'detach-keys', 'host', 'H', 'tlscacert', 'tlscert', 'tlskey', 'config',
]);

/**
 * Splits `run [OPTIONS] IMAGE [COMMAND] [ARG...]` at the image, as docker's flag parser does
 * (flags stop at the first positional): everything after the image belongs to the container,
 * even if it looks like a flag. `start` is the index of the first token after the subcommand.
 */
export function splitRunArgs(args: string[], start: number): { head: string[]; rest: string[] } {
  let i = start;
  while (i < args.length) {
    const a = args[i]!;
    if (a === '--') {
      // `run [opts] -- IMAGE ...`
      return { head: [...args.slice(0, i), ...args.slice(i + 1, i + 2)], rest: args.slice(i + 2) };
    }
    if (!a.startsWith('-') || a === '-') return { head: args.slice(0, i + 1), rest: args.slice(i + 1) };
    if (a.startsWith('--')) {
      const name = a.slice(2);
      i += !name.includes('=') && VALUE_FLAGS.has(name) ? 2 : 1;
      continue;
    }
    const cluster = a.slice(1);
    const eq = cluster.indexOf('=');
    const letters = eq >= 0 ? cluster.slice(0, eq) : cluster;
    const last = letters[letters.length - 1]!;
    // `-eFOO=bar` carries its value; `-e FOO=bar` takes the next token
    const attached = eq >= 0 || (letters.length > 1 && VALUE_FLAGS.has(letters[0]!) );
    i += !attached && VALUE_FLAGS.has(last) ? 2 : 1;
  }
  return { head: args, rest: [] };
}
