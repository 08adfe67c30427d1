import { InternalError, InvalidArgumentError, type BerthError } from '@berth/errdefs';

/**
 * The error for a failed `runtime create`/`start`. The message keeps the runtime's own text
 * (e.g. `exec: "nope": executable file not found in $PATH`). Like Docker, a missing or
 * non-executable command is the caller's mistake (InvalidArgumentError); the rest is internal.
 */
export function startError(raw: string, verb: 'create' | 'exec' = 'create'): BerthError {
  const runtimeMessage = crunNotFoundInRuncWords(goErrnoWords(runtimeErrorText(raw)));
  const msg = `OCI runtime ${verb} failed: ${runtimeMessage}`;
  const lower = runtimeMessage.toLowerCase();
  if (
    lower.includes('executable file not found') ||
    lower.includes('no such file or directory') ||
    lower.includes('permission denied') ||
    lower.includes('not a directory')
  ) {
    return new InvalidArgumentError(msg);
  }
  return new InternalError(msg);
}

/**
 * crun's "command not found" (`executable file \`/bin/sh\` not found in $PATH: no such file or
 * directory`) in runc's words, which Docker 20.10 shows (and its classic builder, for a RUN after
 * `FROM scratch`): a path is stat'ed (`exec: "/bin/sh": stat /bin/sh: no such file or
 * directory`), a name looked up in $PATH (`exec: "nope": executable file not found in $PATH`).
 */
export function crunNotFoundInRuncWords(message: string): string {
  return message.replace(/(?:crun: )?executable file `([^`]*)` not found in \$PATH: no such file or directory/, (_m, cmd: string) =>
    cmd.includes('/') ? `exec: ${JSON.stringify(cmd)}: stat ${cmd}: no such file or directory` : `exec: ${JSON.stringify(cmd)}: executable file not found in $PATH`,
  );
}

/** strerror texts as C prints them (crun); Go (runc) prints the same words in lower case. */
const C_ERRNO_TEXTS = [
  'No such file or directory',
  'Permission denied',
  'Is a directory',
  'Not a directory',
  'Exec format error',
  'Operation not permitted',
  'Too many levels of symbolic links',
  'Read-only file system',
  'No space left on device',
  'File exists',
  'Invalid argument',
  'Device or resource busy',
];
const C_ERRNO = new RegExp(`: (${C_ERRNO_TEXTS.join('|')})\\b`, 'g');

/**
 * C's strerror texts (crun: `open executable: Permission denied`) → Go's (runc, and so Docker:
 * `permission denied`): the same words in lower case. The docker CLI matches them case-sensitively
 * to exit 127 (`no such file or directory`) or 126 (`permission denied`, `is a directory`) when a
 * run's start fails, so crun's wording would turn both into 125.
 */
export function goErrnoWords(message: string): string {
  return message.replace(C_ERRNO, (_m, text: string) => `: ${text.toLowerCase()}`);
}

/**
 * The exit code Docker records for a container whose start failed with this message:
 * 127 command not found, 126 not executable, 128 anything else.
 */
export function startErrorExitCode(message: string): number {
  const lower = message.toLowerCase();
  if (lower.includes('executable file not found') || lower.includes('no such file or directory')) return 127;
  if (lower.includes('not a directory')) return 127;
  if (lower.includes('permission denied')) return 126;
  return 128;
}

/**
 * runc prints its error as logfmt (`time=".." level=error msg="runc create failed: ..."`); crun
 * as `crun: ...`. Returns the message itself.
 */
export function runtimeErrorText(raw: string): string {
  const lines = raw.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.length ? lines[lines.length - 1] : raw.trim();
  const m = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (m) return m[1].replace(/\\(.)/g, '$1');
  return line;
}
