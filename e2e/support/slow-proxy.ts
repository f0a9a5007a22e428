import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A subgraph that answers late: a loopback proxy that holds each request for `delayMs`, then passes it
 * (method, path, signature and all) to the real subgraph and relays the answer. With `delays`, only the
 * requests whose body it picks are held (e.g. mutations); the others pass at once. Requests the caller
 * gave up on are dropped, never forwarded. `requests` counts what reached it; `headers` and `bodies`
 * keep what each carried.
 */
export async function slowProxy(target: string, delayMs: number, options: { delays?: (body: string) => boolean } = {}) {
  let requests = 0;
  const seenHeaders: Record<string, string | string[] | undefined>[] = [];
  const seenBodies: string[] = [];
  const server = createServer((req, res) => {
    requests++;
    seenHeaders.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seenBodies.push(body.toString('utf8'));
      const held = options.delays ? options.delays(body.toString('utf8')) : true;
      const timer = setTimeout(
        async () => {
          const headers = Object.fromEntries(
            Object.entries(req.headers).filter(
              ([k, v]) => typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k),
            ),
          ) as Record<string, string>;
          const answer = await fetch(new URL(req.url ?? '/', target), {
            method: req.method,
            headers,
            ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
          });
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        },
        held ? delayMs : 0,
      );
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requests: () => requests,
    headers: () => seenHeaders,
    bodies: () => seenBodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
