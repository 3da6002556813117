// runtime/log.ts: one JSON line per event, levels, and the switch to stderr. Runs in a child
// process, since the log sink is the process's own stdout and stderr.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const LOG = new URL('../../runtime/log.ts', import.meta.url).href;

function run(script: string): Promise<{ stdout: string; stderr: string }> {
  const code = `const { log, logToStderr, setLogLevel } = await import(${JSON.stringify(LOG)});\n${script}`;
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })),
    ),
  );
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('log', () => {
  it('writes JSON lines with time and level; error level drops info; silent drops all', async () => {
    const { stdout, stderr } = await run(
      [
        "log('info', { msg: 'one', n: 1 });",
        "setLogLevel('error');",
        "log('info', { msg: 'dropped' });",
        "log('error', { msg: 'two' });",
        "setLogLevel('silent');",
        "log('error', { msg: 'dropped' });",
        'setLogLevel(undefined);',
        'logToStderr();',
        "log('info', { msg: 'three' });",
      ].join('\n'),
    );
    const out = lines(stdout);
    expect(out.map((l) => [l.level, l.msg, l.n])).toEqual([
      ['info', 'one', 1],
      ['error', 'two', undefined],
    ]);
    expect(Number.isNaN(Date.parse(String(out[0]!.time)))).toBe(false);
    expect(lines(stderr).map((l) => l.msg)).toEqual(['three']);
  });
});
