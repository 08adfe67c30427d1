/**
 * @berth/builder: the Dockerfile parser and the legacy builder behind `POST /build`.
 * The daemon passes a BuildBackend (containers and the image store); this package imports neither.
 */
export { Builder, PROXY_ARGS, type BuildOptions, type BuildOutput, type BuildResult } from './builder';
export type { BuildBackend, BuildImage, RunStepOptions, CommitStepOptions } from './build-backend';
export type { FileDigests } from './build-context';
export { parseDockerfile, type Instruction, type ParsedDockerfile } from './dockerfile-parser';
export { ShellLex, type VarLookup } from './shell-lex';
export { RunFailedError } from './run-failed-error';
