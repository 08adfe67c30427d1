import type { OutputChunk, Task } from '@berth/runtime';

/** Where one attached client receives output. */
export interface OutputSink {
  write(chunk: OutputChunk): void;
  /** The run this sink followed is over (or the container is gone): flush and close. */
  end(): void;
}

/** How much client stdin may wait for a slow process before the client's connection is paused. */
const STDIN_BACKLOG_LIMIT = 1024 * 1024;

/**
 * The container's stdio switchboard. Attached clients register sinks at any time, also before
 * the container starts (`docker run` attaches first); the hub forwards every output chunk of the
 * current task to every sink and ends all sinks when that task is over. Stdin written before the
 * task exists is buffered and delivered, in order, once it does; a close of stdin is delivered
 * after the buffered bytes.
 */
export class StreamHub {
  private readonly sinks = new Set<OutputSink>();
  private task: Task | undefined;
  private unsubscribe: (() => void) | undefined;
  private pendingStdin: Buffer[] = [];
  private pendingClose = false;
  private stdinChain: Promise<void> = Promise.resolve();
  /** Stdin bytes queued for the task and not yet taken by it; readers waiting for it to shrink. */
  private stdinBacklog = 0;
  private stdinWaiters: Array<() => void> = [];
  /** Sinks whose connection is over its buffer limit; the task's output is held while any is. */
  private readonly blocked = new Set<OutputSink>();
  private held = false;
  private noHold = false;

  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Registers a sink; returns the function that removes it (without ending it). */
  add(sink: OutputSink): () => void {
    this.sinks.add(sink);
    return () => {
      this.sinks.delete(sink);
      this.unhold(sink);
    };
  }

  /**
   * Flow control: `sink`'s client cannot keep up, so the task's output is held (the shim stops
   * reading the container's pipes and the process blocks on write, as with a slow Docker client)
   * until `unhold(sink)`. Bounded memory instead of an ever-growing socket buffer.
   */
  hold(sink: OutputSink): void {
    if (this.noHold || !this.task || !this.sinks.has(sink)) return;
    this.blocked.add(sink);
    if (!this.held) {
      this.held = true;
      this.task.pauseOutput();
    }
  }

  unhold(sink: OutputSink): void {
    this.blocked.delete(sink);
    if (this.held && this.blocked.size === 0) {
      this.held = false;
      this.task?.resumeOutput();
    }
  }

  /**
   * Control operations (kill, stop, rm -f) need the shim's replies, which held output would hold
   * too: output flows freely for the rest of this run.
   */
  release(): void {
    this.noHold = true;
    this.blocked.clear();
    if (this.held) {
      this.held = false;
      this.task?.resumeOutput();
    }
  }

  /** Follows a task's output (call between runtime.create and task.start to see it all). */
  bind(task: Task): void {
    const queued = this.pendingStdin;
    const close = this.pendingClose;
    this.unbind();
    this.task = task;
    this.unsubscribe = task.subscribe((chunk) => {
      for (const s of this.sinks) {
        try {
          s.write(chunk);
        } catch {
          this.sinks.delete(s);
        }
      }
    });
    for (const b of queued) this.enqueueStdin(task, b);
    if (close) this.enqueueClose(task);
  }

  /** The task is over (its output drained): stop following it and end every sink. */
  finish(): void {
    this.unbind();
    this.endAll();
  }

  /** Ends every sink (container removed, start failed). */
  endAll(): void {
    const all = [...this.sinks];
    this.sinks.clear();
    for (const s of all) {
      try {
        s.end();
      } catch {
        // a sink that cannot end is gone already
      }
    }
  }

  /**
   * Queues stdin for the task. Answers false when more than STDIN_BACKLOG_LIMIT bytes wait for the
   * task to take them: the caller stops reading its client until `whenStdinDrained` (bounded
   * memory, the client is pushed back, as with output).
   */
  writeStdin(data: Buffer): boolean {
    if (this.task) this.enqueueStdin(this.task, data);
    else {
      // before the task exists (a process starting): counted too, the client waits for it
      this.pendingStdin.push(data);
      this.stdinBacklog += data.length;
    }
    return this.stdinBacklog <= STDIN_BACKLOG_LIMIT;
  }

  /** Calls `resume` once the queued stdin is back under the limit (at once if it is). */
  whenStdinDrained(resume: () => void): void {
    if (this.stdinBacklog <= STDIN_BACKLOG_LIMIT) resume();
    else this.stdinWaiters.push(resume);
  }

  closeStdin(): void {
    if (this.task) this.enqueueClose(this.task);
    else this.pendingClose = true;
  }

  private unbind(): void {
    if (this.held) this.task?.resumeOutput();
    this.held = false;
    this.noHold = false;
    this.blocked.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.task = undefined;
    for (const b of this.pendingStdin) this.stdinBacklog -= b.length; // bind() enqueues them again
    this.pendingStdin = [];
    this.pendingClose = false;
    this.wakeStdinWaiters();
  }

  private enqueueStdin(task: Task, data: Buffer): void {
    this.stdinBacklog += data.length;
    this.stdinChain = this.stdinChain
      .then(() => task.writeStdin(data))
      .catch(() => undefined)
      .finally(() => {
        this.stdinBacklog -= data.length;
        this.wakeStdinWaiters();
      });
  }

  private wakeStdinWaiters(): void {
    if (this.stdinBacklog > STDIN_BACKLOG_LIMIT) return;
    const waiters = this.stdinWaiters;
    this.stdinWaiters = [];
    for (const w of waiters) w();
  }

  private enqueueClose(task: Task): void {
    this.stdinChain = this.stdinChain.then(() => task.closeStdin()).catch(() => undefined);
  }
}
