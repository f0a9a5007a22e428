import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A subgraph that answers late: a loopback proxy that holds each request for `delayMs`, then passes it
 * (signature and all) to the real subgraph and relays the answer. Requests the caller gave up on are
 * dropped. `requests` counts what reached it; `headers` keeps what each carried.
 */
export async function slowProxy(target: string, delayMs: number) {
  let requests = 0;
  const seenHeaders: Record<string, string | string[] | undefined>[] = [];
  const server = createServer((req, res) => {
    requests++;
    seenHeaders.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const timer = setTimeout(async () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            ([k, v]) => typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k),
          ),
        ) as Record<string, string>;
        const answer = await fetch(target, { method: 'POST', headers, body: Buffer.concat(chunks) });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      }, delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requests: () => requests,
    headers: () => seenHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
