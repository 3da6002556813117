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
  # vs-code-marketplace/extension-discovery.yaml:23-48 (array and integer body parameters)
  - type: http
    namespace: vscode-gallery
    baseUri: https://marketplace.visualstudio.com/_apis/public/gallery
    resources:
    - name: extension-query
      path: /extensionquery
      operations:
      - name: query-extensions
        method: POST
        inputParameters:
        - {name: filters, in: body, type: array, required: true, description: Array of filter criteria.}
        - {name: flags, in: body, type: integer, required: false}
      # Not in the corpus: a structured value for a query parameter.
      - name: search-extensions
        method: GET
        inputParameters:
        - {name: filter, in: query, type: string}
  # google-analytics/compliance.yaml:99-120 (a structured parameter value; the operation's id
  # written as name, its operation-level path folded into the resource's)
  - type: http
    namespace: ga-admin-api
    baseUri: https://analyticsadmin.googleapis.com
    resources:
    - name: accounts
      path: /v1beta/accounts:provisionAccountTicket
      operations:
      - name: provision-account-ticket
        method: POST
        inputParameters:
        - name: account
          in: body
          type: object
          properties:
            displayName: {type: string}
            regionCode: {type: string}
          value:
            displayName: '{{tools.displayName}}'
            regionCode: '{{tools.regionCode}}'
        - {name: redirectUri, in: body, type: string, value: '{{tools.redirectUri}}'}
  exposes:
  - type: rest
    namespace: gallery-rest
    port: 8080
    resources:
    - path: /v1/extensions/by-tag
      operations:
      - method: POST
        name: by-tag
        call: vscode-gallery.query-extensions
        with:
          filters: [{criteria: [{filterType: 1, value: rest.tag}]}]
  - type: mcp
    namespace: dynamodb-mcp
    port: 9091
    tools:
    - {name: create-table, description: Create a table., call: dynamodb.createTable}
    - {name: describe-table, description: Describe a table., call: dynamodb.describeTable}
    - {name: list-tables, description: List tables., call: dynamodb.listTables}
    # vs-code-marketplace/extension-discovery.yaml:152-170 (an array in with that reads an input)
    - name: search-extensions-by-tag
      description: Search VS Code Marketplace for extensions with a specific tag.
      call: vscode-gallery.query-extensions
      with:
        filters:
        - criteria:
          - filterType: 1
            value: tools.tag
          pageNumber: 1
          pageSize: 20
        flags: 16863
    - name: search-as-text
      description: Search, the filter sent as query text.
      call: vscode-gallery.search-extensions
      with:
        filter: {tag: tools.tag, page: 1, note: 'tag {{tools.tag}}'}
    - name: provision-account-ticket
      description: Requests a ticket for creating an account.
      call: ga-admin-api.provision-account-ticket
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
    expect(result.passed).toBe(7);
  });

  it('a resource with a null name is served, with a warning (amazon-dynamodb/dynamodb-management.yaml:42)', () => {
    expect(warnings('schema')).toEqual([]);
    expect(warnings('resource-name').map((d) => [d.line, d.severity])).toEqual([
      [lineOf('- name: null', 0), 'warning'],
      [lineOf('- name: null', 1), 'warning'],
    ]);
    const tools = generated.model.mcp[0]!.tools.map((t) => t.name);
    expect(tools.slice(0, 3)).toEqual(['create-table', 'describe-table', 'list-tables']);
    // The fragment never reaches a server: all three go to the root path.
    expect(to('dynamodb').map((r) => `${r.method} ${r.path.replace(/^\/s\/a\d+/, '')}`)).toEqual([
      'POST /',
      'POST /',
      'POST /',
    ]);
  });

  const tool = (name: string) => generated.model.mcp[0]!.tools.find((t) => t.name === name)!;
  const aN = expect.stringMatching(/^a\d+$/);

  it('an array in `with` is sent as JSON, its strings read as `with` strings are (vs-code-marketplace/extension-discovery.yaml:161)', () => {
    expect(warnings('schema')).toEqual([]);
    expect(tool('search-extensions-by-tag').inputs.map((i) => [i.name, i.type, i.required])).toEqual([
      ['tag', 'string', true],
    ]);
    const bodies = to('vscode-gallery')
      .filter((r) => r.method === 'POST')
      .map((r) => JSON.parse(r.body) as unknown);
    // The REST route (its `rest.tag` a body input, `flags` an input of its own), then the tool.
    expect(bodies).toEqual([
      { filters: [{ criteria: [{ filterType: 1, value: aN }] }], flags: expect.any(Number) },
      {
        filters: [{ criteria: [{ filterType: 1, value: aN }], pageNumber: 1, pageSize: 20 }],
        flags: 16863,
      },
    ]);
    const route = generated.model.rest[0]!.paths[0]!.operations[0]!;
    expect(route.inputs.map((i) => `${i.in} ${i.name}`)).toEqual(['body tag', 'body flags']);
  });

  it('an object in `with` for a query parameter is sent as JSON text', () => {
    const r = to('vscode-gallery').find((x) => x.method === 'GET')!;
    const filter = new URL(r.url, 'http://x').searchParams.get('filter')!;
    const tag = (JSON.parse(filter) as { tag: string }).tag;
    expect(filter).toBe(JSON.stringify({ tag, page: 1, note: `tag ${tag}` }));
    expect(tag).toMatch(/^a\d+$/);
  });

  it('a structured parameter value is JSON filled from the caller (google-analytics/compliance.yaml:113)', () => {
    expect(tool('provision-account-ticket').inputs.map((i) => i.name)).toEqual([
      'displayName',
      'regionCode',
      'redirectUri',
    ]);
    const [r] = to('ga-admin-api');
    expect(JSON.parse(r!.body)).toEqual({ account: { displayName: aN, regionCode: aN }, redirectUri: aN });
  });
});
