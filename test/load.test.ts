// Stage 1 (load.ts) and the diagnostics it produces: positions of nested nodes, YAML refusals,
// and the `file:line:col: severity[code]: message` rendering with its code frame.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Diagnostic, formatDiagnostic, Reporter, SpecError } from '../generator/diagnostics.js';
import { loadSpec, parseSpec } from '../generator/load.js';

// Line numbers in the comments are the ones the tests below rely on.
const TEXT = [
  'naftiko: 1.0.0-alpha2', //                         1
  'info:', //                                         2
  '  label: Positions', //                            3
  'capability:', //                                   4
  '  consumes:', //                                   5
  '  - type: http', //                                6
  '    namespace: up', //                             7
  '    baseUri: https://api.example.com', //          8
  '    resources:', //                                9
  '    - name: items', //                             10
  '      path: /items/{id}', //                       11
  '      operations:', //                             12
  '      - name: get-item', //                        13
  '        method: GET', //                           14
  '        inputParameters:', //                      15
  '        - name: id', //                            16
  '          in: path', //                            17
  '  exposes: []', //                                 18
  '',
].join('\n');

/** Expects `fn` to throw a SpecError and returns its diagnostics. */
function refusal(fn: () => unknown): Diagnostic[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).diagnostics;
  }
  throw new Error('expected a SpecError, but nothing was thrown');
}

async function refusalAsync(fn: () => Promise<unknown>): Promise<SpecError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error('expected a SpecError, but nothing was thrown');
}

describe('parseSpec', () => {
  it('returns the document as plain data, with the file name and text', () => {
    const spec = parseSpec('specs/pos.yaml', TEXT);
    expect(spec.file).toBe('specs/pos.yaml');
    expect(spec.text).toBe(TEXT);
    expect(spec.data.naftiko).toBe('1.0.0-alpha2');
    expect((spec.data.capability as { consumes: { namespace: string }[] }).consumes[0]!.namespace).toBe('up');
  });
});

describe('locate', () => {
  const spec = parseSpec('pos.yaml', TEXT);

  it('points at a top-level key and its value', () => {
    expect(spec.locate(['naftiko'])).toEqual({ line: 1, col: 1 });
    expect(spec.locate(['naftiko'], 'value')).toEqual({ line: 1, col: 10 });
    expect(spec.locate(['info', 'label'], 'value')).toEqual({ line: 3, col: 10 });
  });

  it('points at nested keys and values inside sequences', () => {
    expect(spec.locate(['capability', 'consumes', 0, 'namespace'])).toEqual({ line: 7, col: 5 });
    expect(spec.locate(['capability', 'consumes', 0, 'namespace'], 'value')).toEqual({ line: 7, col: 16 });
    const method = ['capability', 'consumes', 0, 'resources', 0, 'operations', 0, 'method'];
    expect(spec.locate(method)).toEqual({ line: 14, col: 9 });
    expect(spec.locate(method, 'value')).toEqual({ line: 14, col: 17 });
    const inParam = [
      'capability',
      'consumes',
      0,
      'resources',
      0,
      'operations',
      0,
      'inputParameters',
      0,
      'in',
    ];
    expect(spec.locate(inParam, 'value')).toEqual({ line: 17, col: 15 });
  });

  it('points at a sequence item by index', () => {
    expect(spec.locate(['capability', 'consumes', 0])).toEqual({ line: 6, col: 5 });
    expect(spec.locate(['capability', 'consumes', 0, 'resources', 0])).toEqual({ line: 10, col: 7 });
    expect(
      spec.locate(['capability', 'consumes', 0, 'resources', 0, 'operations', 0, 'inputParameters', 0]),
    ).toEqual({
      line: 16,
      col: 11,
    });
  });

  it('falls back to the nearest existing ancestor for a missing key or index', () => {
    // resources[0] exists, `nope` does not: the resource item is the nearest node.
    expect(spec.locate(['capability', 'consumes', 0, 'resources', 0, 'nope', 'deeper'])).toEqual({
      line: 10,
      col: 7,
    });
    // consumes[5] does not exist: the `consumes` key.
    expect(spec.locate(['capability', 'consumes', 5, 'namespace'])).toEqual({ line: 5, col: 3 });
    // A key path into a scalar stops at the scalar.
    expect(spec.locate(['info', 'label', 'x'], 'value')).toEqual({ line: 3, col: 10 });
    // The empty path is the document itself.
    expect(spec.locate([])).toEqual({ line: 1, col: 1 });
  });

  it("places an empty value on its key's line, just after the colon", () => {
    const s = parseSpec('v.yaml', 'naftiko: 1.0.0-alpha2\ninfo:\n  label:\n  description: x\n');
    expect(s.locate(['info', 'label'])).toEqual({ line: 3, col: 3 });
    expect(s.locate(['info', 'label'], 'value')).toEqual({ line: 3, col: 9 });
  });

  it('feeds Reporter positions', () => {
    const report = new Reporter('pos.yaml', spec.locate, false);
    report.warn('demo', 'a warning', ['capability', 'consumes', 0, 'baseUri'], 'value');
    expect(report.diagnostics).toEqual([
      { severity: 'warning', code: 'demo', message: 'a warning', file: 'pos.yaml', line: 8, col: 14 },
    ]);
  });
});

