import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { checkReadiness, type ReadinessCheck } from './health';
import type { ServiceMetrics } from './metrics';

export interface HttpApp {
  app: Express;
  server: Server;
  /** Resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo>;
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

/**
 * The HTTP shell every service shares: request ids, /healthz (the process is alive),
 * /readyz (every dependency answers), /metrics (Prometheus text format).
 */
export function createHttpApp(options: {
  metrics: ServiceMetrics;
  readiness: Record<string, ReadinessCheck>;
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
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  const server = createServer(app);
  // Keep-alive longer than the gateway's pool idle timeout, so the server never closes a socket
  // the client is about to reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return {
    app,
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
  };
}
