import * as path from 'node:path';
import { NotImplementedError } from '@berth/errdefs';
import type { CreateOptions, ExitStatus, RuntimeConfig, RuntimeState } from './types';
import type { Task } from './task';

/** Where `npm run build:native` puts the shim binary. */
export const DEFAULT_SHIM_PATH = path.resolve(__dirname, '..', 'shim', 'build', 'berth-shim');

/**
 * Drives an OCI runtime (runc or crun) through one berth-shim per container.
 */
export class OciRuntime {
  constructor(readonly config: RuntimeConfig) {}

  /** Spawns the shim, which runs `runtime create`; resolves with a Task in 'created' state. */
  async create(_opts: CreateOptions): Promise<Task> {
    throw new NotImplementedError('runtime: not implemented yet');
  }

  /** create() then task.start(). Subscribe between create and start to see all output. */
  async start(opts: CreateOptions): Promise<Task> {
    const task = await this.create(opts);
    await task.start(opts.signal);
    return task;
  }

  /** Sends a signal to the container's init process. */
  async kill(_id: string, _signal?: string | number): Promise<void> {
    throw new NotImplementedError('runtime: not implemented yet');
  }

  /** The runtime's view of a container; NotFoundError when it does not know it. */
  async state(_id: string): Promise<RuntimeState> {
    throw new NotImplementedError('runtime: not implemented yet');
  }

  /** After a daemon restart: the live Task, or the exit status recorded (or inferred) for it. */
  async reconnect(_id: string, _bundle: string): Promise<Task | ExitStatus> {
    throw new NotImplementedError('runtime: not implemented yet');
  }

  /** Removes the runtime's record of a container (`delete --force`); no error when absent. */
  async delete(_id: string): Promise<void> {
    throw new NotImplementedError('runtime: not implemented yet');
  }

  /** IDs the runtime knows under its state root. */
  async list(): Promise<RuntimeState[]> {
    throw new NotImplementedError('runtime: not implemented yet');
  }
}
