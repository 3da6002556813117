// The intent oracle, part 2: the output a unit's mapping gives for an upstream answer, and the
// field-by-field comparison of what reached the upstream with what the spec asks for.
import { isDeepStrictEqual } from 'node:util';
import type { LoadedSpec, PathKey } from '../../../generator/load.js';
import type { Expected, Unit } from './read.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// JSONPath, the subset dialect.md lists: `$`, `$.a.b`, `$.a[0]`, `$.a[*].b`, `$['a b']`.

const UNKNOWN = Symbol('unknown');
type Step = { key: string } | { index: number } | { all: true };

function steps(path: string): Step[] | typeof UNKNOWN {
  const p = path.trim();
  if (!p.startsWith('$')) return UNKNOWN;
  const out: Step[] = [];
  let i = 1;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '.') {
      if (p[i + 1] === '.') return UNKNOWN;
      const m = /^[^.[\]]*/.exec(p.slice(i + 1))!;
      i += 1 + m[0].length;
      if (m[0] === '*') out.push({ all: true });
      else if (m[0] !== '') out.push({ key: m[0] });
    } else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return UNKNOWN;
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') out.push({ all: true });
      else if (/^-?\d+$/.test(inner)) out.push({ index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) out.push({ key: inner.slice(1, -1) });
      else return UNKNOWN;
    } else return UNKNOWN;
  }
  return out;
}

/** The value at `path`; null when absent; UNKNOWN for expressions outside the subset. */
function select(root: unknown, path: string): unknown {
  const s = steps(path);
  if (s === UNKNOWN) return UNKNOWN;
  let values: unknown[] = [root];
  let many = false;
  for (const step of s) {
    const next: unknown[] = [];
    for (const v of values) {
      if ('all' in step) {
        many = true;
        if (Array.isArray(v)) next.push(...v);
        else if (isObj(v)) next.push(...Object.values(v));
      } else if ('index' in step) {
        if (Array.isArray(v)) {
          const x = v[step.index < 0 ? v.length + step.index : step.index];
          if (x !== undefined) next.push(x);
        }
      } else if (isObj(v) && step.key in v) next.push(v[step.key]);
    }
    values = next;
  }
  if (many) return values;
  return values.length > 0 ? (values[0] ?? null) : null;
}

// ---------------------------------------------------------------------------------------------
// Output mappings (docs/dialect.md, "Outputs").

type Output = { kind: 'passthrough' } | { kind: 'mapped'; value: unknown } | { kind: 'unknown'; why: string };

const isRoot = (p: unknown) => typeof p === 'string' && (p.trim() === '$' || p.trim() === '$.');

/** What a unit answers, given the upstream's successful JSON answer. */
function expectedOutput(unit: Unit, answer: unknown): Output {
  const outs = Array.isArray(unit.node.outputParameters) ? unit.node.outputParameters : [];
  const first = outs.find(isObj);
  if (!first) return { kind: 'passthrough' };
  const path = first.mapping ?? first.value;
  const hasChildren = first.properties !== undefined || first.items !== undefined;
  if (path === undefined && !hasChildren) return { kind: 'passthrough' };
  if (isRoot(path) && !hasChildren) return { kind: 'passthrough' };
  const v = shape(first, answer);
  return v === UNKNOWN
    ? { kind: 'unknown', why: 'a mapping outside the JSONPath subset' }
    : { kind: 'mapped', value: v };
}

function shape(node: Obj, root: unknown): unknown {
  const type = String(node.type ?? '').toLowerCase();
  const path =
    typeof node.mapping === 'string' ? node.mapping : typeof node.value === 'string' ? node.value : undefined;
  if (path !== undefined && !path.trim().startsWith('$')) return UNKNOWN; // a constant or template
  if (type === 'array') {
    const list = path === undefined ? root : select(root, path);
    if (list === UNKNOWN) return UNKNOWN;
    if (!Array.isArray(list)) return null;
    const it = isObj(node.items) ? node.items : undefined;
    if (!it) return list;
    const out = list.map((el) =>
      it.properties !== undefined
        ? shape({ ...it, mapping: undefined, value: undefined, type: 'object' }, el)
        : typeof it.mapping === 'string'
          ? select(el, it.mapping)
          : el,
    );
    return out.includes(UNKNOWN) ? UNKNOWN : out;
  }
  if (type === 'object' || node.properties !== undefined) {
    // Properties are evaluated against the object's own mapping when it has one, else against
    // the same root as the object.
    const base = path === undefined ? root : select(root, path);
    if (base === UNKNOWN) return UNKNOWN;
    const props = propertiesOf(node.properties);
    if (props === undefined) return base;
    const out: Obj = {};
    for (const [name, child] of props) {
      const v = shape(child, base);
      if (v === UNKNOWN) return UNKNOWN;
      out[name] = v;
    }
    return out;
  }
  if (path === undefined) return null;
  return select(root, path);
}

