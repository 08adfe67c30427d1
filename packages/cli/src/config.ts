import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_HOST, type BerthClientOptions, type TlsOptions } from '@berth/client';
import { MAX_API_VERSION } from '@berth/api';
import { InvalidArgumentError } from '@berth/errdefs';
import { readConfigFile } from './config-file';
import type { StoredContext } from './context-store';

/** The global flags, as parsed. */
export interface GlobalFlags {
  host?: string | string[];
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
  config?: string;
  /** `-c, --context`: the context to use, over BERTH_HOST and the current one. */
  contextFlag?: string;
}

/** `--config` default: `~/.berth` (or BERTH_CONFIG). */
export function configDir(flags: GlobalFlags, env: NodeJS.ProcessEnv): string {
  return flags.config || env.BERTH_CONFIG || path.join(env.HOME || os.homedir(), '.berth');
}

/** The endpoint given outside the context store: `-H`, else BERTH_HOST (docker's DOCKER_HOST); undefined if neither. */
export function givenHost(flags: Pick<GlobalFlags, 'host'>, env: NodeJS.ProcessEnv): string | undefined {
  const hosts = Array.isArray(flags.host) ? flags.host : flags.host ? [flags.host] : [];
  if (hosts.length > 1) throw new InvalidArgumentError('Specify only one -H');
  return hosts[0] || env.BERTH_HOST || undefined;
}

/** The `default` context's endpoint: the given host, else the default socket. */
export function defaultContextHost(flags: Pick<GlobalFlags, 'host'>, env: NodeJS.ProcessEnv): string {
  return givenHost(flags, env) ?? DEFAULT_HOST;
}

/**
 * docker's resolveContextName: `--context`, else `default` when a host is given (-H,
 * BERTH_HOST), else BERTH_CONTEXT, else config.json's current context, else `default`.
 */
export function currentContextOf(flags: GlobalFlags, env: NodeJS.ProcessEnv): string {
  if (flags.contextFlag) return flags.contextFlag;
  const store = require('./context-store') as typeof import('./context-store');
  if (givenHost(flags, env) !== undefined) return store.DEFAULT_CONTEXT;
  return env.BERTH_CONTEXT || store.currentContextName(configDir(flags, env));
}

/**
 * The docker endpoint of the context in use (currentContextOf) with its TLS settings from the
 * context's TLS files (context-tls.ts); undefined for `default`.
 */
function contextEndpoint(flags: GlobalFlags, env: NodeJS.ProcessEnv): { host: string | undefined; tls?: TlsOptions } | undefined {
  const dir = configDir(flags, env);
  const store = require('./context-store') as typeof import('./context-store');
  if (!flags.contextFlag && !env.BERTH_CONTEXT && !store.hasStore(dir)) return undefined;
  const name = currentContextOf(flags, env);
  if (name === store.DEFAULT_CONTEXT) return undefined;
  let ep: StoredContext['Endpoints']['docker'] | undefined;
  try {
    ep = store.readContext(dir, name).Endpoints.docker;
  } catch (e) {
    // docker 28: a context that is not there, from --context or config.json alike (20.10's own text
    // for config.json's, naming the file to check, is gone)
    throw new InvalidArgumentError(`Failed to initialize: unable to resolve docker endpoint: ${(e as Error).message}`, { cause: e });
  }
  if (!ep) throw new InvalidArgumentError(`Failed to initialize: unable to resolve docker endpoint: ${store.NO_DOCKER_ENDPOINT}`);
  const { endpointTlsOptions } = require('./context-tls') as typeof import('./context-tls');
  try {
    return { host: ep.Host || undefined, tls: endpointTlsOptions(ep.Host, ep.SkipTLSVerify, store.readTlsFiles(dir, name).get('docker')) };
  } catch (e) {
    throw new InvalidArgumentError(`Failed to initialize: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The host flags' checks that fail every command at start-up, as docker 28's (DockerCli.Initialize's
 * `--host` with `--context`; more than one `-H`). The endpoint itself, with a stored context's TLS
 * files, is resolved only when a command first needs the daemon (resolveClientOptions).
 */
export function checkHostFlags(flags: GlobalFlags, env: NodeJS.ProcessEnv): void {
  const hosts = Array.isArray(flags.host) ? flags.host : flags.host ? [flags.host] : [];
  if (flags.contextFlag && hosts.length > 0) throw new InvalidArgumentError('conflicting options: cannot specify both --host and --context');
  givenHost(flags, env);
}

/**
 * Resolves connection settings the way docker does, with berth's names: `-H`, else BERTH_HOST,
 * else the current context's endpoint (`berth context use`), else `unix:///run/berth.sock`
 * (DOCKER_HOST is not read). `--tlsverify` (or BERTH_TLS_VERIFY)
 * turns on mutual TLS; certificates default to ca.pem, cert.pem and key.pem in BERTH_CERT_PATH,
 * else the config dir.
 */
export function resolveClientOptions(flags: GlobalFlags, env: NodeJS.ProcessEnv): BerthClientOptions {
  checkHostFlags(flags, env);
  const given = flags.contextFlag ? undefined : givenHost(flags, env);
  const fromContext = given === undefined ? contextEndpoint(flags, env) : undefined;
  const host = given ?? fromContext?.host ?? (flags.contextFlag ? defaultContextHost(flags, env) : undefined);
  const o: BerthClientOptions = { host, userAgent: 'berth-cli', apiVersion: env.BERTH_API_VERSION || undefined, maxApiVersion: MAX_API_VERSION };
  if (fromContext) {
    // a stored context connects as its endpoint says; the TLS flags belong to `default`
    if (fromContext.tls) o.tls = fromContext.tls;
    return o;
  }
  const tls = flagTlsOptions(flags, env);
  if (tls) o.tls = tls;
  return o;
}

/**
 * The `default` context's TLS, from the TLS flags (`--tls`, `--tlsverify` or BERTH_TLS_VERIFY,
 * the files in BERTH_CERT_PATH, else the config dir); undefined without TLS. Docker reads them
 * whenever it resolves `default` (ResolveDefaultContext: `context ls`, `context inspect
 * default`), so a file that cannot be read fails those too.
 */
export function flagTlsOptions(flags: GlobalFlags, env: NodeJS.ProcessEnv): TlsOptions | undefined {
  const verify = !!flags.tlsverify || (env.BERTH_TLS_VERIFY !== undefined && env.BERTH_TLS_VERIFY !== '');
  if (!verify && !flags.tls) return undefined;
  const dir = env.BERTH_CERT_PATH || configDir(flags, env);
  const read = (p: string | undefined, def: string, required: boolean) => {
    const file = p || path.join(dir, def);
    try {
      return fs.readFileSync(file);
    } catch (e) {
      if (!required && !p) return undefined;
      throw new InvalidArgumentError(`could not read ${file}: ${(e as Error).message}`);
    }
  };
  return {
    ca: read(flags.tlscacert, 'ca.pem', verify),
    cert: read(flags.tlscert, 'cert.pem', false),
    key: read(flags.tlskey, 'key.pem', false),
    verify,
  };
}

/** The `detachKeys` of the config file (`config.json` in the config dir), as docker reads it; undefined if unset. */
export function configuredDetachKeys(ctx: { env: NodeJS.ProcessEnv }, config: string | undefined): string | undefined {
  const keys: unknown = readConfigFile(configDir({ config }, ctx.env)).detachKeys;
  return typeof keys === 'string' && keys !== '' ? keys : undefined;
}
