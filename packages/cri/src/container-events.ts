import type { ServerWritableStream, UntypedHandleCall } from '@grpc/grpc-js';
import type { Logger } from '@berth/log';
import { messageOf } from '@berth/errdefs';
import { CRI_NAMESPACE, NAMESPACE_LABEL } from './cri-labels';
import type { Message } from './grpc-handlers';

/** A container event of the daemon (docker's: create, start, die, destroy, ...), labels in attributes. */
export interface CriContainerEvent {
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Wall-clock nanoseconds. */
  timeNano: bigint;
}

/** Subscribes to the daemon's container events; returns the unsubscribe. */
export type SubscribeContainerEvents = (listener: (e: CriContainerEvent) => void) => () => void;

/** The daemon's container actions → CRI ContainerEventType (CREATED, STARTED, STOPPED, DELETED). */
const EVENT_TYPES: Record<string, number> = { create: 0, start: 1, die: 2, destroy: 3 };

/** What a GetContainerEvents response is built from (the pod manager). */
export interface ContainerEventSource {
  /** The response for event `e` of a CRI container or pod sandbox; undefined to send nothing. */
  eventResponse(e: CriContainerEvent, type: number): Promise<Message | undefined>;
}

/**
 * GetContainerEvents (kubelet's evented PLEG), answered as containerd does: a server stream that
 * sends, for every CRI container and pod sandbox (the pod's own events carry the sandbox's ID), a
 * ContainerEventResponse when it is created, started, stopped (its process exited) and deleted,
 * with the pod's status and the statuses of the pod's containers at that moment. Events are sent
 * in the order they happened; the stream lasts until the client cancels it.
 */
export function containerEventsHandler(subscribe: SubscribeContainerEvents, source: ContainerEventSource, logger: Logger): UntypedHandleCall {
  return (call: ServerWritableStream<Message, Message>): void => {
    let chain = Promise.resolve();
    let open = true;
    const unsubscribe = subscribe((e) => {
      const type = EVENT_TYPES[e.action];
      if (type === undefined || e.attributes[NAMESPACE_LABEL] !== CRI_NAMESPACE) return;
      chain = chain.then(async () => {
        if (!open) return;
        try {
          const res = await source.eventResponse(e, type);
          if (res && open) call.write(res);
        } catch (err) {
          logger.debug({ id: e.id, action: e.action, err: messageOf(err) }, 'cri: container event not sent');
        }
      });
    });
    const end = (): void => {
      if (!open) return;
      open = false;
      unsubscribe();
    };
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
    call.on('finish', end);
  };
}
