/**
 * Go template edge cases in `--format` / `inspect -f`, run by the docker CLI 28 and by berth
 * against the same berthd and compared byte for byte (stdout, stderr, exit code): printf's verbs
 * and error forms, eq/ne/lt/and/or/not, pipes (a trailing `|` too), parse errors, docker's
 * functions, the `table` directive, ps's `.Label`, which commands turn `\t` into a tab, and whole
 * structs of inspect results printed as Go's fmt prints docker's types.
 */
import { describe, expect, it } from '@jest/globals';
import { BerthDaemon, clientsFor, makeTar, ok, sameOnBothClis, useDaemon } from './harness';

let c: ReturnType<typeof clientsFor>;

useDaemon((d: BerthDaemon) => {
  c = clientsFor(d);
});

const same = (args: string[]) => sameOnBothClis(c, args);

describe('templates as docker 28 runs them', () => {
  it('inspect -f: printf, comparisons, pipes, functions, errors and exit codes', async () => {
    ok(await c.docker(['create', '--name', 'tpl', '--label', 'a=b', 'busybox', 'sleep', '100']));
    const cases = [
      '{{printf "%s|%-10s|%10s|%.5s|%q" .Name .Name .Name .Id .Name}}',
      '{{printf "%d %x %05d %v %t" .HostConfig.ShmSize .HostConfig.ShmSize 7 .State.Running .State.Running}}',
      '{{printf "%s %s" .Name}}{{printf "%d" .Name}}{{printf "%s" .Name 1}}{{printf "%v"}}',
      '{{printf "%v %q %d" .Config.Cmd .Config.Cmd .Config.Cmd}}',
      '{{.Id | printf "%.5s"}} {{.Name | printf "%s-%s" "x"}} {{.Name | upper | printf "[%s]"}}',
      '{{.Id | }}',
      '{{| .Id}}',
      '{{.Id}',
      '{{eq .Name "/tpl"}} {{ne .Name "/tpl"}} {{lt .Name "a"}} {{eq .State.Running false}} {{eq .Config.Cmd nil}}',
      '{{and .Name .State.Running}} {{or .Config.Cmd .Name}} {{not .State.Running}}',
      '{{if and (eq .Name "/tpl") (not .State.Running)}}created{{else}}other{{end}}',
      '{{eq 1 1.0}}',
      '{{printf}}',
      '{{json .Config.Labels}} {{join .Config.Cmd ","}} {{split "a,b" ","}} {{title "ab cd"}} {{truncate .Name 2}} {{pad .Name 1 1}}|',
      '{{json .State}}',
      '{{join .Name ","}}',
      '{{.Config.Labels.nosuch}} {{index .Config.Labels "nosuch"}}|{{.Config.Labels.a}}',
      '{{.NoSuch}}',
      '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{end}} {{len .Config.Cmd}} {{index .Config.Cmd 0}}',
      'a\\tb',
    ];
    for (const f of cases) await same(['inspect', '-f', f, 'tpl']);
    ok(await c.docker(['rm', 'tpl']));
  });

  it("whole structs print as Go's fmt prints docker's types (no nested pointer: fmt prints those as addresses)", async () => {
    ok(await c.docker(['volume', 'create', '--label', 'k=v', 'tpl-vol']));
    ok(await c.docker(['create', '--name', 'tpl-st', '-v', 'tpl-vol:/data', '--ulimit', 'nofile=100:200', '--restart', 'on-failure:3', '--health-cmd', 'true', '--health-interval', '90s', 'busybox', 'sleep', '100']));
    const cases = [
      '{{.State}}|{{.State.Health}}|{{.ID}}',
      '{{printf "%v" .State}}',
      '{{printf "%+v" .State}}',
      '{{println .HostConfig.RestartPolicy}}{{.HostConfig.LogConfig}}|{{.HostConfig.Ulimits}}|{{.HostConfig.PidsLimit}}',
      '{{.Mounts}}|{{printf "%+v" .Mounts}}|{{range .Mounts}}{{.}}{{end}}',
      '{{.Config.Healthcheck}}|{{.Config.Env}}|{{json .Config.Env}}|{{.Config.Volumes}}|{{.GraphDriver.Name}}',
      // json re-marshals through docker's types: its field order, omitempty, no KernelMemory
      '{{json .HostConfig}}',
      '{{json .Config}}|{{json .NetworkSettings}}',
      '{{json .}}',
    ];
    for (const f of cases) await same(['inspect', '-f', f, 'tpl-st']);
    for (const f of ['{{.RootFS}}|{{.Metadata}}|{{.ContainerConfig}}', '{{printf "%+v" .RootFS}}', '{{json .}}', '{{.Id}}|{{.Config.Cmd}}|{{printf "%T" .Size}}']) await same(['image', 'inspect', '-f', f, 'busybox']);
    // an imported image's Config.Cmd is null: `.Id` (Go's name is ID) sends docker to its raw run, where that is <no value>
    ok(await c.docker(['import', '-', 'tpl-imported'], { input: makeTar([{ name: 'f', content: 'x' }]) }));
    expect((await same(['image', 'inspect', '-f', '{{.Id}}|{{.Config.Cmd}}', 'tpl-imported'])).stdout).toMatch(/^sha256:[0-9a-f]{64}\|<no value>\n$/);
    await same(['image', 'inspect', '-f', '{{.ID}}|{{.Config.Cmd}}', 'tpl-imported']);
    ok(await c.docker(['rmi', 'tpl-imported']));
    // a JSON name that is no Go field name fails docker's typed run: its raw run answers (json.Number)
    await same(['inspect', '-f', '{{printf "%T" .HostConfig.NanoCpus}}|{{.HostConfig.NanoCpus}}|{{printf "%T" .HostConfig.NanoCPUs}}', 'tpl-st']);
    await same(['volume', 'inspect', '-f', '{{.}}|{{printf "%+v" .}}', 'tpl-vol']);
    await same(['network', 'inspect', '-f', '{{.Created}}|{{.IPAM}}|{{.ConfigFrom}}|{{json .}}', 'none']);
    // time.Time's methods, and %T of docker's types
    await same(['network', 'inspect', '-f', '{{.Created.Year}} {{.Created.Month}} {{.Created.Weekday}} {{.Created.YearDay}} {{.Created.Unix}} {{.Created.UnixNano}} {{.Created.IsZero}} {{.Created.UTC}}|{{printf "%T|%T" .IPAM .Containers}}', 'none']);
    await same(['inspect', '-f', '{{printf "%T|%T|%T|%T" . .State .Mounts .NetworkSettings.Networks}}', 'tpl-st']);
    // a number field's Go type (int64, uint16, int...), piped or parenthesized too; a time.Duration prints by its String
    await same(['inspect', '-f', '{{printf "%T %T %T %T %T %T %T" .HostConfig.Memory .State.Pid .HostConfig.BlkioWeight .Config.Healthcheck.Interval .HostConfig.CPUShares .Config.Hostname .State.Running}}|{{.HostConfig.Memory | printf "%T"}}|{{printf "%T" (.HostConfig.NanoCPUs)}}|{{printf "%s|%x" .HostConfig.Memory .HostConfig.BlkioWeight}}|{{printf "%d" 1 .HostConfig.PidsLimit}}|{{"x" | printf "%T"}}|{{printf "%T" (printf "%d" .HostConfig.Memory)}}|{{printf "%T" .State.Health}}', 'tpl-st']);
    await same(['inspect', '-f', '{{.Config.Healthcheck.Interval}}|{{.Config.Healthcheck.Timeout}}|{{json .Config.Healthcheck.Interval}}|{{if eq .Config.Healthcheck.Interval 90000000000}}eq{{end}}|{{if lt .Config.Healthcheck.Timeout .Config.Healthcheck.Interval}}lt{{end}}|{{printf "%d %v %T" .Config.Healthcheck.Interval .Config.Healthcheck.Interval .Config.Healthcheck.Interval}}|{{$m := .HostConfig.Memory}}{{printf "%T" $m}}|{{$m = .State.Pid}}{{$m | printf "%T"}}|{{with .HostConfig.ShmSize}}{{printf "%T" .}}{{end}}|{{range .HostConfig.Ulimits}}{{printf "%T" .Soft}}{{end}}', 'tpl-st']);
    await same(['image', 'inspect', '-f', '{{printf "%T %T %T" .Size .Metadata.LastTagTime .Architecture}}', 'busybox']);
    ok(await c.docker(['rm', 'tpl-st']));
    ok(await c.docker(['volume', 'rm', 'tpl-vol']));
  });

  it("time.Time's methods with arguments (Format with Go's layouts, Add, Sub, Round...) as docker 28's", async () => {
    const cases = [
      '{{.Created.Format "2006-01-02T15:04:05.999999999Z07:00"}}|{{.Created.Format "Mon Jan _2 15:04:05 MST 2006"}}|{{.Created.Format "Monday, 02-Jan-06 3:04:05.000 PM -0700"}}',
      '{{.Created.Format "January 2 __2 002 06 .9 ,000 .000000000000 pm Z07 -07:00:00 Z070000 _2006 Janx Mond 1504 05.99x 3:4:5 .0 .09"}}',
      '{{.Created.String}}|{{.Created.Add 3600000000000}}|{{.Created.Add -1}}|{{.Created.AddDate 1 13 -40}}|{{.Created.AddDate 0 0 0}}',
      '{{.Created.Sub .Created}}|{{(.Created.Add 5400000000000).Sub .Created}}|{{.Created.Sub (.Created.Add 1500)}}|{{printf "%d %T %v %s" (.Created.Sub (.Created.Add -7)) (.Created.Sub .Created) (.Created.Add 1) (.Created.Sub (.Created.AddDate 0 0 -1))}}',
      '{{.Created.Before .Created}} {{.Created.After .Created}} {{.Created.Equal .Created}} {{.Created.Compare (.Created.Add 1)}} {{(.Created.Add 1).After .Created}}',
      '{{.Created.Round 3600000000000}}|{{.Created.Truncate 86400000000000}}|{{.Created.Round 0}}|{{.Created.Truncate 7}}|{{.Created.Local}}|{{.Created.IsDST}}',
      // Month and Weekday are named ints: their String prints, %d and json the number, eq compares ints
      '{{.Created.Month}} {{printf "%d %T %v %s %q %T" .Created.Month .Created.Month .Created.Weekday .Created.Weekday .Created.Month .Created.Weekday}} {{eq .Created.Month 12}} {{lt .Created.Weekday 3}} {{json .Created.Month}} {{if .Created.Month}}m{{end}}',
      '{{json (.Created.Add 1)}}|{{json (.Created.Sub (.Created.Add 60000000000))}}|{{printf "%T" .Created.Local}}|{{with .Created.Sub .Created}}x{{else}}zero{{end}}',
      // refused as text/template refuses them
      '{{.Created.Format}}',
      '{{.Created.Add "x"}}',
      '{{.Created.Sub 1}}',
      '{{.Created.Before .Name}}',
      '{{.Created.Add .Created}}',
    ];
    for (const f of cases) await same(['network', 'inspect', '-f', f, 'none']);
  });

  it('int64 values past 2^53 print exactly (inspect, -f, json); -m past 2^53 is sent as docker sends it', async () => {
    // 2^60: a double holds it, JSON.stringify of that double writes 1152921504606847000
    ok(await c.docker(['create', '--name', 'tpl-big', '-m', '1152921504606846976', '--memory-swap', '-1', 'busybox', 'true']));
    ok(await c.berth(['create', '--name', 'tpl-big-b', '-m', '1152921504606846976', '--memory-swap', '-1', 'busybox', 'true']));
    for (const f of ['{{.HostConfig.Memory}}|{{json .HostConfig.Memory}}|{{printf "%d %x" .HostConfig.Memory .HostConfig.Memory}}', '{{json .HostConfig}}', '{{.HostConfig.Resources.Memory}}']) {
      expect((await same(['inspect', '-f', f, 'tpl-big', 'tpl-big-b'])).stdout).toContain('1152921504606846976');
    }
    expect((await same(['inspect', 'tpl-big', 'tpl-big-b'])).stdout).toContain('"Memory": 1152921504606846976,');
    // past 2^63 docker's int64() of the float gives -2^63, which the daemon refuses
    expect((await same(['create', '-m', '9223372036854775807', 'busybox', 'true'])).code).toBe(1);
    ok(await c.docker(['rm', 'tpl-big', 'tpl-big-b']));
  });

  it('ps --format: .Label, the table directive, pipes, errors', async () => {
    ok(await c.docker(['create', '--name', 'tpl-ps', '--label', 'com.example.some-name=v', 'busybox', 'true']));
    const cases = [
      '{{.Names}} {{.Label "com.example.some-name"}}|{{.Label "nosuch"}}|',
      'table {{.Names}}\\t{{.Label "com.example.some-name"}}',
      'table {{.Names | upper}}\\t{{printf "%s!" .State}}',
      '{{.ID | printf "%.5s"}} {{if eq .State "created"}}C{{else}}X{{end}}',
      '{{.Label}}',
      '{{.Names | truncate 2}}',
      '{{.NoSuch}}',
      '{{.Names}}{{"\\n"}}',
    ];
    for (const f of cases) await same(['ps', '-a', '--filter', 'name=tpl-ps', '--format', f]);
    ok(await c.docker(['rm', 'tpl-ps']));
  });

  it('network ls / volume ls: every field of docker 28\'s rows (json), .Label', async () => {
    ok(await c.docker(['volume', 'create', '--label', 'com.example.k=v', 'tpl-vol']));
    for (const f of ['json', '{{.Label "com.example.k"}}|{{.Links}}|{{.Size}}', 'table {{.Name}}\t{{.Label "com.example.k"}}']) await same(['volume', 'ls', '--format', f]);
    for (const f of ['json', '{{.Name}} {{.CreatedAt}} {{.IPv4}} {{.IPv6}} {{.Internal}} [{{.Label "x"}}]']) await same(['network', 'ls', '--format', f]);
    ok(await c.docker(['volume', 'rm', 'tpl-vol']));
  });

  it('events --format: rows are events.Message (Go names), a bad template is exit 64 before any request', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(await c.docker(['create', '--name', 'tpl-ev', '--label', 'k=v', 'busybox', 'true']));
    ok(await c.docker(['rm', 'tpl-ev']));
    const until = Math.floor(Date.now() / 1000) + 1;
    const window = ['events', '--since', String(since), '--until', String(until), '--filter', 'container=tpl-ev'];
    const r = await same([...window, '--format', '{{.Scope}}|{{.Status}}|{{.Type}} {{.Action}}|{{.TimeNano}}|{{.Actor.Attributes.name}}|{{index .Actor.Attributes "k"}}|{{.Actor.Attributes.nope}}']);
    expect(r.stdout).toContain('|create|container create|');
    for (const f of ['{{.Nope}}', '{{.status}}', '{{.ID']) expect((await same([...window, '--format', f])).code).toBe(64);
  });

  it('version --format goes through a tabwriter and keeps \\t as typed; info too', async () => {
    await same(['version', '--format', '{{"a\\tb"}}']);
    await same(['version', '--format', 'a\\tb']);
    await same(['info', '--format', 'a\\tb {{printf "%v" .Containers}}']);
    expect((await same(['version', '--format', '{{printf}}'])).code).toBe(1);
  });
});
