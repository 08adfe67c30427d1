import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Filters } from '@berth/api';
import { removeTree } from '@berth/fs';
import { ConflictError, InvalidArgumentError, NotFoundError, NotImplementedError } from '@berth/errdefs';
import { rfc3339 } from '@berth/oci';
import type { Database } from '@berth/sqlite';
import type { DataRoot } from '../layout';

/** A volume as the Engine API shows it (`GET /volumes/{name}`). */
export interface Volume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
}

export interface CreateVolumeRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

interface Row {
  name: string;
  driver: string;
  labels: string;
  options: string | null;
  created_at: string;
  anonymous: number;
}

/** Which containers use a volume (the daemon asks the container service). */
export type VolumeUsers = (name: string) => Promise<string[]>;

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await fs.lstat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Named volumes of the `local` driver: a row in berth.db and a directory under the data root. */
export class VolumeStore {
  constructor(private readonly db: Database, private readonly layout: DataRoot, private readonly users: VolumeUsers = async () => []) {}

  private view(r: Row): Volume {
    return {
      CreatedAt: r.created_at,
      Driver: r.driver,
      // rows written before labels were checked may hold other JSON: shown as strings
      Labels: Object.fromEntries(Object.entries((JSON.parse(r.labels) ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
      Mountpoint: this.layout.volumeData(r.name),
      Name: r.name,
      Options: r.options ? (JSON.parse(r.options) as Record<string, string>) : null,
      Scope: 'local',
    };
  }

  async create(req: CreateVolumeRequest = {}): Promise<Volume> {
    // the body is the client's JSON: what is stored must read back as docker's types
    for (const f of ['Name', 'Driver'] as const) {
      if (req[f] !== undefined && req[f] !== null && typeof req[f] !== 'string') {
        throw new InvalidArgumentError(`json: cannot unmarshal ${jsonKind(req[f])} into Go struct field VolumeCreateBody.${f} of type string`);
      }
    }
    for (const f of ['Labels', 'DriverOpts'] as const) {
      const m = req[f] as unknown;
      if (m === undefined || m === null) continue;
      if (typeof m !== 'object' || Array.isArray(m)) throw new InvalidArgumentError(`json: cannot unmarshal ${jsonKind(m)} into Go struct field VolumeCreateBody.${f} of type map[string]string`);
      for (const v of Object.values(m)) {
        if (typeof v !== 'string') throw new InvalidArgumentError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field VolumeCreateBody.${f} of type string`);
      }
    }
    const driver = req.Driver || 'local';
    if (driver !== 'local') throw new NotImplementedError(`volume driver ${JSON.stringify(driver)}: only "local" is supported`);
    if (req.DriverOpts && Object.keys(req.DriverOpts).length > 0) throw new NotImplementedError('volume driver options are not supported');
    const anonymous = !req.Name;
    const name = req.Name || randomBytes(32).toString('hex');
    if (!NAME.test(name) || name.length > 255) {
      throw new InvalidArgumentError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
    }
    const existing = await this.db.get<Row>('SELECT * FROM volumes WHERE name = ?', [name]);
    if (existing) return this.view(existing);
    await fs.mkdir(this.layout.volumeData(name), { recursive: true, mode: 0o755 });
    // moby's CreatedAt.Format(time.RFC3339): whole seconds, the daemon's zone
    const created = rfc3339(new Date(), { local: true });
    await this.db.run('INSERT OR IGNORE INTO volumes (name, driver, labels, options, created_at, anonymous) VALUES (?, ?, ?, ?, ?, ?)', [
      name,
      driver,
      JSON.stringify(req.Labels ?? {}),
      null,
      created,
      anonymous ? 1 : 0,
    ]);
    return this.get(name);
  }

  async get(name: string): Promise<Volume> {
    const r = await this.db.get<Row>('SELECT * FROM volumes WHERE name = ?', [name]);
    if (!r) throw new NotFoundError(`get ${name}: no such volume`);
    return this.view(r);
  }

  /** The host directory of a volume, creating the volume when missing (`-v name:/path`). */
  async ensure(name: string): Promise<string> {
    return (await this.create({ Name: name })).Mountpoint;
  }

  /** Filters: name (substring), label (`k` or `k=v`), driver, dangling (true: no container uses it). */
  async list(filters: Filters = new Map()): Promise<Volume[]> {
    for (const k of filters.keys()) if (!['name', 'label', 'driver', 'dangling'].includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
    const rows = await this.db.all<Row>('SELECT * FROM volumes ORDER BY name');
    const out: Volume[] = [];
    for (const r of rows) {
      const v = this.view(r);
      const names = filters.get('name') ?? [];
      if (names.length && !names.some((n) => v.Name.includes(n))) continue;
      const drivers = filters.get('driver') ?? [];
      if (drivers.length && !drivers.includes(v.Driver)) continue;
      if (!(filters.get('label') ?? []).every((l) => labelMatches(v.Labels, l))) continue;
      const dangling = filters.get('dangling');
      if (dangling?.length) {
        const want = ['true', '1'].includes(dangling[0]!.toLowerCase());
        const used = (await this.users(v.Name)).length > 0;
        if (want === used) continue;
      }
      out.push(v);
    }
    return out;
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const r = await this.db.get<Row>('SELECT * FROM volumes WHERE name = ?', [name]);
    if (!r) {
      if (opts.force) return;
      throw new NotFoundError(`get ${name}: no such volume`);
    }
    const users = await this.users(name);
    if (users.length > 0) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    await this.db.run('DELETE FROM volumes WHERE name = ?', [name]);
    // by fd past PATH_MAX: a container's paths are measured from the volume, so it can make deeper ones (Docker: os.RemoveAll)
    await removeTree(path.dirname(this.layout.volumeData(name)));
  }

  /** Removes every volume no container uses (API 1.41 semantics; `all` of 1.42 is accepted and changes nothing). */
  async prune(filters: Filters = new Map()): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    for (const k of filters.keys()) if (!['label', 'label!', 'all'].includes(k)) throw new InvalidArgumentError(`invalid filter '${k}'`);
    const rows = await this.db.all<Row>('SELECT * FROM volumes ORDER BY name');
    const deleted: string[] = [];
    let space = 0;
    for (const r of rows) {
      const v = this.view(r);
      if (!(filters.get('label') ?? []).every((l) => labelMatches(v.Labels, l))) continue;
      if ((filters.get('label!') ?? []).some((l) => labelMatches(v.Labels, l))) continue;
      if ((await this.users(v.Name)).length > 0) continue;
      space += await dirSize(v.Mountpoint);
      await this.remove(v.Name).catch(() => undefined);
      deleted.push(v.Name);
    }
    return { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }
}

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  return i < 0 ? want in labels : labels[want.slice(0, i)] === want.slice(i + 1);
}

/** Go's word for a JSON value's kind, as its decoder's errors say it. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : typeof v;
}
