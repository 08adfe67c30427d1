/**
 * The order docker's `network ls` and `volume ls` sort names in (the sortorder package's natural
 * order): runs of digits compare as numbers (`v2` before `v10`; with equal values, fewer leading
 * zeros first), a digit before any other byte, everything else byte by byte; a name that is a
 * prefix of another comes first.
 */
export function naturalCompare(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  const digit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const dx = digit(x[i]);
    const dy = digit(y[j]);
    if (dx !== dy) return dx ? -1 : 1;
    if (!dx) {
      if (x[i] !== y[j]) return x[i]! - y[j]!;
      i++;
      j++;
      continue;
    }
    // a run of digits on both sides: skip leading zeros, then the longer number is larger
    const zi = i;
    const zj = j;
    while (x[i] === 0x30) i++;
    while (y[j] === 0x30) j++;
    const si = i;
    const sj = j;
    while (digit(x[i])) i++;
    while (digit(y[j])) j++;
    if (i - si !== j - sj) return i - si - (j - sj);
    const cmp = Buffer.compare(x.subarray(si, i), y.subarray(sj, j));
    if (cmp !== 0) return cmp;
    if (si - zi !== sj - zj) return si - zi - (sj - zj);
  }
  // equal so far: the one that ended first is less
  return i < x.length ? 1 : j < y.length ? -1 : 0;
}
