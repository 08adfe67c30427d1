/**
 * Issue 11: commands where `berth` used to differ from the docker CLI 28, each run by both CLIs
 * against the same berthd and compared (output with the program name swapped, exit code): prune,
 * groups without or with an unknown subcommand, `rm -f`/`rmi -f` of something missing, `start` of
 * a running container, `version`/`info --format`, `system df -v`, `builder prune`, `context`,
 * `search` offline, usage errors; and `-H ssh://` through `berth system dial-stdio`.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, berthBin, bothClis, clientsFor, exec, ok, sameOnBothClis, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
});

const both = (args: string[], input?: string) => bothClis(c, args, input);
const same = (args: string[], input?: string) => sameOnBothClis(c, args, input);

describe('berth does what docker does', () => {
  it('--help in docker\'s layout (Usage, Aliases, Options with pflag\'s types, defaults and wrapping)', async () => {
    for (const args of [['exec', '--help'], ['rm', '--help'], ['logs', '--help'], ['stop', '--help'], ['system', 'df', '--help'], ['network', 'disconnect', '--help'], ['system', 'prune', '--help']]) await same(args);
    // run: berth has no --use-api-socket (docker 28.2's experimental flag); everything else equal
    const r = await both(['run', '--help']);
    const dockerText = r.docker.stdout.replace(/^ {6}--use-api-socket .*\n(^ {20,}.*\n)*/m, '');
    expect(dockerText).not.toContain('use-api-socket');
    expect(r.berth.stdout).toBe(dockerText);
    expect(r.berth.code).toBe(0);
  });

  it('groups: no subcommand prints the commands (exit 0), an unknown one is an error (exit 1)', async () => {
    for (const g of ['image', 'container', 'volume', 'system']) {
      const r = await both([g]);
      expect(r.berth.code).toBe(0);
      expect(r.berth.stderr.split('\n')[0]).toBe(r.docker.stderr.split('\n')[0]);
      expect(r.berth.stdout).toBe('');
    }
    expect((await same(['image', 'nosuch'])).code).toBe(1);
    expect((await same(['volume', 'nosuch', 'x'])).code).toBe(1);
    expect((await same(['nosuch'])).code).toBe(1);
  });

  it('usage errors: unknown flags (125), missing and extra arguments', async () => {
    expect((await same(['ps', '--nosuch'])).code).toBe(125);
    expect((await same(['ps', '-x'])).code).toBe(125);
    expect((await same(['rm'])).code).toBe(1);
    expect((await same(['system', 'prune', 'extra'])).code).toBe(1);
    // an unknown flag before required arguments: pflag reports the flag, not the count
    expect((await same(['cp', '--nosuch', 'a', 'b'])).code).toBe(125);
    expect((await same(['network', 'connect', '--nosuch', 'n', 'c'])).code).toBe(125);
    expect((await same(['cp', 'a'])).code).toBe(1);
    // an int flag that is no int: pflag's error before anything is asked of the daemon
    expect((await same(['stop', '-t', 'x', 'nosuch'])).code).toBe(125);
    expect((await same(['restart', '--timeout', '1.5', 'nosuch'])).code).toBe(125);
  });

  it("int flags as pflag's (strconv base 0: 0x, 0o, 0, 0b, _), its range and syntax errors", async () => {
    // each command's int flags, values docker takes and values it refuses (125, pflag's text)
    for (const v of ['', '08', '9223372036854775808']) {
      expect((await same(['create', '--cpu-shares', v, 'busybox'])).code).toBe(125);
      expect((await same(['update', '--pids-limit', v, 'nosuch'])).code).toBe(125);
      expect((await same(['stop', '-t', v, 'nosuch'])).code).toBe(125);
    }
    for (const args of [
      ['create', '--blkio-weight', '70000', 'busybox'],
      ['create', '--blkio-weight', '-1', 'busybox'],
      ['create', '--health-retries', '0x8000000000000000', 'busybox'],
      ['update', '--blkio-weight', '0x10000', 'nosuch'],
      ['ps', '-n', 'x'],
      ['search', '--limit', '0b2', 'x'],
      ['create', '--cpu-shares', 'é"\\x', 'busybox'],
    ]) {
      expect((await same(args)).code).toBe(125);
    }
    // build: docker prints its legacy-builder banner first (cli-help strips it too, for the same reason)
    const built = await both(['build', '--cpu-quota', '1__0', '/nonexistent']);
    expect({ ...built.docker, stderr: built.docker.stderr.replace(/^DEPRECATED: The legacy builder is deprecated.*\n(?: {12}.*\n)*\n/m, '') }).toEqual(built.berth);
    expect(built.berth.code).toBe(125);
    // taken in every base: the daemon's answer about the container, not a usage error
    for (const t of ['0x10', '1_000', '-1']) expect((await same(['stop', '-t', t, 'nosuch'])).code).toBe(1);
    expect((await same(['update', '--cpu-shares', '0x400', '--pids-limit', '1_0', '--blkio-weight', '0b1010', 'nosuch'])).code).toBe(1);
    // what create stores from them, for both CLIs
    const flags = ['--cpu-shares', '0x400', '--pids-limit', '1_000', '--oom-score-adj', '-0o10', '--stop-timeout', '017', '--blkio-weight', '0b1010', '--health-retries', '0x3', '--health-cmd', 'true', '--cpu-period', '0X186a0', '--memory-swappiness', '0b0'];
    ok(await c.docker(['create', '--name', 'ints-d', ...flags, 'busybox', 'true']));
    ok(await c.berth(['create', '--name', 'ints-b', ...flags, 'busybox', 'true']));
    const f = '{{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.OomScoreAdj}} {{.Config.StopTimeout}} {{.HostConfig.BlkioWeight}} {{.Config.Healthcheck.Retries}} {{.HostConfig.CpuPeriod}} {{.HostConfig.MemorySwappiness}}';
    const shown = ok(await c.docker(['inspect', '-f', f, 'ints-d', 'ints-b'])).stdout;
    expect(shown).toBe('1024 1000 -8 15 10 3 100000 0\n'.repeat(2));
    ok(await c.docker(['rm', 'ints-d', 'ints-b']));
    // ps -n and -l as docker's: -l only while -n is -1
    await same(['ps', '-a', '-n', '0x1', '-l', '--format', '{{.Names}}']);
  });

  it('rm -f and rmi -f of something missing: the error is printed, exit 0', async () => {
    expect((await same(['rm', '-f', 'nosuch'])).code).toBe(0);
    expect((await same(['rmi', '-f', 'nosuch'])).code).toBe(0);
    expect((await same(['rm', 'nosuch'])).code).toBe(1);
  });

  it('start of a running container prints its name, exit 0', async () => {
    ok(await c.docker(['run', '-d', '--name', 'running', 'busybox', 'sleep', '1000']));
    expect(await same(['start', 'running'])).toEqual({ code: 0, stdout: 'running\n', stderr: '' });
    expect(await same(['stop', '-t', '0', 'running'])).toEqual({ code: 0, stdout: 'running\n', stderr: '' });
    expect(await same(['stop', 'running'])).toEqual({ code: 0, stdout: 'running\n', stderr: '' });
    ok(await c.docker(['rm', 'running']));
  });

  it('version --format and info --format', async () => {
    expect(await same(['version', '--format', '{{.Server.Version}} {{.Server.Os}}/{{.Server.Arch}} {{.Client.Context}}'])).toMatchObject({ code: 0 });
    // the Go struct's field name (JSON ApiVersion)
    expect(await same(['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}}'])).toMatchObject({ code: 0 });
    expect(await same(['info', '--format', '{{.Containers}} {{.Images}} {{.Driver}} {{.OSType}}'])).toMatchObject({ code: 0 });
    // Go field names, the negotiated API version, errors naming docker's Go types, partial output
    for (const f of ['{{.Client.APIVersion}}', '{{.Client.Nope}}', '{{.Server.Nope}}', '{{.Nope}}', 'a{{.Server.Version}}b{{.Nope}}', '{{.Nope', '{{.Server.KernelVersion}} {{.Server.Experimental}}']) await same(['version', '--format', f]);
    for (const f of ['{{.HTTPProxy}} {{.CPUCfsPeriod}} {{.KernelMemory}} {{.Swarm.LocalNodeState}}', '{{.HttpProxy}}', '{{.ClientInfo.Nope}}', '{{.Nope', '{{json .Swarm}} {{json .Plugins}} {{json .RegistryConfig}}']) await same(['info', '--format', f]);
    const r = await both(['version', '--format', '{{.Client.Nope}}']);
    expect(r.berth.code).toBe(1);
    expect(r.berth.stderr).toContain('template: version:1:9: executing "version" at <.Client.Nope>: can\'t evaluate field Nope in type system.clientVersion');
    // {{json .}}: docker's struct shapes (key order, zero values, omitempty); only the client's own values differ
    const keys = (v: unknown): unknown => (Array.isArray(v) ? v.map(keys) : v && typeof v === 'object' ? Object.entries(v).map(([k, x]) => [k, keys(x)]) : typeof v);
    for (const cmd of ['version', 'info']) {
      const j = await both([cmd, '--format', '{{json .}}']);
      expect(j.berth.code).toBe(0);
      const dj = JSON.parse(j.docker.stdout) as Record<string, Record<string, unknown>>;
      const bj = JSON.parse(j.berth.stdout) as Record<string, Record<string, unknown>>;
      // the docker binary's own build facts (BuildTime, GitCommit) berth, a node program, does not
      // have: clientVersion's omitempty leaves them out of berth's (docker 28 leaves out an empty one too)
      for (const o of [dj.Client, dj.ClientInfo]) if (o) for (const k of ['BuildTime', 'GitCommit']) delete o[k];
      expect(keys(bj)).toEqual(keys(dj));
      if (cmd === 'version') expect(bj.Client!.ApiVersion).toBe(dj.Client!.ApiVersion);
    }
  });

  it('system df -v', async () => {
    ok(await c.docker(['volume', 'create', 'dfvol']));
    ok(await c.docker(['run', '--name', 'dfctr', '-v', 'dfvol:/v', 'busybox', 'true']));
    const r = await both(['system', 'df', '-v']);
    // the same tables; ages and sizes read at different moments are left out
    const shape = (s: string) => s.replace(/(Less than a second|About a minute|\d+ seconds?) ago/g, 'AGO').replace(/\d+(\.\d+)?[kMG]?B/g, 'SIZE').replace(/ +/g, ' ');
    expect(shape(r.berth.stdout)).toBe(shape(r.docker.stdout));
    expect(r.berth.code).toBe(0);
    expect(r.docker.stdout).toContain('dfctr');
    expect(r.docker.stdout).toContain('dfvol');
    ok(await c.docker(['rm', 'dfctr']));
    ok(await c.docker(['volume', 'rm', 'dfvol']));
  });

  it('system prune: the prompt (answered no), then -f --volumes does the same work as docker', async () => {
    const no = await same(['system', 'prune', '--filter', 'label=x'], 'n\n');
    expect(no.stdout).toContain('Are you sure you want to continue? [y/N]');
    // the same state for each CLI: a stopped container, an unused anonymous volume, a dangling tag-less image
    const setUp = async () => {
      ok(await c.docker(['run', '--name', 'gone', '-v', '/anon', 'busybox', 'true']));
    };
    ok(await c.docker(['system', 'prune', '-f', '--volumes']));
    await setUp();
    const dr = ok(await c.docker(['system', 'prune', '-f', '--volumes']));
    await setUp();
    const br = ok(await c.berth(['system', 'prune', '-f', '--volumes']));
    const shape = (s: string) => s.replace(/[0-9a-f]{64}/g, 'ID').replace(/space: .*/, 'space: N');
    expect(shape(br.stdout)).toBe(shape(dr.stdout));
    expect(dr.stdout).toContain('Deleted Containers:');
    expect(dr.stdout).toContain('Deleted Volumes:');
    expect(ok(await c.docker(['ps', '-aq'])).stdout).toBe('');
  });

  it('inspect: networks and volumes too, --type, output and errors in the names\' order; image reference errors', async () => {
    ok(await c.docker(['volume', 'create', 'insp-vol']));
    ok(await c.docker(['create', '--name', 'insp-c', 'busybox', 'true']));
    await same(['inspect', 'none']);
    for (const f of ['{{.Name}}', '{{.Nope}}']) expect((await same(['inspect', '-f', f, 'none', 'insp-vol', 'insp-c', 'busybox', 'nosuch'])).code).toBe(1);
    for (const t of ['bogus', '', 'volume', 'network', 'container']) expect((await same(['inspect', `--type=${t}`, 'insp-vol'])).code).toBe(t === 'volume' ? 0 : 1);
    expect(await same(['inspect', '-f', '{{.Name}}', 'nosuch'])).toEqual({ code: 1, stdout: '\n', stderr: 'Error: No such object: nosuch\n' });
    expect((await same(['volume', 'inspect', '-f', '{{.Name}}', 'insp-vol', 'nosuch', 'insp-vol'])).code).toBe(1);
    for (const ref of ['BAD', 'a//b', 'a@b']) {
      expect((await same(['run', ref])).code).toBe(125);
      expect((await same(['create', ref])).code).toBe(1);
      expect((await same(['pull', ref])).code).toBe(1);
      expect((await same(['tag', 'busybox', ref])).code).toBe(1);
    }
    ok(await c.docker(['rm', 'insp-c']));
    ok(await c.docker(['volume', 'rm', 'insp-vol']));
  });

  it('system df --format, output paths, rename/port/update/events argument errors', async () => {
    for (const f of ['json', '{{.Type}} {{.TotalCount}}', 'table {{.Type}}\t{{.Reclaimable}}', '{{.Nope}}']) await same(['system', 'df', '--format', f]);
    ok(await c.docker(['create', '--name', 'args-c', 'busybox', 'true']));
    expect((await same(['save', '-o', '/nonexistent-dir/x.tar', 'busybox'])).code).toBe(1);
    expect((await same(['export', '-o', '/nonexistent-dir/x.tar', 'args-c'])).code).toBe(1);
    expect((await same(['save', '-o', '/tmp', 'busybox'])).code).toBe(1);
    expect((await same(['rename', 'args-c', ' '])).code).toBe(1);
    expect((await same(['port', 'args-c', 'x/udp'])).code).toBe(1);
    for (const m of ['x', '1x', '1KX', '1.2.3']) expect((await same(['update', '-m', m, 'args-c'])).code).toBe(125);
    // --cpus is docker's NanoCPUs value: a usage error too (berth said it with exit 1, and after -m's)
    for (const cpus of ['x', '0.0000000001']) expect((await same(['update', '--cpus', cpus, 'args-c'])).code).toBe(125);
    expect((await same(['run', '--cpus', 'x', 'busybox', 'true'])).code).toBe(125);
    // a big.Rat, not a double: 4096.000000001 is exact (the daemon refuses the count), 1_.5 is no Go literal, int64 sent exactly
    for (const cpus of ['4096.000000001', '9223372036854775807e-9', '0x1p-2']) await same(['update', '--cpus', cpus, 'args-c']);
    expect((await same(['update', '--cpus', '1_.5', 'args-c'])).code).toBe(125);
    // the deprecated --time is its own (hidden) flag: pflag names it as typed
    for (const args of [['restart', '--time=y', 'args-c'], ['stop', '--time', 'y', 'args-c']]) expect((await same(args)).code).toBe(125);
    // -e without a name is a usage error (exec sent it to the daemon); env/label files as docker 28 words them
    for (const args of [['exec', '-e', '=x', 'args-c', 'true'], ['create', '-e', '', 'busybox'], ['run', '--env-file', '/nonexistent-env', 'busybox'], ['exec', '--env-file', '/nonexistent-env', 'args-c', 'true'], ['create', '--label-file', '/nonexistent-labels', 'busybox']]) {
      await same(args);
    }
    // node reads --env-file anywhere on its command line: the CLI's own must reach berth, not node
    const envFile = path.join(scratchDir('env-file'), 'env');
    fs.writeFileSync(envFile, 'FROM_FILE=yes\n');
    expect((await same(['run', '--rm', '--env-file', envFile, 'busybox', 'sh', '-c', 'echo $FROM_FILE'])).stdout).toBe('yes\n');
    // system df -v: one row per image with its first tag; --format runs once on docker's diskUsageContext, no newline after
    ok(await c.docker(['tag', 'busybox', 'zz-df-second:tag']));
    ok(await c.docker(['volume', 'create', 'df-vol']));
    for (const f of ['{{range .Images}}{{.Repository}}:{{.Tag}} {{.Digest}} {{.Containers}} {{.UniqueSize}}|{{end}}', '{{range .Containers}}{{.Names}} {{.Size}} {{.LocalVolumes}}|{{end}}', '{{json .Volumes}}', '{{.Nope}}']) {
      await same(['system', 'df', '-v', '--format', f]);
    }
    ok(await c.docker(['volume', 'rm', 'df-vol']));
    ok(await c.docker(['rmi', 'zz-df-second:tag']));
    expect((await same(['events', '--until', '1', '--since', 'x'])).code).toBe(1);
    expect((await same(['logs', '--until', 'x', 'args-c'])).code).toBe(1);
    ok(await c.docker(['rm', 'args-c']));
  });

  it('builder prune, context, search of an unreachable registry', async () => {
    const b = await both(['builder', 'prune', '-f']);
    expect(b.berth.code).toBe(0);
    expect(b.berth.stdout).toBe(b.docker.stdout);
    await same(['context', 'show']);
    await same(['context', 'use', 'default']);
    await same(['context', 'inspect']);
    const ls = await both(['context', 'ls']);
    // (the column is one narrower: BERTH_HOST is one letter shorter than DOCKER_HOST)
    expect(ls.berth.stdout.replace(/ +/g, ' ')).toBe(ls.docker.stdout.replace(/ +/g, ' '));
    // (a registry that is not there, on loopback: no test reaches the internet)
    const s = await same(['search', '127.0.0.1:1/busybox']);
    expect(s.code).toBe(1);
  });
});

