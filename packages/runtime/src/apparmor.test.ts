import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppArmor, defaultAppArmorProfile, parseAppArmorParserVersion, type AppArmorHost } from './apparmor';

/** A host with these files (path → text; '' for a file that merely exists) and a recording apparmor_parser. */
function fakeHost(files: Record<string, string>, parser: { version?: string; loadCode?: number; loads?: string[] } = {}) {
  const runs: string[][] = [];
  const written = new Map<string, string>();
  const removed: string[] = [];
  const host: AppArmorHost = {
    readFile: async (p) => written.get(p) ?? files[p] ?? null,
    exists: async (p) => p in files || written.has(p),
    run: async (file, args) => {
      runs.push([file, ...args]);
      if (args[0] === '--version') return { code: 0, output: parser.version ?? 'AppArmor parser version 3.0.8\nCopyright (C) 1999-2008 Novell Inc.\n' };
      if (args[0] === '-Kr') {
        parser.loads?.push(written.get(args[1]!)!);
        await new Promise((r) => setTimeout(r, 5));
        if (!parser.loadCode) files['/sys/kernel/security/apparmor/profiles'] += 'docker-default (enforce)\n';
        return parser.loadCode ? { code: parser.loadCode, output: 'apparmor_parser: Unable to replace "docker-default".  Permission denied' } : { code: 0, output: '' };
      }
      return { code: 1, output: 'unexpected' };
    },
    writeTemp: async (prefix, text) => {
      const p = `/tmp/${prefix}-x/${prefix}`;
      written.set(p, text);
      return p;
    },
    remove: async (p) => {
      removed.push(p);
      written.delete(p);
    },
  };
  return { host, runs, removed, written };
}

const ENABLED = {
  '/sys/kernel/security/apparmor': '',
  '/sys/module/apparmor/parameters/enabled': 'Y\n',
  '/sys/kernel/security/apparmor/profiles': 'lsb_release (enforce)\n',
  '/sbin/apparmor_parser': '',
};

