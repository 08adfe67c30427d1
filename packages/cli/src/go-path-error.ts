/** Go's syscall error texts for the errno codes the CLI meets on files. */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ENAMETOOLONG: 'file name too long',
};

/** Go's *os.PathError text (`open x: no such file or directory`) for a Node file-system error. */
export function goPathError(op: string, file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return `${op} ${file}: ${(e.code && ERRNO_TEXT[e.code]) ?? e.message}`;
}
