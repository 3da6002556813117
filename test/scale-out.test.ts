// Scale-out for real: three replicas of the generated seed server (single-port mode, as the
// emitted kubernetes.yaml runs them) behind Debian's nginx, started by the test on loopback ports
// with its own config and prefix in a temporary folder (no root needed), stopped by PID. A load
// run goes through nginx and one replica gets SIGTERM mid-run: no GET fails, and every write is
// answered once and reaches the fake upstream once (none twice, none that the caller was told
// failed). nginx's retry rule is checked on its own first: a GET whose replica drops the
// connection is passed to the next replica, a POST never is. Throughput through nginx with one
// replica and with three is printed (not asserted: tests must not depend on machine speed).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SNAPSHOTS, type FakeScaleway, startFakeScaleway } from './fake/scaleway.js';
import { untilOutput } from './support/child.js';
import { unusedPort } from './support/ports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? 'nginx';
const ZONE = 'fr-par-1';
const LIST = `/v1/instance/v1/zones/${ZONE}/images?per_page=5`;
const CREATE = `/v1/instance/v1/zones/${ZONE}/images`;

const scratch = mkdtempSync(join(tmpdir(), 'capgen-scale-'));
const children: ChildProcess[] = [];
const agent = new Agent({ connections: 64 });

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  await agent.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Replica {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** One replica, as the Deployment runs it: PORT, here 0 (the kernel picks), on 127.0.0.1. */
async function startReplica(upstream: string, apiKey: string): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'out/instance-images/server.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SCALEWAY_API_KEY: apiKey,
      INSTANCE_IMAGES_BASE_URL: upstream,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await untilOutput([child.stdout], () => output.includes('"listening"'), 'the listening line', child);
  const line = output.split('\n').find((l) => l.includes('"listening"'))!;
  const urls = (JSON.parse(line) as { urls: Record<string, string> }).urls;
  return { child, port: Number(new URL(urls['instance-images-rest']!).port), output: () => output };
}

interface Nginx {
  child: ChildProcess;
  url: string;
  /** The access log's lines: `METHOD STATUS UPSTREAM_ADDR UPSTREAM_STATUS`. */
  log: string;
}

/** nginx in front of `ports`, with the retry rule the test is about. */
async function startNginx(name: string, ports: number[]): Promise<Nginx> {
  const prefix = join(scratch, name);
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const port = await unusedPort();
  const log = join(prefix, 'logs', 'access.log');
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `# The test's own nginx: foreground, one worker, every file under ${prefix}.
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  log_format lb '$request_method $status $upstream_addr $upstream_status';
  access_log ${log} lb;
  upstream replicas {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=30s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://replicas;
      proxy_set_header Host $http_host;
      proxy_set_header X-Request-Id $request_id;
      # A request is passed to the next replica on a connection error, a timeout, or a 503: a
      # draining replica answers 503 to a request that arrives after its SIGTERM on a connection it
      # had already accepted (Fastify's return503OnClosing). nginx never passes on a POST, PATCH
      # or LOCK once the request was sent (non_idempotent is not set), so a write reaches at most
      # one replica; a refused connection sent nothing and is retried for every method.
      proxy_next_upstream error timeout http_503;
      proxy_next_upstream_tries 3;
    }
  }
}
`,
  );
  const child = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'logs', 'error.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Ready when it answers; there is no line to wait for with daemon off.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start-up: ${output}`);
    try {
      const res = await request(`${url}/healthz`, { dispatcher: agent });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setImmediate(r));
  }
  return { child, url, log };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null]>;
  child.kill(signal);
  return (await exited)[0];
}

interface Outcome {
  method: string;
  status: number;
  name?: string;
}

