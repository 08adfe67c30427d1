import { describe, expect, it } from '@jest/globals';
import { DetachScanner, parseDetachKeys } from './detach-keys';

describe('parseDetachKeys', () => {
  it('reads docker\'s format', () => {
    expect(parseDetachKeys('ctrl-p,ctrl-q')).toEqual({ bytes: Buffer.from([16, 17]) });
    expect(parseDetachKeys('ctrl-@,ctrl-_,a,Z,ctrl-\\')).toEqual({ bytes: Buffer.from([0, 31, 97, 90, 28]) });
  });
  it('refuses what moby/term refuses', () => {
    expect(parseDetachKeys('ctrl-P')).toEqual({ bad: 'ctrl-P' });
    expect(parseDetachKeys('ab')).toEqual({ bad: 'ab' });
    expect(parseDetachKeys('')).toEqual({ bad: '' });
    expect(parseDetachKeys('a,')).toEqual({ bad: '' });
  });
});

describe('DetachScanner', () => {
  it('detaches on the sequence, across chunks, and drops it', () => {
    const s = new DetachScanner();
    expect(s.push(Buffer.from('ab\x10'))).toEqual({ data: Buffer.from('ab'), detached: false });
    expect(s.push(Buffer.from('\x11rest'))).toEqual({ data: Buffer.from(''), detached: true });
  });
  it('passes a held-back prefix on when the sequence does not follow', () => {
    const s = new DetachScanner();
    expect(s.push(Buffer.from('\x10'))).toEqual({ data: Buffer.alloc(0), detached: false });
    expect(s.push(Buffer.from('x'))).toEqual({ data: Buffer.from('\x10x'), detached: false });
    expect(s.push(Buffer.from('\x10\x10\x11'))).toEqual({ data: Buffer.from('\x10'), detached: true });
  });
  it('a one-key sequence', () => {
    expect(new DetachScanner(Buffer.from([1])).push(Buffer.from('a\x01b'))).toEqual({ data: Buffer.from('a'), detached: true });
  });
});
