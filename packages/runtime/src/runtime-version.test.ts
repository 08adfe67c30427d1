import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRuntimeVersion, runtimeVersion, takesCompiledSeccomp } from './runtime-version';

const RUNC = 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n';
const CRUN = 'crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nrundir: /run/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX +APPARMOR +CAP +SECCOMP +EBPF +YAJL\n';

describe('parseRuntimeVersion (Docker 20.10’s reading of `--version`)', () => {
  it('reads runc’s and crun’s name, version and commit', () => {
    expect(parseRuntimeVersion(RUNC)).toEqual({ name: 'runc', version: '1.1.5+ds1', commit: '1.1.5+ds1-1+deb12u1' });
    expect(parseRuntimeVersion(CRUN)).toEqual({ name: 'crun', version: '1.8.1', commit: 'f8a096be060b22ccd3d5f3ebe44108517fbf6c30' });
  });

  it('takes what it finds, and null where there is neither a version nor a commit', () => {
    expect(parseRuntimeVersion('youki version 0.1.0\n')).toEqual({ name: 'youki', version: '0.1.0', commit: '' });
    expect(parseRuntimeVersion('commit: abc\n')).toEqual({ name: '', version: '', commit: 'abc' });
    expect(parseRuntimeVersion('')).toBeNull();
    expect(parseRuntimeVersion('usage: runc [options]\n')).toBeNull();
  });
});

describe('takesCompiledSeccomp', () => {
  it('is true from crun 0.18 (the annotation alone is applied), false before and for anything else', () => {
    expect(takesCompiledSeccomp(parseRuntimeVersion(CRUN))).toBe(true);
    expect(takesCompiledSeccomp(parseRuntimeVersion('crun version 0.18\n'))).toBe(true);
    expect(takesCompiledSeccomp(parseRuntimeVersion('crun version 0.17\n'))).toBe(false);
    expect(takesCompiledSeccomp(parseRuntimeVersion(RUNC))).toBe(false);
    expect(takesCompiledSeccomp(null)).toBe(false);
  });
});

describe('runtimeVersion', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-version-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('asks a binary once, however many callers ask at once or later', async () => {
    const bin = path.join(dir, 'fake-runc');
    const count = path.join(dir, 'asked');
    fs.writeFileSync(bin, `#!/bin/sh\necho x >> ${count}\nprintf '${RUNC.replace(/\n/g, '\\n')}'\n`, { mode: 0o755 });
    const [a, b] = await Promise.all([runtimeVersion(bin), runtimeVersion(bin)]);
    const c = await runtimeVersion(bin);
    expect(a).toEqual({ name: 'runc', version: '1.1.5+ds1', commit: '1.1.5+ds1-1+deb12u1' });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(fs.readFileSync(count, 'utf8')).toBe('x\n');
  });

  it('is null for a binary that fails or cannot be run', async () => {
    const bin = path.join(dir, 'broken');
    fs.writeFileSync(bin, '#!/bin/sh\necho "runc version 1"\nexit 1\n', { mode: 0o755 });
    expect(await runtimeVersion(bin)).toBeNull();
    expect(await runtimeVersion(path.join(dir, 'absent'))).toBeNull();
  });
});
