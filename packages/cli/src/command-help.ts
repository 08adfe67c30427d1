import type { Argv } from 'yargs';
import type { CommandSpec } from './command-table';

/** One flag as docker's help lists it (pflag's FlagUsagesWrapped). */
export interface HelpFlag {
  name: string;
  short?: string;
  /** pflag's value type shown after the name (`string`, `list`, `int`...); empty for booleans. */
  type: string;
  describe: string;
  /** Rendered as ` (default X)` (strings quoted, as pflag does). */
  default?: string;
}

type YargsOpt = { type?: string; alias?: string | string[]; describe?: string; hidden?: boolean; default?: unknown; coerce?: unknown; helpType?: string; helpDefault?: string; helpShort?: string };

/**
 * The flags a command's yargs builder declares, read by running the builder on a recorder: the
 * help is generated from the same table the parser uses (run-flag-table and command-table).
 */
export function recordFlags(spec: CommandSpec): HelpFlag[] {
  const flags: HelpFlag[] = [];
  const rec: Record<string, unknown> = {};
  const self = new Proxy(rec, {
    get: (_t, prop) => {
      if (prop === 'option' || prop === 'options') {
        return (name: string, o: YargsOpt = {}) => {
          if (!o.hidden && name !== 'help') {
            const aliases = o.alias === undefined ? [] : ([] as string[]).concat(o.alias);
            const short = o.helpShort ?? aliases.find((a) => a.length === 1);
            const type = o.helpType ?? (name === 'filter' ? 'filter' : o.type === 'boolean' ? '' : o.type === 'number' ? 'int' : o.type === 'array' || o.coerce ? 'list' : 'string');
            const def = o.helpDefault !== undefined ? o.helpDefault : o.default === undefined || o.default === false || o.default === '' || (Array.isArray(o.default) && o.default.length === 0) ? undefined : typeof o.default === 'string' ? JSON.stringify(o.default) : String(o.default);
            flags.push({ name, ...(short ? { short } : {}), type, describe: o.describe ?? '', ...(def !== undefined ? { default: def } : {}) });
          }
          return self;
        };
      }
      return () => self;
    },
  }) as unknown as Argv;
  spec.builder?.(self);
  return flags;
}

/** pflag's wrap(): the text wrapped at `cols`, continuation lines indented by `indent`. */
export function wrapUsage(indent: number, cols: number, text: string): string {
  let i = indent;
  let width = cols - i;
  let r = '';
  if (width < 24) {
    i = 16;
    width = cols - i;
    r += `\n${' '.repeat(i)}`;
  }
  if (width < 24) return text.replace(/\n/g, r);
  const slop = 5;
  width -= slop;
  const wrapN = (s: string): [string, string] => {
    if (width + slop > s.length) return [s, ''];
    const head = s.slice(0, width);
    const w = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
    if (w <= 0) return [s, ''];
    const nl = head.lastIndexOf('\n');
    if (nl > 0 && nl < w) return [s.slice(0, nl), s.slice(nl + 1)];
    return [s.slice(0, w), s.slice(w + 1)];
  };
  const pad = `\n${' '.repeat(i)}`;
  const first = wrapN(text);
  r += first[0].replace(/\n/g, pad);
  let s = first[1];
  while (s !== '') {
    let t: string;
    [t, s] = wrapN(s);
    r += pad + t.replace(/\n/g, pad);
  }
  return r;
}

/** pflag's FlagUsagesWrapped: flags sorted by name, descriptions in one column. */
export function flagUsages(flags: HelpFlag[], cols: number): string {
  const sorted = [...flags].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = sorted.map((f) => {
    let left = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
    if (f.type) left += ` ${f.type}`;
    let usage = f.describe;
    if (f.default !== undefined) usage += ` (default ${f.default})`;
    return { left, usage };
  });
  const maxlen = Math.max(0, ...lines.map((l) => l.left.length + 1));
  return lines.map((l) => `${l.left} ${' '.repeat(maxlen - l.left.length)} ${wrapUsage(maxlen + 2, cols, l.usage)}\n`).join('');
}

/** docker's usage template for a leaf command: Usage, description, Aliases, Options. */
export function commandHelp(o: { prog: string; path: string; usage?: string; describe: string; long?: string; aliases?: string[]; flags: HelpFlag[]; cols?: number; experimental?: boolean }): string {
  // docker prints the Long text when a command has one, else the Short
  let out = `Usage:  ${o.prog} ${o.path}${o.usage ? ` ${o.usage}` : ''}\n\n${o.long ?? o.describe}\n`;
  if (o.experimental) {
    out +=
      `\nEXPERIMENTAL:\n  ${o.prog} ${o.path} is an experimental feature.\n  Experimental features provide early access to product functionality. These\n` +
      '  features may change between releases without warning, or can be removed from a\n  future release. Learn more about experimental features in our documentation:\n  https://docs.docker.com/go/experimental/\n';
  }
  if (o.aliases?.length) out += `\nAliases:\n  ${o.aliases.join(', ')}\n`;
  if (o.flags.length) out += `\nOptions:\n${flagUsages(o.flags, o.cols ?? 79).replace(/\s+$/, '')}\n`;
  return out;
}

