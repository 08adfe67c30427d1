import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConflictError, NotImplementedError, messageOf } from '@berth/errdefs';
import type { ImageRunConfig } from '@berth/oci';
import { tagReference } from '../images/image-tagger';
import { applyImageChanges } from '../images/image-changes';
import { checkConfigNumbers } from './validate-create';
import type { ContainerContext } from './container-context';
import type { ContainerLifecycle } from './container-lifecycle';
import type { CommitOptions } from './container-service';
import { ENGINE_VERSION } from '../engine-version';

/**
 * `docker commit`: the container's Config (plus the body's, plus the changes) becomes the new
 * image's config and its upper dir the new layer (deps.committer); a running container is
 * paused meanwhile unless told otherwise.
 */
export async function commitContainer(ctx: ContainerContext, lifecycle: ContainerLifecycle, ref: string, opts: CommitOptions): Promise<{ Id: string }> {
  const committer = ctx.deps.committer;
  if (!committer) throw new NotImplementedError('commit: not available (no image committer configured)');
  const e = ctx.mustGet(ref);
  const id = e.rec.id;
  if (opts.config) checkConfigNumbers(opts.config); // Go's decoder's refusals, before anything is done
  if (e.doomed || e.rec.state.status === 'removing' || e.rec.state.status === 'dead') {
    throw new ConflictError(`You cannot commit container ${id} which is dead or marked for removal`);
  }
  // moby's TagImage(id, repo, tag) (images/image-tagger.ts's join), checked before anything is
  // committed (as moby's RepoTagReference since 23.0; 20.10 tagged after, leaving an untagged
  // image); a tag without a repo is ignored, as both do
  let reference: string | undefined;
  if (opts.repo) {
    reference = tagReference(opts.repo, opts.tag);
    if (!ctx.deps.tagImage) throw new NotImplementedError('commit: tagging is not available (no tag step configured)');
  }
  const { Hostname, Domainname, User, ExposedPorts, Tty, OpenStdin, StdinOnce, Env, Cmd, Image, Volumes, WorkingDir, Entrypoint, OnBuild, Labels, StopSignal, StopTimeout, Shell, AttachStdin, AttachStdout, AttachStderr, Healthcheck } =
    e.rec.config;
  const containerConfig: ImageRunConfig = {
    Hostname, Domainname, User, AttachStdin, AttachStdout, AttachStderr, ExposedPorts, Tty, OpenStdin, StdinOnce,
    Env, Cmd, Image, Volumes, WorkingDir, Entrypoint, OnBuild, Labels,
    ...(StopSignal ? { StopSignal } : {}),
    // moby commits the container's whole Config when the body has none (the docker CLI sends none):
    // StopTimeout and Shell too (omitempty)
    ...(StopTimeout !== undefined && StopTimeout !== null ? { StopTimeout } : {}),
    ...(Shell && Shell.length > 0 ? { Shell } : {}),
    // int64s kept exact: the image store writes and reads image configs as Go does (@berth/oci json-exact)
    ...(Healthcheck ? { Healthcheck } : {}),
  };
  const fromBody: ImageRunConfig = {};
  for (const [k, v] of Object.entries(opts.config ?? {})) {
    if (v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) (fromBody as Record<string, unknown>)[k] = v;
  }
  const config = applyImageChanges({ ...containerConfig, ...fromBody }, opts.changes ?? []);
  // docker (daemon/commit.go) ignores a failed pause: a container that is just exiting is committed as it is
  let pause = opts.pause !== false && e.rec.state.status === 'running';
  // The pause is the commit's, not the user's: a marker in the bundle says so, so that a daemon
  // killed meanwhile unpauses the container at its next start (container-restore.ts).
  const marker = commitPauseMarker(ctx.layout.containerDir(id));
  if (pause) {
    await fs.writeFile(marker, '');
    await lifecycle.pause(id).catch((err) => {
      pause = false;
      ctx.log.debug({ id, err: messageOf(err) }, 'commit: not paused');
    });
    if (!pause) await fs.rm(marker, { force: true });
  }
  try {
    const rec = await committer.commit({
      parent: e.rec.imageId,
      upperDir: await ctx.deps.snapshots.upperDir(id),
      config,
      containerConfig,
      containerId: id,
      author: opts.author,
      comment: opts.comment,
      dockerVersion: ENGINE_VERSION,
      signal: opts.signal,
    });
    // as moby: the image, then its tag (an `image tag` event), then the container's `commit` event
    const imageRef = reference !== undefined ? await ctx.deps.tagImage!(rec.id, reference) : '';
    ctx.emit(e, 'commit', { comment: opts.comment ?? '', imageID: rec.id, imageRef });
    return { Id: rec.id };
  } finally {
    if (pause) {
      await lifecycle.unpause(id).catch((err) => ctx.log.warn({ id, err: messageOf(err) }, 'commit: unpause'));
      await fs.rm(marker, { force: true });
    }
  }
}

/** The file saying that a container is paused by a commit in progress (not by the user). */
export function commitPauseMarker(containerDir: string): string {
  return path.join(containerDir, 'commit-paused');
}
