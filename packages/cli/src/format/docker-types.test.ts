import { describe, expect, it } from '@jest/globals';
import { goDurationText } from './go-fmt';
import { goTimeText } from './go-time-methods';
import { ANSWER_TYPES, INSPECT_TYPES, goTypeDrift } from './docker-types';
import { Template } from './template';

// Every expectation is docker CLI 28.2.2's output for the same object (served by berthd): docker
// decodes inspect results into its Go types and fmt prints a struct as `{a b}`, a pointer operand
// of printf/println as `&{...}`, a nested pointer as its address, nil slices as `[]`.
const container = () => ({
  Id: 'e94f3cf0c4e5',
  Args: ['1000'],
  State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 30249, ExitCode: 0, Error: '', StartedAt: '2026-12-07T06:13:59.40366098Z', FinishedAt: '0001-01-01T00:00:00Z' },
  HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, LogConfig: { Type: 'json-file', Config: {} }, Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }], PidsLimit: null },
  Mounts: [
    { Type: 'bind', Source: '/tmp', Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'volume', Name: 'vol1', Source: '/v/_data', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
  ],
  Config: { Env: null, Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 90000000000 }, Labels: { a: 'b' } },
});
const run = (format: string, data: unknown, type: string = INSPECT_TYPES.container) => new Template(format).executeInspect(data, type);

