/**
 * npm run events -- <command>: look at the event streams and deliver again.
 *
 *   status                                  every declared stream: length; per group pending, lag, dead letters
 *   dead-letters <stream> <group>           a group's dead-lettered entries with their reasons
 *   replay <stream> <group> --from-id <id>  deliver to the group again everything from that stream id
 *   replay <stream> <group> --from-time <ISO time>
 *   replay <stream> <group> --dead-letter [--id <dead-letter id> …]
 *                                           put dead-lettered entries back for that group (all, or those ids)
 *
 * <stream> is a declared name (catalog.product) or a key. --namespace <ns> works on a test's
 * streams (events:<ns>:…). Connects as EVENTS_REDIS_URL (the operators' user), else REDIS_URL.
 */
import { Redis } from 'ioredis';
import { RedisStreamsBus, STREAMS, streamKey, streamNamed, type ReplayRequest } from '@polystore/platform';

export class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (!value || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return value;
}

function options(args: string[], name: string): string[] {
  return args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []));
}

function keyOf(stream: string | undefined, namespace: string): string {
  if (!stream) throw new UsageError('name a stream: one of ' + STREAMS.map((s) => s.name).join(', '));
  if (stream.startsWith('events:')) return stream;
  try {
    return streamKey(streamNamed(stream), namespace);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const table = (rows: (string | number)[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** Run one command; resolves with the text to print. */
export async function events(argv: string[], redis: Redis): Promise<string> {
  const [command, ...args] = argv;
  const namespace = option(args, '--namespace') ?? '';
  const bus = new RedisStreamsBus(redis);
  switch (command) {
    case 'status': {
      const rows: (string | number)[][] = [
        ['stream', 'length', 'group', 'consumers', 'pending', 'lag', 'dead-lettered'],
      ];
      for (const stream of STREAMS) {
        const key = streamKey(stream, namespace);
        const stats = await bus.stats(key);
        if (!stats.groups.length) rows.push([key, stats.length, '-', '-', '-', '-', '-']);
        for (const g of stats.groups) {
          rows.push([key, stats.length, g.group, g.consumers, g.pending, g.lag ?? '?', g.deadLettered]);
        }
      }
      return table(rows);
    }
    case 'dead-letters': {
      const key = keyOf(args[0], namespace);
      const group = args[1];
      if (!group) throw new UsageError('usage: dead-letters <stream> <group>');
      const letters = await bus.deadLetters(key, group, Number(option(args, '--count') ?? 100));
      if (!letters.length) return `no dead letters for ${group} on ${key}`;
      return table([
        ['id', 'event', 'reason', 'deliveries', 'consumer', 'at', 'error'],
        ...letters.map((l) => [
          l.id,
          l.fields['eventId'] || '-',
          l.fields['reason'] ?? '',
          l.fields['deliveries'] ?? '',
          l.fields['consumer'] ?? '',
          l.fields['at'] ?? '',
          l.fields['error'] ?? '',
        ]),
      ]);
    }
    case 'replay': {
      const key = keyOf(args[0], namespace);
      const group = args[1];
      if (!group || group.startsWith('--'))
        throw new UsageError('usage: replay <stream> <group> --from-id|--from-time|--dead-letter');
      const fromId = option(args, '--from-id');
      const fromTime = option(args, '--from-time');
      let request: ReplayRequest;
      if (args.includes('--dead-letter')) {
        const ids = options(args, '--id');
        request = { stream: key, group, from: 'dead-letter', ...(ids.length ? { ids } : {}) };
      } else if (fromId) {
        if (!/^\d+(-\d+)?$/.test(fromId)) throw new UsageError(`--from-id ${fromId} is not a stream id (<ms>-<seq>)`);
        request = { stream: key, group, from: { position: fromId } };
      } else if (fromTime) {
        const time = new Date(fromTime);
        if (Number.isNaN(time.getTime())) throw new UsageError(`--from-time ${fromTime} is not a time`);
        request = { stream: key, group, from: { time } };
      } else {
        throw new UsageError('replay needs --from-id <id>, --from-time <ISO time> or --dead-letter');
      }
      const groups = (await bus.stats(key)).groups.map((g) => g.group);
      if (!groups.includes(group))
        throw new UsageError(`${key} has no group ${group} (it has: ${groups.join(', ') || 'none'})`);
      const { entries } = await bus.replay(request);
      return `${entries} entr${entries === 1 ? 'y' : 'ies'} will be delivered again to ${group} on ${key}`;
    }
    default:
      throw new UsageError(`unknown command ${command ?? '(none)'}; status, dead-letters or replay`);
  }
}

if (require.main === module) {
  const url = process.env['EVENTS_REDIS_URL'] ?? process.env['REDIS_URL'];
  if (!url) {
    console.error('EVENTS_REDIS_URL (or REDIS_URL) is not set: scripts/stack up writes it to .data/stack.env');
    process.exit(2);
  }
  const redis = new Redis(url, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 1 });
  redis
    .connect()
    .then(() => events(process.argv.slice(2), redis))
    .then(
      (text) => {
        console.log(text);
        redis.disconnect();
      },
      (error: unknown) => {
        console.error(`events: ${(error as Error).message}`);
        redis.disconnect();
        process.exit(error instanceof UsageError ? 2 : 1);
      },
    );
}
