// Runs before every test file (vitest.config.ts): whatever this process writes to stdout or
// stderr (the in-process generated servers log there) is checked for watched credentials, and a
// test during which one appeared fails. The writes still go through unchanged.
import { afterEach } from 'vitest';
import { findSecret, recordLeak, takeLeaks } from './secrets.js';

for (const [name, stream] of [
  ['stdout', process.stdout],
  ['stderr', process.stderr],
] as const) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (findSecret(chunk) !== undefined) recordLeak(`a line written to ${name}`);
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

afterEach(() => {
  const leaks = takeLeaks();
  if (leaks.length > 0) throw new Error(`a credential appeared in ${[...new Set(leaks)].join(', ')}`);
});
