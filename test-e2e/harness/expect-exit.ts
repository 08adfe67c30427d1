import { describeResult, ExecResult } from './exec';

/** Throws, showing the command's whole output, unless it exited with `code`. Returns the result. */
export function expectExit(r: ExecResult, code: number): ExecResult {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${describeResult(r)}`);
  return r;
}

/** Exit 0, or a failure that shows the command's output. */
export function ok(r: ExecResult): ExecResult {
  return expectExit(r, 0);
}

/** A non-zero exit (not a kill by signal), or a failure that shows the output. */
export function failed(r: ExecResult): ExecResult {
  if (r.code === 0 || r.code === null) throw new Error(`expected a failure, got ${describeResult(r)}`);
  return r;
}
