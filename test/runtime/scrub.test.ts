// Credential scrubbing (runtime/scrub.ts): which forms of a credential are searched, and that a
// body without one comes back as the same buffer (the hot path allocates nothing).
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { REDACTED, Scrubber, secretForms } from '../../runtime/scrub.js';

describe('secretForms', () => {
  it('takes header and query values, the bearer token, the basic base64 and password', () => {
    const basic = Buffer.from('alice:pa ss/wörd').toString('base64');
    const forms = secretForms({
      headers: {
        'x-auth-token': 'key-123456',
        authorization: `Basic ${basic}`,
        'x-other': 'Bearer tok-98765',
      },
      query: [
        ['api_key', 'q&k=1'],
        ['n', 42],
      ],
    });
    for (const form of [
      'key-123456',
      basic,
      'alice:pa ss/wörd',
      'pa ss/wörd',
      encodeURIComponent('pa ss/wörd'),
      'tok-98765',
      'Bearer tok-98765',
      'q&k=1',
      encodeURIComponent('q&k=1'),
    ]) {
      expect(forms).toContain(form);
    }
    // Too short to search without mangling ordinary answers.
    expect(forms).not.toContain('42');
    expect([...forms].sort((a, b) => b.length - a.length)).toEqual(forms);
  });

  it('JSON-escaped forms of values with quotes or backslashes', () => {
    expect(secretForms({ headers: { k: 'a"b\\c-secret' } })).toContain('a\\"b\\\\c-secret');
  });
});

describe('Scrubber', () => {
  const scrubber = new Scrubber(
    secretForms({ headers: { 'x-auth-token': 'SECRET-0123' }, query: [['key', 'qsecret']] }),
  );

  it('replaces every occurrence in a buffer, keeping the rest byte for byte', () => {
    const raw = Buffer.from(
      '{"h":{"x-auth-token":"SECRET-0123"},"u":"/x?key=qsecret","again":"SECRET-0123é"}',
    );
    expect(scrubber.buffer(raw).toString()).toBe(
      `{"h":{"x-auth-token":"${REDACTED}"},"u":"/x?key=${REDACTED}","again":"${REDACTED}é"}`,
    );
  });

  it('returns the same buffer when no secret occurs', () => {
    const raw = Buffer.from('{"images":[]}');
    expect(scrubber.buffer(raw)).toBe(raw);
  });

  it('scrubs header values, single and repeated, and leaves clean headers as they are', () => {
    const clean = { 'content-type': 'application/json' };
    expect(scrubber.headers(clean)).toBe(clean);
    expect(
      scrubber.headers({ link: '</x?key=qsecret>; rel="next"', 'set-cookie': ['a=1', 'b=SECRET-0123'] }),
    ).toEqual({
      link: `</x?key=${REDACTED}>; rel="next"`,
      'set-cookie': ['a=1', `b=${REDACTED}`],
    });
  });
});
