// Emits the generated server's package-lock.json: the part of capgen's own lockfile that its
// dependencies reach, so `npm ci` in out/<name>/ installs exactly the versions capgen type-checks
// and tests the generated code against, with their integrity hashes, and no registry lookup
// decides a version.
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

let rootLock: Lockfile | undefined;

function capgenLock(): Lockfile {
  rootLock ??= JSON.parse(
    readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'),
  ) as Lockfile;
  return rootLock;
}

/** Where Node finds `name` from the package installed at `from` ('' is the root). */
function resolveFrom(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

interface Edge {
  to: string;
  optional: boolean;
}

function edgesOf(packages: Record<string, LockEntry>, location: string, entry: LockEntry): Edge[] {
  const wanted: [string, boolean][] = [
    ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
    // npm installs peers too, unless they are marked optional.
    ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [
      n,
      entry.peerDependenciesMeta?.[n]?.optional === true,
    ]),
  ];
  const edges: Edge[] = [];
  for (const [name, optional] of wanted) {
    const to = resolveFrom(packages, location, name);
    // An optional peer that nobody installed, or a platform package left out: nothing to follow.
    if (to === undefined) {
      if (optional) continue;
      throw new Error(`generator bug: capgen's lockfile has no ${name} for ${location || 'the root'}`);
    }
    edges.push({ to, optional });
  }
  return edges;
}

/** Every location reachable from `roots`; `requiredOnly` follows no optional edge. */
function reach(packages: Record<string, LockEntry>, roots: string[], requiredOnly: boolean): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const location = queue.pop()!;
    if (seen.has(location)) continue;
    seen.add(location);
    for (const edge of edgesOf(packages, location, packages[location]!))
      if (!(requiredOnly && edge.optional)) queue.push(edge.to);
  }
  return seen;
}

/**
 * The lockfile (v3) of a package with these exact dependencies, every one of which capgen itself
 * depends on at that version. Flags (`dev`, `optional`) are computed for the new root, so
 * `npm ci --omit=dev` leaves out the build tools.
 */
export function emitLockfile(
  name: string,
  version: string,
  dependencies: Record<string, string>,
  devDependencies: Record<string, string>,
): string {
  const { packages } = capgenLock();
  const top = (deps: Record<string, string>) =>
    Object.entries(deps).map(([dep, wanted]) => {
      const location = `node_modules/${dep}`;
      const found = packages[location]?.version;
      if (found !== wanted)
        throw new Error(
          `generator bug: the generated package pins ${dep}@${wanted}, capgen's lockfile has ${found ?? 'none'}`,
        );
      return location;
    });
  const prod = top(dependencies);
  const dev = top(devDependencies);
  const prodAll = reach(packages, prod, false);
  const everything = reach(packages, [...prod, ...dev], false);
  const prodRequired = reach(packages, prod, true);
  const required = reach(packages, [...prod, ...dev], true);

  const out: Record<string, LockEntry> = {
    '': {
      name,
      version,
      ...(Object.keys(dependencies).length > 0 ? { dependencies } : {}),
      ...(Object.keys(devDependencies).length > 0 ? { devDependencies } : {}),
      engines: { node: '>=20.19' },
    },
  };
  for (const location of [...everything].sort()) {
    const { dev: _d, optional: _o, devOptional: _do, peer: _p, ...entry } = packages[location]!;
    const isDev = !prodAll.has(location);
    const isOptional = !required.has(location);
    // Needed by production only optionally, but by the dev tools outright.
    const isDevOptional = !isDev && !isOptional && !prodRequired.has(location);
    out[location] = {
      ...entry,
      ...(isDev ? { dev: true } : {}),
      ...(isOptional ? { optional: true } : {}),
      ...(isDevOptional ? { devOptional: true } : {}),
    };
  }
  const lock: Lockfile = { name, version, lockfileVersion: 3, requires: true, packages: out };
  return `${JSON.stringify(lock, null, 2)}\n`;
}
