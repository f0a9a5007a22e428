import { request } from 'node:http';
import { startPolystore, type RunningPolystore } from './support/polystore';

// Stopping the gateway lets requests in flight finish and refuses new ones.
let polystore: RunningPolystore;

beforeAll(async () => {
  polystore = await startPolystore();
});
afterAll(async () => {
  await polystore?.stop().catch(() => {});
});

it('finishes a request in flight when it stops, then refuses new connections', async () => {
  const url = new URL(polystore.url);
  const body = JSON.stringify({ query: '{ categories { slug } }' });
  // a request whose body is still arriving when the stop begins
  const arrived = new Promise((r) => polystore.gateway.http.server.once('request', r));
  const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10));
    setTimeout(() => req.end(body.slice(10)), 300);
  });
  // Stop once the gateway has the request's headers (not after a fixed delay, which a busy machine can outlast).
  await arrived;
  const stopped = polystore.gateway.stop();
  const answered = await inFlight;
  expect(answered).toEqual({ status: 200, body: expect.stringContaining('"categories":[]') });
  await stopped;
  await expect(fetch(polystore.url, { method: 'POST', body })).rejects.toThrow();
});
