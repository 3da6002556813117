/**
 * The generated OpenAPI document of the seed spec (`out/instance-images/openapi.json`): Spectral's
 * OpenAPI rules, the shape the spec calls for (merged path items, operationIds), and that the
 * generated server serves exactly this file.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { setLogLevel } from '../out/instance-images/runtime/log.js';
import { type RunningServer, start } from '../out/instance-images/server.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import { type Finding, spectral } from './support/spectral.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCUMENT = join(ROOT, 'out/instance-images/openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
}
type PathItem = Partial<Record<(typeof METHODS)[number], Operation>> & {
  parameters?: { name: string; in: string; required?: boolean }[];
};
interface OpenApi {
  openapi: string;
  paths: Record<string, PathItem>;
}

interface SpecRest {
  type: string;
  resources?: { path: string; operations: { method: string; name: string }[] }[];
}
const spec = parse(readFileSync(join(ROOT, 'specs/instance-images.yaml'), 'utf8')) as {
  capability: { exposes: SpecRest[] };
};
const restResources = spec.capability.exposes.find((e) => e.type === 'rest')?.resources ?? [];

const documentText = readFileSync(DOCUMENT, 'utf8');
const doc = JSON.parse(documentText) as OpenApi;

/** A path template with its parameter names blanked: `/a/{x}` and `/a/{y}` are the same route. */
const shape = (path: string): string => path.replace(/\{[^}]*\}/g, '{}');

function operationsOf(item: PathItem): (typeof METHODS)[number][] {
  return METHODS.filter((m) => item[m] !== undefined);
}

const describeFinding = (f: Finding) => `${f.code} [${f.severity}] at ${f.path.join('.')}: ${f.message}`;

describe('Spectral', () => {
  it('recommended rules (extends spectral:oas): no errors, only the info-contact finding', async () => {
    const { code, findings, stderr } = await spectral(DOCUMENT);
    expect(findings.filter((f) => f.severity === 0).map(describeFinding)).toEqual([]);
    expect(code, stderr).toBe(0);
    // Only contact/license findings are tolerated; this is the exact set that appears.
    expect([...new Set(findings.map((f) => String(f.code)))].sort()).toEqual(['info-contact']);
  });

  describe('all rules (extends [spectral:oas, all])', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'capgen-spectral-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('no errors; warnings are only contact/license ones', async () => {
      const ruleset = join(dir, 'all.yaml');
      await writeFile(ruleset, 'extends: [["spectral:oas", "all"]]\n');
      const { code, findings, stderr } = await spectral(DOCUMENT, ruleset);
      expect(findings.filter((f) => f.severity === 0).map(describeFinding)).toEqual([]);
      expect(code, stderr).toBe(0);
      const codes = [...new Set(findings.map((f) => String(f.code)))].sort();
      expect(codes.filter((c) => !/^(info-contact|info-license|license-url)$/.test(c))).toEqual([]);
    });
  });
});

describe('document shape', () => {
  it('is OpenAPI 3.1.0', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('has one path item per route shape, with exactly the spec operations', () => {
    const expected = new Map<string, string[]>();
    for (const resource of restResources) {
      const key = shape(resource.path);
      expected.set(key, [
        ...(expected.get(key) ?? []),
        ...resource.operations.map((o) => o.method.toLowerCase()),
      ]);
    }
    const actual = new Map(
      Object.entries(doc.paths).map(([p, item]) => [shape(p), operationsOf(item).sort()]),
    );
    expect(Object.keys(doc.paths)).toHaveLength(actual.size);
    expect(actual).toEqual(new Map([...expected].map(([k, v]) => [k, v.sort()])));
  });

  it('merges the seed PUT {id} and GET/PATCH/DELETE {image-id} into ONE path item', () => {
    const merged = Object.entries(doc.paths).filter(
      ([p]) => shape(p) === '/v1/instance/v1/zones/{}/images/{}',
    );
    expect(merged).toHaveLength(1);
    const [path, item] = merged[0]!;
    expect(operationsOf(item).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(item.put?.operationId).toBe('setimage');
    expect(item.get?.operationId).toBe('getimage');
    expect(item.patch?.operationId).toBe('updateimage');
    expect(item.delete?.operationId).toBe('deleteimage');
    // Every template parameter of the merged path is declared once, as a required path parameter.
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = (item.parameters ?? []).filter((p) => p.in === 'path');
    expect(declared.map((p) => p.name).sort()).toEqual([...names].sort());
    expect(declared.every((p) => p.required === true)).toBe(true);
    for (const method of operationsOf(item)) {
      expect((item[method]?.parameters ?? []).filter((p) => p.in === 'path')).toEqual([]);
    }
  });

  it('every operation has a unique operationId equal to the spec operation name', () => {
    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of operationsOf(item)) {
        const resource = restResources.find(
          (r) => shape(r.path) === shape(path) && r.operations.some((o) => o.method.toLowerCase() === method),
        );
        const op = resource?.operations.find((o) => o.method.toLowerCase() === method);
        expect(op, `${method.toUpperCase()} ${path} is not in the spec`).toBeDefined();
        expect(item[method]?.operationId, `${method.toUpperCase()} ${path}`).toBe(op?.name);
        ids.push(item[method]?.operationId ?? '');
      }
    }
    expect(ids).toHaveLength(restResources.flatMap((r) => r.operations).length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([
      'createimage',
      'deleteimage',
      'getimage',
      'listimages',
      'setimage',
      'updateimage',
    ]);
  });
});

describe('served document', () => {
  let recorder: Recorder;
  let server: RunningServer;
  beforeAll(async () => {
    setLogLevel('silent');
    recorder = await startRecorder();
    server = await start({
      env: {
        SCALEWAY_API_KEY: `scw-test-key-${randomUUID()}`,
        INSTANCE_IMAGES_BASE_URL: recorder.url,
        INSTANCE_IMAGES_REST_PORT: '0',
        INSTANCE_IMAGES_MCP_PORT: '0',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await recorder?.close();
  });

  it('GET /openapi.json on the REST adapter is the file, with servers naming where it listens', async () => {
    const base = new URL(server.urls['instance-images-rest']!);
    const res = await fetch(new URL('/openapi.json', base));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    const served = (await res.json()) as Record<string, unknown>;
    expect(served.servers).toEqual([{ url: base.origin, description: 'This server' }]);
    expect({ ...served, servers: (doc as unknown as { servers: unknown }).servers }).toEqual(doc);
    expect(recorder.requests).toHaveLength(0);
  });
});
