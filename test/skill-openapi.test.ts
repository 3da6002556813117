// The skill catalog's OpenAPI document: test/fixtures/exposes/skills.yaml generated, the emitted
// openapi.harbour-skills.json linted by Spectral, then the server started on 127.0.0.1 and every
// documented route called with real HTTP; each answer must be one the document lists, with a body
// its schema accepts (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';
import { spectral } from './support/spectral.js';

const SPEC = join(import.meta.dirname, 'fixtures', 'exposes', 'skills.yaml');
const TOKEN = 'skills-openapi-token';
const FILE = 'openapi.harbour-skills.json';

interface Response {
  content?: Record<string, { schema?: object }>;
}
interface Document {
  openapi: string;
  paths: Record<string, { get?: { operationId: string; responses: Record<string, Response> } }>;
  components: { schemas: Record<string, object> };
}

let out: string;
let cwd: string;
let running: RunningServer;
let document: Document;
let text: string;

const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });

beforeAll(async () => {
  const built = await generateInto(SPEC);
  out = built.out;
  text = readFileSync(join(out, FILE), 'utf8');
  document = JSON.parse(text) as Document;
  cwd = mkdtempSync(join(out, '..', 'cwd-'));
  mkdirSync(join(cwd, 'skills', 'berth-ops', 'guides'), { recursive: true });
  writeFileSync(join(cwd, 'skills', 'berth-ops', 'SKILL.md'), '# Berth ops\n');
  writeFileSync(join(cwd, 'skills', 'berth-ops', 'guides', 'pick.md'), 'Pick the closest free berth.\n');
  running = await startGenerated(built.generated, out, { HARBOUR_SKILLS_TOKEN: TOKEN }, cwd);
});

afterAll(async () => {
  await running?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('the skill catalog OpenAPI document', () => {
  it("passes Spectral's recommended OpenAPI rules with no error, only the info-contact finding", async () => {
    const { code, findings, stderr } = await spectral(join(out, FILE));
    expect(findings.filter((f) => f.severity === 0).map((f) => `${f.code}: ${f.message}`)).toEqual([]);
    expect(code, stderr).toBe(0);
    expect([...new Set(findings.map((f) => String(f.code)))]).toEqual(['info-contact']);
  });

  it('describes the five catalog routes, with the skill names as the {name} values', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/skills',
      '/skills/{name}',
      '/skills/{name}/contents',
      '/skills/{name}/contents/{file}',
      '/skills/{name}/download',
    ]);
    const item = document.paths['/skills/{name}'] as { parameters: { schema: { enum: string[] } }[] };
    expect(item.parameters[0]!.schema.enum).toEqual(['berth-ops', 'no-files']);
  });

  it('is served at GET /openapi.json as emitted', async () => {
    const res = await get(`${running.urls['harbour-skills']}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.text()).toBe(text);
  });

  it('matches what each route answers: a documented status, media type and body schema', async () => {
    const ajv = new Ajv2020({ strict: false });
    for (const [name, schema] of Object.entries(document.components.schemas))
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    const calls: [template: string, path: string][] = [
      ['/skills', '/skills'],
      ['/skills/{name}', '/skills/berth-ops'],
      ['/skills/{name}', '/skills/nobody'],
      ['/skills/{name}/download', '/skills/berth-ops/download'],
      ['/skills/{name}/download', '/skills/no-files/download'],
      ['/skills/{name}/contents', '/skills/berth-ops/contents'],
      ['/skills/{name}/contents/{file}', '/skills/berth-ops/contents/guides/pick.md'],
      ['/skills/{name}/contents/{file}', '/skills/berth-ops/contents/..%2Fsecret.txt'],
      ['/skills/{name}/contents/{file}', '/skills/berth-ops/contents/missing.md'],
    ];
    const seen = new Set<string>();
    for (const [template, path] of calls) {
      const res = await get(`${running.urls['harbour-skills']}${path}`);
      const responses = document.paths[template]!.get!.responses;
      const documented = responses[String(res.status)];
      expect(documented, `${path} answered ${res.status}`).toBeDefined();
      seen.add(`${template} ${res.status}`);
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
      const media = documented!.content?.[type] ?? documented!.content?.['*/*'];
      expect(media, `${path}: ${type}`).toBeDefined();
      const schema = media!.schema as { $ref?: string } | undefined;
      if (schema?.$ref) {
        const validate = ajv.getSchema(schema.$ref)!;
        expect(validate(await res.json()), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
    // Every documented status of the routes called above was met.
    expect([...seen].sort()).toEqual([
      '/skills 200',
      '/skills/{name} 200',
      '/skills/{name} 404',
      '/skills/{name}/contents 200',
      '/skills/{name}/contents/{file} 200',
      '/skills/{name}/contents/{file} 400',
      '/skills/{name}/contents/{file} 404',
      '/skills/{name}/download 200',
      '/skills/{name}/download 404',
    ]);
  });
});
