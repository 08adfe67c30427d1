import * as path from 'node:path';

/**
 * The runtime's N-API addon (native/src/berth_runtime.c): mount(2), umount2(2), statx, tree removal,
 * libseccomp's compiler (native/src/seccomp_bpf.c).
 */
export interface RuntimeNative {
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
    cwd: string | null,
    cb: (err: NodeJS.ErrnoException | null) => void,
  ): void;
  umount(target: string, flags: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  /** statx's STATX_ATTR_MOUNT_ROOT; null when the kernel does not report it. Throws ENOENT & co. */
  isMountPoint(target: string): boolean | null;
  /** rm -r in one pool job, never following symlinks nor crossing into other file systems. */
  removeTree(target: string, cb: (err: NodeJS.ErrnoException | null) => void): void;
  /** libseccomp's version ("2.5.4"), null when libseccomp.so.2 cannot be loaded. */
  seccompVersion(): string | null;
  /** A filter compiled by libseccomp (seccomp-bpf.ts); throws on a libseccomp error. */
  seccompExportBpf(filter: import('./seccomp-bpf').SeccompFilterInput): { bpf: Buffer; unknown: string[] };
  readonly MS_RDONLY: number;
  readonly MS_NOSUID: number;
  readonly MS_NODEV: number;
  readonly MS_NOEXEC: number;
  readonly MS_SYNCHRONOUS: number;
  readonly MS_REMOUNT: number;
  readonly MS_DIRSYNC: number;
  readonly MS_NOATIME: number;
  readonly MS_NODIRATIME: number;
  readonly MS_BIND: number;
  readonly MS_REC: number;
  readonly MS_PRIVATE: number;
  readonly MS_SLAVE: number;
  readonly MS_SHARED: number;
  readonly MS_UNBINDABLE: number;
  readonly MS_RELATIME: number;
  readonly MS_STRICTATIME: number;
  readonly MNT_DETACH: number;
}

// src/ and dist/ sit at the same depth below the package root.
export const RUNTIME_NATIVE_PATH = path.join(__dirname, '..', 'native', 'build', 'Release', 'berth_runtime.node');

let cached: RuntimeNative | null | undefined;

/** The addon, or null when it is not built (the mount(8)/umount(8) commands are used then). */
export function runtimeNative(): RuntimeNative | null {
  if (cached === undefined) {
    if (process.env.BERTH_NO_RUNTIME_ADDON === '1') {
      cached = null;
    } else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon is loaded by path, once; a missing build falls back to mount(8)
        cached = require(RUNTIME_NATIVE_PATH) as RuntimeNative;
      } catch {
        cached = null;
      }
    }
  }
  return cached;
}

/** Tests: force the addon (a value), the mount(8) commands (null), or the default (undefined). */
export function overrideRuntimeNative(n: RuntimeNative | null | undefined): void {
  cached = n;
}
