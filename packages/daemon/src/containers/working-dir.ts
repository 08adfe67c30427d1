import { RootView, makeMissing } from '@berth/fs';

/**
 * Docker makes a container's working directory before the runtime runs (SetupWorkingDirectory:
 * FollowSymlinkInScope, then MkdirAll 0755 root): `-w /data` where the image's `/data` is a
 * link to a missing `/missing/x` makes `/missing/x`, and the process starts there. crun's and
 * runc's own creation of the cwd fails on the link (`chdir`: no such file; `mkdir /data`: file
 * exists). So it is followed in the mounted rootfs (@berth/fs, in the kernel, never leaving the
 * root, past the missing parts) and what is missing made by *at calls; in the rootfs alone, as
 * docker does it with no volume mounted. A file or a loop in the way is left to the runtime,
 * which reports it.
 */
export function createWorkingDir(rootfs: string, workingDir: string | undefined): void {
  if (!workingDir || !workingDir.startsWith('/')) return;
  const view = RootView.open(rootfs);
  try {
    const r = view.resolve(workingDir, { followLast: true, pastMissing: true });
    try {
      makeMissing(r, 'dir');
    } finally {
      r.close();
    }
  } catch {
    // left to the runtime
  } finally {
    view.close();
  }
}
