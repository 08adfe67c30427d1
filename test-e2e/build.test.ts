/**
 * Builds, end to end: the real docker CLI (legacy builder, POST /build) against one berthd.
 * A multi-stage Dockerfile with every instruction, the built image's config, history, a fully
 * cached rebuild, cache invalidation from a changed COPY on, a failing RUN, parse errors and
 * bad COPY sources, a hostile context tar, and `q=1`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { BerthDaemon, busyboxRootfsTar, clientsFor, exec, expectExit, failed, fixtures, makeTar, ok, rawRequest, scratchDir } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let work: string;

function writeTree(dir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

function ctxDir(name: string, files: Record<string, string>): string {
  return writeTree(path.join(work, name), files);
}

/** Every instruction of the issue, over two stages and a target that is never built. */
const MULTI = `# syntax is ignored by the legacy builder
ARG BASE=busybox:local
FROM \${BASE} AS build
ARG FLAVOUR=plain
ENV OUT=/out \\
    GREETING="hello world"
WORKDIR \${OUT}
COPY --chown=1000:1000 --chmod=640 src/*.txt ./src/
ADD files.tar /out/unpacked/
RUN ["/bin/sh", "-c", "echo exec-form > exec.txt"]
RUN echo "$GREETING $FLAVOUR \${MISSING:-dflt} \${FLAVOUR:+set}" > made.txt && ls src unpacked

FROM busybox:local AS final
ONBUILD RUN echo triggered
LABEL org.example.stage=final "with space"="a b"
ENV APP=/app
WORKDIR $APP
COPY --from=build /out/ ./
COPY --from=busybox:local /bin/busybox /opt/bb
SHELL ["/bin/sh", "-e", "-c"]
RUN test -f made.txt && chmod 4755 /opt/bb
USER 1000:1000
EXPOSE 8080 9000/udp
VOLUME ["/data"]
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD ["true"]
ENTRYPOINT ["cat"]
CMD ["made.txt"]

FROM busybox:local AS unused
RUN exit 1
`;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-build-'));
  d = await BerthDaemon.start();
  c = clientsFor(d);
  ok(await c.docker(['import', busyboxRootfsTar(), 'busybox:local']));
}, 120_000);

afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await d?.dispose();
}, 120_000);

async function inspect(ref: string): Promise<Record<string, any>> {
  const r = ok(await c.docker(['image', 'inspect', ref]));
  return (JSON.parse(r.stdout) as Record<string, any>[])[0]!;
}

function steps(out: string): string[] {
  return out.split('\n').filter((l) => l.startsWith('Step '));
}

/** For each step: whether it printed "Using cache". */
function cacheHits(out: string): boolean[] {
  const chunks = out.split(/^Step \d+\/\d+ : /m).slice(1);
  return chunks.map((ch) => ch.includes(' ---> Using cache'));
}

