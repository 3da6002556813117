// Pairs consumed operations with the operations of an OpenAPI document: same method, same path
// template once the consumed baseUri's path is put in front (placeholder names may differ, and
// `{x}` and `{{x}}` are alike). Schemas are converted only for the operations that match.
import { SpecError } from '../diagnostics.js';
import type { HttpMethod, JsonSchema, PathPart } from '../model/types.js';
import type { DocumentSet } from './document.js';
import { openApiError, type Place, valueAt } from './document.js';
import { SchemaStore } from './schema.js';

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface ParamTypes {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OperationTypes {
  /** Where the operation is, for notes: `GET /instance/v1/zones/{zone}/images`. */
  label: string;
  description?: string;
  /** Path parameters by position in the path. */
  pathParams: (ParamTypes | undefined)[];
  /** Query, header and cookie parameters by `in:name` (header names in lower case). */
  params: Map<string, ParamTypes>;
  body?: { schema: JsonSchema; required: boolean; description?: string };
  /** The first 2xx answer with a JSON body. */
  response?: { status: string; schema: JsonSchema; description?: string };
}

interface Indexed {
  method: string;
  path: string;
  place: Place;
  item: Place;
}

export class OpenApiSource {
  private readonly index = new Map<string, Indexed>();
  private readonly cache = new Map<string, OperationTypes>();
  readonly store: SchemaStore;

  constructor(
    readonly namespace: string,
    readonly docs: DocumentSet,
    takeName: (suggested: string) => string,
  ) {
    this.store = new SchemaStore(docs, takeName);
    const root = docs.root;
    const data = root.data;
    if (!isRaw(data) || (typeof data.openapi !== 'string' && typeof data.swagger !== 'string'))
      throw new SpecError([openApiError({ doc: root }, 'not an OpenAPI document: no `openapi` version')]);
    if (typeof data.swagger === 'string' || !/^3\.[01]\./.test(String(data.openapi)))
      throw new SpecError([
        openApiError(
          { doc: root, pointer: [typeof data.swagger === 'string' ? 'swagger' : 'openapi'] },
          `OpenAPI ${String(data.openapi ?? data.swagger)} is not read; capgen reads OpenAPI 3.0 and 3.1`,
        ),
      ]);
    const servers = Array.isArray(data.servers) ? data.servers : [];
    const prefixes = new Set(['']);
    for (const s of servers) if (isRaw(s) && typeof s.url === 'string') prefixes.add(serverPath(s));
    for (const [path, item] of Object.entries(isRaw(data.paths) ? data.paths : {})) {
      if (!isRaw(item)) continue;
      for (const method of METHODS) {
        if (!isRaw(item[method])) continue;
        for (const prefix of prefixes) {
          const key = `${method.toUpperCase()} ${shape(prefix + path)}`;
          if (!this.index.has(key))
            this.index.set(key, {
              method,
              path,
              place: { doc: root, pointer: ['paths', path, method] },
              item: { doc: root, pointer: ['paths', path] },
            });
        }
      }
    }
  }

  /** The OpenAPI operation for a consumed one, or undefined when none has its method and path. */
  match(method: HttpMethod, basePath: string, path: PathPart[]): OperationTypes | undefined {
    const full = basePath + path.map((p) => (p.kind === 'text' ? p.text : '{}')).join('');
    const found = this.index.get(`${method} ${shape(full)}`);
    if (!found) return undefined;
    const key = `${found.method} ${found.path}`;
    let types = this.cache.get(key);
    if (!types) {
      types = this.read(found);
      this.cache.set(key, types);
    }
    return types;
  }

  private read(found: Indexed): OperationTypes {
    const op = valueAt(found.place.doc.data, found.place.pointer) as Raw;
    const item = valueAt(found.item.doc.data, found.item.pointer) as Raw;
    const at = (base: Place, ...keys: (string | number)[]): Place => ({
      doc: base.doc,
      pointer: [...base.pointer, ...keys.map(String)],
    });
    const byKey = new Map<string, ParamTypes>();
    const read = (list: unknown, base: Place) => {
      if (!Array.isArray(list)) return;
      list.forEach((raw, i) => {
        const [p, place] = this.deref(raw, at(base, 'parameters', i));
        if (!isRaw(p) || typeof p.name !== 'string' || typeof p.in !== 'string') return;
        const where = p.in as ParamTypes['in'];
        if (!['path', 'query', 'header', 'cookie'].includes(where)) return;
        let schema = this.paramSchema(p, place);
        const description = typeof p.description === 'string' ? p.description : undefined;
        if (description !== undefined && schema.description === undefined)
          schema = { ...schema, description };
        byKey.set(`${where}:${where === 'header' ? p.name.toLowerCase() : p.name}`, {
          name: p.name,
          in: where,
          required: where === 'path' || p.required === true,
          description:
            description ?? (typeof schema.description === 'string' ? schema.description : undefined),
          schema,
        });
      });
    };
    read(item.parameters, found.item);
    read(op.parameters, found.place);
    const placeholders = [...found.path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!);
    const params = new Map<string, ParamTypes>();
    for (const [k, v] of byKey) if (v.in !== 'path') params.set(k, v);
    const summary = typeof op.summary === 'string' ? op.summary : undefined;
    const description = typeof op.description === 'string' ? op.description : summary;
    return {
      label: `${found.method.toUpperCase()} ${found.path}`,
      description,
      pathParams: placeholders.map((name) => byKey.get(`path:${name}`)),
      params,
      body: this.body(op.requestBody, at(found.place, 'requestBody')),
      response: this.response(op.responses, at(found.place, 'responses')),
    };
  }

  private paramSchema(p: Raw, place: Place): JsonSchema {
    if (p.schema !== undefined)
      return this.store.convert(p.schema, { doc: place.doc, pointer: [...place.pointer, 'schema'] });
    const json = jsonMedia(p.content);
    if (json)
      return this.store.convert(json[1].schema, {
        doc: place.doc,
        pointer: [...place.pointer, 'content', json[0], 'schema'],
      });
    return { type: 'string' };
  }

  private body(raw: unknown, place: Place): OperationTypes['body'] {
    if (raw === undefined) return undefined;
    const [body, at] = this.deref(raw, place);
    if (!isRaw(body)) return undefined;
    const json = jsonMedia(body.content);
    if (!json) return undefined;
    return {
      schema: this.store.convert(json[1].schema, {
        doc: at.doc,
        pointer: [...at.pointer, 'content', json[0], 'schema'],
      }),
      required: body.required === true,
      description: typeof body.description === 'string' ? body.description : undefined,
    };
  }

  private response(raw: unknown, place: Place): OperationTypes['response'] {
    if (!isRaw(raw)) return undefined;
    const statuses = Object.keys(raw)
      .filter((s) => /^2(\d\d|XX)$/i.test(s))
      .sort();
    for (const status of statuses) {
      const [res, at] = this.deref(raw[status], { doc: place.doc, pointer: [...place.pointer, status] });
      if (!isRaw(res)) continue;
      const json = jsonMedia(res.content);
      if (!json) continue;
      return {
        status,
        schema: this.store.convert(json[1].schema, {
          doc: at.doc,
          pointer: [...at.pointer, 'content', json[0], 'schema'],
        }),
        description:
          typeof res.description === 'string' && res.description !== '' ? res.description : undefined,
      };
    }
    return undefined;
  }

  /** Follows `$ref`s of parameters, bodies and responses (not schemas), with a cycle guard. */
  private deref(raw: unknown, place: Place): [unknown, Place] {
    let value = raw;
    let at = place;
    for (let hops = 0; isRaw(value) && typeof value.$ref === 'string'; hops++) {
      if (hops > 32) throw new SpecError([openApiError(place, 'a cycle of $refs')]);
      at = this.docs.follow(value.$ref, { doc: at.doc, pointer: [...at.pointer, '$ref'] });
      value = valueAt(at.doc.data, at.pointer);
    }
    return [value, at];
  }
}

function jsonMedia(content: unknown): [string, Raw] | undefined {
  if (!isRaw(content)) return undefined;
  const entries = Object.entries(content).filter((e): e is [string, Raw] => isRaw(e[1]));
  return (
    entries.find(([type]) => type.split(';')[0]!.trim().toLowerCase() === 'application/json') ??
    entries.find(([type]) => /[/+]json\b/i.test(type)) ??
    entries.find(([type]) => type === '*/*')
  );
}

/** The path part of a server URL, with variables at their defaults: `https://x/{v}/api` → `/v2/api`. */
function serverPath(server: Raw): string {
  const vars = isRaw(server.variables) ? server.variables : {};
  const url = String(server.url).replace(/\{([^{}]+)\}/g, (_m, name: string) => {
    const v = vars[name];
    return isRaw(v) && v.default !== undefined ? String(v.default) : '';
  });
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') : url;
  return path.replace(/\/+$/, '');
}

/** A path template with placeholders anonymised: `/a/{x}/b/{{y}}/` → `/a/{}/b/{}`. */
export function shape(path: string): string {
  const out = path
    .replace(/[?#].*$/, '')
    .replace(/\{\{[^{}]*\}\}|\{[^{}]*\}/g, '{}')
    .replace(/\/+$/, '');
  return out.startsWith('/') || out === '' ? out : `/${out}`;
}

/** The path of a base URI, with a templated host or prefix left out: `https://x.com/v1/` → `/v1`. */
export function basePath(baseUri: string): string {
  const noScheme = baseUri.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = noScheme.indexOf('/');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(baseUri)) return shape(baseUri.startsWith('/') ? baseUri : '');
  return slash < 0 ? '' : shape(noScheme.slice(slash));
}
