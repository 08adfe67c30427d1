import { renderTabbed } from './table';
import { METHODS } from './go-value';
import { Template, TemplateError, isTableFormat, unescapeFormat } from './template';

/**
 * docker's SubHeaderContext.Label: a table's header for `{{.Label "com.example.some-name"}}` is
 * the name's last dot-separated part with `-` and `_` as spaces (`some name`).
 */
const HEADER_METHODS = {
  Label: {
    params: ['string' as const],
    fn: (name: unknown) => {
      const parts = String(name).split('.');
      return parts[parts.length - 1]!.replace(/[-_]/g, ' ');
    },
  },
};

/**
 * Renders rows with a docker `--format` value: `table ...` prints a header line (field names
 * mapped to `headers`) and aligns columns; anything else is a template applied per row.
 */
export function renderRows(format: string, rows: object[], headers: Record<string, string>): string {
  try {
    return renderRowsUnchecked(format, rows, headers);
  } catch (e) {
    // docker's formatter.Context words any template failure so (parse or execute)
    if (e instanceof TemplateError) throw new TemplateError(`template parsing error: ${e.message}`, { cause: e });
    throw e;
  }
}

function renderRowsUnchecked(format: string, rows: object[], headers: Record<string, string>): string {
  const f = unescapeFormat(format);
  if (isTableFormat(f)) {
    const body = f.slice('table'.length).replace(/^\s+/, '');
    const t = new Template(body);
    const header = t.execute(
      new Proxy(
        {},
        {
          get: (_t, k) => (typeof k === 'string' ? (headers[k] ?? k.toUpperCase()) : k === METHODS ? HEADER_METHODS : undefined),
          has: () => true,
          getOwnPropertyDescriptor: (_t, k) => ({ configurable: true, enumerable: true, value: typeof k === 'string' ? (headers[k] ?? k.toUpperCase()) : undefined }),
        },
      ),
    );
    const lines = [header, ...rows.map((r) => t.execute(r, true))];
    return renderTabbed(lines.flatMap((l) => l.split('\n')));
  }
  const t = new Template(f);
  return rows.map((r) => t.execute(r, true) + '\n').join('');
}

/** `--format json` is docker's shorthand for `{{json .}}`. */
export function normalizeFormat(format: string | undefined, def: string): string {
  if (!format) return def;
  if (format === 'json') return '{{json .}}';
  if (format === 'table') return def;
  return format;
}
