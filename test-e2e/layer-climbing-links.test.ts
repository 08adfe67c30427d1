/**
 * Layers whose symlinks climb above the layer's root (`up -> ../../../../etc/x`), as Docker 20.10
 * applies them: overlay2's ApplyDiff untars with chrootarchive.UntarUncompressed, pkg/archive's
 * Unpack chrooted into the layer directory with extractDir `/`, so such a link is stored as
 * written, a name or a hardlink target climbing with `..` stops at the layer's root. Read from a
 * container, the link resolves inside the container's root; nothing on the host is read or
 * written. berth refused such a layer at `docker load` and at `docker commit`.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, busyboxRootfsTar, clientsFor, makeDockerSaveArchive, makeTar, ok, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let docker: ReturnType<typeof clientsFor>['docker'];

useDaemon((daemon) => {
  d = daemon;
  docker = clientsFor(d).docker;
});

/** A file only the image has: on the host, the same path must never appear (nor be read). */
const INSIDE = '/etc/berth-climb-check';

describe('layer links climbing above the layer root (load, commit)', () => {
  it('docker load keeps them as written; a container reads through them inside its root only', async () => {
    expect(fs.existsSync(INSIDE)).toBe(false);
    const up = '../'.repeat(8);
    const layer = makeTar([
      { name: 'etc/', type: 'dir' },
      { name: 'etc/berth-climb-check', content: 'inside the root\n' },
      { name: 'up', type: 'symlink', linkname: `${up}${INSIDE.slice(1)}` },
      { name: 'd/', type: 'dir' },
      { name: 'd/deep', type: 'symlink', linkname: `../../..${INSIDE}` },
      // a name and a hardlink target climbing with `..`: at the layer's root
      { name: `d/../../${up}climbed`, content: 'at the root\n' },
      { name: 'd/hard', type: 'hardlink', linkname: `../../../etc/berth-climb-check` },
    ]);
    const file = path.join(scratchDir('climbing-links'), 'img.tar');
    fs.writeFileSync(file, makeDockerSaveArchive({ layers: [fs.readFileSync(busyboxRootfsTar()), layer], repoTag: 'climb-load:latest' }));
    ok(await docker(['load', '-i', file]));
    const out = ok(await docker(['run', '--rm', 'climb-load', 'sh', '-c', 'readlink /up; readlink /d/deep; cat /up /d/deep /climbed /d/hard; stat -c %h /d/hard']));
    expect(out.stdout).toBe(`${up}${INSIDE.slice(1)}\n../../..${INSIDE}\ninside the root\ninside the root\nat the root\ninside the root\n2\n`);
    expect(fs.existsSync(INSIDE)).toBe(false);
  }, 60_000);

  it('docker commit of a container that made one keeps it', async () => {
    ok(await docker(['run', '--name', 'climb-made', 'busybox', 'sh', '-c', `echo made > /etc/made && ln -s ../../../../etc/made /made-up`]));
    ok(await docker(['commit', 'climb-made', 'climb-commit']));
    ok(await docker(['rm', 'climb-made']));
    const out = ok(await docker(['run', '--rm', 'climb-commit', 'sh', '-c', 'readlink /made-up; cat /made-up']));
    expect(out.stdout).toBe('../../../../etc/made\nmade\n');
  }, 60_000);
});
