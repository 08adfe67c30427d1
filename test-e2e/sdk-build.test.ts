/**
 * Issue 12: `POST /build` as Docker 20.10's legacy builder serves Docker's Python SDK
 * (python3-docker) and the docker CLI: a Dockerfile outside the context (the SDK sends
 * `dockerfile=` twice, name then content; the CLI appends it to the context tar, unterminated),
 * `.dockerignore` removing itself and the Dockerfile, RUN stderr in `\x1b[91m…\x1b[0m`,
 * `extrahosts` in RUN containers, `cachefrom` (none of the images here: no cache; some here: only
 * they are cache sources, by their parent chain or, for a loaded image, by its history), COPY of
 * a symlink resolved inside the context.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, ok, pythonSdk, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let base: string;
useDaemon((daemon) => {
  d = daemon;
});

beforeAll(() => {
  base = scratchDir('sdk-build');
});

function dir(name: string, files: Record<string, string>): string {
  const p = path.join(base, name);
  fs.mkdirSync(p, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(p, f), text);
  return p;
}

/** Python: builds with the low-level API and returns the stream lines and the image ID. */
const BUILD = `
def build(**kw):
    lines = []
    image = None
    for m in api.build(decode=True, rm=True, **kw):
        if 'stream' in m: lines.append(m['stream'])
        if 'error' in m: raise Exception(m['error'])
        if 'aux' in m: image = m['aux'].get('ID')
    return {'lines': ''.join(lines), 'image': image}
`;

