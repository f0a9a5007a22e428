import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's (user, password and path kept). */
  via(url: string): string;
  /** Connections accepted so far (while cut too: each is closed at once). */
  connections(): number;
  /** Connections open through the proxy now. */
  open(): number;
  /**
   * The store goes down as far as its clients can tell: every connection through the proxy is
   * destroyed, and new ones are closed as soon as they are accepted.
   */
  cut(): void;
  /** Connections pass through to the store again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy in front of a store the tests share (the stack's Redis), so that a test can
 * take the store away from the services it started without touching the store itself.
 */
export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let cut = false;
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    accepted++;
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const dropAll = () => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    connections: () => accepted,
    open: () => pairs.size,
    cut() {
      cut = true;
      dropAll();
    },
    restore() {
      cut = false;
    },
    close() {
      dropAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
