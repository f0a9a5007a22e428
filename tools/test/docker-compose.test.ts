import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  checkoutPrivateKey,
  checkoutPublicKey,
  metricsPortFor,
  signCheckoutToken,
  verifyCheckoutToken,
} from '@polystore/platform';
import { loadGatewayConfig } from '../../gateway/src/config';
import { loadAccountsConfig } from '../../subgraphs/accounts/src/config';
import { TokenIssuer } from '../../subgraphs/accounts/src/session/token-issuer';
import { loadCartConfig } from '../../subgraphs/cart/src/config';
import { loadCatalogConfig } from '../../subgraphs/catalog/src/config';
import { loadOrdersConfig } from '../../subgraphs/orders/src/config';
import { loadPaymentsConfig } from '../../subgraphs/payments/src/config';
import { loadReindexConfig, loadSearchConfig } from '../../subgraphs/search/src/config';
import { targetsFromEnv } from '../src/seed';
import { specsFromEnv } from '../src/provision';

// docker-compose.yml cannot be run on a machine without a Docker engine, so what can be checked
// without one is checked here: with the .env that scripts/compose-secrets writes, every variable
// the file interpolates is set, and every container's environment is one its own configuration
// loader accepts in production — keys and secrets in the formats the code parses, URLs and ports
// that agree between the gateway and the subgraphs, entry points that exist.

const ROOT = path.join(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  restart?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  healthcheck?: { test: string[] };
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

/** Compose's .env: NAME=value, a value optionally in single or double quotes. */
function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const raw = match[2]!;
    values[match[1]!] = /^(['"]).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return values;
}

/**
 * Compose's interpolation, for the forms this file uses: `${NAME:?message}`, `${NAME}` and `$$`.
 * Any other form fails the test, so a new one gets checked rather than passed through.
 */
function interpolate(text: string, values: Record<string, string>, used: Set<string>): string {
  return text.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_]\w*)/g, (whole, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    if (bare) throw new Error(`unbraced $${bare}: write \${${bare}}`);
    const match = /^([A-Z_][A-Z0-9_]*)(:\?.*)?$/.exec(braced!);
    if (!match) throw new Error(`interpolation form not checked here: ${whole}`);
    const name = match[1]!;
    used.add(name);
    const value = values[name];
    if (value === undefined || (match[2] && value === '')) throw new Error(`${name} is not set: ${match[2] ?? ''}`);
    return value;
  });
}

function resolve<T>(node: T, values: Record<string, string>, used: Set<string>): T {
  if (typeof node === 'string') return interpolate(node, values, used) as T;
  if (Array.isArray(node)) return node.map((item) => resolve(item, values, used)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v, values, used)])) as T;
  }
  return node;
}

let services: Record<string, ComposeService>;
let secrets: Record<string, string>;
const used = new Set<string>();

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'polystore-compose-'));
  try {
    const envFile = path.join(dir, '.env');
    execFileSync('bash', [path.join(ROOT, 'scripts', 'compose-secrets')], {
      env: { ...process.env, COMPOSE_ENV_FILE: envFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    secrets = parseEnvFile(readFileSync(envFile, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const file = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  services = resolve(file.services, secrets, used);
});

/** A container's environment as the process inside sees it (compose passes every value as a string). */
function envOf(name: string): NodeJS.ProcessEnv {
  const environment = services[name]?.environment;
  if (!environment) throw new Error(`no service ${name} with an environment in docker-compose.yml`);
  return Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)]));
}

interface ServiceConfig {
  PORT?: number;
  METRICS_PORT?: number | undefined;
  METRICS_HOST?: string;
  METRICS_TOKEN?: string | undefined;
}

const LOADERS: Record<string, (env: NodeJS.ProcessEnv) => ServiceConfig> = {
  accounts: loadAccountsConfig,
  catalog: loadCatalogConfig,
  cart: loadCartConfig,
  orders: loadOrdersConfig,
  payments: loadPaymentsConfig,
  search: loadSearchConfig,
  gateway: loadGatewayConfig,
};

