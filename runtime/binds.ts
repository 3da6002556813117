// File binds: values of bind variables read from a JSON or flat YAML map file at start-up.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from './env.js';

/** A bind whose values are in a JSON or flat YAML map file (see withBindFiles). */
export interface BindFile {
  namespace: string;
  path: string;
  keys: { variable: string; key: string }[];
}

/**
 * The environment with the values of file binds added: for each variable, the environment
 * variable of the same name if it is set, else the file's entry. Relative paths are read from
 * `cwd`. A missing or unreadable file, or a missing key, stops start-up with one line naming the
 * file and the key; values are never shown.
 */
export function withBindFiles(
  env: Record<string, string | undefined>,
  files: BindFile[],
  cwd: string,
): Record<string, string | undefined> {
  const out = { ...env };
  for (const file of files) {
    const needed = file.keys.filter((k) => env[k.variable] === undefined || env[k.variable] === '');
    if (needed.length === 0) continue;
    const where = isAbsolute(file.path) ? file.path : join(cwd, file.path);
    let text: string;
    try {
      text = readFileSync(where, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(
        `bind file ${file.path} (bind "${file.namespace}") cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}); set ${needed.map((k) => k.variable).join(', ')} instead`,
      );
    }
    const map = parseFlatMap(text);
    if (map === undefined)
      throw new ConfigError(
        `bind file ${file.path} (bind "${file.namespace}") is not a JSON object or a flat YAML map`,
      );
    for (const k of needed) {
      const value = map[k.key];
      if (value === undefined)
        throw new ConfigError(`bind file ${file.path} has no key "${k.key}" (for ${k.variable})`);
      out[k.variable] = value;
    }
  }
  return out;
}

/** A JSON object, or a flat YAML map of `key: scalar` lines; undefined for anything else. */
function parseFlatMap(text: string): Record<string, string> | undefined {
  const map: Record<string, string> = {};
  if (text.trimStart().startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
    for (const [k, v] of Object.entries(data)) if (v !== null && typeof v !== 'object') map[k] = String(v);
    return map;
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\uFEFF/, '');
    if (/^\s*(#.*)?$/.test(line) || line === '---') continue;
    const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"][^:]*?)\s*:(?:\s+(.*?))?\s*$/.exec(line);
    if (!m) return undefined;
    map[unquote(m[1]!)] = scalar(m[2] ?? '');
  }
  return map;
}

function unquote(s: string): string {
  if (s.startsWith('"')) return JSON.parse(s) as string;
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

function scalar(s: string): string {
  if (s.startsWith('"') || s.startsWith("'")) {
    const end = s.startsWith('"') ? /^"(?:[^"\\]|\\.)*"/.exec(s) : /^'(?:[^']|'')*'/.exec(s);
    return end ? unquote(end[0]) : s;
  }
  return s.replace(/\s+#.*$/, '');
}
