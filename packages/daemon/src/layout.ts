import * as path from 'node:path';

/**
 * The data root, drawn in one place (see docs/LAYOUT.md). Every path berthd uses under
 * `--data-root` is built here and nowhere else.
 *
 *   berth.db                   SQLite: images, references, layers, containers, ...
 *   content/sha256/<hex>       blobs (image-store)
 *   layers/<diffIdHex>/diff    unpacked layers (image-store); layers/l/<short> links
 *   containers/<id>/           bundle: config.json, rootfs/, upper/, work/, hostname,
 *                              hosts, resolv.conf, <id>-json.log, shim.sock, exit.json
 *   volumes/<name>/_data       named volumes
 *   runtime/                   the OCI runtime's state dir (`runc --root`)
 *   network/                   @berth/network's state dir (containers' netns files, ...)
 *   cri/                       @berth/cri's state dir (sandboxes/<id>.json, sandboxes/<id>/)
 *   tmp/                       ingest in progress; emptied at start
 *   engine-id                  the daemon's ID (`docker info`'s ID), made once
 *   berthd.lock                held (flock) by the one berthd serving this root; holds its pid
 */
export class DataRoot {
  constructor(readonly root: string) {}

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
  get runtimeStateDir(): string {
    return path.join(this.root, 'runtime');
  }
  /** Seccomp filters compiled once (BPF, by a hash of the filter), handed to crun at each start. */
  get seccompCacheDir(): string {
    return path.join(this.root, 'seccomp');
  }
  /** @berth/network's own state dir (netns files bind-mounted there and the like). */
  get networkStateDir(): string {
    return path.join(this.root, 'network');
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