describe('docker-compose.yml with the .env of scripts/compose-secrets', () => {
  it('finds every variable it interpolates set', () => {
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !(name in secrets))).toEqual([]);
  });

  it('runs the official images of the stores the code is tested against', () => {
    expect(services['postgres']?.image).toMatch(/^postgres:\d+/);
    expect(services['mongo']?.image).toMatch(/^mongo:\d+/);
    expect(services['redis']?.image).toMatch(/^redis:\d+/);
    expect(services['elasticsearch']?.image).toBe('docker.elastic.co/elasticsearch/elasticsearch:8.14.3');
  });

  it.each(Object.keys(LOADERS))('gives %s an environment its configuration accepts in production', (name) => {
    const env = envOf(name);
    expect(env['NODE_ENV']).toBe('production');
    expect(() => LOADERS[name]!(env)).not.toThrow();
  });

  it('gives accounts an access-token key it signs with, published for the gateway', async () => {
    const issuer = await TokenIssuer.create(loadAccountsConfig(envOf('accounts')).ACCOUNTS_TOKEN_KEYS);
    expect(issuer.jwks().keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })]);
    const token = await issuer.sign({ sub: 'u1', sid: 's1', roles: [], sct: 0 }, Date.now() + 60_000);
    const { payload } = await jwtVerify(token, createLocalJWKSet(issuer.jwks()), {
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
    });
    expect(payload).toMatchObject({ sub: 'u1', sid: 's1' });
  });

  it('gives orders the private half of the checkout key pair and payments the public half', () => {
    const orders = loadOrdersConfig(envOf('orders'));
    const payments = loadPaymentsConfig(envOf('payments'));
    const claims = { orderId: 'o1', customerId: 'u1', amount: 1999, currency: 'EUR', expiresAt: Date.now() + 60_000 };
    const token = signCheckoutToken(checkoutPrivateKey(orders.ORDERS_CHECKOUT_PRIVATE_KEY), claims);
    expect(verifyCheckoutToken(checkoutPublicKey(payments.PAYMENTS_CHECKOUT_PUBLIC_KEY), token)).toEqual(claims);
  });

  it('gives the search-index job an environment the reindex command accepts', () => {
    expect(() => loadReindexConfig(envOf('search-index'))).not.toThrow();
  });

  it('gives the migrate job every database to provision, migrate and seed', () => {
    const env = envOf('migrate');
    expect(specsFromEnv(env).map((spec) => spec.database)).toEqual(['accounts', 'orders', 'payments']);
    const targets = targetsFromEnv(env);
    expect(targets).toMatchObject({
      mongoUrl: expect.stringMatching(/^mongodb:\/\/catalog:/),
      accountsUrl: expect.stringMatching(/^postgresql:\/\/accounts:/),
      ordersUrl: expect.stringMatching(/^postgresql:\/\/orders:/),
      paymentsUrl: expect.stringMatching(/^postgresql:\/\/payments:/),
      cartRedisUrl: expect.stringMatching(/^redis:\/\/cart:/),
    });
    expect(env['ELASTICSEARCH_URL']).toBe('http://elasticsearch:9200');
  });

  it('points the gateway at each subgraph on the port that subgraph listens on, with its own secret', () => {
    const gateway = loadGatewayConfig(envOf('gateway'));
    const subgraphs = Object.keys(LOADERS).filter((name) => name !== 'gateway');
    expect(Object.keys(gateway.subgraphUrls).sort()).toEqual([...subgraphs].sort());
    for (const name of subgraphs) {
      const port = LOADERS[name]!(envOf(name)).PORT;
      expect(gateway.subgraphUrls[name]).toBe(`http://${name}:${port}/graphql`);
      expect(gateway.signingSecrets[name]).toBe(envOf(name)[`${name.toUpperCase()}_SIGNING_SECRET`]);
      expect(services['gateway']?.depends_on?.[name]).toEqual({ condition: 'service_healthy' });
    }
  });

  it('restarts every long-running container that stops unasked, and checks the health of each', () => {
    const longRunning = Object.entries(services).filter(([, service]) => service.restart !== 'no');
    expect(longRunning.map(([name]) => name).sort()).toEqual(
      [...Object.keys(LOADERS), 'postgres', 'mongo', 'redis', 'elasticsearch'].sort(),
    );
    for (const [name, service] of longRunning) {
      expect({ name, restart: service.restart, healthcheck: Boolean(service.healthcheck?.test.length) }).toEqual({
        name,
        restart: 'unless-stopped',
        healthcheck: true,
      });
    }
  });

  it('checks each service’s health on the port it listens on', () => {
    for (const [name, load] of Object.entries(LOADERS)) {
      const port = load(envOf(name)).PORT;
      expect(services[name]?.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
    }
  });

  it('serves each service’s metrics to the compose network only, behind the token, never to the host', () => {
    const published = Object.values(services).flatMap((service) => service.ports ?? []);
    expect(published).toEqual(['4000:4000']);
    for (const [name, load] of Object.entries(LOADERS)) {
      const config = load(envOf(name));
      const metricsPort = metricsPortFor(config.PORT!, config.METRICS_PORT);
      expect({ name, host: config.METRICS_HOST, token: config.METRICS_TOKEN }).toEqual({
        name,
        host: '0.0.0.0',
        token: secrets['METRICS_TOKEN'],
      });
      expect(metricsPort).not.toBe(config.PORT);
      expect(published.join(' ')).not.toContain(String(metricsPort));
    }
  });

  it('keeps Apollo’s telemetry off: the image sets it off, no container turns it on', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtimeStage).toMatch(/^ENV .*\bAPOLLO_TELEMETRY_DISABLED=true\b/m);
    expect(loadGatewayConfig(envOf('gateway')).GATEWAY_APOLLO_TELEMETRY).toBe(false);
    const apolloSettings = Object.values(services).flatMap((service) =>
      Object.keys(service.environment ?? {}).filter((key) => /^APOLLO_|^GATEWAY_APOLLO_TELEMETRY$/.test(key)),
    );
    expect(apolloSettings).toEqual([]);
    expect(services['elasticsearch']?.environment?.['ingest.geoip.downloader.enabled']).toBe('false');
  });

  it('gives Redis the ACL users of the local stack, and each service a user that exists', () => {
    // redis-server's arguments: `--user <name> <rule>...` per user
    const composeUsers = new Map<string, string>();
    const args = services['redis']?.command ?? [];
    args.forEach((arg, i) => {
      if (arg !== '--user') return;
      const end = args.indexOf('--user', i + 1);
      const rules = args.slice(i + 2, end === -1 ? undefined : end);
      composeUsers.set(args[i + 1]!, rules.map((rule) => rule.replace(/^>.*/, '>secret')).join(' '));
    });
    // scripts/lib/stores.sh writes the local stack's users.acl: `user <name> <rule>...`
    const localUsers = new Map(
      [...readFileSync(path.join(ROOT, 'scripts', 'lib', 'stores.sh'), 'utf8').matchAll(/^user (\w+) (.*)$/gm)].map(
        (m) => [m[1]!, m[2]!.replace(/>\S+/, '>secret')],
      ),
    );
    expect(composeUsers.size).toBeGreaterThanOrEqual(5);
    for (const [name, rules] of composeUsers) expect({ name, rules }).toEqual({ name, rules: localUsers.get(name) });

    const connecting = Object.values(services)
      .flatMap((service) => Object.entries(service.environment ?? {}))
      .filter(([key]) => key.endsWith('REDIS_URL'))
      .map(([, url]) => decodeURIComponent(new URL(String(url)).username));
    expect(connecting.length).toBeGreaterThanOrEqual(4);
    expect(connecting.filter((user) => !composeUsers.has(user))).toEqual([]);
  });

  it('builds its image from every workspace: each package.json is in place before npm ci', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'));
    const copied = [...beforeInstall.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    const { workspaces } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    expect(copied).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]),
    );
    expect(copied.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });

  it('starts programs the build produces', () => {
    const entries = Object.values(services)
      .filter((service) => service.image === 'polystore:local')
      .flatMap((service) => (service.command ?? []).join(' ').match(/[\w/-]+\/dist\/[\w-]+\.js/g) ?? []);
    expect(entries.length).toBeGreaterThanOrEqual(10);
    const missing = entries.filter(
      (entry) => !existsSync(path.join(ROOT, entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))),
    );
    expect(missing).toEqual([]);
  });
});
