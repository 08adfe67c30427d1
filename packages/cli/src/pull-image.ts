import type { Writable } from 'node:stream';
import type { AuthConfig } from '@berth/api';
import type { BerthClient } from '@berth/client';
import { DEFAULT_TAG, parseReference, repositoryName } from '@berth/oci';
import { printJsonMessages } from './json-messages-output';

/**
 * Pulls `image` (normalised like docker: `busybox` → `docker.io/library/busybox`, tag `latest`)
 * and prints the progress to `out`. `auth` (from `berth login`) goes in `X-Registry-Auth`.
 */
export async function pullImage(client: BerthClient, image: string, out: Writable, platform?: string, auth?: AuthConfig): Promise<void> {
  const ref = parseReference(image);
  const tag = ref.digest ?? ref.tag ?? DEFAULT_TAG;
  const fromImage = repositoryName(ref);
  const msgs = await client.images.pull({ fromImage, tag, platform, ...(auth ? { auth } : {}) });
  await printJsonMessages(msgs, out);
}
