import { goTimeJson } from './go-time-json';

/**
 * The Go types docker CLI 28 decodes inspect results into (moby's API 1.50 types as vendored by
 * docker/cli v28.2.2): each struct's fields in declaration order, as `GoName:jsonKey:type:flags`
 * (jsonKey when it differs from GoName; flags `e` embedded, `o` omitempty). Types are written
 * resolved: named types as their underlying type (`strslice.StrSlice` is `[]string`), structs by
 * `package.Name`, `any` for an interface. Used to print a whole struct as Go's fmt does
 * (`{{.State}}` is `&{running true ...}`), see go-fmt.ts' typed printing.
 */
const STRUCTS: Record<string, string[]> = {
  'container.InspectResponse': ['ContainerJSONBase::*container.ContainerJSONBase:e', 'Mounts::[]container.MountPoint:', 'Config::*container.Config:', 'NetworkSettings::*container.NetworkSettings:', 'ImageManifestDescriptor::*ocispec.Descriptor:o'],
  'container.ContainerJSONBase': ['ID:Id:string:', 'Created::string:', 'Path::string:', 'Args::[]string:', 'State::*container.State:', 'Image::string:', 'ResolvConfPath::string:', 'HostnamePath::string:', 'HostsPath::string:', 'LogPath::string:', 'Name::string:', 'RestartCount::int:', 'Driver::string:', 'Platform::string:', 'MountLabel::string:', 'ProcessLabel::string:', 'AppArmorProfile::string:', 'ExecIDs::[]string:', 'HostConfig::*container.HostConfig:', 'GraphDriver::storage.DriverData:', 'SizeRw::*int64:o', 'SizeRootFs::*int64:o'],
  'container.State': ['Status::string:', 'Running::bool:', 'Paused::bool:', 'Restarting::bool:', 'OOMKilled::bool:', 'Dead::bool:', 'Pid::int:', 'ExitCode::int:', 'Error::string:', 'StartedAt::string:', 'FinishedAt::string:', 'Health::*container.Health:o'],
  'container.Health': ['Status::string:', 'FailingStreak::int:', 'Log::[]*container.HealthcheckResult:'],
  'container.HealthcheckResult': ['Start::time.Time:', 'End::time.Time:', 'ExitCode::int:', 'Output::string:'],
  'container.HostConfig': ['Binds::[]string:', 'ContainerIDFile::string:', 'LogConfig::container.LogConfig:', 'NetworkMode::string:', 'PortBindings::map[string][]nat.PortBinding:', 'RestartPolicy::container.RestartPolicy:', 'AutoRemove::bool:', 'VolumeDriver::string:', 'VolumesFrom::[]string:', 'ConsoleSize::[2]uint:', 'Annotations::map[string]string:o', 'CapAdd::[]string:', 'CapDrop::[]string:', 'CgroupnsMode::string:', 'DNS:Dns:[]string:', 'DNSOptions:DnsOptions:[]string:', 'DNSSearch:DnsSearch:[]string:', 'ExtraHosts::[]string:', 'GroupAdd::[]string:', 'IpcMode::string:', 'Cgroup::string:', 'Links::[]string:', 'OomScoreAdj::int:', 'PidMode::string:', 'Privileged::bool:', 'PublishAllPorts::bool:', 'ReadonlyRootfs::bool:', 'SecurityOpt::[]string:', 'StorageOpt::map[string]string:o', 'Tmpfs::map[string]string:o', 'UTSMode::string:', 'UsernsMode::string:', 'ShmSize::int64:', 'Sysctls::map[string]string:o', 'Runtime::string:o', 'Isolation::string:', 'Resources::container.Resources:e', 'Mounts::[]mount.Mount:o', 'MaskedPaths::[]string:', 'ReadonlyPaths::[]string:', 'Init::*bool:o'],
  'container.LogConfig': ['Type::string:', 'Config::map[string]string:'],
  'nat.PortBinding': ['HostIP:HostIp:string:', 'HostPort::string:'],
  'container.RestartPolicy': ['Name::string:', 'MaximumRetryCount::int:'],
  'container.Resources': ['CPUShares:CpuShares:int64:', 'Memory::int64:', 'NanoCPUs:NanoCpus:int64:', 'CgroupParent::string:', 'BlkioWeight::uint16:', 'BlkioWeightDevice::[]*blkiodev.WeightDevice:', 'BlkioDeviceReadBps::[]*blkiodev.ThrottleDevice:', 'BlkioDeviceWriteBps::[]*blkiodev.ThrottleDevice:', 'BlkioDeviceReadIOps::[]*blkiodev.ThrottleDevice:', 'BlkioDeviceWriteIOps::[]*blkiodev.ThrottleDevice:', 'CPUPeriod:CpuPeriod:int64:', 'CPUQuota:CpuQuota:int64:', 'CPURealtimePeriod:CpuRealtimePeriod:int64:', 'CPURealtimeRuntime:CpuRealtimeRuntime:int64:', 'CpusetCpus::string:', 'CpusetMems::string:', 'Devices::[]container.DeviceMapping:', 'DeviceCgroupRules::[]string:', 'DeviceRequests::[]container.DeviceRequest:', 'KernelMemory::int64:o', 'KernelMemoryTCP::int64:o', 'MemoryReservation::int64:', 'MemorySwap::int64:', 'MemorySwappiness::*int64:', 'OomKillDisable::*bool:', 'PidsLimit::*int64:', 'Ulimits::[]*units.Ulimit:', 'CPUCount:CpuCount:int64:', 'CPUPercent:CpuPercent:int64:', 'IOMaximumIOps::uint64:', 'IOMaximumBandwidth::uint64:'],
  'blkiodev.WeightDevice': ['Path::string:', 'Weight::uint16:'],
  'blkiodev.ThrottleDevice': ['Path::string:', 'Rate::uint64:'],
  'container.DeviceMapping': ['PathOnHost::string:', 'PathInContainer::string:', 'CgroupPermissions::string:'],
  'container.DeviceRequest': ['Driver::string:', 'Count::int:', 'DeviceIDs::[]string:', 'Capabilities::[][]string:', 'Options::map[string]string:'],
  'units.Ulimit': ['Name::string:', 'Hard::int64:', 'Soft::int64:'],
  'mount.Mount': ['Type::string:o', 'Source::string:o', 'Target::string:o', 'ReadOnly::bool:o', 'Consistency::string:o', 'BindOptions::*mount.BindOptions:o', 'VolumeOptions::*mount.VolumeOptions:o', 'ImageOptions::*mount.ImageOptions:o', 'TmpfsOptions::*mount.TmpfsOptions:o', 'ClusterOptions::*mount.ClusterOptions:o'],
  'mount.BindOptions': ['Propagation::string:o', 'NonRecursive::bool:o', 'CreateMountpoint::bool:o', 'ReadOnlyNonRecursive::bool:o', 'ReadOnlyForceRecursive::bool:o'],
  'mount.VolumeOptions': ['NoCopy::bool:o', 'Labels::map[string]string:o', 'Subpath::string:o', 'DriverConfig::*mount.Driver:o'],
  'mount.Driver': ['Name::string:o', 'Options::map[string]string:o'],
  'mount.ImageOptions': ['Subpath::string:o'],
  'mount.TmpfsOptions': ['SizeBytes::int64:o', 'Mode::uint32:o', 'Options::[][]string:o'],
  'mount.ClusterOptions': [],
  'storage.DriverData': ['Data::map[string]string:', 'Name::string:'],
  'container.MountPoint': ['Type::string:o', 'Name::string:o', 'Source::string:', 'Destination::string:', 'Driver::string:o', 'Mode::string:', 'RW::bool:', 'Propagation::string:'],
  'container.Config': ['Hostname::string:', 'Domainname::string:', 'User::string:', 'AttachStdin::bool:', 'AttachStdout::bool:', 'AttachStderr::bool:', 'ExposedPorts::map[string]struct{}:o', 'Tty::bool:', 'OpenStdin::bool:', 'StdinOnce::bool:', 'Env::[]string:', 'Cmd::[]string:', 'Healthcheck::*dockerspec.HealthcheckConfig:o', 'ArgsEscaped::bool:o', 'Image::string:', 'Volumes::map[string]struct{}:', 'WorkingDir::string:', 'Entrypoint::[]string:', 'NetworkDisabled::bool:o', 'MacAddress::string:o', 'OnBuild::[]string:', 'Labels::map[string]string:', 'StopSignal::string:o', 'StopTimeout::*int:o', 'Shell::[]string:o'],
  'dockerspec.HealthcheckConfig': ['Test::[]string:o', 'Interval::time.Duration:o', 'Timeout::time.Duration:o', 'StartPeriod::time.Duration:o', 'StartInterval::time.Duration:o', 'Retries::int:o'],
  'container.NetworkSettings': ['NetworkSettingsBase::container.NetworkSettingsBase:e', 'DefaultNetworkSettings::container.DefaultNetworkSettings:e', 'Networks::map[string]*network.EndpointSettings:'],
  'container.NetworkSettingsBase': ['Bridge::string:', 'SandboxID::string:', 'SandboxKey::string:', 'Ports::map[string][]nat.PortBinding:', 'HairpinMode::bool:', 'LinkLocalIPv6Address::string:', 'LinkLocalIPv6PrefixLen::int:', 'SecondaryIPAddresses::[]network.Address:', 'SecondaryIPv6Addresses::[]network.Address:'],
  'network.Address': ['Addr::string:', 'PrefixLen::int:'],
  'container.DefaultNetworkSettings': ['EndpointID::string:', 'Gateway::string:', 'GlobalIPv6Address::string:', 'GlobalIPv6PrefixLen::int:', 'IPAddress::string:', 'IPPrefixLen::int:', 'IPv6Gateway::string:', 'MacAddress::string:'],
  'network.EndpointSettings': ['IPAMConfig::*network.EndpointIPAMConfig:', 'Links::[]string:', 'Aliases::[]string:', 'MacAddress::string:', 'DriverOpts::map[string]string:', 'GwPriority::int:', 'NetworkID::string:', 'EndpointID::string:', 'Gateway::string:', 'IPAddress::string:', 'IPPrefixLen::int:', 'IPv6Gateway::string:', 'GlobalIPv6Address::string:', 'GlobalIPv6PrefixLen::int:', 'DNSNames::[]string:'],
  'network.EndpointIPAMConfig': ['IPv4Address::string:o', 'IPv6Address::string:o', 'LinkLocalIPs::[]string:o'],
  'ocispec.Descriptor': ['MediaType:mediaType:string:', 'Digest:digest:string:', 'Size:size:int64:', 'URLs:urls:[]string:o', 'Annotations:annotations:map[string]string:o', 'Data:data:[]uint8:o', 'Platform:platform:*ocispec.Platform:o', 'ArtifactType:artifactType:string:o'],
  'ocispec.Platform': ['Architecture:architecture:string:', 'OS:os:string:', 'OSVersion:os.version:string:o', 'OSFeatures:os.features:[]string:o', 'Variant:variant:string:o'],
  'image.InspectResponse': ['ID:Id:string:', 'RepoTags::[]string:', 'RepoDigests::[]string:', 'Parent::string:', 'Comment::string:', 'Created::string:o', 'Container::string:o', 'ContainerConfig::*container.Config:o', 'DockerVersion::string:', 'Author::string:', 'Config::*dockerspec.DockerOCIImageConfig:', 'Architecture::string:', 'Variant::string:o', 'Os::string:', 'OsVersion::string:o', 'Size::int64:', 'VirtualSize::int64:o', 'GraphDriver::storage.DriverData:', 'RootFS::image.RootFS:', 'Metadata::image.Metadata:', 'Descriptor::*ocispec.Descriptor:o', 'Manifests::[]image.ManifestSummary:o'],
  'dockerspec.DockerOCIImageConfig': ['ImageConfig::ocispec.ImageConfig:e', 'DockerOCIImageConfigExt::dockerspec.DockerOCIImageConfigExt:e'],
  'ocispec.ImageConfig': ['User::string:o', 'ExposedPorts::map[string]struct{}:o', 'Env::[]string:o', 'Entrypoint::[]string:o', 'Cmd::[]string:o', 'Volumes::map[string]struct{}:o', 'WorkingDir::string:o', 'Labels::map[string]string:o', 'StopSignal::string:o', 'ArgsEscaped::bool:o'],
  'dockerspec.DockerOCIImageConfigExt': ['Healthcheck::*dockerspec.HealthcheckConfig:o', 'OnBuild::[]string:o', 'Shell::[]string:o'],
  'image.RootFS': ['Type::string:o', 'Layers::[]string:o'],
  'image.Metadata': ['LastTagTime::time.Time:o'],
  'image.ManifestSummary': ['ID::string:', 'Descriptor::ocispec.Descriptor:', 'Available::bool:', 'Size::image.ManifestSummary_Size:', 'Kind::string:', 'ImageData::*image.ImageProperties:o', 'AttestationData::*image.AttestationProperties:o'],
  'image.ManifestSummary_Size': ['Content::int64:', 'Total::int64:'],
  'image.ImageProperties': ['Platform::ocispec.Platform:', 'Size::image.ImageProperties_Size:', 'Containers::[]string:'],
  'image.ImageProperties_Size': ['Unpacked::int64:'],
  'image.AttestationProperties': ['For::string:'],
  'network.Inspect': ['Name::string:', 'ID:Id:string:', 'Created::time.Time:', 'Scope::string:', 'Driver::string:', 'EnableIPv4::bool:', 'EnableIPv6::bool:', 'IPAM::network.IPAM:', 'Internal::bool:', 'Attachable::bool:', 'Ingress::bool:', 'ConfigFrom::network.ConfigReference:', 'ConfigOnly::bool:', 'Containers::map[string]network.EndpointResource:', 'Options::map[string]string:', 'Labels::map[string]string:', 'Peers::[]network.PeerInfo:o', 'Services::map[string]network.ServiceInfo:o'],
  'network.IPAM': ['Driver::string:', 'Options::map[string]string:', 'Config::[]network.IPAMConfig:'],
  'network.IPAMConfig': ['Subnet::string:o', 'IPRange::string:o', 'Gateway::string:o', 'AuxAddress:AuxiliaryAddresses:map[string]string:o'],
  'network.ConfigReference': ['Network::string:'],
  'network.EndpointResource': ['Name::string:', 'EndpointID::string:', 'MacAddress::string:', 'IPv4Address::string:', 'IPv6Address::string:'],
  'network.PeerInfo': ['Name::string:', 'IP::string:'],
  'network.ServiceInfo': ['VIP::string:', 'Ports::[]string:', 'LocalLBIndex::int:', 'Tasks::[]network.Task:'],
  'network.Task': ['Name::string:', 'EndpointID::string:', 'EndpointIP::string:', 'Info::map[string]string:'],
  'volume.Volume': ['ClusterVolume::*volume.ClusterVolume:o', 'CreatedAt::string:o', 'Driver::string:', 'Labels::map[string]string:', 'Mountpoint::string:', 'Name::string:', 'Options::map[string]string:', 'Scope::string:', 'Status::map[string]any:o', 'UsageData::*volume.UsageData:o'],
  'volume.ClusterVolume': ['ID::string:', 'Meta::swarm.Meta:e', 'Spec::volume.ClusterVolumeSpec:', 'PublishStatus::[]*volume.PublishStatus:o', 'Info::*volume.Info:o'],
  'swarm.Meta': ['Version::swarm.Version:o', 'CreatedAt::time.Time:o', 'UpdatedAt::time.Time:o'],
  'swarm.Version': ['Index::uint64:o'],
  'volume.ClusterVolumeSpec': ['Group::string:o', 'AccessMode::*volume.AccessMode:o', 'AccessibilityRequirements::*volume.TopologyRequirement:o', 'CapacityRange::*volume.CapacityRange:o', 'Secrets::[]volume.Secret:o', 'Availability::string:o'],
  'volume.AccessMode': ['Scope::string:o', 'Sharing::string:o', 'MountVolume::*volume.TypeMount:o', 'BlockVolume::*volume.TypeBlock:o'],
  'volume.TypeMount': ['FsType::string:o', 'MountFlags::[]string:o'],
  'volume.TypeBlock': [],
  'volume.TopologyRequirement': ['Requisite::[]volume.Topology:o', 'Preferred::[]volume.Topology:o'],
  'volume.Topology': ['Segments::map[string]string:o'],
  'volume.CapacityRange': ['RequiredBytes::int64:', 'LimitBytes::int64:'],
  'volume.Secret': ['Key::string:', 'Secret::string:'],
  'volume.PublishStatus': ['NodeID::string:o', 'State::string:o', 'PublishContext::map[string]string:o'],
  'volume.Info': ['CapacityBytes::int64:o', 'VolumeContext::map[string]string:o', 'VolumeID::string:o', 'AccessibleTopology::[]volume.Topology:o'],
  'volume.UsageData': ['RefCount::int64:', 'Size::int64:'],
  // GET /info, /version and /system/df as docker CLI 28 decodes them (system.Info, types.Version,
  // types.DiskUsage); registry.NetIPNet marshals as a string, container.Isolation and
  // ContainerState are strings
  'system.Info': ['ID::string:', 'Containers::int:', 'ContainersRunning::int:', 'ContainersPaused::int:', 'ContainersStopped::int:', 'Images::int:', 'Driver::string:', 'DriverStatus::[][2]string:', 'SystemStatus::[][2]string:o', 'Plugins::system.PluginsInfo:', 'MemoryLimit::bool:', 'SwapLimit::bool:', 'KernelMemory::bool:o', 'KernelMemoryTCP::bool:o', 'CPUCfsPeriod:CpuCfsPeriod:bool:', 'CPUCfsQuota:CpuCfsQuota:bool:', 'CPUShares::bool:', 'CPUSet::bool:', 'PidsLimit::bool:', 'IPv4Forwarding::bool:', 'Debug::bool:', 'NFd::int:', 'OomKillDisable::bool:', 'NGoroutines::int:', 'SystemTime::string:', 'LoggingDriver::string:', 'CgroupDriver::string:', 'CgroupVersion::string:o', 'NEventsListener::int:', 'KernelVersion::string:', 'OperatingSystem::string:', 'OSVersion::string:', 'OSType::string:', 'Architecture::string:', 'IndexServerAddress::string:', 'RegistryConfig::*registry.ServiceConfig:', 'NCPU::int:', 'MemTotal::int64:', 'GenericResources::[]swarm.GenericResource:', 'DockerRootDir::string:', 'HTTPProxy:HttpProxy:string:', 'HTTPSProxy:HttpsProxy:string:', 'NoProxy::string:', 'Name::string:', 'Labels::[]string:', 'ExperimentalBuild::bool:', 'ServerVersion::string:', 'Runtimes::map[string]system.RuntimeWithStatus:', 'DefaultRuntime::string:', 'Swarm::swarm.Info:', 'LiveRestoreEnabled::bool:', 'Isolation::string:', 'InitBinary::string:', 'ContainerdCommit::system.Commit:', 'RuncCommit::system.Commit:', 'InitCommit::system.Commit:', 'SecurityOptions::[]string:', 'ProductLicense::string:o', 'DefaultAddressPools::[]system.NetworkAddressPool:o', 'FirewallBackend::*system.FirewallInfo:o', 'CDISpecDirs::[]string:', 'DiscoveredDevices::[]system.DeviceInfo:o', 'Containerd::*system.ContainerdInfo:o', 'Warnings::[]string:'],
  'system.PluginsInfo': ['Volume::[]string:', 'Network::[]string:', 'Authorization::[]string:', 'Log::[]string:'],
  'system.RuntimeWithStatus': ['Runtime::system.Runtime:e', 'Status:status:map[string]string:o'],
  'system.Runtime': ['Path:path:string:o', 'Args:runtimeArgs:[]string:o', 'Type:runtimeType:string:o', 'Options:options:map[string]any:o'],
  'system.Commit': ['ID::string:', 'Expected::string:o'],
  'system.NetworkAddressPool': ['Base::string:', 'Size::int:'],
  'system.FirewallInfo': ['Driver::string:', 'Info::[][2]string:o'],
  'system.DeviceInfo': ['Source::string:', 'ID::string:'],
  'system.ContainerdInfo': ['Address::string:o', 'Namespaces::system.ContainerdNamespaces:'],
  'system.ContainerdNamespaces': ['Containers::string:', 'Plugins::string:'],
  'registry.ServiceConfig': ['AllowNondistributableArtifactsCIDRs::[]*string:o', 'AllowNondistributableArtifactsHostnames::[]string:o', 'InsecureRegistryCIDRs::[]*string:', 'IndexConfigs::map[string]*registry.IndexInfo:', 'Mirrors::[]string:'],
  'registry.IndexInfo': ['Name::string:', 'Mirrors::[]string:', 'Secure::bool:', 'Official::bool:'],
  'swarm.GenericResource': ['NamedResourceSpec::*swarm.NamedGenericResource:o', 'DiscreteResourceSpec::*swarm.DiscreteGenericResource:o'],
  'swarm.NamedGenericResource': ['Kind::string:o', 'Value::string:o'],
  'swarm.DiscreteGenericResource': ['Kind::string:o', 'Value::int64:o'],
  'swarm.Info': ['NodeID::string:', 'NodeAddr::string:', 'LocalNodeState::string:', 'ControlAvailable::bool:', 'Error::string:', 'RemoteManagers::[]swarm.Peer:', 'Nodes::int:o', 'Managers::int:o', 'Cluster::*swarm.ClusterInfo:o', 'Warnings::[]string:o'],
  'swarm.Peer': ['NodeID::string:', 'Addr::string:'],
  // berthd has no swarm: the cluster's spec and TLS info are left untyped
  'swarm.ClusterInfo': ['ID::string:', 'Meta::swarm.Meta:e', 'Spec::any:', 'TLSInfo::any:', 'RootRotationInProgress::bool:', 'DefaultAddrPool::[]string:', 'SubnetSize::uint32:', 'DataPathPort::uint32:'],
  'types.Version': ['Platform::types.Version_Platform:o', 'Components::[]types.ComponentVersion:o', 'Version::string:', 'APIVersion:ApiVersion:string:', 'MinAPIVersion::string:o', 'GitCommit::string:', 'GoVersion::string:', 'Os::string:', 'Arch::string:', 'KernelVersion::string:o', 'Experimental::bool:o', 'BuildTime::string:o'],
  'types.Version_Platform': ['Name::string:'],
  'types.ComponentVersion': ['Name::string:', 'Version::string:', 'Details::map[string]string:o'],
  'types.DiskUsage': ['LayersSize::int64:', 'Images::[]*image.Summary:', 'Containers::[]*container.Summary:', 'Volumes::[]*volume.Volume:', 'BuildCache::[]*build.CacheRecord:', 'BuilderSize::int64:o'],
  'image.Summary': ['Containers::int64:', 'Created::int64:', 'ID:Id:string:', 'Labels::map[string]string:', 'ParentID:ParentId:string:', 'Descriptor::*ocispec.Descriptor:o', 'Manifests::[]image.ManifestSummary:o', 'RepoDigests::[]string:', 'RepoTags::[]string:', 'SharedSize::int64:', 'Size::int64:', 'VirtualSize::int64:o'],
  'container.Summary': ['ID:Id:string:', 'Names::[]string:', 'Image::string:', 'ImageID::string:', 'ImageManifestDescriptor::*ocispec.Descriptor:o', 'Command::string:', 'Created::int64:', 'Ports::[]container.Port:', 'SizeRw::int64:o', 'SizeRootFs::int64:o', 'Labels::map[string]string:', 'State::string:', 'Status::string:', 'HostConfig::container.Summary_HostConfig:', 'NetworkSettings::*container.NetworkSettingsSummary:', 'Mounts::[]container.MountPoint:'],
  'container.Summary_HostConfig': ['NetworkMode::string:o', 'Annotations::map[string]string:o'],
  'container.Port': ['IP::string:o', 'PrivatePort::uint16:', 'PublicPort::uint16:o', 'Type::string:'],
  'container.NetworkSettingsSummary': ['Networks::map[string]*network.EndpointSettings:'],
  'build.CacheRecord': ['ID::string:', 'Parent::string:o', 'Parents: Parents:[]string:o', 'Type::string:', 'Description::string:', 'InUse::bool:', 'Shared::bool:', 'Size::int64:', 'CreatedAt::time.Time:', 'LastUsedAt::*time.Time:', 'UsageCount::int:'],
};

