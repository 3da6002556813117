// A corpus worker (a child process of run.ts): runs the specs the parent sends, one at a time,
// against its own echo upstream, and keeps its type-checker warm between them.
import type { FromWorker, ToWorker } from './core.js';
import { startEcho } from './echo.js';
import { runSpec } from './spec.js';

// The parent is gone (it finished, or was stopped): nothing is left to do here. Registered before
// anything is awaited, so a worker the parent left while it was starting up cannot miss it.
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);

const echo = await startEcho();
/** Errors that escape a generated server asynchronously are charged to the spec being run. */
let stray: string[] = [];
const escaped = (what: string) => (err: unknown) => {
  stray.push(`${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`.slice(0, 2_000));
};
process.on('uncaughtException', escaped('uncaught exception'));
process.on('unhandledRejection', escaped('unhandled rejection'));

const send = (m: FromWorker) => process.send!(m);

process.on('message', (m: ToWorker) => {
  if (m.type === 'exit') {
    void echo.close().finally(() => process.exit(0));
    return;
  }
  void (async () => {
    stray = [];
    const result = await runSpec(m.file, { root: m.root, echo, tag: m.tag, callTimeoutMs: m.callTimeoutMs });
    if (stray.length > 0 && result.smoke) {
      // Something a generated server threw outside any request: a failure of this spec.
      result.smoke.failed += 1;
      result.smoke.failures.push({
        kind: 'rest',
        adapter: '*',
        target: '*',
        ok: false,
        reason: `escaped error: ${stray.join(' | ')}`,
      });
    } else if (stray.length > 0) {
      result.crash ??= { message: stray.join(' | ') };
    }
    send({ type: 'result', result, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) });
  })();
});

send({ type: 'ready' });
