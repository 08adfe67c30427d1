/**
 * berthd's daemon.json (`--config-file`, default /etc/berth/daemon.json; dockerd's
 * /etc/docker/daemon.json), with dockerd 20.10's rules (daemon/config MergeDaemonConfigurations):
 * keys named as dockerd's options; one also given as a flag, or one that matches no option, is
 * refused before anything is touched; a missing explicit file is an error.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, berthdBin, clientsFor, exec, ok, scratchDir } from './harness';

const work = scratchDir('daemon-config');
let d: BerthDaemon | undefined;

afterAll(async () => {
  await d?.dispose();
}, 60_000);

function configFile(name: string, content: unknown): string {
  const f = path.join(work, name);
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return f;
}

/** berthd run directly (not through the harness: no flags of its own), expected to refuse. */
async function refused(args: string[]): Promise<string> {
  const r = await exec(process.execPath, [berthdBin, '--cri-socket', '', '--bridge', 'none', ...args], { timeoutMs: 60_000 });
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  return r.stderr;
}

describe('daemon.json', () => {
  it("starts berthd with dockerd's keys: exec-root, registry-mirrors, insecure-registries", async () => {
    const execRoot = path.join(work, 'exec');
    const f = configFile('daemon.json', {
      'exec-root': execRoot,
      'registry-mirrors': ['http://127.0.0.1:5999'],
      'insecure-registries': ['127.0.0.1:5998'],
    });
    d = await BerthDaemon.start({ configFile: f });
    expect(d.execRoot).toBe(execRoot);
    expect(fs.existsSync(path.join(execRoot, 'berthd.lock'))).toBe(true);
    const { docker } = clientsFor(d);
    const reg = JSON.parse(ok(await docker(['info', '--format', '{{json .RegistryConfig}}'])).stdout) as { Mirrors: string[]; IndexConfigs: Record<string, { Secure: boolean }> };
    // (dockerd prints it normalized, with a trailing '/'; berth as given: not this file's matter)
    expect(reg.Mirrors).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:5999\/?$/)]);
    expect(reg.IndexConfigs['127.0.0.1:5998']?.Secure).toBe(false);
    await d.dispose();
    d = undefined;
  }, 150_000);

  it('refuses a key also given as a flag, and one that matches no option, before touching the data root', async () => {
    const root = path.join(work, 'never');
    const both = configFile('both.json', { 'data-root': '/srv/other', bridge: 'none', debug: true });
    expect(await refused(['--config-file', both, '--data-root', root])).toBe(
      `berthd: unable to configure the Docker daemon with file ${both}: the following directives are specified both as a flag and in the configuration file: data-root: (from flag: ${root}, from file: /srv/other), bridge: (from flag: none, from file: none)\n`,
    );
    const unknown = configFile('unknown.json', { debug: true, 'log-driver': 'journald', storage_driver: 'overlay2' });
    expect(await refused(['--config-file', unknown, '--data-root', root])).toBe(
      `berthd: unable to configure the Docker daemon with file ${unknown}: the following directives don't match any configuration option: log-driver, storage_driver\n`,
    );
    const broken = configFile('broken.json', '{"debug": true,');
    expect(await refused(['--config-file', broken, '--data-root', root])).toMatch(new RegExp(`^berthd: unable to configure the Docker daemon with file ${broken}: .*JSON`));
    expect(fs.existsSync(root)).toBe(false);
  }, 150_000);

  it('a missing --config-file is an error; --config-file "" reads none', async () => {
    const root = path.join(work, 'never2');
    const absent = path.join(work, 'absent.json');
    expect(await refused(['--config-file', absent, '--data-root', root])).toBe(
      `berthd: unable to configure the Docker daemon with file ${absent}: open ${absent}: no such file or directory\n`,
    );
    expect(fs.existsSync(root)).toBe(false);
    // '' reads no file: a bad option is then berthd's own flag check that speaks, not the file's
    expect(await refused(['--config-file', '', '--data-root', root, '--log-level', 'loud'])).toMatch(/^berthd: Invalid values:/);
  }, 150_000);
});
