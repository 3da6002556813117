/**
 * `--openapi` on three real corpus capabilities, each paired with its provider's description:
 * Stripe and Twilio through small excerpts written for these tests (test/fixtures/openapi/providers),
 * Scaleway through its whole published document (read in place from ../shared). Each shows one
 * case: operations the document has are typed (matched), operations it lacks keep their declared
 * types with one located note each (unmatched), and a declared type the document contradicts is
 * kept with a located warning (conflicting). The generated servers run on real sockets against a
 * recording upstream and are called with fetch and the official MCP client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../generator/diagnostics.js';
import { inspector } from './support/inspector.js';
import { type Recorder, startRecorder } from './support/recorder.js';
import { type Started, typedCapability, type TypedSeed } from './support/typed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORPUS = join(ROOT, '../shared/corpus');
const EXCERPTS = join(ROOT, 'test/fixtures/openapi/providers');

interface Tool {
  name: string;
  inputSchema: { properties: Record<string, Record<string, unknown>>; required?: string[] };
  outputSchema?: { type: string; properties?: Record<string, Record<string, unknown>> };
}

interface Provider {
  spec: string;
  typed: TypedSeed;
  recorder: Recorder;
  running: Started;
  tools: Tool[];
  lines: string[];
  coded(code: string): Diagnostic[];
}

/** Generates one corpus spec with its documents, starts it against a recorder, lists its tools. */
async function provider(
  spec: string,
  openapi: Record<string, string>,
  env: (upstream: string) => Record<string, string>,
  mcp: string,
): Promise<Provider> {
  const file = spec.startsWith('/') ? spec : join(CORPUS, spec);
  const typed = await typedCapability(file, openapi);
  typed.setLogLevel('silent');
  const recorder = await startRecorder();
  const running = await typed.start({ env: env(recorder.url) });
  const client = new Client({ name: 'capgen-providers-test', version: '1.0.0' }, {});
  await client.connect(new StreamableHTTPClientTransport(new URL(running.urls[mcp]!)));
  const tools = (await client.listTools()).tools as unknown as Tool[];
  await client.close();
  return {
    spec: file,
    typed,
    recorder,
    running,
    tools,
    lines: readFileSync(file, 'utf8').split('\n'),
    coded: (code) => typed.generated.diagnostics.filter((d) => d.code === code),
  };
}

const started: Provider[] = [];
afterAll(async () => {
  for (const p of started) {
    await p.running.close();
    await p.recorder.close();
    p.typed.remove();
  }
});

