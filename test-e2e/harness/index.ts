/** The end-to-end harness: a real berthd per test file, the clients that drive it, and leak checks. */
export { BerthDaemon } from './daemon';
export type { DaemonOptions } from './daemon';
export { berthCli, clientsFor, dockerCli, parseTable } from './clients';
export { describeResult, exec, onPath } from './exec';
export type { ExecOptions, ExecResult } from './exec';
export { errorMessage, rawRequest } from './http';
export type { RawRequest, RawResponse } from './http';
export { cleanUpLeaks, findLeaks, hasLeaks, listFiles, mountsUnder, processesUnder, runtimeContainers } from './leaks';
export type { Leaks } from './leaks';
export { berthBin, berthdBin, fixtures, makeBusyboxRootfsScript, repoRoot, sharedDir } from './paths';
export { busyboxRootfsTar } from './busybox';
export { makeDockerSaveArchive, makeTar, sha256Hex } from './tar-writer';
export type { SaveImageOptions, TarEntry } from './tar-writer';
export { makeTlsFiles } from './tls';
export type { TlsFiles } from './tls';
export { freePort } from './free-port';
export { sleep, waitFor } from './wait';
export { expectExit, failed, ok } from './expect-exit';
