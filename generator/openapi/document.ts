// Reads OpenAPI documents (YAML or JSON) keeping the position of every node, and follows `$ref`s
// within a document and to relative files. Files are read once each, on first use, so the cost
// is one parse per file however many references point into it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { load as loadYaml, type YAMLException } from 'js-yaml';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type Diagnostic, SpecError } from '../diagnostics.js';

export interface OpenApiFile {
  /** The path as given (or as resolved from a `$ref`); diagnostics use it. */
  file: string;
  text: string;
  data: unknown;
  /** Line and column (1-based) of the node at a JSON pointer, or of its nearest ancestor. */
  locate(pointer: readonly string[]): { line: number; col: number };
}

/** Where a value sits: a file and the JSON pointer segments inside it. */
export interface Place {
  doc: OpenApiFile;
  pointer: string[];
}

export function openApiError(
  place: Place | { doc: OpenApiFile; pointer?: string[] },
  message: string,
): Diagnostic {
  const { line, col } = place.doc.locate(place.pointer ?? []);
  return { severity: 'error', code: 'openapi', message, file: place.doc.file, line, col };
}

/**
 * Parses a document. The data comes from JSON.parse or js-yaml (several times faster than the
 * position-keeping parser on a large provider document); positions are computed only when a
 * diagnostic needs one, by parsing again with `yaml`.
 */
function parseOpenApiFile(file: string, text: string): OpenApiFile {
  let data: unknown;
  let parsed = false;
  if (/^\s*[{[]/.test(text)) {
    try {
      data = JSON.parse(text);
      parsed = true;
    } catch {
      // Not strict JSON: YAML reads JSON with comments or trailing commas' neighbours alike.
    }
  }
  if (!parsed) {
    try {
      data = loadYaml(text, { filename: file });
    } catch (err) {
      const mark = (err as YAMLException).mark;
      const reason = (err as YAMLException).reason ?? (err as Error).message;
      throw new SpecError([
        {
          severity: 'error',
          code: 'openapi',
          message: `not valid YAML or JSON: ${String(reason).split('\n')[0]!}`,
          file,
          line: mark ? mark.line + 1 : 1,
          col: mark ? mark.column + 1 : 1,
        },
      ]);
    }
  }
  let positions: { doc: Document; lines: LineCounter } | undefined;
  return {
    file,
    text,
    data,
    locate: (pointer) => {
      if (!positions) {
        const lines = new LineCounter();
        positions = { doc: parseDocument(text, { lineCounter: lines, uniqueKeys: false }), lines };
      }
      const pos = positions.lines.linePos(offsetOf(positions.doc, pointer));
      return { line: pos.line, col: pos.col };
    },
  };
}

function offsetOf(doc: Document, pointer: readonly string[]): number {
  let node: Node | null | undefined = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (const key of pointer) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && /^\d+$/.test(key)) {
      const item = node.items[Number(key)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

/** The documents of one `--openapi` pairing: the root file and every file its `$ref`s reach. */
export class DocumentSet {
  private readonly files = new Map<string, OpenApiFile>();

  constructor(readonly root: OpenApiFile) {
    this.files.set(resolve(root.file), root);
  }

  /** Reads the root file; a missing or unreadable file is a refusal located at the file itself. */
  static load(file: string, text?: string): DocumentSet {
    return new DocumentSet(parseOpenApiFile(file, text ?? readText(file, { file, line: 1, col: 1 })));
  }

  /** Every file read so far, for `--check` and for reporting inputs. */
  get all(): OpenApiFile[] {
    return [...this.files.values()];
  }

  /** Follows one `$ref` from `from`: `#/a/b`, `other.yaml`, `other.yaml#/a/b`. */
  follow(ref: string, from: Place): Place {
    const hash = ref.indexOf('#');
    const filePart = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    if (/^[a-z][a-z0-9+.-]*:/i.test(filePart))
      throw new SpecError([
        openApiError(from, `$ref "${ref}" points at a URL; only local and relative-file references are read`),
      ]);
    let doc = from.doc;
    if (filePart !== '') {
      const path = resolve(dirname(from.doc.file), decodeURIComponent(filePart));
      let loaded = this.files.get(path);
      if (!loaded) {
        const { line, col } = from.doc.locate(from.pointer);
        loaded = parseOpenApiFile(path, readText(path, { file: from.doc.file, line, col }, ref));
        this.files.set(path, loaded);
      }
      doc = loaded;
    }
    if (fragment !== '' && !fragment.startsWith('/'))
      throw new SpecError([openApiError(from, `$ref "${ref}" has a fragment that is not a JSON pointer`)]);
    const pointer = fragment === '' ? [] : fragment.slice(1).split('/').map(unescapePointer);
    if (valueAt(doc.data, pointer) === undefined)
      throw new SpecError([openApiError(from, `$ref "${ref}" points at nothing`)]);
    return { doc, pointer };
  }
}

function readText(path: string, at: { file: string; line: number; col: number }, ref?: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? 'error'})`;
    const message = ref === undefined ? `OpenAPI file ${why}` : `$ref "${ref}": ${path} ${why}`;
    throw new SpecError([{ severity: 'error', code: 'openapi', message, ...at }]);
  }
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function valueAt(data: unknown, pointer: readonly string[]): unknown {
  let node = data;
  for (const key of pointer) {
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(key)) return undefined;
      node = node[Number(key)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(node, key)) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
  }
  return node;
}
