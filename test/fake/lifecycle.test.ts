// The Scaleway images fake: paging over seeded images, its options, close() and the standalone
// process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOn, expectStandardHeaders } from '../support/fake-calls.js';
import { portIsFree } from '../support/ports.js';
import { FAKE_API_KEY, type FakeScaleway, startFakeScaleway } from './scaleway.js';

describe('pagination over 120 seeded images', () => {
  let fake: FakeScaleway;
  const list = async (query: string) => {
    const res = await callOn(fake, `/images${query}`);
    const text = await res.text();
    expectStandardHeaders(res, text);
    expect(res.status).toBe(200);
    const images = JSON.parse(text).images as { id: string; name: string }[];
    return {
      names: images.map((i) => i.name),
      ids: images.map((i) => i.id),
      total: res.headers.get('x-total-count'),
      link: res.headers.get('link'),
    };
  };

  beforeAll(async () => {
    fake = await startFakeScaleway({ seedImages: 120 });
  });
  afterAll(() => fake.close());

  it('seeds are deterministic private images', async () => {
    const images = fake.images();
    expect(images).toHaveLength(120);
    expect(images[0]).toMatchObject({
      id: '00000000-0000-4000-8000-000000000001',
      name: 'seed-image-001',
      public: false,
      creation_date: '2025-01-01T00:00:00.000000+00:00',
    });
    expect(images[119]!.name).toBe('seed-image-120');
    expect(images[119]!.id).toBe('00000000-0000-4000-8000-000000000120');
  });

  it('first page uses per_page 50 by default', async () => {
    const page = await list('');
    expect(page.names).toHaveLength(50);
    expect(page.names[0]).toBe('seed-image-001');
    expect(page.total).toBe('120');
    expect(page.link).toBe(
      '</images?page=2&per_page=50&>; rel="next",</images?page=3&per_page=50&>; rel="last"',
    );
  });

  it('middle page: first, previous, next and last links', async () => {
    const page = await list('?page=2&per_page=50&public=false');
    expect(page.names).toHaveLength(50);
    expect(page.names[0]).toBe('seed-image-051');
    expect(page.names[49]).toBe('seed-image-100');
    expect(page.total).toBe('120');
    expect(page.link).toBe(
      [
        '</images?page=1&per_page=50&public=false>; rel="first"',
        '</images?page=1&per_page=50&public=false>; rel="previous"',
        '</images?page=3&per_page=50&public=false>; rel="next"',
        '</images?page=3&per_page=50&public=false>; rel="last"',
      ].join(','),
    );
  });

  it('last page holds the remainder; past the end is empty', async () => {
    const last = await list('?page=3');
    expect(last.names).toEqual(Array.from({ length: 20 }, (_, i) => `seed-image-${101 + i}`));
    expect(last.link).toBe(
      '</images?page=1&per_page=50&>; rel="first",</images?page=2&per_page=50&>; rel="previous",</images?page=3&per_page=50&>; rel="last"',
    );
    const beyond = await list('?page=9');
    expect(beyond.names).toEqual([]);
    expect(beyond.total).toBe('120');
    expect(beyond.link).toContain('</images?page=3&per_page=50&>; rel="previous"');
  });

  it('walking every page with per_page 7 visits each image once', async () => {
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const { ids, total } = await list(`?per_page=7&page=${page}`);
      expect(total).toBe('120');
      if (ids.length === 0) break;
      seen.push(...ids);
    }
    expect(seen).toEqual(fake.images().map((i) => i.id));
  });

  it('an empty result has X-Total-Count 0 and a page=0 last link', async () => {
    const empty = await list('?name=nomatch');
    expect(empty.names).toEqual([]);
    expect(empty.total).toBe('0');
    expect(empty.link).toBe('</images?page=0&per_page=50&name=nomatch>; rel="last"');
  });

  it('reset() restores the seeds', async () => {
    const first = fake.images()[0]!;
    await callOn(fake, `/images/${first.id}`, { method: 'DELETE' });
    expect(fake.images()).toHaveLength(119);
    fake.reset();
    expect(fake.images()).toHaveLength(120);
    expect(fake.images()[0]).toEqual(first);
  });
});

describe('options and lifecycle', () => {
  it('honours apiKeys, snapshots and an injected clock', async () => {
    const key = '99999999-8888-4777-8666-555555555555';
    const snapshot = '44444444-3333-4222-8111-000000000000';
    const fake = await startFakeScaleway({
      apiKeys: [key],
      snapshots: [snapshot],
      now: () => new Date('2030-01-02T03:04:05.678Z'),
    });
    try {
      expect(fake.apiKey).toBe(key);
      expect((await callOn(fake, '/images')).status).toBe(401); // FAKE_API_KEY is not accepted here
      const res = await callOn(fake, '/images', {
        token: key,
        method: 'POST',
        body: { root_volume: snapshot, arch: 'arm64' },
      });
      const image = ((await res.json()) as { image: { id: string; creation_date: string } }).image;
      expect(image.creation_date).toBe('2030-01-02T03:04:05.678000+00:00');
      // Frozen clock: the PATCH still moves modification_date, by one microsecond.
      const patched = await callOn(fake, `/images/${image.id}`, {
        token: key,
        method: 'PATCH',
        body: { public: true },
      });
      expect(
        ((await patched.json()) as { image: { modification_date: string } }).image.modification_date,
      ).toBe('2030-01-02T03:04:05.678001+00:00');
    } finally {
      await fake.close();
    }
  });

  it('rejects non-UUID keys or snapshots at start', async () => {
    await expect(startFakeScaleway({ apiKeys: ['secret'] })).rejects.toThrow(/not a UUID/);
    await expect(startFakeScaleway({ snapshots: ['snap'] })).rejects.toThrow(/not a UUID/);
  });

  it('close() frees the port, even with keep-alive and hung connections open', async () => {
    const fake = await startFakeScaleway();
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
    await (await callOn(fake, '/images')).text(); // leaves a keep-alive socket behind
    fake.faults.hang = true;
    const hung = callOn(fake, '/images').then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 100));
    // close() resolves although a request never answers: it does not wait for it.
    await fake.close();
    expect(await hung).toBe('failed');
    await expect(fetch(`${fake.url}/instance/v1/zones/fr-par-1/images`)).rejects.toThrow();

    // Something else can now listen on the same port.
    expect(await portIsFree(fake.port)).toBe(true);
  });

  it('runs standalone: prints its URL and key, serves, and exits cleanly on SIGTERM', async () => {
    const script = fileURLToPath(new URL('./scaleway.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0', '--seed', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (out.split('\n').length > 2) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const [urlLine, keyLine] = out.trim().split('\n');
      expect(urlLine).toMatch(/^SCW_API_URL=http:\/\/127\.0\.0\.1:\d+$/);
      expect(keyLine).toBe(`SCW_SECRET_KEY=${FAKE_API_KEY}`);
      const url = urlLine!.slice('SCW_API_URL='.length);
      const res = await fetch(`${url}/instance/v1/zones/fr-par-1/images`, {
        headers: { 'X-Auth-Token': FAKE_API_KEY },
      });
      expect(res.headers.get('x-total-count')).toBe('2');
      await res.text();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
