import { describe, expect, it } from '@jest/globals';
import { Template, TemplateError, formatContextOf } from './template';

/**
 * Go text/template edge cases. Every expectation is what docker CLI 28.2.2 printed for
 * `docker inspect -f TEMPLATE c1` (or `docker ps -a --format`) against a berthd, 2026-12-07 (the
 * cli helper's comparison runs; berth's own output was compared byte for byte with it). Errors are
 * the text after docker's `template parsing error: ` prefix.
 */
const c1 = {
  Id: '61bd5349cbdc523f67084120582b4d2e71bb7ea98080d4d103ccecf907a129d4',
  Name: '/c1',
  State: { Status: 'running', Running: true, Pid: 20542, StartedAt: '2026-12-07T02:59:56.34041096Z' },
  Config: { Cmd: ['sleep', '10000'], Labels: { a: 'b' }, Env: null },
  HostConfig: { Memory: 0 },
  Mounts: [],
};

const run = (src: string, data: unknown = c1): string => new Template(src).executeInspect(data);
const fail = (src: string, data: unknown = c1): string => {
  try {
    return `no error: ${run(src, data)}`;
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return (e as Error).message;
  }
};

describe('printf (Go fmt)', () => {
  it('verbs, widths, precision and flags', () => {
    expect(run('{{printf "%s" .Name}}|{{printf "%d" .State.Pid}}|{{printf "%v" .State.Running}}|{{printf "%q" .Name}}')).toBe('/c1|20542|true|"/c1"');
    expect(run('{{printf "%-10s|" .Name}}{{printf "%10s|" .Name}}{{printf "%.5s" .Id}}')).toBe('/c1       |       /c1|61bd5');
    expect(run('{{printf "%x" .State.Pid}} {{printf "%05d" .State.Pid}} {{printf "%t" .State.Running}} {{printf "%%"}}')).toBe('503e 20542 true %');
    expect(run('{{printf "%v" .Config.Cmd}} {{printf "%v" .Config.Labels}} {{printf "%s" .Config.Cmd}} {{printf "%q" .Config.Cmd}}')).toBe('[sleep 10000] map[a:b] [sleep 10000] ["sleep" "10000"]');
    expect(run('{{printf "%T" .Name}} {{printf "%T" .State.Pid}} {{printf "%#v" .Name}} {{printf "%+v" .Config.Labels}}')).toBe('string int "/c1" map[a:b]');
    expect(run('{{printf "%c" 65}} {{printf "%U" 65}} {{printf "%e" 1.5}} {{printf "%g" 1.5}} {{printf "%08.3f" 3.14159}}')).toBe('A U+0041 1.500000e+00 1.5 0003.142');
    expect(run('{{printf "%x" "hi"}} {{printf "%X" .Name}} {{printf "%o %b" 8 5}} {{printf "%5t|%-5t|" true false}}')).toBe('6869 2F6331 10 101  true|false|');
    expect(run('{{printf "%*d" 5 3}} {{printf "%[2]s %[1]s" "a" "b"}} {{printf "%q" 65}} {{printf "% d|%+d" 5 5}} {{printf "%#x" 255}}')).toBe('    3 b a \'A\'  5|+5 0xff');
    expect(run('{{printf "%v" 1.0}} {{printf "%v" 1e21}} {{printf "%v" 1e6}} {{printf "%g" 1e21}} {{printf "%.3g" 1234.5}} {{printf "%e" 0.0}}')).toBe('1 1e+21 1e+06 1e+21 1.23e+03 0.000000e+00');
    expect(run('{{printf "%03s" "a"}} {{printf "%v" .Mounts}} {{printf "%v" nil}} {{printf "%v" .Config.Labels.zz}}')).toBe('00a [] <nil> <nil>');
  });
  it("Go's error forms", () => {
    expect(run('{{printf "%s %s" .Name}}')).toBe('/c1 %!s(MISSING)');
    expect(run('{{printf "%d" .Name}} {{printf "%s" .State.Pid}} {{printf "%s" nil}} {{printf "%d" true}}')).toBe('%!d(string=/c1) %!s(int=20542) %!s(<nil>) %!d(bool=true)');
    expect(run('{{printf "%v"}} {{printf "%s" .Name 1}} {{printf "%6.2f" .State.Pid}}')).toBe('%!v(MISSING) /c1%!(EXTRA int=1) %!f(int= 20542)');
    expect(run('{{printf "%!"}} {{printf "%z" 1}} {{printf "%d %d" 1}} {{printf "%d" .Config.Cmd}}')).toBe('%!!(MISSING) %!z(int=1) 1 %!d(MISSING) [%!d(string=sleep) %!d(string=10000)]');
  });
  it('argument checks', () => {
    expect(fail('{{printf}}')).toBe('template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0');
    expect(fail('{{printf 1}}')).toBe('template: :1:9: executing "" at <1>: expected string; found 1');
  });
});

