/**
 * @berth/log: the logger every berth library writes to (pino's shape, the four levels berth
 * uses) and the silent logger libraries default to. Programs (berthd, berth-registry) pass a
 * real pino logger down; libraries never create one.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

const noop = (): void => undefined;

/** Drops everything: the default of every library that takes a logger. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
