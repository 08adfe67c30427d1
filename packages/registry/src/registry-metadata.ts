import type { Database, Queryable } from '@berth/sqlite';

export interface ManifestRow {
  digest: string;
  mediaType: string;
  size: number;
}

/** A manifest that names a `subject`, as the referrers API lists it. */
export interface ReferrerRow {
  subject: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface UploadRow {
  uuid: string;
  repository: string;
  size: number;
  startedAt: string;
}

/** The registry's SQLite state: every query in one place. */
export class RegistryMetadata {
  constructor(private readonly db: Database) {}

  private async repoId(q: Queryable, name: string, create: boolean): Promise<number | undefined> {
    const row = await q.get<{ id: number }>('SELECT id FROM registry_repositories WHERE name = ?', [name]);
    if (row) return row.id;
    if (!create) return undefined;
    const r = await q.run('INSERT INTO registry_repositories (name, created_at) VALUES (?, ?)', [name, new Date().toISOString()]);
    return r.lastID;
  }

  async linkBlob(repository: string, digest: string, size: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const id = (await this.repoId(tx, repository, true))!;
      await tx.run(
        'INSERT INTO registry_blob_links (repository_id, digest, size, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT (repository_id, digest) DO UPDATE SET linked_at = excluded.linked_at',
        [id, digest, size, Date.now()],
      );
    });
  }

  async blobLink(repository: string, digest: string): Promise<{ size: number } | undefined> {
    return this.db.get<{ size: number }>(
      'SELECT l.size AS size FROM registry_blob_links l JOIN registry_repositories r ON r.id = l.repository_id WHERE r.name = ? AND l.digest = ?',
      [repository, digest],
    );
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    const r = await this.db.run(
      'DELETE FROM registry_blob_links WHERE digest = ? AND repository_id = (SELECT id FROM registry_repositories WHERE name = ?)',
      [digest, repository],
    );
    return r.changes > 0;
  }

  /** Stores a manifest row, its references, the link of its own bytes and, optionally, a tag. */
  async putManifest(repository: string, m: ManifestRow, children: readonly string[], tag: string | undefined, referrer?: ReferrerRow): Promise<void> {
    await this.db.transaction(async (tx) => {
      const id = (await this.repoId(tx, repository, true))!;
      const now = new Date().toISOString();
      await tx.run('INSERT OR IGNORE INTO registry_manifests (repository_id, digest, media_type, size, created_at) VALUES (?, ?, ?, ?, ?)', [
        id,
        m.digest,
        m.mediaType,
        m.size,
        now,
      ]);
      await tx.run('INSERT OR IGNORE INTO registry_blob_links (repository_id, digest, size, linked_at) VALUES (?, ?, ?, ?)', [id, m.digest, m.size, Date.now()]);
      for (const c of new Set(children)) {
        await tx.run('INSERT OR IGNORE INTO registry_manifest_refs (repository_id, manifest_digest, child_digest) VALUES (?, ?, ?)', [id, m.digest, c]);
      }
      if (referrer) {
        await tx.run(
          'INSERT OR IGNORE INTO registry_referrers (repository_id, subject_digest, digest, media_type, size, artifact_type, annotations) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [id, referrer.subject, m.digest, m.mediaType, m.size, referrer.artifactType ?? null, referrer.annotations ? JSON.stringify(referrer.annotations) : null],
        );
      }
      if (tag !== undefined) {
        await tx.run(
          'INSERT INTO registry_tags (repository_id, name, digest, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (repository_id, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at',
          [id, tag, m.digest, now],
        );
      }
    });
  }

  async manifest(repository: string, digest: string): Promise<ManifestRow | undefined> {
    return this.db.get<ManifestRow>(
      'SELECT m.digest AS digest, m.media_type AS mediaType, m.size AS size FROM registry_manifests m JOIN registry_repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?',
      [repository, digest],
    );
  }

  async tag(repository: string, tag: string): Promise<ManifestRow | undefined> {
    return this.db.get<ManifestRow>(
      `SELECT m.digest AS digest, m.media_type AS mediaType, m.size AS size
         FROM registry_tags t JOIN registry_repositories r ON r.id = t.repository_id
         JOIN registry_manifests m ON m.repository_id = t.repository_id AND m.digest = t.digest
        WHERE r.name = ? AND t.name = ?`,
      [repository, tag],
    );
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    const r = await this.db.run('DELETE FROM registry_tags WHERE name = ? AND repository_id = (SELECT id FROM registry_repositories WHERE name = ?)', [
      tag,
      repository,
    ]);
    return r.changes > 0;
  }

  /** Deletes a manifest, its tags and references; its own bytes stay linked until GC. */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const id = await this.repoId(tx, repository, false);
      if (id === undefined) return false;
      await tx.run('DELETE FROM registry_tags WHERE repository_id = ? AND digest = ?', [id, digest]);
      await tx.run('DELETE FROM registry_manifest_refs WHERE repository_id = ? AND manifest_digest = ?', [id, digest]);
      await tx.run('DELETE FROM registry_referrers WHERE repository_id = ? AND digest = ?', [id, digest]);
      const r = await tx.run('DELETE FROM registry_manifests WHERE repository_id = ? AND digest = ?', [id, digest]);
      await tx.run('DELETE FROM registry_blob_links WHERE repository_id = ? AND digest = ?', [id, digest]);
      return r.changes > 0;
    });
  }

  /** Manifests naming `subject`, optionally of one artifact type. */
  async referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
    const rows = await this.db.all<{ mediaType: string; digest: string; size: number; artifactType: string | null; annotations: string | null }>(
      `SELECT f.media_type AS mediaType, f.digest AS digest, f.size AS size, f.artifact_type AS artifactType, f.annotations AS annotations
         FROM registry_referrers f JOIN registry_repositories r ON r.id = f.repository_id
        WHERE r.name = ? AND f.subject_digest = ? AND (? IS NULL OR f.artifact_type = ?) ORDER BY f.digest`,
      [repository, subject, artifactType ?? null, artifactType ?? null],
    );
    return rows.map((r) => {
      const d: ReferrerDescriptor = { mediaType: r.mediaType, digest: r.digest, size: r.size };
      if (r.artifactType) d.artifactType = r.artifactType;
      if (r.annotations) d.annotations = JSON.parse(r.annotations) as Record<string, string>;
      return d;
    });
  }

  async repositoryExists(repository: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 FROM registry_repositories WHERE name = ?', [repository])) !== undefined;
  }

  /** Tags in lexical order after `last`, at most `n`. */
  async tags(repository: string, n: number, last: string | undefined): Promise<string[]> {
    const rows = await this.db.all<{ name: string }>(
      'SELECT t.name AS name FROM registry_tags t JOIN registry_repositories r ON r.id = t.repository_id WHERE r.name = ? AND t.name > ? ORDER BY t.name LIMIT ?',
      [repository, last ?? '', n],
    );
    return rows.map((r) => r.name);
  }

  /** Repositories holding at least one manifest, lexical order after `last`, at most `n`. */
  async repositories(n: number, last: string | undefined): Promise<string[]> {
    const rows = await this.db.all<{ name: string }>(
      'SELECT r.name AS name FROM registry_repositories r WHERE r.name > ? AND EXISTS (SELECT 1 FROM registry_manifests m WHERE m.repository_id = r.id) ORDER BY r.name LIMIT ?',
      [last ?? '', n],
    );
    return rows.map((r) => r.name);
  }

  async createUpload(uuid: string, repository: string): Promise<void> {
    await this.db.run('INSERT INTO registry_uploads (uuid, repository, size, started_at) VALUES (?, ?, 0, ?)', [uuid, repository, new Date().toISOString()]);
  }

  async upload(uuid: string): Promise<UploadRow | undefined> {
    return this.db.get<UploadRow>('SELECT uuid, repository, size, started_at AS startedAt FROM registry_uploads WHERE uuid = ?', [uuid]);
  }

  async setUploadSize(uuid: string, size: number): Promise<void> {
    await this.db.run('UPDATE registry_uploads SET size = ? WHERE uuid = ?', [size, uuid]);
  }

  async deleteUpload(uuid: string): Promise<void> {
    await this.db.run('DELETE FROM registry_uploads WHERE uuid = ?', [uuid]);
  }

  async uploads(): Promise<UploadRow[]> {
    return this.db.all<UploadRow>('SELECT uuid, repository, size, started_at AS startedAt FROM registry_uploads');
  }

  /**
   * Digests still in use: every manifest and everything a manifest names, in any repository,
   * and every blob linked after `graceSince` (ms since the epoch; an upload whose manifest has
   * not come yet). Blob links not in this set are dropped (GC's mark phase), unless `dryRun`.
   */
  async markReferenced(graceSince = Number.MAX_SAFE_INTEGER, dryRun = false): Promise<Set<string>> {
    return this.db.transaction(async (tx) => {
      if (!dryRun) await tx.run(
        `DELETE FROM registry_blob_links WHERE linked_at < ?
           AND NOT EXISTS (SELECT 1 FROM registry_manifests m WHERE m.repository_id = registry_blob_links.repository_id AND m.digest = registry_blob_links.digest)
           AND NOT EXISTS (SELECT 1 FROM registry_manifest_refs f WHERE f.repository_id = registry_blob_links.repository_id AND f.child_digest = registry_blob_links.digest)`,
        [graceSince],
      );
      const rows = await tx.all<{ d: string }>(
        'SELECT digest AS d FROM registry_manifests UNION SELECT child_digest AS d FROM registry_manifest_refs UNION SELECT digest AS d FROM registry_blob_links WHERE linked_at >= ?',
        [graceSince],
      );
      return new Set(rows.map((r) => r.d));
    });
  }

}