describe('-H ssh://USER@HOST[:PORT]: the API through `ssh HOST berth system dial-stdio`', () => {
  it('runs, execs and lists through the tunnel; a failing ssh is reported as docker words it', async () => {
    // `ssh` itself is replaced (BERTH_SSH_COMMAND) by a script that logs its arguments and runs the
    // remote command here, so the test needs no sshd; everything after ssh is real: the remote
    // `berth` (the launcher, through a symlink in another bin/) and its dial-stdio to berthd
    const dir = scratchDir('ssh');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(path.join(path.dirname(berthBin), 'berth'), path.join(bin, 'berth'));
    const log = path.join(dir, 'ssh.log');
    fs.writeFileSync(
      path.join(bin, 'fake-ssh'),
      `#!/bin/sh\necho "$@" >> ${log}\nwhile [ $# -gt 0 ]; do case "$1" in -l|-p|-o) shift 2;; -T) shift;; --) shift; break;; *) break;; esac; done\nshift\nexec "$@"\n`,
      { mode: 0o755 },
    );
    const env = { PATH: `${bin}:${process.env.PATH}`, BERTH_SSH_COMMAND: 'fake-ssh', BERTH_HOST: d.host };
    const viaSsh = (args: string[], input?: string) => c.berth(['-H', 'ssh://alice@build-box:2222', ...args], { env, ...(input !== undefined ? { input } : {}) });
    expect(ok(await viaSsh(['run', '--rm', 'busybox', 'echo', 'over-ssh'])).stdout).toBe('over-ssh\n');
    ok(await viaSsh(['run', '-d', '--name', 'sshc', 'busybox', 'sleep', '100']));
    const e = await viaSsh(['exec', 'sshc', 'sh', '-c', 'echo out; exit 3']);
    expect({ code: e.code, stdout: e.stdout }).toEqual({ code: 3, stdout: 'out\n' });
    expect(ok(await viaSsh(['exec', '-i', 'sshc', 'cat'], 'through stdin\n')).stdout).toBe('through stdin\n');
    expect(ok(await viaSsh(['ps', '--format', '{{.Names}}'])).stdout).toBe('sshc\n');
    ok(await viaSsh(['rm', '-f', 'sshc']));
    expect(fs.readFileSync(log, 'utf8').split('\n')[0]).toBe('-o ConnectTimeout=30 -T -l alice -p 2222 -- build-box berth system dial-stdio');
    const bad = await c.berth(['-H', 'ssh://nobody@build-box', 'ps'], { env: { ...env, BERTH_SSH_COMMAND: 'false' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error during connect: command [false -o ConnectTimeout=30 -T -l nobody -- build-box berth system dial-stdio] has exited with exit status 1, make sure the URL is valid, and berth is installed on the remote host: stderr=\n');
  });
});

describe('shell completion', () => {
  it('bash: commands, group subcommands, run flags, and names from the daemon', async () => {
    ok(await c.docker(['create', '--name', 'complete-me', 'busybox', 'true']));
    ok(await c.docker(['volume', 'create', 'complete-vol']));
    const launcher = path.join(path.dirname(berthBin), 'berth');
    const dir = scratchDir('completion');
    fs.symlinkSync(launcher, path.join(dir, 'berth'));
    const complete = async (words: string[]) => {
      const script = `source <(berth completion bash)\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})\nCOMP_CWORD=${words.length - 1}\n_berth\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
      return ok(await exec('bash', ['-c', script], { env: { PATH: `${dir}:${process.env.PATH}`, BERTH_HOST: d.host } })).stdout.split('\n').filter(Boolean);
    };
    expect(await complete(['berth', 'sta'])).toEqual(['start', 'stats']);
    expect(await complete(['berth', 'start', 'complete-'])).toEqual(['complete-me']);
    expect(await complete(['berth', 'container', 'rm', 'complete-'])).toEqual(['complete-me']);
    expect(await complete(['berth', 'run', '--rm', 'busy'])).toEqual(['busybox:latest']);
    expect(await complete(['berth', 'run', '--cap-'])).toEqual(['--cap-add', '--cap-drop']);
    expect(await complete(['berth', 'volume', 'rm', 'complete-'])).toEqual(['complete-vol']);
    expect(await complete(['berth', 'volume', 'i'])).toEqual(['inspect']);
    expect(ok(await c.berth(['completion', 'zsh'])).stdout).toContain('compdef _berth berth');
    expect(ok(await c.berth(['completion'])).stdout).toContain('Generate the autocompletion script for berth');
    ok(await c.docker(['rm', 'complete-me']));
    ok(await c.docker(['volume', 'rm', 'complete-vol']));
  });
});