/** The types docker CLI 28 decodes berthd's other answers into (`info`, `version`, `system df`), for the drift check. */
export const ANSWER_TYPES = {
  info: 'system.Info',
  version: 'types.Version',
  df: 'types.DiskUsage',
} as const;

/** The type docker's inspect decodes each kind of object into. */
export const INSPECT_TYPES = {
  container: 'container.InspectResponse',
  image: 'image.InspectResponse',
  network: 'network.Inspect',
  volume: 'volume.Volume',
} as const;

export interface GoStructField {
  name: string;
  json: string;
  type: string;
  embedded: boolean;
  omitempty: boolean;
}

const PARSED = new Map<string, GoStructField[]>();

/** A struct's fields, or undefined when `type` names no struct known here. */
export function structFields(type: string): GoStructField[] | undefined {
  const cached = PARSED.get(type);
  if (cached) return cached;
  const raw = STRUCTS[type];
  if (!raw) return undefined;
  const fields = raw.map((f) => {
    const [name, json, ...rest] = f.split(':');
    const flags = rest.pop()!;
    // the type itself may hold ':' (never here, but keep the split honest)
    return { name: name!, json: json || name!, type: rest.join(':'), embedded: flags.includes('e'), omitempty: flags.includes('o') };
  });
  PARSED.set(type, fields);
  return fields;
}

