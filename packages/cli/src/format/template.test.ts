import { describe, expect, it } from '@jest/globals';
import { FormatContext, Template, TemplateError } from './template';
import { goStruct } from './go-struct';

const inspect = {
  Id: 'sha256:7a0f',
  State: { Status: 'running', Pid: 31024, Big: 1e21, F: 1.5 },
  Config: { Cmd: null, Env: ['A=1', 'B=<2>'], Labels: { z: '1', a: '2' }, Tty: false, Empty: {}, EA: [] },
  NetworkSettings: { IPAddress: '172.17.0.2' },
};

describe('Template (Go text/template subset; expectations from the real docker CLI)', () => {
  const t = (s: string, d: unknown = inspect) => new Template(s).execute(d);
  it('fields and %v printing', () => {
    expect(t('{{.State.Status}} {{.State.Pid}} {{.NetworkSettings.IPAddress}}')).toBe('running 31024 172.17.0.2'); // 84-inspect-format
    expect(t('{{.Id}} {{.Config.Cmd}}')).toBe('sha256:7a0f <no value>'); // 82-image-inspect
    expect(t('{{.State.Big}} {{.State.F}} {{.Config.Env}} {{.Config.Labels}} {{.Config.Empty}} {{.Config.EA}} {{.Config.Tty}}')).toBe(
      '1e+21 1.5 [A=1 B=<2>] map[a:2 z:1] map[] [] false',
    );
  });
  it('json sorts map keys, keeps a struct\'s field order in inspect, and does not escape HTML', () => {
    expect(t('{{json .Config}}')).toBe('{"Cmd":null,"EA":[],"Empty":{},"Env":["A=1","B=<2>"],"Labels":{"a":"2","z":"1"},"Tty":false}');
    // docker inspect's typed run: Config is a struct (its fields in order), Labels a map (sorted)
    expect(new Template('{{json .Config}}').executeInspect(inspect)).toBe('{"Cmd":null,"Env":["A=1","B=<2>"],"Labels":{"a":"2","z":"1"},"Tty":false,"Empty":{},"EA":[]}');
    expect(t('{{json .Config.Cmd}}')).toBe('null');
  });
  it("messages quote as Go's %q (strconv.Quote), not as JSON: \\a, DEL", () => {
    expect(() => new Template('{{template "a\x07b\x7f"}}').execute({})).toThrow('template "a\\ab\\x7f" not defined');
  });
  it("inspect's typed run: a map field is sorted even when its keys look like a struct's (capitalised labels, log options)", () => {
    const data = { Config: { Labels: { Zed: '1', Alpha: '2' }, Tty: false }, HostConfig: { LogConfig: { Type: 'json-file', Config: { Max: '1', Keep: '2' } } } };
    expect(new Template('{{json .Config.Labels}}').executeInspect(data)).toBe('{"Alpha":"2","Zed":"1"}');
    expect(new Template('{{json .Config}}').executeInspect(data)).toBe('{"Labels":{"Alpha":"2","Zed":"1"},"Tty":false}');
    expect(new Template('{{json .HostConfig.LogConfig}}').executeInspect(data)).toBe('{"Type":"json-file","Config":{"Keep":"2","Max":"1"}}');
  });
  it('json of a formatting context escapes HTML like json.Marshal', () => {
    expect(t('{{json .}}', new FormatContext({ b: '<none>', a: 1 }))).toBe('{"a":1,"b":"\\u003cnone\\u003e"}');
  });
  it('control structures, functions and pipelines', () => {
    expect(t('{{range .Config.Env}}[{{.}}]{{end}} {{if .Config.Tty}}tty{{else}}notty{{end}} {{index .Config.Labels "z"}} {{upper .Id}} {{len .Config.Env}}')).toBe(
      '[A=1][B=<2>] notty 1 SHA256:7A0F 2',
    );
    expect(t('{{.State.Status | upper}}')).toBe('RUNNING');
    expect(t('{{join .Config.Env ","}}')).toBe('A=1,B=<2>');
    expect(t('a {{- " b " -}} c')).toBe('a b c');
  });
  it('missing keys are errors with docker positions', () => {
    expect(() => t('x{{.Name}}')).toThrow('template: :1:3: executing "" at <.Name>: map has no entry for key "Name"');
    expect(() => t('{{.Config.Missing.X}}')).toThrow('template: :1:9: executing "" at <.Config.Missing.X>: map has no entry for key "Missing"');
    expect(() => t('{{.Config.Cmd.X}}')).toThrow('nil pointer evaluating interface {}.X');
    expect(() => new Template('{{.A')).toThrow(TemplateError);
  });
});

describe('Template parse errors (Go text/template wording, the line of the fault)', () => {
  it('unclosed actions, stray {{end}}/{{else}} and an unexpected EOF name their line', () => {
    const err = (src: string) => {
      try {
        new Template(src);
      } catch (e) {
        expect(e).toBeInstanceOf(TemplateError);
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(err('{{.ID')).toBe('template: :1: unclosed action');
    expect(err('a\nb {{.ID')).toBe('template: :2: unclosed action');
    expect(err('a\n\n{{end}}')).toBe('template: :3: unexpected {{end}}');
    expect(err('{{.ID}}\n{{else}}')).toBe('template: :2: unexpected {{else}}');
    expect(err('{{if .ID}}')).toBe('template: :1: unexpected EOF');
    expect(err('a\n{{if .ID}}x\nb')).toBe('template: :3: unexpected EOF');
    expect(err('{{range .ID}}{{end}}')).toBe('parsed');
    // an identifier that is no function fails the parse, on its line
    expect(err('{{nope .ID}}')).toBe('template: :1: function "nope" not defined');
    expect(err('x\n{{.ID | nope}}')).toBe('template: :2: function "nope" not defined');
    expect(err('{{if true}}{{json .}}{{upper .X}}{{end}}')).toBe('parsed');
  });
});

describe('Go structs (version/info --format)', () => {
  const s = goStruct('system.x', ['ID:s', 'HTTPProxy>HttpProxy:s', 'Gone?:s', 'N:n'], { ID: 'a', HttpProxy: 'p', Gone: '' });

  it('Go names in templates, JSON names in field order in json, zero values, omitempty', () => {
    expect(new Template('{{.HTTPProxy}} {{.N}} {{.Gone}}|').execute(s, true)).toBe('p 0 |');
    expect(new Template('{{json .}}').execute(s, true)).toBe('{"ID":"a","HttpProxy":"p","N":0}');
    expect(() => new Template('{{.HttpProxy}}').execute(s, true)).toThrow("can't evaluate field HttpProxy in type system.x");
  });

  it('an execution error keeps what was written before it', () => {
    try {
      new Template('a{{.ID}}b{{.Nope}}c').execute(s, true);
      throw new Error('no error');
    } catch (e) {
      expect((e as TemplateError).partial).toBe('aab');
    }
  });
  it('json orders a map\'s keys as Go does, by their bytes: "10" before "2" (a JS object puts integer-like keys first, in numeric order)', () => {
    expect(new Template('{{json .}}').execute({ Labels: { '2': 'b', '10': 'a', x: 'c' } })).toBe('{"Labels":{"10":"a","2":"b","x":"c"}}');
  });
});
