import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import * as tar from 'tar-stream';
import { packContext } from './build-context';
import { DockerIgnore } from './dockerignore';

describe('DockerIgnore', () => {
  const d = new DockerIgnore('# comment\nignored.secret\nnode_modules/\n*.log\n!keep.log\ndocs/**/*.md\n/abs\n');
  it('matches files, directories and everything under them, with exceptions', () => {
    expect(d.ignores('ignored.secret')).toBe(true);
    expect(d.ignores('node_modules')).toBe(true);
    expect(d.ignores('node_modules/a/b.js')).toBe(true);
    expect(d.ignores('x.log')).toBe(true);
    expect(d.ignores('sub/x.log')).toBe(false); // `*` does not cross `/`
    expect(d.ignores('keep.log')).toBe(false);
    expect(d.ignores('docs/a/b/c.md')).toBe(true);
    expect(d.ignores('docs/c.md')).toBe(true);
    expect(d.ignores('abs')).toBe(true);
    expect(d.ignores('Dockerfile')).toBe(false);
  });
});

describe('packContext', () => {
  it('applies .dockerignore but always sends the Dockerfile and .dockerignore (113-build)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\n');
      fs.writeFileSync(path.join(dir, '.dockerignore'), 'ignored.secret\nnode_modules/\nDockerfile\n.dockerignore\n');
      fs.writeFileSync(path.join(dir, 'ignored.secret'), 's');
      fs.writeFileSync(path.join(dir, 'hello.txt'), 'hello');
      fs.mkdirSync(path.join(dir, 'node_modules/x'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules/x/i.js'), '1');
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'sub/a.txt'), 'a');
      const { tar: buf } = await packContext(dir, 'Dockerfile');
      const names: string[] = [];
      const ex = tar.extract();
      ex.on('entry', (h, s, next) => {
        names.push(`${h.name} ${h.uid}:${h.gid}`);
        s.resume();
        s.on('end', next);
      });
      const done = new Promise<void>((r) => ex.on('finish', () => r()));
      ex.end(buf);
      await done;
      expect(names).toEqual(['.dockerignore 0:0', 'Dockerfile 0:0', 'hello.txt 0:0', 'sub/ 0:0', 'sub/a.txt 0:0']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
