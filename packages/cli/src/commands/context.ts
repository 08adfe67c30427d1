import * as fs from 'node:fs';
import type { CliContext, ExitCode } from '../cli-context';
import { StatusError } from '../cli-errors';
import { type GlobalFlags, configDir, currentContextOf, defaultContextHost, flagTlsOptions } from '../config';
import { packContextArchive, readContextArchive } from '../context-archive';
import { endpointTlsOptions } from '../context-tls';
import {
  DEFAULT_CONTEXT,
  NO_DOCKER_ENDPOINT,
  StoredContext,
  contextExists,
  contextJson,
  contextNameError,
  listContexts,
  metaDir,
  readContext,
  readTlsFiles,
  removeContext,
  resetTlsFiles,
  setCurrentContext,
  tlsDir,
  writeContextJson,
} from '../context-store';
import { goJsonSyntaxError } from '../format/go-json-syntax';
import { goStruct } from '../format/go-struct';
import { ellipsis, goJsonIndent, goQuote, goSortedJson } from '../format/go-text';
import { goPathError } from '../go-path-error';
import { naturalCompare } from '../format/natural-order';
import { normalizeFormat, renderRows } from '../format/render';
import { formatContextOf } from '../format/template';
import { renderTable } from '../format/table';
import { inspectEach } from './inspect';

/** docker's row type, named in template errors. */
const ClientContextContext = formatContextOf('*formatter.clientContextContext');

const DEFAULT_DESCRIPTION = 'Current BERTH_HOST based configuration';

type GlobalArgv = Pick<GlobalFlags, 'config' | 'host' | 'tls' | 'tlsverify' | 'tlscacert' | 'tlscert' | 'tlskey'>;

/** `default`'s docker endpoint as docker's ResolveDefaultContext makes it: the TLS flags' files are read (a bad one fails). */
function defaultHost(ctx: CliContext, argv: GlobalArgv): string {
  flagTlsOptions(argv, ctx.env);
  return defaultContextHost(argv, ctx.env);
}

/*
 * `berth context ls|show|use|inspect|create|update|export|import|rm`: docker's context store in berth's config dir
 * (context-store.ts). `default` is the endpoint from -H, else BERTH_HOST, else the default socket
 * (config.ts' defaultContextHost, which the connection itself uses too).
 */

function dirOf(ctx: CliContext, argv: GlobalArgv): string {
  return configDir({ config: argv.config }, ctx.env);
}

function current(ctx: CliContext, argv: GlobalArgv): string {
  return currentContextOf({ ...argv, contextFlag: ctx.contextFlag }, ctx.env);
}

