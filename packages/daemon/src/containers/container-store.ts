import { parseJsonExact, stringifyJson } from '@berth/api';
import { ConflictError, NotFoundError } from '@berth/errdefs';
import type { Database } from '@berth/sqlite';
import type { ContainerRecord, ContainerStateRecord } from './container-record';
import { isContainerStatus } from './container-state';
import { containerMigrations } from './migrations';

/** A record as stored, with its creation order. */
export interface StoredContainer extends ContainerRecord {
  seq: number;
}

/** Persistence of the container table (see migrations.ts for the schema). */
export interface ContainerStore {
  loadAll(): Promise<StoredContainer[]>;
  /** Inserts row and labels in one transaction; ConflictError (docker's message) when the name is taken. */
  insert(rec: ContainerRecord): Promise<StoredContainer>;
  updateState(id: string, state: ContainerStateRecord): Promise<void>;
  rename(id: string, newName: string): Promise<void>;
  updateHostConfig(id: string, hostConfig: ContainerRecord['hostConfig']): Promise<void>;
  /** The container's Config (a `container:X` joiner takes X's hostname at start, as docker). */
  updateConfig(id: string, config: ContainerRecord['config']): Promise<void>;
  /** The networks the container joins at start (network connect/disconnect). */
  updateNetworking(id: string, networking: ContainerRecord['networkingConfig']): Promise<void>;
  /** Deletes row and labels in one transaction. */
  delete(id: string): Promise<void>;
  /** A build ended: the intermediate containers it kept are ordinary containers from now on. */
  endBuild(build: string): Promise<void>;
}

interface Row {
  id: string;
  seq: number;
  name: string;
  image: string;
  image_id: string;
  config: string;
  host_config: string;
  networking: string | null;
  path: string;
  args: string;
  created_at: string;
  status: string;
  pid: number;
  exit_code: number;
  error: string;
  oom_killed: number;
  started_at: string;
  finished_at: string;
  restart_count: number;
  manually_stopped: number;
  mounts: string | null;
  build: string | null;
  api_version: string | null;
}

