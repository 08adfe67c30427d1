import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile, writeConfigFile } from './config-file';
import { goJson, goSortedJson } from './format/go-text';
import { goPathError } from './go-path-error';

/**
 * docker's context store, in berth's config dir: a context's metadata is
 * `contexts/meta/<sha256 of its name>/meta.json` (`{"Name","Metadata":{"Description"},
 * "Endpoints":{"docker":{"Host","SkipTLSVerify"}}}`), the current one is `currentContext` in
 * `config.json` (absent for `default`, which is never stored). Names follow docker's rule.
 */
export interface StoredContext {
  Name: string;
  /** docker's DockerContext: the description and any other fields, kept as they are. */
  Metadata: { Description?: string; [field: string]: unknown } | null;
  /** `docker` is docker's EndpointMeta; other endpoints (e.g. an imported `kubernetes`) are kept as they are. */
  Endpoints: { docker: { Host: string; SkipTLSVerify: boolean }; [endpoint: string]: unknown };
}

export const DEFAULT_CONTEXT = 'default';

/** docker's error for a stored context without a `docker` endpoint (in `context ls`, and when it is used). */
export const NO_DOCKER_ENDPOINT = 'cannot find docker endpoint in context';

const NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$';

/** docker's ValidateContextName: the error text, or undefined when the name is fine. */
export function contextNameError(name: string): string | undefined {
  if (name === '') return 'context name cannot be empty';
  if (name === DEFAULT_CONTEXT) return `"${DEFAULT_CONTEXT}" is a reserved context name`;
  if (!new RegExp(NAME_PATTERN).test(name)) return `context name ${JSON.stringify(name)} is invalid, names are validated against regexp ${JSON.stringify(NAME_PATTERN)}`;
  return undefined;
}

