/**
 * Reads a V8 `.cpuprofile` (as written by `node --cpu-prof`) and says where the time went: self
 * time by package / area, and the functions with the most self and inclusive time. Idle time is
 * left out of every share.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Non-idle time in the window, in ms. */
  busyMs: number;
  /** Samples in the window; 0 means the window did not match the profile's clock. */
  samples: number;
  /** Self time by area in ms, every area (for comparisons). */
  areaMs: Record<string, number>;
  /** Self time by area: a package, node core, the generated code, GC, … */
  areas: { area: string; share: number }[];
  /** Functions by self time. */
  self: { fn: string; share: number }[];
  /** Functions by inclusive time (on the stack when sampled). */
  inclusive: { fn: string; share: number }[];
}

function area(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return 'V8/native (program)';
    return `native ${functionName}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) {
    const m = /^node:(internal\/)?([^/]+)/.exec(url);
    return `node:${m?.[2] ?? url}`;
  }
  const gen = url.indexOf('/out/');
  if (gen >= 0) return `generated ${url.slice(gen + 1)}`;
  return url.replace(/^file:\/\//, '');
}

function label(frame: CallFrame): string {
  const file =
    frame.url === ''
      ? ''
      : ` ${frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(out|test)\//, '$1/')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${file}`;
}

/**
 * Summarizes one profile. `window` (µs of the monotonic clock, as process.hrtime gives and V8
 * stamps its samples with) keeps only the samples of a measured run, leaving start-up out.
 */
export function summarizeProfile(
  file: string,
  window?: { fromUs: number; toUs: number },
  top = 12,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfByArea = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclByFn = new Map<string, number>();
  let busy = 0;
  let inWindow = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    inWindow++;
    const node = byId.get(profile.samples[i]!);
    // A sample's time is the gap to the next sample.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += dt;
    const a = area(node.callFrame);
    selfByArea.set(a, (selfByArea.get(a) ?? 0) + dt);
    const l = label(node.callFrame);
    selfByFn.set(l, (selfByFn.get(l) ?? 0) + dt);
    const seen = new Set<string>();
    // Bounded by the profile's depth: every step moves to a parent, and the root has none.
    for (let id: number | undefined = node.id, depth = 0; id !== undefined && depth < 10_000; depth++) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName !== '(root)') {
        const key = label(frame);
        if (!seen.has(key)) {
          seen.add(key);
          inclByFn.set(key, (inclByFn.get(key) ?? 0) + dt);
        }
      }
      id = parent.get(id);
    }
  }
  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([k, v]) => ({ key: k, share: busy > 0 ? v / busy : 0 }));
  return {
    file,
    busyMs: busy / 1000,
    samples: inWindow,
    areaMs: Object.fromEntries([...selfByArea.entries()].map(([k, v]) => [k, v / 1000])),
    areas: ranked(selfByArea).map(({ key, share }) => ({ area: key, share })),
    self: ranked(selfByFn).map(({ key, share }) => ({ fn: key, share })),
    inclusive: ranked(inclByFn).map(({ key, share }) => ({ fn: key, share })),
  };
}
