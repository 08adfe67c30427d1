/**
 * How CRI objects live in berth's container table: a pod sandbox is its holder container, a CRI
 * container is a berth container, both marked with these labels (containerd keeps CRI objects
 * apart with its `k8s.io` namespace; berth keeps them apart with `io.berth.namespace`, which the
 * daemon's `ps` hides unless asked: `berth ps --filter label=io.berth.namespace=k8s.io`).
 */
export const NAMESPACE_LABEL = 'io.berth.namespace';
export const CRI_NAMESPACE = 'k8s.io';
/** `sandbox` or `container`. */
export const KIND_LABEL = 'io.berth.cri.kind';
/** The sandbox a CRI container belongs to. */
export const SANDBOX_LABEL = 'io.berth.cri.sandbox';
/** JSON of the CRI's own view of the object (metadata, labels, annotations, paths), as given. */
export const META_LABEL = 'io.berth.cri.meta';

export interface SandboxMeta {
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logDirectory: string;
  /** NamespaceMode of network/pid/ipc (0 POD, 1 CONTAINER, 2 NODE). */
  namespaces: { network: number; pid: number; ipc: number };
  portMappings: { protocol: number; container_port: number; host_port: number; host_ip: string }[];
  /** linux.cgroup_parent (kubelet's pod cgroup, e.g. /kubepods/besteffort/pod<uid>); '' for berth's own. */
  cgroupParent?: string;
  /** Unix nanoseconds. */
  createdAt: number;
}

export interface ContainerMeta {
  metadata: { name: string; attempt: number };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The image as the request gave it. */
  image: string;
  /** Absolute log path ('' when kubelet gave none). */
  logPath: string;
  mounts: {
    container_path: string;
    host_path: string;
    readonly: boolean;
    propagation: number;
    /** An image volume (Mount.image): the image as given, its ID (PullImage's image_ref), its sub path. */
    image?: { image: string; image_ref: string };
    image_sub_path?: string;
    /** The image volume's key with the image backend (mountImage/unmountImage). */
    volume_key?: string;
  }[];
  createdAt: number;
}

/** A container name in cri-dockerd's form: `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`. */
export function criContainerName(container: string, pod: SandboxMeta['metadata'], attempt: number): string {
  const clean = (s: string): string => s.replace(/[^a-zA-Z0-9_.-]/g, '-');
  return `k8s_${clean(container)}_${clean(pod.name)}_${clean(pod.namespace)}_${clean(pod.uid)}_${attempt}`;
}

/** Does `labels` hold every key=value of `selector`? */
export function matchesSelector(labels: Record<string, string>, selector: Record<string, string> | undefined | null): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}
