/** Test helpers: a busybox root filesystem and bundles in temp dirs (tests only; not built). */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildSpec } from '../build-spec';
import { writeContainerFiles } from '../container-files';
import type { SpecInput } from '../types';

const APPLETS = ['sh', 'echo', 'cat', 'true', 'false', 'sleep', 'env', 'id', 'ls', 'dd', 'yes', 'head', 'printf', 'kill', 'pwd', 'hostname', 'wc', 'tr', 'stty', 'read'];

export async function makeRootfs(dir: string): Promise<string> {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'home/alice']) await fs.mkdir(path.join(rootfs, d), { recursive: true });
  await fs.copyFile('/usr/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  await fs.chmod(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) await fs.symlink('busybox', path.join(rootfs, 'bin', a));
  await fs.writeFile(
    path.join(rootfs, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await fs.writeFile(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nwheel:x:10:root,alice\nalice:x:1000:\nstaff:x:50:alice\nnogroup:x:65534:\n');
  return rootfs;
}

export interface TestBundle {
  id: string;
  bundle: string;
  logPath: string;
  input: SpecInput;
}

export async function makeBundle(root: string, rootfs: string, over: Partial<SpecInput> = {}): Promise<TestBundle> {
  const id = `t${randomBytes(8).toString('hex')}`;
  const bundle = path.join(root, id);
  await fs.mkdir(bundle, { recursive: true });
  await writeContainerFiles(bundle, { hostname: 'testhost', hosts: '127.0.0.1\tlocalhost\n127.0.0.1\ttesthost\n', resolvConf: '' });
  const input: SpecInput = { id, rootfs, containerDir: bundle, hostname: 'testhost', network: 'none', cmd: ['true'], ...over };
  const spec = await buildSpec(input);
  await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
  return { id, bundle, logPath: path.join(bundle, `${id}-json.log`), input };
}

export async function tempDir(prefix = 'berth-runtime-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}
