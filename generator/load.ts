// Stage 1: read the spec file and parse it as YAML, keeping the position of every node so that
// later stages can point at `file:line:col`.
import { readFile } from 'node:fs/promises';
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import { type Diagnostic, SpecError } from './diagnostics.js';

export type PathKey = string | number;

/** A position in a spec file. `file` is set when the node is in another file (an imported one). */
export interface Site {
  line: number;
  col: number;
  file?: string;
  /** For a node in an imported file: where the main spec imports it. */
  via?: { file: string; line: number; col: number };
}

export interface LoadedSpec {
  /** The path as given on the command line; diagnostics use it. */
  file: string;
  text: string;
  /** The document as plain data. */
  data: Record<string, unknown>;
  /** Line and column (1-based) of the node at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PathKey[], at?: 'key' | 'value'): Site;
  /** Every file read for this spec (the spec and the files it imports) → its text. */
  sources?: Map<string, string>;
  /** Consumes entries whose import failed: entry index → why (see imports.ts). */
  importFailures?: Map<number, string>;
}

export async function loadSpec(file: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? 'error'})`;
    throw new SpecError([
      { severity: 'error', code: 'file', message: `spec file ${why}`, file, line: 1, col: 1 },
    ]);
  }
  return parseSpec(file, text);
}

export function parseSpec(file: string, text: string): LoadedSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const problems: Diagnostic[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    return {
      severity: 'error',
      code: 'yaml-syntax',
      message: TOO_DEEP.test(e.message)
        ? 'YAML error: the document nests too deeply to read'
        : `YAML syntax error: ${firstLine(e.message)}`,
      file,
      line: pos.line,
      col: pos.col,
    };
  });
  if (problems.length > 0) throw new SpecError(problems);
  if (text.includes('\u0000')) {
    throw new SpecError([
      { severity: 'error', code: 'not-yaml', message: 'the file is binary, not YAML', file, line: 1, col: 1 },
    ]);
  }
  // An alias inside the node it names makes the data cyclic, which every later stage would walk
  // for ever: refuse it here, at the alias. Only a document with a `*` can hold an alias.
  if (text.includes('*')) {
    visit(doc, {
      Alias(_, alias, path) {
        const target = alias.resolve(doc);
        if (target !== undefined && path.includes(target)) {
          const pos = lineCounter.linePos(alias.range?.[0] ?? 0);
          problems.push({
            severity: 'error',
            code: 'yaml-syntax',
            message: `YAML error: the alias *${alias.source} is inside the node it names, so the document never ends`,
            file,
            line: pos.line,
            col: pos.col,
          });
        }
      },
    });
    if (problems.length > 0) throw new SpecError(problems);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Unresolved aliases and alias bombs surface only when the document is converted.
    throw new SpecError([
      {
        severity: 'error',
        code: 'yaml-syntax',
        message: TOO_DEEP.test(String((err as Error).message))
          ? 'YAML error: the document nests too deeply to read'
          : `YAML error: ${firstLine((err as Error).message)}`,
        file,
        line: 1,
        col: 1,
      },
    ]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const kind =
      data === null || data === undefined ? 'empty' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    throw new SpecError([
      {
        severity: 'error',
        code: 'not-yaml',
        message: `the document is ${kind}; a Naftiko capability is a YAML mapping`,
        file,
        line: 1,
        col: 1,
      },
    ]);
  }
  const locate = (path: readonly PathKey[], at: 'key' | 'value' = 'key') => {
    const offset = offsetOf(doc, path, at);
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  return { file, text, data: data as Record<string, unknown>, locate, sources: new Map([[file, text]]) };
}

/** The YAML library reports its own stack overflow on deeply nested input as an error message. */
const TOO_DEEP = /maximum call stack/i;

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Walks the document along `path`; stops at the deepest node that exists. */
function offsetOf(doc: Document, path: readonly PathKey[], at: 'key' | 'value'): number {
  let node: Node | null | undefined = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
      );
      if (!pair) break;
      const keyNode = pair.key as Node;
      const valueNode = pair.value as Node | null;
      offset = (at === 'key' ? keyNode.range?.[0] : (valueNode?.range?.[0] ?? keyNode.range?.[0])) ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}
