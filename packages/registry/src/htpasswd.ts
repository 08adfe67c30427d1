import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { InvalidArgumentError } from '@berth/errdefs';

/**
 * Users from an htpasswd file with bcrypt entries (`user:$2y$...`), the format Debian's
 * docker-registry (and `htpasswd -B`) uses. Successful checks are cached by a hash of the
 * pair, since bcrypt is slow by design and a push makes many requests.
 */
export class Htpasswd {
  private readonly ok = new Set<string>();

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  static parse(text: string, source = 'htpasswd'): Htpasswd {
    const users = new Map<string, string>();
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const c = line.indexOf(':');
      if (c <= 0) throw new InvalidArgumentError(`${source}: line ${i + 1}: expected user:hash`);
      const hash = line.slice(c + 1);
      if (!/^\$2[aby]\$\d\d\$/.test(hash)) throw new InvalidArgumentError(`${source}: line ${i + 1}: only bcrypt entries are supported`);
      users.set(line.slice(0, c), hash);
    }
    return new Htpasswd(users);
  }

  static async load(file: string): Promise<Htpasswd> {
    return Htpasswd.parse(await readFile(file, 'utf8'), file);
  }

  has(user: string): boolean {
    return this.users.has(user);
  }

  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.users.get(user);
    if (!hash) return false;
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    if (this.ok.has(key)) return true;
    const good = await bcrypt.compare(password, hash);
    if (good) this.ok.add(key);
    return good;
  }
}
