// The skill adapter: a read-only catalog of the spec's skills, as the reference engine serves
// it (GET /skills, /skills/{name}, /skills/{name}/download, /skills/{name}/contents[/{file}]),
// described by the emitted OpenAPI document at GET /openapi.json.
// Files come from each skill's `location` folder, never from outside it.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { zipSync } from 'fflate';
import { authorized, challenge, type InboundAuth } from './auth.js';
import { decodeRelative, fileInside, locationPath, mediaTypeOf, UnsafePathError } from './files.js';
import { hostRefusal, LOOPBACK_NAMES } from './guard.js';
import { type Health, HEALTH_PATHS, healthAnswer } from './health.js';
import { log } from './log.js';

export type SkillTool =
  | { name: string; description?: string; from: { sourceNamespace: string; action: string } }
  | { name: string; description?: string; instruction: string };

export interface Skill {
  name: string;
  description?: string;
  /** Optional catalog fields the spec may set, shown as written. */
  details?: Record<string, unknown>;
  /** `file:///…` folder whose files the skill serves. */
  location?: string;
  tools: SkillTool[];
}

export interface SkillAppOptions {
  name: string;
  skills: Skill[];
  /** The exposes type of each sibling adapter by namespace (`mcp`, `rest`), for invocationRef. */
  modes: Record<string, string>;
  /** Refuses a request when it returns false (inbound authentication). */
  authorize?: (request: FastifyRequest) => boolean;
  /** Credentials every caller must present; absent means the catalog is open. */
  auth?: InboundAuth;
  /** Host names accepted in Host and Origin headers (DNS-rebinding protection), or '*'; default loopback names. */
  allowedHosts?: readonly string[] | '*';
  cwd?: string;
  /** Serves GET /healthz and /readyz from it, before the Host check and without credentials. */
  health?: Health;
  /** The OpenAPI document of the catalog routes, served at GET /openapi.json. */
  openapi?: Buffer;
}

const notFound = (reply: FastifyReply, message: string) =>
  reply.code(404).type('application/json').send({ error: 'not_found', message });

/** Regular files under a folder, sorted, as paths relative to it; symlinks are not followed. */
async function filesUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return found.sort();
}

async function folderOf(skill: Skill, cwd: string): Promise<string | undefined> {
  if (!skill.location) return undefined;
  const root = locationPath(skill.location, cwd);
  const info = await lstat(root).catch(() => undefined);
  return info?.isDirectory() ? root : undefined;
}

function toolEntry(tool: SkillTool, modes: Record<string, string>): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: tool.name, description: tool.description ?? null };
  if ('from' in tool) {
    entry.type = 'derived';
    entry.invocationRef = {
      targetNamespace: tool.from.sourceNamespace,
      action: tool.from.action,
      mode: modes[tool.from.sourceNamespace] ?? 'unknown',
    };
  } else {
    entry.type = 'instruction';
    entry.instruction = tool.instruction;
  }
  return entry;
}

/** The file path after `/contents/`, taken from the raw URL rather than the router's decoding. */
const rawRelative = (url: string) =>
  decodeRelative(url.split('?')[0]!.split('/contents/').slice(1).join('/contents/'));

