/**
 * The repository's own CI checks (`npm run lint` runs them, .ci/run fails on them) do fail on what
 * they are for: scripts/check-layers.js on an import up or across the layers, a deep import, a
 * relative path out of a package or an undeclared dependency; scripts/check-self-contained.sh on
 * a path outside the clone. Each runs on a small tree made here, laid out like the repository.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exec, repoRoot } from './harness';

let dir: string;

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

function pkg(name: string, deps: string[]): void {
  write(`packages/${name}/package.json`, JSON.stringify({ name: `@berth/${name}`, dependencies: Object.fromEntries(deps.map((d) => [`@berth/${d}`, '0.1.0'])) }));
}

const layers = () => exec(process.execPath, [path.join(repoRoot, 'scripts', 'check-layers.js'), dir]);
const selfContained = () => exec(path.join(repoRoot, 'scripts', 'check-self-contained.sh'), [dir]);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-repo-checks-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('check-layers', () => {
  it('passes imports that point down, and fails each kind of violation with its file and line', async () => {
    pkg('errdefs', []);
    pkg('oci', ['errdefs']);
    pkg('runtime', ['oci', 'errdefs']);
    pkg('image-store', ['oci']);
    pkg('network', []);
    pkg('daemon', ['runtime', 'image-store', 'network']);
    write('packages/oci/src/index.ts', "import { NotFoundError } from '@berth/errdefs';\nexport { NotFoundError };\n");
    write('packages/runtime/src/index.ts', "import type { Digest } from '@berth/oci';\nexport type { Digest };\n");
    write('packages/daemon/src/main.ts', "import { a } from '@berth/runtime';\nimport { b } from '@berth/image-store';\nimport { c } from '@berth/network';\n");
    const clean = await layers();
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);

    write('packages/runtime/src/bad.ts', [
      "import { x } from '@berth/image-store';", // across the middle
      "import { y } from '@berth/daemon';", // up to the daemon
      "import { z } from '@berth/oci/src/digest';", // deep
      "import { w } from '../../image-store/src/index';", // out of the package
      '',
    ].join('\n'));
    write('packages/network/src/bad.ts', "export * from '@berth/oci';\n"); // allowed, but not declared
    const r = await layers();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('packages/runtime/src/bad.ts:1: "@berth/image-store": @berth/runtime may not import @berth/image-store');
    expect(r.stderr).toContain('packages/runtime/src/bad.ts:2: "@berth/daemon": nothing imports the daemon');
    expect(r.stderr).toContain('packages/runtime/src/bad.ts:3: deep import "@berth/oci/src/digest"');
    expect(r.stderr).toContain('packages/runtime/src/bad.ts:4: "../../image-store/src/index" reaches out of packages/runtime');
    expect(r.stderr).toContain('packages/network/src/bad.ts:1: "@berth/oci" is not declared in packages/network/package.json');
    expect(r.stderr).toMatch(/layers: 5 import\(s\) against the architecture/);
  });

  it('fails on a package without a rule', async () => {
    pkg('brand-new', []);
    const r = await layers();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('packages/brand-new: no layer rule');
  });
});

describe('check-self-contained', () => {
  it('fails on a path outside the clone, and names the line', async () => {
    fs.rmSync(path.join(dir, 'packages'), { recursive: true, force: true });
    write('docs/ok.md', 'fixtures: test-e2e/fixtures/multilayer.docker-save.tar\n');
    expect((await selfContained()).code).toBe(0);
    const outside = ['..', 'shared', 'fixtures', 'x.tar'].join('/'); // spelled out, this file would fail the check itself
    write('test-e2e/bad.test.ts', `const F = '${outside}';\n`);
    const r = await selfContained();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`./test-e2e/bad.test.ts:1:const F = '${outside}';`);
  });
});
