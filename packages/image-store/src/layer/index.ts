/**
 * Layer tar I/O for @berth/image-store: layer tars into directories (unpackLayer) and
 * directories into tars (packDirectory). Internal to the package: src/index.ts re-exports what
 * it chooses.
 */
export { unpackLayer, type UnpackResult, type UnpackLayerOptions } from './unpack-layer';
export { copiedXattrs, packDirectory, type PackDirectoryOptions, type PackMode } from './pack-directory';
export { type LayerLimits, DEFAULT_LAYER_LIMITS } from './layer-limits';
export { detectCompression, decompressor, asDataLoss, type LayerCompression } from './decompress';
export { OPAQUE_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './whiteout';
export { readTar } from './read-tar';
export { TypeFlag, deviceEntrySkipped, entryTimes, exactOfNs, mknodIgnorable, xattrIgnorable, xattrsToApply, type ExactTime, type TarEntry, type TarSink } from './tar-entry';
export { runningInUserNs } from './user-namespace';
