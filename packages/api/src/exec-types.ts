/** Exec wire shapes (API 1.41), as the docker CLI sends and reads them (SPEC.md "docker exec"). */

/** `POST /containers/{id}/exec` body. */
export interface ExecCreateRequest {
  User?: string;
  Privileged?: boolean;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStderr?: boolean;
  AttachStdout?: boolean;
  Detach?: boolean;
  DetachKeys?: string;
  Env?: string[] | null;
  WorkingDir?: string;
  Cmd: string[];
}

/** `POST /exec/{id}/start` body. */
export interface ExecStartRequest {
  Detach?: boolean;
  Tty?: boolean;
}

/** `GET /exec/{id}/json`. */
export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user?: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}