/** `map[K]V` → [K, V]. */
export function mapTypes(type: string): [string, string] {
  let depth = 0;
  for (let i = 4; i < type.length; i++) {
    if (type[i] === '[') depth++;
    else if (type[i] === ']') {
      if (depth === 0) return [type.slice(4, i), type.slice(i + 1)];
      depth--;
    }
  }
  return ['any', 'any'];
}

const TYPED = new WeakMap<object, string>();

/** The Go type (at its place: `*container.State`) of an object of marked inspect data. */
export function goTypeOfValue(v: object): string | undefined {
  return TYPED.get(v);
}

/** Marks the objects (and slices and maps) of inspect JSON `v` with the Go types docker decodes them into. */
export function markGoTypes(v: unknown, type: string): void {
  if (v === null || typeof v !== 'object') return;
  const t = type.startsWith('*') ? type.slice(1) : type;
  const slice = /^\[\d*\](.*)$/.exec(t);
  if (slice) {
    if (!Array.isArray(v)) return;
    TYPED.set(v, type);
    for (const x of v) markGoTypes(x, slice[1]!);
    return;
  }
  if (Array.isArray(v)) return;
  if (t.startsWith('map[')) {
    TYPED.set(v, type);
    const [, val] = mapTypes(t);
    for (const x of Object.values(v)) markGoTypes(x, val);
    return;
  }
  if (!structFields(t)) return;
  TYPED.set(v, type);
  markFields(v as Record<string, unknown>, t);
}

