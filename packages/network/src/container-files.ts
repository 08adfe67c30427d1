/**
 * The contents of a container's /etc/hosts and /etc/resolv.conf, as Docker writes them: for
 * bridge networks (the attacher) and for host, none and berthd `--bridge none`
 * (localContainerFiles, which the daemon uses at create); and a CRI pod's resolv.conf from
 * Kubernetes' DNS config (podResolvConf, which the daemon hands the CRI). The runtime and the CRI
 * only write what they are given.
 */
import { promises as fs } from 'node:fs';

const HOSTS_DEFAULT = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export interface HostsInput {
  hostname: string;
  domainname?: string;
  /** The container's address on its first network ('' for none). */
  address: string;
  /** 'name:ip' (ip already resolved: no host-gateway left). */
  extraHosts: string[];
  /** Legacy links: the linked container's address, its alias, id and name. */
  links: { ip: string; alias: string; containerId: string; name: string }[];
}

/** localhost lines, --add-host entries, links, then the container's own name. */
export function hostsFile(i: HostsInput): string {
  const lines = [...HOSTS_DEFAULT];
  for (const e of i.extraHosts) {
    const k = e.indexOf(':');
    lines.push(`${e.slice(k + 1)}\t${e.slice(0, k)}`);
  }
  for (const l of i.links) {
    const names = [l.alias, l.containerId.slice(0, 12), l.name].filter((n, idx, a) => a.indexOf(n) === idx);
    lines.push(`${l.ip}\t${names.join(' ')}`);
  }
  if (i.address) lines.push(`${i.address}\t${i.domainname ? `${i.hostname}.${i.domainname} ${i.hostname}` : i.hostname}`);
  return lines.join('\n') + '\n';
}

export interface ResolvInput {
  /** The host's resolv.conf text. */
  host: string;
  /** The embedded DNS server's address (user-defined networks); undefined on the default bridge. */
  embedded?: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** --network none: the host's search and options, no nameserver at all. */
  noNameservers?: boolean;
}

/** Nameservers of a resolv.conf text. */
export function nameservers(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    if (m) out.push(m[1]!);
  }
  return out;
}

function isLoopback(ns: string): boolean {
  return /^127\./.test(ns) || ns === '::1';
}

/**
 * Default bridge: the host's file without loopback nameservers (8.8.8.8 and 8.8.4.4 when none
 * is left), --dns/--dns-search/--dns-option replacing the host's. User networks: the embedded
 * server as the only nameserver (the others are where it forwards), `options ndots:0`.
 */
export function resolvConf(i: ResolvInput): string {
  const hostLines = i.host.split('\n');
  const keep = hostLines.filter((l) => !/^\s*(nameserver|search|domain|options)\b/.test(l) && l.trim() !== '');
  const hostSearch = hostLines.flatMap((l) => {
    const m = /^\s*(search|domain)\s+(.*)$/.exec(l);
    return m ? m[2]!.trim().split(/\s+/) : [];
  });
  const hostOptions = hostLines.flatMap((l) => {
    const m = /^\s*options\s+(.*)$/.exec(l);
    return m ? m[1]!.trim().split(/\s+/) : [];
  });
  const search = i.dnsSearch && i.dnsSearch.length ? i.dnsSearch.filter((s) => s !== '.') : hostSearch;
  let options = i.dnsOptions && i.dnsOptions.length ? i.dnsOptions : hostOptions;
  let servers: string[];
  if (i.noNameservers) {
    servers = [];
  } else if (i.embedded) {
    servers = [i.embedded];
    if (!options.some((o) => o.startsWith('ndots:'))) options = [...options, 'ndots:0'];
  } else if (i.dns && i.dns.length) {
    servers = i.dns;
  } else {
    servers = nameservers(i.host).filter((s) => !isLoopback(s));
    if (servers.length === 0) servers = ['8.8.8.8', '8.8.4.4'];
  }
  return resolvText(keep, search, servers, options);
}

/** The lines kept from the host (comments, other keywords), then search, nameservers, options. */
function resolvText(keep: string[], search: string[], servers: string[], options: string[]): string {
  const out = [...keep];
  if (search.length) out.push(`search ${search.join(' ')}`);
  for (const s of servers) out.push(`nameserver ${s}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}

/** Where localContainerFiles reads the host's files. */
export interface HostFilePaths {
  hosts: string;
  resolvConf: string;
}

const HOST_FILES: HostFilePaths = { hosts: '/etc/hosts', resolvConf: '/etc/resolv.conf' };

async function readOr(file: string, fallback: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch(() => fallback);
}

/**
 * The files of a container on no bridge network:
 * - host: the host's own /etc/hosts and resolv.conf;
 * - none: the localhost lines, --add-host entries and the hostname on 127.0.0.1; the host's
 *   resolv.conf without nameservers;
 * - default (berthd `--bridge none`, and what a bridge container has until its start): the same
 *   hosts; the host's resolv.conf without loopback nameservers (8.8.8.8/8.8.4.4 when none is left).
 */
export async function localContainerFiles(
  mode: 'host' | 'none' | 'default',
  i: { hostname: string; domainname?: string; extraHosts?: string[] },
  paths: HostFilePaths = HOST_FILES,
): Promise<{ hosts: string; resolvConf: string }> {
  const hostResolv = await readOr(paths.resolvConf, '');
  if (mode === 'host') return { hosts: await readOr(paths.hosts, HOSTS_DEFAULT.join('\n') + '\n'), resolvConf: hostResolv };
  return {
    hosts: hostsFile({ hostname: i.hostname, domainname: i.domainname, address: '127.0.0.1', extraHosts: i.extraHosts ?? [], links: [] }),
    resolvConf: resolvConf({ host: hostResolv, noNameservers: mode === 'none' }),
  };
}

/** A Kubernetes pod's DNS settings (the CRI's DNSConfig). */
export interface PodDnsConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

/**
 * A CRI pod's resolv.conf, as containerd writes it: the DNSConfig's servers, searches and options
 * as given (kubelet has made them; none dropped, no default added); the host's file as it is when
 * the config is absent or empty.
 */
export async function podResolvConf(dns: PodDnsConfig | undefined, paths: HostFilePaths = HOST_FILES): Promise<string> {
  const servers = dns?.servers ?? [];
  const searches = dns?.searches ?? [];
  const options = dns?.options ?? [];
  if (!servers.length && !searches.length && !options.length) return readOr(paths.resolvConf, '');
  return resolvText([], searches, servers, options);
}

/** Where the embedded DNS forwards a container's other names: its --dns, else the host's nameservers. */
export function upstreamServers(host: string, dns?: string[]): string[] {
  if (dns && dns.length) return dns;
  return nameservers(host);
}
