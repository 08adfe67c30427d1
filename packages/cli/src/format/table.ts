/** Display width of a cell: runes, as Go's tabwriter counts them. */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Go's `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`, which docker's tables use: every cell but the
 * last of a line is padded to its column's width (widest cell + 3, at least 10). `rows` are lines
 * already split at tabs.
 */
export function renderTable(rows: string[][], minWidth = 10): string {
  const widths: number[] = [];
  for (const r of rows) {
    for (let c = 0; c < r.length - 1; c++) widths[c] = Math.max(widths[c] ?? minWidth, width(r[c]!) + 3);
  }
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let c = 0; c < r.length; c++) {
      const cell = r[c]!;
      line += c < r.length - 1 ? cell + ' '.repeat(widths[c]! - width(cell)) : cell;
    }
    out += line + '\n';
  }
  return out;
}

/** Splits rendered template lines at tabs, then aligns them as a table. */
export function renderTabbed(lines: string[]): string {
  return renderTable(lines.map((l) => l.split('\t')));
}
