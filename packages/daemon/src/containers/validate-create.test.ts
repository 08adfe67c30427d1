import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { JsonNumber } from '@berth/api';
import { checkUpdateNumbers, logRotation, validateCreate } from './validate-create';

/** The body `docker run --rm busybox:local echo hi` sends (SPEC §5), trimmed. */
const cliBody = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: ['echo', 'hi'],
  Image: 'busybox:local',
  Volumes: {},
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: {},
  HostConfig: {
    Binds: null,
    LogConfig: { Type: '', Config: {} },
    NetworkMode: 'default',
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: true,
    ConsoleSize: [0, 0],
    MemorySwappiness: -1,
    PidsLimit: 0,
    Ulimits: [],
    GwPriority: 0,
  },
  NetworkingConfig: { EndpointsConfig: { default: { DNSNames: null, GwPriority: 0 } } },
};

function withHost(h: Record<string, unknown>): Record<string, unknown> {
  return { ...cliBody, HostConfig: { ...cliBody.HostConfig, ...h } };
}

describe('validateCreate', () => {
  it('accepts the CLI body and fills docker defaults', () => {
    const v = validateCreate(cliBody);
    expect(v.config.Cmd).toEqual(['echo', 'hi']);
    expect(v.config.Image).toBe('busybox:local');
    expect(v.hostConfig.LogConfig).toEqual({ Type: 'json-file', Config: {} });
    expect(v.hostConfig.IpcMode).toBe('private');
    expect(v.hostConfig.CgroupnsMode).toBe('host');
    expect(v.hostConfig.ShmSize).toBe(67108864);
    expect(v.hostConfig.Runtime).toBe('runc');
    expect(v.hostConfig.MemorySwappiness).toBeNull();
    expect(v.hostConfig.PidsLimit).toBeNull();
    expect(v.hostConfig.MaskedPaths).toContain('/proc/kcore');
    expect(v.hostConfig.AutoRemove).toBe(true);
    expect(v.warnings).toEqual([]);
  });

  it('accepts dockerode minimal bodies and string Cmd', () => {
    const v = validateCreate({ Image: 'busybox', Cmd: 'sh', name: 'stray' });
    expect(v.config.Cmd).toEqual(['sh']);
    expect(v.hostConfig.RestartPolicy).toEqual({ Name: 'no', MaximumRetryCount: 0 });
  });


  it('a "__proto__" key is an unknown field (Go ignores it), never a prototype whose fields are read', () => {
    const v = validateCreate(JSON.parse('{"Image":"busybox","__proto__":{"Cmd":["x"],"HostConfig":{"Privileged":true}},"HostConfig":{"__proto__":{"Memory":1}},"Labels":{"__proto__":"kept"}}'));
    expect(v.config.Cmd ?? null).toBeNull();
    expect(v.hostConfig.Privileged ?? false).toBe(false);
    expect(v.hostConfig.Memory ?? 0).toBe(0);
    expect(Object.entries(v.config.Labels ?? {})).toEqual([['__proto__', 'kept']]);
  });
  it("an empty or missing Image is an image-less container (Docker 20.10's create); the builder's noImage names none", () => {
    expect(validateCreate({ Image: '', Cmd: ['/x'] }).config.Image).toBe('');
    expect(validateCreate({ Cmd: ['/x'] }).config.Image).toBe('');
    expect(validateCreate({ Image: '' }, ['runc'], { noImage: true }).config.Image).toBe('');
    expect(() => validateCreate({ Image: 'busybox' }, ['runc'], { noImage: true })).toThrow('Config.Image: a container without an image names none');
  });

  it('doubles MemorySwap as docker does', () => {
    expect(validateCreate(withHost({ Memory: 67108864 })).hostConfig.MemorySwap).toBe(134217728);
  });

  it.each([
    [undefined, 'config cannot be empty'],
    [[], 'config cannot be empty'],
    [{ Image: 5 }, 'Image: expected a string'],
    [{ Image: 'x', Env: ['=x'] }, 'invalid environment variable: =x'],
    [{ Image: 'x', Env: 'A=1' }, 'Env: expected an array of strings'],
    [{ Image: 'x', Env: [1] }, 'Env: expected an array of strings'],
    [{ Image: 'x', WorkingDir: 'rel' }, "the working directory 'rel' is invalid, it needs to be an absolute path"],
    [{ Image: 'x', Hostname: 'bad host' }, 'invalid hostname format'],
    [{ Image: 'x', StopSignal: 'SIGNOPE' }, 'Invalid signal: SIGNOPE'],
    [{ Image: 'x', ExposedPorts: { abc: {} } }, 'invalid port specification'],
    [{ Image: 'x', Labels: { a: 1 } }, 'Labels: expected an object of strings'],
    [{ Image: 'x', Cmd: { a: 1 } }, 'Cmd: expected an array of strings'],
    // Docker 20.10's validateHealthCheck: a duration is 0 or at least 1ms
    [{ Image: 'x', Healthcheck: { Interval: 999999 } }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Image: 'x', Healthcheck: { Timeout: -1 } }, 'Timeout in Healthcheck cannot be less than 1ms'],
    [{ Image: 'x', Healthcheck: { StartPeriod: -(2n ** 60n) } }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
    [{ Image: 'x', Healthcheck: { Retries: -1 } }, 'Retries in Healthcheck cannot be negative'],
  ])('refuses bad config %#', (body, msg) => {
    expect(() => validateCreate(body)).toThrow(InvalidArgumentError);
    expect(() => validateCreate(body)).toThrow(msg);
  });

  it.each([
    [{ RestartPolicy: { Name: 'sometimes' } }, "invalid restart policy 'sometimes'"],
    [{ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -1 } }, 'cannot be negative'],
    [{ RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } }, "cannot be used with restart policy 'always'"],
    [{ RestartPolicy: { Name: 'always' }, AutoRemove: true }, "can't create 'AutoRemove' container with restart policy"],
    [{ Memory: -1 }, 'Minimum memory limit allowed is 6MB'],
    [{ Memory: 1024 }, 'Minimum memory limit allowed is 6MB'],
    // Go's encoding/json texts (checked with Go 1.19, Docker 20.10's, on the wrapper's types)
    [{ Memory: 1.5 }, 'json: cannot unmarshal number 1.5 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    [{ Memory: 'x' }, 'json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Memory of type int64'],
    [{ Memory: new JsonNumber('1e30') }, 'json: cannot unmarshal number 1e30 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    [{ Memory: new JsonNumber('1.0') }, 'json: cannot unmarshal number 1.0 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    [{ Memory: 9223372036854775808n }, 'json: cannot unmarshal number 9223372036854775808 into Go struct field HostConfig.HostConfig.Memory of type int64'],
    [{ PidsLimit: new JsonNumber('1e30') }, 'json: cannot unmarshal number 1e30 into Go struct field HostConfig.HostConfig.PidsLimit of type int64'],
    [{ OomScoreAdj: new JsonNumber('1e30') }, 'json: cannot unmarshal number 1e30 into Go struct field HostConfig.HostConfig.OomScoreAdj of type int'],
    [{ BlkioWeight: 70000 }, 'json: cannot unmarshal number 70000 into Go struct field HostConfig.HostConfig.BlkioWeight of type uint16'],
    [{ Ulimits: [{ Name: 'nofile', Soft: 1, Hard: new JsonNumber('1e30') }] }, 'json: cannot unmarshal number 1e30 into Go struct field Ulimit.HostConfig.Ulimits.Hard of type int64'],
    [{ Memory: -9223372036854775808n }, 'Minimum memory limit allowed is 6MB'],
    [{ NanoCpus: -5 }, 'Range of CPUs'],
    [{ CpuShares: -2 }, 'invalid CPU shares'],
    [{ ShmSize: -1 }, 'SHM size can not be less than 0'],
    [{ OomScoreAdj: 5000 }, 'range for oom score adj is [-1000, 1000]'],
    [{ MemorySwappiness: 101 }, 'valid memory swappiness range is 0-100'],
    [{ NanoCpus: 500000000, CpuQuota: 50000 }, 'Conflicting options'],
    [{ Binds: ['rel/ative:/x'] }, 'invalid volume specification'],
    [{ Binds: ['/a:rel'] }, 'invalid volume specification'],
    [{ Binds: ['/a:/b:bogus'] }, 'invalid mode: bogus'],
    [{ LogConfig: { Type: 'syslog' } }, 'not supported'],
    [{ Runtime: 'kata' }, 'Unknown runtime specified kata'],
    [{ PortBindings: { '80/tcp': [{ HostPort: 'x' }] } }, 'invalid port specification'],
    [{ ConsoleSize: [1] }, 'ConsoleSize'],
    // mount.TmpfsOptions as Go decodes it (it was stored as read and failed at start: size=[object Object])
    [{ Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: new JsonNumber('1e6') } }] }, 'json: cannot unmarshal number 1e6 into Go struct field TmpfsOptions.HostConfig.Mounts.TmpfsOptions.SizeBytes of type int64'],
    [{ Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 'big' } }] }, 'json: cannot unmarshal string into Go struct field TmpfsOptions.HostConfig.Mounts.TmpfsOptions.SizeBytes of type int64'],
    [{ Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { Mode: new JsonNumber('1.5') } }] }, 'json: cannot unmarshal number 1.5 into Go struct field TmpfsOptions.HostConfig.Mounts.TmpfsOptions.Mode of type fs.FileMode'],
    [{ Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { Mode: 4294967296 } }] }, 'json: cannot unmarshal number 4294967296 into Go struct field TmpfsOptions.HostConfig.Mounts.TmpfsOptions.Mode of type fs.FileMode'],
    [{ Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { Mode: -1 } }] }, 'of type fs.FileMode'],
    // a fraction or exponent anywhere else validation does not read: refused, never stored
    [{ Mounts: [{ Type: 'bind', Source: '/a', Target: '/b', BindOptions: { Extra: new JsonNumber('2.5') } }] }, 'HostConfig.Mounts[0].BindOptions.Extra: json: cannot unmarshal number 2.5'],
  ])('refuses bad host config %#', (h, msg) => {
    expect(() => validateCreate(withHost(h))).toThrow(InvalidArgumentError);
    expect(() => validateCreate(withHost(h))).toThrow(msg);
  });

  it('tmpfs mount options: SizeBytes an int64 (beyond 2^53 a bigint), Mode a uint32, kept', () => {
    const v = validateCreate(withHost({ Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 9007199254740993n, Mode: 0o1777 } }, { Type: 'tmpfs', Target: '/u', TmpfsOptions: { SizeBytes: 1000000 } }] }));
    expect(v.hostConfig.Mounts!.map((m) => m.TmpfsOptions)).toEqual([{ SizeBytes: 9007199254740993n, Mode: 0o1777 }, { SizeBytes: 1000000 }]);
  });

  it("int64 fields take Go's whole range: beyond 2^53 as a bigint, MemorySwap doubled in Go's int64 as docker does", () => {
    const v = validateCreate(withHost({ Memory: 9223372036854775807n, MemorySwap: -1, PidsLimit: 9007199254740993n, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 9223372036854775807n }] }));
    expect(v.hostConfig.Memory).toBe(9223372036854775807n);
    expect(v.hostConfig.MemorySwap).toBe(-1);
    expect(v.hostConfig.PidsLimit).toBe(9007199254740993n);
    expect(v.hostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 1024, Hard: 9223372036854775807n }]);
    expect(validateCreate(withHost({ Memory: 9223372036854775807n })).hostConfig.MemorySwap).toBe(-2);
    expect(validateCreate(withHost({ Memory: 2n ** 53n })).hostConfig.MemorySwap).toBe(2n ** 54n);
    // Go ints and durations (64 bits) are kept exact too; beyond int64, Go's refusal
    expect(validateCreate({ ...withHost({}), StopTimeout: 9223372036854775807n }).config.StopTimeout).toBe(9223372036854775807n);
    expect(validateCreate({ ...withHost({}), StopTimeout: -9223372036854775808n }).config.StopTimeout).toBe(-9223372036854775808n);
    expect(() => validateCreate({ ...withHost({}), StopTimeout: 9223372036854775808n })).toThrow('json: cannot unmarshal number 9223372036854775808 into Go struct field ContainerConfigWrapper.StopTimeout of type int');
    const hc = validateCreate({ ...withHost({}), Healthcheck: { Test: ['CMD', 'x'], Interval: 9223372036854775807n, Timeout: 2n ** 60n, StartPeriod: 1e6, Retries: 2n ** 62n } }).config.Healthcheck;
    expect(hc).toEqual({ Test: ['CMD', 'x'], Interval: 9223372036854775807n, Timeout: 2n ** 60n, StartPeriod: 1e6, Retries: 2n ** 62n });
    expect(() => validateCreate({ ...withHost({}), Healthcheck: { Interval: 9223372036854775808n } })).toThrow('json: cannot unmarshal number 9223372036854775808 into Go struct field HealthConfig.Healthcheck.Interval of type time.Duration');
    expect(() => validateCreate({ ...withHost({}), Healthcheck: { Retries: 9223372036854775808n } })).toThrow('json: cannot unmarshal number 9223372036854775808 into Go struct field HealthConfig.Healthcheck.Retries of type int');
    expect(validateCreate(withHost({ AutoRemove: false, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 9223372036854775807n } })).hostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 9223372036854775807n });
    expect(() => validateCreate(withHost({ AutoRemove: false, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: -9223372036854775809n } }))).toThrow('json: cannot unmarshal number -9223372036854775809 into Go struct field RestartPolicy.HostConfig.RestartPolicy.MaximumRetryCount of type int');
    // in Go's range, then Docker's own range checks, with the exact value
    expect(() => validateCreate(withHost({ OomScoreAdj: 2n ** 60n }))).toThrow('Invalid value 1152921504606846976, range for oom score adj is [-1000, 1000]');
    expect(() => validateCreate(withHost({ OomScoreAdj: 9223372036854775808n }))).toThrow('json: cannot unmarshal number 9223372036854775808 into Go struct field HostConfig.HostConfig.OomScoreAdj of type int');
    expect(() => validateCreate(withHost({ MemorySwappiness: 2n ** 60n }))).toThrow('Invalid value: 1152921504606846976, valid memory swappiness range is 0-100');
    expect(() => validateCreate({ ...withHost({}), StopTimeout: new JsonNumber('1e30') })).toThrow('json: cannot unmarshal number 1e30 into Go struct field ContainerConfigWrapper.StopTimeout of type int');
    // an update body is Go's UpdateConfig (texts checked with Go 1.19)
    expect(() => checkUpdateNumbers({ Memory: new JsonNumber('1e30') })).toThrow('json: cannot unmarshal number 1e30 into Go struct field UpdateConfig.Memory of type int64');
    expect(() => checkUpdateNumbers({ BlkioWeight: -1 })).toThrow('json: cannot unmarshal number -1 into Go struct field UpdateConfig.BlkioWeight of type uint16');
    expect(() => checkUpdateNumbers({ Memory: 'x' })).toThrow('json: cannot unmarshal string into Go struct field UpdateConfig.Memory of type int64');
    expect(() => checkUpdateNumbers({ RestartPolicy: { MaximumRetryCount: new JsonNumber('1e30') } })).toThrow('json: cannot unmarshal number 1e30 into Go struct field RestartPolicy.RestartPolicy.MaximumRetryCount of type int');
    expect(() => checkUpdateNumbers({ Memory: 9223372036854775807n, CpusetCpus: '0' })).not.toThrow();
  });

  it("json-file's max-size and max-file as Docker 20.10 reads them (go-units v0.4 FromHumanSize: decimal), refused with its texts", () => {
    expect(logRotation({ 'max-size': '10m', 'max-file': '3' })).toEqual({ maxSize: 10_000_000, maxFiles: 3 });
    expect(logRotation({ 'max-size': '64k' }).maxSize).toBe(64_000);
    expect(logRotation({ 'max-size': '1.5MiB' }).maxSize).toBe(1_500_000);
    expect(logRotation({ 'max-size': '-1' }).maxSize).toBe(0); // berth's "never rotate"
    for (const [opts, msg] of [
      [{ 'max-size': 'lots' }, "failed to initialize logging driver: invalid size: 'lots'"],
      [{ 'max-size': '10x' }, "failed to initialize logging driver: invalid size: '10x'"],
      [{ 'max-size': '1.2.3' }, 'failed to initialize logging driver: strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
      [{ 'max-size': '0' }, 'failed to initialize logging driver: max-size must be a positive number'],
      [{ 'max-file': 'x' }, 'failed to initialize logging driver: strconv.Atoi: parsing "x": invalid syntax'],
      // Go's Atoi range first (berth said "invalid max-file ... (at most 1000)")
      [{ 'max-file': '99999999999999999999' }, 'failed to initialize logging driver: strconv.Atoi: parsing "99999999999999999999": value out of range'],
      [{ 'max-file': '0' }, 'failed to initialize logging driver: max-file cannot be less than 1'],
    ] as const) {
      expect(() => logRotation(opts)).toThrow(InvalidArgumentError);
      expect(() => logRotation(opts)).toThrow(msg);
    }
  });

  it('a user network is looked up at start, as Docker 20.10 does (a 404 at create would make the CLI pull the image)', () => {
    const v = validateCreate({ ...withHost({ NetworkMode: 'trace-net' }), NetworkingConfig: { EndpointsConfig: {} } }); // 159f-run-on-network
    expect(v.hostConfig.NetworkMode).toBe('trace-net');
    expect(v.networkingConfig).toEqual({ EndpointsConfig: { 'trace-net': {} }, Normalized: true });
  });

  it('NetworkingConfig: the mode\'s network with its aliases and --ip; at most one endpoint (API 1.41)', () => {
    const v = validateCreate({ Image: 'x', HostConfig: { NetworkMode: 'web' }, NetworkingConfig: { EndpointsConfig: { web: { Aliases: ['a'], IPAMConfig: { IPv4Address: '10.9.0.5' }, NetworkID: '' } } } });
    expect(v.networkingConfig.EndpointsConfig).toEqual({ web: { Aliases: ['a'], IPAMConfig: { IPv4Address: '10.9.0.5' } } });
    const d = validateCreate({ Image: 'x', HostConfig: { NetworkMode: 'default' }, NetworkingConfig: { EndpointsConfig: { default: { Aliases: null } } } });
    expect(d.networkingConfig.EndpointsConfig).toEqual({ bridge: {} });
    expect(() => validateCreate({ Image: 'x', NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } })).toThrow('Container cannot be connected to network endpoints: a, b');
    expect(() => validateCreate({ Image: 'x', HostConfig: { NetworkMode: 'w' }, NetworkingConfig: { EndpointsConfig: { w: { IPAMConfig: { IPv4Address: '1.2.3' } } } } })).toThrow('invalid IPv4 address: 1.2.3');
    expect(validateCreate(withHost({ NetworkMode: 'none' })).networkingConfig.EndpointsConfig).toEqual({});
  });

  it('Config.MacAddress goes to the mode\'s endpoint; an endpoint MacAddress (API 1.44) must then agree', () => {
    const eps = (mac: string) => ({ EndpointsConfig: { web: { MacAddress: mac } } });
    const v = validateCreate({ Image: 'x', MacAddress: '02:42:0a:00:00:02', HostConfig: { NetworkMode: 'web' } });
    expect(v.networkingConfig.EndpointsConfig).toEqual({ web: { MacAddress: '02:42:0a:00:00:02' } });
    const same = validateCreate({ Image: 'x', MacAddress: '02:42:0A:00:00:02', HostConfig: { NetworkMode: 'web' }, NetworkingConfig: eps('02:42:0a:00:00:02') });
    expect(same.networkingConfig.EndpointsConfig).toEqual({ web: { MacAddress: '02:42:0a:00:00:02' } });
    expect(() => validateCreate({ Image: 'x', MacAddress: '02:42:0a:00:00:03', HostConfig: { NetworkMode: 'web' }, NetworkingConfig: eps('02:42:0a:00:00:02') })).toThrow(
      'the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty',
    );
  });

  it.each([
    [{ Hostname: 'h', HostConfig: { NetworkMode: 'container:x' } }, 'conflicting options: hostname and the network mode'],
    [{ HostConfig: { NetworkMode: 'container:x', Dns: ['1.1.1.1'] } }, 'conflicting options: dns and the network mode'],
    [{ HostConfig: { NetworkMode: 'container:x', ExtraHosts: ['a:1.2.3.4'] } }, 'conflicting options: custom host-to-IP mapping and the network mode'],
    [{ HostConfig: { NetworkMode: 'container:x', PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }, 'conflicting options: port publishing and the container type network mode'],
    [{ HostConfig: { NetworkMode: 'container:x', PublishAllPorts: true } }, 'conflicting options: port publishing and the container type network mode'],
    [{ ExposedPorts: { '80/tcp': {} }, HostConfig: { NetworkMode: 'container:x' } }, 'conflicting options: port exposing and the container type network mode'],
    [{ HostConfig: { NetworkMode: 'container:x', Links: ['a:b'] } }, "conflicting options: container type network can't be used with links"],
    [{ HostConfig: { NetworkMode: 'host', Links: ['a:b'] } }, "conflicting options: host type networking can't be used with links"],
    [{ MacAddress: '02:42:ac:11:00:02', HostConfig: { NetworkMode: 'host' } }, 'conflicting options: mac-address and the network mode'],
    [{ HostConfig: { PidMode: 'bogus' } }, 'invalid PID mode: bogus'],
    [{ HostConfig: { IpcMode: 'bogus' } }, 'invalid IPC mode: bogus'],
    [{ HostConfig: { Links: ['a:b:c'] } }, 'invalid link: a:b:c'],
  ])('network mode conflicts as moby\'s validateNetMode %#', (body, msg) => {
    expect(() => validateCreate({ Image: 'x', ...body })).toThrow(InvalidArgumentError);
    expect(() => validateCreate({ Image: 'x', ...body })).toThrow(msg);
  });

  it('accepts container:, host and shareable namespace modes, links, and warns for ports with --network host', () => {
    const v = validateCreate({ Image: 'x', HostConfig: { NetworkMode: 'container:web', IpcMode: 'container:web', PidMode: 'container:web' } });
    expect(v.hostConfig).toMatchObject({ NetworkMode: 'container:web', IpcMode: 'container:web', PidMode: 'container:web' });
    expect(validateCreate(withHost({ Links: ['web:w'] })).hostConfig.Links).toEqual(['web:w']);
    expect(validateCreate(withHost({ NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '80' }] } })).warnings).toEqual([
      'Published ports are discarded when using host network mode',
    ]);
  });

  it('accepts binds, named volumes and ports', () => {
    const v = validateCreate(withHost({ Binds: ['/srv/x:/data:ro', 'vol1:/vol'], PortBindings: { '80/tcp': [{ HostPort: '38080' }] } }));
    expect(v.hostConfig.Binds).toEqual(['/srv/x:/data:ro', 'vol1:/vol']);
    expect(v.hostConfig.PortBindings).toEqual({ '80/tcp': [{ HostPort: '38080' }] });
    expect(v.warnings).toEqual([]);
  });

  it('HostConfig.Runtime: one of the runtimes of the daemon (the first is the default), else the 400 of docker', () => {
    expect(validateCreate(withHost({})).hostConfig.Runtime).toBe('runc');
    expect(validateCreate(withHost({ Runtime: 'crun' }), ['runc', 'crun']).hostConfig.Runtime).toBe('crun');
    expect(validateCreate(withHost({}), ['crun', 'runc']).hostConfig.Runtime).toBe('crun');
    expect(() => validateCreate(withHost({ Runtime: 'crun' }))).toThrow('Unknown runtime specified crun');
    expect(() => validateCreate(withHost({ Runtime: 'kata' }), ['runc', 'crun'])).toThrow(InvalidArgumentError);
  });
});
