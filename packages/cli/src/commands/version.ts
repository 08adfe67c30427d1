import { API_VERSION } from '@berth/api';
import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';

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
export async function run(ctx: CliContext, argv: { format?: string } = {}): Promise<ExitCode> {
  const client = ctx.client('fast');
  let negotiated = API_VERSION;
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
    const clientBlock = {
      Version: BERTH_VERSION,
      ApiVersion: negotiated,
      DefaultAPIVersion: API_VERSION,
      GitCommit: '',
      GoVersion: process.version,
      Os: process.platform,
      Arch: process.arch === 'x64' ? 'amd64' : process.arch,
      BuildTime: '',
      Context: 'default',
    };
    return printFormatted(ctx, argv.format, 'version', { Client: withGoNames(clientBlock), Server: server ? withGoNames({ ...server }) : null }, err);
  }
  const apiNote = negotiated !== API_VERSION ? `${negotiated} (downgraded from ${API_VERSION})` : negotiated;
  lines.push('Client:');
  lines.push(` ${pad('Version', 18)} ${BERTH_VERSION}`);
  lines.push(` ${pad('API version', 18)} ${apiNote}`);
  lines.push(` ${pad('Node.js version', 18)} ${process.version}`);
  lines.push(` ${pad('OS/Arch', 18)} ${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`);
  lines.push(` ${pad('Context', 18)} default`);
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

/**
 * docker's templates see the Go structs, whose field is `APIVersion` (JSON `ApiVersion`): the Go
 * name is added as a non-enumerable property, so `{{.Server.APIVersion}}` works and `{{json .}}`
 * still shows the JSON names.
 */
export function withGoNames<T extends object>(o: T): T {
  if ('ApiVersion' in o) Object.defineProperty(o, 'APIVersion', { value: (o as { ApiVersion?: unknown }).ApiVersion, enumerable: false });
  return o;
}

/**
 * `--format` of version and info: the template over docker's data shape; `json` is `{{json .}}`.
 * A template error prints docker's `template: NAME:` wording and exits 1; so does a daemon error
 * (after whatever the template could print).
 */
export function printFormatted(ctx: CliContext, format: string, name: string, data: unknown, err: unknown): ExitCode {
  const { Template, unescapeFormat } = require('../format/template') as typeof import('../format/template');
  let out: string;
  try {
    out = new Template(format === 'json' ? '{{json .}}' : unescapeFormat(format)).execute(data, true);
  } catch (e) {
    ctx.io.stderr.write(`template: ${name}:${(e as Error).message.replace(/^template: :/, '').replace('executing ""', `executing "${name}"`)}\n`);
    return 1;
  }
  ctx.io.stdout.write(`${out}\n`);
  if (err) {
    ctx.io.stderr.write(`${describeError(err)}\n`);
    return 1;
  }
  return 0;
}
