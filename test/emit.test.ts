// Stage 4 (emit/): escape.ts is the only path from spec text to generated code, render.ts only
// lets templates emit through it, and call.ts turns JSONPath into runtime segments. The last
// block runs hostile spec text through the whole pipeline in memory.
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { jsonPath } from '../generator/emit/call.js';
import {
  Code,
  code,
  doc,
  ident,
  isIdent,
  join,
  jsonDocument,
  lit,
  md,
  member,
  prop,
  runtimeSymbol,
  symbolsUsed,
} from '../generator/emit/escape.js';
import { checkTemplate } from '../generator/emit/render.js';
import { generateText } from '../generator/pipeline.js';

/** Evaluates a JavaScript expression. */
const evaluate = (expr: Code | string): unknown =>
  new Function(`"use strict"; return (${String(expr)});`)() as unknown;

const HOSTILE = [
  'plain',
  '',
  '${process.exit(1)}',
  '`${`nested`}`',
  'a */ b /* c',
  '*/',
  'it\'s "quoted"',
  'back\\slash \\n \\u0041',
  'line one\nline two\r\nline three\rfour',
  '</script><script>alert(1)</script>',
  'separators \u2028 and \u2029',
  'nul \u0000 and bell \u0007 and escape \u001b',
  'emoji 🐈 and lone surrogate \ud800',
  '<!-- html comment -->',
  '}); process.exit(1); ({',
];

describe('lit', () => {
  it.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('evaluates back to %s', (_label, s) => {
    const c = lit(s);
    expect(c).toBeInstanceOf(Code);
    expect(evaluate(c)).toBe(s);
    // The literal is one line: no raw line terminator can end it early.
    expect(c.text).not.toMatch(/[\n\r]/);
  });

  it('evaluates hostile strings back inside a template literal context and as object keys', () => {
    for (const s of HOSTILE) {
      expect(evaluate(`\`\${${lit(s).text}}\``)).toBe(s);
      expect(Object.keys(evaluate(`{ [${lit(s).text}]: 1 }`) as object)).toEqual([s]);
    }
  });

  it('handles every JSON value', () => {
    const value = { a: [1, 2.5, -0.5, true, false, null], 'b c': { '${d}': '*/' }, e: 'x\u2028y' };
    expect(evaluate(lit(value))).toEqual(value);
    expect(lit(42).text).toBe('42');
    expect(lit(null).text).toBe('null');
    expect(lit(undefined).text).toBe('undefined');
  });

  it('writes a JSON document with two-space indent and a final newline', () => {
    const text = jsonDocument({ a: [1], b: '*/' }).text;
    expect(text).toBe('{\n  "a": [\n    1\n  ],\n  "b": "*/"\n}\n');
    expect(JSON.parse(text)).toEqual({ a: [1], b: '*/' });
  });
});

describe('doc', () => {
  /** The code must be exactly one block comment: its only comment end (star, slash) is its last two characters. */
  const oneComment = (c: Code) => {
    expect(c.text.startsWith('/**')).toBe(true);
    expect(c.text.indexOf('*/')).toBe(c.text.length - 2);
    // And it is valid JavaScript that declares nothing.
    expect(new Function(`${c.text}\nreturn 7;`)()).toBe(7);
  };

  it.each(HOSTILE.filter((s) => s.trim() !== '').map((s) => [JSON.stringify(s), s]))(
    'never lets %s close the comment early',
    (_l, s) => {
      oneComment(doc(s));
      oneComment(doc(s, s));
    },
  );

  it('keeps the words of the text', () => {
    expect(doc('Get a pet').text).toBe('/** Get a pet */');
    expect(doc('a */ b').text).toBe('/** a *\\/ b */');
    expect(doc('first', undefined, ' ', 'second').text).toBe('/**\n * first\n *\n * second\n */');
    expect(doc('one\r\ntwo').text).toBe('/**\n * one\n * two\n */');
  });

  it('is empty when there is nothing to say', () => {
    expect(doc().text).toBe('');
    expect(doc(undefined, '  ').text).toBe('');
  });
});

