import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { Builder, type BuildBackend, type BuildOptions, type BuildOutput, type BuildResult } from '@berth/builder';
import { InvalidArgumentError, messageOf } from '@berth/errdefs';
import { removeTree } from '@berth/fs';
import { familiarString, withDefaultTag, type Reference } from '@berth/oci';
import { parseNamed } from '../images/image-tagger';
import type { Logger } from '@berth/log';
import { ContextHasher } from './context-digests';
import type { BuildContainers } from './build-containers';
import type { BuildHostConfig } from './daemon-build-backend';

/** The query of `POST /build`, parsed. */
export type BuildRequest = Pick<BuildOptions<BuildHostConfig>, 'dockerfile' | 'buildArgs' | 'labels' | 'target' | 'noCache' | 'rm' | 'forceRm' | 'pull' | 'platform' | 'cacheFrom' | 'extraHosts' | 'networkMode' | 'resources'> & {
  tags: string[];
};

export interface BuildServiceDeps {
  backend: BuildBackend<BuildHostConfig>;
  /** Extracts the context tar (plain or gzip) into an empty dir; hostile entries are refused. */
  unpackContext(input: Readable, dir: string, signal?: AbortSignal): Promise<void>;
  /** The data root's tmp/ (same filesystem as the layer store). */
  tmpDir: string;
  logger: Logger;
  /** Lists each build's intermediate containers while it runs (removed at start after a crash). */
  buildContainers?: BuildContainers;
}

/** `POST /build`: the context tar into a temp dir, the legacy builder over it, the dir removed. */
export class BuildService {
  private readonly builder: Builder<BuildHostConfig>;

  constructor(private readonly deps: BuildServiceDeps) {
    this.builder = new Builder(deps.backend);
  }

  /**
   * Checks and normalises `-t` values before anything is read: `foo` -> `foo:latest`; each once
   * (moby's sanitizeRepoAndTags: ParseNormalizedNamed, so 64 hex digits are refused, and no
   * digest), so that no tag the tag step would refuse leaves an untagged image after the build.
   */
  static normaliseTags(tags: string[]): string[] {
    const all = tags.map((t) => {
      let ref: Reference;
      try {
        ref = parseNamed(t);
      } catch (e) {
        throw new InvalidArgumentError(`invalid reference format: ${t}: ${messageOf(e)}`);
      }
      if (ref.digest !== undefined) throw new InvalidArgumentError('build tag cannot contain a digest');
      return familiarString(withDefaultTag(ref));
    });
    return [...new Set(all)];
  }

  async build(req: BuildRequest, context: Readable, out: BuildOutput, signal?: AbortSignal): Promise<BuildResult> {
    await fs.mkdir(this.deps.tmpDir, { recursive: true });
    const dir = path.join(this.deps.tmpDir, `build-ctx-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir);
    try {
      // the files are hashed on the way through (COPY's cache key), the tar goes on to the extractor
      const hasher = new ContextHasher();
      context.on('error', (e) => hasher.destroy(e));
      context.pipe(hasher);
      try {
        await this.deps.unpackContext(hasher, dir, signal);
      } catch (e) {
        throw new InvalidArgumentError(`build context: ${messageOf(e)}`, { cause: e });
      }
      const opts: BuildOptions<BuildHostConfig> = {
        contextDir: dir,
        tmpDir: this.deps.tmpDir,
        ...(hasher.digests() ? { contextDigests: hasher.digests()! } : {}),
        tags: req.tags,
        ...(req.dockerfile ? { dockerfile: req.dockerfile } : {}),
        ...(req.buildArgs ? { buildArgs: req.buildArgs } : {}),
        ...(req.labels ? { labels: req.labels } : {}),
        ...(req.target ? { target: req.target } : {}),
        noCache: Boolean(req.noCache),
        rm: req.rm !== false,
        forceRm: Boolean(req.forceRm),
        pull: Boolean(req.pull),
        ...(req.platform ? { platform: req.platform } : {}),
        ...(req.cacheFrom?.length ? { cacheFrom: req.cacheFrom } : {}),
        ...(req.extraHosts?.length ? { extraHosts: req.extraHosts } : {}),
        ...(req.networkMode ? { networkMode: req.networkMode } : {}),
        ...(req.resources ? { resources: req.resources } : {}),
        ...(signal ? { signal } : {}),
      };
      const run = (): Promise<BuildResult> => this.builder.build(opts, out);
      try {
        return await (this.deps.buildContainers ? this.deps.buildContainers.track(run) : run());
      } catch (e) {
        // the client gets the message without host paths (publicMessage); the log keeps it whole
        this.deps.logger.debug({ err: messageOf(e) }, 'build failed');
        throw e;
      }
    } finally {
      // by fd past PATH_MAX: a context's own paths are measured from its root, not from the data root
      await removeTree(dir).catch((e: unknown) => this.deps.logger.warn({ dir, err: messageOf(e) }, 'build: removing the context'));
    }
  }
}