describe('YAML refusals', () => {
  it('refuses a syntax error with a SpecError located at the error', () => {
    const text = 'naftiko: 1.0.0-alpha2\ninfo:\n  label: a: b\n';
    const [d] = refusal(() => parseSpec('bad.yaml', text));
    expect(d).toMatchObject({ severity: 'error', code: 'yaml-syntax', file: 'bad.yaml' });
    expect(d!.message).toMatch(/^YAML syntax error: Nested mappings/);
    // The second `:` on line 3 is the error, not the top of the file.
    expect({ line: d!.line, col: d!.col }).toEqual({ line: 3, col: 10 });
  });

  it('puts file:line:col into the SpecError message', () => {
    const text = 'naftiko: 1.0.0-alpha2\ninfo:\n\tlabel: tabbed\n';
    let err: unknown;
    try {
      parseSpec('tabs.yaml', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const d = (err as SpecError).diagnostics[0]!;
    expect((err as SpecError).message).toContain(`tabs.yaml:${d.line}:${d.col}: YAML syntax error`);
    expect(d.line).toBe(3);
  });

  it('refuses duplicate keys at the second occurrence', () => {
    const text = 'naftiko: 1.0.0-alpha2\ninfo:\n  label: one\n  label: two\n';
    const diagnostics = refusal(() => parseSpec('dup.yaml', text));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('yaml-syntax');
    expect(diagnostics[0]!.message).toMatch(/unique/i);
    expect({ line: diagnostics[0]!.line, col: diagnostics[0]!.col }).toEqual({ line: 4, col: 3 });
  });

  it('refuses an alias to an anchor that does not exist as a SpecError, not a crash', () => {
    const diagnostics = refusal(() => parseSpec('alias.yaml', 'naftiko: 1.0.0-alpha2\ninfo: *nowhere\n'));
    expect(diagnostics[0]!.severity).toBe('error');
    expect(diagnostics[0]!.file).toBe('alias.yaml');
  });

  it('refuses an alias inside the node it names, at the alias (a cyclic document)', () => {
    // The mutation run's `alias-cycle`: later stages walk the data and would never end.
    const text = ['naftiko: 1.0.0-alpha2', 'info: &info', '  label: Loop', '  self: *info', ''].join('\n');
    const diagnostics = refusal(() => parseSpec('cycle.yaml', text));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('yaml-syntax');
    expect(diagnostics[0]!.message).toMatch(/alias \*info is inside the node it names/);
    expect({ line: diagnostics[0]!.line, col: diagnostics[0]!.col }).toEqual({ line: 4, col: 9 });
  });

  it('keeps an alias to a node outside itself', () => {
    const text = ['naftiko: 1.0.0-alpha2', 'info: &info {label: Shared}', 'other: *info', ''].join('\n');
    const spec = parseSpec('shared.yaml', text);
    expect(spec.data.other).toEqual({ label: 'Shared' });
  });

  it('refuses an alias bomb as a SpecError, not a crash', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ] as const) {
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const diagnostics = refusal(() => parseSpec('bomb.yaml', lines.join('\n')));
    expect(diagnostics[0]!.severity).toBe('error');
  });

  it.each([
    ['sequences', (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`],
    ['mappings', (d: number) => `${'{a: '.repeat(d)}1${'}'.repeat(d)}`],
  ])(
    'refuses %s nested 20,000 deep as a SpecError naming the nesting, not a stack overflow',
    (_what, nest) => {
      const diagnostics = refusal(() =>
        parseSpec('deep.yaml', `naftiko: 1.0.0-alpha2\ninfo: ${nest(20_000)}\n`),
      );
      expect(diagnostics[0]!.severity).toBe('error');
      expect(diagnostics[0]!.message).toBe('YAML error: the document nests too deeply to read');
      expect(diagnostics[0]!.line).toBeGreaterThanOrEqual(1);
    },
  );

  it.each([
    ['a scalar', 'just some text\n', /a string/],
    ['a number', '42\n', /a number/],
    ['a list', '- naftiko: 1.0.0-alpha2\n- info: {}\n', /a list/],
    ['an empty file', '', /empty/],
    ['a comment-only file', '# nothing here\n', /empty/],
  ])('refuses %s: a capability must be a mapping', (_what, text, kind) => {
    const diagnostics = refusal(() => parseSpec('shape.yaml', text));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('not-yaml');
    expect(diagnostics[0]!.message).toMatch(kind);
    expect(diagnostics[0]!.message).toContain('a Naftiko capability is a YAML mapping');
  });

  it('refuses a binary file', () => {
    const diagnostics = refusal(() => parseSpec('bin.yaml', 'naftiko: 1.0.0-alpha2\u0000\n'));
    expect(diagnostics[0]!.message).toMatch(/binary/);
  });
});

describe('loadSpec', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capgen-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a missing file with a clear message naming the file', async () => {
    const file = join(dir, 'missing.yaml');
    const err = await refusalAsync(() => loadSpec(file));
    expect(err.diagnostics).toEqual([
      { severity: 'error', code: 'file', message: 'spec file no such file', file, line: 1, col: 1 },
    ]);
    expect(err.message).toContain(file);
    expect(formatDiagnostic(err.diagnostics[0]!)).toBe(`${file}:1:1: error[file]: spec file no such file`);
  });

  it('refuses a directory', async () => {
    const err = await refusalAsync(() => loadSpec(dir));
    expect(err.diagnostics[0]!.message).toBe('spec file is a directory');
  });

  it('reads a real file', async () => {
    const { writeFile } = await import('node:fs/promises');
    const file = join(dir, 'ok.yaml');
    await writeFile(file, TEXT);
    const spec = await loadSpec(file);
    expect(spec.file).toBe(file);
    expect(spec.locate(['capability', 'exposes'], 'value')).toEqual({ line: 18, col: 12 });
  });
});

describe('formatDiagnostic', () => {
  const source = ['naftiko: 1.0.0-alpha2', 'info:', '  label: Demo', 'capability: {}', ''].join('\n');
  const d: Diagnostic = {
    severity: 'warning',
    code: 'info-title',
    message: 'something is off',
    file: 'demo.yaml',
    line: 3,
    col: 10,
  };

  it('prints file:line:col: severity[code]: message without source', () => {
    expect(formatDiagnostic(d)).toBe('demo.yaml:3:10: warning[info-title]: something is off');
    expect(formatDiagnostic({ ...d, severity: 'error', code: 'version' })).toBe(
      'demo.yaml:3:10: error[version]: something is off',
    );
  });

  it('adds a code frame with the previous line and a caret under the column', () => {
    const out = formatDiagnostic(d, source).split('\n');
    expect(out).toEqual([
      'demo.yaml:3:10: warning[info-title]: something is off',
      '  2 | info:',
      '> 3 |   label: Demo',
      '    |          ^',
    ]);
    // The caret sits exactly under the reported column of the marked line.
    const marked = out[2]!;
    const caret = out[3]!;
    const gutter = marked.indexOf('|') + 2;
    expect(caret.indexOf('^') - gutter).toBe(d.col - 1);
    expect(marked[caret.indexOf('^')]).toBe('D');
  });

  it('shows only the line itself on line 1, and pads the gutter for wider line numbers', () => {
    expect(formatDiagnostic({ ...d, line: 1, col: 1 }, source).split('\n')).toEqual([
      'demo.yaml:1:1: warning[info-title]: something is off',
      '> 1 | naftiko: 1.0.0-alpha2',
      '    | ^',
    ]);
    const long = Array.from({ length: 12 }, (_, i) => `line${i + 1}: x`).join('\n');
    const frame = formatDiagnostic({ ...d, line: 10, col: 3 }, long).split('\n');
    expect(frame.slice(1)).toEqual(['   9 | line9: x', '> 10 | line10: x', '     |   ^']);
  });

  it('handles CRLF sources and positions past the end', () => {
    const crlf = 'a: 1\r\nb: 2\r\n';
    expect(formatDiagnostic({ ...d, line: 2, col: 4 }, crlf).split('\n')).toEqual([
      'demo.yaml:2:4: warning[info-title]: something is off',
      '  1 | a: 1',
      '> 2 | b: 2',
      '    |    ^',
    ]);
    expect(formatDiagnostic({ ...d, line: 99 }, source)).toBe(
      'demo.yaml:99:10: warning[info-title]: something is off',
    );
  });

  it('renders a real refusal with its frame', () => {
    const text = 'naftiko: 1.0.0-alpha2\ninfo:\n  label: one\n  label: two\n';
    const [diag] = refusal(() => parseSpec('dup.yaml', text));
    const out = formatDiagnostic(diag!, text);
    expect(out.split('\n')[0]).toMatch(/^dup\.yaml:4:3: error\[yaml-syntax\]: YAML syntax error: /);
    expect(out).toContain('> 4 |   label: two');
  });
});
