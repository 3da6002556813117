// Aggregates and `ref`, run for real: test/fixtures/compose/fleet-aggregates.yaml is generated, its
// server started on 127.0.0.1 against a recording upstream, and its MCP tools (through the
// official client) and REST routes called. A unit that names a function runs the function's call,
// steps or mock; what the unit sets itself (outputs, `with`, hints) wins; hints come from semantics.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFile } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type Recorder, startRecorder } from './support/recorder.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SPEC = new URL('./fixtures/compose/fleet-aggregates.yaml', import.meta.url).pathname;

interface Running {
  urls: Record<string, string>;
  close(): Promise<void>;
}

let dir: string;
let recorder: Recorder;
let running: Running;
let client: Client;

const SHIP = { name: 'Star', crew: ['C2', 'C1'], home: { port: 'OSL' } };
const CREW = [
  { crew_id: 'C1', name: 'Ann' },
  { crew_id: 'C2', name: 'Bo' },
];

beforeAll(async () => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(ROOT, '.tmp', 'aggregates-'));
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
    if (req.method === 'DELETE') return { status: 200, body: { scrapped: req.path } };
    if (req.path === '/api/ships/IMO-1') return { status: 200, body: SHIP };
    if (req.path === '/api/crew') return { status: 200, body: CREW };
    return { status: 404, body: { message: `no ${req.path}` } };
  });
  running = await server.start({
    env: {
      HOST: '127.0.0.1',
      FLEET_TOOLS_PORT: '0',
      FLEET_API_PORT: '0',
      REGISTRY_BASE_URL: `${recorder.url}/api`,
    },
  });
  client = new Client({ name: 'aggregates-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls['fleet-tools']!)));
}, 300_000);

afterAll(async () => {
  await client?.close();
  await running?.close();
  await recorder?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function callTool(name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[])[0]!.text;
  return { isError: result.isError === true, text };
}

const sent = () => recorder.requests.map((r) => `${r.method} ${r.url}`);

describe('MCP tools with ref', () => {
  it('lists a ref with derived hints: the name, description and inputs come from the function', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()]).toEqual(['find-ship', 'ship-with-crew', 'scrap-ship', 'greet-captain']);
    const find = byName.get('find-ship')!;
    expect(find.description).toBe('Find a ship by its IMO number');
    expect(find.inputSchema).toMatchObject({
      properties: { imo: { type: 'string', description: 'IMO number' } },
      required: ['imo'],
    });
    // semantics safe + idempotent: read-only, not destructive, idempotent; it calls out, so open-world.
    expect(find.annotations).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
    // semantics safe only: idempotent follows from read-only, as for any read-only tool.
    expect(byName.get('ship-with-crew')!.annotations).toEqual({
      title: 'Ship with crew',
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
    // semantics not safe, idempotent; the tool's own `destructive: false` overrides the DELETE default.
    expect(byName.get('scrap-ship')!.annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
  });

  it("runs the function's call, reading `<aggregate>.imo` in its `with`, and maps its output", async () => {
    recorder.reset();
    const { isError, text } = await callTool('find-ship', { imo: 'IMO-1' });
    expect(isError, text).toBe(false);
    expect(JSON.parse(text)).toEqual({ name: 'Star', port: 'OSL' });
    expect(sent()).toEqual(['GET /api/ships/IMO-1']);
  });

  it("runs the function's steps and mappings", async () => {
    recorder.reset();
    const { isError, text } = await callTool('ship-with-crew', { imo: 'IMO-1' });
    expect(isError, text).toBe(false);
    expect(JSON.parse(text)).toEqual({ name: 'Star', crew: [{ name: 'Bo' }, { name: 'Ann' }] });
    expect(sent()).toEqual(['GET /api/ships/IMO-1', 'GET /api/crew']);
  });

  it("sends the function's literal `with` value", async () => {
    recorder.reset();
    const { isError } = await callTool('scrap-ship', { imo: 'IMO-7' });
    expect(isError).toBe(false);
    expect(sent()).toEqual(['DELETE /api/ships/IMO-7?reason=old%20age']);
  });

  it("answers with the function's mock, calling nothing", async () => {
    recorder.reset();
    const { isError, text } = await callTool('greet-captain', { captain: 'Nemo' });
    expect(isError).toBe(false);
    expect(JSON.parse(text)).toEqual({ greeting: 'Ahoy, Nemo!' });
    expect(recorder.requests).toEqual([]);
  });
});

describe('REST operations with ref', () => {
  const api = () => running.urls['fleet-api']!;

  it("runs the function's call against the upstream; the operation's own outputParameters win", async () => {
    recorder.reset();
    const res = await fetch(`${api()}/ships/IMO-1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ vessel: 'Star' });
    expect(sent()).toEqual(['GET /api/ships/IMO-1']);
  });

  it("relays the upstream's failure like any call", async () => {
    recorder.reset();
    const res = await fetch(`${api()}/ships/IMO-404`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'no /api/ships/IMO-404' });
  });

  it("lets the operation's own `with` key win over the function's", async () => {
    recorder.reset();
    const res = await fetch(`${api()}/ships/IMO-7?why=sold`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ scrapped: '/api/ships/IMO-7' });
    expect(sent()).toEqual(['DELETE /api/ships/IMO-7?reason=sold']);
  });

  it("takes the inputs it does not declare from the function, and runs the function's steps", async () => {
    recorder.reset();
    const res = await fetch(`${api()}/ships/IMO-1/crew`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'Star', crew: [{ name: 'Bo' }, { name: 'Ann' }] });
  });

  it("answers with the function's mock over the operation's query input", async () => {
    recorder.reset();
    const res = await fetch(`${api()}/greeting?captain=Bo`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ greeting: 'Ahoy, Bo!' });
    expect(recorder.requests).toEqual([]);
  });
});
