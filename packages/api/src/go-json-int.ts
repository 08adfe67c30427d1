import { InvalidArgumentError } from '@berth/errdefs';
import { INT64_MAX, INT64_MIN, int64Value } from './go-int64';
import { JsonNumber } from '@berth/oci';
import type { Int64 } from './types';

/** JSON's name of a value's kind, as Go's UnmarshalTypeError gives it. */
export function goJsonKind(v: unknown): string {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof JsonNumber ? 'number' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : 'string';
}

/**
 * An integer field as Go's encoding/json decodes it (a body read by parseJsonExact), the field
 * named `where` with Go type `type` (int64, int, time.Duration, uint16, fs.FileMode: a uint32):
 * unset is 0; a literal with a fraction or an exponent (`1e30`, `1.0`), another kind, or a value
 * out of the type's range is refused (InvalidArgumentError) with Go's text, `json: cannot
 * unmarshal number 1e30 into Go struct field X of type int64`; an int64 beyond 2^53 comes back as
 * a bigint.
 */
export function goInt(v: unknown, where: string, type: string): Int64 {
  if (v === undefined || v === null) return 0;
  const refuse = (what: string): never => {
    throw new InvalidArgumentError(`json: cannot unmarshal ${what} into Go struct field ${where} of type ${type}`);
  };
  if (v instanceof JsonNumber) return refuse(`number ${v.text}`);
  if (typeof v === 'number' && !Number.isInteger(v)) return refuse(`number ${v}`);
  if (typeof v !== 'number' && typeof v !== 'bigint') return refuse(goJsonKind(v));
  const b = BigInt(v);
  const unsigned = type === 'uint16' || type === 'fs.FileMode';
  const max = type === 'uint16' ? 65535n : type === 'fs.FileMode' ? 2n ** 32n - 1n : INT64_MAX;
  if (b < (unsigned ? 0n : INT64_MIN) || b > max) refuse(`number ${v}`);
  return int64Value(b);
}
