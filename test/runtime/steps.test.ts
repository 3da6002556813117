// runtime/steps.ts on its own: the helpers generated mocks and orchestrations call.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ApiResponse, RequestError, StepError, UpstreamError } from '../../runtime/http.js';
import { answer, callStep, field, group, lookup, mapped } from '../../runtime/steps.js';

const json = (status: number, body: unknown) =>
  new ApiResponse(status, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));

describe('answer', () => {
  it('is a 200 JSON answer of the value, or a 204 with no body for no value', async () => {
    const ok = await answer({ a: [1] });
    expect([ok.status, ok.contentType, ok.body]).toEqual([200, 'application/json', { a: [1] }]);
    const none = await answer(undefined);
    expect([none.status, none.raw.length]).toEqual([204, 0]);
  });
});

describe('callStep', () => {
  it('keeps the JSON answer as the output', async () => {
    const r = await callStep('s', Promise.resolve(json(200, { x: 1 })));
    expect(r.output).toEqual({ x: 1 });
  });

  it('projects an object answer onto the named fields', async () => {
    const r = await callStep('s', Promise.resolve(json(200, { a: { b: 2 }, c: 3 })), [
      ['ab', ['a', 'b']],
      ['none', ['zz']],
    ]);
    expect(r.output).toEqual({ ab: 2, none: null });
  });

  it('adds the projected fields to each element of an array answer', async () => {
    const r = await callStep('s', Promise.resolve(json(200, [{ imo_number: 'I1', n: 1 }, 'text'])), [
      ['imo-number', ['imo_number']],
    ]);
    expect(r.output).toEqual([{ imo_number: 'I1', n: 1, 'imo-number': 'I1' }, {}]);
  });

  it('fails with a StepError naming the step on an error status, keeping the answer', async () => {
    const err = (await callStep('get-ship', Promise.resolve(json(404, { m: 1 }))).catch(
      (e) => e,
    )) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.message).toBe('step "get-ship": upstream answered 404');
    expect('response' in err.failure && err.failure.response.status).toBe(404);
  });

  it('fails with a StepError carrying the cause when the call cannot be made', async () => {
    for (const cause of [
      new RequestError('missing "imo"', 'imo'),
      new UpstreamError('timed out', 'timeout'),
    ]) {
      const err = (await callStep('s', Promise.reject(cause)).catch((e) => e)) as StepError;
      expect(err.message).toBe(`step "s": ${cause.message}`);
      expect('cause' in err.failure && err.failure.cause).toBe(cause);
    }
  });

  it('lets other errors through unchanged', async () => {
    const bug = new TypeError('bug');
    await expect(callStep('s', Promise.reject(bug))).rejects.toBe(bug);
  });
});

describe('field', () => {
  it('navigates dotted keys, undefined when one is missing, null kept', () => {
    const out = { a: { b: [1, 2], n: null } };
    expect(field(out, ['a', 'b'])).toEqual([1, 2]);
    expect(field(out, ['a', 'n'])).toBeNull();
    expect(field(out, ['a', 'x', 'y'])).toBeUndefined();
    expect(field('text', ['a'])).toBeUndefined();
  });
});

describe('lookup', () => {
  const rows = [
    { id: 'C1', name: 'Ann', role: 'master' },
    { id: 2, name: 'Bo' },
    { id: 'C1', name: 'Ann again' },
  ];

  it('gives the first matching row of one value, with only the fields asked for', () => {
    expect(lookup(rows, 'id', 'C1', ['name'])).toEqual({ name: 'Ann' });
  });

  it('compares as text, so a number matches its digits', () => {
    expect(lookup(rows, 'id', '2', ['name', 'role'])).toEqual({ name: 'Bo', role: null });
    expect(lookup(rows, 'id', 2, ['name'])).toEqual({ name: 'Bo' });
  });

  it('gives the matches of each value of an array in order, skipping values with no row', () => {
    expect(lookup(rows, 'id', [2, 'C9', 'C1'], ['name'])).toEqual([{ name: 'Bo' }, { name: 'Ann' }]);
  });

  it('gives undefined when nothing matches', () => {
    expect(lookup(rows, 'id', ['C9'], ['name'])).toBeUndefined();
    expect(lookup(rows, 'id', 'C9', ['name'])).toBeUndefined();
    expect(lookup(rows, 'id', undefined, ['name'])).toBeUndefined();
    expect(lookup(null, 'id', 'C1', ['name'])).toBeUndefined();
  });

  it('searches a single object as a one-row index', () => {
    expect(lookup({ id: 'x', v: 1 }, 'id', 'x', ['v'])).toEqual({ v: 1 });
  });
});

describe('mapped and group', () => {
  it('answers the mapped object when something resolved', async () => {
    const res = await mapped({ a: 1, b: undefined }, undefined);
    expect(res.body).toEqual({ a: 1 });
  });

  it('falls back to the last call step when nothing resolved', async () => {
    const last = await callStep('s', Promise.resolve(json(200, { raw: true })));
    const res = await mapped({ a: undefined, g: group({ x: undefined }) }, last);
    expect(res).toBe(last.response);
  });

  it('keeps a null that resolved', async () => {
    const last = await callStep('s', Promise.resolve(json(200, {})));
    expect((await mapped({ a: null }, last)).body).toEqual({ a: null });
  });

  it('leaves out a group none of whose fields resolved', () => {
    expect(group({ x: undefined, y: undefined })).toBeUndefined();
    expect(group({ x: undefined, y: 0 })).toEqual({ x: undefined, y: 0 });
  });
});
