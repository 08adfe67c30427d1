import type { Migration } from '@berth/sqlite';

export const COMPONENT = '@berth/registry';

/**
 * The registry's tables (all prefixed `registry_`, so they can share a database):
 *
 *   registry_repositories   id, name
 *   registry_blob_links     which repository may serve which blob (uploaded or mounted there)
 *   registry_manifests      manifests pushed to a repository (bytes live in the blob store)
 *   registry_manifest_refs  blobs and child manifests a manifest names (for GC and checks)
 *   registry_tags           tag → manifest digest, per repository
 *   registry_uploads        upload sessions in progress (bytes in <root>/uploads/<uuid>)
 *   registry_referrers      manifests with a `subject`, for the referrers API (v2)
 */
export const migrations: Migration[] = [
  {
    component: COMPONENT,
    version: 1,
    description: 'repositories, blob links, manifests, tags, uploads',
    up: `
      CREATE TABLE registry_repositories (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
      CREATE TABLE registry_blob_links (
        repository_id INTEGER NOT NULL REFERENCES registry_repositories(id) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (repository_id, digest)
      );
      CREATE INDEX registry_blob_links_digest ON registry_blob_links(digest);
      CREATE TABLE registry_manifests (
        repository_id INTEGER NOT NULL REFERENCES registry_repositories(id) ON DELETE CASCADE,
        digest TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (repository_id, digest)
      );
      CREATE TABLE registry_manifest_refs (
        repository_id INTEGER NOT NULL,
        manifest_digest TEXT NOT NULL,
        child_digest TEXT NOT NULL,
        PRIMARY KEY (repository_id, manifest_digest, child_digest),
        FOREIGN KEY (repository_id, manifest_digest) REFERENCES registry_manifests(repository_id, digest) ON DELETE CASCADE
      );
      CREATE INDEX registry_manifest_refs_child ON registry_manifest_refs(child_digest);
      CREATE TABLE registry_tags (
        repository_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (repository_id, name),
        FOREIGN KEY (repository_id, digest) REFERENCES registry_manifests(repository_id, digest) ON DELETE CASCADE
      );
      CREATE TABLE registry_uploads (
        uuid TEXT PRIMARY KEY,
        repository TEXT NOT NULL,
        size INTEGER NOT NULL,
        started_at TEXT NOT NULL
      );
    `,
  },
  {
    component: COMPONENT,
    version: 2,
    description: 'referrers (OCI distribution v1.1)',
    up: `
      CREATE TABLE registry_referrers (
        repository_id INTEGER NOT NULL,
        subject_digest TEXT NOT NULL,
        digest TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        artifact_type TEXT,
        annotations TEXT,
        PRIMARY KEY (repository_id, subject_digest, digest),
        FOREIGN KEY (repository_id, digest) REFERENCES registry_manifests(repository_id, digest) ON DELETE CASCADE
      );
    `,
  },
  {
    component: COMPONENT,
    version: 3,
    description: 'blob links remember when they were made (GC grace period)',
    up: `ALTER TABLE registry_blob_links ADD COLUMN linked_at INTEGER NOT NULL DEFAULT 0;`,
  },
];
