/// <reference lib="dom" />
// (page functions run in the browser: `document` there is the page's)
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadGatewayConfig } from '../gateway/src/config';
import { EXPLORER_ASSETS } from '../gateway/src/explorer/explorer';
import { createGateway } from '../gateway/src/gateway';
import { GraphCatalogSource } from '../subgraphs/search/src/indexing/catalog-source';
import { reindex } from '../subgraphs/search/src/indexing/reindex';
import { TEST_SIGNING_SECRET } from '../test-support/graphql';
import { startPolystore, type RunningPolystore } from './support/polystore';
import { seedStorefront } from './support/storefront';

// The explorer in a real browser (Debian's Chromium, driven by playwright-core): it loads from the
// gateway alone, offers the storefront operations, runs one with the browser's cookies and shows the
// result. A screenshot is kept in test-artifacts/explorer.png.
jest.setTimeout(60_000);

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts');

let polystore: RunningPolystore;
let base: string;
let userDataDir: string;
let browser: BrowserContext;
let page: Page;
const requests: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (scripts/test installs it)`);
  }
  if (!existsSync(path.join(EXPLORER_ASSETS, 'explorer.js'))) {
    throw new Error('the explorer is not built: npm run build (or npm run build:explorer)');
  }
  polystore = await startPolystore();
  await seedStorefront(polystore);
  // the home page's products come from search: index what the catalog now holds
  await reindex(
    polystore.search.index,
    new GraphCatalogSource(polystore.url, { service: 'search', secret: `search-${TEST_SIGNING_SECRET}` }),
  );
  base = new URL(polystore.url).origin;
  userDataDir = mkdtempSync(path.join(tmpdir(), 'polystore-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      // Anything not on loopback would go to a proxy that does not exist: nothing can leave unseen.
      '--proxy-server=http://127.0.0.1:9',
    ],
  });
  browser.on('request', (request) => requests.push(request.url()));
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await polystore?.stop();
});

describe('the explorer', () => {
  it('is served on GET of the GraphQL endpoint to browsers only, with a same-origin content policy', async () => {
    const html = await fetch(polystore.url, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await html.text()).toContain('/explorer/explorer.js');
    const api = await fetch(`${polystore.url}?query=%7B__typename%7D`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it("offers the storefront's operations, not those the services send on their own behalf nor staff's", async () => {
    const offered = (await (await fetch(`${base}/explorer/operations.json`)).json()) as {
      file: string;
      names: string[];
      query: string;
    }[];
    const files = offered.map((o) => o.file);
    expect(files).toEqual(expect.arrayContaining(['account.graphql', 'cart.graphql', 'home.graphql']));
    expect(files).not.toContain('services.graphql');
    expect(files).not.toContain('staff.graphql');
    expect(offered.flatMap((o) => o.names)).not.toContain('CreateProduct');
    expect(offered.map((o) => o.query).join('\n')).not.toMatch(/createProduct|capturePayment|refundPayment/);
  });

  it('runs a storefront operation with the browser’s cookies, every request staying on this machine', async () => {
    await browser.addCookies([{ name: 'polystore_session', value: 'explorer-test', url: base }]);
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-tab', { hasText: 'HomePage' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('.graphiql-tab').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('HomePage'), expect.stringContaining('Cart')]),
    );
    // The first tab (account.graphql) holds several operations, so its run button opens a menu to
    // choose one. GraphiQL re-reads the document a moment after a tab switch (debounced): the button
    // turning plain is the sign that it now runs the HomePage tab's one operation. Clicking earlier
    // would only open the previous tab's menu.
    const execute = page.locator('.graphiql-execute-button');
    await page.locator('.graphiql-execute-button[aria-haspopup]').waitFor();
    await page.locator('.graphiql-tab', { hasText: 'HomePage' }).click();
    await page.locator('.graphiql-query-editor', { hasText: /query\sHomePage/ }).waitFor();
    await page.locator('.graphiql-execute-button:not([aria-haspopup])').waitFor();
    // GraphiQL runs nothing before the response's editor exists (run() returns without a word).
    await page.locator('.graphiql-response .monaco-editor').waitFor();

    const answered = page.waitForResponse(
      (r) =>
        r.url() === `${base}/graphql` &&
        r.request().method() === 'POST' &&
        r.request().postDataJSON()?.operationName === 'HomePage',
    );
    await execute.click();
    const response = await answered;
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.searchProducts.hits.map((h: any) => h.product.name)).toEqual(['Lamp 2', 'Lamp 1', 'Lamp 0']);
    expect((await response.request().allHeaders())['cookie']).toContain('polystore_session=explorer-test');
    // Shown in the response pane (Monaco renders spaces as no-break spaces).
    await page.waitForFunction(() =>
      document
        .querySelector('.graphiql-response')
        ?.textContent?.replace(/\u00a0/g, ' ')
        .includes('"name": "Lamp 2"'),
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer.png') });

    // The page, its bundle, the operations, Monaco's workers, introspection and the operation itself.
    expect(requests.map((url) => new URL(url).pathname)).toEqual(
      expect.arrayContaining([
        '/graphql',
        '/explorer/explorer.js',
        '/explorer/operations.json',
        '/explorer/editor.worker.js',
        '/explorer/graphql.worker.js',
      ]),
    );
    const elsewhere = requests.filter(
      (url) => !['127.0.0.1', 'localhost'].includes(new URL(url).hostname) && !url.startsWith('data:'),
    );
    expect(elsewhere).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('opens a storefront operation from the collection in a new tab', async () => {
    const tabs = await page.locator('.graphiql-tab').count();
    await page.locator('.storefront-operations button', { hasText: 'ProductPage' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('.graphiql-tab').length === n, tabs + 1);
    await page.waitForFunction(() =>
      document.querySelector('.graphiql-query-editor')?.textContent?.includes('ProductPage'),
    );
  });
});

describe('in production', () => {
  it('is not served', async () => {
    const gateway = await createGateway(
      loadGatewayConfig({ ...polystore.gatewayEnv, NODE_ENV: 'production', COOKIE_SECURE: 'true' }),
    );
    try {
      const port = (await gateway.listen(0, '127.0.0.1')).port;
      const html = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
      expect(await html.text()).not.toContain('/explorer/explorer.js');
      expect((await fetch(`http://127.0.0.1:${port}/explorer/explorer.js`)).status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });
});