describe('comparisons and logic', () => {
  it('eq ne lt le gt ge, and or not', () => {
    expect(run('{{eq .Name "/c1"}} {{eq .Name "/c1" "/c2"}} {{ne .Name "/c1"}} {{lt .State.Pid 5}} {{lt .Name "a"}} {{eq .State.Pid 5}}')).toBe('true true false false true false');
    expect(run('{{eq .State.Running true}} {{eq .Config.Cmd nil}} {{eq nil nil}} {{le 2 2}} {{ge 3 2}} {{gt 1 2}} {{eq 1 2 3 1}}')).toBe('true false true true true false true');
    expect(run('{{and .Name .State.Running}} {{and .State.Running .Name}} {{or .Config.Cmd .Name}} {{or "" 0}} {{not .State.Running}} {{not .Name}}')).toBe('true /c1 [sleep 10000] 0 false false');
    expect(run('{{if eq .State.Status "running"}}up{{else}}down{{end}} {{if and .State.Running (eq .Name "/c1")}}yes{{end}}')).toBe('up yes');
    // the typed run fails (int vs string), docker's raw fallback compares json.Number as a string
    expect(run('{{lt .State.Pid "a"}}')).toBe('true');
  });
  it('errors', () => {
    expect(fail('{{lt 1 2.5}}')).toBe('template: :1:2: executing "" at <lt 1 2.5>: error calling lt: incompatible types for comparison');
    expect(fail('{{eq 1 1.0}}')).toBe('template: :1:2: executing "" at <eq 1 1.0>: error calling eq: incompatible types for comparison');
    expect(fail('{{eq .Name}}')).toBe('template: :1:2: executing "" at <eq .Name>: error calling eq: missing argument for comparison');
    expect(fail('{{eq}}')).toBe('template: :1:2: executing "" at <eq>: wrong number of args for eq: want at least 1 got 0');
    expect(fail('{{and}}')).toBe('template: :1:2: executing "" at <and>: wrong number of args for and: want at least 1 got 0');
    expect(fail('{{not 1 2}}')).toBe('template: :1:2: executing "" at <not>: wrong number of args for not: want 1 got 2');
  });
});

