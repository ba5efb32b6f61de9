/**
 * Tabwriter alignment and the Docker formatting flow. Expected outputs were
 * produced by Go's text/tabwriter (with docker/cli's rune-width cell
 * measurement) configured as Docker does, `NewWriter(out, 10, 1, 3, ' ', 0)`,
 * and by a Go re-enactment of docker/cli's `formatter.Context.Write` over the
 * same rows decoded as maps.
 */
import { describe, expect, it } from 'vitest';
import { DOCKER_TABWRITER, formatRows, tabwrite } from '../../src/format/table.js';
import { TemplateError } from '../../src/format/go-template.js';

const HEADERS = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Size: 'SIZE', CreatedSince: 'CREATED', Labels: 'LABELS',
};

const IMAGES = [{"ID": "a1b2c3d4e5f6", "Repository": "nginx", "Tag": "latest", "Size": "187MB", "CreatedSince": "2 weeks ago", "Labels": "a=b"}, {"ID": "0123456789ab", "Repository": "registry.example.com/team/app", "Tag": "v1.2.3", "Size": "1.05GB", "CreatedSince": "3 hours ago", "Labels": ""}];

const tabCases: Array<{ note: string; input: string; out: string }> = [
  { note: "empty input", input: "", out: "" },
  { note: "one line: cells padded to minwidth 10, last cell unpadded", input: "a\tb\tc\n", out: "a         b         c\n" },
  { note: "no trailing newline", input: "a\tb\tc", out: "a         b         c" },
  { note: "column widths from the widest cell plus padding 3", input: "NAME\tIMAGE\tSTATUS\nweb\tnginx:latest\tUp 2 hours\ndb-primary-replica\tpostgres:16\tExited (0) 3 days ago\n", out: "NAME                 IMAGE          STATUS\nweb                  nginx:latest   Up 2 hours\ndb-primary-replica   postgres:16    Exited (0) 3 days ago\n" },
  { note: "tabwriter doc example: b and c are distinct columns", input: "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n", out: "aaaa      bbb       d\naa        b         dd\na         \naa        cccc      eee\n" },
  { note: "trailing tab pads the last column too", input: "a\tb\t\nlonger cell\tx\t\n", out: "a             b         \nlonger cell   x         \n" },
  { note: "empty leading cells", input: "\tx\n\ty\n", out: "          x\n          y\n" },
  { note: "a line without tabs ends the column block", input: "a\tb\nsingle line without tabs\nccc\td\n", out: "a         b\nsingle line without tabs\nccc       d\n" },
  { note: "second column block broken by a shorter line", input: "a\tb\tc\nd\te\nf\tg\th\n", out: "a         b         c\nd         e\nf         g         h\n" },
  { note: "empty line splits blocks", input: "x\ty\n\n1234567890123\tz\n", out: "x         y\n\n1234567890123   z\n" },
  { note: "wide characters count two columns", input: "名前\tx\nab\ty\n", out: "名前      x\nab        y\n" },
  { note: "combining mark has zero width", input: "café\tx\ncafé\ty\n", out: "café      x\ncafé      y\n" },
  { note: "formfeed ends all columns", input: "a\tb\fc\td\n", out: "a         b\nc         d\n" },
  { note: "vertical tab terminates a cell", input: "a\u000bb\tc\n", out: "a         b         c\n" },
  { note: "cells at the minwidth boundary", input: "exactly7\tx\nexactly8!\ty\n", out: "exactly7    x\nexactly8!   y\n" },
  { note: "two tables separated by blank line", input: "ID\tCREATED\tSIZE\nabc\t2 hours ago\t1.2MB\n\nIMAGE ID\tX\nffff\ty\n", out: "ID        CREATED       SIZE\nabc       2 hours ago   1.2MB\n\nIMAGE ID   X\nffff       y\n" },
];