function markFields(o: Record<string, unknown>, struct: string): void {
  for (const f of structFields(struct)!) {
    // an embedded struct's fields are the same JSON object's
    if (f.embedded) {
      if (structFields(f.type.replace(/^\*/, ''))) markFields(o, f.type.replace(/^\*/, ''));
    }
    else markGoTypes(o[f.json], f.type);
  }
}

/** The field `name` of struct `type` (promoted ones of embedded structs too: the shallowest), as Go's template finds it. */
export function goFieldOf(type: string, name: string): GoStructField | undefined {
  let level = [type.replace(/^\*/, '')];
  while (level.length) {
    const next: string[] = [];
    for (const t of level) {
      for (const f of structFields(t) ?? []) {
        if (f.name === name) return f;
        if (f.embedded) next.push(f.type.replace(/^\*/, ''));
      }
    }
    level = next;
  }
  return undefined;
}

const NIL = new WeakSet<object>();

/** A nil slice or map of Go type `type` (JSON null where docker's type has a slice or map): empty, printed `[]`/`map[]`, marshalled `null`. */
export function goNilOf(type: string): object | undefined {
  const t = type.replace(/^\*/, '');
  if (!/^\[\]/.test(t) && !t.startsWith('map[')) return undefined;
  const v = Object.freeze(t.startsWith('map[') ? {} : []);
  TYPED.set(v, type);
  NIL.add(v);
  return v;
}

