/**
 * Issue 11, terminal handling: `berth` and the docker CLI on a pseudo-terminal (python3's pty)
 * against the same berthd: the initial size and SIGWINCH resizes seen by `stty size` inside
 * (run -it, attach, exec -it), ctrl-p ctrl-q and --detach-keys / the config file's detachKeys
 * (the container runs on), three ctrl-c force-exit a foreground run.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthDaemon, berthBin, clientsFor, exec, ok, scratchDir, useDaemon } from './harness';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
let dir: string;

/**
 * Runs a command on a pty of ROWSxCOLS and plays a script: `w:TEXT` waits for TEXT in the output,
 * `s:TEXT` types it (\r, \x10 escapes), `r:R,C` resizes the pty (the kernel sends SIGWINCH), `p:S`
 * pauses. Prints the output (repr) and `EXIT n`.
 */
const PTY = String.raw`
import os, pty, select, sys, time, struct, fcntl, termios, codecs
rows, cols, script = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cmd = sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
def setsize(r, c):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))
setsize(rows, cols)
out = b''
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if fd in r:
            try: b = os.read(fd, 65536)
            except OSError: return False
            if not b: return False
            out += b
    return True
for st in [s for s in script.split(';;') if s]:
    k, v = st[0], st[2:]
    if k == 'w':
        end = time.time() + 15
        while v.encode() not in out and time.time() < end:
            if not pump(0.1): break
    elif k == 's': os.write(fd, codecs.decode(v, 'unicode_escape').encode('latin-1'))
    elif k == 'r':
        r, c = v.split(','); setsize(int(r), int(c))
    elif k == 'p': pump(float(v))
wpid = 0
end = time.time() + 20
while time.time() < end and not wpid:
    alive = pump(0.1)
    wpid, status = os.waitpid(pid, os.WNOHANG)
    if not alive and not wpid:
        wpid, status = os.waitpid(pid, 0)
if not wpid:
    os.kill(pid, 9); wpid, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
print('EXIT', os.waitstatus_to_exitcode(status))
`;

type Cli = 'docker' | 'berth';

async function onPty(cli: Cli, size: [number, number], script: string, args: string[], configDir?: string) {
  const bin = cli === 'docker' ? 'docker' : path.join(path.dirname(berthBin), 'berth');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, DOCKER_HOST: d.host, BERTH_HOST: d.host, DOCKER_CONFIG: configDir ?? path.join(dir, 'docker'), BERTH_CONFIG: configDir ?? path.join(dir, 'berth') };
  const r = await exec('python3', ['-c', PTY, String(size[0]), String(size[1]), script, bin, ...args], { env, replaceEnv: true, timeoutMs: 50_000 });
  const m = /EXIT (-?\d+)\n$/.exec(r.stdout);
  return { out: r.stdout.replace(/EXIT -?\d+\n$/, ''), code: m ? Number(m[1]) : null };
}

async function running(name: string): Promise<boolean> {
  return ok(await c.docker(['inspect', '-f', '{{.State.Running}}', name])).stdout.trim() === 'true';
}

/** The `stty size` answers in an output, in order. */
const sizes = (out: string) => [...out.matchAll(/^(\d+ \d+)\r?$/gm)].map((m) => m[1]);

useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(d);
});

beforeAll(() => {
  dir = scratchDir('cli-terminal');
  for (const sub of ['docker', 'berth', 'keys']) fs.mkdirSync(path.join(dir, sub));
});

