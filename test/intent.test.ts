// The intent oracle (tools/corpus/intent/) reads the spec, not capgen's model, so a generator
// that misreads a spec fails the smoke run. Each case generates a corpus spec, injects one
// defect into the emitted code (a real mutation of what the generator wrote), runs the smoke
// calls against the recording echo upstream, and expects the oracle to name the field and the
// spec line. The unbroken output of the same spec is the control: no mismatch.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../generator/load.js';
import { type Generated, generateFile, generateText } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type EchoServer, startEcho } from '../tools/corpus/echo.js';
import { baseUri, type Context, readBinds } from '../tools/corpus/intent/read.js';
import { summaryLine, totals } from '../tools/corpus/report.js';
import { smoke, type SmokeResult } from '../tools/corpus/smoke.js';
import { ROOT, type SpecResult, TMP } from '../tools/corpus/spec.js';

const CORPUS = join(ROOT, '../shared/corpus');

describe('the intent oracle in the smoke run', () => {
  let echo: EchoServer;
  let n = 0;
  beforeAll(async () => {
    echo = await startEcho();
  });
  afterAll(async () => {
    await echo.close();
  });

  /** Writes `files` (possibly mutated) and runs the smoke calls with the spec as the oracle's source. */
  async function run(
    generated: Generated,
    files: Map<string, string>,
    allowMismatches = false,
  ): Promise<SmokeResult> {
    const dir = join(TMP, `intent-${process.pid}-${++n}`);
    mkdirSync(dir, { recursive: true });
    try {
      await writeOutput(dir, files);
      // A hang guard only: the calls themselves are quick, but a busy machine can be slow.
      return await smoke(generated.model, {
        dir,
        echo,
        tag: `i${n}`,
        root: ROOT,
        spec: generated.spec,
        callTimeoutMs: 600_000,
        allowMismatches,
      });
    } finally {
      echo.reset();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  function mutate(files: Map<string, string>, file: string, from: RegExp, to: string): Map<string, string> {
    const text = files.get(file)!;
    expect(text, `the defect cannot be injected into ${file}`).toMatch(from);
    return new Map([...files, [file, text.replace(from, to)]]);
  }

  const mismatches = (r: SmokeResult) =>
    r.failures.flatMap((f) => (f.mismatches ?? []).map((m) => ({ target: f.target, ...m })));

  it('reports a dropped request body (scaleway/instance-images.yaml)', async () => {
    const generated = await generateFile(join(CORPUS, 'scaleway/instance-images.yaml'));
    const clean = await run(generated, generated.files);
    expect(mismatches(clean)).toEqual([]);
    expect(clean.failed).toBe(0);

    const broken = await run(
      generated,
      mutate(generated.files, 'client.ts', /,\s*body: params\.body(?=,|\s*\})/g, ''),
    );
    const found = mismatches(broken);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((m) => m.field === 'body' && m.problem === 'missing body')).toBe(true);
    expect(found.map((m) => m.target)).toContain('create-instance-image');
    expect(found[0]!.where).toMatch(/scaleway\/instance-images\.yaml:\d+:\d+$/);
    expect(broken.failed).toBe(found.length);
    expect(broken.mismatches).toBe(found.length);
  });

  it('reads a string `data` as one JSON value, and still reports a changed body (dynatrace/monitoring-and-observability.yaml:237)', async () => {
    const generated = await generateText(
      'dynatrace-logs.yaml',
      `naftiko: 1.0.0-alpha2
info: {label: Logs, description: dynatrace/monitoring-and-observability.yaml:225-240}
capability:
  consumes:
  - type: http
    namespace: dt
    baseUri: https://x.live.dynatrace.com/api/v2
    resources:
    - name: log-ingest
      path: /logs/ingest
      operations:
      - name: ingest-logs
        method: POST
        body:
          type: json
          data: '{{tools.log_records}}'
  exposes:
  - type: mcp
    namespace: tools
    port: 9090
    tools:
    - {name: ingest-logs, description: Ingest., call: dt.ingest-logs, with: {log_records: tools.log_records}}
`,
    );
    // The engine serialises \`data\` as JSON and renders it: the whole placeholder is the body.
    const clean = await run(generated, generated.files);
    expect(mismatches(clean)).toEqual([]);
    expect(clean.passed).toBe(1);
    const broken = await run(
      generated,
      mutate(
        generated.files,
        'client.ts',
        /body: params\.log_records/,
        'body: { records: params.log_records }',
      ),
    );
    expect(mismatches(broken).map((m) => `${m.field}: ${m.problem}`)).toEqual(['body: body differs']);
  });

  it('reads a relative resource path and a consumes-level Content-Type as the engine does (naftiko-framework/test/mcp/mcp-capability.yaml:43-50)', async () => {
    const generated = await generateFile(join(CORPUS, 'naftiko-framework/test/mcp/mcp-capability.yaml'));
    const clean = await run(generated, generated.files);
    expect(mismatches(clean)).toEqual([]);
    // \`databases/{{datasource_id}}/query\` under \`…/v1\` is \`/v1/databases/…\`: a client that
    // glued it to the base path would be wrong, and so would one that sent another content type.
    const glued = await run(
      generated,
      mutate(generated.files, 'client.ts', /fillPath\('\/databases\//, "fillPath('databases/"),
    );
    expect(mismatches(glued).map((m) => `${m.field}: ${m.problem}`)).toEqual(['path: path differs']);
    const retyped = await run(
      generated,
      mutate(generated.files, 'client.ts', /contentType: 'application\/json'/, "contentType: 'text/plain'"),
    );
    expect(mismatches(retyped).map((m) => `${m.field}: ${m.problem}`)).toEqual([
      'body: content type differs',
    ]);
  });

  it('reads an `outputRawFormat: text` answer as one string over MCP (akri/edge-device-monitoring.yaml:34)', async () => {
    // The dialect converts a text answer to one JSON string: MCP carries the echo's JSON as text
    // (`{result: "…"}`), REST relays the bytes. A client that parsed the text as JSON is caught.
    const generated = await generateFile(join(CORPUS, 'akri/edge-device-monitoring.yaml'));
    const clean = await run(generated, generated.files);
    expect(mismatches(clean)).toEqual([]);
    expect(clean.failed).toBe(0);
    const parsed = await run(
      generated,
      mutate(generated.files, 'client.ts', /raw\.toString\('utf8'\)/, "JSON.parse(raw.toString('utf8'))"),
    );
    const found = mismatches(parsed);
    expect(found.map((m) => `${m.target} ${m.field}: ${m.problem}`)).toEqual([
      'get-akri-metrics output: output differs',
    ]);
    expect(found[0]!.where).toMatch(/akri\/edge-device-monitoring\.yaml:\d+:\d+$/);
  });

  it('reads a resource path that is only a query as the engine does (whmcs/hosting-automation.yaml:25, :34)', async () => {
    // baseUri: '{{env.WHMCS_BASE_URL}}/includes/api.php' with `path: ?action=GetClients`: the
    // engine appends the resource path to the base URI as text, so the request goes to
    // …/api.php?action=GetClients, not …/api.php/?action=GetClients.
    const generated = await generateFile(join(CORPUS, 'whmcs/hosting-automation.yaml'));
    const clean = await run(generated, generated.files);
    expect(mismatches(clean)).toEqual([]);
    expect(clean.failed).toBe(0);
    const slashed = await run(
      generated,
      mutate(
        generated.files,
        'client.ts',
        /path: '',\n(\s*)query: \[\['action', 'GetClients'\]\]/,
        "path: '/',\n$1query: [['action', 'GetClients']]",
      ),
    );
    expect(mismatches(slashed).map((m) => `${m.target} ${m.field}: ${m.problem}`)).toEqual([
      'GET /v1/clients path: path differs',
      'list-clients path: path differs',
    ]);
    for (const m of mismatches(slashed)) expect(m.where).toMatch(/whmcs\/hosting-automation\.yaml:34:7$/);
  });

  it('counts allowed mismatches by cause in the report (CORPUS_ALLOW_MISMATCHES=1, as CI ran)', async () => {
    // The last CI run printed 24 mismatches and an empty mismatchesByCause: allowed mismatches
    // passed, and the report read causes only from failed calls.
    const generated = await generateFile(join(CORPUS, 'whmcs/hosting-automation.yaml'));
    // A defect only the intent oracle sees (the model's own check agrees with the code): the
    // bare action of GetClients is sent as another one.
    const renamed = mutate(
      generated.files,
      'client.ts',
      /query: \[\['action', 'GetClients'\]\]/,
      "query: [['action', 'GetClient']]",
    );
    const s = await run(generated, renamed, true);
    expect(s.failures.map((f) => f.reason)).toEqual([]);
    expect(s.failed).toBe(0);
    expect(s.failures).toEqual([]);
    expect(s.mismatches).toBe(2);
    expect(s.mismatched?.map((o) => o.target)).toEqual(['GET /v1/clients', 'list-clients']);
    const result: SpecResult = {
      file: 'whmcs/hosting-automation.yaml',
      status: 'generated',
      warnings: [],
      refusals: [],
      skipped: {},
      skippedUnits: {},
      typeErrors: [],
      smoke: { calls: s.passed + s.failed, ...s },
      ms: 0,
    };
    const t = totals([result], 0);
    expect(t.mismatchesByCause).toEqual({ 'query: query pairs differ': 2 });
    expect(t.smoke).toMatchObject({ mismatches: 2, failed: 0, fullyGeneratedWithMismatches: 1 });
    expect(summaryLine(t)).toMatch(/ 2 mismatches /);
  });

  it("reads a parameter value over the caller's names, and still reports a with key sent as well (naftiko-framework/test/http/http-header-query-capability.yaml:39)", async () => {
    const corpus = await generateFile(
      join(CORPUS, 'naftiko-framework/test/http/http-header-query-capability.yaml'),
    );
    expect(mismatches(await run(corpus, corpus.files))).toEqual([]);
    // The same consumed operation, called with a `with` entry that feeds `{{userId}}`.
    const generated = await generateText(
      'header-query.yaml',
      `naftiko: 1.0.0-alpha2
capability:
  consumes:
  - type: http
    namespace: testns
    baseUri: http://example.com
    resources:
    - path: /items
      name: items
      operations:
      - method: POST
        name: search
        inputParameters:
        - {name: q, in: query, value: '{{userId}}'}
  exposes:
  - type: mcp
    namespace: tools
    port: 9090
    tools:
    - {name: search, description: Search., call: testns.search, with: {userId: tools.uid}}
`,
    );
    expect(mismatches(await run(generated, generated.files))).toEqual([]);
    // A client that also sent the with key as a query parameter, or sent q from nothing.
    const doubled = await run(
      generated,
      mutate(
        generated.files,
        'client.ts',
        /query: \[\['q', params\.q\]\]/,
        "query: [['q', params.q], ['userId', params.q]]",
      ),
    );
    expect(mismatches(doubled).map((m) => `${m.field}: ${m.problem}`)).toEqual([
      'query: unexpected query pair',
    ]);
    const emptied = await run(
      generated,
      mutate(generated.files, 'client.ts', /query: \[\['q', params\.q\]\]/, "query: [['q', '']]"),
    );
    expect(mismatches(emptied).map((m) => `${m.field}: ${m.problem}`)).toEqual(['query: query pairs differ']);
  });

  it('matches names ignoring -, _ and case, and still reports a body fed the wrong value (intuit/accounting-and-payments.yaml:121, :367)', async () => {
    const generated = await generateFile(join(CORPUS, 'intuit/accounting-and-payments.yaml'));
    const clean = await run(generated, generated.files);
    expect(mismatches(clean)).toEqual([]);
    // The void route's placeholder {invoiceId} feeds the body's {{tools.invoice_id}}.
    const broken = await run(
      generated,
      mutate(
        generated.files,
        'client.ts',
        /body: \{ Id: params\.invoice_id, SyncToken: params\.sync_token \}/g,
        'body: { Id: params.sync_token, SyncToken: params.sync_token }',
      ),
    );
    const found = mismatches(broken);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((m) => m.field === 'body' && m.problem === 'body differs')).toBe(true);
    expect(found.map((m) => m.target)).toContain('POST /v1/invoices/{invoiceId}/void');
  });

  it('reports an apikey moved from the query to a header (ghost/content-authors.yaml)', async () => {
    const generated = await generateFile(join(CORPUS, 'ghost/content-authors.yaml'));
    const clean = await run(generated, generated.files);
    expect(mismatches(clean)).toEqual([]);

    const broken = await run(
      generated,
      mutate(
        generated.files,
        'client.ts',
        /credentials: \{ headers: \{\}, query: \[\['key', (secrets\.\w+)\]\] \}/,
        'credentials: { headers: { key: $1 }, query: [] }',
      ),
    );
    const found = mismatches(broken);
    const calls = broken.passed + broken.failed;
    expect(broken.failed).toBe(calls);
    // Each call: the key is missing from the query, and a header carries it instead.
    expect(new Set(found.map((m) => `${m.field}: ${m.problem}`))).toEqual(
      new Set(['credentials: missing query pair', 'credentials: unexpected header']),
    );
    const missing = found.find((m) => m.problem === 'missing query pair')!;
    // The expectation is located at the spec's authentication block, and names no secret.
    expect(missing.where).toMatch(/ghost\/content-authors\.yaml:\d+:\d+$/);
    expect(JSON.stringify(found)).not.toMatch(/dummy-/);
  });
});

describe('the intent oracle reads base-URI templates as docs/dialect.md says', () => {
  // drift/drift-users.yaml:19 has `baseUri: http://{{base_url}}`, a name no bind declares.
  const spec = parseSpec(
    'drift.yaml',
    `naftiko: 1.0.0-alpha2
binds:
- namespace: env
  keys: {DRIFT_API_KEY: DRIFT_API_KEY}
capability:
  consumes:
  - {type: http, namespace: a, baseUri: 'http://{{base_url}}'}
  - {type: http, namespace: b, baseUri: 'https://{{DRIFT_HOST}}/v1'}
  - {type: http, namespace: c, baseUri: 'https://api.drift.com/{{env.DRIFT_API_KEY}}'}
`,
  );
  const ctx: Context = {
    spec,
    binds: readBinds(spec),
    env: (name) => `<${name}>`,
    prefix: () => '',
  };
  const entries = (spec.data.capability as { consumes: Record<string, unknown>[] }).consumes;

  it('an undeclared lower-case name is sent as written (template-unresolved)', () => {
    expect(baseUri(ctx, entries[0]!)).toBe('http://{{base_url}}');
  });

  it('an undeclared upper-case name and a bind variable are read from the environment', () => {
    // So a generator that sent either literally would still be a mismatch.
    expect(baseUri(ctx, entries[1]!)).toBe('https://<DRIFT_HOST>/v1');
    expect(baseUri(ctx, entries[2]!)).toBe('https://api.drift.com/<DRIFT_API_KEY>');
  });
});
