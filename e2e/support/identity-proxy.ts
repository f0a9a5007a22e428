import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  IDENTITY_HEADER,
  SIGNATURE_HEADER,
  signRequest,
  TIMESTAMP_HEADER,
  verifyRequest,
  type Identity,
} from '@polystore/platform';

export interface IdentityProxy {
  url: string;
  /** The identity the subgraph sees from now on; `null` passes the gateway's own identity through. */
  act(identity: Identity | null): void;
  stop(): Promise<void>;
}

/**
 * TEST ONLY — stands in for the gateway's sessions, which are being built separately. Today the
 * gateway sends every subgraph the ANONYMOUS identity. This proxy sits between the (unchanged)
 * gateway and one subgraph: it verifies the gateway's signature as the subgraph would (401
 * otherwise), swaps in the identity the test chose, signs again with the same secret and forwards.
 * Query planning, entity fetches and the subgraph's own signature check stay real. Nothing here
 * ships: it lives in e2e/support and nothing outside the e2e suite imports it.
 */
export async function startIdentityProxy(target: string, secret: string): Promise<IdentityProxy> {
  let acting: Identity | null = null;
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      // /readyz, /metrics: passed through untouched (the gateway's readiness asks the subgraph).
      void fetch(new URL(req.url ?? '/', target))
        .then(async (upstream) => res.writeHead(upstream.status).end(Buffer.from(await upstream.arrayBuffer())))
        .catch((error: Error) => res.writeHead(502).end(error.message));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const verified = verifyRequest(
          secret,
          {
            timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined,
            identity: req.headers[IDENTITY_HEADER] as string | undefined,
            signature: req.headers[SIGNATURE_HEADER] as string | undefined,
          },
          body,
        );
        if (!verified.ok) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [] }));
          return;
        }
        const upstream = await fetch(target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(req.headers['x-request-id'] ? { 'x-request-id': String(req.headers['x-request-id']) } : {}),
            ...signRequest(secret, body, acting ?? verified.identity),
          },
          body,
        });
        res
          .writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
          .end(Buffer.from(await upstream.arrayBuffer()));
      })().catch((error: Error) => res.writeHead(502).end(error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    act(identity) {
      acting = identity;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
