import { RegistryApiError } from './errcode';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** A repository name as the distribution spec's grammar has it. */
export const NAME_PATTERN = `${COMPONENT}(?:/${COMPONENT})*`;
const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const MAX_NAME = 255;

export function validateRepositoryName(name: string): string {
  if (name.length > MAX_NAME || !NAME_RE.test(name)) throw new RegistryApiError('NAME_INVALID', { name });
  return name;
}

export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME && NAME_RE.test(name);
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}
