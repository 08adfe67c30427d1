import { InvalidArgumentError } from '@berth/errdefs';
import type { Task } from '@berth/runtime';
import { StreamHub } from './stream-hub';
import { detachKeysOf } from './detach-keys';
import type { ExecInspect } from '@berth/api';

/**
 * `docker exec` sessions: one more process in a running container. Like Docker, sessions live
 * in memory only (a daemon restart forgets them), and an exited session is forgotten a few
 * minutes after its exit.
 */

/** The exec create body, checked. */
export interface ExecConfig {
  cmd: string[];
  env: string[] | null;
  user: string;
  workingDir: string;
  tty: boolean;
  privileged: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
  consoleSize?: { height: number; width: number };
}

export interface ExecSession {
  id: string;
  containerId: string;
  config: ExecConfig;
  /** 'created' → 'running' → 'exited' (a failed start goes straight to exited, code 126). */
  status: 'created' | 'running' | 'exited';
  exitCode: number | null;
  pid: number;
  task?: Task;
  hub: StreamHub;
  /** Settles when the session has exited (or failed to start). */
  done: Promise<void>;
  resolveDone(): void;
  gcTimer?: NodeJS.Timeout;
}

export type { ExecInspect };

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function strings(v: unknown, field: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new InvalidArgumentError(`${field}: expected an array of strings`);
}

function str(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  throw new InvalidArgumentError(`${field}: expected a string`);
}

function bool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  throw new InvalidArgumentError(`${field}: expected a boolean`);
}

/** Checks a `POST /containers/{id}/exec` body (hostile JSON): 400 for anything malformed. */
export function validateExecConfig(body: unknown): ExecConfig {
  if (!isObject(body)) throw new InvalidArgumentError('exec: the request body must be a JSON object');
  // ExecConfig.Cmd is a []string in docker's API (not a StrSlice as Config.Cmd): no string form
  if (typeof body.Cmd === 'string') throw new InvalidArgumentError('json: cannot unmarshal string into Go struct field ExecConfig.Cmd of type []string');
  const cmd = strings(body.Cmd, 'Cmd') ?? [];
  if (cmd.length === 0 || cmd[0] === '') throw new InvalidArgumentError('No exec command specified');
  if (typeof body.Env === 'string') throw new InvalidArgumentError('Env: expected an array of strings');
  const env = strings(body.Env, 'Env');
  for (const e of env ?? []) if (e.split('=')[0] === '') throw new InvalidArgumentError(`invalid environment variable: ${e}`);
  const cfg: ExecConfig = {
    cmd,
    env,
    user: str(body.User, 'User'),
    workingDir: str(body.WorkingDir, 'WorkingDir'),
    tty: bool(body.Tty, 'Tty'),
    privileged: bool(body.Privileged, 'Privileged'),
    attachStdin: bool(body.AttachStdin, 'AttachStdin'),
    attachStdout: bool(body.AttachStdout, 'AttachStdout'),
    attachStderr: bool(body.AttachStderr, 'AttachStderr'),
    detachKeys: str(body.DetachKeys, 'DetachKeys'),
  };
  detachKeysOf(cfg.detachKeys, 'escape');
  const consoleSize = execConsoleSize(body.ConsoleSize);
  if (consoleSize) cfg.consoleSize = consoleSize;
  return cfg;
}

/**
 * An exec's ConsoleSize ([height, width], API 1.42: in the create body and in the start
 * request): unset or a zero in it, none; anything but two non-negative integers a 400.
 */
export function execConsoleSize(v: unknown): { height: number; width: number } | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new InvalidArgumentError('ConsoleSize: expected [height, width]');
  return v[0] > 0 && v[1] > 0 ? { height: v[0] as number, width: v[1] as number } : undefined;
}

export function newExecSession(id: string, containerId: string, config: ExecConfig): ExecSession {
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  return { id, containerId, config, status: 'created', exitCode: null, pid: 0, hub: new StreamHub(), done, resolveDone };
}

export function execInspect(s: ExecSession): ExecInspect {
  return {
    ID: s.id,
    Running: s.status === 'running',
    ExitCode: s.exitCode,
    ProcessConfig: {
      tty: s.config.tty,
      entrypoint: s.config.cmd[0]!,
      arguments: s.config.cmd.slice(1),
      privileged: s.config.privileged,
      ...(s.config.user ? { user: s.config.user } : {}),
    },
    OpenStdin: s.config.attachStdin,
    OpenStderr: s.config.attachStderr,
    OpenStdout: s.config.attachStdout,
    CanRemove: false,
    ContainerID: s.containerId,
    DetachKeys: s.config.detachKeys,
    Pid: s.pid,
  };
}
