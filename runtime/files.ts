// Files served from a folder named by the spec (skill contents, static MCP resources): a request
// never reaches outside that folder, whether by `..`, an encoded separator or a symlink.
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Why a requested path is refused before the file system is asked. */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

/**
 * The folder a `location` names: `file:///abs/dir`, `file:///./rel/dir` (relative to the working
 * directory, as the reference engine reads it) or a plain path.
 */
export function locationPath(location: string, cwd: string = process.cwd()): string {
  if (location.startsWith('file:///./') || location.startsWith('file://./'))
    return join(cwd, location.slice(location.indexOf('./') + 2));
  if (location.startsWith('file:')) return fileURLToPath(location);
  return isAbsolute(location) ? location : join(cwd, location);
}

/** Checks each segment of a relative path: no empty, `.`, `..`, NUL or backslash segments. */
export function safeSegments(relative: string): string[] {
  if (relative.includes('\0') || relative.includes('\\')) throw new UnsafePathError('unsafe path');
  const segments = relative.split('/');
  for (const segment of segments)
    if (segment === '' || segment === '.' || segment === '..')
      throw new UnsafePathError('unsafe path segment');
  return segments;
}

/**
 * A relative path as it arrived in a URL, decoded segment by segment, so an encoded separator or
 * dot segment is seen for what it is whatever a router decoded before.
 */
export function decodeRelative(raw: string): string {
  return raw
    .split('/')
    .map((segment) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        throw new UnsafePathError('malformed percent-encoding');
      }
      if (decoded.includes('/')) throw new UnsafePathError('encoded separators are not allowed');
      return decoded;
    })
    .join('/');
}

/**
 * Resolves `relative` inside `root` and returns the real path of the regular file there, or
 * undefined when there is none. Throws UnsafePathError when the path, or a symlink on it, leads
 * outside the root.
 */
export async function fileInside(root: string, relative: string): Promise<string | undefined> {
  const segments = safeSegments(relative);
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(realRoot, ...segments));
  } catch {
    return undefined;
  }
  if (!real.startsWith(realRoot + sep)) throw new UnsafePathError('the path leads outside the folder');
  const info = await stat(real).catch(() => undefined);
  return info?.isFile() ? real : undefined;
}

const MEDIA_TYPES: Record<string, string> = {
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.xml': 'application/xml',
  '.csv': 'text/csv',
  '.js': 'text/javascript',
  '.ts': 'text/plain',
  '.py': 'text/x-python',
  '.sh': 'text/x-shellscript',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

/** The media type of a file by its extension; unknown ones are application/octet-stream. */
export function mediaTypeOf(name: string): string {
  return MEDIA_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}
