import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import * as tar from 'tar-stream';
import { packContext } from './build-context';

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

  it('re-includes an exception under an ignored directory, with **, and refuses a malformed pattern', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\n');
      fs.writeFileSync(path.join(dir, '.dockerignore'), 'docs\n!docs/keep/README.md\n**/*.tmp\n');
      fs.mkdirSync(path.join(dir, 'docs/keep'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'docs/a.md'), 'a');
      fs.writeFileSync(path.join(dir, 'docs/keep/README.md'), 'r');
      fs.mkdirSync(path.join(dir, 'x/y'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'x/y/z.tmp'), 't');
      fs.writeFileSync(path.join(dir, 'top.tmp'), 't');
      const { tar: buf } = await packContext(dir, 'Dockerfile');
      const names: string[] = [];
      const ex = tar.extract();
      ex.on('entry', (h, s, next) => {
        names.push(h.name);
        s.resume();
        s.on('end', next);
      });
      const done = new Promise<void>((r) => ex.on('finish', () => r()));
      ex.end(buf);
      await done;
      expect(names).toEqual(['.dockerignore', 'Dockerfile', 'docs/keep/README.md', 'x/', 'x/y/']);
      fs.writeFileSync(path.join(dir, '.dockerignore'), 'a[\n');
      await expect(packContext(dir, 'Dockerfile')).rejects.toThrow('error checking context: syntax error in pattern: a[');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
