/** Lowercase name components with an optional tag: valid for sure, no need to load the parser. */
const SIMPLE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?$/;

/**
 * Checks an image reference the way the docker CLI does before `create` (docker prints
 * `invalid reference format...` and exits 125). The common simple case skips loading @berth/oci.
 */
export function checkImageReference(image: string): void {
  if (image.length <= 255 && SIMPLE.test(image)) return;
  const { parseReference } = require('@berth/oci') as typeof import('@berth/oci');
  parseReference(image);
}
