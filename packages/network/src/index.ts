/**
 * @berth/network: owns what berth creates on the host for networking (bridges, veth pairs,
 * addresses, network namespaces bind-mounted under its state dir, forwarding/NAT/port rules,
 * the embedded DNS resolver) and its records (networks, endpoints, published ports) in berth.db.
 * Never imports runtime, image-store or daemon.
 */
export type { PortBindingsRequest, AttachedEndpoint, AttachedPort, Attachment } from './network-types';
export type { NetworkCatalog, NetworkSummary, NetworkInfo, NetworkEndpointInfo, NetworkIpamConfig, NetworkCreateOptions } from './network-catalog';
export type { NetworkAttacher, EndpointRequest, ContainerNetworkRequest, ContainerNetworkSetup } from './network-attacher';
export type { NetworkManager, NetworkManagerConfig, NetworkEvent, AddressPool } from './network-manager';
export { openNetworkManager, type NetworkManagerInternals } from './open-network-manager';
export { networkSpawnCount } from './run-command';
export type { HostNet, BridgeSpec, VethSpec } from './host-net';
export { dialInNetns } from './dial-in-netns';
export { localContainerFiles, podResolvConf, type HostFilePaths, type PodDnsConfig } from './container-files';
export { netnsDir } from './netns-dir';
