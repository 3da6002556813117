// Mock mode and orchestration, run for real: test/fixtures/compose/fleet-compose.yaml is
// generated, its server started on 127.0.0.1 against a recording upstream, and its MCP tools and
// REST routes called. A mock calls nothing; a step chain makes its calls in order, looks up rows,
// and maps dotted targets; a failing step answers like a failing call and names the step.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type Recorder, startRecorder } from './support/recorder.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SPEC = new URL('./fixtures/compose/fleet-compose.yaml', import.meta.url).pathname;

interface Running {
  urls: Record<string, string>;
  close(): Promise<void>;
}

let dir: string;
let recorder: Recorder;
let running: Running;
let client: Client;
/** Upstream answers by path; anything else is a 404 with a message. */
let answers: Record<string, { status?: number; body: unknown }>;

const SHIP = { name: 'Star', crew: ['C2', 'C1', 'C9'], home: { port: 'OSL' } };
const CREW = [
  { crew_id: 'C1', name: 'Ann', role: 'master', age: 50 },
  { crew_id: 'C2', name: 'Bo', role: 'cook' },
];

beforeAll(async () => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(ROOT, '.tmp', 'compose-'));
  const generated = await generateFile(SPEC);
  await writeOutput(join(dir, 'out'), generated.files);
  const log = (await import(pathToFileURL(join(dir, 'out', 'runtime', 'log.ts')).href)) as {
    setLogLevel(l: string): void;
  };
  log.setLogLevel('silent');
  const server = (await import(pathToFileURL(join(dir, 'out', 'server.ts')).href)) as {
    start(o: { env: Record<string, string> }): Promise<Running>;
  };
  recorder = await startRecorder();
  recorder.respond((req) => {
    const found = answers[req.path];
    return found
      ? { status: found.status ?? 200, body: found.body as object }
      : { status: 404, body: { message: `no ${req.path}` } };
  });
  running = await server.start({
    env: {
      HOST: '127.0.0.1',
      FLEET_TOOLS_PORT: '0',
      FLEET_API_PORT: '0',
      REGISTRY_BASE_URL: `${recorder.url}/api`,
    },
  });
  client = new Client({ name: 'compose-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls['fleet-tools']!)));
}, 300_000);

afterAll(async () => {
  await client?.close();
  await running?.close();
  await recorder?.close();
  rmSync(dir, { recursive: true, force: true });
});

function reset(extra: Record<string, { status?: number; body: unknown }> = {}): void {
  recorder.reset();
  answers = {
    '/api/ships/IMO-1': { body: SHIP },
    '/api/crew': { body: CREW },
    '/api/ports/OSL': { body: { name: 'Oslo', country: 'NO' } },
    ...extra,
  };
}

async function callTool(name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[])[0]!.text;
  return { isError: result.isError === true, text };
}

describe('mock mode', () => {
  it('answers an MCP tool with its values, the Mustache echo filled in, and calls nothing', async () => {
    reset();
    const { isError, text } = await callTool('hello', { captain: 'Nemo' });
    expect(isError).toBe(false);
    // `unmapped` has no value at all, so it is left out, as the engine leaves it out.
    expect(JSON.parse(text)).toEqual({
      greeting: 'Ahoy, Nemo!',
      ship: { name: 'Northern Star', flags: ['NO'] },
    });
    expect(recorder.requests).toEqual([]);
  });

  it('renders a missing input as an empty string', async () => {
    reset();
    const { text } = await callTool('hello', {});
    expect(JSON.parse(text)).toMatchObject({ greeting: 'Ahoy, !' });
  });

  it('answers a REST route with 200 JSON from the path input', async () => {
    reset();
    const res = await fetch(`${running.urls['fleet-api']}/hello/Captain%20Nemo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ greeting: 'Ahoy, Captain Nemo!' });
    expect(recorder.requests).toEqual([]);
  });
});

describe('orchestration', () => {
  it('runs the calls in order, feeds a later call from an earlier step, looks up and maps', async () => {
    reset();
    const { isError, text } = await callTool('ship-with-crew', { imo: 'IMO-1' });
    expect(isError, text).toBe(false);
    // Crew in the ship's order; C9 has no row. `missing.field` resolved nothing, so it is absent.
    expect(JSON.parse(text)).toEqual({
      name: 'Star',
      home: { port: 'Oslo', country: 'NO' },
      crew: [
        { name: 'Bo', role: 'cook' },
        { name: 'Ann', role: 'master' },
      ],
    });
    // The optional `role` of list-crew is bound to nothing, so it is not sent.
    expect(recorder.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/ships/IMO-1',
      'GET /api/crew',
      'GET /api/ports/OSL',
    ]);
  });

  it('serves the same chain as a REST route', async () => {
    reset();
    const res = await fetch(`${running.urls['fleet-api']}/ships/IMO-1/crew`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'Star',
      home: { port: 'Oslo' },
      crew: [
        { name: 'Bo', role: 'cook' },
        { name: 'Ann', role: 'master' },
      ],
    });
  });

  it('keeps a lookup field a row lacks as null', async () => {
    reset({ '/api/crew': { body: [{ crew_id: 'C2', name: 'Bo' }] } });
    const { text } = await callTool('ship-with-crew', { imo: 'IMO-1' });
    expect(JSON.parse(text).crew).toEqual([{ name: 'Bo', role: null }]);
  });

  it('stops at a failing step: MCP says which step and what the upstream said', async () => {
    reset({ '/api/ports/OSL': { status: 404, body: { message: 'no such port' } } });
    const { isError, text } = await callTool('ship-with-crew', { imo: 'IMO-1' });
    expect(isError).toBe(true);
    expect(text).toBe('step "home-port": upstream answered 404: no such port');
  });

  it('stops at a failing step: REST relays the upstream answer and names the step', async () => {
    reset({ '/api/ships/IMO-2': { status: 503, body: { message: 'down' } } });
    const res = await fetch(`${running.urls['fleet-api']}/ships/IMO-2/crew`);
    expect(res.status).toBe(503);
    expect(res.headers.get('x-capgen-step')).toBe('get-ship');
    expect(await res.json()).toEqual({ message: 'down' });
    // Nothing after the failing step was called.
    expect(recorder.requests.map((r) => r.path)).toEqual(['/api/ships/IMO-2']);
  });
});
