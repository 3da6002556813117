// Naming rules. Generated code keeps the spec's names wherever TypeScript allows them (object
// keys are quoted when needed) and derives identifiers only where it must.

/** Words no identifier may be: JavaScript's reserved words and the globals generated code relies on. */
export const RESERVED: ReadonlySet<string> = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity'
  ).split(' '),
);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** `list-instance-images` → `listInstanceImages`; `listimages` stays `listimages`. */
export function camel(name: string): string {
  const parts = words(name);
  if (parts.length === 0) return '_';
  const joined = parts
    .map((w, i) => (i === 0 ? w[0]!.toLowerCase() + w.slice(1) : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
  return safeIdent(joined);
}

/** `instance-images` → `InstanceImages`. */
export function pascal(name: string): string {
  const c = camel(name).replace(/^_/, '');
  return safeIdent(c.length === 0 ? 'X' : c[0]!.toUpperCase() + c.slice(1));
}

/** `instance-images-rest` → `INSTANCE_IMAGES_REST`. */
export function envName(name: string): string {
  const upper = words(name)
    .map((w) => w.toUpperCase())
    .join('_');
  return /^[0-9]/.test(upper) ? `_${upper}` : upper || '_';
}

function safeIdent(name: string): string {
  const base = /^[0-9]/.test(name) ? `_${name}` : name;
  return RESERVED.has(base) ? `${base}_` : base;
}

/** `image-id` → `image_id`: a router parameter name that Fastify reads as one name. */
export function routerParam(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) || s === '' ? `_${s}` : s;
}

/** `-` and `_` are treated alike, and case is ignored, when matching names across the spec. */
export function sameName(a: string, b: string): boolean {
  return normalise(a) === normalise(b);
}

function normalise(name: string): string {
  return name.replace(/[-_]/g, '').toLowerCase();
}

/** Hands out unique names: the second `foo` becomes `foo2`. */
export class NameTable {
  private readonly used = new Set<string>();
  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.used.add(r);
  }
  take(name: string): string {
    let candidate = name;
    for (let n = 2; this.used.has(candidate); n++) candidate = `${name}${n}`;
    this.used.add(candidate);
    return candidate;
  }
}

/** The identifiers emitted for a REST adapter, all derived from its namespace here, once. */
export function restNames(namespace: string) {
  const base = pascal(namespace);
  const lower = lowerFirst(base);
  return {
    factoryName: `create${base}App`,
    routesName: `${lower}Routes`,
    optionsName: `${base}Options`,
    clientsName: `${base}Clients`,
    openapiConst: `${lower}OpenApi`,
    appIdent: `${lower}App`,
  };
}

/** The identifiers emitted for an MCP adapter. */
export function mcpNames(namespace: string) {
  const base = pascal(namespace);
  const lower = lowerFirst(base);
  return {
    factoryName: `create${base}Server`,
    toolsName: `${lower}Tools`,
    resourcesName: `${lower}Resources`,
    promptsName: `${lower}Prompts`,
    optionsName: `${base}Options`,
    clientsName: `${base}Clients`,
    toolsIdent: `${lower}ToolDefs`,
    resourcesIdent: `${lower}ResourceDefs`,
  };
}

/** The identifiers emitted for a skill catalog. */
export function skillNames(namespace: string) {
  const lower = camel(namespace);
  return {
    catalogName: `${lower}Catalog`,
    appIdent: `${lower}App`,
    openapiFile: `openapi.${namespace}.json`,
  };
}

const lowerFirst = (name: string) => name[0]!.toLowerCase() + name.slice(1);
