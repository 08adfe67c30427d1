import type { ContainerStateRecord } from './container-record';
import { ZERO_TIME } from './container-record';

/** go-units HumanDuration: the words `docker ps` shows ("Less than a second", "5 seconds", "About a minute"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3600000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(Math.floor(ms / 3600000) / 24 / 365)} years`;
}

function since(now: Date, t: string): number {
  return Math.max(0, now.getTime() - Date.parse(t));
}

/** docker's ` (healthy)`, ` (unhealthy)`, ` (health: starting)` after "Up ...". */
function healthSuffix(s: ContainerStateRecord): string {
  if (!s.health) return '';
  return s.health.Status === 'starting' ? ' (health: starting)' : ` (${s.health.Status})`;
}

/** The `Status` column of `docker ps`, composed as the daemon does (State.String()). */
export function statusText(s: ContainerStateRecord, now: Date): string {
  switch (s.status) {
    case 'running':
      return `Up ${humanDuration(since(now, s.startedAt))}${healthSuffix(s)}`;
    case 'paused':
      return `Up ${humanDuration(since(now, s.startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${humanDuration(since(now, s.finishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
    case 'exited':
      if (s.startedAt === ZERO_TIME) return 'Created';
      if (s.finishedAt === ZERO_TIME) return '';
      return `Exited (${s.exitCode}) ${humanDuration(since(now, s.finishedAt))} ago`;
  }
}

/** The `Command` of `docker ps`: Path and Args, arguments with spaces in single quotes. */
export function commandText(path: string, args: readonly string[]): string {
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}
