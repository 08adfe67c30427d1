import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { checkImageReference } from './image-reference';

describe('checkImageReference', () => {
  it('accepts what docker accepts', () => {
    for (const r of ['busybox', 'busybox:local', 'trace/busybox:v1', '127.0.0.1:5000/trace/busybox:v1', 'localhost/x', `x@sha256:${'a'.repeat(64)}`, 'a__b', 'a--b']) {
      expect(() => checkImageReference(r)).not.toThrow();
    }
  });
  it('refuses what docker refuses, with an InvalidArgumentError', () => {
    for (const r of ['UPPER', 'bad:tag:x', 'a/', '-x', '']) expect(() => checkImageReference(r)).toThrow(InvalidArgumentError);
  });
});