function idOf(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export function metaDir(configDir: string, name: string): string {
  return path.join(configDir, 'contexts', 'meta', idOf(name));
}

export function tlsDir(configDir: string, name: string): string {
  return path.join(configDir, 'contexts', 'tls', idOf(name));
}

/** A stored context; throws docker's `context "x": context not found: open …: no such file or directory`. */
export function readContext(configDir: string, name: string): StoredContext {
  const file = path.join(metaDir(configDir, name), 'meta.json');
  try {
    return typedContext(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`context ${JSON.stringify(name)}: context not found: open ${file}: no such file or directory`, { cause: e });
    throw e;
  }
}

/** As docker reads a stored context: the `docker` endpoint as its EndpointMeta (other keys dropped), the rest as stored. */
function typedContext(raw: Record<string, unknown>): StoredContext {
  const c = { ...raw, Endpoints: { ...((raw.Endpoints as object | null) ?? {}) } } as StoredContext;
  const d = c.Endpoints.docker as Record<string, unknown> | null | undefined;
  if (d) {
    // encoding/json: the exact key, else the first one equal but for case
    const field = (name: string) => d[name] ?? d[Object.keys(d).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name];
    const host = field('Host');
    c.Endpoints.docker = { Host: typeof host === 'string' ? host : '', SkipTLSVerify: field('SkipTLSVerify') === true };
  }
  return c;
}

export function contextExists(configDir: string, name: string): boolean {
  return fs.existsSync(path.join(metaDir(configDir, name), 'meta.json'));
}

/**
 * meta.json as docker's store writes a typed context: Name (left out when empty), Metadata (the
 * DockerContext: a map, keys sorted, `Description` left out when empty; no Metadata at all when
 * null), Endpoints sorted, `docker` as EndpointMeta (`Host` left out when empty).
 */
export function contextJson(c: StoredContext): string {
  const parts: string[] = [];
  if (c.Name) parts.push(`"Name":${goJson(c.Name)}`);
  if (c.Metadata) {
    const m: Record<string, unknown> = { ...c.Metadata };
    if (!m.Description) delete m.Description;
    parts.push(`"Metadata":${goSortedJson(m)}`);
  }
  const eps = Object.keys(c.Endpoints ?? {}).sort();
  if (eps.length) {
    const ep = (k: string) => {
      const v = c.Endpoints[k];
      if (k !== 'docker' || !v) return goSortedJson(v);
      const d = v as StoredContext['Endpoints']['docker'];
      return `{${d.Host ? `"Host":${goJson(d.Host)},` : ''}"SkipTLSVerify":${d.SkipTLSVerify === true}}`;
    };
    parts.push(`"Endpoints":{${eps.map((k) => `${goJson(k)}:${ep(k)}`).join(',')}}`);
  }
  return `{${parts.join(',')}}`;
}

export function writeContext(configDir: string, c: StoredContext): void {
  writeContextJson(configDir, c.Name, contextJson(c));
}

/** Stores meta.json's text for `name` (written to a temp file, then renamed). */
export function writeContextJson(configDir: string, name: string, json: string): void {
  const dir = metaDir(configDir, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = path.join(dir, `.meta.json.${process.pid}`);
  fs.writeFileSync(tmp, json, { mode: 0o644 });
  fs.renameSync(tmp, path.join(dir, 'meta.json'));
}

/** A context's TLS files as docker lists them: endpoint directory → file name → contents, in name order. */
export function readTlsFiles(configDir: string, name: string): Map<string, Map<string, Buffer>> {
  const out = new Map<string, Map<string, Buffer>>();
  const root = tlsDir(configDir, name);
  let eps: fs.Dirent[];
  try {
    eps = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const ep of eps.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const files = new Map<string, Buffer>();
    const dir = path.join(root, ep.name);
    for (const f of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      files.set(f.name, fs.readFileSync(path.join(dir, f.name)));
    }
    out.set(ep.name, files);
  }
  return out;
}

/**
 * docker's ResetTLSMaterial (all endpoints) or, with `endpoint`, ResetEndpointTLSMaterial: the
 * old files removed, the new ones written (directories 0700, files 0600). A file name with a
 * directory part (an imported `tls/docker/sub/ca.pem`) needs that directory to exist, as docker's
 * atomic writer does: `invalid output path: stat …/docker/sub: no such file or directory`.
 */
export function resetTlsFiles(configDir: string, name: string, files: Map<string, Map<string, Buffer>>, endpoint?: string): void {
  const root = tlsDir(configDir, name);
  fs.rmSync(endpoint === undefined ? root : path.join(root, endpoint), { recursive: true, force: true });
  for (const [ep, eFiles] of files) {
    const dir = path.join(root, ep);
    for (const [f, data] of eFiles) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(path.join(dir, f), data);
    }
  }
}

/** Writes `file` (0600) through a temp file beside it, renamed over it; the temp file never stays behind. */
function writeFileAtomic(file: string, data: Buffer): void {
  const parent = path.dirname(file);
  try {
    // a file on the way is ENOTDIR, as Go's stat of the parent says
    if (!fs.statSync(parent).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    throw new Error(`invalid output path: ${goPathError('stat', parent, e)}`, { cause: e });
  }
  const tmp = path.join(parent, `.${path.basename(file)}.${process.pid}`);
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function removeContext(configDir: string, name: string): void {
  fs.rmSync(metaDir(configDir, name), { recursive: true, force: true });
  fs.rmSync(tlsDir(configDir, name), { recursive: true, force: true });
}

/** Whether any context was ever stored in this config dir (the store's directory exists). */
export function hasStore(configDir: string): boolean {
  return fs.existsSync(path.join(configDir, 'contexts'));
}

/** Every stored context (not `default`). */
export function listContexts(configDir: string): StoredContext[] {
  const root = path.join(configDir, 'contexts', 'meta');
  let ids: string[];
  try {
    ids = fs.readdirSync(root);
  } catch {
    return [];
  }
  const out: StoredContext[] = [];
  for (const id of ids) {
    try {
      out.push(typedContext(JSON.parse(fs.readFileSync(path.join(root, id, 'meta.json'), 'utf8'))));
    } catch {
      // not a context directory
    }
  }
  return out;
}

/** The current context's name: `currentContext` of config.json, else `default`. */
export function currentContextName(configDir: string): string {
  const c = readConfigFile(configDir).currentContext;
  return typeof c === 'string' && c !== '' ? c : DEFAULT_CONTEXT;
}

/** Sets `currentContext` in config.json (removed for `default`), keeping the rest of the file. */
export function setCurrentContext(configDir: string, name: string): void {
  const c = readConfigFile(configDir);
  if ((c.currentContext ?? '') === (name === DEFAULT_CONTEXT ? '' : name)) return;
  if (name === DEFAULT_CONTEXT) delete c.currentContext;
  else c.currentContext = name;
  writeConfigFile(configDir, c);
}