export function createSkillApp(options: SkillAppOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const cwd = options.cwd ?? process.cwd();
  const byName = new Map(options.skills.map((skill) => [skill.name, skill]));
  const allowedHosts = options.allowedHosts ?? LOOPBACK_NAMES;
  const health = options.health;
  // Probes (a kubelet by pod IP, a load balancer) carry no credentials; the answer holds no data.
  const probe = (request: FastifyRequest) =>
    health !== undefined && (HEALTH_PATHS as readonly string[]).includes(request.routeOptions.url ?? '');
  if (health)
    for (const path of HEALTH_PATHS)
      app.get(path, (_request, reply) => {
        const answer = healthAnswer(health, path)!;
        return reply.code(answer.status).type('application/json').send(answer.body);
      });
  app.addHook('onRequest', async (request, reply) => {
    if (probe(request)) return;
    const refusal = hostRefusal(allowedHosts, request.headers.host, request.headers.origin);
    if (refusal !== undefined) return reply.code(403).send({ error: 'forbidden', message: refusal });
  });
  const auth = options.auth;
  if (auth)
    app.addHook('onRequest', async (request, reply) => {
      if (probe(request)) return;
      if (!authorized(auth, request.headers, request.url))
        return reply
          .code(401)
          .header('www-authenticate', challenge(auth))
          .send({ error: 'unauthorized', message: 'missing or invalid credentials' });
    });
  app.addHook('onResponse', async (request, reply) => {
    log('info', {
      msg: 'request completed',
      reqId: request.id,
      adapter: options.name,
      method: request.method,
      route: request.routeOptions.url,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    });
  });
  const authorize = options.authorize;
  if (authorize)
    app.addHook('onRequest', async (request, reply) => {
      if (probe(request)) return;
      if (!authorize(request))
        return reply.code(401).send({ error: 'unauthorized', message: 'missing or invalid credentials' });
    });
  app.setNotFoundHandler((_request, reply) => notFound(reply, 'no such route'));

  const openapi = options.openapi;
  if (openapi) app.get('/openapi.json', (_request, reply) => reply.type('application/json').send(openapi));

  app.get('/skills', async () => ({
    count: options.skills.length,
    skills: options.skills.map((skill) => ({
      name: skill.name,
      description: skill.description ?? null,
      ...(skill.details?.license !== undefined ? { license: skill.details.license } : {}),
      tools: skill.tools.map((tool) => tool.name),
    })),
  }));

  app.get<{ Params: { name: string } }>('/skills/:name', async (request, reply) => {
    const skill = byName.get(request.params.name);
    if (!skill) return notFound(reply, `no skill named ${JSON.stringify(request.params.name)}`);
    return {
      name: skill.name,
      description: skill.description ?? null,
      ...skill.details,
      tools: skill.tools.map((tool) => toolEntry(tool, options.modes)),
    };
  });

  app.get<{ Params: { name: string } }>('/skills/:name/contents', async (request, reply) => {
    const skill = byName.get(request.params.name);
    if (!skill) return notFound(reply, `no skill named ${JSON.stringify(request.params.name)}`);
    const root = await folderOf(skill, cwd);
    if (!root) return notFound(reply, `skill ${JSON.stringify(skill.name)} has no contents folder`);
    const files = await filesUnder(root);
    const entries = await Promise.all(
      files.map(async (path) => ({
        path,
        size: (await lstat(join(root, ...path.split('/')))).size,
        type: mediaTypeOf(path),
      })),
    );
    return { name: skill.name, files: entries };
  });

  app.get<{ Params: { name: string; '*': string } }>('/skills/:name/contents/*', async (request, reply) => {
    const skill = byName.get(request.params.name);
    if (!skill) return notFound(reply, `no skill named ${JSON.stringify(request.params.name)}`);
    const root = await folderOf(skill, cwd);
    if (!root) return notFound(reply, `skill ${JSON.stringify(skill.name)} has no contents folder`);
    let file: string | undefined;
    try {
      file = await fileInside(root, rawRelative(request.raw.url ?? ''));
    } catch (err) {
      if (err instanceof UnsafePathError)
        return reply.code(400).send({ error: 'bad_request', message: err.message });
      throw err;
    }
    if (!file) return notFound(reply, 'no such file');
    return reply.type(mediaTypeOf(file)).send(await readFile(file));
  });

  app.get<{ Params: { name: string } }>('/skills/:name/download', async (request, reply) => {
    const skill = byName.get(request.params.name);
    if (!skill) return notFound(reply, `no skill named ${JSON.stringify(request.params.name)}`);
    const root = await folderOf(skill, cwd);
    if (!root) return notFound(reply, `skill ${JSON.stringify(skill.name)} has no contents folder`);
    const files: Record<string, Uint8Array> = {};
    for (const path of await filesUnder(root)) files[path] = await readFile(join(root, ...path.split('/')));
    // Fixed timestamps keep the archive byte-identical for identical contents.
    const zip = zipSync(files, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') });
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="${skill.name.replace(/[^\w.-]/g, '_')}.zip"`)
      .send(Buffer.from(zip));
  });
  return app;
}
