import { describe, expect, test } from '@jest/globals';
import { applyImageChanges } from './image-changes';

describe('applyImageChanges', () => {
  test('CMD and ENTRYPOINT, exec and shell form', () => {
    expect(applyImageChanges({}, ['CMD ["sh"]']).Cmd).toEqual(['sh']);
    expect(applyImageChanges({}, ['CMD sh -c x']).Cmd).toEqual(['/bin/sh', '-c', 'sh -c x']);
    expect(applyImageChanges({}, ['entrypoint ["/bin/app","--x"]']).Entrypoint).toEqual(['/bin/app', '--x']);
  });
  test('ENV both forms, replacing earlier values', () => {
    const c = applyImageChanges({ Env: ['PATH=/bin', 'A=0'] }, ['ENV A=1', 'ENV B two words', 'ENV C="x y" D=z']);
    expect(c.Env).toEqual(['PATH=/bin', 'A=1', 'B=two words', 'C=x y', 'D=z']);
  });
  test('LABEL, EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, ONBUILD', () => {
    const c = applyImageChanges({}, ['LABEL a=1 "b"="two 2"', 'EXPOSE 80 53/udp', 'VOLUME ["/data"]', 'VOLUME /a /b', 'WORKDIR /srv', 'USER 1000:1000', 'STOPSIGNAL SIGINT', 'ONBUILD RUN x']);
    expect(c.Labels).toEqual({ a: '1', b: 'two 2' });
    expect(c.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(c.Volumes).toEqual({ '/data': {}, '/a': {}, '/b': {} });
    expect(c.WorkingDir).toBe('/srv');
    expect(c.User).toBe('1000:1000');
    expect(c.StopSignal).toBe('SIGINT');
    expect(c.OnBuild).toEqual(['RUN x']);
  });
  test('a LABEL or VOLUME named "__proto__" is kept as one (an own key), as Go keeps it', () => {
    const c = applyImageChanges({ Labels: { a: '1' } }, ['LABEL __proto__=x', 'VOLUME __proto__']);
    expect(Object.entries(c.Labels ?? {})).toEqual([['a', '1'], ['__proto__', 'x']]);
    expect(Object.keys(c.Volumes ?? {})).toEqual(['__proto__']);
  });
  test('bad changes are invalid arguments', () => {
    expect(() => applyImageChanges({}, ['RUN echo'])).toThrow(/not a valid change command/);
    expect(() => applyImageChanges({}, ['LABEL nokey'])).toThrow();
    expect(() => applyImageChanges({}, ['EXPOSE eighty'])).toThrow();
    expect(() => applyImageChanges({}, ['WORKDIR'])).toThrow();
    expect(() => applyImageChanges({}, ['ENV A="unterminated'])).toThrow();
  });
});
