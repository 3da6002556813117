// OpenAPI Schema Objects (3.0 and 3.1) to the JSON Schema subset capgen prints. Every schema is
// converted once, in one pass: a `$ref` to a component schema becomes a reference to a named
// definition (`{$ref: '#/$defs/Image'}`) that is converted the first time it is reached, so a
// document is read in time linear in its size, and cycles are just references.
//
// Rules (docs/openapi.md says the same for users):
//  - `nullable: true` (3.0) becomes a `null` branch of `type` (and of `enum`);
//  - `allOf` of object schemas is merged into one object (properties, required); other `allOf`s
//    are kept;
//  - `format`s that validators know (date-time, uuid, email…) are kept; integer formats become
//    bounds (`uint32` → 0..4294967295); others are dropped;
//  - a property named `<…>` (a provider's way to say "any key") becomes `additionalProperties`;
//  - `example(s)`, `x-*`, `discriminator`, `xml`, `externalDocs`, `readOnly`/`writeOnly` are
//    dropped; `deprecated` is said in the description;
//  - a `default` of a required property is dropped: it could never apply.
import { SpecError } from '../diagnostics.js';
import type { JsonSchema } from '../model/types.js';
import { type DocumentSet, openApiError, type Place, valueAt } from './document.js';

const KNOWN_FORMATS = new Set([
  'date',
  'time',
  'date-time',
  'duration',
  'uri',
  'uri-reference',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);

const INTEGER_BOUNDS: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

const COPIED = [
  'const',
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'default',
] as const;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A named definition: the component schema it came from and its converted form. */
export interface NamedSchema {
  name: string;
  schema: JsonSchema;
}

const DEFS = '#/$defs/';

/** The name of a definition a schema references, if it is a bare reference. */
export function refName(schema: JsonSchema): string | undefined {
  const ref = schema.$ref;
  return typeof ref === 'string' && ref.startsWith(DEFS) ? ref.slice(DEFS.length) : undefined;
}

export class SchemaStore {
  /** Definitions by `file#pointer`, in the order they were first reached. */
  private readonly byKey = new Map<string, NamedSchema>();
  private readonly byName = new Map<string, NamedSchema>();
  /** Inline (non-component) references being converted, to turn a cycle through them into a name. */
  private readonly inlining = new Set<string>();

  constructor(
    private readonly docs: DocumentSet,
    /** Hands out a unique type name for a suggested one. */
    private readonly takeName: (suggested: string) => string,
  ) {}

  /** Every definition reached so far, by name. */
  get definitions(): Map<string, JsonSchema> {
    return new Map([...this.byName.values()].map((n) => [n.name, n.schema]));
  }

  convert(raw: unknown, place: Place): JsonSchema {
    if (raw === true || raw === undefined) return {};
    if (raw === false) return { not: {} };
    if (!isRaw(raw)) throw new SpecError([openApiError(place, 'a schema must be an object')]);
    if (typeof raw.$ref === 'string') return this.reference(raw, place);
    const at = (...keys: (string | number)[]): Place => ({
      doc: place.doc,
      pointer: [...place.pointer, ...keys.map(String)],
    });
    if (Array.isArray(raw.allOf)) {
      const parts = raw.allOf.map((p, i) => this.convert(p, at('allOf', i)));
      const { allOf: _drop, ...rest } = raw;
      const own = Object.keys(rest).some((k) => !k.startsWith('x-')) ? [this.convert(rest, place)] : [];
      return this.merge([...parts, ...own]);
    }
    const out: JsonSchema = {};
    if (typeof raw.title === 'string') out.title = raw.title;
    let description = typeof raw.description === 'string' ? raw.description : undefined;
    if (raw.deprecated === true) description = description ? `Deprecated. ${description}` : 'Deprecated.';
    if (description !== undefined) out.description = description;
    let types: string[] | undefined;
    if (typeof raw.type === 'string') types = [raw.type];
    else if (Array.isArray(raw.type)) types = raw.type.filter((t): t is string => typeof t === 'string');
    if (types) {
      const unknown = types.find((t) => !TYPES.has(t));
      if (unknown !== undefined)
        throw new SpecError([openApiError(at('type'), `unknown schema type "${unknown}"`)]);
    }
    const nullable = raw.nullable === true;
    if (nullable && types && !types.includes('null')) types = [...types, 'null'];
    if (types) out.type = types.length === 1 ? types[0] : types;
    if (Array.isArray(raw.enum)) {
      const values = [...raw.enum];
      if (nullable && !values.includes(null)) values.push(null);
      out.enum = values;
    }
    for (const key of COPIED) if (raw[key] !== undefined) out[key] = raw[key];
    // 3.0 writes exclusive bounds as booleans beside minimum/maximum.
    if (raw.exclusiveMinimum === true && typeof raw.minimum === 'number') {
      delete out.minimum;
      out.exclusiveMinimum = raw.minimum;
    } else if (typeof raw.exclusiveMinimum === 'number') out.exclusiveMinimum = raw.exclusiveMinimum;
    if (raw.exclusiveMaximum === true && typeof raw.maximum === 'number') {
      delete out.maximum;
      out.exclusiveMaximum = raw.maximum;
    } else if (typeof raw.exclusiveMaximum === 'number') out.exclusiveMaximum = raw.exclusiveMaximum;
    if (typeof raw.format === 'string') {
      const bounds = INTEGER_BOUNDS[raw.format];
      if (KNOWN_FORMATS.has(raw.format)) out.format = raw.format;
      else if (bounds && types?.includes('integer')) {
        if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = bounds[0];
        if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = bounds[1];
      }
    }
    if (raw.items !== undefined && !Array.isArray(raw.items))
      out.items = this.convert(raw.items, at('items'));
    if (isRaw(raw.properties)) {
      const properties: Record<string, JsonSchema> = {};
      let placeholder: JsonSchema | undefined;
      for (const [name, sub] of Object.entries(raw.properties)) {
        const converted = this.convert(sub, at('properties', name));
        if (/^<[^<>]+>$/.test(name)) placeholder = converted;
        else properties[name] = converted;
      }
      out.properties = properties;
      if (placeholder !== undefined) out.additionalProperties = placeholder;
    }
    if (Array.isArray(raw.required)) {
      const names = raw.required.filter((r): r is string => typeof r === 'string');
      if (names.length > 0) out.required = names;
      const props = out.properties as Record<string, JsonSchema> | undefined;
      for (const name of names) if (props?.[name]) delete props[name].default;
    }
    if (raw.additionalProperties !== undefined && out.additionalProperties === undefined) {
      out.additionalProperties =
        raw.additionalProperties === true
          ? {}
          : raw.additionalProperties === false
            ? false
            : this.convert(raw.additionalProperties, at('additionalProperties'));
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      if (Array.isArray(raw[key])) out[key] = raw[key].map((p, i) => this.convert(p, at(key, i)));
    }
    // An object schema written without `type` (common in real documents) says so.
    if (out.type === undefined && (out.properties !== undefined || out.additionalProperties !== undefined))
      out.type = nullable ? ['object', 'null'] : 'object';
    if (out.type === undefined && out.items !== undefined) out.type = nullable ? ['array', 'null'] : 'array';
    return out;
  }

  private reference(raw: Raw, place: Place): JsonSchema {
    const ref = raw.$ref as string;
    const target = this.docs.follow(ref, { doc: place.doc, pointer: [...place.pointer, '$ref'] });
    const key = `${target.doc.file}#/${target.pointer.join('/')}`;
    const component =
      (target.pointer.length === 3 &&
        target.pointer[0] === 'components' &&
        target.pointer[1] === 'schemas') ||
      (target.pointer.length === 2 && (target.pointer[0] === 'definitions' || target.pointer[0] === '$defs'));
    const siblings: JsonSchema = {};
    if (typeof raw.description === 'string') siblings.description = raw.description;
    if (raw.deprecated === true)
      siblings.description = siblings.description ? `Deprecated. ${siblings.description}` : 'Deprecated.';
    if (component || this.inlining.has(key) || this.byKey.has(key)) {
      return { $ref: `${DEFS}${this.define(key, target)}`, ...siblings };
    }
    this.inlining.add(key);
    try {
      const converted = this.convert(valueAt(target.doc.data, target.pointer), target);
      return { ...converted, ...siblings };
    } finally {
      this.inlining.delete(key);
    }
  }

  private define(key: string, target: Place): string {
    const existing = this.byKey.get(key);
    if (existing) return existing.name;
    const last = target.pointer[target.pointer.length - 1] ?? 'Schema';
    // `scaleway.instance.v1.Image` → `Image`: the last dotted segment reads like a type name.
    const named: NamedSchema = { name: this.takeName(typeName(last)), schema: {} };
    this.byKey.set(key, named);
    this.byName.set(named.name, named);
    named.schema = this.convert(valueAt(target.doc.data, target.pointer), target);
    return named.name;
  }

  /** Merges `allOf` members that are plain objects (references are looked through). */
  private merge(parts: JsonSchema[]): JsonSchema {
    const resolved = parts.map((p) => {
      const name = refName(p);
      return name === undefined ? p : (this.byName.get(name)?.schema ?? p);
    });
    const objectLike = (s: JsonSchema) =>
      refName(s) === undefined &&
      s.oneOf === undefined &&
      s.anyOf === undefined &&
      s.allOf === undefined &&
      (s.type === undefined || s.type === 'object');
    // A definition still being converted (a cycle through allOf) cannot be merged.
    if (
      !resolved.every(objectLike) ||
      resolved.some((s) => Object.keys(s).length === 0 && parts.length > 1)
    ) {
      return { allOf: parts };
    }
    const out: JsonSchema = { type: 'object' };
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const s of resolved) {
      if (s.description !== undefined && out.description === undefined) out.description = s.description;
      Object.assign(properties, s.properties as Record<string, JsonSchema> | undefined);
      for (const r of (s.required as string[] | undefined) ?? []) if (!required.includes(r)) required.push(r);
      if (s.additionalProperties !== undefined) out.additionalProperties = s.additionalProperties;
    }
    if (Object.keys(properties).length > 0) out.properties = properties;
    if (required.length > 0) out.required = required;
    return out;
  }
}

/** `scaleway.instance.v1.ListImagesResponse` → `ListImagesResponse`; `pet-status` → `PetStatus`. */
function typeName(key: string): string {
  const last = key.split('.').filter(Boolean).pop() ?? key;
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') || 'Schema';
  return /^[0-9]/.test(name) ? `T${name}` : name;
}
