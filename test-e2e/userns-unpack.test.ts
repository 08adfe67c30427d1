/**
 * Issue 10: Docker 20.10's user-namespace rule for layer entries, with the built image store in
 * a real user namespace (`unshare --user --map-root-user`, where no device node can be made):
 * block and char devices are skipped, everything else (a FIFO included) is written; outside one
 * the same layer gives every node. No daemon: the rule is the layer unpacker's (and cp's).
 */
import { expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exec, makeTar, repoRoot, scratchDir } from './harness';

/** Unpacks the layer tar argv[1] into argv[2] with the built @berth/image-store; prints the entries' kinds. */
const SCRIPT = `
const fs = require('fs');
const { unpackLayer } = require(${JSON.stringify(path.join(repoRoot, 'packages', 'image-store'))});
const [tarPath, dest] = process.argv.slice(1);
unpackLayer(fs.createReadStream(tarPath), dest).then(
  () => {
    const kinds = {};
    for (const n of fs.readdirSync(dest).sort()) {
      const st = fs.lstatSync(dest + '/' + n);
      kinds[n] = st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : st.isFile() ? 'file' : 'other';
    }
    console.log(JSON.stringify(kinds));
  },
  (e) => { console.log(JSON.stringify({ error: e.message })); process.exitCode = 1; },
);
`;

it('in a user namespace a layer with devices unpacks with the devices skipped; outside one every node is made', async () => {
  const work = scratchDir('userns-unpack');
  const layer = path.join(work, 'layer.tar');
  fs.writeFileSync(
    layer,
    makeTar([
      { name: 'null', type: 'char', devmajor: 1, devminor: 3 },
      { name: 'sda', type: 'block', devmajor: 8, devminor: 0 },
      { name: 'pipe', type: 'fifo' },
      { name: 'file', content: 'kept\n' },
    ]),
  );
  const run = async (inUserNs: boolean, dest: string) => {
    fs.mkdirSync(dest);
    const argv = ['-e', SCRIPT, layer, dest];
    const r = inUserNs ? await exec('unshare', ['--user', '--map-root-user', process.execPath, ...argv]) : await exec(process.execPath, argv);
    return { code: r.code, out: JSON.parse(r.stdout.trim()) as Record<string, string> };
  };
  expect(await run(true, path.join(work, 'in'))).toEqual({ code: 0, out: { file: 'file', pipe: 'fifo' } });
  expect(await run(false, path.join(work, 'out'))).toEqual({ code: 0, out: { file: 'file', null: 'char', pipe: 'fifo', sda: 'block' } });
});
