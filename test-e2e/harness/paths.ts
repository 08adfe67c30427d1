import * as path from 'node:path';

/** The repository root (test-e2e/harness/../..). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** Images saved by a real Docker 20.10, and the expected rootfs listing (test-e2e/fixtures/README.md). */
export const fixturesDir = path.join(repoRoot, 'test-e2e', 'fixtures');

export const fixtures = {
  dockerSave: path.join(fixturesDir, 'multilayer.docker-save.tar'),
  ociArchive: path.join(fixturesDir, 'multilayer.oci-archive.tar'),
  rootfsTsv: path.join(fixturesDir, 'multilayer.rootfs.tsv'),
  rootfsListing: path.join(fixturesDir, 'rootfs-listing.py'),
  /** The tag `multilayer.docker-save.tar` carries. */
  dockerSaveTag: 'fixture-multilayer:1',
  /** Config digest (= image ID) of the docker-save fixture. */
  dockerSaveId: 'sha256:5ff28e953cf854ac9058896f648c5657205ffeb74bd34cf4fe82fe07c703d863',
  /** Config digest of the OCI archive (skopeo rewrote the config as an OCI config; it has no tag). */
  ociArchiveId: 'sha256:33f4ecab3bb059e2fecaab5dee165eb47521430da95ee930ff104f59aee6c8dc',
};

/** The built binaries (`npm run build` first; `npm test` does it). */
export const berthdBin = path.join(repoRoot, 'packages', 'daemon', 'bin', 'berthd.js');
export const berthBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'berth.js');

export const makeBusyboxRootfsScript = path.join(repoRoot, 'scripts', 'make-busybox-rootfs.sh');
