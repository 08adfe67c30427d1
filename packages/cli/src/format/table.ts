/** Display width of a cell: runes, as Go's tabwriter counts them. */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Go's `text/tabwriter` (padchar ' ', no flags) over lines of cells: every cell but a line's last
 * is tab-terminated and padded to its column's width (widest cell + `padding`, at least
 * `minWidth`), where a column is a block of consecutive lines that have a cell in it (a line with
 * fewer cells ends the block, as in Go). docker's tables use 10/1/3; `version --format` 20/1/1.
 */
export function renderTable(rows: string[][], minWidth = 10, padding = 3): string {
  const widths: number[] = [];
  const out: string[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = rows[i]!;
      let line = '';
      for (let c = 0; c < r.length; c++) {
        const cell = r[c]!;
        line += c < widths.length && c < r.length - 1 ? cell + ' '.repeat(Math.max(0, widths[c]! - width(cell))) : cell;
      }
      out.push(line + '\n');
    }
  };
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= rows[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let w = minWidth;
      for (; i < line1 && column < rows[i]!.length - 1; i++) w = Math.max(w, width(rows[i]![column]!) + padding);
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--;
    }
    writeLines(line0, line1);
  };
  format(0, rows.length);
  return out.join('');
}

/** Splits rendered template lines at tabs, then aligns them as a table. */
export function renderTabbed(lines: string[]): string {
  return renderTable(lines.map((l) => l.split('\t')));
}