describe('docker-default (facts of moby profiles/apparmor/template.go, v20.10.24)', () => {
  const base = { name: 'docker-default', daemonProfile: 'unconfined', parserVersion: 300008, tunablesGlobal: true, abstractionsBase: true };

  it('has the template’s rules, the includes the host has, and signal/ptrace rules by parser version', () => {
    const p = defaultAppArmorProfile(base);
    expect(p.startsWith('#include <tunables/global>\n\nprofile docker-default flags=(attach_disconnected,mediate_deleted) {\n  #include <abstractions/base>\n')).toBe(true);
    for (const rule of [
      '  network,',
      '  capability,',
      '  file,',
      '  umount,',
      '  signal (receive) peer=unconfined,',
      '  signal (receive) peer=unconfined,\n  # the daemon',
      '  signal (send,receive) peer=docker-default,',
      '  deny @{PROC}/* w,',
      '  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}/** w,',
      '  deny @{PROC}/sys/[^k]** w,',
      '  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,',
      '  deny @{PROC}/sysrq-trigger rwklx,',
      '  deny @{PROC}/kcore rwklx,',
      '  deny mount,',
      '  deny /sys/[^f]*/** wklx,',
      '  deny /sys/f[^s]*/** wklx,',
      '  deny /sys/fs/[^c]*/** wklx,',
      '  deny /sys/fs/c[^g]*/** wklx,',
      '  deny /sys/fs/cg[^r]*/** wklx,',
      '  deny /sys/firmware/** rwklx,',
      '  deny /sys/kernel/security/** rwklx,',
      '  ptrace (trace,read,tracedby,readby) peer=docker-default,',
    ]) {
      expect(p).toContain(rule);
    }
    expect(p.trimEnd().endsWith('}')).toBe(true);
    expect(p.match(/{/g)!.length - p.match(/}/g)!.length).toBe(0);
  });

  it('without tunables: @{PROC} inline; without abstractions/base: no include; the daemon’s profile as a signal peer', () => {
    const p = defaultAppArmorProfile({ ...base, tunablesGlobal: false, abstractionsBase: false, daemonProfile: 'berthd' });
    expect(p.startsWith('@{PROC}=/proc/\n')).toBe(true);
    expect(p).not.toContain('#include');
    expect(p).toContain('  signal (receive) peer=berthd,');
  });

  it('an old parser gets neither signal nor ptrace rules (2.8.94), ptrace only at 2.8.95, both from 2.8.96', () => {
    expect(defaultAppArmorProfile({ ...base, parserVersion: 208094 })).not.toMatch(/signal|ptrace \(/);
    const p95 = defaultAppArmorProfile({ ...base, parserVersion: 208095 });
    expect(p95).toContain('ptrace (trace,read,tracedby,readby)');
    expect(p95).not.toContain('signal (');
    expect(defaultAppArmorProfile({ ...base, parserVersion: 208096 })).toContain('signal (send,receive) peer=docker-default,');
  });
});

describe('parseAppArmorParserVersion', () => {
  it('reads the last word of the first line, without -beta or ~ suffixes', () => {
    expect(parseAppArmorParserVersion('AppArmor parser version 2.9.1\nCopyright (C) 1999-2008 Novell Inc.\n')).toBe(209001);
    expect(parseAppArmorParserVersion('AppArmor parser version 3.0.0-beta1\n')).toBe(300000);
    expect(parseAppArmorParserVersion('AppArmor parser version 2.10.95~3\n')).toBe(210095);
    expect(parseAppArmorParserVersion('AppArmor parser version 2.13\n')).toBe(213000);
    expect(parseAppArmorParserVersion('apparmor_parser: command not found')).toBe(-1);
  });
});

describe('AppArmor on a faked host', () => {
  it('is disabled without the securityfs dir or with enabled ≠ Y, and says so; no profile for anyone', async () => {
    const hosts: Record<string, string>[] = [{}, { '/sys/kernel/security/apparmor': '', '/sys/module/apparmor/parameters/enabled': 'N\n', '/sbin/apparmor_parser': '' }, { '/sys/module/apparmor/parameters/enabled': 'Y\n' }];
    for (const files of hosts) {
      const aa = await AppArmor.detect(fakeHost(files).host);
      expect(aa.enabled).toBe(false);
      expect(aa.note).toMatch(/^AppArmor is not enabled on this host/);
      expect(aa.profileFor({ privileged: false })).toBe('');
      expect(aa.profileFor({ privileged: true })).toBe('');
      expect(aa.profileFor({ privileged: false, apparmorOpt: 'unconfined' })).toBe('');
    }
  });

  it('enabled without apparmor_parser: no profile, and a note naming the package', async () => {
    const { '/sbin/apparmor_parser': _p, ...noParser } = ENABLED;
    const aa = await AppArmor.detect(fakeHost(noParser).host);
    expect(aa.enabled).toBe(false);
    expect(aa.state.kind).toBe('no-parser');
    expect(aa.note).toMatch(/apparmor_parser is not installed \(apt-get install apparmor\)/);
    expect(aa.profileFor({ privileged: false })).toBe('');
  });

  it('enabled: docker-default by default, unconfined when privileged (even with an apparmor option), the option’s profile otherwise', async () => {
    const aa = await AppArmor.detect(fakeHost({ ...ENABLED, '/sbin/apparmor_parser': '' }).host);
    expect(aa.enabled).toBe(true);
    expect(aa.note).toBeUndefined();
    expect(aa.profileFor({ privileged: false })).toBe('docker-default');
    expect(aa.profileFor({ privileged: false, apparmorOpt: '' })).toBe('docker-default');
    expect(aa.profileFor({ privileged: true })).toBe('unconfined');
    expect(aa.profileFor({ privileged: true, apparmorOpt: 'mine' })).toBe('unconfined');
    expect(aa.profileFor({ privileged: false, apparmorOpt: 'mine' })).toBe('mine');
    expect(aa.profileFor({ privileged: false, apparmorOpt: 'unconfined' })).toBe('unconfined');
  });

  it('loads docker-default with apparmor_parser -Kr once when the kernel does not list it (concurrent starts share the load), not when it does', async () => {
    const loads: string[] = [];
    const { '/sbin/apparmor_parser': _sbin, ...rest } = ENABLED;
    const f = fakeHost({ ...rest, '/usr/sbin/apparmor_parser': '', '/etc/apparmor.d/tunables/global': '', '/proc/self/attr/current': 'unconfined\n' }, { loads });
    const aa = await AppArmor.detect(f.host);
    await Promise.all([aa.ensureLoaded('docker-default'), aa.ensureLoaded('docker-default'), aa.ensureLoaded('docker-default')]);
    const parser = '/usr/sbin/apparmor_parser';
    expect(aa.state).toEqual({ kind: 'enabled', parser });
    expect(f.runs).toEqual([
      [parser, '--version'],
      [parser, '-Kr', '/tmp/docker-default-x/docker-default'],
    ]);
    expect(loads).toHaveLength(1);
    expect(loads[0]).toBe(defaultAppArmorProfile({ name: 'docker-default', daemonProfile: 'unconfined', parserVersion: 300008, tunablesGlobal: true, abstractionsBase: false }));
    expect(f.removed).toEqual(['/tmp/docker-default-x/docker-default']);
    // now listed: nothing more is run; other names are never loaded by berth
    await aa.ensureLoaded('docker-default');
    await aa.ensureLoaded('unconfined');
    await aa.ensureLoaded('mine');
    expect(f.runs).toHaveLength(2);
  });

  it('isLoaded reads the kernel’s list ("NAME (mode)" lines), a whole name only; unreadable: FailedPrecondition', async () => {
    const profiles = 'docker-default (enforce)\nk8s-nginx (complain)\n/usr/bin/man (enforce)\n';
    const aa = await AppArmor.detect(fakeHost({ ...ENABLED, '/sys/kernel/security/apparmor/profiles': profiles }).host);
    expect(await aa.isLoaded('k8s-nginx')).toBe(true);
    expect(await aa.isLoaded('/usr/bin/man')).toBe(true);
    expect(await aa.isLoaded('k8s')).toBe(false);
    expect(await aa.isLoaded('nginx')).toBe(false);
    const { '/sys/kernel/security/apparmor/profiles': _list, ...unreadable } = ENABLED as Record<string, string>;
    await expect((await AppArmor.detect(fakeHost(unreadable).host)).isLoaded('k8s-nginx')).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: 'Could not check if k8s-nginx AppArmor profile was loaded: /sys/kernel/security/apparmor/profiles cannot be read',
    });
  });

  it('the daemon’s own profile (attr/current "NAME (enforce)") becomes the signal peer', async () => {
    const loads: string[] = [];
    const f = fakeHost({ ...ENABLED, '/proc/self/attr/current': 'berthd (enforce)\n' }, { loads });
    await (await AppArmor.detect(f.host)).ensureLoaded('docker-default');
    expect(loads[0]).toContain('  signal (receive) peer=berthd,');
  });

  it('a load that fails is a FailedPrecondition with the parser’s words, and the temp file is removed', async () => {
    const f = fakeHost({ ...ENABLED }, { loadCode: 1 });
    const aa = await AppArmor.detect(f.host);
    await expect(aa.ensureLoaded('docker-default')).rejects.toMatchObject({
      name: 'FailedPreconditionError',
      message: expect.stringMatching(/^AppArmor enabled on system but the docker-default profile could not be loaded: \/sbin\/apparmor_parser -Kr: apparmor_parser: Unable to replace/),
    });
    expect(f.removed).toHaveLength(1);
  });
});

