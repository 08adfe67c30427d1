import { InvalidArgumentError } from '@berth/errdefs';
import type { ImageRunConfig } from '@berth/oci';

/**
 * `docker import -c` / `docker commit -c`: Dockerfile-like instructions applied to an image
 * config. Accepted: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR,
 * STOPSIGNAL (JSON or shell form where Dockerfiles allow both).
 */
export function applyImageChanges(base: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  const cfg: ImageRunConfig = { ...base };
  for (const raw of changes) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(line)!;
    const instr = m[1]!.toUpperCase();
    const rest = (m[2] ?? '').trim();
    switch (instr) {
      case 'CMD':
        cfg.Cmd = commandForm(instr, rest);
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = commandForm(instr, rest);
        break;
      case 'ENV': {
        const env = [...(cfg.Env ?? [])];
        for (const [k, v] of keyValues(instr, rest, true)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        cfg.Env = env;
        break;
      }
      case 'LABEL': {
        // own properties (fromEntries): a label named `__proto__` is a label, as in Go
        cfg.Labels = { ...(cfg.Labels ?? {}), ...Object.fromEntries(keyValues(instr, rest, false)) };
        break;
      }
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of words(instr, rest)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new InvalidArgumentError(`EXPOSE: invalid port ${JSON.stringify(p)}`);
          ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        cfg.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const list = rest.startsWith('[') ? jsonArray(instr, rest) : words(instr, rest);
        cfg.Volumes = { ...(cfg.Volumes ?? {}), ...Object.fromEntries(list.map((v) => [v, {}])) };
        break;
      }
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), need(instr, rest)];
        break;
      case 'USER':
        cfg.User = need(instr, rest);
        break;
      case 'WORKDIR':
        cfg.WorkingDir = need(instr, rest);
        break;
      case 'STOPSIGNAL':
        cfg.StopSignal = need(instr, rest);
        break;
      default:
        throw new InvalidArgumentError(`${m[1]} is not a valid change command`);
    }
  }
  return cfg;
}

function need(instr: string, rest: string): string {
  if (rest === '') throw new InvalidArgumentError(`${instr} requires at least one argument`);
  return rest;
}

function jsonArray(instr: string, rest: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(rest);
  } catch {
    throw new InvalidArgumentError(`${instr}: invalid JSON array ${rest}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InvalidArgumentError(`${instr}: expected a JSON array of strings`);
  return v as string[];
}

/** `["a","b"]` (exec form) or `a b` (shell form: `/bin/sh -c "a b"`). */
function commandForm(instr: string, rest: string): string[] {
  if (rest.startsWith('[')) {
    try {
      return jsonArray(instr, rest);
    } catch {
      // Docker falls back to the shell form when the JSON does not parse.
    }
  }
  return ['/bin/sh', '-c', need(instr, rest)];
}

function words(instr: string, rest: string): string[] {
  const w = tokenize(need(instr, rest));
  return w;
}

/** `K=V K2="v 2"`, or the legacy one-pair `K value with spaces` (ENV only). */
function keyValues(instr: string, rest: string, legacy: boolean): [string, string][] {
  need(instr, rest);
  const first = /^([^\s=]+)(=?)/.exec(rest);
  if (first && first[2] !== '=') {
    if (!legacy) throw new InvalidArgumentError(`${instr} names must be followed by =value: ${rest}`);
    const sp = /^(\S+)\s*([\s\S]*)$/.exec(rest)!;
    return [[sp[1]!, sp[2]!]];
  }
  const out: [string, string][] = [];
  for (const tok of tokenize(rest)) {
    const i = tok.indexOf('=');
    if (i <= 0) throw new InvalidArgumentError(`${instr}: ${JSON.stringify(tok)} must be of the form name=value`);
    out.push([tok.slice(0, i), tok.slice(i + 1)]);
  }
  return out;
}

/** Splits on whitespace, honouring "double" and 'single' quotes and backslash escapes. */
function tokenize(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inTok = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inTok = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inTok = true;
    } else if (/\s/.test(c)) {
      if (inTok) out.push(cur);
      cur = '';
      inTok = false;
    } else {
      cur += c;
      inTok = true;
    }
  }
  if (quote) throw new InvalidArgumentError(`unterminated quote in ${JSON.stringify(s)}`);
  if (inTok) out.push(cur);
  return out;
}
