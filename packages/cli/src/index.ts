export { runCli, type CliDeps } from './cli';
export type { CliContext, CliIo, ClientKind, ExitCode } from './cli-context';
export { StatusError, describeError } from './cli-errors';
export { resolveClientOptions, configDir, type GlobalFlags } from './config';
export { buildCreateRequest, parseCpus, readEnvFile, type RunFlags } from './run-options';
export { humanDuration, timeAgo, goTimeString } from './format/human-duration';
export { renderTable, renderTabbed } from './format/table';
export { Template, TemplateError, FormatContext } from './format/template';
/** A value as Go's fmt prints it with %v (what a template prints for `{{.X}}`). */
export { goPrintValue as formatValue } from './format/go-fmt';
export { goQuote, ellipsis, goJson, goJsonIndent, truncateId } from './format/go-text';
export { displayablePorts } from './format/ports';
export { containerRow, PS_DEFAULT_FORMAT } from './format/container-rows';
export { imageRows, IMAGES_DEFAULT_FORMAT } from './format/image-rows';
export { historyRow, HISTORY_DEFAULT_FORMAT } from './format/history-rows';
export { parseTimestamp, parseGoDuration } from './format/timestamp';
export { startErrorExitCode } from './commands/run';
