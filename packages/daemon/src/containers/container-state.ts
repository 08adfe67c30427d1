import { ConflictError, InternalError, NotModifiedError } from '@berth/errdefs';

/**
 * The container state machine (after containerd's shim `process/init_state.go`): the states a
 * container can be in, the transitions between them, and, per operation, which states allow it.
 * An illegal call is an errdefs error carrying docker's own message; nothing changes state except
 * through `transition()`.
 *
 *   created ──start──► running ──exit──► exited ──start──► running
 *      │                │  ▲  │            │
 *      │            pause  unpause         │
 *      │                ▼  │  │            │
 *      │              paused  └─exit+policy─► restarting ──start──► running
 *      │                                      │ └──give up──► exited
 *      └──────────── rm ──────► removing ◄── rm ─┘
 *                                 │  └──fails──► dead ──rm──► removing
 *                                 ▼
 *                              (gone)
 *
 * A failed start leaves the container where it was (created or exited) with State.Error set,
 * as docker does.
 */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export const CONTAINER_STATUSES: readonly ContainerStatus[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

/** Legal transitions: from → the states it may move to. */
export const TRANSITIONS: Readonly<Record<ContainerStatus, readonly ContainerStatus[]>> = {
  created: ['running', 'removing'],
  running: ['exited', 'paused', 'restarting'],
  paused: ['running', 'exited', 'restarting'],
  restarting: ['running', 'exited', 'removing'],
  exited: ['running', 'restarting', 'removing'],
  removing: ['dead'],
  dead: ['removing'],
};

export function isContainerStatus(s: string): s is ContainerStatus {
  return (CONTAINER_STATUSES as readonly string[]).includes(s);
}

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Checks a transition; an illegal one is a bug in the caller (500), never silently allowed. */
export function transition(id: string, from: ContainerStatus, to: ContainerStatus): ContainerStatus {
  if (!canTransition(from, to)) throw new InternalError(`container ${id}: illegal state transition ${from} -> ${to}`);
  return to;
}

/** A process exists (docker's State.Running, which is also true while paused). */
export function isRunning(s: ContainerStatus): boolean {
  return s === 'running' || s === 'paused';
}

/** start: created/exited only. Already running is docker's 304. */
export function checkCanStart(id: string, s: ContainerStatus): void {
  switch (s) {
    case 'created':
    case 'exited':
      return;
    case 'running':
    case 'restarting':
      throw new NotModifiedError('container already started');
    case 'paused':
      throw new ConflictError('cannot start a paused container, try unpause instead');
    case 'removing':
    case 'dead':
      throw new ConflictError(`container ${id} is marked for removal and cannot be started`);
  }
}

/** stop: only a running (or restarting) container; otherwise docker's 304; paused must be unpaused. */
export function checkCanStop(s: ContainerStatus, id = ''): void {
  if (s === 'running' || s === 'restarting') return;
  if (s === 'paused') throw new ConflictError(`Container ${id} is paused. Unpause the container before stopping or killing`);
  throw new NotModifiedError('container already stopped');
}

/** kill: only a running container; a paused one must be unpaused first (docker's 409). */
export function checkCanKill(ref: string, id: string, s: ContainerStatus): void {
  if (s === 'running') return;
  if (s === 'paused') throw new ConflictError(`Cannot kill container: ${ref}: Container ${id} is paused. Unpause the container before stopping or killing`);
  throw new ConflictError(`Cannot kill container: ${ref}: Container ${id} is not running`);
}

/** pause: only a running container. */
export function checkCanPause(id: string, s: ContainerStatus): void {
  if (s === 'running') return;
  if (s === 'paused') throw new ConflictError(`Container ${id} is already paused`);
  throw new ConflictError(`Container ${id} is not running`);
}

/** unpause: only a paused container; docker answers 500 otherwise (SPEC §3). */
export function checkCanUnpause(id: string, s: ContainerStatus): void {
  if (s === 'paused') return;
  throw new InternalError(`Container ${id} is not paused`);
}

/** rm: a running container needs force; a paused one cannot be removed without force either. */
export function checkCanRemove(id: string, s: ContainerStatus, force: boolean): void {
  switch (s) {
    case 'running':
    case 'restarting':
      if (!force) {
        throw new ConflictError(
          `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
        );
      }
      return;
    case 'paused':
      if (!force) {
        throw new ConflictError(
          `You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove`,
        );
      }
      return;
    case 'removing':
      throw new ConflictError(`removal of container ${id} is already in progress`);
    case 'created':
    case 'exited':
    case 'dead':
      return;
  }
}

/** Operations that need a live process: exec, top, pause, attach to stdin... */
export function checkRunning(id: string, s: ContainerStatus): void {
  if (s === 'running') return;
  if (s === 'paused') throw new ConflictError(`Container ${id} is paused, unpause the container before exec`);
  throw new ConflictError(`Container ${id} is not running`);
}

/** rename: anything but a container being removed. */
export function checkCanRename(id: string, s: ContainerStatus): void {
  if (s === 'removing' || s === 'dead') throw new ConflictError(`Can't rename container ${id} which is dead or marked for removal`);
}