// a real apparmor_parser (scripts/setup.sh installs it) compiles the text without touching the
// kernel: -Q skip the load, -K no cache, -T no cache read, -o the binary policy to /dev/null
const parser = ['/sbin/apparmor_parser', '/usr/sbin/apparmor_parser'].find((p) => fs.existsSync(p));
(parser ? describe : describe.skip)('docker-default through a real apparmor_parser (compiled, not loaded)', () => {
  const compile = (text: string): { ok: boolean; output: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-aa-'));
    try {
      fs.writeFileSync(path.join(dir, 'docker-default'), text);
      execFileSync(parser!, ['-Q', '-K', '-T', '-o', '/dev/null', path.join(dir, 'docker-default')], { stdio: 'pipe' });
      return { ok: true, output: '' };
    } catch (e) {
      return { ok: false, output: String((e as { stderr?: Buffer }).stderr ?? e) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('is accepted in every variant (includes or not, old and new parser rules, a daemon profile as peer); a broken one is not', () => {
    const hasBase = fs.existsSync('/etc/apparmor.d/abstractions/base');
    const hasTunables = fs.existsSync('/etc/apparmor.d/tunables/global');
    for (const parserVersion of [208094, 208095, 208096, 300008]) {
      for (const includes of [false, true]) {
        const text = defaultAppArmorProfile({
          name: 'docker-default',
          daemonProfile: includes ? 'berthd' : 'unconfined',
          parserVersion,
          tunablesGlobal: includes && hasTunables,
          abstractionsBase: includes && hasBase,
        });
        const r = compile(text);
        expect(`${parserVersion} ${includes}: ${r.ok ? 'ok' : r.output}`).toBe(`${parserVersion} ${includes}: ok`);
      }
    }
    const broken = compile(defaultAppArmorProfile({ name: 'docker-default', daemonProfile: 'unconfined', parserVersion: 300008, tunablesGlobal: false, abstractionsBase: false }).replace('  deny mount,', '  deny mount, not a rule'));
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/syntax error/);
  });
});