function propertiesOf(raw: unknown): [string, Obj][] | undefined {
  if (isObj(raw)) return Object.entries(raw).flatMap(([k, v]): [string, Obj][] => (isObj(v) ? [[k, v]] : []));
  if (Array.isArray(raw))
    return raw.flatMap((v): [string, Obj][] => (isObj(v) && typeof v.name === 'string' ? [[v.name, v]] : []));
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Requests.

export interface Recorded {
  method: string;
  /** Raw request target. */
  url: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** A multipart/form-data body's parts, decoded by the caller (a decoder is asynchronous). */
  parts?: [string, unknown][];
}

export interface Mismatch {
  /** What differs, without the values: `unexpected query pair`, `missing header`, … */
  problem: string;
  field: 'method' | 'path' | 'query' | 'headers' | 'cookies' | 'body' | 'credentials' | 'output' | 'calls';
  /** `file:line:col` of the spec text the expectation comes from. */
  where: string;
  expected: string;
  actual: string;
}

/** Headers the HTTP client sets itself: not the spec's to choose. */
const CLIENT_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'traceparent',
]);

const decode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
};

function where(spec: LoadedSpec, at: PathKey[]): string {
  const p = spec.locate(at);
  return `${spec.file}:${p.line}:${p.col}`;
}

const pairs = (list: { key: string; value: string }[]) => list.map((p) => `${p.key}=${p.value}`).sort();

