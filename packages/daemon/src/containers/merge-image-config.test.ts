import { describe, expect, it } from '@jest/globals';
import { mergeImageConfig, processOf } from './merge-image-config';

const image = {
  Env: ['PATH=/usr/bin:/bin', 'LANG=C'],
  Cmd: ['sh'],
  Entrypoint: ['/entry'],
  WorkingDir: '/app',
  User: 'nobody',
  Labels: { a: '1', b: '2' },
  StopSignal: 'SIGQUIT',
  ExposedPorts: { '80/tcp': {} },
};

describe('mergeImageConfig', () => {
  it("takes the image's HEALTHCHECK, field by field under the container's --health-* flags", () => {
    const hc = { Test: ['CMD-SHELL', 'check'], Interval: 5e9, Timeout: 2e9, Retries: 4 };
    expect(mergeImageConfig({ Image: 'x' }, { ...image, Healthcheck: hc }).Healthcheck).toEqual(hc);
    expect(mergeImageConfig({ Image: 'x', Healthcheck: { Interval: 1e9 } }, { ...image, Healthcheck: hc }).Healthcheck).toEqual({ ...hc, Interval: 1e9 });
    expect(mergeImageConfig({ Image: 'x', Healthcheck: { Test: ['NONE'] } }, { ...image, Healthcheck: hc }).Healthcheck!.Test).toEqual(['NONE']);
  });

  it('takes the image values the container does not set', () => {
    const m = mergeImageConfig({ Image: 'x', Labels: { b: '3' } }, image);
    expect(m.Env).toEqual(image.Env);
    expect(m.Entrypoint).toEqual(['/entry']);
    expect(m.Cmd).toEqual(['sh']);
    expect(m.WorkingDir).toBe('/app');
    expect(m.User).toBe('nobody');
    expect(m.Labels).toEqual({ a: '1', b: '3' });
    expect(m.StopSignal).toBe('SIGQUIT');
    expect(m.ExposedPorts).toEqual({ '80/tcp': {} });
  });

  it('appends image env variables the container does not set, after its own', () => {
    const m = mergeImageConfig({ Image: 'x', Env: ['LANG=fr', 'X=1'] }, image);
    expect(m.Env).toEqual(['LANG=fr', 'X=1', 'PATH=/usr/bin:/bin']);
  });

  it('a given Cmd replaces the image Cmd and keeps its Entrypoint', () => {
    const m = mergeImageConfig({ Image: 'x', Cmd: ['echo', 'hi'] }, image);
    expect(processOf(m)).toEqual({ path: '/entry', args: ['echo', 'hi'] });
  });

  it('a given Entrypoint resets the image Cmd', () => {
    const m = mergeImageConfig({ Image: 'x', Entrypoint: ['/bin/sh'] }, image);
    expect(m.Cmd).toBeNull();
    expect(processOf(m)).toEqual({ path: '/bin/sh', args: [] });
    const m2 = mergeImageConfig({ Image: 'x', Entrypoint: ['/bin/sh'], Cmd: ['-c', 'true'] }, image);
    expect(processOf(m2)).toEqual({ path: '/bin/sh', args: ['-c', 'true'] });
  });

  it('an explicit empty entrypoint drops the image entrypoint', () => {
    const m = mergeImageConfig({ Image: 'x', Entrypoint: [''], Cmd: ['echo', 'hi'] }, image);
    expect(processOf(m)).toEqual({ path: 'echo', args: ['hi'] });
  });

  it('no command at all is docker 400', () => {
    expect(() => processOf(mergeImageConfig({ Image: 'x' }, {}))).toThrow('No command specified');
  });
});
