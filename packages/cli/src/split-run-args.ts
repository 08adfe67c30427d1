import { type FlagDef, GLOBAL_VALUE_FLAGS, lookUpFlags } from './run-flag-table';

/** A flag error found while splitting, worded as the docker CLI's flag parser words it. */
export interface FlagProblem {
  message: string;
}

const GLOBALS: FlagDef[] = GLOBAL_VALUE_FLAGS.map((n) => ({ name: n.length > 1 ? n : `\u0000${n}`, short: n.length === 1 ? n : undefined, kind: 'string', describe: '' }));

/**
 * Splits `run [OPTIONS] IMAGE [COMMAND] [ARG...]` at the image, as docker's flag parser does
 * (flags stop at the first positional): everything after the image belongs to the container,
 * even if it looks like a flag. `start` is the index of the first token after the subcommand.
 * With a flag table, an unknown flag or a value flag at the end is reported as docker does.
 */
export function splitRunArgs(args: string[], start: number, table: FlagDef[], positionals = 1): { head: string[]; rest: string[]; problem?: FlagProblem } {
  const known = [...table, ...GLOBALS.filter((g) => !table.some((f) => f.name === g.name || (g.short && f.short === g.short)))];
  args = [...args];
  let i = start;
  let seen = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (a === '--') {
      // `run [opts] -- IMAGE ...`
      const take = positionals - seen;
      return { head: [...args.slice(0, i), ...args.slice(i + 1, i + 1 + take)], rest: args.slice(i + 1 + take) };
    }
    if (!a.startsWith('-') || a === '-') {
      seen++;
      if (seen >= positionals) return { head: args.slice(0, i + 1), rest: args.slice(i + 1) };
      i++;
      continue;
    }
    const r = lookUpFlags(known, a);
    if (r.unknown !== undefined) {
      const problem = r.unknown.startsWith('--') ? `unknown flag: ${r.unknown}` : `unknown shorthand flag: '${r.unknown.slice(1)}' in ${r.rest ?? a}`;
      return { head: args.slice(0, i + 1), rest: [], problem: { message: problem } };
    }
    const last = r.defs[r.defs.length - 1];
    if (last && last.kind !== 'bool' && !r.valueAttached) {
      if (i + 1 >= args.length) {
        const flag = a.startsWith('--') ? a : `'${last.short}' in ${a}`;
        return { head: args, rest: [], problem: { message: `flag needs an argument: ${flag}` } };
      }
      // pflag takes the next token as the value whatever it looks like (`--oom-score-adj -0o10`,
      // `-e -x`): glued with `=`, the command-line parser cannot take it for a flag
      if (args[i + 1]!.startsWith('-') && args[i + 1] !== '-') {
        args.splice(i, 2, `${a}=${args[i + 1]}`);
        i += 1;
        continue;
      }
      i += 2;
    } else i += 1;
  }
  return { head: args, rest: [] };
}
