import { encodeRegistryAuth, type AuthConfig } from '@berth/api';
import { InvalidArgumentError, isNotFound } from '@berth/errdefs';
import { normalizeReference, parseReference, formatReference } from '@berth/oci';
import type { CriImage, CriImageBackend } from './deps';
import type { Message, UnaryHandler } from './grpc-handlers';

/** `docker.io/library/busybox:latest` for `busybox` (CRI clients show and match full names). */
export function fullReference(familiar: string): string {
  try {
    return formatReference(parseReference(familiar));
  } catch {
    return familiar;
  }
}

/** The uid part of an image's USER when numeric (CRI's `uid`), else its name (`username`). */
function imageUser(user: string): { uid?: number; username: string } {
  const u = user.split(':')[0] ?? '';
  if (u === '') return { uid: 0, username: '' };
  if (/^\d+$/.test(u)) return { uid: Number(u), username: '' };
  return { username: u };
}

export function toCriImage(i: CriImage, pinned: ReadonlySet<string> = new Set()): Message {
  const u = imageUser(i.user);
  const tags = i.repoTags.map(fullReference);
  return {
    id: i.id,
    repo_tags: tags,
    repo_digests: i.repoDigests.map(fullReference),
    size: i.size,
    uid: u.uid === undefined ? null : { value: u.uid },
    username: u.username,
    spec: { image: i.id, annotations: {} },
    pinned: tags.some((t) => pinned.has(t)),
  };
}

/** A CRI AuthConfig as the `X-Registry-Auth` the registry client takes. */
export function authHeaderOf(auth: Message | null | undefined): string | undefined {
  if (!auth) return undefined;
  const a: AuthConfig = {};
  if (auth.username) a.username = auth.username;
  if (auth.password) a.password = auth.password;
  if (auth.auth && !a.username) {
    const decoded = Buffer.from(String(auth.auth), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) throw new InvalidArgumentError('auth: not base64 of "username:password"');
    a.username = decoded.slice(0, i);
    a.password = decoded.slice(i + 1);
  }
  if (auth.server_address) a.serveraddress = auth.server_address;
  if (auth.identity_token) a.identitytoken = auth.identity_token;
  if (auth.registry_token) a.registrytoken = auth.registry_token;
  return Object.keys(a).length ? encodeRegistryAuth(a) : undefined;
}

function imageRef(spec: Message | null | undefined): string {
  const ref = spec?.image as string | undefined;
  if (!ref) throw new InvalidArgumentError('image: no image given');
  return ref;
}

/**
 * ImageService (PullImage, ListImages, ImageStatus, RemoveImage, ImageFsInfo) over the daemon's
 * image store. `pinnedRefs` (the pod-infra image) are reported pinned: kubelet's image GC keeps them.
 */
export function imageServiceHandlers(images: CriImageBackend, pinnedRefs: string[] = []): Record<string, UnaryHandler> {
  const pinned = new Set(pinnedRefs.map((r) => {
    try {
      return normalizeReference(r);
    } catch {
      return r;
    }
  }));
  const view = (i: CriImage): Message => toCriImage(i, pinned);
  return {
    ListImages: async (req) => {
      const want = req.filter?.image?.image as string | undefined;
      let list = await images.list();
      if (want) {
        const hit = await images.find(want);
        list = hit ? [hit] : [];
      }
      return { images: list.map(view) };
    },
    ImageStatus: async (req) => {
      const hit = await images.find(imageRef(req.image));
      // the CRI: an absent image is an empty answer, not an error
      return { image: hit ? view(hit) : null, info: {} };
    },
    PullImage: async (req, call) => {
      const ref = imageRef(req.image);
      let normalized: string;
      try {
        normalized = normalizeReference(ref);
      } catch (e) {
        throw new InvalidArgumentError(`image "${ref}": ${(e as Error).message}`);
      }
      const ac = new AbortController();
      call.on('cancelled', () => ac.abort());
      const authHeader = authHeaderOf(req.auth);
      const { imageId } = await images.pull(normalized, { signal: ac.signal, ...(authHeader ? { authHeader } : {}) });
      return { image_ref: imageId };
    },
    RemoveImage: async (req) => {
      const hit = await images.find(imageRef(req.image));
      if (!hit) return {}; // the CRI: removing an absent image succeeds
      try {
        await images.remove(hit.id);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return {};
    },
    ImageFsInfo: async () => {
      const u = await images.fsUsage();
      const fs = {
        timestamp: Date.now() * 1e6,
        fs_id: { mountpoint: u.mountpoint },
        used_bytes: { value: u.usedBytes },
        inodes_used: { value: u.inodesUsed },
      };
      return { image_filesystems: [fs], container_filesystems: [] };
    },
  };
}

