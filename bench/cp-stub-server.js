/**
 * A stub of the Engine API on a unix socket, only what `docker cp` asks, so the bench can time
 * the docker CLI alone (bench/cp.js: the client's floor of a copy): `_ping`; HEAD of an archive
 * path (a directory, or a file if it names one of the tars); GET streams the prepared tar of the
 * path's last name (`name=file.tar` arguments); PUT reads the body and drops it.
 * `node bench/cp-stub-server.js SOCKET name=tar... ` (prints `listening` once it does).
 */
'use strict';
const fs = require('node:fs');
const http = require('node:http');

const [socketPath, ...pairs] = process.argv.slice(2);
if (!socketPath) {
  process.stderr.write('usage: node bench/cp-stub-server.js SOCKET name=file.tar...\n');
  process.exit(2);
}
const tars = new Map(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
// the files in the tars (a file named as the tar, e.g. `big`) are reported as files of their size
const files = new Map((process.env.STUB_FILES || '').split(',').filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')), Number(p.slice(p.indexOf('=') + 1))]));

function stat(name) {
  const size = files.get(name);
  const st = size === undefined ? { name, size: 4096, mode: 2147484141 /* ModeDir | 0755 */ } : { name, size, mode: 0o644 };
  return Buffer.from(JSON.stringify({ ...st, mtime: new Date(0).toISOString(), linkTarget: '' })).toString('base64');
}

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://stub');
  if (u.pathname.endsWith('/_ping')) {
    res.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'text/plain', 'Docker-Experimental': 'false', Ostype: 'linux' });
    res.end(req.method === 'HEAD' ? undefined : 'OK');
    return;
  }
  if (u.pathname.endsWith('/archive')) {
    const name = (u.searchParams.get('path') || '/').replace(/\/+$/, '').split('/').pop() || '/';
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'X-Docker-Container-Path-Stat': stat(name) });
      res.end();
      return;
    }
    if (req.method === 'GET' && tars.has(name)) {
      res.writeHead(200, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': stat(name) });
      fs.createReadStream(tars.get(name), { highWaterMark: 256 * 1024 }).pipe(res);
      return;
    }
    if (req.method === 'PUT') {
      req.on('data', () => undefined);
      req.on('end', () => {
        res.writeHead(200);
        res.end();
      });
      return;
    }
  }
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ message: `stub: no ${req.method} ${u.pathname}` }));
});
server.listen(socketPath, () => process.stdout.write('listening\n'));
