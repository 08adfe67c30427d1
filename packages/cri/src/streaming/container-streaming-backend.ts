import type { Duplex } from 'node:stream';
import type { CriContainerBackend } from '../deps';
import type { PortDialer } from './port-forward';
import type { RemoteCommandTarget } from './remote-command';
import type { StreamingBackend } from './streaming-server';

/** Retries of a resize that arrived before the process was running (crictl sends the size at once). */
const RESIZE_TRIES = 20;
const RESIZE_RETRY_MS = 50;

async function retryResize(fn: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= RESIZE_TRIES) throw e;
      await new Promise((r) => setTimeout(r, RESIZE_RETRY_MS));
    }
  }
}

/**
 * Streaming requests run through the container service: exec = execCreate + execStart (its
 * exit code reported), attach = the container's attach, resize = execResize / resize; port-forward
 * dials inside the pod's network namespace (the sandbox's pause process's).
 */
export function containerStreamingBackend(
  c: CriContainerBackend,
  sandboxNetns: (sandboxId: string) => Promise<string>,
  dialInNetns: ((netnsPath: string, port: number) => Duplex) | undefined,
): StreamingBackend {
  return {
    exec(req): RemoteCommandTarget {
      let execId = '';
      return {
        async start(size) {
          const { Id } = await c.execCreate(req.containerId, {
            Cmd: req.cmd,
            AttachStdin: req.stdin,
            AttachStdout: req.stdout,
            AttachStderr: req.stderr,
            Tty: req.tty,
          });
          execId = Id;
          const att = await c.execStart(Id, size ? { consoleSize: size } : {});
          if (!att) throw new Error('exec: no attachment');
          return att;
        },
        resize: (h, w) => retryResize(() => c.execResize(execId, h, w)),
        async exitCode() {
          return (await c.execInspect(execId)).ExitCode ?? undefined;
        },
      };
    },
    attach(req): RemoteCommandTarget {
      return {
        start: async (size) => {
          if (size) await c.resize(req.containerId, size.height, size.width).catch(() => undefined);
          return c.attach(req.containerId, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, stream: true });
        },
        resize: (h, w) => retryResize(() => c.resize(req.containerId, h, w)),
        exitCode: async () => undefined,
      };
    },
    async portDialer(sandboxId): Promise<PortDialer> {
      const netns = await sandboxNetns(sandboxId);
      return async (port) => {
        if (!dialInNetns) throw new Error('port forwarding is not available in this build');
        return dialInNetns(netns, port);
      };
    },
  };
}
