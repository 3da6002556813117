// A spec whose only exposes is a control adapter is generated and served: the engine's own
// control-port fixture (read in place from the shared corpus) is started on 127.0.0.1 and read over
// HTTP. A spec that really has nothing to serve is refused with its cause, located.
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../generator/diagnostics.js';
import { type Generated, generateFile, generateText } from '../generator/pipeline.js';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const TESTS = join(import.meta.dirname, '..', '..', 'shared', 'corpus', 'naftiko-framework', 'test');
const SPEC = join(TESTS, 'control', 'control-capability.yaml');

let generated: Generated;
let running: RunningServer;

const get = async (path: string) => {
  const res = await fetch(`${running.urls.control}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

beforeAll(async () => {
  const built = await generateInto(SPEC);
  generated = built.generated;
  running = await startGenerated(generated, built.out);
});

afterAll(async () => {
  await running?.close();
});

describe('a control-only spec', () => {
  it('generates a server and no client', () => {
    expect([...generated.files.keys()]).toContain('server.ts');
    expect([...generated.files.keys()]).not.toContain('client.ts');
    expect(generated.model.apis).toEqual([]);
    expect(generated.model.control).toMatchObject({ port: 9199, info: true, traceBuffer: 50 });
  });

  it('serves live and ready, with the control adapter as the only one', async () => {
    expect(JSON.parse((await get('/health/live')).text)).toEqual({ status: 'UP' });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    const body = JSON.parse(ready.text) as { status: string; adapters: { type: string; state: string }[] };
    expect(body.status).toBe('UP');
    expect(body.adapters.map((a) => [a.type, a.state])).toEqual([['control', 'started']]);
  });

  it('serves /status, since info is on', async () => {
    const status = JSON.parse((await get('/status')).text);
    expect(status.capability).toEqual({ label: 'Control Port Test Capability', specVersion: '1.0.0-alpha2' });
  });

  it('serves /metrics as Prometheus text, with the families declared and no series yet', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    const families = new Map(parsePrometheusTextFormat(res.text).map((f) => [f.name, f]));
    expect(families.get('capgen_requests_total')?.type).toBe('COUNTER');
    expect(families.get('capgen_upstream_duration_seconds')?.type).toBe('HISTOGRAM');
  });

  it('serves /traces from an empty ring of the spec size', async () => {
    expect(JSON.parse((await get('/traces')).text)).toEqual({ traces: [], bufferSize: 50, bufferUsed: 0 });
  });
});

describe('observability off', () => {
  it('leaves /metrics and /traces out of the model of the engine fixtures', async () => {
    for (const file of [
      'control/control-observability-disabled.yaml',
      'observability/observability-disabled.yaml',
    ]) {
      const { model } = await generateFile(join(TESTS, file), { validateOnly: true });
      expect(model.control, file).toMatchObject({ health: true, metrics: false, traces: false });
    }
  });
});

describe('nothing to serve', () => {
  const refusal = async (text: string) => {
    const err = await generateText('/specs/empty.yaml', text, { validateOnly: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpecError);
    const found = (err as SpecError).diagnostics.find((d) => d.code === 'nothing-to-generate');
    expect(found).toBeDefined();
    return found!;
  };

  it('says the spec consumes and exposes nothing, at `capability`', async () => {
    const d = await refusal('naftiko: 1.0.0-alpha2\ninfo:\n  label: Empty\ncapability:\n  exposes: []\n');
    expect(d).toMatchObject({ file: '/specs/empty.yaml', line: 4, col: 1 });
    expect(d.message).toBe('nothing to generate: it consumes no API, and it exposes nothing');
  });

  it('names the first skipped consumed operation and its line, at `consumes`', async () => {
    const text = [
      'naftiko: 1.0.0-alpha2',
      'capability:',
      '  exposes:',
      '    - type: mcp',
      '      namespace: tools',
      '      port: 3001',
      '      tools:',
      '        - name: records',
      '          description: The records',
      '          call: up.get-records',
      '  consumes:',
      '    - type: http',
      '      namespace: up',
      '      baseUri: https://up.example.test',
      '      resources:',
      '        - path: /records',
      '          name: records',
      '          operations:',
      '            - method: GET',
      '              name: get-records',
      '              outputRawFormat: avro',
      '',
    ].join('\n');
    const d = await refusal(text);
    expect(d).toMatchObject({ line: 11, col: 3 });
    expect(d.message).toMatch(
      /^nothing to generate: every consumed operation was skipped \(the first at line 21: outputRawFormat avro needs `outputSchema`.*\), so no REST operation or MCP tool is left to serve$/,
    );
  });

  it('names an exposes type capgen does not serve', async () => {
    const text = 'naftiko: 1.0.0-alpha2\ncapability:\n  exposes:\n    - type: grpc\n      port: 50051\n';
    const d = await refusal(text);
    expect(d).toMatchObject({ line: 2, col: 1 });
    expect(d.message).toContain('no adapter capgen serves (rest, mcp, skill, control) is left');
    expect(d.message).toContain('(the first at line 4: unsupported: exposes type "grpc"');
  });
});
