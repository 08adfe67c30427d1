/** OCI/aufs whiteout names in layer tars and their overlayfs forms on disk. */
export const WHITEOUT_PREFIX = '.wh.';
/** Names starting with this are whiteout metadata, not whiteouts of a file. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';
/** In a directory of a layer tar: hide everything below that directory in lower layers. */
export const WHITEOUT_OPAQUE = '.wh..wh..opq';
/** The xattr overlayfs reads to treat an upper directory as opaque (value "y"). */
export const OPAQUE_XATTR = 'trusted.overlay.opaque';
