import type { ExitStatus, OutputChunk } from './types';

/**
 * A container process seen through its shim: created (waiting for start), running, or exited.
 *
 * Output subscriptions see every chunk produced after they subscribe, in order; subscribe
 * between `OciRuntime.create()` and `task.start()` to see all output.
 */
export interface Task {
  readonly id: string;
  /** PID of the container's init process (host PID namespace). */
  readonly pid: number;
  /** PID of the berth-shim supervising it. */
  readonly shimPid: number;
  readonly bundle: string;
  /** 'created' until start(), then 'running', then 'exited'. */
  readonly status: 'created' | 'running' | 'exited';
  /** Runs the container's process (`runtime start`). Resolves once it runs. */
  start(signal?: AbortSignal): Promise<void>;
  /** Subscribes to output; returns the unsubscribe function. */
  subscribe(listener: (chunk: OutputChunk) => void): () => void;
  /** Resolves when the process has exited, its output drained and the runtime container deleted. */
  wait(): Promise<ExitStatus>;
  /**
   * Resolves as soon as the process has exited and its output is drained, possibly before the
   * runtime's container is deleted (wait() settles after that). Rejects when wait() does. Record
   * the exit and unmount on this; reuse the id or remove the bundle only after wait().
   */
  exited?(): Promise<ExitStatus>;
  /** Sends a signal to the init process (names with/without SIG, or numbers). */
  kill(signal?: string | number): Promise<void>;
  /** Writes to the process's stdin (needs openStdin). Resolves when handed to the shim. */
  writeStdin(data: Buffer): Promise<void>;
  /** Closes the process's stdin (EOF). */
  closeStdin(): Promise<void>;
  /**
   * Flow control: stop/resume taking output from the shim (e.g. while an attached client's socket
   * is full). While paused the shim stops reading the container's pipes, so the process blocks on
   * write, as with a slow attached Docker client. Replies (start, kill, exit) wait too: do not
   * pause while awaiting start() or kill().
   */
  pauseOutput(): void;
  resumeOutput(): void;
  /** Resizes the pseudo-terminal (TTY containers; ignored otherwise). */
  resize(rows: number, cols: number): Promise<void>;
  /** Drops the connection to the shim without touching the container (daemon shutdown). */
  detach(): void;
}
