/**
 * Contender (c): the capgen-generated server of the seed spec, `out/instance-images`, started
 * through its exported `start({ env })` in a child process of its own (its own event loop and
 * /proc entry). The CLI entry of server.ts reads LOG_LEVEL but announces itself through the
 * logger, so a silent server would never print a listening line: this wrapper sets the level with
 * `setLogLevel` (LOG_LEVEL, default `silent`) and prints `{"bench":"listening","urls":{…}}`.
 * SIGTERM closes the server and exits normally, so `--cpu-prof` profiles are written.
 * BENCH_SCRUB=off turns credential scrubbing of upstream answers into a no-op, for the soak
 * phase's cost of scrubbing (the same server, on and off, in one run); nothing else reads it.
 */
import { setLogLevel } from '../../out/instance-images/runtime/log.js';
import { Scrubber } from '../../out/instance-images/runtime/scrub.js';
import { start } from '../../out/instance-images/server.js';

if (process.env.BENCH_SCRUB === 'off') {
  Scrubber.prototype.buffer = (raw) => raw;
  Scrubber.prototype.headers = (headers) => headers;
}

setLogLevel(process.env.LOG_LEVEL || 'silent');
const running = await start({ env: process.env });
process.stdout.write(`${JSON.stringify({ bench: 'listening', urls: running.urls, pid: process.pid })}\n`);
const stop = () => {
  setTimeout(() => process.exit(0), 3000).unref();
  void running.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