export async function ls(ctx: CliContext, argv: GlobalArgv & { format?: string; quiet?: boolean }): Promise<ExitCode> {
  const cur = current(ctx, argv);
  const all = [
    { Name: DEFAULT_CONTEXT, Description: DEFAULT_DESCRIPTION, DockerEndpoint: defaultHost(ctx, argv) },
    ...listContexts(dirOf(ctx, argv)).map((c) => ({
      Name: c.Name,
      Description: c.Metadata?.Description ?? '',
      DockerEndpoint: c.Endpoints?.docker?.Host ?? '',
      Error: c.Endpoints?.docker ? '' : NO_DOCKER_ENDPOINT,
    })),
  ];
  if (!all.some((c) => c.Name === cur)) {
    // docker 28: a current context that is not in the store is listed, with why
    let Error = '';
    try {
      readContext(dirOf(ctx, argv), cur);
    } catch (e) {
      Error = (e as Error).message;
    }
    all.push({ Name: cur, Description: '', DockerEndpoint: '', Error });
  }
  all.sort((a, b) => naturalCompare(a.Name, b.Name));
  // docker's clientContextContext.Error: at most 45 characters, in the table and a --format alike
  const rows = all.map((c) => new ClientContextContext({ ...c, Error: ellipsis(('Error' in c ? c.Error : '') ?? '', 45), Current: c.Name === cur }));
  if (argv.quiet || argv.format) {
    const format = argv.quiet ? '{{.Name}}' : normalizeFormat(argv.format, '');
    ctx.io.stdout.write(renderRows(format, rows, { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR', Current: 'CURRENT' }));
    hostOverrideWarning(ctx);
    return 0;
  }
  ctx.io.stdout.write(renderTable([['NAME', 'DESCRIPTION', 'DOCKER ENDPOINT', 'ERROR'], ...all.map((c) => [c.Name === cur ? `${c.Name} *` : c.Name, c.Description, c.DockerEndpoint, 'Error' in c ? ellipsis(c.Error ?? '', 45) : ''])]));
  hostOverrideWarning(ctx);
  return 0;
}

/** docker's `context ls` warning (after its output, with or without --format) when the host variable is set. */
function hostOverrideWarning(ctx: CliContext): void {
  if (ctx.env.BERTH_HOST) {
    ctx.io.stderr.write('Warning: BERTH_HOST environment variable overrides the active context. To use a context, either set the global --context flag, or unset BERTH_HOST environment variable.\n');
  }
}

export async function show(ctx: CliContext, argv: GlobalArgv): Promise<ExitCode> {
  ctx.io.stdout.write(`${current(ctx, argv)}\n`);
  return 0;
}

/** docker's RunUse: a name other than `default` is checked (docker's rule), then looked up. */
export async function use(ctx: CliContext, argv: GlobalArgv & { name: string }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  if (argv.name !== DEFAULT_CONTEXT) {
    const bad = contextNameError(argv.name);
    if (bad) return fail(ctx, bad);
    try {
      readContext(dir, argv.name);
    } catch (e) {
      return fail(ctx, (e as Error).message);
    }
  }
  setCurrentContext(dir, argv.name);
  ctx.io.stdout.write(`${argv.name}\n`);
  ctx.io.stderr.write(`Current context is now ${JSON.stringify(argv.name)}\n`);
  if (argv.name !== DEFAULT_CONTEXT && ctx.env.BERTH_HOST) {
    ctx.io.stderr.write(
      `Warning: BERTH_HOST environment variable overrides the active context. To use ${JSON.stringify(argv.name)}, either set the global --context flag, or unset BERTH_HOST environment variable.\n`,
    );
  }
  return 0;
}

function fail(ctx: CliContext, message: string): ExitCode {
  ctx.io.stderr.write(`${message}\n`);
  return 1;
}

type TlsFiles = Map<string, Map<string, Buffer>>;

/** pflag's StringToString (`--docker`, repeatable): one `k=v` as typed (quotes trimmed), several split as CSV; a usage error (125) without `=`. */
function parseDockerFlag(ctx: CliContext, cmd: string, spec: string | string[] | undefined): Map<string, string> | undefined {
  if (spec === undefined) return undefined;
  const kv = new Map<string, string>();
  for (const val of ([] as string[]).concat(spec)) {
    const usage = (what: string) =>
      new StatusError(`invalid argument "${val}" for "--docker" flag: ${what} must be formatted as key=value\n\nUsage:  ${ctx.prog} context ${cmd} [OPTIONS] CONTEXT\n\nRun '${ctx.prog} context ${cmd} --help' for more information`, 125);
    const n = val.split('=').length - 1;
    if (n === 0) throw usage(val);
    const pairs = n === 1 ? [val.replace(/^"+|"+$/g, '')] : val.split(',');
    for (const pair of pairs) {
      const i = pair.indexOf('=');
      if (i < 0) throw usage(pair);
      kv.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }
  return kv;
}

const DOCKER_KEYS = ['from', 'host', 'ca', 'cert', 'key', 'skip-tls-verify'];
const TLS_FILE: Record<string, string> = { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' };

/**
 * docker's getDockerEndpointMetadataAndTLS: `from=NAME` copies that context's endpoint; else
 * `host`, `skip-tls-verify` (Go's ParseBool) and the `ca`/`cert`/`key` files (stored as the
 * endpoint's TLS material, checked as docker checks them for a host that uses TLS). Errors are docker's, without the
 * `unable to create docker endpoint config: ` its callers put in front.
 */
function dockerEndpoint(ctx: CliContext, argv: GlobalArgv, kv: Map<string, string>): { ep: StoredContext['Endpoints']['docker']; tls?: Map<string, Buffer> } {
  const unknown = [...kv.keys()].filter((k) => !DOCKER_KEYS.includes(k));
  if (unknown.length) throw new Error(unknown.map((k) => `unrecognized config key: ${k}`).join('\n'));
  const from = kv.get('from');
  if (from !== undefined) {
    // the endpoint's metadata only (docker copies no TLS material); a context without one is refused
    const ep = typedRead(ctx, argv, from).Endpoints.docker;
    if (!ep) throw new Error(`unable to get endpoint from context ${goQuote(from)}`);
    return { ep };
  }
  let tls: Map<string, Buffer> | undefined;
  for (const k of ['ca', 'cert', 'key']) {
    const file = kv.get(k);
    if (!file) continue;
    try {
      (tls ??= new Map()).set(TLS_FILE[k]!, fs.readFileSync(file));
    } catch (e) {
      throw new Error(goPathError((e as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', file, e), { cause: e });
    }
  }
  const skip = kv.get('skip-tls-verify');
  let SkipTLSVerify = false;
  if (skip !== undefined) {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(skip)) SkipTLSVerify = true;
    else if (!['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(skip)) throw new Error(`skip-tls-verify: parsing ${goQuote(skip)}: invalid syntax`);
  }
  const Host = kv.get('host') ?? '';
  // docker's ep.ClientOpts(): the TLS material checked for a host that would use it
  if (Host !== '') {
    try {
      endpointTlsOptions(Host, SkipTLSVerify, tls);
    } catch (e) {
      throw new Error(`invalid docker endpoint options: ${(e as Error).message}`, { cause: e });
    }
  }
  // the docker client's ParseHostURL
  if (Host !== '' && !/^.*?:\/\/./s.test(Host)) throw new Error(`unable to apply docker endpoint options: unable to parse docker host \`${Host}\``);
  return { ep: { Host, SkipTLSVerify }, tls };
}

/** A context as docker's store (with `default`) reads it; throws docker's not-found error. */
function typedRead(ctx: CliContext, argv: GlobalArgv, name: string): StoredContext {
  if (name === DEFAULT_CONTEXT) return { Name: DEFAULT_CONTEXT, Metadata: {}, Endpoints: { docker: { Host: defaultHost(ctx, argv), SkipTLSVerify: false } } };
  return readContext(dirOf(ctx, argv), name);
}

/** docker's checkContextNameForCreation: the error text, or undefined. */
function creationError(dir: string, name: string): string | undefined {
  return contextNameError(name) ?? (contextExists(dir, name) ? `context ${goQuote(name)} already exists` : undefined);
}

/** What `context export` of `name` holds: its meta.json as docker marshals the typed context, and its TLS files. */
function exported(ctx: CliContext, argv: GlobalArgv, name: string, description?: string): { meta: Buffer; tls: TlsFiles } {
  const c = typedRead(ctx, argv, name);
  if (description !== undefined) {
    // create's descriptionDecorator: GetDockerContext gives `default` its description, a given one wins
    c.Metadata = { ...(c.Metadata ?? {}) };
    if (name === DEFAULT_CONTEXT) c.Metadata.Description = DEFAULT_DESCRIPTION;
    if (description) c.Metadata.Description = description;
  }
  return { meta: Buffer.from(contextJson(c)), tls: name === DEFAULT_CONTEXT ? new Map() : readTlsFiles(dirOf(ctx, argv), name) };
}

/** docker's parseMetadata: meta.json decoded into store.Metadata (Go's errors), renamed `name`, marshalled back (maps sorted). */
function importedJson(meta: Buffer, name: string): string {
  const syntax = goJsonSyntaxError(meta);
  if (syntax) throw new Error(syntax);
  const v: unknown = JSON.parse(meta.toString('utf8'));
  const kind = (x: unknown) => (Array.isArray(x) ? 'array' : typeof x === 'boolean' ? 'bool' : typeof x);
  if (v !== null && (typeof v !== 'object' || Array.isArray(v))) throw new Error(`json: cannot unmarshal ${kind(v)} into Go value of type store.Metadata`);
  const fields: Record<string, unknown> = {};
  // encoding/json matches field names without regard to case
  for (const [k, x] of Object.entries((v ?? {}) as Record<string, unknown>)) {
    const f = ['Name', 'Metadata', 'Endpoints'].find((n) => n.toLowerCase() === k.toLowerCase());
    if (!f || x === null) continue;
    if (f === 'Name' && typeof x !== 'string') throw new Error(`json: cannot unmarshal ${kind(x)} into Go struct field Metadata.Name of type string`);
    if (f === 'Endpoints' && (typeof x !== 'object' || Array.isArray(x))) throw new Error(`json: cannot unmarshal ${kind(x)} into Go struct field Metadata.Endpoints of type map[string]interface {}`);
    fields[f] = x;
  }
  const parts = [`"Name":${goSortedJson(name)}`];
  if (fields.Metadata !== undefined) parts.push(`"Metadata":${goSortedJson(fields.Metadata)}`);
  if (fields.Endpoints && Object.keys(fields.Endpoints).length) parts.push(`"Endpoints":${goSortedJson(fields.Endpoints)}`);
  return `{${parts.join(',')}}`;
}

/** docker's store.Import of an archive's bytes as `name`: meta.json stored when met, then the TLS files reset to the archive's. */
function importArchive(dir: string, name: string, data: Buffer): void {
  const tls = readContextArchive(data, (meta) => writeContextJson(dir, name, importedJson(meta, name)));
  resetTlsFiles(dir, name, tls);
}

/** docker's `context create`: the name checked, refused when it exists; a copy of --from (or the current context), or a new one from --docker. */
export async function create(ctx: CliContext, argv: GlobalArgv & { name: string; description?: string; docker?: string | string[]; from?: string }): Promise<ExitCode> {
  const kv = parseDockerFlag(ctx, 'create', argv.docker);
  const dir = dirOf(ctx, argv);
  const bad = creationError(dir, argv.name);
  if (bad) return fail(ctx, bad);
  try {
    if (argv.from || kv === undefined) {
      if (kv?.size) return fail(ctx, 'cannot use --docker flag when --from is set');
      const { meta, tls } = exported(ctx, argv, argv.from || current(ctx, argv), argv.description ?? '');
      importArchive(dir, argv.name, packContextArchive({ meta, tls }));
    } else {
      let endpoint: ReturnType<typeof dockerEndpoint>;
      try {
        endpoint = dockerEndpoint(ctx, argv, kv);
      } catch (e) {
        return fail(ctx, `unable to create docker endpoint config: ${(e as Error).message}`);
      }
      writeContextJson(dir, argv.name, contextJson({ Name: argv.name, Metadata: { Description: argv.description ?? '' }, Endpoints: { docker: endpoint.ep } }));
      resetTlsFiles(dir, argv.name, endpoint.tls ? new Map([['docker', endpoint.tls]]) : new Map());
    }
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
  ctx.io.stdout.write(`${argv.name}\n`);
  ctx.io.stderr.write(`Successfully created context ${goQuote(argv.name)}\n`);
  return 0;
}

/** docker's `context update`: the description (when not empty) and/or the docker endpoint (its TLS material reset) of a stored context. */
export async function update(ctx: CliContext, argv: GlobalArgv & { name: string; description?: string; docker?: string | string[] }): Promise<ExitCode> {
  const kv = parseDockerFlag(ctx, 'update', argv.docker);
  const dir = dirOf(ctx, argv);
  const bad = contextNameError(argv.name);
  if (bad) return fail(ctx, bad);
  try {
    const c = readContext(dir, argv.name);
    c.Metadata = { ...(c.Metadata ?? {}) };
    if (argv.description) c.Metadata.Description = argv.description;
    let tls: Map<string, Buffer> | undefined;
    if (kv !== undefined) {
      try {
        const endpoint = dockerEndpoint(ctx, argv, kv);
        c.Endpoints.docker = endpoint.ep;
        tls = endpoint.tls ?? new Map();
      } catch (e) {
        return fail(ctx, `unable to create docker endpoint config: ${(e as Error).message}`);
      }
    }
    writeContextJson(dir, argv.name, contextJson(c));
    if (tls) resetTlsFiles(dir, argv.name, tls.size ? new Map([['docker', tls]]) : new Map(), 'docker');
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
  ctx.io.stdout.write(`${argv.name}\n`);
  ctx.io.stderr.write(`Successfully updated context ${goQuote(argv.name)}\n`);
  return 0;
}

/**
 * docker's `context export CONTEXT [FILE|-]`: the archive to FILE (default `CONTEXT.dockercontext`,
 * created 0600 and never overwritten: docker opens it before reading the context, so a missing
 * context leaves it empty) or to stdout (refused on a terminal).
 */
export async function exportContext(ctx: CliContext, argv: GlobalArgv & { name: string; dest?: string }): Promise<ExitCode> {
  if (argv.name !== DEFAULT_CONTEXT) {
    const bad = contextNameError(argv.name);
    if (bad) return fail(ctx, bad);
  }
  const dest = argv.dest ?? `${argv.name}.dockercontext`;
  if (dest === '-') {
    if (ctx.io.stdout.isTTY) return fail(ctx, 'cowardly refusing to export to a terminal, specify a file path');
    let data: Buffer;
    try {
      data = packContextArchive(exported(ctx, argv, argv.name));
    } catch (e) {
      return fail(ctx, (e as Error).message);
    }
    await new Promise<void>((resolve, reject) => ctx.io.stdout.write(data, (e) => (e ? reject(e) : resolve())));
    return 0;
  }
  let fd: number;
  try {
    fd = fs.openSync(dest, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  } catch (e) {
    return fail(ctx, goPathError('open', dest, e));
  }
  try {
    fs.writeSync(fd, packContextArchive(exported(ctx, argv, argv.name)));
  } catch (e) {
    return fail(ctx, (e as Error).message);
  } finally {
    fs.closeSync(fd);
  }
  ctx.io.stderr.write(`Written file ${goQuote(dest)}\n`);
  return 0;
}

/** docker's `context import CONTEXT FILE|-`: a tar (or zip) from `context export` stored as a new context. */
export async function importContext(ctx: CliContext, argv: GlobalArgv & { name: string; source: string }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  const bad = creationError(dir, argv.name);
  if (bad) return fail(ctx, bad);
  let data: Buffer;
  try {
    data = argv.source === '-' ? await readAll(ctx.io.stdin) : fs.readFileSync(argv.source);
  } catch (e) {
    return fail(ctx, goPathError((e as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', argv.source, e));
  }
  try {
    importArchive(dir, argv.name, data);
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
  ctx.io.stdout.write(`${argv.name}\n`);
  ctx.io.stderr.write(`Successfully imported context ${goQuote(argv.name)}\n`);
  return 0;
}

async function readAll(r: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

/** docker's `context rm`: each name removed or its error printed; the current one only with -f (then `default` is current). */
export async function rm(ctx: CliContext, argv: GlobalArgv & { names: string[]; force?: boolean }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  const cur = current(ctx, argv);
  const errors: string[] = [];
  for (const name of argv.names) {
    if (name === DEFAULT_CONTEXT) errors.push(`context "${DEFAULT_CONTEXT}" cannot be removed`);
    else if (!contextExists(dir, name)) errors.push(`context ${JSON.stringify(name)} does not exist`);
    else if (name === cur && !argv.force) errors.push(`context ${JSON.stringify(name)} is in use, set -f flag to force remove`);
    else {
      if (name === cur) setCurrentContext(dir, DEFAULT_CONTEXT);
      removeContext(dir, name);
      ctx.io.stdout.write(`${name}\n`);
    }
  }
  if (errors.length) return fail(ctx, errors.join('\n'));
  return 0;
}

/** docker's `context inspect`: each context with its TLS files' names and its storage paths; `-f` as every inspect. */
export async function inspect(ctx: CliContext, argv: GlobalArgv & { names?: string[]; format?: string }): Promise<ExitCode> {
  const dir = dirOf(ctx, argv);
  const names = argv.names?.length ? argv.names : [current(ctx, argv)];
  const inspected = (n: string): unknown => {
    const c = typedRead(ctx, argv, n);
    const TLSMaterial = n === DEFAULT_CONTEXT ? {} : Object.fromEntries([...readTlsFiles(dir, n)].map(([ep, files]) => [ep, [...files.keys()]]));
    const paths = n === DEFAULT_CONTEXT ? { MetadataPath: '<IN MEMORY>', TLSPath: '<IN MEMORY>' } : { MetadataPath: metaDir(dir, n), TLSPath: tlsDir(dir, n) };
    const Storage = goStruct('store.StorageInfo', ['MetadataPath:s', 'TLSPath:s'], paths);
    // Metadata is an `any`: left out only when nil (an empty DockerContext is `{}`)
    const fields = ['Name?:s', c.Metadata ? 'Metadata:z' : 'Metadata?:z', 'Endpoints?:z', 'TLSMaterial:z', 'Storage:z'];
    return goStruct('context.contextWithTLSListing', fields, { ...c, TLSMaterial, Storage });
  };
  if (argv.format) return inspectEach(ctx, names, async (n) => inspected(n), argv.format);
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(inspected(n));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  ctx.io.stdout.write(`${goJsonIndent(found)}\n`);
  for (const m of errors) ctx.io.stderr.write(`${m}\n`);
  return errors.length ? 1 : 0;
}
