/** The bits of RFC 1035 the embedded resolver needs: one question in, A/AAAA/PTR answers out. */

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

export interface DnsQuestion {
  id: number;
  /** Header flags of the query (opcode, RD...). */
  flags: number;
  /** Lower-case, without the trailing dot. */
  name: string;
  type: number;
  class: number;
  /** Offset just past the (first) question: the question bytes are [12, end). */
  end: number;
}

export interface DnsAnswer {
  type: number;
  ttl: number;
  /** A: dotted IPv4; AAAA: IPv6 text; PTR: a domain name. */
  data: string;
}

/** The first question of a query; undefined when the message is not a parsable query. */
export function parseQuestion(msg: Buffer): DnsQuestion | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response
  if (msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let o = 12;
  for (;;) {
    if (o >= msg.length) return undefined;
    const len = msg[o]!;
    if (len === 0) {
      o++;
      break;
    }
    if (len & 0xc0) return undefined; // no compression in a question
    if (o + 1 + len > msg.length) return undefined;
    labels.push(msg.toString('latin1', o + 1, o + 1 + len));
    o += 1 + len;
  }
  if (o + 4 > msg.length) return undefined;
  return { id: msg.readUInt16BE(0), flags, name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(o), class: msg.readUInt16BE(o + 2), end: o + 4 };
}

/** A response to `query` (its id and question echoed) with `answers`, authoritative when it answers. */
export function buildResponse(query: Buffer, q: DnsQuestion, rcode: number, answers: DnsAnswer[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA for our own names, RA.
  const flags = 0x8000 | (q.flags & 0x7800) | (answers.length ? 0x0400 : 0) | (q.flags & 0x0100) | 0x0080 | (rcode & 15);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const parts: Buffer[] = [header, query.subarray(12, q.end)];
  for (const a of answers) {
    const rdata = encodeRdata(a);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(a.type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(a.ttl, 6);
    rr.writeUInt16BE(rdata.length, 10);
    parts.push(rr, rdata);
  }
  return Buffer.concat(parts);
}

/** A bare error response (FORMERR for what cannot be parsed) keeping the query's id. */
export function buildError(query: Buffer, rcode: number): Buffer {
  const h = Buffer.alloc(12);
  if (query.length >= 2) query.copy(h, 0, 0, 2);
  h.writeUInt16BE(0x8080 | (rcode & 15), 2);
  return h;
}

function encodeRdata(a: DnsAnswer): Buffer {
  if (a.type === TYPE_A) return Buffer.from(a.data.split('.').map(Number));
  if (a.type === TYPE_AAAA) return ipv6Bytes(a.data);
  return encodeName(a.data);
}

export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const l of name.split('.').filter(Boolean)) {
    const b = Buffer.from(l, 'latin1');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function ipv6Bytes(s: string): Buffer {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}
