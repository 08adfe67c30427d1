import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@berth/errdefs';
import { buildCreateRequest, bytesFlag, parseCpus } from './run-options';

/** The body docker 28 sent for `docker run --rm busybox:local echo hi` (traces/20-run-rm-echo), byte for byte. */
const TRACE_20 = '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["echo","hi"],"Image":"busybox:local","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}';

describe('buildCreateRequest (run flags → create body, as the docker CLI builds it)', () => {
  it('is byte-identical to the trace for run --rm IMAGE echo hi', () => {
    expect(JSON.stringify(buildCreateRequest('busybox:local', ['echo', 'hi'], { rm: true }))).toBe(TRACE_20);
  });
  it('applies the SPEC table', () => {
    const b = buildCreateRequest('busybox:local', ['-c', 'echo'], {
      rm: true,
      env: ['FOO=bar', 'EMPTY='],
      workdir: '/work',
      entrypoint: '/bin/sh',
      volume: ['/host:/data:ro'],
      memory: '64m',
      cpus: '0.5',
      user: '1000:1000',
      hostname: 'trace-host',
      label: ['trace=1'],
    });
    expect(b).toMatchObject({
      Hostname: 'trace-host',
      User: '1000:1000',
      Env: ['FOO=bar', 'EMPTY='],
      Cmd: ['-c', 'echo'],
      WorkingDir: '/work',
      Entrypoint: ['/bin/sh'],
      Labels: { trace: '1' },
      HostConfig: { Binds: ['/host:/data:ro'], Memory: 67108864, NanoCpus: 500000000, AutoRemove: true },
    });
  });
  it('a label or log option named "__proto__" is one (an own key of the map, not its prototype)', () => {
    const b = buildCreateRequest('i', [], { label: ['a=1', '__proto__=x'], logOpt: ['__proto__=1'] });
    expect(JSON.stringify([b.Labels, b.HostConfig?.LogConfig?.Config])).toBe('[{"a":"1","__proto__":"x"},{"__proto__":"1"}]');
  });
  it('an anonymous volume, tmpfs, storage option or --mount volume label/option named "__proto__" is one; -p long syntax reads only its own keys', () => {
    const b = buildCreateRequest('i', [], {
      volume: ['__proto__', '/v'],
      tmpfs: ['__proto__:size=1m'],
      storageOpt: ['__proto__=1'],
      mount: ['type=volume,target=/m,volume-label=__proto__=l,volume-opt=__proto__=o'],
      publish: ['__proto__=1,target=80,published=8080', 'constructor=x,toString=y,target=81'],
    });
    expect(JSON.stringify([b.Volumes, b.HostConfig?.Tmpfs, b.HostConfig?.StorageOpt, b.HostConfig?.Mounts?.[0]?.VolumeOptions])).toBe(
      '[{"__proto__":{},"/v":{}},{"__proto__":"size=1m"},{"__proto__":"1"},{"Labels":{"__proto__":"l"},"DriverConfig":{"Options":{"__proto__":"o"}}}]',
    );
    expect(b.HostConfig!.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '81/tcp': [{ HostIp: '', HostPort: '' }] });
  });
  it('-d, -i, -t, ports, restart, network, stop signal', () => {
    const d = buildCreateRequest('i', [], { detach: true, interactive: true, tty: true, publish: ['38080:80', '127.0.0.1:38081:81/tcp'], restart: 'unless-stopped', network: 'trace-net', stopSignal: 'USR1', stopTimeout: 5 });
    expect(d).toMatchObject({ AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: true, OpenStdin: true, StdinOnce: false, Cmd: null, StopSignal: 'USR1', StopTimeout: 5 });
    expect(d.ExposedPorts).toEqual({ '80/tcp': {}, '81/tcp': {} });
    expect(d.HostConfig!.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '38080' }], '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '38081' }] });
    expect(d.HostConfig!.RestartPolicy).toEqual({ Name: 'unless-stopped', MaximumRetryCount: 0 });
    expect(d.HostConfig!.NetworkMode).toBe('trace-net');
    expect(d.NetworkingConfig).toEqual({ EndpointsConfig: {} });
    expect(Object.keys(d).slice(0, 8)).toEqual(['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty']);
    const i = buildCreateRequest('i', [], { interactive: true });
    expect(i).toMatchObject({ AttachStdin: true, OpenStdin: true, StdinOnce: true });
  });
  it('--env-file and bare -e names take values from the environment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-envfile-'));
    try {
      const f = path.join(dir, 'env');
      fs.writeFileSync(f, '# comment\nA=1\n\nHOMEISH\nB=two words\n');
      const b = buildCreateRequest('i', [], { envFile: [f], env: ['C=3', 'UNSET_ONE'] }, { env: { HOMEISH: '/root' } });
      // a bare -e name that is unset goes as is (docker 28 sends it; the daemon drops it)
      expect(b.Env).toEqual(['A=1', 'HOMEISH=/root', 'B=two words', 'C=3', 'UNSET_ONE']);
      expect(() => buildCreateRequest('i', [], { envFile: [path.join(dir, 'nope')] })).toThrow(InvalidArgumentError);
      // Go's *os.PathError texts, not node's: a directory opens and fails at the read
      expect(() => buildCreateRequest('i', [], { envFile: [path.join(dir, 'nope')] })).toThrow(`open ${path.join(dir, 'nope')}: no such file or directory`);
      expect(() => buildCreateRequest('i', [], { envFile: [dir] })).toThrow(`read ${dir}: is a directory`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("int flags as pflag's (strconv.ParseInt/ParseUint, base 0): 0x, 0o, 0, 0b, _ taken; its errors, the value %q-quoted", () => {
    const b = buildCreateRequest('i', [], { cpuShares: '0x400', pidsLimit: '1_000', oomScoreAdj: '-0o10', stopTimeout: '017', blkioWeight: '0b1010', healthRetries: '0x3', cpuQuota: '9223372036854775807' });
    expect([b.HostConfig!.CpuShares, b.HostConfig!.PidsLimit, b.HostConfig!.OomScoreAdj, b.StopTimeout, b.HostConfig!.BlkioWeight, b.Healthcheck?.Retries, b.HostConfig!.CpuQuota]).toEqual([1024, 1000, -8, 15, 10, 3, 9223372036854775807n]);
    expect(() => buildCreateRequest('i', [], { cpuShares: 'x' })).toThrow('invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => buildCreateRequest('i', [], { cpuShares: '' })).toThrow('invalid argument "" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "": invalid syntax');
    expect(() => buildCreateRequest('i', [], { blkioWeight: '70000' })).toThrow('invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range');
    expect(() => buildCreateRequest('i', [], { pidsLimit: '9223372036854775808' })).toThrow('strconv.ParseInt: parsing "9223372036854775808": value out of range');
    expect(() => buildCreateRequest('i', [], { pidsLimit: 'a"b' })).toThrow('invalid argument "a\\"b" for "--pids-limit" flag: strconv.ParseInt: parsing "a\\"b": invalid syntax');
  });
  it('parses sizes and cpus, refuses garbage', () => {
    // the parser is @berth/api's ramInBytes (tested there); the flag wraps its error as pflag does
    expect(bytesFlag('64m', 'memory')).toBe(67108864);
    expect(bytesFlag('-1', 'memory-swap', true)).toBe(-1);
    // go-units works in float64 and docker converts with int64(): the double's exact value, -2^63 past the range
    expect(bytesFlag('1152921504606846976', 'memory')).toBe(1152921504606846976n);
    expect(bytesFlag('9223372036854775807', 'memory')).toBe(-9223372036854775808n);
    expect(() => bytesFlag('1x', 'memory')).toThrow(`invalid argument "1x" for "-m, --memory" flag: invalid suffix: 'x'`);
    expect(() => bytesFlag('lots', 'keep-storage')).toThrow(`invalid argument "lots" for "--keep-storage" flag: invalid size: 'lots'`);
    expect(parseCpus('1.5')).toBe(1500000000);
    expect(() => parseCpus('x')).toThrow(InvalidArgumentError);
    // docker 28 (pflag's usage error, exit 125): `--cpus x`, `--cpus 0.0000000001`; a big.Rat takes `3/2`
    expect(() => parseCpus('x')).toThrow('invalid argument "x" for "--cpus" flag: failed to parse x as a rational number');
    expect(() => parseCpus('0.0000000001')).toThrow('invalid argument "0.0000000001" for "--cpus" flag: value is too precise');
    expect(parseCpus('3/2')).toBe(1500000000);
    // docker's big.Rat, not a double: exact to the nanosecond at any size, Go's literal grammar, int64 wrap
    expect(parseCpus('4096.000000001')).toBe(4096000000001);
    expect(() => parseCpus('4096.0000000001')).toThrow('invalid argument "4096.0000000001" for "--cpus" flag: value is too precise');
    expect(parseCpus('0x1p-2')).toBe(250000000);
    expect(parseCpus('9223372036854775807e-9')).toBe(9223372036854775807n);
    expect(parseCpus('9999999999999999999999')).toBe(-4570789519076018688n);
    expect(() => parseCpus('1_.5')).toThrow('invalid argument "1_.5" for "--cpus" flag: failed to parse 1_.5 as a rational number');
    expect(() => parseCpus('1e1000001')).toThrow('failed to parse 1e1000001 as a rational number');
    // an unknown restart policy name goes to the daemon, which refuses it (as with docker 28)
    expect(buildCreateRequest('i', [], { restart: 'sometimes' }).HostConfig!.RestartPolicy).toEqual({ Name: 'sometimes', MaximumRetryCount: 0 });
    expect(() => buildCreateRequest('i', [], { restart: 'always:x' })).toThrow(InvalidArgumentError);
    expect(() => buildCreateRequest('i', [], { publish: ['80:http'] })).toThrow(InvalidArgumentError);
  });
});
