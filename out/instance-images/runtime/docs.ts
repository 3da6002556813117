// Copied from capgen 0.1.0 runtime/docs.ts. Do not edit: regenerate instead.
// The REST adapter's docs page, `GET /docs/`: Swagger UI (the swagger-ui-dist package) reading
// the served `/openapi.json`. Every asset comes from this server's own node_modules, so the page
// works offline and behind a firewall; its Content-Security-Policy lets the page load nothing
// from anywhere else. Links are relative, so the page also works under a path prefix.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The folder of the swagger-ui-dist package this server depends on. */
const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The page and its assets, by path under /docs/. */
const ASSETS: Record<string, { file?: string; type: string }> = {
  '': { type: 'text/html; charset=utf-8' },
  'init.js': { type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
};

/** The paths the docs page answers on (`/docs` redirects to `/docs/`). */
export const DOCS_PATHS: readonly string[] = ['/docs', ...Object.keys(ASSETS).map((name) => `/docs/${name}`)];

/**
 * Nothing but this server: scripts, styles, the OpenAPI document and "Try it out" calls. Swagger
 * UI sets inline styles; its images are data: URLs.
 */
const POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface DocsAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Answers the docs paths: the page for `title`, or one of its assets. Files are read once. */
export function docsPage(title: string): (path: string) => Promise<DocsAnswer | undefined> {
  const cache = new Map<string, Promise<Buffer>>();
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · API docs</title>
<link rel="icon" type="image/png" href="favicon-32x32.png">
<link rel="stylesheet" href="swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js"></script>
<script src="init.js"></script>
</body>
</html>
`;
  // A file of its own rather than an inline script, which the policy forbids.
  const init = `window.ui = SwaggerUIBundle({
  url: new URL('../openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
});
`;
  return async (path): Promise<DocsAnswer | undefined> => {
    if (path === '/docs')
      return { status: 308, headers: { location: 'docs/', 'content-type': 'text/plain' }, body: '' };
    const name = path.startsWith('/docs/') ? path.slice('/docs/'.length) : undefined;
    const asset = name === undefined ? undefined : ASSETS[name];
    if (name === undefined || !asset) return undefined;
    const headers: Record<string, string> = {
      'content-type': asset.type,
      'x-content-type-options': 'nosniff',
    };
    if (name === '')
      return {
        status: 200,
        headers: { ...headers, 'content-security-policy': POLICY, 'cache-control': 'no-cache' },
        body: page,
      };
    if (name === 'init.js')
      return { status: 200, headers: { ...headers, 'cache-control': 'no-cache' }, body: init };
    let read = cache.get(name);
    if (!read) {
      read = readFile(join(SWAGGER_UI, asset.file!));
      cache.set(name, read);
      read.catch(() => cache.delete(name));
    }
    // The package's version pins the bytes: a day's caching is safe.
    return {
      status: 200,
      headers: { ...headers, 'cache-control': 'public, max-age=86400' },
      body: await read,
    };
  };
}
