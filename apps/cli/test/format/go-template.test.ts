/**
 * Go text/template behaviour. Expected outputs and error messages were
 * produced by Go's own text/template (go1.26) with docker/cli's template
 * functions, executing each template against the same data decoded from JSON
 * (integers as int, other numbers as float64, objects as maps).
 */
import { describe, expect, it } from 'vitest';
import { GoTemplate, TemplateError, renderTemplate } from '../../src/format/go-template.js';

interface OkCase { note: string; tmpl: string; data: unknown; out: string }
interface ParseErrCase { tmpl: string; err: string }
interface ExecErrCase { tmpl: string; data: unknown; err: string; out: string }

const outputs: OkCase[] = [
  { note: "text only", tmpl: "plain text", data: null, out: "plain text" },
  { note: "empty template", tmpl: "", data: null, out: "" },
  { note: "trim both sides", tmpl: "a {{- ` b ` -}} c", data: null, out: "a b c" },
  { note: "left trim eats newlines and tabs", tmpl: "a\n\t {{- 1}}\n", data: null, out: "a1\n" },
  { note: "right trim eats following whitespace", tmpl: "{{1 -}}\n\n  x", data: null, out: "1x" },
  { note: "-3 is a number, '{{- ' is a trim marker", tmpl: "{{-3}}|{{- 3}}", data: null, out: "-3|3" },
  { note: "comment", tmpl: "x {{/* comment */}} y", data: null, out: "x  y" },
  { note: "trimmed comment", tmpl: "x {{- /* comment */ -}} y", data: null, out: "xy" },
  { note: "field", tmpl: "{{.Name}}", data: {"Name": "web"}, out: "web" },
  { note: "field chain", tmpl: "{{.A.B.C}}", data: {"A": {"B": {"C": "deep"}}}, out: "deep" },
  { note: "missing key prints <no value>", tmpl: "{{.Missing}}", data: {"Name": "x"}, out: "<no value>" },
  { note: "missing nested key", tmpl: "{{.A.Missing}}", data: {"A": {}}, out: "<no value>" },
  { note: "chain through missing key", tmpl: "{{.Missing.Deeper}}", data: {}, out: "<no value>" },
  { note: "dot string", tmpl: "{{.}}", data: "hello", out: "hello" },
  { note: "dot int", tmpl: "{{.}}", data: 42, out: "42" },
  { note: "dot float", tmpl: "{{.}}", data: 1.5, out: "1.5" },
  { note: "dot bool", tmpl: "{{.}}", data: true, out: "true" },
  { note: "array prints like a Go slice", tmpl: "{{.}}", data: ["a", "b", 1, null], out: "[a b 1 <nil>]" },
  { note: "object prints like a Go map with sorted keys", tmpl: "{{.}}", data: {"b": 2, "a": [1, 2], "c": {"x": "y"}}, out: "map[a:[1 2] b:2 c:map[x:y]]" },
  { note: "empty map", tmpl: "{{.}}", data: {}, out: "map[]" },
  { note: "empty slice", tmpl: "{{.}}", data: [], out: "[]" },
  { note: "null value", tmpl: "{{.n}}", data: {"n": null}, out: "<no value>" },
  { note: "number printing", tmpl: "{{.big}} {{.f}} {{.small}} {{.neg}}", data: {"big": 1000000, "f": 1234567.5, "small": 1.234e-05, "neg": -2.5}, out: "1000000 1.2345675e+06 1.234e-05 -2.5" },
  { note: "$ is the root", tmpl: "{{$}}|{{$.Name}}", data: {"Name": "root"}, out: "map[Name:root]|root" },
  { note: "$ inside with", tmpl: "{{with .A}}{{$.Name}}/{{.B}}{{end}}", data: {"Name": "root", "A": {"B": "b"}}, out: "root/b" },
  { note: "field of parenthesised expression", tmpl: "{{(index .Items 1).Name}}", data: {"Items": [{"Name": "a"}, {"Name": "b"}]}, out: "b" },
  { note: "field of variable", tmpl: "{{$x := .A}}{{$x.B}}", data: {"A": {"B": "vb"}}, out: "vb" },
  { note: "literals", tmpl: "{{\"quoted\\t\\\"x\\\"\"}}|{{`raw\\n`}}|{{'a'}}|{{0x1F}}|{{017}}|{{1_000}}|{{1.5}}|{{-.5}}|{{true}}|{{false}}", data: null, out: "quoted\t\"x\"|raw\\n|97|31|15|1000|1.5|-0.5|true|false" },
  { note: "string escapes", tmpl: "{{\"\\u00e9\\x41\\101\"}}", data: null, out: "éAA" },
  { note: "printf", tmpl: "{{printf \"%s-%d\" .Name .N}}", data: {"Name": "a", "N": 3}, out: "a-3" },
  { note: "printf widths", tmpl: "{{printf \"%-10s|%10s|%5d|%-5d|%05d\" \"ab\" \"cd\" 42 42 42}}", data: null, out: "ab        |        cd|   42|42   |00042" },
  { note: "printf %v", tmpl: "{{printf \"%v %v %v %v\" .s .n .a .m}}", data: {"s": "x", "n": 1, "a": [1, "b"], "m": {"k": "v"}}, out: "x 1 [1 b] map[k:v]" },
  { note: "printf %q", tmpl: "{{printf \"%q %q %q\" \"a\\\"b\" \"tab\\there\" \"é\"}}", data: null, out: "\"a\\\"b\" \"tab\\there\" \"é\"" },
  { note: "printf floats round half to even", tmpl: "{{printf \"%.2f %.0f %.0f %.0f %.3f %e %g %G\" 3.14159 0.5 1.5 2.5 1.0625 123456.789 0.0000123 1e21}}", data: null, out: "3.14 0 2 2 1.062 1.234568e+05 1.23e-05 1E+21" },
  { note: "printf integer verbs", tmpl: "{{printf \"%x %X %o %b %c %U %t %%\" 255 255 8 5 9731 9731 true}}", data: null, out: "ff FF 10 101 ☃ U+2603 true %" },
  { note: "printf bad verbs, missing and extra args", tmpl: "{{printf \"%d %s\" \"x\" 5}}|{{printf \"%d\"}}|{{printf \"a\" 1 \"b\"}}|{{printf \"%s\" nil}}|{{printf \"%d\" 1.5}}", data: null, out: "%!d(string=x) %!s(int=5)|%!d(MISSING)|a%!(EXTRA int=1, string=b)|%!s(<nil>)|%!d(float64=1.5)" },
  { note: "printf precision and flags", tmpl: "{{printf \"%5.1s|%.2s|%6.2f|%+d|%x\" \"abc\" \"héllo\" 3.14159 5 \"hi\"}}", data: null, out: "    a|hé|  3.14|+5|6869" },
  { note: "missing value passed to printf is nil", tmpl: "{{printf \"%v\" .Missing}}", data: {}, out: "<nil>" },
  { note: "print spacing", tmpl: "{{print 1 2 \"a\" 3 \"b\" \"c\"}}", data: null, out: "1 2a3bc" },
  { note: "print with no args", tmpl: "{{print}}|{{print .}}", data: [1, 2], out: "|[1 2]" },
  { note: "println", tmpl: "{{println 1 \"a\"}}", data: null, out: "1 a\n" },
  { note: "len counts bytes for strings", tmpl: "{{len .s}} {{len .a}} {{len .m}} {{len \"héllo\"}}", data: {"s": "abc", "a": [1, 2, 3], "m": {"x": 1}}, out: "3 3 1 6" },
  { note: "index", tmpl: "{{index .a 1}} {{index .m \"k\"}} {{index .m \"zz\"}} {{index .n 0 1}} {{index \"abc\" 1}}", data: {"a": ["x", "y"], "m": {"k": "v"}, "n": [[1, 2]]}, out: "y v <no value> 2 98" },
  { note: "slice", tmpl: "{{slice \"abcdef\" 1 3}} {{slice .a 1}} {{slice .a}}", data: {"a": [1, 2, 3]}, out: "bc [2 3] [1 2 3]" },
  { note: "eq/ne", tmpl: "{{eq 1 1}} {{eq \"a\" \"b\"}} {{eq .s \"x\" \"y\"}} {{ne 1 2}} {{eq .Missing .Other}}", data: {"s": "y"}, out: "true false true true true" },
  { note: "ordering", tmpl: "{{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt \"a\" \"b\"}} {{lt 1.5 2.5}}", data: null, out: "true true true false true true" },
  { note: "and/or return an operand, not is boolean", tmpl: "{{and 1 0 2}}|{{or 0 \"\" 3}}|{{and 1 2}}|{{or 0 \"\"}}|{{not 0}}|{{not .a}}", data: {"a": [1]}, out: "0|3|2||true|false" },
  { note: "and short-circuits", tmpl: "{{and .a .Missing.x}}", data: {"a": 0}, out: "0" },
  { note: "json sorts keys and does not escape HTML", tmpl: "{{json .}}", data: {"b": "<a&b>", "a": [1, 1.5, null, "é\u2028"], "c": {}, "d": true}, out: "{\"a\":[1,1.5,null,\"é\\u2028\"],\"b\":\"<a&b>\",\"c\":{},\"d\":true}" },
  { note: "json of scalars", tmpl: "{{json .Name}}|{{json .Missing}}|{{json .List}}", data: {"Name": "x\"y\n", "List": ["a"]}, out: "\"x\\\"y\\n\"|null|[\"a\"]" },
  { note: "split and join", tmpl: "{{join (split .s \",\") \" | \"}}", data: {"s": "a,b,,c"}, out: "a | b |  | c" },
  { note: "split edge cases", tmpl: "{{split \"abc\" \"\"}}|{{split \"\" \",\"}}|{{len (split \"\" \",\")}}", data: null, out: "[a b c]|[]|1" },
  { note: "case functions", tmpl: "{{lower \"ABC\"}} {{upper \"abc\"}} {{title \"hello wORLD-foo_bar x.y\"}}", data: null, out: "abc ABC Hello WORLD-Foo_bar X.Y" },
  { note: "pad skips empty strings", tmpl: "[{{pad .s 2 1}}][{{pad \"\" 2 2}}]", data: {"s": "x"}, out: "[  x ][]" },
  { note: "truncate", tmpl: "{{truncate .s 3}}|{{truncate .s 10}}|{{truncate .s 6}}", data: {"s": "abcdef"}, out: "abc|abcdef|abcdef" },
  { note: "pipeline", tmpl: "{{.Name | upper | printf \"<%s>\"}}", data: {"Name": "web"}, out: "<WEB>" },
  { note: "piped value is the last argument", tmpl: "{{\"x\" | printf \"%s-%s\" \"a\"}}", data: null, out: "a-x" },
  { note: "parenthesised command in pipeline", tmpl: "{{(printf \"%s\" \"in\") | upper}}", data: null, out: "IN" },
  { note: "nested parentheses", tmpl: "{{upper (lower (printf \"%s\" .A))}}", data: {"A": "MiXeD"}, out: "MIXED" },
  { note: "else if", tmpl: "{{if .a}}A{{else if .b}}B{{else}}C{{end}}", data: {"a": 0, "b": "x"}, out: "B" },
  { note: "else", tmpl: "{{if .a}}A{{else if .b}}B{{else}}C{{end}}", data: {}, out: "C" },
  { note: "if eq", tmpl: "{{if eq .n 0}}zero{{else}}nonzero{{end}}", data: {"n": 0}, out: "zero" },
  { note: "empty values are false", tmpl: "{{if .l}}y{{else}}n{{end}}{{if .m}}y{{else}}n{{end}}{{if .s}}y{{else}}n{{end}}{{if 0.0}}y{{else}}n{{end}}", data: {"l": [], "m": {}, "s": ""}, out: "nnnn" },
  { note: "range array", tmpl: "{{range .}}[{{.}}]{{end}}", data: ["a", "b"], out: "[a][b]" },
  { note: "range with index", tmpl: "{{range $i, $v := .}}{{$i}}={{$v}};{{end}}", data: ["a", "b"], out: "0=a;1=b;" },
  { note: "range object in key order", tmpl: "{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", data: {"b": 1, "a": 2}, out: "a=2;b=1;" },
  { note: "range single variable gets values", tmpl: "{{range $v := .}}{{$v}};{{end}}", data: {"b": 1, "a": 2}, out: "2;1;" },
  { note: "range else", tmpl: "{{range .}}x{{else}}empty{{end}}", data: [], out: "empty" },
  { note: "range over missing value runs else", tmpl: "{{range .Missing}}x{{else}}none{{end}}", data: {}, out: "none" },
  { note: "range over integer", tmpl: "{{range 3}}{{.}}{{end}}", data: null, out: "012" },
  { note: "break and continue", tmpl: "{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}", data: [1, 2, 3, 4, 5], out: "13" },
  { note: "range with $", tmpl: "{{range .Items}}{{.Name}}:{{$.Prefix}}{{.Name}} {{end}}", data: {"Prefix": "p-", "Items": [{"Name": "a"}, {"Name": "b"}]}, out: "a:p-a b:p-b " },
  { note: "nested range", tmpl: "{{range $i, $e := .}}{{range $e}}{{$i}}{{.}} {{end}}{{end}}", data: [["a", "b"], ["c"]], out: "0a 0b 1c " },
  { note: "else with", tmpl: "{{with .a}}{{.}}{{else with .b}}B{{.}}{{else}}none{{end}}", data: {"b": 2}, out: "B2" },
  { note: "with else", tmpl: "{{with .a}}{{.}}{{else}}none{{end}}", data: {}, out: "none" },
  { note: "with declaring a variable", tmpl: "{{with $x := .a}}{{$x}}{{.}}{{end}}", data: {"a": "v"}, out: "vv" },
  { note: "assignment in inner scope", tmpl: "{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}", data: null, out: "2" },
  { note: "assignment inside range", tmpl: "{{$x := \"a\"}}{{range .}}{{$x = .}}{{end}}{{$x}}", data: ["b", "c"], out: "c" },
  { note: "trim markers in range", tmpl: "{{- range . }}\n  {{ . }}\n{{- end }}", data: [1, 2], out: "\n  1\n  2" },
  { note: "string field", tmpl: "{{.Fn}}", data: {"Fn": "not a function"}, out: "not a function" },
  { note: "parse error", tmpl: "line1\nline2\n{{.A | }}", data: null, out: "line1\nline2\n<no value>" },
  { note: "comma-separated list", tmpl: "{{range $i, $e := .}}{{if $i}}, {{end}}{{$e.Name}}{{end}}", data: [{"Name": "a"}, {"Name": "b"}], out: "a, b" },
  { note: "unicode and keyword-like field names", tmpl: "{{.Ñame}}|{{.if}}|{{.true}}|{{.range}}", data: {"Ñame": 1, "if": 2, "true": 3, "range": 4}, out: "1|2|3|4" },
  { note: "float widths", tmpl: "{{printf \"%8.3f|%-8.2f|%08.3f|%+.1e|% d|%+d\" 3.14159 2.5 -3.14159 12345.678 5 -5}}", data: null, out: "   3.142|2.50    |-003.142|+1.2e+04| 5|-5" },
  { note: "misc widths", tmpl: "{{printf \"%5t|%-7v|%3c|\" true nil 65}}", data: null, out: " true|<nil>  |  A|" },
  { note: "sharp flag", tmpl: "{{printf \"%#x %#o %#b %O %x %X\" 255 8 5 8 -255 -255}}", data: null, out: "0xff 010 0b101 0o10 -ff -FF" },
  { note: "star width and precision", tmpl: "{{printf \"%*d|%-*d|%.*f\" 5 42 5 42 2 3.14159}}", data: null, out: "   42|42   |3.14" },
  { note: "odd verbs", tmpl: "{{printf \"%\"}}|{{printf \"%!\"}}|{{printf \"100%%\"}}", data: null, out: "%!(NOVERB)|%!!(MISSING)|100%" },
  { note: "mixed slice with verbs", tmpl: "{{printf \"%v %d %s\" .a .a .a}}", data: {"a": [1, 2.5, "x", true, null]}, out: "[1 2.5 x true <nil>] [1 %!d(float64=2.5) %!d(string=x) %!d(bool=true) <nil>] [%!s(int=1) %!s(float64=2.5) x %!s(bool=true) <nil>]" },
  { note: "precision with v, q of slice", tmpl: "{{printf \"%6.2v|%10.4v|%q|%x\" 3.14159 \"abcdefgh\" .s .s}}", data: {"s": ["a", "b"]}, out: "   3.1|      abcd|[\"a\" \"b\"]|[61 62]" },
  { note: "unicode verbs", tmpl: "{{printf \"%U %#U %x %X %c\" 128512 128512 \"héllo\" \"hi\" 128512}}", data: null, out: "U+1F600 U+1F600 '😀' 68c3a96c6c6f 6869 😀" },
  { note: "%T", tmpl: "{{printf \"%T %T %T %T %T %T\" 1 1.5 \"s\" .a .m nil}}", data: {"a": [1], "m": {}}, out: "int float64 string []interface {} map[string]interface {} <nil>" },
  { note: "print and println edge cases", tmpl: "{{println}}|{{print nil}}|{{print .a .b}}|{{print \"a\" 1 2 \"b\"}}", data: {"a": 1, "b": 2}, out: "\n|<nil>|1 2|a1 2b" },
  { note: "len of maps", tmpl: "{{len .}}|{{len .x}}", data: {"x": {"a": 1, "b": 2}}, out: "1|2" },
  { note: "eq with several args and nil", tmpl: "{{eq 1 2 1}} {{eq \"a\" \"b\" \"a\"}} {{ne .x nil}} {{eq .x nil}} {{eq nil nil}}", data: {"x": 1}, out: "true true true false true" },
  { note: "and with not", tmpl: "{{if and .a (not .b)}}yes{{else}}no{{end}}", data: {"a": 1, "b": 0}, out: "yes" },
  { note: "range int one var", tmpl: "{{range $i := 3}}{{$i}}{{end}}", data: null, out: "012" },
  { note: "spacing", tmpl: "{{\"\u2028\"}}|{{ .A }}|{{.A|printf \"%s\"}}|{{$x:=1}}{{$x}}", data: {"A": "a"}, out: "\u2028|a|a|1" },
  { note: "parentheses", tmpl: "{{(1)}}|{{(.A).B}}|{{(.A)}}|{{((.A).B)}}", data: {"A": {"B": "b"}}, out: "1|b|map[B:b]|b" },
  { note: "spaced dollar", tmpl: "{{ $ }}", data: 5, out: "5" },
  { note: "pipelines into builtins", tmpl: "{{split \"a.b\" \".\" | len}}|{{index .m \"a\" | printf \"%v\"}}|{{ .A | len | printf \"%03d\" }}", data: {"m": {"a": 7}, "A": "xyz"}, out: "2|7|003" },
  { note: "numeric literal forms", tmpl: "{{0x10 | printf \"%d\"}}|{{printf \"%d\" 'a'}}|{{-1}}|{{+1}}|{{1.0}}|{{'\\n'}}|{{'\\''}}", data: null, out: "16|97|-1|1|1|10|39" },
  { note: "nested nil prints <nil>", tmpl: "{{.a.b}}", data: {"a": {"b": [1, {"c": null}]}}, out: "[1 map[c:<nil>]]" },
  { note: "range prints null element as <no value>", tmpl: "{{range .}}{{.}}|{{end}}", data: [null, "x"], out: "<no value>|x|" },
  { note: "pipe into variadic", tmpl: "{{1 | printf \"%d %d\" 2}}", data: null, out: "2 1" },
  { note: "pipe into builtins", tmpl: "{{true | not}}|{{0 | not}}|{{\"\" | len}}", data: null, out: "false|true|0" },
  { note: "single arg and/or", tmpl: "{{or 1}}|{{and 0}}", data: null, out: "1|0" },
  { note: "piped and/or", tmpl: "{{1 | and 0}}|{{1 | or 0}}|{{0 | or 0}}", data: null, out: "0|1|0" },
  { note: "json scalars", tmpl: "{{json 1.5}}|{{json 1e21}}|{{json 0.0000001}}|{{json \"\\u0001\\b\\f\\t<>&\"}}|{{json .}}", data: {"a": null}, out: "1.5|1e+21|1e-7|\"\\u0001\\b\\f\\t<>&\"|{\"a\":null}" },
  { note: "unicode case mapping", tmpl: "{{lower .}}|{{upper .}}|{{title .}}", data: "straße ǆ éa.b-c d_e", out: "straße ǆ éa.b-c d_e|STRAßE Ǆ ÉA.B-C D_E|Straße ǅ Éa.B-C D_e" },
  { note: "truncate cuts bytes", tmpl: "{{truncate \"héllo\" 2}}|{{truncate \"héllo\" 3}}", data: null, out: "h�|hé" },
  { note: "slice bytes and empty", tmpl: "{{slice \"héllo\" 1 3}}|{{slice . 0 1}}|{{slice . 2 2}}", data: [1, 2, 3], out: "é|[1]|[]" },
  { note: "lt strings", tmpl: "{{lt .a .b}}", data: {"a": "abc", "b": "abd"}, out: "true" },
  { note: "ge gt le", tmpl: "{{ge 2 2}} {{gt 2 2}} {{le 3 2}}", data: null, out: "true false false" },
  { note: "newline trimmed between ifs", tmpl: "{{if .a}}{{.a}}{{end}}\n{{- if .b}}{{.b}}{{end}}", data: {"a": "x", "b": "y"}, out: "xy" },
  { note: "comment right trim", tmpl: "{{/* a */}}{{/* b */ -}}  x", data: null, out: "x" },
  { note: "comment left trim", tmpl: "a{{- /* a */}}b", data: null, out: "ab" },
  { note: "comment without spaces", tmpl: "{{/*a*/}}", data: null, out: "" },
  { note: "trimmed comment without spaces", tmpl: "{{- /*a*/ -}}", data: null, out: "" },
  { note: "define and template", tmpl: "{{define \"row\"}}[{{.}}]{{end}}{{range .}}{{template \"row\" .}}{{end}}", data: [1, 2], out: "[1][2]" },
  { note: "template without pipeline gets no value", tmpl: "{{define \"T\"}}{{$}}{{.}}{{end}}{{template \"T\"}}", data: 5, out: "<no value><no value>" },
  { note: "block defines and executes", tmpl: "{{block \"b\" .Name}}<{{.}}>{{end}}|{{template \"b\" \"x\"}}", data: {"Name": "n"}, out: "<n>|<x>" },
  { note: "empty define can be redefined", tmpl: "{{define \"a\"}}{{end}}{{define \"a\"}}2{{end}}{{template \"a\"}}", data: null, out: "2" },
  { note: "recursion", tmpl: "{{define \"r\"}}{{if .}}{{.}}{{template \"r\" slice . 1}}{{end}}{{end}}{{template \"r\" .}}", data: [1, 2, 3], out: "[1 2 3][2 3][3]" },
  { note: "raw string template name", tmpl: "{{define `raw`}}R{{end}}{{template `raw`}}", data: null, out: "R" },
  { note: "trimmed define", tmpl: "{{- define \"x\" -}}  X  {{- end -}}\n{{template \"x\"}}", data: null, out: "X" },
  { note: "extra brace is text", tmpl: "{{.Name}}}", data: {"Name": "x"}, out: "x}" },
  { note: "padded column", tmpl: "{{ .Names | printf \"%-20s|\" }}", data: {"Names": "web"}, out: "web                 |" },
  { note: "manual alignment", tmpl: "{{range .}}{{.Name | printf \"%-6s\"}}{{.Size}}\n{{end}}", data: [{"Name": "a", "Size": "1MB"}, {"Name": "bbb", "Size": "20kB"}], out: "a     1MB\nbbb   20kB\n" },
  { note: "json of labels", tmpl: "{{json .Labels}}", data: {"Labels": {"com.example/x": "1", "a": "<b>"}}, out: "{\"a\":\"<b>\",\"com.example/x\":\"1\"}" },
  { note: "labels loop", tmpl: "{{range $k, $v := .Labels}}{{$k}}={{$v}},{{end}}", data: {"Labels": {"b": "2", "a": "1"}}, out: "a=1,b=2," },
  { note: "boolean logic", tmpl: "{{if and (eq .State \"running\") (gt .Restarts 0)}}flapping{{end}}", data: {"State": "running", "Restarts": 3}, out: "flapping" },
];