describe("inspect templates print docker's Go types as fmt does", () => {
  it('a struct, a pointer operand, %+v, nested pointers and nil', () => {
    const c = container();
    expect(run('{{.State}}', c)).toBe('{running true false false false false 30249 0  2026-12-07T06:13:59.40366098Z 0001-01-01T00:00:00Z <nil>}');
    expect(run('{{printf "%v" .State}}', c)).toBe('&{running true false false false false 30249 0  2026-12-07T06:13:59.40366098Z 0001-01-01T00:00:00Z <nil>}');
    expect(run('{{printf "%+v" .State}}', c)).toBe(
      '&{Status:running Running:true Paused:false Restarting:false OOMKilled:false Dead:false Pid:30249 ExitCode:0 Error: StartedAt:2026-12-07T06:13:59.40366098Z FinishedAt:0001-01-01T00:00:00Z Health:<nil>}',
    );
    expect(run('{{.HostConfig.RestartPolicy}}|{{.HostConfig.LogConfig}}|{{.HostConfig.Ulimits}}', c)).toBe('{on-failure 3}|{json-file map[]}|[nofile=100:200]');
    expect(run('{{printf "%+v" .Mounts}}', c)).toBe(
      '[{Type:bind Name: Source:/tmp Destination:/h Driver: Mode:ro RW:false Propagation:rprivate} {Type:volume Name:vol1 Source:/v/_data Destination:/data Driver:local Mode: RW:true Propagation:}]',
    );
    // time.Duration prints by its String method
    expect(run('{{.Config.Healthcheck}}', c)).toBe('{[CMD-SHELL true] 1m30s 0s 0s 0s 0}');
  });

  it("fields the JSON leaves out or sends null are the Go type's zero; Go names reach JSON's", () => {
    const c = container();
    expect(run('{{.State.Health}}|{{.HostConfig.PidsLimit}}|{{.ID}}', c)).toBe('<nil>|<nil>|e94f3cf0c4e5');
    expect(run('{{.Config.Env}}|{{json .Config.Env}}|{{len .Config.Env}}|{{if .Config.Env}}y{{else}}n{{end}}', c)).toBe('[]|null|0|n');
  });

  it("json marshals as Go marshals docker's type: its field order, omitempty, fields it lacks dropped", () => {
    const c = { ...container(), HostConfig: { KernelMemory: 0, KernelMemoryTCP: 0, RestartPolicy: { MaximumRetryCount: 3, Name: 'on-failure' }, Binds: null } };
    // docker 28 has no KernelMemory fields any more (berthd still sends API 1.41's)
    const hc = run('{{json .HostConfig}}', c);
    expect(hc).not.toContain('KernelMemory');
    expect(hc.startsWith('{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":null},"NetworkMode":"","PortBindings":null,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},')).toBe(true);
    expect(run('{{json .HostConfig.RestartPolicy}}|{{json .State.Health}}|{{json .Mounts}}', c)).toBe(
      '{"Name":"on-failure","MaximumRetryCount":3}|null|[{"Type":"bind","Source":"/tmp","Destination":"/h","Mode":"ro","RW":false,"Propagation":"rprivate"},{"Type":"volume","Name":"vol1","Source":"/v/_data","Destination":"/data","Driver":"local","Mode":"","RW":true,"Propagation":""}]',
    );
  });

  it('image, volume and network types; time.Time by its String method', () => {
    const image = { Id: 'sha256:7f', RootFS: { Type: 'layers', Layers: ['sha256:54'] }, Metadata: { LastTagTime: '2026-12-07T06:21:20.727Z' } };
    expect(run('{{.Metadata}}|{{.RootFS}}|{{.ContainerConfig}}', image, INSPECT_TYPES.image)).toBe('{2026-12-07 06:21:20.727 +0000 UTC}|{layers [sha256:54]}|<nil>');
    const network = { Name: 'net1', Created: '2026-12-07T06:21:20.057Z', IPAM: { Driver: 'default', Options: {}, Config: [] } };
    expect(run('{{.Created}}|{{json .Created}}|{{.IPAM}}', network, INSPECT_TYPES.network)).toBe('2026-12-07 06:21:20.057 +0000 UTC|"2026-12-07T06:21:20.057Z"|{default map[] []}');
  });

  it('json of a time.Time is Go\'s RFC3339Nano, as docker writes back what it decoded (the fraction without trailing zeros)', () => {
    // berthd sends JavaScript's millisecond text (`.990Z`); docker 28 decodes a time.Time and marshals `.99Z`
    const network = { Name: 'none', Created: '2026-12-07T11:48:37.990Z', IPAM: { Driver: 'default', Options: {}, Config: [] } };
    expect(run('{{.Created}}|{{json .Created}}|{{json .}}', network, INSPECT_TYPES.network)).toMatch(/^2026-12-07 11:48:37\.99 \+0000 UTC\|"2026-12-07T11:48:37\.99Z"\|\{"Name":"none","Id":"","Created":"2026-12-07T11:48:37\.99Z",/);
  });

  it('json of a []byte is base64 and a zero time.Time is kept under omitempty, as encoding/json does', () => {
    // checked with Go's encoding/json and text/template: `{{json .Descriptor}}`, `{{.Descriptor.Data}}`, `{{json .Metadata}}`
    const image = { Id: 'sha256:7f', Descriptor: { mediaType: 'application/x', digest: 'sha256:ab', size: 2, data: 'aGk=' }, Metadata: {} };
    expect(run('{{json .Descriptor}}', image, INSPECT_TYPES.image)).toBe('{"mediaType":"application/x","digest":"sha256:ab","size":2,"data":"aGk="}');
    expect(run('{{.Descriptor.Data}}|{{json .Descriptor.Data}}|{{len .Descriptor.Data}}', image, INSPECT_TYPES.image)).toBe('[104 105]|"aGk="|2');
    expect(run('{{json .Metadata}}|{{.Metadata.LastTagTime}}', image, INSPECT_TYPES.image)).toBe('{"LastTagTime":"0001-01-01T00:00:00Z"}|0001-01-01 00:00:00 +0000 UTC');
    // an empty []byte is left out under omitempty
    expect(run('{{json .Descriptor}}', { ...image, Descriptor: { ...image.Descriptor, data: '' } }, INSPECT_TYPES.image)).toBe('{"mediaType":"application/x","digest":"sha256:ab","size":2}');
  });

  it('int64 values past 2^53 (bigints from the client) print, marshal and compare exactly; an embedded struct is a field', () => {
    // docker CLI 28 on a container created with Memory 2^63-1
    const c = { ...container(), HostConfig: { ...container().HostConfig, Memory: 9223372036854775807n, ShmSize: 67108864 } };
    expect(run('{{.HostConfig.Memory}}|{{json .HostConfig.Memory}}|{{printf "%d %v %T" .HostConfig.Memory .HostConfig.Memory .HostConfig.Memory}}', c)).toBe(
      '9223372036854775807|9223372036854775807|9223372036854775807 9223372036854775807 int64',
    );
    expect(run('{{json .HostConfig}}', c)).toContain('"Memory":9223372036854775807,');
    expect(run('{{json .}}', c)).toContain('"Memory":9223372036854775807,');
    expect(run('{{if gt .HostConfig.Memory 5}}big{{end}}|{{eq .HostConfig.ShmSize 67108864}}|{{.HostConfig.Resources.Memory}}', c)).toBe('big|true|9223372036854775807');
    expect(run('{{.HostConfig.Resources}}', c)).toMatch(/^\{0 9223372036854775807 0 {2}0 /);
  });

  it('goTypeDrift names keys the table lacks and values of the wrong kind (the e2e drift check)', () => {
    const c = { ...container(), Extra: 1, State: { ...container().State, Pid: '1', Nope: true }, HostConfig: { ...container().HostConfig, CpuShares: 2, Memory: 9223372036854775807n } };
    expect(goTypeDrift(c, INSPECT_TYPES.container)).toEqual(['State.Pid: string for int', 'State.Nope: no field in container.State', 'Extra: no field in container.InspectResponse']);
    // embedded fields (HostConfig's Resources, ContainerJSONBase), maps, slices, nulls and names matched as encoding/json matches them
    expect(goTypeDrift({ id: 'x', Mounts: [{ Type: 'bind', RW: 'yes' }], Config: { Labels: { a: 1 } }, HostConfig: { cpushares: 1, Ulimits: null } }, INSPECT_TYPES.container)).toEqual([
      'Mounts[0].RW: string for bool',
      'Config.Labels.a: number for string',
    ]);
    expect(goTypeDrift({ Config: { Hostname: 'h' } }, INSPECT_TYPES.image, new Set(['Config.Hostname']))).toEqual([]);
    expect(goTypeDrift({ Config: { Labels: { x: 1 } } }, INSPECT_TYPES.image, new Set(['Config.Labels.*']))).toEqual([]);
  });

  it('goTypeDrift over info, version and system df answers (docker 28 system.Info, types.Version, types.DiskUsage)', () => {
    const info = { ID: 'x', NCPU: '2', Swarm: { LocalNodeState: 'inactive', Nope: 1 }, Runtimes: { runc: { path: 'runc', status: { a: 'b' } } }, RegistryConfig: { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: { 'docker.io': { Name: 'docker.io', Secure: true } } }, DriverStatus: [['a', 'b']] };
    expect(goTypeDrift(info, ANSWER_TYPES.info)).toEqual(['NCPU: string for int', 'Swarm.Nope: no field in swarm.Info']);
    expect(goTypeDrift({ Version: '1', ApiVersion: '1.41', Components: [{ Name: 'Engine', Version: '1', Details: { x: 1 } }], Platform: { Name: '' } }, ANSWER_TYPES.version)).toEqual(['Components[0].Details.x: number for string']);
    const df = { LayersSize: 1, Images: [{ Id: 'i', Containers: 1, VirtualSize: 2 }], Containers: [{ Id: 'c', Ports: [{ PrivatePort: 80, Type: 'tcp' }], HostConfig: { NetworkMode: 'none' }, SizeRw: 'big' }], Volumes: [{ Name: 'v', UsageData: { Size: 1, RefCount: 0 } }], BuildCache: [{ ID: 'b', LastUsedAt: null, ' Parents': ['p'] }] };
    expect(goTypeDrift(df, ANSWER_TYPES.df)).toEqual(['Containers[0].SizeRw: string for int64']);
  });

  it("time.Time's methods on typed fields, and %T names docker's types", () => {
    // checked with docker CLI 28 (network inspect's Created, image inspect's Metadata.LastTagTime) and Go's time package
    const network = { Name: 'none', Created: '2026-12-07T09:03:46.186+01:00', IPAM: { Driver: 'default', Options: {}, Config: [] }, Options: {}, Containers: {} };
    expect(run('{{.Created.Year}} {{.Created.Month}} {{.Created.Day}} {{.Created.Weekday}} {{.Created.YearDay}} {{.Created.Hour}}:{{.Created.Minute}}:{{.Created.Second}} {{.Created.Nanosecond}}', network, INSPECT_TYPES.network)).toBe(
      '2026 December 7 Monday 341 9:3:46 186000000',
    );
    expect(run('{{.Created.Unix}} {{.Created.UnixMilli}} {{.Created.UnixNano}} {{.Created.IsZero}} {{.Created.UTC}}', network, INSPECT_TYPES.network)).toBe(
      '1796630626 1796630626186 1796630626186000000 false 2026-12-07 08:03:46.186 +0000 UTC',
    );
    expect(run('{{printf "%d %T %v %d %T" .Created.Month .Created.Month .Created.Weekday .Created.Weekday .Created.Weekday}} {{eq .Created.Month 12}} {{json .Created.Month}}', network, INSPECT_TYPES.network)).toBe('12 time.Month Monday 1 time.Weekday true 12');
    const zero = { Metadata: {} };
    expect(run('{{.Metadata.LastTagTime.IsZero}} {{.Metadata.LastTagTime.Unix}} {{.Metadata.LastTagTime.Weekday}} {{.Metadata.LastTagTime.YearDay}}', zero, INSPECT_TYPES.image)).toBe('true -62135596800 Monday 1');
    expect(run('{{printf "%T|%T|%T" .IPAM .Options .Containers}}', network, INSPECT_TYPES.network)).toBe('network.IPAM|map[string]string|map[string]network.EndpointResource');
    expect(run('{{printf "%T|%T|%T|%T" . .State .Mounts .Config.Env}}', container())).toBe('container.InspectResponse|*container.State|[]container.MountPoint|[]string');
  });

  it("%T of a number field is its Go type (int64, uint16, int), piped too; a nil pointer's its pointer type; a time.Duration field prints by its String", () => {
    // docker CLI 28 on a created container with --health-interval 90s
    const c = { ...container(), HostConfig: { ...container().HostConfig, Memory: 0, BlkioWeight: 0, PidsLimit: null }, Config: { ...container().Config, Healthcheck: { Test: ['CMD', 'true'], Interval: 90000000000 } } };
    expect(run('{{printf "%T %T %T %T %T" .HostConfig.Memory .State.Pid .HostConfig.BlkioWeight .Config.Healthcheck.Interval .HostConfig.PidsLimit}}|{{.HostConfig.Memory | printf "%T"}}|{{printf "%T" (.HostConfig.NanoCPUs)}}', c)).toBe(
      'int64 int uint16 time.Duration *int64|int64|int64',
    );
    expect(run('{{printf "%s" .HostConfig.Memory}}|{{printf "%d" 1 .HostConfig.PidsLimit}}|{{"x" | printf "%T"}}|{{printf "%T" (printf "%d" .HostConfig.Memory)}}|{{$m := .HostConfig.Memory}}{{printf "%T" 5}}', c)).toBe(
      '%!s(int64=0)|1%!(EXTRA *int64=<nil>)|string|string|int',
    );
    // a variable keeps the type of the field it was set from (Go's reflect.Value), an assignment takes the new one's
    expect(run('{{$m := .HostConfig.Memory}}{{printf "%T" $m}}|{{$m = .State.Pid}}{{printf "%T" $m}}|{{$b := .HostConfig.BlkioWeight}}{{$b | printf "%T"}}|{{$s := 5}}{{printf "%T" $s}}', c)).toBe('int64|int|uint16|int');
    // `with` and `template` give dot the field's type; `range` and the top level do not carry one
    expect(run('{{with .HostConfig.BlkioWeight}}x{{else}}{{printf "%T" .}}{{end}}|{{with .State.Pid}}{{printf "%T" .}}{{end}}|{{with .HostConfig.Memory}}{{else}}{{printf "%T" .HostConfig.Memory}}{{end}}|{{define "t"}}{{printf "%T" .}}{{end}}{{template "t" .HostConfig.ShmSize}}|{{range .Config.Env}}{{printf "%T" .}}{{end}}', { ...c, State: { ...c.State, Pid: 7 }, HostConfig: { ...c.HostConfig, ShmSize: 5 }, Config: { ...c.Config, Env: ['A=1'] } })).toBe(
      'container.InspectResponse|int|int64|int64|string',
    );
    expect(run('{{.Config.Healthcheck.Interval}}|{{json .Config.Healthcheck.Interval}}|{{eq .Config.Healthcheck.Interval 90000000000}}|{{lt .Config.Healthcheck.Timeout .Config.Healthcheck.Interval}}|{{printf "%d %v" .Config.Healthcheck.Interval .Config.Healthcheck.Interval}}', c)).toBe(
      '1m30s|90000000000|true|true|90000000000 1m30s',
    );
  });

  it("Go's time.Time and time.Duration texts", () => {
    expect(goTimeText('0001-01-01T00:00:00Z')).toBe('0001-01-01 00:00:00 +0000 UTC');
    expect(goTimeText('2026-12-07T06:13:59.403660980+01:00')).toBe('2026-12-07 06:13:59.40366098 +0100 +0100');
    expect([0, 999, 1500, 1500000, 1500000000, 90e9, 3600e9, 3723.5e9].map(goDurationText)).toEqual(['0s', '999ns', '1.5µs', '1.5ms', '1.5s', '1m30s', '1h0m0s', '1h2m3.5s']);
  });
});
