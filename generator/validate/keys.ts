// The keys each kind of spec object may have: the official alpha2 schema's properties
// (strict.schema.json) plus the dialect's own (dialect.schema.json), read once from both files.
import { readFileSync } from 'node:fs';

export type KeyedObject =
  'consumes' | 'resource' | 'operation' | 'exposes' | 'restResource' | 'restOperation' | 'tool';

/** Each kind → the schema definitions (official, then dialect) that describe it. */
const SOURCES: Record<KeyedObject, { official: string[]; dialect: string[] }> = {
  consumes: { official: ['httpSource', 'importedSource'], dialect: ['consumes'] },
  resource: { official: [], dialect: ['resource'] },
  operation: { official: ['upstreamOperation'], dialect: ['operation'] },
  exposes: {
    official: ['restAdapter', 'mcpAdapter', 'skillAdapter', 'controlAdapter'],
    dialect: ['exposes'],
  },
  restResource: { official: ['restResource'], dialect: ['restResource'] },
  restOperation: { official: ['restOperation'], dialect: ['restOperation'] },
  tool: { official: ['tool'], dialect: ['tool'] },
};

interface Def {
  properties?: Record<string, Def>;
  items?: Def;
}
type Defs = Record<string, Def>;
const read = (name: string): Defs => {
  const schema = JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8')) as {
    $defs?: Defs;
    definitions?: Defs;
  };
  return schema.$defs ?? schema.definitions ?? {};
};

let cache: Map<KeyedObject, Set<string>> | undefined;

export function knownKeys(kind: KeyedObject): Set<string> {
  if (!cache) {
    const official = read('./strict.schema.json');
    const dialect = read('./dialect.schema.json');
    cache = new Map();
    for (const [k, source] of Object.entries(SOURCES) as [KeyedObject, (typeof SOURCES)[KeyedObject]][]) {
      const keys = new Set<string>();
      for (const d of source.official)
        for (const p of Object.keys(official[d]?.properties ?? {})) keys.add(p);
      for (const d of source.dialect) for (const p of Object.keys(dialect[d]?.properties ?? {})) keys.add(p);
      cache.set(k, keys);
    }
    // The official schema describes consumed resources inline, inside httpSource.
    const resource = official.httpSource?.properties?.resources?.items?.properties ?? {};
    for (const p of Object.keys(resource)) cache.get('resource')!.add(p);
  }
  return cache.get(kind)!;
}
