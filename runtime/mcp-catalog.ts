// MCP resources and prompts, registered through the SDK's own API. A resource is dynamic (read
// through the consumed API when a client asks) or static (the files of a folder, never a path
// outside it); a URI with `{x}` placeholders is a resource template. A prompt is a list of
// messages, or one file, with `{{argument}}` placeholders filled from the client's arguments.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  fromJsonSchema,
  type JsonSchemaType,
  type McpServer,
  type ReadResourceResult,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import { decodeRelative, fileInside, locationPath, mediaTypeOf } from './files.js';
import type { ApiResponse } from './http.js';
import { mapOutput, type OutputShape } from './output.js';

interface ResourceMeta {
  name: string;
  title?: string;
  /** `data://users/{userId}/profile`: placeholders make it a template. */
  uri: string;
  description?: string;
  mimeType?: string;
}

export interface DynamicResource extends ResourceMeta {
  /** Reads the resource's value through the consumed API; strings are sent as they are. */
  read(variables: Record<string, string>): Promise<unknown>;
}

export interface StaticResource extends ResourceMeta {
  /** `file:///…` folder whose files are the resource's contents, at `<uri>/<relative path>`. */
  location: string;
}

export type ResourceDef = DynamicResource | StaticResource;

export interface PromptDef {
  name: string;
  title?: string;
  description?: string;
  arguments: { name: string; description?: string; required: boolean }[];
  /** The messages, or a `file:///…` file whose text becomes one user message. */
  messages: { role: 'user' | 'assistant'; content: string }[] | { location: string };
}

const isTemplate = (uri: string) => /\{[^}]+\}/.test(uri);
const textOf = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));
const variablesOf = (vars: Record<string, string | string[]>) =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));

async function filesUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return found.sort();
}

function registerStatic(server: McpServer, def: StaticResource, cwd: string): void {
  const root = locationPath(def.location, cwd);
  const base = def.uri.replace(/\/+$/, '');
  const template = new ResourceTemplate(`${base}/{+path}`, {
    list: async () => ({
      resources: (await filesUnder(root)).map((path) => ({
        uri: `${base}/${path.split('/').map(encodeURIComponent).join('/')}`,
        name: `${def.name}/${path}`,
        mimeType: mediaTypeOf(path),
      })),
    }),
  });
  server.registerResource(
    def.name,
    template,
    { title: def.title, description: def.description, mimeType: def.mimeType },
    async (uri, vars): Promise<ReadResourceResult> => {
      const path = variablesOf(vars).path ?? '';
      const file = await fileInside(root, decodeRelative(path));
      if (!file) throw new Error(`no resource at ${uri.href}`);
      const mimeType = def.mimeType ?? mediaTypeOf(file);
      const bytes = await readFile(file);
      return /^text\/|json|yaml|xml/.test(mimeType)
        ? { contents: [{ uri: uri.href, mimeType, text: bytes.toString('utf8') }] }
        : { contents: [{ uri: uri.href, mimeType, blob: bytes.toString('base64') }] };
    },
  );
}

function registerDynamic(server: McpServer, def: DynamicResource): void {
  const meta = { title: def.title, description: def.description, mimeType: def.mimeType };
  const answer = async (href: string, vars: Record<string, string>): Promise<ReadResourceResult> => ({
    contents: [
      { uri: href, mimeType: def.mimeType ?? 'application/json', text: textOf(await def.read(vars)) },
    ],
  });
  if (isTemplate(def.uri))
    server.registerResource(def.name, new ResourceTemplate(def.uri, { list: undefined }), meta, (uri, vars) =>
      answer(uri.href, variablesOf(vars)),
    );
  else server.registerResource(def.name, def.uri, meta, (uri) => answer(uri.href, {}));
}

/**
 * A dynamic resource's value: the upstream's answer, mapped when the spec maps it. An error
 * answer fails the read (the client gets a JSON-RPC error naming the status).
 */
export async function readThrough(call: () => Promise<ApiResponse>, output?: OutputShape): Promise<unknown> {
  const res = await call();
  if (res.status >= 400) throw new Error(`upstream answered ${res.status}`);
  return output ? mapOutput(output, res.body) : res.body;
}

export function registerResources(
  server: McpServer,
  resources: ResourceDef[],
  cwd: string = process.cwd(),
): void {
  for (const def of resources) {
    if ('location' in def) registerStatic(server, def, cwd);
    else registerDynamic(server, def);
  }
}

/** `{{name}}` replaced by the argument's value; a missing argument is empty, as in Mustache. */
export function fillPrompt(text: string, args: Record<string, string | undefined>): string {
  return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_m, name: string) => args[name] ?? '');
}

export function registerPrompts(server: McpServer, prompts: PromptDef[], cwd: string = process.cwd()): void {
  for (const def of prompts) {
    const argsSchema = fromJsonSchema<Record<string, string>>({
      type: 'object',
      properties: Object.fromEntries(
        def.arguments.map((a) => [
          a.name,
          { type: 'string', ...(a.description ? { description: a.description } : {}) },
        ]),
      ),
      required: def.arguments.filter((a) => a.required).map((a) => a.name),
    } as JsonSchemaType);
    server.registerPrompt(
      def.name,
      { title: def.title, description: def.description, argsSchema },
      async (args: Record<string, string>) => {
        const messages =
          'location' in def.messages
            ? [
                {
                  role: 'user' as const,
                  content: await readFile(locationPath(def.messages.location, cwd), 'utf8'),
                },
              ]
            : def.messages;
        return {
          description: def.description,
          messages: messages.map((m) => ({
            role: m.role,
            content: { type: 'text' as const, text: fillPrompt(m.content, args) },
          })),
        };
      },
    );
  }
}
