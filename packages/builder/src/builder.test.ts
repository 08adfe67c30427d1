import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, constants, openSync, promises as fs } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { ImageConfig } from '@berth/oci';
import type { BuildBackend, BuildImage, CommitStepOptions, RunStepOptions } from './build-backend';
import { Builder } from './builder';
import { RunFailedError } from './run-failed-error';

/** An in-memory backend: images with parents, RUN that prints its command and exits 0 (or `exit N`). */
class FakeBackend implements BuildBackend {
  images = new Map<string, BuildImage & { parent?: string }>();
  runs: RunStepOptions[] = [];
  removed: string[] = [];
  private n = 0;

  constructor() {
    this.add({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: ['PATH=/bin'] } }, undefined, 'base');
  }

  add(config: ImageConfig, parent?: string, tag?: string): BuildImage {
    const id = `sha256:${createHash('sha256').update(String(++this.n)).digest('hex')}`;
    const img = { id, config, created: new Date(this.n * 1000), ...(parent ? { parent } : {}) };
    this.images.set(id, img);
    if (tag) this.images.set(tag, img);
    return img;
  }

  async findImage(ref: string) {
    return this.images.get(ref);
  }
  async children(parent: string | undefined) {
    return [...new Set(this.images.values())].filter((i) => i.parent === parent && parent !== undefined);
  }
  async runContainer(opts: RunStepOptions) {
    this.runs.push(opts);
    const id = `c${this.runs.length}`.padEnd(64, '0');
    opts.onCreated(id);
    opts.onOutput(Buffer.from(`ran ${opts.config.Cmd!.join(' ')}\n`));
    const m = /exit (\d+)/.exec(opts.config.Cmd!.join(' '));
    return { containerId: id, exitCode: m ? Number(m[1]) : 0 };
  }
  async commit(o: CommitStepOptions) {
    return this.add({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: o.config, container_config: o.containerConfig }, o.parent);
  }
  async removeContainer(id: string) {
    this.removed.push(id);
  }
  async withRootfs<T>(_id: string, fn: (root: string) => Promise<T>): Promise<T> {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'builder-test-root-'));
    try {
      return await fn(d);
    } finally {
      await fs.rm(d, { recursive: true, force: true });
    }
  }
  async extractArchive() {
    throw new Error('not used');
  }
  async tag(id: string, ref: string) {
    this.images.set(ref, this.images.get(id)!);
  }
}

let ctx: string;
let backend: FakeBackend;
let lines: string[];
const out = { stream: (t: string) => void lines.push(t), aux: (a: Record<string, unknown>) => void lines.push(`aux ${JSON.stringify(a)}`) };

beforeEach(async () => {
  ctx = await fs.mkdtemp(path.join(os.tmpdir(), 'builder-test-'));
  backend = new FakeBackend();
  lines = [];
});
afterEach(async () => {
  await fs.rm(ctx, { recursive: true, force: true });
});

async function build(dockerfile: string, opts: Partial<Parameters<Builder['build']>[0]> = {}) {
  await fs.writeFile(path.join(ctx, 'Dockerfile'), dockerfile);
  lines = [];
  return new Builder(backend).build({ contextDir: ctx, tmpDir: os.tmpdir(), ...opts }, out);
}

function createdBy(id: string): string[] {
  const chain: string[] = [];
  for (let img = backend.images.get(id) as (BuildImage & { parent?: string }) | undefined; img?.parent; img = backend.images.get(img.parent) as typeof img) {
    chain.unshift((img.config.container_config?.Cmd ?? []).join(' '));
  }
  return chain;
}

