import type { Migration } from '@berth/sqlite';

export const CONTAINERS_COMPONENT = 'daemon-containers';

/**
 * The container table (component `daemon-containers` in the shared berth.db; see docs/LAYOUT.md).
 *
 *   containers
 *     id              TEXT PK       64 hex
 *     seq             INTEGER       creation order (before/since filters, newest-first listing)
 *     name            TEXT UNIQUE   with the leading '/' ("/trace-x")
 *     image           TEXT          the image as the client gave it
 *     image_id        TEXT          "sha256:<hex>" of the image config (rmi in-use check)
 *     config          TEXT JSON     Config after merging the image's config
 *     host_config     TEXT JSON     HostConfig with docker's defaults filled in
 *     networking      TEXT JSON     NetworkingConfig as given (or null)
 *     path, args      TEXT, JSON    the process (docker's Path / Args)
 *     created_at      TEXT          RFC3339Nano
 *     status          TEXT          created|running|paused|restarting|removing|exited|dead
 *     pid             INTEGER       host PID while running, else 0
 *     exit_code       INTEGER
 *     error           TEXT          last start error, '' when none
 *     oom_killed      INTEGER 0/1
 *     started_at      TEXT          RFC3339Nano, '0001-01-01T00:00:00Z' when never
 *     finished_at     TEXT          idem
 *     restart_count   INTEGER
 *     manually_stopped INTEGER 0/1  stop/kill given by a user: the restart policy leaves it alone
 *     mounts          TEXT JSON     binds and volumes resolved at create
 *     build           TEXT          the build in progress this intermediate container belongs to
 *                                   (written with the row, so no crash can separate them; NULL
 *                                   for other containers and once the build ended)
 *     api_version     TEXT          the Engine API version of the create request (NULL: the
 *                                   builder's, the CRI's, rows older than the column): the health
 *                                   check's start-period pace depends on it (health-monitor.ts)
 *
 *   container_labels  (container_id → containers.id ON DELETE CASCADE, key, value); PK (container_id, key)
 *     the Config.Labels, for `label=` filters.
 *
 * A create writes the row and its labels in one transaction; a remove deletes them in one.
 */
export const containerMigrations: readonly Migration[] = [
  {
    component: CONTAINERS_COMPONENT,
    version: 1,
    description: 'containers and their labels',
    up: `
      CREATE TABLE containers (
        id TEXT PRIMARY KEY CHECK (length(id) = 64),
        seq INTEGER NOT NULL,
        name TEXT NOT NULL UNIQUE,
        image TEXT NOT NULL,
        image_id TEXT NOT NULL,
        config TEXT NOT NULL,
        host_config TEXT NOT NULL,
        networking TEXT,
        path TEXT NOT NULL,
        args TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('created','running','paused','restarting','removing','exited','dead')),
        pid INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        oom_killed INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',
        finished_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',
        restart_count INTEGER NOT NULL DEFAULT 0,
        manually_stopped INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX containers_image_id ON containers (image_id);
      CREATE TABLE container_labels (
        container_id TEXT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (container_id, key)
      );
      CREATE INDEX container_labels_key ON container_labels (key, value);
    `,
  },
  {
    component: CONTAINERS_COMPONENT,
    version: 2,
    description: 'resolved mount points (binds, named and anonymous volumes)',
    up: `ALTER TABLE containers ADD COLUMN mounts TEXT;`,
  },
  {
    component: CONTAINERS_COMPONENT,
    version: 3,
    description: 'the build an intermediate container belongs to while the build runs',
    up: `ALTER TABLE containers ADD COLUMN build TEXT; CREATE INDEX containers_build ON containers (build) WHERE build IS NOT NULL;`,
  },
  {
    component: CONTAINERS_COMPONENT,
    version: 4,
    description: 'the API version a container was created with',
    up: `ALTER TABLE containers ADD COLUMN api_version TEXT;`,
  },
];
