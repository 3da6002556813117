// The one path by which spec text reaches generated code. Emitters build code only from `Code`
// values made here: literals go through JSON.stringify, identifiers are checked, and comments
// neutralise `*/`. Templates may interpolate nothing else (see render.ts).
import { RESERVED } from '../model/names.js';

export class Code {
  /** The runtime symbols this code names (see `runtimeSymbol`), for its file's imports. */
  readonly uses: ReadonlySet<string>;
  constructor(
    readonly text: string,
    uses: Iterable<string> = [],
  ) {
    this.uses = new Set(uses);
  }
  toString(): string {
    return this.text;
  }
}

/**
 * A name exported by a runtime module: the file that prints it imports it (emit/runtime.ts), as
 * a type-only import when it is a type.
 */
export function runtimeSymbol(name: string, kind: 'value' | 'type' = 'value'): Code {
  if (!IDENT.test(name)) throw new Error(`generator bug: ${JSON.stringify(name)} is not a runtime symbol`);
  return new Code(name, [kind === 'type' ? `type ${name}` : name]);
}

/** Every runtime symbol the fragments name, sorted. */
export function symbolsUsed(parts: Code[]): string[] {
  return [...new Set(parts.flatMap((p) => [...p.uses]))].sort();
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A JavaScript literal of any JSON value: strings, numbers, objects and arrays. */
export function lit(value: unknown): Code {
  // In an object literal `"__proto__": x` sets the prototype; a computed key makes it a property.
  // (Inside JSON strings quotes are escaped, so this only matches real keys.)
  return new Code((JSON.stringify(value) ?? 'undefined').replace(/([{,])"__proto__":/g, '$1["__proto__"]:'));
}

/** A whole JSON document, indented with two spaces and ending with a newline. */
export function jsonDocument(value: unknown): Code {
  return new Code(`${JSON.stringify(value, null, 2)}\n`);
}

/** An identifier the generator derived; anything else is a generator bug. */
export function ident(name: string): Code {
  if (!IDENT.test(name) || RESERVED.has(name))
    throw new Error(`generator bug: ${JSON.stringify(name)} is not a safe identifier`);
  return new Code(name);
}

export const isIdent = (name: string): boolean => IDENT.test(name) && !RESERVED.has(name);

/** An object key or interface member name: bare when it is an identifier, quoted otherwise. */
export function prop(name: string): Code {
  if (name === '__proto__') return new Code('["__proto__"]');
  return IDENT.test(name) ? new Code(name) : lit(name);
}

/** `target.name`, or `target["image-id"]` when the name is not an identifier. */
export function member(target: Code, name: string): Code {
  return new Code(
    IDENT.test(name) ? `${target.text}.${name}` : `${target.text}[${lit(name).text}]`,
    target.uses,
  );
}

/** `target?.name`, or `target?.["pet-name"]`. */
export function optionalMember(target: Code, name: string): Code {
  return new Code(
    IDENT.test(name) ? `${target.text}?.${name}` : `${target.text}?.[${lit(name).text}]`,
    target.uses,
  );
}

/** A JSDoc block; a comment end (star, slash) inside the text is escaped, so it cannot close it early. */
export function doc(...lines: (string | undefined)[]): Code {
  const text = lines
    .filter((l): l is string => l !== undefined && l.trim() !== '')
    .join('\n\n')
    .replace(/\*\//g, '*\\/')
    .replace(/\r\n?/g, '\n');
  if (text === '') return new Code('');
  const body = text.split('\n').map((l) => ` * ${l}`.trimEnd());
  return new Code(body.length === 1 ? `/** ${text.trim()} */` : `/**\n${body.join('\n')}\n */`);
}

/** Text for Markdown: HTML and Markdown control characters are escaped, newlines folded. */
export function md(text: string | undefined): Code {
  return new Code(
    (text ?? '')
      .replace(/\s*\n\s*/g, ' ')
      .replace(/[\\`*_[\]<>|&#]/g, (c) =>
        c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`,
      ),
  );
}

/**
 * A Markdown code span: the text verbatim (no backslash escapes, which code spans show as
 * written), fenced with more backticks than it contains. Inside a GFM table cell a `|` still ends
 * the cell, so it is escaped; GFM removes that backslash inside code spans too.
 */
export function mdCode(text: string | undefined): Code {
  const body = (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body.trim() === '' ? ' ' : '';
  return new Code(`${fence}${pad}${body}${pad}${fence}`);
}

/**
 * capgen's own prose for Markdown: spans written between backticks become code spans (mdCode),
 * the rest is escaped as md() does.
 */
export function mdProse(text: string | undefined): Code {
  const parts = (text ?? '').split(/`([^`]*)`/);
  return new Code(parts.map((p, i) => (i % 2 === 1 ? mdCode(p).text : md(p).text)).join(''));
}

/** Joins code fragments. */
export function join(parts: Code[], separator = ''): Code {
  return new Code(
    parts.map((p) => p.text).join(separator),
    parts.flatMap((p) => [...p.uses]),
  );
}

/** A tagged template whose holes accept only Code (or lists of Code, joined). */
export function code(strings: TemplateStringsArray, ...holes: (Code | Code[])[]): Code {
  let out = strings[0]!;
  const uses: string[] = [];
  holes.forEach((hole, i) => {
    const parts = Array.isArray(hole) ? hole : [hole];
    for (const p of parts) {
      if (!(p instanceof Code)) throw new Error('generator bug: raw value interpolated into code');
      uses.push(...p.uses);
    }
    out += parts.map((p) => p.text).join('') + strings[i + 1]!;
  });
  return new Code(out, uses);
}
