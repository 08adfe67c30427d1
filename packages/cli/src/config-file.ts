import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * docker's config file, `<config dir>/config.json`: credentials (`auths`), the current context
 * (`currentContext`), `detachKeys`, and whatever else another client keeps there (kept as it is
 * when berth writes). The one reader and writer of the file.
 */
export interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  currentContext?: string;
  detachKeys?: string;
  [key: string]: unknown;
}

/** Where the config file of a config dir is. */
export function configFile(dir: string): string {
  return path.join(dir, 'config.json');
}

/** The config file's content; `{}` when it is missing or unreadable (docker starts afresh then). */
export function readConfigFile(dir: string): ConfigFile {
  try {
    return JSON.parse(fs.readFileSync(configFile(dir), 'utf8')) as ConfigFile;
  } catch {
    return {};
  }
}

/** Replaces the config file whole (a temp file renamed over it), mode 0600 in a 0700 dir. */
export function writeConfigFile(dir: string, c: ConfigFile): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = configFile(dir);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(c, null, '\t') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}
