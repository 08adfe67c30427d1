import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { contextNameError, currentContextName, listContexts, readContext, removeContext, setCurrentContext, writeContext } from './context-store';

describe('context store (docker 28: expectations from `docker context use/create NAME`)', () => {
  it("docker's name rule", () => {
    expect(contextNameError('')).toBe('context name cannot be empty');
    expect(contextNameError('default')).toBe('"default" is a reserved context name');
    expect(contextNameError('x')).toBe('context name "x" is invalid, names are validated against regexp "^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$"');
    expect(contextNameError('.x')).toMatch(/is invalid/);
    expect(contextNameError('a/b')).toMatch(/is invalid/);
    expect(contextNameError('ab_c.d+e-f')).toBeUndefined();
  });

  it("docker's layout: meta.json under the name's sha256, currentContext in config.json", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
    try {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { r: {} } }));
      writeContext(dir, { Name: 'ab', Metadata: { Description: 'my d' }, Endpoints: { docker: { Host: 'unix:///x.sock', SkipTLSVerify: false } } });
      // the id docker gave `ab`
      const meta = path.join(dir, 'contexts/meta/fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603/meta.json');
      expect(fs.readFileSync(meta, 'utf8')).toBe('{"Name":"ab","Metadata":{"Description":"my d"},"Endpoints":{"docker":{"Host":"unix:///x.sock","SkipTLSVerify":false}}}');
      expect(listContexts(dir).map((c) => c.Name)).toEqual(['ab']);
      expect(currentContextName(dir)).toBe('default');
      setCurrentContext(dir, 'ab');
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ auths: { r: {} }, currentContext: 'ab' });
      expect(currentContextName(dir)).toBe('ab');
      setCurrentContext(dir, 'default');
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ auths: { r: {} } });
      removeContext(dir, 'ab');
      expect(() => readContext(dir, 'ab')).toThrow(`context "ab": context not found: open ${meta}: no such file or directory`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
