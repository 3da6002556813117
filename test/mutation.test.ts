/**
 * Mutation test of the generator: corpus specs, mutated by a seeded random generator (deleted keys,
 * wrong types, huge strings, unicode and injection text, deep nesting, anchors and aliases, alias
 * cycles, billion-laughs, truncation, tabs, duplicate keys), each run through the pipeline in
 * memory. Every mutant must give a located refusal or generated files, never another exception.
 * The pipeline stops after emit for all of them (formatting and type-checking are the slow
 * stages); a sample of mutants whose output changed is then type-checked in full.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Document, isMap, isPair, isScalar, isSeq, type Node, parseDocument, Scalar } from 'yaml';
import { type Diagnostic, SpecError } from '../generator/diagnostics.js';
import { type Generated, generateText } from '../generator/pipeline.js';

const CORPUS = fileURLToPath(new URL('../../shared/corpus/', import.meta.url));
const BASES = [
  'scaleway/instance-images.yaml',
  'pixelixe/pixelixe-graphic.yaml',
  'ghost/content-authors.yaml',
  'cat/cat-capability.yaml',
  'naftiko-shipyard-cloudflare/shared/legacy-consumes.yaml',
  // A spec refused whole (nothing is left to call).
  'mobileapi-dev/device-lookup.yaml',
];
const SEED = 0x10_2026;
const COUNT = 1000;
/** Mutants whose output differs from their base that are also formatted and type-checked. */
const VERIFIED = 4;

/** mulberry32: a small, fast, seeded generator, so a failure names a reproducible mutant. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;

const STRANGE_TEXT = [
  '名前のない画像',
  'émoji 🚀🔥 and a ZWJ 👩‍💻',
  '\u202Eevil\u202C',
  'zero\u200Bwidth',
  'line\u2028separator\u2029paragraph',
  'tab\there',
  '"; process.exit(1); "',
  "'); require('child_process').execSync('id'); ('",
  '`${process.exit(2)}`',
  '*/ throw new Error("injected"); /*',
  '</script><script>alert(1)</script>',
  '{{ constructor.constructor("return process")() }}',
  '{{env.HOME}}',
  '../../../../etc/passwd',
  '%2e%2e%2f',
  '\\u0000\\x00',
  'a'.repeat(70),
  '__proto__',
  'constructor',
  '-',
  '0',
  ' ',
  '',
];

const WRONG_VALUES: unknown[] = [
  0,
  -1,
  1.5,
  1e300,
  true,
  false,
  null,
  [],
  {},
  '',
  [1, 'two'],
  { a: { b: 1 } },
  'yes',
];

interface Slot {
  parent: Node;
  key: string | number;
  node: Node | null;
}

/** Every value position of the document: map values (by key) and sequence items. */
function slots(doc: Document): Slot[] {
  const out: Slot[] = [];
  const walk = (node: Node | null, depth: number) => {
    if (depth > 40 || node === null) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        out.push({ parent: node, key: String(pair.key.value), node: pair.value as Node | null });
        walk(pair.value as Node | null, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        out.push({ parent: node, key: i, node: item as Node | null });
        walk(item as Node | null, depth + 1);
      });
    }
  };
  walk(doc.contents as Node | null, 0);
  return out;
}

function set(doc: Document, slot: Slot, value: unknown): void {
  const node =
    value !== null && typeof value === 'object' && 'range' in (value as object)
      ? value
      : doc.createNode(value);
  if (isMap(slot.parent)) slot.parent.set(slot.key, node);
  else if (isSeq(slot.parent)) slot.parent.set(slot.key as number, node);
}

/** A placeholder replaced in the text after stringifying, for shapes the YAML library should not lay out. */
const HOLE = 'MUTATION_HOLE_7f3a';

type Mutation = { name: string; apply(text: string, rng: Rng): string };

function onDocument(name: string, fn: (doc: Document, rng: Rng) => string | void): Mutation {
  return {
    name,
    apply(text, rng) {
      const doc = parseDocument(text, { uniqueKeys: false });
      const special = fn(doc, rng);
      const out = doc.toString({ lineWidth: 0 });
      return special === undefined ? out : out.replace(HOLE, special);
    },
  };
}