/** Differences between one expected request and the one recorded. */
function compare(spec: LoadedSpec, ex: Expected, r: Recorded, credentialNames: Set<string>): Mismatch[] {
  const out: Mismatch[] = [];
  // The run's credentials are dummies, but a report never shows one.
  const hide = (t: string) => t.replace(/dummy-[a-z0-9-]+-5e3c/g, '(a credential)');
  const push = (problem: string, field: Mismatch['field'], at: PathKey[], expected: string, actual: string) =>
    out.push({ problem, field, where: where(spec, at), expected: hide(expected), actual: hide(actual) });
  if (r.method !== ex.method)
    push('method differs', 'method', [...ex.target.opAt, 'method'], ex.method, r.method);
  if (!ex.unknown.has('path')) {
    const segs = (p: string) => p.split('/').map(decode).join('/');
    if (r.path !== ex.path && segs(r.path) !== segs(ex.path))
      push(
        r.path.length < ex.path.length && ex.path.startsWith(r.path) ? 'path too short' : 'path differs',
        'path',
        ex.pathAt,
        ex.path,
        r.path,
      );
  }
  // Query: a multiset of decoded pairs.
  const at = r.url.indexOf('?');
  const got = (at < 0 ? '' : r.url.slice(at + 1))
    .split('&')
    .filter(Boolean)
    .map((kv) => {
      const eq = kv.indexOf('=');
      return { key: decode(eq < 0 ? kv : kv.slice(0, eq)), value: decode(eq < 0 ? '' : kv.slice(eq + 1)) };
    });
  if (!ex.unknown.has('query')) {
    const want = pairs(ex.query);
    const have = pairs(got);
    if (want.join('&') !== have.join('&')) {
      const missing = want.filter((w) => !have.includes(w));
      const extra = have.filter((h) => !want.includes(h));
      const first = ex.query.find((q) => missing.includes(`${q.key}=${q.value}`));
      const credential = [...missing, ...extra].some((p) => credentialNames.has(p.split('=')[0]!));
      const extraKey = extra[0]?.split('=')[0];
      const withAt = extraKey !== undefined ? withKey(ex, extraKey) : undefined;
      const hide = (list: string[]) =>
        list.map((kv) => {
          const k = kv.split('=')[0]!;
          return credentialNames.has(k) ? `${k}=(a credential)` : kv;
        });
      const [wantS, haveS, missingS, extraS] = [want, have, missing, extra].map(hide) as [
        string[],
        string[],
        string[],
        string[],
      ];
      push(
        missing.length > 0 && extra.length > 0
          ? 'query pairs differ'
          : missing.length > 0
            ? 'missing query pair'
            : 'unexpected query pair',
        credential ? 'credentials' : 'query',
        first?.at ?? withAt ?? ex.unitAt,
        `query ${wantS.join('&') || '(none)'}`,
        `query ${haveS.join('&') || '(none)'}${missingS.length ? `; missing ${missingS.join('&')}` : ''}${extraS.length ? `; unexpected ${extraS.join('&')}` : ''}`,
      );
    }
  }
  // Headers: exactly the expected set, besides the ones the client sets.
  if (!ex.unknown.has('headers')) {
    const have = new Map<string, string>();
    for (const [k, v] of Object.entries(r.headers)) {
      const name = k.toLowerCase();
      if (CLIENT_HEADERS.has(name) || name === 'cookie' || name === 'content-type' || v === undefined)
        continue;
      have.set(name, Array.isArray(v) ? v.join(', ') : v);
    }
    for (const [name, want] of ex.headers) {
      const g = have.get(name);
      if (g !== want.value)
        push(
          g === undefined ? 'missing header' : 'header value differs',
          credentialNames.has(name) ? 'credentials' : 'headers',
          want.at,
          `header ${name}: ${mask(name, want.value, credentialNames)}`,
          g === undefined ? `no ${name} header` : `header ${name}: ${mask(name, g, credentialNames)}`,
        );
    }
    for (const [name, g] of have)
      if (!ex.headers.has(name))
        push(
          'unexpected header',
          credentialNames.has(name) ? 'credentials' : 'headers',
          ex.unitAt,
          `no ${name} header`,
          `header ${name}: ${credentialNames.size > 0 && looksSecret(g) ? '(a credential)' : g}`,
        );
  }
  // Cookies.
  if (!ex.unknown.has('cookies')) {
    const raw = r.headers.cookie;
    const have = (Array.isArray(raw) ? raw.join('; ') : (raw ?? ''))
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((kv) => {
        const eq = kv.indexOf('=');
        return { key: eq < 0 ? kv : kv.slice(0, eq), value: decode(eq < 0 ? '' : kv.slice(eq + 1)) };
      });
    const want = pairs(ex.cookies);
    const h = pairs(have);
    if (want.join(';') !== h.join(';')) {
      const credential = ex.cookies.some((c) => credentialNames.has(c.key));
      push(
        'cookies differ',
        credential ? 'credentials' : 'cookies',
        ex.cookies[0]?.at ?? ex.target.opAt,
        `cookies ${ex.cookies.map((c) => c.key).join(', ') || '(none)'}`,
        `cookies ${have.map((c) => c.key).join(', ') || '(none)'}`,
      );
    }
  }
  // Body.
  if (!ex.unknown.has('body')) {
    const ctype = String(r.headers['content-type'] ?? '');
    const bodyAt = ex.body?.at ?? ex.target.opAt;
    if (ex.body === undefined) {
      if (r.body !== '') push('unexpected body', 'body', bodyAt, 'no body', `body ${clip(r.body)}`);
    } else if (r.body === '') {
      push('missing body', 'body', bodyAt, `body ${clip(show(ex.body))}`, 'no body');
    } else if (ex.body.fields !== undefined) {
      const media = ctype.split(';')[0]!.trim().toLowerCase();
      const got =
        media === 'application/x-www-form-urlencoded'
          ? [...new URLSearchParams(r.body)]
          : media === 'multipart/form-data'
            ? r.parts
            : undefined;
      if (!isDeepStrictEqual(got, ex.body.fields))
        push('form fields differ', 'body', bodyAt, `fields ${clip(show(ex.body))}`, `body ${clip(r.body)}`);
    } else if (ex.body.json !== undefined) {
      let parsed: unknown = UNKNOWN;
      try {
        parsed = JSON.parse(r.body) as unknown;
      } catch {
        // not JSON
      }
      if (!isDeepStrictEqual(parsed, ex.body.json))
        push('body differs', 'body', bodyAt, `body ${clip(show(ex.body))}`, `body ${clip(r.body)}`);
    } else if (ex.body.text !== undefined && r.body !== ex.body.text) {
      push('body text differs', 'body', bodyAt, `body ${clip(ex.body.text)}`, `body ${clip(r.body)}`);
    }
    if (ex.body?.contentType && r.body !== '' && !ctype.toLowerCase().startsWith(ex.body.contentType))
      push(
        'content type differs',
        'body',
        bodyAt,
        `content-type ${ex.body.contentType}`,
        `content-type ${ctype || '(none)'}`,
      );
  }
  return out;
}

