import type { EventEnvelope } from './envelope';
import type { EventRegistry } from './registry';
import { declaredMaxLen } from './redis-streams-bus';
import { streamKey, streamOf } from './streams';

/**
 * The outbox of a Redis store (the cart): the change and its event in ONE Lua script, so Redis
 * applies both or neither. Include EMIT_EVENT_LUA in the script and call `emit_event` last, after
 * every check (a script that fails halfway keeps what it wrote before the failure):
 *
 *   local stream, max_len, id, type, json = KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
 *   redis.call('HSET', KEYS[1], …)            -- the change
 *   emit_event(stream, max_len, id, type, json) -- its event, appended to the stream
 *
 * The stream key is passed in KEYS (never built inside the script), so ACLs and Redis Cluster see
 * it; on a cluster the script's keys must share a slot, which the cart's keys and its stream do
 * not: there the cart would append to a stream tagged like the cart key and a relay would move it
 * (docs/adr/0015). The envelope is built and validated in the service before the call.
 */
export const EMIT_EVENT_LUA = `
local function emit_event(stream_key, max_len, event_id, event_type, event_json)
  return redis.call('XADD', stream_key, 'MAXLEN', '~', max_len, '*', 'id', event_id, 'type', event_type, 'event', event_json)
end
`;

/** The stream key and the ARGV of `emit_event` for a validated event (throws InvalidEventError). */
export function emitEventArgs(
  registry: EventRegistry,
  event: EventEnvelope,
  namespace?: string,
): { key: string; args: [maxLen: string, id: string, type: string, json: string] } {
  registry.assertValid(event);
  const key = streamKey(streamOf(event), namespace);
  return { key, args: [String(declaredMaxLen(key)), event.id, event.type, JSON.stringify(event)] };
}
