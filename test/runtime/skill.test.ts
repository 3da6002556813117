// The skill adapter (runtime/skill.ts) over a real socket: the catalog, a skill's detail, its
// contents listing, files and ZIP download, and every way of reaching outside the folder refused.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkillApp } from '../../runtime/skill.js';

let app: FastifyInstance;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capgen-skill-'));
  const root = join(dir, 'fleet-ops');
  mkdirSync(join(root, 'examples'), { recursive: true });
  writeFileSync(join(root, 'SKILL.md'), '# Fleet ops\n');
  writeFileSync(join(root, 'examples', 'usage.md'), 'list ships\n');
  writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT\n');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'escape.txt'));
  symlinkSync(dir, join(root, 'up'));
  app = createSkillApp({
    name: 'shipyard-skills',
    modes: { 'shipyard-tools': 'mcp' },
    skills: [
      {
        name: 'fleet-ops',
        description: 'Fleet management',
        location: pathToFileURL(root).href,
        details: { license: 'MIT' },
        tools: [
          {
            name: 'list-ships',
            description: 'List ships',
            from: { sourceNamespace: 'shipyard-tools', action: 'list-ships' },
          },
          { name: 'howto', instruction: 'examples/usage.md' },
        ],
      },
      { name: 'voyage-ops', tools: [] },
    ],
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

// node:http sends the path exactly as written: a WHATWG URL parser (fetch, undici) would resolve
// `%2e%2e` and `..` before the server could refuse them.
const get = async (path: string) => {
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    httpGet({ host: '127.0.0.1', port: new URL(base).port, path }, resolve).on('error', reject),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return {
    status: res.statusCode,
    type: String(res.headers['content-type']),
    raw,
    json: () => JSON.parse(raw.toString()),
  };
};

describe('skill catalog', () => {
  it('lists every skill with its tool names', async () => {
    const res = await get('/skills');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      count: 2,
      skills: [
        {
          name: 'fleet-ops',
          description: 'Fleet management',
          license: 'MIT',
          tools: ['list-ships', 'howto'],
        },
        { name: 'voyage-ops', description: null, tools: [] },
      ],
    });
  });

  it('details a skill: derived tools point at their adapter, instruction tools at their file', async () => {
    const res = await get('/skills/fleet-ops');
    expect(res.json()).toEqual({
      name: 'fleet-ops',
      description: 'Fleet management',
      license: 'MIT',
      tools: [
        {
          name: 'list-ships',
          description: 'List ships',
          type: 'derived',
          invocationRef: { targetNamespace: 'shipyard-tools', action: 'list-ships', mode: 'mcp' },
        },
        { name: 'howto', description: null, type: 'instruction', instruction: 'examples/usage.md' },
      ],
    });
    expect((await get('/skills/nope')).status).toBe(404);
  });

  it('lists the contents folder without following symlinks, and serves a nested file', async () => {
    const list = await get('/skills/fleet-ops/contents');
    expect(list.json()).toEqual({
      name: 'fleet-ops',
      files: [
        { path: 'SKILL.md', size: 12, type: 'text/markdown' },
        { path: 'examples/usage.md', size: 11, type: 'text/markdown' },
      ],
    });
    const file = await get('/skills/fleet-ops/contents/examples/usage.md');
    expect(file.status).toBe(200);
    expect(file.type).toContain('text/markdown');
    expect(file.raw.toString()).toBe('list ships\n');
    expect((await get('/skills/fleet-ops/contents/missing.md')).status).toBe(404);
    expect((await get('/skills/voyage-ops/contents')).status).toBe(404);
  });

  it('downloads the folder as a ZIP that a ZIP reader opens', async () => {
    const res = await get('/skills/fleet-ops/download');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/zip');
    const zip = join(dir, 'download.zip');
    writeFileSync(zip, res.raw);
    const names = execFileSync(
      'python3',
      ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', zip],
      { encoding: 'utf8' },
    );
    expect(names.trim().split('\n')).toEqual(['SKILL.md', 'examples/usage.md']);
  });
});

describe('skill contents path safety', () => {
  it.each([
    ['..', '/skills/fleet-ops/contents/../../secret.txt'],
    ['encoded dots', '/skills/fleet-ops/contents/%2e%2e/secret.txt'],
    ['encoded slash', '/skills/fleet-ops/contents/examples%2F..%2F..%2Fsecret.txt'],
    ['encoded backslash', '/skills/fleet-ops/contents/..%5csecret.txt'],
    ['a symlink to a file outside', '/skills/fleet-ops/contents/escape.txt'],
    ['a symlink to a folder outside', '/skills/fleet-ops/contents/up/secret.txt'],
  ])('refuses %s', async (_label, path) => {
    const res = await get(path);
    expect([400, 404]).toContain(res.status);
    expect(res.raw.toString()).not.toContain('TOP-SECRET');
  });

  it('answers 400 naming the reason for a traversal, not a 404', async () => {
    const res = await get('/skills/fleet-ops/contents/%2e%2e/secret.txt');
    expect(res.status).toBe(400);
    expect(res.json().error).toBe('bad_request');
    expect((await get('/skills/fleet-ops/contents/escape.txt')).status).toBe(400);
  });
});
