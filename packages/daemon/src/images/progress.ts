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

/** `[=====>      ]  955.4kB/1.982MB`: pkg/jsonmessage's bar (50 columns, then `%8v/%v`). */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return humanSize(current);
  const pct = Math.floor(Math.floor((current / total) * 100) / 2);
  const filled = Math.min(50, Math.max(0, pct));
  return `[${'='.repeat(filled)}>${' '.repeat(50 - filled)}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}
