import type { ContainerSummary } from '@berth/api';
import { ellipsis, goQuote, truncateId } from './go-text';
import { humanSize } from '@berth/api';
import { goTimeString, timeAgo } from './human-duration';
import { displayablePorts } from './ports';
import { FormatContext, labelledContextOf } from './template';

/** `docker ps`'s default table and its headers. */
export const PS_DEFAULT_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
  Platform: 'PLATFORM',
};

function displayImage(c: Partial<ContainerSummary>, trunc: boolean): string {
  const image = c.Image ?? '';
  if (image === '') return '<no image>';
  if (!trunc) return image;
  if (c.ImageID && truncateId(c.ImageID) === truncateId(image)) return truncateId(image);
  // Already familiar (the common case): no need to load the reference parser.
  if (!image.includes('@') && !image.startsWith('docker.io/') && !image.startsWith('index.docker.io/') && !image.includes('library/')) return image;
  try {
    const { familiarString, parseReference } = require('@berth/oci') as typeof import('@berth/oci');
    const ref = parseReference(image);
    return familiarString({ domain: ref.domain, path: ref.path, tag: ref.tag });
  } catch {
    return image;
  }
}

function names(c: Partial<ContainerSummary>, trunc: boolean): string {
  let n = (c.Names ?? []).map((x) => (x.startsWith('/') ? x.slice(1) : x));
  if (trunc) {
    const plain = n.find((x) => !x.includes('/'));
    if (plain !== undefined) n = [plain];
  }
  return n.join(',');
}

/** docker's ContainerContext, with its `Label(name)` method. */
const ContainerContext = labelledContextOf('*formatter.ContainerContext');

/** One `docker ps` row as the formatter's fields (all strings, like docker's ContainerContext). */
export function containerRow(c: Partial<ContainerSummary>, o: { trunc: boolean; now: number }): FormatContext {
  const srw = humanSize(c.SizeRw ?? 0);
  const labels = c.Labels ?? {};
  const mounts = (c.Mounts ?? []).map((m) => {
    const n = m.Name || m.Source || '';
    return o.trunc ? ellipsis(n, 15) : n;
  });
  const row = new ContainerContext({
    ID: o.trunc ? truncateId(c.Id ?? '') : (c.Id ?? ''),
    Image: displayImage(c, o.trunc),
    Command: goQuote(o.trunc ? ellipsis(c.Command ?? '', 20) : (c.Command ?? '')),
    CreatedAt: goTimeString(c.Created ?? 0),
    RunningFor: timeAgo(c.Created ?? 0, o.now),
    Ports: displayablePorts(c.Ports),
    State: c.State ?? '',
    Status: c.Status ?? '',
    Size: (c.SizeRootFs ?? 0) > 0 ? `${srw} (virtual ${humanSize(c.SizeRootFs!)})` : srw,
    Names: names(c, o.trunc),
    Labels: Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join(','),
    Mounts: mounts.join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Platform: null,
  }, labels);
  return row;
}
