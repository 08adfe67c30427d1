import type { BerthClient } from '@berth/client';
import type { CliIo } from './cli-context';
import { CONTAINER_FLAGS, EXEC_FLAGS, RUN_FLAGS, type FlagDef } from './run-flag-table';

/** `berth completion bash`: completes through `berth __complete WORDS...` (commands, flags, names from the daemon). */
export const BASH_COMPLETION = `# berth completion for bash: source <(berth completion bash)
_berth() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$(berth __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur") )
}
complete -o default -F _berth berth
`;

/** `berth completion zsh`: the same through zsh's compadd. */
export const ZSH_COMPLETION = `#compdef berth
# berth completion for zsh: source <(berth completion zsh)  (after compinit)
_berth() {
  local -a completions
  completions=("\${(@f)$(berth __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a completions
}
if (( $+functions[compdef] )); then compdef _berth berth; fi
`;

const CONTAINER_ARG = new Set(['start', 'stop', 'restart', 'kill', 'wait', 'rm', 'logs', 'export', 'rename', 'attach', 'exec', 'pause', 'unpause', 'top', 'port', 'diff', 'commit', 'stats', 'update', 'inspect', 'cp']);
const IMAGE_ARG = new Set(['run', 'create', 'rmi', 'history', 'push', 'tag', 'save']);

function flagWords(table: FlagDef[]): string[] {
  return table.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);
}

/**
 * Candidates for the last of `words` (the command line after `berth`, the word being completed
 * last): commands (`topLevel`), group subcommands (`groups`: each group's leaf names, from the
 * CLI's command groups), run/create/exec flags, and container, image, volume or network names
 * asked of the daemon for the commands that take them.
 */
export async function completeWords(words: string[], topLevel: string[], groups: Record<string, string[]>, client: () => BerthClient, io: CliIo): Promise<number> {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(0, -1).filter((w) => !w.startsWith('-'));
  const out: string[] = [];
  const names = async (kind: 'container' | 'image' | 'volume' | 'network') => {
    try {
      if (kind === 'container') for (const ct of await client().containers.list({ all: true })) out.push(...(ct.Names ?? []).map((n) => n.replace(/^\//, '')), ct.Id.slice(0, 12));
      else if (kind === 'image') for (const im of await client().images.list({})) out.push(...(im.RepoTags ?? []).filter((t) => t !== '<none>:<none>'));
      else if (kind === 'volume') for (const v of await client().volumes.list({})) out.push(v.Name);
      else for (const n of await client().networks.list({})) out.push(n.Name);
    } catch {
      /* no daemon: no names */
    }
  };
  if (before.length === 0) out.push(...topLevel);
  else {
    const sub = before[1];
    let cmd = before[0];
    const group = groups[cmd!];
    if (group && before.length === 1) out.push(...group);
    else {
      let nameKind: 'container' | 'image' | 'volume' | 'network' | undefined;
      if (group) {
        if (cmd === 'volume' && (sub === 'rm' || sub === 'inspect')) nameKind = 'volume';
        else if (cmd === 'network' && sub !== 'ls' && sub !== 'create' && sub !== 'prune') nameKind = 'network';
        else if (cmd === 'image' && sub !== 'ls' && sub !== 'prune' && sub !== 'load' && sub !== 'import' && sub !== 'build') nameKind = 'image';
        else if (cmd === 'container') nameKind = sub === 'run' || sub === 'create' ? 'image' : 'container';
        cmd = sub;
      } else if (IMAGE_ARG.has(cmd!)) nameKind = 'image';
      else if (CONTAINER_ARG.has(cmd!)) nameKind = 'container';
      if (cur.startsWith('-')) {
        const table = cmd === 'run' ? RUN_FLAGS : cmd === 'create' ? CONTAINER_FLAGS : cmd === 'exec' ? EXEC_FLAGS : [];
        out.push(...flagWords(table));
      } else if (nameKind) {
        // run/create/exec take one name, then the container's own command
        const positionals = before.length - (group ? 2 : 1);
        if (!((cmd === 'run' || cmd === 'create' || cmd === 'exec') && positionals >= 1)) await names(nameKind);
      }
    }
  }
  io.stdout.write([...new Set(out)].filter((w) => w.startsWith(cur)).map((w) => `${w}\n`).join(''));
  return 0;
}
