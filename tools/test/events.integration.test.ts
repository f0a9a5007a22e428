import { randomUUID } from 'node:crypto';
import { EventConsumer, RedisStreamsBus, streamKey, streamNamed } from '@polystore/platform';
import { events, UsageError } from '../src/events';
import { eventsRedis, eventually, productUpdated, quietLogger, registry } from '../../test-support/events';

// `npm run events` against the stack's Redis, on streams of this test's own namespace.
describe('npm run events', () => {
  let redis: Awaited<ReturnType<typeof eventsRedis>>;
  beforeAll(async () => {
    redis = await eventsRedis();
  });
  afterAll(async () => {
    await redis?.drop();
  });

  it('shows each stream and group, lists dead letters, replays them, and rewinds a group to a stream id', async () => {
    const ns = ['--namespace', redis.namespace];
    const stream = streamKey(streamNamed('catalog.product'), redis.namespace);
    const bus = new RedisStreamsBus(redis.redis);
    let failing = true;
    const handled: string[] = [];
    const consumer = new EventConsumer({
      bus,
      registry,
      logger: quietLogger,
      stream,
      group: 'search',
      blockMs: 100,
      claimIdleMs: 60_000, // dead-lettered at its first failure (maxDeliveries 1): no claim needed
      maxDeliveries: 1,
      handler: async (event) => {
        if (failing && (event.data as { name: string }).name === 'bad') throw new Error('mapping refused');
        handled.push(event.id);
      },
    });
    const running = consumer.run();
    const good = productUpdated(randomUUID(), 1);
    const bad = productUpdated(randomUUID(), 1, { name: 'bad' });
    await bus.publish(stream, [good, bad]);
    await eventually(async () => (await bus.stats(stream, 'search')).groups[0]?.deadLettered === 1);

    const status = await events(['status', ...ns], redis.redis);
    expect(status.split('\n')[0]).toMatch(/^stream\s+length\s+group\s+consumers\s+pending\s+lag\s+dead-lettered$/);
    expect(status).toMatch(new RegExp(`${stream.replace(/[{}]/g, '\\$&')}\\s+2\\s+search\\s+1\\s+0\\s+0\\s+1`));

    const letters = await events(['dead-letters', 'catalog.product', 'search', ...ns], redis.redis);
    expect(letters).toContain(bad.id);
    expect(letters).toMatch(/handler-failed\s+1\s+\S+\s+\S+\s+mapping refused/);

    failing = false;
    expect(await events(['replay', 'catalog.product', 'search', '--dead-letter', ...ns], redis.redis)).toBe(
      `1 entry will be delivered again to search on ${stream}`,
    );
    await eventually(async () => handled.includes(bad.id));

    const before = handled.length;
    expect(await events(['replay', 'catalog.product', 'search', '--from-id', '0-0', ...ns], redis.redis)).toMatch(
      /^3 entries will be delivered again/,
    );
    await eventually(async () => handled.length === before + 3, 10_000, 'the rewound group');
    await consumer.stop();
    await running;
  });

  it('refuses what it cannot do with a usage error', async () => {
    const ns = ['--namespace', redis.namespace];
    await expect(events(['replay', 'catalog.product', 'search', ...ns], redis.redis)).rejects.toThrow(
      'replay needs --from-id <id>, --from-time <ISO time> or --dead-letter',
    );
    await expect(events(['replay', 'nowhere.thing', 'search', '--dead-letter'], redis.redis)).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(
      events(['replay', 'accounts.user', 'nobody', '--from-time', 'soon', ...ns], redis.redis),
    ).rejects.toThrow('--from-time soon is not a time');
    await expect(events(['replay', 'accounts.user', 'nobody', '--dead-letter', ...ns], redis.redis)).rejects.toThrow(
      /has no group nobody/,
    );
    await expect(events(['launch'], redis.redis)).rejects.toThrow('unknown command launch');
  });
});
