import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** berthd's data root when none is given. */
export const DEFAULT_DATA_ROOT = '/var/lib/berth';
/** The exec root of the default data root (dockerd's --exec-root is /var/run/docker). */
export const DEFAULT_EXEC_ROOT = '/run/berth';
/** Where the exec roots of other data roots go, one per data root (see defaultExecRoot). */
export const EXEC_ROOTS_DIR = '/run/berth-roots';

/**
 * The exec root a data root gets when `--exec-root` is not given: /run/berth for the default
 * data root; for any other, `/run/berth-roots/<16 hex>`, the start of the sha256 of the data
 * root's real path. So daemons on different data roots (the test suite starts dozens at once)
 * never share one, and a daemon restarted on the same data root finds its shims again. A data
 * root moved or renamed while its containers run gets another exec root: they are then reported
 * exited, as after a reboot.
 */
export function defaultExecRoot(dataRoot: string): string {
  const abs = path.resolve(dataRoot);
  let real = abs;
  try {
    real = fs.realpathSync(abs);
  } catch {
    /* not made yet: its path as given */
  }
  if (real === DEFAULT_DATA_ROOT || abs === DEFAULT_DATA_ROOT) return DEFAULT_EXEC_ROOT;
  return path.join(EXEC_ROOTS_DIR, createHash('sha256').update(real).digest('hex').slice(0, 16));
}

/**
 * The data root, drawn in one place (see docs/LAYOUT.md). Every path berthd uses under
 * `--data-root` is built here and nowhere else.
 *
 *   berth.db                   SQLite: images, references, layers, containers, ...
 *   content/sha256/<hex>       blobs (image-store)
 *   layers/<diffIdHex>/diff    unpacked layers (image-store); layers/l/<short> links
 *   containers/<id>/           bundle: config.json, rootfs/, upper/, work/, hostname,
 *                              hosts, resolv.conf, <id>-json.log (the shim's files are on
 *                              the exec root, with `--exec-root` = the data root here)
 *   volumes/<name>/_data       named volumes
 *   cri/                       @berth/cri's state dir (sandboxes/<id>.json, sandboxes/<id>/)
 *   tmp/                       ingest in progress; emptied at start
 *   engine-id                  the daemon's ID (`docker info`'s ID), made once
 *   berthd.lock                held (flock) by the one berthd serving this root; holds its pid
 *
 * The exec root (`--exec-root`, defaultExecRoot; a tmpfs: emptied by a reboot) holds what only
 * matters while the machine runs, so that a full data root cannot stop `docker exec`:
 *
 *   runtime/<runc|crun>/       the OCI runtimes' state dirs (`--root`)
 *   containers/<id>/           the container's shim: shim.sock, shim.log, init.pid, exit.json
 *   containers/<id>/exec/<e>/  an exec's (or a health probe's, `health-<hex>`) process.json and shim files
 *   network/netns/<id>         a container's network namespace (@berth/network's state dir)
 *   berthd.lock                held (flock) by the one berthd using this exec root
 *   data-root                  the real path of the data root whose state this is: another
 *                              data root is refused while that state is left (claimExecRoot)
 */
export class DataRoot {
  readonly execRoot: string;
  constructor(
    readonly root: string,
    execRoot?: string,
  ) {
    this.execRoot = execRoot ?? defaultExecRoot(root);
  }

  /** Both roots: what an error a client sees must not name (publicMessage). */
  get hostPaths(): string[] {
    return [this.root, this.execRoot];
  }

  get database(): string {
    return path.join(this.root, 'berth.db');
  }
  /** What image-store is given as its own root: it lays out content/, layers/ and tmp/ beneath. */
  get imageStoreRoot(): string {
    return this.root;
  }
  get containersDir(): string {
    return path.join(this.root, 'containers');
  }
  containerDir(id: string): string {
    return path.join(this.root, 'containers', id);
  }
  containerRootfs(id: string): string {
    return path.join(this.containerDir(id), 'rootfs');
  }
  containerLog(id: string): string {
    return path.join(this.containerDir(id), `${id}-json.log`);
  }
  get volumesDir(): string {
    return path.join(this.root, 'volumes');
  }
  volumeData(name: string): string {
    return path.join(this.root, 'volumes', name, '_data');
  }
  /** Beside a volume's `_data` while the image's content is copied up into it (a crash leaves it). */
  volumeCopyUpMarker(name: string): string {
    return path.join(this.root, 'volumes', name, 'copy-up.partial');
  }
  /** The OCI runtimes' state dirs' parent (`runtime/<name>` is one's `--root`), on the exec root. */
  get runtimeStateDir(): string {
    return path.join(this.execRoot, 'runtime');
  }
  /** Where a berthd from before the exec root kept the OCI runtimes' state (`runtime/<name>` on the data root). */
  get legacyRuntimeStateDir(): string {
    return path.join(this.root, 'runtime');
  }
  /** Each container's runtime state on the exec root (its shim's files, its execs). */
  get containerStatesDir(): string {
    return path.join(this.execRoot, 'containers');
  }
  /** The container's shim's files: shim.sock, shim.log, init.pid, exit.json. */
  containerStateDir(id: string): string {
    return path.join(this.execRoot, 'containers', id);
  }
  /** An exec's own dir (process.json and its shim's files); health probes' are `health-<hex>`. */
  execDir(id: string, execId: string): string {
    return path.join(this.execRoot, 'containers', id, 'exec', execId);
  }
  get execRootLockFile(): string {
    return path.join(this.execRoot, 'berthd.lock');
  }
  /** The real path of the data root whose state the exec root holds (claimExecRoot). */
  get execRootOwnerFile(): string {
    return path.join(this.execRoot, 'data-root');
  }
  /** Seccomp filters compiled once (BPF, by a hash of the filter), handed to crun at each start. */
  get seccompCacheDir(): string {
    return path.join(this.root, 'seccomp');
  }
  /**
   * @berth/network's own state dir, on the exec root: the containers' network namespaces
   * (`netns/<id>`, nsfs bind mounts) only matter while the machine runs (dockerd's are in
   * `/var/run/docker/netns`), and a full data root must not stop a container's start.
   */
  get networkStateDir(): string {
    return path.join(this.execRoot, 'network');
  }
  /** @berth/cri's own state dir (its pods' network results, resolv.conf and hostname). */
  get criStateDir(): string {
    return path.join(this.root, 'cri');
  }
  /** CRI image volumes: an image's snapshot mounted per container mount (`<key>/rootfs`). */
  get criImageVolumesDir(): string {
    return path.join(this.root, 'cri', 'image-volumes');
  }
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }
  get lockFile(): string {
    return path.join(this.root, 'berthd.lock');
  }
  get engineIdFile(): string {
    return path.join(this.root, 'engine-id');
  }
}
