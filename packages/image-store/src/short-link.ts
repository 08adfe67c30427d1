import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A 26-character base32 name for a layer's link under `layers/l/`, as Docker's overlay2
 * driver makes them: short enough that an overlay mount of ~120 layers fits the kernel's
 * one-page limit on mount options when the names are given relative to `layers/`.
 */
export function newShortLink(): string {
  const bytes = randomBytes(26);
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 31];
  return s;
}