/** Docker's message for a taken name. */
export function nameConflict(name: string, holder: string): ConflictError {
  return new ConflictError(
    `Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

function decode(r: Row): StoredContainer {
  const status = isContainerStatus(r.status) ? r.status : 'dead';
  return {
    id: r.id,
    seq: r.seq,
    name: r.name,
    image: r.image,
    imageId: r.image_id,
    config: parseJsonExact(r.config, { bigintsOnly: true }) as StoredContainer['config'],
    hostConfig: parseJsonExact(r.host_config, { bigintsOnly: true }) as StoredContainer['hostConfig'], // int64s beyond 2^53 as bigints
    networkingConfig: r.networking === null ? null : (parseJsonExact(r.networking, { bigintsOnly: true }) as StoredContainer['networkingConfig']),
    path: r.path,
    args: JSON.parse(r.args),
    created: r.created_at,
    state: {
      status,
      pid: r.pid,
      exitCode: r.exit_code,
      error: r.error,
      oomKilled: r.oom_killed !== 0,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      restartCount: r.restart_count,
      manuallyStopped: r.manually_stopped !== 0,
    },
    ...(r.mounts ? { mounts: parseJsonExact(r.mounts, { bigintsOnly: true }) as StoredContainer['mounts'] } : {}),
    ...(r.build ? { build: r.build } : {}),
    ...(r.api_version ? { apiVersion: r.api_version } : {}),
  };
}

export class SqliteContainerStore implements ContainerStore {
  private constructor(private readonly db: Database) {}

  /** Applies the container migrations and returns the store. */
  static async open(db: Database): Promise<SqliteContainerStore> {
    await db.migrate(containerMigrations);
    return new SqliteContainerStore(db);
  }

  async loadAll(): Promise<StoredContainer[]> {
    const rows = await this.db.all<Row>('SELECT * FROM containers ORDER BY seq');
    return rows.map(decode);
  }

  insert(rec: ContainerRecord): Promise<StoredContainer> {
    return this.db.transaction(async (tx) => {
      const holder = await tx.get<{ id: string }>('SELECT id FROM containers WHERE name = ?', [rec.name]);
      if (holder) throw nameConflict(rec.name, holder.id);
      const dup = await tx.get<{ id: string }>('SELECT id FROM containers WHERE id = ?', [rec.id]);
      if (dup) throw new ConflictError(`container ${rec.id}: already exists`);
      const max = await tx.get<{ m: number | null }>('SELECT MAX(seq) AS m FROM containers');
      const seq = (max?.m ?? 0) + 1;
      const s = rec.state;
      await tx.run(
        `INSERT INTO containers (id, seq, name, image, image_id, config, host_config, networking, path, args, created_at,
           status, pid, exit_code, error, oom_killed, started_at, finished_at, restart_count, manually_stopped, mounts, build, api_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          rec.id,
          seq,
          rec.name,
          rec.image,
          rec.imageId,
          stringifyJson(rec.config),
          stringifyJson(rec.hostConfig),
          rec.networkingConfig === undefined || rec.networkingConfig === null ? null : stringifyJson(rec.networkingConfig),
          rec.path,
          stringifyJson(rec.args),
          rec.created,
          s.status,
          s.pid,
          s.exitCode,
          s.error,
          s.oomKilled ? 1 : 0,
          s.startedAt,
          s.finishedAt,
          s.restartCount,
          s.manuallyStopped ? 1 : 0,
          rec.mounts ? stringifyJson(rec.mounts) : null,
          rec.build ?? null,
          rec.apiVersion ?? null,
        ],
      );
      for (const [k, v] of Object.entries(rec.config.Labels ?? {})) {
        await tx.run('INSERT INTO container_labels (container_id, key, value) VALUES (?, ?, ?)', [rec.id, k, String(v)]);
      }
      return { ...rec, seq };
    });
  }

  async updateState(id: string, s: ContainerStateRecord): Promise<void> {
    const r = await this.db.run(
      `UPDATE containers SET status = ?, pid = ?, exit_code = ?, error = ?, oom_killed = ?, started_at = ?, finished_at = ?,
         restart_count = ?, manually_stopped = ? WHERE id = ?`,
      [s.status, s.pid, s.exitCode, s.error, s.oomKilled ? 1 : 0, s.startedAt, s.finishedAt, s.restartCount, s.manuallyStopped ? 1 : 0, id],
    );
    if (r.changes === 0) throw new NotFoundError(`No such container: ${id}`);
  }

  async updateHostConfig(id: string, hostConfig: ContainerRecord['hostConfig']): Promise<void> {
    const r = await this.db.run('UPDATE containers SET host_config = ? WHERE id = ?', [stringifyJson(hostConfig), id]);
    if (r.changes === 0) throw new NotFoundError(`No such container: ${id}`);
  }

  async updateConfig(id: string, config: ContainerRecord['config']): Promise<void> {
    const r = await this.db.run('UPDATE containers SET config = ? WHERE id = ?', [stringifyJson(config), id]);
    if (r.changes === 0) throw new NotFoundError(`No such container: ${id}`);
  }

  async updateNetworking(id: string, networking: ContainerRecord['networkingConfig']): Promise<void> {
    const r = await this.db.run('UPDATE containers SET networking = ? WHERE id = ?', [networking === null || networking === undefined ? null : stringifyJson(networking), id]);
    if (r.changes === 0) throw new NotFoundError(`No such container: ${id}`);
  }

  rename(id: string, newName: string): Promise<void> {
    return this.db.transaction(async (tx) => {
      const holder = await tx.get<{ id: string }>('SELECT id FROM containers WHERE name = ?', [newName]);
      if (holder && holder.id !== id) throw nameConflict(newName, holder.id);
      const r = await tx.run('UPDATE containers SET name = ? WHERE id = ?', [newName, id]);
      if (r.changes === 0) throw new NotFoundError(`No such container: ${id}`);
    });
  }

  delete(id: string): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM container_labels WHERE container_id = ?', [id]);
      await tx.run('DELETE FROM containers WHERE id = ?', [id]);
    });
  }

  async endBuild(build: string): Promise<void> {
    await this.db.run('UPDATE containers SET build = NULL WHERE build = ?', [build]);
  }
}
