import type { JsonMessage } from '@berth/api';

/** A sink for progress messages: the route's (lazily started) JSON stream. */
export interface ProgressWriter {
  write(m: JsonMessage): void;
}

/** A JSON stream started on first write: errors before it are HTTP errors, after it errorDetail lines. */
export class LazyProgress implements ProgressWriter {
  private started?: { write(m: JsonMessage): boolean };
  constructor(private readonly start: () => { write(m: JsonMessage): boolean }) {}
  get isStarted(): boolean {
    return this.started !== undefined;
  }
  write(m: JsonMessage): void {
    this.started ??= this.start();
    this.started.write(m);
  }
}
