/** Lowercase name components with an optional tag: valid for sure, no need to load the parser. */
const SIMPLE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?$/;

/**
 * Checks an image reference the way the docker CLI does before `create` (`run` prints
 * `docker: invalid reference format...` and exits 125, `create` prints it plainly, exit 1). The common simple case skips loading @berth/oci.
 */
export function checkImageReference(image: string): void {
  if (image.length <= 255 && SIMPLE.test(image)) return;
  const { parseReference } = require('@berth/oci') as typeof import('@berth/oci');
  try {
    parseReference(image);
  } catch (e) {
    throw asCliReferenceError(e);
  }
}

/**
 * A reference error in the docker CLI's words: an upper-case or too long name is named
 * (`invalid reference format: repository name (library/BAD) must be lowercase`); any other fault
 * of the grammar is the bare `invalid reference format`. Other errors pass unchanged.
 */
export function asCliReferenceError(e: unknown): unknown {
  const { ReferenceError } = require('@berth/oci') as typeof import('@berth/oci');
  if (!(e instanceof ReferenceError) || /repository name \(.*\) must be lowercase|must not be more than/.test(e.message)) return e;
  return new ReferenceError('invalid reference format', { cause: e });
}
