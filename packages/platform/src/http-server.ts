import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { checkReadiness, type ReadinessCheck } from './health';
import type { ServiceMetrics } from './metrics';

export interface HttpApp {
  app: Express;
  server: Server;
  /** The metrics port's server: /metrics and nothing else. */
  metricsServer: Server;
  /**
   * Listens on the client port, and on the metrics port unless that already listens (a client port
   * taken down and listened on again keeps its metrics port). Resolves with the client port's
   * address (port 0 picks a free port).
   */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Where the metrics port listens (once `listen` has resolved). */
  metricsAddress(): AddressInfo;
  /** `http://<metrics address>/metrics`. */
  metricsUrl(): string;
  /** Closes the metrics port (the client port is closed by Apollo's drain plugin). */
  closeMetrics(): Promise<void>;
}

/** The settings every service reads for its metrics port (baseEnv). */
export interface MetricsSettings {
  METRICS_PORT?: number | undefined;
  METRICS_HOST: string;
  METRICS_TOKEN?: string | undefined;
}

/** The metrics port is the client port + this, unless METRICS_PORT says otherwise. */
export const METRICS_PORT_OFFSET = 5400;

/** METRICS_PORT when set; else the client port + 5400; a client port of 0 (a free one) gives 0 too. */
export function metricsPortFor(clientPort: number, configured?: number): number {
  if (configured !== undefined) return configured;
  if (clientPort === 0) return 0;
  const port = clientPort + METRICS_PORT_OFFSET;
  if (port > 65535)
    throw new Error(`METRICS_PORT: the client port ${clientPort} + ${METRICS_PORT_OFFSET} is no port; set it`);
  return port;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Every request carries an id: the caller's when it is well-formed, else a fresh one. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  const id = given && REQUEST_ID.test(given) ? given : randomUUID();
  req.headers['x-request-id'] = id;
  res.setHeader('x-request-id', id);
  next();
}

function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Prometheus text format on its own server, behind a bearer token when one is configured. */
function createMetricsServer(metrics: ServiceMetrics, token: string | undefined): Server {
  const app = express();
  app.disable('x-powered-by');
  const expected = token ? Buffer.from(`Bearer ${token}`) : undefined;
  app.get('/metrics', async (req, res) => {
    const given = Buffer.from(req.header('authorization') ?? '');
    if (expected && !(given.length === expected.length && timingSafeEqual(given, expected))) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      res.status(401).send('a bearer token is required\n');
      return;
    }
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return createServer(app);
}

/**
 * The HTTP shell every service shares. The client port: request ids, /healthz (the process is
 * alive), /readyz (every dependency answers), where load balancers look. The metrics port, apart
 * and on loopback by default: /metrics (Prometheus text format), which names every subgraph and
 * counts its errors, so it is never served to clients.
 */
export function createHttpApp(options: {
  metrics: ServiceMetrics;
  readiness: Record<string, ReadinessCheck>;
  config: MetricsSettings;
}): HttpApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestId);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await checkReadiness(options.readiness);
    res.status(report.ready ? 200 : 503).json(report);
  });
  const server = createServer(app);
  const metricsServer = createMetricsServer(options.metrics, options.config.METRICS_TOKEN);
  // Keep-alive longer than the gateway's pool idle timeout, so the server never closes a socket
  // the client is about to reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return {
    app,
    server,
    metricsServer,
    async listen(port, host) {
      const address = await listenOn(server, port, host);
      if (!metricsServer.listening) {
        await listenOn(metricsServer, metricsPortFor(port, options.config.METRICS_PORT), options.config.METRICS_HOST);
      }
      return address;
    },
    metricsAddress() {
      const address = metricsServer.address();
      if (!address || typeof address === 'string') throw new Error('the metrics port is not listening');
      return address;
    },
    metricsUrl() {
      const { address, family, port } = this.metricsAddress();
      return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}/metrics`;
    },
    closeMetrics() {
      return new Promise((resolve) => {
        if (!metricsServer.listening) return resolve();
        metricsServer.close(() => resolve());
        metricsServer.closeAllConnections();
      });
    },
  };
}
