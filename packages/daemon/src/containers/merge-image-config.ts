import { InvalidArgumentError } from '@berth/errdefs';
import type { ContainerConfig } from '@berth/api';
import type { ImageRunConfig } from '@berth/oci';

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/**
 * Docker's merge of an image's config into a container's (daemon mergeAndVerifyConfig):
 * - User, WorkingDir, StopSignal, Domainname: the container's, else the image's;
 * - Env: the container's, then the image's variables the container does not set;
 * - Labels, ExposedPorts, Volumes: the image's, overridden/extended by the container's;
 * - Entrypoint/Cmd: a given Entrypoint drops the image's Cmd; without one, the image's
 *   Entrypoint stays and the image's Cmd is used when no Cmd was given. `[""]` is an explicit
 *   empty entrypoint (the CLI's `--entrypoint ""`).
 * Returns a new config; the inputs are not changed.
 */
export function mergeImageConfig(container: ContainerConfig, image: ImageRunConfig | undefined): ContainerConfig {
  const img = image ?? {};
  const out: ContainerConfig = { ...container };
  if (!out.User) out.User = img.User ?? '';
  if (!out.WorkingDir) out.WorkingDir = img.WorkingDir ?? '';
  if (!out.StopSignal && img.StopSignal) out.StopSignal = img.StopSignal;
  if ((out.StopTimeout === undefined || out.StopTimeout === null) && typeof img.StopTimeout === 'number') out.StopTimeout = img.StopTimeout;
  if (!out.Domainname && img.Domainname) out.Domainname = img.Domainname;

  const env = [...(container.Env ?? [])];
  if (env.length === 0) {
    out.Env = img.Env && img.Env.length ? [...img.Env] : container.Env ?? null;
  } else {
    const have = new Set(env.map(envKey));
    for (const e of img.Env ?? []) if (!have.has(envKey(e))) env.push(e);
    out.Env = env;
  }

  if (img.Labels && Object.keys(img.Labels).length) out.Labels = { ...img.Labels, ...(container.Labels ?? {}) };
  else out.Labels = container.Labels ?? {};
  if (img.ExposedPorts && Object.keys(img.ExposedPorts).length) {
    out.ExposedPorts = { ...img.ExposedPorts, ...(container.ExposedPorts ?? {}) };
  }
  if (img.Volumes && Object.keys(img.Volumes).length) out.Volumes = { ...img.Volumes, ...(container.Volumes ?? {}) };

  const ep = container.Entrypoint;
  const explicitEmptyEntrypoint = Array.isArray(ep) && (ep.length === 0 || (ep.length === 1 && ep[0] === ''));
  if (explicitEmptyEntrypoint) {
    out.Entrypoint = null;
    if (!container.Cmd || container.Cmd.length === 0) out.Cmd = img.Cmd ? [...img.Cmd] : null;
  } else if (ep && ep.length > 0) {
    out.Entrypoint = [...ep];
    out.Cmd = container.Cmd ?? null;
  } else {
    out.Entrypoint = img.Entrypoint && img.Entrypoint.length ? [...img.Entrypoint] : null;
    if (!container.Cmd || container.Cmd.length === 0) out.Cmd = img.Cmd ? [...img.Cmd] : null;
  }
  // docker's merge: the image's HEALTHCHECK, each field the container leaves unset taken from it
  if (img.Healthcheck) {
    if (!out.Healthcheck) out.Healthcheck = { ...img.Healthcheck };
    else {
      const h = { ...out.Healthcheck };
      if (!h.Test || h.Test.length === 0) h.Test = img.Healthcheck.Test;
      if (!h.Interval) h.Interval = img.Healthcheck.Interval;
      if (!h.Timeout) h.Timeout = img.Healthcheck.Timeout;
      if (!h.StartPeriod) h.StartPeriod = img.Healthcheck.StartPeriod;
      if (!h.Retries) h.Retries = img.Healthcheck.Retries;
      out.Healthcheck = h;
    }
  }
  return out;
}

/** Docker's Path and Args: the first word of Entrypoint+Cmd and the rest. 400 when empty. */
export function processOf(config: ContainerConfig): { path: string; args: string[] } {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0) throw new InvalidArgumentError('No command specified');
  return { path: argv[0]!, args: argv.slice(1) };
}
