import { afterEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultRuntime } from './daemon';

describe('defaultRuntime', () => {
  const saved = process.env['PATH'];
  const dirs: string[] = [];
  afterEach(() => {
    process.env['PATH'] = saved;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** A PATH of two directories holding (empty, executable) files of these names. */
  function pathWith(...names: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-default-runtime-'));
    dirs.push(dir);
    for (const d of ['a', 'b']) fs.mkdirSync(path.join(dir, d));
    names.forEach((n, i) => fs.writeFileSync(path.join(dir, i % 2 ? 'b' : 'a', n), '', { mode: 0o755 }));
    return `${path.join(dir, 'a')}:${path.join(dir, 'b')}`;
  }

  it('is crun when crun is installed', async () => {
    process.env['PATH'] = pathWith('runc', 'crun');
    expect(await defaultRuntime()).toBe('crun');
    process.env['PATH'] = pathWith('crun');
    expect(await defaultRuntime()).toBe('crun');
  });

  it('falls back to runc when crun is missing (also when neither is: the start-up check then names runc)', async () => {
    process.env['PATH'] = pathWith('runc');
    expect(await defaultRuntime()).toBe('runc');
    process.env['PATH'] = pathWith();
    expect(await defaultRuntime()).toBe('runc');
  });
});
