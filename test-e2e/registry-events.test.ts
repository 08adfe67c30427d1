/**
 * `pull` and `push` image events end to end: the docker CLI 28 pushes to and pulls from a real
 * registry on loopback (berth-registry, and Debian's docker-registry for one round) through
 * berthd while a `docker events` stream runs; the events are compared with what Docker 20.10
 * emits (moby v20.10.24 distribution/pull.go and push.go: one event after a successful pull or
 * push, `ImageEventLogger(FamiliarString(ref), FamiliarName(repo), action)`, which is
 * LogImageEvent: Actor.ID the reference as asked, Attributes the labels of the image that
 * reference names locally plus `name` = the repository; no `tag` event for the references a pull
 * stores, by tag or by digest; nothing for a failed pull) and GET /events' `image` filter (moby
 * daemon/events/filter.go matchImage: exact, on the Actor.ID and on the name, each also without
 * its tag).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventMessage } from '@berth/api';
import { clientsFor, failed, ok, rawRequest, scratchDir, useDaemon, waitFor, type BerthDaemon } from './harness';
import { startBerthRegistry, startDockerRegistry, type RunningRegistry } from './registry-helpers';

let d: BerthDaemon;
let c: ReturnType<typeof clientsFor>;
useDaemon((daemon) => {
  d = daemon;
  c = clientsFor(daemon);
});
const work = scratchDir('registry-events');

let berthReg: RunningRegistry | undefined;
let debianReg: RunningRegistry | undefined;
beforeAll(async () => {
  const [a, b] = await Promise.allSettled([startBerthRegistry(), startDockerRegistry()]);
  if (a.status === 'fulfilled') berthReg = a.value;
  if (b.status === 'fulfilled') debianReg = b.value;
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
}, 60_000);
afterAll(async () => {
  try {
    await berthReg?.dispose();
  } finally {
    await debianReg?.dispose();
  }
}, 60_000);

/**
 * `docker events --format '{{json .}}'` running beside the test, its lines parsed. `mark()` makes
 * an event of our own (a `docker tag` to a marker name) and waits for it on the stream: every
 * event published before it has then arrived, and `since(m)` gives the events after marker `m`.
 */
class EventStream {
  private readonly child: ChildProcess;
  private buf = '';
  readonly events: EventMessage[] = [];
  private marks = 0;

