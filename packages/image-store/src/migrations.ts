import type { Migration } from '@berth/sqlite';

export const COMPONENT = 'image-store';

/** The image store's tables in berth.db; see README.md "Layout". Never edit a shipped step. */
export const imageStoreMigrations: readonly Migration[] = [
  {
    version: 1,
    component: COMPONENT,
    description: 'layers, images, image_layers, image_blobs, refs, snapshots, snapshot_layers',
    up: `
CREATE TABLE layers (
  diff_id    TEXT PRIMARY KEY,
  link       TEXT NOT NULL UNIQUE,
  size       INTEGER NOT NULL,
  entries    INTEGER NOT NULL,
  tar_size   INTEGER NOT NULL,
  created    TEXT NOT NULL
);
CREATE TABLE images (
  id          TEXT PRIMARY KEY,
  config_size INTEGER NOT NULL,
  created     TEXT NOT NULL,
  stored      TEXT NOT NULL,
  size        INTEGER NOT NULL,
  parent      TEXT,
  last_tag_time TEXT
);
CREATE INDEX images_parent ON images(parent);
CREATE TABLE image_layers (
  image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  diff_id   TEXT NOT NULL REFERENCES layers(diff_id),
  chain_id  TEXT NOT NULL,
  PRIMARY KEY (image_id, position)
);
CREATE INDEX image_layers_diff ON image_layers(diff_id);
CREATE TABLE refs (
  name      TEXT PRIMARY KEY,
  repo      TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('tag', 'digest')),
  image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  created   TEXT NOT NULL
);
CREATE INDEX refs_image ON refs(image_id);
CREATE TABLE image_blobs (
  image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  digest    TEXT NOT NULL,
  PRIMARY KEY (image_id, digest)
);
CREATE INDEX image_blobs_digest ON image_blobs(digest);
CREATE TABLE snapshots (
  key       TEXT PRIMARY KEY,
  image_id  TEXT NOT NULL,
  dir       TEXT NOT NULL,
  created   TEXT NOT NULL
);
CREATE TABLE snapshot_layers (
  key       TEXT NOT NULL REFERENCES snapshots(key) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  diff_id   TEXT NOT NULL REFERENCES layers(diff_id),
  PRIMARY KEY (key, position)
);
CREATE INDEX snapshot_layers_diff ON snapshot_layers(diff_id);
`,
  },
];
