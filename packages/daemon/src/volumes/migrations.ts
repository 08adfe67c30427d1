import type { Migration } from '@berth/sqlite';

export const VOLUMES_COMPONENT = 'daemon-volumes';

/**
 * Named volumes (component `daemon-volumes` in the shared berth.db; data in
 * `<data-root>/volumes/<name>/_data`):
 *
 *   volumes
 *     name        TEXT PK
 *     driver      TEXT          always 'local'
 *     labels      TEXT JSON     {} when none
 *     options     TEXT JSON     null when none
 *     created_at  TEXT          RFC3339, seconds
 *     anonymous   INTEGER 0/1   created without a name (prune removes only these without `all`)
 */
export const volumeMigrations: readonly Migration[] = [
  {
    component: VOLUMES_COMPONENT,
    version: 1,
    description: 'volumes table',
    up: `CREATE TABLE volumes (
      name TEXT PRIMARY KEY,
      driver TEXT NOT NULL,
      labels TEXT NOT NULL,
      options TEXT,
      created_at TEXT NOT NULL,
      anonymous INTEGER NOT NULL DEFAULT 0
    );`,
  },
];