describe('ident, prop and member', () => {
  it('accepts identifiers', () => {
    for (const name of ['foo', 'fooBar2', '_', '$', '_private', '$el', 'listimages']) {
      expect(ident(name).text).toBe(name);
      expect(isIdent(name)).toBe(true);
    }
  });

  it.each(['image-id', '1abc', '', 'a b', 'a.b', 'x;y', 'foo()', 'é', 'a\nb', '${x}'])(
    'rejects the non-identifier %j',
    (name) => {
      expect(() => ident(name)).toThrow(/not a safe identifier/);
      expect(isIdent(name)).toBe(false);
    },
  );

  it.each([
    'class',
    'delete',
    'new',
    'return',
    'enum',
    'await',
    'yield',
    'let',
    'static',
    'implements',
    'interface',
    'package',
  ])('rejects the reserved word %s', (name) => {
    expect(() => ident(name)).toThrow(/not a safe identifier/);
    expect(isIdent(name)).toBe(false);
  });

  it.each(['eval', 'arguments'])('rejects %s, which strict-mode (module) code cannot bind', (name) => {
    // Generated files are ES modules, hence strict: `const eval = 1` is a SyntaxError there.
    expect(() => new Function(`"use strict"; const ${name} = 1;`)).toThrow(SyntaxError);
    expect(() => ident(name)).toThrow(/not a safe identifier/);
  });

  it('quotes property names that are not identifiers', () => {
    expect(prop('zone').text).toBe('zone');
    expect(prop('class').text).toBe('class'); // a reserved word is a valid property name
    expect(prop('image-id').text).toBe('"image-id"');
    expect(prop('1st').text).toBe('"1st"');
    for (const name of ['image-id', 'a b', '*/', '${x}', 'x"y', '', 'constructor', 'class']) {
      const obj = evaluate(`{ ${prop(name).text}: 1 }`) as Record<string, number>;
      expect(Object.keys(obj)).toEqual([name]);
    }
  });

  it('makes `__proto__` an own property, not the prototype', () => {
    const obj = evaluate(`{ ${prop('__proto__').text}: { polluted: true } }`) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['__proto__']);
    expect((obj as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('reads members with dots or brackets', () => {
    const target = new Code('t');
    expect(member(target, 'zone').text).toBe('t.zone');
    expect(member(target, 'image-id').text).toBe('t["image-id"]');
    expect(member(member(target, 'params'), 'a.b').text).toBe('t.params["a.b"]');
    const t = { zone: 1, 'image-id': 2, '*/': 3, '${x}': 4, 'x"]; alert(1); //': 5 };
    for (const [key, value] of Object.entries(t)) {
      expect(new Function('t', `return ${member(target, key).text};`)(t)).toBe(value);
    }
  });

  it('escapes Markdown and HTML in md', () => {
    expect(md('a <b> & `c` *d* _e_ [f](g) | h #i').text).toBe(
      'a &lt;b&gt; &amp; \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) \\| h \\#i',
    );
    expect(md('one\n\n  two').text).toBe('one two');
    expect(md(undefined).text).toBe('');
  });
});

describe('the code tagged template', () => {
  it('joins Code holes and lists of Code', () => {
    const c = code`const ${ident('x')} = [${[lit(1), new Code(', '), lit('a')]}];`;
    expect(c).toBeInstanceOf(Code);
    expect(c.text).toBe('const x = [1, "a"];');
    expect(join([lit(1), lit(2)], ' + ').text).toBe('1 + 2');
  });

  it('carries the runtime symbols of its holes, so imports come from what the code names', () => {
    const call = code`${runtimeSymbol('segment')}(${lit('id')}, params.id)`;
    const joined = join([call, code`${runtimeSymbol('asNumber')}(x)!`], ' + ');
    const wrapped = member(code`(${joined})`, 'length');
    expect(symbolsUsed([wrapped, lit('segment(')])).toEqual(['asNumber', 'segment']);
    // Text that merely looks like a call names nothing.
    expect(symbolsUsed([new Code('segment(1)'), lit('asString(')])).toEqual([]);
  });

  it('throws when a hole is not Code', () => {
    const raw = 'process.exit(1)' as unknown as Code;
    expect(() => code`run(${raw})`).toThrow(/raw value interpolated/);
    expect(() => code`run(${[lit(1), 'x' as unknown as Code]})`).toThrow(/raw value interpolated/);
    expect(() => code`run(${42 as unknown as Code})`).toThrow(/raw value interpolated/);
  });
});

describe('render and checkTemplate', () => {
  it.each([
    ['a plain value', 'x {{value}} y'],
    ['a triple-stash value', '{{{value}}}'],
    ['this', '{{#each items}}{{this}}{{/each}}'],
    ['a helper with extra params', '{{code a b}}'],
    ['a helper without params', '{{lit}}'],
    ['an unknown helper', '{{raw value}}'],
    ['a built-in lookup', '{{lookup this "x"}}'],
    ['a partial', '{{> header}}'],
    ['a partial block', '{{#> layout}}x{{/layout}}'],
    ['an unknown block helper', '{{#custom items}}x{{/custom}}'],
    ['a raw value nested in an if', '{{#if a}}{{#each b}}{{value}}{{/each}}{{/if}}'],
    ['a raw value in an else branch', '{{#if a}}{{code a}}{{else}}{{value}}{{/if}}'],
    ['a raw block', '{{{{raw}}}}{{value}}{{{{/raw}}}}'],
  ])('rejects %s', (_what, source) => {
    expect(() => checkTemplate('t.hbs', source)).toThrow(/^template t\.hbs line \d+: /);
  });

  it('names the line of the offending mustache', () => {
    expect(() => checkTemplate('t.hbs', 'ok\nok\n{{value}}\n')).toThrow(
      /line 3: \{\{value\}\} is not an escape helper call/,
    );
  });

  it('accepts escape helpers and built-in blocks', () => {
    const source = [
      '{{code a}} {{lit b}} {{ident c}} {{doc d}} {{md e}}',
      '{{#each items}}{{code this}}{{else}}none{{/each}}',
      '{{#if x}}{{lit x}}{{/if}}{{#unless y}}{{lit y}}{{/unless}}{{#with z}}{{lit this}}{{/with}}',
      '{{! a comment }}',
    ].join('\n');
    expect(() => checkTemplate('ok.hbs', source)).not.toThrow();
  });

  it('passes every template in templates/', () => {
    const dir = new URL('../templates/', import.meta.url);
    const names = readdirSync(dir).filter((f) => f.endsWith('.hbs'));
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names)
      expect(() => checkTemplate(name, readFileSync(new URL(name, dir), 'utf8')), name).not.toThrow();
  });
});

describe('jsonPath', () => {
  it.each([
    ["$.a.b[0][*]['c d']", ['a', 'b', 0, null, 'c d']],
    ['$.', []],
    ['$', []],
    ['$.items[*].name', ['items', null, 'name']],
    ['$.*', [null]],
    ['$["x.y"][12]', ['x.y', 12]],
    ["$['']", ['']],
    ['$.data-set.$ref', ['data-set', '$ref']],
  ])('splits %s', (path, segments) => {
    expect(jsonPath(path)).toEqual(segments);
  });
});

describe('hostile spec text through the pipeline', () => {
  const nasty = 'Ends */ here ${process.exit(1)} `tick` "dq" \'sq\' </script> \u2028 \\n <b>bold</b>';
  const y = (s: string) => JSON.stringify(s);
  const spec = (bodyParam: string) => `naftiko: 1.0.0-alpha2
info:
  label: ${y(nasty)}
  description: ${y(nasty)}
capability:
  consumes:
  - type: http
    namespace: petstore
    baseUri: https://pets.example.com
    description: ${y(nasty)}
    resources:
    - name: pets
      path: /pets/{petId}
      operations:
      - name: updatepet
        method: POST
        description: ${y(nasty)}
        inputParameters:
        - name: petId
          in: path
          type: string
          description: ${y(nasty)}
        - name: ${bodyParam}
          in: body
          type: string
          description: ${y(nasty)}
        - name: x-trace-id
          in: header
          type: string
  exposes:
  - type: rest
    namespace: pets-rest
    port: 8080
    resources:
    - path: /pets/{petId}
      operations:
      - method: POST
        name: updatepet
        description: ${y(nasty)}
        call: petstore.updatepet
  - type: mcp
    namespace: pets-mcp
    port: 9090
    tools:
    - name: update-pet
      description: ${y(nasty)}
      call: petstore.updatepet
`;

  /** Every string literal's value in a TypeScript file. */
  function strings(file: string, text: string): string[] {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const out: string[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
      ts.forEachChild(node, visit);
    };
    visit(sf);
    return out;
  }

  it('emits type-checked code that carries the text unchanged', async () => {
    const g = await generateText('hostile.yaml', spec('petName'));
    expect(g.diagnostics).toEqual([]);
    expect(g.model.title).toBe(nasty);
    // Descriptions reach MCP clients as string literals, exactly.
    expect(strings('mcp.ts', g.files.get('mcp.ts')!)).toContain(nasty);
    // And OpenAPI documents as JSON strings.
    const openapi = JSON.parse(g.files.get('openapi.json')!) as { info: { title: string } };
    expect(openapi.info.title).toBe(nasty);
    // The README escapes HTML.
    expect(g.files.get('README.md')).not.toContain('<b>bold</b>');
    expect(g.files.get('README.md')).not.toContain('</script>');
    // No emitted TypeScript file contains the text raw in code position: each parses without errors.
    for (const [file, text] of g.files) {
      if (!file.endsWith('.ts')) continue;
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
      const diags = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
      expect(diags, file).toEqual([]);
    }
  });

  it('suffixes a repeated operationId from its sanitised name', async () => {
    // Two REST operations named `get pets`: both ids are valid (no space), the second is `-2`.
    const text = spec('petName').replace(
      `      - method: POST
        name: updatepet
        description: ${y(nasty)}
        call: petstore.updatepet
`,
      `      - method: POST
        name: get pets
        call: petstore.updatepet
    - path: /other/{petId}
      operations:
      - method: POST
        name: get pets
        call: petstore.updatepet
`,
    );
    const g = await generateText('hostile.yaml', text);
    const openapi = JSON.parse(g.files.get('openapi.json')!) as {
      paths: Record<string, { post: { operationId: string } }>;
    };
    expect(Object.values(openapi.paths).map((p) => p.post.operationId)).toEqual(['get-pets', 'get-pets-2']);
  });

  it('emits a body input whose name is not an identifier', async () => {
    // `pet-name` feeds the body; the REST handler must read request.body?.["pet-name"].
    const g = await generateText('hostile.yaml', spec('pet-name'));
    const rest = g.files.get('rest.ts')!;
    expect(rest).toMatch(/request\.body\?\.\[['"]pet-name['"]\]/);
  });
});