describe('pipelines and parse errors', () => {
  it('pipes, a trailing pipe, parentheses', () => {
    expect(run('{{.Id | printf "%.5s"}} {{.Name | printf "%s-%s" "x"}} {{.State.Pid | printf "%d" | printf "%s!"}} {{.Name | len}}')).toBe('61bd5 x-/c1 20542! 3');
    // Go accepts a pipe with nothing after it
    expect(run('{{.Id | }}')).toBe(c1.Id);
    expect(run('{{printf "%s" (upper .Name)}} {{(.Name)}} {{(index .Config.Cmd 0) | upper}}')).toBe('/C1 /c1 SLEEP');
  });
  it("parse errors in Go's words", () => {
    const parse = (src: string) => {
      try {
        new Template(src);
        return 'parsed';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(parse('{{| .Id}}')).toBe('template: :1: unexpected "|" in command');
    expect(parse('{{.Id || printf "%s"}}')).toBe('template: :1: unexpected "|" in command');
    expect(parse('{{.Id}')).toBe("template: :1: bad character U+007D '}'");
    expect(parse('{{"unterminated}}')).toBe('template: :1: unterminated quoted string');
    expect(parse('{{$y}}')).toBe('template: :1: undefined variable "$y"');
    expect(parse('{{break}}')).toBe('template: :1: {{break}} outside {{range}}');
    expect(parse('{{nope}}')).toBe('template: :1: function "nope" not defined');
    expect(parse("{{'ab'}}")).toBe("template: :1: malformed character constant: 'ab'");
    expect(parse('{{1e400}}')).toBe('template: :1: illegal number syntax: "1e400"');
    expect(parse('{{99999999999999999999}}')).toBe('template: :1: integer overflow: "99999999999999999999"');
    expect(parse('{{if .Name}}{{else}}{{else}}{{end}}')).toMatch(/^template: :1: /);
  });
});

describe("docker's functions and Go's builtins", () => {
  it('json join split upper lower title truncate pad', () => {
    expect(run('{{json .Config.Labels}} {{json .Config.Cmd}} {{json .State.Pid}} {{join .Config.Cmd ","}}')).toBe('{"a":"b"} ["sleep","10000"] 20542 sleep,10000');
    // the piped value comes last: join's first parameter ([]string) gets ","
    expect(fail('{{.Config.Cmd | join ","}}')).toBe('template: :1:21: executing "" at <",">: can\'t handle "," for arg of type []string');
    expect(run('{{upper .Name}} {{lower "ABC"}} {{title "hello world"}} {{title "hello-world foo_bar"}} {{split .Name "c"}} {{split "a,b,c" ","}}')).toBe('/C1 abc Hello World Hello-World Foo_bar [/ 1] [a b c]');
    expect(run('{{truncate .Name 2}} {{truncate .Name 100}} {{pad .Name 2 3}}|')).toBe('/c /c1   /c1   |');
  });
  it('len index slice print println html js urlquery', () => {
    expect(run('{{len .Name}} {{len .Config.Cmd}} {{index .Config.Labels "a"}} [{{index .Config.Labels "zz"}}] {{index .Config.Cmd 0}} {{index .Name 0}}')).toBe('3 2 b [] sleep 47');
    // len of a number: the typed run fails, the raw fallback measures the json.Number's text
    expect(run('{{len .State.Pid}}')).toBe('5');
    expect(run('{{slice .Name 1 3}} {{slice .Name 1}} {{html "<a>"}} {{js "a\'b"}} {{urlquery "a b&c"}} {{print "a" "b" 1 2 "c"}}')).toBe("c1 c1 &lt;a&gt; a\\'b a+b%26c ab1 2c");
    expect(run('{{println "a" 1}}')).toBe('a 1\n');
  });
  it('argument errors', () => {
    expect(fail('{{join .Name ","}}')).toBe('template: :1:7: executing "" at <.Name>: wrong type for value; expected []string; got string');
    expect(fail('{{index .Config.Cmd 5}}')).toBe('template: :1:2: executing "" at <index .Config.Cmd 5>: error calling index: index out of range: 5');
    expect(fail('{{upper 1}}')).toBe('template: :1:8: executing "" at <1>: expected string; found 1');
    expect(fail('{{title .State.Pid}}')).toBe('template: :1:14: executing "" at <.State.Pid>: wrong type for value; expected string; got json.Number');
    expect(fail('{{upper .Config.Cmd}}')).toBe('template: :1:15: executing "" at <.Config.Cmd>: wrong type for value; expected string; got []interface {}');
    expect(fail('{{truncate .Name "x"}}')).toBe('template: :1:17: executing "" at <"x">: expected integer; found "x"');
    expect(fail('{{json .Name .Name}}')).toBe('template: :1:2: executing "" at <json>: wrong number of args for json: want 1 got 2');
    expect(fail('{{pad .Name}}')).toBe('template: :1:2: executing "" at <pad>: wrong number of args for pad: want 3 got 1');
    expect(fail('{{1}} {{1.5}} {{"s"}} {{true}} {{nil}}')).toBe('template: :1:33: executing "" at <nil>: nil is not a command');
    expect(fail('{{template "x"}}')).toBe('template: :1:11: executing "" at <{{template "x"}}>: template "x" not defined');
    expect(fail('{{range .Name}}{{end}}')).toBe('template: :1:8: executing "" at <.Name>: range can\'t iterate over /c1');
  });
});

describe('variables, control structures, missing keys', () => {
  it('as docker runs them', () => {
    expect(run('{{$x := .Name}}{{$x}} {{with .Config.Labels}}{{.a}}{{end}} {{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}')).toBe('/c1 b a=b;');
    expect(run('{{range $i, $e := .Config.Cmd}}{{$i}}:{{$e}} {{end}}|{{if.Id}}x{{end}}|{{range 3}}{{.}}{{end}}|{{range .Config.Cmd}}{{break}}{{end}}')).toBe('0:sleep 1:10000 |x|012|');
    expect(run('{{if eq .Name "/x"}}x{{else if eq .Name "/c1"}}c1{{else}}other{{end}} {{range .Mounts}}m{{else}}no mounts{{end}}')).toBe('c1 no mounts');
    expect(run('{{define "x"}}a{{end}}{{template "x"}} {{block "y" .}}b{{end}} {{0x10}} {{1e3}} {{-5}} {{\'a\'}} {{1e6}}')).toBe('a b 16 1000 -5 97 1e+06');
    // a missing label (a map of strings) is no value; a missing struct field fails
    expect(run('{{.Config.Labels.zz}}')).toBe('<no value>');
    expect(fail('{{.Nope}}')).toBe('template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"');
    expect(fail('{{.Name.X}}')).toBe('template: :1:7: executing "" at <.Name.X>: can\'t evaluate field X in type interface {}');
  });
});

describe('a struct row with a method (ps: ContainerContext.Label)', () => {
  const Row = formatContextOf('*formatter.ContainerContext', { Label: { params: ['string'], fn: (row, n) => (n === 'a' ? 'b' : '') } });
  const row = new Row({ Names: 'c1', State: 'running', Platform: null });
  const t = (src: string) => new Template(src).execute(row, true);
  it('methods, nil pointers and errors name the Go type', () => {
    expect(t('{{.Label "a"}}|{{.Label "zz"}}|{{.Platform}}|{{.Names | upper}}')).toBe('b||<nil>|C1');
    expect(() => t('{{.Label}}')).toThrow('template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0');
    expect(() => t('{{.Nope}}')).toThrow('template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext');
    expect(() => t('{{.Names | truncate 2}}')).toThrow('template: :1:20: executing "" at <2>: expected string; found 2');
  });
});
