// Spec excerpts from the corpus that capgen used to misread (issue 9), generated and served
// against the recording echo upstream. Each MCP tool calls one excerpt's operation; the test
// checks the recorded upstream request itself, and the smoke run's intent oracle (which reads
// the spec, not the model) finds no mismatch.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Generated, generateText } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import type { EchoRequest } from '../tools/corpus/echo.js';
import { type EchoServer, startEcho } from '../tools/corpus/echo.js';
import { secretValue, smoke, type SmokeResult } from '../tools/corpus/smoke.js';
import { ROOT, TMP } from '../tools/corpus/spec.js';

const SPEC = `naftiko: 1.0.0-alpha2
info: {label: Misreadings, description: Corpus excerpts}
binds:
- namespace: env
  keys: {DATADOG_API_KEY: DATADOG_API_KEY, SAP_B1_SESSION: SAP_B1_SESSION, WALGREENS_API_KEY: WALGREENS_API_KEY, TELEGRAM_BOT_TOKEN: TELEGRAM_BOT_TOKEN, DT_ENV: DT_ENV, AXWAY_API_KEY: AXWAY_API_KEY}
capability:
  consumes:
  # servicenow/customer-service.yaml:59-69 (with keys feed the body template)
  - type: http
    namespace: servicenow-contact
    baseUri: https://example.service-now.com/api/now/table
    resources:
    - name: contacts
      path: /contact
      operations:
      - name: create-contact
        method: POST
        body:
          type: json
          data:
            first_name: '{{tools.first_name}}'
            email: '{{tools.email}}'
      # servicenow/customer-service.yaml:75-77 (an operation-level path, relative)
      - name: get-contact
        method: GET
        path: /{id}
        inputParameters:
        - name: id
          in: path
  # github/project-management.yaml:49 (body: {type: json} without data) and :58 (a whole path)
  - type: http
    namespace: github
    baseUri: https://api.github.com
    resources:
    - name: issues
      path: /repos/{owner}/{repo}/issues
      operations:
      - name: createAnIssue
        method: POST
        body:
          type: json
      - name: getAnIssue
        method: GET
        path: /repos/{owner}/{repo}/issues/{issue_number}
  # datadog/incident-management.yaml:28 (apikey as a headers map)
  - type: http
    namespace: dd-incidents
    baseUri: https://api.datadoghq.com
    authentication:
      type: apikey
      headers:
        DD-API-KEY: '{{DATADOG_API_KEY}}'
    resources:
    - name: incidents
      path: /api/v2/incidents
      operations:
      - name: list-incidents
        method: GET
  # sap/enterprise-business-operations.yaml:275 (apikey in a cookie)
  - type: http
    namespace: sap-business-one
    baseUri: https://localhost:50000/b1s/v1
    authentication: {type: apikey, key: B1SESSION, value: '{{SAP_B1_SESSION}}', placement: cookie}
    resources:
    - name: items
      path: /Items
      operations:
      - {name: list-items, method: GET}
  # walgreens/pharmacy-and-healthcare.yaml:28 (apikey in the body)
  - type: http
    namespace: walgreens-store-locator
    baseUri: https://services.walgreens.com
    authentication: {type: apikey, key: apiKey, value: '{{WALGREENS_API_KEY}}', placement: body}
    resources:
    - name: store-search
      path: /api/stores/search
      operations:
      - name: search-stores
        method: POST
        body:
          type: json
          data: {lat: '{{tools.lat}}'}
  # telegram/bot-messaging.yaml:24-30 (apikey in the base URI's path)
  - type: http
    namespace: telegram-bot
    baseUri: https://api.telegram.org/bot{token}
    authentication: {type: apikey, key: token, value: '{{TELEGRAM_BOT_TOKEN}}', placement: path}
    resources:
    - name: bot-info
      path: /getMe
      operations:
      - {name: get-me, method: GET}
  # dynatrace/entity-and-topology.yaml:23 (a \${X} base URI placeholder)
  - type: http
    namespace: dynatrace-env
    baseUri: https://\${DT_ENV}.live.dynatrace.com/api/v2
    resources:
    - name: entities
      path: /entities
      operations:
      - {name: list-entities, method: GET}
  # axway/amplify-platform-client.yaml:70-87 + :142-144 (a header parameter named like the credential)
  - type: http
    namespace: amplify-platform-client
    baseUri: https://platform.axway.com/api/v1
    resources:
    - name: client-client_id
      path: /client/{client_id}
      operations:
      - name: clientfindone
        method: GET
        inputParameters:
        - {name: client_id, in: path, type: string, required: true}
        - {name: authorization, in: header, type: string}
        # axway/identity-and-access.yaml:39-43 (an empty parameter name, in 206 operations)
        - {name: '', in: query, type: string, required: false, description: ' parameter'}
    authentication:
      type: bearer
      token: '{{env.AXWAY_API_KEY}}'
  # google-maps/location-intelligence.yaml:244-250 (whole-value body placeholders keep their JSON type)
  - type: http
    namespace: google-maps-places
    baseUri: https://places.googleapis.com/v1
    resources:
    - name: nearby
      path: /places:searchNearby
      operations:
      - name: search-places-nearby
        method: POST
        body:
          type: json
          data:
            includedTypes: '{{tools.includedTypes}}'
            maxResultCount: '{{tools.maxResultCount}}'
            locationRestriction: '{{tools.locationRestriction}}'
            note: 'near {{tools.near}}'
  # acord/insurance-data-exchange.yaml:231-243 + :350 + :483 (a with key of one caller only)
  - type: http
    namespace: acord-ngds
    baseUri: https://api.acord.example/ngds/v1
    resources:
    - name: underwriting
      path: /underwriting/submissions
      operations:
      - name: submit-underwriting
        method: POST
        body:
          type: json
          data:
            lineOfBusiness: '{{tools.lineOfBusiness}}'
            requestedEffectiveDate: '{{tools.effectiveDate}}'
  # kuma/kuma-meshtcproute.yaml:25-50 + :137 (an object-typed query parameter from a REST query)
  - type: http
    namespace: kuma
    baseUri: https://kuma.example/api
    resources:
    - name: meshes-mesh-meshtcproutes
      path: /meshes/{mesh}/meshtcproutes
      operations:
      - name: getmeshtcproutelist
        method: GET
        inputParameters:
        - {name: filter, in: query, type: object}
        - {name: mesh, in: path, type: string, required: true}
  # naftiko-framework/test/http/http-header-query-capability.yaml:31-39 (a parameter value that
  # reads the caller's names)
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
        - {name: scope, in: query, value: 'user:{{userId}}'}
  # influxdb/influxdb-ping.yaml:24-36 (GET and HEAD on one path), chainlens/chainlens-eip-3091-controller.yaml:116 (OPTIONS)
  - type: http
    namespace: influxdb-ping
    baseUri: https://us-east-1-1.aws.cloud2.influxdata.com
    resources:
    - name: ping
      path: /ping
      operations:
      - {name: getping, method: GET}
      - {name: headping, method: HEAD}
      - {name: optionsping, method: OPTIONS}
  exposes:
  - type: rest
    namespace: kuma-rest
    port: 8080
    resources:
    # influxdb/influxdb-ping.yaml:56-70
    - path: /v1/ping
      operations:
      - {method: GET, name: getping, call: influxdb-ping.getping}
      - {method: HEAD, name: headping, call: influxdb-ping.headping}
      - {method: OPTIONS, name: optionsping, call: influxdb-ping.optionsping}
    # naftiko-framework/test/http/http-header-query-capability.yaml:11-21 (without its \`value: $.user.id\`)
    - path: /search
      operations:
      - method: POST
        name: search
        call: testns.search
        inputParameters:
        - {name: userId, in: body, type: string, description: User ID}
    - path: /v1/meshes/{mesh}/meshtcproutes
      name: meshtcproutes
      operations:
      - method: GET
        name: list-meshtcproutes
        call: kuma.getmeshtcproutelist
        with: {mesh: rest.mesh, filter: rest.filter}
  - type: mcp
    namespace: tools
    port: 9090
    tools:
    - name: create-contact
      description: Create a contact.
      call: servicenow-contact.create-contact
      with: {first_name: tools.first_name, email: tools.email}
    - {name: get-contact, description: Get a contact., call: servicenow-contact.get-contact, with: {id: tools.id}}
    - {name: create-issue, description: Create an issue., call: github.createAnIssue}
    - {name: get-issue, description: Get an issue., call: github.getAnIssue}
    - {name: list-incidents, description: List incidents., call: dd-incidents.list-incidents}
    - {name: list-items, description: List items., call: sap-business-one.list-items}
    - {name: search-stores, description: Search stores., call: walgreens-store-locator.search-stores, with: {lat: tools.lat}}
    - {name: get-me, description: Who am I., call: telegram-bot.get-me}
    - {name: list-entities, description: List entities., call: dynatrace-env.list-entities}
    - {name: search-places-nearby, description: Search nearby., call: google-maps-places.search-places-nearby}
    - name: submit-underwriting
      description: Submit (with an undeclared with key).
      call: acord-ngds.submit-underwriting
      with: {lineOfBusiness: tools.lineOfBusiness, requestedEffectiveDate: tools.effectiveDate}
    - {name: submit-underwriting-plain, description: Submit., call: acord-ngds.submit-underwriting}
    # snowflake/cortex-ai.yaml:383-395 (a declared array input feeds a whole-value placeholder)
    - name: nearby-typed
      description: Search nearby, typed.
      call: google-maps-places.search-places-nearby
      inputParameters:
      - {name: includedTypes, type: array, description: Place types, required: true}
    - {name: search-items, description: Search items., call: testns.search, with: {userId: tools.uid}}
    - {name: head-ping, description: Is the instance up?, call: influxdb-ping.headping}
    - {name: options-ping, description: What does /ping allow?, call: influxdb-ping.optionsping}
    - name: get-client
      description: Get a service account.
      call: amplify-platform-client.clientfindone
      with: {client_id: tools.client_id, authorization: tools.authorization}
`;

