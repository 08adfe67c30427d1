import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Logger } from '@berth/log';
import { buildError, buildResponse, type DnsAnswer, type DnsQuestion, parseQuestion, RCODE_FORMERR, RCODE_NOERROR, RCODE_SERVFAIL } from './dns-message';

/** What the resolver knows: the names of one container's networks, and where the rest go. */
export interface DnsResolver {
  /** Answers for a name of ours as the client at `srcIp` sees it ([] : the name exists, no record of that type); undefined: not ours. */
  lookup(srcIp: string, q: DnsQuestion): DnsAnswer[] | undefined;
  /** Nameservers to forward other names to (the container's --dns, else the host's); [] : answer SERVFAIL. */
  upstreams(srcIp: string): string[];
}

const FORWARD_TIMEOUT_MS = 2000;

/** One query message in, one response out: ours answered, others forwarded. */
export async function answerQuery(msg: Buffer, srcIp: string, r: DnsResolver, forward: (msg: Buffer, servers: string[]) => Promise<Buffer | undefined>): Promise<Buffer> {
  const q = parseQuestion(msg);
  if (!q) return buildError(msg, RCODE_FORMERR);
  const mine = r.lookup(srcIp, q);
  if (mine) return buildResponse(msg, q, RCODE_NOERROR, mine);
  const servers = r.upstreams(srcIp);
  const reply = servers.length ? await forward(msg, servers).catch(() => undefined) : undefined;
  return reply ?? buildResponse(msg, q, RCODE_SERVFAIL, []);
}

/** Sends the query to each server in turn over UDP; the first answer wins. */
export async function forwardUdp(msg: Buffer, servers: string[]): Promise<Buffer | undefined> {
  for (const s of servers) {
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const sock = dgram.createSocket(s.includes(':') ? 'udp6' : 'udp4');
      const done = (b?: Buffer) => {
        clearTimeout(t);
        sock.close();
        resolve(b);
      };
      const t = setTimeout(() => done(), FORWARD_TIMEOUT_MS);
      sock.on('error', () => done());
      sock.on('message', (b) => {
        if (b.length >= 2 && b.readUInt16BE(0) === msg.readUInt16BE(0)) done(b);
      });
      sock.send(msg, 53, s);
    });
    if (reply) return reply;
  }
  return undefined;
}

/** Sends the query to each server in turn over TCP (length-prefixed); the first answer wins. */
export async function forwardTcp(msg: Buffer, servers: string[]): Promise<Buffer | undefined> {
  for (const s of servers) {
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const c = net.connect({ host: s, port: 53 });
      let buf = Buffer.alloc(0);
      const done = (b?: Buffer) => {
        clearTimeout(t);
        c.destroy();
        resolve(b);
      };
      const t = setTimeout(() => done(), FORWARD_TIMEOUT_MS);
      c.on('error', () => done());
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      c.write(Buffer.concat([len, msg]));
    });
    if (reply) return reply;
  }
  return undefined;
}

/**
 * The embedded DNS server of one user-defined network: UDP and TCP on the network's gateway
 * address, port 53, inside berthd (no extra process).
 */
export class DnsServer {
  private constructor(
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
  ) {}

  static async start(address: string, r: DnsResolver, logger: Logger, port = 53): Promise<DnsServer> {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      answerQuery(msg, rinfo.address, r, forwardUdp)
        .then((out) => udp.send(out, rinfo.port, rinfo.address))
        .catch((e) => logger.debug({ err: e }, 'dns: udp answer failed'));
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address, port, exclusive: true }, () => {
        udp.removeListener('error', reject);
        udp.on('error', (e) => logger.warn({ err: e, address }, 'dns: udp socket error'));
        resolve();
      });
    });
    const tcp = net.createServer((c) => {
      let buf = Buffer.alloc(0);
      c.on('error', () => c.destroy());
      c.setTimeout(10000, () => c.destroy());
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          answerQuery(Buffer.from(msg), c.remoteAddress?.replace(/^::ffff:/, '') ?? '', r, forwardTcp)
            .then((out) => {
              const len = Buffer.alloc(2);
              len.writeUInt16BE(out.length);
              c.write(Buffer.concat([len, out]));
            })
            .catch(() => c.destroy());
        }
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: address, port, exclusive: true }, () => {
          tcp.removeListener('error', reject);
          resolve();
        });
      });
    } catch (e) {
      udp.close();
      throw e;
    }
    return new DnsServer(udp, tcp);
  }

  close(): void {
    this.udp.close();
    this.tcp.close();
  }
}
