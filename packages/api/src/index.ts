export { API_VERSION, MAX_API_VERSION, MIN_API_VERSION, MIN_PATH_API_VERSION, compareApiVersions } from './version';
export { StreamType, type StreamName, FRAME_HEADER_SIZE, encodeFrame, encodeFrameHeader, type Frame, FrameDecoder } from './stdcopy';
export { humanSize, bytesSize, parseHumanSize, ramInBytes } from './go-units';
// written once in @berth/oci (the image store reads and writes image configs with it too)
export { JsonNumber, parseJsonExact, stringifyJson } from '@berth/oci';
export { INT64_MIN, INT64_MAX, isInt64, int64Value, goInt64Of, goInt64OfFloat, goParseInt64, goAtoi, goParseInt, goParseUint, GoNumError } from './go-int64';
export { goQuote } from './go-quote';
export { goInt, goJsonKind } from './go-json-int';
export { progressString } from './json-progress';
export { type JsonMessage, encodeJsonMessage, errorMessage, JsonMessageDecoder } from './json-message';
export { parseBool, type Filters, parseFilters, encodeFilters, checkFilterKeys } from './query';
export { type ContainerPathStat, PATH_STAT_HEADER, encodePathStat, decodePathStat } from './path-stat';
export { type AuthConfig, encodeRegistryAuth, decodeRegistryAuth } from './registry-auth';
export type { IPAM, IPAMConfig, NetworkCreateRequest, EndpointResource, NetworkResource, PortMap, NetworkSettings } from './network-types';
export type {
  Int64,
  ErrorResponse,
  PortBinding,
  RestartPolicy,
  LogConfig,
  Mount,
  Ulimit,
  HostConfig,
  HealthConfig,
  ContainerConfig,
  EndpointSettings,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerWaitResponse,
  Port,
  MountPoint,
  ContainerSummary,
  ContainerState,
  ContainerInspect,
  ImageSummary,
  ImageInspect,
  HistoryResponseItem,
  ImageDeleteResponseItem,
  ImagePruneReport,
  ContainerPruneReport,
  VersionResponse,
  InfoResponse,
  EventMessage,
} from './types';
export type { ExecCreateRequest, ExecStartRequest, ExecInspect } from './exec-types';
