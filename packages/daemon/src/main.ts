import yargs from 'yargs';
import pino from 'pino';
import { messageOf } from '@berth/errdefs';
import * as path from 'node:path';
import type { AddressPool } from '@berth/network';
import { DEFAULT_DATA_ROOT, DEFAULT_PID_FILE, startDaemon, type Daemon, type DaemonConfig, type RuntimeName } from './daemon';
import { DEFAULT_HOST } from './server/listen-address';
import { DAEMON_CONFIG_KEYS, DEFAULT_CONFIG_FILE, LOG_LEVEL_CHOICES, RUNTIME_CHOICES, loadDaemonConfig } from './daemon-config-file';

// the CRI's defaults, written out here so berthd's --help costs no gRPC load (they match @berth/cri's)
const DEFAULT_CRI_SOCKET = 'unix:///run/berth/cri.sock';
const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';
const DEFAULT_CNI_BIN_DIRS = ['/opt/cni/bin', '/usr/lib/cni'];
const DEFAULT_POD_INFRA_IMAGE = 'registry.k8s.io/pause:3.9';

/** dockerd's `--default-address-pool base=172.30.0.0/16,size=24`. */
function parseAddressPool(v: string): AddressPool {
  const kv = Object.fromEntries(v.split(',').map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]));
  const size = Number(kv['size']);
  if (!kv['base'] || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(kv['base']) || !Number.isInteger(size) || size < 1 || size > 32) {
    process.stderr.write(`berthd: invalid --default-address-pool "${v}" (expected base=CIDR,size=N)\n`);
    process.exit(1);
  }
  return { base: kv['base'], size };
}

