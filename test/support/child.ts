// Waiting on a child process's output without a clock.
import type { ChildProcess } from 'node:child_process';
import type { Stream } from 'node:stream';

/**
 * Resolves once `condition()` holds, checked now and whenever one of `streams` gives data (after
 * the test's own listeners have collected the text); with `child`, rejects as soon as it exits
 * without the condition holding. There is no time limit: on a loaded machine any fixed one can
 * be hit, and output that never comes from a live child is a hang for the suite's hang guard.
 */
export function untilOutput(
  streams: (Stream | null | undefined)[],
  condition: () => boolean,
  what: string,
  child?: ChildProcess,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      for (const s of streams) s?.off('data', check);
      child?.off('exit', onExit);
    };
    function check(): boolean {
      if (!condition()) return false;
      done();
      resolve();
      return true;
    }
    function onExit(code: number | null, signal: string | null) {
      if (check()) return;
      done();
      reject(new Error(`the child exited (${code ?? signal}) before ${what}`));
    }
    if (check()) return;
    for (const s of streams) s?.on('data', check);
    child?.once('exit', onExit);
  });
}
