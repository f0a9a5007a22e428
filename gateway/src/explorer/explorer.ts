import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Router } from 'express';
import type { Logger } from '@polystore/platform';
import { loadOperations } from './operations';

/** Where gateway/explorer/build.js puts the bundle (from src/explorer or dist/explorer alike). */
export const EXPLORER_ASSETS = path.resolve(__dirname, '../../dist/explorer-ui');

/** Everything the page loads comes from this gateway; the policy makes the browser hold it to that. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Polystore explorer</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/explorer/explorer.css" />
  </head>
  <body>
    <div id="explorer">Loading the explorer…</div>
    <script src="/explorer/explorer.js"></script>
  </body>
</html>
`;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Polystore explorer</title>
<p>The explorer is not built: run <code>npm run build</code> (or <code>node gateway/explorer/build.js</code>).</p>`;

/** A browser navigating to the endpoint (HTML preferred); API clients asking for JSON get GraphQL. */
function wantsPage(req: Request): boolean {
  return (
    req.method === 'GET' &&
    req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html'
  );
}

/**
 * Safelisted files that are not the storefront's, so never offered: what Polystore's services send
 * on their own behalf (signed as the service), and the back office's staff-only writes.
 */
export const NOT_STOREFRONT_OPERATIONS: ReadonlySet<string> = new Set(['services.graphql', 'staff.graphql']);

/**
 * The offline explorer (GraphiQL, bundled at build time) on GET of the GraphQL endpoint, with the
 * storefront operations of `operationsDir` offered as tabs and as a collection. Development only:
 * the gateway mounts it when `explorerEnabled(config)`.
 */
export function createExplorer(options: {
  endpoint: string;
  operationsDir: string;
  logger: Logger;
  assetsDir?: string;
}): Router {
  const assetsDir = options.assetsDir ?? EXPLORER_ASSETS;
  const built = existsSync(path.join(assetsDir, 'explorer.js'));
  const operations = loadOperations(options.operationsDir, (file, error) =>
    options.logger.warn({ file, err: error }, 'explorer: operation file left out (does not parse)'),
  ).filter((o) => !NOT_STOREFRONT_OPERATIONS.has(o.file));
  if (!built) options.logger.warn({ assetsDir }, 'explorer: not built, run npm run build');
  options.logger.info({ url: options.endpoint, operations: operations.length }, 'explorer: served on GET');

  const router = express.Router();
  // Not router.get: a GET route would make the router answer OPTIONS on the endpoint itself,
  // before the gateway's CORS handler sees the preflight.
  router.use(options.endpoint, (req, res, next) => {
    if (req.method !== 'GET' || req.path !== '/' || !wantsPage(req)) return next();
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('cache-control', 'no-store');
    res
      .status(built ? 200 : 503)
      .type('html')
      .send(built ? PAGE : NOT_BUILT);
  });
  router.get('/explorer/operations.json', (_req, res) => {
    res.json(operations);
  });
  router.use('/explorer', express.static(assetsDir, { index: false, dotfiles: 'ignore', fallthrough: false }));
  return router;
}
