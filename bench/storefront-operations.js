// The storefront's own operations as the benchmarks send them: by their safelisted hash (as a
// production client does), the signed-in ones with a sample customer's session. Used by
// bench/storefront.js (one operation at a time) and bench/soak.js (all of them mixed, for long).
const { createHash } = require('node:crypto');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { loadNamedOperations } = require(path.join(root, 'packages/platform/dist/index.js'));
const { generateSample, SAMPLE_PASSWORD } = require(path.join(root, 'tools/dist/sample-data.js'));

const operations = loadNamedOperations(path.join(root, 'schema', 'operations'));

/** The request body of a safelisted operation, sent by hash. */
function body(name, variables) {
  const operation = operations.get(name);
  if (!operation) throw new Error(`no operation ${name}`);
  const sha256Hash = createHash('sha256').update(operation.body).digest('hex');
  return JSON.stringify({ operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash } } });
}

async function post(url, name, variables, cookie) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body(name, variables),
  });
  const cookies = response.headers.getSetCookie().map((c) => c.split(';')[0]);
  return { json: await response.json(), cookies };
}

/**
 * Sign a sample customer with a few orders in (the sample must be loaded) and list the
 * storefront's six operations: [name, variables, signedIn].
 */
async function storefront(url) {
  const sample = generateSample();
  const customer = sample.users.find((u) => sample.orders.filter((o) => o.customerId === u.id).length >= 3);
  const signIn = await post(url, 'SignIn', { input: { email: customer.email, password: SAMPLE_PASSWORD } });
  if (signIn.json.errors)
    throw new Error(`sign-in failed: ${JSON.stringify(signIn.json.errors)} (is the sample loaded?)`);
  const product = sample.products.find((p) => p.status === 'ACTIVE');
  return {
    cookie: signIn.cookies.join('; '),
    scenarios: [
      ['HomePage', {}, false],
      ['ProductPage', { id: product.id }, false],
      ['SearchProducts', { query: 'lamp', first: 20 }, false],
      ['CategoryPage', { filter: { categories: ['lighting'], inStock: true }, first: 20 }, false],
      ['Cart', {}, true],
      ['AccountPage', { first: 10 }, true],
    ],
  };
}

module.exports = { body, post, storefront };
