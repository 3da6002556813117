// Skill exposes end to end: test/fixtures/exposes/skills.yaml generated, its server started on
// 127.0.0.1, and the catalog read with real HTTP requests (node:http, so that raw paths such as
// `%2e%2e` reach the server unnormalised). The ZIP download is read back by Python's zipfile.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generated } from '../generator/pipeline.js';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const SPEC = join(import.meta.dirname, 'fixtures', 'exposes', 'skills.yaml');
const TOKEN = 'skills-token-for-tests';
const OUTSIDE = 'text outside the skill folder';

let generated: Generated;
let running: RunningServer;
let base: URL;
let cwd: string;

interface Answer {
  status: number;
  type: string | undefined;
  body: Buffer;
}

/** One GET with the raw path as given (no URL normalisation) and the given headers. */
function get(
  path: string,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers['content-type'],
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const json = (a: Answer) => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;

beforeAll(async () => {
  const { generated: g, out } = await generateInto(SPEC);
  generated = g;
  // The skill's folder, relative to the server's working directory, with one symlink that leads out.
  cwd = mkdtempSync(join(out, '..', 'cwd-'));
  const folder = join(cwd, 'skills', 'berth-ops');
  mkdirSync(join(folder, 'guides'), { recursive: true });
  writeFileSync(join(folder, 'SKILL.md'), '# Berth ops\n');
  writeFileSync(join(folder, 'guides', 'pick.md'), 'Pick the closest free berth.\n');
  writeFileSync(join(cwd, 'secret.txt'), OUTSIDE);
  symlinkSync(join(cwd, 'secret.txt'), join(folder, 'escape.md'));
  running = await startGenerated(generated, out, { HARBOUR_SKILLS_TOKEN: TOKEN }, cwd);
  base = new URL(running.urls['harbour-skills']!);
}, 300_000);

afterAll(async () => {
  await running?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('skill exposes', () => {
  it('the model has one skill adapter, and the tool that names nothing is left out', () => {
    expect(generated.model.skill.map((a) => a.namespace)).toEqual(['harbour-skills']);
    const warning = generated.diagnostics.find((d) => d.code === 'skill-tool');
    expect(warning?.message).toContain('has no tool named "list-berth"; did you mean "list-berths"?');
    expect(warning?.line).toBe(73);
  });

  it('lists the skills with their tool names', async () => {
    const a = await get('/skills');
    expect(a.status).toBe(200);
    expect(json(a)).toEqual({
      count: 2,
      skills: [
        {
          name: 'berth-ops',
          description: 'Find a free berth',
          license: 'MIT',
          tools: ['list-berths', 'get-berths', 'pick-a-berth'],
        },
        { name: 'no-files', description: 'A skill without a folder', tools: [] },
      ],
    });
  });

  it('details each tool with where it is invoked, by the sibling adapter type', async () => {
    const a = await get('/skills/berth-ops');
    expect(a.status).toBe(200);
    const body = json(a);
    expect(body.metadata).toEqual({ team: 'harbour' });
    expect(body.tools).toEqual([
      {
        name: 'list-berths',
        description: 'Every berth, over MCP',
        type: 'derived',
        invocationRef: { targetNamespace: 'harbour-tools', action: 'list-berths', mode: 'mcp' },
      },
      {
        name: 'get-berths',
        description: 'Every berth, over REST',
        type: 'derived',
        invocationRef: { targetNamespace: 'harbour-rest', action: 'get-berths', mode: 'rest' },
      },
      {
        name: 'pick-a-berth',
        description: 'How to pick a berth',
        type: 'instruction',
        instruction: 'guides/pick.md',
      },
    ]);
    expect((await get('/skills/nope')).status).toBe(404);
  });

  it('serves the contents and each file', async () => {
    const list = json(await get('/skills/berth-ops/contents'));
    expect((list.files as { path: string }[]).map((f) => f.path)).toEqual(['SKILL.md', 'guides/pick.md']);
    const file = await get('/skills/berth-ops/contents/guides/pick.md');
    expect(file.status).toBe(200);
    expect(file.type).toMatch(/^text\/markdown/);
    expect(file.body.toString()).toBe('Pick the closest free berth.\n');
    expect((await get('/skills/no-files/contents')).status).toBe(404);
  });

  it('refuses paths that lead outside the folder', async () => {
    for (const path of [
      '/skills/berth-ops/contents/../../secret.txt',
      '/skills/berth-ops/contents/%2e%2e/%2e%2e/secret.txt',
      '/skills/berth-ops/contents/guides%2f..%2f..%2fsecret.txt',
      '/skills/berth-ops/contents/escape.md',
    ]) {
      const a = await get(path);
      expect(a.body.toString(), path).not.toContain(OUTSIDE);
      expect([400, 404], path).toContain(a.status);
    }
    // The symlink is refused for what it is, not merely missing.
    expect((await get('/skills/berth-ops/contents/escape.md')).status).toBe(400);
  });

  it('downloads the folder as a ZIP that another implementation reads', async () => {
    const a = await get('/skills/berth-ops/download');
    expect(a.status).toBe(200);
    expect(a.type).toBe('application/zip');
    const script =
      'import sys, zipfile, io, json\nz = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))\nprint(json.dumps({n: z.read(n).decode() for n in sorted(z.namelist())}))';
    const listing = await new Promise<string>((resolve, reject) => {
      const child = execFile('python3', ['-c', script], (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
      child.stdin!.end(a.body);
    });
    expect(JSON.parse(listing)).toEqual({
      'SKILL.md': '# Berth ops\n',
      'guides/pick.md': 'Pick the closest free berth.\n',
    });
  });

  it('asks for the bearer token and checks the Host name', async () => {
    const none = await get('/skills', {});
    expect(none.status).toBe(401);
    expect(none.body.toString()).not.toContain(TOKEN);
    expect((await get('/skills', { authorization: 'Bearer wrong' })).status).toBe(401);
    const rebound = await get('/skills', { authorization: `Bearer ${TOKEN}`, host: 'attacker.example' });
    expect(rebound.status).toBe(403);
  });
});
