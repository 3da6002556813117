// Location and Link headers rewritten to the proxy's own routes (runtime/links.ts). The seed
// server runs on 127.0.0.1 in front of the fake Scaleway, which sends the real API's relative
// pagination `Link` and a create's absolute `Location`; each rewritten URL is then followed
// through the proxy, and what it returns is checked against the fake's own store. A recording
// upstream sends the URLs that must be left alone. The rewriter's parsing is checked directly.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, StartOptions } from '../out/instance-images/server.js';
import { LinkRewriter, type RouteUpstream } from '../runtime/links.js';
import { FAKE_SNAPSHOTS, type FakeScaleway, startFakeScaleway } from './fake/scaleway.js';
import { type Recorder, startRecorder } from './support/recorder.js';

const seedLog = (await import('../out/instance-images/runtime/log.js')) as { setLogLevel(l?: string): void };
const { start } = (await import('../out/instance-images/server.js')) as {
  start: (options?: StartOptions) => Promise<RunningServer>;
};

const ZONE = 'fr-par-1';
const ROUTE = `/v1/instance/v1/zones/${ZONE}/images`;

const startSeed = (baseUrl: string, apiKey: string) =>
  start({
    env: {
      SCALEWAY_API_KEY: apiKey,
      INSTANCE_IMAGES_BASE_URL: baseUrl,
      INSTANCE_IMAGES_REST_PORT: '0',
      INSTANCE_IMAGES_MCP_PORT: '0',
    },
  });

const get = async (url: string) => {
  const res = await request(url);
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    body: text === '' ? null : (JSON.parse(text) as unknown),
  };
};

/** `<a>; rel="next",<b>; rel="last"` → {next: a, last: b}. */
function rels(link: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of String(link).matchAll(/<([^>]*)>\s*;\s*rel="([^"]+)"/g)) out[m[2]!] = m[1]!;
  return out;
}

beforeAll(() => seedLog.setLogLevel('silent'));
afterAll(() => seedLog.setLogLevel(undefined));