/** `total` requests through `base`, `concurrency` at a time; every `writeEvery`th a create. */
async function load(
  base: string,
  total: number,
  concurrency: number,
  options: { writeEvery?: number; onProgress?: (done: number) => void } = {},
): Promise<{ outcomes: Outcome[]; seconds: number }> {
  const outcomes: Outcome[] = [];
  let next = 0;
  let done = 0;
  const started = performance.now();
  const one = async (i: number): Promise<Outcome> => {
    const write = options.writeEvery !== undefined && i % options.writeEvery === options.writeEvery - 1;
    try {
      if (write) {
        const name = `write-${i}`;
        const res = await request(`${base}${CREATE}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, root_volume: FAKE_SNAPSHOTS[0], arch: 'x86_64' }),
          dispatcher: agent,
        });
        await res.body.dump();
        return { method: 'POST', status: res.statusCode, name };
      }
      const res = await request(`${base}${LIST}`, { dispatcher: agent });
      await res.body.dump();
      return { method: 'GET', status: res.statusCode };
    } catch {
      return { method: write ? 'POST' : 'GET', status: 0 };
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        outcomes.push(await one(next++));
        options.onProgress?.(++done);
      }
    }),
  );
  return { outcomes, seconds: (performance.now() - started) / 1000 };
}

describe('nginx in front of replicas', () => {
  it('passes a GET on to the next replica when its connection drops, never a POST', async () => {
    // Two "replicas" that read the request and drop the connection without answering; with
    // max_fails=0 nginx keeps trying them, so each request shows what nginx does on its own.
    const seen: string[] = [];
    const droppers: Server[] = [];
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const server = createServer((socket) => {
        socket.once('data', (chunk: Buffer) => {
          seen.push(chunk.toString('latin1').split(' ')[0]!);
          socket.destroy();
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      droppers.push(server);
      ports.push((server.address() as { port: number }).port);
    }
    // Ready checks would hit the droppers: this nginx is checked through a request that fails.
    const prefix = 'droppers';
    const port = await unusedPort();
    const dir = join(scratch, prefix);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 64; }
http {
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  access_log off;
  upstream replicas {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://replicas;
      proxy_next_upstream error timeout;
    }
  }
}
`,
    );
    const child = spawn(
      NGINX,
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')],
      {
        stdio: 'ignore',
      },
    );
    children.push(child);
    try {
      const url = `http://127.0.0.1:${port}`;
      let get: number;
      for (;;) {
        if (child.exitCode !== null) throw new Error('nginx exited at start-up');
        try {
          const res = await request(`${url}/x`, { dispatcher: agent });
          await res.body.dump();
          get = res.statusCode;
          break;
        } catch {
          await new Promise((r) => setImmediate(r));
        }
      }
      // The GET went to both replicas, then nginx gave up.
      expect(get).toBe(502);
      expect(seen).toEqual(['GET', 'GET']);
      seen.length = 0;
      for (const method of ['POST', 'PATCH']) {
        const res = await request(`${url}/x`, { method, body: '{}', dispatcher: agent });
        await res.body.dump();
        expect(res.statusCode).toBe(502);
      }
      // Each write reached exactly one replica.
      expect(seen).toEqual(['POST', 'PATCH']);
    } finally {
      await stop(child, 'SIGQUIT');
      for (const server of droppers) server.close();
    }
  });

  describe('three replicas of the seed server', () => {
    let fake: FakeScaleway;
    let replicas: Replica[];
    let one: Nginx;
    let three: Nginx;

    beforeAll(async () => {
      fake = await startFakeScaleway({ seedImages: 5 });
      replicas = await Promise.all([0, 1, 2].map(() => startReplica(fake.url, fake.apiKey)));
      one = await startNginx('one', [replicas[2]!.port]);
      three = await startNginx(
        'three',
        replicas.map((r) => r.port),
      );
    });
    afterAll(async () => {
      for (const n of [one, three]) if (n) await stop(n.child, 'SIGQUIT');
      await fake?.close();
    });

    it('prints the throughput of GETs through nginx with one replica and with three', async () => {
      const total = 1500;
      // Warm-up: every replica's code paths and connections, on both.
      await load(three.url, 300, 16);
      await load(one.url, 100, 16);
      const single = await load(one.url, total, 32);
      const triple = await load(three.url, total, 32);
      for (const run of [single, triple]) expect(run.outcomes.filter((o) => o.status !== 200)).toEqual([]);
      const rate = (run: { seconds: number }) => Math.round(total / run.seconds);
      console.log(
        `scale-out: ${total} GETs at c=32 through nginx: 1 replica ${rate(single)} req/s, 3 replicas ${rate(triple)} req/s (ratio ${(rate(triple) / rate(single)).toFixed(2)}; ${spawnSync('nproc').stdout.toString().trim()} cores shared with the replicas, nginx, the fake and this load generator)`,
      );
    });

    it('SIGTERM to one replica mid-run: no GET fails, every write is answered once and made once', async () => {
      const total = 3000;
      const victim = replicas[0]!;
      const before = fake.requests.length;
      let victimExit: Promise<number | null> | undefined;
      const run = await load(three.url, total, 32, {
        writeEvery: 10,
        onProgress: (done) => {
          if (done === Math.floor(total / 3)) victimExit = stop(victim.child, 'SIGTERM');
        },
      });
      // The replica drained and exited 0 (its in-flight requests were answered).
      expect(await victimExit).toBe(0);

      const gets = run.outcomes.filter((o) => o.method === 'GET');
      const writes = run.outcomes.filter((o) => o.method === 'POST');
      expect(gets.length + writes.length).toBe(total);
      expect(gets.filter((o) => o.status !== 200)).toEqual([]);
      // Counted at the fake upstream: each write that was answered 201 was made exactly once, and
      // a write answered otherwise was not made at all.
      const made = new Map<string, number>();
      for (const r of fake.requests.slice(before))
        if (r.method === 'POST') {
          const name = (JSON.parse(r.body) as { name: string }).name;
          made.set(name, (made.get(name) ?? 0) + 1);
        }
      for (const write of writes)
        expect(made.get(write.name!) ?? 0, write.name).toBe(write.status === 201 ? 1 : 0);
      expect([...made.values()].filter((n) => n > 1)).toEqual([]);
      const created = writes.filter((w) => w.status === 201).length;
      console.log(
        `scale-out: ${total} requests (${writes.length} creates) at c=32, one of 3 replicas stopped with SIGTERM after ${Math.floor(total / 3)}: ${gets.length} GETs all 200, ${created}/${writes.length} creates 201, each made once upstream; ${run.seconds.toFixed(1)} s`,
      );
      // Which replicas answered: the stopped one before it stopped, the two others throughout.
      const served = readFileSync(three.log, 'utf8');
      for (const replica of replicas)
        expect(served.includes(`127.0.0.1:${replica.port}`), `replica ${replica.port}`).toBe(true);
    });
  });
});
