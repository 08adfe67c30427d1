import { describe, expect, it } from '@jest/globals';
import { deflateRawSync } from 'node:zlib';
import { packContextArchive, readContextArchive } from './context-archive';

// `docker context export ab` (docker 28.2.2) of a context made with
// `docker context create ab --docker host=unix:///tmp/x.sock --description hi`
const META = '{"Name":"ab","Metadata":{"Description":"hi"},"Endpoints":{"docker":{"Host":"unix:///tmp/x.sock","SkipTLSVerify":false}}}';

describe('context archive', () => {
  it("packs as docker 28: Go's ustar headers, no end-of-archive blocks", () => {
    const tar = packContextArchive({ meta: Buffer.from(META), tls: new Map() });
    // docker's file: meta.json's header and data block, the tls directory's header, nothing more
    expect(tar.length).toBe(1536);
    const h = (off: number, len: number) => tar.subarray(off, off + len).toString('latin1');
    expect(h(0, 10)).toBe('meta.json\0');
    expect(h(100, 8)).toBe('0000644\0');
    expect(h(108, 16)).toBe('0000000\x000000000\0');
    expect(h(124, 24)).toBe('00000000170\x0000000000000\0');
    expect(h(148, 9)).toBe('011024\0 0');
    expect(h(257, 8)).toBe('ustar\x0000');
    expect(h(329, 16)).toBe('0000000\x000000000\0');
    expect(h(512, META.length)).toBe(META);
    expect(h(1024, 4)).toBe('tls\0');
    expect(h(1024 + 100, 8)).toBe('0000700\0');
    expect(h(1024 + 148, 9)).toBe('007716\0 5');
  });

  it("leaves the last file's data unpadded (docker closes its pipe before the tar writer)", () => {
    const tls = new Map([['docker', new Map([['ca.pem', Buffer.from('CA')]])]]);
    const tar = packContextArchive({ meta: Buffer.from(META), tls });
    expect(tar.length).toBe(1536 + 512 + 512 + 2);
    expect(tar.subarray(-2).toString()).toBe('CA');
    // and reads back, as Go's reader takes the missing padding for the end
    let meta = '';
    expect(readContextArchive(tar, (m) => (meta = m.toString()))).toEqual(tls);
    expect(meta).toBe(META);
  });

  it("refuses as docker's store.Import does", () => {
    const noMeta = () => undefined;
    expect(() => readContextArchive(Buffer.from('garbage'), noMeta)).toThrow(/^unexpected EOF$/);
    expect(() => readContextArchive(Buffer.alloc(0), noMeta)).toThrow(/^invalid context: no metadata found$/);
    expect(() => readContextArchive(Buffer.alloc(1024, 1), noMeta)).toThrow(/^archive\/tar: invalid tar header$/);
    const one = (name: string) => packContextArchive({ meta: Buffer.from('{}'), tls: new Map() }).fill(0, 0, 100).fill(name, 0, name.length);
    // the checksum is over the name too: rebuild a valid header for each name
    const tarOf = (name: string) => {
      const t = one(name);
      t.fill(0x20, 148, 156);
      let sum = 0;
      for (const x of t.subarray(0, 512)) sum += x;
      t.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      return t;
    };
    expect(() => readContextArchive(tarOf('other'), noMeta)).toThrow(/^other: unexpected context file$/);
    expect(() => readContextArchive(tarOf('tls/../meta.json'), noMeta)).toThrow(/^tls\/\.\.\/meta\.json: unexpected path format$/);
    expect(() => readContextArchive(tarOf('tls/ca.pem'), noMeta)).toThrow(/^archive format is invalid$/);
  });
});

/** A zip of `files` (deflated), as `zip -r` writes one (made on unix: mode bits in the external attributes). */
function zipOf(files: [string, Buffer, number][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  for (const [name, data, mode] of files) {
    const body = deflateRawSync(data);
    const n = Buffer.from(name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE((3 << 8) | 20, 4);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE((mode << 16) >>> 0, 38);
    ch.writeUInt32LE(off, 42);
    locals.push(lh, n, body);
    central.push(ch, n);
    off += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe('context archive: zip (docker imports one when its first bytes say so)', () => {
  it('reads regular files, skips directories, checks paths', () => {
    const zip = zipOf([
      ['meta.json', Buffer.from(META), 0o100644],
      ['tls/', Buffer.alloc(0), 0o040755],
      ['tls/docker/', Buffer.alloc(0), 0o040755],
      ['tls/docker/ca.pem', Buffer.from('CA'), 0o100644],
    ]);
    let meta = '';
    expect(readContextArchive(zip, (m) => (meta = m.toString()))).toEqual(new Map([['docker', new Map([['ca.pem', Buffer.from('CA')]])]]));
    expect(meta).toBe(META);
    expect(() => readContextArchive(zipOf([['other', Buffer.from('x'), 0o100644]]), () => undefined)).toThrow(/^other: unexpected context file$/);
    expect(() => readContextArchive(Buffer.from('PK\x03\x04garbage', 'latin1'), () => undefined)).toThrow(/^zip: not a valid zip file$/);
  });
});