  constructor(private readonly daemon: BerthDaemon) {
    const config = path.join(work, 'docker-config');
    fs.mkdirSync(config, { recursive: true });
    this.child = spawn('docker', ['events', '--format', '{{json .}}'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, DOCKER_CONFIG: config, DOCKER_HOST: daemon.host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => {
      this.buf += s;
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line.trim() !== '') this.events.push(JSON.parse(line) as EventMessage);
      }
    });
  }

  /** Publishes a marker event and waits until the stream delivered it; returns its index. */
  async mark(): Promise<number> {
    const name = `evlog-mark:${++this.marks}`;
    ok(await clientsFor(this.daemon).docker(['tag', 'busybox:latest', name]));
    let at = -1;
    await waitFor(`marker ${name} on the events stream`, () => {
      at = this.events.findIndex((e) => e.Action === 'tag' && e.Actor.Attributes['name'] === name);
      return at >= 0;
    }, 15_000);
    return at;
  }

  /** The events strictly between two markers, without the markers' own. */
  between(from: number, to: number): EventMessage[] {
    return this.events.slice(from + 1, to).filter((e) => !(e.Action === 'tag' && (e.Actor.Attributes['name'] ?? '').startsWith('evlog-mark:')));
  }

  close(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

/** Runs `what` between two markers and returns the image events it caused. */
async function imageEventsOf(s: EventStream, what: () => Promise<unknown>): Promise<EventMessage[]> {
  const a = await s.mark();
  await what();
  const b = await s.mark();
  return s.between(a, b).filter((e) => e.Type === 'image');
}

/** The wire form moby's events.Log gives an image event (legacy status and id, no from). */
function imageEvent(action: string, id: string, attributes: Record<string, string>): Partial<EventMessage> {
  return { status: action, id, Type: 'image', Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local' };
}
const strip = (es: EventMessage[]): Array<Partial<EventMessage>> =>
  es.map((e) => ({ status: e.status, id: e.id, ...(e.from !== undefined ? { from: e.from } : {}), Type: e.Type, Action: e.Action, Actor: e.Actor, scope: e.scope }));

describe('pull and push events against a real registry (moby v20.10 distribution ImageEventLogger)', () => {
  let s: EventStream;
  let labelled: string;
  beforeAll(async () => {
    s = new EventStream(d);
    const ctx = path.join(work, 'ctx');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox:latest\nLABEL evlog=yes tier=web\n');
    ok(await c.docker(['build', '-q', '-t', 'evlog-app:src', ctx]));
    labelled = ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', 'evlog-app:src'])).stdout.trim();
  }, 60_000);
  afterAll(() => s?.close());

  const labels = { evlog: 'yes', tier: 'web' };

  for (const which of ['berth-registry', 'docker-registry'] as const) {
    describe(which, () => {
      let host: string;
      let repo: string;
      beforeAll(() => {
        host = (which === 'berth-registry' ? berthReg : debianReg)!.host;
        repo = `${host}/ev/app`;
      });

      it('docker push repo:tag: one push event, Actor.ID the reference, name the repository, the image\'s labels', async () => {
        ok(await c.docker(['tag', 'evlog-app:src', `${repo}:1`]));
        const evs = await imageEventsOf(s, async () => ok(await c.docker(['push', `${repo}:1`], { timeoutMs: 60_000 })));
        expect(strip(evs)).toEqual([imageEvent('push', `${repo}:1`, { ...labels, name: repo })]);
      });

      it('docker pull by tag (the reference absent): one pull event and no tag event for the reference the pull stores', async () => {
        ok(await c.docker(['rmi', `${repo}:1`]));
        const evs = await imageEventsOf(s, async () => ok(await c.docker(['pull', `${repo}:1`], { timeoutMs: 60_000 })));
        expect(strip(evs)).toEqual([imageEvent('pull', `${repo}:1`, { ...labels, name: repo })]);
        expect(ok(await c.docker(['image', 'inspect', '-f', '{{.Id}}', `${repo}:1`])).stdout.trim()).toBe(labelled);
      });

      it('docker pull again (up to date): the pull event all the same', async () => {
        const evs = await imageEventsOf(s, async () => ok(await c.docker(['pull', `${repo}:1`], { timeoutMs: 60_000 })));
        expect(strip(evs)).toEqual([imageEvent('pull', `${repo}:1`, { ...labels, name: repo })]);
      });

      it('docker pull by digest: Actor.ID repo@digest, labels read through the digest reference, no tag event', async () => {
        // the image is in both registries: its digest reference of this one
        const digests = ok(await c.docker(['image', 'inspect', '-f', '{{range .RepoDigests}}{{println .}}{{end}}', `${repo}:1`])).stdout.split('\n');
        const digest = digests.find((r) => r.startsWith(`${repo}@`)) ?? '';
        expect(digest).toMatch(/@sha256:[0-9a-f]{64}$/);
        ok(await c.docker(['rmi', `${repo}:1`]));
        const evs = await imageEventsOf(s, async () => ok(await c.docker(['pull', digest], { timeoutMs: 60_000 })));
        expect(strip(evs)).toEqual([imageEvent('pull', digest, { ...labels, name: repo })]);
      });

      it('docker push -a / pull -a: one event named by the repository (labels only from repo:latest, here none)', async () => {
        ok(await c.docker(['tag', 'evlog-app:src', `${repo}:2`]));
        let evs = await imageEventsOf(s, async () => ok(await c.docker(['push', '-a', repo], { timeoutMs: 60_000 })));
        expect(strip(evs)).toEqual([imageEvent('push', repo, { name: repo })]);
        evs = await imageEventsOf(s, async () => ok(await c.docker(['pull', '-a', repo], { timeoutMs: 60_000 })));
        expect(strip(evs)).toEqual([imageEvent('pull', repo, { name: repo })]);
        // with a :latest, its labels
        ok(await c.docker(['tag', 'evlog-app:src', `${repo}:latest`]));
        evs = await imageEventsOf(s, async () => ok(await c.docker(['pull', '-a', repo], { timeoutMs: 60_000 })));
        expect(strip(evs)).toEqual([imageEvent('pull', repo, { ...labels, name: repo })]);
      });

      it('a failed pull or push: no event', async () => {
        const evs = await imageEventsOf(s, async () => {
          failed(await c.docker(['pull', `${repo}:nope`], { timeoutMs: 60_000 }));
          failed(await c.docker(['push', `${repo}:nope`], { timeoutMs: 60_000 }));
        });
        expect(strip(evs)).toEqual([]);
      });
    });
  }

  it('GET /events?filters={"image":[...]}: the repository matches pull, push and tag events and containers run from it (exact, tag stripped)', async () => {
    const repo = `${berthReg!.host}/ev/filt`;
    const since = (Date.now() / 1000).toFixed(3);
    ok(await c.docker(['tag', 'evlog-app:src', `${repo}:1`]));
    ok(await c.docker(['push', '-q', `${repo}:1`], { timeoutMs: 60_000 }));
    ok(await c.docker(['pull', '-q', `${repo}:1`], { timeoutMs: 60_000 }));
    ok(await c.docker(['run', '--rm', '--name', 'evlog-filt', `${repo}:1`, 'true']));
    const until = Math.ceil(Date.now() / 1000) + 1;
    const query = async (filters: Record<string, string[]>): Promise<Array<[string, string, string]>> => {
      const r = await rawRequest(d.socketPath, { method: 'GET', path: `/v1.41/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify(filters))}` });
      expect(r.status).toBe(200);
      return r.body
        .toString()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as EventMessage)
        .map((e) => [e.Type, e.Action, e.Actor.ID]);
    };
    const containerActions = ['create', 'attach', 'start', 'die', 'destroy'];
    const byRepo = await query({ image: [repo] });
    expect(byRepo.filter((e) => e[0] === 'image')).toEqual([
      ['image', 'tag', labelled],
      ['image', 'push', `${repo}:1`],
      ['image', 'pull', `${repo}:1`],
    ]);
    expect(byRepo.filter((e) => e[0] === 'container').map((e) => e[1])).toEqual(containerActions);
    // the reference with its tag: the events named by it (Actor.ID or name or image attribute), not the tag event (name repo:1 is matched too)
    const byRef = await query({ image: [`${repo}:1`] });
    expect(byRef.filter((e) => e[0] === 'image')).toEqual([
      ['image', 'tag', labelled],
      ['image', 'push', `${repo}:1`],
      ['image', 'pull', `${repo}:1`],
    ]);
    expect(byRef.filter((e) => e[0] === 'container').map((e) => e[1])).toEqual(containerActions);
    // exact: a prefix of the repository or of the ID matches nothing
    expect(await query({ image: [repo.slice(0, -2)] })).toEqual([]);
    expect((await query({ image: [labelled.slice(0, 19)] })).filter((e) => e[0] === 'image')).toEqual([]);
    // the ID itself: the tag event
    expect(await query({ image: [labelled], type: ['image'] })).toEqual([['image', 'tag', labelled]]);
    // event + type filters together
    expect(await query({ type: ['image'], event: ['pull', 'push'], image: [repo] })).toEqual([
      ['image', 'push', `${repo}:1`],
      ['image', 'pull', `${repo}:1`],
    ]);
  });
});
