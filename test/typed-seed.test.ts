/**
 * The seed generated with `--openapi instance-images=../shared/scaleway/instance-v1.openapi.yaml`
 * (read in place): typed client, MCP schemas listed field by field, REST body validation before
 * any upstream call (real sockets, a recording upstream), the Inspector CLI --strict, and Spectral
 * on the typed openapi.json.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspector } from './support/inspector.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import { type Started, type TypedSeed, typedSeed } from './support/typed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPECTRAL = join(ROOT, 'node_modules/.bin/spectral');
const RULESET = join(ROOT, 'test/support/spectral.yaml');
const KEY = '0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70';
const ZONE = 'fr-par-1';
const SNAPSHOT = '7b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
const ARCHES = ['unknown_arch', 'x86_64', 'arm', 'arm64'];

let seed: TypedSeed;
let recorder: Recorder;
let running: Started;
let restUrl: string;
let mcpUrl: string;

beforeAll(async () => {
  seed = await typedSeed();
  seed.setLogLevel('silent');
  recorder = await startRecorder();
  running = await seed.start({
    env: {
      SCALEWAY_API_KEY: KEY,
      INSTANCE_IMAGES_BASE_URL: recorder.url,
      INSTANCE_IMAGES_REST_PORT: '0',
      INSTANCE_IMAGES_MCP_PORT: '0',
    },
  });
  restUrl = running.urls['instance-images-rest']!;
  mcpUrl = running.urls['instance-images-mcp']!;
}, 300_000);

afterAll(async () => {
  await running?.close();
  await recorder?.close();
  seed?.remove();
});

const file = (name: string) => seed.generated.files.get(name)!;

describe('client.ts', () => {
  it('declares the schemas as interfaces and types bodies, enums and answers', () => {
    const client = file('client.ts');
    expect(client).toMatch(/export interface Image \{/);
    expect(client).toMatch(/export interface CreateImageResponse \{\n\s+image\?: Image;/);
    expect(client).toMatch(
      /createimage\(\s*params: CreateimageParams,\s*options\?: CallOptions,?\s*\): Promise<ApiResponse<CreateImageResponse>>/,
    );
    expect(client).toMatch(/getimage\([^)]*\): Promise<ApiResponse<GetImageResponse>>/);
    // The create body, field by field: root_volume and arch required, arch an enum.
    const params = /export interface CreateimageParams \{[\s\S]*?\n\}/.exec(client)![0];
    expect(params).toContain('root_volume: string;');
    expect(params).toContain(`arch: ${ARCHES.map((a) => `'${a}'`).join(' | ')};`);
    expect(params).toContain('name?: string;');
    expect(params).toMatch(/zone:\s*\|?\s*'fr-par-1'\s*\|\s*'fr-par-2'/);
    // per_page is bounded by its uint32 format; page and public conflict and stay as declared.
    // (schemas.ts holds it once, shared by the REST route and the MCP tool.)
    expect(file('schemas.ts')).toMatch(
      /const perPage = \{ ['"]?type['"]?: ['"]integer['"], ['"]?minimum['"]?: 0, ['"]?maximum['"]?: 4294967295 \}/,
    );
    expect(file('schemas.ts')).toMatch(/per_page: perPage\b/);
  });

  it('reports the two type conflicts of the seed, located at their `type`', () => {
    const conflicts = seed.generated.diagnostics.filter((d) => d.code === 'openapi-conflict');
    expect(conflicts.map((d) => d.message.split(' ')[0])).toEqual(['"page"', '"public"']);
    const lines = seed.generated.spec.text.split('\n');
    for (const d of conflicts) expect(lines[d.line - 1]).toMatch(/^\s+type: string$/);
    expect(seed.generated.diagnostics.filter((d) => d.code === 'openapi-unmatched')).toEqual([]);
  });
});

interface Listed {
  name: string;
  inputSchema: {
    properties: Record<
      string,
      { type?: unknown; properties?: Record<string, { enum?: unknown[] }>; required?: string[] }
    >;
    required?: string[];
  };
  outputSchema?: { type: string; properties?: Record<string, unknown> };
}

describe('MCP tools/list', () => {
  let tools: Listed[];
  beforeAll(async () => {
    const client = new Client({ name: 'capgen-typed-test', version: '1.0.0' }, {});
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
    tools = (await client.listTools()).tools as unknown as Listed[];
    await client.close();
  }, 120_000);

  it('create-instance-image describes its body field by field, required as the OpenAPI says', () => {
    const tool = tools.find((t) => t.name === 'create-instance-image')!;
    expect(tool.inputSchema.required).toEqual(['zone', 'body']);
    const body = tool.inputSchema.properties.body!;
    expect(body.type).toBe('object');
    expect(Object.keys(body.properties!)).toEqual([
      'name',
      'root_volume',
      'arch',
      'extra_volumes',
      'organization',
      'project',
      'tags',
      'public',
    ]);
    expect(body.required).toEqual(['root_volume', 'arch']);
    expect(body.properties!.arch!.enum).toEqual(ARCHES);
    expect(JSON.stringify(tool.inputSchema)).not.toContain('$ref');
  });

  it('output schemas describe the answers', () => {
    const get = tools.find((t) => t.name === 'get-instance-image')!;
    expect(get.outputSchema?.type).toBe('object');
    expect(Object.keys(get.outputSchema?.properties ?? {})).toEqual(['image']);
    const list = tools.find((t) => t.name === 'list-instance-images')!;
    expect(Object.keys(list.outputSchema?.properties ?? {})).toEqual(['images']);
  });
});

describe('REST validation before any upstream call', () => {
  const post = (body: unknown) =>
    fetch(`${restUrl}/v1/instance/v1/zones/${ZONE}/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('a POST without arch is a 400 naming it, and the upstream is not called', async () => {
    const before = recorder.requests.length;
    const res = await post({ name: 'img', root_volume: SNAPSHOT });
    expect(res.status).toBe(400);
    const error = (await res.json()) as { error: string; message: string; parameter?: string };
    expect(error.parameter).toBe('arch');
    expect(error.message).toContain('"arch"');
    expect(recorder.requests.length).toBe(before);
  });

  it('an arch outside the enum is a 400 naming the field; a good body is forwarded unchanged', async () => {
    const before = recorder.requests.length;
    const bad = await post({ root_volume: SNAPSHOT, arch: 'sparc' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('arch');
    expect(recorder.requests.length).toBe(before);
    recorder.respond(() => ({ status: 201, body: { image: { id: 'x' } } }));
    const body = { name: 'img', root_volume: SNAPSHOT, arch: 'arm64' };
    const good = await post(body);
    expect(good.status).toBe(201);
    expect(recorder.requests.length).toBe(before + 1);
    expect(JSON.parse(recorder.last().body)).toEqual(body);
  });
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('external checkers', () => {
  it('the MCP Inspector CLI tools/list --strict exits 0 on the typed tools', async () => {
    const result = await inspector(mcpUrl, ['--method', 'tools/list', '--strict', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as { result: { tools: unknown[] } };
    expect(listed.result.tools).toHaveLength(6);
  }, 120_000);

  it('Spectral finds no error in the typed openapi.json, which carries the body and answer schemas', async () => {
    const document = join(seed.dir, 'openapi.json');
    const doc = JSON.parse(file('openapi.json')) as unknown;
    const dig = (value: unknown, ...keys: string[]): unknown =>
      keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
    const create = dig(doc, 'paths', '/v1/instance/v1/zones/{zone}/images', 'post');
    expect(dig(create, 'requestBody', 'content', 'application/json', 'schema', 'required')).toEqual([
      'root_volume',
      'arch',
    ]);
    expect(
      dig(create, 'responses', '201', 'content', 'application/json', 'schema', 'properties', 'image', 'type'),
    ).toEqual(['object', 'null']);
    const result = await run(SPECTRAL, ['lint', document, '--ruleset', RULESET, '-f', 'json']);
    const findings = JSON.parse(result.stdout) as { code: string; severity: number; message: string }[];
    expect(findings.filter((f) => f.severity === 0)).toEqual([]);
    expect(result.code, result.stderr).toBe(0);
    expect([...new Set(findings.map((f) => f.code))]).toEqual(['info-contact']);
  }, 120_000);
});
