import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile, writeConfigFile } from './config-file';

/**
 * docker's context store, in berth's config dir: a context's metadata is
 * `contexts/meta/<sha256 of its name>/meta.json` (`{"Name","Metadata":{"Description"},
 * "Endpoints":{"docker":{"Host","SkipTLSVerify"}}}`), the current one is `currentContext` in
 * `config.json` (absent for `default`, which is never stored). Names follow docker's rule.
 */
export interface StoredContext {
  Name: string;
  Metadata: { Description?: string };
  Endpoints: { docker: { Host: string; SkipTLSVerify: boolean } };
}

export const DEFAULT_CONTEXT = 'default';

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
    return JSON.parse(fs.readFileSync(file, 'utf8')) as StoredContext;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`context ${JSON.stringify(name)}: context not found: open ${file}: no such file or directory`, { cause: e });
    throw e;
  }
}

export function contextExists(configDir: string, name: string): boolean {
  return fs.existsSync(path.join(metaDir(configDir, name), 'meta.json'));
}

export function writeContext(configDir: string, c: StoredContext): void {
  const dir = metaDir(configDir, c.Name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const tmp = path.join(dir, `.meta.json.${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(c), { mode: 0o644 });
  fs.renameSync(tmp, path.join(dir, 'meta.json'));
}

export function removeContext(configDir: string, name: string): void {
  fs.rmSync(metaDir(configDir, name), { recursive: true, force: true });
  fs.rmSync(tlsDir(configDir, name), { recursive: true, force: true });
}

/** Every stored context (not `default`). */
/** Whether any context was ever stored in this config dir (the store's directory exists). */
export function hasStore(configDir: string): boolean {
  return fs.existsSync(path.join(configDir, 'contexts'));
}

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
      out.push(JSON.parse(fs.readFileSync(path.join(root, id, 'meta.json'), 'utf8')) as StoredContext);
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
