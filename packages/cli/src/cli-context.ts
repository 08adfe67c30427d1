import type { Readable, Writable } from 'node:stream';
import type { BerthClient, BerthClientOptions } from '@berth/client';

/** The streams a command reads and writes (process streams in the binary, buffers in tests). */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };
}

/**
 * Which transport a command wants: `fast` (node:http: the hot path of run, ps and friends, and the
 * bulk tar streams of import, load, save and export, where axios's stream handling measured 2-5x
 * slower) or `general` (axios, for everything else).
 */
export type ClientKind = 'fast' | 'general';

/** Everything a command needs from outside: io, environment, clock, and a daemon client. */
export interface CliContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  /** The program name used in messages (`berth`). */
  prog: string;
  now(): number;
  client(kind?: ClientKind): BerthClient;
  /**
   * Connection settings resolved from flags, environment, the context in use and the cert dir, on
   * first read (or first client()); a context that cannot be resolved throws ClientInitError then.
   */
  clientOptions: BerthClientOptions;
  /** The global `-c, --context` flag's value, if given. */
  contextFlag?: string;
  /** Registers a process signal handler for the command's lifetime (tests pass a no-op). */
  onSignal(sig: 'SIGINT' | 'SIGTERM', fn: () => void): () => void;
}

/** A command's result: the process exit code. */
export type ExitCode = number;
