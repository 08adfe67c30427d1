/** The version berthd reports as its engine version (Docker 20.10 semantics, berth build): /version, info, the Server header, an image's docker_version. */
export const ENGINE_VERSION = '20.10.24+berth.0.1.0';
