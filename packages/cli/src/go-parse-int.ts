import { type Int64, goParseInt, goParseUint } from '@berth/api';

/** The Go integer types behind pflag's int flags (int is 64 bits, as on amd64 and arm64). */
export type GoIntType = 'int' | 'int64' | 'uint16' | 'uint64';

/**
 * Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, bits) as pflag's int, int64, uint16 and uint64
 * flags call them (@berth/api's strconv): base 0 (`0x10`, `0o17`, `017`, `0b11`, `1_000`), an
 * optional sign for the signed types. Throws GoNumError with strconv's text.
 */
export function parseGoInt(s: string, type: GoIntType): Int64 {
  if (type === 'uint16') return goParseUint(s, 0, 16);
  if (type === 'uint64') return goParseUint(s, 0, 64);
  return goParseInt(s, 0, 64);
}
