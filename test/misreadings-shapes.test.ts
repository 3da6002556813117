// Shapes of real specs that capgen skipped although the engine serves them (issue 9), generated
// and served against the recording echo upstream. The test checks the recorded upstream requests
// themselves, and the smoke run's intent oracle (which reads the spec, not the model) finds no
// mismatch.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Generated, generateText } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type EchoRequest, type EchoServer, startEcho } from '../tools/corpus/echo.js';
import { smoke, type SmokeResult } from '../tools/corpus/smoke.js';
import { ROOT, TMP } from '../tools/corpus/spec.js';

const SPEC = `naftiko: 1.0.0-alpha2
info: {label: Shapes, description: Corpus excerpts}
capability:
  consumes:
  # amazon-dynamodb/dynamodb-management.yaml:19-65 (resources with a null name)
  - type: http
    namespace: dynamodb
    baseUri: https://dynamodb.amazonaws.com
    resources:
    - name: root
      path: /
      operations:
      - {name: createTable, method: POST}
    - name: null
      path: /#DescribeTable
      operations:
      - {name: describeTable, method: POST}
    - name: null
      path: /#ListTables
      operations:
      - {name: listTables, method: POST}
  exposes:
  - type: mcp
    namespace: dynamodb-mcp
    port: 9091
    tools:
    - {name: create-table, description: Create a table., call: dynamodb.createTable}
    - {name: describe-table, description: Describe a table., call: dynamodb.describeTable}
    - {name: list-tables, description: List tables., call: dynamodb.listTables}
`;

describe('shapes the engine serves (issue 9)', () => {
  let echo: EchoServer;
  let generated: Generated;
  let result: SmokeResult;
  const sent: EchoRequest[] = [];
  const dir = join(TMP, `shapes-${process.pid}`);

  beforeAll(async () => {
    echo = await startEcho();
    generated = await generateText('shapes.yaml', SPEC);
    mkdirSync(dir, { recursive: true });
    await writeOutput(dir, generated.files);
    result = await smoke(generated.model, {
      dir,
      echo,
      tag: 's',
      root: ROOT,
      spec: generated.spec,
      callTimeoutMs: 600_000,
    });
    sent.push(...echo.requests);
  });
  afterAll(async () => {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const warnings = (code: string) => generated.diagnostics.filter((d) => d.code === code);
  const lineOf = (text: string, nth = 0) =>
    SPEC.split('\n')
      .map((l, i) => [l, i + 1] as const)
      .filter(([l]) => l.includes(text))[nth]![1];
  /** What reached the upstream of one consumes namespace (the run gives each its own prefix). */
  const to = (namespace: string) => {
    const i = generated.model.apis.findIndex((a) => a.namespace === namespace);
    return sent.filter((r) => r.path.startsWith(`/s/a${i}/`) || r.path === `/s/a${i}`);
  };

  it('every call matches the intent oracle', () => {
    expect(result.failures).toEqual([]);
    expect(result.mismatches).toBe(0);
    expect(result.passed).toBe(3);
  });

  it('a resource with a null name is served, with a warning (amazon-dynamodb/dynamodb-management.yaml:42)', () => {
    expect(warnings('schema')).toEqual([]);
    expect(warnings('resource-name').map((d) => [d.line, d.severity])).toEqual([
      [lineOf('- name: null', 0), 'warning'],
      [lineOf('- name: null', 1), 'warning'],
    ]);
    const tools = generated.model.mcp[0]!.tools.map((t) => t.name);
    expect(tools).toEqual(['create-table', 'describe-table', 'list-tables']);
    // The fragment never reaches a server: all three go to the root path.
    expect(to('dynamodb').map((r) => `${r.method} ${r.path.replace(/^\/s\/a\d+/, '')}`)).toEqual([
      'POST /',
      'POST /',
      'POST /',
    ]);
  });
});
