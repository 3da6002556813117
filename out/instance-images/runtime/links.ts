// Copied from capgen 0.1.0 runtime/links.ts. Do not edit: regenerate instead.
// Location and Link headers of an upstream answer, rewritten to this proxy's own routes. A URL that
// points at a consumed GET operation some route of the adapter exposes becomes that route's path,
// with the operation's parameters turned back into the route's; anything else is left as it came.
//
// - Only URLs under the base URL the client called count: the same origin and base path. A URL
//   on another server, or on the API's public address while the client is configured elsewhere,
//   names a resource the proxy does not reach, and is left alone.
// - The result is a path-absolute reference (`/v1/zones/fr-par-1/images/42`): it resolves
//   against whatever address the caller used, a load balancer's included, where an absolute URL
//   naming one replica would route around it.
// - A relative target is resolved against the upstream request's URL first (RFC 8288 §3.2). A
//   target whose path is a trailing part of the request's own path (Scaleway's pagination links,
//   `</images?page=2&per_page=50&>`, drop the `/instance/v1/zones/{zone}` prefix) is read as the
//   same path with its own query.
// - Query parameters the call sets itself (fixed values, a query credential) are dropped; a
//   parameter with no route input behind it leaves the whole URL alone.

/** A GET route that a Location or Link can be rewritten to. */
export interface LinkTarget {
  /** The consumed operation's path, relative to the API's base URL: `/zones/{zone}/images`. */
  path: string;
  /** The route's published path template: `/v1/zones/{zone}/images`. */
  route: string;
  /** Consumed path parameter → the route input that feeds it. */
  params: Record<string, string>;
  /** Consumed query parameter → the route input that feeds it. */
  query: Record<string, string>;
  /** Consumed query parameters whose value the call supplies itself. */
  own?: string[];
}

/** What a route tells the rewriter: the API it calls, and whether it can be a link target. */
export interface RouteUpstream {
  api: string;
  link?: LinkTarget;
}

/** Where the answer came from: the client's base URL and the full URL it requested. */
export interface UpstreamOrigin {
  base: string;
  url: string;
}

interface Compiled {
  target: LinkTarget;
  regex: RegExp;
  names: string[];
}

/** The rewriter of one REST adapter, over the link targets of its routes. */
export class LinkRewriter {
  readonly #byApi = new Map<string, Compiled[]>();

  constructor(routes: readonly (RouteUpstream | undefined)[]) {
    for (const upstream of routes) {
      if (!upstream?.link) continue;
      const names: string[] = [];
      // A trailing slash is optional, as most routers treat it.
      const source = upstream.link.path
        .replace(/\/+$/, '')
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const name = /^\{([^}]+)\}$/.exec(part)?.[1];
          if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(name);
          return '([^/]+)';
        })
        .join('');
      const list = this.#byApi.get(upstream.api) ?? [];
      list.push({ target: upstream.link, regex: new RegExp(`^${source}/?$`), names });
      this.#byApi.set(upstream.api, list);
    }
  }

  /** Whether any route of `api` can be a target (else there is nothing to rewrite). */
  has(api: string): boolean {
    return this.#byApi.has(api);
  }

  /** One Location value: the route's path, or the value unchanged. */
  location(api: string, origin: UpstreamOrigin, value: string): string {
    return this.#rewrite(api, origin, value) ?? value;
  }

  /** One Link field value: each `<target>` rewritten or left, the parameters untouched. */
  link(api: string, origin: UpstreamOrigin, value: string): string {
    let out = '';
    let quoted = false;
    for (let i = 0; i < value.length; i++) {
      const c = value[i]!;
      if (quoted) {
        out += c;
        if (c === '\\' && i + 1 < value.length) out += value[++i];
        else if (c === '"') quoted = false;
      } else if (c === '"') {
        quoted = true;
        out += c;
      } else if (c === '<') {
        const end = value.indexOf('>', i + 1);
        if (end < 0) return value;
        const target = value.slice(i + 1, end);
        out += `<${this.#rewrite(api, origin, target) ?? target}>`;
        i = end;
      } else out += c;
    }
    return out;
  }

  #rewrite(api: string, origin: UpstreamOrigin, reference: string): string | undefined {
    const targets = this.#byApi.get(api);
    if (!targets) return undefined;
    let url: URL;
    let base: URL;
    let requested: URL;
    try {
      requested = new URL(origin.url);
      base = new URL(origin.base);
      url = new URL(reference.trim(), requested);
    } catch {
      return undefined;
    }
    if (url.origin !== base.origin) return undefined;
    const basePath = base.pathname.replace(/\/+$/, '');
    const under = (pathname: string) =>
      pathname === basePath || pathname.startsWith(`${basePath}/`)
        ? pathname.slice(basePath.length)
        : undefined;
    const match = (path: string | undefined) => {
      if (path === undefined) return undefined;
      for (const compiled of targets) {
        const m = compiled.regex.exec(path);
        if (m) return { compiled, values: m.slice(1) };
      }
      return undefined;
    };
    let found = match(under(url.pathname));
    // A trailing part of the request's own path: the same collection, another page.
    // (A pathname always starts with `/`, so the match is on whole segments.)
    if (!found && url.pathname !== '/' && requested.pathname.endsWith(url.pathname))
      found = match(under(requested.pathname));
    if (!found) return undefined;
    const { compiled, values } = found;
    const inputs = new Map<string, string[]>();
    for (const [i, name] of compiled.names.entries()) {
      const input = compiled.target.params[name];
      let value: string;
      try {
        value = decodeURIComponent(values[i]!);
      } catch {
        return undefined;
      }
      if (input === undefined) return undefined;
      inputs.set(input, [value]);
    }
    for (const [name, value] of url.searchParams) {
      if (compiled.target.own?.includes(name)) continue;
      const input = compiled.target.query[name];
      if (input === undefined) return undefined;
      inputs.set(input, [...(inputs.get(input) ?? []), value]);
    }
    let missing = false;
    const path = compiled.target.route.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
      const value = inputs.get(name);
      inputs.delete(name);
      if (value === undefined) missing = true;
      return encodeURIComponent(value?.[0] ?? '');
    });
    if (missing) return undefined;
    const query = new URLSearchParams();
    for (const [name, list] of inputs) for (const value of list) query.append(name, value);
    const search = query.toString();
    return `${path}${search === '' ? '' : `?${search}`}${url.hash}`;
  }
}
