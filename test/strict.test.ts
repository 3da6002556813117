// `--strict` must refuse exactly what the official alpha2 schema refuses. These tests run capgen's
// own strict.schema.json and the official schema (read in place from /work/shared, never copied)
// over the whole research corpus and the alpha2 tutorial, and require the same verdict for every
// document; then they check the located diagnostics that checkStrict reports.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Diagnostic, Reporter } from '../generator/diagnostics.js';
import { parseSpec } from '../generator/load.js';
import { checkStrict, strictFindings } from '../generator/validate/strict.js';
import { lineOf } from './support/text.js';

const SHARED = '/work/shared';
const OFFICIAL_SCHEMA = `${SHARED}/naftiko/schema/naftiko-schema-1.0.0-alpha2.ikanos-tag-v1.0.0-alpha2-e676c215.json`;
const CORPUS = `${SHARED}/corpus`;
const TUTORIAL = `${SHARED}/naftiko/e2e/tutorial-alpha2`;
const SEED = `${SHARED}/seed/instance-images.yaml`;

// Verdict-only validators (no allErrors): each schema is compiled once for the whole file.
// logger: false silences ajv's notes about the official schema's `format: uri`, which ajv ignores.
const official: ValidateFunction = new Ajv2020({ strict: false, logger: false }).compile(
  readJson(OFFICIAL_SCHEMA),
);
const ours: ValidateFunction = new Ajv2020({ strict: false }).compile(
  readJson(new URL('../generator/validate/strict.schema.json', import.meta.url)),
);

