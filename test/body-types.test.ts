// Request body types end to end (issue 12 point 6): the generated server, called over REST and
// over MCP with the official client, sends each non-JSON body with its own encoding and media
// type. The upstream decodes every body with a real decoder for the media type it was given
// (URLSearchParams, the platform's multipart parser, an XML parser) and records what it read.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const SPEC = new URL('./fixtures/bodies/dispatch-forms.yaml', import.meta.url).pathname;

/** What the upstream read from one request. */
interface Received {
  path: string;
  contentType: string;
  /** Form fields and multipart parts as [name, value] pairs; a file is {filename, type, text}. */
  fields?: [string, unknown][];
  xml?: unknown;
  text?: string;
}

const received: Received[] = [];
let upstream: Server;
let running: RunningServer;
let warnings: string[];
let mcp: Client;

async function decode(path: string, contentType: string, bytes: Buffer): Promise<Received> {
  const media = contentType.split(';')[0]!.trim();
  if (media === 'application/x-www-form-urlencoded')
    return { path, contentType, fields: [...new URLSearchParams(bytes.toString('utf8'))] };
  if (media === 'multipart/form-data') {
    const form = await new Request('http://upstream.test/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: bytes,
    }).formData();
    const fields: [string, unknown][] = [];
    for (const [name, value] of form)
      fields.push([
        name,
        typeof value === 'string'
          ? value
          : { filename: value.name, type: value.type, text: await value.text() },
      ]);
    return { path, contentType, fields };
  }
  if (media === 'application/xml')
    return {
      path,
      contentType,
      xml: new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(
        bytes.toString('utf8'),
        true,
      ),
    };
  return { path, contentType, text: bytes.toString('utf8') };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      decode(req.url ?? '', String(req.headers['content-type'] ?? ''), Buffer.concat(chunks)).then(
        (r) => {
          received.push(r);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        },
        (err: unknown) => {
          // A body the decoder refuses is a failed test, seen by the caller as the upstream's 400.
          res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
        },
      );
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  const { generated, out } = await generateInto(SPEC);
  warnings = generated.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code);
  running = await startGenerated(generated, out, { DISPATCH_BASE_URL: base });
  mcp = new Client({ name: 'body-types-test', version: '1.0.0' }, {});
  await mcp.connect(new StreamableHTTPClientTransport(new URL(running.urls['dispatch-tools']!)));
});

afterAll(async () => {
  await mcp?.close();
  await running?.close();
  upstream?.close();
});

/** Calls one route over REST with a JSON body; returns what the upstream read. */
async function rest(path: string, body: Record<string, unknown>): Promise<Received> {
  const before = received.length;
  const res = await fetch(`${running.urls['dispatch-rest']}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
  expect(received.length).toBe(before + 1);
  return received.at(-1)!;
}

/** Calls one tool over MCP; returns what the upstream read. */
async function tool(name: string, args: Record<string, unknown>): Promise<Received> {
  const before = received.length;
  const result = await mcp.callTool({ name, arguments: args });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  expect(result.structuredContent).toEqual({ ok: true });
  expect(received.length).toBe(before + 1);
  return received.at(-1)!;
}

// Values that would break out of their field, element or attribute if written unescaped.
const AMPERSAND = 'read write&admin=1';
const MARKUP = '</item><evil>&amp;"\'';

describe('request body types', () => {
  it('warns about no supported body type', () => {
    expect(warnings).not.toContain('body-type');
  });

  for (const [via, call] of [
    ['REST', (path: string, _name: string, args: Record<string, unknown>) => rest(path, args)],
    ['MCP', (_path: string, name: string, args: Record<string, unknown>) => tool(name, args)],
  ] as const) {
    describe(via, () => {
      it('formUrlEncoded object: fields encoded by the form rules, an & inside a value stays in it', async () => {
        const r = await call('/token', 'request-token', { scope: AMPERSAND, vessel: 'Nordlys 7 é' });
        expect(r.path).toBe('/v1/token');
        expect(r.contentType).toBe('application/x-www-form-urlencoded');
        expect(r.fields).toEqual([
          ['grant_type', 'client_credentials'],
          ['scope', AMPERSAND],
          ['client_note', 'vessel Nordlys 7 é'],
        ]);
      });

      it('formUrlEncoded string: a placeholder is encoded as one field value', async () => {
        const r = await call('/legacy-token', 'request-legacy-token', { username: 'ops&scope=admin' });
        expect(r.contentType).toBe('application/x-www-form-urlencoded');
        expect(r.fields).toEqual([
          ['grant_type', 'password'],
          ['username', 'ops&scope=admin'],
          ['scope', 'read'],
        ]);
      });

      it('multipartForm: a boundary of the encoder, a plain part and a file part', async () => {
        const manifest = 'container,weight\r\nMSCU1234567,21000\r\n';
        const r = await call('/manifests', 'upload-manifest', { title: `Manifest ${MARKUP}`, manifest });
        expect(r.contentType).toMatch(/^multipart\/form-data; boundary=\S+$/);
        expect(r.fields).toEqual([
          ['title', `Manifest ${MARKUP}`],
          ['manifest', { filename: 'manifest.csv', type: 'text/csv', text: manifest }],
        ]);
      });

      it('text: the rendered template as text/plain', async () => {
        const r = await call('/notes', 'post-note', { berth: 'B4', note: 'tide at 06:10 & 18:40' });
        expect(r.contentType).toBe('text/plain; charset=utf-8');
        expect(r.text).toBe('Note for berth B4: tide at 06:10 & 18:40');
      });

      it('xml: placeholders written as escaped text, markup in a value stays inert', async () => {
        const r = await call('/orders', 'submit-order', { vessel: '"Aurora" & co', item: MARKUP });
        expect(r.contentType).toBe('application/xml');
        expect(r.xml).toEqual({ order: { '@vessel': '"Aurora" & co', item: MARKUP } });
      });

      it('sparql: the rendered query as application/sparql-query', async () => {
        const r = await call('/sparql', 'query-berths', { vessel: 'Nordlys' });
        expect(r.contentType).toBe('application/sparql-query');
        expect(r.text).toBe('SELECT ?berth WHERE { ?berth <urn:usedBy> "Nordlys" }');
      });
    });
  }

  it('types each field input as a string over MCP, a file part described as its content', async () => {
    const { tools } = await mcp.listTools();
    const upload = tools.find((t) => t.name === 'upload-manifest')!;
    expect(upload.inputSchema.properties).toEqual({
      title: { type: 'string', description: 'The `title` part.' },
      manifest: {
        type: 'string',
        description: 'The content of the `manifest` file part (manifest.csv, text/csv).',
      },
    });
  });
});
