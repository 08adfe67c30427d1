import { isIP } from 'node:net';
import { PassThrough } from 'node:stream';
import * as v8 from 'node:v8';
import { BerthClient, type BerthClientOptions } from '@berth/client';
import { runCli } from './cli';
import {
  CONTAINER_COMMANDS,
  CONTAINER_INSPECT,
  CONTAINER_PRUNE,
  IMAGE_COMMANDS,
  IMAGE_INSPECT,
  IMAGE_PRUNE,
  INSPECT,
  NETWORK_COMMANDS,
  SYSTEM_COMMANDS,
  SYSTEM_DF,
  VOLUME_COMMANDS,
} from './command-table';
import { runOnProcess } from './process-main';
import { WarmUpTransport } from './warm-up-transport';

/**
 * The entry of the bundle (`dist/fast/berth.js`, see scripts/build-fast.js), run two ways:
 *   - `node --build-snapshot`: loads and pre-initialises everything that does not depend on the
 *     user's argv, environment, cwd, streams or terminal, then leaves `runOnProcess` as the
 *     snapshot's main function; `bin/berth` starts node from that snapshot (`-- args`, so argv is
 *     `[node, ...args]`).
 *   - plainly (`node dist/fast/berth.js args`): runs the CLI at once.
 * Nothing done while building may touch process.stdout/stderr/stdin, timers or sockets: those
 * would be frozen into the blob. node:http, https, tls, tty, child_process and readline cannot
 * even be loaded then (Node 20's snapshot builder refuses or warns): the bundle gets them through
 * lazy proxies that require them on first use.
 */
function warmUp(): Promise<unknown> {
  // Every command's module, the client and the reference parser: no module loading at run time.
  const specs = [...CONTAINER_COMMANDS, ...IMAGE_COMMANDS, INSPECT, CONTAINER_INSPECT, CONTAINER_PRUNE, IMAGE_INSPECT, IMAGE_PRUNE, ...VOLUME_COMMANDS, ...NETWORK_COMMANDS, SYSTEM_DF, ...SYSTEM_COMMANDS];
  for (const s of specs) s.load();
  require('@berth/client');
  require('@berth/oci');
  require('./pull-image');
  require('./credentials');
  require('./json-messages-output');
  // node:http's first request checks addresses with net's large IPv6 pattern; compile it now
  isIP('::1');
  // Drive yargs and the hot commands once (help, builders, a usage error, then ps, exec and run
  // against canned answers), so their code is compiled in the blob; buffers stand in for the
  // terminal, an empty env for the user's. YARGS_DISABLE_WRAP keeps yargs from asking for the
  // terminal width (process.stdout) while building.
  process.env.YARGS_DISABLE_WRAP = '1';
  const sink = () => new PassThrough().resume();
  const deps = {
    io: { stdout: sink(), stderr: sink(), stdin: sink() },
    env: {},
    onSignal: () => () => undefined,
    makeClient: (o: BerthClientOptions) => new BerthClient({ ...o, host: 'unix:///warm-up.sock', transport: new WarmUpTransport() }),
  };
  const runs = [
    ['--help'],
    ['run', '--help'],
    ['exec', '--help'],
    ['ps', '--help'],
    ['ps', '--no-such-flag'],
    ['image', 'ls', '--help'],
    ['ps'],
    ['ps', '-a', '--format', '{{.ID}} {{.Names}}'],
    ['images'],
    ['exec', 'warm', 'true'],
    ['run', '--rm', 'busybox', 'true'],
  ];
  return runs
    .reduce<Promise<unknown>>((p, a) => p.then(() => runCli(a, deps)), Promise.resolve())
    .finally(() => {
      delete process.env.YARGS_DISABLE_WRAP;
    });
}

if (v8.startupSnapshot.isBuildingSnapshot()) {
  void warmUp();
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // bin/berth moved NODE_EXTRA_CA_CERTS aside so node would not parse that bundle at start: put it back
    const saved = process.env.BERTH_SAVED_NODE_EXTRA_CA_CERTS;
    if (saved !== undefined) {
      process.env.NODE_EXTRA_CA_CERTS = saved;
      delete process.env.BERTH_SAVED_NODE_EXTRA_CA_CERTS;
    }
    runOnProcess(process.argv.slice(1));
  });
} else {
  runOnProcess(process.argv.slice(2));
}
