import type { AddressInfo } from 'node:net';
import type { HttpApp } from '@polystore/platform';

/**
 * A subgraph's HTTP server taken off the network as a crash would: the listener closes and every open
 * connection (including the gateway's pooled keep-alive sockets) is destroyed. `restore` listens again
 * on the same address, as a restarted process would.
 */
export async function takeDown(http: HttpApp): Promise<{ restore(): Promise<void> }> {
  const { address, port } = http.server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    http.server.close(() => resolve());
    http.server.closeAllConnections();
  });
  return {
    async restore() {
      await http.listen(port, address);
    },
  };
}

/** Poll until `check` resolves true; resolves with the milliseconds it took, rejects after `limitMs`. */
export async function within(limitMs: number, check: () => Promise<boolean>, everyMs = 100): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
