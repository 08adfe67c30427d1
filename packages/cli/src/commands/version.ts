import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { type GlobalFlags, currentContextOf } from '../config';

/** berth's own version (the package version). */
export const BERTH_VERSION = '0.1.0';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** docker shows BuildTime in Go's time.ANSIC (`Thu May  7 21:09:36 2026`), UTC here. */
export function ansic(rfc3339: string): string {
  const ms = Date.parse(rfc3339);
  if (!rfc3339 || Number.isNaN(ms)) return rfc3339;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function pad(label: string, width: number): string {
  return `${label}:`.padEnd(width);
}

/** `berth version`: the client block, then the server's (`GET /version`), laid out like docker's. */
export async function run(ctx: CliContext, argv: { format?: string } & GlobalFlags = {}): Promise<ExitCode> {
  const client = ctx.client('fast');
  // docker's CurrentContext(): --context, `default` when a host is given, BERTH_CONTEXT, config.json's
  const context = currentContextOf({ ...argv, contextFlag: ctx.contextFlag }, ctx.env);
  let negotiated = client.maxApiVersion;
  const lines: string[] = [];
  let server: Awaited<ReturnType<typeof client.system.version>> | undefined;
  let err: unknown;
  try {
    negotiated = await client.system.apiVersion();
    server = await client.system.version();
  } catch (e) {
    err = e;
  }
  if (argv.format) {
    const { goStruct } = require('../format/go-struct') as typeof import('../format/go-struct');
    const clientBlock = goStruct('system.clientVersion', CLIENT_VERSION_FIELDS, {
      Version: BERTH_VERSION,
      ApiVersion: negotiated,
      DefaultAPIVersion: client.maxApiVersion,
      GitCommit: '',
      GoVersion: process.version,
      Os: process.platform,
      Arch: process.arch === 'x64' ? 'amd64' : process.arch,
      Context: context,
    });
    let serverBlock: unknown = null;
    if (server) {
      // docker reformats the Engine component's BuildTime (RFC 3339) as Go's ANSIC
      const components = (server.Components ?? []).map((c) => {
        const details = c.Details && c.Name === 'Engine' && c.Details.BuildTime ? { ...c.Details, BuildTime: ansic(c.Details.BuildTime) } : c.Details;
        return goStruct('types.ComponentVersion', COMPONENT_FIELDS, { ...c, Details: details });
      });
      serverBlock = goStruct('*types.Version', SERVER_VERSION_FIELDS, {
        ...(server as unknown as Record<string, unknown>),
        Platform: goStruct('struct { Name string }', ['Name:s'], (server as { Platform?: Record<string, unknown> }).Platform),
        Components: components,
      });
    }
    return printFormatted(ctx, argv.format, 'version', goStruct('system.versionInfo', ['Client:z', 'Server:z'], { Client: clientBlock, Server: serverBlock }), err);
  }
  const apiNote = negotiated !== client.maxApiVersion ? `${negotiated} (downgraded from ${client.maxApiVersion})` : negotiated;
  lines.push('Client:');
  lines.push(` ${pad('Version', 18)} ${BERTH_VERSION}`);
  lines.push(` ${pad('API version', 18)} ${apiNote}`);
  lines.push(` ${pad('Node.js version', 18)} ${process.version}`);
  lines.push(` ${pad('OS/Arch', 18)} ${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`);
  lines.push(` ${pad('Context', 18)} ${context}`);
  if (server) {
    const s = server as unknown as Record<string, unknown>;
    const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
    lines.push('');
    lines.push(`Server:${s.Platform && (s.Platform as { Name?: string }).Name ? ` ${(s.Platform as { Name: string }).Name}` : ''}`);
    lines.push(' Engine:');
    lines.push(`  ${pad('Version', 17)} ${str(s.Version)}`);
    lines.push(`  ${pad('API version', 17)} ${str(s.ApiVersion)} (minimum version ${str(s.MinAPIVersion)})`);
    lines.push(`  ${pad('Go version', 17)} ${str(s.GoVersion)}`);
    lines.push(`  ${pad('Git commit', 17)} ${str(s.GitCommit)}`);
    lines.push(`  ${pad('Built', 17)} ${ansic(str(s.BuildTime))}`);
    lines.push(`  ${pad('OS/Arch', 17)} ${str(s.Os)}/${str(s.Arch)}`);
    lines.push(`  ${pad('Experimental', 17)} ${s.Experimental === true ? 'true' : 'false'}`);
    for (const c of server.Components ?? []) {
      if (c.Name === 'Engine') continue;
      lines.push(` ${c.Name}:`);
      lines.push(`  ${pad('Version', 17)} ${c.Version}`);
      for (const [k, v] of Object.entries(c.Details ?? {})) lines.push(`  ${pad(k, 17)} ${v}`);
    }
  }
  ctx.io.stdout.write(lines.join('\n') + '\n');
  if (err) {
    ctx.io.stderr.write(`${describeError(err)}\n`);
    return 1;
  }
  return 0;
}

/** The docker CLI's structs behind `version --format` (field order, Go names, omitempty). */
// docker 28's clientVersion: every field but Context omitempty (berth has no GitCommit: left out, as docker leaves out an empty one)
const CLIENT_VERSION_FIELDS = ['Platform?:z', 'Version?:s', 'APIVersion>ApiVersion?:s', 'DefaultAPIVersion?:s', 'GitCommit?:s', 'GoVersion?:s', 'Os?:s', 'Arch?:s', 'BuildTime?:s', 'Context:s'];
const SERVER_VERSION_FIELDS = ['Platform:z', 'Components:z', 'Version:s', 'APIVersion>ApiVersion:s', 'MinAPIVersion?:s', 'GitCommit:s', 'GoVersion:s', 'Os:s', 'Arch:s', 'KernelVersion?:s', 'Experimental?:b', 'BuildTime?:s'];
const COMPONENT_FIELDS = ['Name:s', 'Version:s', 'Details?:z'];

/**
 * `--format` of version and info: the template over docker's data shape; `json` is `{{json .}}`.
 * A template error prints docker's `template: NAME:` wording and exits 1; so does a daemon error
 * (after whatever the template could print).
 */
export function printFormatted(ctx: CliContext, format: string, name: string, data: unknown, err: unknown): ExitCode {
  const { Template, TemplateError } = require('../format/template') as typeof import('../format/template');
  let tpl: InstanceType<typeof Template>;
  try {
    // as typed: docker's version and info do not turn `\t`/`\n` into a tab and a newline
    tpl = new Template(format === 'json' ? '{{json .}}' : format);
  } catch (e) {
    // docker: `template parsing error: template: NAME:LINE: reason`, exit 64
    const m = /^template: (?::(\d+): )?([^]*)$/.exec((e as Error).message);
    ctx.io.stderr.write(`template parsing error: template: ${name}:${m?.[1] ?? 1}: ${m ? m[2] : (e as Error).message}\n`);
    return 64;
  }
  let out: string;
  try {
    out = tpl.execute(data, true);
  } catch (e) {
    // what the template wrote before the error, a newline, then the error (exit 1), as docker
    ctx.io.stdout.write(`${e instanceof TemplateError ? (e.partial ?? '') : ''}\n`);
    ctx.io.stderr.write(`template: ${name}:${(e as Error).message.replace(/^template: :/, '').replace('executing ""', `executing "${name}"`)}\n`);
    return 1;
  }
  // docker's version writes through a tabwriter (20/1/1); info does not
  const { renderTable } = require('../format/table') as typeof import('../format/table');
  ctx.io.stdout.write(name === 'version' ? renderTable(`${out}\n`.split('\n').slice(0, -1).map((l) => l.split('\t')), 20, 1) : `${out}\n`);
  if (err) {
    ctx.io.stderr.write(`${describeError(err)}\n`);
    return 1;
  }
  return 0;
}
