import { describe, expect, it } from '@jest/globals';
import { ConflictError, InternalError, NotModifiedError } from '@berth/errdefs';
import {
  CONTAINER_STATUSES,
  TRANSITIONS,
  canTransition,
  checkCanKill,
  checkCanRemove,
  checkCanStart,
  checkCanStop,
  checkRunning,
  transition,
} from './container-state';

const ID = 'd60a65032f8e6925bfa04f3546299bb772307b28c11b6389441aefeaa02b41a9';

describe('container state machine', () => {
  it('lists transitions only between known states, and none into created', () => {
    for (const [from, tos] of Object.entries(TRANSITIONS)) {
      expect(CONTAINER_STATUSES).toContain(from);
      for (const to of tos) {
        expect(CONTAINER_STATUSES).toContain(to);
        expect(to).not.toBe('created');
      }
    }
  });

  it('allows the lifecycle docker containers go through', () => {
    const path = ['created', 'running', 'exited', 'running', 'restarting', 'running', 'exited', 'removing'] as const;
    for (let i = 1; i < path.length; i++) expect(transition(ID, path[i - 1], path[i])).toBe(path[i]);
    expect(canTransition('removing', 'dead')).toBe(true);
    expect(canTransition('dead', 'removing')).toBe(true);
  });

  it('refuses illegal transitions as internal errors', () => {
    expect(() => transition(ID, 'running', 'removing')).toThrow(InternalError);
    expect(() => transition(ID, 'created', 'exited')).toThrow(InternalError);
    expect(() => transition(ID, 'removing', 'running')).toThrow(/illegal state transition removing -> running/);
  });

  it('start: 304 when running, conflicts when removing', () => {
    expect(() => checkCanStart(ID, 'created')).not.toThrow();
    expect(() => checkCanStart(ID, 'exited')).not.toThrow();
    expect(() => checkCanStart(ID, 'running')).toThrow(NotModifiedError);
    expect(() => checkCanStart(ID, 'paused')).toThrow(ConflictError);
    expect(() => checkCanStart(ID, 'removing')).toThrow(ConflictError);
  });

  it('stop of a stopped container is 304', () => {
    expect(() => checkCanStop('running')).not.toThrow();
    expect(() => checkCanStop('exited')).toThrow(NotModifiedError);
    expect(() => checkCanStop('created')).toThrow(NotModifiedError);
  });

  it('kill of a stopped container carries docker message', () => {
    expect(() => checkCanKill('trace-web', ID, 'exited')).toThrow(
      new ConflictError(`Cannot kill container: trace-web: Container ${ID} is not running`),
    );
    expect(() => checkCanKill('trace-web', ID, 'running')).not.toThrow();
    expect(() => checkCanKill('trace-web', ID, 'paused')).toThrow('Unpause the container before stopping or killing');
  });

  it('rm of a running container needs force, with docker message', () => {
    expect(() => checkCanRemove(ID, 'running', false)).toThrow(
      `You cannot remove a running container ${ID}. Stop the container before attempting removal or force remove`,
    );
    expect(() => checkCanRemove(ID, 'running', true)).not.toThrow();
    expect(() => checkCanRemove(ID, 'exited', false)).not.toThrow();
    expect(() => checkCanRemove(ID, 'removing', true)).toThrow(ConflictError);
  });

  it('operations needing a process say the container is not running', () => {
    expect(() => checkRunning(ID, 'exited')).toThrow(`Container ${ID} is not running`);
  });
});
