/** docker's progress rendering (pkg/jsonmessage, go-units HumanSize) for `progress` fields. */

/** 4 significant digits, decimal units: `955.4kB`, `1.982MB`. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** `[=====>      ]  955.4kB/1.982MB` (a 50-column bar). */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return humanSize(current);
  const width = 50;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = filled >= width ? '='.repeat(width) : '='.repeat(filled) + '>' + ' '.repeat(width - filled - 1);
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}