const parseErrors: ParseErrCase[] = [
  { tmpl: "{{.}", err: "template: :1: bad character U+007D '}'" },
  { tmpl: "{{", err: "template: :1: unclosed action" },
  { tmpl: "{{.Name", err: "template: :1: unclosed action" },
  { tmpl: "{{.Name\n\n", err: "template: :3: unclosed action started at :1" },
  { tmpl: "{{end}}", err: "template: :1: unexpected {{end}}" },
  { tmpl: "{{else}}", err: "template: :1: unexpected {{else}}" },
  { tmpl: "{{if 1}}", err: "template: :1: unexpected EOF" },
  { tmpl: "{{if 1}}{{else}}{{else}}{{end}}", err: "template: :1: expected end; found {{else}}" },
  { tmpl: "{{if}}{{end}}", err: "template: :1: missing value for if" },
  { tmpl: "{{range}}{{end}}", err: "template: :1: missing value for range" },
  { tmpl: "{{foo}}", err: "template: :1: function \"foo\" not defined" },
  { tmpl: "{{$x}}", err: "template: :1: undefined variable \"$x\"" },
  { tmpl: "{{if true}}{{$y := 3}}{{end}}{{$y}}", err: "template: :1: undefined variable \"$y\"" },
  { tmpl: "{{(1}}", err: "template: :1: unclosed left paren" },
  { tmpl: "{{)}}", err: "template: :1: unexpected right paren" },
  { tmpl: "{{\"abc}}", err: "template: :1: unterminated quoted string" },
  { tmpl: "{{`abc}}", err: "template: :1: unterminated raw quoted string" },
  { tmpl: "{{'ab'}}", err: "template: :1: malformed character constant: 'ab'" },
  { tmpl: "{{.A | 1}}", err: "template: :1: non executable command in pipeline stage 2" },
  { tmpl: "{{1.x}}", err: "template: :1: bad number syntax: \"1.x\"" },
  { tmpl: "{{\"a\".x}}", err: "template: :1: unexpected . after term \"\\\"a\\\"\"" },
  { tmpl: "{{break}}", err: "template: :1: {{break}} outside {{range}}" },
  { tmpl: "{{continue}}", err: "template: :1: {{continue}} outside {{range}}" },
  { tmpl: "{{range .}}{{break 1}}{{end}}", err: "template: :1: unexpected \"1\" in {{break}}" },
  { tmpl: "{{/* x }}", err: "template: :1: unclosed comment" },
  { tmpl: "{{/* x */ }}", err: "template: :1: comment ends before closing delimiter" },
  { tmpl: "{{.A:}}", err: "template: :1: expected :=" },
  { tmpl: "{{ # }}", err: "template: :1: unexpected \"#\" in command" },
  { tmpl: "{{.A}}}\n{{.B}", err: "template: :2: bad character U+007D '}'" },
  { tmpl: "{{range $a, $b, $c := .}}{{end}}", err: "template: :1: too many declarations in range" },
  { tmpl: "{{with $x, $y := .}}{{end}}", err: "template: :1: too many declarations in with" },
  { tmpl: "{{$x := }}", err: "template: :1: missing value for command" },
  { tmpl: "{{\"\\q\"}}", err: "template: :1: invalid syntax" },
  { tmpl: "{{.A.}}", err: "template: :1: unexpected <.> in operand" },
  { tmpl: "{{|}}", err: "template: :1: unexpected \"|\" in command" },
  { tmpl: "{{end 1}}", err: "template: :1: unexpected \"1\" in end" },
  { tmpl: "{{else 1}}", err: "template: :1: unexpected \"1\" in else" },
  { tmpl: "{{if 1}}x{{else}}y", err: "template: :1: unexpected EOF" },
  { tmpl: "{{ 0x }}", err: "template: :1: illegal number syntax: \"0x\"" },
  { tmpl: "{{,}}", err: "template: :1: unexpected \",\" in command" },
  { tmpl: "{{é}}", err: "template: :1: function \"é\" not defined" },
  { tmpl: "{{.A §}}", err: "template: :1: unrecognized character in action: U+00A7 '§'" },
  { tmpl: "{{.A=}}", err: "template: :1: bad character U+003D '='" },
  { tmpl: "{{with $x := .a}}{{$x}}{{end}}{{$x}}", err: "template: :1: undefined variable \"$x\"" },
  { tmpl: "{{$.}}", err: "template: :1: unexpected <.> in operand" },
  { tmpl: "{{define \"b\"}}override{{end}}{{block \"b\" .}}default{{end}}", err: "template: :1: template: multiple definition of template \"b\"" },
  { tmpl: "{{block \"b\" .}}default{{end}}{{define \"b\"}}override{{end}}", err: "template: :1: template: multiple definition of template \"b\"" },
  { tmpl: "{{define \"a\"}}1{{end}}{{define \"a\"}}2{{end}}", err: "template: :1: template: multiple definition of template \"a\"" },
  { tmpl: "{{define x}}{{end}}", err: "template: :1: unexpected \"x\" in define clause" },
  { tmpl: "{{define \"x\"}}{{else}}{{end}}", err: "template: :1: unexpected {{else}} in define clause" },
  { tmpl: "{{define \"x\"}}", err: "template: :1: unexpected EOF" },
  { tmpl: "{{if 1}}{{define \"x\"}}{{end}}{{end}}", err: "template: :1: unexpected <define> in command" },
  { tmpl: "{{template}}", err: "template: :1: unexpected \"}}\" in template clause" },
  { tmpl: "{{template \"x\" | }}", err: "template: :1: unexpected \"|\" in template clause" },
  { tmpl: "{{$v := 1}}{{define \"x\"}}{{$v}}{{end}}", err: "template: :1: undefined variable \"$v\"" },
  { tmpl: "{{range .}}{{define \"x\"}}{{break}}{{end}}{{end}}", err: "template: :1: unexpected <define> in command" },
  { tmpl: "{{.Name }", err: "template: :1: unexpected \"}\" in operand" },
];

