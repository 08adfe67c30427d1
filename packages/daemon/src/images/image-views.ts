import type { HistoryResponseItem, ImageInspect, ImageSummary, ContainerConfig } from '@berth/api';
import type { HistoryItem, ImageRecord } from '@berth/image-store';
import type { ImageRunConfig } from '@berth/oci';

/** Image records in the Engine API 1.41 shapes (SPEC §5 images, inspect, history). */

const EMPTY_CONFIG: ContainerConfig = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

/** A run config as docker shows it: every basic field present, the rest as stored. */
export function containerConfigView(c: ImageRunConfig | undefined): ContainerConfig {
  return { ...EMPTY_CONFIG, ...(c ?? {}) } as ContainerConfig;
}

const unixSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

export function imageSummary(r: ImageRecord, containers = -1): ImageSummary {
  const labels = r.config.config?.Labels;
  return {
    Containers: containers,
    Created: unixSeconds(r.created),
    Id: r.id,
    Labels: labels && Object.keys(labels).length ? labels : null,
    ParentId: r.parent ?? '',
    RepoDigests: [...r.repoDigests],
    RepoTags: [...r.repoTags],
    SharedSize: -1,
    Size: r.size,
    VirtualSize: r.size,
  };
}

export function imageInspect(r: ImageRecord, graphDriverData: Record<string, string> | null = null): ImageInspect {
  const c = r.config;
  const out: ImageInspect = {
    Id: r.id,
    RepoTags: [...r.repoTags],
    RepoDigests: [...r.repoDigests],
    Parent: r.parent ?? '',
    Comment: c.comment ?? '',
    Created: c.created ?? r.created.toISOString(),
    Container: c.container ?? '',
    ContainerConfig: containerConfigView(c.container_config),
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: containerConfigView(c.config),
    Architecture: c.architecture,
    Os: c.os,
    Size: r.size,
    VirtualSize: r.size,
    GraphDriver: { Data: graphDriverData, Name: 'overlay2' },
    // moby's types.RootFS: Layers is omitempty
    RootFS: { Type: 'layers', ...(c.rootfs.diff_ids.length ? { Layers: [...c.rootfs.diff_ids] } : {}) },
    Metadata: { LastTagTime: r.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
  if (c.variant) out.Variant = c.variant;
  return out;
}

export function historyView(items: HistoryItem[]): HistoryResponseItem[] {
  return items.map((h) => ({
    Comment: h.comment,
    Created: h.created,
    CreatedBy: h.createdBy,
    Id: h.id,
    Size: h.size,
    Tags: h.tags.length ? [...h.tags] : null,
  }));
}
