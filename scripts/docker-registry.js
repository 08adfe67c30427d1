'use strict';
/**
 * Debian's docker-registry (distribution 2.8, `apt-get install docker-registry`: scripts/setup.sh)
 * as the benchmarks (bench/common.js) and the end-to-end registry helpers
 * (test-e2e/registry-helpers.ts) run it: one config file, written here, and the command that
 * serves it. Each caller spawns and stops the process its own way (plain JS; the TypeScript
 * harness imports it through docker-registry.d.ts).
 */
const fs = require('node:fs');
const path = require('node:path');

/**
 * Writes `dir/docker-registry.yml` for a registry on 127.0.0.1:`port` storing under `root`
 * (filesystem driver, deletes allowed, errors only in its log) and returns the command line
 * that serves it. `htpasswd`: basic auth from that file (realm berth-e2e); `proxyRemote`: a
 * pull-through cache of that registry.
 */
function dockerRegistryCommand(dir, { port, root, htpasswd, proxyRemote }) {
  const config = path.join(dir, 'docker-registry.yml');
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${root}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (htpasswd) lines.push('auth:', '  htpasswd:', '    realm: berth-e2e', `    path: ${htpasswd}`);
  if (proxyRemote) lines.push('proxy:', `  remoteurl: ${proxyRemote}`);
  fs.writeFileSync(config, lines.join('\n') + '\n');
  return { cmd: 'docker-registry', args: ['serve', config] };
}

module.exports = { dockerRegistryCommand };
