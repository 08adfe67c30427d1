import { setLongTimeout } from '../long-timeout';

/** Resolves after `ms` (any length: setLongTimeout) with `false`, or with `true` as soon as `p` settles (at once without `p`). */
export async function within(p: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!p) return true;
  let cancel: (() => void) | undefined;
  const done = await Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      cancel = setLongTimeout(() => resolve(false), ms);
    }),
  ]);
  cancel?.();
  return done;
}
