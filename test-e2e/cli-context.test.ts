/**
 * `context use/create/rm/inspect/update/export/import` as docker 28: docker's name rule and errors, the reserved
 * `default`, and one store both CLIs read and write (the same config dir: a context made by one
 * is used by the other, `use` is seen by both, and berth reaches the daemon through it).
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, asDockerOutput, bothClis, clientsFor, makeTar, ok, sameOnBothClis, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let dir: string;

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
  dir = scratchDir('context-store');
});

// one config dir for both; no *_HOST, so the current context decides the endpoint
const envs = () => ({ docker: { DOCKER_CONFIG: dir, DOCKER_HOST: '' }, berth: { BERTH_CONFIG: dir, BERTH_HOST: '' } });
const docker = (args: string[]) => c.docker(args, { env: envs().docker });
const berth = async (args: string[]) => {
  const r = await c.berth(args, { env: envs().berth });
  return { ...r, stdout: asDockerOutput(r.stdout), stderr: asDockerOutput(r.stderr) };
};
const same = (args: string[]) => sameOnBothClis(c, args, undefined, envs());

describe('contexts as docker 28', () => {
  it("names: docker's rule, the reserved default, missing contexts", async () => {
    for (const name of ['x', '.x', 'a/b', '', 'no-such.ctx']) expect((await same(['context', 'use', name])).code).toBe(1);
    for (const name of ['default', 'x', 'a b', '']) expect((await same(['context', 'create', name])).code).toBe(1);
    expect((await same(['context', 'rm', 'default', 'nosuch'])).code).toBe(1);
    expect((await same(['context', 'inspect', 'nosuch'])).code).toBe(1);
    expect((await same(['context', 'create', 'bad', '--docker', 'nokv'])).code).toBe(125);
    expect((await same(['context', 'use', 'default'])).code).toBe(0);
  });

  it('one store: created by either CLI, used by both, removed with -f when current', async () => {
    const made = ok(await docker(['context', 'create', 'by-docker', '--docker', `host=${d.host}`, '--description', 'made by docker']));
    expect(made.stdout).toBe('by-docker\n');
    await same(['context', 'inspect', 'by-docker']);
    expect((await same(['context', 'create', 'by-docker'])).code).toBe(1);
    ok(await berth(['context', 'create', 'by-berth', '--docker', `host=${d.host}`]));
    await same(['context', 'inspect', 'by-berth']);
    // berth's `use` is docker's current context too, and berth reaches berthd through it
    ok(await berth(['context', 'use', 'by-berth']));
    expect(ok(await docker(['context', 'show'])).stdout).toBe('by-berth\n');
    await same(['context', 'show']);
    await same(['ps', '-a', '--format', '{{.Names}}']);
    expect((await same(['context', 'rm', 'by-berth'])).code).toBe(1);
    ok(await berth(['context', 'rm', '-f', 'by-berth']));
    expect(ok(await docker(['context', 'show'])).stdout).toBe('default\n');
    expect(ok(await berth(['context', 'rm', 'by-docker'])).stdout).toBe('by-docker\n');
    expect((await same(['context', 'ls', '-q'])).stdout).toBe('default\n');
  });
});

describe('a current context whose TLS files are bad, as docker 28', () => {
  it('the context commands still work; a command that needs the daemon fails with the reason', async () => {
    ok(await docker(['context', 'create', 'bad-tls', '--docker', 'host=tcp://127.0.0.1:1']));
    const tlsPath = JSON.parse(ok(await docker(['context', 'inspect', 'bad-tls'])).stdout)[0].Storage.TLSPath as string;
    fs.mkdirSync(path.join(tlsPath, 'docker'), { recursive: true });
    fs.writeFileSync(path.join(tlsPath, 'docker', 'ca.pem'), 'garbage\n');
    expect((await same(['context', 'use', 'bad-tls'])).code).toBe(0);
    for (const args of [['context', 'show'], ['context', 'ls', '-q'], ['context', 'inspect', '--format', '{{.Name}} {{.TLSMaterial}}']]) {
      expect((await same(args)).code).toBe(0);
    }
    for (const args of [['ps'], ['version'], ['info'], ['pull', 'busybox'], ['-c', 'bad-tls', 'images']]) {
      const r = await same(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('Failed to initialize: failed to retrieve context tls info: ca.pem seems invalid\n');
    }
    expect((await same(['context', 'use', 'default'])).code).toBe(0);
    ok(await berth(['context', 'rm', 'bad-tls']));
  });

  it('a current context that is not in the store: context ls lists it with why; a command that needs the daemon fails', async () => {
    const cfg = path.join(dir, 'config.json');
    const before = fs.readFileSync(cfg, 'utf8');
    fs.writeFileSync(cfg, JSON.stringify({ ...JSON.parse(before), currentContext: 'gone' }));
    try {
      for (const args of [['context', 'ls', '-q'], ['context', 'ls', '--format', '{{.Name}}|{{.Current}}|{{.Error}}'], ['context', 'show']]) {
        expect((await same(args)).code).toBe(0);
      }
      const r = await same(['ps']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Failed to initialize: unable to resolve docker endpoint: context "gone": context not found: /);
    } finally {
      fs.writeFileSync(cfg, before);
    }
  });
});

describe('the global -c/--context flag as docker 28', () => {
  it('picks the context over the host variable and the current one; -H with it conflicts; context ls warns of the host variable', async () => {
    ok(await docker(['context', 'create', 'ctx-flag', '--docker', `host=${d.host}`]));
    for (const args of [
      ['--context', 'ctx-flag', 'context', 'show'],
      ['-c', 'ctx-flag', 'ps', '-a', '--format', '{{.Names}}'],
      ['-c=ctx-flag', 'context', 'ls', '-q'],
      ['-c', 'nosuch', 'ps'],
      ['-c', 'ctx-flag', '-H', d.host, 'ps'],
      ['-c', 'default', 'context', 'show'],
      ['ps', '-c'],
    ]) {
      await same(args);
    }
    const hostSet = { docker: { ...envs().docker, DOCKER_HOST: d.host }, berth: { ...envs().berth, BERTH_HOST: d.host } };
    for (const args of [['context', 'show'], ['context', 'ls', '-q'], ['-c', 'ctx-flag', 'context', 'show']]) await sameOnBothClis(c, args, undefined, hostSet);
    ok(await docker(['context', 'rm', 'ctx-flag']));
  });
});

describe('the current context in version and info, as docker 28', () => {
  it('--context, the host variable, the context variable and config.json name it', async () => {
    ok(await docker(['context', 'create', 'shown', '--docker', `host=${d.host}`]));
    ok(await docker(['context', 'create', 'shown-env', '--docker', `host=${d.host}`]));
    const fmt = (args: string[]) => [
      [...args, 'version', '--format', '{{.Client.Context}}'],
      [...args, 'info', '--format', '{{.ClientInfo.Context}}'],
    ];
    const expectShown = async (args: string[], want: string, env = envs()) => {
      for (const a of fmt(args)) expect((await sameOnBothClis(c, a, undefined, env)).stdout).toBe(`${want}\n`);
      // the human layouts name it too
      for (const cmd of ['version', 'info']) {
        const r = await bothClis(c, [...args, cmd], undefined, env);
        const line = (out: string) => out.split('\n').find((l) => /^ Context: /.test(l))?.replace(/ +/g, ' ');
        expect(line(r.berth.stdout)).toBe(` Context: ${want}`);
        expect(line(r.docker.stdout)).toBe(` Context: ${want}`);
      }
    };
    await expectShown(['-H', d.host], 'default');
    await expectShown(['-c', 'shown'], 'shown');
    ok(await docker(['context', 'use', 'shown']));
    try {
      await expectShown([], 'shown');
      const contextVar = { docker: { ...envs().docker, DOCKER_CONTEXT: 'shown-env' }, berth: { ...envs().berth, BERTH_CONTEXT: 'shown-env' } };
      await expectShown([], 'shown-env', contextVar);
      // a host given (-H or the variable) is the default context's, over the variable and config.json
      await expectShown(['-H', d.host], 'default', contextVar);
      await expectShown([], 'default', { docker: { ...contextVar.docker, DOCKER_HOST: d.host }, berth: { ...contextVar.berth, BERTH_HOST: d.host } });
    } finally {
      ok(await docker(['context', 'use', 'default']));
    }
    ok(await docker(['context', 'rm', 'shown', 'shown-env']));
  });
});

describe('context update, export and import as docker 28', () => {
  // a store for each CLI: the same commands on both, then the stores compared file by file
  const twoStores = () => {
    const root = scratchDir('context-two');
    const envs = { docker: { DOCKER_CONFIG: path.join(root, 'd'), DOCKER_HOST: '' }, berth: { BERTH_CONFIG: path.join(root, 'b'), BERTH_HOST: '' } };
    const stores = () => [envs.docker.DOCKER_CONFIG, envs.berth.BERTH_CONFIG].map((d) => listing(path.join(d, 'contexts')));
    return { root, envs, stores, same: (args: string[], input?: string) => sameOnBothClis(c, args, input, envs) };
  };
  /** Every file and directory under `dir`: mode, and a file's contents. */
  const listing = (dir: string): string[] =>
    fs.existsSync(dir)
      ? (fs.readdirSync(dir, { recursive: true }) as string[]).sort().map((p) => {
          const st = fs.statSync(path.join(dir, p));
          return `${(st.mode & 0o7777).toString(8)} ${p}${st.isFile() ? ` ${fs.readFileSync(path.join(dir, p), 'utf8')}` : ''}`;
        })
      : [];

  it("update: docker's errors, and the same meta.json and TLS files on disk", async () => {
    const t = twoStores();
    const ca = path.join(t.root, 'ca.pem');
    fs.writeFileSync(ca, 'not checked on a unix socket');
    await t.same(['context', 'create', 'upd', '--docker', `host=unix:///x.sock,ca=${ca}`, '--description', 'first']);
    for (const args of [
      ['upd', '--description', 'second'],
      ['upd', '--docker', 'host=unix:///y.sock', '--docker', 'skip-tls-verify=true'],
      ['upd'],
      ['upd', '--description', '', '--docker', 'host=tcp://h:2376'],
    ]) {
      expect((await t.same(['context', 'update', ...args])).code).toBe(0);
    }
    for (const [args, code] of [
      [['default'], 1],
      [['x'], 1],
      [['upd', '--docker', 'nokv'], 125],
      [['upd', '--docker', 'host=foo'], 1],
      [['upd', '--docker', 'host=tcp://h:1,skip-tls-verify=maybe'], 1],
      [['upd', '--docker', 'host=tcp://h:1,zz=1'], 1],
      [['upd', '--docker', `ca=${path.join(t.root, 'missing.pem')}`], 1],
      [['a', 'b'], 1],
    ] as const) {
      expect((await t.same(['context', 'update', ...args])).code).toBe(code);
    }
    const [d, b] = t.stores();
    expect(b).toEqual(d);
    expect(d.join('\n')).toContain('{"Name":"upd","Metadata":{"Description":"second"},"Endpoints":{"docker":{"Host":"tcp://h:2376","SkipTLSVerify":false}}}');
  });

  it("export writes docker's tar byte for byte; either CLI imports the other's", async () => {
    const t = twoStores();
    const out = path.join(t.root, 'out');
    fs.mkdirSync(out);
    const ca = path.join(t.root, 'ca.pem');
    fs.writeFileSync(ca, 'CA');
    await t.same(['context', 'create', 'exp', '--docker', `host=${d.host},ca=${ca}`, '--description', 'to export']);
    const dockerTar = path.join(out, 'd.tar');
    const berthTar = path.join(out, 'b.tar');
    ok(await c.docker(['context', 'export', 'exp', dockerTar], { env: t.envs.docker }));
    const r = await c.berth(['context', 'export', 'exp', berthTar], { env: t.envs.berth });
    expect(asDockerOutput(r.stderr)).toBe(`Written file "${berthTar}"\n`);
    expect(fs.readFileSync(berthTar)).toEqual(fs.readFileSync(dockerTar));
    expect((fs.statSync(berthTar).mode & 0o777).toString(8)).toBe('600');
    // to stdout, the same bytes
    expect(Buffer.from(ok(await c.berth(['context', 'export', 'exp', '-'], { env: t.envs.berth })).stdout, 'latin1').length).toBe(fs.statSync(dockerTar).size);
    // errors: an existing file (never overwritten), a bad name, a missing context (its file is left empty, as docker's)
    await t.same(['context', 'export', 'exp', dockerTar]);
    await t.same(['context', 'export', 'x']);
    await t.same(['context', 'export']);
    const missing = path.join(out, 'missing.tar');
    expect((await c.docker(['context', 'export', 'nosuch', missing], { env: t.envs.docker })).code).toBe(1);
    fs.rmSync(missing);
    expect((await c.berth(['context', 'export', 'nosuch', missing], { env: t.envs.berth })).code).toBe(1);
    expect(fs.statSync(missing).size).toBe(0);

    // each CLI imports the other's archive (docker's from a file, berth's from stdin), and uses it
    ok(await c.docker(['context', 'import', 'moved', '-'], { env: t.envs.docker, input: fs.readFileSync(berthTar, 'latin1') }));
    const imp = await c.berth(['context', 'import', 'moved', dockerTar], { env: t.envs.berth });
    expect([imp.code, imp.stdout, asDockerOutput(imp.stderr)]).toEqual([0, 'moved\n', 'Successfully imported context "moved"\n']);
    ok(await c.berth(['context', 'use', 'moved'], { env: t.envs.berth }));
    ok(await c.berth(['version', '--format', '{{.Server.Version}}'], { env: t.envs.berth }));
    const [ds, bs] = t.stores();
    expect(bs).toEqual(ds);
    expect(bs.join('\n')).toContain('600 ');
    await sameOnBothClis(c, ['context', 'inspect', '-f', '{{json .TLSMaterial}} {{.Storage.MetadataPath}}', 'exp'], undefined, {
      docker: { DOCKER_CONFIG: t.envs.docker.DOCKER_CONFIG },
      berth: { BERTH_CONFIG: t.envs.docker.DOCKER_CONFIG },
    });
  });

  it("import: docker's checks and errors, and what it stores", async () => {
    const t = twoStores();
    const file = (name: string, data: Buffer) => {
      fs.writeFileSync(path.join(t.root, name), data);
      return path.join(t.root, name);
    };
    const meta = (json: string) => makeTar([{ name: 'meta.json', content: json }]);
    const cases: [string, Buffer][] = [
      ['good', makeTar([{ name: 'meta.json', content: '{"Name":"zz","Metadata":{"Description":"d","Z":1,"A":"x"},"Endpoints":{"docker":{"SkipTLSVerify":true,"Host":"tcp://h:2376"},"kube":{"b":1,"a":2}}}' }, { name: 'tls', type: 'dir' }, { name: 'tls/docker/ca.pem', content: 'CA' }])],
      ['folded', meta('{"endpoints":{"docker":{"host":"unix:///q"}},"metadata":{"description":"lc"}}')],
      ['nulls', meta('{"Metadata":null,"Endpoints":null}')],
      ['garbage', Buffer.from('garbage')],
      ['empty', Buffer.alloc(0)],
      ['badjson', meta('{bad')],
      ['trailing', meta('{"a":1}x')],
      ['notobject', meta('[1,2]')],
      ['badname', meta('{"Name":1}')],
      ['badendpoints', meta('{"Endpoints":"x"}')],
      ['other', makeTar([{ name: 'other', content: 'x' }])],
      ['unclean', makeTar([{ name: 'tls/../meta.json', content: '{}' }])],
      ['flat-tls', makeTar([{ name: 'tls/ca.pem', content: 'x' }])],
      ['meta-then-bad', makeTar([{ name: 'meta.json', content: '{}' }, { name: 'tls/ca.pem', content: 'x' }])],
      // a TLS file in a directory the store does not make: docker's atomic writer refuses it (berth named its temp file).
      // (A file under another file is not compared: docker writes the files in Go's random map order, so its error varies.)
      ['nested-tls', makeTar([{ name: 'meta.json', content: '{}' }, { name: 'tls/docker/sub/ca.pem', content: 'x' }])],
    ];
    for (const [name, data] of cases) {
      const r = await bothClis(c, ['context', 'import', `imp-${name}`, file(name, data)], undefined, t.envs);
      // an error naming a store path names each CLI's own config dir
      const own = (s: string) => s.split(t.envs.berth.BERTH_CONFIG).join(t.envs.docker.DOCKER_CONFIG);
      expect({ ...r.berth, stderr: own(r.berth.stderr) }).toEqual(r.docker);
    }
    await t.same(['context', 'import', 'imp-good', file('again', cases[0]![1])]);
    await t.same(['context', 'import', 'default', file('again', cases[0]![1])]);
    await t.same(['context', 'import', 'imp-none', path.join(t.root, 'nofile')]);
    await t.same(['context', 'import', 'imp-dir', t.root]);
    await t.same(['context', 'import', 'imp-stdin', '-'], cases[0]![1].toString('latin1'));
    await t.same(['context', 'import', 'x']);
    // from=X of a context without a docker endpoint is refused (berth stored none); ls names the missing endpoint
    for (const args of [['create', 'from-none', '--docker', 'from=imp-nulls'], ['create', 'from-none', '--docker', 'from=imp-meta-then-bad'], ['update', 'imp-good', '--docker', 'from=imp-nulls']]) {
      expect((await t.same(['context', ...args])).code).toBe(1);
    }
    // the endpoint's fields are matched as encoding/json matches them: `host` is Host
    expect((await t.same(['context', 'create', 'from-folded', '--docker', 'from=imp-folded'])).code).toBe(0);
    expect((await t.same(['context', 'inspect', '-f', '{{.Endpoints.docker.Host}}', 'from-folded'])).stdout).toBe('unix:///q\n');
    expect((await t.same(['context', 'ls', '--format', '{{.Name}}|{{if ne .Name "default"}}{{.DockerEndpoint}}{{end}}|{{.Error}}'])).stdout).toContain('imp-nulls||cannot find docker endpoint in context\n');
    expect((await t.same(['--context', 'imp-nulls', 'ps'])).code).toBe(1);
    const [d, b] = t.stores();
    expect(b).toEqual(d);
    expect(d.join('\n')).toContain('{"Name":"imp-good","Metadata":{"A":"x","Description":"d","Z":1},"Endpoints":{"docker":{"Host":"tcp://h:2376","SkipTLSVerify":true},"kube":{"a":2,"b":1}}}');
  });
});
