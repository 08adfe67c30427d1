import { InvalidArgumentError } from '@berth/errdefs';

/**
 * PAX records ("LEN KEY=VALUE\n", LEN counting itself) with binary values, for packDirectory.
 * Kept by hand because tar-stream's PAX writer only takes strings and writes them as UTF-8:
 * xattr values (`security.capability`) are binary and names need not be UTF-8.
 */
export function encodePax(records: ReadonlyArray<readonly [string, Buffer | string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    if (key.includes('=')) throw new InvalidArgumentError(`tar PAX key "${key}": contains "="`);
    const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.from(String(len)), body);
  }
  return Buffer.concat(parts);
}
