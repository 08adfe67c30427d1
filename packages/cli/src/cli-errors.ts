import { isDaemonError } from '@berth/client';
import type { Int64 } from '@berth/api';
import { messageOf } from '@berth/errdefs';
import { goQuote } from './format/go-text';
import { type GoIntType, parseGoInt } from './go-parse-int';

/** An error that ends the command with a given exit code and message (docker's StatusError). */
export class StatusError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

/**
 * The endpoint of the context in use could not be resolved when a command first needed the daemon
 * (docker 28's Client(), which prints the reason and exits 1 whatever the command).
 */
export class ClientInitError extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error)?.message ?? String(reason));
    this.name = 'ClientInitError';
  }
}

/** How docker words an error for the user: daemon errors get `Error response from daemon: `. */
export function describeError(e: unknown): string {
  if (isDaemonError(e)) return `Error response from daemon: ${e.message}`;
  return messageOf(e);
}

/**
 * An int flag as pflag reads it (strconv.ParseInt, base 0; go-parse-int.ts): its value, undefined when not given, or
 * pflag's usage error (exit 125) naming the text as typed: `invalid argument "x" for "-t,
 * --timeout" flag: strconv.ParseInt: parsing "x": invalid syntax`.
 */
export function intFlag(value: unknown, flag: string, usage: { prog: string; command: string; synopsis: string }, type: GoIntType = 'int'): Int64 | undefined {
  if (value === undefined) return undefined;
  const text = String(Array.isArray(value) ? value[value.length - 1] : value);
  try {
    return parseGoInt(text, type);
  } catch (e) {
    throw new StatusError(
      `invalid argument ${goQuote(text)} for "${flag}" flag: ${(e as Error).message}\n\nUsage:  ${usage.prog} ${usage.command} ${usage.synopsis}\n\nRun '${usage.prog} ${usage.command} --help' for more information`,
      125,
    );
  }
}
