import { Redis, type RedisOptions } from 'ioredis';
import type { ServiceMetrics } from './metrics';

/**
 * An ioredis client for one service's own key space (its ACL user can touch nothing else).
 * Every round trip is counted in store_commands_total{store="redis"}: a command as itself, a
 * pipeline or MULTI/EXEC block once, as `pipeline`, since it travels as one write.
 */
export function createRedis(url: string, metrics: ServiceMetrics, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    // The ready check runs INFO, which a key-space ACL user may not run (-@dangerous).
    enableReadyCheck: false,
    ...options,
  });
  const sendCommand = redis.sendCommand.bind(redis);
  const pipelinesSeen = new WeakSet<object>();
  redis.sendCommand = ((command, stream, ...rest) => {
    const batch = stream as { isPipeline?: boolean } | undefined;
    if (!batch?.isPipeline) {
      metrics.storeCommands.inc({ store: 'redis', operation: command.name.toUpperCase() });
    } else if (!pipelinesSeen.has(batch)) {
      pipelinesSeen.add(batch);
      metrics.storeCommands.inc({ store: 'redis', operation: 'pipeline' });
    }
    return sendCommand(command, stream, ...rest);
  }) as Redis['sendCommand'];
  return redis;
}