/** The unit's `with` entry for `key`, if it has one. */
function withKey(ex: Expected, key: string): PathKey[] | undefined {
  return key in ex.withMap ? [...ex.unitAt, 'with', key] : undefined;
}

const show = (b: NonNullable<Expected['body']>) =>
  b.json !== undefined
    ? JSON.stringify(b.json)
    : b.fields !== undefined
      ? JSON.stringify(b.fields)
      : (b.text ?? '');
const looksSecret = (v: string) => /dummy-/.test(v);
const mask = (name: string, v: string, creds: Set<string>) =>
  creds.has(name) && looksSecret(v) ? '(a credential)' : v;

function clip(text: string, max = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** The expectation among several (a repeated operation name) that fits the request best. */
export function bestOf(
  spec: LoadedSpec,
  list: Expected[],
  r: Recorded,
  creds: Set<string>,
): { ex?: Expected; mismatches: Mismatch[] } {
  let best: { ex?: Expected; mismatches: Mismatch[] } | undefined;
  for (const ex of list) {
    const m = compare(spec, ex, r, creds);
    if (!best || m.length < best.mismatches.length) best = { ex, mismatches: m };
  }
  return best ?? { mismatches: [] };
}

/** Compares a unit's answer with the mapping applied to the echo's answer. */
export function compareOutput(
  spec: LoadedSpec,
  unit: Unit,
  upstream: unknown,
  got: unknown,
  mcp: boolean,
  rawFormat?: string,
): Mismatch[] {
  const o = expectedOutput(unit, upstream);
  if (o.kind === 'unknown') return [];
  let want = o.kind === 'passthrough' ? upstream : o.value;
  // The dialect reads a `text` answer as one string; MCP carries it as such, while REST relays
  // the bytes, which the smoke run parses back as JSON.
  if (mcp && o.kind === 'passthrough' && rawFormat?.toLowerCase() === 'text') want = JSON.stringify(upstream);
  if (mcp && !isObj(want)) want = { result: want };
  if (isDeepStrictEqual(got, want)) return [];
  return [
    {
      problem: 'output differs',
      field: 'output',
      where: where(
        spec,
        Array.isArray(unit.node.outputParameters) ? [...unit.at, 'outputParameters'] : unit.at,
      ),
      expected: clip(JSON.stringify(want) ?? 'undefined'),
      actual: clip(JSON.stringify(got) ?? 'undefined'),
    },
  ];
}

/** Names a credential travels under (headers in lower case, query keys and cookies as written). */
export function credentialNames(list: Expected[]): Set<string> {
  const s = new Set<string>(['authorization']);
  for (const ex of list) {
    const entry = ex.target.entry;
    const auth = isObj(entry.authentication)
      ? entry.authentication
      : isObj(entry.auth)
        ? entry.auth
        : undefined;
    if (!auth) continue;
    for (const k of ['key', 'name', 'header'])
      if (typeof auth[k] === 'string') {
        s.add(auth[k] as string);
        s.add((auth[k] as string).toLowerCase());
      }
    if (isObj(auth.headers)) for (const h of Object.keys(auth.headers)) s.add(h.toLowerCase());
  }
  return s;
}
