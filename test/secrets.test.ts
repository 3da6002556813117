// The shared credential check (test/support/secrets.ts, test/support/setup.ts): what it watches
// and where it looks. The other tests rely on it to fail when a key leaks, so it is tested itself.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { startRecorder } from './support/recorder.js';
import { expectNoSecret, takeLeaks, watchCredentials, watchSecret } from './support/secrets.js';

describe('the credential check', () => {
  it('watches the credentials an upstream receives, in every form they take on the way out', () => {
    const token = 'tok-3c9e1a7f5b2d';
    const password = 'pw:with/odd&chars';
    const apikey = 'qk-8f2e4a6c0b1d';
    watchCredentials(
      {
        authorization: `Bearer ${token}`,
        'proxy-authorization': `Basic ${Buffer.from(`user:${password}`).toString('base64')}`,
        accept: 'application/json-not-a-secret',
      },
      `/x?api_key=${encodeURIComponent(apikey)}&page=2`,
    );
    for (const leaked of [
      token,
      password,
      encodeURIComponent(password),
      Buffer.from(`user:${password}`).toString('base64'),
      apikey,
      JSON.stringify({ echoed: { headers: { authorization: `Bearer ${token}` } } }),
    ]) {
      expect(() => expectNoSecret('a test body', `before ${leaked} after`)).toThrow(/a credential/);
    }
    expect(() => expectNoSecret('a test body', 'application/json-not-a-secret and page=2')).not.toThrow();
  });

  it('looks into buffers and objects, and never shows the secret it found', () => {
    const secret = 'k-5e0b7d3a9c1f';
    watchSecret(secret);
    let message = '';
    try {
      expectNoSecret('a structured result', { content: [{ text: Buffer.from(`x${secret}y`).toString() }] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/a credential \(\d+ characters\) appears in a structured result/);
    expect(message).not.toContain(secret);
    expect(() => expectNoSecret('a buffer', Buffer.from(`…${secret}…`))).toThrow(/a buffer/);
  });

  it('the upstreams the tests run register what they receive', async () => {
    const recorder = await startRecorder();
    try {
      const key = 'recorded-key-7a1c9e3f';
      await fetch(`${recorder.url}/images`, { headers: { 'x-auth-token': key } });
      expect(() => expectNoSecret('a body', key)).toThrow();
    } finally {
      await recorder.close();
    }
  });

  it('a line this process writes to stdout with a secret in it is caught', () => {
    const secret = 'stdout-secret-4b8d2f6a';
    watchSecret(secret);
    expect(takeLeaks()).toEqual([]);
    process.stdout.write('a clean line\n');
    expect(takeLeaks()).toEqual([]);
    // The test consumes the leak it provokes, so the after-each check stays green.
    process.stderr.write(`{"msg":"oops","key":"${secret}"}\n`);
    expect(takeLeaks()).toEqual(['a line written to stderr']);
  });
});