function readJson(file: string | URL): object {
  return JSON.parse(readFileSync(file, 'utf8')) as object;
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

interface Verdicts {
  valid: string[];
  invalid: string[];
  disagreements: string[];
}

function compare(docs: [string, unknown][]): Verdicts {
  const v: Verdicts = { valid: [], invalid: [], disagreements: [] };
  for (const [file, data] of docs) {
    const theirs = official(data);
    (theirs ? v.valid : v.invalid).push(file);
    if (ours(data) !== theirs)
      v.disagreements.push(`${file}: official ${theirs ? 'accepts' : 'refuses'}, ours does not`);
  }
  return v;
}

/** Smallest capability both schemas accept; the focused cases each break one rule of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a spec document that each case edits by path
function minimal(): Record<string, any> {
  return {
    naftiko: '1.0.0-alpha2',
    info: { label: 'Minimal', description: 'One upstream call, exposed over REST and MCP.' },
    capability: {
      consumes: [
        {
          type: 'http',
          namespace: 'upstream',
          baseUri: 'https://api.example.com',
          resources: [
            {
              name: 'items',
              path: '/items/{{id}}',
              operations: [
                { name: 'get-item', method: 'GET', inputParameters: [{ name: 'id', in: 'path' }] },
              ],
            },
          ],
        },
      ],
      exposes: [
        {
          type: 'rest',
          namespace: 'items-rest',
          port: 8080,
          resources: [
            {
              path: '/items/{id}',
              operations: [
                {
                  method: 'GET',
                  call: 'upstream.get-item',
                  outputParameters: [
                    {
                      type: 'object',
                      mapping: '$.',
                      properties: { id: { type: 'string', mapping: '$.id' } },
                    },
                  ],
                },
              ],
            },
          ],
        },
        {
          type: 'mcp',
          namespace: 'items-mcp',
          port: 9091,
          tools: [{ name: 'get-item', description: 'Get one item', call: 'upstream.get-item' }],
        },
      ],
    },
  };
}

function findingMessages(data: unknown): string[] {
  return strictFindings(data).map((f) => f.message);
}

function loadYaml(files: string[], base: string): [string, unknown][] {
  return files.map((file) => [relative(base, file), parse(readFileSync(file, 'utf8')) as unknown]);
}

describe('strict.schema.json agrees with the official alpha2 schema', () => {
  // Parsing the 13 MB corpus is most of this file's run time; it is done once.
  let corpus: [string, unknown][] = [];
  let tutorial: [string, unknown][] = [];

  beforeAll(() => {
    corpus = loadYaml(yamlFilesUnder(CORPUS), CORPUS);
    const steps = readdirSync(TUTORIAL)
      .filter((d) => d.startsWith('step-'))
      .map((d) => join(TUTORIAL, d, 'capability.yml'));
    const shared = yamlFilesUnder(join(TUTORIAL, 'shared')).filter((f) => f.includes('consumes')); // not secrets.yaml
    tutorial = loadYaml([...steps, ...shared], TUTORIAL);
  });

  it('gives every corpus spec the same verdict', () => {
    expect(corpus).toHaveLength(740);
    const v = compare(corpus);
    expect(v.disagreements).toEqual([]);
    // Most of the real-world corpus is not schema-valid (research/corpus.md §5).
    expect({ valid: v.valid.length, invalid: v.invalid.length }).toEqual({ valid: 61, invalid: 679 });
    expect(v.invalid).toContain('scaleway/instance-images.yaml');
  });

  it('reports findings exactly for the specs the official schema refuses', () => {
    const wrong = corpus
      .filter(([, data]) => (strictFindings(data).length === 0) !== official(data))
      .map(([file]) => file);
    expect(wrong).toEqual([]);
  });

  it('accepts the 11 tutorial capabilities and their 6 shared consumes files', () => {
    expect(tutorial.filter(([f]) => f.endsWith('/capability.yml'))).toHaveLength(11);
    expect(tutorial.filter(([f]) => f.startsWith('shared/'))).toHaveLength(6);
    const v = compare(tutorial);
    expect(v.disagreements).toEqual([]);
    expect(v.invalid).toEqual([]);
  });

  // The corpus has few valid documents, so also compare small random edits of them: drop a key,
  // add a key seen elsewhere with a value seen for it, swap a value, drop or repeat a list item.
  // Seeded, so a failure reproduces.
  it('gives the same verdict to mutants of the valid documents', () => {
    const bases = [...corpus, ...tutorial].map(([, d]) => d).filter((d) => official(d));
    bases.push(minimal());
    const seen = new Map<string, unknown[]>();
    const visit = (x: unknown): void => {
      if (x === null || typeof x !== 'object') return;
      for (const [k, v] of Object.entries(x)) {
        if (!Array.isArray(x)) (seen.get(k) ?? seen.set(k, []).get(k)!).push(v);
        visit(v);
      }
    };
    bases.forEach(visit);
    const keys = [...seen.keys()];
    let state = 20260430;
    const random = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return Math.floor((state / 2 ** 32) * n);
    };
    const pick = <T>(list: readonly T[]): T => list[random(list.length)]!;
    const containers = (x: unknown, out: object[] = []): object[] => {
      if (x !== null && typeof x === 'object') {
        out.push(x);
        Object.values(x).forEach((v) => containers(v, out));
      }
      return out;
    };
    const disagreements: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const doc = structuredClone(pick(bases));
      for (let edits = 1 + random(2); edits > 0; edits--) {
        const node = pick(containers(doc));
        const choice = random(4);
        if (Array.isArray(node)) {
          if (node.length > 0 && choice < 2) node.splice(random(node.length), 1);
          else if (node.length > 0) node.push(structuredClone(pick(node)));
          continue;
        }
        const map = node as Record<string, unknown>;
        const own = Object.keys(map);
        if (choice === 0 && own.length > 0) {
          delete map[pick(own)];
        } else {
          const key = choice === 1 && own.length > 0 ? pick(own) : pick(keys);
          map[key] = structuredClone(pick(seen.get(key) ?? [null]));
        }
      }
      const theirs = official(doc);
      if (theirs) accepted++;
      if (ours(doc) !== theirs)
        disagreements.push(
          `official ${theirs ? 'accepts' : 'refuses'}: ${JSON.stringify(doc).slice(0, 400)}`,
        );
    }
    expect(disagreements).toEqual([]);
    expect(accepted).toBeGreaterThan(300); // the edits must leave a fair share valid to test anything
  });
});

describe('focused cases', () => {
  it('accepts a minimal capability', () => {
    expect(official(minimal())).toBe(true);
    expect(ours(minimal())).toBe(true);
    expect(findingMessages(minimal())).toEqual([]);
  });

  // The seed's four deviation classes (research/naftiko.md §2), one at a time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a spec document that each case edits by path
  const deviations: [string, (d: Record<string, any>) => void, string][] = [
    [
      'consumed inputParameters with type, description and required',
      (d) =>
        Object.assign(d.capability.consumes[0].resources[0].operations[0].inputParameters[0], {
          type: 'string',
          description: 'Item id',
          required: true,
        }),
      '`capability.consumes.0.resources.0.operations.0.inputParameters.0` must not have property `type` (official alpha2 schema)',
    ],
    [
      'a consumed resource name with an underscore',
      (d) => (d.capability.consumes[0].resources[0].name = 'items_by_id'),
      '`capability.consumes.0.resources.0.name` is `items_by_id`; expected letters, digits and `-` only (official alpha2 schema)',
    ],
    [
      'a description on the REST adapter',
      (d) => (d.capability.exposes[0].description = 'REST adapter'),
      '`capability.exposes.0` must not have property `description` (official alpha2 schema)',
    ],
    [
      'an object output without properties',
      (d) => (d.capability.exposes[1].tools[0].outputParameters = [{ type: 'object', mapping: '$.' }]),
      '`capability.exposes.1.tools.0.outputParameters.0` must have property `properties` — an object output lists its `properties` (official alpha2 schema)',
    ],
  ];
  it.each(deviations)('refuses %s', (_name, breakIt, message) => {
    const doc = minimal();
    breakIt(doc);
    expect(official(doc)).toBe(false);
    expect(ours(doc)).toBe(false);
    expect(findingMessages(doc)).toContain(message);
  });

  it('reports one error for a union, not one per branch', () => {
    const doc = minimal();
    doc.capability.exposes[1].transport = 'stdio'; // a stdio MCP adapter must not have a port
    doc.capability.exposes[0].authentication = { type: 'bearer', key: 'X-Key' }; // `key` belongs to apikey
    expect(official(doc)).toBe(false);
    expect(findingMessages(doc)).toEqual([
      '`capability.exposes.0.authentication` must not have property `key` (official alpha2 schema)',
      '`capability.exposes.1` must not have property `port` — a stdio MCP adapter takes no `port` (official alpha2 schema)',
    ]);
  });
});

describe('checkStrict through the Reporter', () => {
  function run(file: string): { text: string; diagnostics: Diagnostic[] } {
    const text = readFileSync(file, 'utf8');
    const spec = parseSpec(file, text);
    const report = new Reporter(file, spec.locate, true);
    checkStrict(spec, report);
    return { text, diagnostics: report.sorted() };
  }

  it('locates the seed deviations at their lines', () => {
    const { text, diagnostics } = run(SEED);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every((d) => d.severity === 'error' && d.code === 'strict' && d.file === SEED)).toBe(
      true,
    );
    const at = (line: number) => diagnostics.filter((d) => d.line === line).map((d) => d.message);

    // exposes[0] (REST) has a description: reported on the `description:` line of that adapter.
    const rest = lineOf(text, /^ {2}- type: rest$/);
    expect(at(lineOf(text, /^ {4}description:/, rest))).toEqual([
      '`capability.exposes.0` must not have property `description` (official alpha2 schema)',
    ]);

    // A consumed resource name with `_`: reported on its `name:` line, at the value.
    const nameLine = lineOf(text, /name: instance-v1-zones-zone-images-image_id$/);
    const named = diagnostics.find((d) => d.line === nameLine);
    expect(named?.message).toMatch(
      /^`capability\.consumes\.0\.resources\.2\.name` is `instance-v1-zones-zone-images-image_id`; expected/,
    );
    expect(named?.col).toBe(text.split('\n')[nameLine - 1]!.indexOf('instance-') + 1);

    // Consumed inputParameters: `type`, `description` and `required` on their own lines.
    const firstParam = lineOf(text, /^ {8}inputParameters:$/);
    expect(at(firstParam + 3)).toEqual([
      '`capability.consumes.0.resources.0.operations.0.inputParameters.0` must not have property `type` (official alpha2 schema)',
    ]);
    expect(at(firstParam + 4)[0]).toMatch(/must not have property `description`/);
    expect(at(firstParam + 5)[0]).toMatch(/must not have property `required`/);

    // `{type: object, mapping: $.}` outputs of REST operations and MCP tools: at the list item.
    const output = lineOf(text, /^ {8}- type: object$/, rest);
    expect(at(output)).toEqual([
      '`capability.exposes.0.resources.0.operations.0.outputParameters.0` must have property `properties` — an object output lists its `properties` (official alpha2 schema)',
    ]);

    // Nothing else: every diagnostic is one of the four known classes.
    const classes = [
      /must not have property `(type|description|required)`/,
      /\.name` is `[^`]*_[^`]*`; expected/,
      /must have property `properties`/,
    ];
    expect(diagnostics.filter((d) => !classes.some((c) => c.test(d.message)))).toEqual([]);
  });

  it('reports nothing for a valid tutorial capability', () => {
    for (const step of ['step-1-shipyard-mock', 'step-11-shipyard-fleet-manifest']) {
      expect(run(join(TUTORIAL, step, 'capability.yml')).diagnostics).toEqual([]);
    }
  });
});