describe('against the fake Scaleway', () => {
  let fake: FakeScaleway;
  let server: RunningServer;
  let rest: string;
  beforeAll(async () => {
    fake = await startFakeScaleway({ seedImages: 5, locationOrigin: 'self' });
    server = await startSeed(fake.url, fake.apiKey);
    rest = server.urls['instance-images-rest']!;
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it("rewrites the list's relative Link to the proxy's route; following `next` pages through every image once", async () => {
    const first = await get(`${rest}${ROUTE}?per_page=2`);
    expect(first.status).toBe(200);
    // What the fake itself sends (page 1 of 3), for comparison.
    const upstream = await request(`${fake.url}/instance/v1/zones/${ZONE}/images?per_page=2`, {
      headers: { 'x-auth-token': fake.apiKey },
    });
    await upstream.body.dump();
    expect(rels(upstream.headers.link)).toEqual({
      next: '/images?page=2&per_page=2&',
      last: '/images?page=3&per_page=2&',
    });
    expect(rels(first.headers.link)).toEqual({
      next: `${ROUTE}?page=2&per_page=2`,
      last: `${ROUTE}?page=3&per_page=2`,
    });
    const seen: string[] = [];
    let page: { headers: Record<string, unknown>; body: unknown } = first;
    for (;;) {
      seen.push(...(page.body as { images: { id: string }[] }).images.map((i) => i.id));
      const next = rels(page.headers.link).next;
      if (next === undefined) break;
      // A path-absolute reference, resolved against the address the caller used.
      const followed = await get(new URL(next, rest).href);
      expect(followed.status).toBe(200);
      page = followed;
    }
    expect(seen).toEqual(fake.images().map((i) => i.id));
    expect(seen).toHaveLength(5);
  });

  it("keeps the caller's filters in the rewritten Link, under the route's names", async () => {
    const res = await get(`${rest}${ROUTE}?per_page=1&name=seed-image-00&public=false`);
    expect(res.status).toBe(200);
    const { next, last } = rels(res.headers.link);
    expect(next).toBe(`${ROUTE}?page=2&per_page=1&name=seed-image-00&public=false`);
    expect(last).toBe(`${ROUTE}?page=5&per_page=1&name=seed-image-00&public=false`);
    const followed = await get(new URL(last!, rest).href);
    expect((followed.body as { images: { name: string }[] }).images.map((i) => i.name)).toEqual([
      fake.images()[4]!.name,
    ]);
  });

  it("rewrites a create's Location to the route that gets the image, which then answers it", async () => {
    const snapshot = FAKE_SNAPSHOTS[0]!;
    const res = await request(`${rest}${ROUTE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'linked', root_volume: snapshot, arch: 'x86_64' }),
    });
    const created = (await res.body.json()) as { image?: { id: string } };
    expect(res.statusCode, JSON.stringify(created)).toBe(201);
    const id = created.image!.id;
    expect(res.headers.location).toBe(`${ROUTE}/${id}`);
    const followed = await get(new URL(String(res.headers.location), rest).href);
    expect(followed.status).toBe(200);
    expect((followed.body as { image: { id: string; name: string } }).image).toMatchObject({
      id,
      name: 'linked',
    });
  });
});

describe('left alone', () => {
  let recorder: Recorder;
  let server: RunningServer;
  let rest: string;
  const KEY = '0a1b2c3d-0000-4000-8000-00000000abcd';
  beforeAll(async () => {
    recorder = await startRecorder();
    // A base URL with a path: only URLs under it point at the API the client calls.
    server = await startSeed(`${recorder.url}/api`, KEY);
    rest = server.urls['instance-images-rest']!;
  });
  afterAll(async () => {
    await server?.close();
    await recorder?.close();
  });

  const answering = async (headers: Record<string, string>) => {
    recorder.respond(() => ({ status: 200, headers, body: { images: [] } }));
    return get(`${rest}${ROUTE}?per_page=2`);
  };

  it('rewrites a URL under the base path, and no other', async () => {
    const under = `${recorder.url}/api/instance/v1/zones/${ZONE}/images/42`;
    expect((await answering({ location: under })).headers.location).toBe(`${ROUTE}/42`);
    const cases = [
      // another server
      `https://api.scaleway.com/instance/v1/zones/${ZONE}/images/42`,
      // the right server, outside the base path
      `${recorder.url}/instance/v1/zones/${ZONE}/images/42`,
      // a consumed path no route exposes
      `${recorder.url}/api/instance/v1/zones/${ZONE}/servers/42`,
      // a query parameter the route has no input for
      `${recorder.url}/api/instance/v1/zones/${ZONE}/images?page=2&color=blue`,
    ];
    for (const location of cases) expect((await answering({ location })).headers.location).toBe(location);
  });

  it('rewrites relative Link targets resolved against the request, leaves the others and every parameter', async () => {
    const link = [
      `<images?page=2&per_page=2>; rel="next"`,
      `<https://docs.example/paging>; rel="help"; title="a <b>, c"`,
      `</api/instance/v1/zones/${ZONE}/images/7>; rel="item"`,
      `</api/instance/v1/zones/${ZONE}/volumes>; rel="related"`,
    ].join(', ');
    const res = await answering({ link });
    expect(res.headers.link).toBe(
      [
        `<${ROUTE}?page=2&per_page=2>; rel="next"`,
        `<https://docs.example/paging>; rel="help"; title="a <b>, c"`,
        `<${ROUTE}/7>; rel="item"`,
        `</api/instance/v1/zones/${ZONE}/volumes>; rel="related"`,
      ].join(', '),
    );
  });
});

describe('LinkRewriter', () => {
  const routes: RouteUpstream[] = [
    {
      api: 'a',
      link: {
        path: '/things/{thing_id}',
        route: '/v2/things/{thing-id}',
        params: { thing_id: 'thing-id' },
        query: {},
      },
    },
    {
      api: 'a',
      link: {
        path: '/things',
        route: '/v2/things',
        params: {},
        query: { cursor: 'after', tag: 'tag' },
        own: ['api-version', 'key'],
      },
    },
    { api: 'a' },
  ];
  const links = new LinkRewriter(routes);
  const origin = { base: 'http://up.example/base', url: 'http://up.example/base/things?cursor=1' };

  it('decodes path values and encodes them again for the route', () => {
    expect(links.location('a', origin, 'http://up.example/base/things/a%2Fb%20c')).toBe(
      '/v2/things/a%2Fb%20c',
    );
  });

  it('renames query parameters, repeats arrays, drops the ones the call sets itself, keeps the fragment', () => {
    expect(links.location('a', origin, '/base/things?api-version=3&cursor=9&tag=x&tag=y&key=s#top')).toBe(
      '/v2/things?after=9&tag=x&tag=y#top',
    );
  });

  it('leaves another API, an unknown API and malformed values alone', () => {
    expect(links.location('b', origin, '/base/things/1')).toBe('/base/things/1');
    expect(links.location('a', origin, '/base/things/%E0%A4%A')).toBe('/base/things/%E0%A4%A');
    expect(links.location('a', { base: 'not a url', url: 'x' }, '/base/things/1')).toBe('/base/things/1');
    expect(links.link('a', origin, '<http://up.example/base/things/1; rel="x"')).toBe(
      '<http://up.example/base/things/1; rel="x"',
    );
  });
});