describe('Builder', () => {
  it('streams docker step lines and makes #(nop) cache keys', async () => {
    const r = await build('FROM base\nARG V=1\nENV A=$V B="x y"\nLABEL k=v\nEXPOSE 80\nCMD ["a", "b"]\nRUN echo $A\n', { tags: ['t:1'], buildArgs: { V: '2' } });
    expect(lines.slice(0, 3)).toEqual(['Step 1/7 : FROM base', '\n', ` ---> ${backend.images.get('base')!.id.slice(7, 19)}\n`]);
    expect(createdBy(r.imageId)).toEqual([
      '/bin/sh -c #(nop)  ARG V=1',
      '/bin/sh -c #(nop)  ENV A=2 B=x y',
      '/bin/sh -c #(nop)  LABEL k=v',
      '/bin/sh -c #(nop)  EXPOSE 80',
      '/bin/sh -c #(nop)  CMD ["a" "b"]',
      '|1 V=2 /bin/sh -c echo $A',
    ]);
    expect(backend.runs[0]!.config.Env).toEqual(['PATH=/bin', 'A=2', 'B=x y', 'V=2']);
    expect(lines.slice(-3)).toEqual([`aux {"ID":"${r.imageId}"}`, `Successfully built ${r.imageId.slice(7, 19)}\n`, 'Successfully tagged t:1\n']);
    expect(backend.removed).toHaveLength(1);
  });

  it('a LABEL or VOLUME named "__proto__" is kept as one (an own key), as Go keeps it', async () => {
    const r = await build('FROM base\nLABEL a=1 __proto__=x\nVOLUME __proto__ /v\n', { tags: [] });
    const cfg = backend.images.get(r.imageId)!.config.config!;
    expect(Object.entries(cfg.Labels ?? {})).toEqual([['a', '1'], ['__proto__', 'x']]);
    expect(Object.keys(cfg.Volumes ?? {})).toEqual(['__proto__', '/v']);
  });

  it('reuses every step on a rebuild, and a changed build arg invalidates from the RUN that uses it', async () => {
    const df = 'FROM base\nARG V=1\nENV A=1\nRUN echo hi\nLABEL done=1\n';
    const first = await build(df);
    const again = await build(df);
    expect(again.imageId).toBe(first.imageId);
    expect(lines.filter((l) => l === ' ---> Using cache\n')).toHaveLength(4);
    await build(df, { buildArgs: { V: '2' } });
    expect(lines.filter((l) => l === ' ---> Using cache\n')).toHaveLength(2);
    await build(df, { noCache: true });
    expect(lines.filter((l) => l === ' ---> Using cache\n')).toHaveLength(0);
  });

  it('puts the content hash of copied files in the COPY key', async () => {
    await fs.writeFile(path.join(ctx, 'f.txt'), 'one');
    const a = await build('FROM base\nCOPY f.txt /f.txt\n');
    const key = createdBy(a.imageId)[0]!;
    // moby's withCmdCommentString: one space after #(nop) for COPY/ADD/WORKDIR (trace 120-save)
    expect(key).toMatch(/^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/f\.txt $/);
    await fs.writeFile(path.join(ctx, 'f.txt'), 'two');
    const b = await build('FROM base\nCOPY f.txt /f.txt\n');
    expect(createdBy(b.imageId)[0]).not.toBe(key);
    expect(lines).not.toContain(' ---> Using cache\n');
  });

  it('a failing RUN is a RunFailedError with the exit code; forcerm removes the container', async () => {
    const err = await build('FROM base\nRUN exit 3\n', { forceRm: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).exitCode).toBe(3);
    expect((err as Error).message).toBe("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    expect(backend.removed).toHaveLength(1);
    expect(lines).toContain('Removing intermediate container c10000000000\n');
  });

  it('counts meta ARGs and the stages up to the target, and lets ENTRYPOINT clear an inherited CMD', async () => {
    const r = await build('ARG B=base\nFROM ${B} AS one\nCMD ["x"]\nFROM one AS two\nENTRYPOINT ["e"]\nFROM base AS three\nRUN exit 1\n', { target: 'two' });
    expect(lines.filter((l) => l.startsWith('Step '))).toEqual(['Step 1/5 : ARG B=base', 'Step 2/5 : FROM ${B} AS one', 'Step 3/5 : CMD ["x"]', 'Step 4/5 : FROM one AS two', 'Step 5/5 : ENTRYPOINT ["e"]']);
    const cfg = backend.images.get(r.imageId)!.config.config!;
    expect(cfg.Entrypoint).toEqual(['e']);
    expect(cfg.Cmd).toBeNull();
  });

  it("COPY of two sources where the first put a symlink at a name the second has as a directory: replaced by the directory, never followed (moby's untar)", async () => {
    // a hostile context: a/x points at a host directory (absolute: the staging dir is a host path)
    const host = await fs.mkdtemp(path.join(os.tmpdir(), 'builder-test-host-'));
    try {
      await fs.mkdir(path.join(ctx, 'a'));
      await fs.symlink(host, path.join(ctx, 'a', 'x'));
      await fs.mkdir(path.join(ctx, 'b', 'x'), { recursive: true });
      await fs.writeFile(path.join(ctx, 'b', 'x', 'f'), 'from b\n');
      let staged: { xIsDir: boolean; f: string } | undefined;
      const commit = backend.commit.bind(backend);
      backend.commit = async (o) => {
        if (o.layerDir) {
          const x = path.join(o.layerDir, 'dest', 'x');
          staged = { xIsDir: (await fs.lstat(x)).isDirectory(), f: await fs.readFile(path.join(x, 'f'), 'utf8') };
        }
        return commit(o);
      };
      await build('FROM base\nCOPY a b /dest/\n');
      expect(await fs.readdir(host)).toEqual([]);
      expect(staged).toEqual({ xIsDir: true, f: 'from b\n' });
    } finally {
      await fs.rm(host, { recursive: true, force: true });
    }
  });

  it('COPY to a destination that fits in the image but is past PATH_MAX under the staging dir: written by fd, as Docker measures from its own root', async () => {
    // the staging dir deep below the temp dir: its host path plus the destination passes 4096 bytes
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'builder-test-tmp-'));
    try {
      const deep = path.join(tmp, ...Array.from({ length: 3 }, (_, i) => String(i).padStart(200, 'd')));
      await fs.mkdir(deep, { recursive: true });
      const parts = Array.from({ length: 19 }, (_, i) => String(i).padStart(200, 'p')); // 3819 bytes
      const dest = `/${parts.join('/')}/`;
      expect(dest.length + deep.length).toBeGreaterThan(4096);
      await fs.writeFile(path.join(ctx, 'f'), 'file\n');
      let layers = 0;
      const commit = backend.commit.bind(backend);
      backend.commit = async (o) => {
        if (o.layerDir) layers++;
        return commit(o);
      };
      await build(`FROM base\nCOPY f ${dest}\n`, { tmpDir: deep });
      expect(layers).toBe(1);
      expect(await fs.readdir(deep)).toEqual([]); // the staging dir removed (by fd past PATH_MAX)
      // past PATH_MAX under Docker's rootfs path (96 bytes): Docker's lstat error, the first prefix that does not fit
      const long = `/${Array.from({ length: 19 }, (_, i) => String(i).padStart(200, 'q')).join('/')}/${'r'.repeat(180)}/${'s'.repeat(10)}/`;
      await expect(build(`FROM base\nCOPY f ${long}\n`, { tmpDir: deep })).rejects.toThrow(`failed to copy files: lstat ${long.slice(0, 201 * 19 + 181)}: file name too long`);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  it('.dockerignore exceptions under a context symlink are looked up in the context, never through the link on the host', async () => {
    // l -> <host dir> (absolute): in the context's scope it is the context's own <host dir>, whose
    // sub/ is empty; on the host it holds sub/keep, which an exception would keep
    const host = await fs.mkdtemp(path.join(os.tmpdir(), 'builder-test-host-'));
    try {
      await fs.mkdir(path.join(host, 'sub'));
      await fs.writeFile(path.join(host, 'sub', 'keep'), 'host\n');
      await fs.mkdir(path.join(ctx, host, 'sub'), { recursive: true });
      await fs.writeFile(path.join(ctx, host, 'f'), 'ctx\n');
      await fs.symlink(host, path.join(ctx, 'l'));
      await fs.writeFile(path.join(ctx, '.dockerignore'), 'l/sub\n!l/sub/keep\n');
      let staged: string[] | undefined;
      const commit = backend.commit.bind(backend);
      backend.commit = async (o) => {
        if (o.layerDir) staged = (await fs.readdir(path.join(o.layerDir, 'x'))).sort();
        return commit(o);
      };
      await build('FROM base\nCOPY l /x/\n');
      expect(staged).toEqual(['f']);
    } finally {
      await fs.rm(host, { recursive: true, force: true });
    }
  });

  it('ADD of a FIFO or a device node of the context: never opened (only a regular file can be an archive), not copied', async () => {
    execFileSync('mkfifo', [path.join(ctx, 'p')]);
    execFileSync('mknod', [path.join(ctx, 'dev'), 'c', '1', '3']);
    await fs.writeFile(path.join(ctx, 'f'), 'plain\n');
    const staged: string[][] = [];
    const commit = backend.commit.bind(backend);
    backend.commit = async (o) => {
      if (o.layerDir) staged.push((await fs.readdir(path.join(o.layerDir, 'dest'))).sort());
      return commit(o);
    };
    // the old code's open of the FIFO never returned: a writer opened after 5 s lets it go (and the test fail)
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      closeSync(openSync(path.join(ctx, 'p'), constants.O_WRONLY | constants.O_NONBLOCK));
    }, 5000);
    try {
      await build('FROM base\nADD p /dest/\nADD dev /dest/\nADD p dev f /dest/\n');
    } finally {
      clearTimeout(timer);
    }
    expect(hung).toBe(false);
    expect(staged).toEqual([[], [], ['f']]);
  });

  it('rejects an unknown target and a COPY outside the context', async () => {
    await expect(build('FROM base\n', { target: 'nope' })).rejects.toThrow('failed to reach build target nope in Dockerfile');
    await expect(build('FROM base\nCOPY ../x /x\n')).rejects.toThrow('COPY failed: forbidden path outside the build context: ../x ()');
  });
});

describe('--cache-from restores', () => {
  it('a restored step without layers has no rootfs.diff_ids (moby RootFS omitempty), as a committed one', async () => {
    const created: ImageConfig[] = [];
    const b = backend as FakeBackend & { createImage?: (c: ImageConfig, parent?: string) => Promise<BuildImage> };
    b.createImage = async (c, parent) => {
      created.push(c);
      return backend.add(c, parent);
    };
    const nop = (i: string) => ({ created: '2020-01-01T00:00:00Z', created_by: `/bin/sh -c #(nop)  ${i}`, empty_layer: true });
    backend.add({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: ['PATH=/bin', 'A=1', 'B=2'] }, history: [nop('ENV A=1'), nop('ENV B=2')] }, undefined, 'loaded');
    await build('FROM base\nENV A=1\nENV B=2\n', { cacheFrom: ['loaded'] });
    expect(lines.join('')).toContain('Using cache');
    expect(created.length).toBeGreaterThan(0);
    for (const c of created) expect(c.rootfs).toEqual({ type: 'layers' });
  });
});