const execErrors: ExecErrCase[] = [
  { tmpl: "{{1 2}}", data: null, err: "template: :1:2: executing \"\" at <1>: can't give argument to non-function 1", out: "" },
  { tmpl: "{{$x = 1}}", data: null, err: "template: :1:7: executing \"\" at <1>: undefined variable: $x", out: "" },
  { tmpl: "{{.a.b}}", data: {"a": "str"}, err: "template: :1:4: executing \"\" at <.a.b>: can't evaluate field b in type interface {}", out: "" },
  { tmpl: "{{.a.b.c}}", data: {"a": {"b": null}}, err: "template: :1:4: executing \"\" at <.a.b.c>: nil pointer evaluating interface {}.c", out: "" },
  { tmpl: "x\n\n  {{.a.b.c}}", data: {"a": {"b": null}}, err: "template: :3:6: executing \"\" at <.a.b.c>: nil pointer evaluating interface {}.c", out: "x\n\n  " },
  { tmpl: "{{.a 1}}", data: {"a": "s"}, err: "template: :1:2: executing \"\" at <.a>: a is not a method but has arguments", out: "" },
  { tmpl: "{{1 | .a}}", data: {"a": "s"}, err: "template: :1:6: executing \"\" at <.a>: a is not a method but has arguments", out: "" },
  { tmpl: "{{\"x\" 1}}", data: null, err: "template: :1:2: executing \"\" at <\"x\">: can't give argument to non-function \"x\"", out: "" },
  { tmpl: "{{nil}}", data: null, err: "template: :1:2: executing \"\" at <nil>: nil is not a command", out: "" },
  { tmpl: "{{range .}}{{.}}{{end}}", data: "abc", err: "template: :1:8: executing \"\" at <.>: range can't iterate over abc", out: "" },
  { tmpl: "{{index . 5}}", data: [1, 2], err: "template: :1:2: executing \"\" at <index . 5>: error calling index: index out of range: 5", out: "" },
  { tmpl: "{{index . 2}}", data: [1, 2], err: "template: :1:2: executing \"\" at <index . 2>: error calling index: reflect: slice index out of range", out: "" },
  { tmpl: "{{index . \"x\"}}", data: [1], err: "template: :1:2: executing \"\" at <index . \"x\">: error calling index: cannot index slice/array with type string", out: "" },
  { tmpl: "{{index .m 1}}", data: {"m": {}}, err: "template: :1:2: executing \"\" at <index .m 1>: error calling index: value has type int; should be string", out: "" },
  { tmpl: "{{index 1 1}}", data: null, err: "template: :1:2: executing \"\" at <index 1 1>: error calling index: can't index item of type int", out: "" },
  { tmpl: "{{len 3}}", data: null, err: "template: :1:2: executing \"\" at <len 3>: error calling len: len of type int", out: "" },
  { tmpl: "{{len .Missing}}", data: {}, err: "template: :1:2: executing \"\" at <len .Missing>: error calling len: reflect: call of reflect.Value.Type on zero Value", out: "" },
  { tmpl: "{{eq 1 \"1\"}}", data: null, err: "template: :1:2: executing \"\" at <eq 1 \"1\">: error calling eq: incompatible types for comparison: int and string", out: "" },
  { tmpl: "{{eq .a .b}}", data: {"a": [1], "b": [1]}, err: "template: :1:2: executing \"\" at <eq .a .b>: error calling eq: non-comparable type [%!s(int=1)]: []interface {}", out: "" },
  { tmpl: "{{eq}}", data: null, err: "template: :1:2: executing \"\" at <eq>: wrong number of args for eq: want at least 1 got 0", out: "" },
  { tmpl: "{{lt true false}}", data: null, err: "template: :1:2: executing \"\" at <lt true false>: error calling lt: invalid type for comparison", out: "" },
  { tmpl: "{{lt 1 \"a\"}}", data: null, err: "template: :1:2: executing \"\" at <lt 1 \"a\">: error calling lt: incompatible types for comparison: int and string", out: "" },
  { tmpl: "{{upper 5}}", data: null, err: "template: :1:8: executing \"\" at <5>: expected string; found 5", out: "" },
  { tmpl: "{{upper .n}}", data: {"n": 5}, err: "template: :1:8: executing \"\" at <.n>: wrong type for value; expected string; got int", out: "" },
  { tmpl: "{{.Missing | lower}}", data: {}, err: "template: :1:13: executing \"\" at <lower>: invalid value; expected string", out: "" },
  { tmpl: "{{pad \"a\" 1.5 1}}", data: null, err: "template: :1:10: executing \"\" at <1.5>: expected integer; found 1.5", out: "" },
  { tmpl: "{{pad \"a\" .f 1}}", data: {"f": 1.5}, err: "template: :1:10: executing \"\" at <.f>: wrong type for value; expected int; got float64", out: "" },
  { tmpl: "{{pad \"a\" -1 1}}", data: null, err: "template: :1:2: executing \"\" at <pad \"a\" -1 1>: error calling pad: strings: negative Repeat count", out: "" },
  { tmpl: "{{lower}}", data: null, err: "template: :1:2: executing \"\" at <lower>: wrong number of args for lower: want 1 got 0", out: "" },
  { tmpl: "{{lower 1 2}}", data: null, err: "template: :1:2: executing \"\" at <lower>: wrong number of args for lower: want 1 got 2", out: "" },
  { tmpl: "{{printf}}", data: null, err: "template: :1:2: executing \"\" at <printf>: wrong number of args for printf: want at least 1 got 0", out: "" },
  { tmpl: "{{join .a \",\"}}", data: {"a": [1, 2]}, err: "template: :1:7: executing \"\" at <.a>: wrong type for value; expected []string; got []interface {}", out: "" },
  { tmpl: "{{join \"x\" \",\"}}", data: null, err: "template: :1:7: executing \"\" at <\"x\">: can't handle \"x\" for arg of type []string", out: "" },
  { tmpl: "{{lower nil}}", data: null, err: "template: :1:8: executing \"\" at <nil>: cannot assign nil to string", out: "" },
  { tmpl: "{{slice \"abc\" 2 1}}", data: null, err: "template: :1:2: executing \"\" at <slice \"abc\" 2 1>: error calling slice: invalid slice index: 2 > 1", out: "" },
  { tmpl: "{{range $i, $v := 3}}{{end}}", data: null, err: "template: :1:18: executing \"\" at <3>: can't use 3 to iterate over more than one variable", out: "" },
  { tmpl: "{{$.x}}", data: [1], err: "template: :1:3: executing \"\" at <$.x>: can't evaluate field x in type []interface {}", out: "" },
  { tmpl: "before {{.a.b}} after", data: {"a": 1}, err: "template: :1:11: executing \"\" at <.a.b>: can't evaluate field b in type interface {}", out: "before " },
  { tmpl: "{{range .}}{{.x}}{{end}}", data: [{"x": 1}, "s"], err: "template: :1:13: executing \"\" at <.x>: can't evaluate field x in type interface {}", out: "1" },
  { tmpl: "{{template \"x\"}}", data: null, err: "template: :1:11: executing \"\" at <{{template \"x\"}}>: template \"x\" not defined", out: "" },
  { tmpl: "{{index . -1}}", data: [1], err: "template: :1:2: executing \"\" at <index . -1>: error calling index: index out of range: -1", out: "" },
  { tmpl: "{{range $i, $v := \"ab\"}}{{end}}", data: null, err: "template: :1:18: executing \"\" at <\"ab\">: range can't iterate over ab", out: "" },
  { tmpl: "{{range $i, $v := 2}}{{end}}", data: null, err: "template: :1:18: executing \"\" at <2>: can't use 2 to iterate over more than one variable", out: "" },
  { tmpl: "{{range .}}{{.x}}{{end}}", data: [null], err: "template: :1:13: executing \"\" at <.x>: nil pointer evaluating interface {}.x", out: "" },
  { tmpl: "{{with .a}}{{.x}}{{end}}", data: {"a": "str"}, err: "template: :1:13: executing \"\" at <.x>: can't evaluate field x in type string", out: "" },
  { tmpl: "{{.a.b}}", data: {"a": [1]}, err: "template: :1:4: executing \"\" at <.a.b>: can't evaluate field b in type interface {}", out: "" },
  { tmpl: "{{and}}", data: null, err: "template: :1:2: executing \"\" at <and>: wrong number of args for and: want at least 1 got 0", out: "" },
  { tmpl: "{{slice . 1 5}}", data: [1, 2, 3], err: "template: :1:2: executing \"\" at <slice . 1 5>: error calling slice: index out of range: 5", out: "" },
  { tmpl: "{{index .m nil}}", data: {"m": {"": "empty"}}, err: "template: :1:2: executing \"\" at <index .m nil>: error calling index: value is nil; should be of type string", out: "" },
  { tmpl: "{{lt 1 2.5}}", data: null, err: "template: :1:2: executing \"\" at <lt 1 2.5>: error calling lt: incompatible types for comparison: int and float64", out: "" },
  { tmpl: "{{template \"x\"}}", data: null, err: "template: :1:11: executing \"\" at <{{template \"x\"}}>: template \"x\" not defined", out: "" },
  { tmpl: "x\n{{template \"x\" .A}}", data: {"A": 1}, err: "template: :2:11: executing \"\" at <{{template \"x\" .A}}>: template \"x\" not defined", out: "x\n" },
  { tmpl: "héllo wörld {{.a.b}}", data: {"a": 1}, err: "template: :1:18: executing \"\" at <.a.b>: can't evaluate field b in type interface {}", out: "héllo wörld " },
  { tmpl: "日本\n語 {{.a.b}}", data: {"a": 1}, err: "template: :2:8: executing \"\" at <.a.b>: can't evaluate field b in type interface {}", out: "日本\n語 " },
];

