import { describe, expect, it } from '@jest/globals';
import { goErrnoWords, startError, startErrorExitCode } from './start-error';

describe('startError', () => {
  it("puts crun's strerror texts in Go's words, as runc (and so Docker) says them", () => {
    const notFound = startError('crun: executable file `nope` not found in $PATH: No such file or directory\n');
    // runc's words for a command not found (Docker 20.10's text)
    expect(notFound.message).toBe('OCI runtime create failed: exec: "nope": executable file not found in $PATH');
    const noShell = startError('executable file `/bin/sh` not found in $PATH: No such file or directory', 'exec');
    expect(noShell.message).toBe('OCI runtime exec failed: exec: "/bin/sh": stat /bin/sh: no such file or directory');
    expect(startErrorExitCode(noShell.message)).toBe(127);
    expect(notFound.name).toBe('InvalidArgumentError');
    // the docker CLI's own test (case-sensitive) for 127 and 126
    expect(noShell.message).toContain('no such file or directory');
    const denied = startError('open executable: Permission denied');
    expect(denied.message).toBe('OCI runtime create failed: open executable: permission denied');
    expect(startErrorExitCode(denied.message)).toBe(126);
    expect(startErrorExitCode(notFound.message)).toBe(127);
  });

  it("leaves runc's logfmt message and other words alone", () => {
    const runc = 'time="2026-12-07T00:00:00Z" level=error msg="runc create failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH"';
    expect(startError(runc).message).toBe('OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH');
    expect(goErrnoWords('mount `/x`: Is a directory: Invalid argumentation')).toBe('mount `/x`: is a directory: Invalid argumentation');
    expect(goErrnoWords('No such file or directory')).toBe('No such file or directory'); // not after ': '
  });
});
