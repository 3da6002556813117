// Copied from capgen 0.1.0 runtime/guard.ts. Do not edit: regenerate instead.
// Checks every adapter applies to a request before anything else: the Host and Origin names
// (DNS-rebinding protection: a web page that rebinds its name to 127.0.0.1 must not reach a
// server that holds credentials), and how deeply a JSON body nests.
/** The names a loopback-bound server answers to unless told otherwise. */
export const LOOPBACK_NAMES: string[] = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host name of a Host header value or an Origin URL, lower-cased, IPv6 in brackets. */
function hostName(value: string): string {
  const text = value.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(0, text.indexOf(']') + 1);
  const colon = text.lastIndexOf(':');
  return colon >= 0 ? text.slice(0, colon) : text;
}

/**
 * Why a request is refused by the Host/Origin check, or undefined when it passes. `allowed` is
 * the list of accepted names, or '*' for any. A request without an Origin (curl, MCP clients,
 * servers) passes on its Host alone; a browser always sends one on cross-origin requests.
 */
export function hostRefusal(
  allowed: readonly string[] | '*',
  host: string | undefined,
  origin: string | undefined,
): string | undefined {
  if (allowed === '*') return undefined;
  if (host === undefined || host === '') return 'the Host header is missing';
  if (!allowed.includes(hostName(host))) return `the host name "${hostName(host)}" is not allowed`;
  if (origin !== undefined && origin !== '') {
    let name: string;
    try {
      name = new URL(origin).host;
    } catch {
      return 'the Origin header is not a URL';
    }
    if (!allowed.includes(hostName(name))) return `the origin "${origin}" is not allowed`;
  }
  return undefined;
}

/**
 * True when a JSON text nests arrays and objects deeper than `max`. One pass over the bytes,
 * skipping strings; run before parsing so that a deep document never reaches a recursive parser,
 * validator or serializer.
 */
export function nestsDeeperThan(text: Uint8Array | string, max: number): boolean {
  // A string is read by UTF-16 code unit, with no copy: the characters that count are ASCII, and
  // no code unit of another character equals one of them.
  const at: (i: number) => number =
    typeof text === 'string' ? (i) => text.charCodeAt(i) : (i) => (text as Uint8Array)[i]!;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
