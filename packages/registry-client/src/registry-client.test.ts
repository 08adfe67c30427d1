import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { MediaType, sha256Digest } from '@berth/oci';
import { staticCredentials } from './credentials';
import { RegistryClient } from './registry-client';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

let servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
  servers = [];
});

async function stub(handler: Handler): Promise<string> {
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const manifest = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: sha256Digest('{}'), size: 2 }, layers: [] }),
);
const fast = { sleep: async () => undefined, baseDelayMs: 1 };

function sendManifest(res: http.ServerResponse, bytes = manifest): void {
  res.writeHead(200, { 'Content-Type': MediaType.OciManifest, 'Docker-Content-Digest': sha256Digest(bytes), 'Content-Length': bytes.length });
  res.end(bytes);
}

describe('RegistryClient wire behaviour', () => {
  it('asks for all four manifest media types', async () => {
    let accept = '';
    const host = await stub((req, res) => {
      accept = String(req.headers.accept);
      sendManifest(res);
    });
    await new RegistryClient().fetchManifest(`${host}/a:1`);
    for (const mt of [MediaType.OciIndex, MediaType.DockerManifestList, MediaType.OciManifest, MediaType.DockerManifest]) expect(accept).toContain(mt);
  });

  it('waits for Retry-After on 429 and then succeeds', async () => {
    let n = 0;
    const waits: number[] = [];
    const host = await stub((_req, res) => {
      if (n++ < 2) {
        res.writeHead(429, { 'Retry-After': '2', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }));
        return;
      }
      sendManifest(res);
    });
    const c = new RegistryClient({ retry: { sleep: async (ms) => void waits.push(ms) } });
    expect((await c.fetchManifest(`${host}/a:1`)).digest).toBe(sha256Digest(manifest));
    expect(waits).toEqual([2000, 2000]);
  });

  it('gives up on 429 after the bounded attempts with a clear error', async () => {
    const host = await stub((_req, res) => {
      res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }));
    });
    await expect(new RegistryClient({ retry: fast }).fetchManifest(`${host}/a:1`)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/toomanyrequests/) });
  });

  it('fetches a bearer token per scope with the credentials, and caches it', async () => {
    const tokenRequests: string[] = [];
    let authHeader = '';
    const host = await stub((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        tokenRequests.push(url.searchParams.getAll('scope').join(' '));
        authHeader = String(req.headers.authorization);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: `tok-${url.searchParams.get('scope')}`, expires_in: 300 }));
        return;
      }
      const repo = url.pathname.split('/')[2];
      if (req.headers.authorization !== `Bearer tok-repository:${repo}:pull`) {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="stub",scope="repository:${repo}:pull"` });
        res.end();
        return;
      }
      sendManifest(res);
    });
    const c = new RegistryClient({ credentials: staticCredentials({ [host]: { username: 'u', password: 'p' } }) });
    await c.fetchManifest(`${host}/one:1`);
    await c.fetchManifest(`${host}/one:2`);
    await c.fetchManifest(`${host}/two:1`);
    expect(tokenRequests).toEqual(['repository:one:pull', 'repository:two:pull']);
    expect(authHeader).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('trades an identity token for a bearer token (OAuth2 refresh_token grant)', async () => {
    let form = '';
    const host = await stub((req, res, body) => {
      if (req.url!.startsWith('/token')) {
        form = body.toString();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'from-refresh', expires_in: 300 }));
        return;
      }
      if (req.headers.authorization !== 'Bearer from-refresh') {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="stub"` });
        res.end();
        return;
      }
      sendManifest(res);
    });
    await new RegistryClient({ credentials: () => ({ identityToken: 'rt-123' }) }).fetchManifest(`${host}/x:1`);
    const p = new URLSearchParams(form);
    expect(p.get('grant_type')).toBe('refresh_token');
    expect(p.get('refresh_token')).toBe('rt-123');
    expect(p.get('scope')).toBe('repository:x:pull');
  });

  it('maps 403 and refuses manifests over 4 MiB', async () => {
    const host = await stub((req, res) => {
      if (req.url!.includes('/denied/')) {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }));
        return;
      }
      const big = Buffer.alloc(4 * 1024 * 1024 + 10, 32);
      res.writeHead(200, { 'Content-Type': MediaType.OciManifest });
      res.end(big);
    });
    const c = new RegistryClient();
    await expect(c.fetchManifest(`${host}/denied/x:1`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.fetchManifest(`${host}/big:1`)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/larger than 4194304 bytes/) });
  });

  it('refuses a manifest whose bytes do not match the digest asked for', async () => {
    const host = await stub((_req, res) => sendManifest(res));
    await expect(new RegistryClient().fetchManifest(`${host}/a@${sha256Digest('other')}`)).rejects.toMatchObject({ code: 'DATA_LOSS' });
  });

  it('retries a blob served short and fails with DataLossError when it never completes', async () => {
    const blob = Buffer.from('0123456789');
    const host = await stub((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(blob.subarray(0, 4));
    });
    const chunks: Buffer[] = [];
    const s = new RegistryClient({ retry: fast }).fetchBlob(`${host}/a:1`, { mediaType: 'x', digest: sha256Digest(blob), size: blob.length });
    await expect(
      (async () => {
        for await (const c of s) chunks.push(c as Buffer);
      })(),
    ).rejects.toMatchObject({ code: 'DATA_LOSS' });
  });

  it('refuses manifests with hostile descriptors before touching the sink', async () => {
    const bad = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: sha256Digest('{}'), size: 2 },
        layers: [{ mediaType: MediaType.OciLayerGzip, digest: 'sha256:../../etc/passwd', size: 10 }],
      }),
    );
    const negative = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: sha256Digest('{}'), size: -1 }, layers: [] }),
    );
    const host = await stub((req, res) => sendManifest(res, req.url!.includes('/neg/') ? negative : bad));
    const touched: string[] = [];
    const sink = {
      has: async (d: string) => {
        touched.push(d);
        return false;
      },
      ingest: async (d: { digest: string }) => void touched.push(d.digest),
    };
    await expect(new RegistryClient().pull(`${host}/evil:1`, sink)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/invalid digest/) });
    await expect(new RegistryClient().pull(`${host}/neg/x:1`, sink)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/invalid size/) });
    expect(touched).toEqual([]);
  });

  it('pushBlobStream: POST, the body in one streamed PATCH (chunked, no Content-Range), PUT ?digest= once the digest is known', async () => {
    const seen: string[] = [];
    let patched: Buffer = Buffer.alloc(0);
    const host = await stub((req, res, body) => {
      const url = new URL(req.url!, 'http://x');
      seen.push(`${req.method} ${url.pathname}${url.search} te=${req.headers['transfer-encoding'] ?? ''} range=${req.headers['content-range'] ?? ''}`);
      if (req.method === 'POST') {
        res.writeHead(202, { Location: '/v2/a/blobs/uploads/u1', 'Content-Length': '0' });
      } else if (req.method === 'PATCH') {
        patched = body;
        res.writeHead(202, { Location: '/v2/a/blobs/uploads/u1?state=2', 'Content-Length': '0' });
      } else {
        res.writeHead(201, { 'Content-Length': '0' });
      }
      res.end();
    });
    const data = Buffer.from('streamed blob bytes');
    let resolveMade!: (d: { digest: string; size: number }) => void;
    const made = new Promise<{ digest: string; size: number }>((r) => (resolveMade = r));
    const body = new PassThrough();
    const pushed = new RegistryClient().pushBlobStream(`${host}/a:1`, 'layer x', body, made);
    body.end(data, () => setTimeout(() => resolveMade({ digest: sha256Digest(data), size: data.length }), 20));
    expect(await pushed).toBe(sha256Digest(data));
    expect(patched).toEqual(data);
    expect(seen).toEqual([
      'POST /v2/a/blobs/uploads/ te= range=',
      'PATCH /v2/a/blobs/uploads/u1 te=chunked range=',
      `PUT /v2/a/blobs/uploads/u1?state=2&digest=${encodeURIComponent(sha256Digest(data))} te= range=`,
    ]);
  });

  it('pushBlobStream: a failed PATCH drops the upload session and rejects', async () => {
    const seen: string[] = [];
    const host = await stub((req, res) => {
      seen.push(String(req.method));
      if (req.method === 'POST') res.writeHead(202, { Location: '/v2/a/blobs/uploads/u2', 'Content-Length': '0' });
      else if (req.method === 'PATCH') res.writeHead(400, { 'Content-Type': 'application/json' });
      else res.writeHead(204);
      res.end(req.method === 'PATCH' ? JSON.stringify({ errors: [{ code: 'BLOB_UPLOAD_INVALID', message: 'bad' }] }) : undefined);
    });
    const body = new PassThrough();
    body.end(Buffer.from('x'));
    const made = Promise.resolve({ digest: sha256Digest('x'), size: 1 });
    // a 4xx is not retried, even with a copy to upload again
    const again = { open: async () => Readable.from([Buffer.from('x')]) };
    await expect(new RegistryClient({ retry: fast }).pushBlobStream(`${host}/a:1`, 'layer y', body, made, { again })).rejects.toThrow(/layer y/);
    expect(seen).toEqual(['POST', 'PATCH', 'DELETE']);
  });

  describe('pushBlobStream: a stream that fails on the way is uploaded again from the copy', () => {
    const data = Buffer.alloc(256 * 1024, 7);
    const made = (): Promise<{ digest: string; size: number }> => Promise.resolve({ digest: sha256Digest(data), size: data.length });
    const again = { open: async () => Readable.from([data]) };

    /** A registry whose first `breaks` upload requests (PATCH or monolithic PUT) fail as `how` says; records what it saw. */
    async function registry(how: 'reset' | 503, breaks: number): Promise<{ host: string; seen: string[]; stored: () => Buffer | undefined }> {
      const seen: string[] = [];
      let session = 0;
      let failed = 0;
      let stored: Buffer | undefined;
      const s = http.createServer((req, res) => {
        const url = new URL(req.url!, 'http://x');
        const uploading = req.method === 'PATCH' || (req.method === 'PUT' && Number(req.headers['content-length'] ?? 0) > 0);
        seen.push(`${req.method} ${url.pathname}`);
        if (uploading && failed < breaks) {
          failed++;
          if (how === 'reset') {
            req.once('data', () => req.socket.destroy());
            return;
          }
          req.resume();
          req.on('end', () => res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"busy"}]}'));
          return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (req.method === 'POST') return void res.writeHead(202, { Location: `/v2/a/blobs/uploads/s${++session}`, 'Content-Length': '0' }).end();
          if (req.method === 'PATCH') return void res.writeHead(202, { Location: url.pathname, 'Content-Length': '0' }).end();
          if (req.method === 'PUT') {
            if (chunks.length) stored = Buffer.concat(chunks);
            return void res.writeHead(201, { 'Content-Length': '0' }).end();
          }
          res.writeHead(204).end();
        });
      });
      servers.push(s);
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return { host: `127.0.0.1:${(s.address() as AddressInfo).port}`, seen, stored: () => stored };
    }

    it('a connection dropped mid-PATCH: the session is dropped, the copy goes up in a new one after a backoff', async () => {
      const r = await registry('reset', 1);
      const waits: number[] = [];
      const body = new PassThrough();
      body.end(data);
      const c = new RegistryClient({ retry: { sleep: async (ms) => void waits.push(ms), baseDelayMs: 100 } });
      const told: unknown[] = [];
      expect(await c.pushBlobStream(`${r.host}/a:1`, 'layer z', body, made(), { again, onProgress: (e) => told.push(e) })).toBe(sha256Digest(data));
      // each retry is told first (docker's "Retrying in N seconds")
      expect(told).toEqual([
        { digest: sha256Digest(data), current: 0, total: data.length, status: 'retrying', retryInMs: 100 },
        { digest: sha256Digest(data), current: data.length, total: data.length, status: 'uploading' },
      ]);
      expect(r.seen).toEqual(['POST /v2/a/blobs/uploads/', 'PATCH /v2/a/blobs/uploads/s1', 'DELETE /v2/a/blobs/uploads/s1', 'POST /v2/a/blobs/uploads/', 'PUT /v2/a/blobs/uploads/s2']);
      expect(r.stored()).toEqual(data);
      expect(waits).toEqual([100]);
      expect(body.destroyed).toBe(true);
    });

    it('5xx answers: tried again with growing backoff, up to the policy’s attempts in all', async () => {
      const r = await registry(503, 2);
      const waits: number[] = [];
      const body = new PassThrough();
      body.end(data);
      const c = new RegistryClient({ retry: { sleep: async (ms) => void waits.push(ms), baseDelayMs: 100, attempts: 3 } });
      expect(await c.pushBlobStream(`${r.host}/a:1`, 'layer z', body, made(), { again })).toBe(sha256Digest(data));
      expect(r.seen.filter((x) => !x.startsWith('DELETE'))).toEqual(['POST /v2/a/blobs/uploads/', 'PATCH /v2/a/blobs/uploads/s1', 'POST /v2/a/blobs/uploads/', 'PUT /v2/a/blobs/uploads/s2', 'POST /v2/a/blobs/uploads/', 'PUT /v2/a/blobs/uploads/s3']);
      expect(waits).toEqual([100, 200]);
      const told: number[] = [];
      const body1 = new PassThrough();
      body1.end(data);
      const r1 = await registry(503, 2);
      await c.pushBlobStream(`${r1.host}/a:1`, 'layer z', body1, made(), { again, onProgress: (e) => e.status === 'retrying' && told.push(e.retryInMs!) });
      expect(told).toEqual([100, 200]);

      const never = await registry(503, 99);
      const body2 = new PassThrough();
      body2.end(data);
      await expect(c.pushBlobStream(`${never.host}/a:1`, 'layer z', body2, made(), { again })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(never.seen.filter((x) => x.startsWith('POST'))).toHaveLength(3);
    });

    it('without a copy, or when the copy was never made, the stream’s failure is final', async () => {
      const r = await registry('reset', 1);
      const body = new PassThrough();
      body.end(data);
      await expect(new RegistryClient({ retry: fast }).pushBlobStream(`${r.host}/a:1`, 'layer z', body, made())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(r.seen.filter((x) => x.startsWith('POST'))).toHaveLength(1);

      const r2 = await registry('reset', 1);
      const body2 = new PassThrough();
      body2.end(data);
      const broken = Promise.reject(new Error('layer z: disk full'));
      broken.catch(() => undefined); // awaited by the push
      await expect(new RegistryClient({ retry: fast }).pushBlobStream(`${r2.host}/a:1`, 'layer z', body2, broken, { again })).rejects.toThrow('disk full');
      expect(r2.seen.filter((x) => x.startsWith('POST'))).toHaveLength(1);
    });
  });
});

