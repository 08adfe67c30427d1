import { Database } from '@berth/sqlite';
import pino from 'pino';
import yargs from 'yargs';
import { FileBlobStore } from './blob-store';
import { garbageCollect } from './garbage-collect';
import { RegistryLayout } from './layout';
import { migrations } from './migrations';
import type { ProxyRemoteConfig } from './proxy-upstream';
import { RegistryMetadata } from './registry-metadata';
import { DEFAULT_ADDR, RegistryServer } from './registry-server';

function proxyConfig(url: string, username: string | undefined, password: string | undefined): ProxyRemoteConfig {
  const pw = password ?? process.env['BERTH_REGISTRY_PROXY_PASSWORD'];
  return username !== undefined && pw !== undefined ? { url, credentials: { username, password: pw } } : { url };
}

/** `berth-registry [serve] --addr --data-root ...` and `berth-registry garbage-collect`. */
async function main(argv: string[]): Promise<void> {
  const log = pino({ name: 'berth-registry', level: process.env['BERTH_REGISTRY_LOG'] ?? 'info' }, pino.destination(2));
  await yargs(argv)
    .scriptName('berth-registry')
    .option('data-root', { type: 'string', default: '/var/lib/berth-registry', describe: 'where blobs and registry.db live' })
    .command(
      ['serve', '$0'],
      'serve the OCI distribution API',
      (y) =>
        y
          .option('addr', { type: 'string', default: DEFAULT_ADDR, describe: 'host:port to listen on' })
          .option('htpasswd', { type: 'string', describe: 'htpasswd file (bcrypt): basic auth, or the users of --token-auth' })
          .option('token-auth', { type: 'boolean', default: false, describe: 'issue bearer tokens at /token and require them' })
          .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve https' })
          .option('tls-key', { type: 'string', describe: 'PEM private key' })
          .option('proxy-remote', { type: 'string', describe: 'pull-through cache of this registry URL (read-only)' })
          .option('proxy-username', { type: 'string', describe: 'user name for the upstream of --proxy-remote' })
          .option('proxy-password', { type: 'string', describe: 'password for the upstream (or BERTH_REGISTRY_PROXY_PASSWORD)' }),
      async (a) => {
        const server = await RegistryServer.start({
          dataRoot: a['data-root'],
          addr: a.addr,
          tokenAuth: a['token-auth'],
          logger: log,
          ...(a.htpasswd ? { htpasswd: a.htpasswd } : {}),
          ...(a['tls-cert'] ? { tlsCert: a['tls-cert'] } : {}),
          ...(a['tls-key'] ? { tlsKey: a['tls-key'] } : {}),
          ...(a['proxy-remote'] ? { proxyRemote: proxyConfig(a['proxy-remote'], a['proxy-username'], a['proxy-password']) } : {}),
        });
        const stop = (): void => {
          server.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    )
    .command(
      'garbage-collect',
      'delete blobs no manifest references (run with the registry stopped)',
      (y) =>
        y
          .option('dry-run', { type: 'boolean', default: false })
          .option('grace', { type: 'number', default: 0, describe: 'keep blobs uploaded in the last N seconds (a push in flight)' }),
      async (a) => {
        const root = a['data-root'];
        const blobs = new FileBlobStore(root);
        await blobs.init();
        const db = await Database.open(new RegistryLayout(root).database);
        try {
          await db.migrate(migrations);
          const r = await garbageCollect(new RegistryMetadata(db), blobs, log, { dryRun: a['dry-run'], graceMs: a.grace * 1000 });
          for (const d of r.removed) process.stdout.write(`${a['dry-run'] ? 'would remove' : 'removed'} ${d}\n`);
        } finally {
          await db.close();
        }
      },
    )
    .strict()
    .help()
    .parseAsync();
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`berth-registry: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
