/**
 * Issue 12: hijacked streams as Docker 20.10 serves them to Docker's Python SDK (python3-docker):
 * exec output framed by the start request's Tty (moby api/server/router/container/exec.go), and
 * detach keys handled in the daemon for TTY attaches and execs (moby container/stream/attach.go,
 * moby/term ToBytes): the stream ends, the process runs on, a `detach`/`exec_detach` event.
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, ok, pythonSdk, rawRequest, useDaemon } from './harness';

let d: BerthDaemon;
useDaemon((daemon) => {
  d = daemon;
});

/** Python: reads the raw socket `raw` until `needle` has been seen (bounded by its timeout). */
const READ_UNTIL = `
import time
def read_until(raw, needle):
    buf = b''
    while needle not in buf:
        chunk = raw.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf
def read_to_eof(raw):
    buf = b''
    while True:
        chunk = raw.recv(4096)
        if not chunk:
            return buf
        buf += chunk
def send_keys(raw, keys):
    for k in keys:   # one key at a time, as a terminal sends them
        raw.sendall(bytes([k]))
        time.sleep(0.05)
`;

describe('exec framing', () => {
  it('an exec created with a TTY and started without one is multiplexed (the SDK demuxes it)', async () => {
    const r = await pythonSdk(d, `
c = client.containers.run('busybox', ['sleep', '60'], detach=True, name='framing')
e = api.exec_create(c.id, ['echo', 'framed'], tty=True)
out_, err_ = api.exec_start(e['Id'], tty=False, demux=True)
out({'stdout': out_.decode(), 'stderr': err_})
c.remove(force=True)
`);
    // the process still has its TTY (CRLF), the stream is framed: all of it arrives as stdout
    expect(r).toEqual({ stdout: 'framed\r\n', stderr: null });
  });

  it('an exec created without a TTY and started with one is raw (stdout and stderr mixed)', async () => {
    const r = await pythonSdk(d, `
c = client.containers.run('busybox', ['sleep', '60'], detach=True, name='framing2')
e = api.exec_create(c.id, ['sh', '-c', 'echo a; echo b >&2'])
out(api.exec_start(e['Id'], tty=True).decode())
c.remove(force=True)
`);
    expect((r as string).split('\n').sort()).toEqual(['', 'a', 'b']);
  });
});

describe('detach keys in the daemon', () => {
  it('attach: the default ctrl-p,ctrl-q ends the stream, the container runs on, a detach event', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = (await pythonSdk(d, `${READ_UNTIL}
c = client.containers.run('busybox', ['sh'], tty=True, stdin_open=True, detach=True, name='att1')
s = api.attach_socket(c.id, params={'stdin': 1, 'stdout': 1, 'stderr': 1, 'stream': 1})
raw = s._sock
raw.settimeout(15)
raw.sendall(b'echo hel""lo\\n')
seen = read_until(raw, b'hello')
send_keys(raw, [16, 17])
rest = read_to_eof(raw)
c.reload()
out({'seen': b'hello' in seen, 'status': c.status})
`)) as { seen: boolean; status: string };
    expect(r).toEqual({ seen: true, status: 'running' });
    const ev = await rawRequest(d.socketPath, {
      path: `/v1.41/events?since=${since}&until=${Math.ceil(Date.now() / 1000) + 1}&filters=${encodeURIComponent('{"container":["att1"]}')}`,
    });
    const actions = ev.body.toString().trim().split('\n').map((l) => (JSON.parse(l) as { Action: string }).Action);
    expect(actions).toContain('detach');
    ok(await clientsFor(d).docker(['rm', '-f', 'att1']));
  });

  it('attach: the detachKeys query parameter replaces the default (which then passes through)', async () => {
    const r = (await pythonSdk(d, `${READ_UNTIL}
c = client.containers.run('busybox', ['sh'], tty=True, stdin_open=True, detach=True, name='att2')
s = api.attach_socket(c.id, params={'stdin': 1, 'stdout': 1, 'stream': 1, 'detachKeys': 'ctrl-a,x'})
raw = s._sock
raw.settimeout(15)
send_keys(raw, [16, 17])            # not the sequence now: goes to the shell
raw.sendall(b'echo st""ill\\n')
seen = read_until(raw, b'still')
send_keys(raw, [1, ord('x')])
read_to_eof(raw)
c.reload()
out({'seen': b'still' in seen, 'status': c.status})
c.remove(force=True)
`)) as { seen: boolean; status: string };
    expect(r).toEqual({ seen: true, status: 'running' });
  });

  it('attach: malformed detachKeys is docker\'s 400', async () => {
    ok(await clientsFor(d).docker(['run', '-d', '-it', '--name', 'att3', 'busybox', 'sh']));
    const r = await rawRequest(d.socketPath, { method: 'POST', path: '/v1.41/containers/att3/attach?stream=1&stdin=1&detachKeys=ctrl-P' });
    expect([r.status, r.json]).toEqual([400, { message: 'Invalid detach keys (ctrl-P) provided' }]);
    ok(await clientsFor(d).docker(['rm', '-f', 'att3']));
  });

  it('exec: ctrl-p,ctrl-q ends the stream and the exec runs on', async () => {
    const r = (await pythonSdk(d, `${READ_UNTIL}
c = client.containers.run('busybox', ['sleep', '60'], detach=True, name='ex1')
e = api.exec_create(c.id, ['sh'], stdin=True, tty=True)
s = api.exec_start(e['Id'], tty=True, socket=True)
raw = s._sock
raw.settimeout(15)
raw.sendall(b'echo in""exec\\n')
seen = read_until(raw, b'inexec')
send_keys(raw, [16, 17])
read_to_eof(raw)
time.sleep(0.2)
out({'seen': b'inexec' in seen, 'running': api.exec_inspect(e['Id'])['Running']})
c.remove(force=True)
`)) as { seen: boolean; running: boolean };
    expect(r).toEqual({ seen: true, running: true });
  });

  it('exec create: malformed DetachKeys is refused', async () => {
    ok(await clientsFor(d).docker(['run', '-d', '--name', 'ex2', 'busybox', 'sleep', '60']));
    const r = await rawRequest(d.socketPath, {
      method: 'POST',
      path: '/v1.41/containers/ex2/exec',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ Cmd: ['true'], DetachKeys: 'ctrl-1' }),
    });
    expect((r.json as { message: string }).message).toBe('Invalid escape keys (ctrl-1) provided');
    ok(await clientsFor(d).docker(['rm', '-f', 'ex2']));
  });
});