describe('docker build (legacy builder)', () => {
  let multi: string;

  beforeAll(() => {
    multi = ctxDir('multi', {
      Dockerfile: MULTI,
      '.dockerignore': '*.secret\nsrc/ignored.txt\n',
      'src/a.txt': 'A\n',
      'src/b.txt': 'B\n',
      'src/ignored.txt': 'nope\n',
      'top.secret': 'secret\n',
    });
    fs.writeFileSync(path.join(multi, 'files.tar'), makeTar([{ name: 'inner/', type: 'dir', mode: 0o755 }, { name: 'inner/f.txt', content: 'from tar\n', mode: 0o644 }]));
  });

  it('builds a multi-stage Dockerfile with every instruction, up to --target', async () => {
    const r = ok(await c.docker(['build', '-t', 'multi:v1', '-t', 'multi:v2', '--target', 'final', '--build-arg', 'FLAVOUR=spicy', '--build-arg', 'UNUSED=1', multi]));
    const out = r.stdout;
    expect(steps(out)[0]).toBe('Step 1/25 : ARG BASE=busybox:local');
    expect(steps(out)).toHaveLength(25); // the "unused" stage after the target is not built
    expect(out).toContain(' ---> Running in ');
    expect(out).toContain('Removing intermediate container ');
    expect(out).toMatch(/src:\na\.txt\nb\.txt\n/); // .dockerignore applied (ignored.txt absent)
    expect(out).toContain('[Warning] One or more build-args [UNUSED] were not consumed');
    expect(out).toMatch(/Successfully built [0-9a-f]{12}\nSuccessfully tagged multi:v1\nSuccessfully tagged multi:v2\n/);
    // no container left behind
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('the image carries the config of every instruction', async () => {
    const cfg = (await inspect('multi:v1'))['Config'];
    expect(cfg.Entrypoint).toEqual(['cat']);
    expect(cfg.Cmd).toEqual(['made.txt']);
    expect(cfg.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP=/app']);
    expect(cfg.WorkingDir).toBe('/app');
    expect(cfg.User).toBe('1000:1000');
    expect(cfg.Labels).toEqual({ 'org.example.stage': 'final', 'with space': 'a b' });
    expect(cfg.ExposedPorts).toEqual({ '8080/tcp': {}, '9000/udp': {} });
    expect(cfg.Volumes).toEqual({ '/data': {} });
    expect(cfg.StopSignal).toBe('SIGTERM');
    expect(cfg.Healthcheck).toEqual({ Test: ['CMD', 'true'], Interval: 5e9, Timeout: 2e9, Retries: 4 });
    expect(cfg.OnBuild).toEqual(['RUN echo triggered']);
    expect(cfg.Shell).toEqual(['/bin/sh', '-e', '-c']);
  });

  it('the image runs: substitution, exec form, COPY --from a stage and an image, ADD of a tar, --chown/--chmod', async () => {
    expect(ok(await c.docker(['run', '--rm', 'multi:v1'])).stdout).toBe('hello world spicy dflt set\n');
    const ls = ok(
      await c.docker(['run', '--rm', '--user', '0', '--entrypoint', 'sh', 'multi:v1', '-c', 'cat exec.txt unpacked/inner/f.txt; stat -c "%a %u:%g %n" src src/a.txt /opt/bb; ls src']),
    ).stdout;
    expect(ls).toBe('exec-form\nfrom tar\n755 1000:1000 src\n640 1000:1000 src/a.txt\n4755 0:0 /opt/bb\na.txt\nb.txt\n');
  });

  it('docker history lists every step with #(nop) entries', async () => {
    const h = ok(await c.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'multi:v1'])).stdout.trim().split('\n');
    expect(h[0]).toBe('/bin/sh -e -c #(nop)  CMD ["made.txt"]');
    expect(h).toContain('/bin/sh -c #(nop)  ENV APP=/app');
    expect(h).toContain('/bin/sh -e -c test -f made.txt && chmod 4755 /opt/bb');
    // COPY and WORKDIR: one space after #(nop) and the destination as written (trace 120-save)
    expect(h.some((l) => /^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \.\/ $/.test(l))).toBe(true);
    expect(h).toContain('/bin/sh -c #(nop) WORKDIR /app');
    // SHELL's comment is Go's %v of the list (unquoted), under the new shell
    expect(h).toContain('/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]');
    expect(h).toHaveLength(15); // the 15 steps of the final stage (the imported base has no CreatedBy: trimmed)
  });

  it('a rebuild is fully cached and gives the same image', async () => {
    const before = (await inspect('multi:v1'))['Id'];
    const r = ok(await c.docker(['build', '-t', 'multi:v1', '--target', 'final', '--build-arg', 'FLAVOUR=spicy', multi]));
    const hits = cacheHits(r.stdout);
    // every step but the ARG before FROM and the two FROMs
    const fromOrMeta = steps(r.stdout).map((l) => / : (FROM|ARG BASE)/.test(l));
    expect(hits.filter((h, i) => !fromOrMeta[i] && !h)).toEqual([]);
    expect(r.stdout).not.toContain('Running in');
    expect((await inspect('multi:v1'))['Id']).toBe(before);
  });

  it('the cache survives a berthd restart (it is the intermediate images)', async () => {
    await d.restart();
    const r = ok(await c.docker(['build', '-t', 'multi:v1', '--target', 'final', '--build-arg', 'FLAVOUR=spicy', multi]));
    expect(r.stdout).not.toContain('Running in');
    expect(r.stdout.match(/Using cache/g)).toHaveLength(22);
  });

  it('a changed copied file invalidates exactly the steps from that COPY on', async () => {
    const ctx = ctxDir('partial', {
      Dockerfile: 'FROM busybox:local\nENV A=1\nCOPY one.txt /one.txt\nRUN echo run1\nCOPY two.txt /two.txt\nRUN cat /two.txt\nLABEL done=1\n',
      'one.txt': '1\n',
      'two.txt': 'first\n',
    });
    ok(await c.docker(['build', '-t', 'partial:v1', ctx]));
    fs.writeFileSync(path.join(ctx, 'two.txt'), 'second\n');
    const r = ok(await c.docker(['build', '-t', 'partial:v1', ctx]));
    expect(cacheHits(r.stdout)).toEqual([false, true, true, true, false, false, false]);
    expect(r.stdout).toContain('second\n');
    // a build arg used by RUN is part of its cache key; --no-cache skips the cache
    const nc = ok(await c.docker(['build', '--no-cache', '-t', 'partial:v1', ctx]));
    expect(cacheHits(nc.stdout).some(Boolean)).toBe(false);
  });

  it('q=1 prints only the image ID; a Dockerfile on stdin works', async () => {
    const r = ok(await c.docker(['build', '-q', '-t', 'stdin:v1', '-'], { input: 'FROM busybox:local\nRUN echo from-stdin\n' }));
    expect(r.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await inspect('stdin:v1'))['Id']).toBe(r.stdout.trim());
  });

  it('a failing RUN reports its exit code; --force-rm leaves no container, the default leaves it', async () => {
    const ctx = ctxDir('fail', { Dockerfile: 'FROM busybox:local\nRUN echo before-fail && exit 3\n' });
    const r = expectExit(await c.docker(['build', '--force-rm', '-t', 'fail:v1', ctx]), 3);
    expect(r.stdout).toContain('before-fail\nRemoving intermediate container ');
    expect(r.stderr).toContain("The command '/bin/sh -c echo before-fail && exit 3' returned a non-zero code: 3");
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');
    expect((await c.docker(['image', 'inspect', 'fail:v1'])).code).not.toBe(0);
    expectExit(await c.docker(['build', ctx]), 3);
    const left = ok(await c.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean);
    expect(left).toHaveLength(1);
    ok(await c.docker(['rm', ...left]));
  });

  it('bad Dockerfiles and bad COPY sources are clear errors', async () => {
    const ctx = ctxDir('bad', {
      Dockerfile: 'FROM busybox:local\nRUN true\nFOO bar\n',
      'Dockerfile.missing': 'FROM busybox:local\nCOPY missing.txt /x\n',
      'Dockerfile.outside': 'FROM busybox:local\nCOPY ../../etc/passwd /x\n',
      'Dockerfile.ignored': 'FROM busybox:local\nCOPY x.secret /x\n',
      'Dockerfile.url': 'FROM busybox:local\nADD http://example.com/x /x\n',
      '.dockerignore': '*.secret\n',
      'x.secret': 's\n',
    });
    const syntax = failed(await c.docker(['build', ctx]));
    expect(syntax.stderr).toContain('dockerfile parse error line 3: unknown instruction: FOO');
    expect(failed(await c.docker(['build', '-f', path.join(ctx, 'Dockerfile.missing'), ctx])).stderr).toContain(
      'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist',
    );
    expect(failed(await c.docker(['build', '-f', path.join(ctx, 'Dockerfile.outside'), ctx])).stderr).toContain('COPY failed: forbidden path outside the build context: ../../etc/passwd');
    expect(failed(await c.docker(['build', '-f', path.join(ctx, 'Dockerfile.ignored'), ctx])).stderr).toContain('excluded by .dockerignore');
    expect(failed(await c.docker(['build', '-f', path.join(ctx, 'Dockerfile.url'), ctx])).stderr).toContain('remote URLs are not supported');
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('the server applies .dockerignore to an unfiltered context; ../ entries stay in it (chrooted untar)', async () => {
    const ctxTar = makeTar([
      { name: 'Dockerfile', content: 'FROM busybox:local\nCOPY . /ctx/\nRUN find /ctx | sort\n' },
      // moby's patternmatcher: `**`, an exception under an ignored directory, a cleaned pattern
      { name: '.dockerignore', content: 'secret.txt\n**/*.tmp\n/docs\n!./docs/keep.md\n' },
      { name: 'secret.txt', content: 'no\n' },
      { name: 'kept.txt', content: 'yes\n' },
      { name: 'deep/er/x.tmp', content: 'no\n' },
      { name: 'deep/er/y.txt', content: 'yes\n' },
      { name: 'docs/a.md', content: 'no\n' },
      { name: 'docs/keep.md', content: 'yes\n' },
    ]);
    const res = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/build?t=raw:v1', headers: { 'Content-Type': 'application/x-tar' }, body: ctxTar, timeoutMs: 60_000 });
    expect(res.status).toBe(200);
    const text = res.body.toString();
    expect(text).toContain('{"stream":"Step 1/3 : FROM busybox:local"}');
    expect(text).toContain('kept.txt');
    expect(text).not.toContain('secret.txt');
    expect(text).toContain('/ctx/deep/er/y.txt');
    expect(text).toContain('/ctx/docs/keep.md');
    expect(text).not.toContain('x.tmp');
    expect(text).not.toContain('docs/a.md');
    expect(text).toContain('"aux":{"ID":"sha256:');

    // a gzip context; a symlink that leads out of the context is not followed
    const gz = zlib.gzipSync(
      makeTar([
        { name: 'Dockerfile', content: 'FROM busybox:local\nCOPY evil /x\n' },
        { name: 'evil', type: 'symlink', linkname: '/etc/passwd' },
      ]),
    );
    const sym = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/build', headers: { 'Content-Type': 'application/x-tar' }, body: gz, timeoutMs: 60_000 });
    // docker resolves it inside the context (FollowSymlinkInScope): <ctx>/etc/passwd, which is not there (issue 12)
    expect(sym.body.toString()).toContain('COPY failed: file not found in build context or excluded by .dockerignore: stat evil: file does not exist');

    // nor is a Dockerfile or a .dockerignore that is such a symlink: read in the context's scope
    // (docker's FollowSymlinkInScope), never the host file; one inside the context is followed
    const hostFile = path.join(scratchDir('build-host-file'), 'Dockerfile.host');
    fs.writeFileSync(hostFile, 'FROM busybox:local\nLABEL from=host\n');
    const dfLink = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/v1.41/build',
      headers: { 'Content-Type': 'application/x-tar' },
      body: makeTar([{ name: 'Dockerfile', type: 'symlink', linkname: hostFile }]),
      timeoutMs: 60_000,
    });
    expect(dfLink.status).toBe(400);
    expect((dfLink.json as { message: string }).message).toBe('Cannot locate specified Dockerfile: Dockerfile');
    const inScope = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/v1.41/build?q=1',
      headers: { 'Content-Type': 'application/x-tar' },
      body: makeTar([
        { name: 'real/', type: 'dir' },
        { name: 'real/Dockerfile', content: 'FROM busybox:local\nLABEL from=context\n' },
        { name: 'Dockerfile', type: 'symlink', linkname: '/real/Dockerfile' },
      ]),
      timeoutMs: 60_000,
    });
    expect(inScope.status).toBe(200);
    expect(inScope.body.toString()).toMatch(/"stream":"sha256:[0-9a-f]{64}\\n"/);

    // moby's remotecontext untars the context chrooted into its directory (chrootarchive.Untar):
    // a `..` name stops at the context's root (Unpack at /), a `.wh.` name is a plain file (named
    // so in a layer it would be a whiteout, in Docker's too: copied under another name here)
    const hostile = makeTar([
      { name: 'Dockerfile', content: 'FROM busybox:local\nCOPY escape.txt x /ctx/\nCOPY .wh.x /ctx/wh.txt\n' },
      { name: '../escape.txt', content: 'confined\n' },
      { name: 'x', content: 'x\n' },
      { name: '.wh.x', content: 'not a whiteout\n' },
    ]);
    const confined = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/build?q=1&t=confined-context:v1', headers: { 'Content-Type': 'application/x-tar' }, body: hostile, timeoutMs: 60_000 });
    expect(confined.status).toBe(200);
    expect(confined.body.toString()).toMatch(/"stream":"sha256:[0-9a-f]{64}\\n"/);
    expect(ok(await c.docker(['run', '--rm', 'confined-context:v1', 'sh', '-c', 'ls -A /ctx; cat /ctx/escape.txt /ctx/wh.txt'])).stdout).toBe('escape.txt\nwh.txt\nx\nconfined\nnot a whiteout\n');
    expect(fs.existsSync(path.join(d.dataRoot, 'escape.txt'))).toBe(false);
    expect(fs.existsSync(path.join(d.dataRoot, 'tmp', 'escape.txt'))).toBe(false);
    const tmp = path.join(d.dataRoot, 'tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((n) => n.startsWith('build-')) : []).toEqual([]);
  });
});

