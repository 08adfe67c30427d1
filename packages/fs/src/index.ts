/**
 * @berth/fs: paths inside a container's root or a volume, resolved and opened in the kernel
 * (openat2 from file descriptors held open), and the *at calls that act on what was resolved.
 * The one resolver of the codebase: the daemon (docker cp, archive, the fs view, volume
 * copy-up), the builder (COPY/ADD) and image-store use it.
 */
export { RootView, isWithin, cleanPath, fdPath, makeMissing, type ViewMount, type ViewMountInput, type ResolvedPath, type ResolveOptions } from './root-view';
export { removeTree, removeTreeSync } from './remove-tree';
export { fsNative as fsAt, BATCH_FIELDS, type FsNative, type PathLike } from './native';
