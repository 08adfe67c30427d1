/**
 * @berth/cri: the Kubernetes Container Runtime Interface (CRI v1, `runtime.v1`) served by berthd
 * beside the Engine API, over the daemon's image and container services (interfaces in deps.ts).
 */
export { CriServer, criSocketPath, DEFAULT_CRI_SOCKET, DEFAULT_CNI_CONF_DIR, DEFAULT_CNI_BIN_DIRS, DEFAULT_POD_INFRA_IMAGE, type CriServerOptions } from './cri-server';
export type { CriImage, CriImageBackend, CriContainerBackend, CriExecAttachment } from './deps';
export { loadCriServices, CRI_PROTO_PATH, CRI_LOADER_OPTIONS, type CriServices } from './cri-proto';
export { NAMESPACE_LABEL, CRI_NAMESPACE, KIND_LABEL, SANDBOX_LABEL } from './cri-labels';
export { criLogLine } from './cri-log-writer';
export type { CriContainerEvent, SubscribeContainerEvents } from './container-events';
export { parseStreamAddress, DEFAULT_STREAM_ADDRESS } from './streaming/streaming-server';
export { apparmorSecurityOpt, type CriAppArmor } from './apparmor-opt';
