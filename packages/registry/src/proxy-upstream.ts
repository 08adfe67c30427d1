import { Readable } from 'node:stream';
import { UnavailableError, codeOf, messageOf } from '@berth/errdefs';
import { type Index, type Manifest, type Reference, isDigest, isIndexMediaType } from '@berth/oci';
import { type Credentials, RegistryClient } from '@berth/registry-client';
import type { BlobStore } from './blob-store';
import type { Logger } from '@berth/log';
import type { ManifestRow, RegistryMetadata } from './registry-metadata';

export interface ProxyRemoteConfig {
  /** Upstream registry, e.g. `https://registry-1.docker.io` or `http://127.0.0.1:5001`. */
  url: string;
  credentials?: Credentials;
}

/** Where a pull-through cache gets what it does not have. */
export interface Upstream {
  /** Fetches a manifest from upstream and stores it; undefined when upstream has none. */
  manifest(repository: string, reference: string): Promise<ManifestRow | undefined>;
  /** Fetches a blob from upstream into the store and links it; false when upstream has none. */
  blob(repository: string, digest: string): Promise<boolean>;
}

/**
 * The pull-through cache's upstream, spoken to with berth's own registry client (auth,
 * retries, verification). Everything fetched is stored and linked as if it had been pushed,
 * so it is served again when upstream is gone.
 */
export class ProxyUpstream implements Upstream {
  private readonly client: RegistryClient;
  private readonly domain: string;
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(
    config: ProxyRemoteConfig,
    private readonly blobs: BlobStore,
    private readonly meta: RegistryMetadata,
    private readonly log: Logger,
  ) {
    const u = new URL(config.url);
    this.domain = u.host;
    const creds = config.credentials;
    this.client = new RegistryClient({
      ...(u.protocol === 'http:' ? { insecureRegistries: [u.host] } : {}),
      ...(creds ? { credentials: () => creds } : {}),
      retry: { attempts: 2, baseDelayMs: 100 },
      logger: log,
      userAgent: 'berth-registry-proxy/0.1',
    });
  }

  private ref(repository: string, reference: string): Reference {
    return isDigest(reference) ? { domain: this.domain, path: repository, digest: reference } : { domain: this.domain, path: repository, tag: reference };
  }

  async manifest(repository: string, reference: string): Promise<ManifestRow | undefined> {
    let m;
    try {
      m = await this.client.fetchManifest(this.ref(repository, reference));
    } catch (e) {
      if (codeOf(e) === 'NOT_FOUND') return undefined;
      throw new UnavailableError(`upstream ${this.domain}: ${messageOf(e)}`, { cause: e });
    }
    const doc = JSON.parse(m.bytes.toString('utf8')) as Manifest | Index;
    const children = isIndexMediaType(m.mediaType)
      ? (doc as Index).manifests.map((d) => d.digest)
      : [(doc as Manifest).config.digest, ...(doc as Manifest).layers.map((l) => l.digest)];
    await this.blobs.write(Readable.from([m.bytes]), { digest: m.digest, size: m.bytes.length });
    const row = { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    await this.meta.putManifest(repository, row, children, isDigest(reference) ? undefined : reference);
    this.log.debug({ repository, reference, digest: m.digest }, 'proxy: manifest cached');
    return row;
  }

  blob(repository: string, digest: string): Promise<boolean> {
    const key = `${repository}@${digest}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchBlob(repository, digest)
        .catch((e: unknown) => {
          if (codeOf(e) === 'NOT_FOUND') return false;
          throw codeOf(e) === 'DATA_LOSS' ? e : new UnavailableError(`upstream ${this.domain}: ${messageOf(e)}`, { cause: e });
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetchBlob(repository: string, digest: string): Promise<boolean> {
    const ref = this.ref(repository, digest);
    const have = await this.blobs.stat(digest);
    if (have) {
      // Stored for another repository: link it here once upstream confirms this one has it.
      if (!(await this.client.statBlob(ref, digest))) return false;
      await this.meta.linkBlob(repository, digest, have.size);
      return true;
    }
    const st = await this.client.statBlob(ref, digest);
    if (!st) return false;
    const info = await this.blobs.write(this.client.fetchBlob(ref, { mediaType: 'application/octet-stream', digest, size: st.size }), { digest, size: st.size });
    await this.meta.linkBlob(repository, digest, info.size);
    this.log.debug({ repository, digest, size: info.size }, 'proxy: blob cached');
    return true;
  }
}

/** Whether an upstream failure should fall back to the cache (upstream down) rather than fail. */
export function upstreamUnavailable(e: unknown): boolean {
  const c = codeOf(e);
  return c === 'UNAVAILABLE' || c === 'CANCELLED' || /ECONNREFUSED|ECONNRESET|socket hang up/.test(messageOf(e));
}