describe('docker build: details of Docker 20.10\'s classic builder', () => {
  it('a VOLUME\'s anonymous volumes go with the intermediate containers (moby removes them with RemoveVolume)', async () => {
    const ctx = ctxDir('volume-steps', { Dockerfile: 'FROM busybox:local\nVOLUME /data\nRUN echo lost > /data/x && ls /data\nRUN ls -A /data\n' });
    const before = ok(await c.docker(['volume', 'ls', '-q'])).stdout.trim();
    const r = ok(await c.docker(['build', '--no-cache', '-t', 'volume-steps:v1', ctx]));
    expect(r.stdout).toMatch(/Step 3\/4 : RUN echo lost > \/data\/x && ls \/data\n ---> Running in [0-9a-f]{12}\nx\n/);
    // what RUN wrote into the volume is not in the image, nor seen by the next step
    expect(r.stdout).toMatch(/Step 4\/4 : RUN ls -A \/data\n ---> Running in [0-9a-f]{12}\nRemoving intermediate/);
    expect(ok(await c.docker(['volume', 'ls', '-q'])).stdout.trim()).toBe(before);
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('COPY and WORKDIR through a symlinked directory land where it points (docker\'s FollowSymlinkInScope)', async () => {
    const ctx = ctxDir('symlinked-dest', {
      Dockerfile: [
        'FROM busybox:local',
        // a merged-/usr style link, and a link to a file
        'RUN mkdir -p /usr/real && chmod 0750 /usr/real && ln -s usr/real /lnk && echo old > /usr/real/target && ln -s /usr/real/target /lnk/filelink',
        'COPY a.txt /lnk/a.txt',
        'COPY dir/ /lnk/',
        'COPY b.txt /lnk/filelink',
        'COPY dir /fresh',
        'WORKDIR /lnk/work',
        'RUN test -d /usr/real/work && echo in-workdir',
        'WORKDIR /lnk',
        '',
      ].join('\n'),
      'a.txt': 'A\n',
      'b.txt': 'B\n',
      'dir/c.txt': 'C\n',
    });
    // a directory source's own mode is not the destination's: a new one is 0755 (moby's CopyWithTar)
    fs.chmodSync(path.join(ctx, 'dir'), 0o700);
    const r = ok(await c.docker(['build', '-t', 'symlinked-dest:v1', ctx]));
    expect(r.stdout).toContain('in-workdir\n');
    const out = ok(
      await c.docker(['run', '--rm', 'symlinked-dest:v1', 'sh', '-c', 'readlink /lnk; stat -c "%a %F %n" /usr/real /usr/real/work /fresh; readlink /usr/real/filelink; cat /usr/real/a.txt /usr/real/c.txt /usr/real/target; ls /usr/real']),
    ).stdout;
    // /lnk stays a link, the files are in /usr/real (whose mode the COPY layers kept), the file link still points at its target
    expect(out).toBe('usr/real\n750 directory /usr/real\n755 directory /usr/real/work\n755 directory /fresh\n/usr/real/target\nA\nC\nB\na.txt\nc.txt\nfilelink\ntarget\nwork\n');
    const cfg = (await inspect('symlinked-dest:v1'))['Config'];
    expect(cfg.WorkingDir).toBe('/lnk');
  });

  it("ADD of a local tar untars it as moby's chrootarchive: devices made, never opened on the host; a fifo; links and names climbing above the destination", async () => {
    const ctx = ctxDir('add-special', { Dockerfile: 'FROM busybox:local\nADD special.tar /dest/\n' });
    fs.writeFileSync(
      path.join(ctx, 'special.tar'),
      makeTar([
        // /dev/null's numbers: copied as a file it would be an empty regular file
        { name: 'null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: 'fifo', type: 'fifo', mode: 0o644 },
        // chrooted into /dest (Unpack's extractDir is /): kept as it is (Debian's /etc/os-release), where docker cp refuses it
        { name: 'os-release', type: 'symlink', linkname: '../etc/passwd' },
        // `..` stops at the chroot's root: /dest/above, and a hardlink to it
        { name: '../above', content: 'above\n' },
        { name: 'hard', type: 'hardlink', linkname: '../above' },
      ]),
    );
    ok(await c.docker(['build', '-t', 'add-special:v1', ctx]));
    const out = ok(
      await c.docker(['run', '--rm', 'add-special:v1', 'sh', '-c', 'stat -c "%F %t,%T %n" /dest/null /dest/fifo; readlink /dest/os-release; head -1 /dest/os-release; stat -c "%h %n" /dest/above /dest/hard; cat /dest/hard; test ! -e /above && echo not-above']),
    ).stdout;
    expect(out).toBe('character special file 1,3 /dest/null\nfifo 0,0 /dest/fifo\n../etc/passwd\nroot:x:0:0:root:/root:/bin/sh\n2 /dest/above\n2 /dest/hard\nabove\nnot-above\n');
  });

  it("a COPY destination as deep as Docker allows lands (berthd writes its staging tree by fd); one past Docker's PATH_MAX fails with Docker's lstat text, naming the path in the image", async () => {
    const dest = `/${Array.from({ length: 19 }, (_, i) => String(i).padStart(200, 'p')).join('/')}/`; // 3819 bytes
    const ctx = ctxDir('deep-dest', { Dockerfile: `FROM busybox:local\nCOPY f ${dest}\n`, f: 'deep\n' });
    ok(await c.docker(['build', '-t', 'deep-dest:v1', ctx]));
    expect(ok(await c.docker(['run', '--rm', 'deep-dest:v1', 'cat', `${dest}f`])).stdout).toBe('deep\n');
    // Docker: /var/lib/docker/overlay2/<id>/merged (96 bytes) and a prefix of the destination past 4095 bytes
    const long = `${dest}${'r'.repeat(181)}/s/`;
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM busybox:local\nCOPY f ${long}\n`);
    const r = await c.docker(['build', ctx]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`failed to copy files: lstat ${dest}${'r'.repeat(181)}: file name too long`);
  });

  it("ADD of a local tar sees the image at its destination, chrooted there as moby's Untar: entries go through the image's links and through links the tar makes; a link to nowhere fails with Docker's text", async () => {
    const ctx = ctxDir('add-through-links', {
      Dockerfile: ['FROM busybox:local', 'RUN mkdir /usr/realbin && ln -s usr/realbin /lnkbin', 'ADD through.tar /', ''].join('\n'),
    });
    fs.writeFileSync(
      path.join(ctx, 'through.tar'),
      makeTar([
        // no directory entry for lnkbin (tar c lnkbin/x): Unpack finds the image's link there and goes through it
        { name: 'lnkbin/x', content: 'in realbin\n' },
        // a link the tar makes to the image's /etc (the chroot is the rootfs: the destination is /)
        { name: 'l', type: 'symlink', linkname: '/etc' },
        { name: 'l/added', content: 'in etc\n' },
      ]),
    );
    ok(await c.docker(['build', '-t', 'add-through:v1', ctx]));
    const out = ok(await c.docker(['run', '--rm', 'add-through:v1', 'sh', '-c', 'readlink /lnkbin; cat /usr/realbin/x /etc/added; head -1 /etc/passwd; readlink /l'])).stdout;
    // the image's /lnkbin is still its link (before: a directory holding only x hid it), /etc keeps its files
    expect(out).toBe('usr/realbin\nin realbin\nin etc\nroot:x:0:0:root:/root:/bin/sh\n/etc\n');
    // chrooted at /dest, /etc is /dest/etc, which does not exist: Docker's untar fails to create l/x there
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox:local\nADD nowhere.tar /dest/\n');
    fs.writeFileSync(path.join(ctx, 'nowhere.tar'), makeTar([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/x', content: 'x\n' }]));
    const r = await c.docker(['build', ctx]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('failed to copy files: Error processing tar file(exit status 1): open /l/x: no such file or directory');
  });

  it("a context deeper than PATH_MAX once under berthd's data root is unpacked, read and removed by fd", async () => {
    // names of 200 bytes, 4,081 in all: under PATH_MAX from the context's own root, past it under tmp/build-ctx-*
    const deep = `${Array.from({ length: 20 }, (_, i) => String(i).padStart(200, 'c')).join('/')}/${'e'.repeat(58)}/f`;
    expect(deep.length + path.join(d.dataRoot, 'tmp', 'build-ctx-123456789abc/').length).toBeGreaterThan(4096);
    const tar = makeTar([
      { name: 'Dockerfile', content: 'FROM busybox:local\nCOPY top /top\n' },
      { name: 'top', content: 'top\n' },
      { name: deep, content: 'deep\n' },
    ]);
    const res = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/build?q=1&t=deep-context:v1', headers: { 'Content-Type': 'application/x-tar' }, body: tar, timeoutMs: 60_000 });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toMatch(/"stream":"sha256:[0-9a-f]{64}\\n"/);
    expect(ok(await c.docker(['run', '--rm', 'deep-context:v1', 'cat', '/top'])).stdout).toBe('top\n');
    // the context's directory went with the build (node's fs.rm fails past PATH_MAX: it was left behind)
    expect(fs.readdirSync(path.join(d.dataRoot, 'tmp')).filter((n) => n.startsWith('build-'))).toEqual([]);
  });

  it('ADD of a local tar after FROM scratch (no image under the staging tree: an empty lower dir)', async () => {
    const ctx = ctxDir('add-scratch', { Dockerfile: 'FROM scratch\nADD t.tar /\nFROM busybox:local\nCOPY --from=0 /a/b /b\n' });
    fs.writeFileSync(path.join(ctx, 't.tar'), makeTar([{ name: 'a/b', content: 'from scratch\n' }]));
    ok(await c.docker(['build', '-t', 'add-scratch:v1', ctx]));
    expect(ok(await c.docker(['run', '--rm', 'add-scratch:v1', 'cat', '/b'])).stdout).toBe('from scratch\n');
  });

  it('COPY and WORKDIR through a dangling symlink whose target\'s parent is missing make it (moby copyFile\'s MkdirAll of the FollowSymlinkInScope path)', async () => {
    const ctx = ctxDir('dangling-dest', {
      Dockerfile: [
        'FROM busybox:local',
        'RUN ln -s /missing/x /data && ln -s /gone/file.txt /flink && ln -s nowhere/w /wlnk',
        'COPY a.txt /data/',
        'COPY --chown=12:34 b.txt /flink',
        'WORKDIR /wlnk',
        '',
      ].join('\n'),
      'a.txt': 'A\n',
      'b.txt': 'B\n',
    });
    ok(await c.docker(['build', '-t', 'dangling-dest:v1', ctx]));
    const out = ok(
      await c.docker(['run', '--rm', 'dangling-dest:v1', 'sh', '-c', 'readlink /data; readlink /flink; cat /missing/x/a.txt /gone/file.txt; stat -c "%a %u:%g %F %n" /missing /missing/x /gone /gone/file.txt /nowhere/w; pwd']),
    ).stdout;
    // the links stay, the files land where they point; the directories made are 0755, --chown's owner
    expect(out).toBe('/missing/x\n/gone/file.txt\nA\nB\n755 0:0 directory /missing\n755 0:0 directory /missing/x\n755 12:34 directory /gone\n644 12:34 regular file /gone/file.txt\n755 0:0 directory /nowhere/w\n/nowhere/w\n');
    expect((await inspect('dangling-dest:v1'))['Config'].WorkingDir).toBe('/wlnk');
  });

  it('--memory, --cpu-shares, --cpuset-cpus, --shm-size, --ulimit reach the RUN containers; isolation, squash, security options are refused first', async () => {
    const ctx = ctxDir('resources', {
      Dockerfile: 'FROM busybox:local\nRUN cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus; ulimit -n; ulimit -Hn; df -k /dev/shm | awk \'NR==2 {print $2}\'\n',
    });
    const r = ok(await c.docker(['build', '--no-cache', '-m', '64m', '--cpu-shares', '512', '--cpuset-cpus', '0', '--shm-size', '32m', '--ulimit', 'nofile=100:200', ctx]));
    expect(r.stdout).toMatch(/ ---> Running in [0-9a-f]{12}\n67108864\n512\n0\n100\n200\n32768\n/);
    // create's own checks apply (docker run's message), at the first container of the build
    const low = failed(await c.docker(['build', '--no-cache', '-m', '1k', ctx]));
    expect(low.stderr).toContain('Minimum memory limit allowed is 6MB');
    const iso = failed(await c.docker(['build', '--isolation', 'hyperv', ctx]));
    expect(iso.stderr).toContain('Unsupported isolation: "hyperv"');
    expect(iso.stdout).not.toContain('Step 1/');
    for (const [q, msg] of [
      ['squash=1', 'squash is only supported with experimental mode'],
      ['securityopt=seccomp%3Dunconfined', 'The daemon on this platform does not support setting security options on build'],
      ['ulimits=%5Bx', 'error reading ulimit settings: '],
    ] as const) {
      const res = await rawRequest(d.socketPath, { method: 'POST', path: `/v1.41/build?${q}`, headers: { 'Content-Type': 'application/x-tar' }, body: makeTar([{ name: 'Dockerfile', content: 'FROM busybox:local\nRUN true\n' }]) });
      expect([q, res.status]).toEqual([q, 400]);
      expect((res.json as { message: string }).message).toContain(msg);
    }
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim().split('\n').filter(Boolean)).toHaveLength(0);
  });

  it('docker history shows COPY, ADD and WORKDIR as Docker 20.10 records them (moby withCmdCommentString)', async () => {
    const ctx = ctxDir('created-by', {
      Dockerfile: 'FROM busybox:local\nENV D=sub\nWORKDIR /w\nCOPY --chown=1:2 a.txt ./${D}/\nADD a.txt /abs/\n',
      'a.txt': 'a\n',
    });
    ok(await c.docker(['build', '-t', 'created-by:v1', ctx]));
    const h = ok(await c.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'created-by:v1'])).stdout.split('\n');
    expect(h[0]).toMatch(/^\/bin\/sh -c #\(nop\) ADD file:[0-9a-f]{64} in \/abs\/ $/);
    // the --chown flag glued to the hash, the destination as written (after substitution)
    expect(h[1]).toMatch(/^\/bin\/sh -c #\(nop\) COPY --chown=1:2file:[0-9a-f]{64} in \.\/sub\/ $/);
    expect(h.slice(2, 4)).toEqual(['/bin/sh -c #(nop) WORKDIR /w', '/bin/sh -c #(nop)  ENV D=sub']);
    // and the rebuild hits on those keys
    expect(ok(await c.docker(['build', '-t', 'created-by:v1', ctx])).stdout.match(/Using cache/g)).toHaveLength(4);
  });

  it('a built image\'s Config.Image is the image its step started from, ContainerConfig.Hostname the step\'s container, DockerVersion the engine\'s (trace 120-save)', async () => {
    const ctx = ctxDir('config-image', { Dockerfile: 'FROM busybox:local\nRUN echo x > /x\nLABEL last=1\n' });
    const r = ok(await c.docker(['build', '--no-cache', '-t', 'config-image:v1', ctx]));
    const running = [...r.stdout.matchAll(/ ---> Running in ([0-9a-f]{12})\n/g)].map((m) => m[1]);
    // ContainerConfig is in image inspect up to API 1.44 (moby dropped it in 1.45)
    const inspect41 = async (ref: string): Promise<Record<string, any>> =>
      (JSON.parse(ok(await c.docker(['image', 'inspect', ref], { env: { DOCKER_API_VERSION: '1.41' } })).stdout) as Record<string, any>[])[0]!;
    const img = await inspect41('config-image:v1');
    expect(img['Parent']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(img['Config'].Image).toBe(img['Parent']);
    expect(img['ContainerConfig'].Image).toBe(img['Parent']);
    expect(img['ContainerConfig'].Hostname).toBe(running[1]);
    expect(img['Config'].Hostname).toBe('');
    // moby NewChildImage writes its own version, never the base image's (the imported base has none)
    const server = ok(await c.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
    expect(server).not.toBe('');
    expect(img['DockerVersion']).toBe(server);
    const run = await inspect41(img['Parent'] as string);
    expect(run['DockerVersion']).toBe(server);
    expect(run['Config'].Image).toBe(run['Parent']);
    expect(run['ContainerConfig'].Hostname).toBe(running[0]);
  });

  it('what COPY takes from the context belongs to root whatever the context tar says; COPY --from keeps its owners (moby preserveOwnership)', async () => {
    const tar = makeTar([
      { name: 'Dockerfile', content: 'FROM busybox:local\nCOPY f /f\nCOPY d /d\nRUN chown 7:8 /f\nFROM busybox:local\nCOPY --from=0 /f /from-stage\nRUN stat -c "%u:%g %n" /from-stage\n' },
      { name: 'f', content: 'f\n', uid: 1000, gid: 1001 },
      { name: 'd/', type: 'dir', uid: 1000, gid: 1001 },
      { name: 'd/x', content: 'x\n', uid: 1000, gid: 1001 },
    ]);
    const res = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/build?t=owners:v1', headers: { 'Content-Type': 'application/x-tar' }, body: tar, timeoutMs: 60_000 });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('7:8 /from-stage');
    const tarOwners = makeTar([
      { name: 'Dockerfile', content: 'FROM busybox:local\nCOPY f /f\nCOPY d /d\nCOPY --chown=5:6 f /chowned\nRUN stat -c "%u:%g %n" /f /d /d/x /chowned\n' },
      { name: 'f', content: 'f\n', uid: 1000, gid: 1001 },
      { name: 'd/', type: 'dir', uid: 1000, gid: 1001 },
      { name: 'd/x', content: 'x\n', uid: 1000, gid: 1001 },
    ]);
    const r2 = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/build', headers: { 'Content-Type': 'application/x-tar' }, body: tarOwners, timeoutMs: 60_000 });
    expect(r2.status).toBe(200);
    expect(r2.body.toString()).toContain('0:0 /f\\n0:0 /d\\n0:0 /d/x\\n5:6 /chowned\\n');
  });

  it('ADD of a local tar unpacks into the destination named, slash or not (moby UntarPath(src, destPath))', async () => {
    const ctx = ctxDir('add-tar', { Dockerfile: 'FROM busybox:local\nADD files.tar /unpacked\nADD files.tar /also/\nRUN ls -R /unpacked /also | grep f.txt | wc -l; test ! -e /inner && echo not-at-root\n' });
    fs.writeFileSync(path.join(ctx, 'files.tar'), makeTar([{ name: 'inner/', type: 'dir', mode: 0o755 }, { name: 'inner/f.txt', content: 'from tar\n', mode: 0o644 }]));
    const r = ok(await c.docker(['build', '-t', 'add-tar:v1', ctx]));
    expect(r.stdout).toContain('2\nnot-at-root\n');
    expect(ok(await c.docker(['run', '--rm', 'add-tar:v1', 'cat', '/unpacked/inner/f.txt'])).stdout).toBe('from tar\n');
  });

  it('several COPY sources need a destination ending in / (wildcard matches count), as moby\'s createCopyInstruction', async () => {
    const ctx = ctxDir('multi-src', {
      'two.Dockerfile': 'FROM busybox:local\nCOPY a.txt b.txt /dst\n',
      'dot.Dockerfile': 'FROM busybox:local\nWORKDIR /w\nCOPY a.txt b.txt .\n',
      'glob.Dockerfile': 'FROM busybox:local\nCOPY *.txt /dst\n',
      'one.Dockerfile': 'FROM busybox:local\nCOPY a*.txt /one\nCOPY a.txt b.txt /dir/\nRUN cat /one /dir/b.txt\n',
      'a.txt': 'A\n',
      'b.txt': 'B\n',
    });
    for (const f of ['two.Dockerfile', 'dot.Dockerfile', 'glob.Dockerfile']) {
      const r = failed(await c.docker(['build', '-f', path.join(ctx, f), ctx]));
      expect([f, r.stderr]).toEqual([f, expect.stringContaining('When using COPY with more than one source file, the destination must be a directory and end with a /')]);
    }
    expect(ok(await c.docker(['build', '-f', path.join(ctx, 'one.Dockerfile'), ctx])).stdout).toContain('A\nB\n');
    expect(ok(await c.docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('the image\'s HEALTHCHECK never probes a RUN container (moby dispatchRun: withoutHealthcheck)', async () => {
    const ctx = ctxDir('run-no-health', {
      Dockerfile: 'FROM busybox:local\nHEALTHCHECK --interval=1s --timeout=1s --start-period=0s CMD touch /tmp/probed\nRUN sleep 4; if [ -e /tmp/probed ]; then echo probed; else echo no-probe; fi\n',
    });
    const r = ok(await c.docker(['build', '--no-cache', '-t', 'run-no-health:v1', ctx]));
    expect(r.stdout).toContain('no-probe\n');
    expect(ok(await c.docker(['run', '--rm', '--no-healthcheck', 'run-no-health:v1', 'ls', '/tmp'])).stdout).toBe('');
  });

  it('-q: a failing build shows the output it held back, then the error (moby errf writes notVerboseBuffer)', async () => {
    const ctx = ctxDir('quiet-fail', { Dockerfile: 'FROM busybox:local\nRUN echo held-back && exit 4\n' });
    const r = expectExit(await c.docker(['build', '-q', '--force-rm', ctx]), 4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Step 2/2 : RUN echo held-back && exit 4\n');
    expect(r.stderr).toContain('held-back\n');
    expect(r.stderr).toContain("The command '/bin/sh -c echo held-back && exit 4' returned a non-zero code: 4");
    // a parse error has nothing held back: still a plain 400
    const bad = ctxDir('quiet-parse', { Dockerfile: 'FROM busybox:local\nNOPE x\n' });
    const p = failed(await c.docker(['build', '-q', bad]));
    expect(p.stderr).toContain('dockerfile parse error line 2: unknown instruction: NOPE');
    expect(p.stderr).not.toContain('Step 1/');
  });

  it('--chown=NAME is NAME:NAME (the group of that name, not the user\'s primary group) and misses say why, as moby\'s parseChownFlag', async () => {
    const ctx = ctxDir('chown-names', {
      Dockerfile: "FROM busybox:local\nRUN echo 'app:x:1234:4321::/:/bin/sh' >> /etc/passwd && echo 'app:x:999:' >> /etc/group\nCOPY --chown=app f /f\nCOPY --chown=app:0 f /g\nRUN stat -c '%u:%g %n' /f /g\n",
      'nouser.Dockerfile': 'FROM busybox:local\nCOPY --chown=nosuch f /f\n',
      'nogroup.Dockerfile': 'FROM busybox:local\nCOPY --chown=0:nosuchgroup f /f\n',
      'f': 'f\n',
    });
    expect(ok(await c.docker(['build', ctx])).stdout).toContain('1234:999 /f\n1234:0 /g\n');
    expect(failed(await c.docker(['build', '-f', path.join(ctx, 'nouser.Dockerfile'), ctx])).stderr).toContain(
      "unable to convert uid/gid chown string to host mapping: can't find uid for user nosuch: no such user: nosuch",
    );
    expect(failed(await c.docker(['build', '-f', path.join(ctx, 'nogroup.Dockerfile'), ctx])).stderr).toContain(
      "unable to convert uid/gid chown string to host mapping: can't find gid for group nosuchgroup: no such group: nosuchgroup",
    );
  });

  it('a docker commit of an attached run with the same command is no cache hit (moby\'s cache compares the container config)', async () => {
    ok(await c.docker(['run', '--name', 'not-a-step', 'busybox:local', 'sh', '-c', 'echo step > /m']));
    const extra = path.join(work, 'extra.txt');
    fs.writeFileSync(extra, 'from cp\n');
    ok(await c.docker(['cp', extra, 'not-a-step:/extra.txt']));
    ok(await c.docker(['commit', 'not-a-step', 'not-a-step:v1']));
    ok(await c.docker(['rm', 'not-a-step']));
    const ctx = ctxDir('commit-not-cache', { Dockerfile: 'FROM busybox:local\nRUN ["sh", "-c", "echo step > /m"]\n' });
    const r = ok(await c.docker(['build', '-t', 'commit-not-cache:v1', ctx]));
    expect(r.stdout).not.toContain('Using cache');
    expect(r.stdout).toContain('Running in');
    expect(ok(await c.docker(['run', '--rm', 'commit-not-cache:v1', 'sh', '-c', 'cat /m; ls /extra.txt 2>&1 || true'])).stdout).toMatch(/^step\nls: \/extra\.txt: No such file or directory\n$/);
    // the build's own steps still hit
    expect(ok(await c.docker(['build', '-t', 'commit-not-cache:v1', ctx])).stdout).toContain('Using cache');
  });

  it('each -t of a build is an image tag event, as docker tag\'s (moby TagImageWithReference)', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const ctx = ctxDir('tag-events', { Dockerfile: 'FROM busybox:local\nLABEL tagged=1\n' });
    ok(await c.docker(['build', '-t', 'tag-events:v1', '-t', 'tag-events-two', ctx]));
    const id = (await inspect('tag-events:v1'))['Id'] as string;
    const until = Math.floor(Date.now() / 1000) + 1;
    const r = ok(await c.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'type=image', '--filter', 'event=tag', '--format', '{{.Actor.ID}} {{.Actor.Attributes.name}}']));
    // (the window may hold the tags of the tests just before)
    expect(r.stdout.trim().split('\n').filter((l) => l.includes(' tag-events'))).toEqual([`${id} tag-events:v1`, `${id} tag-events-two:latest`]);
  });

  it('an empty Dockerfile, one of comments only, an instruction before FROM, only ARGs: Docker 20.10\'s messages', async () => {
    const ctx = ctxDir('empty-ish', {
      'empty.Dockerfile': '',
      'comments.Dockerfile': '# nothing\n\n# here\n',
      'early.Dockerfile': 'ENV A=1\nFROM busybox:local\n',
      'args.Dockerfile': 'ARG X=1\n',
    });
    const run = async (name: string) => failed(await c.docker(['build', '-f', path.join(ctx, name), ctx]));
    expect((await run('empty.Dockerfile')).stderr).toContain('the Dockerfile (empty.Dockerfile) cannot be empty');
    expect((await run('comments.Dockerfile')).stderr).toContain('failed to parse comments.Dockerfile: file with no instructions');
    const early = await run('early.Dockerfile');
    expect(early.stderr).toMatch(/(^|: )no build stage in current context\n/);
    expect(early.stderr).not.toContain('parse error line');
    const args = await run('args.Dockerfile');
    expect(args.stdout).toContain('Step 1/1 : ARG X=1\n');
    expect(args.stderr).toContain('No image was generated. Is your Dockerfile empty?');
  });

  it('cache-from a loaded image: the hit at its last step re-parents it onto the build\'s image (moby SetParent)', async () => {
    const ctx = ctxDir('reparent', { Dockerfile: 'FROM busybox:local\nRUN echo rp-one > /one\nENV RP=1\nRUN echo rp-two > /two\n' });
    const first = ok(await c.docker(['build', '-t', 'reparent:v1', ctx]));
    const id = (await inspect('reparent:v1'))['Id'] as string;
    const saved = path.join(work, 'reparent.tar');
    ok(await c.docker(['save', '-o', saved, 'reparent:v1']));
    ok(await c.docker(['rmi', 'reparent:v1']));
    ok(await c.docker(['load', '-i', saved]));
    expect((await inspect('reparent:v1'))['Parent']).toBe('');
    const via = ok(await c.docker(['build', '--cache-from', 'reparent:v1', '-t', 'reparent:v2', ctx]));
    expect(via.stdout.match(/Using cache/g)).toHaveLength(3);
    expect(via.stdout).not.toContain('Running in');
    expect((await inspect('reparent:v2'))['Id']).toBe(id);
    // the step before the last, as this build printed it, is now the loaded image's parent
    const shortIds = [...via.stdout.matchAll(/ ---> ([0-9a-f]{12})\n/g)].map((m) => m[1]!);
    expect(shortIds).toHaveLength(4);
    const parent = (await inspect('reparent:v1'))['Parent'] as string;
    expect(parent.slice(7, 19)).toBe(shortIds[2]);
    // docker history walks the parent chain: every step has an ID again, down to the base
    const hist = ok(await c.docker(['history', '-q', 'reparent:v1'])).stdout.trim().split('\n');
    expect(hist).toEqual([id.slice(7, 19), ...shortIds.slice(0, 3).reverse()]);
    void first;
  });
});

describe('commit: layer fidelity', () => {
  it('deletions, a replaced directory, a hardlink and a setuid file survive commit, export and skopeo', async () => {
    const base = ctxDir('fidelity', {
      Dockerfile: 'FROM busybox:local\nRUN mkdir -p /olddir/sub && echo x > /olddir/sub/f && echo gone > /gone.txt && echo keep > /keep.txt\n',
    });
    ok(await c.docker(['build', '-t', 'fid-base:v1', base]));
    ok(
      await c.docker([
        'run', '--name', 'fid-src', 'fid-base:v1', 'sh', '-c',
        'rm /gone.txt && rm -rf /olddir && mkdir /olddir && echo new > /olddir/new.txt && echo data > /h1 && ln /h1 /h2 && cp /bin/busybox /suid && chmod 4755 /suid',
      ]),
    );
    ok(await c.docker(['commit', 'fid-src', 'fid:v1']));
    ok(await c.docker(['create', '--name', 'fid-copy', 'fid:v1', 'true']));
    const listing = async (name: string): Promise<string> => {
      const tar = path.join(work, `${name}.tar`);
      ok(await c.docker(['export', '-o', tar, name]));
      const r = ok(await exec('python3', [fixtures.rootfsListing, tar]));
      return r.stdout;
    };
    const src = await listing('fid-src');
    const copy = await listing('fid-copy');
    expect(copy).toBe(src);
    const rows = copy.split('\n');
    expect(rows.some((r) => r.startsWith('gone.txt\t'))).toBe(false);
    expect(rows.some((r) => r.startsWith('olddir/sub'))).toBe(false);
    expect(rows.find((r) => r.startsWith('olddir/new.txt\t'))).toBeDefined();
    expect(rows.find((r) => r.startsWith('keep.txt\t'))).toBeDefined();
    expect(rows.find((r) => r.startsWith('suid\t'))).toMatch(/^suid\tf\t4755\t/);
    const links = rows.filter((r) => /^h[12]\t/.test(r));
    expect(links.map((r) => r.split('\t')[1]).sort()).toEqual(['f', 'h']);
    // docker save of the committed image is a valid docker-archive for skopeo
    const saved = path.join(work, 'fid-saved.tar');
    ok(await c.docker(['save', '-o', saved, 'fid:v1']));
    ok(await exec('skopeo', ['--insecure-policy', 'copy', `docker-archive:${saved}`, `oci:${path.join(work, 'fid-oci')}:v1`]));
    expect(fs.existsSync(path.join(work, 'fid-oci', 'index.json'))).toBe(true);
    ok(await c.docker(['rm', 'fid-src', 'fid-copy']));
  });
});
