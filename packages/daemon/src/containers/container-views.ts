import * as path from 'node:path';
import type { ContainerInspect, ContainerSummary, MountPoint } from '@berth/api';
import type { NetworkSettings } from '@berth/api';
import { containerFilePaths, type MountDescription } from '@berth/runtime';
import type { DataRoot } from '../layout';
import { portsOf } from './container-networking';
import { mountPointView } from './mount-points';
import type { ContainerRecord } from './container-record';
import { commandText, statusText } from './status-text';
import { unixSeconds } from './timestamps';

/** The container's mounts as inspect and ps show them. */
export function mountPoints(rec: ContainerRecord): MountPoint[] {
  if (rec.mounts) return rec.mounts.map(mountPointView);
  const out: MountPoint[] = [];
  for (const b of rec.hostConfig.Binds ?? []) {
    const [src, dst, mode = ''] = b.split(':') as [string, string, string?];
    const isVolume = !path.posix.isAbsolute(src);
    out.push({
      Type: isVolume ? 'volume' : 'bind',
      ...(isVolume ? { Name: src, Driver: 'local' } : {}),
      Source: src,
      Destination: dst,
      Mode: mode,
      RW: !mode.split(',').includes('ro'),
      Propagation: isVolume ? '' : 'rprivate',
    });
  }
  for (const m of rec.hostConfig.Mounts ?? []) {
    out.push({
      Type: m.Type ?? 'bind',
      Source: m.Source ?? '',
      Destination: m.Target ?? '',
      Mode: '',
      RW: !m.ReadOnly,
      Propagation: m.Type === 'bind' ? 'rprivate' : '',
    });
  }
  return out;
}

/** One row of `GET /containers/json`. */
export function toSummary(
  rec: ContainerRecord,
  now: Date,
  net: NetworkSettings,
  size?: { rw: number; rootFs: number },
): ContainerSummary {
  const s: ContainerSummary = {
    Id: rec.id,
    Names: [rec.name],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: commandText(rec.path, rec.args),
    Created: unixSeconds(rec.created),
    Ports: portsOf(net.Ports),
    Labels: rec.config.Labels ?? {},
    State: rec.state.status,
    Status: statusText(rec.state, now),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode ?? 'default' },
    NetworkSettings: { Networks: net.Networks },
    Mounts: mountPoints(rec),
  };
  if (size) {
    if (size.rw > 0) s.SizeRw = size.rw;
    s.SizeRootFs = size.rootFs;
  }
  return s;
}

/** The overlay mount's dirs, for inspect's GraphDriver.Data. */
export function graphDriverData(mounts: MountDescription[] | undefined, merged: string): Record<string, string> | null {
  const m = mounts?.find((x) => x.type === 'overlay');
  if (!m) return null;
  const opt = (k: string): string | undefined => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
  const abs = (p: string): string => (m.cwd && !path.isAbsolute(p) ? path.resolve(m.cwd, p) : p);
  const lower = opt('lowerdir');
  const data: Record<string, string> = {};
  if (lower) data.LowerDir = lower.split(':').map(abs).join(':');
  data.MergedDir = merged;
  const upper = opt('upperdir');
  if (upper) data.UpperDir = abs(upper);
  const work = opt('workdir');
  if (work) data.WorkDir = abs(work);
  return data;
}

/** `GET /containers/{id}/json`, in docker's field order. */
export function toInspect(
  rec: ContainerRecord,
  layout: DataRoot,
  extra: { graphDriver: Record<string, string> | null; size?: { rw: number; rootFs: number }; network: NetworkSettings; appArmorProfile?: string },
): ContainerInspect {
  const files = containerFilePaths(layout.containerDir(rec.id));
  const s = rec.state;
  const out: ContainerInspect = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: s.status,
      Running: s.status === 'running' || s.status === 'paused',
      Paused: s.status === 'paused',
      Restarting: s.status === 'restarting',
      OOMKilled: s.oomKilled,
      Dead: s.status === 'dead',
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...(s.health ? { Health: { Status: s.health.Status, FailingStreak: s.health.FailingStreak, Log: s.health.Log.map((l) => ({ ...l })) } } : {}),
    },
    Image: rec.imageId,
    ResolvConfPath: files.resolvConf,
    HostnamePath: files.hostname,
    HostsPath: files.hosts,
    LogPath: layout.containerLog(rec.id),
    Name: rec.name,
    RestartCount: s.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: extra.appArmorProfile ?? '',
    ExecIDs: null,
    HostConfig: rec.hostConfig,
    GraphDriver: { Data: extra.graphDriver, Name: 'overlay2' },
    Mounts: mountPoints(rec),
    Config: rec.config,
    NetworkSettings: { ...extra.network },
  };
  if (extra.size) {
    out.SizeRw = extra.size.rw;
    out.SizeRootFs = extra.size.rootFs;
  }
  return out;
}
