import { NotImplementedError } from '@berth/errdefs';
import type { NetworkManager, NetworkManagerConfig } from './network-manager';

/**
 * Opens the network component: applies its migrations, creates (or adopts) the default bridge,
 * and returns the catalog and the attacher. Call `attacher.restore` once the daemon knows
 * which containers still run.
 */
export async function openNetworkManager(cfg: NetworkManagerConfig): Promise<NetworkManager> {
  void cfg;
  throw new NotImplementedError('network: not implemented yet');
}