const tool = (p: Provider, name: string): Tool => {
  const found = p.tools.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name} in ${p.tools.map((t) => t.name).join(', ')}`);
  return found;
};

describe('Stripe (corpus stripe/subscription-billing.yaml + an excerpt of four operations)', () => {
  let stripe: Provider;
  let rest: string;
  beforeAll(async () => {
    const excerpt = join(EXCERPTS, 'stripe.yaml');
    stripe = await provider(
      'stripe/subscription-billing.yaml',
      // stripe-billing is left unpaired: it must keep today's types and get no notes.
      { 'stripe-customers': excerpt, 'stripe-invoices': excerpt },
      (upstream) => ({
        STRIPE_API_KEY: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
        STRIPE_CUSTOMERS_BASE_URL: upstream,
        STRIPE_INVOICES_BASE_URL: upstream,
        STRIPE_BILLING_BASE_URL: upstream,
        STRIPE_SUBSCRIPTION_BILLING_API_PORT: '0',
        STRIPE_SUBSCRIPTION_BILLING_MCP_PORT: '0',
      }),
      'stripe-subscription-billing-mcp',
    );
    started.push(stripe);
    rest = stripe.running.urls['stripe-subscription-billing-api']!;
  }, 300_000);

  it('each operation the excerpt lacks gets one note at its own line; unpaired namespaces get none', () => {
    const notes = stripe.coded('openapi-unmatched');
    const unmatched = [
      ['create-customer', 'POST /v1/customers'],
      ['search-customers', 'GET /v1/customers/search'],
      ['update-customer', 'POST /v1/customers/{customer}'],
      ['delete-customer', 'DELETE /v1/customers/{customer}'],
      ['list-customer-payment-methods', 'GET /v1/customers/{customer}/payment_methods'],
      ['create-invoice', 'POST /v1/invoices'],
      ['finalize-invoice', 'POST /v1/invoices/{invoice}/finalize'],
      ['pay-invoice', 'POST /v1/invoices/{invoice}/pay'],
      ['send-invoice', 'POST /v1/invoices/{invoice}/send'],
      ['void-invoice', 'POST /v1/invoices/{invoice}/void'],
    ];
    expect(notes.map((d) => d.message)).toEqual(
      unmatched.map(
        ([name, op]) =>
          `${join(EXCERPTS, 'stripe.yaml')} has no operation ${op}; "${name}" keeps the types the capability declares`,
      ),
    );
    for (const [i, d] of notes.entries()) {
      expect(d.severity).toBe('note');
      expect(d.file).toBe(stripe.spec);
      expect(stripe.lines[d.line - 1]).toBe(`      - name: ${unmatched[i]![0]}`);
    }
    expect(stripe.coded('openapi-conflict')).toEqual([]);
    // The unmatched and unpaired operations keep untyped answers.
    const client = stripe.typed.generated.files.get('client.ts')!;
    expect(client).toMatch(/searchCustomers\([^)]*\): Promise<ApiResponse>/);
    expect(client).toMatch(/createPortalSession\([^)]*\): Promise<ApiResponse>/);
  });

  it('matched operations take the answer types, enums and descriptions of the excerpt', () => {
    const client = stripe.typed.generated.files.get('client.ts')!;
    expect(client).toMatch(/listCustomers\([^)]*\): Promise<ApiResponse<CustomerResourceCustomerList>>/);
    expect(client).toMatch(/getCustomer\([^)]*\): Promise<ApiResponse<Customer \| DeletedCustomer>>/);
    expect(client).toMatch(/getInvoice\([^)]*\): Promise<ApiResponse<Invoice>>/);
    expect(client).toMatch(/status\?: 'draft' \| 'open' \| 'paid' \| 'uncollectible' \| 'void'/);

    const invoices = tool(stripe, 'list-invoices').inputSchema.properties;
    expect(invoices.status).toMatchObject({
      type: 'string',
      enum: ['draft', 'open', 'paid', 'uncollectible', 'void'],
    });
    expect(invoices.customer).toMatchObject({ type: 'string', maxLength: 5000 });
    // The capability describes its parameters itself, and its words win over the document's.
    expect(invoices.limit!.description).toBe('Max items to return');
    expect(invoices.status!.description).toBe('Filter by status (draft, open, paid, uncollectible, void)');
    const customers = tool(stripe, 'list-customers').inputSchema.properties;
    expect(customers.email).toMatchObject({ type: 'string', maxLength: 512 });

    const listed = tool(stripe, 'list-invoices').outputSchema!;
    expect(Object.keys(listed.properties!)).toEqual(['data', 'has_more', 'object', 'url']);
    // An answer that is anyOf at its root is wrapped, so structured content stays an object.
    const customer = tool(stripe, 'get-customer').outputSchema!;
    expect(customer.type).toBe('object');
    expect(Object.keys(customer.properties!)).toEqual(['result']);
    expect(JSON.stringify(stripe.tools)).not.toContain('$ref');
  });

  it('the MCP Inspector CLI tools/list --strict accepts the typed tools (anyOf answer included)', async () => {
    const result = await inspector(stripe.running.urls['stripe-subscription-billing-mcp']!, [
      '--method',
      'tools/list',
      '--strict',
      '--format',
      'json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as { result: { tools: { name: string }[] } };
    expect(listed.result.tools.map((t) => t.name)).toEqual(stripe.tools.map((t) => t.name));
  }, 120_000);

  it('REST refuses a status outside the enum before any upstream call, and forwards a good one', async () => {
    const before = stripe.recorder.requests.length;
    const bad = await fetch(`${rest}/v1/invoices?status=overdue`);
    expect(bad.status).toBe(400);
    const error = (await bad.json()) as { message: string };
    expect(error.message).toContain('status');
    expect(stripe.recorder.requests.length).toBe(before);

    const page = { data: [], has_more: false, object: 'list', url: '/v1/invoices' };
    stripe.recorder.respond(() => ({ status: 200, body: page }));
    const good = await fetch(`${rest}/v1/invoices?status=paid&limit=3`);
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual(page);
    const sent = stripe.recorder.last();
    expect(sent.path).toBe('/v1/invoices');
    expect(sent.query).toEqual(
      expect.arrayContaining([
        ['status', 'paid'],
        ['limit', '3'],
      ]),
    );
  });
});

describe('Twilio (corpus twilio/identity-and-fraud-prevention.yaml + Lookup and Verify excerpts)', () => {
  let twilio: Provider;
  beforeAll(async () => {
    twilio = await provider(
      'twilio/identity-and-fraud-prevention.yaml',
      {
        'twilio-lookup': join(EXCERPTS, 'twilio-lookups.yaml'),
        'twilio-verify': join(EXCERPTS, 'twilio-verify.yaml'),
      },
      (upstream) => ({
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
        TWILIO_LOOKUP_BASE_URL: `${upstream}/v2`,
        TWILIO_VERIFY_BASE_URL: `${upstream}/v2`,
        TWILIO_IDENTITY_API_PORT: '0',
        TWILIO_IDENTITY_MCP_PORT: '0',
      }),
      'twilio-identity-mcp',
    );
    started.push(twilio);
  }, 300_000);

  it('the spec calls a GET on the verification collection, which Twilio does not have: one located note', () => {
    const notes = twilio.coded('openapi-unmatched');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.message).toBe(
      `${join(EXCERPTS, 'twilio-verify.yaml')} has no operation GET /v2/Services/{ServiceSid}/Verifications; "fetch-verification" keeps the types the capability declares`,
    );
    expect(twilio.lines[notes[0]!.line - 1]).toBe('      - name: fetch-verification');
    expect(twilio.coded('openapi-conflict')).toEqual([]);
  });

  it('the lookup (through the /v2 base path) is typed, and its MCP call answers the typed fields', async () => {
    const lookup = tool(twilio, 'lookup-phone-number');
    expect(Object.keys(lookup.outputSchema!.properties!)).toEqual([
      'calling_country_code',
      'country_code',
      'phone_number',
      'national_format',
      'valid',
      'validation_errors',
      'url',
    ]);
    // Answers are described, not enforced (docs/openapi.md): the enum moves into the description.
    const errors = lookup.outputSchema!.properties!.validation_errors as {
      type: string[];
      items: { type: string[]; enum?: unknown; description: string };
    };
    expect(errors.type).toEqual(['array', 'null']);
    expect(errors.items.enum).toBeUndefined();
    expect(errors.items.description).toContain('"INVALID_COUNTRY_CODE"');

    const answer = { phone_number: '+14155552671', valid: true, validation_errors: [], country_code: 'US' };
    twilio.recorder.respond(() => ({ status: 200, body: answer }));
    const client = new Client({ name: 'capgen-providers-test', version: '1.0.0' }, {});
    await client.connect(
      new StreamableHTTPClientTransport(new URL(twilio.running.urls['twilio-identity-mcp']!)),
    );
    const result = await client.callTool({
      name: 'lookup-phone-number',
      arguments: { phone_number: '+14155552671' },
    });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual(answer);
    const sent = twilio.recorder.last();
    expect(sent.path).toBe('/v2/PhoneNumbers/%2B14155552671');
    expect(sent.headers.authorization).toMatch(/^Basic /);
  });
});

describe('Scaleway (corpus scaleway/instance-instance-types.yaml + the whole Instance API document)', () => {
  let scaleway: Provider;
  let rest: string;
  const ZONES = ['fr-par-1', 'fr-par-2', 'fr-par-3', 'nl-ams-1', 'nl-ams-2', 'nl-ams-3'];
  beforeAll(async () => {
    scaleway = await provider(
      'scaleway/instance-instance-types.yaml',
      { 'instance-instance-types': join(ROOT, '../shared/scaleway/instance-v1.openapi.yaml') },
      (upstream) => ({
        SCALEWAY_API_KEY: '3f1c2b4a-5d6e-4f70-8192-a3b4c5d6e7f8',
        INSTANCE_INSTANCE_TYPES_BASE_URL: upstream,
        INSTANCE_INSTANCE_TYPES_REST_PORT: '0',
        INSTANCE_INSTANCE_TYPES_MCP_PORT: '0',
      }),
      'instance-instance-types-mcp',
    );
    started.push(scaleway);
    rest = scaleway.running.urls['instance-instance-types-rest']!;
  }, 300_000);

  it('"page" declared string where Scaleway says integer: one warning at its `type`, and string is kept', () => {
    const conflicts = scaleway.coded('openapi-conflict');
    expect(conflicts).toHaveLength(1);
    const [conflict] = conflicts;
    expect(conflict!.severity).toBe('warning');
    expect(conflict!.message).toMatch(
      /^"page" is declared string but .* \(GET \/instance\/v1\/zones\/\{zone\}\/products\/servers\) says integer/,
    );
    expect(conflict!.line).toBe(44);
    expect(scaleway.lines[43]).toBe('          type: string');
    expect(scaleway.coded('openapi-unmatched')).toEqual([]);

    // The conflicting operation keeps a string page; the other one, declared integer, is typed.
    expect(tool(scaleway, 'list-instance-types').inputSchema.properties.page).toMatchObject({
      type: 'string',
    });
    expect(tool(scaleway, 'get-availability').inputSchema.properties.page).toMatchObject({
      type: 'integer',
      minimum: -2147483648,
      maximum: 2147483647,
    });
  });

  it('the zone takes Scaleway enum, and REST refuses an unknown zone before any upstream call', async () => {
    const zone = tool(scaleway, 'list-instance-types').inputSchema.properties.zone!;
    expect(zone.enum).toEqual(expect.arrayContaining(ZONES));
    const before = scaleway.recorder.requests.length;
    const bad = await fetch(`${rest}/v1/instance/v1/zones/mars-1/products/servers`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('zone');
    expect(scaleway.recorder.requests.length).toBe(before);

    scaleway.recorder.respond(() => ({ status: 200, body: { servers: {}, total_count: 0 } }));
    const good = await fetch(`${rest}/v1/instance/v1/zones/fr-par-2/products/servers?page=2`);
    expect(good.status).toBe(200);
    expect(scaleway.recorder.last().url).toBe('/instance/v1/zones/fr-par-2/products/servers?page=2');
  });
});

describe('a mapped output narrows the answer type (a spec of our own over the Stripe excerpt)', () => {
  let mapped: Provider;
  beforeAll(async () => {
    mapped = await provider(
      join(EXCERPTS, 'stripe-mapped.yaml'),
      { stripe: join(EXCERPTS, 'stripe.yaml') },
      (upstream) => ({
        STRIPE_API_KEY: 'sk_test_26PHem9AhJZvU623DfE1x4sd',
        STRIPE_BASE_URL: upstream,
        EMAILS_PORT: '0',
      }),
      'emails',
    );
    started.push(mapped);
  }, 300_000);

  it('the tool describes only the mapped fields, each with the type of the field it reads', () => {
    const emails = tool(mapped, 'customer-emails');
    expect(emails.outputSchema).toEqual({
      type: 'object',
      properties: {
        customers: {
          type: ['array', 'null'],
          items: {
            type: ['object', 'null'],
            properties: {
              id: { type: ['string', 'null'] },
              created: { type: ['integer', 'null'] },
              email: { type: ['string', 'null'] },
            },
            additionalProperties: true,
          },
        },
        more: { type: ['boolean', 'null'] },
      },
      additionalProperties: true,
    });
    // The capability does not describe `limit`, so Stripe's description fills the gap.
    expect(emails.inputSchema.properties.limit!.description).toMatch(/^A limit on the number of objects/);
  });

  it('the mapped answer passes the official client output validation', async () => {
    mapped.recorder.respond(() => ({
      status: 200,
      body: {
        object: 'list',
        url: '/v1/customers',
        has_more: true,
        data: [
          { id: 'cus_1', object: 'customer', created: 1700000000, email: 'a@example.com', livemode: false },
          { id: 'cus_2', object: 'customer', created: 1700000001, email: null, livemode: false },
        ],
      },
    }));
    const client = new Client({ name: 'capgen-providers-test', version: '1.0.0' }, {});
    await client.connect(new StreamableHTTPClientTransport(new URL(mapped.running.urls.emails!)));
    await client.listTools(); // the client validates structured content against the listed schema
    const result = await client.callTool({ name: 'customer-emails', arguments: { limit: 2 } });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      customers: [
        { id: 'cus_1', created: 1700000000, email: 'a@example.com' },
        { id: 'cus_2', created: 1700000001, email: null },
      ],
      more: true,
    });
    expect(mapped.recorder.last().url).toBe('/v1/customers?limit=2');
  });
});