const rowCases: Array<{ note: string; format: string; rows: object[]; out: string }> = [
  { note: "docker images default table", format: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}", rows: IMAGES, out: "REPOSITORY                      TAG       IMAGE ID       CREATED       SIZE\nnginx                           latest    a1b2c3d4e5f6   2 weeks ago   187MB\nregistry.example.com/team/app   v1.2.3    0123456789ab   3 hours ago   1.05GB\n" },
  { note: "escaped \\t in user format", format: "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}", rows: IMAGES, out: "REPOSITORY                      TAG       IMAGE ID\nnginx                           latest    a1b2c3d4e5f6\nregistry.example.com/team/app   v1.2.3    0123456789ab\n" },
  { note: "header only when there are no rows", format: "table {{.Repository}}\t{{.Tag}}", rows: [], out: "REPOSITORY   TAG\n" },
  { note: "non-table format: one line per row, no alignment", format: "{{.Repository}}:{{.Tag}}", rows: IMAGES, out: "nginx:latest\nregistry.example.com/team/app:v1.2.3\n" },
  { note: "non-table format keeps tabs", format: "{{.Repository}}\\t{{.Tag}}", rows: IMAGES, out: "nginx\tlatest\nregistry.example.com/team/app\tv1.2.3\n" },
  { note: "bare json prints {{json .}} per row", format: "json", rows: IMAGES, out: "{\"CreatedSince\":\"2 weeks ago\",\"ID\":\"a1b2c3d4e5f6\",\"Labels\":\"a=b\",\"Repository\":\"nginx\",\"Size\":\"187MB\",\"Tag\":\"latest\"}\n{\"CreatedSince\":\"3 hours ago\",\"ID\":\"0123456789ab\",\"Labels\":\"\",\"Repository\":\"registry.example.com/team/app\",\"Size\":\"1.05GB\",\"Tag\":\"v1.2.3\"}\n" },
  { note: "json of nested rows", format: "{{json .}}", rows: [{"b": 1, "a": {"z": [1, 2], "y": null}}], out: "{\"a\":{\"y\":null,\"z\":[1,2]},\"b\":1}\n" },
  { note: "header functions leave header names intact", format: "table {{upper .Repository}}\t{{lower .Tag}}\t{{truncate .ID 4}}\t{{json .Size}}", rows: IMAGES, out: "REPOSITORY                      TAG       IMAGE ID   SIZE\nNGINX                           latest    a1b2       \"187MB\"\nREGISTRY.EXAMPLE.COM/TEAM/APP   v1.2.3    0123       \"1.05GB\"\n" },
  { note: "pad also applies to the header", format: "table {{pad .Repository 1 1}}|{{.Tag}}", rows: IMAGES, out: " REPOSITORY |TAG\n nginx |latest\n registry.example.com/team/app |v1.2.3\n" },
  { note: "unknown header key prints <no value>", format: "table {{.ID}}\t{{.Nope}}", rows: IMAGES, out: "IMAGE ID       <no value>\na1b2c3d4e5f6   <no value>\n0123456789ab   <no value>\n" },
  { note: "header execution error keeps the partial header", format: "table {{.ID}}\t{{index .Labels \"x\"}}\t{{.Tag}}", rows: [{"ID": "abc", "Labels": {"x": "1"}, "Tag": "t"}], out: "IMAGE ID   \nabc        1         t\n" },
  { note: "format is trimmed of spaces", format: "  {{.ID}}  ", rows: IMAGES, out: "a1b2c3d4e5f6\n0123456789ab\n" },
  { note: "escaped \\n", format: "table {{.ID}}\\n{{.Tag}}", rows: IMAGES, out: "IMAGE ID\nTAG\na1b2c3d4e5f6\nlatest\n0123456789ab\nv1.2.3\n" },
  { note: "bare table format", format: "table", rows: IMAGES, out: "\n\n\n" },
  { note: "any format starting with 'table' is a table", format: "tableau {{.ID}}", rows: IMAGES, out: "au IMAGE ID\nau a1b2c3d4e5f6\nau 0123456789ab\n" },
  { note: "wide characters", format: "table {{.Repository}}\t{{.Tag}}\t{{.Size}}", rows: [{"Repository": "名前", "Tag": "latest", "Size": "1MB"}, {"Repository": "ab", "Tag": "x", "Size": "2MB"}], out: "REPOSITORY   TAG       SIZE\n名前         latest    1MB\nab           x         2MB\n" },
  { note: "range inside a table cell", format: "table {{.ID}}\t{{range $i, $l := split .Labels \",\"}}{{if $i}} {{end}}{{$l}}{{end}}", rows: [{"ID": "x", "Labels": "a=1,b=2"}], out: "IMAGE ID   \nx          a=1 b=2\n" },
];