const MUTATIONS: Mutation[] = [
  onDocument('delete-key', (doc, rng) => {
    const keyed = slots(doc).filter((s) => isMap(s.parent));
    if (keyed.length === 0) return;
    const slot = pick(rng, keyed);
    (slot.parent as ReturnType<typeof doc.createNode> & { delete(k: unknown): boolean }).delete(slot.key);
  }),
  onDocument('wrong-type', (doc, rng) => {
    const all = slots(doc);
    if (all.length > 0) set(doc, pick(rng, all), pick(rng, WRONG_VALUES));
  }),
  onDocument('huge-string', (doc, rng) => {
    const scalars = slots(doc).filter((s) => isScalar(s.node));
    if (scalars.length === 0) return;
    const unit = pick(rng, ['A', 'é', '🚀', '{{x}}', '\\']);
    set(doc, pick(rng, scalars), unit.repeat(Math.floor(20_000 + rng() * 100_000)));
  }),
  onDocument('unicode-value', (doc, rng) => {
    const scalars = slots(doc).filter((s) => isScalar(s.node));
    for (let i = 0; i < 3 && scalars.length > 0; i++) set(doc, pick(rng, scalars), pick(rng, STRANGE_TEXT));
  }),
  onDocument('unicode-key', (doc, rng) => {
    const keyed = slots(doc).filter((s) => isMap(s.parent));
    if (keyed.length === 0) return;
    const slot = pick(rng, keyed);
    const map = slot.parent as Node & { items: { key: unknown }[] };
    const pair = map.items.find((p) => isScalar(p.key) && String((p.key as Scalar).value) === slot.key);
    if (pair) pair.key = new Scalar(pick(rng, STRANGE_TEXT));
  }),
  onDocument('deep-nesting', (doc, rng) => {
    const all = slots(doc);
    if (all.length === 0) return;
    set(doc, pick(rng, all), HOLE);
    const depth = Math.floor(200 + rng() * 2500);
    return rng() < 0.5
      ? '['.repeat(depth) + ']'.repeat(depth)
      : '{a: '.repeat(depth) + '1' + '}'.repeat(depth);
  }),
  onDocument('alias', (doc, rng) => {
    const all = slots(doc).filter((s) => s.node !== null);
    if (all.length < 2) return;
    const from = pick(rng, all);
    const to = pick(rng, all);
    if (from.node === to.node) return;
    const alias = doc.createAlias(from.node as Parameters<typeof doc.createAlias>[0], 'm1');
    set(doc, to, alias);
  }),
  onDocument('alias-cycle', (doc, rng) => {
    const maps = slots(doc).filter((s) => isMap(s.node));
    if (maps.length === 0) return;
    const target = pick(rng, maps).node as Parameters<typeof doc.createAlias>[0] & {
      set(k: unknown, v: unknown): void;
    };
    target.set('self', doc.createAlias(target, 'loop'));
  }),
  {
    name: 'billion-laughs',
    apply(text, rng) {
      const levels = ['lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let i = 1; i < 9; i++)
        levels.push(
          `lol${i}: &l${i} [${Array(9)
            .fill(`*l${i - 1}`)
            .join(', ')}]`,
        );
      const bomb = `x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
      // Either beside the capability or used as a value the generator reads.
      return rng() < 0.5 ? bomb + text : text.replace(/^(\s*description:).*$/m, '$1 *l8') + '\n' + bomb;
    },
  },
  {
    name: 'truncate',
    apply(text, rng) {
      return text.slice(0, Math.floor(rng() * text.length));
    },
  },
  {
    name: 'tab-indent',
    apply(text, rng) {
      const lines = text.split('\n');
      const indented = lines.map((l, i) => [l, i] as const).filter(([l]) => /^ {2,}\S/.test(l));
      if (indented.length === 0) return text;
      const [line, i] = pick(rng, indented);
      lines[i] = line.replace(/^ {2}/, '\t');
      return lines.join('\n');
    },
  },
  {
    name: 'duplicate-line',
    apply(text, rng) {
      const lines = text.split('\n');
      const i = Math.floor(rng() * lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    },
  },
  {
    name: 'odd-numbers',
    apply(text, rng) {
      const lines = text.split('\n');
      const values = lines
        .map((l, i) => [l, i] as const)
        .filter(([l]) => /:\s+\S/.test(l) && !/:\s*[|>]/.test(l));
      if (values.length === 0) return text;
      const [line, i] = pick(rng, values);
      lines[i] = line.replace(
        /:\s+.*$/,
        `: ${pick(rng, ['1e400', '-.inf', '.nan', '0x1F', '-0', '99999999999999999999', '0o17'])}`,
      );
      return lines.join('\n');
    },
  },
];

interface Outcome {
  index: number;
  base: string;
  mutation: string;
  kind: 'generated' | 'refused' | 'crash';
  ms: number;
  detail?: string;
  text?: string;
  result?: Generated;
}

const STACK = /\n\s+at |node_modules|\.ts:\d+:\d+|TypeError|RangeError|ReferenceError|Maximum call stack/;

/** A diagnostic points inside the file and says what is wrong without a stack trace. */
function located(d: Diagnostic, text: string): string | undefined {
  const lines = text.split('\n').length;
  if (!(d.line >= 1 && d.line <= lines + 1 && d.col >= 1)) return `not located: ${d.line}:${d.col}`;
  if (d.code === '' || d.message === '') return 'no code or message';
  if (STACK.test(d.message)) return `a stack trace or internal error in: ${d.message.slice(0, 200)}`;
  return undefined;
}

function digest(files: Map<string, string>): string {
  const hash = createHash('sha256');
  for (const [name, text] of files) hash.update(name).update('\0').update(text).update('\0');
  return hash.digest('hex');
}

async function run(index: number, base: string, text: string, mutation: string): Promise<Outcome> {
  const started = performance.now();
  const file = `mutant-${index}.yaml`;
  try {
    const result = await generateText(file, text, { skipFormat: true });
    const ms = performance.now() - started;
    const bad = result.diagnostics.map((d) => located(d, text)).find((x) => x !== undefined);
    if (bad !== undefined) return { index, base, mutation, kind: 'crash', ms, detail: `warning ${bad}` };
    return { index, base, mutation, kind: 'generated', ms, text, result };
  } catch (err) {
    const ms = performance.now() - started;
    if (err instanceof SpecError) {
      const bad = err.diagnostics.map((d) => located(d, text)).find((x) => x !== undefined);
      if (err.diagnostics.length === 0)
        return { index, base, mutation, kind: 'crash', ms, detail: 'empty refusal' };
      if (bad !== undefined) return { index, base, mutation, kind: 'crash', ms, detail: `refusal ${bad}` };
      return { index, base, mutation, kind: 'refused', ms };
    }
    const e = err as Error;
    return {
      index,
      base,
      mutation,
      kind: 'crash',
      ms,
      detail: `${e?.name}: ${String(e?.message).split('\n')[0]}`,
    };
  }
}

describe('the generator under mutated specs', () => {
  it(`${COUNT} mutants (seed ${SEED}): a located refusal or a server, never a crash`, async () => {
    const texts = BASES.map((b) => readFileSync(join(CORPUS, b), 'utf8'));
    const baseDigests = new Map<string, string>();
    for (const [i, base] of BASES.entries()) {
      const r = await run(-1, base, texts[i]!, 'none');
      if (r.result) baseDigests.set(base, digest(r.result.files));
    }
    const rng = random(SEED);
    const outcomes: Outcome[] = [];
    const started = performance.now();
    for (let index = 0; index < COUNT; index++) {
      const b = index % BASES.length;
      let text = texts[b]!;
      // One to three mutations on top of each other.
      const applied: string[] = [];
      for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
        const mutation = pick(rng, MUTATIONS);
        applied.push(mutation.name);
        try {
          text = mutation.apply(text, rng);
        } catch {
          // The YAML library cannot lay out this document (e.g. an alias cycle it refuses):
          // keep the text as it was; the loader still sees the earlier mutations.
          applied.push('(unapplied)');
        }
      }
      outcomes.push(await run(index, BASES[b]!, text, applied.join('+')));
    }
    const totalMs = performance.now() - started;

    const crashes = outcomes
      .filter((o) => o.kind === 'crash')
      .map((o) => `#${o.index} ${o.base} ${o.mutation}: ${o.detail}`);
    expect(crashes).toEqual([]);
    const count = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
    // Both outcomes occur: the mutations neither all break the spec nor all leave it intact.
    expect(count('generated')).toBeGreaterThan(COUNT / 10);
    expect(count('refused')).toBeGreaterThan(COUNT / 10);
    // No time bound of its own: speed depends on the machine, and a hang ends the run by the
    // suite's hang guard (vitest.config.ts). The slowest mutant is printed below instead.
    const slowest = outcomes.reduce((a, o) => (o.ms > a.ms ? o : a));

    // A sample whose output changed, formatted and type-checked, the huge strings aside.
    const changed = outcomes.filter(
      (o) =>
        o.result !== undefined &&
        !o.mutation.includes('huge-string') &&
        baseDigests.get(o.base) !== digest(o.result.files),
    );
    const sample: Outcome[] = [];
    for (const o of changed) {
      if (sample.length >= VERIFIED) break;
      if (!sample.some((s) => s.mutation === o.mutation)) sample.push(o);
    }
    expect(sample.length).toBeGreaterThan(0);
    for (const o of sample) {
      const full = await generateText(`mutant-${o.index}.yaml`, o.text!);
      expect(full.files.size, `#${o.index} ${o.mutation}`).toBeGreaterThan(0);
    }
    const byMutation = new Map<string, number>();
    for (const o of outcomes)
      for (const m of o.mutation.split('+')) byMutation.set(m, (byMutation.get(m) ?? 0) + o.ms);
    const costly = [...byMutation].sort((a, b) => b[1] - a[1]).slice(0, 4);
    process.stdout.write(
      `mutation: most time in ${costly.map(([m, ms]) => `${m} ${Math.round(ms)} ms`).join(', ')}\n` +
        `mutation: ${COUNT} mutants in ${Math.round(totalMs)} ms (generated ${count('generated')}, refused ${count('refused')}, ` +
        `slowest ${Math.round(slowest.ms)} ms: ${slowest.mutation}); type-checked ${sample.map((s) => `#${s.index} ${s.mutation}`).join(', ')}\n`,
    );
  });
});