export function isGoNil(v: unknown): boolean {
  return typeof v === 'object' && v !== null && NIL.has(v);
}

/**
 * `json.Marshal` of JSON value `v` decoded into Go type `type` (docker's `{{json .HostConfig}}`):
 * struct fields in declaration order under their JSON names, embedded structs inlined, `omitempty`
 * fields left out when empty, fields the type lacks dropped, a missing field its zero value.
 * `quote` is Go's string encoding; `other` marshals an untyped value (an interface's).
 */
export function marshalTyped(v: unknown, type: string, quote: (s: string) => string, other: (v: unknown) => string): string {
  const rec = (x: unknown, t: string): string => {
    if (t.startsWith('*')) return x === null || x === undefined ? 'null' : rec(x, t.slice(1));
    // a []byte is base64 in JSON both ways (encoding/json's rule for a byte slice)
    if (t === '[]uint8') return typeof x === 'string' || Array.isArray(x) ? quote(goBase64(x)) : 'null';
    const slice = /^\[(\d*)\](.*)$/.exec(t);
    if (slice) {
      if (!Array.isArray(x) && !slice[1]) return 'null';
      const items = Array.isArray(x) ? [...x] : [];
      if (slice[1]) while (items.length < Number(slice[1])) items.push(undefined);
      return `[${items.map((e) => rec(e, slice[2]!)).join(',')}]`;
    }
    if (t.startsWith('map[')) {
      if (x === null || typeof x !== 'object') return 'null';
      const [, val] = mapTypes(t);
      const o = x as Record<string, unknown>;
      return `{${Object.keys(o)
        .sort()
        .map((k) => `${quote(k)}:${rec(o[k], val)}`)
        .join(',')}}`;
    }
    switch (t) {
      case 'string':
        return quote(typeof x === 'string' ? x : '');
      case 'time.Time':
        // decoded into a time.Time and marshalled again by docker: RFC3339Nano
        return quote(typeof x === 'string' ? goTimeJson(x) : '0001-01-01T00:00:00Z');
      case 'bool':
        return String(x === true);
      case 'struct{}':
        return '{}';
      case 'any':
        return x === undefined ? 'null' : other(x);
    }
    if (/^(u?int(8|16|32|64)?|float(32|64)|time\.Duration)$/.test(t)) return typeof x === 'number' || typeof x === 'bigint' ? other(x) : '0';
    if (!structFields(t)) return x === undefined ? 'null' : other(x);
    const o = x !== null && typeof x === 'object' ? (x as Record<string, unknown>) : {};
    return `{${structParts(o, t).join(',')}}`;
  };
  const structParts = (o: Record<string, unknown>, t: string): string[] => {
    const parts: string[] = [];
    for (const f of structFields(t)!) {
      if (f.embedded) {
        const inner = f.type.replace(/^\*/, '');
        if (structFields(inner)) parts.push(...structParts(o, inner));
        continue;
      }
      if (f.json === '-') continue;
      const x = o[f.json];
      if (f.omitempty && isEmptyAs(x, f.type)) continue;
      parts.push(`${quote(f.json)}:${rec(x, f.type)}`);
    }
    return parts;
  };
  return rec(v, type);
}

