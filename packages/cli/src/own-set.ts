/**
 * Sets `key` on a map built from user input as an own enumerable property, whatever the key:
 * `o[key] = v` with `key` `__proto__` would set the object's prototype (the key lost from the
 * request), where Go's `map[string]T` keeps it as any other key.
 */
export function ownSet<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}
