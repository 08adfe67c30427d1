import { afterAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDaemonConfig, mergeDaemonConfig } from './daemon-config-file';

describe('mergeDaemonConfig (dockerd MergeDaemonConfigurations)', () => {
  it("maps dockerd's keys to berthd's flags, the flags given over the file's other keys", () => {
    const merged = mergeDaemonConfig(
      {
        'data-root': '/srv/berth',
        hosts: ['unix:///tmp/b.sock', 'tcp://127.0.0.1:2375'],
        debug: true,
        'insecure-registries': ['127.0.0.1:5000'],
        'registry-mirrors': ['http://127.0.0.1:5001'],
        'default-address-pools': [{ base: '10.10.0.0/16', size: 24 }],
        tlsverify: false,
      },
      { 'log-level': 'warn' },
    );
    expect(merged).toEqual({
      'data-root': '/srv/berth',
      host: ['unix:///tmp/b.sock', 'tcp://127.0.0.1:2375'],
      debug: true,
      'insecure-registry': ['127.0.0.1:5000'],
      'registry-mirror': ['http://127.0.0.1:5001'],
      'default-address-pool': ['base=10.10.0.0/16,size=24'],
      tlsverify: false,
      'log-level': 'warn',
    });
  });

  it('refuses keys it does not know; ignores a flag name where the key is another (dockerd: a flag, but no field)', () => {
    expect(() => mergeDaemonConfig({ debug: true, 'no-such-thing': 1, D: true, 'log-driver': 'json-file' }, {})).toThrow("the following directives don't match any configuration option: no-such-thing, D, log-driver");
    expect(mergeDaemonConfig({ host: ['unix:///x'], 'insecure-registry': ['r:5000'], 'config-file': '/x.json', debug: true }, { host: ['unix:///y'] })).toEqual({ debug: true, host: ['unix:///y'] });
  });

  it("refuses a key also given as a flag, with both values as dockerd prints them (pflag's String, Go's %v)", () => {
    expect(() =>
      mergeDaemonConfig(
        { 'data-root': '/a', hosts: ['unix:///f.sock'], debug: false, 'default-address-pools': [{ base: '10.0.0.0/8', size: 24 }] },
        { 'data-root': '/b', host: ['unix:///x.sock', 'unix:///y.sock'], debug: true, 'default-address-pool': ['base=10.1.0.0/16,size=24'] },
      ),
    ).toThrow(
      'the following directives are specified both as a flag and in the configuration file: data-root: (from flag: /b, from file: /a), hosts: (from flag: [unix:///x.sock unix:///y.sock], from file: [unix:///f.sock]), debug: (from flag: true, from file: false), default-address-pools: (from flag: 10.1.0.0/16 24, from file: [map[base:10.0.0.0/8 size:24]])',
    );
  });

  it('flattens a nested object one level (configValuesSet): its keys count as top-level ones', () => {
    expect(mergeDaemonConfig({ network: { bip: '10.9.0.1/24' } }, {})).toEqual({ bip: '10.9.0.1/24' });
    expect(() => mergeDaemonConfig({ x: { bip: '10.9.0.1/24' } }, { bip: '1.2.3.4/8' })).toThrow('specified both as a flag and in the configuration file: bip:');
  });

  it("refuses a value of the wrong type (Go's decoder's text) or outside a flag's choices", () => {
    expect(() => mergeDaemonConfig({ debug: 'yes' }, {})).toThrow('json: cannot unmarshal string into Go struct field Config.debug of type bool');
    expect(() => mergeDaemonConfig({ hosts: 'unix:///x' }, {})).toThrow('json: cannot unmarshal string into Go struct field Config.hosts of type []string');
    expect(() => mergeDaemonConfig({ 'log-level': 'loud' }, {})).toThrow('invalid log-level "loud"');
  });
});

describe('loadDaemonConfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-daemon-json-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a missing default file is the flags alone; a missing explicit one is an error', async () => {
    const f = path.join(dir, 'absent.json');
    await expect(loadDaemonConfig(f, false, { debug: true })).resolves.toEqual({ debug: true });
    await expect(loadDaemonConfig(f, true, {})).rejects.toThrow(`unable to configure the Docker daemon with file ${f}: open ${f}: no such file or directory`);
  });

  it('every refusal names the file', async () => {
    const f = path.join(dir, 'bad.json');
    fs.writeFileSync(f, '{"debug": true, "bogus": 1}');
    await expect(loadDaemonConfig(f, false, {})).rejects.toThrow(`unable to configure the Docker daemon with file ${f}: the following directives don't match any configuration option: bogus`);
    fs.writeFileSync(f, '{"debug": tru');
    await expect(loadDaemonConfig(f, true, {})).rejects.toThrow(`unable to configure the Docker daemon with file ${f}: `);
    fs.writeFileSync(f, '[]');
    await expect(loadDaemonConfig(f, true, {})).rejects.toThrow('json: cannot unmarshal array into Go value of type map[string]interface {}');
  });

  it('reads a file', async () => {
    const f = path.join(dir, 'good.json');
    fs.writeFileSync(f, JSON.stringify({ 'exec-root': '/run/x', group: 'staff' }));
    await expect(loadDaemonConfig(f, true, { pidfile: '/p' })).resolves.toEqual({ 'exec-root': '/run/x', group: 'staff', pidfile: '/p' });
  });
});