/** A []byte's JSON text (base64 with padding, as Go writes it) from the JSON's text or the bytes. */
function goBase64(x: string | unknown[]): string {
  return (typeof x === 'string' ? Buffer.from(x, 'base64') : Buffer.from(x.map(Number))).toString('base64');
}

/** A []byte field's value as a template sees it (fmt prints `[104 105]`, `json` gives the base64 back). */
export function goBytesOf(base64: string): number[] {
  const v = [...Buffer.from(base64, 'base64')];
  TYPED.set(v, '[]uint8');
  return v;
}

/** Go's omitempty test for JSON value `x` of Go type `type` (a struct, time.Time too, is never empty). */
function isEmptyAs(x: unknown, type: string): boolean {
  if (type === 'time.Time' || type === 'struct{}') return false;
  if (x === undefined || x === null) return !structFields(type.replace(/^\*/, '')) || type.startsWith('*');
  if (type.startsWith('*')) return false;
  if (x === '' || x === 0 || x === false) return true;
  if (Array.isArray(x)) return x.length === 0 && !/^\[\d+\]/.test(type);
  if (typeof x === 'object' && type.startsWith('map[')) return Object.keys(x).length === 0;
  return false;
}

/**
 * Where JSON value `v` (a daemon's answer) does not fit Go type `type` as this table has it: a key
 * the struct has no field for (`Config.Foo: no field in container.Config`; encoding/json would
 * drop it, so `{{json .}}` would too) or a value of the wrong JSON kind (`State.Pid: string for
 * int`). `ignore` lists paths (`HostConfig.KernelMemory`, `*` for any map key or slice index) whose
 * keys are known and left out on purpose. The check that keeps this hand-written table in step
 * with what berthd sends.
 */