const rowErrors: Array<{ note: string; format: string; rows: object[]; err: string }> = [
  { note: "parse error", format: "{{.ID", rows: IMAGES, err: "template parsing error: template: :1: unclosed action" },
  { note: "execution error", format: "{{.ID.x}}", rows: IMAGES, err: "template parsing error: template: :1:5: executing \"\" at <.ID.x>: can't evaluate field x in type interface {}" },
];

describe('tabwrite (Docker configuration)', () => {
  it.each(tabCases)('$note', ({ input, out }) => {
    expect(tabwrite(input)).toBe(out);
  });

  it('writes the same output when input arrives as one string or line by line', () => {
    const lines = ['NAME\tTAG\n', 'a-much-longer-name\tx\n', 'b\tlatest\n'];
    expect(tabwrite(lines.join(''))).toBe('NAME                 TAG\na-much-longer-name   x\nb                    latest\n');
  });
});

describe('tabwrite options', () => {
  it('aligns right when asked', () => {
    expect(tabwrite('a\tbb\nccc\td\n', { ...DOCKER_TABWRITER, minwidth: 0, padding: 1, alignRight: true })).toBe('   abb\n cccd\n');
  });

  it('prints debug bars between columns', () => {
    expect(tabwrite('a\tb\tc\n', { ...DOCKER_TABWRITER, minwidth: 0, padding: 1, debug: true })).toBe('a |b |c\n');
  });

  it('pads with tabs when padchar is a tab', () => {
    expect(tabwrite('a\tb\nlonger\tc\n', { minwidth: 0, tabwidth: 8, padding: 1, padchar: '\t' })).toBe('a\tb\nlonger\tc\n');
  });

  it('discards empty soft-tab columns', () => {
    const o = { minwidth: 0, tabwidth: 8, padding: 1, padchar: '.', discardEmptyColumns: true };
    expect(tabwrite('a\v\vb\n', o)).toBe('a.b\n');
    expect(tabwrite('a\v\vb\n', { ...o, discardEmptyColumns: false })).toBe('a..b\n');
  });
});

describe('formatRows', () => {
  it.each(rowCases)('$note: $format', ({ format, rows, out }) => {
    expect(formatRows(format, rows, HEADERS)).toBe(out);
  });

  it.each(rowErrors)('$note: $format', ({ format, rows, err }) => {
    expect(() => formatRows(format, rows, HEADERS)).toThrow(TemplateError);
    expect(() => formatRows(format, rows, HEADERS)).toThrow(err);
  });

  it('uses the command default for an empty or bare table format', () => {
    const rows = [{ ID: 'abc', Tag: 'v1' }];
    const defaultFormat = 'table {{.ID}}\t{{.Tag}}';
    const expected = 'IMAGE ID   TAG\nabc        v1\n';
    expect(formatRows('', rows, HEADERS, { defaultFormat })).toBe(expected);
    expect(formatRows('table', rows, HEADERS, { defaultFormat })).toBe(expected);
    expect(formatRows('{{.ID}}', rows, HEADERS, { defaultFormat })).toBe('abc\n');
  });

  it('renders docker history style rows with truncated CREATED BY', async () => {
    const { ellipsis, humanSizeWithPrecision, timeAgo, truncateId } = await import('../../src/format/units.js');
    const now = Date.UTC(2024, 5, 1);
    const layers = [
      { id: 'sha256:4f8a3c2b1d0e9f8a7b6c5d4e3f2a1b0c', created: now - 3 * 86_400_000, by: '/bin/sh -c #(nop)  CMD ["nginx" "-g" "daemon off;"]', size: 0 },
      { id: '<missing>', created: now - 20 * 86_400_000, by: '/bin/sh -c apt-get update && apt-get install -y nginx', size: 58_712_345 },
    ];
    const rows = layers.map((l) => ({
      ID: truncateId(l.id), CreatedSince: timeAgo(l.created, now), CreatedBy: ellipsis(l.by, 45),
      Size: humanSizeWithPrecision(l.size, 3), Comment: '',
    }));
    const out = formatRows(
      'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}', rows,
      { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
    );
    expect(out).toBe([
      'IMAGE          CREATED       CREATED BY                                      SIZE      COMMENT',
      '4f8a3c2b1d0e   3 days ago    /bin/sh -c #(nop)  CMD ["nginx" "-g" "daemon…   0B        ',
      '<missing>      2 weeks ago   /bin/sh -c apt-get update && apt-get install…   58.7MB    ',
      '',
    ].join('\n'));
  });
});
