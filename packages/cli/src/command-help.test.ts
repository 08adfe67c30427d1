import { describe, expect, it } from '@jest/globals';
import { commandHelp, flagUsages, helpAliases, wrapUsage } from './command-help';

describe('command help (docker / pflag layout)', () => {
  it('puts descriptions two columns after the longest flag and wraps them at 79 columns as pflag does', () => {
    const out = flagUsages(
      [
        { name: 'last', short: 'n', type: 'int', describe: 'Show n last created containers (includes all states)', default: '-1' },
        { name: 'all', short: 'a', type: '', describe: 'Show all containers (default shows just running)' },
        { name: 'format', type: 'string', describe: 'Pretty-print' },
      ],
      79,
    );
    expect(out).toBe(
      '  -a, --all             Show all containers (default shows just running)\n' +
        '      --format string   Pretty-print\n' +
        '  -n, --last int        Show n last created containers (includes all\n' +
        '                        states) (default -1)\n',
    );
  });

  it('wrap keeps short texts on one line and breaks long ones at a space', () => {
    expect(wrapUsage(24, 79, 'short')).toBe('short');
    expect(wrapUsage(24, 79, 'Show n last created containers (includes all states) (default -1)')).toBe('Show n last created containers (includes all\n                        states) (default -1)');
  });

  it('lays out Usage, the description, Aliases and Options', () => {
    expect(commandHelp({ prog: 'docker', path: 'stop', usage: '[OPTIONS] CONTAINER', describe: 'Stop', aliases: helpAliases('docker', undefined, 'stop'), flags: [{ name: 'time', short: 't', type: 'int', describe: 'Seconds' }] })).toBe(
      'Usage:  docker stop [OPTIONS] CONTAINER\n\nStop\n\nAliases:\n  docker container stop, docker stop\n\nOptions:\n  -t, --time int   Seconds\n',
    );
    expect(helpAliases('docker', undefined, 'ps')).toEqual(['docker container ls', 'docker container list', 'docker container ps', 'docker ps']);
    expect(helpAliases('docker', undefined, 'rmi')).toEqual(['docker image rm', 'docker image remove', 'docker rmi']);
    expect(helpAliases('docker', 'network', 'ls')).toEqual(['docker network ls', 'docker network list']);
  });
});
