// TSV, PSV, text, Avro and Protobuf upstream answers end to end (test/fixtures/formats/feeds.yaml,
// whose Avro and Protobuf schemas come from `outputSchema`). The upstream on 127.0.0.1 serves real
// documents, the binary ones encoded by avsc and protobufjs from the same schema files; the mapped
// values are read back over REST with undici and over MCP with the official client. A malformed
// document is a 502 / an isError result naming the format, and the server keeps serving.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'formats');
const RECORDS = [
  { id: 'r-1', title: 'Tab\tfree', rank: 1, description: 'first' },
  { id: 'r-2', title: 'Pipes, commas', rank: 2, description: null },
];
const avroType = avro.Type.forSchema(JSON.parse(readFileSync(join(FIXTURES, 'records.avsc'), 'utf8')));
const protoType = protobuf
  .parse(readFileSync(join(FIXTURES, 'records.proto'), 'utf8'), { keepCase: true })
  .root.lookupType('test.formats.RecordList');

const DOCUMENTS: Record<string, { type: string; body: Buffer }> = {
  tsv: {
    type: 'text/tab-separated-values',
    body: Buffer.from('id\ttitle\trank\nr-1\tTab free\t1\nr-2\tPipes, commas\t2\n'),
  },
  psv: { type: 'text/plain', body: Buffer.from('id|title|rank\nr-1|Tab free|1\nr-2|Pipes, commas|2\n') },
  text: { type: 'text/plain; charset=utf-8', body: Buffer.from('Hits: 42\nMisses: 7 — ok\n') },
  avro: {
    type: 'application/avro',
    body: avroType.toBuffer({ records: RECORDS.map((r) => ({ ...r, title: r.title.replace('\t', ' ') })) }),
  },
  protobuf: {
    type: 'application/x-protobuf',
    body: Buffer.from(
      protoType
        .encode(
          protoType.fromObject({
            records: RECORDS.map((r) => ({
              ...r,
              title: r.title.replace('\t', ' '),
              description: r.description ?? '',
            })),
          }),
        )
        .finish(),
    ),
  },
};
/** Broken: a truncated document for the binary formats, a ragged table for the delimited ones. */
const BROKEN: Record<string, Buffer> = {
  tsv: Buffer.from('id\ttitle\n"r-1\tunterminated\n'),
  avro: DOCUMENTS.avro!.body.subarray(0, 9),
  protobuf: Buffer.concat([DOCUMENTS.protobuf!.body.subarray(0, 12), Buffer.from([0x0a, 0xff])]),
};

let upstream: Server;
let running: RunningServer;
let rest: string;
let client: Client;
let broken = false;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const name = (req.url ?? '/').split('/')[1] ?? '';
    const doc = DOCUMENTS[name];
    if (!doc) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': doc.type }).end(broken && BROKEN[name] ? BROKEN[name] : doc.body);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as { port: number };
  const { generated, out } = await generateInto(join(FIXTURES, 'feeds.yaml'));
  running = await startGenerated(generated, out, { FEEDS_BASE_URL: `http://127.0.0.1:${port}` });
  rest = running.urls['feeds-rest']!;
  client = new Client({ name: 'formats-test', version: '1.0.0' }, {});
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls['feeds-mcp']!)));
});

afterAll(async () => {
  await client?.close();
  await running?.close();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

const getJson = async (path: string) => {
  const res = await request(`${rest}${path}`);
  return { status: res.statusCode, body: (await res.body.json()) as unknown };
};

const ROWS = [
  { id: 'r-1', title: 'Tab free', rank: '1' },
  { id: 'r-2', title: 'Pipes, commas', rank: '2' },
];

const toolJson = async (name: string) => {
  const result = (await client.callTool({ name, arguments: {} })) as {
    isError?: boolean;
    content: { type: string; text: string }[];
  };
  return { isError: result.isError === true, text: result.content[0]!.text };
};

describe('delimited, text and binary upstream formats', () => {
  it('TSV and PSV: one object per row keyed by the header', async () => {
    expect(await getJson('/tsv')).toEqual({ status: 200, body: ROWS });
    expect(await getJson('/psv')).toEqual({ status: 200, body: ROWS });
  });

  it('text: the whole document is one string value', async () => {
    expect(await getJson('/text')).toEqual({ status: 200, body: { report: 'Hits: 42\nMisses: 7 — ok\n' } });
  });

  it('Avro: one datum decoded with the outputSchema file, then mapped', async () => {
    expect(await getJson('/avro')).toEqual({
      status: 200,
      body: ROWS.map((r, i) => ({ ...r, rank: i + 1 })),
    });
  });

  it('Protobuf: the first message of the .proto decoded, int64 as a string', async () => {
    expect(await getJson('/protobuf')).toEqual({ status: 200, body: ROWS });
  });

  it('REST pass-through relays the binary bytes and content type unchanged', async () => {
    const res = await request(`${rest}/raw/avro`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/avro');
    expect(Buffer.from(await res.body.arrayBuffer()).equals(DOCUMENTS.avro!.body)).toBe(true);
  });

  it('MCP returns the converted JSON', async () => {
    const avroResult = await toolJson('read-avro');
    expect(avroResult.isError).toBe(false);
    expect(JSON.parse(avroResult.text)).toEqual({
      records: RECORDS.map((r) => ({ ...r, title: r.title.replace('\t', ' ') })),
    });
    const proto = await toolJson('read-protobuf');
    expect((JSON.parse(proto.text) as { records: { rank: string }[] }).records.map((r) => r.rank)).toEqual([
      '1',
      '2',
    ]);
    expect(JSON.parse((await toolJson('read-tsv')).text)).toEqual(ROWS);
    expect(JSON.parse((await toolJson('read-text')).text)).toBe('Hits: 42\nMisses: 7 — ok\n');
  });

  it('a malformed document is a 502 / an isError naming the format, and the next good one is served', async () => {
    broken = true;
    try {
      for (const [path, tool, format] of [
        ['/avro', 'read-avro', 'Avro'],
        ['/protobuf', 'read-protobuf', 'Protobuf'],
        ['/tsv', 'read-tsv', 'TSV'],
      ] as const) {
        const res = await getJson(path);
        expect([path, res.status]).toEqual([path, 502]);
        expect((res.body as { message: string }).message).toContain(`not valid ${format}`);
        const mcp = await toolJson(tool);
        expect(mcp.isError).toBe(true);
        expect(mcp.text).toContain(`not valid ${format}`);
      }
    } finally {
      broken = false;
    }
    expect((await getJson('/avro')).status).toBe(200);
  });
});
