// runtime/log.ts: pino JSON lines, pino's levels, the switch to stderr, and credentials redacted
// by configuration (header fields and the values the server holds). Runs in a child process,
// since the log sink is the process's own stdout and stderr.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const LOG = new URL('../../runtime/log.ts', import.meta.url).href;

function run(script: string): Promise<{ stdout: string; stderr: string }> {
  const code = `const { log, logger, logToStderr, setLogLevel, redactInLogs, isLogLevel } = await import(${JSON.stringify(LOG)});\n${script}`;
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
  it("writes pino lines; every pino level filters as pino's does; silent drops all", async () => {
    const { stdout, stderr } = await run(
      [
        "log('info', { msg: 'one', n: 1 });",
        "log('debug', { msg: 'dropped at info' });",
        "setLogLevel('debug');",
        "log('debug', { msg: 'two' });",
        "setLogLevel('warn');",
        "log('info', { msg: 'dropped at warn' });",
        "log('warn', { msg: 'three' });",
        "setLogLevel('silent');",
        "log('fatal', { msg: 'dropped' });",
        'setLogLevel(undefined);',
        'logToStderr();',
        "log('info', { msg: 'four' });",
      ].join('\n'),
    );
    const out = lines(stdout);
    expect(out.map((l) => [l.level, l.msg, l.n])).toEqual([
      [30, 'one', 1],
      [20, 'two', undefined],
      [40, 'three', undefined],
    ]);
    expect(typeof out[0]!.time).toBe('number');
    expect(lines(stderr).map((l) => l.msg)).toEqual(['four']);
  });

  it('knows exactly pino levels', async () => {
    const { stdout } = await run(
      "console.log(JSON.stringify(['trace','debug','info','warn','error','fatal','silent','', undefined,'verbose','INFO'].map((l) => isLogLevel(l))));",
    );
    expect(JSON.parse(stdout)).toEqual([true, true, true, true, true, true, true, true, true, false, false]);
  });

  it('redacts credential header fields and every registered credential value, in any field', async () => {
    const { stdout } = await run(
      [
        "redactInLogs(['sk-live-0123456789', undefined, 'ab']);",
        "log('info', { msg: 'call', headers: { authorization: 'Bearer t0ken-value', 'x-auth-token': 'other-token', accept: 'a/b' } });",
        "log('error', { msg: 'upstream said: key sk-live-0123456789 is invalid', detail: { nested: 'x sk-live-0123456789 y' } });",
        "logger().child({ adapter: 'a' }).info({ req: { headers: { cookie: 'session=s3cret' } } }, 'child');",
        "log('info', { msg: 'short values stay: ab' });",
      ].join('\n'),
    );
    expect(stdout).not.toContain('t0ken-value');
    expect(stdout).not.toContain('other-token');
    expect(stdout).not.toContain('sk-live-0123456789');
    expect(stdout).not.toContain('s3cret');
    const out = lines(stdout);
    expect(out[0]!.headers).toEqual({
      authorization: '[redacted]',
      'x-auth-token': '[redacted]',
      accept: 'a/b',
    });
    expect(out[1]!.msg).toBe('upstream said: key [redacted] is invalid');
    expect(out[1]!.detail).toEqual({ nested: 'x [redacted] y' });
    expect(out[2]).toMatchObject({ adapter: 'a', req: { headers: { cookie: '[redacted]' } } });
    expect(out[3]!.msg).toBe('short values stay: ab');
  });
});
