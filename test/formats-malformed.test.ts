// Malformed upstream documents of each text format: test/fixtures/formats/malformed.yaml generated
// and started on 127.0.0.1 against an upstream that serves a good, a cut or a corrupted document.
// REST answers 502 and the official MCP client gets an isError result, both naming the format;
// the server keeps serving the good document afterwards.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInto, type RunningServer, startGenerated } from './support/generated.js';

const SPEC = join(import.meta.dirname, 'fixtures', 'formats', 'malformed.yaml');

const GOOD: Record<string, { type: string; body: string }> = {
  xml: {
    type: 'application/xml',
    body: '<?xml version="1.0"?><feed><item><name>a</name></item><item><name>b</name></item></feed>',
  },
  csv: { type: 'text/csv', body: 'name\na\nb\n' },
  yaml: { type: 'application/yaml', body: 'items:\n  - name: a\n  - name: b\n' },
  html: {
    type: 'text/html',
    body: '<html><body><table class="rows"><tr><th>name</th></tr><tr><td>a</td></tr><tr><td>b</td></tr></table></body></html>',
  },
  markdown: { type: 'text/markdown', body: '# Rows\n\n| name |\n| --- |\n| a |\n| b |\n' },
};
const ROWS = [{ name: 'a' }, { name: 'b' }];

/** What the upstream sends: the good document, a cut one with junk, bytes that are not UTF-8, or bad front matter. */
type Mode = 'good' | 'cut' | 'bytes' | 'front-matter';
let mode: Mode = 'good';

function body(format: string): Buffer {
  const good = GOOD[format]!.body;
  if (mode === 'cut') return Buffer.from(`${good.slice(0, good.length / 2)}<<"\n"a,"b`);
  // 0xC3 starts a two-byte sequence that 0x28 does not continue.
  if (mode === 'bytes') return Buffer.concat([Buffer.from(good.slice(0, 20)), Buffer.from([0xc3, 0x28])]);
  if (mode === 'front-matter') return Buffer.from(`---\ntitle: [unclosed\n---\n${good}`);
  return Buffer.from(good);
}

let upstream: Server;
let running: RunningServer;
let client: Client;
let rest: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const format = (req.url ?? '/').split('/')[1] ?? '';
    if (!GOOD[format]) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': GOOD[format].type }).end(body(format));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { generated, out } = await generateInto(SPEC);
  running = await startGenerated(generated, out, {
    [generated.model.apis[0]!.baseUrlEnv]: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  });
  rest = running.urls['feeds-rest']!;
  client = new Client({ name: 'formats-malformed-test', version: '1.0.0' }, {});
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls['feeds-mcp']!)));
});

afterAll(async () => {
  await client?.close();
  await running?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
});

const viaRest = async (format: string) => {
  const res = await fetch(`${rest}/${format}`);
  return { status: res.status, body: (await res.json()) as unknown };
};

const viaMcp = async (format: string) => {
  const result = (await client.callTool({ name: `read-${format}`, arguments: {} })) as {
    isError?: boolean;
    content: { type: string; text: string }[];
  };
  return { isError: result.isError === true, text: result.content[0]!.text };
};

/** Serves `m` for the duration of `run`, then the good document again. */
async function serving<T>(m: Mode, run: () => Promise<T>): Promise<T> {
  mode = m;
  try {
    return await run();
  } finally {
    mode = 'good';
  }
}

const NAMES = { xml: 'XML', csv: 'CSV', yaml: 'YAML', html: 'HTML', markdown: 'Markdown' } as const;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each converted document has its own shape
const ROWS_IN: Record<keyof typeof NAMES, (doc: any) => unknown> = {
  xml: (doc) => doc.item,
  csv: (doc) => doc,
  yaml: (doc) => doc.items,
  html: (doc) => doc.tables[0],
  markdown: (doc) => doc.tables[0],
};

describe('malformed upstream documents', () => {
  it('maps every good document, over REST and MCP', async () => {
    for (const format of Object.keys(NAMES)) {
      expect(await viaRest(format), format).toEqual({ status: 200, body: ROWS });
      const mcp = await viaMcp(format);
      expect(mcp.isError, `${format}: ${mcp.text}`).toBe(false);
      // MCP returns the converted document itself: the rows sit where the REST mapping reads them.
      expect(ROWS_IN[format as keyof typeof NAMES](JSON.parse(mcp.text)), format).toEqual(ROWS);
    }
  });

  it.each([
    ['xml', 'cut'],
    ['csv', 'cut'],
    ['yaml', 'cut'],
    ['html', 'bytes'],
    ['markdown', 'bytes'],
    ['markdown', 'front-matter'],
  ] as const)(
    '%s (%s): a 502 and an isError naming the format, then the good one again',
    async (format, m) => {
      const name = format === 'markdown' && m === 'front-matter' ? 'Markdown front matter' : NAMES[format];
      const [restAnswer, mcpAnswer] = await serving(m, async () => [
        await viaRest(format),
        await viaMcp(format),
      ]);
      expect(restAnswer.status).toBe(502);
      expect((restAnswer.body as { message: string }).message).toContain(
        `the upstream answer is not valid ${name}:`,
      );
      expect(mcpAnswer.isError).toBe(true);
      expect(mcpAnswer.text).toContain(`the upstream answer is not valid ${name}:`);
      expect(await viaRest(format)).toEqual({ status: 200, body: ROWS });
      expect((await viaMcp(format)).isError).toBe(false);
    },
  );
});