describe('a Dockerfile outside the context', () => {
  it('the SDK (dockerfile= twice: name, then content) builds it', async () => {
    const ctx = dir('out-ctx', { 'a.txt': 'from the context\n' });
    const df = path.join(dir('out-df', { Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt\n' }), 'Dockerfile');
    const r = (await pythonSdk(d, `${BUILD}\nout(build(path=${JSON.stringify(ctx)}, dockerfile=${JSON.stringify(df)}, tag='sdk-outside'))`)) as { lines: string; image: string };
    expect(r.lines).toContain('from the context');
    expect(r.image).toMatch(/^sha256:/);
  });

  it('the docker CLI: -f /elsewhere/Dockerfile and -f - build, and the appended files stay out of the image', async () => {
    const ctx = dir('cli-ctx', { 'a.txt': 'hi\n' });
    const df = path.join(dir('cli-df', { Dockerfile: 'FROM busybox\nCOPY . /ctx\nRUN ls -A /ctx\n' }), 'Dockerfile');
    const env = { DOCKER_BUILDKIT: '0' };
    const { docker } = clientsFor(d);
    const a = ok(await docker(['build', '--no-cache', '-t', 'cli-outside', '-f', df, ctx], { env }));
    expect(a.stdout).toContain('Successfully tagged cli-outside:latest');
    const ls = ok(await docker(['run', '--rm', 'cli-outside', 'ls', '-A', '/ctx']));
    expect(ls.stdout.trim().split('\n')).toEqual(['a.txt']);
    const b = ok(await docker(['build', '-t', 'cli-stdin', '-f', '-', ctx], { env, input: fs.readFileSync(df) }));
    expect(b.stdout).toContain('Successfully tagged cli-stdin:latest');
  });
});

describe('build details', () => {
  it('a .dockerignore that lists itself and the Dockerfile keeps both out of the image', async () => {
    const ctx = dir('ignore-self', { keep: 'x\n', '.dockerignore': '.dockerignore\nDockerfile\n', Dockerfile: 'FROM busybox\nCOPY . /ctx\n' });
    const r = (await pythonSdk(d, `${BUILD}\nb = build(path=${JSON.stringify(ctx)}, tag='ignore-self')\nout(client.containers.run('ignore-self', ['ls', '-A', '/ctx'], remove=True).decode())`)) as string;
    expect(r.trim().split('\n')).toEqual(['keep']);
  });

  it('RUN stderr comes wrapped in docker\'s colour codes', async () => {
    const ctx = dir('stderr', { Dockerfile: 'FROM busybox\nRUN echo to-stderr >&2\n' });
    const r = (await pythonSdk(d, `${BUILD}\nout(build(path=${JSON.stringify(ctx)}, nocache=True))`)) as { lines: string };
    expect(r.lines).toContain('\x1b[91mto-stderr\n\x1b[0m');
  });

  it('extrahosts reach the RUN containers\' /etc/hosts', async () => {
    const ctx = dir('hosts', { Dockerfile: 'FROM busybox\nRUN cat /etc/hosts\n' });
    const r = (await pythonSdk(d, `${BUILD}\nout(build(path=${JSON.stringify(ctx)}, nocache=True, extra_hosts={'berth-extra': '10.9.8.7'}))`)) as { lines: string };
    expect(r.lines).toMatch(/10\.9\.8\.7\s+berth-extra/);
  });

  it('COPY of a symlink whose absolute target is inside the context copies that file (docker resolves it in the context)', async () => {
    const ctx = dir('symlink', { Dockerfile: 'FROM busybox\nCOPY link /copied\n' });
    fs.mkdirSync(path.join(ctx, 'data'));
    fs.writeFileSync(path.join(ctx, 'data', 'file.txt'), 'inside the context\n');
    fs.symlinkSync('/data/file.txt', path.join(ctx, 'link'));
    const r = (await pythonSdk(d, `${BUILD}\nb = build(path=${JSON.stringify(ctx)}, tag='symlink-copy')\nout(client.containers.run('symlink-copy', ['cat', '/copied'], remove=True).decode())`)) as string;
    expect(r).toBe('inside the context\n');
  });

  it('cache_from an image that is not there: no local cache is used', async () => {
    const ctx = dir('cachefrom', { Dockerfile: 'FROM busybox\nRUN echo cached-step\n' });
    const r = (await pythonSdk(
      d,
      `${BUILD}\nfirst = build(path=${JSON.stringify(ctx)})\nsecond = build(path=${JSON.stringify(ctx)})\nthird = build(path=${JSON.stringify(ctx)}, cache_from=['nosuchtag'])\nout([first, second, third])`,
    )) as { lines: string; image: string }[];
    expect(r[1]!.lines).toContain('Using cache');
    expect(r[1]!.image).toBe(r[0]!.image);
    expect(r[2]!.lines).not.toContain('Using cache');
    expect(r[2]!.lines).toContain('cached-step');
  });

  it('cache_from an image that is here: only its own steps hit, local cache of other builds is not used', async () => {
    const src = dir('cf-src', { Dockerfile: 'FROM busybox\nRUN echo src-one\nRUN echo src-two\n' });
    const other = dir('cf-other', { Dockerfile: 'FROM busybox\nRUN echo other-step\n' });
    const r = (await pythonSdk(
      d,
      `${BUILD}
s = build(path=${JSON.stringify(src)}, tag='cf-src')
o1 = build(path=${JSON.stringify(other)})
o2 = build(path=${JSON.stringify(other)})
o3 = build(path=${JSON.stringify(other)}, cache_from=['cf-src', 'nosuchtag'])
s2 = build(path=${JSON.stringify(src)}, cache_from=['cf-src'])
out([s, o1, o2, o3, s2])`,
      { timeoutMs: 90_000 },
    )) as { lines: string; image: string }[];
    const [s, , o2, o3, s2] = r;
    expect(o2!.lines).toContain('Using cache'); // the local cache without cache_from
    expect(o3!.lines).not.toContain('Using cache'); // not a step of cf-src
    expect(o3!.lines).toContain('other-step');
    expect(s2!.lines.match(/Using cache/g)).toHaveLength(2);
    expect(s2!.image).toBe(s!.image);
  }, 120_000);

  it('cache_from a loaded image (no parent chain here): its history matches the step, docker\'s classic builder hit', async () => {
    const ctx = dir('cf-loaded', { Dockerfile: 'FROM busybox\nRUN echo loaded-step\n' });
    const r = (await pythonSdk(
      d,
      `${BUILD}
first = build(path=${JSON.stringify(ctx)}, tag='cf-loaded')
data = b''.join(api.get_image('cf-loaded'))
api.remove_image('cf-loaded')
list(api.load_image(data))  # a generator: consumed, the load is done
plain = build(path=${JSON.stringify(ctx)})
api.remove_image(plain['image'])
via = build(path=${JSON.stringify(ctx)}, cache_from=['cf-loaded'])
out([first, plain, via])`,
      { timeoutMs: 90_000 },
    )) as { lines: string; image: string }[];
    const [first, plain, via] = r;
    expect(plain!.lines).not.toContain('Using cache'); // a loaded image has no parent: no local hit
    expect(via!.lines).toContain('Using cache');
    expect(via!.lines).not.toContain('Running in');
    expect(via!.image).toBe(first!.image);
  }, 120_000);

  it('cache_from a loaded image of several steps: each step is restored from its history (docker\'s restoreCachedImage), the last is the image itself', async () => {
    const ctx = dir('cf-multi', { Dockerfile: 'FROM busybox\nRUN echo multi-one > /one\nENV MULTI=1\nRUN echo multi-two > /two\n' });
    const r = (await pythonSdk(
      d,
      `${BUILD}
first = build(path=${JSON.stringify(ctx)}, tag='cf-multi')
data = b''.join(api.get_image('cf-multi'))
api.remove_image('cf-multi')
list(api.load_image(data))  # a generator: consumed, the load is done
via = build(path=${JSON.stringify(ctx)}, cache_from=['cf-multi'])
again = build(path=${JSON.stringify(ctx)}, cache_from=['cf-multi'])
out([first, via, again, client.containers.run(via['image'], ['sh', '-c', 'cat /one /two; echo $MULTI'], remove=True).decode()])`,
      { timeoutMs: 90_000 },
    )) as [{ lines: string; image: string }, { lines: string; image: string }, { lines: string; image: string }, string];
    const [first, via, again, ran] = r;
    expect(via.lines.match(/Using cache/g)).toHaveLength(3);
    expect(via.lines).not.toContain('Running in');
    expect(via.image).toBe(first.image);
    expect(again.lines.match(/Using cache/g)).toHaveLength(3);
    expect(again.image).toBe(first.image);
    expect(ran).toBe('multi-one\nmulti-two\n1\n');
  }, 120_000);
});

