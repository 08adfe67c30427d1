/**
 * @berth/daemon: berthd, the composition root serving the Docker Engine API. Nothing imports
 * this package; the exports are for the e2e harness and tests that start berthd in-process.
 */
export { startDaemon, DEFAULT_DATA_ROOT, type Daemon, type DaemonConfig, type RuntimeName } from './daemon';
export { DataRoot, defaultExecRoot } from './layout';
export { DEFAULT_HOST } from './server/listen-address';
export { StartupError } from './startup-checks';
export type { Logger } from '@berth/log';
