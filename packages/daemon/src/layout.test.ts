import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataRoot, defaultExecRoot } from './layout';

describe('defaultExecRoot', () => {
  it('is /run/berth for the default data root, /run/berth-roots/<16 hex> of the real path for another (the same through a symlink, another for another root)', () => {
    expect(defaultExecRoot('/var/lib/berth')).toBe('/run/berth');
    expect(defaultExecRoot('/var/lib/berth/')).toBe('/run/berth');
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layout-'));
    try {
      const a = path.join(work, 'a');
      fs.mkdirSync(a);
      fs.symlinkSync(a, path.join(work, 'link'));
      const ea = defaultExecRoot(a);
      expect(ea).toMatch(/^\/run\/berth-roots\/[0-9a-f]{16}$/);
      expect(defaultExecRoot(path.join(work, 'link'))).toBe(ea);
      expect(defaultExecRoot(path.join(work, 'b'))).not.toBe(ea);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("puts the runtimes' state, the shims' files, the exec dirs and the netns files on the exec root, the bundle on the data root", () => {
    const l = new DataRoot('/d', '/x');
    expect(l.runtimeStateDir).toBe('/x/runtime');
    expect(l.containerStateDir('c')).toBe('/x/containers/c');
    expect(l.execDir('c', 'e')).toBe('/x/containers/c/exec/e');
    expect(l.containerDir('c')).toBe('/d/containers/c');
    expect(l.networkStateDir).toBe('/x/network');
    expect(l.hostPaths).toEqual(['/d', '/x']);
  });
});