/**
 * docker's other spellings of a command (the Aliases section): the management command's form
 * first, then its aliases, then the top-level shortcut.
 */
export function helpAliases(prog: string, group: string | undefined, name: string, specAliases: string[] = []): string[] {
  const shortcutOf: Record<string, [string, string]> = {
    ps: ['container', 'ls'], images: ['image', 'ls'], rmi: ['image', 'rm'], build: ['image', 'build'], pull: ['image', 'pull'], push: ['image', 'push'],
    events: ['system', 'events'], info: ['system', 'info'],
  };
  const CONTAINER = new Set(['run', 'create', 'exec', 'logs', 'start', 'stop', 'rm', 'restart', 'kill', 'wait', 'attach', 'pause', 'unpause', 'top', 'port', 'diff', 'stats', 'update', 'cp', 'export', 'rename', 'commit']);
  const IMAGE = new Set(['import', 'load', 'save', 'tag', 'history']);
  const GROUP_ALIASES: Record<string, string[]> = { ls: ['list'], rm: ['remove'] };
  if (group === 'system' && (name === 'events' || name === 'info')) return [`${prog} system ${name}`, `${prog} ${name}`];
  if (group) {
    const alts = specAliases.length ? specAliases : ['network', 'volume'].includes(group) ? (GROUP_ALIASES[name] ?? []) : [];
    if (!alts.length) return [];
    return [`${prog} ${group} ${name}`, ...alts.map((a) => `${prog} ${group} ${a}`)];
  }
  const [g, n] = shortcutOf[name] ?? (CONTAINER.has(name) ? ['container', name] : IMAGE.has(name) ? ['image', name] : [undefined, name]);
  if (!g) return [];
  const extra = name === 'ps' ? ['list', 'ps'] : n === 'ls' || n === 'rm' ? (GROUP_ALIASES[n] ?? []) : [];
  const out = [`${prog} ${g} ${n}`, ...extra.map((a) => `${prog} ${g} ${a}`), `${prog} ${name}`];
  if (name === 'build') out.push(`${prog} builder build`);
  return out;
}

/** A usage synopsis from a yargs command string: `disconnect <network> <container>` → `NETWORK CONTAINER`. */
export function usageFromCommand(command: string, hasFlags: boolean): string {
  const words = command
    .split(' ')
    .slice(1)
    .map((w) => {
      const m = /^([<[])([\w-]+?)(\.\.)?[>\]]$/.exec(w);
      if (!m) return w;
      const n = m[2]!.replace(/s$/, '').toUpperCase();
      if (m[1] === '[') return m[3] ? `[${n}...]` : `[${n}]`;
      return m[3] ? `${n} [${n}...]` : n;
    });
  return [...(hasFlags ? ['[OPTIONS]'] : []), ...words].join(' ');
}

/** docker's Common Commands, in its order. */
const COMMON = ['run', 'exec', 'ps', 'build', 'pull', 'push', 'images', 'login', 'logout', 'search', 'version', 'info'];

/**
 * The top-level help (`berth --help`, `-h`, `help`, or `berth` alone) in docker's layout: Usage,
 * Common Commands, Management Commands, Commands (each a column at 12), Global Options (pflag's
 * rendering), the footer. `commands` are berth's top-level commands, `groups` its management ones.
 */
export function topLevelHelp(o: { prog: string; commands: { name: string; describe: string }[]; groups: { name: string; describe: string }[]; flags: HelpFlag[]; cols?: number }): string {
  const line = (n: string, d: string) => `  ${n.padEnd(11)} ${d}\n`;
  const byName = new Map(o.commands.map((c) => [c.name, c.describe]));
  let out = `Usage:  ${o.prog} [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\nCommon Commands:\n`;
  for (const n of COMMON) if (byName.has(n)) out += line(n, byName.get(n)!);
  out += '\nManagement Commands:\n';
  for (const g of [...o.groups].sort((a, b) => a.name.localeCompare(b.name))) out += line(g.name, g.describe);
  out += '\nCommands:\n';
  for (const c of [...o.commands].filter((c) => !COMMON.includes(c.name)).sort((a, b) => a.name.localeCompare(b.name))) out += line(c.name, c.describe);
  out += `\nGlobal Options:\n${flagUsages(o.flags, o.cols ?? 79)}`;
  out += `\nRun '${o.prog} COMMAND --help' for more information on a command.\n\nFor more help on how to use ${o.prog}, see its README.md.\n`;
  return out;
}
