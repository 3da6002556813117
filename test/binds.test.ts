// File binds (`binds[].location: file:///./rel` or `file:///abs`): the generated server reads the
// JSON or YAML map at start-up, relative paths from its working directory; an environment variable
// of the variable's own name overrides the file; a missing file or key stops start-up with one
// line naming the file and the key, never a value. Checked on the generated server, for real.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateText } from '../generator/pipeline.js';
import { writeOutput } from '../generator/write.js';
import { type Recorder, startRecorder } from './support/recorder.js';

const ROOT = new URL('..', import.meta.url).pathname;
const TOKEN_IN_FILE = 'file-token-3141';
const SPEC = `naftiko: "1.0.0-alpha2"
binds:
  - namespace: registry-env
    location: "file:///./conf/secrets.yaml"
    keys:
      REGISTRY_TOKEN: "registry-bearer-token"
capability:
  consumes:
    - namespace: registry
      type: http
      baseUri: "http://127.0.0.1:9/api"
      authentication:
        type: bearer
        token: "{{REGISTRY_TOKEN}}"
      resources:
        - name: ships
          path: /ships
          operations:
            - name: list-ships
              method: GET
  exposes:
    - type: rest
      port: 3003
      namespace: api
      resources:
        - path: /ships
          operations:
            - method: GET
              call: registry.list-ships
`;

interface Running {
  urls: Record<string, string>;
  close(): Promise<void>;
}
type Start = (o: { env: Record<string, string>; cwd?: string }) => Promise<Running>;

let dir: string;
let start: Start;
let recorder: Recorder;
let env: Record<string, string>;

beforeAll(async () => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(ROOT, '.tmp', 'binds-'));
  const generated = await generateText(join(dir, 'binds.yaml'), SPEC);
  expect(generated.diagnostics.filter((d) => d.code === 'bind-location')).toEqual([]);
  await writeOutput(join(dir, 'out'), generated.files);
  const runtime = (await import(pathToFileURL(join(dir, 'out', 'runtime', 'log.ts')).href)) as {
    setLogLevel(l: string): void;
  };
  runtime.setLogLevel('silent');
  start = ((await import(pathToFileURL(join(dir, 'out', 'server.ts')).href)) as { start: Start }).start;
  recorder = await startRecorder();
  recorder.respond(() => ({ status: 200, body: [] }));
  env = { HOST: '127.0.0.1', API_PORT: '0', REGISTRY_BASE_URL: recorder.url };
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'elsewhere'));
  writeFileSync(
    join(dir, 'conf', 'secrets.yaml'),
    `# dummy values\nregistry-bearer-token: "${TOKEN_IN_FILE}"\nother: x\n`,
  );
}, 300_000);

afterAll(async () => {
  await recorder?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function authorizationSent(running: Running): Promise<string | undefined> {
  try {
    const res = await fetch(`${running.urls.api}/ships`);
    expect(res.status).toBe(200);
    const last = recorder.requests.at(-1)!;
    const h = last.headers.authorization;
    return Array.isArray(h) ? h[0] : h;
  } finally {
    await running.close();
  }
}

describe('file binds', () => {
  it('reads the value from the file, relative to the working directory', async () => {
    expect(await authorizationSent(await start({ env, cwd: dir }))).toBe(`Bearer ${TOKEN_IN_FILE}`);
  });

  it('lets the environment variable of the same name override the file', async () => {
    const running = await start({ env: { ...env, REGISTRY_TOKEN: 'from-env' }, cwd: join(dir, 'elsewhere') });
    expect(await authorizationSent(running)).toBe('Bearer from-env');
  });

  it('stops start-up naming the file when it is missing', async () => {
    const err = (await start({ env, cwd: join(dir, 'elsewhere') }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe(
      'bind file ./conf/secrets.yaml (bind "registry-env") cannot be read (no such file); set REGISTRY_TOKEN instead',
    );
  });

  it('stops start-up naming the file and the key when the key is missing, never a value', async () => {
    mkdirSync(join(dir, 'nokey', 'conf'), { recursive: true });
    writeFileSync(join(dir, 'nokey', 'conf', 'secrets.yaml'), `{"other": "${TOKEN_IN_FILE}"}`);
    const err = (await start({ env, cwd: join(dir, 'nokey') }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      'bind file ./conf/secrets.yaml has no key "registry-bearer-token" (for REGISTRY_TOKEN)',
    );
    expect(err.message).not.toContain(TOKEN_IN_FILE);
  });
});
