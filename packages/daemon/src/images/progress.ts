import { progressString } from '@berth/api';

/**
 * The `progress` text of a pull's or push's message: pkg/jsonmessage's bar as the daemon renders
 * it (as if 200 columns wide, no start time): `[=====>      ]  955.4kB/1.982MB`.
 */
export function progressBar(current: number, total: number): string {
  return progressString({ current, total }, 200, 0);
}
