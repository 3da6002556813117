// End to end: a key the upstream refuses, and paging through 120 images.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../support/e2e-stack.js';
import {
  expectKeyOnEveryUpstreamCall,
  expectRelayed,
  ids,
  SNAP_1,
  startStack,
  WRONG_KEY,
  ZONE,
} from '../support/e2e-stack.js';

describe('a server started with a key the upstream refuses', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ seedImages: 2, key: WRONG_KEY });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('relays 401 denied_authentication over REST and MCP, and shows the key to nobody', async () => {
    const before = stack.fake.requests.length;

    const listed = await stack.rest('');
    expect(listed.status).toBe(401);
    expectRelayed(stack, listed);
    expect(listed.text).toBe(
      '{"message":"authentication is denied","method":"api_key","reason":"not_found","type":"denied_authentication"}',
    );

    const created = await stack.rest('', { method: 'POST', body: { arch: 'x86_64', root_volume: SNAP_1 } });
    expect(created.status).toBe(401);
    expectRelayed(stack, created);

    const tool = await stack.tool('list-instance-images', { zone: ZONE });
    expect(tool.isError).toBe(true);
    expect(tool.text).toContain('401');
    expect(tool.text).toContain('authentication is denied');
    expect(tool.text).toContain('denied_authentication');

    // The (wrong) key did travel upstream, on every call, and nothing was created.
    expectKeyOnEveryUpstreamCall(stack, before, 3);
    expect(stack.fake.images()).toHaveLength(2);
    for (const seen of stack.seen) expect(seen).not.toContain(WRONG_KEY);
  });
});

// ---------------------------------------------------------------------------------------------
// Pagination over 120 images.
// ---------------------------------------------------------------------------------------------

describe('paging through 120 images', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ seedImages: 120 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const expected = Array.from(
    { length: 120 },
    (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
  );

  it('collects every id exactly once over REST, using X-Total-Count', async () => {
    const before = stack.fake.requests.length;
    const collected: string[] = [];
    const perPage = 50;
    let total = Infinity;
    let pages = 0;
    for (let page = 1; (page - 1) * perPage < total; page++) {
      const res = await stack.rest(`?page=${page}&per_page=${perPage}`);
      expect(res.status).toBe(200);
      expectRelayed(stack, res);
      total = Number(res.headers.get('x-total-count'));
      expect(total).toBe(120);
      collected.push(...ids(res.json));
      pages++;
    }
    expect(pages).toBe(3);
    expect(collected).toHaveLength(120);
    expect(new Set(collected).size).toBe(120);
    expect([...collected].sort()).toEqual(expected);
    expectKeyOnEveryUpstreamCall(stack, before, 3);
    expect(stack.fake.requests.slice(before).map((r) => r.query.raw)).toEqual([
      'per_page=50&page=1',
      'per_page=50&page=2',
      'per_page=50&page=3',
    ]);
  });

  it('collects every id exactly once over MCP, until a short page', async () => {
    const before = stack.fake.requests.length;
    const collected: string[] = [];
    const perPage = 32;
    let page = 1;
    for (;;) {
      const res = await stack.tool('list-instance-images', {
        zone: ZONE,
        page: String(page),
        per_page: perPage,
      });
      expect(res.isError).toBe(false);
      const batch = ids(res.structured);
      collected.push(...batch);
      if (batch.length < perPage) break;
      page++;
      expect(page).toBeLessThan(10);
    }
    expect(page).toBe(4); // 32 + 32 + 32 + 24
    expect(collected).toHaveLength(120);
    expect(new Set(collected).size).toBe(120);
    expect([...collected].sort()).toEqual(expected);
    expectKeyOnEveryUpstreamCall(stack, before, 4);
  });
});