/** berthd: flags -> DaemonConfig -> startDaemon; SIGTERM/SIGINT stop it gracefully. */
async function main(argv: string[]): Promise<void> {
  const parsed = await yargs(argv)
    .scriptName('berthd')
    .usage('$0 [options]\n\nA Docker-compatible container engine daemon (Engine API 1.41).')
    .option('config-file', { type: 'string', describe: `Daemon configuration file (default ${DEFAULT_CONFIG_FILE}; '' reads none)` })
    .option('data-root', { type: 'string', defaultDescription: DEFAULT_DATA_ROOT, describe: 'Root directory of persistent berth state' })
    .option('exec-root', { type: 'string', describe: 'Root directory for execution state files (default /run/berth with the default --data-root, else /run/berth-roots/<hash of the data root>)' })
    .option('host', { alias: 'H', type: 'string', array: true, describe: `Daemon socket(s) to listen on (default ${DEFAULT_HOST})` })
    .option('default-runtime', { alias: 'runtime', type: 'string', choices: RUNTIME_CHOICES, describe: 'Default OCI runtime for containers (default crun when installed, else runc)' })
    .option('log-level', { alias: 'l', type: 'string', choices: LOG_LEVEL_CHOICES, defaultDescription: 'info' })
    .option('debug', { alias: 'D', type: 'boolean', describe: 'Enable debug mode (log level debug)' })
    .option('tlsverify', { type: 'boolean', describe: 'Use TLS and verify the remote (client certificates)' })
    .option('tls', { type: 'boolean', describe: 'Use TLS (implied by --tlsverify)' })
    .option('tlscacert', { type: 'string', describe: 'Trust certs signed only by this CA' })
    .option('tlscert', { type: 'string', describe: 'Path to TLS certificate file' })
    .option('tlskey', { type: 'string', describe: 'Path to TLS key file' })
    .option('insecure-registry', { type: 'string', array: true, describe: 'Enable insecure registry communication' })
    .option('registry-mirror', { type: 'string', array: true, describe: 'Pull mirror: URL (of Docker Hub) or REGISTRY=URL (of any registry), e.g. 127.0.0.1:5000=http://127.0.0.1:5001' })
    .option('group', { alias: 'G', type: 'string', defaultDescription: 'docker', describe: 'Group for the unix socket' })
    .option('pidfile', { alias: 'p', type: 'string', describe: `Path to use for daemon PID file (default ${DEFAULT_PID_FILE} with the default --data-root, none with another)` })
    .option('cri-socket', { type: 'string', defaultDescription: DEFAULT_CRI_SOCKET, describe: "Kubernetes CRI v1 endpoint (unix:///PATH); '' turns it off" })
    .option('cni-conf-dir', { alias: 'cri-conf-dir', type: 'string', defaultDescription: DEFAULT_CNI_CONF_DIR, describe: 'CNI network configurations for pods' })
    .option('cni-bin-dir', { type: 'string', array: true, describe: `CNI plugin directories (default ${DEFAULT_CNI_BIN_DIRS.join(', ')})` })
    .option('cri-stream-address', { type: 'string', describe: 'CRI streaming server (exec/attach/port-forward URLs) listen address HOST:PORT (default 127.0.0.1:0: loopback, a free port)' })
    .option('pod-infra-image', { type: 'string', defaultDescription: DEFAULT_POD_INFRA_IMAGE, describe: 'Image of the pod sandbox (pause) containers' })

    .option('bridge', { alias: 'b', type: 'string', describe: 'Attach containers to a network bridge (default berth0; "none" disables the default bridge)' })
    .option('bip', { type: 'string', describe: "Specify network bridge IP (gateway/prefix, default 172.17.0.1/16)" })
    .option('default-address-pool', { type: 'string', array: true, describe: 'Default address pools for node specific local networks (base=CIDR,size=N)' })
    .strict()
    .fail((msg, err) => {
      process.stderr.write(`berthd: ${msg ?? messageOf(err)} (see berthd --help)\n`);
      process.exit(1);
    })
    .help()
    .version('0.1.0')
    .parseAsync();

  // the flags given on the command line (by long name), then the configuration file under them
  const given: Record<string, unknown> = {};
  for (const { flag } of Object.values(DAEMON_CONFIG_KEYS)) if ((parsed as Record<string, unknown>)[flag] !== undefined) given[flag] = (parsed as Record<string, unknown>)[flag];
  const configFile = parsed['config-file'] ?? DEFAULT_CONFIG_FILE;
  let merged: Record<string, unknown>;
  try {
    merged = configFile === '' ? given : await loadDaemonConfig(configFile, parsed['config-file'] !== undefined, given);
  } catch (e) {
    process.stderr.write(`berthd: ${messageOf(e)}\n`);
    process.exit(1);
  }
  const args = {
    'data-root': DEFAULT_DATA_ROOT,
    'log-level': 'info',
    debug: false,
    tlsverify: false,
    tls: false,
    group: 'docker',
    'cri-socket': DEFAULT_CRI_SOCKET,
    'cni-conf-dir': DEFAULT_CNI_CONF_DIR,
    'pod-infra-image': DEFAULT_POD_INFRA_IMAGE,
    ...merged,
  } as typeof parsed & { 'data-root': string; 'log-level': string; debug: boolean; tlsverify: boolean; tls: boolean; group: string; 'cri-socket': string; 'cni-conf-dir': string; 'pod-infra-image': string };

  const level = args.debug ? 'debug' : args['log-level'];
  const logger = pino({ level, base: { pid: process.pid } }, pino.destination(2));
  const hosts = (args.host ?? []).flatMap((h) => String(h).split(',')).filter((h) => h !== '');
  const config: DaemonConfig = {
    dataRoot: args['data-root'],
    ...(args['exec-root'] ? { execRoot: args['exec-root'] } : {}),
    hosts: hosts.length ? hosts : [DEFAULT_HOST],
    ...(args['default-runtime'] ? { runtime: args['default-runtime'] as RuntimeName } : {}),
    logger,
    debug: level === 'debug',
  };
  if (args.tlsverify || args.tls || args.tlscert) {
    config.tls = { verify: args.tlsverify };
    if (args.tlscacert) config.tls.caFile = args.tlscacert;
    if (args.tlscert) config.tls.certFile = args.tlscert;
    if (args.tlskey) config.tls.keyFile = args.tlskey;
  }
  if (args.pidfile) config.pidFile = args.pidfile;
  else if (path.resolve(args['data-root']) === DEFAULT_DATA_ROOT) config.pidFile = DEFAULT_PID_FILE;
  config.socketGroup = args.group;
  if (args['insecure-registry']?.length) config.insecureRegistries = args['insecure-registry'].map(String);
  if (args['registry-mirror']?.length) config.registryMirrors = args['registry-mirror'].map(String);
  if (args.bridge) config.bridge = args.bridge;
  if (args.bip) config.bip = args.bip;
  if (args['default-address-pool']?.length) config.defaultAddressPools = args['default-address-pool'].map((p) => parseAddressPool(String(p)));

  if (args['cri-socket']) {
    config.cri = {
      socket: args['cri-socket'],
      cniConfDir: args['cni-conf-dir'],
      podInfraImage: args['pod-infra-image'],
      ...(args['cri-stream-address'] !== undefined ? { streamAddress: String(args['cri-stream-address']) } : {}),
      ...(args['cni-bin-dir']?.length ? { cniBinDirs: args['cni-bin-dir'].flatMap((d) => String(d).split(':')).filter(Boolean) } : {}),
    };
  }

  let daemon: Daemon;
  try {
    daemon = await startDaemon(config);
  } catch (e) {
    logger.flush?.();
    process.stderr.write(`berthd: ${messageOf(e)}\n`);
    process.exit(1);
  }
  logger.info({ addresses: daemon.addresses, cri: daemon.criAddress, dataRoot: config.dataRoot, execRoot: daemon.layout.execRoot, runtime: daemon.runtime }, 'berthd started');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down (containers keep running)');
    daemon.close().then(
      () => {
        logger.info('berthd stopped');
        logger.flush?.();
        process.exit(0);
      },
      (e: unknown) => {
        logger.error({ err: messageOf(e) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGPIPE', () => undefined);
  // A stray socket error or a forgotten rejection must not take the API down with it: the
  // containers keep running either way, and the log says what happened.
  process.on('uncaughtException', (e: unknown) => logger.error({ err: messageOf(e), stack: (e as Error)?.stack }, 'uncaught exception'));
  process.on('unhandledRejection', (e: unknown) => logger.error({ err: messageOf(e), stack: (e as Error)?.stack }, 'unhandled rejection'));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`berthd: ${messageOf(e)}\n`);
  process.exit(1);
});