describe.each(['docker', 'berth'] as const)('%s on a terminal', (cli) => {
  it('run -it: the initial size, a resize, ctrl-p ctrl-q leaves it running (exit 0)', async () => {
    const r = await onPty(cli, [30, 100], 'w:# ;;s:stty size\r;;w:30 100;;r:40,120;;p:0.5;;s:stty size\r;;w:40 120;;s:\\x10\\x11;;p:0.5', ['run', '-it', '--name', `it-${cli}`, 'busybox', 'sh']);
    expect(sizes(r.out)).toEqual(['30 100', '40 120']);
    expect(r.code).toBe(0);
    expect(await running(`it-${cli}`)).toBe(true);
  }, 60_000);

  it('attach: resized to the terminal and on SIGWINCH; the detach keys leave with "read escape sequence", exit 1', async () => {
    const r = await onPty(cli, [33, 90], 'p:1;;s:stty size\r;;w:33 90;;r:35,95;;p:0.5;;s:stty size\r;;w:35 95;;s:\\x10\\x11;;p:0.5', ['attach', `it-${cli}`]);
    expect(sizes(r.out)).toEqual(['33 90', '35 95']);
    expect(r.out).toContain('read escape sequence');
    expect(r.code).toBe(1);
    expect(await running(`it-${cli}`)).toBe(true);
  }, 60_000);

  it('exec -it: SIGWINCH resizes; its exit code', async () => {
    const r = await onPty(cli, [30, 100], 'w:# ;;r:41,121;;p:0.5;;s:stty size\r;;w:41 121;;s:exit 3\r', ['exec', '-it', `it-${cli}`, 'sh']);
    expect(sizes(r.out)).toEqual(['41 121']);
    expect(r.code).toBe(3);
  }, 60_000);

  it('--detach-keys and the config file\'s detachKeys', async () => {
    const r = await onPty(cli, [30, 100], 'w:# ;;s:\\x01x;;p:0.5', ['run', '-it', '--detach-keys', 'ctrl-a,x', '--name', `dk-${cli}`, 'busybox', 'sh']);
    expect(r.code).toBe(0);
    expect(await running(`dk-${cli}`)).toBe(true);
    const keys = path.join(dir, 'keys');
    fs.writeFileSync(path.join(keys, 'config.json'), JSON.stringify({ detachKeys: 'ctrl-e,e' }));
    const a = await onPty(cli, [30, 100], 'p:1;;s:\\x10\\x11echo still-$((40+2))\r;;w:still-42;;s:\\x05e;;p:0.5', ['attach', `dk-${cli}`], keys);
    expect(a.out).toContain('still-42');
    expect(a.out).toContain('read escape sequence');
    expect(await running(`dk-${cli}`)).toBe(true);
  }, 60_000);

  it('start -ai --detach-keys: the keys leave it running, exit 0, nothing printed', async () => {
    ok(await c.docker(['create', '-it', '--name', `sk-${cli}`, 'busybox', 'sh']));
    const r = await onPty(cli, [30, 100], 'w:# ;;s:echo up-$((40+2))\r;;w:up-42;;s:\\x01x;;p:0.5', ['start', '-ai', '--detach-keys', 'ctrl-a,x', `sk-${cli}`]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('read escape sequence');
    expect(await running(`sk-${cli}`)).toBe(true);
  }, 60_000);

  it('three ctrl-c force-exit a foreground run without -t (the container runs on)', async () => {
    const r = await onPty(cli, [30, 100], 'p:1.5;;s:\\x03;;p:0.3;;s:\\x03;;p:0.3;;s:\\x03;;p:0.5', ['run', '--name', `fe-${cli}`, 'busybox', 'sleep', '100']);
    expect(r.out).toContain('got 3 SIGTERM/SIGINTs, forcefully exiting');
    expect(r.code).toBe(1);
    expect(await running(`fe-${cli}`)).toBe(true);
  }, 60_000);
});

it('exec -it starts at the terminal size with berth (docker 28 sends it only from API 1.42)', async () => {
  const r = await onPty('berth', [27, 88], 'w:# ;;s:stty size\r;;w:27 88;;s:exit\r', ['exec', '-it', 'it-berth', 'sh']);
  expect(sizes(r.out)).toEqual(['27 88']);
}, 60_000);

describe('login on a terminal', () => {
  it('prompts for the username and the password (not echoed), as docker does', async () => {
    const script = 'w:Username: ;;s:alice\\r;;w:Password: ;;s:s3cret-pw\\r;;p:1';
    const [dk, bt] = [await onPty('docker', [30, 100], script, ['login', 'localhost:1']), await onPty('berth', [30, 100], script, ['login', 'localhost:1'])];
    expect(bt.out).not.toContain('s3cret-pw');
    expect(bt.out.replace(/berth/g, 'docker')).toBe(dk.out);
    expect(bt.code).toBe(dk.code);
    const pw = 'w:Password: ;;s:s3cret-pw\\r;;p:1';
    const [dk2, bt2] = [await onPty('docker', [30, 100], pw, ['login', '-u', 'bob', 'localhost:1']), await onPty('berth', [30, 100], pw, ['login', '-u', 'bob', 'localhost:1'])];
    expect(bt2.out).toBe(dk2.out);
    expect(bt2.out.startsWith('Password: ')).toBe(true);
  }, 60_000);
});

describe('stats on a terminal', () => {
  it('redraws the table every 500 ms with docker\'s escape sequences; ctrl-c turns the rows to --, the third leaves (exit 1)', async () => {
    ok(await c.docker(['run', '-d', '--name', 'st', 'busybox', 'sleep', '100']));
    const script = 'p:1.8;;s:\\x03;;p:1.2;;s:\\x03;;p:0.3;;s:\\x03;;p:0.5';
    const frame = (out: string) => {
      // the first whole frame, numbers and sizes left out (they are read at different moments)
      const f = out.split('\u001b[J')[0]!;
      return f.replace(/\d+(\.\d+)?(%|[KMG]i?B|B)/g, 'N').replace(/--( \/ --)?/g, 'N').replace(/ +/g, ' ');
    };
    // the last frame drawn (after the first ctrl-c: the streams are cancelled, figures are --)
    const lastFrame = (out: string) => {
      const frames = out.split('\u001b[J');
      return frames[frames.length - 2]!.split('\u001b[H').slice(1).join('\u001b[H');
    };
    const dk = await onPty('docker', [30, 150], script, ['stats', 'st']);
    const bt = await onPty('berth', [30, 150], script, ['stats', 'st']);
    expect(bt.out.startsWith('\u001b[HCONTAINER ID')).toBe(true);
    expect(frame(bt.out)).toBe(frame(dk.out));
    expect(bt.out.split('\u001b[J').length).toBeGreaterThan(5);
    expect(lastFrame(dk.out)).toMatch(/ st +-- +-- \/ -- +-- +-- +-- +--/);
    expect(lastFrame(bt.out)).toBe(lastFrame(dk.out));
    for (const r of [dk, bt]) {
      expect(r.out).toContain('got 3 SIGTERM/SIGINTs, forcefully exiting');
      expect(r.code).toBe(1);
    }
  }, 60_000);
});

describe('load on a terminal', () => {
  it('shows docker\'s per-layer "Loading layer" progress (only for layers it adds), the same from both CLIs', async () => {
    const src = path.join(dir, 'load-src');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'hello.txt'), 'hello load\n');
    ok(await exec('tar', ['-cf', path.join(dir, 'load-rootfs.tar'), '-C', src, '.']));
    ok(await c.docker(['import', path.join(dir, 'load-rootfs.tar'), 'loadme:1']));
    const diffId = ok(await c.docker(['inspect', '-f', '{{index .RootFS.Layers 0}}', 'loadme:1'])).stdout.trim();
    const tarPath = path.join(dir, 'loadme.tar');
    ok(await c.docker(['save', '-o', tarPath, 'loadme:1']));
    const outs: Record<Cli, string> = { docker: '', berth: '' };
    for (const cli of ['docker', 'berth'] as const) {
      ok(await c.docker(['rmi', 'loadme:1']));
      const r = await onPty(cli, [30, 150], '', ['load', '-i', tarPath]);
      expect(r.code).toBe(0);
      outs[cli] = r.out;
      // again, with the layer present: no progress line, as docker
      const again = await onPty(cli, [30, 150], '', ['load', '-i', tarPath]);
      expect(again.out).not.toContain('Loading layer');
      expect(again.out).toContain('Loaded image: loadme:1');
    }
    expect(outs.docker).toContain(`${diffId.slice(7, 19)}: Loading layer [==================================================>]`);
    expect(outs.docker).toContain('Loaded image: loadme:1');
    expect(outs.berth).toBe(outs.docker);
  }, 60_000);
});
