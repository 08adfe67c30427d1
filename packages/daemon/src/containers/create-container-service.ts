import type { ContainerService } from './container-service';
import { SqliteContainerStore } from './container-store';
import type { ContainerServiceDeps } from './deps';
import { LocalContainerService } from './local-container-service';
import { defaultServiceHooks, type ServiceHooks } from './service-hooks';

/**
 * Opens the container table (applying its migrations) and returns the service. Call
 * `restore()` once before serving requests, and `shutdown()` when the daemon stops.
 * `hooks` replace the mount/spec/log functions of @berth/runtime (tests only).
 */
export async function createContainerService(deps: ContainerServiceDeps, hooks?: Partial<ServiceHooks>): Promise<ContainerService> {
  const store = await SqliteContainerStore.open(deps.db);
  const merged = { ...defaultServiceHooks(), ...hooks };
  // a replaced readLogs (tests) is not bypassed by the default batch reader
  if (hooks?.readLogs && !hooks.readLogBatches) delete merged.readLogBatches;
  return new LocalContainerService(deps, store, merged);
}