describe('Go template output', () => {
  it.each(outputs)('$note: $tmpl', ({ tmpl, data, out }) => {
    expect(renderTemplate(tmpl, data)).toBe(out);
  });
});

describe('Go template parse errors', () => {
  it.each(parseErrors)('$tmpl', ({ tmpl, err }) => {
    let caught: unknown;
    try {
      new GoTemplate(tmpl);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as Error).message).toBe(err);
  });
});

describe('Go template execution errors', () => {
  it.each(execErrors)('$tmpl', ({ tmpl, data, err, out }) => {
    const t = new GoTemplate(tmpl);
    let caught: unknown;
    try {
      t.execute(data);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).message).toBe(err);
    expect((caught as TemplateError).partial).toBe(out);
  });
});

describe('Go template extras', () => {
  it('reuses one parsed template for many data values', () => {
    const t = new GoTemplate('{{.Name}}={{.N}}');
    expect([{ Name: 'a', N: 1 }, { Name: 'b', N: 2 }].map((d) => t.execute(d))).toEqual(['a=1', 'b=2']);
  });

  it('calls function-valued properties like Go methods', () => {
    const row = { first: 'Ada', last: 'Lovelace', full() { return `${this.first} ${this.last}`; }, greet: (g: string) => `${g}!` };
    expect(renderTemplate('{{.full}} / {{.greet "hi"}} / {{"yo" | .greet}}', row)).toBe('Ada Lovelace / hi! / yo!');
  });

  it('reports an error thrown by a method as "error calling"', () => {
    const row = { bad() { throw new Error('boom'); } };
    expect(() => renderTemplate('{{.bad}}', row)).toThrow('template: :1:2: executing "" at <.bad>: error calling bad: boom');
  });

  it('accepts extra functions at parse time and overrides per execution', () => {
    const t = new GoTemplate('{{shout .}}', { shout: { params: ['string'], fn: (s: string) => `${s.toUpperCase()}!` } });
    expect(t.execute('hey')).toBe('HEY!');
    expect(t.execute('hey', { shout: { params: ['string'], fn: (s: string) => s } })).toBe('hey');
    expect(() => new GoTemplate('{{shout .}}')).toThrow('template: :1: function "shout" not defined');
  });

  it('joins JavaScript string arrays like Go []string', () => {
    // Go rejects a JSON-decoded []interface {} here; JavaScript arrays of strings stand in for []string.
    expect(renderTemplate('{{join .Names ", "}}', { Names: ['a', 'b'] })).toBe('a, b');
    expect(() => renderTemplate('{{join .Names ", "}}', { Names: ['a', 1] }))
      .toThrow('template: :1:7: executing "" at <.Names>: wrong type for value; expected []string; got []interface {}');
  });

  it('limits {{template}} recursion', () => {
    expect(() => renderTemplate('{{define "r"}}{{template "r"}}{{end}}{{template "r"}}', null)).toThrow('exceeded maximum template depth');
  });

  it('prints and encodes Dates like time.Time', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120));
    expect(renderTemplate('{{.}}|{{json .}}', d)).toBe('2024-01-02 03:04:05.12 +0000 UTC|"2024-01-02T03:04:05.12Z"');
  });

});