export function goTypeDrift(v: unknown, type: string, ignore: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const kind = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'bigint' ? 'number' : typeof x);
  const walk = (x: unknown, t: string, at: string, pattern: string): void => {
    if (ignore.has(pattern)) return;
    if (x === null || x === undefined) return; // null decodes into anything as its zero (or nil)
    const bare = t.replace(/^\*/, '');
    const want = (k: string) => {
      if (kind(x) !== k) out.push(`${at || '.'}: ${kind(x)} for ${t}`);
      return kind(x) === k;
    };
    const slice = /^\[(\d*)\](.*)$/.exec(bare);
    if (bare === '[]uint8') return void want('string');
    if (slice) {
      if (want('array')) (x as unknown[]).forEach((e, i) => walk(e, slice[2]!, `${at}[${i}]`, `${pattern}.*`));
      return;
    }
    if (bare.startsWith('map[')) {
      const [, val] = mapTypes(bare);
      if (want('object')) for (const [k, e] of Object.entries(x as object)) walk(e, val, `${at}.${k}`, `${pattern}.*`);
      return;
    }
    switch (bare) {
      case 'string':
      case 'time.Time':
        return void want('string');
      case 'bool':
        return void want('boolean');
      case 'any':
        return;
      case 'struct{}':
        return void want('object');
    }
    if (/^(u?int(8|16|32|64)?|float(32|64)|time\.Duration)$/.test(bare)) return void want('number');
    const fields = allFields(bare);
    if (!fields) return void out.push(`${at || '.'}: no Go type ${bare} in docker-types.ts`);
    if (!want('object')) return;
    for (const [k, e] of Object.entries(x as object)) {
      const f = fields.get(k) ?? [...fields.entries()].find(([j]) => j.toLowerCase() === k.toLowerCase())?.[1];
      const path = pattern ? `${pattern}.${k}` : k;
      if (ignore.has(path)) continue;
      if (!f) out.push(`${at ? `${at}.` : ''}${k}: no field in ${bare}`);
      else walk(e, f.type, at ? `${at}.${k}` : k, path);
    }
  };
  walk(v, type, '', '');
  return out;
}

/** A struct's fields by JSON name, embedded structs' fields inlined (as encoding/json sees them). */
function allFields(type: string): Map<string, GoStructField> | undefined {
  const own = structFields(type);
  if (!own) return undefined;
  const out = new Map<string, GoStructField>();
  for (const f of own) {
    const inner = f.embedded ? allFields(f.type.replace(/^\*/, '')) : undefined;
    if (inner) for (const [k, g] of inner) if (!out.has(k)) out.set(k, g);
    if (!f.embedded) out.set(f.json, f);
  }
  return out;
}