describe('corpus misreadings (issue 9)', () => {
  let echo: EchoServer;
  let generated: Generated;
  let result: SmokeResult;
  const byPath = new Map<string, EchoRequest>();
  const dir = join(TMP, `misreadings-${process.pid}`);

  beforeAll(async () => {
    echo = await startEcho();
    generated = await generateText('misreadings.yaml', SPEC);
    mkdirSync(dir, { recursive: true });
    await writeOutput(dir, generated.files);
    result = await smoke(generated.model, {
      dir,
      echo,
      tag: 'm',
      root: ROOT,
      spec: generated.spec,
      callTimeoutMs: 600_000,
    });
    for (const r of echo.requests) byPath.set(r.path.replace(/^\/m\/a\d+/, ''), r);
  });
  afterAll(async () => {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const warnings = (code: string) => generated.diagnostics.filter((d) => d.code === code);

  it('every call matches the intent oracle', () => {
    expect(result.failures).toEqual([]);
    expect(result.mismatches).toBe(0);
    expect(result.passed).toBe(22);
  });

  it('with keys that feed a body template are not also sent as query (servicenow/customer-service.yaml:65)', () => {
    const r = byPath.get('/contact')!;
    expect(r.url).toBe(r.path);
    expect(JSON.parse(r.body)).toEqual({ first_name: expect.any(String), email: expect.any(String) });
    // Only the acord excerpt's undeclared key is reported.
    expect(warnings('with-unknown-param').map((d) => d.message)).toEqual([
      expect.stringContaining('"requestedEffectiveDate"'),
    ]);
  });

  it('an operation-level path is honoured, with a warning (google-maps/location-intelligence.yaml:178, github/project-management.yaml:58)', () => {
    expect([...byPath.keys()]).toContain('/contact/a1');
    expect([...byPath.keys()].some((p) => /^\/repos\/a\d\/a\d\/issues\/a\d$/.test(p))).toBe(true);
    expect(warnings('operation-path').map((d) => d.line)).toHaveLength(2);
  });

  it('body {type: json} without data sends the caller body (github/project-management.yaml:49)', () => {
    const r = [...byPath.entries()].find(
      ([p, x]) => /^\/repos\/a\d\/a\d\/issues$/.test(p) && x.method === 'POST',
    )![1];
    expect(JSON.parse(r.body)).not.toEqual({});
    const tool = generated.model.mcp[0]!.tools.find((t) => t.name === 'create-issue')!;
    expect(tool.inputs.map((i) => i.name)).toContain('body');
  });

  it('an apikey headers map, cookie and body placement send the credential (datadog :28, sap :275, walgreens :28)', () => {
    expect(byPath.get('/api/v2/incidents')!.headers['dd-api-key']).toBe(secretValue('DATADOG_API_KEY'));
    expect(byPath.get('/Items')!.headers.cookie).toBe(`B1SESSION=${secretValue('SAP_B1_SESSION')}`);
    expect(byPath.get('/Items')!.headers.b1session).toBeUndefined();
    const stores = byPath.get('/api/stores/search')!;
    expect(JSON.parse(stores.body)).toMatchObject({ apiKey: secretValue('WALGREENS_API_KEY') });
    expect(stores.headers.apikey).toBeUndefined();
    expect(warnings('auth-shape')).toEqual([]);
  });

  it('base-URI placeholders {x} and ${X} read their bind variable (telegram/bot-messaging.yaml:24, dynatrace/entity-and-topology.yaml:23)', () => {
    const uri = (ns: string) =>
      generated.model.apis
        .find((a) => a.namespace === ns)!
        .baseUri.parts.map((p) =>
          p.kind === 'text'
            ? p.text
            : `<${p.kind === 'secret' ? p.variable : p.kind === 'input' ? p.name : ''}>`,
        )
        .join('');
    expect(uri('telegram-bot')).toBe('https://api.telegram.org/bot<TELEGRAM_BOT_TOKEN>');
    expect(uri('dynatrace-env')).toBe('https://<DT_ENV>.live.dynatrace.com/api/v2');
    expect(byPath.get('/getMe')!.headers.token).toBeUndefined();
    expect(result.baseUris ?? []).toEqual([]);
  });

  it('the credential wins over a header parameter of the same name (axway/amplify-platform-client.yaml:86, :142)', () => {
    const r = [...byPath.entries()].find(([p]) => /^\/client\/a\d+$/.test(p))![1];
    expect(r.headers.authorization).toBe(`Bearer ${secretValue('AXWAY_API_KEY')}`);
  });

  it('a parameter with an empty name is left out with a warning, and its operation is served (axway/identity-and-access.yaml:39)', () => {
    expect(warnings('param-name')).toHaveLength(1);
    const line = SPEC.split('\n').findIndex((l) => l.includes("{name: '', in: query")) + 1;
    expect(warnings('param-name')[0]).toMatchObject({ line, severity: 'warning' });
    const r = [...byPath.entries()].find(([p]) => /^\/client\/a\d+$/.test(p))![1];
    expect(r.url).toBe(r.path);
    const op = generated.model.apis.find((a) => a.namespace === 'amplify-platform-client')!.operations[0]!;
    expect(op.params.map((p) => p.name).sort()).toEqual(['authorization', 'client_id']);
  });

  it('a whole-value body placeholder takes an array, a number or an object (google-maps/location-intelligence.yaml:248)', async () => {
    const env: Record<string, string> = { HOST: '127.0.0.1' };
    generated.model.apis.forEach((api, i) => (env[api.baseUrlEnv] = `${echo.url}/w/a${i}`));
    for (const a of generated.model.mcp) env[a.portEnv] = '0';
    for (const e of generated.model.env) if (e.secret) env[e.name] = secretValue(e.name);
    const server = (await import(pathToFileURL(join(dir, 'server.ts')).href)) as {
      start(o: {
        env: Record<string, string>;
      }): Promise<{ urls: Record<string, string>; close(): Promise<void> }>;
    };
    const running = await server.start({ env });
    const client = new Client({ name: 'misreadings', version: '1.0.0' }, {});
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(running.urls.tools!)));
      const args = {
        includedTypes: ['cafe', 'bakery'],
        maxResultCount: 5,
        locationRestriction: { circle: { radius: 500 } },
        near: 'the station',
      };
      const answer = await client.callTool({ name: 'search-places-nearby', arguments: args });
      expect(answer.isError).toBeFalsy();
      const r = echo.requests.find(
        (x) => x.path.startsWith('/w/') && x.path.endsWith('/places:searchNearby'),
      )!;
      expect(JSON.parse(r.body)).toEqual({
        includedTypes: ['cafe', 'bakery'],
        maxResultCount: 5,
        locationRestriction: { circle: { radius: 500 } },
        note: 'near the station',
      });
      // A name inside a longer string is still text.
      const tool = generated.model.mcp[0]!.tools.find((t) => t.name === 'search-places-nearby')!;
      expect(tool.inputs.find((i) => i.name === 'near')!.schema).toEqual({ type: 'string' });
    } finally {
      await client.close().catch(() => undefined);
      await running.close();
    }
  });

  it('a with key one caller adds is no input of the others (acord/insurance-data-exchange.yaml:350, :483)', () => {
    const tools = generated.model.mcp[0]!.tools;
    const inputs = (name: string) => tools.find((t) => t.name === name)!.inputs.map((i) => i.name);
    expect(inputs('submit-underwriting')).toContain('effectiveDate');
    expect(inputs('submit-underwriting-plain').sort()).toEqual(['effectiveDate', 'lineOfBusiness']);
    const sent = echo.requests.filter((r) => r.path.endsWith('/underwriting/submissions'));
    expect(
      sent.map((r) => new URL(r.url, 'http://x').searchParams.has('requestedEffectiveDate')).sort(),
    ).toEqual([false, true]);
  });

  it("a parameter value reads the caller's names, not an input of its own (naftiko-framework/test/http/http-header-query-capability.yaml:39)", () => {
    // The engine renders `value: "{{userId}}"` over the exposed inputs and `with` entries.
    const sent = echo.requests.filter((r) => r.path.endsWith('/items'));
    expect(sent).toHaveLength(2);
    const rest = generated.model.rest[0]!.paths.find((p) => p.template === '/search')!.operations[0]!;
    expect(rest.inputs.map((i) => `${i.in} ${i.name}`)).toEqual(['body userId']);
    const tool = generated.model.mcp[0]!.tools.find((t) => t.name === 'search-items')!;
    expect(tool.inputs.map((i) => i.name)).toEqual(['uid']);
    for (const r of sent) {
      const q = new URL(r.url, 'http://x').searchParams;
      expect(q.get('q')).toMatch(/^a\d+$/);
      expect(q.get('scope')).toBe(`user:${q.get('q')}`);
      expect([...q.keys()].sort()).toEqual(['q', 'scope']);
    }
  });

  it('HEAD and OPTIONS are served and sent, next to a GET of the same path (influxdb/influxdb-ping.yaml:34, :64; chainlens :116)', async () => {
    const methods = echo.requests.filter((r) => r.path.endsWith('/ping')).map((r) => r.method);
    // Three REST routes and two tools, each calling its own method upstream.
    expect(methods.sort()).toEqual(['GET', 'HEAD', 'HEAD', 'OPTIONS', 'OPTIONS']);
    expect(warnings('schema')).toEqual([]);
    const tools = generated.model.mcp[0]!.tools;
    const hints = (name: string) => tools.find((t) => t.name === name)!.annotations;
    expect(hints('head-ping')).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(hints('options-ping')).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    // The spec's HEAD route answers HEAD (not Fastify's implicit one of the GET route), and an
    // unknown method on the path names all three, plus nothing twice.
    const env: Record<string, string> = { HOST: '127.0.0.1' };
    generated.model.apis.forEach((api, i) => (env[api.baseUrlEnv] = `${echo.url}/h/a${i}`));
    for (const a of [...generated.model.mcp, ...generated.model.rest]) env[a.portEnv] = '0';
    for (const e of generated.model.env) if (e.secret) env[e.name] = secretValue(e.name);
    const server = (await import(pathToFileURL(join(dir, 'server.ts')).href)) as {
      start(o: {
        env: Record<string, string>;
      }): Promise<{ urls: Record<string, string>; close(): Promise<void> }>;
    };
    const running = await server.start({ env });
    try {
      const base = running.urls['kuma-rest']!;
      const before = echo.requests.length;
      const head = await fetch(`${base}/v1/ping`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(echo.requests.slice(before).map((r) => r.method)).toEqual(['HEAD']);
      const put = await fetch(`${base}/v1/ping`, { method: 'PUT' });
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    } finally {
      await running.close();
    }
  });

  it('an object query parameter sent as text travels as written (kuma/kuma-meshtcproute.yaml:42, :137)', () => {
    // The smoke run's REST call sends `filter=aN`, which is not JSON; the engine passes it on.
    const r = echo.requests.find((x) => x.path.endsWith('/meshtcproutes'))!;
    expect(new URL(r.url, 'http://x').searchParams.get('filter')).toMatch(/^a\d+$/);
  });
});
