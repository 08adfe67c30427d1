/**
 * `berth`'s launcher (packages/cli/bin/berth) and its start-up snapshot: the fast path survives
 * what does not matter (a package install touching /usr/bin), a stale snapshot sends that one run
 * down the plain path and refreshes itself in the background (detached: the command does not wait
 * for it), and `BERTH_DEBUG_STARTUP=1` says which path was taken and why.
 *
 * Works on a copy of the CLI package in a temp dir (its bin/, scripts/, and dist/ entries linked to
 * the build, with a dist/fast/ of its own holding a copy of the built blob), so the build that
 * other tests use is never touched. Needs `npm run build` (the blob and stamp).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exec, ok, repoRoot, waitFor } from './harness';

const realCli = path.join(repoRoot, 'packages', 'cli');
let dir: string;
let cli: string;
let fast: string;
let witness: string;
let nodeBin: string;

function run(args: string[]) {
  return exec(path.join(cli, 'bin', 'berth'), args, {
    // build-fast.js, run from the copy, finds esbuild-wasm through NODE_PATH
    // the node on PATH is this node through a bin/ of the test's own (standing in for /usr/bin)
    env: { BERTH_DEBUG_STARTUP: '1', NODE_PATH: path.join(repoRoot, 'node_modules'), BERTH_NO_SNAPSHOT: '', NODE_OPTIONS: '', PATH: `${nodeBin}:${process.env.PATH}` },
    timeoutMs: 30_000,
  });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-launcher-'));
  cli = path.join(dir, 'cli');
  fast = path.join(cli, 'dist', 'fast');
  fs.mkdirSync(path.join(cli, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(cli, 'scripts'));
  fs.mkdirSync(fast, { recursive: true });
  fs.copyFileSync(path.join(realCli, 'bin', 'berth'), path.join(cli, 'bin', 'berth'));
  fs.chmodSync(path.join(cli, 'bin', 'berth'), 0o755);
  fs.copyFileSync(path.join(realCli, 'bin', 'berth.js'), path.join(cli, 'bin', 'berth.js'));
  fs.copyFileSync(path.join(realCli, 'scripts', 'build-fast.js'), path.join(cli, 'scripts', 'build-fast.js'));
  for (const e of fs.readdirSync(path.join(realCli, 'dist'))) {
    if (e !== 'fast') fs.symlinkSync(path.join(realCli, 'dist', e), path.join(cli, 'dist', e));
  }
  const realFast = path.join(realCli, 'dist', 'fast');
  for (const f of ['berth.blob', 'berth.js']) fs.copyFileSync(path.join(realFast, f), path.join(fast, f));
  // The built stamp, with its witness standing in for node's dpkg file list (a file of the test's own).
  nodeBin = path.join(dir, 'bin');
  fs.mkdirSync(nodeBin);
  fs.symlinkSync(fs.realpathSync(process.execPath), path.join(nodeBin, 'node'));
  witness = path.join(dir, 'witness.list');
  fs.writeFileSync(witness, '');
  const old = new Date(Date.now() - 3600_000);
  fs.utimesSync(witness, old, old);
  const stamp = fs
    .readFileSync(path.join(realFast, 'berth.stamp'), 'utf8')
    .split('\n')
    .map((l) => (l.startsWith('witness ') ? `witness ${witness}` : l.startsWith('node ') ? `node ${path.join(nodeBin, 'node')}` : l))
    .join('\n');
  expect(stamp).toMatch(/^node \S+\nid .+\nbundle sha256:[0-9a-f]{64}\n/);
  fs.writeFileSync(path.join(fast, 'berth.stamp'), stamp);
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('takes the fast path, and keeps it when only the directory of node changes (a package install)', async () => {
  const r = ok(await run(['--version']));
  expect(r.stdout).toMatch(/^berth version /);
  expect(r.stderr).toMatch(/^berth: start-up: fast path \(snapshot .*berth\.blob\)$/m);
  // what `apt-get install` of anything does to /usr/bin, here to node's directory (the launcher
  // before used to give up the snapshot then) and to the witness' directory
  const now = new Date(Date.now() + 5_000);
  fs.utimesSync(nodeBin, now, now);
  fs.utimesSync(dir, now, now);
  expect(ok(await run(['--version'])).stderr).toMatch(/fast path/);
});

it('a stale snapshot: that run takes the plain path at once and a background refresh brings the fast path back', async () => {
  const future = new Date(Date.now() + 10_000);
  fs.utimesSync(witness, future, future); // as after a reinstall of node's package
  const r = ok(await run(['--version']));
  expect(r.stdout).toMatch(/^berth version /); // the same answer, the plain way
  expect(r.stderr).toMatch(/^berth: start-up: plain path \(bin\/berth\.js\): .*witness\.list is newer than the snapshot \(refreshing it in the background: .*refresh\.log\)$/m);
  // Same node, same bundle (after `npm run build`): the refresher renews the stamp without
  // rebuilding the blob; a build-fast.js changed since the build makes it build a new blob.
  const log = () => fs.readFileSync(path.join(fast, 'refresh.log'), 'utf8');
  await waitFor(
    'the background refresh to finish',
    // a new stamp names node's own witness again, not the test's
    () => !fs.existsSync(path.join(fast, 'refresh.lock')) && fs.existsSync(path.join(fast, 'berth.stamp')) && !fs.readFileSync(path.join(fast, 'berth.stamp'), 'utf8').includes(witness),
    180_000,
    200,
  );
  expect(fs.existsSync(path.join(fast, 'berth.failed')) ? log() : '').toBe('');
  const again = ok(await run(['--version']));
  expect(again.stderr).toMatch(/fast path/);
}, 200_000);

it('says why it does not use the snapshot: another node, NODE_OPTIONS, BERTH_NO_SNAPSHOT', async () => {
  const other = path.join(dir, 'other-node');
  fs.mkdirSync(other);
  fs.symlinkSync(process.execPath, path.join(other, 'node')); // the same binary through a symlink: still that node
  const same = ok(await exec(path.join(cli, 'bin', 'berth'), ['--version'], { env: { BERTH_DEBUG_STARTUP: '1', PATH: `${other}:${process.env.PATH}`, NODE_OPTIONS: '' } }));
  expect(same.stderr).toMatch(/fast path/);
  const opts = ok(await exec(path.join(cli, 'bin', 'berth'), ['--version'], { env: { BERTH_DEBUG_STARTUP: '1', NODE_OPTIONS: '--no-warnings' } }));
  expect(opts.stderr).toMatch(/plain path \(bin\/berth\.js\): NODE_OPTIONS is set/);
  const off = ok(await exec(path.join(cli, 'bin', 'berth'), ['--version'], { env: { BERTH_DEBUG_STARTUP: '1', BERTH_NO_SNAPSHOT: '1', NODE_OPTIONS: '' } }));
  expect(off.stderr).toMatch(/plain path \(bin\/berth\.js\): BERTH_NO_SNAPSHOT is set/);
});
