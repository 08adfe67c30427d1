import { fstatSync, promises as fs } from 'node:fs';
import { InvalidArgumentError, NotFoundError } from '@berth/errdefs';
import { RootView, fdPath, type ResolvedPath } from '@berth/fs';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** Home directory from /etc/passwd, used for HOME; "/" when unknown. */
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2 ** 31 - 1;
const MAX_ETC_SIZE = 16 * 1024 * 1024;

/**
 * The container's /etc/<file> as it sees it: resolved in the rootfs's scope (RootView: links,
 * absolute or climbing, stay inside the root, the last one followed too), checked and read by its
 * fd, never by a host path (a rootfs's `/etc -> ../../../../etc` or `/etc -> /host/x`, or a
 * running container swapping its /etc, would make the host kernel read the host's file). A file
 * that is missing, not a regular file or over 16 MiB reads as empty, as before.
 */
async function readEtc(rootfs: string, file: string): Promise<string> {
  let view: RootView;
  try {
    view = RootView.open(rootfs);
  } catch {
    return '';
  }
  try {
    let at: ResolvedPath;
    try {
      at = view.resolve(`/etc/${file}`, { followLast: true });
    } catch (e) {
      // no /etc, a file in the way, a symlink loop: no entries, as a missing file
      if (e instanceof NotFoundError || e instanceof InvalidArgumentError) return '';
      throw e;
    }
    try {
      if (at.fd < 0) return '';
      // the type on the O_PATH fd first: opening a FIFO or a device is never done
      const held = fstatSync(at.fd);
      if (!held.isFile() || held.size > MAX_ETC_SIZE) return '';
      const fh = await fs.open(fdPath(at.fd), 'r');
      try {
        const st = await fh.stat();
        if (st.ino !== held.ino || st.dev !== held.dev || !st.isFile() || st.size > MAX_ETC_SIZE) return '';
        return await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
    } finally {
      at.close();
    }
  } finally {
    view.close();
  }
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0], uid, gid, home: f[5] || '/' });
  }
  return out;
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0], gid, members: f[3] ? f[3].split(',').filter(Boolean) : [] });
  }
  return out;
}

function numeric(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  if (n > MAX_ID) throw new InvalidArgumentError(`user "${s}": id out of range`);
  return n;
}

/**
 * Resolves Docker's `User` ("", "uid", "uid:gid", "name", "name:group", "uid:group", ...) and
 * GroupAdd against the rootfs's /etc/passwd and /etc/group, the way runc's libcontainer/user does:
 * a numeric uid need not exist in passwd; a name must; supplementary groups come from /etc/group
 * memberships of the user name plus groupAdd.
 */
export async function resolveUser(rootfs: string, user?: string, groupAdd: string[] = []): Promise<ResolvedUser> {
  const spec = (user ?? '').trim();
  const [userPart, groupPart] = spec === '' ? ['', undefined] : (spec.split(':', 2) as [string, string | undefined]);
  const passwd = parsePasswd(await readEtc(rootfs, 'passwd'));
  let groups: GroupEntry[] | undefined;
  const loadGroups = async (): Promise<GroupEntry[]> => (groups ??= parseGroup(await readEtc(rootfs, 'group')));

  let uid = 0;
  let gid = 0;
  let home = '/';
  let name: string | undefined;
  if (userPart === '') {
    const root = passwd.find((p) => p.uid === 0);
    if (root) {
      gid = root.gid;
      home = root.home;
      name = root.name;
    }
  } else {
    const n = numeric(userPart);
    const entry = n !== undefined ? passwd.find((p) => p.uid === n) : passwd.find((p) => p.name === userPart);
    if (n === undefined && !entry) {
      throw new InvalidArgumentError(`unable to find user ${userPart}: no matching entries in passwd file`);
    }
    uid = n ?? entry!.uid;
    if (entry) {
      gid = entry.gid;
      home = entry.home;
      name = entry.name;
    }
  }
  if (groupPart !== undefined && groupPart !== '') {
    const n = numeric(groupPart);
    if (n !== undefined) gid = n;
    else {
      const g = (await loadGroups()).find((e) => e.name === groupPart);
      if (!g) throw new InvalidArgumentError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const additional = new Set<number>();
  if (name !== undefined && (groupPart === undefined || groupPart === '')) {
    // Supplementary groups (runc's GetExecUser): only in the implicit form ("user", not
    // "user:group"), every group in /etc/group listing the user name as a member.
    for (const g of await loadGroups()) if (g.members.includes(name)) additional.add(g.gid);
  }
  for (const ga of groupAdd) {
    const n = numeric(ga);
    if (n !== undefined) additional.add(n);
    else {
      const g = (await loadGroups()).find((e) => e.name === ga);
      if (!g) throw new InvalidArgumentError(`unable to find group ${ga}: no matching entries in group file`);
      additional.add(g.gid);
    }
  }
  additional.delete(gid);
  return { uid, gid, additionalGids: [...additional].sort((a, b) => a - b), home };
}
