// Calls against the fake Scaleway images API and the answers it must give, shared by
// test/fake/*.test.ts.
import { expect } from 'vitest';
import { FAKE_API_KEY, FAKE_SNAPSHOTS, type FakeScaleway } from '../fake/scaleway.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const API_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
export const IMAGE_KEYS = [
  'id',
  'name',
  'organization',
  'project',
  'root_volume',
  'extra_volumes',
  'public',
  'arch',
  'creation_date',
  'modification_date',
  'default_bootscript',
  'from_server',
  'state',
  'tags',
  'zone',
];
export const [SNAP_1, SNAP_2, SNAP_3] = FAKE_SNAPSHOTS as [string, string, string];
export const MISSING_ID = '11111111-2222-4333-8444-555555555555';

export interface Call {
  method?: string;
  body?: unknown;
  token?: string | null;
  zone?: string;
  signal?: AbortSignal;
}

/** Calls `/instance/v1/zones/{zone}{path}` on the given fake, authenticated unless `token: null`. */
export function callOn(fake: FakeScaleway, path: string, call: Call = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = call.token === undefined ? FAKE_API_KEY : call.token;
  if (token !== null) headers['X-Auth-Token'] = token;
  let body: string | undefined;
  if (call.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  }
  return fetch(`${fake.url}/instance/v1/zones/${call.zone ?? 'fr-par-1'}${path}`, {
    method: call.method ?? 'GET',
    headers,
    body,
    signal: call.signal,
  });
}

/** The headers every answer must carry, whatever the status. */
export function expectStandardHeaders(res: Response, bodyText: string): void {
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('x-request-id')).toMatch(UUID);
  expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(bodyText)));
}

/** An answer of the fake: status, parsed JSON, raw text and headers. */
export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, walked by path in assertions (a wrong path fails them)
  json: any;
  text: string;
  headers: Headers;
}

/** Reads the body, checks the standard headers, and returns status + parsed JSON + raw text. */
export async function read(res: Response): Promise<Answer> {
  const text = await res.text();
  expectStandardHeaders(res, text);
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text), text, headers: res.headers };
}

export const notFoundBody = (id: string, resource = 'instance_image') =>
  `{"type": "not_found", "message": "resource is not found", "resource": "${resource}", "resource_id": "${id}"}`;

export const invalidArgs = (details: { argument_name: string; reason: string; help_message: string }[]) => ({
  type: 'invalid_arguments',
  message: 'invalid argument(s)',
  details,
});

/** Creates an image on `fake` (a valid body, overridden by `body`) and returns it. */
export async function createOn(fake: FakeScaleway, body: Record<string, unknown> = {}, zone?: string) {
  const res = await read(
    await callOn(fake, '/images', {
      method: 'POST',
      zone,
      body: { name: 'img', root_volume: SNAP_1, arch: 'x86_64', ...body },
    }),
  );
  expect(res.status).toBe(201);
  return res.json.image;
}
